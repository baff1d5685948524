//! Kyverno's `patchesJson6902` (`mutate/patch/patchJSON6902.go`,
//! `patchesUtils.go`): RFC 6902 as evanphx/json-patch v5 applies it with
//! `EnsurePathExistsOnAdd`, `AllowMissingPathOnRemove` and
//! `SupportNegativeIndices`.
//!
//! Written here rather than taken from the `json-patch` crate, which is strict
//! RFC 6902: it has none of those three options, and Kyverno's error texts
//! come from evanphx.
//!
//! Two simplifications: evanphx tells a `null` that was in the document (a nil
//! node, which `add` paths are created through) from a `null` added by an
//! earlier operation (a node holding `null`, which they are not), and both are
//! treated as the former here; and an empty segment (`/a//b`) is an ordinary
//! key as RFC 6901 says, where evanphx resolves it to a detached copy of the
//! document (so such operations silently do nothing there).

use serde_json::{Map, Value};

use super::size::{json_len, MAX_DOCUMENT_BYTES};
use super::{go_json_number, too_deep, MutateError, MAX_DEPTH};

/// Kyverno's `patchesJson6902`: `ops` is the policy's string (variables
/// already substituted), a JSON array, or YAML converted to JSON unless it
/// starts with `[`.
///
/// ```
/// use serde_json::json;
/// let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}});
/// let ops = "- op: add\n  path: /metadata/labels/app~1name\n  value: web\n- op: add\n  path: /spec/containers/-\n  value: {name: b}\n";
/// let out = verno::unstable::patch::apply_json6902(&pod, ops).unwrap();
/// assert_eq!(out["metadata"]["labels"], json!({"app/name": "web"}));
/// assert_eq!(out["spec"]["containers"], json!([{"name": "a"}, {"name": "b"}]));
/// let err = verno::unstable::patch::apply_json6902(&pod, r#"[{"op": "replace", "path": "/spec/x", "value": 1}]"#).unwrap_err();
/// assert_eq!(err.to_string(), "failed to patch resource: replace operation does not apply: doc is missing key: /spec/x: missing value");
/// ```
///
/// The patched document may not grow past [`MAX_DOCUMENT_BYTES`] of JSON
/// (see [`super::size`]): an operation that would take it there, such as the
/// 24th `copy` of a document into itself, fails with
/// [`MutateError::DocumentTooLarge`] naming the operation's index, kind and
/// path. A `copy` is refused before its value is duplicated.
pub fn apply_json6902(resource: &Value, ops: &str) -> Result<Value, MutateError> {
    if too_deep(resource, MAX_DEPTH) {
        return Err(MutateError::TooDeep);
    }
    let ops = decode(ops)?;
    let mut doc = resource.clone();
    // The document's size, kept up to date from each operation's change.
    let mut size = json_len(&doc) as i64;
    for (index, op) in ops.iter().enumerate() {
        let too_large = || MutateError::DocumentTooLarge {
            index,
            op: kind(op).to_string(),
            path: op
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            limit: MAX_DOCUMENT_BYTES,
        };
        let room = MAX_DOCUMENT_BYTES as i64 - size;
        let delta = match apply_op(&mut doc, op, room) {
            Ok(d) => d,
            Err(Failure::TooLarge) => return Err(too_large()),
            Err(Failure::Msg(m)) => return Err(MutateError::ApplyJson6902(m)),
        };
        size += delta;
        if delta > 0 && size > MAX_DOCUMENT_BYTES as i64 {
            return Err(too_large());
        }
    }
    Ok(doc)
}

/// Why an operation failed: Kyverno's message, or the size bound.
enum Failure {
    Msg(String),
    TooLarge,
}

impl From<String> for Failure {
    fn from(m: String) -> Failure {
        Failure::Msg(m)
    }
}

/// Change in [`json_len`] from inserting `val` under `key` (`None` for an
/// array) into a container that has `len` entries and, for an object,
/// replaces `old`.
fn insert_delta(len: usize, key: Option<&str>, val: &Value, old: Option<&Value>) -> i64 {
    let val = json_len(val) as i64;
    match old {
        Some(old) => val - json_len(old) as i64,
        None => val + i64::from(len > 0) + key.map_or(0, |k| k.len() as i64 + 3),
    }
}

const MISSING: &str = "missing value";
const INVALID: &str = "invalid state detected";
const INVALID_INDEX: &str = "invalid index referenced";

