//! The typed Kyverno policy model (`kyverno.io/v1` `ClusterPolicy` / `Policy`).
//!
//! Only what the engine reads is typed; sub-trees Kyverno treats as free-form
//! JSON (patterns, patches, conditions, context entries) stay
//! `serde_json::Value` and are compiled by the modules that own them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `ClusterPolicy` (cluster-wide) or `Policy` (namespaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyKind {
    /// `ClusterPolicy`.
    ClusterPolicy,
    /// `Policy`.
    Policy,
}

/// A Kyverno policy document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// `apiVersion` as written in the policy.
    pub api_version: String,
    /// `kind` as written in the policy.
    pub kind: PolicyKind,
    /// `metadata` as written in the policy.
    pub metadata: Metadata,
    /// `spec` as written in the policy.
    pub spec: Spec,
    /// Read for `status.validatingadmissionpolicy.generated`, which makes
    /// Kyverno leave `validate.cel` rules to the generated policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
}

/// `metadata`: the parts of a policy's metadata the engine reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// `name` as written in the policy.
    #[serde(default)]
    pub name: String,
    /// `namespace` as written in the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `annotations` as written in the policy.
    #[serde(default, deserialize_with = "nullable_map")]
    pub annotations: BTreeMap<String, String>,
    /// `labels` as written in the policy.
    #[serde(default, deserialize_with = "nullable_map")]
    pub labels: BTreeMap<String, String>,
}

/// `spec` of a ClusterPolicy or Policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    /// `rules` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub rules: Vec<Value>,
    /// `validationFailureAction` as written in the policy.
    #[serde(default)]
    pub validation_failure_action: Option<String>,
    /// `validationFailureActionOverrides` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub validation_failure_action_overrides: Vec<FailureActionOverride>,
    /// `applyRules` as written in the policy.
    #[serde(default)]
    pub apply_rules: Option<String>,
    /// `failurePolicy` as written in the policy.
    #[serde(default)]
    pub failure_policy: Option<String>,
    /// `background` as written in the policy.
    #[serde(default)]
    pub background: Option<bool>,
    /// `admission` as written in the policy.
    #[serde(default)]
    pub admission: Option<bool>,
    /// `emitWarning` as written in the policy.
    #[serde(default)]
    pub emit_warning: Option<bool>,
    /// `webhookConfiguration` as written in the policy.
    #[serde(default)]
    pub webhook_configuration: Option<Value>,
}

/// `validationFailureActionOverrides[]` / `failureActionOverrides[]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureActionOverride {
    /// `action` as written in the policy.
    #[serde(default)]
    pub action: Option<String>,
    /// `namespaces` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub namespaces: Vec<String>,
    /// `namespaceSelector` as written in the policy.
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
}

/// One rule. `match` is a Rust keyword, hence `match_resources`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// `name` as written in the policy.
    pub name: String,
    /// `match` as written in the policy.
    #[serde(rename = "match", default, deserialize_with = "nullable_default")]
    pub match_resources: MatchResources,
    /// `exclude` as written in the policy.
    #[serde(default)]
    pub exclude: Option<MatchResources>,
    /// `context` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub context: Vec<Value>,
    /// `preconditions` as written in the policy.
    #[serde(default)]
    pub preconditions: Option<Value>,
    /// `celPreconditions`: Kubernetes match conditions for `validate.cel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cel_preconditions: Option<Value>,
    /// `validate` as written in the policy.
    #[serde(default)]
    pub validate: Option<Validation>,
    /// `mutate` as written in the policy.
    #[serde(default)]
    pub mutate: Option<Value>,
    /// `generate` as written in the policy.
    #[serde(default)]
    pub generate: Option<Value>,
    /// `verifyImages` as written in the policy.
    #[serde(default)]
    pub verify_images: Option<Value>,
    /// `reportProperties` as written in the policy.
    #[serde(default)]
    pub report_properties: Option<BTreeMap<String, String>>,
    /// `imageExtractors` as written in the policy (kind → extractors).
    #[serde(default)]
    pub image_extractors: Option<serde_json::Value>,
}

/// `match` / `exclude`: `any`, `all`, or the inline (legacy) form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResources {
    /// `any` as written in the policy.
    #[serde(default)]
    pub any: Option<Vec<ResourceFilter>>,
    /// `all` as written in the policy.
    #[serde(default)]
    pub all: Option<Vec<ResourceFilter>>,
    /// `resources` as written in the policy.
    #[serde(default)]
    pub resources: Option<ResourceDescription>,
    /// `subjects` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub subjects: Vec<Subject>,
    /// `roles` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub roles: Vec<String>,
    /// `clusterRoles` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub cluster_roles: Vec<String>,
}

/// One entry of `any`/`all`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFilter {
    /// `resources` as written in the policy.
    #[serde(default)]
    pub resources: Option<ResourceDescription>,
    /// `subjects` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub subjects: Vec<Subject>,
    /// `roles` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub roles: Vec<String>,
    /// `clusterRoles` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub cluster_roles: Vec<String>,
}

/// `resources`: what a match or exclude filter selects by kind, name, namespace, labels, operation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescription {
    /// `kinds` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub kinds: Vec<String>,
    /// `name` as written in the policy.
    #[serde(default)]
    pub name: Option<String>,
    /// `names` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub names: Vec<String>,
    /// `namespaces` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub namespaces: Vec<String>,
    /// `annotations` as written in the policy.
    #[serde(default, deserialize_with = "nullable_map")]
    pub annotations: BTreeMap<String, String>,
    /// `selector` as written in the policy.
    #[serde(default)]
    pub selector: Option<LabelSelector>,
    /// `namespaceSelector` as written in the policy.
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
    /// `operations` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub operations: Vec<String>,
}

/// A Kubernetes `metav1.LabelSelector`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// `matchLabels` as written in the policy.
    #[serde(default, deserialize_with = "nullable_map")]
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` entry of a label selector.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// `key` as written in the policy.
    pub key: String,
    /// `operator` as written in the policy.
    pub operator: String,
    /// `values` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub values: Vec<String>,
}

/// An RBAC subject (`User`, `Group`, `ServiceAccount`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// `kind` as written in the policy.
    pub kind: String,
    /// `name` as written in the policy.
    pub name: String,
    /// `namespace` as written in the policy.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// `validate`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// `message` as written in the policy.
    #[serde(default)]
    pub message: Option<String>,
    /// `failureAction` as written in the policy.
    #[serde(default)]
    pub failure_action: Option<String>,
    /// `failureActionOverrides` as written in the policy.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub failure_action_overrides: Vec<FailureActionOverride>,
    /// `allowExistingViolations` as written in the policy.
    #[serde(default)]
    pub allow_existing_violations: Option<bool>,
    /// `pattern` as written in the policy.
    #[serde(default)]
    pub pattern: Option<Value>,
    /// `anyPattern` as written in the policy.
    #[serde(default)]
    pub any_pattern: Option<Value>,
    /// `deny` as written in the policy.
    #[serde(default)]
    pub deny: Option<Value>,
    /// `foreach` as written in the policy.
    #[serde(default)]
    pub foreach: Option<Value>,
    /// `podSecurity` as written in the policy.
    #[serde(default)]
    pub pod_security: Option<Value>,
    /// `cel` as written in the policy.
    #[serde(default)]
    pub cel: Option<Value>,
    /// `manifests` as written in the policy.
    #[serde(default)]
    pub manifests: Option<Value>,
}

/// `null` reads as the zero value, as Go's JSON decoding does for a struct.
fn nullable_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn nullable_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn nullable_map<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<BTreeMap<String, T>>::deserialize(d)?.unwrap_or_default())
}
