//! CEL ↔ JSON, as Kyverno converts results.

use super::value::Val;
use super::EvalError;

/// Kyverno's CEL→JSON: timestamps as RFC3339 strings, durations as Go's
/// `time.Duration.String()`, bytes as base64.
pub fn to_json(v: &Val) -> Result<serde_json::Value, EvalError> {
    let _ = v;
    Err(EvalError::new("not implemented"))
}
