//! Image verification data from a file (`verno apply/test --image-data`):
//! an [`verno::ImageVerifier`] that answers from fixtures instead of a
//! registry, so `verifyImages` rules run offline.
//!
//! The format (YAML or JSON), one entry per image pattern; the first entry
//! whose `image` matches (Kyverno wildcards on the image reference with the
//! default registry made explicit, `docker.io/nginx:latest`) and whose
//! attestor filter fits the request answers:
//!
//! ```yaml
//! images:
//! - image: registry.k8s.io/etcd:*
//!   attestor: keyless              # optional: keyless | keys | certificates
//!   digest: sha256:<64 hex>
//!   signatures:                    # what verified for a signature check
//!   - subjectAlternativeNames: [k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com]
//!     issuer: https://accounts.google.com
//!     extensions: {githubWorkflowRepository: org/repo}
//!     annotations: {env: prod}
//!   attestations:                  # what verified for an attestation check
//!   - subjectAlternativeNames: [builder@example.com]
//!     statement: {predicateType: https://slsa.dev/provenance/v0.2, predicate: {}}
//! - image: ghcr.io/org/unsigned:*
//!   attestor: keys
//!   publicKey: |                   # optional with `keys`: only for this PEM key
//!     -----BEGIN PUBLIC KEY-----
//!     ...
//!   error: {kind: noMatch, message: no matching signatures}
//! ```
//!
//! `error.kind` is `noMatch` (a `fail` result), `unavailable`, `timeout` or
//! `invalidAttestor` (an `error` result). An image no entry matches has no
//! signatures: `noMatch`, `no signatures found`.

use std::path::Path;

use serde_json::Value;
use verno::unstable::go::wildcard;
use verno::{
    AttestorSpec, ImageVerifier, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest,
    VerifiedImage, VerifiedSignature,
};

use crate::files::Files;

/// Which attestors an entry answers for.
#[derive(Debug, Clone, PartialEq)]
enum AttestorFilter {
    Any,
    Keyless,
    /// `keys`, with the PEM key (whitespace removed) when one is named.
    Keys(Option<String>),
    Certificates,
}

impl AttestorFilter {
    fn fits(&self, spec: &AttestorSpec) -> bool {
        match (self, spec) {
            (AttestorFilter::Any, _) => true,
            (AttestorFilter::Keyless, AttestorSpec::Keyless { .. }) => true,
            (AttestorFilter::Certificates, AttestorSpec::Certificates { .. }) => true,
            (AttestorFilter::Keys(None), AttestorSpec::Keys { .. }) => true,
            (AttestorFilter::Keys(Some(want)), AttestorSpec::Keys { public_keys, .. }) => {
                squeeze(public_keys) == *want
            }
            _ => false,
        }
    }
}

fn squeeze(pem: &str) -> String {
    pem.chars().filter(|c| !c.is_whitespace()).collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Verified {
        digest: String,
        signatures: Vec<VerifiedSignature>,
        attestations: Vec<VerifiedSignature>,
    },
    Error(ImageVerifyError),
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    image: String,
    attestor: AttestorFilter,
    answer: Answer,
}

/// Parsed `--image-data` fixtures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageData {
    entries: Vec<Entry>,
}

impl ImageData {
    /// Read a fixture file; errors name the file and the field.
    pub fn load(files: &dyn Files, path: &Path) -> Result<ImageData, String> {
        let shown = path.display();
        let text = files
            .read(path)
            .map_err(|e| format!("image data {shown}: {e}"))?;
        let docs = verno::unstable::load::documents(&text)
            .map_err(|e| format!("image data {shown}: {e}"))?;
        let mut out = ImageData::default();
        if docs.is_empty() {
            return Err(format!("image data {shown}: no document"));
        }
        for (doc, _) in &docs {
            let more = ImageData::parse(doc).map_err(|e| format!("image data {shown}: {e}"))?;
            out.entries.extend(more.entries);
        }
        Ok(out)
    }

    /// Parse one fixture document; errors name the field.
    pub fn parse(doc: &Value) -> Result<ImageData, String> {
        let Some(map) = doc.as_object() else {
            return Err("the document must be a map with an `images` list".into());
        };
        for k in map.keys() {
            if !matches!(k.as_str(), "images" | "apiVersion" | "kind") {
                return Err(format!("{k}: unknown field (expected `images`)"));
            }
        }
        let Some(Value::Array(items)) = map.get("images") else {
            return Err("images: must be a list".into());
        };
        let entries = items
            .iter()
            .enumerate()
            .map(|(i, item)| entry(item).map_err(|e| format!("images[{i}].{e}")))
            .collect::<Result<_, _>>()?;
        Ok(ImageData { entries })
    }
}

