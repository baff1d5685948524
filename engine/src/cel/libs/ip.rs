//! Kubernetes' `ip` and `cidr` CEL libraries (`K8S:pkg/cel/library/ip.go`,
//! `cidr.go`) over the `net/netip` port.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{Opaque, Val};
use super::super::EvalError;
use super::netip::{Addr, Prefix};
use super::support::{fail, global, member, opaque, opaque_arg, str_arg};
use crate::jmespath::print::go_quote;

/// cel-go's type names.
pub const IP_TYPE: &str = "net.IP";
pub const CIDR_TYPE: &str = "net.CIDR";

/// A `net.IP` value.
#[derive(Debug, Clone)]
pub struct IpVal(pub Addr);

/// A `net.CIDR` value.
#[derive(Debug, Clone)]
pub struct CidrVal(pub Prefix);

impl Opaque for IpVal {
    fn type_name(&self) -> &'static str {
        IP_TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<IpVal>()
            .is_some_and(|o| o.0 == self.0)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.to_string()))
    }
}

impl Opaque for CidrVal {
    fn type_name(&self) -> &'static str {
        CIDR_TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<CidrVal>()
            .is_some_and(|o| o.0 == self.0)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.to_string()))
    }
}

/// k8s `parseIPAddr`: no zones, no IPv4-mapped IPv6.
fn parse_ip(raw: &str) -> Result<Addr, String> {
    let parsed = Addr::parse(raw).map_err(|e| {
        format!(
            "IP Address {} parse error during conversion from string: {e}",
            go_quote(raw)
        )
    })?;
    if !parsed.zone.is_empty() {
        return Err(format!(
            "IP address {} with zone value is not allowed",
            go_quote(raw)
        ));
    }
    if parsed.addr.is4in6() {
        return Err(format!(
            "IPv4-mapped IPv6 address {} is not allowed",
            go_quote(raw)
        ));
    }
    Ok(parsed.addr)
}

/// k8s `parseCIDR`.
fn parse_cidr(raw: &str) -> Result<Prefix, String> {
    let p = Prefix::parse(raw)
        .map_err(|e| format!("network address parse error during conversion from string: {e}"))?;
    if p.addr().is4in6() {
        return Err(format!(
            "IPv4-mapped IPv6 address {} is not allowed",
            go_quote(raw)
        ));
    }
    Ok(p)
}

fn ip_of(args: &[Val<'_>], i: usize) -> Result<Addr, EvalError> {
    opaque_arg::<IpVal>(args, i).map(|v| v.0)
}

fn cidr_of(args: &[Val<'_>], i: usize) -> Result<Prefix, EvalError> {
    opaque_arg::<CidrVal>(args, i).map(|v| v.0)
}

fn string_to_ip<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    parse_ip(str_arg(args, 0)?)
        .map(|a| opaque(IpVal(a)))
        .map_err(fail)
}

fn ip_to_string<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(ip_of(args, 0)?.to_string()))
}

fn family<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Int(if ip_of(args, 0)?.is4() { 4 } else { 6 }))
}

fn ip_is_canonical<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let s = str_arg(args, 0)?;
    let addr = parse_ip(s).map_err(fail)?;
    Ok(Val::Bool(addr.to_string() == s))
}

fn is_ip<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(parse_ip(str_arg(args, 0)?).is_ok()))
}

fn predicate<'a>(args: &[Val<'a>], f: fn(&Addr) -> bool) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(f(&ip_of(args, 0)?)))
}

fn is_unspecified<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    predicate(args, Addr::is_unspecified)
}

fn is_loopback<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    predicate(args, Addr::is_loopback)
}

fn is_link_local_multicast<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    predicate(args, Addr::is_link_local_multicast)
}

fn is_link_local_unicast<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    predicate(args, Addr::is_link_local_unicast)
}

fn is_global_unicast<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    predicate(args, Addr::is_global_unicast)
}

fn string_to_cidr<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    // k8s wraps parseCIDR's already prefixed error a second time.
    parse_cidr(str_arg(args, 0)?)
        .map(|p| opaque(CidrVal(p)))
        .map_err(|e| {
            fail(format!(
                "network address parse error during conversion from string: {e}"
            ))
        })
}

fn cidr_to_string<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(cidr_of(args, 0)?.to_string()))
}

fn contains_ip_string<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let cidr = cidr_of(args, 0)?;
    let ip = parse_ip(str_arg(args, 1)?).map_err(fail)?;
    Ok(Val::Bool(cidr.contains(&ip)))
}

