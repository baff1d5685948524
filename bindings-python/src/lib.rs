//! `verno._verno`: the Python extension behind the `verno` package.
//!
//! Thin by design: it converts Python values to `serde_json::Value` and back,
//! calls [`verno::api::Engine`], and turns errors into the exception classes
//! defined in `python/verno/_errors.py`. No policy logic lives here.
//!
//! Evaluation runs with the GIL released (`Python::detach`), so several Python
//! threads can evaluate at once; host callbacks reacquire it.

use std::sync::Mutex;

use pyo3::exceptions::PyException;
use pyo3::gc::{PyTraverseError, PyVisit};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use verno::api::{self, ApiError, ReportRequest, RequestOptions};
use verno::host::{
    ContextRequest, Host, HostError, ImageVerifier, ImageVerifyError, ImageVerifyErrorKind,
    ImageVerifyRequest, Timestamp, VerifiedImage,
};
use verno_test::image_data::ImageData;

/// How deep a Python object may nest. The engine's YAML parser stops at the
/// same depth, so an object and its YAML text are accepted alike; a cyclic
/// dict or list hits it instead of overflowing the stack.
const MAX_DEPTH: usize = 512;

// ---------------------------------------------------------------------------
// Errors

static API_ERROR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static HOST_ERROR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for an engine error, built by `verno._errors` so the
/// class hierarchy and attributes are defined in one readable place.
fn api_err(py: Python<'_>, e: &ApiError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let factory = API_ERROR.import(py, "verno._errors", "_api_error")?;
        let info = to_py(py, &e.to_value())?;
        Ok(PyErr::from_value(factory.call1((info,))?))
    };
    build().unwrap_or_else(|import_failure| import_failure)
}

fn input_err(py: Python<'_>, what: &str, message: impl Into<String>) -> PyErr {
    api_err(
        py,
        &ApiError::Input {
            what: what.to_string(),
            message: message.into(),
        },
    )
}

/// A failed host callback: `verno.HostError` whose `__cause__` is the
/// original exception. Exceptions that are not `Exception`s (KeyboardInterrupt,
/// SystemExit) propagate unchanged, as the caller expects them to.
fn host_err(py: Python<'_>, failure: HostFailure) -> PyErr {
    let HostFailure {
        callback,
        message,
        cause,
    } = failure;
    if !cause.is_instance_of::<PyException>(py) {
        return cause;
    }
    let build = || -> PyResult<PyErr> {
        let factory = HOST_ERROR.import(py, "verno._errors", "_host_error")?;
        let cause_value = cause.clone_ref(py).into_value(py);
        Ok(PyErr::from_value(factory.call1((
            callback,
            message,
            cause_value,
        ))?))
    };
    build().unwrap_or_else(|import_failure| import_failure)
}

// ---------------------------------------------------------------------------
// Python -> JSON

/// A conversion failure, with the JSON pointer of the offending value
/// (built while unwinding, hence reversed).
struct ConvError {
    message: String,
    path: Vec<String>,
}

impl ConvError {
    fn new(message: impl Into<String>) -> Self {
        ConvError {
            message: message.into(),
            path: Vec::new(),
        }
    }

    fn at(mut self, segment: impl Into<String>) -> Self {
        self.path.push(segment.into());
        self
    }

