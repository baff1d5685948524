//! Evaluate: (compiled policies, request, host) → per-policy rule responses
//! (`pkg/engine/engine.go`, `pkg/engine/handlers/validation`).

use serde_json::Value;

use crate::compile::{
    CompiledPolicy, CompiledRule, PatternSource, PolicySet, RuleBody, ValidateBody,
};
use crate::conditions;
use crate::exception::PolicyException;
use crate::foreach::ForeachEntry;
use crate::host::{ContextRequest, Host};
use crate::jmespath::{self, Dialect, Runtime};
use crate::match_pattern::{Outcome, PatternNode};
use crate::matching::{selector_matches, MatchContext};
use crate::policy::{FailureActionOverride, PolicyKind};
use crate::resource::{Request, ResourceMeta};
use crate::response::{PolicyResponse, RuleResponse, RuleStatus, RuleType};
use crate::variables::{substitute_all, Context};
use crate::wildcard;

/// The result of evaluating a request against a policy set.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Validate responses: one entry per policy, in policy order (kept even
    /// when empty, as Kyverno's engine responses are).
    pub policies: Vec<PolicyResponse>,
    /// Mutate responses, one per policy, in the order they ran.
    pub mutations: Vec<PolicyResponse>,
    /// The resource after every mutation, when some rule changed it.
    pub patched: Option<Value>,
}

impl Evaluation {
    /// Whether the request is admitted: no enforced failure and no error of a
    /// `failurePolicy: Fail` policy.
    pub fn allowed(&self) -> bool {
        !self
            .policies
            .iter()
            .chain(self.mutations.iter())
            .any(PolicyResponse::blocks)
    }

    /// The RFC 6902 patch from `original` to the mutated resource (empty
    /// when nothing changed): what the AdmissionReview response carries.
    pub fn patch(&self, original: &Value) -> Vec<Value> {
        match &self.patched {
            Some(p) => crate::mutate::diff(original, p),
            None => Vec::new(),
        }
    }
}

/// The result of the mutate phase alone.
#[derive(Debug, Clone, Default)]
pub struct Mutation {
    /// One response per policy with mutate rules, in policy order.
    pub policies: Vec<PolicyResponse>,
    /// The resource after every mutation, when some rule changed it.
    pub patched: Option<Value>,
}

impl Mutation {
    /// The RFC 6902 patch from `original` to the mutated resource (empty
    /// when nothing changed).
    pub fn patch(&self, original: &Value) -> Vec<Value> {
        match &self.patched {
            Some(p) => crate::mutate::diff(original, p),
            None => Vec::new(),
        }
    }
}

fn is_enforce(action: Option<&str>) -> bool {
    matches!(action, Some("Enforce") | Some("enforce"))
}

fn valid_action(a: &Option<String>) -> bool {
    matches!(
        a.as_deref(),
        Some("Enforce" | "enforce" | "Audit" | "audit")
    )
}

