//! `verno jp` run as a process, compared with what `kyverno jp` prints
//! (`cmd/cli/kubectl-kyverno/commands/jp` in Kyverno).

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
    let dir = std::env::temp_dir().join(format!("verno-jp-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write temp file");
    path
}

const OBJECT: &str = "\
request:
  object:
    metadata:
      name: my-very-long-deployment-name
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

#[test]
fn query_prints_each_expression_and_its_indented_json() {
    let input = temp_file("query", "object.yaml", OBJECT);
    let out = verno(
        &[
            "jp",
            "query",
            "-i",
            input.to_str().unwrap(),
            "request.object.metadata.name | truncate(@, `9`)",
            "request.object.spec.containers[].image",
            "request.object.metadata",
            "request.object.spec.replicas",
        ],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
# request.object.metadata.name | truncate(@, `9`)
\"my-very-l\"
# request.object.spec.containers[].image
[
  \"nginx:1.25\",
  \"ghcr.io/acme/sidecar:2.0\"
]
# request.object.metadata
{
  \"labels\": {
    \"app\": \"web\"
  },
  \"name\": \"my-very-long-deployment-name\"
}
# request.object.spec.replicas
3
"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn query_uses_kyverno_functions() {
    let out = verno(
        &[
            "jp",
            "query",
            "to_upper(name)",
            "divide(`10`, `4`)",
            "divide('12Ki', `3`)",
            "split(csv, ',')",
            "regex_match('^nginx:[0-9.]+$', image)",
            "time_add('2021-01-02T15:04:05-07:00', '3h')",
            "items(labels, 'key', 'value')",
        ],
        r#"{"name": "web", "csv": "a,b,c", "image": "nginx:1.25", "labels": {"app": "x"}}"#,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
# to_upper(name)
\"WEB\"
# divide(`10`, `4`)
2.5
# divide('12Ki', `3`)
\"4Ki\"
# split(csv, ',')
[
  \"a\",
  \"b\",
  \"c\"
]
# regex_match('^nginx:[0-9.]+$', image)
true
# time_add('2021-01-02T15:04:05-07:00', '3h')
\"2021-01-02T18:04:05-07:00\"
# items(labels, 'key', 'value')
[
  {
    \"key\": \"app\",
    \"value\": \"x\"
  }
]
"
    );
}

#[test]
fn compact_and_unquoted_output() {
    let out = verno(
        &["jp", "query", "-c", "-u", "@", "a", "n"],
        r#"{"a": "<b> & c", "n": [1, 2.5, 1e21, 0.0000001, {}]}"#,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Go's encoder: sorted keys, HTML escaping, float64 number texts;
    // `-u` only affects string results.
    assert_eq!(
        out.stdout,
        "\
# @
{\"a\":\"\\u003cb\\u003e \\u0026 c\",\"n\":[1,2.5,1e+21,1e-7,{}]}
# a
<b> & c
# n
[1,2.5,1e+21,1e-7,{}]
"
    );
}

#[test]
fn queries_from_files_come_after_arguments() {
    let q1 = temp_file("files", "q1", "request.object.metadata.labels.app");
    let q2 = temp_file("files", "q2", "length(request.object.spec.containers)");
    let input = temp_file("files", "object.yaml", OBJECT);
    let out = verno(
        &[
            "jp",
            "query",
            "-i",
            input.to_str().unwrap(),
            "-q",
            q1.to_str().unwrap(),
            "--query",
            q2.to_str().unwrap(),
            "request.object.spec.replicas",
        ],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "# request.object.spec.replicas\n3\n# request.object.metadata.labels.app\n\"web\"\n# length(request.object.spec.containers)\n2\n"
    );
}

#[test]
fn query_reads_the_expression_from_stdin_when_none_is_given() {
    let input = temp_file("stdin-query", "object.yaml", OBJECT);
    let out = verno(
        &["jp", "query", "-i", input.to_str().unwrap()],
        "request.object.spec.containers[?name == 'sidecar'].image | [0]\n",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "# request.object.spec.containers[?name == 'sidecar'].image | [0]\n\n\"ghcr.io/acme/sidecar:2.0\"\n"
    );
}

#[test]
fn yaml_input_is_read_as_kyverno_reads_it() {
    let out = verno(
        &["jp", "query", "-c", "@"],
        "on: yes\nmode: 0644\nlist: [a, 'b']\n",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "# @\n{\"list\":[\"a\",\"b\"],\"mode\":420,\"true\":true}\n"
    );
}

#[test]
fn evaluation_errors_stop_with_a_message_and_exit_code_1() {
    let out = verno(
        &["jp", "query", "a", "a.missing.b", "a"],
        r#"{"a": {"b": 1}}"#,
    );
    assert_eq!(out.code, 1);
    // Results before the failing query are printed, later ones are not.
    assert_eq!(out.stdout, "# a\n{\n  \"b\": 1\n}\n");
    assert_eq!(
        out.stderr,
        "Error: error evaluating JMESPath expression: Unknown key \"missing\" in path\n"
    );

    let out = verno(&["jp", "query", "divide(`1`, `0`)"], "{}");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: error evaluating JMESPath expression: JMESPath function 'divide': Zero divisor passed\n"
    );

    let out = verno(&["jp", "query", "no_such_fn(@)"], "{}");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: error evaluating JMESPath expression: unknown function: no_such_fn\n"
    );
}

