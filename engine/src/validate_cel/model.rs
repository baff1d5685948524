//! The `validate.cel` block and `celPreconditions` as written: Kubernetes'
//! admissionregistration/v1 shapes (`Validation`, `Variable`,
//! `AuditAnnotation`, `ParamKind`, `ParamRef`, `MatchCondition`) that
//! Kyverno embeds in its rule.

use serde::Deserialize;

use crate::model::policy::LabelSelector;

/// `rule.validate.cel`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CelSpec {
    /// Only matters in a cluster (ValidatingAdmissionPolicy generation).
    #[allow(dead_code)] // accepted as written; the CLI never generates a VAP
    #[serde(default)]
    pub generate: Option<bool>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub expressions: Vec<Validation>,
    #[serde(default)]
    pub param_kind: Option<ParamKind>,
    #[serde(default)]
    pub param_ref: Option<ParamRef>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub audit_annotations: Vec<AuditAnnotation>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub variables: Vec<Variable>,
}

/// One `expressions[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    #[serde(default, deserialize_with = "nullable_string")]
    pub expression: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub message: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub message_expression: String,
    /// Carried into the decision in Kubernetes; results do not show it.
    #[allow(dead_code)] // accepted as written; no verno result carries it
    #[serde(default)]
    pub reason: Option<String>,
}

/// One `variables[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    #[serde(default, deserialize_with = "nullable_string")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub expression: String,
}

/// One `auditAnnotations[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditAnnotation {
    #[serde(default, deserialize_with = "nullable_string")]
    pub key: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub value_expression: String,
}

/// `paramKind`: the kind parameters are read from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParamKind {
    #[serde(default, deserialize_with = "nullable_string")]
    pub api_version: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub kind: String,
}

/// `paramRef`: which objects of that kind (one by name, or a selection).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParamRef {
    #[serde(default, deserialize_with = "nullable_string")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub namespace: String,
    #[serde(default)]
    pub selector: Option<LabelSelector>,
    #[serde(default)]
    pub parameter_not_found_action: Option<String>,
}

/// One `celPreconditions[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchCondition {
    #[serde(default, deserialize_with = "nullable_string")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable_string")]
    pub expression: String,
}

fn nullable_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn nullable_string<'de, D>(d: D) -> Result<String, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}
