//! The kind gate: a policy none of whose rules can select a
//! resource's kind is skipped before any per-rule work, with the same
//! (empty) response as before.

use serde_json::json;
use verno::{NoHost, PolicySet, Request};

fn set(rules: &str) -> PolicySet {
    let yaml = format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {{name: p}}\nspec:\n  rules:\n{rules}"
    );
    PolicySet::from_yaml(&yaml).unwrap()
}

const RULE: &str = "    validate: {message: m, pattern: {metadata: {labels: {app: \"?*\"}}}}\n";

fn rule(name: &str, matching: &str) -> String {
    format!("  - name: {name}\n    match: {matching}\n{RULE}")
}

fn may(set: &PolicySet, gvk: (&str, &str, &str), sub: &str) -> bool {
    set.policies()[0]
        .as_kyverno()
        .unwrap()
        .may_match_kind(gvk.0, gvk.1, gvk.2, sub)
}

const POD: (&str, &str, &str) = ("", "v1", "Pod");
const DEPLOY: (&str, &str, &str) = ("apps", "v1", "Deployment");
const CM: (&str, &str, &str) = ("", "v1", "ConfigMap");

#[test]
fn a_resource_only_visits_rules_that_can_match_its_kind() {
    let s = set(&(rule("d", "{any: [{resources: {kinds: [Deployment]}}]}")
        + &rule("s", "{resources: {kinds: [apps/v1/StatefulSet]}}")));
    assert!(!may(&s, POD, ""));
    assert!(!may(&s, CM, ""));
    assert!(may(&s, DEPLOY, ""));
    assert!(may(&s, ("apps", "v1", "StatefulSet"), ""));
    assert!(!may(&s, ("apps", "v2", "StatefulSet"), ""));
    // A subresource needs a selector naming it (ephemeral containers aside).
    assert!(!may(&s, DEPLOY, "scale"));
}

#[test]
fn the_kind_gate_admits_every_kind_a_rule_could_match() {
    // `*` and wildcards admit the kinds they match.
    let s = set(&rule("any", "{any: [{resources: {kinds: ['*']}}]}"));
    assert!(may(&s, CM, ""));
    let s = set(&rule("glob", "{any: [{resources: {kinds: ['Config*']}}]}"));
    assert!(may(&s, CM, ""));
    assert!(!may(&s, POD, ""));
    let s = set(&rule("sub", "{any: [{resources: {kinds: ['*/scale']}}]}"));
    assert!(may(&s, DEPLOY, "scale"));
    assert!(!may(&s, DEPLOY, ""));
    // Pod rules also admit ephemeral containers.
    let s = set(&rule("pod", "{any: [{resources: {kinds: [Pod]}}]}"));
    assert!(may(&s, POD, "ephemeralcontainers"));
    // `all` needs every filter's kinds; `any` one of them.
    let s = set(&rule(
        "all",
        "{all: [{resources: {kinds: [Pod]}}, {resources: {kinds: [ConfigMap]}}]}",
    ));
    assert!(!may(&s, POD, ""));
    let s = set(&rule(
        "all",
        "{all: [{resources: {kinds: [Pod]}}, {resources: {kinds: [Pod, ConfigMap]}}]}",
    ));
    assert!(may(&s, POD, ""));
    assert!(!may(&s, CM, ""));
}

#[test]
fn the_kind_gate_counts_autogen_rules() {
    let s = set(&rule("pod", "{any: [{resources: {kinds: [Pod]}}]}"));
    assert!(may(&s, DEPLOY, ""));
    assert!(may(&s, ("batch", "v1", "CronJob"), ""));
    assert!(!may(&s, CM, ""));
}

#[test]
fn a_policy_that_cannot_match_the_kind_still_answers_with_an_empty_response() {
    let s = set(&rule("d", "{any: [{resources: {kinds: [Deployment]}}]}"));
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "default"}});
    let eval = s.evaluate(&Request::create(&pod), &NoHost);
    assert_eq!(eval.policies.len(), 1);
    assert_eq!(eval.policies[0].policy.name, "p");
    assert!(eval.policies[0].rules.is_empty());
    // The request's own kind (values `subresources`) decides, not the object's.
    let kind = verno::ResourceKind {
        group: "apps".into(),
        version: "v1".into(),
        kind: "Deployment".into(),
    };
    let req = Request {
        kind: Some(&kind),
        ..Request::create(&pod)
    };
    let eval = s.evaluate(&req, &NoHost);
    assert_eq!(eval.policies[0].rules.len(), 1);
}

#[test]
fn name_and_namespace_wildcards_match_as_kyverno_does() {
    let s = set(&rule(
        "w",
        "{any: [{resources: {kinds: [Pod], names: ['web-?'], namespaces: ['kube-*', prod]}}]}",
    ));
    let judge = |name: &str, ns: &str| {
        let pod =
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}});
        s.validate(&Request::create(&pod), &NoHost)[0].rules.len()
    };
    assert_eq!(judge("web-1", "kube-system"), 1);
    assert_eq!(judge("web-1", "prod"), 1);
    assert_eq!(judge("web-12", "prod"), 0);
    assert_eq!(judge("web-1", "production"), 0);
    assert_eq!(judge("web-1", "kube-"), 1);
}
