//! The Kubernetes and Kyverno CEL libraries (kyverno-cel.md §6.3, §6.4).
//!
//! The Go ports they rest on (`netip`, `gourl`, `gcrname`, `k8sformat`) are
//! plain functions; the library modules bind them into the [`Registry`]
//! with the signatures cel-go declares, so the checker and the evaluator
//! read the same table.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod authz;
pub mod encoders;
pub mod format;
pub mod gcrname;
pub mod globalcontext;
pub mod gourl;
pub mod gzip;
pub mod handle;
pub mod hash;
pub mod http;
pub mod image;
pub mod imagedata;
pub mod ip;
pub mod jsonpatch;
pub mod k8sformat;
pub mod lists;
pub mod math;
pub mod netip;
pub mod quantity;
pub mod random;
pub mod regex;
pub mod resource;
pub mod semver;
mod support;
pub mod time;
pub mod transform;
pub mod url;
pub mod user;
pub mod x509;

use super::registry::Registry;
use super::value::Val;
use super::EnvKind;

/// Registers the libraries `kind` has (kyverno-cel.md §6.1, §6.4).
pub fn register(reg: &mut Registry, kind: EnvKind) {
    register_kubernetes(reg, kind);
    // VAP, MAP and validate.cel run in the Kubernetes environment only.
    if kind != EnvKind::AdmissionPolicy {
        register_kyverno(reg, kind);
    }
}

/// The libraries of a namespaced policy of `kind` (`NamespacedValidatingPolicy`
/// …): the same as [`register`] but `resource` drops its namespace
/// arguments (kyverno-cel.md §1.4). Bind the variables with
/// [`namespaced_global_value`].
pub fn register_namespaced(reg: &mut Registry, kind: EnvKind) {
    register_kubernetes(reg, kind);
    if kind != EnvKind::AdmissionPolicy {
        register_kyverno_with(reg, kind, resource::register_namespaced);
    }
}

/// The value of a library variable in a policy of namespace `namespace`:
/// `resource` is confined to it and `http` refuses calls the host does not
/// serve, as Kyverno does by default.
pub fn namespaced_global_value<'a>(name: &str, namespace: &str) -> Option<Val<'a>> {
    match name {
        "resource" => Some(resource::namespaced_value(namespace)),
        "http" => Some(http::namespaced_value()),
        other => global_value(other),
    }
}

/// The value of a library variable (`resource`, `http`, `globalContext`,
/// `image`, `json`, `yaml`): what an activation binds under that name.
pub fn global_value<'a>(name: &str) -> Option<Val<'a>> {
    Some(match name {
        "resource" => handle::value(handle::RESOURCE),
        "http" => http::value(),
        "globalContext" => handle::value(handle::GLOBAL_CONTEXT),
        "image" => handle::value(handle::IMAGE_DATA),
        "json" => handle::value(handle::JSON),
        "yaml" => handle::value(handle::YAML),
        _ => return None,
    })
}

/// Kyverno's libraries, at version 1.18 (PascalCase names with their
/// camelCase and prefixed aliases). `x509` is absent from ImageValidating
/// policies, `user` from Generating and Deleting ones.
fn register_kyverno(reg: &mut Registry, kind: EnvKind) {
    register_kyverno_with(reg, kind, resource::register);
}

fn register_kyverno_with(reg: &mut Registry, kind: EnvKind, resource: fn(&mut Registry)) {
    resource(reg);
    globalcontext::register(reg);
    http::register(reg);
    image::register(reg);
    imagedata::register(reg);
    encoders::register(reg);
    hash::register(reg);
    math::register(reg);
    random::register(reg);
    time::register(reg);
    transform::register(reg);
    gzip::register(reg);
    if kind != EnvKind::ImageValidatingPolicy {
        x509::register(reg);
    }
    if !matches!(kind, EnvKind::GeneratingPolicy | EnvKind::DeletingPolicy) {
        user::register(reg);
    }
}

/// The Kubernetes libraries: every kind has them (through the k8s base
/// environment or Kyverno's defaults); `jsonpatch` only where mutations are
/// written as JSON patches.
fn register_kubernetes(reg: &mut Registry, kind: EnvKind) {
    authz::register(reg);
    quantity::register(reg);
    ip::register_ip(reg);
    ip::register_cidr(reg);
    url::register(reg);
    regex::register(reg);
    lists::register(reg);
    format::register(reg);
    semver::register(reg);
    if matches!(
        kind,
        EnvKind::MutatingPolicy | EnvKind::AdmissionPolicy | EnvKind::Playground
    ) {
        jsonpatch::register(reg);
    }
}
