//! `verno scan` as a library: Kyverno's background scan over a dump of a
//! cluster (or of many), offline and in parallel, into policy reports,
//! tables, JUnit and SARIF.
//!
//! The stages, one module each:
//! - [`input`]: files, directories (walked in sorted order) and stdin, cut
//!   into documents as they are read;
//! - [`stream`]: a source cut into pieces (documents, or the items of a
//!   `kind: List` document) so that a dump is never held whole;
//! - [`documents`]: a document's text to Kubernetes objects (lists
//!   unfolded), or a rejection that says where;
//! - [`policies`]: which policies a background scan runs;
//! - [`judge`]: one resource judged as Kyverno's background scanner does;
//! - [`run`]: batches judged in parallel (rayon) over the shared compiled
//!   set, folded in input order;
//! - [`tally`]: reports, compliance and totals;
//! - [`output`]: the formats.
//!
//! The engine (`verno`) stays free of threads and files; this crate is
//! where both come in, so that the CLI and the bindings share one scan.
//!
//! ```
//! use verno_scan::{policies::ScanPolicies, run::{scan, ScanOptions}};
//! let mut policies = ScanPolicies::default();
//! policies.add_text("p.yaml", include_str!("../../examples/disallow-privileged.yaml")).unwrap();
//! let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: i, securityContext: {allowPrivilegeEscalation: true}}]}\n";
//! let inputs = [verno_scan::input::Input::Text { name: "pods.yaml".into(), text: pod.into() }];
//! let tally = scan(&policies, &inputs, &ScanOptions::default(), &verno::NoHost, &|_| {}).unwrap();
//! assert_eq!(tally.resources, 1);
//! assert_eq!(tally.totals.fail, 1);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod documents;
pub mod input;
pub mod judge;
pub mod output;
pub mod policies;
pub mod run;
pub mod stream;
pub mod tally;

pub use judge::Detail;
pub use run::{namespaces, scan, scan_with_namespaces, ScanOptions};
pub use tally::Tally;

use std::path::Path;

/// Why a scan could not run. Bad documents are not errors: they are
/// counted in [`Tally::rejected`] and the scan goes on.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A file or directory could not be opened or listed.
    #[error("{file}: {source}")]
    Io {
        /// The path.
        file: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Reading a source failed midway (not UTF-8, I/O error).
    #[error("{file}: reading failed: {source}")]
    Read {
        /// The file, `-` for stdin.
        file: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A policy file cannot be read.
    #[error("{0}")]
    Policies(String),
    /// An input is neither a regular file, a directory nor a pipe.
    #[error("{file}: not a regular file, directory or pipe")]
    NotAFile {
        /// The path.
        file: String,
    },
    /// A policy file does not load.
    #[error(transparent)]
    Policy(#[from] verno::LoadError),
    /// The thread pool could not start.
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
}

impl ScanError {
    fn io(path: &Path, source: std::io::Error) -> ScanError {
        ScanError::Io {
            file: path.display().to_string(),
            source,
        }
    }
}

/// Load the policies of files and directories (their `.yaml`, `.yml` and
/// `.json` files, recursively, in sorted order).
pub fn load_policies(paths: &[std::path::PathBuf]) -> Result<policies::ScanPolicies, ScanError> {
    let inputs: Vec<input::Input> = paths.iter().cloned().map(input::Input::Path).collect();
    let mut out = policies::ScanPolicies::default();
    for source in input::sources(&inputs)? {
        let input::Source::File(path) = &source else {
            continue;
        };
        // Bounded, regular files only: a policy argument of /dev/zero is an
        // error, not a hang.
        let text =
            verno_test::input::read_text(path).map_err(|e| ScanError::Policies(e.to_string()))?;
        out.add_text(&source.name(), &text)?;
    }
    Ok(out)
}
