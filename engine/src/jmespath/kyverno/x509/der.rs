//! A minimal DER reader with the strictness of Go's `cryptobyte`, for the
//! parts of a certificate Go decodes itself (extension values, names, PSS
//! parameters): x509-parser gives the structure and the raw bytes, and the
//! field values then follow Go's rules exactly.

/// Universal and context-specific tags used here (single-byte forms).
pub(super) mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[n]` IMPLICIT, primitive.
    pub const fn ctx(n: u8) -> u8 {
        0x80 | n
    }
    /// `[n]` constructed (EXPLICIT, or IMPLICIT over a constructed type).
    pub const fn ctx_cons(n: u8) -> u8 {
        0xa0 | n
    }
}

/// A cursor over DER elements.
#[derive(Clone, Copy)]
pub(super) struct Der<'a>(pub &'a [u8]);

impl<'a> Der<'a> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.0.first().copied()
    }

    /// The next element: (tag, content, whole encoding). `None` when it is
    /// malformed: high tag numbers, indefinite or non-minimal lengths,
    /// lengths past the end.
    fn next(&self) -> Option<(u8, &'a [u8], usize)> {
        let t = *self.0.first()?;
        if t & 0x1f == 0x1f {
            return None;
        }
        let l0 = *self.0.get(1)?;
        let (len, header) = if l0 < 0x80 {
            (usize::from(l0), 2)
        } else {
            let n = usize::from(l0 & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            let bytes = self.0.get(2..2 + n)?;
            if bytes.first() == Some(&0) {
                return None;
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if len < 0x80 {
                return None;
            }
            (len, 2 + n)
        };
        let end = header.checked_add(len)?;
        let content = self.0.get(header..end)?;
        Some((t, content, end))
    }

    /// Any element: (tag, content).
    pub fn read_any(&mut self) -> Option<(u8, &'a [u8])> {
        let (t, content, end) = self.next()?;
        self.0 = self.0.get(end..)?;
        Some((t, content))
    }

    /// Any element as its full encoding (header included).
    pub fn read_any_full(&mut self) -> Option<&'a [u8]> {
        let (_, _, end) = self.next()?;
        let whole = self.0.get(..end)?;
        self.0 = self.0.get(end..)?;
        Some(whole)
    }

    /// The content of the next element, which must have tag `t`.
    pub fn read(&mut self, t: u8) -> Option<&'a [u8]> {
        match self.next()? {
            (got, content, end) if got == t => {
                self.0 = self.0.get(end..)?;
                Some(content)
            }
            _ => None,
        }
    }

    /// `Some(None)` when the next element is not tagged `t`.
    pub fn read_optional(&mut self, t: u8) -> Option<Option<&'a [u8]>> {
        if self.peek_tag() == Some(t) {
            self.read(t).map(Some)
        } else {
            Some(None)
        }
    }
}

/// Arcs of an OBJECT IDENTIFIER's content. Like Go's `asn1` and
/// `cryptobyte`, each arc must fit in 31 bits and be minimally encoded.
pub(super) fn oid_arcs(content: &[u8]) -> Option<Vec<i64>> {
    let mut values = Vec::new();
    let mut cur: i64 = 0;
    let mut started = false;
    for &b in content {
        if !started && b == 0x80 {
            return None;
        }
        started = true;
        cur = (cur << 7) | i64::from(b & 0x7f);
        if cur > i64::from(i32::MAX) {
            return None;
        }
        if b & 0x80 == 0 {
            values.push(cur);
            cur = 0;
            started = false;
        }
    }
    if started {
        return None;
    }
    let first = *values.first()?;
    let mut arcs = Vec::with_capacity(values.len() + 1);
    if first < 80 {
        arcs.push(first / 40);
        arcs.push(first % 40);
    } else {
        arcs.push(2);
        arcs.push(first - 80);
    }
    arcs.extend(values.into_iter().skip(1));
    Some(arcs)
}

/// Dotted text of OID arcs (Go's `OID.String`, `MarshalText`).
pub(super) fn oid_text(arcs: &[i64]) -> String {
    arcs.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A minimally encoded INTEGER that fits in an `i64`.
pub(super) fn int64(content: &[u8]) -> Option<i64> {
    if content.is_empty() || content.len() > 8 || !minimal_integer(content) {
        return None;
    }
    let neg = content.first().is_some_and(|b| b & 0x80 != 0);
    let mut v: i64 = if neg { -1 } else { 0 };
    for &b in content {
        v = (v << 8) | i64::from(b);
    }
    Some(v)
}

/// DER integers have no redundant leading 0x00 or 0xff byte.
pub(super) fn minimal_integer(content: &[u8]) -> bool {
    match content {
        [] => false,
        [0x00, b, ..] if b & 0x80 == 0 => false,
        [0xff, b, ..] if b & 0x80 != 0 => false,
        _ => true,
    }
}

/// DER BOOLEAN: exactly 0x00 or 0xff.
pub(super) fn boolean(content: &[u8]) -> Option<bool> {
    match content {
        [0x00] => Some(false),
        [0xff] => Some(true),
        _ => None,
    }
}

/// BIT STRING content as (bytes, bit length), as Go's `ReadASN1BitString`.
pub(super) fn bit_string(content: &[u8]) -> Option<(&[u8], usize)> {
    let (&unused, bytes) = content.split_first()?;
    if unused > 7 || (bytes.is_empty() && unused != 0) {
        return None;
    }
    if let Some(last) = bytes.last() {
        if last & ((1u8 << unused) - 1) != 0 {
            return None;
        }
    }
    Some((bytes, bytes.len() * 8 - usize::from(unused)))
}

/// Decimal digits of a big-endian unsigned integer (`big.Int.String`).
/// Quadratic in the length; callers charge the evaluation budget first
/// (see [`decimal_cost`]).
pub(super) fn decimal(bytes: &[u8]) -> String {
    const BASE: u64 = 1_000_000_000;
    let mut limbs: Vec<u64> = Vec::new(); // little-endian, base 1e9
    for &b in bytes {
        let mut carry = u64::from(b);
        for limb in limbs.iter_mut() {
            let v = *limb * 256 + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
    }
    let mut out = match limbs.last() {
        Some(top) => top.to_string(),
        None => return "0".into(),
    };
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

/// Steps [`decimal`] takes for `len` bytes, in units of 64 limb updates.
pub(super) fn decimal_cost(len: usize) -> u64 {
    let limbs = (len as u64).saturating_mul(27) / 100 + 1;
    (len as u64).saturating_mul(limbs) / 64
}
