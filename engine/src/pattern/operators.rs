//! Scalar pattern values: `"?*"`, `"!default"`, `">=1Gi"`, `"1-10"`,
//! `"k8s.gcr.io/* | gallery.ecr.aws/*"`, `true`, `80`, `null`
//! (`pkg/engine/pattern/pattern.go`). Parsed once at compile time.

use serde_json::{Number, Value};

use crate::go::duration::parse_duration;
use crate::go::fmt as gofmt;
use crate::go::quantity::Quantity;
use crate::go::wildcard;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal,
    NotEqual,
    More,
    Less,
    MoreEqual,
    LessEqual,
}

/// One comparison: operator and operand, with the operand's duration and
/// quantity readings computed once.
#[derive(Debug, Clone)]
struct Comparison {
    op: Op,
    operand: String,
    duration: Option<i64>,
    quantity: Option<Quantity>,
}

#[derive(Debug, Clone)]
enum Atom {
    Compare(Comparison),
    /// `a-b`: `>= a` and `<= b`.
    InRange(Comparison, Comparison),
    /// `a!-b`: `< a` or `> b`.
    NotInRange(Comparison, Comparison),
}

/// A compiled string pattern: alternatives (`|`) of conjunctions (`&`).
#[derive(Debug, Clone)]
pub struct StringPattern {
    raw: String,
    alternatives: Vec<Vec<Atom>>,
}

/// A compiled scalar pattern.
#[derive(Debug, Clone)]
pub enum ScalarPattern {
    /// Bool.
    Bool(bool),
    /// Int.
    Int(i64),
    /// Float.
    Float(f64),
    /// Null.
    Null,
    /// String.
    String(StringPattern),
    /// A map used where a scalar is compared: only "is a map" is checked.
    Map,
    /// Arrays are never valid scalar patterns.
    Array,
}

// Go's `\d` is ASCII-only; Rust's is Unicode.
const RANGE_OPERAND: &str = r"[-|\+]?[0-9]+(?:\.[0-9]+)?[A-Za-z]*";

fn range_regexes() -> &'static (regex::Regex, regex::Regex) {
    static RE: std::sync::OnceLock<(regex::Regex, regex::Regex)> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        let build = |sep: &str| {
            regex::Regex::new(&format!("^({RANGE_OPERAND}){sep}({RANGE_OPERAND})$"))
                .unwrap_or_else(|_| unreachable!("static regex"))
        };
        (build("-"), build("!-"))
    })
}

fn comparison(op: Op, operand: &str) -> Comparison {
    let operand = operand.trim().to_string();
    Comparison {
        op,
        duration: parse_duration(&operand),
        quantity: Quantity::parse(&operand),
        operand,
    }
}

fn parse_atom(atom: &str) -> Atom {
    // `GetOperatorFromStringPattern`: prefixes first, then ranges.
    if atom.len() >= 2 {
        for (prefix, op) in [
            (">=", Op::MoreEqual),
            ("<=", Op::LessEqual),
            (">", Op::More),
            ("<", Op::Less),
            ("!", Op::NotEqual),
        ] {
            if let Some(rest) = atom.strip_prefix(prefix) {
                return Atom::Compare(comparison(op, rest));
            }
        }
        let (in_range, not_in_range) = range_regexes();
        if let Some(c) = not_in_range.captures(atom) {
            let (a, b) = (
                c.get(1).map_or("", |m| m.as_str()),
                c.get(2).map_or("", |m| m.as_str()),
            );
            return Atom::NotInRange(comparison(Op::Less, a), comparison(Op::More, b));
        }
        if let Some(c) = in_range.captures(atom) {
            let (a, b) = (
                c.get(1).map_or("", |m| m.as_str()),
                c.get(2).map_or("", |m| m.as_str()),
            );
            return Atom::InRange(comparison(Op::MoreEqual, a), comparison(Op::LessEqual, b));
        }
    }
    Atom::Compare(comparison(Op::Equal, atom))
}

