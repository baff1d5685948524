//! The interpreter over the `cel` crate's AST, with cel-go's semantics:
//! strict calls (the first failing argument's error wins), `&&`/`||` that
//! absorb errors commutatively, comprehensions whose accumulator may hold an
//! error, optional chaining, and qualified function names (`math.greatest`).

use super::cost;
use super::registry::{Budget, Call, Registry};
use super::stdlib::core::{index, no_such_overload, select_field};
use super::types::Type;
use super::value::{MapVal, Str, Val};
use super::{Activation, EvalError};
use cel::common::ast::{
    operators as op, CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue,
};
use std::rc::Rc;

type R<'a> = Result<Val<'a>, EvalError>;

/// Nesting of evaluation frames allowed before giving up (the parser bounds
/// source nesting; this also bounds macro-built and lazy-variable nesting).
const MAX_DEPTH: u32 = 400;

/// One evaluation.
pub(crate) struct Evaluator<'e, 'a> {
    registry: &'e Registry,
    activation: &'e Activation<'a>,
    host: &'e dyn crate::host::Host,
    budget: &'e mut Budget,
    /// Comprehension and binding variables, innermost last. They may hold an
    /// error: cel-go's accumulators do.
    locals: Vec<(&'a str, R<'a>)>,
    depth: u32,
    /// Set just before evaluating an attribute whose root cel-go does not
    /// observe (a ternary's branch, an index key): its root costs nothing.
    /// Taken by the next [`Evaluator::eval`], so it never leaks further.
    free_root: bool,
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
            locals: Vec::new(),
            depth: 0,
            free_root: false,
        }
    }

    pub(crate) fn run(&mut self, expr: &'a IdedExpr) -> R<'a> {
        self.eval(expr)
    }

    fn eval(&mut self, e: &'a IdedExpr) -> R<'a> {
        let free = std::mem::take(&mut self.free_root);
        self.budget.charge(1)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(EvalError::new("max recursion depth exceeded"));
        }
        let r = self.eval_inner(e, free);
        self.depth -= 1;
        r
    }

    /// cel-go's cost of reading an attribute's root (an identifier): 1,
    /// unless the root is one cel-go does not observe.
    fn charge_root(&mut self, free: bool) -> Result<(), EvalError> {
        if free {
            Ok(())
        } else {
            self.budget.add_cost(1)
        }
    }

    /// The operand of a selection or an index. cel-go folds an attribute
    /// operand into one attribute with the new qualifier (the root is
    /// charged once); any other operand becomes a relative attribute, which
    /// costs 1 more.
    fn eval_operand(&mut self, op: &'a IdedExpr, free: bool) -> R<'a> {
        if is_attribute(op) {
            self.free_root = free;
            self.eval(op)
        } else {
            let v = self.eval(op)?;
            self.charge_root(free)?;
            Ok(v)
        }
    }

    /// A ternary's branch or an attribute used as an index key: cel-go
    /// resolves an attribute there without observing its root.
    fn eval_unobserved_root(&mut self, e: &'a IdedExpr) -> R<'a> {
        self.free_root = is_attribute(e);
        self.eval(e)
    }

    fn eval_inner(&mut self, e: &'a IdedExpr, free: bool) -> R<'a> {
        match &e.expr {
            Expr::Literal(l) => Ok(literal(l)),
            Expr::Ident(name) => self.ident(name, free),
            Expr::Select(s) => {
                if !s.test {
                    // The common case: `x.a.b` on a bound variable, walked
                    // once (the root is looked up once, not per level).
                    if let Some(root) = qualified_root(e) {
                        if root != "variables"
                            && !self.is_unbound(root)
                            && !self.activation.has_dotted_under(root)
                        {
                            return self.bound_chain(e, free);
                        }
                    }
                    if let Some(v) = self.qualified(e, free) {
                        return v;
                    }
                }
                if let (Expr::Ident(root), false) = (&s.operand.expr, s.test) {
                    if root == "variables" && self.is_unbound(root) && self.activation.has_lazy() {
                        if let Some(r) = self.activation.lazy_variable(&s.field, self.host) {
                            // `variables` and its qualifier; the variable's own
                            // evaluation has its own budget, as in Kubernetes.
                            self.charge_root(free)?;
                            self.budget.add_cost(1)?;
                            return r;
                        }
                    }
                }
                let target = self.eval_operand(&s.operand, free)?;
                let mode = self.activation.numbers();
                if s.test {
                    // The test qualifier costs 1 and the presence test -1
                    // (Kubernetes: `PresenceTestHasCost(false)`).
                    return presence(&target, &s.field);
                }
                // Qualifiers after an absent optional are not applied.
                if !matches!(target, Val::Optional(None)) {
                    self.budget.add_cost(1)?;
                }
                select_field(&target, &s.field, mode)
            }
            Expr::Call(call) => self.call(call, free),
            Expr::List(l) => {
                let v = self.list(l)?;
                if !is_const(e) {
                    self.budget.add_cost(cost::LIST_CREATE)?;
                }
                Ok(v)
            }
            Expr::Map(m) => {
                let v = self.map(&m.entries)?;
                if !is_const(e) {
                    self.budget.add_cost(cost::MAP_CREATE)?;
                }
                Ok(v)
            }
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::Struct(s) => Err(EvalError::new(format!("unknown type '{}'", s.type_name))),
            Expr::Unspecified => Err(EvalError::new("unsupported expression")),
        }
    }

    /// `x.a.b` whose root `x` is bound: the root, then each field, with the
    /// same costs as evaluating each selection on its own.
    fn bound_chain(&mut self, e: &'a IdedExpr, free: bool) -> R<'a> {
        match &e.expr {
            Expr::Select(s) if !s.test => {
                let target = self.bound_chain(&s.operand, free)?;
                self.budget.charge(1)?;
                if !matches!(target, Val::Optional(None)) {
                    self.budget.add_cost(1)?;
                }
                select_field(&target, &s.field, self.activation.numbers())
            }
            Expr::Ident(name) => self.ident(name, free),
            _ => self.eval(e),
        }
    }

    fn is_unbound(&self, name: &str) -> bool {
        !self.locals.iter().any(|(n, _)| *n == name) && self.activation.lookup(name).is_none()
    }

    fn ident(&mut self, name: &'a str, free: bool) -> R<'a> {
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| *n == name) {
            let v = v.clone();
            self.charge_root(free)?;
            return v;
        }
        if let Some(v) = self.activation.lookup(name) {
            let v = v.clone();
            self.charge_root(free)?;
            return Ok(v);
        }
        // A type name is a constant to cel-go's planner: no cost.
        if let Some(t) = type_named(name, self.registry) {
            return Ok(Val::Type(t));
        }
        Err(EvalError::new(format!("no such attribute(s): {name}")))
    }

    /// `a.b.c` as one dotted name, when its root is not a variable, or when
    /// the dotted name itself is bound (`authorizer.requestResource` beside
    /// `authorizer`): a variable or type declared under the dotted name.
    fn qualified(&mut self, e: &'a IdedExpr, free: bool) -> Option<R<'a>> {
        // The common case (the root is a variable) decides without allocating.
        let root = qualified_root(e)?;
        // A comprehension variable shadows every dotted name.
        if self.locals.iter().any(|(n, _)| *n == root) {
            return None;
        }
        let bound_root = self.activation.lookup(root).is_some();
        if bound_root && !self.activation.has_dotted() {
            return None;
        }
        let segments = qualified_segments(e)?;
        let name = segments.join(".");
        if let Some(v) = self.activation.lookup(&name) {
            let v = v.clone();
            return Some(self.charge_root(free).map(|()| v));
        }
        if bound_root {
            return None;
        }
        type_named(&name, self.registry).map(|t| Ok(Val::Type(t)))
    }

    fn list(&mut self, l: &'a cel::common::ast::ListExpr) -> R<'a> {
        let mut out = Vec::with_capacity(l.elements.len());
        for (i, x) in l.elements.iter().enumerate() {
            let v = self.eval(x)?;
            if l.optional_indices.contains(&i) {
                match v {
                    Val::Optional(Some(v)) => out.push((*v).clone()),
                    Val::Optional(None) => {}
                    other => {
                        return Err(EvalError::new(format!(
                            "cannot initialize optional list element from non-optional value {}",
                            super::stdlib::core::debug_string(&other)
                        )))
                    }
                }
            } else {
                out.push(v);
            }
        }
        self.budget.charge_size(out.len())?;
        Ok(Val::list(out))
    }

    fn map(&mut self, entries: &'a [cel::common::ast::IdedEntryExpr]) -> R<'a> {
        let mut m = MapVal::new();
        for entry in entries {
            let EntryExpr::MapEntry(me) = &entry.expr else {
                return Err(EvalError::new("unsupported struct field in map literal"));
            };
            let k = self.eval(&me.key)?;
            let v = self.eval(&me.value)?;
            let v = if me.optional {
                match v {
                    Val::Optional(Some(v)) => (*v).clone(),
                    Val::Optional(None) => continue,
                    other => {
                        return Err(EvalError::new(format!(
                            "cannot initialize optional entry '{}' from non-optional value {}",
                            super::stdlib::core::debug_string(&k),
                            super::stdlib::core::debug_string(&other)
                        )))
                    }
                }
            } else {
                v
            };
            let shown = super::stdlib::core::debug_string(&k);
            match m.insert(k, v) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(EvalError::new(format!(
                        "insert failed: key {shown} already exists"
                    )))
                }
                Err(bad) => {
                    return Err(EvalError::new(format!(
                        "unsupported key type: {}",
                        bad.type_name()
                    )))
                }
            }
        }
        self.budget.charge_size(m.len())?;
        Ok(Val::Map(Rc::new(m)))
    }

    fn comprehension(&mut self, c: &'a ComprehensionExpr) -> R<'a> {
        let range = self.eval(&c.iter_range)?;
        let mode = self.activation.numbers();
        let two = c.iter_var2.is_some();
        // A list is walked by index (no copy of its elements); a map's
        // keys (or entries) are taken first.
        let (count, mut pairs) = if let Some(n) = range.list_len() {
            (n, Vec::new().into_iter())
        } else if range.is_map() {
            let pairs: Vec<(Val<'a>, Option<Val<'a>>)> = if two {
                range
                    .map_entries(mode)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, Some(v)))
                    .collect()
            } else {
                range
                    .map_keys()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|k| (k, None))
                    .collect()
            };
            (pairs.len(), pairs.into_iter())
        } else {
            return Err(EvalError::new(format!(
                "expression of type '{}' cannot be range of a comprehension (must be list, map, or dynamic)",
                range.type_name()
            )));
        };
        let is_list = range.list_len().is_some();
        let base = self.locals.len();
        let init = self.eval(&c.accu_init);
        self.locals.push((c.accu_var.as_str(), init));
        let accu_slot = base;
        let mut result = Ok(Val::Null);
        for i in 0..count {
            let (first, second) = if is_list {
                let Some(v) = range.list_get(i, mode) else {
                    continue;
                };
                if two {
                    (Val::Int(i as i64), Some(v))
                } else {
                    (v, None)
                }
            } else {
                match pairs.next() {
                    Some(p) => p,
                    None => break,
                }
            };
            if let Err(e) = self.budget.charge(1) {
                result = Err(e);
                break;
            }
            self.locals.truncate(accu_slot + 1);
            self.locals.push((c.iter_var.as_str(), Ok(first)));
            if let (Some(name), Some(v)) = (&c.iter_var2, second) {
                self.locals.push((name.as_str(), Ok(v)));
            }
            let cond = match self.quantifier_condition(&c.loop_cond, accu_slot) {
                Some(decided) => decided,
                None => self.eval(&c.loop_cond),
            };
            if let Err(e) = &cond {
                if is_cancellation(e) {
                    result = Err(e.clone());
                    break;
                }
            }
            if matches!(cond, Ok(Val::Bool(false))) {
                break;
            }
            let step = self.eval(&c.loop_step);
            if let Err(e) = &step {
                if is_cancellation(e) {
                    result = Err(e.clone());
                    break;
                }
            }
            self.locals.truncate(accu_slot + 1);
            if let Some(slot) = self.locals.get_mut(accu_slot) {
                slot.1 = step;
            }
        }
        self.locals.truncate(accu_slot + 1);
        if result.is_ok() {
            result = self.eval(&c.result);
        }
        self.locals.truncate(base);
        result
    }

    fn call(&mut self, call: &'a CallExpr, free: bool) -> R<'a> {
        let f = call.func_name.as_str();
        let a = &call.args;
        match (f, a.as_slice(), &call.target) {
            (op::LOGICAL_AND | op::LOGICAL_OR, [l, r], None) => {
                let short = f == op::LOGICAL_OR;
                let lv = self.eval(l);
                if matches!(lv, Ok(Val::Bool(b)) if b == short) {
                    return Ok(Val::Bool(short));
                }
                if let Err(e) = &lv {
                    if is_cancellation(e) {
                        return lv;
                    }
                }
                let rv = self.eval(r);
                if matches!(rv, Ok(Val::Bool(b)) if b == short) {
                    return Ok(Val::Bool(short));
                }
                // Neither side decided: the first error (or non-bool, cel-go's
                // bare "no such overload") in order, else both agree.
                for side in [lv, rv] {
                    match side {
                        Ok(Val::Bool(_)) => {}
                        Ok(_) => return Err(EvalError::new("no such overload")),
                        Err(e) => return Err(e),
                    }
                }
                Ok(Val::Bool(!short))
            }
            // The ternary is an attribute to cel-go: no cost of its own,
            // and an attribute branch's root is not observed.
            (op::CONDITIONAL, [c, t, e], None) => match self.eval(c)? {
                Val::Bool(true) => self.eval_unobserved_root(t),
                Val::Bool(false) => self.eval_unobserved_root(e),
                _ => Err(EvalError::new("no such overload")),
            },
            (op::NOT_STRICTLY_FALSE, [x], None) => {
                let v = self.eval(x);
                if let Err(e) = &v {
                    if is_cancellation(e) {
                        return v;
                    }
                }
                self.budget.add_cost(1)?;
                Ok(Val::Bool(!matches!(v, Ok(Val::Bool(false)))))
            }
            (op::OPT_SELECT, [t, field], None) => {
                let target = self.eval_operand(t, free)?;
                let Expr::Literal(LiteralValue::String(name)) = &field.expr else {
                    return Err(EvalError::new("unsupported optional field selection"));
                };
                let r = optional_step(
                    &target,
                    &Val::String(Str::Borrowed(name.inner())),
                    self.activation.numbers(),
                    true,
                )?;
                // An optional qualifier is observed only when present.
                if matches!(r, Val::Optional(Some(_))) {
                    self.budget.add_cost(1)?;
                }
                Ok(r)
            }
            (op::OPT_INDEX, [t, k], None) => {
                let target = self.eval_operand(t, free)?;
                let key = self.eval_unobserved_root(k)?;
                let r = optional_step(&target, &key, self.activation.numbers(), false)?;
                if matches!(r, Val::Optional(Some(_))) {
                    self.budget.add_cost(1)?;
                }
                Ok(r)
            }
            (op::INDEX, [t, k], None) => {
                let target = self.eval_operand(t, free)?;
                let key = self.eval_unobserved_root(k)?;
                // The index qualifier; an attribute key was charged as it.
                let r = self.apply_named(op::INDEX, false, &[target, key], false);
                self.budget.add_cost(1)?;
                r
            }
            ("__orValueCompat__", [x, d], None) if is_opt_select(x) => {
                // `a.?b.?c.orValue(d)`: the chain's content without an
                // optional per step.
                self.budget.charge(1)?;
                let r = match self.opt_chain(x) {
                    Ok(Some(v)) => Ok(v),
                    Ok(None) => self.eval(d),
                    Err(e) if !is_cancellation(&e) => self.eval(d),
                    Err(e) => return Err(e),
                };
                if let Err(e) = &r {
                    if is_cancellation(e) {
                        return r;
                    }
                }
                self.budget.add_cost(1)?;
                r
            }
            ("__orValueCompat__", [x, d], None) => {
                let r = match self.eval(x) {
                    Ok(Val::Optional(Some(v))) => Ok((*v).clone()),
                    Ok(Val::Optional(None)) => self.eval(d),
                    Err(e) if !is_cancellation(&e) => self.eval(d),
                    other => other,
                };
                if let Err(e) = &r {
                    if is_cancellation(e) {
                        return r;
                    }
                }
                self.budget.add_cost(1)?;
                r
            }
            (op::ADD, [l, r], None) if self.is_accu(l) => self.append_in_place(l, r),
            _ => self.dispatch(call),
        }
    }

    /// The loop condition of `all` (`@not_strictly_false(@result)`) and
    /// `exists` (`@not_strictly_false(!@result)`), decided from the
    /// accumulator without walking the expression, at the same cel-go
    /// cost (the identifier, `!`, `@not_strictly_false`). `None` for any
    /// other condition.
    fn quantifier_condition(&mut self, cond: &'a IdedExpr, accu_slot: usize) -> Option<R<'a>> {
        let Expr::Call(call) = &cond.expr else {
            return None;
        };
        if call.func_name != op::NOT_STRICTLY_FALSE || call.target.is_some() {
            return None;
        }
        let (negated, ident) = match call.args.as_slice() {
            [IdedExpr {
                expr: Expr::Ident(n),
                ..
            }] => (false, n),
            [IdedExpr {
                expr: Expr::Call(not),
                ..
            }] if not.func_name == op::LOGICAL_NOT && not.target.is_none() => {
                match not.args.as_slice() {
                    [IdedExpr {
                        expr: Expr::Ident(n),
                        ..
                    }] => (true, n),
                    _ => return None,
                }
            }
            _ => return None,
        };
        let accu = match self.locals.get(accu_slot) {
            Some((name, Ok(Val::Bool(b)))) if *name == ident.as_str() => Some(*b),
            Some((name, _)) if *name == ident.as_str() => None,
            _ => return None,
        };
        // A non-bool accumulator makes `!` an error, which
        // `@not_strictly_false` turns into true: only a bool decides.
        let steps = if negated { 3 } else { 2 };
        if let Err(e) = self.budget.charge(steps) {
            return Some(Err(e));
        }
        if let Err(e) = self.budget.add_cost(steps) {
            return Some(Err(e));
        }
        let stop = match accu {
            Some(b) => b == negated,
            None => false,
        };
        Some(Ok(Val::Bool(!stop)))
    }

    /// `t.?f` (with `t` itself such a chain or any expression), as the
    /// optional's content: `None` when absent. Same results and cel-go
    /// costs as evaluating the chain into optionals, which allocate a
    /// shared cell per step.
    fn opt_chain(&mut self, e: &'a IdedExpr) -> Result<Option<Val<'a>>, EvalError> {
        let Expr::Call(CallExpr { args, .. }) = &e.expr else {
            return self.eval(e).map(Some);
        };
        let [t, field] = args.as_slice() else {
            return self.eval(e).map(Some);
        };
        let Expr::Literal(LiteralValue::String(name)) = &field.expr else {
            return self.eval(e).map(Some);
        };
        self.budget.charge(1)?;
        let target = if is_opt_select(t) {
            match self.opt_chain(t)? {
                Some(v) => v,
                None => return Ok(None),
            }
        } else {
            match self.eval_operand(t, false)? {
                Val::Optional(None) => return Ok(None),
                Val::Optional(Some(v)) => (*v).clone(),
                v => v,
            }
        };
        let key = Val::String(Str::Borrowed(name.inner()));
        let found = opt_field(&target, &key, self.activation.numbers());
        if found.is_some() {
            self.budget.add_cost(1)?;
        }
        Ok(found)
    }

    /// Whether `e` names the innermost comprehension's accumulator.
    fn is_accu(&self, e: &IdedExpr) -> bool {
        matches!(&e.expr, Expr::Ident(n) if n.starts_with('@') && self.locals.iter().rev().find(|(m, _)| m == n).is_some())
    }

    /// `@result + [x]` in a macro's step: appends to the accumulator without
    /// copying it (it is not referenced elsewhere), so `map`/`filter` stay
    /// linear.
    fn append_in_place(&mut self, l: &'a IdedExpr, r: &'a IdedExpr) -> R<'a> {
        let Expr::Ident(name) = &l.expr else {
            return self.eval(l);
        };
        self.budget.charge(1)?;
        let Some(pos) = self.locals.iter().rposition(|(n, _)| n == name) else {
            return Err(EvalError::new(format!("no such attribute(s): {name}")));
        };
        let taken = match self.locals.get_mut(pos) {
            Some(slot) => std::mem::replace(&mut slot.1, Ok(Val::Null)),
            None => return Err(EvalError::new(format!("no such attribute(s): {name}"))),
        };
        let lv = match taken {
            Ok(v) => v,
            Err(e) => {
                if let Some(slot) = self.locals.get_mut(pos) {
                    slot.1 = Err(e.clone());
                }
                return Err(e);
            }
        };
        // The accumulator's identifier.
        self.budget.add_cost(1)?;
        let rv = self.eval(r);
        let rv = match rv {
            Ok(v) => v,
            Err(e) => {
                if let Some(slot) = self.locals.get_mut(pos) {
                    slot.1 = Ok(lv);
                }
                return Err(e);
            }
        };
        match (lv, rv) {
            (Val::List(mut items), Val::List(more)) => {
                self.budget.charge_size(more.len())?;
                // `add_list`.
                self.budget.add_cost(1)?;
                Rc::make_mut(&mut items).extend(more.iter().cloned());
                Ok(Val::List(items))
            }
            (lv, rv) => {
                let r = self.apply_named(op::ADD, false, &[lv.clone(), rv], true);
                if let Some(slot) = self.locals.get_mut(pos) {
                    slot.1 = Ok(lv);
                }
                r
            }
        }
    }

    fn dispatch(&mut self, call: &'a CallExpr) -> R<'a> {
        let f = call.func_name.as_str();
        // `math.greatest(x)`: a namespaced function, when `math` is no variable.
        if let Some(t) = &call.target {
            let unbound_root = qualified_root(t).is_some_and(|root| self.is_unbound(root));
            if let Some(segments) = unbound_root.then(|| qualified_segments(t)).flatten() {
                {
                    let name = format!("{}.{f}", segments.join("."));
                    if self.registry.has_function(&name) {
                        let args = self.eval_args(&call.args, None)?;
                        return self.apply_named(&name, false, &args, true);
                    }
                }
            }
        }
        // cel-go's planner (OptOptimize) folds a conversion of a constant
        // into a constant, and `x in [constant primitives]` into a set
        // lookup: neither is a call it charges for.
        let folded = match (f, call.args.as_slice(), &call.target) {
            (_, [arg], None) => is_type_conversion(f) && is_const(arg),
            (op::IN, [_, list], None) => is_const_primitive_list(list),
            _ => false,
        };
        let charged = !folded;
        // Up to three arguments (receiver included) stay on the stack.
        match (call.target.as_deref(), call.args.as_slice()) {
            (None, [a]) | (Some(a), []) => {
                let a = self.eval(a)?;
                self.apply_named(f, call.target.is_some(), &[a], charged)
            }
            (None, [a, b]) | (Some(a), [b]) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                self.apply_named(f, call.target.is_some(), &[a, b], charged)
            }
            (None, [a, b, c]) | (Some(a), [b, c]) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                let c = self.eval(c)?;
                self.apply_named(f, call.target.is_some(), &[a, b, c], charged)
            }
            _ => {
                let args = self.eval_args(&call.args, call.target.as_deref())?;
                self.apply_named(f, call.target.is_some(), &args, charged)
            }
        }
    }

    fn eval_args(
        &mut self,
        args: &'a [IdedExpr],
        target: Option<&'a IdedExpr>,
    ) -> Result<Vec<Val<'a>>, EvalError> {
        let mut out = Vec::with_capacity(args.len() + 1);
        if let Some(t) = target {
            out.push(self.eval(t)?);
        }
        for a in args {
            out.push(self.eval(a)?);
        }
        Ok(out)
    }

    /// Calls `f`, charging cel-go's cost of the call when `charged` (before
    /// the call when the cost depends only on the arguments, so that what
    /// exceeds the limit is not built first).
    fn apply_named(&mut self, f: &str, member: bool, args: &[Val<'a>], charged: bool) -> R<'a> {
        let (overloads, rules) = self.registry.overloads_with_costs(f);
        let found = overloads.iter().position(|o| {
            o.member == member
                && o.params.len() == args.len()
                && o.params
                    .iter()
                    .zip(args.iter())
                    .all(|(t, v)| matches_type(t, v))
        });
        match found.and_then(|i| Some((overloads.get(i)?, rules.get(i).copied()?))) {
            Some((o, rule)) => {
                let before = if charged {
                    cost::call_cost(rule, args, None)
                } else {
                    Some(0)
                };
                if let Some(c) = before {
                    self.budget.add_cost(c)?;
                }
                let mut ctx = Call {
                    host: self.host,
                    budget: self.budget,
                    numbers: self.activation.numbers(),
                };
                let r = (o.imp)(&mut ctx, args);
                if before.is_none() {
                    let shown = r.as_ref().ok().cloned().unwrap_or(Val::Null);
                    let c = cost::call_cost(rule, args, Some(&shown)).unwrap_or(1);
                    self.budget.add_cost(c)?;
                }
                r
            }
            None => {
                if charged {
                    self.budget.add_cost(1)?;
                }
                Err(no_such_overload(f, args))
            }
        }
    }
}

/// `target.?key`'s content, as [`optional_step`] finds it for a field.
fn opt_field<'a>(
    target: &Val<'a>,
    key: &Val<'_>,
    mode: super::value::NumberMode,
) -> Option<Val<'a>> {
    match target {
        Val::Optional(None) => None,
        Val::Optional(Some(inner)) => opt_field(inner, key, mode),
        t if t.is_map() => t.map_get(key, mode).ok().flatten(),
        _ => None,
    }
}

/// Whether `e` is `t.?f`.
fn is_opt_select(e: &IdedExpr) -> bool {
    matches!(&e.expr, Expr::Call(c) if c.func_name == op::OPT_SELECT && c.target.is_none() && c.args.len() == 2)
}

/// Whether cel-go plans `e` as an attribute (an identifier with
/// qualifiers, or a ternary), whose root it observes once.
fn is_attribute(e: &IdedExpr) -> bool {
    match &e.expr {
        Expr::Ident(_) => true,
        Expr::Select(s) => !s.test,
        Expr::Call(c) => {
            c.target.is_none()
                && matches!(
                    c.func_name.as_str(),
                    op::INDEX | op::OPT_SELECT | op::OPT_INDEX | op::CONDITIONAL
                )
        }
        _ => false,
    }
}

/// Whether cel-go's planner (with `OptOptimize`, as Kubernetes runs it)
/// turns `e` into a constant: literals, list and map literals of
/// constants, conversions of constants. Constants cost nothing.
fn is_const(e: &IdedExpr) -> bool {
    match &e.expr {
        Expr::Literal(_) => true,
        Expr::List(l) => l.elements.iter().all(is_const),
        Expr::Map(m) => m.entries.iter().all(|entry| match &entry.expr {
            EntryExpr::MapEntry(me) => is_const(&me.key) && is_const(&me.value),
            _ => false,
        }),
        Expr::Call(c) => match (c.args.as_slice(), &c.target) {
            ([arg], None) => is_type_conversion(&c.func_name) && is_const(arg),
            _ => false,
        },
        _ => false,
    }
}

/// cel-go's `overloads.IsTypeConversionFunction`.
fn is_type_conversion(f: &str) -> bool {
    matches!(
        f,
        "bool"
            | "bytes"
            | "double"
            | "duration"
            | "dyn"
            | "int"
            | "string"
            | "timestamp"
            | "type"
            | "uint"
    )
}

/// A constant list of primitive, non-bytes literals: cel-go turns `x in`
/// such a list into a set lookup.
fn is_const_primitive_list(e: &IdedExpr) -> bool {
    match &e.expr {
        Expr::List(l) => l.elements.iter().all(|x| {
            matches!(
                &x.expr,
                Expr::Literal(
                    LiteralValue::Boolean(_)
                        | LiteralValue::Int(_)
                        | LiteralValue::UInt(_)
                        | LiteralValue::Double(_)
                        | LiteralValue::String(_)
                )
            )
        }),
        _ => false,
    }
}

/// Whether the error is the budget's: it must not be absorbed by `||`,
/// `&&` or comprehensions, or a hostile expression would keep running.
fn is_cancellation(e: &EvalError) -> bool {
    e.message.starts_with("operation cancelled")
}

fn literal(l: &LiteralValue) -> Val<'_> {
    match l {
        LiteralValue::Boolean(b) => Val::Bool(*b.inner()),
        LiteralValue::Int(i) => Val::Int(*i.inner()),
        LiteralValue::UInt(u) => Val::Uint(*u.inner()),
        LiteralValue::Double(d) => Val::Double(*d.inner()),
        LiteralValue::String(s) => Val::String(Str::Borrowed(s.inner())),
        LiteralValue::Bytes(b) => Val::Bytes(Rc::from(b.inner())),
        LiteralValue::Null => Val::Null,
    }
}

/// The root identifier of `a.b.c` (an identifier with field selections).
fn qualified_root(e: &IdedExpr) -> Option<&str> {
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Ident(n) => return Some(n),
            Expr::Select(s) if !s.test => cur = &s.operand,
            _ => return None,
        }
    }
}

