//! `verno test`: find `kyverno-test.yaml` files, run each through the
//! [`verno_test`] runner (confined to the tree given), and print the results
//! the way `kyverno test` does.

use std::io::Write;
use std::path::{Path, PathBuf};

use verno_test::input::InputError;
use verno_test::run::{self, Row, RunOptions, TestReport};
use verno_test::DiskFiles;

/// How to run and print.
#[derive(Debug, Clone)]
pub struct TestOptions {
    pub file_name: String,
    /// Ours: an `Excluded` row passes only an entry that expects `skip`; a
    /// listed resource name that matches nothing is `Not found`; `kind`
    /// picks among same-named resources.
    pub strict: bool,
    pub detailed_results: bool,
    pub fail_only: bool,
    /// Ours: let test files name files outside the directory given to
    /// `verno test` (by `..`, an absolute path or a symlink).
    pub allow_outside_paths: bool,
    /// `--image-data`: fixtures answering `verifyImages` rules.
    pub image_data: Option<verno_test::image_data::ImageData>,
    /// `--output-format`/`-o`: the results as json, yaml, markdown or junit
    /// instead of the table.
    pub output_format: Option<crate::test_output::Format>,
    /// `--require-tests`: finding no test file is an error.
    pub require_tests: bool,
    /// `--test-case-selector`: which result entries are judged.
    pub selector: crate::selector::Selector,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            file_name: "kyverno-test.yaml".into(),
            strict: false,
            detailed_results: false,
            fail_only: false,
            allow_outside_paths: false,
            image_data: None,
            output_format: None,
            require_tests: false,
            selector: crate::selector::Selector::default(),
        }
    }
}

/// Find every test file below `dir` (hidden folders included), sorted; see
/// [`run::discover`].
pub fn discover(dir: &Path, file_name: &str) -> Result<Vec<PathBuf>, InputError> {
    run::discover(dir, file_name)
}

/// Run every test document of one file. Unless `opts.allow_outside_paths`,
/// every file it reads (the test file, and every policy, resource, values or
/// expected file it names) must lie below `root`, the directory `verno test`
/// was given.
pub fn run_file(path: &Path, root: &Path, opts: &TestOptions) -> Vec<TestReport> {
    let files = if opts.allow_outside_paths {
        DiskFiles::unconfined()
    } else {
        match DiskFiles::confined(root) {
            Ok(files) => files,
            Err(e) => {
                return vec![TestReport {
                    path: path.into(),
                    rows: vec![],
                    error: Some(verno_test::TestError::ReadTest(e)),
                    skipped: vec![],
                }]
            }
        }
    };
    let with_images = opts
        .image_data
        .clone()
        .map(|images| verno_test::system::SystemWithImages { images });
    let run_opts = RunOptions {
        strict: opts.strict,
        clock: match &with_images {
            Some(h) => h,
            None => &verno_test::system::SystemHost,
        },
    };
    run::run_file_selected(&files, path, &run_opts, &|entry| {
        opts.selector.select(entry)
    })
}

