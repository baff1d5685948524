//! ValidatingPolicy behaviour (kyverno-cel.md §2.2–2.4, §2.11, §3.2, §5.4).

use serde_json::{json, Value};
use verno::model::response::{PolicyResponse, RuleStatus};
use verno::unstable::vpol::{evaluate, VpolRequest};
use verno::{NoHost, Operation, PolicySet};

fn policy(spec: &str) -> String {
    format!(
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {{name: p}}\nspec:\n{spec}"
    )
}

const PODS: &str = "  matchConstraints:\n    resourceRules:\n    - {apiGroups: [''], apiVersions: [v1], operations: [CREATE, UPDATE, DELETE], resources: [pods]}\n";

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
           "spec": {"replicas": 3, "containers": [{"name": "c", "image": "nginx"}]}})
}

fn request(object: &Value) -> VpolRequest<'_> {
    VpolRequest::from_request(&verno::Request::create(object))
}

fn run(set: &PolicySet, index: usize, req: &VpolRequest<'_>) -> Option<PolicyResponse> {
    evaluate(set.vpols()[index], req, &NoHost)
}

fn only(set: &PolicySet, req: &VpolRequest<'_>) -> (RuleStatus, String, String) {
    let r = run(set, 0, req).expect("a response");
    assert_eq!(r.rules.len(), 1, "{:?}", r.rules);
    let rule = &r.rules[0];
    (rule.status, rule.name.clone(), rule.message.clone())
}

fn matches(spec: &str, object: &Value, tweak: impl Fn(&mut VpolRequest<'_>)) -> bool {
    let set = PolicySet::from_yaml(&policy(&format!(
        "{spec}  validations:\n  - expression: 'true'\n"
    )))
    .unwrap();
    let mut req = request(object);
    tweak(&mut req);
    !run(&set, 0, &req).expect("a response").rules.is_empty()
}

#[test]
fn scope_namespaced_skips_cluster_scoped_requests() {
    let spec = "  matchConstraints:\n    resourceRules:\n    - {apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'], scope: Namespaced}\n";
    assert!(matches(spec, &pod("a"), |_| {}));
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}});
    assert!(!matches(spec, &ns, |_| {}));
    let cluster = spec.replace("Namespaced", "Cluster");
    assert!(matches(&cluster, &ns, |_| {}));
    assert!(!matches(&cluster, &pod("a"), |_| {}));
}

#[test]
fn subresource_must_be_named_by_the_rule() {
    let spec = PODS;
    assert!(!matches(spec, &pod("a"), |r| r.subresource = "status"));
    let with_sub = PODS.replace("resources: [pods]", "resources: [pods/status]");
    assert!(matches(&with_sub, &pod("a"), |r| r.subresource = "status"));
    assert!(!matches(&with_sub, &pod("a"), |_| {}));
}

#[test]
fn resource_names_match_the_name_or_a_generate_name_prefix() {
    let spec = PODS.replace(
        "resources: [pods]",
        "resources: [pods], resourceNames: [web]",
    );
    assert!(matches(&spec, &pod("web"), |_| {}));
    assert!(!matches(&spec, &pod("db"), |_| {}));
    let generated = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"generateName": "web-", "namespace": "default"}});
    assert!(matches(&spec, &generated, |_| {}));
}

#[test]
fn object_selector_reads_labels_and_negative_selectors_match_every_create() {
    let spec = format!("{PODS}    objectSelector: {{matchLabels: {{app: db}}}}\n");
    assert!(!matches(&spec, &pod("a"), |_| {}));
    let neg = format!("{PODS}    objectSelector: {{matchExpressions: [{{key: app, operator: NotIn, values: [web]}}]}}\n");
    // The empty oldObject of a CREATE has no labels, so NotIn holds for it.
    assert!(matches(&neg, &pod("a"), |_| {}));
}

#[test]
fn namespace_selector_uses_namespace_labels_else_the_name_label() {
    let spec = format!("{PODS}    namespaceSelector: {{matchLabels: {{team: a}}}}\n");
    let labels: &'static std::collections::BTreeMap<String, String> = Box::leak(Box::new(
        [("team".to_string(), "a".to_string())]
            .into_iter()
            .collect(),
    ));
    assert!(matches(&spec, &pod("a"), |r| r.namespace_labels = Some(labels)));
    assert!(!matches(&spec, &pod("a"), |_| {}));
    let by_name = format!(
        "{PODS}    namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: default}}}}\n"
    );
    assert!(matches(&by_name, &pod("a"), |_| {}));
}

