//! `globalContextEntries` of a `Test` (Kyverno 1.19): static data standing
//! in for GlobalContextEntry resources, read by legacy `globalReference`
//! context entries and CEL `globalContext.Get`.
//!
//! Each entry's root is `data`, or the list of its `resources` (inline or
//! from `resourceFiles`); `fieldPath` (JMESPath) narrows the root, and
//! `projections` turn it into a map of named JMESPath results, which is
//! what a projection name looks up.

use std::path::Path;

use serde_json::{Map, Value};

use crate::files::Files;
use crate::fixtures;
use crate::testfile::DecodeError;

/// Where an entry's root comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// `data`: an object.
    Data(Value),
    /// `resources`: inline manifests.
    Resources(Vec<Value>),
    /// `resourceFiles`: YAML files relative to the test directory.
    ResourceFiles(Vec<String>),
}

/// One `globalContextEntries` item as written.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalContextSpec {
    /// The GlobalContextEntry name policies refer to.
    pub name: String,
    /// The root's source.
    pub source: Source,
    /// `fieldPath`, empty for none.
    pub field_path: String,
    /// `projections`: (name, JMESPath) pairs.
    pub projections: Vec<(String, String)>,
}

/// The resolved entries of one test: name → stored value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GlobalContext {
    /// The entries, in file order.
    pub entries: Vec<(String, Value)>,
}

/// Decode and check `Test.globalContextEntries` as Kyverno's
/// `ValidateGlobalContextEntries` does, with its messages.
pub fn parse(list: &[Value], at: &str) -> Result<Vec<GlobalContextSpec>, DecodeError> {
    let mut out: Vec<GlobalContextSpec> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let here = format!("{at}[{i}]");
        let spec = parse_entry(item, &here)?;
        if out.iter().any(|s| s.name == spec.name) {
            return Err(DecodeError::Invalid {
                at: here,
                detail: format!("globalContextEntries: duplicate name {:?}", spec.name),
            });
        }
        out.push(spec);
    }
    Ok(out)
}

fn parse_entry(item: &Value, here: &str) -> Result<GlobalContextSpec, DecodeError> {
    let invalid = |detail: String| DecodeError::Invalid {
        at: here.to_string(),
        detail,
    };
    let Value::Object(obj) = item else {
        return Err(invalid("must be a map".into()));
    };
    const FIELDS: &[&str] = &[
        "name",
        "data",
        "resources",
        "resourceFiles",
        "fieldPath",
        "projections",
    ];
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(DecodeError::UnknownField {
            at: here.to_string(),
            field: k.clone(),
        });
    }
    let string = |v: Option<&Value>, at: &str| -> Result<String, DecodeError> {
        match v {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(DecodeError::Invalid {
                at: at.to_string(),
                detail: "must be a string".into(),
            }),
        }
    };
    let name = string(obj.get("name"), &format!("{here}.name"))?
        .trim()
        .to_string();
    if name.is_empty() {
        return Err(invalid("globalContextEntries: name is required".into()));
    }
    let list = |k: &str| -> Result<Option<&Vec<Value>>, DecodeError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(DecodeError::Invalid {
                at: format!("{here}.{k}"),
                detail: "must be a list".into(),
            }),
        }
    };
    let mut projections = Vec::new();
    for (j, p) in list("projections")?.into_iter().flatten().enumerate() {
        let at = format!("{here}.projections[{j}]");
        let pname = string(p.get("name"), &format!("{at}.name"))?;
        let path = string(p.get("path"), &format!("{at}.path"))?;
        if let Some(k) = p
            .as_object()
            .and_then(|m| m.keys().find(|k| *k != "name" && *k != "path"))
        {
            return Err(DecodeError::UnknownField {
                at,
                field: k.clone(),
            });
        }
        if pname.trim().is_empty() {
            return Err(invalid(format!(
                "globalContextEntries entry {name:?}: projection name is required"
            )));
        }
        if path.trim().is_empty() {
            return Err(invalid(format!(
                "globalContextEntries entry {name:?} projection {pname:?}: path is required"
            )));
        }
        projections.push((pname, path));
    }
    let data = obj.get("data").filter(|d| !d.is_null());
    let resources = list("resources")?;
    let files = list("resourceFiles")?;
    let count = [data.is_some(), resources.is_some(), files.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if count > 1 {
        return Err(invalid(format!(
            "globalContextEntries entry {name:?}: data, resources, and resourceFiles are mutually exclusive"
        )));
    }
    let source = if let Some(d) = data {
        if !d.is_object() {
            return Err(invalid(format!(
                "globalContextEntries entry {name:?}: data must be a JSON object"
            )));
        }
        Source::Data(d.clone())
    } else if let Some(rs) = resources {
        for (j, r) in rs.iter().enumerate() {
            if !r.is_object() {
                return Err(invalid(format!(
                    "globalContextEntries entry {name:?} resources[{j}]: must be a JSON object (Kubernetes resource manifest)"
                )));
            }
        }
        Source::Resources(rs.clone())
    } else if let Some(fs) = files {
        let mut paths = Vec::new();
        for (j, f) in fs.iter().enumerate() {
            let f = string(Some(f), &format!("{here}.resourceFiles[{j}]"))?;
            let t = f.trim();
            let prefix = format!("globalContextEntries entry {name:?} resourceFiles[{j}]");
            if t.is_empty() {
                return Err(invalid(format!("{prefix}: file path must not be empty")));
            }
            if t.starts_with('/') || Path::new(t).is_absolute() {
                return Err(invalid(format!("{prefix}: file path must not be absolute")));
            }
            if escapes(t) {
                return Err(invalid(format!(
                    "{prefix}: file path must not escape the test directory"
                )));
            }
            paths.push(t.to_string());
        }
        Source::ResourceFiles(paths)
    } else {
        return Err(invalid(format!(
            "globalContextEntries entry {name:?}: one of data, resources, or resourceFiles is required"
        )));
    };
    Ok(GlobalContextSpec {
        name,
        source,
        field_path: string(obj.get("fieldPath"), &format!("{here}.fieldPath"))?,
        projections,
    })
}