/// The segments of `a.b.c` (an identifier with field selections), root first.
fn qualified_segments(e: &IdedExpr) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Ident(n) => {
                out.push(n.as_str());
                out.reverse();
                return Some(out);
            }
            Expr::Select(s) if !s.test => {
                out.push(s.field.as_str());
                cur = &s.operand;
            }
            _ => return None,
        }
    }
}

/// The type a type name denotes as a value (`int`, `list`, `google.protobuf.Timestamp`, opaque names).
pub(crate) fn type_named(name: &str, registry: &Registry) -> Option<Type> {
    Some(match name {
        "int" => Type::Int,
        "uint" => Type::Uint,
        "double" => Type::Double,
        "bool" => Type::Bool,
        "string" => Type::String,
        "bytes" => Type::Bytes,
        "list" => Type::list(Type::Dyn),
        "map" => Type::map(Type::Dyn, Type::Dyn),
        "null_type" => Type::Null,
        "type" => Type::Type(Box::new(Type::Dyn)),
        "optional_type" => Type::optional(Type::Dyn),
        "google.protobuf.Timestamp" => Type::Timestamp,
        "google.protobuf.Duration" => Type::Duration,
        other => {
            let t = registry.types().iter().find(|t| **t == other)?;
            Type::Opaque(t)
        }
    })
}

