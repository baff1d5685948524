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

use serde_json::Value;

use crate::error::{LoadError, Location};
use crate::policy::{Policy, PolicyKind};

/// `ValidationFailureAction` on the spec and in overrides (the CRD enum).
const SPEC_ACTIONS: &[&str] = &["audit", "enforce", "Audit", "Enforce"];
/// `validate.failureAction` and `verifyImages[].failureAction`.
const RULE_ACTIONS: &[&str] = &["Audit", "Enforce"];

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

/// A `field.Error` of `k8s.io/apimachinery`: the path and its printed form.
struct FieldError {
    path: String,
    rule: Option<usize>,
    text: String,
}

impl FieldError {
    /// `field.Invalid` with a struct value. Go prints the struct with `%#v`;
    /// that dump is abbreviated here to the type name.
    fn invalid(path: String, rule: Option<usize>, go_type: &str, detail: &str) -> Self {
        let text = format!("{path}: Invalid value: {go_type}{{...}}: {detail}");
        FieldError { path, rule, text }
    }

    fn forbidden(path: String, rule: Option<usize>, detail: &str) -> Self {
        let text = format!("{path}: Forbidden: {detail}");
        FieldError { path, rule, text }
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
    let errs = spec_field_errors(policy, raw_rules, namespaced);
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
        if let Some((field, message)) = check_json_patch(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if let Some((field, message)) = check_resources(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if let Some((field, message)) = check_context(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if let Some((field, message)) = check_match_kinds(i, raw) {
            return Err(reject(Some(i), &field, message));
        }
        if has_mutate(raw) {
            if let Some((field, message)) = check_mutate(i, raw) {
                return Err(reject(Some(i), &field, message));
            }
        }
        if has_validate(raw) {
            if let Some((field, message)) = check_validate(i, raw) {
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

/// `Spec.Validate` → `ValidateRules` → `Rule.Validate` and
/// `MatchResources.Validate`, in Kyverno's order.
fn spec_field_errors(policy: &Policy, raw_rules: &[Value], namespaced: bool) -> Vec<FieldError> {
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

/// `ReplaceAllVars`: every `{{ }}` replaced, so that a patch with
/// variables can be decoded.
fn replace_variables(text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(with);
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// `validateJSONPatchPathForForwardSlash` and `validateJSONPatch`: a
/// `patchesJson6902` decodes as a JSON patch (evanphx/json-patch v5) whose
/// paths start with `/`, whose ops are RFC 6902 ops and which carry a
/// `value` where the op needs one.
fn check_json_patch(i: usize, raw: &Value) -> Option<(String, String)> {
    let text = present(raw, "mutate")?
        .get("patchesJson6902")
        .and_then(Value::as_str)?;
    let field = format!("spec.rules[{i}].mutate.patchesJson6902");
    let slash = |err: String| {
        Some((
            field.clone(),
            format!("path must begin with a forward slash: spec.rules[{i}]: {err}"),
        ))
    };
    let patch = replace_variables(text, "kyvernojsonpatchvariable");
    let ops = match crate::yaml::parse_value(&patch) {
        Err(e) => {
            return slash(format!(
                "error converting YAML to JSON: yaml: {}",
                e.message
            ))
        }
        Ok(Value::Null) => return None,
        Ok(Value::Array(ops)) => ops,
        Ok(other) => {
            return slash(format!(
                "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
                schema_type(&other)
                    .replace("integer", "number")
                    .replace("boolean", "bool")
            ))
        }
    };
    for op in &ops {
        let Value::Object(op) = op else {
            return slash(format!(
                "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                schema_type(op)
                    .replace("integer", "number")
                    .replace("boolean", "bool")
            ));
        };
        match op.get("path").filter(|p| !p.is_null()) {
            None => return slash("operation missing path field: missing value".into()),
            Some(Value::String(p)) if p.starts_with('/') => {}
            Some(Value::String(p)) => return slash(p.clone()),
            Some(_) => {
                return slash("json: cannot unmarshal value into Go value of type string".into())
            }
        }
    }
    for op in &ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("unknown");
        if !matches!(
            kind,
            "add" | "remove" | "replace" | "move" | "copy" | "test"
        ) {
            return Some((
                field.clone(),
                format!("unexpected kind: spec.rules[{i}]: {kind}"),
            ));
        }
        if !matches!(kind, "remove" | "move" | "copy") && op.get("value").is_none() {
            return Some((
                field.clone(),
                format!(
                    "invalid value: spec.rules[{i}]: operation, missing value field: missing value"
                ),
            ));
        }
    }
    None
}

/// The `mutate` action checker (`pkg/policy/mutate`): `foreach` alone, and
/// each entry with exactly one kind of patch or only a nested `foreach`.
fn check_mutate(i: usize, raw: &Value) -> Option<(String, String)> {
    let m = raw.get("mutate")?;
    // `field` is where the problem is written; `tag` is Kyverno's path.
    let at = |field: &str, tag: &str, err: &str| {
        Some((
            format!("spec.rules[{i}].mutate.{field}"),
            format!("path: spec.rules[{i}].mutate.{tag}.: {err}"),
        ))
    };
    let has_psm = |v: &Value| present(v, "patchStrategicMerge").is_some();
    let has_json = |v: &Value| {
        v.get("patchesJson6902")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let foreach = non_empty_list(m, "foreach");
    if foreach.is_empty() {
        if has_psm(m) && has_json(m) {
            return at(
                "patchesJson6902",
                "foreach",
                "only one of `patchStrategicMerge` or `patchesJson6902` is allowed",
            );
        }
        return None;
    }
    if has_psm(m) || has_json(m) {
        return at(
            "foreach",
            "foreach",
            "only one of `foreach`, `patchStrategicMerge`, or `patchesJson6902` is allowed",
        );
    }
    // Kyverno's tag grows across the loop ("foreach[0]foreach[1]"): kept.
    let mut tag = String::new();
    let mut parent = String::new();
    let mut entries = foreach;
    'level: loop {
        for (j, fe) in entries.iter().enumerate() {
            tag.push_str(&format!("foreach[{j}]"));
            let field = format!("{parent}foreach[{j}]");
            let nested = non_empty_list(fe, "foreach");
            if !nested.is_empty() {
                let other = present(fe, "context").is_some()
                    || present(fe, "preconditions").is_some()
                    || has_json(fe)
                    || has_psm(fe);
                if other {
                    return at(
                        &field,
                        &tag,
                        "a nested foreach cannot contain other declarations",
                    );
                }
                parent = format!("{field}.");
                entries = nested;
                continue 'level;
            }
            if has_json(fe) == has_psm(fe) {
                return at(
                    &field,
                    &tag,
                    "only one of `patchStrategicMerge` or `patchesJson6902` is allowed",
                );
            }
        }
        return None;
    }
}

/// `common.ValidatePattern` for validate patterns: only condition,
/// existence, equality, negation and global anchors, and an existence
/// anchor holds a non-empty list. Returns the field (dotted, from `base`),
/// Kyverno's slash path (`//spec/containers0//image`, kept as Go builds
/// it) and the error.
fn check_pattern(pattern: &Value, base: &str) -> Option<(String, String, String)> {
    // (value, Kyverno's path, field path); a stack, as patterns may be deep.
    let mut stack = vec![(pattern, "/".to_string(), base.to_string())];
    while let Some((v, path, field)) = stack.pop() {
        match v {
            Value::Object(m) => {
                let mut children = Vec::with_capacity(m.len());
                for (key, value) in m {
                    let key_path = format!("{path}/{key}");
                    let key_field = format!("{field}.{key}");
                    if let Some(a) = crate::anchor::parse(key) {
                        use crate::anchor::AnchorKind;
                        if a.kind == AnchorKind::AddIfNotPresent {
                            return Some((
                                key_field,
                                key_path,
                                format!("unsupported anchor {key}"),
                            ));
                        }
                        if a.kind == AnchorKind::Existence {
                            match value {
                                Value::Array(items) if items.is_empty() => {
                                    return Some((
                                        key_field,
                                        key_path,
                                        "existence anchor: should have at least one value".into(),
                                    ))
                                }
                                Value::Array(_) => {}
                                _ => {
                                    return Some((
                                        key_field,
                                        key_path,
                                        "existence anchor should have value of type list".into(),
                                    ))
                                }
                            }
                        }
                    }
                    children.push((value, key_path, key_field));
                }
                stack.extend(children.into_iter().rev());
            }
            Value::Array(items) => {
                stack.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(n, item)| (item, format!("{path}{n}/"), format!("{field}[{n}]")))
                        .rev(),
                );
            }
            _ => {}
        }
    }
    None
}

/// `validateResources`: `any`/`all` mixed with the inline form, and a
/// resource description with nothing in it.
fn check_resources(i: usize, raw: &Value) -> Option<(String, String)> {
    let at = |field: &str, path: &str, err: &str| {
        Some((
            format!("spec.rules[{i}].{field}"),
            format!("path: spec.rules[{i}].{path}: {err}"),
        ))
    };
    if let Some(ex) = present(raw, "exclude") {
        let any = non_empty_list(ex, "any");
        let all = non_empty_list(ex, "all");
        if (!any.is_empty() || !all.is_empty()) && !is_zero(ex.get("resources")) {
            return at(
                "exclude",
                "exclude.",
                "can't specify any/all together with exclude resources",
            );
        }
        if !any.is_empty() && !all.is_empty() {
            return at("exclude", "match.", "can't specify any and all together");
        }
    }
    let m = raw.get("match").unwrap_or(&Value::Null);
    let any = non_empty_list(m, "any");
    let all = non_empty_list(m, "all");
    if (!any.is_empty() || !all.is_empty()) && !is_zero(m.get("resources")) {
        return at(
            "match",
            "match.",
            "can't specify any/all together with match resources",
        );
    }
    let (key, filters) = if !any.is_empty() {
        ("any", any)
    } else {
        ("all", all)
    };
    if filters.is_empty() {
        if is_zero(m.get("resources")) {
            let field = if present(m, "resources").is_some() {
                "match.resources"
            } else {
                "match"
            };
            return at(field, "match.resources.", "match resources not specified");
        }
        return None;
    }
    for (j, f) in filters.iter().enumerate() {
        if is_zero(f.get("resources")) {
            let field = if present(f, "resources").is_some() {
                format!("match.{key}[{j}].resources")
            } else {
                format!("match.{key}[{j}]")
            };
            return at(&field, "match.resources.", "match resources not specified");
        }
    }
    None
}

/// `validateRuleContext`: every context entry has a name that is not a
/// built-in variable, exactly one source, and what that source needs. (The
/// JMESPath of an entry is checked when the rule compiles.)
fn check_context(i: usize, raw: &Value) -> Option<(String, String)> {
    let entries = non_empty_list(raw, "context");
    if entries.is_empty() {
        return None;
    }
    let at = |field: String, err: String| Some((field, format!("path: spec.rules[{i}]: {err}")));
    if raw.get("validate").is_some_and(|v| !is_zero(v.get("cel"))) {
        return at(
            format!("spec.rules[{i}].context"),
            "context variables are not supported for CEL expressions in validate rules".into(),
        );
    }
    const RESERVED: [&str; 6] = [
        "images",
        "request",
        "serviceAccountName",
        "serviceAccountNamespace",
        "element",
        "elementIndex",
    ];
    let text = |v: Option<&Value>, key: &str| -> String {
        v.and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    for (j, entry) in entries.iter().enumerate() {
        let field = format!("spec.rules[{i}].context[{j}]");
        let name = text(Some(entry), "name");
        if name.is_empty() {
            return at(field, "a name is required for context entries".into());
        }
        if let Some(v) = RESERVED
            .iter()
            .find(|v| name == **v || name.starts_with(&format!("{v}.")))
        {
            return at(
                field,
                format!(
                    "entry name {name} is invalid as it conflicts with a pre-defined variable {v}"
                ),
            );
        }
        let sources: Vec<&str> = [
            "configMap",
            "apiCall",
            "globalReference",
            "imageRegistry",
            "variable",
        ]
        .into_iter()
        .filter(|k| present(entry, k).is_some())
        .collect();
        let [source] = sources[..] else {
            return at(
                field,
                "exactly one of configMap or apiCall or imageRegistry or variable is required for context entries".into(),
            );
        };
        let body = present(entry, source);
        let err = match source {
            "configMap" if text(body, "name").is_empty() => {
                "a name is required for configMap context entry"
            }
            "configMap" if text(body, "namespace").is_empty() => {
                "a namespace is required for configMap context entry"
            }
            "apiCall"
                if !text(body, "urlPath").is_empty()
                    && body.and_then(|b| present(b, "service")).is_some() =>
            {
                "a URLPath cannot be used for service API calls"
            }
            "globalReference" if text(body, "name").is_empty() => {
                "a name is required for globalReference context entry"
            }
            "imageRegistry" if text(body, "reference").is_empty() => {
                "a ref is required for imageRegistry context entry"
            }
            "variable" => {
                let has_path = !text(body, "jmesPath").is_empty();
                let has = |k: &str| body.and_then(|b| present(b, k)).is_some();
                if !has("value") && !has_path {
                    "a variable must define a value or a jmesPath expression"
                } else if has("default") && !has_path {
                    "a variable must define a default value only when a jmesPath expression is defined"
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        return at(field, err.into());
    }
    None
}

/// A rule whose match names no kind: `validateMatchKindHelper`, which always
/// fails, with a message saying whether the rule only touches metadata.
fn check_match_kinds(i: usize, raw: &Value) -> Option<(String, String)> {
    let m = raw.get("match").unwrap_or(&Value::Null);
    let no_kinds = |rd: Option<&Value>| rd.is_none_or(|rd| non_empty_list(rd, "kinds").is_empty());
    let any = non_empty_list(m, "any");
    let all = non_empty_list(m, "all");
    let missing = if !any.is_empty() {
        any.iter()
            .position(|f| no_kinds(f.get("resources")))
            .map(|j| format!("match.any[{j}].resources.kinds"))
    } else if !all.is_empty() {
        all.iter()
            .position(|f| no_kinds(f.get("resources")))
            .map(|j| format!("match.all[{j}].resources.kinds"))
    } else if no_kinds(m.get("resources")) {
        Some("match.resources.kinds".to_string())
    } else {
        None
    }?;
    let message = if only_metadata(raw) {
        "at least one element must be specified in a kind block, the kind attribute is mandatory when working with the resources element"
    } else {
        "policy can only deal with the metadata field of the resource if the rule does not match any kind"
    };
    Some((format!("spec.rules[{i}].{missing}"), message.to_string()))
}

/// `ruleOnlyDealsWithResourceMetaData`.
fn only_metadata(raw: &Value) -> bool {
    let only_meta_keys = |v: Option<&Value>| match v {
        Some(Value::Object(m)) => m.keys().all(|k| k == "metadata"),
        _ => true,
    };
    if let Some(mutate) = present(raw, "mutate") {
        if !only_meta_keys(mutate.get("patchStrategicMerge")) {
            return false;
        }
        if let Some(text) = mutate.get("patchesJson6902").and_then(Value::as_str) {
            // Undecodable patches are ignored, as Kyverno ignores the error.
            if let Ok(Value::Array(ops)) = serde_json::from_str::<Value>(text) {
                for op in &ops {
                    let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
                    if !path.starts_with("/metadata") {
                        return false;
                    }
                }
            }
        }
    }
    if let Some(v) = present(raw, "validate") {
        if !only_meta_keys(v.get("pattern")) {
            return false;
        }
        match present(v, "anyPattern") {
            None => {}
            Some(Value::Array(ps)) if ps.iter().all(|p| only_meta_keys(Some(p))) => {}
            Some(_) => return false,
        }
    }
    true
}

/// The `validate` action checker (`pkg/policy/validate`): exactly one kind
/// of check, and `foreach` entries with a list and exactly one check.
fn check_validate(i: usize, raw: &Value) -> Option<(String, String)> {
    let v = raw.get("validate")?;
    let at = |field: String, err: &str| {
        Some((field, format!("path: spec.rules[{i}].validate..: {err}")))
    };
    let manifests =
        present(v, "manifests").is_some_and(|m| !non_empty_list(m, "attestors").is_empty());
    let count = [
        "pattern",
        "anyPattern",
        "deny",
        "foreach",
        "podSecurity",
        "cel",
    ]
    .iter()
    .filter(|k| present(v, k).is_some())
    .count()
        + usize::from(manifests);
    let field = format!("spec.rules[{i}].validate");
    if count == 0 {
        return at(
            field,
            "one of pattern, anyPattern, deny, foreach, cel must be specified",
        );
    }
    if count > 1 {
        return at(
            field,
            "only one of pattern, anyPattern, deny, foreach, cel can be specified",
        );
    }
    let rule_field = format!("spec.rules[{i}].validate");
    if let Some(p) = present(v, "pattern") {
        if let Some((field, tag, err)) = check_pattern(p, "pattern") {
            return Some((
                format!("{rule_field}.{field}"),
                format!("path: spec.rules[{i}].validate.pattern.{tag}.: {err}"),
            ));
        }
    }
    match present(v, "anyPattern") {
        None => {}
        Some(Value::Array(ps)) => {
            for (k, p) in ps.iter().enumerate() {
                if let Some((field, tag, err)) = check_pattern(p, &format!("anyPattern[{k}]")) {
                    return Some((
                        format!("{rule_field}.{field}"),
                        format!("path: spec.rules[{i}].validate.anyPattern[{k}].{tag}.: {err}"),
                    ));
                }
            }
        }
        Some(other) => {
            let go_type = match other {
                Value::Object(_) => "object",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                _ => "bool",
            };
            return Some((
                format!("{rule_field}.anyPattern"),
                format!("path: spec.rules[{i}].validate.anyPattern.: failed to deserialize anyPattern, expect array: json: cannot unmarshal {go_type} into Go value of type []interface {{}}"),
            ));
        }
    }
    for (j, entry) in non_empty_list(v, "foreach").iter().enumerate() {
        let field = format!("spec.rules[{i}].validate.foreach[{j}]");
        let list = entry
            .get("list")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if list.is_empty() {
            return at(field, "foreach.list is required");
        }
        let nested = !non_empty_list(entry, "foreach").is_empty();
        let count = ["pattern", "anyPattern", "deny"]
            .iter()
            .filter(|k| present(entry, k).is_some())
            .count()
            + usize::from(nested);
        if count == 0 {
            return at(
                field,
                "one of pattern, anyPattern, deny, or a nested foreach must be specified",
            );
        }
        if count > 1 {
            return at(
                field,
                "only one of pattern, anyPattern, deny, or a nested foreach can be specified",
            );
        }
    }
    None
}
