//! Go's `net/netip` as the Kubernetes `ip`/`cidr` CEL libraries use it:
//! `ParseAddr`, `ParsePrefix`, `String`, the `Is*` predicates, `Contains`,
//! `Overlaps` and `Masked`, with Go's error texts (users match on them).
//!
//! Zones are parsed (so the texts match) but never kept: the Kubernetes
//! libraries reject any address that has one.

use crate::jmespath::print::go_quote;
use std::fmt::Write as _;

/// An IPv4 or IPv6 address (no zone), as `netip.Addr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Addr {
    /// The address as a big-endian 128-bit number; IPv4 is stored
    /// IPv4-mapped (`::ffff:a.b.c.d`), as Go does.
    bits: u128,
    v4: bool,
}

/// A parsed address with the zone Go would have kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAddr {
    pub addr: Addr,
    /// The IPv6 zone after `%` (empty when none).
    pub zone: String,
}

/// An IP prefix (`netip.Prefix`): an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prefix {
    addr: Addr,
    bits: u8,
}

const V4_MAPPED: u128 = 0xffff_0000_0000;

fn addr_error(input: &str, msg: &str, at: &str) -> String {
    if at.is_empty() {
        format!("ParseAddr({}): {msg}", go_quote(input))
    } else {
        format!(
            "ParseAddr({}): {msg} (at {})",
            go_quote(input),
            go_quote(at)
        )
    }
}

/// Go's `parseIPv4Fields`: the four octets of `s`, errors naming `input`.
fn parse_v4_fields(input: &str, s: &str) -> Result<[u8; 4], String> {
    let b = s.as_bytes();
    let mut fields = [0u8; 4];
    let (mut val, mut pos, mut dig_len) = (0u32, 0usize, 0usize);
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_digit() {
            if dig_len == 1 && val == 0 {
                return Err(addr_error(
                    input,
                    "IPv4 field has octet with leading zero",
                    "",
                ));
            }
            val = val * 10 + u32::from(c - b'0');
            dig_len += 1;
            if val > 255 {
                return Err(addr_error(input, "IPv4 field has value >255", ""));
            }
        } else if c == b'.' {
            let prev_dot = i > 0 && b.get(i - 1) == Some(&b'.');
            if i == 0 || i == b.len() - 1 || prev_dot {
                let at = s.get(i..).unwrap_or_default();
                return Err(addr_error(
                    input,
                    "IPv4 field must have at least one digit",
                    at,
                ));
            }
            if pos == 3 {
                return Err(addr_error(input, "IPv4 address too long", ""));
            }
            if let Some(f) = fields.get_mut(pos) {
                *f = val as u8;
            }
            pos += 1;
            val = 0;
            dig_len = 0;
        } else {
            let at = s.get(i..).unwrap_or_else(|| lossy_tail(b, i));
            return Err(addr_error(input, "unexpected character", at));
        }
    }
    if pos < 3 {
        return Err(addr_error(input, "IPv4 address too short", ""));
    }
    fields[3] = val as u8;
    Ok(fields)
}

/// A tail starting inside a multi-byte character: Go would slice bytes;
/// the nearest character boundary after it keeps the text valid UTF-8.
fn lossy_tail(b: &[u8], mut i: usize) -> &str {
    while i < b.len() {
        if let Ok(s) = std::str::from_utf8(b.get(i..).unwrap_or_default()) {
            return s;
        }
        i += 1;
    }
    ""
}

