//! The CEL standard library: operators, conversions, `size`, the string
//! predicates, `type` and `dyn`.

use super::add;
use crate::cel::registry::{Call, Registry};
use crate::cel::types::Type;
use crate::cel::value::{equals, num_cmp, numeric, MapVal, Num, NumberMode, Str, Val};
use crate::cel::EvalError;
use std::cmp::Ordering;
use std::rc::Rc;

type R<'a> = Result<Val<'a>, EvalError>;

/// cel-go's runtime dispatch failure: `no such overload: f(int, string)`.
pub fn no_such_overload(f: &str, args: &[Val<'_>]) -> EvalError {
    let types: Vec<String> = args.iter().map(Val::type_name).collect();
    EvalError::new(format!("no such overload: {f}({})", types.join(", ")))
}

/// A value as Go's `%v` prints a CEL value in cel-go's messages.
pub fn debug_string(v: &Val<'_>) -> String {
    match v {
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Uint(u) => u.to_string(),
        Val::Double(d) => super::format::go_float_v(*d),
        Val::String(s) => s.as_str().to_string(),
        Val::Type(t) => t.runtime_name(),
        other => match crate::cel::json::to_json(other) {
            Ok(j) => j.to_string(),
            Err(_) => other.type_name(),
        },
    }
}

/// `x.f` (field selection) with cel-go's errors; selecting on an optional
/// stays optional.
pub fn select_field<'a>(target: &Val<'a>, field: &str, mode: NumberMode) -> R<'a> {
    match target {
        Val::Optional(None) => Ok(Val::Optional(None)),
        Val::Optional(Some(inner)) => match select_field(inner, field, mode) {
            Ok(v) => Ok(Val::Optional(Some(Rc::new(v)))),
            // Only a map can lack the field: on anything else it is an error.
            Err(e) if inner.is_map() && e.message.starts_with("no such key") => {
                Ok(Val::Optional(None))
            }
            Err(e) => Err(e),
        },
        t => match t.map_get(&Val::String(Str::Borrowed(field)), mode) {
            Ok(Some(v)) => Ok(v),
            _ => Err(EvalError::new(format!("no such key: {field}"))),
        },
    }
}

/// `x[k]` with cel-go's errors.
pub fn index<'a>(target: &Val<'a>, key: &Val<'_>, mode: NumberMode) -> R<'a> {
    match target {
        Val::Optional(None) => Ok(Val::Optional(None)),
        Val::Optional(Some(inner)) => match index(inner, key, mode) {
            Ok(v) => Ok(Val::Optional(Some(Rc::new(v)))),
            Err(e)
                if (inner.is_map() || inner.list_len().is_some())
                    && (e.message.starts_with("no such key")
                        || e.message.starts_with("index out of bounds")) =>
            {
                Ok(Val::Optional(None))
            }
            Err(e) => Err(e),
        },
        t if t.list_len().is_some() => {
            let i = match key {
                Val::Int(i) => *i,
                Val::Uint(u) => i64::try_from(*u).unwrap_or(i64::MAX),
                Val::Double(d) if d.fract() == 0.0 && d.is_finite() => *d as i64,
                Val::Double(d) => {
                    return Err(EvalError::new(format!(
                        "unsupported index value {} in list",
                        super::format::go_float_v(*d)
                    )))
                }
                other => {
                    return Err(EvalError::new(format!(
                        "unsupported index type '{}' in list",
                        other.type_name()
                    )))
                }
            };
            usize::try_from(i)
                .ok()
                .and_then(|i| t.list_get(i, mode))
                .ok_or_else(|| {
                    EvalError::new(format!("index out of bounds: {}", debug_string(key)))
                })
        }
        t => match t.map_get(key, mode) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(EvalError::new(format!(
                "no such key: {}",
                debug_string(key)
            ))),
            Err(()) => Err(EvalError::new(format!(
                "no such key: {}",
                debug_string(key)
            ))),
        },
    }
}

fn bad<'a>(f: &str, a: &[Val<'a>]) -> R<'a> {
    Err(no_such_overload(f, a))
}

const INT_OVERFLOW: &str = "integer overflow";
const UINT_OVERFLOW: &str = "unsigned integer overflow";

fn overflow(msg: &str) -> EvalError {
    EvalError::new(msg)
}

