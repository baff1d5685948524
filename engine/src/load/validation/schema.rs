//! The CRD schema's checks (`+kubebuilder` enums and field types) that
//! Kyverno's loader applies before anything else.

use serde_json::Value;

use super::{present, rule_name, schema_type, Ctx};
use crate::error::LoadError;
use crate::model::policy::Policy;

/// `ValidationFailureAction` on the spec and in overrides (the CRD enum).
const SPEC_ACTIONS: &[&str] = &["audit", "enforce", "Audit", "Enforce"];
/// `validate.failureAction` and `verifyImages[].failureAction`.
const RULE_ACTIONS: &[&str] = &["Audit", "Enforce"];

/// The CRD schema's checks Kyverno's loader applies: field types serde does
/// not see (free-form sub-trees held as JSON) and enums.
pub fn check_schema(
    policy: &Policy,
    raw_rules: &[Value],
    line: Option<usize>,
) -> Result<(), LoadError> {
    let ctx = Ctx {
        policy: &policy.metadata.name,
        line,
    };
    let enum_error = |rule: Option<&str>, field: String, value: &str, allowed: &[&str]| {
        let supported: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
        LoadError::Invalid {
            location: ctx.location(rule, &field),
            message: format!(
                "{field}: Unsupported value: {value:?}: supported values: {}",
                supported.join(", ")
            ),
        }
    };
    let spec = &policy.spec;
    if let Some(a) = &spec.validation_failure_action {
        if !SPEC_ACTIONS.contains(&a.as_str()) {
            return Err(enum_error(
                None,
                "spec.validationFailureAction".into(),
                a,
                SPEC_ACTIONS,
            ));
        }
    }
    for (i, o) in spec.validation_failure_action_overrides.iter().enumerate() {
        if let Some(a) = o.action.as_deref().filter(|a| !SPEC_ACTIONS.contains(a)) {
            return Err(enum_error(
                None,
                format!("spec.validationFailureActionOverrides[{i}].action"),
                a,
                SPEC_ACTIONS,
            ));
        }
    }
    for (i, raw) in raw_rules.iter().enumerate() {
        let rule = rule_name(raw);
        let path = format!("spec.rules[{i}]");
        let type_error = |field: String, v: &Value, want: &str| {
            let got = schema_type(v);
            LoadError::Invalid {
                location: ctx.location(rule, &field),
                message: format!(
                    "{field}: Invalid value: {got:?}: {field} in body must be of type {want}: {got:?}"
                ),
            }
        };
        for key in ["mutate", "generate"] {
            if let Some(v) = present(raw, key).filter(|v| !v.is_object()) {
                return Err(type_error(format!("{path}.{key}"), v, "object"));
            }
        }
        for key in ["context", "verifyImages"] {
            match present(raw, key) {
                Some(Value::Array(items)) => {
                    for (j, item) in items.iter().enumerate() {
                        if !item.is_object() {
                            return Err(type_error(format!("{path}.{key}[{j}]"), item, "object"));
                        }
                    }
                }
                Some(v) => return Err(type_error(format!("{path}.{key}"), v, "array")),
                None => {}
            }
        }
        if let Some(v) = present(raw, "validate") {
            if let Some(a) = present(v, "failureAction") {
                let s = a.as_str().unwrap_or_default();
                if !RULE_ACTIONS.contains(&s) {
                    return Err(enum_error(
                        rule,
                        format!("{path}.validate.failureAction"),
                        s,
                        RULE_ACTIONS,
                    ));
                }
            }
            if let Some(ps) = present(v, "podSecurity") {
                let at = format!("{path}.validate.podSecurity");
                if let Some((field, value, allowed)) =
                    crate::pod_security::schema_violation(ps, &at)
                {
                    return Err(enum_error(rule, field, &value, allowed));
                }
            }
            if let Some(Value::Array(os)) = present(v, "failureActionOverrides") {
                for (j, o) in os.iter().enumerate() {
                    if let Some(a) = present(o, "action") {
                        let s = a.as_str().unwrap_or_default();
                        if !SPEC_ACTIONS.contains(&s) {
                            return Err(enum_error(
                                rule,
                                format!("{path}.validate.failureActionOverrides[{j}].action"),
                                s,
                                SPEC_ACTIONS,
                            ));
                        }
                    }
                }
            }
        }
        if let Some(Value::Array(vis)) = present(raw, "verifyImages") {
            for (j, vi) in vis.iter().enumerate() {
                if let Some(a) = present(vi, "failureAction") {
                    let s = a.as_str().unwrap_or_default();
                    if !RULE_ACTIONS.contains(&s) {
                        return Err(enum_error(
                            rule,
                            format!("{path}.verifyImages[{j}].failureAction"),
                            s,
                            RULE_ACTIONS,
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}