    fn render(&self) -> String {
        if self.path.is_empty() {
            return self.message.clone();
        }
        let mut pointer = String::new();
        for seg in self.path.iter().rev() {
            pointer.push('/');
            // RFC 6901 escaping, so the pointer is unambiguous.
            pointer.push_str(&seg.replace('~', "~0").replace('/', "~1"));
        }
        format!("at {pointer}: {}", self.message)
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

fn py_str(s: &Bound<'_, PyString>) -> Result<String, ConvError> {
    s.to_cow()
        .map(|c| c.into_owned())
        .map_err(|_| ConvError::new("string is not valid Unicode (lone surrogate?)"))
}

/// Convert a Python value (dict, list, tuple, str, int, float, bool, None)
/// to JSON. Anything else is an error naming its type and path.
fn to_json(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, ConvError> {
    if depth > MAX_DEPTH {
        return Err(ConvError::new(format!(
            "nested deeper than {MAX_DEPTH} levels (a cyclic dict or list?)"
        )));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return py_str(s).map(Value::String);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => py_str(s)?,
                Err(_) => {
                    return Err(ConvError::new(format!(
                        "dict keys must be str, got {}",
                        type_name(&k)
                    )))
                }
            };
            let value = to_json(&v, depth + 1).map_err(|e| e.at(key.clone()))?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let mut out = Vec::with_capacity(l.len());
        for (i, v) in l.iter().enumerate() {
            out.push(to_json(&v, depth + 1).map_err(|e| e.at(i.to_string()))?);
        }
        return Ok(Value::Array(out));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: `True` is an int in Python.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(ConvError::new("integer does not fit in 64 bits"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| ConvError::new("NaN and infinity are not valid JSON numbers"));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let mut out = Vec::with_capacity(t.len());
        for (i, v) in t.iter().enumerate() {
            out.push(to_json(&v, depth + 1).map_err(|e| e.at(i.to_string()))?);
        }
        return Ok(Value::Array(out));
    }
    Err(ConvError::new(format!(
        "cannot convert {} to JSON (expected dict, list, tuple, str, int, float, bool or None)",
        type_name(obj)
    )))
}

/// A Python argument as JSON; conversion failures are `InputError`s naming
/// the argument.
fn arg_json(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_json(obj, 0).map_err(|e| input_err(py, what, e.render()))
}

/// Text arguments: `str` as is, `bytes` decoded as UTF-8. `None` for any
/// other type (then it is a native object).
fn arg_text(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return py_str(s)
            .map(Some)
            .map_err(|e| input_err(py, what, e.render()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return String::from_utf8(b.as_bytes().to_vec())
            .map(Some)
            .map_err(|e| input_err(py, what, format!("bytes are not valid UTF-8: {e}")));
    }
    Ok(None)
}

/// A resource argument: text is parsed later, without the GIL.
enum Resource {
    Text(String),
    Object(Value),
}

impl Resource {
    fn from_py(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Resource> {
        Ok(match arg_text(py, what, obj)? {
            Some(t) => Resource::Text(t),
            None => Resource::Object(arg_json(py, what, obj)?),
        })
    }

    fn into_value(self, what: &str) -> Result<Value, ApiError> {
        match self {
            Resource::Object(v) => Ok(v),
            Resource::Text(t) => api::parse_resource(&t).map_err(|e| match e {
                // parse_resource names its argument "resource"; keep the caller's name.
                ApiError::Input { message, .. } => ApiError::Input {
                    what: what.to_string(),
                    message,
                },
                other => other,
            }),
        }
    }
}

fn options_json(py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    match options {
        None => Ok(Value::Null),
        Some(o) => arg_json(py, "options", o),
    }
}

// ---------------------------------------------------------------------------
// JSON -> Python

fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, item) in m {
                dict.set_item(k, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

// ---------------------------------------------------------------------------
// Host callbacks

/// The first exception a host callback raised during one engine call.
struct HostFailure {
    callback: &'static str,
    message: String,
    cause: PyErr,
}

/// [`verno::Host`] backed by a Python object's optional `context`, `now`,
/// `random` and `verify_image` members (attributes, or keys when the host is
/// a dict) and its `image_data` fixtures.
struct PyHost {
    context: Option<Py<PyAny>>,
    now: Option<Py<PyAny>>,
    random: Option<Py<PyAny>>,
    verify_image: Option<Py<PyAny>>,
    image_data: Option<ImageData>,
    failure: Mutex<Option<HostFailure>>,
}

impl PyHost {
    fn new(py: Python<'_>, host: Option<&Bound<'_, PyAny>>) -> PyResult<PyHost> {
        let mut h = PyHost {
            context: None,
            now: None,
            random: None,
            verify_image: None,
            image_data: None,
            failure: Mutex::new(None),
        };
        let Some(host) = host.filter(|h| !h.is_none()) else {
            return Ok(h);
        };
        let member = |name: &str| -> PyResult<Option<Py<PyAny>>> {
            let found = if let Ok(d) = host.cast::<PyDict>() {
                d.get_item(name)?
            } else {
                host.getattr_opt(name)?
            };
            match found {
                Some(f) if f.is_none() => Ok(None),
                Some(f) if f.is_callable() => Ok(Some(f.unbind())),
                Some(f) => Err(input_err(
                    py,
                    "host",
                    format!("host.{name} must be callable, got {}", type_name(&f)),
                )),
                None => Ok(None),
            }
        };
        h.context = member("context")?;
        h.now = member("now")?;
        h.random = member("random")?;
        h.verify_image = member("verify_image")?;
        let data = if let Ok(d) = host.cast::<PyDict>() {
            d.get_item("image_data")?
        } else {
            host.getattr_opt("image_data")?
        };
        if let Some(data) = data.filter(|d| !d.is_none()) {
            h.image_data = Some(image_data(py, &data)?);
        }
        Ok(h)
    }

    /// Remember the first failure (later ones are usually consequences) and
    /// give the engine a message naming the callback.
    fn fail(&self, callback: &'static str, cause: PyErr, py: Python<'_>) -> HostError {
        let text = cause
            .value(py)
            .str()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let class = cause
            .get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "Exception".to_string());
        let message = format!("host callback {callback}() raised {class}: {text}");
        if let Ok(mut slot) = self.failure.lock() {
            if slot.is_none() {
                *slot = Some(HostFailure {
                    callback,
                    message: message.clone(),
                    cause,
                });
            }
        }
        HostError::Failed(message)
    }

    fn take_failure(&self) -> Option<HostFailure> {
        self.failure.lock().ok().and_then(|mut s| s.take())
    }
}

/// `image_data`: the `--image-data` fixture format as a dict or as YAML/JSON
/// text; a malformed one is an `InputError` naming the field.
fn image_data(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<ImageData> {
    let bad = |m: String| input_err(py, "host.image_data", m);
    let docs = match arg_text(py, "host.image_data", data)? {
        Some(text) => verno::unstable::load::documents(&text)
            .map_err(|e| bad(e.to_string()))?
            .into_iter()
            .map(|(v, _)| v)
            .collect(),
        None => vec![arg_json(py, "host.image_data", data)?],
    };
    if docs.is_empty() {
        return Err(bad("no document".to_string()));
    }
    let mut all = Vec::new();
    for doc in docs {
        ImageData::parse(&doc).map_err(bad)?;
        all.push(doc);
    }
    // One fixture from every document, in order: the first matching entry answers.
    let images: Vec<Value> = all
        .iter()
        .filter_map(|d| d.get("images").and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect();
    ImageData::parse(&serde_json::json!({ "images": images })).map_err(bad)
}

/// A `now()` result: seconds since the epoch (int or float) or anything with
/// a `timestamp()` method (datetime).
fn timestamp(v: &Bound<'_, PyAny>) -> PyResult<Timestamp> {
    if v.cast::<PyInt>().is_ok() && v.cast::<PyBool>().is_err() {
        return Ok(Timestamp {
            seconds: v.extract::<i64>()?,
            nanos: 0,
        });
    }
    let secs = if let Ok(f) = v.cast::<PyFloat>() {
        f.value()
    } else if let Some(ts) = v.getattr_opt("timestamp")? {
        ts.call0()?.extract::<f64>()?
    } else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "now() must return seconds since the epoch (int or float) or a datetime, got {}",
            type_name(v)
        )));
    };
    // i64 seconds cover ±292 billion years; outside that (or NaN) is a bug in the host.
    if !secs.is_finite() || secs.abs() > 9.0e18 {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "now() returned {secs}, not a usable time"
        )));
    }
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).clamp(0.0, 999_999_999.0) as u32;
    Ok(Timestamp {
        seconds: whole as i64,
        nanos,
    })
}

