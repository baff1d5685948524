//! Kyverno's `json` and `yaml` libraries: `json.unmarshal(s)`,
//! `json.marshal(v)` and `yaml.parse(s)`, members of the `json` and `yaml`
//! variables. Parsed numbers are doubles, as Go's `encoding/json` makes them.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{NumberMode, Val};
use super::super::EvalError;
use super::handle::{JSON, YAML};
use super::support::{fail, member, native_string, owned_json, str_arg, to_json};

fn unmarshal<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = native_string(a, 1)?;
    c.budget.charge_size(s.len())?;
    let v: serde_json::Value = serde_json::from_str(s).map_err(|e| fail(go_json_error(s, &e)))?;
    Ok(owned_json(&v, NumberMode::Doubles))
}

/// Go's `encoding/json` syntax errors: the offending character and what
/// the scanner was looking for (`invalid character 'x' looking for
/// beginning of value`), or `unexpected end of JSON input`.
fn go_json_error(input: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    if e.classify() == Category::Eof {
        return "unexpected end of JSON input".to_string();
    }
    let msg = e.to_string();
    let context = if msg.starts_with("expected `:`") {
        "after object key"
    } else if msg.starts_with("expected `,` or `}`") {
        "after object key:value pair"
    } else if msg.starts_with("expected `,` or `]`") {
        "after array element"
    } else if msg.starts_with("key must be a string") {
        "looking for beginning of object key string"
    } else if msg.starts_with("trailing characters") {
        "after top-level value"
    } else if msg.starts_with("invalid number") {
        "in numeric literal"
    } else if msg.starts_with("invalid escape") {
        "in string escape code"
    } else if msg.starts_with("control character") {
        "in string literal"
    } else {
        "looking for beginning of value"
    };
    match offending_char(input, e.line(), e.column()) {
        Some(c) => format!("invalid character {} {context}", go_quote_char(c)),
        None => msg,
    }
}

/// The character serde_json points at (1-based line, 1-based byte column).
fn offending_char(input: &str, line: usize, column: usize) -> Option<char> {
    let text = input.split('\n').nth(line.checked_sub(1)?)?;
    let at = column.checked_sub(1)?;
    text.get(at..).and_then(|rest| rest.chars().next())
}

/// Go's `quoteChar`: `'x'`, with `strconv.Quote`'s escapes inside.
fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = crate::jmespath::print::go_quote(&c.to_string());
            let inner = q.get(1..q.len().saturating_sub(1)).unwrap_or_default();
            format!("'{inner}'")
        }
    }
}

/// Go's `json.Marshal`: compact, map keys sorted (serde_json's map is), and
/// `<`, `>`, `&`, U+2028 and U+2029 escaped as Go escapes them for HTML
/// safety (they can only occur inside strings, so a textual pass is exact).
fn marshal<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let v = a.get(1).ok_or_else(super::support::no_such_overload)?;
    let text = serde_json::to_string(&to_json(v)?).map_err(|e| fail(e.to_string()))?;
    c.budget.charge_size(text.len())?;
    Ok(Val::string(go_html_escape(&text)))
}

fn go_html_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn parse<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(a, 1)?;
    c.budget.charge_size(s.len())?;
    let v = crate::yaml::parse_value(s).map_err(|e| fail(e.to_string()))?;
    Ok(owned_json(&v, NumberMode::Doubles))
}

/// Declares the `json` and `yaml` variables and their functions.
pub fn register(reg: &mut Registry) {
    let j = || Type::Opaque(JSON);
    let y = || Type::Opaque(YAML);
    reg.add_type(JSON);
    reg.add_type(YAML);
    reg.declare_variable("json", j());
    reg.declare_variable("yaml", y());
    member(
        reg,
        "unmarshal",
        "unmarshal_string_dyn",
        vec![j(), Type::Dyn],
        Type::Dyn,
        unmarshal,
    );
    member(
        reg,
        "marshal",
        "marshal_dyn_string",
        vec![j(), Type::Dyn],
        Type::String,
        marshal,
    );
    member(
        reg,
        "parse",
        "parse_string_dyn",
        vec![y(), Type::String],
        Type::Dyn,
        parse,
    );
}
