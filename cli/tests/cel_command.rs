//! `verno cel` run as a process: results as JSON lines, variables from a
//! file, errors on stderr with exit code 1.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn verno(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verno"))
        .arg("cel")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn verno");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A file in a per-test temporary directory.
fn temp_file(test: &str, name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verno-cel-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write temp file");
    path
}

const POD: &str = "\
object:
  apiVersion: v1
  kind: Pod
  metadata:
    name: nginx
    labels:
      app: web
  spec:
    replicas: 3
    containers:
    - name: nginx
      image: nginx:1.25
    - name: sidecar
      image: ghcr.io/acme/sidecar:2.0
";

fn ok(out: &Output) -> &str {
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    &out.stdout
}

#[test]
fn prints_one_json_line_per_expression() {
    let out = verno(&["1 + 2", "'a' + 'b'", "[true, false]", "{'k': 1.5}"], "");
    assert_eq!(ok(&out), "3\n\"ab\"\n[true,false]\n{\"k\":1.5}\n");
}

#[test]
fn reads_variables_from_a_yaml_file() {
    let file = temp_file("yaml", "pod.yaml", POD);
    let out = verno(
        &[
            "-i",
            file.to_str().expect("path"),
            "object.metadata.name",
            "object.spec.containers.map(c, c.image)",
        ],
        "",
    );
    assert_eq!(
        ok(&out),
        "\"nginx\"\n[\"nginx:1.25\",\"ghcr.io/acme/sidecar:2.0\"]\n"
    );
}

#[test]
fn reads_variables_from_a_json_file_or_stdin() {
    let file = temp_file("json", "vars.json", r#"{"params": {"max": 2}}"#);
    let out = verno(&["-i", file.to_str().expect("path"), "params.max * 2"], "");
    assert_eq!(ok(&out), "4\n");
    let out = verno(&["-i", "-", "params.max"], r#"{"params": {"max": 7}}"#);
    assert_eq!(ok(&out), "7\n");
}

#[test]
fn numbers_are_exact_by_default_and_doubles_on_request() {
    let file = temp_file("numbers", "pod.yaml", POD);
    let path = file.to_str().expect("path");
    let out = verno(&["-i", path, "object.spec.replicas + 1"], "");
    assert_eq!(ok(&out), "4\n");
    // As Kyverno sees resources: 3.0 + 1 has no overload.
    let out = verno(
        &[
            "-i",
            path,
            "--numbers",
            "doubles",
            "object.spec.replicas + 1",
        ],
        "",
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("no matching overload for '_+_' applied to '(double, int)'"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_compile_error_exits_1_with_the_caret_message() {
    let out = verno(&["1 + 1", "object.foo()"], "");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout, "",
        "nothing is evaluated when one expression fails to compile"
    );
    assert_eq!(
        out.stderr,
        "Error: failed to compile CEL expression: object.foo()\n\
         ERROR: <input>:1:11: undeclared reference to 'foo' (in container '')\n | object.foo()\n | ..........^\n"
    );
}

#[test]
fn a_type_error_is_a_compile_error() {
    let out = verno(&["1 + 'a'"], "");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(
            "ERROR: <input>:1:3: found no matching overload for '_+_' applied to '(int, string)'"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn an_evaluation_error_exits_1() {
    let file = temp_file("evalerr", "pod.yaml", POD);
    let out = verno(
        &["-i", file.to_str().expect("path"), "object.spec.missing"],
        "",
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: failed to evaluate CEL expression: object.spec.missing: no such key: missing\n"
    );
}

#[test]
fn a_non_object_input_file_is_an_error() {
    let file = temp_file("list", "list.yaml", "- a\n- b\n");
    let out = verno(&["-i", file.to_str().expect("path"), "1"], "");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("must hold an object whose keys are variable names")
            && out.stderr.contains("not a list"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn a_missing_input_file_is_an_error() {
    let out = verno(&["-i", "/nonexistent/verno-cel.yaml", "1"], "");
    assert_eq!(out.code, 1);
    assert!(out
        .stderr
        .starts_with("Error: failed to open /nonexistent/verno-cel.yaml"));
}

#[test]
fn timestamps_and_durations_print_as_strings() {
    let out = verno(
        &["timestamp('2024-01-02T03:04:05Z')", "duration('90m')"],
        "",
    );
    assert_eq!(ok(&out), "\"2024-01-02T03:04:05Z\"\n\"1h30m0s\"\n");
}

#[test]
fn a_policy_env_keeps_its_declared_variable_types() {
    let file = temp_file(
        "env",
        "req.yaml",
        "request:\n  operation: CREATE\n  foo: bar\n",
    );
    let path = file.to_str().expect("path");
    // The playground takes the file's request as it is...
    let out = verno(&["-i", path, "request.foo"], "");
    assert_eq!(ok(&out), "\"bar\"\n");
    // ...a ValidatingPolicy declares request as Kubernetes' AdmissionRequest.
    let out = verno(&["-i", path, "--env", "validating", "request.foo"], "");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("undefined field 'foo'"),
        "{}",
        out.stderr
    );
    let out = verno(
        &["-i", path, "--env", "validating", "request.operation"],
        "",
    );
    assert_eq!(ok(&out), "\"CREATE\"\n");
}

#[test]
fn heterogeneous_literals_compile_only_in_the_generating_env() {
    let out = verno(&["--env", "validating", "['a', 1]"], "");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("expected type 'string' but found 'int'"),
        "{}",
        out.stderr
    );
    let out = verno(&["--env", "generating", "['a', 1]"], "");
    assert_eq!(ok(&out), "[\"a\",1]\n");
}

#[test]
fn the_entries_of_a_variables_object_are_policy_variables() {
    let file = temp_file("vars", "vars.yaml", "variables:\n  limit: 2\n");
    let out = verno(
        &[
            "-i",
            file.to_str().expect("path"),
            "--env",
            "validating",
            "variables.limit",
        ],
        "",
    );
    assert_eq!(ok(&out), "2\n");
}

#[test]
fn an_expression_is_required() {
    let out = verno(&[], "");
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("<EXPRESSIONS>"), "{}", out.stderr);
}