/// `convertPatchesToJSON` + `jsonpatch.DecodePatch`.
fn decode(ops: &str) -> Result<Vec<Map<String, Value>>, MutateError> {
    let parsed: Value = if ops.starts_with('[') {
        serde_json::from_str(ops).map_err(|_| MutateError::DecodeJson6902(INVALID.into()))?
    } else if ops.is_empty() {
        return Err(MutateError::DecodeJson6902(INVALID.into()));
    } else {
        let v = crate::yaml::parse_value(ops).map_err(|e| {
            MutateError::ConvertJson6902(format!("error converting YAML to JSON: {e}"))
        })?;
        if too_deep(&v, MAX_DEPTH) {
            return Err(MutateError::TooDeep);
        }
        v
    };
    if too_deep(&parsed, MAX_DEPTH) {
        return Err(MutateError::TooDeep);
    }
    let list = match parsed {
        Value::Null => Vec::new(),
        Value::Array(a) => a,
        other => {
            return Err(MutateError::DecodeJson6902(format!(
                "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
                json_type(&other)
            )))
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let op = match item {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(MutateError::DecodeJson6902(format!(
                    "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                    json_type(&other)
                )))
            }
        };
        if let Err(e) = validate(&op) {
            return Err(MutateError::DecodeJson6902(format!(
                "invalid operation {}: {e}",
                go_marshal(&Value::Object(op.clone()))
            )));
        }
        out.push(op);
    }
    Ok(out)
}

/// Go's name of a JSON value's type in `encoding/json` unmarshal errors.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `json.Marshal` output: compact, keys sorted, `<`, `>` and `&` escaped.
fn go_marshal(v: &Value) -> String {
    serde_json::to_string(v)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// `Operation.Kind`: `unknown` unless `op` is a string.
fn kind(op: &Map<String, Value>) -> &str {
    op.get("op").and_then(Value::as_str).unwrap_or("unknown")
}

/// A string field (`path`, `from`) as `Operation.Path` / `From` read it.
fn string_field(op: &Map<String, Value>, field: &str) -> Result<String, String> {
    match op.get(field) {
        None | Some(Value::Null) => Err(if field == "path" {
            format!("operation missing path field: {MISSING}")
        } else {
            format!("operation, missing {field} field: {MISSING}")
        }),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "json: cannot unmarshal {} into Go value of type string",
            json_type(other)
        )),
    }
}

/// `validateOperation`.
fn validate(op: &Map<String, Value>) -> Result<(), String> {
    match kind(op) {
        "add" | "replace" => {
            if !op.contains_key("value") {
                return Err(format!(
                    "failed to decode 'value': operation, missing value field: {MISSING}"
                ));
            }
        }
        "move" | "copy" => {
            string_field(op, "from").map_err(|e| format!("failed to decode 'from': {e}"))?;
        }
        "remove" | "test" => {}
        _ => return Err("unsupported operation".into()),
    }
    string_field(op, "path").map_err(|e| format!("failed to decode 'path': {e}"))?;
    Ok(())
}

/// Apply one operation; returns the change in the document's [`json_len`].
/// `room` is how much it may still grow (checked before a `copy` clones).
fn apply_op(doc: &mut Value, op: &Map<String, Value>, room: i64) -> Result<i64, Failure> {
    let path = string_field(op, "path")?;
    if path.split('/').count() > MAX_DEPTH {
        return Err(format!("path nests deeper than {MAX_DEPTH} levels: {path}").into());
    }
    let value = op.get("value").cloned();
    Ok(match kind(op) {
        "add" => add(doc, &path, value.unwrap_or(Value::Null))?,
        "remove" => remove(doc, &path)?,
        "replace" => replace(doc, &path, value.unwrap_or(Value::Null))?,
        "move" => move_op(doc, &string_field(op, "from")?, &path)?,
        "copy" => return copy_op(doc, &string_field(op, "from")?, &path, room),
        "test" => test(doc, &path, value).map(|()| 0)?,
        other => return Err(format!("Unexpected kind: {other}").into()),
    })
}

