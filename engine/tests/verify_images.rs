//! `verifyImages` rules through the pipeline, with a fake `ImageVerifier`
//! standing in for the registry.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{json, Value};
use verno::{
    Host, ImageVerifier, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest, NoHost,
    PolicySet, Request, RuleStatus, VerifiedImage, VerifiedSignature,
};

const DIGEST: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// Answers every request with `answer`, recording the requests.
struct Fake {
    answer: Result<VerifiedImage, ImageVerifyError>,
    /// Per-image overrides.
    by_image: BTreeMap<String, Result<VerifiedImage, ImageVerifyError>>,
    seen: Mutex<Vec<ImageVerifyRequest>>,
}

impl Fake {
    fn new(answer: Result<VerifiedImage, ImageVerifyError>) -> Self {
        Fake {
            answer,
            by_image: BTreeMap::new(),
            seen: Mutex::new(Vec::new()),
        }
    }
}

impl ImageVerifier for Fake {
    fn verify(&self, request: &ImageVerifyRequest) -> Result<VerifiedImage, ImageVerifyError> {
        self.seen.lock().unwrap().push(request.clone());
        self.by_image
            .get(&request.image)
            .cloned()
            .unwrap_or_else(|| self.answer.clone())
    }
}

struct WithVerifier<'a>(&'a Fake);

impl Host for WithVerifier<'_> {
    fn image_verifier(&self) -> Option<&dyn ImageVerifier> {
        Some(self.0)
    }
}

fn keyless_sig(subject: &str, issuer: &str) -> VerifiedSignature {
    VerifiedSignature {
        subject_alternative_names: vec![subject.to_string()],
        issuer: Some(issuer.to_string()),
        ..Default::default()
    }
}

fn verified(sigs: Vec<VerifiedSignature>) -> Result<VerifiedImage, ImageVerifyError> {
    Ok(VerifiedImage {
        digest: DIGEST.into(),
        signatures: sigs,
    })
}

fn pod(images: &[&str]) -> Value {
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, im)| json!({"name": format!("c{i}"), "image": im}))
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "namespace": "kube-system"},
           "spec": {"containers": containers}})
}

fn policy(entries: &str) -> PolicySet {
    let text = format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: verify-k8s-images}}
spec:
  validationFailureAction: Audit
  rules:
  - name: verify
    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
    verifyImages:
{entries}
"#
    );
    PolicySet::from_yaml(&text).unwrap()
}

