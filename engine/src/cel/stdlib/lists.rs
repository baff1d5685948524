//! cel-go's lists extension (v3) and the two-variable comprehensions' `cel.@mapInsert`.

use super::add;
use super::core::{compare, no_such_overload};
use crate::cel::registry::{Call, Registry};
use crate::cel::types::Type;
use crate::cel::value::{equals, MapVal, Val};
use crate::cel::EvalError;
use std::rc::Rc;

type R<'a> = Result<Val<'a>, EvalError>;

fn items<'a>(c: &Call<'_>, f: &str, a: &[Val<'a>], v: &Val<'a>) -> Result<Vec<Val<'a>>, EvalError> {
    v.list_items(c.numbers)
        .ok_or_else(|| no_such_overload(f, a))
}

fn range<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [Val::Int(n)] = a else {
        return Err(no_such_overload("lists.range", a));
    };
    let n = usize::try_from(*n).unwrap_or(0);
    c.budget.charge_size(n)?;
    Ok(Val::list((0..n).map(|i| Val::Int(i as i64)).collect()))
}

fn slice<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [l, Val::Int(s), Val::Int(e)] = a else {
        return Err(no_such_overload("slice", a));
    };
    let list = items(c, "slice", a, l)?;
    let (s, e) = (*s, *e);
    if s < 0 || e < 0 {
        return Err(EvalError::new(format!(
            "cannot slice({s}, {e}), negative indexes not supported"
        )));
    }
    if s > e {
        return Err(EvalError::new(format!(
            "cannot slice({s}, {e}), start index must be less than or equal to end index"
        )));
    }
    let len = list.len();
    let (su, eu) = (
        usize::try_from(s).unwrap_or(usize::MAX),
        usize::try_from(e).unwrap_or(usize::MAX),
    );
    if eu > len {
        return Err(EvalError::new(format!(
            "cannot slice({s}, {e}), list is length {len}"
        )));
    }
    Ok(Val::list(list.get(su..eu).unwrap_or(&[]).to_vec()))
}

fn flatten_into<'a>(
    c: &mut Call<'_>,
    v: &Val<'a>,
    depth: i64,
    out: &mut Vec<Val<'a>>,
) -> Result<(), EvalError> {
    for item in v.list_items(c.numbers).unwrap_or_default() {
        c.budget.charge(1)?;
        if depth > 0 && item.list_len().is_some() {
            flatten_into(c, &item, depth - 1, out)?;
        } else {
            out.push(item);
        }
    }
    Ok(())
}

fn flatten<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (l, depth) = match a {
        [l] => (l, 1),
        [l, Val::Int(d)] => (l, *d),
        _ => return Err(no_such_overload("flatten", a)),
    };
    if depth < 0 {
        return Err(EvalError::new("level must be non-negative"));
    }
    if l.list_len().is_none() {
        return Err(no_such_overload("flatten", a));
    }
    let mut out = Vec::new();
    flatten_into(c, l, depth, &mut out)?;
    Ok(Val::list(out))
}

fn distinct<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [l] = a else {
        return Err(no_such_overload("distinct", a));
    };
    let list = items(c, "distinct", a, l)?;
    c.budget
        .charge_size(list.len().saturating_mul(list.len()) / 8)?;
    let mut out: Vec<Val<'a>> = Vec::new();
    for v in list {
        if !out.iter().any(|o| equals(o, &v)) {
            out.push(v);
        }
    }
    Ok(Val::list(out))
}

fn reverse<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [l] = a else {
        return Err(no_such_overload("reverse", a));
    };
    let mut list = items(c, "reverse", a, l)?;
    list.reverse();
    Ok(Val::list(list))
}

/// Sorts `keys` (and `values` alongside), requiring one comparable type.
fn sort_pairs<'a>(c: &mut Call<'_>, mut pairs: Vec<(Val<'a>, Val<'a>)>) -> R<'a> {
    c.budget.charge_size(pairs.len())?;
    if let Some((first, _)) = pairs.first() {
        let t = first.type_name();
        if !matches!(
            first,
            Val::Int(_)
                | Val::Uint(_)
                | Val::Double(_)
                | Val::String(_)
                | Val::Bool(_)
                | Val::Bytes(_)
                | Val::Timestamp(_)
                | Val::Duration(_)
        ) {
            return Err(EvalError::new("list elements must be comparable"));
        }
        if pairs.iter().any(|(k, _)| k.type_name() != t) {
            return Err(EvalError::new("list elements must have the same type"));
        }
    }
    pairs.sort_by(|(x, _), (y, _)| {
        compare("sort", &[x.clone(), y.clone()])
            .ok()
            .flatten()
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(Val::list(pairs.into_iter().map(|(_, v)| v).collect()))
}

fn sort<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [l] = a else {
        return Err(no_such_overload("sort", a));
    };
    let list = items(c, "sort", a, l)?;
    sort_pairs(c, list.into_iter().map(|v| (v.clone(), v)).collect())
}