fn add_imp<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    use super::time::{add_duration, checked_dur_add};
    Ok(match a {
        [Val::Int(x), Val::Int(y)] => {
            Val::Int(x.checked_add(*y).ok_or_else(|| overflow(INT_OVERFLOW))?)
        }
        [Val::Uint(x), Val::Uint(y)] => {
            Val::Uint(x.checked_add(*y).ok_or_else(|| overflow(UINT_OVERFLOW))?)
        }
        [Val::Double(x), Val::Double(y)] => Val::Double(x + y),
        [Val::String(x), Val::String(y)] => {
            c.budget.charge_size(x.as_str().len() + y.as_str().len())?;
            let mut s = String::with_capacity(x.as_str().len() + y.as_str().len());
            s.push_str(x.as_str());
            s.push_str(y.as_str());
            Val::string(s)
        }
        [Val::Bytes(x), Val::Bytes(y)] => {
            c.budget.charge_size(x.len() + y.len())?;
            let mut v = x.to_vec();
            v.extend_from_slice(y);
            Val::Bytes(Rc::from(v))
        }
        [x, y] if x.list_len().is_some() && y.list_len().is_some() => {
            let (Some(mut l), Some(r)) = (x.list_items(c.numbers), y.list_items(c.numbers)) else {
                return bad("_+_", a);
            };
            c.budget.charge_size(l.len() + r.len())?;
            l.extend(r);
            Val::list(l)
        }
        [Val::Timestamp(t), Val::Duration(d)] | [Val::Duration(d), Val::Timestamp(t)] => {
            add_duration(t, d)?
        }
        [Val::Duration(x), Val::Duration(y)] => Val::Duration(checked_dur_add(x, y)?),
        _ => return bad("_+_", a),
    })
}

fn sub_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    use super::time::{add_duration, checked_dur_add, dur_from_ts_diff};
    Ok(match a {
        [Val::Int(x), Val::Int(y)] => {
            Val::Int(x.checked_sub(*y).ok_or_else(|| overflow(INT_OVERFLOW))?)
        }
        [Val::Uint(x), Val::Uint(y)] => {
            Val::Uint(x.checked_sub(*y).ok_or_else(|| overflow(UINT_OVERFLOW))?)
        }
        [Val::Double(x), Val::Double(y)] => Val::Double(x - y),
        [Val::Timestamp(x), Val::Timestamp(y)] => Val::Duration(dur_from_ts_diff(x, y)?),
        [Val::Timestamp(t), Val::Duration(d)] => {
            let neg = d
                .checked_mul(-1)
                .ok_or_else(|| EvalError::new("duration overflow"))?;
            add_duration(t, &neg)?
        }
        [Val::Duration(x), Val::Duration(y)] => {
            let neg = y
                .checked_mul(-1)
                .ok_or_else(|| EvalError::new("duration overflow"))?;
            Val::Duration(checked_dur_add(x, &neg)?)
        }
        _ => return bad("_-_", a),
    })
}

fn mul_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(match a {
        [Val::Int(x), Val::Int(y)] => {
            Val::Int(x.checked_mul(*y).ok_or_else(|| overflow(INT_OVERFLOW))?)
        }
        [Val::Uint(x), Val::Uint(y)] => {
            Val::Uint(x.checked_mul(*y).ok_or_else(|| overflow(UINT_OVERFLOW))?)
        }
        [Val::Double(x), Val::Double(y)] => Val::Double(x * y),
        _ => return bad("_*_", a),
    })
}

fn div_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(match a {
        [Val::Int(_), Val::Int(0)] | [Val::Uint(_), Val::Uint(0)] => {
            return Err(EvalError::new("division by zero"))
        }
        [Val::Int(x), Val::Int(y)] => {
            Val::Int(x.checked_div(*y).ok_or_else(|| overflow(INT_OVERFLOW))?)
        }
        [Val::Uint(x), Val::Uint(y)] => {
            Val::Uint(x.checked_div(*y).ok_or_else(|| overflow(UINT_OVERFLOW))?)
        }
        [Val::Double(x), Val::Double(y)] => Val::Double(x / y),
        _ => return bad("_/_", a),
    })
}

fn mod_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(match a {
        [Val::Int(_), Val::Int(0)] | [Val::Uint(_), Val::Uint(0)] => {
            return Err(EvalError::new("modulus by zero"))
        }
        [Val::Int(x), Val::Int(y)] => {
            Val::Int(x.checked_rem(*y).ok_or_else(|| overflow(INT_OVERFLOW))?)
        }
        [Val::Uint(x), Val::Uint(y)] => {
            Val::Uint(x.checked_rem(*y).ok_or_else(|| overflow(UINT_OVERFLOW))?)
        }
        _ => return bad("_%_", a),
    })
}

