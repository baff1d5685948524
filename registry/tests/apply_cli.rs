//! `verno apply --registry` end to end: the walkthrough's two-stage
//! `verify-k8s-images` policy against images signed here, keyless-style,
//! in a loopback registry. First the etcd image's subject mismatch fails,
//! then the fixed policy (a second `imageReferences` entry for etcd) passes.
//!
//! Needs a release build of the CLI (`cargo build --release -p verno-cli`;
//! `cargo test --release --workspace` builds it before running tests).
//! The binary is `VERNO_BIN`, or the workspace's `target/release/verno`.

mod support;

use std::path::PathBuf;
use std::process::Command;

const APISERVER_SUBJECT: &str = "krel-trust@k8s-releng-prod.iam.gserviceaccount.com";
const ETCD_SUBJECT: &str = "k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com";
const ISSUER: &str = "https://accounts.google.com";

fn verno_bin() -> PathBuf {
    std::env::var_os("VERNO_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/verno")
        })
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

fn entry(subject: &str, roots: &str) -> String {
    format!(
        "      attestors:\n      - entries:\n        - keyless:\n            issuer: {ISSUER}\n            subject: {subject}\n            roots: |\n{}            rekor:\n              url: https://rekor.sigstore.dev\n              ignoreTlog: true\n            ctlog:\n              ignoreSCT: true\n",
        indent(roots, 14)
    )
}

fn policy(reg: &str, roots: &str, fixed: bool) -> String {
    let mut p = format!(
        "apiVersion: kyverno.io/v1\nkind: Policy\nmetadata:\n  name: verify-k8s-images\n  namespace: kube-system\nspec:\n  validationFailureAction: Audit\n  rules:\n  - name: verify-k8s-images\n    match:\n      any:\n      - resources:\n          kinds:\n          - Pod\n    verifyImages:\n    - imageReferences:\n      - \"{reg}/*\"\n"
    );
    if fixed {
        p.push_str(&format!(
            "      skipImageReferences:\n      - \"{reg}/etcd:*\"\n"
        ));
    }
    p.push_str("      mutateDigest: false\n      verifyDigest: false\n");
    p.push_str(&entry(APISERVER_SUBJECT, roots));
    if fixed {
        p.push_str(&format!(
            "    - imageReferences:\n      - \"{reg}/etcd:*\"\n      mutateDigest: false\n      verifyDigest: false\n"
        ));
        p.push_str(&entry(ETCD_SUBJECT, roots));
    }
    p
}

fn pod(apiserver: &str, etcd: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: control-plane\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: {apiserver}\n  - name: etcd\n    image: {etcd}\n"
    )
}

#[test]
fn apply_registry_fails_on_the_subject_mismatch_then_passes_with_the_fixed_policy() {
    let Some(reg) = support::start() else { return };
    let ca = support::new_ca("k8s test CA");
    let mut images = Vec::new();
    for (repo, tag, subject) in [
        ("kube-apiserver", "v1.26.0", APISERVER_SUBJECT),
        ("etcd", "3.5.6-0", ETCD_SUBJECT),
    ] {
        let key = support::new_key();
        let cert = support::keyless_cert(&ca, &key, subject, None, ISSUER);
        let pushed = reg.push_image(repo, tag, &format!("{repo}-layer"));
        let payload = support::simple_signing(&pushed, &[]);
        reg.push_artifact(
            &pushed,
            "sig",
            vec![support::signature_layer(&key, payload, Some(&cert))],
        );
        images.push(pushed.image);
    }
    let dir = std::env::temp_dir().join(format!("verno-apply-registry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let resource = dir.join("pod.yaml");
    std::fs::write(&resource, pod(&images[0], &images[1])).expect("pod");

    let run = |fixed: bool| {
        let file = dir.join(if fixed { "fixed.yaml" } else { "policy.yaml" });
        std::fs::write(&file, policy(&reg.host, &ca.pem, fixed)).expect("policy");
        let out = Command::new(verno_bin())
            .arg("apply")
            .arg(&file)
            .arg("-r")
            .arg(&resource)
            .arg("--registry")
            .output()
            .expect("run verno");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };

    let (code, stdout) = run(false);
    let expected = format!(
        "failed to verify image {}: .attestors[0].entries[0].keyless: subject mismatch: expected {APISERVER_SUBJECT}, received {ETCD_SUBJECT}",
        images[1]
    );
    assert!(stdout.contains(&expected), "{stdout}");
    assert_eq!(code, Some(1), "{stdout}");

    let (code, stdout) = run(true);
    assert!(stdout.contains("fail: 0, warn: 0, error: 0"), "{stdout}");
    assert_eq!(code, Some(0), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
