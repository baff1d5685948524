//! `apiCallResponses` suites run under `--strict`: mocked answers feed
//! legacy `apiCall` context entries (matched on the substituted URL) and
//! CEL `http.Get`/`http.Post`; a malformed mock list fails the test file.

use std::path::Path;

use verno_test::run::{run_file, RunOptions, TestReport};
use verno_test::{MemFiles, TestError};

const LEGACY_POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: namespace-allows}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-allowed
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: verdict
      apiCall:
        urlPath: "/api/v1/namespaces/{{ request.object.metadata.namespace }}/verdict"
        jmesPath: allowed
    validate:
      message: "namespace {{ request.object.metadata.namespace }} refuses pods"
      deny:
        conditions:
          any:
          - {key: "{{ verdict }}", operator: Equals, value: false}
"#;

const SERVICE_POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: external-check}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: ext
      apiCall:
        method: POST
        data: [{key: name, value: "{{ request.object.metadata.name }}"}]
        service: {url: "https://checker.example.com/check"}
    validate:
      message: "refused"
      deny:
        conditions:
          any:
          - {key: "{{ ext.allowed }}", operator: Equals, value: false}
"#;

const CEL_POLICY: &str = r#"apiVersion: policies.kyverno.io/v1beta1
kind: ValidatingPolicy
metadata: {name: external-config}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      resources: ["pods"]
      operations: ["CREATE", "UPDATE"]
  validations:
  - expression: http.Get("https://example.com/config").body.allowed == true
    message: external config disallows this resource
  - expression: >-
      http.Post("https://example.com/audit", {"pod": object.metadata.name}, {}).statusCode == 201
    message: audit refused
"#;

const PODS: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: prod}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: d1, namespace: dev}
spec: {containers: [{name: c, image: busybox}]}
"#;

fn run(test: &str, extra: &[(&str, &str)]) -> TestReport {
    let mut files = vec![
        ("kyverno-test.yaml".to_string(), test.to_string()),
        ("legacy.yaml".to_string(), LEGACY_POLICY.to_string()),
        ("service.yaml".to_string(), SERVICE_POLICY.to_string()),
        ("cel.yaml".to_string(), CEL_POLICY.to_string()),
        ("pods.yaml".to_string(), PODS.to_string()),
    ];
    files.extend(extra.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    let files = MemFiles::new(files).unwrap();
    let opts = RunOptions {
        strict: true,
        ..RunOptions::default()
    };
    let mut reports = run_file(&files, Path::new("kyverno-test.yaml"), &opts);
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

fn verdicts(r: &TestReport) -> Vec<(String, &'static str, bool)> {
    r.rows
        .iter()
        .map(|row| (row.resource.clone(), row.result, row.ok))
        .collect()
}

#[test]
fn api_call_entry_reads_the_mock_for_its_substituted_url_path() {
    let r = run(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: legacy}
policies: [legacy.yaml]
resources: [pods.yaml]
apiCallResponses:
- urlPath: /api/v1/namespaces/prod/verdict
  response: {body: {allowed: true}}
- urlPath: /api/v1/namespaces/dev/verdict
  method: GET
  response: {statusCode: 200, body: {allowed: false}}
results:
- {policy: namespace-allows, rule: check-allowed, kind: Pod, resources: [prod/p1], result: pass}
- {policy: namespace-allows, rule: check-allowed, kind: Pod, resources: [dev/d1], result: fail}
"#,
        &[],
    );
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(r.rows.iter().all(|row| row.ok), "{:?}", r.rows);
    assert_eq!(r.rows.len(), 2);
}

#[test]
fn service_call_is_answered_by_the_url_mock_of_its_method() {
    let r = run(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: service}
policies: [service.yaml]
resources: [pods.yaml]
apiCallResponses:
- url: https://checker.example.com/check
  method: GET
  response: {body: {allowed: false}}
- url: https://checker.example.com/check
  method: POST
  response: {body: {allowed: true}}
results:
- {policy: external-check, rule: check, kind: Pod, resources: [p1, d1], result: pass}
"#,
        &[],
    );
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(r.rows.iter().all(|row| row.ok), "{:?}", r.rows);
}

#[test]
fn non_2xx_api_call_mock_gives_an_error_result() {
    let r = run(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: non-2xx}
policies: [legacy.yaml]
resources: [pods.yaml]
apiCallResponses:
- urlPath: /api/v1/namespaces/prod/verdict
  response: {statusCode: 503, body: {allowed: true}}
- urlPath: /api/v1/namespaces/dev/verdict
  response: {body: {allowed: true}}
results:
- {policy: namespace-allows, rule: check-allowed, kind: Pod, resources: [prod/p1], result: error}
- {policy: namespace-allows, rule: check-allowed, kind: Pod, resources: [dev/d1], result: pass}
"#,
        &[],
    );
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(r.rows.iter().all(|row| row.ok), "{:?}", r.rows);
    let prod = r
        .rows
        .iter()
        .find(|row| row.resource.contains("p1"))
        .unwrap();
    assert!(
        prod.message
            .contains("HTTP 503 from apiCall mock for context entry \"verdict\""),
        "{}",
        prod.message
    );
}

#[test]
fn cel_http_calls_see_the_mock_body_and_status_code() {
    let test = |status: u16| {
        format!(
            r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {{name: cel-http}}
policies: [cel.yaml]
resources: [pods.yaml]
apiCallResponses:
- url: https://example.com/config
  method: GET
  response: {{body: {{allowed: true}}}}
- url: https://example.com/audit
  method: POST
  response: {{statusCode: {status}, body: {{recorded: true}}}}
results:
- {{policy: external-config, isValidatingPolicy: true, kind: Pod, resources: [p1, d1], result: {}}}
"#,
            if status == 201 { "pass" } else { "fail" }
        )
    };
    for status in [201, 403] {
        let r = run(&test(status), &[]);
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(r.rows.len(), 2, "{:?}", r.rows);
        assert!(
            r.rows.iter().all(|row| row.ok),
            "{status}: {:?}",
            verdicts(&r)
        );
    }
}

#[test]
fn duplicate_api_call_mock_fails_the_test_file_naming_the_field() {
    let r = run(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: dup}
policies: [legacy.yaml]
resources: [pods.yaml]
apiCallResponses:
- {urlPath: /a, method: GET, response: {body: {}}}
- {urlPath: /a, method: GET, response: {body: {x: 1}}}
results:
- {policy: namespace-allows, rule: check-allowed, kind: Pod, resources: [p1], result: pass}
"#,
        &[],
    );
    let e = r.error.expect("a duplicate mock must fail the test");
    let TestError::Decode { path, detail } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(path, Path::new("kyverno-test.yaml"));
    assert!(
        detail
            .to_string()
            .starts_with("Test.apiCallResponses[1]: apiCallResponses: duplicate entry"),
        "{detail}"
    );
}
