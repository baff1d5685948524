//! `verno apply`: apply policies to resources and print like `kyverno apply`.

use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;
use verno::report::{merged_reports, ReportFormat, ReportInput, ReportOptions};
use verno::resource::{Request, ResourceMeta};
use verno::response::{PolicyResponse, RuleStatus, RuleType};
use verno::PolicySet;

use crate::errtext::shorten_expressions;
use crate::fixtures;
use crate::input;
use crate::output;

#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub policies: Vec<PathBuf>,
    /// PolicyException files (`--exception`).
    pub exceptions: Vec<PathBuf>,
    /// JSON payload files (`--json`).
    pub json: Vec<PathBuf>,
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
/// while stdout only says how the mutation went.
///
/// Kyverno announces "Mutation has been applied successfully." even when a
/// rule failed or ended in error; verno says the mutation failed instead
/// (the rule messages follow in the result lines).
fn print_mutated(
    out: &mut dyn Write,
    sink: &output::Sink,
    file_text: &mut String,
    policy: &PolicyResponse,
    res_path: &str,
    resource: &serde_json::Value,
) -> Result<(), String> {
    let yaml = verno::yaml::to_yaml_string(resource);
    let name = &policy.policy.name;
    let outcome = if policy
        .rules
        .iter()
        .any(|r| matches!(r.status, RuleStatus::Fail | RuleStatus::Error))
    {
        "Mutation failed."
    } else {
        "Mutation has been applied successfully."
    };
    match sink {
        output::Sink::Stdout => write!(
            out,
            "\npolicy {name} applied to {res_path}:\n{yaml}\n---\n\n\nMutation:\n{outcome}"
        )
        .map_err(|e| e.to_string()),
        output::Sink::File(_) | output::Sink::Dir { .. } => {
            file_text.push_str(&yaml);
            file_text.push_str("\n---\n\n");
            write!(out, "\n\nMutation:\n{outcome}").map_err(|e| e.to_string())
        }
    }
}

