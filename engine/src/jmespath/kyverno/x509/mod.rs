//! `x509_decode`: a PEM certificate or certificate request in, the JSON
//! Kyverno produces out. Kyverno json-marshals Go's `x509.Certificate` (or
//! `x509.CertificateRequest`) with `PublicKey` replaced by `{N, E}`, so the
//! shape is Go's: every exported field by its Go name, byte slices as
//! base64, OIDs as integer arrays (`x509.OID` as dotted text), times as
//! RFC 3339, nil slices as `null`, and numbers through float64.
//!
//! x509-parser checks and splits the DER; the field values are then read
//! with Go's rules (see `der`), and only RSA keys are accepted, as in
//! Kyverno.

mod der;
mod extensions;
mod name;
mod pem;
mod url;

use super::super::ast::FunctionCall;
use super::super::functions::{Args, R};
use super::super::interpreter::Interp;
use super::super::value::Val;
use super::super::JmespathError;
use super::encoding::b64_encode;
use der::{decimal, decimal_cost, int64, minimal_integer, oid_arcs, tag, Der};
use extensions::{ext_json, Ext};
use name::{list_or_null, name_json};
use serde_json::{json, Map, Value};
use std::rc::Rc;
use x509_parser::prelude::{FromDer, X509Certificate, X509CertificationRequest};

pub(super) fn b64(bytes: &[u8]) -> String {
    b64_encode(bytes)
}

/// `net.IP.String()` for 4- and 16-byte addresses.
pub(super) fn ip_text(ip: &[u8]) -> String {
    match ip {
        [a, b, c, d] => std::net::Ipv4Addr::new(*a, *b, *c, *d).to_string(),
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d] => {
            std::net::Ipv4Addr::new(*a, *b, *c, *d).to_string()
        }
        _ => match <[u8; 16]>::try_from(ip) {
            Ok(a) => std::net::Ipv6Addr::from(a).to_string(),
            // Go prints other lengths as `?` followed by hex.
            Err(_) => format!(
                "?{}",
                ip.iter().map(|b| format!("{b:02x}")).collect::<String>()
            ),
        },
    }
}

fn runtime(msg: impl Into<String>) -> JmespathError {
    JmespathError::Runtime(msg.into())
}

pub(crate) fn x509_decode<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let out = decode(a.str(0)?, &|n| it.charge(n))?;
    Ok(Val::Own(Rc::new(out)))
}

/// Spends evaluation budget (the JMESPath interpreter's or CEL's).
pub(crate) type Charge<'c> = &'c dyn Fn(u64) -> Result<(), JmespathError>;

/// The decoding itself, shared with CEL's `x509.decode`.
pub(crate) fn decode(input: &str, it: Charge<'_>) -> Result<Value, JmespathError> {
    // Parsing and the JSON built are linear in the input.
    it(input.len() as u64 / 64)?;
    let block =
        pem::decode(input.as_bytes()).ok_or_else(|| runtime("failed to decode PEM block"))?;
    let out = match block.kind.as_str() {
        "CERTIFICATE" => certificate(it, &block.bytes)?,
        "CERTIFICATE REQUEST" => certificate_request(it, &block.bytes)?,
        _ => {
            return Err(runtime(
                "PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST",
            ))
        }
    };
    Ok(out)
}

/// The three parts of a signed structure: (to-be-signed, algorithm
/// identifier content, signature bytes).
fn signed_parts(raw: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let mut seq = Der(Der(raw).read(tag::SEQUENCE)?);
    let tbs = seq.read_any_full()?;
    let alg = seq.read(tag::SEQUENCE)?;
    let (sig, _) = der::bit_string(seq.read(tag::BIT_STRING)?)?;
    Some((tbs, alg, sig))
}

/// The signature AlgorithmIdentifier inside a TBSCertificate (content).
fn inner_signature_algorithm(tbs: &[u8]) -> Option<&[u8]> {
    let mut seq = Der(Der(tbs).read(tag::SEQUENCE)?);
    seq.read_optional(tag::ctx_cons(0))?;
    seq.read(tag::INTEGER)?;
    seq.read(tag::SEQUENCE)
}

