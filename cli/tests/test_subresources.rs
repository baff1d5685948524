//! `verno test` on subresource requests: a values file's `subresources`
//! maps an object kind (`PodExecOptions`, `Scale`) to its parent kind and
//! subresource, so `kinds: [Pod/exec]` or `Deployment/scale` match it, as in
//! Kyverno's `ApplyPoliciesOnResource`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn suite(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-cli-sub-{name}-{}", std::process::id()));
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

const EXEC_POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: deny-exec}
spec:
  rules:
  - name: deny-exec-by-label
    context:
    - name: podexeclabel
      apiCall:
        urlPath: "/api/v1/namespaces/{{request.namespace}}/pods/{{request.name}}"
        jmesPath: metadata.labels.exec
    match: {all: [{resources: {kinds: [Pod/exec]}}]}
    preconditions:
      all: [{key: "{{ request.operation }}", operator: Equals, value: CONNECT}]
    validate:
      failureAction: Enforce
      message: exec is forbidden
      deny:
        conditions:
          all: [{key: "{{ podexeclabel }}", operator: Equals, value: "false"}]
  - name: plain-pod
    match: {all: [{resources: {kinds: [Pod]}}]}
    validate:
      message: never for exec requests
      deny: {}
"#;

const EXEC_OPTIONS: &str = r#"kind: PodExecOptions
apiVersion: v1
metadata: {name: execpod, namespace: default}
stdin: true
container: nginx
command: [sh]
"#;

const EXEC_SUBRESOURCES: &str = r#"  subresources:
  - parentResource: {kind: Pod, name: pods, version: v1, namespaced: false, singularName: "", verbs: null}
    subresource: {kind: PodExecOptions, name: pods/exec, version: v1, namespaced: false, singularName: "", verbs: null}
"#;

fn exec_test(subresources: &str) -> String {
    format!(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {{name: exec}}
policies: [policy.yaml]
resources: [resource.yaml]
results:
- {{policy: deny-exec, rule: deny-exec-by-label, resources: [default/execpod], kind: PodExecOptions, result: fail}}
- {{policy: deny-exec, rule: plain-pod, resources: [default/execpod], kind: PodExecOptions, result: skip}}
values:
  globalValues:
    request.operation: CONNECT
  policies:
  - name: deny-exec
    rules:
    - name: deny-exec-by-label
      values:
        podexeclabel: "false"
{subresources}"#
    )
}

#[test]
fn pod_exec_options_object_matches_pod_exec_kind_through_values_subresources() {
    let dir = suite(
        "exec",
        &[
            ("policy.yaml", EXEC_POLICY),
            ("resource.yaml", EXEC_OPTIONS),
            ("kyverno-test.yaml", &exec_test(EXEC_SUBRESOURCES)),
        ],
    );
    let (out, stdout) = verno_test(&dir);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Test Summary: 2 tests passed and 0 tests failed"),
        "{stdout}"
    );
    assert!(stdout.contains("exec is forbidden"), "{stdout}");
}

#[test]
fn pod_exec_options_without_subresources_mapping_matches_no_pod_exec_rule() {
    let dir = suite(
        "exec-unmapped",
        &[
            ("policy.yaml", EXEC_POLICY),
            ("resource.yaml", EXEC_OPTIONS),
            ("kyverno-test.yaml", &exec_test("")),
        ],
    );
    let (out, stdout) = verno_test(&dir);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Excluded (strict: want fail)"),
        "the rule must not apply to a bare PodExecOptions: {stdout}"
    );
}

const SCALE_POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: enforce-replicas}
spec:
  rules:
  - name: validate-replicas
    match:
      all:
      - resources: {kinds: [Deployment/scale], names: [nginx-test], namespaces: [default]}
    validate:
      failureAction: Enforce
      message: nginx-test needs to have 2 replicas
      pattern: {spec: {replicas: 2}}
"#;

const SCALE: &str = r#"kind: Scale
apiVersion: autoscaling/v1
metadata: {name: nginx-test, namespace: default}
spec: {replicas: 4}
"#;

const SCALE_VALUES: &str = r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Values
subresources:
- parentResource: {group: apps, kind: Deployment, name: deployments, version: v1}
  subresource: {group: autoscaling, kind: Scale, name: deployments/scale, version: v1}
"#;

const SCALE_TEST: &str = r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: scale}
policies: [policy.yaml]
resources: [resource.yaml]
variables: values.yaml
results:
- {policy: enforce-replicas, rule: validate-replicas, resources: [default/nginx-test], kind: Scale, result: fail}
"#;

#[test]
fn scale_object_matches_deployment_scale_kind_through_values_file_subresources() {
    let dir = suite(
        "scale",
        &[
            ("policy.yaml", SCALE_POLICY),
            ("resource.yaml", SCALE),
            ("values.yaml", SCALE_VALUES),
            ("kyverno-test.yaml", SCALE_TEST),
        ],
    );
    let (out, stdout) = verno_test(&dir);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("rule validate-replicas failed at path /spec/replicas/"),
        "{stdout}"
    );
}

#[test]
fn subresource_name_without_slash_is_an_error_not_a_silent_skip() {
    let values = SCALE_VALUES.replace("name: deployments/scale", "name: scale");
    let dir = suite(
        "scale-bad-name",
        &[
            ("policy.yaml", SCALE_POLICY),
            ("resource.yaml", SCALE),
            ("values.yaml", &values),
            ("kyverno-test.yaml", SCALE_TEST),
        ],
    );
    let (out, stdout) = verno_test(&dir);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Values.subresources[0].subresource.name: \"scale\" has no \"/\""),
        "{stdout}"
    );
}

#[test]
fn connect_operation_from_values_matches_like_a_create() {
    // Kyverno's CLI builds the policy context as a CREATE for anything but
    // UPDATE/DELETE; only the JSON context says CONNECT.
    let policy = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: connect-check}
spec:
  rules:
  - name: on-create
    match: {any: [{resources: {kinds: [Pod/exec], operations: [CREATE]}}]}
    validate:
      message: "op={{ request.operation }}"
      deny: {}
"#;
    let test = format!(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {{name: connect}}
policies: [policy.yaml]
resources: [resource.yaml]
results:
- {{policy: connect-check, rule: on-create, resources: [execpod], result: fail}}
values:
  globalValues:
    request.operation: CONNECT
{EXEC_SUBRESOURCES}"#
    );
    let dir = suite(
        "connect",
        &[
            ("policy.yaml", policy),
            ("resource.yaml", EXEC_OPTIONS),
            ("kyverno-test.yaml", &test),
        ],
    );
    let (out, stdout) = verno_test(&dir);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("op=CONNECT"), "{stdout}");
}
