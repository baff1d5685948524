//! `verno scan`: flags, files and the terminal around [`verno_scan`].

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use verno::report::{ReportFormat, ReportOptions};
use verno_scan::input::Input;
use verno_scan::output::{compliance, junit, reports, sarif, table};
use verno_scan::policies::ScanPolicies;
use verno_scan::{Detail, ScanOptions, Tally};

/// `verno scan` (a verno addition): Kyverno's background scan over dumps.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Policy files or directories.
    #[arg(required = true)]
    pub policies: Vec<PathBuf>,
    /// Resource dumps: files, directories (walked recursively, sorted) or
    /// `-` for stdin.
    #[arg(short = 'r', long = "resources", alias = "resource")]
    pub resources: Vec<String>,
    /// NAME=INPUT: scan INPUT as cluster NAME and print the compliance view
    /// across clusters (repeat for several clusters or inputs).
    #[arg(long = "cluster", value_name = "NAME=INPUT")]
    pub clusters: Vec<String>,
    /// Output: table (kubectl get policyreports -A), yaml, json, junit or
    /// sarif; with --cluster: table or json.
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
    /// Reports in the `openreports.io/v1alpha1` API instead of
    /// `wgpolicyk8s.io/v1alpha2`.
    #[arg(long)]
    pub openreports: bool,
    /// Report failures of Audit policies as warnings.
    #[arg(long)]
    pub audit_warn: bool,
    /// Exit code when warnings are found and no failure or error, as in
    /// `kyverno apply`.
    #[arg(long, value_name = "N")]
    pub warn_exit_code: Option<u8>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// The largest document read, in bytes; a larger one is rejected
    /// (skipped to the next `---`) without being held in memory.
    #[arg(long, value_name = "BYTES", default_value_t = verno_scan::input::DEFAULT_MAX_DOCUMENT_BYTES)]
    pub max_document_bytes: usize,
}

/// `verno scan --help`'s description.
pub const SCAN_ABOUT: &str = "\
Scan resource dumps as Kyverno's background scan would (a verno addition).

Inputs are `kubectl get ... -o yaml|json` dumps (Lists, nested too),
multi-document YAML and JSON (JSON Lines too), directories walked
recursively in sorted order, or `-` for stdin. Namespace objects in the
input give the labels `namespaceSelector` reads.

Only policies that run in the background are used (spec.background not
false, no user-info variables or user matching; ValidatingPolicies with
evaluation.background.enabled not false); each resource is judged as a
CREATE with no user info, validate rules only. Enforce and Audit both count.

The default output is the table `kubectl get policyreports -A` prints for
Kyverno's per-policy reports (cpol-<policy>, pol-<policy>); AGE is
<unknown> because reports made offline have no creation time in a cluster.
-o yaml|json prints those reports; -o junit one test case per policy, rule
and resource; -o sarif SARIF 2.1.0 for code scanning.

The exit code is 1 when a rule fails or errors, a document cannot be
judged, or a policy is refused; --warn-exit-code N when only warnings are
found. Report timestamps come from SOURCE_DATE_EPOCH when it is set (for
reproducible output), else from the clock. A summary goes to stderr.";

fn now() -> i64 {
    if let Some(s) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        return s;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The progress bar goes to a terminal only: never into a pipe, a file or
/// a CI log.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    Some(bar)
}

/// The clusters of `--cluster NAME=INPUT`, in order of first mention.
fn clusters(args: &[String]) -> Result<Vec<(String, Vec<Input>)>, String> {
    let mut out: Vec<(String, Vec<Input>)> = Vec::new();
    for a in args {
        let Some((name, input)) = a.split_once('=') else {
            return Err(format!("--cluster {a:?}: expected NAME=INPUT"));
        };
        if name.is_empty() || input.is_empty() {
            return Err(format!("--cluster {a:?}: expected NAME=INPUT"));
        }
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, inputs)) => inputs.push(Input::parse(input)),
            None => out.push((name.to_string(), vec![Input::parse(input)])),
        }
    }
    Ok(out)
}

fn summary(label: &str, t: &Tally, err: &mut dyn Write) {
    for (origin, why) in &t.rejected {
        let _ = writeln!(err, "rejected: {origin}: {why}");
    }
    let _ = writeln!(
        err,
        "{label}{} documents read, {} resources evaluated, {} rejected; pass: {}, fail: {}, warn: {}, error: {}, skip: {}",
        t.documents,
        t.resources,
        t.rejected.len(),
        t.totals.pass,
        t.totals.fail,
        t.totals.warn,
        t.totals.error,
        t.totals.skip
    );
}

