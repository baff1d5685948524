//! `verno apply` takes the inputs and flags `kyverno apply` takes: policy
//! directories, `-` for stdin, `--warn-exit-code` and `--warn-no-pass`,
//! `--values-file`/`--set`, and the policy report printed alone.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use support::{verno, Outcome, Scratch, GOOD_POD, VALIDATE_POLICY};

/// A Pod without the `team` label.
const BAD_POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: default}
spec: {containers: [{name: c, image: busybox}]}
"#;

/// A validate policy named `name` requiring label `label` on Pods.
fn policy(name: &str, label: &str, action: &str) -> String {
    format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: {name}}}
spec:
  validationFailureAction: {action}
  rules:
  - name: check
    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
    validate:
      message: "label {label} is required"
      pattern: {{metadata: {{labels: {{{label}: "?*"}}}}}}
"#
    )
}

/// Run `verno ARGS` in `cwd` with `input` on stdin.
fn verno_stdin(cwd: &Path, args: &[&str], input: &str) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verno"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // verno may exit before reading stdin (a refused command line): a
    // broken pipe here is not the test's concern.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn apply_walks_policy_directories_in_kyverno_order() {
    let s = Scratch::new("apply-policy-dir");
    // Kyverno reads each directory in name order, depth first: the folder
    // `a` sorts before `a.yaml`, so its files come first (a string sort of
    // the whole paths would put `a.yaml` first, since `.` < `/`).
    s.write(
        "policies/a.yaml",
        &policy("first-by-name", "owner", "Enforce"),
    );
    s.write(
        "policies/a/z.yml",
        &policy("second-by-name", "team", "Enforce"),
    );
    s.write("policies/README.md", "not a policy");
    s.write("pod.yaml", BAD_POD);
    let o = verno(s.path(), &["apply", "policies", "-r", "pod.yaml"]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("Applying 2 policy rule(s) to 1 resource(s)..."),
        "{}",
        o.stdout
    );
    let team = o.stdout.find("policy second-by-name").unwrap();
    let owner = o.stdout.find("policy first-by-name").unwrap();
    assert!(team < owner, "{}", o.stdout);
}

#[test]
fn apply_walks_resource_directories() {
    let s = Scratch::new("apply-resource-dir");
    s.write("policy.yaml", VALIDATE_POLICY);
    s.write("resources/good.yaml", GOOD_POD);
    s.write("resources/more/bad.yaml", BAD_POD);
    let o = verno(s.path(), &["apply", "policy.yaml", "-r", "resources"]);
    assert!(
        o.stdout
            .contains("\npass: 1, fail: 1, warn: 0, error: 0, skip: 0 \n"),
        "{}{}",
        o.stdout,
        o.stderr
    );
}

#[test]
fn apply_reads_policies_from_stdin() {
    let s = Scratch::new("apply-stdin-policy");
    s.write("pod.yaml", GOOD_POD);
    let o = verno_stdin(s.path(), &["apply", "-", "-r", "pod.yaml"], VALIDATE_POLICY);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("\npass: 1, fail: 0, warn: 0, error: 0, skip: 0 \n"),
        "{}",
        o.stdout
    );
}

#[test]
fn apply_reads_resources_from_stdin() {
    let s = Scratch::new("apply-stdin-resources");
    s.write("policy.yaml", VALIDATE_POLICY);
    let o = verno_stdin(
        s.path(),
        &["apply", "policy.yaml", "-r", "-"],
        &format!("{GOOD_POD}---\n{BAD_POD}"),
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("\npass: 1, fail: 1, warn: 0, error: 0, skip: 0 \n"),
        "{}",
        o.stdout
    );
}

#[test]
fn apply_refuses_stdin_for_both_policies_and_resources() {
    let s = Scratch::new("apply-stdin-both");
    let o = verno_stdin(s.path(), &["apply", "-", "-r", "-"], VALIDATE_POLICY);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr
            .contains("a stdin pipe can be used for either policies or resources, not both"),
        "{}",
        o.stderr
    );
}

