//! Kyverno's `globalcontext` library: `globalContext.Get(name[, projection])`
//! (and `get`) through the host; an unknown entry is `null`.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{NumberMode, Val};
use super::super::EvalError;
use super::handle::GLOBAL_CONTEXT;
use super::support::{fail, member, owned_json, str_arg};

fn lookup<'a>(c: &mut Call<'_>, name: &str, projection: &str) -> Result<Val<'a>, EvalError> {
    match c.host.global_context_entry(name, projection) {
        Ok(Some(v)) => Ok(owned_json(&v, NumberMode::Doubles)),
        Ok(None) => Ok(Val::Null),
        Err(e) => Err(fail(format!("failed to get global reference: {e}"))),
    }
}

fn get<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    lookup(c, str_arg(a, 1)?, "")
}

fn get_projection<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    lookup(c, str_arg(a, 1)?, str_arg(a, 2)?)
}

/// Declares the `globalContext` variable and its functions.
pub fn register(reg: &mut Registry) {
    let ctx = || Type::Opaque(GLOBAL_CONTEXT);
    reg.add_type(GLOBAL_CONTEXT);
    reg.declare_variable("globalContext", ctx());
    for name in ["Get", "get"] {
        member(
            reg,
            name,
            "globalcontext_get_string",
            vec![ctx(), Type::String],
            Type::Dyn,
            get,
        );
        member(
            reg,
            name,
            "globalcontext_get_string_string",
            vec![ctx(), Type::String, Type::String],
            Type::Dyn,
            get_projection,
        );
    }
}
