//! CEL, as Kyverno runs it through cel-go: our own evaluator over borrowed
//! `serde_json::Value`s, reusing only the `cel` crate's parser (and its
//! expansion of the standard macros).
//!
//! [`Env`] (one per policy kind) → [`Program::compile`] → [`Program::eval`]
//! with an [`Activation`] binding the variables.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod check;
mod cost;
mod eval;
pub mod json;
pub mod libs;
mod macros;
mod parse;
pub mod registry;
mod roots;
pub mod stdlib;
pub mod types;
pub mod value;

pub use json::to_json;
pub use registry::{Budget, Call, Imp, Overload, Registry};
pub use types::{ObjectType, Type};
pub use value::{MapVal, NumberMode, Opaque, Str, Val};

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Which Kyverno (or Kubernetes) CEL environment an expression is compiled
/// in (kyverno-cel.md §6.1): they differ in libraries, macros and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvKind {
    /// `ValidatingPolicy` and its namespaced variant.
    ValidatingPolicy,
    /// `MutatingPolicy` and its namespaced variant.
    MutatingPolicy,
    /// `GeneratingPolicy` (no homogeneous-literal check, no cost limit).
    GeneratingPolicy,
    /// `DeletingPolicy`.
    DeletingPolicy,
    /// `ImageValidatingPolicy` (native `orValue`, no compat macro).
    ImageValidatingPolicy,
    /// validate.cel in ClusterPolicy, and Kubernetes VAP/MAP (k8s base env + compat macro only)
    AdmissionPolicy,
    /// `verno cel`: everything
    Playground,
}

impl EnvKind {
    /// Whether `x.orValue(y)` is rewritten to `__orValueCompat__(x, y)`
    /// (every kind but ImageValidatingPolicy and the playground).
    pub fn or_value_compat(self) -> bool {
        !matches!(self, EnvKind::ImageValidatingPolicy | EnvKind::Playground)
    }

    /// Whether the two-variable comprehension macros exist (the k8s-based envs).
    pub fn two_var_comprehensions(self) -> bool {
        !matches!(self, EnvKind::GeneratingPolicy | EnvKind::DeletingPolicy)
    }

    /// cel-go's per-call cost limit of the kind: 1,000,000 for the
    /// k8s-based environments, none for gpol and dpol (which Kyverno builds
    /// without the k8s base env). Every kind is still bounded by our own
    /// work limit ([`registry::WORK_LIMIT`]): an unbounded evaluation is a hang.
    pub fn cost_limit(self) -> Option<u64> {
        match self {
            EnvKind::GeneratingPolicy | EnvKind::DeletingPolicy => None,
            _ => Some(registry::DEFAULT_COST_LIMIT),
        }
    }
}

/// A compilation environment: the function registry and declared variables.
#[derive(Debug, Clone)]
pub struct Env {
    kind: EnvKind,
    registry: Arc<Registry>,
    variables: HashMap<String, Type>,
}

impl Env {
    /// The environment of `kind`, with its libraries.
    pub fn new(kind: EnvKind) -> Env {
        let registry = registry_for(kind);
        let variables = check::kind_variables(kind)
            .into_iter()
            .chain(registry.variables().map(|(name, ty)| (name, ty.clone())))
            .map(|(name, ty)| (name.to_string(), ty))
            .collect();
        Env {
            kind,
            registry,
            variables,
        }
    }

    /// The environment of a namespaced policy of `kind`
    /// (NamespacedValidatingPolicy…): `resource` takes no namespace
    /// argument and is confined to the policy's namespace; bind the library
    /// variables with [`libs::namespaced_global_value`].
    pub fn new_namespaced(kind: EnvKind) -> Env {
        let registry = registry_cached(kind, true);
        let variables = check::kind_variables(kind)
            .into_iter()
            .chain(registry.variables().map(|(name, ty)| (name, ty.clone())))
            .map(|(name, ty)| (name.to_string(), ty))
            .collect();
        Env {
            kind,
            registry,
            variables,
        }
    }

    /// Declares a variable (`object`, `request`, `params`, …).
    pub fn declare(&mut self, name: &str, ty: Type) {
        self.variables.insert(name.to_string(), ty);
    }

    /// Removes a declared variable: Kubernetes declares `params` only when
    /// a policy has parameters, and `authorizer` not in message expressions.
    pub fn undeclare(&mut self, name: &str) {
        self.variables.remove(name);
    }

    /// The kind this environment is for.
    pub fn kind(&self) -> EnvKind {
        self.kind
    }

    /// The function registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The declared variables.
    pub fn variables(&self) -> &HashMap<String, Type> {
        &self.variables
    }
}

/// The registry of `kind`, built once per process (registration is
/// deterministic per kind, and policies create many environments).
fn registry_for(kind: EnvKind) -> Arc<Registry> {
    registry_cached(kind, false)
}

