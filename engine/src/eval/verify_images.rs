//! `verifyImages` rules: the verify stage between mutate and validate
//! (`pkg/engine/image_verify.go`, `handlers/mutation/mutate_image.go`,
//! `internal/imageverifier.go`) and the image checks of the validate stage
//! (`handlers/validation/validate_image.go`).
//!
//! The engine picks the images, walks the attestor sets with their counts,
//! matches identities (`matchSignatures` of `cpol/cosign`), evaluates
//! attestation conditions and writes Kyverno's messages. Fetching
//! signatures and checking their cryptography is the host's
//! [`ImageVerifier`]; without one, every verification is an `error` result.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::compile::verify_images::{
    image_verifications, Attestation, Attestor, AttestorKind, AttestorSet, ImageVerification,
    VerifyType,
};
use crate::compile::{CompiledRule, KyvernoPolicy, RuleBody};
use crate::conditions;
use crate::eval::context::{exception_skip_message, new_context, rule_prelude};
use crate::go::wildcard;
use crate::host::{
    AttestorSpec, Host, ImageVerifier, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest,
    VerifiedImage, VerifiedSignature,
};
use crate::matching::exception::PolicyException;
use crate::matching::MatchContext;
use crate::model::policy::PolicyKind;
use crate::model::resource::{Operation, Request, ResourceMeta};
use crate::model::response::{PolicyResponse, RuleResponse, RuleStatus, RuleType};
use crate::variables::{substitute_all, Context};

/// The annotation the verify stage records outcomes in.
pub const ANNOTATION: &str = "kyverno.io/verify-images";
/// The per-policy, per-rule form of [`ANNOTATION`] that `required` reads.
pub const SCOPED_ANNOTATION: &str = "kyverno.io/verify-images-scoped";

/// One image of the resource, as Kyverno's `ImageInfo` gives it.
#[derive(Debug, Clone)]
struct Image {
    /// `String()`: `registry/path:tag` or `registry/path@digest`.
    reference: String,
    /// `registry/path` (for the digest form after `mutateDigest`).
    base: String,
    digest: String,
    /// JSON pointer of the `image` field.
    pointer: String,
    /// The `image` context value (`AddImageInfo`).
    info: Value,
}

/// The images of a resource, init containers first, then containers and
/// ephemeral containers (Kyverno walks a Go map; verno picks this order).
fn resource_images(resource: &Value) -> Result<Vec<Image>, String> {
    let Some(ctx) = crate::eval::images::images_context(resource)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for tag in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(Value::Object(m)) = ctx.get(tag) else {
            continue;
        };
        for info in m.values() {
            let field = |k: &str| {
                info.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let (registry, path) = (field("registry"), field("path"));
            let base = if registry.is_empty() {
                path
            } else {
                format!("{registry}/{path}")
            };
            out.push(Image {
                reference: field("reference"),
                base,
                digest: field("digest"),
                pointer: field("jsonPointer"),
                info: info.clone(),
            });
        }
    }
    Ok(out)
}

fn matches_any(patterns: &[String], image: &str) -> bool {
    patterns.iter().any(|p| wildcard::matches(p, image))
}

/// `GetMatchingImages`: each image once per entry whose references match.
fn matching_images(images: &[Image], entries: &[ImageVerification]) -> Vec<Image> {
    let mut out = Vec::new();
    for img in images {
        for e in entries {
            if matches_any(&e.image_references, &img.reference) {
                out.push(img.clone());
            }
        }
    }
    out
}

/// Verification outcomes recorded in the annotations (`ImageVerificationMetadata`).
#[derive(Debug, Default)]
struct Metadata {
    data: BTreeMap<String, &'static str>,
    scoped: BTreeMap<String, BTreeMap<String, BTreeMap<String, &'static str>>>,
}

impl Metadata {
    fn is_empty(&self) -> bool {
        self.data.is_empty() && self.scoped.is_empty()
    }

    /// `Patches` applied to the resource: the annotations added (created
    /// when the resource has none).
    fn annotate(&self, resource: &mut Value) {
        let data = serde_json::to_string(&self.data).unwrap_or_default();
        let scoped = (!self.scoped.is_empty())
            .then(|| json!({"version": 1, "policies": self.scoped}).to_string());
        let Some(meta) = resource
            .as_object_mut()
            .map(|r| r.entry("metadata").or_insert_with(|| json!({})))
        else {
            return;
        };
        let Some(meta) = meta.as_object_mut() else {
            return;
        };
        let ann = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if !ann.is_object() {
            *ann = Value::Object(Default::default());
        }
        if let Some(ann) = ann.as_object_mut() {
            ann.insert(ANNOTATION.into(), Value::String(data));
            if let Some(s) = scoped {
                ann.insert(SCOPED_ANNOTATION.into(), Value::String(s));
            }
        }
    }
}

