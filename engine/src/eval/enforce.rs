//! Enforce or audit: whether a failing validate rule blocks the request
//! (`failureActionForRule`, `validationFailureActionOverrides`).

use crate::compile::{CompiledRule, KyvernoPolicy};
use crate::go::wildcard;
use crate::matching::selector_matches;
use crate::model::policy::FailureActionOverride;
use crate::model::resource::Request;

fn is_enforce(action: Option<&str>) -> bool {
    matches!(action, Some("Enforce") | Some("enforce"))
}

fn valid_action(a: &Option<String>) -> bool {
    matches!(
        a.as_deref(),
        Some("Enforce" | "enforce" | "Audit" | "audit")
    )
}

fn override_applies(
    o: &FailureActionOverride,
    ns: &str,
    ns_labels: Option<&std::collections::BTreeMap<String, String>>,
) -> bool {
    if !valid_action(&o.action) {
        return false;
    }
    if o.namespaces.is_empty() && o.namespace_selector.is_none() {
        return true;
    }
    let ns_ok = o.namespaces.iter().any(|p| wildcard::matches(p, ns));
    if !ns_ok {
        return false;
    }
    match &o.namespace_selector {
        None => true,
        Some(sel) => {
            let labels = ns_labels
                .map(|l| l.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .unwrap_or_default();
            selector_matches(sel, &labels).unwrap_or(false)
        }
    }
}

/// `failureActionForRule`: is a failure of this rule enforced?
pub fn rule_enforced(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    ns: &str,
    request: &Request<'_>,
) -> bool {
    if let Some(v) = &rule.rule.validate {
        if let Some(o) = v
            .failure_action_overrides
            .iter()
            .find(|o| override_applies(o, ns, request.namespace_labels))
        {
            return is_enforce(o.action.as_deref());
        }
        if v.failure_action.is_some() {
            return is_enforce(v.failure_action.as_deref());
        }
    }
    if let Some(o) = policy
        .overrides
        .iter()
        .find(|o| override_applies(o, ns, request.namespace_labels))
    {
        return is_enforce(o.action.as_deref());
    }
    is_enforce(policy.validation_failure_action.as_deref())
}
