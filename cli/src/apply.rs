//! `verno apply`: apply policies to resources and print like `kyverno apply`.

use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;
use verno::report::{merged_reports, ReportFormat, ReportInput, ReportOptions};
use verno::resource::{Request, ResourceMeta};
use verno::response::RuleStatus;
use verno::PolicySet;

use crate::fixtures;

#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub policies: Vec<PathBuf>,
    /// PolicyException files (`--exception`).
    pub exceptions: Vec<PathBuf>,
    /// Directory for mutated resources (`-o DIR`); stdout when `None`.
    pub output: Option<PathBuf>,
    pub resources: Vec<PathBuf>,
    pub policy_report: bool,
    pub audit_warn: bool,
    pub openreports: bool,
    pub output_json: bool,
    /// Seconds since the epoch for report timestamps (the CLI's clock).
    pub now: i64,
}

/// Counts printed at the end (`processor.ResultCounts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub error: usize,
    pub skip: usize,
}

/// `printOutput`: the mutated resource after each mutate policy, on stdout
/// or appended to `<DIR>/<resource>-mutated.yaml` with `-o DIR`.
fn print_mutated(
    out: &mut dyn Write,
    opts: &ApplyOptions,
    policy: &str,
    res_path: &str,
    res_name: &str,
    resource: &serde_json::Value,
) -> Result<(), String> {
    let yaml = verno::yaml::to_yaml_string(resource);
    match &opts.output {
        None => write!(
            out,
            "\npolicy {policy} applied to {res_path}:\n{yaml}\n---\n\n\nMutation:\nMutation has been applied successfully."
        )
        .map_err(|e| e.to_string()),
        Some(dir) => {
            use std::io::Write as _;
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = dir.join(format!("{res_name}-mutated.yaml"));
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            write!(f, "{yaml}\n---\n").map_err(|e| format!("{}: {e}", path.display()))
        }
    }
}

/// `printSkippedAndInvalidPolicies`: the policies policy validation refused,
/// each with its name and Kyverno's reason (here also where it is).
fn print_skipped(out: &mut dyn Write, skipped: &[verno::LoadError]) -> Result<(), String> {
    if skipped.is_empty() {
        return Ok(());
    }
    let divider = "-".repeat(70);
    let mut text = format!("{divider}\nPolicies Skipped:\n");
    for (i, e) in skipped.iter().enumerate() {
        let name = e.location().policy.as_deref().unwrap_or("");
        text.push_str(&format!("{}. {name}: {e}\n", i + 1));
    }
    text.push_str(&divider);
    writeln!(out, "{text}").map_err(|e| e.to_string())
}

