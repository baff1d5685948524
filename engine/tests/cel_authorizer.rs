//! The Kubernetes `authz` library in `validate.cel`, answered as Kyverno's
//! CLI answers it offline: its authorizer asks the fake client about the
//! validated resource's kind (whatever the expression checks), so every
//! check is denied, with an error for an empty user or a kind whose plural
//! the fake discovery cannot find; ValidatingAdmissionPolicies get no
//! `authorizer` at all.

use serde_json::{json, Value};
use verno::{NoHost, PolicySet, Request, RuleResponse, RuleStatus};

fn policy(kind: &str, expression: &str) -> PolicySet {
    let text = format!(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: p}}
spec:
  rules:
  - name: check
    match:
      any:
      - resources:
          kinds: [{kind}]
    validate:
      cel:
        expressions:
        - expression: {expression:?}
          messageExpression: "'denied'"
"#
    );
    match PolicySet::from_yaml(&text) {
        Ok(s) => s,
        Err(e) => panic!("policy does not load: {e}\n{text}"),
    }
}

fn object(kind: &str) -> Value {
    json!({
        "apiVersion": if kind == "Pod" { "v1" } else { "networking.k8s.io/v1" },
        "kind": kind,
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {}
    })
}

fn run(kind: &str, expression: &str, user: Option<&str>) -> RuleResponse {
    let set = policy(kind, expression);
    let o = object(kind);
    let info = user.map(|u| verno::UserInfo {
        username: u.into(),
        ..Default::default()
    });
    let mut req = Request::create(&o);
    req.user_info = info.as_ref();
    let rules: Vec<RuleResponse> = set
        .evaluate(&req, &NoHost)
        .policies
        .into_iter()
        .flat_map(|p| p.rules)
        .collect();
    assert_eq!(rules.len(), 1, "{rules:#?}");
    rules.into_iter().next().unwrap()
}

#[test]
fn authorizer_resource_check_type_checks_and_is_denied_offline() {
    let r = run(
        "Pod",
        "!authorizer.group('').resource('secrets').namespace('default').name('s').subresource('').check('get').allowed()",
        Some("alice"),
    );
    assert_eq!(r.status, RuleStatus::Pass, "{r:#?}");
}

#[test]
fn authorizer_check_for_a_named_user_is_denied_without_error_or_reason() {
    let r = run(
        "Pod",
        "authorizer.path('/healthz').check('get').errored() == false && authorizer.group('apps').resource('deployments').check('create').reason() == ''",
        Some("alice"),
    );
    assert_eq!(r.status, RuleStatus::Pass, "{r:#?}");
}

#[test]
fn authorizer_check_without_a_user_errors_with_no_service_account_provided() {
    let r = run(
        "Pod",
        "authorizer.group('').resource('pods').check('get').error() == 'no service account provided'",
        None,
    );
    assert_eq!(r.status, RuleStatus::Pass, "{r:#?}");
}

#[test]
fn authorizer_service_account_check_asks_as_the_service_account() {
    let r = run(
        "Pod",
        "!authorizer.serviceAccount('default', 'builder').group('').resource('pods').check('get').errored()",
        None,
    );
    assert_eq!(r.status, RuleStatus::Pass, "{r:#?}");
}

#[test]
fn authorizer_on_a_kind_ending_in_y_fails_to_find_its_gvr() {
    let r = run(
        "NetworkPolicy",
        "authorizer.requestResource.check('create').error() == 'failed to get GVR for kind NetworkPolicy'",
        Some("alice"),
    );
    assert_eq!(r.status, RuleStatus::Pass, "{r:#?}");
}

#[test]
fn authorizer_request_resource_is_a_resource_check() {
    let r = run(
        "Pod",
        "!authorizer.requestResource.labelSelector('a=b').fieldSelector('x=y').check('list').allowed()",
        Some("alice"),
    );
    assert_eq!(r.status, RuleStatus::Pass, "{r:#?}");
}

#[test]
fn authorizer_argument_errors_read_as_kubernetes_writes_them() {
    let r = run(
        "Pod",
        "authorizer.serviceAccount('default', 'Bad_Name').group('').resource('pods').check('get').allowed()",
        Some("alice"),
    );
    assert_eq!(r.status, RuleStatus::Fail, "{r:#?}");
    assert!(
        r.message.contains("Invalid service account name"),
        "{}",
        r.message
    );
    let r = run(
        "Pod",
        "authorizer.group('').resource('').check('get').allowed()",
        Some("alice"),
    );
    assert!(
        r.message.contains("resource must not be empty"),
        "{}",
        r.message
    );
}

#[test]
fn admission_policy_has_no_authorizer() {
    let text = r#"
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: vap}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      resources: [pods]
      operations: [CREATE]
  validations:
  - expression: "authorizer.group('').resource('pods').check('get').allowed()"
"#;
    let set = PolicySet::from_yaml(text).unwrap();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"}});
    let rules: Vec<RuleResponse> = set
        .evaluate(&Request::create(&pod), &NoHost)
        .policies
        .into_iter()
        .flat_map(|p| p.rules)
        .collect();
    assert_eq!(rules.len(), 1, "{rules:#?}");
    assert!(
        rules[0]
            .message
            .contains("undeclared reference to 'authorizer'"),
        "{}",
        rules[0].message
    );
}
