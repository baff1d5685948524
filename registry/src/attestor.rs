//! The attestor entry turned into verification material, with Kyverno's
//! texts for unusable material and for transparency checks that cannot run.

use sigstore::cosign::verification_constraint::{CertificateVerifier, PublicKeyVerifier};
use sigstore::crypto::SigningScheme;
use sigstore::registry::{Certificate, CertificateEncoding};
use verno::{AttestorSpec, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest};

use crate::error;

/// How each signature of the image is checked.
pub(crate) enum Checker {
    /// `keys`: a signature verifies if one of the keys verifies it.
    Keys(Vec<PublicKeyVerifier>),
    /// `certificates` with `cert`: the certificate (already checked against
    /// `certChain`, if given) whose key must verify the signature.
    Certificate {
        /// The certificate's key and validity.
        verifier: CertificateVerifier,
        /// The certificate, for the identities it names.
        pem: String,
    },
    /// `keyless`, or `certificates` with only `certChain`: each signature's
    /// own certificate must chain to these trust anchors.
    Embedded(Vec<Certificate>),
}

/// What [`crate::verify`] needs from the request, judged before any fetch.
pub(crate) struct Material {
    /// How signatures are checked.
    pub checker: Checker,
    /// The Rekor keys each signature's bundle must verify with, unless
    /// `ignoreTlog`.
    pub rekor: Option<crate::tlog::RekorKeys>,
}

impl Material {
    /// Build the material, or the error Kyverno gives while building its
    /// cosign options (bad PEM, unknown algorithm, unreachable trust roots).
    pub(crate) fn from_request(request: &ImageVerifyRequest) -> Result<Self, ImageVerifyError> {
        let checker = match &request.attestor {
            AttestorSpec::Keys {
                public_keys,
                signature_algorithm,
            } => keys(public_keys, signature_algorithm)?,
            AttestorSpec::Certificates {
                cert: Some(cert),
                cert_chain,
            } => {
                let chain = match cert_chain {
                    Some(chain) => Some(certificates(chain, "failed to load certificate chain")?),
                    None => None,
                };
                let verifier =
                    CertificateVerifier::from_pem(cert.as_bytes(), false, chain.as_deref())
                        .map_err(|e| {
                            invalid(format!("failed to load certificate from PEM: {e}"))
                        })?;
                Checker::Certificate {
                    verifier,
                    pem: cert.clone(),
                }
            }
            AttestorSpec::Certificates {
                cert: None,
                cert_chain: Some(chain),
            } => Checker::Embedded(certificates(chain, "failed to load certificates")?),
            AttestorSpec::Certificates {
                cert: None,
                cert_chain: None,
            } => return Err(invalid("either cert or certChain is required")),
            AttestorSpec::Keyless { roots: Some(roots) } => {
                Checker::Embedded(certificates(roots, "failed to load Root certificates")?)
            }
            AttestorSpec::Keyless { roots: None } => {
                return Err(error(
                    ImageVerifyErrorKind::Unavailable,
                    "failed to get roots from fulcio: the public Sigstore roots are not fetched \
                     by verno; give keyless.roots",
                ))
            }
        };
        let rekor = transparency(request, &checker)?;
        Ok(Self { checker, rekor })
    }
}

/// Kyverno loads the Rekor keys unless `ignoreTlog`, and the CT log keys
/// unless `ignoreSCT`. verno never fetches the public Sigstore trust root:
/// the tlog check needs `rekor.pubkey` (bundles are then verified offline),
/// and SCTs are not verified at all, so a policy that asks for a check verno
/// cannot make gets an error rather than a pass without it. SCTs only exist
/// on certificates, so key attestors do not need `ignoreSCT`.
fn transparency(
    request: &ImageVerifyRequest,
    checker: &Checker,
) -> Result<Option<crate::tlog::RekorKeys>, ImageVerifyError> {
    let t = &request.transparency;
    let rekor =
        match (t.ignore_tlog, &t.rekor_pubkey) {
            (true, _) => None,
            (false, None) => return Err(error(
                ImageVerifyErrorKind::Unavailable,
                "failed to load Rekor public keys: the public Sigstore trust root is not fetched \
                 by verno; give rekor.pubkey, or set rekor.ignoreTlog: true to verify without \
                 the transparency log",
            )),
            (false, Some(pem)) => Some(crate::tlog::keys(pem).map_err(|e| {
                invalid(format!(
                    "failed to load Rekor public keys: failed to get rekor public keys: {e}"
                ))
            })?),
        };
    if !t.ignore_sct && !matches!(checker, Checker::Keys(_)) {
        let why = match t.ctlog_pubkey {
            None => {
                "failed to load CTLogs public keys: the public Sigstore trust root is not \
                     fetched by verno"
            }
            Some(_) => {
                "certificate SCT verification is not supported by verno's registry \
                        verifier"
            }
        };
        return Err(error(
            ImageVerifyErrorKind::Unavailable,
            format!("{why}; set ctlog.ignoreSCT: true to verify without it"),
        ));
    }
    Ok(rekor)
}

