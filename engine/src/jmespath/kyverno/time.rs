//! Time functions (Kyverno's `time.go`), with Go's `time.Parse` ported
//! from the standard library (layout chunks, error texts) and RFC 3339
//! formatting written by hand. The process-local zone of Kyverno is taken
//! to be UTC, as it is in Kyverno's container images.

use super::super::ast::FunctionCall;
use super::super::functions::{Args, R};
use super::super::interpreter::Interp;
use super::super::value::Val;
use super::super::JmespathError;
use crate::go::duration::{format_duration, parse_duration};

pub(crate) const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// An instant with the UTC offset it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GoTime {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    pub nsec: u32,
    /// Seconds east of UTC.
    pub offset: i32,
}

const NANOS: i128 = 1_000_000_000;

impl GoTime {
    fn total_nanos(&self) -> i128 {
        i128::from(self.unix) * NANOS + i128::from(self.nsec)
    }

    fn from_nanos(ns: i128, offset: i32) -> GoTime {
        let unix = ns.div_euclid(NANOS);
        GoTime {
            unix: i64::try_from(unix).unwrap_or(if unix < 0 { i64::MIN } else { i64::MAX }),
            nsec: ns.rem_euclid(NANOS) as u32,
            offset,
        }
    }

    /// Go's `Time.Sub`, saturating at the Duration range.
    fn sub(&self, other: &GoTime) -> i64 {
        let d = self.total_nanos() - other.total_nanos();
        d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    fn add(&self, d: i64) -> GoTime {
        GoTime::from_nanos(self.total_nanos() + i128::from(d), self.offset)
    }

    /// Local civil fields: (year, month, day, hour, minute, second, weekday).
    fn civil(&self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let local = self.unix + i64::from(self.offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        // 1970-01-01 was a Thursday (4).
        let weekday = (days + 4).rem_euclid(7) as u32;
        (
            y,
            m,
            d,
            (secs / 3600) as u32,
            ((secs % 3600) / 60) as u32,
            (secs % 60) as u32,
            weekday,
        )
    }

    /// `Format(time.RFC3339)`: no fraction, `Z` for a zero offset.
    pub(crate) fn rfc3339(&self) -> String {
        let (y, mo, d, h, mi, s, _) = self.civil();
        let year = if y < 0 {
            format!("-{:04}", -y)
        } else {
            format!("{y:04}")
        };
        let zone = if self.offset == 0 {
            "Z".to_string()
        } else {
            let minutes = self.offset / 60;
            let sign = if minutes < 0 { '-' } else { '+' };
            let m = minutes.abs();
            format!("{sign}{:02}:{:02}", m / 60, m % 60)
        };
        format!("{year}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{zone}")
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------
// Go layout parsing (time/format.go, Go 1.19).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    None,
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    ISO8601TZ,
    ISO8601SecondsTZ,
    ISO8601ShortTZ,
    ISO8601ColonTZ,
    ISO8601ColonSecondsTZ,
    NumTZ,
    NumSecondsTz,
    NumShortTZ,
    NumColonTZ,
    NumColonSecondsTZ,
    /// Fractional seconds `.000` (fixed digits) / `.999` (optional).
    FracSecond0(usize),
    FracSecond9,
}

// Go's time.Parse indexes bytes after its own length checks (`len(value) <
// n` before `value[n]`); the port reads them through these, which cannot
// panic where a check was missed.

/// `s[i]`, or 0 past the end.
fn byte_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// `s[i..]`, or empty past the end.
fn tail(s: &[u8], i: usize) -> &[u8] {
    s.get(i..).unwrap_or_default()
}

/// `s[a..b]`, or empty when out of range.
fn span(s: &[u8], a: usize, b: usize) -> &[u8] {
    s.get(a..b).unwrap_or_default()
}

fn starts_with_lower(s: &[u8]) -> bool {
    s.first().is_some_and(|c| c.is_ascii_lowercase())
}

/// Go's `nextStdChunk`: (prefix length, std, chunk length).
fn next_std_chunk(layout: &[u8]) -> (usize, Std, usize) {
    let at = |i: usize, s: &str| layout.get(i..i + s.len()) == Some(s.as_bytes());
    for i in 0..layout.len() {
        let c = byte_at(layout, i);
        let found: Option<(Std, usize)> = match c {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    Some((Std::LongMonth, 7))
                } else if !starts_with_lower(tail(layout, i + 3)) {
                    Some((Std::Month, 3))
                } else {
                    None
                }
            }
            b'M' if layout.len() >= i + 3 => {
                if at(i, "Mon") {
                    if at(i, "Monday") {
                        Some((Std::LongWeekDay, 6))
                    } else if !starts_with_lower(tail(layout, i + 3)) {
                        Some((Std::WeekDay, 3))
                    } else if at(i, "MST") {
                        Some((Std::TZ, 3))
                    } else {
                        None
                    }
                } else if at(i, "MST") {
                    Some((Std::TZ, 3))
                } else {
                    None
                }
            }
            b'0' => match layout.get(i + 1) {
                Some(b'1') => Some((Std::ZeroMonth, 2)),
                Some(b'2') => Some((Std::ZeroDay, 2)),
                Some(b'3') => Some((Std::ZeroHour12, 2)),
                Some(b'4') => Some((Std::ZeroMinute, 2)),
                Some(b'5') => Some((Std::ZeroSecond, 2)),
                Some(b'6') => Some((Std::Year, 2)),
                Some(b'0') if layout.get(i + 2) == Some(&b'2') => Some((Std::ZeroYearDay, 3)),
                _ => None,
            },
            b'1' => {
                if layout.get(i + 1) == Some(&b'5') {
                    Some((Std::Hour, 2))
                } else {
                    Some((Std::NumMonth, 1))
                }
            }
            b'2' => {
                if at(i, "2006") {
                    Some((Std::LongYear, 4))
                } else {
                    Some((Std::Day, 1))
                }
            }
            b'_' => {
                if layout.get(i + 1) == Some(&b'2') {
                    if at(i + 1, "2006") {
                        // `_2006` is a literal `_` followed by the year.
                        return (i + 1, Std::LongYear, 4);
                    }
                    Some((Std::UnderDay, 2))
                } else if at(i + 1, "_2") {
                    Some((Std::UnderYearDay, 3))
                } else {
                    None
                }
            }
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if layout.get(i + 1) == Some(&b'M') => Some((Std::PM, 2)),
            b'p' if layout.get(i + 1) == Some(&b'm') => Some((Std::Pm, 2)),
            b'-' => {
                if at(i, "-070000") {
                    Some((Std::NumSecondsTz, 7))
                } else if at(i, "-07:00:00") {
                    Some((Std::NumColonSecondsTZ, 9))
                } else if at(i, "-0700") {
                    Some((Std::NumTZ, 5))
                } else if at(i, "-07:00") {
                    Some((Std::NumColonTZ, 6))
                } else if at(i, "-07") {
                    Some((Std::NumShortTZ, 3))
                } else {
                    None
                }
            }
            b'Z' => {
                if at(i, "Z070000") {
                    Some((Std::ISO8601SecondsTZ, 7))
                } else if at(i, "Z07:00:00") {
                    Some((Std::ISO8601ColonSecondsTZ, 9))
                } else if at(i, "Z0700") {
                    Some((Std::ISO8601TZ, 5))
                } else if at(i, "Z07:00") {
                    Some((Std::ISO8601ColonTZ, 6))
                } else if at(i, "Z07") {
                    Some((Std::ISO8601ShortTZ, 3))
                } else {
                    None
                }
            }
            b'.' | b',' => match layout.get(i + 1) {
                Some(&ch) if ch == b'0' || ch == b'9' => {
                    let mut j = i + 1;
                    while layout.get(j) == Some(&ch) {
                        j += 1;
                    }
                    if !layout.get(j).is_some_and(u8::is_ascii_digit) {
                        let std = if ch == b'0' {
                            Std::FracSecond0(j - (i + 1))
                        } else {
                            Std::FracSecond9
                        };
                        Some((std, j - i))
                    } else {
                        None
                    }
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((std, len)) = found {
            return (i, std, len);
        }
    }
    (layout.len(), Std::None, 0)
}

/// Go's `quote` for error messages.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c as u32 >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

struct ParseError<'s> {
    layout: &'s str,
    value: &'s str,
    layout_elem: String,
    value_elem: String,
    message: String,
}

impl ParseError<'_> {
    fn text(&self) -> String {
        if self.message.is_empty() {
            format!(
                "parsing time {} as {}: cannot parse {} as {}",
                quote(self.value),
                quote(self.layout),
                quote(&self.value_elem),
                quote(&self.layout_elem)
            )
        } else {
            format!("parsing time {}{}", quote(self.value), self.message)
        }
    }
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !is_digit(s, 0) {
        return None;
    }
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(byte_at(s, 0) - b'0'), tail(s, 1)));
    }
    Some((
        i64::from(byte_at(s, 0) - b'0') * 10 + i64::from(byte_at(s, 1) - b'0'),
        tail(s, 2),
    ))
}

