//! `x509_decode` returns the JSON Kyverno builds from Go's
//! `x509.Certificate` / `x509.CertificateRequest`.
//!
//! The `.pem`/`.json` pairs under `tests/x509/` are the inputs and expected
//! outputs of Kyverno's own `Test_x509Decode` (pkg/engine/jmespath); the
//! openssl-made certificate below covers the extensions those lack.

use serde_json::{json, Value};
use std::path::PathBuf;
use verno::host::NoHost;
use verno::jmespath::{compile, Dialect, JmespathError, Runtime};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/x509")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn decode(expr: &str, pem: &str) -> Result<Value, JmespathError> {
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &NoHost,
    };
    compile(expr)?.search(&json!({ "pem": pem }), &rt)
}

/// Field-by-field comparison, so a failure names the field; numbers are
/// compared by value (Kyverno's are float64).
fn assert_same_shape(got: &Value, want: &Value, path: &str) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            let gk: Vec<_> = g.keys().collect();
            let wk: Vec<_> = w.keys().collect();
            assert_eq!(gk, wk, "keys at {path}");
            for (k, wv) in w {
                assert_same_shape(&g[k], wv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "length at {path}");
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                assert_same_shape(gv, wv, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(g), Value::Number(w)) => {
            assert_eq!(g.as_f64(), w.as_f64(), "number at {path}")
        }
        _ => assert_eq!(got, want, "at {path}"),
    }
}

fn check_fixture(stem: &str) {
    let pem = fixture(&format!("{stem}.pem"));
    let want: Value = serde_json::from_str(&fixture(&format!("{stem}.json"))).unwrap();
    let got = decode("x509_decode(pem)", &pem).unwrap();
    assert_same_shape(&got, &want, stem);
}

#[test]
fn x509_decode_certificate_matches_kyverno_output() {
    check_fixture("kyverno-svc");
}

#[test]
fn x509_decode_certificate_with_full_subject_matches_kyverno_output() {
    check_fixture("x-names");
}

#[test]
fn x509_decode_certificate_request_matches_kyverno_output() {
    check_fixture("digicert.csr");
}

#[test]
fn x509_decode_accepts_base64_decoded_pem_and_leading_text() {
    let pem = fixture("kyverno-svc.pem");
    let want = decode("x509_decode(pem)", &pem).unwrap();
    let b64 = decode("base64_encode(pem)", &pem).unwrap();
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &NoHost,
    };
    let via_b64 = compile("x509_decode(base64_decode(b))")
        .unwrap()
        .search(&json!({ "b": b64 }), &rt)
        .unwrap();
    assert_eq!(via_b64, want);
    let prefixed = decode(
        "x509_decode(pem)",
        &format!("junk\nmore junk\n{pem}trailer"),
    )
    .unwrap();
    assert_eq!(prefixed, want);
}

#[test]
fn x509_decode_errors_are_kyverno_messages() {
    let err = |pem: &str| decode("x509_decode(pem)", pem).unwrap_err().to_string();
    assert_eq!(err("xyz"), "failed to decode PEM block");
    assert_eq!(
        err("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
        "PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST"
    );
    assert_eq!(
        err("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        "x509: malformed certificate"
    );
    // A body that is not base64 makes the block malformed: none is found.
    assert_eq!(
        err("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
        "failed to decode PEM block"
    );
    assert_eq!(
        err(&fixture("ec.pem")),
        "certificate should use rsa algorithm"
    );
}

/// An openssl-made certificate with SANs (DNS, email, IP, URI), extended
/// key usages, CRL distribution points, AIA, policies and a path length;
/// expected values are Go's for these fields.
#[test]
fn x509_decode_fills_extension_fields_like_go() {
    let got = decode("x509_decode(pem)", &fixture("extensions.pem")).unwrap();
    let want: Value = serde_json::from_str(&fixture("extensions.json")).unwrap();
    let want = want.as_object().unwrap();
    for (k, v) in want {
        assert_same_shape(&got[k], v, k);
    }
}

/// A certificate request with a challenge password (skipped from
/// `Attributes`, as Go cannot read it as attribute-value pairs) and an
/// extension request whose SAN fills the name fields.
#[test]
fn x509_decode_certificate_request_reads_requested_extensions_like_go() {
    let got = decode("x509_decode(pem)", &fixture("extensions.csr.pem")).unwrap();
    let want: Value = serde_json::from_str(&fixture("extensions.csr.json")).unwrap();
    for (k, v) in want.as_object().unwrap() {
        assert_same_shape(&got[k], v, k);
    }
}
