//! Compiling a `validate.cel` rule once, at policy compile time, as
//! Kubernetes' composited compiler does (`k8s.io/apiserver`
//! `admission/plugin/cel/compile.go`, `composition.go`).
//!
//! A failing expression is not a load error: Kubernetes keeps the error
//! with the expression and reports it when the expression is evaluated
//! (`compilation error: …`), which Kyverno turns into a `fail` result.

use std::sync::OnceLock;

use serde_json::Value;

use super::model::{CelSpec, MatchCondition, ParamKind, ParamRef};
use crate::cel::check::{declare_policy_variable, expect_admission_output};
use crate::cel::{Env, EnvKind, Program, Type};
use crate::error::{LoadError, Location};

/// An expression as compiled: the program, or Kubernetes' compile error
/// detail (`compilation failed: ERROR: <input>:…`, `must evaluate to bool
/// but got dyn`).
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The expression as written (error messages quote it untrimmed).
    pub source: String,
    pub program: Result<Program, String>,
}

/// One `expressions[]` entry, compiled.
#[derive(Debug, Clone)]
pub struct CompiledValidation {
    pub expression: Compiled,
    /// The entry's `message`, or the rule's `validate.message` when empty.
    pub message: String,
    pub message_expression: Option<Compiled>,
}

impl CelRule {
    /// Whether an expression the validator evaluates (precondition,
    /// variable, validation or message) may read the variable `name`.
    pub fn reads(&self, name: &str) -> bool {
        let reads = |c: &Compiled| c.program.as_ref().is_ok_and(|p| p.reads(name));
        self.preconditions.iter().any(|(_, c)| reads(c))
            || self.variables.iter().any(|(_, c)| reads(c))
            || self
                .validations
                .iter()
                .any(|v| reads(&v.expression) || v.message_expression.as_ref().is_some_and(reads))
    }
}

/// A compiled `validate.cel` rule (with its `celPreconditions`).
#[derive(Debug, Clone)]
pub struct CelRule {
    pub preconditions: Vec<(String, Compiled)>,
    pub variables: Vec<(String, Compiled)>,
    pub validations: Vec<CompiledValidation>,
    /// Compiled for the errors' sake only: Kyverno ignores their results.
    pub audit_annotations: Vec<(String, Compiled)>,
    /// `paramKind` and `paramRef`, when both are set (`HasParam`).
    pub params: Option<(ParamKind, ParamRef)>,
    /// Whether `params` is declared (and bound, `null` when no parameter).
    pub has_params: bool,
}

/// The AdmissionPolicy environment, built once (the registry is large).
fn base_env() -> &'static Env {
    static BASE: OnceLock<Env> = OnceLock::new();
    BASE.get_or_init(|| Env::new(EnvKind::AdmissionPolicy))
}

/// Kubernetes' environment for a set of optional variables: `params` only
/// with parameters, `authorizer` only where the authorizer is bound (not in
/// message expressions).
fn env_for(has_params: bool, has_authorizer: bool) -> Env {
    let mut env = base_env().clone();
    if !has_params {
        env.undeclare("params");
    }
    if !has_authorizer {
        env.undeclare("authorizer");
        env.undeclare("authorizer.requestResource");
    }
    env
}

/// `CompileCELExpression`: parse and check, then demand one of `returns`
/// (none: any type, as for variables).
fn compile_one(env: &Env, source: &str, returns: &[Type]) -> Compiled {
    let program = match Program::compile(env, source) {
        Err(e) => Err(format!("compilation failed: {}", e.message)),
        Ok(p) => match returns {
            [] => Ok(p),
            _ => match expect_admission_output(p.output_type(), returns) {
                Ok(()) => Ok(p),
                Err(reason) => Err(reason),
            },
        },
    };
    Compiled {
        source: source.to_string(),
        program,
    }
}

impl CelRule {
    /// Decode and compile `validate.cel` and `celPreconditions` of a rule.
    /// `default_message` is the rule's `validate.message`. Only a field of
    /// the wrong shape is an error; expressions that do not compile fail
    /// when evaluated, as in Kubernetes.
    pub fn compile(
        cel: &Value,
        preconditions: Option<&Value>,
        default_message: &str,
        loc: &dyn Fn(&str) -> Location,
        field: &str,
    ) -> Result<CelRule, LoadError> {
        let spec: CelSpec =
            serde_json::from_value(cel.clone()).map_err(|e| LoadError::Invalid {
                location: Box::new(loc(&format!("{field}.cel"))),
                message: e.to_string(),
            })?;
        let conditions: Vec<MatchCondition> = match preconditions.filter(|p| !p.is_null()) {
            None => Vec::new(),
            Some(p) => serde_json::from_value(p.clone()).map_err(|e| LoadError::Invalid {
                location: Box::new(loc("celPreconditions")),
                message: e.to_string(),
            })?,
        };
        let params = match (spec.param_kind.clone(), spec.param_ref.clone()) {
            (Some(k), Some(r)) => Some((k, r)),
            _ => None,
        };
        let has_params = params.is_some();
        let mut rule = Self::compile_spec(&spec, &conditions, default_message, has_params, true);
        rule.params = params;
        Ok(rule)
    }

    /// Compiles already-decoded expressions as Kubernetes' composited
    /// compiler does: variables first, then validations, message
    /// expressions (without the authorizer), audit annotations and match
    /// conditions. `has_params` declares `params`; `has_authorizer`
    /// declares `authorizer` (a ValidatingAdmissionPolicy has none offline).
    pub fn compile_spec(
        spec: &CelSpec,
        conditions: &[MatchCondition],
        default_message: &str,
        has_params: bool,
        has_authorizer: bool,
    ) -> CelRule {
        let mut env = env_for(has_params, has_authorizer);
        let mut message_env = env_for(has_params, false);
        // Variables first, each seeing those before it (the composited
        // compiler adds a field to `variables` per compiled variable).
        let mut variables = Vec::with_capacity(spec.variables.len());
        for v in &spec.variables {
            let c = compile_one(&env, &v.expression, &[]);
            let ty = match &c.program {
                Ok(p) => p.output_type().clone(),
                Err(_) => Type::Dyn,
            };
            declare_policy_variable(&mut env, &v.name, ty.clone());
            declare_policy_variable(&mut message_env, &v.name, ty);
            variables.push((v.name.clone(), c));
        }
        let validations = spec
            .expressions
            .iter()
            .map(|v| CompiledValidation {
                expression: compile_one(&env, &v.expression, &[Type::Bool]),
                message: if v.message.is_empty() {
                    default_message.to_string()
                } else {
                    v.message.clone()
                },
                message_expression: (!v.message_expression.is_empty())
                    .then(|| compile_one(&message_env, &v.message_expression, &[Type::String])),
            })
            .collect();
        let audit_annotations = spec
            .audit_annotations
            .iter()
            .map(|a| {
                (
                    a.key.clone(),
                    compile_one(&env, &a.value_expression, &[Type::String, Type::Null]),
                )
            })
            .collect();
        let preconditions = conditions
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    compile_one(&env, &c.expression, &[Type::Bool]),
                )
            })
            .collect();
        CelRule {
            preconditions,
            variables,
            validations,
            audit_annotations,
            params: None,
            has_params,
        }
    }
}
