//! Kind → resource mapping as Kyverno's CLI does it per policy family: the
//! ValidatingAdmissionPolicy step asks the RESTMapper and fails the whole
//! test on a kind it does not know (a JSON payload has no kind at all),
//! while ValidatingPolicies without a cluster guess the plural.

use std::path::Path;

use verno_test::run::{run_file, RunOptions, TestReport};
use verno_test::MemFiles;

const VAP: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: named}
spec:
  validations:
  - expression: "object.metadata.name != 'bad'"
"#;

const VPOL: &str = r#"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: widgets}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [example.com]
      apiVersions: [v1]
      resources: [widgets]
      operations: [CREATE]
  validations:
  - expression: "object.spec.size < 3"
    message: too big
"#;

const JSON_VPOL: &str = r#"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: json-check}
spec:
  evaluation: {mode: JSON}
  validations:
  - expression: "object.ok == true"
"#;

const WIDGETS: &str = r#"apiVersion: example.com/v1
kind: Widget
metadata: {name: small, namespace: default}
spec: {size: 1}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: large, namespace: default}
spec: {size: 5}
"#;

const CLUSTER_SCOPED: &str = r#"apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata: {name: cidrs}
---
apiVersion: networking.k8s.io/v1
kind: IPAddress
metadata: {name: 10.0.0.1}
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttributesClass
metadata: {name: bad}
driverName: example
"#;

fn run(test: &str) -> TestReport {
    let files = MemFiles::new(vec![
        ("kyverno-test.yaml".to_string(), test.to_string()),
        ("vap.yaml".to_string(), VAP.to_string()),
        ("vpol.yaml".to_string(), VPOL.to_string()),
        ("json-vpol.yaml".to_string(), JSON_VPOL.to_string()),
        ("widgets.yaml".to_string(), WIDGETS.to_string()),
        (
            "cluster-scoped.yaml".to_string(),
            CLUSTER_SCOPED.to_string(),
        ),
        ("payload.json".to_string(), r#"{"ok": true}"#.to_string()),
    ])
    .unwrap();
    let opts = RunOptions {
        strict: true,
        ..RunOptions::default()
    };
    let mut reports = run_file(&files, Path::new("kyverno-test.yaml"), &opts);
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

#[test]
fn admission_policy_on_an_unknown_kind_fails_the_test_with_failed_to_map_gvk_to_gvr() {
    let r = run(r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [vap.yaml]
resources: [widgets.yaml]
results:
- {policy: named, kind: Widget, resources: [small], result: pass}
"#);
    let error = r.error.expect("the test must fail").to_string();
    assert_eq!(
        error,
        "failed to apply policies on resource small (failed to map gvk to gvr example.com/v1, \
         Kind=Widget: no matches for kind \"Widget\" in version \"example.com/v1\")"
    );
    assert!(r.rows.is_empty());
}

#[test]
fn validating_policy_on_an_unknown_kind_guesses_its_plural_without_a_cluster() {
    let r = run(r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [vpol.yaml]
resources: [widgets.yaml]
results:
- {policy: widgets, kind: Widget, resources: [small], result: pass, isValidatingPolicy: true}
- {policy: widgets, kind: Widget, resources: [large], result: fail, isValidatingPolicy: true}
"#);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.rows.len(), 2);
    assert!(r.rows.iter().all(|row| row.ok), "{:?}", r.rows);
}

#[test]
fn admission_policy_with_json_payloads_fails_the_test_on_the_payloads_empty_kind() {
    let r = run(r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [vap.yaml, json-vpol.yaml]
jsonPayloads: [payload.json]
results:
- {policy: json-check, resources: [payload.json], result: pass, isValidatingPolicy: true}
"#);
    let error = r.error.expect("the test must fail").to_string();
    assert_eq!(
        error,
        "failed to apply validating policies on JSON payload payload.json (failed to map gvk to \
         gvr /, Kind=: no matches for kind \"\" in version \"\")"
    );
}

#[test]
fn admission_policy_maps_every_builtin_kind_of_kyvernos_table() {
    let r = run(r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [vap.yaml]
resources: [cluster-scoped.yaml]
results:
- {policy: named, kind: ServiceCIDR, resources: [cidrs], result: pass, isValidatingAdmissionPolicy: true}
- {policy: named, kind: IPAddress, resources: [10.0.0.1], result: pass, isValidatingAdmissionPolicy: true}
- {policy: named, kind: VolumeAttributesClass, resources: [bad], result: fail, isValidatingAdmissionPolicy: true}
"#);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.rows.len(), 3, "{:?}", r.rows);
    assert!(r.rows.iter().all(|row| row.ok), "{:?}", r.rows);
}
