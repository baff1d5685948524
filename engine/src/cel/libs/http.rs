//! Kyverno's `http` library (`SDK:extensions/cel/libs/http`):
//! `http.Get(url[, headers])`, `http.Post(url, body[, headers])`,
//! `http.Client(caBundle)`, with camelCase aliases.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{NumberMode, Opaque, Val};
use super::super::EvalError;
use super::support::{fail, member, opaque, owned_json, str_arg, string_pairs, to_json};
use crate::host::HttpRequest;

/// The cel-go type name of the `http` variable and of its clients.
pub const TYPE: &str = "http.Context";

/// An `http.Context`: the default client, or one made by `Client(caBundle)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpContext {
    pub ca_bundle: Option<String>,
}

impl Opaque for HttpContext {
    fn type_name(&self) -> &'static str {
        TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<HttpContext>()
            .is_some_and(|o| o == self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The value of the `http` variable.
pub fn value<'a>() -> Val<'a> {
    opaque(HttpContext::default())
}

fn context<'b>(a: &'b [Val<'_>]) -> Result<&'b HttpContext, EvalError> {
    super::support::opaque_arg::<HttpContext>(a, 0)
}

/// Go decodes the body with `encoding/json` (numbers are doubles) and adds
/// `statusCode` as an int.
fn response<'a>(v: &serde_json::Value) -> Val<'a> {
    let mut out = owned_json(v, NumberMode::Doubles);
    if let (Val::Map(m), Some(code)) = (
        &mut out,
        v.get("statusCode").and_then(serde_json::Value::as_i64),
    ) {
        let mut fixed = super::super::value::MapVal::new();
        for (k, e) in m.entries() {
            let is_code = matches!(k, Val::String(s) if s.as_str() == "statusCode");
            let _ = fixed.insert(k.clone(), if is_code { Val::Int(code) } else { e.clone() });
        }
        *m = std::rc::Rc::new(fixed);
    }
    out
}

fn request<'a>(
    c: &mut Call<'_>,
    a: &[Val<'a>],
    method: &str,
    body: Option<&Val<'a>>,
    headers: Option<&Val<'a>>,
) -> Result<Val<'a>, EvalError> {
    let ctx = context(a)?.clone();
    let url = str_arg(a, 1)?;
    let headers = match headers {
        Some(h) => string_pairs(h, c.numbers)?,
        None => Vec::new(),
    };
    let body = body.map(to_json).transpose()?;
    let req = HttpRequest {
        method,
        url,
        headers: &headers,
        body: body.as_ref(),
        ca_bundle: ctx.ca_bundle.as_deref(),
    };
    let out = c
        .host
        .http_request(&req)
        .map_err(|e| fail(format!("request failed: {e}")))?;
    Ok(response(&out))
}

fn get<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    request(c, a, "GET", None, None)
}

fn get_headers<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    request(c, a, "GET", None, a.get(2))
}

fn post<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    request(c, a, "POST", a.get(2), None)
}

fn post_headers<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    request(c, a, "POST", a.get(2), a.get(3))
}

/// `Client(caBundle)`: an empty bundle keeps the current client.
fn client<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let ctx = context(a)?;
    let ca = str_arg(a, 1)?;
    if ca.is_empty() {
        return Ok(opaque(ctx.clone()));
    }
    if !ca.contains("-----BEGIN CERTIFICATE-----") {
        return Err(fail(
            "request failed: failed to parse PEM CA bundle for APICall",
        ));
    }
    Ok(opaque(HttpContext {
        ca_bundle: Some(ca.to_string()),
    }))
}

/// Declares the `http` variable and its functions.
pub fn register(reg: &mut Registry) {
    let ctx = || Type::Opaque(TYPE);
    let s = || Type::String;
    let headers = || Type::map(Type::String, Type::String);
    reg.add_type(TYPE);
    reg.declare_variable("http", ctx());
    for (g, p, cl) in [("Get", "Post", "Client"), ("get", "post", "client")] {
        member(reg, g, "http_get_string", vec![ctx(), s()], Type::Dyn, get);
        member(
            reg,
            g,
            "http_get_string_headers",
            vec![ctx(), s(), headers()],
            Type::Dyn,
            get_headers,
        );
        member(
            reg,
            p,
            "http_post_string_any",
            vec![ctx(), s(), Type::Dyn],
            Type::Dyn,
            post,
        );
        member(
            reg,
            p,
            "http_post_string_any_headers",
            vec![ctx(), s(), Type::Dyn, headers()],
            Type::Dyn,
            post_headers,
        );
        member(
            reg,
            cl,
            "http_client_string",
            vec![ctx(), s()],
            ctx(),
            client,
        );
    }
}