fn neg_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(match a {
        [Val::Int(x)] => Val::Int(x.checked_neg().ok_or_else(|| overflow(INT_OVERFLOW))?),
        [Val::Double(x)] => Val::Double(-x),
        _ => return bad("-_", a),
    })
}

fn not_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Bool(b)] => Ok(Val::Bool(!b)),
        _ => bad("!_", a),
    }
}

fn logic_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    // `&&`, `||` and `?:` are evaluated by the interpreter (they are not strict).
    bad("_&&_", a)
}

fn eq_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [x, y] => Ok(Val::Bool(equals(x, y))),
        _ => bad("_==_", a),
    }
}

fn ne_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [x, y] => Ok(Val::Bool(!equals(x, y))),
        _ => bad("_!=_", a),
    }
}

/// The ordering of two values of comparable types; `Ok(None)` for NaN.
pub fn compare(f: &str, a: &[Val<'_>]) -> Result<Option<Ordering>, EvalError> {
    Ok(match a {
        [Val::Bool(x), Val::Bool(y)] => Some(x.cmp(y)),
        [Val::String(x), Val::String(y)] => Some(x.as_str().cmp(y.as_str())),
        [Val::Bytes(x), Val::Bytes(y)] => Some(x.cmp(y)),
        [Val::Timestamp(x), Val::Timestamp(y)] => Some(x.cmp(y)),
        [Val::Duration(x), Val::Duration(y)] => Some(x.cmp(y)),
        [x, y] => match (numeric(x), numeric(y)) {
            (Some(p), Some(q)) => num_cmp(p, q),
            _ => return Err(no_such_overload(f, a)),
        },
        _ => return Err(no_such_overload(f, a)),
    })
}

fn lt_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(Val::Bool(compare("_<_", a)? == Some(Ordering::Less)))
}
fn le_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(Val::Bool(matches!(
        compare("_<=_", a)?,
        Some(Ordering::Less | Ordering::Equal)
    )))
}
fn gt_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(Val::Bool(compare("_>_", a)? == Some(Ordering::Greater)))
}
fn ge_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(Val::Bool(matches!(
        compare("_>=_", a)?,
        Some(Ordering::Greater | Ordering::Equal)
    )))
}

fn index_imp<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [t, k] => index(t, k, c.numbers),
        _ => bad("_[_]", a),
    }
}

fn in_imp<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [x, l] if l.list_len().is_some() => {
            let n = l.list_len().unwrap_or(0);
            c.budget.charge_size(n)?;
            Ok(Val::Bool((0..n).any(|i| {
                l.list_get(i, NumberMode::Exact)
                    .is_some_and(|e| equals(x, &e))
            })))
        }
        [k, m] if m.is_map() => {
            let found = match m {
                Val::Map(mv) => mv.get(k).is_some(),
                other => matches!(other.map_get(k, NumberMode::Exact), Ok(Some(_))),
            };
            Ok(Val::Bool(found))
        }
        _ => bad("@in", a),
    }
}

fn size_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let n = match a {
        [Val::String(s)] => s.as_str().chars().count(),
        [Val::Bytes(b)] => b.len(),
        [x] if x.list_len().is_some() => x.list_len().unwrap_or(0),
        [x] if x.is_map() => x.map_len().unwrap_or(0),
        _ => return bad("size", a),
    };
    Ok(Val::Int(n as i64))
}

fn str_pred<'a>(f: &str, a: &[Val<'a>], p: fn(&str, &str) -> bool) -> R<'a> {
    match a {
        [Val::String(s), Val::String(t)] => Ok(Val::Bool(p(s.as_str(), t.as_str()))),
        _ => bad(f, a),
    }
}
fn contains_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    str_pred("contains", a, |s, t| s.contains(t))
}
fn starts_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    str_pred("startsWith", a, |s, t| s.starts_with(t))
}
fn ends_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    str_pred("endsWith", a, |s, t| s.ends_with(t))
}

fn matches_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::String(s), Val::String(re)] => {
            let re = super::regex::compile(re.as_str())?;
            Ok(Val::Bool(re.is_match(s.as_str())))
        }
        _ => bad("matches", a),
    }
}

fn dyn_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [x] => Ok(x.clone()),
        _ => bad("dyn", a),
    }
}

