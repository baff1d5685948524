//! A ValidatingPolicy with a namespace (NamespacedValidatingPolicy) gets
//! Kyverno's namespaced `resource` library (kyverno/sdk
//! `libs/resource/namespaced_impl.go`): no namespace argument, lookups
//! confined to the policy's namespace.

use serde_json::{json, Value};
use verno::host::HostError;
use verno::model::response::RuleStatus;
use verno::unstable::vpol::{evaluate, VpolRequest};
use verno::{Host, PolicySet};

/// One ConfigMap per namespace, its `data.ns` naming the namespace.
struct Lookups;

impl Host for Lookups {
    fn cel_get_resource(
        &self,
        _api_version: &str,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, HostError> {
        Ok((resource == "configmaps" && name == "settings").then(|| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": name, "namespace": namespace},
                   "data": {"ns": namespace}})
        }))
    }
}

fn nvpol(namespace: &str, expression: &str) -> String {
    format!(
        r#"apiVersion: policies.kyverno.io/v1
kind: NamespacedValidatingPolicy
metadata: {{name: p, namespace: {namespace}}}
spec:
  matchConstraints:
    resourceRules:
    - {{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}}
  validations:
  - expression: "{expression}"
    message: wrong namespace
"#
    )
}

fn judge(yaml: &str) -> RuleStatus {
    let set = PolicySet::from_yaml(yaml).unwrap();
    let pod =
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "other"}});
    let req = VpolRequest::from_request(&verno::Request::create(&pod));
    let r = evaluate(set.vpols()[0], &req, &Lookups).unwrap();
    r.rules[0].status
}

#[test]
fn namespaced_resource_get_reads_the_policy_namespace() {
    let yaml = nvpol(
        "team-a",
        "resource.Get('v1', 'configmaps', 'settings').data.ns == 'team-a'",
    );
    assert_eq!(judge(&yaml), RuleStatus::Pass);
}

#[test]
fn namespaced_resource_get_takes_no_namespace_argument() {
    let yaml = nvpol(
        "team-a",
        "resource.Get('v1', 'configmaps', 'other', 'settings').data.ns == 'other'",
    );
    let e = PolicySet::from_yaml(&yaml).unwrap_err();
    assert!(
        e.to_string().contains("spec.validations[0].expression"),
        "{e}"
    );
}

#[test]
fn cluster_policies_keep_the_namespace_argument() {
    let yaml = nvpol(
        "team-a",
        "resource.Get('v1', 'configmaps', 'other', 'settings').data.ns == 'other'",
    )
    .replace("NamespacedValidatingPolicy", "ValidatingPolicy")
    .replace(", namespace: team-a", "");
    assert_eq!(judge(&yaml), RuleStatus::Pass);
}
