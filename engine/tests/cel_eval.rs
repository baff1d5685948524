//! The interpreter's behaviours that Kyverno's results depend on, one test
//! per behaviour.

use serde_json::json;
use verno::cel::{to_json, Activation, Env, EnvKind, NumberMode, Program, Val};

fn eval_in(
    kind: EnvKind,
    src: &str,
    doc: &serde_json::Value,
    mode: NumberMode,
) -> Result<serde_json::Value, String> {
    let env = Env::new(kind);
    let program = Program::compile(&env, src).map_err(|e| e.message)?;
    let mut act = Activation::new(mode);
    act.bind_json("object", doc);
    let v = program.eval(&act, &verno::NoHost).map_err(|e| e.message)?;
    to_json(&v).map_err(|e| e.message)
}

fn eval(src: &str) -> Result<serde_json::Value, String> {
    eval_in(
        EnvKind::ValidatingPolicy,
        src,
        &json!({}),
        NumberMode::Exact,
    )
}

fn eval_obj(src: &str, doc: serde_json::Value) -> Result<serde_json::Value, String> {
    eval_in(EnvKind::ValidatingPolicy, src, &doc, NumberMode::Doubles)
}

#[test]
fn missing_keys_fail_with_cel_go_wording() {
    let doc = json!({"metadata": {"name": "x"}});
    assert_eq!(
        eval_obj("object.metadata.labels.app == 'a'", doc.clone()),
        Err("no such key: labels".into())
    );
    assert_eq!(
        eval_obj("object.metadata['labels']", doc),
        Err("no such key: labels".into())
    );
}

#[test]
fn resource_integers_are_doubles_so_int_arithmetic_has_no_overload() {
    let doc = json!({"spec": {"replicas": 3}});
    assert_eq!(
        eval_obj("object.spec.replicas + 1 > 3", doc.clone()),
        Err("no such overload: _+_(double, int)".into())
    );
    // Comparisons and equality cross numeric types.
    assert_eq!(
        eval_obj("object.spec.replicas == 3 && object.spec.replicas > 2", doc),
        Ok(json!(true))
    );
}

#[test]
fn exact_number_mode_keeps_integers_as_ints() {
    let doc = json!({"spec": {"replicas": 3}});
    assert_eq!(
        eval_in(
            EnvKind::ValidatingPolicy,
            "object.spec.replicas + 1",
            &doc,
            NumberMode::Exact
        ),
        Ok(json!(4))
    );
}

#[test]
fn and_or_absorb_errors_from_either_side() {
    assert_eq!(eval("false && {}.a"), Ok(json!(false)));
    assert_eq!(eval("{}.a && false"), Ok(json!(false)));
    assert_eq!(eval("{}.a || true"), Ok(json!(true)));
    assert_eq!(eval("true || {}.a"), Ok(json!(true)));
    assert_eq!(eval("{}.a || false"), Err("no such key: a".into()));
}

#[test]
fn exists_absorbs_an_error_when_a_later_element_satisfies_it() {
    assert_eq!(eval("[0, 1].exists(x, 1 / x > 0)"), Ok(json!(true)));
    assert_eq!(
        eval("[0, 1].all(x, 1 / x > 0)"),
        Err("division by zero".into())
    );
}

#[test]
fn integer_overflow_and_division_by_zero_are_errors() {
    assert_eq!(
        eval("9223372036854775807 + 1"),
        Err("integer overflow".into())
    );
    assert_eq!(
        eval("-9223372036854775808 / -1"),
        Err("integer overflow".into())
    );
    assert_eq!(eval("1 % 0"), Err("modulus by zero".into()));
    assert_eq!(eval("0u - 1u"), Err("unsigned integer overflow".into()));
}

#[test]
fn optional_chaining_reaches_absent_fields_as_none() {
    let doc = json!({"spec": {"containers": [{"name": "a"}]}});
    assert_eq!(
        eval_in(
            EnvKind::ImageValidatingPolicy,
            "object.spec.containers.all(c, c.?securityContext.?privileged.orValue(false) == false)",
            &doc,
            NumberMode::Doubles
        ),
        Ok(json!(true))
    );
    assert_eq!(
        eval_obj("object.?metadata.?labels['x'].hasValue()", json!({})),
        Ok(json!(false))
    );
}

#[test]
fn or_value_compat_returns_the_default_on_an_error_in_validating_policies() {
    // Kyverno's compat macro: `x.orValue(y)` is `y` when `x` errors.
    assert_eq!(eval("{}.a.orValue(5)"), Ok(json!(5)));
    assert_eq!(eval("(1).orValue(5)"), Ok(json!(1)));
    // Without the macro (ImageValidatingPolicy), orValue on a non-optional has no overload.
    assert_eq!(
        eval_in(
            EnvKind::ImageValidatingPolicy,
            "(1).orValue(5)",
            &json!({}),
            NumberMode::Exact
        ),
        Err("no such overload: orValue(int, int)".into())
    );
}

