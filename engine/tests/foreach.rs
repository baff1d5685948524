//! validate.foreach and the `images` context, pinned by behaviour
//! (`validate_resource.go: validateForEach/validateElements`).

use serde_json::{json, Value};
use verno::{NoHost, PolicySet, Request, RuleStatus};

fn eval_one(rule_yaml: &str, resource: &Value) -> Option<verno::RuleResponse> {
    let text = format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: pol\nspec:\n  validationFailureAction: Audit\n  rules:\n{rule_yaml}"
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    let eval = set.evaluate(&Request::create(resource), &NoHost);
    eval.policies[0].rules.first().cloned()
}

fn pod(containers: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": containers}})
}

const DENY_LATEST: &str = r#"  - name: no-latest
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "image {{ element.name }} uses latest"
      foreach:
      - list: "request.object.spec.containers"
        deny:
          conditions:
            any:
            - key: "{{ element.image }}"
              operator: Equals
              value: "*:latest"
"#;

#[test]
fn foreach_element_failure_is_prefixed_validation_failure() {
    let r = eval_one(
        DENY_LATEST,
        &pod(json!([{"name": "a", "image": "nginx:1"}, {"name": "b", "image": "nginx:latest"}])),
    )
    .unwrap();
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(r.message, "validation failure: image b uses latest");
}

#[test]
fn foreach_all_elements_pass_is_rule_passed() {
    let r = eval_one(
        DENY_LATEST,
        &pod(json!([{"name": "a", "image": "nginx:1"}])),
    )
    .unwrap();
    assert_eq!(r.status, RuleStatus::Pass);
    assert_eq!(r.message, "rule passed");
}

#[test]
fn foreach_list_with_unknown_key_gives_no_result() {
    let rule = DENY_LATEST.replace(
        "request.object.spec.containers",
        "request.object.spec.initContainers",
    );
    let r = eval_one(&rule, &pod(json!([{"name": "a", "image": "nginx:latest"}])));
    assert!(r.is_none(), "{r:?}");
}

#[test]
fn foreach_empty_list_gives_no_result_not_skip() {
    assert!(eval_one(DENY_LATEST, &pod(json!([]))).is_none());
}

#[test]
fn foreach_pattern_is_scoped_to_the_element_map() {
    let rule = r#"  - name: no-privileged
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "no privileged"
      foreach:
      - list: "request.object.spec.containers"
        pattern:
          =(securityContext):
            =(privileged): "false"
"#;
    let r = eval_one(
        rule,
        &pod(json!([{"name": "a", "image": "x", "securityContext": {"privileged": true}}])),
    )
    .unwrap();
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(
        r.message,
        "validation failure: validation error: no privileged. rule no-privileged failed at path /securityContext/privileged/"
    );
}

#[test]
fn foreach_element_scope_true_on_strings_is_an_error() {
    let rule = r#"  - name: names
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      foreach:
      - list: "request.object.spec.containers[].name"
        elementScope: true
        deny:
          conditions: {any: [{key: "{{ element }}", operator: Equals, value: "x"}]}
"#;
    let r = eval_one(rule, &pod(json!([{"name": "a"}]))).unwrap();
    assert_eq!(r.status, RuleStatus::Error);
    assert_eq!(r.message, "failed to process foreach: cannot use elementScope=true foreach rules for elements that are not maps, expected type=map got type=string");
}

#[test]
fn foreach_element_whose_preconditions_error_is_skipped() {
    let rule = r#"  - name: pre
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      foreach:
      - list: "request.object.spec.containers"
        preconditions:
          all:
          - key: "{{ element.missing }}"
            operator: Equals
            value: "x"
        deny:
          conditions: {any: [{key: "a", operator: Equals, value: "a"}]}
"#;
    assert!(eval_one(rule, &pod(json!([{"name": "a"}]))).is_none());
}

#[test]
fn nested_foreach_failure_is_prefixed_twice_and_sees_both_elements() {
    let rule = r#"  - name: nested
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "{{ element0.name }} port {{ element1.containerPort }} index {{ elementIndex1 }}"
      foreach:
      - list: "request.object.spec.containers"
        foreach:
        - list: "element.ports"
          deny:
            conditions: {any: [{key: "{{ element.containerPort }}", operator: GreaterThan, value: 1000}]}
"#;
    let r = eval_one(
        rule,
        &pod(json!([{"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 8080}]}])),
    )
    .unwrap();
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(
        r.message,
        "validation failure: validation failure: a port 8080 index 1"
    );
}

#[test]
fn images_context_gives_registry_and_tag_per_container() {
    let rule = r#"  - name: registry
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "{{ images.containers.app.registry }}/{{ images.containers.app.tag }}"
      deny:
        conditions: {any: [{key: "{{ images.containers.app.registry }}", operator: NotEquals, value: "ghcr.io"}]}
"#;
    let r = eval_one(rule, &pod(json!([{"name": "app", "image": "nginx"}]))).unwrap();
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(r.message, "docker.io/latest");
}

#[test]
fn images_digest_absent_is_unknown_key_error() {
    let rule = r#"  - name: digest
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      deny:
        conditions: {any: [{key: "{{ images.containers.app.digest }}", operator: Equals, value: ""}]}
"#;
    let r = eval_one(rule, &pod(json!([{"name": "app", "image": "nginx:1"}]))).unwrap();
    assert_eq!(r.status, RuleStatus::Error);
    assert!(
        r.message.contains("Unknown key \"digest\""),
        "{}",
        r.message
    );
}
