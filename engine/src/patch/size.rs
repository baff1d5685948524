//! The bound on the size of a patched document.
//!
//! A JSON 6902 `copy` can double the document (copy `/a` into `/a/b`, then
//! again), and kyaml's node sharing lets a strategic merge emit a node more
//! than once, so a short patch could otherwise ask for gigabytes. Kyverno
//! (evanphx/json-patch with `AccumulatedCopySizeLimit` left at 0) has no such
//! bound; verno stops with a typed error instead.
//!
//! The size is the length of the document's compact JSON text, with string
//! escapes not counted: strings and keys count their UTF-8 bytes plus two
//! quotes, numbers their JSON digits, `null`/`true`/`false` their words, and
//! containers their brackets, colons and commas.

use serde_json::Value;

/// The largest patched document verno produces: 16 MiB of compact JSON.
///
/// Ten times the 1.5 MiB an object may have in etcd by default, so no
/// admissible resource comes near it, while a hostile patch stops after a few
/// hundred megabytes of memory at most.
pub const MAX_DOCUMENT_BYTES: usize = 16 << 20;

/// [`json_len`] of a scalar.
pub(crate) fn scalar_len(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => s.len() + 2,
        // Containers are measured by `json_len`; a scalar caller never passes one.
        Value::Array(_) | Value::Object(_) => 2,
    }
}

/// The length of `v`'s compact JSON text, escapes not counted. Measured
/// without recursion, and saturating, so hostile input cannot overflow it.
pub fn json_len(v: &Value) -> usize {
    let mut total = 0usize;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        let own = match v {
            Value::Object(m) => {
                stack.extend(m.values());
                2 + m.len().saturating_sub(1) + m.keys().map(|k| k.len() + 3).sum::<usize>()
            }
            Value::Array(a) => {
                stack.extend(a.iter());
                2 + a.len().saturating_sub(1)
            }
            scalar => scalar_len(scalar),
        };
        total = total.saturating_add(own);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_len_is_the_compact_text_length() {
        for v in [
            json!(null),
            json!({}),
            json!([]),
            json!({"a": [1, 2.5, -3, true, false, null, "x"], "bb": {"c": {}}, "d": []}),
            json!([[], [[]], {"k": "v"}]),
            json!(1e300),
        ] {
            assert_eq!(json_len(&v), v.to_string().len(), "{v}");
        }
    }
}
