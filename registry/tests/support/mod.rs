//! A throwaway Debian `docker-registry` on 127.0.0.1, and cosign-compatible
//! images, signatures and attestations made in Rust and pushed to it.

// Shared by several test binaries, each using a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::OciImageManifest;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sigstore::crypto::{SigStoreSigner, SigningScheme};

const REGISTRY_BIN: &str = "docker-registry";

/// A running registry, killed and its storage removed on drop.
pub struct Registry {
    child: Child,
    dir: PathBuf,
    /// `127.0.0.1:<port>`.
    pub host: String,
    runtime: tokio::runtime::Runtime,
    client: Client,
}

/// Start a registry, or `None` (with the reason printed) when Debian's
/// `docker-registry` is not installed. Under CI a missing registry fails.
pub fn start() -> Option<Registry> {
    let Some(bin) = find_registry() else {
        let why = format!("{REGISTRY_BIN} is not installed (apt-get install docker-registry)");
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and {why}");
        }
        eprintln!("skipping registry end-to-end test: {why}");
        return None;
    };
    let port = free_port();
    let host = format!("127.0.0.1:{port}");
    let dir =
        std::env::temp_dir().join(format!("verno-registry-e2e-{}-{port}", std::process::id()));
    std::fs::create_dir_all(dir.join("storage")).expect("temp dir");
    let config = dir.join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n",
            dir.join("storage").display()
        ),
    )
    .expect("write config");
    let child = Command::new(bin)
        .arg("serve")
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start docker-registry");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = Client::new(ClientConfig {
        protocol: ClientProtocol::HttpsExcept(vec![host.clone()]),
        ..ClientConfig::default()
    });
    let registry = Registry {
        child,
        dir,
        host,
        runtime,
        client,
    };
    registry.wait_ready();
    Some(registry)
}

fn find_registry() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|d| d.join(REGISTRY_BIN))
        .find(|p| p.is_file())
}

/// A port nothing listens on now (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A pushed image.
pub struct Pushed {
    /// `127.0.0.1:<port>/<repo>:<tag>`.
    pub image: String,
    /// `sha256:…`.
    pub digest: String,
}

impl Registry {
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(&self.host) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let req = format!("GET /v2/ HTTP/1.0\r\nHost: {}\r\n\r\n", self.host);
                let mut buf = [0u8; 64];
                if s.write_all(req.as_bytes()).is_ok()
                    && matches!(s.read(&mut buf), Ok(n) if n > 12)
                    && (buf.starts_with(b"HTTP/1.0 200") || buf.starts_with(b"HTTP/1.1 200"))
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("docker-registry did not answer on {} within 20s", self.host);
    }

    /// Push a one-layer image whose layer is `content`.
    pub fn push_image(&self, repo: &str, tag: &str, content: &str) -> Pushed {
        let image = format!("{}/{repo}:{tag}", self.host);
        let reference: Reference = image.parse().expect("reference");
        let layer = ImageLayer::new(
            content.as_bytes().to_vec(),
            "application/vnd.oci.image.layer.v1.tar".into(),
            None,
        );
        let config = Config::new(
            br#"{"architecture":"amd64","os":"linux"}"#.to_vec(),
            "application/vnd.oci.image.config.v1+json".into(),
            None,
        );
        self.runtime
            .block_on(self.client.push(
                &reference,
                &[layer],
                config,
                &RegistryAuth::Anonymous,
                None,
            ))
            .expect("push image");
        let digest = self
            .runtime
            .block_on(
                self.client
                    .fetch_manifest_digest(&reference, &RegistryAuth::Anonymous),
            )
            .expect("digest");
        Pushed { image, digest }
    }

    /// Push a cosign artifact (`sha256-<hex>.<suffix>`) for `pushed` with
    /// the given layers (payload, media type, annotations).
    pub fn push_artifact(
        &self,
        pushed: &Pushed,
        suffix: &str,
        layers: Vec<(Vec<u8>, &str, BTreeMap<String, String>)>,
    ) {
        let repo = pushed.image.rsplit_once(':').expect("tag").0;
        let tag = format!("{}.{suffix}", pushed.digest.replacen(':', "-", 1));
        let reference: Reference = format!("{repo}:{tag}").parse().expect("reference");
        let layers: Vec<ImageLayer> = layers
            .into_iter()
            .map(|(data, media, ann)| ImageLayer::new(data, media.into(), Some(ann)))
            .collect();
        let config = Config::new(
            b"{}".to_vec(),
            "application/vnd.oci.image.config.v1+json".into(),
            None,
        );
        let manifest = OciImageManifest::build(&layers, &config, None);
        // oci-client's own manifest push writes OLPC canonical JSON, which
        // leaves the PEM's newlines unescaped; cosign writes plain JSON.
        let body = serde_json::to_vec(&manifest).expect("manifest json");
        self.runtime.block_on(async {
            self.client
                .store_auth_if_needed(reference.resolve_registry(), &RegistryAuth::Anonymous)
                .await;
            for (layer, descriptor) in layers.iter().zip(&manifest.layers) {
                self.client
                    .push_blob(&reference, layer.data.clone(), &descriptor.digest)
                    .await
                    .expect("push layer");
            }
            self.client
                .push_blob(&reference, config.data.clone(), &manifest.config.digest)
                .await
                .expect("push config");
            self.client
                .push_manifest_raw(
                    &reference,
                    body,
                    "application/vnd.oci.image.manifest.v1+json"
                        .parse()
                        .expect("media type"),
                )
                .await
                .expect("push signature manifest");
        });
    }
}

