//! Runs the JMESPath compliance suite (shared/corpus/jmespath-compliance)
//! against the Standard dialect.

use serde_json::Value;
use std::path::PathBuf;
use verno::host::NoHost;
use verno::unstable::jmespath::{compile, Dialect, JmespathError, Runtime};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/jmespath-compliance")
}

/// JSON equality with numbers compared by value (`1 == 1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn error_kind(e: &JmespathError) -> &'static str {
    match e {
        JmespathError::Syntax { .. } => "syntax",
        JmespathError::InvalidType(_) => "invalid-type",
        JmespathError::InvalidArity(_) => "invalid-arity",
        JmespathError::UnknownFunction(_) => "unknown-function",
        JmespathError::InvalidValue(_) => "invalid-value",
        JmespathError::UnknownKey(_) => "unknown-key",
        JmespathError::Runtime(_) => "runtime",
    }
}

#[test]
fn jmespath_compliance() {
    let rt = Runtime {
        dialect: Dialect::Standard,
        host: &NoHost,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("compliance corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no compliance files found");
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable compliance file");
        let suites: Vec<Value> = serde_json::from_str(&text).expect("compliance file is JSON");
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for suite in &suites {
            let given = suite.get("given").cloned().unwrap_or(Value::Null);
            let cases = suite
                .get("cases")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for case in cases {
                let expr = case.get("expression").and_then(Value::as_str).unwrap_or("");
                let outcome = compile(expr).and_then(|e| e.search(&given, &rt));
                let ok = match (case.get("error").and_then(Value::as_str), &outcome) {
                    (Some(kind), Err(e)) => error_kind(e) == kind,
                    (Some(_), Ok(_)) => false,
                    (None, Ok(v)) => same(v, case.get("result").unwrap_or(&Value::Null)),
                    (None, Err(_)) => false,
                };
                if ok {
                    passed += 1;
                } else {
                    failed += 1;
                    eprintln!(
                        "FAIL {name}: {expr:?}\n  expected: {}\n  got: {:?}",
                        case.get("error")
                            .map(|e| format!("error {e}"))
                            .unwrap_or_else(|| case
                                .get("result")
                                .unwrap_or(&Value::Null)
                                .to_string()),
                        outcome
                    );
                }
            }
        }
    }
    println!("jmespath compliance: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} compliance cases failed");
}
