//! `validate.cel` rules in ClusterPolicy/Policy: compiled once with the
//! policy ([`CelRule::compile`]), evaluated per request as Kyverno's
//! handler runs Kubernetes' validator ([`evaluate`]).
//!
//! Layout: `model` (the fields as written), `compile` (programs and their
//! compile errors), `validate` (the validator and Kyverno's results),
//! `request` (`request` and `namespaceObject`), `params` (`paramKind` /
//! `paramRef` through the host).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod compile;
pub mod model;
mod params;
pub mod request;
mod validate;

pub use compile::CelRule;
pub use validate::{evaluate, validate, Decision, Inputs};
