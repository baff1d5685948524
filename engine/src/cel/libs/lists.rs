//! Kubernetes' `lists` CEL library (`K8S:pkg/cel/library/lists.go`):
//! `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::Val;
use super::super::EvalError;
use super::support::{fail, list_items, member, no_such_overload};
use std::cmp::Ordering;

/// cel-go's `Compare` between two elements: same kind, or numbers across
/// int, uint and double; anything else is `no such overload`.
fn compare(a: &Val<'_>, b: &Val<'_>) -> Result<Ordering, EvalError> {
    let num = |v: &Val<'_>| match v {
        Val::Int(i) => Some(*i as f64),
        Val::Uint(u) => Some(*u as f64),
        Val::Double(d) => Some(*d),
        _ => None,
    };
    let ord = match (a, b) {
        (Val::Int(x), Val::Int(y)) => x.cmp(y),
        (Val::Uint(x), Val::Uint(y)) => x.cmp(y),
        (Val::Int(x), Val::Uint(y)) => i128::from(*x).cmp(&i128::from(*y)),
        (Val::Uint(x), Val::Int(y)) => i128::from(*x).cmp(&i128::from(*y)),
        (Val::Bool(x), Val::Bool(y)) => x.cmp(y),
        (Val::String(x), Val::String(y)) => x.as_str().cmp(y.as_str()),
        (Val::Bytes(x), Val::Bytes(y)) => x.cmp(y),
        (Val::Duration(x), Val::Duration(y)) => x.cmp(y),
        (Val::Timestamp(x), Val::Timestamp(y)) => x.cmp(y),
        _ => match (num(a), num(b)) {
            // NaN compares as neither less nor greater, as in cel-go.
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => return Err(no_such_overload()),
        },
    };
    Ok(ord)
}

fn items<'a>(c: &Call<'_>, args: &[Val<'a>]) -> Result<Vec<Val<'a>>, EvalError> {
    args.first()
        .and_then(|l| list_items(l, c.numbers))
        .ok_or_else(no_such_overload)
}

fn is_sorted<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let items = items(c, args)?;
    c.budget.charge_size(items.len())?;
    for pair in items.windows(2) {
        if let [a, b] = pair {
            if compare(a, b)? == Ordering::Greater {
                return Ok(Val::Bool(false));
            }
        }
    }
    Ok(Val::Bool(true))
}

fn add<'a>(acc: Val<'a>, next: &Val<'a>) -> Result<Val<'a>, EvalError> {
    let overflow = || fail("integer overflow");
    Ok(match (acc, next) {
        (Val::Int(x), Val::Int(y)) => Val::Int(x.checked_add(*y).ok_or_else(overflow)?),
        (Val::Uint(x), Val::Uint(y)) => Val::Uint(x.checked_add(*y).ok_or_else(overflow)?),
        (Val::Double(x), Val::Double(y)) => Val::Double(x + y),
        (Val::Duration(x), Val::Duration(y)) => {
            Val::Duration(x.checked_add(y).ok_or_else(overflow)?)
        }
        _ => return Err(no_such_overload()),
    })
}

/// `sum`: typed by the elements (a dynamically typed list dispatches to
/// the first overload in cel-go, so the elements decide here); an empty
/// list sums to the declared zero.
fn sum_from<'a>(c: &mut Call<'_>, args: &[Val<'a>], zero: Val<'a>) -> Result<Val<'a>, EvalError> {
    let items = items(c, args)?;
    c.budget.charge_size(items.len())?;
    let mut iter = items.into_iter();
    match iter.next() {
        None => Ok(zero),
        Some(first) => iter.try_fold(first, |acc, next| add(acc, &next)),
    }
}

fn sum_int<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    sum_from(c, args, Val::Int(0))
}

fn sum_uint<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    sum_from(c, args, Val::Uint(0))
}

fn sum_double<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    sum_from(c, args, Val::Double(0.0))
}

fn sum_duration<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    sum_from(c, args, Val::Duration(chrono::TimeDelta::zero()))
}

/// `min`/`max`: the first element that no later one beats.
fn extreme<'a>(
    c: &mut Call<'_>,
    args: &[Val<'a>],
    name: &str,
    prefer: Ordering,
) -> Result<Val<'a>, EvalError> {
    let items = items(c, args)?;
    c.budget.charge_size(items.len())?;
    let mut best: Option<Val<'a>> = None;
    for item in items {
        best = Some(match best {
            None => item,
            Some(b) => {
                if compare(&b, &item)? == prefer {
                    item
                } else {
                    b
                }
            }
        });
    }
    best.ok_or_else(|| fail(format!("{name} called on empty list")))
}

