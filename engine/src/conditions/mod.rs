//! `preconditions` and `deny` conditions (`pkg/engine/variables/evaluate.go`,
//! `pkg/engine/variables/operator`).
//!
//! Each operator follows its Go handler branch for branch. The handlers
//! switch on the Go type of the decoded key and value, so [`go_type`] maps a
//! JSON value to the type Kyverno would hold: numbers written in the policy
//! are `float64` (the condition is decoded from raw JSON), numbers read from
//! the resource are `int64` (unstructured objects) — serde's integer/float
//! distinction carries that through substitution.

use std::cmp::Ordering;
use std::sync::OnceLock;

use serde_json::{Number, Value};

use crate::go::duration::parse_duration;
use crate::go::fmt as gofmt;
use crate::go::quantity::Quantity;
use crate::go::strconv;
use crate::go::wildcard;
use crate::pattern::operators::StringPattern;
use crate::variables::{substitute_all, Context};

/// Evaluate a conditions block (`{any, all}` or the legacy list). Returns
/// (result, message) or an error text.
pub fn evaluate(conditions: &Value, ctx: &Context<'_>) -> Result<(bool, String), String> {
    match conditions {
        Value::Array(list) => {
            let mut true_msgs = Vec::new();
            for c in list {
                let (ok, msg) = evaluate_one(c, ctx)?;
                if !ok {
                    return Ok((false, msg));
                }
                true_msgs.push(msg);
            }
            Ok((true, join_non_empty(&true_msgs, ";")))
        }
        Value::Object(m) => {
            let mut true_msgs = Vec::new();
            let mut false_msgs = Vec::new();
            let mut any_ok = true;
            if let Some(any) = m.get("any").filter(|v| !v.is_null()) {
                any_ok = false;
                for c in any.as_array().into_iter().flatten() {
                    let (ok, msg) = evaluate_one(c, ctx)?;
                    if ok {
                        any_ok = true;
                        true_msgs.push(msg);
                        break;
                    }
                    false_msgs.push(msg);
                }
            }
            let mut all_ok = true;
            for c in m.get("all").and_then(Value::as_array).into_iter().flatten() {
                let (ok, msg) = evaluate_one(c, ctx)?;
                if !ok {
                    all_ok = false;
                    false_msgs.push(msg);
                    break;
                }
                true_msgs.push(msg);
            }
            if any_ok && all_ok {
                Ok((true, join_non_empty(&true_msgs, "; ")))
            } else {
                Ok((false, join_non_empty(&false_msgs, "; ")))
            }
        }
        Value::Null => Ok((true, String::new())),
        _ => Err("invalid condition".into()),
    }
}

/// A PolicyException's `conditions` (`pkg/utils/conditions`
/// `CheckAnyAllConditions`): unlike [`evaluate`], `all` is checked before
/// `any`, an empty or absent `any` passes, and there are no messages.
pub fn evaluate_exception_conditions(
    conditions: &Value,
    ctx: &Context<'_>,
) -> Result<bool, String> {
    let list = |name: &str| {
        conditions
            .get(name)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
    };
    for c in list("all") {
        if !evaluate_one(c, ctx)?.0 {
            return Ok(false);
        }
    }
    let any = list("any");
    for c in any {
        if evaluate_one(c, ctx)?.0 {
            return Ok(true);
        }
    }
    Ok(any.is_empty())
}

/// Join the non-empty parts with `sep` (Kyverno's message joining).
pub fn join_non_empty(parts: &[String], sep: &str) -> String {
    parts
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(sep)
}

/// `variables.Evaluate`: substitute key and value, pick the handler, run it.
fn evaluate_one(c: &Value, ctx: &Context<'_>) -> Result<(bool, String), String> {
    let key = substitute_all(&as_decoded_condition(c.get("key")), ctx)
        .map_err(|e| format!("failed to substitute variables in condition key: {e}"))?;
    let value = substitute_all(&as_decoded_condition(c.get("value")), ctx)
        .map_err(|e| format!("failed to substitute variables in condition value: {e}"))?;
    let op = c.get("operator").and_then(Value::as_str).unwrap_or("");
    let msg = c
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let result = evaluate_operator(op, &key, &value)?;
    Ok((result, msg))
}

/// A condition's key or value as Go holds it before substitution: decoded
/// from raw JSON into `interface{}`, so every number is a `float64`.
fn as_decoded_condition(v: Option<&Value>) -> Value {
    fn walk(v: &Value) -> Value {
        match v {
            Value::Number(n) if !n.is_f64() => n
                .as_f64()
                .and_then(Number::from_f64)
                .map_or_else(|| v.clone(), Value::Number),
            Value::Array(a) => Value::Array(a.iter().map(walk).collect()),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, e)| (k.clone(), walk(e))).collect())
            }
            _ => v.clone(),
        }
    }
    v.map_or(Value::Null, walk)
}

