//! The walk over the parsed expression, as cel-go's `checker/checker.go`
//! does it: every node gets a type, identifiers and functions are resolved
//! against the environment, overloads are picked by unification.

use std::collections::HashMap;
use std::sync::Arc;

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, ListExpr, LiteralValue, MapExpr,
    SelectExpr, StructExpr,
};

use super::builtins;
use super::ctype::{CType, Kind, Mapping};
use super::issues::Issues;
use crate::cel::Env;

/// cel-go's container name: Kyverno never sets one.
const CONTAINER: &str = "";

/// Deeper nesting than this is refused rather than risking the stack (the
/// parser's own limit counts grammar rules, not every node it builds).
pub(crate) const MAX_NESTING: usize = 1000;

/// One overload signature as the checker needs it.
pub(crate) struct Sig {
    pub member: bool,
    pub params: Vec<CType>,
    pub result: CType,
}

pub(crate) struct Checker<'e> {
    env: &'e Env,
    mapping: Mapping,
    scopes: Vec<Vec<(String, CType)>>,
    pub(crate) issues: Issues<'e>,
    next_var: u32,
    /// The type given to each node (cel-go's type map), kept for the
    /// validators that run on the checked expression.
    pub(crate) types: HashMap<u64, CType>,
    too_deep: bool,
}

impl<'e> Checker<'e> {
    pub(crate) fn new(env: &'e Env, issues: Issues<'e>) -> Self {
        Checker {
            env,
            mapping: Mapping::default(),
            scopes: Vec::new(),
            issues,
            next_var: 0,
            types: HashMap::new(),
            too_deep: false,
        }
    }

    /// The final type of node `id`: bound variables substituted, unbound
    /// ones `dyn` (what cel-go's type map holds after checking).
    pub(crate) fn final_type(&self, id: u64) -> CType {
        match self.types.get(&id) {
            Some(t) => self.mapping.substitute(t, true),
            None => CType::Dyn,
        }
    }

    fn set_type(&mut self, e: &IdedExpr, t: CType) -> CType {
        self.types.insert(e.id, t.clone());
        t
    }

    fn new_type_var(&mut self) -> CType {
        let v = CType::Var(self.next_var);
        self.next_var += 1;
        v
    }

    pub(crate) fn check(&mut self, e: &IdedExpr, depth: usize) -> CType {
        if depth > MAX_NESTING {
            if !self.too_deep {
                self.too_deep = true;
                self.issues.report(
                    e.id,
                    format!("expression nesting exceeds the limit of {MAX_NESTING}"),
                );
            }
            return self.set_type(e, CType::Error);
        }
        let depth = depth + 1;
        let t = match &e.expr {
            Expr::Literal(l) => literal_type(l),
            Expr::Ident(name) => self.check_ident(e, name),
            Expr::Select(sel) => self.check_select(e, sel, depth),
            Expr::Call(call) => self.check_call(e, call, depth),
            Expr::List(list) => self.check_list(list, depth),
            Expr::Map(map) => self.check_map(map, depth),
            Expr::Struct(st) => self.check_struct(e, st, depth),
            Expr::Comprehension(comp) => self.check_comprehension(comp, depth),
            Expr::Unspecified => {
                self.issues
                    .report(e.id, "unexpected unspecified type: ".to_string());
                CType::Error
            }
        };
        self.set_type(e, t)
    }

    fn type_of(&self, e: &IdedExpr) -> CType {
        self.types.get(&e.id).cloned().unwrap_or(CType::Error)
    }

    // ---- identifiers -------------------------------------------------

