//! The function table. One table serves the evaluator (implementations) and
//! the checker (signatures), so the two cannot drift.

use super::types::Type;
use super::value::Val;
use super::EvalError;
use std::collections::HashMap;

/// The per-evaluation cost limit, in our own units (cel-go's per-call limit
/// for Kyverno is 1,000,000 of its units).
pub const DEFAULT_COST_LIMIT: u64 = 1_000_000;

/// Evaluation cost left. Each evaluation step costs 1; functions that build
/// strings, lists or maps also pay for what they build.
#[derive(Debug, Clone)]
pub struct Budget {
    remaining: u64,
}

impl Budget {
    /// A budget of `limit` units.
    pub fn new(limit: u64) -> Budget {
        Budget { remaining: limit }
    }

    /// Spends `units`; fails with cel-go's cancellation error once exhausted.
    pub fn charge(&mut self, units: u64) -> Result<(), EvalError> {
        match self.remaining.checked_sub(units) {
            Some(left) => {
                self.remaining = left;
                Ok(())
            }
            None => {
                self.remaining = 0;
                Err(EvalError::new(
                    "operation cancelled: actual cost limit exceeded",
                ))
            }
        }
    }

    /// Spends what building `n` bytes (or elements) costs.
    pub fn charge_size(&mut self, n: usize) -> Result<(), EvalError> {
        self.charge(1 + (n as u64) / 8)
    }

    /// Units left.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(DEFAULT_COST_LIMIT)
    }
}

/// What an implementation may use besides its arguments: the host, the budget.
pub struct Call<'c> {
    /// The embedder (clock, resources, HTTP, …).
    pub host: &'c dyn crate::host::Host,
    /// The evaluation's cost budget; charge it for what you build.
    pub budget: &'c mut Budget,
    /// How JSON numbers the implementation reads become CEL numbers.
    pub numbers: super::value::NumberMode,
}

/// An implementation: the arguments (receiver first for member calls).
pub type Imp = for<'a> fn(&mut Call<'_>, &[Val<'a>]) -> Result<Val<'a>, EvalError>;

/// One signature of a function, with its implementation.
#[derive(Clone)]
pub struct Overload {
    /// cel-go's overload id, e.g. `add_int64`, `string_starts_with`.
    pub id: &'static str,
    /// Receiver-style `x.f(y)` when true.
    pub member: bool,
    /// Parameter types, receiver first when `member`.
    pub params: Vec<Type>,
    /// The result type.
    pub result: Type,
    /// The implementation.
    pub imp: Imp,
}

impl std::fmt::Debug for Overload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overload")
            .field("id", &self.id)
            .field("member", &self.member)
            .field("params", &self.params)
            .field("result", &self.result)
            .finish()
    }
}

/// A `&'static str` for a name built at run time (overload ids made in
/// loops): each distinct name is leaked once, so memory stays bounded.
pub fn intern(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut names = match names.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(found) = names.get(name) {
        return found;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Functions (by fully qualified name: `math.greatest`, `base64.encode`,
/// `quantity`), declared variables and opaque type names.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    functions: HashMap<&'static str, Vec<Overload>>,
    variables: HashMap<&'static str, Type>,
    types: Vec<&'static str>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds an overload of `function`.
    pub fn add(&mut self, function: &'static str, overload: Overload) {
        self.functions.entry(function).or_default().push(overload);
    }

    /// Declares a variable every environment of this registry has
    /// (`resource`, `http`, … for the stateful Kyverno libraries).
    pub fn declare_variable(&mut self, name: &'static str, ty: Type) {
        self.variables.insert(name, ty);
    }

    /// An opaque type name usable as a type value (`type(x) == kubernetes.Quantity`).
    pub fn add_type(&mut self, name: &'static str) {
        if !self.types.contains(&name) {
            self.types.push(name);
        }
    }

    /// The overloads of `name` (empty when unknown).
    pub fn functions(&self, name: &str) -> &[Overload] {
        self.functions.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether any function is named `name`.
    pub fn has_function(&self, name: &str) -> bool {
        self.functions.contains_key(name)
    }

    /// The declared variable's type.
    pub fn variable(&self, name: &str) -> Option<&Type> {
        self.variables.get(name)
    }

    /// All declared variables.
    pub fn variables(&self) -> impl Iterator<Item = (&'static str, &Type)> {
        self.variables.iter().map(|(k, v)| (*k, v))
    }

    /// Whether `name` is a registered opaque type name.
    pub fn has_type(&self, name: &str) -> bool {
        self.types.contains(&name)
    }

    /// The registered opaque type names.
    pub fn types(&self) -> &[&'static str] {
        &self.types
    }

    /// All function names.
    pub fn function_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.functions.keys().copied()
    }
}
