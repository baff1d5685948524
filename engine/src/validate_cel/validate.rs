//! Evaluating a compiled `validate.cel` rule: Kyverno's handler
//! (`pkg/engine/handlers/validation/validate_cel.go`) around Kubernetes'
//! validator (`admission/plugin/policy/validating/validator.go`) and its
//! match-condition matcher, with their messages.

use std::rc::Rc;

use serde_json::Value;

use super::compile::{CelRule, Compiled, CompiledValidation};
use super::{params, request};
use crate::cel::libs::authz;
use crate::cel::{Activation, EvalError, MapVal, NumberMode, Val};
use crate::host::Host;
use crate::model::resource::{is_empty_object, Request, ResourceMeta};
use crate::model::response::{RuleResponse, RuleStatus, RuleType};

/// `celconfig.MaxEvaluatedMessageExpressionSizeBytes`.
const MAX_MESSAGE_BYTES: usize = 5 * 1024;

/// What the validator decided for one parameter (or for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The match conditions were not met (an empty `ValidateResult`).
    NotMatched,
    /// Every expression was true.
    Admit,
    /// A false expression: the failure message.
    Deny(String),
    /// An expression (or match condition, under failure policy Fail) that
    /// did not evaluate: Kubernetes' error text.
    Error(String),
}

/// The rule's response for `req` (Kyverno's handler after its exception
/// and generated-VAP checks).
pub fn evaluate(rule: &str, cel: &CelRule, req: &Request<'_>, host: &dyn Host) -> RuleResponse {
    let respond =
        |status, message: String| RuleResponse::new(rule, RuleType::Validation, status, message);
    let object = req.object.filter(|o| !is_empty_object(o));
    let old_object = req.old_object.filter(|o| !is_empty_object(o));
    let Some(resource) = object.or(old_object) else {
        return respond(RuleStatus::Pass, passed(rule));
    };
    let namespace = request::namespace(req, resource);
    // What no expression reads is left unbuilt (bound as null, never seen).
    let request_doc = if cel.reads("request") {
        request::request(req, resource, namespace)
    } else {
        Value::Null
    };
    let inputs = Inputs {
        object,
        old_object,
        request: &request_doc,
        namespace: if cel.reads("namespaceObject") {
            request::namespace_object(namespace)
        } else {
            Value::Null
        },
        authorizer: reads_authorizer(cel).then(|| Authorizer {
            user: req.user_info.map_or("", |u| u.username.as_str()),
            kind: req
                .kind
                .map_or(ResourceMeta::of(resource).kind, |k| k.kind.as_str()),
        }),
    };
    let decisions: Vec<Decision> = match &cel.params {
        None => vec![validate(cel, &inputs, None, false, host)],
        Some((kind, param_ref)) => match params::collect(kind, param_ref, namespace, host) {
            Err(e) => {
                return respond(
                    RuleStatus::Error,
                    format!("error in parameterized resource: {e}"),
                )
            }
            Ok(ps) => ps
                .iter()
                .map(|p| validate(cel, &inputs, Some(p), false, host))
                .collect(),
        },
    };
    for d in decisions {
        match d {
            Decision::NotMatched => {
                return respond(RuleStatus::Skip, "cel preconditions not met".into())
            }
            // Kyverno's handler maps every denial, errors included, to fail.
            Decision::Deny(message) | Decision::Error(message) => {
                return respond(RuleStatus::Fail, message)
            }
            Decision::Admit => {}
        }
    }
    respond(RuleStatus::Pass, passed(rule))
}

/// Whether any expression (audit annotations included) reads `authorizer`.
fn reads_authorizer(cel: &CelRule) -> bool {
    cel.reads("authorizer")
        || cel
            .audit_annotations
            .iter()
            .any(|(_, c)| c.program.as_ref().is_ok_and(|p| p.reads("authorizer")))
}

fn passed(rule: &str) -> String {
    format!("Validation rule '{rule}' passed.")
}

/// The documents the validator binds.
pub struct Inputs<'r> {
    /// `object` (`None`: null).
    pub object: Option<&'r Value>,
    /// `oldObject` (`None`: null).
    pub old_object: Option<&'r Value>,
    /// `request` (without its objects).
    pub request: &'r Value,
    /// `namespaceObject` for the validations (the match conditions see null).
    pub namespace: Value,
    /// Who asks `authorizer` and about which kind; `None` where Kubernetes'
    /// validator gets no authorizer (a ValidatingAdmissionPolicy in
    /// Kyverno's CLI).
    pub authorizer: Option<Authorizer<'r>>,
}

/// What Kyverno's `validate.cel` authorizer knows of a request: the user
/// name and the validated resource's kind (which it asks about, whatever
/// the expression checks; see [`crate::cel::libs::authz`]).
#[derive(Debug, Clone, Copy)]
pub struct Authorizer<'r> {
    /// The request's user name.
    pub user: &'r str,
    /// The validated resource's kind.
    pub kind: &'r str,
}

