//! Policy reports: `wgpolicyk8s.io/v1alpha2` (Cluster)PolicyReport, which
//! most clusters and policy-reporter read, and the `openreports.io/v1alpha1`
//! shape current `kyverno apply --policy-report` prints.

pub mod admission;

use serde_json::{json, Map, Value};

use crate::host::Timestamp;
use crate::model::resource::ResourceMeta;
use crate::model::response::{PolicyInfo, PolicyResponse, RuleResponse, RuleStatus};

/// Which report API to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// `wgpolicyk8s.io/v1alpha2` `ClusterPolicyReport` / `PolicyReport`.
    #[default]
    WgPolicy,
    /// `openreports.io/v1alpha1` `ClusterReport` / `Report`.
    OpenReports,
}

/// Options for report results.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// The format.
    pub format: ReportFormat,
    /// `--audit-warn`: failures of Audit policies are reported as `warn`.
    pub audit_warn: bool,
    /// The timestamp to stamp on results (the clock is the caller's).
    pub timestamp: Option<Timestamp>,
}

/// The result a validate rule response counts as, in reports and in
/// `kyverno apply`'s totals (`ComputePolicyReportResult`): a failure is a
/// `warn` when the policy is annotated `policies.kyverno.io/scored: "false"`,
/// or under `--audit-warn` when its policy-wide action is Audit.
pub fn scored_status(policy: &PolicyInfo, status: RuleStatus, audit_warn: bool) -> RuleStatus {
    let scored = policy
        .annotations
        .get("policies.kyverno.io/scored")
        .map(String::as_str)
        != Some("false");
    // `--audit-warn` has no effect on CEL kinds (no validationFailureAction).
    let audit_warn = audit_warn && !policy.enforce && policy.cel_kind.is_none();
    if status == RuleStatus::Fail && (!scored || audit_warn) {
        RuleStatus::Warn
    } else {
        status
    }
}

/// How many results of each kind (`processor.ResultCounts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResultCounts {
    /// `pass` results.
    pub pass: usize,
    /// `fail` results.
    pub fail: usize,
    /// `warn` results.
    pub warn: usize,
    /// `error` results.
    pub error: usize,
    /// `skip` results.
    pub skip: usize,
}

impl ResultCounts {
    /// Count one result.
    pub fn add(&mut self, status: RuleStatus) {
        match status {
            RuleStatus::Pass => self.pass += 1,
            RuleStatus::Fail => self.fail += 1,
            RuleStatus::Warn => self.warn += 1,
            RuleStatus::Error => self.error += 1,
            RuleStatus::Skip => self.skip += 1,
        }
    }
}

/// `ToPolicyReportResult`: one report result for one rule response.
pub fn result_entry(
    policy: &PolicyResponse,
    rule: &RuleResponse,
    resource: &Value,
    opts: &ReportOptions,
) -> Value {
    let info = &policy.policy;
    let scored = info
        .annotations
        .get("policies.kyverno.io/scored")
        .map(String::as_str)
        != Some("false");
    let status = scored_status(info, rule.status, opts.audit_warn);
    let meta = ResourceMeta::of(resource);
    let mut reference = Map::new();
    reference.insert("apiVersion".into(), json!(meta.api_version));
    reference.insert("kind".into(), json!(meta.kind));
    reference.insert("name".into(), json!(meta.name));
    if !meta.namespace.is_empty() {
        reference.insert("namespace".into(), json!(meta.namespace));
    }
    if !meta.uid.is_empty() {
        reference.insert("uid".into(), json!(meta.uid));
    }
    if let Some(rv) = resource
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
    {
        reference.insert("resourceVersion".into(), json!(rv));
    }
    let mut out = Map::new();
    let source = match info.cel_kind.as_deref() {
        Some("ValidatingPolicy" | "NamespacedValidatingPolicy") => crate::vpol::REPORT_SOURCE,
        Some(crate::vpol::vap::KIND) => crate::vpol::vap::REPORT_SOURCE,
        _ => "kyverno",
    };
    out.insert("source".into(), json!(source));
    out.insert("policy".into(), json!(info.key));
    out.insert("rule".into(), json!(rule.name));
    out.insert("result".into(), json!(status.as_str()));
    let message = reported_message(rule);
    if !message.is_empty() {
        out.insert("message".into(), json!(message));
    }
    if scored {
        out.insert("scored".into(), json!(true));
    }
    if let Some(sev) = info.annotations.get("policies.kyverno.io/severity") {
        if matches!(
            sev.as_str(),
            "critical" | "high" | "medium" | "low" | "info"
        ) {
            out.insert("severity".into(), json!(sev));
        }
    }
    if let Some(cat) = info.annotations.get("policies.kyverno.io/category") {
        out.insert("category".into(), json!(cat));
    }
    let ts = opts.timestamp.unwrap_or(Timestamp {
        seconds: 0,
        nanos: 0,
    });
    out.insert(
        "timestamp".into(),
        json!({"nanos": ts.nanos, "seconds": ts.seconds}),
    );
    out.insert("resources".into(), json!([Value::Object(reference)]));
    let process = match info.cel_kind.as_deref() {
        Some(crate::vpol::vap::KIND) => "background scan",
        _ => select_process(info.background, info.admission),
    };
    let mut properties = Map::new();
    for (k, v) in &rule.properties {
        properties.insert(k.clone(), json!(v));
    }
    properties.insert("process".into(), json!(process));
    out.insert("properties".into(), Value::Object(properties));
    Value::Object(out)
}

