//! Reading policies, resources and values files the way `kyverno test` /
//! `kyverno apply` do, through [`Files`] (the disk or a map in memory).

use std::path::{Path, PathBuf};

use serde_json::{Number, Value};

use crate::files::Files;
use crate::input::InputError;

/// Kinds Kubernetes serves cluster-scoped (from the built-in API list);
/// any other kind is namespaced, as in Kyverno's CLI.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "StorageClass",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "IPAddress",
    "ServiceCIDR",
    "DeviceClass",
    "ResourceSlice",
    "VolumeAttributesClass",
];

/// Is `kind` served cluster-scoped (no namespace defaulted)?
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// Kyverno's CLI holds every resource number as float64.
pub fn to_float_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if !n.is_f64() => {
            if let Some(f) = n.as_f64().and_then(Number::from_f64) {
                *n = f;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(to_float_numbers),
        Value::Object(m) => m.values_mut().for_each(to_float_numbers),
        _ => {}
    }
}

/// `YamlToUnstructured`: default the namespace of namespaced kinds.
pub fn normalize_resource(mut v: Value) -> Value {
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        let empty = meta
            .get("namespace")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if empty && !is_cluster_scoped(&kind) {
            meta.insert("namespace".into(), Value::String("default".into()));
        }
        for k in ["labels", "annotations"] {
            if meta.get(k).is_some_and(Value::is_null) {
                meta.insert(k.into(), Value::Object(Default::default()));
            }
        }
    }
    to_float_numbers(&mut v);
    v
}

/// Every YAML document of a file (or of every `.yaml`/`.yml` file below a
/// directory, skipping hidden entries), with the file it came from.
pub fn read_documents(files: &dyn Files, path: &Path) -> Result<Vec<(Value, PathBuf)>, InputError> {
    let mut out = Vec::new();
    for f in files.yaml_files(path)? {
        let text = files.read(&f)?;
        let docs = verno::unstable::load::documents(&text).map_err(|error| InputError::Yaml {
            path: f.clone(),
            error,
        })?;
        out.extend(docs.into_iter().map(|(d, _)| (d, f.clone())));
    }
    Ok(out)
}

/// Every Kubernetes object of a resource file (or directory, as
/// [`read_documents`]): `kind: List` documents give their items, and any
/// other document that is not an object with a string `kind` (a bare list,
/// a scalar, a map without `kind`) is an error naming the file and the
/// document, as `kyverno apply` refuses it and the bindings do.
pub fn read_resources(files: &dyn Files, path: &Path) -> Result<Vec<(Value, PathBuf)>, InputError> {
    let mut out = Vec::new();
    for f in files.yaml_files(path)? {
        let text = files.read(&f)?;
        let docs = verno::unstable::yaml::parse_documents(&text).map_err(|e| InputError::Yaml {
            path: f.clone(),
            error: verno::error::LoadError::Yaml {
                location: Box::new(verno::error::Location {
                    line: Some(e.line),
                    column: Some(e.column),
                    ..Default::default()
                }),
                message: e.message.clone(),
            },
        })?;
        for (i, doc) in docs.into_iter().enumerate() {
            let at = |item: Option<usize>, detail: String| InputError::NotAnObject {
                path: f.clone(),
                document: i + 1,
                line: doc.line,
                item,
                detail,
            };
            if doc.value.get("kind").and_then(Value::as_str) == Some("List") {
                let items = match doc.value.get("items") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(items)) => items.clone(),
                    Some(other) => {
                        return Err(at(
                            None,
                            format!("`items` of a List must be a list, got {}", type_name(other)),
                        ))
                    }
                };
                for (j, item) in items.into_iter().enumerate() {
                    object_problem(&item).map_or(Ok(()), |d| Err(at(Some(j + 1), d)))?;
                    out.push((item, f.clone()));
                }
            } else {
                object_problem(&doc.value).map_or(Ok(()), |d| Err(at(None, d)))?;
                out.push((doc.value, f.clone()));
            }
        }
    }
    Ok(out)
}

/// Why `v` is not a Kubernetes object, in the bindings' words.
fn object_problem(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) if m.get("kind").is_some_and(Value::is_string) => None,
        Value::Object(_) => Some("a Kubernetes object needs a string `kind`".into()),
        other => Some(format!(
            "expected a Kubernetes object (a map), got {}",
            type_name(other)
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// Resolve `p` against `base` unless absolute.
pub fn resolve(base: &Path, p: &str) -> PathBuf {
    let pb = Path::new(p);
    if pb.is_absolute() {
        pb.to_path_buf()
    } else {
        base.join(pb)
    }
}
