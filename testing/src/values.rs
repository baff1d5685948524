//! Values as `kyverno apply` takes them (`-f/--values-file`, `-s/--set`;
//! Kyverno's `variables.New`), and the request each `kyverno.io` policy
//! gets from its variables (`makePolicyContext`), which `verno test` shares.
//!
//! ```
//! use verno_test::values::{parse_set, ApplyValues};
//!
//! let set = parse_set(&["team=web,tier=frontend".to_string()]).unwrap();
//! let values = ApplyValues { set, ..Default::default() };
//! // `--set` variables reach every policy and resource, as strings.
//! assert_eq!(values.variables("any-policy", "any-pod")["team"], "web");
//! ```

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use verno::Operation;

use crate::files::Files;
use crate::input::InputError;
use crate::testfile::{DecodeError, Values};

/// Why the values of an `apply` run cannot be used. The texts are the ones
/// `verno apply` prints after `Error: ` (Kyverno's where Kyverno has one).
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    /// Both a values file and `--set` were given (Kyverno's `checkArguments`).
    #[error("pass the values either using set flag or values_file flag")]
    SetAndFile,
    /// The values file could not be read or is not YAML.
    #[error("failed to decode yaml (unable to load variable file: {} ({source}))", path.display())]
    Read {
        /// The values file.
        path: PathBuf,
        /// What went wrong reading it.
        source: InputError,
    },
    /// The values file does not decode as a `Values` document.
    #[error("failed to decode yaml (unable to load variable file: {} ({detail}))", path.display())]
    Decode {
        /// The values file.
        path: PathBuf,
        /// The field at fault.
        detail: DecodeError,
    },
    /// A values file without `apiVersion` or `kind` (the shape before
    /// `cli.kyverno.io/v1alpha1`, or an empty file): Kyverno 1.15 and later
    /// refuse it after printing [`ValuesError::deprecation_warning`].
    #[error("failed to decode yaml (values file {} uses a deprecated schema — please migrate to the latest format)", path.display())]
    DeprecatedSchema {
        /// The values file.
        path: PathBuf,
    },
    /// A `globalValues` `request.operation` Kyverno does not simulate
    /// (`NormalizeValuesOperation`).
    #[error(
        "invalid request.operation value {0:?}, must be one of CREATE, UPDATE, DELETE, CONNECT"
    )]
    Operation(String),
    /// A `--set` argument that gives no usable variable. Kyverno logs such
    /// items (at `-v 3`) and goes on without them; verno refuses them, so a
    /// typo never silently drops a variable.
    #[error("invalid --set {argument:?}: {reason}")]
    Set {
        /// The argument as given.
        argument: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl ValuesError {
    /// The warning Kyverno prints on standard output before refusing a
    /// values file in the deprecated shape, if this is that error.
    pub fn deprecation_warning(&self) -> Option<String> {
        match self {
            ValuesError::DeprecatedSchema { path } => Some(format!(
                "\nWARNING: values file ({}) uses a deprecated schema that will be removed in 1.15\n",
                path.display()
            )),
            _ => None,
        }
    }
}

/// The values of one `apply` run.
#[derive(Debug, Clone, Default)]
pub struct ApplyValues {
    /// The values file's content (empty without one).
    pub values: Values,
    /// `--set` variables (string values), given to every `kyverno.io`
    /// policy for every resource, over the values file's.
    pub set: Map<String, Value>,
}

impl ApplyValues {
    /// Load `values_file` or parse `set` (the raw `--set` arguments; `Some`
    /// when the flag was given at all), as `kyverno apply` does: both at
    /// once is an error, as is a `globalValues` `request.operation` other
    /// than CREATE, UPDATE, DELETE or CONNECT.
    pub fn load(
        files: &dyn Files,
        values_file: Option<&Path>,
        set: Option<&[String]>,
    ) -> Result<ApplyValues, ValuesError> {
        let mut out = ApplyValues::default();
        match (values_file, set) {
            (Some(_), Some(_)) => return Err(ValuesError::SetAndFile),
            (Some(path), None) => out.values = load_values_file(files, path)?,
            (None, Some(args)) => out.set = parse_set(args)?,
            (None, None) => {}
        }
        if let Some(Value::String(op)) = out.values.global.get("request.operation") {
            if !matches!(op.as_str(), "" | "CREATE" | "UPDATE" | "DELETE" | "CONNECT") {
                return Err(ValuesError::Operation(op.clone()));
            }
        }
        Ok(out)
    }

    /// Whether there are no values at all: policies then get the plain
    /// request (CREATE, no variables).
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
            && self.values.global.is_empty()
            && self.values.resource_values.is_empty()
            && self.values.rule_values.is_empty()
            && self.values.namespace_labels.is_empty()
            && self.values.subresources.is_empty()
    }

    /// `ComputeVariables`: the global values, overlaid with the
    /// (policy, resource) values, overlaid with the `--set` variables.
    pub fn variables(&self, policy: &str, resource: &str) -> Map<String, Value> {
        let mut out = self.values.for_resource(policy, resource);
        out.extend(self.set.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }
}

/// Read a `Values` file (`cli.kyverno.io/v1alpha1`, first document) as
/// Kyverno's `values.Load` and `deprecations.CheckValues` do: strictly, and
/// refusing a document without `apiVersion` or `kind`.
pub fn load_values_file(files: &dyn Files, path: &Path) -> Result<Values, ValuesError> {
    let read = |source| ValuesError::Read {
        path: path.to_path_buf(),
        source,
    };
    let text = files.read(path).map_err(read)?;
    let docs = verno::unstable::load::documents(&text).map_err(|error| {
        read(InputError::Yaml {
            path: path.to_path_buf(),
            error,
        })
    })?;
    // An empty file decodes to an empty Values: no apiVersion, so deprecated.
    let doc = docs
        .into_iter()
        .next()
        .map(|(d, _)| d)
        .unwrap_or(Value::Null);
    let values = match &doc {
        Value::Null => Values::default(),
        d => Values::parse(d).map_err(|detail| ValuesError::Decode {
            path: path.to_path_buf(),
            detail,
        })?,
    };
    let header = |field: &str| {
        doc.as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(field)))
            .and_then(|(_, v)| v.as_str())
            .is_some_and(|s| !s.is_empty())
    };
    if !header("apiVersion") || !header("kind") {
        return Err(ValuesError::DeprecatedSchema {
            path: path.to_path_buf(),
        });
    }
    Ok(values)
}

