//! Kyverno's `json` and `yaml` libraries: `json.unmarshal(s)`,
//! `json.marshal(v)` and `yaml.parse(s)`, members of the `json` and `yaml`
//! variables. Parsed numbers are doubles, as Go's `encoding/json` makes them.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{NumberMode, Val};
use super::super::EvalError;
use super::handle::{JSON, YAML};
use super::support::{fail, member, owned_json, str_arg, to_json};

fn unmarshal<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(a, 1)?;
    c.budget.charge_size(s.len())?;
    let v: serde_json::Value = serde_json::from_str(s).map_err(|e| fail(go_json_error(&e)))?;
    Ok(owned_json(&v, NumberMode::Doubles))
}

/// Go's `encoding/json` wording for the common failures.
fn go_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of JSON input".to_string(),
        _ => format!("invalid character in JSON input: {e}"),
    }
}

/// Go's `json.Marshal`: compact, map keys sorted (serde_json's map is).
fn marshal<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let v = a.get(1).ok_or_else(super::support::no_such_overload)?;
    let text = serde_json::to_string(&to_json(v)?).map_err(|e| fail(e.to_string()))?;
    c.budget.charge_size(text.len())?;
    Ok(Val::string(text))
}

fn parse<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(a, 1)?;
    c.budget.charge_size(s.len())?;
    let v = crate::yaml::parse_value(s).map_err(|e| fail(e.to_string()))?;
    Ok(owned_json(&v, NumberMode::Doubles))
}

/// Declares the `json` and `yaml` variables and their functions.
pub fn register(reg: &mut Registry) {
    let j = || Type::Opaque(JSON);
    let y = || Type::Opaque(YAML);
    reg.add_type(JSON);
    reg.add_type(YAML);
    reg.declare_variable("json", j());
    reg.declare_variable("yaml", y());
    member(
        reg,
        "unmarshal",
        "unmarshal_string_dyn",
        vec![j(), Type::Dyn],
        Type::Dyn,
        unmarshal,
    );
    member(
        reg,
        "marshal",
        "marshal_dyn_string",
        vec![j(), Type::Dyn],
        Type::String,
        marshal,
    );
    member(
        reg,
        "parse",
        "parse_string_dyn",
        vec![y(), Type::String],
        Type::Dyn,
        parse,
    );
}