/// `CreateOperatorHandler(op).Evaluate(key, value)` on already substituted
/// operands. The operator is matched case-insensitively, but — as in Go —
/// the numeric and duration handlers compare the operator as written, so a
/// non-canonical spelling (`greaterthan`) selects the handler and then
/// always yields `false`.
///
/// Errors: an unknown operator (Go's `Evaluate` error, including its
/// `%!w(<nil>)` rendering of the nil error it wraps), and the legacy `In` /
/// `NotIn` handlers' panic on a list key holding a non-string.
pub fn evaluate_operator(op: &str, key: &Value, value: &Value) -> Result<bool, String> {
    Ok(match op.to_lowercase().as_str() {
        "equal" | "equals" => equal(key, value),
        "notequal" | "notequals" => not_equal(key, value),
        "in" => legacy_in(key, value)?,
        "notin" => legacy_not_in(key, value)?,
        "anyin" => any_in(key, value),
        "allin" => all_in(key, value),
        "anynotin" => any_not_in(key, value),
        "allnotin" => all_not_in(key, value),
        "greaterthanorequals" | "greaterthan" | "lessthanorequals" | "lessthan" => {
            numeric(Comparison::numeric(op), key, value)
        }
        "durationgreaterthanorequals"
        | "durationgreaterthan"
        | "durationlessthanorequals"
        | "durationlessthan" => duration_handler(Comparison::duration(op), key, value),
        _ => return Err("failed to create handler for condition operator: %!w(<nil>)".into()),
    })
}

// ---------------------------------------------------------------------------
// Go's view of a decoded JSON value
// ---------------------------------------------------------------------------

/// The dynamic type a handler's type switch sees.
#[derive(Clone, Copy)]
enum GoType<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Slice,
    Map,
}

fn go_type(v: &Value) -> GoType<'_> {
    match v {
        Value::Null => GoType::Nil,
        Value::Bool(b) => GoType::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => GoType::Int(i),
            _ => GoType::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => GoType::Str(s),
        Value::Array(_) => GoType::Slice,
        Value::Object(_) => GoType::Map,
    }
}

/// `fmt.Sprint` of a decoded value.
fn sprint(v: &Value) -> String {
    gofmt::format_v(v)
}

/// Go's `int64(f)` as amd64 computes it: truncation toward zero, and the
/// "integer indefinite" `math.MinInt64` for NaN and out-of-range values.
fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// `resource.ParseQuantity`. Go accepts a mantissa without digits (`"m"`,
/// `"+"`, `"-.Ki"`, `"E5"`: zero with that suffix), which
/// [`Quantity::parse`] rejects; those are read as `0<suffix>` here.
fn parse_quantity(s: &str) -> Option<Quantity> {
    if let Some(q) = Quantity::parse(s) {
        return Some(q);
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let suffix = unsigned.strip_prefix('.').unwrap_or(unsigned);
    if s.is_empty() || suffix.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    // Go reads such a mantissa only on its int64 fast path: not for `Pi`
    // and `Ei` (too little precision left) nor below nano scale.
    let fast_path = match suffix {
        "Pi" | "Ei" => false,
        _ => match suffix.strip_prefix(['e', 'E']) {
            Some(exp) if !exp.is_empty() => exp.parse::<i32>().is_ok_and(|e| e >= -9),
            _ => true,
        },
    };
    if !fast_path {
        return None;
    }
    Quantity::parse(&format!("0{suffix}"))
}

// ---------------------------------------------------------------------------
// Durations (`operator.go` parseDuration) and comparisons
// ---------------------------------------------------------------------------

const SECOND: i64 = 1_000_000_000;

/// `time.Duration(n) * time.Second` (wrapping, like Go).
fn seconds_from_int(n: i64) -> i64 {
    n.wrapping_mul(SECOND)
}

/// `time.Duration(f) * time.Second`: the float is truncated to whole
/// seconds first.
fn seconds_from_float(f: f64) -> i64 {
    go_f64_to_i64(f).wrapping_mul(SECOND)
}

/// `time.Duration.Seconds()`.
fn duration_seconds(d: i64) -> f64 {
    (d / SECOND) as f64 + (d % SECOND) as f64 / 1e9
}

/// `parseDuration(key, value)`: at least one side must be a duration string
/// other than `"0"`; the other may be a duration string or a number of
/// seconds.
fn duration_pair(key: &Value, value: &Value) -> Option<(i64, i64)> {
    let as_string = |v: &Value| match v {
        Value::String(s) if s != "0" => parse_duration(s),
        _ => None,
    };
    let as_seconds = |v: &Value| match go_type(v) {
        GoType::Int(i) => Some(GoNumber::Int(i).as_seconds()),
        GoType::Float(f) => Some(GoNumber::Float(f).as_seconds()),
        _ => None,
    };
    let (k, v) = (as_string(key), as_string(value));
    if k.is_none() && v.is_none() {
        return None;
    }
    Some((
        k.or_else(|| as_seconds(key))?,
        v.or_else(|| as_seconds(value))?,
    ))
}

/// The comparison a numeric or duration handler was created with. Go
/// compares the operator as written against the canonical names, so any
/// other spelling is `Unknown` and compares false.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Comparison {
    GreaterThanOrEquals,
    GreaterThan,
    LessThanOrEquals,
    LessThan,
    Unknown,
}

