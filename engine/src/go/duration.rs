//! Go `time.Duration` parsing and formatting.
//!
//! Kyverno compares and computes durations with Go's `time.ParseDuration`
//! and `Duration.String`, so a policy's outcome depends on their exact
//! quirks (fractional hours computed through `float64`, `"0"` being the only
//! unit-less duration, the `µs` spelling on output). This module ports both
//! functions step by step from Go's `src/time/format.go` and `time.go`.

/// Nanoseconds per unit, as in Go's `unitMap`.
const UNITS: [(&[u8], u64); 8] = [
    (b"ns", 1),
    (b"us", 1_000),
    ("µs".as_bytes(), 1_000), // U+00B5 micro sign
    ("μs".as_bytes(), 1_000), // U+03BC Greek small letter mu
    (b"ms", 1_000_000),
    (b"s", 1_000_000_000),
    (b"m", 60_000_000_000),
    (b"h", 3_600_000_000_000),
];

/// 2^63: Go accumulates the magnitude in a `uint64` and allows exactly this
/// much so that the most negative duration can be written.
const LIMIT: u64 = 1 << 63;

/// Parses a duration string exactly like Go's `time.ParseDuration`.
///
/// The grammar is `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` with units `ns`, `us`,
/// `µs` (U+00B5), `μs` (U+03BC), `ms`, `s`, `m` and `h`. A bare `"0"` (after an
/// optional sign) is the only number allowed without a unit. The result is in
/// nanoseconds; `None` means Go would have returned an error (syntax, unknown
/// unit, or a magnitude beyond the `int64` range).
///
/// ```
/// use verno::unstable::go::duration::parse_duration;
/// assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
/// assert_eq!(parse_duration("-1.5s"), Some(-1_500_000_000));
/// assert_eq!(parse_duration("0"), Some(0));
/// assert_eq!(parse_duration("10"), None);
/// assert_eq!(parse_duration("1d"), None);
/// ```
pub fn parse_duration(s: &str) -> Option<i64> {
    let mut s = s.as_bytes();
    let mut neg = false;
    if let Some((&c, rest)) = s.split_first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            s = rest;
        }
    }
    if s == b"0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let mut d: u64 = 0;
    while let Some(&first) = s.first() {
        if !(first == b'.' || first.is_ascii_digit()) {
            return None;
        }
        let before = s.len();
        let (mut v, rest) = leading_int(s)?;
        s = rest;
        let pre = before != s.len();

        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if let Some((b'.', rest)) = s.split_first() {
            let before = rest.len();
            let (frac, frac_scale, rest) = leading_fraction(rest);
            f = frac;
            scale = frac_scale;
            s = rest;
            post = before != s.len();
        }
        if !pre && !post {
            // No digits at all, e.g. ".s" or "-.s".
            return None;
        }

        let unit_len = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return None;
        }
        let (unit_name, rest) = s.split_at(unit_len);
        s = rest;
        let unit = UNITS
            .iter()
            .find(|(name, _)| *name == unit_name)
            .map(|&(_, nanos)| nanos)?;

        if v > LIMIT / unit {
            return None;
        }
        v = v.checked_mul(unit)?;
        if f > 0 {
            // Go goes through float64 here so fractions of an hour stay
            // nanosecond-accurate; reproducing the same float expression
            // (including its truncating conversion) gives identical results.
            let frac_nanos = (f as f64) * (unit as f64 / scale);
            v = v.checked_add(frac_nanos as u64)?;
            if v > LIMIT {
                return None;
            }
        }
        // Go adds in uint64 without a wrap check, so two terms of exactly
        // 2^63 each wrap to 0 there; rejecting that is the only deliberate
        // divergence, since it is an overflow in every other sense.
        d = d.checked_add(v)?;
        if d > LIMIT {
            return None;
        }
    }
    if neg {
        // d <= 2^63, so the negation always fits (2^63 becomes i64::MIN).
        return Some(i64::try_from(d).map_or(i64::MIN, |v| -v));
    }
    i64::try_from(d).ok()
}

/// Go's `leadingInt`: consumes `[0-9]*`, failing once the value passes 2^63.
fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut x: u64 = 0;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if x > LIMIT / 10 {
            return None;
        }
        x = x.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
        if x > LIMIT {
            return None;
        }
        i += 1;
    }
    Some((x, s.get(i..).unwrap_or_default()))
}