fn getnum3(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let mut n = 0i64;
    let mut i = 0;
    while i < 3 && is_digit(s, i) {
        n = n * 10 + i64::from(byte_at(s, i) - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, tail(s, i)))
}

/// Go's `atoi` for the time package: optional sign, digits only.
fn atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, tail(s, 1)),
        Some(b'+') => (false, tail(s, 1)),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return if digits.is_empty() { Some(0) } else { None };
    }
    let mut x: i64 = 0;
    for d in digits {
        x = x.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if neg { -x } else { x })
}

fn skip<'v>(mut value: &'v [u8], mut prefix: &[u8]) -> Result<&'v [u8], &'v [u8]> {
    let cutspace = |s: &[u8]| -> usize { s.iter().take_while(|&&c| c == b' ').count() };
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|&c| c != b' ') {
                return Err(value);
            }
            prefix = tail(prefix, cutspace(prefix));
            value = tail(value, cutspace(value));
            continue;
        }
        if value.first() != Some(&p) {
            return Err(value);
        }
        prefix = tail(prefix, 1);
        value = tail(value, 1);
    }
    Ok(value)
}

fn lookup_name<'v>(tab: &[&str], val: &'v [u8]) -> Option<(usize, &'v [u8])> {
    for (i, name) in tab.iter().enumerate() {
        let n = name.as_bytes();
        if val.len() >= n.len() && span(val, 0, n.len()).eq_ignore_ascii_case(n) {
            return Some((i, tail(val, n.len())));
        }
    }
    None
}