#[test]
fn syntax_errors_fail_compilation() {
    let out = verno(&["jp", "query", "a.[b"], "{}");
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "Error: failed to compile JMESPath: a.[b, error: SyntaxError: Expected tComma, received: tEOF\n"
    );
}

#[test]
fn query_needs_a_query_or_an_input() {
    let out = verno(&["jp", "query"], "");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: at least one query or input object is required\n"
    );
    let out = verno(&["jp", "query", "-i", "/nonexistent/object.yaml", "a"], "");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: failed open file /nonexistent/object.yaml: open /nonexistent/object.yaml: no such file or directory\n"
    );
}

#[test]
fn function_lists_kyvernos_functions() {
    let out = verno(&["jp", "function"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let names: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Name: "))
        .collect();
    // Kyverno's own functions only (GetFunctions), sorted.
    assert_eq!(names.len(), 51);
    assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    assert!(names.contains(&"sum") && !names.contains(&"length"));
    assert!(out.stdout.starts_with(
        "Name: add\n  Signature: add(any, any) any\n  Note:      does arithmetic addition of two specified values of numbers, quantities, and durations\n\n"
    ));

    let out = verno(&["jp", "function", "truncate", "to_upper"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
Name: to_upper
  Signature: to_upper(string) string
  Note:      takes in a string and outputs the same string with all upper-case letters

Name: truncate
  Signature: truncate(string, number) string
  Note:      length argument must be enclosed in backticks; ex. \"{{request.object.metadata.name | truncate(@, `9`)}}\"

"
    );
}

#[test]
fn function_with_an_unknown_name_is_an_error_after_the_known_ones() {
    let out = verno(&["jp", "function", "to_upper", "nope", "length"], "");
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("Name: to_upper\n"), "{}", out.stdout);
    assert_eq!(
        out.stderr,
        "Error: unknown functions: nope, length (a JMESPath built-in, not a Kyverno function)\n"
    );
    let out = verno(&["jp", "function", "nope"], "");
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert_eq!(out.stderr, "Error: unknown function: nope\n");
}

#[test]
fn parse_prints_the_syntax_tree() {
    let out = verno(
        &["jp", "parse", "name | truncate(@, `9`)", "a[?b == 'x']"],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
# name | truncate(@, `9`)
ASTPipe {
  children: {
    ASTField {
      value: \"name\"
    }
    ASTFunctionExpression {
      value: \"truncate\"
      children: {
        ASTCurrentNode {
        }
        ASTLiteral {
          value: 9
        }
    }
}

# a[?b == 'x']
ASTFilterProjection {
  children: {
    ASTField {
      value: \"a\"
    }
    ASTIdentity {
    }
    ASTComparator {
      value: tEQ
      children: {
        ASTField {
          value: \"b\"
        }
        ASTLiteral {
          value: \"x\"
        }
    }
}

"
    );
}

#[test]
fn parse_errors_highlight_the_location() {
    let out = verno(&["jp", "parse", "a.[b"], "");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: SyntaxError: Expected tComma, received: tEOF\na.[b\n    ^\n"
    );
    // Kyverno's own test: empty input from stdin.
    let out = verno(&["jp", "parse"], "");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: SyntaxError: Incomplete expression\n\n^\n"
    );
}

#[test]
fn bare_jp_prints_help() {
    let out = verno(&["jp"], "");
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("query"), "{}", out.stdout);
    assert!(out.stdout.contains("function") && out.stdout.contains("parse"));
}
