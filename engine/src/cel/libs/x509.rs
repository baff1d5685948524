//! Kyverno's `x509` library: `x509.decode(pem)` → the certificate or
//! certificate request as Kyverno's JSON (RSA keys only), sharing the
//! decoder of the JMESPath `x509_decode`.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{NumberMode, Val};
use super::super::EvalError;
use super::support::{fail, global, owned_json, str_arg};
use crate::jmespath::kyverno::x509::decode;
use crate::jmespath::JmespathError;
use std::cell::RefCell;

fn x509_decode<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let input = str_arg(a, 0)?;
    let budget = RefCell::new(&mut *c.budget);
    let charge = |n: u64| {
        budget
            .borrow_mut()
            .charge(n)
            .map_err(|e| JmespathError::Runtime(e.message))
    };
    let out = decode(input, &charge).map_err(|e| match e {
        JmespathError::Runtime(m) => fail(m),
        other => fail(other.to_string()),
    })?;
    Ok(owned_json(&out, NumberMode::Doubles))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    global(
        reg,
        "x509.decode",
        "x509_decode_string",
        vec![Type::String],
        Type::Dyn,
        x509_decode,
    );
}
