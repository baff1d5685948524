//! `verno apply --policy-report` carries a rule's `reportProperties`,
//! substituted with the rule's context, onto its report results, and a
//! `failMessage` property replaces the failure's message.

mod support;

use support::{verno, Scratch};

const POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: need-team}
spec:
  rules:
  - name: check
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: owner
      variable: {value: platform}
    reportProperties:
      owner: "{{ owner }}"
      failMessage: "{{ request.object.metadata.name }} has no team label"
    validate:
      message: label team is required
      pattern: {metadata: {labels: {team: "?*"}}}
"#;

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
"#;

#[test]
fn policy_report_carries_substituted_report_properties_and_their_fail_message() {
    let s = Scratch::new("apply-report-properties");
    s.write("policy.yaml", POLICY);
    s.write("pod.yaml", POD);
    let o = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "pod.yaml", "--policy-report"],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    for expected in [
        "message: bad has no team label",
        "owner: platform",
        "failMessage: bad has no team label",
        "process: background scan",
    ] {
        assert!(o.stdout.contains(expected), "{expected}\n{}", o.stdout);
    }
    assert!(!o.stdout.contains("{{"), "{}", o.stdout);
}
