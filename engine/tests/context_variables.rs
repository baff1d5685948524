//! `variable` context entries, as Kyverno's `variableLoader` evaluates them.

use serde_json::{json, Value};
use verno::{NoHost, PolicySet, Request, RuleResponse, RuleStatus};

/// One Audit policy whose single rule declares `context` (YAML, indented
/// for the rule) and denies with the message `got <key>` when `key` (text
/// with variables) equals `expect`.
fn outcome_of(context: &str, key: &str, expect: &str, pod: &Value) -> RuleResponse {
    let text = format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: pol\nspec:\n  validationFailureAction: Audit\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    context:\n{context}    validate:\n      message: \"got {key}\"\n      deny:\n        conditions:\n          any:\n          - {{key: \"{key}\", operator: Equals, value: \"{expect}\"}}\n"
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    let eval = set.evaluate(&Request::create(pod), &NoHost);
    eval.policies[0].rules[0].clone()
}

fn rule_outcome(context: &str, expect: &str, pod: &Value) -> RuleResponse {
    outcome_of(context, "{{ v }}", expect, pod)
}

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "ns"}})
}

#[test]
fn variable_default_with_braces_is_substituted_when_the_path_finds_nothing() {
    let context = "    - name: v\n      variable:\n        jmesPath: request.object.metadata.labels.app\n        default: \"{{ request.object.metadata.name }}-fallback\"\n";
    let r = rule_outcome(context, "web-fallback", &pod());
    assert_eq!(r.status, RuleStatus::Fail, "{}", r.message);
    assert_eq!(r.message, "got web-fallback");
}

#[test]
fn variable_default_with_braces_is_substituted_when_the_path_fails_on_the_value() {
    let context = "    - name: v\n      variable:\n        value: {a: 1}\n        jmesPath: b.c\n        default: \"{{ request.object.metadata.namespace }}\"\n";
    let r = rule_outcome(context, "ns", &pod());
    assert_eq!(r.status, RuleStatus::Fail, "{}", r.message);
    assert_eq!(r.message, "got ns");
}

#[test]
fn variable_default_structure_is_substituted_throughout() {
    let context = "    - name: v\n      variable:\n        jmesPath: request.object.metadata.labels.app\n        default: {name: \"{{ request.object.metadata.name }}\", list: [\"{{ request.object.metadata.namespace }}\"]}\n";
    let r = outcome_of(context, "{{ v.name }}/{{ v.list[0] }}", "web/ns", &pod());
    assert_eq!(r.status, RuleStatus::Fail, "{}", r.message);
    assert_eq!(r.message, "got web/ns");
}

#[test]
fn variable_default_that_cannot_be_substituted_fails_the_entry_even_when_unused() {
    let context = "    - name: v\n      variable:\n        value: web\n        default: \"{{ request.object.metadata.nope }}\"\n";
    let r = rule_outcome(context, "web", &pod());
    assert_eq!(r.status, RuleStatus::Error, "{}", r.message);
    assert!(
        r.message.contains(
            "failed to substitute variables in context entry v {{ request.object.metadata.nope }}: "
        ),
        "{}",
        r.message
    );
}

#[test]
fn variable_default_used_without_braces_is_kept_verbatim() {
    let context =
        "    - name: v\n      variable:\n        jmesPath: request.object.spec.x\n        default: plain\n";
    let r = rule_outcome(context, "plain", &pod());
    assert_eq!(r.status, RuleStatus::Fail, "{}", r.message);
}
