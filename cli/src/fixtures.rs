//! Reading policies, resources and values files from disk the way
//! `kyverno test` / `kyverno apply` do.

use std::path::{Path, PathBuf};

use serde_json::{Number, Value};

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

/// Read a file as text, naming the file in the error.
pub fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every YAML document of a file (or of every `.yaml`/`.yml` file below a
/// directory, skipping hidden entries), with the file it came from.
pub fn read_documents(path: &Path) -> Result<Vec<(Value, PathBuf)>, String> {
    let mut files = Vec::new();
    collect_yaml_files(path, &mut files)?;
    let mut out = Vec::new();
    for f in files {
        let text = read_text(&f)?;
        let docs = verno::load::documents(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        out.extend(docs.into_iter().map(|(d, _)| (d, f.clone())));
    }
    Ok(out)
}

fn collect_yaml_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            let name = e.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') {
                continue;
            }
            if e.is_dir() {
                collect_yaml_files(&e, out)?;
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                out.push(e);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
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
