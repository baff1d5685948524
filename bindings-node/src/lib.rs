//! Node.js binding of verno: a thin N-API layer over `verno::api::Engine`.
//!
//! It only converts JS values to `serde_json::Value` and back, calls the
//! engine, and turns errors into JS `Error`s with a `code` (`VERNO_YAML`,
//! `VERNO_INVALID`, `VERNO_UNSUPPORTED`, `VERNO_INPUT`, `VERNO_HOST`) and the
//! engine's fields as properties. `lib.js` re-wraps them in the public error
//! classes; the native `NativeEngine` here is its implementation detail.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod convert;
mod host;

use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValueType};
use napi::{sys, Env, Error, Result, Status};
use napi_derive::napi;
use serde_json::{json, Value};
use verno::api::{self, ApiError, ReportRequest, RequestOptions};

use convert::{js_to_json, json_to_js, type_of, uint8_bytes, ConvError};
use host::JsHost;

/// Any JS value, passed through untouched so the conversion (and its error
/// handling) is ours rather than the generated code's.
pub struct Raw(sys::napi_value);

impl TypeName for Raw {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for Raw {
    unsafe fn from_napi_value(_env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        Ok(Raw(v))
    }
}

impl ToNapiValue for Raw {
    unsafe fn to_napi_value(_env: sys::napi_env, v: Self) -> Result<sys::napi_value> {
        Ok(v.0)
    }
}

/// A compiled policy set. Construct through `lib.js`'s `Engine`.
#[napi]
pub struct NativeEngine {
    inner: api::Engine,
}

/// Throw a JS Error carrying `props` (a JSON object) and an optional `cause`,
/// and return the error value napi-rs expects for "an exception is pending".
fn throw(
    env: &Env,
    code: &str,
    message: &str,
    props: &Value,
    cause: Option<sys::napi_value>,
) -> Error {
    let raw = env.raw();
    // SAFETY: `raw` is the env of the current call; every status is checked
    // and any failure falls back to a plain Error that napi-rs throws.
    let thrown = unsafe {
        (|| -> std::result::Result<(), ConvError> {
            let c = json_to_js(raw, &Value::String(code.to_string()))?;
            let m = json_to_js(raw, &Value::String(message.to_string()))?;
            let mut err = ptr::null_mut();
            convert::check(
                raw,
                sys::napi_create_error(raw, c, m, &mut err),
                "napi_create_error",
            )?;
            if let Value::Object(map) = props {
                for (k, v) in map {
                    if k == "message" {
                        continue;
                    }
                    let key = json_to_js(raw, &Value::String(k.clone()))?;
                    let val = json_to_js(raw, v)?;
                    convert::check(raw, sys::napi_set_property(raw, err, key, val), "set")?;
                }
            }
            if let Some(cause) = cause {
                convert::check(
                    raw,
                    sys::napi_set_named_property(raw, err, c"cause".as_ptr(), cause),
                    "set cause",
                )?;
            }
            convert::check(raw, sys::napi_throw(raw, err), "napi_throw")
        })()
    };
    match thrown {
        Ok(()) => Error::new(Status::PendingException, message.to_string()),
        Err(_) => {
            // SAFETY: as above.
            unsafe { convert::clear_pending(raw) };
            Error::new(Status::GenericFailure, message.to_string())
        }
    }
}

fn throw_api(env: &Env, e: &ApiError) -> Error {
    let code = format!("VERNO_{}", e.kind().to_ascii_uppercase());
    throw(env, &code, &e.to_string(), &e.to_value(), None)
}

/// A bad argument, in the same shape as the engine's `ApiError::Input`.
fn throw_input(env: &Env, what: &str, e: ConvError) -> Error {
    let detail = e.describe();
    let message = format!("invalid {what}: {detail}");
    let props = json!({
        "kind": "input", "detail": detail, "argument": what,
        "policy": null, "rule": null, "field": null, "file": null, "line": null, "column": null,
    });
    throw(env, "VERNO_INPUT", &message, &props, e.cause)
}

/// Text (a string or UTF-8 bytes), or `None` when `v` is something else.
unsafe fn as_text(
    raw: sys::napi_env,
    v: sys::napi_value,
) -> std::result::Result<Option<String>, ConvError> {
    if type_of(raw, v)? == sys::ValueType::napi_string {
        return convert::read_string(raw, v).map(Some);
    }
    match uint8_bytes(raw, v)? {
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| ConvError::new(format!("not valid UTF-8: {e}"))),
        None => Ok(None),
    }
}

