//! What building `request` costs the CEL families, and that leaving it
//! unbuilt (when no expression reads it) or borrowing the objects into it
//! changes no result.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use verno::unstable::vpol::{evaluate, VpolRequest};
use verno::{NoHost, PolicySet, Request, RuleStatus};

/// A Pod with `n` containers.
fn pod(n: usize) -> Value {
    let containers: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("c{i}"), "image": format!("registry.example/app{i}:1.0")}))
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "big", "namespace": "default"},
           "spec": {"containers": containers}})
}

fn vpol(validations: &str, variables: &str) -> PolicySet {
    PolicySet::from_yaml(&format!(
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {{name: p}}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}}\n{variables}  validations:\n{validations}"
    ))
    .unwrap()
}

fn vpol_status(set: &PolicySet, object: &Value) -> (RuleStatus, String) {
    let req = VpolRequest::from_request(&Request::create(object));
    let r = evaluate(set.vpols()[0], &req, &NoHost).expect("a response");
    (r.rules[0].status, r.rules[0].message.clone())
}

#[test]
fn validating_policy_reading_request_object_does_not_copy_the_object() {
    // `request.object` is the object itself, borrowed: the cost of an
    // evaluation that reads one field of it must not grow with the object.
    // A copy of this Pod per evaluation takes tens of milliseconds.
    let big = pod(50_000);
    let set = vpol(
        "  - expression: \"request.operation == 'CREATE' && request.object.metadata.name == 'big'\"\n",
        "",
    );
    let t = Instant::now();
    for _ in 0..40 {
        assert_eq!(vpol_status(&set, &big).0, RuleStatus::Pass);
    }
    let elapsed = t.elapsed();
    assert!(
        elapsed < Duration::from_millis(400),
        "40 evaluations on a 50,000-container Pod took {elapsed:?}"
    );
}

#[test]
fn validating_policy_request_keeps_its_fields_and_key_order() {
    let set = vpol(
        "  - expression: \"size(request.object.spec.containers) == 3 && request.oldObject == {} && request.dryRun == false\"\n  - expression: 'false'\n    messageExpression: \"dyn(request).map(k, k).join(',') + ' ' + request.resource.resource + ' ' + string(request.object.metadata.name)\"\n",
        "",
    );
    let (status, message) = vpol_status(&set, &pod(3));
    assert_eq!(status, RuleStatus::Fail);
    // serde_json's (sorted) key order, as when `request` was a JSON object.
    assert_eq!(
        message,
        "dryRun,kind,name,namespace,object,oldObject,operation,requestKind,requestResource,resource,uid,userInfo pods big"
    );
}

#[test]
fn validating_policy_sees_request_through_a_variable() {
    let set = vpol(
        "  - expression: \"variables.op == 'UPDATE'\"\n    message: not an update\n",
        "  variables:\n  - {name: op, expression: request.operation}\n",
    );
    assert_eq!(
        vpol_status(&set, &pod(1)),
        (RuleStatus::Fail, "not an update".to_string())
    );
}

fn cel_rule(cel: &str) -> PolicySet {
    PolicySet::from_yaml(&format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {{name: p}}\nspec:\n  validationFailureAction: Enforce\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      cel:\n{cel}"
    ))
    .unwrap()
}

fn cel_status(set: &PolicySet, object: &Value) -> (RuleStatus, String) {
    let eval = set.evaluate(&Request::create(object), &NoHost);
    let rule = &eval.policies[0].rules[0];
    (rule.status, rule.message.clone())
}

#[test]
fn validate_cel_sees_request_through_a_variable() {
    let set = cel_rule(
        "        variables:\n        - {name: op, expression: request.operation}\n        expressions:\n        - expression: \"variables.op == 'UPDATE'\"\n          message: not an update\n",
    );
    assert_eq!(
        cel_status(&set, &pod(1)),
        (RuleStatus::Fail, "not an update".to_string())
    );
}

#[test]
fn validate_cel_message_expression_sees_request_and_namespace_object() {
    let set = cel_rule(
        "        expressions:\n        - expression: 'false'\n          messageExpression: \"request.operation + ' in ' + namespaceObject.metadata.name\"\n",
    );
    assert_eq!(
        cel_status(&set, &pod(1)),
        (RuleStatus::Fail, "CREATE in default".to_string())
    );
}

#[test]
fn validate_cel_precondition_sees_request() {
    let guarded = PolicySet::from_yaml(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    celPreconditions:\n    - {name: updates, expression: \"request.operation == 'UPDATE'\"}\n    validate:\n      cel:\n        expressions:\n        - expression: 'false'\n",
    )
    .unwrap();
    assert_eq!(
        cel_status(&guarded, &pod(1)),
        (RuleStatus::Skip, "cel preconditions not met".to_string())
    );
}