/// A fresh ECDSA P-256 key, as `cosign generate-key-pair` makes.
pub struct Key {
    pub signer: SigStoreSigner,
    pub public_pem: String,
    pub private_pem: String,
}

pub fn new_key() -> Key {
    let signer = SigningScheme::ECDSA_P256_SHA256_ASN1
        .create_signer()
        .expect("signer");
    let pair = signer.to_sigstore_keypair().expect("key pair");
    Key {
        public_pem: pair.public_key_to_pem().expect("public pem"),
        private_pem: pair.private_key_to_pem().expect("private pem").to_string(),
        signer,
    }
}

/// cosign's simple-signing payload for `pushed`, with `optional` annotations.
pub fn simple_signing(pushed: &Pushed, optional: &[(&str, &str)]) -> Vec<u8> {
    let repo = pushed.image.rsplit_once(':').expect("tag").0;
    let optional: serde_json::Map<String, serde_json::Value> = optional
        .iter()
        .map(|(k, v)| {
            (
                (*k).to_string(),
                serde_json::Value::String((*v).to_string()),
            )
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "critical": {
            "identity": {"docker-reference": repo},
            "image": {"docker-manifest-digest": pushed.digest},
            "type": "cosign container image signature"
        },
        "optional": if optional.is_empty() { serde_json::Value::Null } else { serde_json::Value::Object(optional) }
    }))
    .expect("payload")
}

/// Sign `payload` and return the layer cosign pushes for it; `cert` (PEM)
/// is attached for keyless-style signatures.
pub fn signature_layer(
    key: &Key,
    payload: Vec<u8>,
    cert: Option<&str>,
) -> (Vec<u8>, &'static str, BTreeMap<String, String>) {
    let sig = key.signer.sign(&payload).expect("sign");
    let mut ann = BTreeMap::new();
    ann.insert(
        "dev.cosignproject.cosign/signature".to_string(),
        base64::engine::general_purpose::STANDARD.encode(sig),
    );
    if let Some(cert) = cert {
        ann.insert(
            "dev.sigstore.cosign/certificate".to_string(),
            cert.to_string(),
        );
    }
    (
        payload,
        "application/vnd.dev.cosign.simplesigning.v1+json",
        ann,
    )
}

