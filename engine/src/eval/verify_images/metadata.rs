//! The verification outcomes recorded in the `kyverno.io/verify-images`
//! annotations (`ImageVerificationMetadata`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{ANNOTATION, SCOPED_ANNOTATION};
use crate::model::response::PolicyInfo;
use crate::model::response::RuleStatus;

/// Verification outcomes recorded in the annotations (`ImageVerificationMetadata`).
#[derive(Debug, Default)]
pub(super) struct Metadata {
    pub(super) data: BTreeMap<String, &'static str>,
    pub(super) scoped: BTreeMap<String, BTreeMap<String, BTreeMap<String, &'static str>>>,
}

impl Metadata {
    pub(super) fn is_empty(&self) -> bool {
        self.data.is_empty() && self.scoped.is_empty()
    }

    /// `Patches` applied to the resource: the annotations added (created
    /// when the resource has none).
    pub(super) fn annotate(&self, resource: &mut Value) {
        let data = serde_json::to_string(&self.data).unwrap_or_default();
        let scoped = (!self.scoped.is_empty())
            .then(|| json!({"version": 1, "policies": self.scoped}).to_string());
        let Some(meta) = resource
            .as_object_mut()
            .map(|r| r.entry("metadata").or_insert_with(|| json!({})))
        else {
            return;
        };
        let Some(meta) = meta.as_object_mut() else {
            return;
        };
        let ann = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if !ann.is_object() {
            *ann = Value::Object(Default::default());
        }
        if let Some(ann) = ann.as_object_mut() {
            ann.insert(ANNOTATION.into(), Value::String(data));
            if let Some(s) = scoped {
                ann.insert(SCOPED_ANNOTATION.into(), Value::String(s));
            }
        }
    }
}

pub(super) fn status_word(s: RuleStatus) -> &'static str {
    match s {
        RuleStatus::Pass => "pass",
        RuleStatus::Skip | RuleStatus::Warn => "skip",
        RuleStatus::Fail | RuleStatus::Error => "fail",
    }
}

/// `IsImageVerifiedForPolicy`: the status the scoped annotation of
/// `resource` records for this policy, rule and image (`ParseImageMetadata`:
/// only the versioned scoped form has per-policy entries).
pub(super) fn scoped_status(
    resource: &Value,
    policy: &PolicyInfo,
    rule: &str,
    image: &str,
) -> Option<&'static str> {
    let text = resource
        .pointer("/metadata/annotations")?
        .get(SCOPED_ANNOTATION)?
        .as_str()?;
    let parsed: Value = serde_json::from_str(text).ok()?;
    if parsed.get("version").and_then(Value::as_i64) != Some(1) {
        return None;
    }
    let key = format!(
        "{}/{}",
        policy.namespace.as_deref().unwrap_or_default(),
        policy.name
    );
    let status = parsed
        .get("policies")?
        .get(&key)?
        .get(rule)?
        .get(image)?
        .as_str()?;
    // Only the statuses Kyverno writes count.
    ["pass", "fail", "skip"].into_iter().find(|s| *s == status)
}
