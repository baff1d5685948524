//! (being written)

use super::super::ast::FunctionCall;
use super::super::functions::{Args, R};
use super::super::interpreter::Interp;
use super::kerr;

pub(crate) fn is_external_url<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Err(kerr(a.name, "not implemented yet"))
}
