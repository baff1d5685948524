//! The Kubernetes and Kyverno CEL libraries, called through the registry of
//! each environment by cel-go overload id: the values and the error texts
//! are those of the Go libraries (users match on them).

use serde_json::{json, Value};
use std::path::PathBuf;
use std::rc::Rc;
use verno::cel::registry::Budget;
use verno::cel::{Call, Env, EnvKind, EvalError, NumberMode, Val};
use verno::host::{Host, HostError, HttpRequest, Timestamp};

/// A host with a fixed clock, fixed randomness and a small cluster.
struct TestHost;

impl Host for TestHost {
    fn now(&self) -> Result<Timestamp, HostError> {
        // 2024-03-10T14:35:27.5Z, a Sunday.
        Ok(Timestamp {
            seconds: 1_710_081_327,
            nanos: 500_000_000,
        })
    }
    fn random_u64(&self) -> Result<u64, HostError> {
        Ok(42)
    }
    fn cel_get_resource(
        &self,
        api_version: &str,
        resource: &str,
        ns: &str,
        name: &str,
    ) -> Result<Option<Value>, HostError> {
        match (api_version, resource, ns, name) {
            ("v1", "configmaps", "default", "cm") => Ok(Some(json!({"data": {"k": "v"}, "n": 3}))),
            ("v1", "secrets", _, _) => Err(HostError::Failed("secrets is forbidden".into())),
            _ => Ok(None),
        }
    }
    fn cel_list_resources(
        &self,
        _: &str,
        resource: &str,
        _: &str,
        labels: Option<&[(String, String)]>,
    ) -> Result<Value, HostError> {
        if resource == "widgets" {
            return Err(HostError::Failed(
                "the server could not find the requested resource".into(),
            ));
        }
        Ok(json!({"items": [{"name": "a"}], "labels": labels.map_or(0, <[_]>::len)}))
    }
    fn http_request(&self, r: &HttpRequest<'_>) -> Result<Value, HostError> {
        match r.url {
            "https://api/json" => Ok(json!({"count": 2, "statusCode": 200})),
            "https://api/echo" => Ok(json!({
                "body": {"method": r.method, "headers": r.headers.len(), "sent": r.body.cloned(), "ca": r.ca_bundle.is_some()},
                "statusCode": 201
            })),
            _ => Err(HostError::Failed("dial tcp: no such host".into())),
        }
    }
    fn global_context_entry(
        &self,
        name: &str,
        projection: &str,
    ) -> Result<Option<Value>, HostError> {
        match (name, projection) {
            ("deployments", "") => Ok(Some(json!([1, 2]))),
            ("deployments", "names") => Ok(Some(json!(["a"]))),
            ("deployments", p) => Err(HostError::Failed(format!(
                "projection \"{p}\" not found in global context entry \"deployments\""
            ))),
            _ => Ok(None),
        }
    }
    fn image_metadata(&self, image: &str) -> Result<Value, HostError> {
        if image == "nginx:1.25" {
            Ok(json!({"image": image, "digest": "sha256:abc"}))
        } else {
            Err(HostError::Failed(format!(
                "image data for {image} not found in the context"
            )))
        }
    }
}

/// Calls overload `id` of `name` in `kind`'s environment.
fn call_in<'a>(
    kind: EnvKind,
    name: &str,
    id: &str,
    args: Vec<Val<'a>>,
) -> Result<Val<'a>, EvalError> {
    let env = Env::new(kind);
    let overload = env
        .registry()
        .functions(name)
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("{kind:?} has no overload {id} of {name}"))
        .clone();
    let mut budget = Budget::new(1_000_000);
    let mut c = Call {
        host: &TestHost,
        budget: &mut budget,
        numbers: NumberMode::Doubles,
    };
    (overload.imp)(&mut c, &args)
}

fn call<'a>(name: &str, id: &str, args: Vec<Val<'a>>) -> Result<Val<'a>, EvalError> {
    call_in(EnvKind::ValidatingPolicy, name, id, args)
}

