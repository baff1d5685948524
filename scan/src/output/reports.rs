//! `-o yaml|json`: the reports themselves, one per namespace and policy,
//! named and scoped as the table shows them.

use serde_json::{json, Value};
use verno::report::{summary, ReportFormat};

use crate::tally::Tally;

/// The reports: a `PolicyReport` per namespace and policy, a
/// `ClusterPolicyReport` per policy for cluster-scoped resources
/// (`Report`/`ClusterReport` under openreports.io).
pub fn reports(tally: &Tally, format: ReportFormat) -> Vec<Value> {
    let (api, cluster_kind, kind) = match format {
        ReportFormat::WgPolicy => (
            "wgpolicyk8s.io/v1alpha2",
            "ClusterPolicyReport",
            "PolicyReport",
        ),
        ReportFormat::OpenReports => ("openreports.io/v1alpha1", "ClusterReport", "Report"),
    };
    tally
        .reports
        .iter()
        .map(|((ns, name), r)| {
            let (kind, metadata) = if ns.is_empty() {
                (cluster_kind, json!({"name": name}))
            } else {
                (kind, json!({"name": name, "namespace": ns}))
            };
            json!({
                "apiVersion": api,
                "kind": kind,
                "metadata": metadata,
                "results": r.results,
                "summary": summary(&r.results),
            })
        })
        .collect()
}

/// YAML documents separated by `---`.
pub fn to_yaml(reports: &[Value]) -> String {
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&verno::unstable::yaml::to_yaml_string(r));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// A `v1` `List` of the reports, as `kubectl get -o json` prints several.
pub fn to_json(reports: Vec<Value>) -> String {
    let list = json!({"apiVersion": "v1", "kind": "List", "items": reports});
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
    s.push('\n');
    s
}
