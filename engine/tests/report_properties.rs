//! Properties of PolicyReport results (`ToPolicyReportResult`): `process`,
//! the `exceptions` that skipped a rule, and a rule's `reportProperties`
//! (substituted after its context and preconditions, and overriding the
//! message through `<status>Message` / `message`).

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

/// A one-rule policy whose rule has `reportProperties` (`PROPS`) and
/// optionally `preconditions` (`PRE`); the rule needs label `app`.
const PROPS_POLICY: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: pol, annotations: ANNOTATIONS}
spec:
  rules:
  - name: need-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: team
      variable: {value: platform}
    preconditions: PRE
    reportProperties: PROPS
    validate:
      message: label app is required
      pattern: {metadata: {labels: {app: "?*"}}}
"#;

fn props_policy(props: &str) -> String {
    PROPS_POLICY
        .replace("ANNOTATIONS", "{}")
        .replace("PRE", "{all: []}")
        .replace("PROPS", props)
}

#[test]
fn report_properties_are_substituted_and_carried_on_the_report_result() {
    let got = result(&props_policy(
        r#"{team: "{{ team }}", pod: "{{ request.object.metadata.name }}", fixed: x}"#,
    ));
    assert_eq!(got["result"], json!("fail"));
    assert_eq!(
        got["properties"],
        json!({"team": "platform", "pod": "p", "fixed": "x", "process": "background scan"})
    );
}

#[test]
fn report_property_fail_message_overrides_the_message() {
    let got = result(&props_policy(
        r#"{failMessage: "{{ request.object.metadata.name }} needs an app label", passMessage: fine}"#,
    ));
    assert_eq!(got["result"], json!("fail"));
    assert_eq!(got["message"], json!("p needs an app label"));
}

#[test]
fn report_property_message_overrides_the_status_message_and_empty_ones_do_not() {
    let got = result(&props_policy(
        r#"{failMessage: specific, message: generic}"#,
    ));
    assert_eq!(got["message"], json!("generic"));
    let got = result(&props_policy(r#"{failMessage: specific, message: ""}"#));
    assert_eq!(got["message"], json!("specific"));
    let got = result(&props_policy(r#"{failMessage: "", passMessage: fine}"#));
    assert_eq!(
        got["message"],
        json!("validation error: label app is required. rule need-label failed at path /metadata/labels/")
    );
}

#[test]
fn fail_message_applies_to_an_unscored_failure_reported_as_warn() {
    let policy = PROPS_POLICY
        .replace("ANNOTATIONS", r#"{policies.kyverno.io/scored: "false"}"#)
        .replace("PRE", "{all: []}")
        .replace("PROPS", "{failMessage: failed, warnMessage: warned}");
    let got = result(&policy);
    assert_eq!(got["result"], json!("warn"));
    assert_eq!(got["message"], json!("failed"));
}

#[test]
fn report_properties_of_a_rule_whose_preconditions_fail_stay_unsubstituted() {
    let policy = PROPS_POLICY
        .replace("ANNOTATIONS", "{}")
        .replace(
            "PRE",
            r#"{all: [{key: "{{ team }}", operator: Equals, value: other}]}"#,
        )
        .replace(
            "PROPS",
            r#"{team: "{{ team }}", skipMessage: "skipped {{ team }}"}"#,
        );
    let got = result(&policy);
    assert_eq!(got["result"], json!("skip"));
    assert_eq!(got["message"], json!("skipped {{ team }}"));
    assert_eq!(
        got["properties"],
        json!({"team": "{{ team }}", "skipMessage": "skipped {{ team }}", "process": "background scan"})
    );
}

#[test]
fn report_properties_that_fail_to_substitute_are_all_kept_as_written() {
    let got = result(&props_policy(
        r#"{team: "{{ team }}", missing: "{{ nosuchvariable.field }}"}"#,
    ));
    assert_eq!(got["result"], json!("fail"));
    assert_eq!(
        got["properties"],
        json!({"team": "{{ team }}", "missing": "{{ nosuchvariable.field }}", "process": "background scan"})
    );
}

const MUTATE_WITH_EXCEPTION: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: pol}
spec:
  rules:
  - name: add-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    reportProperties: {kind: "{{ request.object.kind }}"}
    mutate:
      patchStrategicMerge: {metadata: {labels: {team: web}}}
---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: first, namespace: policies}
spec:
  exceptions: [{policyName: pol, ruleNames: [add-label]}]
  match: {any: [{resources: {kinds: [Pod]}}]}
"#;

#[test]
fn mutate_rule_skipped_by_an_exception_lists_it_in_the_exceptions_property() {
    let set = PolicySet::from_yaml(MUTATE_WITH_EXCEPTION).expect("policy loads");
    let resource = pod();
    let eval = set.evaluate(&Request::create(&resource), &NoHost);
    let pr = &eval.mutations[0];
    let got = verno::report::result_entry(pr, &pr.rules[0], &resource, &Default::default());
    assert_eq!(got["result"], json!("skip"));
    assert_eq!(
        got["message"],
        json!("rule is skipped due to policy exceptionspolicies/first")
    );
    assert_eq!(
        got["properties"],
        json!({"exceptions": "first", "kind": "Pod", "process": "background scan"})
    );
}

const VPOL: &str = r#"
apiVersion: policies.kyverno.io/v1alpha1
kind: ValidatingPolicy
metadata: {name: vpol}
spec:
  EVALUATION
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [pods]
  validations:
  - expression: "has(object.metadata.labels)"
    message: labels required
"#;

#[test]
fn validating_policy_without_background_reports_admission_review_process() {
    let got = result(&VPOL.replace("EVALUATION", "evaluation: {background: {enabled: false}}"));
    assert_eq!(got["properties"]["process"], json!("admission review"));
    let got = result(&VPOL.replace("EVALUATION", "evaluation: {}"));
    assert_eq!(got["properties"]["process"], json!("background scan"));
}

#[test]
fn validating_policy_with_neither_background_nor_admission_reports_an_empty_process() {
    let got = result(&VPOL.replace(
        "EVALUATION",
        "evaluation: {background: {enabled: false}, admission: {enabled: false}}",
    ));
    assert_eq!(got["properties"]["process"], json!(""));
}