/// Run `apply`; returns the counts (exit code 1 when fail or error > 0).
pub fn run(opts: &ApplyOptions, out: &mut dyn Write) -> Result<Counts, String> {
    let mut set = PolicySet::default();
    // Policies Kyverno's policy validation refuses: skipped, one error each.
    let mut skipped = Vec::new();
    for p in &opts.policies {
        let text = fixtures::read_text(p)?;
        let file = p.display().to_string();
        let loaded = verno::load::load_text(&text).map_err(|e| e.with_file(&file).to_string())?;
        if loaded.policies.is_empty() && loaded.rejected.is_empty() && loaded.exceptions.is_empty()
        {
            return Err(format!("{file}: no policy found in the file"));
        }
        let compiled =
            PolicySet::compile(loaded.policies).map_err(|e| e.with_file(&file).to_string())?;
        set.policies.extend(compiled.policies);
        set.exceptions.extend(loaded.exceptions);
        skipped.extend(loaded.rejected.into_iter().map(|e| e.with_file(&file)));
    }
    if set.policies.is_empty() && skipped.is_empty() {
        return Err("no policy found in the policy files".into());
    }
    for e in &opts.exceptions {
        let text = fixtures::read_text(e)?;
        set.add_exceptions_yaml(&text)
            .map_err(|err| format!("{}: {err}", e.display()))?;
    }
    let mut resources = Vec::new();
    for r in &opts.resources {
        for (doc, _) in fixtures::read_documents(r)? {
            resources.push(fixtures::normalize_resource(doc));
        }
    }
    let rule_count: usize = set.policies.iter().map(|p| p.rules.len()).sum();
    writeln!(
        out,
        "\nApplying {} policy rule(s) to {} resource(s)...",
        rule_count,
        resources.len()
    )
    .map_err(|e| e.to_string())?;
    let mut counts = Counts::default();
    print_skipped(out, &skipped)?;
    counts.error += skipped.len();
    let mut evals = Vec::new();
    for res in &resources {
        let meta = ResourceMeta::of(res);
        let res_path = format!("{}/{}/{}", meta.namespace, meta.kind, meta.name);
        // Mutate policies in order, each printed with the resource it produced.
        let mut current = res.clone();
        for (i, p) in set.policies.iter().enumerate() {
            if !p.has_mutate() {
                continue;
            }
            let (resp, patched) =
                set.mutate_policy(i, &Request::create(&current), &crate::system::SystemHost);
            if let Some(v) = patched {
                current = v;
            }
            for r in &resp.rules {
                match r.status {
                    RuleStatus::Pass => counts.pass += 1,
                    RuleStatus::Fail => counts.fail += 1,
                    RuleStatus::Skip => counts.skip += 1,
                    RuleStatus::Error => counts.error += 1,
                    RuleStatus::Warn => {}
                }
            }
            print_mutated(out, opts, &resp.policy.name, &res_path, meta.name, &current)?;
        }
        let eval = verno::Evaluation {
            policies: set.validate(&Request::create(&current), &crate::system::SystemHost),
            ..Default::default()
        };
        for pr in &eval.policies {
            let scored = pr
                .policy
                .annotations
                .get("policies.kyverno.io/scored")
                .map(String::as_str)
                != Some("false");
            let audit_warn = opts.audit_warn && !pr.policy.enforce;
            let failed: Vec<_> = pr
                .rules
                .iter()
                .filter(|r| r.status == RuleStatus::Fail)
                .collect();
            for r in &pr.rules {
                match r.status {
                    RuleStatus::Pass => counts.pass += 1,
                    RuleStatus::Fail if !scored || audit_warn => counts.warn += 1,
                    RuleStatus::Fail => counts.fail += 1,
                    RuleStatus::Warn => counts.warn += 1,
                    RuleStatus::Error => counts.error += 1,
                    RuleStatus::Skip => counts.skip += 1,
                }
            }
            if !failed.is_empty() && !opts.policy_report {
                let suffix = if audit_warn {
                    "failed as audit warning:"
                } else {
                    "failed:"
                };
                writeln!(
                    out,
                    "policy {} -> resource {} {}",
                    pr.policy.name, res_path, suffix
                )
                .map_err(|e| e.to_string())?;
                for (i, r) in failed.iter().enumerate() {
                    let msg = if r.message.is_empty() {
                        "validation failed"
                    } else {
                        &r.message
                    };
                    writeln!(out, "{} - {} {}", i + 1, r.name, msg).map_err(|e| e.to_string())?;
                }
            }
        }
        evals.push(eval);
    }
    if opts.policy_report {
        let inputs: Vec<ReportInput<'_>> = resources
            .iter()
            .zip(&evals)
            .map(|(r, e)| ReportInput {
                resource: r,
                responses: &e.policies,
            })
            .collect();
        let ropts = ReportOptions {
            format: if opts.openreports {
                ReportFormat::OpenReports
            } else {
                ReportFormat::WgPolicy
            },
            audit_warn: opts.audit_warn,
            timestamp: Some(verno::host::Timestamp {
                seconds: opts.now,
                nanos: 0,
            }),
        };
        for (i, rep) in merged_reports(&inputs, &ropts).iter().enumerate() {
            if i > 0 {
                writeln!(out, "---").map_err(|e| e.to_string())?;
            }
            let text = if opts.output_json {
                serde_json::to_string(rep).unwrap_or_default()
            } else {
                verno::yaml::to_yaml_string(rep)
            };
            writeln!(out, "{text}").map_err(|e| e.to_string())?;
        }
    }
    writeln!(
        out,
        "\npass: {}, fail: {}, warn: {}, error: {}, skip: {} ",
        counts.pass, counts.fail, counts.warn, counts.error, counts.skip
    )
    .map_err(|e| e.to_string())?;
    let _: Option<Value> = None;
    Ok(counts)
}