/// Go's `leadingFraction`: consumes `[0-9]*` but silently stops gaining
/// precision once the digits no longer fit, because later digits of a
/// fraction cannot change the nanosecond result.
fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
    let mut x: u64 = 0;
    let mut scale: f64 = 1.0;
    let mut overflow = false;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        i += 1;
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        // Cannot overflow: x <= (2^63-1)/10, so x*10+9 < 2^63+9.
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, s.get(i..).unwrap_or_default())
}

/// Formats nanoseconds exactly like Go's `Duration.String`.
///
/// Durations under one second use the largest fitting unit among `ns`, `µs`
/// (U+00B5) and `ms`; longer ones use `h`, `m` and `s` with zero minutes and
/// seconds kept once a larger unit is present. Fractions are printed without
/// trailing zeros.
///
/// ```
/// use verno::unstable::go::duration::format_duration;
/// assert_eq!(format_duration(3_723_000_000_000), "1h2m3s");
/// assert_eq!(format_duration(1_500), "1.5µs");
/// assert_eq!(format_duration(-120_000_000_000), "-2m0s");
/// assert_eq!(format_duration(0), "0s");
/// ```
pub fn format_duration(nanos: i64) -> String {
    let mut u = nanos.unsigned_abs();
    // Built right to left like Go's fixed buffer, then reversed once.
    let mut rev: Vec<char> = Vec::with_capacity(32);
    if u < 1_000_000_000 {
        rev.push('s');
        let prec = match u {
            0 => return "0s".to_string(),
            1..=999 => {
                rev.push('n');
                0
            }
            1_000..=999_999 => {
                rev.push('µ');
                3
            }
            _ => {
                rev.push('m');
                6
            }
        };
        u = push_frac(&mut rev, u, prec);
        push_int(&mut rev, u);
    } else {
        rev.push('s');
        u = push_frac(&mut rev, u, 9);
        push_int(&mut rev, u % 60);
        u /= 60;
        if u > 0 {
            rev.push('m');
            push_int(&mut rev, u % 60);
            u /= 60;
            // Go stops at hours because days vary in length.
            if u > 0 {
                rev.push('h');
                push_int(&mut rev, u);
            }
        }
    }
    if nanos < 0 {
        rev.push('-');
    }
    rev.iter().rev().collect()
}

/// Go's `fmtFrac`: pushes the `prec` fractional digits of `v` (reversed),
/// dropping trailing zeros and the point when nothing remains; returns the
/// integer part.
fn push_frac(rev: &mut Vec<char>, mut v: u64, prec: u32) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            rev.push(digit_char(digit));
        }
        v /= 10;
    }
    if print {
        rev.push('.');
    }
    v
}

/// Go's `fmtInt`, reversed.
fn push_int(rev: &mut Vec<char>, mut v: u64) {
    if v == 0 {
        rev.push('0');
        return;
    }
    while v > 0 {
        rev.push(digit_char(v % 10));
        v /= 10;
    }
}

