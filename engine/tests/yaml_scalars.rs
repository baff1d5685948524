//! Public-API checks of `verno::unstable::yaml` on Kyverno-shaped input: the YAML 1.1
//! scalar rules that make a policy behave differently from what a YAML 1.2
//! reader would suggest, and printing that reads back unchanged.

use serde_json::{json, Value};
use verno::unstable::yaml::{parse_documents, parse_value, to_yaml_string};

const POLICY: &str = r#"# A policy and a resource in one stream, as `kyverno apply` accepts.
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-labels
  annotations:
    policies.kyverno.io/title: Require Labels
spec:
  validationFailureAction: Enforce
  background: yes
  rules:
  - name: check-team
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      message: "label 'team' is required"
      pattern:
        metadata:
          labels:
            team: "?*"
---
# nothing but a comment
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: flags
data:
  enabled: "on"
  mode: '0644'
  on: off
  retries: 0x0A
  ratio: 1e3
  empty:
  script: |
    echo hi
---
~
"#;

#[test]
fn policy_stream_resolves_like_kyverno() {
    let docs = match parse_documents(POLICY) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(docs.len(), 2, "comment-only and null documents are dropped");
    assert_eq!(docs[0].line, 2);
    assert_eq!(docs[1].line, 26);

    let policy = &docs[0].value;
    assert_eq!(policy["spec"]["background"], json!(true));
    assert_eq!(
        policy["spec"]["rules"][0]["match"]["any"][0]["resources"]["kinds"],
        json!(["Pod"])
    );
    assert_eq!(
        policy["spec"]["rules"][0]["validate"]["pattern"]["metadata"]["labels"]["team"],
        json!("?*")
    );

    let cm = &docs[1].value;
    assert_eq!(
        cm["data"],
        json!({
            "enabled": "on",
            "mode": "0644",
            "true": false,
            "retries": 10,
            "ratio": 1000.0,
            "empty": null,
            "script": "echo hi\n"
        })
    );
}

#[test]
fn errors_point_at_the_problem() {
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n";
    match parse_value(text) {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => {
            assert_eq!(e.line, 5);
            assert!(e.column >= 1);
            assert!(e.to_string().starts_with("line 5, column "));
        }
    }
}

#[test]
fn printed_yaml_reads_back_unchanged() {
    let values = [
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "x", "labels": {"app.kubernetes.io/name": "x"}},
            "data": {"a": "yes", "b": "0644", "c": "", "d": "a: b", "e": "- x",
                     "f": "multi\nline\n", "g": "null", "h": "2024-01-01", "i": "#x"}
        }),
        json!([1, -2, 1.5, true, null, [], {}, [[1, [2]]], {"k": [{"a": 1}]}]),
    ];
    for value in values {
        let text = to_yaml_string(&value);
        assert_eq!(parse_value(&text).as_ref(), Ok(&value), "{text}");
    }
    let text = to_yaml_string(&json!({"data": {"on": "yes", "list": ["1", "x"]}}));
    assert_eq!(
        text,
        "data:\n  list:\n  - \"1\"\n  - x\n  \"on\": \"yes\"\n"
    );
}

#[test]
fn hostile_input_is_an_error_not_a_crash() {
    let deep = "[".repeat(50_000);
    assert!(parse_documents(&deep).is_err());
    let deep_block = "- ".repeat(50_000);
    assert!(parse_documents(&deep_block).is_err());

    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (i, prev) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
        let name = char::from(b'b' + i as u8);
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let result: Result<Value, _> = parse_value(&bomb);
    assert!(result.is_err());
}