impl Comparison {
    fn numeric(op: &str) -> Comparison {
        match op {
            "GreaterThanOrEquals" => Comparison::GreaterThanOrEquals,
            "GreaterThan" => Comparison::GreaterThan,
            "LessThanOrEquals" => Comparison::LessThanOrEquals,
            "LessThan" => Comparison::LessThan,
            _ => Comparison::Unknown,
        }
    }

    fn duration(op: &str) -> Comparison {
        op.strip_prefix("Duration")
            .map_or(Comparison::Unknown, Comparison::numeric)
    }

    fn holds(self, ord: Option<Ordering>) -> bool {
        let Some(ord) = ord else { return false };
        match self {
            Comparison::GreaterThanOrEquals => ord.is_ge(),
            Comparison::GreaterThan => ord.is_gt(),
            Comparison::LessThanOrEquals => ord.is_le(),
            Comparison::LessThan => ord.is_lt(),
            Comparison::Unknown => false,
        }
    }

    /// `compareByCondition` on float64 operands (NaN compares false).
    fn floats(self, key: f64, value: f64) -> bool {
        self.holds(key.partial_cmp(&value))
    }
}

// ---------------------------------------------------------------------------
// Equals / NotEquals (equal.go, notequal.go)
// ---------------------------------------------------------------------------

fn equal(key: &Value, value: &Value) -> bool {
    match go_type(key) {
        GoType::Bool(k) => matches!(go_type(value), GoType::Bool(v) if v == k),
        GoType::Int(k) => match go_type(value) {
            GoType::Int(v) => v == k,
            GoType::Float(v) => v == v.trunc() && go_f64_to_i64(v) == k,
            GoType::Str(s) => strconv::parse_int(s, 10) == Some(k),
            _ => false,
        },
        GoType::Float(k) => match go_type(value) {
            GoType::Int(v) => k == k.trunc() && go_f64_to_i64(k) == v,
            GoType::Float(v) => v == k,
            GoType::Str(s) => strconv::parse_float(s).is_some_and(|v| v == k),
            _ => false,
        },
        GoType::Str(k) => {
            if let Some((a, b)) = duration_pair(key, value) {
                return duration_seconds(a) == duration_seconds(b);
            }
            if let Some(kq) = parse_quantity(k) {
                if let GoType::Str(v) = go_type(value) {
                    return parse_quantity(v).is_some_and(|vq| vq == kq);
                }
            }
            match go_type(value) {
                GoType::Str(v) => wildcard::matches(v, k),
                _ => false,
            }
        }
        // reflect.DeepEqual: serde's equality also tells int64 from float64.
        GoType::Map => value.is_object() && key == value,
        GoType::Slice => value.is_array() && key == value,
        GoType::Nil => false,
    }
}

fn not_equal(key: &Value, value: &Value) -> bool {
    match go_type(key) {
        GoType::Bool(k) => match go_type(value) {
            GoType::Bool(v) => k != v,
            _ => true,
        },
        GoType::Int(k) => match go_type(value) {
            GoType::Int(v) => v != k,
            GoType::Float(v) => v != v.trunc() || go_f64_to_i64(v) != k,
            GoType::Str(s) => strconv::parse_int(s, 10).is_none_or(|v| v != k),
            _ => true,
        },
        GoType::Float(k) => match go_type(value) {
            GoType::Int(v) => k != k.trunc() || go_f64_to_i64(k) != v,
            GoType::Float(v) => v != k,
            GoType::Str(s) => strconv::parse_float(s).is_none_or(|v| v != k),
            _ => true,
        },
        GoType::Str(k) => {
            if let Some((a, b)) = duration_pair(key, value) {
                return duration_seconds(a) != duration_seconds(b);
            }
            if let Some(kq) = parse_quantity(k) {
                if let GoType::Str(v) = go_type(value) {
                    if v.is_empty() {
                        return !wildcard::matches(v, k);
                    }
                    return parse_quantity(v).is_none_or(|vq| vq != kq);
                }
            }
            match go_type(value) {
                GoType::Str(v) => !wildcard::matches(v, k),
                _ => true,
            }
        }
        GoType::Map => !value.is_object() || key != value,
        GoType::Slice => !value.is_array() || key != value,
        GoType::Nil => false,
    }
}

