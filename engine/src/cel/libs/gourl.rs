//! Go's `net/url` parser (`Parse`, `ParseRequestURI`) and the accessors the
//! Kubernetes `url` CEL library exposes, with Go's error texts
//! (`parse "x": invalid URI for request`).

use crate::jmespath::print::go_quote;

/// A parsed URL, as Go's `url.URL` (only the fields the libraries read).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Url {
    pub scheme: String,
    pub opaque: String,
    /// `host` or `host:port`, unescaped.
    pub host: String,
    /// Decoded path.
    pub path: String,
    /// The path as written, when it differs from the default encoding.
    pub raw_path: String,
    pub raw_query: String,
    pub force_query: bool,
    pub fragment: String,
    pub has_user: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => return c == b'?',
            Mode::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::QueryComponent => return true,
            Mode::Fragment => return false,
            Mode::Host | Mode::Zone => {}
        },
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

fn escape_error(s: &[u8]) -> String {
    format!(
        "invalid URL escape {}",
        go_quote(&String::from_utf8_lossy(s))
    )
}

/// Go's `unescape`: `%XX` decoding with the per-component rules.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut n = 0;
    let mut has_plus = false;
    while i < b.len() {
        match b.get(i).copied().unwrap_or(0) {
            b'%' => {
                n += 1;
                let h1 = b.get(i + 1).copied();
                let h2 = b.get(i + 2).copied();
                let (Some(h1), Some(h2)) = (h1, h2) else {
                    return Err(escape_error(
                        b.get(i..(i + 3).min(b.len())).unwrap_or_default(),
                    ));
                };
                if !h1.is_ascii_hexdigit() || !h2.is_ascii_hexdigit() {
                    return Err(escape_error(b.get(i..i + 3).unwrap_or_default()));
                }
                let tri = b.get(i..i + 3).unwrap_or_default();
                if mode == Mode::Host && unhex(h1) < 8 && tri != b"%25" {
                    return Err(escape_error(tri));
                }
                if mode == Mode::Zone {
                    let v = unhex(h1) << 4 | unhex(h2);
                    if tri != b"%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(escape_error(tri));
                    }
                }
                i += 3;
            }
            b'+' => {
                has_plus = mode == Mode::QueryComponent;
                i += 1;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        go_quote(&(c as char).to_string())
                    ));
                }
                i += 1;
            }
        }
    }
    if n == 0 && !has_plus {
        return Ok(s.to_string());
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let h1 = b.get(i + 1).copied().unwrap_or(b'0');
                let h2 = b.get(i + 2).copied().unwrap_or(b'0');
                out.push(unhex(h1) << 4 | unhex(h2));
                i += 3;
            }
            b'+' if mode == Mode::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    // Go strings hold any bytes; invalid UTF-8 is replaced here.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn escape(s: &str, mode: Mode) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c == b' ' && mode == Mode::QueryComponent {
            out.push('+');
        } else if should_escape(c, mode) {
            out.push('%');
            let hex = |n: u8| char::from(HEX.get(usize::from(n)).copied().unwrap_or(b'0'));
            out.push(hex(c >> 4));
            out.push(hex(c & 15));
        } else {
            out.push(char::from(c));
        }
    }
    out
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((
                    raw.get(..i).unwrap_or_default(),
                    raw.get(i + 1..).unwrap_or_default(),
                ));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let colon_port = host.get(i + 1..).unwrap_or_default();
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", go_quote(colon_port)));
        }
        if let Some(zone) = host.get(..i).and_then(|h| h.find("%25")) {
            let h1 = unescape(host.get(..zone).unwrap_or_default(), Mode::Host)?;
            let h2 = unescape(host.get(zone..i).unwrap_or_default(), Mode::Zone)?;
            let h3 = unescape(host.get(i..).unwrap_or_default(), Mode::Host)?;
            return Ok(h1 + &h2 + &h3);
        }
    } else if let Some(i) = host.rfind(':') {
        let colon_port = host.get(i..).unwrap_or_default();
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", go_quote(colon_port)));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|r| {
        r.is_ascii_alphanumeric()
            || matches!(
                r,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    })
}

fn parse_authority(authority: &str, url: &mut Url) -> Result<(), String> {
    let at = authority.rfind('@');
    url.host = match at {
        None => parse_host(authority)?,
        Some(i) => parse_host(authority.get(i + 1..).unwrap_or_default())?,
    };
    if let Some(i) = at {
        let userinfo = authority.get(..i).unwrap_or_default();
        if !valid_userinfo(userinfo) {
            return Err("net/url: invalid userinfo".into());
        }
        match userinfo.split_once(':') {
            None => {
                unescape(userinfo, Mode::UserPassword)?;
            }
            Some((user, pass)) => {
                unescape(user, Mode::UserPassword)?;
                unescape(pass, Mode::UserPassword)?;
            }
        }
        url.has_user = true;
    }
    Ok(())
}

