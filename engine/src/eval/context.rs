//! The rule context Kyverno's engine builds before any rule handler runs:
//! the request document (`NewPolicyContext`), `context` entries, rule
//! values, preconditions, PolicyException checks, and the `images` entry.
//! Shared by the validate, mutate and generate stages.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::compile::{CompiledRule, KyvernoPolicy};
use crate::conditions;
use crate::host::{ContextRequest, Host};
use crate::jmespath::{self, Dialect, Runtime};
use crate::matching::exception::PolicyException;
use crate::matching::MatchContext;
use crate::model::resource::{Request, ResourceMeta};
use crate::model::response::{RuleResponse, RuleStatus, RuleType};
use crate::variables::{substitute_all, Context};

/// The `images` entry, computed once per context (Kyverno loads it lazily).
pub(crate) fn load_images(ctx: &mut Context<'_>, resource: &Value) {
    if ctx.images_loaded {
        return;
    }
    ctx.images_loaded = true;
    match crate::eval::images::images_context(resource) {
        Ok(Some(v)) => ctx.set("images", v),
        Ok(None) => {}
        Err(e) => ctx.poison("images", e),
    }
}

/// Build the JSON context document for a request (`NewPolicyContext`).
pub fn context_document(request: &Request<'_>) -> Value {
    let mut req = serde_json::Map::new();
    let ns = request
        .resource()
        .map(|r| ResourceMeta::of(r).namespace.to_string())
        .unwrap_or_default();
    match request.operation {
        crate::model::resource::Operation::Delete => {
            req.insert("object".into(), Value::Null);
        }
        _ => {
            req.insert(
                "object".into(),
                request.object.cloned().unwrap_or(Value::Null),
            );
        }
    }
    if let Some(old) = request.old_object {
        req.insert("oldObject".into(), old.clone());
    }
    req.insert(
        "operation".into(),
        Value::String(request.operation.as_str().into()),
    );
    req.insert("namespace".into(), Value::String(ns));
    let mut doc = serde_json::Map::new();
    if let Some(ui) = request.user_info {
        req.insert(
            "userInfo".into(),
            serde_json::json!({"username": ui.username, "uid": ui.uid, "groups": ui.groups, "extra": ui.extra}),
        );
        req.insert("roles".into(), serde_json::json!(ui.roles));
        req.insert("clusterRoles".into(), serde_json::json!(ui.cluster_roles));
        let (sa_ns, sa_name) = service_account(&ui.username);
        doc.insert("serviceAccountName".into(), Value::String(sa_name));
        doc.insert("serviceAccountNamespace".into(), Value::String(sa_ns));
    }
    doc.insert("request".into(), Value::Object(req));
    Value::Object(doc)
}

/// Kyverno cuts `system:serviceaccount:` positionally, without checking it.
fn service_account(username: &str) -> (String, String) {
    const PREFIX_LEN: usize = "system:serviceaccount:".len();
    if username.len() <= PREFIX_LEN || !username.is_char_boundary(PREFIX_LEN) {
        return (String::new(), String::new());
    }
    let parts: Vec<&str> = username[PREFIX_LEN..].split(':').collect();
    match parts.as_slice() {
        [ns, name, ..] => (ns.to_string(), name.to_string()),
        _ => (String::new(), String::new()),
    }
}

pub(crate) fn new_context<'h>(request: &Request<'_>, host: &'h dyn Host) -> Context<'h> {
    let mut ctx = Context::new(context_document(request), host);
    ctx.delete = request.operation == crate::model::resource::Operation::Delete;
    if let Some(vars) = request.variables {
        for (k, v) in vars {
            ctx.merge_variable(k, v.clone());
        }
    }
    ctx
}

