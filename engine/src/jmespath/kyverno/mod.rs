//! Kyverno's custom JMESPath functions (`pkg/engine/jmespath` in Kyverno).
//!
//! Error texts follow Kyverno's `error.go` templates
//! (`JMESPath function '<name>': ...`) where Kyverno uses them, and the raw
//! Go library message where Kyverno passes those through.

pub(crate) mod arith;
pub(crate) mod collections;
pub(crate) mod encoding;
pub(crate) mod image;
pub(crate) mod regex_cache;
pub(crate) mod regexp;
pub(crate) mod semver;
pub(crate) mod strings;
pub(crate) mod time;
pub(crate) mod url;
pub(crate) mod x509;

use super::value::{Kind, Val};
use super::JmespathError;

/// `JMESPath function '<name>': <msg>` (Kyverno's `genericError`).
pub(crate) fn kerr(name: &str, msg: impl std::fmt::Display) -> JmespathError {
    JmespathError::Runtime(format!("JMESPath function '{name}': {msg}"))
}

/// Kyverno's `invalidArgumentTypeError`.
pub(crate) fn arg_type_err(name: &str, index: usize, ty: &str) -> JmespathError {
    JmespathError::InvalidType(format!(
        "JMESPath function '{name}': argument #{index} is not of type {ty}"
    ))
}

/// Kyverno's `ifaceToString`: strings as is, numbers as float32 shortest
/// decimal without exponent (`123456789` -> `123456790`), booleans.
pub(crate) fn iface_to_string(v: &Val<'_>) -> Option<String> {
    match v.kind() {
        Kind::String => v.as_str().map(str::to_string),
        Kind::Bool => v.view().as_bool().map(|b| b.to_string()),
        Kind::Number => v.as_f64().map(float32_text),
        _ => None,
    }
}

pub(crate) fn float32_text(f: f64) -> String {
    let g = f as f32;
    if g.is_nan() {
        "NaN".into()
    } else if g.is_infinite() {
        if g > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{g}")
    }
}
