//! `verno::Host` backed by a JS object with optional `context`, `now` and
//! `random` methods, called synchronously on the JS thread. `context` goes
//! through `lib.js`'s bridge, so its request and answer cross as JSON text.

use std::ptr;
use std::sync::Mutex;
use std::thread::ThreadId;

use napi::sys;
use serde_json::{json, Value};
use verno::api;
use verno::host::{
    ContextRequest, Host, HostError, ImageVerifier, ImageVerifyError, ImageVerifyErrorKind,
    ImageVerifyRequest, Timestamp, VerifiedImage,
};
use verno_test::image_data::ImageData;

use crate::convert::{self, check, type_of, CResult, ConvError};
use crate::jsontext;

/// A callback that threw (or returned something unusable): re-raised to the
/// caller as a `HostError` once the engine call returns.
pub struct Failure {
    /// `context`, `now` or `random`.
    pub callback: &'static str,
    pub message: String,
    /// The original thrown value, if the callback threw.
    pub cause: Option<sys::napi_value>,
}

/// The host object of one engine call. It holds raw N-API handles, which are
/// only valid on the JS thread during that call; the engine calls the host
/// synchronously on the calling thread, and every method re-checks the thread
/// so a future multi-threaded engine gets an error rather than UB.
pub struct JsHost {
    env: sys::napi_env,
    this: sys::napi_value,
    context: Option<sys::napi_value>,
    now: Option<sys::napi_value>,
    random: Option<sys::napi_value>,
    /// `verifyImage(request)`: answers `verifyImages` checks.
    verify_image: Option<sys::napi_value>,
    /// `imageData`: `--image-data` fixtures (text or object), used when
    /// there is no `verifyImage`.
    image_data: Option<ImageData>,
    /// `lib.js`'s `contextBridge(f, requestJson)`: calls `f` with the parsed
    /// request (`this` = the host) and returns its answer as JSON text,
    /// null, or `{detail, cause}` when the answer is not JSON data.
    bridge: sys::napi_value,
    thread: ThreadId,
    failure: Mutex<Option<Failure>>,
}

// SAFETY: the handles are only dereferenced after checking that the current
// thread is the JS thread that created this value (see `on_js_thread`), and a
// `JsHost` never outlives the N-API call that created it.
unsafe impl Send for JsHost {}
// SAFETY: as above; mutable state is behind a Mutex.
unsafe impl Sync for JsHost {}

impl JsHost {
    /// Read the host object: `undefined`/`null` means no host; otherwise each
    /// of `context`, `now`, `random` must be a function or absent.
    ///
    /// # Safety
    /// `env` must be the live env of the current call and `v`, `bridge`
    /// values in it.
    pub unsafe fn new(
        env: sys::napi_env,
        v: sys::napi_value,
        bridge: sys::napi_value,
    ) -> CResult<JsHost> {
        let mut host = JsHost {
            env,
            this: v,
            context: None,
            now: None,
            random: None,
            verify_image: None,
            image_data: None,
            bridge,
            thread: std::thread::current().id(),
            failure: Mutex::new(None),
        };
        match type_of(env, v)? {
            sys::ValueType::napi_undefined | sys::ValueType::napi_null => return Ok(host),
            sys::ValueType::napi_object => {}
            _ => {
                return Err(ConvError::new(
                    "expected an object with optional context/now/random methods",
                ))
            }
        }
        host.context = member(env, v, c"context", "context")?;
        if host.context.is_some() && type_of(env, bridge)? != sys::ValueType::napi_function {
            return Err(ConvError::new("no context bridge function"));
        }
        host.now = member(env, v, c"now", "now")?;
        host.random = member(env, v, c"random", "random")?;
        host.verify_image = member(env, v, c"verifyImage", "verifyImage")?;
        if host.verify_image.is_some() && type_of(env, bridge)? != sys::ValueType::napi_function {
            return Err(ConvError::new("no context bridge function"));
        }
        host.image_data = image_data(env, v)?;
        Ok(host)
    }

