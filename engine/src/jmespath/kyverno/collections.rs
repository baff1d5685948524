//! Object/array functions: `label_match`, `lookup`, `items`,
//! `object_from_lists`.

use super::super::ast::FunctionCall;
use super::super::functions::{number, Args, ELEMENT_STEPS, R};
use super::super::interpreter::Interp;
use super::super::value::{equal, Kind, Val};
use super::super::JmespathError;
use super::{arg_type_err, iface_to_string};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Steps per item `items` builds: each is a new two-entry map, several
/// hundred bytes.
const ITEM_STEPS: u64 = 8 * ELEMENT_STEPS;

pub(crate) fn label_match<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let selector = a.val(0)?.view();
    it.charge(selector.object_len().unwrap_or(0) as u64)?;
    let labels = a.val(1)?.view();
    let entries = selector
        .entries()
        .ok_or_else(|| arg_type_err(a.name, 0, "Object"))?;
    if labels.kind() != Kind::Object {
        return Err(arg_type_err(a.name, 1, "Object"));
    }
    for (k, v) in entries {
        match labels.get(k) {
            Some(Some(w)) if equal(v, w) => {}
            _ => return Ok(Val::Bool(false)),
        }
    }
    Ok(Val::Bool(true))
}

/// Kyverno's `intNumber`: the float must be an exact Go `int`.
pub(crate) fn int_number(f: f64) -> Result<i64, String> {
    if !f.is_finite() || f.trunc() != f {
        return Err(format!(
            "expected an integer number but got: {}",
            super::super::value::go_fmt_v_float(f)
        ));
    }
    // 2^63 is the first float outside Go's int range.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if !(-TWO_63..TWO_63).contains(&f) {
        return Err(format!(
            "number is outside the range of integer numbers: {}",
            super::super::value::go_fmt_v_float(f)
        ));
    }
    Ok(f as i64)
}

pub(crate) fn lookup<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let key = a.take(1)?;
    let container = a.take(0)?;
    match container.kind() {
        Kind::Object => {
            let k = key
                .as_str()
                .ok_or_else(|| arg_type_err(a.name, 2, "String"))?;
            Ok(container.get_field(k).flatten().unwrap_or(Val::Null))
        }
        Kind::Array => {
            let f = key
                .as_f64()
                .ok_or_else(|| arg_type_err(a.name, 2, "Number"))?;
            let i = int_number(f).map_err(|e| {
                JmespathError::InvalidValue(format!(
                    "JMESPath function '{}': argument #2: {e}",
                    a.name
                ))
            })?;
            if i < 0 {
                return Ok(Val::Null);
            }
            Ok(usize::try_from(i)
                .ok()
                .and_then(|i| container.index(i))
                .unwrap_or(Val::Null))
        }
        _ => Err(arg_type_err(a.name, 1, "Object or Array")),
    }
}

pub(crate) fn items<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let key_name = a
        .str(1)
        .map_err(|_| arg_type_err(a.name, 2, "String"))?
        .to_string();
    let val_name = a
        .str(2)
        .map_err(|_| arg_type_err(a.name, 3, "String"))?
        .to_string();
    let input = a.take(0)?;
    let n = input
        .array_len()
        .or_else(|| input.view().object_len())
        .unwrap_or(0);
    it.charge(ITEM_STEPS.saturating_mul(n as u64))?;
    let pair = |k: Val<'a>, v: Val<'a>| {
        let mut m = BTreeMap::new();
        // Inserting the value second makes it win when both names are equal,
        // as in Kyverno's map literal.
        m.insert(key_name.clone(), k);
        m.insert(val_name.clone(), v);
        Val::Map(Rc::new(m))
    };
    let out: Vec<Val<'a>> = match input.kind() {
        Kind::Object => input
            .entries()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| pair(Val::string(k), v))
            .collect(),
        Kind::Array => input
            .into_elements()
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, v)| pair(number(it, i as f64), v))
            .collect(),
        _ => return Err(arg_type_err(a.name, 1, "Object or Array")),
    };
    Ok(Val::list(out))
}

pub(crate) fn object_from_lists<'a>(
    it: &Interp<'_, '_>,
    _: &'a FunctionCall,
    mut a: Args<'a>,
) -> R<'a> {
    let values = a
        .take(1)?
        .into_elements()
        .ok_or_else(|| arg_type_err(a.name, 2, "Array"))?;
    let keys = a
        .take(0)?
        .into_elements()
        .ok_or_else(|| arg_type_err(a.name, 1, "Array"))?;
    it.charge(ELEMENT_STEPS.saturating_mul(keys.len() as u64))?;
    let mut out = BTreeMap::new();
    let mut values = values.into_iter();
    for k in keys {
        let key = iface_to_string(&k).ok_or_else(|| arg_type_err(a.name, 1, "StringArray"))?;
        out.insert(key, values.next().unwrap_or(Val::Null));
    }
    Ok(Val::Map(Rc::new(out)))
}
