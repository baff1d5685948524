//! Scalar resolution: a port of go-yaml v2 resolve.go and decoder.scalar.

use super::*;

/// What go-yaml v2's `resolve` decides a scalar is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A timestamp; decoded into `interface{}` it stays the original string.
    Timestamp,
    Str,
}

impl Resolved {
    pub(super) fn short_tag(self) -> &'static str {
        match self {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) | Resolved::Uint(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Timestamp => "!!timestamp",
            Resolved::Str => "!!str",
        }
    }
}

/// The tags go-yaml knows how to resolve, plus `!!binary`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum KnownTag {
    Str,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
    Binary,
}

impl KnownTag {
    pub(super) fn from_full(tag: &str) -> Option<KnownTag> {
        Some(match tag.strip_prefix(TAG_PREFIX)? {
            "str" => KnownTag::Str,
            "bool" => KnownTag::Bool,
            "int" => KnownTag::Int,
            "float" => KnownTag::Float,
            "null" => KnownTag::Null,
            "timestamp" => KnownTag::Timestamp,
            "binary" => KnownTag::Binary,
            _ => return None,
        })
    }

    pub(super) fn short(self) -> &'static str {
        match self {
            KnownTag::Str => "!!str",
            KnownTag::Bool => "!!bool",
            KnownTag::Int => "!!int",
            KnownTag::Float => "!!float",
            KnownTag::Null => "!!null",
            KnownTag::Timestamp => "!!timestamp",
            KnownTag::Binary => "!!binary",
        }
    }
}

/// go-yaml v2 `resolve` for an untagged plain scalar (or one tagged with a
/// resolvable tag). `timestamps` mirrors its "only unquoted or !!timestamp"
/// rule.
pub(super) fn resolve(s: &str, timestamps: bool) -> Resolved {
    // resolveTable: the first byte hints at what the scalar might be.
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return Resolved::Str,
    };
    if let Some(r) = resolve_map(s) {
        return r;
    }
    match hint {
        b'.' => {
            if let Some(f) = strconv::parse_float(s) {
                return Resolved::Float(f);
            }
        }
        b'D' | b'S' => {
            if timestamps && is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = strconv::parse_int(&plain, 0) {
                return Resolved::Int(i);
            }
            if let Some(u) = strconv::parse_uint(&plain, 0) {
                return Resolved::Uint(u);
            }
            if is_yaml_style_float(&plain) {
                if let Some(f) = strconv::parse_float(&plain) {
                    return Resolved::Float(f);
                }
            }
            // go-yaml's explicit 0b/-0b branches are subsumed by
            // strconv.ParseInt's own prefix handling (Go >= 1.13).
        }
        _ => {}
    }
    Resolved::Str
}