    /// The first failure of a callback during the call, if any.
    pub fn take_failure(&self) -> Option<Failure> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }

    fn on_js_thread(&self) -> Result<(), HostError> {
        if std::thread::current().id() == self.thread {
            Ok(())
        } else {
            Err(HostError::Failed(
                "JS host callbacks can only run on the JS thread".into(),
            ))
        }
    }

    /// Record a failure (the first one wins: it is the root cause) and turn
    /// it into what the engine sees.
    fn fail(&self, callback: &'static str, e: ConvError) -> HostError {
        let message = e.message;
        if let Ok(mut slot) = self.failure.lock() {
            if slot.is_none() {
                *slot = Some(Failure {
                    callback,
                    message: message.clone(),
                    cause: e.cause,
                });
            }
        }
        HostError::Failed(format!("host callback {callback}() failed: {message}"))
    }

    /// Call `f` with `this` = the host object.
    unsafe fn call(
        &self,
        f: sys::napi_value,
        args: &[sys::napi_value],
    ) -> CResult<sys::napi_value> {
        let mut out = ptr::null_mut();
        check(
            self.env,
            sys::napi_call_function(self.env, self.this, f, args.len(), args.as_ptr(), &mut out),
            "the callback",
        )
        .map_err(|mut e| {
            // "the callback threw: boom" -> "boom": the caller names it.
            if e.cause.is_some() {
                e.message = e
                    .message
                    .strip_prefix("the callback threw: ")
                    .unwrap_or(&e.message)
                    .to_string();
            }
            e
        })?;
        Ok(out)
    }

    unsafe fn now_js(&self, f: sys::napi_value) -> CResult<Timestamp> {
        let env = self.env;
        let r = self.call(f, &[])?;
        let mut is_date = false;
        check(env, sys::napi_is_date(env, r, &mut is_date), "napi_is_date")?;
        let secs = if is_date {
            let mut ms = 0f64;
            check(
                env,
                sys::napi_get_date_value(env, r, &mut ms),
                "reading a Date",
            )?;
            ms / 1000.0
        } else if type_of(env, r)? == sys::ValueType::napi_number {
            let mut s = 0f64;
            check(
                env,
                sys::napi_get_value_double(env, r, &mut s),
                "reading a number",
            )?;
            s
        } else {
            return Err(ConvError::new(
                "must return seconds since the epoch (a number) or a Date",
            ));
        };
        // i64 seconds cover far beyond any Date; reject NaN and absurd values.
        if !secs.is_finite() || secs.abs() > 1e15 {
            return Err(ConvError::new(format!("returned an invalid time: {secs}")));
        }
        let whole = secs.floor();
        let nanos = ((secs - whole) * 1e9).round().clamp(0.0, 999_999_999.0);
        Ok(Timestamp {
            seconds: whole as i64,
            nanos: nanos as u32,
        })
    }

    unsafe fn random_js(&self, f: sys::napi_value) -> CResult<u64> {
        let env = self.env;
        let r = self.call(f, &[])?;
        match type_of(env, r)? {
            sys::ValueType::napi_number => {
                let mut x = 0f64;
                check(
                    env,
                    sys::napi_get_value_double(env, r, &mut x),
                    "reading a number",
                )?;
                if x.is_finite()
                    && x >= 0.0
                    && x.fract() == 0.0
                    && x <= 18_446_744_073_709_549_568.0
                {
                    Ok(x as u64)
                } else {
                    Err(ConvError::new(format!(
                        "must return a non-negative integer, got {x}"
                    )))
                }
            }
            sys::ValueType::napi_bigint => {
                let mut x = 0u64;
                let mut lossless = false;
                check(
                    env,
                    sys::napi_get_value_bigint_uint64(env, r, &mut x, &mut lossless),
                    "reading a BigInt",
                )?;
                if lossless {
                    Ok(x)
                } else {
                    Err(ConvError::new("returned a BigInt outside 0..2^64"))
                }
            }
            _ => Err(ConvError::new("must return a non-negative integer")),
        }
    }

    unsafe fn context_js(
        &self,
        f: sys::napi_value,
        req: &ContextRequest<'_>,
    ) -> CResult<Option<Value>> {
        let env = self.env;
        let arg = json!({
            "policy": req.policy,
            "rule": req.rule,
            "name": req.name,
            "entry": req.entry,
        });
        let text = serde_json::to_string(&arg).map_err(|e| ConvError::new(e.to_string()))?;
        let a = convert::create_string(env, &text)?;
        let r = self.call(self.bridge, &[f, a])?;
        match type_of(env, r)? {
            sys::ValueType::napi_undefined | sys::ValueType::napi_null => Ok(None),
            sys::ValueType::napi_string => {
                let text = convert::read_string(env, r)?;
                jsontext::parse(&text)
                    .map(Some)
                    .map_err(|e| ConvError::new(format!("returned unusable data: {e}")))
            }
            // `{detail, cause}`: lib.js could not serialise the answer.
            _ => {
                let mut d = ptr::null_mut();
                check(
                    env,
                    sys::napi_get_named_property(env, r, c"detail".as_ptr(), &mut d),
                    "reading the bridge's answer",
                )?;
                let detail = convert::read_string(env, d)?;
                let mut cause = ptr::null_mut();
                check(
                    env,
                    sys::napi_get_named_property(env, r, c"cause".as_ptr(), &mut cause),
                    "reading the bridge's answer",
                )?;
                let cause =
                    (type_of(env, cause)? != sys::ValueType::napi_undefined).then_some(cause);
                Err(ConvError {
                    message: format!("returned unusable data: {detail}"),
                    cause,
                })
            }
        }
    }
}