fn ok<'a>(name: &str, id: &str, args: Vec<Val<'a>>) -> Val<'a> {
    call(name, id, args).unwrap_or_else(|e| panic!("{name}: {}", e.message))
}

fn err(name: &str, id: &str, args: Vec<Val<'_>>) -> String {
    match call(name, id, args) {
        Ok(v) => panic!("{name} succeeded: {v:?}"),
        Err(e) => e.message,
    }
}

fn s(x: &str) -> Val<'static> {
    Val::string(x)
}

fn as_str(v: &Val<'_>) -> String {
    match v {
        Val::String(s) => s.as_str().to_string(),
        other => panic!("not a string: {other:?}"),
    }
}

fn opaque_json(v: &Val<'_>) -> Value {
    match v {
        Val::Opaque(o) => o.to_json().unwrap_or(Value::Null),
        other => panic!("not a library value: {other:?}"),
    }
}

/// A map or list value as JSON (for comparing host-backed results).
fn plain(v: &Val<'_>) -> Value {
    match v {
        Val::Null => Value::Null,
        Val::Bool(b) => json!(b),
        Val::Int(i) => json!(i),
        Val::Uint(u) => json!(u),
        Val::Double(d) => json!(d),
        Val::String(s) => json!(s.as_str()),
        Val::List(items) => Value::Array(items.iter().map(plain).collect()),
        Val::Map(m) => Value::Object(
            m.entries()
                .iter()
                .map(|(k, v)| (as_str(k), plain(v)))
                .collect(),
        ),
        other => panic!("unexpected {other:?}"),
    }
}

fn quantity(text: &str) -> Val<'static> {
    ok("quantity", "string_to_quantity", vec![s(text)])
}

#[test]
fn quantity_parse_errors_are_kubernetes_errors() {
    assert_eq!(
        err("quantity", "string_to_quantity", vec![s("10Mo")]),
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    );
    assert_eq!(
        err("quantity", "string_to_quantity", vec![s("10Mm")]),
        "unable to parse quantity's suffix"
    );
    assert!(matches!(
        ok("isQuantity", "is_quantity_string", vec![s("20Mi")]),
        Val::Bool(true)
    ));
    assert!(matches!(
        ok("isQuantity", "is_quantity_string", vec![s("20Mo")]),
        Val::Bool(false)
    ));
}

#[test]
fn quantity_arithmetic_is_exact_and_keeps_the_receiver_format() {
    let sum = ok("add", "quantity_add", vec![quantity("50k"), quantity("20")]);
    assert_eq!(opaque_json(&sum), json!("50020"));
    let plus_int = ok(
        "add",
        "quantity_add_int",
        vec![quantity("1Gi"), Val::Int(1)],
    );
    assert_eq!(opaque_json(&plus_int), json!("1073741825"));
    let diff = ok("sub", "quantity_sub", vec![quantity("1"), quantity("250m")]);
    assert_eq!(opaque_json(&diff), json!("750m"));
    assert!(matches!(
        ok(
            "isLessThan",
            "quantity_is_less_than",
            vec![quantity("50M"), quantity("50Mi")]
        ),
        Val::Bool(true)
    ));
    assert!(matches!(
        ok(
            "compareTo",
            "quantity_compare_to",
            vec![quantity("50Mi"), quantity("50M")]
        ),
        Val::Int(1)
    ));
    assert!(matches!(
        ok("sign", "quantity_sign", vec![quantity("-1m")]),
        Val::Int(-1)
    ));
}

#[test]
fn quantity_as_integer_fails_outside_int64() {
    assert!(matches!(
        ok("asInteger", "quantity_get_int", vec![quantity("50k")]),
        Val::Int(50_000)
    ));
    assert_eq!(
        err(
            "asInteger",
            "quantity_get_int",
            vec![quantity("9999999999999999999999999999999999999G")]
        ),
        "cannot convert value to integer"
    );
    assert!(matches!(
        ok("isInteger", "quantity_is_integer", vec![quantity("1500m")]),
        Val::Bool(false)
    ));
    assert!(
        matches!(ok("asApproximateFloat", "quantity_get_float", vec![quantity("50.703k")]), Val::Double(d) if d == 50703.0)
    );
}

