//! Node.js binding of verno: a thin N-API layer over `verno::api::Engine`.
//!
//! Objects cross the boundary as JSON text both ways: `lib.js` serialises
//! them with `JSON.stringify` (rejecting what JSON would silently change) and
//! parses results with `JSON.parse`, which V8 does far faster than one N-API
//! call per property. YAML text from the user goes to the engine's YAML
//! reader. Errors become JS `Error`s with a `code` (`VERNO_YAML`,
//! `VERNO_INVALID`, `VERNO_UNSUPPORTED`, `VERNO_INPUT`, `VERNO_HOST`) and the
//! engine's fields as properties. `lib.js` re-wraps them in the public error
//! classes; the native `NativeEngine` and `runTest` here are its
//! implementation detail.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod convert;
mod host;
mod jsontext;
mod testrun;

use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValueType};
use napi::{sys, Env, Error, Result, Status};
use napi_derive::napi;
use serde_json::{json, Value};
use verno::api::{self, ApiError, ReportRequest, RequestOptions};

use convert::{scalar_to_js, type_of, uint8_bytes, ConvError};
use host::JsHost;
pub use testrun::run_test;

/// Any JS value, taken untouched so that reading it (and its error
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
            let c = convert::create_string(raw, code)?;
            let m = convert::create_string(raw, message)?;
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
                    let key = convert::create_string(raw, k)?;
                    let val = scalar_to_js(raw, v)?;
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
    let detail = e.message;
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

/// A resource: the user's YAML/JSON text (`json` false) or the JSON text
/// `lib.js` made from an object (`json` true).
fn resource_arg(env: &Env, v: sys::napi_value, json: bool, what: &str) -> Result<Value> {
    let raw = env.raw();
    // SAFETY: `v` is an argument of the current call.
    let text = match unsafe { as_text(raw, v) } {
        Ok(Some(text)) => text,
        Ok(None) => return Err(throw_input(env, what, ConvError::new("expected text"))),
        Err(e) => return Err(throw_input(env, what, e)),
    };
    if json {
        return jsontext::parse(&text).map_err(|e| throw_input(env, what, ConvError::new(e)));
    }
    api::parse_resource(&text).map_err(|e| match e {
        ApiError::Input { message, .. } => throw_input(env, what, ConvError::new(message)),
        other => throw_api(env, &other),
    })
}

/// Options as JSON text from `lib.js` (`None` = defaults).
fn options_arg(env: &Env, text: Option<String>, what: &str) -> Result<Value> {
    match text {
        None => Ok(Value::Null),
        Some(t) => jsontext::parse(&t).map_err(|e| throw_input(env, what, ConvError::new(e))),
    }
}

fn host_arg(env: &Env, v: sys::napi_value, bridge: sys::napi_value) -> Result<JsHost> {
    // SAFETY: `v` and `bridge` are arguments of the current call; the JsHost
    // is dropped before the call returns.
    unsafe { JsHost::new(env.raw(), v, bridge) }.map_err(|e| throw_input(env, "host", e))
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

/// A result as JSON text for `lib.js` to `JSON.parse`.
fn to_text(v: &Value) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))
}