/// `host.imageData`: fixture text (YAML/JSON) or a plain object (read
/// through `JSON.stringify`); `None` when absent.
unsafe fn image_data(env: sys::napi_env, host: sys::napi_value) -> CResult<Option<ImageData>> {
    let mut d = ptr::null_mut();
    check(
        env,
        sys::napi_get_named_property(env, host, c"imageData".as_ptr(), &mut d),
        "reading host.imageData",
    )?;
    let text = match type_of(env, d)? {
        sys::ValueType::napi_undefined | sys::ValueType::napi_null => return Ok(None),
        sys::ValueType::napi_string => convert::read_string(env, d)?,
        sys::ValueType::napi_object => {
            let mut global = ptr::null_mut();
            check(
                env,
                sys::napi_get_global(env, &mut global),
                "napi_get_global",
            )?;
            let mut json = ptr::null_mut();
            check(
                env,
                sys::napi_get_named_property(env, global, c"JSON".as_ptr(), &mut json),
                "reading JSON",
            )?;
            let mut stringify = ptr::null_mut();
            check(
                env,
                sys::napi_get_named_property(env, json, c"stringify".as_ptr(), &mut stringify),
                "reading JSON.stringify",
            )?;
            let mut out = ptr::null_mut();
            check(
                env,
                sys::napi_call_function(env, json, stringify, 1, &d, &mut out),
                "host.imageData",
            )?;
            convert::read_string(env, out)?
        }
        _ => {
            return Err(ConvError::new(
                "host.imageData must be YAML/JSON text or an object",
            ))
        }
    };
    parse_image_data(&text)
        .map(Some)
        .map_err(|e| ConvError::new(format!("host.imageData: {e}")))
}

/// Every document's `images`, in order, as one fixture set.
fn parse_image_data(text: &str) -> Result<ImageData, String> {
    let docs = verno::unstable::load::documents(text).map_err(|e| e.to_string())?;
    if docs.is_empty() {
        return Err("no document".into());
    }
    let mut images = Vec::new();
    for (doc, _) in docs {
        ImageData::parse(&doc)?;
        if let Some(list) = doc.get("images").and_then(Value::as_array) {
            images.extend(list.iter().cloned());
        }
    }
    ImageData::parse(&json!({ "images": images }))
}