/// go-yaml v2 `resolveMap`.
pub(super) fn resolve_map(s: &str) -> Option<Resolved> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// go-yaml v2's `yamlStyleFloat`:
/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub(super) fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let digits_from = |i: usize| b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if b.get(i) == Some(&b'.') {
        let n = digits_from(i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    } else {
        let n = digits_from(i);
        if n == 0 {
            return false;
        }
        i += n;
        if b.get(i) == Some(&b'.') {
            i += 1 + digits_from(i + 1);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits_from(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// go-yaml v2 `parseTimestamp`: Go's `time.Parse` with the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`.
pub(super) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // Quick check: all date formats start with YYYY-.
    if b.iter().take_while(|c| c.is_ascii_digit()).count() != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    let mut cur = Cursor { b, i: 5 };
    let year: u32 = b
        .iter()
        .take(4)
        .fold(0, |acc, c| acc * 10 + u32::from(c - b'0'));
    let Some(month) = cur.num().filter(|m| (1..=12).contains(m)) else {
        return false;
    };
    if !cur.lit(b'-') {
        return false;
    }
    let Some(day) = cur.num() else {
        return false;
    };
    if day < 1 || day > days_in(month, year) {
        return false;
    }
    if cur.at_end() {
        return true;
    }
    let zoned = match cur.peek() {
        Some(b'T' | b't') => true,
        Some(b' ') => false,
        _ => return false,
    };
    cur.i += 1;
    let time_ok = cur.num().is_some_and(|h| h < 24)
        && cur.lit(b':')
        && cur.num().is_some_and(|m| m < 60)
        && cur.lit(b':')
        && cur.num().is_some_and(|s| s < 60);
    if !time_ok {
        return false;
    }
    if matches!(cur.peek(), Some(b'.' | b','))
        && cur.b.get(cur.i + 1).is_some_and(u8::is_ascii_digit)
    {
        cur.i += 1;
        while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            cur.i += 1;
        }
    }
    if zoned {
        match cur.peek() {
            Some(b'Z') => cur.i += 1,
            Some(b'+' | b'-') => {
                let two = |c: &Cursor, at: usize| -> Option<u32> {
                    let hi = char::from(*c.b.get(at)?).to_digit(10)?;
                    let lo = char::from(*c.b.get(at + 1)?).to_digit(10)?;
                    Some(hi * 10 + lo)
                };
                let hh = two(&cur, cur.i + 1);
                let colon = cur.b.get(cur.i + 3) == Some(&b':');
                let mm = two(&cur, cur.i + 4);
                match (hh, colon, mm) {
                    (Some(h), true, Some(m)) if h <= 24 && m <= 60 => cur.i += 6,
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
    cur.at_end()
}

pub(super) struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
    fn lit(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// Go's `getnum(value, false)`: one or two digits.
    fn num(&mut self) -> Option<u32> {
        let d0 = char::from(self.peek()?).to_digit(10)?;
        self.i += 1;
        match self.peek().and_then(|c| char::from(c).to_digit(10)) {
            Some(d1) => {
                self.i += 1;
                Some(d0 * 10 + d1)
            }
            None => Some(d0),
        }
    }
}

pub(super) fn days_in(month: u32, year: u32) -> u32 {
    // Signed on purpose: the workspace targets Rust 1.80, which lacks the
    // `is_multiple_of` that clippy suggests for unsigned `%` tests.
    let y = i64::from(year);
    match month {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `base64.StdEncoding.DecodeString`, which skips `\r` and `\n`, then
/// the string conversion `encoding/json` performs (each invalid UTF-8 byte
/// becomes U+FFFD).
pub(super) fn decode_base64(s: &str) -> Option<String> {
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    if !clean.chunks_exact(4).remainder().is_empty() {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let chunks = clean.len() / 4;
    for (n, chunk) in clean.chunks_exact(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && n + 1 != chunks) {
            return None;
        }
        let mut acc = 0u32;
        for &c in chunk.iter().take(4 - pad) {
            acc = (acc << 6) | val(c)?;
        }
        acc <<= 6 * pad as u32;
        let bytes = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        out.extend(bytes.iter().take(3 - pad));
    }
    Some(go_string_from_bytes(&out))
}

pub(super) fn go_string_from_bytes(mut bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                s.push_str(valid);
                return s;
            }
            Err(e) => {
                let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
                let rest = bytes.get(e.valid_up_to()..).unwrap_or_default();
                if rest.is_empty() {
                    return s;
                }
                s.push_str(std::str::from_utf8(good).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len()).max(1);
                for _ in 0..bad.min(rest.len()) {
                    s.push('\u{FFFD}');
                }
                bytes = rest.get(bad..).unwrap_or_default();
            }
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` with go-yaml's spellings of
/// the special values: the conversion `sigs.k8s.io/yaml` applies to float
/// map keys.
pub(super) fn format_float32_g(f: f64) -> String {
    let f32v = f as f32;
    if f32v.is_nan() {
        return ".nan".to_string();
    }
    if f32v.is_infinite() {
        return if f32v > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    strconv::format_float_g(f, 32)
}
