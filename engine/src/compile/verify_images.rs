//! The typed form of a rule's `verifyImages` entries
//! (`api/kyverno/v1/image_verification_types.go`), read from the policy's
//! JSON after variable substitution. CRD defaults are applied here
//! (`mutateDigest`, `verifyDigest`, `required` default to true) and the
//! deprecated single-image fields are converted as Kyverno's `Convert` does.

use std::collections::BTreeMap;
use std::ops::Deref;

use regex::Regex;
use serde_json::Value;

/// A `verifyImages` rule body: the entries as written (read per request,
/// after variable substitution) and the keyless identity regexps that hold
/// no variables, compiled once at load rather than for every signature.
#[derive(Debug, Clone)]
pub struct VerifyImagesBody {
    /// The `verifyImages` list as written.
    pub raw: Value,
    /// `subjectRegExp`/`issuerRegExp` texts without `{{`, compiled, by text.
    pub static_regexes: BTreeMap<String, Regex>,
}

impl VerifyImagesBody {
    /// Compile the variable-free identity regexps of `raw` (an invalid one
    /// is left out: load validation reports it, evaluation errors on it).
    pub fn new(raw: &Value) -> Self {
        let mut static_regexes = BTreeMap::new();
        collect_identity_regexes(raw, &mut static_regexes);
        VerifyImagesBody {
            raw: raw.clone(),
            static_regexes,
        }
    }
}

impl Deref for VerifyImagesBody {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.raw
    }
}

/// Every `keyless` block's regexps, at any depth (nested attestor sets and
/// attestations' attestors included).
fn collect_identity_regexes(v: &Value, out: &mut BTreeMap<String, Regex>) {
    match v {
        Value::Object(m) => {
            if let Some(keyless) = m.get("keyless").filter(|k| k.is_object()) {
                for field in ["subjectRegExp", "issuerRegExp"] {
                    let Some(text) = keyless.get(field).and_then(Value::as_str) else {
                        continue;
                    };
                    if text.is_empty() || text.contains("{{") || out.contains_key(text) {
                        continue;
                    }
                    if let Ok(re) = Regex::new(text) {
                        out.insert(text.to_string(), re);
                    }
                }
            }
            m.values().for_each(|x| collect_identity_regexes(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_identity_regexes(x, out)),
        _ => {}
    }
}

/// `type`: how signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyType {
    /// `Cosign` (the default).
    Cosign,
    /// `Notary`.
    Notary,
    /// `SigstoreBundle`.
    SigstoreBundle,
}

/// One `verifyImages` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageVerification {
    /// `type`.
    pub kind: VerifyType,
    /// `imageReferences` (wildcards), plus the deprecated `image`.
    pub image_references: Vec<String>,
    /// `skipImageReferences`.
    pub skip_image_references: Vec<String>,
    /// `attestors`.
    pub attestors: Vec<AttestorSet>,
    /// `attestations`.
    pub attestations: Vec<Attestation>,
    /// `repository`.
    pub repository: String,
    /// `annotations` every signature's payload must carry.
    pub annotations: BTreeMap<String, String>,
    /// `mutateDigest`.
    pub mutate_digest: bool,
    /// `verifyDigest`.
    pub verify_digest: bool,
    /// `required`.
    pub required: bool,
    /// `validate`: checks after verification, over the attestations.
    pub validate: Option<ImageValidation>,
}

/// `validate` of a `verifyImages` entry (`ValidateImageVerification`).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageValidation {
    /// `message`.
    pub message: String,
    /// `deny.conditions`, when `deny` is given.
    pub deny: Option<Value>,
}

/// `attestors[]`: entries of which `count` (default all) must verify.
#[derive(Debug, Clone, PartialEq)]
pub struct AttestorSet {
    /// `count`; `None` or 0 means every entry.
    pub count: Option<usize>,
    /// `entries`.
    pub entries: Vec<Attestor>,
}

impl AttestorSet {
    /// `RequiredCount`.
    pub fn required_count(&self) -> usize {
        match self.count {
            None | Some(0) => self.entries.len(),
            Some(n) => n,
        }
    }
}

/// One attestor entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Attestor {
    /// What the entry verifies with.
    pub kind: AttestorKind,
    /// `repository`, overriding the entry's.
    pub repository: String,
    /// `annotations`, overriding the entry's.
    pub annotations: Option<BTreeMap<String, String>>,
    /// `rekor`/`ctlog` settings.
    pub transparency: crate::host::TransparencyOptions,
}