/// `obj[name]` if it is a function, `None` if absent, an error otherwise.
unsafe fn member(
    env: sys::napi_env,
    obj: sys::napi_value,
    cname: &std::ffi::CStr,
    name: &str,
) -> CResult<Option<sys::napi_value>> {
    let mut f = ptr::null_mut();
    check(
        env,
        sys::napi_get_named_property(env, obj, cname.as_ptr(), &mut f),
        "reading the host",
    )?;
    match type_of(env, f)? {
        sys::ValueType::napi_undefined | sys::ValueType::napi_null => Ok(None),
        sys::ValueType::napi_function => Ok(Some(f)),
        _ => Err(ConvError::new(format!("host.{name} must be a function"))),
    }
}

impl JsHost {
    /// Call `verifyImage` through the bridge; its answer as JSON.
    unsafe fn verify_js(&self, f: sys::napi_value, req: &ImageVerifyRequest) -> CResult<Value> {
        let env = self.env;
        let text = serde_json::to_string(&api::image_request_to_value(req))
            .map_err(|e| ConvError::new(e.to_string()))?;
        let a = convert::create_string(env, &text)?;
        let r = self.call(self.bridge, &[f, a])?;
        match type_of(env, r)? {
            sys::ValueType::napi_string => {
                let text = convert::read_string(env, r)?;
                jsontext::parse(&text).map_err(|e| ConvError::new(e.to_string()))
            }
            sys::ValueType::napi_undefined | sys::ValueType::napi_null => Ok(Value::Null),
            _ => Err(ConvError::new("returned data that is not JSON")),
        }
    }
}

/// `verifyImage(request)` first, else the `imageData` fixtures. A callback
/// that throws gives an `error` result (what Kyverno reports for a failing
/// verifier), never a pass and never a thrown `HostError`.
impl ImageVerifier for JsHost {
    fn verify(&self, request: &ImageVerifyRequest) -> Result<VerifiedImage, ImageVerifyError> {
        let unavailable = |message: String| ImageVerifyError {
            kind: ImageVerifyErrorKind::Unavailable,
            message,
        };
        let Some(f) = self.verify_image else {
            return match &self.image_data {
                Some(data) => data.verify(request),
                None => Err(unavailable("the host has no image verifier".into())),
            };
        };
        self.on_js_thread()
            .map_err(|e| unavailable(e.to_string()))?;
        // SAFETY: on the JS thread, inside the N-API call that built `self`.
        match unsafe { self.verify_js(f, request) } {
            Ok(answer) => api::image_answer_from_value(&answer),
            Err(e) => Err(unavailable(format!(
                "host callback verifyImage() failed: {}",
                e.message
            ))),
        }
    }
}

impl Host for JsHost {
    fn image_verifier(&self) -> Option<&dyn ImageVerifier> {
        if self.verify_image.is_some() || self.image_data.is_some() {
            Some(self)
        } else {
            None
        }
    }

    fn now(&self) -> Result<Timestamp, HostError> {
        self.on_js_thread()?;
        let Some(f) = self.now else {
            return Err(HostError::Unavailable("the clock"));
        };
        // SAFETY: on the JS thread, inside the N-API call that built `self`.
        unsafe { self.now_js(f) }.map_err(|e| self.fail("now", e))
    }

    fn random_u64(&self) -> Result<u64, HostError> {
        self.on_js_thread()?;
        let Some(f) = self.random else {
            return Err(HostError::Unavailable("randomness"));
        };
        // SAFETY: as in `now`.
        unsafe { self.random_js(f) }.map_err(|e| self.fail("random", e))
    }

    fn context_entry(&self, request: &ContextRequest<'_>) -> Result<Option<Value>, HostError> {
        self.on_js_thread()?;
        let Some(f) = self.context else {
            return Ok(None);
        };
        // SAFETY: as in `now`.
        unsafe { self.context_js(f, request) }.map_err(|e| self.fail("context", e))
    }
}
