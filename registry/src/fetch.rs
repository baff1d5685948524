//! Registry access: the image's digest and the layers of its cosign artifact.
//! Sizes are bounded so a hostile registry cannot exhaust memory.

use std::collections::BTreeMap;
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::OciManifest;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use verno::{ImageVerifyError, ImageVerifyErrorKind};

use crate::{error, reference};

/// Most layers read from one signature or attestation artifact.
const MAX_LAYERS: usize = 256;
/// Largest single layer read (attestations may carry an SBOM).
const MAX_LAYER_BYTES: i64 = 32 << 20;
/// Largest total read for one artifact.
const MAX_TOTAL_BYTES: i64 = 128 << 20;

/// One layer of a cosign artifact, with its manifest annotations.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    /// The layer's media type (simple signing or DSSE envelope).
    pub media_type: String,
    /// `sha256:…` of `data`, checked by the client while pulling.
    pub digest: String,
    /// The descriptor's annotations (signature, certificate, chain, bundle).
    pub annotations: BTreeMap<String, String>,
    /// The payload.
    pub data: Vec<u8>,
}

/// A registry client for `registries`, using plain HTTP for the loopback ones.
pub(crate) fn client_for(registries: &[&str]) -> Client {
    let plain: Vec<String> = registries
        .iter()
        .filter(|r| reference::is_loopback(r))
        .map(|r| (*r).to_string())
        .collect();
    Client::new(ClientConfig {
        protocol: ClientProtocol::HttpsExcept(plain),
        connect_timeout: Some(Duration::from_secs(10)),
        read_timeout: Some(Duration::from_secs(20)),
        ..ClientConfig::default()
    })
}

/// The image's manifest digest (`sha256:…`).
pub(crate) async fn digest(client: &Client, image: &Reference) -> Result<String, ImageVerifyError> {
    client
        .fetch_manifest_digest(image, &RegistryAuth::Anonymous)
        .await
        .map_err(|e| {
            let what = if is_not_found(&e) {
                "not found".to_string()
            } else {
                e.to_string()
            };
            error(
                ImageVerifyErrorKind::Unavailable,
                format!("failed to get image digest for {}: {what}", image.whole()),
            )
        })
}

/// The layers of the artifact at `artifact`, or `None` when it does not exist.
pub(crate) async fn layers(
    client: &Client,
    artifact: &Reference,
) -> Result<Option<Vec<Layer>>, ImageVerifyError> {
    let unavailable = |e: String| {
        error(
            ImageVerifyErrorKind::Unavailable,
            format!("fetching signatures {}: {e}", artifact.whole()),
        )
    };
    let manifest = match client
        .pull_manifest(artifact, &RegistryAuth::Anonymous)
        .await
    {
        Ok((manifest, _)) => manifest,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(unavailable(e.to_string())),
    };
    let OciManifest::Image(manifest) = manifest else {
        return Err(unavailable(
            "expected an image manifest, found an index".into(),
        ));
    };
    if manifest.layers.len() > MAX_LAYERS {
        return Err(unavailable(format!(
            "{} layers, more than the {MAX_LAYERS} read",
            manifest.layers.len()
        )));
    }
    let mut total = 0i64;
    let mut out = Vec::with_capacity(manifest.layers.len());
    for descriptor in &manifest.layers {
        if !(0..=MAX_LAYER_BYTES).contains(&descriptor.size) {
            return Err(unavailable(format!(
                "layer {} has size {}, more than the {MAX_LAYER_BYTES} bytes read",
                descriptor.digest, descriptor.size
            )));
        }
        total += descriptor.size;
        if total > MAX_TOTAL_BYTES {
            return Err(unavailable(format!(
                "layers add up to more than {MAX_TOTAL_BYTES} bytes"
            )));
        }
        let limit = usize::try_from(descriptor.size).unwrap_or(0);
        let mut sink = Capped {
            data: Vec::with_capacity(limit),
            limit,
        };
        client
            .pull_blob(artifact, descriptor, &mut sink)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let data = sink.data;
        out.push(Layer {
            media_type: descriptor.media_type.clone(),
            digest: descriptor.digest.clone(),
            annotations: descriptor.annotations.clone().unwrap_or_default(),
            data,
        });
    }
    Ok(Some(out))
}

/// A buffer that refuses bytes past the size the manifest declared, so a
/// registry that sends more cannot grow it without bound (the digest check
/// would only catch the lie after the download).
struct Capped {
    data: Vec<u8>,
    limit: usize,
}

impl tokio::io::AsyncWrite for Capped {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.data.len().saturating_add(buf.len()) > self.limit {
            return std::task::Poll::Ready(Err(std::io::Error::other(
                "layer is larger than its descriptor says",
            )));
        }
        self.data.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Whether the registry said the manifest (or repository) does not exist.
fn is_not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound
            )
        }),
        _ => false,
    }
}
