//! `verifyImages` from the command line: `--image-data` fixtures for
//! `verno apply` and `verno test`, the walkthrough's two stages, and
//! mutate results in `--policy-report`.

mod support;

use std::path::{Path, PathBuf};

use support::{verno, Scratch};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/verify-images")
}

fn example(file: &str) -> String {
    example_dir().join(file).display().to_string()
}

#[test]
fn walkthrough_stage_one_fails_etcd_on_subject_mismatch() {
    let dir = example_dir();
    let out = verno(
        &dir,
        &[
            "apply",
            &example("policy-stage1.yaml"),
            "-r",
            &example("pods.yaml"),
            "--image-data",
            &example("image-data.yaml"),
        ],
    );
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains(
        "failed to verify image registry.k8s.io/etcd:3.5.6-0: .attestors[0].entries[0].keyless: subject mismatch: expected krel-trust@k8s-releng-prod.iam.gserviceaccount.com, received k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com"
    ), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("pass: 2, fail: 1, warn: 0, error: 0, skip: 0"),
        "{}",
        out.stdout
    );
}

#[test]
fn walkthrough_stage_two_second_entry_passes_every_image() {
    let out = verno(
        &example_dir(),
        &[
            "apply",
            &example("policy-stage2.yaml"),
            "-r",
            &example("pods.yaml"),
            "--image-data",
            &example("image-data.yaml"),
        ],
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    // etcd matches both entries, so Kyverno checks it twice per entry
    // (`GetMatchingImages` lists it once per matching entry): the first
    // entry skips it twice, the second passes it twice; the other images
    // pass the first entry and are skipped by the second.
    assert!(
        out.stdout
            .contains("pass: 4, fail: 0, warn: 0, error: 0, skip: 4"),
        "{}",
        out.stdout
    );
}

#[test]
fn apply_without_image_data_gives_error_results_not_passes() {
    let out = verno(
        &example_dir(),
        &[
            "apply",
            &example("policy-stage2.yaml"),
            "-r",
            &example("pods.yaml"),
        ],
    );
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("pass: 0, fail: 0, warn: 0, error: 4, skip: 4"),
        "{}",
        out.stdout
    );
}

#[test]
fn test_command_reads_image_data() {
    let out = verno(
        &example_dir(),
        &["test", ".", "--image-data", &example("image-data.yaml")],
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("3 tests passed and 0 tests failed"),
        "{}",
        out.stdout
    );
}

#[test]
fn malformed_image_data_is_an_error_naming_file_and_field() {
    let s = Scratch::new("bad-image-data");
    let bad = s.write(
        "data.yaml",
        "images:\n- image: registry.k8s.io/*\n  digest: sha256:abc\n",
    );
    let bad = bad.display().to_string();
    for args in [
        vec![
            "apply",
            &example("policy-stage1.yaml") as &str,
            "-r",
            &example("pods.yaml"),
            "--image-data",
            &bad,
        ],
        vec!["test", ".", "--image-data", &bad],
    ] {
        let out = verno(&example_dir(), &args);
        assert_eq!(out.code, Some(1), "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr
                .contains(&format!("image data {bad}: images[0].digest:")),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn image_data_error_kind_unavailable_is_an_error_result() {
    let s = Scratch::new("unavailable-image-data");
    let data = s.write(
        "data.yaml",
        "images:\n- image: registry.k8s.io/*\n  error: {kind: timeout, message: registry timed out}\n",
    );
    let out = verno(
        &example_dir(),
        &[
            "apply",
            &example("policy-stage1.yaml"),
            "-r",
            &example("pods.yaml"),
            "--image-data",
            &data.display().to_string(),
            "-p",
        ],
    );
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.contains("result: error"), "{}", out.stdout);
    assert!(out.stdout.contains("registry timed out"), "{}", out.stdout);
    assert!(!out.stdout.contains("result: pass"), "{}", out.stdout);
}

const MUTATE: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: add-team}
spec:
  rules:
  - name: add-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge: {metadata: {labels: {team: web}}}
"#;

const GOOD_POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: good-pod, namespace: default}
spec: {containers: [{name: nginx, image: nginx:1.25}]}
"#;

#[test]
fn policy_report_includes_mutate_results_with_kyvernos_message() {
    let s = Scratch::new("mutate-report");
    s.write("policy.yaml", MUTATE);
    s.write("pod.yaml", GOOD_POD);
    let out = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "pod.yaml", "--policy-report"],
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("message: mutated Pod/good-pod in namespace default"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("rule: add-team"), "{}", out.stdout);
    assert!(out.stdout.contains("pass: 1"), "{}", out.stdout);
}
