//! Kubernetes' `jsonpatch` CEL library: `jsonpatch.escapeKey` (RFC 6901).

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::Val;
use super::super::EvalError;
use super::support::{global, str_arg};

fn escape_key<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(
        str_arg(args, 0)?.replace('~', "~0").replace('/', "~1"),
    ))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    global(
        reg,
        "jsonpatch.escapeKey",
        "string_jsonpatch_escapeKey_string",
        vec![Type::String],
        Type::String,
        escape_key,
    );
}
