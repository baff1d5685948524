//! The function table. One table serves the evaluator (implementations) and
//! the checker (signatures), so the two cannot drift.

use super::types::Type;
use super::value::Val;
use super::EvalError;
use std::collections::HashMap;

/// cel-go's per-call cost limit as Kubernetes sets it for every
/// k8s-based environment (`celconfig.PerCallLimit`), in cel-go's units.
pub const DEFAULT_COST_LIMIT: u64 = 1_000_000;

/// Our own bound on the work of one evaluation, in our own units (1 per
/// evaluation step, plus the size of what functions build): the last line
/// of defence for kinds without a cel-go limit, and for what cel-go's
/// accounting charges only after building it.
pub const WORK_LIMIT: u64 = 10_000_000;

/// The error cel-go's cost tracker raises once the limit is exceeded.
pub(crate) const COST_LIMIT_EXCEEDED: &str = "operation cancelled: actual cost limit exceeded";

/// What one evaluation has spent: cel-go's actual cost (checked against the
/// per-call limit, when the kind has one) and our own work bound.
#[derive(Debug, Clone)]
pub struct Budget {
    work_left: u64,
    cost: u64,
    limit: Option<u64>,
}

impl Budget {
    /// A budget with cel-go's per-call `limit` (and our work bound).
    pub fn new(limit: u64) -> Budget {
        Budget::with_limit(Some(limit))
    }

    /// A budget with cel-go's per-call limit, or none (gpol, dpol: only our
    /// work bound applies).
    pub fn with_limit(limit: Option<u64>) -> Budget {
        Budget {
            work_left: WORK_LIMIT,
            cost: 0,
            limit,
        }
    }

    /// Spends `units` of our work bound; fails with cel-go's cancellation
    /// error once exhausted.
    pub fn charge(&mut self, units: u64) -> Result<(), EvalError> {
        match self.work_left.checked_sub(units) {
            Some(left) => {
                self.work_left = left;
                Ok(())
            }
            None => {
                self.work_left = 0;
                Err(EvalError::new(COST_LIMIT_EXCEEDED))
            }
        }
    }

    /// Spends what building `n` bytes (or elements) costs of our work bound:
    /// one unit each, so that what one evaluation builds stays bounded
    /// (cel-go charges a list concatenation 1 whatever its size).
    pub fn charge_size(&mut self, n: usize) -> Result<(), EvalError> {
        self.charge(1 + n as u64)
    }

    /// Adds `units` to cel-go's actual cost; fails as cel-go does once the
    /// cost exceeds the limit (`cost > limit`, so the limit itself passes).
    pub fn add_cost(&mut self, units: u64) -> Result<(), EvalError> {
        self.cost = self.cost.saturating_add(units);
        match self.limit {
            Some(limit) if self.cost > limit => Err(EvalError::new(COST_LIMIT_EXCEEDED)),
            _ => Ok(()),
        }
    }

    /// cel-go's actual cost so far.
    pub fn actual_cost(&self) -> u64 {
        self.cost
    }

    /// Units of our work bound left.
    pub fn remaining(&self) -> u64 {
        self.work_left
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

/// FNV-1a over function names: short keys looked up on every call, where
/// the default SipHash costs more than the lookup itself.
#[derive(Debug, Clone, Copy)]
pub struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type BuildNameHasher = std::hash::BuildHasherDefault<NameHasher>;

/// Functions (by fully qualified name: `math.greatest`, `base64.encode`,
/// `quantity`), declared variables and opaque type names.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    functions: HashMap<&'static str, Vec<Overload>, BuildNameHasher>,
    /// cel-go's cost rule of each overload, parallel to `functions`.
    costs: HashMap<&'static str, Vec<super::cost::Rule>, BuildNameHasher>,
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
        let rule = super::cost::rule(function, overload.id);
        self.costs.entry(function).or_default().push(rule);
        self.functions.entry(function).or_default().push(overload);
    }

    /// The overloads of `name` with their cost rules (same order).
    pub(crate) fn overloads_with_costs(&self, name: &str) -> (&[Overload], &[super::cost::Rule]) {
        (
            self.functions(name),
            self.costs.get(name).map(Vec::as_slice).unwrap_or(&[]),
        )
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
