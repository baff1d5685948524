//! Go's `strconv` number parsing and formatting, as Kyverno's verdicts
//! see it: go-yaml resolves scalars with `ParseInt`/`ParseUint`/
//! `ParseFloat`, Kyverno's conditions compare strings as numbers with
//! them, JMESPath's `to_number` is `ParseFloat`, and messages print floats
//! with `FormatFloat`. One port, so that every caller agrees with Go and
//! with each other.

/// `strconv.ParseUint(s, base, 64)` for `base` 0 (the prefix picks: `0b`,
/// `0o`, `0x`, a leading `0` is octal; `_` between digits allowed) or
/// 2 to 36. `None` on a syntax or range error.
pub fn parse_uint(s: &str, base: u32) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (base, digits, base0): (u32, &[u8], bool) = if base == 0 {
        match b {
            [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'b') => {
                (2, rest, true)
            }
            [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'o') => {
                (8, rest, true)
            }
            [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'x') => {
                (16, rest, true)
            }
            [b'0', rest @ ..] => (8, rest, true),
            _ => (10, b, true),
        }
    } else if (2..=36).contains(&base) {
        (base, b, false)
    } else {
        return None;
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        if c == b'_' && base0 {
            underscores = true;
            continue;
        }
        let d = char::from(c).to_digit(36).filter(|&d| d < base)?;
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(n)
}

/// `strconv.ParseInt(s, base, 64)`: an optional sign, then
/// [`parse_uint`]'s syntax, within `i64`. `None` on a syntax or range
/// error.
pub fn parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, s.get(1..)?),
        Some(b'-') => (true, s.get(1..)?),
        _ => (false, s),
    };
    let u = parse_uint(rest, base)?;
    if neg {
        (u <= 1u64 << 63).then(|| 0i64.wrapping_sub_unsigned(u))
    } else {
        i64::try_from(u).ok()
    }
}

/// `strconv.ParseFloat(s, 64)`: decimal and hex floats (`0x1.8p3`, the
/// `p` exponent mandatory), `_` between digits, `inf`/`infinity` (signed)
/// and `nan` (unsigned) in any case. `None` on any error, including the
/// range error Go reports (with ±Inf) for overflowing input.
pub fn parse_float(s: &str) -> Option<f64> {
    if let Some(f) = special(s) {
        return f;
    }
    let b = s.as_bytes();
    let mut i = 0;
    let neg = match b.first() {
        Some(b'+') => {
            i = 1;
            false
        }
        Some(b'-') => {
            i = 1;
            true
        }
        _ => false,
    };
    let hex = i + 2 < b.len()
        && b.get(i) == Some(&b'0')
        && b.get(i + 1).map(u8::to_ascii_lowercase) == Some(b'x');
    if hex {
        i += 2;
    }
    // Mantissa: digits, underscores and at most one dot.
    let mut digits = Vec::new();
    let mut dot_at: Option<usize> = None;
    let mut underscores = false;
    while let Some(&c) = b.get(i) {
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if dot_at.is_some() {
                break;
            }
            dot_at = Some(digits.len());
        } else if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            digits.push(c);
        } else {
            break;
        }
        i += 1;
    }
    if digits.is_empty() {
        return None;
    }
    // Exponent: `e` for decimal, mandatory `p` for hex.
    let exp_char = if hex { b'p' } else { b'e' };
    let mut exp: i64 = 0;
    if b.get(i).map(u8::to_ascii_lowercase) == Some(exp_char) {
        i += 1;
        let mut esign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                esign = -1;
                i += 1
            }
            _ => {}
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while let Some(&c) = b.get(i) {
            if c == b'_' {
                underscores = true;
            } else if c.is_ascii_digit() {
                if exp < 10_000 {
                    exp = exp * 10 + i64::from(c - b'0');
                }
            } else {
                break;
            }
            i += 1;
        }
        exp *= esign;
    } else if hex {
        return None;
    }
    if i != b.len() || (underscores && !underscore_ok(s)) {
        return None;
    }
    let f = if hex {
        hex_float(&digits, dot_at, exp, neg)?
    } else {
        let cleaned: String = s.chars().filter(|&c| c != '_').collect();
        cleaned.parse::<f64>().ok()?
    };
    if f.is_infinite() {
        return None;
    }
    Some(f)
}

