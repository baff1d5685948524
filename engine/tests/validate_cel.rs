//! `validate.cel` rules in ClusterPolicy: results and messages as Kyverno's
//! handler gives them around the Kubernetes validator.

use serde_json::{json, Value};
use verno::host::HostError;
use verno::{Host, NoHost, PolicySet, RuleResponse, RuleStatus};
use verno::{Operation, Request};

/// A ClusterPolicy with one validate.cel rule `check` on Pods (and their
/// controllers, through autogen). `cel` and `extra` are YAML fragments
/// indented for the rule body.
fn policy(validate: &str, extra: &str) -> PolicySet {
    let text = format!(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: check
    match:
      any:
      - resources:
          kinds: [Pod]
{extra}
    validate:
{validate}
"#
    );
    match PolicySet::from_yaml(&text) {
        Ok(s) => s,
        Err(e) => panic!("policy does not load: {e}\n{text}"),
    }
}

fn pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 2.0, "containers": [{"name": "c", "image": "nginx"}]}
    })
}

fn run_with(set: &PolicySet, req: &Request<'_>, host: &dyn Host) -> Vec<RuleResponse> {
    set.evaluate(req, host)
        .policies
        .into_iter()
        .flat_map(|p| p.rules)
        .collect()
}

fn run(set: &PolicySet, resource: &Value) -> RuleResponse {
    let rules = run_with(set, &Request::create(resource), &NoHost);
    assert_eq!(rules.len(), 1, "{rules:#?}");
    rules.into_iter().next().unwrap()
}

fn expressions(list: &str) -> String {
    format!("      cel:\n        expressions:\n{list}")
}

#[test]
fn a_true_expression_passes_with_kyvernos_message() {
    let set = policy(
        &expressions("        - expression: \"object.metadata.name == 'web'\"\n"),
        "",
    );
    let r = run(&set, &pod());
    assert_eq!(r.status, RuleStatus::Pass);
    assert_eq!(r.message, "Validation rule 'check' passed.");
}

#[test]
fn message_expression_wins_and_is_trimmed() {
    let set = policy(
        &expressions(
            "        - expression: \"object.metadata.name == 'x'\"\n          message: plain\n          messageExpression: \"'  name is ' + object.metadata.name + '  '\"\n",
        ),
        "",
    );
    let r = run(&set, &pod());
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(r.message, "name is web");
}

#[test]
fn a_message_expression_that_errs_or_spans_lines_falls_back_to_the_message() {
    for me in [
        "object.metadata.missing + 'x'",
        "'a\\nb'",
        "'x'.repeat(0) + ' '",
    ] {
        let set = policy(
            &expressions(&format!(
                "        - expression: \"false\"\n          message: \"  the message  \"\n          messageExpression: {me:?}\n"
            )),
            "",
        );
        let r = run(&set, &pod());
        assert_eq!(r.status, RuleStatus::Fail, "{me}");
        assert_eq!(r.message, "the message", "{me}");
    }
}

#[test]
fn a_message_expression_longer_than_5120_bytes_is_dropped() {
    let at_limit = "a".repeat(5120);
    let over = "a".repeat(5121);
    for (text, want) in [(&at_limit, at_limit.as_str()), (&over, "short")] {
        let set = policy(
            &expressions(&format!(
                "        - expression: \"false\"\n          message: short\n          messageExpression: \"'{text}'\"\n"
            )),
            "",
        );
        assert_eq!(run(&set, &pod()).message, want);
    }
}

#[test]
fn the_rule_message_is_the_default_of_every_expression_without_one() {
    let set = policy(
        "      message: rule level\n      cel:\n        expressions:\n        - expression: \"false\"\n",
        "",
    );
    assert_eq!(run(&set, &pod()).message, "rule level");
}

#[test]
fn without_any_message_the_failure_names_the_trimmed_expression() {
    let set = policy(
        &expressions("        - expression: \"  object.metadata.name == 'x'  \"\n"),
        "",
    );
    assert_eq!(
        run(&set, &pod()).message,
        "failed expression: object.metadata.name == 'x'"
    );
}

#[test]
fn the_first_failing_expression_decides() {
    let set = policy(
        &expressions(
            "        - expression: \"true\"\n          message: first\n        - expression: \"false\"\n          message: second\n        - expression: \"false\"\n          message: third\n",
        ),
        "",
    );
    assert_eq!(run(&set, &pod()).message, "second");
}

