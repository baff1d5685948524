//! `is_external_url`. IP literals are classified like Go's `net.IP`
//! (`IsLoopback`/`IsPrivate`); host names would need DNS, which the pure
//! engine does not do: `localhost` is answered, other names are an error.

use super::super::ast::FunctionCall;
use super::super::functions::{Args, R};
use super::super::interpreter::Interp;
use super::super::value::Val;
use super::super::JmespathError;
use std::net::{IpAddr, Ipv4Addr};

/// The host part of a URL as Go's `url.Parse(s).Hostname()` sees it
/// (empty when the string has no `//authority`).
pub(crate) fn hostname(s: &str) -> Result<String, String> {
    if s.chars().any(|c| c.is_control()) {
        return Err(format!(
            "parse {s:?}: net/url: invalid control character in URL"
        ));
    }
    let rest = match s.find(':') {
        Some(i)
            if i > 0
                && s[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                && s[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            &s[i + 1..]
        }
        _ => s,
    };
    let Some(after) = rest.strip_prefix("//") else {
        return Ok(String::new());
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    let host_port = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    if let Some(v6) = host_port.strip_prefix('[') {
        return match v6.find(']') {
            Some(i) => Ok(v6[..i].to_string()),
            None => Err(format!("parse {s:?}: missing ']' in host")),
        };
    }
    Ok(match host_port.rfind(':') {
        Some(i) => host_port[..i].to_string(),
        None => host_port.to_string(),
    })
}

fn v4_internal(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    o[0] == 127
        || o[0] == 10
        || (o[0] == 172 && (o[1] & 0xf0) == 16)
        || (o[0] == 192 && o[1] == 168)
}

/// Go's `ip.IsLoopback() || ip.IsPrivate()`.
pub(crate) fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_internal(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_internal(v4);
            }
            v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00
        }
    }
}

pub(crate) fn is_external_url<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let host = hostname(a.str(0)?).map_err(JmespathError::Runtime)?;
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Val::Bool(!is_internal(ip)));
    }
    if host == "localhost" || host.ends_with(".localhost") {
        return Ok(Val::Bool(false));
    }
    Err(JmespathError::Runtime(format!(
        "lookup {host}: DNS resolution is not available in verno"
    )))
}
