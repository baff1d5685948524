//! `verno test` serves `cloneSourceResource` files to generate `clone` rules,
//! as `kyverno test` loads them into its fake cluster.

use std::process::Command;

const POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: sync-secrets}
spec:
  rules:
  - name: clone-regcred
    match: {any: [{resources: {kinds: [Namespace]}}]}
    generate:
      apiVersion: v1
      kind: Secret
      name: regcred
      namespace: "{{request.object.metadata.name}}"
      synchronize: true
      clone: {namespace: default, name: regcred}
"#;

const SOURCE: &str = r#"apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: default, uid: abc, resourceVersion: "7", labels: {team: infra}}
data: {token: c2VjcmV0}
"#;

const EXPECTED: &str = r#"apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: team-a, labels: {team: infra}}
data: {token: c2VjcmV0}
"#;

fn run(case: &str, generated: &str) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("verno-cli-clone-{case}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        ("policy.yaml", POLICY),
        ("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n"),
        ("source.yaml", SOURCE),
        ("generated.yaml", generated),
        (
            "kyverno-test.yaml",
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: clone}\npolicies: [policy.yaml]\nresources: [ns.yaml]\nresults:\n- policy: sync-secrets\n  rule: clone-regcred\n  resources: [team-a]\n  kind: Namespace\n  result: pass\n  cloneSourceResource: source.yaml\n  generatedResource: generated.yaml\n",
        ),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_verno"))
        .args(["test", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    (out.status.success(), text)
}

#[test]
fn clone_source_resource_feeds_generate_clone() {
    let (ok, text) = run("same", EXPECTED);
    assert!(ok, "{text}");
    assert!(text.contains("1 tests passed and 0 tests failed"), "{text}");
}

#[test]
fn a_different_clone_is_a_failure() {
    let (ok, text) = run("other", &EXPECTED.replace("c2VjcmV0", "b3RoZXI="));
    assert!(!ok, "{text}");
}
