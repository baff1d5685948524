//! `attestations`: the host's verified in-toto statements of a predicate
//! type, and their `conditions`.

use serde_json::Value;

use super::attestors::{check_annotations, match_signatures, Failure};
use super::selection::Image;
use super::RuleRun;
use crate::compile::verify_images::{
    Attestation, Attestor, AttestorKind, AttestorSet, ImageVerification,
};
use crate::conditions;
use crate::host::{VerifiedImage, VerifiedSignature};
use crate::model::response::{RuleResponse, RuleStatus};

impl RuleRun<'_, '_> {
    /// `verifyAttestations`.
    pub(super) fn verify_attestations(
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
        if self.entries.iter().any(|e| e.validate.is_some()) {
            return self.validate_entries(digest);
        }
        (
            self.response(
                RuleStatus::Pass,
                format!("verified image attestations for {image}"),
            ),
            digest,
        )
    }

    /// `validate` of every entry of the rule, once the attestations are in
    /// the context (Kyverno's `imageVerifier.validate`).
    fn validate_entries(&self, digest: String) -> (RuleResponse, String) {
        for e in self.entries {
            let Some(v) = &e.validate else { continue };
            let Some(conds) = &v.deny else { continue };
            let failure = match conditions::evaluate(conds, &*self.ctx) {
                Err(e) => Some(format!("failed to check deny conditions: {e}")),
                Ok((false, _)) => None,
                Ok((true, msg)) => Some(self.deny_message(&v.message, msg)),
            };
            if let Some(f) = failure {
                return (
                    self.response(
                        RuleStatus::Fail,
                        format!("validation in verifyImages failed: {f}"),
                    ),
                    digest,
                );
            }
        }
        (
            self.response(
                RuleStatus::Pass,
                format!(
                    "verifyImages validation is passed in {} rule",
                    self.rule.name
                ),
            ),
            digest,
        )
    }

    /// `getDenyMessage` for a denial.
    fn deny_message(&self, message: &str, msg: String) -> String {
        if message.is_empty() && msg.is_empty() {
            // Kyverno prints the empty message between the words.
            return "validation error: imageVerify  failed".to_string();
        }
        let joined = conditions::join_non_empty(&[message.to_string(), msg.clone()], "; ");
        match crate::variables::substitute_all(&Value::String(joined), &*self.ctx) {
            Ok(Value::String(s)) => s,
            Ok(_) => {
                "the produced message didn't resolve to a string, check your policy definition."
                    .to_string()
            }
            Err(_) => msg,
        }
    }

    /// `FetchAttestations`: the host's verified attestations of the type,
    /// with the identity checks on those of the type and the annotations.
    pub(super) fn fetch_attestations(
        &self,
        entry: &ImageVerification,
        a: &Attestor,
        image: &str,
        att: &Attestation,
    ) -> Result<VerifiedImage, Failure> {
        let v = self.ask(entry, a, image, Some(&att.kind))?;
        for s in &v.signatures {
            if statement_type(s) == att.kind {
                match_signatures(std::slice::from_ref(s), &a.kind, self.static_regexes())
                    .map_err(Failure::new)?;
            }
        }
        let annotations = a.annotations.as_ref().unwrap_or(&entry.annotations);
        check_annotations(&v.signatures, annotations).map_err(Failure::new)?;
        Ok(v)
    }

    /// `verifyAttestation`: every statement of the type meets the conditions.
    pub(super) fn check_statements(
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
    pub(super) fn check_conditions(
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

pub(super) fn statement_type(s: &VerifiedSignature) -> &str {
    s.statement
        .as_ref()
        .and_then(|st| st.get("predicateType"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}