#[test]
fn ip_refuses_zones_and_ipv4_mapped_addresses() {
    assert_eq!(
        err("ip", "string_to_ip", vec![s("fe80::1%eth0")]),
        r#"IP address "fe80::1%eth0" with zone value is not allowed"#
    );
    assert_eq!(
        err("ip", "string_to_ip", vec![s("::ffff:1.2.3.4")]),
        r#"IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed"#
    );
    assert_eq!(
        err("ip", "string_to_ip", vec![s("1.2.3")]),
        r#"IP Address "1.2.3" parse error during conversion from string: ParseAddr("1.2.3"): IPv4 address too short"#
    );
    assert!(matches!(
        ok("ip.isCanonical", "ip_is_canonical", vec![s("2001:DB8::1")]),
        Val::Bool(false)
    ));
    assert!(matches!(
        ok("ip.isCanonical", "ip_is_canonical", vec![s("2001:db8::1")]),
        Val::Bool(true)
    ));
}

#[test]
fn ip_predicates_and_family_follow_go() {
    let ip = |t: &str| ok("ip", "string_to_ip", vec![s(t)]);
    assert!(matches!(
        ok("family", "ip_family", vec![ip("::1")]),
        Val::Int(6)
    ));
    assert!(matches!(
        ok("isLoopback", "ip_is_loopback", vec![ip("127.0.0.1")]),
        Val::Bool(true)
    ));
    assert!(matches!(
        ok(
            "isGlobalUnicast",
            "ip_is_global_unicast",
            vec![ip("10.0.0.1")]
        ),
        Val::Bool(true)
    ));
    assert!(matches!(
        ok(
            "isLinkLocalUnicast",
            "ip_is_link_local_unicast",
            vec![ip("fe80::1")]
        ),
        Val::Bool(true)
    ));
    assert_eq!(
        as_str(&ok(
            "string",
            "ip_to_string",
            vec![ip("2001:0db8:0:0:0:0:0:1")]
        )),
        "2001:db8::1"
    );
}

#[test]
fn cidr_errors_carry_kubernetes_double_prefix() {
    assert_eq!(
        err("cidr", "string_to_cidr", vec![s("1.2.3.4")]),
        r#"network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("1.2.3.4"): no '/'"#
    );
    let net = ok("cidr", "string_to_cidr", vec![s("192.168.0.0/16")]);
    assert_eq!(
        err(
            "containsIP",
            "cidr_contains_ip_string",
            vec![net, s("nope")]
        ),
        r#"IP Address "nope" parse error during conversion from string: ParseAddr("nope"): unable to parse IP"#
    );
}

#[test]
fn cidr_containment_masking_and_accessors() {
    let net = || ok("cidr", "string_to_cidr", vec![s("192.168.5.7/16")]);
    assert!(matches!(
        ok(
            "containsIP",
            "cidr_contains_ip_string",
            vec![net(), s("192.168.200.1")]
        ),
        Val::Bool(true)
    ));
    assert!(matches!(
        ok(
            "containsCIDR",
            "cidr_contains_cidr_string",
            vec![net(), s("192.168.1.0/24")]
        ),
        Val::Bool(true)
    ));
    assert!(matches!(
        ok(
            "containsCIDR",
            "cidr_contains_cidr_string",
            vec![net(), s("192.0.0.0/8")]
        ),
        Val::Bool(false)
    ));
    assert_eq!(
        opaque_json(&ok("masked", "cidr_masked", vec![net()])),
        json!("192.168.0.0/16")
    );
    assert_eq!(
        opaque_json(&ok("ip", "cidr_ip", vec![net()])),
        json!("192.168.5.7")
    );
    assert!(matches!(
        ok("prefixLength", "cidr_prefix_length", vec![net()]),
        Val::Int(16)
    ));
}

