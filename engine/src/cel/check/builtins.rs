//! What the checker resolves names against besides the registry's
//! overloads: the signatures of the operators the evaluator implements as
//! special forms (used when the registry does not declare them), and the
//! type identifiers (`int`, `list`, `google.protobuf.Timestamp`, library
//! types, declared object types).

use std::sync::Arc;

use super::checker::Sig;
use super::ctype::CType;
use crate::cel::types::{ObjectType, Type};
use crate::cel::Env;

pub(crate) const LOGICAL_AND: &str = "_&&_";
pub(crate) const LOGICAL_OR: &str = "_||_";
pub(crate) const OPT_SELECT: &str = "_?._";

/// The overloads of function `name`: the registry's, else the built-in
/// signature of a special form; `None` when nothing has that name.
pub(crate) fn signatures(env: &Env, name: &str) -> Option<Vec<Sig>> {
    let name = name.strip_prefix('.').unwrap_or(name);
    let declared = env.registry().functions(name);
    if !declared.is_empty() {
        return Some(
            declared
                .iter()
                .map(|o| Sig {
                    member: o.member,
                    params: o.params.iter().map(CType::from_type).collect(),
                    result: CType::from_type(&o.result),
                })
                .collect(),
        );
    }
    special_form(name)
}

fn global(params: Vec<CType>, result: CType) -> Sig {
    Sig {
        member: false,
        params,
        result,
    }
}

/// cel-go's standard declarations of the operators that evaluators treat
/// specially (logic, the conditional, equality, indexing, `in`).
fn special_form(name: &str) -> Option<Vec<Sig>> {
    let a = || CType::Param("A");
    let b = || CType::Param("B");
    Some(match name {
        "_?_:_" => vec![global(vec![CType::Bool, a(), a()], a())],
        LOGICAL_AND | LOGICAL_OR => vec![global(vec![CType::Bool, CType::Bool], CType::Bool)],
        "!_" | "@not_strictly_false" | "__not_strictly_false__" => {
            vec![global(vec![CType::Bool], CType::Bool)]
        }
        "_==_" | "_!=_" => vec![global(vec![a(), a()], CType::Bool)],
        "_[_]" => vec![
            global(vec![CType::list(a()), CType::Int], a()),
            global(vec![CType::map(a(), b()), a()], b()),
        ],
        // cel-go's optional library also indexes optional lists and maps
        // (`x.?labels[?'k']`): `optional_list_optindex_optional_int`,
        // `optional_map_optindex_optional_value`.
        "_[?_]" => vec![
            global(vec![CType::list(a()), CType::Int], CType::optional(a())),
            global(vec![CType::map(a(), b()), a()], CType::optional(b())),
            global(
                vec![CType::optional(CType::list(a())), CType::Int],
                CType::optional(a()),
            ),
            global(
                vec![CType::optional(CType::map(a(), b())), a()],
                CType::optional(b()),
            ),
        ],
        "@in" => vec![
            global(vec![a(), CType::list(a())], CType::Bool),
            global(vec![a(), CType::map(a(), b())], CType::Bool),
        ],
        "__orValueCompat__" => vec![global(vec![CType::Dyn, CType::Dyn], CType::Dyn)],
        _ => return None,
    })
}

/// The type a type identifier denotes, as `type(T)`.
pub(crate) fn type_ident(env: &Env, name: &str) -> Option<CType> {
    let t = match name {
        "bool" => CType::Bool,
        "bytes" => CType::Bytes,
        "double" => CType::Double,
        "google.protobuf.Duration" => CType::Duration,
        "int" => CType::Int,
        "list" => CType::list(CType::Param("A")),
        "map" => CType::map(CType::Param("A"), CType::Param("B")),
        "null_type" => CType::Null,
        "string" => CType::String,
        "google.protobuf.Timestamp" => CType::Timestamp,
        "type" => CType::TypeOf(None),
        "uint" => CType::Uint,
        "optional_type" => CType::optional(CType::Param("T")),
        other => {
            if let Some(found) = env.registry().types().iter().find(|t| **t == other) {
                CType::Opaque(found, Vec::new())
            } else if let Some(o) = object_type(env, other) {
                CType::Object(o)
            } else {
                return None;
            }
        }
    };
    Some(CType::type_of(t))
}

/// A declared object type by its qualified name: one that a declared
/// variable has, or that one of its fields has.
pub(crate) fn object_type(env: &Env, name: &str) -> Option<Arc<ObjectType>> {
    fn search(t: &Type, name: &str, depth: usize) -> Option<Arc<ObjectType>> {
        if depth > 8 {
            return None;
        }
        match t {
            Type::Object(o) if o.name == name => Some(Arc::clone(o)),
            Type::Object(o) => o.fields.values().find_map(|f| search(f, name, depth + 1)),
            Type::List(e) | Type::Optional(e) => search(e, name, depth + 1),
            Type::Map(k, v) => search(k, name, depth + 1).or_else(|| search(v, name, depth + 1)),
            _ => None,
        }
    }
    env.variables().values().find_map(|t| search(t, name, 0))
}