const RSA: &[i64] = &[1, 2, 840, 113549, 1, 1, 1];
const ED25519: &[i64] = &[1, 3, 101, 112];
const RSA_PSS: &[i64] = &[1, 2, 840, 113549, 1, 1, 10];
const MGF1: &[i64] = &[1, 2, 840, 113549, 1, 1, 8];

/// Go's `x509.SignatureAlgorithm` values by OID (RSA-PSS handled apart).
const SIGNATURE_ALGORITHMS: &[(&[i64], i64)] = &[
    (&[1, 2, 840, 113549, 1, 1, 2], 1),
    (&[1, 2, 840, 113549, 1, 1, 4], 2),
    (&[1, 2, 840, 113549, 1, 1, 5], 3),
    (&[1, 3, 14, 3, 2, 29], 3),
    (&[1, 2, 840, 113549, 1, 1, 11], 4),
    (&[1, 2, 840, 113549, 1, 1, 12], 5),
    (&[1, 2, 840, 113549, 1, 1, 13], 6),
    (&[1, 2, 840, 10040, 4, 3], 7),
    (&[2, 16, 840, 1, 101, 3, 4, 3, 2], 8),
    (&[1, 2, 840, 10045, 4, 1], 9),
    (&[1, 2, 840, 10045, 4, 3, 2], 10),
    (&[1, 2, 840, 10045, 4, 3, 3], 11),
    (&[1, 2, 840, 10045, 4, 3, 4], 12),
    (ED25519, 16),
];

/// `(algorithm arcs, parameters' full encoding)` of an AlgorithmIdentifier.
fn algorithm(content: &[u8]) -> Option<(Vec<i64>, &[u8])> {
    let mut d = Der(content);
    let oid = oid_arcs(d.read(tag::OID)?)?;
    Some((oid, d.0))
}

/// Go's `getSignatureAlgorithmFromAI`.
fn signature_algorithm(content: &[u8]) -> i64 {
    let Some((oid, params)) = algorithm(content) else {
        return 0;
    };
    if oid == ED25519 && !params.is_empty() {
        return 0;
    }
    if oid != RSA_PSS {
        return SIGNATURE_ALGORITHMS
            .iter()
            .find(|(o, _)| *o == oid.as_slice())
            .map_or(0, |(_, v)| *v);
    }
    pss_algorithm(params).unwrap_or(0)
}

/// RSA-PSS is only named when MGF1 uses the message hash, the salt is the
/// hash length and the trailer field is the default, as in Go.
fn pss_algorithm(params: &[u8]) -> Option<i64> {
    let null_or_empty = |p: &[u8]| p.is_empty() || p == [tag::NULL, 0];
    let mut seq = Der(Der(params).read(tag::SEQUENCE)?);
    let (hash, hash_params) = algorithm(Der(seq.read(tag::ctx_cons(0))?).read(tag::SEQUENCE)?)?;
    let (mgf, mgf_params) = algorithm(Der(seq.read(tag::ctx_cons(1))?).read(tag::SEQUENCE)?)?;
    let (mgf_hash, mgf_hash_params) = algorithm(Der(mgf_params).read(tag::SEQUENCE)?)?;
    let salt = int64(Der(seq.read(tag::ctx_cons(2))?).read(tag::INTEGER)?)?;
    let trailer = match seq.read_optional(tag::ctx_cons(3))? {
        Some(t) => int64(Der(t).read(tag::INTEGER)?)?,
        None => 1,
    };
    if !null_or_empty(hash_params)
        || mgf != MGF1
        || mgf_hash != hash
        || !null_or_empty(mgf_hash_params)
        || trailer != 1
    {
        return None;
    }
    match (hash.as_slice(), salt) {
        ([2, 16, 840, 1, 101, 3, 4, 2, 1], 32) => Some(13),
        ([2, 16, 840, 1, 101, 3, 4, 2, 2], 48) => Some(14),
        ([2, 16, 840, 1, 101, 3, 4, 2, 3], 64) => Some(15),
        _ => None,
    }
}

/// Go's `getPublicKeyAlgorithmFromOID`.
fn public_key_algorithm(oid: &[i64]) -> i64 {
    match oid {
        RSA => 1,
        [1, 2, 840, 10040, 4, 1] => 2,
        [1, 2, 840, 10045, 2, 1] => 3,
        ED25519 => 4,
        _ => 0,
    }
}

