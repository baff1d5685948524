//! The admission pipeline with a per-policy request hook.

use std::borrow::Cow;

use serde_json::{json, Value};
use verno::{
    CompiledPolicy, NoHost, Operation, PolicyRequest, PolicySet, Request, RequestHook, RuleStatus,
    Stage, Stages,
};

fn deny_updates(name: &str) -> String {
    format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: {name}}}
spec:
  rules:
  - name: no-update
    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
    validate:
      deny:
        conditions:
          any:
          - {{key: "{{{{ request.operation }}}}", operator: Equals, value: UPDATE}}
"#
    )
}

const ADD_LABEL: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: add-label}
spec:
  rules:
  - name: add
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge: {metadata: {labels: {team: web}}}
"#;

/// Gives the policy named `updated` an UPDATE; records every question.
#[derive(Default)]
struct OneUpdate {
    asked: Vec<(String, Stage)>,
    seen: Vec<(Stage, String, Value)>,
}

impl RequestHook for OneUpdate {
    type Error = String;

    fn prepare(
        &mut self,
        policy: &CompiledPolicy,
        stage: Stage,
        _running: &mut Cow<'_, Value>,
    ) -> Result<PolicyRequest, String> {
        let name = policy.info().name.clone();
        self.asked.push((name.clone(), stage));
        Ok(PolicyRequest {
            operation: (name == "updated").then_some(Operation::Update),
            ..Default::default()
        })
    }

    fn responded(
        &mut self,
        stage: Stage,
        response: &verno::model::response::PolicyResponse,
        resource: &Value,
        _patched: bool,
    ) {
        self.seen
            .push((stage, response.policy.name.clone(), resource.clone()));
    }
}

fn set() -> PolicySet {
    let text = [
        ADD_LABEL,
        &deny_updates("updated"),
        &deny_updates("created"),
    ]
    .join("---\n");
    PolicySet::from_yaml(&text).unwrap()
}

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}})
}

#[test]
fn request_hook_gives_each_policy_its_own_operation() {
    let pod = pod();
    let mut hook = OneUpdate::default();
    let eval = set()
        .run(&Request::create(&pod), Stages::ALL, &mut hook, &NoHost)
        .unwrap();
    let status = |name: &str| {
        eval.policies
            .iter()
            .find(|p| p.policy.name == name)
            .map(|p| p.rules[0].status)
    };
    assert_eq!(status("updated"), Some(RuleStatus::Fail));
    assert_eq!(status("created"), Some(RuleStatus::Pass));
}

#[test]
fn request_hook_is_asked_only_for_policies_with_rules_of_the_stage() {
    let pod = pod();
    let mut hook = OneUpdate::default();
    set()
        .run(&Request::create(&pod), Stages::ALL, &mut hook, &NoHost)
        .unwrap();
    let asked: Vec<(&str, Stage)> = hook.asked.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    assert_eq!(
        asked,
        [
            ("add-label", Stage::Mutate),
            ("updated", Stage::Validate),
            ("created", Stage::Validate)
        ]
    );
}

#[test]
fn validate_stage_judges_the_resource_the_mutate_stage_produced() {
    let pod = pod();
    let mut hook = OneUpdate::default();
    set()
        .run(&Request::create(&pod), Stages::ALL, &mut hook, &NoHost)
        .unwrap();
    for (stage, name, resource) in &hook.seen {
        assert_eq!(
            resource.pointer("/metadata/labels/team"),
            Some(&json!("web")),
            "{stage:?} {name}"
        );
    }
}

#[test]
fn evaluate_is_the_admission_stages_of_run() {
    let pod = pod();
    let set = set();
    let eval = set.evaluate(&Request::create(&pod), &NoHost);
    let run = set
        .run(
            &Request::create(&pod),
            Stages::ADMISSION,
            &mut verno::SharedRequest,
            &NoHost,
        )
        .unwrap();
    let rules = |ps: &[verno::model::response::PolicyResponse]| -> Vec<Vec<verno::RuleResponse>> {
        ps.iter().map(|p| p.rules.clone()).collect()
    };
    assert_eq!(rules(&eval.policies), rules(&run.policies));
    assert_eq!(rules(&eval.mutations), rules(&run.mutations));
    assert_eq!(eval.patched, run.patched);
    assert!(eval.generations.is_empty());
}

#[test]
fn hook_error_stops_the_run() {
    struct Refuse;
    impl RequestHook for Refuse {
        type Error = &'static str;
        fn prepare(
            &mut self,
            _: &CompiledPolicy,
            _: Stage,
            _: &mut Cow<'_, Value>,
        ) -> Result<PolicyRequest, &'static str> {
            Err("no values for this policy")
        }
    }
    let pod = pod();
    let err = set()
        .run(&Request::create(&pod), Stages::ALL, &mut Refuse, &NoHost)
        .unwrap_err();
    assert_eq!(err, "no values for this policy");
}