#[napi]
impl NativeEngine {
    /// Compile policies from the user's YAML/JSON text (string or UTF-8
    /// bytes; `json` false) or from `JSON.stringify` of a policy object or
    /// an array of them (`json` true).
    #[napi(
        constructor,
        ts_args_type = "policies: string | Uint8Array, json: boolean"
    )]
    pub fn new(env: Env, policies: Raw, json: bool) -> Result<Self> {
        let raw = env.raw();
        // SAFETY: `policies` is an argument of the current call.
        let text = match unsafe { as_text(raw, policies.0) } {
            Ok(Some(text)) => text,
            Ok(None) => {
                return Err(throw_input(
                    &env,
                    "policies",
                    ConvError::new("expected text"),
                ))
            }
            Err(e) => return Err(throw_input(&env, "policies", e)),
        };
        let inner = if json {
            match jsontext::parse(&text) {
                Ok(v) => api::Engine::from_value(v),
                Err(e) => return Err(throw_input(&env, "policies", ConvError::new(e))),
            }
        } else {
            api::Engine::from_yaml(&text)
        };
        inner
            .map(|inner| NativeEngine { inner })
            .map_err(|e| throw_api(&env, &e))
    }

    /// `[{name, namespace, kind, rules: [{name, type}]}]` as JSON text.
    #[napi]
    pub fn policies(&self) -> Result<String> {
        to_text(&self.inner.policies())
    }

    /// Validate rules only: `{allowed, message, results}` as JSON text.
    #[napi(
        ts_args_type = "resource: string | Uint8Array, json: boolean, options: string | null, host: object | null, bridge: Function"
    )]
    pub fn validate(
        &self,
        env: Env,
        resource: Raw,
        json: bool,
        options: Option<String>,
        host: Raw,
        bridge: Raw,
    ) -> Result<String> {
        let args = (resource, json, options, host, bridge);
        self.call(&env, args, api::Engine::validate)
    }

    /// Mutate rules only: `{resource, patched, patch, results}` as JSON text.
    #[napi(
        ts_args_type = "resource: string | Uint8Array, json: boolean, options: string | null, host: object | null, bridge: Function"
    )]
    pub fn mutate(
        &self,
        env: Env,
        resource: Raw,
        json: bool,
        options: Option<String>,
        host: Raw,
        bridge: Raw,
    ) -> Result<String> {
        let args = (resource, json, options, host, bridge);
        self.call(&env, args, api::Engine::mutate)
    }

    /// Mutate, validate, generate: `{allowed, message, resource, patched,
    /// patch, results, generated}` as JSON text.
    #[napi(
        ts_args_type = "resource: string | Uint8Array, json: boolean, options: string | null, host: object | null, bridge: Function"
    )]
    pub fn evaluate(
        &self,
        env: Env,
        resource: Raw,
        json: bool,
        options: Option<String>,
        host: Raw,
        bridge: Raw,
    ) -> Result<String> {
        let args = (resource, json, options, host, bridge);
        self.call(&env, args, api::Engine::evaluate)
    }

    /// Answer an AdmissionReview: the review with `response`, as JSON text.
    #[napi(
        ts_args_type = "review: string | Uint8Array, json: boolean, options: string | null, host: object | null, bridge: Function"
    )]
    pub fn admit(
        &self,
        env: Env,
        review: Raw,
        json: bool,
        options: Option<String>,
        host: Raw,
        bridge: Raw,
    ) -> Result<String> {
        let review = resource_arg(&env, review.0, json, "admission review")?;
        let opts = options_arg(&env, options, "options")?;
        let opts = RequestOptions::from_value(&opts).map_err(|e| throw_api(&env, &e))?;
        let host = host_arg(&env, host.0, bridge.0)?;
        let out = with_host(&env, &host, self.inner.admit(&review, &opts, &host))?;
        to_text(&out)
    }

    /// Policy reports for resources (each text, with `json[i]` telling
    /// whether it is `JSON.stringify` output), as JSON text.
    #[napi(
        ts_args_type = "resources: Array<string | Uint8Array>, json: boolean[], options: string | null, host: object | null, bridge: Function"
    )]
    pub fn report(
        &self,
        env: Env,
        resources: Raw,
        json: Vec<bool>,
        options: Option<String>,
        host: Raw,
        bridge: Raw,
    ) -> Result<String> {
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
            let what = format!("resource {i}");
            let mut e = ptr::null_mut();
            // SAFETY: as above.
            unsafe {
                convert::check(
                    raw,
                    sys::napi_get_element(raw, resources.0, i, &mut e),
                    "reading",
                )
            }
            .map_err(|err| throw_input(&env, &what, err))?;
            let is_json = json.get(i as usize).copied().unwrap_or(false);
            items.push(resource_arg(&env, e, is_json, &what)?);
        }
        let opts = options_arg(&env, options, "report options")?;
        let opts = ReportRequest::from_value(&opts).map_err(|e| throw_api(&env, &e))?;
        let host = host_arg(&env, host.0, bridge.0)?;
        let out = with_host(&env, &host, self.inner.report(&items, &opts, &host))?;
        to_text(&Value::Array(out))
    }
}

type Method = fn(
    &api::Engine,
    &Value,
    &RequestOptions,
    &dyn verno::Host,
) -> std::result::Result<Value, ApiError>;

/// `(resource, json, options, host, bridge)` of one call.
type Args = (Raw, bool, Option<String>, Raw, Raw);

impl NativeEngine {
    fn call(&self, env: &Env, args: Args, method: Method) -> Result<String> {
        let (resource, json, options, host, bridge) = args;
        let resource = resource_arg(env, resource.0, json, "resource")?;
        let opts = options_arg(env, options, "options")?;
        let opts = RequestOptions::from_value(&opts).map_err(|e| throw_api(env, &e))?;
        let host = host_arg(env, host.0, bridge.0)?;
        let out = with_host(env, &host, method(&self.inner, &resource, &opts, &host))?;
        to_text(&out)
    }
}
