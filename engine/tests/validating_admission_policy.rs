//! Kubernetes ValidatingAdmissionPolicy (+ bindings) as Kyverno's CLI
//! evaluates them offline (kyverno-cel.md §2.9, §3.2): binding selection,
//! paramRef, validation actions, messages, match conditions, no binding.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use verno::host::HostError;
use verno::model::response::{PolicyResponse, RuleStatus};
use verno::unstable::vpol::{evaluate, VpolRequest};
use verno::{Host, NoHost, PolicySet};

fn vap(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: {name}}}\nspec:\n{spec}"
    )
}

fn binding(name: &str, policy: &str, spec: &str) -> String {
    format!(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {{name: {name}}}\nspec:\n  policyName: {policy}\n{spec}"
    )
}

fn deployment(name: &str, ns: &str, replicas: f64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": ns, "labels": {"app": "web"}},
           "spec": {"replicas": replicas}})
}

/// Parameter resources offered to bindings.
struct Params(Vec<Value>);

impl Host for Params {
    fn parameter_resources(&self) -> Result<Vec<Value>, HostError> {
        Ok(self.0.clone())
    }
}

fn run_with(
    docs: &[String],
    object: &Value,
    labels: Option<&BTreeMap<String, String>>,
    host: &dyn Host,
) -> PolicyResponse {
    let set = PolicySet::from_yaml(&docs.join("---\n")).unwrap();
    let vaps: Vec<_> = set
        .vpols()
        .into_iter()
        .filter(|p| p.vap.is_some())
        .collect();
    assert_eq!(vaps.len(), 1);
    let mut req = VpolRequest::from_request(&verno::Request::create(object));
    req.namespace_labels = labels;
    evaluate(vaps[0], &req, host).expect("a response")
}

fn run(docs: &[String], object: &Value) -> PolicyResponse {
    run_with(docs, object, None, &NoHost)
}

fn only(r: &PolicyResponse) -> (RuleStatus, String, String) {
    assert_eq!(r.rules.len(), 1, "{:?}", r.rules);
    let rule = &r.rules[0];
    (rule.status, rule.name.clone(), rule.message.clone())
}

const DEPLOYMENTS: &str = "  matchConstraints:\n    resourceRules:\n    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}\n";

#[test]
fn without_binding_the_policy_constraints_select_and_the_rule_is_the_policy() {
    let docs = [vap(
        "cap",
        &format!("{DEPLOYMENTS}  validations:\n  - expression: object.spec.replicas <= 3.0\n"),
    )];
    let (status, rule, message) = only(&run(&docs, &deployment("d", "default", 2.0)));
    assert_eq!(
        (status, rule.as_str(), message.as_str()),
        (RuleStatus::Pass, "cap", "")
    );
    let (status, _, message) = only(&run(&docs, &deployment("d", "default", 5.0)));
    assert_eq!(status, RuleStatus::Fail);
    assert_eq!(message, "failed expression: object.spec.replicas <= 3.0");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}});
    assert!(
        run(&docs, &pod).rules.is_empty(),
        "a non-match is an empty response"
    );
}

#[test]
fn with_bindings_only_binding_match_resources_select() {
    let policy = vap(
        "cap",
        &format!("{DEPLOYMENTS}  validations:\n  - expression: object.spec.replicas <= 3.0\n"),
    );
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": {"replicas": 9.0}});
    // A binding without matchResources: the policy's constraints are not checked.
    let docs = [policy.clone(), binding("b", "cap", "")];
    assert_eq!(only(&run(&docs, &pod)).0, RuleStatus::Fail);
    // A binding whose matchResources miss: no rule at all.
    let docs = [
        policy,
        binding(
            "b",
            "cap",
            "  matchResources:\n    namespaceSelector: {matchLabels: {env: prod}}\n",
        ),
    ];
    let prod: BTreeMap<String, String> = [("env".to_string(), "prod".to_string())].into();
    let d = deployment("d", "apps", 9.0);
    assert!(run(&docs, &d).rules.is_empty());
    let r = run_with(&docs, &d, Some(&prod), &NoHost);
    assert_eq!(only(&r).0, RuleStatus::Fail);
    assert_eq!(
        r.rules[0].properties.get("binding").map(String::as_str),
        Some("b")
    );
}

