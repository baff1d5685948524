//! Results gathered in input order into per-policy reports, compliance
//! counts and the totals that decide the exit code. Everything is keyed by
//! ordered maps and fed in input order, so the output is the same whatever
//! the number of threads that judged the resources.

use std::collections::BTreeMap;

use serde_json::Value;
use verno::report::ResultCounts;
use verno::{PolicyInfo, RuleStatus};

use crate::documents::Origin;
use crate::judge::Judged;

/// The name Kyverno's per-policy reports had (before 1.10 wrote one report
/// per resource): `cpol-<name>` for a ClusterPolicy, `pol-<name>` for a
/// Policy; verno names ValidatingPolicy reports `vpol-<name>` and
/// NamespacedValidatingPolicy ones `nvpol-<name>` in the same spirit.
pub fn report_name(policy: &PolicyInfo) -> String {
    let prefix = match (policy.cel_kind.as_deref(), &policy.namespace) {
        (Some("NamespacedValidatingPolicy"), _) => "nvpol",
        (Some(_), _) => "vpol",
        (None, Some(_)) => "pol",
        (None, None) => "cpol",
    };
    format!("{prefix}-{}", policy.name)
}

/// One report: a namespace (empty: the cluster report) and a policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// The counts.
    pub counts: ResultCounts,
    /// The results, in input order (under `Detail::Results`).
    pub results: Vec<Value>,
}

/// One failing, erroring or warning result, or any result, with where the
/// resource came from (JUnit and SARIF).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The policy's key (`name`, or `namespace/name`).
    pub policy: String,
    /// The rule.
    pub rule: String,
    /// The resource, `kind/namespace/name`.
    pub resource: String,
    /// The status.
    pub status: RuleStatus,
    /// The message.
    pub message: String,
    /// Where the resource was read.
    pub origin: Origin,
}

/// Resources judged compliant and not, for one policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    /// Resources with a result of the policy and none fail or error.
    pub compliant: usize,
    /// Resources with a fail or error result of the policy.
    pub non_compliant: usize,
}

impl Compliance {
    /// Percentage compliant, `None` when no resource had a result.
    pub fn percent(&self) -> Option<f64> {
        let total = self.compliant + self.non_compliant;
        (total > 0).then(|| self.compliant as f64 * 100.0 / total as f64)
    }
}

/// Everything a scan found.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Reports by (namespace, report name).
    pub reports: BTreeMap<(String, String), Report>,
    /// Every result with its resource (under `Detail::Results`).
    pub findings: Vec<Finding>,
    /// Per policy key.
    pub compliance: BTreeMap<String, Compliance>,
    /// All results counted.
    pub totals: ResultCounts,
    /// Documents read.
    pub documents: usize,
    /// Resources judged.
    pub resources: usize,
    /// Documents or items that could not be judged, and why.
    pub rejected: Vec<(Origin, String)>,
}

impl Tally {
    /// Count one judged resource.
    pub fn add(&mut self, judged: Judged) {
        self.resources += 1;
        let mut per_policy: BTreeMap<String, (bool, bool)> = BTreeMap::new();
        for r in judged.results {
            self.totals.add(r.status);
            let seen = per_policy.entry(r.policy.key.clone()).or_default();
            match r.status {
                RuleStatus::Fail | RuleStatus::Error => seen.1 = true,
                RuleStatus::Pass | RuleStatus::Warn => seen.0 = true,
                RuleStatus::Skip => {}
            }
            let report = self
                .reports
                .entry((judged.namespace.clone(), report_name(&r.policy)))
                .or_default();
            report.counts.add(r.status);
            if let Some(entry) = r.entry {
                let message = entry
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                self.findings.push(Finding {
                    policy: r.policy.key.clone(),
                    rule: r.rule,
                    resource: judged.id.clone(),
                    status: r.status,
                    message,
                    origin: judged.origin.clone(),
                });
                report.results.push(entry);
            }
        }
        for (policy, (applied, failed)) in per_policy {
            let c = self.compliance.entry(policy).or_default();
            if failed {
                c.non_compliant += 1;
            } else if applied {
                c.compliant += 1;
            }
        }
    }

    /// Fold in what was counted after everything here, as if each of its
    /// resources had been added in turn (a streamed document is counted
    /// aside until it is known to be a List).
    pub fn merge(&mut self, later: Tally) {
        for (key, report) in later.reports {
            let mine = self.reports.entry(key).or_default();
            mine.counts.pass += report.counts.pass;
            mine.counts.fail += report.counts.fail;
            mine.counts.warn += report.counts.warn;
            mine.counts.error += report.counts.error;
            mine.counts.skip += report.counts.skip;
            mine.results.extend(report.results);
        }
        self.findings.extend(later.findings);
        for (policy, c) in later.compliance {
            let mine = self.compliance.entry(policy).or_default();
            mine.compliant += c.compliant;
            mine.non_compliant += c.non_compliant;
        }
        self.totals.pass += later.totals.pass;
        self.totals.fail += later.totals.fail;
        self.totals.warn += later.totals.warn;
        self.totals.error += later.totals.error;
        self.totals.skip += later.totals.skip;
        self.documents += later.documents;
        self.resources += later.resources;
        self.rejected.extend(later.rejected);
    }

    /// Whether a fail or error was found, or a document rejected.
    pub fn failed(&self) -> bool {
        self.totals.fail > 0 || self.totals.error > 0 || !self.rejected.is_empty()
    }
}
