//! `verno apply` with ValidatingPolicies whose `validationActions` are Warn
//! or Audit, under `--audit-warn` and `scored: "false"`: Kyverno's CLI
//! counts CEL kinds with their raw statuses, and, as they have no
//! validationFailureAction (read as Audit), prints every failure as an
//! audit warning under `--audit-warn`.

mod support;

use support::{verno, Scratch};

fn vpol(name: &str, actions: &str, annotations: &str) -> String {
    format!(
        r#"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: {name}
  annotations: {{{annotations}}}
spec:
  validationActions: {actions}
  matchConstraints:
    resourceRules:
    - {{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}}
  validations:
  - expression: "object.metadata.name != 'bad'"
    message: bad name
"#
    )
}

const BAD_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: default}\nspec: {containers: [{name: c, image: nginx}]}\n";

#[test]
fn warn_and_audit_validation_actions_still_count_as_failures() {
    let dir = Scratch::new("vpol-actions");
    let text = [
        vpol("warn-only", "[Warn]", ""),
        vpol("audit-only", "[Audit]", ""),
    ]
    .join("---\n");
    dir.write("p.yaml", &text);
    dir.write("r.yaml", BAD_POD);
    let out = verno(dir.path(), &["apply", "p.yaml", "-r", "r.yaml"]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("pass: 0, fail: 2, warn: 0, error: 0, skip: 0"),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("policy warn-only -> resource default/Pod/bad failed:\n1 -  bad name"));
}

#[test]
fn audit_warn_prints_every_cel_failure_as_a_warning_without_changing_counts() {
    let dir = Scratch::new("vpol-audit-warn");
    dir.write("p.yaml", &vpol("deny", "[Deny]", ""));
    dir.write("r.yaml", BAD_POD);
    let out = verno(
        dir.path(),
        &["apply", "p.yaml", "-r", "r.yaml", "--audit-warn"],
    );
    assert!(
        out.stdout
            .contains("policy deny -> resource default/Pod/bad failed as audit warning:"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("pass: 0, fail: 1, warn: 0"),
        "{}",
        out.stdout
    );
}

#[test]
fn unscored_validating_policies_are_counted_as_failures_in_apply() {
    let dir = Scratch::new("vpol-unscored");
    dir.write(
        "p.yaml",
        &vpol(
            "unscored",
            "[Deny]",
            "policies.kyverno.io/scored: \"false\"",
        ),
    );
    dir.write("r.yaml", BAD_POD);
    let out = verno(dir.path(), &["apply", "p.yaml", "-r", "r.yaml"]);
    assert!(
        out.stdout.contains("pass: 0, fail: 1, warn: 0"),
        "{}",
        out.stdout
    );
}
