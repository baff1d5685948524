//! A whole suite given as a map of file name → text, as the bindings and
//! the playground hand it over: find its test files, run each, and describe
//! the verdicts as JSON.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::files::MemFiles;
use crate::run::{run_file, Row, RunOptions, SkippedPolicy, TestReport};

/// Why a suite given in memory could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A path of the map climbs above its top (`../x`).
    #[error(transparent)]
    Path(#[from] crate::input::InputError),
    /// No file of the map has the test file name: nothing would be judged.
    #[error("no file named {file_name} among the files given")]
    NoTestFile { file_name: String },
}

/// Run every file named `file_name` (in any folder) of `files`, a map of
/// path → text, in path order. Paths inside test files resolve against the
/// test file's folder within the map; the disk is never read.
pub fn run_suite<P: AsRef<Path>>(
    files: impl IntoIterator<Item = (P, String)>,
    file_name: &str,
    opts: &RunOptions<'_>,
) -> Result<Vec<TestReport>, SuiteError> {
    let files = MemFiles::new(files)?;
    let tests: Vec<PathBuf> = files
        .paths()
        .filter(|p| p.file_name().is_some_and(|n| n == file_name))
        .map(Path::to_path_buf)
        .collect();
    if tests.is_empty() {
        return Err(SuiteError::NoTestFile {
            file_name: file_name.to_string(),
        });
    }
    Ok(tests
        .iter()
        .flat_map(|t| run_file(&files, t, opts))
        .collect())
}

/// One report as JSON: `{path, error, passed, failed, rows: [{policy,
/// rule, resource, result, reason, message, ok}], skipped: [{policy, file,
/// error}]}`; `error` is null when the test ran; `skipped` lists the
/// policies policy validation refused.
pub fn report_json(report: &TestReport) -> Value {
    json!({
        "path": report.path.to_string_lossy(),
        "error": report.error.as_ref().map(ToString::to_string),
        "passed": report.passed(),
        "failed": report.failed(),
        "rows": report.rows.iter().map(row_json).collect::<Vec<_>>(),
        "skipped": report.skipped.iter().map(skipped_json).collect::<Vec<_>>(),
    })
}

fn skipped_json(s: &SkippedPolicy) -> Value {
    json!({
        "policy": s.policy,
        "file": s.file.to_string_lossy(),
        "error": s.error.to_string(),
    })
}

fn row_json(row: &Row) -> Value {
    json!({
        "policy": row.policy,
        "rule": row.rule,
        "resource": row.resource,
        "result": row.result,
        "reason": row.reason,
        "message": row.message,
        "ok": row.ok,
    })
}
