//! cel-go's sets extension: `sets.contains`, `sets.equivalent`, `sets.intersects`.

use super::add;
use super::core::no_such_overload;
use crate::cel::registry::{Call, Registry};
use crate::cel::types::Type;
use crate::cel::value::{equals, Val};
use crate::cel::EvalError;

type R<'a> = Result<Val<'a>, EvalError>;

fn two<'a>(
    c: &mut Call<'_>,
    f: &str,
    a: &[Val<'a>],
) -> Result<(Vec<Val<'a>>, Vec<Val<'a>>), EvalError> {
    let [x, y] = a else {
        return Err(no_such_overload(f, a));
    };
    let (Some(x), Some(y)) = (x.list_items(c.numbers), y.list_items(c.numbers)) else {
        return Err(no_such_overload(f, a));
    };
    c.budget.charge_size(x.len().saturating_mul(y.len()) / 8)?;
    Ok((x, y))
}

fn contains_all(x: &[Val<'_>], y: &[Val<'_>]) -> bool {
    y.iter().all(|e| x.iter().any(|f| equals(e, f)))
}

fn contains<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (x, y) = two(c, "sets.contains", a)?;
    Ok(Val::Bool(contains_all(&x, &y)))
}

fn equivalent<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (x, y) = two(c, "sets.equivalent", a)?;
    Ok(Val::Bool(contains_all(&x, &y) && contains_all(&y, &x)))
}

fn intersects<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (x, y) = two(c, "sets.intersects", a)?;
    Ok(Val::Bool(x.iter().any(|e| y.iter().any(|f| equals(e, f)))))
}

/// Registers the sets extension.
pub fn register(r: &mut Registry) {
    let la = || Type::list(Type::Param("A"));
    add(
        r,
        "sets.contains",
        "list_sets_contains_list",
        false,
        vec![la(), la()],
        Type::Bool,
        contains,
    );
    add(
        r,
        "sets.equivalent",
        "list_sets_equivalent_list",
        false,
        vec![la(), la()],
        Type::Bool,
        equivalent,
    );
    add(
        r,
        "sets.intersects",
        "list_sets_intersects_list",
        false,
        vec![la(), la()],
        Type::Bool,
        intersects,
    );
}
