//! Kubernetes' `url` CEL library (`K8S:pkg/cel/library/urls.go`) over the
//! `net/url` port.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{MapVal, Opaque, Val};
use super::super::EvalError;
use super::gourl::Url;
use super::support::{fail, global, member, opaque, opaque_arg, str_arg};
use std::rc::Rc;

/// The cel-go type name.
pub const TYPE: &str = "kubernetes.URL";

/// A `kubernetes.URL` value: the parsed URL and the text it came from.
#[derive(Debug, Clone)]
pub struct UrlVal {
    pub url: Url,
    pub text: String,
}

impl Opaque for UrlVal {
    fn type_name(&self) -> &'static str {
        TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<UrlVal>()
            .is_some_and(|o| o.url == self.url)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn u<'b>(args: &'b [Val<'_>]) -> Result<&'b Url, EvalError> {
    opaque_arg::<UrlVal>(args, 0).map(|v| &v.url)
}

fn string_to_url<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(args, 0)?;
    let wrap = |e: String| {
        fail(format!(
            "URL parse error during conversion from string: {e}"
        ))
    };
    Url::parse_request_uri(s).map_err(wrap)?;
    let url = Url::parse(s).map_err(wrap)?;
    Ok(opaque(UrlVal {
        url,
        text: s.to_string(),
    }))
}

fn is_url<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(Url::parse_request_uri(str_arg(args, 0)?).is_ok()))
}

fn get_scheme<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(u(args)?.scheme.as_str()))
}

fn get_host<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(u(args)?.host.as_str()))
}

fn get_hostname<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(u(args)?.hostname()))
}

fn get_port<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(u(args)?.port()))
}

fn get_escaped_path<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(u(args)?.escaped_path()))
}

fn get_query<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let mut map = MapVal::new();
    for (k, vs) in u(args)?.query() {
        let list = Val::list(vs.into_iter().map(Val::string).collect());
        let _ = map.insert(Val::string(k), list);
    }
    Ok(Val::Map(Rc::new(map)))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    let url = || Type::Opaque(TYPE);
    reg.add_type(TYPE);
    global(
        reg,
        "url",
        "string_to_url",
        vec![Type::String],
        url(),
        string_to_url,
    );
    member(
        reg,
        "getScheme",
        "url_get_scheme",
        vec![url()],
        Type::String,
        get_scheme,
    );
    member(
        reg,
        "getHost",
        "url_get_host",
        vec![url()],
        Type::String,
        get_host,
    );
    member(
        reg,
        "getHostname",
        "url_get_hostname",
        vec![url()],
        Type::String,
        get_hostname,
    );
    member(
        reg,
        "getPort",
        "url_get_port",
        vec![url()],
        Type::String,
        get_port,
    );
    member(
        reg,
        "getEscapedPath",
        "url_get_escaped_path",
        vec![url()],
        Type::String,
        get_escaped_path,
    );
    member(
        reg,
        "getQuery",
        "url_get_query",
        vec![url()],
        Type::map(Type::String, Type::list(Type::String)),
        get_query,
    );
    global(
        reg,
        "isURL",
        "is_url_string",
        vec![Type::String],
        Type::Bool,
        is_url,
    );
}
