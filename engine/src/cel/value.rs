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
    /// Borrowed from the bound document or the expression.
    Borrowed(&'a str),
    /// Built during evaluation.
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
    /// `null`.
    Null,
    /// A `bool`.
    Bool(bool),
    /// An `int`.
    Int(i64),
    /// A `uint`.
    Uint(u64),
    /// A `double`.
    Double(f64),
    /// A `string`.
    String(Str<'a>),
    /// A `bytes` value.
    Bytes(Rc<[u8]>),
    /// A `google.protobuf.Timestamp`.
    Timestamp(Timestamp),
    /// A `google.protobuf.Duration`.
    Duration(Duration),
    /// An object or array of a bound JSON document, borrowed; elements are
    /// converted on access with the activation's [`NumberMode`].
    Json(&'a serde_json::Value),
    /// A list built during evaluation.
    List(Rc<Vec<Val<'a>>>),
    /// A map built during evaluation.
    Map(Rc<MapVal<'a>>),
    /// An `optional_type`: `None` is `optional.none()`.
    Optional(Option<Rc<Val<'a>>>),
    /// A type value (`type(1)` is `int`).
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
    /// A `bool` key.
    Bool(bool),
    /// An `int`, `uint` or integral `double` key.
    Num(i128),
    /// A `string` key.
    Str(String),
}

/// A CEL map built by an expression (map literals, `transformMap`, ...).
/// Keeps insertion order for iteration.
#[derive(Debug, Clone, Default)]
pub struct MapVal<'a> {
    entries: Vec<(Val<'a>, Val<'a>)>,
    /// Key → position, built once the map outgrows [`LINEAR_MAX`]: small
    /// maps (most of them) are scanned, which needs no hashing and no
    /// owned copy of the key.
    index: HashMap<KeyNorm, usize>,
}

/// The size up to which a map is searched by scanning its entries.
const LINEAR_MAX: usize = 16;

/// A map key as a lookup sees it, borrowed: [`KeyNorm`] without the copy.
#[derive(Clone, Copy)]
enum KeyRef<'k> {
    Bool(bool),
    Num(i128),
    Str(&'k str),
}

impl KeyRef<'_> {
    /// The key `k` is stored under, `None` when `k` cannot be a key.
    fn of<'k>(k: &'k Val<'_>) -> Option<KeyRef<'k>> {
        match k {
            Val::Bool(b) => Some(KeyRef::Bool(*b)),
            Val::Int(i) => Some(KeyRef::Num(i128::from(*i))),
            Val::Uint(u) => Some(KeyRef::Num(i128::from(*u))),
            Val::String(s) => Some(KeyRef::Str(s.as_str())),
            _ => None,
        }
    }

    /// The key a lookup with `k` finds: doubles with an integral value
    /// find int and uint keys (cel-go's heterogeneous lookup).
    fn lookup<'k>(k: &'k Val<'_>) -> Option<KeyRef<'k>> {
        match k {
            Val::Double(d) if d.fract() == 0.0 && d.abs() < 1.8e19 => Some(KeyRef::Num(*d as i128)),
            other => KeyRef::of(other),
        }
    }

    fn from_norm(k: &KeyNorm) -> KeyRef<'_> {
        match k {
            KeyNorm::Bool(b) => KeyRef::Bool(*b),
            KeyNorm::Num(n) => KeyRef::Num(*n),
            KeyNorm::Str(s) => KeyRef::Str(s),
        }
    }

    fn to_norm(self) -> KeyNorm {
        match self {
            KeyRef::Bool(b) => KeyNorm::Bool(b),
            KeyRef::Num(n) => KeyNorm::Num(n),
            KeyRef::Str(s) => KeyNorm::Str(s.to_owned()),
        }
    }

    /// Whether the stored key `k` is this key.
    fn is(self, k: &Val<'_>) -> bool {
        match (self, KeyRef::of(k)) {
            (KeyRef::Bool(a), Some(KeyRef::Bool(b))) => a == b,
            (KeyRef::Num(a), Some(KeyRef::Num(b))) => a == b,
            (KeyRef::Str(a), Some(KeyRef::Str(b))) => a == b,
            _ => false,
        }
    }
}

impl<'a> MapVal<'a> {
    /// An empty map.
    pub fn new() -> Self {
        MapVal::default()
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        MapVal {
            entries: Vec::with_capacity(n),
            index: HashMap::new(),
        }
    }

    /// The normalised form of a key, `None` when the value cannot be a key.
    pub fn key_norm(k: &Val<'_>) -> Option<KeyNorm> {
        KeyRef::of(k).map(KeyRef::to_norm)
    }

    fn position(&self, k: KeyRef<'_>) -> Option<usize> {
        if self.entries.len() <= LINEAR_MAX {
            self.entries.iter().position(|(stored, _)| k.is(stored))
        } else {
            self.index.get(&k.to_norm()).copied()
        }
    }

    /// Inserts `k: v`; `Ok(false)` when the key was already there (the map is
    /// unchanged), `Err` when `k` cannot be a map key.
    pub fn insert(&mut self, k: Val<'a>, v: Val<'a>) -> Result<bool, Val<'a>> {
        let Some(key) = KeyRef::of(&k) else {
            return Err(k);
        };
        if self.position(key).is_some() {
            return Ok(false);
        }
        let n = self.entries.len();
        if n > LINEAR_MAX {
            self.index.insert(key.to_norm(), n);
        } else if n == LINEAR_MAX {
            // Outgrowing the scan: index every entry, this one included.
            self.index = self
                .entries
                .iter()
                .enumerate()
                .filter_map(|(i, (stored, _))| MapVal::key_norm(stored).map(|k| (k, i)))
                .collect();
            self.index.insert(key.to_norm(), n);
        }
        self.entries.push((k, v));
        Ok(true)
    }

    /// The value under the normalised key.
    pub fn get_norm(&self, k: &KeyNorm) -> Option<&Val<'a>> {
        self.position(KeyRef::from_norm(k))
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The value a lookup with `key` finds (heterogeneous numeric keys as
    /// [`lookup_key`]); `None` when absent or when `key` cannot be a key.
    pub fn get(&self, key: &Val<'_>) -> Option<&Val<'a>> {
        self.position(KeyRef::lookup(key)?)
            .and_then(|i| self.entries.get(i))
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

/// Container access shared by the evaluator and the libraries.
impl<'a> Val<'a> {
    /// The size of a list, `None` when not a list.
    pub fn list_len(&self) -> Option<usize> {
        match self {
            Val::List(l) => Some(l.len()),
            Val::Json(serde_json::Value::Array(a)) => Some(a.len()),
            _ => None,
        }
    }

    /// Element `i` of a list (converted with `mode` when it comes from a document).
    pub fn list_get(&self, i: usize, mode: NumberMode) -> Option<Val<'a>> {
        match self {
            Val::List(l) => l.get(i).cloned(),
            Val::Json(serde_json::Value::Array(a)) => a.get(i).map(|v| Val::from_json(v, mode)),
            _ => None,
        }
    }

    /// The elements of a list, `None` when not a list.
    pub fn list_items(&self, mode: NumberMode) -> Option<Vec<Val<'a>>> {
        match self {
            Val::List(l) => Some(l.as_ref().clone()),
            Val::Json(serde_json::Value::Array(a)) => {
                Some(a.iter().map(|v| Val::from_json(v, mode)).collect())
            }
            _ => None,
        }
    }

    /// Whether the value is a map.
    pub fn is_map(&self) -> bool {
        matches!(self, Val::Map(_) | Val::Json(serde_json::Value::Object(_)))
    }

    /// The number of entries of a map, `None` when not a map.
    pub fn map_len(&self) -> Option<usize> {
        match self {
            Val::Map(m) => Some(m.len()),
            Val::Json(serde_json::Value::Object(o)) => Some(o.len()),
            _ => None,
        }
    }

    /// The value under `key` in a map: `Ok(None)` when absent, `Err(())`
    /// when `self` is not a map.
    #[allow(clippy::result_unit_err)]
    pub fn map_get(&self, key: &Val<'_>, mode: NumberMode) -> Result<Option<Val<'a>>, ()> {
        match self {
            Val::Map(m) => Ok(m.get(key).cloned()),
            Val::Json(serde_json::Value::Object(o)) => Ok(match key {
                Val::String(s) => o.get(s.as_str()).map(|v| Val::from_json(v, mode)),
                _ => None,
            }),
            _ => Err(()),
        }
    }

    /// The keys of a map, in iteration order; `None` when not a map.
    pub fn map_keys(&self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::Map(m) => Some(m.entries().iter().map(|(k, _)| k.clone()).collect()),
            Val::Json(serde_json::Value::Object(o)) => Some(
                o.keys()
                    .map(|k| Val::String(Str::Borrowed(k.as_str())))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The entries of a map, in iteration order; `None` when not a map.
    pub fn map_entries(&self, mode: NumberMode) -> Option<Vec<(Val<'a>, Val<'a>)>> {
        match self {
            Val::Map(m) => Some(m.entries().to_vec()),
            Val::Json(serde_json::Value::Object(o)) => Some(
                o.iter()
                    .map(|(k, v)| {
                        (
                            Val::String(Str::Borrowed(k.as_str())),
                            Val::from_json(v, mode),
                        )
                    })
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::String(s) => Some(s.as_str()),
            _ => None,
        }
    }
}

/// The normalised key a value looks up in a map: doubles with an integral
/// value find int and uint keys (cel-go's heterogeneous lookup).
pub fn lookup_key(k: &Val<'_>) -> Option<KeyNorm> {
    KeyRef::lookup(k).map(KeyRef::to_norm)
}

/// CEL equality (heterogeneous numbers, deep lists and maps). Values of
/// different kinds are unequal, never an error.
pub fn equals(a: &Val<'_>, b: &Val<'_>) -> bool {
    use serde_json::Value as J;
    const M: NumberMode = NumberMode::Exact;
    match (a, b) {
        (Val::Json(J::Array(_)) | Val::List(_), Val::Json(J::Array(_)) | Val::List(_)) => {
            let (Some(n), Some(m)) = (a.list_len(), b.list_len()) else {
                return false;
            };
            n == m
                && (0..n).all(|i| match (a.list_get(i, M), b.list_get(i, M)) {
                    (Some(x), Some(y)) => equals(&x, &y),
                    _ => false,
                })
        }
        (Val::Json(J::Object(_)) | Val::Map(_), Val::Json(J::Object(_)) | Val::Map(_)) => {
            if a.map_len() != b.map_len() {
                return false;
            }
            let Some(entries) = a.map_entries(M) else {
                return false;
            };
            entries.iter().all(|(k, v)| match b.map_get(k, M) {
                Ok(Some(w)) => equals(v, &w),
                _ => false,
            })
        }
        (Val::Json(x), y) | (y, Val::Json(x)) if !matches!(x, J::Array(_) | J::Object(_)) => {
            equals(&Val::from_json(x, M), y)
        }
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::String(x), Val::String(y)) => x == y,
        (Val::Bytes(x), Val::Bytes(y)) => x == y,
        (Val::Timestamp(x), Val::Timestamp(y)) => x == y,
        (Val::Duration(x), Val::Duration(y)) => x == y,
        (Val::Type(x), Val::Type(y)) => x.runtime_name() == y.runtime_name(),
        (Val::Optional(x), Val::Optional(y)) => match (x, y) {
            (None, None) => true,
            (Some(x), Some(y)) => equals(x, y),
            _ => false,
        },
        (Val::Opaque(x), Val::Opaque(y)) => x.equals(y.as_ref()),
        _ => match (numeric(a), numeric(b)) {
            (Some(x), Some(y)) => num_cmp(x, y) == Some(std::cmp::Ordering::Equal),
            _ => false,
        },
    }
}

/// A number of any CEL numeric type.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    /// An `int`.
    I(i64),
    /// A `uint`.
    U(u64),
    /// A `double`.
    D(f64),
}

/// The value as a number, when it is one.
pub fn numeric(v: &Val<'_>) -> Option<Num> {
    match v {
        Val::Int(i) => Some(Num::I(*i)),
        Val::Uint(u) => Some(Num::U(*u)),
        Val::Double(d) => Some(Num::D(*d)),
        _ => None,
    }
}

/// Cross-type numeric ordering (CrossTypeNumericComparisons), as cel-go
/// compares: a double against an int or uint converts the integer to a
/// double once the double is within the integer type's range. `None` with NaN.
pub fn num_cmp(a: Num, b: Num) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    fn dbl_int(d: f64, i: i64) -> Option<Ordering> {
        if d.is_nan() {
            return None;
        }
        if d < (i64::MIN as f64) {
            return Some(Ordering::Less);
        }
        if d > (i64::MAX as f64) {
            return Some(Ordering::Greater);
        }
        d.partial_cmp(&(i as f64))
    }
    fn dbl_uint(d: f64, u: u64) -> Option<Ordering> {
        if d.is_nan() {
            return None;
        }
        if d < 0.0 {
            return Some(Ordering::Less);
        }
        if d > (u64::MAX as f64) {
            return Some(Ordering::Greater);
        }
        d.partial_cmp(&(u as f64))
    }
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        (Num::U(x), Num::U(y)) => Some(x.cmp(&y)),
        (Num::I(x), Num::U(y)) => Some(i128::from(x).cmp(&i128::from(y))),
        (Num::U(x), Num::I(y)) => Some(i128::from(x).cmp(&i128::from(y))),
        (Num::D(x), Num::D(y)) => x.partial_cmp(&y),
        (Num::D(x), Num::I(y)) => dbl_int(x, y),
        (Num::D(x), Num::U(y)) => dbl_uint(x, y),
        (Num::I(x), Num::D(y)) => dbl_int(y, x).map(Ordering::reverse),
        (Num::U(x), Num::D(y)) => dbl_uint(y, x).map(Ordering::reverse),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn s(k: &str) -> Val<'static> {
        Val::string(k)
    }

    /// Maps are scanned up to `LINEAR_MAX` entries and indexed beyond:
    /// both must find every key, refuse duplicates and do cel-go's
    /// heterogeneous numeric lookup.
    #[test]
    fn map_lookups_agree_below_and_above_the_scan_threshold() {
        for n in [
            1,
            LINEAR_MAX - 1,
            LINEAR_MAX,
            LINEAR_MAX + 1,
            3 * LINEAR_MAX,
        ] {
            let mut m = MapVal::new();
            for i in 0..n {
                assert_eq!(
                    m.insert(s(&format!("k{i}")), Val::Int(i as i64)).ok(),
                    Some(true)
                );
            }
            assert_eq!(m.insert(Val::Int(7), s("seven")).ok(), Some(true));
            assert_eq!(m.insert(Val::Bool(true), s("yes")).ok(), Some(true));
            for i in 0..n {
                let key = s(&format!("k{i}"));
                assert!(
                    matches!(m.get(&key), Some(Val::Int(v)) if *v == i as i64),
                    "n={n} i={i}"
                );
                assert_eq!(m.insert(key, Val::Null).ok(), Some(false), "n={n} i={i}");
            }
            // 7u and 7.0 find the int key 7; 7.5 finds nothing.
            assert!(m.get(&Val::Uint(7)).is_some(), "n={n}");
            assert!(m.get(&Val::Double(7.0)).is_some(), "n={n}");
            assert!(m.get(&Val::Double(7.5)).is_none(), "n={n}");
            assert_eq!(m.insert(Val::Uint(7), Val::Null).ok(), Some(false), "n={n}");
            assert!(m.get(&Val::Bool(true)).is_some(), "n={n}");
            assert!(m.get(&Val::Bool(false)).is_none(), "n={n}");
            assert!(m.get(&s("missing")).is_none(), "n={n}");
            assert!(m.insert(Val::Double(1.0), Val::Null).is_err(), "n={n}");
            assert_eq!(m.len(), n + 2);
            // Insertion order is kept.
            assert!(matches!(&m.entries()[0].0, Val::String(k) if k.as_str() == "k0"));
            let norm = MapVal::key_norm(&s("k0")).unwrap();
            assert!(m.get_norm(&norm).is_some(), "n={n}");
        }
    }
}
