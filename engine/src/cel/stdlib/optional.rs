//! cel-go's optional types library: `optional.of/none/ofNonZeroValue`,
//! `hasValue`, `value`, `or`, `orValue`, `optional.unwrap`/`unwrapOpt`
//! (`optMap`/`optFlatMap` are macros, `?.`/`[?]` the interpreter's).

use super::add;
use super::core::no_such_overload;
use crate::cel::registry::{Call, Registry};
use crate::cel::types::Type;
use crate::cel::value::Val;
use crate::cel::EvalError;
use std::rc::Rc;

type R<'a> = Result<Val<'a>, EvalError>;

fn of<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [v] => Ok(Val::Optional(Some(Rc::new(v.clone())))),
        _ => Err(no_such_overload("optional.of", a)),
    }
}

fn none<'a>(_: &mut Call<'_>, _: &[Val<'a>]) -> R<'a> {
    Ok(Val::Optional(None))
}

fn is_zero(v: &Val<'_>) -> bool {
    match v {
        Val::Null => true,
        Val::Bool(b) => !b,
        Val::Int(i) => *i == 0,
        Val::Uint(u) => *u == 0,
        Val::Double(d) => *d == 0.0,
        Val::String(s) => s.as_str().is_empty(),
        Val::Bytes(b) => b.is_empty(),
        Val::Duration(d) => d.is_zero(),
        Val::Timestamp(t) => t.timestamp() == 0 && t.timestamp_subsec_nanos() == 0,
        Val::Optional(o) => o.is_none(),
        other => other.list_len() == Some(0) || other.map_len() == Some(0),
    }
}

fn of_non_zero<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [v] if is_zero(v) => Ok(Val::Optional(None)),
        [v] => Ok(Val::Optional(Some(Rc::new(v.clone())))),
        _ => Err(no_such_overload("optional.ofNonZeroValue", a)),
    }
}

fn has_value<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Optional(o)] => Ok(Val::Bool(o.is_some())),
        _ => Err(no_such_overload("hasValue", a)),
    }
}

fn value<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Optional(Some(v))] => Ok((**v).clone()),
        [Val::Optional(None)] => Err(EvalError::new("optional.none() dereference")),
        _ => Err(no_such_overload("value", a)),
    }
}

fn or<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Optional(Some(_)), _] => Ok(a.first().cloned().unwrap_or(Val::Optional(None))),
        [Val::Optional(None), o @ Val::Optional(_)] => Ok(o.clone()),
        _ => Err(no_such_overload("or", a)),
    }
}

fn or_value<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Optional(Some(v)), _] => Ok((**v).clone()),
        [Val::Optional(None), d] => Ok(d.clone()),
        _ => Err(no_such_overload("orValue", a)),
    }
}

fn unwrap<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [l] = a else {
        return Err(no_such_overload("optional.unwrap", a));
    };
    let items = l
        .list_items(c.numbers)
        .ok_or_else(|| no_such_overload("optional.unwrap", a))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Val::Optional(Some(v)) => out.push((*v).clone()),
            Val::Optional(None) => {}
            other => return Err(no_such_overload("optional.unwrap", &[other])),
        }
    }
    Ok(Val::list(out))
}

/// Registers the optional types library.
pub fn register(r: &mut Registry) {
    use crate::cel::types::Type::{Bool, Dyn, Param};
    let oa = || Type::optional(Param("A"));
    add(
        r,
        "optional.of",
        "optional_of",
        false,
        vec![Param("A")],
        oa(),
        of,
    );
    add(
        r,
        "optional.ofNonZeroValue",
        "optional_ofNonZeroValue",
        false,
        vec![Param("A")],
        oa(),
        of_non_zero,
    );
    add(
        r,
        "optional.none",
        "optional_none",
        false,
        vec![],
        Type::optional(Dyn),
        none,
    );
    add(
        r,
        "hasValue",
        "optional_hasValue",
        true,
        vec![oa()],
        Bool,
        has_value,
    );
    add(
        r,
        "value",
        "optional_value",
        true,
        vec![oa()],
        Param("A"),
        value,
    );
    add(
        r,
        "or",
        "optional_or_optional",
        true,
        vec![oa(), oa()],
        oa(),
        or,
    );
    add(
        r,
        "orValue",
        "optional_orValue_value",
        true,
        vec![oa(), Param("A")],
        Param("A"),
        or_value,
    );
    add(
        r,
        "optional.unwrap",
        "optional_unwrap",
        false,
        vec![Type::list(oa())],
        Type::list(Param("A")),
        unwrap,
    );
    add(
        r,
        "unwrapOpt",
        "optional_unwrapOpt",
        true,
        vec![Type::list(oa())],
        Type::list(Param("A")),
        unwrap,
    );
}
