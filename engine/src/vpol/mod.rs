//! ValidatingPolicy and NamespacedValidatingPolicy (`policies.kyverno.io`)
//! and Kubernetes' ValidatingAdmissionPolicy: the CEL validating family.
//! One module per stage: [`model`] (documents),
//! [`load`] (documents → typed, schema errors), [`compile`] (every
//! expression once, autogen copies), [`kinds`] (kind → resource),
//! [`matcher`] (matchConstraints), [`exception`] (CEL PolicyExceptions),
//! [`evaluate`] (one policy, one request → Kyverno's rule responses),
//! [`vap`] (Kubernetes ValidatingAdmissionPolicy and its bindings, in the
//! same compiled form, judged by the `validate_cel` validator).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod autogen;
pub mod compile;
pub mod evaluate;
pub mod exception;
pub mod kinds;
pub mod load;
pub mod matcher;
pub mod model;
pub mod vap;

pub use compile::{CompiledVpol, ReadRoots, VpolMode, LIBRARIES};
pub use evaluate::{evaluate, VpolRequest};
pub use exception::CelException;
pub use kinds::{KindMap, KindMapping, UnmappedKind};

/// The report source of the family (`KyvernoValidatingPolicy`).
pub const REPORT_SOURCE: &str = "KyvernoValidatingPolicy";
