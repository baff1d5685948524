//! Kubernetes' `quantity` CEL library (`K8S:pkg/cel/library/quantity.go`)
//! over verno's exact port of `resource.Quantity`.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{Opaque, Val};
use super::super::EvalError;
use super::support::{fail, global, int_arg, member, opaque, opaque_arg, str_arg};
use crate::quantity::Quantity;
use std::cmp::Ordering;

/// The cel-go type name.
pub const TYPE: &str = "kubernetes.Quantity";

/// A `kubernetes.Quantity` value.
#[derive(Debug, Clone)]
pub struct QuantityVal(pub Quantity);

impl Opaque for QuantityVal {
    fn type_name(&self) -> &'static str {
        TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<QuantityVal>()
            .is_some_and(|o| o.0 == self.0)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.to_string()))
    }
}

const FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// Which of `ParseQuantity`'s errors `s` gets: the shape is checked as its
/// scanner does, then the suffix, else the number itself is at fault.
fn parse_error(s: &str) -> &'static str {
    let b = s.as_bytes();
    if b.is_empty() {
        return FORMAT_WRONG;
    }
    let mut pos = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |pos: &mut usize| {
        while b.get(*pos).is_some_and(u8::is_ascii_digit) {
            *pos += 1;
        }
    };
    digits(&mut pos);
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        digits(&mut pos);
    }
    let suffix_start = pos;
    while b.get(pos).is_some_and(|c| b"eEinumkKMGTP".contains(c)) {
        pos += 1;
    }
    if matches!(b.get(pos), Some(b'+' | b'-')) {
        pos += 1;
    }
    digits(&mut pos);
    if pos < b.len() {
        return FORMAT_WRONG;
    }
    let suffix = s.get(suffix_start..).unwrap_or_default();
    let known = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || (suffix.len() > 1
        && suffix.starts_with(['e', 'E'])
        && suffix.get(1..).is_some_and(|e| e.parse::<i64>().is_ok()));
    if known {
        "unable to parse numeric part of quantity"
    } else {
        "unable to parse quantity's suffix"
    }
}

fn q_arg<'b>(args: &'b [Val<'_>], i: usize) -> Result<&'b Quantity, EvalError> {
    opaque_arg::<QuantityVal>(args, i).map(|q| &q.0)
}

fn q_val<'a>(q: Quantity) -> Val<'a> {
    opaque(QuantityVal(q))
}

/// `NewQuantity(n, DecimalExponent)`.
fn from_int(n: i64) -> Result<Quantity, EvalError> {
    Quantity::parse(&format!("{n}e0"))
        .ok_or_else(|| fail(format!("cannot represent {n} as a quantity")))
}

/// `AsInt64`: the value when it is a whole number within int64.
fn as_int64(q: &Quantity) -> Option<i64> {
    let f = q.as_f64();
    if !f.is_finite() || f.abs() > 9.3e18 {
        return None;
    }
    let mut candidate = f.round() as i64;
    // The float may be a few units off above 2^53; the exact difference fixes it.
    for _ in 0..3 {
        let c = Quantity::parse(&candidate.to_string())?;
        if c == *q {
            return Some(candidate);
        }
        let d = q.checked_sub(&c)?.as_f64();
        if d.fract() != 0.0 || !d.is_finite() {
            return None;
        }
        candidate = candidate.checked_add(d as i64)?;
    }
    None
}

fn string_to_quantity<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(args, 0)?;
    Quantity::parse(s)
        .map(q_val)
        .ok_or_else(|| fail(parse_error(s)))
}

fn is_quantity<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(Quantity::parse(str_arg(args, 0)?).is_some()))
}

fn sign<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let q = q_arg(args, 0)?;
    let zero = from_int(0)?;
    Ok(Val::Int(match q.cmp(&zero) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}

fn compare(args: &[Val<'_>]) -> Result<Ordering, EvalError> {
    Ok(q_arg(args, 0)?.cmp(q_arg(args, 1)?))
}

fn is_greater_than<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(compare(args)? == Ordering::Greater))
}

fn is_less_than<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(compare(args)? == Ordering::Less))
}

