//! Evaluating one ValidatingPolicy on one request (kyverno-cel.md §2.4):
//! match, exceptions, matchConditions, lazy variables, validations in
//! order, messages, auditAnnotations.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{json, Map, Value};

use super::compile::{CompiledVpol, VpolMode, LIBRARIES};
use super::kinds::KindMap;
use super::matcher::{self, Attributes};
use crate::cel::{Activation, MapVal, NumberMode, Str, Val};
use crate::host::Host;
use crate::model::resource::{Operation, ResourceMeta, UserInfo};
use crate::model::response::{PolicyResponse, RuleResponse, RuleStatus, RuleType};

/// One admission request (or JSON payload) as the family sees it.
#[derive(Debug, Clone, Copy)]
pub struct VpolRequest<'a> {
    /// The object; `None` on DELETE (then `{}`).
    pub object: Option<&'a Value>,
    /// The old object of an UPDATE or DELETE (else `{}`).
    pub old_object: Option<&'a Value>,
    /// The admission operation (CREATE unless the test or values say otherwise).
    pub operation: Operation,
    /// The top-level (group, version, kind) when it differs from the
    /// object's own (values `subresources`), and the subresource.
    pub kind: Option<(&'a str, &'a str, &'a str)>,
    /// The subresource (`status`, `scale`…), empty for the main resource.
    pub subresource: &'a str,
    /// The namespace's labels, for `namespaceSelector`.
    pub namespace_labels: Option<&'a BTreeMap<String, String>>,
    /// The request's Namespace object (`namespaceObject`), when known.
    pub namespace_object: Option<&'a Value>,
    /// `request.userInfo`.
    pub user_info: Option<&'a UserInfo>,
    /// Custom kind → resource mappings.
    pub kinds: Option<&'a KindMap>,
    /// The request's plural resource when the caller looked it up already
    /// (once for all the policies of a request); `None`: from `kinds`.
    pub resource: Option<&'a str>,
    /// A JSON payload rather than a Kubernetes request: only JSON-mode
    /// policies apply, with `object` alone.
    pub json_payload: bool,
}