fn digit_char(d: u64) -> char {
    // d % 10 < 10, so the narrowing cast is lossless.
    char::from(b'0' + (d % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: i64 = 1;
    const US: i64 = 1_000;
    const MS: i64 = 1_000_000;
    const SEC: i64 = 1_000_000_000;
    const MIN: i64 = 60 * SEC;
    const HOUR: i64 = 60 * MIN;

    /// Go's `durationTests` (time_test.go) plus the brief's examples.
    #[test]
    fn format_matches_go() {
        let cases: &[(&str, i64)] = &[
            ("0s", 0),
            ("1ns", NS),
            ("1.1µs", 1100 * NS),
            ("2.2ms", 2200 * US),
            ("3.3s", 3300 * MS),
            ("4m5s", 4 * MIN + 5 * SEC),
            ("4m5.001s", 4 * MIN + 5001 * MS),
            ("5h6m7.001s", 5 * HOUR + 6 * MIN + 7001 * MS),
            ("8m0.000000001s", 8 * MIN + NS),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("1.5s", 1_500_000_000),
            ("1h2m3s", 3_723_000_000_000),
            ("1h2m3.5s", HOUR + 2 * MIN + 3 * SEC + 500 * MS),
            ("1.5µs", 1500),
            ("-2m0s", -2 * MIN),
            ("300ms", 300 * MS),
            ("1m0s", MIN),
            ("1h0m0s", HOUR),
            ("999ns", 999),
            ("1µs", US),
            ("1ms", MS),
            ("1s", SEC),
            ("-1ns", -1),
        ];
        for &(want, d) in cases {
            assert_eq!(format_duration(d), want, "format({d})");
        }
    }

    /// Go's `parseDurationTests` (time_test.go) plus the brief's examples.
    #[test]
    fn parse_matches_go() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * SEC),
            ("30s", 30 * SEC),
            ("1478s", 1478 * SEC),
            ("-5s", -5 * SEC),
            ("+5s", 5 * SEC),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * SEC),
            ("5.6s", 5 * SEC + 600 * MS),
            ("5.s", 5 * SEC),
            (".5s", 500 * MS),
            ("1.0s", SEC),
            ("1.00s", SEC),
            ("1.004s", SEC + 4 * MS),
            ("1.0040s", SEC + 4 * MS),
            ("100.00100s", 100 * SEC + MS),
            ("10ns", 10 * NS),
            ("11us", 11 * US),
            ("12µs", 12 * US),
            ("12μs", 12 * US),
            ("13ms", 13 * MS),
            ("14s", 14 * SEC),
            ("15m", 15 * MIN),
            ("16h", 16 * HOUR),
            ("3h30m", 3 * HOUR + 30 * MIN),
            ("10.5s4m", 4 * MIN + 10 * SEC + 500 * MS),
            ("-2m3.4s", -(2 * MIN + 3 * SEC + 400 * MS)),
            (
                "1h2m3s4ms5us6ns",
                HOUR + 2 * MIN + 3 * SEC + 4 * MS + 5 * US + 6 * NS,
            ),
            ("39h9m14.425s", 39 * HOUR + 9 * MIN + 14 * SEC + 425 * MS),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * MIN),
            ("9007199254740993ns", (1 << 53) + 1),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-9223372036s854ms775us808ns", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("0.100000000000000000000h", 6 * MIN),
            (
                "0.830103483285477580700h",
                49 * MIN + 48 * SEC + 372_539_827,
            ),
            // The brief's examples.
            ("1h", HOUR),
            ("1.5h", HOUR + 30 * MIN),
            ("-1.5h", -(HOUR + 30 * MIN)),
            ("-1m30s", -(MIN + 30 * SEC)),
            ("2h45m", 2 * HOUR + 45 * MIN),
            ("1h5m30.5s", HOUR + 5 * MIN + 30 * SEC + 500 * MS),
            ("300ms", 300 * MS),
            ("0s", 0),
            ("1.s", SEC),
        ];
        for &(s, want) in cases {
            assert_eq!(parse_duration(s), Some(want), "parse({s:?})");
        }
    }

    #[test]
    fn parse_rejects_what_go_rejects() {
        let bad = [
            "",
            "3",
            "1",
            "-",
            "+",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "1.",
            "00",
            "1h ",
            " 1h",
            "1 h",
            "1H",
            "1hh",
            "1h1",
            "\u{85}\u{85}",
            "\u{FFFD}",
            "\u{FFFD} hello \u{FFFD} world",
            "µs",
            "1µ",
            // Overflow.
            "9223372036854775810ns",
            "9223372036854775808ns",
            "-9223372036854775809ns",
            "9223372036854776us",
            "3000000h",
            "2562048h",
            "9223372036854775807ns1ns",
            "99999999999999999999ns",
            // Go wraps this sum to 0; see parse_duration.
            "9223372036854775808ns9223372036854775808ns",
        ];
        for s in bad {
            assert_eq!(parse_duration(s), None, "parse({s:?})");
        }
    }

    #[test]
    fn round_trips() {
        for d in [
            0,
            1,
            -1,
            999,
            1_000,
            1_500,
            MS,
            SEC,
            1_500_000_000,
            MIN,
            HOUR + 1,
            3_723_000_000_000,
            i64::MAX,
            i64::MIN,
            -HOUR,
        ] {
            let s = format_duration(d);
            assert_eq!(parse_duration(&s), Some(d), "{d} -> {s}");
        }
    }

    #[test]
    fn hostile_inputs_are_rejected_quickly() {
        let long_digits = "9".repeat(100_000) + "s";
        assert_eq!(parse_duration(&long_digits), None);
        // A long fraction is legal: Go stops accumulating precision after 18
        // digits, and float64(999999999999999999) rounds up to 1e18.
        let long_fraction = format!("1.{}s", "9".repeat(100_000));
        assert_eq!(parse_duration(&long_fraction), Some(2 * SEC));
        let long_zero_fraction = format!("0.{}1h", "0".repeat(100_000));
        assert_eq!(parse_duration(&long_zero_fraction), Some(0));
        let many_terms = "1ns".repeat(100_000);
        assert_eq!(parse_duration(&many_terms), Some(100_000));
        let long_unit = format!("1{}", "x".repeat(100_000));
        assert_eq!(parse_duration(&long_unit), None);
    }
}
