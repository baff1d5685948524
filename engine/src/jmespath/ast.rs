//! The compiled form of an expression. Node kinds follow go-jmespath's AST
//! one to one, because the fork's error propagation rules (which errors are
//! swallowed where) are defined per node kind.

use serde_json::Value;
use std::sync::OnceLock;

use super::functions::FuncId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug)]
pub(crate) enum Node {
    /// The implicit left/right side of projections (go-jmespath's
    /// `ASTIdentity`).
    Identity,
    /// `@` (`ASTCurrentNode`): evaluates like `Identity`; kept apart so the
    /// AST prints as go-jmespath's does (`verno jp parse`).
    Current,
    Field(String),
    Literal(Value),
    Index(i64),
    Slice([Option<i64>; 3]),
    Subexpression(Box<Node>, Box<Node>),
    IndexExpression(Box<Node>, Box<Node>),
    Projection(Box<Node>, Box<Node>),
    ValueProjection(Box<Node>, Box<Node>),
    FilterProjection {
        lhs: Box<Node>,
        rhs: Box<Node>,
        cond: Box<Node>,
    },
    Flatten(Box<Node>),
    Comparator(Comparator, Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Pipe(Box<Node>, Box<Node>),
    MultiSelectList(Vec<Node>),
    MultiSelectHash(Vec<(String, Node)>),
    Function(Box<FunctionCall>),
    ExpRef(Box<Node>),
}

#[derive(Debug)]
pub(crate) struct FunctionCall {
    pub name: String,
    /// `None` when no dialect knows the name: the fork reports unknown
    /// functions when the call runs, not at compile time.
    pub id: Option<FuncId>,
    pub args: Vec<Node>,
    /// A regex compiled from a literal first argument, reused across
    /// evaluations (regex functions are on the hot path of policies).
    pub regex_cache: OnceLock<Option<std::sync::Arc<regex::Regex>>>,
}