fn string(item: &Value, key: &str) -> Result<Option<String>, String> {
    match item.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{key}: must be a string")),
    }
}

fn signatures(item: &Value, key: &str) -> Result<Vec<VerifiedSignature>, String> {
    match item.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, s)| serde_json::from_value(s.clone()).map_err(|e| format!("{key}[{i}]: {e}")))
            .collect(),
        Some(_) => Err(format!("{key}: must be a list")),
    }
}

fn entry(item: &Value) -> Result<Entry, String> {
    let Some(map) = item.as_object() else {
        return Err("image: each entry must be a map".into());
    };
    const FIELDS: &[&str] = &[
        "image",
        "attestor",
        "publicKey",
        "digest",
        "signatures",
        "attestations",
        "error",
    ];
    if let Some(k) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("{k}: unknown field"));
    }
    let image = string(item, "image")?
        .filter(|s| !s.is_empty())
        .ok_or("image: required")?;
    let key = string(item, "publicKey")?;
    let attestor = match string(item, "attestor")?.as_deref() {
        None if key.is_some() => AttestorFilter::Keys(key.as_deref().map(squeeze)),
        None => AttestorFilter::Any,
        Some("keyless") => AttestorFilter::Keyless,
        Some("keys") => AttestorFilter::Keys(key.as_deref().map(squeeze)),
        Some("certificates") => AttestorFilter::Certificates,
        Some(other) => {
            return Err(format!(
                "attestor: unknown attestor {other:?} (keyless, keys or certificates)"
            ))
        }
    };
    if key.is_some() && attestor != AttestorFilter::Keys(key.as_deref().map(squeeze)) {
        return Err("publicKey: only with `attestor: keys`".into());
    }
    let answer = match item.get("error") {
        None | Some(Value::Null) => {
            let digest = string(item, "digest")?.ok_or("digest: required (or `error`)")?;
            let valid = digest
                .strip_prefix("sha256:")
                .is_some_and(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()));
            if !valid {
                return Err(format!("digest: {digest:?} is not sha256:<64 hex digits>"));
            }
            Answer::Verified {
                digest,
                signatures: signatures(item, "signatures")?,
                attestations: signatures(item, "attestations")?,
            }
        }
        Some(e) => {
            if map.contains_key("digest") || map.contains_key("signatures") {
                return Err("error: an entry has either `error` or `digest`/`signatures`".into());
            }
            let kind = match string(e, "kind")
                .map_err(|m| format!("error.{m}"))?
                .as_deref()
            {
                Some("noMatch") => ImageVerifyErrorKind::NoMatch,
                Some("unavailable") => ImageVerifyErrorKind::Unavailable,
                Some("timeout") => ImageVerifyErrorKind::Timeout,
                Some("invalidAttestor") => ImageVerifyErrorKind::InvalidAttestor,
                other => {
                    return Err(format!(
                    "error.kind: {other:?} is not noMatch, unavailable, timeout or invalidAttestor"
                ))
                }
            };
            let message = string(e, "message")
                .map_err(|m| format!("error.{m}"))?
                .ok_or("error.message: required")?;
            Answer::Error(ImageVerifyError { kind, message })
        }
    };
    Ok(Entry {
        image,
        attestor,
        answer,
    })
}

impl ImageVerifier for ImageData {
    fn verify(&self, request: &ImageVerifyRequest) -> Result<VerifiedImage, ImageVerifyError> {
        let found = self.entries.iter().find(|e| {
            wildcard::matches(&e.image, &request.image) && e.attestor.fits(&request.attestor)
        });
        let no_match = |m: &str| ImageVerifyError {
            kind: ImageVerifyErrorKind::NoMatch,
            message: m.to_string(),
        };
        match found.map(|e| &e.answer) {
            None => Err(no_match("no signatures found")),
            Some(Answer::Error(e)) => Err(e.clone()),
            Some(Answer::Verified {
                digest,
                signatures,
                attestations,
            }) => {
                let list = match request.predicate_type {
                    None => signatures,
                    Some(_) => attestations,
                };
                if list.is_empty() {
                    return Err(no_match(match request.predicate_type {
                        None => "no signatures found",
                        Some(_) => "no matching attestations",
                    }));
                }
                Ok(VerifiedImage {
                    digest: digest.clone(),
                    signatures: list.clone(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_field_is_named() {
        let e = ImageData::parse(&json!({"images": [{"image": "x", "digets": "y"}]})).unwrap_err();
        assert_eq!(e, "images[0].digets: unknown field");
    }

    #[test]
    fn bad_digest_is_named() {
        let e = ImageData::parse(&json!({"images": [{"image": "x", "digest": "sha256:12"}]}))
            .unwrap_err();
        assert!(e.starts_with("images[0].digest:"), "{e}");
    }
}
