//! The checker's own view of types: cel-go's `types.Type` as its checker
//! sees it, with the error type and the fresh type variables (`_var0`, ...)
//! that overload instantiation creates, plus the unifier (cel-go's
//! `checker/types.go` and `mapping.go`).
//!
//! The contract's [`Type`] is what callers see; this representation exists
//! because unification needs owned, numbered type variables and cheap
//! sharing, which the public type has no reason to carry.

use std::rc::Rc;
use std::sync::Arc;

use crate::cel::types::{ObjectType, Type};

/// cel-go's type kinds, as far as the checker distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dyn,
    Error,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Timestamp,
    Duration,
    List,
    Map,
    Opaque,
    Type,
    Struct,
    TypeParam,
}

/// A type during checking.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CType {
    Dyn,
    Error,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Timestamp,
    Duration,
    List(Rc<CType>),
    Map(Rc<CType>, Rc<CType>),
    /// An opaque type with parameters: `optional_type(T)`, or a library type
    /// such as `kubernetes.Quantity` (no parameters).
    Opaque(&'static str, Vec<CType>),
    /// `type` (no parameter) or `type(T)`.
    TypeOf(Option<Rc<CType>>),
    /// A declared object type (cel-go's struct kind).
    Object(Arc<ObjectType>),
    /// A fresh type variable, printed `_var<n>`.
    Var(u32),
    /// A declared type parameter that was not instantiated (only in
    /// declarations such as the type identifier `list`, i.e. `type(list(A))`).
    Param(&'static str),
}

/// The name cel-go gives `optional_type`.
pub(crate) const OPTIONAL: &str = "optional_type";

impl CType {
    pub(crate) fn list(elem: CType) -> CType {
        CType::List(Rc::new(elem))
    }

    pub(crate) fn map(key: CType, value: CType) -> CType {
        CType::Map(Rc::new(key), Rc::new(value))
    }

    pub(crate) fn optional(inner: CType) -> CType {
        CType::Opaque(OPTIONAL, vec![inner])
    }

    pub(crate) fn type_of(inner: CType) -> CType {
        CType::TypeOf(Some(Rc::new(inner)))
    }

    pub(crate) fn kind(&self) -> Kind {
        match self {
            CType::Dyn => Kind::Dyn,
            CType::Error => Kind::Error,
            CType::Null => Kind::Null,
            CType::Bool => Kind::Bool,
            CType::Int => Kind::Int,
            CType::Uint => Kind::Uint,
            CType::Double => Kind::Double,
            CType::String => Kind::String,
            CType::Bytes => Kind::Bytes,
            CType::Timestamp => Kind::Timestamp,
            CType::Duration => Kind::Duration,
            CType::List(_) => Kind::List,
            CType::Map(..) => Kind::Map,
            CType::Opaque(..) => Kind::Opaque,
            CType::TypeOf(_) => Kind::Type,
            CType::Object(_) => Kind::Struct,
            CType::Var(_) | CType::Param(_) => Kind::TypeParam,
        }
    }

    /// cel-go's `TypeName()`.
    pub(crate) fn type_name(&self) -> String {
        match self {
            CType::Dyn => "dyn".into(),
            CType::Error => "error".into(),
            CType::Null => "null_type".into(),
            CType::Bool => "bool".into(),
            CType::Int => "int".into(),
            CType::Uint => "uint".into(),
            CType::Double => "double".into(),
            CType::String => "string".into(),
            CType::Bytes => "bytes".into(),
            CType::Timestamp => "google.protobuf.Timestamp".into(),
            CType::Duration => "google.protobuf.Duration".into(),
            CType::List(_) => "list".into(),
            CType::Map(..) => "map".into(),
            CType::Opaque(name, _) => (*name).into(),
            CType::TypeOf(_) => "type".into(),
            CType::Object(o) => o.name.clone(),
            CType::Var(n) => format!("_var{n}"),
            CType::Param(name) => (*name).into(),
        }
    }

    /// cel-go's `Parameters()`.
    pub(crate) fn params(&self) -> Vec<CType> {
        match self {
            CType::List(e) => vec![(**e).clone()],
            CType::Map(k, v) => vec![(**k).clone(), (**v).clone()],
            CType::Opaque(_, p) => p.clone(),
            CType::TypeOf(Some(t)) => vec![(**t).clone()],
            _ => Vec::new(),
        }
    }

    fn param_count(&self) -> usize {
        match self {
            CType::List(_) | CType::TypeOf(Some(_)) => 1,
            CType::Map(..) => 2,
            CType::Opaque(_, p) => p.len(),
            _ => 0,
        }
    }

    /// cel-go's `isDyn` (checker): dyn (or the well-known any).
    pub(crate) fn is_dyn(&self) -> bool {
        matches!(self, CType::Dyn)
    }

    pub(crate) fn is_dyn_or_error(&self) -> bool {
        matches!(self, CType::Dyn | CType::Error)
    }

    /// `optional_type(T)` → `(T, true)`; anything else → `(self, false)`.
    pub(crate) fn unwrap_optional(&self) -> (CType, bool) {
        match self {
            CType::Opaque(name, p) if *name == OPTIONAL => match p.first() {
                Some(inner) => (inner.clone(), true),
                None => (CType::Dyn, true),
            },
            other => (other.clone(), false),
        }
    }

    /// cel-go's `IsExactType`.
    pub(crate) fn is_exact(&self, other: &CType) -> bool {
        self.same_as(other, true)
    }

    /// cel-go's `IsEquivalentType` (type parameter names ignored).
    pub(crate) fn is_equivalent(&self, other: &CType) -> bool {
        self.same_as(other, false)
    }

    fn same_as(&self, other: &CType, check_param_names: bool) -> bool {
        if self.kind() != other.kind() || self.param_count() != other.param_count() {
            return false;
        }
        if (check_param_names || self.kind() != Kind::TypeParam)
            && self.type_name() != other.type_name()
        {
            return false;
        }
        self.params()
            .iter()
            .zip(other.params().iter())
            .all(|(a, b)| a.same_as(b, check_param_names))
    }

    /// cel-go's `Type.IsAssignableType` (default implementation; there are
    /// no wrapper types here).
    fn is_assignable_type(&self, from: &CType) -> bool {
        if self == from || matches!(self.kind(), Kind::Dyn | Kind::TypeParam) {
            return true;
        }
        if self.kind() != from.kind()
            || self.type_name() != from.type_name()
            || self.param_count() != from.param_count()
        {
            return false;
        }
        self.params()
            .iter()
            .zip(from.params().iter())
            .all(|(t, f)| t.is_assignable_type(f))
    }

    /// cel-go's `FormatCELType`, the spelling in checker messages.
    pub(crate) fn format(&self) -> String {
        match self {
            CType::Duration => "duration".into(),
            CType::Error => "!error!".into(),
            CType::Null => "null".into(),
            CType::Timestamp => "timestamp".into(),
            CType::Var(_) | CType::Param(_) => self.type_name(),
            _ => {
                let params = self.params();
                if params.is_empty() {
                    self.type_name()
                } else {
                    let inner: Vec<String> = params.iter().map(CType::format).collect();
                    format!("{}({})", self.type_name(), inner.join(", "))
                }
            }
        }
    }

    /// From a declared type; `Param`s stay parameters until instantiated.
    pub(crate) fn from_type(t: &Type) -> CType {
        match t {
            Type::Dyn => CType::Dyn,
            Type::Null => CType::Null,
            Type::Bool => CType::Bool,
            Type::Int => CType::Int,
            Type::Uint => CType::Uint,
            Type::Double => CType::Double,
            Type::String => CType::String,
            Type::Bytes => CType::Bytes,
            Type::Timestamp => CType::Timestamp,
            Type::Duration => CType::Duration,
            Type::List(e) => CType::list(CType::from_type(e)),
            Type::Map(k, v) => CType::map(CType::from_type(k), CType::from_type(v)),
            Type::Optional(i) => CType::optional(CType::from_type(i)),
            Type::Type(i) if **i == Type::Dyn => CType::TypeOf(None),
            Type::Type(i) => CType::type_of(CType::from_type(i)),
            Type::Opaque(name) => CType::Opaque(name, Vec::new()),
            Type::Object(o) => CType::Object(o.clone()),
            Type::Param(name) => CType::Param(name),
            Type::Error => CType::Error,
        }
    }

    /// To the public type; unbound variables and parameters become `dyn`.
    pub(crate) fn to_type(&self) -> Type {
        match self {
            CType::Dyn | CType::Var(_) | CType::Param(_) => Type::Dyn,
            CType::Error => Type::Error,
            CType::Null => Type::Null,
            CType::Bool => Type::Bool,
            CType::Int => Type::Int,
            CType::Uint => Type::Uint,
            CType::Double => Type::Double,
            CType::String => Type::String,
            CType::Bytes => Type::Bytes,
            CType::Timestamp => Type::Timestamp,
            CType::Duration => Type::Duration,
            CType::List(e) => Type::list(e.to_type()),
            CType::Map(k, v) => Type::map(k.to_type(), v.to_type()),
            CType::Opaque(name, p) if *name == OPTIONAL => {
                Type::optional(p.first().map(CType::to_type).unwrap_or(Type::Dyn))
            }
            CType::Opaque(name, _) => Type::Opaque(name),
            CType::TypeOf(None) => Type::Type(Box::new(Type::Dyn)),
            CType::TypeOf(Some(t)) => Type::Type(Box::new(t.to_type())),
            CType::Object(o) => Type::Object(o.clone()),
        }
    }
}

/// Type-variable bindings with an undo trail, so that a failed assignability
/// test leaves them as they were (cel-go copies its mapping instead; the
/// trail keeps long expressions linear).
#[derive(Debug, Default)]
pub(crate) struct Mapping {
    bound: std::collections::HashMap<String, CType>,
    trail: Vec<(String, Option<CType>)>,
}

impl Mapping {
    fn key(t: &CType) -> Option<String> {
        match t.kind() {
            Kind::TypeParam => Some(t.type_name()),
            _ => None,
        }
    }

    pub(crate) fn find(&self, t: &CType) -> Option<&CType> {
        Self::key(t).and_then(|k| self.bound.get(&k))
    }

    fn add(&mut self, from: &CType, to: CType) {
        if let Some(k) = Self::key(from) {
            let old = self.bound.insert(k.clone(), to);
            self.trail.push((k, old));
        }
    }

    fn mark(&self) -> usize {
        self.trail.len()
    }

    fn rollback(&mut self, mark: usize) {
        while self.trail.len() > mark {
            if let Some((k, old)) = self.trail.pop() {
                match old {
                    Some(v) => {
                        self.bound.insert(k, v);
                    }
                    None => {
                        self.bound.remove(&k);
                    }
                }
            }
        }
    }

    /// cel-go's `isAssignable`: whether `t1` and `t2` unify, keeping the
    /// bindings made only when they do.
    pub(crate) fn is_assignable(&mut self, t1: &CType, t2: &CType) -> bool {
        let mark = self.mark();
        let ok = self.internal_is_assignable(t1, t2, 0);
        if !ok {
            self.rollback(mark);
        }
        ok
    }

    /// cel-go's `isAssignableList`.
    pub(crate) fn is_assignable_list(&mut self, l1: &[CType], l2: &[CType]) -> bool {
        let mark = self.mark();
        let ok = self.internal_is_assignable_list(l1, l2, 0);
        if !ok {
            self.rollback(mark);
        }
        ok
    }

    fn internal_is_assignable_list(&mut self, l1: &[CType], l2: &[CType], depth: usize) -> bool {
        l1.len() == l2.len()
            && l1
                .iter()
                .zip(l2.iter())
                .all(|(a, b)| self.internal_is_assignable(a, b, depth + 1))
    }

    fn internal_is_assignable(&mut self, t1: &CType, t2: &CType, depth: usize) -> bool {
        // Type terms are as deep as the expression that built them, which
        // the parser bounds; this guards against a binding cycle all the same.
        if depth > MAX_DEPTH {
            return false;
        }
        let (kind1, kind2) = (t1.kind(), t2.kind());
        if kind2 == Kind::TypeParam {
            let (valid, has_sub) = self.is_valid_type_substitution(t1, t2, depth);
            if valid {
                return true;
            }
            if has_sub {
                return false;
            }
        }
        if kind1 == Kind::TypeParam {
            return self.is_valid_type_substitution(t2, t1, depth).0;
        }
        if t1.is_dyn_or_error() || t2.is_dyn_or_error() {
            return true;
        }
        if kind1 == Kind::Null {
            return is_assignable_null(t2);
        }
        if kind2 == Kind::Null {
            return is_assignable_null(t1);
        }
        match kind1 {
            Kind::Bool
            | Kind::Bytes
            | Kind::Double
            | Kind::Int
            | Kind::String
            | Kind::Uint
            | Kind::Duration
            | Kind::Timestamp
            | Kind::Struct => t2.is_assignable_type(t1),
            Kind::Type => kind2 == Kind::Type,
            Kind::Opaque | Kind::List | Kind::Map => {
                kind1 == kind2
                    && t1.type_name() == t2.type_name()
                    && self.internal_is_assignable_list(&t1.params(), &t2.params(), depth)
            }
            _ => false,
        }
    }

    /// cel-go's `isValidTypeSubstitution`: whether `t2` (a type parameter,
    /// or what it is bound to) can stand for `t1`, and whether `t2` was
    /// already bound.
    fn is_valid_type_substitution(&mut self, t1: &CType, t2: &CType, depth: usize) -> (bool, bool) {
        if t1.kind() == t2.kind() && t1.is_exact(t2) {
            return (true, true);
        }
        if let Some(t2_sub) = self.find(t2).cloned() {
            if t1.kind() == t2_sub.kind() && t1.is_exact(&t2_sub) {
                return (true, true);
            }
            if self.internal_is_assignable(t1, &t2_sub, depth + 1) {
                let t2_new = most_general(t1, &t2_sub);
                if self.not_referenced_in(t2, &t2_new, 0) {
                    self.add(t2, t2_new);
                }
                return (true, true);
            }
            return (false, true);
        }
        if self.not_referenced_in(t2, t1, 0) {
            self.add(t2, t1.clone());
            return (true, false);
        }
        (false, false)
    }

    /// The occurs check.
    fn not_referenced_in(&self, t: &CType, within: &CType, depth: usize) -> bool {
        if depth > MAX_DEPTH || t.is_exact(within) {
            return false;
        }
        match within.kind() {
            Kind::TypeParam => match self.find(within) {
                None => true,
                Some(sub) => self.not_referenced_in(t, sub, depth + 1),
            },
            Kind::Opaque | Kind::List | Kind::Map | Kind::Type => within
                .params()
                .iter()
                .all(|p| self.not_referenced_in(t, p, depth + 1)),
            _ => true,
        }
    }

    /// cel-go's `substitute`: bound parameters replaced, recursively;
    /// unbound ones become `dyn` when `to_dyn`.
    pub(crate) fn substitute(&self, t: &CType, to_dyn: bool) -> CType {
        self.substitute_at(t, to_dyn, 0)
    }

    fn substitute_at(&self, t: &CType, to_dyn: bool, depth: usize) -> CType {
        if depth > MAX_DEPTH {
            return CType::Dyn;
        }
        if let Some(sub) = self.find(t) {
            return self.substitute_at(sub, to_dyn, depth + 1);
        }
        match t {
            CType::Var(_) | CType::Param(_) if to_dyn => CType::Dyn,
            CType::Opaque(name, p) => CType::Opaque(
                name,
                p.iter()
                    .map(|x| self.substitute_at(x, to_dyn, depth + 1))
                    .collect(),
            ),
            CType::List(e) => CType::list(self.substitute_at(e, to_dyn, depth + 1)),
            CType::Map(k, v) => CType::map(
                self.substitute_at(k, to_dyn, depth + 1),
                self.substitute_at(v, to_dyn, depth + 1),
            ),
            CType::TypeOf(Some(p)) => CType::type_of(self.substitute_at(p, to_dyn, depth + 1)),
            other => other.clone(),
        }
    }
}

/// Deeper than any type the parser's nesting limit lets an expression build.
const MAX_DEPTH: usize = 512;

fn is_assignable_null(t: &CType) -> bool {
    matches!(
        t.kind(),
        Kind::Opaque | Kind::Struct | Kind::Duration | Kind::Timestamp
    ) || t.is_assignable_type(&CType::Null)
}

/// cel-go's `isEqualOrLessSpecific`.
fn is_equal_or_less_specific(t1: &CType, t2: &CType) -> bool {
    let (k1, k2) = (t1.kind(), t2.kind());
    if t1.is_dyn() || k1 == Kind::TypeParam {
        return true;
    }
    if t2.is_dyn() || k2 == Kind::TypeParam {
        return false;
    }
    if k1 != k2 {
        return false;
    }
    match k1 {
        Kind::Opaque => {
            let (p1, p2) = (t1.params(), t2.params());
            t1.type_name() == t2.type_name()
                && p1.len() == p2.len()
                && p1
                    .iter()
                    .zip(p2.iter())
                    .all(|(a, b)| is_equal_or_less_specific(a, b))
        }
        Kind::List | Kind::Map => t1
            .params()
            .iter()
            .zip(t2.params().iter())
            .all(|(a, b)| is_equal_or_less_specific(a, b)),
        Kind::Type => true,
        _ => t1.is_exact(t2),
    }
}

/// cel-go's `mostGeneral`, for two types known to unify.
pub(crate) fn most_general(t1: &CType, t2: &CType) -> CType {
    if is_equal_or_less_specific(t1, t2) {
        t1.clone()
    } else {
        t2.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_format_as_cel_go_checker_messages_spell_them() {
        assert_eq!(CType::list(CType::String).format(), "list(string)");
        assert_eq!(
            CType::map(CType::String, CType::Dyn).format(),
            "map(string, dyn)"
        );
        assert_eq!(CType::optional(CType::Int).format(), "optional_type(int)");
        assert_eq!(CType::Null.format(), "null");
        assert_eq!(CType::Timestamp.format(), "timestamp");
        assert_eq!(CType::TypeOf(None).format(), "type");
        assert_eq!(CType::type_of(CType::Int).format(), "type(int)");
    }

    #[test]
    fn a_type_variable_binds_to_the_first_type_it_meets_and_then_refuses_others() {
        let mut m = Mapping::default();
        assert!(m.is_assignable(&CType::Var(0), &CType::Int));
        assert!(!m.is_assignable(&CType::Var(0), &CType::String));
        assert_eq!(m.substitute(&CType::Var(0), true), CType::Int);
        assert_eq!(m.substitute(&CType::Var(1), true), CType::Dyn);
    }

    #[test]
    fn null_is_assignable_to_opaque_and_timestamps_but_not_to_strings() {
        let mut m = Mapping::default();
        assert!(m.is_assignable(&CType::Null, &CType::Timestamp));
        assert!(m.is_assignable(&CType::optional(CType::Int), &CType::Null));
        assert!(!m.is_assignable(&CType::Null, &CType::String));
    }

    #[test]
    fn a_failed_unification_leaves_no_binding_behind() {
        let mut m = Mapping::default();
        let l = [CType::Var(0), CType::Var(0)];
        assert!(!m.is_assignable_list(&[CType::Int, CType::String], &l));
        assert!(m.find(&CType::Var(0)).is_none());
    }
}