#[test]
fn a_binding_naming_another_policy_is_ignored() {
    let docs = [
        vap(
            "cap",
            "  validations:\n  - expression: object.spec.replicas <= 3.0\n",
        ),
        binding(
            "elsewhere",
            "other",
            "  matchResources:\n    namespaceSelector: {matchLabels: {never: here}}\n",
        ),
    ];
    let r = run(&docs, &deployment("d", "default", 9.0));
    assert_eq!(
        only(&r).0,
        RuleStatus::Fail,
        "judged as a policy without binding"
    );
}

#[test]
fn the_last_matching_binding_decides() {
    let docs = [
        vap(
            "cap",
            "  paramKind: {apiVersion: v1, kind: ConfigMap}\n  validations:\n  - expression: object.spec.replicas <= int(params.data.limit)\n",
        ),
        binding("strict", "cap", "  paramRef: {name: two}\n"),
        binding("loose", "cap", "  paramRef: {name: five}\n"),
    ];
    let params = Params(vec![
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "two", "namespace": "default"}, "data": {"limit": "2"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "five", "namespace": "default"}, "data": {"limit": "5"}}),
    ]);
    let r = run_with(&docs, &deployment("d", "default", 4.0), None, &params);
    assert_eq!(only(&r).0, RuleStatus::Pass);
    assert_eq!(
        r.rules[0].properties.get("binding").map(String::as_str),
        Some("loose")
    );
}

#[test]
fn param_ref_selector_binds_every_match_as_items_and_no_match_as_null() {
    let docs = [
        vap(
            "names",
            "  paramKind: {apiVersion: v1, kind: ConfigMap}\n  validations:\n  - expression: \"params == null || params.items.all(p, p.data.name != object.metadata.name)\"\n    messageExpression: \"'banned by ' + string(size(params.items)) + ' lists'\"\n",
        ),
        binding("b", "names", "  paramRef:\n    selector: {matchLabels: {list: banned}}\n"),
    ];
    let cm = |name: &str, banned: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": "default", "labels": {"list": "banned"}},
               "data": {"name": banned}})
    };
    let params = Params(vec![cm("a", "d"), cm("b", "x")]);
    let r = run_with(&docs, &deployment("d", "default", 1.0), None, &params);
    assert_eq!(
        only(&r),
        (RuleStatus::Fail, "names".into(), "banned by 2 lists".into())
    );
    let r = run_with(
        &docs,
        &deployment("d", "default", 1.0),
        None,
        &Params(vec![]),
    );
    assert_eq!(only(&r).0, RuleStatus::Pass);
}

#[test]
fn warn_and_audit_bindings_report_fail_but_do_not_block() {
    let docs = [
        vap(
            "cap",
            "  validations:\n  - expression: object.spec.replicas <= 3.0\n",
        ),
        binding("b", "cap", "  validationActions: [Warn, Audit]\n"),
    ];
    let r = run(&docs, &deployment("d", "default", 9.0));
    assert_eq!(only(&r).0, RuleStatus::Fail);
    assert_eq!(r.enforced, vec![false]);
    let docs = [
        docs[0].clone(),
        binding("b", "cap", "  validationActions: [Deny]\n"),
    ];
    assert_eq!(
        run(&docs, &deployment("d", "default", 9.0)).enforced,
        vec![true]
    );
}

#[test]
fn message_expression_wins_trimmed_and_falls_back_when_multiline_or_failing() {
    let with = |me: &str| {
        let docs = [vap(
            "m",
            &format!(
                "  validations:\n  - expression: 'false'\n    message: '  static  '\n    messageExpression: {me}\n"
            ),
        )];
        only(&run(&docs, &deployment("d", "default", 1.0))).2
    };
    assert_eq!(with("\"'  dyn ' + object.metadata.name + '  '\""), "dyn d");
    assert_eq!(with("\"'a\\nb'\""), "static");
    assert_eq!(with("\"object.nope + 'x'\""), "static");
}