#[test]
fn url_accessors_follow_go_net_url() {
    let u = || {
        ok(
            "url",
            "string_to_url",
            vec![s("https://user@example.com:8080/a%2Fb/c?x=1&x=2&y=#frag")],
        )
    };
    assert_eq!(
        as_str(&ok("getScheme", "url_get_scheme", vec![u()])),
        "https"
    );
    assert_eq!(
        as_str(&ok("getHost", "url_get_host", vec![u()])),
        "example.com:8080"
    );
    assert_eq!(
        as_str(&ok("getHostname", "url_get_hostname", vec![u()])),
        "example.com"
    );
    assert_eq!(as_str(&ok("getPort", "url_get_port", vec![u()])), "8080");
    assert_eq!(
        as_str(&ok("getEscapedPath", "url_get_escaped_path", vec![u()])),
        "/a%2Fb/c"
    );
    assert_eq!(
        plain(&ok("getQuery", "url_get_query", vec![u()])),
        json!({"x": ["1", "2"], "y": [""]})
    );
    assert_eq!(
        err("url", "string_to_url", vec![s("example.com")]),
        r#"URL parse error during conversion from string: parse "example.com": invalid URI for request"#
    );
    assert!(matches!(
        ok("isURL", "is_url_string", vec![s("/relative/path")]),
        Val::Bool(true)
    ));
}

#[test]
fn regex_find_uses_go_syntax_and_errors() {
    assert_eq!(
        as_str(&ok(
            "find",
            "string_find_string",
            vec![s("abc 123"), s("[0-9]+")]
        )),
        "123"
    );
    assert_eq!(
        as_str(&ok(
            "find",
            "string_find_string",
            vec![s("abc"), s("[0-9]+")]
        )),
        ""
    );
    assert_eq!(
        plain(&ok(
            "findAll",
            "string_find_all_string_int",
            vec![s("a1b2c3"), s("[0-9]"), Val::Int(2)]
        )),
        json!(["1", "2"])
    );
    assert_eq!(
        plain(&ok(
            "findAll",
            "string_find_all_string",
            vec![s("a1b2c3"), s("[0-9]")]
        )),
        json!(["1", "2", "3"])
    );
    assert_eq!(
        err("find", "string_find_string", vec![s("x"), s("(")]),
        "Illegal regex: error parsing regexp: missing closing ): `(`"
    );
}

