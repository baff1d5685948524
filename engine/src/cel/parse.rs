//! Parsing with the `cel` crate's parser, macros expanded, errors printed
//! as cel-go prints them.

use super::{CompileError, EnvKind};
use cel::common::ast::{IdedExpr, SourceInfo};

/// cel-go's default parser recursion limit.
const MAX_RECURSION_DEPTH: u16 = 250;

/// Expressions longer than this are refused before parsing (cel-go's default
/// expression size code-point limit is 100,000).
const MAX_SOURCE_LEN: usize = 100_000;

/// Parses `source` in the macro set of `kind`.
#[allow(dead_code)]
pub(crate) fn parse(kind: EnvKind, source: &str) -> Result<IdedExpr, CompileError> {
    parse_with_info(kind, source).map(|(expr, _)| expr)
}

/// Parses `source`, keeping the node offsets the checker reports positions with.
pub(crate) fn parse_with_info(
    kind: EnvKind,
    source: &str,
) -> Result<(IdedExpr, SourceInfo), CompileError> {
    if source.chars().count() > MAX_SOURCE_LEN {
        return Err(CompileError {
            message: format!(
                "ERROR: <input>:-1:0: expression code point size exceeds limit: size: {}, limit {MAX_SOURCE_LEN}",
                source.chars().count()
            ),
            line: 1,
            column: 1,
        });
    }
    let parser = parser_env(kind.two_var_comprehensions(), kind.or_value_compat())
        .parser()
        .max_recursion_depth(MAX_RECURSION_DEPTH);
    match parser.parse_with_source_info(source) {
        Ok(parsed) => Ok(parsed),
        Err(errs) => Err(format_errors(source, &errs)),
    }
}

/// The `cel` crate environment whose parser expands our macro set (built
/// once per set and thread: only its macros are used).
type ParserEnvs = Vec<((bool, bool), std::rc::Rc<cel::Env>)>;

fn parser_env(two_var: bool, compat: bool) -> std::rc::Rc<cel::Env> {
    thread_local! {
        static ENVS: std::cell::RefCell<ParserEnvs> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    ENVS.with(|envs| {
        if let Some((_, env)) = envs.borrow().iter().find(|(k, _)| *k == (two_var, compat)) {
            return std::rc::Rc::clone(env);
        }
        let mut env = cel::Env::stdlib();
        for m in super::macros::extra(two_var, compat) {
            // Our macro names never clash with the standard ones (those
            // take other argument counts), so adding cannot fail.
            let _ = env.add_macro(m);
        }
        let env = std::rc::Rc::new(env);
        envs.borrow_mut()
            .push(((two_var, compat), std::rc::Rc::clone(&env)));
        env
    })
}

/// cel-go's issue text: `ERROR: <input>:L:C: msg`, then ` | line` and
/// ` | ....^` when the line is known.
fn format_errors(source: &str, errs: &cel::parser::ParseErrors) -> CompileError {
    let mut message = String::new();
    let mut first = None;
    for e in &errs.errors {
        let (line, col) = e.pos;
        if first.is_none() {
            first = Some((line.max(1) as usize, col.max(1) as usize));
        }
        if !message.is_empty() {
            message.push('\n');
        }
        message.push_str(&format!("ERROR: <input>:{line}:{col}: {}", e.msg));
        if line >= 1 {
            if let Some(text) = source.lines().nth((line - 1) as usize) {
                let dots = ".".repeat(col.saturating_sub(1).max(0) as usize);
                message.push_str(&format!("\n | {text}\n | {dots}^"));
            }
        }
    }
    let (line, column) = first.unwrap_or((1, 1));
    CompileError {
        message,
        line,
        column,
    }
}