#[test]
fn a_runtime_error_is_a_fail_with_the_validators_wording() {
    let set = policy(
        &expressions("        - expression: \"object.metadata.labels.app == 'x'\"\n"),
        "",
    );
    let r = run(&set, &pod());
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(
        r.message,
        "expression 'object.metadata.labels.app == 'x'' resulted in error: no such key: labels"
    );
}

#[test]
fn resource_integers_are_doubles_so_int_arithmetic_fails() {
    let set = policy(
        &expressions("        - expression: \"object.spec.replicas + 1 > 2\"\n"),
        "",
    );
    let mut p = pod();
    // Even an integer written in the resource is a double to CEL.
    p["spec"]["replicas"] = json!(2);
    let r = run(&set, &p);
    assert_eq!(r.status, RuleStatus::Fail);
    assert!(
        r.message.starts_with(
            "expression 'object.spec.replicas + 1 > 2' resulted in error: no such overload"
        ),
        "{}",
        r.message
    );
    let cmp = policy(
        &expressions("        - expression: \"object.spec.replicas == 2\"\n"),
        "",
    );
    assert_eq!(run(&cmp, &p).status, RuleStatus::Pass);
}

#[test]
fn a_compile_error_fails_the_expression_when_evaluated() {
    let set = policy(&expressions("        - expression: \"foo == 1\"\n"), "");
    let r = run(&set, &pod());
    assert_eq!(r.status, RuleStatus::Fail);
    assert!(
        r.message.starts_with(
            "compilation error: compilation failed: ERROR: <input>:1:1: undeclared reference to 'foo'"
        ),
        "{}",
        r.message
    );
}

#[test]
fn a_dyn_expression_fails_the_bool_output_check() {
    let set = policy(
        &expressions("        - expression: \"object.spec.hostNetwork\"\n"),
        "",
    );
    assert_eq!(
        run(&set, &pod()).message,
        "compilation error: must evaluate to bool but got dyn"
    );
}

#[test]
fn params_is_undeclared_without_param_kind() {
    let set = policy(
        &expressions("        - expression: \"params == null\"\n"),
        "",
    );
    assert!(run(&set, &pod())
        .message
        .contains("undeclared reference to 'params'"));
}

#[test]
fn false_preconditions_skip_the_rule() {
    let set = policy(
        &expressions("        - expression: \"false\"\n"),
        "    celPreconditions:\n    - name: only-x\n      expression: \"object.metadata.name == 'x'\"",
    );
    let r = run(&set, &pod());
    assert_eq!(r.status, RuleStatus::Skip);
    assert_eq!(r.message, "cel preconditions not met");
}

#[test]
fn a_precondition_error_is_a_fail_unless_another_is_false() {
    let erring = "    - name: errs\n      expression: \"object.metadata.labels.a == 'b'\"";
    let set = policy(
        &expressions("        - expression: \"true\"\n"),
        &format!("    celPreconditions:\n{erring}"),
    );
    let r = run(&set, &pod());
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(
        r.message,
        "expression 'object.metadata.labels.a == 'b'' resulted in error: no such key: labels"
    );
    let with_false = policy(
        &expressions("        - expression: \"true\"\n"),
        &format!("    celPreconditions:\n{erring}\n    - name: f\n      expression: \"false\""),
    );
    assert_eq!(run(&with_false, &pod()).status, RuleStatus::Skip);
}

#[test]
fn old_object_is_null_on_create_and_namespace_object_has_only_a_name() {
    let set = policy(
        &expressions(
            "        - expression: \"oldObject == null\"\n        - expression: \"namespaceObject.metadata.name == 'default'\"\n        - expression: \"!has(namespaceObject.metadata.labels)\"\n        - expression: \"request.operation == 'CREATE' && request.namespace == 'default' && request.name == 'web'\"\n",
        ),
        "",
    );
    assert_eq!(run(&set, &pod()).status, RuleStatus::Pass);
}

#[test]
fn object_is_null_on_delete() {
    let set = policy(
        &expressions(
            "        - expression: \"object == null && oldObject.metadata.name == 'web'\"\n",
        ),
        "",
    );
    let p = pod();
    let mut req = Request::create(&p);
    req.object = None;
    req.old_object = Some(&p);
    req.operation = Operation::Delete;
    let rules = run_with(&set, &req, &NoHost);
    assert_eq!(rules[0].status, RuleStatus::Pass, "{rules:#?}");
}

