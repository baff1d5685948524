//! Kyverno's `user` library: `parseServiceAccount(user)` (also
//! `user.parseServiceAccount`) → `{name, namespace}`, both empty unless the
//! user is `system:serviceaccount:<namespace>:<name>`.

use super::super::registry::{Call, Registry};
use super::super::types::{ObjectType, Type};
use super::super::value::Val;
use super::super::EvalError;
use super::support::{global, str_arg, string_map};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The cel-go type name.
pub const TYPE: &str = "user.ServiceAccount";

fn parse_service_account<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let user = str_arg(a, 0)?;
    let (namespace, name) = user
        .strip_prefix("system:serviceaccount:")
        .and_then(|rest| rest.split_once(':'))
        .unwrap_or(("", ""));
    Ok(string_map(vec![
        ("name", Val::string(name)),
        ("namespace", Val::string(namespace)),
    ]))
}

/// The `user.ServiceAccount` object type (fields `name`, `namespace`).
pub fn service_account_type() -> Type {
    let fields = BTreeMap::from([
        ("name".to_string(), Type::String),
        ("namespace".to_string(), Type::String),
    ]);
    Type::Object(Arc::new(ObjectType {
        name: TYPE.to_string(),
        fields,
    }))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    let sa = service_account_type();
    global(
        reg,
        "parseServiceAccount",
        "parse_service_account_string_non_prefixed",
        vec![Type::String],
        sa.clone(),
        parse_service_account,
    );
    global(
        reg,
        "user.parseServiceAccount",
        "parse_service_account_string_prefixed",
        vec![Type::String],
        sa,
        parse_service_account,
    );
}
