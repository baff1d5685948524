//! Size bounds on patched documents (`verno::unstable::patch::MAX_DOCUMENT_BYTES`): a
//! short patch that doubles the document stops with a typed error naming the
//! operation, instead of running out of memory.

use serde_json::{json, Value};
use verno::unstable::patch::{apply_json6902, strategic_merge, MutateError, MAX_DOCUMENT_BYTES};

/// `count` operations `op` (`copy` from `/a`, or `add` of `value`) into `/a/kN`.
fn ops(count: usize, op: &str, value: &Value) -> String {
    let ops: Vec<Value> = (0..count)
        .map(|i| match op {
            "copy" => json!({"op": "copy", "from": "/a", "path": format!("/a/k{i}")}),
            _ => json!({"op": op, "path": format!("/a/k{i}"), "value": value}),
        })
        .collect();
    Value::Array(ops).to_string()
}

#[test]
fn json6902_repeated_copy_stops_at_the_size_limit_naming_the_operation() {
    // Each copy doubles /a: 1 KiB reaches 16 MiB at the 15th copy; 64 copies
    // would ask for 2^64 bytes.
    let doc = json!({"a": {"s": "x".repeat(1024)}});
    let err = apply_json6902(&doc, &ops(64, "copy", &Value::Null)).unwrap_err();
    let MutateError::DocumentTooLarge {
        index,
        op,
        path,
        limit,
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!((op.as_str(), limit), ("copy", &MAX_DOCUMENT_BYTES));
    assert!((13..=15).contains(index), "{index}");
    assert_eq!(path, &format!("/a/k{index}"));
    assert_eq!(
        err.to_string(),
        format!("failed to patch resource: patchesJson6902[{index}] (copy /a/k{index}) makes the document larger than 16777216 bytes")
    );
}

#[test]
fn json6902_copies_below_the_limit_still_apply() {
    let doc = json!({"a": {"s": "x".repeat(1024)}});
    let out = apply_json6902(&doc, &ops(10, "copy", &Value::Null)).unwrap();
    let len = out.to_string().len();
    assert!(len > 1024 << 10 && len < MAX_DOCUMENT_BYTES, "{len}");
}

#[test]
fn json6902_repeated_add_of_a_large_value_is_bounded_too() {
    let big = json!("y".repeat(1 << 20));
    let err = apply_json6902(&json!({"a": {}}), &ops(40, "add", &big)).unwrap_err();
    assert!(
        matches!(&err, MutateError::DocumentTooLarge { index: 15, op, path, .. } if op == "add" && path == "/a/k15"),
        "{err}"
    );
}

#[test]
fn json6902_replacing_and_removing_frees_room() {
    // Twenty 1 MiB values, each replaced or removed before the next: the
    // document never holds more than one, so nothing is refused.
    let big = json!("z".repeat(1 << 20));
    let ops: Vec<Value> = (0..20)
        .flat_map(|i| {
            [
                json!({"op": "add", "path": "/a", "value": big}),
                if i % 2 == 0 {
                    json!({"op": "replace", "path": "/a", "value": 1})
                } else {
                    json!({"op": "remove", "path": "/a"})
                },
            ]
        })
        .collect();
    let out = apply_json6902(&json!({}), &Value::Array(ops).to_string()).unwrap();
    assert_eq!(out, json!({}));
}

#[test]
fn strategic_merge_output_over_the_limit_is_an_error() {
    let doc = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "x".repeat(MAX_DOCUMENT_BYTES)}});
    let err = strategic_merge(&doc, &json!({"data": {"b": "1"}})).unwrap_err();
    assert_eq!(
        err,
        MutateError::MergeTooLarge {
            limit: MAX_DOCUMENT_BYTES
        }
    );
    assert_eq!(
        err.to_string(),
        "failed to patch resource: the patchStrategicMerge result is larger than 16777216 bytes"
    );
}
