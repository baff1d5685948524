//! `verno test` and `verno apply` with Kubernetes ValidatingAdmissionPolicies
//! and their bindings, on the suites under `tests/fixtures/vap/` (written
//! after Kyverno's own `test/cli/test-validating-admission-policy` cases).

mod support;

use std::path::{Path, PathBuf};

use support::{verno, Outcome};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vap")
}

fn run_suite(name: &str) -> Outcome {
    verno(
        &fixtures(),
        &["test", name, "--detailed-results", "--strict"],
    )
}

/// The suite passes under `--strict`, and its table shows every `messages` line.
fn assert_suite_passes(name: &str, rows: usize, messages: &[&str]) {
    let out = run_suite(name);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "Test Summary: {rows} tests passed and 0 tests failed"
        )),
        "{}",
        out.stdout
    );
    for m in messages {
        assert!(out.stdout.contains(m), "missing {m:?} in\n{}", out.stdout);
    }
}

#[test]
fn binding_param_ref_by_name_feeds_params_and_messages_follow_the_k8s_validator() {
    assert_suite_passes(
        "params-by-name",
        5,
        &[
            // messageExpression, then the trimmed message.
            "│ replicas 5 above 3 ",
            "│ images need a tag ",
            "│ match conditions aren't met ",
            // A binding without a cluster ignores the policy's matchConstraints.
            "│ expression 'object.spec.replicas <= variables.limit' resulted in error: no such key: replicas ",
            // The rule is named after the policy.
            "│ max-replicas │ max-replicas │",
        ],
    );
}

#[test]
fn binding_match_resources_select_and_the_last_matching_binding_wins() {
    assert_suite_passes(
        "binding-selection",
        5,
        &[
            "│ at most 2 replicas in prod ",
            // Both bindings match staging: the later (looser) one decides.
            "│ at most 5 replicas in staging ",
            // No binding matches: an empty response, shown as Excluded.
            "│ apps/v1/Deployment/dev/dev-nine         │ Pass   │ Excluded │",
        ],
    );
}

#[test]
fn a_policy_without_binding_is_matched_by_its_own_constraints() {
    assert_suite_passes(
        "no-binding",
        6,
        &[
            "│ failed expression: 'owner' in object.metadata.labels ",
            "│ v1/Pod/kube-system/system-pod │ Pass   │ Excluded │",
            "│ v1/ConfigMap/apps/config      │ Pass   │ Excluded │",
        ],
    );
}

#[test]
fn param_ref_selector_gives_every_matching_param_as_one_list() {
    assert_suite_passes(
        "param-selector",
        2,
        &["│ name root is banned by one of 2 lists "],
    );
}

#[test]
fn compile_and_runtime_errors_are_error_results_and_the_first_decision_counts() {
    assert_suite_passes(
        "errors",
        4,
        &[
            "│ compilation error: compilation failed: ERROR: <input>:1:24: Syntax error:",
            "│ compilation error: must evaluate to bool but got dyn ",
            "│ expression 'object.spec.replicas > 1' resulted in error: no such key: spec ",
            "│ failed expression: object.metadata.name == 'other' ",
        ],
    );
}

#[test]
fn legacy_exceptions_with_admission_policies_fail_the_test() {
    let out = run_suite("legacy-exceptions");
    assert_ne!(out.code, Some(0));
    let text = out.stdout + &out.stderr;
    assert!(
        text.contains("error: use of exceptions with ValidatingAdmissionPolicies is not supported"),
        "{text}"
    );
}

#[test]
fn apply_counts_no_admission_policy_skips_and_reports_their_source_and_binding() {
    let dir = fixtures().join("params-by-name");
    let out = verno(
        &dir,
        &[
            "apply",
            "policy.yaml",
            "-r",
            "resources.yaml",
            "--parameter-resource",
            "params.yaml",
        ],
    );
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("pass: 1, fail: 2, warn: 0, error: 1, skip: 0"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1 - max-replicas replicas 5 above 3"));
    let dir = fixtures().join("param-selector");
    let out = verno(
        &dir,
        &[
            "apply",
            "policy.yaml",
            "-r",
            "resources.yaml",
            "--parameter-resource",
            "params.yaml",
            "-p",
        ],
    );
    assert!(
        out.stdout.contains("source: ValidatingAdmissionPolicy"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("binding: banned-names"),
        "{}",
        out.stdout
    );
}

#[test]
fn apply_stops_on_a_kind_the_admission_policy_step_cannot_map() {
    let dir = fixtures().join("unknown-kind");
    let out = verno(&dir, &["apply", "policy.yaml", "-r", "widgets.yaml"]);
    assert_ne!(out.code, Some(0), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "failed to apply policies on resource small (failed to map gvk to gvr \
             example.com/v1, Kind=Widget: no matches for kind \"Widget\" in version \"example.com/v1\")"
        ),
        "{}",
        out.stderr
    );
    let out = verno(&dir, &["apply", "policy.yaml", "--json", "payload.json"]);
    assert_ne!(out.code, Some(0), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "failed to apply policies on resource  (failed to map gvk to gvr /, Kind=: no matches for kind \"\" in version \"\")"
        ),
        "{}",
        out.stderr
    );
}
