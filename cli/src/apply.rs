//! `verno apply`: apply policies to resources and print like `kyverno apply`.

use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;
use verno::report::{merged_reports, ReportFormat, ReportInput, ReportOptions};
use verno::resource::{Request, ResourceMeta};
use verno::response::RuleStatus;
use verno::PolicySet;

use crate::fixtures;
use crate::output;

#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub policies: Vec<PathBuf>,
    /// PolicyException files (`--exception`).
    pub exceptions: Vec<PathBuf>,
    /// Where mutated resources go (`-o DIR` or `-o FILE.yaml`, see
    /// [`output::plan`]); stdout when `None`.
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

/// `printOutput`: the mutated resource after each mutate policy, on stdout,
/// or with `-o` added to `file_text` (what the resource's file will hold)
/// while stdout only says that the mutation was applied.
fn print_mutated(
    out: &mut dyn Write,
    sink: &output::Sink,
    file_text: &mut String,
    policy: &str,
    res_path: &str,
    resource: &serde_json::Value,
) -> Result<(), String> {
    let yaml = verno::yaml::to_yaml_string(resource);
    match sink {
        output::Sink::Stdout => write!(
            out,
            "\npolicy {policy} applied to {res_path}:\n{yaml}\n---\n\n\nMutation:\nMutation has been applied successfully."
        )
        .map_err(|e| e.to_string()),
        output::Sink::File(_) | output::Sink::Dir { .. } => {
            file_text.push_str(&yaml);
            file_text.push_str("\n---\n\n");
            write!(out, "\n\nMutation:\nMutation has been applied successfully.")
                .map_err(|e| e.to_string())
        }
    }
}

/// Run `apply`; returns the counts (exit code 1 when fail or error > 0).
pub fn run(opts: &ApplyOptions, out: &mut dyn Write) -> Result<Counts, String> {
    let mut loaded = Vec::new();
    let mut inline_exceptions = Vec::new();
    for p in &opts.policies {
        let text = fixtures::read_text(p)?;
        let (ps, exceptions) =
            verno::load::load_all(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        loaded.extend(ps);
        inline_exceptions.extend(exceptions);
    }
    let mut set = PolicySet::compile(loaded).map_err(|e| e.to_string())?;
    set.exceptions = inline_exceptions;
    for e in &opts.exceptions {
        let text = fixtures::read_text(e)?;
        set.add_exceptions_yaml(&text)
            .map_err(|err| format!("{}: {err}", e.display()))?;
    }
    let mut resources = Vec::new();
    for r in &opts.resources {
        for (doc, _) in fixtures::read_resources(r).map_err(|e| e.to_string())? {
            resources.push(fixtures::normalize_resource(doc));
        }
    }
    let sink = output::plan(opts.output.as_deref(), &resources).map_err(|e| e.to_string())?;
    let rule_count: usize = set.policies.iter().map(|p| p.rules.len()).sum();
    writeln!(
        out,
        "\nApplying {} policy rule(s) to {} resource(s)...",
        rule_count,
        resources.len()
    )
    .map_err(|e| e.to_string())?;
    let mut counts = Counts::default();
    let mut evals = Vec::new();
    for (index, res) in resources.iter().enumerate() {
        let meta = ResourceMeta::of(res);
        let res_path = format!("{}/{}/{}", meta.namespace, meta.kind, meta.name);
        // Mutate policies in order, each printed with the resource it produced.
        let mut current = res.clone();
        let mut file_text = String::new();
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
            print_mutated(
                out,
                &sink,
                &mut file_text,
                &resp.policy.name,
                &res_path,
                &current,
            )?;
        }
        if !file_text.is_empty() {
            sink.write(index, res, &file_text)
                .map_err(|e| e.to_string())?;
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
