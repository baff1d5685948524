//! Unit tests of the Kyverno dialect and functions. Expected values come
//! from Kyverno's own tests or from running the fork (a1d46ef) and Go 1.19
//! on the same inputs.

use super::*;
use crate::host::{Host, HostError, NoHost, Timestamp};
use serde_json::{json, Value};

struct TestHost;

impl Host for TestHost {
    fn now(&self) -> Result<Timestamp, HostError> {
        // 2023-12-16T01:46:11Z
        Ok(Timestamp {
            seconds: 1_702_691_171,
            nanos: 0,
        })
    }
    fn random_u64(&self) -> Result<u64, HostError> {
        Ok(42)
    }
}

fn kyv(expr: &str, data: &Value) -> Result<Value, JmespathError> {
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &TestHost,
    };
    compile(expr)?.search(data, &rt)
}

fn std_(expr: &str, data: &Value) -> Result<Value, JmespathError> {
    let rt = Runtime {
        dialect: Dialect::Standard,
        host: &NoHost,
    };
    compile(expr)?.search(data, &rt)
}

/// Numbers compared by value, so `3` and `3.0` are the same.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[track_caller]
fn ok(expr: &str, data: Value, expected: Value) {
    match kyv(expr, &data) {
        Ok(v) => assert!(same(&v, &expected), "{expr}: got {v}, expected {expected}"),
        Err(e) => panic!("{expr}: error {e}, expected {expected}"),
    }
}

#[track_caller]
fn err(expr: &str, data: Value, expected: &str) {
    match kyv(expr, &data) {
        Ok(v) => panic!("{expr}: got {v}, expected error {expected}"),
        Err(e) => assert_eq!(e.to_string(), expected, "{expr}"),
    }
}

/// Development aid: evaluates the JSON-lines cases in `$VERNO_JP_CASES`
/// (`{"expr":..,"data":..}`) and prints results in the format of the Go
/// harness used to record the expectations below.
#[test]
#[ignore]
fn diff_harness() {
    let Ok(path) = std::env::var("VERNO_JP_CASES") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        let expr = case["expr"].as_str().unwrap_or("");
        let out = match kyv(expr, &case["data"]) {
            Ok(v) => json!({"result": v}),
            Err(e) => json!({"error": e.to_string()}),
        };
        println!("OUT {out}");
    }
}

fn doc() -> Value {
    json!({
        "a": {"b": {"c": "x"}, "n": 5, "s": "str", "nul": null,
              "objs": [{"k": "v1", "n": 3}, {"k": "v2"}, {"n": 1}]},
        "one": "1",
        "labels": {"tier": "fe", "app": "nginx"}
    })
}

// --- §1.7: the fork's missing-key semantics --------------------------------

