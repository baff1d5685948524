//! cel-go's math extension (latest version): `math.greatest`/`math.least`,
//! rounding, `abs`, `sign`, the float predicates, bit operations, `sqrt`.

use super::add;
use super::core::no_such_overload;
use crate::cel::registry::{intern, Call, Registry};
use crate::cel::types::Type;
use crate::cel::value::{num_cmp, numeric, Val};
use crate::cel::EvalError;
use std::cmp::Ordering;

type R<'a> = Result<Val<'a>, EvalError>;

/// The most arguments `math.greatest(a, b, ...)` is declared for.
const MAX_ARGS: usize = 16;

fn extreme<'a>(c: &Call<'_>, a: &[Val<'a>], want: Ordering, name: &str) -> R<'a> {
    let list;
    let values: &[Val<'a>] = match a {
        [one] if one.list_len().is_some() => {
            list = one.list_items(c.numbers).unwrap_or_default();
            if list.is_empty() {
                return Err(EvalError::new(format!(
                    "{name}(list) argument must not be empty"
                )));
            }
            &list
        }
        many => many,
    };
    let mut best: Option<&Val<'a>> = None;
    for v in values {
        let Some(n) = numeric(v) else {
            return Err(EvalError::new(format!("no such overload: {name}")));
        };
        best = match best {
            None => Some(v),
            Some(b) => match numeric(b).and_then(|bn| num_cmp(n, bn)) {
                Some(o) if o == want => Some(v),
                _ => Some(b),
            },
        };
    }
    best.cloned()
        .ok_or_else(|| EvalError::new(format!("no such overload: {name}")))
}

fn greatest<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    extreme(c, a, Ordering::Greater, "math.@max")
}

fn least<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    extreme(c, a, Ordering::Less, "math.@min")
}

macro_rules! double_fn {
    ($name:ident, $f:literal, $op:expr) => {
        fn $name<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
            let op: fn(f64) -> f64 = $op;
            match a {
                [Val::Double(d)] => Ok(Val::Double(op(*d))),
                _ => Err(no_such_overload($f, a)),
            }
        }
    };
}

double_fn!(ceil, "math.ceil", f64::ceil);
double_fn!(floor, "math.floor", f64::floor);
double_fn!(round, "math.round", f64::round);
double_fn!(trunc, "math.trunc", f64::trunc);

fn abs<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Int(i)] => i
            .checked_abs()
            .map(Val::Int)
            .ok_or_else(|| EvalError::new("integer overflow")),
        [Val::Uint(u)] => Ok(Val::Uint(*u)),
        [Val::Double(d)] => Ok(Val::Double(d.abs())),
        _ => Err(no_such_overload("math.abs", a)),
    }
}

fn sign<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Int(i)] => Ok(Val::Int(i.signum())),
        [Val::Uint(u)] => Ok(Val::Uint(u64::from(*u > 0))),
        [Val::Double(d)] => Ok(Val::Double(if d.is_nan() || *d == 0.0 {
            *d
        } else {
            d.signum()
        })),
        _ => Err(no_such_overload("math.sign", a)),
    }
}

macro_rules! double_pred {
    ($name:ident, $f:literal, $op:expr) => {
        fn $name<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
            let op: fn(f64) -> bool = $op;
            match a {
                [Val::Double(d)] => Ok(Val::Bool(op(*d))),
                _ => Err(no_such_overload($f, a)),
            }
        }
    };
}

double_pred!(is_inf, "math.isInf", f64::is_infinite);
double_pred!(is_nan, "math.isNaN", f64::is_nan);
double_pred!(is_finite, "math.isFinite", f64::is_finite);

fn bit_and<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Int(x), Val::Int(y)] => Ok(Val::Int(x & y)),
        [Val::Uint(x), Val::Uint(y)] => Ok(Val::Uint(x & y)),
        _ => Err(no_such_overload("math.bitAnd", a)),
    }
}

fn bit_or<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Int(x), Val::Int(y)] => Ok(Val::Int(x | y)),
        [Val::Uint(x), Val::Uint(y)] => Ok(Val::Uint(x | y)),
        _ => Err(no_such_overload("math.bitOr", a)),
    }
}

fn bit_xor<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Int(x), Val::Int(y)] => Ok(Val::Int(x ^ y)),
        [Val::Uint(x), Val::Uint(y)] => Ok(Val::Uint(x ^ y)),
        _ => Err(no_such_overload("math.bitXor", a)),
    }
}

