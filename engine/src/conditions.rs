//! `preconditions` and `deny` conditions (`pkg/engine/variables/evaluate.go`,
//! `pkg/engine/variables/operator`).

use serde_json::Value;

use crate::duration::parse_duration;
use crate::gofmt;
use crate::quantity::Quantity;
use crate::variables::{substitute_all, Context};
use crate::wildcard;

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

pub fn join_non_empty(parts: &[String], sep: &str) -> String {
    parts
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(sep)
}

fn evaluate_one(c: &Value, ctx: &Context<'_>) -> Result<(bool, String), String> {
    let key = substitute_all(c.get("key").unwrap_or(&Value::Null), ctx)
        .map_err(|e| format!("failed to substitute variables in condition key: {e}"))?;
    let value = substitute_all(c.get("value").unwrap_or(&Value::Null), ctx)
        .map_err(|e| format!("failed to substitute variables in condition value: {e}"))?;
    let op = c.get("operator").and_then(Value::as_str).unwrap_or("");
    let msg = c
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let result = match op.to_ascii_lowercase().as_str() {
        "equal" | "equals" => equals(&key, &value),
        "notequal" | "notequals" => !key.is_null() && !equals(&key, &value),
        "anyin" => any_in(&key, &value),
        "allin" => all_in(&key, &value),
        "anynotin" => any_not_in(&key, &value),
        "allnotin" => all_not_in(&key, &value),
        "in" => legacy_in(&key, &value),
        "notin" => legacy_not_in(&key, &value),
        "greaterthan" => compare(&key, &value, |o| o.is_gt()),
        "greaterthanorequals" => compare(&key, &value, |o| o.is_ge()),
        "lessthan" => compare(&key, &value, |o| o.is_lt()),
        "lessthanorequals" => compare(&key, &value, |o| o.is_le()),
        "durationgreaterthan" => durations(&key, &value).is_some_and(|(a, b)| a > b),
        "durationgreaterthanorequals" => durations(&key, &value).is_some_and(|(a, b)| a >= b),
        "durationlessthan" => durations(&key, &value).is_some_and(|(a, b)| a < b),
        "durationlessthanorequals" => durations(&key, &value).is_some_and(|(a, b)| a <= b),
        _ => {
            return Err(format!(
                "failed to create handler for condition operator: unknown operator {op:?}"
            ))
        }
    };
    Ok((result, msg))
}

fn as_f64(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// A duration from a duration string or a number of seconds.
fn duration_of(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => parse_duration(s),
        Value::Number(n) => n.as_f64().map(|f| (f * 1e9) as i64),
        _ => None,
    }
}

fn durations(k: &Value, v: &Value) -> Option<(i64, i64)> {
    Some((duration_of(k)?, duration_of(v)?))
}

fn is_duration_string(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s != "0" && parse_duration(s).is_some())
}

fn equals(key: &Value, value: &Value) -> bool {
    match key {
        Value::Bool(k) => value.as_bool() == Some(*k),
        Value::Number(k) => match value {
            Value::Number(v) => k.as_f64() == v.as_f64(),
            Value::String(s) => s.parse::<f64>().ok() == k.as_f64(),
            _ => false,
        },
        Value::String(k) => {
            if (is_duration_string(key) && (is_duration_string(value) || value.is_number()))
                || (is_duration_string(value) && key.is_number())
            {
                if let Some((a, b)) = durations(key, value) {
                    return a == b;
                }
            }
            if let (Some(kq), Value::String(vs)) = (Quantity::parse(k), value) {
                return Quantity::parse(vs).is_some_and(|vq| vq == kq);
            }
            match value {
                Value::String(v) => wildcard::matches(v, k),
                _ => false,
            }
        }
        Value::Object(_) | Value::Array(_) => key == value,
        Value::Null => false,
    }
}

/// `fmt.Sprint` of a scalar.
fn sprint(v: &Value) -> String {
    gofmt::format_v(v)
}

fn both_ways(a: &str, b: &str) -> bool {
    wildcard::matches(a, b) || wildcard::matches(b, a)
}

fn range_of(s: &str) -> Option<(f64, f64)> {
    let re = regex::Regex::new(r"^(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)$").ok()?;
    let c = re.captures(s)?;
    Some((
        c.get(1)?.as_str().parse().ok()?,
        c.get(2)?.as_str().parse().ok()?,
    ))
}

/// Items of a condition value for the set operators.
fn value_items(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(a) => Some(a.iter().map(sprint).collect()),
        Value::String(s) => match serde_json::from_str::<Vec<String>>(s) {
            Ok(items) => Some(items),
            Err(_) => Some(vec![s.clone()]),
        },
        Value::Number(_) | Value::Bool(_) => Some(vec![sprint(value)]),
        _ => None,
    }
}

