//! A ValidatingPolicy binds only the roots its expressions (and its
//! exceptions') read, worked out when it is compiled; the kind → resource
//! lookup can be done once per request by the caller.

use serde_json::{json, Value};
use verno::model::response::RuleStatus;
use verno::unstable::vpol::{evaluate, ReadRoots, VpolRequest, LIBRARIES};
use verno::{NoHost, PolicySet};

fn policy(spec: &str) -> String {
    format!(
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {{name: p}}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}}\n{spec}"
    )
}

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web", "namespace": "default"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
}

fn lib(name: &str) -> usize {
    LIBRARIES.iter().position(|l| *l == name).unwrap()
}

#[test]
fn a_policy_reading_only_object_reads_no_other_root() {
    let set = PolicySet::from_yaml(&policy(
        "  validations:\n  - expression: 'object.spec.containers.all(c, c.image != \"\")'\n",
    ))
    .unwrap();
    assert_eq!(set.vpols()[0].reads, ReadRoots::default());
}

#[test]
fn read_roots_cover_variables_messages_annotations_and_libraries() {
    let set = PolicySet::from_yaml(&policy(
        "  variables:\n  - {name: ns, expression: 'namespaceObject'}\n  validations:\n  - expression: 'request.operation == \"CREATE\"'\n    messageExpression: 'string(size(exceptions.allowedValues))'\n  auditAnnotations:\n  - {key: k, valueExpression: 'has(oldObject.metadata) ? \"x\" : \"\"'}\n  matchConditions:\n  - {name: r, expression: 'size(resource.Get(\"v1\", \"pods\", \"default\", \"x\")) >= 0'}\n",
    ))
    .unwrap();
    let reads = set.vpols()[0].reads;
    assert!(reads.namespace_object && reads.request && reads.exceptions && reads.old_object);
    assert!(reads.libs[lib("resource")]);
    assert!(!reads.libs[lib("http")] && !reads.libs[lib("json")]);
}

#[test]
fn an_exception_reading_a_root_the_policy_does_not_still_sees_it() {
    let exception = "apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata: {name: ex}\nspec:\n  policyRefs: [{name: p, kind: ValidatingPolicy}]\n  matchConditions:\n  - {name: ns, expression: \"namespaceObject.metadata.name == 'default'\"}\n";
    let text = format!(
        "{}---\n{exception}",
        policy("  validations:\n  - expression: 'false'\n")
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    assert!(set.vpols()[0].reads.namespace_object);
    let object = pod();
    let namespace =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}});
    let req = VpolRequest {
        namespace_object: Some(&namespace),
        ..VpolRequest::from_request(&verno::Request::create(&object))
    };
    let r = evaluate(set.vpols()[0], &req, &NoHost).unwrap();
    assert_eq!(r.rules[0].status, RuleStatus::Skip);
    assert_eq!(r.rules[0].name, "exception");
}

#[test]
fn a_resource_looked_up_by_the_caller_is_the_one_matched() {
    let set = PolicySet::from_yaml(&policy("  validations:\n  - expression: 'false'\n")).unwrap();
    let object = pod();
    let base = VpolRequest::from_request(&verno::Request::create(&object));
    let matched = |req: &VpolRequest<'_>| {
        !evaluate(set.vpols()[0], req, &NoHost)
            .unwrap()
            .rules
            .is_empty()
    };
    assert!(matched(&base));
    let elsewhere = VpolRequest {
        resource: Some("widgets"),
        ..base
    };
    assert!(!matched(&elsewhere));
}

#[test]
fn policies_of_one_request_share_its_resource_lookup_and_keep_their_verdicts() {
    let text = format!(
        "{}---\n{}",
        policy("  validations:\n  - expression: 'false'\n"),
        policy("  validations:\n  - expression: 'true'\n").replace("name: p}", "name: q}")
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    let object = pod();
    let out = set.evaluate(&verno::Request::create(&object), &NoHost);
    let statuses: Vec<_> = out
        .policies
        .iter()
        .filter_map(|p| Some((p.policy.name.as_str(), p.rules.first()?.status)))
        .collect();
    assert_eq!(statuses, [("p", RuleStatus::Fail), ("q", RuleStatus::Pass)]);
}
