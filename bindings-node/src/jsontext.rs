//! JSON text from `lib.js` (`JSON.stringify` output) to `serde_json::Value`.
//!
//! Values cross the boundary as JSON text because V8's `JSON.stringify` /
//! `JSON.parse` are far cheaper than one N-API call per property. `lib.js`
//! has already rejected what JSON would silently change (functions, NaN,
//! cycles, ...); this side only bounds the nesting, since the native methods
//! can also be called with any string directly.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Deepest nesting accepted, the same limit `lib.js` applies while
/// serialising (Kubernetes objects stay far below it).
pub const MAX_DEPTH: usize = 256;

/// Parse JSON text with containers nested at most `MAX_DEPTH` deep.
pub fn parse(text: &str) -> Result<Value, String> {
    match parse_limited(text) {
        Ok(v) => Ok(v),
        // `JSON.stringify` escapes lone UTF-16 surrogates (`"\ud800"`), which
        // serde_json rejects; the N-API string path turned them into U+FFFD,
        // so do the same. Only on this (rare) error path.
        Err(e) if text.contains("\\u") => match replace_lone_surrogates(text) {
            Some(fixed) => parse_limited(&fixed).map_err(|e| e.to_string()),
            None => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    }
}

fn parse_limited(text: &str) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    // Our seed bounds the depth (256, above serde_json's built-in 128).
    de.disable_recursion_limit();
    let v = Depth(0).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Builds a `Value` like serde_json's own visitor, refusing containers
/// nested deeper than `MAX_DEPTH` (the field is the current depth).
struct Depth(usize);

impl Depth {
    fn enter<E: serde::de::Error>(&self) -> Result<Depth, E> {
        if self.0 >= MAX_DEPTH {
            return Err(E::custom(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(Depth(self.0 + 1))
    }
}

impl<'de> DeserializeSeed<'de> for Depth {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Depth {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.enter()?;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(x) = seq.next_element_seed(Depth(inner.0))? {
            out.push(x);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.enter()?;
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(Depth(inner.0))?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// `text` with every `\uXXXX` escape of a lone surrogate replaced by
/// `\ufffd`; `None` if there is none (the parse error is something else).
fn replace_lone_surrogates(text: &str) -> Option<String> {
    fn hex4(b: &[u8]) -> Option<u16> {
        let s = std::str::from_utf8(b.get(..4)?).ok()?;
        u16::from_str_radix(s, 16).ok()
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut in_string = false;
    let mut i = 0;
    let mut copied = 0;
    while let Some(&b) = bytes.get(i) {
        if !in_string {
            in_string = b == b'"';
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = false;
                i += 1;
            }
            b'\\' if bytes.get(i + 1) == Some(&b'u') => {
                let unit = bytes.get(i + 2..).and_then(hex4);
                let next = if bytes.get(i + 6) == Some(&b'\\') && bytes.get(i + 7) == Some(&b'u') {
                    bytes.get(i + 8..).and_then(hex4)
                } else {
                    None
                };
                match unit {
                    Some(0xD800..=0xDBFF) if matches!(next, Some(0xDC00..=0xDFFF)) => i += 12,
                    Some(0xD800..=0xDFFF) => {
                        out.push_str(text.get(copied..i)?);
                        out.push_str("\\ufffd");
                        i += 6;
                        copied = i;
                        changed = true;
                    }
                    _ => i += 6,
                }
            }
            // Any other escape is two bytes (`\"`, `\\`, `\n`, ...).
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    if !changed {
        return None;
    }
    out.push_str(text.get(copied..)?);
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn depth_limit() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().contains("deeper than 256"));
    }

    #[test]
    fn integers_stay_integers() {
        let v = parse(r#"{"a":1,"b":-2,"c":1.5,"d":18446744073709551615}"#).unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"a":1,"b":-2,"c":1.5,"d":18446744073709551615}"#
        );
    }

    #[test]
    fn lone_surrogates_become_replacement_chars() {
        let v = parse(r#"{"a":"x\ud800y","b":"\ud83d\ude00","c":"\\ud800"}"#).unwrap();
        assert_eq!(v["a"], "x\u{fffd}y");
        assert_eq!(v["b"], "\u{1f600}");
        assert_eq!(v["c"], "\\ud800");
        assert!(parse(r#"{"a":}"#).is_err());
    }
}