/// Does one key item match the value (list, wildcard string, range)?
fn item_in(item: &str, value: &Value) -> bool {
    if let Value::String(s) = value {
        if wildcard::matches(s, item) {
            return true;
        }
        if let Some((lo, hi)) = range_of(s) {
            return item.parse::<f64>().is_ok_and(|x| x >= lo && x <= hi);
        }
    }
    value_items(value).is_some_and(|items| items.iter().any(|v| both_ways(v, item)))
}

fn key_items(key: &Value) -> Option<Vec<String>> {
    key.as_array().map(|a| a.iter().map(sprint).collect())
}

fn any_in(key: &Value, value: &Value) -> bool {
    match key_items(key) {
        Some(items) => items.iter().any(|k| item_in(k, value)),
        None => scalar_in(key, value),
    }
}

fn all_in(key: &Value, value: &Value) -> bool {
    match key_items(key) {
        Some(items) => !items.is_empty() && items.iter().all(|k| item_in(k, value)),
        None => scalar_in(key, value),
    }
}

fn any_not_in(key: &Value, value: &Value) -> bool {
    match key_items(key) {
        Some(items) => items.iter().any(|k| !item_in(k, value)),
        None => scalar_valid(key) && !scalar_in(key, value),
    }
}

fn all_not_in(key: &Value, value: &Value) -> bool {
    match key_items(key) {
        Some(items) => items.iter().all(|k| !item_in(k, value)),
        None => scalar_valid(key) && !scalar_in(key, value),
    }
}

fn scalar_valid(key: &Value) -> bool {
    matches!(key, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn scalar_in(key: &Value, value: &Value) -> bool {
    if !scalar_valid(key) {
        return false;
    }
    item_in(&sprint(key), value)
}

fn legacy_in(key: &Value, value: &Value) -> bool {
    match key {
        Value::Array(items) => {
            let Some(vals) = value_items(value) else {
                return false;
            };
            items
                .iter()
                .all(|k| k.as_str().is_some_and(|k| vals.iter().any(|v| v == k)))
        }
        _ => scalar_in(key, value),
    }
}

fn legacy_not_in(key: &Value, value: &Value) -> bool {
    match key {
        Value::Array(items) => {
            let Some(vals) = value_items(value) else {
                return false;
            };
            !items
                .iter()
                .all(|k| k.as_str().is_some_and(|k| vals.iter().any(|v| v == k)))
        }
        _ => scalar_valid(key) && !scalar_in(key, value),
    }
}

fn semver(s: &str) -> Option<(u64, u64, u64)> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let mut parts = s.split('.');
    let a = parts.next()?.parse().ok()?;
    let b = parts.next()?.parse().ok()?;
    let c = parts.next()?.split(['-', '+']).next()?.parse().ok()?;
    Some((a, b, c))
}

fn compare(key: &Value, value: &Value, holds: impl Fn(std::cmp::Ordering) -> bool) -> bool {
    match key {
        Value::String(k) => {
            if is_duration_string(key) || is_duration_string(value) {
                if let Some((a, b)) = durations(key, value) {
                    return holds(a.cmp(&b));
                }
            }
            if let (Some(kq), Some(vq)) =
                (Quantity::parse(k), value.as_str().and_then(Quantity::parse))
            {
                return holds(kq.cmp(&vq));
            }
            if let (Ok(kf), Some(vf)) = (
                k.parse::<f64>(),
                as_f64(value).or_else(|| value.as_str().and_then(|s| s.parse().ok())),
            ) {
                return kf.partial_cmp(&vf).is_some_and(&holds);
            }
            if let (Some(ks), Some(vs)) = (semver(k), value.as_str().and_then(semver)) {
                return holds(ks.cmp(&vs));
            }
            false
        }
        Value::Number(k) => {
            let kf = k.as_f64().unwrap_or(0.0);
            match value {
                Value::Number(v) => kf
                    .partial_cmp(&v.as_f64().unwrap_or(0.0))
                    .is_some_and(&holds),
                Value::String(s) => {
                    if let Some(d) = parse_duration(s).filter(|_| s != "0") {
                        return holds(((kf * 1e9) as i64).cmp(&d));
                    }
                    s.parse::<f64>()
                        .ok()
                        .and_then(|v| kf.partial_cmp(&v))
                        .is_some_and(&holds)
                }
                _ => false,
            }
        }
        _ => false,
    }
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
}