/// Load a rule's `context` entries (`variable` here; the rest from the host).
pub(crate) fn load_context(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    entries: &[Value],
    rule_level: bool,
    ctx: &mut Context<'_>,
) -> Result<(), String> {
    if rule_level {
        if let Some(vals) = ctx.host().rule_values(&policy.info.name, &rule.name) {
            for (k, v) in vals {
                ctx.merge_variable(&k, v);
            }
        }
    }
    for entry in entries {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(var) = entry.get("variable") {
            match variable_entry(var, ctx, &name) {
                Ok(v) => ctx.set(&name, v),
                Err(e) => ctx.poison(&name, e),
            }
            continue;
        }
        if !ctx.host().resolves_context_entries() {
            continue;
        }
        let substituted = substitute_all(entry, ctx)?;
        let req = ContextRequest {
            policy: &policy.info.key,
            rule: &rule.rule.name,
            name: &name,
            entry: &substituted,
        };
        match ctx.host().context_entry(&req) {
            Ok(Some(v)) => ctx.set(&name, v),
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// Do the host's values for this rule set anything under `request.object`?
pub(crate) fn rule_values_edit_object(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    ctx: &Context<'_>,
) -> bool {
    ctx.host()
        .rule_values(&policy.info.name, &rule.name)
        .is_some_and(|vals| crate::variables::values::edits_objects(&vals))
}

/// A `variable` context entry: value, jmesPath, default.
///
/// Like Kyverno's `variableLoader`, `default` is substituted up front, even
/// when it ends up unused (a failure there fails the entry), and a default
/// that substitutes to `null` counts as no default.
fn variable_entry(var: &Value, ctx: &Context<'_>, name: &str) -> Result<Value, String> {
    let substitute = |field: &Value| {
        substitute_all(field, ctx).map_err(|e| {
            format!(
                "failed to substitute variables in context entry {name} {}: {e}",
                crate::go::fmt::format_v(field)
            )
        })
    };
    let path = match var.get("jmesPath") {
        Some(p) => match substitute(p)? {
            Value::String(s) if !s.is_empty() => Some(s),
            Value::String(_) | Value::Null => None,
            other => return Err(format!("jmespath value must be a string, got {other}")),
        },
        None => None,
    };
    let default = match var.get("default").filter(|d| !d.is_null()) {
        Some(d) => Some(substitute(d)?).filter(|d| !d.is_null()),
        None => None,
    };
    let default = default.as_ref();
    let result = match var.get("value").filter(|v| !v.is_null()) {
        Some(value) => {
            let v = substitute(value)?;
            match &path {
                Some(p) => match jmespath::compile(p).and_then(|e| {
                    e.search(
                        &v,
                        &Runtime {
                            dialect: Dialect::Kyverno,
                            host: ctx.host(),
                        },
                    )
                }) {
                    Ok(r) => r,
                    Err(e) => match default {
                        Some(d) => d.clone(),
                        None => {
                            return Err(format!(
                                "failed to apply jmespath {p} to variable {name}: {e}"
                            ))
                        }
                    },
                },
                None => v,
            }
        }
        None => match &path {
            Some(p) => match ctx.query(p) {
                Ok(Value::Null) | Err(_) if default.is_some() => {
                    default.cloned().unwrap_or(Value::Null)
                }
                Ok(r) => r,
                Err(e) => {
                    return Err(format!(
                        "failed to add context entry for variable {name}: {e}"
                    ))
                }
            },
            None => default.cloned().unwrap_or(Value::Null),
        },
    };
    if result.is_null() {
        return Err(format!(
            "failed to add context entry for variable {name} since it evaluated to nil"
        ));
    }
    Ok(result)
}

/// What Kyverno's engine does before any rule handler: load the context
/// entries and check the preconditions. `Err((status, message))` when the
/// rule ends there (an error, or a skip for unmet preconditions).
pub(crate) fn rule_prelude(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    entries: &[Value],
    rule_level: bool,
    preconditions: Option<&Value>,
    ctx: &mut Context<'_>,
) -> Result<(), (RuleStatus, String)> {
    load_context(policy, rule, entries, rule_level, ctx)
        .map_err(|e| (RuleStatus::Error, format!("failed to load context: {e}")))?;
    if let Some(pre) = preconditions {
        match conditions::evaluate(pre, ctx) {
            Err(e) => {
                return Err((
                    RuleStatus::Error,
                    format!("failed to evaluate preconditions: {e}"),
                ))
            }
            Ok((false, msg)) => {
                return Err((
                    RuleStatus::Skip,
                    conditions::join_non_empty(&["preconditions not met".into(), msg], "; "),
                ))
            }
            Ok((true, _)) => {}
        }
    }
    Ok(())
}

/// The rule's `reportProperties` as written: what responses carry when the
/// rule ends before Kyverno substitutes them (context or precondition
/// failures), and for generate rules, whose handler never substitutes them.
pub(crate) fn raw_report_properties(rule: &CompiledRule) -> BTreeMap<String, String> {
    rule.rule.report_properties.clone().unwrap_or_default()
}

/// `SubstitutePropertiesInRule`, run after the context and preconditions:
/// `reportProperties` with their variables substituted. Kyverno only logs
/// a substitution error (or a value that does not decode back into a
/// string map) and keeps the properties as written.
pub(crate) fn report_properties(
    rule: &CompiledRule,
    ctx: &Context<'_>,
) -> BTreeMap<String, String> {
    let raw = raw_report_properties(rule);
    if raw.is_empty() {
        return raw;
    }
    let as_json = Value::Object(
        raw.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    );
    let Ok(Value::Object(substituted)) = substitute_all(&as_json, ctx) else {
        return raw;
    };
    let mut out = BTreeMap::new();
    for (k, v) in substituted {
        match v {
            Value::String(s) => {
                out.insert(k, s);
            }
            // `json.Unmarshal` leaves a null map value as the zero string.
            Value::Null => {
                out.insert(k, String::new());
            }
            _ => return raw,
        }
    }
    out
}

/// Add a rule's `reportProperties` to a response: the properties Kyverno
/// adds when reporting (`exceptions`, podSecurity controls) win over them.
pub(crate) fn add_report_properties(
    response: &mut RuleResponse,
    properties: BTreeMap<String, String>,
) {
    for (k, v) in properties {
        response.properties.entry(k).or_insert(v);
    }
}

/// The skip response when PolicyExceptions exempt this request from the
/// rule: Kyverno's message, and the `exceptions` property reports carry
/// (the exceptions' names, without namespace, joined by `,`).
pub(crate) fn exception_skip(
    exceptions: &[PolicyException],
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    request: &Request<'_>,
    resource: &Value,
    ctx: &Context<'_>,
    rule_type: RuleType,
) -> Option<RuleResponse> {
    let named: Vec<&PolicyException> = exceptions
        .iter()
        .filter(|e| e.names(&policy.info.key, &rule.name))
        .collect();
    if named.is_empty() {
        return None;
    }
    let keys = matched_exception_keys(&named, request, resource, ctx);
    if keys.is_empty() {
        return None;
    }
    let message = format!(
        "rule is skipped due to policy exceptions{}",
        keys.join(", ")
    );
    let names: Vec<&str> = keys
        .iter()
        .map(|k| k.rsplit('/').next().unwrap_or(k))
        .collect();
    let mut r = RuleResponse::new(&rule.name, rule_type, RuleStatus::Skip, message);
    r.properties
        .insert("exceptions".to_string(), names.join(","));
    Some(r)
}

/// `MatchesException`: the keys of the exceptions (already known to name
/// the rule) whose match and conditions select this request.
pub(crate) fn matched_exception_keys<'e>(
    named: &[&'e PolicyException],
    request: &Request<'_>,
    resource: &Value,
    ctx: &Context<'_>,
) -> Vec<&'e str> {
    let mctx = MatchContext::new(request, resource);
    named
        .iter()
        .filter(|e| e.matches(&mctx))
        .filter(|e| match &e.conditions {
            None => true,
            Some(c) => conditions::evaluate_exception_conditions(c, ctx).is_ok_and(|ok| ok),
        })
        .map(|e| e.key.as_str())
        .collect()
}