fn bit_not<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Int(x)] => Ok(Val::Int(!x)),
        [Val::Uint(x)] => Ok(Val::Uint(!x)),
        _ => Err(no_such_overload("math.bitNot", a)),
    }
}

fn shift<'a>(a: &[Val<'a>], left: bool) -> R<'a> {
    let name = if left {
        "math.bitShiftLeft"
    } else {
        "math.bitShiftRight"
    };
    let (v, s) = match a {
        [v @ (Val::Int(_) | Val::Uint(_)), Val::Int(s)] => (v, *s),
        _ => return Err(no_such_overload(name, a)),
    };
    if s < 0 {
        return Err(EvalError::new(format!("{name}() negative offset: {s}")));
    }
    let s = u32::try_from(s).unwrap_or(u32::MAX);
    let bits = |u: u64| -> u64 {
        if s >= 64 {
            0
        } else if left {
            u << s
        } else {
            u >> s
        }
    };
    Ok(match v {
        Val::Int(i) => Val::Int(bits(*i as u64) as i64),
        Val::Uint(u) => Val::Uint(bits(*u)),
        _ => return Err(no_such_overload(name, a)),
    })
}

fn shift_left<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    shift(a, true)
}

fn shift_right<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    shift(a, false)
}

fn sqrt<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Double(d)] => Ok(Val::Double(d.sqrt())),
        [Val::Int(i)] => Ok(Val::Double((*i as f64).sqrt())),
        [Val::Uint(u)] => Ok(Val::Double((*u as f64).sqrt())),
        _ => Err(EvalError::new("no such overload: sqrt")),
    }
}

/// Registers the math extension.
pub fn register(r: &mut Registry) {
    use crate::cel::types::Type::{Bool, Double, Dyn, Int, Uint};
    for n in 1..=MAX_ARGS {
        let params = vec![Dyn; n];
        add(
            r,
            "math.greatest",
            intern(&format!("math_@max_{n}")),
            false,
            params.clone(),
            Dyn,
            greatest,
        );
        add(
            r,
            "math.least",
            intern(&format!("math_@min_{n}")),
            false,
            params,
            Dyn,
            least,
        );
    }
    for (f, imp) in [
        ("math.ceil", ceil as crate::cel::registry::Imp),
        ("math.floor", floor),
        ("math.round", round),
        ("math.trunc", trunc),
    ] {
        add(
            r,
            f,
            intern(&format!("{f}_double")),
            false,
            vec![Double],
            Double,
            imp,
        );
    }
    for (f, imp) in [
        ("math.isInf", is_inf as crate::cel::registry::Imp),
        ("math.isNaN", is_nan),
        ("math.isFinite", is_finite),
    ] {
        add(
            r,
            f,
            intern(&format!("{f}_double")),
            false,
            vec![Double],
            Bool,
            imp,
        );
    }
    for t in [Int, Uint, Double] {
        add(
            r,
            "math.abs",
            intern(&format!("math_abs_{t}")),
            false,
            vec![t.clone()],
            t.clone(),
            abs,
        );
        add(
            r,
            "math.sign",
            intern(&format!("math_sign_{t}")),
            false,
            vec![t.clone()],
            t.clone(),
            sign,
        );
        add(
            r,
            "math.sqrt",
            intern(&format!("math_sqrt_{t}")),
            false,
            vec![t],
            Double,
            sqrt,
        );
    }
    for (f, imp) in [
        ("math.bitAnd", bit_and as crate::cel::registry::Imp),
        ("math.bitOr", bit_or),
        ("math.bitXor", bit_xor),
    ] {
        for t in [Int, Uint] {
            add(
                r,
                f,
                intern(&format!("{f}_{t}_{t}")),
                false,
                vec![t.clone(), t.clone()],
                t,
                imp,
            );
        }
    }
    for t in [Int, Uint] {
        add(
            r,
            "math.bitNot",
            intern(&format!("math_bitNot_{t}")),
            false,
            vec![t.clone()],
            t.clone(),
            bit_not,
        );
        add(
            r,
            "math.bitShiftLeft",
            intern(&format!("math_bitShiftLeft_{t}_int")),
            false,
            vec![t.clone(), Int],
            t.clone(),
            shift_left,
        );
        add(
            r,
            "math.bitShiftRight",
            intern(&format!("math_bitShiftRight_{t}_int")),
            false,
            vec![t.clone(), Int],
            t,
            shift_right,
        );
    }
    let _ = Type::Dyn;
}