impl Host for PyHost {
    fn now(&self) -> Result<Timestamp, HostError> {
        let Some(f) = &self.now else {
            return Err(HostError::Unavailable("the clock"));
        };
        Python::attach(|py| {
            f.bind(py)
                .call0()
                .and_then(|v| timestamp(&v))
                .map_err(|e| self.fail("now", e, py))
        })
    }

    fn random_u64(&self) -> Result<u64, HostError> {
        let Some(f) = &self.random else {
            return Err(HostError::Unavailable("randomness"));
        };
        Python::attach(|py| {
            f.bind(py)
                .call0()
                .and_then(|v| v.extract::<u64>())
                .map_err(|e| self.fail("random", e, py))
        })
    }

    fn image_verifier(&self) -> Option<&dyn ImageVerifier> {
        if self.verify_image.is_some() || self.image_data.is_some() {
            Some(self)
        } else {
            None
        }
    }

    fn context_entry(&self, request: &ContextRequest<'_>) -> Result<Option<Value>, HostError> {
        let Some(f) = &self.context else {
            return Ok(None);
        };
        Python::attach(|py| {
            let call = || -> PyResult<Option<Value>> {
                let req = PyDict::new(py);
                req.set_item("policy", request.policy)?;
                req.set_item("rule", request.rule)?;
                req.set_item("name", request.name)?;
                req.set_item("entry", to_py(py, request.entry)?)?;
                let out = f.bind(py).call1((req,))?;
                if out.is_none() {
                    return Ok(None);
                }
                let v = to_json(&out, 0).map_err(|e| {
                    input_err(
                        py,
                        "context() result",
                        format!(
                            "context() returned a value verno cannot use: {}",
                            e.render()
                        ),
                    )
                })?;
                Ok(Some(v))
            };
            call().map_err(|e| self.fail("context", e, py))
        })
    }
}

