//! JMESPath as Kyverno evaluates it.
//!
//! Kyverno uses its own fork of go-jmespath, which differs from the
//! JMESPath specification in ways policies depend on: looking up a missing
//! key of an object is an error (`Unknown key "k" in path`) that some
//! operators swallow and others propagate, and about fifty extra functions
//! (`regex_match`, `divide`, `time_since`...) are registered. Both
//! behaviours are available here as [`Dialect`]s: `Standard` follows the
//! specification (and passes the compliance suite), `Kyverno` follows the
//! fork.
//!
//! Expressions are compiled once ([`compile`]) and evaluated many times
//! over borrowed JSON ([`Expression::search`]); evaluation copies data only
//! when a function builds new values or when the result is returned.
//!
//! ```rust
//! use verno::jmespath::{compile, Runtime, Dialect};
//! use verno::host::NoHost;
//! use serde_json::json;
//!
//! let expr = compile("spec.containers[?name == 'nginx'].image | [0]").unwrap();
//! let pod = json!({"spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}});
//! let rt = Runtime { dialect: Dialect::Kyverno, host: &NoHost };
//! assert_eq!(expr.search(&pod, &rt).unwrap(), json!("nginx:1.25"));
//!
//! // The fork's signature behaviour: a missing key is an error...
//! let err = compile("spec.missing.name").unwrap().search(&pod, &rt).unwrap_err();
//! assert_eq!(err.to_string(), r#"Unknown key "missing" in path"#);
//! // ...unless an operator such as `||` swallows it.
//! let v = compile("spec.missing.name || 'none'").unwrap().search(&pod, &rt).unwrap();
//! assert_eq!(v, json!("none"));
//! ```

mod ast;
mod functions;
mod interpreter;
pub(crate) mod kyverno;
mod lexer;
mod parser;
pub(crate) mod print;
mod value;

use serde_json::Value;

/// Why compiling or evaluating an expression failed.
///
/// `Display` gives the text Kyverno's fork produces (Kyverno embeds it in
/// its messages, e.g. `JMESPath query failed: Unknown key "x" in path`).
/// The variants classify the error the way the JMESPath compliance suite
/// does (`syntax`, `invalid-type`, `invalid-arity`, `unknown-function`,
/// `invalid-value`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JmespathError {
    /// The expression does not parse. `offset` is a byte offset into it.
    #[error("SyntaxError: {message}")]
    Syntax { message: String, offset: usize },
    /// Kyverno dialect only: a field was looked up on an object that does
    /// not have it (the fork's `NotFoundError`). Holds the key.
    #[error("Unknown key \"{0}\" in path")]
    UnknownKey(String),
    /// A call to a function the dialect does not define.
    #[error("unknown function: {0}")]
    UnknownFunction(String),
    /// Wrong number of arguments.
    #[error("{0}")]
    InvalidArity(String),
    /// An argument (or an `&expr` result) of the wrong type.
    #[error("{0}")]
    InvalidType(String),
    /// An argument of the right type but an unusable value (slice step 0).
    #[error("{0}")]
    InvalidValue(String),
    /// Any other evaluation error, e.g. from a Kyverno function:
    /// `JMESPath function 'divide': Zero divisor passed`.
    #[error("{0}")]
    Runtime(String),
}

impl JmespathError {
    /// True for the fork's "Unknown key" error, which Kyverno treats
    /// specially in places (a foreach whose list hits it is skipped).
    pub fn is_unknown_key(&self) -> bool {
        matches!(self, JmespathError::UnknownKey(_))
    }
}

/// Which semantics to evaluate with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// The JMESPath specification (2015, as implemented by go-jmespath).
    Standard,
    /// Kyverno's go-jmespath fork with Kyverno's functions registered.
    Kyverno,
}

/// Everything evaluation may consult besides the data: the dialect, and the
/// host for the clock (`time_now`, `time_since`) and randomness (`random`).
pub struct Runtime<'h> {
    pub dialect: Dialect,
    pub host: &'h dyn crate::host::Host,
}

