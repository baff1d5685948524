//! `verno cel`: evaluate CEL expressions from the command line, the CEL
//! counterpart of `verno jp` (Kyverno has no such command).
//!
//! `verno cel EXPR... [-i FILE] [--env KIND] [--numbers exact|doubles]`
//! compiles every expression first (type-checked as Kyverno compiles them),
//! then evaluates each and prints its result as one line of JSON (Kyverno's
//! CEL-to-JSON conversion: timestamps and durations as strings, bytes as
//! base64). Any compile or evaluation error goes to stderr with exit code 1.
//!
//! FILE is a JSON or YAML object; each top-level key becomes a variable
//! (`object`, `oldObject`, `request`, `params`, `variables`, …). In the
//! default `playground` environment every key is declared `dyn`; with a
//! policy kind (`--env validating`, …) the variables that kind declares keep
//! their declared types (so `request.foo` is an error, as in Kyverno), and
//! the other keys are `dyn`. The entries of a `variables` object become the
//! policy's variables.
//!
//! Numbers are taken as written (`--numbers exact`: an integer is an `int`)
//! by default, which is what expressions look like to their author;
//! `--numbers doubles` makes every number a double, as `kyverno test` and
//! `kyverno apply` do to resources (where `object.spec.replicas + 1` fails).

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum, ValueHint};
use serde_json::Value;
use verno::cel::{self, Activation, Env, EnvKind, NumberMode, Program, Type};

/// The environment an expression is compiled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvChoice {
    /// Every library, every variable (`verno cel`'s default).
    Playground,
    /// ValidatingPolicy.
    Validating,
    /// MutatingPolicy.
    Mutating,
    /// GeneratingPolicy (list and map literals may mix types).
    Generating,
    /// DeletingPolicy.
    Deleting,
    /// ImageValidatingPolicy.
    ImageValidating,
    /// `validate.cel` in ClusterPolicy, ValidatingAdmissionPolicy.
    Admission,
}

impl EnvChoice {
    fn kind(self) -> EnvKind {
        match self {
            EnvChoice::Playground => EnvKind::Playground,
            EnvChoice::Validating => EnvKind::ValidatingPolicy,
            EnvChoice::Mutating => EnvKind::MutatingPolicy,
            EnvChoice::Generating => EnvKind::GeneratingPolicy,
            EnvChoice::Deleting => EnvKind::DeletingPolicy,
            EnvChoice::ImageValidating => EnvKind::ImageValidatingPolicy,
            EnvChoice::Admission => EnvKind::AdmissionPolicy,
        }
    }
}

/// How numbers in the input file become CEL numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Numbers {
    /// An integer is an `int` (a `uint` beyond i64, a double beyond u64).
    Exact,
    /// Every number is a double, as Kyverno's `test` and `apply` see resources.
    Doubles,
}

/// `verno cel`'s arguments.
#[derive(Args, Debug)]
pub struct CelArgs {
    /// A JSON or YAML object whose top-level keys become variables
    /// (`object`, `oldObject`, `request`, `params`, `variables`, …); `-` reads stdin.
    #[arg(short = 'i', long = "input", value_hint = ValueHint::FilePath)]
    pub input: Option<PathBuf>,
    /// The CEL environment: the libraries and declared variables of a policy kind.
    #[arg(long = "env", value_enum, default_value = "playground")]
    pub env: EnvChoice,
    /// How the input's numbers become CEL numbers.
    #[arg(long = "numbers", value_enum, default_value = "exact")]
    pub numbers: Numbers,
    /// CEL expressions, each evaluated and printed as one line of JSON.
    #[arg(required = true)]
    pub expressions: Vec<String>,
}

/// Runs `verno cel`.
pub fn run(args: &CelArgs, host: &dyn verno::Host, stdout: &mut impl Write) -> ExitCode {
    let result = evaluate_all(args, host, stdout);
    let _ = stdout.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

fn evaluate_all(
    args: &CelArgs,
    host: &dyn verno::Host,
    out: &mut impl Write,
) -> Result<(), String> {
    let variables = match &args.input {
        Some(path) => load_variables(path)?,
        None => serde_json::Map::new(),
    };
    let env = environment(args.env, &variables);
    let programs = args
        .expressions
        .iter()
        .map(|expr| {
            Program::compile(&env, expr)
                .map_err(|e| format!("failed to compile CEL expression: {expr}\n{}", e.message))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mode = match args.numbers {
        Numbers::Exact => NumberMode::Exact,
        Numbers::Doubles => NumberMode::Doubles,
    };
    let mut activation = Activation::new(mode);
    for (name, value) in &variables {
        activation.bind_json(name, value);
    }
    for (expr, program) in args.expressions.iter().zip(&programs) {
        let value = program
            .eval(&activation, host)
            .map_err(|e| format!("failed to evaluate CEL expression: {expr}: {e}"))?;
        let json = cel::to_json(&value)
            .map_err(|e| format!("failed to convert the result of {expr} to JSON: {e}"))?;
        let mut line = String::new();
        write_json(&json, &mut line);
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The environment of `choice`, with the input's keys declared.
fn environment(choice: EnvChoice, variables: &serde_json::Map<String, Value>) -> Env {
    let mut env = Env::new(choice.kind());
    for (name, value) in variables {
        let keeps_its_type = choice != EnvChoice::Playground && env.variables().contains_key(name);
        if name == cel::check::decls::VARIABLES && choice != EnvChoice::Playground {
            if let Value::Object(entries) = value {
                for key in entries.keys() {
                    cel::check::declare_policy_variable(&mut env, key, Type::Dyn);
                }
                continue;
            }
        }
        if !keeps_its_type {
            env.declare(name, Type::Dyn);
        }
    }
    env
}

/// The input file as a variable map: a JSON or YAML object.
fn load_variables(path: &Path) -> Result<serde_json::Map<String, Value>, String> {
    let text = if path == Path::new("-") {
        verno_cli::input::read_stream(std::io::stdin().lock(), verno_cli::input::max_input_bytes())
            .map_err(|e| format!("failed to read stdin: {e}"))?
    } else {
        let shown = path.display();
        let file = std::fs::File::open(path).map_err(|e| format!("failed to open {shown}: {e}"))?;
        verno_cli::input::read_stream(file, verno_cli::input::max_input_bytes())
            .map_err(|e| format!("failed to read {shown}: {e}"))?
    };
    let shown = path.display();
    let value = verno::yaml::parse_value(&text)
        .map_err(|e| format!("failed to parse {shown} as JSON or YAML: {e}"))?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(format!(
            "{shown} must hold an object whose keys are variable names (object, request, params, ...), not {}",
            json_kind(&other)
        )),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Compact JSON; doubles as Go's `encoding/json` prints a float64 (`3`, not
/// `3.0`; `1e+21`), integers exactly.
fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => {
                let _ = write!(out, "{i}");
            }
            (None, Some(u), _) => {
                let _ = write!(out, "{u}");
            }
            (None, None, Some(f)) => out.push_str(&go_float(f)),
            _ => out.push_str("null"),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn go_float(f: f64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compact(v: Value) -> String {
        let mut s = String::new();
        write_json(&v, &mut s);
        s
    }

    #[test]
    fn doubles_print_as_go_prints_float64_and_integers_exactly() {
        assert_eq!(
            compact(json!([3.0, 2.5, 1e21, i64::MAX])),
            "[3,2.5,1e+21,9223372036854775807]"
        );
        assert_eq!(compact(json!({"a": "x\"y"})), "{\"a\":\"x\\\"y\"}");
    }
}
