//! The CLI's host: the operating system's clock and randomness. The engine
//! never reads them itself; the command line is where I/O is allowed.

use std::hash::{BuildHasher, Hasher};

use verno::host::{HostError, Timestamp};

/// The system clock and a randomly seeded generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemHost;

/// Now, from the OS clock.
pub fn now() -> Result<Timestamp, HostError> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| HostError::Failed(e.to_string()))?;
    Ok(Timestamp {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: d.subsec_nanos(),
    })
}

/// A random u64: std's `RandomState` is seeded from the OS per instance,
/// which is enough for `random()` without another dependency.
pub fn random_u64() -> Result<u64, HostError> {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now().map(|t| t.nanos as u64).unwrap_or(0));
    Ok(h.finish())
}

/// [`SystemHost`] with `--image-data` fixtures answering `verifyImages`.
#[derive(Debug, Clone, Default)]
pub struct SystemWithImages {
    /// The fixtures.
    pub images: crate::image_data::ImageData,
}

impl verno::Host for SystemWithImages {
    fn resolves_context_entries(&self) -> bool {
        false
    }
    fn now(&self) -> Result<Timestamp, HostError> {
        now()
    }
    fn random_u64(&self) -> Result<u64, HostError> {
        random_u64()
    }
    fn image_verifier(&self) -> Option<&dyn verno::ImageVerifier> {
        Some(&self.images)
    }
}

impl verno::Host for SystemHost {
    /// `kyverno apply` offline loads no `configMap`/`apiCall`/... entry.
    fn resolves_context_entries(&self) -> bool {
        false
    }
    fn now(&self) -> Result<Timestamp, HostError> {
        now()
    }
    fn random_u64(&self) -> Result<u64, HostError> {
        random_u64()
    }
}
