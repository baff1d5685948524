//! The policies a background scan runs: Kyverno's
//! `CanBackgroundProcess` (`spec.background` not false, no admission-only
//! variables or user matching) for `kyverno.io` policies, and
//! `evaluation.background.enabled` not false for ValidatingPolicies.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;
use verno::unstable::load::LoadedPolicy;
use verno::unstable::vpol::model::ValidatingPolicyDoc;
use verno::{LoadError, PolicySet};

/// A policy left out of the scan, and why (what Kyverno's background
/// controller would do with it, silently).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excluded {
    /// The file.
    pub file: String,
    /// The policy's name.
    pub policy: String,
    /// Why.
    pub reason: String,
}

/// The compiled background policies and what was left out.
#[derive(Debug, Clone, Default)]
pub struct ScanPolicies {
    /// The policies the scan runs.
    pub set: PolicySet,
    /// Policies that do not run in the background.
    pub excluded: Vec<Excluded>,
    /// Policies Kyverno's policy validation refuses (an error each).
    pub rejected: Vec<LoadError>,
    /// Whether some policy selects namespaces by label, so that the
    /// input's Namespace objects must be read before anything is judged.
    pub uses_namespace_selector: bool,
}

/// Kyverno's `ForbiddenUserVariables`: what a background scan has no value
/// for (it runs with empty user info).
fn forbidden_user_variables() -> &'static [Regex] {
    static RES: OnceLock<Vec<Regex>> = OnceLock::new();
    RES.get_or_init(|| {
        [
            r"[^\.](serviceAccountName)\b",
            r"[^\.](serviceAccountNamespace)\b",
            r"[^\.](request.userInfo)\b",
            r"[^\.](request.roles)\b",
            r"[^\.](request.clusterRoles)\b",
        ]
        .iter()
        .filter_map(|r| Regex::new(r).ok())
        .collect()
    })
}

/// Kyverno's `RegexVariables`: `{{ }}` references.
fn variables_regex() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})").ok())
        .as_ref()
}

/// `userInfoDefined`: the first user-matching field of a match block.
fn user_info_defined(block: &Value) -> Option<&'static str> {
    ["roles", "clusterRoles", "subjects"].into_iter().find(|k| {
        block
            .get(k)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    })
}

/// `hasUserMatchExclude` over one rule: the path Kyverno names.
fn user_match_exclude(idx: usize, rule: &Value) -> Option<String> {
    for side in ["match", "exclude"] {
        let Some(block) = rule.get(side) else {
            continue;
        };
        if let Some(f) = user_info_defined(block) {
            return Some(format!("spec/rules[{idx}]/{side}/{f}"));
        }
        for group in ["any", "all"] {
            for (i, b) in block
                .get(group)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(f) = user_info_defined(b) {
                    return Some(format!("spec/rules[{idx}]/{side}/{group}[{i}]/{f}"));
                }
            }
        }
    }
    None
}

/// Why a `kyverno.io` policy does not run in the background (`None`: it
/// does). The messages are Kyverno's `ValidateVariables` ones.
pub fn background_exclusion(raw: &Value) -> Option<String> {
    let spec = raw.get("spec")?;
    if spec.get("background").and_then(Value::as_bool) == Some(false) {
        return Some("spec.background is false".into());
    }
    let rules = spec.get("rules").and_then(Value::as_array)?;
    let prefix = "only select variables are allowed in background mode. Set spec.background=false to disable background mode for this policy rule: ";
    for (i, r) in rules.iter().enumerate() {
        if let Some(path) = user_match_exclude(i, r) {
            return Some(format!("{prefix}invalid variable used at path: {path} "));
        }
    }
    // A mutate-existing rule lifts the variable check (Kyverno's early return).
    if rules.iter().any(|r| r.pointer("/mutate/targets").is_some()) {
        return None;
    }
    let text = serde_json::to_string(raw).unwrap_or_default();
    let re = variables_regex()?;
    for caps in re.captures_iter(&text) {
        let var = caps.get(2).map(|m| m.as_str()).unwrap_or("");
        if forbidden_user_variables().iter().any(|b| b.is_match(var)) {
            return Some(format!("{prefix}variable {var} is not allowed "));
        }
    }
    None
}

/// Why a ValidatingPolicy does not run in the background.
pub fn vpol_exclusion(doc: &ValidatingPolicyDoc) -> Option<String> {
    let eval = doc.spec.evaluation.as_ref();
    if eval
        .and_then(|e| e.background.as_ref())
        .and_then(|b| b.enabled)
        == Some(false)
    {
        return Some("evaluation.background.enabled is false".into());
    }
    // JSON-mode policies judge payloads, not cluster objects.
    if eval.and_then(|e| e.mode.as_deref()) == Some("JSON") {
        return Some("evaluation.mode is JSON".into());
    }
    None
}

