//! Properties of PolicyReport results (`ToPolicyReportResult`): `process`
//! and the `exceptions` that skipped a rule.

use serde_json::{json, Value};
use verno::{NoHost, PolicySet, Request};

const POLICY: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: pol}
spec:
  background: BACKGROUND
  rules:
  - name: need-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: label app is required
      pattern: {metadata: {labels: {app: "?*"}}}
"#;

const EXCEPTIONS: &str = r#"
---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: first, namespace: policies}
spec:
  exceptions: [{policyName: pol, ruleNames: [need-label]}]
  match: {any: [{resources: {kinds: [Pod]}}]}
---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: second, namespace: policies}
spec:
  exceptions: [{policyName: pol, ruleNames: [need-label]}]
  match: {any: [{resources: {kinds: [Pod]}}]}
"#;

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
}

fn result(yaml: &str) -> Value {
    let set = PolicySet::from_yaml(yaml).expect("policy loads");
    let resource = pod();
    let eval = set.evaluate(&Request::create(&resource), &NoHost);
    let pr = &eval.policies[0];
    verno::report::result_entry(pr, &pr.rules[0], &resource, &Default::default())
}

#[test]
fn rule_skipped_by_policy_exceptions_lists_their_names_without_namespace() {
    let got = result(&format!(
        "{}{EXCEPTIONS}",
        POLICY.replace("BACKGROUND", "true")
    ));
    assert_eq!(got["result"], json!("skip"));
    assert_eq!(
        got["message"],
        json!("rule is skipped due to policy exceptionspolicies/first, policies/second")
    );
    assert_eq!(
        got["properties"],
        json!({"exceptions": "first,second", "process": "background scan"})
    );
}

#[test]
fn policy_without_background_reports_admission_review_process() {
    let got = result(&POLICY.replace("BACKGROUND", "false"));
    assert_eq!(got["result"], json!("fail"));
    assert_eq!(got["properties"], json!({"process": "admission review"}));
}
