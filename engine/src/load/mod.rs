//! Load: YAML/JSON text → typed policies, with errors that say where.

pub mod validation;

use std::sync::Arc;

use serde_json::Value;

use crate::error::{LoadError, Location};
use crate::model::policy::{Policy, Rule};
use crate::yaml;

/// A policy as read from its document, with the raw JSON Kyverno's
/// JSON-level transformations (autogen) work on.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The policy.
    pub policy: Policy,
    /// The typed rules, in order (parallel to `policy.spec.rules`).
    pub rules: Vec<Rule>,
    /// The raw.
    pub raw: Value,
    /// 1-based line of the document in its text.
    pub line: Option<usize>,
    /// The text the policy was read from, so that errors found later
    /// (compiling) can point at their field too.
    pub source: Option<Arc<str>>,
}

/// How many refused policies of one text get a field position; the others
/// keep the line of their document.
const MAX_LOCATED_REJECTIONS: usize = 100;

/// Everything a policy text holds.
#[derive(Debug, Clone, Default)]
pub struct LoadedText {
    /// The policies that passed validation, in document order.
    pub policies: Vec<LoadedPolicy>,
    /// The PolicyException documents.
    pub exceptions: Vec<crate::matching::exception::PolicyException>,
    /// Policies Kyverno's policy validation refuses
    /// ([`LoadError::Rejected`]), in document order: `kyverno apply` skips
    /// them and goes on.
    pub rejected: Vec<LoadError>,
    /// Documents of the ValidatingPolicy family: ValidatingPolicy,
    /// NamespacedValidatingPolicy, ValidatingAdmissionPolicy and its bindings.
    pub vpols: Vec<crate::vpol::model::VpolDoc>,
    /// `policies.kyverno.io` PolicyExceptions found among the policies.
    pub cel_exceptions: Vec<crate::vpol::CelException>,
}

/// What a document is, by `apiVersion`/`kind`.
pub fn is_kyverno_policy(doc: &Value) -> bool {
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    matches!(kind, "ClusterPolicy" | "Policy") && api.starts_with("kyverno.io/")
}

/// Parse every document of `text` (YAML or JSON) into values with their line.
pub fn documents(text: &str) -> Result<Vec<(Value, usize)>, LoadError> {
    let docs = yaml::parse_documents(text).map_err(|e| LoadError::Yaml {
        location: Box::new(Location {
            line: Some(e.line),
            column: Some(e.column),
            ..Default::default()
        }),
        message: e.message.clone(),
    })?;
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        // `v1/List` documents hold their items.
        if d.value.get("kind").and_then(Value::as_str) == Some("List") {
            for item in d
                .value
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push((item.clone(), d.line));
            }
        } else {
            out.push((d.value, d.line));
        }
    }
    Ok(out)
}

/// Type one policy document.
pub fn policy_from_value(doc: Value, line: Option<usize>) -> Result<LoadedPolicy, LoadError> {
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let loc = |field: Option<String>, rule: Option<String>| {
        Box::new(Location {
            line,
            policy: name.clone(),
            rule,
            field,
            ..Default::default()
        })
    };
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if !matches!(api, "kyverno.io/v1" | "kyverno.io/v2beta1") {
        return Err(LoadError::Unsupported {
            location: loc(Some("apiVersion".into()), None),
            feature: format!("policy apiVersion {api:?}"),
        });
    }
    let policy: Policy =
        serde_path_to_error::deserialize(&doc).map_err(|e| LoadError::Invalid {
            location: loc(Some(e.path().to_string()), None),
            message: e.inner().to_string(),
        })?;
    if policy.metadata.name.is_empty() {
        return Err(LoadError::Invalid {
            location: loc(Some("metadata.name".into()), None),
            message: "a policy needs a name".into(),
        });
    }
    crate::load::validation::check_schema(&policy, &policy.spec.rules, line)?;
    let mut rules = Vec::with_capacity(policy.spec.rules.len());
    for (i, raw) in policy.spec.rules.iter().enumerate() {
        let rule_name = raw.get("name").and_then(Value::as_str).map(str::to_string);
        let rule: Rule = serde_path_to_error::deserialize(raw).map_err(|e| {
            // The path is "." when the rule itself has the wrong type.
            let inner = e.path().to_string();
            let field = match inner.as_str() {
                "." => format!("spec.rules[{i}]"),
                p => format!("spec.rules[{i}].{p}"),
            };
            LoadError::Invalid {
                location: loc(Some(field), rule_name.clone()),
                message: e.inner().to_string(),
            }
        })?;
        rules.push(rule);
    }
    crate::load::validation::validate(&policy, &policy.spec.rules, line)?;
    Ok(LoadedPolicy {
        policy,
        rules,
        raw: doc,
        line,
        source: None,
    })
}

