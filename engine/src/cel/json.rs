//! CEL ↔ JSON, as Kyverno converts CEL results (and `verno cel` prints them).

use super::stdlib::time::{format_timestamp, go_duration_string};
use super::value::Val;
use super::EvalError;
use base64::Engine as _;

/// Kyverno's CEL→JSON: ints and uints as integers, doubles as Go's
/// encoding/json prints float64s (integral ones without a fraction),
/// timestamps as RFC 3339, durations as Go's `time.Duration.String()`,
/// bytes as base64, optionals as their value (none as null).
pub fn to_json(v: &Val) -> Result<serde_json::Value, EvalError> {
    use serde_json::Value as J;
    Ok(match v {
        Val::Null => J::Null,
        Val::Bool(b) => J::Bool(*b),
        Val::Int(i) => J::from(*i),
        Val::Uint(u) => J::from(*u),
        Val::Double(d) => double_to_json(*d)?,
        Val::String(s) => J::String(s.as_str().to_string()),
        Val::Bytes(b) => J::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Val::Timestamp(t) => J::String(format_timestamp(t)),
        Val::Duration(d) => J::String(go_duration_string(d)),
        Val::Json(j) => (*j).clone(),
        Val::List(items) => J::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Val::Map(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m.entries() {
                let key = match k {
                    Val::String(s) => s.as_str().to_string(),
                    Val::Int(i) => i.to_string(),
                    Val::Uint(u) => u.to_string(),
                    Val::Bool(b) => b.to_string(),
                    other => {
                        return Err(EvalError::new(format!(
                            "unsupported map key type: {}",
                            other.type_name()
                        )))
                    }
                };
                out.insert(key, to_json(v)?);
            }
            J::Object(out)
        }
        Val::Optional(Some(inner)) => to_json(inner)?,
        Val::Optional(None) => J::Null,
        Val::Type(t) => J::String(t.runtime_name()),
        Val::Opaque(o) => o.to_json().ok_or_else(|| {
            EvalError::new(format!(
                "unsupported type conversion: {} to JSON",
                o.type_name()
            ))
        })?,
    })
}

/// A double as Go's encoding/json writes it: integral values without a
/// fraction; NaN and infinities are errors (`json: unsupported value: NaN`).
fn double_to_json(d: f64) -> Result<serde_json::Value, EvalError> {
    if !d.is_finite() {
        return Err(EvalError::new(format!(
            "json: unsupported value: {}",
            super::stdlib::format::go_float_g(d)
        )));
    }
    if d.fract() == 0.0 && d.abs() < 1e15 {
        return Ok(serde_json::Value::from(d as i64));
    }
    Ok(serde_json::Number::from_f64(d).map_or(serde_json::Value::Null, serde_json::Value::Number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_doubles_become_json_integers_as_go_prints_them() {
        assert_eq!(to_json(&Val::Double(3.0)).ok(), Some(serde_json::json!(3)));
        assert_eq!(
            to_json(&Val::Double(1.5)).ok(),
            Some(serde_json::json!(1.5))
        );
    }

    #[test]
    fn durations_become_go_duration_strings() {
        let v = Val::Duration(chrono::TimeDelta::seconds(90));
        assert_eq!(to_json(&v).ok(), Some(serde_json::json!("1m30s")));
    }
}
