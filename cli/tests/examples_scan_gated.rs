//! The shipped scan-gated admission examples (`examples/scan-gated`) pass
//! their own tests under `--strict`: the accepted-only policy and the
//! variant that also admits `report_not_available`, with tags pinned to the
//! scanned digest and the `dev` namespace let through.

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