fn list(items: Vec<Val<'static>>) -> Val<'static> {
    Val::List(Rc::new(items))
}

#[test]
fn lists_library_sums_compares_and_searches() {
    let ints = || list(vec![Val::Int(3), Val::Int(1), Val::Int(2)]);
    assert!(matches!(
        ok("sum", "list_int_sum_int", vec![ints()]),
        Val::Int(6)
    ));
    assert!(
        matches!(ok("sum", "list_double_sum_double", vec![list(vec![Val::Double(0.5), Val::Double(1.0)])]), Val::Double(d) if d == 1.5)
    );
    assert!(matches!(
        ok("min", "list_int_min_int", vec![ints()]),
        Val::Int(1)
    ));
    assert!(matches!(
        ok("max", "list_int_max_int", vec![ints()]),
        Val::Int(3)
    ));
    assert!(matches!(
        ok("isSorted", "list_int_is_sorted_bool", vec![ints()]),
        Val::Bool(false)
    ));
    assert!(matches!(
        ok("indexOf", "list_a_index_of_int", vec![ints(), Val::Int(2)]),
        Val::Int(2)
    ));
    assert!(matches!(
        ok(
            "lastIndexOf",
            "list_a_last_index_of_int",
            vec![ints(), Val::Int(9)]
        ),
        Val::Int(-1)
    ));
    assert_eq!(
        err("min", "list_int_min_int", vec![list(vec![])]),
        "min called on empty list"
    );
    assert_eq!(
        err(
            "sum",
            "list_int_sum_int",
            vec![list(vec![Val::Int(i64::MAX), Val::Int(1)])]
        ),
        "integer overflow"
    );
}

#[test]
fn format_validate_returns_kubernetes_messages() {
    let label = ok("format.dns1123Label", "format.dns1123Label", vec![]);
    match ok("validate", "format-validate", vec![label.clone(), s("Not_Valid")]) {
        Val::Optional(Some(errs)) => assert_eq!(
            plain(&errs),
            json!(["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"])
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ok("validate", "format-validate", vec![label, s("fine")]),
        Val::Optional(None)
    ));
    assert!(matches!(
        ok("format.named", "format-named", vec![s("nope")]),
        Val::Optional(None)
    ));
    assert!(matches!(
        ok("format.named", "format-named", vec![s("uuid")]),
        Val::Optional(Some(_))
    ));
}

#[test]
fn semver_parses_normalizes_and_compares() {
    let v = |t: &str, norm: bool| {
        ok(
            "semver",
            "string_bool_to_semver",
            vec![s(t), Val::Bool(norm)],
        )
    };
    assert!(matches!(
        ok("major", "semver_major", vec![v("v01.2", true)]),
        Val::Int(1)
    ));
    assert!(matches!(
        ok(
            "isLessThan",
            "semver_is_less_than",
            vec![v("1.2.3-rc.1", false), v("1.2.3", false)]
        ),
        Val::Bool(true)
    ));
    assert_eq!(
        err("semver", "string_to_semver", vec![s("1.2")]),
        "No Major.Minor.Patch elements found"
    );
    assert!(matches!(
        ok("isSemver", "is_semver_string", vec![s("v1.0.0")]),
        Val::Bool(false)
    ));
    assert!(matches!(
        ok(
            "isSemver",
            "is_semver_string_bool",
            vec![s("v1.0.0"), Val::Bool(true)]
        ),
        Val::Bool(true)
    ));
}

#[test]
fn jsonpatch_escape_key_exists_only_where_patches_are_written() {
    let out = call_in(
        EnvKind::MutatingPolicy,
        "jsonpatch.escapeKey",
        "string_jsonpatch_escapeKey_string",
        vec![s("a/b~c")],
    );
    assert_eq!(out.map(|v| as_str(&v)).ok().as_deref(), Some("a~1b~0c"));
    assert!(Env::new(EnvKind::ValidatingPolicy)
        .registry()
        .functions("jsonpatch.escapeKey")
        .is_empty());
}

#[test]
fn kyverno_libraries_follow_each_kind() {
    let has = |kind, f: &str| !Env::new(kind).registry().functions(f).is_empty();
    assert!(!has(EnvKind::AdmissionPolicy, "parseImageReference"));
    assert!(has(EnvKind::AdmissionPolicy, "quantity"));
    assert!(!has(EnvKind::ImageValidatingPolicy, "x509.decode"));
    assert!(has(EnvKind::ValidatingPolicy, "x509.decode"));
    assert!(!has(EnvKind::GeneratingPolicy, "parseServiceAccount"));
    assert!(has(EnvKind::MutatingPolicy, "user.parseServiceAccount"));
    for alias in [
        "Get",
        "get",
        "List",
        "list",
        "Post",
        "post",
        "ToGVR",
        "toGVR",
        "GetMetadata",
        "getMetadata",
        "Client",
        "client",
    ] {
        assert!(has(EnvKind::DeletingPolicy, alias), "{alias}");
    }
    let env = Env::new(EnvKind::ValidatingPolicy);
    for var in ["resource", "http", "globalContext", "image", "json", "yaml"] {
        assert!(env.variables().contains_key(var), "{var}");
        assert!(verno::cel::libs::global_value(var).is_some(), "{var}");
    }
}

fn resource() -> Val<'static> {
    verno::cel::libs::global_value("resource").unwrap_or(Val::Null)
}

