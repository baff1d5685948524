//! Go's `url.Parse` for SAN URIs, and the JSON Go writes for a `*url.URL`
//! (its exported fields; a non-nil `User` shows as `{}`).

use serde_json::{json, Value};

/// Go's `shouldEscape` for the two modes a parsed URL re-escapes in.
fn should_escape(c: u8, fragment: bool) -> bool {
    if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
        return false;
    }
    if matches!(
        c,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@'
    ) {
        return !fragment && c == b'?';
    }
    !(fragment && matches!(c, b'!' | b'(' | b')' | b'*'))
}

fn escape(s: &str, fragment: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, fragment) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => out.push(v),
                None => {
                    let bad: String = s[i..].chars().take(3).collect();
                    return Err(format!("invalid URL escape {bad:?}"));
                }
            }
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// (decoded, raw-if-it-differs-from-the-default-encoding).
fn decoded_and_raw(p: &str, fragment: bool) -> Result<(String, String), String> {
    let decoded = unescape(p)?;
    let raw = if escape(&decoded, fragment) == p {
        String::new()
    } else {
        p.to_string()
    };
    Ok((decoded, raw))
}

fn scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

pub(super) fn url_json(text: &str) -> Result<Value, String> {
    let fail = |e: String| format!("x509: cannot parse URI {text:?}: parse {text:?}: {e}");
    if text.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(fail("net/url: invalid control character in URL".into()));
    }
    let (u, frag) = text.split_once('#').unwrap_or((text, ""));
    let (scheme, rest) = scheme(u).map_err(&fail)?;
    let scheme = scheme.to_ascii_lowercase();
    let (mut rest, raw_query, force_query) =
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            (&rest[..rest.len() - 1], "", true)
        } else {
            let (r, q) = rest.split_once('?').unwrap_or((rest, ""));
            (r, q, false)
        };
    let (mut opaque, mut user, mut host, mut omit_host) = ("", Value::Null, String::new(), false);
    let mut path = (String::new(), String::new());
    if !rest.starts_with('/') && !scheme.is_empty() {
        opaque = rest;
    } else {
        if !rest.starts_with('/') && rest.split('/').next().unwrap_or("").contains(':') {
            return Err(fail(
                "first path segment in URL cannot contain colon".into(),
            ));
        }
        if (!scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let authority_and_path = &rest[2..];
            let (authority, p) = match authority_and_path.find('/') {
                Some(i) => authority_and_path.split_at(i),
                None => (authority_and_path, ""),
            };
            let host_part = match authority.rfind('@') {
                Some(i) => {
                    user = json!({});
                    &authority[i + 1..]
                }
                None => authority,
            };
            host = unescape(host_part).map_err(&fail)?;
            rest = p;
        } else if !scheme.is_empty() && rest.starts_with('/') {
            omit_host = true;
        }
        path = decoded_and_raw(rest, false).map_err(&fail)?;
    }
    let fragment = if frag.is_empty() {
        (String::new(), String::new())
    } else {
        decoded_and_raw(frag, true).map_err(&fail)?
    };
    Ok(json!({
        "Scheme": scheme,
        "Opaque": opaque,
        "User": user,
        "Host": host,
        "Path": path.0,
        "RawPath": path.1,
        "OmitHost": omit_host,
        "ForceQuery": force_query,
        "RawQuery": raw_query,
        "Fragment": fragment.0,
        "RawFragment": fragment.1,
    }))
}
