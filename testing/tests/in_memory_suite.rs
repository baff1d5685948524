//! A suite runs the same from a map of file name → text as from the disk:
//! relative paths (`../policy.yaml`, a resource folder) resolve inside the
//! map, and a path the map does not hold is an error naming it, never a
//! read of the disk.

use std::path::{Path, PathBuf};

use verno_test::input::InputError;
use verno_test::run::{run_file, Row, RunOptions};
use verno_test::{DiskFiles, Files, MemFiles, TestError};

const POLICIES: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: add-label}
spec:
  rules:
  - name: add
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge: {metadata: {labels: {mutated: "yes"}}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label team is required"
      pattern: {metadata: {labels: {team: "?*"}}}
"#;

const GOOD_POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: good, namespace: default, labels: {team: web}}
spec: {containers: [{name: c, image: busybox}]}
"#;

const BAD_POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: prod, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
"#;

const PATCHED: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: good, namespace: default, labels: {team: web, mutated: "yes"}}
spec: {containers: [{name: c, image: busybox}]}
"#;

const VALUES: &str = r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Values
globalValues: {unused: "x"}
"#;

const TEST: &str = r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: in-memory}
policies: [../policies.yaml]
resources: [../resources]
variables: ../values.yaml
results:
- {policy: require-team, rule: check-team, resources: [good], kind: Pod, result: pass}
- {policy: require-team, rule: check-team, resources: [prod], kind: Pod, result: fail}
- {policy: add-label, rule: add, resources: [good], kind: Pod, result: pass, patchedResources: ../patched.yaml}
- {policy: require-team, rule: check-team, resources: [prod], kind: Pod, result: pass}
"#;

fn suite() -> Vec<(&'static str, &'static str)> {
    vec![
        (".kyverno-test/kyverno-test.yaml", TEST),
        ("policies.yaml", POLICIES),
        ("resources/good.yaml", GOOD_POD),
        ("resources/bad.yaml", BAD_POD),
        // Hidden and non-YAML entries of a resource folder are not read.
        ("resources/.hidden.yaml", "not: [valid"),
        ("resources/notes.txt", "not yaml"),
        ("patched.yaml", PATCHED),
        ("values.yaml", VALUES),
    ]
}

fn in_memory(files: &[(&str, &str)]) -> MemFiles {
    MemFiles::new(files.iter().map(|(p, t)| (*p, t.to_string()))).unwrap()
}

fn on_disk(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn strict() -> RunOptions<'static> {
    RunOptions {
        strict: true,
        ..RunOptions::default()
    }
}

fn rows(files: &dyn Files, test: &Path) -> Vec<Row> {
    let reports = run_file(files, test, &strict());
    assert_eq!(reports.len(), 1);
    let report = reports.into_iter().next().unwrap();
    assert!(report.error.is_none(), "{:?}", report.error);
    report.rows
}

