//! The RFC 6902 patch Kyverno returns in the AdmissionReview
//! (`generatePatches` → gomodules.xyz/jsonpatch/v2 `CreatePatch`).
//!
//! Same shape as gomodules: objects key by key (adds and replaces, then
//! removes), arrays of scalars (or of flat maps) by edit distance, other
//! arrays index by index with surplus elements removed from the end. Two
//! deliberate differences: keys are visited in sorted order (Go's map order is
//! random), and paths under an empty key are built correctly (gomodules joins
//! `"/a/"` and `"b"` into `"/a/b"`, which would break the round trip).

use serde_json::{json, Value};

use super::{too_deep, MAX_DEPTH};

/// Above this many cells the edit-distance matrix is not built and arrays are
/// compared index by index (still a correct patch, just not the shortest).
const MAX_EDIT_MATRIX: usize = 1 << 22;

/// RFC 6902 operations turning `from` into `to`: applying them to `from`, in
/// order, gives `to`. Inputs nesting deeper than [`MAX_DEPTH`] get a single
/// whole-document `replace`.
///
/// ```
/// use serde_json::json;
/// let from = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"args": ["x", "y"]}});
/// let to = json!({"metadata": {"labels": {"a": "2", "b/c": "3"}}, "spec": {"args": ["x", "z", "y"]}});
/// assert_eq!(verno::unstable::patch::diff(&from, &to), vec![
///     json!({"op": "replace", "path": "/metadata/labels/a", "value": "2"}),
///     json!({"op": "add", "path": "/metadata/labels/b~1c", "value": "3"}),
///     json!({"op": "add", "path": "/spec/args/1", "value": "z"}),
/// ]);
/// ```
pub fn diff(from: &Value, to: &Value) -> Vec<Value> {
    let mut ops = Vec::new();
    if too_deep(from, MAX_DEPTH) || too_deep(to, MAX_DEPTH) {
        if from != to {
            ops.push(op("replace", "", Some(to)));
        }
        return ops;
    }
    handle_values(from, to, "", &mut ops);
    ops
}

fn op(kind: &str, path: &str, value: Option<&Value>) -> Value {
    match value {
        Some(v) => json!({"op": kind, "path": path, "value": v}),
        None => json!({"op": kind, "path": path}),
    }
}

fn make_path(path: &str, part: &str) -> String {
    let key = part.replace('~', "~0").replace('/', "~1");
    format!("{path}/{key}")
}

/// Go's dynamic type of a decoded JSON value (all numbers are float64).
fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// `reflect.DeepEqual` on decoded JSON: numbers compare as float64.
fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| deep_equal(v, w))
        }
        _ => a == b,
    }
}

fn handle_values(a: &Value, b: &Value, path: &str, ops: &mut Vec<Value>) {
    if a.is_null() && b.is_null() {
        return;
    }
    if !same_type(a, b) {
        ops.push(op("replace", path, Some(b)));
        return;
    }
    match (a, b) {
        (Value::Object(am), Value::Object(bm)) => {
            for (k, bv) in bm {
                let p = make_path(path, k);
                match am.get(k) {
                    None => ops.push(op("add", &p, Some(bv))),
                    Some(av) => handle_values(av, bv, &p, ops),
                }
            }
            for k in am.keys().filter(|k| !bm.contains_key(*k)) {
                ops.push(op("remove", &make_path(path, k), None));
            }
        }
        (Value::Array(aa), Value::Array(ba)) => {
            if is_simple_array(aa)
                && is_simple_array(ba)
                && (aa.len() + 1).saturating_mul(ba.len() + 1) <= MAX_EDIT_MATRIX
            {
                edit_distance(aa, ba, path, ops);
            } else {
                let n = aa.len().min(ba.len());
                for i in (n..aa.len()).rev() {
                    ops.push(op("remove", &make_path(path, &i.to_string()), None));
                }
                for (i, v) in ba.iter().enumerate().skip(n) {
                    ops.push(op("add", &make_path(path, &i.to_string()), Some(v)));
                }
                for (i, (av, bv)) in aa.iter().zip(ba).enumerate() {
                    handle_values(av, bv, &make_path(path, &i.to_string()), ops);
                }
            }
        }
        _ => {
            if !deep_equal(a, b) {
                ops.push(op("replace", path, Some(b)));
            }
        }
    }
}