fn parse_v6(input: &str) -> Result<ParsedAddr, String> {
    let (mut s, zone) = match input.find('%') {
        Some(i) => {
            let zone = input.get(i + 1..).unwrap_or_default();
            if zone.is_empty() {
                return Err(addr_error(input, "zone must be a non-empty string", ""));
            }
            (input.get(..i).unwrap_or_default(), zone)
        }
        None => (input, ""),
    };
    let mut ip = [0u8; 16];
    let mut ellipsis: Option<usize> = None;
    if s.starts_with("::") {
        ellipsis = Some(0);
        s = s.get(2..).unwrap_or_default();
        if s.is_empty() {
            return Ok(ParsedAddr {
                addr: Addr { bits: 0, v4: false },
                zone: zone.to_string(),
            });
        }
    }
    let mut i = 0usize;
    while i < 16 {
        let b = s.as_bytes();
        let mut off = 0usize;
        let mut acc = 0u32;
        while let Some(&c) = b.get(off) {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => break,
            };
            acc = (acc << 4) + u32::from(d);
            if off > 3 {
                return Err(addr_error(
                    input,
                    "each group must have 4 or less digits",
                    s,
                ));
            }
            if acc > 0xffff {
                return Err(addr_error(input, "IPv6 field has value >=2^16", s));
            }
            off += 1;
        }
        if off == 0 {
            return Err(addr_error(
                input,
                "each colon-separated field must have at least one digit",
                s,
            ));
        }
        if b.get(off) == Some(&b'.') {
            if ellipsis.is_none() && i != 12 {
                return Err(addr_error(
                    input,
                    "embedded IPv4 address must replace the final 2 fields of the address",
                    s,
                ));
            }
            if i + 4 > 16 {
                return Err(addr_error(
                    input,
                    "too many hex fields to fit an embedded IPv4 at the end of the address",
                    s,
                ));
            }
            let v4 = parse_v4_fields(input, s)?;
            for (k, o) in v4.iter().enumerate() {
                if let Some(slot) = ip.get_mut(i + k) {
                    *slot = *o;
                }
            }
            s = "";
            i += 4;
            break;
        }
        if let Some(slot) = ip.get_mut(i) {
            *slot = (acc >> 8) as u8;
        }
        if let Some(slot) = ip.get_mut(i + 1) {
            *slot = acc as u8;
        }
        i += 2;
        s = s.get(off..).unwrap_or_default();
        if s.is_empty() {
            break;
        }
        if !s.starts_with(':') {
            return Err(addr_error(input, "unexpected character, want colon", s));
        } else if s.len() == 1 {
            return Err(addr_error(
                input,
                "colon must be followed by more characters",
                s,
            ));
        }
        s = s.get(1..).unwrap_or_default();
        if s.starts_with(':') {
            if ellipsis.is_some() {
                return Err(addr_error(input, "multiple :: in address", s));
            }
            ellipsis = Some(i);
            s = s.get(1..).unwrap_or_default();
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return Err(addr_error(input, "trailing garbage after address", s));
    }
    if i < 16 {
        let Some(e) = ellipsis else {
            return Err(addr_error(input, "address string too short", ""));
        };
        let n = 16 - i;
        let mut out = [0u8; 16];
        for (j, slot) in out.iter_mut().enumerate() {
            *slot = if j < e {
                ip.get(j).copied().unwrap_or(0)
            } else if j < e + n {
                0
            } else {
                ip.get(j - n).copied().unwrap_or(0)
            };
        }
        ip = out;
    } else if ellipsis.is_some() {
        return Err(addr_error(
            input,
            "the :: must expand to at least one field of zeros",
            "",
        ));
    }
    Ok(ParsedAddr {
        addr: Addr {
            bits: u128::from_be_bytes(ip),
            v4: false,
        },
        zone: zone.to_string(),
    })
}

impl Addr {
    /// Go's `netip.ParseAddr`, error text included.
    pub fn parse(s: &str) -> Result<ParsedAddr, String> {
        for c in s.bytes() {
            match c {
                b'.' => {
                    let f = parse_v4_fields(s, s)?;
                    return Ok(ParsedAddr {
                        addr: Addr::from_v4(f),
                        zone: String::new(),
                    });
                }
                b':' => return parse_v6(s),
                b'%' => return Err(addr_error(s, "missing IPv6 address", "")),
                _ => {}
            }
        }
        Err(addr_error(s, "unable to parse IP", ""))
    }

    fn from_v4(o: [u8; 4]) -> Addr {
        Addr {
            bits: V4_MAPPED | u128::from(u32::from_be_bytes(o)),
            v4: true,
        }
    }

    /// 32 for IPv4, 128 for IPv6.
    pub fn bit_len(&self) -> u8 {
        if self.v4 {
            32
        } else {
            128
        }
    }

    /// `Is4`.
    pub fn is4(&self) -> bool {
        self.v4
    }

    /// `Is4In6`: an IPv6 address in `::ffff:0:0/96`.
    pub fn is4in6(&self) -> bool {
        !self.v4 && self.bits >> 32 == 0xffff
    }

    fn unmapped(&self) -> Addr {
        if self.is4in6() {
            Addr {
                bits: self.bits,
                v4: true,
            }
        } else {
            *self
        }
    }

