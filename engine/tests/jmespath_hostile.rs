//! Hostile JMESPath expressions: each must end in an error (or a result)
//! quickly, never hang, exhaust memory, overflow the stack or panic.
//!
//! Policies are often written by people other than those running the
//! engine, and `{{ }}` substitution pastes resource data into expressions,
//! so the expression text is untrusted input.
//!
//! Stack: the cases run on a thread with a small stack to prove that the
//! depth limits bound recursion. 256 KiB is the claim for optimised builds
//! (`cargo test --release`); unoptimised builds reserve several times more
//! stack per frame (every temporary gets its own slot), so debug runs use
//! 1 MiB, which is still half of a spawned thread's default.

use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use verno::host::{Host, HostError, Timestamp};
use verno::unstable::jmespath::{compile, function_signatures, Dialect, JmespathError, Runtime};

const SMALL_STACK: usize = if cfg!(debug_assertions) {
    1 << 20
} else {
    256 << 10
};

/// Generous wall-clock bound per case: the slowest legitimate case (an
/// expression that runs the whole step budget) takes about 3 s unoptimised.
const DEADLINE: Duration = Duration::from_secs(60);

/// A host with a fixed clock and a deterministic "random" source, so that
/// `time_now`, `time_since` and `random` run their real code paths.
struct TestHost;

impl Host for TestHost {
    fn now(&self) -> Result<Timestamp, HostError> {
        Ok(Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        })
    }

    fn random_u64(&self) -> Result<u64, HostError> {
        Ok(0x9E37_79B9_7F4A_7C15)
    }
}

fn runtime(dialect: Dialect) -> Runtime<'static> {
    Runtime {
        dialect,
        host: &TestHost,
    }
}

/// Compiles and evaluates `expr` on `data` (Kyverno dialect) on a thread
/// with a small stack, failing the test if it takes longer than
/// [`DEADLINE`]. A stack overflow aborts the whole test binary, which is
/// also a failure.
fn eval_small_stack(expr: String, data: Value) -> Result<Value, JmespathError> {
    let (tx, rx) = mpsc::channel();
    let shown: String = expr.chars().take(80).collect();
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || {
            let out = compile(&expr).and_then(|c| c.search(&data, &runtime(Dialect::Kyverno)));
            let _ = tx.send(out);
        })
        .expect("spawn");
    match rx.recv_timeout(DEADLINE) {
        Ok(out) => out,
        Err(e) => panic!("`{shown}...` did not finish: {e}"),
    }
}

fn expect_err(expr: String, data: Value, needle: &str) {
    let shown: String = expr.chars().take(60).collect();
    match eval_small_stack(expr, data) {
        Err(e) => assert!(
            e.to_string().contains(needle),
            "`{shown}...`: error {e:?} does not mention {needle:?}"
        ),
        Ok(v) => panic!(
            "`{shown}...` should fail, gave {}",
            v.to_string().chars().take(80).collect::<String>()
        ),
    }
}

fn nested(open: &str, middle: &str, close: &str, n: usize) -> String {
    format!("{}{middle}{}", open.repeat(n), close.repeat(n))
}

fn chain(item: &str, sep: &str, n: usize) -> String {
    vec![item; n].join(sep)
}

/// Every construct that nests, written 100 000 levels deep.
fn deep_cases(n: usize) -> Vec<(&'static str, String)> {
    vec![
        ("parens", nested("(", "a", ")", n)),
        ("lists", nested("[", "a", "]", n)),
        ("hashes", nested("{a:", "a", "}", n)),
        ("filters", nested("[?", "a", "]", n)),
        ("functions", nested("not_null(", "a", ")", n)),
        ("function args", nested("merge(a, ", "a", ")", n)),
        ("exprefs", nested("map(&", "a", ", a)", n)),
        ("nots", format!("{}a", "!".repeat(n))),
        ("ampersands", format!("{}a", "& ".repeat(n))),
        ("dots", chain("a", ".", n)),
        ("ors", chain("a", " || ", n)),
        ("ands", chain("a", " && ", n)),
        ("pipes", chain("a", " | ", n)),
        ("comparators", chain("a", " == ", n)),
        ("indexes", format!("a{}", "[0]".repeat(n))),
        ("projections", format!("a{}", "[*]".repeat(n))),
        ("flattens", format!("a{}", "[]".repeat(n))),
        ("value projections", chain("*", ".", n)),
        ("slices", format!("a{}", "[1:2]".repeat(n))),
        ("filter chain", format!("a{}", "[?b]".repeat(n))),
    ]
}