fn min<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    extreme(c, args, "min", Ordering::Greater)
}

fn max<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    extreme(c, args, "max", Ordering::Less)
}

/// cel-go `Equal` for list search: heterogeneous numbers compare by value.
fn equal(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Opaque(x), Val::Opaque(y)) => x.equals(y.as_ref()),
        (Val::List(_) | Val::Map(_) | Val::Json(_), _)
        | (_, Val::List(_) | Val::Map(_) | Val::Json(_)) => {
            match (super::support::to_json(a), super::support::to_json(b)) {
                (Ok(x), Ok(y)) => x == y,
                _ => false,
            }
        }
        _ => compare(a, b).is_ok_and(|o| o == Ordering::Equal),
    }
}

fn index_of<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let items = items(c, args)?;
    let needle = args.get(1).ok_or_else(no_such_overload)?;
    c.budget.charge_size(items.len())?;
    let at = items.iter().position(|i| equal(i, needle));
    Ok(Val::Int(at.map_or(-1, |i| i as i64)))
}

fn last_index_of<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let items = items(c, args)?;
    let needle = args.get(1).ok_or_else(no_such_overload)?;
    c.budget.charge_size(items.len())?;
    let at = items.iter().rposition(|i| equal(i, needle));
    Ok(Val::Int(at.map_or(-1, |i| i as i64)))
}

/// Declares the library, one overload per element type as k8s templates them.
pub fn register(reg: &mut Registry) {
    let comparable: [(&str, Type); 8] = [
        ("int", Type::Int),
        ("uint", Type::Uint),
        ("double", Type::Double),
        ("bool", Type::Bool),
        ("duration", Type::Duration),
        ("timestamp", Type::Timestamp),
        ("string", Type::String),
        ("bytes", Type::Bytes),
    ];
    for (name, t) in comparable {
        let (sorted, min_id, max_id) = overload_ids(name);
        member(
            reg,
            "isSorted",
            sorted,
            vec![Type::list(t.clone())],
            Type::Bool,
            is_sorted,
        );
        member(
            reg,
            "min",
            min_id,
            vec![Type::list(t.clone())],
            t.clone(),
            min,
        );
        member(reg, "max", max_id, vec![Type::list(t.clone())], t, max);
    }
    member(
        reg,
        "sum",
        "list_int_sum_int",
        vec![Type::list(Type::Int)],
        Type::Int,
        sum_int,
    );
    member(
        reg,
        "sum",
        "list_uint_sum_uint",
        vec![Type::list(Type::Uint)],
        Type::Uint,
        sum_uint,
    );
    member(
        reg,
        "sum",
        "list_double_sum_double",
        vec![Type::list(Type::Double)],
        Type::Double,
        sum_double,
    );
    member(
        reg,
        "sum",
        "list_duration_sum_duration",
        vec![Type::list(Type::Duration)],
        Type::Duration,
        sum_duration,
    );
    let a = || Type::Param("A");
    member(
        reg,
        "indexOf",
        "list_a_index_of_int",
        vec![Type::list(a()), a()],
        Type::Int,
        index_of,
    );
    member(
        reg,
        "lastIndexOf",
        "list_a_last_index_of_int",
        vec![Type::list(a()), a()],
        Type::Int,
        last_index_of,
    );
}

fn overload_ids(name: &str) -> (&'static str, &'static str, &'static str) {
    match name {
        "int" => (
            "list_int_is_sorted_bool",
            "list_int_min_int",
            "list_int_max_int",
        ),
        "uint" => (
            "list_uint_is_sorted_bool",
            "list_uint_min_uint",
            "list_uint_max_uint",
        ),
        "double" => (
            "list_double_is_sorted_bool",
            "list_double_min_double",
            "list_double_max_double",
        ),
        "bool" => (
            "list_bool_is_sorted_bool",
            "list_bool_min_bool",
            "list_bool_max_bool",
        ),
        "duration" => (
            "list_duration_is_sorted_bool",
            "list_duration_min_duration",
            "list_duration_max_duration",
        ),
        "timestamp" => (
            "list_timestamp_is_sorted_bool",
            "list_timestamp_min_timestamp",
            "list_timestamp_max_timestamp",
        ),
        "string" => (
            "list_string_is_sorted_bool",
            "list_string_min_string",
            "list_string_max_string",
        ),
        _ => (
            "list_bytes_is_sorted_bool",
            "list_bytes_min_bytes",
            "list_bytes_max_bytes",
        ),
    }
}