#[test]
fn exclude_resource_rules_win_over_resource_rules() {
    let spec = format!("{PODS}    excludeResourceRules:\n    - {{apiGroups: [''], apiVersions: [v1], operations: ['*'], resources: [pods], resourceNames: [skip]}}\n");
    assert!(matches(&spec, &pod("a"), |_| {}));
    assert!(!matches(&spec, &pod("skip"), |_| {}));
}

#[test]
fn no_match_constraints_never_match() {
    assert!(!matches("", &pod("a"), |_| {}));
}

#[test]
fn custom_kinds_map_to_their_resource_or_the_guess() {
    let widget =
        json!({"apiVersion": "example.com/v1", "kind": "Policy", "metadata": {"name": "w"}});
    let spec = "  matchConstraints:\n    resourceRules:\n    - {apiGroups: [example.com], apiVersions: [v1], operations: ['*'], resources: [policies]}\n";
    assert!(matches(spec, &widget, |_| {}));
    let mut kinds = verno::unstable::vpol::KindMap::default();
    kinds.add(verno::unstable::vpol::KindMapping {
        group: "example.com".into(),
        version: "v1".into(),
        kind: "Policy".into(),
        resource: "mypolicies".into(),
        namespaced: false,
    });
    let spec2 = spec.replace("[policies]", "[mypolicies]");
    assert!(matches(&spec2, &widget, |r| r.kinds =
        Some(Box::leak(Box::new(kinds.clone())))));
}

const EXCEPTION: &str = "apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata: {name: ex, namespace: team}\nspec:\n  policyRefs: [{name: p, kind: ValidatingPolicy}]\n  matchConditions:\n  - {name: web, expression: \"object.metadata.name == 'web'\"}\n";

