//! Mutation primitives: Kyverno's `patchStrategicMerge` and `patchesJson6902`,
//! and the RFC 6902 diff Kyverno puts in the AdmissionReview patch
//! (`pkg/engine/mutate/patch`).
//!
//! These are pure functions over [`serde_json::Value`]: the rule engine
//! substitutes `{{ }}` variables first and then calls them.
//!
//! - [`strategic_merge`]: Kyverno's anchor preprocessing ([`strategic`]) followed by
//!   kustomize kyaml's `merge2` in list-prepend mode ([`merge`]), which merges
//!   lists by key only where the Kubernetes v1.21.2 OpenAPI schema embedded in
//!   kyaml says so ([`merge_keys`]).
//! - [`apply_json6902`]: evanphx/json-patch v5 with Kyverno's options ([`json6902`]).
//! - [`diff()`]: gomodules.xyz/jsonpatch `CreatePatch` ([`mod@diff`]).

use serde_json::{Number, Value};

pub(crate) mod chain;
pub mod diff;
pub mod json6902;
pub mod merge;
pub mod merge_keys;
pub mod size;
pub mod strategic;

pub use diff::diff;
pub use json6902::apply_json6902;
pub use size::MAX_DOCUMENT_BYTES;
pub use strategic::strategic_merge;

/// Nesting bound for resources, patches and JSON pointers: deeper input is
/// rejected with [`MutateError::TooDeep`] instead of risking the stack. Far
/// beyond any Kubernetes object, and low enough for a 2 MiB thread stack in a
/// debug build (about 850 levels fit there).
pub const MAX_DEPTH: usize = 512;

/// A mutation that could not be applied. The `Display` text is the rule
/// message Kyverno reports (status `error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MutateError {
    /// Anchor preprocessing failed for a reason other than an unmet condition
    /// (an unmet condition is not an error: the patch becomes `{}`).
    #[error("failed to patch resource: failed to preProcess rule: {0}")]
    Preprocess(String),
    /// kyaml's merge refused the patch (for example a map patched onto a scalar).
    #[error("failed to patch resource: {0}")]
    Merge(String),
    /// The `patchesJson6902` string is neither a JSON array nor valid YAML.
    #[error("failed to patch resource: failed to convert patchesJSON6902 to JSON: {0}")]
    ConvertJson6902(String),
    /// The operations are not a valid RFC 6902 patch.
    #[error("failed to patch resource: failed to decode patches: {0}")]
    DecodeJson6902(String),
    /// An operation did not apply (for example `replace` on a missing path).
    #[error("failed to patch resource: {0}")]
    ApplyJson6902(String),
    /// A `patchesJson6902` operation would make the document larger than
    /// [`MAX_DOCUMENT_BYTES`] (see [`size`]); `index` counts from 0.
    #[error("failed to patch resource: patchesJson6902[{index}] ({op} {path}) makes the document larger than {limit} bytes")]
    DocumentTooLarge {
        /// The index.
        index: usize,
        /// The op.
        op: String,
        /// The path.
        path: String,
        /// The limit.
        limit: usize,
    },
    /// The strategic merge result would be larger than [`MAX_DOCUMENT_BYTES`].
    #[error(
        "failed to patch resource: the patchStrategicMerge result is larger than {limit} bytes"
    )]
    MergeTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The resource, the patch or a path nests deeper than [`MAX_DEPTH`].
    #[error("failed to patch resource: input nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// Kyverno itself panics on this input (a Go runtime error); verno reports
    /// it as an error instead.
    #[error("failed to patch resource: kyverno panics on this patch: {0}")]
    KyvernoPanic(String),
}

/// Whether `v` nests deeper than `limit` containers, measured without recursion
/// so that hostile input cannot exhaust the stack before it is rejected.
pub(crate) fn too_deep(v: &Value, limit: usize) -> bool {
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::Object(m) => {
                if d >= limit {
                    return true;
                }
                stack.extend(m.values().map(|c| (c, d + 1)));
            }
            Value::Array(a) => {
                if d >= limit {
                    return true;
                }
                stack.extend(a.iter().map(|c| (c, d + 1)));
            }
            _ => {}
        }
    }
    false
}

/// The text Go's yaml node holds for a scalar parsed from Kyverno's JSON
/// (`json.Marshal` output): kyaml matches list keys and Kyverno compares
/// anchor conditions on this text, not on typed values.
pub(crate) fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_json_number(n),
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Object(_) => String::new(),
    }
}

/// `encoding/json`'s rendering of a number Go holds as int64 or float64.
pub(crate) fn go_json_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    go_json_float(n.as_f64().unwrap_or(0.0))
}

/// `json.Marshal(float64)`: shortest digits, plain notation between 1e-6 and
/// 1e21, otherwise exponent notation with at least one exponent digit.
fn go_json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` already gives shortest digits and no exponent padding.
        let s = format!("{f:e}");
        return match s.split_once('e') {
            Some((m, e)) if e.starts_with('-') => format!("{m}e{e}"),
            Some((m, e)) => format!("{m}e+{e}"),
            None => s,
        };
    }
    // Rust's `Display` for f64 prints shortest round-trip digits in plain notation.
    let s = format!("{f}");
    if s == "-0" {
        "-0".to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_number_texts() {
        assert_eq!(scalar_text(&json!(80)), "80");
        assert_eq!(scalar_text(&json!(80.0)), "80");
        assert_eq!(scalar_text(&json!(1.5)), "1.5");
        assert_eq!(scalar_text(&json!(1e21)), "1e+21");
        assert_eq!(scalar_text(&json!(1e-7)), "1e-7");
        assert_eq!(scalar_text(&json!(0.000001)), "0.000001");
        assert_eq!(scalar_text(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(scalar_text(&json!(null)), "null");
        assert_eq!(scalar_text(&json!(true)), "true");
        assert_eq!(scalar_text(&json!({"a": 1})), "");
    }

    #[test]
    fn depth_is_measured_without_recursion() {
        let mut v = json!(1);
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        assert!(too_deep(&v, MAX_DEPTH));
        assert!(!too_deep(&json!({"a": [{"b": 1}]}), 3));
        assert!(too_deep(&json!({"a": [{"b": {}}]}), 3));
        // serde_json drops recursively; leak the hostile value instead of overflowing.
        std::mem::forget(v);
    }
}