/// Go's `special`: `inf`/`infinity` (signed) and `nan` (unsigned), in any
/// case. `Some(None)` when a special prefix leaves trailing text (a syntax
/// error), `None` when `s` is not special at all.
fn special(s: &str) -> Option<Option<f64>> {
    let lower = s.to_ascii_lowercase();
    let (sign, body) = if let Some(rest) = lower.strip_prefix('+') {
        (1.0, rest)
    } else if let Some(rest) = lower.strip_prefix('-') {
        (-1.0, rest)
    } else {
        (0.0, lower.as_str())
    };
    if body.starts_with("inf") {
        return Some(match body {
            "inf" | "infinity" => Some(if sign < 0.0 {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            _ => None,
        });
    }
    if sign == 0.0 && body.starts_with("nan") {
        return Some((body == "nan").then_some(f64::NAN));
    }
    None
}

/// Go's `underscoreOK`: underscores only between digits (a base prefix
/// counts as a digit).
pub fn underscore_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut bytes = s.bytes().peekable();
    let mut saw = b'^';
    let mut hex = false;
    let mut prefixed = s.bytes();
    if let (Some(b'0'), Some(base)) = (prefixed.next(), prefixed.next()) {
        if matches!(base.to_ascii_lowercase(), b'b' | b'o' | b'x') {
            bytes.next();
            bytes.next();
            saw = b'0';
            hex = base.eq_ignore_ascii_case(&b'x');
        }
    }
    for c in bytes {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// A hex float (`0x1.8p3`) rounded to nearest-even like Go's `atofHex`;
/// `None` on overflow.
fn hex_float(digits: &[u8], dot_at: Option<usize>, exp: i64, neg: bool) -> Option<f64> {
    // Keep at most 16 significant hex digits; later non-zero ones are sticky.
    let mut mantissa: u64 = 0;
    let mut kept: i64 = 0;
    let mut seen: i64 = 0;
    let mut point: i64 = 0;
    let mut sticky = false;
    for (idx, &c) in digits.iter().enumerate() {
        if dot_at == Some(idx) {
            point = seen;
        }
        let d = u64::from((c as char).to_digit(16).unwrap_or(0));
        if d == 0 && seen == 0 {
            point -= 1;
            continue;
        }
        seen += 1;
        if kept < 16 {
            mantissa = mantissa * 16 + d;
            kept += 1;
        } else if d != 0 {
            sticky = true;
        }
    }
    if dot_at.is_none_or(|at| at >= digits.len()) {
        point = seen;
    }
    if mantissa == 0 {
        return Some(if neg { -0.0 } else { 0.0 });
    }
    // value = mantissa * 2^e2
    let mut e2 = (point - kept) * 4 + exp;
    // Normalise to 55 bits: a leading one, 52 fraction bits, two rounding bits.
    const MANT_BITS: i64 = 52;
    e2 += MANT_BITS;
    while mantissa >> (MANT_BITS + 2) == 0 {
        mantissa <<= 1;
        e2 -= 1;
    }
    if sticky {
        mantissa |= 1;
    }
    while mantissa >> (MANT_BITS + 3) != 0 {
        mantissa = (mantissa >> 1) | (mantissa & 1);
        e2 += 1;
    }
    while mantissa > 1 && e2 < -1022 - 2 {
        mantissa = (mantissa >> 1) | (mantissa & 1);
        e2 += 1;
    }
    let mut round = mantissa & 3;
    mantissa >>= 2;
    round |= mantissa & 1;
    e2 += 2;
    if round == 3 {
        mantissa += 1;
        if mantissa == 1 << (MANT_BITS + 1) {
            mantissa >>= 1;
            e2 += 1;
        }
    }
    if mantissa >> MANT_BITS == 0 {
        e2 = -1023;
    }
    if e2 > 1023 {
        return None;
    }
    let biased = u64::try_from(e2 + 1023).ok()?;
    let bits = (mantissa & ((1 << MANT_BITS) - 1)) | (biased << MANT_BITS) | (u64::from(neg) << 63);
    Some(f64::from_bits(bits))
}

/// Shortest round-trip digits and decimal exponent of a finite float at
/// `bits` precision (32 or 64): `80.0` -> ("8", 1).
fn shortest_digits(f: f64, bits: u32) -> (String, i32) {
    let s = if bits == 32 {
        format!("{:e}", (f as f32).abs())
    } else {
        format!("{:e}", f.abs())
    };
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

fn exp_suffix(letter: char, exp: i32) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{letter}{sign}{:02}", exp.unsigned_abs())
}

/// `d` or `d.ddd`.
fn mantissa(digits: &str) -> String {
    let mut chars = digits.chars();
    match chars.next() {
        None => "0".to_string(),
        Some(first) if chars.as_str().is_empty() => first.to_string(),
        Some(first) => format!("{first}.{}", chars.as_str()),
    }
}

/// Go's spellings of the values without digits.
fn non_finite(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

/// `strconv.FormatFloat(f, 'E', -1, 64)`: `80` -> `8E+01`.
pub fn format_float_e_upper(f: f64) -> String {
    if let Some(s) = non_finite(f) {
        return s;
    }
    let sign = if f.is_sign_negative() && f != 0.0 {
        "-"
    } else {
        ""
    };
    if f == 0.0 {
        return format!("{sign}0E+00");
    }
    let (digits, exp) = shortest_digits(f, 64);
    format!("{sign}{}{}", mantissa(&digits), exp_suffix('E', exp))
}

/// `strconv.FormatFloat(f, 'g', -1, bits)` (`bits` 32 or 64; at 32 the
/// value is first rounded to `float32`): `80` -> `80`, `1e6` -> `1e+06`,
/// `0.5` -> `0.5`.
pub fn format_float_g(f: f64, bits: u32) -> String {
    let f = if bits == 32 { f64::from(f as f32) } else { f };
    if let Some(s) = non_finite(f) {
        return s;
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let (digits, exp) = shortest_digits(f, bits);
    if !(-4..6).contains(&exp) {
        return format!("{sign}{}{}", mantissa(&digits), exp_suffix('e', exp));
    }
    let nd = digits.len();
    let body = match usize::try_from(exp + 1) {
        // 0.000ddd
        Err(_) | Ok(0) => format!(
            "0.{}{}",
            "0".repeat(exp.unsigned_abs() as usize - 1),
            digits
        ),
        // ddd000
        Ok(dp) if dp >= nd => format!("{digits}{}", "0".repeat(dp - nd)),
        // dd.d
        Ok(dp) => {
            let (int_part, frac) = digits.split_at_checked(dp).unwrap_or((&digits, ""));
            format!("{int_part}.{frac}")
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_float_accepts_what_go_accepts() {
        assert_eq!(parse_float("1_000"), Some(1000.0));
        assert_eq!(parse_float("0x1p4"), Some(16.0));
        assert_eq!(parse_float("0x_1p0"), Some(1.0));
        assert_eq!(parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("5."), Some(5.0));
        assert_eq!(parse_float("+.5e1"), Some(5.0));
        assert_eq!(parse_float(".5e1_0"), Some(5e9));
        assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float("+inf"), Some(f64::INFINITY));
        assert!(parse_float("nan").is_some_and(f64::is_nan));
        assert!(parse_float("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float("1e-400"), Some(0.0));
    }

    #[test]
    fn parse_float_refuses_what_go_refuses() {
        for bad in [
            "0x10", "+nan", "-nan", "1e400", "1__0", " 1", "1_", "_1", "", "infin", "0x", "1e",
            "1.2.3", "+-5", "--5", ".", "._5", "0x1p", "1e+", "e5", "1f",
        ] {
            assert_eq!(parse_float(bad), None, "{bad}");
        }
    }

    #[test]
    fn parse_int_base_ten_is_signed_decimal_only() {
        assert_eq!(parse_int("42", 10), Some(42));
        assert_eq!(parse_int("+42", 10), Some(42));
        assert_eq!(parse_int("-9223372036854775808", 10), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775807", 10), Some(i64::MAX));
        for bad in [
            "9223372036854775808",
            "1_000",
            "0x10",
            "",
            "+",
            "-",
            " 1",
            "1.0",
            "+-1",
        ] {
            assert_eq!(parse_int(bad, 10), None, "{bad}");
        }
    }

    #[test]
    fn parse_int_base_zero_reads_the_prefix() {
        assert_eq!(parse_int("0x7FFFFFFFFFFFFFFF", 0), Some(i64::MAX));
        assert_eq!(parse_int("0x8000000000000000", 0), None);
        assert_eq!(parse_int("-0x8000000000000000", 0), Some(i64::MIN));
        assert_eq!(parse_int("0b101", 0), Some(5));
        assert_eq!(parse_int("0o17", 0), Some(15));
        assert_eq!(parse_int("017", 0), Some(15));
        assert_eq!(parse_int("0", 0), Some(0));
        assert_eq!(parse_int("1_000", 0), Some(1000));
        assert_eq!(parse_int("0x_1f", 0), Some(31));
        for bad in ["08", "0b", "0x", "0b2", "1__0", "_1", "1_", ""] {
            assert_eq!(parse_int(bad, 0), None, "{bad}");
        }
        assert_eq!(parse_uint("18446744073709551615", 0), Some(u64::MAX));
        assert_eq!(parse_uint("18446744073709551616", 0), None);
        assert_eq!(parse_uint("-1", 0), None);
    }

    #[test]
    fn underscores_sit_only_between_digits() {
        assert!(underscore_ok("1_000"));
        assert!(underscore_ok("0x_1"));
        assert!(!underscore_ok("1__000"));
        assert!(!underscore_ok("_1"));
        assert!(!underscore_ok("1_"));
    }

    #[test]
    fn format_float_matches_go() {
        assert_eq!(format_float_e_upper(80.0), "8E+01");
        assert_eq!(format_float_e_upper(1.5), "1.5E+00");
        assert_eq!(format_float_e_upper(0.0), "0E+00");
        assert_eq!(format_float_e_upper(-0.001), "-1E-03");
        assert_eq!(format_float_e_upper(f64::NAN), "NaN");
        assert_eq!(format_float_g(80.0, 64), "80");
        assert_eq!(format_float_g(1e6, 64), "1e+06");
        assert_eq!(format_float_g(123456.0, 64), "123456");
        assert_eq!(format_float_g(0.5, 64), "0.5");
        assert_eq!(format_float_g(0.0001, 64), "0.0001");
        assert_eq!(format_float_g(0.00012, 64), "0.00012");
        assert_eq!(format_float_g(0.00001, 64), "1e-05");
        assert_eq!(format_float_g(1234567.0, 64), "1.234567e+06");
        assert_eq!(format_float_g(-0.0, 64), "-0");
        assert_eq!(format_float_g(f64::NEG_INFINITY, 64), "-Inf");
        assert_eq!(
            format_float_g(std::f64::consts::PI, 64),
            "3.141592653589793"
        );
        assert_eq!(format_float_g(std::f64::consts::PI, 32), "3.1415927");
        assert_eq!(format_float_g(1e300, 32), "+Inf");
        assert_eq!(format_float_g(-2.5, 32), "-2.5");
    }
}
