//! go-containerregistry's `name.ParseReference` with its default (weak)
//! options, which Kyverno's `image` CEL library uses: default registry
//! `index.docker.io` (`docker.io` is an alias), implicit `library/`
//! namespace there, default tag `latest`.

use super::gourl::is_authority;

const DEFAULT_REGISTRY: &str = "index.docker.io";
const DEFAULT_REGISTRY_ALIAS: &str = "docker.io";
const DEFAULT_TAG: &str = "latest";
const TAG_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-.ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const REPOSITORY_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-./";

/// A parsed reference: a tag or a digest reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    kind: Kind,
    original: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    Tag(String),
    Digest(String),
}

fn check_element(
    name: &str,
    element: &str,
    allowed: &str,
    min: usize,
    max: usize,
) -> Result<(), String> {
    let n = element.chars().count();
    if n < min || max < n {
        return Err(format!(
            "{name} must be between {min} and {max} characters in length: {element}"
        ));
    }
    if element.chars().any(|c| !allowed.contains(c)) {
        return Err(format!(
            "{name} can only contain the characters `{allowed}`: {element}"
        ));
    }
    Ok(())
}

/// `NewRepository`: (registry, repository as written).
fn new_repository(name: &str) -> Result<(String, String), String> {
    if name.is_empty() {
        return Err("a repository name must be specified".into());
    }
    let mut registry = "";
    let mut repo = name;
    if let Some((maybe, rest)) = name.split_once('/') {
        if maybe == "localhost" || maybe.contains(['.', ':']) {
            registry = maybe;
            repo = rest;
        }
    }
    check_element("repository", repo, REPOSITORY_CHARS, 1, 255)?;
    if !is_authority(registry) {
        return Err(format!(
            "registries must be valid RFC 3986 URI authorities: {registry}"
        ));
    }
    let registry = match registry {
        "" | DEFAULT_REGISTRY_ALIAS => DEFAULT_REGISTRY,
        r => r,
    };
    Ok((registry.to_string(), repo.to_string()))
}

fn new_tag(name: &str) -> Result<(String, String, String), String> {
    let mut base = name;
    let mut tag = "";
    if let Some(i) = name.rfind(':') {
        let last = name.get(i + 1..).unwrap_or_default();
        if !last.contains('/') {
            base = name.get(..i).unwrap_or_default();
            tag = last;
            if tag.is_empty() {
                return Err(format!("{name} must specify a tag name after the colon"));
            }
        }
    }
    if !tag.is_empty() {
        check_element("tag", tag, TAG_CHARS, 1, 128)?;
    }
    let tag = if tag.is_empty() { DEFAULT_TAG } else { tag };
    let (registry, repository) = new_repository(base)?;
    Ok((registry, repository, tag.to_string()))
}

fn new_digest(name: &str) -> Result<(String, String, String), String> {
    let parts: Vec<&str> = name.split('@').collect();
    let [base, dig] = parts.as_slice() else {
        return Err(format!(
            "a digest must contain exactly one '@' separator (e.g. registry/repository@digest) saw: {name}"
        ));
    };
    let Some(hex) = dig.strip_prefix("sha256:") else {
        return Err(format!("unsupported digest algorithm: {dig}"));
    };
    if hex.len() != 64 {
        return Err("invalid checksum digest length".into());
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("invalid checksum digest format".into());
    }
    // A tag before the digest is dropped (`repo:tag@sha256:…`).
    let base = match new_tag(base) {
        Ok((registry, repository, _)) => repository_name(&registry, &repository),
        Err(_) => (*base).to_string(),
    };
    let (registry, repository) = new_repository(&base)?;
    Ok((registry, repository, (*dig).to_string()))
}

fn implicit_namespace(registry: &str, repository: &str) -> bool {
    !repository.contains('/') && registry == DEFAULT_REGISTRY
}

fn repository_str(registry: &str, repository: &str) -> String {
    if implicit_namespace(registry, repository) {
        format!("library/{repository}")
    } else {
        repository.to_string()
    }
}

fn repository_name(registry: &str, repository: &str) -> String {
    format!("{registry}/{}", repository_str(registry, repository))
}

impl Reference {
    /// `name.ParseReference(s)`: a tag reference if it parses as one, else a
    /// digest reference, else `could not parse reference: <s>`.
    pub fn parse(s: &str) -> Result<Reference, String> {
        if let Ok((registry, repository, tag)) = new_tag(s) {
            return Ok(Reference {
                registry,
                repository,
                kind: Kind::Tag(tag),
                original: s.to_string(),
            });
        }
        if let Ok((registry, repository, digest)) = new_digest(s) {
            return Ok(Reference {
                registry,
                repository,
                kind: Kind::Digest(digest),
                original: s.to_string(),
            });
        }
        Err(format!("could not parse reference: {s}"))
    }

    /// `Context().RegistryStr()`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// `Context().RepositoryStr()` (`library/` added on Docker Hub).
    pub fn repository(&self) -> String {
        repository_str(&self.registry, &self.repository)
    }

    /// `Identifier()`: the tag or the digest.
    pub fn identifier(&self) -> &str {
        match &self.kind {
            Kind::Tag(t) | Kind::Digest(t) => t,
        }
    }

    /// The tag of a tag reference, empty for a digest reference.
    pub fn tag(&self) -> &str {
        match &self.kind {
            Kind::Tag(t) => t,
            Kind::Digest(_) => "",
        }
    }

    /// The digest of a digest reference, empty for a tag reference.
    pub fn digest(&self) -> &str {
        match &self.kind {
            Kind::Digest(d) => d,
            Kind::Tag(_) => "",
        }
    }

    /// The reference as written (`String()`).
    pub fn original(&self) -> &str {
        &self.original
    }
}

#[cfg(test)]
#[allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    const D: &str = "sha256:6aefddb645ee6963afd681b1845c661d0ea4c3b20ab9db86d9e753b203d385f2";

    fn r(s: &str) -> Reference {
        match Reference::parse(s) {
            Ok(r) => r,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn docker_hub_defaults_apply() {
        let n = r("nginx");
        assert_eq!(
            (n.registry(), n.repository().as_str(), n.tag()),
            ("index.docker.io", "library/nginx", "latest")
        );
        let d = r("docker.io/bitnami/redis:7");
        assert_eq!(
            (d.registry(), d.repository().as_str(), d.tag()),
            ("index.docker.io", "bitnami/redis", "7")
        );
    }

    #[test]
    fn digests_and_tags_are_told_apart() {
        let t = r("registry.k8s.io/kube-apiserver-arm64:testtag");
        assert_eq!((t.identifier(), t.digest()), ("testtag", ""));
        let d = r(&format!("registry.k8s.io/kube-apiserver-arm64@{D}"));
        assert_eq!((d.identifier(), d.tag(), d.digest()), (D, "", D));
        let both = r(&format!("registry.k8s.io/kube-apiserver-arm64:latest@{D}"));
        assert_eq!((both.tag(), both.digest()), ("", D));
        assert_eq!(both.repository(), "kube-apiserver-arm64");
        let port = r("localhost:5000/app");
        assert_eq!((port.registry(), port.tag()), ("localhost:5000", "latest"));
    }

    #[test]
    fn bad_references_name_the_input() {
        for bad in [
            "registry.k8s.io/kube-apiserver-arm64:@",
            "UPPER/case",
            "",
            "a@sha256:12",
        ] {
            assert_eq!(
                Reference::parse(bad),
                Err(format!("could not parse reference: {bad}"))
            );
        }
    }
}
