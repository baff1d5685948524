//! `ImageVerification.Validate` (`api/kyverno/v1/image_verification_types.go`)
//! with Kyverno's messages, plus what Kyverno only finds when it verifies
//! (a public key or certificate that is not PEM, a regexp that does not
//! compile): verno rejects those when the policy loads, naming the field,
//! instead of failing every image later.

use base64::Engine as _;
use serde_json::Value;
use x509_parser::prelude::FromDer;

use super::spec::FieldError;
use super::{non_empty_list, present};

fn text<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Values with variables are checked after substitution, when they verify.
fn has_variables(s: &str) -> bool {
    s.contains("{{")
}

/// The PEM blocks of `text`: (label, DER), or why it is not PEM.
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            return Err("malformed PEM header".into());
        };
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(body_end) = body_start.find(&end_marker) else {
            return Err(format!("missing {end_marker}"));
        };
        let body: String = body_start[..body_end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| format!("invalid base64 in {label} block: {e}"))?;
        out.push((label.to_string(), der));
        rest = &body_start[body_end + end_marker.len()..];
    }
    if out.is_empty() {
        return Err("PEM decoding failed: no PEM block found".into());
    }
    Ok(out)
}

/// Why `keys` text is not a usable PEM public key, if it is not.
fn public_key_error(keys: &str) -> Option<String> {
    let blocks = match pem_blocks(keys) {
        Ok(b) => b,
        Err(e) => return Some(format!("failed to load public key from PEM: {e}")),
    };
    for (label, der) in blocks {
        if label == "PUBLIC KEY" {
            if let Err(e) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&der) {
                return Some(format!("failed to load public key from PEM: {e}"));
            }
        }
    }
    None
}

/// Why certificate text (`roots`, `cert`, `certChain`) is not PEM
/// certificates, if it is not.
fn certificate_error(pem: &str) -> Option<String> {
    let blocks = match pem_blocks(pem) {
        Ok(b) => b,
        Err(e) => return Some(format!("failed to load certificates: {e}")),
    };
    for (label, der) in blocks {
        if label != "CERTIFICATE" {
            return Some(format!(
                "failed to load certificates: unexpected PEM block {label}"
            ));
        }
        if let Err(e) = x509_parser::parse_x509_certificate(&der) {
            return Some(format!("failed to load certificates: {e}"));
        }
    }
    None
}

/// Field errors of a rule's `verifyImages` entries, in Kyverno's order.
pub(super) fn field_errors(
    errs: &mut Vec<FieldError>,
    raw: &Value,
    rule_path: &str,
    rule: usize,
    audit: bool,
) {
    for (i, iv) in non_empty_list(raw, "verifyImages").iter().enumerate() {
        let path = format!("{rule_path}.verifyImages[{i}]");
        let audit = match iv.get("failureAction").and_then(Value::as_str) {
            Some(a) => a.eq_ignore_ascii_case("audit"),
            None => audit,
        };
        // `mutateDigest` defaults to true in the CRD.
        let mutate_digest = iv
            .get("mutateDigest")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if audit && mutate_digest {
            errs.push(FieldError::new(
                format!("{path}.mutateDigest"),
                rule,
                format!("{path}.mutateDigest: Invalid value: true: mutateDigest must be set to false for ‘Audit’ failure action"),
            ));
        }
        let refs =
            !non_empty_list(iv, "imageReferences").is_empty() || !text(iv, "image").is_empty();
        if !refs {
            errs.push(FieldError::invalid(
                path.clone(),
                Some(rule),
                "v1.ImageVerification",
                "An image reference is required",
            ));
        }
        for (j, a) in non_empty_list(iv, "attestations").iter().enumerate() {
            for (k, set) in non_empty_list(a, "attestors").iter().enumerate() {
                attestor_set_errors(
                    errs,
                    set,
                    &format!("{path}.attestations[{j}].attestors[{k}]"),
                    rule,
                );
            }
        }
        for (j, set) in non_empty_list(iv, "attestors").iter().enumerate() {
            attestor_set_errors(errs, set, &format!("{path}.attestors[{j}]"), rule);
        }
    }
    image_extractor_errors(errs, raw, rule_path, rule);
}

/// `imageExtractors` entries without a usable `path`: the CRD requires the
/// field, and a path with no field at all and no `value` leaves nothing to
/// read (Kyverno would index past the end of it at admission).
fn image_extractor_errors(errs: &mut Vec<FieldError>, raw: &Value, rule_path: &str, rule: usize) {
    let Some(Value::Object(kinds)) = raw.get("imageExtractors") else {
        return;
    };
    for (kind, list) in kinds {
        for (j, e) in list.as_array().into_iter().flatten().enumerate() {
            let field = format!("{rule_path}.imageExtractors.{kind}[{j}].path");
            match e.get("path") {
                None | Some(Value::Null) => {
                    errs.push(FieldError::new(
                        field.clone(),
                        rule,
                        format!("{field}: Required value"),
                    ));
                }
                Some(Value::String(p)) => {
                    let fields = p
                        .split('/')
                        .filter(|f| !f.trim_matches(' ').is_empty())
                        .count();
                    if fields == 0 && text(e, "value").is_empty() {
                        errs.push(FieldError::new(
                            field.clone(),
                            rule,
                            format!("{field}: Invalid value: {p:?}: the path names no field and no value is given"),
                        ));
                    }
                }
                Some(_) => {}
            }
        }
    }
}