#[test]
fn deep_nesting_is_a_syntax_error() {
    for (name, expr) in deep_cases(100_000) {
        let started = Instant::now();
        match eval_small_stack(expr, json!({"a": 1})) {
            Err(JmespathError::Syntax { message, .. }) => assert!(
                message.contains("nested too deeply"),
                "{name}: unexpected syntax error {message}"
            ),
            other => panic!("{name}: expected a syntax error, got {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name}: took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn nesting_just_below_the_limit_evaluates_on_a_small_stack() {
    // 120 levels of everything (the limit is 128 AST levels; real policies
    // stay below 12), on data as deep.
    let mut data = json!({"leaf": true});
    for _ in 0..130 {
        data = json!({"a": data});
    }
    for (name, expr) in deep_cases(60) {
        let r = eval_small_stack(expr.clone(), data.clone());
        assert!(
            !matches!(r, Err(JmespathError::Syntax { .. })),
            "{name} at 60 levels: {r:?}"
        );
    }
    for n in [118, 120] {
        for expr in [
            nested("(", "a", ")", n),
            nested("[", "a", "]", n),
            nested("{a:", "a", "}", n),
            nested("not_null(", "a", ")", n),
            nested("to_string(", "a", ")", n),
            format!("{}a", "!".repeat(n)),
            chain("a", ".", n),
            chain("a", " || ", n),
            chain("a", " | ", n),
            format!("a{}", "[*].a".repeat(n / 2)),
        ] {
            let shown: String = expr.chars().take(40).collect();
            let r = eval_small_stack(expr, data.clone());
            assert!(r.is_ok(), "`{shown}...` ({n}): {r:?}");
        }
    }
}

#[test]
fn huge_literals_and_numbers() {
    let long = "x".repeat(4 << 20);
    assert_eq!(
        eval_small_stack(format!("length('{long}')"), json!({})),
        Ok(json!(4194304.0))
    );
    assert!(matches!(
        eval_small_stack(format!("\"{long}\""), json!({})),
        Err(JmespathError::UnknownKey(k)) if k.len() == long.len()
    ));
    expect_err(
        format!("`{}`", nested("[", "1", "]", 100_000)),
        json!({}),
        "recursion limit",
    );
    expect_err(
        format!("`{}`", nested("{\"a\":", "1", "}", 100_000)),
        json!({}),
        "recursion limit",
    );
    expect_err("`1e400`".into(), json!({}), "SyntaxError");
    expect_err(
        format!("a[{}]", "9".repeat(100)),
        json!({"a": [1]}),
        "SyntaxError",
    );
    expect_err(
        format!("a[{}:]", "9".repeat(100)),
        json!({"a": [1]}),
        "SyntaxError",
    );
    expect_err(format!("`{}`", "9".repeat(400)), json!({}), "SyntaxError");
    for (expr, want) in [
        ("a[-9223372036854775808]", Value::Null),
        ("a[9223372036854775807]", Value::Null),
        (
            "a[-9223372036854775808:9223372036854775807:9223372036854775807]",
            json!([1]),
        ),
        ("a[::-9223372036854775808]", json!([3])),
        (
            "`123456789012345678901234567890`",
            json!(1.2345678901234568e29),
        ),
        (
            "abs(`-1.7976931348623157e308`)",
            json!(1.7976931348623157e308),
        ),
    ] {
        assert_eq!(
            eval_small_stack(expr.into(), json!({"a": [1, 2, 3]})),
            Ok(want),
            "{expr}"
        );
    }
    // Function arguments with extreme numbers: results or errors, no panic.
    for expr in [
        "truncate('abc', `1e300`)",
        "truncate('abc', `-1e300`)",
        "replace('aaa', 'a', 'b', `1e300`)",
        "replace('aaa', 'a', 'b', `-1e300`)",
        "round(`1.5`, `1e300`)",
        "round(`1.5`, `-1e300`)",
        "round(`1e308`, `2`)",
        "lookup(a, `1e300`)",
        "lookup(a, `-1e300`)",
        "multiply('1E18', `1e300`)",
        "multiply('1Ei', `1e300`)",
        "divide('1e18', `1e-300`)",
        "divide(`1`, `5e-324`)",
        "modulo(`1e300`, `7`)",
        "modulo('9223372036854775807', '2')",
        "add('999999999999999999999999999999Ei', '1n')",
        "subtract('-9223372036854775808', '1')",
        "multiply('2562047h', `1e300`)",
        "add('2562047h', '2562047h')",
        "divide('1ns', `1e-300`)",
        "time_add('9999-12-31T23:59:59Z', '2562047h')",
        "time_add('0001-01-01T00:00:00Z', '-2562047h')",
        "time_truncate('2021-01-01T00:00:00Z', '2562047h')",
        "time_parse('0', '9223372036854775807')",
        "time_parse('0', '-9223372036854775808')",
        "time_since('', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z')",
        "time_diff('0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z')",
        "semver_compare('99999999999999999999999.0.0', '>=1.0.0')",
        "to_number('1e999')",
        "to_string(`1e308`)",
    ] {
        let r = eval_small_stack(expr.into(), json!({"a": [1, 2, 3]}));
        // The interesting property is "returned at all"; print for review.
        eprintln!("{expr} -> {r:?}");
    }
}

#[test]
fn exponential_values_hit_the_evaluation_budget() {
    // Multi-selects share their parts, so each stage doubles the size of
    // the value at constant cost; materialising, comparing or serialising
    // it would take 2^40 steps.
    for tail in [
        "",
        " | @ == @",
        " | length(to_string(@))",
        " | sort_by(@, &to_string(@))",
    ] {
        expect_err(
            format!("{}{tail}", chain("[@,@]", " | ", 40)),
            json!(1),
            "limit of",
        );
    }
    expect_err(chain("{a:@,b:@}", " | ", 40), json!(1), "limit of");
    expect_err(
        format!("[{}]", chain("@", ",", 2000)) + &" | [@, @]".repeat(40),
        json!({"a": "b"}),
        "limit of",
    );
    expect_err("[@,@,@,@,@,@,@,@,@,@][]".repeat(9), json!(1), "limit of");
}

#[test]
fn string_growth_is_capped() {
    // Each stage multiplies the length; 80 stages would reach terabytes.
    for stage in [
        " | replace(@, '', @, `-1`)",
        " | replace_all(@, '', @)",
        " | replace_all(@, 'a', @)",
        " | regex_replace_all('', @, @)",
        " | regex_replace_all('(?s)^.*$', @, '$0$0$0$0')",
        " | regex_replace_all('(?s)^(.*)$', @, '${1}${1}${1}${1}')",
        " | regex_replace_all_literal('', @, @)",
        " | join(@, split(@, ''))",
        " | join('', [@, @, @, @, @, @, @, @])",
        " | to_string([@, @, @, @, @, @, @, @])",
    ] {
        expect_err(
            format!("'abcdefghija'{}", stage.repeat(80)),
            json!({}),
            "result is longer than",
        );
    }
    // Functions that grow by a constant factor are checked on return.
    expect_err(
        "base64_encode(s)".into(),
        json!({"s": "x".repeat(13 << 20)}),
        "result is longer than",
    );
}

/// A 1 171 200-character string built from a ten-character literal by
/// functions alone (each stage is cheap: the step budget charges string
/// bytes by the 64).
const BIG_STRING: &str = "'abcdefghij' | replace_all(@, '', @) | replace_all(@, '', @) \
     | join('', [@, @, @, @, @, @, @, @, @, @]) | join('', [@, @, @, @, @, @, @, @])";

/// The same as an array of one-character strings.
fn big_array() -> String {
    format!("{BIG_STRING} | split(@, '')")
}

#[test]
fn function_work_is_charged_to_the_evaluation_budget() {
    // The input is built without running out of budget...
    assert_eq!(
        eval_small_stack(format!("{BIG_STRING} | length(@)"), json!({})),
        Ok(json!(1_171_200.0))
    );
    // ...and every function below does at least linear work on it. Each
    // expression repeats that work a hundred times or more (pipes nest, so
    // chains stay under the depth limit): more than the budget, so
    // uncharged they would return a value after seconds of CPU; charged,
    // each ends in the budget error after a few calls.
    let arr = big_array();
    let numbers = format!("{arr} | map(&length(@), @)");
    let chains = [
        format!("{arr}{}", " | sort(@)".repeat(100)),
        format!("{arr}{}", " | sort_by(@, &@)".repeat(100)),
        format!("{arr}{}", " | reverse(@)".repeat(100)),
        format!("{arr}{}", " | map(&@, @)".repeat(100)),
        format!("{arr} | [{}]", vec!["contains(@, 'z')"; 5000].join(", ")),
        format!("{arr} | [{}]", vec!["max(@)"; 5000].join(", ")),
        format!("{arr} | [{}]", vec!["min(@)"; 5000].join(", ")),
        format!("{arr} | [{}]", vec!["length(join('', @))"; 5000].join(", ")),
        format!(
            "{arr} | [{}]",
            vec!["length(to_string(@))"; 5000].join(", ")
        ),
        format!(
            "{arr} | [{}]",
            vec!["length(object_from_lists(@, @))"; 5000].join(", ")
        ),
        format!("{arr} | items(@, 'k', 'v')"),
        format!(
            "{arr} | [{}]",
            vec!["length(items(@, 'k', 'v'))"; 5000].join(", ")
        ),
        format!("{numbers} | [{}]", vec!["sum(@)"; 5000].join(", ")),
        format!("{numbers} | [{}]", vec!["avg(@)"; 5000].join(", ")),
        format!(
            "{BIG_STRING} | [{}]",
            vec!["length(to_upper(@))"; 5000].join(", ")
        ),
        format!(
            "{BIG_STRING} | [{}]",
            vec!["length(base64_encode(@))"; 5000].join(", ")
        ),
        format!("{BIG_STRING} | [{}]", vec!["sha256(@)"; 5000].join(", ")),
        format!("{BIG_STRING} | [{}]", vec!["length(@)"; 50000].join(", ")),
        format!(
            "{BIG_STRING} | [{}]",
            vec!["regex_match('z', @)"; 5000].join(", ")
        ),
        format!(
            "{BIG_STRING} | [{}]",
            vec!["length(split(@, 'a'))"; 5000].join(", ")
        ),
        format!(
            "{BIG_STRING} | to_string(split(@, '')) | [{}]",
            vec!["length(parse_json(@))"; 100].join(", ")
        ),
    ];
    for expr in chains {
        let started = Instant::now();
        let shown: String = expr.chars().skip(BIG_STRING.len()).take(60).collect();
        expect_err(expr, json!({}), "limit of");
        eprintln!("{shown}: {:?}", started.elapsed());
    }
}

/// `*` backtracks: matching costs up to pattern length times text length.
#[test]
fn glob_matching_long_patterns_against_long_text_runs_out_of_budget() {
    let pattern = format!("*{}b", "a".repeat(20_000));
    expect_err(
        "pattern_match(p, s)".into(),
        json!({"p": pattern, "s": "a".repeat(1 << 20)}),
        "limit of",
    );
    // Ordinary patterns on long text stay well within the budget.
    assert_eq!(
        eval_small_stack(
            "pattern_match('*b', s)".into(),
            json!({"s": "a".repeat(1 << 20)})
        ),
        Ok(json!(false))
    );
}

/// Splitting the longest allowed string into one-character strings would
/// take about a gigabyte; the elements are charged before any is built.
#[test]
fn splitting_a_huge_string_runs_out_of_budget_before_allocating() {
    expect_err(
        format!(
            "{BIG_STRING} | join('', [@, @, @, @, @, @, @, @, @, @, @, @, @, @]) | split(@, '')"
        ),
        json!({}),
        "limit of",
    );
}

#[test]
fn pathological_regexes_are_rejected() {
    expect_err(
        "regex_match('(a{1000}){1000}', 'a')".into(),
        json!({}),
        "error parsing regexp",
    );
    expect_err(
        "regex_match(p, 'a')".into(),
        json!({"p": "a".repeat(2 << 20)}),
        "too large",
    );
    expect_err(
        "regex_match(p, 'a')".into(),
        json!({"p": "[^a]{5000}"}),
        "too large",
    );
    expect_err(
        "regex_match(p, 'a')".into(),
        json!({"p": nested("(", "a", ")", 100_000)}),
        "error parsing regexp",
    );
    expect_err(
        "regex_replace_all(p, 'a', 'b')".into(),
        json!({"p": "(((a{100}){100}){100})"}),
        "error parsing regexp",
    );
    // Matching stays linear on long subjects.
    let subject = "a".repeat(1 << 20);
    assert_eq!(
        eval_small_stack(
            "regex_match('^(a+)+$', s)".into(),
            json!({"s": format!("{subject}!")})
        ),
        Ok(json!(false))
    );
    // Computed patterns are compiled once per evaluation and pattern...
    let same: Vec<Value> = (0..5000).map(|_| json!(".{100}")).collect();
    assert!(eval_small_stack("[*].regex_match(@, 'x')".into(), json!(same)).is_ok());
    // ...and each new one is charged, so a list of distinct expensive
    // patterns runs out of budget instead of compiling for minutes.
    let distinct: Vec<Value> = (0..1000).map(|i| json!(format!(".{{1000}}{i}"))).collect();
    expect_err(
        "[*].regex_match(@, 'x')".into(),
        json!(distinct),
        "limit of",
    );
}

#[test]
fn wildcards_and_random_are_bounded() {
    let long = "a".repeat(20_000);
    assert_eq!(
        eval_small_stack(
            format!("pattern_match('{}b', s)", "*a".repeat(50)),
            json!({ "s": long })
        ),
        Ok(json!(false))
    );
    for (pattern, needle) in [
        ("(((a{0}){1000}){1000}){1000}", "too many steps"),
        ("(((a{0,1000}){1000}){1000})", "too"),
        ("[a-z]{1000}[a-z]{1000}[a-z]{1000}", ""),
        ("(a*){1000}", ""),
    ] {
        let r = eval_small_stack(format!("random('{pattern}')"), json!({}));
        match r {
            Err(e) => assert!(e.to_string().contains(needle), "{pattern}: {e}"),
            Ok(v) => assert!(
                needle.is_empty() && v.as_str().is_some_and(|s| s.len() <= 1 << 21),
                "{pattern}"
            ),
        }
    }
    expect_err(
        format!("random('{}')", nested("(", "a", ")", 100_000)),
        json!({}),
        "error parsing regexp",
    );
}

#[test]
fn parsers_of_data_are_bounded() {
    expect_err(
        format!("parse_json('{}')", nested("[", "", "]", 100_000)),
        json!({}),
        "recursion limit",
    );
    expect_err(
        format!("parse_yaml('{}')", nested("[", "", "]", 100_000)),
        json!({}),
        "nested deeper",
    );
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..20 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("a{}", i - 1)
        };
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    expect_err(
        "parse_yaml(s)".into(),
        json!({ "s": bomb }),
        "aliases expand",
    );
    // The deepest YAML the parser accepts, serialised and compared.
    let deep = format!("{}1{}", "[".repeat(250), "]".repeat(250));
    let r = eval_small_stack(
        "parse_yaml(s) | [to_string(@), @ == @, length(@)]".into(),
        json!({ "s": deep }),
    );
    assert!(r.is_ok(), "{r:?}");
}

// ---------------------------------------------------------------------------
// Deterministic mini-fuzz: random expressions from the JMESPath grammar
// (plus Kyverno's functions), mutated and as raw token soup, compiled and
// evaluated in both dialects. Any panic is a bug; so is any hang (each
// evaluation has a step budget, and the whole run a deadline).

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const FIELDS: &[&str] = &[
    "a",
    "b",
    "c",
    "s",
    "n",
    "f",
    "t",
    "d",
    "q",
    "arr",
    "obj",
    "nums",
    "strs",
    "spec",
    "containers",
    "name",
    "image",
    "labels",
    "missing",
    "\"with space\"",
    "\"\"",
];

const RAW_STRINGS: &[&str] = &[
    "''",
    "'a'",
    "'abc'",
    "'1h'",
    "'-1h30m'",
    "'100m'",
    "'12Ki'",
    "'1.5Gi'",
    "'1e3'",
    "'0'",
    "'-0.5'",
    "'2021-01-02T15:04:05Z'",
    "'2021-01-02T15:04:05-07:00'",
    "'2006-01-02'",
    "'^a.*$'",
    "'(a|b)+'",
    "'[[:alpha:]]'",
    "'\\\\d{2,3}'",
    "'$1${2}$name'",
    "'*'",
    "'?a*'",
    "'1.2.3'",
    "'>=1.0.0 <2.0.0'",
    "'1.x'",
    "'true'",
    "'nginx:1.2'",
    "'ghcr.io/a/b@sha256:abc'",
    "'http://10.0.0.1/'",
    "'/a/../b//c/'",
    "'\u{e9}\u{df}\u{130}'",
    "'\\''",
    "'a,b,c'",
    "'{\"a\":1}'",
    "'a: [1, 2]'",
    "'Zm9v'",
    "'-----BEGIN CERTIFICATE-----'",
    "'9223372036854775808'",
];

const JSON_LITERALS: &[&str] = &[
    "`0`",
    "`-1`",
    "`1.5`",
    "`2`",
    "`1e308`",
    "`-1e308`",
    "`5e-324`",
    "`1e21`",
    "`1e-7`",
    "`9007199254740993`",
    "`2147483648`",
    "`-9223372036854775808`",
    "`18446744073709551615`",
    "`[]`",
    "`{}`",
    "`[1,2,3]`",
    "`[\"a\",\"b\"]`",
    "`{\"a\":1,\"b\":[2]}`",
    "`null`",
    "`true`",
    "`false`",
    "`\"s\"`",
    "`\"\\u0000\"`",
    "`[[1],[2,[3]]]`",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "-2",
    "10",
    "9223372036854775807",
    "-9223372036854775808",
];

const TOKENS: &[&str] = &[
    "a",
    "b",
    ".",
    "*",
    "[",
    "]",
    "[?",
    "[]",
    "{",
    "}",
    "(",
    ")",
    ",",
    ":",
    "@",
    "&",
    "!",
    "|",
    "||",
    "&&",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "'",
    "`",
    "\"",
    "'x'",
    "`1`",
    "\"k\"",
    "0",
    "-1",
    "length",
    "to_string",
    "divide",
    "regex_match",
    "&@",
    " ",
    "\\",
    "$",
    "=",
    "\u{e9}",
];

struct Gen {
    rng: Rng,
    functions: Vec<&'static str>,
}

impl Gen {
    fn expr(&mut self, depth: u32) -> String {
        if depth == 0 {
            return self.leaf();
        }
        let d = depth - 1;
        match self.rng.below(22) {
            0..=3 => self.leaf(),
            4 | 5 => format!("{}.{}", self.expr(d), self.rng.pick(FIELDS)),
            6 => format!("{}[{}]", self.expr(d), self.rng.pick(NUMBERS)),
            7 => {
                let parts: Vec<String> = (0..3)
                    .map(|_| {
                        if self.rng.chance(50) {
                            self.rng.pick(NUMBERS).to_string()
                        } else {
                            String::new()
                        }
                    })
                    .collect();
                let step = if self.rng.chance(50) {
                    format!(":{}", parts[2])
                } else {
                    String::new()
                };
                format!("{}[{}:{}{}]", self.expr(d), parts[0], parts[1], step)
            }
            8 => format!("{}[*].{}", self.expr(d), self.rng.pick(FIELDS)),
            9 => format!("{}[]", self.expr(d)),
            10 => format!("{}[?{}]", self.expr(d), self.expr(d)),
            11 => format!("{}.*", self.expr(d)),
            12 => {
                let n = 1 + self.rng.below(3);
                let items: Vec<String> = (0..n).map(|_| self.expr(d)).collect();
                format!("[{}]", items.join(", "))
            }
            13 => {
                let n = 1 + self.rng.below(3);
                let items: Vec<String> =
                    (0..n).map(|i| format!("k{i}: {}", self.expr(d))).collect();
                format!("{{{}}}", items.join(", "))
            }
            14 => {
                let op = self.rng.pick(&["==", "!=", "<", "<=", ">", ">="]);
                format!("{} {op} {}", self.expr(d), self.expr(d))
            }
            15 => format!("{} || {}", self.expr(d), self.expr(d)),
            16 => format!("{} && {}", self.expr(d), self.expr(d)),
            17 => format!("!{}", self.expr(d)),
            18 => format!("{} | {}", self.expr(d), self.expr(d)),
            19 => format!("({})", self.expr(d)),
            _ => self.call(d),
        }
    }

    fn call(&mut self, depth: u32) -> String {
        let name = if self.rng.chance(3) {
            "no_such_function"
        } else {
            let i = self.rng.below(self.functions.len());
            self.functions.get(i).copied().unwrap_or("length")
        };
        let n = self.rng.below(5);
        let args: Vec<String> = (0..n)
            .map(|_| {
                if self.rng.chance(15) {
                    format!("&{}", self.expr(depth))
                } else {
                    self.expr(depth)
                }
            })
            .collect();
        format!("{name}({})", args.join(", "))
    }

    fn leaf(&mut self) -> String {
        match self.rng.below(6) {
            0 | 1 => self.rng.pick(FIELDS).to_string(),
            2 => "@".to_string(),
            3 => self.rng.pick(RAW_STRINGS).to_string(),
            4 => self.rng.pick(JSON_LITERALS).to_string(),
            _ => format!("`{}`", self.rng.pick(NUMBERS)),
        }
    }

    /// Deletes, duplicates or inserts a few random pieces (on char
    /// boundaries), to reach the parser's error paths.
    fn mutate(&mut self, expr: &str) -> String {
        let mut chars: Vec<char> = expr.chars().collect();
        for _ in 0..1 + self.rng.below(3) {
            let at = self.rng.below(chars.len() + 1);
            match self.rng.below(3) {
                0 if !chars.is_empty() => {
                    let end = (at + 1 + self.rng.below(4)).min(chars.len());
                    chars.drain(at.min(end)..end);
                }
                1 => {
                    let tok: Vec<char> = self.rng.pick(TOKENS).chars().collect();
                    chars.splice(at..at, tok);
                }
                _ => {
                    let end = (at + self.rng.below(8)).min(chars.len());
                    let piece: Vec<char> = chars.get(at..end).unwrap_or(&[]).to_vec();
                    chars.splice(at..at, piece);
                }
            }
        }
        chars.into_iter().collect()
    }

    fn soup(&mut self) -> String {
        let n = 1 + self.rng.below(12);
        (0..n).map(|_| self.rng.pick(TOKENS)).collect()
    }
}

fn fuzz_document() -> Value {
    json!({
        "a": {"b": {"c": [1, 2, {"d": "e"}]}, "a": "x"},
        "b": [1, "2", null, true, {"b": 1}, [3, 4]],
        "c": null,
        "s": "Hello World",
        "n": 42,
        "f": -1.5,
        "t": "2021-01-02T15:04:05Z",
        "d": "1h30m",
        "q": "250Mi",
        "arr": ["x", "y", "z"],
        "nums": [3, 1, 2, 1e300, -0.0],
        "strs": ["b", "a", "", "\u{e9}"],
        "obj": {"k1": "v1", "k2": 2, "nested": {"a": [1, 2]}},
        "labels": {"app": "web", "tier": "front"},
        "spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
            {"name": "side", "image": "ghcr.io/x/side@sha256:abcd", "securityContext": {"privileged": true}}
        ]},
        "with space": "yes",
        "": "empty key"
    })
}