fn type_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [x] => Ok(Val::Type(x.type_of())),
        _ => bad("type", a),
    }
}

/// Go's `strconv` error text.
fn strconv_err(func: &str, s: &str, range: bool) -> EvalError {
    let why = if range {
        "value out of range"
    } else {
        "invalid syntax"
    };
    EvalError::new(format!(
        "strconv.{func}: parsing {}: {why}",
        super::format::go_quote(s)
    ))
}

fn int_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(Val::Int(match a {
        [Val::Int(i)] => *i,
        [Val::Uint(u)] => i64::try_from(*u).map_err(|_| overflow(INT_OVERFLOW))?,
        [Val::Double(d)] => {
            if !d.is_finite() || *d <= (i64::MIN as f64) || *d >= (i64::MAX as f64) {
                return Err(overflow(INT_OVERFLOW));
            }
            d.trunc() as i64
        }
        [Val::String(s)] => {
            let s = s.as_str();
            s.parse::<i64>().map_err(|e| {
                strconv_err(
                    "ParseInt",
                    s,
                    matches!(
                        e.kind(),
                        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                    ),
                )
            })?
        }
        [Val::Timestamp(t)] => t.timestamp(),
        [Val::Duration(d)] => d.num_nanoseconds().ok_or_else(|| overflow(INT_OVERFLOW))?,
        [Val::Bool(b)] => i64::from(*b),
        _ => return bad("int", a),
    }))
}

fn uint_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(Val::Uint(match a {
        [Val::Uint(u)] => *u,
        [Val::Int(i)] => u64::try_from(*i).map_err(|_| overflow(UINT_OVERFLOW))?,
        [Val::Double(d)] => {
            if !d.is_finite() || *d < 0.0 || *d >= 1.8446744073709552e19 {
                return Err(overflow(UINT_OVERFLOW));
            }
            d.trunc() as u64
        }
        [Val::String(s)] => {
            let s = s.as_str();
            s.parse::<u64>().map_err(|e| {
                strconv_err(
                    "ParseUint",
                    s,
                    matches!(e.kind(), std::num::IntErrorKind::PosOverflow),
                )
            })?
        }
        _ => return bad("uint", a),
    }))
}

fn double_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(Val::Double(match a {
        [Val::Double(d)] => *d,
        [Val::Int(i)] => *i as f64,
        [Val::Uint(u)] => *u as f64,
        [Val::String(s)] => super::format::parse_go_float(s.as_str())
            .ok_or_else(|| strconv_err("ParseFloat", s.as_str(), false))?,
        _ => return bad("double", a),
    }))
}

fn string_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(match a {
        [Val::String(s)] => Val::String(s.clone()),
        [Val::Int(i)] => Val::string(i.to_string()),
        [Val::Uint(u)] => Val::string(u.to_string()),
        [Val::Double(d)] => Val::string(super::format::go_float_g(*d)),
        [Val::Bool(b)] => Val::string(b.to_string()),
        [Val::Bytes(b)] => Val::string(
            std::str::from_utf8(b)
                .map_err(|_| EvalError::new("invalid UTF-8 in bytes, cannot convert to string"))?
                .to_string(),
        ),
        [Val::Timestamp(t)] => Val::string(super::time::format_timestamp(t)),
        [Val::Duration(d)] => Val::string(super::time::format_duration_seconds(d)),
        _ => return bad("string", a),
    })
}

fn bytes_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(match a {
        [Val::Bytes(b)] => Val::Bytes(b.clone()),
        [Val::String(s)] => Val::Bytes(Rc::from(s.as_str().as_bytes())),
        _ => return bad("bytes", a),
    })
}

fn bool_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    Ok(Val::Bool(match a {
        [Val::Bool(b)] => *b,
        [Val::String(s)] => match s.as_str() {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
            "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
            other => return Err(strconv_err("ParseBool", other, false)),
        },
        _ => return bad("bool", a),
    }))
}