#[test]
fn exceptions_are_evaluated_before_match_conditions() {
    // The policy's matchCondition errors; the exception still exempts first.
    let text = format!(
        "{}---\n{EXCEPTION}",
        policy(&format!("{PODS}  matchConditions:\n  - {{name: broken, expression: 'object.nope == 1'}}\n  validations:\n  - expression: 'false'\n"))
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    let web = pod("web");
    assert_eq!(
        only(&set, &request(&web)),
        (
            RuleStatus::Skip,
            "exception".into(),
            "rule is skipped due to policy exception: team/ex".into()
        )
    );
    let r = run(&set, 0, &request(&web)).unwrap();
    assert_eq!(
        r.rules[0].properties.get("exceptions").map(String::as_str),
        Some("ex")
    );
    let other = pod("other");
    let (status, rule, message) = only(&set, &request(&other));
    assert_eq!((status, rule.as_str()), (RuleStatus::Error, "evaluation"));
    assert_eq!(message, "failed to load context: no such key: nope");
}

#[test]
fn exception_report_result_pass_and_partial_exceptions_expose_allowed_values() {
    let pass = EXCEPTION.replace(
        "  matchConditions:",
        "  reportResult: pass\n  matchConditions:",
    );
    let text = format!(
        "{}---\n{pass}",
        policy(&format!("{PODS}  validations:\n  - expression: 'false'\n"))
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    let web = pod("web");
    assert_eq!(only(&set, &request(&web)).0, RuleStatus::Pass);
    let partial = EXCEPTION.replace(
        "  matchConditions:",
        "  allowedValues: [nginx]\n  matchConditions:",
    );
    let text = format!(
        "{}---\n{partial}",
        policy(&format!("{PODS}  validations:\n  - expression: \"object.spec.containers.all(c, c.image in exceptions.allowedValues)\"\n"))
    );
    let set = PolicySet::from_yaml(&text).unwrap();
    assert_eq!(only(&set, &request(&web)).0, RuleStatus::Pass);
    assert_eq!(only(&set, &request(&pod("other"))).0, RuleStatus::Fail);
}

#[test]
fn failure_policy_ignore_turns_match_condition_errors_into_skip() {
    let spec = format!("{PODS}  failurePolicy: Ignore\n  matchConditions:\n  - {{name: broken, expression: 'object.nope == 1'}}\n  validations:\n  - expression: 'false'\n");
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    assert_eq!(
        only(&set, &request(&pod("a"))),
        (RuleStatus::Skip, String::new(), "skip".into())
    );
}

#[test]
fn integers_in_resources_are_doubles() {
    let spec = format!("{PODS}  validations:\n  - expression: 'object.spec.replicas == 3'\n  - expression: 'object.spec.replicas + 1 == 4'\n");
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    let (status, _, message) = only(&set, &request(&pod("a")));
    assert_eq!(status, RuleStatus::Error);
    // cel-go's runtime wording, as the CEL engine gives it.
    assert_eq!(message, "error: no such overload: _+_(double, int)");
}

#[test]
fn old_object_is_an_empty_map_on_create() {
    let spec = format!(
        "{PODS}  validations:\n  - expression: 'oldObject != null && size(oldObject) == 0'\n"
    );
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    assert_eq!(only(&set, &request(&pod("a"))).0, RuleStatus::Pass);
}

#[test]
fn message_expression_wins_and_an_empty_message_names_the_index() {
    let spec = format!(
        "{PODS}  validations:\n  - expression: 'true'\n  - expression: 'false'\n    message: ignored\n    messageExpression: \"'name ' + object.metadata.name\"\n"
    );
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    assert_eq!(only(&set, &request(&pod("a"))).2, "name a");
    let spec = format!("{PODS}  validations:\n  - expression: 'true'\n  - expression: 'false'\n");
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    let r = run(&set, 0, &request(&pod("a"))).unwrap();
    assert_eq!(
        r.rules[0].message,
        "CEL expression validation failed at index 1"
    );
    assert_eq!(
        r.rules[0]
            .properties
            .get("cel.validationIndex")
            .map(String::as_str),
        Some("1")
    );
    let spec = format!("{PODS}  validations:\n  - expression: 'false'\n    message: plain\n    messageExpression: \"'x' + object.nope\"\n");
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    assert_eq!(
        only(&set, &request(&pod("a"))).2,
        "failed to evaluate message expression: no such key: nope"
    );
}

#[test]
fn audit_annotations_become_properties() {
    let spec = format!("{PODS}  validations:\n  - expression: 'true'\n  auditAnnotations:\n  - {{key: who, valueExpression: \"'pod ' + object.metadata.name\"}}\n  - {{key: none, valueExpression: 'null'}}\n");
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    let r = run(&set, 0, &request(&pod("a"))).unwrap();
    assert_eq!(r.rules[0].message, "success");
    assert_eq!(
        r.rules[0].properties.get("who").map(String::as_str),
        Some("pod a")
    );
    assert!(!r.rules[0].properties.contains_key("none"));
}

#[test]
fn pods_policies_get_autogen_copies_with_rewritten_expressions() {
    let spec = format!("{PODS}  validations:\n  - expression: \"object.spec.containers.all(c, c.image == 'nginx') && object.metadata.namespace == 'default'\"\n");
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    let copies: Vec<_> = set.vpols().into_iter().map(|v| v.autogen).collect();
    assert_eq!(copies, vec![None, Some("cronjobs"), Some("defaults")]);
    assert!(set.vpols().into_iter().all(|v| v.info.name == "p"));
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}});
    let req = request(&deploy);
    assert!(run(&set, 0, &req).unwrap().rules.is_empty());
    assert!(run(&set, 1, &req).unwrap().rules.is_empty());
    assert_eq!(
        run(&set, 2, &req).unwrap().rules[0].status,
        RuleStatus::Fail
    );
    // The pods-only policy's own empty response is dropped (Not found); the
    // two-rule defaults copy's is kept (Excluded).
    assert!(!set.vpols()[0].keeps_empty_response());
    assert!(set.vpols()[2].keeps_empty_response());
    let none = format!("{spec}  autogen: {{podControllers: {{controllers: []}}}}\n");
    assert_eq!(
        PolicySet::from_yaml(&policy(&none)).unwrap().vpols().len(),
        1
    );
}