/// The registry of `kind` (of a namespaced policy when `namespaced`),
/// built once per process.
fn registry_cached(kind: EnvKind, namespaced: bool) -> Arc<Registry> {
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<HashMap<(EnvKind, bool), Arc<Registry>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = match cache.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    Arc::clone(cache.entry((kind, namespaced)).or_insert_with(|| {
        let mut registry = Registry::new();
        stdlib::register(&mut registry, kind);
        if namespaced {
            libs::register_namespaced(&mut registry, kind);
        } else {
            libs::register(&mut registry, kind);
        }
        Arc::new(registry)
    }))
}

/// A compiled expression.
#[derive(Debug, Clone)]
pub struct Program {
    expr: cel::common::ast::IdedExpr,
    source: String,
    registry: Arc<Registry>,
    output: Type,
    cost_limit: Option<u64>,
    /// The identifiers the expression reads, sorted ([`Program::reads`]).
    identifiers: Vec<String>,
}

impl Program {
    /// Parses `source` (expanding macros) and type-checks it in `env`.
    pub fn compile(env: &Env, source: &str) -> Result<Program, CompileError> {
        let (expr, info) = parse::parse_with_info(env.kind, source)?;
        let output = check::check_parsed(env, &expr, source, Some(&info))?;
        Ok(Program {
            identifiers: roots::identifiers(&expr),
            expr,
            source: source.to_string(),
            registry: Arc::clone(&env.registry),
            output,
            cost_limit: env.kind.cost_limit(),
        })
    }

    /// Parses `source` without type-checking it (output type `dyn`), as
    /// cel-go's conformance runner does for cases marked `disable_check`.
    /// Policies are always checked: use [`Program::compile`].
    pub fn compile_unchecked(env: &Env, source: &str) -> Result<Program, CompileError> {
        let (expr, _) = parse::parse_with_info(env.kind, source)?;
        Ok(Program {
            identifiers: roots::identifiers(&expr),
            expr,
            source: source.to_string(),
            registry: Arc::clone(&env.registry),
            output: Type::Dyn,
            cost_limit: env.kind.cost_limit(),
        })
    }

    /// The checked output type (`Type::Dyn` until the checker knows better).
    pub fn output_type(&self) -> &Type {
        &self.output
    }

    /// Whether the expression may read the variable `name` (`request` for
    /// `request.name`): false only when no identifier of it is `name`, so a
    /// caller may leave such a variable unbuilt.
    pub fn reads(&self, name: &str) -> bool {
        self.identifiers
            .binary_search_by(|i| i.as_str().cmp(name))
            .is_ok()
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed (macro-expanded) expression.
    pub fn expr(&self) -> &cel::common::ast::IdedExpr {
        &self.expr
    }

    /// Evaluates the expression against `activation`.
    pub fn eval<'a>(
        &'a self,
        activation: &Activation<'a>,
        host: &dyn crate::host::Host,
    ) -> Result<Val<'a>, EvalError> {
        self.eval_with_cost(activation, host).0
    }

    /// Evaluates the expression against `activation`, with cel-go's actual
    /// cost of the evaluation (what Kubernetes subtracts from a policy's
    /// runtime budget).
    pub fn eval_with_cost<'a>(
        &'a self,
        activation: &Activation<'a>,
        host: &dyn crate::host::Host,
    ) -> (Result<Val<'a>, EvalError>, u64) {
        let mut budget = Budget::with_limit(self.cost_limit);
        let r = eval::Evaluator::new(&self.registry, activation, host, &mut budget).run(&self.expr);
        (r, budget.actual_cost())
    }
}

/// A lazy variable being evaluated (`None`) or its result.
type VariableState<'a> = Option<Result<Val<'a>, EvalError>>;

