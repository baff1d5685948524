//! `verno test` with `exceptions:` and `userinfo:` files, as `kyverno test`.

use std::path::PathBuf;
use std::process::Command;

fn suite(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

const POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-labels}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label team is required"
      pattern: {metadata: {labels: {team: "?*"}}}
"#;

const RESOURCES: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: tools}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
"#;

const EXCEPTION: &str = r#"apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: tools-exempt, namespace: kyverno}
spec:
  exceptions:
  - policyName: require-labels
    ruleNames: [check-team, autogen-check-team]
  match:
    any:
    - resources: {kinds: [Pod], namespaces: [tools]}
"#;

#[test]
fn exception_in_test_file_turns_fail_into_skip() {
    let dir = suite(
        "test-exception",
        &[
            ("policy.yaml", POLICY),
            ("resources.yaml", RESOURCES),
            ("exception.yaml", EXCEPTION),
            (
                "kyverno-test.yaml",
                r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [resources.yaml]
exceptions: [exception.yaml]
results:
- {policy: require-labels, rule: check-team, resources: [tool], result: skip}
- {policy: require-labels, rule: check-team, resources: [app], result: fail}
"#,
            ),
        ],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .args(["test", "--detailed-results"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Test Summary: 2 tests passed and 0 tests failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rule is skipped due to policy exceptionskyverno/tools-exempt"),
        "{stdout}"
    );
}

#[test]
fn apply_with_exception_file_skips_the_exempt_pod() {
    let dir = suite(
        "apply-exception",
        &[
            ("policy.yaml", POLICY),
            ("resources.yaml", RESOURCES),
            ("exception.yaml", EXCEPTION),
        ],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .arg("apply")
        .arg(dir.join("policy.yaml"))
        .arg("--resource")
        .arg(dir.join("resources.yaml"))
        .arg("--exception")
        .arg(dir.join("exception.yaml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("pass: 0, fail: 1, warn: 0, error: 0, skip: 1"),
        "{stdout}"
    );
    assert!(!stdout.contains("tools/Pod/tool"), "{stdout}");
}

#[test]
/// Without the file the CLI ignores user criteria and the rule would fail the Pod.
fn userinfo_file_feeds_subject_matching() {
    let policy = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: admins-only}
spec:
  rules:
  - name: block-non-admins
    match:
      any:
      - resources: {kinds: [Pod]}
        subjects: [{kind: User, name: dev}]
    validate:
      message: "dev may not create pods"
      deny: {}
"#;
    let dir = suite(
        "userinfo",
        &[
            ("policy.yaml", policy),
            ("resources.yaml", RESOURCES),
            (
                "user.yaml",
                "apiVersion: cli.kyverno.io/v1alpha1\nkind: UserInfo\nmetadata: {name: u}\nuserInfo: {username: ops}\n",
            ),
            (
                "kyverno-test.yaml",
                r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [resources.yaml]
userinfo: user.yaml
results:
- {policy: admins-only, rule: block-non-admins, resources: [app], result: skip}
"#,
            ),
        ],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .args(["test", "--strict"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Test Summary: 1 tests passed and 0 tests failed"),
        "{stdout}"
    );
}
