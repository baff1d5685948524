//! `verno jp`: JMESPath with Kyverno's functions from the command line, like
//! `kyverno jp` (`cmd/cli/kubectl-kyverno/commands/jp`).
//!
//! * `verno jp query [-i input] [-q file]... [-c] [-u] [expr]...` evaluates
//!   each expression on a JSON or YAML document and prints `# <expr>` then
//!   the result as Go's `json.MarshalIndent` (or `json.Marshal` with `-c`)
//!   would.
//! * `verno jp function [name]...` lists Kyverno's functions.
//! * `verno jp parse [-f file]... [expr]...` prints the syntax tree.
//!
//! One difference: Kyverno prints "Reading from terminal input." prompts on
//! stdout whenever it reads stdin, even from a pipe, which mixes them into
//! the output; verno prints them only when stdin is a terminal.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueHint};
use serde_json::Value;
use verno::unstable::jmespath::{self, Dialect, JmespathError, Runtime};

#[derive(Subcommand, Debug)]
pub enum JpCommand {
    /// Evaluate JMESPath expressions on a JSON or YAML document.
    Query {
        /// Read input from a JSON or YAML file instead of stdin.
        #[arg(short = 'i', long = "input", value_hint = ValueHint::FilePath)]
        input: Option<PathBuf>,
        /// Read a JMESPath expression from the specified file (repeatable).
        #[arg(short = 'q', long = "query", value_delimiter = ',')]
        query_files: Vec<PathBuf>,
        /// Produce compact JSON output that omits non essential whitespace.
        #[arg(short = 'c', long)]
        compact: bool,
        /// If the final result is a string, print it without quotes.
        #[arg(short = 'u', long)]
        unquoted: bool,
        /// Expressions to evaluate (read from stdin when none is given).
        queries: Vec<String>,
    },
    /// Show Kyverno's JMESPath functions (all, or the named ones).
    Function {
        /// Function names.
        names: Vec<String>,
    },
    /// Parse expressions and show their syntax tree.
    Parse {
        /// Read an expression from the specified file (repeatable).
        #[arg(short = 'f', long = "file", value_delimiter = ',')]
        files: Vec<PathBuf>,
        /// Expressions to parse (read from stdin when none is given).
        expressions: Vec<String>,
    },
}

