//! End to end against Debian's `docker-registry` on 127.0.0.1: images pushed
//! and signed here (cosign's formats, made in Rust), verified through
//! `RegistryVerifier`. Nothing leaves loopback.

mod support;

use std::time::Duration;

use verno::{
    AttestorSpec, ImageVerifier, ImageVerifyErrorKind, ImageVerifyRequest, TransparencyOptions,
};
use verno_registry::RegistryVerifier;

fn offline() -> TransparencyOptions {
    TransparencyOptions {
        ignore_tlog: true,
        ignore_sct: true,
        ..TransparencyOptions::default()
    }
}

fn request(image: &str, attestor: AttestorSpec) -> ImageVerifyRequest {
    ImageVerifyRequest {
        image: image.to_string(),
        repository: None,
        attestor,
        predicate_type: None,
        transparency: offline(),
    }
}

fn keys(pem: &str) -> AttestorSpec {
    AttestorSpec::Keys {
        public_keys: pem.to_string(),
        signature_algorithm: "sha256".into(),
    }
}

fn verifier() -> RegistryVerifier {
    RegistryVerifier::new(Duration::from_secs(30)).expect("verifier")
}

#[test]
fn key_signed_image_verifies_with_its_key_and_returns_payload_annotations() {
    let Some(reg) = support::start() else { return };
    let key = support::new_key();
    let pushed = reg.push_image("team/app", "v1", "layer-a");
    let payload = support::simple_signing(&pushed, &[("team", "payments")]);
    reg.push_artifact(
        &pushed,
        "sig",
        vec![support::signature_layer(&key, payload, None)],
    );

    let got = verifier()
        .verify(&request(&pushed.image, keys(&key.public_pem)))
        .expect("verified");
    assert_eq!(got.digest, pushed.digest);
    assert_eq!(got.signatures.len(), 1);
    assert_eq!(
        got.signatures[0]
            .annotations
            .get("team")
            .map(String::as_str),
        Some("payments")
    );
    assert!(got.signatures[0].subject_alternative_names.is_empty());
}

#[test]
fn wrong_key_gives_no_matching_signatures() {
    let Some(reg) = support::start() else { return };
    let signer = support::new_key();
    let other = support::new_key();
    let pushed = reg.push_image("app", "v1", "layer-b");
    let payload = support::simple_signing(&pushed, &[]);
    reg.push_artifact(
        &pushed,
        "sig",
        vec![support::signature_layer(&signer, payload, None)],
    );

    let err = verifier()
        .verify(&request(&pushed.image, keys(&other.public_pem)))
        .expect_err("wrong key");
    assert_eq!(err.kind, ImageVerifyErrorKind::NoMatch);
    assert_eq!(
        err.message,
        "no matching signatures: invalid signature when validating ASN.1 encoded signature"
    );
}

#[test]
fn unsigned_image_gives_no_signatures_found() {
    let Some(reg) = support::start() else { return };
    let key = support::new_key();
    let pushed = reg.push_image("app", "unsigned", "layer-c");
    let err = verifier()
        .verify(&request(&pushed.image, keys(&key.public_pem)))
        .expect_err("unsigned");
    assert_eq!(err.kind, ImageVerifyErrorKind::NoMatch);
    assert_eq!(err.message, "no signatures found");
}

#[test]
fn signature_over_another_digest_is_not_a_match() {
    let Some(reg) = support::start() else { return };
    let key = support::new_key();
    let first = reg.push_image("app", "one", "layer-d1");
    let second = reg.push_image("app", "two", "layer-d2");
    // A valid signature, but its claim names the first image.
    let payload = support::simple_signing(&first, &[]);
    reg.push_artifact(
        &second,
        "sig",
        vec![support::signature_layer(&key, payload, None)],
    );
    let err = verifier()
        .verify(&request(&second.image, keys(&key.public_pem)))
        .expect_err("claim for another digest");
    assert_eq!(err.kind, ImageVerifyErrorKind::NoMatch);
    assert_eq!(
        err.message,
        format!(
            "no matching signatures: invalid or missing digest in claim: {}",
            first.digest
        )
    );
}

