//! Values flowing through the interpreter.
//!
//! Evaluation borrows the input document: field access, indexing, slices,
//! projections and filters hand out references (`Val::Ref`) or lists of
//! references (`Val::List`); only functions that build new data allocate.
//! `Rc` keeps clones cheap when one input feeds several sub-expressions.

use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    /// Numbers computed by functions. May be NaN/±Inf internally (the fork
    /// is float64 everywhere); they become `null` when materialised.
    Num(f64),
    Str(Rc<str>),
    Ref(&'a Value),
    Own(Rc<Value>),
    List(Rc<Vec<Val<'a>>>),
    Map(Rc<BTreeMap<String, Val<'a>>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }
}

/// A read-only view of either representation, so that comparisons,
/// serialisation and type checks never copy.
#[derive(Debug, Clone, Copy)]
pub(crate) enum VRef<'v, 'a> {
    J(&'v Value),
    V(&'v Val<'a>),
}

impl<'a> Val<'a> {
    pub(crate) fn str(s: &str) -> Self {
        Val::Str(Rc::from(s))
    }

    pub(crate) fn string(s: String) -> Self {
        Val::Str(Rc::from(s))
    }

    pub(crate) fn list(v: Vec<Val<'a>>) -> Self {
        Val::List(Rc::new(v))
    }

    pub(crate) fn view(&self) -> VRef<'_, 'a> {
        VRef::V(self).norm()
    }

    pub(crate) fn kind(&self) -> Kind {
        self.view().kind()
    }

    pub(crate) fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        self.view().as_f64()
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        self.view().as_str()
    }

    pub(crate) fn truthy(&self) -> bool {
        self.view().truthy()
    }

    /// Elements as values of this lifetime: free for borrowed arrays and
    /// lists, a copy of each element for owned JSON.
    pub(crate) fn elements(&self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::Ref(Value::Array(a)) => Some(a.iter().map(Val::Ref).collect()),
            Val::List(l) => Some(l.as_ref().clone()),
            Val::Own(rc) => match rc.as_ref() {
                Value::Array(a) => Some(a.iter().map(|v| Val::Own(Rc::new(v.clone()))).collect()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Like [`Val::elements`] but consumes, avoiding copies of uniquely
    /// owned data.
    pub(crate) fn into_elements(self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::List(l) => Some(Rc::try_unwrap(l).unwrap_or_else(|rc| rc.as_ref().clone())),
            Val::Own(rc) => match Rc::try_unwrap(rc) {
                Ok(Value::Array(a)) => Some(a.into_iter().map(|v| Val::Own(Rc::new(v))).collect()),
                Ok(_) => None,
                Err(rc) => Val::Own(rc).elements(),
            },
            other => other.elements(),
        }
    }

    pub(crate) fn array_len(&self) -> Option<usize> {
        self.view().array_len()
    }

    pub(crate) fn index(&self, i: usize) -> Option<Val<'a>> {
        match self {
            Val::Ref(Value::Array(a)) => a.get(i).map(Val::Ref),
            Val::List(l) => l.get(i).cloned(),
            Val::Own(rc) => match rc.as_ref() {
                Value::Array(a) => a.get(i).map(|v| Val::Own(Rc::new(v.clone()))),
                _ => None,
            },
            _ => None,
        }
    }

    /// `None` if not an object; `Some(None)` if the key is absent.
    pub(crate) fn get_field(self, key: &str) -> Option<Option<Val<'a>>> {
        match self {
            Val::Ref(Value::Object(m)) => Some(m.get(key).map(Val::Ref)),
            Val::Map(m) => Some(match Rc::try_unwrap(m) {
                Ok(mut owned) => owned.remove(key),
                Err(rc) => rc.get(key).cloned(),
            }),
            Val::Own(rc) => match Rc::try_unwrap(rc) {
                Ok(Value::Object(mut m)) => Some(m.remove(key).map(|v| Val::Own(Rc::new(v)))),
                Ok(_) => None,
                Err(rc) => match rc.as_ref() {
                    Value::Object(m) => Some(m.get(key).map(|v| Val::Own(Rc::new(v.clone())))),
                    _ => None,
                },
            },
            _ => None,
        }
    }

    /// Object entries in key order (serde_json and our maps are both
    /// sorted, which gives `keys`/`values`/`*` a deterministic order).
    pub(crate) fn entries(&self) -> Option<Vec<(String, Val<'a>)>> {
        match self {
            Val::Ref(Value::Object(m)) => {
                Some(m.iter().map(|(k, v)| (k.clone(), Val::Ref(v))).collect())
            }
            Val::Map(m) => Some(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            Val::Own(rc) => match rc.as_ref() {
                Value::Object(m) => Some(
                    m.iter()
                        .map(|(k, v)| (k.clone(), Val::Own(Rc::new(v.clone()))))
                        .collect(),
                ),
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn object_values(&self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::Ref(Value::Object(m)) => Some(m.values().map(Val::Ref).collect()),
            Val::Map(m) => Some(m.values().cloned().collect()),
            Val::Own(_) => self
                .entries()
                .map(|e| e.into_iter().map(|(_, v)| v).collect()),
            _ => None,
        }
    }

    pub(crate) fn object_keys(&self) -> Option<Vec<String>> {
        match self {
            Val::Ref(Value::Object(m)) => Some(m.keys().cloned().collect()),
            Val::Map(m) => Some(m.keys().cloned().collect()),
            Val::Own(rc) => match rc.as_ref() {
                Value::Object(m) => Some(m.keys().cloned().collect()),
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        self.view().to_value()
    }

    pub(crate) fn into_value(self) -> Value {
        match self {
            Val::Own(rc) => Rc::try_unwrap(rc).unwrap_or_else(|rc| rc.as_ref().clone()),
            other => other.to_value(),
        }
    }

    pub(crate) fn from_value(v: Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(b),
            Value::String(s) => Val::string(s),
            other => Val::Own(Rc::new(other)),
        }
    }
}

pub(crate) enum Elems<'v, 'a> {
    J(std::slice::Iter<'v, Value>),
    V(std::slice::Iter<'v, Val<'a>>),
}

impl<'v, 'a> Iterator for Elems<'v, 'a> {
    type Item = VRef<'v, 'a>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Elems::J(it) => it.next().map(VRef::J),
            Elems::V(it) => it.next().map(|v| VRef::V(v).norm()),
        }
    }
}

pub(crate) enum Entries<'v, 'a> {
    J(serde_json::map::Iter<'v>),
    V(std::collections::btree_map::Iter<'v, String, Val<'a>>),
}

impl<'v, 'a> Iterator for Entries<'v, 'a> {
    type Item = (&'v str, VRef<'v, 'a>);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Entries::J(it) => it.next().map(|(k, v)| (k.as_str(), VRef::J(v))),
            Entries::V(it) => it.next().map(|(k, v)| (k.as_str(), VRef::V(v).norm())),
        }
    }
}

impl<'v, 'a> VRef<'v, 'a> {
    /// Collapse `V(Ref)`/`V(Own)` to `J` so matches only see one form of
    /// plain JSON.
    pub(crate) fn norm(self) -> Self {
        match self {
            VRef::V(Val::Ref(j)) => VRef::J(j),
            VRef::V(Val::Own(rc)) => VRef::J(rc.as_ref()),
            other => other,
        }
    }

    pub(crate) fn kind(self) -> Kind {
        match self.norm() {
            VRef::J(j) => match j {
                Value::Null => Kind::Null,
                Value::Bool(_) => Kind::Bool,
                Value::Number(_) => Kind::Number,
                Value::String(_) => Kind::String,
                Value::Array(_) => Kind::Array,
                Value::Object(_) => Kind::Object,
            },
            VRef::V(v) => match v {
                Val::Null => Kind::Null,
                Val::Bool(_) => Kind::Bool,
                Val::Num(_) => Kind::Number,
                Val::Str(_) => Kind::String,
                Val::List(_) => Kind::Array,
                Val::Map(_) => Kind::Object,
                // norm() removed these.
                Val::Ref(_) | Val::Own(_) => Kind::Null,
            },
        }
    }

    pub(crate) fn as_f64(self) -> Option<f64> {
        match self.norm() {
            VRef::J(Value::Number(n)) => n.as_f64(),
            VRef::V(Val::Num(n)) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> Option<&'v str> {
        match self.norm() {
            VRef::J(Value::String(s)) => Some(s.as_str()),
            VRef::V(Val::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_bool(self) -> Option<bool> {
        match self.norm() {
            VRef::J(Value::Bool(b)) => Some(*b),
            VRef::V(Val::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn elems(self) -> Option<Elems<'v, 'a>> {
        match self.norm() {
            VRef::J(Value::Array(a)) => Some(Elems::J(a.iter())),
            VRef::V(Val::List(l)) => Some(Elems::V(l.iter())),
            _ => None,
        }
    }

    pub(crate) fn array_len(self) -> Option<usize> {
        match self.norm() {
            VRef::J(Value::Array(a)) => Some(a.len()),
            VRef::V(Val::List(l)) => Some(l.len()),
            _ => None,
        }
    }

    pub(crate) fn entries(self) -> Option<Entries<'v, 'a>> {
        match self.norm() {
            VRef::J(Value::Object(m)) => Some(Entries::J(m.iter())),
            VRef::V(Val::Map(m)) => Some(Entries::V(m.iter())),
            _ => None,
        }
    }

    pub(crate) fn object_len(self) -> Option<usize> {
        match self.norm() {
            VRef::J(Value::Object(m)) => Some(m.len()),
            VRef::V(Val::Map(m)) => Some(m.len()),
            _ => None,
        }
    }

    pub(crate) fn get(self, key: &str) -> Option<Option<VRef<'v, 'a>>> {
        match self.norm() {
            VRef::J(Value::Object(m)) => Some(m.get(key).map(VRef::J)),
            VRef::V(Val::Map(m)) => Some(m.get(key).map(|v| VRef::V(v).norm())),
            _ => None,
        }
    }

    /// JMESPath truthiness: false, null, "", [] and {} are false; numbers
    /// (including 0) are true.
    pub(crate) fn truthy(self) -> bool {
        match self.kind() {
            Kind::Null => false,
            Kind::Bool => self.as_bool().unwrap_or(false),
            Kind::Number => true,
            Kind::String => !self.as_str().unwrap_or("").is_empty(),
            Kind::Array => self.array_len().unwrap_or(0) > 0,
            Kind::Object => self.object_len().unwrap_or(0) > 0,
        }
    }

    pub(crate) fn to_value(self) -> Value {
        match self.norm() {
            VRef::J(j) => j.clone(),
            VRef::V(v) => match v {
                Val::Null => Value::Null,
                Val::Bool(b) => Value::Bool(*b),
                Val::Num(n) => num_value(*n),
                Val::Str(s) => Value::String(s.to_string()),
                Val::List(l) => Value::Array(l.iter().map(|x| VRef::V(x).to_value()).collect()),
                Val::Map(m) => {
                    let mut out = Map::new();
                    for (k, x) in m.iter() {
                        out.insert(k.clone(), VRef::V(x).to_value());
                    }
                    Value::Object(out)
                }
                Val::Ref(_) | Val::Own(_) => Value::Null,
            },
        }
    }
}

/// Number of nodes of `v` as if it were materialised (shared parts counted
/// at every place they appear), counting at most `limit + 1` so that the
/// walk itself stays within the caller's budget. Iterative, because values
/// may be as deep as the data.
pub(crate) fn node_count<'v, 'a>(v: VRef<'v, 'a>, limit: u64) -> u64 {
    // Leaves are counted without being pushed, so the common multi-select
    // of scalars (`[name, image]`) does not allocate.
    fn visit<'v, 'a>(child: VRef<'v, 'a>, stack: &mut Vec<VRef<'v, 'a>>, count: &mut u64) {
        match child {
            VRef::J(Value::Array(_) | Value::Object(_)) | VRef::V(Val::List(_) | Val::Map(_)) => {
                stack.push(child)
            }
            _ => *count += 1,
        }
    }
    let mut count = 0u64;
    let mut stack = Vec::new();
    let mut next = Some(v);
    while let Some(cur) = next.take().or_else(|| stack.pop()) {
        count += 1;
        match cur {
            VRef::J(Value::Array(a)) => a
                .iter()
                .for_each(|x| visit(VRef::J(x), &mut stack, &mut count)),
            VRef::J(Value::Object(m)) => m
                .values()
                .for_each(|x| visit(VRef::J(x), &mut stack, &mut count)),
            VRef::V(Val::List(l)) => l
                .iter()
                .for_each(|x| visit(VRef::V(x).norm(), &mut stack, &mut count)),
            VRef::V(Val::Map(m)) => m
                .values()
                .for_each(|x| visit(VRef::V(x).norm(), &mut stack, &mut count)),
            _ => {}
        }
        if count > limit {
            break;
        }
    }
    count
}

/// A float as a JSON number; non-finite values have no JSON form.
pub(crate) fn num_value(n: f64) -> Value {
    Number::from_f64(n)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Deep equality with numbers compared by value (`1 == 1.0`).
pub(crate) fn equal(a: VRef<'_, '_>, b: VRef<'_, '_>) -> bool {
    let (ka, kb) = (a.kind(), b.kind());
    if ka != kb {
        return false;
    }
    match ka {
        Kind::Null => true,
        Kind::Bool => a.as_bool() == b.as_bool(),
        Kind::Number => match (a.norm(), b.norm()) {
            (VRef::J(Value::Number(x)), VRef::J(Value::Number(y))) => number_eq(x, y),
            _ => a.as_f64() == b.as_f64(),
        },
        Kind::String => a.as_str() == b.as_str(),
        Kind::Array => match (a.elems(), b.elems()) {
            (Some(x), Some(y)) => {
                a.array_len() == b.array_len() && x.zip(y).all(|(p, q)| equal(p, q))
            }
            _ => false,
        },
        Kind::Object => {
            if a.object_len() != b.object_len() {
                return false;
            }
            match a.entries() {
                Some(mut it) => it.all(|(k, v)| match b.get(k) {
                    Some(Some(w)) => equal(v, w),
                    _ => false,
                }),
                None => false,
            }
        }
    }
}

fn number_eq(x: &Number, y: &Number) -> bool {
    if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (x.as_u64(), y.as_u64()) {
        return a == b;
    }
    x.as_f64() == y.as_f64()
}

/// Go `encoding/json` rendering of a float64 (what `to_string` and `{{ }}`
/// embedding print): shortest round-trip digits, plain decimal for
/// 1e-6 <= |x| < 1e21, otherwise `1e+21` / `1e-7`.
pub(crate) fn go_json_float(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let a = f.abs();
    if (1e-6..1e21).contains(&a) {
        format!("{f}")
    } else {
        go_exp(&format!("{f:e}"))
    }
}

/// Rust's `1.5e-7` / `1e21` to Go's `1.5e-07` / `1e+21`, trimmed as Go's
/// JSON encoder does (`e-07` -> `e-7`).
fn go_exp(rust: &str) -> String {
    match rust.split_once('e') {
        Some((m, e)) => {
            if let Some(neg) = e.strip_prefix('-') {
                format!("{m}e-{neg}")
            } else {
                format!("{m}e+{e}")
            }
        }
        None => rust.to_string(),
    }
}

/// Go's `%v` (`%g` with shortest precision) for a float64: exponent form
/// when the decimal exponent is < -4 or >= 6 (`1e+06`, `1.23456789e+08`),
/// with at least two exponent digits.
pub(crate) fn go_fmt_v_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{f:e}");
    let exp: i32 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if !(-4..6).contains(&exp) {
        match sci.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = match e.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', e),
                };
                let digits = if digits.len() < 2 {
                    format!("0{digits}")
                } else {
                    digits.to_string()
                };
                format!("{m}e{sign}{digits}")
            }
            None => sci,
        }
    } else {
        format!("{f}")
    }
}

/// Serialise like Go's `json.Marshal` (sorted keys, HTML-safe escaping,
/// U+2028/2029 escaped); floats via [`go_json_float`]. Gives up (leaving a
/// truncated text longer than `limit`) once `out` exceeds `limit` bytes;
/// callers compare the length with the limit.
pub(crate) fn to_go_json(v: VRef<'_, '_>, out: &mut String, limit: usize) {
    if out.len() > limit {
        return;
    }
    match v.kind() {
        Kind::Null => out.push_str("null"),
        Kind::Bool => out.push_str(if v.as_bool().unwrap_or(false) {
            "true"
        } else {
            "false"
        }),
        Kind::Number => match v.norm() {
            VRef::J(Value::Number(n)) if n.is_i64() || n.is_u64() => out.push_str(&n.to_string()),
            _ => {
                let f = v.as_f64().unwrap_or(0.0);
                if f.is_finite() {
                    out.push_str(&go_json_float(f));
                } else {
                    out.push_str("null");
                }
            }
        },
        Kind::String => go_json_string(v.as_str().unwrap_or(""), out),
        Kind::Array => {
            out.push('[');
            if let Some(it) = v.elems() {
                for (i, e) in it.enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    to_go_json(e, out, limit);
                }
            }
            out.push(']');
        }
        Kind::Object => {
            out.push('{');
            if let Some(it) = v.entries() {
                for (i, (k, e)) in it.enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    go_json_string(k, out);
                    out.push(':');
                    to_go_json(e, out, limit);
                }
            }
            out.push('}');
        }
    }
}

pub(crate) fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Go 1.22+ encoding/json writes these two short escapes.
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `%v` of a decoded JSON value, used in the fork's type errors
/// (`Invalid type for: <nil>, ...`).
pub(crate) fn go_fmt_v(v: VRef<'_, '_>, out: &mut String) {
    match v.kind() {
        Kind::Null => out.push_str("<nil>"),
        Kind::Bool => out.push_str(if v.as_bool().unwrap_or(false) {
            "true"
        } else {
            "false"
        }),
        Kind::Number => out.push_str(&go_fmt_v_float(v.as_f64().unwrap_or(0.0))),
        Kind::String => out.push_str(v.as_str().unwrap_or("")),
        Kind::Array => {
            out.push('[');
            if let Some(it) = v.elems() {
                for (i, e) in it.enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    go_fmt_v(e, out);
                }
            }
            out.push(']');
        }
        Kind::Object => {
            out.push_str("map[");
            if let Some(it) = v.entries() {
                for (i, (k, e)) in it.enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    go_fmt_v(e, out);
                }
            }
            out.push(']');
        }
    }
}
