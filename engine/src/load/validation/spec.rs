//! `policy.Validate` of `api/kyverno/v1`: field errors of the spec and its
//! rules, printed as `k8s.io/apimachinery` prints them and aggregated.

use serde_json::Value;

use super::{
    has_generate, has_mutate, has_validate, has_verify_images, non_empty_list, present, rule_name,
};
use crate::model::policy::Policy;

/// A `field.Error` of `k8s.io/apimachinery`: the path and its printed form.
pub(super) struct FieldError {
    pub(super) path: String,
    pub(super) rule: Option<usize>,
    pub(super) text: String,
}

impl FieldError {
    /// `field.Invalid` with a struct value. Go prints the struct with `%#v`;
    /// that dump is abbreviated here to the type name.
    pub(super) fn invalid(path: String, rule: Option<usize>, go_type: &str, detail: &str) -> Self {
        let text = format!("{path}: Invalid value: {go_type}{{...}}: {detail}");
        FieldError { path, rule, text }
    }

    /// An error already printed.
    pub(super) fn new(path: String, rule: usize, text: String) -> Self {
        FieldError {
            path,
            rule: Some(rule),
            text,
        }
    }

    fn forbidden(path: String, rule: Option<usize>, detail: &str) -> Self {
        let text = format!("{path}: Forbidden: {detail}");
        FieldError { path, rule, text }
    }
}

/// `Spec.Validate` → `ValidateRules` → `Rule.Validate` and
/// `MatchResources.Validate`, in Kyverno's order.
pub(super) fn spec_field_errors(
    policy: &Policy,
    raw_rules: &[Value],
    namespaced: bool,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, raw) in raw_rules.iter().enumerate() {
        let name = rule_name(raw).unwrap_or_default();
        if !names.insert(name) {
            errs.push(FieldError::invalid(
                format!("spec.rules[{i}].name"),
                Some(i),
                "v1.Rule",
                &format!("Duplicate rule name: '{name}'"),
            ));
        }
    }
    for (i, raw) in raw_rules.iter().enumerate() {
        let path = format!("spec.rules[{i}]");
        let name = rule_name(raw).unwrap_or_default();
        let ops = [
            has_mutate(raw),
            has_validate(raw),
            has_generate(raw),
            has_verify_images(raw),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if ops == 0 {
            errs.push(FieldError::invalid(
                path.clone(),
                Some(i),
                "v1.Rule",
                &format!("No operation defined in the rule '{name}'.(supported operations: mutate,validate,generate,verifyImages)"),
            ));
        } else if ops > 1 {
            errs.push(FieldError::invalid(
                path.clone(),
                Some(i),
                "v1.Rule",
                &format!("Multiple operations defined in the rule '{name}', only one operation (mutate,validate,generate,verifyImages) is allowed per rule"),
            ));
        }
        if present(raw, "imageExtractors").is_some() && !has_verify_images(raw) {
            errs.push(FieldError::invalid(
                format!("{path}.imageExtractors"),
                Some(i),
                "v1.Rule",
                &format!("Invalid rule spec for rule '{name}', imageExtractors can only be defined for verifyImages rule"),
            ));
        }
        for block in ["match", "exclude"] {
            if let Some(m) = present(raw, block) {
                match_field_errors(&mut errs, m, &format!("{path}.{block}"), i, namespaced);
            }
        }
        if let Some(ps) = raw.pointer("/validate/podSecurity") {
            for (field, text) in crate::pod_security::rule_field_errors(ps, &path) {
                errs.push(FieldError {
                    path: field,
                    rule: Some(i),
                    text,
                });
            }
        }
        if has_verify_images(raw) {
            let audit = !policy
                .spec
                .validation_failure_action
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case("enforce"));
            super::verify_images::field_errors(&mut errs, raw, &path, i, audit);
        }
        if has_generate(raw) {
            if let Some(g) = present(raw, "generate") {
                generate_field_errors(&mut errs, g, &path, i);
            }
        }
    }
    if namespaced && !policy.spec.validation_failure_action_overrides.is_empty() {
        errs.push(FieldError::forbidden(
            "spec.validationFailureActionOverrides".into(),
            None,
            "Use of validationFailureActionOverrides is supported only with ClusterPolicy",
        ));
    }
    errs
}