/// Keys (`namespace/name` or `name`) of the PolicyExceptions of a text
/// with `spec.background: false`.
fn foreground_exceptions(text: &str) -> Vec<String> {
    let Ok(docs) = verno::unstable::load::documents(text) else {
        return Vec::new();
    };
    docs.into_iter()
        .filter(|(d, _)| verno::unstable::matching::exception::is_policy_exception(d))
        .filter(|(d, _)| d.pointer("/spec/background").and_then(Value::as_bool) == Some(false))
        .map(|(d, _)| {
            let name = d
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            match d.pointer("/metadata/namespace").and_then(Value::as_str) {
                Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
                _ => name.to_string(),
            }
        })
        .collect()
}

fn mentions_namespace_selector(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k == "namespaceSelector" || mentions_namespace_selector(v)),
        Value::Array(a) => a.iter().any(mentions_namespace_selector),
        _ => false,
    }
}

impl ScanPolicies {
    /// Add the policies (and PolicyExceptions) of one file's text.
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), LoadError> {
        let loaded = verno::unstable::load::load_text(text).map_err(|e| e.with_file(file))?;
        let mut keep: Vec<LoadedPolicy> = Vec::new();
        for p in loaded.policies {
            match background_exclusion(&p.raw) {
                Some(reason) => self.excluded.push(Excluded {
                    file: file.to_string(),
                    policy: p.policy.metadata.name.clone(),
                    reason,
                }),
                None => {
                    self.uses_namespace_selector |= mentions_namespace_selector(&p.raw);
                    keep.push(p);
                }
            }
        }
        let mut vpols = Vec::new();
        for d in loaded.vpols {
            // ValidatingAdmissionPolicies and their bindings have no
            // background switch: the reports controller scans them as they are.
            let verno::unstable::vpol::model::VpolDoc::Kyverno(k) = &d else {
                vpols.push(d);
                continue;
            };
            match vpol_exclusion(k) {
                Some(reason) => self.excluded.push(Excluded {
                    file: file.to_string(),
                    policy: k.metadata.name.clone(),
                    reason,
                }),
                None => {
                    self.uses_namespace_selector |= k
                        .spec
                        .match_constraints
                        .as_ref()
                        .and_then(|m| serde_json::to_value(m).ok())
                        .is_some_and(|v| mentions_namespace_selector(&v));
                    vpols.push(d);
                }
            }
        }
        let compiled = PolicySet::compile(keep).map_err(|e| e.with_file(file))?;
        self.set.extend(compiled);
        self.set
            .add_vpols(&vpols)
            .map_err(|e| e.with_file(file).locate_in(text))?;
        for ex in &loaded.cel_exceptions {
            self.set
                .add_cel_exception(ex)
                .map_err(|e| e.with_file(file))?;
        }
        // `FetchPolicyExceptions` keeps only exceptions processed in the
        // background (`spec.background` not false).
        let foreground = foreground_exceptions(text);
        let (kept, dropped): (Vec<_>, Vec<_>) = loaded
            .exceptions
            .into_iter()
            .partition(|e| !foreground.contains(&e.key));
        for e in dropped {
            self.excluded.push(Excluded {
                file: file.to_string(),
                policy: e.key,
                reason: "PolicyException spec.background is false".into(),
            });
        }
        self.set.add_exceptions(kept);
        self.rejected
            .extend(loaded.rejected.into_iter().map(|e| e.with_file(file)));
        Ok(())
    }

    /// Whether nothing is left to run.
    pub fn is_empty(&self) -> bool {
        self.set.policies().is_empty() && self.set.vpols().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn background_false_leaves_a_policy_out() {
        let p = json!({"spec": {"background": false, "rules": []}});
        assert_eq!(
            background_exclusion(&p).as_deref(),
            Some("spec.background is false")
        );
    }

    #[test]
    fn user_info_variables_leave_a_policy_out_with_kyvernos_message() {
        let p = json!({"spec": {"rules": [{"name": "r", "validate": {"message": "by {{request.userInfo.username}}"}}]}});
        let why = background_exclusion(&p).unwrap_or_default();
        assert!(
            why.ends_with("variable {{request.userInfo.username}} is not allowed "),
            "{why}"
        );
    }

    #[test]
    fn matching_on_roles_leaves_a_policy_out() {
        let p =
            json!({"spec": {"rules": [{"name": "r", "match": {"any": [{"roles": ["admin"]}]}}]}});
        let why = background_exclusion(&p).unwrap_or_default();
        assert!(
            why.contains("invalid variable used at path: spec/rules[0]/match/any[0]/roles"),
            "{why}"
        );
    }

    #[test]
    fn request_object_and_operation_stay_allowed() {
        let p = json!({"spec": {"rules": [{"name": "r", "validate": {"message": "{{request.object.metadata.name}} {{request.operation}}"}}]}});
        assert_eq!(background_exclusion(&p), None);
    }
}