/// Does the cleaned relative path climb above its start (`filepath.Clean`
/// then a leading `..`)?
fn escapes(p: &str) -> bool {
    let mut depth: i64 = 0;
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// Why an entry could not be resolved (Kyverno fails the whole test).
pub type ResolveError = String;

impl GlobalContext {
    /// Whether the test declares no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Resolve every entry: read resource files (relative to `base`), apply
    /// `fieldPath` and `projections`.
    pub fn resolve(
        specs: &[GlobalContextSpec],
        files: &dyn Files,
        base: &Path,
    ) -> Result<GlobalContext, ResolveError> {
        let mut entries = Vec::new();
        for s in specs {
            let root = match &s.source {
                Source::Data(d) => d.clone(),
                Source::Resources(rs) => Value::Array(rs.clone()),
                Source::ResourceFiles(paths) => {
                    let mut all = Vec::new();
                    for p in paths {
                        let docs = fixtures::read_documents(files, &fixtures::resolve(base, p))
                            .map_err(|e| {
                                format!(
                                    "globalContextEntries {:?} resourceFiles {p:?}: {e}",
                                    s.name
                                )
                            })?;
                        // Empty documents are skipped, as Kyverno does.
                        all.extend(
                            docs.into_iter()
                                .map(|(d, _)| d)
                                .filter(|d| d.as_object().is_some_and(|m| !m.is_empty())),
                        );
                    }
                    Value::Array(all)
                }
            };
            let mut root = root;
            fixtures::to_float_numbers(&mut root);
            entries.push((s.name.clone(), project(s, root)?));
        }
        Ok(GlobalContext { entries })
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// CEL `globalContext.Get(name, projection)`: `None` for an unknown
    /// entry; a projection looks up a key of the stored map.
    pub fn cel_get(&self, name: &str, projection: &str) -> Result<Option<Value>, String> {
        let Some(data) = self.get(name) else {
            return Ok(None);
        };
        if projection.is_empty() {
            return Ok(Some(data.clone()));
        }
        match data {
            Value::Object(m) => m.get(projection).cloned().map(Some).ok_or_else(|| {
                format!("projection {projection:?} not found in global context entry {name:?}")
            }),
            _ => Err(format!(
                "projection {projection:?} not found in global context entry {name:?}: stored value is not an object"
            )),
        }
    }

    /// A legacy `globalReference` context entry (after substitution):
    /// `name` is `entry` or `entry.projection`; `jmesPath` applies after.
    /// `Ok(None)` when `entry` is not a `globalReference`.
    pub fn reference_entry(
        &self,
        entry: &Value,
        host: &dyn verno::Host,
    ) -> Result<Option<Value>, String> {
        let Some(reference) = entry.get("globalReference") else {
            return Ok(None);
        };
        let full = reference.get("name").and_then(Value::as_str).unwrap_or("");
        let mut parts = full.split('.');
        let name = parts.next().unwrap_or("");
        let projection = parts.next().unwrap_or("");
        let Some(data) = self.get(name) else {
            return Err(format!("failed to fetch entry key={name}"));
        };
        let data = if projection.is_empty() {
            data.clone()
        } else {
            match data {
                Value::Object(m) => m.get(projection).cloned().ok_or_else(|| {
                    format!("global context mock: projection {projection:?} not found")
                })?,
                _ => {
                    return Err(format!(
                        "global context mock: projection {projection:?} requested but value is not an object"
                    ))
                }
            }
        };
        let path = reference
            .get("jmesPath")
            .and_then(Value::as_str)
            .unwrap_or("");
        if path.is_empty() {
            return Ok(Some(data));
        }
        let entry_name = entry.get("name").and_then(Value::as_str).unwrap_or("");
        search(path, &data, host).map(Some).map_err(|e| {
            format!("failed to apply JMESPath {path} for context entry {entry_name}: {e}")
        })
    }
}

fn search(path: &str, data: &Value, host: &dyn verno::Host) -> Result<Value, String> {
    let rt = verno::unstable::jmespath::Runtime {
        dialect: verno::unstable::jmespath::Dialect::Kyverno,
        host,
    };
    verno::unstable::jmespath::compile(path)
        .and_then(|e| e.search(data, &rt))
        .map_err(|e| e.to_string())
}

/// `fieldPath`, then `projections`.
fn project(s: &GlobalContextSpec, root: Value) -> Result<Value, ResolveError> {
    let host = verno::NoHost;
    let root = if s.field_path.is_empty() {
        root
    } else {
        search(&s.field_path, &root, &host)
            .map_err(|e| format!("globalContextEntries {:?} fieldPath: {e}", s.name))?
    };
    if s.projections.is_empty() {
        return Ok(root);
    }
    let mut out = Map::new();
    for (name, path) in &s.projections {
        let v = search(path, &root, &host).map_err(|e| {
            format!(
                "globalContextEntries {:?} projection {name:?} path {path:?}: {e}",
                s.name
            )
        })?;
        out.insert(name.clone(), v);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::MemFiles;
    use serde_json::json;

    fn resolve(v: Value) -> Result<GlobalContext, String> {
        let specs = parse(
            v.as_array().map(Vec::as_slice).unwrap_or(&[]),
            "Test.globalContextEntries",
        )
        .map_err(|e| e.to_string())?;
        let files = MemFiles::new([(
            "deploys.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n".to_string(),
        )])
        .map_err(|e| e.to_string())?;
        GlobalContext::resolve(&specs, &files, Path::new(""))
    }

    #[test]
    fn global_context_projection_stores_named_values() {
        let g = resolve(json!([{
            "name": "deployments",
            "resources": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}],
            "projections": [{"name": "count", "path": "length(@)"}, {"name": "names", "path": "[].metadata.name"}],
        }]))
        .unwrap();
        assert_eq!(
            g.cel_get("deployments", "names").unwrap(),
            Some(json!(["a", "b"]))
        );
        assert_eq!(
            g.cel_get("deployments", "").unwrap(),
            Some(json!({"count": 2.0, "names": ["a", "b"]}))
        );
        let entry = json!({"name": "n", "globalReference": {"name": "deployments.count"}});
        assert_eq!(
            g.reference_entry(&entry, &verno::NoHost).unwrap(),
            Some(json!(2.0))
        );
        assert!(g
            .cel_get("deployments", "missing")
            .unwrap_err()
            .contains("not found"));
        assert_eq!(g.cel_get("unknown", "").unwrap(), None);
    }

    #[test]
    fn global_context_field_path_narrows_data_before_jmespath() {
        let g = resolve(json!([{"name": "cfg", "data": {"spec": {"limits": {"cpu": "2"}}}, "fieldPath": "spec.limits"}]))
            .unwrap();
        let entry = json!({"name": "cpu", "globalReference": {"name": "cfg", "jmesPath": "cpu"}});
        assert_eq!(
            g.reference_entry(&entry, &verno::NoHost).unwrap(),
            Some(json!("2"))
        );
        let missing = json!({"name": "x", "globalReference": {"name": "nope"}});
        assert_eq!(
            g.reference_entry(&missing, &verno::NoHost).unwrap_err(),
            "failed to fetch entry key=nope"
        );
    }

    #[test]
    fn global_context_resource_files_skip_empty_documents() {
        let g = resolve(json!([{"name": "d", "resourceFiles": ["deploys.yaml"], "fieldPath": "[].metadata.name"}]))
            .unwrap();
        assert_eq!(g.cel_get("d", "").unwrap(), Some(json!(["a", "b"])));
    }

    #[test]
    fn malformed_global_context_entries_name_the_entry() {
        for (v, want) in [
            (json!([{"data": {}}]), "name is required"),
            (
                json!([{"name": "a", "data": {}}, {"name": "a", "data": {}}]),
                "duplicate name \"a\"",
            ),
            (
                json!([{"name": "a"}]),
                "one of data, resources, or resourceFiles is required",
            ),
            (
                json!([{"name": "a", "data": {}, "resources": []}]),
                "mutually exclusive",
            ),
            (
                json!([{"name": "a", "data": [1]}]),
                "data must be a JSON object",
            ),
            (
                json!([{"name": "a", "resourceFiles": ["../x.yaml"]}]),
                "must not escape the test directory",
            ),
            (
                json!([{"name": "a", "resourceFiles": ["/x.yaml"]}]),
                "must not be absolute",
            ),
            (
                json!([{"name": "a", "data": {}, "projections": [{"name": "p"}]}]),
                "path is required",
            ),
            (json!([{"name": "a", "dat": {}}]), "unknown field"),
        ] {
            let e = resolve(v).unwrap_err();
            assert!(
                e.contains(want) && e.starts_with("Test.globalContextEntries["),
                "{e}"
            );
        }
    }
}