#[test]
fn apply_names_a_missing_policy_directory() {
    let s = Scratch::new("apply-missing-dir");
    s.write("pod.yaml", GOOD_POD);
    let o = verno(s.path(), &["apply", "no-such-policies", "-r", "pod.yaml"]);
    assert_eq!(o.code, Some(1));
    assert!(o.stderr.contains("no-such-policies"), "{}", o.stderr);
}

#[test]
fn warn_exit_code_applies_when_only_warnings() {
    let s = Scratch::new("apply-warn-exit");
    s.write("policy.yaml", &policy("audit-team", "team", "Audit"));
    s.write("pod.yaml", BAD_POD);
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "--audit-warn",
            "--warn-exit-code",
            "3",
        ],
    );
    assert_eq!(o.code, Some(3), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.ends_with(
            "\npass: 0, fail: 0, warn: 1, error: 0, skip: 0 \nexit as warnExitCode is 3"
        ),
        "{}",
        o.stdout
    );
}

#[test]
fn warn_exit_code_gives_way_to_failures() {
    let s = Scratch::new("apply-warn-exit-fail");
    s.write("audit.yaml", &policy("audit-team", "team", "Audit"));
    s.write("enforce.yaml", &policy("enforce-owner", "owner", "Enforce"));
    s.write("pod.yaml", BAD_POD);
    let o = verno(
        s.path(),
        &[
            "apply",
            "audit.yaml",
            "enforce.yaml",
            "-r",
            "pod.yaml",
            "--audit-warn",
            "--warn-exit-code",
            "3",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(!o.stdout.contains("warnExitCode"), "{}", o.stdout);
}

#[test]
fn warn_no_pass_exits_with_the_warn_code_when_nothing_passed() {
    let s = Scratch::new("apply-warn-no-pass");
    s.write("policy.yaml", VALIDATE_POLICY);
    // A ConfigMap: the Pod policy skips it, so nothing passes.
    s.write(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default}\n",
    );
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "cm.yaml",
            "--warn-no-pass",
            "--warn-exit-code",
            "4",
        ],
    );
    assert_eq!(o.code, Some(4), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.ends_with("exit as no objects satisfied policy\n"),
        "{}",
        o.stdout
    );
}

#[test]
fn table_shows_a_row_per_rule_result_instead_of_violations() {
    let s = Scratch::new("apply-table");
    s.write("policy.yaml", VALIDATE_POLICY);
    s.write("pods.yaml", &format!("{GOOD_POD}---\n{BAD_POD}"));
    let o = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "pods.yaml", "--table"],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(!o.stdout.contains("failed:"), "{}", o.stdout);
    // Kyverno prints no counts line under --table.
    assert!(!o.stdout.contains(", fail: "), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("│ ID │ POLICY       │ RULE       │ RESOURCE         │ RESULT │ REASON │\n"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains(
            "│ 1  │ require-team │ check-team │ default/Pod/good │ Pass   │        │\n│ 2  │ require-team │ check-team │ default/Pod/bad  │ Fail   │        │\n"
        ),
        "{}",
        o.stdout
    );
}

#[test]
fn table_with_detailed_results_has_the_rule_messages() {
    let s = Scratch::new("apply-table-detailed");
    s.write("policy.yaml", VALIDATE_POLICY);
    s.write("pod.yaml", BAD_POD);
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-t",
            "--detailed-results",
        ],
    );
    assert!(o.stdout.contains("│ MESSAGE"), "{}", o.stdout);
    assert!(o.stdout.contains("label team is required"), "{}", o.stdout);
}

#[test]
fn table_shows_audit_failures_as_warnings_under_audit_warn() {
    let s = Scratch::new("apply-table-audit");
    s.write("policy.yaml", &policy("audit-team", "team", "Audit"));
    s.write("pod.yaml", BAD_POD);
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-t",
            "--audit-warn",
        ],
    );
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("│ Warn   │"), "{}", o.stdout);
}

/// A policy refusing requests from user `alice`.
const NO_ALICE: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: no-alice}
spec:
  validationFailureAction: Enforce
  rules:
  - name: deny-alice
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "alice may not"
      deny:
        conditions:
          any:
          - key: "{{ request.userInfo.username }}"
            operator: Equals
            value: alice