impl<'a> VpolRequest<'a> {
    /// The family's view of an engine [`Request`](crate::model::resource::Request): no
    /// Namespace object, built-in kind mappings only.
    pub fn from_request(r: &crate::model::resource::Request<'a>) -> VpolRequest<'a> {
        VpolRequest {
            object: r.object,
            old_object: r.old_object,
            operation: r.operation,
            kind: r
                .kind
                .map(|k| (k.group.as_str(), k.version.as_str(), k.kind.as_str())),
            subresource: r.subresource,
            namespace_labels: r.namespace_labels,
            namespace_object: None,
            user_info: r.user_info,
            kinds: None,
            resource: None,
            json_payload: false,
        }
    }
}

static EMPTY: Value = Value::Null;

fn empty_object() -> Value {
    Value::Object(Map::new())
}

fn user_info_json(u: Option<&UserInfo>) -> Value {
    let mut m = Map::new();
    if let Some(u) = u {
        if !u.username.is_empty() {
            m.insert("username".into(), json!(u.username));
        }
        if !u.uid.is_empty() {
            m.insert("uid".into(), json!(u.uid));
        }
        if !u.groups.is_empty() {
            m.insert("groups".into(), json!(u.groups));
        }
        if !u.extra.is_empty() {
            m.insert("extra".into(), json!(u.extra));
        }
    }
    Value::Object(m)
}

/// The result of one validation stage, before it becomes a rule.
enum Outcome {
    Skip,
    ContextError(String),
    Exempted(Vec<usize>),
    Pass(BTreeMap<String, String>),
    Fail(String, usize, BTreeMap<String, String>),
    Error(String, usize),
}

/// Evaluates `policy` on `request`. `None` when Kyverno's CLI keeps no
/// response (a JSON-mode policy on nothing, or a Kubernetes-mode policy on
/// a JSON payload); otherwise a response whose rules are empty when the
/// policy does not match.
pub fn evaluate(
    policy: &CompiledVpol,
    request: &VpolRequest<'_>,
    host: &dyn Host,
) -> Option<PolicyResponse> {
    if let Some(vap) = policy.vap.as_deref() {
        return super::vap::evaluate(policy, vap, request, host);
    }
    if request.json_payload && policy.mode != VpolMode::Json {
        return None;
    }
    let resource = request.object.or(request.old_object).unwrap_or(&EMPTY);
    let meta = ResourceMeta::of(resource);
    let (group, version, kind) = request
        .kind
        .unwrap_or((meta.group, meta.version, meta.kind));
    let default_kinds = KindMap::default();
    let plural = match request.resource {
        Some(r) => std::borrow::Cow::Borrowed(r),
        None => request
            .kinds
            .unwrap_or(&default_kinds)
            .resource_ref(group, version, kind),
    };
    let mut response = PolicyResponse {
        policy: std::sync::Arc::clone(&policy.info),
        rules: Vec::new(),
        enforced: Vec::new(),
    };
    let empty = empty_object();
    let object = request.object.unwrap_or(&empty);
    let old_object = request.old_object.unwrap_or(&empty);
    if policy.mode == VpolMode::Kubernetes {
        let Some(constraints) = policy.match_constraints.as_ref() else {
            return Some(response);
        };
        let attrs = Attributes {
            group,
            version,
            resource: &plural,
            subresource: request.subresource,
            operation: request.operation.as_str(),
            name: meta.name,
            namespace: meta.namespace,
            object,
            old_object,
            namespace_labels: request.namespace_labels,
        };
        match matcher::matches(constraints, &attrs) {
            Ok(true) => {}
            Ok(false) => return Some(response),
            Err(e) => {
                response.rules.push(RuleResponse::new(
                    "match",
                    RuleType::Validation,
                    RuleStatus::Error,
                    format!("failed to execute matching: {e}"),
                ));
                response.enforced.push(false);
                return Some(response);
            }
        }
    }
    let request_value = if policy.mode == VpolMode::Kubernetes && policy.reads.request {
        let mut m = Map::new();
        m.insert("uid".into(), json!(""));
        m.insert(
            "kind".into(),
            json!({"group": group, "version": version, "kind": kind}),
        );
        m.insert(
            "resource".into(),
            json!({"group": group, "version": version, "resource": plural}),
        );
        if !request.subresource.is_empty() {
            m.insert("subResource".into(), json!(request.subresource));
        }
        m.insert(
            "requestKind".into(),
            json!({"group": group, "version": version, "kind": kind}),
        );
        m.insert(
            "requestResource".into(),
            json!({"group": group, "version": version, "resource": plural}),
        );
        if !request.subresource.is_empty() {
            m.insert("requestSubResource".into(), json!(request.subresource));
        }
        if !meta.name.is_empty() {
            m.insert("name".into(), json!(meta.name));
        }
        if !meta.namespace.is_empty() {
            m.insert("namespace".into(), json!(meta.namespace));
        }
        m.insert("operation".into(), json!(request.operation.as_str()));
        m.insert("userInfo".into(), user_info_json(request.user_info));
        // `object` and `oldObject` join in `request_val`, borrowed: a copy
        // per policy and resource cost more than the expressions.
        m.insert("dryRun".into(), json!(false));
        Value::Object(m)
    } else {
        Value::Null
    };
    let outcome = run(policy, request, object, old_object, &request_value, host);
    let (rule, enforced) = match outcome {
        Outcome::Skip => (
            RuleResponse::new("", RuleType::Validation, RuleStatus::Skip, "skip"),
            false,
        ),
        Outcome::ContextError(e) => (
            RuleResponse::new(
                "evaluation",
                RuleType::Validation,
                RuleStatus::Error,
                format!("failed to load context: {e}"),
            ),
            false,
        ),
        Outcome::Exempted(matched) => (
            super::exception::exempted(&policy.exceptions, &matched),
            false,
        ),
        Outcome::Pass(props) => {
            let mut r = RuleResponse::new("", RuleType::Validation, RuleStatus::Pass, "success");
            r.properties = props;
            (r, false)
        }
        Outcome::Fail(message, index, mut props) => {
            props
                .entry("cel.validationIndex".to_string())
                .or_insert_with(|| index.to_string());
            let mut r = RuleResponse::new("", RuleType::Validation, RuleStatus::Fail, message);
            r.properties = props;
            (r, policy.info.enforce)
        }
        Outcome::Error(e, index) => {
            let mut r = RuleResponse::new(
                "",
                RuleType::Validation,
                RuleStatus::Error,
                format!("error: {e}"),
            );
            r.properties
                .insert("cel.validationIndex".to_string(), index.to_string());
            (r, false)
        }
    };
    response.rules.push(rule);
    response.enforced.push(enforced);
    Some(response)
}

fn as_bool(v: Result<Val<'_>, crate::cel::EvalError>) -> Result<bool, String> {
    match v {
        Ok(Val::Bool(b)) => Ok(b),
        Ok(other) => Err(format!(
            "type conversion error from '{}' to 'bool'",
            other.type_name()
        )),
        Err(e) => Err(e.message),
    }
}

/// matchConditions: the first false skips; errors are joined (multierr)
/// and, under failurePolicy Ignore, skip too.
fn conditions_hold<'a>(
    policy: &'a CompiledVpol,
    activation: &Activation<'a>,
    host: &dyn Host,
) -> Result<bool, String> {
    let mut errs = Vec::new();
    for c in &policy.match_conditions {
        match as_bool(c.eval(activation, host)) {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() {
        Ok(true)
    } else if policy.failure_policy_ignore {
        Ok(false)
    } else {
        Err(errs.join("; "))
    }
}

fn audit_annotations<'a>(
    policy: &'a CompiledVpol,
    activation: &Activation<'a>,
    host: &dyn Host,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (key, p) in &policy.audit_annotations {
        match p.eval(activation, host) {
            Ok(Val::String(s)) => {
                if !s.as_str().is_empty() {
                    out.insert(key.clone(), s.as_str().to_string());
                }
            }
            Ok(Val::Null) => {}
            Ok(other) => {
                return Err(format!(
                    "failed to convert auditAnnotation '{key}' expression: type conversion error from '{}' to 'string'",
                    other.type_name()
                ))
            }
            Err(e) => {
                return Err(format!(
                    "failed to evaluate auditAnnotation '{key}': {}",
                    e.message
                ))
            }
        }
    }
    Ok(out)
}

/// `request`: the attributes with `object` and `oldObject` added, as one
/// map whose values borrow the documents. Keys go in serde_json's order,
/// so iterating the map sees what a JSON object would.
fn request_val<'a>(attributes: &'a Value, object: &'a Value, old_object: &'a Value) -> Val<'a> {
    let Value::Object(attributes) = attributes else {
        return Val::Null;
    };
    let mut entries: Vec<(&'a str, &'a Value)> = attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .chain([("object", object), ("oldObject", old_object)])
        .collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut map = MapVal::with_capacity(entries.len());
    for (k, v) in entries {
        // Distinct string keys: the insert cannot be refused.
        let _ = map.insert(
            Val::String(Str::Borrowed(k)),
            Val::from_json(v, NumberMode::Doubles),
        );
    }
    Val::Map(Rc::new(map))
}

