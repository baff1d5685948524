//! `verno test` with ValidatingPolicies: ruleless rows, Excluded vs Not
//! found (Kyverno's `hasSelector`), autogen rows, CEL exceptions, JSON
//! payloads, `scored: "false"`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn suite(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-vpol-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn verno_test(dir: &PathBuf, strict: bool) -> (Output, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verno"));
    cmd.arg("test").arg(dir).arg("--detailed-results");
    if strict {
        cmd.arg("--strict");
    }
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out, text)
}

const PODS_POLICY: &str = r#"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: no-latest}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [''], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
  validations:
  - expression: "object.spec.containers.all(c, !c.image.endsWith(':latest'))"
    message: "no latest"
"#;

const RESOURCES: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: default}
spec: {containers: [{name: c, image: 'nginx:latest'}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep, namespace: default}
spec: {template: {spec: {containers: [{name: c, image: 'nginx:latest'}]}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: default}
"#;

#[test]
fn rule_is_ignored_and_autogen_copies_judge_controllers() {
    let dir = suite(
        "autogen",
        &[
            ("policy.yaml", PODS_POLICY),
            ("resources.yaml", RESOURCES),
            (
                "kyverno-test.yaml",
                r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [resources.yaml]
results:
- {policy: no-latest, rule: whatever, kind: Pod, resources: [bad], result: fail, isValidatingPolicy: true}
- {policy: no-latest, kind: Deployment, resources: [dep], result: fail}
"#,
            ),
        ],
    );
    let (out, text) = verno_test(&dir, true);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("2 tests passed and 0 tests failed"), "{text}");
}

#[test]
fn non_matching_kind_is_excluded_when_an_autogen_copy_answers_empty() {
    // The pods policy's defaults copy has two rules, so its empty response
    // is kept: the ConfigMap row is Excluded (a pass in Kyverno).
    let dir = suite(
        "excluded",
        &[
            ("policy.yaml", PODS_POLICY),
            ("resources.yaml", RESOURCES),
            (
                "kyverno-test.yaml",
                r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [resources.yaml]
results:
- {policy: no-latest, kind: ConfigMap, resources: [cm], result: pass}
"#,
            ),
        ],
    );
    let (_, text) = verno_test(&dir, false);
    assert!(text.contains("Excluded"), "{text}");
    assert!(text.contains("1 tests passed and 0 tests failed"), "{text}");
}

#[test]
fn non_matching_kind_is_not_found_for_a_simple_one_rule_policy() {
    let deployments = PODS_POLICY
        .replace("apiGroups: ['']", "apiGroups: [apps]")
        .replace("resources: [pods]", "resources: [deployments]");
    let dir = suite(
        "not-found",
        &[
            ("policy.yaml", &deployments),
            ("resources.yaml", RESOURCES),
            (
                "kyverno-test.yaml",
                r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [resources.yaml]
results:
- {policy: no-latest, kind: ConfigMap, resources: [cm], result: pass}
"#,
            ),
        ],
    );
    let (out, text) = verno_test(&dir, false);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("Not found"), "{text}");
}

#[test]
fn cel_exception_files_exempt_and_scored_false_turns_fail_into_warn() {
    let scored = PODS_POLICY.replace(
        "metadata: {name: no-latest}",
        "metadata: {name: no-latest, annotations: {policies.kyverno.io/scored: 'false'}}",
    );
    let dir = suite(
        "exception",
        &[
            ("policy.yaml", &scored),
            ("resources.yaml", RESOURCES),
            (
                "exception.yaml",
                r#"apiVersion: policies.kyverno.io/v1beta1
kind: PolicyException
metadata: {name: allow-dep, namespace: default}
spec:
  policyRefs: [{name: no-latest, kind: ValidatingPolicy}]
  matchConditions:
  - {name: dep, expression: "object.kind == 'Deployment'"}
"#,
            ),
            (
                "kyverno-test.yaml",
                r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [resources.yaml]
exceptions: [exception.yaml]
results:
- {policy: no-latest, kind: Pod, resources: [bad], result: warn}
- {policy: no-latest, kind: Deployment, resources: [dep], result: skip}
"#,
            ),
        ],
    );
    let (out, text) = verno_test(&dir, true);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("rule is skipped due to policy exception: default/allow-dep"),
        "{text}"
    );
}

#[test]
fn json_payloads_are_judged_by_json_mode_policies_keyed_by_clean_path() {
    let dir = suite(
        "json",
        &[
            (
                "policy.yaml",
                r#"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: size-check}
spec:
  evaluation: {mode: JSON}
  validations:
  - expression: "object.size < 3"
    messageExpression: "'too big: ' + string(object.size)"
"#,
            ),
            ("payload.json", r#"{"size": 4}"#),
            (
                "kyverno-test.yaml",
                r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
jsonPayloads: [./payload.json]
results:
- {policy: size-check, kind: '', resources: [payload.json], result: fail}
"#,
            ),
        ],
    );
    let (out, text) = verno_test(&dir, true);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("too big: 4"), "{text}");
}