impl StringPattern {
    /// Compile a string pattern (operators, ranges, wildcards) once.
    pub fn compile(raw: &str) -> StringPattern {
        let alternatives = raw
            .split('|')
            .map(|alt| {
                alt.trim_matches(' ')
                    .split('&')
                    .map(|a| parse_atom(a.trim_matches(' ')))
                    .collect()
            })
            .collect();
        StringPattern {
            raw: raw.to_string(),
            alternatives,
        }
    }

    /// The pattern as written.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Whether `value` satisfies the pattern.
    pub fn matches(&self, value: &Value) -> bool {
        if value.as_str() == Some(self.raw.as_str()) {
            return true;
        }
        self.alternatives
            .iter()
            .any(|conj| conj.iter().all(|atom| atom_matches(atom, value)))
    }
}

fn atom_matches(atom: &Atom, value: &Value) -> bool {
    match atom {
        Atom::Compare(c) => compare(c, value),
        Atom::InRange(lo, hi) => compare(lo, value) && compare(hi, value),
        Atom::NotInRange(lo, hi) => compare(lo, value) || compare(hi, value),
    }
}

/// `convertNumberToString`: how durations and quantities read a value.
fn number_to_string(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("0".into()),
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_f64() => Some(gofmt::format_float_f(n.as_f64().unwrap_or(0.0))),
        Value::Number(n) => Some(gofmt::format_number(n)),
        _ => None,
    }
}

fn ordering_holds(op: Op, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Equal => ord == Equal,
        Op::NotEqual => ord != Equal,
        Op::More => ord == Greater,
        Op::Less => ord == Less,
        Op::MoreEqual => ord != Less,
        Op::LessEqual => ord != Greater,
    }
}

fn compare(c: &Comparison, value: &Value) -> bool {
    if let Some(pd) = c.duration {
        if let Some(vd) = number_to_string(value).and_then(|s| parse_duration(&s)) {
            return ordering_holds(c.op, vd.cmp(&pd));
        }
    }
    if let Some(pq) = &c.quantity {
        if let Some(vq) = number_to_string(value).and_then(|s| Quantity::parse(&s)) {
            return ordering_holds(c.op, vq.cmp(pq));
        }
    }
    // compareString: only = and ! apply to strings.
    if !matches!(c.op, Op::Equal | Op::NotEqual) {
        return false;
    }
    let s = match value {
        Value::Number(n) if n.is_f64() => {
            crate::go::strconv::format_float_e_upper(n.as_f64().unwrap_or(0.0))
        }
        Value::Number(n) => gofmt::format_number(n),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        _ => return false,
    };
    let m = wildcard::matches(&c.operand, &s);
    if c.op == Op::NotEqual {
        !m
    } else {
        m
    }
}

impl ScalarPattern {
    /// Compile a pattern leaf. Returns `None` for maps/arrays, which the
    /// pattern walker handles structurally.
    pub fn compile(v: &Value) -> ScalarPattern {
        match v {
            Value::Bool(b) => ScalarPattern::Bool(*b),
            Value::Number(n) => number_pattern(n),
            Value::Null => ScalarPattern::Null,
            Value::String(s) => ScalarPattern::String(StringPattern::compile(s)),
            Value::Object(_) => ScalarPattern::Map,
            Value::Array(_) => ScalarPattern::Array,
        }
    }

