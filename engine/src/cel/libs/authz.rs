//! Kubernetes' `authz` and `authzSelectors` CEL libraries
//! (`K8S:pkg/cel/library/authz.go`): `authorizer.group(g).resource(r)
//! [.subresource(s).namespace(n).name(n).fieldSelector(f).labelSelector(l)]
//! .check(verb)`, `authorizer.path(p).check(verb)`,
//! `authorizer.serviceAccount(ns, name)`, `authorizer.requestResource`, and
//! the decision's `allowed()`, `reason()`, `errored()`, `error()`.
//!
//! The decision is the one Kyverno's CLI gets offline. Its authorizer
//! (`pkg/engine/internal/auth.go`) ignores what the expression asks about
//! and asks the CLI's fake client whether the *validated resource's kind*
//! may be acted on:
//! - the fake discovery looks the kind up as `lower(kind) + "s"` among the
//!   plurals of the loaded resources (each kind's `UnsafeGuessKindToResource`,
//!   so a kind ending in `s` or `y` is never found): not found is the error
//!   `failed to get GVR for kind <Kind>`;
//! - a SubjectAccessReview for an empty user is the error
//!   `no service account provided`;
//! - otherwise the fake clientset echoes the review back unanswered:
//!   denied, with an empty reason.
//!
//! Every check is therefore denied; `errored()` tells the two error cases
//! apart from a plain denial, as in Kyverno.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{Opaque, Val};
use super::super::EvalError;
use super::k8sformat::{dns1123_label, dns1123_subdomain};
use super::support::{fail, member, opaque, opaque_arg, str_arg};

/// The cel-go type name of `authorizer`.
pub const AUTHORIZER: &str = "kubernetes.authorization.Authorizer";
/// The cel-go type name of `authorizer.path(…)`.
pub const PATH_CHECK: &str = "kubernetes.authorization.PathCheck";
/// The cel-go type name of `authorizer.group(…)`.
pub const GROUP_CHECK: &str = "kubernetes.authorization.GroupCheck";
/// The cel-go type name of `….resource(…)` and `authorizer.requestResource`.
pub const RESOURCE_CHECK: &str = "kubernetes.authorization.ResourceCheck";
/// The cel-go type name of `….check(…)`.
pub const DECISION: &str = "kubernetes.authorization.Decision";

/// An `authorizer` value: who asks, and the kind Kyverno's authorizer
/// answers for (the validated resource's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerVal {
    /// The user name (`system:serviceaccount:<ns>:<name>` after
    /// `serviceAccount`).
    pub user: String,
    /// The validated resource's kind.
    pub kind: String,
}

impl AuthorizerVal {
    /// Kyverno's CLI decision for any check by this authorizer (see the
    /// module documentation): always denied, with the fake client's error.
    fn decide(&self) -> DecisionVal {
        let lower = self.kind.to_lowercase();
        let error = if lower.is_empty() || lower.ends_with('s') || lower.ends_with('y') {
            Some(format!("failed to get GVR for kind {}", self.kind))
        } else if self.user.is_empty() {
            Some("no service account provided".to_string())
        } else {
            None
        };
        DecisionVal { error }
    }
}

/// A path or resource check: its authorizer (what it asks is never read:
/// Kyverno's authorizer does not look at it).
#[derive(Debug, Clone, PartialEq, Eq)]
struct CheckVal {
    type_name: &'static str,
    authorizer: AuthorizerVal,
}

/// A decision: always denied offline; `error` when the check errored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DecisionVal {
    error: Option<String>,
}