/// `verify_image(request)` first, else the `image_data` fixtures. An
/// exception in the callback is an `error` result (Kyverno's verdict for a
/// verifier that fails), never a pass and never a raised `HostError`.
impl ImageVerifier for PyHost {
    fn verify(&self, request: &ImageVerifyRequest) -> Result<VerifiedImage, ImageVerifyError> {
        let Some(f) = &self.verify_image else {
            return match &self.image_data {
                Some(data) => data.verify(request),
                None => Err(ImageVerifyError {
                    kind: ImageVerifyErrorKind::Unavailable,
                    message: "the host has no image verifier".to_string(),
                }),
            };
        };
        Python::attach(|py| {
            let call = || -> PyResult<Value> {
                let req = to_py(py, &api::image_request_to_value(request))?;
                let out = f.bind(py).call1((req,))?;
                to_json(&out, 0).map_err(|e| input_err(py, "verify_image() result", e.render()))
            };
            match call() {
                Ok(answer) => api::image_answer_from_value(&answer),
                Err(e) => {
                    let text = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
                    let class = e
                        .get_type(py)
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_else(|_| "Exception".to_string());
                    Err(ImageVerifyError {
                        kind: ImageVerifyErrorKind::Unavailable,
                        message: format!("host callback verify_image() raised {class}: {text}"),
                    })
                }
            }
        })
    }
}

// ---------------------------------------------------------------------------
// The Engine class

/// A compiled policy set. Immutable and thread-safe: compile once, call from
/// any thread.
///
/// ``Engine(policies, host=None)``: ``policies`` is YAML/JSON text (``str`` or
/// UTF-8 ``bytes``, multi-document), a policy dict, or a list of them.
/// ``host`` is the default host for every call (see the README).
#[pyclass(frozen, module = "verno")]
struct Engine {
    inner: api::Engine,
    host: Option<Py<PyAny>>,
}

/// Run an engine call without the GIL, then surface a host failure (first)
/// or the engine's error as Python exceptions.
fn run<T: Send>(
    py: Python<'_>,
    host: &PyHost,
    f: impl FnOnce(&PyHost) -> Result<T, ApiError> + Send,
) -> PyResult<T> {
    let out = py.detach(|| f(host));
    if let Some(failure) = host.take_failure() {
        return Err(host_err(py, failure));
    }
    out.map_err(|e| api_err(py, &e))
}