/// `validateRuleImageExtractorsJMESPath`: an extractor's `jmesPath` makes
/// the image text differ from the field, so digests cannot be written back.
pub(super) fn check_image_extractors(i: usize, raw: &Value) -> Option<(String, String)> {
    let kinds = raw.get("imageExtractors")?.as_object()?;
    // `mutateDigest` defaults to true in the CRD.
    let mutate_digest = non_empty_list(raw, "verifyImages").iter().any(|iv| {
        iv.get("mutateDigest")
            .and_then(Value::as_bool)
            .unwrap_or(true)
    });
    let jmes_path = kinds
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .any(|e| !text(e, "jmesPath").is_empty());
    (mutate_digest && jmes_path).then(|| {
        (
            format!("spec.rules[{i}].imageExtractors"),
            format!("path: spec.rules[{i}]: jmespath may not be used in an image extractor when mutating digests with verify images"),
        )
    })
}

fn attestor_set_errors(errs: &mut Vec<FieldError>, set: &Value, path: &str, rule: usize) {
    let entries = non_empty_list(set, "entries");
    if let Some(count) = set.get("count").and_then(Value::as_u64) {
        if usize::try_from(count).map_or(true, |c| c > entries.len()) {
            errs.push(FieldError::invalid(
                path.to_string(),
                Some(rule),
                "v1.AttestorSet",
                "Count cannot exceed length of entries",
            ));
        }
    }
    if entries.is_empty() {
        errs.push(FieldError::invalid(
            path.to_string(),
            Some(rule),
            "v1.AttestorSet",
            "An entry is required",
        ));
    }
    for (i, e) in entries.iter().enumerate() {
        attestor_errors(errs, e, &format!("{path}.entries[{i}]"), rule);
    }
}

fn attestor_errors(errs: &mut Vec<FieldError>, a: &Value, path: &str, rule: usize) {
    let kinds = ["keys", "certificates", "keyless", "attestor"];
    let given = kinds.iter().filter(|k| present(a, k).is_some()).count();
    if given != 1 {
        errs.push(FieldError::invalid(
            path.to_string(),
            Some(rule),
            "v1.Attestor",
            "keys, certificates, keyless, or a nested attestor is required",
        ));
    }
    let mut bad_list: Vec<(String, String)> = Vec::new();
    let bad = |list: &mut Vec<(String, String)>, field: String, value: &str, detail: String| {
        list.push((
            field.clone(),
            format!("{field}: Invalid value: {value:?}: {detail}"),
        ));
    };
    if let Some(k) = present(a, "keys") {
        let keys = text(k, "publicKeys");
        if keys.is_empty() && text(k, "kms").is_empty() && present(k, "secret").is_none() {
            errs_push_invalid(
                &mut bad_list,
                format!("{path}.keys"),
                "v1.StaticKeyAttestor",
                "A public key, kms key or secret is required",
            );
        }
        if !keys.is_empty() {
            let alg = text(k, "signatureAlgorithm");
            if !matches!(alg, "" | "sha224" | "sha256" | "sha384" | "sha512") {
                errs_push_invalid(
                    &mut bad_list,
                    format!("{path}.keys"),
                    "v1.StaticKeyAttestor",
                    "Invalid signature algorithm provided",
                );
            }
            let scheme = keys.contains("://");
            if !scheme && !has_variables(keys) {
                if let Some(e) = public_key_error(keys) {
                    bad(&mut bad_list, format!("{path}.keys.publicKeys"), keys, e);
                }
            }
        }
    }
    if let Some(c) = present(a, "certificates") {
        let (cert, chain) = (text(c, "cert"), text(c, "certChain"));
        if cert.is_empty() && chain.is_empty() {
            errs_push_invalid(
                &mut bad_list,
                format!("{path}.certificates"),
                "v1.CertificateAttestor",
                "cert or certChain required",
            );
        }
        for (field, v) in [("cert", cert), ("certChain", chain)] {
            if !v.is_empty() && !has_variables(v) {
                if let Some(e) = certificate_error(v) {
                    bad(&mut bad_list, format!("{path}.certificates.{field}"), v, e);
                }
            }
        }
    }
    if let Some(k) = present(a, "keyless") {
        let rekor = present(k, "rekor");
        let roots = text(k, "roots");
        if rekor.is_none() && roots.is_empty() {
            errs_push_invalid(
                &mut bad_list,
                format!("{path}.keyless"),
                "v1.KeylessAttestor",
                "Either Rekor URL or roots are required",
            );
        }
        if rekor.is_some_and(|r| text(r, "url").is_empty()) {
            errs_push_invalid(
                &mut bad_list,
                format!("{path}.keyless"),
                "v1.KeylessAttestor",
                "An URL is required",
            );
        }
        if !roots.is_empty() && !has_variables(roots) {
            if let Some(e) = certificate_error(roots) {
                bad(&mut bad_list, format!("{path}.keyless.roots"), roots, e);
            }
        }
        for (field, what) in [("subjectRegExp", "subject"), ("issuerRegExp", "issuer")] {
            let re = text(k, field);
            if !re.is_empty() && !has_variables(re) {
                if let Err(e) = regex::Regex::new(re) {
                    bad(
                        &mut bad_list,
                        format!("{path}.keyless.{field}"),
                        re,
                        format!("invalid regexp for {what}: {re} : {e}"),
                    );
                }
            }
        }
    }
    for (field, text) in bad_list {
        errs.push(FieldError::new(field, rule, text));
    }
    if let Some(nested) = present(a, "attestor") {
        attestor_set_errors(errs, nested, &format!("{path}.attestor"), rule);
    }
}

/// `field.Invalid` with a struct value, queued with verno's own checks.
fn errs_push_invalid(list: &mut Vec<(String, String)>, path: String, go_type: &str, detail: &str) {
    let e = FieldError::invalid(path, None, go_type, detail);
    list.push((e.path, e.text));
}