"#;

#[test]
fn userinfo_gives_requests_their_user() {
    let s = Scratch::new("apply-userinfo");
    s.write("policy.yaml", NO_ALICE);
    s.write("pod.yaml", GOOD_POD);
    s.write(
        "user.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: UserInfo\nmetadata: {name: u}\nuserInfo:\n  username: alice\n",
    );
    let without = verno(s.path(), &["apply", "policy.yaml", "-r", "pod.yaml"]);
    // Without a user the request has no userInfo to read.
    assert!(
        !without.stdout.contains("alice may not"),
        "{}",
        without.stdout
    );
    let o = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "pod.yaml", "-u", "user.yaml"],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("1 - deny-alice alice may not"),
        "{}",
        o.stdout
    );
}

#[test]
fn an_unreadable_userinfo_file_is_an_error_naming_it() {
    let s = Scratch::new("apply-userinfo-missing");
    s.write("policy.yaml", NO_ALICE);
    s.write("pod.yaml", GOOD_POD);
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "--userinfo",
            "nobody.yaml",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("nobody.yaml"), "{}", o.stderr);
}

#[test]
fn a_malformed_userinfo_file_is_an_error_naming_it() {
    let s = Scratch::new("apply-userinfo-bad");
    s.write("policy.yaml", NO_ALICE);
    s.write("pod.yaml", GOOD_POD);
    s.write("user.yaml", "userInfo: [not, a, map]\n");
    let o = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "pod.yaml", "-u", "user.yaml"],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("user.yaml"), "{}", o.stderr);
}

/// A policy that admits Pods only when the variable `tier` is `gold`;
/// `tier` is a context entry the scanner service would answer in a
/// cluster (offline, values stand in for it).
fn tier_policy(name: &str) -> String {
    format!(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: {name}}}
spec:
  validationFailureAction: Enforce
  rules:
  - name: gold-only
    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
    context:
    - name: tier
      apiCall:
        method: GET
        service: {{url: "http://tiers.svc/tier"}}
    validate:
      message: "tier is {{{{ tier }}}}"
      deny:
        conditions:
          any:
          - key: "{{{{ tier }}}}"
            operator: NotEquals
            value: gold
"#
    )
}

const VALUES_HEAD: &str =
    "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\nmetadata: {name: v}\n";

#[test]
fn values_file_supplies_rule_variables() {
    let s = Scratch::new("apply-values-rule");
    s.write("policy.yaml", &tier_policy("tiers"));
    s.write("pod.yaml", GOOD_POD);
    s.write(
        "values.yaml",
        &format!(
            "{VALUES_HEAD}policies:\n- name: tiers\n  rules:\n  - name: gold-only\n    values: {{tier: gold}}\n"
        ),
    );
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-f",
            "values.yaml",
        ],
    );
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("pass: 1, fail: 0, warn: 0, error: 0, skip: 0"),
        "{}",
        o.stdout
    );
}

