//! Arithmetic over numbers, Kubernetes quantities and Go durations
//! (Kyverno's `arithmetic.go`). Each operand is classified independently
//! (number, then quantity string, then duration string), and the pair of
//! classes picks the operation or a `Types mismatch` error.

use super::super::ast::FunctionCall;
use super::super::functions::{number, Args, R};
use super::super::interpreter::Interp;
use super::super::value::{go_fmt_v_float, Kind, Val};
use super::super::JmespathError;
use super::collections::int_number;
use super::kerr;
use crate::go::duration::{format_duration, parse_duration};
use crate::go::quantity::{Format, Quantity};

enum Operand {
    Scalar(f64),
    /// The quantity and its source text (needed for Kubernetes' internal
    /// decimal scale, which `divide` depends on).
    Quantity(Quantity, String),
    Duration(i64),
}

const QUANTITY_FORMAT_ERR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

fn operand(name: &str, v: &Val<'_>) -> Result<Operand, JmespathError> {
    match v.kind() {
        Kind::Number => Ok(Operand::Scalar(v.as_f64().unwrap_or(0.0))),
        Kind::String => {
            let s = v.as_str().unwrap_or("");
            if let Some(q) = Quantity::parse(s) {
                Ok(Operand::Quantity(q, s.to_string()))
            } else if let Some(d) = parse_duration(s) {
                Ok(Operand::Duration(d))
            } else {
                Err(kerr(name, "invalid operand"))
            }
        }
        _ => Err(kerr(name, "invalid operand")),
    }
}

fn operands(name: &str, a: &Args<'_>) -> Result<(Operand, Operand), JmespathError> {
    Ok((operand(name, a.val(0)?)?, operand(name, a.val(1)?)?))
}

fn mismatch(name: &str) -> JmespathError {
    kerr(name, "Types mismatch")
}

fn zero_divisor(name: &str) -> JmespathError {
    kerr(name, "Zero divisor passed")
}

fn overflow(name: &str) -> JmespathError {
    kerr(name, "quantity is too large")
}

/// Go's `Duration.Seconds()`.
fn seconds(d: i64) -> f64 {
    (d / 1_000_000_000) as f64 + (d % 1_000_000_000) as f64 / 1e9
}

/// Go's float64 -> int64 conversion on amd64: out of range and NaN give
/// the minimum value.
fn go_i64(f: f64) -> i64 {
    // 2^63 as a float; the valid range is [-2^63, 2^63).
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if (-TWO_63..TWO_63).contains(&f) {
        f as i64
    } else {
        i64::MIN
    }
}

/// `value` re-expressed in `format` (Kubernetes' `NewDecimalQuantity(v, format)`).
fn in_format(value: &Quantity, format: Format) -> Option<Quantity> {
    Quantity::from_f64(1.0, format)?.checked_mul(value)
}

fn quantity_string(q: Option<Quantity>, name: &str) -> Result<String, JmespathError> {
    q.map(|q| q.to_canonical_string())
        .ok_or_else(|| overflow(name))
}

fn add_op<'a>(it: &Interp<'_, '_>, name: &str, x: Operand, y: Operand) -> R<'a> {
    match (x, y) {
        (Operand::Quantity(p, _), Operand::Quantity(q, _)) => {
            Ok(Val::string(quantity_string(p.checked_add(&q), name)?))
        }
        (Operand::Duration(p), Operand::Duration(q)) => {
            Ok(Val::string(format_duration(p.wrapping_add(q))))
        }
        (Operand::Scalar(p), Operand::Scalar(q)) => Ok(number(it, p + q)),
        _ => Err(mismatch(name)),
    }
}

pub(crate) fn add<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let (x, y) = operands(a.name, &a)?;
    add_op(it, a.name, x, y)
}

pub(crate) fn sum<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let items = a.take(0)?.into_elements().ok_or_else(|| mismatch(a.name))?;
    it.charge(items.len() as u64)?;
    let mut items = items.into_iter();
    let mut acc = items
        .next()
        .ok_or_else(|| kerr(a.name, "at least one element in the array is required"))?;
    for item in items {
        let x = operand(a.name, &acc)?;
        let y = operand(a.name, &item)?;
        acc = add_op(it, a.name, x, y)?;
    }
    Ok(acc)
}

pub(crate) fn subtract<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    match operands(a.name, &a)? {
        (Operand::Quantity(p, _), Operand::Quantity(q, _)) => {
            Ok(Val::string(quantity_string(p.checked_sub(&q), a.name)?))
        }
        (Operand::Duration(p), Operand::Duration(q)) => {
            Ok(Val::string(format_duration(p.wrapping_sub(q))))
        }
        (Operand::Scalar(p), Operand::Scalar(q)) => Ok(number(it, p - q)),
        _ => Err(mismatch(a.name)),
    }
}

