//! cel-go's *actual* (runtime) cost of a function call, as its cost tracker
//! charges it (`interpreter/runtimecost.go`), with the call-cost estimators
//! Kubernetes installs (`pkg/cel/library/cost.go`) and the cel-go
//! extensions' overload trackers (lists, sets). Kyverno runs every
//! k8s-based environment with `CostLimit(1,000,000)`: the numbers must be
//! cel-go's, or an expression near the limit is judged differently.
//!
//! The cost of the other evaluation steps (identifiers, selections, list
//! and map literals) is charged by the evaluator.

use super::value::Val;

/// cel-go's `common.StringTraversalCostFactor`.
const STRING_TRAVERSAL: f64 = 0.1;
/// cel-go's `common.RegexStringLengthCostFactor`.
const REGEX_LENGTH: f64 = 0.25;
/// cel-go's `common.ListCreateBaseCost`.
pub(crate) const LIST_CREATE: u64 = 10;
/// cel-go's `common.MapCreateBaseCost`.
pub(crate) const MAP_CREATE: u64 = 30;

/// cel-go's `actualSize`: the size of strings (in code points), bytes,
/// lists and maps; an optional's value's size; 1 for anything else.
pub(crate) fn actual_size(v: &Val<'_>) -> u64 {
    match v {
        Val::String(s) => s.as_str().chars().count() as u64,
        Val::Bytes(b) => b.len() as u64,
        Val::Optional(Some(inner)) => actual_size(inner),
        other => other
            .list_len()
            .or_else(|| other.map_len())
            .map_or(1, |n| n as u64),
    }
}

/// `ceil(size × factor)`, as cel-go rounds string traversals.
fn ceil_factor(size: u64, factor: f64) -> u64 {
    (size as f64 * factor).ceil() as u64
}

/// Kubernetes' `traversalCost`: one tenth of the bytes of every string and
/// bytes value reached, 1 per other scalar (truncated, not rounded).
fn traversal(v: &Val<'_>) -> u64 {
    match v {
        Val::String(s) => (s.as_str().len() as f64 * STRING_TRAVERSAL) as u64,
        Val::Bytes(b) => (b.len() as f64 * STRING_TRAVERSAL) as u64,
        Val::List(items) => items.iter().map(traversal).fold(0, u64::saturating_add),
        Val::Map(m) => m
            .entries()
            .iter()
            .map(|(k, v)| traversal(k).saturating_add(traversal(v)))
            .fold(0, u64::saturating_add),
        Val::Json(serde_json::Value::Array(a)) => a
            .iter()
            .map(|x| traversal(&Val::from_json(x, super::NumberMode::Exact)))
            .fold(0, u64::saturating_add),
        Val::Json(serde_json::Value::Object(o)) => o
            .iter()
            .map(|(k, x)| {
                let key = (k.len() as f64 * STRING_TRAVERSAL) as u64;
                key.saturating_add(traversal(&Val::from_json(x, super::NumberMode::Exact)))
            })
            .fold(0, u64::saturating_add),
        _ => 1,
    }
}

/// The extensions' allocating list calls: `size × factor + 1 + 10`.
fn allocating_list(factor: f64, size: u64) -> u64 {
    ((size as f64 * factor) as u64)
        .saturating_add(1)
        .saturating_add(LIST_CREATE)
}

/// The extensions' O(n²) list calls (`distinct`, `sort`, `sortBy`).
fn self_compare(list: Option<&Val<'_>>) -> u64 {
    let Some(list) = list else { return 1 };
    let size = actual_size(list);
    let mut factor = 2.0;
    if size == 0 {
        return allocating_list(factor, 0);
    }
    if matches!(
        list.list_get(0, super::NumberMode::Exact),
        Some(Val::String(_) | Val::Bytes(_))
    ) {
        factor += STRING_TRAVERSAL;
    }
    allocating_list(factor, size.saturating_mul(size))
}

