//! # verno
//!
//! Kyverno's policy engine without the cluster.
pub mod duration;
pub mod host;
pub mod jmespath;
pub mod quantity;
pub mod yaml;
