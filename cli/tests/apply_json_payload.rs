//! `verno apply POLICY --json FILE`: a ValidatingPolicy in JSON mode judges
//! any JSON document, and `kyverno apply` needs no `--resource` for it.

mod support;

use support::{verno, Scratch};

const POLICY: &str = r#"apiVersion: policies.kyverno.io/v1alpha1
kind: ValidatingPolicy
metadata:
  name: check-replicas
spec:
  evaluation:
    mode: JSON
  validations:
  - expression: object.replicas <= 3
    message: too many replicas
"#;

#[test]
fn apply_with_json_payload_needs_no_resource_flag() {
    let dir = Scratch::new("apply-json");
    dir.write("policy.yaml", POLICY);
    dir.write("good.json", r#"{"replicas": 2}"#);
    dir.write("bad.json", r#"{"replicas": 5}"#);
    let good = verno(dir.path(), &["apply", "policy.yaml", "--json", "good.json"]);
    assert_eq!(good.code, Some(0), "{}{}", good.stdout, good.stderr);
    assert!(good.stdout.contains("pass: 1"), "{}", good.stdout);
    let bad = verno(dir.path(), &["apply", "policy.yaml", "--json", "bad.json"]);
    assert_ne!(bad.code, Some(0), "{}{}", bad.stdout, bad.stderr);
    assert!(bad.stdout.contains("too many replicas"), "{}", bad.stdout);
    assert!(bad.stdout.contains("fail: 1"), "{}", bad.stdout);
}

#[test]
fn apply_without_resource_or_json_is_a_usage_error() {
    let dir = Scratch::new("apply-json-none");
    dir.write("policy.yaml", POLICY);
    let out = verno(dir.path(), &["apply", "policy.yaml"]);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("--resource"), "{}", out.stderr);
}
