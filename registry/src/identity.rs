//! The identity a signing certificate names: its subject alternative names
//! (in cosign's order), the Fulcio issuer and the other Fulcio extensions,
//! under the names cosign and Kyverno use for them.

use std::collections::BTreeMap;

use x509_parser::der_parser::asn1_rs::{FromDer, Utf8String};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::X509Certificate;

/// The Fulcio issuer, v1 (raw string value).
const ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// The Fulcio issuer, v2 (DER UTF8String).
const ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
/// The other v1 Fulcio extensions, by cosign's `CertExtensionMap` names.
const NAMED: [(&str, &str); 5] = [
    ("1.3.6.1.4.1.57264.1.2", "githubWorkflowTrigger"),
    ("1.3.6.1.4.1.57264.1.3", "githubWorkflowSha"),
    ("1.3.6.1.4.1.57264.1.4", "githubWorkflowName"),
    ("1.3.6.1.4.1.57264.1.5", "githubWorkflowRepository"),
    ("1.3.6.1.4.1.57264.1.6", "githubWorkflowRef"),
];

/// What a certificate says about its holder.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Identity {
    /// DNS names, emails, IPs, URIs, then other names, as cosign lists them.
    pub sans: Vec<String>,
    /// The OIDC issuer extension.
    pub issuer: Option<String>,
    /// The named Fulcio extensions.
    pub extensions: BTreeMap<String, String>,
}

/// The identity in a PEM certificate, or why it cannot be read.
pub(crate) fn from_pem(pem: &str) -> Result<Identity, String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
    let cert = pem.parse_x509().map_err(|e| e.to_string())?;
    Ok(from_certificate(&cert))
}

fn from_certificate(cert: &X509Certificate<'_>) -> Identity {
    let mut identity = Identity::default();
    let (mut dns, mut email, mut ip, mut uri, mut other) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut issuer_v2 = None;
    for ext in cert.extensions() {
        let oid = ext.oid.to_id_string();
        if let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() {
            for name in &san.general_names {
                match name {
                    GeneralName::DNSName(s) => dns.push((*s).to_string()),
                    GeneralName::RFC822Name(s) => email.push((*s).to_string()),
                    GeneralName::IPAddress(b) => ip.push(ip_text(b)),
                    GeneralName::URI(s) => uri.push((*s).to_string()),
                    GeneralName::OtherName(_, value) => {
                        // Fulcio's username SAN: an explicit [0] wrapping a UTF8String.
                        if let Some(s) = other_name_text(value) {
                            other.push(s);
                        }
                    }
                    _ => {}
                }
            }
        } else if oid == ISSUER_V1 {
            identity.issuer = Some(String::from_utf8_lossy(ext.value).into_owned());
        } else if oid == ISSUER_V2 {
            issuer_v2 = Utf8String::from_der(ext.value)
                .ok()
                .map(|(_, s)| s.string());
        } else if let Some((_, name)) = NAMED.iter().find(|(o, _)| *o == oid) {
            identity.extensions.insert(
                (*name).to_string(),
                String::from_utf8_lossy(ext.value).into_owned(),
            );
        }
    }
    if identity.issuer.is_none() {
        identity.issuer = issuer_v2;
    }
    identity.sans = [dns, email, ip, uri, other].concat();
    identity
}

fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => {
            let mut a = [0u8; 4];
            a.copy_from_slice(bytes);
            std::net::Ipv4Addr::from(a).to_string()
        }
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => String::new(),
    }
}

/// The UTF8String inside an otherName's explicit `[0]` value, if it is one.
fn other_name_text(value: &[u8]) -> Option<String> {
    let (_, any) = x509_parser::der_parser::asn1_rs::Any::from_der(value).ok()?;
    Utf8String::from_der(any.data).ok().map(|(_, s)| s.string())
}
