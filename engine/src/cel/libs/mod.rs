//! The Kubernetes and Kyverno CEL libraries (owned by the cellibs work).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::registry::Registry;
use super::EnvKind;

/// Registers the libraries `kind` has.
pub fn register(_registry: &mut Registry, _kind: EnvKind) {}