/// `decodePatchKey`: `~1` → `/`, `~0` → `~`, in one left-to-right pass.
fn decode_key(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    let mut chars = k.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.peek() {
                Some('1') => {
                    chars.next();
                    out.push('/');
                    continue;
                }
                Some('0') => {
                    chars.next();
                    out.push('~');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// `strconv.Atoi`, with its error text.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(s)))
}

fn go_quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

fn invalid_index(idx: i64) -> String {
    format!("Unable to access invalid index: {idx}: {INVALID_INDEX}")
}

/// `container.get` for an intermediate step: `None` when missing, `null` or
/// out of range (evanphx's nil node).
fn step<'a>(cur: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    let next = match cur {
        Value::Object(m) => m.get_mut(key)?,
        Value::Array(a) => {
            let mut idx = atoi(key).ok()?;
            let len = a.len() as i64;
            if idx < 0 {
                if idx < -len {
                    return None;
                }
                idx += len;
            }
            a.get_mut(usize::try_from(idx).ok()?)?
        }
        _ => return None,
    };
    if next.is_null() {
        None
    } else {
        Some(next)
    }
}

/// `findObject`: the container holding the last path segment, and that
/// segment decoded.
fn find_object<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 {
        return if path.is_empty() {
            Some((doc, String::new()))
        } else {
            None
        };
    }
    let (last, middle) = parts.split_last()?;
    let mut cur = doc;
    for part in middle.iter().skip(1) {
        let next = step(cur, &decode_key(part))?;
        if !next.is_object() && !next.is_array() {
            return None;
        }
        cur = next;
    }
    Some((cur, decode_key(last)))
}

/// `partialDoc.add` / `partialArray.add`; returns where the value went and
/// the change in [`json_len`].
fn container_add(con: &mut Value, key: &str, val: Value) -> Result<(usize, i64), String> {
    match con {
        Value::Object(m) => {
            let delta = insert_delta(m.len(), Some(key), &val, m.get(key));
            m.insert(key.to_string(), val);
            Ok((0, delta))
        }
        Value::Array(a) => {
            let delta = insert_delta(a.len(), None, &val, None);
            if key == "-" {
                a.push(val);
                return Ok((a.len() - 1, delta));
            }
            let mut idx = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = a.len() as i64 + 1;
            if idx >= size {
                return Err(invalid_index(idx));
            }
            if idx < 0 {
                if idx < -size {
                    return Err(invalid_index(idx));
                }
                idx += size;
            }
            let at = usize::try_from(idx).map_err(|_| invalid_index(idx))?;
            a.insert(at, val);
            Ok((at, delta))
        }
        _ => Err("invalid value, expected object".into()),
    }
}

/// `container.get` for the final segment: `Ok(None)` for a key holding null.
fn container_get<'a>(con: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    match con {
        Value::Object(m) => match m.get(key) {
            Some(v) => Ok(Some(v).filter(|v| !v.is_null())),
            None => Err(format!("unable to get nonexistent key: {key}: {MISSING}")),
        },
        Value::Array(a) => {
            let mut idx = atoi(key)?;
            let len = a.len() as i64;
            if idx < 0 {
                if idx < -len {
                    return Err(invalid_index(idx));
                }
                idx += len;
            }
            if idx >= len {
                return Err(invalid_index(idx));
            }
            let at = usize::try_from(idx).map_err(|_| invalid_index(idx))?;
            Ok(a.get(at).filter(|v| !v.is_null()))
        }
        _ => Err("invalid value, expected object".into()),
    }
}

/// `container.remove` with `AllowMissingPathOnRemove`; the removed value and
/// the change in [`json_len`].
fn container_remove(con: &mut Value, key: &str) -> Result<(Option<Value>, i64), String> {
    let (len, named) = match con {
        Value::Object(m) => (m.len(), Some(key)),
        Value::Array(a) => (a.len(), None),
        _ => (0, None),
    };
    let removed = container_take(con, key)?;
    let delta = removed
        .as_ref()
        .map_or(0, |v| -insert_delta(len.saturating_sub(1), named, v, None));
    Ok((removed, delta))
}

fn container_take(con: &mut Value, key: &str) -> Result<Option<Value>, String> {
    match con {
        Value::Object(m) => Ok(m.remove(key)),
        Value::Array(a) => {
            let mut idx = atoi(key)?;
            let len = a.len() as i64;
            if idx >= len {
                return Ok(None);
            }
            if idx < 0 {
                if idx < -len {
                    return Ok(None);
                }
                idx += len;
            }
            let at = usize::try_from(idx).map_err(|_| invalid_index(idx))?;
            Ok(Some(a.remove(at)))
        }
        _ => Err("invalid value, expected object".into()),
    }
}

/// `ensurePathExists`: create the missing parents of an `add` path, arrays
/// where the next segment is an index or `-`, objects otherwise.
/// Returns the change in [`json_len`].
fn ensure_path_exists(doc: &mut Value, path: &str) -> Result<i64, String> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 2 {
        return Ok(0);
    }
    ensure_from(doc, parts.get(1..).unwrap_or_default())
}

