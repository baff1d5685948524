//! The AdmissionReview response Kyverno's validating webhook would send
//! (`pkg/webhooks/utils/block.go`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::eval::pipeline::Evaluation;
use crate::model::resource::ResourceMeta;
use crate::model::response::RuleStatus;

/// `GetBlockedMessages`: the denial text, or `None` when nothing failed.
///
/// The text starts with two newlines and names every failing or erroring
/// rule of the blocking policies as YAML, exactly as Kyverno prints it.
pub fn blocked_message(eval: &Evaluation, resource: &Value) -> Option<String> {
    let mut failures: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for p in eval.verifications.iter().chain(&eval.policies) {
        if !p.blocks() {
            continue;
        }
        let reasons: BTreeMap<String, String> = p
            .rules
            .iter()
            .filter(|r| !matches!(r.status, RuleStatus::Pass | RuleStatus::Skip))
            .map(|r| (r.name.clone(), r.message.clone()))
            .collect();
        if !reasons.is_empty() {
            failures
                .entry(p.policy.name.clone())
                .or_default()
                .extend(reasons);
        }
    }
    if failures.is_empty() {
        return None;
    }
    let meta = ResourceMeta::of(resource);
    let yaml = crate::yaml::to_yaml_string_unfolded(
        &serde_json::to_value(&failures).unwrap_or(Value::Null),
    );
    Some(format!(
        "\n\nresource {}/{}/{} was blocked due to the following policies \n\n{}",
        meta.kind, meta.namespace, meta.name, yaml
    ))
}

/// The `response` of an `admission.k8s.io/v1` AdmissionReview.
///
/// ```
/// let eval = verno::Evaluation::default();
/// let pod = serde_json::json!({"kind": "Pod", "metadata": {"name": "x"}});
/// let r = verno::report::admission::response("uid-1", &eval, &pod);
/// assert_eq!(r["allowed"], true);
/// ```
pub fn response(uid: &str, eval: &Evaluation, resource: &Value) -> Value {
    if eval.allowed() {
        let warnings: Vec<String> = eval
            .policies
            .iter()
            .flat_map(|p| {
                p.rules
                    .iter()
                    .filter(|r| {
                        matches!(
                            r.status,
                            RuleStatus::Fail | RuleStatus::Error | RuleStatus::Warn
                        )
                    })
                    .map(move |r| format!("policy {}.{}: {}", p.policy.name, r.name, r.message))
            })
            .collect();
        let mut resp = json!({"uid": uid, "allowed": true});
        if !warnings.is_empty() {
            set(&mut resp, "warnings", json!(warnings));
        }
        // The webhook sends mutations as a base64 JSONPatch.
        let patch = eval.patch(resource);
        if !patch.is_empty() {
            let bytes = serde_json::to_vec(&patch).unwrap_or_default();
            set(&mut resp, "patchType", json!("JSONPatch"));
            set(
                &mut resp,
                "patch",
                json!(base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    bytes
                )),
            );
        }
        return resp;
    }
    let message = blocked_message(eval, resource).unwrap_or_default();
    json!({
        "uid": uid,
        "allowed": false,
        "status": {"status": "Failure", "message": message},
    })
}

/// Wrap a response into a full `AdmissionReview`.
pub fn review(response: Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})
}

/// Set `key` of a response object (built by `json!` as an object, so the
/// insert always lands).
fn set(obj: &mut Value, key: &str, value: Value) {
    if let Some(o) = obj.as_object_mut() {
        o.insert(key.into(), value);
    }
}
