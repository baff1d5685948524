//! Evaluate: (compiled policies, request, host) → per-policy rule responses
//! (`pkg/engine/engine.go`, `pkg/engine/handlers/validation`).

use serde_json::Value;

use crate::compile::foreach::ForeachEntry;
use crate::compile::{CompiledRule, KyvernoPolicy, PatternSource, RuleBody, ValidateBody};
use crate::conditions;
use crate::eval::context::{
    add_report_properties, exception_skip, load_images, new_context, raw_report_properties,
    report_properties, rule_prelude, rule_values_edit_object,
};
use crate::eval::enforce::rule_enforced;
use crate::host::Host;
use crate::matching::exception::PolicyException;
use crate::matching::MatchContext;
use crate::model::policy::PolicyKind;
use crate::model::resource::{Request, ResourceMeta};
use crate::model::response::{PolicyResponse, RuleResponse, RuleStatus, RuleType};
use crate::pattern::walk::{Outcome, PatternNode};
use crate::variables::{substitute_all, Context};

/// The validate stage of one `kyverno.io` policy (`Validate` in
/// `pkg/engine/engine.go`). `vctx` is the context document shared by the
/// policies of one request, built on first use.
pub(crate) fn evaluate_policy<'h>(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    request: &Request<'_>,
    host: &'h dyn Host,
    vctx: &mut Option<Context<'h>>,
) -> PolicyResponse {
    let mut out = PolicyResponse {
        policy: policy.info.clone(),
        rules: Vec::new(),
        enforced: Vec::new(),
    };
    let Some(resource) = request.resource() else {
        return out;
    };
    let meta = ResourceMeta::of(resource);
    if policy.kind == PolicyKind::Policy && policy.info.namespace.as_deref() != Some(meta.namespace)
    {
        return out;
    }
    let (group, version, kind) = crate::matching::request_kind(request, &meta);
    if !policy.may_match_kind(group, version, kind, request.subresource) {
        return out;
    }
    let ctx = MatchContext::new(request, resource);
    // Autogen picks rules by the request's top-level kind (`ComputeRules(policy, gvk.Kind)`).
    // Built on first use: most pattern rules never query it.
    for rule in policy.rules_for_kind(kind) {
        if !rule.match_block.matches(&ctx)
            || rule
                .exclude_block
                .as_ref()
                .is_some_and(|e| e.excludes(&ctx))
        {
            continue;
        }
        let body = match &rule.body {
            RuleBody::Validate(b) => b,
            RuleBody::None | RuleBody::Mutate(_) | RuleBody::Generate(_) => continue,
            RuleBody::VerifyImages(raw) => {
                let Some(resp) = crate::eval::verify_images::validate_rule(
                    policy, exceptions, rule, raw, request, resource, host,
                ) else {
                    continue;
                };
                out.enforced.push(
                    resp.status == RuleStatus::Fail
                        && crate::eval::verify_images::verify_rule_enforced(
                            policy,
                            rule,
                            raw,
                            meta.namespace,
                            request,
                        ),
                );
                out.rules.push(resp);
                continue;
            }
        };
        let resp = if rule.needs_context || !exceptions.is_empty() {
            let c = vctx.get_or_insert_with(|| new_context(request, host));
            if rule.needs_images {
                load_images(c, resource);
            }
            validate_rule(policy, exceptions, rule, body, resource, request, c)
        } else {
            let mut empty = Context::new(Value::Null, host);
            validate_rule_in_context(
                policy, exceptions, rule, body, resource, request, &mut empty,
            )
        };
        let Some(mut resp) = resp else { continue };
        // Kyverno's CEL handler has no pre-existing-violation check.
        if resp.status == RuleStatus::Fail
            && !matches!(body, ValidateBody::Cel(_))
            && pre_existing_violation(policy, exceptions, rule, body, request, host)
        {
            resp = RuleResponse::new(
                &rule.name,
                RuleType::Validation,
                RuleStatus::Skip,
                "skipping the rule evaluation as pre-existing violations are allowed",
            );
        }
        let stop = policy.apply_one && matches!(resp.status, RuleStatus::Pass | RuleStatus::Fail);
        out.enforced.push(
            resp.status == RuleStatus::Fail && rule_enforced(policy, rule, meta.namespace, request),
        );
        out.rules.push(resp);
        if stop {
            break;
        }
    }
    out
}

