//! Values a caller injects into the request context (`kyverno test` values
//! files) and what Kyverno's CLI makes of them: each dotted key is merged
//! into the JSON context (`AddVariable`), then the request's objects are read
//! back from it (`makePolicyContext`), so `request.object.*` keys edit the
//! resource that matching and patterns see, not only `{{ }}` expressions.

use serde_json::{Map, Value};
use thiserror::Error;

use crate::model::resource::Operation;

/// Split `a.b."c.d"` into segments, honouring double quotes.
pub(crate) fn split_dotted(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in key.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// A value under `request.object` / `request.oldObject` that Kyverno cannot
/// read back as an object.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "the object retrieved from the json context is not valid (`{field}` is {found}, not a map)"
)]
pub struct ReadBackError {
    /// `request.object` or `request.oldObject`.
    pub field: &'static str,
    /// The JSON type the values left there.
    pub found: &'static str,
}

/// `AddVariable`: split `key` on dots (double quotes protect them, as Go's
/// CSV reader does) and merge `value` in at that path. Maps merge key by key
/// into existing maps (`mergeMaps`); anything else replaces what was there.
///
/// ```
/// use serde_json::json;
/// let mut doc = json!({"request": {"object": {"metadata": {"name": "a"}}}});
/// verno::unstable::values::merge_variable(&mut doc, "request.object.metadata", json!({"labels": {"x": "1"}}));
/// assert_eq!(doc["request"]["object"]["metadata"], json!({"name": "a", "labels": {"x": "1"}}));
/// ```
pub fn merge_variable(doc: &mut Value, key: &str, value: Value) {
    let segments = split_dotted(key);
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut cur = doc;
    for seg in parents {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(m) = cur else { return };
        let entry = m
            .entry(seg.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        cur = entry;
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    if let Value::Object(m) = cur {
        match m.get_mut(last.as_str()) {
            Some(existing) => merge_maps(existing, value),
            None => {
                m.insert(last.clone(), value);
            }
        }
    }
}

/// `mergeMaps` for one destination slot.
fn merge_maps(dest: &mut Value, src: Value) {
    match (dest, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, v) in s {
                match d.get_mut(&k) {
                    Some(existing) => merge_maps(existing, v),
                    None => {
                        d.insert(k, v);
                    }
                }
            }
        }
        (dest, src) => *dest = src,
    }
}

/// Whether some value can change `request.object` or `request.oldObject`
/// (a key under either, or a whole `request` map); [`read_back`] is then
/// needed.
pub fn edits_objects(vals: &Map<String, Value>) -> bool {
    vals.keys().any(|k| {
        let segs = split_dotted(k);
        match segs.as_slice() {
            [first] => first == "request",
            [first, second, ..] => {
                first == "request" && (second == "object" || second == "oldObject")
            }
            [] => false,
        }
    })
}

/// The request's objects after the values are merged in and read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadBack {
    /// `request.object`: the resource (empty `{}` on DELETE, or when the
    /// values cleared it).
    pub object: Value,
    /// `request.oldObject` on UPDATE and DELETE.
    pub old_object: Option<Value>,
}

/// What `makePolicyContext` reads back for `resource` under `op` once every
/// value is merged into the context. Only keys under `request` can change
/// the objects; the rest are ignored here (the engine adds them to the
/// context itself).
///
/// ```
/// use serde_json::{json, Map};
/// use verno::Operation;
/// let pod = json!({"kind": "Pod", "metadata": {"name": "p"}});
/// let mut vals = Map::new();
/// vals.insert("request.object.metadata.labels.team".into(), json!("a"));
/// let rb = verno::unstable::values::read_back(&pod, Operation::Create, &vals).unwrap();
/// assert_eq!(rb.object["metadata"]["labels"]["team"], "a");
/// ```
pub fn read_back(
    resource: &Value,
    op: Operation,
    vals: &Map<String, Value>,
) -> Result<ReadBack, ReadBackError> {
    let mut request = Map::new();
    if op != Operation::Delete {
        request.insert("object".into(), resource.clone());
    }
    if matches!(op, Operation::Update | Operation::Delete) {
        request.insert("oldObject".into(), resource.clone());
    }
    let mut doc = Value::Object(Map::from_iter([(
        "request".to_string(),
        Value::Object(request),
    )]));
    for (k, v) in vals {
        if split_dotted(k).first().map(String::as_str) == Some("request") {
            merge_variable(&mut doc, k, v.clone());
        }
    }
    let take = |field: &'static str| -> Result<Value, ReadBackError> {
        match doc.pointer(&format!("/request/{field}")) {
            None | Some(Value::Null) => Ok(Value::Object(Map::new())),
            Some(o @ Value::Object(_)) => Ok(o.clone()),
            Some(other) => Err(ReadBackError {
                field: if field == "object" {
                    "request.object"
                } else {
                    "request.oldObject"
                },
                found: json_type(other),
            }),
        }
    };
    Ok(match op {
        Operation::Update => ReadBack {
            object: take("object")?,
            old_object: Some(take("oldObject")?),
        },
        Operation::Delete => ReadBack {
            object: Value::Object(Map::new()),
            old_object: Some(take("oldObject")?),
        },
        Operation::Create | Operation::Connect => ReadBack {
            object: take("object")?,
            old_object: None,
        },
    })
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_replaces_scalars_and_creates_missing_parents() {
        let mut doc = json!({"a": {"b": 1}});
        merge_variable(&mut doc, "a.b", json!(2));
        merge_variable(&mut doc, "a.c.d", json!("x"));
        merge_variable(&mut doc, "\"x.y\".z", json!(true));
        assert_eq!(
            doc,
            json!({"a": {"b": 2, "c": {"d": "x"}}, "x.y": {"z": true}})
        );
    }

    #[test]
    fn update_edits_of_old_object_leave_the_new_object_alone() {
        let res = json!({"metadata": {"labels": {"a": "1"}}});
        let vals = Map::from_iter([(
            "request.oldObject.metadata.labels.a".to_string(),
            json!("2"),
        )]);
        let rb = read_back(&res, Operation::Update, &vals).unwrap();
        assert_eq!(rb.object, res);
        assert_eq!(rb.old_object.unwrap()["metadata"]["labels"]["a"], "2");
    }

    #[test]
    fn a_non_map_object_is_an_error_and_null_empties_it() {
        let res = json!({"kind": "Pod"});
        let vals = Map::from_iter([("request.object".to_string(), json!("x"))]);
        let e = read_back(&res, Operation::Create, &vals).unwrap_err();
        assert_eq!(e.field, "request.object");
        let vals = Map::from_iter([("request.object".to_string(), Value::Null)]);
        assert_eq!(
            read_back(&res, Operation::Create, &vals).unwrap().object,
            json!({})
        );
    }
}
