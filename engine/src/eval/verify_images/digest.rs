//! `mutateDigest`: the digest pinned when verification gave none.

use super::attestors::Failure;
use super::RuleRun;
use crate::compile::verify_images::{Attestor, AttestorKind, AttestorSet, ImageVerification};

impl RuleRun<'_, '_> {
    /// The digest `mutateDigest` pins when verification gave none (Kyverno
    /// fetches the image descriptor: also for failed or skipped images).
    /// The verifier contract has no descriptor lookup, so the host is asked
    /// as for the entry's first attestor and its digest is used.
    pub(super) fn resolve_digest(
        &self,
        entry: &ImageVerification,
        image: &str,
    ) -> Result<String, Failure> {
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
}