#[test]
fn keyless_certificate_from_the_policy_roots_returns_its_identity() {
    let Some(reg) = support::start() else { return };
    let ca = support::new_ca("verno test CA");
    let key = support::new_key();
    let cert = support::keyless_cert(
        &ca,
        &key,
        "release@example.com",
        Some("https://ci.example.com/workflows/release"),
        "https://issuer.example.com",
    );
    let pushed = reg.push_image("signed/keyless", "v1", "layer-e");
    let payload = support::simple_signing(&pushed, &[]);
    reg.push_artifact(
        &pushed,
        "sig",
        vec![support::signature_layer(&key, payload, Some(&cert))],
    );

    let got = verifier()
        .verify(&request(
            &pushed.image,
            AttestorSpec::Keyless {
                roots: Some(ca.pem.clone()),
            },
        ))
        .expect("verified");
    let sig = &got.signatures[0];
    assert_eq!(
        sig.subject_alternative_names,
        vec![
            "release@example.com".to_string(),
            "https://ci.example.com/workflows/release".to_string()
        ]
    );
    assert_eq!(sig.issuer.as_deref(), Some("https://issuer.example.com"));

    // The same signature against another root does not chain.
    let stranger = support::new_ca("someone else");
    let err = verifier()
        .verify(&request(
            &pushed.image,
            AttestorSpec::Keyless {
                roots: Some(stranger.pem),
            },
        ))
        .expect_err("wrong root");
    assert_eq!(err.kind, ImageVerifyErrorKind::NoMatch);
    assert_eq!(
        err.message,
        "no matching signatures: x509: certificate signed by unknown authority"
    );

    // certChain works as the trust anchors of `certificates` too.
    let got = verifier()
        .verify(&request(
            &pushed.image,
            AttestorSpec::Certificates {
                cert: None,
                cert_chain: Some(ca.pem.clone()),
            },
        ))
        .expect("certificates attestor");
    assert_eq!(
        got.signatures[0].issuer.as_deref(),
        Some("https://issuer.example.com")
    );
}

#[test]
fn transparency_checks_are_errors_unless_the_policy_skips_them() {
    let Some(reg) = support::start() else { return };
    let key = support::new_key();
    let pushed = reg.push_image("app", "tlog", "layer-f");
    let payload = support::simple_signing(&pushed, &[]);
    reg.push_artifact(
        &pushed,
        "sig",
        vec![support::signature_layer(&key, payload, None)],
    );

    let mut req = request(&pushed.image, keys(&key.public_pem));
    req.transparency.ignore_tlog = false;
    let err = verifier().verify(&req).expect_err("tlog required");
    assert_eq!(err.kind, ImageVerifyErrorKind::Unavailable);
    assert!(
        err.message.starts_with("failed to load Rekor public keys:"),
        "{}",
        err.message
    );

    let ca = support::new_ca("ca");
    let mut req = request(
        &pushed.image,
        AttestorSpec::Keyless {
            roots: Some(ca.pem),
        },
    );
    req.transparency.ignore_sct = false;
    let err = verifier().verify(&req).expect_err("SCT required");
    assert_eq!(err.kind, ImageVerifyErrorKind::Unavailable);
    assert!(
        err.message
            .starts_with("failed to load CTLogs public keys:"),
        "{}",
        err.message
    );

    // Key attestors have no SCT to check.
    let mut req = request(&pushed.image, keys(&key.public_pem));
    req.transparency.ignore_sct = false;
    verifier().verify(&req).expect("keys need no SCT");
}

#[test]
fn attestations_of_the_requested_predicate_type_come_back_with_their_statement() {
    let Some(reg) = support::start() else { return };
    let key = support::new_key();
    let pushed = reg.push_image("app", "attested", "layer-g");
    reg.push_artifact(
        &pushed,
        "att",
        vec![
            support::attestation_layer(
                &key,
                &pushed,
                "https://example.com/scan/v1",
                serde_json::json!({"status": "accepted"}),
            ),
            support::attestation_layer(
                &key,
                &pushed,
                "https://slsa.dev/provenance/v0.2",
                serde_json::json!({"builder": {"id": "ci"}}),
            ),
        ],
    );
    let mut req = request(&pushed.image, keys(&key.public_pem));
    req.predicate_type = Some("https://example.com/scan/v1".into());
    let got = verifier().verify(&req).expect("attestation");
    assert_eq!(got.signatures.len(), 1);
    let statement = got.signatures[0].statement.as_ref().expect("statement");
    assert_eq!(statement["predicate"]["status"], "accepted");

    let other = support::new_key();
    let mut req = request(&pushed.image, keys(&other.public_pem));
    req.predicate_type = Some("https://example.com/scan/v1".into());
    let err = verifier().verify(&req).expect_err("wrong key");
    assert_eq!(err.kind, ImageVerifyErrorKind::NoMatch);
    assert!(
        err.message
            .starts_with("no matching attestations: invalid signature"),
        "{}",
        err.message
    );
}