/// `validateOldObject`: an Enforce rule failing on an UPDATE is skipped when
/// the old object, re-run as a CREATE by an unknown user, fails too.
fn pre_existing_violation(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    body: &ValidateBody,
    request: &Request<'_>,
    host: &dyn Host,
) -> bool {
    let action = rule
        .rule
        .validate
        .as_ref()
        .and_then(|v| v.failure_action.as_deref())
        .or(policy.validation_failure_action.as_deref());
    let allow = rule
        .rule
        .validate
        .as_ref()
        .and_then(|v| v.allow_existing_violations)
        .unwrap_or(true);
    let present =
        |v: Option<&Value>| v.is_some_and(|o| !crate::model::resource::is_empty_object(o));
    let is_update = (present(request.object) && present(request.old_object))
        || request.operation == crate::model::resource::Operation::Update;
    if !action.is_some_and(|a| a.eq_ignore_ascii_case("enforce")) || !allow || !is_update {
        return false;
    }
    // Kyverno checks preconditions on this path through the raw form, which
    // always fails: rules with preconditions never qualify.
    if rule.rule.preconditions.is_some() {
        return false;
    }
    let Some(old) = request.old_object.filter(|o| present(Some(o))) else {
        return false;
    };
    let fake_user = crate::model::resource::UserInfo {
        username: "kyverno:kyverno-invalid-controller".into(),
        uid: "kyverno:invaliduid".into(),
        groups: vec!["kyverno:invalidgroup".into()],
        roles: vec!["kyverno:invalidrole".into()],
        cluster_roles: vec!["kyverno:invalidrole".into()],
        ..Default::default()
    };
    let old_req = Request {
        object: Some(old),
        old_object: None,
        operation: crate::model::resource::Operation::Create,
        user_info: Some(&fake_user),
        ..*request
    };
    let mctx = MatchContext::new(&old_req, old);
    if !rule.selects(&mctx) {
        return false;
    }
    let mut ctx = new_context(&old_req, host);
    // Values files may pin request.operation; the re-run is a CREATE.
    ctx.add_variable("request.operation", Value::String("CREATE".into()));
    ctx.add_variable("request.object", old.clone());
    ctx.delete = false;
    validate_rule(policy, exceptions, rule, body, old, &old_req, &mut ctx)
        .is_some_and(|r| r.status == RuleStatus::Fail)
}

fn unsupported(rule: &CompiledRule, feature: &str) -> RuleResponse {
    RuleResponse::new(
        &rule.name,
        RuleType::Validation,
        RuleStatus::Error,
        format!("unsupported: {feature}"),
    )
}

fn error_response(rule: &CompiledRule, prefix: &str, err: &str) -> RuleResponse {
    RuleResponse::new(
        &rule.name,
        RuleType::Validation,
        RuleStatus::Error,
        format!("{prefix}: {err}"),
    )
}

fn validate_rule(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    body: &ValidateBody,
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'_>,
) -> Option<RuleResponse> {
    ctx.checkpoint();
    let r = validate_rule_in_context(policy, exceptions, rule, body, resource, request, ctx);
    ctx.restore();
    r
}

fn validate_rule_in_context(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    body: &ValidateBody,
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'_>,
) -> Option<RuleResponse> {
    let level = Level {
        context: &rule.rule.context,
        preconditions: rule.rule.preconditions.as_ref(),
        body,
        nesting: 0,
        element: None,
        exceptions,
    };
    validate_level(policy, rule, &level, resource, request, ctx)
}

/// What one validator checks (`validator` in Kyverno): the rule itself, or
/// one foreach entry for one element.
struct Level<'a> {
    context: &'a [Value],
    preconditions: Option<&'a Value>,
    body: &'a ValidateBody,
    nesting: usize,
    /// The element patterns apply to when the foreach is element-scoped.
    element: Option<&'a Value>,
    /// PolicyExceptions (checked at the rule level only).
    exceptions: &'a [PolicyException],
}