/// A DSSE envelope layer holding an in-toto statement about `pushed`.
pub fn attestation_layer(
    key: &Key,
    pushed: &Pushed,
    predicate_type: &str,
    predicate: serde_json::Value,
) -> (Vec<u8>, &'static str, BTreeMap<String, String>) {
    let hex = pushed.digest.split_once(':').expect("digest").1;
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": predicate_type,
        "subject": [{"name": pushed.image.rsplit_once(':').expect("tag").0, "digest": {"sha256": hex}}],
        "predicate": predicate,
    });
    let payload = serde_json::to_vec(&statement).expect("statement");
    let payload_type = "application/vnd.in-toto+json";
    let mut pae = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    pae.extend_from_slice(&payload);
    let b64 = base64::engine::general_purpose::STANDARD;
    let sig = key.signer.sign(&pae).expect("sign");
    let envelope = serde_json::json!({
        "payloadType": payload_type,
        "payload": b64.encode(&payload),
        "signatures": [{"keyid": "", "sig": b64.encode(sig)}],
    });
    let mut ann = BTreeMap::new();
    ann.insert(
        "dev.cosignproject.cosign/signature".to_string(),
        String::new(),
    );
    ann.insert("predicateType".to_string(), predicate_type.to_string());
    (
        serde_json::to_vec(&envelope).expect("envelope"),
        "application/vnd.dsse.envelope.v1+json",
        ann,
    )
}

/// A test certificate authority (self-signed root).
pub struct Ca {
    pub pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

pub fn new_ca(name: &str) -> Ca {
    let key = rcgen::KeyPair::generate().expect("ca key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let cert = params.self_signed(&key).expect("ca cert");
    Ca {
        pem: cert.pem(),
        issuer: rcgen::Issuer::new(params, key),
    }
}

/// A Fulcio-style leaf certificate for `key`: the SANs, code signing, and
/// the OIDC issuer extension (1.3.6.1.4.1.57264.1.1).
pub fn keyless_cert(
    ca: &Ca,
    key: &Key,
    email: &str,
    uri: Option<&str>,
    oidc_issuer: &str,
) -> String {
    let leaf_key = rcgen::KeyPair::from_pem(&key.private_pem).expect("leaf key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.subject_alt_names = vec![rcgen::SanType::Rfc822Name(email.try_into().expect("email"))];
    if let Some(uri) = uri {
        params
            .subject_alt_names
            .push(rcgen::SanType::URI(uri.try_into().expect("uri")));
    }
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::CodeSigning];
    params.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 4, 1, 57264, 1, 1],
        oidc_issuer.as_bytes().to_vec(),
    )];
    params
        .signed_by(&leaf_key, &ca.issuer)
        .expect("leaf cert")
        .pem()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Attach a Rekor bundle for `entry_signature` over `entry_payload`, signed
/// by `rekor` (the log's key), to a signature layer's annotations, as cosign
/// does after uploading to Rekor.
pub fn add_rekor_bundle(
    layer: &mut (Vec<u8>, &'static str, BTreeMap<String, String>),
    rekor: &Key,
    entry_signature: &str,
    entry_payload: &[u8],
) {
    use sha2::Digest as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let der = rekor
        .signer
        .to_sigstore_keypair()
        .expect("rekor pair")
        .public_key_to_der()
        .expect("rekor der");
    let entry = serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex(&sha2::Sha256::digest(entry_payload))}},
            "signature": {"content": entry_signature, "publicKey": {"content": ""}}
        }
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let payload = serde_json::json!({
        "body": b64.encode(entry.to_string()),
        "integratedTime": now,
        "logIndex": 1,
        "logID": hex(&sha2::Sha256::digest(&der)),
    });
    let canonical = serde_json_canonicalizer::to_vec(&payload).expect("canonical");
    let set = b64.encode(rekor.signer.sign(&canonical).expect("SET"));
    layer.2.insert(
        "dev.sigstore.cosign/bundle".to_string(),
        serde_json::json!({"SignedEntryTimestamp": set, "Payload": payload}).to_string(),
    );
}