const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn parse_nanoseconds(value: &[u8], nbytes: usize) -> Result<i64, Option<&'static str>> {
    if !matches!(value.first(), Some(b'.') | Some(b',')) {
        return Err(None);
    }
    let nbytes = nbytes.min(10);
    let digits = value.get(1..nbytes).ok_or(None)?;
    let mut ns = atoi(digits).ok_or(None)?;
    if ns < 0 {
        return Err(Some("fractional second"));
    }
    for _ in 0..(10 - nbytes) {
        ns *= 10;
    }
    Ok(ns)
}

/// Length of a time zone abbreviation at the start of `value` (`parseTimeZone`).
fn parse_time_zone(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with(b"ChST") || value.starts_with(b"MeST") {
        return Some(4);
    }
    if value.starts_with(b"GMT") {
        return Some(parse_gmt(value));
    }
    if byte_at(value, 0) == b'+' || byte_at(value, 0) == b'-' {
        let n = parse_signed_offset(value);
        return if n > 0 { Some(n) } else { None };
    }
    let n_upper = value
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match n_upper {
        5 if byte_at(value, 4) == b'T' => Some(5),
        4 if byte_at(value, 3) == b'T' || value.starts_with(b"WITA") => Some(4),
        3 => Some(3),
        _ => None,
    }
}