#[test]
fn json_mode_sees_only_the_payload() {
    let spec = "  evaluation: {mode: JSON}\n  validations:\n  - expression: 'object.size == 3 && request == null'\n";
    let set = PolicySet::from_yaml(&policy(spec)).unwrap();
    let payload = json!({"size": 3});
    let mut req = request(&payload);
    req.json_payload = true;
    assert_eq!(only(&set, &req).0, RuleStatus::Pass);
    let k8s = PolicySet::from_yaml(&policy(&format!(
        "{PODS}  validations:\n  - expression: 'true'\n"
    )))
    .unwrap();
    assert!(run(&k8s, 0, &req).is_none());
}

#[test]
fn compile_errors_name_policy_field_and_position() {
    let spec = format!("{PODS}  validations:\n  - expression: 'foo == 1'\n");
    let err = PolicySet::from_yaml(&policy(&spec)).unwrap_err();
    let loc = err.location();
    assert_eq!(loc.policy.as_deref(), Some("p"));
    assert_eq!(loc.field.as_deref(), Some("spec.validations[0].expression"));
    let text = err.to_string();
    assert!(
        text.contains(
            "Invalid value: \"foo == 1\": ERROR: <input>:1:1: undeclared reference to 'foo'"
        ),
        "{text}"
    );
    let dyn_spec = format!("{PODS}  validations:\n  - expression: 'object.spec.hostNetwork'\n");
    let err = PolicySet::from_yaml(&policy(&dyn_spec))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("output is expected to be of type bool"),
        "{err}"
    );
}

#[test]
fn unknown_fields_are_load_errors_and_other_schema_errors_drop_the_policy() {
    let unknown = policy(&format!("{PODS}  validationz: []\n"));
    assert!(matches!(
        verno::unstable::load::load_text(&unknown),
        Err(verno::LoadError::Invalid { .. })
    ));
    let missing = policy(&format!(
        "{PODS}  validations:\n  - message: no expression\n"
    ));
    let loaded = verno::unstable::load::load_text(&missing).unwrap();
    assert!(loaded.vpols.is_empty());
    assert_eq!(loaded.rejected.len(), 1);
}

#[test]
fn delete_binds_the_old_object_and_an_empty_object() {
    let spec = format!("{PODS}  validations:\n  - expression: \"size(object) == 0 && oldObject.metadata.name == 'a' && request.operation == 'DELETE'\"\n");
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    let old = pod("a");
    let mut req = request(&old);
    req.object = None;
    req.old_object = Some(&old);
    req.operation = Operation::Delete;
    assert_eq!(only(&set, &req).0, RuleStatus::Pass);
}

#[test]
fn evaluate_includes_validating_policies_and_deny_blocks_admission() {
    let spec = format!("{PODS}  validationActions: [Deny]\n  validations:\n  - expression: \"object.metadata.name != 'bad'\"\n    message: bad name\n");
    let set = PolicySet::from_yaml(&policy(&spec)).unwrap();
    let bad = pod("bad");
    let eval = set.evaluate(&verno::Request::create(&bad), &NoHost);
    // The autogen copies answer a Pod with no rules.
    let judged: Vec<_> = eval
        .policies
        .iter()
        .filter(|p| !p.rules.is_empty())
        .collect();
    assert_eq!(judged.len(), 1);
    assert_eq!(judged[0].rules[0].message, "bad name");
    assert!(!eval.allowed());
    let audit = spec.replace("[Deny]", "[Audit]");
    let set = PolicySet::from_yaml(&policy(&audit)).unwrap();
    assert!(set
        .evaluate(&verno::Request::create(&bad), &NoHost)
        .allowed());
    // Bindings hand policies over as JSON values.
    let doc = verno::unstable::yaml::parse_value(&policy(&spec)).unwrap();
    let set = PolicySet::from_values(vec![doc]).unwrap();
    assert_eq!(set.vpols().len(), 3);
}

#[test]
fn api_evaluate_judges_validating_policies_after_the_pipeline() {
    let engine =
        verno::api::Engine::from_yaml(include_str!("../../examples/disallow-latest-tag.yaml"))
            .unwrap();
    let pod: serde_json::Value =
        verno::unstable::yaml::parse_value(include_str!("../../examples/nginx-unprivileged.yaml"))
            .unwrap();
    let out = engine
        .evaluate(&pod, &Default::default(), &verno::NoHost)
        .unwrap();
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{out}");
    assert_eq!(results[0]["policy"], "disallow-latest-tag", "{out}");
    assert_eq!(results[0]["result"], "fail", "{out}");
    assert_eq!(out["allowed"], false, "{out}");
}