/// Whether a runtime value fits a parameter type (shallowly: list and map
/// element types are the implementation's business).
pub(crate) fn matches_type(t: &Type, v: &Val<'_>) -> bool {
    use serde_json::Value as J;
    match (t, v) {
        (Type::Dyn | Type::Param(_), _) => true,
        (Type::Null, Val::Null)
        | (Type::Bool, Val::Bool(_))
        | (Type::Int, Val::Int(_))
        | (Type::Uint, Val::Uint(_))
        | (Type::Double, Val::Double(_))
        | (Type::String, Val::String(_))
        | (Type::Bytes, Val::Bytes(_))
        | (Type::Timestamp, Val::Timestamp(_))
        | (Type::Duration, Val::Duration(_))
        | (Type::Optional(_), Val::Optional(_))
        | (Type::Type(_), Val::Type(_)) => true,
        (Type::List(_), Val::List(_) | Val::Json(J::Array(_))) => true,
        (Type::Map(..) | Type::Object(_), Val::Map(_) | Val::Json(J::Object(_))) => true,
        (Type::Opaque(n), Val::Opaque(o)) => o.type_name() == *n,
        _ => false,
    }
}

/// `has(x.f)`.
fn presence(target: &Val<'_>, field: &str) -> R<'static> {
    match target {
        Val::Map(_) | Val::Json(serde_json::Value::Object(_)) => Ok(Val::Bool(
            target
                .map_get(
                    &Val::String(Str::Borrowed(field)),
                    super::value::NumberMode::Exact,
                )
                .ok()
                .flatten()
                .is_some(),
        )),
        Val::Optional(None) => Ok(Val::Bool(false)),
        Val::Optional(Some(v)) => presence(v, field),
        // cel-go (without EnableErrorOnBadPresenceTest, as Kyverno runs it):
        // a presence test on anything else is false.
        _ => Ok(Val::Bool(false)),
    }
}

/// `x.?f` and `x[?k]`: an optional of the field or element, none when
/// absent (decided without building an error: misses are the common case).
fn optional_step<'a>(
    target: &Val<'a>,
    key: &Val<'a>,
    mode: super::value::NumberMode,
    field: bool,
) -> R<'a> {
    match target {
        Val::Optional(None) => Ok(Val::Optional(None)),
        Val::Optional(Some(inner)) => optional_step(inner, key, mode, field),
        t if t.is_map() => Ok(Val::Optional(
            t.map_get(key, mode).ok().flatten().map(Rc::new),
        )),
        t if t.list_len().is_some() && !field => match index(t, key, mode) {
            Ok(v) => Ok(Val::Optional(Some(Rc::new(v)))),
            Err(e) if e.message.starts_with("index out of bounds") => Ok(Val::Optional(None)),
            Err(e) => Err(e),
        },
        // cel-go's default: selecting on a value without fields is absent.
        _ => Ok(Val::Optional(None)),
    }
}