// ---------------------------------------------------------------------------
// Set operators (in.go, notin.go, anyin.go, allin.go, anynotin.go, allnotin.go)
// ---------------------------------------------------------------------------

/// A scalar key as the set handlers stringify it (`fmt.Sprint` of ints,
/// floats and bools); `None` for nil and maps, which they reject.
fn scalar_key(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(sprint(key)),
        _ => None,
    }
}

fn range_regexes() -> &'static (regex::Regex, regex::Regex) {
    static RE: OnceLock<(regex::Regex, regex::Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        // pkg/engine/operator: RE2's `\d` is ASCII-only.
        let operand = r"[-|+]?[0-9]+(?:\.[0-9]+)?[A-Za-z]*";
        let build = |sep: &str| {
            regex::Regex::new(&format!("^({operand}){sep}({operand})$"))
                .unwrap_or_else(|_| unreachable!("static regex"))
        };
        (build("-"), build("!-"))
    })
}

/// `GetOperatorFromStringPattern(s) == InRange`.
fn is_in_range_pattern(s: &str) -> bool {
    if s.len() < 2 || s.starts_with(['>', '<', '!']) {
        return false;
    }
    let (in_range, not_in_range) = range_regexes();
    !not_in_range.is_match(s) && in_range.is_match(s)
}

/// `handleRange`: `pattern.Validate(key, pattern)`.
fn handle_range(key: &str, pattern: &str) -> bool {
    // The pattern module reads the key with `Quantity::parse`, which
    // rejects Go's digit-less quantities (see [`parse_quantity`]); hand it
    // an equal zero that, like them, is no duration and matches no range
    // operand as a string.
    let key = if Quantity::parse(key).is_none() && parse_quantity(key).is_some() {
        "0e0"
    } else {
        key
    };
    StringPattern::compile(pattern).matches(&Value::String(key.to_string()))
}

/// `json.Valid`.
fn json_valid(s: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok()
}