/// `Generation.Validate` as the CLI runs it: offline, no resource is known
/// to be cluster-wide, so every target needs a namespace. Kyverno reports
/// these at the rule's path (`spec.rules[0].namespace`); the location's
/// field is where the value belongs (`spec.rules[0].generate.namespace`).
fn generate_field_errors(errs: &mut Vec<FieldError>, g: &Value, rule_path: &str, rule: usize) {
    let text = |v: &Value, key: &str| -> String {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let clone = present(g, "clone")
        .is_some_and(|c| !text(c, "namespace").is_empty() || !text(c, "name").is_empty());
    let clone_list = present(g, "cloneList").and_then(|c| present(c, "kinds"));
    let foreach = present(g, "foreach");
    let count = usize::from(present(g, "data").is_some())
        + usize::from(clone)
        + usize::from(clone_list.is_some())
        + usize::from(foreach.is_some());
    if count > 1 {
        let mut e = FieldError::forbidden(
            rule_path.into(),
            Some(rule),
            "only one of generate patterns(data, clone, cloneList and foreach) can be specified",
        );
        e.path = format!("{rule_path}.generate");
        errs.push(e);
        return;
    }
    let patterns: Vec<(&Value, String, String)> = match foreach {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(j, item)| {
                (
                    item,
                    format!("{rule_path}.foreach[{j}]"),
                    format!("{rule_path}.generate.foreach[{j}]"),
                )
            })
            .collect(),
        Some(_) => Vec::new(),
        None => vec![(g, rule_path.to_string(), format!("{rule_path}.generate"))],
    };
    for (p, kyverno_path, field) in patterns {
        let mut forbid = |child: &str, detail: &str| {
            let mut e =
                FieldError::forbidden(format!("{kyverno_path}.{child}"), Some(rule), detail);
            e.path = format!("{field}.{child}");
            errs.push(e);
        };
        if !text(p, "kind").is_empty() && text(p, "namespace").is_empty() {
            forbid(
                "namespace",
                "target namespace must be set for a namespaced resource",
            );
        }
        let list_kinds = present(p, "cloneList")
            .map(|c| non_empty_list(c, "kinds"))
            .unwrap_or_default();
        if list_kinds.is_empty() {
            for key in ["kind", "name", "apiVersion"] {
                if text(p, key).is_empty() {
                    forbid(key, &format!("{key} can not be empty"));
                }
            }
        } else if present(p, "cloneList").is_some_and(|c| text(c, "namespace").is_empty()) {
            forbid(
                "cloneList.namespace",
                "namespace is required for namespaced target resources",
            );
        }
    }
}

/// `MatchResources.Validate` (the user-info checks are not ported).
fn match_field_errors(
    errs: &mut Vec<FieldError>,
    m: &Value,
    path: &str,
    rule: usize,
    namespaced: bool,
) {
    let any = non_empty_list(m, "any");
    let all = non_empty_list(m, "all");
    if !any.is_empty() && !all.is_empty() {
        errs.push(FieldError::invalid(
            path.into(),
            Some(rule),
            "v1.MatchResources",
            "Can't specify any and all together",
        ));
    }
    for (key, filters) in [("any", any), ("all", all)] {
        for (j, f) in filters.iter().enumerate() {
            if let Some(rd) = present(f, "resources") {
                description_field_errors(errs, rd, &format!("{path}.{key}[{j}]"), rule, namespaced);
            }
        }
    }
    if let Some(rd) = present(m, "resources") {
        description_field_errors(errs, rd, path, rule, namespaced);
    }
}

/// `ResourceDescription.Validate` (the cluster-scoped kind check needs the
/// cluster's discovery and is not ported).
fn description_field_errors(
    errs: &mut Vec<FieldError>,
    rd: &Value,
    path: &str,
    rule: usize,
    namespaced: bool,
) {
    let name = rd.get("name").and_then(Value::as_str).unwrap_or_default();
    if !name.is_empty() && !non_empty_list(rd, "names").is_empty() {
        errs.push(FieldError::invalid(
            path.into(),
            Some(rule),
            "v1.ResourceDescription",
            "Both name and names can not be specified together",
        ));
    }
    if namespaced && !non_empty_list(rd, "namespaces").is_empty() {
        errs.push(FieldError::forbidden(
            format!("{path}.namespaces"),
            Some(rule),
            "Filtering namespaces not allowed in namespaced policies",
        ));
    }
}