#[test]
fn missing_image_is_unavailable_not_a_match_failure() {
    let Some(reg) = support::start() else { return };
    let key = support::new_key();
    let image = format!("{}/nothing/here:v1", reg.host);
    let err = verifier()
        .verify(&request(&image, keys(&key.public_pem)))
        .expect_err("missing");
    assert_eq!(err.kind, ImageVerifyErrorKind::Unavailable);
    assert!(
        err.message.starts_with("failed to get image digest for"),
        "{}",
        err.message
    );
}

#[test]
fn registry_that_never_answers_times_out() {
    // A listener that accepts and stays silent, on loopback.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hold = std::thread::spawn(move || {
        let conn = listener.accept();
        std::thread::sleep(Duration::from_secs(3));
        drop(conn);
    });
    let key = support::new_key();
    let verifier = RegistryVerifier::new(Duration::from_millis(500)).expect("verifier");
    let err = verifier
        .verify(&request(&format!("{addr}/app:v1"), keys(&key.public_pem)))
        .expect_err("timeout");
    assert_eq!(err.kind, ImageVerifyErrorKind::Timeout);
    hold.join().expect("listener thread");
}

#[test]
fn malformed_attestor_material_is_refused_before_any_request() {
    // Port 9 on loopback: nothing is contacted, since material comes first.
    let image = "127.0.0.1:9/app:v1";
    let err = verifier()
        .verify(&request(image, keys("not a key")))
        .expect_err("bad pem");
    assert_eq!(err.kind, ImageVerifyErrorKind::InvalidAttestor);
    assert_eq!(
        err.message,
        "failed to load public key from PEM: no PEM block found"
    );

    let key = support::new_key();
    let err = verifier()
        .verify(&request(
            image,
            AttestorSpec::Keys {
                public_keys: key.public_pem,
                signature_algorithm: "md5".into(),
            },
        ))
        .expect_err("bad algorithm");
    assert_eq!(err.message, "invalid signature algorithm provided md5");
}

#[test]
fn rekor_bundle_is_verified_offline_with_the_policy_rekor_key() {
    let Some(reg) = support::start() else { return };
    let key = support::new_key();
    let rekor = support::new_key();
    let pushed = reg.push_image("app", "logged", "layer-h");
    let payload = support::simple_signing(&pushed, &[]);
    let mut layer = support::signature_layer(&key, payload.clone(), None);
    let signature = layer.2["dev.cosignproject.cosign/signature"].clone();
    support::add_rekor_bundle(&mut layer, &rekor, &signature, &payload);
    reg.push_artifact(&pushed, "sig", vec![layer]);
    // A valid signature whose (validly signed) bundle records another one.
    let other = reg.push_image("app", "replayed", "layer-i");
    let other_payload = support::simple_signing(&other, &[]);
    let mut replayed = support::signature_layer(&key, other_payload.clone(), None);
    support::add_rekor_bundle(&mut replayed, &rekor, "b3RoZXI=", &other_payload);
    reg.push_artifact(&other, "sig", vec![replayed]);

    let logged = |image: &str, rekor_pem: &str| {
        let mut req = request(image, keys(&key.public_pem));
        req.transparency.ignore_tlog = false;
        req.transparency.rekor_pubkey = Some(rekor_pem.to_string());
        verifier().verify(&req)
    };
    let got = logged(&pushed.image, &rekor.public_pem).expect("bundle verifies");
    assert_eq!(got.signatures.len(), 1);

    let stranger = support::new_key();
    let err = logged(&pushed.image, &stranger.public_pem).expect_err("other log key");
    assert_eq!(err.kind, ImageVerifyErrorKind::NoMatch);
    assert!(
        err.message
            .starts_with("no matching signatures: verifying bundle:"),
        "{}",
        err.message
    );

    let err = logged(&other.image, &rekor.public_pem).expect_err("entry of another signature");
    assert_eq!(
        err.message,
        "no matching signatures: signature in bundle does not match signature being verified"
    );

    // Without a bundle at all, the log cannot be checked: no pass.
    let bare = reg.push_image("app", "unlogged", "layer-j");
    let bare_payload = support::simple_signing(&bare, &[]);
    reg.push_artifact(
        &bare,
        "sig",
        vec![support::signature_layer(&key, bare_payload, None)],
    );
    let err = logged(&bare.image, &rekor.public_pem).expect_err("no bundle");
    assert_eq!(err.kind, ImageVerifyErrorKind::NoMatch);
    assert!(
        err.message.contains("no transparency log bundle"),
        "{}",
        err.message
    );
}
