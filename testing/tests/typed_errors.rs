//! A test that cannot be judged fails with a typed error that names the
//! file and the field, so callers (bindings, the playground) can point at
//! them without parsing text.

use std::path::{Path, PathBuf};

use verno_test::run::{run_file, RunOptions};
use verno_test::testfile::DecodeError;
use verno_test::{MemFiles, TestError};

fn only_error(files: &[(&str, &str)]) -> TestError {
    let files = MemFiles::new(files.iter().map(|(p, t)| (*p, t.to_string()))).unwrap();
    let mut reports = run_file(
        &files,
        Path::new("t/kyverno-test.yaml"),
        &RunOptions::default(),
    );
    assert_eq!(reports.len(), 1);
    let report = reports.remove(0);
    assert!(report.rows.is_empty());
    assert_eq!(report.failed(), 1);
    report.error.expect("an error")
}

#[test]
fn test_field_of_the_wrong_type_is_a_decode_error_naming_file_and_field() {
    let error = only_error(&[(
        "t/kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nresults:\n- {policy: p, rule: r, result: [pass]}\n",
    )]);
    let text = error.to_string();
    match error {
        TestError::Decode { path, detail } => {
            assert_eq!(path, PathBuf::from("t/kyverno-test.yaml"));
            assert_eq!(
                detail,
                DecodeError::WrongType {
                    at: "Test.results[0].result".into(),
                    expected: "a string",
                    got: "a list",
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        text,
        "Test errors: Test.results[0].result: expected a string, got a list"
    );
}

#[test]
fn values_file_that_does_not_decode_is_an_error_naming_the_values_file() {
    let error = only_error(&[
        (
            "t/kyverno-test.yaml",
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nvariables: values.yaml\nresults:\n- {policy: p, rule: r, result: pass}\n",
        ),
        ("t/values.yaml", "kind: Values\nglobalValue: {}\n"),
    ]);
    match error {
        TestError::Values { path, detail } => {
            assert_eq!(path, Some(PathBuf::from("t/values.yaml")));
            assert_eq!(
                detail,
                DecodeError::UnknownField {
                    at: "Values".into(),
                    field: "globalValue".into(),
                }
            );
        }
        other => panic!("{other:?}"),
    }
}