/// Kyverno's table printer (`output/table`): one row per result, the
/// `MESSAGE` column only when `detailed`; `verno apply --table` shares it.
pub fn print_table(out: &mut dyn Write, rows: &[&Row], detailed: bool) -> std::io::Result<()> {
    let mut header = vec!["ID", "POLICY", "RULE", "RESOURCE", "RESULT", "REASON"];
    if detailed {
        header.push("MESSAGE");
    }
    let data: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = vec![
                (i + 1).to_string(),
                r.policy.clone(),
                r.rule.clone(),
                r.resource.clone(),
                r.result.to_string(),
                r.reason.clone(),
            ];
            if detailed {
                v.push(r.message.clone());
            }
            v
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &data {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!(" {}{} ", c, " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        format!("│{}│", parts.join("│"))
    };
    let sep: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
    writeln!(out, "│{}│", sep.join("│"))?;
    writeln!(
        out,
        "{}",
        line(&header.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    )?;
    writeln!(out, "│{}│", sep.join("│"))?;
    for row in &data {
        writeln!(out, "{}", line(row))?;
    }
    writeln!(out, "│{}│", sep.join("│"))?;
    Ok(())
}

/// Why `verno test` could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A directory given could not be searched.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Writing the results failed.
    #[error(transparent)]
    Output(#[from] std::io::Error),
    /// `--require-tests` and no test file below the directories given
    /// (Kyverno's message).
    #[error("no tests found")]
    NoTests,
}

/// Run every test below each directory, print like `kyverno test`, and
/// return (passed, failed) row counts.
pub fn run(
    dirs: &[PathBuf],
    opts: &TestOptions,
    out: &mut dyn Write,
) -> Result<(usize, usize), RunError> {
    let (mut passed, mut failed) = (0, 0);
    let mut failed_rows: Vec<Row> = Vec::new();
    let mut found = Vec::new();
    for dir in dirs {
        // A test file given by itself is confined to its own directory.
        let (files, root) = if dir.is_file() {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            (vec![dir.clone()], parent)
        } else {
            (discover(dir, &opts.file_name)?, dir.as_path())
        };
        found.push((dir, files, root));
    }
    // Kyverno stops here, without a summary, when it finds no test file.
    if found.iter().all(|(_, files, _)| files.is_empty()) {
        writeln!(out, "\nNo test yamls available")?;
        return match opts.require_tests {
            true => Err(RunError::NoTests),
            false => Ok((0, 0)),
        };
    }
    for (dir, files, root) in found {
        for f in files {
            for report in run_file(&f, root, opts) {
                let shown = f.strip_prefix(dir).unwrap_or(&f);
                writeln!(out, "Loading test  ( {} ) ...", shown.display())?;
                writeln!(out, "  Loading values/variables ...")?;
                writeln!(out, "  Loading policies ...")?;
                // Kyverno only logs these; a suite not fully judged must say so.
                for s in &report.skipped {
                    writeln!(out, "  Skipping invalid policy {}: {}", s.policy, s.error)?;
                }
                writeln!(out, "  Loading resources ...")?;
                writeln!(out, "  Loading exceptions ...")?;
                if let Some(e) = &report.error {
                    writeln!(out, "  Error: {e}")?;
                }
                writeln!(out, "  Checking results ...")?;
                for r in &report.rows {
                    if let Some(m) = r.message.strip_prefix("unsupported: ") {
                        writeln!(out, "  unsupported: {m}")?;
                    }
                }
                let rows: Vec<&Row> = report
                    .rows
                    .iter()
                    .filter(|r| !opts.fail_only || !r.ok)
                    .collect();
                if !rows.is_empty() && !opts.fail_only {
                    if let Some(format) = opts.output_format {
                        crate::test_output::print(out, format, &rows, opts.detailed_results)?;
                    } else {
                        writeln!(out)?;
                        print_table(out, &rows, opts.detailed_results)?;
                        writeln!(out)?;
                    }
                }
                passed += report.passed();
                failed += report.failed();
                failed_rows.extend(report.rows.iter().filter(|r| !r.ok).cloned());
            }
        }
    }
    if opts.fail_only {
        writeln!(
            out,
            "Test Summary: {} out of {} tests failed",
            failed,
            passed + failed
        )?;
        if !failed_rows.is_empty() {
            let rows = failed_rows.iter().collect::<Vec<_>>();
            if let Some(format) = opts.output_format {
                crate::test_output::print(out, format, &rows, opts.detailed_results)?;
            } else {
                writeln!(out)?;
                print_table(out, &rows, opts.detailed_results)?;
            }
        }
    } else {
        writeln!(
            out,
            "Test Summary: {passed} tests passed and {failed} tests failed"
        )?;
    }
    Ok((passed, failed))
}