    /// `pattern.Validate`.
    pub fn matches(&self, value: &Value) -> bool {
        match self {
            ScalarPattern::Bool(b) => value.as_bool() == Some(*b),
            ScalarPattern::Int(p) => match value {
                Value::Number(n) => match n.as_i64() {
                    Some(i) if !n.is_f64() => i == *p,
                    _ => n.as_f64().is_some_and(|f| f.trunc() == f && f as i64 == *p),
                },
                Value::String(s) => s.parse::<i64>().is_ok_and(|i| i == *p),
                _ => false,
            },
            ScalarPattern::Float(p) => match value {
                Value::Number(n) if n.is_f64() => n.as_f64() == Some(*p),
                Value::Number(n) => p.trunc() == *p && n.as_i64().is_some_and(|i| *p as i64 == i),
                Value::String(s) => parse_go_float(s).is_some_and(|f| f == *p),
                _ => false,
            },
            ScalarPattern::Null => match value {
                Value::Null => true,
                Value::Number(n) => n.as_f64() == Some(0.0),
                Value::String(s) => s.is_empty(),
                Value::Bool(b) => !b,
                _ => false,
            },
            ScalarPattern::Map => value.is_object(),
            ScalarPattern::Array => false,
            ScalarPattern::String(sp) => sp.matches(value),
        }
    }
}

fn number_pattern(n: &Number) -> ScalarPattern {
    match n.as_i64() {
        Some(i) if !n.is_f64() => ScalarPattern::Int(i),
        _ => ScalarPattern::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// `strconv.ParseFloat` accepts what Rust does plus `inf`/`Infinity` spellings
/// and underscores only in base-prefixed forms; Rust's parser is close enough
/// for decimal text, which is all a resource holds.
fn parse_go_float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(p: Value, v: Value) -> bool {
        ScalarPattern::compile(&p).matches(&v)
    }

    #[test]
    fn string_bool_comparisons_follow_kyverno() {
        assert!(
            m(json!("false"), json!(false)),
            "string pattern matches bool via stringification"
        );
        assert!(
            !m(json!(false), json!("false")),
            "bool pattern needs a bool"
        );
        assert!(m(json!(true), json!(true)));
    }

    #[test]
    fn wildcards_alternatives_and_negation() {
        assert!(m(json!("?*"), json!("x")));
        assert!(!m(json!("?*"), json!("")));
        assert!(!m(json!("?*"), json!(null)));
        assert!(m(
            json!("k8s.gcr.io/* | gallery.ecr.aws/*"),
            json!("gallery.ecr.aws/x")
        ));
        assert!(!m(
            json!("k8s.gcr.io/* | gallery.ecr.aws/*"),
            json!("docker.io/x")
        ));
        assert!(m(json!("!default"), json!("prod")));
        assert!(!m(json!("!default"), json!("default")));
        assert!(
            !m(json!("!default"), json!(null)),
            "negation fails on absent fields"
        );
        assert!(m(json!("*"), json!(3)));
        assert!(!m(json!("*"), json!(null)));
    }

    #[test]
    fn numeric_operators_quantities_and_durations() {
        assert!(m(json!(">=1Gi"), json!("1024Mi")));
        assert!(m(json!("<1Gi"), json!(null)), "absent counts as 0");
        assert!(m(json!("<=10s"), json!("5s")));
        assert!(m(json!("1-10"), json!(5)));
        assert!(!m(json!("1-10"), json!(11)));
        assert!(m(json!("1!-10"), json!(11)));
        assert!(m(json!(">1024"), json!(2048.0)));
        assert!(
            !m(json!(">abc"), json!("abd")),
            "ordering operators do not apply to strings"
        );
        assert!(m(json!("80"), json!(80.0)), "quantity equality");
    }

    #[test]
    fn float_resource_numbers_stringify_in_go_e_format() {
        assert!(m(json!("8*"), json!(80.0)));
        assert!(!m(json!("*0"), json!(80.0)));
        assert!(m(json!("*0"), json!(80)));
    }

    #[test]
    fn null_pattern_means_absent_or_zero() {
        for v in [json!(null), json!(""), json!(0), json!(0.0), json!(false)] {
            assert!(m(json!(null), v));
        }
        assert!(!m(json!(null), json!({})));
        assert!(!m(json!(null), json!("x")));
    }

    #[test]
    fn integer_pattern_reads_strings_and_integral_floats() {
        assert!(m(json!(1), json!("1")));
        assert!(m(json!(1), json!(1.0)));
        assert!(!m(json!(1), json!(1.5)));
    }
}
