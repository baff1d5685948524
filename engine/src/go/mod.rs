//! Ports of the Go library behaviour Kyverno's verdicts depend on, one
//! module each: number parsing (`strconv`), `time.ParseDuration`,
//! Kubernetes quantities, Kyverno's wildcards, and `fmt` value printing.

pub mod duration;
pub mod fmt;
pub mod quantity;
pub mod strconv;
pub mod wildcard;
