//! cel-go's runtime (actual) cost, as Kubernetes and Kyverno bound it:
//! `OptTrackCost` with `CostLimit(PerCallLimit = 1,000,000)` for VAP,
//! validate.cel and ValidatingPolicy, none for GeneratingPolicy.
//!
//! The costs below are computed from cel-go's `interpreter/runtimecost.go`
//! (constants 0; an attribute's root 1 and each qualifier 1; a call 1 unless
//! its overload is charged by size; a non-constant list literal 10; `&&`,
//! `||`, `?:` and comprehensions nothing of their own) with Kubernetes'
//! program options (`OptOptimize`: constant list literals cost nothing;
//! `PresenceTestHasCost(false)`). Several are cel-go's own test cases
//! (`interpreter/runtimecost_test.go`), adjusted where they use literals
//! that `OptOptimize` folds.

use serde_json::{json, Value};
use verno::cel::{Activation, Env, EnvKind, NumberMode, Program};
use verno::unstable::vpol::{evaluate, VpolRequest};
use verno::{NoHost, PolicySet, Request, RuleStatus};

const EXCEEDED: &str = "operation cancelled: actual cost limit exceeded";

/// The actual cost of `src` in the ValidatingPolicy environment, with the
/// top-level keys of `vars` as variables.
fn cost(src: &str, vars: &Value) -> u64 {
    let env = Env::new(EnvKind::ValidatingPolicy);
    let program = Program::compile_unchecked(&env, src).expect("compiles");
    let mut act = Activation::new(NumberMode::Exact);
    let obj = vars.as_object().expect("an object");
    for (k, v) in obj {
        act.bind_json(k, v);
    }
    let (r, cost) = program.eval_with_cost(&act, &NoHost);
    r.unwrap_or_else(|e| panic!("{src}: {e}"));
    cost
}

#[test]
fn constants_cost_nothing_and_attributes_cost_their_root_and_qualifiers() {
    assert_eq!(cost("'Hello World!'", &json!({})), 0);
    assert_eq!(cost("input", &json!({"input": 1})), 1);
    // The root and the qualifier.
    assert_eq!(cost("input['key']", &json!({"input": {"key": 1}})), 2);
    assert_eq!(cost("input.key", &json!({"input": {"key": 1}})), 2);
    // `'ke' + 'y'`: ceil(3 × 0.1) = 1, and the computed qualifier 1.
    assert_eq!(cost("input['ke' + 'y']", &json!({"input": {"key": 1}})), 3);
    // A constant list literal is folded by OptOptimize: 0, not 10.
    assert_eq!(cost("[1, 2, 3]", &json!({})), 0);
    assert_eq!(cost("[x, 2, 3]", &json!({"x": 1})), 11);
    assert_eq!(cost("{'a': x}", &json!({"x": 1})), 31);
}

#[test]
fn presence_tests_cost_nothing_beyond_their_qualifiers() {
    // The root 1 + `a` 1 + the tested `b` 1 − the presence test 1.
    assert_eq!(cost("has(o.a.b)", &json!({"o": {"a": {"b": 1}}})), 2);
    assert_eq!(cost("has(o.a)", &json!({"o": {"a": 1}})), 1);
}

#[test]
fn optional_qualifiers_cost_only_when_present() {
    let o = json!({"o": {"a": {"b": 1}}});
    // `o` 1, `a` 1, `b` 1, `orValue` 1.
    assert_eq!(cost("o.?a.?b.orValue(2)", &o), 4);
    // `o` 1, `a` 1, absent `c` 0, `orValue` 1.
    assert_eq!(cost("o.?a.?c.orValue(2)", &o), 3);
    // After an absent qualifier nothing more is applied.
    assert_eq!(cost("o.?x.?y.orValue(2)", &o), 2);
}

#[test]
fn logical_operators_and_the_ternary_cost_nothing_of_their_own() {
    let vars = json!({"a": false, "b": false, "c": false, "d": false});
    assert_eq!(cost("a || b || c || d", &vars), 4);
    assert_eq!(cost("true ? false : 1 > 3", &json!({})), 0);
    assert_eq!(cost("false ? false : 1 > 3", &json!({})), 1);
    // cel-go: x 1, `>` 1; the chosen branch is an attribute whose root is
    // not observed; one iteration: `@not_strictly_false(@result)` 2 and
    // `@result && true` 1; the result 1.
    let vars = json!({"x": 1, "input1": [{}], "input2": [{}]});
    assert_eq!(cost("(x > 2 ? input1 : input2).all(y, true)", &vars), 6);
}

#[test]
fn string_functions_are_charged_by_size() {
    // min(20, 30) × 0.1.
    assert_eq!(
        cost(
            "'12345678901234567890' == '123456789012345678901234567890'",
            &json!({})
        ),
        2
    );
    // ceil((1 + 3) × 0.1) × ceil(5 × 0.25).
    assert_eq!(cost("'123'.matches('[0-9]')", &json!({})), 2);
    // An empty operand: min size 0.
    assert_eq!(cost("s == ''", &json!({"s": "abc"})), 1);
    // A 100-character string: ceil(100 × 0.1) for startsWith.
    let s = "a".repeat(100);
    assert_eq!(cost("s.startsWith('a')", &json!({"s": s})), 11);
}

