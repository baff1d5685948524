//! `verno test` with a policy Kyverno's policy validation refuses: the
//! policy is named as skipped (with its file and position), the others are
//! judged, its entries show `Skip` / `Invalid Policy`, and the run exits
//! non-zero because the suite was not fully judged.

use std::path::PathBuf;
use std::process::Command;

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

const TEST: &str = r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [pod.yaml]
results:
- {policy: require-team, rule: check-team, resources: [app], kind: Pod, result: pass}
- {policy: does-nothing, rule: nothing, resources: [app], kind: Pod, result: pass}
"#;

fn suite(name: &str, policy: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-refused-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in [
        ("kyverno-test.yaml", TEST),
        ("policy.yaml", policy),
        ("pod.yaml", POD),
    ] {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[test]
fn refused_policy_is_named_as_skipped_and_the_run_fails() {
    let dir = suite("skip", &format!("{NO_OPERATION}---\n{GOOD}"));
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .arg("test")
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let skipped = stdout
        .lines()
        .find(|l| l.starts_with("  Skipping invalid policy does-nothing: "))
        .unwrap_or_else(|| panic!("no skipped line: {stdout}"));
    assert!(skipped.contains("policy.yaml:6:"), "{skipped}");
    assert!(
        skipped.contains("No operation defined in the rule 'nothing'"),
        "{skipped}"
    );
    assert!(
        stdout.contains("│ require-team │ check-team │ v1/Pod/default/app │ Pass   │ Ok"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("│ does-nothing │ nothing    │ v1/Pod/default/app │ Skip   │ Invalid Policy"),
        "{stdout}"
    );
}

#[test]
fn policy_that_does_not_decode_names_its_file_line_and_column() {
    let bad = GOOD.replace("- name: check-team", "- name: [check-team]");
    let dir = suite("decode", &bad);
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .arg("test")
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let error = stdout
        .lines()
        .find(|l| l.starts_with("  Error: "))
        .unwrap_or_else(|| panic!("no error line: {stdout}"));
    assert!(error.contains("policy.yaml:6:"), "{error}");
    // The file is named once, not twice.
    assert_eq!(error.matches("policy.yaml").count(), 1, "{error}");
}
