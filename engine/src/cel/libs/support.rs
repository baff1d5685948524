//! What every library binding needs: declaring overloads, reading
//! arguments, turning JSON the host returns into values.

use super::super::registry::{Imp, Overload, Registry};
use super::super::types::Type;
use super::super::value::{MapVal, NumberMode, Opaque, Str, Val};
use super::super::EvalError;
use std::rc::Rc;

/// Declares a global function overload (`f(x)`).
pub(crate) fn global(
    reg: &mut Registry,
    name: &'static str,
    id: &'static str,
    params: Vec<Type>,
    result: Type,
    imp: Imp,
) {
    reg.add(
        name,
        Overload {
            id,
            member: false,
            params,
            result,
            imp,
        },
    );
}

/// Declares a receiver-style overload (`x.f(y)`); `params` starts with the receiver.
pub(crate) fn member(
    reg: &mut Registry,
    name: &'static str,
    id: &'static str,
    params: Vec<Type>,
    result: Type,
    imp: Imp,
) {
    reg.add(
        name,
        Overload {
            id,
            member: true,
            params,
            result,
            imp,
        },
    );
}

/// cel-go's `MaybeNoSuchOverloadErr` for an argument of an unexpected kind.
pub(crate) fn no_such_overload() -> EvalError {
    EvalError::new("no such overload")
}

/// An error with the library's own text (`types.NewErr`, `types.WrapErr`).
pub(crate) fn fail(msg: impl Into<String>) -> EvalError {
    EvalError::new(msg)
}

/// Argument `i` as a string.
pub(crate) fn str_arg<'b>(args: &'b [Val<'_>], i: usize) -> Result<&'b str, EvalError> {
    match args.get(i) {
        Some(Val::String(s)) => Ok(s.as_str()),
        _ => Err(no_such_overload()),
    }
}

/// Argument `i` as an int.
pub(crate) fn int_arg(args: &[Val<'_>], i: usize) -> Result<i64, EvalError> {
    match args.get(i) {
        Some(Val::Int(n)) => Ok(*n),
        _ => Err(no_such_overload()),
    }
}

/// Argument `i` as a bool.
pub(crate) fn bool_arg(args: &[Val<'_>], i: usize) -> Result<bool, EvalError> {
    match args.get(i) {
        Some(Val::Bool(b)) => Ok(*b),
        _ => Err(no_such_overload()),
    }
}

/// Argument `i` as a double.
pub(crate) fn double_arg(args: &[Val<'_>], i: usize) -> Result<f64, EvalError> {
    match args.get(i) {
        Some(Val::Double(d)) => Ok(*d),
        _ => Err(no_such_overload()),
    }
}

/// Argument `i` as the library value `T`.
pub(crate) fn opaque_arg<'b, T: 'static>(
    args: &'b [Val<'_>],
    i: usize,
) -> Result<&'b T, EvalError> {
    match args.get(i) {
        Some(Val::Opaque(o)) => o.as_any().downcast_ref::<T>().ok_or_else(no_such_overload),
        _ => Err(no_such_overload()),
    }
}

/// Wraps a library value.
pub(crate) fn opaque<'a>(v: impl Opaque + 'static) -> Val<'a> {
    Val::Opaque(Rc::new(v))
}

/// The elements of a list argument (a list value or a bound JSON array).
pub(crate) fn list_items<'a>(v: &Val<'a>, numbers: NumberMode) -> Option<Vec<Val<'a>>> {
    match v {
        Val::List(items) => Some(items.as_ref().clone()),
        Val::Json(serde_json::Value::Array(items)) => {
            Some(items.iter().map(|e| Val::from_json(e, numbers)).collect())
        }
        _ => None,
    }
}

/// The entries of a map argument (a map value or a bound JSON object).
pub(crate) fn map_entries<'a>(v: &Val<'a>, numbers: NumberMode) -> Option<Vec<(Val<'a>, Val<'a>)>> {
    match v {
        Val::Map(m) => Some(m.entries().to_vec()),
        Val::Json(serde_json::Value::Object(o)) => Some(
            o.iter()
                .map(|(k, e)| (Val::String(Str::Borrowed(k)), Val::from_json(e, numbers)))
                .collect(),
        ),
        _ => None,
    }
}

/// A `map(string, string)` argument as pairs.
pub(crate) fn string_pairs(
    v: &Val<'_>,
    numbers: NumberMode,
) -> Result<Vec<(String, String)>, EvalError> {
    let entries = map_entries(v, numbers).ok_or_else(no_such_overload)?;
    entries
        .into_iter()
        .map(|(k, v)| match (k, v) {
            (Val::String(k), Val::String(v)) => {
                Ok((k.as_str().to_string(), v.as_str().to_string()))
            }
            _ => Err(no_such_overload()),
        })
        .collect()
}

/// An owned JSON document as a value that does not borrow it (what the host
/// returns: resources, HTTP bodies, parsed JSON and YAML).
pub(crate) fn owned_json<'a>(v: &serde_json::Value, numbers: NumberMode) -> Val<'a> {
    use serde_json::Value as J;
    match v {
        J::Null => Val::Null,
        J::Bool(b) => Val::Bool(*b),
        J::Number(_) => match Val::from_json(v, numbers) {
            Val::Int(i) => Val::Int(i),
            Val::Uint(u) => Val::Uint(u),
            Val::Double(d) => Val::Double(d),
            _ => Val::Null,
        },
        J::String(s) => Val::string(s.as_str()),
        J::Array(items) => Val::list(items.iter().map(|e| owned_json(e, numbers)).collect()),
        J::Object(o) => {
            let mut map = MapVal::new();
            for (k, e) in o {
                // Keys of a JSON object are distinct strings: insert cannot refuse.
                let _ = map.insert(Val::string(k.as_str()), owned_json(e, numbers));
            }
            Val::Map(Rc::new(map))
        }
    }
}

/// A value as JSON (Kyverno's conversion), for the host and the encoders.
/// Containers and library values are walked here; timestamps, durations and
/// the other scalars follow the core conversion.
pub(crate) fn to_json(v: &Val<'_>) -> Result<serde_json::Value, EvalError> {
    use serde_json::Value as J;
    Ok(match v {
        Val::Null => J::Null,
        Val::Bool(b) => J::Bool(*b),
        Val::Int(i) => J::from(*i),
        Val::Uint(u) => J::from(*u),
        Val::Double(d) => serde_json::Number::from_f64(*d).map_or(J::Null, J::Number),
        Val::String(s) => J::String(s.as_str().to_string()),
        Val::Json(j) => (*j).clone(),
        Val::List(items) => J::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Val::Map(m) => {
            let mut out = serde_json::Map::new();
            for (k, e) in m.entries() {
                let key = match k {
                    Val::String(s) => s.as_str().to_string(),
                    Val::Int(i) => i.to_string(),
                    Val::Uint(u) => u.to_string(),
                    Val::Bool(b) => b.to_string(),
                    _ => return Err(no_such_overload()),
                };
                out.insert(key, to_json(e)?);
            }
            J::Object(out)
        }
        Val::Opaque(o) => o.to_json().ok_or_else(|| {
            fail(format!(
                "type conversion error from '{}' to 'google.protobuf.Value'",
                o.type_name()
            ))
        })?,
        other => super::super::to_json(other)?,
    })
}

/// A map with string keys, built from pairs.
pub(crate) fn string_map<'a>(pairs: Vec<(&str, Val<'a>)>) -> Val<'a> {
    let mut map = MapVal::new();
    for (k, v) in pairs {
        let _ = map.insert(Val::string(k), v);
    }
    Val::Map(Rc::new(map))
}
