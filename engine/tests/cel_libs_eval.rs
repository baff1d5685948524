//! The Kubernetes and Kyverno CEL libraries end to end: expressions
//! compiled in a policy kind's environment and evaluated, library
//! variables bound as Kyverno binds them.

use serde_json::{json, Value};
use verno::cel::{libs, to_json, Activation, Env, EnvKind, NumberMode, Program};
use verno::host::{Host, HostError, HttpRequest, Timestamp};

struct TestHost;

impl Host for TestHost {
    fn now(&self) -> Result<Timestamp, HostError> {
        Ok(Timestamp {
            seconds: 1_710_081_327,
            nanos: 0,
        })
    }
    fn cel_get_resource(
        &self,
        _: &str,
        _: &str,
        ns: &str,
        name: &str,
    ) -> Result<Option<Value>, HostError> {
        Ok((ns == "default" && name == "settings").then(|| json!({"data": {"replicas": "3"}})))
    }
    fn http_request(&self, r: &HttpRequest<'_>) -> Result<Value, HostError> {
        Ok(json!({"allowed": r.url.ends_with("/ok"), "statusCode": 200}))
    }
    fn global_context_entry(&self, name: &str, _: &str) -> Result<Option<Value>, HostError> {
        Ok((name == "regions").then(|| json!(["eu", "us"])))
    }
}

fn eval_in(kind: EnvKind, expr: &str, object: &Value) -> Result<Value, String> {
    let env = Env::new(kind);
    let program = Program::compile(&env, expr).map_err(|e| e.message)?;
    let mut act = Activation::new(NumberMode::Doubles);
    act.bind_json("object", object);
    for var in ["resource", "http", "globalContext", "image", "json", "yaml"] {
        if env.variables().contains_key(var) {
            if let Some(v) = libs::global_value(var) {
                act.bind(var, v);
            }
        }
    }
    let out = program.eval(&act, &TestHost).map_err(|e| e.message)?;
    to_json(&out).map_err(|e| e.message)
}

fn eval(expr: &str) -> Result<Value, String> {
    eval_in(EnvKind::ValidatingPolicy, expr, &json!({}))
}

#[track_caller]
fn check(expr: &str, want: Value) {
    assert_eq!(eval(expr), Ok(want), "{expr}");
}

#[track_caller]
fn check_err(expr: &str, want: &str) {
    assert_eq!(eval(expr), Err(want.to_string()), "{expr}");
}