fn vpol(name: &str, expression: &str) -> String {
    format!(
        r#"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {{name: {name}}}
spec:
  matchConstraints:
    resourceRules:
    - {{apiGroups: [''], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}}
  validations:
  - expression: "{expression}"
    message: {name} refused
"#
    )
}

/// The responses with rules (a Pod policy's autogen copies answer a Pod
/// with none), by policy name.
fn names_and_statuses(
    policies: &[verno::model::response::PolicyResponse],
) -> Vec<(String, Vec<RuleStatus>)> {
    policies
        .iter()
        .filter(|p| !p.rules.is_empty())
        .map(|p| {
            (
                p.policy.name.clone(),
                p.rules.iter().map(|r| r.status).collect(),
            )
        })
        .collect()
}

#[test]
fn cluster_policy_and_validating_policy_are_judged_in_one_run() {
    // The ValidatingPolicy is loaded first, but Kyverno judges it after
    // every kyverno.io policy.
    let text = [
        vpol("no-update-cel", "request.operation != 'UPDATE'"),
        deny_updates("created"),
    ]
    .join("---\n");
    let set = PolicySet::from_yaml(&text).unwrap();
    let pod = pod();
    let eval = set
        .run(
            &Request::create(&pod),
            Stages::ALL,
            &mut verno::SharedRequest,
            &NoHost,
        )
        .unwrap();
    assert_eq!(
        names_and_statuses(&eval.policies),
        [
            ("created".to_string(), vec![RuleStatus::Pass]),
            ("no-update-cel".to_string(), vec![RuleStatus::Pass]),
        ]
    );
}

#[test]
fn validating_policy_takes_its_operation_from_the_request_hook() {
    let text = [
        deny_updates("created"),
        vpol("updated", "request.operation != 'UPDATE'"),
    ]
    .join("---\n");
    let set = PolicySet::from_yaml(&text).unwrap();
    let pod = pod();
    let mut hook = OneUpdate::default();
    let eval = set
        .run(&Request::create(&pod), Stages::ALL, &mut hook, &NoHost)
        .unwrap();
    assert_eq!(
        names_and_statuses(&eval.policies),
        [
            ("created".to_string(), vec![RuleStatus::Pass]),
            ("updated".to_string(), vec![RuleStatus::Fail]),
        ]
    );
    let asked: Vec<(&str, Stage)> = hook.asked.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    // The ValidatingPolicy is asked about once for itself and once for each
    // autogen copy (pod controllers, cronjobs).
    assert_eq!(
        asked,
        [
            ("created", Stage::Validate),
            ("updated", Stage::Validate),
            ("updated", Stage::Validate),
            ("updated", Stage::Validate)
        ]
    );
}

#[test]
fn validating_policy_judges_the_resource_the_mutate_stage_produced() {
    let text = [
        ADD_LABEL,
        &vpol(
            "needs-team",
            "has(object.metadata.labels) && object.metadata.labels.team == 'web'",
        ),
    ]
    .join("---\n");
    let set = PolicySet::from_yaml(&text).unwrap();
    let pod = pod();
    let eval = set.evaluate(&Request::create(&pod), &NoHost);
    let statuses = names_and_statuses(&eval.policies);
    assert_eq!(
        statuses.last(),
        Some(&("needs-team".to_string(), vec![RuleStatus::Pass]))
    );
}

#[test]
fn namespace_object_of_the_request_reaches_validating_policies() {
    let set = PolicySet::from_yaml(&vpol(
        "prod-only",
        "namespaceObject != null && namespaceObject.metadata.labels.env == 'prod'",
    ))
    .unwrap();
    let pod = pod();
    let ns = json!({"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": "default", "labels": {"env": "prod"}}});
    let status =
        |request: &Request<'_>| names_and_statuses(&set.evaluate(request, &NoHost).policies);
    let with_ns = Request {
        namespace_object: Some(&ns),
        ..Request::create(&pod)
    };
    assert_eq!(
        status(&with_ns),
        [("prod-only".to_string(), vec![RuleStatus::Pass])]
    );
    assert_eq!(
        status(&Request::create(&pod)),
        [("prod-only".to_string(), vec![RuleStatus::Fail])]
    );
}

#[test]
fn json_payload_is_judged_only_by_json_mode_policies() {
    let json_mode = r#"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: json-check}
spec:
  evaluation: {mode: JSON}
  validations:
  - expression: "object.size > 2"
    message: too small
"#;
    let text = [json_mode, &vpol("pods", "true"), &deny_updates("created")].join("---\n");
    let set = PolicySet::from_yaml(&text).unwrap();
    let out = set.evaluate_json_payload(&json!({"size": 1}), &NoHost);
    assert_eq!(
        names_and_statuses(&out),
        [("json-check".to_string(), vec![RuleStatus::Fail])]
    );
}