fn run<'a>(
    policy: &'a CompiledVpol,
    request: &VpolRequest<'a>,
    object: &'a Value,
    old_object: &'a Value,
    request_value: &'a Value,
    host: &dyn Host,
) -> Outcome {
    let json_mode = policy.mode == VpolMode::Json;
    let null = Value::Null;
    let namespace_object = if json_mode {
        &null
    } else {
        request.namespace_object.unwrap_or(&null)
    };
    let reads = &policy.reads;
    let mut activation = Activation::new(NumberMode::Doubles);
    activation.bind_json("object", object);
    // What no expression reads stays unbound: binding costs more than most
    // checks (`ReadRoots`).
    if reads.old_object {
        activation.bind_json("oldObject", if json_mode { &null } else { old_object });
    }
    if reads.request {
        if json_mode {
            activation.bind_json("request", &null);
        } else {
            activation.bind("request", request_val(request_value, object, old_object));
        }
    }
    if reads.namespace_object {
        activation.bind_json("namespaceObject", namespace_object);
    }
    for (name, _) in LIBRARIES.iter().zip(reads.libs).filter(|(_, read)| *read) {
        let value = match &policy.libs_namespace {
            Some(ns) => crate::cel::libs::namespaced_global_value(name, ns),
            None => crate::cel::libs::global_value(name),
        };
        if let Some(v) = value {
            activation.bind(name, v);
        }
    }
    let outcome = if policy.exceptions.is_empty() {
        super::exception::ExceptionOutcome::default()
    } else {
        match super::exception::evaluate(
            &policy.exceptions,
            &activation,
            host,
            policy.failure_policy_ignore,
        ) {
            Ok(o) => o,
            Err(e) => return Outcome::ContextError(e),
        }
    };
    if let Some(matched) = outcome.exempting {
        return Outcome::Exempted(matched);
    }
    let exceptions = if reads.exceptions {
        super::exception::exceptions_value(&outcome)
    } else {
        Value::Null
    };
    if reads.exceptions {
        activation.bind_json("exceptions", &exceptions);
    }
    match conditions_hold(policy, &activation, host) {
        Ok(true) => {}
        Ok(false) => return Outcome::Skip,
        Err(e) => return Outcome::ContextError(e),
    }
    for (name, p) in &policy.variables {
        activation.bind_variable(name, p);
    }
    for (index, v) in policy.validations.iter().enumerate() {
        match as_bool(v.expression.eval(&activation, host)) {
            Err(e) => return Outcome::Error(e, index),
            Ok(true) => {}
            Ok(false) => {
                let mut message = v.message.clone();
                if let Some(me) = &v.message_expression {
                    message = match me.eval(&activation, host) {
                        Err(e) => format!("failed to evaluate message expression: {}", e.message),
                        Ok(Val::String(s)) => s.as_str().to_string(),
                        Ok(other) => format!(
                            "failed to convert message expression to string: type conversion error from '{}' to 'string'",
                            other.type_name()
                        ),
                    };
                }
                if message.is_empty() {
                    message = format!("CEL expression validation failed at index {index}");
                }
                return match audit_annotations(policy, &activation, host) {
                    Ok(props) => Outcome::Fail(message, index, props),
                    Err(e) => Outcome::Error(e, index),
                };
            }
        }
    }
    match audit_annotations(policy, &activation, host) {
        Ok(props) => Outcome::Pass(props),
        Err(e) => Outcome::ContextError(e),
    }
}