#[test]
fn in_memory_suite_gives_the_same_rows_as_the_same_files_on_disk() {
    let files = suite();
    let memory = rows(
        &in_memory(&files),
        Path::new(".kyverno-test/kyverno-test.yaml"),
    );
    let dir = on_disk("same-rows", &files);
    let disk = rows(
        &DiskFiles::confined(&dir).unwrap(),
        &dir.join(".kyverno-test/kyverno-test.yaml"),
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(memory, disk);
    let verdicts: Vec<(&str, &str, &str, &str)> = memory
        .iter()
        .map(|r| {
            (
                r.policy.as_str(),
                r.resource.as_str(),
                r.result,
                r.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("require-team", "v1/Pod/default/good", "Pass", "Ok"),
            ("require-team", "v1/Pod/default/prod", "Pass", "Ok"),
            ("add-label", "v1/Pod/default/good", "Pass", "Ok"),
            (
                "require-team",
                "v1/Pod/default/prod",
                "Fail",
                "Want pass, got fail"
            ),
        ]
    );
}

#[test]
fn in_memory_paths_are_normalised_so_a_test_at_the_top_reads_the_same_files() {
    let mut files = suite();
    files[0] = (
        "./kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\npolicies: [sub/../policies.yaml]\nresources: [/resources/good.yaml]\nresults:\n- {policy: require-team, rule: check-team, resources: [good], result: pass}\n",
    );
    let rows = rows(&in_memory(&files), Path::new("kyverno-test.yaml"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].result, "Pass");
}

#[test]
fn in_memory_path_climbing_above_the_map_is_an_error_not_a_disk_read() {
    let files = [(
        "kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\npolicies: [../../../etc/passwd]\nresources: []\nresults:\n- {policy: p, rule: r, resources: [x], result: pass}\n",
    )];
    let reports = run_file(
        &in_memory(&files),
        Path::new("kyverno-test.yaml"),
        &strict(),
    );
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].failed(), 1);
    match &reports[0].error {
        Some(TestError::File(InputError::AboveMap { path })) => {
            assert_eq!(path, Path::new("../../../etc/passwd"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn in_memory_missing_file_is_an_error_naming_it() {
    let mut files = suite();
    files.retain(|(p, _)| *p != "policies.yaml");
    let reports = run_file(
        &in_memory(&files),
        Path::new(".kyverno-test/kyverno-test.yaml"),
        &strict(),
    );
    let error = reports[0].error.as_ref().expect("an error").to_string();
    assert_eq!(
        error,
        ".kyverno-test/../policies.yaml: no such file among the files given"
    );
    assert_eq!(reports[0].passed(), 0);
}

#[test]
fn confined_disk_files_refuse_a_file_outside_their_tree() {
    let dir = on_disk("confined", &[("suite/a.yaml", "a: 1"), ("b.yaml", "b: 1")]);
    let files = DiskFiles::confined(&dir.join("suite")).unwrap();
    assert!(files.read(&dir.join("suite/a.yaml")).is_ok());
    let outside = files.read(&dir.join("suite/../b.yaml"));
    let unconfined = DiskFiles::unconfined().read(&dir.join("suite/../b.yaml"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        matches!(outside, Err(InputError::Outside { .. })),
        "{outside:?}"
    );
    assert_eq!(unconfined.unwrap(), "b: 1");
}

#[test]
fn disk_files_refuse_a_file_over_their_size_limit() {
    let dir = on_disk("limit", &[("big.yaml", "a: 123456789")]);
    let files = DiskFiles::confined(&dir).unwrap().with_limit(4);
    let read = files.read(&dir.join("big.yaml"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        matches!(read, Err(InputError::TooLarge { limit: 4, .. })),
        "{read:?}"
    );
}

#[test]
fn run_suite_finds_every_test_file_of_the_map_and_reports_json_rows() {
    let mut files: Vec<(String, String)> = suite()
        .into_iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    files.push((
        "other/kyverno-test.yaml".into(),
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\npolicies: [../policies.yaml]\nresources: [../resources/good.yaml]\nresults:\n- {policy: require-team, rule: check-team, resources: [good], result: pass}\n".into(),
    ));
    let reports = verno_test::run_suite(files, "kyverno-test.yaml", &strict()).unwrap();
    let json: Vec<serde_json::Value> = reports.iter().map(verno_test::report_json).collect();
    assert_eq!(json.len(), 2);
    assert_eq!(json[0]["path"], ".kyverno-test/kyverno-test.yaml");
    assert_eq!(json[0]["passed"], 3);
    assert_eq!(json[0]["failed"], 1);
    assert_eq!(json[0]["error"], serde_json::Value::Null);
    assert_eq!(json[1]["path"], "other/kyverno-test.yaml");
    assert_eq!(
        json[1]["rows"],
        serde_json::json!([{
            "policy": "require-team", "rule": "check-team",
            "resource": "v1/Pod/default/good", "result": "Pass", "reason": "Ok",
            "message": "validation rule 'check-team' passed.", "ok": true,
        }])
    );
}

#[test]
fn run_suite_without_a_test_file_is_an_error_not_an_empty_success() {
    let files = [("policies.yaml", POLICIES.to_string())];
    let error = verno_test::run_suite(files, "kyverno-test.yaml", &strict()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no file named kyverno-test.yaml among the files given"
    );
}
