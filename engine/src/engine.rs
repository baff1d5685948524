//! Evaluate: (compiled policies, request, host) → per-policy rule responses
//! (`pkg/engine/engine.go`, `pkg/engine/handlers/validation`).

use serde_json::Value;

use crate::compile::{CompiledPolicy, CompiledRule, PatternSource, PolicySet, RuleBody, ValidateBody};
use crate::host::Host;
use crate::match_pattern::Outcome;
use crate::matching::{selector_matches, MatchContext};
use crate::policy::{FailureActionOverride, PolicyKind};
use crate::resource::{Request, ResourceMeta};
use crate::response::{PolicyResponse, RuleResponse, RuleStatus, RuleType};
use crate::wildcard;

/// The result of evaluating a request against a policy set.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// One entry per policy, in policy order (kept even when empty, as
    /// Kyverno's engine responses are).
    pub policies: Vec<PolicyResponse>,
}

impl Evaluation {
    /// Whether the request is admitted: no enforced failure and no error of a
    /// `failurePolicy: Fail` policy.
    pub fn allowed(&self) -> bool {
        !self.policies.iter().any(PolicyResponse::blocks)
    }
}

fn is_enforce(action: Option<&str>) -> bool {
    matches!(action, Some("Enforce") | Some("enforce"))
}

fn valid_action(a: &Option<String>) -> bool {
    matches!(a.as_deref(), Some("Enforce" | "enforce" | "Audit" | "audit"))
}