impl Engine {
    fn host<'py>(&self, py: Python<'py>, host: Option<&Bound<'py, PyAny>>) -> PyResult<PyHost> {
        match host {
            Some(h) => PyHost::new(py, Some(h)),
            None => PyHost::new(py, self.host.as_ref().map(|h| h.bind(py))),
        }
    }

    /// The shared body of validate/mutate/evaluate.
    fn call<'py>(
        &self,
        py: Python<'py>,
        resource: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
        host: Option<&Bound<'py, PyAny>>,
        method: fn(&api::Engine, &Value, &RequestOptions, &dyn Host) -> Result<Value, ApiError>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let resource = Resource::from_py(py, "resource", resource)?;
        let options = options_json(py, options)?;
        let host = self.host(py, host)?;
        let inner = &self.inner;
        let out = run(py, &host, |h| {
            let options = RequestOptions::from_value(&options)?;
            let resource = resource.into_value("resource")?;
            method(inner, &resource, &options, h)
        })?;
        to_py(py, &out)
    }
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (policies, host = None))]
    fn new(
        py: Python<'_>,
        policies: &Bound<'_, PyAny>,
        host: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Engine> {
        let inner = match arg_text(py, "policies", policies)? {
            Some(text) => py.detach(|| api::Engine::from_yaml(&text)),
            None => {
                let value = arg_json(py, "policies", policies)?;
                py.detach(|| api::Engine::from_value(value))
            }
        }
        .map_err(|e| api_err(py, &e))?;
        // Check the host's members now, so a typo fails at construction.
        let host = host.filter(|h| !h.is_none());
        PyHost::new(py, host)?;
        Ok(Engine {
            inner,
            host: host.map(|h| h.clone().unbind()),
        })
    }

    /// Compile policies from YAML/JSON text (same as ``Engine(text)``).
    #[staticmethod]
    #[pyo3(signature = (text, host = None))]
    fn from_yaml(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        host: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Engine> {
        if arg_text(py, "policies", text)?.is_none() {
            return Err(input_err(
                py,
                "policies",
                format!("from_yaml expects str or bytes, got {}", type_name(text)),
            ));
        }
        Engine::new(py, text, host)
    }

    /// The loaded policies: ``[{name, namespace, kind, rules: [{name, type}]}]``.
    fn policies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.policies())
    }

    /// Validate rules only. Returns ``{allowed, message, results}``.
    #[pyo3(signature = (resource, options = None, *, host = None))]
    fn validate<'py>(
        &self,
        py: Python<'py>,
        resource: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
        host: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, resource, options, host, api::Engine::validate)
    }

    /// Mutate rules only. Returns ``{resource, patched, patch, results}``.
    #[pyo3(signature = (resource, options = None, *, host = None))]
    fn mutate<'py>(
        &self,
        py: Python<'py>,
        resource: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
        host: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, resource, options, host, api::Engine::mutate)
    }

    /// Mutate, validate, generate. Returns ``{allowed, message, resource,
    /// patched, patch, results, generated}``.
    #[pyo3(signature = (resource, options = None, *, host = None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        resource: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
        host: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.call(py, resource, options, host, api::Engine::evaluate)
    }

    /// Answer an ``admission.k8s.io/v1`` AdmissionReview (dict or text).
    #[pyo3(signature = (review, options = None, *, host = None))]
    fn admit<'py>(
        &self,
        py: Python<'py>,
        review: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
        host: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let review = match arg_text(py, "admission review", review)? {
            // A review is not a resource (no `kind` check), so parse it as
            // plain JSON/YAML via the policy loader's parser.
            Some(text) => verno::unstable::yaml::parse_value(&text)
                .map_err(|e| input_err(py, "admission review", e.to_string()))?,
            None => arg_json(py, "admission review", review)?,
        };
        let options = options_json(py, options)?;
        let host = self.host(py, host)?;
        let inner = &self.inner;
        let out = run(py, &host, |h| {
            let options = RequestOptions::from_value(&options)?;
            inner.admit(&review, &options, h)
        })?;
        to_py(py, &out)
    }

    /// Policy reports for existing resources (a list of dicts or texts).
    /// Returns a list of report objects.
    #[pyo3(signature = (resources, options = None, *, host = None))]
    fn report<'py>(
        &self,
        py: Python<'py>,
        resources: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
        host: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let items: Vec<Bound<'py, PyAny>> = if let Ok(l) = resources.cast::<PyList>() {
            l.iter().collect()
        } else if let Ok(t) = resources.cast::<PyTuple>() {
            t.iter().collect()
        } else {
            return Err(input_err(
                py,
                "resources",
                format!("expected a list of resources, got {}", type_name(resources)),
            ));
        };
        let mut parsed = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            parsed.push(Resource::from_py(py, &format!("resource {i}"), item)?);
        }
        let options = options_json(py, options)?;
        let host = self.host(py, host)?;
        let inner = &self.inner;
        let out = run(py, &host, |h| {
            let options = ReportRequest::from_value(&options)?;
            let values = parsed
                .into_iter()
                .enumerate()
                .map(|(i, r)| r.into_value(&format!("resource {i}")))
                .collect::<Result<Vec<_>, _>>()?;
            inner.report(&values, &options, h)
        })?;
        to_py(py, &Value::Array(out))
    }

    /// Lets the garbage collector see the host, so a host that refers back
    /// to its engine does not keep both alive forever.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(h) = &self.host {
            visit.call(h)?;
        }
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "<verno.Engine with {} policies>",
            self.inner.policy_set().policies().len()
        )
    }
}

