//! The mutate pipeline: rule order, request.object chaining, statuses and
//! messages, foreach, validation of the mutated resource, the admission patch.

use serde_json::{json, Value};
use verno::{NoHost, PolicySet, Request, RuleStatus};

fn set(rules: &str) -> PolicySet {
    PolicySet::from_yaml(&format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: pol\nspec:\n  rules:\n{rules}"
    ))
    .unwrap()
}

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod"},
           "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}]}})
}

const ADD_LABEL: &str = r#"  - name: add-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            +(team): platform
"#;

#[test]
fn mutated_rule_passes_with_kyverno_message() {
    let p = pod();
    let m = set(ADD_LABEL).mutate(&Request::create(&p), &NoHost);
    let r = &m.policies[0].rules[0];
    assert_eq!(r.status, RuleStatus::Pass);
    assert_eq!(r.message, "mutated Pod/web in namespace prod");
    assert_eq!(m.patched.unwrap()["metadata"]["labels"]["team"], "platform");
}

#[test]
fn unchanged_resource_is_skip_no_patches_applied() {
    let mut p = pod();
    p["metadata"]["labels"] = json!({"team": "data"});
    let m = set(ADD_LABEL).mutate(&Request::create(&p), &NoHost);
    let r = &m.policies[0].rules[0];
    assert_eq!(r.status, RuleStatus::Skip);
    assert_eq!(r.message, "no patches applied");
    assert!(m.patched.is_none());
}

#[test]
fn later_rules_see_earlier_patches_in_request_object() {
    let rules = format!(
        "{ADD_LABEL}  - name: copy-team
    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
    mutate:
      patchStrategicMerge:
        metadata:
          annotations:
            owner: \"{{{{ request.object.metadata.labels.team }}}}\"
"
    );
    let p = pod();
    let m = set(&rules).mutate(&Request::create(&p), &NoHost);
    assert_eq!(m.policies[0].rules[1].status, RuleStatus::Pass);
    assert_eq!(
        m.patched.unwrap()["metadata"]["annotations"]["owner"],
        "platform"
    );
}

#[test]
fn unresolved_variable_in_mutate_rule_is_an_error() {
    let rules = r#"  - name: bad
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            x: "{{ request.object.metadata.missing }}"
"#;
    let p = pod();
    let m = set(rules).mutate(&Request::create(&p), &NoHost);
    let r = &m.policies[0].rules[0];
    assert_eq!(r.status, RuleStatus::Error);
    assert!(
        r.message.starts_with("variable substitution failed: "),
        "{}",
        r.message
    );
}

#[test]
fn json6902_patch_applies_and_chains() {
    let rules = r#"  - name: pull-policy
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchesJson6902: |-
        - op: add
          path: /spec/containers/0/imagePullPolicy
          value: Always
"#;
    let p = pod();
    let m = set(rules).mutate(&Request::create(&p), &NoHost);
    assert_eq!(
        m.patched.unwrap()["spec"]["containers"][0]["imagePullPolicy"],
        "Always"
    );
}

#[test]
fn foreach_mutation_patches_every_element() {
    let rules = r#"  - name: registry
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: "request.object.spec.containers"
        patchStrategicMerge:
          spec:
            containers:
            - name: "{{ element.name }}"
              image: "mirror.io/{{ element.image }}"
"#;
    let p = pod();
    let m = set(rules).mutate(&Request::create(&p), &NoHost);
    let r = &m.policies[0].rules[0];
    assert_eq!(r.status, RuleStatus::Pass);
    let patched = m.patched.unwrap();
    assert_eq!(patched["spec"]["containers"][0]["image"], "mirror.io/nginx");
    assert_eq!(patched["spec"]["containers"][1]["image"], "mirror.io/redis");
}

#[test]
fn validation_sees_the_mutated_resource_and_admission_carries_the_patch() {
    let rules = format!(
        "{ADD_LABEL}  - name: require-team
    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
    validate:
      failureAction: Enforce
      message: team label required
      pattern: {{metadata: {{labels: {{team: \"?*\"}}}}}}
"
    );
    let p = pod();
    let eval = set(&rules).evaluate(&Request::create(&p), &NoHost);
    assert!(eval.allowed());
    assert_eq!(eval.policies[0].rules[0].status, RuleStatus::Pass);
    let resp = verno::report::admission::response("u", &eval, &p);
    assert_eq!(resp["patchType"], "JSONPatch");
    let bytes = base64_decode(resp["patch"].as_str().unwrap());
    let patch: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        patch,
        json!([{"op": "add", "path": "/metadata/labels", "value": {"team": "platform"}}])
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn generate_data_rule_creates_the_labelled_resource() {
    let set = PolicySet::from_yaml(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: add-quota}
spec:
  rules:
  - name: quota
    match: {any: [{resources: {kinds: [Namespace]}}]}
    generate:
      apiVersion: v1
      kind: ResourceQuota
      name: default-quota
      namespace: "{{ request.object.metadata.name }}"
      synchronize: true
      data:
        spec: {hard: {requests.cpu: "4"}}
"#,
    )
    .unwrap();
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}});
    let gen = set.generate(&Request::create(&ns), &NoHost);
    let r = &gen[0].rules[0];
    assert_eq!(r.status, RuleStatus::Pass);
    assert_eq!(r.message, "");
    let g = &r.generated[0];
    assert_eq!(g["kind"], "ResourceQuota");
    assert_eq!(g["metadata"]["namespace"], "team-a");
    assert_eq!(g["metadata"]["name"], "default-quota");
    assert_eq!(
        g["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kyverno"
    );
    assert_eq!(
        g["metadata"]["labels"]["generate.kyverno.io/policy-name"],
        "add-quota"
    );
    assert_eq!(g["spec"]["hard"]["requests.cpu"], "4");
    // A non-matching trigger produces no rule response at all.
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
    assert!(set.generate(&Request::create(&pod), &NoHost)[0]
        .rules
        .is_empty());
}

const FOREACH_IMAGES: &str = r#"  - name: images
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchStrategicMerge:
          spec:
            containers:
            - name: "{{ element.name }}"
              image: "mirror/{{ element.image }}"
              workingDir: null
"#;

#[test]
fn foreach_over_thousands_of_containers_patches_each_in_place_and_order() {
    let n = 3_000;
    let containers: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("c{i}"), "image": format!("app{i}"), "workingDir": "/w"}))
        .collect();
    let p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod"},
                   "spec": {"containers": containers}});
    // With a `null` (deleting the field) and without: each element's patch
    // changes one container and leaves the others and their order alone.
    for rules in [
        FOREACH_IMAGES.to_string(),
        FOREACH_IMAGES.replace("              workingDir: null\n", ""),
    ] {
        let m = set(&rules).mutate(&Request::create(&p), &NoHost);
        assert_eq!(m.policies[0].rules[0].status, RuleStatus::Pass);
        let out = m.patched.unwrap_or_default();
        let list = out["spec"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(list.len(), n);
        for (i, c) in list.iter().enumerate() {
            let mut want = json!({"name": format!("c{i}"), "image": format!("mirror/app{i}"), "workingDir": "/w"});
            if rules.contains("null") {
                want.as_object_mut().map(|m| m.remove("workingDir"));
            }
            assert_eq!(c, &want);
        }
    }
}
