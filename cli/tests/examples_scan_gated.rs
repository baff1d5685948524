//! The shipped scan-gated admission examples (`examples/scan-gated`) pass
//! their own tests under `--strict`: the accepted-only policy and the
//! variant that also admits `report_not_available`, with tags pinned to the
//! scanned digest and the `dev` namespace let through. The tests mock the
//! scanner with `apiCallResponses`; `verno apply -f values.yaml` with values.

mod support;

use std::path::Path;

use support::verno;

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/scan-gated")
}

#[test]
fn scan_gated_examples_pass_their_tests_strictly() {
    let out = verno(
        &examples(),
        &["test", ".", "--strict", "--detailed-results"],
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("Test Summary: 10 tests passed and 0 tests failed"),
        "{}",
        out.stdout
    );
}

#[test]
fn scan_gated_denial_names_the_image_and_the_status() {
    let out = verno(&examples(), &["test", ".", "--detailed-results"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "image ghcr.io/acme/web:1.5.0-rc1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef is not admitted: scan status is report_not_available"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn scan_gated_example_applies_with_its_values_file() {
    let out = verno(
        &examples(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "resources.yaml",
            "-f",
            "values.yaml",
        ],
    );
    // Every gated Pod is pinned (3 mutate passes); the rejected and the
    // pending Pod are denied; the dev Pod is not gated.
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "image ghcr.io/acme/web:1.3.0@sha256:9a8b7c6d5e4f30211a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081 is not admitted: scan status is rejected"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("pass: 4, fail: 2, warn: 0, error: 0, skip: 0"),
        "{}",
        out.stdout
    );
}