fn status_word(s: RuleStatus) -> &'static str {
    match s {
        RuleStatus::Pass => "pass",
        RuleStatus::Skip | RuleStatus::Warn => "skip",
        RuleStatus::Fail | RuleStatus::Error => "fail",
    }
}

/// An attestor failure: the message, and whether the registry could not
/// be reached (Kyverno's `net.OpError`: an `error` result, not a `fail`).
#[derive(Debug, Clone)]
struct Failure {
    message: String,
    unreachable: bool,
}

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            unreachable: false,
        }
    }

    fn from_host(e: &ImageVerifyError) -> Self {
        Failure {
            message: e.message.clone(),
            // The contract: only `NoMatch` is a verdict on the image.
            unreachable: e.kind != ImageVerifyErrorKind::NoMatch,
        }
    }

    fn wrap(self, prefix: &str) -> Self {
        Failure {
            message: format!("{prefix}: {}", self.message),
            ..self
        }
    }

    /// `multierr.Combine`.
    fn combine(list: Vec<Failure>) -> Option<Failure> {
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
fn no_verifier() -> ImageVerifyError {
    ImageVerifyError {
        kind: ImageVerifyErrorKind::Unavailable,
        message: "image verification is not available: the host has no image verifier \
                  (verno apply/test: --image-data FILE)"
            .into(),
    }
}

/// Everything one rule's verification needs.
struct RuleRun<'a, 'h> {
    policy: &'a KyvernoPolicy,
    rule: &'a CompiledRule,
    verifier: Option<&'h dyn ImageVerifier>,
    ivm: &'a mut Metadata,
    ctx: &'a mut Context<'h>,
}

impl RuleRun<'_, '_> {
    fn response(&self, status: RuleStatus, message: impl Into<String>) -> RuleResponse {
        RuleResponse::new(&self.rule.name, RuleType::ImageVerify, status, message)
    }

    fn record(&mut self, image: &str, status: &'static str) {
        self.ivm.data.insert(image.to_string(), status);
        let key = format!(
            "{}/{}",
            self.policy.info.namespace.as_deref().unwrap_or_default(),
            self.policy.info.name
        );
        self.ivm
            .scoped
            .entry(key)
            .or_default()
            .entry(self.rule.name.clone())
            .or_default()
            .insert(image.to_string(), status);
    }

    /// `imageVerifier.Verify` for one entry over the matched images: the
    /// responses and the digest patches.
    fn verify(
        &mut self,
        entry: &ImageVerification,
        images: &[Image],
        out: &mut Vec<RuleResponse>,
        patches: &mut Vec<(String, String)>,
    ) {
        for img in images {
            let mut image = img.reference.clone();
            let (mut resp, digest) = match self.verify_image(entry, img) {
                Some((r, d)) => (Some(r), d),
                None => (None, String::new()),
            };
            if entry.mutate_digest && img.digest.is_empty() {
                let digest = if digest.is_empty() {
                    self.resolve_digest(entry, &image)
                } else {
                    Ok(digest)
                };
                match digest {
                    Err(f) => out.push(self.response(
                        RuleStatus::Error,
                        format!("failed to update digest: {}", f.message),
                    )),
                    Ok(digest) => {
                        if resp.is_none() {
                            resp = Some(self.response(RuleStatus::Pass, "mutated image digest"));
                        }
                        patches.push((img.pointer.clone(), format!("{image}@{digest}")));
                        image = format!("{}@{digest}", img.base);
                    }
                }
            }
            if let Some(r) = resp {
                if !entry.attestors.is_empty() || !entry.attestations.is_empty() {
                    self.record(&image, status_word(r.status));
                }
                out.push(r);
            }
        }
    }

    /// The digest `mutateDigest` pins when verification gave none (Kyverno
    /// fetches the image descriptor: also for failed or skipped images).
    /// The verifier contract has no descriptor lookup, so the host is asked
    /// as for the entry's first attestor and its digest is used.
    fn resolve_digest(&self, entry: &ImageVerification, image: &str) -> Result<String, Failure> {
        fn first(sets: &[AttestorSet]) -> Option<&Attestor> {
            let a = sets.first()?.entries.first()?;
            match &a.kind {
                AttestorKind::Nested(n) => first(std::slice::from_ref(n)),
                _ => Some(a),
            }
        }
        let fallback = Attestor {
            kind: AttestorKind::Empty,
            repository: String::new(),
            annotations: None,
            transparency: Default::default(),
        };
        let a = first(&entry.attestors).unwrap_or(&fallback);
        let v = self.ask(entry, a, image, None)?;
        if v.digest.is_empty() {
            return Err(Failure::new(format!("digest not found for {image}")));
        }
        Ok(v.digest)
    }

    /// `verifyImage`: `None` when the entry has nothing to verify.
    fn verify_image(
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
    fn verify_attestor_set(
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
    fn ask(
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
    fn verify_signature(
        &self,
        entry: &ImageVerification,
        a: &Attestor,
        image: &str,
    ) -> Result<VerifiedImage, Failure> {
        let v = self.ask(entry, a, image, None)?;
        if v.signatures.is_empty() {
            return Err(Failure::new("no matching signatures"));
        }
        match_signatures(&v.signatures, &a.kind).map_err(Failure::new)?;
        let annotations = a.annotations.as_ref().unwrap_or(&entry.annotations);
        check_annotations(&v.signatures, annotations).map_err(Failure::new)?;
        if v.digest.is_empty() {
            return Err(Failure::new(format!("digest not found for {image}")));
        }
        Ok(v)
    }

    /// `verifyAttestations`.
    fn verify_attestations(
        &mut self,
        entry: &ImageVerification,
        img: &Image,
        mut digest: String,
    ) -> (RuleResponse, String) {
        let mut image = img.reference.clone();
        for (i, att) in entry.attestations.iter().enumerate() {
            let path = format!(".attestations[{i}]");
            if att.kind.is_empty() {
                return (
                    self.response(RuleStatus::Fail, format!("{path}: missing type")),
                    String::new(),
                );
            }
            let implicit = [AttestorSet {
                count: None,
                entries: vec![Attestor {
                    kind: AttestorKind::Empty,
                    repository: String::new(),
                    annotations: None,
                    transparency: Default::default(),
                }],
            }];
            let sets: &[AttestorSet] = if att.attestors.is_empty() {
                &implicit
            } else {
                &att.attestors
            };
            let mut errors = Vec::new();
            for (j, set) in sets.iter().enumerate() {
                let attestor_path = format!("{path}.attestors[{j}]");
                let required = set.required_count();
                let mut verified = 0usize;
                for a in &set.entries {
                    // Kyverno numbers the entry with the attestation's index.
                    let entry_path = format!("{attestor_path}.entries[{i}]");
                    let v = match self.fetch_attestations(entry, a, &image, att) {
                        Ok(v) => v,
                        Err(f) => {
                            errors.push(f);
                            continue;
                        }
                    };
                    if let Some(predicate) = v
                        .signatures
                        .iter()
                        .filter_map(|s| s.statement.as_ref())
                        .find_map(|s| s.get("predicate").filter(|p| p.is_object()))
                    {
                        if !att.name.is_empty() {
                            self.ctx.set(&att.name, predicate.clone());
                        }
                    } else {
                        errors.push(Failure::new("predicate not found in any statement"));
                        continue;
                    }
                    if digest.is_empty() {
                        digest = v.digest.clone();
                        image = format!("{}@{digest}", img.base);
                    }
                    match self.check_statements(&v.signatures, att, &image) {
                        Ok(()) => {
                            verified += 1;
                            if verified >= required {
                                break;
                            }
                        }
                        Err(e) => errors.push(Failure::new(format!(
                            "{entry_path}{}: {e}",
                            a.kind.sub_path()
                        ))),
                    }
                }
                if verified < required {
                    let err = Failure::combine(std::mem::take(&mut errors))
                        .map(|f| f.message)
                        .unwrap_or_else(|| "attestations verification failed".into());
                    return (
                        self.response(
                            RuleStatus::Fail,
                            format!("image attestations verification failed, verifiedCount: {verified}, requiredCount: {required}, error: {err}"),
                        ),
                        String::new(),
                    );
                }
            }
        }
        (
            self.response(
                RuleStatus::Pass,
                format!("verified image attestations for {image}"),
            ),
            digest,
        )
    }

    /// `FetchAttestations`: the host's verified attestations of the type,
    /// with the identity checks on those of the type and the annotations.
    fn fetch_attestations(
        &self,
        entry: &ImageVerification,
        a: &Attestor,
        image: &str,
        att: &Attestation,
    ) -> Result<VerifiedImage, Failure> {
        let v = self.ask(entry, a, image, Some(&att.kind))?;
        for s in &v.signatures {
            if statement_type(s) == att.kind {
                match_signatures(std::slice::from_ref(s), &a.kind).map_err(Failure::new)?;
            }
        }
        let annotations = a.annotations.as_ref().unwrap_or(&entry.annotations);
        check_annotations(&v.signatures, annotations).map_err(Failure::new)?;
        Ok(v)
    }

    /// `verifyAttestation`: every statement of the type meets the conditions.
    fn check_statements(
        &mut self,
        signatures: &[VerifiedSignature],
        att: &Attestation,
        image: &str,
    ) -> Result<(), String> {
        let statements: Vec<&Value> = signatures
            .iter()
            .filter(|s| statement_type(s) == att.kind)
            .filter_map(|s| s.statement.as_ref())
            .collect();
        if statements.is_empty() {
            return Err(format!(
                "attestions not found for predicate type {}",
                att.kind
            ));
        }
        for s in statements {
            if att.conditions.is_empty() {
                continue;
            }
            let (ok, msg) = self
                .check_conditions(&att.conditions, s)
                .map_err(|e| format!("failed to check attestations: {e}"))?;
            if !ok {
                return Err(format!(
                    "attestation checks failed for {image} and predicate {}: {msg}",
                    att.kind
                ));
            }
        }
        Ok(())
    }

    /// `EvaluateConditions`: the predicate's fields join the context root.
    fn check_conditions(
        &mut self,
        list: &[Value],
        statement: &Value,
    ) -> Result<(bool, String), String> {
        let Some(Value::Object(predicate)) = statement.get("predicate") else {
            return Err(format!(
                "failed to extract predicate from statement: {}",
                crate::go::fmt::format_v(statement)
            ));
        };
        self.ctx.checkpoint();
        for (k, v) in predicate {
            self.ctx.set(k, v.clone());
        }
        let mut result = Ok((true, String::new()));
        for block in list {
            match conditions::evaluate(block, self.ctx) {
                Ok((true, _)) => {}
                other => {
                    result = other;
                    break;
                }
            }
        }
        self.ctx.restore();
        result
    }
}

fn statement_type(s: &VerifiedSignature) -> &str {
    s.statement
        .as_ref()
        .and_then(|st| st.get("predicateType"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `ExpandStaticKeys`: a `keys` entry with several PEM keys becomes one
/// entry per key.
fn expand_static_keys(set: &AttestorSet) -> AttestorSet {
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
fn split_pem(pem: &str) -> Vec<String> {
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
fn extension_name(key: &str) -> Option<&'static str> {
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
fn match_signatures(signatures: &[VerifiedSignature], kind: &AttestorKind) -> Result<(), String> {
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

fn compile_regex(re: &str, what: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(re).map_err(|e| format!("invalid regexp for {what}: {re} : {e}"))
}

/// `matchCertificateData` and `matchExtensions`.
fn match_certificate(
    sig: &VerifiedSignature,
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
            let re = compile_regex(subject_reg_exp, "subject")?;
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
        let re = compile_regex(issuer_reg_exp, "issuer")?;
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
fn check_annotations(
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

/// The rules a verify pass sees (`ComputeRules(policy, "")`): originals
/// and every autogen variant.
fn verify_rules(policy: &KyvernoPolicy) -> impl Iterator<Item = &CompiledRule> {
    let generated = !policy.pod_controller_rules.is_empty() || !policy.cronjob_rules.is_empty();
    policy
        .rules
        .iter()
        .filter(move |r| !(generated && r.name.starts_with("autogen-")))
        .chain(policy.pod_controller_rules.iter())
        .chain(policy.cronjob_rules.iter())
}

/// `failureAction` of a verifyImages rule: any entry's `Enforce` wins, then
/// the first set, then the policy's.
pub(crate) fn verify_rule_enforced(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    raw: &Value,
    ns: &str,
    request: &Request<'_>,
) -> bool {
    let actions: Vec<&str> = raw
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("failureAction").and_then(Value::as_str))
        .collect();
    if actions.contains(&"Enforce") {
        return true;
    }
    match actions.first() {
        Some(a) => *a == "Enforce",
        None => crate::eval::enforce::rule_enforced(policy, rule, ns, request),
    }
}

/// The verify stage of one policy (`VerifyAndPatchImages`): responses and
/// the resource with digests and the verification annotations, when
/// either changed it.
pub(crate) fn verify_policy(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    request: &Request<'_>,
    host: &dyn Host,
) -> (PolicyResponse, Option<Value>) {
    let mut out = PolicyResponse {
        policy: policy.info.clone(),
        rules: Vec::new(),
        enforced: Vec::new(),
    };
    let Some(original) = request.resource() else {
        return (out, None);
    };
    let meta = ResourceMeta::of(original);
    if policy.kind == PolicyKind::Policy && policy.info.namespace.as_deref() != Some(meta.namespace)
    {
        return (out, None);
    }
    let mut current: Option<Value> = None;
    let mut ivm = Metadata::default();
    let mut lazy_ctx: Option<Context<'_>> = None;
    for rule in verify_rules(policy) {
        let RuleBody::VerifyImages(raw) = &rule.body else {
            continue;
        };
        let resource = current.as_ref().unwrap_or(original);
        let req = Request {
            object: Some(resource),
            ..*request
        };
        let mctx = MatchContext::new(&req, resource);
        if !rule.match_block.matches(&mctx)
            || rule
                .exclude_block
                .as_ref()
                .is_some_and(|e| e.excludes(&mctx))
        {
            continue;
        }
        let entries = image_verifications(raw);
        let images = match resource_images(resource) {
            Ok(i) => i,
            Err(e) => {
                out.rules.push(RuleResponse::new(
                    &rule.name,
                    RuleType::ImageVerify,
                    RuleStatus::Error,
                    format!("failed to instantiate handler: {e}"),
                ));
                out.enforced.push(false);
                continue;
            }
        };
        let matched = matching_images(&images, &entries);
        if matched.is_empty() {
            continue;
        }
        let ctx = lazy_ctx.get_or_insert_with(|| new_context(request, host));
        crate::eval::context::load_images(ctx, resource);
        ctx.checkpoint();
        let (responses, patched) = verify_rule(
            policy, exceptions, rule, raw, &matched, resource, &req, ctx, &mut ivm,
        );
        ctx.restore();
        let enforced = verify_rule_enforced(policy, rule, raw, meta.namespace, request);
        for r in responses {
            out.enforced.push(r.status == RuleStatus::Fail && enforced);
            out.rules.push(r);
        }
        if let Some(p) = patched {
            ctx.add_variable("request.object", p.clone());
            current = Some(p);
        }
        if policy.apply_one
            && out
                .rules
                .iter()
                .any(|r| matches!(r.status, RuleStatus::Pass | RuleStatus::Fail))
        {
            break;
        }
    }
    if !ivm.is_empty() {
        let mut annotated = current.take().unwrap_or_else(|| original.clone());
        ivm.annotate(&mut annotated);
        current = Some(annotated);
    }
    (out, current)
}

/// One rule (`mutateImageHandler.Process` after the engine's prelude).
#[allow(clippy::too_many_arguments)]
fn verify_rule<'h>(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    raw: &Value,
    images: &[Image],
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'h>,
    ivm: &mut Metadata,
) -> (Vec<RuleResponse>, Option<Value>) {
    let one = |status, message: String| {
        vec![RuleResponse::new(
            &rule.name,
            RuleType::ImageVerify,
            status,
            message,
        )]
    };
    if let Err((status, message)) = rule_prelude(
        policy,
        rule,
        &rule.rule.context,
        true,
        rule.rule.preconditions.as_ref(),
        ctx,
    ) {
        return (one(status, message), None);
    }
    if let Some(message) = exception_skip_message(exceptions, policy, rule, request, resource, ctx)
    {
        // Kyverno reports this skip as a mutation.
        let r = RuleResponse::new(&rule.name, RuleType::Mutation, RuleStatus::Skip, message);
        return (vec![r], None);
    }
    // Attestation conditions are substituted later, per statement.
    let mut stripped = raw.clone();
    for e in stripped.as_array_mut().into_iter().flatten() {
        for a in e
            .get_mut("attestations")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(m) = a.as_object_mut() {
                m.remove("conditions");
            }
        }
    }
    let substituted = match substitute_all(&stripped, ctx) {
        Ok(v) => v,
        Err(e) => {
            return (
                one(
                    RuleStatus::Error,
                    format!("failed to substitute variables: {e}"),
                ),
                None,
            )
        }
    };
    let mut entries = image_verifications(&substituted);
    for (e, original) in entries.iter_mut().zip(image_verifications(raw)) {
        for (a, o) in e.attestations.iter_mut().zip(original.attestations) {
            a.conditions = o.conditions;
        }
    }
    let host = ctx.host();
    let mut run = RuleRun {
        policy,
        rule,
        verifier: host.image_verifier(),
        ivm,
        ctx,
    };
    let mut responses = Vec::new();
    let mut patches = Vec::new();
    for e in &entries {
        run.verify(e, images, &mut responses, &mut patches);
    }
    if patches.is_empty() {
        return (responses, None);
    }
    let mut patched = resource.clone();
    for (pointer, value) in patches {
        if let Some(slot) = patched.pointer_mut(&pointer) {
            *slot = Value::String(value);
        }
    }
    (responses, Some(patched))
}

/// The validate stage's image checks (`validateImageHandler`): `verifyDigest`
/// and `required` against the verify stage's annotations. `None`: the rule
/// gives no response here.
pub(crate) fn validate_rule(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    raw: &Value,
    request: &Request<'_>,
    resource: &Value,
    host: &dyn Host,
) -> Option<RuleResponse> {
    let entries = image_verifications(raw);
    if !entries.iter().any(|e| e.verify_digest || e.required) {
        return None;
    }
    if request.operation == Operation::Delete {
        return None;
    }
    let images = resource_images(resource).ok()?;
    if matching_images(&images, &entries).is_empty() {
        return None;
    }
    let resp = |status, message: String| {
        Some(RuleResponse::new(
            &rule.name,
            RuleType::ImageVerify,
            status,
            message,
        ))
    };
    // The engine's prelude, as for every validate handler.
    if !rule.rule.context.is_empty() || rule.rule.preconditions.is_some() {
        let mut ctx = new_context(request, host);
        crate::eval::context::load_images(&mut ctx, resource);
        if let Err((status, message)) = rule_prelude(
            policy,
            rule,
            &rule.rule.context,
            true,
            rule.rule.preconditions.as_ref(),
            &mut ctx,
        ) {
            return Some(RuleResponse::new(
                &rule.name,
                RuleType::Validation,
                status,
                message,
            ));
        }
    }
    if exceptions
        .iter()
        .any(|e| e.names(&policy.info.key, &rule.name))
    {
        let ctx = new_context(request, host);
        if let Some(message) =
            exception_skip_message(exceptions, policy, rule, request, resource, &ctx)
        {
            return Some(RuleResponse::new(
                &rule.name,
                RuleType::Validation,
                RuleStatus::Skip,
                message,
            ));
        }
    }
    let key = format!(
        "{}/{}",
        policy.info.namespace.as_deref().unwrap_or_default(),
        policy.info.name
    );
    let scoped: Option<Value> = resource
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(SCOPED_ANNOTATION))
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str(s).ok());
    let mut skipped = Vec::new();
    let mut passed = Vec::new();
    for e in &entries {
        for img in &images {
            let image = img.reference.as_str();
            if !matches_any(&e.image_references, image) {
                continue;
            }
            if e.verify_digest && img.digest.is_empty() {
                return resp(RuleStatus::Fail, format!("missing digest for {image}"));
            }
            if e.required {
                let status = scoped
                    .as_ref()
                    .and_then(|s| s.get("policies"))
                    .and_then(|p| p.get(&key))
                    .and_then(|r| r.get(&rule.name))
                    .and_then(|i| i.get(image))
                    .and_then(Value::as_str)
                    .unwrap_or("fail");
                match status {
                    "pass" => passed.push(image.to_string()),
                    "skip" => skipped.push(image.to_string()),
                    _ => return resp(RuleStatus::Fail, format!("unverified image {image}")),
                }
            }
        }
    }
    if !passed.is_empty() || skipped.is_empty() {
        if skipped.is_empty() {
            return resp(RuleStatus::Pass, "image verified".into());
        }
        return resp(
            RuleStatus::Pass,
            format!("image verified, skipped images: {}", skipped.join(" ")),
        );
    }
    resp(
        RuleStatus::Skip,
        format!("image skipped, skipped images: {}", skipped.join(" ")),
    )
}
