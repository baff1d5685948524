//! `paramResources` feed the parameters of `validate.cel` rules with
//! `paramKind`/`paramRef`: the test runs, and each resource is judged
//! against the parameter its rule names.

use std::path::Path;

use verno_test::run::{run_file, RunOptions};
use verno_test::MemFiles;

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
        - expression: "params.maxReplicas + 1 > object.spec.replicas"
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

const TEST: &str = r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: params}
policies: [policy.yaml]
resources: [resources.yaml]
paramResources: [params.yaml]
results:
- {policy: replicas-limit, rule: check-replicas, kind: Deployment, resources: [good], result: pass}
- {policy: replicas-limit, rule: check-replicas, kind: Deployment, resources: [bad], result: fail}
"#;

#[test]
fn param_resources_are_the_parameters_of_validate_cel_rules() {
    let files = MemFiles::new([
        ("policy.yaml", POLICY.to_string()),
        ("params.yaml", PARAMS.to_string()),
        ("resources.yaml", RESOURCES.to_string()),
        ("kyverno-test.yaml", TEST.to_string()),
    ])
    .unwrap();
    let opts = RunOptions {
        strict: true,
        ..RunOptions::default()
    };
    let reports = run_file(&files, Path::new("kyverno-test.yaml"), &opts);
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.failed(), 0, "{:#?}", r.rows);
    assert_eq!(r.passed(), 2);
    let bad = r
        .rows
        .iter()
        .find(|row| row.resource.ends_with("/bad"))
        .unwrap();
    // The parameter keeps its integer (`+ 1` would not apply to a double,
    // failing `good` too), while the resource's numbers are doubles.
    assert_eq!(bad.message, "over 3");
}
