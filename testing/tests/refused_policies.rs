//! A policy that Kyverno's policy validation refuses is set aside, as
//! `kyverno test` does: the other policies are judged, the entries naming
//! it show `Skip` / `Invalid Policy` (a failure under `--strict`), and the
//! report lists it so the run cannot pass. Policy files that do not load
//! name the file, line and column.

use std::path::{Path, PathBuf};

use verno_test::run::{run_file, RunOptions, TestReport};
use verno_test::{report_json, MemFiles, TestError};

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

fn run(policy: &str, strict: bool) -> TestReport {
    let files = MemFiles::new([
        ("t/kyverno-test.yaml", TEST.to_string()),
        ("t/policy.yaml", policy.to_string()),
        ("t/pod.yaml", POD.to_string()),
    ])
    .unwrap();
    let mut reports = run_file(
        &files,
        Path::new("t/kyverno-test.yaml"),
        &RunOptions {
            strict,
            ..RunOptions::default()
        },
    );
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

#[test]
fn refused_policy_is_skipped_and_the_others_are_judged() {
    let report = run(&format!("{NO_OPERATION}---\n{GOOD}"), false);
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.rows.len(), 2, "{:#?}", report.rows);
    let good = &report.rows[0];
    assert_eq!(
        (good.policy.as_str(), good.result, good.reason.as_str()),
        ("require-team", "Pass", "Ok")
    );
    let refused = &report.rows[1];
    assert_eq!(refused.policy, "does-nothing");
    assert_eq!(refused.result, "Skip");
    assert_eq!(refused.reason, "Invalid Policy");
    assert!(
        refused
            .message
            .contains("No operation defined in the rule 'nothing'"),
        "{}",
        refused.message
    );
}

#[test]
fn skipped_policy_is_listed_with_its_file_and_position() {
    let report = run(&format!("{GOOD}---\n{NO_OPERATION}"), false);
    assert_eq!(report.skipped.len(), 1);
    let skipped = &report.skipped[0];
    assert_eq!(skipped.policy, "does-nothing");
    assert_eq!(skipped.file, PathBuf::from("t/policy.yaml"));
    let location = skipped.error.location();
    assert_eq!(location.file.as_deref(), Some("t/policy.yaml"));
    assert!(
        location.line.is_some_and(|l| l > 11),
        "the refused policy is the second document: {location:?}"
    );
    let json = report_json(&report);
    assert_eq!(json["skipped"][0]["policy"], "does-nothing");
    assert_eq!(json["skipped"][0]["file"], "t/policy.yaml");
}

#[test]
fn skipped_policy_keeps_the_report_from_passing() {
    let report = run(&format!("{NO_OPERATION}---\n{GOOD}"), false);
    // Both rows pass as Kyverno counts them, but the suite was not fully
    // judged.
    assert_eq!(report.passed(), 2);
    assert_eq!(report.failed(), 1);
}

#[test]
fn entries_of_a_skipped_policy_fail_under_strict() {
    let report = run(&format!("{NO_OPERATION}---\n{GOOD}"), true);
    let refused = &report.rows[1];
    assert_eq!(refused.policy, "does-nothing");
    assert_eq!(refused.result, "Fail");
    assert_eq!(refused.reason, "Invalid Policy");
    assert!(!refused.ok);
    assert_eq!(report.failed(), 2);
}

#[test]
fn policy_that_does_not_decode_is_an_error_naming_file_line_and_column() {
    let bad = GOOD.replace(
        "rules:\n  - name: check-team",
        "rules:\n  - name: [check-team]",
    );
    let report = run(&bad, false);
    let error = report.error.expect("an error");
    let text = error.to_string();
    match &error {
        TestError::PolicyLoad(e) => {
            let location = e.location();
            assert_eq!(location.file.as_deref(), Some("t/policy.yaml"));
            assert_eq!(location.line, Some(6), "{text}");
            assert!(location.column.is_some(), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert!(text.starts_with("t/policy.yaml:6:"), "{text}");
}