fn sort_by_keys<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [l, k] = a else {
        return Err(no_such_overload("@sortByAssociatedKeys", a));
    };
    let list = items(c, "@sortByAssociatedKeys", a, l)?;
    let keys = items(c, "@sortByAssociatedKeys", a, k)?;
    if list.len() != keys.len() {
        return Err(EvalError::new(format!(
            "@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got {} and {} elements respectively",
            list.len(),
            keys.len()
        )));
    }
    sort_pairs(c, keys.into_iter().zip(list).collect())
}

fn first<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [l] = a else {
        return Err(no_such_overload("first", a));
    };
    Ok(Val::Optional(l.list_get(0, c.numbers).map(Rc::new)))
}

fn last<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [l] = a else {
        return Err(no_such_overload("last", a));
    };
    let n = l.list_len().unwrap_or(0);
    Ok(Val::Optional(
        n.checked_sub(1)
            .and_then(|i| l.list_get(i, c.numbers))
            .map(Rc::new),
    ))
}

/// `cel.@mapInsert(m, k, v)` and `cel.@mapInsert(m, other)`.
fn map_insert<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (m, adds): (&Val<'a>, Vec<(Val<'a>, Val<'a>)>) = match a {
        [m, k, v] => (m, vec![(k.clone(), v.clone())]),
        [m, other] => (
            m,
            other
                .map_entries(c.numbers)
                .ok_or_else(|| no_such_overload("cel.@mapInsert", a))?,
        ),
        _ => return Err(no_such_overload("cel.@mapInsert", a)),
    };
    let mut out: MapVal<'a> = match m {
        Val::Map(mv) => (**mv).clone(),
        other => {
            let mut mv = MapVal::new();
            for (k, v) in other
                .map_entries(c.numbers)
                .ok_or_else(|| no_such_overload("cel.@mapInsert", a))?
            {
                let _ = mv.insert(k, v);
            }
            mv
        }
    };
    c.budget.charge_size(out.len() + adds.len())?;
    for (k, v) in adds {
        let shown = super::core::debug_string(&k);
        match out.insert(k, v) {
            Ok(true) => {}
            Ok(false) => {
                return Err(EvalError::new(format!(
                    "insert failed: key {shown} already exists"
                )))
            }
            Err(bad) => {
                return Err(EvalError::new(format!(
                    "unsupported key type: {}",
                    bad.type_name()
                )))
            }
        }
    }
    Ok(Val::Map(Rc::new(out)))
}

/// Registers the lists extension, `first`/`last` and `cel.@mapInsert`.
pub fn register(r: &mut Registry) {
    use crate::cel::types::Type::{Dyn, Int, Param};
    let la = || Type::list(Param("A"));
    add(
        r,
        "lists.range",
        "lists_range",
        false,
        vec![Int],
        Type::list(Int),
        range,
    );
    add(
        r,
        "slice",
        "list_slice",
        true,
        vec![la(), Int, Int],
        la(),
        slice,
    );
    add(
        r,
        "flatten",
        "list_flatten",
        true,
        vec![Type::list(Dyn)],
        Type::list(Dyn),
        flatten,
    );
    add(
        r,
        "flatten",
        "list_flatten_int",
        true,
        vec![Type::list(Dyn), Int],
        Type::list(Dyn),
        flatten,
    );
    add(
        r,
        "distinct",
        "list_distinct",
        true,
        vec![la()],
        la(),
        distinct,
    );
    add(
        r,
        "reverse",
        "list_reverse",
        true,
        vec![la()],
        la(),
        reverse,
    );
    add(r, "sort", "list_sort", true, vec![la()], la(), sort);
    add(
        r,
        "@sortByAssociatedKeys",
        "list_sort_by_associated_keys",
        true,
        vec![la(), Type::list(Dyn)],
        la(),
        sort_by_keys,
    );
    add(
        r,
        "first",
        "list_first",
        true,
        vec![la()],
        Type::optional(Param("A")),
        first,
    );
    add(
        r,
        "last",
        "list_last",
        true,
        vec![la()],
        Type::optional(Param("A")),
        last,
    );
    let m = || Type::map(Param("K"), Param("V"));
    add(
        r,
        "cel.@mapInsert",
        "@mapInsert_map_key_value",
        false,
        vec![m(), Param("K"), Param("V")],
        m(),
        map_insert,
    );
    add(
        r,
        "cel.@mapInsert",
        "@mapInsert_map_map",
        false,
        vec![m(), m()],
        m(),
        map_insert,
    );
}