/// The SubjectPublicKeyInfo: (PublicKeyAlgorithm, `{N, E}` for RSA).
/// Errors are Go's (`parsePublicKey`) or Kyverno's.
fn public_key(it: Charge<'_>, spki: &[u8]) -> Result<(i64, Option<Value>), JmespathError> {
    let malformed = || runtime("x509: malformed subject public key info");
    let mut seq = Der(Der(spki).read(tag::SEQUENCE).ok_or_else(malformed)?);
    let (oid, params) =
        algorithm(seq.read(tag::SEQUENCE).ok_or_else(malformed)?).ok_or_else(malformed)?;
    let (key, _) = seq
        .read(tag::BIT_STRING)
        .and_then(der::bit_string)
        .ok_or_else(malformed)?;
    let algo = public_key_algorithm(&oid);
    if algo != 1 {
        return Ok((algo, None));
    }
    if params != [tag::NULL, 0] {
        return Err(runtime("x509: RSA key missing NULL parameters"));
    }
    let mut pk = Der(Der(key)
        .read(tag::SEQUENCE)
        .ok_or_else(|| runtime("x509: invalid RSA public key"))?);
    let n = pk
        .read(tag::INTEGER)
        .filter(|n| minimal_integer(n))
        .ok_or_else(|| runtime("x509: invalid RSA modulus"))?;
    let e = pk
        .read(tag::INTEGER)
        .and_then(int64)
        .ok_or_else(|| runtime("x509: invalid RSA public exponent"))?;
    if n.first().is_some_and(|b| b & 0x80 != 0) || n.iter().all(|b| *b == 0) {
        return Err(runtime("x509: RSA modulus is not a positive number"));
    }
    if e <= 0 {
        return Err(runtime(
            "x509: RSA public exponent is not a positive number",
        ));
    }
    // Kyverno re-parses the key with `ParsePKCS1PublicKey`.
    if e > i64::from(i32::MAX) {
        return Err(runtime("failed to parse subject public key info"));
    }
    it(decimal_cost(n.len()))?;
    Ok((algo, Some(json!({"N": decimal(n), "E": e}))))
}

