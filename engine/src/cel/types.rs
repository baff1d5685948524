//! CEL types, named as cel-go names them: what `type()` returns, what the
//! checker reasons about, and what overload signatures are written in.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A CEL type. `Display` prints cel-go's spelling (`list(string)`,
/// `map(string, dyn)`, `google.protobuf.Timestamp`, ...), which Kyverno shows
/// in its messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Timestamp,
    Duration,
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    Optional(Box<Type>),
    /// The type of a type value: `type(int)` is `Type(Int)`; plain `type` is `Type(Dyn)`.
    Type(Box<Type>),
    /// A library's opaque type, e.g. "kubernetes.Quantity", "net.IP", "kyverno.image".
    Opaque(&'static str),
    /// A declared object type with known fields (request, namespaceObject, `kyverno.variables`).
    Object(Arc<ObjectType>),
    /// A type parameter in an overload signature (`A` in `list(A).size() -> int`).
    Param(&'static str),
    /// An error type (the checker's; never a value's).
    Error,
}

/// An object type declared with its fields, as Kyverno declares `request`
/// or `namespaceObject` (kyverno-cel.md §7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectType {
    /// The qualified name cel-go prints, e.g. `kyverno.RequestAttributes`.
    pub name: String,
    /// Known fields and their types.
    pub fields: BTreeMap<String, Type>,
}

impl Type {
    /// `list(elem)`.
    pub fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }

    /// `map(key, value)`.
    pub fn map(key: Type, value: Type) -> Type {
        Type::Map(Box::new(key), Box::new(value))
    }

    /// `optional_type(inner)`.
    pub fn optional(inner: Type) -> Type {
        Type::Optional(Box::new(inner))
    }

    /// The name of the type without its parameters, as `type(x)` values
    /// print and compare in cel-go (`list`, `map`, `optional_type`, `int`).
    pub fn runtime_name(&self) -> String {
        match self {
            Type::List(_) => "list".into(),
            Type::Map(..) => "map".into(),
            Type::Optional(_) => "optional_type".into(),
            Type::Type(_) => "type".into(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dyn => f.write_str("dyn"),
            Type::Null => f.write_str("null_type"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Uint => f.write_str("uint"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Bytes => f.write_str("bytes"),
            Type::Timestamp => f.write_str("google.protobuf.Timestamp"),
            Type::Duration => f.write_str("google.protobuf.Duration"),
            Type::List(e) => write!(f, "list({e})"),
            Type::Map(k, v) => write!(f, "map({k}, {v})"),
            Type::Optional(t) => write!(f, "optional_type({t})"),
            Type::Type(t) if **t == Type::Dyn => f.write_str("type"),
            Type::Type(t) => write!(f, "type({t})"),
            Type::Opaque(name) => f.write_str(name),
            Type::Object(o) => f.write_str(&o.name),
            Type::Param(name) => f.write_str(name),
            Type::Error => f.write_str("*error*"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_print_as_cel_go_names_them() {
        assert_eq!(Type::list(Type::String).to_string(), "list(string)");
        assert_eq!(
            Type::map(Type::String, Type::Dyn).to_string(),
            "map(string, dyn)"
        );
        assert_eq!(Type::optional(Type::Int).to_string(), "optional_type(int)");
        assert_eq!(Type::Timestamp.to_string(), "google.protobuf.Timestamp");
        assert_eq!(Type::Null.to_string(), "null_type");
        assert_eq!(Type::Type(Box::new(Type::Dyn)).to_string(), "type");
    }
}
