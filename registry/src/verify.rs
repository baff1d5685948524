//! One verification: resolve the digest, fetch the cosign artifact, check
//! each layer with the attestor's material, and collect the identities of
//! those that verify. Reasons for the others make cosign's
//! `no matching signatures: …` message.

use std::collections::BTreeMap;

use serde_json::Value;
use sigstore::cosign::bundle_content::BundleContent;
use sigstore::cosign::payload::simple_signing::{Critical, Identity, Image, SimpleSigning};
use sigstore::cosign::verification_constraint::{CertificateVerifier, VerificationConstraint};
use sigstore::cosign::SignatureLayer;
use verno::{
    ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest, VerifiedImage, VerifiedSignature,
};

use crate::attestor::{Checker, Material};
use crate::fetch::{self, Layer};
use crate::{dsse, error, identity, reference, tlog};

/// Media type of a cosign signature layer.
const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Annotation carrying a layer's base64 signature.
const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Annotation carrying a layer's signing certificate (PEM).
const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// cosign's text for a signature that does not verify with the key.
const BAD_SIGNATURE: &str = "invalid signature when validating ASN.1 encoded signature";

/// Verify `request` with `material` (see [`crate::RegistryVerifier`]).
pub(crate) async fn verify(
    request: &ImageVerifyRequest,
    material: &Material,
) -> Result<VerifiedImage, ImageVerifyError> {
    let image = reference::parse(&request.image)?;
    let client = fetch::client_for(&[image.resolve_registry()]);
    // Asked even for a pinned digest: a missing image is an error, as in
    // cosign, and the client checks the registry agrees with the pin.
    let digest = fetch::digest(&client, &image).await?;
    let suffix = if request.predicate_type.is_some() {
        "att"
    } else {
        "sig"
    };
    let artifact = reference::artifact(&image, request.repository.as_deref(), &digest, suffix)?;
    let artifact_client;
    let client = if artifact.resolve_registry() == image.resolve_registry() {
        &client
    } else {
        artifact_client = fetch::client_for(&[artifact.resolve_registry()]);
        &artifact_client
    };
    let layers = fetch::layers(client, &artifact).await?.unwrap_or_default();

    let mut verified = Vec::new();
    let mut verified_count = 0usize;
    let mut reasons = Vec::new();
    for layer in &layers {
        let outcome = match &request.predicate_type {
            None => check_signature(layer, &digest, material),
            Some(_) => check_attestation(layer, &digest, material),
        };
        match outcome {
            Ok(sig) => {
                verified_count += 1;
                // Kyverno keeps the attestations of the rule's predicate type;
                // others verified but are not the rule's business.
                let wanted = match &request.predicate_type {
                    None => true,
                    Some(t) => statement_type(&sig) == Some(t.as_str()),
                };
                if wanted {
                    verified.push(sig);
                }
            }
            Err(reason) => reasons.push(reason),
        }
    }
    if verified_count == 0 {
        let message = match (&request.predicate_type, layers.is_empty()) {
            (None, true) => "no signatures found".to_string(),
            (None, false) => format!("no matching signatures: {}", reasons.join("\n ")),
            (Some(_), _) => format!("no matching attestations: {}", reasons.join("\n ")),
        };
        return Err(error(ImageVerifyErrorKind::NoMatch, message));
    }
    Ok(VerifiedImage {
        digest,
        signatures: verified,
    })
}

/// Check one `.sig` layer; `Err` is the reason it does not verify.
fn check_signature(
    layer: &Layer,
    digest: &str,
    material: &Material,
) -> Result<VerifiedSignature, String> {
    if layer.media_type != SIMPLE_SIGNING {
        return Err(format!(
            "unexpected signature media type {}",
            layer.media_type
        ));
    }
    let signature = layer
        .annotations
        .get(SIGNATURE_ANNOTATION)
        .ok_or("signature annotation not found")?;
    let payload: SimpleSigning = serde_json::from_slice(&layer.data)
        .map_err(|e| format!("failed to unmarshal JSON payload: {e}"))?;
    let annotations = payload_annotations(&payload);
    let claimed = payload.critical.image.docker_manifest_digest.clone();
    let mut sl = signature_layer(layer, payload, signature.clone(), layer.data.clone());
    attach_bundle(&mut sl, layer, material)?;
    let mut verified = check(&sl, layer, &material.checker)?;
    if claimed != digest {
        return Err(format!("invalid or missing digest in claim: {claimed}"));
    }
    verified.annotations = annotations;
    Ok(verified)
}

