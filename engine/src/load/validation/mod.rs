//! Policy validation: the checks `kyverno apply` and `kyverno test` run on
//! every policy before using it, with Kyverno's messages.
//!
//! Two families, because Kyverno's CLI treats them differently:
//!
//! - **Schema** checks ([`check_schema`]): what the CRD's OpenAPI schema
//!   rejects (a field of the wrong type, a value outside an enum). Kyverno's
//!   loader fails on them, so they are [`LoadError::Invalid`].
//! - **Policy validation** ([`validate`]): what `policyvalidation.Validate`
//!   (`pkg/validation/policy/validate.go`) rejects in a well-typed policy: a
//!   rule with no operation, an empty `match`, an empty `validate`. The CLI
//!   skips such a policy and counts an error, so they are
//!   [`LoadError::Rejected`], whose message is Kyverno's error text.
//!
//! Only the offline checks are ported: nothing here needs a cluster.
//!
//! Layout: `schema` (CRD schema), `spec` (the `policy.Validate` field
//! errors of `api/kyverno/v1`), `rules` (the per-rule checks of
//! `validate.go`), `actions` (the mutate and validate action checkers).

mod actions;
mod rules;
mod schema;
mod spec;
mod verify_images;

use serde_json::Value;

use crate::error::{LoadError, Location};
use crate::model::policy::{Policy, PolicyKind};

pub use schema::check_schema;

/// Where a problem is and the location it is reported with.
struct Ctx<'a> {
    policy: &'a str,
    line: Option<usize>,
}

impl Ctx<'_> {
    fn location(&self, rule: Option<&str>, field: &str) -> Box<Location> {
        Box::new(Location {
            line: self.line,
            policy: Some(self.policy.to_string()),
            rule: rule.map(str::to_string),
            field: Some(field.to_string()),
            ..Default::default()
        })
    }
}

fn rule_name(raw: &Value) -> Option<&str> {
    raw.get("name").and_then(Value::as_str)
}

/// Present and not JSON `null`.
fn present<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get(key).filter(|x| !x.is_null())
}

/// Go's name for the JSON type of a value, as the schema errors print it.
fn schema_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Null => "null",
    }
}

/// Whether a Go struct decoded from `v` would equal its zero value: absent,
/// `null`, or a map whose entries are all `null` or `""`.
fn is_zero(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.values().all(|x| x.is_null() || x.as_str() == Some("")),
        Some(_) => false,
    }
}

fn non_empty_list<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    match v.get(key) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

/// `policyvalidation.Validate` for a policy already typed: the first error
/// Kyverno would report, as [`LoadError::Rejected`] with Kyverno's message.
pub fn validate(
    policy: &Policy,
    raw_rules: &[Value],
    line: Option<usize>,
) -> Result<(), LoadError> {
    let ctx = Ctx {
        policy: &policy.metadata.name,
        line,
    };
    let reject = |rule: Option<usize>, field: &str, message: String| {
        let name = rule.and_then(|i| raw_rules.get(i)).and_then(rule_name);
        LoadError::Rejected {
            location: ctx.location(name, field),
            message,
        }
    };
    let namespaced = policy.kind == PolicyKind::Policy;
    if !namespaced
        && policy
            .metadata
            .namespace
            .as_deref()
            .is_some_and(|n| !n.is_empty())
    {
        return Err(reject(
            None,
            "metadata.namespace",
            "A clusterpolicy should not have the namespace defined".into(),
        ));
    }

    // `policy.Validate`: every field error of the spec, aggregated.
    let errs = spec::spec_field_errors(policy, raw_rules, namespaced);
    if let Some(first) = errs.first() {
        let message = if errs.len() == 1 {
            first.text.clone()
        } else {
            let all: Vec<&str> = errs.iter().map(|e| e.text.as_str()).collect();
            format!("[{}]", all.join(", "))
        };
        return Err(reject(first.rule, &first.path, message));
    }

    let admission = policy.spec.admission.unwrap_or(true);
    let background = policy.spec.background.unwrap_or(true);
    if !admission && !background {
        return Err(reject(
            None,
            "spec.admission",
            "disabling both admission and background processing is not allowed".into(),
        ));
    }
    if !admission
        && raw_rules
            .iter()
            .any(|r| has_mutate(r) || has_generate(r) || has_verify_images(r))
    {
        return Err(reject(
            None,
            "spec.admission",
            "disabling admission processing is only allowed with validation policies".into(),
        ));
    }

    for (i, raw) in raw_rules.iter().enumerate() {
        if let Some((field, message)) = rules::check_json_patch(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if let Some((field, message)) = rules::check_resources(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if let Some((field, message)) = rules::check_context(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if let Some((field, message)) = verify_images::check_image_extractors(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if let Some((field, message)) = rules::check_match_kinds(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if has_mutate(raw) {
            if let Some((field, message)) = actions::check_mutate(i, raw) {
                return Err(reject(Some(i), &field, message));
            }
        }
        if has_validate(raw) {
            if let Some((field, message)) = actions::check_validate(i, raw) {
                return Err(reject(Some(i), &field, message));
            }
        }
    }
    Ok(())
}

fn has_mutate(rule: &Value) -> bool {
    !is_zero(rule.get("mutate"))
}

fn has_generate(rule: &Value) -> bool {
    !is_zero(rule.get("generate"))
}

fn has_validate(rule: &Value) -> bool {
    !is_zero(rule.get("validate"))
}

fn has_verify_images(rule: &Value) -> bool {
    non_empty_list(rule, "verifyImages")
        .iter()
        .any(|vi| !is_zero(Some(vi)))
}
