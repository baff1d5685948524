//! `runTest`: a `kyverno test` suite given as file name → text, handed to
//! `verno_test::run_suite` as it is. Only marshalling lives here.

use napi::{Env, Result};
use napi_derive::napi;
use serde_json::Value;
use verno_test::{report_json, run_suite, RunOptions};

use crate::convert::ConvError;
use crate::{throw_input, to_text};

/// Run a `kyverno test` suite: `names[i]` holds the text `texts[i]` (`lib.js`
/// checks and decodes the user's object or Map). One report per test
/// document, as JSON text: `[{path, error, passed, failed, rows, skipped}]`.
#[napi(
    ts_args_type = "names: Array<string>, texts: Array<string>, strict: boolean, fileName: string"
)]
pub fn run_test(
    env: Env,
    names: Vec<String>,
    texts: Vec<String>,
    strict: bool,
    file_name: String,
) -> Result<String> {
    if names.len() != texts.len() {
        let detail = format!("{} names for {} texts", names.len(), texts.len());
        return Err(throw_input(&env, "files", ConvError::new(detail)));
    }
    let opts = RunOptions {
        strict,
        ..RunOptions::default()
    };
    // A map without a test file, or with a path above its top, cannot be
    // judged at all: an InputError, as in the Python binding. A test file
    // that cannot run is a report with `error` set (and counted as failed).
    let reports = run_suite(names.into_iter().zip(texts), &file_name, &opts)
        .map_err(|e| throw_input(&env, "files", ConvError::new(e.to_string())))?;
    to_text(&Value::Array(reports.iter().map(report_json).collect()))
}
