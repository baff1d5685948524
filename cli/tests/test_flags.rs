//! `verno test` takes the flags `kyverno test` takes: `--require-tests` and
//! `-o`/`--output-format json|yaml|markdown|junit`.

mod support;

use support::{verno, Scratch, GOOD_POD, VALIDATE_POLICY};

/// A suite with two entries on the same Pod: one that holds (pass) and
/// one that does not (it expects fail).
fn suite(s: &Scratch) {
    s.write("suite/policy.yaml", VALIDATE_POLICY);
    s.write("suite/resource.yaml", GOOD_POD);
    s.write(
        "suite/kyverno-test.yaml",
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [resource.yaml]
results:
- policy: require-team
  rule: check-team
  resources: [good]
  kind: Pod
  result: pass
- policy: require-team
  rule: check-team
  resources: [good]
  kind: Pod
  result: fail
"#,
    );
}

#[test]
fn require_tests_fails_on_an_empty_directory() {
    let s = Scratch::new("test-require-empty");
    s.write("empty/README.md", "nothing here");
    let o = verno(s.path(), &["test", "empty", "--require-tests"]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("\nNo test yamls available\n"),
        "{}",
        o.stdout
    );
    assert!(o.stderr.contains("Error: no tests found"), "{}", o.stderr);
}