#[test]
fn values_file_supplies_resource_variables_by_policy_and_resource_name() {
    let s = Scratch::new("apply-values-resource");
    s.write("policy.yaml", &tier_policy("tiers"));
    s.write(
        "pods.yaml",
        &format!(
            "{GOOD_POD}---\n{}",
            GOOD_POD.replace("name: good", "name: other")
        ),
    );
    s.write(
        "values.yaml",
        &format!(
            "{VALUES_HEAD}globalValues: {{tier: bronze}}\npolicies:\n- name: tiers\n  resources:\n  - name: good\n    values: {{tier: gold}}\n"
        ),
    );
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pods.yaml",
            "--values-file",
            "values.yaml",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    // `good` gets its own value, `other` the global one.
    assert!(
        o.stdout.contains(
            "policy tiers -> resource default/Pod/other failed:\n1 - gold-only tier is bronze"
        ),
        "{}",
        o.stdout
    );
    assert!(
        !o.stdout.contains("default/Pod/good failed"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("pass: 1, fail: 1"), "{}", o.stdout);
}

#[test]
fn set_supplies_a_global_variable() {
    let s = Scratch::new("apply-set");
    s.write("a.yaml", &tier_policy("tiers-a"));
    s.write("b.yaml", &tier_policy("tiers-b"));
    s.write("pod.yaml", GOOD_POD);
    let o = verno(
        s.path(),
        &[
            "apply",
            "a.yaml",
            "b.yaml",
            "-r",
            "pod.yaml",
            "--set",
            "tier=gold",
        ],
    );
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("pass: 2, fail: 0"), "{}", o.stdout);
    // Several items in one argument, and the flag repeated.
    let o = verno(
        s.path(),
        &[
            "apply",
            "a.yaml",
            "-r",
            "pod.yaml",
            "-s",
            "x=1,tier=silver",
            "-s",
            "y=2",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("1 - gold-only tier is silver"),
        "{}",
        o.stdout
    );
}

#[test]
fn a_variable_no_value_supplies_is_an_error_result() {
    let s = Scratch::new("apply-no-values");
    s.write("policy.yaml", &tier_policy("tiers"));
    s.write("pod.yaml", GOOD_POD);
    let o = verno(s.path(), &["apply", "policy.yaml", "-r", "pod.yaml"]);
    // Kyverno has no up-front check: the rule ends in `error` (exit 1).
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("error: 1"), "{}", o.stdout);
}

#[test]
fn values_file_namespace_labels_feed_namespace_selector() {
    let s = Scratch::new("apply-values-ns");
    s.write(
        "policy.yaml",
        &VALIDATE_POLICY.replace(
            "match: {any: [{resources: {kinds: [Pod]}}]}",
            "match: {any: [{resources: {kinds: [Pod], namespaceSelector: {matchLabels: {env: prod}}}}]}",
        ),
    );
    s.write("pod.yaml", BAD_POD);
    let without = verno(s.path(), &["apply", "policy.yaml", "-r", "pod.yaml"]);
    assert_eq!(
        without.code,
        Some(0),
        "{}{}",
        without.stdout,
        without.stderr
    );
    for ns in [
        "namespaceSelector:\n- name: default\n  labels: {env: prod}\n",
        "namespaces:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: default, labels: {env: prod}}\n",
    ] {
        s.write("values.yaml", &format!("{VALUES_HEAD}{ns}"));
        let o = verno(
            s.path(),
            &["apply", "policy.yaml", "-r", "pod.yaml", "-f", "values.yaml"],
        );
        assert_eq!(o.code, Some(1), "{ns}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stdout.contains("policy require-team -> resource default/Pod/bad failed:"),
            "{}",
            o.stdout
        );
    }
}

#[test]
fn values_file_global_operation_makes_the_request_an_update() {
    let s = Scratch::new("apply-values-op");
    s.write(
        "policy.yaml",
        &NO_ALICE
            .replace("request.userInfo.username", "request.operation")
            .replace("value: alice", "value: UPDATE"),
    );
    s.write("pod.yaml", GOOD_POD);
    s.write(
        "values.yaml",
        &format!("{VALUES_HEAD}globalValues: {{request.operation: UPDATE}}\n"),
    );
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-f",
            "values.yaml",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("1 - deny-alice alice may not"),
        "{}",
        o.stdout
    );
    s.write(
        "values.yaml",
        &format!("{VALUES_HEAD}globalValues: {{request.operation: PATCH}}\n"),
    );
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-f",
            "values.yaml",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("Error: invalid request.operation value \"PATCH\", must be one of CREATE, UPDATE, DELETE, CONNECT"),
        "{}",
        o.stderr
    );
}

#[test]
fn malformed_set_is_an_error_naming_the_argument() {
    let s = Scratch::new("apply-set-bad");
    s.write("policy.yaml", &tier_policy("tiers"));
    s.write("pod.yaml", GOOD_POD);
    for bad in [
        "tier",
        "tier=",
        "a=b=c",
        "request.object.metadata.name=x",
        "tier=\"gold",
    ] {
        let o = verno(
            s.path(),
            &["apply", "policy.yaml", "-r", "pod.yaml", "--set", bad],
        );
        assert_eq!(o.code, Some(1), "{bad}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stderr.contains(&format!("Error: invalid --set {bad:?}")),
            "{bad}: {}",
            o.stderr
        );
        assert!(!o.stdout.contains("Applying"), "{bad}: {}", o.stdout);
    }
}