/// Load every `ClusterPolicy`/`Policy` of a text. Other kinds are an
/// `Unsupported` error naming the kind.
///
/// ```
/// let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec: {rules: []}\n";
/// let ps = verno::unstable::load::load_policies(text).unwrap();
/// assert_eq!(ps[0].policy.metadata.name, "p");
/// ```
pub fn load_policies(text: &str) -> Result<Vec<LoadedPolicy>, LoadError> {
    let (policies, exceptions) = load_all(text)?;
    if !exceptions.is_empty() {
        return Err(LoadError::Unsupported {
            location: Box::default(),
            feature:
                "PolicyException documents here (load them with load_all or PolicySet::from_yaml)"
                    .into(),
        });
    }
    Ok(policies)
}

/// Load every Kyverno policy and PolicyException of a text. A policy that
/// Kyverno's policy validation refuses is an error here too (the first
/// one); [`load_text`] sets such policies aside instead.
pub fn load_all(
    text: &str,
) -> Result<
    (
        Vec<LoadedPolicy>,
        Vec<crate::matching::exception::PolicyException>,
    ),
    LoadError,
> {
    let mut loaded = load_text(text)?;
    if !loaded.rejected.is_empty() {
        return Err(loaded.rejected.swap_remove(0));
    }
    Ok((loaded.policies, loaded.exceptions))
}

/// Load every Kyverno policy and PolicyException of a text, like
/// `kyverno apply` does: policies that Kyverno's policy validation refuses
/// are listed in [`LoadedText::rejected`]; any other problem is an error.
/// Every error points at the line and column of its field.
pub fn load_text(text: &str) -> Result<LoadedText, LoadError> {
    load_text_inner(text).map_err(|e| e.locate_in(text))
}

fn load_text_inner(text: &str) -> Result<LoadedText, LoadError> {
    let source: Arc<str> = Arc::from(text);
    let mut out = LoadedText::default();
    for (doc, line) in documents(text)? {
        if crate::matching::exception::is_policy_exception(&doc) {
            out.exceptions
                .push(crate::matching::exception::PolicyException::from_value(
                    &doc,
                    Some(line),
                )?);
            continue;
        }
        if crate::vpol::load::is_cel_exception(&doc) {
            out.cel_exceptions
                .push(crate::vpol::load::cel_exception(&doc, Some(line))?);
            continue;
        }
        if crate::vpol::load::is_family_document(&doc) {
            match crate::vpol::load::family_document(&doc, Some(line)) {
                Ok(p) => out.vpols.push(p),
                Err(e @ LoadError::Rejected { .. }) => out.rejected.push(e.locate_in(text)),
                Err(e) => return Err(e),
            }
            continue;
        }
        if !is_kyverno_policy(&doc) {
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("<none>");
            let api = doc
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            return Err(LoadError::Unsupported {
                location: Box::new(Location {
                    line: Some(line),
                    policy: doc
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    ..Default::default()
                }),
                feature: format!("policy kind {api}/{kind}"),
            });
        }
        match policy_from_value(doc, Some(line)) {
            Ok(mut p) => {
                p.source = Some(Arc::clone(&source));
                out.policies.push(p);
            }
            Err(e @ LoadError::Rejected { .. }) => {
                // Each lookup re-reads the text up to the policy: bounded, so
                // that a file of many refused policies stays linear.
                let e = if out.rejected.len() < MAX_LOCATED_REJECTIONS {
                    e.locate_in(text)
                } else {
                    e
                };
                out.rejected.push(e);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