impl Opaque for AuthorizerVal {
    fn type_name(&self) -> &'static str {
        AUTHORIZER
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<Self>() == Some(self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Opaque for CheckVal {
    fn type_name(&self) -> &'static str {
        self.type_name
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<Self>() == Some(self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Opaque for DecisionVal {
    fn type_name(&self) -> &'static str {
        DECISION
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<Self>() == Some(self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The `authorizer` variable's value for a request by `user` on a resource
/// of kind `kind`.
pub fn authorizer_value<'a>(user: &str, kind: &str) -> Val<'a> {
    opaque(AuthorizerVal {
        user: user.to_string(),
        kind: kind.to_string(),
    })
}

/// The `authorizer.requestResource` variable's value (a resource check of
/// the request's own resource, by the same authorizer).
pub fn request_resource_value<'a>(user: &str, kind: &str) -> Val<'a> {
    opaque(CheckVal {
        type_name: RESOURCE_CHECK,
        authorizer: AuthorizerVal {
            user: user.to_string(),
            kind: kind.to_string(),
        },
    })
}

fn check_of<'b>(args: &'b [Val<'_>], type_name: &str) -> Result<&'b CheckVal, EvalError> {
    let c = opaque_arg::<CheckVal>(args, 0)?;
    if c.type_name == type_name {
        Ok(c)
    } else {
        Err(super::support::no_such_overload())
    }
}

fn path<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let a = opaque_arg::<AuthorizerVal>(args, 0)?;
    if str_arg(args, 1)?.is_empty() {
        return Err(fail("path must not be empty"));
    }
    Ok(opaque(CheckVal {
        type_name: PATH_CHECK,
        authorizer: a.clone(),
    }))
}

fn group<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let a = opaque_arg::<AuthorizerVal>(args, 0)?;
    str_arg(args, 1)?;
    Ok(opaque(CheckVal {
        type_name: GROUP_CHECK,
        authorizer: a.clone(),
    }))
}

fn service_account<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let a = opaque_arg::<AuthorizerVal>(args, 0)?;
    let namespace = str_arg(args, 1)?;
    let name = str_arg(args, 2)?;
    // apimachinery's ValidateServiceAccountName / ValidateNamespaceName.
    if !dns1123_subdomain(name).is_empty() {
        return Err(fail("Invalid service account name"));
    }
    if !dns1123_label(namespace).is_empty() {
        return Err(fail("Invalid service account namespace"));
    }
    Ok(opaque(AuthorizerVal {
        user: format!("system:serviceaccount:{namespace}:{name}"),
        kind: a.kind.clone(),
    }))
}

fn resource<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let g = check_of(args, GROUP_CHECK)?;
    if str_arg(args, 1)?.is_empty() {
        return Err(fail("resource must not be empty"));
    }
    Ok(opaque(CheckVal {
        type_name: RESOURCE_CHECK,
        authorizer: g.authorizer.clone(),
    }))
}

/// `subresource`, `namespace`, `name`, `fieldSelector`, `labelSelector`:
/// narrow the check (which the offline answer never reads).
fn narrow<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let r = check_of(args, RESOURCE_CHECK)?;
    str_arg(args, 1)?;
    Ok(opaque(r.clone()))
}

fn check<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let c = opaque_arg::<CheckVal>(args, 0)?;
    if c.type_name == GROUP_CHECK {
        return Err(super::support::no_such_overload());
    }
    str_arg(args, 1)?;
    Ok(opaque(c.authorizer.decide()))
}

fn decision<'b>(args: &'b [Val<'_>]) -> Result<&'b DecisionVal, EvalError> {
    opaque_arg::<DecisionVal>(args, 0)
}

fn errored<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(decision(args)?.error.is_some()))
}

fn error<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(
        decision(args)?.error.clone().unwrap_or_default(),
    ))
}

fn allowed<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    decision(args)?;
    Ok(Val::Bool(false))
}

fn reason<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    decision(args)?;
    Ok(Val::string(""))
}

/// Declares `authz` and `authzSelectors` (in Kubernetes' base environment
/// since 1.27 and 1.31).
pub fn register(reg: &mut Registry) {
    let authorizer = || Type::Opaque(AUTHORIZER);
    let path_check = || Type::Opaque(PATH_CHECK);
    let group_check = || Type::Opaque(GROUP_CHECK);
    let resource_check = || Type::Opaque(RESOURCE_CHECK);
    let decision = || Type::Opaque(DECISION);
    for t in [
        AUTHORIZER,
        PATH_CHECK,
        GROUP_CHECK,
        RESOURCE_CHECK,
        DECISION,
    ] {
        reg.add_type(t);
    }
    let s = || Type::String;
    member(
        reg,
        "path",
        "authorizer_path",
        vec![authorizer(), s()],
        path_check(),
        path,
    );
    member(
        reg,
        "group",
        "authorizer_group",
        vec![authorizer(), s()],
        group_check(),
        group,
    );
    member(
        reg,
        "serviceAccount",
        "authorizer_serviceaccount",
        vec![authorizer(), s(), s()],
        authorizer(),
        service_account,
    );
    member(
        reg,
        "resource",
        "groupcheck_resource",
        vec![group_check(), s()],
        resource_check(),
        resource,
    );
    for (name, id) in [
        ("subresource", "resourcecheck_subresource"),
        ("namespace", "resourcecheck_namespace"),
        ("name", "resourcecheck_name"),
        ("fieldSelector", "authorizer_fieldselector"),
        ("labelSelector", "authorizer_labelselector"),
    ] {
        member(
            reg,
            name,
            id,
            vec![resource_check(), s()],
            resource_check(),
            narrow,
        );
    }
    member(
        reg,
        "check",
        "pathcheck_check",
        vec![path_check(), s()],
        decision(),
        check,
    );
    member(
        reg,
        "check",
        "resourcecheck_check",
        vec![resource_check(), s()],
        decision(),
        check,
    );
    member(
        reg,
        "errored",
        "decision_errored",
        vec![decision()],
        Type::Bool,
        errored,
    );
    member(
        reg,
        "error",
        "decision_error",
        vec![decision()],
        Type::String,
        error,
    );
    member(
        reg,
        "allowed",
        "decision_allowed",
        vec![decision()],
        Type::Bool,
        allowed,
    );
    member(
        reg,
        "reason",
        "decision_reason",
        vec![decision()],
        Type::String,
        reason,
    );
}
