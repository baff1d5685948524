//! The CEL type checker, as cel-go's `checker` package checks expressions
//! when Kyverno compiles a policy: every identifier and function must be
//! declared, arguments must fit an overload, and the expression gets an
//! output type that Kyverno then compares with what the field needs
//! ([`expect_output`]).
//!
//! Errors carry cel-go's texts and positions
//! (`ERROR: <input>:1:8: undeclared reference to 'foo' (in container '')`
//! with the source and caret lines), since Kyverno shows them verbatim.
//!
//! Layout: [`ctype`] (types and unification), `checker` (the walk),
//! `builtins` (special forms, type names), `homogeneous` (the literal
//! validator), [`decls`] (per-kind variables), [`output`] (return types),
//! `issues` (error text).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod builtins;
mod checker;
pub(crate) mod ctype;
pub mod decls;
mod homogeneous;
mod issues;
pub mod output;

pub use decls::{declare_policy_variable, kind_variables, variables_type};
pub use output::{expect_admission_output, expect_output, is_exact_type, type_name};

use cel::common::ast::{IdedExpr, SourceInfo};

use super::{CompileError, Env, EnvKind, Type};

/// Checks `expr` (parsed from `source`) in `env`, without positions: errors
/// then print as cel-go prints an error without a location. Prefer
/// [`check_parsed`].
pub fn check(env: &Env, expr: &IdedExpr, source: &str) -> Result<Type, CompileError> {
    check_parsed(env, expr, source, None)
}

/// Checks `expr`, parsed from `source` with offsets `info`; the output type.
pub fn check_parsed(
    env: &Env,
    expr: &IdedExpr,
    source: &str,
    info: Option<&SourceInfo>,
) -> Result<Type, CompileError> {
    let mut c = checker::Checker::new(env, issues::Issues::new(source, info));
    c.check(expr, 0);
    if c.issues.is_empty() && homogeneous_literals(env.kind()) {
        homogeneous::validate(&mut c, expr);
    }
    if !c.issues.is_empty() {
        let (line, column, message) =
            std::mem::replace(&mut c.issues, issues::Issues::new(source, info)).render();
        return Err(CompileError {
            message,
            line,
            column,
        });
    }
    Ok(c.final_type(expr.id).to_type())
}

/// Whether list and map literals must be homogeneous: everywhere but the
/// GeneratingPolicy environment (kyverno-cel.md §6.1).
pub fn homogeneous_literals(kind: EnvKind) -> bool {
    kind != EnvKind::GeneratingPolicy
}