#[test]
fn comprehensions_cost_their_steps_per_iteration() {
    let l = json!({"l": [1, 2, 3, 4, 5]});
    // cel-go's `[1,2,3,4,5].filter(x, x % 2 == 0)` costs 62: the literal
    // range 10 and the `[]` accumulator 10 (unoptimized). Here the range is
    // a variable (1) and OptOptimize folds `[]` (0): 62 − 10 − 10 + 1.
    assert_eq!(cost("l.filter(x, x % 2 == 0)", &l), 43);
    // `[1,2,3,4,5].map(x, x)` costs 86 in cel-go: likewise 86 − 20 + 1.
    assert_eq!(cost("l.map(x, x)", &l), 67);
    // cel-go's `[1,2,3,4,5].map(x, x).exists(x, x == 5) == true` costs
    // 118; OptOptimize folds the literal range (10) and map's `[]`
    // accumulator (10).
    assert_eq!(
        cost(
            "[1,2,3,4,5].map(x, x).exists(x, x == 5) == true",
            &json!({})
        ),
        98
    );
    // cel-go's "comprehension over map": 9.
    let m = json!({"input": {"val": {"v": 1}}});
    assert_eq!(cost("input.all(k, input[k].v > 3)", &m), 9);
}

/// `lists.range(n).all(x, x >= 0)` costs 6n + 12 in cel-go:
/// `lists.range(n)` n + 1 + 10 (the lists extension's tracker: result size,
/// call, list creation); per element `@not_strictly_false(@result)` 2 and
/// `@result && x >= 0` 3; the result `@result` 1.
/// n = 166,664 costs 999,996 (within 1,000,000); n = 166,665 costs
/// 1,000,002 (over it).
const UNDER: &str = "lists.range(166664).all(x, x >= 0)";
const OVER: &str = "lists.range(166665).all(x, x >= 0)";

#[test]
fn the_cost_of_a_range_quantifier_is_six_per_element_plus_twelve() {
    assert_eq!(cost("lists.range(10).all(x, x >= 0)", &json!({})), 72);
    assert_eq!(cost(UNDER, &json!({})), 999_996);
}

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
}

fn vpol_result(expr: &str) -> (RuleStatus, String) {
    let set = PolicySet::from_yaml(&format!(
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {{name: p}}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}}\n  validations:\n  - expression: \"{expr}\"\n"
    ))
    .expect("loads");
    let pod = pod();
    let req = VpolRequest::from_request(&Request::create(&pod));
    let r = evaluate(set.vpols()[0], &req, &NoHost).expect("a response");
    (r.rules[0].status, r.rules[0].message.clone())
}

#[test]
fn validating_policy_expressions_within_the_per_call_cost_limit_pass() {
    assert_eq!(vpol_result(UNDER).0, RuleStatus::Pass);
}

#[test]
fn validating_policy_expressions_over_the_per_call_cost_limit_are_errors() {
    assert_eq!(
        vpol_result(OVER),
        (RuleStatus::Error, format!("error: {EXCEEDED}"))
    );
}

fn validate_cel_result(expr: &str) -> (RuleStatus, String) {
    let set = PolicySet::from_yaml(&format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {{name: p}}\nspec:\n  rules:\n  - name: check\n    match:\n      any:\n      - resources: {{kinds: [Pod]}}\n    validate:\n      cel:\n        expressions:\n        - expression: \"{expr}\"\n"
    ))
    .expect("loads");
    let pod = pod();
    let rules: Vec<_> = set
        .evaluate(&Request::create(&pod), &NoHost)
        .policies
        .into_iter()
        .flat_map(|p| p.rules)
        .collect();
    assert_eq!(rules.len(), 1, "{rules:?}");
    (rules[0].status, rules[0].message.clone())
}

#[test]
fn validate_cel_expressions_within_the_per_call_cost_limit_pass() {
    assert_eq!(validate_cel_result(UNDER).0, RuleStatus::Pass);
}

#[test]
fn validate_cel_expressions_over_the_per_call_cost_limit_fail_with_the_validators_wording() {
    assert_eq!(
        validate_cel_result(OVER),
        (
            RuleStatus::Fail,
            format!("expression '{OVER}' resulted in error: {EXCEEDED}")
        )
    );
}

fn vap_result(expr: &str) -> (RuleStatus, String) {
    let set = PolicySet::from_yaml(&format!(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: p}}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}}\n  validations:\n  - expression: \"{expr}\"\n"
    ))
    .expect("loads");
    let pod = pod();
    let req = VpolRequest::from_request(&Request::create(&pod));
    let vaps: Vec<_> = set
        .vpols()
        .into_iter()
        .filter(|p| p.vap.is_some())
        .collect();
    let r = evaluate(vaps[0], &req, &NoHost).expect("a response");
    (r.rules[0].status, r.rules[0].message.clone())
}

#[test]
fn validating_admission_policy_expressions_within_the_per_call_cost_limit_pass() {
    assert_eq!(vap_result(UNDER).0, RuleStatus::Pass);
}

#[test]
fn validating_admission_policy_expressions_over_the_per_call_cost_limit_are_errors() {
    assert_eq!(
        vap_result(OVER),
        (
            RuleStatus::Error,
            format!("expression '{OVER}' resulted in error: {EXCEEDED}")
        )
    );
}

#[test]
fn generating_policies_have_no_per_call_cost_limit() {
    // Kyverno builds gpol (and dpol) environments without the k8s base
    // env: the same expression runs to the end (our own work bound is
    // far above it).
    let env = Env::new(EnvKind::GeneratingPolicy);
    let program = Program::compile(&env, OVER).expect("compiles");
    let act = Activation::new(NumberMode::Exact);
    let (r, cost) = program.eval_with_cost(&act, &NoHost);
    assert!(matches!(r, Ok(verno::cel::Val::Bool(true))), "{r:?}");
    assert_eq!(cost, 1_000_002);
}
