//! `globalContextEntries` suites run under `--strict`: mocked global context
//! data feeds legacy `globalReference` entries (with projections and
//! `jmesPath`) and CEL `globalContext.Get`.

use std::path::Path;

use verno_test::run::{run_file, RunOptions, TestReport};
use verno_test::{MemFiles, TestError};

const LEGACY_POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: gctx-legacy}
spec:
  validationFailureAction: Enforce
  rules:
  - name: quota
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: count
      globalReference: {name: deploys.count}
    - name: limit
      globalReference: {name: limits, jmesPath: "pods"}
    validate:
      message: "too many deployments: {{ count }} >= {{ limit }}"
      deny:
        conditions:
          any:
          - {key: "{{ count }}", operator: GreaterThanOrEquals, value: "{{ limit }}"}
"#;

const CEL_POLICY: &str = r#"apiVersion: policies.kyverno.io/v1beta1
kind: ValidatingPolicy
metadata: {name: gctx-cel}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      resources: ["pods"]
      operations: ["CREATE", "UPDATE"]
  validations:
  - expression: >-
      object.metadata.name in globalContext.Get("deploys", "names")
    message: pod must be named after a deployment
"#;

const PODS: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: stray, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
"#;

const DEPLOYS: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: default}
"#;

fn run(test: &str) -> TestReport {
    let files = MemFiles::new([
        ("kyverno-test.yaml", test.to_string()),
        ("legacy.yaml", LEGACY_POLICY.to_string()),
        ("cel.yaml", CEL_POLICY.to_string()),
        ("pods.yaml", PODS.to_string()),
        ("data/deploys.yaml", DEPLOYS.to_string()),
    ])
    .unwrap();
    let opts = RunOptions {
        strict: true,
        ..RunOptions::default()
    };
    let mut reports = run_file(&files, Path::new("kyverno-test.yaml"), &opts);
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

fn legacy_test(limit: u32, result: &str) -> String {
    format!(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {{name: gctx-legacy}}
policies: [legacy.yaml]
resources: [pods.yaml]
globalContextEntries:
- name: deploys
  resourceFiles: [data/deploys.yaml]
  projections:
  - {{name: count, path: "length(@)"}}
- name: limits
  data: {{pods: {limit}}}
results:
- {{policy: gctx-legacy, rule: quota, kind: Pod, resources: [web, stray], result: {result}}}
"#
    )
}

#[test]
fn global_reference_reads_projection_and_jmespath_of_the_mock() {
    for (limit, result) in [(5, "pass"), (2, "fail")] {
        let r = run(&legacy_test(limit, result));
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(r.rows.len(), 2);
        assert!(r.rows.iter().all(|row| row.ok), "{limit}: {:?}", r.rows);
    }
}

#[test]
fn cel_global_context_get_reads_the_projection_of_the_mock() {
    let r = run(r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: gctx-cel}
policies: [cel.yaml]
resources: [pods.yaml]
globalContextEntries:
- name: deploys
  resources:
  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web}}
  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: api}}
  projections:
  - {name: names, path: "[].metadata.name"}
results:
- {policy: gctx-cel, isValidatingPolicy: true, kind: Pod, resources: [web], result: pass}
- {policy: gctx-cel, isValidatingPolicy: true, kind: Pod, resources: [stray], result: fail}
"#);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.rows.len(), 2);
    assert!(r.rows.iter().all(|row| row.ok), "{:?}", r.rows);
}

#[test]
fn unreadable_global_context_resource_file_fails_the_test() {
    let r = run(r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: gctx-missing}
policies: [cel.yaml]
resources: [pods.yaml]
globalContextEntries:
- {name: deploys, resourceFiles: [data/missing.yaml]}
results:
- {policy: gctx-cel, isValidatingPolicy: true, kind: Pod, resources: [web], result: pass}
"#);
    let e = r.error.expect("a missing resource file must fail the test");
    assert!(matches!(e, TestError::GlobalContext { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("globalContextEntries \"deploys\" resourceFiles \"data/missing.yaml\""),
        "{e}"
    );
}

#[test]
fn malformed_global_context_entry_fails_the_test_file_naming_the_field() {
    let r = run(r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: gctx-bad}
policies: [cel.yaml]
resources: [pods.yaml]
globalContextEntries:
- {name: deploys, data: {a: 1}, resources: []}
results:
- {policy: gctx-cel, isValidatingPolicy: true, kind: Pod, resources: [web], result: pass}
"#);
    let e = r.error.expect("a malformed entry must fail the test");
    let TestError::Decode { path, detail } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(path, Path::new("kyverno-test.yaml"));
    assert!(
        detail
            .to_string()
            .starts_with("Test.globalContextEntries[0]: ")
            && detail.to_string().contains("mutually exclusive"),
        "{detail}"
    );
}

#[test]
fn cluster_resources_are_refused_naming_the_field() {
    let r = run(r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: cluster}
policies: [cel.yaml]
resources: [pods.yaml]
clusterResources: [data/deploys.yaml]
results:
- {policy: gctx-cel, isValidatingPolicy: true, kind: Pod, resources: [web], result: pass}
"#);
    let e = r.error.expect("clusterResources must not pass silently");
    assert!(
        matches!(
            e,
            TestError::Unsupported {
                feature: "clusterResources"
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "unsupported: clusterResources");
    assert!(r.rows.is_empty());
}
