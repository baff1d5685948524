//! # verno
//!
//! Kyverno's policy engine without the cluster: load Kyverno policies,
//! compile them once, and evaluate resources exactly as Kyverno would, with
//! no I/O in the core.
//!
//! The flow, one module each: [`load`] (YAML/JSON → typed policy) →
//! [`compile`] (patterns, wildcards, selectors, autogen) → [`matching`] →
//! [`engine`] (evaluate) → [`response`] → [`report`] / [`admission`].
//!
//! ```
//! let set = verno::PolicySet::from_yaml(include_str!("../../examples/disallow-privileged.yaml")).unwrap();
//! let pod = verno::yaml::parse_value(include_str!("../../examples/nginx-privileged.yaml")).unwrap();
//! let eval = set.evaluate(&verno::Request::create(&pod), &verno::NoHost);
//! assert!(!eval.allowed());
//! ```
pub mod admission;
pub mod anchor;
pub mod api;
pub mod autogen;
pub mod cel;
pub mod compile;
pub mod conditions;
pub mod duration;
pub mod engine;
pub mod error;
pub mod exception;
pub mod foreach;
pub mod generation;
pub mod gofmt;
pub mod host;
pub mod image;
pub mod jmespath;
pub mod load;
pub mod match_pattern;
pub mod matching;
pub mod mutate;
pub mod mutation;
pub mod pattern;
pub mod policy;
pub mod policy_validation;
pub mod position;
pub mod quantity;
pub mod report;
pub mod resource;
pub mod response;
pub mod values;
pub mod variables;
pub mod vpol;
pub mod wildcard;
pub mod yaml;

pub use compile::PolicySet;
pub use engine::{Evaluation, Mutation};
pub use error::LoadError;
pub use host::{Host, NoHost};
pub use resource::{Operation, Request, ResourceKind, UserInfo};
pub use response::{RuleResponse, RuleStatus};
