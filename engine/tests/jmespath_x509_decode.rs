//! `x509_decode` returns the JSON Kyverno builds from Go's
//! `x509.Certificate` / `x509.CertificateRequest`.
//!
//! The `.pem`/`.json` pairs under `tests/x509/` are the inputs and expected
//! outputs of Kyverno's own `Test_x509Decode` (pkg/engine/jmespath); the
//! openssl-made certificate below covers the extensions those lack.

use serde_json::{json, Value};
use std::path::PathBuf;
use verno::host::NoHost;
use verno::unstable::jmespath::{compile, Dialect, JmespathError, Runtime};

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

/// Every single-byte corruption and every truncation of real certificates
/// and requests decodes or fails with an error; none panics.
#[test]
fn x509_decode_of_corrupted_der_never_panics() {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    for (stem, kind) in [
        ("kyverno-svc", "CERTIFICATE"),
        ("extensions", "CERTIFICATE"),
        ("extensions.csr", "CERTIFICATE REQUEST"),
    ] {
        let pem = fixture(&format!("{stem}.pem"));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = engine.decode(body).unwrap();
        let wrap = |bytes: &[u8]| {
            format!(
                "-----BEGIN {kind}-----\n{}\n-----END {kind}-----\n",
                engine.encode(bytes)
            )
        };
        let mut variants = Vec::new();
        for i in 0..der.len() {
            for x in [0x00u8, 0xff, 0x80, 0x01] {
                let mut d = der.clone();
                d[i] ^= x;
                variants.push(d);
            }
            variants.push(der[..i].to_vec());
        }
        let (mut ok, mut failed) = (0, 0);
        for d in variants {
            let r = std::panic::catch_unwind(|| decode("x509_decode(pem)", &wrap(&d)));
            match r {
                Ok(Ok(_)) => ok += 1,
                Ok(Err(_)) => failed += 1,
                Err(_) => panic!("{stem}: panicked on a corrupted input"),
            }
        }
        assert!(
            ok > 0 && failed > 0,
            "{stem}: {ok} decoded, {failed} failed"
        );
    }
}

/// Go rejects a certificate whose TBS signature algorithm differs from the
/// outer one.
#[test]
fn x509_decode_rejects_mismatched_signature_algorithms() {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let pem = fixture("kyverno-svc.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = engine.decode(body).unwrap();
    // sha256WithRSAEncryption (…1.1.11) twice: make the outer one sha384 (…1.1.12).
    let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    let last = der.windows(oid.len()).rposition(|w| w == oid).unwrap();
    der[last + oid.len() - 1] = 0x0c;
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        engine.encode(&der)
    );
    assert_eq!(
        decode("x509_decode(pem)", &pem).unwrap_err().to_string(),
        "x509: inner and outer signature algorithm identifiers don't match"
    );
}
