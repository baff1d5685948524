//! go-jmespath's `ASTNode.PrettyPrint` rendering of a compiled expression,
//! which is what `kyverno jp parse` prints.
//!
//! Node names and values follow go-jmespath: a value is printed with Go's
//! `%#v` (strings quoted, literals as `map[string]interface {}{...}`), a
//! comparator with its token name (`tEQ`), and the `children: {` line is
//! never closed, as in Go. One deliberate difference: Go prints a slice's
//! bounds as pointers (`[]*int{(*int)(0xc000012345), (*int)(nil), ...}`),
//! which carries no information; the bounds themselves are printed here.

use super::ast::{Comparator, Node};
use crate::go::strconv::format_float_g;
use serde_json::Value;
use std::fmt::Write;

/// A node's printed value: Go's `%#v` text, already rendered.
enum Shown {
    None,
    Text(String),
}

pub(crate) fn pretty(node: &Node) -> String {
    let mut out = String::new();
    print(node, 0, &mut out);
    out
}

/// go-jmespath's node type, value and children of `node`.
fn parts(node: &Node) -> (&'static str, Shown, Vec<Child<'_>>) {
    use Child::N;
    match node {
        Node::Identity => ("ASTIdentity", Shown::None, vec![]),
        Node::Current => ("ASTCurrentNode", Shown::None, vec![]),
        Node::Field(name) => ("ASTField", Shown::Text(go_quote(name)), vec![]),
        // go-jmespath keeps `null` literals as a nil value, which
        // PrettyPrint skips.
        Node::Literal(Value::Null) => ("ASTLiteral", Shown::None, vec![]),
        Node::Literal(v) => ("ASTLiteral", Shown::Text(go_sharp_v(v)), vec![]),
        Node::Index(i) => ("ASTIndex", Shown::Text(i.to_string()), vec![]),
        Node::Slice(parts) => {
            let shown: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    Some(n) => n.to_string(),
                    None => "(*int)(nil)".to_string(),
                })
                .collect();
            (
                "ASTSlice",
                Shown::Text(format!("[]*int{{{}}}", shown.join(", "))),
                vec![],
            )
        }
        Node::Subexpression(l, r) => ("ASTSubexpression", Shown::None, vec![N(l), N(r)]),
        Node::IndexExpression(l, r) => ("ASTIndexExpression", Shown::None, vec![N(l), N(r)]),
        Node::Projection(l, r) => ("ASTProjection", Shown::None, vec![N(l), N(r)]),
        Node::ValueProjection(l, r) => ("ASTValueProjection", Shown::None, vec![N(l), N(r)]),
        Node::FilterProjection { lhs, rhs, cond } => (
            "ASTFilterProjection",
            Shown::None,
            vec![N(lhs), N(rhs), N(cond)],
        ),
        Node::Flatten(inner) => ("ASTFlatten", Shown::None, vec![N(inner)]),
        Node::Comparator(op, l, r) => (
            "ASTComparator",
            Shown::Text(comparator_token(*op).to_string()),
            vec![N(l), N(r)],
        ),
        Node::Or(l, r) => ("ASTOrExpression", Shown::None, vec![N(l), N(r)]),
        Node::And(l, r) => ("ASTAndExpression", Shown::None, vec![N(l), N(r)]),
        Node::Not(e) => ("ASTNotExpression", Shown::None, vec![N(e)]),
        Node::Pipe(l, r) => ("ASTPipe", Shown::None, vec![N(l), N(r)]),
        Node::MultiSelectList(items) => (
            "ASTMultiSelectList",
            Shown::None,
            items.iter().map(N).collect(),
        ),
        Node::MultiSelectHash(pairs) => (
            "ASTMultiSelectHash",
            Shown::None,
            pairs.iter().map(|(k, v)| Child::KeyVal(k, v)).collect(),
        ),
        Node::Function(call) => (
            "ASTFunctionExpression",
            Shown::Text(go_quote(&call.name)),
            call.args.iter().map(N).collect(),
        ),
        Node::ExpRef(e) => ("ASTExpRef", Shown::None, vec![N(e)]),
    }
}

/// A child in go-jmespath's tree: a node, or the `ASTKeyValPair` wrapper
/// that go-jmespath has and our AST folds into `MultiSelectHash`.
enum Child<'n> {
    N(&'n Node),
    KeyVal(&'n str, &'n Node),
}

/// Recursion follows the AST, whose depth the parser bounds.
fn print(node: &Node, indent: usize, out: &mut String) {
    let (name, value, children) = parts(node);
    write_node(name, value, &children, indent, out);
}

fn write_node(name: &str, value: Shown, children: &[Child<'_>], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let next = " ".repeat(indent + 2);
    let _ = writeln!(out, "{pad}{name} {{");
    if let Shown::Text(v) = value {
        let _ = writeln!(out, "{next}value: {v}");
    }
    if !children.is_empty() {
        let _ = writeln!(out, "{next}children: {{");
        for child in children {
            match child {
                Child::N(n) => print(n, indent + 4, out),
                Child::KeyVal(k, v) => write_node(
                    "ASTKeyValPair",
                    Shown::Text(go_quote(k)),
                    &[Child::N(v)],
                    indent + 4,
                    out,
                ),
            }
        }
    }
    let _ = writeln!(out, "{pad}}}");
}

fn comparator_token(op: Comparator) -> &'static str {
    match op {
        Comparator::Eq => "tEQ",
        Comparator::Ne => "tNE",
        Comparator::Lt => "tLT",
        Comparator::Lte => "tLTE",
        Comparator::Gt => "tGT",
        Comparator::Gte => "tGTE",
    }
}

/// Go's `%#v` of a value decoded by `encoding/json` into `interface{}`
/// (numbers are float64, objects `map[string]interface {}` with sorted
/// keys).
fn go_sharp_v(v: &Value) -> String {
    let mut out = String::new();
    write_sharp_v(v, &mut out, false);
    out
}

/// `nested`: inside a map or slice, where `nil` prints as
/// `interface {}(nil)`.
fn write_sharp_v(v: &Value, out: &mut String, nested: bool) {
    match v {
        Value::Null if nested => out.push_str("interface {}(nil)"),
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_float_g(n.as_f64().unwrap_or(0.0), 64)),
        Value::String(s) => out.push_str(&go_quote(s)),
        Value::Array(items) => {
            out.push_str("[]interface {}{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_sharp_v(item, out, true);
            }
            out.push('}');
        }
        Value::Object(map) => {
            out.push_str("map[string]interface {}{");
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&go_quote(k));
                out.push(':');
                write_sharp_v(item, out, true);
            }
            out.push('}');
        }
    }
}

/// Go's `strconv.Quote` (what `%#v` and `%q` print for a string), with
/// Rust's notion of control characters standing in for Go's
/// `unicode.IsPrint`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || c == '\u{ad}' || c == '\u{feff}' => {
                if (c as u32) <= 0xFFFF {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
