//! The boundary between the pure engine and the outside world.
//!
//! Everything Kyverno fetches from a cluster, a registry or the OS (the clock,
//! randomness, ConfigMaps, API calls, image registries) reaches verno through
//! [`Host`]. The engine itself never does I/O, so the same compiled policies
//! run in a CLI, a Python notebook or a browser.

use serde_json::Value;

mod image;
pub use image::{
    AttestorSpec, ImageVerifier, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest,
    TransparencyOptions, VerifiedImage, VerifiedSignature,
};

/// A point in time, as seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// The seconds.
    pub seconds: i64,
    /// The nanos.
    pub nanos: u32,
}

/// Why the host could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The host does not provide this capability (e.g. no clock in a test).
    #[error("{0} is not available: the host does not provide it")]
    Unavailable(&'static str),
    /// The host tried and failed; the text is shown to the user.
    #[error("{0}")]
    Failed(String),
}

/// A context entry the engine needs the host to resolve.
#[derive(Debug, Clone, Copy)]
pub struct ContextRequest<'a> {
    /// Policy name (`ns/name` for namespaced policies).
    pub policy: &'a str,
    /// Rule name as written in the policy (without `autogen-`).
    pub rule: &'a str,
    /// The context entry's name.
    pub name: &'a str,
    /// The entry after variable substitution (`{"configMap": {...}}`, `{"apiCall": {...}}`...).
    pub entry: &'a Value,
}

/// A resource the engine asks the host for (a generate `clone` source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceRef<'a> {
    /// The api version.
    pub api_version: &'a str,
    /// The kind.
    pub kind: &'a str,
    /// Empty for cluster-scoped resources.
    pub namespace: &'a str,
    /// The name.
    pub name: &'a str,
}

/// What the engine asks of its embedder. Every method has a default that
/// declines, so `NoHost` (and most tests) implement nothing.
///
/// ```
/// use verno::host::{Host, HostError, Timestamp};
/// struct FixedClock;
/// impl Host for FixedClock {
///     fn now(&self) -> Result<Timestamp, HostError> {
///         Ok(Timestamp { seconds: 1_700_000_000, nanos: 0 })
///     }
/// }
/// assert_eq!(FixedClock.now().unwrap().seconds, 1_700_000_000);
/// ```
pub trait Host: Send + Sync {
    /// The current time (`time_now`, report timestamps).
    fn now(&self) -> Result<Timestamp, HostError> {
        Err(HostError::Unavailable("the clock"))
    }

    /// A uniformly random `u64` (the `random()` JMESPath function).
    fn random_u64(&self) -> Result<u64, HostError> {
        Err(HostError::Unavailable("randomness"))
    }

    /// Resolve a `configMap`, `apiCall`, `globalReference` or `imageRegistry`
    /// context entry. `Ok(None)` means "not loaded" (what Kyverno's CLI does
    /// offline): references to it then fail with `Unknown key`.
    fn context_entry(&self, _request: &ContextRequest<'_>) -> Result<Option<Value>, HostError> {
        Ok(None)
    }

    /// Whether [`Host::context_entry`] may load anything. When it cannot,
    /// the engine skips `configMap`/`apiCall`/... entries before
    /// substituting their variables, as Kyverno's CLI does offline (a
    /// `{{ request.name }}` in an `apiCall` URL then fails nothing).
    fn resolves_context_entries(&self) -> bool {
        true
    }

    /// Read one resource from the cluster (the source of a generate `clone`
    /// rule). `Ok(None)`: it does not exist.
    fn get_resource(&self, _resource: &ResourceRef<'_>) -> Result<Option<Value>, HostError> {
        Ok(None)
    }

    /// List resources of a kind in a namespace (the sources of a generate
    /// `cloneList` rule), filtered by the rule's label `selector` when given
    /// (a Kubernetes LabelSelector; hosts may apply it or return everything:
    /// the engine applies it again).
    fn list_resources(
        &self,
        _api_version: &str,
        _kind: &str,
        _namespace: &str,
        _selector: Option<&Value>,
    ) -> Result<Vec<Value>, HostError> {
        Ok(Vec::new())
    }

