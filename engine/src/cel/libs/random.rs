//! Kyverno's `random` library: `random()` (`[0-9a-z]{8}`) and
//! `random(pattern)`, also as `random.random`; randomness from the host.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::Val;
use super::super::EvalError;
use super::support::{fail, global, str_arg};
use crate::jmespath::kyverno::regexp::random_string;

fn generate<'a>(c: &mut Call<'_>, pattern: &str) -> Result<Val<'a>, EvalError> {
    let seed = c.host.random_u64().map_err(|e| fail(e.to_string()))?;
    let out = random_string(pattern, seed).map_err(fail)?;
    c.budget.charge_size(out.len())?;
    Ok(Val::string(out))
}

fn random_pattern<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    generate(c, str_arg(a, 0)?)
}

fn random_default<'a>(c: &mut Call<'_>, _: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    generate(c, "[0-9a-z]{8}")
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    global(
        reg,
        "random",
        "random_string_non_prefixed",
        vec![Type::String],
        Type::String,
        random_pattern,
    );
    global(
        reg,
        "random",
        "random_string_default_expr_non_prefixed",
        vec![],
        Type::String,
        random_default,
    );
    global(
        reg,
        "random.random",
        "random_string_prefixed",
        vec![Type::String],
        Type::String,
        random_pattern,
    );
    global(
        reg,
        "random.random",
        "random_string_default_expr_prefixed",
        vec![],
        Type::String,
        random_default,
    );
}
