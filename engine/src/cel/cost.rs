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

/// How cel-go charges a call of one overload, decided once when the
/// overload is registered (by function name and overload id), so that
/// evaluation does not compare names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// cel-go's default: 1.
    One,
    /// A fixed cost (`check`: 350,000).
    Fixed(u64),
    /// `lists.range(n)`: n + 1 + 10.
    ListsRange,
    /// `slice`, `reverse`: result size + 1 + 10.
    ListOutput,
    /// `flatten(d)`: input size × d + 1 + 10.
    Flatten,
    /// `distinct`, `sort` (argument 0), `sortBy` keys (argument 1): n² × 2(.1) + 11.
    SelfCompare(usize),
    /// `sets.*`: 1 + m × n × factor.
    Sets(u64),
    /// Kubernetes' `traversalCost` of argument 0.
    Traversal,
    /// ceil(size of argument 0 × tenths / 10).
    Size(u64),
    /// `ip`: a string parse, or 1 for `cidr.ip()`.
    Ip,
    /// `containsIP` / `containsCIDR` (true for CIDR).
    Contains(bool),
    /// `join`: ceil(result size × 0.2).
    Join,
    /// `find`, `findAll`, `matches` (member): the regex cost.
    Regex,
    /// `==`/`!=`: 1 for Kubernetes' opaque types (only for `==`), else min size × 0.1.
    Equality(bool),
    /// String and bytes orderings: min size × 0.1.
    MinSize,
    /// `in` a list: its size.
    InList,
    /// String and bytes concatenation: (m + n) × 0.1.
    AddSizes,
    /// `contains`: product of both traversals.
    ContainsString,
}

/// The rule of overload `overload` of `function`: the extensions' overload
/// trackers first, then Kubernetes' estimator (by function), then cel-go's
/// defaults (by overload), as `CostTracker.costCall` consults them.
pub(crate) fn rule(function: &str, overload: &str) -> Rule {
    match overload {
        "lists_range" => return Rule::ListsRange,
        "list_slice" | "list_reverse" => return Rule::ListOutput,
        "list_flatten" | "list_flatten_int" => return Rule::Flatten,
        "list_distinct" | "list_sort" => return Rule::SelfCompare(0),
        "list_sort_by_associated_keys" => return Rule::SelfCompare(1),
        "list_sets_contains_list" | "list_sets_intersects_list" => return Rule::Sets(1),
        "list_sets_equivalent_list" => return Rule::Sets(2),
        _ => {}
    }
    match function {
        "check" => return Rule::Fixed(350_000),
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
        | "getQuery" => return Rule::One,
        "isSorted" | "sum" | "max" | "min" | "indexOf" | "lastIndexOf" | "includes" => {
            return Rule::Traversal
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
        | "isSemver" => return Rule::Size(1),
        "ip" => return Rule::Ip,
        "ip.isCanonical" | "replace" | "split" => return Rule::Size(2),
        "join" => return Rule::Join,
        "find" | "findAll" => return Rule::Regex,
        "containsIP" => return Rule::Contains(false),
        "containsCIDR" => return Rule::Contains(true),
        _ => {}
    }
    match overload {
        "starts_with_string" | "ends_with_string" | "string_to_bytes" | "bytes_to_string"
        | "strings_quote" | "string_format" => Rule::Size(1),
        "in_list" => Rule::InList,
        "equals" => Rule::Equality(true),
        "not_equals" => Rule::Equality(false),
        "less_string"
        | "greater_string"
        | "less_equals_string"
        | "greater_equals_string"
        | "less_bytes"
        | "greater_bytes"
        | "less_equals_bytes"
        | "greater_equals_bytes" => Rule::MinSize,
        "add_string" | "add_bytes" => Rule::AddSizes,
        "matches_string" => Rule::Regex,
        "contains_string" => Rule::ContainsString,
        _ => Rule::One,
    }
}

/// What cel-go charges for one call under `rule` on `args` (receiver
/// first). `result` is `None` before the call: the answer is then `None`
/// when the cost depends on the result, so that a caller can charge calls
/// that build large values before building them. Arguments missing where a
/// rule reads them cost as cel-go's default, 1.
pub(crate) fn call_cost(rule: Rule, args: &[Val<'_>], result: Option<&Val<'_>>) -> Option<u64> {
    let size = |i: usize| args.get(i).map_or(1, actual_size);
    let needs = |n: usize| args.len() >= n;
    Some(match rule {
        Rule::One => 1,
        Rule::Fixed(c) => c,
        Rule::ListsRange => {
            let n = match args.first() {
                Some(Val::Int(n)) => (*n).max(0) as u64,
                _ => 0,
            };
            allocating_list(1.0, n)
        }
        Rule::ListOutput => return result.map(|r| allocating_list(1.0, actual_size(r))),
        Rule::Flatten => {
            let depth = match args.get(1) {
                Some(Val::Int(d)) => *d as f64,
                _ => 1.0,
            };
            allocating_list(depth, size(0))
        }
        Rule::SelfCompare(i) => self_compare(args.get(i)),
        Rule::Sets(factor) => {
            1u64.saturating_add(size(0).saturating_mul(size(1)).saturating_mul(factor))
        }
        Rule::Traversal => args.first().map_or(0, traversal),
        Rule::Size(tenths) if needs(1) => ceil_factor(size(0), tenths as f64 * STRING_TRAVERSAL),
        Rule::Ip if needs(1) => {
            if matches!(args.first(), Some(Val::String(_))) {
                ceil_factor(size(0), STRING_TRAVERSAL)
            } else {
                1
            }
        }
        Rule::Join if needs(1) => {
            return result.map(|r| ceil_factor(actual_size(r), 2.0 * STRING_TRAVERSAL))
        }
        Rule::Regex if needs(2) => regex_cost(size(0), size(1)),
        Rule::Contains(cidr) if needs(2) => {
            let c = size(0);
            let mut cost = ceil_factor(c.saturating_add(c), STRING_TRAVERSAL);
            if cidr {
                cost = cost
                    .saturating_add(ceil_factor(c, STRING_TRAVERSAL))
                    .saturating_add(1);
            }
            if matches!(args.get(1), Some(Val::String(_))) {
                cost = cost.saturating_add(ceil_factor(size(1), STRING_TRAVERSAL));
            }
            cost
        }
        Rule::Equality(true) if matches!(args.first(), Some(Val::Opaque(_))) => 1,
        Rule::Equality(_) | Rule::MinSize => ceil_factor(min_size(args), STRING_TRAVERSAL),
        Rule::InList => size(1),
        Rule::AddSizes => ceil_factor(size(0).saturating_add(size(1)), STRING_TRAVERSAL),
        Rule::ContainsString => ceil_factor(size(0), STRING_TRAVERSAL)
            .saturating_mul(ceil_factor(size(1), STRING_TRAVERSAL)),
        Rule::Size(_) | Rule::Ip | Rule::Join | Rule::Regex | Rule::Contains(_) => 1,
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

/// A regular expression's match: the string's traversal (plus one) times
/// the pattern's length over four.
fn regex_cost(string: u64, pattern: u64) -> u64 {
    let s = ((1.0 + string as f64) * STRING_TRAVERSAL).ceil() as u64;
    let r = ceil_factor(pattern, REGEX_LENGTH);
    s.saturating_mul(r)
}
