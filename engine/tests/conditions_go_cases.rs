//! Kyverno's own test cases for condition operators, ported from
//! `pkg/engine/variables/operator/*_test.go` and
//! `pkg/engine/variables/evaluate_test.go`, plus cases whose expected
//! results were taken from Kyverno's Go handlers themselves.
//!
//! Operands are JSON. In the handler tables an integer literal stands for a
//! Go `int64` (a number read from the resource) and a literal with a point
//! or exponent for a `float64` (a number written in the policy). The
//! `evaluate_*` tables go through [`evaluate`], where every literal number
//! is a `float64`, as in Kyverno.

use serde_json::{json, Value};
use verno::unstable::conditions::{evaluate, evaluate_operator};
use verno::unstable::variables::Context;
use verno::NoHost;

/// (case, operator, key JSON, value JSON, expected result)
type Case = (&'static str, &'static str, &'static str, &'static str, bool);

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("bad test JSON {s}: {e}"))
}

/// Run cases through the operator handlers directly.
fn check_handlers(cases: &[Case]) {
    let mut failures = Vec::new();
    for &(name, op, key, value, expected) in cases {
        let got = evaluate_operator(op, &parse(key), &parse(value));
        if got != Ok(expected) {
            failures.push(format!(
                "{name}: {op}({key}, {value}) = {got:?}, want {expected}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Run cases as single conditions through `conditions::evaluate`.
fn check_conditions(cases: &[Case]) {
    let ctx = Context::new(json!({}), &NoHost);
    let mut failures = Vec::new();
    for &(name, op, key, value, expected) in cases {
        let block = json!({"all": [{"key": parse(key), "operator": op, "value": parse(value)}]});
        let got = evaluate(&block, &ctx).map(|(ok, _)| ok);
        if got != Ok(expected) {
            failures.push(format!(
                "{name}: {op}({key}, {value}) = {got:?}, want {expected}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Go: allnotin_test.go TestAllNotInHandler_Evaluate.
#[test]
fn all_not_in_handler_by_key_type() {
    check_handlers(&[
        (
            "key is string and in value",
            "AllNotIn",
            r##""kyverno""##,
            r##""kyverno""##,
            false,
        ),
        (
            "key is string and in value",
            "AllNotIn",
            r##""kube-system""##,
            r##"["default","kube-*"]"##,
            false,
        ),
        (
            "key is string and not in value",
            "AllNotIn",
            r##""kyverno""##,
            r##""default""##,
            true,
        ),
        (
            "key is int and in value",
            "AllNotIn",
            r##"64"##,
            r##""64""##,
            false,
        ),
        (
            "key is int and not in value",
            "AllNotIn",
            r##"64"##,
            r##""default""##,
            true,
        ),
        (
            "key is array and in value",
            "AllNotIn",
            r##"["kube-system","kube-public"]"##,
            r##""kube-*""##,
            false,
        ),
        (
            "key is array and partially in value",
            "AllNotIn",
            r##"["kube-system","default"]"##,
            r##""kube-system""##,
            false,
        ),
        (
            "key is array and not in value",
            "AllNotIn",
            r##"["default","kyverno"]"##,
            r##""kube-*""##,
            true,
        ),
        (
            "key and value are array and not in value",
            "AllNotIn",
            r##"["default","kyverno"]"##,
            r##"["kube-*","kube-system"]"##,
            true,
        ),
        (
            "key and value are array and partially in value",
            "AllNotIn",
            r##"["default","kyverno"]"##,
            r##"["kube-*","ky*"]"##,
            false,
        ),
    ]);
}

/// Go: anynotin_test.go TestAnyNotInHandler_Evaluate.
#[test]
fn any_not_in_handler_by_key_type() {
    check_handlers(&[
        (
            "key is string and in value",
            "AnyNotIn",
            r##""kyverno""##,
            r##""kyverno""##,
            false,
        ),
        (
            "key is string and in value",
            "AnyNotIn",
            r##""kube-system""##,
            r##"["default","kube-*"]"##,
            false,
        ),
        (
            "key is string and not in value",
            "AnyNotIn",
            r##""kyverno""##,
            r##""default""##,
            true,
        ),
        (
            "key is int and in value",
            "AnyNotIn",
            r##"64"##,
            r##""64""##,
            false,
        ),
        (
            "key is int and in value",
            "AnyNotIn",
            r##"1"##,
            r##"[1,2,3]"##,
            false,
        ),
        (
            "key is int and not in value",
            "AnyNotIn",
            r##"64"##,
            r##""default""##,
            true,
        ),
        (
            "key is float and in value",
            "AnyNotIn",
            r##"3.14"##,
            r##""3.14""##,
            false,
        ),
        (
            "key is float and in value",
            "AnyNotIn",
            r##"2.2"##,
            r##"[1.1,2.2,3.3]"##,
            false,
        ),
        (
            "key is float and not in value",
            "AnyNotIn",
            r##"3.14"##,
            r##""default""##,
            true,
        ),
        (
            "key is boolean and in value",
            "AnyNotIn",
            r##"true"##,
            r##"true"##,
            false,
        ),
        (
            "key is array and in value",
            "AnyNotIn",
            r##"["kube-system","kube-public"]"##,
            r##""kube-*""##,
            false,
        ),
        (
            "key is array and partially in value",
            "AnyNotIn",
            r##"["kube-system","default"]"##,
            r##""kube-system""##,
            true,
        ),
        (
            "key is array and not in value",
            "AnyNotIn",
            r##"["default","kyverno"]"##,
            r##""kube-*""##,
            true,
        ),
        (
            "key is array of int and partially in value",
            "AnyNotIn",
            r##"[1,2,3]"##,
            r##"2"##,
            true,
        ),
        (
            "key is array of int and not in value",
            "AnyNotIn",
            r##"[1,2,3]"##,
            r##"4"##,
            true,
        ),
        (
            "key is array of float and partially in value",
            "AnyNotIn",
            r##"[1.1,2.2,3.3]"##,
            r##"1.1"##,
            true,
        ),
        (
            "key is array of float and not in value",
            "AnyNotIn",
            r##"[1.1,2.2,3.3]"##,
            r##"4.4"##,
            true,
        ),
        (
            "key is array of bool and partially in value",
            "AnyNotIn",
            r##"[true,false]"##,
            r##"true"##,
            true,
        ),
        (
            "key is an array of bool and not in value",
            "AnyNotIn",
            r##"[true]"##,
            r##"false"##,
            true,
        ),
        (
            "key and value are array and not in value",
            "AnyNotIn",
            r##"["default","kyverno"]"##,
            r##"["kube-*","kube-system"]"##,
            true,
        ),
        (
            "key and value are array and partially in value",
            "AnyNotIn",
            r##"["default","kyverno"]"##,
            r##"["kube-*","ky*"]"##,
            true,
        ),
        (
            "key and value are arrays, key is an empty array but is in value",
            "AnyNotIn",
            r##"[]"##,
            r##"["default","kyverno"]"##,
            false,
        ),
        (
            "key is an empty string and value is an array, key is not in value",
            "AnyNotIn",
            r##""""##,
            r##"["default","kyverno"]"##,
            true,
        ),
    ]);
}

/// Go: duration_test.go TestDurationOperatorHandler_Evaluate_GreaterThan.
#[test]
fn duration_greater_than_counts_numbers_as_seconds() {
    check_handlers(&[
        (
            "duration string > string true",
            "DurationGreaterThan",
            r##""2h""##,
            r##""1h""##,
            true,
        ),
        (
            "duration string > string false",
            "DurationGreaterThan",
            r##""1h""##,
            r##""2h""##,
            false,
        ),
        (
            "duration string > string equal",
            "DurationGreaterThan",
            r##""1h""##,
            r##""1h""##,
            false,
        ),
        (
            "duration 60m > 1h equal",
            "DurationGreaterThan",
            r##""60m""##,
            r##""1h""##,
            false,
        ),
        (
            "duration 61m > 1h true",
            "DurationGreaterThan",
            r##""61m""##,
            r##""1h""##,
            true,
        ),
        (
            "int > int true",
            "DurationGreaterThan",
            r##"120"##,
            r##"60"##,
            true,
        ),
        (
            "int > int false",
            "DurationGreaterThan",
            r##"60"##,
            r##"120"##,
            false,
        ),
        (
            "int64 > int64 true",
            "DurationGreaterThan",
            r##"3600"##,
            r##"1800"##,
            true,
        ),
        (
            "int > string duration true",
            "DurationGreaterThan",
            r##"120"##,
            r##""1m""##,
            true,
        ),
        (
            "float > float true",
            "DurationGreaterThan",
            r##"120.5"##,
            r##"60.5"##,
            true,
        ),
        (
            "float > int true",
            "DurationGreaterThan",
            r##"120.5"##,
            r##"60"##,
            true,
        ),
        (
            "float > string duration true",
            "DurationGreaterThan",
            r##"120.0"##,
            r##""1m""##,
            true,
        ),
        (
            "unsupported type",
            "DurationGreaterThan",
            r##"true"##,
            r##"false"##,
            false,
        ),
    ]);
}

/// Go: duration_test.go TestDurationOperatorHandler_Evaluate_GreaterThanOrEquals.
#[test]
fn duration_greater_than_or_equals() {
    check_handlers(&[
        (
            "duration >= duration true greater",
            "DurationGreaterThanOrEquals",
            r##""2h""##,
            r##""1h""##,
            true,
        ),
        (
            "duration >= duration true equal",
            "DurationGreaterThanOrEquals",
            r##""1h""##,
            r##""60m""##,
            true,
        ),
        (
            "duration >= duration false",
            "DurationGreaterThanOrEquals",
            r##""30m""##,
            r##""1h""##,
            false,
        ),
        (
            "int >= int true equal",
            "DurationGreaterThanOrEquals",
            r##"60"##,
            r##"60"##,
            true,
        ),
    ]);
}

/// Go: duration_test.go TestDurationOperatorHandler_Evaluate_LessThan.
#[test]
fn duration_less_than() {
    check_handlers(&[
        (
            "duration < duration true",
            "DurationLessThan",
            r##""30m""##,
            r##""1h""##,
            true,
        ),
        (
            "duration < duration false",
            "DurationLessThan",
            r##""2h""##,
            r##""1h""##,
            false,
        ),
        (
            "duration < duration equal",
            "DurationLessThan",
            r##""1h""##,
            r##""60m""##,
            false,
        ),
        (
            "int < int true",
            "DurationLessThan",
            r##"30"##,
            r##"60"##,
            true,
        ),
    ]);
}

/// Go: duration_test.go TestDurationOperatorHandler_Evaluate_LessThanOrEquals.
#[test]
fn duration_less_than_or_equals() {
    check_handlers(&[
        (
            "duration <= duration true less",
            "DurationLessThanOrEquals",
            r##""30m""##,
            r##""1h""##,
            true,
        ),
        (
            "duration <= duration true equal",
            "DurationLessThanOrEquals",
            r##""1h""##,
            r##""60m""##,
            true,
        ),
        (
            "duration <= duration false",
            "DurationLessThanOrEquals",
            r##""2h""##,
            r##""1h""##,
            false,
        ),
        (
            "int <= int true equal",
            "DurationLessThanOrEquals",
            r##"60"##,
            r##"60"##,
            true,
        ),
    ]);
}

/// Go: duration_test.go TestDurationOperatorHandler_ValidateValueWithIntPattern.
#[test]
fn duration_int64_key_against_each_value_type() {
    check_handlers(&[
        (
            "int64 > int",
            "DurationGreaterThan",
            r##"120"##,
            r##"60"##,
            true,
        ),
        (
            "int64 > int64",
            "DurationGreaterThan",
            r##"120"##,
            r##"60"##,
            true,
        ),
        (
            "int64 > float64",
            "DurationGreaterThan",
            r##"120"##,
            r##"60.0"##,
            true,
        ),
        (
            "int64 > string duration",
            "DurationGreaterThan",
            r##"120"##,
            r##""1m""##,
            true,
        ),
        (
            "int64 with invalid string",
            "DurationGreaterThan",
            r##"120"##,
            r##""invalid""##,
            false,
        ),
        (
            "int64 with wrong type",
            "DurationGreaterThan",
            r##"120"##,
            r##"true"##,
            false,
        ),
    ]);
}

/// Go: duration_test.go TestDurationOperatorHandler_ValidateValueWithFloatPattern.
#[test]
fn duration_float64_key_truncates_to_seconds() {
    check_handlers(&[
        (
            "float > int",
            "DurationGreaterThan",
            r##"120.0"##,
            r##"60"##,
            true,
        ),
        (
            "float > int64",
            "DurationGreaterThan",
            r##"120.0"##,
            r##"60"##,
            true,
        ),
        (
            "float > float64",
            "DurationGreaterThan",
            r##"120.0"##,
            r##"60.0"##,
            true,
        ),
        (
            "float > string duration",
            "DurationGreaterThan",
            r##"120.0"##,
            r##""1m""##,
            true,
        ),
        (
            "float with invalid string",
            "DurationGreaterThan",
            r##"120.0"##,
            r##""invalid""##,
            false,
        ),
        (
            "float with wrong type",
            "DurationGreaterThan",
            r##"120.0"##,
            r##"true"##,
            false,
        ),
    ]);
}

/// Go: duration_test.go TestDurationOperatorHandler_ValidateValueWithStringPattern.
#[test]
fn duration_string_key_must_parse() {
    check_handlers(&[
        (
            "string duration > int",
            "DurationGreaterThan",
            r##""2m""##,
            r##"60"##,
            true,
        ),
        (
            "string duration > int64",
            "DurationGreaterThan",
            r##""2m""##,
            r##"60"##,
            true,
        ),
        (
            "string duration > float64",
            "DurationGreaterThan",
            r##""2m""##,
            r##"60.0"##,
            true,
        ),
        (
            "string duration > string duration",
            "DurationGreaterThan",
            r##""2h""##,
            r##""1h""##,
            true,
        ),
        (
            "invalid key string",
            "DurationGreaterThan",
            r##""invalid""##,
            r##"60"##,
            false,
        ),
        (
            "string duration with invalid value string",
            "DurationGreaterThan",
            r##""1h""##,
            r##""invalid""##,
            false,
        ),
        (
            "string duration with wrong type",
            "DurationGreaterThan",
            r##""1h""##,
            r##"true"##,
            false,
        ),
    ]);
}

/// Go: duration_test.go TestDurationCompareByCondition (an unknown operator: a non-canonical spelling).
#[test]
fn duration_compare_by_canonical_operator_only() {
    check_handlers(&[
        (
            "DurationGreaterThanOrEquals - true greater",
            "DurationGreaterThanOrEquals",
            r##""2h""##,
            r##""1h""##,
            true,
        ),
        (
            "DurationGreaterThanOrEquals - true equal",
            "DurationGreaterThanOrEquals",
            r##""1h""##,
            r##""1h""##,
            true,
        ),
        (
            "DurationGreaterThan - true",
            "DurationGreaterThan",
            r##""2h""##,
            r##""1h""##,
            true,
        ),
        (
            "DurationGreaterThan - equal false",
            "DurationGreaterThan",
            r##""1h""##,
            r##""1h""##,
            false,
        ),
        (
            "DurationLessThanOrEquals - true less",
            "DurationLessThanOrEquals",
            r##""30m""##,
            r##""1h""##,
            true,
        ),
        (
            "DurationLessThanOrEquals - true equal",
            "DurationLessThanOrEquals",
            r##""1h""##,
            r##""1h""##,
            true,
        ),
        (
            "DurationLessThan - true",
            "DurationLessThan",
            r##""30m""##,
            r##""1h""##,
            true,
        ),
        (
            "DurationLessThan - equal false",
            "DurationLessThan",
            r##""1h""##,
            r##""1h""##,
            false,
        ),
        (
            "invalid operator",
            "durationgreaterthan",
            r##""1h""##,
            r##""1h""##,
            false,
        ),
    ]);
}

/// Go: equal_test.go TestEqualHandler_Evaluate.
#[test]
fn equal_handler_by_key_type() {
    check_handlers(&[
        ("bool equal true", "Equals", r##"true"##, r##"true"##, true),
        (
            "bool equal false",
            "Equals",
            r##"false"##,
            r##"false"##,
            true,
        ),
        ("bool not equal", "Equals", r##"true"##, r##"false"##, false),
        (
            "bool with wrong type",
            "Equals",
            r##"true"##,
            r##""true""##,
            false,
        ),
        ("int equal", "Equals", r##"42"##, r##"42"##, true),
        ("int not equal", "Equals", r##"42"##, r##"43"##, false),
        ("int64 equal", "Equals", r##"100"##, r##"100"##, true),
        ("int with int64", "Equals", r##"42"##, r##"42"##, true),
        (
            "int with float64 no fraction",
            "Equals",
            r##"42"##,
            r##"42.0"##,
            true,
        ),
        (
            "int with float64 with fraction",
            "Equals",
            r##"42"##,
            r##"42.5"##,
            false,
        ),
        ("int with string", "Equals", r##"42"##, r##""42""##, true),
        (
            "int with invalid string",
            "Equals",
            r##"42"##,
            r##""invalid""##,
            false,
        ),
        ("float equal", "Equals", r##"3.14"##, r##"3.14"##, true),
        ("float not equal", "Equals", r##"3.14"##, r##"2.71"##, false),
        (
            "float with int no fraction",
            "Equals",
            r##"42.0"##,
            r##"42"##,
            true,
        ),
        ("float with int64", "Equals", r##"100.0"##, r##"100"##, true),
        (
            "float with string",
            "Equals",
            r##"3.14"##,
            r##""3.14""##,
            true,
        ),
        (
            "float with invalid string",
            "Equals",
            r##"3.14"##,
            r##""invalid""##,
            false,
        ),
        (
            "string equal",
            "Equals",
            r##""hello""##,
            r##""hello""##,
            true,
        ),
        (
            "string not equal",
            "Equals",
            r##""hello""##,
            r##""world""##,
            false,
        ),
        (
            "string with wildcard match",
            "Equals",
            r##""hello-world""##,
            r##""hello-*""##,
            true,
        ),
        (
            "string with wildcard no match",
            "Equals",
            r##""goodbye-world""##,
            r##""hello-*""##,
            false,
        ),
        (
            "string with wrong type",
            "Equals",
            r##""hello""##,
            r##"123"##,
            false,
        ),
        (
            "resource quantity equal",
            "Equals",
            r##""100Mi""##,
            r##""100Mi""##,
            true,
        ),
        (
            "resource quantity equal different format",
            "Equals",
            r##""1Gi""##,
            r##""1024Mi""##,
            true,
        ),
        (
            "resource quantity not equal",
            "Equals",
            r##""100Mi""##,
            r##""200Mi""##,
            false,
        ),
        ("duration equal", "Equals", r##""1h""##, r##""60m""##, true),
        (
            "duration not equal",
            "Equals",
            r##""1h""##,
            r##""30m""##,
            false,
        ),
        (
            "map equal",
            "Equals",
            r##"{"foo":"bar"}"##,
            r##"{"foo":"bar"}"##,
            true,
        ),
        (
            "map not equal",
            "Equals",
            r##"{"foo":"bar"}"##,
            r##"{"foo":"baz"}"##,
            false,
        ),
        (
            "map with wrong type",
            "Equals",
            r##"{"foo":"bar"}"##,
            r##""not a map""##,
            false,
        ),
        (
            "slice equal",
            "Equals",
            r##"["a","b","c"]"##,
            r##"["a","b","c"]"##,
            true,
        ),
        (
            "slice not equal",
            "Equals",
            r##"["a","b","c"]"##,
            r##"["a","b","d"]"##,
            false,
        ),
        (
            "slice different length",
            "Equals",
            r##"["a","b","c"]"##,
            r##"["a","b"]"##,
            false,
        ),
        (
            "slice with wrong type",
            "Equals",
            r##"["a","b","c"]"##,
            r##""not a slice""##,
            false,
        ),
    ]);
}

/// Go: equal_test.go TestEqualHandler_ValidateValueWithIntPattern.
#[test]
fn equal_int64_key_parses_strings_as_integers() {
    check_handlers(&[
        ("int with int", "Equals", r##"10"##, r##"10"##, true),
        ("int with int64", "Equals", r##"10"##, r##"10"##, true),
        (
            "int with float64 no fraction",
            "Equals",
            r##"10"##,
            r##"10.0"##,
            true,
        ),
        (
            "int with float64 with fraction",
            "Equals",
            r##"10"##,
            r##"10.5"##,
            false,
        ),
        (
            "int with string valid",
            "Equals",
            r##"10"##,
            r##""10""##,
            true,
        ),
        (
            "int with string invalid",
            "Equals",
            r##"10"##,
            r##""abc""##,
            false,
        ),
        (
            "int with wrong type",
            "Equals",
            r##"10"##,
            r##"true"##,
            false,
        ),
    ]);
}

/// Go: equal_test.go TestEqualHandler_ValidateValueWithFloatPattern.
#[test]
fn equal_float64_key_accepts_integral_ints_and_float_strings() {
    check_handlers(&[
        ("float with int", "Equals", r##"10.0"##, r##"10"##, true),
        ("float with int64", "Equals", r##"10.0"##, r##"10"##, true),
        (
            "float with fraction and int",
            "Equals",
            r##"10.5"##,
            r##"10"##,
            false,
        ),
        (
            "float with float64",
            "Equals",
            r##"3.14"##,
            r##"3.14"##,
            true,
        ),
        (
            "float with string valid",
            "Equals",
            r##"3.14"##,
            r##""3.14""##,
            true,
        ),
        (
            "float with string invalid",
            "Equals",
            r##"3.14"##,
            r##""abc""##,
            false,
        ),
        (
            "float with wrong type",
            "Equals",
            r##"3.14"##,
            r##"true"##,
            false,
        ),
    ]);
}

/// Go: equal_test.go TestEqualHandler_ValidateValueWithBoolPattern.
#[test]
fn equal_bool_key_needs_a_bool() {
    check_handlers(&[
        ("true equals true", "Equals", r##"true"##, r##"true"##, true),
        (
            "false equals false",
            "Equals",
            r##"false"##,
            r##"false"##,
            true,
        ),
        (
            "true not equals false",
            "Equals",
            r##"true"##,
            r##"false"##,
            false,
        ),
        (
            "bool with wrong type",
            "Equals",
            r##"true"##,
            r##""true""##,
            false,
        ),
    ]);
}

/// Go: in_test.go TestInHandler_Evaluate.
#[test]
fn legacy_in_handler_by_key_type() {
    check_handlers(&[
        (
            "string in slice - found",
            "In",
            r##""apple""##,
            r##"["apple","banana","cherry"]"##,
            true,
        ),
        (
            "string in slice - not found",
            "In",
            r##""grape""##,
            r##"["apple","banana","cherry"]"##,
            false,
        ),
        (
            "string in slice - empty slice",
            "In",
            r##""apple""##,
            r##"[]"##,
            false,
        ),
        (
            "string matches string value",
            "In",
            r##""hello""##,
            r##""hello""##,
            true,
        ),
        (
            "string matches wildcard value",
            "In",
            r##""hello-world""##,
            r##""hello-*""##,
            true,
        ),
        (
            "string no match wildcard value",
            "In",
            r##""goodbye-world""##,
            r##""hello-*""##,
            false,
        ),
        (
            "string in JSON array string - found",
            "In",
            r##""apple""##,
            r##""[\"apple\", \"banana\", \"cherry\"]""##,
            true,
        ),
        (
            "string in JSON array string - not found",
            "In",
            r##""grape""##,
            r##""[\"apple\", \"banana\", \"cherry\"]""##,
            false,
        ),
        (
            "int in slice - found",
            "In",
            r##"42"##,
            r##"["42","43","44"]"##,
            true,
        ),
        (
            "int in slice - not found",
            "In",
            r##"99"##,
            r##"["42","43","44"]"##,
            false,
        ),
        (
            "int64 in slice - found",
            "In",
            r##"100"##,
            r##"["100","200"]"##,
            true,
        ),
        (
            "float64 in slice - found",
            "In",
            r##"3.14"##,
            r##"["3.14","2.71"]"##,
            true,
        ),
        (
            "bool in slice - found",
            "In",
            r##"true"##,
            r##"["true","false"]"##,
            true,
        ),
        (
            "slice subset of slice - all found",
            "In",
            r##"["apple","banana"]"##,
            r##"["apple","banana","cherry"]"##,
            true,
        ),
        (
            "slice subset of slice - not all found",
            "In",
            r##"["apple","grape"]"##,
            r##"["apple","banana","cherry"]"##,
            false,
        ),
        (
            "slice subset of JSON array - all found",
            "In",
            r##"["apple","banana"]"##,
            r##""[\"apple\", \"banana\", \"cherry\"]""##,
            true,
        ),
        (
            "unsupported key type",
            "In",
            r##"{"foo":"bar"}"##,
            r##"["a","b"]"##,
            false,
        ),
        (
            "invalid value type",
            "In",
            r##""apple""##,
            r##"12345"##,
            false,
        ),
    ]);
}

/// Go: in_test.go TestInHandler_ValidateValueWithStringPattern.
#[test]
fn legacy_in_string_key_matches_lists_and_wildcards() {
    check_handlers(&[
        (
            "found in slice",
            "In",
            r##""test""##,
            r##"["test","other"]"##,
            true,
        ),
        (
            "not found in slice",
            "In",
            r##""missing""##,
            r##"["test","other"]"##,
            false,
        ),
        (
            "matches string with wildcard",
            "In",
            r##""prefix-suffix""##,
            r##""prefix-*""##,
            true,
        ),
        ("invalid value type", "In", r##""test""##, r##"123"##, false),
    ]);
}

/// Go: in_test.go TestInHandler_ValidateValueWithStringSetPattern.
#[test]
fn legacy_in_list_key_is_a_subset_check() {
    check_handlers(&[
        (
            "all keys in slice",
            "In",
            r##"["a","b"]"##,
            r##"["a","b","c"]"##,
            true,
        ),
        (
            "not all keys in slice",
            "In",
            r##"["a","d"]"##,
            r##"["a","b","c"]"##,
            false,
        ),
        (
            "all keys in JSON array",
            "In",
            r##"["a","b"]"##,
            r##""[\"a\", \"b\", \"c\"]""##,
            true,
        ),
        (
            "single key matches string",
            "In",
            r##"["test"]"##,
            r##""test""##,
            true,
        ),
        (
            "single key no match string",
            "In",
            r##"["other"]"##,
            r##""test""##,
            false,
        ),
        ("invalid value type", "In", r##"["a"]"##, r##"123"##, false),
    ]);
}

/// Go: in_test.go TestKeyExistsInArray (In = valid && found, NotIn = valid && !found).
#[test]
fn legacy_key_exists_in_array_drives_in_and_not_in() {
    check_handlers(&[
        (
            "key in slice (In)",
            "In",
            r##""apple""##,
            r##"["apple","banana"]"##,
            true,
        ),
        (
            "key in slice (NotIn)",
            "NotIn",
            r##""apple""##,
            r##"["apple","banana"]"##,
            false,
        ),
        (
            "key not in slice (In)",
            "In",
            r##""cherry""##,
            r##"["apple","banana"]"##,
            false,
        ),
        (
            "key not in slice (NotIn)",
            "NotIn",
            r##""cherry""##,
            r##"["apple","banana"]"##,
            true,
        ),
        (
            "key matches with wildcard in slice (In)",
            "In",
            r##""hello-world""##,
            r##"["hello-*","goodbye"]"##,
            true,
        ),
        (
            "key matches with wildcard in slice (NotIn)",
            "NotIn",
            r##""hello-world""##,
            r##"["hello-*","goodbye"]"##,
            false,
        ),
        (
            "key is wildcard matches value (In)",
            "In",
            r##""hello-*""##,
            r##"["hello-world","goodbye"]"##,
            true,
        ),
        (
            "key is wildcard matches value (NotIn)",
            "NotIn",
            r##""hello-*""##,
            r##"["hello-world","goodbye"]"##,
            false,
        ),
        (
            "key matches string value (In)",
            "In",
            r##""test""##,
            r##""test""##,
            true,
        ),
        (
            "key matches string value (NotIn)",
            "NotIn",
            r##""test""##,
            r##""test""##,
            false,
        ),
        (
            "key matches wildcard string (In)",
            "In",
            r##""prefix-suffix""##,
            r##""prefix-*""##,
            true,
        ),
        (
            "key matches wildcard string (NotIn)",
            "NotIn",
            r##""prefix-suffix""##,
            r##""prefix-*""##,
            false,
        ),
        (
            "key in JSON array (In)",
            "In",
            r##""a""##,
            r##""[\"a\", \"b\", \"c\"]""##,
            true,
        ),
        (
            "key in JSON array (NotIn)",
            "NotIn",
            r##""a""##,
            r##""[\"a\", \"b\", \"c\"]""##,
            false,
        ),
        (
            "key not in JSON array (In)",
            "In",
            r##""d""##,
            r##""[\"a\", \"b\", \"c\"]""##,
            false,
        ),
        (
            "key not in JSON array (NotIn)",
            "NotIn",
            r##""d""##,
            r##""[\"a\", \"b\", \"c\"]""##,
            true,
        ),
        (
            "invalid JSON (In)",
            "In",
            r##""a""##,
            r##""not-valid-json""##,
            false,
        ),
        (
            "invalid JSON (NotIn)",
            "NotIn",
            r##""a""##,
            r##""not-valid-json""##,
            false,
        ),
        (
            "invalid value type (In)",
            "In",
            r##""a""##,
            r##"12345"##,
            false,
        ),
        (
            "invalid value type (NotIn)",
            "NotIn",
            r##""a""##,
            r##"12345"##,
            false,
        ),
    ]);
}

/// Go: in_test.go TestSetExistsInArray (result = valid && found).
#[test]
fn legacy_set_exists_in_array_drives_in_and_not_in() {
    check_handlers(&[
        (
            "all keys in slice - In check",
            "In",
            r##"["a","b"]"##,
            r##"["a","b","c"]"##,
            true,
        ),
        (
            "not all keys in slice - In check",
            "In",
            r##"["a","d"]"##,
            r##"["a","b","c"]"##,
            false,
        ),
        (
            "any key not in slice - NotIn check",
            "NotIn",
            r##"["a","d"]"##,
            r##"["a","b","c"]"##,
            true,
        ),
        (
            "all keys in slice - NotIn check",
            "NotIn",
            r##"["a","b"]"##,
            r##"["a","b","c"]"##,
            false,
        ),
        (
            "single key matches string value",
            "In",
            r##"["test"]"##,
            r##""test""##,
            true,
        ),
        (
            "keys in JSON array",
            "In",
            r##"["a","b"]"##,
            r##""[\"a\", \"b\", \"c\"]""##,
            true,
        ),
        ("invalid JSON", "In", r##"["a"]"##, r##""not-json""##, false),
        (
            "non-string in value slice",
            "In",
            r##"["a"]"##,
            r##"["a",123]"##,
            false,
        ),
        (
            "invalid value type",
            "In",
            r##"["a"]"##,
            r##"12345"##,
            false,
        ),
    ]);
}

/// Go: in_test.go TestIsIn.
#[test]
fn legacy_in_every_key_in_values() {
    check_handlers(&[
        (
            "all keys in value",
            "In",
            r##"["a","b"]"##,
            r##"["a","b","c"]"##,
            true,
        ),
        (
            "not all keys in value",
            "In",
            r##"["a","d"]"##,
            r##"["a","b","c"]"##,
            false,
        ),
        ("empty key", "In", r##"[]"##, r##"["a","b"]"##, true),
        ("empty value", "In", r##"["a"]"##, r##"[]"##, false),
        ("both empty", "In", r##"[]"##, r##"[]"##, true),
    ]);
}

/// Go: in_test.go TestIsNotIn.
#[test]
fn legacy_not_in_some_key_missing() {
    check_handlers(&[
        (
            "any key not in value",
            "NotIn",
            r##"["a","d"]"##,
            r##"["a","b","c"]"##,
            true,
        ),
        (
            "all keys in value",
            "NotIn",
            r##"["a","b"]"##,
            r##"["a","b","c"]"##,
            false,
        ),
        (
            "empty key - none not in",
            "NotIn",
            r##"[]"##,
            r##"["a","b"]"##,
            false,
        ),
        (
            "key not in empty value",
            "NotIn",
            r##"["a"]"##,
            r##"[]"##,
            true,
        ),
        ("both empty", "NotIn", r##"[]"##, r##"[]"##, false),
    ]);
}

/// Go: notequal_test.go TestNotEqualHandler_Evaluate.
#[test]
fn not_equal_handler_by_key_type() {
    check_handlers(&[
        ("bool", "NotEquals", r##"true"##, r##"false"##, true),
        ("int", "NotEquals", r##"42"##, r##"43"##, true),
        (
            "int vs fractional float",
            "NotEquals",
            r##"5"##,
            r##"5.5"##,
            true,
        ),
        ("float", "NotEquals", r##"3.14"##, r##"2.71"##, true),
        ("string", "NotEquals", r##""hello""##, r##""world""##, true),
        (
            "resource quantity vs non-quantity",
            "NotEquals",
            r##""100Mi""##,
            r##""not-a-quantity""##,
            true,
        ),
        ("duration", "NotEquals", r##""1h""##, r##""30m""##, true),
        (
            "map",
            "NotEquals",
            r##"{"foo":"bar"}"##,
            r##"{"foo":"baz"}"##,
            true,
        ),
        (
            "slice",
            "NotEquals",
            r##"["a","b"]"##,
            r##"["a","c"]"##,
            true,
        ),
    ]);
}

/// Go: numeric_test.go Test_NumericOperatorHandler_Evaluate.
#[test]
fn numeric_handler_tries_duration_quantity_number_semver() {
    check_handlers(&[
        ("gt true", "GreaterThan", r##"10"##, r##"5"##, true),
        ("gt false", "GreaterThan", r##"5"##, r##"10"##, false),
        ("gt equal", "GreaterThan", r##"5"##, r##"5"##, false),
        ("ge true", "GreaterThanOrEquals", r##"10"##, r##"10"##, true),
        ("lt true", "LessThan", r##"5"##, r##"10"##, true),
        ("le true", "LessThanOrEquals", r##"5"##, r##"5"##, true),
        ("float gt", "GreaterThan", r##"10.5"##, r##"10.4"##, true),
        ("float lt", "LessThan", r##"10.4"##, r##"10.5"##, true),
        (
            "string numeric gt",
            "GreaterThan",
            r##""100""##,
            r##"50"##,
            true,
        ),
        (
            "string numeric lt",
            "LessThan",
            r##""50""##,
            r##""100""##,
            true,
        ),
        (
            "semver gt",
            "GreaterThan",
            r##""1.2.3""##,
            r##""1.2.2""##,
            true,
        ),
        (
            "semver lt",
            "LessThan",
            r##""1.1.0""##,
            r##""1.2.0""##,
            true,
        ),
        (
            "semver ge",
            "GreaterThanOrEquals",
            r##""1.2.0""##,
            r##""1.2.0""##,
            true,
        ),
        (
            "resource gt",
            "GreaterThan",
            r##""200Mi""##,
            r##""100Mi""##,
            true,
        ),
        ("resource lt", "LessThan", r##""1Gi""##, r##""2Gi""##, true),
        (
            "resource ge",
            "GreaterThanOrEquals",
            r##""500m""##,
            r##""0.5""##,
            true,
        ),
        (
            "unsupported type key",
            "GreaterThan",
            r##"true"##,
            r##"5"##,
            false,
        ),
        (
            "invalid numeric string",
            "GreaterThan",
            r##""not-a-number""##,
            r##"5"##,
            false,
        ),
        ("nil key", "GreaterThan", r##"null"##, r##"5"##, false),
    ]);
}

/// Go: TestEvaluate: Equals.
#[test]
fn evaluate_equals() {
    check_conditions(&[
        ("case 1", "Equals", r##""string""##, r##""string""##, true),
        ("case 2", "Equals", r##"1.0"##, r##"1.0"##, true),
        ("case 3", "Equals", r##"1.0"##, r##"1.0"##, true),
        ("case 4", "Equals", r##"1.0"##, r##"1.0"##, true),
        ("case 5", "Equals", r##"1.0"##, r##"1.0"##, true),
        ("case 6", "Equals", r##"true"##, r##"true"##, true),
        ("case 7", "Equals", r##"false"##, r##"false"##, true),
        ("case 8", "Equals", r##""1024""##, r##""1Ki""##, true),
        ("case 9", "Equals", r##""1Ki""##, r##""1024""##, true),
        ("case 10", "Equals", r##""1Gi""##, r##""1Gi""##, true),
        ("case 11", "Equals", r##""1Gi""##, r##""1024Mi""##, true),
        ("case 12", "Equals", r##""1h""##, r##""1h""##, true),
        ("case 13", "Equals", r##""1h""##, r##""60m""##, true),
        (
            "case 14",
            "Equals",
            r##"{"foo":"bar"}"##,
            r##"{"foo":"bar"}"##,
            true,
        ),
        (
            "case 15",
            "Equals",
            r##"["foo","bar"]"##,
            r##"["foo","bar"]"##,
            true,
        ),
        (
            "case 16",
            "Equals",
            r##"[{"foo":"bar"}]"##,
            r##"[{"foo":"bar"}]"##,
            true,
        ),
        (
            "case 17",
            "Equals",
            r##""string""##,
            r##""not string""##,
            false,
        ),
        ("case 18", "Equals", r##"1.0"##, r##"2.0"##, false),
        ("case 19", "Equals", r##"1.0"##, r##"2.0"##, false),
        ("case 20", "Equals", r##"1.0"##, r##"2.0"##, false),
        ("case 21", "Equals", r##"1.0"##, r##"2.0"##, false),
        ("case 22", "Equals", r##"true"##, r##"false"##, false),
        ("case 23", "Equals", r##"false"##, r##"true"##, false),
        ("case 24", "Equals", r##""1Gi""##, r##""10Gi""##, false),
        ("case 25", "Equals", r##""10Gi""##, r##""1024Mi""##, false),
        ("case 26", "Equals", r##""1h""##, r##""5h""##, false),
        ("case 27", "Equals", r##""1h""##, r##""30m""##, false),
        ("case 28", "Equals", r##""string""##, r##"1.0"##, false),
        ("case 29", "Equals", r##"1.0"##, r##""2""##, false),
        ("case 30", "Equals", r##"1.0"##, r##""2.0""##, false),
        ("case 31", "Equals", r##"true"##, r##""false""##, false),
        ("case 32", "Equals", r##"false"##, r##""true""##, false),
        (
            "case 33",
            "Equals",
            r##"{"foo":"bar"}"##,
            r##"{"bar":"foo"}"##,
            false,
        ),
        (
            "case 34",
            "Equals",
            r##"["foo","bar"]"##,
            r##"["bar","foo"]"##,
            false,
        ),
        (
            "case 35",
            "Equals",
            r##"[{"foo":"bar"}]"##,
            r##"[{"bar":"foo"}]"##,
            false,
        ),
        ("case 36", "Equals", r##""1h""##, r##"3600.0"##, true),
        ("case 37", "Equals", r##""2h""##, r##"3600.0"##, false),
        ("case 38", "Equals", r##""1.5.2""##, r##""1.5.2""##, true),
        ("case 39", "Equals", r##""1.5.2""##, r##""1.5.*""##, true),
        ("case 40", "Equals", r##""1.5.0""##, r##""1.5.5""##, false),
    ]);
}

/// Go: TestEvaluate: NotEquals.
#[test]
fn evaluate_not_equals() {
    check_conditions(&[
        (
            "case 1",
            "NotEquals",
            r##""string""##,
            r##""string""##,
            false,
        ),
        ("case 2", "NotEquals", r##"1.0"##, r##"1.0"##, false),
        ("case 3", "NotEquals", r##"1.0"##, r##"1.0"##, false),
        ("case 4", "NotEquals", r##"1.0"##, r##"1.0"##, false),
        ("case 5", "NotEquals", r##"1.0"##, r##"1.0"##, false),
        ("case 6", "NotEquals", r##"true"##, r##"false"##, true),
        ("case 7", "NotEquals", r##"false"##, r##"false"##, false),
        ("case 8", "NotEquals", r##""1024""##, r##""1Ki""##, false),
        ("case 9", "NotEquals", r##""1Ki""##, r##""1024""##, false),
        ("case 10", "NotEquals", r##""1023""##, r##""1Ki""##, true),
        ("case 11", "NotEquals", r##""1Ki""##, r##""1023""##, true),
        ("case 12", "NotEquals", r##""1Gi""##, r##""1Gi""##, false),
        ("case 13", "NotEquals", r##""10Gi""##, r##""1024Mi""##, true),
        ("case 14", "NotEquals", r##""1h""##, r##""1h""##, false),
        ("case 15", "NotEquals", r##""1h""##, r##""60m""##, false),
        (
            "case 16",
            "NotEquals",
            r##"{"foo":"bar"}"##,
            r##"{"foo":"bar"}"##,
            false,
        ),
        (
            "case 17",
            "NotEquals",
            r##"["foo","bar"]"##,
            r##"["foo","bar"]"##,
            false,
        ),
        (
            "case 18",
            "NotEquals",
            r##"[{"foo":"bar"}]"##,
            r##"[{"foo":"bar"}]"##,
            false,
        ),
        (
            "case 19",
            "NotEquals",
            r##""string""##,
            r##""not string""##,
            true,
        ),
        ("case 20", "NotEquals", r##"1.0"##, r##"2.0"##, true),
        ("case 21", "NotEquals", r##"1.0"##, r##"2.0"##, true),
        ("case 22", "NotEquals", r##"1.0"##, r##"2.0"##, true),
        ("case 23", "NotEquals", r##"1.0"##, r##"2.0"##, true),
        ("case 24", "NotEquals", r##"true"##, r##"true"##, false),
        ("case 25", "NotEquals", r##"false"##, r##"true"##, true),
        ("case 26", "NotEquals", r##""1Gi""##, r##""10Gi""##, true),
        ("case 27", "NotEquals", r##""1Gi""##, r##""1024Mi""##, false),
        ("case 28", "NotEquals", r##""1h""##, r##""5h""##, true),
        ("case 29", "NotEquals", r##""1h""##, r##""30m""##, true),
        ("case 30", "NotEquals", r##""string""##, r##"1.0"##, true),
        ("case 31", "NotEquals", r##"1.0"##, r##""2""##, true),
        ("case 32", "NotEquals", r##"1.0"##, r##""2.0""##, true),
        ("case 33", "NotEquals", r##"true"##, r##""false""##, true),
        ("case 34", "NotEquals", r##"false"##, r##""true""##, true),
        (
            "case 35",
            "NotEquals",
            r##"{"foo":"bar"}"##,
            r##"{"bar":"foo"}"##,
            true,
        ),
        (
            "case 36",
            "NotEquals",
            r##"["foo","bar"]"##,
            r##"["bar","foo"]"##,
            true,
        ),
        (
            "case 37",
            "NotEquals",
            r##"[{"foo":"bar"}]"##,
            r##"[{"bar":"foo"}]"##,
            true,
        ),
        ("case 38", "NotEquals", r##""1h""##, r##"3600.0"##, false),
        ("case 39", "NotEquals", r##""2h""##, r##"3600.0"##, true),
        ("case 40", "NotEquals", r##""1.5.2""##, r##""1.5.5""##, true),
        (
            "case 41",
            "NotEquals",
            r##""1.5.2""##,
            r##""1.5.*""##,
            false,
        ),
        (
            "case 42",
            "NotEquals",
            r##""1.5.0""##,
            r##""1.5.0""##,
            false,
        ),
    ]);
}

/// Go: TestEvaluate: GreaterThan.
#[test]
fn evaluate_greater_than() {
    check_conditions(&[
        ("case 1", "GreaterThan", r##"10.0"##, r##"1.0"##, true),
        ("case 2", "GreaterThan", r##"1.5"##, r##"1.0"##, true),
        ("case 3", "GreaterThan", r##"1.5"##, r##"1.0"##, true),
        ("case 4", "GreaterThan", r##"1.0"##, r##"10.0"##, false),
        ("case 5", "GreaterThan", r##"1.0"##, r##"1.5"##, false),
        ("case 6", "GreaterThan", r##"1.0"##, r##"1.5"##, false),
        ("case 7", "GreaterThan", r##"1.0"##, r##"1.0"##, false),
        ("case 8", "GreaterThan", r##"1.0"##, r##"1.0"##, false),
        ("case 9", "GreaterThan", r##""1025""##, r##""1Ki""##, true),
        ("case 10", "GreaterThan", r##""1Ki""##, r##""1023""##, true),
        ("case 11", "GreaterThan", r##""10Gi""##, r##""1Gi""##, true),
        ("case 12", "GreaterThan", r##""1Gi""##, r##""1Mi""##, true),
        ("case 13", "GreaterThan", r##""1Gi""##, r##""10Gi""##, false),
        (
            "case 14",
            "GreaterThan",
            r##""10Mi""##,
            r##""10Mi""##,
            false,
        ),
        ("case 15", "GreaterThan", r##""10h""##, r##""1h""##, true),
        ("case 16", "GreaterThan", r##""1h""##, r##""30m""##, true),
        ("case 17", "GreaterThan", r##""1h""##, r##""1h""##, false),
        ("case 18", "GreaterThan", r##""1Gi""##, r##""1Gi""##, false),
        ("case 19", "GreaterThan", r##""10""##, r##"1.0"##, true),
        ("case 20", "GreaterThan", r##"100.0"##, r##""10""##, true),
        ("case 21", "GreaterThan", r##""100""##, r##""10""##, true),
        ("case 22", "GreaterThan", r##""10""##, r##""10""##, false),
        ("case 23", "GreaterThan", r##""1""##, r##""10""##, false),
        ("case 24", "GreaterThan", r##""1""##, r##"10.0"##, false),
        ("case 25", "GreaterThan", r##"1.0"##, r##""10""##, false),
        ("case 26", "GreaterThan", r##""1h""##, r##"3600.0"##, false),
        ("case 27", "GreaterThan", r##""2h""##, r##"3600.0"##, true),
        ("case 28", "GreaterThan", r##"3600.0"##, r##""1h""##, false),
        ("case 29", "GreaterThan", r##"3600.0"##, r##""30m""##, true),
        ("case 30", "GreaterThan", r##"1.0"##, r##"1.0"##, false),
        ("case 31", "GreaterThan", r##"10.0"##, r##"1.0"##, true),
        ("case 32", "GreaterThan", r##"1.0"##, r##"10.0"##, false),
        ("case 33", "GreaterThan", r##"1.0"##, r##"1.0"##, false),
        ("case 34", "GreaterThan", r##"10.0"##, r##"1.0"##, true),
        ("case 35", "GreaterThan", r##"1.0"##, r##"10.0"##, false),
        ("case 36", "GreaterThan", r##"1.0"##, r##"1.0"##, false),
        ("case 37", "GreaterThan", r##"10.0"##, r##"1.0"##, true),
        ("case 38", "GreaterThan", r##"1.0"##, r##"10.0"##, false),
        ("case 39", "GreaterThan", r##"-5.0"##, r##"1.0"##, false),
        ("case 40", "GreaterThan", r##"-5.0"##, r##"-10.0"##, true),
        ("case 41", "GreaterThan", r##"1.0"##, r##"-10.0"##, true),
        (
            "case 42",
            "GreaterThan",
            r##""1.5.5""##,
            r##""1.5.0""##,
            true,
        ),
        (
            "case 43",
            "GreaterThan",
            r##""1.5.0""##,
            r##""1.5.5""##,
            false,
        ),
    ]);
}

/// Go: TestEvaluate: LessThan.
#[test]
fn evaluate_less_than() {
    check_conditions(&[
        ("case 1", "LessThan", r##"10.0"##, r##"1.0"##, false),
        ("case 2", "LessThan", r##"1.5"##, r##"1.0"##, false),
        ("case 3", "LessThan", r##"1.5"##, r##"1.0"##, false),
        ("case 4", "LessThan", r##"1.0"##, r##"10.0"##, true),
        ("case 5", "LessThan", r##"1.0"##, r##"1.5"##, true),
        ("case 6", "LessThan", r##"1.0"##, r##"1.5"##, true),
        ("case 7", "LessThan", r##"1.0"##, r##"1.0"##, false),
        ("case 8", "LessThan", r##"1.0"##, r##"1.0"##, false),
        ("case 9", "LessThan", r##""1023""##, r##""1Ki""##, true),
        ("case 10", "LessThan", r##""1Ki""##, r##""1025""##, true),
        ("case 11", "LessThan", r##""10Gi""##, r##""1Gi""##, false),
        ("case 12", "LessThan", r##""1Gi""##, r##""10Gi""##, true),
        ("case 13", "LessThan", r##""1Gi""##, r##""1Mi""##, false),
        ("case 14", "LessThan", r##""1Mi""##, r##""1Gi""##, true),
        ("case 15", "LessThan", r##""10h""##, r##""1h""##, false),
        ("case 16", "LessThan", r##""1h""##, r##""30m""##, false),
        ("case 17", "LessThan", r##""1h""##, r##""1h""##, false),
        ("case 18", "LessThan", r##""1Gi""##, r##""1Gi""##, false),
        ("case 19", "LessThan", r##""10""##, r##"1.0"##, false),
        ("case 20", "LessThan", r##"100.0"##, r##""10""##, false),
        ("case 21", "LessThan", r##""100""##, r##""10""##, false),
        ("case 22", "LessThan", r##""10""##, r##""10""##, false),
        ("case 23", "LessThan", r##""1""##, r##""10""##, true),
        ("case 24", "LessThan", r##""1""##, r##"10.0"##, true),
        ("case 25", "LessThan", r##"1.0"##, r##""10""##, true),
        ("case 26", "LessThan", r##""1h""##, r##"3600.0"##, false),
        ("case 27", "LessThan", r##""30m""##, r##"3600.0"##, true),
        ("case 28", "LessThan", r##"3600.0"##, r##""1h""##, false),
        ("case 29", "LessThan", r##"3600.0"##, r##""30m""##, false),
        ("case 30", "LessThan", r##"1.0"##, r##"1.0"##, false),
        ("case 31", "LessThan", r##"10.0"##, r##"1.0"##, false),
        ("case 32", "LessThan", r##"1.0"##, r##"10.0"##, true),
        ("case 33", "LessThan", r##"1.0"##, r##"1.0"##, false),
        ("case 34", "LessThan", r##"10.0"##, r##"1.0"##, false),
        ("case 35", "LessThan", r##"1.0"##, r##"10.0"##, true),
        ("case 36", "LessThan", r##"1.0"##, r##"1.0"##, false),
        ("case 37", "LessThan", r##"10.0"##, r##"1.0"##, false),
        ("case 38", "LessThan", r##"1.0"##, r##"10.0"##, true),
        ("case 39", "LessThan", r##"-5.0"##, r##"1.0"##, true),
        ("case 40", "LessThan", r##"-5.0"##, r##"-10.0"##, false),
        ("case 41", "LessThan", r##"1.0"##, r##"-10.0"##, false),
        ("case 42", "LessThan", r##""1.5.5""##, r##""1.5.0""##, false),
        ("case 43", "LessThan", r##""1.5.0""##, r##""1.5.5""##, true),
    ]);
}

/// Go: TestEvaluate: GreaterThanOrEquals.
#[test]
fn evaluate_greater_than_or_equals() {
    check_conditions(&[
        (
            "case 1",
            "GreaterThanOrEquals",
            r##"10.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 2",
            "GreaterThanOrEquals",
            r##"1.5"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 3",
            "GreaterThanOrEquals",
            r##"1.5"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 4",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"10.0"##,
            false,
        ),
        (
            "case 5",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"1.5"##,
            false,
        ),
        (
            "case 6",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"1.5"##,
            false,
        ),
        (
            "case 7",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 8",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 9",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 10",
            "GreaterThanOrEquals",
            r##""1025""##,
            r##""1Ki""##,
            true,
        ),
        (
            "case 11",
            "GreaterThanOrEquals",
            r##""1024""##,
            r##""1Ki""##,
            true,
        ),
        (
            "case 12",
            "GreaterThanOrEquals",
            r##""1Ki""##,
            r##""1023""##,
            true,
        ),
        (
            "case 13",
            "GreaterThanOrEquals",
            r##""1Ki""##,
            r##""1024""##,
            true,
        ),
        (
            "case 14",
            "GreaterThanOrEquals",
            r##""10Gi""##,
            r##""1Gi""##,
            true,
        ),
        (
            "case 15",
            "GreaterThanOrEquals",
            r##""1Gi""##,
            r##""1Mi""##,
            true,
        ),
        (
            "case 16",
            "GreaterThanOrEquals",
            r##""1Gi""##,
            r##""10Gi""##,
            false,
        ),
        (
            "case 17",
            "GreaterThanOrEquals",
            r##""10h""##,
            r##""1h""##,
            true,
        ),
        (
            "case 18",
            "GreaterThanOrEquals",
            r##""1h""##,
            r##""30m""##,
            true,
        ),
        (
            "case 19",
            "GreaterThanOrEquals",
            r##""1h""##,
            r##""1h""##,
            true,
        ),
        (
            "case 20",
            "GreaterThanOrEquals",
            r##""1Gi""##,
            r##""1Gi""##,
            true,
        ),
        (
            "case 21",
            "GreaterThanOrEquals",
            r##""10""##,
            r##"1.0"##,
            true,
        ),
        (
            "case 22",
            "GreaterThanOrEquals",
            r##"100.0"##,
            r##""10""##,
            true,
        ),
        (
            "case 23",
            "GreaterThanOrEquals",
            r##""100""##,
            r##""10""##,
            true,
        ),
        (
            "case 24",
            "GreaterThanOrEquals",
            r##""10""##,
            r##""10""##,
            true,
        ),
        (
            "case 25",
            "GreaterThanOrEquals",
            r##""1""##,
            r##""10""##,
            false,
        ),
        (
            "case 26",
            "GreaterThanOrEquals",
            r##""1""##,
            r##"10.0"##,
            false,
        ),
        (
            "case 27",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##""10""##,
            false,
        ),
        (
            "case 28",
            "GreaterThanOrEquals",
            r##""1h""##,
            r##"3600.0"##,
            true,
        ),
        (
            "case 29",
            "GreaterThanOrEquals",
            r##""2h""##,
            r##"3600.0"##,
            true,
        ),
        (
            "case 30",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 31",
            "GreaterThanOrEquals",
            r##"10.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 32",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"10.0"##,
            false,
        ),
        (
            "case 33",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 34",
            "GreaterThanOrEquals",
            r##"10.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 35",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"10.0"##,
            false,
        ),
        (
            "case 36",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 37",
            "GreaterThanOrEquals",
            r##"10.0"##,
            r##"1.0"##,
            true,
        ),
        (
            "case 38",
            "GreaterThanOrEquals",
            r##"1.0"##,
            r##"10.0"##,
            false,
        ),
        (
            "case 39",
            "GreaterThanOrEquals",
            r##""1.5.5""##,
            r##""1.5.5""##,
            true,
        ),
        (
            "case 40",
            "GreaterThanOrEquals",
            r##""1.5.5""##,
            r##""1.5.0""##,
            true,
        ),
        (
            "case 41",
            "GreaterThanOrEquals",
            r##""1.5.0""##,
            r##""1.5.5""##,
            false,
        ),
    ]);
}

/// Go: TestEvaluate: LessThanOrEquals.
#[test]
fn evaluate_less_than_or_equals() {
    check_conditions(&[
        ("case 1", "LessThanOrEquals", r##"10.0"##, r##"1.0"##, false),
        ("case 2", "LessThanOrEquals", r##"1.5"##, r##"1.0"##, false),
        ("case 3", "LessThanOrEquals", r##"1.5"##, r##"1.0"##, false),
        ("case 4", "LessThanOrEquals", r##"1.0"##, r##"10.0"##, true),
        ("case 5", "LessThanOrEquals", r##"1.0"##, r##"1.5"##, true),
        ("case 6", "LessThanOrEquals", r##"1.0"##, r##"1.5"##, true),
        ("case 7", "LessThanOrEquals", r##"1.0"##, r##"1.0"##, true),
        ("case 8", "LessThanOrEquals", r##"1.0"##, r##"1.0"##, true),
        (
            "case 9",
            "LessThanOrEquals",
            r##""1Ki""##,
            r##""1024""##,
            true,
        ),
        (
            "case 10",
            "LessThanOrEquals",
            r##""1024""##,
            r##""1Ki""##,
            true,
        ),
        (
            "case 11",
            "LessThanOrEquals",
            r##""1Ki""##,
            r##""1025""##,
            true,
        ),
        (
            "case 12",
            "LessThanOrEquals",
            r##""1023""##,
            r##""1Ki""##,
            true,
        ),
        (
            "case 13",
            "LessThanOrEquals",
            r##""10Gi""##,
            r##""1Gi""##,
            false,
        ),
        (
            "case 14",
            "LessThanOrEquals",
            r##""1Gi""##,
            r##""10Gi""##,
            true,
        ),
        (
            "case 15",
            "LessThanOrEquals",
            r##""1Gi""##,
            r##""1Mi""##,
            false,
        ),
        (
            "case 16",
            "LessThanOrEquals",
            r##""1Mi""##,
            r##""1Gi""##,
            true,
        ),
        (
            "case 17",
            "LessThanOrEquals",
            r##""10h""##,
            r##""1h""##,
            false,
        ),
        (
            "case 18",
            "LessThanOrEquals",
            r##""1h""##,
            r##""30m""##,
            false,
        ),
        (
            "case 19",
            "LessThanOrEquals",
            r##""1h""##,
            r##""1h""##,
            true,
        ),
        (
            "case 20",
            "LessThanOrEquals",
            r##""1Gi""##,
            r##""1Gi""##,
            true,
        ),
        (
            "case 21",
            "LessThanOrEquals",
            r##""10""##,
            r##"1.0"##,
            false,
        ),
        (
            "case 22",
            "LessThanOrEquals",
            r##"100.0"##,
            r##""10""##,
            false,
        ),
        (
            "case 23",
            "LessThanOrEquals",
            r##""100""##,
            r##""10""##,
            false,
        ),
        (
            "case 24",
            "LessThanOrEquals",
            r##""10""##,
            r##""10""##,
            true,
        ),
        ("case 25", "LessThanOrEquals", r##""1""##, r##""10""##, true),
        ("case 26", "LessThanOrEquals", r##""1""##, r##"10.0"##, true),
        ("case 27", "LessThanOrEquals", r##"1.0"##, r##""10""##, true),
        (
            "case 28",
            "LessThanOrEquals",
            r##""1h""##,
            r##"3600.0"##,
            true,
        ),
        (
            "case 29",
            "LessThanOrEquals",
            r##""2h""##,
            r##"3600.0"##,
            false,
        ),
        ("case 30", "LessThanOrEquals", r##"1.0"##, r##"1.0"##, true),
        (
            "case 31",
            "LessThanOrEquals",
            r##"10.0"##,
            r##"1.0"##,
            false,
        ),
        ("case 32", "LessThanOrEquals", r##"1.0"##, r##"10.0"##, true),
        ("case 33", "LessThanOrEquals", r##"1.0"##, r##"1.0"##, true),
        (
            "case 34",
            "LessThanOrEquals",
            r##"10.0"##,
            r##"1.0"##,
            false,
        ),
        ("case 35", "LessThanOrEquals", r##"1.0"##, r##"10.0"##, true),
        ("case 36", "LessThanOrEquals", r##"1.0"##, r##"1.0"##, true),
        (
            "case 37",
            "LessThanOrEquals",
            r##"10.0"##,
            r##"1.0"##,
            false,
        ),
        ("case 38", "LessThanOrEquals", r##"1.0"##, r##"10.0"##, true),
        (
            "case 39",
            "LessThanOrEquals",
            r##""1.5.5""##,
            r##""1.5.5""##,
            true,
        ),
        (
            "case 40",
            "LessThanOrEquals",
            r##""1.5.0""##,
            r##""1.5.5""##,
            true,
        ),
        (
            "case 41",
            "LessThanOrEquals",
            r##""1.5.5""##,
            r##""1.5.0""##,
            false,
        ),
    ]);
}

/// Go: TestEvaluate: In (deprecated).
#[test]
fn evaluate_in() {
    check_conditions(&[
        ("case 1", "In", r##"1.0"##, r##"[1,2,3]"##, true),
        ("case 2", "In", r##"1.5"##, r##"[1,1.5,2,3]"##, true),
        ("case 3", "In", r##""1""##, r##"["1","2","3"]"##, true),
        (
            "case 4",
            "In",
            r##"["1.1.1.1","2.2.2.2"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        ("case 5", "In", r##"5.0"##, r##"[1,2,3]"##, false),
        ("case 6", "In", r##"5.5"##, r##"[1,1.5,2,3]"##, false),
        ("case 7", "In", r##""5""##, r##"["1","2","3"]"##, false),
        ("case 8", "In", r##""1.1.1.1""##, r##"["1*"]"##, true),
        (
            "case 9",
            "In",
            r##"["1.1.1.1","4.4.4.4"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
    ]);
}

/// Go: TestEvaluate: NotIn (deprecated).
#[test]
fn evaluate_not_in() {
    check_conditions(&[
        ("case 1", "NotIn", r##"1.0"##, r##"[1,2,3]"##, false),
        ("case 2", "NotIn", r##"1.5"##, r##"[1,1.5,2,3]"##, false),
        ("case 3", "NotIn", r##""1""##, r##"["1","2","3"]"##, false),
        (
            "case 4",
            "NotIn",
            r##"["1.1.1.1","2.2.2.2"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        ("case 5", "NotIn", r##"5.0"##, r##"[1,2,3]"##, true),
        ("case 6", "NotIn", r##"5.5"##, r##"[1,1.5,2,3]"##, true),
        ("case 7", "NotIn", r##""5""##, r##"["1","2","3"]"##, true),
        (
            "case 8",
            "NotIn",
            r##"["1.1.1.1","4.4.4.4"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
    ]);
}

/// Go: TestEvaluate: AnyIn.
#[test]
fn evaluate_any_in() {
    check_conditions(&[
        (
            "case 1",
            "AnyIn",
            r##"["1.1.1.1","5.5.5.5"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 2",
            "AnyIn",
            r##"["1.1.1.1","5.5.5.5"]"##,
            r##""1.1.1.1""##,
            true,
        ),
        (
            "case 3",
            "AnyIn",
            r##"["4.4.4.4","5.5.5.5"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        (
            "case 4",
            "AnyIn",
            r##"["1.1.1.1","5.5.5.5"]"##,
            r##"["1.1.1.1"]"##,
            true,
        ),
        ("case 5", "AnyIn", r##"[1,2]"##, r##"[1,2,3,4]"##, true),
        ("case 6", "AnyIn", r##"[1,5]"##, r##"[1,2,3,4]"##, true),
        ("case 7", "AnyIn", r##"[5]"##, r##"[1,2,3,4]"##, false),
        (
            "case 8",
            "AnyIn",
            r##"["1*"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 9",
            "AnyIn",
            r##"["5*"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        (
            "case 10",
            "AnyIn",
            r##"["1.1.1.1","2.2.2.2","5.5.5.5"]"##,
            r##"["2*"]"##,
            true,
        ),
        (
            "case 11",
            "AnyIn",
            r##"["1.1.1.1","2.2.2.2","5.5.5.5"]"##,
            r##"["4*"]"##,
            false,
        ),
        ("case 12", "AnyIn", r##"["5"]"##, r##""1-3""##, false),
        ("case 13", "AnyIn", r##""1.1.1.1""##, r##"["1*"]"##, true),
        ("case 14", "AnyIn", r##""5""##, r##""1-10""##, true),
        ("case 15", "AnyIn", r##"5.0"##, r##""1-10""##, true),
        ("case 16", "AnyIn", r##"[1,5]"##, r##""7-10""##, false),
        ("case 17", "AnyIn", r##"[1,5]"##, r##""0-10""##, true),
        (
            "case 18",
            "AnyIn",
            r##"[1.002,1.222]"##,
            r##""1.001-10""##,
            true,
        ),
    ]);
}

/// Go: TestEvaluate: AllIn.
#[test]
fn evaluate_all_in() {
    check_conditions(&[
        (
            "case 1",
            "AllIn",
            r##"["1.1.1.1","2.2.2.2"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 2",
            "AllIn",
            r##"["1.1.1.1","5.5.5.5"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        (
            "case 3",
            "AllIn",
            r##"["4.4.4.4","5.5.5.5"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        (
            "case 4",
            "AllIn",
            r##"["1.1.1.1","5.5.5.5"]"##,
            r##"["1.1.1.1"]"##,
            false,
        ),
        ("case 5", "AllIn", r##"[1,2]"##, r##"[1,2,3,4]"##, true),
        ("case 6", "AllIn", r##"[1,5]"##, r##"[1,2,3,4]"##, false),
        ("case 7", "AllIn", r##"[5]"##, r##"[1,2,3,4]"##, false),
        (
            "case 8",
            "AllIn",
            r##"["1*"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 9",
            "AllIn",
            r##"["5*"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        (
            "case 10",
            "AllIn",
            r##"["2.1.1.1","2.2.2.2","2.5.5.5"]"##,
            r##"["2*"]"##,
            true,
        ),
        (
            "case 11",
            "AllIn",
            r##"["1.1.1.1","2.2.2.2","5.5.5.5"]"##,
            r##"["4*"]"##,
            false,
        ),
        (
            "case 12",
            "AllIn",
            r##"["1.1.1.1","5.5.5.5"]"##,
            r##""5.5.5.5""##,
            false,
        ),
        ("case 13", "AllIn", r##"5.0"##, r##""1-10""##, true),
        ("case 14", "AllIn", r##"[3,2]"##, r##""1-10""##, true),
        ("case 15", "AllIn", r##"[3,2]"##, r##""5-10""##, false),
    ]);
}

/// Go: TestEvaluate: AllNotIn.
#[test]
fn evaluate_all_not_in() {
    check_conditions(&[
        ("case 1", "AllNotIn", r##"1.0"##, r##"[1,2,3]"##, false),
        ("case 2", "AllNotIn", r##"1.5"##, r##"[1,1.5,2,3]"##, false),
        (
            "case 3",
            "AllNotIn",
            r##""1""##,
            r##"["1","2","3"]"##,
            false,
        ),
        (
            "case 4",
            "AllNotIn",
            r##"["1.1.1.1","2.2.2.2"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        ("case 5", "AllNotIn", r##"5.0"##, r##"[1,2,3]"##, true),
        ("case 6", "AllNotIn", r##"5.5"##, r##"[1,1.5,2,3]"##, true),
        ("case 7", "AllNotIn", r##""5""##, r##"["1","2","3"]"##, true),
        (
            "case 8",
            "AllNotIn",
            r##"["1.1.1.1","4.4.4.4"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        (
            "case 9",
            "AllNotIn",
            r##"["1.1.1.1","4.4.4.4"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3","1.1.1.1"]"##,
            false,
        ),
        (
            "case 10",
            "AllNotIn",
            r##"["1.1.1.1","4.4.4.4","1.1.1.1"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3","1.1.1.1","4.4.4.4"]"##,
            false,
        ),
        (
            "case 11",
            "AllNotIn",
            r##"["5.5.5.5","4.4.4.4"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 12",
            "AllNotIn",
            r##"["7*","6*","5*"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 13",
            "AllNotIn",
            r##"["1*","2*"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        (
            "case 14",
            "AllNotIn",
            r##"["1.1.1.1","3.3.3.3","5.5.5.5"]"##,
            r##"["2*"]"##,
            true,
        ),
        (
            "case 15",
            "AllNotIn",
            r##"["4.1.1.1","4.2.2.2","4.5.5.5"]"##,
            r##"["4*"]"##,
            false,
        ),
        (
            "case 16",
            "AllNotIn",
            r##"["1.1.1.1","4.4.4.4"]"##,
            r##""2.2.2.2""##,
            true,
        ),
        ("case 17", "AllNotIn", r##"5.5"##, r##""6-10""##, true),
        ("case 18", "AllNotIn", r##""5""##, r##""1-6""##, false),
        ("case 19", "AllNotIn", r##"[3,2]"##, r##""5-10""##, true),
        ("case 20", "AllNotIn", r##"[2,6]"##, r##""5-10""##, false),
    ]);
}

/// Go: TestEvaluate: AnyNotIn.
#[test]
fn evaluate_any_not_in() {
    check_conditions(&[
        ("case 1", "AnyNotIn", r##"1.0"##, r##"[1,2,3]"##, false),
        ("case 2", "AnyNotIn", r##"1.5"##, r##"[1,1.5,2,3]"##, false),
        (
            "case 3",
            "AnyNotIn",
            r##""1""##,
            r##"["1","2","3"]"##,
            false,
        ),
        (
            "case 4",
            "AnyNotIn",
            r##"["1.1.1.1","2.2.2.2"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            false,
        ),
        ("case 5", "AnyNotIn", r##"5.0"##, r##"[1,2,3]"##, true),
        ("case 6", "AnyNotIn", r##"5.5"##, r##"[1,1.5,2,3]"##, true),
        ("case 7", "AnyNotIn", r##""5""##, r##"["1","2","3"]"##, true),
        (
            "case 8",
            "AnyNotIn",
            r##"["1.1.1.1","4.4.4.4"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 9",
            "AnyNotIn",
            r##"["5.5.5.5","4.4.4.4"]"##,
            r##""4.4.4.4""##,
            true,
        ),
        (
            "case 10",
            "AnyNotIn",
            r##"["5.5.5.5","4.4.4.4"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 11",
            "AnyNotIn",
            r##"["1*","3*","5*"]"##,
            r##"["1.1.1.1","2.2.2.2","3.3.3.3"]"##,
            true,
        ),
        (
            "case 12",
            "AnyNotIn",
            r##"["1.1.1.1","2.2.2.2","5.5.5.5"]"##,
            r##"["2*"]"##,
            true,
        ),
        (
            "case 13",
            "AnyNotIn",
            r##"["2.2*"]"##,
            r##"["2.2.2.2"]"##,
            false,
        ),
        ("case 14", "AnyNotIn", r##""5""##, r##""1-3""##, true),
        ("case 15", "AnyNotIn", r##"[1,5,11]"##, r##""0-10""##, true),
        ("case 16", "AnyNotIn", r##"[1,5,7]"##, r##""0-10""##, false),
    ]);
}

/// A null or map value is an invalid type for the set operators, which then answer false (even the "not in" ones). (Expected results from the Go handlers.)
#[test]
fn set_operators_reject_null_and_map_values() {
    check_handlers(&[
        (
            "AnyNotIn string key, null value",
            "AnyNotIn",
            r##""team1-test""##,
            r##"null"##,
            false,
        ),
        (
            "AllNotIn string key, null value",
            "AllNotIn",
            r##""team1-test""##,
            r##"null"##,
            false,
        ),
        (
            "AnyIn string key, null value",
            "AnyIn",
            r##""a""##,
            r##"null"##,
            false,
        ),
        (
            "AnyNotIn list key, null value",
            "AnyNotIn",
            r##"["a"]"##,
            r##"null"##,
            false,
        ),
        (
            "AllNotIn list key, map value",
            "AllNotIn",
            r##"["a"]"##,
            r##"{"a":"a"}"##,
            false,
        ),
        (
            "AnyNotIn null key",
            "AnyNotIn",
            r##"null"##,
            r##"["a"]"##,
            false,
        ),
        (
            "AllNotIn map key",
            "AllNotIn",
            r##"{"a":1}"##,
            r##"["a"]"##,
            false,
        ),
        ("NotIn null key", "NotIn", r##"null"##, r##"["a"]"##, false),
        (
            "NotIn string key, number value",
            "NotIn",
            r##""a""##,
            r##"1.0"##,
            false,
        ),
    ]);
}

/// A string value that is valid JSON must decode as a string array, or the operator answers false. (Expected results from the Go handlers.)
#[test]
fn string_values_holding_json_must_be_string_arrays() {
    check_handlers(&[
        (
            "AnyIn key vs JSON number string",
            "AnyIn",
            r##""6""##,
            r##""5""##,
            false,
        ),
        (
            "AnyNotIn key vs JSON number string",
            "AnyNotIn",
            r##""6""##,
            r##""5""##,
            false,
        ),
        (
            "AnyNotIn key vs JSON true",
            "AnyNotIn",
            r##""a""##,
            r##""true""##,
            false,
        ),
        (
            "AnyNotIn key vs JSON object",
            "AnyNotIn",
            r##""a""##,
            r##""{\"a\":1}""##,
            false,
        ),
        (
            "AnyNotIn key vs JSON null",
            "AnyNotIn",
            r##""a""##,
            r##""null""##,
            true,
        ),
        (
            "AnyIn key vs JSON array with null",
            "AnyIn",
            r##""""##,
            r##""[\"a\",null]""##,
            true,
        ),
        (
            "AnyIn key vs JSON array of numbers",
            "AnyIn",
            r##""1""##,
            r##""[1,2]""##,
            false,
        ),
        (
            "AnyIn key vs non-JSON string",
            "AnyIn",
            r##""a""##,
            r##""a b""##,
            false,
        ),
        (
            "AnyNotIn key vs non-JSON string",
            "AnyNotIn",
            r##""a""##,
            r##""a b""##,
            true,
        ),
        (
            "JSON array elements compare exactly",
            "AnyIn",
            r##""kube-system""##,
            r##""[\"kube-*\"]""##,
            false,
        ),
        (
            "In: non-JSON string value is invalid",
            "In",
            r##""a""##,
            r##""b""##,
            false,
        ),
        (
            "NotIn: non-JSON string value is invalid",
            "NotIn",
            r##""a""##,
            r##""b""##,
            false,
        ),
        (
            "AllIn list key vs JSON string array",
            "AllIn",
            r##"["a","k*"]"##,
            r##""[\"a\",\"kyverno\"]""##,
            true,
        ),
        (
            "AllIn list key vs JSON number",
            "AllIn",
            r##"["a"]"##,
            r##""5""##,
            false,
        ),
    ]);
}

/// Range values (`1-10`) go through pattern validation; AnyNotIn rewrites the first dash to `!-`. (Expected results from the Go handlers.)
#[test]
fn ranges_in_set_operators() {
    check_handlers(&[
        ("AnyIn in range", "AnyIn", r##""5""##, r##""1-10""##, true),
        (
            "AnyIn number key in range",
            "AnyIn",
            r##"5"##,
            r##""1-10""##,
            true,
        ),
        (
            "AnyIn out of range",
            "AnyIn",
            r##""11""##,
            r##""1-10""##,
            false,
        ),
        (
            "AnyNotIn out of range",
            "AnyNotIn",
            r##""11""##,
            r##""1-10""##,
            true,
        ),
        (
            "AnyNotIn list, one outside",
            "AnyNotIn",
            r##"["5","11"]"##,
            r##""1-10""##,
            true,
        ),
        (
            "AnyNotIn list, all inside",
            "AnyNotIn",
            r##"["5","6"]"##,
            r##""1-10""##,
            false,
        ),
        (
            "AllIn list, all inside",
            "AllIn",
            r##"["5","6"]"##,
            r##""1-10""##,
            true,
        ),
        (
            "AllIn list, one outside",
            "AllIn",
            r##"["5","60"]"##,
            r##""1-10""##,
            false,
        ),
        ("AllIn empty list", "AllIn", r##"[]"##, r##""1-10""##, true),
        (
            "AllNotIn list, none inside",
            "AllNotIn",
            r##"["50","60"]"##,
            r##""1-10""##,
            true,
        ),
        (
            "AllNotIn list, one inside",
            "AllNotIn",
            r##"["5","60"]"##,
            r##""1-10""##,
            false,
        ),
        (
            "quantity range",
            "AnyIn",
            r##""1500Mi""##,
            r##""1Gi-2Gi""##,
            true,
        ),
        (
            "negative lower bound",
            "AnyIn",
            r##""-3""##,
            r##""-5-10""##,
            true,
        ),
        (
            "AnyNotIn rewrites the first dash: -5-10 becomes !-5-10",
            "AnyNotIn",
            r##"["-3"]"##,
            r##""-5-10""##,
            true,
        ),
        (
            "AnyNotIn negative lower bound, literal match",
            "AnyNotIn",
            r##"["-5-10","x"]"##,
            r##""-5-10""##,
            true,
        ),
        (
            "not-in-range values are no ranges for AnyIn",
            "AnyIn",
            r##""20""##,
            r##""1!-10""##,
            false,
        ),
        (
            "legacy In has no ranges",
            "In",
            r##""5""##,
            r##""1-10""##,
            false,
        ),
        (
            "digit-less quantity key is zero",
            "AnyIn",
            r##""m""##,
            r##""0-10""##,
            true,
        ),
        (
            "AllNotIn scalar key inside range",
            "AllNotIn",
            r##""5""##,
            r##""1-10""##,
            false,
        ),
    ]);
}

/// Keys and value items are compared as `fmt.Sprint` strings, wildcards both ways. (Expected results from the Go handlers.)
#[test]
fn set_operators_stringify_like_fmt_sprint() {
    check_handlers(&[
        (
            "float64 million prints as 1e+06",
            "AnyIn",
            r##"1000000.0"##,
            r##"["1e+06"]"##,
            true,
        ),
        (
            "int64 million prints digits",
            "AnyIn",
            r##"1000000"##,
            r##"["1000000"]"##,
            true,
        ),
        (
            "float64 1e21",
            "AnyIn",
            r##"[1e+21]"##,
            r##"["1e+21"]"##,
            true,
        ),
        ("bool key", "AnyIn", r##"true"##, r##"["true"]"##, true),
        (
            "null list item prints <nil>",
            "AnyIn",
            r##"[null]"##,
            r##"["<nil>"]"##,
            true,
        ),
        (
            "map list item",
            "AnyIn",
            r##"[{"b":1,"a":"x"}]"##,
            r##"["map[a:x b:1]"]"##,
            true,
        ),
        (
            "nested list item",
            "AllIn",
            r##"[[1,"a"]]"##,
            r##"["[1 a]"]"##,
            true,
        ),
        (
            "AnyIn number value",
            "AnyIn",
            r##"["2"]"##,
            r##"2.0"##,
            true,
        ),
        (
            "AllIn rejects a number value",
            "AllIn",
            r##"["2"]"##,
            r##"2.0"##,
            false,
        ),
        (
            "AllNotIn rejects a bool value",
            "AllNotIn",
            r##"["x"]"##,
            r##"true"##,
            false,
        ),
        (
            "wildcards match both ways",
            "AnyIn",
            r##"["kube-*"]"##,
            r##"["kube-system"]"##,
            true,
        ),
        (
            "single key equal to string value",
            "AnyNotIn",
            r##"["a*"]"##,
            r##""a*""##,
            false,
        ),
    ]);
}

/// The deprecated In/NotIn handlers: exact string sets, and a single key equal to the value is "found" for NotIn too. (Expected results from the Go handlers.)
#[test]
fn legacy_in_quirks() {
    check_handlers(&[
        (
            "NotIn single key equal to the value counts as not-in",
            "NotIn",
            r##"["a"]"##,
            r##""a""##,
            true,
        ),
        (
            "In list value must hold strings",
            "In",
            r##"["a"]"##,
            r##"["a",1.0]"##,
            false,
        ),
        (
            "In list keys compare exactly",
            "In",
            r##"["kube-system"]"##,
            r##"["kube-*"]"##,
            false,
        ),
        (
            "NotIn empty key list",
            "NotIn",
            r##"[]"##,
            r##"["a"]"##,
            false,
        ),
        (
            "In number key stringified",
            "In",
            r##"64"##,
            r##""[\"64\"]""##,
            true,
        ),
    ]);
}

/// Equals switches on the key's Go type: int64 (resource) keys parse strings as integers, float64 (policy) keys as floats; structures compare with reflect.DeepEqual. (Expected results from the Go handlers.)
#[test]
fn equals_follows_go_types() {
    check_handlers(&[
        (
            "int64 key, float string",
            "Equals",
            r##"5"##,
            r##""5.0""##,
            false,
        ),
        (
            "float64 key, float string",
            "Equals",
            r##"5.0"##,
            r##""5.0""##,
            true,
        ),
        (
            "float64 key, underscore float string",
            "Equals",
            r##"1000.0"##,
            r##""1_000""##,
            true,
        ),
        (
            "float64 key, hex float string",
            "Equals",
            r##"16.0"##,
            r##""0x1p4""##,
            true,
        ),
        (
            "int64 map vs float64 map",
            "Equals",
            r##"{"replicas":1}"##,
            r##"{"replicas":1.0}"##,
            false,
        ),
        (
            "int64 list vs float64 list",
            "Equals",
            r##"[1]"##,
            r##"[1.0]"##,
            false,
        ),
        (
            "maps compare regardless of order",
            "Equals",
            r##"{"a":1.0,"b":"x"}"##,
            r##"{"b":"x","a":1.0}"##,
            true,
        ),
        (
            "duration key, seconds value",
            "Equals",
            r##""1h""##,
            r##"3600.0"##,
            true,
        ),
        (
            "duration key, fractional seconds truncated",
            "Equals",
            r##""1s""##,
            r##"1.9"##,
            true,
        ),
        (
            "number key does not read duration strings",
            "Equals",
            r##"60"##,
            r##""1m""##,
            false,
        ),
        (
            "zero string is no duration",
            "Equals",
            r##""0""##,
            r##"0.0"##,
            false,
        ),
        (
            "signed zero is a duration",
            "Equals",
            r##""+0""##,
            r##"0.0"##,
            true,
        ),
        (
            "quantity key, non-quantity value",
            "Equals",
            r##""1Gi""##,
            r##""abc""##,
            false,
        ),
        (
            "quantity key, wildcard value",
            "Equals",
            r##""1Gi""##,
            r##""1*""##,
            false,
        ),
        (
            "digit-less quantities are zero",
            "Equals",
            r##""m""##,
            r##""Ki""##,
            true,
        ),
        (
            "Pi without digits is no quantity",
            "Equals",
            r##""Pi""##,
            r##""0""##,
            false,
        ),
        (
            "semver strings compare as wildcards",
            "Equals",
            r##""1.5.2""##,
            r##""1.5.*""##,
            true,
        ),
        ("null key", "Equals", r##"null"##, r##"null"##, false),
    ]);
}

/// NotEquals is not the negation of Equals: a null key is false, type mismatches are true. (Expected results from the Go handlers.)
#[test]
fn not_equals_follows_go_types() {
    check_handlers(&[
        (
            "null key is false",
            "NotEquals",
            r##"null"##,
            r##""x""##,
            false,
        ),
        (
            "bool key vs string",
            "NotEquals",
            r##"true"##,
            r##""true""##,
            true,
        ),
        (
            "quantity key vs empty string",
            "NotEquals",
            r##""1Gi""##,
            r##""""##,
            true,
        ),
        (
            "zero quantity key vs empty string",
            "NotEquals",
            r##""0""##,
            r##""""##,
            true,
        ),
        (
            "quantity key vs non-quantity",
            "NotEquals",
            r##""1Gi""##,
            r##""abc""##,
            true,
        ),
        (
            "map vs string",
            "NotEquals",
            r##"{"a":1.0}"##,
            r##""x""##,
            true,
        ),
        (
            "float key with fraction vs int",
            "NotEquals",
            r##"1.5"##,
            r##"1"##,
            true,
        ),
        (
            "int key vs invalid string",
            "NotEquals",
            r##"1"##,
            r##""x""##,
            true,
        ),
        (
            "int64 map vs float64 map",
            "NotEquals",
            r##"{"replicas":1}"##,
            r##"{"replicas":1.0}"##,
            true,
        ),
    ]);
}

/// Numeric operators: duration, quantity, float/int, then blang/semver; the operator name is compared as written. (Expected results from the Go handlers.)
#[test]
fn numeric_operators_follow_go() {
    check_handlers(&[
        (
            "lower-case operator selects the handler but compares false",
            "greaterthan",
            r##"3.0"##,
            r##"1.0"##,
            false,
        ),
        (
            "lower-case duration operator compares false",
            "durationgreaterthan",
            r##""2h""##,
            r##""1h""##,
            false,
        ),
        (
            "string number vs number",
            "GreaterThan",
            r##""10""##,
            r##"9.5"##,
            true,
        ),
        (
            "number vs duration string",
            "LessThan",
            r##"59.0"##,
            r##""1m""##,
            true,
        ),
        (
            "number vs zero string is numeric",
            "GreaterThan",
            r##"1.0"##,
            r##""0""##,
            true,
        ),
        (
            "infinite float key as duration",
            "LessThan",
            r##""Inf""##,
            r##""1ms""##,
            true,
        ),
        (
            "quantity vs plain number string",
            "GreaterThan",
            r##""1Ki""##,
            r##""1000""##,
            true,
        ),
        (
            "quantity key vs number value compares nothing",
            "GreaterThan",
            r##""1Ki""##,
            r##"1000.0"##,
            false,
        ),
        (
            "semver with prerelease",
            "LessThan",
            r##""1.0.0-alpha""##,
            r##""1.0.0""##,
            true,
        ),
        (
            "semver v prefix is rejected",
            "GreaterThan",
            r##""v1.2.3""##,
            r##""v1.2.2""##,
            false,
        ),
        (
            "semver vs number",
            "GreaterThan",
            r##""1.2.3""##,
            r##"1.0"##,
            false,
        ),
        (
            "semver leading zero is rejected",
            "GreaterThan",
            r##""1.02.3""##,
            r##""1.1.0""##,
            false,
        ),
        (
            "semver build metadata ignored",
            "GreaterThanOrEquals",
            r##""1.2.3+a""##,
            r##""1.2.3+b""##,
            true,
        ),
        ("bool key", "GreaterThan", r##"true"##, r##"0.0"##, false),
        ("NaN string", "GreaterThan", r##""NaN""##, r##"1.0"##, false),
        (
            "overflowing float string",
            "GreaterThan",
            r##"1.0"##,
            r##""1e400""##,
            false,
        ),
        (
            "huge seconds wrap like Go",
            "GreaterThan",
            r##"1e+19"##,
            r##""1h""##,
            false,
        ),
        (
            "int64 key vs int64 value",
            "LessThanOrEquals",
            r##"3"##,
            r##"3"##,
            true,
        ),
    ]);
}

/// Duration* operators: numbers are whole seconds, strings must be Go durations ("0" included). (Expected results from the Go handlers.)
#[test]
fn duration_operators_follow_go() {
    check_handlers(&[
        (
            "float seconds are truncated",
            "DurationGreaterThan",
            r##"1.9"##,
            r##""1s""##,
            false,
        ),
        (
            "zero string is a duration here",
            "DurationLessThanOrEquals",
            r##""0""##,
            r##""1s""##,
            true,
        ),
        (
            "non-duration key",
            "DurationGreaterThan",
            r##""10""##,
            r##""1s""##,
            false,
        ),
        (
            "null value",
            "DurationGreaterThan",
            r##""1h""##,
            r##"null"##,
            false,
        ),
        (
            "negative durations",
            "DurationLessThan",
            r##""-1h""##,
            r##"0"##,
            true,
        ),
    ]);
}

fn request_context(object: Value) -> Context<'static> {
    Context::new(
        json!({"request": {"operation": "CREATE", "object": object}}),
        &NoHost,
    )
}

/// evaluate_test.go Test_Eval_Equal_Var_Pass / Test_Eval_Equal_Var_Fail.
#[test]
fn variables_in_keys_resolve_from_the_resource() {
    let ctx = request_context(json!({
        "metadata": {"name": "temp", "namespace": "n1"},
        "spec": {"namespace": "n1", "name": "temp1"}
    }));
    let cond = |value: &str| json!([{"key": "{{request.object.metadata.name}}", "operator": "Equal", "value": value}]);
    assert_eq!(evaluate(&cond("temp"), &ctx), Ok((true, String::new())));
    assert_eq!(evaluate(&cond("temp1"), &ctx), Ok((false, String::new())));
}

/// evaluate_test.go Test_Condition_Messages: true messages of the passing
/// conditions, or false messages of the failing ones, joined with "; ".
#[test]
fn any_all_messages_join_like_go() {
    let ctx = request_context(json!({
        "metadata": {"name": "temp", "namespace": "n1"},
        "spec": {"foo": "bar", "foo2": "bar2"}
    }));
    let c = |key: &str, value: &str, message: &str| json!({"key": key, "operator": "Equal", "value": value, "message": message});
    let name = "{{request.object.metadata.name}}";
    let foo = "{{request.object.spec.foo}}";

    let block = json!({"any": [c(name, "temp2", "invalid name"), c(foo, "bar2", "invalid foo")]});
    assert_eq!(
        evaluate(&block, &ctx),
        Ok((false, "invalid name; invalid foo".into()))
    );

    let block = json!({"any": [c(name, "temp", "invalid name"), c(foo, "bar", "invalid foo")]});
    assert_eq!(evaluate(&block, &ctx), Ok((true, "invalid name".into())));

    let block = json!({
        "any": [c(name, "temp", "invalid name"), c(foo, "bar", "invalid foo")],
        "all": [c(name, "temp", "invalid name"), c(foo, "bar2", "invalid foo")]
    });
    assert_eq!(evaluate(&block, &ctx), Ok((false, "invalid foo".into())));

    let block = json!({
        "any": [c(name, "temp1", "invalid name"), c(foo, "bar2", "invalid foo")],
        "all": [c(name, "temp", "invalid name"), c(foo, "bar2", "invalid foo2")]
    });
    assert_eq!(
        evaluate(&block, &ctx),
        Ok((false, "invalid name; invalid foo; invalid foo2".into()))
    );

    // The legacy list joins true messages with ";" and stops at the first failure.
    let list = json!([c(name, "temp", "a"), c(foo, "bar", "b")]);
    assert_eq!(evaluate(&list, &ctx), Ok((true, "a;b".into())));
    let list = json!([c(name, "temp", "a"), c(foo, "x", "b"), c(foo, "y", "c")]);
    assert_eq!(evaluate(&list, &ctx), Ok((false, "b".into())));
}

/// evaluate_test.go TestEvaluateConditionsWithContext (single blocks).
#[test]
fn any_needs_one_and_all_needs_every_condition() {
    let ctx = request_context(json!({
        "metadata": {"name": "test-pod", "namespace": "test-namespace"},
        "spec": {"containers": [{"name": "test-container", "image": "nginx:latest"}]}
    }));
    let c = |key: &str, value: &str| json!({"key": key, "operator": "Equals", "value": value});
    let name = "{{request.object.metadata.name}}";
    let ns = "{{request.object.metadata.namespace}}";
    let result = |block: Value| evaluate(&block, &ctx).map(|(ok, _)| ok);

    assert_eq!(
        result(json!({"any": [c(name, "wrong-name"), c(ns, "wrong-namespace")]})),
        Ok(false)
    );
    assert_eq!(
        result(json!({"any": [c(name, "test-pod"), c(ns, "wrong-namespace")]})),
        Ok(true)
    );
    assert_eq!(
        result(json!({"all": [c(name, "test-pod"), c(ns, "wrong-namespace")]})),
        Ok(false)
    );
    assert_eq!(
        result(json!({"all": [c(name, "test-pod"), c(ns, "test-namespace")]})),
        Ok(true)
    );
    // An empty `any` fails; absent blocks pass.
    assert_eq!(result(json!({"any": []})), Ok(false));
    assert_eq!(result(json!({})), Ok(true));
}

/// operator_test.go TestCreateOperatorHandler_*: every operator has a
/// handler, names are case-insensitive, unknown names are an error.
#[test]
fn operator_names_select_handlers_case_insensitively() {
    for op in [
        "Equal",
        "Equals",
        "NotEqual",
        "NotEquals",
        "In",
        "AnyIn",
        "AllIn",
        "NotIn",
        "AnyNotIn",
        "AllNotIn",
        "GreaterThanOrEquals",
        "GreaterThan",
        "LessThanOrEquals",
        "LessThan",
        "DurationGreaterThanOrEquals",
        "DurationGreaterThan",
        "DurationLessThanOrEquals",
        "DurationLessThan",
    ] {
        assert!(
            evaluate_operator(op, &json!("a"), &json!("a")).is_ok(),
            "{op}"
        );
    }
    for op in ["EQUALS", "Equals", "equals"] {
        assert_eq!(
            evaluate_operator(op, &json!("a"), &json!("a")),
            Ok(true),
            "{op}"
        );
    }
    for op in ["InvalidOp", "", "Equalss"] {
        assert_eq!(
            evaluate_operator(op, &json!("a"), &json!("a")),
            Err("failed to create handler for condition operator: %!w(<nil>)".into()),
            "{op}"
        );
    }
}

/// `variables.Evaluate` substitutes key and value first, then fails on an
/// unknown operator with Go's rendering of the nil error it wraps.
#[test]
fn unknown_operator_fails_after_substitution() {
    let ctx = request_context(json!({"metadata": {"name": "a"}}));
    let block = json!({"any": [{"key": "{{request.object.metadata.name}}", "operator": "Bogus", "value": "a"}]});
    assert_eq!(
        evaluate(&block, &ctx),
        Err("failed to create handler for condition operator: %!w(<nil>)".into())
    );
    let block =
        json!({"any": [{"key": "{{request.object.missing}}", "operator": "Bogus", "value": "a"}]});
    assert!(evaluate(&block, &ctx)
        .unwrap_err()
        .starts_with("failed to substitute variables in condition key: "));
}

/// The deprecated In/NotIn handlers assert list keys to be strings; Go
/// panics on anything else, reported here as an error.
#[test]
fn legacy_in_with_non_string_list_keys_is_an_error() {
    assert_eq!(
        evaluate_operator("In", &json!([1.0]), &json!(["a"])),
        Err("panic: interface conversion: interface {} is float64, not string".into())
    );
    assert_eq!(
        evaluate_operator("NotIn", &json!(["a", null]), &json!(["a"])),
        Err("panic: interface conversion: interface {} is nil, not string".into())
    );
    // AnyIn & co stringify list keys instead.
    assert_eq!(
        evaluate_operator("AnyIn", &json!([1]), &json!(["1"])),
        Ok(true)
    );
}

/// Policy numbers are float64 (the condition is decoded from JSON) while
/// resource numbers are int64, and the handlers tell them apart.
#[test]
fn policy_numbers_are_float64_and_resource_numbers_int64() {
    let ctx = request_context(json!({"spec": {"replicas": 3, "template": {"n": 1}}}));
    let result = |key: Value, op: &str, value: Value| {
        evaluate(
            &json!({"all": [{"key": key, "operator": op, "value": value}]}),
            &ctx,
        )
        .map(|(ok, _)| ok)
    };
    // float64 key: the string value parses as a float.
    assert_eq!(result(json!(3), "Equals", json!("3.0")), Ok(true));
    // int64 key: the string value must parse as an integer.
    assert_eq!(
        result(
            json!("{{request.object.spec.replicas}}"),
            "Equals",
            json!("3.0")
        ),
        Ok(false)
    );
    assert_eq!(
        result(
            json!("{{request.object.spec.replicas}}"),
            "Equals",
            json!("3")
        ),
        Ok(true)
    );
    assert_eq!(
        result(
            json!("{{request.object.spec.replicas}}"),
            "Equals",
            json!(3)
        ),
        Ok(true)
    );
    // reflect.DeepEqual: {n: int64(1)} is not {n: float64(1)}.
    assert_eq!(
        result(
            json!("{{request.object.spec.template}}"),
            "Equals",
            json!({"n": 1})
        ),
        Ok(false)
    );
    assert_eq!(result(json!({"n": 1}), "Equals", json!({"n": 1})), Ok(true));
    // fmt.Sprint(float64(1000000)) is "1e+06".
    assert_eq!(result(json!(1000000), "AnyIn", json!(["1e+06"])), Ok(true));
    assert_eq!(
        result(json!(1000000), "AnyIn", json!(["1000000"])),
        Ok(false)
    );
}

/// openshift/team-validate-ns-name: a value that resolves to null makes
/// AnyNotIn false (an invalid value type), so the deny does not fire.
#[test]
fn any_not_in_against_a_null_value_is_false() {
    let ctx = Context::new(
        json!({"request": {"operation": "CREATE", "userInfo": {"username": "u"},
               "object": {"metadata": {"name": "team1-test"}}}}),
        &NoHost,
    );
    let deny = json!({"any": [{
        "key": "{{request.object.metadata.name}}",
        "operator": "AnyNotIn",
        "value": "{{ request.userInfo.groups[?contains(@,':') == `false`][].join('-', [@, '*']) }}"
    }]});
    assert_eq!(evaluate(&deny, &ctx), Ok((false, String::new())));
}

/// PolicyException conditions (`pkg/utils/conditions`): `all` first, then
/// `any`; an empty `any` passes, unlike in preconditions.
#[test]
fn exception_conditions_check_all_then_any() {
    use verno::unstable::conditions::evaluate_exception_conditions;
    let ctx = request_context(json!({"metadata": {"name": "a"}}));
    let yes =
        json!({"key": "{{request.object.metadata.name}}", "operator": "Equals", "value": "a"});
    let no = json!({"key": "{{request.object.metadata.name}}", "operator": "Equals", "value": "b"});
    let bad = json!({"key": "{{request.object.missing}}", "operator": "Equals", "value": "b"});
    let check = |c: Value| evaluate_exception_conditions(&c, &ctx);
    assert_eq!(check(json!({"any": []})), Ok(true));
    assert_eq!(check(json!({})), Ok(true));
    assert_eq!(check(json!({"any": [no.clone(), yes.clone()]})), Ok(true));
    assert_eq!(check(json!({"any": [no.clone()]})), Ok(false));
    assert_eq!(
        check(json!({"all": [yes.clone()], "any": [no.clone()]})),
        Ok(false)
    );
    // `all` fails before the erroring `any` condition is reached.
    assert_eq!(
        check(json!({"all": [no.clone()], "any": [bad.clone()]})),
        Ok(false)
    );
    assert!(check(json!({"all": [yes], "any": [bad]})).is_err());
    // Preconditions treat an empty `any` as failing.
    assert_eq!(
        evaluate(&json!({"any": []}), &ctx).map(|(ok, _)| ok),
        Ok(false)
    );
}
