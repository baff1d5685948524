//! Go's `processExtensions` (crypto/x509, Go 1.24): which certificate
//! fields each extension fills, and which critical extensions count as
//! unhandled.

use super::der::{bit_string, boolean, int64, oid_arcs, oid_text, tag, Der};
use super::name::list_or_null;
use super::{b64, ip_text};
use serde_json::{json, Map, Value};

/// One extension as Go's `pkix.Extension`.
pub(super) struct Ext<'a> {
    pub id: Vec<i64>,
    pub critical: bool,
    pub value: &'a [u8],
}

pub(super) fn ext_json(e: &Ext<'_>) -> Value {
    json!({"Id": e.id, "Critical": e.critical, "Value": b64(e.value)})
}

const EXT_KEY_USAGES: &[&[i64]] = &[
    &[2, 5, 29, 37, 0],
    &[1, 3, 6, 1, 5, 5, 7, 3, 1],
    &[1, 3, 6, 1, 5, 5, 7, 3, 2],
    &[1, 3, 6, 1, 5, 5, 7, 3, 3],
    &[1, 3, 6, 1, 5, 5, 7, 3, 4],
    &[1, 3, 6, 1, 5, 5, 7, 3, 5],
    &[1, 3, 6, 1, 5, 5, 7, 3, 6],
    &[1, 3, 6, 1, 5, 5, 7, 3, 7],
    &[1, 3, 6, 1, 5, 5, 7, 3, 8],
    &[1, 3, 6, 1, 5, 5, 7, 3, 9],
    &[1, 3, 6, 1, 4, 1, 311, 10, 3, 3],
    &[2, 16, 840, 1, 113730, 4, 1],
    &[1, 3, 6, 1, 4, 1, 311, 2, 1, 22],
    &[1, 3, 6, 1, 4, 1, 311, 61, 1, 1],
];

