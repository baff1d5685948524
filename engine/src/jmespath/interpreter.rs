//! Tree-walking evaluator, following go-jmespath's `interpreter.go`
//! (Kyverno fork) node by node: the fork's "Unknown key" error and the
//! places that swallow it are only meaningful relative to that structure.

use super::ast::{Comparator, FunctionCall, Node};
use super::functions::{call_function, Arg};
use super::value::{equal, node_count, Kind, Val};
use super::{Dialect, JmespathError, Runtime};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

/// Upper bound on evaluation work, so hostile expressions cannot run away:
/// nodes evaluated, elements produced, the logical size of multi-select
/// results, string bytes read or built by functions (one step per 64), the
/// work functions do on collections (elements visited or built, sort
/// comparisons) and regexes compiled from computed patterns. About a
/// second of work in a release build; function charges are weighted so
/// that the budget also bounds memory.
pub(crate) const MAX_STEPS: u64 = 10_000_000;

pub(crate) struct Interp<'r, 'h> {
    pub rt: &'r Runtime<'h>,
    steps: Cell<u64>,
    /// Regexes compiled from computed (non-literal) patterns during this
    /// evaluation, so a projection over many elements compiles each
    /// distinct pattern once.
    regexes: RefCell<HashMap<String, Arc<regex::Regex>>>,
}

type R<'a> = Result<Val<'a>, JmespathError>;

impl<'r, 'h> Interp<'r, 'h> {
    pub(crate) fn new(rt: &'r Runtime<'h>) -> Self {
        Interp {
            rt,
            steps: Cell::new(0),
            regexes: RefCell::new(HashMap::new()),
        }
    }

    pub(crate) fn cached_regex(&self, pattern: &str) -> Option<Arc<regex::Regex>> {
        // Borrows never overlap (no callbacks while borrowed); `try_` keeps
        // even a mistake from panicking: it only loses the cache.
        self.regexes.try_borrow().ok()?.get(pattern).cloned()
    }

    pub(crate) fn remember_regex(&self, pattern: &str, re: Arc<regex::Regex>) {
        if let Ok(mut cache) = self.regexes.try_borrow_mut() {
            cache.insert(pattern.to_string(), re);
        }
    }

    pub(crate) fn kyverno(&self) -> bool {
        self.rt.dialect == Dialect::Kyverno
    }

    /// Steps charged so far.
    pub(crate) fn steps(&self) -> u64 {
        self.steps.get()
    }

    pub(crate) fn charge(&self, n: u64) -> Result<(), JmespathError> {
        let s = self.steps.get().saturating_add(n);
        self.steps.set(s);
        if s > MAX_STEPS {
            return Err(JmespathError::Runtime(format!(
                "JMESPath evaluation exceeded its limit of {MAX_STEPS} steps"
            )));
        }
        Ok(())
    }