/// A resource: YAML/JSON text or an object.
fn resource_arg(env: &Env, v: sys::napi_value, what: &str) -> Result<Value> {
    let raw = env.raw();
    // SAFETY: `v` is an argument of the current call.
    match unsafe { as_text(raw, v) } {
        Ok(Some(text)) => api::parse_resource(&text).map_err(|e| match e {
            ApiError::Input { message, .. } => throw_input(env, what, ConvError::new(message)),
            other => throw_api(env, &other),
        }),
        // SAFETY: as above.
        Ok(None) => unsafe { js_to_json(raw, v) }.map_err(|e| throw_input(env, what, e)),
        Err(e) => Err(throw_input(env, what, e)),
    }
}

/// An optional options object (`undefined`/`null` = defaults).
fn options_arg(env: &Env, v: sys::napi_value, what: &str) -> Result<Value> {
    let raw = env.raw();
    // SAFETY: `v` is an argument of the current call.
    let t = unsafe { type_of(raw, v) }.map_err(|e| throw_input(env, what, e))?;
    if t == sys::ValueType::napi_undefined || t == sys::ValueType::napi_null {
        return Ok(Value::Null);
    }
    if t != sys::ValueType::napi_object {
        return Err(throw_input(env, what, ConvError::new("expected an object")));
    }
    // SAFETY: as above.
    unsafe { js_to_json(raw, v) }.map_err(|e| throw_input(env, what, e))
}

fn host_arg(env: &Env, v: sys::napi_value) -> Result<JsHost> {
    // SAFETY: `v` is an argument of the current call; the JsHost is dropped
    // before the call returns.
    unsafe { JsHost::new(env.raw(), v) }.map_err(|e| throw_input(env, "host", e))
}

/// Run one engine call with the JS host, then surface a callback's failure
/// (with the original exception as `cause`) before the engine's own result.
fn with_host<T>(env: &Env, host: &JsHost, result: std::result::Result<T, ApiError>) -> Result<T> {
    if let Some(f) = host.take_failure() {
        let verb = if f.cause.is_some() { "threw" } else { "failed" };
        let message = format!("host callback {}() {verb}: {}", f.callback, f.message);
        let props = json!({
            "kind": "host", "callback": f.callback, "detail": f.message,
            "policy": null, "rule": null, "field": null, "file": null, "line": null, "column": null,
            "argument": null,
        });
        return Err(throw(env, "VERNO_HOST", &message, &props, f.cause));
    }
    result.map_err(|e| throw_api(env, &e))
}

fn to_js(env: &Env, v: &Value) -> Result<Raw> {
    // SAFETY: building a fresh value in the current call's env.
    unsafe { json_to_js(env.raw(), v) }
        .map(Raw)
        .map_err(|e| Error::new(Status::GenericFailure, e.describe()))
}