/// `json.Unmarshal(s, &[]string)`; `None` on error. `null` decodes to an
/// empty list and `null` items to empty strings, as in Go.
fn unmarshal_string_list(s: &str) -> Option<Vec<String>> {
    match serde_json::from_str::<Value>(s).ok()? {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Some(s),
                Value::Null => Some(String::new()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The value list of `anyKeyExistsInArray` / `anySetExistsInArray`: a
/// string holding JSON must be a string array; other strings are a
/// one-item list. `None` means invalid.
fn lenient_string_list(s: &str) -> Option<Vec<String>> {
    if json_valid(s) {
        unmarshal_string_list(s)
    } else {
        Some(vec![s.to_string()])
    }
}

fn either_way(a: &str, b: &str) -> bool {
    wildcard::matches(a, b) || wildcard::matches(b, a)
}

/// `anyKeyExistsInArray` (and the identical `allKeyExistsInArray`):
/// `None` when the value has an invalid type.
fn key_exists(key: &str, value: &Value) -> Option<bool> {
    match value {
        Value::Array(items) => Some(items.iter().any(|v| either_way(&sprint(v), key))),
        Value::String(s) => {
            if wildcard::matches(s, key) {
                return Some(true);
            }
            if is_in_range_pattern(s) {
                return Some(handle_range(key, s));
            }
            Some(lenient_string_list(s)?.iter().any(|v| v == key))
        }
        _ => None,
    }
}

/// `isAnyIn`: some key matches some value (wildcards both ways).
fn is_any_in(keys: &[String], values: &[String]) -> bool {
    keys.iter().any(|k| values.iter().any(|v| either_way(k, v)))
}

/// `isAnyNotIn`: some key matches no value.
fn is_any_not_in(keys: &[String], values: &[String]) -> bool {
    keys.iter()
        .any(|k| !values.iter().any(|v| either_way(k, v)))
}

/// `isAllIn`: every key matches some value.
fn is_all_in(keys: &[String], values: &[String]) -> bool {
    keys.iter().all(|k| values.iter().any(|v| either_way(k, v)))
}

/// `isAllNotIn`: no key matches any value.
fn is_all_not_in(keys: &[String], values: &[String]) -> bool {
    !is_any_in(keys, values)
}

/// `anySetExistsInArray`; `None` when the value has an invalid type.
fn any_set_exists(keys: &[String], value: &Value, not_in: bool) -> Option<bool> {
    let decide = |values: &[String]| {
        if not_in {
            is_any_not_in(keys, values)
        } else {
            is_any_in(keys, values)
        }
    };
    match value {
        Value::Array(items) => Some(decide(&items.iter().map(sprint).collect::<Vec<_>>())),
        Value::Number(_) | Value::Bool(_) => Some(decide(&[sprint(value)])),
        Value::String(s) => {
            if let [only] = keys {
                if only == s {
                    return Some(!not_in);
                }
            }
            if is_in_range_pattern(s) {
                return Some(if not_in {
                    let outside = s.replacen('-', "!-", 1);
                    keys.iter().any(|k| handle_range(k, &outside))
                } else {
                    keys.iter().any(|k| handle_range(k, s))
                });
            }
            Some(decide(&lenient_string_list(s)?))
        }
        _ => None,
    }
}

/// `allSetExistsInArray`; `None` when the value has an invalid type (unlike
/// the "any" variant, a scalar number or bool value is invalid here).
fn all_set_exists(keys: &[String], value: &Value, not_in: bool) -> Option<bool> {
    let decide = |values: &[String]| {
        if not_in {
            is_all_not_in(keys, values)
        } else {
            is_all_in(keys, values)
        }
    };
    match value {
        Value::Array(items) => Some(decide(&items.iter().map(sprint).collect::<Vec<_>>())),
        Value::String(s) => {
            if let [only] = keys {
                if only == s {
                    return Some(!not_in);
                }
            }
            if is_in_range_pattern(s) {
                return Some(if not_in {
                    !keys.iter().any(|k| handle_range(k, s))
                } else {
                    keys.iter().all(|k| handle_range(k, s))
                });
            }
            Some(decide(&lenient_string_list(s)?))
        }
        _ => None,
    }
}

fn stringified_items(items: &[Value]) -> Vec<String> {
    items.iter().map(sprint).collect()
}

fn any_in(key: &Value, value: &Value) -> bool {
    match key {
        Value::Array(items) => {
            any_set_exists(&stringified_items(items), value, false) == Some(true)
        }
        _ => scalar_key(key).and_then(|k| key_exists(&k, value)) == Some(true),
    }
}

fn all_in(key: &Value, value: &Value) -> bool {
    match key {
        Value::Array(items) => {
            all_set_exists(&stringified_items(items), value, false) == Some(true)
        }
        _ => scalar_key(key).and_then(|k| key_exists(&k, value)) == Some(true),
    }
}

fn any_not_in(key: &Value, value: &Value) -> bool {
    match key {
        Value::Array(items) => any_set_exists(&stringified_items(items), value, true) == Some(true),
        _ => scalar_key(key).and_then(|k| key_exists(&k, value)) == Some(false),
    }
}

fn all_not_in(key: &Value, value: &Value) -> bool {
    match key {
        Value::Array(items) => all_set_exists(&stringified_items(items), value, true) == Some(true),
        _ => scalar_key(key).and_then(|k| key_exists(&k, value)) == Some(false),
    }
}

/// The deprecated handlers' `keyExistsInArray`: like [`key_exists`] but a
/// string value must be a JSON string array unless it matches as a
/// wildcard, and there are no ranges.
fn legacy_key_exists(key: &str, value: &Value) -> Option<bool> {
    match value {
        Value::Array(items) => Some(items.iter().any(|v| either_way(&sprint(v), key))),
        Value::String(s) => {
            if wildcard::matches(s, key) {
                return Some(true);
            }
            Some(unmarshal_string_list(s)?.iter().any(|v| v == key))
        }
        _ => None,
    }
}

/// The deprecated handlers' `setExistsInArray`: exact string membership.
/// A single key equal to a string value counts as found for `NotIn` too.
fn legacy_set_exists(keys: &[String], value: &Value, not_in: bool) -> Option<bool> {
    let values: Vec<String> = match value {
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
        Value::String(s) => {
            if let [only] = keys {
                if only == s {
                    return Some(true);
                }
            }
            unmarshal_string_list(s)?
        }
        _ => return None,
    };
    let all_found = keys.iter().all(|k| values.contains(k));
    Some(if not_in { !all_found } else { all_found })
}

/// The deprecated handlers assert every list item to be a string; Go
/// panics otherwise.
fn legacy_string_keys(items: &[Value]) -> Result<Vec<String>, String> {
    items
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!(
                "panic: interface conversion: interface {{}} is {}, not string",
                match other {
                    Value::Null => "nil",
                    _ => gofmt::type_name(other),
                }
            )),
        })
        .collect()
}

