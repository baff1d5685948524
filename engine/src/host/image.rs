//! Image verification through the host: the engine decides which images a
//! `verifyImages` rule checks, which attestor applies and whether the
//! identities match (Kyverno's `matchSignatures`/`matchCertificateData`);
//! fetching signatures from a registry and checking their cryptography is the
//! host's job, so the engine stays pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the engine asks the host to verify: one image against one attestor
/// entry, for its signatures or for attestations of one predicate type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageVerifyRequest {
    /// The image as the resource names it (`registry.k8s.io/etcd:3.5.6-0`),
    /// with the default registry made explicit as Kyverno does (`docker.io/nginx:latest`).
    pub image: String,
    /// Where signatures are stored, when the rule or attestor names another
    /// repository (`repository` in Kyverno); `None` means next to the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The attestor entry to verify with.
    pub attestor: AttestorSpec,
    /// `None`: verify the image's signatures. `Some(type)`: verify its
    /// attestations of this predicate type (in-toto statements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// Transparency-log options from the attestor (`rekor`, `ctlog`).
    #[serde(default)]
    pub transparency: TransparencyOptions,
}

/// One attestor entry, as the policy gives it (after variable substitution).
/// In JSON the variant is `type` (`keys`, `keyless`, `certificates`) and its
/// fields are camelCase like the rest of the request (`publicKeys`,
/// `signatureAlgorithm`, `certChain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "type"
)]
pub enum AttestorSpec {
    /// `keys`: one or more PEM public keys (as in `publicKeys`).
    Keys {
        /// The PEM text, possibly several keys.
        public_keys: String,
        /// `signatureAlgorithm` (default `sha256`).
        signature_algorithm: String,
    },
    /// `keyless`: a certificate issued to an identity, chained to `roots`
    /// (PEM) or to the public Sigstore roots when `roots` is `None`.
    /// Identity matching (`issuer`, `subject`, regexps, extensions) is done
    /// by the engine on the identities the host returns.
    Keyless {
        /// Custom root certificates (PEM), if the policy gives them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        roots: Option<String>,
    },
    /// `certificates`: a signing certificate and/or chain (PEM).
    Certificates {
        /// `cert`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cert: Option<String>,
        /// `certChain`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cert_chain: Option<String>,
    },
}

/// Transparency-log settings of an attestor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyOptions {
    /// `rekor.ignoreTlog`.
    #[serde(default)]
    pub ignore_tlog: bool,
    /// `ctlog.ignoreSCT` (spelled as in the policy).
    #[serde(default, rename = "ignoreSCT")]
    pub ignore_sct: bool,
    /// `rekor.url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekor_url: Option<String>,
    /// `rekor.pubkey` (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekor_pubkey: Option<String>,
    /// `ctlog.pubkey` (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctlog_pubkey: Option<String>,
}

/// What the host found: the image's digest and every signature (or
/// attestation) that verified cryptographically against the attestor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedImage {
    /// `sha256:…` digest of the image the signatures cover.
    pub digest: String,
    /// The verified signatures or attestations, in registry order.
    #[serde(default)]
    pub signatures: Vec<VerifiedSignature>,
}

/// One cryptographically verified signature or attestation, with the
/// identity it was made by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedSignature {
    /// The certificate's subject alternative names (keyless and certificates).
    #[serde(default)]
    pub subject_alternative_names: Vec<String>,
    /// The Fulcio issuer extension (OID 1.3.6.1.4.1.57264.1.1 or .1.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Other certificate extensions by name (`githubWorkflowRepository`, …).
    #[serde(default)]
    pub extensions: BTreeMap<String, String>,
    /// The signature payload's `optional` annotations (cosign `-a k=v`).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// For attestations: the in-toto statement (with `predicateType` and `predicate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<Value>,
}

/// Why the host could not verify an image. The message is used verbatim in
/// Kyverno's result message (`failed to verify image …: .attestors[0].entries[0].keys: <message>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct ImageVerifyError {
    /// What kind of failure: decides fail (`NoMatch`) versus error (the others).
    pub kind: ImageVerifyErrorKind,
    /// Kyverno's text, e.g. `no signatures found`, `no matching signatures`.
    pub message: String,
}

/// Kinds of [`ImageVerifyError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ImageVerifyErrorKind {
    /// The image has no signature that verifies against the attestor.
    NoMatch,
    /// The image or its signatures could not be fetched.
    Unavailable,
    /// The host's verification timed out.
    Timeout,
    /// The attestor material is unusable (bad PEM, unknown algorithm).
    InvalidAttestor,
}

/// Verifies images for `verifyImages` rules. Implemented by hosts: a fixture
/// file (`--image-data`), a real registry (`verno apply --registry`), or a
/// binding's callback.
pub trait ImageVerifier: Send + Sync {
    /// Verify one image against one attestor entry.
    fn verify(&self, request: &ImageVerifyRequest) -> Result<VerifiedImage, ImageVerifyError>;
}