/// Run a `kyverno test` suite given as ``{file name: text}`` (the
/// ``kyverno-test.yaml`` files and every policy, resource and values file
/// they name, by the relative paths they use). Returns one report per test
/// document: ``{path, error, passed, failed, rows: [{policy, rule,
/// resource, result, reason, message, ok}], skipped: [{policy, file,
/// error}]}`` (``skipped``: policies policy validation refused). The disk
/// is never read.
#[pyfunction]
#[pyo3(signature = (files, *, strict = false, file_name = "kyverno-test.yaml"))]
fn run_test<'py>(
    py: Python<'py>,
    files: &Bound<'py, PyAny>,
    strict: bool,
    file_name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let Ok(dict) = files.cast::<PyDict>() else {
        return Err(input_err(
            py,
            "files",
            format!(
                "expected a dict of file name -> text, got {}",
                type_name(files)
            ),
        ));
    };
    let mut texts = Vec::with_capacity(dict.len());
    for (name, text) in dict.iter() {
        let Ok(name) = name.cast::<PyString>() else {
            return Err(input_err(
                py,
                "files",
                format!("file names must be str, got {}", type_name(&name)),
            ));
        };
        let name = py_str(name).map_err(|e| input_err(py, "files", e.render()))?;
        let what = format!("file {name}");
        let Some(text) = arg_text(py, &what, &text)? else {
            return Err(input_err(
                py,
                &what,
                format!("expected str or bytes, got {}", type_name(&text)),
            ));
        };
        texts.push((name, text));
    }
    let file_name = file_name.to_string();
    let reports = py.detach(move || {
        let opts = verno_test::RunOptions {
            strict,
            ..verno_test::RunOptions::default()
        };
        verno_test::run_suite(texts, &file_name, &opts)
            .map(|reports| reports.iter().map(verno_test::report_json).collect())
            .map_err(|e| e.to_string())
    });
    match reports {
        Ok(reports) => to_py(py, &Value::Array(reports)),
        Err(message) => Err(input_err(py, "files", message)),
    }
}

// ---------------------------------------------------------------------------
// scan

/// One `scan()` input: text (YAML/JSON, lists unfolded), a dict, or a
/// `pathlib.Path` (a file, or a directory walked recursively).
enum ScanItem {
    Text(String),
    Path(std::path::PathBuf),
}

/// Flatten a `scan()` argument (one item or a list/tuple of items) into
/// texts and paths; dicts become JSON text.
fn scan_items(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<ScanItem>> {
    let list: Vec<Bound<'_, PyAny>> = if let Ok(l) = obj.cast::<PyList>() {
        l.iter().collect()
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        t.iter().collect()
    } else {
        vec![obj.clone()]
    };
    let pathlike = py.import("os")?.getattr("PathLike")?;
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = format!("{what}[{i}]");
        if let Some(text) = arg_text(py, &at, item)? {
            out.push(ScanItem::Text(text));
        } else if item.is_instance(&pathlike)? {
            out.push(ScanItem::Path(item.extract::<std::path::PathBuf>()?));
        } else if item.cast::<PyDict>().is_ok() {
            let v = arg_json(py, &at, item)?;
            out.push(ScanItem::Text(v.to_string()));
        } else {
            return Err(input_err(
                py,
                what,
                format!(
                    "{at}: expected YAML/JSON text, a dict or a pathlib.Path, got {}",
                    type_name(item)
                ),
            ));
        }
    }
    Ok(out)
}

/// Policies compiled for background scans, once: scan as many inputs as
/// you like with them (a worker of a distributed job builds one and scans
/// each partition it is given).
///
/// ``Scanner(policies)``: the ``policies`` argument of :func:`scan`.
#[pyclass(frozen, module = "verno")]
struct Scanner {
    policies: verno_scan::policies::ScanPolicies,
}

