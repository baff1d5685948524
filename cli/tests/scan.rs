//! `verno scan` run as a process: the table, each format, exit codes, the
//! cluster view, stdin, directory walks, bad documents and determinism
//! across thread counts.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::Scratch;

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run `verno scan ARGS` in `cwd` with `stdin`, a fixed report timestamp
/// and no CI variable games.
fn scan(cwd: &Path, args: &[&str], stdin: &str) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verno"))
        .arg("scan")
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const POLICIES: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
  annotations: {policies.kyverno.io/severity: medium}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label team is required"
      pattern: {metadata: {labels: {team: "?*"}}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: ns-owner}
spec:
  validationFailureAction: Audit
  rules:
  - name: owner
    match: {any: [{resources: {kinds: [Namespace]}}]}
    validate:
      message: "namespaces need an owner"
      pattern: {metadata: {labels: {owner: "?*"}}}
---
apiVersion: kyverno.io/v1
kind: Policy
metadata: {name: no-latest, namespace: a}
spec:
  rules:
  - name: tag
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "no latest"
      pattern: {spec: {containers: [{image: "!*:latest"}]}}
"#;

fn pod(ns: &str, name: &str, team: bool, image: &str) -> String {
    let labels = if team { "{team: x}" } else { "{}" };
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {labels}}}\nspec: {{containers: [{{name: c, image: \"{image}\"}}]}}\n"
    )
}

/// A `kubectl get -A -o yaml` style List: two namespaces, three pods.
fn dump() -> String {
    let items = [
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {owner: me}}\n".to_string(),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n".to_string(),
        pod("a", "p1", true, "nginx:1.0"),
        pod("a", "p2", false, "nginx:latest"),
        pod("b", "p3", true, "nginx:latest"),
    ];
    let mut s = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in items {
        for (n, line) in i.lines().enumerate() {
            s.push_str(if n == 0 { "- " } else { "  " });
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

fn setup() -> Scratch {
    let s = Scratch::new("scan");
    s.write("policies.yaml", POLICIES);
    s.write("dump.yaml", &dump());
    s
}

#[test]
fn the_table_has_one_row_per_namespace_and_policy_with_cluster_rows_unnamespaced() {
    let s = setup();
    let out = scan(s.path(), &["policies.yaml", "-r", "dump.yaml"], "");
    let expected = "\
NAMESPACE   NAME                PASS   FAIL   WARN   ERROR   SKIP   AGE
            cpol-ns-owner       1      1      0      0       0      <unknown>
a           cpol-require-team   1      1      0      0       0      <unknown>
a           pol-no-latest       1      1      0      0       0      <unknown>
b           cpol-require-team   1      0      0      0       0      <unknown>
";
    assert_eq!(out.stdout, expected);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("1 documents read, 5 resources evaluated, 0 rejected; pass: 4, fail: 3"),
        "{}",
        out.stderr
    );
}

#[test]
fn passing_resources_exit_zero_and_warnings_take_the_warn_exit_code() {
    let s = setup();
    s.write("good.yaml", &pod("c", "ok", true, "nginx:1.0"));
    let out = scan(s.path(), &["policies.yaml", "-r", "good.yaml"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    // An Audit failure under --audit-warn is a warning.
    s.write(
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
    );
    let out = scan(
        s.path(),
        &[
            "policies.yaml",
            "-r",
            "ns.yaml",
            "--audit-warn",
            "--warn-exit-code",
            "3",
        ],
        "",
    );
    assert_eq!(out.code, Some(3), "{}{}", out.stdout, out.stderr);
}

#[test]
fn policies_that_do_not_run_in_the_background_are_left_out_and_said_so() {
    let s = setup();
    s.write(
        "admission.yaml",
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: by-user}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "{{request.userInfo.username}}"
      deny: {}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: admission-only}
spec:
  background: false
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "x"
      deny: {}
"#,
    );
    let out = scan(
        s.path(),
        &["policies.yaml", "admission.yaml", "-r", "dump.yaml"],
        "",
    );
    assert!(!out.stdout.contains("by-user"), "{}", out.stdout);
    assert!(!out.stdout.contains("admission-only"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("skipped policy admission-only (admission.yaml): not run in the background: spec.background is false"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("variable {{request.userInfo.username}} is not allowed"),
        "{}",
        out.stderr
    );
}

#[test]
fn namespace_selectors_read_the_labels_of_namespace_objects_found_later() {
    let s = Scratch::new("scan-nssel");
    s.write(
        "p.yaml",
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: prod-team}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod], namespaceSelector: {matchLabels: {env: prod}}}}]}
    validate:
      message: "team"
      pattern: {metadata: {labels: {team: "?*"}}}
"#,
    );
    // The Namespaces come after the pods, in another file.
    s.write(
        "1-pods.yaml",
        &format!(
            "{}---\n{}",
            pod("prod", "x", false, "i"),
            pod("dev", "y", false, "i")
        ),
    );
    s.write(
        "2-ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {env: prod}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: dev, labels: {env: dev}}\n",
    );
    let out = scan(s.path(), &["p.yaml", "-r", "."], "");
    assert!(
        out.stdout.contains("prod        cpol-prod-team   0      1"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("dev "), "{}", out.stdout);
}

#[test]
fn policy_exceptions_apply_unless_they_are_foreground_only() {
    let s = setup();
    let exception = |name: &str, background: bool| {
        format!(
            r#"apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {{name: {name}, namespace: a}}
spec:
  background: {background}
  exceptions:
  - policyName: require-team
    ruleNames: [check-team]
  match:
    any:
    - resources: {{kinds: [Pod], names: [p2]}}
"#
        )
    };
    s.write(
        "bg.yaml",
        &format!("{POLICIES}---\n{}", exception("lets-p2", true)),
    );
    let out = scan(s.path(), &["bg.yaml", "-r", "dump.yaml"], "");
    assert!(
        out.stdout
            .contains("a           cpol-require-team   1      0      0      0       1"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    s.write(
        "fg.yaml",
        &format!("{POLICIES}---\n{}", exception("lets-p2", false)),
    );
    let out = scan(s.path(), &["fg.yaml", "-r", "dump.yaml"], "");
    assert!(
        out.stdout
            .contains("a           cpol-require-team   1      1      0      0       0"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert!(out.stderr.contains("a/lets-p2"), "{}", out.stderr);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let s = setup();
    let out = scan(s.path(), &["policies.yaml", "-r", "-"], &dump());
    let from_file = scan(s.path(), &["policies.yaml", "-r", "dump.yaml"], "");
    assert_eq!(out.stdout, from_file.stdout);
    assert!(out.stdout.contains("pol-no-latest"));
}

#[test]
fn directories_are_walked_recursively_in_sorted_order() {
    let s = Scratch::new("scan-walk");
    s.write("p.yaml", POLICIES);
    s.write("in/b/z.yaml", &pod("a", "third", false, "i"));
    s.write("in/a.yaml", &pod("a", "first", false, "i"));
    s.write("in/b/c.json", r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"second","namespace":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}"#);
    s.write("in/notes.txt", "not a manifest");
    s.write("in/.hidden/x.yaml", &pod("a", "hidden", false, "i"));
    let out = scan(s.path(), &["p.yaml", "-r", "in", "-o", "junit"], "");
    let order: Vec<&str> = ["first", "second", "third"]
        .iter()
        .map(|n| {
            out.stdout
                .find(&format!("Pod/a/{n}\""))
                .map(|_| *n)
                .unwrap_or("missing")
        })
        .collect();
    assert_eq!(order, ["first", "second", "third"], "{}", out.stdout);
    let first = out.stdout.find("Pod/a/first").unwrap_or(usize::MAX);
    let second = out.stdout.find("Pod/a/second").unwrap_or(0);
    let third = out.stdout.find("Pod/a/third").unwrap_or(0);
    assert!(first < second && second < third, "{}", out.stdout);
    assert!(!out.stdout.contains("hidden"));
    assert!(
        out.stderr
            .contains("3 documents read, 3 resources evaluated"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_documents_are_reported_with_file_and_index_and_the_scan_goes_on() {
    let s = setup();
    s.write(
        "mixed.yaml",
        &format!(
            "{}---\njust text\n---\na: [1,\n---\napiVersion: v1\nkind: List\nitems:\n- {{kind: Pod}}\n---\n{}",
            pod("a", "before", true, "i"),
            pod("a", "after", true, "i")
        ),
    );
    let out = scan(s.path(), &["policies.yaml", "-r", "mixed.yaml"], "");
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("rejected: mixed.yaml: document 2 (line 6): not a Kubernetes object: expected a map, got a string"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("rejected: mixed.yaml: document 3 (line 9): failed to parse"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("rejected: mixed.yaml: document 4 items[0] (line 13): not a Kubernetes object: Pod has no apiVersion"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("5 documents read, 2 resources evaluated, 3 rejected"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("a           cpol-require-team   2"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_document_over_the_size_limit_is_rejected_and_the_next_one_judged() {
    let s = setup();
    let big = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big, namespace: a}}\ndata: {{x: \"{}\"}}\n",
        "y".repeat(4000)
    );
    s.write(
        "in.yaml",
        &format!("{big}---\n{}", pod("a", "small", true, "i")),
    );
    let out = scan(
        s.path(),
        &[
            "policies.yaml",
            "-r",
            "in.yaml",
            "--max-document-bytes",
            "1000",
        ],
        "",
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains(
            "rejected: in.yaml: document 1 (line 1): the document is larger than 1000 bytes"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("2 documents read, 1 resources evaluated, 1 rejected"),
        "{}",
        out.stderr
    );
}

#[test]
fn reports_print_as_yaml_and_json_in_both_apis() {
    let s = setup();
    let out = scan(
        s.path(),
        &["policies.yaml", "-r", "dump.yaml", "-o", "json"],
        "",
    );
    let list: Value = serde_json::from_str(&out.stdout).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["kind"], "ClusterPolicyReport");
    assert_eq!(items[0]["apiVersion"], "wgpolicyk8s.io/v1alpha2");
    assert_eq!(items[0]["metadata"]["name"], "cpol-ns-owner");
    assert_eq!(
        items[1]["metadata"],
        serde_json::json!({"name": "cpol-require-team", "namespace": "a"})
    );
    assert_eq!(items[1]["summary"]["fail"], 1);
    assert_eq!(items[1]["results"][1]["resources"][0]["name"], "p2");
    assert_eq!(
        items[1]["results"][1]["properties"]["process"],
        "background scan"
    );
    assert_eq!(items[1]["results"][1]["timestamp"]["seconds"], 1700000000);
    let out = scan(
        s.path(),
        &[
            "policies.yaml",
            "-r",
            "dump.yaml",
            "-o",
            "yaml",
            "--openreports",
        ],
        "",
    );
    assert!(
        out.stdout
            .starts_with("apiVersion: openreports.io/v1alpha1\nkind: ClusterReport\n"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.matches("\n---\n").count(), 3);
    assert!(out.stdout.contains("kind: Report\n"));
}

#[test]
fn junit_has_a_testcase_per_policy_rule_and_resource_and_a_failure_per_fail() {
    let s = setup();
    let out = scan(
        s.path(),
        &["policies.yaml", "-r", "dump.yaml", "-o", "junit"],
        "",
    );
    assert_eq!(
        out.stdout.matches("<testcase ").count(),
        7,
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.matches("<failure type=\"fail\"").count(), 3);
    assert!(out
        .stdout
        .contains("<testsuites name=\"verno scan\" tests=\"7\" failures=\"3\""));
    assert!(out.stdout.contains(
        "<testcase classname=\"a/no-latest\" name=\"tag Pod/a/p2\" file=\"dump.yaml\" line=\"14\">"
    ), "{}", out.stdout);
}

#[test]
fn sarif_has_what_github_code_scanning_requires() {
    let s = setup();
    let out = scan(
        s.path(),
        &["policies.yaml", "-r", "dump.yaml", "-o", "sarif"],
        "",
    );
    let log: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "verno");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "a/no-latest/tag",
            "ns-owner/owner",
            "require-team/check-team"
        ]
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        assert!(rules.contains(&r["ruleId"].as_str().unwrap()));
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize],
            r["ruleId"]
        );
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "dump.yaml");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    // The failing Namespace b is the list's second item, on line 7.
    let ns = results
        .iter()
        .find(|r| r["ruleId"] == "ns-owner/owner")
        .unwrap();
    assert_eq!(
        ns["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    assert_eq!(ns["level"], "error");
}

#[test]
fn the_cluster_view_counts_compliant_resources_per_cluster_and_policy() {
    let s = setup();
    s.write("prod.yaml", &pod("a", "ok", true, "nginx:1"));
    let out = scan(
        s.path(),
        &[
            "policies.yaml",
            "--cluster",
            "dev=dump.yaml",
            "--cluster",
            "prod=prod.yaml",
        ],
        "",
    );
    let expected = "\
CLUSTER   POLICY         COMPLIANT   NON-COMPLIANT   COMPLIANCE
dev       a/no-latest    1           1               50.0%
dev       ns-owner       1           1               50.0%
dev       require-team   2           1               66.7%
prod      a/no-latest    1           0               100.0%
prod      ns-owner       0           0               -
prod      require-team   1           0               100.0%
";
    assert_eq!(out.stdout, expected);
    let out = scan(
        s.path(),
        &["policies.yaml", "--cluster", "dev=dump.yaml", "-o", "json"],
        "",
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["clusters"][0]["name"], "dev");
    assert_eq!(
        v["clusters"][0]["policies"][2],
        serde_json::json!({"policy": "require-team", "compliant": 2, "nonCompliant": 1, "percentCompliant": 66.7})
    );
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    let s = Scratch::new("scan-threads");
    s.write("p.yaml", POLICIES);
    for f in 0..4 {
        let mut text = String::new();
        for i in 0..150 {
            text.push_str(&pod(
                ["a", "b", "c"][i % 3],
                &format!("p{f}-{i}"),
                i % 4 != 0,
                if i % 5 == 0 { "x:latest" } else { "x:1" },
            ));
            text.push_str("---\n");
        }
        s.write(&format!("in/{f}.yaml"), &text);
    }
    for format in ["yaml", "sarif", "junit", "table"] {
        let one = scan(
            s.path(),
            &["p.yaml", "-r", "in", "-o", format, "--threads", "1"],
            "",
        );
        let two = scan(
            s.path(),
            &["p.yaml", "-r", "in", "-o", format, "--threads", "2"],
            "",
        );
        assert!(!one.stdout.is_empty());
        assert_eq!(one.stdout, two.stdout, "{format}");
        assert_eq!(one.stderr, two.stderr, "{format}");
    }
}

#[test]
fn validating_policies_run_unless_background_is_disabled() {
    let s = Scratch::new("scan-vpol");
    let vpol = |name: &str, background: bool| {
        format!(
            r#"apiVersion: policies.kyverno.io/v1alpha1
kind: ValidatingPolicy
metadata: {{name: {name}}}
spec:
  evaluation: {{background: {{enabled: {background}}}}}
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [pods]
  validations:
  - expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
    message: team label
"#
        )
    };
    s.write(
        "p.yaml",
        &format!("{}---\n{}", vpol("runs", true), vpol("idle", false)),
    );
    s.write("pods.yaml", &pod("a", "x", false, "i"));
    let out = scan(s.path(), &["p.yaml", "-r", "pods.yaml"], "");
    assert!(
        out.stdout.contains("a           vpol-runs   0      1"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert!(!out.stdout.contains("vpol-idle"));
    assert!(out
        .stderr
        .contains("evaluation.background.enabled is false"));
}

#[test]
fn a_validating_policy_whose_match_conditions_do_not_hold_gives_no_result() {
    let s = Scratch::new("scan-vpol-mc");
    s.write(
        "p.yaml",
        r#"apiVersion: policies.kyverno.io/v1alpha1
kind: ValidatingPolicy
metadata: {name: only-prod}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [pods]
  matchConditions:
  - name: prod
    expression: "object.metadata.namespace == 'prod'"
  validations:
  - expression: "false"
    message: never
"#,
    );
    s.write(
        "pods.yaml",
        &format!(
            "{}---\n{}",
            pod("prod", "x", false, "i"),
            pod("dev", "y", false, "i")
        ),
    );
    let out = scan(s.path(), &["p.yaml", "-r", "pods.yaml"], "");
    assert!(
        out.stdout
            .contains("prod        vpol-only-prod   0      1      0      0       0"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert!(!out.stdout.contains("dev "), "{}", out.stdout);
}

#[test]
fn bad_flags_and_missing_inputs_are_errors() {
    let s = setup();
    let out = scan(
        s.path(),
        &["policies.yaml", "-r", "dump.yaml", "-o", "xml"],
        "",
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("unknown output \"xml\""),
        "{}",
        out.stderr
    );
    let out = scan(s.path(), &["policies.yaml", "-r", "nope.yaml"], "");
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("nope.yaml"), "{}", out.stderr);
    #[cfg(unix)]
    {
        let out = scan(s.path(), &["policies.yaml", "-r", "/dev/zero"], "");
        assert_eq!(out.code, Some(1));
        assert!(
            out.stderr.contains("/dev/zero: not a regular file"),
            "{}",
            out.stderr
        );
        let out = scan(s.path(), &["/dev/zero", "-r", "dump.yaml"], "");
        assert_eq!(out.code, Some(1));
        assert!(out.stderr.contains("/dev/zero"), "{}", out.stderr);
    }
    let out = scan(s.path(), &["policies.yaml"], "");
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("give either --resources or --cluster"));
}
