//! Attestor sets: asking the host's verifier per entry, `count`, and the
//! identity and annotation checks on what it verified.

use std::collections::BTreeMap;

use super::selection::{matches_any, Image};
use super::RuleRun;
use crate::compile::verify_images::{
    Attestor, AttestorKind, AttestorSet, ImageVerification, VerifyType,
};
use crate::go::wildcard;
use crate::host::{
    AttestorSpec, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest, VerifiedImage,
    VerifiedSignature,
};
use crate::model::response::{RuleResponse, RuleStatus};

/// An attestor failure: the message, and whether the registry could not
/// be reached (Kyverno's `net.OpError`: an `error` result, not a `fail`).
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub(super) message: String,
    pub(super) unreachable: bool,
}

impl Failure {
    pub(super) fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            unreachable: false,
        }
    }

    pub(super) fn from_host(e: &ImageVerifyError) -> Self {
        Failure {
            message: e.message.clone(),
            // The contract: only `NoMatch` is a verdict on the image.
            unreachable: e.kind != ImageVerifyErrorKind::NoMatch,
        }
    }

    pub(super) fn wrap(self, prefix: &str) -> Self {
        Failure {
            message: format!("{prefix}: {}", self.message),
            ..self
        }
    }

    /// `multierr.Combine`.
    pub(super) fn combine(list: Vec<Failure>) -> Option<Failure> {
        if list.is_empty() {
            return None;
        }
        let unreachable = list.iter().any(|f| f.unreachable);
        let message = list
            .into_iter()
            .map(|f| f.message)
            .collect::<Vec<_>>()
            .join("; ");
        Some(Failure {
            message,
            unreachable,
        })
    }
}

/// The answer when the host has no verifier: an error, never a pass.
pub(super) fn no_verifier() -> ImageVerifyError {
    ImageVerifyError {
        kind: ImageVerifyErrorKind::Unavailable,
        message: "image verification is not available: the host has no image verifier \
                  (verno apply/test: --image-data FILE)"
            .into(),
    }
}

impl RuleRun<'_, '_> {
    /// `verifyImage`: `None` when the entry has nothing to verify.
    pub(super) fn verify_image(
        &mut self,
        entry: &ImageVerification,
        img: &Image,
    ) -> Option<(RuleResponse, String)> {
        if entry.attestors.is_empty() && entry.attestations.is_empty() {
            return None;
        }
        let image = img.reference.as_str();
        self.ctx.set("image", img.info.clone());
        let skip_message = format!(
            "skipping image reference image {image}, policy {} ruleName {}",
            self.policy.info.name, self.rule.name
        );
        if !matches_any(&entry.image_references, image) {
            return Some((self.response(RuleStatus::Skip, skip_message), String::new()));
        }
        if matches_any(&entry.skip_image_references, image) {
            self.ivm.data.insert(image.to_string(), "skip");
            return Some((self.response(RuleStatus::Skip, skip_message), String::new()));
        }
        let mut digest = img.digest.clone();
        if !entry.attestors.is_empty() {
            let mut verified = None;
            for (i, set) in entry.attestors.iter().enumerate() {
                match self.verify_attestor_set(entry, set, image, &format!(".attestors[{i}]")) {
                    Ok(v) => verified = Some(v),
                    Err(f) => {
                        let message = format!("failed to verify image {image}: {}", f.message);
                        let status = if f.unreachable {
                            RuleStatus::Error
                        } else {
                            RuleStatus::Fail
                        };
                        return Some((self.response(status, message), String::new()));
                    }
                }
            }
            let Some(v) = verified else {
                return Some((
                    self.response(RuleStatus::Error, "invalid response: nil"),
                    String::new(),
                ));
            };
            if digest.is_empty() {
                digest = v.digest.clone();
            }
            let pass = self.response(
                RuleStatus::Pass,
                format!("verified image signatures for {image}"),
            );
            if entry.attestations.is_empty() {
                return Some((pass, v.digest));
            }
        }
        Some(self.verify_attestations(entry, img, digest))
    }

    /// `verifyAttestorSet`: entries in order until `count` verified.
    pub(super) fn verify_attestor_set(
        &mut self,
        entry: &ImageVerification,
        set: &AttestorSet,
        image: &str,
        path: &str,
    ) -> Result<VerifiedImage, Failure> {
        let set = expand_static_keys(set);
        let required = set.required_count();
        let mut verified = 0usize;
        let mut errors = Vec::new();
        for (i, a) in set.entries.iter().enumerate() {
            let entry_path = format!("{path}.entries[{i}]");
            let result = match &a.kind {
                AttestorKind::Nested(nested) => self.verify_attestor_set(
                    entry,
                    nested,
                    image,
                    &format!("{entry_path}.attestor"),
                ),
                _ => self
                    .verify_signature(entry, a, image)
                    .map_err(|f| f.wrap(&format!("{entry_path}{}", a.kind.sub_path()))),
            };
            match result {
                Ok(v) => {
                    verified += 1;
                    if verified >= required {
                        return Ok(v);
                    }
                }
                Err(f) => errors.push(f),
            }
        }
        Err(Failure::combine(errors)
            .unwrap_or_else(|| Failure::new("no attestor entry verified the image")))
    }

