//! JS values <-> `serde_json::Value`, written against raw N-API so that every
//! hostile input (cycles, deep nesting, BigInt, functions, throwing getters)
//! becomes an error value instead of a stack overflow or a panic.

use std::ptr;

use napi::sys;
use serde_json::{Map, Number, Value};

/// Deepest nesting accepted from JS. Kubernetes objects stay far below it; a
/// cyclic or absurd object stops here instead of exhausting the stack.
pub const MAX_DEPTH: usize = 256;

/// Most values one conversion visits. Depth alone does not bound the work:
/// `a = {x: s, y: s}` repeated 60 times is acyclic but has 2^60 paths.
const MAX_VALUES: usize = 1 << 20;

/// Why a JS value could not be turned into JSON.
pub struct ConvError {
    /// What went wrong, without the location.
    pub message: String,
    /// Where, as property keys / indices from the root (innermost last).
    pub path: Vec<String>,
    /// The exception a getter, `toISOString` or similar threw, already
    /// cleared from the env so the caller can attach it as `cause`.
    pub cause: Option<sys::napi_value>,
    /// Keep only this many path segments from the root (a cycle's path is
    /// shown up to its first repeat, not to the depth limit).
    pub keep: Option<usize>,
}

impl ConvError {
    pub fn new(message: impl Into<String>) -> Self {
        ConvError {
            message: message.into(),
            path: Vec::new(),
            cause: None,
            keep: None,
        }
    }

    /// `message` prefixed with the JS-style path (`spec.containers[0]`).
    pub fn describe(&self) -> String {
        if self.path.is_empty() {
            return self.message.clone();
        }
        let mut p = String::new();
        let keep = self.keep.unwrap_or(usize::MAX);
        for seg in self.path.iter().rev().take(keep) {
            if seg.starts_with('[') {
                p.push_str(seg);
            } else {
                if !p.is_empty() {
                    p.push('.');
                }
                p.push_str(seg);
            }
        }
        format!("at {p}: {}", self.message)
    }

    fn at(mut self, seg: String) -> Self {
        self.path.push(seg);
        self
    }
}

pub type CResult<T> = Result<T, ConvError>;

/// Turn an N-API status into a result; a pending JS exception is taken off
/// the env and kept as the cause so later N-API calls keep working.
///
/// # Safety
/// `env` must be the live env of the current call.
pub unsafe fn check(env: sys::napi_env, status: sys::napi_status, what: &str) -> CResult<()> {
    if status == sys::Status::napi_ok {
        return Ok(());
    }
    let mut pending = false;
    sys::napi_is_exception_pending(env, &mut pending);
    if pending {
        let mut exc = ptr::null_mut();
        if sys::napi_get_and_clear_last_exception(env, &mut exc) == sys::Status::napi_ok {
            let msg = describe_thrown(env, exc);
            return Err(ConvError {
                message: format!("{what} threw: {msg}"),
                path: Vec::new(),
                cause: Some(exc),
                keep: None,
            });
        }
    }
    Err(ConvError::new(format!(
        "{what} failed (N-API status {status})"
    )))
}

/// A short text for a thrown value: `message` of an Error, else its string
/// form. Never throws: a value whose `toString` throws is "<unprintable>".
///
/// # Safety
/// `env` must be the live env of the current call.
pub unsafe fn describe_thrown(env: sys::napi_env, v: sys::napi_value) -> String {
    let mut is_error = false;
    sys::napi_is_error(env, v, &mut is_error);
    let mut target = v;
    if is_error {
        let mut m = ptr::null_mut();
        if sys::napi_get_named_property(env, v, c"message".as_ptr(), &mut m) == sys::Status::napi_ok
        {
            target = m;
        }
    }
    let mut s = ptr::null_mut();
    if sys::napi_coerce_to_string(env, target, &mut s) != sys::Status::napi_ok {
        clear_pending(env);
        return "<unprintable>".to_string();
    }
    read_string(env, s).unwrap_or_else(|_| "<unprintable>".to_string())
}

/// Drop a pending exception we chose not to surface.
///
/// # Safety
/// `env` must be the live env of the current call.
pub unsafe fn clear_pending(env: sys::napi_env) {
    let mut pending = false;
    sys::napi_is_exception_pending(env, &mut pending);
    if pending {
        let mut exc = ptr::null_mut();
        sys::napi_get_and_clear_last_exception(env, &mut exc);
    }
}

