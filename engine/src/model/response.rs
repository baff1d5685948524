//! Engine responses: what a rule concluded (`pkg/engine/api`).

use std::sync::Arc;

use serde::Serialize;

/// A rule's status. Reports spell `Warning` as `warn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// Pass.
    Pass,
    /// Fail.
    Fail,
    /// Warn.
    Warn,
    /// Error.
    Error,
    /// Skip.
    Skip,
}

impl RuleStatus {
    /// The status as reports spell it (`pass`, `fail`...).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Pass => "pass",
            RuleStatus::Fail => "fail",
            RuleStatus::Warn => "warn",
            RuleStatus::Error => "error",
            RuleStatus::Skip => "skip",
        }
    }
}

/// Which handler produced the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RuleType {
    /// Validation.
    Validation,
    /// Mutation.
    Mutation,
    /// Generation.
    Generation,
    /// Image verify.
    ImageVerify,
}

/// One rule's answer for one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleResponse {
    /// The rule name as evaluated (`autogen-…` for generated rules).
    pub name: String,
    /// The rule type.
    pub rule_type: RuleType,
    /// The status.
    pub status: RuleStatus,
    /// Kyverno's message, byte for byte.
    pub message: String,
    /// The failing path of a pattern rule (`/spec/containers/0/image/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Resources a generate rule creates (`data` rules; clone sources come
    /// from the host).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generated: Vec<serde_json::Value>,
    /// For generate rules: how the controller keeps what it generated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_options: Option<GenerateOptions>,
    /// Result properties (CEL policies: the auditAnnotations,
    /// `cel.validationIndex`, `exceptions`). A `message` property replaces
    /// the message in reports and test rows.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub properties: std::collections::BTreeMap<String, String>,
}

/// The controller behaviour a generate rule asks for, carried with the
/// generated resources (the engine itself creates nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateOptions {
    /// `synchronize`: keep the downstream resource in sync with the rule.
    pub synchronize: bool,
    /// `orphanDownstreamOnPolicyDelete`: keep downstream resources when the
    /// policy or rule is deleted.
    pub orphan_downstream_on_policy_delete: bool,
}

impl RuleResponse {
    /// A response with no path, generated resources or generate options.
    pub fn new(
        name: &str,
        rule_type: RuleType,
        status: RuleStatus,
        message: impl Into<String>,
    ) -> Self {
        RuleResponse {
            name: name.to_string(),
            rule_type,
            status,
            message: message.into(),
            path: None,
            generated: Vec::new(),
            generate_options: None,
            properties: Default::default(),
        }
    }
}

/// Facts about a policy the views need (name, annotations, actions).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyInfo {
    /// `name`, or `namespace/name` for a namespaced `Policy`.
    pub key: String,
    /// The name.
    pub name: String,
    /// The namespace.
    pub namespace: Option<String>,
    /// The annotations.
    pub annotations: std::collections::BTreeMap<String, String>,
    /// Background processing is enabled (`spec.background`, or a
    /// ValidatingPolicy's `evaluation.background.enabled`; default true).
    pub background: bool,
    /// Admission processing is enabled (`spec.admission`, or a
    /// ValidatingPolicy's `evaluation.admission.enabled`; default true).
    /// With `background` it picks the `process` report property.
    pub admission: bool,
    /// Policy-wide action (`GetValidationFailureAction`) is Enforce.
    pub enforce: bool,
    /// `failurePolicy: Ignore`: errors do not block admission.
    pub failure_policy_ignore: bool,
    /// The CEL kind (`ValidatingPolicy`, `NamespacedValidatingPolicy`) of a
    /// ruleless policy; `None` for ClusterPolicy/Policy. Ruleless policies'
    /// results are matched by policy name only.
    pub cel_kind: Option<String>,
}

/// Every rule response of one policy for one resource.
#[derive(Debug, Clone)]
pub struct PolicyResponse {
    /// The policy.
    pub policy: Arc<PolicyInfo>,
    /// The rules.
    pub rules: Vec<RuleResponse>,
    /// Which of the rules' failures block admission (same order as `rules`).
    pub enforced: Vec<bool>,
}

impl PolicyResponse {
    /// Whether this policy blocks the request: an enforced failure, or an
    /// error under `failurePolicy: Fail`.
    pub fn blocks(&self) -> bool {
        self.enforced.iter().any(|e| *e)
            || (!self.policy.failure_policy_ignore
                && self.rules.iter().any(|r| r.status == RuleStatus::Error))
    }
}