/// The verification material of an attestor entry.
#[derive(Debug, Clone, PartialEq)]
pub enum AttestorKind {
    /// `keys`.
    Keys {
        /// `publicKeys` (PEM; `kms` or a secret reference when given instead).
        public_keys: String,
        /// `signatureAlgorithm`.
        signature_algorithm: String,
    },
    /// `keyless`.
    Keyless {
        /// `issuer` (wildcards).
        issuer: String,
        /// `issuerRegExp`.
        issuer_reg_exp: String,
        /// `subject` (wildcards).
        subject: String,
        /// `subjectRegExp`.
        subject_reg_exp: String,
        /// `roots` (PEM).
        roots: String,
        /// `additionalExtensions`.
        additional_extensions: BTreeMap<String, String>,
    },
    /// `certificates`.
    Certificates {
        /// `cert`.
        cert: String,
        /// `certChain`.
        cert_chain: String,
    },
    /// `attestor`: a nested attestor set.
    Nested(AttestorSet),
    /// No material (the implicit attestor of an attestation without any).
    Empty,
}

impl AttestorKind {
    /// The suffix Kyverno adds to an entry's path in messages.
    pub fn sub_path(&self) -> &'static str {
        match self {
            AttestorKind::Keys { .. } => ".keys",
            AttestorKind::Keyless { .. } => ".keyless",
            AttestorKind::Certificates { .. } => ".certificates",
            AttestorKind::Nested(_) | AttestorKind::Empty => "",
        }
    }
}

/// `attestations[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attestation {
    /// `name`: the context entry the predicate is added under.
    pub name: String,
    /// `type`, or the deprecated `predicateType`.
    pub kind: String,
    /// `attestors`.
    pub attestors: Vec<AttestorSet>,
    /// `conditions` (a list of `{any, all}` blocks), unsubstituted.
    pub conditions: Vec<Value>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn texts(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn string_map(v: Option<&Value>) -> Option<BTreeMap<String, String>> {
    let Some(Value::Object(m)) = v else {
        return None;
    };
    Some(
        m.iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), s)
            })
            .collect(),
    )
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(true)
}