fn parse(raw: &str, via_request: bool) -> Result<Url, String> {
    if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    if raw.is_empty() && via_request {
        return Err("empty url".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = rest.get(..rest.len() - 1).unwrap_or_default();
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_string();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if via_request {
            return Err("invalid URI for request".into());
        }
        let segment = rest.split('/').next().unwrap_or_default();
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !via_request && !rest.starts_with("///"))
        && rest.starts_with("//")
    {
        let after = rest.get(2..).unwrap_or_default();
        let (authority, tail) = match after.find('/') {
            Some(i) => (
                after.get(..i).unwrap_or_default(),
                after.get(i..).unwrap_or_default(),
            ),
            None => (after, ""),
        };
        parse_authority(authority, &mut url)?;
        rest = tail;
    }
    let path = unescape(rest, Mode::Path)?;
    url.raw_path = if escape(&path, Mode::Path) == rest {
        String::new()
    } else {
        rest.to_string()
    };
    url.path = path;
    Ok(url)
}

fn wrap(raw: &str, e: String) -> String {
    format!("parse {}: {e}", go_quote(raw))
}

impl Url {
    /// Go's `url.ParseRequestURI`: an absolute URI or an absolute path.
    pub fn parse_request_uri(raw: &str) -> Result<Url, String> {
        parse(raw, true).map_err(|e| wrap(raw, e))
    }

    /// Go's `url.Parse` (any URI reference; the fragment is split off).
    pub fn parse(raw: &str) -> Result<Url, String> {
        let (u, frag) = match raw.split_once('#') {
            Some((u, f)) => (u, Some(f)),
            None => (raw, None),
        };
        let mut url = parse(u, false).map_err(|e| wrap(u, e))?;
        if let Some(f) = frag {
            url.fragment = unescape(f, Mode::Fragment).map_err(|e| wrap(raw, e))?;
        }
        Ok(url)
    }

    /// `Hostname()`: the host without port and IPv6 brackets.
    pub fn hostname(&self) -> &str {
        split_host_port(&self.host).0
    }

    /// `Port()`: the port digits, or empty.
    pub fn port(&self) -> &str {
        split_host_port(&self.host).1
    }

    /// `EscapedPath()`.
    pub fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path)
            && unescape(&self.raw_path, Mode::Path).as_deref() == Ok(self.path.as_str())
        {
            return self.raw_path.clone();
        }
        if self.path == "*" {
            return "*".into();
        }
        escape(&self.path, Mode::Path)
    }

    /// `Query()`: the query parameters in order of first appearance,
    /// silently skipping malformed pairs as Go does.
    pub fn query(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for pair in self.raw_query.split('&') {
            if pair.is_empty() || pair.contains(';') {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (Ok(k), Ok(v)) = (
                unescape(k, Mode::QueryComponent),
                unescape(v, Mode::QueryComponent),
            ) else {
                continue;
            };
            match out.iter_mut().find(|(key, _)| *key == k) {
                Some((_, vs)) => vs.push(v),
                None => out.push((k, vec![v])),
            }
        }
        out
    }
}

fn split_host_port(host_port: &str) -> (&str, &str) {
    let mut host = host_port;
    let mut port = "";
    if let Some(colon) = host.rfind(':') {
        if valid_optional_port(host.get(colon..).unwrap_or_default()) {
            port = host.get(colon + 1..).unwrap_or_default();
            host = host.get(..colon).unwrap_or_default();
        }
    }
    if host.len() >= 2 && host.starts_with('[') && host.ends_with(']') {
        host = host.get(1..host.len() - 1).unwrap_or_default();
    }
    (host, port)
}

fn valid_encoded(s: &str) -> bool {
    s.bytes().all(|c| {
        matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !should_escape(c, Mode::Path)
    })
}

/// Whether `url.Parse("//" + name)` yields exactly `name` as its host (what
/// go-containerregistry asks of a registry name).
pub fn is_authority(name: &str) -> bool {
    Url::parse(&format!("//{name}")).is_ok_and(|u| u.host == name)
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

    fn req(s: &str) -> Url {
        match Url::parse_request_uri(s) {
            Ok(u) => u,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn request_uris_split_like_go() {
        let u = req("https://user:pw@Example.com:8443/a%20b/c?x=1&y=2&x=3#frag");
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "Example.com:8443");
        assert_eq!(u.hostname(), "Example.com");
        assert_eq!(u.port(), "8443");
        assert_eq!(u.path, "/a b/c");
        assert_eq!(u.escaped_path(), "/a%20b/c");
        assert_eq!(u.raw_query, "x=1&y=2&x=3#frag");
        let v6 = req("http://[::1]:80/");
        assert_eq!((v6.hostname(), v6.port()), ("::1", "80"));
        assert_eq!(req("/just/a/path").host, "");
        assert_eq!(req("mailto:someone").opaque, "someone");
    }

    #[test]
    fn query_keeps_order_and_repeats() {
        let u = req("http://h/?a=1&b=x+y&a=2&bad=%zz&;c=3");
        assert_eq!(
            u.query(),
            vec![
                ("a".to_string(), vec!["1".to_string(), "2".to_string()]),
                ("b".to_string(), vec!["x y".to_string()]),
            ]
        );
    }

    #[test]
    fn request_uri_errors_use_go_wording() {
        let e = |s: &str| Url::parse_request_uri(s).err().unwrap_or_default();
        assert_eq!(
            e("example.com"),
            r#"parse "example.com": invalid URI for request"#
        );
        assert_eq!(e(""), r#"parse "": empty url"#);
        assert_eq!(e(":foo"), r#"parse ":foo": missing protocol scheme"#);
        assert_eq!(
            e("http://h:x/"),
            r#"parse "http://h:x/": invalid port ":x" after host"#
        );
        assert_eq!(
            e("http://[::1/"),
            r#"parse "http://[::1/": missing ']' in host"#
        );
        assert_eq!(e("/a%2"), r#"parse "/a%2": invalid URL escape "%2""#);
        assert_eq!(
            e("http://a\nb/"),
            "parse \"http://a\\nb/\": net/url: invalid control character in URL"
        );
        assert_eq!(
            e("http://a b/"),
            r#"parse "http://a b/": invalid character " " in host name"#
        );
    }

    #[test]
    fn authorities_are_checked_as_go_container_registry_does() {
        assert!(is_authority("gcr.io"));
        assert!(is_authority("localhost:5000"));
        assert!(!is_authority("gcr.io:port"));
        assert!(!is_authority("a b"));
    }
}
