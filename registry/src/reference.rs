//! Image references: parsing, where cosign stores an image's signatures, and
//! which registries are spoken to over plain HTTP.

use oci_client::Reference;
use verno::ImageVerifyErrorKind;

use crate::error;

/// Parse an image reference as the resource names it.
pub(crate) fn parse(image: &str) -> Result<Reference, verno::ImageVerifyError> {
    image.parse::<Reference>().map_err(|e| {
        error(
            ImageVerifyErrorKind::Unavailable,
            format!("failed to parse image {image}: {e}"),
        )
    })
}

/// The reference of the cosign artifact for `digest` (`sha256:…`): the tag
/// `sha256-<hex>.<suffix>` in the image's repository, or in `repository`
/// when the policy stores signatures elsewhere.
pub(crate) fn artifact(
    image: &Reference,
    repository: Option<&str>,
    digest: &str,
    suffix: &str,
) -> Result<Reference, verno::ImageVerifyError> {
    let tag = format!("{}.{suffix}", digest.replacen(':', "-", 1));
    match repository {
        None => Ok(Reference::with_tag(
            image.registry().to_string(),
            image.repository().to_string(),
            tag,
        )),
        Some(repo) => {
            let repo_ref = format!("{}:{tag}", repo.trim_end_matches('/'));
            repo_ref.parse::<Reference>().map_err(|e| {
                error(
                    ImageVerifyErrorKind::InvalidAttestor,
                    format!("failed to parse signature repository {repo}: {e}"),
                )
            })
        }
    }
}

/// Whether `registry` (`host[:port]`) is on this machine: such registries
/// are reached over plain HTTP.
pub(crate) fn is_loopback(registry: &str) -> bool {
    let host = host_of(registry);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// The host part of `host[:port]`, keeping IPv6 brackets' content.
fn host_of(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    registry.split(':').next().unwrap_or(registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries_are_recognised_and_others_are_not() {
        for r in [
            "localhost:5000",
            "127.0.0.1:41234",
            "127.1.2.3",
            "[::1]:5000",
            "LOCALHOST",
        ] {
            assert!(is_loopback(r), "{r}");
        }
        for r in [
            "registry.k8s.io",
            "10.0.0.1:5000",
            "localhost.example.com",
            "index.docker.io",
        ] {
            assert!(!is_loopback(r), "{r}");
        }
    }

    #[test]
    fn signature_tag_is_the_digest_with_a_dash_and_the_suffix() {
        let image = parse("127.0.0.1:5000/team/app:v1").unwrap();
        let sig = artifact(&image, None, "sha256:abcd", "sig").unwrap();
        assert_eq!(sig.whole(), "127.0.0.1:5000/team/app:sha256-abcd.sig");
        let att = artifact(&image, Some("127.0.0.1:5000/sigs"), "sha256:abcd", "att").unwrap();
        assert_eq!(att.whole(), "127.0.0.1:5000/sigs:sha256-abcd.att");
    }
}