    fn v4_octets(&self) -> [u8; 4] {
        (self.bits as u32).to_be_bytes()
    }

    fn u16_at(&self, i: u32) -> u16 {
        (self.bits >> (112 - 16 * i)) as u16
    }

    /// `IsUnspecified`: `0.0.0.0` or `::`.
    pub fn is_unspecified(&self) -> bool {
        if self.v4 {
            self.bits as u32 == 0
        } else {
            self.bits == 0
        }
    }

    /// `IsLoopback`.
    pub fn is_loopback(&self) -> bool {
        let ip = self.unmapped();
        if ip.v4 {
            ip.v4_octets()[0] == 127
        } else {
            ip.bits == 1
        }
    }

    fn is_multicast(&self) -> bool {
        let ip = self.unmapped();
        if ip.v4 {
            ip.v4_octets()[0] & 0xf0 == 0xe0
        } else {
            ip.bits >> 120 == 0xff
        }
    }

    /// `IsLinkLocalMulticast`.
    pub fn is_link_local_multicast(&self) -> bool {
        let ip = self.unmapped();
        if ip.v4 {
            let o = ip.v4_octets();
            o[0] == 224 && o[1] == 0 && o[2] == 0
        } else {
            ip.u16_at(0) & 0xff0f == 0xff02
        }
    }

    /// `IsLinkLocalUnicast`.
    pub fn is_link_local_unicast(&self) -> bool {
        let ip = self.unmapped();
        if ip.v4 {
            let o = ip.v4_octets();
            o[0] == 169 && o[1] == 254
        } else {
            ip.u16_at(0) & 0xffc0 == 0xfe80
        }
    }

    /// `IsGlobalUnicast`: not unspecified, broadcast, loopback, multicast or
    /// link-local (private ranges count as global, as in Go).
    pub fn is_global_unicast(&self) -> bool {
        let ip = self.unmapped();
        if ip.v4 && (ip.is_unspecified() || ip.bits as u32 == u32::MAX) {
            return false;
        }
        (ip.v4 || ip.bits != 0)
            && !ip.is_loopback()
            && !ip.is_multicast()
            && !ip.is_link_local_unicast()
    }

    /// `Prefix(b)`: the address with all but the top `b` bits cleared.
    fn masked(&self, b: u8) -> Addr {
        let effective = if self.v4 {
            u32::from(b) + 96
        } else {
            u32::from(b)
        };
        let mask = if effective == 0 {
            0
        } else {
            u128::MAX << (128 - effective.min(128))
        };
        Addr {
            bits: self.bits & mask,
            v4: self.v4,
        }
    }
}

/// Go's `Addr.String()` (RFC 5952 for IPv6: the longest run of two or more
/// zero groups becomes `::`; an IPv4-mapped address ends in dotted form).
impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.v4 {
            let o = self.v4_octets();
            return write!(f, "{}.{}.{}.{}", o[0], o[1], o[2], o[3]);
        }
        if self.is4in6() {
            let o = self.v4_octets();
            return write!(f, "::ffff:{}.{}.{}.{}", o[0], o[1], o[2], o[3]);
        }
        let (mut zs, mut ze) = (255u32, 255u32);
        let mut i = 0u32;
        while i < 8 {
            let mut j = i;
            while j < 8 && self.u16_at(j) == 0 {
                j += 1;
            }
            let l = j - i;
            if l >= 2 && l > ze.wrapping_sub(zs) {
                zs = i;
                ze = j;
            }
            i += 1;
        }
        let mut out = String::new();
        let mut i = 0u32;
        while i < 8 {
            if i == zs {
                out.push_str("::");
                i = ze;
                if i >= 8 {
                    break;
                }
            } else if i > 0 {
                out.push(':');
            }
            let _ = write!(out, "{:x}", self.u16_at(i));
            i += 1;
        }
        f.write_str(&out)
    }
}