/// Runs `verno jp <command>`; `None` (bare `verno jp`) prints the help, as
/// Kyverno does.
pub fn run(command: Option<JpCommand>, stdout: &mut impl Write) -> ExitCode {
    let result = match command {
        None => {
            let mut help = JpCommand::augment_subcommands(
                clap::Command::new("verno jp").about(
                    "Provides a command-line interface to JMESPath, enhanced with Kyverno specific custom functions.",
                ),
            );
            let _ = writeln!(stdout, "{}", help.render_help());
            Ok(())
        }
        Some(JpCommand::Query {
            input,
            query_files,
            compact,
            unquoted,
            queries,
        }) => query(
            stdout,
            input.as_deref(),
            &query_files,
            compact,
            unquoted,
            queries,
        ),
        Some(JpCommand::Function { names }) => function(stdout, &names),
        Some(JpCommand::Parse { files, expressions }) => parse(stdout, &files, expressions),
    };
    let _ = stdout.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // cobra's rendering of a RunE error.
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `kyverno jp query`.
fn query(
    out: &mut impl Write,
    input: Option<&Path>,
    query_files: &[PathBuf],
    compact: bool,
    unquoted: bool,
    mut queries: Vec<String>,
) -> Result<(), String> {
    for file in query_files {
        queries.push(load_file(file)?);
    }
    let mut document = match input {
        Some(path) => Some(parse_input(&load_file(path)?)?),
        None => None,
    };
    if queries.is_empty() && document.is_none() {
        return Err("at least one query or input object is required".into());
    }
    if queries.is_empty() {
        prompt(out, "Enter a jmespath expression and hit Ctrl+D.");
        queries.push(read_stdin()?);
    }
    let document = match document.take() {
        Some(d) => d,
        None => {
            prompt(out, "Enter input object and hit Ctrl+D.");
            parse_input(&read_stdin()?)?
        }
    };
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &verno::NoHost,
    };
    for q in &queries {
        let compiled = jmespath::compile(q)
            .map_err(|e| format!("failed to compile JMESPath: {q}, error: {e}"))?;
        let result = compiled
            .search(&document, &rt)
            .map_err(|e| format!("error evaluating JMESPath expression: {e}"))?;
        let mut text = String::new();
        match &result {
            Value::String(s) if unquoted => text.push_str(s),
            other => write_go_json(other, !compact, 0, &mut text),
        }
        writeln!(out, "# {q}\n{text}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `kyverno jp function`: Kyverno's functions (not the JMESPath
/// built-ins), sorted as Kyverno sorts them (by signature and note).
///
/// Kyverno prints nothing and succeeds for a name it does not know, so a
/// typo looks like a function without documentation; verno prints the
/// known ones, then fails naming the others.
fn function(out: &mut impl Write, names: &[String]) -> Result<(), String> {
    let all = jmespath::function_docs();
    let mut unknown: Vec<String> = Vec::new();
    for n in names {
        if all.iter().any(|d| d.kyverno && d.name == n) || unknown.contains(n) {
            continue;
        }
        unknown.push(if all.iter().any(|d| d.name == n) {
            format!("{n} (a JMESPath built-in, not a Kyverno function)")
        } else {
            n.clone()
        });
    }
    let mut docs: Vec<_> = all.into_iter().filter(|d| d.kyverno).collect();
    let key = |d: &jmespath::FunctionDoc| {
        if d.note.is_empty() {
            d.signature.clone()
        } else {
            format!("{} ({})", d.signature, d.note)
        }
    };
    docs.sort_by_key(key);
    let mut text = String::new();
    for d in docs {
        if !names.is_empty() && !names.iter().any(|n| n == d.name) {
            continue;
        }
        let _ = writeln!(text, "Name: {}", d.name);
        let _ = writeln!(text, "  Signature: {}", d.signature);
        if !d.note.is_empty() {
            // Go's Println puts a space between "  Note:     " and the note.
            let _ = writeln!(text, "  Note:      {}", d.note);
        }
        text.push('\n');
    }
    let _ = out.write_all(text.as_bytes());
    match unknown.as_slice() {
        [] => Ok(()),
        [one] => Err(format!("unknown function: {one}")),
        many => Err(format!("unknown functions: {}", many.join(", "))),
    }
}

/// `kyverno jp parse`.
fn parse(
    out: &mut impl Write,
    files: &[PathBuf],
    mut expressions: Vec<String>,
) -> Result<(), String> {
    for file in files {
        expressions.push(load_file(file)?);
    }
    if expressions.is_empty() {
        prompt(out, "Enter a jmespath expression and hit Ctrl+D.");
        expressions.push(read_stdin().map_err(|e| format!("failed to read file STDIN: {e}"))?);
    }
    for expr in &expressions {
        let compiled = jmespath::compile(expr).map_err(|e| match &e {
            // go-jmespath's SyntaxError.HighlightLocation under the message.
            JmespathError::Syntax { offset, .. } => {
                format!("{e}\n{expr}\n{}^", " ".repeat(*offset))
            }
            _ => e.to_string(),
        })?;
        // Println of the AST text, which already ends in a newline.
        writeln!(out, "# {expr}\n{}", compiled.ast_string()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Kyverno's `loadFile` error texts (`os.Open` errors read like
/// `open <file>: no such file or directory`).
fn load_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| {
        format!(
            "failed open file {shown}: open {shown}: {}",
            go_io_error(&e)
        )
    })?;
    // Bounded: `-i /dev/zero` must not fill memory (pipes such as `<(cmd)`
    // stay allowed, which is why only the size is checked).
    verno_cli::input::read_stream(file, verno_cli::input::max_input_bytes())
        .map_err(|e| format!("failed to read file {shown}: {}", go_io_error(&e)))
}

fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}

/// `sigs.k8s.io/yaml.Unmarshal`: JSON or YAML, first document only.
fn parse_input(text: &str) -> Result<Value, String> {
    verno::unstable::yaml::parse_value(text).map_err(|e| format!("error parsing input json: {e}"))
}

fn read_stdin() -> Result<String, String> {
    verno_cli::input::read_stream(std::io::stdin().lock(), verno_cli::input::max_input_bytes())
        .map_err(|e| e.to_string())
}

/// Kyverno's prompt before reading stdin, on stdout (see the module
/// documentation for why only on a terminal).
fn prompt(out: &mut impl Write, what: &str) {
    if std::io::stdin().is_terminal() {
        let _ = writeln!(out, "Reading from terminal input.\n{what}");
        let _ = out.flush();
    }
}

/// Go's `json.MarshalIndent(v, "", "  ")` (`indent`) or `json.Marshal`:
/// object keys sorted, HTML-sensitive characters escaped, and every number
/// a float64 (Kyverno decodes its input with `encoding/json`).
fn write_go_json(v: &Value, indent: bool, level: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_json_float(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => go_json_string(s, out),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, level + 1, out);
                write_go_json(item, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, level + 1, out);
                go_json_string(k, out);
                out.push_str(if indent { ": " } else { ":" });
                write_go_json(item, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push('}');
        }
    }
}

fn newline(indent: bool, level: usize, out: &mut String) {
    if indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    }
}

/// `encoding/json`'s float64 text: shortest round-trip digits, plain
/// decimal for 1e-6 <= |x| < 1e21, else `1e+21` / `1e-7`.
fn go_json_float(f: f64) -> String {
    let a = f.abs();
    if a == 0.0 || (1e-6..1e21).contains(&a) {
        return format!("{f}");
    }
    let sci = format!("{f:e}");
    match sci.split_once('e') {
        Some((m, e)) if e.starts_with('-') => format!("{m}e{e}"),
        Some((m, e)) => format!("{m}e+{e}"),
        None => sci,
    }
}

/// `encoding/json` string escaping (Go 1.22+: `\b` and `\f` short forms).
fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn indented(v: Value) -> String {
        let mut s = String::new();
        write_go_json(&v, true, 0, &mut s);
        s
    }

    #[test]
    fn marshal_indent_matches_go() {
        assert_eq!(
            indented(json!({"b": [1, 2.5, {}], "a": {"x": []}, "c": "<&>"})),
            "{\n  \"a\": {\n    \"x\": []\n  },\n  \"b\": [\n    1,\n    2.5,\n    {}\n  ],\n  \"c\": \"\\u003c\\u0026\\u003e\"\n}"
        );
        assert_eq!(indented(json!(1e21)), "1e+21");
        assert_eq!(indented(json!(1e-7)), "1e-7");
        assert_eq!(indented(json!(1.5e-10)), "1.5e-10");
        assert_eq!(
            indented(json!(100000000000000000000.0)),
            "100000000000000000000"
        );
        assert_eq!(indented(json!(u64::MAX)), "18446744073709552000");
        assert_eq!(indented(json!("\u{8}\u{1}")), "\"\\b\\u0001\"");
    }
}