/// Go's `time.Time` JSON (RFC 3339 with trimmed nanoseconds, UTC).
fn time_json(t: x509_parser::time::ASN1Time) -> Value {
    let dt = t.to_datetime();
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    if dt.nanosecond() > 0 {
        let frac = format!("{:09}", dt.nanosecond());
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    Value::String(s)
}

/// A `*big.Int` serial number after Kyverno's JSON round trip (float64).
fn serial_json(it: Charge<'_>, raw: &[u8]) -> Result<Value, JmespathError> {
    if raw.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(runtime("x509: negative serial number"));
    }
    it(decimal_cost(raw.len()))?;
    let f: f64 = decimal(raw).parse().unwrap_or(f64::INFINITY);
    Ok(if f < 9_007_199_254_740_992.0 {
        json!(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    })
}

fn check_rsa(algo: i64) -> Result<(), JmespathError> {
    if algo != 1 {
        return Err(runtime("certificate should use rsa algorithm"));
    }
    Ok(())
}

fn certificate(it: Charge<'_>, der: &[u8]) -> Result<Value, JmespathError> {
    let malformed = || runtime("x509: malformed certificate");
    let (rest, cert): (_, X509Certificate<'_>) =
        X509Certificate::from_der(der).map_err(|_| malformed())?;
    if !rest.is_empty() {
        return Err(runtime("x509: trailing data"));
    }
    let (tbs_raw, outer_alg, signature) = signed_parts(der).ok_or_else(malformed)?;
    if inner_signature_algorithm(tbs_raw) != Some(outer_alg) {
        return Err(runtime(
            "x509: inner and outer signature algorithm identifiers don't match",
        ));
    }
    let tbs = &cert.tbs_certificate;
    let version = i64::from(tbs.version.0) + 1;
    let serial = serial_json(it, tbs.raw_serial())?;
    let (algo, key) = public_key(it, tbs.subject_pki.raw)?;
    let mut exts = Vec::new();
    if version == 3 {
        for e in tbs.extensions() {
            let id = oid_arcs(e.oid.as_bytes())
                .ok_or_else(|| runtime("x509: malformed extension OID field"))?;
            if exts.iter().any(|x: &Ext<'_>| x.id == id) {
                return Err(runtime("x509: certificate contains duplicate extensions"));
            }
            exts.push(Ext {
                id,
                critical: e.critical,
                value: e.value,
            });
        }
    }
    let mut out = Map::new();
    extensions::defaults(&mut out);
    extensions::process(&exts, &mut out).map_err(runtime)?;
    check_rsa(algo)?;
    let issuer = name_json(tbs.issuer.as_raw()).map_err(runtime)?;
    let subject = name_json(tbs.subject.as_raw()).map_err(runtime)?;
    let fields = [
        ("Raw", json!(b64(der))),
        ("RawTBSCertificate", json!(b64(tbs_raw))),
        ("RawSubjectPublicKeyInfo", json!(b64(tbs.subject_pki.raw))),
        ("RawSubject", json!(b64(tbs.subject.as_raw()))),
        ("RawIssuer", json!(b64(tbs.issuer.as_raw()))),
        ("Signature", json!(b64(signature))),
        ("SignatureAlgorithm", json!(signature_algorithm(outer_alg))),
        ("PublicKeyAlgorithm", json!(algo)),
        ("PublicKey", key.unwrap_or(Value::Null)),
        ("Version", json!(version)),
        ("SerialNumber", serial),
        ("Issuer", issuer),
        ("Subject", subject),
        ("NotBefore", time_json(tbs.validity.not_before)),
        ("NotAfter", time_json(tbs.validity.not_after)),
        (
            "Extensions",
            list_or_null(exts.iter().map(ext_json).collect()),
        ),
        ("ExtraExtensions", Value::Null),
    ];
    for (k, v) in fields {
        out.insert(k.into(), v);
    }
    Ok(Value::Object(out))
}

/// The attributes of a CertificationRequestInfo, each as its full DER.
fn csr_attributes(cri: &[u8]) -> Option<Vec<&[u8]>> {
    let mut seq = Der(Der(cri).read(tag::SEQUENCE)?);
    seq.read(tag::INTEGER)?;
    seq.read(tag::SEQUENCE)?;
    seq.read(tag::SEQUENCE)?;
    let mut attrs = Der(seq.read_optional(tag::ctx_cons(0))?.unwrap_or(&[]));
    let mut out = Vec::new();
    while !attrs.is_empty() {
        out.push(attrs.read_any_full()?);
    }
    Some(out)
}

/// encoding/asn1's decoding of a DER value into `any`: strings, integers,
/// bit strings, OIDs, octet strings; anything else stays nil.
fn asn1_any(t: u8, content: &[u8]) -> Option<Value> {
    Some(match t {
        0x13 | 0x12 | 0x16 | 0x14 | 0x0c | 0x1e => json!(name::asn1_string(t, content).ok()?),
        tag::INTEGER => json!(int64(content)?),
        tag::BIT_STRING => {
            let (bytes, len) = der::bit_string(content)?;
            json!({"Bytes": b64(bytes), "BitLength": len})
        }
        tag::OID => json!(oid_arcs(content)?),
        tag::OCTET_STRING => json!(b64(content)),
        _ => Value::Null,
    })
}

/// Go's `parseRawAttributes`: each attribute as
/// `{Type, Value: [[{Type, Value}]]}`; attributes of another shape are
/// skipped.
fn attribute_json(raw: &[u8]) -> Option<Value> {
    let mut seq = Der(Der(raw).read(tag::SEQUENCE)?);
    let ty = oid_arcs(seq.read(tag::OID)?)?;
    let mut set = Der(seq.read(tag::SET)?);
    let mut values = Vec::new();
    while !set.is_empty() {
        let mut inner = Der(set.read(tag::SEQUENCE)?);
        let mut atvs = Vec::new();
        while !inner.is_empty() {
            let mut atv = Der(inner.read(tag::SEQUENCE)?);
            let t = oid_arcs(atv.read(tag::OID)?)?;
            // Extra elements (an extension's value after its critical
            // flag) are ignored, as encoding/asn1 does for structs.
            let value = match atv.read_any() {
                Some((vt, content)) => asn1_any(vt, content)?,
                None => return None,
            };
            atvs.push(json!({"Type": t, "Value": value}));
        }
        values.push(Value::Array(atvs));
    }
    Some(json!({"Type": ty, "Value": values}))
}

const EXTENSION_REQUEST: &[i64] = &[1, 2, 840, 113549, 1, 9, 14];

/// Go's `parseCSRExtensions`: the extensions of every extensionRequest.
fn csr_extensions<'a>(attrs: &[&'a [u8]]) -> Result<Vec<Ext<'a>>, JmespathError> {
    let mut out = Vec::new();
    for raw in attrs {
        let parsed = (|| {
            let mut seq = Der(Der(raw).read(tag::SEQUENCE)?);
            let id = oid_arcs(seq.read(tag::OID)?)?;
            let mut set = Der(seq.read(tag::SET)?);
            let first = set.read_any_full()?;
            Some((id, first))
        })();
        let Some((id, first)) = parsed else { continue };
        if id != EXTENSION_REQUEST {
            continue;
        }
        let bad = || runtime("x509: malformed extension request");
        let mut exts = Der(Der(first).read(tag::SEQUENCE).ok_or_else(bad)?);
        while !exts.is_empty() {
            let mut e = Der(exts.read(tag::SEQUENCE).ok_or_else(bad)?);
            let id = e.read(tag::OID).and_then(oid_arcs).ok_or_else(bad)?;
            let critical = match e.read_optional(tag::BOOLEAN).ok_or_else(bad)? {
                Some(b) => der::boolean(b).ok_or_else(bad)?,
                None => false,
            };
            let value = e.read(tag::OCTET_STRING).ok_or_else(bad)?;
            out.push(Ext {
                id,
                critical,
                value,
            });
        }
    }
    Ok(out)
}

