//! Kyverno's `kyverno-test.yaml` runner as a library: the `Test`, `Values`
//! and `UserInfo` formats, the fixture host, judging and `--strict`, over
//! the disk or an in-memory map of files; and the values `kyverno apply`
//! takes (`--values-file`, `--set`: [`values`]). `verno test`, the conformance
//! ratchet, the benchmarks and the bindings all run suites through it.
//!
//! ```no_run
//! use std::path::Path;
//! use verno_test::{files::MemFiles, run::{run_file, RunOptions}};
//!
//! let files = MemFiles::new([("kyverno-test.yaml", String::from("..."))]).unwrap();
//! for report in run_file(&files, Path::new("kyverno-test.yaml"), &RunOptions::default()) {
//!     println!("{} passed, {} failed", report.passed(), report.failed());
//! }
//! ```
pub mod compare;
pub mod error;
pub mod files;
pub mod fixtures;
pub mod global_context;
pub mod image_data;
pub mod input;
pub mod mocks;
pub mod params;
pub mod run;
pub mod suite;
pub mod system;
pub mod testfile;
pub mod tree;
pub mod values;

pub use error::TestError;
pub use files::{DiskFiles, Files, MemFiles};
pub use run::{run_file, Row, RunOptions, SkippedPolicy, TestReport};
pub use suite::{report_json, run_suite, SuiteError};