/// Kyverno re-parses a scalar operand as a quantity from Go's `%v` text.
fn scalar_quantity(k: f64) -> Result<(Quantity, String), JmespathError> {
    let text = go_fmt_v_float(k);
    match Quantity::parse(&text) {
        Some(q) => Ok((q, text)),
        None => Err(JmespathError::Runtime(QUANTITY_FORMAT_ERR.to_string())),
    }
}

fn multiply_quantity(name: &str, q: &Quantity, k: f64) -> Result<String, JmespathError> {
    let (kq, _) = scalar_quantity(k)?;
    quantity_string(q.checked_mul(&kq), name)
}

fn multiply_duration(d: i64, k: f64) -> String {
    format_duration(go_i64(seconds(d) * k * 1e9))
}

pub(crate) fn multiply<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    match operands(a.name, &a)? {
        (Operand::Quantity(q, _), Operand::Scalar(k))
        | (Operand::Scalar(k), Operand::Quantity(q, _)) => {
            Ok(Val::string(multiply_quantity(a.name, &q, k)?))
        }
        (Operand::Duration(d), Operand::Scalar(k)) | (Operand::Scalar(k), Operand::Duration(d)) => {
            Ok(Val::string(multiply_duration(d, k)))
        }
        (Operand::Scalar(p), Operand::Scalar(q)) => Ok(number(it, p * q)),
        _ => Err(mismatch(a.name)),
    }
}

/// A quantity as Kubernetes holds it after `AsDec()`: `unscaled × 10^-scale`.
/// The scale is an artefact of how the text was parsed (the int64 fast
/// path keeps the written precision, the `inf.Dec` path rounds to nanos),
/// and `divide` by a number computes at that scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct K8sDec {
    pub unscaled: i128,
    pub scale: i32,
}

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// Port of the numeric part of `resource.ParseQuantity`.
pub(crate) fn k8s_dec(s: &str) -> Option<K8sDec> {
    if s.is_empty() {
        return None;
    }
    if s == "0" {
        return Some(K8sDec {
            unscaled: 0,
            scale: 0,
        });
    }
    let b = s.as_bytes();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    while b.get(pos) == Some(&b'0') {
        pos += 1;
    }
    let num_start = pos;
    while b.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    let mut num = &s[num_start..pos];
    if num.is_empty() {
        num = "0";
    }
    let mut denom = "";
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let d_start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        denom = &s[d_start..pos];
    }
    let value_text = &s[..pos];
    let suffix = &s[pos..];
    let (base2, exponent): (bool, i32) = match suffix {
        "" => (false, 0),
        "n" => (false, -9),
        "u" => (false, -6),
        "m" => (false, -3),
        "k" => (false, 3),
        "M" => (false, 6),
        "G" => (false, 9),
        "T" => (false, 12),
        "P" => (false, 15),
        "E" => (false, 18),
        "Ki" => (true, 10),
        "Mi" => (true, 20),
        "Gi" => (true, 30),
        "Ti" => (true, 40),
        "Pi" => (true, 50),
        "Ei" => (true, 60),
        other => {
            let rest = other.strip_prefix(['e', 'E'])?;
            (false, rest.parse::<i64>().ok()? as i32)
        }
    };
    let digits = (num.len() + denom.len()) as i32;
    let precision = if base2 {
        if exponent >= 0 && denom.is_empty() {
            15 - num.len() as i32 - ((exponent as f32) * 3.0 / 10.0) as i32 - 1
        } else {
            -1
        }
    } else {
        18 - digits
    };
    if precision >= 0 {
        let scale = if base2 { 0 } else { exponent } - denom.len() as i32;
        if scale >= -9 {
            let shifted: i64 = format!("{num}{denom}").parse().ok()?;
            let mantissa: i64 = if base2 {
                1i64.checked_shl(exponent as u32)?
            } else {
                1
            };
            if let Some(v) = shifted.checked_mul(mantissa) {
                let v = if positive { v } else { -v };
                return Some(K8sDec {
                    unscaled: i128::from(v),
                    scale: -scale,
                });
            }
        }
    }
    // inf.Dec path: exact value, then rounded up (away from zero) to nanos.
    let text = value_text.trim_start_matches(['+', '-']);
    let (ip, fp) = text.split_once('.').unwrap_or((text, ""));
    let mut unscaled: i128 = format!("{ip}{fp}")
        .trim_start_matches('0')
        .parse()
        .unwrap_or(0);
    let mut scale = fp.len() as i32;
    if base2 {
        unscaled = unscaled.checked_mul(1i128.checked_shl(exponent as u32)?)?;
    } else {
        scale -= exponent;
    }
    if unscaled != 0 {
        if scale > 9 {
            let div = pow10((scale - 9) as u32)?;
            let q = unscaled / div;
            unscaled = if unscaled % div != 0 { q + 1 } else { q };
        } else if scale < 9 {
            unscaled = unscaled.checked_mul(pow10((9 - scale) as u32)?)?;
        }
        scale = 9;
    }
    Some(K8sDec {
        unscaled: if positive { unscaled } else { -unscaled },
        scale,
    })
}

