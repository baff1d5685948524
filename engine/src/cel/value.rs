//! CEL values. Values borrow the bound JSON documents: nothing is converted
//! until an expression touches it, and containers of the document stay views
//! ([`Val::Json`]).

use super::types::Type;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

/// A CEL timestamp: an instant, always held in UTC (time zones only matter
/// to the getters and to formatting).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// A CEL duration (nanosecond precision).
pub type Duration = chrono::TimeDelta;

/// How the numbers of a bound JSON document become CEL numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberMode {
    /// Every number is a double: what `kyverno test`/`apply` do to resources
    /// (they round-trip them through `map[string]interface{}` with float64).
    #[default]
    Doubles,
    /// An integer is an `int` when it fits i64, else a `uint`, else a double.
    Exact,
}

/// A string value: borrowed from the document or the expression, or owned.
/// Cloning is cheap either way.
#[derive(Clone)]
pub enum Str<'a> {
    Borrowed(&'a str),
    Owned(Rc<str>),
}

impl<'a> Str<'a> {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            Str::Owned(s) => s,
        }
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl From<String> for Str<'_> {
    fn from(s: String) -> Self {
        Str::Owned(Rc::from(s))
    }
}

impl<'a> From<&'a str> for Str<'a> {
    fn from(s: &'a str) -> Self {
        Str::Borrowed(s)
    }
}

/// A library value: quantity, ip, cidr, url, semver, image reference, format,
/// resource/http handles…
pub trait Opaque: fmt::Debug {
    /// The CEL type name, e.g. `kubernetes.Quantity` (what `type()` returns).
    fn type_name(&self) -> &'static str;
    /// CEL equality with another opaque value (of any type).
    fn equals(&self, other: &dyn Opaque) -> bool;
    /// For downcasting in the library's own functions.
    fn as_any(&self) -> &dyn std::any::Any;
    /// The JSON form, when the value has one (Kyverno's CEL→JSON).
    fn to_json(&self) -> Option<serde_json::Value> {
        None
    }
}

/// A CEL value.
#[derive(Clone, Debug)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    String(Str<'a>),
    Bytes(Rc<[u8]>),
    Timestamp(Timestamp),
    Duration(Duration),
    /// An object or array of a bound JSON document, borrowed; elements are
    /// converted on access with the activation's [`NumberMode`].
    Json(&'a serde_json::Value),
    List(Rc<Vec<Val<'a>>>),
    Map(Rc<MapVal<'a>>),
    Optional(Option<Rc<Val<'a>>>),
    Type(Type),
    /// A library value (quantity, ip, cidr, url, semver, image reference, format, resource/http handles…).
    Opaque(Rc<dyn Opaque>),
}

impl<'a> Val<'a> {
    /// A document value: scalars are converted (numbers per `mode`), objects
    /// and arrays stay borrowed views.
    pub fn from_json(v: &'a serde_json::Value, mode: NumberMode) -> Val<'a> {
        use serde_json::Value as J;
        match v {
            J::Null => Val::Null,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => match mode {
                NumberMode::Doubles => Val::Double(n.as_f64().unwrap_or(f64::NAN)),
                NumberMode::Exact => {
                    if let Some(i) = n.as_i64() {
                        Val::Int(i)
                    } else if let Some(u) = n.as_u64() {
                        Val::Uint(u)
                    } else {
                        Val::Double(n.as_f64().unwrap_or(f64::NAN))
                    }
                }
            },
            J::String(s) => Val::String(Str::Borrowed(s)),
            J::Array(_) | J::Object(_) => Val::Json(v),
        }
    }

    /// A string value owning its text.
    pub fn string(s: impl Into<String>) -> Val<'a> {
        Val::String(Str::from(s.into()))
    }

    /// A list value.
    pub fn list(items: Vec<Val<'a>>) -> Val<'a> {
        Val::List(Rc::new(items))
    }

    /// The value's runtime type, as `type(x)` returns it (parameters are
    /// not tracked at run time: `list(dyn)`, `map(dyn, dyn)`).
    pub fn type_of(&self) -> Type {
        use serde_json::Value as J;
        match self {
            Val::Null => Type::Null,
            Val::Bool(_) => Type::Bool,
            Val::Int(_) => Type::Int,
            Val::Uint(_) => Type::Uint,
            Val::Double(_) => Type::Double,
            Val::String(_) => Type::String,
            Val::Bytes(_) => Type::Bytes,
            Val::Timestamp(_) => Type::Timestamp,
            Val::Duration(_) => Type::Duration,
            Val::Json(J::Array(_)) | Val::List(_) => Type::list(Type::Dyn),
            Val::Json(_) | Val::Map(_) => Type::map(Type::Dyn, Type::Dyn),
            Val::Optional(_) => Type::optional(Type::Dyn),
            Val::Type(t) => Type::Type(Box::new(t.clone())),
            Val::Opaque(o) => Type::Opaque(o.type_name()),
        }
    }

    /// The type name cel-go prints in "no matching overload" errors.
    pub fn type_name(&self) -> String {
        self.type_of().runtime_name()
    }
}

/// A map key, normalised so that numerically equal keys of different
/// numeric types find each other (cel-go's heterogeneous key lookup).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyNorm {
    Bool(bool),
    Num(i128),
    Str(String),
}

/// A CEL map built by an expression (map literals, `transformMap`, ...).
/// Keeps insertion order for iteration.
#[derive(Debug, Clone, Default)]
pub struct MapVal<'a> {
    entries: Vec<(Val<'a>, Val<'a>)>,
    index: HashMap<KeyNorm, usize>,
}

impl<'a> MapVal<'a> {
    /// An empty map.
    pub fn new() -> Self {
        MapVal::default()
    }

    /// The normalised form of a key, `None` when the value cannot be a key.
    pub fn key_norm(k: &Val<'_>) -> Option<KeyNorm> {
        match k {
            Val::Bool(b) => Some(KeyNorm::Bool(*b)),
            Val::Int(i) => Some(KeyNorm::Num(i128::from(*i))),
            Val::Uint(u) => Some(KeyNorm::Num(i128::from(*u))),
            Val::String(s) => Some(KeyNorm::Str(s.as_str().to_owned())),
            _ => None,
        }
    }

    /// Inserts `k: v`; `Ok(false)` when the key was already there (the map is
    /// unchanged), `Err` when `k` cannot be a map key.
    pub fn insert(&mut self, k: Val<'a>, v: Val<'a>) -> Result<bool, Val<'a>> {
        let Some(norm) = Self::key_norm(&k) else {
            return Err(k);
        };
        if self.index.contains_key(&norm) {
            return Ok(false);
        }
        self.index.insert(norm, self.entries.len());
        self.entries.push((k, v));
        Ok(true)
    }

    /// The value under the normalised key.
    pub fn get_norm(&self, k: &KeyNorm) -> Option<&Val<'a>> {
        self.index
            .get(k)
            .and_then(|&i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The entries, in insertion order.
    pub fn entries(&self) -> &[(Val<'a>, Val<'a>)] {
        &self.entries
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