#[test]
fn two_variable_comprehensions_bind_index_and_value() {
    assert_eq!(
        eval("[10, 20].all(i, v, v == (i + 1) * 10)"),
        Ok(json!(true))
    );
    assert_eq!(
        eval("{'a': 1, 'b': 2}.transformMap(k, v, v * 2)"),
        Ok(json!({"a": 2, "b": 4}))
    );
    assert_eq!(
        eval("[1, 2, 3].transformList(i, v, i > 0, v + i)"),
        Ok(json!([3, 5]))
    );
    // Not in gpol/dpol environments.
    assert!(eval_in(
        EnvKind::GeneratingPolicy,
        "[1].all(i, v, true)",
        &json!({}),
        NumberMode::Exact
    )
    .is_err());
}

#[test]
fn cel_bind_names_a_value_for_its_body() {
    assert_eq!(eval("cel.bind(x, [1, 2], x + x)"), Ok(json!([1, 2, 1, 2])));
}

#[test]
fn namespaced_functions_resolve_when_the_namespace_is_not_a_variable() {
    assert_eq!(eval("math.greatest(1, 5, 3)"), Ok(json!(5)));
    assert_eq!(eval("base64.encode(b'hi')"), Ok(json!("aGk=")));
    assert_eq!(eval("sets.contains([1, 2], [2])"), Ok(json!(true)));
}

#[test]
fn timestamps_and_durations_convert_to_kyverno_json_strings() {
    assert_eq!(
        eval("timestamp('2024-01-02T03:04:05Z') + duration('90m')"),
        Ok(json!("2024-01-02T04:34:05Z"))
    );
    assert_eq!(eval("duration('1h30m')"), Ok(json!("1h30m0s")));
    assert_eq!(
        eval("timestamp('2024-01-02T03:04:05Z').getHours('America/New_York')"),
        Ok(json!(22))
    );
}

#[test]
fn strings_extension_is_version_two() {
    assert_eq!(eval("'a,b'.split(',')"), Ok(json!(["a", "b"])));
    assert_eq!(eval("'%s=%d'.format(['x', 3])"), Ok(json!("x=3")));
    // reverse() is strings v3, which Kyverno does not enable.
    assert_eq!(
        eval("'abc'.reverse()"),
        Err("no such overload: reverse(string)".into())
    );
}

#[test]
fn compile_errors_print_as_cel_go_issues() {
    let env = Env::new(EnvKind::ValidatingPolicy);
    let e = Program::compile(&env, "object.x +").unwrap_err();
    assert!(e.message.starts_with("ERROR: <input>:1:"), "{}", e.message);
    assert!(e.message.contains("\n | object.x +\n | "), "{}", e.message);
    assert_eq!(e.line, 1);
}

#[test]
fn lazy_variables_are_evaluated_once_on_first_use() {
    let env = Env::new(EnvKind::ValidatingPolicy);
    let var = Program::compile(&env, "object.spec.replicas * 2.0").unwrap();
    let check = Program::compile(&env, "variables.twice > 4.0").unwrap();
    let doc = json!({"spec": {"replicas": 3}});
    let mut act = Activation::new(NumberMode::Doubles);
    act.bind_json("object", &doc);
    act.bind_variable("twice", &var);
    assert!(matches!(
        check.eval(&act, &verno::NoHost),
        Ok(Val::Bool(true))
    ));
    // A variable that is never used is never evaluated, so its error does not surface.
    let broken = Program::compile(&env, "object.missing").unwrap();
    act.bind_variable("broken", &broken);
    assert!(matches!(
        check.eval(&act, &verno::NoHost),
        Ok(Val::Bool(true))
    ));
}

#[test]
fn map_literals_with_duplicate_keys_fail() {
    assert_eq!(
        eval("{'a': 1, 'a': 2}"),
        Err("insert failed: key a already exists".into())
    );
}

#[test]
fn heterogeneous_equality_spans_lists_and_maps() {
    assert_eq!(
        eval("[1, 2u, 3.0] == [1.0, 2, 3u] && {'a': 1} == {'a': 1.0}"),
        Ok(json!(true))
    );
    assert_eq!(eval("1 == 'a'"), Ok(json!(false)));
}

#[test]
fn type_values_compare_by_name() {
    assert_eq!(
        eval("type(1) == int && type([]) == list && type(null) == null_type"),
        Ok(json!(true))
    );
}

#[test]
fn presence_tests_on_values_without_fields_are_false() {
    let doc = json!({"spec": {"name": "x"}});
    assert_eq!(
        eval_obj("has(object.spec.name.first)", doc.clone()),
        Ok(json!(false))
    );
    assert_eq!(
        eval_obj("object.spec.name.?first.hasValue()", doc),
        Ok(json!(false))
    );
}

#[test]
fn environments_and_programs_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Env>();
    assert_send_sync::<Program>();
    let env = Env::new(EnvKind::ValidatingPolicy);
    let program = std::sync::Arc::new(Program::compile(&env, "1 + 1 == 2").unwrap());
    let p = std::sync::Arc::clone(&program);
    let r = std::thread::spawn(move || {
        matches!(
            p.eval(&Activation::new(NumberMode::Exact), &verno::NoHost),
            Ok(Val::Bool(true))
        )
    })
    .join()
    .unwrap();
    assert!(r);
}

#[test]
fn logical_operators_on_non_booleans_fail_with_a_bare_no_such_overload() {
    assert_eq!(eval("dyn(1) && true"), Err("no such overload".into()));
    assert_eq!(eval("dyn('a') || {}.x"), Err("no such overload".into()));
    assert_eq!(eval("{}.x || dyn('a')"), Err("no such key: x".into()));
}