#[test]
fn resource_get_is_null_when_absent_and_prefixes_errors() {
    let get = |ns: &str, kind: &str, name: &str| {
        call(
            "Get",
            "resource_get_string_string_string_string",
            vec![resource(), s("v1"), s(kind), s(ns), s(name)],
        )
    };
    let found = get("default", "configmaps", "cm").map(|v| plain(&v));
    assert_eq!(found.ok(), Some(json!({"data": {"k": "v"}, "n": 3})));
    assert!(matches!(
        get("default", "configmaps", "missing"),
        Ok(Val::Null)
    ));
    assert_eq!(
        get("default", "secrets", "s")
            .err()
            .map(|e| e.message)
            .as_deref(),
        Some("failed to get resource: secrets is forbidden")
    );
    let listed = call(
        "List",
        "resource_list_string_string_string_map",
        vec![
            resource(),
            s("v1"),
            s("pods"),
            s("default"),
            Val::Json(Box::leak(Box::new(json!({"app": "x"})))),
        ],
    );
    assert_eq!(
        listed.map(|v| plain(&v)).ok(),
        Some(json!({"items": [{"name": "a"}], "labels": 1}))
    );
    let missing = call(
        "list",
        "resource_list_string_string_string",
        vec![resource(), s("v1"), s("widgets"), s("")],
    );
    assert_eq!(
        missing.err().map(|e| e.message).as_deref(),
        Some("failed to list resource: the server could not find the requested resource")
    );
}

#[test]
fn resource_int_fields_stay_ints() {
    let got = ok(
        "Get",
        "resource_get_string_string_string_string",
        vec![resource(), s("v1"), s("configmaps"), s("default"), s("cm")],
    );
    let Val::Map(m) = got else {
        panic!("not a map")
    };
    let n = m
        .entries()
        .iter()
        .find(|(k, _)| as_str(k) == "n")
        .map(|(_, v)| v.clone());
    assert!(matches!(n, Some(Val::Int(3))));
}

fn http() -> Val<'static> {
    verno::cel::libs::global_value("http").unwrap_or(Val::Null)
}

#[test]
fn http_get_returns_body_numbers_as_doubles_and_status_as_int() {
    let got = ok(
        "Get",
        "http_get_string",
        vec![http(), s("https://api/json")],
    );
    let Val::Map(m) = got else {
        panic!("not a map")
    };
    let field = |k: &str| {
        m.entries()
            .iter()
            .find(|(key, _)| as_str(key) == k)
            .map(|(_, v)| v.clone())
    };
    assert!(matches!(field("count"), Some(Val::Double(d)) if d == 2.0));
    assert!(matches!(field("statusCode"), Some(Val::Int(200))));
    assert_eq!(
        err("get", "http_get_string", vec![http(), s("https://down")]),
        "request failed: dial tcp: no such host"
    );
}

#[test]
fn http_client_with_ca_bundle_passes_it_to_the_host() {
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let client = ok("Client", "http_client_string", vec![http(), s(pem)]);
    let headers = Val::Json(Box::leak(Box::new(json!({"X-A": "1"}))));
    let got = ok(
        "Post",
        "http_post_string_any_headers",
        vec![client, s("https://api/echo"), s("payload"), headers],
    );
    assert_eq!(
        plain(&got),
        json!({"body": {"method": "POST", "headers": 1.0, "sent": "payload", "ca": true}, "statusCode": 201})
    );
    assert_eq!(
        err("Client", "http_client_string", vec![http(), s("not pem")]),
        "request failed: failed to parse PEM CA bundle for APICall"
    );
}

#[test]
fn global_context_unknown_entry_is_null_and_projection_errors_are_prefixed() {
    let gctx = || verno::cel::libs::global_value("globalContext").unwrap_or(Val::Null);
    assert!(matches!(
        ok("Get", "globalcontext_get_string", vec![gctx(), s("nope")]),
        Val::Null
    ));
    assert_eq!(
        plain(&ok(
            "get",
            "globalcontext_get_string_string",
            vec![gctx(), s("deployments"), s("names")]
        )),
        json!(["a"])
    );
    assert_eq!(
        err(
            "Get",
            "globalcontext_get_string_string",
            vec![gctx(), s("deployments"), s("p")]
        ),
        r#"failed to get global reference: projection "p" not found in global context entry "deployments""#
    );
}

