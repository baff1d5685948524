//! cel-go's encoders extension: `base64.encode`, `base64.decode`.

use super::add;
use super::core::no_such_overload;
use crate::cel::registry::{Call, Registry};
use crate::cel::types::Type;
use crate::cel::value::Val;
use crate::cel::EvalError;
use base64::Engine as _;
use std::rc::Rc;

type R<'a> = Result<Val<'a>, EvalError>;

fn encode<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [Val::Bytes(b)] = a else {
        return Err(no_such_overload("base64.encode", a));
    };
    c.budget.charge_size(b.len() * 4 / 3)?;
    Ok(Val::string(
        base64::engine::general_purpose::STANDARD.encode(b),
    ))
}

fn decode<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [Val::String(s)] = a else {
        return Err(no_such_overload("base64.decode", a));
    };
    let s = s.as_str();
    // Go's StdEncoding, falling back to the unpadded form as cel-go does.
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(s)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(s))
        .map_err(|e| EvalError::new(go_base64_error(s, &e)))?;
    Ok(Val::Bytes(Rc::from(decoded)))
}

/// Go's `illegal base64 data at input byte N`.
fn go_base64_error(s: &str, e: &base64::DecodeError) -> String {
    let at = match e {
        base64::DecodeError::InvalidByte(i, _) => *i,
        base64::DecodeError::InvalidLastSymbol(i, _) => *i,
        _ => s.len(),
    };
    format!("illegal base64 data at input byte {at}")
}

/// Registers the encoders extension.
pub fn register(r: &mut Registry) {
    add(
        r,
        "base64.encode",
        "base64_encode_bytes",
        false,
        vec![Type::Bytes],
        Type::String,
        encode,
    );
    add(
        r,
        "base64.decode",
        "base64_decode_string",
        false,
        vec![Type::String],
        Type::Bytes,
        decode,
    );
}
