//! The action checkers Kyverno runs on a rule (`pkg/policy/mutate`,
//! `pkg/policy/validate`, `pkg/policy/common`).

use serde_json::Value;

use super::{non_empty_list, present};

/// The `mutate` action checker (`pkg/policy/mutate`): `foreach` alone, and
/// each entry with exactly one kind of patch or only a nested `foreach`.
pub(super) fn check_mutate(i: usize, raw: &Value) -> Option<(String, String)> {
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

/// The `validate` action checker (`pkg/policy/validate`): exactly one kind
/// of check, and `foreach` entries with a list and exactly one check.
pub(super) fn check_validate(i: usize, raw: &Value) -> Option<(String, String)> {
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
                    if let Some(a) = crate::pattern::anchor::parse(key) {
                        use crate::pattern::anchor::AnchorKind;
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