fn legacy_in(key: &Value, value: &Value) -> Result<bool, String> {
    Ok(match key {
        Value::Array(items) => {
            legacy_set_exists(&legacy_string_keys(items)?, value, false) == Some(true)
        }
        _ => scalar_key(key).and_then(|k| legacy_key_exists(&k, value)) == Some(true),
    })
}

fn legacy_not_in(key: &Value, value: &Value) -> Result<bool, String> {
    Ok(match key {
        Value::Array(items) => {
            legacy_set_exists(&legacy_string_keys(items)?, value, true) == Some(true)
        }
        _ => scalar_key(key).and_then(|k| legacy_key_exists(&k, value)) == Some(false),
    })
}

// ---------------------------------------------------------------------------
// GreaterThan & co (numeric.go)
// ---------------------------------------------------------------------------

fn numeric(op: Comparison, key: &Value, value: &Value) -> bool {
    match go_type(key) {
        GoType::Int(k) => numeric_number(op, GoNumber::Int(k), value),
        GoType::Float(k) => numeric_number(op, GoNumber::Float(k), value),
        GoType::Str(k) => numeric_string(op, k, key, value),
        _ => false,
    }
}

/// A numeric key: an `int64` or a `float64`.
#[derive(Clone, Copy)]
enum GoNumber {
    Int(i64),
    Float(f64),
}

impl GoNumber {
    fn as_f64(self) -> f64 {
        match self {
            GoNumber::Int(i) => i as f64,
            GoNumber::Float(f) => f,
        }
    }

    /// `time.Duration(n) * time.Second`.
    fn as_seconds(self) -> i64 {
        match self {
            GoNumber::Int(i) => seconds_from_int(i),
            GoNumber::Float(f) => seconds_from_float(f),
        }
    }
}

/// `validateValueWithIntPattern` / `validateValueWithFloatPattern`.
fn numeric_number(op: Comparison, k: GoNumber, value: &Value) -> bool {
    match go_type(value) {
        GoType::Int(v) => op.floats(k.as_f64(), v as f64),
        GoType::Float(v) => op.floats(k.as_f64(), v),
        GoType::Str(s) => {
            // parseDuration(number, string): the string must be a duration
            // other than "0"; the number counts seconds.
            if let Some(d) = Some(s).filter(|s| *s != "0").and_then(parse_duration) {
                return op.floats(duration_seconds(k.as_seconds()), duration_seconds(d));
            }
            match strconv::parse_float(s).or_else(|| strconv::parse_int(s, 10).map(|i| i as f64)) {
                Some(v) => op.floats(k.as_f64(), v),
                None => false,
            }
        }
        _ => false,
    }
}

/// `validateValueWithStringPattern`: duration, then quantity, then float,
/// int and semantic version readings of the key.
fn numeric_string(op: Comparison, k: &str, key: &Value, value: &Value) -> bool {
    if let Some((a, b)) = duration_pair(key, value) {
        return op.floats(duration_seconds(a), duration_seconds(b));
    }
    if let (Some(kq), Value::String(v)) = (parse_quantity(k), value) {
        if let Some(vq) = parse_quantity(v) {
            return op.holds(Some(kq.cmp(&vq)));
        }
    }
    if let Some(kf) = strconv::parse_float(k) {
        return numeric_number(op, GoNumber::Float(kf), value);
    }
    if let Some(ki) = strconv::parse_int(k, 10) {
        return numeric_number(op, GoNumber::Int(ki), value);
    }
    if let Some(kv) = Semver::parse(k) {
        return match value {
            Value::String(v) => Semver::parse(v).is_some_and(|vv| op.holds(Some(kv.cmp(&vv)))),
            _ => false,
        };
    }
    false
}

/// `github.com/blang/semver/v4`: strict `MAJOR.MINOR.PATCH[-PRE][+BUILD]`.
#[derive(Debug, PartialEq, Eq)]
struct Semver {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<PreRelease>,
}

#[derive(Debug, PartialEq, Eq)]
enum PreRelease {
    Num(u64),
    Alpha(String),
}