#[napi]
impl NativeEngine {
    /// Compile policies from YAML/JSON text (string or UTF-8 bytes), one
    /// policy object, or an array of them.
    #[napi(
        constructor,
        ts_args_type = "policies: string | Uint8Array | object | object[]"
    )]
    pub fn new(env: Env, policies: Raw) -> Result<Self> {
        let raw = env.raw();
        // SAFETY: `policies` is an argument of the current call.
        let inner = match unsafe { as_text(raw, policies.0) } {
            Ok(Some(text)) => api::Engine::from_yaml(&text),
            // SAFETY: as above.
            Ok(None) => match unsafe { js_to_json(raw, policies.0) } {
                Ok(v) => api::Engine::from_value(v),
                Err(e) => return Err(throw_input(&env, "policies", e)),
            },
            Err(e) => return Err(throw_input(&env, "policies", e)),
        };
        inner
            .map(|inner| NativeEngine { inner })
            .map_err(|e| throw_api(&env, &e))
    }

    /// `[{name, namespace, kind, rules: [{name, type}]}]`.
    #[napi(ts_return_type = "unknown")]
    pub fn policies(&self, env: Env) -> Result<Raw> {
        to_js(&env, &self.inner.policies())
    }

    /// Validate rules only: `{allowed, message, results}`.
    #[napi(
        ts_args_type = "resource: unknown, options?: object | null, host?: object | null",
        ts_return_type = "unknown"
    )]
    pub fn validate(&self, env: Env, resource: Raw, options: Raw, host: Raw) -> Result<Raw> {
        self.call(&env, resource, options, host, api::Engine::validate)
    }

    /// Mutate rules only: `{resource, patched, patch, results}`.
    #[napi(
        ts_args_type = "resource: unknown, options?: object | null, host?: object | null",
        ts_return_type = "unknown"
    )]
    pub fn mutate(&self, env: Env, resource: Raw, options: Raw, host: Raw) -> Result<Raw> {
        self.call(&env, resource, options, host, api::Engine::mutate)
    }

    /// Mutate, validate, generate: `{allowed, message, resource, patched,
    /// patch, results, generated}`.
    #[napi(
        ts_args_type = "resource: unknown, options?: object | null, host?: object | null",
        ts_return_type = "unknown"
    )]
    pub fn evaluate(&self, env: Env, resource: Raw, options: Raw, host: Raw) -> Result<Raw> {
        self.call(&env, resource, options, host, api::Engine::evaluate)
    }

    /// Answer an AdmissionReview (object or text): the review with `response`.
    #[napi(
        ts_args_type = "review: unknown, options?: object | null, host?: object | null",
        ts_return_type = "unknown"
    )]
    pub fn admit(&self, env: Env, review: Raw, options: Raw, host: Raw) -> Result<Raw> {
        let review = resource_arg(&env, review.0, "admission review")?;
        let opts = options_arg(&env, options.0, "options")?;
        let opts = RequestOptions::from_value(&opts).map_err(|e| throw_api(&env, &e))?;
        let host = host_arg(&env, host.0)?;
        let out = with_host(&env, &host, self.inner.admit(&review, &opts, &host))?;
        to_js(&env, &out)
    }

    /// Policy reports for an array of resources (objects or text).
    #[napi(
        ts_args_type = "resources: unknown[], options?: object | null, host?: object | null",
        ts_return_type = "unknown"
    )]
    pub fn report(&self, env: Env, resources: Raw, options: Raw, host: Raw) -> Result<Raw> {
        let raw = env.raw();
        let mut is_array = false;
        // SAFETY: `resources` is an argument of the current call.
        unsafe { sys::napi_is_array(raw, resources.0, &mut is_array) };
        if !is_array {
            return Err(throw_input(
                &env,
                "resources",
                ConvError::new("expected an array of resources"),
            ));
        }
        let mut len = 0u32;
        // SAFETY: `resources` is an array of the current call.
        unsafe { sys::napi_get_array_length(raw, resources.0, &mut len) };
        let mut items = Vec::with_capacity(len.min(4096) as usize);
        for i in 0..len {
            let mut e = ptr::null_mut();
            // SAFETY: as above; a throwing getter surfaces as an input error.
            unsafe {
                convert::check(
                    raw,
                    sys::napi_get_element(raw, resources.0, i, &mut e),
                    "reading",
                )
            }
            .map_err(|err| throw_input(&env, &format!("resource {i}"), err))?;
            items.push(resource_arg(&env, e, &format!("resource {i}"))?);
        }
        let opts = options_arg(&env, options.0, "report options")?;
        let opts = ReportRequest::from_value(&opts).map_err(|e| throw_api(&env, &e))?;
        let host = host_arg(&env, host.0)?;
        let out = with_host(&env, &host, self.inner.report(&items, &opts, &host))?;
        to_js(&env, &Value::Array(out))
    }
}

type Method = fn(
    &api::Engine,
    &Value,
    &RequestOptions,
    &dyn verno::Host,
) -> std::result::Result<Value, ApiError>;

impl NativeEngine {
    fn call(
        &self,
        env: &Env,
        resource: Raw,
        options: Raw,
        host: Raw,
        method: Method,
    ) -> Result<Raw> {
        let resource = resource_arg(env, resource.0, "resource")?;
        let opts = options_arg(env, options.0, "options")?;
        let opts = RequestOptions::from_value(&opts).map_err(|e| throw_api(env, &e))?;
        let host = host_arg(env, host.0)?;
        let out = with_host(env, &host, method(&self.inner, &resource, &opts, &host))?;
        to_js(env, &out)
    }
}