fn parse_gmt(value: &[u8]) -> usize {
    let rest = tail(value, 3);
    if rest.is_empty() {
        return 3;
    }
    3 + parse_signed_offset(rest)
}

fn parse_signed_offset(value: &[u8]) -> usize {
    let sign = byte_at(value, 0);
    if sign != b'-' && sign != b'+' {
        return 0;
    }
    let digits = tail(value, 1)
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return 0;
    }
    let x: u64 = std::str::from_utf8(span(value, 1, 1 + digits))
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    if x > 23 {
        return 0;
    }
    1 + digits
}

/// A numeric zone offset split as Go does: sign, hours, minutes, seconds,
/// and how many bytes of the value it used.
type ZoneParts<'v> = (u8, &'v [u8], &'v [u8], &'v [u8], usize);

/// Go's `time.Parse(layout, value)` with UTC as both the default and the
/// local location.
pub(crate) fn go_parse(layout: &str, value: &str) -> Result<GoTime, String> {
    let (alayout, avalue) = (layout, value);
    let mut layout = layout.as_bytes();
    let mut v = value.as_bytes();
    let mut range_err: Option<&'static str> = None;
    let (mut am_set, mut pm_set) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name: Option<String> = None;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();

    loop {
        let (plen, std, slen) = next_std_chunk(layout);
        let prefix = span(layout, 0, plen);
        let stdstr = text(span(layout, plen, plen + slen));
        v = skip(v, prefix).map_err(|rest| {
            ParseError {
                layout: alayout,
                value: avalue,
                layout_elem: text(prefix),
                value_elem: text(rest),
                message: String::new(),
            }
            .text()
        })?;
        if std == Std::None {
            if !v.is_empty() {
                return Err(ParseError {
                    layout: alayout,
                    value: avalue,
                    layout_elem: String::new(),
                    value_elem: text(v),
                    message: format!(": extra text: {}", quote(&text(v))),
                }
                .text());
            }
            break;
        }
        layout = tail(layout, plen + slen);
        let mut ok = true;
        match std {
            Std::Year => {
                if v.len() < 2 {
                    ok = false;
                } else {
                    match atoi(span(v, 0, 2)) {
                        Some(y) => {
                            year = if y >= 69 { y + 1900 } else { y + 2000 };
                            v = tail(v, 2);
                        }
                        _ => ok = false,
                    }
                }
            }
            Std::LongYear => {
                if v.len() < 4 || !is_digit(v, 0) {
                    ok = false;
                } else {
                    match atoi(span(v, 0, 4)) {
                        Some(y) => {
                            year = y;
                            v = tail(v, 4);
                        }
                        None => {
                            v = tail(v, 4);
                            ok = false;
                        }
                    }
                }
            }
            Std::Month | Std::LongMonth => {
                let tab: &[&str] = if std == Std::Month {
                    &SHORT_MONTHS
                } else {
                    &LONG_MONTHS
                };
                match lookup_name(tab, v) {
                    Some((i, rest)) => {
                        month = i as i64 + 1;
                        v = rest;
                    }
                    None => ok = false,
                }
            }
            Std::NumMonth | Std::ZeroMonth => match getnum(v, std == Std::ZeroMonth) {
                Some((m, rest)) => {
                    month = m;
                    v = rest;
                    if !(1..=12).contains(&m) {
                        range_err = Some("month");
                    }
                }
                None => ok = false,
            },
            Std::WeekDay | Std::LongWeekDay => {
                let tab: &[&str] = if std == Std::WeekDay {
                    &SHORT_DAYS
                } else {
                    &LONG_DAYS
                };
                match lookup_name(tab, v) {
                    Some((_, rest)) => v = rest,
                    None => ok = false,
                }
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && v.first() == Some(&b' ') {
                    v = tail(v, 1);
                }
                match getnum(v, std == Std::ZeroDay) {
                    Some((d, rest)) => {
                        day = d;
                        v = rest;
                    }
                    None => ok = false,
                }
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && v.first() == Some(&b' ') {
                        v = tail(v, 1);
                    }
                }
                match getnum3(v, std == Std::ZeroYearDay) {
                    Some((d, rest)) => {
                        yday = d;
                        v = rest;
                    }
                    None => ok = false,
                }
            }
            Std::Hour => match getnum(v, false) {
                Some((h, rest)) => {
                    hour = h;
                    v = rest;
                    if !(0..24).contains(&h) {
                        range_err = Some("hour");
                    }
                }
                None => ok = false,
            },
            Std::Hour12 | Std::ZeroHour12 => match getnum(v, std == Std::ZeroHour12) {
                Some((h, rest)) => {
                    hour = h;
                    v = rest;
                    if !(0..=12).contains(&h) {
                        range_err = Some("hour");
                    }
                }
                None => ok = false,
            },
            Std::Minute | Std::ZeroMinute => match getnum(v, std == Std::ZeroMinute) {
                Some((m, rest)) => {
                    min = m;
                    v = rest;
                    if !(0..60).contains(&m) {
                        range_err = Some("minute");
                    }
                }
                None => ok = false,
            },
            Std::Second | Std::ZeroSecond => match getnum(v, std == Std::ZeroSecond) {
                Some((s, rest)) => {
                    sec = s;
                    v = rest;
                    if !(0..60).contains(&s) {
                        range_err = Some("second");
                    } else if v.len() >= 2 && matches!(byte_at(v, 0), b'.' | b',') && is_digit(v, 1)
                    {
                        let (_, next, _) = next_std_chunk(layout);
                        if !matches!(next, Std::FracSecond0(_) | Std::FracSecond9) {
                            let mut n = 2;
                            while is_digit(v, n) {
                                n += 1;
                            }
                            match parse_nanoseconds(v, n) {
                                Ok(ns) => nsec = ns,
                                Err(Some(r)) => range_err = Some(r),
                                Err(None) => ok = false,
                            }
                            v = tail(v, n);
                        }
                    }
                }
                None => ok = false,
            },
            Std::PM | Std::Pm => {
                if v.len() < 2 {
                    ok = false;
                } else {
                    let p = span(v, 0, 2);
                    v = tail(v, 2);
                    let (pm, am): (&[u8], &[u8]) = if std == Std::PM {
                        (b"PM", b"AM")
                    } else {
                        (b"pm", b"am")
                    };
                    if p == pm {
                        pm_set = true;
                    } else if p == am {
                        am_set = true;
                    } else {
                        ok = false;
                    }
                }
            }
            Std::ISO8601TZ
            | Std::ISO8601ColonTZ
            | Std::ISO8601SecondsTZ
            | Std::ISO8601ShortTZ
            | Std::ISO8601ColonSecondsTZ
            | Std::NumTZ
            | Std::NumShortTZ
            | Std::NumColonTZ
            | Std::NumSecondsTz
            | Std::NumColonSecondsTZ => {
                let z_ok = matches!(
                    std,
                    Std::ISO8601TZ | Std::ISO8601ShortTZ | Std::ISO8601ColonTZ
                );
                if z_ok && v.first() == Some(&b'Z') {
                    v = tail(v, 1);
                    utc = true;
                } else {
                    let parts: Option<ZoneParts<'_>> = match std {
                        Std::ISO8601ColonTZ | Std::NumColonTZ => {
                            if v.len() < 6 || byte_at(v, 3) != b':' {
                                None
                            } else {
                                Some((byte_at(v, 0), span(v, 1, 3), span(v, 4, 6), b"00", 6))
                            }
                        }
                        Std::NumShortTZ | Std::ISO8601ShortTZ => {
                            if v.len() < 3 {
                                None
                            } else {
                                Some((byte_at(v, 0), span(v, 1, 3), b"00", b"00", 3))
                            }
                        }
                        Std::ISO8601ColonSecondsTZ | Std::NumColonSecondsTZ => {
                            if v.len() < 9 || byte_at(v, 3) != b':' || byte_at(v, 6) != b':' {
                                None
                            } else {
                                Some((
                                    byte_at(v, 0),
                                    span(v, 1, 3),
                                    span(v, 4, 6),
                                    span(v, 7, 9),
                                    9,
                                ))
                            }
                        }
                        Std::ISO8601SecondsTZ | Std::NumSecondsTz => {
                            if v.len() < 7 {
                                None
                            } else {
                                Some((
                                    byte_at(v, 0),
                                    span(v, 1, 3),
                                    span(v, 3, 5),
                                    span(v, 5, 7),
                                    7,
                                ))
                            }
                        }
                        _ => {
                            if v.len() < 5 {
                                None
                            } else {
                                Some((byte_at(v, 0), span(v, 1, 3), span(v, 3, 5), b"00", 5))
                            }
                        }
                    };
                    match parts {
                        None => ok = false,
                        Some((sign, h, m, s, len)) => {
                            v = tail(v, len);
                            match (atoi(h), atoi(m), atoi(s)) {
                                (Some(h), Some(m), Some(s)) => {
                                    let off = (h * 60 + m) * 60 + s;
                                    match sign {
                                        b'+' => zone_offset = Some(off),
                                        b'-' => zone_offset = Some(-off),
                                        _ => ok = false,
                                    }
                                }
                                _ => ok = false,
                            }
                        }
                    }
                }
            }
            Std::TZ => {
                if v.starts_with(b"UTC") {
                    utc = true;
                    v = tail(v, 3);
                } else {
                    match parse_time_zone(v) {
                        Some(n) => {
                            zone_name = Some(text(span(v, 0, n)));
                            v = tail(v, n);
                        }
                        None => ok = false,
                    }
                }
            }
            Std::FracSecond0(digits) => {
                let ndigit = 1 + digits;
                if v.len() < ndigit {
                    ok = false;
                } else {
                    match parse_nanoseconds(v, ndigit) {
                        Ok(ns) => nsec = ns,
                        Err(Some(r)) => range_err = Some(r),
                        Err(None) => ok = false,
                    }
                    v = tail(v, ndigit);
                }
            }
            Std::FracSecond9 => {
                if v.len() >= 2
                    && matches!(byte_at(v, 0), b'.' | b',')
                    && byte_at(v, 1).is_ascii_digit()
                {
                    let mut i = 0;
                    while i < 9 && is_digit(v, i + 1) {
                        i += 1;
                    }
                    match parse_nanoseconds(v, 1 + i) {
                        Ok(ns) => nsec = ns,
                        Err(Some(r)) => range_err = Some(r),
                        Err(None) => ok = false,
                    }
                    v = tail(v, 1 + i);
                }
            }
            Std::None => {}
        }
        if let Some(what) = range_err {
            return Err(ParseError {
                layout: alayout,
                value: avalue,
                layout_elem: stdstr,
                value_elem: text(v),
                message: format!(": {what} out of range"),
            }
            .text());
        }
        if !ok {
            return Err(ParseError {
                layout: alayout,
                value: avalue,
                layout_elem: stdstr,
                value_elem: text(v),
                message: String::new(),
            }
            .text());
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }
    let day_err = |msg: &str| {
        ParseError {
            layout: alayout,
            value: avalue,
            layout_elem: String::new(),
            value_elem: String::new(),
            message: format!(": {msg}"),
        }
        .text()
    };
    if yday >= 0 {
        const DAYS_BEFORE: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
        let (mut m, mut d) = (0i64, 0i64);
        if is_leap(year) {
            if yday == 31 + 29 {
                m = 2;
                d = 29;
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(day_err("day-of-year out of range"));
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            // yday is in 1..=365, so m is in 1..=12: both lookups hit.
            let days_before = |m: i64| {
                usize::try_from(m)
                    .ok()
                    .and_then(|i| DAYS_BEFORE.get(i))
                    .copied()
                    .unwrap_or(0)
            };
            if days_before(m) < yday {
                m += 1;
            }
            d = yday - days_before(m - 1);
        }
        if month >= 0 && month != m {
            return Err(day_err("day-of-year does not match month"));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(day_err("day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(day_err("day out of range"));
    }
    let days = days_from_civil(year, month as u32, day as u32);
    let wall = days * 86_400 + hour * 3600 + min * 60 + sec;
    let offset = if utc {
        0
    } else if let Some(off) = zone_offset {
        off
    } else if let Some(name) = zone_name {
        // Only UTC is known to the (UTC) local zone; `GMT+3` style names
        // carry their offset; any other abbreviation means offset 0.
        match name.strip_prefix("GMT") {
            Some(rest) if !rest.is_empty() => atoi(rest.as_bytes()).unwrap_or(0) * 3600,
            _ => 0,
        }
    } else {
        0
    };
    Ok(GoTime {
        unix: wall - offset,
        nsec: nsec as u32,
        offset: offset as i32,
    })
}

pub(crate) fn parse_rfc3339(s: &str) -> Result<GoTime, String> {
    go_parse(RFC3339, s)
}

/// Go's `time.ParseDuration` error text for a string `parse_duration`
/// rejected.
pub(crate) fn duration_error(orig: &str) -> String {
    let invalid = || format!("time: invalid duration {}", quote(orig));
    let mut s = orig.as_bytes();
    if let Some(&c) = s.first() {
        if c == b'-' || c == b'+' {
            s = tail(s, 1);
        }
    }
    if s.is_empty() {
        return invalid();
    }
    while let Some(&c) = s.first() {
        if !(c == b'.' || c.is_ascii_digit()) {
            return invalid();
        }
        let pre = s.iter().take_while(|c| c.is_ascii_digit()).count();
        s = tail(s, pre);
        let mut post = 0;
        if s.first() == Some(&b'.') {
            s = tail(s, 1);
            post = s.iter().take_while(|c| c.is_ascii_digit()).count();
            s = tail(s, post);
        }
        if pre == 0 && post == 0 {
            return invalid();
        }
        let unit_len = s
            .iter()
            .take_while(|&&c| !(c == b'.' || c.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return format!("time: missing unit in duration {}", quote(orig));
        }
        let unit = String::from_utf8_lossy(span(s, 0, unit_len)).into_owned();
        s = tail(s, unit_len);
        if !matches!(
            unit.as_str(),
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
        ) {
            return format!(
                "time: unknown unit {} in duration {}",
                quote(&unit),
                quote(orig)
            );
        }
    }
    invalid()
}

pub(crate) fn go_parse_duration(s: &str) -> Result<i64, JmespathError> {
    parse_duration(s).ok_or_else(|| JmespathError::Runtime(duration_error(s)))
}

fn time_arg(a: &Args<'_>, i: usize) -> Result<GoTime, JmespathError> {
    parse_rfc3339(a.str(i)?).map_err(JmespathError::Runtime)
}

fn now(it: &Interp<'_, '_>) -> Result<GoTime, JmespathError> {
    let ts = it
        .rt
        .host
        .now()
        .map_err(|e| JmespathError::Runtime(e.to_string()))?;
    Ok(GoTime {
        unix: ts.seconds,
        nsec: ts.nanos.min(999_999_999),
        offset: 0,
    })
}

pub(crate) fn time_since<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let layout = a.str(0)?;
    let layout = if layout.is_empty() { RFC3339 } else { layout };
    let t1 = go_parse(layout, a.str(1)?).map_err(JmespathError::Runtime)?;
    let t2 = match a.str(2)? {
        "" => now(it)?,
        s => go_parse(layout, s).map_err(JmespathError::Runtime)?,
    };
    Ok(Val::string(format_duration(t2.sub(&t1))))
}

pub(crate) fn time_now<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, _: Args<'a>) -> R<'a> {
    Ok(Val::string(now(it)?.rfc3339()))
}

pub(crate) fn time_now_utc<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, _: Args<'a>) -> R<'a> {
    Ok(Val::string(now(it)?.rfc3339()))
}

pub(crate) fn time_to_cron<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let (_, month, day, hour, minute, _, weekday) = time_arg(&a, 0)?.civil();
    Ok(Val::string(format!(
        "{minute} {hour} {day} {month} {weekday}"
    )))
}

pub(crate) fn time_add<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let t = time_arg(&a, 0)?;
    let d = go_parse_duration(a.str(1)?)?;
    Ok(Val::string(t.add(d).rfc3339()))
}

/// Go's `strconv.ParseInt(s, 10, 64)` error text.
fn parse_int_error(s: &str) -> Option<String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            quote(s)
        ));
    }
    if s.parse::<i64>().is_err() {
        return Some(format!(
            "strconv.ParseInt: parsing {}: value out of range",
            quote(s)
        ));
    }
    None
}