#[test]
fn kyverno_missing_key_in_subexpression_is_unknown_key_error() {
    err("a.missing.c", doc(), r#"Unknown key "missing" in path"#);
    err("a.b.missing", doc(), r#"Unknown key "missing" in path"#);
    assert!(kyv("a.b.zzz", &doc()).is_err_and(|e| e.is_unknown_key()));
}

#[test]
fn kyverno_missing_top_level_key_is_unknown_key_error() {
    err("missing", doc(), r#"Unknown key "missing" in path"#);
}

#[test]
fn kyverno_field_of_non_object_is_null_not_error() {
    ok("one.two.three", doc(), Value::Null);
    ok("a.nul.x", doc(), Value::Null);
    ok("a.s.x", doc(), Value::Null);
    ok("a.objs.k", doc(), Value::Null);
}

#[test]
fn kyverno_missing_key_before_index_propagates() {
    err("a.missing[0]", doc(), r#"Unknown key "missing" in path"#);
    ok("a.n[0]", doc(), Value::Null);
}

#[test]
fn kyverno_or_expression_swallows_unknown_key() {
    ok("a.b.missing.c || 'x'", doc(), json!("x"));
    ok("missing || missing2", doc(), Value::Null);
}

#[test]
fn kyverno_and_swallows_left_but_propagates_right_unknown_key() {
    ok("a.missing && 'x'", doc(), Value::Null);
    err("a && a.missing", doc(), r#"Unknown key "missing" in path"#);
}

#[test]
fn kyverno_comparator_swallows_unknown_key() {
    ok("a.missing == 'x'", doc(), json!(false));
    ok("a.missing != 'x'", doc(), json!(true));
    ok("a.missing < `1`", doc(), Value::Null);
}

#[test]
fn kyverno_not_swallows_unknown_key() {
    ok("!(a.missing.b)", doc(), json!(true));
    // `!` binds tighter than `.`: this is `(!a).missing.b`.
    ok("!a.missing.b", doc(), Value::Null);
}

#[test]
fn kyverno_function_arguments_swallow_unknown_key_then_type_check() {
    ok("not_null(a.missing, 'z')", doc(), json!("z"));
    ok("not_null(a.b.missing.c, 'z')", doc(), json!("z"));
    err(
        "length(a.missing)",
        doc(),
        r#"Invalid type for: <nil>, expected: []jmespath.JpType{"string", "array", "object"}"#,
    );
}

#[test]
fn kyverno_pipe_stages_swallow_unknown_key() {
    ok("a.missing | 'y'", doc(), json!("y"));
    ok("a.b | missing", doc(), Value::Null);
}

#[test]
fn kyverno_projections_swallow_unknown_key() {
    ok("a.objs[*].k", doc(), json!(["v1", "v2"]));
    ok("a.objs[].k", doc(), json!(["v1", "v2"]));
    ok("a.missing[*].k", doc(), Value::Null);
    ok("a.missing[].k", doc(), Value::Null);
    ok("a.objs[?k == 'v1'].n", doc(), json!([3]));
    ok("a.objs[?missing == 'x']", doc(), json!([]));
    ok("map(&k, a.objs)", doc(), json!(["v1", "v2", null]));
}

#[test]
fn kyverno_multiselect_elements_swallow_unknown_key() {
    ok("[a.missing, a.s]", doc(), json!([null, "str"]));
    ok(
        "{x: a.missing, y: a.s}",
        doc(),
        json!({"x": null, "y": "str"}),
    );
}

#[test]
fn kyverno_flatten_filter_and_value_projection_swallow_any_error() {
    ok("length(a.n)[]", doc(), Value::Null);
    ok("length(a.n)[?x]", doc(), Value::Null);
    ok("length(a.n).*", doc(), Value::Null);
    // A list projection only swallows the missing key.
    err(
        "length(a.n)[*]",
        doc(),
        r#"Invalid type for: 5, expected: []jmespath.JpType{"string", "array", "object"}"#,
    );
}

#[test]
fn standard_dialect_keeps_spec_errors_and_null_for_missing_keys() {
    assert_eq!(std_("a.missing.c", &doc()), Ok(Value::Null));
    assert_eq!(std_("missing", &doc()), Ok(Value::Null));
    assert!(matches!(
        std_("length(a.n)[]", &doc()),
        Err(JmespathError::InvalidType(_))
    ));
}

#[test]
fn kyverno_keys_values_and_star_follow_sorted_key_order() {
    // Go iterates maps randomly; verno picks key order.
    ok("keys(labels)", doc(), json!(["app", "tier"]));
    ok("values(labels)", doc(), json!(["nginx", "fe"]));
    ok("labels.*", doc(), json!(["nginx", "fe"]));
}

#[test]
fn kyverno_value_projection_runs_rhs_on_leading_nulls() {
    ok(
        "labels.*.to_string(@)",
        doc(),
        json!(["null", "null", "nginx", "fe"]),
    );
    assert_eq!(
        std_("labels.*.to_string(@)", &doc()),
        Ok(json!(["nginx", "fe"]))
    );
}

#[test]
fn kyverno_raw_string_only_escapes_single_quote() {
    ok(r"'a\'b'", json!({}), json!("a'b"));
    ok(r"'a\\b'", json!({}), json!(r"a\\b"));
    ok(r"'\u03a6'", json!({}), json!(r"\u03a6"));
}

#[test]
fn kyverno_unclosed_raw_string_is_syntax_error() {
    err("'abc", json!({}), "SyntaxError: Unclosed delimiter: '");
    err(r"'a\'", json!({}), "SyntaxError: Unclosed delimiter: '");
}

#[test]
fn kyverno_json_literal_must_be_strict_json() {
    assert!(matches!(
        compile("`foo`"),
        Err(JmespathError::Syntax { .. })
    ));
    ok(r#"`"a\`b"`"#, json!({}), json!("a`b"));
}

#[test]
fn kyverno_numbers_compare_by_value() {
    ok("a.n == `5.0`", doc(), json!(true));
    ok("`1` == `1.0`", json!({}), json!(true));
    ok("contains(`[1, 2]`, `2.0`)", json!({}), json!(true));
}

#[test]
fn kyverno_numbers_from_functions_are_floats() {
    let v = kyv("length('ab')", &json!({})).unwrap_or_default();
    assert!(v.is_f64(), "{v}");
    let v = std_("length('ab')", &json!({})).unwrap_or_default();
    assert!(v.is_i64(), "{v}");
}

#[test]
fn kyverno_unknown_function_fails_when_called() {
    let e = compile("foo(@)");
    assert!(e.is_ok());
    err("foo(@)", json!({}), "unknown function: foo");
    // Arguments are evaluated first, so their errors win.
    err("foo(a.missing.x)", doc(), "unknown function: foo");
    err(
        "foo(length(`1`))",
        json!({}),
        r#"Invalid type for: 1, expected: []jmespath.JpType{"string", "array", "object"}"#,
    );
}

#[test]
fn kyverno_functions_without_parameters_accept_any_arguments() {
    ok(
        "time_now_utc('ignored', `1`)",
        json!({}),
        json!("2023-12-16T01:46:11Z"),
    );
    ok("time_now()", json!({}), json!("2023-12-16T01:46:11Z"));
}

#[test]
fn kyverno_type_check_runs_before_the_function() {
    err(
        "to_upper(`1`)",
        json!({}),
        r#"Invalid type for: 1, expected: []jmespath.JpType{"string"}"#,
    );
    err(
        "abs(`null`)",
        json!({}),
        r#"Invalid type for: <nil>, expected: []jmespath.JpType{"number"}"#,
    );
    err("abs()", json!({}), "incorrect number of args");
    err("not_null()", json!({}), "Invalid arity.");
}

#[test]
fn kyverno_sum_replaces_the_builtin() {
    ok("sum(['1Ki', '2Ki'])", json!({}), json!("3Ki"));
    ok("sum([`1`, `2`])", json!({}), json!(3.0));
    err(
        "sum(`[]`)",
        json!({}),
        "JMESPath function 'sum': at least one element in the array is required",
    );
    assert_eq!(std_("sum(`[]`)", &json!({})), Ok(json!(0)));
    assert!(matches!(
        std_("sum(['1Ki'])", &json!({})),
        Err(JmespathError::InvalidType(_))
    ));
}

#[test]
fn standard_dialect_has_no_kyverno_functions() {
    assert_eq!(
        std_("to_upper('a')", &json!({})),
        Err(JmespathError::UnknownFunction("to_upper".into()))
    );
}

#[test]
fn kyverno_non_finite_numbers_become_null() {
    ok("avg(`[]`)", json!({}), Value::Null);
    ok("to_number('NaN')", json!({}), Value::Null);
    ok("avg(`[]`) == avg(`[]`)", json!({}), json!(false));
    assert_eq!(std_("avg(`[]`)", &json!({})), Ok(Value::Null));
}

#[test]
fn kyverno_to_string_is_go_json() {
    ok("to_string(`1.5`)", json!({}), json!("1.5"));
    ok("to_string(`1e21`)", json!({}), json!("1e+21"));
    ok("to_string(`1e-7`)", json!({}), json!("1e-7"));
    ok(
        "to_string(`{\"b\":1,\"a\":\"<&>\"}`)",
        json!({}),
        json!(r#"{"a":"\u003c\u0026\u003e","b":1}"#),
    );
    ok("to_string(`3.0`)", json!({}), json!("3"));
}

#[test]
fn kyverno_to_number_uses_go_parse_float() {
    ok("to_number('1_000')", json!({}), json!(1000));
    ok("to_number('0x1p4')", json!({}), json!(16));
    ok("to_number(' 1')", json!({}), Value::Null);
    ok("to_number('1e999')", json!({}), Value::Null);
    ok("to_number('.5')", json!({}), json!(0.5));
    // readFloat: a hex mantissa needs a 'p' exponent.
    ok("to_number('0x10')", json!({}), Value::Null);
    // special(): a sign is only allowed before Inf/Infinity.
    ok("to_number('-nan')", json!({}), Value::Null);
    ok("to_number('+NaN')", json!({}), Value::Null);
}

#[test]
fn kyverno_to_number_reads_strings_with_go_parse_float_exactly() {
    // A second sign is a syntax error in Go, not a negative number.
    ok("to_number('+-5')", json!({}), Value::Null);
    // An underscore may follow the hex prefix.
    ok("to_number('0x_1p4')", json!({}), json!(16));
}

#[test]
fn kyverno_to_string_uses_go_122_short_escapes_for_backspace_and_form_feed() {
    ok(
        "to_string(a)",
        json!({"a": ["\u{8}\u{c}\u{1}"]}),
        json!("[\"\\b\\f\\u0001\"]"),
    );
}

#[test]
fn kyverno_sort_by_key_type_errors() {
    err("sort_by(a.objs, &k)", doc(), "error in sort_by comparison");
    err("max_by(a.objs, &k)", doc(), "invalid type, must be string");
    err(
        "min_by(a.objs, &missing)",
        doc(),
        "invalid type, must be number of string",
    );
}

#[test]
fn kyverno_merge_rejects_non_objects_instead_of_panicking() {
    err(
        "merge(labels, `1`)",
        doc(),
        "JMESPath function 'merge': argument #2 is not of type object",
    );
}

#[test]
fn kyverno_regex_errors_are_go_like() {
    err(
        "regex_match('[', 'x')",
        json!({}),
        "error parsing regexp: missing closing ]: `[`",
    );
    err(
        "regex_replace_all('(', 'x', 'y')",
        json!({}),
        "JMESPath function 'regex_replace_all': error parsing regexp: missing closing ): `(`",
    );
}

#[test]
fn kyverno_regex_classes_are_ascii_like_go() {
    ok(r"regex_match('^\d+$', '١٢')", json!({}), json!(false));
    ok(r"regex_match('^\w+$', 'é')", json!({}), json!(false));
    ok(r"regex_match('^[\d]+$', '42')", json!({}), json!(true));
    ok(r"regex_match('^[a&&b]$', '&')", json!({}), json!(true));
    ok(r"regex_match('^[[]$', '[')", json!({}), json!(true));
    ok(r"regex_match('^\Qa.b\E$', 'a.b')", json!({}), json!(true));
}

#[test]
fn kyverno_literal_regex_is_compiled_once_per_call_site() {
    let e = compile("items[?regex_match('^a', @)]").unwrap_or_else(|e| panic!("{e}"));
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &NoHost,
    };
    for _ in 0..3 {
        let v = e.search(&json!({"items": ["ab", "ba"]}), &rt);
        assert_eq!(v, Ok(json!(["ab"])));
    }
}

#[test]
fn kyverno_parse_yaml_uses_yaml_1_1_scalars() {
    ok(
        "parse_yaml('a: yes\nb: 0644\nc: ~')",
        json!({}),
        json!({"a": true, "b": 420, "c": null}),
    );
    ok(
        "parse_yaml(@).clusterName",
        json!("clusterName: prod\n"),
        json!("prod"),
    );
    assert!(kyv("parse_yaml('a: [1')", &json!({})).is_err());
}

#[test]
fn kyverno_parse_json_errors_are_go_like() {
    err(
        "parse_json('x')",
        json!({}),
        "invalid character 'x' looking for beginning of value",
    );
    err("parse_json('')", json!({}), "unexpected end of JSON input");
}

#[test]
fn kyverno_time_functions_use_the_host_clock() {
    ok(
        "time_since('', '2023-12-16T00:46:11Z', '')",
        json!({}),
        json!("1h0m0s"),
    );
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &NoHost,
    };
    let e = compile("time_now_utc()").map(|e| e.search(&json!({}), &rt));
    assert_eq!(
        e,
        Ok(Err(JmespathError::Runtime(
            "the clock is not available: the host does not provide it".into()
        )))
    );
}

#[test]
fn kyverno_random_matches_its_pattern_and_uses_the_host() {
    let v = kyv("random('[a-z0-9]{6}-[A-F]{2}')", &json!({})).unwrap_or_default();
    let s = v.as_str().unwrap_or_default();
    assert!(
        regex::Regex::new("^[a-z0-9]{6}-[A-F]{2}$").is_ok_and(|r| r.is_match(s)),
        "{s}"
    );
    err("random('')", json!({}), "no pattern provided");
    assert!(kyv(r"random('\d')", &json!({})).is_err());
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &NoHost,
    };
    assert!(compile("random('a')").is_ok_and(|e| e.search(&json!({}), &rt).is_err()));
}

#[test]
fn kyverno_image_normalize() {
    ok(
        "image_normalize('nginx')",
        json!({}),
        json!("docker.io/nginx:latest"),
    );
    ok(
        "image_normalize('ghcr.io/nginx:1.2')",
        json!({}),
        json!("ghcr.io/nginx:1.2"),
    );
    ok(
        "image_normalize('library/nginx:1.25')",
        json!({}),
        json!("docker.io/library/nginx:1.25"),
    );
    ok(
        "image_normalize('localhost:5000/app')",
        json!({}),
        json!("localhost:5000/app:latest"),
    );
    ok(
        "image_normalize('nginx:1@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')",
        json!({}),
        json!("docker.io/nginx@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    );
    err(
        "image_normalize('')",
        json!({}),
        "JMESPath function 'image_normalize': bad image: docker.io/, defaultRegistry: docker.io, enableDefaultRegistryMutation: true: invalid reference format",
    );
    err(
        "image_normalize('docker.io/Nginx')",
        json!({}),
        "JMESPath function 'image_normalize': bad image: docker.io/Nginx, defaultRegistry: docker.io, enableDefaultRegistryMutation: true: repository name must be lowercase",
    );
}

#[test]
fn kyverno_is_external_url_for_ip_literals() {
    ok(
        "is_external_url('http://10.0.0.1:8080/x')",
        json!({}),
        json!(false),
    );
    ok(
        "is_external_url('https://user@192.168.1.1')",
        json!({}),
        json!(false),
    );
    ok(
        "is_external_url('http://172.32.0.1')",
        json!({}),
        json!(true),
    );
    ok(
        "is_external_url('http://[::1]:80')",
        json!({}),
        json!(false),
    );
    ok(
        "is_external_url('http://[fd00::1]')",
        json!({}),
        json!(false),
    );
    ok("is_external_url('http://8.8.8.8')", json!({}), json!(true));
    ok(
        "is_external_url('http://169.254.1.1')",
        json!({}),
        json!(true),
    );
    ok(
        "is_external_url('http://localhost:8080')",
        json!({}),
        json!(false),
    );
    assert!(kyv("is_external_url('https://example.com')", &json!({})).is_err());
    assert!(kyv("is_external_url('google.com')", &json!({})).is_err());
}

#[test]
fn kyverno_x509_decode_without_a_pem_block_is_kyverno_error() {
    err("x509_decode('x')", json!({}), "failed to decode PEM block");
}

#[test]
fn hashes_match_standard_test_vectors() {
    use super::kyverno::encoding::{md5_digest, sha1_digest, sha256_digest};
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(
        hex(&sha256_digest(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(&sha256_digest(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    assert_eq!(
        hex(&sha1_digest(b"abc")),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    assert_eq!(
        hex(&md5_digest(b"The quick brown fox jumps over the lazy dog")),
        "9e107d9d372bb6826bd81d3542a419d6"
    );
    let long = vec![b'a'; 1000];
    assert_eq!(
        hex(&sha256_digest(&long)),
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
    );
}

#[test]
fn base64_round_trips_and_reports_go_offsets() {
    use super::kyverno::encoding::{b64_decode, b64_encode};
    for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
        assert_eq!(
            b64_decode(b64_encode(s.as_bytes()).as_bytes()),
            Ok(s.as_bytes().to_vec())
        );
    }
    assert_eq!(b64_encode(b"foobar"), "Zm9vYmFy");
    assert_eq!(b64_decode(b"Zm9v\r\nYmFy"), Ok(b"foobar".to_vec()));
    assert_eq!(b64_decode(b"Zm9vY"), Err(4));
}

// --- bounds on untrusted input ------------------------------------------------

#[test]
fn deeply_nested_expressions_are_syntax_errors() {
    let nested = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
    assert!(matches!(
        compile(&nested),
        Err(JmespathError::Syntax { .. })
    ));
    let chain = vec!["a"; 100_000].join(".");
    assert!(matches!(compile(&chain), Err(JmespathError::Syntax { .. })));
    let brackets = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    assert!(matches!(
        compile(&brackets),
        Err(JmespathError::Syntax { .. })
    ));
    let nots = format!("{}a", "!".repeat(5000));
    assert!(matches!(compile(&nots), Err(JmespathError::Syntax { .. })));
    let pipes = vec!["a"; 5000].join(" | ");
    assert!(matches!(compile(&pipes), Err(JmespathError::Syntax { .. })));
}

#[test]
fn expressions_at_the_depth_limit_evaluate_on_a_small_stack() {
    // 2 MiB is the default stack of spawned threads.
    let handle = std::thread::Builder::new().stack_size(2 << 20).spawn(|| {
        let chain = vec!["a"; 120].join(".");
        let parens = format!("{}a{}", "(".repeat(120), ")".repeat(120));
        let funcs = format!("{}@{}", "not_null(".repeat(120), ")".repeat(120));
        let mut data = json!("leaf");
        for _ in 0..120 {
            data = json!({"a": data});
        }
        let rt = Runtime {
            dialect: Dialect::Kyverno,
            host: &NoHost,
        };
        let a = compile(&chain).map(|e| e.search(&data, &rt));
        let b = compile(&parens).map(|e| e.search(&data, &rt).is_ok());
        let c = compile(&funcs).map(|e| e.search(&data, &rt).is_ok());
        (a, b, c)
    });
    let joined = handle.map(|h| h.join());
    let Ok(Ok((a, b, c))) = joined else {
        panic!("thread failed")
    };
    assert_eq!(a, Ok(Ok(json!("leaf"))));
    assert_eq!(b, Ok(true));
    assert_eq!(c, Ok(true));
}

#[test]
fn exponential_expressions_hit_the_evaluation_budget() {
    let stage = "[@,@,@,@,@,@,@,@,@,@][]";
    let expr = stage.repeat(9);
    let r = kyv(&expr, &json!(1));
    assert!(
        matches!(r, Err(JmespathError::Runtime(ref m)) if m.contains("limit")),
        "{r:?}"
    );
}

#[test]
fn huge_slice_and_index_numbers_do_not_panic() {
    ok(
        "@[9223372036854775807:-9223372036854775808:-9223372036854775808]",
        json!([1, 2, 3]),
        json!([3]),
    );
    ok("@[-9223372036854775808]", json!([1, 2, 3]), Value::Null);
    ok("@[::9223372036854775807]", json!([1, 2, 3]), json!([1]));
    assert!(matches!(
        compile("@[99999999999999999999]"),
        Err(JmespathError::Syntax { .. })
    ));
    err("@[::0]", json!([1]), "Invalid slice, step cannot be 0");
}

#[test]
fn hostile_regexes_are_rejected() {
    assert!(kyv("regex_match('(a{1000}){1000}', 'a')", &json!({})).is_err());
}

#[test]
fn function_docs_cover_every_kyverno_function() {
    let docs = function_docs();
    assert_eq!(docs.iter().filter(|d| d.kyverno).count(), 51);
    assert!(docs
        .iter()
        .any(|d| d.name == "sum" && d.kyverno && d.signature == "sum(array) any"));
    assert!(!docs.iter().any(|d| d.name == "sum" && !d.kyverno));
    let sigs = function_signatures();
    assert!(sigs
        .iter()
        .any(|(n, s)| *n == "merge" && s == "merge(object...) object"));
}

#[test]
fn ast_string_prints_like_go_jmespath() {
    let ast = |e: &str| compile(e).map(|c| c.ast_string());
    assert_eq!(
        ast("foo[*].bar"),
        Ok("ASTProjection {\n  children: {\n    ASTField {\n      value: \"foo\"\n    }\n    ASTField {\n      value: \"bar\"\n    }\n}\n".to_string())
    );
    assert_eq!(
        ast("{a: @}"),
        Ok("ASTMultiSelectHash {\n  children: {\n    ASTKeyValPair {\n      value: \"a\"\n      children: {\n        ASTCurrentNode {\n        }\n    }\n}\n".to_string())
    );
    assert_eq!(
        ast("a[1:]"),
        Ok("ASTProjection {\n  children: {\n    ASTIndexExpression {\n      children: {\n        ASTField {\n          value: \"a\"\n        }\n        ASTSlice {\n          value: []*int{1, (*int)(nil), (*int)(nil)}\n        }\n    }\n    ASTIdentity {\n    }\n}\n".to_string())
    );
    // Literals print as Go's %#v of what encoding/json decodes.
    let lit = |e: &str| {
        ast(e)
            .ok()
            .and_then(|a| a.lines().nth(1).map(str::to_string))
    };
    assert_eq!(lit("`1e6`"), Some("  value: 1e+06".into()));
    assert_eq!(lit("`\"a\\nb\"`"), Some("  value: \"a\\nb\"".into()));
    assert_eq!(
        lit("`[1, null, {\"k\": true}]`"),
        Some(
            "  value: []interface {}{1, interface {}(nil), map[string]interface {}{\"k\":true}}"
                .into()
        )
    );
    assert_eq!(lit("`null`"), Some("}".into()));
}

#[test]
fn expression_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Expression>();
    assert_eq!(
        compile(" a.b ").map(|e| e.source().to_string()),
        Ok(" a.b ".to_string())
    );
}

// --- Vectors recorded from Kyverno's functions (fork a1d46ef + Go 1.19) ------

fn d() -> Value {
    json!({"s": "Hello World", "n": 123456789, "f": 1.5, "obj": {"b": 2, "a": 1, "c": {"d": [1]}},
           "arr": ["x", "y"], "lbl": {"app": "a", "env": "prod"}})
}

#[test]
fn compare_matches_kyverno() {
    ok("compare('a','b')", d(), json!(-1));
    ok("compare('b','a')", d(), json!(1));
    ok("compare('a','a')", d(), json!(0));
}

#[test]
fn equal_fold_matches_kyverno() {
    ok("equal_fold('Go','GO')", d(), json!(true));
    ok("equal_fold('ß','SS')", d(), json!(false));
    ok("equal_fold('K','K')", d(), json!(true));
    ok("equal_fold('s','ſ')", d(), json!(true));
}

#[test]
fn replace_matches_kyverno() {
    ok("replace('aaaa','a','b',`2`)", d(), json!("bbaa"));
    ok("replace('aaaa','a','b',`-1`)", d(), json!("bbbb"));
    ok("replace('aaaa','a','b',`0`)", d(), json!("aaaa"));
    ok("replace('abc','','-',`-1`)", d(), json!("-a-b-c-"));
    ok("replace('abc','','-',`2`)", d(), json!("-a-bc"));
    ok("replace('abc','b','x',`1.9`)", d(), json!("axc"));
}

#[test]
fn replace_all_matches_kyverno() {
    ok("replace_all('a.b.c','.','/')", d(), json!("a/b/c"));
    ok("replace_all('abc','','-')", d(), json!("-a-b-c-"));
}

#[test]
fn to_upper_matches_kyverno() {
    ok("to_upper('hello ß ǅ')", d(), json!("HELLO ß Ǆ"));
    ok("to_upper(s)", d(), json!("HELLO WORLD"));
}

#[test]
fn to_lower_matches_kyverno() {
    ok("to_lower('HELLO İ Σ')", d(), json!("hello i σ"));
}

#[test]
fn trim_matches_kyverno() {
    ok(
        "trim('¡¡¡Hello, Gophers!!!','!¡')",
        d(),
        json!("Hello, Gophers"),
    );
    ok("trim('  x  ','')", d(), json!("  x  "));
}

#[test]
fn trim_prefix_matches_kyverno() {
    ok("trim_prefix('prefix-x','prefix-')", d(), json!("x"));
    ok("trim_prefix('x','y')", d(), json!("x"));
}

#[test]
fn split_matches_kyverno() {
    ok("split('a,b,c',',')", d(), json!(["a", "b", "c"]));
    ok("split('abc','')", d(), json!(["a", "b", "c"]));
    ok("split('',',')", d(), json!([""]));
    ok("split('','')", d(), json!([]));
    ok("split('a,,b',',')", d(), json!(["a", "", "b"]));
}

#[test]
fn regex_match_matches_kyverno() {
    ok("regex_match('^[a-z]+$','abc')", d(), json!(true));
    ok("regex_match('\\\\d+',n)", d(), json!(false));
    ok("regex_match('^1.5$',f)", d(), json!(true));
    ok("regex_match('^123456790$',n)", d(), json!(true));
    ok("regex_match('\\\\w+','é')", d(), json!(false));
    ok("regex_match('(?i)HELLO',s)", d(), json!(true));
}

#[test]
fn regex_replace_all_matches_kyverno() {
    ok(
        "regex_replace_all('([Hh]e|G)l', 'Hello world, helworldlo', '${2}G')",
        d(),
        json!("Glo world, Gworldlo"),
    );
    ok(
        "regex_replace_all('(\\\\w+) (\\\\w+)', s, '$2 $1')",
        d(),
        json!("Hello World"),
    );
    ok(
        "regex_replace_all('(?P<first>\\\\w+)', s, '${first}!')",
        d(),
        json!("Hello World"),
    );
    ok("regex_replace_all('l', s, '$$')", d(), json!("He$$o Wor$d"));
    ok("regex_replace_all('l', s, '$1x')", d(), json!("Heo Word"));
    ok("regex_replace_all('(l)', s, '$1x')", d(), json!("Heo Word"));
    ok(
        "regex_replace_all('(l)', s, '${1}x')",
        d(),
        json!("Helxlxo Worlxd"),
    );
    ok("regex_replace_all('o', n, `5`)", d(), json!("123456790"));
    ok("regex_replace_all('^(localhost/|(?:[a-z0-9]+\\\\.)+[a-z0-9]+/)?(.*)$', 'ghcr.io/foo/bar:1', 'myregistry.corp.com/$2')", d(), json!("myregistry.corp.com/ghcr.io/foo/bar:1"));
}

#[test]
fn regex_replace_all_literal_matches_kyverno() {
    ok(
        "regex_replace_all_literal('l', s, '$1')",
        d(),
        json!("He$1$1o Wor$1d"),
    );
}

#[test]
fn label_match_matches_kyverno() {
    ok(
        "label_match(lbl, `{\"app\":\"a\",\"env\":\"prod\",\"x\":\"y\"}`)",
        d(),
        json!(true),
    );
    ok("label_match(`{\"app\":\"b\"}`, lbl)", d(), json!(false));
    ok("label_match(`{}`, lbl)", d(), json!(true));
}

#[test]
fn to_boolean_matches_kyverno() {
    ok("to_boolean('TRUE')", d(), json!(true));
    ok("to_boolean('False')", d(), json!(false));
    err("to_boolean('yes')", d(), "JMESPath function 'to_boolean': lowercase argument must be 'true' or 'false' (provided: 'yes')");
}

#[test]
fn round_matches_kyverno() {
    ok("round(`9.414675`,`2`)", d(), json!(9.41));
    ok("round(`14.123`,`6`)", d(), json!(14.123));
    ok("round(`2.5`,`0`)", d(), json!(3));
    ok("round(`-2.5`,`0`)", d(), json!(-3));
    err(
        "round(`1.5`,`1.5`)",
        d(),
        "JMESPath function 'round': Non-integer argument(s) passed for round off",
    );
    err(
        "round(`1.5`,`-1`)",
        d(),
        "JMESPath function 'round': %!d(MISSING) argument is out of bounds (%!d(MISSING))",
    );
}

#[test]
fn base64_encode_matches_kyverno() {
    ok("base64_encode('hello')", d(), json!("aGVsbG8="));
    ok("base64_encode('')", d(), json!(""));
}

#[test]
fn base64_decode_matches_kyverno() {
    ok("base64_decode('aGVsbG8=')", d(), json!("hello"));
    err(
        "base64_decode('aGVsbG8')",
        d(),
        "illegal base64 data at input byte 4",
    );
    err(
        "base64_decode('aGVs\\nbG8=')",
        d(),
        "illegal base64 data at input byte 4",
    );
    err(
        "base64_decode('!!!!')",
        d(),
        "illegal base64 data at input byte 0",
    );
    ok("base64_decode('aGVsbA==')", d(), json!("hell"));
    err(
        "base64_decode('aGVsbA=')",
        d(),
        "illegal base64 data at input byte 7",
    );
    err(
        "base64_decode('aGVsbA==x')",
        d(),
        "illegal base64 data at input byte 8",
    );
    err(
        "base64_decode('a')",
        d(),
        "illegal base64 data at input byte 0",
    );
    err(
        "base64_decode('aGVsbA=a')",
        d(),
        "illegal base64 data at input byte 6",
    );
    ok("base64_decode('/w==')", d(), json!("�"));
}

#[test]
fn path_canonicalize_matches_kyverno() {
    ok("path_canonicalize('/a//b/../c/.')", d(), json!("/a/c"));
    ok("path_canonicalize('')", d(), json!(""));
    ok("path_canonicalize('///')", d(), json!("/"));
    ok("path_canonicalize('../a/..')", d(), json!(".."));
    ok("path_canonicalize('a/../..')", d(), json!(".."));
    ok("path_canonicalize('/..')", d(), json!("/"));
    ok("path_canonicalize('./')", d(), json!("."));
}

#[test]
fn parse_json_matches_kyverno() {
    ok("parse_json('{\"a\":1}')", d(), json!({"a": 1}));
    err("parse_json('[1,2')", d(), "unexpected end of JSON input");
    err("parse_json('')", d(), "unexpected end of JSON input");
    ok("parse_json('1.0')", d(), json!(1));
    ok("parse_json('{\"a\":1,\"a\":2}')", d(), json!({"a": 2}));
}

#[test]
fn lookup_matches_kyverno() {
    ok("lookup(obj,'a')", d(), json!(1));
    ok("lookup(obj,'z')", d(), json!(null));
    ok("lookup(arr,`1`)", d(), json!("y"));
    ok("lookup(arr,`5`)", d(), json!(null));
    ok("lookup(arr,`-1`)", d(), json!(null));
    err(
        "lookup(arr,`1.5`)",
        d(),
        "JMESPath function 'lookup': argument #2: expected an integer number but got: 1.5",
    );
    err(
        "lookup(obj,`1`)",
        d(),
        "JMESPath function 'lookup': argument #2 is not of type String",
    );
    err(
        "lookup(arr,'1')",
        d(),
        "JMESPath function 'lookup': argument #2 is not of type Number",
    );
    err("lookup(arr,`1e30`)", d(), "JMESPath function 'lookup': argument #2: number is outside the range of integer numbers: 1e+30");
}

#[test]
fn items_matches_kyverno() {
    ok(
        "items(obj,'k','v')",
        d(),
        json!([{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "c", "v": {"d": [1]}}]),
    );
    ok(
        "items(arr,'i','v')",
        d(),
        json!([{"i": 0, "v": "x"}, {"i": 1, "v": "y"}]),
    );
    ok(
        "items(obj,'k','k')",
        d(),
        json!([{"k": 1}, {"k": 2}, {"k": {"d": [1]}}]),
    );
    ok("items(obj,'k','v')[0].k", d(), json!("a"));
    ok("items(`{}`,'k','v')", d(), json!([]));
}

#[test]
fn object_from_lists_matches_kyverno() {
    ok(
        "object_from_lists(`[\"a\",\"b\"]`, `[1]`)",
        d(),
        json!({"a": 1, "b": null}),
    );
    ok(
        "object_from_lists(`[\"a\",1,true]`, `[1,2,3,4]`)",
        d(),
        json!({"1": 2, "a": 1, "true": 3}),
    );
    err(
        "object_from_lists(`[null]`, `[1]`)",
        d(),
        "JMESPath function 'object_from_lists': argument #1 is not of type StringArray",
    );
    ok(
        "object_from_lists(`[1.5, 123456789]`, `[1,2]`)",
        d(),
        json!({"1.5": 1, "123456790": 2}),
    );
}

#[test]
fn sha256_matches_kyverno() {
    ok(
        "sha256('alertmanager-kube-prometheus-stack-alertmanager')",
        d(),
        json!("75c07bb807f2d80a85d34880b8af0c5f29f7c27577076ed5d0e4b427dee7dbcc"),
    );
    ok(
        "sha256('')",
        d(),
        json!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    );
}

#[test]
fn sha1_matches_kyverno() {
    ok(
        "sha1('abc')",
        d(),
        json!("a9993e364706816aba3e25717850c26c9cd0d89d"),
    );
    ok(
        "sha1('')",
        d(),
        json!("da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    );
}

#[test]
fn md5_matches_kyverno() {
    ok(
        "md5('Alice & Bob')",
        d(),
        json!("def42e1abd2462df1f9f0a4b3d488221"),
    );
    ok("md5('')", d(), json!("d41d8cd98f00b204e9800998ecf8427e"));
}

#[test]
fn time_since_matches_kyverno() {
    ok(
        "time_since('','2021-01-02T15:04:05-07:00','2021-01-10T03:14:05-07:00')",
        d(),
        json!("180h10m0s"),
    );
    ok(
        "time_since('2006-01-02','2021-01-02','2021-01-10')",
        d(),
        json!("192h0m0s"),
    );
    err(
        "time_since('','x','')",
        d(),
        "parsing time \"x\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"x\" as \"2006\"",
    );
    ok(
        "time_since('', '2021-01-02T15:04:05Z', '2021-01-02T15:04:05.5Z')",
        d(),
        json!("500ms"),
    );
}

#[test]
fn time_to_cron_matches_kyverno() {
    ok(
        "time_to_cron('2023-02-02T15:04:05Z')",
        d(),
        json!("4 15 2 2 4"),
    );
    ok(
        "time_to_cron('2023-02-02T15:04:05-07:00')",
        d(),
        json!("4 15 2 2 4"),
    );
}

#[test]
fn time_add_matches_kyverno() {
    ok(
        "time_add('2021-01-02T15:04:05-07:00','3h')",
        d(),
        json!("2021-01-02T18:04:05-07:00"),
    );
    err(
        "time_add('2021-01-02T15:04:05Z','1d')",
        d(),
        "time: unknown unit \"d\" in duration \"1d\"",
    );
    err(
        "time_add('2021-01-02T15:04:05Z','x')",
        d(),
        "time: invalid duration \"x\"",
    );
    ok(
        "time_add('2021-01-02T15:04:05Z','-1.5h')",
        d(),
        json!("2021-01-02T13:34:05Z"),
    );
    err(
        "time_add('2021-01-02T15:04:05Z','1')",
        d(),
        "time: missing unit in duration \"1\"",
    );
}

#[test]
fn time_parse_matches_kyverno() {
    ok(
        "time_parse('1702691171','1702691171')",
        d(),
        json!("2023-12-16T01:46:11Z"),
    );
    err(
        "time_parse('0','abc')",
        d(),
        "strconv.ParseInt: parsing \"abc\": invalid syntax",
    );
    ok(
        "time_parse('2006-01-02','2023-05-01')",
        d(),
        json!("2023-05-01T00:00:00Z"),
    );
    ok(
        "time_parse('Mon Jan _2 15:04:05 MST 2006','Thu Feb  2 15:04:05 PST 2023')",
        d(),
        json!("2023-02-02T15:04:05Z"),
    );
    ok(
        "time_parse('02 Jan 06 15:04 -0700','02 Feb 23 15:04 +0530')",
        d(),
        json!("2023-02-02T15:04:00+05:30"),
    );
    ok(
        "time_parse('2006-01-02T15:04:05.000Z07:00','2023-01-02T03:04:05.123+01:00')",
        d(),
        json!("2023-01-02T03:04:05+01:00"),
    );
    ok(
        "time_parse('Jan 2, 2006 at 3:04pm (MST)','Feb 3, 2023 at 11:04pm (UTC)')",
        d(),
        json!("2023-02-03T23:04:00Z"),
    );
    ok(
        "time_parse('2006-002','2024-060')",
        d(),
        json!("2024-02-29T00:00:00Z"),
    );
    err(
        "time_parse('2006-01-02','2023-02-30')",
        d(),
        "parsing time \"2023-02-30\": day out of range",
    );
    err(
        "time_parse('2006-01-02','2023-13-01')",
        d(),
        "parsing time \"2023-13-01\": month out of range",
    );
    err(
        "time_parse('2006-01-02','2023-1-01')",
        d(),
        "parsing time \"2023-1-01\" as \"2006-01-02\": cannot parse \"1-01\" as \"01\"",
    );
    err(
        "time_parse('2006-01-02 extra','2023-01-01')",
        d(),
        "parsing time \"2023-01-01\" as \"2006-01-02 extra\": cannot parse \"\" as \" extra\"",
    );
    err(
        "time_parse('2006-01-02','2023-01-01 extra')",
        d(),
        "parsing time \"2023-01-01 extra\": extra text: \" extra\"",
    );
}

#[test]
fn time_utc_matches_kyverno() {
    ok(
        "time_utc('2021-01-02T15:04:05-07:00')",
        d(),
        json!("2021-01-02T22:04:05Z"),
    );
    ok(
        "time_utc('2021-01-02T15:04:05+00:00')",
        d(),
        json!("2021-01-02T15:04:05Z"),
    );
    ok(
        "time_utc('2021-01-02T5:04:05Z')",
        d(),
        json!("2021-01-02T05:04:05Z"),
    );
    err("time_utc('2021-01-02t15:04:05Z')", d(), "parsing time \"2021-01-02t15:04:05Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"t15:04:05Z\" as \"T\"");
    err("time_utc('2021-01-02T15:04:05z')", d(), "parsing time \"2021-01-02T15:04:05z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"z\" as \"Z07:00\"");
    ok(
        "time_utc('2021-01-02T15:04:05,5Z')",
        d(),
        json!("2021-01-02T15:04:05Z"),
    );
    err("time_utc('2021-01-02T15:04:05')", d(), "parsing time \"2021-01-02T15:04:05\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"Z07:00\"");
    err("time_utc('2021-01-02T15:04:05+0700')", d(), "parsing time \"2021-01-02T15:04:05+0700\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"+0700\" as \"Z07:00\"");
    err(
        "time_utc('2021-02-29T15:04:05Z')",
        d(),
        "parsing time \"2021-02-29T15:04:05Z\": day out of range",
    );
    err(
        "time_utc('2021-01-02T24:04:05Z')",
        d(),
        "parsing time \"2021-01-02T24:04:05Z\": hour out of range",
    );
    err("time_utc('21-01-02T15:04:05Z')", d(), "parsing time \"21-01-02T15:04:05Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"1-02T15:04:05Z\" as \"2006\"");
    ok(
        "time_utc('2021-01-02T15:04:05+25:00')",
        d(),
        json!("2021-01-01T14:04:05Z"),
    );
}

#[test]
fn time_diff_matches_kyverno() {
    ok(
        "time_diff('2021-01-02T15:04:05Z','2021-01-01T15:04:05Z')",
        d(),
        json!("-24h0m0s"),
    );
}

#[test]
fn time_before_matches_kyverno() {
    ok(
        "time_before('2021-01-02T15:04:05Z','2021-01-02T16:04:05+01:00')",
        d(),
        json!(false),
    );
}

#[test]
fn time_after_matches_kyverno() {
    ok(
        "time_after('2021-01-02T15:04:06Z','2021-01-02T15:04:05Z')",
        d(),
        json!(true),
    );
}

#[test]
fn time_between_matches_kyverno() {
    ok(
        "time_between('2021-01-02T15:04:05Z','2021-01-01T15:04:05Z','2021-01-03T15:04:05Z')",
        d(),
        json!(true),
    );
    ok(
        "time_between('2021-01-01T15:04:05Z','2021-01-01T15:04:05Z','2021-01-03T15:04:05Z')",
        d(),
        json!(false),
    );
}

#[test]
fn time_truncate_matches_kyverno() {
    ok(
        "time_truncate('2021-01-02T15:04:05-07:00','24h')",
        d(),
        json!("2021-01-01T17:00:00-07:00"),
    );
    ok(
        "time_truncate('2021-01-02T15:04:05Z','1h')",
        d(),
        json!("2021-01-02T15:00:00Z"),
    );
    ok(
        "time_truncate('2021-01-06T15:04:05Z','168h')",
        d(),
        json!("2021-01-04T00:00:00Z"),
    );
    ok(
        "time_truncate('2021-01-02T15:04:05Z','-1h')",
        d(),
        json!("2021-01-02T15:04:05Z"),
    );
}

#[test]
fn add_matches_kyverno() {
    ok("add(`1`,`2`)", json!({}), json!(3));
    ok("add('1Ki','1Ki')", json!({}), json!("2Ki"));
    err(
        "add('1h','30m')",
        json!({}),
        "JMESPath function 'add': Types mismatch",
    );
    ok("add('1h','30s')", json!({}), json!("1h0m30s"));
    err(
        "add(`12`,'13')",
        json!({}),
        "JMESPath function 'add': Types mismatch",
    );
    ok("add('12','13')", json!({}), json!("25"));
    ok("add('0','1Ki')", json!({}), json!("1Ki"));
    ok("add('1','1Ki')", json!({}), json!("1025"));
    ok("add('1.5','1')", json!({}), json!("2500m"));
    ok("add('100m','900m')", json!({}), json!("1"));
    ok("add('1e3','1')", json!({}), json!("1001"));
    err(
        "add('x',`1`)",
        json!({}),
        "JMESPath function 'add': invalid operand",
    );
    err(
        "add(`true`,`1`)",
        json!({}),
        "JMESPath function 'add': invalid operand",
    );
    ok("add('-1Ki','1')", json!({}), json!("-1023"));
}

#[test]
fn subtract_matches_kyverno() {
    ok("subtract('1Gi','512Mi')", json!({}), json!("512Mi"));
    ok("subtract('1','250m')", json!({}), json!("750m"));
    ok("subtract('1h','1h')", json!({}), json!("0s"));
    ok("subtract(`5`,`7`)", json!({}), json!(-2));
    err(
        "subtract('10s','1m')",
        json!({}),
        "JMESPath function 'subtract': Types mismatch",
    );
    ok("subtract('0','1k')", json!({}), json!("-1k"));
}

#[test]
fn multiply_matches_kyverno() {
    ok("multiply('12Ki',`2`)", json!({}), json!("24Ki"));
    ok("multiply(`2.5`,'12')", json!({}), json!("30"));
    ok("multiply(`2.5`,'12Ki')", json!({}), json!("30Ki"));
    ok("multiply('100m',`3`)", json!({}), json!("300m"));
    ok("multiply('12Ki',`0.1`)", json!({}), json!("1228800m"));
    ok("multiply(`2.5`,'40s')", json!({}), json!("1m40s"));
    ok("multiply('12s',`2`)", json!({}), json!("24s"));
    ok("multiply(`3`,`4`)", json!({}), json!(12));
    err(
        "multiply('1Ki','1Ki')",
        json!({}),
        "JMESPath function 'multiply': Types mismatch",
    );
    ok("multiply('1k',`1000000`)", json!({}), json!("1G"));
    ok("multiply('1',`0.000001`)", json!({}), json!("1u"));
    ok("multiply('1',`1e-7`)", json!({}), json!("100n"));
    ok("multiply('3',`0.3333`)", json!({}), json!("999900u"));
    ok(
        "multiply('1h',`1e20`)",
        json!({}),
        json!("-2562047h47m16.854775808s"),
    );
}

#[test]
fn divide_matches_kyverno() {
    ok("divide('12Ki','200')", json!({}), json!(61.44));
    ok("divide('8','3')", json!({}), json!(2.6666666666666665));
    ok("divide('12Ki',`3`)", json!({}), json!("4Ki"));
    ok("divide('10',`4`)", json!({}), json!("2"));
    ok("divide('1k',`3`)", json!({}), json!("333"));
    ok("divide('10.0',`3`)", json!({}), json!("3300m"));
    ok("divide('12Ki',`5`)", json!({}), json!("2457"));
    ok("divide('12s','5s')", json!({}), json!(2.4));
    ok("divide('12s',`3`)", json!({}), json!("4s"));
    ok("divide(`14`,`3`)", json!({}), json!(4.666666666666667));
    err(
        "divide('4Ki',`0`)",
        json!({}),
        "JMESPath function 'divide': Zero divisor passed",
    );
    err(
        "divide(`1`,`0`)",
        json!({}),
        "JMESPath function 'divide': Zero divisor passed",
    );
    err(
        "divide('1s','0s')",
        json!({}),
        "JMESPath function 'divide': Zero divisor passed",
    );
    err(
        "divide('1','0')",
        json!({}),
        "JMESPath function 'divide': Zero divisor passed",
    );
    ok(
        "divide('1.5Gi',`7`)",
        json!({}),
        json!("230087533714285714n"),
    );
    ok("divide('100m',`3`)", json!({}), json!("33m"));
    ok("divide('1',`3`)", json!({}), json!("0"));
    ok("divide('1',`0.3`)", json!({}), json!("3300m"));
    ok("divide('2',`1000000`)", json!({}), json!("0"));
    ok("divide('5Mi',`1e-3`)", json!({}), json!("5000Mi"));
    ok("divide('10',`2.5`)", json!({}), json!("4"));
    ok("divide('1e3',`7`)", json!({}), json!("142"));
    err(
        "divide(`1`,'1')",
        json!({}),
        "JMESPath function 'divide': Types mismatch",
    );
    ok(
        "divide('1s',`1e-12`)",
        json!({}),
        json!("-2562047h47m16.854775808s"),
    );
    ok("divide('4Gi','2Gi')", json!({}), json!(2));
    ok(
        "divide('123456789012345678901',`7`)",
        json!({}),
        json!("17636684144620811271571428571n"),
    );
}

#[test]
fn modulo_matches_kyverno() {
    ok("modulo(`13`,`5`)", json!({}), json!(3));
    ok("modulo(`-7`,`3`)", json!({}), json!(-1));
    ok("modulo('12Ki','5Ki')", json!({}), json!("2Ki"));
    ok("modulo('13s','2s')", json!({}), json!("1s"));
    err(
        "modulo('4Ki',`0`)",
        json!({}),
        "JMESPath function 'modulo': Types mismatch",
    );
    err(
        "modulo(`1.5`,`1`)",
        json!({}),
        "JMESPath function 'modulo': Non-integer argument(s) passed for modulo",
    );
    err(
        "modulo(`1`,`0`)",
        json!({}),
        "JMESPath function 'modulo': Zero divisor passed",
    );
    err(
        "modulo('1.5','1')",
        json!({}),
        "JMESPath function 'modulo': Non-integer argument(s) passed for modulo",
    );
    ok("modulo('10','3')", json!({}), json!("1"));
    err(
        "modulo('1s','0s')",
        json!({}),
        "JMESPath function 'modulo': Zero divisor passed",
    );
    err(
        "modulo('10m','3m')",
        json!({}),
        "JMESPath function 'modulo': Non-integer argument(s) passed for modulo",
    );
}

#[test]
fn sum_matches_kyverno() {
    ok("sum(['12Ki','13Ki','1Ki','4Ki'])", json!({}), json!("30Ki"));
    ok("sum(['12s','13s'])", json!({}), json!("25s"));
    ok("sum([`12`,`13`,`1`,`4`])", json!({}), json!(30));
    ok("sum(['12Ki','13'])", json!({}), json!("12301"));
    ok("sum(['x'])", json!({}), json!("x"));
    err(
        "sum(`[]`)",
        json!({}),
        "JMESPath function 'sum': at least one element in the array is required",
    );
    err(
        "sum(['1', `1`])",
        json!({}),
        "JMESPath function 'sum': Types mismatch",
    );
    err(
        "sum(['1h','30m'])",
        json!({}),
        "JMESPath function 'sum': Types mismatch",
    );
}

#[test]
fn semver_compare_matches_kyverno() {
    ok("semver_compare('4.1.3','>=4.1.x')", json!({}), json!(true));
    ok("semver_compare('4.1.3','!4.x.x')", json!({}), json!(false));
    ok(
        "semver_compare('1.8.6','>1.0.0 <2.0.0')",
        json!({}),
        json!(true),
    );
    ok(
        "semver_compare('2.1.5','<2.0.0 || >=3.0.0')",
        json!({}),
        json!(false),
    );
    ok("semver_compare('1.5.0','1.x.x')", json!({}), json!(false));
    ok("semver_compare('1.5.0','<=1.x')", json!({}), json!(true));
    ok("semver_compare('v1.0.0','0.0.0')", json!({}), json!(true));
    ok("semver_compare('1.0.0','>= 1.0.0')", json!({}), json!(true));
    ok("semver_compare('1.0.0','! 1.0.0')", json!({}), json!(true));
    err(
        "semver_compare('1.0.0','x')",
        json!({}),
        "Last element in range is '||'",
    );
    err(
        "semver_compare('1.0.0','abc')",
        json!({}),
        "Could not get version from string: \"abc\"",
    );
    err(
        "semver_compare('1.0.0','||')",
        json!({}),
        "First element in range is '||'",
    );
    ok(
        "semver_compare('1.0.0-alpha','<1.0.0')",
        json!({}),
        json!(true),
    );
    ok(
        "semver_compare('1.0.0','>1.0.0-rc.1')",
        json!({}),
        json!(true),
    );
    ok("semver_compare('1.2.3','1.2.x')", json!({}), json!(true));
    ok("semver_compare('1.3.0','>1.2.x')", json!({}), json!(true));
    ok("semver_compare('1.2.9','<1.2.x')", json!({}), json!(false));
    err("semver_compare('1.2.3','01.2.3')", json!({}), "Could not parse Range \"01.2.3\": Could not parse version \"01.2.3\" in \"01.2.3\": Major number must not contain leading zeroes \"01\"");
    ok(
        "semver_compare('1.2.3','=1.2.3+build')",
        json!({}),
        json!(true),
    );
    ok(
        "semver_compare('1.0.0-1','<1.0.0-a')",
        json!({}),
        json!(true),
    );
}

#[test]
fn pattern_match_matches_kyverno() {
    ok("pattern_match('*','')", json!({}), json!(true));
    ok("pattern_match('','')", json!({}), json!(true));
    ok("pattern_match('','a')", json!({}), json!(false));
    ok("pattern_match('a*b?c','axxbyc')", json!({}), json!(true));
    ok("pattern_match('a?','a')", json!({}), json!(false));
    ok("pattern_match('*.io','x.io')", json!({}), json!(true));
    ok("pattern_match('1*',`123`)", json!({}), json!(true));
    ok("pattern_match('*','abc')", json!({}), json!(true));
    ok("pattern_match('**a','aaa')", json!({}), json!(true));
}

#[test]
fn truncate_matches_kyverno() {
    ok("truncate('hello',`2`)", json!({}), json!("he"));
    ok("truncate('héllo',`2.6`)", json!({}), json!("hé"));
    ok("truncate('hello',`-1`)", json!({}), json!(""));
    ok("truncate('hello',`10`)", json!({}), json!("hello"));
}

/// Rough timing of a typical policy expression (run with `--ignored
/// --nocapture` in release mode).
#[test]
#[ignore]
fn timing_typical_expression() {
    let containers: Vec<Value> = (0..20)
        .map(|i| {
            json!({"name": format!("c{i}"), "image": format!("registry.io/app{i}:1.{i}"),
                        "securityContext": {"privileged": i % 7 == 0}})
        })
        .collect();
    let pod = json!({"request": {"object": {"metadata": {"name": "p", "labels": {"app": "x"}},
                                            "spec": {"containers": containers}}}});
    let e = compile(
        "request.object.spec.containers[?securityContext.privileged == `true`].name | length(@)",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &NoHost,
    };
    let start = std::time::Instant::now();
    let n = 100_000;
    for _ in 0..n {
        let _ = e.search(&pod, &rt);
    }
    println!("{:?} per evaluation", start.elapsed() / n);
}