fn ensure_from(cur: &mut Value, parts: &[&str]) -> Result<i64, String> {
    let [part, next, ..] = parts else {
        return Ok(0);
    };
    let rest = parts.get(1..).unwrap_or_default();
    let key = decode_key(part);
    if step(cur, &key).is_some() {
        let Some(target) = step(cur, &key) else {
            return Ok(0);
        };
        if !target.is_object() && !target.is_array() {
            return Err(INVALID.into());
        }
        return ensure_from(target, rest);
    }
    // Pad an array so that the missing index lands right after its end.
    let mut padding = 0;
    if let (Ok(idx), Value::Array(a)) = (atoi(part), &mut *cur) {
        if idx > a.len() as i64 {
            let (before, after) = (a.len() as i64, padded_len(idx)? as i64);
            a.resize(after as usize, Value::Null);
            // Four bytes per `null`, a comma before each but a first one.
            padding = 5 * (after - before) - i64::from(before == 0);
        }
    }
    let new = match atoi(next) {
        Ok(n) if n < -1 => {
            return Err(format!(
                "Unable to ensure path for negative index other than -1: {n}: {INVALID_INDEX}"
            ))
        }
        Ok(n) => Value::Array(vec![Value::Null; padded_len(n.max(0))?]),
        Err(_) if *next == "-" => Value::Array(Vec::new()),
        Err(_) => Value::Object(Map::new()),
    };
    // evanphx adds the new node under the segment as written (still encoded).
    match container_add(cur, part, new.clone()) {
        Ok((at, added)) => {
            let target = match cur {
                Value::Object(m) => m.get_mut(*part),
                Value::Array(a) => a.get_mut(at),
                _ => None,
            };
            match target {
                Some(t) => Ok(padding + added + ensure_from(t, rest)?),
                None => Ok(padding + added),
            }
        }
        // evanphx ignores the failed add and goes on in a detached node.
        Err(_) => {
            let mut detached = new;
            ensure_from(&mut detached, rest).map(|_| padding)
        }
    }
}

