//! The conformance ratchet: which upstream `kyverno-test.yaml` suites pass
//! under `verno test --strict`, judged exactly as `shared/tools/suites-passing`
//! judges them (at least one row, no failed row).

use std::path::{Path, PathBuf};

use verno_test::run::{self, RunOptions};
use verno_test::DiskFiles;

/// The test file name `kyverno test` looks for.
const TEST_FILE: &str = "kyverno-test.yaml";

/// `../shared/corpus/kyverno-policies`, beside the repository.
pub fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/kyverno-policies")
}

/// Every suite folder (the folder holding `.kyverno-test/`), relative to the
/// corpus root; none when the corpus cannot be searched.
pub fn all_suites(root: &Path) -> Vec<String> {
    run::discover(root, TEST_FILE)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .is_some_and(|n| n == ".kyverno-test")
        })
        .filter_map(|p| {
            let suite = p.parent()?.parent()?;
            Some(
                suite
                    .strip_prefix(root)
                    .ok()?
                    .to_string_lossy()
                    .into_owned(),
            )
        })
        .collect()
}

/// Does the suite pass under `--strict`?
pub fn suite_passes(root: &Path, suite: &str) -> bool {
    let dir = root.join(suite);
    let opts = RunOptions {
        strict: true,
        ..RunOptions::default()
    };
    // A suite that cannot be searched, or read within its own folder, does
    // not pass.
    let (Ok(tests), Ok(files)) = (run::discover(&dir, TEST_FILE), DiskFiles::confined(&dir)) else {
        return false;
    };
    let (mut passed, mut failed) = (0, 0);
    for f in tests {
        for report in run::run_file(&files, &f, &opts) {
            passed += report.passed();
            failed += report.failed();
        }
    }
    passed >= 1 && failed == 0
}

/// The ratchet list: one suite per line, `#` comments allowed.
pub fn listed(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}
