//! Unit tests of the Kyverno dialect and functions. Expected values come
//! from Kyverno's own tests or from running the fork (a1d46ef) and Go 1.19
//! on the same inputs.

use super::*;
use crate::host::{Host, HostError, NoHost, Timestamp};
use serde_json::{json, Value};

struct TestHost;

impl Host for TestHost {
    fn now(&self) -> Result<Timestamp, HostError> {
        // 2023-12-16T01:46:11Z
        Ok(Timestamp {
            seconds: 1_702_691_171,
            nanos: 0,
        })
    }
    fn random_u64(&self) -> Result<u64, HostError> {
        Ok(42)
    }
}

fn kyv(expr: &str, data: &Value) -> Result<Value, JmespathError> {
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &TestHost,
    };
    compile(expr)?.search(data, &rt)
}

fn std_(expr: &str, data: &Value) -> Result<Value, JmespathError> {
    let rt = Runtime {
        dialect: Dialect::Standard,
        host: &NoHost,
    };
    compile(expr)?.search(data, &rt)
}

/// Numbers compared by value, so `3` and `3.0` are the same.
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

#[track_caller]
fn ok(expr: &str, data: Value, expected: Value) {
    match kyv(expr, &data) {
        Ok(v) => assert!(same(&v, &expected), "{expr}: got {v}, expected {expected}"),
        Err(e) => panic!("{expr}: error {e}, expected {expected}"),
    }
}

#[track_caller]
fn err(expr: &str, data: Value, expected: &str) {
    match kyv(expr, &data) {
        Ok(v) => panic!("{expr}: got {v}, expected error {expected}"),
        Err(e) => assert_eq!(e.to_string(), expected, "{expr}"),
    }
}

/// Development aid: evaluates the JSON-lines cases in `$VERNO_JP_CASES`
/// (`{"expr":..,"data":..}`) and prints results in the format of the Go
/// harness used to record the expectations below.
#[test]
#[ignore]
fn diff_harness() {
    let Ok(path) = std::env::var("VERNO_JP_CASES") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        let expr = case["expr"].as_str().unwrap_or("");
        let out = match kyv(expr, &case["data"]) {
            Ok(v) => json!({"result": v}),
            Err(e) => json!({"error": e.to_string()}),
        };
        println!("OUT {out}");
    }
}
