//! Kyverno's `math` library: `math.round(x, precision)`, half away from
//! zero at the given decimal precision (`math.Round(v*10^p)/10^p`).

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::Val;
use super::super::EvalError;
use super::support::{double_arg, global, int_arg};

fn round<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let v = double_arg(a, 0)?;
    let shift = 10f64.powf(int_arg(a, 1)? as f64);
    Ok(Val::Double((v * shift).round() / shift))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    global(
        reg,
        "math.round",
        "math_round_float_int",
        vec![Type::Double, Type::Int],
        Type::Double,
        round,
    );
}
