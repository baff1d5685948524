//! `validate.foreach` entries, compiled once (`kyvernov1.ForEachValidation`).
//! Evaluation lives with the rest of validation in `eval::validate`.

use serde_json::Value;

use crate::compile::{compile_validate_body, ValidateBody};
use crate::error::{LoadError, Location};

/// One `foreach` entry of a validate rule: the `list` to iterate, per-element
/// context and preconditions, and what to check for each element.
#[derive(Debug, Clone)]
pub struct ForeachEntry {
    /// JMESPath over the context (no `{{ }}`).
    pub list: String,
    pub context: Vec<Value>,
    pub preconditions: Option<Value>,
    /// `None`: scoped when the element is a map.
    pub element_scope: Option<bool>,
    /// `deny`, `pattern`/`anyPattern` or a nested `foreach`, in that order.
    pub body: ValidateBody,
}

/// Compile a `foreach` list (the rule's, or a nested one).
pub fn compile_entries(
    v: &Value,
    loc: &dyn Fn(&str) -> Location,
    field: &str,
) -> Result<Vec<ForeachEntry>, LoadError> {
    let invalid = |f: &str, message: String| LoadError::Invalid {
        location: Box::new(loc(f)),
        message,
    };
    let items = match v {
        Value::Array(a) => a,
        Value::Null => return Ok(vec![]),
        _ => return Err(invalid(field, "foreach must be a list".into())),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let Value::Object(m) = item else {
            return Err(invalid(&f, "foreach entry must be a map".into()));
        };
        let list = match m.get("list") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(_) => {
                return Err(invalid(
                    &format!("{f}.list"),
                    "list must be a string".into(),
                ))
            }
        };
        let context = match m.get("context") {
            Some(Value::Array(a)) => a.clone(),
            None | Some(Value::Null) => vec![],
            Some(_) => {
                return Err(invalid(
                    &format!("{f}.context"),
                    "context must be a list".into(),
                ))
            }
        };
        let element_scope = match m.get("elementScope") {
            Some(Value::Bool(b)) => Some(*b),
            None | Some(Value::Null) => None,
            Some(_) => {
                return Err(invalid(
                    &format!("{f}.elementScope"),
                    "elementScope must be a boolean".into(),
                ))
            }
        };
        let body = compile_validate_body(
            m.get("deny"),
            m.get("pattern"),
            m.get("anyPattern"),
            m.get("foreach"),
            loc,
            &f,
        )?;
        out.push(ForeachEntry {
            list,
            context,
            preconditions: m.get("preconditions").filter(|p| !p.is_null()).cloned(),
            element_scope,
            body,
        });
    }
    Ok(out)
}