#[test]
fn image_metadata_comes_from_the_host() {
    let image = || verno::cel::libs::global_value("image").unwrap_or(Val::Null);
    assert_eq!(
        plain(&ok(
            "GetMetadata",
            "imagedata_get_string",
            vec![image(), s("nginx:1.25")]
        )),
        json!({"image": "nginx:1.25", "digest": "sha256:abc"})
    );
    assert_eq!(
        err(
            "getMetadata",
            "imagedata_get_string",
            vec![image(), s("redis")]
        ),
        "failed to get image data: image data for redis not found in the context"
    );
}

#[test]
fn image_references_use_go_containerregistry_defaults() {
    let img = |t: &str| ok("parseImageReference", "string_to_image", vec![s(t)]);
    assert_eq!(
        as_str(&ok("registry", "image_registry", vec![img("nginx")])),
        "index.docker.io"
    );
    assert_eq!(
        as_str(&ok("repository", "image_repository", vec![img("nginx")])),
        "library/nginx"
    );
    assert_eq!(
        as_str(&ok("tag", "image_tag", vec![img("nginx")])),
        "latest"
    );
    let d = "sha256:6aefddb645ee6963afd681b1845c661d0ea4c3b20ab9db86d9e753b203d385f2";
    let digested = img(&format!("ghcr.io/a/b:1@{d}"));
    assert_eq!(as_str(&ok("tag", "image_tag", vec![digested.clone()])), "");
    assert_eq!(
        as_str(&ok(
            "identifier",
            "image_identifier",
            vec![digested.clone()]
        )),
        d
    );
    assert!(matches!(
        ok("containsDigest", "image_contains_digest", vec![digested]),
        Val::Bool(true)
    ));
    assert_eq!(
        err(
            "image",
            "string_to_image_deprecated",
            vec![s("registry.k8s.io/kube-apiserver-arm64:@")]
        ),
        "could not parse reference: registry.k8s.io/kube-apiserver-arm64:@"
    );
}

#[test]
fn hash_math_random_and_user_helpers() {
    assert_eq!(
        as_str(&ok("sha256", "sha256_string_non_prefixed", vec![s("abc")])),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        as_str(&ok("hash.md5", "md5_string_prefixed", vec![s("abc")])),
        "900150983cd24fb0d6963f7d28e17f72"
    );
    assert!(
        matches!(ok("math.round", "math_round_float_int", vec![Val::Double(1.25), Val::Int(1)]), Val::Double(d) if d == 1.3)
    );
    assert!(
        matches!(ok("math.round", "math_round_float_int", vec![Val::Double(-2.5), Val::Int(0)]), Val::Double(d) if d == -3.0)
    );
    let r = as_str(&ok(
        "random",
        "random_string_default_expr_non_prefixed",
        vec![],
    ));
    assert!(
        r.len() == 8
            && r.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
        "{r}"
    );
    let sa = ok(
        "parseServiceAccount",
        "parse_service_account_string_non_prefixed",
        vec![s("system:serviceaccount:ns:builder")],
    );
    assert_eq!(plain(&sa), json!({"name": "builder", "namespace": "ns"}));
    let other = ok(
        "user.parseServiceAccount",
        "parse_service_account_string_prefixed",
        vec![s("alice")],
    );
    assert_eq!(plain(&other), json!({"name": "", "namespace": ""}));
}