/// `inf.Dec.QuoRound(x, y, scale, RoundDown)`: truncated quotient at `scale`.
fn quo_round_down(x: K8sDec, y: K8sDec, scale: i32) -> Option<K8sDec> {
    if y.unscaled == 0 {
        return None;
    }
    // x/y = (ux/uy) * 10^(sy - sx); at `scale`: ux * 10^(scale + sy - sx) / uy.
    let shift = scale + y.scale - x.scale;
    let q = if shift >= 0 {
        x.unscaled.checked_mul(pow10(shift as u32)?)? / y.unscaled
    } else {
        x.unscaled / y.unscaled.checked_mul(pow10((-shift) as u32)?)?
    };
    Some(K8sDec { unscaled: q, scale })
}

fn divide_quantity(name: &str, q: &Quantity, text: &str, k: f64) -> Result<String, JmespathError> {
    if k == 0.0 {
        return Err(zero_divisor(name));
    }
    let (_, ktext) = scalar_quantity(k)?;
    let (x, y) = match (k8s_dec(text), k8s_dec(&ktext)) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(overflow(name)),
    };
    let scale = x.scale.max(y.scale);
    let quotient = quo_round_down(x, y, scale).ok_or_else(|| overflow(name))?;
    let exact = Quantity::parse(&format!("{}e{}", quotient.unscaled, -quotient.scale));
    quantity_string(exact.and_then(|v| in_format(&v, q.format())), name)
}

pub(crate) fn divide<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    match operands(a.name, &a)? {
        (Operand::Quantity(p, _), Operand::Quantity(q, _)) => {
            let divisor = q.as_f64();
            if divisor == 0.0 {
                return Err(zero_divisor(a.name));
            }
            Ok(number(it, p.as_f64() / divisor))
        }
        (Operand::Quantity(q, text), Operand::Scalar(k)) => {
            Ok(Val::string(divide_quantity(a.name, &q, &text, k)?))
        }
        (Operand::Duration(p), Operand::Duration(q)) => {
            if seconds(q) == 0.0 {
                return Err(zero_divisor(a.name));
            }
            Ok(number(it, seconds(p) / seconds(q)))
        }
        (Operand::Duration(d), Operand::Scalar(k)) => {
            if k == 0.0 {
                return Err(zero_divisor(a.name));
            }
            Ok(Val::string(format_duration(go_i64(seconds(d) / k * 1e9))))
        }
        (Operand::Scalar(p), Operand::Scalar(q)) => {
            if q == 0.0 {
                return Err(zero_divisor(a.name));
            }
            Ok(number(it, p / q))
        }
        _ => Err(mismatch(a.name)),
    }
}

fn non_int_modulo(name: &str) -> JmespathError {
    kerr(name, "Non-integer argument(s) passed for modulo")
}

pub(crate) fn modulo<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    match operands(a.name, &a)? {
        (Operand::Quantity(p, _), Operand::Quantity(q, _)) => {
            let (f1, f2) = (p.as_f64(), q.as_f64());
            let (i1, i2) = (go_i64(f1), go_i64(f2));
            if f1 != i1 as f64 || f2 != i2 as f64 {
                return Err(non_int_modulo(a.name));
            }
            if i2 == 0 {
                return Err(zero_divisor(a.name));
            }
            let r = Quantity::parse(&i1.wrapping_rem(i2).to_string());
            Ok(Val::string(quantity_string(
                r.and_then(|r| in_format(&r, p.format())),
                a.name,
            )?))
        }
        (Operand::Duration(p), Operand::Duration(q)) => {
            if q == 0 {
                return Err(zero_divisor(a.name));
            }
            Ok(Val::string(format_duration(p.wrapping_rem(q))))
        }
        (Operand::Scalar(p), Operand::Scalar(q)) => {
            let (i1, i2) = (go_i64(p), go_i64(q));
            if p != i1 as f64 || q != i2 as f64 {
                return Err(non_int_modulo(a.name));
            }
            if i2 == 0 {
                return Err(zero_divisor(a.name));
            }
            Ok(number(it, i1.wrapping_rem(i2) as f64))
        }
        _ => Err(mismatch(a.name)),
    }
}

pub(crate) fn round<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let v = a.num(0)?;
    let digits = int_number(a.num(1)?)
        .map_err(|_| kerr(a.name, "Non-integer argument(s) passed for round off"))?;
    if digits < 0 {
        // Kyverno formats this template without its arguments.
        return Err(kerr(
            a.name,
            "%!d(MISSING) argument is out of bounds (%!d(MISSING))",
        ));
    }
    let shift = 10f64.powi(i32::try_from(digits).unwrap_or(i32::MAX));
    Ok(number(it, (v * shift).round() / shift))
}
