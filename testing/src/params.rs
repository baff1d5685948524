//! Parameter objects of `validate.cel` rules (`paramKind`/`paramRef`), as
//! Kyverno's CLI keeps them in its fake client: `kyverno test`'s
//! `paramResources` and `kyverno apply --parameter-resource`.

use std::path::Path;

use serde_json::Value;
use verno::model::resource::ResourceMeta;

use crate::files::Files;
use crate::fixtures;
use crate::input::InputError;

/// Read parameter objects: the namespace defaulted as for resources, but
/// numbers kept as written (Kubernetes decodes them as integers; only the
/// resources under test become doubles).
pub fn load(files: &dyn Files, path: &Path) -> Result<Vec<Value>, InputError> {
    let mut out = Vec::new();
    for (mut doc, _) in fixtures::read_resources(files, path)? {
        let kind = doc
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(meta) = doc.get_mut("metadata").and_then(Value::as_object_mut) {
            let unset = meta
                .get("namespace")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
            if unset && !fixtures::is_cluster_scoped(&kind) {
                meta.insert("namespace".into(), Value::String("default".into()));
            }
        }
        out.push(doc);
    }
    Ok(out)
}

/// `Host::param_kind_namespaced` offline: every kind but the built-in
/// cluster-scoped ones.
pub fn namespaced(kind: &str) -> bool {
    !fixtures::is_cluster_scoped(kind)
}

/// `Host::param_resources`: the objects of a kind, in `namespace` (every
/// namespace when empty).
pub fn select(objects: &[Value], api_version: &str, kind: &str, namespace: &str) -> Vec<Value> {
    objects
        .iter()
        .filter(|p| {
            let m = ResourceMeta::of(p);
            m.api_version == api_version
                && m.kind == kind
                && (namespace.is_empty() || m.namespace == namespace)
        })
        .cloned()
        .collect()
}

/// What Kyverno's fake client holds for parameter lookups: the declared
/// parameter resources (`paramResources`, `--parameter-resource`) first,
/// then the resources under test.
#[derive(Debug, Clone, Default)]
pub struct ParamObjects {
    /// Every object, declared parameters first.
    pub objects: Vec<Value>,
    /// How many of `objects` are declared parameters.
    pub declared: usize,
}

impl ParamObjects {
    /// The declared parameter resources only: a ValidatingAdmissionPolicy
    /// binding's `paramRef` picks among these, whatever their kind.
    pub fn declared(&self) -> &[Value] {
        self.objects.get(..self.declared).unwrap_or(&[])
    }
}