fn validate_level(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    level: &Level<'_>,
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'_>,
) -> Option<RuleResponse> {
    if let Err((status, message)) = rule_prelude(
        policy,
        rule,
        level.context,
        level.nesting == 0,
        level.preconditions,
        ctx,
    ) {
        let mut r = RuleResponse::new(&rule.name, RuleType::Validation, status, message);
        if level.nesting == 0 {
            add_report_properties(&mut r, raw_report_properties(rule));
        }
        return Some(r);
    }
    // Only the rule's own response carries its properties (foreach
    // entries' responses are folded into it).
    let properties = (level.nesting == 0).then(|| report_properties(rule, ctx));
    let mut r = validate_handler(policy, rule, level, resource, request, ctx)?;
    if let Some(p) = properties {
        add_report_properties(&mut r, p);
    }
    Some(r)
}

/// The validate handler proper, once the prelude let the rule through.
fn validate_handler(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    level: &Level<'_>,
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'_>,
) -> Option<RuleResponse> {
    // The podSecurity handler weighs exceptions itself (their controls).
    let pod_security = matches!(level.body, ValidateBody::PodSecurity(_));
    if let Some(skip) = (!pod_security)
        .then(|| {
            exception_skip(
                level.exceptions,
                policy,
                rule,
                request,
                resource,
                ctx,
                RuleType::Validation,
            )
        })
        .flatten()
    {
        return Some(skip);
    }
    // Kyverno's context holds the resource map itself, so rule values under
    // `request.object` edit what this rule's patterns check (not its match,
    // which already ran).
    let edited = (level.nesting == 0 && rule_values_edit_object(policy, rule, ctx))
        .then(|| ctx.document().pointer("/request/object").cloned())
        .flatten()
        .filter(Value::is_object);
    let resource = edited.as_ref().unwrap_or(resource);
    // Patterns check the scoped element, else the resource (never on DELETE).
    let target = match level.element {
        Some(e) => Some(e),
        None if request.operation == crate::model::resource::Operation::Delete => None,
        None => Some(resource),
    };
    match level.body {
        ValidateBody::Deny(deny) => Some(deny_response(rule, deny, ctx)),
        ValidateBody::Pattern(p) => {
            let node = match resolve_pattern(p, ctx) {
                Ok(n) => n,
                Err(e) => return Some(error_response(rule, "variable substitution failed", &e)),
            };
            let target = target?;
            Some(pattern_response(rule, node.validate(target), ctx))
        }
        ValidateBody::AnyPattern(ps) => {
            let mut nodes = Vec::with_capacity(ps.len());
            for p in ps {
                match resolve_pattern(p, ctx) {
                    Ok(n) => nodes.push(n),
                    Err(e) => {
                        return Some(error_response(rule, "variable substitution failed", &e))
                    }
                }
            }
            let target = target?;
            let outcomes: Vec<Outcome> = nodes.iter().map(|n| n.validate(target)).collect();
            Some(any_pattern_response(rule, outcomes.into_iter(), ctx))
        }
        ValidateBody::AnyPatternInvalid(e) => Some(error_response(
            rule,
            "failed to deserialize anyPattern, expected type array",
            e,
        )),
        ValidateBody::Foreach(entries) => validate_foreach(
            policy,
            rule,
            entries,
            level.nesting,
            level.element,
            resource,
            request,
            ctx,
        ),
        ValidateBody::Cel(cel) => Some(crate::validate_cel::evaluate(
            &rule.name,
            cel,
            request,
            ctx.host(),
        )),
        ValidateBody::PodSecurity(ps) => crate::eval::pod_security::respond(
            policy,
            rule,
            ps,
            level.exceptions,
            request,
            resource,
            ctx,
        ),
        ValidateBody::Unsupported(f) => Some(unsupported(rule, f)),
        ValidateBody::Empty => None,
    }
}

