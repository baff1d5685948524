//! `verno test` counts only what it judged: malformed or empty test files
//! are errors, and `--strict` does not let a misspelled resource name or a
//! same-named resource of another kind decide an entry.

use std::path::{Path, PathBuf};
use std::process::Command;

fn suite(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-judging-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

struct Run {
    code: i32,
    stdout: String,
}

fn verno_test(dir: &Path, strict: bool) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verno"));
    cmd.arg("test").arg(dir);
    if strict {
        cmd.arg("--strict");
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

const POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label team is required"
      pattern: {metadata: {labels: {team: "?*"}}}
"#;

const BAD_POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: prod, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
"#;

const GOOD_POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: good, namespace: default, labels: {team: web}}
spec: {containers: [{name: c, image: busybox}]}
"#;

const NAMESPACE: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: prod}
"#;

fn test_file(results: &str) -> String {
    format!(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {{name: t}}\n\
         policies: [policy.yaml]\nresources: [resources.yaml]\n{results}"
    )
}

#[test]
fn test_file_fields_of_the_wrong_type_are_an_error() {
    let cases = [
        (
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [policy.yaml]\nresources: 5\nresults: [{policy: require-team, rule: check-team, resources: [prod], kind: Pod, result: fail}]\n",
            "Test.resources: expected a list of strings, got a number",
        ),
        (
            &*test_file("results: {policy: require-team, rule: check-team, result: fail}\n"),
            "Test.results: expected a list, got a map",
        ),
        (
            &*test_file("results: [{policy: require-team, rule: check-team, resources: prod, result: fail}]\n"),
            "Test.results[0].resources: expected a list of strings, got a string",
        ),
        (
            &*test_file("results: [{policy: require-team, rule: check-team, resources: [prod], result: fail, failOnMissingResources: 'yes'}]\n"),
            "Test.results[0].failOnMissingResources: expected a boolean, got a string",
        ),
        (
            &*test_file("values: {globalValues: [1]}\nresults: [{policy: require-team, rule: check-team, resources: [prod], result: fail}]\n"),
            "Values.globalValues: expected a map, got a list",
        ),
    ];
    for (i, (test, message)) in cases.iter().enumerate() {
        let dir = suite(
            &format!("wrong-type-{i}"),
            &[
                ("policy.yaml", POLICY),
                ("resources.yaml", BAD_POD),
                ("kyverno-test.yaml", test),
            ],
        );
        let run = verno_test(&dir, false);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with("  Error: ") && l.ends_with(message)),
            "{}",
            run.stdout
        );
        assert!(run
            .stdout
            .ends_with("Test Summary: 0 tests passed and 1 tests failed\n"));
    }
}

#[test]
fn empty_test_file_is_an_error() {
    for (i, text) in ["", "# nothing to test\n", "---\n"].iter().enumerate() {
        let dir = suite(&format!("empty-{i}"), &[("kyverno-test.yaml", text)]);
        let run = verno_test(&dir, false);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.stdout.contains("the file holds no Test document"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn test_without_results_does_not_count_as_a_pass() {
    for (i, results) in ["", "results: []\n", "results: null\n"].iter().enumerate() {
        let dir = suite(
            &format!("no-results-{i}"),
            &[
                ("policy.yaml", POLICY),
                ("resources.yaml", BAD_POD),
                ("kyverno-test.yaml", &test_file(results)),
            ],
        );
        let run = verno_test(&dir, false);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(run.stdout.contains("no results to check"), "{}", run.stdout);
    }
}

#[test]
fn test_that_checks_nothing_is_an_error() {
    let test = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\n\
                policies: [policy.yaml]\nresults: [{policy: require-team, rule: check-team, result: fail}]\n";
    let dir = suite(
        "checks-nothing",
        &[("policy.yaml", POLICY), ("kyverno-test.yaml", test)],
    );
    let run = verno_test(&dir, false);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("nothing was checked"), "{}", run.stdout);
}

const TYPO: &str =
    "results:\n- {policy: require-team, rule: check-team, resources: [prdo], kind: Pod, result: pass}\n";

#[test]
fn misspelled_resource_name_checks_every_resource_by_default_as_kyverno_does() {
    let dir = suite(
        "typo-default",
        &[
            ("policy.yaml", POLICY),
            ("resources.yaml", GOOD_POD),
            ("kyverno-test.yaml", &test_file(TYPO)),
        ],
    );
    let run = verno_test(&dir, false);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("v1/Pod/default/good │ Pass"),
        "{}",
        run.stdout
    );
}

#[test]
fn misspelled_resource_name_is_not_found_under_strict() {
    let dir = suite(
        "typo-strict",
        &[
            ("policy.yaml", POLICY),
            ("resources.yaml", GOOD_POD),
            ("kyverno-test.yaml", &test_file(TYPO)),
        ],
    );
    let run = verno_test(&dir, true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("│ prdo     │ Fail   │ Not found │"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("v1/Pod/default/good"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .ends_with("Test Summary: 0 tests passed and 1 tests failed\n"));
}

#[test]
fn strict_kind_selects_among_resources_sharing_a_name() {
    let resources = format!("{BAD_POD}---\n{NAMESPACE}");
    let entry = |kind: &str| {
        test_file(&format!(
            "results:\n- {{policy: require-team, rule: check-team, resources: [prod], {kind}result: fail}}\n"
        ))
    };
    let with_kind = suite(
        "kind-strict",
        &[
            ("policy.yaml", POLICY),
            ("resources.yaml", &resources),
            ("kyverno-test.yaml", &entry("kind: Pod, ")),
        ],
    );
    let run = verno_test(&with_kind, true);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains("Namespace"), "{}", run.stdout);
    assert!(run
        .stdout
        .ends_with("Test Summary: 1 tests passed and 0 tests failed\n"));

    // Without a kind both resources are checked, and under --strict the
    // Namespace's Excluded row does not pass an entry expecting `fail`.
    let without_kind = suite(
        "no-kind-strict",
        &[
            ("policy.yaml", POLICY),
            ("resources.yaml", &resources),
            ("kyverno-test.yaml", &entry("")),
        ],
    );
    let run = verno_test(&without_kind, true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("v1/Namespace//prod"), "{}", run.stdout);

    // By default the kind is decoration, as in Kyverno: both rows, both pass.
    let run = verno_test(&with_kind, false);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("v1/Namespace//prod"), "{}", run.stdout);
    assert!(run
        .stdout
        .ends_with("Test Summary: 2 tests passed and 0 tests failed\n"));
}

#[test]
fn userinfo_fields_of_the_wrong_type_are_an_error() {
    let user = "apiVersion: cli.kyverno.io/v1alpha1\nkind: UserInfo\nmetadata: {name: u}\nclusterRoles: cluster-admin\n";
    let test = test_file(
        "userinfo: user.yaml\nresults: [{policy: require-team, rule: check-team, resources: [prod], result: fail}]\n",
    );
    let dir = suite(
        "userinfo-type",
        &[
            ("policy.yaml", POLICY),
            ("resources.yaml", BAD_POD),
            ("user.yaml", user),
            ("kyverno-test.yaml", &test),
        ],
    );
    let run = verno_test(&dir, false);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("user.yaml: UserInfo.clusterRoles: expected a list of strings, got a string"),
        "{}",
        run.stdout
    );
}