/// The variables an evaluation sees.
pub struct Activation<'a> {
    vars: Vec<(String, Val<'a>)>,
    numbers: NumberMode,
    lazy: Vec<(String, Result<&'a Program, EvalError>)>,
    /// Per lazy variable (same index): `None` before its first use,
    /// `Some(None)` while it is being evaluated, then its result.
    memo: RefCell<Vec<Option<VariableState<'a>>>>,
    wrap_variable_error: Option<fn(&str, EvalError) -> EvalError>,
    /// How many lazy variables are being evaluated inside each other.
    lazy_depth: std::cell::Cell<u32>,
    /// Whether a dotted name is bound (`authorizer.requestResource`), which
    /// a selection on a bound root must then try first, as cel-go does.
    dotted: bool,
}

/// Variables evaluated inside each other (`variables.a` using `variables.b`
/// using ...) beyond which evaluation stops: each level is a nested
/// evaluation on the stack.
const MAX_VARIABLE_NESTING: u32 = 64;

impl<'a> Activation<'a> {
    /// An empty activation converting JSON numbers per `numbers`.
    pub fn new(numbers: NumberMode) -> Activation<'a> {
        Activation {
            vars: Vec::new(),
            numbers,
            lazy: Vec::new(),
            memo: RefCell::new(Vec::new()),
            wrap_variable_error: None,
            lazy_depth: std::cell::Cell::new(0),
            dotted: false,
        }
    }

    /// Binds `name` to a value (replacing an earlier binding).
    pub fn bind(&mut self, name: &str, value: Val<'a>) {
        self.dotted |= name.contains('.');
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((name.to_string(), value)),
        }
    }

    /// Binds `name` to a JSON document, borrowed.
    pub fn bind_json(&mut self, name: &str, doc: &'a serde_json::Value) {
        let v = Val::from_json(doc, self.numbers);
        self.bind(name, v);
    }

    /// Declares `variables.<name>` as the lazily evaluated, memoised result of `program`.
    pub fn bind_variable(&mut self, name: &str, program: &'a Program) {
        self.lazy.push((name.to_string(), Ok(program)));
    }

    /// Declares `variables.<name>` as a variable whose every use fails with
    /// `error` (a variable that did not compile, which Kubernetes' variable
    /// composition reports only when an expression reads it).
    pub fn bind_failed_variable(&mut self, name: &str, error: EvalError) {
        self.lazy.push((name.to_string(), Err(error)));
    }

    /// How the evaluation error of a lazily evaluated variable reads where
    /// it is used (Kubernetes wraps it: `composited variable "x" fails to
    /// evaluate: …`). Without a wrapper the error is passed on as is.
    pub fn set_variable_error_wrapper(&mut self, wrap: fn(&str, EvalError) -> EvalError) {
        self.wrap_variable_error = Some(wrap);
    }

    /// The number mode.
    pub fn numbers(&self) -> NumberMode {
        self.numbers
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Val<'a>> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Whether some bound name is dotted.
    pub(crate) fn has_dotted(&self) -> bool {
        self.dotted
    }

    /// Whether some bound name is dotted under `root` (`authorizer.…`).
    pub(crate) fn has_dotted_under(&self, root: &str) -> bool {
        self.dotted
            && self.vars.iter().any(|(n, _)| {
                n.strip_prefix(root)
                    .is_some_and(|rest| rest.starts_with('.'))
            })
    }

    pub(crate) fn has_lazy(&self) -> bool {
        !self.lazy.is_empty()
    }

    fn set_memo(&self, index: usize, state: VariableState<'a>) {
        let mut memo = self.memo.borrow_mut();
        if memo.len() <= index {
            memo.resize(index + 1, None);
        }
        if let Some(slot) = memo.get_mut(index) {
            *slot = Some(state);
        }
    }

    /// `variables.<name>`: evaluated once, on first use. `None` when no such variable.
    pub(crate) fn lazy_variable(
        &self,
        name: &str,
        host: &dyn crate::host::Host,
    ) -> Option<Result<Val<'a>, EvalError>> {
        let index = self.lazy.iter().position(|(n, _)| n == name)?;
        let program = match self.lazy.get(index).map(|(_, p)| p)? {
            Ok(p) => *p,
            Err(e) => return Some(Err(e.clone())),
        };
        if let Some(Some(done)) = self.memo.borrow().get(index) {
            return Some(match done {
                Some(r) => r.clone(),
                None => Err(EvalError::new(format!(
                    "variable '{name}' refers to itself"
                ))),
            });
        }
        if self.lazy_depth.get() >= MAX_VARIABLE_NESTING {
            return Some(Err(EvalError::new(format!(
                "variables nest deeper than {MAX_VARIABLE_NESTING} levels"
            ))));
        }
        self.set_memo(index, None);
        self.lazy_depth.set(self.lazy_depth.get() + 1);
        let r = program
            .eval(self, host)
            .map_err(|e| match self.wrap_variable_error {
                Some(wrap) => wrap(name, e),
                None => e,
            });
        self.lazy_depth.set(self.lazy_depth.get().saturating_sub(1));
        self.set_memo(index, Some(r.clone()));
        Some(r)
    }
}

/// A compile error, in cel-go's text:
/// `ERROR: <input>:1:8: undeclared reference to 'foo' (in container '')\n | foo\n | .......^`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    /// The full cel-go text (all issues, each with its source and caret lines).
    pub message: String,
    /// 1-based line of the first issue.
    pub line: usize,
    /// 1-based column of the first issue.
    pub column: usize,
}

/// An evaluation error, in cel-go's wording (`no such key: labels`,
/// `division by zero`, …), which Kyverno shows in results.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    /// The message.
    pub message: String,
}

impl EvalError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> EvalError {
        EvalError {
            message: message.into(),
        }
    }
}