fn contains_ip<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(cidr_of(args, 0)?.contains(&ip_of(args, 1)?)))
}

fn contains(outer: &Prefix, inner: &Prefix) -> bool {
    outer.overlaps(inner) && outer.bits() <= inner.bits()
}

fn contains_cidr_string<'a>(c: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let outer = cidr_of(args, 0)?;
    let inner = string_to_cidr(c, args.get(1..).unwrap_or_default())?;
    let inner = opaque_arg::<CidrVal>(std::slice::from_ref(&inner), 0)?.0;
    Ok(Val::Bool(contains(&outer, &inner)))
}

fn contains_cidr<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(contains(&cidr_of(args, 0)?, &cidr_of(args, 1)?)))
}

fn cidr_ip<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(opaque(IpVal(cidr_of(args, 0)?.addr())))
}

fn prefix_length<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Int(i64::from(cidr_of(args, 0)?.bits())))
}

fn masked<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(opaque(CidrVal(cidr_of(args, 0)?.masked())))
}

fn is_cidr<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(parse_cidr(str_arg(args, 0)?).is_ok()))
}

/// Declares the `ip` library.
pub fn register_ip(reg: &mut Registry) {
    let ip = || Type::Opaque(IP_TYPE);
    reg.add_type(IP_TYPE);
    global(
        reg,
        "ip",
        "string_to_ip",
        vec![Type::String],
        ip(),
        string_to_ip,
    );
    member(reg, "family", "ip_family", vec![ip()], Type::Int, family);
    global(
        reg,
        "ip.isCanonical",
        "ip_is_canonical",
        vec![Type::String],
        Type::Bool,
        ip_is_canonical,
    );
    member(
        reg,
        "isUnspecified",
        "ip_is_unspecified",
        vec![ip()],
        Type::Bool,
        is_unspecified,
    );
    member(
        reg,
        "isLoopback",
        "ip_is_loopback",
        vec![ip()],
        Type::Bool,
        is_loopback,
    );
    member(
        reg,
        "isLinkLocalMulticast",
        "ip_is_link_local_multicast",
        vec![ip()],
        Type::Bool,
        is_link_local_multicast,
    );
    member(
        reg,
        "isLinkLocalUnicast",
        "ip_is_link_local_unicast",
        vec![ip()],
        Type::Bool,
        is_link_local_unicast,
    );
    member(
        reg,
        "isGlobalUnicast",
        "ip_is_global_unicast",
        vec![ip()],
        Type::Bool,
        is_global_unicast,
    );
    global(reg, "isIP", "is_ip", vec![Type::String], Type::Bool, is_ip);
    global(
        reg,
        "string",
        "ip_to_string",
        vec![ip()],
        Type::String,
        ip_to_string,
    );
}

/// Declares the `cidr` library.
pub fn register_cidr(reg: &mut Registry) {
    let ip = || Type::Opaque(IP_TYPE);
    let cidr = || Type::Opaque(CIDR_TYPE);
    reg.add_type(CIDR_TYPE);
    global(
        reg,
        "cidr",
        "string_to_cidr",
        vec![Type::String],
        cidr(),
        string_to_cidr,
    );
    member(
        reg,
        "containsIP",
        "cidr_contains_ip_string",
        vec![cidr(), Type::String],
        Type::Bool,
        contains_ip_string,
    );
    member(
        reg,
        "containsIP",
        "cidr_contains_ip_ip",
        vec![cidr(), ip()],
        Type::Bool,
        contains_ip,
    );
    member(
        reg,
        "containsCIDR",
        "cidr_contains_cidr_string",
        vec![cidr(), Type::String],
        Type::Bool,
        contains_cidr_string,
    );
    member(
        reg,
        "containsCIDR",
        "cidr_contains_cidr",
        vec![cidr(), cidr()],
        Type::Bool,
        contains_cidr,
    );
    member(reg, "ip", "cidr_ip", vec![cidr()], ip(), cidr_ip);
    member(
        reg,
        "prefixLength",
        "cidr_prefix_length",
        vec![cidr()],
        Type::Int,
        prefix_length,
    );
    member(reg, "masked", "cidr_masked", vec![cidr()], cidr(), masked);
    global(
        reg,
        "isCIDR",
        "is_cidr",
        vec![Type::String],
        Type::Bool,
        is_cidr,
    );
    global(
        reg,
        "string",
        "cidr_to_string",
        vec![cidr()],
        Type::String,
        cidr_to_string,
    );
}
