//! The per-rule checks of `pkg/validation/policy/validate.go`: JSON patch
//! shape, resource descriptions, context entries and matched kinds.

use serde_json::Value;

use super::{is_zero, non_empty_list, present, schema_type};

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
pub(super) fn check_json_patch(i: usize, raw: &Value) -> Option<(String, String)> {
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

/// `validateResources`: `any`/`all` mixed with the inline form, and a
/// resource description with nothing in it.
pub(super) fn check_resources(i: usize, raw: &Value) -> Option<(String, String)> {
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
pub(super) fn check_context(i: usize, raw: &Value) -> Option<(String, String)> {
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
pub(super) fn check_match_kinds(i: usize, raw: &Value) -> Option<(String, String)> {
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
