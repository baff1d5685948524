//! The few raw N-API helpers the binding still needs: reading strings and
//! bytes, creating strings, and turning pending JS exceptions into errors.
//! Objects cross the boundary as JSON text (see `jsontext.rs` and `lib.js`).

use std::ptr;

use napi::sys;
use serde_json::Value;

/// Why a JS value could not be read.
pub struct ConvError {
    /// What went wrong.
    pub message: String,
    /// The exception a callback or getter threw, already cleared from the
    /// env so the caller can attach it as `cause`.
    pub cause: Option<sys::napi_value>,
}

impl ConvError {
    pub fn new(message: impl Into<String>) -> Self {
        ConvError {
            message: message.into(),
            cause: None,
        }
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
                cause: Some(exc),
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

/// A JS string from Rust text.
///
/// # Safety
/// `env` must be the live env of the current call.
pub unsafe fn create_string(env: sys::napi_env, s: &str) -> CResult<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(
        env,
        sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out),
        "creating a string",
    )?;
    Ok(out)
}

/// A JS value for a scalar of an error's fields (strings, numbers, null);
/// anything nested becomes its JSON text.
///
/// # Safety
/// `env` must be the live env of the current call.
pub unsafe fn scalar_to_js(env: sys::napi_env, v: &Value) -> CResult<sys::napi_value> {
    let mut out = ptr::null_mut();
    let status = match v {
        Value::Null => sys::napi_get_null(env, &mut out),
        Value::Bool(b) => sys::napi_get_boolean(env, *b, &mut out),
        Value::Number(n) => sys::napi_create_double(env, n.as_f64().unwrap_or(f64::NAN), &mut out),
        Value::String(s) => return create_string(env, s),
        other => return create_string(env, &other.to_string()),
    };
    check(env, status, "creating a value")?;
    Ok(out)
}
