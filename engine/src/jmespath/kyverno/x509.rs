//! `x509_decode` needs a DER/X.509 decoder whose output mirrors Go's
//! `x509.Certificate` JSON; verno does not provide it yet.

use super::super::ast::FunctionCall;
use super::super::functions::{Args, R};
use super::super::interpreter::Interp;
use super::kerr;

pub(crate) fn x509_decode<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    a.str(0)?;
    Err(kerr(a.name, "not supported by verno"))
}