/// What cel-go charges for one call of `function` (overload `overload`) on
/// `args` (receiver first). `result` is `None` before the call: the answer
/// is then `None` when the cost depends on the result, so that a caller
/// can charge calls that build large values before building them.
pub(crate) fn call_cost(
    function: &str,
    overload: &str,
    args: &[Val<'_>],
    result: Option<&Val<'_>>,
) -> Option<u64> {
    let size = |i: usize| args.get(i).map_or(1, actual_size);
    // The extensions' overload trackers come first, as in cel-go.
    match overload {
        "lists_range" => {
            let n = match args.first() {
                Some(Val::Int(n)) => (*n).max(0) as u64,
                _ => 0,
            };
            return Some(allocating_list(1.0, n));
        }
        "list_slice" | "list_reverse" => {
            return result.map(|r| allocating_list(1.0, actual_size(r)))
        }
        "list_flatten" => return Some(allocating_list(1.0, size(0))),
        "list_flatten_int" => {
            let depth = match args.get(1) {
                Some(Val::Int(d)) => *d as f64,
                _ => 1.0,
            };
            return Some(allocating_list(depth, size(0)));
        }
        "list_distinct" | "list_sort" => return Some(self_compare(args.first())),
        "list_sort_by_associated_keys" => return Some(self_compare(args.get(1))),
        "list_sets_contains_list" | "list_sets_intersects_list" => {
            return Some(1u64.saturating_add(size(0).saturating_mul(size(1))))
        }
        "list_sets_equivalent_list" => {
            return Some(1u64.saturating_add(size(0).saturating_mul(size(1)).saturating_mul(2)))
        }
        _ => {}
    }
    // Kubernetes' estimator, by function name.
    match function {
        "check" => return Some(350_000),
        "serviceAccount"
        | "path"
        | "group"
        | "resource"
        | "subresource"
        | "namespace"
        | "name"
        | "allowed"
        | "reason"
        | "error"
        | "errored"
        | "masked"
        | "prefixLength"
        | "family"
        | "isUnspecified"
        | "isLoopback"
        | "isLinkLocalMulticast"
        | "isLinkLocalUnicast"
        | "isGlobalUnicast"
        | "format.named"
        | "sign"
        | "asInteger"
        | "isInteger"
        | "asApproximateFloat"
        | "isGreaterThan"
        | "isLessThan"
        | "compareTo"
        | "add"
        | "sub"
        | "major"
        | "minor"
        | "patch"
        | "getScheme"
        | "getHostname"
        | "getHost"
        | "getPort"
        | "getEscapedPath"
        | "getQuery" => return Some(1),
        "isSorted" | "sum" | "max" | "min" | "indexOf" | "lastIndexOf" | "includes" => {
            return Some(args.first().map_or(0, traversal))
        }
        "url"
        | "lowerAscii"
        | "upperAscii"
        | "substring"
        | "trim"
        | "jsonpatch.escapeKey"
        | "cidr"
        | "isIP"
        | "isCIDR"
        | "quantity"
        | "isQuantity"
        | "semver"
        | "isSemver"
            if !args.is_empty() =>
        {
            return Some(ceil_factor(size(0), STRING_TRAVERSAL))
        }
        "ip" if !args.is_empty() => {
            return Some(if matches!(args.first(), Some(Val::String(_))) {
                ceil_factor(size(0), STRING_TRAVERSAL)
            } else {
                1
            })
        }
        "ip.isCanonical" if !args.is_empty() => {
            return Some(ceil_factor(size(0), 2.0 * STRING_TRAVERSAL))
        }
        "replace" | "split" if !args.is_empty() => {
            return Some(ceil_factor(size(0), 2.0 * STRING_TRAVERSAL))
        }
        "join" if !args.is_empty() => {
            return result.map(|r| ceil_factor(actual_size(r), 2.0 * STRING_TRAVERSAL))
        }
        "find" | "findAll" if args.len() >= 2 => return Some(regex_cost(size(0), size(1))),
        "containsIP" | "containsCIDR" if args.len() >= 2 => {
            let cidr = size(0);
            let mut cost = ceil_factor(cidr.saturating_add(cidr), STRING_TRAVERSAL);
            if function == "containsCIDR" {
                cost = cost
                    .saturating_add(ceil_factor(cidr, STRING_TRAVERSAL))
                    .saturating_add(1);
            }
            if matches!(args.get(1), Some(Val::String(_))) {
                cost = cost.saturating_add(ceil_factor(size(1), STRING_TRAVERSAL));
            }
            return Some(cost);
        }
        "_==_" if matches!(args.first(), Some(Val::Opaque(_))) => return Some(1),
        _ => {}
    }
    // cel-go's defaults, by overload.
    Some(match overload {
        "starts_with_string" | "ends_with_string" | "string_to_bytes" | "bytes_to_string"
        | "strings_quote" | "string_format" => ceil_factor(size(0), STRING_TRAVERSAL),
        "in_list" => size(1),
        "equals" | "not_equals" => ceil_factor(min_size(args), STRING_TRAVERSAL),
        o if is_ordering_of_strings_or_bytes(o) => ceil_factor(min_size(args), STRING_TRAVERSAL),
        "add_string" | "add_bytes" => {
            ceil_factor(size(0).saturating_add(size(1)), STRING_TRAVERSAL)
        }
        "matches_string" => regex_cost(size(0), size(1)),
        "contains_string" => ceil_factor(size(0), STRING_TRAVERSAL)
            .saturating_mul(ceil_factor(size(1), STRING_TRAVERSAL)),
        _ => 1,
    })
}

/// The smaller of the two operands' sizes, computed cheaply for short
/// strings (the common case of `==`).
fn min_size(args: &[Val<'_>]) -> u64 {
    match args {
        [Val::String(a), Val::String(b)] => {
            let (a, b) = (a.as_str(), b.as_str());
            let bytes = a.len().min(b.len());
            // Up to 10 bytes hold 1 to 10 code points: the same cost.
            if bytes <= 10 {
                return if bytes == 0 { 0 } else { 1 };
            }
            (a.chars().count() as u64).min(b.chars().count() as u64)
        }
        [a, b] => actual_size(a).min(actual_size(b)),
        _ => 1,
    }
}

/// `less_string`, `greater_equals_bytes`, …: the orderings cel-go charges
/// by the shorter operand.
fn is_ordering_of_strings_or_bytes(overload: &str) -> bool {
    matches!(
        overload,
        "less_string"
            | "greater_string"
            | "less_equals_string"
            | "greater_equals_string"
            | "less_bytes"
            | "greater_bytes"
            | "less_equals_bytes"
            | "greater_equals_bytes"
    )
}

/// A regular expression's match: the string's traversal (plus one) times
/// the pattern's length over four.
fn regex_cost(string: u64, pattern: u64) -> u64 {
    let s = ((1.0 + string as f64) * STRING_TRAVERSAL).ceil() as u64;
    let r = ceil_factor(pattern, REGEX_LENGTH);
    s.saturating_mul(r)
}