#[test]
fn match_conditions_skip_and_their_errors_follow_the_failure_policy() {
    let spec = |fp: &str, cond: &str| {
        vap(
            "mc",
            &format!(
                "  failurePolicy: {fp}\n  matchConditions:\n  - name: c\n    expression: \"{cond}\"\n  validations:\n  - expression: 'false'\n"
            ),
        )
    };
    let d = deployment("d", "default", 1.0);
    let (status, _, message) = only(&run(&[spec("Fail", "object.metadata.name == 'x'")], &d));
    assert_eq!(
        (status, message.as_str()),
        (RuleStatus::Skip, "match conditions aren't met")
    );
    let (status, _, message) = only(&run(&[spec("Fail", "object.nope == 'x'")], &d));
    assert_eq!(status, RuleStatus::Error);
    assert_eq!(
        message,
        "expression 'object.nope == 'x'' resulted in error: no such key: nope"
    );
    assert_eq!(
        only(&run(&[spec("Ignore", "object.nope == 'x'")], &d)).0,
        RuleStatus::Skip
    );
}

#[test]
fn the_request_is_a_create_with_null_old_object_and_the_background_user() {
    let docs = [vap(
        "req",
        "  validations:\n  - expression: \"request.operation == 'CREATE' && oldObject == null && request.userInfo.username == 'system:kyverno:background-scan' && request.resource.resource == 'deployments'\"\n",
    )];
    assert_eq!(
        only(&run(&docs, &deployment("d", "default", 1.0))).0,
        RuleStatus::Pass
    );
}

#[test]
fn namespace_object_carries_the_values_labels_and_is_empty_for_cluster_objects() {
    let docs = [vap(
        "ns",
        "  validations:\n  - expression: \"namespaceObject.metadata.?labels.?env.orValue('none') == 'prod'\"\n    messageExpression: \"'ns=' + namespaceObject.metadata.?name.orValue('')\"\n",
    )];
    let prod: BTreeMap<String, String> = [("env".to_string(), "prod".to_string())].into();
    let r = run_with(&docs, &deployment("d", "apps", 1.0), Some(&prod), &NoHost);
    assert_eq!(only(&r).0, RuleStatus::Pass);
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}});
    assert_eq!(only(&run(&docs, &node)).2, "ns=");
}

#[test]
fn compile_errors_are_evaluation_errors_not_load_errors() {
    let docs = [vap(
        "bad",
        "  validations:\n  - expression: 'object.metadata.name =='\n",
    )];
    let (status, _, message) = only(&run(&docs, &deployment("d", "default", 1.0)));
    assert_eq!(status, RuleStatus::Error);
    assert!(
        message.starts_with(
            "compilation error: compilation failed: ERROR: <input>:1:24: Syntax error:"
        ),
        "{message}"
    );
}

#[test]
fn schema_errors_are_typed_load_errors() {
    let unknown = vap(
        "u",
        "  validations:\n  - expression: 'true'\n    severity: high\n",
    );
    let e = PolicySet::from_yaml(&unknown).unwrap_err();
    assert!(e.to_string().contains("unknown field `severity`"), "{e}");
    let wrong_type = vap("w", "  validations: {expression: 'true'}\n");
    assert!(PolicySet::from_yaml(&wrong_type).is_err());
    let no_policy_name = binding("b", "[a, b]", "");
    assert!(PolicySet::from_yaml(&no_policy_name).is_err());
}

