//! `apiCallResponses` of a `Test` (Kyverno 1.19): static HTTP answers for
//! legacy `context[].apiCall` entries and the CEL `http` library, so suites
//! that call out run offline.
//!
//! Kyverno keys every mock by `METHOD:url` when a method is given and by the
//! bare URL otherwise, and looks a call up by `METHOD:url` first, then by the
//! bare URL. The legacy loader refuses a non-2xx mock; CEL `http.*` returns
//! it as `{body, statusCode}` like any other answer.

use serde_json::{Map, Value};

use crate::testfile::DecodeError;

/// One `apiCallResponses` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCallMock {
    /// `url` (a service URL) or `urlPath` (a Kubernetes API path), trimmed.
    pub url: String,
    /// `GET`/`POST`, or `None` to answer any method.
    pub method: Option<String>,
    /// `response.statusCode`, 200 when absent.
    pub status_code: i64,
    /// `response.body`: always a JSON object.
    pub body: Value,
}

/// The mocks of one test, in file order (keys are unique).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiCallMocks {
    /// The entries.
    pub entries: Vec<ApiCallMock>,
}

impl ApiCallMock {
    /// The lookup key: `METHOD:url`, or the bare URL without a method.
    fn key(&self) -> String {
        match &self.method {
            Some(m) => format!("{m}:{}", self.url),
            None => self.url.clone(),
        }
    }

    /// What CEL `http.Get`/`http.Post` see: `{body, statusCode}`.
    pub fn http_response(&self) -> Value {
        serde_json::json!({ "body": self.body, "statusCode": self.status_code })
    }
}

impl ApiCallMocks {
    /// Whether the test declares no mocks.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Decode and check `Test.apiCallResponses` as Kyverno's
    /// `ValidateAPICallResponses` does, with its messages; `at` locates the
    /// field in errors.
    pub fn parse(list: &[Value], at: &str) -> Result<ApiCallMocks, DecodeError> {
        let mut entries: Vec<ApiCallMock> = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let here = format!("{at}[{i}]");
            let mock = parse_entry(item, i, &here)?;
            let key = mock.key();
            if entries.iter().any(|m| m.key() == key) {
                return Err(DecodeError::Invalid {
                    at: here,
                    detail: format!(
                        "apiCallResponses: duplicate entry for {:?} (key {key:?}) — each method+url combination must be unique",
                        mock.url
                    ),
                });
            }
            entries.push(mock);
        }
        Ok(ApiCallMocks { entries })
    }

    /// The mock answering `method` on `url`: `METHOD:url` first, then the
    /// entry without a method.
    pub fn lookup(&self, method: &str, url: &str) -> Option<&ApiCallMock> {
        let exact = self
            .entries
            .iter()
            .find(|m| !method.is_empty() && m.method.as_deref() == Some(method) && m.url == url);
        exact.or_else(|| {
            self.entries
                .iter()
                .find(|m| m.method.is_none() && m.url == url)
        })
    }

    /// Resolve a legacy `apiCall` context entry (after substitution) as
    /// Kyverno's CLI context loader does: `Ok(None)` when no mock answers.
    pub fn api_call_entry(
        &self,
        name: &str,
        entry: &Value,
        host: &dyn verno::Host,
    ) -> Result<Option<Value>, String> {
        let Some(call) = entry.get("apiCall") else {
            return Ok(None);
        };
        let url = match call.get("service").filter(|s| !s.is_null()) {
            Some(service) => service.get("url").and_then(Value::as_str).unwrap_or(""),
            None => call.get("urlPath").and_then(Value::as_str).unwrap_or(""),
        };
        let method = match call.get("method").and_then(Value::as_str) {
            Some(m) if !m.is_empty() => m,
            _ => "GET",
        };
        if url.is_empty() {
            return Ok(None);
        }
        let Some(mock) = self.lookup(method, url) else {
            return Ok(None);
        };
        if !(200..300).contains(&mock.status_code) {
            return Err(format!(
                "HTTP {} from apiCall mock for context entry {name:?} (v1 apiCall treats non-2xx as failure)",
                mock.status_code
            ));
        }
        let path = call.get("jmesPath").and_then(Value::as_str).unwrap_or("");
        if path.is_empty() {
            return Ok(Some(mock.body.clone()));
        }
        let rt = verno::unstable::jmespath::Runtime {
            dialect: verno::unstable::jmespath::Dialect::Kyverno,
            host,
        };
        verno::unstable::jmespath::compile(path)
            .and_then(|e| e.search(&mock.body, &rt))
            .map(Some)
            .map_err(|e| {
                format!("failed to apply JMESPath {path:?} for context entry {name:?}: {e}")
            })
    }
}

