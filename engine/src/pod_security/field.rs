//! Field errors as pod-security-admission reports them with
//! `WithFieldErrors()` (`k8s.io/apimachinery/pkg/util/validation/field`),
//! and the text Kyverno prints for them (`pss.FormatChecksPrint`).

use std::fmt;

/// The offending value a field error carries (`BadValue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadValue {
    /// A string; empty means "no bad value" to Kyverno's printer.
    Str(String),
    Bool(bool),
    Int(i64),
    /// A sorted set of strings (`sets.String.List()`).
    List(Vec<String>),
}

impl fmt::Display for BadValue {
    /// Go's `%+v` of the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::Str(s) => f.write_str(s),
            BadValue::Bool(b) => write!(f, "{b}"),
            BadValue::Int(i) => write!(f, "{i}"),
            BadValue::List(l) => write!(f, "[{}]", l.join(" ")),
        }
    }
}

impl BadValue {
    /// `extractBadValues`: the values an exclusion's `values` must cover.
    pub fn as_strings(&self) -> Vec<String> {
        match self {
            BadValue::Str(s) if s.is_empty() => Vec::new(),
            BadValue::List(l) => l.clone(),
            other => vec![other.to_string()],
        }
    }
}

/// `field.ErrorType`: the checks only produce these two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    Required,
    Forbidden,
}

/// One `field.Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub kind: ErrorType,
    /// The field path as `field.Path.String()` prints it.
    pub field: String,
    pub bad_value: BadValue,
}

impl FieldError {
    /// `field.Required(path, "")`.
    pub fn required(field: String) -> Self {
        FieldError {
            kind: ErrorType::Required,
            field,
            bad_value: BadValue::Str(String::new()),
        }
    }

    /// `field.Forbidden(path, "")`, optionally `withBadValue`.
    pub fn forbidden(field: String, bad_value: BadValue) -> Self {
        FieldError {
            kind: ErrorType::Forbidden,
            field,
            bad_value,
        }
    }

    /// How `FormatChecksPrint` renders the error: a Forbidden error with a
    /// bad value lists it, every other error prints `field.Error.Error()`.
    pub fn kyverno_text(&self) -> String {
        let has_value = !matches!(&self.bad_value, BadValue::Str(s) if s.is_empty());
        match self.kind {
            ErrorType::Forbidden if has_value => format!(
                "{} is forbidden, forbidden values found: {}",
                self.field, self.bad_value
            ),
            ErrorType::Forbidden => format!("{}: Forbidden", self.field),
            ErrorType::Required => format!("{}: Required value", self.field),
        }
    }
}

/// Go's `%q` of a string (`strconv.Quote`): printable runes kept, the rest
/// escaped.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                let n = c as u32;
                if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
