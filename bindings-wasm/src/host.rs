//! `verno::Host` backed by a JS object with optional `now`, `random` and
//! `context` members, and `imageData` (the `--image-data` fixtures, as text
//! or an object) that answers `verifyImages` checks.
//!
//! `Host` must be `Send + Sync` and `JsValue` is neither, so the JS object is
//! not stored in the host value: it sits on a thread-local stack for the
//! duration of one engine call (wasm32-unknown-unknown runs on one thread).
//! A stack, not a slot, because a callback may call the engine again.

use std::cell::RefCell;

use js_sys::{Date, Function, Reflect};
use verno::host::{
    ContextRequest, HostError, ImageVerifier, ImageVerifyError, ImageVerifyErrorKind,
    ImageVerifyRequest, Timestamp, VerifiedImage,
};
use verno_test::image_data::ImageData;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{describe, input, Failure};

/// The callbacks a host object may have.
const MEMBERS: [&str; 3] = ["now", "random", "context"];

struct Frame {
    host: JsValue,
    /// The first callback failure: (callback, message, what was thrown).
    failure: Option<(&'static str, String, JsValue)>,
    /// `host.imageData`, parsed once per call.
    image_data: Option<ImageData>,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Check a host object given by the caller: `undefined`/`null` (no host)
/// or an object whose known members, when present, are functions.
pub fn check(host: &JsValue) -> Result<JsValue, Failure> {
    if host.is_undefined() || host.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    if !host.is_object() || host.is_function() {
        return Err(input(
            "host",
            "expected an object with optional members now, random, context",
        ));
    }
    for name in MEMBERS {
        let member = Reflect::get(host, &name.into()).map_err(|e| {
            input(
                "host",
                format!("reading host.{name} threw: {}", describe(&e)),
            )
        })?;
        if !member.is_undefined() && !member.is_function() {
            return Err(input("host", format!("host.{name} must be a function")));
        }
    }
    Ok(host.clone())
}

/// Run one engine call with `host` as the current host. A callback failure
/// becomes a `HostError` (with the thrown value as its cause) even when
/// the engine itself carried on and returned a result.
pub fn with_host<T>(
    host: &JsValue,
    call: impl FnOnce(&JsHost) -> Result<T, verno::api::ApiError>,
) -> Result<T, Failure> {
    let image_data = image_data(host)?;
    FRAMES.with(|f| {
        f.borrow_mut().push(Frame {
            host: host.clone(),
            failure: None,
            image_data,
        })
    });
    let result = call(&JsHost);
    let frame = FRAMES.with(|f| f.borrow_mut().pop());
    if let Some((callback, message, cause)) = frame.and_then(|f| f.failure) {
        return Err(Failure::Host {
            callback,
            message,
            cause,
        });
    }
    result.map_err(Failure::Api)
}

/// `host.imageData`: fixture text (YAML/JSON, several documents) or an
/// object; a malformed one is an input error naming the field.
fn image_data(host: &JsValue) -> Result<Option<ImageData>, Failure> {
    if !host.is_object() {
        return Ok(None);
    }
    let what = "host.imageData";
    let data = Reflect::get(host, &"imageData".into())
        .map_err(|e| input("host", format!("reading {what} threw: {}", describe(&e))))?;
    if data.is_undefined() || data.is_null() {
        return Ok(None);
    }
    let docs: Vec<serde_json::Value> = match data.as_string() {
        Some(text) => verno::unstable::load::documents(&text)
            .map_err(|e| input(what, e.to_string()))?
            .into_iter()
            .map(|(v, _)| v)
            .collect(),
        None => vec![crate::convert::from_js(&data).map_err(|e| input(what, e))?],
    };
    if docs.is_empty() {
        return Err(input(what, "no document"));
    }
    let mut images = Vec::new();
    for doc in &docs {
        ImageData::parse(doc).map_err(|e| input(what, e))?;
        if let Some(list) = doc.get("images").and_then(serde_json::Value::as_array) {
            images.extend(list.iter().cloned());
        }
    }
    ImageData::parse(&serde_json::json!({ "images": images }))
        .map(Some)
        .map_err(|e| input(what, e))
}

/// The engine's view of the current JS host.
pub struct JsHost;

impl JsHost {
    /// Call `host[name](arg)`. `Ok(None)`: the host has no such member.
    fn call(&self, name: &'static str, arg: &JsValue) -> Result<Option<JsValue>, HostError> {
        // Borrow only to copy the object out: the callback may re-enter.
        let host = FRAMES.with(|f| f.borrow().last().map(|fr| fr.host.clone()));
        let Some(host) = host.filter(|h| h.is_object()) else {
            return Ok(None);
        };
        let member = Reflect::get(&host, &name.into()).map_err(|e| self.fail(name, e))?;
        let Some(function) = member.dyn_ref::<Function>() else {
            return Ok(None);
        };
        function
            .call1(&host, arg)
            .map(Some)
            .map_err(|e| self.fail(name, e))
    }

    /// Record a thrown value (the first one wins) and tell the engine.
    fn fail(&self, callback: &'static str, thrown: JsValue) -> HostError {
        let message = describe(&thrown);
        self.record(callback, message, thrown)
    }

    /// A callback returned something unusable: record a TypeError.
    fn bad_return(&self, callback: &'static str, message: String) -> HostError {
        let error = js_sys::TypeError::new(&message);
        self.record(callback, message, error.into())
    }

    fn record(&self, callback: &'static str, message: String, cause: JsValue) -> HostError {
        FRAMES.with(|f| {
            if let Some(frame) = f.borrow_mut().last_mut() {
                frame
                    .failure
                    .get_or_insert((callback, message.clone(), cause));
            }
        });
        HostError::Failed(format!("host callback {callback}() failed: {message}"))
    }
}

/// Answers from the current call's `imageData`.
impl ImageVerifier for JsHost {
    fn verify(&self, request: &ImageVerifyRequest) -> Result<VerifiedImage, ImageVerifyError> {
        FRAMES.with(
            |f| match f.borrow().last().and_then(|fr| fr.image_data.as_ref()) {
                Some(data) => data.verify(request),
                None => Err(ImageVerifyError {
                    kind: ImageVerifyErrorKind::Unavailable,
                    message: "the host has no image verification data".into(),
                }),
            },
        )
    }
}

impl verno::Host for JsHost {
    fn image_verifier(&self) -> Option<&dyn ImageVerifier> {
        let has = FRAMES.with(|f| f.borrow().last().is_some_and(|fr| fr.image_data.is_some()));
        if has {
            Some(self)
        } else {
            None
        }
    }

    fn now(&self) -> Result<Timestamp, HostError> {
        let Some(v) = self.call("now", &JsValue::UNDEFINED)? else {
            return Err(HostError::Unavailable("the clock"));
        };
        let seconds = if let Some(d) = v.dyn_ref::<Date>() {
            d.get_time() / 1000.0
        } else if let Some(n) = v.as_f64() {
            n
        } else {
            return Err(self.bad_return(
                "now",
                "now() must return seconds since the epoch (a number) or a Date".into(),
            ));
        };
        if !seconds.is_finite() || seconds.abs() > 1e15 {
            return Err(self.bad_return("now", format!("now() returned {seconds}")));
        }
        let whole = seconds.floor();
        Ok(Timestamp {
            seconds: whole as i64,
            nanos: (((seconds - whole) * 1e9) as u32).min(999_999_999),
        })
    }

    fn random_u64(&self) -> Result<u64, HostError> {
        let Some(v) = self.call("random", &JsValue::UNDEFINED)? else {
            return Err(HostError::Unavailable("randomness"));
        };
        if let Some(n) = v.as_f64() {
            if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n < 18_446_744_073_709_551_616.0 {
                return Ok(n as u64);
            }
        } else if v.is_bigint() {
            let text = v
                .unchecked_ref::<js_sys::BigInt>()
                .to_string(10)
                .ok()
                .map(String::from);
            if let Some(u) = text.and_then(|t| t.parse::<u64>().ok()) {
                return Ok(u);
            }
        }
        Err(self.bad_return(
            "random",
            "random() must return a non-negative integer (number or bigint)".into(),
        ))
    }

    fn context_entry(
        &self,
        request: &ContextRequest<'_>,
    ) -> Result<Option<serde_json::Value>, HostError> {
        let arg = serde_json::json!({
            "policy": request.policy,
            "rule": request.rule,
            "name": request.name,
            "entry": request.entry,
        });
        let arg = crate::convert::to_js(&arg)
            .map_err(|e| HostError::Failed(format!("cannot pass the context request: {e}")))?;
        let Some(v) = self.call("context", &arg)? else {
            return Ok(None);
        };
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        crate::convert::from_js(&v).map(Some).map_err(|e| {
            self.bad_return(
                "context",
                format!("context() returned an unusable value: {e}"),
            )
        })
    }
}
