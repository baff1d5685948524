//! JS values <-> `serde_json::Value`.
//!
//! Output goes through `serde-wasm-bindgen` (maps as plain objects). Input is
//! walked here instead: `serde-wasm-bindgen`'s deserializer (and
//! `serde_json::Value`'s `Deserialize`) recurse without a bound, so a cyclic
//! object would overflow the wasm stack, which traps and leaves the instance
//! unusable. The walk stops at [`MAX_DEPTH`] levels and [`MAX_NODES`] values
//! and reports where it stopped.

use js_sys::{Array, BigInt, Date, JsString, Map, Object, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::{Map as JsonMap, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

/// Deeper than any Kubernetes object; a cyclic object hits it at once
/// (the walk is depth-first and stops at the first error).
pub const MAX_DEPTH: usize = 256;

/// Bounds the work for shared (acyclic) references that fan out
/// exponentially, which a depth limit alone would not stop.
pub const MAX_NODES: usize = 5_000_000;

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Convert an engine result to a JS value: maps become plain objects.
pub fn to_js(value: &Value) -> Result<JsValue, String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(|e| e.to_string())
}

/// Text handed over as a JS string or UTF-8 bytes (`Uint8Array`).
pub enum Text {
    Str(String),
    NotText,
}

/// Read `value` as text: a string (no lone surrogates) or a `Uint8Array`
/// of valid UTF-8. `Err` carries the problem; `Ok(NotText)` means the
/// value is something else (an object, a number...).
pub fn as_text(value: &JsValue) -> Result<Text, String> {
    if value.is_string() {
        return string(value).map(Text::Str);
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return String::from_utf8(bytes.to_vec())
            .map(Text::Str)
            .map_err(|e| format!("the bytes are not valid UTF-8: {}", e.utf8_error()));
    }
    Ok(Text::NotText)
}

fn string(value: &JsValue) -> Result<String, String> {
    let text = value
        .as_string()
        .ok_or_else(|| "expected a string".to_string())?;
    // wasm-bindgen replaces lone surrogates with U+FFFD silently. Checking
    // validity costs a boundary crossing per character, so only strings
    // that contain U+FFFD after the conversion are checked.
    if text.contains('\u{FFFD}') && !value.unchecked_ref::<JsString>().is_valid_utf16() {
        return Err("the string is not valid UTF-16 (it has a lone surrogate)".into());
    }
    Ok(text)
}

/// Convert a JS value to JSON, bounded in depth and size. The error says
/// where (`at .spec.containers[0]`) and why.
pub fn from_js(value: &JsValue) -> Result<Value, String> {
    from_js_skipping(value, None)
}

/// As [`from_js`], leaving out one top-level key (the `host` member of an
/// options object, which holds functions).
pub fn from_js_skipping(value: &JsValue, skip: Option<&str>) -> Result<Value, String> {
    let mut walker = Walker {
        nodes: 0,
        path: String::new(),
        skip,
    };
    walker
        .walk(value, 0)
        .map_err(|why| match walker.path.is_empty() {
            true => why,
            false => format!("{why} at {}", walker.path),
        })
}

struct Walker<'a> {
    nodes: usize,
    /// The path to the value being converted, kept only up to the failing
    /// value (it is truncated on the way back up after success).
    path: String,
    skip: Option<&'a str>,
}

impl Walker<'_> {
    fn walk(&mut self, v: &JsValue, depth: usize) -> Result<Value, String> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(format!("the value has more than {MAX_NODES} nodes"));
        }
        if v.is_null() || v.is_undefined() {
            return Ok(Value::Null);
        }
        if let Some(b) = v.as_bool() {
            return Ok(Value::Bool(b));
        }
        if let Some(n) = v.as_f64() {
            return number(n);
        }
        if v.is_string() {
            return string(v).map(Value::String);
        }
        if v.is_bigint() {
            let text: String = v
                .unchecked_ref::<BigInt>()
                .to_string(10)
                .map(String::from)
                .map_err(|_| "unreadable bigint".to_string())?;
            return match (text.parse::<i64>(), text.parse::<u64>()) {
                (Ok(i), _) => Ok(Value::from(i)),
                (_, Ok(u)) => Ok(Value::from(u)),
                _ => Err(format!("the bigint {text} does not fit in 64 bits")),
            };
        }
        if v.is_function() {
            return Err("a function is not a JSON value".into());
        }
        if v.is_symbol() {
            return Err("a symbol is not a JSON value".into());
        }
        if !v.is_object() {
            return Err("unsupported value type".into());
        }
        if depth >= MAX_DEPTH {
            return Err(format!(
                "the value is nested deeper than {MAX_DEPTH} levels (is it cyclic?)"
            ));
        }
        if let Some(date) = v.dyn_ref::<Date>() {
            // As JSON.stringify does (js-yaml turns timestamps into Dates).
            if date.get_time().is_nan() {
                return Err("invalid Date".into());
            }
            return Ok(Value::String(String::from(date.to_iso_string())));
        }
        if Array::is_array(v) {
            let array: &Array = v.unchecked_ref();
            let len = array.length();
            let mut out = Vec::with_capacity(len as usize);
            for i in 0..len {
                let mark = self.path.len();
                self.path.push_str(&format!("[{i}]"));
                out.push(self.walk(&array.get(i), depth + 1)?);
                self.path.truncate(mark);
            }
            return Ok(Value::Array(out));
        }
        let mut out = JsonMap::new();
        if let Some(map) = v.dyn_ref::<Map>() {
            let entries = Array::from(&map.entries());
            for entry in entries.iter() {
                let pair: &Array = entry.unchecked_ref();
                let key = pair.get(0);
                let Some(key) = key.as_string() else {
                    return Err("a Map key is not a string".into());
                };
                self.member(&mut out, key, &pair.get(1), depth)?;
            }
            return Ok(Value::Object(out));
        }
        let object: &Object = v.unchecked_ref();
        for key in Object::keys(object).iter() {
            let Some(name) = key.as_string() else {
                continue;
            };
            if depth == 0 && self.skip == Some(name.as_str()) {
                continue;
            }
            // Getters may throw; that is bad input, not a crash.
            let value = Reflect::get(object, &key).map_err(|e| {
                format!(
                    "reading property {name:?} threw: {}",
                    crate::error::describe(&e)
                )
            })?;
            self.member(&mut out, name, &value, depth)?;
        }
        Ok(Value::Object(out))
    }

    fn member(
        &mut self,
        out: &mut JsonMap<String, Value>,
        key: String,
        value: &JsValue,
        depth: usize,
    ) -> Result<(), String> {
        // JSON drops undefined members; so does this walk, so that
        // `{namespace: undefined}` means "no namespace".
        if value.is_undefined() {
            return Ok(());
        }
        let mark = self.path.len();
        self.path.push('.');
        self.path.push_str(&key);
        let converted = self.walk(value, depth + 1)?;
        self.path.truncate(mark);
        out.insert(key, converted);
        Ok(())
    }
}

fn number(n: f64) -> Result<Value, String> {
    if !n.is_finite() {
        return Err(format!("{n} is not a JSON number"));
    }
    // Integers stay integers so that `replicas: 3` compares as Kubernetes
    // (Go) sees it, not as 3.0.
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        return Ok(Value::from(n as i64));
    }
    Number::from_f64(n)
        .map(Value::Number)
        .ok_or_else(|| format!("{n} is not a JSON number"))
}
