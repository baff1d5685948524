//! `verno apply --parameter-resource`: the parameters of `validate.cel`
//! rules with `paramKind`/`paramRef`, as `kyverno apply` takes them.

use std::path::PathBuf;
use std::process::Command;

const POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: replicas-limit}
spec:
  rules:
  - name: check-replicas
    match: {any: [{resources: {kinds: [Deployment]}}]}
    validate:
      cel:
        paramKind: {apiVersion: rules.example.com/v1, kind: ReplicaLimit}
        paramRef: {name: limit, namespace: default}
        expressions:
        - expression: "object.spec.replicas <= params.maxReplicas"
          messageExpression: "'over ' + string(params.maxReplicas)"
"#;

const PARAMS: &str = r#"apiVersion: rules.example.com/v1
kind: ReplicaLimit
metadata: {name: limit}
maxReplicas: 3
"#;

const RESOURCES: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: good}
spec: {replicas: 2}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec: {replicas: 5}
"#;

fn dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-apply-params-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        ("policy.yaml", POLICY),
        ("params.yaml", PARAMS),
        ("resources.yaml", RESOURCES),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn apply(dir: &std::path::Path, params: bool) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verno"));
    cmd.arg("apply")
        .arg(dir.join("policy.yaml"))
        .arg("-r")
        .arg(dir.join("resources.yaml"));
    if params {
        cmd.arg("--parameter-resource").arg(dir.join("params.yaml"));
    }
    String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
}

#[test]
fn parameter_resources_are_the_params_of_validate_cel_rules() {
    let d = dir("given");
    let out = apply(&d, true);
    assert!(out.contains("1 - check-replicas over 3"), "{out}");
    assert!(
        out.contains("pass: 1, fail: 1, warn: 0, error: 0, skip: 0"),
        "{out}"
    );
}

#[test]
fn a_missing_parameter_is_an_error_naming_it() {
    let d = dir("missing");
    let out = apply(&d, false);
    assert!(
        out.contains(
            "error in parameterized resource: replicalimits.rules.example.com \"limit\" not found"
        ),
        "{out}"
    );
    assert!(out.contains("error: 2"), "{out}");
}
