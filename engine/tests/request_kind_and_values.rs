//! The request's top-level kind (subresource requests), values merged into
//! the context, and context entries a host cannot load.

use serde_json::{json, Map};
use verno::{NoHost, PolicySet, Request, ResourceKind, RuleStatus};

const SCALE_POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: replicas}
spec:
  rules:
  - name: scale-two
    match: {any: [{resources: {kinds: [apps/v1/Deployment/scale]}}]}
    validate:
      message: two replicas
      pattern: {spec: {replicas: 2}}
  - name: plain-deployment
    match: {any: [{resources: {kinds: [Deployment]}}]}
    validate:
      message: never on scale
      deny: {}
"#;

fn statuses(set: &PolicySet, req: &Request<'_>) -> Vec<(String, RuleStatus)> {
    set.validate(req, &NoHost)
        .into_iter()
        .flat_map(|p| p.rules)
        .map(|r| (r.name, r.status))
        .collect()
}

#[test]
fn request_kind_and_subresource_decide_kind_matching_not_the_object_kind() {
    let set = PolicySet::from_yaml(SCALE_POLICY).unwrap();
    let scale = json!({"apiVersion": "autoscaling/v1", "kind": "Scale",
                       "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 4}});
    // The object alone is a Scale: nothing matches.
    assert!(statuses(&set, &Request::create(&scale)).is_empty());
    let deployment = ResourceKind {
        group: "apps".into(),
        version: "v1".into(),
        kind: "Deployment".into(),
    };
    let req = Request {
        kind: Some(&deployment),
        subresource: "scale",
        ..Request::create(&scale)
    };
    assert_eq!(
        statuses(&set, &req),
        vec![("scale-two".to_string(), RuleStatus::Fail)]
    );
}

#[test]
fn api_request_options_take_the_top_level_kind() {
    let engine = verno::api::Engine::from_yaml(SCALE_POLICY).unwrap();
    let scale = json!({"apiVersion": "autoscaling/v1", "kind": "Scale",
                       "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 2}});
    let opts = verno::api::RequestOptions::from_value(&json!({
        "subresource": "scale",
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"}
    }))
    .unwrap();
    let out = engine.evaluate(&scale, &opts, &NoHost).unwrap();
    let text = out.to_string();
    assert!(text.contains("scale-two"), "{text}");
    assert!(!text.contains("plain-deployment"), "{text}");
}

#[test]
fn request_variables_with_map_values_merge_into_the_context() {
    let set = PolicySet::from_yaml(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: names}
spec:
  rules:
  - name: show
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "{{ request.object.metadata.name }}/{{ request.object.metadata.labels.team }}"
      deny: {}
"#,
    )
    .unwrap();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}});
    let vars = Map::from_iter([(
        "request.object.metadata".to_string(),
        json!({"labels": {"team": "payments"}}),
    )]);
    let req = Request {
        variables: Some(&vars),
        ..Request::create(&pod)
    };
    let resp = set.validate(&req, &NoHost);
    assert_eq!(resp[0].rules[0].message, "app/payments");
}

#[test]
fn unloadable_context_entries_are_skipped_before_substitution() {
    // Offline, Kyverno never substitutes an apiCall it will not make, so a
    // variable missing from its URL fails nothing.
    let set = PolicySet::from_yaml(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: api}
spec:
  rules:
  - name: call
    context:
    - name: data
      apiCall: {urlPath: "/api/v1/namespaces/{{ request.name }}"}
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: fine
      deny:
        conditions:
          any: [{key: "{{ request.object.metadata.name }}", operator: Equals, value: other}]
"#,
    )
    .unwrap();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}});
    assert_eq!(
        statuses(&set, &Request::create(&pod)),
        vec![("call".to_string(), RuleStatus::Pass)]
    );
}
