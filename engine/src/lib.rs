//! # verno
//!
//! Kyverno's policy engine without the cluster: load Kyverno policies,
//! compile them once, and evaluate resources exactly as Kyverno would, with
//! no I/O in the core (the cluster, the clock and randomness come through
//! [`Host`]).
//!
//! ```
//! use verno::{NoHost, PolicySet, Request, RuleStatus};
//! use verno::report::{merged_reports, ReportInput, ReportOptions};
//!
//! // Load and compile.
//! let set = PolicySet::from_yaml(include_str!("../../examples/disallow-privileged.yaml"))?;
//! // Evaluate one admission request (mutate, then validate).
//! let pod: serde_json::Value = serde_json::from_str(
//!     r#"{"apiVersion": "v1", "kind": "Pod",
//!         "metadata": {"name": "nginx", "namespace": "default"},
//!         "spec": {"containers": [{"name": "nginx", "image": "nginx",
//!                  "securityContext": {"privileged": true}}]}}"#,
//! )?;
//! let eval = set.evaluate(&Request::create(&pod), &NoHost);
//! assert!(!eval.allowed());
//! assert_eq!(eval.policies[0].rules[0].status, RuleStatus::Fail);
//! // Report it as a PolicyReport.
//! let input = ReportInput { resource: &pod, responses: &eval.policies };
//! let reports = merged_reports(&[input], &ReportOptions::default());
//! assert_eq!(reports[0]["summary"]["fail"], 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Layout
//!
//! The tree follows the flow. Each layer imports only the layers above it
//! in this list:
//!
//! - [`model`]: policies as written, the admission [`Request`], responses;
//!   data only. [`host`]: what the engine asks of its embedder. [`error`].
//! - Primitives that know nothing of stages: `go` (Go's strconv, durations,
//!   quantities, wildcards, fmt), `yaml` (load, resolve, emit with
//!   go-yaml v2's rules), `jmespath` (Kyverno's dialect), `variables`
//!   (`{{ }}` substitution, the context, values), `pattern` (anchors,
//!   operators, the pattern walk), `conditions`, `patch` (strategic merge,
//!   JSON 6902, diff), [`cel`] (CEL with the Kubernetes and Kyverno
//!   libraries: parser, checker, evaluator), `pod_security` (the Pod
//!   Security Standards checks).
//! - Stages: `matching` (match/exclude, kind selectors, PolicyExceptions) →
//!   `vpol` (the ValidatingPolicy family: load, compile, match, evaluate) →
//!   `load` (YAML/JSON → typed policy, Kyverno's policy validation) →
//!   `validate_cel` (`validate.cel` rules: compiled, then judged) →
//!   `compile` (patterns, foreach, autogen: an immutable [`PolicySet`]) →
//!   `eval` (the [pipeline](PolicySet::run) and its validate, mutate and
//!   generate stages) → [`report`] (policy reports, admission responses).
//! - [`api`]: the JSON-in/JSON-out surface the bindings wrap.
//!
//! Matching comes before loading because PolicyExceptions are loaded with
//! their match compiled. Everything outside the re-exports below, [`api`],
//! [`report`], [`model`], [`host`] and [`error`] is internal; the workspace's
//! own crates reach what they need through [`unstable`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The no-panic rule, enforced: bad input never panics. Denied in the
// library's code (CI's clippy run fails on them); tests may unwrap.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod error;
pub mod host;
pub mod model;

mod go;
mod jmespath;
mod yaml;

mod conditions;
mod patch;
mod pattern;
mod variables;

pub mod cel;

mod compile;
mod eval;
mod load;
mod matching;
mod pod_security;
mod validate_cel;
mod vpol;

pub mod api;
pub mod report;

pub use compile::{CompiledPolicy, KyvernoPolicy, PolicySet};
pub use error::{LoadError, Location};
pub use eval::pipeline::{Evaluation, Mutation, PolicyRequest, RequestHook, SharedRequest, Stages};
pub use host::{
    AttestorSpec, ImageVerifier, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest,
    TransparencyOptions, VerifiedImage, VerifiedSignature,
};
pub use host::{Host, HostError, NoHost};
pub use model::resource::{Operation, Request, ResourceKind, UserInfo};
pub use model::response::{PolicyInfo, PolicyResponse, RuleResponse, RuleStatus, RuleType};
pub use model::Stage;

/// Internals that the workspace's own crates (the CLI, the test runner,
/// benches, fuzz targets, bindings) use. No stability promise: these
/// change with the engine.
pub mod unstable {
    /// The ValidatingPolicy family: kind→resource mapping, loading, matching.
    pub mod vpol {
        pub use crate::vpol::*;
    }
    /// Kyverno's JMESPath dialect (`verno jp`).
    pub mod jmespath {
        pub use crate::jmespath::*;
    }
    /// YAML with go-yaml v2's scalar rules, and positions in YAML text.
    pub mod yaml {
        pub use crate::yaml::*;
    }
    /// Policy and document loading.
    pub mod load {
        pub use crate::load::*;
    }
    /// `kyverno test` values: merging variables, reading objects back.
    pub mod values {
        pub use crate::variables::values::*;
    }
    /// The variables context and `{{ }}` substitution.
    pub mod variables {
        pub use crate::variables::*;
    }
    /// Patch primitives: strategic merge, JSON 6902, diff.
    pub mod patch {
        pub use crate::patch::*;
    }
    /// Validate patterns: anchors, operators, the pattern walk.
    pub mod pattern {
        pub use crate::pattern::*;
    }
    /// Conditions (`preconditions`, `deny`).
    pub mod conditions {
        pub use crate::conditions::*;
    }
    /// Go library ports: quantities, durations, wildcards, fmt.
    pub mod go {
        pub use crate::go::*;
    }
    /// match/exclude blocks, kind selectors, PolicyExceptions.
    pub mod matching {
        pub use crate::matching::*;
    }
    /// Image references (the `images` context entry).
    pub mod images {
        pub use crate::eval::images::*;
    }
}
