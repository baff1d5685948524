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

pub mod gcrname;
pub mod gourl;
pub mod k8sformat;
pub mod netip;

use super::registry::Registry;
use super::EnvKind;

/// Registers the libraries `kind` has.
pub fn register(_registry: &mut Registry, _kind: EnvKind) {}
