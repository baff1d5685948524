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
    ClusterPolicy,
    Policy,
}

/// A Kyverno policy document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub api_version: String,
    pub kind: PolicyKind,
    pub metadata: Metadata,
    pub spec: Spec,
    /// Read for `status.validatingadmissionpolicy.generated`, which makes
    /// Kyverno leave `validate.cel` rules to the generated policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, deserialize_with = "nullable_map")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable_map")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    #[serde(default, deserialize_with = "nullable_vec")]
    pub rules: Vec<Value>,
    #[serde(default)]
    pub validation_failure_action: Option<String>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub validation_failure_action_overrides: Vec<FailureActionOverride>,
    #[serde(default)]
    pub apply_rules: Option<String>,
    #[serde(default)]
    pub failure_policy: Option<String>,
    #[serde(default)]
    pub background: Option<bool>,
    #[serde(default)]
    pub admission: Option<bool>,
    #[serde(default)]
    pub emit_warning: Option<bool>,
    #[serde(default)]
    pub webhook_configuration: Option<Value>,
}

/// `validationFailureActionOverrides[]` / `failureActionOverrides[]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureActionOverride {
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
}

/// One rule. `match` is a Rust keyword, hence `match_resources`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub name: String,
    #[serde(rename = "match", default, deserialize_with = "nullable_default")]
    pub match_resources: MatchResources,
    #[serde(default)]
    pub exclude: Option<MatchResources>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub context: Vec<Value>,
    #[serde(default)]
    pub preconditions: Option<Value>,
    /// `celPreconditions`: Kubernetes match conditions for `validate.cel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cel_preconditions: Option<Value>,
    #[serde(default)]
    pub validate: Option<Validation>,
    #[serde(default)]
    pub mutate: Option<Value>,
    #[serde(default)]
    pub generate: Option<Value>,
    #[serde(default)]
    pub verify_images: Option<Value>,
    #[serde(default)]
    pub report_properties: Option<BTreeMap<String, String>>,
}

/// `match` / `exclude`: `any`, `all`, or the inline (legacy) form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResources {
    #[serde(default)]
    pub any: Option<Vec<ResourceFilter>>,
    #[serde(default)]
    pub all: Option<Vec<ResourceFilter>>,
    #[serde(default)]
    pub resources: Option<ResourceDescription>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub subjects: Vec<Subject>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub roles: Vec<String>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub cluster_roles: Vec<String>,
}

/// One entry of `any`/`all`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFilter {
    #[serde(default)]
    pub resources: Option<ResourceDescription>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub subjects: Vec<Subject>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub roles: Vec<String>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub cluster_roles: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescription {
    #[serde(default, deserialize_with = "nullable_vec")]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub names: Vec<String>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub namespaces: Vec<String>,
    #[serde(default, deserialize_with = "nullable_map")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub selector: Option<LabelSelector>,
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub operations: Vec<String>,
}

/// A Kubernetes `metav1.LabelSelector`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, deserialize_with = "nullable_map")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub values: Vec<String>,
}

/// An RBAC subject (`User`, `Group`, `ServiceAccount`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

/// `validate`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub failure_action: Option<String>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub failure_action_overrides: Vec<FailureActionOverride>,
    #[serde(default)]
    pub allow_existing_violations: Option<bool>,
    #[serde(default)]
    pub pattern: Option<Value>,
    #[serde(default)]
    pub any_pattern: Option<Value>,
    #[serde(default)]
    pub deny: Option<Value>,
    #[serde(default)]
    pub foreach: Option<Value>,
    #[serde(default)]
    pub pod_security: Option<Value>,
    #[serde(default)]
    pub cel: Option<Value>,
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