fn is_basic(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// `isSimpleArray`: scalars, or (deciding at the first map) a map of scalars.
fn is_simple_array(a: &[Value]) -> bool {
    for v in a {
        match v {
            _ if is_basic(v) => {}
            Value::Object(m) => return m.values().all(|x| x.is_null() || is_basic(x)),
            _ => return false,
        }
    }
    true
}

/// `compareEditDistance` + `backtrace` (Wagner–Fischer), emitted from the end
/// of the arrays backwards so that each operation's index is still valid.
fn edit_distance(s: &[Value], t: &[Value], path: &str, ops: &mut Vec<Value>) {
    let (m, n) = (s.len(), t.len());
    let w = n + 1;
    let mut d = vec![0usize; (m + 1) * w];
    let get = |d: &[usize], i: usize, j: usize| d.get(i * w + j).copied().unwrap_or(0);
    let put = |d: &mut [usize], i: usize, j: usize, v: usize| {
        if let Some(c) = d.get_mut(i * w + j) {
            *c = v;
        }
    };
    for i in 0..=m {
        put(&mut d, i, 0, i);
    }
    for j in 0..=n {
        put(&mut d, 0, j, j);
    }
    for (j, tv) in t.iter().enumerate().map(|(j, v)| (j + 1, v)) {
        for (i, sv) in s.iter().enumerate().map(|(i, v)| (i + 1, v)) {
            let v = if deep_equal(sv, tv) {
                get(&d, i - 1, j - 1)
            } else {
                (get(&d, i - 1, j) + 1)
                    .min(get(&d, i, j - 1) + 1)
                    .min(get(&d, i - 1, j - 1) + 1)
            };
            put(&mut d, i, j, v);
        }
    }
    let (mut i, mut j) = (m, n);
    loop {
        let cur = get(&d, i, j);
        let prev_s = i.checked_sub(1).and_then(|k| s.get(k));
        let prev_t = j.checked_sub(1).and_then(|k| t.get(k));
        if i > 0 && get(&d, i - 1, j) + 1 == cur {
            ops.push(op("remove", &make_path(path, &(i - 1).to_string()), None));
            i -= 1;
        } else if let (true, Some(tv)) = (j > 0 && get(&d, i, j - 1) + 1 == cur, prev_t) {
            ops.push(op("add", &make_path(path, &i.to_string()), Some(tv)));
            j -= 1;
        } else if let (Some(sv), Some(tv)) = (prev_s, prev_t) {
            if get(&d, i - 1, j - 1) + 1 == cur {
                let p = make_path(path, &(i - 1).to_string());
                if s.first().is_some_and(is_basic) {
                    ops.push(op("replace", &p, Some(tv)));
                } else {
                    handle_values(sv, tv, &p, ops);
                }
            } else if get(&d, i - 1, j - 1) != cur {
                break;
            }
            i -= 1;
            j -= 1;
        } else {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_tail_is_removed_from_the_end() {
        let ops = diff(
            &json!({"l": [{"a": [1]}, {"b": [2]}, {"c": [3]}]}),
            &json!({"l": [{"a": [1]}]}),
        );
        assert_eq!(
            ops,
            vec![
                json!({"op": "remove", "path": "/l/2"}),
                json!({"op": "remove", "path": "/l/1"})
            ]
        );
    }

    #[test]
    fn type_change_is_a_replace_and_null_to_null_is_nothing() {
        assert_eq!(
            diff(&json!({"a": null}), &json!({"a": null})),
            Vec::<Value>::new()
        );
        assert_eq!(
            diff(&json!({"a": 1}), &json!({"a": "1"})),
            vec![json!({"op": "replace", "path": "/a", "value": "1"})]
        );
        assert_eq!(
            diff(&json!({"a": 1}), &json!({"a": 1.0})),
            Vec::<Value>::new()
        );
    }
}