/// The result lines of one policy response (`kyverno apply`'s default
/// output): skipped and errored mutate rules, then the failed rules. Errored
/// validate rules, which Kyverno does not print at all, get a block of their
/// own in the shape of the failed one, so an `error` is never silent.
fn print_response(
    out: &mut dyn Write,
    opts: &ApplyOptions,
    res_path: &str,
    resp: &PolicyResponse,
) -> std::io::Result<()> {
    let name = &resp.policy.name;
    for r in resp
        .rules
        .iter()
        .filter(|r| r.rule_type == RuleType::Mutation)
    {
        match r.status {
            RuleStatus::Skip => {
                writeln!(out, "\nskipped mutate policy {name} -> resource {res_path}")?
            }
            // Go's Println puts a space on each side of "\nerror: ".
            RuleStatus::Error => writeln!(
                out,
                "\nerror while applying mutate policy {name} -> resource {res_path} \nerror:  {}",
                shorten_expressions(&r.message)
            )?,
            _ => {}
        }
    }
    let failed: Vec<_> = resp
        .rules
        .iter()
        .filter(|r| r.status == RuleStatus::Fail)
        .collect();
    if !failed.is_empty() {
        let suffix = if opts.audit_warn && !resp.policy.enforce {
            "failed as audit warning:"
        } else {
            "failed:"
        };
        writeln!(out, "policy {name} -> resource {res_path} {suffix}")?;
        for (i, r) in failed.iter().enumerate() {
            let msg = if r.message.is_empty() {
                "validation failed"
            } else {
                &r.message
            };
            writeln!(out, "{} - {} {}", i + 1, r.name, msg)?;
        }
    }
    let errored: Vec<_> = resp
        .rules
        .iter()
        .filter(|r| r.status == RuleStatus::Error && r.rule_type != RuleType::Mutation)
        .collect();
    if !errored.is_empty() {
        writeln!(out, "policy {name} -> resource {res_path} error:")?;
        for (i, r) in errored.iter().enumerate() {
            writeln!(
                out,
                "{} - {} {}",
                i + 1,
                r.name,
                shorten_expressions(&r.message)
            )?;
        }
    }
    Ok(())
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
        let text = input::read_text(p).map_err(|e| e.to_string())?;
        let file = p.display().to_string();
        let loaded = verno::load::load_text(&text).map_err(|e| e.with_file(&file).to_string())?;
        if loaded.policies.is_empty()
            && loaded.rejected.is_empty()
            && loaded.exceptions.is_empty()
            && loaded.vpols.is_empty()
        {
            return Err(format!("{file}: no policy found in the file"));
        }
        let compiled =
            PolicySet::compile(loaded.policies).map_err(|e| e.with_file(&file).to_string())?;
        set.policies.extend(compiled.policies);
        set.add_vpols(&loaded.vpols)
            .map_err(|e| e.with_file(&file).locate_in(&text).to_string())?;
        set.exceptions.extend(loaded.exceptions);
        skipped.extend(loaded.rejected.into_iter().map(|e| e.with_file(&file)));
    }
    if set.policies.is_empty() && set.vpols.is_empty() && skipped.is_empty() {
        return Err("no policy found in the policy files".into());
    }
    for e in &opts.exceptions {
        let text = input::read_text(e).map_err(|e| e.to_string())?;
        set.add_exceptions_yaml(&text)
            .map_err(|err| format!("{}: {err}", e.display()))?;
    }
    let mut resources = Vec::new();
    for r in &opts.resources {
        for (doc, _) in fixtures::read_resources(&verno_test::DiskFiles::unconfined(), r)
            .map_err(|e| e.to_string())?
        {
            resources.push(fixtures::normalize_resource(doc));
        }
    }
    let sink = output::plan(opts.output.as_deref(), &resources).map_err(|e| e.to_string())?;
    let mut payloads = Vec::new();
    for p in &opts.json {
        let text = input::read_text(p).map_err(|e| e.to_string())?;
        for (doc, _) in verno::load::documents(&text)
            .map_err(|e| e.with_file(&p.display().to_string()).to_string())?
        {
            if !doc.is_object() {
                return Err(format!(
                    "failed to load JSON payload ({}: not an object)",
                    p.display()
                ));
            }
            payloads.push(doc);
        }
    }
    // Kyverno counts each ValidatingPolicy once (not its autogen copies).
    let rule_count: usize = set.policies.iter().map(|p| p.rules.len()).sum::<usize>()
        + set.vpols.iter().filter(|p| p.autogen.is_none()).count();
    writeln!(
        out,
        "\nApplying {} policy rule(s) to {} resource(s)...",
        rule_count,
        resources.len() + payloads.len()
    )
    .map_err(|e| e.to_string())?;
    let mut counts = Counts::default();
    print_skipped(out, &skipped)?;
    counts.error += skipped.len();
    let mut evals = Vec::new();
    // Every response in Kyverno's order (per resource: mutate policies, then
    // validate policies), printed once all mutated resources are out.
    let mut printed: Vec<(String, PolicyResponse)> = Vec::new();
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
            print_mutated(out, &sink, &mut file_text, &resp, &res_path, &current)?;
            printed.push((res_path.clone(), resp));
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
            let audit_warn = opts.audit_warn && !pr.policy.enforce && pr.policy.cel_kind.is_none();
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
            printed.push((res_path.clone(), pr.clone()));
        }
        evals.push(eval);
    }
    for payload in &payloads {
        let req = verno::vpol::VpolRequest {
            json_payload: true,
            ..verno::vpol::VpolRequest::from_request(&Request::create(payload))
        };
        for p in &set.vpols {
            let Some(resp) = verno::vpol::evaluate(p, &req, &crate::system::SystemHost) else {
                continue;
            };
            for r in &resp.rules {
                match r.status {
                    RuleStatus::Pass => counts.pass += 1,
                    RuleStatus::Fail => counts.fail += 1,
                    RuleStatus::Warn => counts.warn += 1,
                    RuleStatus::Error => counts.error += 1,
                    RuleStatus::Skip => counts.skip += 1,
                }
            }
            printed.push(("JSON payload".to_string(), resp));
        }
    }
    if !opts.policy_report {
        for (res_path, resp) in &printed {
            print_response(out, opts, res_path, resp).map_err(|e| e.to_string())?;
        }
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
