//! A resource document must be a Kubernetes object: a bare list, a scalar
//! or a map without `kind` is an error naming the file and the document;
//! `kind: List` still gives its items.

mod support;

use support::{test_file, verno, Scratch, GOOD_POD, VALIDATE_POLICY};

fn apply_with(resources: &str) -> support::Outcome {
    let s = Scratch::new("docs");
    s.write("policy.yaml", VALIDATE_POLICY);
    s.write("res.yaml", resources);
    verno(s.path(), &["apply", "policy.yaml", "-r", "res.yaml"])
}

#[test]
fn apply_rejects_a_bare_list_document_naming_file_and_index() {
    let o = apply_with(&format!("{GOOD_POD}---\n- a\n- b\n"));
    assert_eq!(o.code, Some(1), "{}", o.stdout);
    assert!(
        o.stderr.contains(
            "res.yaml: document 2 (line 6): expected a Kubernetes object (a map), got a list"
        ),
        "{}",
        o.stderr
    );
}

#[test]
fn apply_rejects_a_scalar_document() {
    let o = apply_with("just a string\n");
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr.contains(
            "res.yaml: document 1 (line 1): expected a Kubernetes object (a map), got a string"
        ),
        "{}",
        o.stderr
    );
}

#[test]
fn apply_rejects_a_mapping_without_kind() {
    let o = apply_with("apiVersion: v1\nmetadata: {name: x}\n");
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr
            .contains("res.yaml: document 1 (line 1): a Kubernetes object needs a string `kind`"),
        "{}",
        o.stderr
    );
}

#[test]
fn apply_rejects_a_list_item_that_is_not_an_object() {
    let o = apply_with("apiVersion: v1\nkind: List\nitems:\n- 42\n");
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr.contains("res.yaml: document 1 (line 1), List item 1: expected a Kubernetes object (a map), got a number"),
        "{}",
        o.stderr
    );
}

#[test]
fn apply_still_expands_kind_list() {
    let o = apply_with(
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a, labels: {team: x}}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b, labels: {team: y}}}\n",
    );
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("to 2 resource(s)"), "{}", o.stdout);
}

#[test]
fn test_rejects_a_resource_document_that_is_not_an_object() {
    let s = Scratch::new("test-docs");
    s.write("suite/policy.yaml", VALIDATE_POLICY);
    s.write("suite/pod.yaml", GOOD_POD);
    s.write("suite/scalar.yaml", "42\n");
    let t = test_file("policy.yaml", "pod.yaml").replace(
        "resources: [\"pod.yaml\"]",
        "resources: [\"pod.yaml\", \"scalar.yaml\"]",
    );
    s.write("suite/kyverno-test.yaml", &t);
    let o = verno(s.path(), &["test", "suite"]);
    assert_eq!(o.code, Some(1), "{}", o.stdout);
    assert!(
        o.stdout.contains(
            "scalar.yaml: document 1 (line 1): expected a Kubernetes object (a map), got a number"
        ),
        "{}",
        o.stdout
    );
}
