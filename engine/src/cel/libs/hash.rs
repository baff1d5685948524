//! Kyverno's `hash` library: `sha1`, `sha256`, `md5` of a string as
//! lower-case hex, also as `hash.sha1` … .

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::Val;
use super::super::EvalError;
use super::support::{global, str_arg};
use crate::jmespath::kyverno::encoding::{md5_digest, sha1_digest, sha256_digest};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha1<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(a, 0)?;
    c.budget.charge_size(s.len())?;
    Ok(Val::string(hex(&sha1_digest(s.as_bytes()))))
}

fn sha256<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(a, 0)?;
    c.budget.charge_size(s.len())?;
    Ok(Val::string(hex(&sha256_digest(s.as_bytes()))))
}

fn md5<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(a, 0)?;
    c.budget.charge_size(s.len())?;
    Ok(Val::string(hex(&md5_digest(s.as_bytes()))))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    let s = || vec![Type::String];
    global(
        reg,
        "sha1",
        "sha1_string_non_prefixed",
        s(),
        Type::String,
        sha1,
    );
    global(
        reg,
        "sha256",
        "sha256_string_non_prefixed",
        s(),
        Type::String,
        sha256,
    );
    global(
        reg,
        "md5",
        "md5_string_non_prefixed",
        s(),
        Type::String,
        md5,
    );
    global(
        reg,
        "hash.sha1",
        "sha1_string_prefixed",
        s(),
        Type::String,
        sha1,
    );
    global(
        reg,
        "hash.sha256",
        "sha256_string_prefixed",
        s(),
        Type::String,
        sha256,
    );
    global(
        reg,
        "hash.md5",
        "md5_string_prefixed",
        s(),
        Type::String,
        md5,
    );
}
