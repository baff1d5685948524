//! What `verno apply` prints for rules that fail or end in error, compared
//! with `kyverno apply`'s default output (`commands/apply/command.go`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-apply-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

/// (exit code, stdout)
fn apply(dir: &Path, policy: &str, resource: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .arg("apply")
        .arg(dir.join(policy))
        .arg("-r")
        .arg(dir.join(resource))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: default}
spec: {containers: [{name: c, image: nginx}]}
";

const VALIDATE_ERROR: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: check-owner}
spec:
  validationFailureAction: Enforce
  rules:
  - name: owner-known
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "owner unknown"
      deny:
        conditions:
          any:
          - key: "{{ request.object.metadata.labels.owner }}"
            operator: Equals
            value: nobody
"#;

const MUTATE_ERROR: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: copy-owner}
spec:
  rules:
  - name: copy
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            owner: "{{ request.object.metadata.annotations.owner }}"
"#;

const MUTATE_OK: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: add-team}
spec:
  rules:
  - name: team
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            team: web
"#;

#[test]
fn validate_rule_that_ends_in_error_prints_its_message() {
    let d = dir(
        "validate-error",
        &[("p.yaml", VALIDATE_ERROR), ("pod.yaml", POD)],
    );
    let (code, out) = apply(&d, "p.yaml", "pod.yaml");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "policy check-owner -> resource default/Pod/p1 error:\n\
             1 - owner-known failed to check deny conditions: failed to substitute variables in condition key: \
             failed to resolve request.object.metadata.labels.owner at path : JMESPath query failed: Unknown key \"labels\" in path\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with("pass: 0, fail: 0, warn: 0, error: 1, skip: 0 \n"),
        "{out}"
    );
}

#[test]
fn mutate_rule_that_ends_in_error_prints_kyvernos_error_line() {
    let d = dir(
        "mutate-error",
        &[("p.yaml", MUTATE_ERROR), ("pod.yaml", POD)],
    );
    let (code, out) = apply(&d, "p.yaml", "pod.yaml");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "\nerror while applying mutate policy copy-owner -> resource default/Pod/p1 \n\
             error:  variable substitution failed: failed to resolve request.object.metadata.annotations.owner \
             at path /patchStrategicMerge/metadata/labels/owner: JMESPath query failed: Unknown key \"annotations\" in path\n"
        ),
        "{out}"
    );
}

#[test]
fn failed_mutation_does_not_claim_it_was_applied_successfully() {
    let d = dir(
        "mutate-failed",
        &[("p.yaml", MUTATE_ERROR), ("pod.yaml", POD)],
    );
    let (_, out) = apply(&d, "p.yaml", "pod.yaml");
    assert!(
        !out.contains("Mutation has been applied successfully."),
        "{out}"
    );
    assert!(out.contains("\n\nMutation:\nMutation failed."), "{out}");

    let d = dir("mutate-ok", &[("p.yaml", MUTATE_OK), ("pod.yaml", POD)]);
    let (code, out) = apply(&d, "p.yaml", "pod.yaml");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\n\nMutation:\nMutation has been applied successfully."),
        "{out}"
    );
}

#[test]
fn long_expression_in_an_error_line_is_cut_to_a_readable_length() {
    let long_key = "team.department.division".repeat(6);
    let policy = VALIDATE_ERROR.replace(
        "request.object.metadata.labels.owner",
        &format!("request.object.metadata.labels.{long_key}.owner"),
    );
    let d = dir("long-expr", &[("p.yaml", &policy), ("pod.yaml", POD)]);
    let (_, out) = apply(&d, "p.yaml", "pod.yaml");
    let line = out
        .lines()
        .find(|l| l.starts_with("1 - owner-known "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(!line.contains(&long_key), "{line}");
    assert!(line.contains(" … "), "{line}");
    assert!(
        line.ends_with(
            "division.owner at path : JMESPath query failed: Unknown key \"labels\" in path"
        ),
        "{line}"
    );
}

#[test]
fn result_lines_follow_all_mutated_resources_as_in_kyverno() {
    let two_pods = format!("{POD}---\n{}", POD.replace("p1", "p2"));
    let policies = format!("{MUTATE_ERROR}---\n{VALIDATE_ERROR}");
    let d = dir("order", &[("p.yaml", &policies), ("pods.yaml", &two_pods)]);
    let (_, out) = apply(&d, "p.yaml", "pods.yaml");
    let pos = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s} missing:\n{out}"));
    // Kyverno prints every mutated resource while processing, then the
    // result lines of every response.
    assert!(
        pos("applied to default/Pod/p2:")
            < pos("error while applying mutate policy copy-owner -> resource default/Pod/p1")
    );
    assert!(
        pos("resource default/Pod/p1 error:")
            < pos("mutate policy copy-owner -> resource default/Pod/p2")
    );
}

#[test]
fn skipped_mutate_rule_prints_kyvernos_skipped_line() {
    let policy = MUTATE_OK.replace(
        "    mutate:",
        "    preconditions:\n      all:\n      - {key: \"{{ request.object.metadata.name }}\", operator: Equals, value: other}\n    mutate:",
    );
    let d = dir("mutate-skip", &[("p.yaml", &policy), ("pod.yaml", POD)]);
    let (code, out) = apply(&d, "p.yaml", "pod.yaml");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\nskipped mutate policy add-team -> resource default/Pod/p1\n"),
        "{out}"
    );
    assert!(
        out.ends_with("pass: 0, fail: 0, warn: 0, error: 0, skip: 1 \n"),
        "{out}"
    );
}