impl Prefix {
    /// Go's `netip.ParsePrefix`, error text included.
    pub fn parse(s: &str) -> Result<Prefix, String> {
        let err = |msg: &str| format!("netip.ParsePrefix({}): {msg}", go_quote(s));
        let Some(i) = s.rfind('/') else {
            return Err(err("no '/'"));
        };
        let parsed = Addr::parse(s.get(..i).unwrap_or_default()).map_err(|e| err(&e))?;
        if !parsed.addr.v4 && !parsed.zone.is_empty() {
            return Err(err("IPv6 zones cannot be present in a prefix"));
        }
        let bits_str = s.get(i + 1..).unwrap_or_default();
        let bad = || err(&format!("bad bits after slash: {}", go_quote(bits_str)));
        let first = bits_str.bytes().next();
        if bits_str.len() > 1 && !matches!(first, Some(b'1'..=b'9')) {
            return Err(bad());
        }
        // strconv.Atoi: optional sign, decimal digits, fits in int.
        let digits = bits_str.strip_prefix(['+', '-']).unwrap_or(bits_str);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let bits: i64 = match bits_str.parse() {
            Ok(b) => b,
            Err(_) => return Err(bad()),
        };
        let max = i64::from(parsed.addr.bit_len());
        if !(0..=max).contains(&bits) {
            return Err(err("prefix length out of range"));
        }
        Ok(Prefix {
            addr: parsed.addr,
            bits: bits as u8,
        })
    }

    /// The address as written (host bits kept).
    pub fn addr(&self) -> Addr {
        self.addr
    }

    /// The prefix length.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// `Masked`: host bits cleared.
    pub fn masked(&self) -> Prefix {
        Prefix {
            addr: self.addr.masked(self.bits),
            bits: self.bits,
        }
    }

    /// `Contains`: same family and the top `bits` bits agree.
    pub fn contains(&self, ip: &Addr) -> bool {
        if self.addr.v4 != ip.v4 {
            return false;
        }
        ip.masked(self.bits).bits == self.addr.masked(self.bits).bits
    }

    /// `Overlaps`: same family and the shorter prefix's bits agree.
    pub fn overlaps(&self, o: &Prefix) -> bool {
        if self == o {
            return true;
        }
        if self.addr.v4 != o.addr.v4 {
            return false;
        }
        let min = self.bits.min(o.bits);
        min == 0 || self.addr.masked(min).bits == o.addr.masked(min).bits
    }
}

/// Go's `Prefix.String()`: `<addr>/<bits>`.
impl std::fmt::Display for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.bits)
    }
}

