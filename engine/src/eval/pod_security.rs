//! The evaluate stage of a podSecurity rule: which PolicyExceptions match,
//! and the rule response.

use serde_json::Value;

use crate::compile::{CompiledRule, KyvernoPolicy};
use crate::matching::exception::PolicyException;
use crate::model::resource::{Operation, Request};
use crate::model::response::{RuleResponse, RuleStatus, RuleType};
use crate::pod_security::{validate, MatchedException, Outcome, PodSecurity};
use crate::variables::Context;

/// The podSecurity handler's response; no result on DELETE.
pub(crate) fn respond(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    ps: &PodSecurity,
    exceptions: &[PolicyException],
    request: &Request<'_>,
    resource: &Value,
    ctx: &Context<'_>,
) -> Option<RuleResponse> {
    if request.operation == Operation::Delete {
        return None;
    }
    let named: Vec<&PolicyException> = exceptions
        .iter()
        .filter(|e| e.names(&policy.info.key, &rule.name))
        .collect();
    let keys = crate::eval::context::matched_exception_keys(&named, request, resource, ctx);
    let matched: Vec<MatchedException<'_>> = named
        .iter()
        .filter(|e| keys.contains(&e.key.as_str()))
        .map(|e| MatchedException {
            key: &e.key,
            controls: &e.pod_security,
        })
        .collect();
    let (status, message) = match validate(&rule.name, ps, resource, &matched) {
        Outcome::Pass(m) => (RuleStatus::Pass, m),
        Outcome::Fail(m) => (RuleStatus::Fail, m),
        Outcome::Skip(m) => (RuleStatus::Skip, m),
        Outcome::Error(m) => (RuleStatus::Error, m),
    };
    Some(RuleResponse::new(
        &rule.name,
        RuleType::Validation,
        status,
        message,
    ))
}