/// An error of `Scanner` as (argument, message), raised as `InputError`.
type ScanFailure = (&'static str, String);

/// The `namespaces=` argument: `{name: {label: value}}`.
fn namespace_labels_arg(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
) -> PyResult<verno_scan::judge::NamespaceLabels> {
    let bad = |m: String| input_err(py, "namespaces", m);
    let Value::Object(map) = arg_json(py, "namespaces", obj)? else {
        return Err(bad(format!(
            "expected a dict of namespace name -> labels, got {}",
            type_name(obj)
        )));
    };
    let mut out = verno_scan::judge::NamespaceLabels::new();
    for (ns, labels) in map {
        let Value::Object(labels) = labels else {
            return Err(bad(format!(
                "namespaces[{ns:?}]: expected a dict of labels"
            )));
        };
        let mut kept = std::collections::BTreeMap::new();
        for (k, v) in labels {
            let Value::String(v) = v else {
                return Err(bad(format!(
                    "namespaces[{ns:?}][{k:?}]: a label value must be str"
                )));
            };
            kept.insert(k, v);
        }
        out.insert(ns, kept);
    }
    Ok(out)
}

/// `scan()`'s resource items as the scan crate's inputs.
fn scan_inputs(items: &[ScanItem]) -> Vec<verno_scan::input::Input> {
    use verno_scan::input::Input;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            ScanItem::Text(t) => Input::Text {
                name: format!("resources[{i}]"),
                text: t.as_str().into(),
            },
            ScanItem::Path(p) => Input::Path(p.clone()),
        })
        .collect()
}

impl Scanner {
    /// Compile, without the GIL. A policy Kyverno would refuse is an error.
    fn compile(items: &[ScanItem]) -> Result<Scanner, ScanFailure> {
        use verno_scan::input::Input;
        let input = |m: String| ("policies", m);
        let mut set = verno_scan::policies::ScanPolicies::default();
        // In the caller's order: files of a directory in sorted order, as `verno scan` reads them.
        for (i, item) in items.iter().enumerate() {
            match item {
                ScanItem::Text(t) => set
                    .add_text(&format!("policies[{i}]"), t)
                    .map_err(|e| input(e.to_string()))?,
                ScanItem::Path(p) => {
                    let srcs = verno_scan::input::sources(&[Input::Path(p.clone())])
                        .map_err(|e| input(e.to_string()))?;
                    for src in srcs {
                        let verno_scan::input::Source::File(path) = &src else {
                            continue;
                        };
                        let text =
                            verno_test::input::read_text(path).map_err(|e| input(e.to_string()))?;
                        set.add_text(&src.name(), &text)
                            .map_err(|e| input(e.to_string()))?;
                    }
                }
            }
        }
        if let Some(e) = set.rejected.first() {
            return Err(input(format!("policy refused: {e}")));
        }
        Ok(Scanner { policies: set })
    }

    /// The scan, without the GIL: the reports, or why there are none.
    fn run(
        &self,
        items: &[ScanItem],
        namespaces: Option<&verno_scan::judge::NamespaceLabels>,
        threads: usize,
        format: verno::report::ReportFormat,
        audit_warn: bool,
    ) -> Result<Vec<Value>, ScanFailure> {
        let opts = verno_scan::ScanOptions {
            threads,
            detail: verno_scan::Detail::Results,
            report: verno::report::ReportOptions {
                format,
                audit_warn,
                timestamp: None,
            },
            ..verno_scan::ScanOptions::default()
        };
        let inputs = scan_inputs(items);
        let tally = verno_scan::scan_with_namespaces(
            &self.policies,
            &inputs,
            namespaces,
            &opts,
            &verno::NoHost,
            &|_| {},
        )
        .map_err(|e| ("resources", e.to_string()))?;
        if let Some((origin, why)) = tally.rejected.first() {
            return Err((
                "resources",
                format!(
                    "{} of {} documents rejected; first: {}: {why}",
                    tally.rejected.len(),
                    tally.documents,
                    origin
                ),
            ));
        }
        Ok(verno_scan::output::reports::reports(&tally, format))
    }
}

/// `openreports=True`: openreports.io reports, else wgpolicyk8s.io.
fn report_format(openreports: bool) -> verno::report::ReportFormat {
    if openreports {
        verno::report::ReportFormat::OpenReports
    } else {
        verno::report::ReportFormat::WgPolicy
    }
}