    /// The fork turns a missing key into `null` in most places; only the
    /// `NotFoundError` is swallowed, other errors still propagate.
    pub(crate) fn swallow<'a>(&self, r: R<'a>) -> R<'a> {
        match r {
            Err(JmespathError::UnknownKey(_)) => Ok(Val::Null),
            other => other,
        }
    }

    /// Flatten, filter and value-projection left-hand sides swallow *every*
    /// error in the fork; the standard dialect keeps the spec's behaviour.
    fn swallow_all<'a>(&self, r: R<'a>) -> R<'a> {
        match r {
            // Running out of budget must stop the whole evaluation.
            Err(_) if self.kyverno() && self.steps.get() <= MAX_STEPS => Ok(Val::Null),
            other => self.swallow(other),
        }
    }

    /// Evaluates `node` on `input`. Kept as a thin dispatcher: each node kind
    /// has its own non-inlined method, so the frame that recurses once per
    /// AST level holds only that kind's locals. (A single big `match` costs
    /// several KiB of stack per level in debug builds, where every arm's
    /// temporaries get their own slot; this way the depth limit of the
    /// parser fits a 256 KiB stack.)
    pub(crate) fn eval<'a>(&self, node: &'a Node, input: Val<'a>) -> R<'a> {
        self.charge(1)?;
        match node {
            Node::Identity | Node::Current => Ok(input),
            Node::Literal(v) => Ok(Val::Ref(v)),
            Node::Field(key) => self.field(key, input),
            Node::Subexpression(l, r) | Node::IndexExpression(l, r) => self.subexpr(l, r, input),
            Node::Index(i) => Ok(index(*i, input)),
            Node::Slice(parts) => self.slice(parts, input),
            Node::Projection(l, r) => self.projection(l, r, input),
            Node::ValueProjection(l, r) => self.value_projection(l, r, input),
            Node::FilterProjection { lhs, rhs, cond } => self.filter(lhs, rhs, cond, input),
            Node::Flatten(inner) => self.flatten(inner, input),
            Node::Comparator(op, l, r) => self.comparator(*op, l, r, input),
            Node::Or(l, r) => self.or(l, r, input),
            Node::And(l, r) => self.and(l, r, input),
            Node::Not(e) => self.not(e, input),
            Node::Pipe(l, r) => self.pipe(l, r, input),
            Node::MultiSelectList(items) => self.multi_select_list(items, input),
            Node::MultiSelectHash(pairs) => self.multi_select_hash(pairs, input),
            Node::Function(call) => self.function(call, input),
            Node::ExpRef(_) => Err(exp_ref_outside_call()),
        }
    }

    #[inline(never)]
    fn field<'a>(&self, key: &'a str, input: Val<'a>) -> R<'a> {
        match input.get_field(key) {
            Some(Some(v)) => Ok(v),
            Some(None) if self.kyverno() => Err(JmespathError::UnknownKey(key.to_string())),
            _ => Ok(Val::Null),
        }
    }

    #[inline(never)]
    fn subexpr<'a>(&self, l: &'a Node, r: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.eval(l, input)?;
        self.eval(r, left)
    }

    #[inline(never)]
    fn projection<'a>(&self, l: &'a Node, r: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.swallow(self.eval(l, input))?;
        match left.into_elements() {
            Some(elems) => self.project(r, elems, 0),
            None => Ok(Val::Null),
        }
    }

    #[inline(never)]
    fn value_projection<'a>(&self, l: &'a Node, r: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.swallow_all(self.eval(l, input))?;
        let values = match left.object_values() {
            Some(v) => v,
            None => return Ok(Val::Null),
        };
        // The fork allocates `len(obj)` nil slots before appending the
        // values, so the right-hand side also runs on that many nulls.
        let padding = if self.kyverno() && !matches!(r, Node::Identity | Node::Current) {
            values.len()
        } else {
            0
        };
        self.project(r, values, padding)
    }

    #[inline(never)]
    fn filter<'a>(&self, lhs: &'a Node, rhs: &'a Node, cond: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.swallow_all(self.eval(lhs, input))?;
        let elems = match left.into_elements() {
            Some(e) => e,
            None => return Ok(Val::Null),
        };
        let mut out = Vec::new();
        for e in elems {
            let c = self.swallow(self.eval(cond, e.clone()))?;
            if c.truthy() {
                let cur = self.swallow(self.eval(rhs, e))?;
                if !cur.is_null() {
                    self.charge(1)?;
                    out.push(cur);
                }
            }
        }
        Ok(Val::list(out))
    }

    #[inline(never)]
    fn flatten<'a>(&self, inner: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.swallow_all(self.eval(inner, input))?;
        let elems = match left.into_elements() {
            Some(e) => e,
            None => return Ok(Val::Null),
        };
        let mut out = Vec::with_capacity(elems.len());
        for e in elems {
            if e.kind() == Kind::Array {
                let sub = e.into_elements().unwrap_or_default();
                self.charge(sub.len() as u64)?;
                out.extend(sub);
            } else {
                self.charge(1)?;
                out.push(e);
            }
        }
        Ok(Val::list(out))
    }

    #[inline(never)]
    fn comparator<'a>(&self, op: Comparator, l: &'a Node, r: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.swallow(self.eval(l, input.clone()))?;
        let right = self.swallow(self.eval(r, input))?;
        Ok(compare(op, &left, &right))
    }

    #[inline(never)]
    fn or<'a>(&self, l: &'a Node, r: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.swallow(self.eval(l, input.clone()))?;
        if left.truthy() {
            return Ok(left);
        }
        self.swallow(self.eval(r, input))
    }

    #[inline(never)]
    fn and<'a>(&self, l: &'a Node, r: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.swallow(self.eval(l, input.clone()))?;
        if !left.truthy() {
            return Ok(left);
        }
        self.eval(r, input)
    }

    #[inline(never)]
    fn not<'a>(&self, e: &'a Node, input: Val<'a>) -> R<'a> {
        let v = self.swallow(self.eval(e, input))?;
        Ok(Val::Bool(!v.truthy()))
    }

    #[inline(never)]
    fn pipe<'a>(&self, l: &'a Node, r: &'a Node, input: Val<'a>) -> R<'a> {
        let left = self.swallow(self.eval(l, input))?;
        self.swallow(self.eval(r, left))
    }

    #[inline(never)]
    fn multi_select_list<'a>(&self, items: &'a [Node], input: Val<'a>) -> R<'a> {
        if input.is_null() {
            return Ok(Val::Null);
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.swallow(self.eval(item, input.clone()))?);
        }
        let list = Val::list(out);
        self.charge_size(&list)?;
        Ok(list)
    }

    #[inline(never)]
    fn multi_select_hash<'a>(&self, pairs: &'a [(String, Node)], input: Val<'a>) -> R<'a> {
        if input.is_null() {
            return Ok(Val::Null);
        }
        let mut out = std::collections::BTreeMap::new();
        for (k, item) in pairs {
            let v = self.swallow(self.eval(item, input.clone()))?;
            out.insert(k.clone(), v);
        }
        let map = Val::Map(std::rc::Rc::new(out));
        self.charge_size(&map)?;
        Ok(map)
    }

    /// Multi-selects are the only nodes that put one value in several
    /// places (`[@, @]`), and values share their parts, so a pipeline like
    /// `[@,@] | [@,@] | ...` builds in linear time a value whose
    /// serialisation, comparison or materialisation is exponential. Charging
    /// the full (logical) size of every multi-select result keeps the size
    /// of any value within the evaluation budget.
    fn charge_size(&self, v: &Val<'_>) -> Result<(), JmespathError> {
        let remaining = MAX_STEPS.saturating_sub(self.steps.get());
        self.charge(node_count(v.view(), remaining))
    }

    #[inline(never)]
    fn function<'a>(&self, call: &'a FunctionCall, input: Val<'a>) -> R<'a> {
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            match a {
                Node::ExpRef(inner) => args.push(Arg::Expref(inner)),
                other => args.push(Arg::Val(self.swallow(self.eval(other, input.clone()))?)),
            }
        }
        call_function(self, call, args)
    }

    #[inline(never)]
    fn project<'a>(&self, rhs: &'a Node, elems: Vec<Val<'a>>, null_padding: usize) -> R<'a> {
        let mut out = Vec::with_capacity(elems.len());
        for _ in 0..null_padding {
            let cur = self.swallow(self.eval(rhs, Val::Null))?;
            if !cur.is_null() {
                out.push(cur);
            }
        }
        for e in elems {
            let cur = self.swallow(self.eval(rhs, e))?;
            if !cur.is_null() {
                self.charge(1)?;
                out.push(cur);
            }
        }
        Ok(Val::list(out))
    }

    #[inline(never)]
    fn slice<'a>(&self, parts: &[Option<i64>; 3], input: Val<'a>) -> R<'a> {
        let len = match input.array_len() {
            Some(l) => l as i64,
            None => return Ok(Val::Null),
        };
        let step = match parts[2] {
            None => 1,
            Some(0) => {
                return Err(JmespathError::InvalidValue(
                    "Invalid slice, step cannot be 0".into(),
                ))
            }
            Some(s) => s,
        };
        let cap = |actual: i64| -> i64 {
            if actual < 0 {
                let a = actual.saturating_add(len);
                if a < 0 {
                    if step < 0 {
                        -1
                    } else {
                        0
                    }
                } else {
                    a
                }
            } else if actual >= len {
                if step < 0 {
                    len - 1
                } else {
                    len
                }
            } else {
                actual
            }
        };
        let start = match parts[0] {
            Some(s) => cap(s),
            None if step < 0 => len - 1,
            None => 0,
        };
        let stop = match parts[1] {
            Some(s) => cap(s),
            None if step < 0 => -1,
            None => len,
        };
        let elems = input.into_elements().unwrap_or_default();
        let mut out = Vec::new();
        let mut i = start;
        if step > 0 {
            while i < stop {
                if let Some(e) = usize::try_from(i).ok().and_then(|k| elems.get(k)) {
                    out.push(e.clone());
                }
                i = match i.checked_add(step) {
                    Some(n) => n,
                    None => break,
                };
            }
        } else {
            while i > stop {
                if let Some(e) = usize::try_from(i).ok().and_then(|k| elems.get(k)) {
                    out.push(e.clone());
                }
                i = match i.checked_add(step) {
                    Some(n) => n,
                    None => break,
                };
            }
        }
        self.charge(out.len() as u64)?;
        Ok(Val::list(out))
    }
}

#[cold]
#[inline(never)]
fn exp_ref_outside_call() -> JmespathError {
    JmespathError::InvalidType(
        "expression references (&expr) are only allowed as function arguments".into(),
    )
}

fn index(i: i64, input: Val<'_>) -> Val<'_> {
    let len = match input.array_len() {
        Some(len) => len,
        None => return Val::Null,
    };
    let idx = if i < 0 {
        i.checked_add(len as i64)
    } else {
        Some(i)
    };
    match idx {
        Some(k) if k >= 0 => input.index(k as usize).unwrap_or(Val::Null),
        _ => Val::Null,
    }
}

fn compare<'a>(op: Comparator, left: &Val<'a>, right: &Val<'a>) -> Val<'a> {
    match op {
        Comparator::Eq => Val::Bool(equal(left.view(), right.view())),
        Comparator::Ne => Val::Bool(!equal(left.view(), right.view())),
        _ => {
            let (a, b) = match (left.as_f64(), right.as_f64()) {
                (Some(a), Some(b)) => (a, b),
                _ => return Val::Null,
            };
            Val::Bool(match op {
                Comparator::Lt => a < b,
                Comparator::Lte => a <= b,
                Comparator::Gt => a > b,
                _ => a >= b,
            })
        }
    }
}
