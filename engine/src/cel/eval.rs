//! The interpreter over the `cel` crate's AST, with cel-go's semantics.

use super::registry::{Budget, Registry};
use super::value::Val;
use super::{Activation, EvalError};
use cel::common::ast::IdedExpr;

/// One evaluation.
pub(crate) struct Evaluator<'e, 'a> {
    registry: &'e Registry,
    activation: &'e Activation<'a>,
    host: &'e dyn crate::host::Host,
    budget: &'e mut Budget,
}

impl<'e, 'a> Evaluator<'e, 'a> {
    pub(crate) fn new(
        registry: &'e Registry,
        activation: &'e Activation<'a>,
        host: &'e dyn crate::host::Host,
        budget: &'e mut Budget,
    ) -> Self {
        Evaluator {
            registry,
            activation,
            host,
            budget,
        }
    }

    pub(crate) fn run(&mut self, expr: &'a IdedExpr) -> Result<Val<'a>, EvalError> {
        let _ = (self.registry, &mut self.budget, expr);
        if self.activation.has_lazy() && self.activation.lookup("variables").is_none() {
            let _ = self.activation.lazy_variable("", self.host);
        }
        Err(EvalError::new("not implemented"))
    }
}
