//! The CEL standard library and the cel-go extensions Kyverno enables.

pub mod core;
pub mod encoders;
pub mod format;
pub mod lists;
pub mod math;
pub mod optional;
pub mod regex;
pub mod sets;
pub mod strformat;
pub mod strings;
pub mod time;

use super::registry::{Imp, Overload, Registry};
use super::types::Type;
use super::EnvKind;

/// Adds one overload.
pub(crate) fn add(
    r: &mut Registry,
    function: &'static str,
    id: &'static str,
    member: bool,
    params: Vec<Type>,
    result: Type,
    imp: Imp,
) {
    r.add(
        function,
        Overload {
            id,
            member,
            params,
            result,
            imp,
        },
    );
}

/// Registers the standard library and the extensions `kind` has.
pub fn register(registry: &mut Registry, kind: EnvKind) {
    let _ = kind;
    core::register(registry);
    time::register(registry);
    strings::register(registry);
    lists::register(registry);
    sets::register(registry);
    math::register(registry);
    encoders::register(registry);
    optional::register(registry);
    regex::register(registry);
}
