//! generate `clone` and `cloneList`: sources come from the host, copies are
//! cleaned and labelled as Kyverno's generate controller does.

use serde_json::{json, Value};
use verno::host::{Host, HostError, ResourceRef};
use verno::{PolicySet, Request, RuleStatus};

struct Cluster(Vec<Value>);

impl Host for Cluster {
    fn get_resource(&self, r: &ResourceRef<'_>) -> Result<Option<Value>, HostError> {
        Ok(self
            .0
            .iter()
            .find(|s| {
                s["kind"] == r.kind
                    && s["metadata"]["name"] == r.name
                    && s["metadata"]["namespace"].as_str().unwrap_or("") == r.namespace
            })
            .cloned())
    }
    fn list_resources(
        &self,
        _api: &str,
        kind: &str,
        ns: &str,
        _selector: Option<&Value>,
    ) -> Result<Vec<Value>, HostError> {
        Ok(self
            .0
            .iter()
            .filter(|s| s["kind"] == kind && s["metadata"]["namespace"] == ns)
            .cloned()
            .collect())
    }
}

fn secret(name: &str, labels: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {
            "name": name, "namespace": "default", "uid": "src-uid", "resourceVersion": "42",
            "creationTimestamp": "2024-01-01T00:00:00Z", "selfLink": "/x",
            "managedFields": [{"manager": "kubectl"}],
            "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "u"}],
            "labels": labels,
        },
        "data": {"token": "c2VjcmV0"},
    })
}

fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "uid": "ns-uid"}})
}

const CLONE: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: sync-secrets}
spec:
  rules:
  - name: clone-regcred
    match: {any: [{resources: {kinds: [Namespace]}}]}
    generate:
      apiVersion: v1
      kind: Secret
      name: regcred
      namespace: "{{request.object.metadata.name}}"
      synchronize: true
      clone:
        namespace: default
        name: regcred
"#;

#[test]
fn clone_copies_the_source_cleaned_and_labelled_as_kyverno_does() {
    let set = PolicySet::from_yaml(CLONE).unwrap();
    let host = Cluster(vec![secret("regcred", json!({"team": "infra"}))]);
    let ns = namespace("team-a");
    let out = set.generate(&Request::create(&ns), &host);
    let rule = &out[0].rules[0];
    assert_eq!(rule.status, RuleStatus::Pass, "{}", rule.message);
    let opts = rule.generate_options.unwrap();
    assert!(opts.synchronize && !opts.orphan_downstream_on_policy_delete);
    let g = &rule.generated[0];
    let meta = &g["metadata"];
    assert_eq!(meta["name"], "regcred");
    assert_eq!(meta["namespace"], "team-a");
    assert_eq!(g["data"]["token"], "c2VjcmV0");
    for gone in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "selfLink",
        "managedFields",
    ] {
        assert!(meta.get(gone).is_none(), "{gone} must not be copied: {g}");
    }
    // Across namespaces, owner references would dangle: Kyverno drops them.
    assert!(meta.get("ownerReferences").is_none());
    let labels = &meta["labels"];
    assert_eq!(labels["team"], "infra");
    assert_eq!(labels["generate.kyverno.io/clone-source"], "");
    assert_eq!(labels["generate.kyverno.io/source-kind"], "Secret");
    assert_eq!(labels["generate.kyverno.io/source-namespace"], "default");
    assert_eq!(labels["generate.kyverno.io/source-uid"], "src-uid");
    assert_eq!(labels["generate.kyverno.io/source-version"], "v1");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "kyverno");
    assert_eq!(labels["generate.kyverno.io/policy-name"], "sync-secrets");
    assert_eq!(labels["generate.kyverno.io/trigger-kind"], "Namespace");
}

#[test]
fn clone_with_a_missing_source_is_an_error_naming_the_target() {
    let set = PolicySet::from_yaml(CLONE).unwrap();
    let ns = namespace("team-a");
    let out = set.generate(&Request::create(&ns), &verno::NoHost);
    let rule = &out[0].rules[0];
    assert_eq!(rule.status, RuleStatus::Error);
    assert!(
        rule.message
            .contains("source resource v1/Secret/team-a/regcred not found"),
        "{}",
        rule.message
    );
}

#[test]
fn clone_onto_itself_generates_nothing() {
    let set = PolicySet::from_yaml(CLONE).unwrap();
    let host = Cluster(vec![secret("regcred", json!({}))]);
    let ns = namespace("default");
    let out = set.generate(&Request::create(&ns), &host);
    assert_eq!(out[0].rules[0].status, RuleStatus::Pass);
    assert!(out[0].rules[0].generated.is_empty());
}

#[test]
fn clone_list_copies_every_selected_source() {
    let policy = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: sync-list}
spec:
  rules:
  - name: clone-all
    match: {any: [{resources: {kinds: [Namespace]}}]}
    generate:
      namespace: "{{request.object.metadata.name}}"
      orphanDownstreamOnPolicyDelete: true
      cloneList:
        namespace: default
        kinds: [v1/Secret]
        selector:
          matchLabels: {copy: "yes"}
"#;
    let set = PolicySet::from_yaml(policy).unwrap();
    let host = Cluster(vec![
        secret("a", json!({"copy": "yes"})),
        secret("b", json!({"copy": "no"})),
        secret("c", json!({"copy": "yes"})),
    ]);
    let ns = namespace("team-b");
    let out = set.generate(&Request::create(&ns), &host);
    let rule = &out[0].rules[0];
    assert_eq!(rule.status, RuleStatus::Pass, "{}", rule.message);
    let names: Vec<&str> = rule
        .generated
        .iter()
        .map(|g| g["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "c"]);
    assert!(rule
        .generated
        .iter()
        .all(|g| g["metadata"]["namespace"] == "team-b"));
    assert!(
        rule.generate_options
            .unwrap()
            .orphan_downstream_on_policy_delete
    );
}