#[test]
fn time_library_reads_the_host_clock_and_truncates_like_go() {
    let now = ok("time.now", "time_now", vec![]);
    assert_eq!(
        as_str(&ok("time.toCron", "time_to_cron", vec![now.clone()])),
        "35 14 10 3 0"
    );
    let hour = Val::Duration(chrono::TimeDelta::hours(1));
    match ok("time.truncate", "time_truncate", vec![now, hour]) {
        Val::Timestamp(t) => assert_eq!(t.to_rfc3339(), "2024-03-10T14:00:00+00:00"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn transform_list_obj_to_map_checks_lengths_and_keys() {
    let keys = Val::Json(Box::leak(Box::new(json!([{"k": "a"}, {"k": "b"}]))));
    let values = Val::Json(Box::leak(Box::new(json!([{"v": 1}, {"v": 2}]))));
    let out = ok(
        "listObjToMap",
        "list_of_object_to_map_non_prefixed",
        vec![keys.clone(), values, s("k"), s("v")],
    );
    assert_eq!(plain(&out), json!({"a": 1.0, "b": 2.0}));
    let short = Val::Json(Box::leak(Box::new(json!([{"v": 1}]))));
    assert_eq!(
        err(
            "transform.listObjToMap",
            "list_of_object_to_map_prefixed",
            vec![keys.clone(), short, s("k"), s("v")]
        ),
        "listObjToMap must take lists of equal length. list1: 2, list2: 1"
    );
    let values = Val::Json(Box::leak(Box::new(json!([{"v": 1}, {"v": 2}]))));
    assert_eq!(
        err(
            "listObjToMap",
            "list_of_object_to_map_non_prefixed",
            vec![keys, values, s("v"), s("v")]
        ),
        "the passed key name cannot be handled as a string in the key object list"
    );
}

#[test]
fn json_and_yaml_parse_numbers_as_doubles() {
    let json_var = || verno::cel::libs::global_value("json").unwrap_or(Val::Null);
    let yaml_var = || verno::cel::libs::global_value("yaml").unwrap_or(Val::Null);
    let parsed = ok(
        "unmarshal",
        "unmarshal_string_dyn",
        vec![json_var(), s(r#"{"a": [1, "x"]}"#)],
    );
    assert!(matches!(&parsed, Val::Map(_)));
    assert_eq!(plain(&parsed), json!({"a": [1.0, "x"]}));
    assert_eq!(
        err(
            "unmarshal",
            "unmarshal_string_dyn",
            vec![json_var(), s("{")]
        ),
        "unexpected end of JSON input"
    );
    assert_eq!(
        plain(&ok(
            "parse",
            "parse_string_dyn",
            vec![yaml_var(), s("a: 1\nb: [x]\n")]
        )),
        json!({"a": 1.0, "b": ["x"]})
    );
}

#[test]
fn gzip_round_trips_and_has_a_deterministic_header() {
    let packed = ok(
        "gzip.compress",
        "compress_any_bytes",
        vec![s("hello hello hello")],
    );
    let Val::Bytes(b) = &packed else {
        panic!("not bytes")
    };
    assert_eq!(
        b.get(..10),
        Some(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255][..])
    );
    assert_eq!(
        as_str(&ok(
            "gzip.decompress",
            "decompress_bytes_string",
            vec![packed]
        )),
        "hello hello hello"
    );
    assert_eq!(
        err("gzip.compress", "compress_any_bytes", vec![Val::Int(1)]),
        "type conversion error from 'int' to 'string'"
    );
    assert!(call(
        "gzip.decompress",
        "decompress_bytes_string",
        vec![Val::Bytes(Rc::from(&b"nope"[..]))]
    )
    .is_err());
}

#[test]
fn x509_decode_shares_kyvernos_rsa_only_decoder() {
    let fixture = |n: &str| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/x509")
            .join(n);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let cert = ok(
        "x509.decode",
        "x509_decode_string",
        vec![s(&fixture("kyverno-svc.pem"))],
    );
    let want: Value = serde_json::from_str(&fixture("kyverno-svc.json")).unwrap_or(Value::Null);
    let common_name = |v: &Value| v.pointer("/Subject/CommonName").cloned();
    assert_eq!(common_name(&plain(&cert)), common_name(&want));
    assert!(common_name(&want).is_some());
    assert_eq!(
        err("x509.decode", "x509_decode_string", vec![s("junk")]),
        "failed to decode PEM block"
    );
    assert_eq!(
        err(
            "x509.decode",
            "x509_decode_string",
            vec![s(&fixture("ec.pem"))]
        ),
        "certificate should use rsa algorithm"
    );
}
