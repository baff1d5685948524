//! Kyverno behaviours users rely on, pinned by name.

use serde_json::json;
use verno::{NoHost, PolicySet, Request, RuleStatus};

fn policy(rule_yaml: &str, action: &str) -> PolicySet {
    let text = format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: pol\nspec:\n  validationFailureAction: {action}\n  rules:\n{rule_yaml}"
    );
    PolicySet::from_yaml(&text).unwrap()
}

const REGISTRIES: &str = "  - name: validate-registries\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      message: \"Unknown image registry.\"\n      pattern: {spec: {containers: [{image: \"k8s.gcr.io/* | gallery.ecr.aws/*\"}]}}\n";

#[test]
fn enforce_denial_message_is_kyverno_text() {
    let set = policy(REGISTRIES, "Enforce");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": "default"},
                     "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}});
    let eval = set.evaluate(&Request::create(&pod), &NoHost);
    assert!(!eval.allowed());
    let resp = verno::report::admission::response("u1", &eval, &pod);
    assert_eq!(resp["allowed"], false);
    assert_eq!(
        resp["status"]["message"],
        "\n\nresource Pod/default/nginx was blocked due to the following policies \n\npol:\n  validate-registries: 'validation error: Unknown image registry. rule validate-registries failed at path /spec/containers/0/image/'\n"
    );
}

#[test]
fn audit_failure_is_admitted_with_a_warning() {
    let set = policy(REGISTRIES, "Audit");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx"}, "spec": {"containers": [{"image": "nginx"}]}});
    let eval = set.evaluate(&Request::create(&pod), &NoHost);
    assert!(eval.allowed());
    let resp = verno::report::admission::response("u1", &eval, &pod);
    assert_eq!(resp["allowed"], true);
    assert_eq!(resp["warnings"][0], "policy pol.validate-registries: validation error: Unknown image registry. rule validate-registries failed at path /spec/containers/0/image/");
}

#[test]
fn autogen_rule_applies_to_deployment_templates() {
    let set = policy(REGISTRIES, "Audit");
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [{"image": "docker.io/nginx"}]}}}});
    let eval = set.evaluate(&Request::create(&deploy), &NoHost);
    let r = &eval.policies[0].rules[0];
    assert_eq!(r.name, "autogen-validate-registries");
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(
        r.path.as_deref(),
        Some("/spec/template/spec/containers/0/image/")
    );
}

#[test]
fn unmatched_rule_gives_no_response_not_skip() {
    let set = policy(REGISTRIES, "Audit");
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}});
    let eval = set.evaluate(&Request::create(&svc), &NoHost);
    assert!(eval.policies[0].rules.is_empty());
}

#[test]
fn preconditions_not_met_is_a_skip_with_kyverno_text() {
    let rule = "  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    preconditions:\n      all:\n      - {key: \"{{ request.operation }}\", operator: Equals, value: UPDATE, message: only updates}\n    validate:\n      pattern: {metadata: {name: \"x\"}}\n";
    let set = policy(rule, "Audit");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}});
    let r = &set.evaluate(&Request::create(&pod), &NoHost).policies[0].rules[0];
    assert_eq!(r.status, RuleStatus::Skip);
    assert_eq!(r.message, "preconditions not met; only updates");
}

#[test]
fn deny_message_is_verbatim_and_unresolved_variable_is_an_error() {
    let rule = "  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      message: \"no {{ request.object.metadata.name }}\"\n      deny:\n        conditions:\n          any:\n          - {key: \"{{ request.object.metadata.name }}\", operator: Equals, value: \"bad*\"}\n";
    let set = policy(rule, "Audit");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad1"}});
    let r = &set.evaluate(&Request::create(&pod), &NoHost).policies[0].rules[0];
    assert_eq!(
        (r.status, r.message.as_str()),
        (RuleStatus::Fail, "no bad1")
    );

    let rule = "  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      deny:\n        conditions:\n          any:\n          - {key: \"{{ request.object.spec.missing }}\", operator: Equals, value: x}\n";
    let set = policy(rule, "Audit");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad1"}, "spec": {}});
    let r = &set.evaluate(&Request::create(&pod), &NoHost).policies[0].rules[0];
    assert_eq!(r.status, RuleStatus::Error);
    assert!(r.message.starts_with("failed to check deny conditions: failed to substitute variables in condition key: failed to resolve request.object.spec.missing at path : JMESPath query failed: Unknown key \"missing\" in path"), "{}", r.message);
}

#[test]
fn enforce_update_with_pre_existing_violation_is_skipped() {
    let set = policy(REGISTRIES, "Enforce");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": "default"},
                     "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}});
    let mut req = Request::create(&pod);
    req.old_object = Some(&pod);
    req.operation = verno::Operation::Update;
    let eval = set.evaluate(&req, &NoHost);
    let r = &eval.policies[0].rules[0];
    assert_eq!(r.status, RuleStatus::Skip);
    assert_eq!(
        r.message,
        "skipping the rule evaluation as pre-existing violations are allowed"
    );
    assert!(eval.allowed());
    // Audit never re-checks the old object.
    let audit = policy(REGISTRIES, "Audit").evaluate(&req, &NoHost);
    assert_eq!(audit.policies[0].rules[0].status, RuleStatus::Fail);
}

#[test]
fn exception_applies_only_when_its_conditions_hold() {
    let text = format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: pol\nspec:\n  validationFailureAction: Enforce\n  rules:\n{REGISTRIES}---\napiVersion: kyverno.io/v2beta1\nkind: PolicyException\nmetadata: {{name: ex}}\nspec:\n  exceptions: [{{policyName: pol, ruleNames: ['validate-*']}}]\n  match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n  conditions:\n    any:\n    - {{key: \"{{{{ request.object.metadata.labels.exempt || '' }}}}\", operator: Equals, value: \"yes\"}}\n"
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    let mk = |exempt: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": "default", "labels": {"exempt": exempt}},
                     "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}})
    };
    let yes = mk("yes");
    let r = &set.evaluate(&Request::create(&yes), &NoHost).policies[0].rules[0];
    assert_eq!(r.status, RuleStatus::Skip);
    assert_eq!(r.message, "rule is skipped due to policy exceptionsex");
    let no = mk("no");
    let eval = set.evaluate(&Request::create(&no), &NoHost);
    assert_eq!(eval.policies[0].rules[0].status, RuleStatus::Fail);
    assert!(!eval.allowed());
}