/// Kyverno's `--set`: each argument is a comma-separated list (read as one
/// CSV record, as pflag reads string slices, so `"a=x,y"` keeps its comma),
/// each item `key=value`, trimmed; the values are strings. Items Kyverno
/// ignores are errors here: no `=` or more than one, an empty key or value,
/// a key under `request.object.` (only values files edit the object), and a
/// key given twice (Kyverno keeps the first).
pub fn parse_set(args: &[String]) -> Result<Map<String, Value>, ValuesError> {
    let mut out = Map::new();
    for arg in args {
        let bad = |reason: String| ValuesError::Set {
            argument: arg.clone(),
            reason,
        };
        let items = csv_record(arg).map_err(|e| bad(e.to_string()))?;
        if items.is_empty() {
            return Err(bad("no key=value in it".into()));
        }
        for item in items {
            let item = item.trim();
            let parts: Vec<&str> = item.split('=').collect();
            let [key, value] = parts.as_slice() else {
                return Err(bad(format!("{item:?} is not key=value (exactly one `=`)")));
            };
            let (key, value) = (key.trim(), value.trim());
            if key.is_empty() || value.is_empty() {
                return Err(bad(format!("{item:?} has an empty key or value")));
            }
            if key.contains("request.object.") {
                return Err(bad(format!(
                    "{key:?}: Kyverno ignores --set variables under request.object. (a values file can set them)"
                )));
            }
            if out.contains_key(key) {
                return Err(bad(format!("{key:?} is set twice")));
            }
            out.insert(key.to_string(), Value::String(value.to_string()));
        }
    }
    Ok(out)
}