#[test]
fn an_empty_directory_without_require_tests_says_so_and_passes() {
    let s = Scratch::new("test-empty");
    s.write("empty/README.md", "nothing here");
    let o = verno(s.path(), &["test", "empty"]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert_eq!(o.stdout, "\nNo test yamls available\n");
}

#[test]
fn strict_fails_on_an_empty_directory_as_require_tests_does() {
    let s = Scratch::new("test-empty-strict");
    s.write("empty/README.md", "nothing here");
    let o = verno(s.path(), &["test", "empty", "--strict"]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("no tests found"), "{}", o.stderr);
}

#[test]
fn require_tests_passes_when_a_test_is_found() {
    let s = Scratch::new("test-require-found");
    s.write("suite/policy.yaml", VALIDATE_POLICY);
    s.write("suite/resource.yaml", GOOD_POD);
    s.write(
        "suite/kyverno-test.yaml",
        &support::test_file("policy.yaml", "resource.yaml"),
    );
    let o = verno(s.path(), &["test", "suite", "--require-tests"]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
}

#[test]
fn test_output_junit_has_a_testcase_per_result() {
    let s = Scratch::new("test-junit");
    suite(&s);
    let o = verno(s.path(), &["test", "suite", "-o", "junit"]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(!o.stdout.contains('│'), "no table: {}", o.stdout);
    assert!(
        o.stdout.contains(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"2\" failures=\"1\">\n <testsuite name=\"require-team\" tests=\"2\" failures=\"1\">\n"
        ),
        "{}",
        o.stdout
    );
    assert_eq!(
        o.stdout
            .matches("  <testcase classname=\"check-team\" name=\"v1/Pod/default/good\">\n")
            .count(),
        2,
        "{}",
        o.stdout
    );
    assert_eq!(o.stdout.matches("   <failure message=").count(), 1);
    assert_eq!(o.stdout.matches("   </failure>\n").count(), 1);
    assert_eq!(o.stdout.matches("<system-out><![CDATA[").count(), 1);
}

#[test]
fn test_output_markdown_is_kyvernos_table() {
    let s = Scratch::new("test-markdown");
    suite(&s);
    let o = verno(s.path(), &["test", "suite", "--output-format", "markdown"]);
    assert!(
        o.stdout.contains(
            "\n| ID | POLICY | RULE | RESOURCE | RESULT | REASON | \n|----|----|----|----|----|----|\n| 1 | require-team | check-team | v1/Pod/default/good | Pass | Ok |\n| 2 | require-team | check-team | v1/Pod/default/good | Fail |"
        ),
        "{}",
        o.stdout
    );
}

#[test]
fn test_output_markdown_detailed_has_a_message_column() {
    let s = Scratch::new("test-markdown-detailed");
    suite(&s);
    let o = verno(
        s.path(),
        &["test", "suite", "-o", "markdown", "--detailed-results"],
    );
    assert!(
        o.stdout
            .contains("| ID | POLICY | RULE | RESOURCE | RESULT | REASON | MESSAGE | \n|----|----|----|----|----|----|----|\n"),
        "{}",
        o.stdout
    );
}

#[test]
fn test_output_json_lists_rows_with_kyvernos_keys() {
    let s = Scratch::new("test-json");
    suite(&s);
    let o = verno(s.path(), &["test", "suite", "-o", "json"]);
    let start = o.stdout.find("\n[\n").unwrap() + 1;
    let end = o.stdout[start..].find("\n]\n").unwrap() + start + 2;
    let rows: serde_json::Value = serde_json::from_str(&o.stdout[start..end]).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["ID", "POLICY", "REASON", "RESOURCE", "RESULT", "RULE"]
    );
    assert_eq!(rows[0]["ID"], 1);
    assert_eq!(rows[1]["ID"], 2);
    assert_eq!(rows[0]["RESOURCE"], "v1/Pod/default/good");
}

#[test]
fn test_output_yaml_lists_rows() {
    let s = Scratch::new("test-yaml");
    suite(&s);
    let o = verno(s.path(), &["test", "suite", "-o", "yaml"]);
    assert!(
        o.stdout.contains("- ID: 1\n  POLICY: require-team\n"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("- ID: 2\n"), "{}", o.stdout);
}

#[test]
fn test_output_format_with_fail_only_prints_the_failed_rows_after_the_summary() {
    let s = Scratch::new("test-fail-only-format");
    suite(&s);
    let o = verno(s.path(), &["test", "suite", "-o", "junit", "--fail-only"]);
    let summary = o
        .stdout
        .find("Test Summary: 1 out of 2 tests failed")
        .unwrap();
    let junit = o
        .stdout
        .find("<testsuites tests=\"1\" failures=\"1\">")
        .unwrap();
    assert!(summary < junit, "{}", o.stdout);
}

#[test]
fn test_output_format_refuses_an_unknown_format() {
    let s = Scratch::new("test-bad-format");
    suite(&s);
    let o = verno(s.path(), &["test", "suite", "-o", "html"]);
    assert_ne!(o.code, Some(0));
    assert!(o.stderr.contains("html"), "{}", o.stderr);
}

/// A suite with entries for two policies on the same Pod.
fn two_policy_suite(s: &Scratch) {
    s.write("suite/policy.yaml", VALIDATE_POLICY);
    s.write(
        "suite/other.yaml",
        &VALIDATE_POLICY
            .replace("require-team", "require-owner")
            .replace("check-team", "check-owner")
            .replace("team", "owner"),
    );
    s.write("suite/resource.yaml", GOOD_POD);
    s.write(
        "suite/kyverno-test.yaml",
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml, other.yaml]
resources: [resource.yaml]
results:
- policy: require-team
  rule: check-team
  resources: [good]
  kind: Pod
  result: pass
- policy: require-owner
  rule: check-owner
  resources: [good]
  kind: Pod
  result: pass
"#,
    );
}

#[test]
fn test_case_selector_filters_results() {
    let s = Scratch::new("test-selector");
    two_policy_suite(&s);
    let all = verno(s.path(), &["test", "suite"]);
    assert!(
        all.stdout
            .contains("Test Summary: 1 tests passed and 1 tests failed"),
        "{}",
        all.stdout
    );
    let o = verno(
        s.path(),
        &["test", "suite", "--test-case-selector", "policy=require-t*"],
    );
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("Test Summary: 1 tests passed and 0 tests failed"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("require-owner"), "{}", o.stdout);
}

#[test]
fn test_case_selector_skips_a_test_with_no_selected_entry() {
    let s = Scratch::new("test-selector-resource");
    suite(&s);
    // `nothere` matches no entry's resources: nothing is judged, and the
    // test is skipped as Kyverno skips it.
    let o = verno(s.path(), &["test", "suite", "-t", "resource=nothere"]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(!o.stdout.contains("Loading test"), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("Test Summary: 0 tests passed and 0 tests failed"),
        "{}",
        o.stdout
    );
}

#[test]
fn test_case_selector_rule_keeps_matching_entries_only() {
    let s = Scratch::new("test-selector-rule");
    two_policy_suite(&s);
    let o = verno(s.path(), &["test", "suite", "-t", "rule=check-own?r"]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("Test Summary: 0 tests passed and 1 tests failed"),
        "{}",
        o.stdout
    );
}

#[test]
fn a_malformed_test_case_selector_is_an_error() {
    let s = Scratch::new("test-selector-bad");
    suite(&s);
    let o = verno(s.path(), &["test", "suite", "-t", "team=x"]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains(
            "\nFilter errors:\n  Error: Invalid test-case-selector (team=x). Parameter can only be policy, rule or resource.\n"
        ),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("Loading test"), "{}", o.stdout);
}