/// `keys`: every PEM block of `public_keys`, read for `algorithm`.
fn keys(public_keys: &str, algorithm: &str) -> Result<Checker, ImageVerifyError> {
    let scheme = match algorithm {
        // The key's own type decides (P-256 ⇒ SHA-256, as cosign's default).
        "" | "sha256" => None,
        "sha384" => Some(SigningScheme::ECDSA_P384_SHA384_ASN1),
        "sha512" => Some(SigningScheme::ECDSA_P521_SHA512_ASN1),
        other => {
            return Err(invalid(format!(
                "invalid signature algorithm provided {other}"
            )))
        }
    };
    let blocks = pem_blocks(public_keys);
    if blocks.is_empty() {
        return Err(invalid(
            "failed to load public key from PEM: no PEM block found",
        ));
    }
    let mut verifiers = Vec::with_capacity(blocks.len());
    for block in blocks {
        let verifier = match &scheme {
            None => PublicKeyVerifier::try_from(block.as_bytes()),
            Some(scheme) => PublicKeyVerifier::new(block.as_bytes(), scheme),
        }
        .map_err(|e| invalid(format!("failed to load public key from PEM: {e}")))?;
        verifiers.push(verifier);
    }
    Ok(Checker::Keys(verifiers))
}

/// The certificates of a PEM bundle, each checked to parse.
fn certificates(pem: &str, context: &str) -> Result<Vec<Certificate>, ImageVerifyError> {
    let blocks = pem_blocks(pem);
    if blocks.is_empty() {
        return Err(invalid(format!("{context}: no certs found in pem file")));
    }
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        if let Err(e) = x509_parser::pem::parse_x509_pem(block.as_bytes())
            .map_err(|e| e.to_string())
            .and_then(|(_, p)| p.parse_x509().map(|_| ()).map_err(|e| e.to_string()))
        {
            return Err(invalid(format!("{context}: {e}")));
        }
        out.push(Certificate {
            encoding: CertificateEncoding::Pem,
            data: block.into_bytes(),
        });
    }
    Ok(out)
}

/// The `-----BEGIN …-----` … `-----END …-----` blocks of `text`, in order.
pub(crate) fn pem_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let Some(tail) = rest.get(start..) else { break };
        let Some(end_marker) = tail.find("-----END ") else {
            break;
        };
        let Some(after_end) = tail.get(end_marker + "-----END ".len()..) else {
            break;
        };
        let Some(close) = after_end.find("-----") else {
            break;
        };
        let len = end_marker + "-----END ".len() + close + "-----".len();
        let Some(block) = tail.get(..len) else { break };
        out.push(format!("{block}\n"));
        rest = tail.get(len..).unwrap_or("");
    }
    out
}

fn invalid(message: impl Into<String>) -> ImageVerifyError {
    error(ImageVerifyErrorKind::InvalidAttestor, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_splits_several_keys_and_ignores_text_around_them() {
        let text = "junk\n-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----\nmid\n-----BEGIN PUBLIC KEY-----\nBBB\n-----END PUBLIC KEY-----";
        let blocks = pem_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert!(blocks[0].contains("AAA") && !blocks[0].contains("BBB"));
        assert!(blocks[1].starts_with("-----BEGIN PUBLIC KEY-----\nBBB"));
        assert!(pem_blocks("-----BEGIN PUBLIC KEY-----\nunterminated").is_empty());
    }
}