const AIA: &[i64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
const AIA_OCSP: &[i64] = &[1, 3, 6, 1, 5, 5, 7, 48, 1];
const AIA_ISSUERS: &[i64] = &[1, 3, 6, 1, 5, 5, 7, 48, 2];

/// The certificate fields extensions fill, with Go's zero values.
pub(super) fn defaults(out: &mut Map<String, Value>) {
    for key in [
        "DNSNames",
        "EmailAddresses",
        "IPAddresses",
        "URIs",
        "PermittedDNSDomains",
        "ExcludedDNSDomains",
        "PermittedIPRanges",
        "ExcludedIPRanges",
        "PermittedEmailAddresses",
        "ExcludedEmailAddresses",
        "PermittedURIDomains",
        "ExcludedURIDomains",
        "CRLDistributionPoints",
        "AuthorityKeyId",
        "SubjectKeyId",
        "ExtKeyUsage",
        "UnknownExtKeyUsage",
        "PolicyIdentifiers",
        "Policies",
        "PolicyMappings",
        "OCSPServer",
        "IssuingCertificateURL",
        "UnhandledCriticalExtensions",
    ] {
        out.insert(key.into(), Value::Null);
    }
    for key in [
        "KeyUsage",
        "MaxPathLen",
        "InhibitAnyPolicy",
        "InhibitPolicyMapping",
        "RequireExplicitPolicy",
    ] {
        out.insert(key.into(), json!(0));
    }
    for key in [
        "BasicConstraintsValid",
        "IsCA",
        "MaxPathLenZero",
        "PermittedDNSDomainsCritical",
        "InhibitAnyPolicyZero",
        "InhibitPolicyMappingZero",
        "RequireExplicitPolicyZero",
    ] {
        out.insert(key.into(), Value::Bool(false));
    }
}

fn strings(v: Vec<String>) -> Value {
    list_or_null(v.into_iter().map(Value::String).collect())
}

/// Fills `out` from the extensions, as Go does after parsing them.
pub(super) fn process(exts: &[Ext<'_>], out: &mut Map<String, Value>) -> Result<(), String> {
    let mut unhandled_critical = Vec::new();
    for e in exts {
        let unhandled = match e.id.as_slice() {
            [2, 5, 29, n] => process_ce(*n, e, out)?,
            id if id == AIA => {
                authority_info_access(e, out)?;
                false
            }
            _ => true,
        };
        if e.critical && unhandled {
            unhandled_critical.push(json!(e.id));
        }
    }
    if !unhandled_critical.is_empty() {
        out.insert(
            "UnhandledCriticalExtensions".into(),
            Value::Array(unhandled_critical),
        );
    }
    Ok(())
}

/// One `2.5.29.n` extension; returns whether it is unhandled.
fn process_ce(n: i64, e: &Ext<'_>, out: &mut Map<String, Value>) -> Result<bool, String> {
    let mut val = Der(e.value);
    match n {
        15 => {
            let (bits, len) = val
                .read(tag::BIT_STRING)
                .and_then(bit_string)
                .ok_or("x509: invalid key usage")?;
            let mut usage = 0i64;
            for i in 0..9usize.min(len) {
                if bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0) {
                    usage |= 1 << i;
                }
            }
            out.insert("KeyUsage".into(), json!(usage));
        }
        19 => {
            let invalid = "x509: invalid basic constraints";
            let mut seq = Der(val.read(tag::SEQUENCE).ok_or(invalid)?);
            let mut is_ca = false;
            if seq.peek_tag() == Some(tag::BOOLEAN) {
                is_ca = seq.read(tag::BOOLEAN).and_then(boolean).ok_or(invalid)?;
            }
            let mut max_path_len = -1i64;
            if seq.peek_tag() == Some(tag::INTEGER) {
                max_path_len = seq.read(tag::INTEGER).and_then(int64).ok_or(invalid)?;
            }
            out.insert("IsCA".into(), Value::Bool(is_ca));
            out.insert("MaxPathLen".into(), json!(max_path_len));
            out.insert("BasicConstraintsValid".into(), Value::Bool(true));
            out.insert("MaxPathLenZero".into(), Value::Bool(max_path_len == 0));
        }
        17 => {
            let san = parse_san(e.value)?;
            let empty = san.is_empty();
            san.insert_into(out);
            return Ok(empty);
        }
        30 => return name_constraints(e, out),
        31 => {
            let invalid = "x509: invalid CRL distribution points";
            let mut points = Der(val.read(tag::SEQUENCE).ok_or(invalid)?);
            let mut urls = Vec::new();
            while !points.is_empty() {
                let mut dp = Der(points.read(tag::SEQUENCE).ok_or(invalid)?);
                let Some(name) = dp.read_optional(tag::ctx_cons(0)).ok_or(invalid)? else {
                    continue;
                };
                let mut name = Der(name);
                let mut full = Der(name.read(tag::ctx_cons(0)).ok_or(invalid)?);
                while !full.is_empty() {
                    if full.peek_tag() != Some(tag::ctx(6)) {
                        break;
                    }
                    let uri = full.read(tag::ctx(6)).ok_or(invalid)?;
                    urls.push(String::from_utf8_lossy(uri).into_owned());
                }
            }
            out.insert("CRLDistributionPoints".into(), strings(urls));
        }
        35 => {
            let invalid = "x509: invalid authority key identifier";
            let mut akid = Der(val.read(tag::SEQUENCE).ok_or(invalid)?);
            if akid.peek_tag() == Some(tag::ctx(0)) {
                let id = akid.read(tag::ctx(0)).ok_or(invalid)?;
                out.insert("AuthorityKeyId".into(), Value::String(b64(id)));
            }
        }
        37 => {
            let invalid = "x509: invalid extended key usages";
            let mut seq = Der(val.read(tag::SEQUENCE).ok_or(invalid)?);
            let (mut known, mut unknown) = (Vec::new(), Vec::new());
            while !seq.is_empty() {
                let arcs = seq.read(tag::OID).and_then(oid_arcs).ok_or(invalid)?;
                match EXT_KEY_USAGES.iter().position(|k| *k == arcs.as_slice()) {
                    Some(i) => known.push(json!(i)),
                    None => unknown.push(json!(arcs)),
                }
            }
            out.insert("ExtKeyUsage".into(), list_or_null(known));
            out.insert("UnknownExtKeyUsage".into(), list_or_null(unknown));
        }
        14 => {
            if e.critical {
                return Err("x509: subject key identifier incorrectly marked critical".into());
            }
            let id = val
                .read(tag::OCTET_STRING)
                .ok_or("x509: invalid subject key identifier")?;
            out.insert("SubjectKeyId".into(), Value::String(b64(id)));
        }
        32 => {
            let invalid = "x509: invalid certificate policies";
            let mut seq = Der(val.read(tag::SEQUENCE).ok_or(invalid)?);
            let mut seen: Vec<&[u8]> = Vec::new();
            let (mut policies, mut identifiers) = (Vec::new(), Vec::new());
            while !seq.is_empty() {
                let mut cp = Der(seq.read(tag::SEQUENCE).ok_or(invalid)?);
                let raw = cp.read(tag::OID).ok_or(invalid)?;
                if seen.contains(&raw) {
                    return Err(invalid.into());
                }
                seen.push(raw);
                let arcs = oid_arcs(raw).ok_or(invalid)?;
                policies.push(Value::String(oid_text(&arcs)));
                identifiers.push(json!(arcs));
            }
            out.insert("Policies".into(), list_or_null(policies));
            // Go allocates this slice, so it is `[]` rather than null.
            out.insert("PolicyIdentifiers".into(), Value::Array(identifiers));
        }
        33 => {
            let invalid = "x509: invalid policy mappings extension";
            let mut seq = Der(val.read(tag::SEQUENCE).ok_or(invalid)?);
            let mut mappings = Vec::new();
            while !seq.is_empty() {
                let mut m = Der(seq.read(tag::SEQUENCE).ok_or(invalid)?);
                let issuer = m.read(tag::OID).and_then(oid_arcs).ok_or(invalid)?;
                let subject = m.read(tag::OID).and_then(oid_arcs).ok_or(invalid)?;
                mappings.push(json!({
                    "IssuerDomainPolicy": oid_text(&issuer),
                    "SubjectDomainPolicy": oid_text(&subject),
                }));
            }
            out.insert("PolicyMappings".into(), list_or_null(mappings));
        }
        36 => {
            let invalid = "x509: invalid policy constraints extension";
            let mut seq = Der(val.read(tag::SEQUENCE).ok_or(invalid)?);
            for (n, key) in [(0u8, "RequireExplicitPolicy"), (1, "InhibitPolicyMapping")] {
                if seq.peek_tag() == Some(tag::ctx(n)) {
                    let v = seq.read(tag::ctx(n)).and_then(int64).ok_or(invalid)?;
                    out.insert(key.into(), json!(v));
                    out.insert(format!("{key}Zero"), Value::Bool(v == 0));
                }
            }
        }
        54 => {
            let v = val
                .read(tag::INTEGER)
                .and_then(int64)
                .ok_or("x509: invalid inhibit any policy extension")?;
            out.insert("InhibitAnyPolicy".into(), json!(v));
            out.insert("InhibitAnyPolicyZero".into(), Value::Bool(v == 0));
        }
        _ => return Ok(true),
    }
    Ok(false)
}

fn authority_info_access(e: &Ext<'_>, out: &mut Map<String, Value>) -> Result<(), String> {
    if e.critical {
        return Err("x509: authority info access incorrectly marked critical".into());
    }
    let invalid = "x509: invalid authority info access";
    let mut seq = Der(Der(e.value).read(tag::SEQUENCE).ok_or(invalid)?);
    let (mut ocsp, mut issuers) = (Vec::new(), Vec::new());
    while !seq.is_empty() {
        let mut aia = Der(seq.read(tag::SEQUENCE).ok_or(invalid)?);
        let method = aia.read(tag::OID).and_then(oid_arcs).ok_or(invalid)?;
        if aia.peek_tag() != Some(tag::ctx(6)) {
            continue;
        }
        let uri = aia.read(tag::ctx(6)).ok_or(invalid)?;
        let uri = String::from_utf8_lossy(uri).into_owned();
        if method == AIA_OCSP {
            ocsp.push(uri);
        } else if method == AIA_ISSUERS {
            issuers.push(uri);
        }
    }
    if !ocsp.is_empty() {
        out.insert("OCSPServer".into(), strings(ocsp));
    }
    if !issuers.is_empty() {
        out.insert("IssuingCertificateURL".into(), strings(issuers));
    }
    Ok(())
}

/// Subject alternative names, as Go's `parseSANExtension`.
#[derive(Default)]
pub(super) struct San {
    dns: Vec<String>,
    emails: Vec<String>,
    ips: Vec<String>,
    uris: Vec<Value>,
}

impl San {
    fn is_empty(&self) -> bool {
        self.dns.is_empty() && self.emails.is_empty() && self.ips.is_empty() && self.uris.is_empty()
    }

    pub(super) fn insert_into(self, out: &mut Map<String, Value>) {
        out.insert("DNSNames".into(), strings(self.dns));
        out.insert("EmailAddresses".into(), strings(self.emails));
        out.insert("IPAddresses".into(), strings(self.ips));
        out.insert("URIs".into(), list_or_null(self.uris));
    }
}

fn ia5(data: &[u8], what: &str) -> Result<String, String> {
    if data.is_ascii() {
        Ok(String::from_utf8_lossy(data).into_owned())
    } else {
        Err(format!("x509: SAN {what} is malformed"))
    }
}

pub(super) fn parse_san(value: &[u8]) -> Result<San, String> {
    let invalid = "x509: invalid subject alternative names";
    let mut seq = Der(Der(value).read(tag::SEQUENCE).ok_or(invalid)?);
    let mut san = San::default();
    while !seq.is_empty() {
        let (t, data) = seq.read_any().ok_or(invalid)?;
        match t ^ 0x80 {
            1 => san.emails.push(ia5(data, "rfc822Name")?),
            2 => san.dns.push(ia5(data, "dNSName")?),
            6 => {
                let text = ia5(data, "uniformResourceIdentifier")?;
                san.uris.push(super::url::url_json(&text)?);
            }
            7 => match data.len() {
                4 | 16 => san.ips.push(ip_text(data)),
                n => return Err(format!("x509: cannot parse IP address of length {n}")),
            },
            _ => {}
        }
    }
    Ok(san)
}

/// Go's `parseNameConstraintsExtension`; returns whether it is unhandled.
fn name_constraints(e: &Ext<'_>, out: &mut Map<String, Value>) -> Result<bool, String> {
    let invalid = "x509: invalid NameConstraints extension";
    let mut outer = Der(e.value);
    let mut top = Der(outer.read(tag::SEQUENCE).ok_or(invalid)?);
    if !outer.is_empty() {
        return Err(invalid.into());
    }
    let permitted = top.read_optional(tag::ctx_cons(0)).ok_or(invalid)?;
    let excluded = top.read_optional(tag::ctx_cons(1)).ok_or(invalid)?;
    if !top.is_empty() {
        return Err(invalid.into());
    }
    let len = |s: Option<&[u8]>| s.map_or(0, <[u8]>::len);
    if len(permitted) == 0 && len(excluded) == 0 {
        return Err("x509: empty name constraints extension".into());
    }
    let mut unhandled = false;
    for (subtrees, prefix) in [(permitted, "Permitted"), (excluded, "Excluded")] {
        let mut subtrees = Der(subtrees.unwrap_or(&[]));
        let (mut dns, mut ips, mut emails, mut uris) = (vec![], vec![], vec![], vec![]);
        while !subtrees.is_empty() {
            let mut seq = Der(subtrees.read(tag::SEQUENCE).ok_or(invalid)?);
            let (t, value) = seq.read_any().ok_or(invalid)?;
            let text = || {
                if value.is_ascii() {
                    Ok(String::from_utf8_lossy(value).into_owned())
                } else {
                    Err("x509: invalid constraint value: asn1: invalid IA5String".to_string())
                }
            };
            match t {
                0x82 => dns.push(text()?),
                0x81 => emails.push(text()?),
                0x86 => uris.push(text()?),
                0x87 => {
                    let half = match value.len() {
                        8 => 4,
                        32 => 16,
                        n => {
                            return Err(format!(
                                "x509: IP constraint contained value of length {n}"
                            ))
                        }
                    };
                    let (ip, mask) = value.split_at(half);
                    ips.push(json!({"IP": ip_text(ip), "Mask": b64(mask)}));
                }
                _ => unhandled = true,
            }
        }
        out.insert(format!("{prefix}DNSDomains"), strings(dns));
        out.insert(format!("{prefix}IPRanges"), list_or_null(ips));
        out.insert(format!("{prefix}EmailAddresses"), strings(emails));
        out.insert(format!("{prefix}URIDomains"), strings(uris));
    }
    out.insert(
        "PermittedDNSDomainsCritical".into(),
        Value::Bool(e.critical),
    );
    Ok(unhandled)
}