    /// Ask the host, for signatures (`predicate_type: None`) or attestations.
    pub(super) fn ask(
        &self,
        entry: &ImageVerification,
        a: &Attestor,
        image: &str,
        predicate_type: Option<&str>,
    ) -> Result<VerifiedImage, Failure> {
        if entry.kind != VerifyType::Cosign {
            let name = match entry.kind {
                VerifyType::Notary => "Notary",
                _ => "SigstoreBundle",
            };
            return Err(Failure {
                message: format!("image verification of type {name} is not supported by verno"),
                unreachable: true,
            });
        }
        let attestor = match &a.kind {
            AttestorKind::Keys {
                public_keys,
                signature_algorithm,
            } => AttestorSpec::Keys {
                public_keys: public_keys.clone(),
                signature_algorithm: if signature_algorithm.is_empty() {
                    "sha256".into()
                } else {
                    signature_algorithm.clone()
                },
            },
            AttestorKind::Keyless { roots, .. } => AttestorSpec::Keyless {
                roots: Some(roots.clone()).filter(|r| !r.is_empty()),
            },
            AttestorKind::Certificates { cert, cert_chain } => AttestorSpec::Certificates {
                cert: Some(cert.clone()).filter(|c| !c.is_empty()),
                cert_chain: Some(cert_chain.clone()).filter(|c| !c.is_empty()),
            },
            AttestorKind::Nested(_) | AttestorKind::Empty => AttestorSpec::Keyless { roots: None },
        };
        let repository = if a.repository.is_empty() {
            entry.repository.clone()
        } else {
            a.repository.clone()
        };
        let request = ImageVerifyRequest {
            image: image.to_string(),
            repository: Some(repository).filter(|r| !r.is_empty()),
            attestor,
            predicate_type: predicate_type.map(str::to_string),
            transparency: a.transparency.clone(),
        };
        let verifier = self.verifier;
        match verifier {
            Some(v) => v.verify(&request),
            None => Err(no_verifier()),
        }
        .map_err(|e| Failure::from_host(&e))
    }

    /// `VerifySignature`: the host's verified signatures, then the identity
    /// and annotation checks.
    pub(super) fn verify_signature(
        &self,
        entry: &ImageVerification,
        a: &Attestor,
        image: &str,
    ) -> Result<VerifiedImage, Failure> {
        let v = self.ask(entry, a, image, None)?;
        if v.signatures.is_empty() {
            return Err(Failure::new("no matching signatures"));
        }
        match_signatures(&v.signatures, &a.kind, self.static_regexes()).map_err(Failure::new)?;
        let annotations = a.annotations.as_ref().unwrap_or(&entry.annotations);
        check_annotations(&v.signatures, annotations).map_err(Failure::new)?;
        if v.digest.is_empty() {
            return Err(Failure::new(format!("digest not found for {image}")));
        }
        Ok(v)
    }
}

/// `ExpandStaticKeys`: a `keys` entry with several PEM keys becomes one
/// entry per key.
pub(super) fn expand_static_keys(set: &AttestorSet) -> AttestorSet {
    let mut entries = Vec::new();
    for e in &set.entries {
        if let AttestorKind::Keys {
            public_keys,
            signature_algorithm,
        } = &e.kind
        {
            let keys = split_pem(public_keys);
            if keys.len() > 1 {
                for k in keys {
                    entries.push(Attestor {
                        kind: AttestorKind::Keys {
                            public_keys: k,
                            signature_algorithm: signature_algorithm.clone(),
                        },
                        ..e.clone()
                    });
                }
                continue;
            }
        }
        entries.push(e.clone());
    }
    AttestorSet {
        count: set.count,
        entries,
    }
}

/// `splitPEM`: the text up to and including each `END PUBLIC KEY` line.
pub(super) fn split_pem(pem: &str) -> Vec<String> {
    const END: &str = "-----END PUBLIC KEY-----";
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(i) = rest.find(END) {
        let (head, tail) = rest.split_at(i + END.len());
        out.push(head.to_string());
        rest = tail;
    }
    out
}

