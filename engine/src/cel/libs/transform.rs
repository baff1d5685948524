//! Kyverno's `transform` library: `listObjToMap(keys, values, keyField,
//! valueField)` (also `transform.listObjToMap`).

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{MapVal, Val};
use super::super::EvalError;
use super::support::{fail, global, list_items, map_entries, no_such_overload, str_arg};
use std::rc::Rc;

fn field<'a>(entries: &[(Val<'a>, Val<'a>)], name: &str) -> Option<Val<'a>> {
    entries
        .iter()
        .find(|(k, _)| matches!(k, Val::String(s) if s.as_str() == name))
        .map(|(_, v)| v.clone())
}

fn list_obj_to_map<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let keys = a
        .first()
        .and_then(|l| list_items(l, c.numbers))
        .ok_or_else(no_such_overload)?;
    let values = a
        .get(1)
        .and_then(|l| list_items(l, c.numbers))
        .ok_or_else(no_such_overload)?;
    let key_name = str_arg(a, 2)?;
    let value_name = str_arg(a, 3)?;
    if keys.len() != values.len() {
        return Err(fail(format!(
            "listObjToMap must take lists of equal length. list1: {}, list2: {}",
            keys.len(),
            values.len()
        )));
    }
    c.budget.charge_size(keys.len())?;
    let mut out: Vec<(String, Val<'a>)> = Vec::new();
    for (k, v) in keys.iter().zip(values.iter()) {
        let key_entries =
            map_entries(k, c.numbers).ok_or_else(|| fail("failed to convert key to a string"))?;
        let Some(Val::String(key)) = field(&key_entries, key_name) else {
            return Err(fail(
                "the passed key name cannot be handled as a string in the key object list",
            ));
        };
        let value_entries = map_entries(v, c.numbers).ok_or_else(|| {
            fail("object cannot be handled as a map string to any in the value object list")
        })?;
        let value = field(&value_entries, value_name).unwrap_or(Val::Null);
        // A Go map: a repeated key keeps the last value.
        match out
            .iter_mut()
            .find(|(existing, _)| existing == key.as_str())
        {
            Some(slot) => slot.1 = value,
            None => out.push((key.as_str().to_string(), value)),
        }
    }
    let mut map = MapVal::new();
    for (k, v) in out {
        let _ = map.insert(Val::string(k), v);
    }
    Ok(Val::Map(Rc::new(map)))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    let params = || {
        vec![
            Type::list(Type::Dyn),
            Type::list(Type::Dyn),
            Type::String,
            Type::String,
        ]
    };
    let out = || Type::map(Type::Dyn, Type::Dyn);
    global(
        reg,
        "listObjToMap",
        "list_of_object_to_map_non_prefixed",
        params(),
        out(),
        list_obj_to_map,
    );
    global(
        reg,
        "transform.listObjToMap",
        "list_of_object_to_map_prefixed",
        params(),
        out(),
        list_obj_to_map,
    );
}