/// `typeof v` as N-API reports it.
///
/// # Safety
/// `env` must be the live env of the current call and `v` a value in it.
pub unsafe fn type_of(env: sys::napi_env, v: sys::napi_value) -> CResult<sys::napi_valuetype> {
    let mut t = 0;
    check(env, sys::napi_typeof(env, v, &mut t), "typeof")?;
    Ok(t)
}

/// Read a JS string (lone surrogates arrive as U+FFFD, which N-API does).
///
/// # Safety
/// `env` must be the live env of the current call and `v` a string in it.
pub unsafe fn read_string(env: sys::napi_env, v: sys::napi_value) -> CResult<String> {
    // Most keys and values are short: try one call into a stack buffer. V8
    // never splits a character when it truncates, so a result shorter than
    // the buffer minus the NUL and a 4-byte character is complete.
    const SMALL: usize = 128;
    let mut small = [0u8; SMALL];
    let mut written = 0usize;
    check(
        env,
        sys::napi_get_value_string_utf8(env, v, small.as_mut_ptr().cast(), SMALL, &mut written),
        "reading a string",
    )?;
    if written + 5 <= SMALL {
        let bytes = small.get(..written).unwrap_or_default();
        return std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|e| ConvError::new(format!("string is not UTF-8: {e}")));
    }
    let mut len = 0usize;
    check(
        env,
        sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len),
        "reading a string",
    )?;
    let mut buf: Vec<u8> = vec![0; len + 1];
    check(
        env,
        sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), len + 1, &mut written),
        "reading a string",
    )?;
    buf.truncate(written);
    String::from_utf8(buf).map_err(|e| ConvError::new(format!("string is not UTF-8: {e}")))
}

/// The bytes of a `Uint8Array` (a `Buffer` is one), or `None` for any other
/// value: hosts pass file contents this way, and only they can carry invalid
/// UTF-8.
///
/// # Safety
/// `env` must be the live env of the current call and `v` a value in it.
pub unsafe fn uint8_bytes(env: sys::napi_env, v: sys::napi_value) -> CResult<Option<Vec<u8>>> {
    let mut is_ta = false;
    check(
        env,
        sys::napi_is_typedarray(env, v, &mut is_ta),
        "napi_is_typedarray",
    )?;
    if !is_ta {
        return Ok(None);
    }
    let mut ty = 0;
    let mut len = 0usize;
    let mut data: *mut std::ffi::c_void = ptr::null_mut();
    let mut ab = ptr::null_mut();
    let mut off = 0usize;
    check(
        env,
        sys::napi_get_typedarray_info(env, v, &mut ty, &mut len, &mut data, &mut ab, &mut off),
        "reading a typed array",
    )?;
    if ty != sys::TypedarrayType::uint8_array {
        return Err(ConvError::new(
            "a typed array other than Uint8Array/Buffer is not text",
        ));
    }
    if len == 0 || data.is_null() {
        return Ok(Some(Vec::new()));
    }
    // SAFETY: N-API returned a pointer to `len` live bytes of the array's
    // backing store (already offset); we copy them before any JS runs.
    Ok(Some(
        std::slice::from_raw_parts(data.cast::<u8>(), len).to_vec(),
    ))
}

/// Convert a JS value to JSON. `undefined` at the root is an error; inside
/// objects it drops the key and inside arrays it becomes `null` (as
/// `JSON.stringify` does). Dates become ISO strings; functions, symbols,
/// BigInts, binary data, non-finite numbers and cycles are errors.
///
/// # Safety
/// `env` must be the live env of the current call and `v` a value in it.
pub unsafe fn js_to_json(env: sys::napi_env, v: sys::napi_value) -> CResult<Value> {
    let mut walker = Walker {
        env,
        ancestors: Vec::new(),
        budget: MAX_VALUES,
    };
    match walker.value(v)? {
        Some(x) => Ok(x),
        None => Err(ConvError::new("got undefined")),
    }
}

struct Walker {
    env: sys::napi_env,
    /// Objects on the path from the root, for cycle detection.
    ancestors: Vec<sys::napi_value>,
    budget: usize,
}