#[test]
fn kubernetes_quantity_expressions() {
    check(
        r#"quantity("50k").add(quantity("20")) == quantity("50.02k")"#,
        json!(true),
    );
    check(
        r#"quantity("50k").add(20).isLessThan(quantity("50020"))"#,
        json!(false),
    );
    check(r#"quantity("50k").sub(20).asInteger()"#, json!(49980));
    check(r#"quantity("1Gi").compareTo(quantity("1024Mi"))"#, json!(0));
    check(r#"isQuantity("20Mo")"#, json!(false));
    check(r#"sign(quantity("-5"))"#, json!(-1));
    check_err(
        r#"quantity("10Mo")"#,
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
}

#[test]
fn kubernetes_network_expressions() {
    check(r#"cidr("10.0.0.0/8").containsIP("10.1.2.3")"#, json!(true));
    check(
        r#"cidr("192.168.0.1/24").masked() == cidr("192.168.0.0/24")"#,
        json!(true),
    );
    check(r#"string(cidr("2001:db8::/32").ip())"#, json!("2001:db8::"));
    check(
        r#"ip("127.0.0.1").isLoopback() && ip("::1").family() == 6"#,
        json!(true),
    );
    check(r#"ip.isCanonical("2001:DB8::68")"#, json!(false));
    check(r#"type(ip("1.2.3.4")) == net.IP"#, json!(true));
    check_err(
        r#"ip("fe80::1%en0")"#,
        r#"IP address "fe80::1%en0" with zone value is not allowed"#,
    );
}

#[test]
fn kubernetes_url_regex_lists_format_semver_expressions() {
    check(
        r#"url("https://example.com:80/a?x=1").getHostname()"#,
        json!("example.com"),
    );
    check(
        r#"url("https://example.com/a?x=1&x=2").getQuery()["x"]"#,
        json!(["1", "2"]),
    );
    check(r#""abc 123 45".findAll("[0-9]+")"#, json!(["123", "45"]));
    check(
        r#"[1, 2, 3].sum() == 6 && [3, 1].min() == 1 && ["a", "b"].isSorted()"#,
        json!(true),
    );
    check(r#"[1, 2, 1].lastIndexOf(1)"#, json!(2));
    check(
        r#"format.dns1123Label().validate("ok-name").hasValue()"#,
        json!(false),
    );
    check(
        r#"format.named("labelValue").value().validate("bad value!").value().size()"#,
        json!(1),
    );
    check(
        r#"semver("1.2.3").isLessThan(semver("v1.10", true))"#,
        json!(true),
    );
    check(r#"semver("1.2.3").major()"#, json!(1));
}

#[test]
fn kyverno_image_and_helper_expressions() {
    check(
        r#"parseImageReference("nginx").registry()"#,
        json!("index.docker.io"),
    );
    check(
        r#"image("ghcr.io/org/app:v1").repository()"#,
        json!("org/app"),
    );
    check(r#"isImage("UPPER/case")"#, json!(false));
    check(r#"sha256("abc").size()"#, json!(64));
    check(r#"math.round(2.71828, 2)"#, json!(2.72));
    check(
        r#"user.parseServiceAccount("system:serviceaccount:ns:sa").Namespace"#,
        json!("ns"),
    );
    check(r#"time.toCron(time.now())"#, json!("35 14 10 3 0"));
    check(
        r#"gzip.decompress(gzip.compress("payload"))"#,
        json!("payload"),
    );
    check(
        r#"transform.listObjToMap([{"k": "a"}], [{"v": "x"}], "k", "v")"#,
        json!({"a": "x"}),
    );
}

#[test]
fn kyverno_host_backed_expressions() {
    check(
        r#"resource.Get("v1", "configmaps", "default", "settings").data.replicas"#,
        json!("3"),
    );
    check(
        r#"dyn(resource.get("v1", "configmaps", "default", "absent")) == null"#,
        json!(true),
    );
    check(r#"http.Get("https://svc/ok").allowed"#, json!(true));
    check(r#"http.get("https://svc/no").statusCode"#, json!(200));
    check(r#"globalContext.Get("regions")"#, json!(["eu", "us"]));
    check(r#"dyn(globalContext.get("missing")) == null"#, json!(true));
    check(r#"json.unmarshal("{\"a\": 1}").a"#, json!(1));
    check(r#"yaml.parse("a: [x, z]").a[1]"#, json!("z"));
    // sigs.k8s.io/yaml reads YAML 1.1: a bare `y` is a boolean.
    check(r#"yaml.parse("a: [x, y]").a[1]"#, json!(true));
    check_err(
        r#"image.GetMetadata("nginx")"#,
        "failed to get image data: image registry access is not available: the host does not provide it",
    );
}

#[test]
fn admission_policies_have_no_kyverno_libraries() {
    let got = eval_in(
        EnvKind::AdmissionPolicy,
        r#"parseImageReference("nginx")"#,
        &json!({}),
    );
    assert!(got.is_err(), "{got:?}");
    let q = eval_in(
        EnvKind::AdmissionPolicy,
        r#"quantity("1").isInteger()"#,
        &json!({}),
    );
    assert_eq!(q, Ok(json!(true)));
}

#[test]
fn service_accounts_parse_into_go_field_names() {
    check(
        r#"parseServiceAccount("system:serviceaccount:foo:bar:baz").Name"#,
        json!("bar:baz"),
    );
    check(r#"parseServiceAccount("alice").Namespace"#, json!(""));
}

#[test]
fn json_marshal_sorts_keys_and_escapes_html_like_go() {
    // Mixed literals need dyn(): the checker holds aggregate literals
    // homogeneous, as cel-go's HomogeneousAggregateLiterals does.
    check(
        r#"json.marshal({"b": dyn("<x> & y"), "a": dyn([dyn(1), dyn(true)])})"#,
        json!(r#"{"a":[1,true],"b":"\u003cx\u003e \u0026 y"}"#),
    );
}
