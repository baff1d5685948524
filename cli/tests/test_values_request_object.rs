//! `verno test` with values that set `request.object.*` /
//! `request.oldObject.*`: Kyverno's CLI merges them into the JSON context and
//! reads the objects back (`makePolicyContext`), so they change the resource
//! that matching and patterns see, not only `{{ }}` expressions.

use std::path::PathBuf;
use std::process::{Command, Output};

fn suite(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-cli-reqobj-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn verno_test(dir: &PathBuf) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .args(["test", "--strict", "--detailed-results"])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (out, stdout)
}

fn passes(dir: &PathBuf, rows: usize) -> String {
    let (out, stdout) = verno_test(dir);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Test Summary: {rows} tests passed and 0 tests failed"
        )),
        "{stdout}"
    );
    stdout
}

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: app, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
"#;

const REQUIRE_TEAM: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod], names: [app]}}]}
    validate:
      message: label team is required
      pattern: {metadata: {labels: {team: "?*"}}}
"#;

fn test_file(results: &str, values: &str) -> String {
    format!(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {{name: t}}\npolicies: [policy.yaml]\nresources: [resource.yaml]\nresults:\n{results}values:\n{values}"
    )
}

#[test]
fn values_request_object_edit_changes_the_resource_patterns_see() {
    let test = test_file(
        "- {policy: require-team, rule: check-team, resources: [app], result: pass}\n",
        "  policies:\n  - name: require-team\n    resources:\n    - name: app\n      values:\n        request.object.metadata.labels.team: payments\n",
    );
    let dir = suite(
        "pattern",
        &[
            ("policy.yaml", REQUIRE_TEAM),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", &test),
        ],
    );
    passes(&dir, 1);
}

#[test]
fn values_map_under_request_object_merges_into_the_resource() {
    // A map value merges key by key (`mergeMaps`): the name stays, so the
    // `names: [app]` match still holds, and the label is added.
    let test = test_file(
        "- {policy: require-team, rule: check-team, resources: [app], result: pass}\n",
        "  globalValues:\n    request.object.metadata: {labels: {team: payments}}\n",
    );
    let dir = suite(
        "merge",
        &[
            ("policy.yaml", REQUIRE_TEAM),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", &test),
        ],
    );
    passes(&dir, 1);
}

#[test]
fn values_request_object_edit_changes_what_match_sees() {
    let policy = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: prod-only}
spec:
  rules:
  - name: prod-pods
    match: {any: [{resources: {kinds: [Pod], selector: {matchLabels: {env: prod}}}}]}
    validate:
      message: prod pods are checked
      deny: {}
"#;
    let test = test_file(
        "- {policy: prod-only, rule: prod-pods, resources: [app], result: fail}\n",
        "  globalValues:\n    request.object.metadata.labels.env: prod\n",
    );
    let dir = suite(
        "match",
        &[
            ("policy.yaml", policy),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", &test),
        ],
    );
    passes(&dir, 1);
}

#[test]
fn values_request_object_edit_persists_for_later_policies() {
    // Kyverno merges the values into the very map it loaded, so a policy
    // without values that runs later sees the edit too.
    let policies = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a-editor}
spec:
  rules:
  - name: noop
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: ok
      pattern: {metadata: {name: "?*"}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod], names: [app]}}]}
    validate:
      message: label team is required
      pattern: {metadata: {labels: {team: "?*"}}}
"#;
    let test = test_file(
        "- {policy: require-team, rule: check-team, resources: [app], result: pass}\n",
        "  policies:\n  - name: a-editor\n    resources:\n    - name: app\n      values:\n        request.object.metadata.labels.team: payments\n",
    );
    let dir = suite(
        "persist",
        &[
            ("policy.yaml", policies),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", &test),
        ],
    );
    passes(&dir, 1);
}

#[test]
fn values_request_old_object_edit_feeds_the_pre_existing_violation_check() {
    // An Enforce failure on UPDATE is skipped when the old object fails too;
    // the values make the old object compliant, so the failure stands.
    let policy = REQUIRE_TEAM.replace(
        "    validate:\n",
        "    validate:\n      failureAction: Enforce\n",
    );
    let test = test_file(
        "- {policy: require-team, rule: check-team, resources: [app], result: fail}\n",
        "  globalValues:\n    request.operation: UPDATE\n    request.oldObject.metadata.labels.team: payments\n",
    );
    let dir = suite(
        "old-object",
        &[
            ("policy.yaml", &policy),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", &test),
        ],
    );
    passes(&dir, 1);
}

#[test]
fn values_request_object_that_is_not_a_map_is_an_error() {
    let test = test_file(
        "- {policy: require-team, rule: check-team, resources: [app], result: pass}\n",
        "  globalValues:\n    request.object: nope\n",
    );
    let dir = suite(
        "not-a-map",
        &[
            ("policy.yaml", REQUIRE_TEAM),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", &test),
        ],
    );
    let (out, stdout) = verno_test(&dir);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "failed to apply policies on resource app (the object retrieved from the json context is not valid"
        ),
        "{stdout}"
    );
}

#[test]
fn update_old_object_is_the_mutated_resource() {
    // `makePolicyContext` deep-copies the running (already mutated)
    // resource as the old object of an UPDATE.
    let policies = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: add-team}
spec:
  rules:
  - name: add
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge: {metadata: {labels: {team: payments}}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: no-label-change}
spec:
  rules:
  - name: same-labels
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: labels changed
      deny:
        conditions:
          any:
          - key: "{{ request.object.metadata.labels || `{}` }}"
            operator: NotEquals
            value: "{{ request.oldObject.metadata.labels || `{}` }}"
"#;
    let test = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [policy.yaml]\nresources: [resource.yaml]\nresults:\n- {policy: no-label-change, rule: same-labels, resources: [app], result: pass}\nvalues:\n  globalValues:\n    request.operation: UPDATE\n";
    let dir = suite(
        "update-old",
        &[
            ("policy.yaml", policies),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", test),
        ],
    );
    passes(&dir, 1);
}

#[test]
fn rule_values_request_object_edit_changes_what_the_rules_pattern_checks() {
    let test = test_file(
        "- {policy: require-team, rule: check-team, resources: [app], result: pass}\n",
        "  policies:\n  - name: require-team\n    rules:\n    - name: check-team\n      values:\n        request.object.metadata.labels.team: payments\n",
    );
    let dir = suite(
        "rule-values",
        &[
            ("policy.yaml", REQUIRE_TEAM),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", &test),
        ],
    );
    passes(&dir, 1);
}

#[test]
fn values_request_object_edit_persists_into_later_operation_runs() {
    // The default run edits the loaded resource in place; the DELETE run of
    // a result's `operation` then sees the edit in its old object.
    let policy = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: team-on-delete}
spec:
  rules:
  - name: deleting-team
    match: {any: [{resources: {kinds: [Pod], operations: [DELETE]}}]}
    validate:
      message: "deleting {{ request.oldObject.metadata.labels.team }}"
      deny: {}
"#;
    let test = test_file(
        "- {policy: team-on-delete, rule: deleting-team, resources: [app], operation: DELETE, result: fail}\n",
        "  globalValues:\n    request.object.metadata.labels.team: payments\n",
    );
    let dir = suite(
        "persist-runs",
        &[
            ("policy.yaml", policy),
            ("resource.yaml", POD),
            ("kyverno-test.yaml", &test),
        ],
    );
    let stdout = passes(&dir, 1);
    assert!(stdout.contains("deleting payments"), "{stdout}");
}