#[cfg(test)]
#[allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Addr {
        match Addr::parse(s) {
            Ok(p) => p.addr,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match Addr::parse(s) {
            Ok(p) => panic!("{s} parsed as {}", p.addr),
            Err(e) => e,
        }
    }

    #[test]
    fn addresses_print_in_go_canonical_form() {
        assert_eq!(ip("192.168.0.1").to_string(), "192.168.0.1");
        assert_eq!(ip("2001:DB8:0:0:0:0:0:1").to_string(), "2001:db8::1");
        assert_eq!(ip("::").to_string(), "::");
        assert_eq!(ip("::1").to_string(), "::1");
        assert_eq!(ip("1:0:1:0:0:1:0:0").to_string(), "1:0:1::1:0:0");
        assert_eq!(ip("1:0:0:1:0:0:1:1").to_string(), "1::1:0:0:1:1");
        assert_eq!(
            ip("2001:db8:0:1:1:1:1:1").to_string(),
            "2001:db8:0:1:1:1:1:1"
        );
        assert_eq!(ip("::ffff:1.2.3.4").to_string(), "::ffff:1.2.3.4");
        assert_eq!(ip("::1.2.3.4").to_string(), "::102:304");
    }

    #[test]
    fn parse_errors_use_go_wording() {
        assert_eq!(err("foo"), r#"ParseAddr("foo"): unable to parse IP"#);
        assert_eq!(
            err("01.1.1.1"),
            r#"ParseAddr("01.1.1.1"): IPv4 field has octet with leading zero"#
        );
        assert_eq!(
            err("1.1.1"),
            r#"ParseAddr("1.1.1"): IPv4 address too short"#
        );
        assert_eq!(
            err("1.1.1.1.1"),
            r#"ParseAddr("1.1.1.1.1"): IPv4 address too long"#
        );
        assert_eq!(
            err("256.1.1.1"),
            r#"ParseAddr("256.1.1.1"): IPv4 field has value >255"#
        );
        assert_eq!(
            err("1.1..1"),
            r#"ParseAddr("1.1..1"): IPv4 field must have at least one digit (at ".1")"#
        );
        assert_eq!(
            err("1.1.1.a"),
            r#"ParseAddr("1.1.1.a"): unexpected character (at "a")"#
        );
        assert_eq!(err("%eth0"), r#"ParseAddr("%eth0"): missing IPv6 address"#);
        assert_eq!(
            err("fe80::%"),
            r#"ParseAddr("fe80::%"): zone must be a non-empty string"#
        );
        assert_eq!(
            err("1:2:3"),
            r#"ParseAddr("1:2:3"): address string too short"#
        );
        assert_eq!(
            err("1::2::3"),
            r#"ParseAddr("1::2::3"): multiple :: in address (at ":3")"#
        );
        assert_eq!(
            err("12345::"),
            r#"ParseAddr("12345::"): each group must have 4 or less digits (at "12345::")"#
        );
        assert_eq!(
            err("1:2:3:4:5:6:7:8:9"),
            r#"ParseAddr("1:2:3:4:5:6:7:8:9"): trailing garbage after address (at "9")"#
        );
        assert_eq!(
            err("1:2:3:4::5:6:7:8"),
            r#"ParseAddr("1:2:3:4::5:6:7:8"): the :: must expand to at least one field of zeros"#
        );
        assert_eq!(
            err("1:2:"),
            r#"ParseAddr("1:2:"): colon must be followed by more characters (at ":")"#
        );
    }

    #[test]
    fn zones_are_reported_not_kept() {
        let p = Addr::parse("fe80::1%eth0");
        assert_eq!(
            p.map(|p| (p.addr.to_string(), p.zone)),
            Ok(("fe80::1".into(), "eth0".into()))
        );
    }

    #[test]
    fn predicates_follow_go() {
        assert!(ip("0.0.0.0").is_unspecified() && ip("::").is_unspecified());
        assert!(!ip("0.0.0.1").is_unspecified());
        assert!(ip("127.0.0.5").is_loopback() && ip("::1").is_loopback());
        assert!(
            ip("224.0.0.1").is_link_local_multicast() && ip("ff02::1").is_link_local_multicast()
        );
        assert!(!ip("224.0.1.1").is_link_local_multicast());
        assert!(ip("169.254.1.1").is_link_local_unicast() && ip("fe80::1").is_link_local_unicast());
        assert!(ip("10.0.0.1").is_global_unicast() && ip("2001:db8::1").is_global_unicast());
        assert!(!ip("255.255.255.255").is_global_unicast());
        assert!(!ip("ff00::1").is_global_unicast());
        assert!(ip("::ffff:127.0.0.1").is4in6());
    }

    #[test]
    fn prefixes_parse_mask_and_contain_as_go() {
        let p = Prefix::parse("192.168.1.5/24").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.to_string(), "192.168.1.5/24");
        assert_eq!(p.masked().to_string(), "192.168.1.0/24");
        assert!(p.contains(&ip("192.168.1.200")));
        assert!(!p.contains(&ip("192.168.2.1")));
        assert!(!p.contains(&ip("::ffff:192.168.1.1")));
        let q = Prefix::parse("192.168.1.0/25").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.overlaps(&q));
        let all = Prefix::parse("::/0").unwrap_or_else(|e| panic!("{e}"));
        assert!(all.contains(&ip("2001:db8::1")));
        assert_eq!(
            Prefix::parse("1.2.3.4"),
            Err(r#"netip.ParsePrefix("1.2.3.4"): no '/'"#.into())
        );
        assert_eq!(
            Prefix::parse("1.2.3.4/33"),
            Err(r#"netip.ParsePrefix("1.2.3.4/33"): prefix length out of range"#.into())
        );
        assert_eq!(
            Prefix::parse("1.2.3.4/08"),
            Err(r#"netip.ParsePrefix("1.2.3.4/08"): bad bits after slash: "08""#.into())
        );
        assert_eq!(
            Prefix::parse("1.2.3.4/"),
            Err(r#"netip.ParsePrefix("1.2.3.4/"): bad bits after slash: """#.into())
        );
        assert_eq!(
            Prefix::parse("fe80::1%eth0/64"),
            Err(
                r#"netip.ParsePrefix("fe80::1%eth0/64"): IPv6 zones cannot be present in a prefix"#
                    .into()
            )
        );
        assert_eq!(
            Prefix::parse("x/8"),
            Err(r#"netip.ParsePrefix("x/8"): ParseAddr("x"): unable to parse IP"#.into())
        );
    }
}
