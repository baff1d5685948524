//! TEMP shim
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};
pub struct Document { pub value: Value, pub line: usize }
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError { pub line: usize, pub column: usize, pub message: String }
fn conv(y: &Yaml) -> Value { match y {
 Yaml::Real(s) => s.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::String(s.clone())),
 Yaml::Integer(i) => Value::from(*i), Yaml::String(s) => Value::String(s.clone()), Yaml::Boolean(b) => Value::Bool(*b),
 Yaml::Array(a) => Value::Array(a.iter().map(conv).collect()),
 Yaml::Hash(h) => Value::Object(h.iter().map(|(k,v)| (match k { Yaml::String(s)=>s.clone(), other => conv(other).to_string()}, conv(v))).collect()),
 _ => Value::Null } }
pub fn parse_documents(text: &str) -> Result<Vec<Document>, YamlError> {
 let docs = YamlLoader::load_from_str(text).map_err(|e| YamlError{line: e.marker().line(), column: e.marker().col(), message: e.to_string()})?;
 Ok(docs.iter().map(conv).filter(|v| !v.is_null()).map(|value| Document{value, line: 1}).collect()) }
pub fn parse_value(text: &str) -> Result<Value, YamlError> { Ok(parse_documents(text)?.into_iter().next().map(|d| d.value).unwrap_or(Value::Null)) }
pub fn to_yaml_string(v: &Value) -> String { serde_json::to_string_pretty(v).unwrap_or_default() }