fn run_scan(
    policies: &ScanPolicies,
    inputs: &[Input],
    opts: &ScanOptions,
) -> Result<Tally, String> {
    let bar = progress_bar();
    let tick = |n: usize| {
        if let Some(b) = &bar {
            b.set_message(format!("{n} resources judged"));
            b.tick();
        }
    };
    let out = verno_scan::scan(policies, inputs, opts, &verno_cli_host(), &tick);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out.map_err(|e| e.to_string())
}

fn verno_cli_host() -> crate::system::SystemHost {
    crate::system::SystemHost
}

/// Run `verno scan`, writing the output to `out` and the summary to `err`.
pub fn run(args: &ScanArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    match try_run(args, out, err) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "Error: {e}");
            ExitCode::from(1)
        }
    }
}

fn try_run(args: &ScanArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitCode, String> {
    let cluster_mode = !args.clusters.is_empty();
    let format = args.output.as_str();
    let allowed: &[&str] = if cluster_mode {
        &["table", "json"]
    } else {
        &["table", "yaml", "json", "junit", "sarif"]
    };
    if !allowed.contains(&format) {
        return Err(format!(
            "unknown output {format:?}{}: expected one of {}",
            if cluster_mode { " with --cluster" } else { "" },
            allowed.join(", ")
        ));
    }
    if cluster_mode != args.resources.is_empty() {
        return Err("give either --resources or --cluster".into());
    }
    let policies = verno_scan::load_policies(&args.policies).map_err(|e| e.to_string())?;
    for x in &policies.excluded {
        let _ = writeln!(
            err,
            "skipped policy {} ({}): not run in the background: {}",
            x.policy, x.file, x.reason
        );
    }
    for e in &policies.rejected {
        let _ = writeln!(err, "policy refused: {e}");
    }
    if policies.is_empty() && policies.rejected.is_empty() {
        return Err("no policy runs in the background in the policy files".into());
    }
    let opts = ScanOptions {
        threads: args.threads,
        detail: if format == "table" || cluster_mode {
            Detail::Counts
        } else {
            Detail::Results
        },
        report: ReportOptions {
            format: if args.openreports {
                ReportFormat::OpenReports
            } else {
                ReportFormat::WgPolicy
            },
            audit_warn: args.audit_warn,
            timestamp: Some(verno::host::Timestamp {
                seconds: now(),
                nanos: 0,
            }),
        },
        max_document_bytes: args.max_document_bytes,
        ..ScanOptions::default()
    };
    let mut tallies = Vec::new();
    if cluster_mode {
        for (name, inputs) in clusters(&args.clusters)? {
            let t = run_scan(&policies, &inputs, &opts)?;
            summary(&format!("cluster {name}: "), &t, err);
            tallies.push((name, t));
        }
        let text = match format {
            "json" => {
                let mut s = serde_json::to_string_pretty(&compliance::to_value(&tallies))
                    .unwrap_or_default();
                s.push('\n');
                s
            }
            _ => table::compliance_table(&tallies),
        };
        out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    } else {
        let inputs: Vec<Input> = args.resources.iter().map(|r| Input::parse(r)).collect();
        let t = run_scan(&policies, &inputs, &opts)?;
        summary("", &t, err);
        let text = match format {
            "yaml" => reports::to_yaml(&reports::reports(&t, opts.report.format)),
            "json" => reports::to_json(reports::reports(&t, opts.report.format)),
            "junit" => junit::junit(&t),
            "sarif" => {
                let mut s =
                    serde_json::to_string_pretty(&sarif::sarif(&t, env!("CARGO_PKG_VERSION")))
                        .unwrap_or_default();
                s.push('\n');
                s
            }
            _ => table::reports_table(&t),
        };
        out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        tallies.push((String::new(), t));
    }
    let failed = !policies.rejected.is_empty() || tallies.iter().any(|(_, t)| t.failed());
    let warned = tallies.iter().any(|(_, t)| t.totals.warn > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else if let (true, Some(code)) = (warned, args.warn_exit_code) {
        ExitCode::from(code)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_named_twice_scans_both_inputs() {
        let c = clusters(&["a=x".into(), "b=y".into(), "a=-".into()]).unwrap_or_default();
        let names: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(c[0].1, vec![Input::parse("x"), Input::Stdin]);
    }

    #[test]
    fn a_cluster_without_input_is_refused() {
        assert!(clusters(&["a".into()]).is_err());
        assert!(clusters(&["=x".into()]).is_err());
    }
}
