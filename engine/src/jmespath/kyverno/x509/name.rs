//! `pkix.Name` as Go fills it from an RDNSequence (`FillFromRDNSequence`)
//! and serialises it to JSON.

use super::der::{oid_arcs, tag, Der};
use serde_json::{json, Map, Value};

/// Go's `parseASN1String`: the string types a name may hold.
pub(super) fn asn1_string(t: u8, value: &[u8]) -> Result<String, String> {
    match t {
        // T61String: Go keeps the bytes; JSON then replaces invalid UTF-8.
        0x14 => Ok(String::from_utf8_lossy(value).into_owned()),
        0x13 => {
            let ok = value
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b));
            if ok {
                Ok(String::from_utf8_lossy(value).into_owned())
            } else {
                Err("invalid PrintableString".into())
            }
        }
        0x0c => std::str::from_utf8(value)
            .map(str::to_string)
            .map_err(|_| "invalid UTF-8 string".into()),
        0x1e => {
            if value.len() & 1 == 1 {
                return Err("invalid BMPString".into());
            }
            let mut units: Vec<u16> = value
                .chunks_exact(2)
                .map(|c| {
                    u16::from_be_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            // Go strips one terminating NUL.
            if units.last() == Some(&0) {
                units.pop();
            }
            Ok(String::from_utf16_lossy(&units))
        }
        0x16 => {
            if value.is_ascii() {
                Ok(String::from_utf8_lossy(value).into_owned())
            } else {
                Err("invalid IA5String".into())
            }
        }
        0x12 => {
            if value.iter().all(|b| b.is_ascii_digit() || *b == b' ') {
                Ok(String::from_utf8_lossy(value).into_owned())
            } else {
                Err("invalid NumericString".into())
            }
        }
        other => Err(format!("unsupported string type: {other}")),
    }
}

/// Decodes a DER `Name` (with its SEQUENCE header) to Go's JSON shape.
pub(super) fn name_json(raw: &[u8]) -> Result<Value, String> {
    let invalid = || "x509: invalid RDNSequence".to_string();
    let mut outer = Der(raw);
    let mut rdns = Der(outer.read(tag::SEQUENCE).ok_or_else(invalid)?);
    let mut names = Vec::new();
    let mut fields: Map<String, Value> = Map::new();
    let mut lists: [(u8, &str, Vec<Value>); 7] = [
        (6, "Country", Vec::new()),
        (10, "Organization", Vec::new()),
        (11, "OrganizationalUnit", Vec::new()),
        (7, "Locality", Vec::new()),
        (8, "Province", Vec::new()),
        (9, "StreetAddress", Vec::new()),
        (17, "PostalCode", Vec::new()),
    ];
    let (mut common_name, mut serial) = (String::new(), String::new());
    while !rdns.is_empty() {
        let mut set = Der(rdns.read(tag::SET).ok_or_else(invalid)?);
        while !set.is_empty() {
            let mut atv = Der(set
                .read(tag::SEQUENCE)
                .ok_or("x509: invalid RDNSequence: invalid attribute")?);
            let arcs = atv
                .read(tag::OID)
                .and_then(oid_arcs)
                .ok_or("x509: invalid RDNSequence: invalid attribute type")?;
            let (t, raw_value) = atv
                .read_any()
                .ok_or("x509: invalid RDNSequence: failed to read attribute value")?;
            let value = asn1_string(t, raw_value)
                .map_err(|e| format!("x509: invalid RDNSequence: invalid attribute value: {e}"))?;
            if let [2, 5, 4, n] = arcs.as_slice() {
                match n {
                    3 => common_name = value.clone(),
                    5 => serial = value.clone(),
                    _ => {
                        if let Some(list) = lists.iter_mut().find(|l| i64::from(l.0) == *n) {
                            list.2.push(Value::String(value.clone()));
                        }
                    }
                }
            }
            names.push(json!({"Type": arcs, "Value": value}));
        }
    }
    for (_, key, values) in lists {
        fields.insert(key.into(), list_or_null(values));
    }
    fields.insert("CommonName".into(), Value::String(common_name));
    fields.insert("SerialNumber".into(), Value::String(serial));
    fields.insert("Names".into(), list_or_null(names));
    fields.insert("ExtraNames".into(), Value::Null);
    Ok(Value::Object(fields))
}

/// Go marshals a nil slice as `null`, and only non-empty slices were
/// appended to.
pub(super) fn list_or_null(values: Vec<Value>) -> Value {
    if values.is_empty() {
        Value::Null
    } else {
        Value::Array(values)
    }
}