/// The reports of a scan as Python lists, or its failure as `InputError`.
fn scan_out<'py>(
    py: Python<'py>,
    out: Result<Vec<Value>, ScanFailure>,
) -> PyResult<Bound<'py, PyAny>> {
    match out {
        Ok(reports) => to_py(py, &Value::Array(reports)),
        Err((what, message)) => Err(input_err(py, what, message)),
    }
}

#[pymethods]
impl Scanner {
    #[new]
    fn new(py: Python<'_>, policies: &Bound<'_, PyAny>) -> PyResult<Scanner> {
        let items = scan_items(py, "policies", policies)?;
        py.detach(|| Scanner::compile(&items))
            .map_err(|(what, message)| input_err(py, what, message))
    }

    /// The background scan of ``resources``: the reports ``verno scan -o
    /// json`` prints (its ``items``), one per namespace and policy.
    /// ``namespaces`` (``{name: {label: value}}``), when given, are the
    /// namespaces ``namespaceSelector`` is judged by, instead of the
    /// Namespace objects of ``resources``: a partition of a larger dump is
    /// judged as the whole dump would be (see :meth:`namespaces`).
    #[pyo3(signature = (resources, *, namespaces = None, threads = 0, openreports = false, audit_warn = false))]
    fn scan<'py>(
        &self,
        py: Python<'py>,
        resources: &Bound<'py, PyAny>,
        namespaces: Option<&Bound<'py, PyAny>>,
        threads: usize,
        openreports: bool,
        audit_warn: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let items = scan_items(py, "resources", resources)?;
        let known = match namespaces.filter(|n| !n.is_none()) {
            Some(n) => Some(namespace_labels_arg(py, n)?),
            None => None,
        };
        let format = report_format(openreports);
        let out = py.detach(|| self.run(&items, known.as_ref(), threads, format, audit_warn));
        scan_out(py, out)
    }

    /// The labels of the Namespace objects of ``resources``, by name: what
    /// ``namespaceSelector`` sees. Gather them over every partition and pass
    /// them to each partition's :meth:`scan`.
    #[pyo3(signature = (resources, *, threads = 0))]
    fn namespaces<'py>(
        &self,
        py: Python<'py>,
        resources: &Bound<'py, PyAny>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let items = scan_items(py, "resources", resources)?;
        let opts = verno_scan::ScanOptions {
            threads,
            ..verno_scan::ScanOptions::default()
        };
        let out = py.detach(|| verno_scan::namespaces(&scan_inputs(&items), &opts));
        match out {
            Ok(labels) => {
                let v: Map<String, Value> = labels
                    .into_iter()
                    .map(|(ns, l)| {
                        let l = l.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
                        (ns, Value::Object(l))
                    })
                    .collect();
                to_py(py, &Value::Object(v))
            }
            Err(e) => Err(input_err(py, "resources", e.to_string())),
        }
    }

    /// Whether some policy selects namespaces by label: then a partition's
    /// scan needs the whole input's namespaces (:meth:`namespaces`).
    #[getter]
    fn uses_namespace_selector(&self) -> bool {
        self.policies.uses_namespace_selector
    }

    fn __repr__(&self) -> String {
        format!(
            "<verno.Scanner with {} policies>",
            self.policies.set.policies().len() + self.policies.set.vpols().len()
        )
    }
}

/// Kyverno's background scan of `resources` with `policies`, in parallel
/// with the GIL released: the reports `verno scan -o json` prints (its
/// `items`), one per namespace and policy. `Scanner(policies).scan(...)`
/// in one call.
#[pyfunction]
#[pyo3(signature = (policies, resources, *, threads = 0, openreports = false, audit_warn = false))]
fn scan<'py>(
    py: Python<'py>,
    policies: &Bound<'py, PyAny>,
    resources: &Bound<'py, PyAny>,
    threads: usize,
    openreports: bool,
    audit_warn: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let policy_items = scan_items(py, "policies", policies)?;
    let resource_items = scan_items(py, "resources", resources)?;
    let format = report_format(openreports);
    let out = py.detach(|| {
        Scanner::compile(&policy_items)?.run(&resource_items, None, threads, format, audit_warn)
    });
    scan_out(py, out)
}

/// The compiled half of the `verno` package; import `verno` instead.
#[pymodule]
fn _verno(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<Scanner>()?;
    m.add_function(wrap_pyfunction!(run_test, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