/// A compiled expression: parse once, evaluate many times. `Send + Sync`.
///
/// ```rust
/// use verno::jmespath::{compile, Runtime, Dialect};
/// use verno::host::NoHost;
/// use serde_json::json;
///
/// let expr = compile("length(metadata.labels)").unwrap();
/// let rt = Runtime { dialect: Dialect::Kyverno, host: &NoHost };
/// let n = expr.search(&json!({"metadata": {"labels": {"a": "1"}}}), &rt).unwrap();
/// assert_eq!(n.as_f64(), Some(1.0));
/// ```
#[derive(Debug)]
pub struct Expression {
    source: String,
    ast: ast::Node,
}

/// Parses `expr`. Unknown function names are not an error here: like the
/// fork, they fail when the call is evaluated.
///
/// ```rust
/// use verno::jmespath::compile;
/// assert!(compile("a.b[0]").is_ok());
/// assert_eq!(compile("a.").unwrap_err().to_string(),
///            "SyntaxError: Expected identifier, lbracket, or lbrace");
/// ```
pub fn compile(expr: &str) -> Result<Expression, JmespathError> {
    let ast = parser::parse(expr)?;
    Ok(Expression {
        source: expr.to_string(),
        ast,
    })
}

impl Expression {
    /// Evaluates the expression against `data`.
    ///
    /// ```rust
    /// use verno::jmespath::{compile, Runtime, Dialect};
    /// use verno::host::NoHost;
    /// use serde_json::json;
    ///
    /// let rt = Runtime { dialect: Dialect::Standard, host: &NoHost };
    /// let v = compile("people[?age > `20`].name").unwrap()
    ///     .search(&json!({"people": [{"name": "a", "age": 30}, {"name": "b", "age": 10}]}), &rt)
    ///     .unwrap();
    /// assert_eq!(v, json!(["a"]));
    /// ```
    pub fn search(&self, data: &Value, rt: &Runtime<'_>) -> Result<Value, JmespathError> {
        let it = interpreter::Interp::new(rt);
        let out = it.eval(&self.ast, value::Val::Ref(data))?;
        Ok(out.into_value())
    }

    /// The text the expression was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree as go-jmespath's `ASTNode.String()` prints it
    /// (what `kyverno jp parse` shows), except that slice bounds are
    /// printed as numbers where Go prints pointers.
    ///
    /// ```rust
    /// let ast = verno::jmespath::compile("a == `1`").unwrap().ast_string();
    /// assert_eq!(ast, "ASTComparator {\n  value: tEQ\n  children: {\n    ASTField {\n      value: \"a\"\n    }\n    ASTLiteral {\n      value: 1\n    }\n}\n");
    /// ```
    pub fn ast_string(&self) -> String {
        print::pretty(&self.ast)
    }
}

/// `(name, signature)` of every function of the Kyverno dialect (built-ins
/// and Kyverno's), sorted by name. Signatures read like Kyverno's
/// `kyverno jp function`: `compare(string, string) number`.
///
/// ```rust
/// let sigs = verno::jmespath::function_signatures();
/// assert!(sigs.iter().any(|(n, s)| *n == "divide" && s == "divide(any, any) any"));
/// ```
pub fn function_signatures() -> Vec<(&'static str, String)> {
    function_docs()
        .into_iter()
        .map(|d| (d.name, d.signature))
        .collect()
}

/// Documentation of one function of the Kyverno dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDoc {
    pub name: &'static str,
    /// `name(arg types) return type`.
    pub signature: String,
    /// Kyverno's note for the function (empty for built-ins).
    pub note: &'static str,
    /// True for Kyverno's functions (what `kyverno jp function` lists),
    /// false for JMESPath built-ins.
    pub kyverno: bool,
}

/// Like [`function_signatures`] with Kyverno's notes, for `verno jp function`.
///
/// ```rust
/// let docs = verno::jmespath::function_docs();
/// let d = docs.iter().find(|d| d.name == "divide").unwrap();
/// assert_eq!(d.note, "divisor must be non zero");
/// assert!(d.kyverno);
/// ```
pub fn function_docs() -> Vec<FunctionDoc> {
    let mut out: Vec<FunctionDoc> = functions::TABLE
        .iter()
        .filter(|d| d.avail != functions::Avail::Standard)
        .map(|d| FunctionDoc {
            name: d.name,
            signature: functions::signature(d),
            note: d.note,
            kyverno: d.avail == functions::Avail::Kyverno,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(b.name));
    out
}

#[cfg(test)]
mod tests;
