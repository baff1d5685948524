//! Reading ValidatingPolicy and CEL PolicyException documents, as Kyverno's
//! CLI does with its embedded CRDs: an unknown field is fatal; any other
//! schema error drops the document (it later shows as `Not found`).

use serde_json::Value;

use super::model::{CelExceptionDoc, ValidatingPolicyDoc, VapBindingDoc, VapDoc, VpolDoc};
use crate::error::{LoadError, Location};

/// Whether a document is a ValidatingPolicy or NamespacedValidatingPolicy
/// of a version the CLI loads.
pub fn is_validating_policy(doc: &Value) -> bool {
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    match doc.get("kind").and_then(Value::as_str) {
        Some("ValidatingPolicy") => matches!(
            api,
            "policies.kyverno.io/v1alpha1"
                | "policies.kyverno.io/v1beta1"
                | "policies.kyverno.io/v1"
        ),
        Some("NamespacedValidatingPolicy") => matches!(
            api,
            "policies.kyverno.io/v1alpha1"
                | "policies.kyverno.io/v1beta1"
                | "policies.kyverno.io/v1"
        ),
        _ => false,
    }
}

/// Whether a document is a ValidatingAdmissionPolicy or its binding
/// (`admissionregistration.k8s.io/v1`, the only version the CLI loads).
pub fn is_vap_document(doc: &Value) -> bool {
    doc.get("apiVersion").and_then(Value::as_str) == Some("admissionregistration.k8s.io/v1")
        && matches!(
            doc.get("kind").and_then(Value::as_str),
            Some("ValidatingAdmissionPolicy" | "ValidatingAdmissionPolicyBinding")
        )
}

/// Whether a document belongs to the family: a ValidatingPolicy, or a
/// ValidatingAdmissionPolicy or binding.
pub fn is_family_document(doc: &Value) -> bool {
    is_validating_policy(doc) || is_vap_document(doc)
}

/// Decodes a document of the family ([`is_family_document`]). An unknown
/// field is [`LoadError::Invalid`] (fatal); any other schema error is
/// [`LoadError::Rejected`] (the document is dropped).
pub fn family_document(doc: &Value, line: Option<usize>) -> Result<VpolDoc, LoadError> {
    let name_required = |name: &str| -> Result<(), LoadError> {
        if name.is_empty() {
            return Err(LoadError::Rejected {
                location: Box::new(Location {
                    line,
                    field: Some("metadata.name".into()),
                    ..Default::default()
                }),
                message: "metadata.name: Required value: name or generateName is required".into(),
            });
        }
        Ok(())
    };
    match doc.get("kind").and_then(Value::as_str) {
        Some("ValidatingAdmissionPolicy") => {
            let p: VapDoc = decode(doc, line)?;
            name_required(&p.metadata.name)?;
            Ok(VpolDoc::Vap(p))
        }
        Some("ValidatingAdmissionPolicyBinding") => {
            let b: VapBindingDoc = decode(doc, line)?;
            name_required(&b.metadata.name)?;
            Ok(VpolDoc::VapBinding(b))
        }
        _ => validating_policy(doc, line).map(VpolDoc::Kyverno),
    }
}

/// Whether a document is a `policies.kyverno.io` PolicyException.
pub fn is_cel_exception(doc: &Value) -> bool {
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    doc.get("kind").and_then(Value::as_str) == Some("PolicyException")
        && matches!(
            api,
            "policies.kyverno.io/v1alpha1"
                | "policies.kyverno.io/v1beta1"
                | "policies.kyverno.io/v1"
        )
}

fn decode<T: serde::de::DeserializeOwned>(
    doc: &Value,
    line: Option<usize>,
) -> Result<T, LoadError> {
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .map(str::to_string);
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let mut message = e.inner().to_string();
        let mut field = e.path().to_string();
        // A missing field is named itself, with the API server's wording
        // (`spec.validations[0].expression: Required value`).
        if let Some(missing) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            field = if field == "." {
                missing.to_string()
            } else {
                format!("{field}.{missing}")
            };
            message = format!("{field}: Required value");
        }
        let location = Box::new(Location {
            line,
            policy: name,
            field: Some(field),
            ..Default::default()
        });
        if message.starts_with("unknown field") {
            LoadError::Invalid { location, message }
        } else {
            LoadError::Rejected { location, message }
        }
    })
}

/// Decodes a ValidatingPolicy document. An unknown field is
/// [`LoadError::Invalid`] (fatal); any other schema error is
/// [`LoadError::Rejected`] (the document is dropped).
pub fn validating_policy(
    doc: &Value,
    line: Option<usize>,
) -> Result<ValidatingPolicyDoc, LoadError> {
    let p: ValidatingPolicyDoc = decode(doc, line)?;
    if p.metadata.name.is_empty() {
        return Err(LoadError::Rejected {
            location: Box::new(Location {
                line,
                field: Some("metadata.name".into()),
                ..Default::default()
            }),
            message: "metadata.name: Required value: name or generateName is required".into(),
        });
    }
    Ok(p)
}

/// Decodes a CEL PolicyException document; every schema error is fatal.
pub fn cel_exception(doc: &Value, line: Option<usize>) -> Result<CelExceptionDoc, LoadError> {
    decode(doc, line).map_err(|e| match e {
        LoadError::Rejected { location, message } => LoadError::Invalid { location, message },
        other => other,
    })
}