fn override_applies(o: &FailureActionOverride, ns: &str, ns_labels: Option<&std::collections::BTreeMap<String, String>>) -> bool {
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
pub fn rule_enforced(policy: &CompiledPolicy, rule: &CompiledRule, ns: &str, request: &Request<'_>) -> bool {
    if let Some(v) = &rule.rule.validate {
        if let Some(o) = v.failure_action_overrides.iter().find(|o| override_applies(o, ns, request.namespace_labels)) {
            return is_enforce(o.action.as_deref());
        }
        if v.failure_action.is_some() {
            return is_enforce(v.failure_action.as_deref());
        }
    }
    if let Some(o) = policy.overrides.iter().find(|o| override_applies(o, ns, request.namespace_labels)) {
        return is_enforce(o.action.as_deref());
    }
    is_enforce(policy.validation_failure_action.as_deref())
}

impl PolicySet {
    /// Evaluate the validate rules of every policy against a request.
    pub fn evaluate(&self, request: &Request<'_>, host: &dyn Host) -> Evaluation {
        let policies = self.policies.iter().map(|p| evaluate_policy(p, request, host)).collect();
        Evaluation { policies }
    }

    /// Evaluate one policy (by index) against a request. `kyverno test` needs
    /// this because values files give each (policy, resource) its own request.
    pub fn evaluate_policy(&self, index: usize, request: &Request<'_>, host: &dyn Host) -> PolicyResponse {
        match self.policies.get(index) {
            Some(p) => evaluate_policy(p, request, host),
            None => PolicyResponse { policy: Default::default(), rules: vec![], enforced: vec![] },
        }
    }
}

fn evaluate_policy(policy: &CompiledPolicy, request: &Request<'_>, host: &dyn Host) -> PolicyResponse {
    let mut out = PolicyResponse { policy: policy.info.clone(), rules: Vec::new(), enforced: Vec::new() };
    let Some(resource) = request.resource() else { return out };
    let meta = ResourceMeta::of(resource);
    if policy.kind == PolicyKind::Policy && policy.info.namespace.as_deref() != Some(meta.namespace) {
        return out;
    }
    let ctx = MatchContext::new(request, resource);
    for rule in policy.rules_for_kind(meta.kind) {
        if !rule.match_block.matches(&ctx) || rule.exclude_block.as_ref().is_some_and(|e| e.excludes(&ctx)) {
            continue;
        }
        let body = match &rule.body {
            RuleBody::Validate(b) => b,
            RuleBody::None => continue,
            RuleBody::Mutate(_) => {
                out.rules.push(RuleResponse { rule_type: RuleType::Mutation, ..unsupported(rule, "mutate") });
                out.enforced.push(false);
                continue;
            }
            RuleBody::Generate(_) => {
                out.rules.push(RuleResponse { rule_type: RuleType::Generation, ..unsupported(rule, "generate") });
                out.enforced.push(false);
                continue;
            }
            RuleBody::VerifyImages(_) => {
                out.rules.push(RuleResponse { rule_type: RuleType::ImageVerify, ..unsupported(rule, "verifyImages") });
                out.enforced.push(false);
                continue;
            }
        };
        let Some(resp) = validate_rule(rule, body, resource, request, host) else { continue };
        let stop = policy.apply_one && matches!(resp.status, RuleStatus::Pass | RuleStatus::Fail);
        out.enforced.push(resp.status == RuleStatus::Fail && rule_enforced(policy, rule, meta.namespace, request));
        out.rules.push(resp);
        if stop {
            break;
        }
    }
    out
}

fn unsupported(rule: &CompiledRule, feature: &str) -> RuleResponse {
    RuleResponse::new(&rule.name, RuleType::Validation, RuleStatus::Error, format!("unsupported: {feature}"))
}

fn validate_rule(
    rule: &CompiledRule,
    body: &ValidateBody,
    resource: &Value,
    request: &Request<'_>,
    _host: &dyn Host,
) -> Option<RuleResponse> {
    if !rule.rule.context.is_empty() {
        return Some(unsupported(rule, "rule context entries"));
    }
    if rule.rule.preconditions.is_some() {
        return Some(unsupported(rule, "preconditions"));
    }
    match body {
        ValidateBody::Pattern(p) => {
            if request.operation == crate::resource::Operation::Delete {
                return None;
            }
            let PatternSource::Static(node) = p else { return Some(unsupported(rule, "variables in patterns")) };
            Some(pattern_response(rule, node.validate(resource)))
        }
        ValidateBody::AnyPattern(ps) => {
            if request.operation == crate::resource::Operation::Delete {
                return None;
            }
            let mut nodes = Vec::with_capacity(ps.len());
            for p in ps {
                match p {
                    PatternSource::Static(n) => nodes.push(n),
                    PatternSource::Dynamic(_) => return Some(unsupported(rule, "variables in patterns")),
                }
            }
            Some(any_pattern_response(rule, nodes.into_iter().map(|n| n.validate(resource))))
        }
        ValidateBody::AnyPatternInvalid(e) => Some(RuleResponse::new(
            &rule.name,
            RuleType::Validation,
            RuleStatus::Error,
            format!("failed to deserialize anyPattern, expected type array: {e}"),
        )),
        ValidateBody::Deny(_) => Some(unsupported(rule, "validate.deny")),
        ValidateBody::Foreach(_) => Some(unsupported(rule, "validate.foreach")),
        ValidateBody::Unsupported(f) => Some(unsupported(rule, f)),
        ValidateBody::Empty => None,
    }
}

fn message(rule: &CompiledRule) -> &str {
    rule.rule.validate.as_ref().and_then(|v| v.message.as_deref()).unwrap_or("")
}

/// `buildErrorMessage`.
fn error_message(rule: &CompiledRule, err: &str, path: &str) -> String {
    let m = message(rule);
    if m.is_empty() {
        return if path.is_empty() {
            format!("validation error: rule {} execution error: {err}", rule.name)
        } else {
            format!("validation error: rule {} failed at path {path}", rule.name)
        };
    }
    let mut m = m.to_string();
    if !m.ends_with('.') {
        m.push('.');
    }
    if path.is_empty() {
        format!("validation error: {m} rule {} execution error: {err}", rule.name)
    } else {
        format!("validation error: {m} rule {} failed at path {path}", rule.name)
    }
}

fn pattern_response(rule: &CompiledRule, outcome: Outcome) -> RuleResponse {
    let (status, msg, path) = match outcome {
        Outcome::Pass => (RuleStatus::Pass, format!("validation rule '{}' passed.", rule.name), None),
        Outcome::Skip { message } => (RuleStatus::Skip, message, None),
        Outcome::Fail { path, message } => (RuleStatus::Fail, error_message(rule, &message, &path), Some(path)),
        Outcome::Error { message } => (RuleStatus::Error, error_message(rule, &message, ""), None),
    };
    let mut r = RuleResponse::new(&rule.name, RuleType::Validation, status, msg);
    r.path = path;
    r
}

fn any_pattern_response(rule: &CompiledRule, outcomes: impl Iterator<Item = Outcome>) -> RuleResponse {
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    let name = &rule.name;
    for (i, o) in outcomes.enumerate() {
        match o {
            Outcome::Pass => {
                return RuleResponse::new(
                    name,
                    RuleType::Validation,
                    RuleStatus::Pass,
                    format!("validation rule '{name}' anyPattern[{i}] passed."),
                )
            }
            Outcome::Skip { message } => skipped.push(format!("rule {name}[{i}] skipped: {message}")),
            Outcome::Fail { path, .. } => failed.push(format!("rule {name}[{i}] failed at path {path}")),
            Outcome::Error { message } => failed.push(format!("rule {name}[{i}] failed: {message}")),
        }
    }
    if !failed.is_empty() {
        let errs = failed.join(" ");
        let m = message(rule);
        let msg = if m.is_empty() {
            format!("validation error: {errs}")
        } else if m.ends_with('.') {
            format!("validation error: {m} {errs}")
        } else {
            format!("validation error: {m}. {errs}")
        };
        return RuleResponse::new(name, RuleType::Validation, RuleStatus::Fail, msg);
    }
    if !skipped.is_empty() {
        return RuleResponse::new(name, RuleType::Validation, RuleStatus::Skip, skipped.join(" "));
    }
    RuleResponse::new(name, RuleType::Validation, RuleStatus::Pass, message(rule))
}
