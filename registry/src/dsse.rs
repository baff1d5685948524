//! Cosign attestations: a DSSE envelope around an in-toto statement. The
//! signature covers the envelope's pre-authentication encoding (PAE).

use base64::Engine as _;
use serde_json::Value;

/// The media type of a cosign attestation layer.
pub(crate) const MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";

/// A decoded envelope.
#[derive(Debug)]
pub(crate) struct Envelope {
    /// The bytes the signature covers.
    pub pae: Vec<u8>,
    /// The (base64) signature; cosign writes exactly one.
    pub signature: String,
    /// The in-toto statement.
    pub statement: Value,
}

/// Decode a DSSE envelope, or say why it is not one cosign would accept.
pub(crate) fn decode(data: &[u8]) -> Result<Envelope, String> {
    let envelope: Value =
        serde_json::from_slice(data).map_err(|e| format!("failed to decode envelope: {e}"))?;
    let payload_type = envelope
        .get("payloadType")
        .and_then(Value::as_str)
        .ok_or("missing payloadType in envelope")?;
    let payload_b64 = envelope
        .get("payload")
        .and_then(Value::as_str)
        .ok_or("missing payload in envelope")?;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(payload_b64)
        .map_err(|e| format!("failed to decode payload: {e}"))?;
    let signatures = envelope
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or("missing signatures in envelope")?;
    let signature = match signatures.as_slice() {
        [one] => one
            .get("sig")
            .and_then(Value::as_str)
            .ok_or("missing sig in envelope signature")?
            .to_string(),
        _ => {
            return Err("multiple signatures on DSSE envelopes are not currently supported".into())
        }
    };
    let statement: Value =
        serde_json::from_slice(&payload).map_err(|e| format!("error decoding the payload: {e}"))?;
    Ok(Envelope {
        pae: pae(payload_type, &payload),
        signature,
        statement,
    })
}

/// DSSE v1 pre-authentication encoding: `DSSEv1 <len> <type> <len> <payload>`.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Whether one of the statement's subjects has the image's digest (cosign's
/// `IntotoSubjectClaimVerifier`).
pub(crate) fn names_digest(statement: &Value, digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    statement
        .get("subject")
        .and_then(Value::as_array)
        .is_some_and(|subjects| {
            subjects.iter().any(|s| {
                s.get("digest")
                    .and_then(|d| d.get(algorithm))
                    .and_then(Value::as_str)
                    == Some(hex)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_follows_the_dsse_v1_layout() {
        assert_eq!(pae("t", b"abc"), b"DSSEv1 1 t 3 abc".to_vec());
    }

    #[test]
    fn statement_subject_must_carry_the_image_digest() {
        let s = serde_json::json!({"subject": [{"name": "x", "digest": {"sha256": "aa"}}]});
        assert!(names_digest(&s, "sha256:aa"));
        assert!(!names_digest(&s, "sha256:bb"));
        assert!(!names_digest(&serde_json::json!({}), "sha256:aa"));
    }

    #[test]
    fn envelope_with_two_signatures_is_refused() {
        let env = serde_json::json!({"payloadType": "t", "payload": "e30=", "signatures": [{"sig": "a"}, {"sig": "b"}]});
        let err = decode(env.to_string().as_bytes()).unwrap_err();
        assert!(err.contains("multiple signatures"), "{err}");
    }
}