const KEYLESS: &str = r#"    - imageReferences: ["registry.k8s.io/*"]
      mutateDigest: false
      verifyDigest: false
      attestors:
      - entries:
        - keyless:
            issuer: https://accounts.google.com
            subject: krel-trust@k8s-releng-prod.iam.gserviceaccount.com
            rekor: {url: https://rekor.sigstore.dev}"#;

fn verify_results(set: &PolicySet, resource: &Value, host: &dyn Host) -> Vec<(RuleStatus, String)> {
    let eval = set.evaluate(&Request::create(resource), host);
    eval.verifications
        .iter()
        .flat_map(|p| p.rules.iter().map(|r| (r.status, r.message.clone())))
        .collect()
}

#[test]
fn subject_mismatch_fails_with_kyvernos_message() {
    let fake = Fake::new(verified(vec![keyless_sig(
        "k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com",
        "https://accounts.google.com",
    )]));
    let set = policy(KEYLESS);
    let got = verify_results(
        &set,
        &pod(&["registry.k8s.io/etcd:3.5.6-0"]),
        &WithVerifier(&fake),
    );
    assert_eq!(
        got,
        vec![(
            RuleStatus::Fail,
            "failed to verify image registry.k8s.io/etcd:3.5.6-0: .attestors[0].entries[0].keyless: subject mismatch: expected krel-trust@k8s-releng-prod.iam.gserviceaccount.com, received k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com".to_string()
        )]
    );
}

#[test]
fn matching_identity_passes_and_annotates() {
    let fake = Fake::new(verified(vec![keyless_sig(
        "krel-trust@k8s-releng-prod.iam.gserviceaccount.com",
        "https://accounts.google.com",
    )]));
    let set = policy(KEYLESS);
    let res = pod(&["registry.k8s.io/kube-proxy:v1.26.0"]);
    let eval = set.evaluate(&Request::create(&res), &WithVerifier(&fake));
    let rules = &eval.verifications[0].rules;
    assert_eq!(rules[0].status, RuleStatus::Pass);
    assert_eq!(
        rules[0].message,
        "verified image signatures for registry.k8s.io/kube-proxy:v1.26.0"
    );
    let ann = &eval.patched.unwrap()["metadata"]["annotations"];
    assert_eq!(
        ann["kyverno.io/verify-images"],
        r#"{"registry.k8s.io/kube-proxy:v1.26.0":"pass"}"#
    );
}

#[test]
fn issuer_mismatch_names_both_issuers() {
    let fake = Fake::new(verified(vec![keyless_sig(
        "krel-trust@k8s-releng-prod.iam.gserviceaccount.com",
        "https://token.actions.githubusercontent.com",
    )]));
    let got = verify_results(
        &policy(KEYLESS),
        &pod(&["registry.k8s.io/pause:3.9"]),
        &WithVerifier(&fake),
    );
    assert_eq!(got[0].0, RuleStatus::Fail);
    assert!(
        got[0].1.ends_with("issuer mismatch: expected https://accounts.google.com, received https://token.actions.githubusercontent.com"),
        "{}",
        got[0].1
    );
}

#[test]
fn count_one_of_two_entries_passes_when_the_second_verifies() {
    let entries = r#"    - imageReferences: ["ghcr.io/*"]
      mutateDigest: false
      attestors:
      - count: 1
        entries:
        - keyless: {subject: "alice@example.com", rekor: {url: https://rekor.sigstore.dev}}
        - keyless: {subject: "bob@example.com", rekor: {url: https://rekor.sigstore.dev}}"#;
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let got = verify_results(
        &policy(entries),
        &pod(&["ghcr.io/org/app:v1"]),
        &WithVerifier(&fake),
    );
    assert_eq!(got[0].0, RuleStatus::Pass, "{got:?}");
    // Without count, both entries must verify: alice's mismatch fails it.
    let strict = entries.replace("      - count: 1\n        entries:", "      - entries:");
    let got = verify_results(
        &policy(&strict),
        &pod(&["ghcr.io/org/app:v1"]),
        &WithVerifier(&fake),
    );
    assert_eq!(got[0].0, RuleStatus::Fail);
    assert_eq!(got[0].1, "failed to verify image ghcr.io/org/app:v1: .attestors[0].entries[0].keyless: subject mismatch: expected alice@example.com, received bob@example.com");
}

#[test]
fn skip_image_references_skip_with_kyvernos_message() {
    let entries = r#"    - imageReferences: ["registry.k8s.io/*"]
      skipImageReferences: ["registry.k8s.io/etcd*"]
      mutateDigest: false
      attestors:
      - entries:
        - keys: {publicKeys: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE05et+jrNFWOceh9KTfeYy4FSwV1E\nmVxMUXC9IZQlyMn2oahthQa4AEg0mOrbtXMnlA7zm7D7OB4As8RKVcy+Yg==\n-----END PUBLIC KEY-----"}"#;
    let fake = Fake::new(verified(vec![VerifiedSignature::default()]));
    let got = verify_results(
        &policy(entries),
        &pod(&["registry.k8s.io/etcd:3.5.6-0"]),
        &WithVerifier(&fake),
    );
    assert_eq!(
        got,
        vec![(RuleStatus::Skip, "skipping image reference image registry.k8s.io/etcd:3.5.6-0, policy verify-k8s-images ruleName verify".to_string())]
    );
    assert!(fake.seen.lock().unwrap().is_empty());
}

#[test]
fn mutate_digest_patches_the_tag_to_the_verified_digest() {
    let entries = r#"    - imageReferences: ["ghcr.io/*"]
      failureAction: Enforce
      attestors:
      - entries:
        - keyless: {subject: "bob@example.com", rekor: {url: https://rekor.sigstore.dev}}"#;
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let res = pod(&["ghcr.io/org/app:v1"]);
    let eval = set_eval(&policy(entries), &res, &fake);
    let patched = eval.patched.clone().unwrap();
    assert_eq!(
        patched["spec"]["containers"][0]["image"],
        format!("ghcr.io/org/app:v1@{DIGEST}")
    );
    let patch = eval.patch(&res);
    assert!(
        patch.contains(&json!({"op": "replace", "path": "/spec/containers/0/image", "value": format!("ghcr.io/org/app:v1@{DIGEST}")})),
        "{patch:?}"
    );
    // The validate stage then sees the digest and the recorded pass.
    let checks: Vec<_> = eval.policies.iter().flat_map(|p| p.rules.clone()).collect();
    assert_eq!(checks[0].status, RuleStatus::Pass);
    assert_eq!(checks[0].message, "image verified");
}

fn set_eval(set: &PolicySet, res: &Value, fake: &Fake) -> verno::Evaluation {
    set.evaluate(&Request::create(res), &WithVerifier(fake))
}

#[test]
fn verify_digest_fails_a_tag_only_image() {
    let entries = r#"    - imageReferences: ["ghcr.io/*"]
      mutateDigest: false
      attestors:
      - entries:
        - keyless: {subject: "bob@example.com", rekor: {url: https://rekor.sigstore.dev}}"#;
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let eval = set_eval(&policy(entries), &pod(&["ghcr.io/org/app:v1"]), &fake);
    let checks: Vec<_> = eval.policies.iter().flat_map(|p| p.rules.clone()).collect();
    assert_eq!(checks[0].status, RuleStatus::Fail);
    assert_eq!(checks[0].message, "missing digest for ghcr.io/org/app:v1");
}

#[test]
fn required_false_gives_no_unverified_failure() {
    let entries = r#"    - imageReferences: ["ghcr.io/*"]
      mutateDigest: false
      verifyDigest: false
      required: false
      attestors:
      - entries:
        - keyless: {subject: "alice@example.com", rekor: {url: https://rekor.sigstore.dev}}"#;
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let eval = set_eval(&policy(entries), &pod(&["ghcr.io/org/app:v1"]), &fake);
    let checks: Vec<_> = eval.policies.iter().flat_map(|p| p.rules.clone()).collect();
    // No check is asked for: the validate stage has nothing to say.
    assert!(checks.is_empty(), "{checks:?}");
    // required (the default) turns the failed verification into an
    // `unverified image` failure in the validate stage.
    let eval = set_eval(
        &policy(&entries.replace("      required: false\n", "")),
        &pod(&["ghcr.io/org/app:v1"]),
        &fake,
    );
    let checks: Vec<_> = eval.policies.iter().flat_map(|p| p.rules.clone()).collect();
    assert_eq!(checks[0].status, RuleStatus::Fail);
    assert_eq!(checks[0].message, "unverified image ghcr.io/org/app:v1");
}

#[test]
fn verifier_error_is_an_error_result_never_a_pass() {
    let fake = Fake::new(Err(ImageVerifyError {
        kind: ImageVerifyErrorKind::Timeout,
        message: "timed out fetching signatures".into(),
    }));
    let got = verify_results(
        &policy(KEYLESS),
        &pod(&["registry.k8s.io/pause:3.9"]),
        &WithVerifier(&fake),
    );
    assert_eq!(
        got,
        vec![(RuleStatus::Error, "failed to verify image registry.k8s.io/pause:3.9: .attestors[0].entries[0].keyless: timed out fetching signatures".to_string())]
    );
}

#[test]
fn no_verifier_is_an_error_result() {
    let got = verify_results(
        &policy(KEYLESS),
        &pod(&["registry.k8s.io/pause:3.9"]),
        &NoHost,
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, RuleStatus::Error);
    assert!(got[0].1.contains("no image verifier"), "{}", got[0].1);
}

#[test]
fn no_matching_signature_is_a_failure() {
    let fake = Fake::new(Err(ImageVerifyError {
        kind: ImageVerifyErrorKind::NoMatch,
        message: "no matching signatures".into(),
    }));
    let got = verify_results(
        &policy(KEYLESS),
        &pod(&["registry.k8s.io/pause:3.9"]),
        &WithVerifier(&fake),
    );
    assert_eq!(got[0].0, RuleStatus::Fail);
}

const ATTESTATION: &str = r#"    - imageReferences: ["ghcr.io/*"]
      mutateDigest: false
      verifyDigest: false
      attestations:
      - type: https://slsa.dev/provenance/v0.2
        attestors:
        - entries:
          - keyless: {subject: "bob@example.com", rekor: {url: https://rekor.sigstore.dev}}
        conditions:
        - all:
          - key: "{{ builder.id }}"
            operator: Equals
            value: https://github.com/actions"#;

fn attested(builder: &str) -> Result<VerifiedImage, ImageVerifyError> {
    let mut sig = keyless_sig("bob@example.com", "x");
    sig.statement = Some(json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "predicate": {"builder": {"id": builder}}
    }));
    verified(vec![sig])
}

#[test]
fn attestation_conditions_pass_on_the_predicate() {
    let fake = Fake::new(attested("https://github.com/actions"));
    let got = verify_results(
        &policy(ATTESTATION),
        &pod(&["ghcr.io/org/app:v1"]),
        &WithVerifier(&fake),
    );
    assert_eq!(
        got,
        // Kyverno names the image by the digest the attestations gave.
        vec![(
            RuleStatus::Pass,
            format!("verified image attestations for ghcr.io/org/app@{DIGEST}")
        )]
    );
    let seen = fake.seen.lock().unwrap();
    assert_eq!(
        seen[0].predicate_type.as_deref(),
        Some("https://slsa.dev/provenance/v0.2")
    );
}

#[test]
fn attestation_conditions_fail_with_counts() {
    let fake = Fake::new(attested("https://evil.example"));
    let got = verify_results(
        &policy(ATTESTATION),
        &pod(&["ghcr.io/org/app:v1"]),
        &WithVerifier(&fake),
    );
    assert_eq!(got[0].0, RuleStatus::Fail);
    assert!(
        got[0].1.starts_with("image attestations verification failed, verifiedCount: 0, requiredCount: 1, error: .attestations[0].attestors[0].entries[0].keyless: attestation checks failed for ghcr.io/org/app@sha256:"),
        "{}",
        got[0].1
    );
}

#[test]
fn attestation_of_another_type_is_not_found() {
    let fake = Fake::new(attested("https://github.com/actions"));
    let other = ATTESTATION.replace(
        "type: https://slsa.dev/provenance/v0.2",
        "type: https://cyclonedx.org/bom",
    );
    let got = verify_results(
        &policy(&other),
        &pod(&["ghcr.io/org/app:v1"]),
        &WithVerifier(&fake),
    );
    assert_eq!(got[0].0, RuleStatus::Fail);
    assert!(
        got[0]
            .1
            .ends_with("attestions not found for predicate type https://cyclonedx.org/bom"),
        "{}",
        got[0].1
    );
}

#[test]
fn walkthrough_second_image_reference_entry_fixes_etcd() {
    // Stage one: one entry for every registry.k8s.io image; etcd was
    // signed by the promoter, so its subject mismatches.
    let mut fake = Fake::new(verified(vec![keyless_sig(
        "krel-trust@k8s-releng-prod.iam.gserviceaccount.com",
        "https://accounts.google.com",
    )]));
    fake.by_image.insert(
        "registry.k8s.io/etcd:3.5.6-0".into(),
        verified(vec![keyless_sig(
            "k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com",
            "https://accounts.google.com",
        )]),
    );
    let images = [
        "registry.k8s.io/kube-apiserver:v1.26.0",
        "registry.k8s.io/etcd:3.5.6-0",
    ];
    let got = verify_results(&policy(KEYLESS), &pod(&images), &WithVerifier(&fake));
    let fails: Vec<_> = got.iter().filter(|(s, _)| *s == RuleStatus::Fail).collect();
    assert_eq!(fails.len(), 1, "{got:?}");
    // Stage two: etcd gets its own entry with the promoter's subject.
    let fixed = r#"    - imageReferences: ["registry.k8s.io/kube-*"]
      mutateDigest: false
      verifyDigest: false
      attestors:
      - entries:
        - keyless:
            issuer: https://accounts.google.com
            subject: krel-trust@k8s-releng-prod.iam.gserviceaccount.com
            rekor: {url: https://rekor.sigstore.dev}
    - imageReferences: ["registry.k8s.io/etcd:*"]
      mutateDigest: false
      verifyDigest: false
      attestors:
      - entries:
        - keyless:
            issuer: https://accounts.google.com
            subject: k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com
            rekor: {url: https://rekor.sigstore.dev}"#;
    let got = verify_results(&policy(fixed), &pod(&images), &WithVerifier(&fake));
    assert!(got.iter().all(|(s, _)| *s != RuleStatus::Fail), "{got:?}");
    assert_eq!(
        got.iter().filter(|(s, _)| *s == RuleStatus::Pass).count(),
        2
    );
}

fn load_error(entries: &str) -> verno::LoadError {
    let text = format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: bad-attestor}}
spec:
  validationFailureAction: Enforce
  rules:
  - name: verify
    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
    verifyImages:
{entries}
"#
    );
    match PolicySet::from_yaml(&text) {
        Ok(_) => panic!("policy loaded"),
        Err(e) => e,
    }
}

fn assert_located(e: &verno::LoadError, field: &str, text: &str) {
    let loc = e.location();
    assert_eq!(loc.policy.as_deref(), Some("bad-attestor"), "{e}");
    assert_eq!(loc.rule.as_deref(), Some("verify"), "{e}");
    assert_eq!(loc.field.as_deref(), Some(field), "{e}");
    assert!(e.to_string().contains(text), "{e}");
}

#[test]
fn bad_pem_public_key_is_a_load_error_naming_the_field() {
    let e = load_error(
        r#"    - imageReferences: ["*"]
      attestors:
      - entries:
        - keys: {publicKeys: "-----BEGIN PUBLIC KEY-----\nnot base64!!\n-----END PUBLIC KEY-----"}"#,
    );
    assert_located(
        &e,
        "spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.publicKeys",
        "failed to load public key from PEM",
    );
}

#[test]
fn invalid_subject_regexp_is_a_load_error_naming_the_field() {
    let e = load_error(
        r#"    - imageReferences: ["*"]
      attestors:
      - entries:
        - keyless: {subjectRegExp: "a(b", rekor: {url: https://rekor.sigstore.dev}}"#,
    );
    assert_located(
        &e,
        "spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.subjectRegExp",
        "invalid regexp for subject: a(b",
    );
}

#[test]
fn invalid_issuer_regexp_is_a_load_error_naming_the_field() {
    let e = load_error(
        r#"    - imageReferences: ["*"]
      attestors:
      - entries:
        - keyless: {issuerRegExp: "[z-a]", rekor: {url: https://rekor.sigstore.dev}}"#,
    );
    assert_located(
        &e,
        "spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.issuerRegExp",
        "invalid regexp for issuer",
    );
}

#[test]
fn empty_entries_is_a_load_error_with_kyvernos_message() {
    let e = load_error(
        r#"    - imageReferences: ["*"]
      attestors:
      - entries: []"#,
    );
    assert_located(
        &e,
        "spec.rules[0].verifyImages[0].attestors[0]",
        "spec.rules[0].verifyImages[0].attestors[0]: Invalid value: v1.AttestorSet{...}: An entry is required",
    );
}

#[test]
fn audit_with_mutate_digest_is_rejected_as_kyverno_does() {
    let text = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: audit-digest}
spec:
  validationFailureAction: Audit
  rules:
  - name: verify
    match: {any: [{resources: {kinds: [Pod]}}]}
    verifyImages:
    - imageReferences: ["*"]
      attestors:
      - entries:
        - keyless: {subject: x, rekor: {url: https://rekor.sigstore.dev}}
"#;
    let Err(e) = PolicySet::from_yaml(text) else {
        panic!("policy loaded")
    };
    assert!(
        e.to_string()
            .contains("mutateDigest must be set to false for ‘Audit’ failure action"),
        "{e}"
    );
}

#[test]
fn mutate_digest_pins_the_digest_even_when_verification_fails() {
    // Kyverno fetches the descriptor for any tag it checked, verified or not.
    let entries = r#"    - imageReferences: ["ghcr.io/*"]
      failureAction: Enforce
      verifyDigest: false
      required: false
      attestors:
      - entries:
        - keyless: {subject: "alice@example.com", rekor: {url: https://rekor.sigstore.dev}}"#;
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let res = pod(&["ghcr.io/org/app:v1"]);
    let eval = set_eval(&policy(entries), &res, &fake);
    let rules = &eval.verifications[0].rules;
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0].status, RuleStatus::Fail);
    assert!(!eval.allowed());
    assert_eq!(
        eval.patched.unwrap()["spec"]["containers"][0]["image"],
        format!("ghcr.io/org/app:v1@{DIGEST}")
    );
}

#[test]
fn invalid_attestor_from_the_verifier_is_an_error_result() {
    let fake = Fake::new(Err(ImageVerifyError {
        kind: ImageVerifyErrorKind::InvalidAttestor,
        message: "failed to load public key from PEM".into(),
    }));
    let got = verify_results(
        &policy(KEYLESS),
        &pod(&["registry.k8s.io/pause:3.9"]),
        &WithVerifier(&fake),
    );
    assert_eq!(got[0].0, RuleStatus::Error, "{got:?}");
}

#[test]
fn unmet_preconditions_skip_both_stages() {
    let text = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: gated}
spec:
  validationFailureAction: Enforce
  rules:
  - name: verify
    match: {any: [{resources: {kinds: [Pod]}}]}
    preconditions:
      all:
      - {key: "{{ request.object.metadata.namespace }}", operator: Equals, value: prod}
    verifyImages:
    - imageReferences: ["ghcr.io/*"]
      attestors:
      - entries:
        - keyless: {subject: "bob@example.com", rekor: {url: https://rekor.sigstore.dev}}
"#;
    let set = PolicySet::from_yaml(text).unwrap();
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let eval = set_eval(&set, &pod(&["ghcr.io/org/app:v1"]), &fake);
    let all: Vec<_> = eval
        .verifications
        .iter()
        .chain(&eval.policies)
        .flat_map(|p| p.rules.clone())
        .collect();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all.iter().all(|r| r.status == RuleStatus::Skip), "{all:?}");
    assert!(
        all[0].message.starts_with("preconditions not met"),
        "{all:?}"
    );
    assert!(fake.seen.lock().unwrap().is_empty());
}

#[test]
fn verification_request_json_spells_attestor_fields_in_camel_case() {
    let keys = ImageVerifyRequest {
        image: "docker.io/nginx:latest".into(),
        repository: None,
        attestor: verno::AttestorSpec::Keys {
            public_keys: "PEM".into(),
            signature_algorithm: "sha256".into(),
        },
        predicate_type: None,
        transparency: verno::TransparencyOptions {
            ignore_sct: true,
            ..Default::default()
        },
    };
    let v = verno::api::image_request_to_value(&keys);
    assert_eq!(
        v["attestor"],
        json!({"type": "keys", "publicKeys": "PEM", "signatureAlgorithm": "sha256"})
    );
    assert_eq!(
        v["transparency"],
        json!({"ignoreTlog": false, "ignoreSCT": true})
    );
    let certs = ImageVerifyRequest {
        attestor: verno::AttestorSpec::Certificates {
            cert: None,
            cert_chain: Some("CHAIN".into()),
        },
        ..keys
    };
    let v = verno::api::image_request_to_value(&certs);
    assert_eq!(
        v["attestor"],
        json!({"type": "certificates", "certChain": "CHAIN"})
    );
    let back: ImageVerifyRequest = serde_json::from_value(v).unwrap();
    assert_eq!(back, certs);
}

fn update<'a>(object: &'a Value, old: &'a Value) -> Request<'a> {
    Request {
        old_object: Some(old),
        operation: verno::Operation::Update,
        ..Request::create(object)
    }
}

fn no_match() -> Result<VerifiedImage, ImageVerifyError> {
    Err(ImageVerifyError {
        kind: ImageVerifyErrorKind::NoMatch,
        message: "no matching signatures".into(),
    })
}

/// The Pod as the CREATE admitted it: verified, with the annotations.
fn admitted_etcd() -> Value {
    let set = policy(KEYLESS);
    let fake = Fake::new(verified(vec![keyless_sig(
        "krel-trust@k8s-releng-prod.iam.gserviceaccount.com",
        "https://accounts.google.com",
    )]));
    let eval = set_eval(&set, &pod(&["registry.k8s.io/etcd:3.5.6-0"]), &fake);
    eval.patched.expect("annotated")
}

#[test]
fn image_previously_verified_in_old_object_is_not_verified_again() {
    let old = admitted_etcd();
    let mut new = old.clone();
    new["metadata"]["labels"] = json!({"touched": "yes"});
    // Verifying again would now fail: the shortcut must not ask.
    let fake = Fake::new(no_match());
    let eval = policy(KEYLESS).evaluate(&update(&new, &old), &WithVerifier(&fake));
    assert!(fake.seen.lock().unwrap().is_empty());
    let verify: Vec<_> = eval
        .verifications
        .iter()
        .flat_map(|p| p.rules.clone())
        .collect();
    assert!(verify.is_empty(), "{verify:?}");
    // It is recorded as passed again, so `required` is met.
    let checks: Vec<_> = eval.policies.iter().flat_map(|p| p.rules.clone()).collect();
    assert_eq!(checks[0].status, RuleStatus::Pass);
    assert_eq!(checks[0].message, "image verified");
}

#[test]
fn changed_image_on_update_is_verified_again() {
    let old = admitted_etcd();
    let mut new = old.clone();
    new["spec"]["containers"][0]["image"] = json!("registry.k8s.io/etcd:3.5.7-0");
    let fake = Fake::new(no_match());
    let eval = policy(KEYLESS).evaluate(&update(&new, &old), &WithVerifier(&fake));
    assert_eq!(fake.seen.lock().unwrap().len(), 1);
    assert_eq!(eval.verifications[0].rules[0].status, RuleStatus::Fail);
    // Same for an update whose old object never passed this rule.
    let mut unverified = old.clone();
    unverified["metadata"]["annotations"] = json!({});
    let fake = Fake::new(no_match());
    let eval = policy(KEYLESS).evaluate(&update(&old, &unverified), &WithVerifier(&fake));
    assert_eq!(fake.seen.lock().unwrap().len(), 1);
    assert_eq!(eval.verifications[0].rules[0].status, RuleStatus::Fail);
}

const VALIDATED: &str = r#"    - imageReferences: ["ghcr.io/*"]
      mutateDigest: false
      verifyDigest: false
      attestations:
      - type: https://slsa.dev/provenance/v0.2
        name: prov
        attestors:
        - entries:
          - keyless: {subject: "bob@example.com", rekor: {url: https://rekor.sigstore.dev}}
      validate:
        message: builder is not trusted
        deny:
          conditions:
            any:
            - key: "{{ prov.builder.id }}"
              operator: NotEquals
              value: https://github.com/actions"#;

#[test]
fn verify_images_validate_deny_fails_with_its_message_after_the_attestations() {
    let fake = Fake::new(attested("https://evil.example"));
    let got = verify_results(
        &policy(VALIDATED),
        &pod(&["ghcr.io/org/app:v1"]),
        &WithVerifier(&fake),
    );
    assert_eq!(
        got,
        vec![(
            RuleStatus::Fail,
            "validation in verifyImages failed: builder is not trusted".to_string()
        )]
    );
}

#[test]
fn verify_images_validate_passes_with_kyvernos_message_when_not_denied() {
    let fake = Fake::new(attested("https://github.com/actions"));
    let got = verify_results(
        &policy(VALIDATED),
        &pod(&["ghcr.io/org/app:v1"]),
        &WithVerifier(&fake),
    );
    assert_eq!(
        got,
        vec![(
            RuleStatus::Pass,
            "verifyImages validation is passed in verify rule".to_string()
        )]
    );
}

#[test]
fn verify_images_validate_without_message_names_no_rule() {
    let fake = Fake::new(attested("https://evil.example"));
    let entries = VALIDATED.replace("        message: builder is not trusted\n", "");
    let got = verify_results(
        &policy(&entries),
        &pod(&["ghcr.io/org/app:v1"]),
        &WithVerifier(&fake),
    );
    assert_eq!(
        got,
        vec![(
            RuleStatus::Fail,
            "validation in verifyImages failed: validation error: imageVerify  failed".to_string()
        )]
    );
}

fn task_policy(extractors: &str, entries: &str) -> String {
    format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: verify-tasks}}
spec:
  validationFailureAction: Audit
  rules:
  - name: verify
    match: {{any: [{{resources: {{kinds: [Task]}}}}]}}
    imageExtractors:
{extractors}
    verifyImages:
{entries}
"#
    )
}

const TASK_ENTRIES: &str = r#"    - imageReferences: ["*"]
      mutateDigest: false
      verifyDigest: false
      required: false
      attestors:
      - entries:
        - keyless: {subject: "bob@example.com", rekor: {url: https://rekor.sigstore.dev}}"#;

fn task() -> Value {
    json!({"apiVersion": "tekton.dev/v1beta1", "kind": "Task",
    "metadata": {"name": "t", "namespace": "ci"},
    "spec": {"steps": [
        {"name": "build", "image": "ghcr.io/org/builder:v1"},
        {"name": "push", "image": "ghcr.io/org/pusher:v2"}
    ]}})
}

#[test]
fn image_extractors_select_images_of_a_custom_kind() {
    let extractors = r#"      Task:
      - name: steps
        path: /spec/steps/*
        value: image
        key: name"#;
    let set = PolicySet::from_yaml(&task_policy(extractors, TASK_ENTRIES)).unwrap();
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let got = verify_results(&set, &task(), &WithVerifier(&fake));
    assert_eq!(
        got,
        vec![
            (
                RuleStatus::Pass,
                "verified image signatures for ghcr.io/org/builder:v1".to_string()
            ),
            (
                RuleStatus::Pass,
                "verified image signatures for ghcr.io/org/pusher:v2".to_string()
            ),
        ]
    );
    let seen: Vec<String> = fake
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.image.clone())
        .collect();
    assert_eq!(
        seen,
        vec!["ghcr.io/org/builder:v1", "ghcr.io/org/pusher:v2"]
    );
}

#[test]
fn image_extractor_defaults_value_to_the_last_path_field_and_applies_its_jmes_path() {
    // No `name` (so `images.custom`), no `key` (so the JSON pointer), the
    // value read from the path's last field, a prefix trimmed by JMESPath;
    // a precondition reads the extracted image from the `images` variable.
    let extractors = r#"      Task:
      - path: /spec/source/image
        jmesPath: "trim_prefix(@, 'docker://')""#;
    let mut res = task();
    res["spec"]["source"] = json!({"image": "docker://nginx:1.25"});
    let policy = task_policy(extractors, TASK_ENTRIES).replace(
        "    imageExtractors:",
        "    preconditions:\n      all:\n      - key: \"{{ images.custom.\\\"/spec/source/image\\\".name }}\"\n        operator: Equals\n        value: nginx\n    imageExtractors:",
    );
    let set = PolicySet::from_yaml(&policy).unwrap();
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let got = verify_results(&set, &res, &WithVerifier(&fake));
    assert_eq!(
        got,
        vec![(
            RuleStatus::Pass,
            "verified image signatures for docker.io/nginx:1.25".to_string()
        )]
    );
}

#[test]
fn image_extractor_without_the_key_field_is_an_error_result() {
    let extractors = r#"      Task:
      - path: /spec/steps/*
        value: image
        key: id"#;
    let set = PolicySet::from_yaml(&task_policy(extractors, TASK_ENTRIES)).unwrap();
    let fake = Fake::new(verified(vec![keyless_sig("bob@example.com", "x")]));
    let got = verify_results(&set, &task(), &WithVerifier(&fake));
    assert_eq!(
        got,
        vec![(
            RuleStatus::Error,
            "failed to instantiate handler: failed to extract images: invalid key".to_string()
        )]
    );
}

#[test]
fn image_extractor_jmes_path_with_mutate_digest_is_a_load_error() {
    let extractors = r#"      Task:
      - path: /spec/source/image
        jmesPath: "trim_prefix(@, 'docker://')""#;
    let entries = TASK_ENTRIES.replace(
        "mutateDigest: false",
        "mutateDigest: true\n      failureAction: Enforce",
    );
    let e = PolicySet::from_yaml(&task_policy(extractors, &entries)).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("path: spec.rules[0]: jmespath may not be used in an image extractor when mutating digests with verify images"),
        "{text}"
    );
    assert!(text.contains("verify-tasks"), "{text}");
}

#[test]
fn image_extractor_without_a_path_is_a_load_error_naming_the_field() {
    let extractors = r#"      Task:
      - value: image"#;
    let e = PolicySet::from_yaml(&task_policy(extractors, TASK_ENTRIES)).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("spec.rules[0].imageExtractors.Task[0].path: Required value"),
        "{text}"
    );
}