pub(crate) fn time_parse<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let layout = a.str(0)?;
    let value = a.str(1)?;
    if parse_int_error(layout).is_none() {
        if let Some(e) = parse_int_error(value) {
            return Err(JmespathError::Runtime(e));
        }
        let epoch: i64 = value.parse().unwrap_or(0);
        let t = GoTime {
            unix: epoch,
            nsec: 0,
            offset: 0,
        };
        return Ok(Val::string(t.rfc3339()));
    }
    let t = go_parse(layout, value).map_err(JmespathError::Runtime)?;
    Ok(Val::string(t.rfc3339()))
}

pub(crate) fn time_utc<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let t = time_arg(&a, 0)?;
    Ok(Val::string(GoTime { offset: 0, ..t }.rfc3339()))
}

pub(crate) fn time_diff<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let t1 = time_arg(&a, 0)?;
    let t2 = time_arg(&a, 1)?;
    Ok(Val::string(format_duration(t2.sub(&t1))))
}

pub(crate) fn time_before<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let t1 = time_arg(&a, 0)?;
    let t2 = time_arg(&a, 1)?;
    Ok(Val::Bool(t1.total_nanos() < t2.total_nanos()))
}

pub(crate) fn time_after<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let t1 = time_arg(&a, 0)?;
    let t2 = time_arg(&a, 1)?;
    Ok(Val::Bool(t1.total_nanos() > t2.total_nanos()))
}

pub(crate) fn time_between<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let t = time_arg(&a, 0)?.total_nanos();
    let start = time_arg(&a, 1)?.total_nanos();
    let end = time_arg(&a, 2)?.total_nanos();
    Ok(Val::Bool(t > start && t < end))
}

/// Nanoseconds from 0001-01-01T00:00:00Z to the Unix epoch.
const YEAR1_TO_UNIX_NANOS: i128 = 62_135_596_800 * NANOS;

pub(crate) fn time_truncate<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let t = time_arg(&a, 0)?;
    let d = go_parse_duration(a.str(1)?)?;
    if d <= 0 {
        return Ok(Val::string(t.rfc3339()));
    }
    let abs = t.total_nanos() + YEAR1_TO_UNIX_NANOS;
    let r = abs.rem_euclid(i128::from(d));
    Ok(Val::string(
        GoTime::from_nanos(t.total_nanos() - r, t.offset).rfc3339(),
    ))
}