fn override_applies(
    o: &FailureActionOverride,
    ns: &str,
    ns_labels: Option<&std::collections::BTreeMap<String, String>>,
) -> bool {
    if !valid_action(&o.action) {
        return false;
    }
    if o.namespaces.is_empty() && o.namespace_selector.is_none() {
        return true;
    }
    let ns_ok = o.namespaces.iter().any(|p| wildcard::matches(p, ns));
    if !ns_ok {
        return false;
    }
    match &o.namespace_selector {
        None => true,
        Some(sel) => {
            let labels = ns_labels
                .map(|l| l.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .unwrap_or_default();
            selector_matches(sel, &labels).unwrap_or(false)
        }
    }
}

/// `failureActionForRule`: is a failure of this rule enforced?
pub fn rule_enforced(
    policy: &CompiledPolicy,
    rule: &CompiledRule,
    ns: &str,
    request: &Request<'_>,
) -> bool {
    if let Some(v) = &rule.rule.validate {
        if let Some(o) = v
            .failure_action_overrides
            .iter()
            .find(|o| override_applies(o, ns, request.namespace_labels))
        {
            return is_enforce(o.action.as_deref());
        }
        if v.failure_action.is_some() {
            return is_enforce(v.failure_action.as_deref());
        }
    }
    if let Some(o) = policy
        .overrides
        .iter()
        .find(|o| override_applies(o, ns, request.namespace_labels))
    {
        return is_enforce(o.action.as_deref());
    }
    is_enforce(policy.validation_failure_action.as_deref())
}

impl PolicySet {
    /// Evaluate a request as Kyverno's admission does: every policy's
    /// mutate rules in order, then every validate rule on the mutated
    /// resource.
    pub fn evaluate(&self, request: &Request<'_>, host: &dyn Host) -> Evaluation {
        let Mutation {
            policies: mutations,
            patched,
        } = self.mutate(request, host);
        let validate_req = match &patched {
            Some(p) => Request {
                object: Some(p),
                ..*request
            },
            None => *request,
        };
        let policies = self.validate(&validate_req, host);
        Evaluation {
            policies,
            mutations,
            patched,
        }
    }

    /// Only the validate rules of every policy, on the request as given.
    pub fn validate(&self, request: &Request<'_>, host: &dyn Host) -> Vec<PolicyResponse> {
        // One context document per request, shared by every policy: each
        // rule works under a checkpoint and leaves it as it found it.
        let mut vctx = None;
        let mut out: Vec<PolicyResponse> = self
            .policies
            .iter()
            .map(|p| evaluate_policy(p, &self.exceptions, request, host, &mut vctx))
            .collect();
        // Then the ValidatingPolicies (Kubernetes mode, then JSON mode); a
        // policy that does not match gives no response here.
        let vreq = crate::vpol::VpolRequest::from_request(request);
        for mode in [
            crate::vpol::VpolMode::Kubernetes,
            crate::vpol::VpolMode::Json,
        ] {
            for p in self.vpols.iter().filter(|p| p.mode == mode) {
                if let Some(r) = crate::vpol::evaluate(p, &vreq, host) {
                    if !r.rules.is_empty() {
                        out.push(r);
                    }
                }
            }
        }
        out
    }

    /// Only the mutate rules: policies in order, each on the resource the
    /// previous ones produced.
    pub fn mutate(&self, request: &Request<'_>, host: &dyn Host) -> Mutation {
        let mut patched: Option<Value> = None;
        let mut policies = Vec::new();
        for p in &self.policies {
            let req = match &patched {
                Some(v) => Request {
                    object: Some(v),
                    ..*request
                },
                None => *request,
            };
            let (resp, out) = crate::mutation::mutate_policy(p, &self.exceptions, &req, host);
            if !resp.rules.is_empty()
                || p.rules
                    .iter()
                    .any(|r| matches!(r.body, RuleBody::Mutate(_)))
            {
                policies.push(resp);
            }
            if out.is_some() {
                patched = out;
            }
        }
        Mutation { policies, patched }
    }

    /// The generate rules of every policy with some (each response lists the
    /// resources its rules create).
    pub fn generate(&self, request: &Request<'_>, host: &dyn Host) -> Vec<PolicyResponse> {
        self.policies
            .iter()
            .filter(|p| p.has_generate())
            .map(|p| crate::generation::generate_policy(p, request, host))
            .collect()
    }

    /// The generate rules of one policy (by index).
    pub fn generate_policy(
        &self,
        index: usize,
        request: &Request<'_>,
        host: &dyn Host,
    ) -> PolicyResponse {
        match self.policies.get(index) {
            Some(p) => crate::generation::generate_policy(p, request, host),
            None => PolicyResponse {
                policy: Default::default(),
                rules: vec![],
                enforced: vec![],
            },
        }
    }

    /// The mutate rules of one policy (by index) on the request's resource:
    /// the response and the resource after them, when they changed it.
    pub fn mutate_policy(
        &self,
        index: usize,
        request: &Request<'_>,
        host: &dyn Host,
    ) -> (PolicyResponse, Option<Value>) {
        match self.policies.get(index) {
            Some(p) => crate::mutation::mutate_policy(p, &self.exceptions, request, host),
            None => (
                PolicyResponse {
                    policy: Default::default(),
                    rules: vec![],
                    enforced: vec![],
                },
                None,
            ),
        }
    }

    /// Evaluate one policy (by index) against a request. `kyverno test` needs
    /// this because values files give each (policy, resource) its own request.
    pub fn evaluate_policy(
        &self,
        index: usize,
        request: &Request<'_>,
        host: &dyn Host,
    ) -> PolicyResponse {
        match self.policies.get(index) {
            Some(p) => evaluate_policy(p, &self.exceptions, request, host, &mut None),
            None => PolicyResponse {
                policy: Default::default(),
                rules: vec![],
                enforced: vec![],
            },
        }
    }
}

fn evaluate_policy<'h>(
    policy: &CompiledPolicy,
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
    let ctx = MatchContext::new(request, resource);
    // Autogen picks rules by the request's top-level kind (`ComputeRules(policy, gvk.Kind)`).
    let (_, _, kind) = ctx.kind();
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
            RuleBody::VerifyImages(_) => {
                let (rule_type, feature) = (RuleType::ImageVerify, "verifyImages");
                out.rules.push(RuleResponse {
                    rule_type,
                    ..unsupported(rule, feature)
                });
                out.enforced.push(false);
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
        if resp.status == RuleStatus::Fail
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

/// The `images` entry, computed once per context (Kyverno loads it lazily).
pub(crate) fn load_images(ctx: &mut Context<'_>, resource: &Value) {
    if ctx.images_loaded {
        return;
    }
    ctx.images_loaded = true;
    match crate::image::images_context(resource) {
        Ok(Some(v)) => ctx.set("images", v),
        Ok(None) => {}
        Err(e) => ctx.poison("images", e),
    }
}

/// `validateOldObject`: an Enforce rule failing on an UPDATE is skipped when
/// the old object, re-run as a CREATE by an unknown user, fails too.
fn pre_existing_violation(
    policy: &CompiledPolicy,
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
    let present = |v: Option<&Value>| v.is_some_and(|o| !crate::resource::is_empty_object(o));
    let is_update = (present(request.object) && present(request.old_object))
        || request.operation == crate::resource::Operation::Update;
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
    let fake_user = crate::resource::UserInfo {
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
        operation: crate::resource::Operation::Create,
        user_info: Some(&fake_user),
        ..*request
    };
    let mctx = MatchContext::new(&old_req, old);
    if !rule.match_block.matches(&mctx)
        || rule
            .exclude_block
            .as_ref()
            .is_some_and(|e| e.excludes(&mctx))
    {
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

/// Build the JSON context document for a request (`NewPolicyContext`).
pub fn context_document(request: &Request<'_>) -> Value {
    let mut req = serde_json::Map::new();
    let ns = request
        .resource()
        .map(|r| ResourceMeta::of(r).namespace.to_string())
        .unwrap_or_default();
    match request.operation {
        crate::resource::Operation::Delete => {
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
    ctx.delete = request.operation == crate::resource::Operation::Delete;
    if let Some(vars) = request.variables {
        for (k, v) in vars {
            ctx.merge_variable(k, v.clone());
        }
    }
    ctx
}

/// Load a rule's `context` entries (`variable` here; the rest from the host).
pub(crate) fn load_context(
    policy: &CompiledPolicy,
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
fn rule_values_edit_object(
    policy: &CompiledPolicy,
    rule: &CompiledRule,
    ctx: &Context<'_>,
) -> bool {
    ctx.host()
        .rule_values(&policy.info.name, &rule.name)
        .is_some_and(|vals| crate::values::edits_objects(&vals))
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
                crate::gofmt::format_v(field)
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

fn error_response(rule: &CompiledRule, prefix: &str, err: &str) -> RuleResponse {
    RuleResponse::new(
        &rule.name,
        RuleType::Validation,
        RuleStatus::Error,
        format!("{prefix}: {err}"),
    )
}

fn validate_rule(
    policy: &CompiledPolicy,
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
    policy: &CompiledPolicy,
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

/// What Kyverno's engine does before any rule handler: load the context
/// entries and check the preconditions. `Err((status, message))` when the
/// rule ends there (an error, or a skip for unmet preconditions).
pub(crate) fn rule_prelude(
    policy: &CompiledPolicy,
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

/// The skip message when PolicyExceptions exempt this request from the
/// rule (checked after the prelude, as in Kyverno's handlers).
pub(crate) fn exception_skip_message(
    exceptions: &[PolicyException],
    policy: &CompiledPolicy,
    rule: &CompiledRule,
    request: &Request<'_>,
    resource: &Value,
    ctx: &Context<'_>,
) -> Option<String> {
    let named: Vec<&PolicyException> = exceptions
        .iter()
        .filter(|e| e.names(&policy.info.key, &rule.name))
        .collect();
    if named.is_empty() {
        return None;
    }
    let keys = matched_exception_keys(&named, request, resource, ctx);
    (!keys.is_empty()).then(|| {
        format!(
            "rule is skipped due to policy exceptions{}",
            keys.join(", ")
        )
    })
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
    policy: &CompiledPolicy,
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
        return Some(RuleResponse::new(
            &rule.name,
            RuleType::Validation,
            status,
            message,
        ));
    }
    if let Some(message) =
        exception_skip_message(level.exceptions, policy, rule, request, resource, ctx)
    {
        return Some(RuleResponse::new(
            &rule.name,
            RuleType::Validation,
            RuleStatus::Skip,
            message,
        ));
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
        None if request.operation == crate::resource::Operation::Delete => None,
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
        ValidateBody::Unsupported(f) => Some(unsupported(rule, f)),
        ValidateBody::Empty => None,
    }
}

/// `validateForEach`: the first element that neither passes nor skips ends
/// the rule; no counted element at all is no result (or the list error).
#[allow(clippy::too_many_arguments)]
fn validate_foreach(
    policy: &CompiledPolicy,
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
    policy: &CompiledPolicy,
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