#[test]
fn variables_are_composed_and_their_errors_named() {
    let set = policy(
        "      cel:\n        variables:\n        - name: name\n          expression: \"object.metadata.name\"\n        - name: app\n          expression: \"object.metadata.labels.app\"\n        expressions:\n        - expression: \"variables.name == 'web'\"\n        - expression: \"variables.app == 'x'\"\n",
        "",
    );
    assert_eq!(
        run(&set, &pod()).message,
        "expression 'variables.app == 'x'' resulted in error: composited variable \"app\" fails to evaluate: no such key: labels"
    );
}

#[test]
fn a_legacy_exception_skips_with_its_keys_right_after_the_text() {
    let text = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: check
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      cel:
        expressions:
        - expression: "false"
---
apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: allow-web
  namespace: team
spec:
  exceptions:
  - policyName: p
    ruleNames: [check]
  match:
    any:
    - resources:
        kinds: [Pod]
"#;
    let set = PolicySet::from_yaml(text).unwrap();
    let r = run(&set, &pod());
    assert_eq!(r.status, RuleStatus::Skip);
    assert_eq!(
        r.message,
        "rule is skipped due to policy exceptionsteam/allow-web"
    );
}

#[test]
fn a_generated_validating_admission_policy_drops_the_rule() {
    let text = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: check
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      cel:
        expressions:
        - expression: "false"
status:
  validatingadmissionpolicy:
    generated: true
"#;
    let set = PolicySet::from_yaml(text).unwrap();
    assert!(run_with(&set, &Request::create(&pod()), &NoHost).is_empty());
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default"},
        "spec": {"template": {
            "metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}
        }}
    })
}

#[test]
fn autogen_rewrites_object_paths_into_the_pod_template() {
    let set = policy(
        &expressions(
            "        - expression: \"object.spec.containers.all(c, c.image == 'nginx') && object.metadata.labels.app == 'x'\"\n",
        ),
        "",
    );
    let r = run(&set, &deployment());
    assert_eq!(r.name, "autogen-check");
    assert_eq!(r.status, RuleStatus::Pass, "{}", r.message);
}

#[test]
fn autogen_rewrites_metadata_namespace_too() {
    // Plain replace-all: `object.metadata.namespace` becomes the template's,
    // which a Deployment's pod template does not have.
    let set = policy(
        &expressions("        - expression: \"object.metadata.namespace != 'kube-system'\"\n"),
        "",
    );
    let r = run(&set, &deployment());
    assert_eq!(r.name, "autogen-check");
    assert_eq!(r.status, RuleStatus::Fail);
    assert_eq!(
        r.message,
        "expression 'object.spec.template.metadata.namespace != 'kube-system'' resulted in error: no such key: namespace"
    );
}

#[test]
fn autogen_for_cronjobs_goes_through_the_job_template() {
    let set = policy(
        &expressions("        - expression: \"object.spec.containers.size() == 1\"\n"),
        "",
    );
    let cron = json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c", "namespace": "default"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}
        }}}}
    });
    let r = run(&set, &cron);
    assert_eq!(r.name, "autogen-cronjob-check");
    assert_eq!(r.status, RuleStatus::Pass, "{}", r.message);
}

/// Serves parameter objects (namespaced kinds).
struct Params(Vec<Value>);

impl Host for Params {
    fn param_kind_namespaced(&self, _: &str, _: &str) -> Result<bool, HostError> {
        Ok(true)
    }
    fn param_resources(&self, api: &str, kind: &str, ns: &str) -> Result<Vec<Value>, HostError> {
        Ok(self
            .0
            .iter()
            .filter(|p| {
                p["apiVersion"] == api && p["kind"] == kind && p["metadata"]["namespace"] == ns
            })
            .cloned()
            .collect())
    }
}

fn limit(name: &str, max: i64, team: &str) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Limit",
           "metadata": {"name": name, "namespace": "default", "labels": {"team": team}},
           "max": max})
}

fn param_policy(param_ref: &str) -> PolicySet {
    policy(
        &format!(
            "      cel:\n        paramKind:\n          apiVersion: example.com/v1\n          kind: Limit\n        paramRef:\n{param_ref}\n        expressions:\n        - expression: \"object.spec.replicas <= params.max\"\n          messageExpression: \"'over ' + params.metadata.name\"\n"
        ),
        "",
    )
}