#[test]
fn bindings_attach_whichever_document_comes_first() {
    let policy = vap(
        "cap",
        "  validations:\n  - expression: object.spec.replicas <= 3.0\n",
    );
    let b = binding(
        "b",
        "cap",
        "  matchResources:\n    namespaceSelector: {matchLabels: {env: prod}}\n",
    );
    for docs in [[policy.clone(), b.clone()], [b.clone(), policy.clone()]] {
        assert!(run(&docs, &deployment("d", "apps", 9.0)).rules.is_empty());
    }
    // Across sets too (policies from several files).
    let mut set = PolicySet::from_yaml(&b).unwrap();
    set.extend(PolicySet::from_yaml(&policy).unwrap());
    let d = deployment("d", "apps", 9.0);
    let req = VpolRequest::from_request(&verno::Request::create(&d));
    assert!(evaluate(&set.vpols()[0], &req, &NoHost)
        .unwrap()
        .rules
        .is_empty());
}

#[test]
fn api_evaluate_judges_admission_policies_and_only_deny_bindings_block() {
    let policy = vap(
        "cap",
        &format!("{DEPLOYMENTS}  validations:\n  - expression: object.spec.replicas <= 3.0\n    message: too many\n"),
    );
    let d = deployment("d", "default", 9.0);
    for (actions, allowed) in [("[Warn]", true), ("[Deny]", false)] {
        let b = binding("b", "cap", &format!("  validationActions: {actions}\n"));
        let engine = verno::api::Engine::from_yaml(&format!("{policy}---\n{b}")).unwrap();
        let out = engine.evaluate(&d, &Default::default(), &NoHost).unwrap();
        let results = out["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{out}");
        assert_eq!(results[0]["policy"], "cap", "{out}");
        assert_eq!(results[0]["rule"], "cap", "{out}");
        assert_eq!(results[0]["result"], "fail", "{out}");
        assert_eq!(out["allowed"], allowed, "{out}");
    }
}

#[test]
fn reports_name_the_admission_policy_source_and_binding() {
    let set = PolicySet::from_yaml(&format!(
        "{}---\n{}",
        vap(
            "cap",
            "  validations:\n  - expression: object.spec.replicas <= 3.0\n"
        ),
        binding("b", "cap", "")
    ))
    .unwrap();
    let d = deployment("d", "default", 9.0);
    let req = VpolRequest::from_request(&verno::Request::create(&d));
    let r = evaluate(&set.vpols()[0], &req, &NoHost).unwrap();
    let entry = verno::report::result_entry(&r, &r.rules[0], &d, &Default::default());
    assert_eq!(entry["source"], "ValidatingAdmissionPolicy");
    assert_eq!(entry["policy"], "cap");
    assert_eq!(entry["properties"]["binding"], "b");
    assert_eq!(entry["properties"]["process"], "background scan");
}

#[test]
fn a_missing_required_field_is_a_rejection_naming_that_field() {
    use verno::error::LoadError;
    for yaml in [
        vap("v", "  validations:\n  - message: no expression\n"),
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: v}\nspec:\n  validations:\n  - message: no expression\n".to_string(),
    ] {
        let loaded = verno::unstable::load::load_text(&yaml).unwrap();
        let e = loaded.rejected.first().expect("rejected");
        assert!(matches!(e, LoadError::Rejected { .. }), "{e}");
        assert_eq!(
            e.location().field.as_deref(),
            Some("spec.validations[0].expression"),
            "{e}"
        );
        assert!(
            e.to_string()
                .ends_with("spec.validations[0].expression: Required value"),
            "{e}"
        );
    }
}

#[test]
fn a_negative_object_selector_does_not_match_through_the_absent_old_object() {
    // VAP requests have a null oldObject: unlike a ValidatingPolicy's `{}`,
    // it has no (empty) labels for `NotIn` to match.
    let docs = [vap(
        "sel",
        "  matchConstraints:\n    objectSelector:\n      matchExpressions:\n      - {key: app, operator: NotIn, values: [web]}\n  validations:\n  - expression: 'false'\n",
    )];
    assert!(run(&docs, &deployment("d", "default", 1.0))
        .rules
        .is_empty());
    let mut other = deployment("d", "default", 1.0);
    other["metadata"]["labels"]["app"] = json!("db");
    assert_eq!(only(&run(&docs, &other)).0, RuleStatus::Fail);
}
