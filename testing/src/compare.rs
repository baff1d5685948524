//! How `kyverno test` compares a patched resource with the expected one
//! (`commands/test/compare.go`, `resource/tidy.go`, `resource/labels.go`).

use std::path::Path;

use serde_json::Value;
use verno::model::resource::ResourceMeta;

use crate::files::Files;
use crate::fixtures;
use crate::input::InputError;

/// Why a comparison failed.
#[derive(Debug, thiserror::Error)]
pub enum Mismatch {
    /// No document of the expected file has the actual resource's identity.
    #[error("resource with name {0} not found in manifest")]
    NotInManifest(String),
    /// The file could not be read.
    #[error("{0}")]
    File(InputError),
    /// The resources differ.
    #[error("patched resource differs from {0}")]
    Diff(String),
}

impl Mismatch {
    /// The REASON column.
    pub fn reason(&self) -> &'static str {
        match self {
            Mismatch::Diff(_) => "Resource diff",
            _ => "Resource error",
        }
    }
}

/// Compare `actual` with the document of `file` that has the same
/// apiVersion, kind, namespace and name.
pub fn patched(files: &dyn Files, base: &Path, file: &str, actual: &Value) -> Result<(), Mismatch> {
    let path = fixtures::resolve(base, file);
    let docs = fixtures::read_documents(files, &path).map_err(Mismatch::File)?;
    let a = ResourceMeta::of(actual);
    let api = |v: &Value| {
        v.get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let expected = docs
        .into_iter()
        .map(|(d, _)| fixtures::normalize_resource(d))
        .find(|d| {
            let m = ResourceMeta::of(d);
            api(d) == api(actual)
                && m.kind == a.kind
                && m.namespace == a.namespace
                && m.name == a.name
        })
        .ok_or_else(|| Mismatch::NotInManifest(a.name.to_string()))?;
    let (mut x, mut y) = (actual.clone(), expected);
    fixup_labels(&mut x);
    fixup_labels(&mut y);
    let (x, y) = (tidy(&x), tidy(&y));
    if same(&x, &y) {
        Ok(())
    } else {
        Err(Mismatch::Diff(path.display().to_string()))
    }
}

/// `FixupGenerateLabels`: drop `generate.kyverno.io/` labels and add
/// `app.kubernetes.io/managed-by: kyverno` when absent.
fn fixup_labels(v: &mut Value) {
    let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(l) = labels {
        l.retain(|k, _| !k.starts_with("generate.kyverno.io/"));
        l.entry("app.kubernetes.io/managed-by")
            .or_insert_with(|| Value::String("kyverno".into()));
    }
}

/// `Tidy`: nulls, empty maps and empty lists removed, recursively.
fn tidy(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), tidy(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(tidy).filter(|v| !is_empty(v)).collect()),
        other => other.clone(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Deep equality with numbers compared by value (1 = 1.0).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}