#[test]
fn a_named_param_is_bound_as_params() {
    let set = param_policy("          name: small");
    let host = Params(vec![limit("small", 1, "a"), limit("big", 9, "a")]);
    let rules = run_with(&set, &Request::create(&pod()), &host);
    assert_eq!(rules[0].status, RuleStatus::Fail);
    assert_eq!(rules[0].message, "over small");
}

#[test]
fn each_selected_param_is_evaluated_and_the_first_failure_wins() {
    let set = param_policy("          selector:\n            matchLabels: {team: a}");
    let host = Params(vec![
        limit("big", 9, "a"),
        limit("tiny", 0, "a"),
        limit("small", 1, "a"),
        limit("other", 0, "b"),
    ]);
    let rules = run_with(&set, &Request::create(&pod()), &host);
    assert_eq!(rules[0].status, RuleStatus::Fail);
    assert_eq!(rules[0].message, "over tiny");
}

#[test]
fn no_selected_param_passes_unless_the_ref_denies() {
    let host = Params(vec![]);
    let set = param_policy("          selector:\n            matchLabels: {team: a}");
    let rules = run_with(&set, &Request::create(&pod()), &host);
    assert_eq!(rules[0].status, RuleStatus::Pass);
    let deny = param_policy(
        "          selector:\n            matchLabels: {team: a}\n          parameterNotFoundAction: Deny",
    );
    let rules = run_with(&deny, &Request::create(&pod()), &host);
    assert_eq!(rules[0].status, RuleStatus::Error);
    assert_eq!(
        rules[0].message,
        "error in parameterized resource: no params found"
    );
}

#[test]
fn a_missing_named_param_is_an_error() {
    let set = param_policy("          name: nope");
    let rules = run_with(&set, &Request::create(&pod()), &Params(vec![]));
    assert_eq!(rules[0].status, RuleStatus::Error);
    assert_eq!(
        rules[0].message,
        "error in parameterized resource: limits.example.com \"nope\" not found"
    );
}

#[test]
fn without_a_host_for_params_the_rule_is_an_error() {
    let set = param_policy("          name: small");
    let rules = run_with(&set, &Request::create(&pod()), &NoHost);
    assert_eq!(rules[0].status, RuleStatus::Error);
    assert!(
        rules[0].message.starts_with(
            "error in parameterized resource: failed to check if resource is namespaced or not"
        ),
        "{}",
        rules[0].message
    );
}

#[test]
fn a_cel_block_of_the_wrong_shape_is_a_load_error_naming_the_rule() {
    let text = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: check
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      cel:
        expressions: "not a list"
"#;
    let err = PolicySet::from_yaml(text).unwrap_err().to_string();
    assert!(err.contains("check"), "{err}");
    assert!(err.contains("validate.cel"), "{err}");
}

#[test]
fn an_enforced_update_fails_even_when_the_old_object_failed_too() {
    // The pattern handlers skip pre-existing violations on UPDATE; the CEL
    // handler has no such check.
    let text = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  validationFailureAction: Enforce
  rules:
  - name: check
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      cel:
        expressions:
        - expression: "object.metadata.name == 'x'"
"#;
    let set = PolicySet::from_yaml(text).unwrap();
    let p = pod();
    let mut req = Request::create(&p);
    req.old_object = Some(&p);
    req.operation = Operation::Update;
    let rules = run_with(&set, &req, &NoHost);
    assert_eq!(rules[0].status, RuleStatus::Fail, "{rules:#?}");
}

#[test]
fn a_namespace_has_no_namespace_object_and_no_request_namespace() {
    let text = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: check
    match:
      any:
      - resources:
          kinds: [Namespace]
    validate:
      cel:
        expressions:
        - expression: "namespaceObject == null && !has(request.namespace) && request.name == 'team'"
"#;
    let set = PolicySet::from_yaml(text).unwrap();
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
    assert_eq!(run(&set, &ns).status, RuleStatus::Pass);
}

#[test]
fn request_user_info_comes_from_the_request_with_empty_fields_absent() {
    let set = policy(
        &expressions(
            "        - expression: \"request.userInfo.username == 'alice' && request.userInfo.groups == ['dev'] && !has(request.userInfo.uid)\"\n",
        ),
        "",
    );
    let p = pod();
    let user = verno::UserInfo {
        username: "alice".into(),
        groups: vec!["dev".into()],
        ..Default::default()
    };
    let mut req = Request::create(&p);
    req.user_info = Some(&user);
    let rules = run_with(&set, &req, &NoHost);
    assert_eq!(rules[0].status, RuleStatus::Pass, "{rules:#?}");
}
