//! Multi-select hashes parse as go-jmespath's `parseMultiSelectHash`
//! parses them: after each value a comma or the closing brace is consumed
//! if present, and otherwise the next pair simply starts.

use serde_json::{json, Value};
use verno::host::NoHost;
use verno::unstable::jmespath::{compile, Dialect, JmespathError, Runtime};

fn eval(expr: &str) -> Result<Value, JmespathError> {
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &NoHost,
    };
    compile(expr)?.search(&json!({"b": 1, "d": 2, "f": 3}), &rt)
}

fn syntax_error(expr: &str) -> (String, usize) {
    match compile(expr) {
        Err(JmespathError::Syntax { message, offset }) => (message, offset),
        other => panic!("`{expr}` should be a syntax error, got {other:?}"),
    }
}

#[test]
fn multiselect_hash_pairs_without_commas_are_separate_pairs() {
    assert_eq!(eval("{a: b c: d}"), Ok(json!({"a": 1, "c": 2})));
    assert_eq!(
        eval("{a: b c: d, e: f}"),
        Ok(json!({"a": 1, "c": 2, "e": 3}))
    );
    assert_eq!(eval("{a: b \"c\": d}"), Ok(json!({"a": 1, "c": 2})));
    assert_eq!(eval("{a: 'y' c: 'x'}"), Ok(json!({"a": "y", "c": "x"})));
}

#[test]
fn multiselect_hash_with_commas_is_unchanged() {
    assert_eq!(eval("{a: b, c: d}"), Ok(json!({"a": 1, "c": 2})));
    assert_eq!(eval("{a: b, a: d}"), Ok(json!({"a": 2})));
}

#[test]
fn multiselect_hash_trailing_comma_is_a_missing_key() {
    assert_eq!(
        syntax_error("{a: b, }"),
        (
            "Expected tQuotedIdentifier or tUnquotedIdentifier".into(),
            7
        )
    );
}

#[test]
fn multiselect_hash_value_followed_by_a_non_key_is_a_missing_key() {
    for (expr, offset) in [("{a: b 'c': d}", 6), ("{a: b `1`}", 6), ("{a: b", 5)] {
        assert_eq!(
            syntax_error(expr),
            (
                "Expected tQuotedIdentifier or tUnquotedIdentifier".into(),
                offset
            ),
            "{expr}"
        );
    }
}

#[test]
fn multiselect_hash_key_without_colon_names_the_colon() {
    assert_eq!(
        syntax_error("{a: b c}"),
        ("Expected tColon, received: tRbrace".into(), 7)
    );
    assert_eq!(
        syntax_error("{a: b c d}"),
        ("Expected tColon, received: tUnquotedIdentifier".into(), 8)
    );
}