fn parse_entry(item: &Value, i: usize, here: &str) -> Result<ApiCallMock, DecodeError> {
    let invalid = |detail: String| DecodeError::Invalid {
        at: here.to_string(),
        detail,
    };
    let empty = Map::new();
    let obj = match item {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err(invalid("must be a map".into())),
    };
    for k in obj.keys() {
        if !["url", "urlPath", "method", "response"].contains(&k.as_str()) {
            return Err(DecodeError::UnknownField {
                at: here.to_string(),
                field: k.clone(),
            });
        }
    }
    let string = |k: &str| -> Result<String, DecodeError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.trim().to_string()),
            Some(_) => Err(DecodeError::Invalid {
                at: format!("{here}.{k}"),
                detail: "must be a string".into(),
            }),
        }
    };
    let (u, up) = (string("url")?, string("urlPath")?);
    if u.is_empty() && up.is_empty() {
        return Err(invalid(format!(
            "apiCallResponses[{i}]: either url or urlPath is required"
        )));
    }
    if !u.is_empty() && !up.is_empty() {
        return Err(invalid(format!(
            "apiCallResponses[{i}]: url and urlPath are mutually exclusive"
        )));
    }
    if !u.is_empty() {
        let Some((scheme, rest)) = u.split_once("://") else {
            return Err(invalid(format!(
                "apiCallResponses[{i}]: url {u:?} must be an absolute https/http URL"
            )));
        };
        if scheme != "http" && scheme != "https" {
            return Err(invalid(format!(
                "apiCallResponses[{i}]: url {u:?} must be an absolute https/http URL"
            )));
        }
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or("");
        if host.is_empty() || host.starts_with(':') {
            return Err(invalid(format!(
                "apiCallResponses[{i}]: url {u:?} has scheme but no host"
            )));
        }
    }
    if !up.is_empty() && !up.starts_with('/') {
        return Err(invalid(format!(
            "apiCallResponses[{i}]: urlPath {up:?} must be an absolute path starting with '/'"
        )));
    }
    let method = string("method")?.to_uppercase();
    if !method.is_empty() && method != "GET" && method != "POST" {
        return Err(invalid(format!(
            "apiCallResponses[{i}]: method must be GET or POST"
        )));
    }
    let label = if u.is_empty() { up.clone() } else { u.clone() };
    let response = match obj.get("response") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(r)) => r,
        Some(_) => {
            return Err(DecodeError::Invalid {
                at: format!("{here}.response"),
                detail: "must be a map".into(),
            })
        }
    };
    for k in response.keys() {
        if k != "statusCode" && k != "body" {
            return Err(DecodeError::UnknownField {
                at: format!("{here}.response"),
                field: k.clone(),
            });
        }
    }
    let body = match response.get("body") {
        None | Some(Value::Null) => {
            return Err(invalid(format!(
                "apiCallResponses[{i}] {label:?}: response.body is required"
            )))
        }
        Some(b @ Value::Object(_)) => b.clone(),
        Some(_) => {
            return Err(invalid(format!(
                "apiCallResponses[{i}] {label:?}: response.body must be a JSON object"
            )))
        }
    };
    let status_code = match response.get("statusCode") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(c) => c,
            None => {
                return Err(DecodeError::Invalid {
                    at: format!("{here}.response.statusCode"),
                    detail: "must be an integer".into(),
                })
            }
        },
        Some(_) => {
            return Err(DecodeError::Invalid {
                at: format!("{here}.response.statusCode"),
                detail: "must be an integer".into(),
            })
        }
    };
    if status_code != 0 && !(100..=599).contains(&status_code) {
        return Err(invalid(format!(
            "apiCallResponses[{i}] {label:?}: statusCode {status_code} must be between 100 and 599"
        )));
    }
    Ok(ApiCallMock {
        url: label,
        method: (!method.is_empty()).then_some(method),
        status_code: if status_code == 0 { 200 } else { status_code },
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mocks(v: Value) -> Result<ApiCallMocks, DecodeError> {
        ApiCallMocks::parse(
            v.as_array().map(Vec::as_slice).unwrap_or(&[]),
            "Test.apiCallResponses",
        )
    }

    #[test]
    fn api_call_mock_matches_on_substituted_url_and_method() {
        let m = mocks(json!([
            {"urlPath": "/api/v1/namespaces/prod", "method": "GET", "response": {"body": {"a": 1}}},
            {"urlPath": "/api/v1/namespaces/prod", "method": "POST", "response": {"body": {"a": 2}}},
        ]))
        .unwrap();
        let entry = json!({"apiCall": {"urlPath": "/api/v1/namespaces/prod", "jmesPath": "a"}});
        assert_eq!(
            m.api_call_entry("ns", &entry, &verno::NoHost).unwrap(),
            Some(json!(1))
        );
        let post = json!({"apiCall": {"urlPath": "/api/v1/namespaces/prod", "method": "POST"}});
        assert_eq!(
            m.api_call_entry("ns", &post, &verno::NoHost).unwrap(),
            Some(json!({"a": 2}))
        );
        let other = json!({"apiCall": {"urlPath": "/api/v1/namespaces/dev"}});
        assert_eq!(
            m.api_call_entry("ns", &other, &verno::NoHost).unwrap(),
            None
        );
    }

    #[test]
    fn mock_without_method_answers_any_method_after_exact_match() {
        let m = mocks(json!([
            {"url": "https://svc.example.com/check", "response": {"body": {"any": true}}},
            {"url": "https://svc.example.com/check", "method": "post", "response": {"body": {"post": true}}},
        ]))
        .unwrap();
        assert_eq!(
            m.lookup("POST", "https://svc.example.com/check")
                .map(|x| &x.body),
            Some(&json!({"post": true}))
        );
        assert_eq!(
            m.lookup("GET", "https://svc.example.com/check")
                .map(|x| &x.body),
            Some(&json!({"any": true}))
        );
    }

    #[test]
    fn service_url_is_matched_for_service_calls() {
        let m = mocks(json!([
            {"url": "https://svc.example.com/check", "response": {"body": {"ok": true}}},
        ]))
        .unwrap();
        let entry = json!({"apiCall": {"service": {"url": "https://svc.example.com/check"}, "method": "POST"}});
        assert_eq!(
            m.api_call_entry("e", &entry, &verno::NoHost).unwrap(),
            Some(json!({"ok": true}))
        );
    }

    #[test]
    fn non_2xx_mock_is_an_error_result() {
        let m = mocks(json!([
            {"urlPath": "/api/v1/x", "response": {"statusCode": 404, "body": {"e": 1}}},
        ]))
        .unwrap();
        let entry = json!({"apiCall": {"urlPath": "/api/v1/x"}});
        assert_eq!(
            m.api_call_entry("data", &entry, &verno::NoHost).unwrap_err(),
            "HTTP 404 from apiCall mock for context entry \"data\" (v1 apiCall treats non-2xx as failure)"
        );
        // CEL http.* sees it as a plain answer.
        assert_eq!(
            m.lookup("GET", "/api/v1/x").unwrap().http_response(),
            json!({"body": {"e": 1}, "statusCode": 404})
        );
    }

    #[test]
    fn duplicate_mock_is_a_test_file_error() {
        let e = mocks(json!([
            {"url": "https://a.example.com/x", "method": "GET", "response": {"body": {}}},
            {"url": "https://a.example.com/x", "method": "get", "response": {"body": {}}},
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("Test.apiCallResponses[1]: apiCallResponses: duplicate entry"),
            "{e}"
        );
    }

    #[test]
    fn malformed_mocks_name_the_entry_and_field() {
        for (v, want) in [
            (
                json!([{"response": {"body": {}}}]),
                "either url or urlPath is required",
            ),
            (
                json!([{"url": "ftp://x/y", "response": {"body": {}}}]),
                "must be an absolute https/http URL",
            ),
            (
                json!([{"urlPath": "api", "response": {"body": {}}}]),
                "must be an absolute path",
            ),
            (
                json!([{"urlPath": "/a", "method": "PUT", "response": {"body": {}}}]),
                "method must be GET or POST",
            ),
            (
                json!([{"urlPath": "/a", "response": {}}]),
                "response.body is required",
            ),
            (
                json!([{"urlPath": "/a", "response": {"body": [1]}}]),
                "response.body must be a JSON object",
            ),
            (
                json!([{"urlPath": "/a", "response": {"body": {}, "statusCode": 700}}]),
                "must be between 100 and 599",
            ),
            (json!([{"urlPath": "/a", "respons": {}}]), "unknown field"),
        ] {
            let e = mocks(v).unwrap_err().to_string();
            assert!(
                e.contains(want) && e.starts_with("Test.apiCallResponses[0]"),
                "{e}"
            );
        }
    }
}