/// `validateForEach`: the first element that neither passes nor skips ends
/// the rule; no counted element at all is no result (or the list error).
#[allow(clippy::too_many_arguments)]
fn validate_foreach(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    entries: &[ForeachEntry],
    nesting: usize,
    outer_element: Option<&Value>,
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'_>,
) -> Option<RuleResponse> {
    let mut applied = 0usize;
    let mut list_error = None;
    for entry in entries {
        let elements = match ctx.query(&entry.list) {
            Err(e) if e.contains("Unknown key") => continue,
            Err(e) => {
                list_error = Some(e);
                continue;
            }
            Ok(Value::Array(a)) => a,
            Ok(other) => vec![other],
        };
        let (failure, count) = validate_elements(
            policy,
            rule,
            entry,
            &elements,
            nesting,
            outer_element,
            resource,
            request,
            ctx,
        );
        if let Some(resp) = failure {
            return Some(resp);
        }
        applied += count;
    }
    if applied == 0 {
        return list_error.map(|e| error_response(rule, "failed to evaluate list", &e));
    }
    Some(RuleResponse::new(
        &rule.name,
        RuleType::Validation,
        RuleStatus::Pass,
        "rule passed",
    ))
}

/// Go's `%T` of a decoded JSON value, for Kyverno's elementScope error.
fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// `validateElements`: returns the failing response, if any, and how many
/// elements passed.
#[allow(clippy::too_many_arguments)]
fn validate_elements(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    entry: &ForeachEntry,
    elements: &[Value],
    nesting: usize,
    outer_element: Option<&Value>,
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'_>,
) -> (Option<RuleResponse>, usize) {
    ctx.checkpoint();
    let mut applied = 0;
    let mut failure = None;
    for (index, el) in elements.iter().enumerate() {
        if el.is_null() {
            continue;
        }
        ctx.reset();
        ctx.set("element", el.clone());
        ctx.set(&format!("element{nesting}"), el.clone());
        ctx.set("elementIndex", Value::from(index));
        ctx.set(&format!("elementIndex{nesting}"), Value::from(index));
        let scoped = match entry.element_scope {
            Some(true) if !el.is_object() => {
                failure = Some(error_response(
                    rule,
                    "failed to process foreach",
                    &format!("cannot use elementScope=true foreach rules for elements that are not maps, expected type=map got type={}", go_type_name(el)),
                ));
                break;
            }
            Some(b) => b,
            None => el.is_object(),
        };
        let level = Level {
            context: &entry.context,
            preconditions: entry.preconditions.as_ref(),
            body: &entry.body,
            nesting: nesting + 1,
            element: if scoped { Some(el) } else { outer_element },
            exceptions: &[],
        };
        let Some(r) = validate_level(policy, rule, &level, resource, request, ctx) else {
            continue;
        };
        match r.status {
            RuleStatus::Skip => continue,
            RuleStatus::Pass => applied += 1,
            RuleStatus::Error if r.message.contains("failed to evaluate preconditions") => continue,
            status => {
                failure = Some(RuleResponse::new(
                    &rule.name,
                    RuleType::Validation,
                    status,
                    format!("validation failure: {}", r.message),
                ));
                break;
            }
        }
    }
    ctx.restore();
    (failure, applied)
}

/// A static pattern as compiled, or a dynamic one substituted and compiled now.
fn resolve_pattern<'p>(
    p: &'p PatternSource,
    ctx: &Context<'_>,
) -> Result<std::borrow::Cow<'p, PatternNode>, String> {
    match p {
        PatternSource::Static(n) => Ok(std::borrow::Cow::Borrowed(n)),
        PatternSource::Dynamic(raw) => {
            let v = substitute_all(raw, ctx)?;
            PatternNode::compile(&v)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| e.to_string())
        }
    }
}

fn deny_response(rule: &CompiledRule, deny: &Value, ctx: &Context<'_>) -> RuleResponse {
    let conds = deny.get("conditions").unwrap_or(&Value::Null);
    match conditions::evaluate(conds, ctx) {
        Err(e) => error_response(rule, "failed to check deny conditions", &e),
        Ok((false, _)) => RuleResponse::new(
            &rule.name,
            RuleType::Validation,
            RuleStatus::Pass,
            format!("validation rule '{}' passed.", rule.name),
        ),
        Ok((true, msg)) => {
            let m = message(rule);
            let text = if m.is_empty() && msg.is_empty() {
                format!("validation error: rule {} failed", rule.name)
            } else {
                let joined = conditions::join_non_empty(&[m.to_string(), msg.clone()], "; ");
                match substitute_all(&Value::String(joined), ctx) {
                    Ok(Value::String(s)) => s,
                    Ok(_) => "the produced message didn't resolve to a string, check your policy definition.".into(),
                    Err(_) => msg,
                }
            };
            RuleResponse::new(&rule.name, RuleType::Validation, RuleStatus::Fail, text)
        }
    }
}