impl PreRelease {
    fn cmp(&self, other: &PreRelease) -> Ordering {
        match (self, other) {
            (PreRelease::Num(a), PreRelease::Num(b)) => a.cmp(b),
            (PreRelease::Num(_), PreRelease::Alpha(_)) => Ordering::Less,
            (PreRelease::Alpha(_), PreRelease::Num(_)) => Ordering::Greater,
            (PreRelease::Alpha(a), PreRelease::Alpha(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

fn semver_number(s: &str) -> Option<u64> {
    // containsOnly(numbers) holds for "", which ParseUint then rejects.
    if !s.bytes().all(|c| c.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

fn semver_alphanumeric(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

impl Semver {
    fn parse(s: &str) -> Option<Semver> {
        let mut parts = s.splitn(3, '.');
        let major = semver_number(parts.next()?)?;
        let minor = semver_number(parts.next()?)?;
        let mut patch = parts.next()?;
        let mut pre = Vec::new();
        if let Some((head, build)) = patch.split_once('+') {
            if build
                .split('.')
                .any(|b| b.is_empty() || !semver_alphanumeric(b))
            {
                return None;
            }
            patch = head;
        }
        if let Some((head, pre_release)) = patch.split_once('-') {
            for p in pre_release.split('.') {
                if p.is_empty() {
                    return None;
                }
                if p.bytes().all(|c| c.is_ascii_digit()) {
                    pre.push(PreRelease::Num(semver_number(p)?));
                } else if semver_alphanumeric(p) {
                    pre.push(PreRelease::Alpha(p.to_string()));
                } else {
                    return None;
                }
            }
            patch = head;
        }
        Some(Semver {
            major,
            minor,
            patch: semver_number(patch)?,
            pre,
        })
    }

    fn cmp(&self, other: &Semver) -> Ordering {
        let core =
            (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
        if core != Ordering::Equal {
            return core;
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        for (a, b) in self.pre.iter().zip(&other.pre) {
            let o = a.cmp(b);
            if o != Ordering::Equal {
                return o;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }
}

// ---------------------------------------------------------------------------
// DurationGreaterThan & co (duration.go, deprecated)
// ---------------------------------------------------------------------------

/// The duration handler: numbers are seconds (floats truncated), strings
/// must parse as durations (`"0"` included).
fn duration_handler(op: Comparison, key: &Value, value: &Value) -> bool {
    let k = match go_type(key) {
        GoType::Int(i) => seconds_from_int(i),
        GoType::Float(f) => seconds_from_float(f),
        GoType::Str(s) => match parse_duration(s) {
            Some(d) => d,
            None => return false,
        },
        _ => return false,
    };
    let v = match go_type(value) {
        GoType::Int(i) => seconds_from_int(i),
        GoType::Float(f) => seconds_from_float(f),
        GoType::Str(s) => match parse_duration(s) {
            Some(d) => d,
            None => return false,
        },
        _ => return false,
    };
    op.holds(Some(k.cmp(&v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::NoHost;
    use serde_json::json;

    fn eval(c: Value) -> (bool, String) {
        let ctx = Context::new(
            json!({"request": {"operation": "CREATE", "object": {"metadata": {"name": "a"}}}}),
            &NoHost,
        );
        evaluate(&c, &ctx).unwrap()
    }

    #[test]
    fn equals_uses_the_value_as_wildcard_pattern() {
        assert!(
            eval(
                json!({"any": [{"key": "nginx:latest", "operator": "Equals", "value": "*:latest"}]})
            )
            .0
        );
        assert!(
            !eval(
                json!({"any": [{"key": "*:latest", "operator": "Equals", "value": "nginx:latest"}]})
            )
            .0
        );
    }

    #[test]
    fn empty_any_is_false_and_messages_join() {
        assert!(!eval(json!({"any": []})).0);
        let (ok, msg) = eval(json!({"all": [
            {"key": "{{request.operation}}", "operator": "Equals", "value": "CREATE", "message": "a"},
            {"key": 1, "operator": "Equals", "value": 1, "message": "b"}]}));
        assert!(ok);
        assert_eq!(msg, "a; b");
    }

    #[test]
    fn not_equals_on_null_key_is_false() {
        assert!(!eval(json!({"any": [{"key": null, "operator": "NotEquals", "value": "x"}]})).0);
    }

    #[test]
    fn set_operators() {
        assert!(
            eval(json!({"any": [{"key": ["a", "b"], "operator": "AnyIn", "value": ["b", "c"]}]})).0
        );
        assert!(
            !eval(json!({"any": [{"key": ["a", "b"], "operator": "AllIn", "value": ["b", "c"]}]}))
                .0
        );
        assert!(
            eval(json!({"any": [{"key": ["a", "x"], "operator": "AnyNotIn", "value": ["a"]}]})).0
        );
        assert!(eval(json!({"any": [{"key": "CREATE", "operator": "AnyIn", "value": ["CREATE", "UPDATE"]}]})).0);
        assert!(eval(json!({"any": [{"key": "5", "operator": "AnyIn", "value": "1-10"}]})).0);
    }

    #[test]
    fn ordering_with_quantities_and_durations() {
        assert!(
            eval(json!({"any": [{"key": "2Gi", "operator": "GreaterThan", "value": "1024Mi"}]})).0
        );
        assert!(eval(json!({"any": [{"key": "1h", "operator": "GreaterThan", "value": "30m"}]})).0);
        assert!(eval(json!({"any": [{"key": 3, "operator": "LessThan", "value": 4}]})).0);
    }

    #[test]
    fn unresolved_variable_in_key_is_an_error() {
        let ctx = Context::new(json!({"request": {"object": {}}}), &NoHost);
        let e = evaluate(&json!({"any": [{"key": "{{ request.object.x }}", "operator": "Equals", "value": "y"}]}), &ctx).unwrap_err();
        assert!(e.starts_with("failed to substitute variables in condition key: failed to resolve request.object.x at path : JMESPath query failed: Unknown key \"x\" in path"), "{e}");
    }

    #[test]
    fn policy_numbers_are_float64_and_resource_numbers_int64() {
        // A literal key is float64: "5.0" parses as a float and equals it.
        assert!(eval(json!({"any": [{"key": 5, "operator": "Equals", "value": "5.0"}]})).0);
        // An int64 (resource) key parses the string value as an integer.
        assert!(!equal(&json!(5), &json!("5.0")));
        // fmt.Sprint of a float64 million is 1e+06.
        assert!(
            eval(json!({"any": [{"key": 1000000, "operator": "AnyIn", "value": ["1e+06"]}]})).0
        );
        // reflect.DeepEqual tells int64 (resource) from float64 (policy).
        let ctx = Context::new(
            json!({"request": {"object": {"spec": {"replicas": 1}}}}),
            &NoHost,
        );
        let c = json!({"any": [{"key": "{{request.object.spec}}", "operator": "Equals", "value": {"replicas": 1}}]});
        assert!(!evaluate(&c, &ctx).unwrap().0);
        let c = json!({"any": [{"key": "{{request.object.spec.replicas}}", "operator": "Equals", "value": 1}]});
        assert!(evaluate(&c, &ctx).unwrap().0);
    }

    #[test]
    fn parse_duration_pair_follows_go() {
        assert_eq!(
            duration_pair(&json!("2h"), &json!("1h")),
            Some((7_200 * SECOND, 3_600 * SECOND))
        );
        assert_eq!(
            duration_pair(&json!("2m"), &json!(60)),
            Some((120 * SECOND, 60 * SECOND))
        );
        assert_eq!(
            duration_pair(&json!(60.0), &json!("1m")),
            Some((60 * SECOND, 60 * SECOND))
        );
        assert_eq!(
            duration_pair(&json!("0s"), &json!("1h")),
            Some((0, 3_600 * SECOND))
        );
        // neither value is a duration
        assert_eq!(duration_pair(&json!("hello"), &json!("world")), None);
        assert_eq!(duration_pair(&json!(100), &json!(200)), None);
        assert_eq!(duration_pair(&json!("0"), &json!("0")), None);
        // no valid duration value
        assert_eq!(duration_pair(&json!("1h"), &json!(true)), None);
        assert_eq!(duration_pair(&json!(true), &json!("1h")), None);
        assert_eq!(duration_pair(&json!("1h"), &json!({})), None);
        // fractional seconds are truncated
        assert_eq!(
            duration_pair(&json!(1.9), &json!("1s")),
            Some((SECOND, SECOND))
        );
    }

    #[test]
    fn blang_semver_is_strict() {
        assert!(Semver::parse("1.2.3").is_some());
        assert!(Semver::parse("1.2.3-alpha.1+build.5").is_some());
        for bad in [
            "v1.2.3",
            "1.2",
            "01.2.3",
            "1.2.03",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a..b",
            "",
        ] {
            assert!(Semver::parse(bad).is_none(), "{bad}");
        }
        let v = |s| Semver::parse(s).unwrap();
        assert_eq!(v("1.0.0-alpha").cmp(&v("1.0.0")), Ordering::Less);
        assert_eq!(v("1.0.0-alpha.1").cmp(&v("1.0.0-alpha")), Ordering::Greater);
        assert_eq!(v("1.0.0-1").cmp(&v("1.0.0-a")), Ordering::Less);
        assert_eq!(v("1.0.0+a").cmp(&v("1.0.0+b")), Ordering::Equal);
    }
}
