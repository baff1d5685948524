//! The evaluate stage of a podSecurity rule: which PolicyExceptions match,
//! and the rule response.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::compile::{CompiledRule, KyvernoPolicy};
use crate::eval::images::images_context;
use crate::matching::exception::PolicyException;
use crate::model::resource::{Operation, Request};
use crate::model::response::{RuleResponse, RuleStatus, RuleType};
use crate::pod_security::{report_properties, validate, MatchedException, Outcome, PodSecurity};
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
    let mut properties = BTreeMap::new();
    let (status, message) = match validate(&rule.name, ps, resource, &matched) {
        Outcome::Pass(m) => (RuleStatus::Pass, m),
        Outcome::Fail { message, failures } => {
            let images = container_images(resource);
            let image_of = |name: &str| -> String {
                images
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or_else(|| name.to_string(), |(_, i)| i.clone())
            };
            properties = report_properties(&ps.level, &ps.version, &failures, &image_of);
            (RuleStatus::Fail, message)
        }
        Outcome::Skip {
            message,
            exceptions,
        } => {
            // Reports name the exceptions without their namespace.
            let names: Vec<&str> = exceptions
                .iter()
                .map(|k| k.rsplit('/').next().unwrap_or(k))
                .collect();
            properties.insert("exceptions".to_string(), names.join(","));
            (RuleStatus::Skip, message)
        }
        Outcome::Error(m) => (RuleStatus::Error, m),
    };
    let mut response = RuleResponse::new(&rule.name, RuleType::Validation, status, message);
    response.properties.extend(properties);
    Some(response)
}

/// Container name → image as `ImageInfo.String()` prints it, from the
/// resource's `images` context (`getImageReference` looks in containers,
/// then initContainers, then ephemeralContainers).
fn container_images(resource: &Value) -> Vec<(String, String)> {
    let Ok(Some(images)) = images_context(resource) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for (name, info) in images
            .get(list)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let field = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or("");
            let base = match field("registry") {
                "" => field("path").to_string(),
                registry => format!("{registry}/{}", field("path")),
            };
            let image = match field("digest") {
                "" => format!("{base}:{}", field("tag")),
                digest => format!("{base}@{digest}"),
            };
            out.push((name.clone(), image));
        }
    }
    out
}