fn message(rule: &CompiledRule) -> &str {
    rule.rule
        .validate
        .as_ref()
        .and_then(|v| v.message.as_deref())
        .unwrap_or("")
}

/// The rule message with variables substituted; `Err` when substitution fails.
fn substituted_message(rule: &CompiledRule, ctx: &Context<'_>) -> Result<String, ()> {
    let m = message(rule);
    if !m.contains("{{") {
        return Ok(m.replace("\\{{", "{{"));
    }
    match substitute_all(&Value::String(m.to_string()), ctx) {
        Ok(Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(_) => Err(()),
    }
}

/// `buildErrorMessage`.
fn error_message(rule: &CompiledRule, err: &str, path: &str, ctx: &Context<'_>) -> String {
    if message(rule).is_empty() {
        return if path.is_empty() {
            format!(
                "validation error: rule {} execution error: {err}",
                rule.name
            )
        } else {
            format!("validation error: rule {} failed at path {path}", rule.name)
        };
    }
    let Ok(mut m) = substituted_message(rule, ctx) else {
        return format!(
            "validation error: variables substitution error in rule {} execution error: {err}",
            rule.name
        );
    };
    if !m.ends_with('.') {
        m.push('.');
    }
    if path.is_empty() {
        format!(
            "validation error: {m} rule {} execution error: {err}",
            rule.name
        )
    } else {
        format!(
            "validation error: {m} rule {} failed at path {path}",
            rule.name
        )
    }
}

fn pattern_response(rule: &CompiledRule, outcome: Outcome, ctx: &Context<'_>) -> RuleResponse {
    let (status, msg, path) = match outcome {
        Outcome::Pass => (
            RuleStatus::Pass,
            format!("validation rule '{}' passed.", rule.name),
            None,
        ),
        Outcome::Skip { message } => (RuleStatus::Skip, message, None),
        Outcome::Fail { path, message } => (
            RuleStatus::Fail,
            error_message(rule, &message, &path, ctx),
            Some(path),
        ),
        Outcome::Error { message } => (
            RuleStatus::Error,
            error_message(rule, &message, "", ctx),
            None,
        ),
    };
    let mut r = RuleResponse::new(&rule.name, RuleType::Validation, status, msg);
    r.path = path;
    r
}

fn any_pattern_response(
    rule: &CompiledRule,
    outcomes: impl Iterator<Item = Outcome>,
    ctx: &Context<'_>,
) -> RuleResponse {
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    let name = &rule.name;
    for (i, o) in outcomes.enumerate() {
        match o {
            Outcome::Pass => {
                return RuleResponse::new(
                    name,
                    RuleType::Validation,
                    RuleStatus::Pass,
                    format!("validation rule '{name}' anyPattern[{i}] passed."),
                )
            }
            Outcome::Skip { message } => {
                skipped.push(format!("rule {name}[{i}] skipped: {message}"))
            }
            Outcome::Fail { path, .. } => {
                failed.push(format!("rule {name}[{i}] failed at path {path}"))
            }
            Outcome::Error { message } => {
                failed.push(format!("rule {name}[{i}] failed: {message}"))
            }
        }
    }
    if !failed.is_empty() {
        let errs = failed.join(" ");
        let msg = if message(rule).is_empty() {
            format!("validation error: {errs}")
        } else if let Ok(m) = substituted_message(rule, ctx) {
            if m.ends_with('.') {
                format!("validation error: {m} {errs}")
            } else {
                format!("validation error: {m}. {errs}")
            }
        } else {
            format!("validation error: variables substitution error in rule {name} execution error: {errs}")
        };
        return RuleResponse::new(name, RuleType::Validation, RuleStatus::Fail, msg);
    }
    if !skipped.is_empty() {
        return RuleResponse::new(
            name,
            RuleType::Validation,
            RuleStatus::Skip,
            skipped.join(" "),
        );
    }
    RuleResponse::new(name, RuleType::Validation, RuleStatus::Pass, message(rule))
}
