//! One resource judged as Kyverno's background scanner judges it
//! (`pkg/controllers/report/utils/scanner.go`): a CREATE of the object
//! with empty user info and its namespace's labels, validate rules only
//! (the object is not mutated first), ValidatingPolicies in the same
//! request, their matchConditions skips dropped
//! (`filterMatchConditionSkips`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use verno::model::resource::ResourceMeta;
use verno::report::{result_entry, scored_status, ReportOptions};
use verno::{Host, PolicyInfo, PolicyResponse, Request, RuleResponse, RuleStatus};

use crate::documents::Origin;

/// How much of each result the output needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Counts only (the tables).
    #[default]
    Counts,
    /// The report result of each rule response (reports, JUnit, SARIF).
    Results,
}

/// One rule's result on one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    /// The policy.
    pub policy: Arc<PolicyInfo>,
    /// The rule's name.
    pub rule: String,
    /// The status as reports count it (`scored: "false"` fails are warns).
    pub status: RuleStatus,
    /// The report result (`ToPolicyReportResult`), under
    /// [`Detail::Results`].
    pub entry: Option<Value>,
}

/// One resource and its results.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// Where it was read.
    pub origin: Origin,
    /// `metadata.namespace`, empty for cluster-scoped objects.
    pub namespace: String,
    /// `kind/namespace/name` (`kind/name` when cluster-scoped).
    pub id: String,
    /// The results, policy by policy in the set's order.
    pub results: Vec<RuleResult>,
}

/// Labels of each namespace, by name.
pub type NamespaceLabels = BTreeMap<String, BTreeMap<String, String>>;

/// `filterMatchConditionSkips`: a ValidatingPolicy whose matchConditions
/// do not hold gives no result in a background scan.
fn is_match_condition_skip(policy: &PolicyInfo, rule: &RuleResponse) -> bool {
    policy.cel_kind.is_some()
        && rule.status == RuleStatus::Skip
        && rule.name.is_empty()
        && rule.message == "skip"
}

/// Judge one resource.
pub fn judge(
    set: &verno::PolicySet,
    resource: &Value,
    origin: Origin,
    namespaces: &NamespaceLabels,
    host: &dyn Host,
    detail: Detail,
    report: &ReportOptions,
) -> Judged {
    let meta = ResourceMeta::of(resource);
    let namespace = meta.namespace.to_string();
    let id = if namespace.is_empty() {
        format!("{}/{}", meta.kind, meta.name)
    } else {
        format!("{}/{}/{}", meta.kind, namespace, meta.name)
    };
    let request = Request {
        namespace_labels: namespaces.get(&namespace),
        ..Request::create(resource)
    };
    let responses: Vec<PolicyResponse> = set.validate(&request, host);
    let mut results = Vec::new();
    for pr in &responses {
        for rule in &pr.rules {
            if is_match_condition_skip(&pr.policy, rule) {
                continue;
            }
            let entry = match detail {
                Detail::Counts => None,
                Detail::Results => Some(result_entry(pr, rule, resource, report)),
            };
            results.push(RuleResult {
                policy: pr.policy.clone(),
                rule: rule.name.clone(),
                status: scored_status(&pr.policy, rule.status, report.audit_warn),
                entry,
            });
        }
    }
    Judged {
        origin,
        namespace,
        id,
        results,
    }
}

/// The labels of a Namespace object, if it is one.
pub fn namespace_labels(resource: &Value) -> Option<(String, BTreeMap<String, String>)> {
    if resource.get("kind").and_then(Value::as_str) != Some("Namespace") {
        return None;
    }
    let name = resource.pointer("/metadata/name")?.as_str()?.to_string();
    let labels = resource
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Some((name, labels))
}