impl Walker {
    unsafe fn value(&mut self, v: sys::napi_value) -> CResult<Option<Value>> {
        let env = self.env;
        self.budget = self.budget.checked_sub(1).ok_or_else(|| {
            ConvError::new(format!(
                "more than {MAX_VALUES} values: too large (or a shared-reference explosion)"
            ))
        })?;
        Ok(Some(match type_of(env, v)? {
            sys::ValueType::napi_undefined => return Ok(None),
            sys::ValueType::napi_null => Value::Null,
            sys::ValueType::napi_boolean => {
                let mut b = false;
                check(
                    env,
                    sys::napi_get_value_bool(env, v, &mut b),
                    "reading a boolean",
                )?;
                Value::Bool(b)
            }
            sys::ValueType::napi_number => {
                let mut f = 0f64;
                check(
                    env,
                    sys::napi_get_value_double(env, v, &mut f),
                    "reading a number",
                )?;
                number(f)?
            }
            sys::ValueType::napi_string => Value::String(read_string(env, v)?),
            sys::ValueType::napi_object => self.object(v)?,
            sys::ValueType::napi_function => {
                return Err(ConvError::new("a function is not JSON data"))
            }
            sys::ValueType::napi_symbol => return Err(ConvError::new("a Symbol is not JSON data")),
            sys::ValueType::napi_bigint => {
                return Err(ConvError::new(
                    "a BigInt is not JSON data (convert it to a Number or a string)",
                ))
            }
            other => {
                return Err(ConvError::new(format!(
                    "unsupported JS value (napi type {other})"
                )))
            }
        }))
    }

    unsafe fn object(&mut self, v: sys::napi_value) -> CResult<Value> {
        let env = self.env;
        // Cycles are looked for only at the depth limit: every cycle reaches
        // it, and comparing against all ancestors on every object would
        // cost O(depth) N-API calls per value on the common path.
        if self.ancestors.len() >= MAX_DEPTH {
            return Err(self.too_deep(v)?);
        }
        let mut flag = false;
        check(env, sys::napi_is_array(env, v, &mut flag), "napi_is_array")?;
        if !flag {
            check(env, sys::napi_is_date(env, v, &mut flag), "napi_is_date")?;
            if flag {
                return self.date(v);
            }
            // ArrayBuffer and DataView have no enumerable properties and
            // become `{}`; a Buffer would become a map of its bytes, which is
            // never what the caller meant.
            check(
                env,
                sys::napi_is_typedarray(env, v, &mut flag),
                "napi_is_typedarray",
            )?;
            if flag {
                return Err(ConvError::new(
                    "binary data (Buffer, typed array) is not JSON data",
                ));
            }
            flag = false;
        }
        self.ancestors.push(v);
        let out = self.container(v, flag);
        self.ancestors.pop();
        out
    }

    unsafe fn container(&mut self, v: sys::napi_value, is_array: bool) -> CResult<Value> {
        let env = self.env;
        if is_array {
            let mut len = 0u32;
            check(
                env,
                sys::napi_get_array_length(env, v, &mut len),
                "reading an array",
            )?;
            let mut out = Vec::with_capacity(len.min(4096) as usize);
            for i in 0..len {
                let mut e = ptr::null_mut();
                check(
                    env,
                    sys::napi_get_element(env, v, i, &mut e),
                    "reading an element",
                )
                .map_err(|e| e.at(format!("[{i}]")))?;
                let x = self.value(e).map_err(|e| e.at(format!("[{i}]")))?;
                out.push(x.unwrap_or(Value::Null));
            }
            return Ok(Value::Array(out));
        }
        let mut keys = ptr::null_mut();
        check(
            env,
            sys::napi_get_all_property_names(
                env,
                v,
                sys::KeyCollectionMode::own_only,
                sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                sys::KeyConversion::numbers_to_strings,
                &mut keys,
            ),
            "listing properties",
        )?;
        let mut len = 0u32;
        check(
            env,
            sys::napi_get_array_length(env, keys, &mut len),
            "listing properties",
        )?;
        let mut map = Map::new();
        for i in 0..len {
            let mut k = ptr::null_mut();
            check(
                env,
                sys::napi_get_element(env, keys, i, &mut k),
                "listing properties",
            )?;
            let key = read_string(env, k)?;
            let mut e = ptr::null_mut();
            check(
                env,
                sys::napi_get_property(env, v, k, &mut e),
                "reading a property",
            )
            .map_err(|e| e.at(key.clone()))?;
            if let Some(x) = self.value(e).map_err(|e| e.at(key.clone()))? {
                map.insert(key, x);
            }
        }
        Ok(Value::Object(map))
    }