#[test]
fn missing_values_file_is_an_error() {
    let s = Scratch::new("apply-values-missing");
    s.write("policy.yaml", &tier_policy("tiers"));
    s.write("pod.yaml", GOOD_POD);
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-f",
            "missing.yaml",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("Error: failed to decode yaml (unable to load variable file: missing.yaml ("),
        "{}",
        o.stderr
    );
}

#[test]
fn malformed_values_file_is_an_error_naming_the_file_and_field() {
    let s = Scratch::new("apply-values-bad");
    s.write("policy.yaml", &tier_policy("tiers"));
    s.write("pod.yaml", GOOD_POD);
    s.write(
        "values.yaml",
        &format!("{VALUES_HEAD}policies: {{name: tiers}}\n"),
    );
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-f",
            "values.yaml",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("values.yaml") && o.stderr.contains("Values.policies"),
        "{}",
        o.stderr
    );
    s.write("values.yaml", "globalValues: {tier: [\n");
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-f",
            "values.yaml",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("values.yaml"), "{}", o.stderr);
}

#[test]
fn unversioned_values_file_is_refused_as_kyverno_refuses_it() {
    let s = Scratch::new("apply-values-old");
    s.write("policy.yaml", &tier_policy("tiers"));
    s.write("pod.yaml", GOOD_POD);
    s.write("values.yaml", "globalValues: {tier: gold}\n");
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-f",
            "values.yaml",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert_eq!(
        o.stdout,
        "\nWARNING: values file (values.yaml) uses a deprecated schema that will be removed in 1.15\n"
    );
    assert!(
        o.stderr.contains("Error: failed to decode yaml (values file values.yaml uses a deprecated schema — please migrate to the latest format)"),
        "{}",
        o.stderr
    );
}

#[test]
fn values_file_and_set_together_are_an_error() {
    let s = Scratch::new("apply-values-and-set");
    s.write("policy.yaml", &tier_policy("tiers"));
    s.write("pod.yaml", GOOD_POD);
    s.write(
        "values.yaml",
        &format!("{VALUES_HEAD}globalValues: {{tier: gold}}\n"),
    );
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "-f",
            "values.yaml",
            "-s",
            "tier=gold",
        ],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("Error: pass the values either using set flag or values_file flag"),
        "{}",
        o.stderr
    );
}

#[test]
fn policy_report_prints_neither_the_applying_line_nor_the_counts() {
    let s = Scratch::new("apply-report-quiet");
    s.write("policy.yaml", VALIDATE_POLICY);
    s.write("pod.yaml", BAD_POD);
    let o = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "pod.yaml", "--policy-report"],
    );
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("kind: ClusterPolicyReport"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains(", fail: "), "{}", o.stdout);
    assert!(!o.stdout.contains("Applying"), "{}", o.stdout);
}

#[test]
fn continue_on_fail_passes_over_a_resource_the_values_cannot_be_applied_to() {
    let s = Scratch::new("apply-values-continue");
    s.write("policy.yaml", VALIDATE_POLICY);
    s.write("pods.yaml", &format!("{GOOD_POD}---\n{BAD_POD}"));
    // A subresource entry for Pods whose name lacks `parent/subresource`.
    s.write(
        "values.yaml",
        &format!(
            "{VALUES_HEAD}subresources:\n- subresource: {{name: pods, kind: Pod, version: v1}}\n  parentResource: {{name: pods, kind: Pod, version: v1}}\n"
        ),
    );
    let args = [
        "apply",
        "policy.yaml",
        "-r",
        "pods.yaml",
        "-f",
        "values.yaml",
    ];
    let o = verno(s.path(), &args);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("Error: failed to apply policies on resource good ("),
        "{}",
        o.stderr
    );
    let o = verno(s.path(), &[&args[..], &["--continue-on-fail"]].concat());
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("pass: 0, fail: 0, warn: 0, error: 0, skip: 0"),
        "{}",
        o.stdout
    );
}
