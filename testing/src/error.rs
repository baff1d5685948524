//! Why a test document could not be judged. Each variant names the file
//! (and, for decoding errors, the field) it is about; the texts are the
//! ones `verno test` prints in its `Error:` line.

use std::path::PathBuf;

use verno::error::LoadError;

use crate::input::InputError;
use crate::testfile::DecodeError;

/// A test document that cannot be judged: it counts as a failure, never as
/// a pass.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// The test file itself could not be read.
    #[error("Test errors: {0}")]
    ReadTest(InputError),
    /// The test file is not YAML.
    #[error("Test errors: {error}")]
    TestYaml { path: PathBuf, error: LoadError },
    /// The test file holds no document.
    #[error("Test errors: the file holds no Test document")]
    NoTestDocument { path: PathBuf },
    /// A `Test` document that does not decode (`detail` names the field).
    #[error("Test errors: {detail}")]
    Decode { path: PathBuf, detail: DecodeError },
    /// The test uses a feature verno does not run yet.
    #[error("unsupported: {feature}")]
    Unsupported { feature: &'static str },
    /// A file the test names (policy, values, expected resource, ...)
    /// could not be read or is not YAML.
    #[error(transparent)]
    File(#[from] InputError),
    /// A values file (`path`; none for inline `values`) that does not
    /// decode (`detail` names the field).
    #[error("{detail}")]
    Values {
        path: Option<PathBuf>,
        detail: DecodeError,
    },
    /// A `jsonPayloads` file that is not a JSON object.
    #[error("{}: failed to load JSON payload: {detail}", path.display())]
    Payload { path: PathBuf, detail: String },
    /// A `context` file that is not a `Context` document.
    #[error("{}: invalid context file: {detail}", path.display())]
    Context { path: PathBuf, detail: String },
    /// A `globalContextEntries` item whose data cannot be resolved (a
    /// resource file, `fieldPath` or projection that fails).
    #[error("{detail}")]
    GlobalContext { detail: String },
    /// A policy file holds a document that is not a Kyverno policy.
    #[error("unsupported: policy kind {api_version}/{kind} ({})", path.display())]
    PolicyKind {
        path: PathBuf,
        api_version: String,
        kind: String,
    },
    /// A policy or exception that does not load.
    #[error("{}: {error}", path.display())]
    Policy { path: PathBuf, error: LoadError },
    /// A policy file that does not load (not YAML, a policy that does not
    /// decode); the error names the file, line and column.
    #[error("{0}")]
    PolicyLoad(LoadError),
    /// A policy that does not compile; the error names its file.
    #[error("{0}")]
    Compile(LoadError),
    /// Kyverno refuses `kyverno.io` PolicyExceptions in a test that holds
    /// ValidatingAdmissionPolicies.
    #[error("error: use of exceptions with ValidatingAdmissionPolicies is not supported")]
    VapWithExceptions,
    /// A userinfo file without a document.
    #[error("{}: no UserInfo document", path.display())]
    NoUserInfo { path: PathBuf },
    /// A `UserInfo` document that does not decode (`detail` names the field).
    #[error("{}: {detail}", path.display())]
    UserInfo { path: PathBuf, detail: DecodeError },
    /// The first resource file could not be read, or one is not a resource.
    #[error("failed to load resources: {0}")]
    Resources(InputError),
    /// A values `subresources` entry that cannot be applied to `resource`
    /// (`detail` names the field).
    #[error("{detail}")]
    Subresource {
        resource: String,
        detail: DecodeError,
    },
    /// Values that edit `request.object` could not be merged into it.
    #[error("failed to apply policies on resource {resource} ({error})")]
    ApplyValues {
        resource: String,
        error: verno::unstable::values::ReadBackError,
    },
    /// A resource whose kind Kyverno's RESTMapper does not know, in a test
    /// with ValidatingAdmissionPolicies (their step maps it, without a guess).
    #[error("failed to apply policies on resource {resource} ({error})")]
    UnmappedKind {
        resource: String,
        error: verno::unstable::vpol::UnmappedKind,
    },
    /// A JSON payload in a test with ValidatingAdmissionPolicies: their step
    /// maps the payload's empty kind, which fails the test.
    #[error("failed to apply validating policies on JSON payload {payload} ({error})")]
    UnmappedPayload {
        payload: String,
        error: verno::unstable::vpol::UnmappedKind,
    },
    /// No result entry produced a row: nothing was judged.
    #[error("nothing was checked: no result entry produced a row")]
    NothingChecked,
}