#[test]
fn mini_fuzz_never_panics() {
    let started = Instant::now();
    let handle = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            // Overridable for longer exploratory runs, e.g.
            // `VERNO_FUZZ_RUNS=1000000 VERNO_FUZZ_SEED=7 cargo test --release ...`.
            let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
            let runs = env("VERNO_FUZZ_RUNS").unwrap_or(20_000);
            let seed = env("VERNO_FUZZ_SEED").unwrap_or(0x5EED_1234_ABCD_0001) | 1;
            let mut gen = Gen {
                rng: Rng(seed),
                functions: function_signatures().into_iter().map(|(n, _)| n).collect(),
            };
            let doc = fuzz_document();
            let mut panics = Vec::new();
            let (mut compiled, mut evaluated) = (0usize, 0usize);
            for i in 0..runs {
                let expr = match i % 10 {
                    0..=5 => {
                        let depth = 1 + gen.rng.below(5) as u32;
                        gen.expr(depth)
                    }
                    6..=8 => {
                        let e = gen.expr(3);
                        gen.mutate(&e)
                    }
                    _ => gen.soup(),
                };
                for dialect in [Dialect::Kyverno, Dialect::Standard] {
                    let rt = runtime(dialect);
                    let outcome = catch_unwind(AssertUnwindSafe(|| match compile(&expr) {
                        Ok(c) => Some(c.search(&doc, &rt).is_ok()),
                        Err(_) => None,
                    }));
                    match outcome {
                        Ok(Some(ok)) => {
                            compiled += 1;
                            evaluated += usize::from(ok);
                        }
                        Ok(None) => {}
                        Err(_) => panics.push(expr.clone()),
                    }
                }
            }
            (panics, compiled, evaluated, runs)
        })
        .expect("spawn");
    let (panics, compiled, evaluated, runs) = handle.join().expect("fuzz thread");
    eprintln!(
        "mini-fuzz: {runs} expressions x 2 dialects, {compiled} compiled, {evaluated} evaluated without error, {:?}",
        started.elapsed()
    );
    assert!(
        panics.is_empty(),
        "{} expressions panicked, e.g. {:?}",
        panics.len(),
        panics.iter().take(10).collect::<Vec<_>>()
    );
    // The generator must actually reach the evaluator.
    assert!(
        compiled > 10_000 && evaluated > 3_000,
        "{compiled} {evaluated}"
    );
}
