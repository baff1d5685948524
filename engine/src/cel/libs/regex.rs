//! Kubernetes' `regex` CEL library (`K8S:pkg/cel/library/regex.go`):
//! `find` and `findAll` with Go (RE2) patterns.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::Val;
use super::super::EvalError;
use super::support::{fail, int_arg, member, str_arg};
use crate::jmespath::kyverno::regex_cache::compile_shared;

fn compile(pattern: &str) -> Result<std::sync::Arc<regex::Regex>, EvalError> {
    compile_shared(pattern).map_err(|e| fail(format!("Illegal regex: {e}")))
}

fn find<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(args, 0)?;
    let re = compile(str_arg(args, 1)?)?;
    c.budget.charge_size(s.len())?;
    Ok(Val::string(re.find(s).map_or("", |m| m.as_str())))
}

/// Go's `FindAllString(s, n)`: all matches when `n < 0`, none when `n == 0`.
fn find_all_n<'a>(c: &mut Call<'_>, args: &[Val<'a>], n: i64) -> Result<Val<'a>, EvalError> {
    let s = str_arg(args, 0)?;
    let re = compile(str_arg(args, 1)?)?;
    c.budget.charge_size(s.len())?;
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    let found: Vec<Val<'a>> = re
        .find_iter(s)
        .take(limit)
        .map(|m| Val::string(m.as_str()))
        .collect();
    c.budget.charge_size(found.len())?;
    Ok(Val::list(found))
}

fn find_all<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    find_all_n(c, args, -1)
}

fn find_all_limit<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let n = int_arg(args, 2)?;
    find_all_n(c, args, n)
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    let s = || Type::String;
    member(reg, "find", "string_find_string", vec![s(), s()], s(), find);
    member(
        reg,
        "findAll",
        "string_find_all_string",
        vec![s(), s()],
        Type::list(s()),
        find_all,
    );
    member(
        reg,
        "findAll",
        "string_find_all_string_int",
        vec![s(), s(), Type::Int],
        Type::list(s()),
        find_all_limit,
    );
}