/// `validator.Validate` for one parameter. Validations run in order and
/// the first error or denial decides. A match-condition error is an
/// [`Decision::Error`], or no match when `ignore_failures`
/// (`failurePolicy: Ignore`).
pub fn validate(
    cel: &CelRule,
    inputs: &Inputs<'_>,
    param: Option<&Value>,
    ignore_failures: bool,
    host: &dyn Host,
) -> Decision {
    let param = param.map(owned_exact);
    if !cel.preconditions.is_empty() {
        // The matcher binds no namespace.
        let act = activation(cel, inputs, param.as_ref(), false);
        let mut errors = Vec::new();
        for (_, c) in &cel.preconditions {
            match eval(c, &act, host) {
                Err(e) => errors.push(e),
                Ok(Val::Bool(false)) => return Decision::NotMatched,
                Ok(_) => {}
            }
        }
        if !errors.is_empty() {
            if ignore_failures {
                return Decision::NotMatched;
            }
            return Decision::Error(aggregate(&errors));
        }
    }
    let act = activation(cel, inputs, param.as_ref(), true);
    for v in &cel.validations {
        match eval(&v.expression, &act, host) {
            Err(e) => return Decision::Error(e),
            Ok(Val::Bool(true)) => {}
            Ok(_) => return Decision::Deny(failure_message(v, &act, host)),
        }
    }
    Decision::Admit
}

/// The activation: objects (numbers as doubles, as Kyverno's CLI holds
/// them), the request, the namespace (validations only), the parameter and
/// the lazily evaluated variables.
fn activation<'a>(
    cel: &'a CelRule,
    inputs: &'a Inputs<'_>,
    param: Option<&Val<'a>>,
    with_namespace: bool,
) -> Activation<'a> {
    let mut act = Activation::new(NumberMode::Doubles);
    let bind = |act: &mut Activation<'a>, name: &str, v: Option<&'a Value>| match v {
        Some(v) => act.bind_json(name, v),
        None => act.bind(name, Val::Null),
    };
    bind(&mut act, "object", inputs.object);
    bind(&mut act, "oldObject", inputs.old_object);
    act.bind_json("request", inputs.request);
    if with_namespace {
        act.bind_json("namespaceObject", &inputs.namespace);
    } else {
        act.bind("namespaceObject", Val::Null);
    }
    if cel.has_params {
        act.bind("params", param.cloned().unwrap_or(Val::Null));
    }
    if let Some(a) = inputs.authorizer {
        act.bind("authorizer", authz::authorizer_value(a.user, a.kind));
        act.bind(
            "authorizer.requestResource",
            authz::request_resource_value(a.user, a.kind),
        );
    }
    for (name, c) in &cel.variables {
        match &c.program {
            Ok(p) => act.bind_variable(name, p),
            Err(detail) => act.bind_failed_variable(
                name,
                EvalError::new(format!(
                    "composited variable {} fails to compile: {detail}",
                    go_quote(name)
                )),
            ),
        }
    }
    act.set_variable_error_wrapper(|name, e| {
        EvalError::new(format!(
            "composited variable {} fails to evaluate: {}",
            go_quote(name),
            e.message
        ))
    });
    act
}

/// One expression's result, or Kubernetes' error text for it.
fn eval<'a>(c: &'a Compiled, act: &Activation<'a>, host: &dyn Host) -> Result<Val<'a>, String> {
    match &c.program {
        Err(detail) => Err(format!("compilation error: {detail}")),
        Ok(p) => p
            .eval(act, host)
            .map_err(|e| format!("expression '{}' resulted in error: {}", c.source, e.message)),
    }
}

/// The validator's failure message: the message expression's string
/// (trimmed; dropped when it errs, is not a string, is too long or spans
/// lines), else `message` trimmed, else `failed expression: <expr>`.
fn failure_message<'a>(v: &'a CompiledValidation, act: &Activation<'a>, host: &dyn Host) -> String {
    let mut message = String::new();
    if let Some(me) = &v.message_expression {
        if let Ok(Val::String(s)) = eval(me, act, host) {
            let t = s.as_str().trim();
            if t.len() <= MAX_MESSAGE_BYTES && !t.contains('\n') {
                message = t.to_string();
            }
        }
    }
    if message.is_empty() && !v.message.is_empty() {
        message = v.message.trim().to_string();
    }
    if message.is_empty() {
        message = format!("failed expression: {}", v.expression.source.trim());
    }
    message
}

/// `utilerrors.NewAggregate(...).Error()`: one message alone, else the
/// distinct messages in brackets.
fn aggregate(errors: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for e in errors {
        if !seen.contains(&e.as_str()) {
            seen.push(e);
        }
    }
    match seen.as_slice() {
        [one] => (*one).to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// Go's `%q` for a variable name.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A parameter object as Kubernetes hands it to CEL: decoded from YAML, so
/// integers stay integers (unlike the resource, whose numbers Kyverno's
/// CLI turns into doubles).
fn owned_exact(v: &Value) -> Val<'static> {
    match v {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Val::Int(i)
            } else if let Some(u) = n.as_u64() {
                Val::Uint(u)
            } else {
                Val::Double(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => Val::string(s.clone()),
        Value::Array(a) => Val::list(a.iter().map(owned_exact).collect()),
        Value::Object(m) => {
            let mut map = MapVal::new();
            for (k, v) in m {
                // String keys are always valid and distinct.
                let _ = map.insert(Val::string(k.clone()), owned_exact(v));
            }
            Val::Map(Rc::new(map))
        }
    }
}