/// The message a report result shows: a non-empty `<status>Message`
/// property (`passMessage`, `failMessage`, …, for the rule's own status,
/// before an unscored or `--audit-warn` failure reads `warn`), then a
/// non-empty `message` property, override the rule's message.
fn reported_message(rule: &RuleResponse) -> &str {
    let by_status = match rule.status {
        RuleStatus::Pass => "passMessage",
        RuleStatus::Fail => "failMessage",
        RuleStatus::Warn => "warnMessage",
        RuleStatus::Error => "errorMessage",
        RuleStatus::Skip => "skipMessage",
    };
    let non_empty = |key: &str| rule.properties.get(key).filter(|m| !m.is_empty());
    non_empty("message")
        .or_else(|| non_empty(by_status))
        .map_or(rule.message.as_str(), String::as_str)
}

/// `selectProcess`: the `process` property of a policy's results (empty
/// when neither background nor admission processing is enabled).
fn select_process(background: bool, admission: bool) -> &'static str {
    if background {
        "background scan"
    } else if admission {
        "admission review"
    } else {
        ""
    }
}

/// Counts of each result.
pub fn summary(results: &[Value]) -> Value {
    let mut counts = ResultCounts::default();
    for r in results {
        counts.add(match r.get("result").and_then(Value::as_str) {
            Some("pass") => RuleStatus::Pass,
            Some("fail") => RuleStatus::Fail,
            Some("warn") => RuleStatus::Warn,
            Some("error") => RuleStatus::Error,
            _ => RuleStatus::Skip,
        });
    }
    json!({"pass": counts.pass, "fail": counts.fail, "warn": counts.warn, "error": counts.error, "skip": counts.skip})
}

/// One evaluated resource with its policy responses.
pub struct ReportInput<'a> {
    /// The resource.
    pub resource: &'a Value,
    /// The responses.
    pub responses: &'a [PolicyResponse],
}

/// The merged reports `kyverno apply --policy-report` prints: one cluster
/// report named `merged` for cluster policies, one per namespaced policy.
///
/// ```
/// use verno::report::{merged_reports, ReportOptions, ReportInput};
/// let reports = merged_reports(&[], &ReportOptions::default());
/// assert!(reports.is_empty());
/// ```
pub fn merged_reports(inputs: &[ReportInput<'_>], opts: &ReportOptions) -> Vec<Value> {
    let mut cluster = Vec::new();
    let mut namespaced: Vec<(String, String, Vec<Value>)> = Vec::new();
    for input in inputs {
        for pr in input.responses {
            for rule in &pr.rules {
                let entry = result_entry(pr, rule, input.resource, opts);
                match &pr.policy.namespace {
                    None => cluster.push(entry),
                    Some(ns) => match namespaced
                        .iter_mut()
                        .find(|(n, s, _)| *n == pr.policy.name && s == ns)
                    {
                        Some((_, _, rs)) => rs.push(entry),
                        None => namespaced.push((pr.policy.name.clone(), ns.clone(), vec![entry])),
                    },
                }
            }
        }
    }
    let (api, ckind, nkind) = match opts.format {
        ReportFormat::WgPolicy => (
            "wgpolicyk8s.io/v1alpha2",
            "ClusterPolicyReport",
            "PolicyReport",
        ),
        ReportFormat::OpenReports => ("openreports.io/v1alpha1", "ClusterReport", "PolicyReport"),
    };
    let mut out = Vec::new();
    if !cluster.is_empty() {
        out.push(json!({
            "apiVersion": api, "kind": ckind,
            "metadata": {"name": "merged"},
            "results": cluster.clone(),
            "summary": summary(&cluster),
        }));
    }
    for (name, ns, rs) in namespaced {
        out.push(json!({
            "apiVersion": api, "kind": nkind,
            "metadata": {"name": name, "namespace": ns},
            "results": rs.clone(),
            "summary": summary(&rs),
        }));
    }
    out
}

/// A per-resource report as a cluster writes it (`wgpolicyk8s.io/v1alpha2`,
/// named after the resource UID, with `scope`).
pub fn resource_report(input: &ReportInput<'_>, opts: &ReportOptions) -> Value {
    let meta = ResourceMeta::of(input.resource);
    let mut results = Vec::new();
    for pr in input.responses {
        for rule in &pr.rules {
            results.push(result_entry(pr, rule, input.resource, opts));
        }
    }
    let (api, kind) = match (opts.format, meta.namespace.is_empty()) {
        (ReportFormat::WgPolicy, true) => ("wgpolicyk8s.io/v1alpha2", "ClusterPolicyReport"),
        (ReportFormat::WgPolicy, false) => ("wgpolicyk8s.io/v1alpha2", "PolicyReport"),
        (ReportFormat::OpenReports, true) => ("openreports.io/v1alpha1", "ClusterReport"),
        (ReportFormat::OpenReports, false) => ("openreports.io/v1alpha1", "Report"),
    };
    let mut metadata = json!({"name": if meta.uid.is_empty() { meta.name } else { meta.uid }});
    if let (false, Some(m)) = (meta.namespace.is_empty(), metadata.as_object_mut()) {
        m.insert("namespace".into(), json!(meta.namespace));
    }
    json!({
        "apiVersion": api, "kind": kind, "metadata": metadata,
        "scope": {"apiVersion": meta.api_version, "kind": meta.kind, "name": meta.name, "namespace": meta.namespace, "uid": meta.uid},
        "summary": summary(&results),
        "results": results,
    })
}