fn compare_to<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Int(compare(args)? as i64))
}

fn as_approximate_float<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Double(q_arg(args, 0)?.as_f64()))
}

fn as_integer<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    as_int64(q_arg(args, 0)?)
        .map(Val::Int)
        .ok_or_else(|| fail("cannot convert value to integer"))
}

fn is_integer<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(as_int64(q_arg(args, 0)?).is_some()))
}

fn too_large() -> EvalError {
    fail("quantity arithmetic overflow")
}

fn add<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let sum = q_arg(args, 0)?
        .checked_add(q_arg(args, 1)?)
        .ok_or_else(too_large)?;
    Ok(q_val(sum))
}

fn add_int<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let other = from_int(int_arg(args, 1)?)?;
    let sum = q_arg(args, 0)?.checked_add(&other).ok_or_else(too_large)?;
    Ok(q_val(sum))
}

fn sub<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let diff = q_arg(args, 0)?
        .checked_sub(q_arg(args, 1)?)
        .ok_or_else(too_large)?;
    Ok(q_val(diff))
}

fn sub_int<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let other = from_int(int_arg(args, 1)?)?;
    let diff = q_arg(args, 0)?.checked_sub(&other).ok_or_else(too_large)?;
    Ok(q_val(diff))
}

/// Declares the library. `sign` is global (`sign(q)`), as k8s declares it.
pub fn register(reg: &mut Registry) {
    let q = || Type::Opaque(TYPE);
    reg.add_type(TYPE);
    global(
        reg,
        "quantity",
        "string_to_quantity",
        vec![Type::String],
        q(),
        string_to_quantity,
    );
    global(
        reg,
        "isQuantity",
        "is_quantity_string",
        vec![Type::String],
        Type::Bool,
        is_quantity,
    );
    global(reg, "sign", "quantity_sign", vec![q()], Type::Int, sign);
    member(
        reg,
        "isGreaterThan",
        "quantity_is_greater_than",
        vec![q(), q()],
        Type::Bool,
        is_greater_than,
    );
    member(
        reg,
        "isLessThan",
        "quantity_is_less_than",
        vec![q(), q()],
        Type::Bool,
        is_less_than,
    );
    member(
        reg,
        "compareTo",
        "quantity_compare_to",
        vec![q(), q()],
        Type::Int,
        compare_to,
    );
    member(
        reg,
        "asApproximateFloat",
        "quantity_get_float",
        vec![q()],
        Type::Double,
        as_approximate_float,
    );
    member(
        reg,
        "asInteger",
        "quantity_get_int",
        vec![q()],
        Type::Int,
        as_integer,
    );
    member(
        reg,
        "isInteger",
        "quantity_is_integer",
        vec![q()],
        Type::Bool,
        is_integer,
    );
    member(reg, "add", "quantity_add", vec![q(), q()], q(), add);
    member(
        reg,
        "add",
        "quantity_add_int",
        vec![q(), Type::Int],
        q(),
        add_int,
    );
    member(reg, "sub", "quantity_sub", vec![q(), q()], q(), sub);
    member(
        reg,
        "sub",
        "quantity_sub_int",
        vec![q(), Type::Int],
        q(),
        sub_int,
    );
}

#[cfg(test)]
#[allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_what_kubernetes_names() {
        assert_eq!(parse_error("10Mo"), FORMAT_WRONG);
        assert_eq!(parse_error(""), FORMAT_WRONG);
        assert_eq!(parse_error("10Mm"), "unable to parse quantity's suffix");
        assert_eq!(parse_error("1e"), "unable to parse quantity's suffix");
    }

    #[test]
    fn integers_are_exact_within_int64() {
        let q = |s: &str| Quantity::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(as_int64(&q("50k")), Some(50_000));
        assert_eq!(as_int64(&q("9223372036854775807")), Some(i64::MAX));
        assert_eq!(as_int64(&q("1500m")), None);
        assert_eq!(as_int64(&q("9999999999999999999999999999999999999G")), None);
        assert_eq!(as_int64(&q("-2Ki")), Some(-2048));
    }
}
