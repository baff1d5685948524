//! `verno apply` with policy files that hold nothing usable: an error, or,
//! for a policy Kyverno's validation refuses, a skipped policy counted as an
//! error, as `kyverno apply` does.

use std::path::PathBuf;
use std::process::{Command, Output};

fn dir_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-apply-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

const GOOD: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label team is required"
      pattern: {metadata: {labels: {team: "?*"}}}
"#;

/// A rule with no operation: refused by Kyverno's policy validation.
const NO_OPERATION: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: does-nothing}
spec:
  rules:
  - name: nothing
    match: {any: [{resources: {kinds: [Pod]}}]}
"#;

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: app, namespace: default, labels: {team: a}}
spec: {containers: [{name: c, image: busybox}]}
"#;

fn apply(dir: &std::path::Path, policy: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verno"))
        .arg("apply")
        .arg(dir.join(policy))
        .arg("--resource")
        .arg(dir.join("pod.yaml"))
        .output()
        .unwrap()
}

#[test]
fn empty_policy_file_is_an_error() {
    let dir = dir_with("empty", &[("policy.yaml", ""), ("pod.yaml", POD)]);
    let out = apply(&dir, "policy.yaml");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("policy.yaml: no policy found in the file"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Applying 0"));
}

#[test]
fn policy_file_with_only_comments_is_an_error() {
    let dir = dir_with(
        "comments",
        &[("policy.yaml", "# nothing here\n---\n"), ("pod.yaml", POD)],
    );
    let out = apply(&dir, "policy.yaml");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no policy found"));
}

#[test]
fn refused_policy_is_skipped_reported_and_counted_as_an_error() {
    let both = format!("{NO_OPERATION}---\n{GOOD}");
    let dir = dir_with("skipped", &[("policy.yaml", &both), ("pod.yaml", POD)]);
    let out = apply(&dir, "policy.yaml");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("Policies Skipped:\n1. does-nothing: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("No operation defined in the rule 'nothing'"),
        "{stdout}"
    );
    // The valid policy still ran.
    assert!(
        stdout.contains("pass: 1, fail: 0, warn: 0, error: 1, skip: 0"),
        "{stdout}"
    );
}

#[test]
fn compile_error_names_the_file_line_and_column() {
    let bad = GOOD.replace(
        "pattern: {metadata: {labels: {team: \"?*\"}}}",
        "foreach: \"x\"",
    );
    let dir = dir_with("compile", &[("policy.yaml", &bad), ("pod.yaml", POD)]);
    let out = apply(&dir, "policy.yaml");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("policy.yaml:10:7, policy require-team, rule check-team, field spec.rules[0].validate.foreach: "),
        "{stderr}"
    );
}
