//! Engine and binding errors -> JS `Error` objects.
//!
//! wasm-bindgen cannot declare `Error` subclasses, so the classes live in the
//! package's small JS entry module (`js/errors.js`), which hands a factory
//! to [`set_error_factory`] when it loads. Without one (the raw wasm-bindgen
//! module used directly) errors are plain `Error`s with the same `name` and
//! properties.

use std::cell::RefCell;

use js_sys::{Error, Function, Object, Reflect};
use serde_json::{json, Value};
use verno::api::ApiError;
use wasm_bindgen::prelude::*;

thread_local! {
    static FACTORY: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Install the function that builds error objects:
/// `factory(name, message, props, cause) -> Error`. Called once by the
/// package's entry module.
#[wasm_bindgen(js_name = "__setErrorFactory", skip_typescript)]
pub fn set_error_factory(factory: Function) {
    FACTORY.with(|f| *f.borrow_mut() = Some(factory));
}

/// Why a binding call failed.
#[derive(Debug)]
pub enum Failure {
    /// The engine (or the binding, for argument conversion) refused.
    Api(ApiError),
    /// A host callback threw (or returned something unusable); `cause` is
    /// what it threw.
    Host {
        callback: &'static str,
        message: String,
        cause: JsValue,
    },
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

/// A bad argument: an `InputError` naming it.
pub fn input(argument: &str, message: impl Into<String>) -> Failure {
    Failure::Api(ApiError::Input {
        what: argument.to_string(),
        message: message.into(),
    })
}

impl Failure {
    /// The JS error to throw.
    pub fn into_js(self) -> JsValue {
        let (name, props, cause) = match self {
            Failure::Api(e) => {
                let name = match e.kind() {
                    "yaml" => "YamlError",
                    "invalid" => "InvalidPolicyError",
                    "unsupported" => "UnsupportedError",
                    "input" => "InputError",
                    _ => "VernoError",
                };
                (name, e.to_value(), JsValue::UNDEFINED)
            }
            Failure::Host {
                callback,
                message,
                cause,
            } => {
                let props = json!({
                    "kind": "host",
                    "message": format!("host callback {callback}() failed: {message}"),
                    "detail": message,
                    "callback": callback,
                    "policy": null, "rule": null, "field": null, "file": null,
                    "line": null, "column": null, "argument": null,
                });
                ("HostError", props, cause)
            }
        };
        let message = props
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_string();
        let js_props = crate::convert::to_js(&props).unwrap_or_else(|_| Object::new().into());
        let factory = FACTORY.with(|f| f.borrow().clone());
        if let Some(factory) = factory {
            let args =
                js_sys::Array::of4(&name.into(), &message.as_str().into(), &js_props, &cause);
            if let Ok(err) = factory.apply(&JsValue::NULL, &args) {
                return err;
            }
        }
        let err = Error::new(&message);
        err.set_name(name);
        // Setting plain data properties on a fresh Error cannot fail.
        if let Ok(entries) = js_sys::Object::try_from(&js_props).ok_or(()) {
            let _ = Object::assign(&err, entries);
        }
        if !cause.is_undefined() {
            let _ = Reflect::set(&err, &"cause".into(), &cause);
        }
        err.into()
    }
}

/// A short text for a thrown JS value, for messages.
pub fn describe(thrown: &JsValue) -> String {
    if let Some(s) = thrown.as_string() {
        return s;
    }
    if let Some(e) = thrown.dyn_ref::<Error>() {
        return String::from(e.to_string());
    }
    match js_sys::JSON::stringify(thrown) {
        Ok(s) => s.as_string().unwrap_or_else(|| "a non-Error value".into()),
        Err(_) => "a non-Error value".into(),
    }
}