/// Bound on the `null` padding an index may ask for (Go would try to allocate
/// whatever the path says).
fn padded_len(idx: i64) -> Result<usize, String> {
    match usize::try_from(idx) {
        Ok(n) if n <= 1 << 20 => Ok(n),
        _ => Err(format!(
            "Unable to ensure path for index {idx}: {INVALID_INDEX}"
        )),
    }
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<i64, String> {
    if path.is_empty() {
        return replace_whole(doc, value, true);
    }
    let created = ensure_path_exists(doc, path)?;
    let Some((con, key)) = find_object(doc, path) else {
        return Err(format!(
            "add operation does not apply: doc is missing path: \"{path}\": {MISSING}"
        ));
    };
    container_add(con, &key, value)
        .map(|(_, added)| created + added)
        .map_err(|e| format!("error in add for path: '{path}': {e}"))
}

fn replace_whole(doc: &mut Value, value: Value, is_add: bool) -> Result<i64, String> {
    match value {
        Value::Object(_) | Value::Array(_) => {
            let delta = json_len(&value) as i64 - json_len(doc) as i64;
            *doc = value;
            Ok(delta)
        }
        _ if is_add => Err(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.partialDoc",
            json_type(&value)
        )),
        _ => Err("replace operation value must be object or array: %!w(<nil>)".into()),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<i64, String> {
    let Some((con, key)) = find_object(doc, path) else {
        return Ok(0);
    };
    container_remove(con, &key)
        .map(|(_, delta)| delta)
        .map_err(|e| format!("error in remove for path: '{path}': {e}"))
}

fn replace(doc: &mut Value, path: &str, value: Value) -> Result<i64, String> {
    if path.is_empty() {
        return replace_whole(doc, value, false);
    }
    let Some((con, key)) = find_object(doc, path) else {
        return Err(format!(
            "replace operation does not apply: doc is missing path: {path}: {MISSING}"
        ));
    };
    if container_get(con, &key).is_err() {
        return Err(format!(
            "replace operation does not apply: doc is missing key: {path}: {MISSING}"
        ));
    }
    let new_len = json_len(&value) as i64;
    let mut delta = 0;
    match con {
        Value::Object(m) => {
            if let Some(old) = m.insert(key, value) {
                delta = new_len - json_len(&old) as i64;
            }
        }
        Value::Array(a) => {
            let len = a.len() as i64;
            let idx = atoi(&key).map_err(|e| format!("error in remove for path: '{path}': {e}"))?;
            let idx = if idx < 0 { idx + len } else { idx };
            if let Some(slot) = usize::try_from(idx).ok().and_then(|i| a.get_mut(i)) {
                delta = new_len - json_len(slot) as i64;
                *slot = value;
            }
        }
        _ => {}
    }
    Ok(delta)
}

fn move_op(doc: &mut Value, from: &str, path: &str) -> Result<i64, String> {
    if from.is_empty() {
        return Err(format!(
            "unable to move entire document to another path: {INVALID}"
        ));
    }
    let Some((con, key)) = find_object(doc, from) else {
        return Err(format!(
            "move operation does not apply: doc is missing from path: {from}: {MISSING}"
        ));
    };
    container_get(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let (val, removed) =
        container_remove(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let val = val.unwrap_or(Value::Null);
    let Some((con, key)) = find_object(doc, path) else {
        return Err(format!(
            "move operation does not apply: doc is missing destination path: {path}: {MISSING}"
        ));
    };
    container_add(con, &key, val)
        .map(|(_, added)| removed + added)
        .map_err(|e| format!("error in move for path: '{path}': {e}"))
}

/// `copy`, refused with [`Failure::TooLarge`] before cloning a value larger
/// than `room`.
fn copy_op(doc: &mut Value, from: &str, path: &str, room: i64) -> Result<i64, Failure> {
    let Some((con, key)) = find_object(doc, from) else {
        return Err(format!(
            "copy operation does not apply: doc is missing from path: \"{from}\": {MISSING}"
        )
        .into());
    };
    let source =
        container_get(con, &key).map_err(|e| format!("error in copy for from: '{from}': {e}"))?;
    if source.map_or(4, json_len) as i64 > room {
        return Err(Failure::TooLarge);
    }
    let val = source.cloned().unwrap_or(Value::Null);
    let Some((con, key)) = find_object(doc, path) else {
        return Err(format!(
            "copy operation does not apply: doc is missing destination path: {path}: {MISSING}"
        )
        .into());
    };
    container_add(con, &key, val)
        .map(|(_, added)| added)
        .map_err(|e| format!("error while adding value during copy: {e}").into())
}

fn test(doc: &mut Value, path: &str, value: Option<Value>) -> Result<(), String> {
    let failed = || format!("testing value {path} failed: test failed");
    let expected = value.filter(|v| !v.is_null());
    if path.is_empty() {
        return match expected {
            Some(e) if equal(doc, &e) => Ok(()),
            _ => Err(failed()),
        };
    }
    let Some((con, key)) = find_object(doc, path) else {
        return Err(format!(
            "test operation does not apply: is missing path: {path}: {MISSING}"
        ));
    };
    let actual = match container_get(con, &key) {
        Ok(v) => v,
        Err(e) if e.ends_with(MISSING) => None,
        Err(e) => return Err(format!("error in test for path: '{path}': {e}")),
    };
    match (actual, expected) {
        (None, None) => Ok(()),
        (Some(a), Some(e)) if equal(a, &e) => Ok(()),
        _ => Err(failed()),
    }
}

/// evanphx's `lazyNode.equal`: numbers compare by their JSON text.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => go_json_number(x) == go_json_number(y),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| equal(v, w))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(doc: Value, ops: Value) -> Result<Value, String> {
        apply_json6902(&doc, &ops.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn tracked_size_follows_every_operation() {
        let mut doc = json!({"a": {"b": 1, "l": [1, "two", null]}, "s": "x"});
        let ops = json!([
            {"op": "add", "path": "/a/c", "value": {"d": [true]}},
            {"op": "add", "path": "/a/b", "value": "longer"},
            {"op": "add", "path": "/a/l/0", "value": 0},
            {"op": "add", "path": "/a/l/-", "value": [1, 2]},
            {"op": "add", "path": "/n/3/x", "value": 1},
            {"op": "add", "path": "/e/-", "value": {"x": 1}},
            {"op": "add", "path": "/e2/0", "value": 1},
            {"op": "add", "path": "/a/l/9/y", "value": false},
            {"op": "remove", "path": "/a/l/1"},
            {"op": "remove", "path": "/a/l/0"},
            {"op": "remove", "path": "/s"},
            {"op": "remove", "path": "/missing"},
            {"op": "replace", "path": "/a/b", "value": 12345},
            {"op": "replace", "path": "/a/l/-1", "value": {"k": "v"}},
            {"op": "move", "from": "/a/c", "path": "/moved"},
            {"op": "move", "from": "/a/l/0", "path": "/a/l/-"},
            {"op": "copy", "from": "/a", "path": "/copy"},
            {"op": "copy", "from": "/a/l", "path": "/a/l/0"},
            {"op": "test", "path": "/a/b", "value": 12345},
            {"op": "add", "path": "", "value": {"root": [1]}},
            {"op": "replace", "path": "", "value": [[], {}]},
            {"op": "remove", "path": "/0"},
            {"op": "remove", "path": "/0"},
        ]);
        let mut size = json_len(&doc) as i64;
        for (i, op) in ops.as_array().into_iter().flatten().enumerate() {
            let Some(op) = op.as_object() else { continue };
            match apply_op(&mut doc, op, i64::MAX) {
                Ok(delta) => size += delta,
                Err(Failure::Msg(m)) => panic!("op {i}: {m}"),
                Err(Failure::TooLarge) => panic!("op {i}: too large"),
            }
            assert_eq!(size, doc.to_string().len() as i64, "op {i}: {doc}");
        }
    }

    #[test]
    fn keys_decode_in_one_pass() {
        assert_eq!(decode_key("a~1b"), "a/b");
        assert_eq!(decode_key("a~0b"), "a~b");
        assert_eq!(decode_key("~01"), "~1");
        assert_eq!(decode_key("~2"), "~2");
    }

    #[test]
    fn add_pads_arrays_and_creates_nested_arrays() {
        let out = apply(
            json!({}),
            json!([{"op": "add", "path": "/a/2/b", "value": 1}]),
        );
        assert_eq!(out, Ok(json!({"a": [null, null, {"b": 1}]})));
        let out = apply(
            json!({"a": [1]}),
            json!([{"op": "add", "path": "/a/3/x", "value": 1}]),
        );
        assert_eq!(out, Ok(json!({"a": [1, null, null, {"x": 1}]})));
    }

    #[test]
    fn add_through_a_scalar_is_invalid_state() {
        let out = apply(
            json!({"a": 1}),
            json!([{"op": "add", "path": "/a/b", "value": 1}]),
        );
        assert_eq!(
            out,
            Err("failed to patch resource: invalid state detected".into())
        );
    }

    #[test]
    fn add_past_the_end_is_an_invalid_index() {
        let out = apply(
            json!({"a": [1]}),
            json!([{"op": "add", "path": "/a/5", "value": 1}]),
        );
        assert_eq!(
            out,
            Err("failed to patch resource: error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced".into())
        );
    }

    #[test]
    fn decode_errors() {
        let e = |s: &str| apply_json6902(&json!({}), s).unwrap_err().to_string();
        assert_eq!(
            e("[{"),
            "failed to patch resource: failed to decode patches: invalid state detected"
        );
        assert_eq!(
            e(r#"[{"op": "add", "path": "/a"}]"#),
            "failed to patch resource: failed to decode patches: invalid operation {\"op\":\"add\",\"path\":\"/a\"}: failed to decode 'value': operation, missing value field: missing value"
        );
        assert_eq!(
            e(r#"[{"op": "frob", "path": "/a"}]"#),
            "failed to patch resource: failed to decode patches: invalid operation {\"op\":\"frob\",\"path\":\"/a\"}: unsupported operation"
        );
        assert_eq!(
            e("op: add"),
            "failed to patch resource: failed to decode patches: json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        );
        assert_eq!(
            e(""),
            "failed to patch resource: failed to decode patches: invalid state detected"
        );
    }

    #[test]
    fn move_copy_and_test() {
        let doc = json!({"a": {"b": 1}, "l": [1, 2]});
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "move", "from": "/a/b", "path": "/c"}])
            ),
            Ok(json!({"a": {}, "c": 1, "l": [1, 2]}))
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "copy", "from": "/l", "path": "/a/l"}])
            ),
            Ok(json!({"a": {"b": 1, "l": [1, 2]}, "l": [1, 2]}))
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "test", "path": "/l/-1", "value": 2}])
            ),
            Ok(doc.clone())
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "test", "path": "/a/b", "value": "1"}])
            ),
            Err("failed to patch resource: testing value /a/b failed: test failed".into())
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "test", "path": "/a/zz", "value": null}])
            ),
            Ok(doc)
        );
    }
}
