//! `runTest`: a `kyverno test` suite given as file name → text, handed to
//! `verno_test::run_suite` as it is. Only marshalling lives here, plus the
//! browser's clock (the OS clock the runner uses by default does not exist
//! on wasm32-unknown-unknown).

use js_sys::{Array, Map, Object, Reflect};
use serde_json::Value;
use verno::host::{HostError, Timestamp};
use verno_test::{report_json, run_suite, RunOptions};
use wasm_bindgen::{JsCast, JsValue};

use crate::convert::{as_text, to_js, Text};
use crate::error::{describe, input, Failure};

const DEFAULT_FILE_NAME: &str = "kyverno-test.yaml";

/// `time_now()` and `random()` for test suites: the JS clock and
/// `Math.random`, as `verno test` uses the OS's. Context entries are not
/// loaded, as offline in Kyverno's CLI.
struct JsClock;

impl verno::Host for JsClock {
    fn resolves_context_entries(&self) -> bool {
        false
    }

    fn now(&self) -> Result<Timestamp, HostError> {
        let ms = js_sys::Date::now();
        if !ms.is_finite() {
            return Err(HostError::Unavailable("the clock"));
        }
        let seconds = (ms / 1000.0).floor();
        Ok(Timestamp {
            seconds: seconds as i64,
            nanos: (((ms / 1000.0 - seconds) * 1e9) as u32).min(999_999_999),
        })
    }

    fn random_u64(&self) -> Result<u64, HostError> {
        // 53 random bits: all a JS double holds.
        Ok((js_sys::Math::random() * 9_007_199_254_740_992.0) as u64)
    }
}

/// `(name, text)` of each file of an object or a `Map`.
fn suite_files(files: &JsValue) -> Result<Vec<(String, String)>, Failure> {
    const WHAT: &str = "files";
    let entries: Vec<(JsValue, JsValue)> = if let Some(map) = files.dyn_ref::<Map>() {
        let mut out = Vec::with_capacity(map.size() as usize);
        map.for_each(&mut |value, key| out.push((key, value)));
        out
    } else if files.is_object()
        && !files.is_function()
        && !Array::is_array(files)
        && matches!(as_text(files), Ok(Text::NotText))
    {
        let keys = Object::keys(files.unchecked_ref::<Object>());
        let mut out = Vec::with_capacity(keys.length() as usize);
        for key in keys.iter() {
            let value = Reflect::get(files, &key).map_err(|e| {
                let name = key.as_string().unwrap_or_default();
                input(WHAT, format!("reading {name:?} threw: {}", describe(&e)))
            })?;
            out.push((key, value));
        }
        out
    } else {
        return Err(input(
            WHAT,
            "expected an object or a Map of file name -> text",
        ));
    };
    entries
        .into_iter()
        .map(|(name, value)| {
            let Some(name) = name.as_string() else {
                return Err(input(
                    WHAT,
                    format!("file names must be strings, got {}", type_name(&name)),
                ));
            };
            let what = format!("file {name}");
            match as_text(&value).map_err(|e| input(&what, e))? {
                Text::Str(text) => Ok((name, text)),
                Text::NotText => Err(input(
                    &what,
                    format!(
                        "expected a string or UTF-8 bytes, got {}",
                        type_name(&value)
                    ),
                )),
            }
        })
        .collect()
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        return "null".into();
    }
    if Array::is_array(v) {
        return "array".into();
    }
    v.js_typeof().as_string().unwrap_or_default()
}

/// `{strict, fileName}`, defaults filled in; other keys are an error.
fn test_options(options: &JsValue) -> Result<(bool, String), Failure> {
    const WHAT: &str = "test options";
    if options.is_undefined() || options.is_null() {
        return Ok((false, DEFAULT_FILE_NAME.into()));
    }
    if !options.is_object() || options.is_function() || Array::is_array(options) {
        return Err(input(WHAT, "expected an object like {strict, fileName}"));
    }
    for key in Object::keys(options.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if key != "strict" && key != "fileName" {
            return Err(input(
                WHAT,
                format!("unknown key {key:?}, expected \"strict\" or \"fileName\""),
            ));
        }
    }
    let get = |key: &str| Reflect::get(options, &key.into()).map_err(|e| input(WHAT, describe(&e)));
    let strict = get("strict")?;
    let strict = match strict.as_bool() {
        Some(b) => b,
        None if strict.is_undefined() => false,
        None => return Err(input(WHAT, "strict must be a boolean")),
    };
    let file_name = get("fileName")?;
    let file_name = match file_name.as_string() {
        Some(name) if !name.is_empty() => name,
        None if file_name.is_undefined() => DEFAULT_FILE_NAME.into(),
        _ => return Err(input(WHAT, "fileName must be a non-empty string")),
    };
    Ok((strict, file_name))
}

/// Run a suite: one report per test document, as JSON. A suite that cannot
/// be judged at all (no test file, a path above the map's top) is an
/// `InputError`; a test document that cannot run is a report with `error`
/// set, counted as failed.
pub fn run(files: &JsValue, options: &JsValue) -> Result<JsValue, Failure> {
    let files = suite_files(files)?;
    let (strict, file_name) = test_options(options)?;
    let opts = RunOptions {
        strict,
        clock: &JsClock,
    };
    let reports = run_suite(files, &file_name, &opts).map_err(|e| input("files", e.to_string()))?;
    let reports = Value::Array(reports.iter().map(report_json).collect());
    to_js(&reports).map_err(|e| input("result", format!("cannot convert the result: {e}")))
}