    /// The error at the depth limit: a cycle (cut at the first object that
    /// repeats, so the path shows the loop once) or plain deep nesting.
    unsafe fn too_deep(&self, v: sys::napi_value) -> CResult<ConvError> {
        let env = self.env;
        let mut chain = self.ancestors.clone();
        chain.push(v);
        for k in 1..chain.len() {
            let Some(&later) = chain.get(k) else { break };
            for &earlier in chain.iter().take(k) {
                let mut same = false;
                check(
                    env,
                    sys::napi_strict_equals(env, earlier, later, &mut same),
                    "comparing",
                )?;
                if same {
                    let mut e = ConvError::new("cyclic object (it contains itself)");
                    e.keep = Some(k);
                    return Ok(e);
                }
            }
        }
        Ok(ConvError::new(format!(
            "nested deeper than {MAX_DEPTH} levels"
        )))
    }

    /// `date.toISOString()`, as `JSON.stringify` renders a Date (YAML
    /// readers such as js-yaml turn timestamps into Dates).
    unsafe fn date(&mut self, v: sys::napi_value) -> CResult<Value> {
        let env = self.env;
        let mut f = ptr::null_mut();
        check(
            env,
            sys::napi_get_named_property(env, v, c"toISOString".as_ptr(), &mut f),
            "Date.toISOString",
        )?;
        if type_of(env, f)? != sys::ValueType::napi_function {
            return Err(ConvError::new("a Date without toISOString"));
        }
        let mut s = ptr::null_mut();
        check(
            env,
            sys::napi_call_function(env, v, f, 0, ptr::null(), &mut s),
            "Date.toISOString",
        )?;
        if type_of(env, s)? != sys::ValueType::napi_string {
            return Err(ConvError::new("Date.toISOString did not return a string"));
        }
        Ok(Value::String(read_string(env, s)?))
    }
}

/// A JS number as JSON: integral values within 2^53 stay integers (so `1`
/// is `1`, not `1.0`, for the engine's type-sensitive comparisons).
fn number(f: f64) -> CResult<Value> {
    const SAFE: f64 = 9_007_199_254_740_992.0; // 2^53
    if f.is_finite() && f.fract() == 0.0 && f.abs() <= SAFE {
        // Exact: integral and within the range every f64 integer fits in i64.
        return Ok(Value::from(f as i64));
    }
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| ConvError::new(format!("{f} is not a JSON number")))
}

/// Build a JS value from JSON. The engine's output is at most as deep as its
/// input plus a few levels, so plain recursion is bounded.
///
/// # Safety
/// `env` must be the live env of the current call.
pub unsafe fn json_to_js(env: sys::napi_env, v: &Value) -> CResult<sys::napi_value> {
    let mut out = ptr::null_mut();
    match v {
        Value::Null => check(env, sys::napi_get_null(env, &mut out), "null")?,
        Value::Bool(b) => check(env, sys::napi_get_boolean(env, *b, &mut out), "boolean")?,
        Value::Number(n) => {
            let status = if let Some(i) = n.as_i64() {
                sys::napi_create_int64(env, i, &mut out)
            } else {
                sys::napi_create_double(env, n.as_f64().unwrap_or(f64::NAN), &mut out)
            };
            check(env, status, "number")?
        }
        Value::String(s) => check(
            env,
            sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out),
            "string",
        )?,
        Value::Array(a) => {
            check(
                env,
                sys::napi_create_array_with_length(env, a.len(), &mut out),
                "array",
            )?;
            for (i, x) in a.iter().enumerate() {
                let e = json_to_js(env, x)?;
                let idx = u32::try_from(i).map_err(|_| ConvError::new("array too long"))?;
                check(
                    env,
                    sys::napi_set_element(env, out, idx, e),
                    "array element",
                )?;
            }
        }
        Value::Object(m) => {
            check(env, sys::napi_create_object(env, &mut out), "object")?;
            for (k, x) in m {
                let mut key = ptr::null_mut();
                check(
                    env,
                    sys::napi_create_string_utf8(
                        env,
                        k.as_ptr().cast(),
                        k.len() as isize,
                        &mut key,
                    ),
                    "key",
                )?;
                let e = json_to_js(env, x)?;
                check(env, sys::napi_set_property(env, out, key, e), "property")?;
            }
        }
    }
    Ok(out)
}
