//! `verno apply` and `verno test` run one pipeline: a policy with both a
//! mutate and a validate rule gets the same verdict per rule from both
//! (before, `verno test --strict` judged the validate rule `Excluded` from
//! the policy's mutate response and failed it).

use std::path::{Path, PathBuf};
use std::process::Command;

const POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: mixed}
spec:
  validationFailureAction: Enforce
  rules:
  - name: add-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge: {metadata: {labels: {team: web}}}
  - name: require-app
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label app is required"
      pattern: {metadata: {labels: {app: "?*"}}}
"#;

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: nginx, namespace: default}
spec: {containers: [{name: nginx, image: nginx}]}
"#;

fn suite(name: &str, test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-agree-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.yaml"), POLICY).unwrap();
    std::fs::write(dir.join("pod.yaml"), POD).unwrap();
    std::fs::write(dir.join("kyverno-test.yaml"), test).unwrap();
    dir
}

fn verno(args: &[&str], dir: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn test_file(validate_result: &str, mutate_result: &str) -> String {
    format!(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {{name: mixed}}
policies: [policy.yaml]
resources: [pod.yaml]
results:
- {{policy: mixed, rule: require-app, resources: [nginx], kind: Pod, result: {validate_result}}}
- {{policy: mixed, rule: add-team, resources: [nginx], kind: Pod, result: {mutate_result}}}
"#
    )
}

#[test]
fn mutate_and_validate_policy_gets_the_same_verdicts_from_apply_and_strict_test() {
    let dir = suite("verdicts", &test_file("fail", "pass"));
    // apply: the mutate rule passes, the validate rule fails on the mutated Pod.
    let (code, out) = verno(&["apply", "policy.yaml", "--resource", "pod.yaml"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("policy mixed -> resource default/Pod/nginx failed:\n1 - require-app "),
        "{out}"
    );
    assert!(
        out.contains("pass: 1, fail: 1, warn: 0, error: 0, skip: 0"),
        "{out}"
    );
    // test --strict expects exactly those verdicts and agrees, row for row.
    let (code, out) = verno(&["test", "--strict", "."], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("Excluded"), "{out}");
    assert!(out.contains("2 tests passed and 0 tests failed"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn strict_test_still_fails_a_verdict_apply_contradicts() {
    let dir = suite("contradicts", &test_file("pass", "pass"));
    let (code, out) = verno(&["test", "--strict", "."], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Want pass, got fail"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn validate_response_adds_no_excluded_row_for_a_mutate_rule_already_judged() {
    // Kyverno's printTestResult keeps one row list per resource: the mutate
    // response (first) gives the validate rule an Excluded row, but the
    // validate response gives none to the mutate rule, which already has
    // its row.
    let dir = suite("rows", &test_file("fail", "pass"));
    let (code, out) = verno(&["test", "."], &dir);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("Excluded").count(), 1, "{out}");
    assert!(out.contains("3 tests passed and 0 tests failed"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
