//! `verno-registry`: verifies cosign signatures and attestations of images in
//! real OCI registries, as the [`verno::ImageVerifier`] behind
//! `verno apply --registry`.
//!
//! The engine decides which images a `verifyImages` rule checks and matches
//! identities (subjects, issuers, annotations); this crate does the part that
//! needs the network and cryptography: it resolves the image's digest, fetches
//! the cosign `.sig` (or `.att`) artifact next to it, and checks each
//! signature with the attestor's keys or certificates using the `sigstore`
//! crate. No cryptography is written here.
//!
//! Registries are spoken to over HTTPS, except loopback ones (`localhost`,
//! `127.0.0.0/8`, `[::1]`), which are spoken to over plain HTTP automatically:
//! a registry on the same machine is the test setup, never a remote party.
//!
//! Transparency: the public Sigstore trust root (Rekor, CT log and Fulcio
//! keys) is never fetched and Rekor is never queried. Without
//! `rekor.ignoreTlog`, each signature's Rekor bundle is verified offline
//! with the policy's `rekor.pubkey`; without that key the result is an
//! error. SCTs are not verified, so certificate attestors need
//! `ctlog.ignoreSCT`. A check that cannot be made is an error, never a
//! silent pass.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Bad registry answers never panic: denied in the library, allowed in tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod attestor;
mod dsse;
mod fetch;
mod identity;
mod reference;
mod tlog;
mod verify;

use std::time::Duration;

use verno::{
    ImageVerifier, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest, VerifiedImage,
};

/// How long one verification (all its registry requests together) may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// An [`ImageVerifier`] that talks to OCI registries.
///
/// It owns a small single-threaded tokio runtime and blocks on it, so it can
/// be used from the synchronous engine. Registries are accessed anonymously.
pub struct RegistryVerifier {
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
}

impl std::fmt::Debug for RegistryVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryVerifier")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RegistryVerifier {
    /// A verifier whose every verification must finish within `timeout`.
    ///
    /// # Errors
    /// When the async runtime cannot be created (the OS refuses the resources).
    pub fn new(timeout: Duration) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self { runtime, timeout })
    }
}

impl ImageVerifier for RegistryVerifier {
    fn verify(&self, request: &ImageVerifyRequest) -> Result<VerifiedImage, ImageVerifyError> {
        // Attestor material and transparency options are judged before any
        // request, as Kyverno builds its cosign options before fetching.
        let material = attestor::Material::from_request(request)?;
        let work = verify::verify(request, &material);
        match self
            .runtime
            .block_on(async { tokio::time::timeout(self.timeout, work).await })
        {
            Ok(result) => result,
            Err(_) => Err(error(
                ImageVerifyErrorKind::Timeout,
                format!(
                    "verifying image {} timed out after {}s",
                    request.image,
                    self.timeout.as_secs()
                ),
            )),
        }
    }
}

/// Shorthand for an [`ImageVerifyError`].
pub(crate) fn error(kind: ImageVerifyErrorKind, message: impl Into<String>) -> ImageVerifyError {
    ImageVerifyError {
        kind,
        message: message.into(),
    }
}