/// One record of Go's `encoding/csv` with its defaults: fields split on
/// `,`; a field that starts with `"` is quoted (`""` is a quote inside).
/// A newline outside quotes would end the record and drop the rest, so it
/// is refused.
fn csv_record(s: &str) -> Result<Vec<String>, &'static str> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut fields = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("extraneous or missing \" in quoted-field"),
                    Some('"') => match chars.peek() {
                        Some('"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some(',') | None => break,
                        Some(_) => return Err("extraneous or missing \" in quoted-field"),
                    },
                    Some(c) => field.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                match c {
                    ',' => break,
                    '"' => return Err("bare \" in non-quoted field"),
                    '\n' | '\r' => return Err("a line break outside quotes"),
                    _ => {
                        field.push(c);
                        chars.next();
                    }
                }
            }
        }
        fields.push(field);
        match chars.next() {
            Some(',') => continue,
            _ => return Ok(fields),
        }
    }
}

impl Values {
    /// The `rules[].values` of `rule` in `policy` (by name; an autogen
    /// rule `autogen-<rule>`/`autogen-cronjob-<rule>` gets its source
    /// rule's), as the CLI's context loader adds them before the rule's
    /// context; `None` when there are none.
    pub fn rule_values(&self, policy: &str, rule: &str) -> Option<Map<String, Value>> {
        let mut out = Map::new();
        for (p, r, vals) in &self.rule_values {
            let named = r == rule
                || format!("autogen-{r}") == rule
                || format!("autogen-cronjob-{r}") == rule;
            if p == policy && named {
                out.extend(vals.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// `makePolicyContext` for a `kyverno.io` policy (and the operation of the
/// others): the operation is `forced_op` (a test result's `operation`),
/// else the variables' `request.operation`, else CREATE; variables under
/// `request.object`/`request.oldObject` edit the objects, and the edited
/// object replaces `running`. Returns the request and whether `running`
/// was replaced.
pub fn policy_request(
    policy: &verno::CompiledPolicy,
    vals: Map<String, Value>,
    forced_op: Option<&str>,
    running: &mut Cow<'_, Value>,
) -> Result<(verno::PolicyRequest, bool), verno::unstable::values::ReadBackError> {
    let op = forced_op
        .or_else(|| vals.get("request.operation").and_then(Value::as_str))
        .map_or(Operation::Create, Operation::parse_lenient);
    let mut old_object = None;
    // Kyverno's ValidatingPolicy step takes only the operation from the
    // values; their object edits apply to `kyverno.io` policies.
    let edits = policy.as_kyverno().is_some() && verno::unstable::values::edits_objects(&vals);
    if edits {
        let rb = verno::unstable::values::read_back(running, op, &vals)?;
        let (edited, old) = match op {
            Operation::Delete => (rb.old_object.unwrap_or_default(), None),
            Operation::Update => (rb.object, rb.old_object),
            _ => (rb.object, None),
        };
        *running = Cow::Owned(edited);
        // Kyverno deep-copies the old object: its edits do not persist.
        old_object = old;
    }
    let request = verno::PolicyRequest {
        operation: Some(op),
        old_object,
        variables: Some(vals),
    };
    Ok((request, edits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::MemFiles;

    fn set(args: &[&str]) -> Result<Map<String, Value>, ValuesError> {
        parse_set(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn load(file: &str) -> Result<ApplyValues, ValuesError> {
        let files = MemFiles::new([("values.yaml", file.to_string())]).unwrap();
        ApplyValues::load(&files, Some(Path::new("values.yaml")), None)
    }

    #[test]
    fn set_splits_items_on_commas_and_trims_them() {
        let got = set(&[" a = 1 , b=two", "c=3"]).unwrap();
        assert_eq!(got["a"], "1");
        assert_eq!(got["b"], "two");
        assert_eq!(got["c"], "3");
    }

    #[test]
    fn set_keeps_a_comma_inside_a_quoted_item() {
        let got = set(&["\"list=a,b\",x=\"\"y"]);
        assert!(got.is_err(), "a bare quote in a field is a CSV error");
        let got = set(&["\"list=a,b\",x=y"]).unwrap();
        assert_eq!(got["list"], "a,b");
        assert_eq!(got["x"], "y");
    }

    #[test]
    fn set_refuses_what_kyverno_silently_ignores() {
        for bad in [
            "novalue",
            "a=b=c",
            "a=",
            "=b",
            "request.object.metadata.name=x",
            "",
        ] {
            let err = set(&[bad]).unwrap_err();
            assert!(
                matches!(&err, ValuesError::Set { argument, .. } if argument == bad),
                "{bad}: {err}"
            );
        }
        assert!(set(&["a=1,a=2"]).is_err(), "a key set twice");
    }

    #[test]
    fn set_variables_override_values_for_every_policy_and_resource() {
        let mut v = load(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\nglobalValues: {a: g, b: g}\n\
             policies: [{name: p, resources: [{name: r, values: {b: r, c: r}}]}]\n",
        )
        .unwrap();
        v.set = set(&["c=s"]).unwrap();
        let vars = v.variables("p", "r");
        assert_eq!(
            (&vars["a"], &vars["b"], &vars["c"]),
            (&"g".into(), &"r".into(), &"s".into())
        );
        assert_eq!(v.variables("other", "r")["c"], "s");
    }

    #[test]
    fn values_file_without_header_is_the_deprecated_schema() {
        for text in ["globalValues: {a: 1}\n", "", "kind: Values\n"] {
            let err = load(text).unwrap_err();
            assert!(
                matches!(err, ValuesError::DeprecatedSchema { .. }),
                "{text:?}: {err}"
            );
            assert!(err.deprecation_warning().is_some());
        }
    }

    #[test]
    fn values_file_errors_name_the_file_and_the_field() {
        let err = load("apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\nglobalValue: {}\n")
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("values.yaml") && text.contains("globalValue"),
            "{text}"
        );
        let files = MemFiles::new([("other.yaml", String::new())]).unwrap();
        let err = ApplyValues::load(&files, Some(Path::new("values.yaml")), None).unwrap_err();
        assert!(matches!(err, ValuesError::Read { .. }), "{err}");
    }

    #[test]
    fn values_file_and_set_together_are_refused() {
        let files = MemFiles::new([("v.yaml", String::new())]).unwrap();
        let err = ApplyValues::load(&files, Some(Path::new("v.yaml")), Some(&[])).unwrap_err();
        assert!(matches!(err, ValuesError::SetAndFile));
    }

    #[test]
    fn global_operation_must_be_one_kyverno_simulates() {
        let head = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\n";
        let err = load(&format!(
            "{head}globalValues: {{request.operation: PATCH}}\n"
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid request.operation value \"PATCH\", must be one of CREATE, UPDATE, DELETE, CONNECT"
        );
        assert!(load(&format!(
            "{head}globalValues: {{request.operation: CONNECT}}\n"
        ))
        .is_ok());
    }

    #[test]
    fn rule_values_reach_autogen_rules_of_the_same_policy() {
        let v = load(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\n\
             policies: [{name: p, rules: [{name: r, values: {x: 1}}]}]\n",
        )
        .unwrap()
        .values;
        assert_eq!(v.rule_values("p", "autogen-cronjob-r").unwrap()["x"], 1.0);
        assert!(v.rule_values("q", "r").is_none());
    }
}
