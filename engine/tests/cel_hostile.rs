//! Hostile CEL: deep nesting, multiplying comprehensions, huge strings and
//! lists. Each ends with an error, quickly, and never a crash or a hang.

use std::time::{Duration, Instant};
use verno::cel::{Activation, Env, EnvKind, NumberMode, Program};

/// Generous on a loaded 2-core machine; the real cost is milliseconds.
const FAST: Duration = Duration::from_secs(5);

/// Compiles and evaluates `src`; the error text (compile or evaluation).
fn run_err(src: &str) -> String {
    let env = Env::new(EnvKind::ValidatingPolicy);
    let start = Instant::now();
    let out = match Program::compile(&env, src) {
        Err(e) => e.message,
        Ok(p) => {
            let act = Activation::new(NumberMode::Doubles);
            match p.eval(&act, &verno::NoHost) {
                Ok(v) => panic!("expected an error, got {v:?}"),
                Err(e) => e.message,
            }
        }
    };
    assert!(
        start.elapsed() < FAST,
        "took {:?}: {}",
        start.elapsed(),
        out
    );
    out
}

#[test]
fn deeply_nested_parentheses_are_a_compile_error() {
    let src = format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000));
    let e = run_err(&src);
    assert!(e.contains("ERROR: <input>"), "{e}");
}

#[test]
fn deeply_nested_lists_are_a_compile_error() {
    for n in [300, 5_000] {
        let src = format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let e = run_err(&src);
        assert!(e.contains("expression nesting exceeds the limit"), "{e}");
    }
}

#[test]
fn nesting_inside_string_literals_is_not_counted() {
    let env = Env::new(EnvKind::ValidatingPolicy);
    let src = format!("'{}' != ''", "[".repeat(500));
    assert!(Program::compile(&env, &src).is_ok());
}

#[test]
fn long_operator_chains_are_bounded() {
    let src = vec!["1"; 20_000].join(" + ");
    let e = run_err(&src);
    assert!(
        e.contains("expression operator count exceeds the limit"),
        "{e}"
    );
}

#[test]
fn expressions_longer_than_the_size_limit_are_refused() {
    let src = format!("'{}'", "a".repeat(200_000));
    let e = run_err(&src);
    assert!(
        e.contains("expression code point size exceeds limit"),
        "{e}"
    );
}

#[test]
fn multiplying_comprehensions_exceed_the_cost_limit() {
    let e = run_err("lists.range(1000).map(x, lists.range(1000).map(y, x * y)).size() > 0");
    assert_eq!(e, "operation cancelled: actual cost limit exceeded");
}

#[test]
fn nested_quantifiers_over_a_large_range_exceed_the_cost_limit() {
    let e = run_err("lists.range(2000).all(x, lists.range(2000).all(y, x + y >= 0))");
    assert_eq!(e, "operation cancelled: actual cost limit exceeded");
}

#[test]
fn string_doubling_exceeds_the_cost_limit() {
    let mut src = String::from("s.size() > 0");
    for _ in 0..64 {
        src = format!("cel.bind(s, s + s, {src})");
    }
    let src = format!("cel.bind(s, 'xxxxxxxxxxxxxxxx', {src})");
    let e = run_err(&src);
    assert_eq!(e, "operation cancelled: actual cost limit exceeded");
}

#[test]
fn list_doubling_exceeds_the_cost_limit() {
    let mut src = String::from("l.size() > 0");
    for _ in 0..64 {
        src = format!("cel.bind(l, l + l, {src})");
    }
    let src = format!("cel.bind(l, [1, 2, 3, 4, 5, 6, 7, 8], {src})");
    let e = run_err(&src);
    assert_eq!(e, "operation cancelled: actual cost limit exceeded");
}

#[test]
fn huge_ranges_are_refused_before_allocating() {
    let e = run_err("lists.range(1000000000).size() > 0");
    assert_eq!(e, "operation cancelled: actual cost limit exceeded");
}

#[test]
fn replace_that_explodes_a_string_is_refused_before_building_it() {
    let big = "x".repeat(1000);
    let e = run_err(&format!(
        "'{big}'.replace('', '{big}').replace('', '{big}').size() > 0"
    ));
    assert_eq!(e, "operation cancelled: actual cost limit exceeded");
}

#[test]
fn a_regex_that_compiles_to_a_huge_program_is_an_error() {
    let e = run_err("'a'.matches('((a{100}){100}){100}')");
    assert!(e.starts_with("error parsing regexp"), "{e}");
}

#[test]
fn errors_absorbed_by_or_do_not_swallow_the_cost_limit() {
    let e = run_err(
        "lists.range(3000).exists(x, lists.range(3000).exists(y, x == -1) || true == false)",
    );
    assert_eq!(e, "operation cancelled: actual cost limit exceeded");
}

#[test]
fn long_chains_of_variables_stop_at_the_nesting_limit() {
    let env = Env::new(EnvKind::ValidatingPolicy);
    let mut programs = vec![Program::compile(&env, "1").unwrap()];
    for i in 1..5_000 {
        programs.push(Program::compile(&env, &format!("variables.v{} + 1", i - 1)).unwrap());
    }
    let mut act = Activation::new(NumberMode::Exact);
    for (i, p) in programs.iter().enumerate() {
        act.bind_variable(&format!("v{i}"), p);
    }
    let check = Program::compile(&env, "variables.v4999 > 0").unwrap();
    let start = Instant::now();
    let e = check.eval(&act, &verno::NoHost).unwrap_err();
    assert!(start.elapsed() < FAST);
    assert_eq!(e.message, "variables nest deeper than 64 levels");
}

#[test]
fn a_variable_that_uses_itself_is_an_error() {
    let env = Env::new(EnvKind::ValidatingPolicy);
    let p = Program::compile(&env, "variables.me + 1").unwrap();
    let mut act = Activation::new(NumberMode::Exact);
    act.bind_variable("me", &p);
    let e = p.eval(&act, &verno::NoHost).unwrap_err();
    assert_eq!(e.message, "variable 'me' refers to itself");
}
