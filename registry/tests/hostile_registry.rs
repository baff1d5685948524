//! A registry that lies: a small HTTP server on 127.0.0.1 serving a
//! manifest and blobs chosen by the test. The verifier must refuse what it
//! cannot judge, with an error, without reading unbounded data.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use verno::{
    AttestorSpec, ImageVerifier, ImageVerifyErrorKind, ImageVerifyRequest, TransparencyOptions,
};
use verno_registry::RegistryVerifier;

const IMAGE_DIGEST: &str =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const LAYER_DIGEST: &str =
    "sha256:2222222222222222222222222222222222222222222222222222222222222222";

/// Serve until the test ends: the image manifest's digest on HEAD, the
/// `.sig` manifest `sig_manifest`, and `blob_len` bytes for any blob.
fn serve(sig_manifest: String, blob_len: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&req)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let mut parts = line.split(' ');
            let method = parts.next().unwrap_or("");
            let path = parts.next().unwrap_or("");
            let (headers, body): (String, Vec<u8>) = if path == "/v2/" {
                (String::new(), Vec::new())
            } else if path.ends_with("/manifests/v1") {
                (
                    format!("Docker-Content-Digest: {IMAGE_DIGEST}\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n"),
                    b"{}".to_vec(),
                )
            } else if path.contains("/manifests/sha256-") {
                (
                    "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n".to_string(),
                    sig_manifest.clone().into_bytes(),
                )
            } else if path.contains("/blobs/") {
                (String::new(), vec![b'x'; blob_len])
            } else {
                let _ = conn.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            if method != "HEAD" {
                let _ = conn.write_all(&body);
            }
        }
    });
    addr
}

fn manifest(layers: usize, size: i64) -> String {
    let layer = serde_json::json!({
        "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
        "digest": LAYER_DIGEST,
        "size": size,
        "annotations": {"dev.cosignproject.cosign/signature": "AAAA"}
    });
    serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": LAYER_DIGEST, "size": 2},
        "layers": vec![layer; layers],
    })
    .to_string()
}

fn verify(addr: &str) -> verno::ImageVerifyError {
    let key = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2QiLvmgEPc4oAtqpb4PUOXnN6QPz\nMOlY9M6ZbXtOEhoexYHfWlw8N12lEwr6U5nI5Fa37Tg6FT20Jl+7mrP1OQ==\n-----END PUBLIC KEY-----\n";
    let request = ImageVerifyRequest {
        image: format!("{addr}/app:v1"),
        repository: None,
        attestor: AttestorSpec::Keys {
            public_keys: key.into(),
            signature_algorithm: "sha256".into(),
        },
        predicate_type: None,
        transparency: TransparencyOptions {
            ignore_tlog: true,
            ignore_sct: true,
            ..TransparencyOptions::default()
        },
    };
    RegistryVerifier::new(Duration::from_secs(20))
        .expect("verifier")
        .verify(&request)
        .expect_err("a lying registry is never verified")
}

#[test]
fn layer_longer_than_its_descriptor_is_cut_off_while_downloading() {
    let addr = serve(manifest(1, 16), 4 << 20);
    let err = verify(&addr);
    assert_eq!(err.kind, ImageVerifyErrorKind::Unavailable);
    assert!(
        err.message
            .contains("layer is larger than its descriptor says"),
        "{}",
        err.message
    );
}

#[test]
fn layer_declared_huge_is_refused_before_download() {
    let addr = serve(manifest(1, 1 << 40), 0);
    let err = verify(&addr);
    assert_eq!(err.kind, ImageVerifyErrorKind::Unavailable);
    assert!(
        err.message.contains("more than the 33554432 bytes read"),
        "{}",
        err.message
    );
}

#[test]
fn artifact_with_too_many_layers_is_refused() {
    let addr = serve(manifest(10_000, 16), 0);
    let err = verify(&addr);
    assert_eq!(err.kind, ImageVerifyErrorKind::Unavailable);
    assert!(
        err.message.contains("10000 layers, more than the 256 read"),
        "{}",
        err.message
    );
}