    /// Values to add to the context before a rule runs (what `kyverno test`
    /// takes from a values file's `policies[].rules[].values`). Keys are
    /// dotted paths. `rule` is the evaluated rule name (`autogen-…` included).
    fn rule_values(&self, _policy: &str, _rule: &str) -> Option<serde_json::Map<String, Value>> {
        None
    }

    // What the CEL libraries (`resource`, `http`, `globalContext`,
    // `image.GetMetadata`) reach outside for. Resources are named by API
    // version and plural resource (`v1`, `configmaps`), as Kyverno's CEL
    // `resource` library names them, not by kind.

    /// `resource.Get`: one object, `Ok(None)` when it does not exist (the
    /// expression then sees `null`).
    fn cel_get_resource(
        &self,
        _api_version: &str,
        _resource: &str,
        _namespace: &str,
        _name: &str,
    ) -> Result<Option<Value>, HostError> {
        Err(HostError::Unavailable("resource lookups"))
    }

    /// `resource.List`: the list object (`{"items": [...], ...}`), filtered
    /// by `labels` (equality on every pair) when given.
    fn cel_list_resources(
        &self,
        _api_version: &str,
        _resource: &str,
        _namespace: &str,
        _labels: Option<&[(String, String)]>,
    ) -> Result<Value, HostError> {
        Err(HostError::Unavailable("resource lookups"))
    }

    /// `resource.Post`: create `data`, returning the created object.
    fn cel_post_resource(
        &self,
        _api_version: &str,
        _resource: &str,
        _namespace: &str,
        _data: &Value,
    ) -> Result<Value, HostError> {
        Err(HostError::Unavailable("resource creation"))
    }

    /// `resource.ToGVR`: the `(group, version, resource)` a kind maps to.
    fn cel_resource_for_kind(
        &self,
        _api_version: &str,
        _kind: &str,
    ) -> Result<(String, String, String), HostError> {
        Err(HostError::Unavailable("kind to resource mapping"))
    }

    /// `http.Get`/`http.Post`: the decoded response as Kyverno returns it
    /// (a JSON object body with `statusCode` merged in, anything else as
    /// `{"body": ..., "statusCode": n}`).
    fn http_request(&self, _request: &HttpRequest<'_>) -> Result<Value, HostError> {
        Err(HostError::Unavailable("HTTP"))
    }

    /// `globalContext.Get(name, projection)` (`projection` empty for none):
    /// `Ok(None)` when there is no such entry (the expression sees `null`).
    fn global_context_entry(
        &self,
        _name: &str,
        _projection: &str,
    ) -> Result<Option<Value>, HostError> {
        Ok(None)
    }

    /// Whether objects of `kind` are namespaced: where a `validate.cel`
    /// rule's `paramRef` looks for its parameters.
    fn param_kind_namespaced(&self, _api_version: &str, _kind: &str) -> Result<bool, HostError> {
        Err(HostError::Unavailable("parameter resources"))
    }

    /// The objects of `kind` in `namespace` (every namespace when empty)
    /// that a `validate.cel` rule's `paramKind`/`paramRef` select from (the
    /// engine picks by name or label selector).
    fn param_resources(
        &self,
        _api_version: &str,
        _kind: &str,
        _namespace: &str,
    ) -> Result<Vec<Value>, HostError> {
        Err(HostError::Unavailable("parameter resources"))
    }

    /// `image.GetMetadata(ref)`: `{image, resolvedImage, registry,
    /// repository, tag, digest, imageIndex, manifest, config}`.
    fn image_metadata(&self, _image: &str) -> Result<Value, HostError> {
        Err(HostError::Unavailable("image registry access"))
    }

    /// The image verifier for `verifyImages` rules, if this host has one.
    fn image_verifier(&self) -> Option<&dyn ImageVerifier> {
        None
    }
}

/// An HTTP call a CEL expression makes (`http.Get`, `http.Post`).
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The URL as the expression gave it.
    pub url: &'a str,
    /// Header name and value pairs, in the order given.
    pub headers: &'a [(String, String)],
    /// The JSON body of a `POST`.
    pub body: Option<&'a Value>,
    /// The PEM CA bundle of an `http.Client(caBundle)`, when one was made.
    pub ca_bundle: Option<&'a str>,
}

/// A host that provides nothing: no clock, no randomness, no external data.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHost;

impl Host for NoHost {
    fn resolves_context_entries(&self) -> bool {
        false
    }
}
