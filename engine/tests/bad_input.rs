//! Malformed, mistyped and hostile input: a typed error naming the place,
//! never a panic.

use verno::{LoadError, PolicySet};

const HEADER: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\n";

#[test]
fn invalid_yaml_reports_line_and_column() {
    let err =
        PolicySet::from_yaml("apiVersion: kyverno.io/v1\nkind: [ClusterPolicy\n").unwrap_err();
    match err {
        LoadError::Yaml { location, .. } => {
            assert!(location.line.is_some() && location.column.is_some())
        }
        other => panic!("expected a YAML error, got {other:?}"),
    }
}

#[test]
fn wrong_type_names_policy_rule_and_field() {
    let text = format!("{HEADER}spec:\n  rules:\n  - name: r1\n    match: {{any: [{{resources: {{kinds: Pod}}}}]}}\n");
    let err = PolicySet::from_yaml(&text).unwrap_err();
    let loc = err.location();
    assert_eq!(loc.policy.as_deref(), Some("p"));
    assert_eq!(loc.rule.as_deref(), Some("r1"));
    assert!(
        loc.field.as_deref().unwrap_or("").contains("kinds"),
        "{err}"
    );
}

#[test]
fn rules_of_the_wrong_type_are_an_error() {
    let text = format!("{HEADER}spec:\n  rules: yes\n");
    assert!(matches!(
        PolicySet::from_yaml(&text),
        Err(LoadError::Invalid { .. })
    ));
}

#[test]
fn deeply_nested_yaml_is_an_error_not_a_stack_overflow() {
    let text = format!(
        "{HEADER}spec: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(PolicySet::from_yaml(&text).is_err());
}

#[test]
fn deeply_nested_pattern_is_an_error() {
    let mut pattern = String::from("x");
    for _ in 0..600 {
        pattern = format!("{{a: {pattern}}}");
    }
    let text = format!(
        "{HEADER}spec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      pattern: {pattern}\n"
    );
    assert!(PolicySet::from_yaml(&text).is_err());
}

#[test]
fn other_kinds_are_unsupported_with_their_name() {
    let err = PolicySet::from_yaml(
        "apiVersion: policies.kyverno.io/v1alpha1\nkind: MutatingPolicy\nmetadata: {name: v}\n",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported: policy kind policies.kyverno.io/v1alpha1/MutatingPolicy"),
        "{err}"
    );
}

#[test]
fn huge_array_resource_and_hostile_wildcard_evaluate() {
    let text = format!(
        "{HEADER}spec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      pattern: {{spec: {{containers: [{{image: \"{}b\"}}]}}}}\n",
        "*a".repeat(200)
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    let containers: Vec<serde_json::Value> = (0..20_000)
        .map(|_| serde_json::json!({"image": "a".repeat(200)}))
        .collect();
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": containers}});
    let eval = set.evaluate(&verno::Request::create(&pod), &verno::NoHost);
    assert_eq!(eval.policies[0].rules[0].status, verno::RuleStatus::Fail);
}

fn rule_with(validate: &str) -> String {
    format!("{HEADER}spec:\n  rules:\n  - name: r1\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n{validate}")
}

#[test]
fn expression_syntax_error_is_a_load_error_with_field_and_column() {
    let text = rule_with(
        "    validate:\n      message: \"team {{ request.object.metadata.labels.[team }} is unknown\"\n      deny: {}\n",
    );
    let err = PolicySet::from_yaml(&text).unwrap_err();
    let loc = err.location();
    assert_eq!(loc.policy.as_deref(), Some("p"), "{err}");
    assert_eq!(loc.rule.as_deref(), Some("r1"), "{err}");
    assert_eq!(
        loc.field.as_deref(),
        Some("spec.rules[0].validate.message"),
        "{err}"
    );
    // The key `message:` on line 10, not the document's first line.
    assert_eq!((loc.line, loc.column), (Some(10), Some(7)), "{err}");
    // `[team` opens a multi-select that never closes: the error is one past the end.
    assert_eq!(loc.expression_column, Some(37), "{err}");
    assert!(err.to_string().contains("SyntaxError"), "{err}");
}

#[test]
fn expression_syntax_error_in_a_pattern_and_in_a_context_jmespath() {
    let text = rule_with(
        "    validate:\n      pattern:\n        metadata:\n          labels:\n            app: \"{{ a.. }}\"\n",
    );
    let err = PolicySet::from_yaml(&text).unwrap_err();
    assert_eq!(
        err.location().field.as_deref(),
        Some("spec.rules[0].validate.pattern.metadata.labels.app")
    );
    let text = format!(
        "{HEADER}spec:\n  rules:\n  - name: r1\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    context:\n    - name: x\n      variable:\n        jmesPath: \"foo[\"\n    validate:\n      deny: {{}}\n"
    );
    let err = PolicySet::from_yaml(&text).unwrap_err();
    assert_eq!(
        err.location().field.as_deref(),
        Some("spec.rules[0].context[0].variable.jmesPath")
    );
    assert_eq!(
        (err.location().line, err.location().column),
        (Some(12), Some(9))
    );
}

#[test]
fn escaped_braces_are_not_expressions() {
    let text = rule_with(
        "    validate:\n      message: \"literal \\\\{{ not an [expression }}\"\n      deny: {}\n",
    );
    PolicySet::from_yaml(&text).unwrap();
}
