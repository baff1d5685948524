//! The variables each kind of policy declares, with the types Kyverno gives
//! them (kyverno-cel.md §7.1): `object`, `oldObject` and `params` are `dyn`,
//! `request` is the AdmissionRequest object type, `namespaceObject` the
//! Namespace type, `variables` an object type that grows as the policy's
//! variables are compiled, `exceptions` Kyverno's exception struct.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::cel::types::{ObjectType, Type};
use crate::cel::{Env, EnvKind};

/// The name of the variable that holds the policy's variables.
pub const VARIABLES: &str = "variables";

fn object(name: &str, fields: &[(&str, Type)]) -> Type {
    Type::Object(Arc::new(ObjectType {
        name: name.to_string(),
        fields: fields
            .iter()
            .map(|(n, t)| (n.to_string(), t.clone()))
            .collect::<BTreeMap<_, _>>(),
    }))
}

/// Kubernetes' AdmissionRequest declaration (`BuildRequestType` in
/// k8s.io/apiserver's admission CEL plugin); Kyverno adds `object` and
/// `oldObject` as `dyn`.
fn request_type(with_objects: bool) -> Type {
    let gvk = object(
        "kubernetes.GroupVersionKind",
        &[
            ("group", Type::String),
            ("version", Type::String),
            ("kind", Type::String),
        ],
    );
    let gvr = object(
        "kubernetes.GroupVersionResource",
        &[
            ("group", Type::String),
            ("version", Type::String),
            ("resource", Type::String),
        ],
    );
    let user_info = object(
        "kubernetes.UserInfo",
        &[
            ("username", Type::String),
            ("uid", Type::String),
            ("groups", Type::list(Type::String)),
            ("extra", Type::map(Type::String, Type::list(Type::String))),
        ],
    );
    let mut fields = vec![
        ("kind", gvk.clone()),
        ("resource", gvr.clone()),
        ("subResource", Type::String),
        ("requestKind", gvk),
        ("requestResource", gvr),
        ("requestSubResource", Type::String),
        ("name", Type::String),
        ("namespace", Type::String),
        ("operation", Type::String),
        ("userInfo", user_info),
        ("dryRun", Type::Bool),
        ("options", Type::Dyn),
    ];
    if with_objects {
        fields.push(("object", Type::Dyn));
        fields.push(("oldObject", Type::Dyn));
    }
    object("kubernetes.AdmissionRequest", &fields)
}

/// Kubernetes' Namespace declaration (`BuildNamespaceType`).
fn namespace_type() -> Type {
    let strings = || Type::list(Type::String);
    let string_map = || Type::map(Type::String, Type::String);
    let spec = object("kubernetes.NamespaceSpec", &[("finalizers", strings())]);
    let condition = object(
        "kubernetes.NamespaceCondition",
        &[
            ("status", Type::String),
            ("type", Type::String),
            ("lastTransitionTime", Type::Timestamp),
            ("message", Type::String),
            ("reason", Type::String),
        ],
    );
    let status = object(
        "kubernetes.NamespaceStatus",
        &[
            ("conditions", Type::list(condition)),
            ("phase", Type::String),
        ],
    );
    let metadata = object(
        "kubernetes.NamespaceMetadata",
        &[
            ("name", Type::String),
            ("generateName", Type::String),
            ("namespace", Type::String),
            ("labels", string_map()),
            ("annotations", string_map()),
            ("UID", Type::String),
            ("creationTimestamp", Type::Timestamp),
            ("deletionGracePeriodSeconds", Type::Int),
            ("deletionTimestamp", Type::Timestamp),
            ("generation", Type::Int),
            ("resourceVersion", Type::String),
            ("finalizers", strings()),
        ],
    );
    object(
        "kubernetes.Namespace",
        &[("metadata", metadata), ("spec", spec), ("status", status)],
    )
}

/// Kyverno's exception struct (`libs.Exception`; dpol names it
/// `compiler.Exception`).
fn exception_type(name: &str) -> Type {
    object(
        name,
        &[
            ("allowedImages", Type::list(Type::String)),
            ("allowedValues", Type::list(Type::String)),
        ],
    )
}

/// The empty `variables` object type of `kind`.
pub fn variables_type(kind: EnvKind) -> Type {
    let name = match kind {
        EnvKind::AdmissionPolicy => "kubernetes.variables",
        _ => "kyverno.variables",
    };
    object(name, &[])
}

struct Shared {
    kyverno_request: Type,
    k8s_request: Type,
    namespace: Type,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| Shared {
        kyverno_request: request_type(true),
        k8s_request: request_type(false),
        namespace: namespace_type(),
    })
}

/// The variables `kind` declares, besides the libraries' own (`resource`,
/// `http`, …, which the registry declares).
pub fn kind_variables(kind: EnvKind) -> Vec<(&'static str, Type)> {
    let s = shared();
    let mut vars = vec![
        ("object", Type::Dyn),
        ("oldObject", Type::Dyn),
        ("namespaceObject", s.namespace.clone()),
        (VARIABLES, variables_type(kind)),
    ];
    match kind {
        EnvKind::AdmissionPolicy => {
            vars.push(("request", s.k8s_request.clone()));
            vars.push(("params", Type::Dyn));
            vars.push((
                "authorizer",
                Type::Opaque("kubernetes.authorization.Authorizer"),
            ));
            vars.push((
                "authorizer.requestResource",
                Type::Opaque("kubernetes.authorization.ResourceCheck"),
            ));
        }
        EnvKind::DeletingPolicy => {
            vars.push(("request", s.kyverno_request.clone()));
            vars.push(("exceptions", exception_type("compiler.Exception")));
        }
        EnvKind::ImageValidatingPolicy => {
            vars.push(("request", s.kyverno_request.clone()));
            vars.push(("exceptions", exception_type("libs.Exception")));
            vars.push(("images", Type::map(Type::String, Type::list(Type::String))));
            vars.push(("attestors", Type::map(Type::String, Type::Dyn)));
            vars.push(("attestations", Type::map(Type::String, Type::String)));
        }
        EnvKind::Playground => {
            vars.push(("request", s.kyverno_request.clone()));
            vars.push(("params", Type::Dyn));
            vars.push(("exceptions", exception_type("libs.Exception")));
        }
        EnvKind::ValidatingPolicy | EnvKind::MutatingPolicy | EnvKind::GeneratingPolicy => {
            vars.push(("request", s.kyverno_request.clone()));
            vars.push(("exceptions", exception_type("libs.Exception")));
        }
    }
    vars
}

/// Declares `variables.<name>` with the output type of its expression, as
/// Kyverno registers each variable after compiling it: later expressions
/// (and later variables) see it, earlier ones do not.
pub fn declare_policy_variable(env: &mut Env, name: &str, ty: Type) {
    let mut current = match env.variables().get(VARIABLES) {
        Some(Type::Object(o)) => (**o).clone(),
        _ => ObjectType {
            name: "kyverno.variables".to_string(),
            fields: BTreeMap::new(),
        },
    };
    current.fields.insert(name.to_string(), ty);
    env.declare(VARIABLES, Type::Object(Arc::new(current)));
}