/// Registers the standard library.
pub fn register(r: &mut Registry) {
    use crate::cel::types::Type::{
        Bool, Bytes, Double, Duration, Dyn, Int, Param, String, Timestamp, Uint,
    };
    let a = || Param("A");
    let la = || Type::list(Param("A"));
    let mkv = || Type::map(Param("K"), Param("V"));
    add(r, "!_", "logical_not", false, vec![Bool], Bool, not_imp);
    add(r, "-_", "negate_int64", false, vec![Int], Int, neg_imp);
    add(
        r,
        "-_",
        "negate_double",
        false,
        vec![Double],
        Double,
        neg_imp,
    );
    add(
        r,
        "_&&_",
        "logical_and",
        false,
        vec![Bool, Bool],
        Bool,
        logic_imp,
    );
    add(
        r,
        "_||_",
        "logical_or",
        false,
        vec![Bool, Bool],
        Bool,
        logic_imp,
    );
    add(
        r,
        "_?_:_",
        "conditional",
        false,
        vec![Bool, a(), a()],
        a(),
        logic_imp,
    );
    add(
        r,
        "@not_strictly_false",
        "not_strictly_false",
        false,
        vec![Bool],
        Bool,
        logic_imp,
    );
    add(r, "_==_", "equals", false, vec![a(), a()], Bool, eq_imp);
    add(r, "_!=_", "not_equals", false, vec![a(), a()], Bool, ne_imp);
    let ordered = [
        ("bool", Bool, Bool),
        ("int64", Int, Int),
        ("uint64", Uint, Uint),
        ("double", Double, Double),
        ("string", String, String),
        ("bytes", Bytes, Bytes),
        ("timestamp", Timestamp, Timestamp),
        ("duration", Duration, Duration),
        ("int64_double", Int, Double),
        ("int64_uint64", Int, Uint),
        ("uint64_double", Uint, Double),
        ("uint64_int64", Uint, Int),
        ("double_int64", Double, Int),
        ("double_uint64", Double, Uint),
    ];
    for (f, imp, prefix) in [
        ("_<_", lt_imp as crate::cel::registry::Imp, "less"),
        ("_<=_", le_imp, "less_equals"),
        ("_>_", gt_imp, "greater"),
        ("_>=_", ge_imp, "greater_equals"),
    ] {
        for (suffix, x, y) in &ordered {
            let id: &'static str = crate::cel::registry::intern(&format!("{prefix}_{suffix}"));
            add(r, f, id, false, vec![x.clone(), y.clone()], Bool, imp);
        }
    }
    for (id, x) in [
        ("add_int64", Int),
        ("add_uint64", Uint),
        ("add_double", Double),
        ("add_string", String),
        ("add_bytes", Bytes),
    ] {
        add(r, "_+_", id, false, vec![x.clone(), x.clone()], x, add_imp);
    }
    add(r, "_+_", "add_list", false, vec![la(), la()], la(), add_imp);
    add(
        r,
        "_+_",
        "add_timestamp_duration",
        false,
        vec![Timestamp, Duration],
        Timestamp,
        add_imp,
    );
    add(
        r,
        "_+_",
        "add_duration_timestamp",
        false,
        vec![Duration, Timestamp],
        Timestamp,
        add_imp,
    );
    add(
        r,
        "_+_",
        "add_duration_duration",
        false,
        vec![Duration, Duration],
        Duration,
        add_imp,
    );
    for (id, x) in [
        ("subtract_int64", Int),
        ("subtract_uint64", Uint),
        ("subtract_double", Double),
    ] {
        add(r, "_-_", id, false, vec![x.clone(), x.clone()], x, sub_imp);
    }
    add(
        r,
        "_-_",
        "subtract_timestamp_timestamp",
        false,
        vec![Timestamp, Timestamp],
        Duration,
        sub_imp,
    );
    add(
        r,
        "_-_",
        "subtract_timestamp_duration",
        false,
        vec![Timestamp, Duration],
        Timestamp,
        sub_imp,
    );
    add(
        r,
        "_-_",
        "subtract_duration_duration",
        false,
        vec![Duration, Duration],
        Duration,
        sub_imp,
    );
    for (id, x) in [
        ("multiply_int64", Int),
        ("multiply_uint64", Uint),
        ("multiply_double", Double),
    ] {
        add(r, "_*_", id, false, vec![x.clone(), x.clone()], x, mul_imp);
    }
    for (id, x) in [
        ("divide_int64", Int),
        ("divide_uint64", Uint),
        ("divide_double", Double),
    ] {
        add(r, "_/_", id, false, vec![x.clone(), x.clone()], x, div_imp);
    }
    for (id, x) in [("modulo_int64", Int), ("modulo_uint64", Uint)] {
        add(r, "_%_", id, false, vec![x.clone(), x.clone()], x, mod_imp);
    }
    add(
        r,
        "_[_]",
        "index_list",
        false,
        vec![la(), Int],
        a(),
        index_imp,
    );
    add(
        r,
        "_[_]",
        "index_list_uint",
        false,
        vec![la(), Uint],
        a(),
        index_imp,
    );
    add(
        r,
        "_[_]",
        "index_list_double",
        false,
        vec![la(), Double],
        a(),
        index_imp,
    );
    add(
        r,
        "_[_]",
        "index_map",
        false,
        vec![mkv(), Param("K")],
        Param("V"),
        index_imp,
    );
    add(
        r,
        "_[_]",
        "index_optional",
        false,
        vec![Type::optional(Dyn), Dyn],
        Type::optional(Dyn),
        index_imp,
    );
    add(r, "@in", "in_list", false, vec![a(), la()], Bool, in_imp);
    add(
        r,
        "@in",
        "in_map",
        false,
        vec![Param("K"), mkv()],
        Bool,
        in_imp,
    );
    for member in [false, true] {
        let m = if member { "_member" } else { "" };
        let id =
            |s: &str| -> &'static str { crate::cel::registry::intern(&format!("size_{s}{m}")) };
        add(r, "size", id("string"), member, vec![String], Int, size_imp);
        add(r, "size", id("bytes"), member, vec![Bytes], Int, size_imp);
        add(r, "size", id("list"), member, vec![la()], Int, size_imp);
        add(r, "size", id("map"), member, vec![mkv()], Int, size_imp);
    }
    add(
        r,
        "contains",
        "contains_string",
        true,
        vec![String, String],
        Bool,
        contains_imp,
    );
    add(
        r,
        "startsWith",
        "starts_with_string",
        true,
        vec![String, String],
        Bool,
        starts_imp,
    );
    add(
        r,
        "endsWith",
        "ends_with_string",
        true,
        vec![String, String],
        Bool,
        ends_imp,
    );
    add(
        r,
        "matches",
        "matches_string",
        true,
        vec![String, String],
        Bool,
        matches_imp,
    );
    add(
        r,
        "matches",
        "matches",
        false,
        vec![String, String],
        Bool,
        matches_imp,
    );
    add(r, "dyn", "to_dyn", false, vec![a()], Dyn, dyn_imp);
    add(
        r,
        "type",
        "type",
        false,
        vec![a()],
        Type::Type(Box::new(a())),
        type_imp,
    );
    for (x, n) in [
        (Int, "int64"),
        (Uint, "uint64"),
        (Double, "double"),
        (String, "string"),
        (Timestamp, "timestamp"),
        (Duration, "duration"),
        (Bool, "bool"),
    ] {
        let id: &'static str = crate::cel::registry::intern(&format!("{n}_to_int64"));
        add(r, "int", id, false, vec![x], Int, int_imp);
    }
    for (x, n) in [
        (Uint, "uint64"),
        (Int, "int64"),
        (Double, "double"),
        (String, "string"),
    ] {
        let id: &'static str = crate::cel::registry::intern(&format!("{n}_to_uint64"));
        add(r, "uint", id, false, vec![x], Uint, uint_imp);
    }
    for (x, n) in [
        (Double, "double"),
        (Int, "int64"),
        (Uint, "uint64"),
        (String, "string"),
    ] {
        let id: &'static str = crate::cel::registry::intern(&format!("{n}_to_double"));
        add(r, "double", id, false, vec![x], Double, double_imp);
    }
    for (x, n) in [
        (String, "string"),
        (Int, "int64"),
        (Uint, "uint64"),
        (Double, "double"),
        (Bool, "bool"),
        (Bytes, "bytes"),
        (Timestamp, "timestamp"),
        (Duration, "duration"),
    ] {
        let id: &'static str = crate::cel::registry::intern(&format!("{n}_to_string"));
        add(r, "string", id, false, vec![x], String, string_imp);
    }
    add(
        r,
        "bytes",
        "bytes_to_bytes",
        false,
        vec![Bytes],
        Bytes,
        bytes_imp,
    );
    add(
        r,
        "bytes",
        "string_to_bytes",
        false,
        vec![String],
        Bytes,
        bytes_imp,
    );
    add(r, "bool", "bool_to_bool", false, vec![Bool], Bool, bool_imp);
    add(
        r,
        "bool",
        "string_to_bool",
        false,
        vec![String],
        Bool,
        bool_imp,
    );
    let _ = MapVal::new();
    let _ = Num::I(0);
}
