//! Offline transparency-log checks: the Rekor bundle cosign stores next to
//! a signature (`dev.sigstore.cosign/bundle`), verified against the policy's
//! `rekor.pubkey` and tied to the very signature it accompanies. Rekor
//! itself is never queried.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;
use sigstore::cosign::bundle::{Bundle, SignedArtifactBundle};
use sigstore::crypto::CosignVerificationKey;

/// Annotation carrying a signature's Rekor bundle.
const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";

/// Trusted Rekor keys by log ID (hex SHA-256 of the key's DER), as cosign
/// indexes them.
pub(crate) struct RekorKeys(BTreeMap<String, CosignVerificationKey>);

/// The keys of a `rekor.pubkey` PEM text.
pub(crate) fn keys(pem: &str) -> Result<RekorKeys, String> {
    let mut out = BTreeMap::new();
    for block in crate::attestor::pem_blocks(pem) {
        let (_, parsed) =
            x509_parser::pem::parse_x509_pem(block.as_bytes()).map_err(|e| e.to_string())?;
        let key =
            CosignVerificationKey::try_from_der(&parsed.contents).map_err(|e| e.to_string())?;
        out.insert(hex(&sha2::Sha256::digest(&parsed.contents)), key);
    }
    if out.is_empty() {
        return Err("no PEM block found".into());
    }
    Ok(RekorKeys(out))
}

/// Verify the bundle on `annotations` for a signature (`signature_b64`)
/// over `signed`, returning it for the certificate's time checks.
pub(crate) fn check(
    keys: &RekorKeys,
    annotations: &BTreeMap<String, String>,
    signature_b64: &str,
    signed: &[u8],
) -> Result<Bundle, String> {
    let raw = annotations
        .get(BUNDLE_ANNOTATION)
        .ok_or("signature has no transparency log bundle, and Rekor is not queried")?;
    let bundle: Bundle = serde_json::from_str(raw).map_err(|e| format!("verifying bundle: {e}"))?;
    // sigstore verifies the signed entry timestamp of a blob bundle; the
    // signature fields of that wrapper are not used by the check.
    let wrapped = SignedArtifactBundle {
        base64_signature: String::new(),
        cert: String::new(),
        rekor_bundle: bundle.clone(),
    };
    let text = serde_json::to_string(&wrapped).map_err(|e| format!("verifying bundle: {e}"))?;
    SignedArtifactBundle::new_verified(&text, &keys.0)
        .map_err(|e| format!("verifying bundle: {e}"))?;
    if !entry_matches(&bundle.payload.body, signature_b64, signed) {
        return Err("signature in bundle does not match signature being verified".into());
    }
    Ok(bundle)
}

/// Whether the log entry (a `hashedrekord`) records this signature over
/// this payload; otherwise a valid bundle of another entry would pass.
fn entry_matches(body_b64: &str, signature_b64: &str, signed: &[u8]) -> bool {
    let Ok(body) = base64::engine::general_purpose::STANDARD.decode(body_b64) else {
        return false;
    };
    let Ok(entry) = serde_json::from_slice::<Value>(&body) else {
        return false;
    };
    let text = |path: &str| entry.pointer(path).and_then(Value::as_str);
    let payload_hash = hex(&sha2::Sha256::digest(signed));
    text("/kind") == Some("hashedrekord")
        && text("/spec/signature/content") == Some(signature_b64)
        && text("/spec/data/hash/algorithm") == Some("sha256")
        && text("/spec/data/hash/value") == Some(payload_hash.as_str())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_entry_must_record_this_signature_and_payload() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let entry = serde_json::json!({
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": hex(&sha2::Sha256::digest(b"payload"))}},
                "signature": {"content": "c2ln"}
            }
        });
        let body = b64.encode(entry.to_string());
        assert!(entry_matches(&body, "c2ln", b"payload"));
        assert!(!entry_matches(&body, "b3RoZXI=", b"payload"));
        assert!(!entry_matches(&body, "c2ln", b"other payload"));
        assert!(!entry_matches("not base64!", "c2ln", b"payload"));
    }
}