/// The Fulcio extension names Kyverno accepts, by OID and by name.
pub(super) fn extension_name(key: &str) -> Option<&'static str> {
    Some(match key {
        "1.3.6.1.4.1.57264.1.1" | "issuer" => "issuer",
        "1.3.6.1.4.1.57264.1.2" | "githubWorkflowTrigger" => "githubWorkflowTrigger",
        "1.3.6.1.4.1.57264.1.3" | "githubWorkflowSha" => "githubWorkflowSha",
        "1.3.6.1.4.1.57264.1.4" | "githubWorkflowName" => "githubWorkflowName",
        "1.3.6.1.4.1.57264.1.5" | "githubWorkflowRepository" => "githubWorkflowRepository",
        "1.3.6.1.4.1.57264.1.6" | "githubWorkflowRef" => "githubWorkflowRef",
        _ => return None,
    })
}

/// `matchSignatures`: some signature's certificate matches the keyless
/// identity (other attestor kinds have none to match).
pub(super) fn match_signatures(
    signatures: &[VerifiedSignature],
    kind: &AttestorKind,
    regexes: &BTreeMap<String, regex::Regex>,
) -> Result<(), String> {
    let AttestorKind::Keyless {
        issuer,
        issuer_reg_exp,
        subject,
        subject_reg_exp,
        additional_extensions,
        ..
    } = kind
    else {
        return Ok(());
    };
    if subject.is_empty()
        && issuer.is_empty()
        && subject_reg_exp.is_empty()
        && issuer_reg_exp.is_empty()
        && additional_extensions.is_empty()
    {
        return Ok(());
    }
    let mut errs = Vec::new();
    for sig in signatures {
        match match_certificate(
            sig,
            regexes,
            subject,
            subject_reg_exp,
            issuer,
            issuer_reg_exp,
            additional_extensions,
        ) {
            Ok(()) => return Ok(()),
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() {
        return Err("invalid signature".into());
    }
    Err(errs.join("; "))
}

/// The compiled regexp: from the load-time set when the text has no
/// variables, else compiled for this request.
pub(super) fn compile_regex<'r>(
    re: &str,
    what: &str,
    regexes: &'r BTreeMap<String, regex::Regex>,
) -> Result<std::borrow::Cow<'r, regex::Regex>, String> {
    if let Some(compiled) = regexes.get(re) {
        return Ok(std::borrow::Cow::Borrowed(compiled));
    }
    regex::Regex::new(re)
        .map(std::borrow::Cow::Owned)
        .map_err(|e| format!("invalid regexp for {what}: {re} : {e}"))
}

/// `matchCertificateData` and `matchExtensions`.
pub(super) fn match_certificate(
    sig: &VerifiedSignature,
    regexes: &BTreeMap<String, regex::Regex>,
    subject: &str,
    subject_reg_exp: &str,
    issuer: &str,
    issuer_reg_exp: &str,
    extensions: &BTreeMap<String, String>,
) -> Result<(), String> {
    let sans = &sig.subject_alternative_names;
    if (!subject.is_empty() || !subject_reg_exp.is_empty()) && !sans.is_empty() {
        let mut matched = !subject.is_empty() && sans.iter().any(|s| wildcard::matches(subject, s));
        if !subject_reg_exp.is_empty() {
            let re = compile_regex(subject_reg_exp, "subject", regexes)?;
            matched |= sans.iter().any(|s| re.is_match(s));
        }
        if !matched {
            let expected = if subject.is_empty() {
                subject_reg_exp
            } else {
                subject
            };
            return Err(format!(
                "subject mismatch: expected {expected}, received {}",
                sans.join(", ")
            ));
        }
    }
    let got_issuer = sig.issuer.as_deref().unwrap_or_default();
    if !issuer.is_empty() && !wildcard::matches(issuer, got_issuer) {
        return Err(format!(
            "issuer mismatch: expected {issuer}, received {got_issuer}"
        ));
    }
    if !issuer_reg_exp.is_empty() {
        let re = compile_regex(issuer_reg_exp, "issuer", regexes)?;
        if !re.is_match(got_issuer) {
            return Err(format!(
                "issuer mismatch: expected {issuer_reg_exp}, received {got_issuer}"
            ));
        }
    }
    for (key, want) in extensions {
        let Some(name) = extension_name(key) else {
            return Err(format!("invalid certificate extension {key}"));
        };
        let got = if name == "issuer" {
            got_issuer
        } else {
            sig.extensions
                .get(name)
                .map(String::as_str)
                .unwrap_or_default()
        };
        if !wildcard::matches(want, got) {
            return Err(format!(
                "extension mismatch: expected {want} for key {key}, received {got}"
            ));
        }
    }
    Ok(())
}

/// `checkAnnotations`: some signature's payload carries every annotation.
pub(super) fn check_annotations(
    signatures: &[VerifiedSignature],
    annotations: &BTreeMap<String, String>,
) -> Result<(), String> {
    if annotations.is_empty() {
        return Ok(());
    }
    let ok = signatures.iter().any(|s| {
        annotations
            .iter()
            .all(|(k, v)| s.annotations.get(k).map(String::as_str).unwrap_or_default() == v)
    });
    if ok {
        Ok(())
    } else {
        Err("no signature matched the required annotations".into())
    }
}
