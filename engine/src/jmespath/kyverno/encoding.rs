//! Encoding, hashing and parsing functions. The hashes and base64 are
//! written here because the engine has no crypto/encoding dependency; they
//! are checked against the standard test vectors in the tests.

use super::super::ast::FunctionCall;
use super::super::functions::{Args, R};
use super::super::interpreter::Interp;
use super::super::value::Val;
use super::super::JmespathError;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The table index is masked to 0..63 and the table has 64 entries.
#[allow(clippy::indexing_slicing)]
pub(crate) fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0) as u32;
        let b1 = chunk.get(1).copied().unwrap_or(0) as u32;
        let b2 = chunk.get(2).copied().unwrap_or(0) as u32;
        let n = (b0 << 16) | (b1 << 8) | b2;
        let sym = |shift: u32| B64[((n >> shift) & 63) as usize] as char;
        out.push(sym(18));
        out.push(sym(12));
        out.push(if chunk.len() > 1 { sym(6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(0) } else { '=' });
    }
    out
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Go's `base64.StdEncoding.DecodeString` (padding required, `\r`/`\n`
/// ignored); the error is the byte offset Go reports.
pub(crate) fn b64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let is_nl = |c: u8| c == b'\n' || c == b'\r';
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0usize;
    loop {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing: Option<usize> = None;
        while j < 4 {
            let c = match src.get(si) {
                None => {
                    if j == 0 {
                        return Ok(out);
                    }
                    return Err(si - j);
                }
                Some(&c) => c,
            };
            si += 1;
            if let Some(v) = b64_value(c) {
                if let Some(slot) = dbuf.get_mut(j) {
                    *slot = v;
                }
                j += 1;
                continue;
            }
            if is_nl(c) {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while src.get(si).copied().is_some_and(is_nl) {
                        si += 1;
                    }
                    match src.get(si) {
                        None => return Err(src.len()),
                        Some(&b'=') => si += 1,
                        Some(_) => return Err(si - 1),
                    }
                }
                _ => {}
            }
            while src.get(si).copied().is_some_and(is_nl) {
                si += 1;
            }
            if si < src.len() {
                trailing = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(bytes.get(..dlen.saturating_sub(1)).unwrap_or_default());
        if let Some(pos) = trailing {
            return Err(pos);
        }
        if dlen < 4 {
            return Ok(out);
        }
    }
}

pub(crate) fn base64_encode<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::string(b64_encode(a.str(0)?.as_bytes())))
}

pub(crate) fn base64_decode<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    match b64_decode(a.str(0)?.as_bytes()) {
        // Kyverno keeps the raw bytes in a Go string; JSON output replaces
        // invalid UTF-8 with U+FFFD, which is what a Rust String can hold.
        Ok(bytes) => Ok(Val::string(String::from_utf8_lossy(&bytes).into_owned())),
        Err(pos) => Err(JmespathError::Runtime(format!(
            "illegal base64 data at input byte {pos}"
        ))),
    }
}

// The index is a nibble (0..15) and the table has 16 entries.
#[allow(clippy::indexing_slicing)]
fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// Merkle–Damgård padding shared by the three hashes.
fn padded(data: &[u8], big_endian_len: bool) -> Vec<u8> {
    let mut m = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    if big_endian_len {
        m.extend_from_slice(&bit_len.to_be_bytes());
    } else {
        m.extend_from_slice(&bit_len.to_le_bytes());
    }
    m
}

// Fixed-size block arithmetic: every index is a loop counter bounded by
// the array it indexes (64-byte blocks, 64-word schedule, 8-word state).
#[allow(clippy::indexing_slicing)]
pub(crate) fn sha256_digest(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    for block in padded(data, true).chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

// Fixed-size block arithmetic: every index is a loop counter bounded by
// the array it indexes (64-byte blocks, 80-word schedule, 5-word state).
#[allow(clippy::indexing_slicing)]
pub(crate) fn sha1_digest(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    for block in padded(data, true).chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

// Fixed-size block arithmetic: every index is a loop counter bounded by
// the array it indexes (64-byte blocks, 16-word block, 64-entry tables).
#[allow(clippy::indexing_slicing)]
pub(crate) fn md5_digest(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    for block in padded(data, false).chunks_exact(64) {
        let mut m = [0u32; 16];
        for (i, word) in block.chunks_exact(4).enumerate() {
            m[i] = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        }
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i {
                0..=15 => ((b & c) | (!b & d), i),
                16..=31 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                32..=47 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 16];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_le_bytes());
    }
    out
}

pub(crate) fn sha256<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::string(hex(&sha256_digest(a.str(0)?.as_bytes()))))
}

pub(crate) fn sha1<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::string(hex(&sha1_digest(a.str(0)?.as_bytes()))))
}

pub(crate) fn md5<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::string(hex(&md5_digest(a.str(0)?.as_bytes()))))
}

/// Parsing builds a value whose size is proportional to the text: three
/// bytes (`[],`) can be a 32-byte node, so the text is charged per byte,
/// before parsing.
const PARSE_STEPS_PER_BYTE: u64 = 1;

pub(crate) fn parse_json<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let text = a.str(0)?;
    it.charge(PARSE_STEPS_PER_BYTE.saturating_mul(text.len() as u64))?;
    // serde_json limits nesting to 128 levels, which also bounds our later
    // recursion over the parsed value.
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => Ok(Val::from_value(v)),
        Err(e) => Err(JmespathError::Runtime(go_json_error(text, &e))),
    }
}

/// Approximates Go's `encoding/json` error texts for the common cases.
fn go_json_error(text: &str, e: &serde_json::Error) -> String {
    if text.trim().is_empty() || e.is_eof() {
        return "unexpected end of JSON input".to_string();
    }
    let msg = e.to_string();
    if msg.starts_with("expected value") || msg.starts_with("trailing characters") {
        let offending = text
            .lines()
            .nth(e.line().saturating_sub(1))
            .and_then(|l| l.chars().nth(e.column().saturating_sub(1)));
        if let Some(c) = offending {
            let what = if msg.starts_with("trailing") {
                "after top-level value"
            } else {
                "looking for beginning of value"
            };
            return format!("invalid character {c:?} {what}");
        }
    }
    msg
}

pub(crate) fn parse_yaml<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let text = a.str(0)?;
    it.charge(PARSE_STEPS_PER_BYTE.saturating_mul(text.len() as u64))?;
    match crate::yaml::parse_value(text) {
        Ok(v) => Ok(Val::from_value(v)),
        Err(e) => Err(JmespathError::Runtime(e.to_string())),
    }
}