fn certificate_request(it: Charge<'_>, der: &[u8]) -> Result<Value, JmespathError> {
    let malformed = || runtime("x509: malformed certificate request");
    let (rest, csr): (_, X509CertificationRequest<'_>) =
        X509CertificationRequest::from_der(der).map_err(|_| malformed())?;
    if !rest.is_empty() {
        return Err(runtime("x509: trailing data"));
    }
    let (cri_raw, alg, signature) = signed_parts(der).ok_or_else(malformed)?;
    let info = &csr.certification_request_info;
    let (algo, key) = public_key(it, info.subject_pki.raw)?;
    let attrs = csr_attributes(cri_raw).ok_or_else(malformed)?;
    let exts = csr_extensions(&attrs)?;
    let mut san = extensions::San::default();
    for e in &exts {
        if e.id.as_slice() == [2, 5, 29, 17] {
            san = extensions::parse_san(e.value).map_err(runtime)?;
        }
    }
    check_rsa(algo)?;
    let subject = name_json(info.subject.as_raw()).map_err(runtime)?;
    let mut out = Map::new();
    san.insert_into(&mut out);
    let ext_values: Vec<Value> = exts.iter().map(ext_json).collect();
    let fields = [
        ("Raw", json!(b64(der))),
        ("RawTBSCertificateRequest", json!(b64(cri_raw))),
        ("RawSubjectPublicKeyInfo", json!(b64(info.subject_pki.raw))),
        ("RawSubject", json!(b64(info.subject.as_raw()))),
        ("Version", json!(info.version.0)),
        ("Signature", json!(b64(signature))),
        ("SignatureAlgorithm", json!(signature_algorithm(alg))),
        ("PublicKeyAlgorithm", json!(algo)),
        ("PublicKey", key.unwrap_or(Value::Null)),
        ("Subject", subject),
        (
            "Attributes",
            list_or_null(attrs.iter().filter_map(|a| attribute_json(a)).collect()),
        ),
        ("Extensions", list_or_null(ext_values)),
        ("ExtraExtensions", Value::Null),
    ];
    for (k, v) in fields {
        out.insert(k.into(), v);
    }
    Ok(Value::Object(out))
}