    fn lookup_local(&self, name: &str) -> Option<CType> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
    }

    /// A global identifier: a declared variable, else a type name.
    fn lookup_global(&self, name: &str) -> Option<CType> {
        let name = name.strip_prefix('.').unwrap_or(name);
        if let Some(t) = self.env.variables().get(name) {
            return Some(CType::from_type(t));
        }
        builtins::type_ident(self.env, name)
    }

    /// cel-go's `resolveSimpleIdent`.
    fn resolve_simple(&self, name: &str) -> Option<CType> {
        if !name.starts_with('.') {
            if let Some(t) = self.lookup_local(name) {
                return Some(t);
            }
        }
        self.lookup_global(name)
    }

    /// cel-go's `resolveQualifiedIdent`.
    fn resolve_qualified(&self, qualifiers: &[&str]) -> Option<CType> {
        match qualifiers {
            [one] => self.resolve_simple(one),
            [first, ..] => {
                if !first.starts_with('.') && self.lookup_local(first).is_some() {
                    return None;
                }
                self.lookup_global(&qualifiers.join("."))
            }
            [] => None,
        }
    }

    fn check_ident(&mut self, e: &IdedExpr, name: &str) -> CType {
        match self.resolve_simple(name) {
            Some(t) => t,
            None => {
                self.issues.report(
                    e.id,
                    format!("undeclared reference to '{name}' (in container '{CONTAINER}')"),
                );
                CType::Error
            }
        }
    }

    // ---- field selection ---------------------------------------------

    fn check_select(&mut self, e: &IdedExpr, sel: &SelectExpr, depth: usize) -> CType {
        if let Some(qualifiers) = qualifiers_of(e) {
            if let Some(t) = self.resolve_qualified(&qualifiers) {
                return t;
            }
        }
        let result = self.check_select_field(e, &sel.operand, &sel.field, false, depth);
        let result = if sel.test { CType::Bool } else { result };
        self.mapping.substitute(&result, false)
    }

    fn check_select_field(
        &mut self,
        e: &IdedExpr,
        operand: &IdedExpr,
        field: &str,
        optional: bool,
        depth: usize,
    ) -> CType {
        self.check(operand, depth);
        let operand_type = self.mapping.substitute(&self.type_of(operand), false);
        let (target, was_optional) = operand_type.unwrap_optional();
        let result = match &target {
            CType::Map(_, v) => (**v).clone(),
            CType::Object(o) => match o.fields.get(field) {
                Some(t) => CType::from_type(t),
                None => {
                    self.issues
                        .report(e.id, format!("undefined field '{field}'"));
                    CType::Error
                }
            },
            t if t.kind() == Kind::TypeParam => {
                self.mapping.is_assignable(&CType::Dyn, t);
                CType::Dyn
            }
            t => {
                if !t.is_dyn_or_error() {
                    self.issues.report(
                        e.id,
                        format!("type '{}' does not support field selection", t.format()),
                    );
                }
                CType::Dyn
            }
        };
        if was_optional || optional {
            CType::optional(result)
        } else {
            result
        }
    }

    fn check_opt_select(&mut self, e: &IdedExpr, call: &CallExpr, depth: usize) -> CType {
        if call.args.len() != 2 || call.target.is_some() {
            let with = if call.target.is_some() {
                " member call with"
            } else {
                ""
            };
            self.issues.report(
                e.id,
                format!(
                    "unsupported optional field selection: incorrect signature.{with} argument count: {}",
                    call.args.len()
                ),
            );
            return CType::Error;
        }
        let (Some(operand), Some(field)) = (call.args.first(), call.args.get(1)) else {
            return CType::Error;
        };
        let Expr::Literal(LiteralValue::String(name)) = &field.expr else {
            self.issues.report(
                field.id,
                "unsupported optional field selection: the field is not a string literal"
                    .to_string(),
            );
            return CType::Error;
        };
        let name: &str = name;
        let result = self.check_select_field(e, operand, name, true, depth);
        self.mapping.substitute(&result, false)
    }

    // ---- calls -------------------------------------------------------

    fn check_call(&mut self, e: &IdedExpr, call: &CallExpr, depth: usize) -> CType {
        let name = call.func_name.as_str();
        if name == builtins::OPT_SELECT {
            return self.check_opt_select(e, call, depth);
        }
        for arg in &call.args {
            self.check(arg, depth);
        }
        let Some(target) = &call.target else {
            return match builtins::signatures(self.env, name) {
                Some(sigs) => self.resolve_overload(e, name, &sigs, None, &call.args),
                None => self.undeclared(e, name),
            };
        };
        // `a.b.f(x)` is the namespaced function `a.b.f` when one exists.
        if let Some(prefix) = qualified_name(target) {
            let qualified = format!("{prefix}.{name}");
            if let Some(sigs) = builtins::signatures(self.env, &qualified) {
                return self.resolve_overload(e, &qualified, &sigs, None, &call.args);
            }
        }
        self.check(target, depth);
        match builtins::signatures(self.env, name) {
            Some(sigs) => self.resolve_overload(e, name, &sigs, Some(target), &call.args),
            None => self.undeclared(e, name),
        }
    }

    fn undeclared(&mut self, e: &IdedExpr, name: &str) -> CType {
        self.issues.report(
            e.id,
            format!("undeclared reference to '{name}' (in container '{CONTAINER}')"),
        );
        CType::Error
    }

    /// cel-go's `resolveOverload`.
    fn resolve_overload(
        &mut self,
        call: &IdedExpr,
        name: &str,
        sigs: &[Sig],
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> CType {
        let mut arg_types: Vec<CType> = Vec::with_capacity(args.len() + 1);
        if let Some(t) = target {
            arg_types.push(self.type_of(t));
        }
        arg_types.extend(args.iter().map(|a| self.type_of(a)));

        if name == builtins::LOGICAL_AND || name == builtins::LOGICAL_OR {
            let mut failed = false;
            for (arg, t) in args.iter().zip(arg_types.iter()) {
                if !self.mapping.is_assignable(t, &CType::Bool) {
                    self.issues.report(
                        arg.id,
                        format!(
                            "expected type '{}' but found '{}'",
                            CType::Bool.format(),
                            t.format()
                        ),
                    );
                    failed = true;
                }
            }
            return if failed { CType::Error } else { CType::Bool };
        }

        let mut result: Option<CType> = None;
        for sig in sigs {
            if sig.member != target.is_some() {
                continue;
            }
            let (params, sig_result) = self.instantiate(sig);
            if self.mapping.is_assignable_list(&arg_types, &params) {
                let fn_result = self.mapping.substitute(&sig_result, false);
                result = Some(match result {
                    None => fn_result,
                    Some(r) if !r.is_dyn() && !fn_result.is_exact(&r) => CType::Dyn,
                    Some(r) => r,
                });
            }
        }
        match result {
            Some(r) => r,
            None => {
                let shown: Vec<String> = arg_types
                    .iter()
                    .map(|t| self.mapping.substitute(t, true).format())
                    .collect();
                let signature = match (target.is_some(), shown.split_first()) {
                    (true, Some((recv, rest))) => format!("{recv}.({})", rest.join(", ")),
                    _ => format!("({})", shown.join(", ")),
                };
                self.issues.report(
                    call.id,
                    format!("found no matching overload for '{name}' applied to '{signature}'"),
                );
                CType::Error
            }
        }
    }

    /// The overload's parameter and result types with its type parameters
    /// replaced by fresh type variables.
    fn instantiate(&mut self, sig: &Sig) -> (Vec<CType>, CType) {
        let mut names: Vec<&'static str> = Vec::new();
        for t in sig.params.iter().chain(std::iter::once(&sig.result)) {
            collect_params(t, &mut names);
        }
        if names.is_empty() {
            return (sig.params.clone(), sig.result.clone());
        }
        let fresh: Vec<(&'static str, CType)> =
            names.iter().map(|n| (*n, self.new_type_var())).collect();
        let params = sig
            .params
            .iter()
            .map(|t| replace_params(t, &fresh))
            .collect();
        (params, replace_params(&sig.result, &fresh))
    }

    // ---- aggregates --------------------------------------------------

    fn check_list(&mut self, list: &ListExpr, depth: usize) -> CType {
        let mut elems: Option<CType> = None;
        for (i, e) in list.elements.iter().enumerate() {
            let mut t = self.check(e, depth);
            if list.optional_indices.contains(&i) {
                let (inner, is_opt) = t.unwrap_optional();
                if !is_opt && !inner.is_dyn() {
                    self.issues.report(
                        e.id,
                        format!(
                            "expected type '{}' but found '{}'",
                            CType::optional(inner.clone()).format(),
                            inner.format()
                        ),
                    );
                }
                t = inner;
            }
            elems = Some(self.join_types(elems, t));
        }
        let elems = match elems {
            Some(t) => t,
            None => self.new_type_var(),
        };
        CType::list(elems)
    }

    fn check_map(&mut self, map: &MapExpr, depth: usize) -> CType {
        let mut keys: Option<CType> = None;
        let mut values: Option<CType> = None;
        for entry in &map.entries {
            let EntryExpr::MapEntry(entry) = &entry.expr else {
                continue;
            };
            let kt = self.check(&entry.key, depth);
            keys = Some(self.join_types(keys, kt));
            let mut vt = self.check(&entry.value, depth);
            if entry.optional {
                let (inner, is_opt) = vt.unwrap_optional();
                if !is_opt && !inner.is_dyn() {
                    self.issues.report(
                        entry.value.id,
                        format!(
                            "expected type '{}' but found '{}'",
                            CType::optional(inner.clone()).format(),
                            inner.format()
                        ),
                    );
                }
                vt = inner;
            }
            values = Some(self.join_types(values, vt));
        }
        match (keys, values) {
            (Some(k), Some(v)) => CType::map(k, v),
            _ => {
                let (k, v) = (self.new_type_var(), self.new_type_var());
                CType::map(k, v)
            }
        }
    }

    /// cel-go's `joinTypes` with dynamic aggregate element types (the
    /// homogeneity of literals is a separate validator, as in cel-go).
    fn join_types(&mut self, previous: Option<CType>, current: CType) -> CType {
        match previous {
            None => current,
            Some(prev) => {
                if self.mapping.is_assignable(&prev, &current) {
                    super::ctype::most_general(&prev, &current)
                } else {
                    CType::Dyn
                }
            }
        }
    }

    fn check_struct(&mut self, e: &IdedExpr, st: &StructExpr, depth: usize) -> CType {
        let Some(object) = builtins::object_type(self.env, &st.type_name) else {
            for entry in &st.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    self.check(&f.value, depth);
                }
            }
            return self.undeclared(e, &st.type_name);
        };
        for entry in &st.entries {
            let EntryExpr::StructField(f) = &entry.expr else {
                continue;
            };
            let mut vt = self.check(&f.value, depth);
            if f.optional {
                vt = vt.unwrap_optional().0;
            }
            let ft = match object.fields.get(&f.field) {
                Some(t) => CType::from_type(t),
                None => {
                    self.issues
                        .report(entry.id, format!("undefined field '{}'", f.field));
                    CType::Error
                }
            };
            if !self.mapping.is_assignable(&ft, &vt) {
                self.issues.report(
                    entry.id,
                    format!(
                        "expected type of field '{}' is '{}' but provided type is '{}'",
                        f.field,
                        ft.format(),
                        vt.format()
                    ),
                );
            }
        }
        CType::Object(Arc::clone(&object))
    }

    // ---- comprehensions ----------------------------------------------

    fn check_comprehension(&mut self, comp: &ComprehensionExpr, depth: usize) -> CType {
        self.check(&comp.iter_range, depth);
        let accu_type = self.check(&comp.accu_init, depth);
        let range_type = self
            .mapping
            .substitute(&self.type_of(&comp.iter_range), false);
        self.scopes
            .push(vec![(comp.accu_var.clone(), accu_type.clone())]);
        let two = comp.iter_var2.is_some();
        let (var_type, var2_type) = match &range_type {
            CType::List(e) if two => (CType::Int, (**e).clone()),
            CType::List(e) => ((**e).clone(), CType::Dyn),
            CType::Map(k, v) => ((**k).clone(), (**v).clone()),
            t if t.is_dyn_or_error() || t.kind() == Kind::TypeParam => {
                self.mapping.is_assignable(&CType::Dyn, t);
                (CType::Dyn, CType::Dyn)
            }
            t => {
                self.issues.report(
                    comp.iter_range.id,
                    format!(
                        "expression of type '{}' cannot be range of a comprehension (must be list, map, or dynamic)",
                        t.format()
                    ),
                );
                (CType::Error, CType::Error)
            }
        };
        let mut loop_scope = vec![(comp.iter_var.clone(), var_type)];
        if let Some(v2) = &comp.iter_var2 {
            loop_scope.push((v2.clone(), var2_type));
        }
        self.scopes.push(loop_scope);
        self.check(&comp.loop_cond, depth);
        self.assert_type(&comp.loop_cond, &CType::Bool);
        self.check(&comp.loop_step, depth);
        self.assert_type(&comp.loop_step, &accu_type);
        self.scopes.pop();
        self.check(&comp.result, depth);
        self.scopes.pop();
        self.mapping.substitute(&self.type_of(&comp.result), false)
    }

    fn assert_type(&mut self, e: &IdedExpr, expected: &CType) {
        let actual = self.type_of(e);
        if !self.mapping.is_assignable(expected, &actual) {
            self.issues.report(
                e.id,
                format!(
                    "expected type '{}' but found '{}'",
                    expected.format(),
                    actual.format()
                ),
            );
        }
    }
}