/// Check one `.att` layer; the statement is returned whatever its type.
fn check_attestation(
    layer: &Layer,
    digest: &str,
    material: &Material,
) -> Result<VerifiedSignature, String> {
    if layer.media_type != dsse::MEDIA_TYPE {
        return Err(format!(
            "unexpected attestation media type {}",
            layer.media_type
        ));
    }
    let envelope = dsse::decode(&layer.data)?;
    let placeholder = SimpleSigning {
        critical: Critical {
            identity: Identity {
                docker_reference: String::new(),
            },
            image: Image {
                docker_manifest_digest: digest.to_string(),
            },
            type_name: String::new(),
        },
        optional: None,
    };
    if material.rekor.is_some() {
        // cosign logs attestations as `intoto` entries, which are not checked here.
        return Err(
            "transparency log verification of attestations is not supported by \
                    verno; set rekor.ignoreTlog: true"
                .into(),
        );
    }
    let sl = signature_layer(
        layer,
        placeholder,
        envelope.signature.clone(),
        envelope.pae.clone(),
    );
    let mut verified = check(&sl, layer, &material.checker)?;
    if !dsse::names_digest(&envelope.statement, digest) {
        return Err(format!(
            "claim verification: no subject with digest {digest}"
        ));
    }
    verified.statement = Some(envelope.statement);
    Ok(verified)
}

/// With `rekor.pubkey`, the layer's Rekor bundle must verify and record
/// this signature; the certificate checks then use its integrated time.
fn attach_bundle(
    sl: &mut SignatureLayer,
    layer: &Layer,
    material: &Material,
) -> Result<(), String> {
    let Some(keys) = &material.rekor else {
        return Ok(());
    };
    let signature = sl.signature.as_deref().unwrap_or_default();
    let bundle = tlog::check(keys, &layer.annotations, signature, &sl.raw_data)?;
    sl.bundle = Some(BundleContent::RekorBundle(bundle));
    Ok(())
}

/// The cryptographic check of one layer with the attestor's material.
fn check(
    sl: &SignatureLayer,
    layer: &Layer,
    checker: &Checker,
) -> Result<VerifiedSignature, String> {
    match checker {
        Checker::Keys(keys) => {
            if keys.iter().any(|k| k.verify(sl).unwrap_or(false)) {
                Ok(VerifiedSignature::default())
            } else {
                Err(BAD_SIGNATURE.into())
            }
        }
        Checker::Certificate { verifier, pem } => {
            if !verifier.verify(sl).unwrap_or(false) {
                return Err(BAD_SIGNATURE.into());
            }
            identity_of(pem)
        }
        Checker::Embedded(anchors) => {
            let pem = layer
                .annotations
                .get(CERTIFICATE_ANNOTATION)
                .ok_or("no certificate found on signature")?;
            // Read the certificate alone first, so a chain failure is told
            // apart from an unusable certificate.
            CertificateVerifier::from_pem(pem.as_bytes(), false, None)
                .map_err(|e| format!("invalid certificate found on signature: {e}"))?;
            let verifier = CertificateVerifier::from_pem(pem.as_bytes(), false, Some(anchors))
                .map_err(|_| "x509: certificate signed by unknown authority".to_string())?;
            if !verifier.verify(sl).unwrap_or(false) {
                return Err(BAD_SIGNATURE.into());
            }
            identity_of(pem)
        }
    }
}

fn identity_of(pem: &str) -> Result<VerifiedSignature, String> {
    let id = identity::from_pem(pem)
        .map_err(|e| format!("invalid certificate found on signature: {e}"))?;
    Ok(VerifiedSignature {
        subject_alternative_names: id.sans,
        issuer: id.issuer,
        extensions: id.extensions,
        ..VerifiedSignature::default()
    })
}

fn signature_layer(
    layer: &Layer,
    simple_signing: SimpleSigning,
    signature: String,
    raw_data: Vec<u8>,
) -> SignatureLayer {
    SignatureLayer {
        simple_signing,
        oci_digest: layer.digest.clone(),
        certificate_signature: None,
        // Set by `attach_bundle` when the transparency log is checked.
        bundle: None,
        signature: Some(signature),
        raw_data,
    }
}

/// The payload's `optional` map as strings (cosign `-a key=value`).
fn payload_annotations(payload: &SimpleSigning) -> BTreeMap<String, String> {
    let Some(optional) = &payload.optional else {
        return BTreeMap::new();
    };
    let mut out: BTreeMap<String, String> = optional
        .extra
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect();
    if let Some(creator) = &optional.creator {
        out.insert("creator".into(), creator.clone());
    }
    if let Some(timestamp) = optional.timestamp {
        out.insert("timestamp".into(), timestamp.to_string());
    }
    out
}

fn statement_type(sig: &VerifiedSignature) -> Option<&str> {
    sig.statement.as_ref()?.get("predicateType")?.as_str()
}