fn transparency(v: &Value) -> crate::host::TransparencyOptions {
    let rekor = v.get("rekor").filter(|r| r.is_object());
    let ctlog = v.get("ctlog").filter(|r| r.is_object());
    let opt = |s: String| (!s.is_empty()).then_some(s);
    crate::host::TransparencyOptions {
        ignore_tlog: rekor
            .and_then(|r| r.get("ignoreTlog"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        ignore_sct: ctlog
            .and_then(|r| r.get("ignoreSCT"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        rekor_url: Some(rekor.map(|r| text(r, "url")).unwrap_or_default())
            .filter(|u| !u.is_empty())
            .or_else(|| {
                rekor
                    .is_none()
                    .then(|| "https://rekor.sigstore.dev".to_string())
            }),
        rekor_pubkey: rekor.and_then(|r| opt(text(r, "pubkey"))),
        ctlog_pubkey: ctlog.and_then(|r| opt(text(r, "pubkey"))),
    }
}

/// Parse one attestor set.
pub fn attestor_set(v: &Value) -> AttestorSet {
    let count = v
        .get("count")
        .and_then(Value::as_u64)
        .and_then(|c| usize::try_from(c).ok());
    let entries = match v.get("entries") {
        Some(Value::Array(a)) => a.iter().map(attestor).collect(),
        _ => Vec::new(),
    };
    AttestorSet { count, entries }
}

fn attestor(v: &Value) -> Attestor {
    let present = |k: &str| v.get(k).filter(|x| x.is_object());
    let (kind, source) = if let Some(k) = present("keys") {
        let keys = if !text(k, "publicKeys").is_empty() {
            text(k, "publicKeys")
        } else if let Some(s) = k.get("secret").filter(|s| s.is_object()) {
            format!("k8s://{}/{}", text(s, "namespace"), text(s, "name"))
        } else {
            text(k, "kms")
        };
        (
            AttestorKind::Keys {
                public_keys: keys,
                signature_algorithm: text(k, "signatureAlgorithm"),
            },
            Some(k),
        )
    } else if let Some(c) = present("certificates") {
        (
            AttestorKind::Certificates {
                cert: text(c, "cert"),
                cert_chain: text(c, "certChain"),
            },
            Some(c),
        )
    } else if let Some(k) = present("keyless") {
        (
            AttestorKind::Keyless {
                issuer: text(k, "issuer"),
                issuer_reg_exp: text(k, "issuerRegExp"),
                subject: text(k, "subject"),
                subject_reg_exp: text(k, "subjectRegExp"),
                roots: text(k, "roots"),
                additional_extensions: string_map(k.get("additionalExtensions"))
                    .unwrap_or_default(),
            },
            Some(k),
        )
    } else if let Some(a) = present("attestor") {
        (AttestorKind::Nested(attestor_set(a)), None)
    } else {
        (AttestorKind::Empty, None)
    };
    Attestor {
        kind,
        repository: text(v, "repository"),
        annotations: string_map(v.get("annotations")),
        transparency: source.map(transparency).unwrap_or_default(),
    }
}

fn attestation(v: &Value) -> Attestation {
    let kind = match text(v, "type") {
        t if t.is_empty() => text(v, "predicateType"),
        t => t,
    };
    Attestation {
        name: text(v, "name"),
        kind,
        attestors: match v.get("attestors") {
            Some(Value::Array(a)) => a.iter().map(attestor_set).collect(),
            _ => Vec::new(),
        },
        conditions: match v.get("conditions") {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        },
    }
}

/// Parse one `verifyImages` entry, converting the deprecated `image`,
/// `key`, `issuer`, `subject`, `roots` fields as Kyverno's `Convert` does.
pub fn image_verification(v: &Value) -> ImageVerification {
    let kind = match v.get("type").and_then(Value::as_str) {
        Some("Notary") => VerifyType::Notary,
        Some("SigstoreBundle") => VerifyType::SigstoreBundle,
        _ => VerifyType::Cosign,
    };
    let mut image_references = texts(v, "imageReferences");
    let image = text(v, "image");
    if !image.is_empty() {
        image_references.push(image);
    }
    let mut attestors: Vec<AttestorSet> = match v.get("attestors") {
        Some(Value::Array(a)) => a.iter().map(attestor_set).collect(),
        _ => Vec::new(),
    };
    let annotations = string_map(v.get("annotations")).unwrap_or_default();
    let (key, issuer) = (text(v, "key"), text(v, "issuer"));
    if !key.is_empty() || !issuer.is_empty() {
        let kind = if !key.is_empty() {
            AttestorKind::Keys {
                public_keys: key,
                signature_algorithm: String::new(),
            }
        } else {
            AttestorKind::Keyless {
                issuer,
                issuer_reg_exp: String::new(),
                subject: text(v, "subject"),
                subject_reg_exp: String::new(),
                roots: text(v, "roots"),
                additional_extensions: BTreeMap::new(),
            }
        };
        attestors.push(AttestorSet {
            count: None,
            entries: vec![Attestor {
                kind,
                repository: String::new(),
                annotations: Some(annotations.clone()).filter(|a| !a.is_empty()),
                transparency: transparency(&Value::Null),
            }],
        });
    }
    ImageVerification {
        kind,
        image_references,
        skip_image_references: texts(v, "skipImageReferences"),
        attestors,
        attestations: match v.get("attestations") {
            Some(Value::Array(a)) => a.iter().map(attestation).collect(),
            _ => Vec::new(),
        },
        repository: text(v, "repository"),
        annotations,
        mutate_digest: flag(v, "mutateDigest"),
        verify_digest: flag(v, "verifyDigest"),
        required: flag(v, "required"),
        validate: image_validation(v.get("validate")),
    }
}

/// `validate`, unless absent or empty (`HasValidateImageVerification`
/// compares it with the zero value).
fn image_validation(v: Option<&Value>) -> Option<ImageValidation> {
    let v = v.filter(|v| v.is_object())?;
    let message = text(v, "message");
    let deny = v
        .get("deny")
        .filter(|d| !d.is_null())
        .map(|d| d.get("conditions").cloned().unwrap_or(Value::Null));
    (!message.is_empty() || deny.is_some()).then_some(ImageValidation { message, deny })
}

/// Every entry of a rule's `verifyImages` list.
pub fn image_verifications(v: &Value) -> Vec<ImageVerification> {
    match v {
        Value::Array(a) => a.iter().map(image_verification).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_regexps_without_variables_are_compiled_at_load() {
        let raw = json!([{
            "attestors": [{"entries": [
                {"keyless": {"subjectRegExp": ".*@example\\.com", "issuerRegExp": "{{ issuer }}"}},
                {"attestor": {"entries": [{"keyless": {"issuerRegExp": "^https://accounts\\..*$"}}]}}
            ]}],
            "attestations": [{"attestors": [{"entries": [{"keyless": {"subjectRegExp": "(bad"}}]}]}]
        }]);
        let body = VerifyImagesBody::new(&raw);
        let texts: Vec<&str> = body.static_regexes.keys().map(String::as_str).collect();
        assert_eq!(texts, vec![".*@example\\.com", "^https://accounts\\..*$"]);
    }
}