fn literal_type(l: &LiteralValue) -> CType {
    match l {
        LiteralValue::Boolean(_) => CType::Bool,
        LiteralValue::Bytes(_) => CType::Bytes,
        LiteralValue::Double(_) => CType::Double,
        LiteralValue::Int(_) => CType::Int,
        LiteralValue::Null => CType::Null,
        LiteralValue::String(_) => CType::String,
        LiteralValue::UInt(_) => CType::Uint,
    }
}

/// The name parts of `a.b.c` (not of a presence test), root first.
fn qualifiers_of(e: &IdedExpr) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Ident(name) => {
                parts.push(name.as_str());
                parts.reverse();
                return Some(parts);
            }
            Expr::Select(sel) if !sel.test => {
                parts.push(sel.field.as_str());
                cur = &sel.operand;
            }
            _ => return None,
        }
    }
}

/// cel-go's `containers.ToQualifiedName`.
fn qualified_name(e: &IdedExpr) -> Option<String> {
    qualifiers_of(e).map(|p| p.join("."))
}

fn collect_params(t: &CType, out: &mut Vec<&'static str>) {
    match t {
        CType::Param(n) => {
            if !out.contains(n) {
                out.push(n);
            }
        }
        other => {
            for p in other.params() {
                collect_params(&p, out);
            }
        }
    }
}

fn replace_params(t: &CType, fresh: &[(&'static str, CType)]) -> CType {
    match t {
        CType::Param(n) => fresh
            .iter()
            .find(|(name, _)| name == n)
            .map(|(_, v)| v.clone())
            .unwrap_or(CType::Dyn),
        CType::List(e) => CType::list(replace_params(e, fresh)),
        CType::Map(k, v) => CType::map(replace_params(k, fresh), replace_params(v, fresh)),
        CType::Opaque(name, p) => {
            CType::Opaque(name, p.iter().map(|x| replace_params(x, fresh)).collect())
        }
        CType::TypeOf(Some(p)) => CType::type_of(replace_params(p, fresh)),
        other => other.clone(),
    }
}
