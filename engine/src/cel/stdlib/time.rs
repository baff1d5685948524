//! Timestamps and durations with cel-go's ranges, overflow errors, parsing
//! (RFC 3339, Go durations) and getters (with time zones).

use super::add;
use crate::cel::registry::{Call, Registry};
use crate::cel::value::{Duration, Timestamp, Val};
use crate::cel::EvalError;
use chrono::{Datelike, FixedOffset, TimeZone, Timelike, Utc};

type R<'a> = Result<Val<'a>, EvalError>;

/// cel-go's timestamp range: 0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59.999999999Z.
const MIN_UNIX: i64 = -62_135_596_800;
const MAX_UNIX: i64 = 253_402_300_799;

fn in_range(t: &Timestamp) -> bool {
    (MIN_UNIX..=MAX_UNIX).contains(&t.timestamp())
}

/// A duration's nanoseconds (durations are Go `time.Duration`s: i64 ns).
pub fn nanos(d: &Duration) -> Result<i64, EvalError> {
    d.num_nanoseconds()
        .ok_or_else(|| EvalError::new("integer overflow"))
}

/// `d1 + d2`, with Go's int64-nanosecond overflow.
pub fn checked_dur_add(x: &Duration, y: &Duration) -> Result<Duration, EvalError> {
    nanos(x)?
        .checked_add(nanos(y)?)
        .map(Duration::nanoseconds)
        .ok_or_else(|| EvalError::new("integer overflow"))
}

/// `t + d`.
pub fn add_duration<'a>(t: &Timestamp, d: &Duration) -> R<'a> {
    let r = t
        .checked_add_signed(Duration::nanoseconds(nanos(d)?))
        .filter(in_range)
        .ok_or_else(|| EvalError::new("timestamp overflow"))?;
    Ok(Val::Timestamp(r))
}

/// `t1 - t2`.
pub fn dur_from_ts_diff(x: &Timestamp, y: &Timestamp) -> Result<Duration, EvalError> {
    let d = x.signed_duration_since(*y);
    d.num_nanoseconds()
        .map(Duration::nanoseconds)
        .ok_or_else(|| EvalError::new("integer overflow"))
}

/// Go's `time.RFC3339Nano` in UTC (trailing zeros of the fraction dropped).
pub fn format_timestamp(t: &Timestamp) -> String {
    let mut s = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let ns = t.nanosecond();
    if ns != 0 {
        let frac = format!("{ns:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// cel-go's `string(duration)`: seconds with `'f', -1` precision and `s`.
pub fn format_duration_seconds(d: &Duration) -> String {
    let ns = d.num_nanoseconds().unwrap_or(i64::MAX);
    let secs = ns / 1_000_000_000;
    let frac = (ns % 1_000_000_000).unsigned_abs();
    let sign = if ns < 0 && secs == 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{secs}s")
    } else {
        let f = format!("{frac:09}");
        format!("{sign}{secs}.{}s", f.trim_end_matches('0'))
    }
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
pub fn go_duration_string(d: &Duration) -> String {
    let ns = d.num_nanoseconds().unwrap_or(i64::MAX);
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: the largest unit that keeps a leading digit.
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac_units(u, div));
        out.push_str(unit);
    } else {
        let h = u / 3_600_000_000_000;
        let rem = u % 3_600_000_000_000;
        let m = rem / 60_000_000_000;
        let s_ns = rem % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac_units(s_ns, 1_000_000_000));
        out.push('s');
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

fn frac_units(v: u64, div: u64) -> String {
    let whole = v / div;
    let frac = v % div;
    if frac == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let f = format!("{frac:0width$}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// Parses an RFC 3339 timestamp as Go's `time.Parse(time.RFC3339, s)` accepts it.
pub fn parse_timestamp(s: &str) -> Result<Timestamp, EvalError> {
    let bad = || {
        EvalError::new(format!(
            "parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse {} as \"2006\"",
            super::format::go_quote(s),
            super::format::go_quote(s)
        ))
    };
    if s.len() < 20 || s.as_bytes().get(10) != Some(&b'T') {
        return Err(bad());
    }
    let t = chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|_| bad())?
        .with_timezone(&Utc);
    if !in_range(&t) {
        return Err(EvalError::new("timestamp overflow"));
    }
    Ok(t)
}

/// Parses a Go duration string (`1h30m`, `-1.5s`, `100ms`, `0`).
pub fn parse_duration(s: &str) -> Result<Duration, EvalError> {
    let invalid = || {
        EvalError::new(format!(
            "time: invalid duration {}",
            super::format::go_quote(s)
        ))
    };
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(Duration::zero());
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_end);
        if num.is_empty() || num == "." {
            return Err(invalid());
        }
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => {
                return Err(EvalError::new(format!(
                    "time: missing unit in duration {}",
                    super::format::go_quote(s)
                )))
            }
            other => {
                return Err(EvalError::new(format!(
                    "time: unknown unit {} in duration {}",
                    super::format::go_quote(other),
                    super::format::go_quote(s)
                )))
            }
        };
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        let int: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut v = int.checked_mul(scale).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            let digits: String = frac_part.chars().take(18).collect();
            let f: i128 = digits.parse().map_err(|_| invalid())?;
            let denom = 10i128.pow(digits.len() as u32);
            v += f * scale / denom;
        }
        total = total.checked_add(v).ok_or_else(invalid)?;
        if total > i128::from(i64::MAX) {
            return Err(invalid());
        }
        rest = after;
    }
    let total = if neg { -total } else { total };
    i64::try_from(total)
        .map(Duration::nanoseconds)
        .map_err(|_| invalid())
}

fn timestamp_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Timestamp(t)] => Ok(Val::Timestamp(*t)),
        [Val::String(s)] => Ok(Val::Timestamp(parse_timestamp(s.as_str())?)),
        [Val::Int(i)] => Utc
            .timestamp_opt(*i, 0)
            .single()
            .filter(in_range)
            .map(Val::Timestamp)
            .ok_or_else(|| EvalError::new("timestamp overflow")),
        _ => Err(super::core::no_such_overload("timestamp", a)),
    }
}

fn duration_imp<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::Duration(d)] => Ok(Val::Duration(*d)),
        [Val::String(s)] => Ok(Val::Duration(parse_duration(s.as_str())?)),
        [Val::Int(i)] => Ok(Val::Duration(Duration::nanoseconds(*i))),
        _ => Err(super::core::no_such_overload("duration", a)),
    }
}

/// The fields of a timestamp in a time zone.
struct Parts {
    year: i32,
    month0: u32,
    day0: u32,
    yday0: u32,
    wday: u32,
    hour: u32,
    minute: u32,
    second: u32,
    milli: u32,
}

fn parts_in<Tz: TimeZone>(t: &Timestamp, tz: &Tz) -> Parts {
    let l = t.with_timezone(tz);
    Parts {
        year: l.year(),
        month0: l.month0(),
        day0: l.day0(),
        yday0: l.ordinal0(),
        wday: l.weekday().num_days_from_sunday(),
        hour: l.hour(),
        minute: l.minute(),
        second: l.second(),
        milli: l.nanosecond() / 1_000_000,
    }
}

fn parts(t: &Timestamp, tz: Option<&str>) -> Result<Parts, EvalError> {
    let Some(tz) = tz else {
        return Ok(parts_in(t, &Utc));
    };
    if let Some(ind) = tz.find(':') {
        let (h, m) = (tz.get(..ind).unwrap_or(""), tz.get(ind + 1..).unwrap_or(""));
        let hr: i32 = h.parse().map_err(|_| {
            EvalError::new(format!(
                "strconv.Atoi: parsing {}: invalid syntax",
                super::format::go_quote(h)
            ))
        })?;
        let min: i32 = m.parse().map_err(|_| {
            EvalError::new(format!(
                "strconv.Atoi: parsing {}: invalid syntax",
                super::format::go_quote(m)
            ))
        })?;
        if !(0..=59).contains(&min) {
            return Err(EvalError::new(format!(
                "timezone offset minutes out of range [0, 59]: {tz}"
            )));
        }
        let offset = if h.starts_with('-') {
            hr * 60 - min
        } else {
            hr * 60 + min
        };
        let fixed = FixedOffset::east_opt(offset * 60)
            .ok_or_else(|| EvalError::new(format!("unknown time zone {tz}")))?;
        return Ok(parts_in(t, &fixed));
    }
    let zone: chrono_tz::Tz = tz
        .parse()
        .map_err(|_| EvalError::new(format!("unknown time zone {tz}")))?;
    Ok(parts_in(t, &zone))
}

macro_rules! getter {
    ($name:ident, $f:literal, $ts:expr, $dur:expr) => {
        fn $name<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
            let ts: fn(&Parts) -> i64 = $ts;
            let dur: Option<fn(i64) -> i64> = $dur;
            match a {
                [Val::Timestamp(t)] => Ok(Val::Int(ts(&parts(t, None)?))),
                [Val::Timestamp(t), Val::String(z)] => {
                    Ok(Val::Int(ts(&parts(t, Some(z.as_str()))?)))
                }
                [Val::Duration(d)] => match dur {
                    Some(f) => Ok(Val::Int(f(nanos(d)?))),
                    None => Err(super::core::no_such_overload($f, a)),
                },
                _ => Err(super::core::no_such_overload($f, a)),
            }
        }
    };
}

getter!(get_full_year, "getFullYear", |p| i64::from(p.year), None);
getter!(get_month, "getMonth", |p| i64::from(p.month0), None);
getter!(
    get_day_of_year,
    "getDayOfYear",
    |p| i64::from(p.yday0),
    None
);
getter!(
    get_day_of_month,
    "getDayOfMonth",
    |p| i64::from(p.day0),
    None
);
getter!(get_date, "getDate", |p| i64::from(p.day0) + 1, None);
getter!(get_day_of_week, "getDayOfWeek", |p| i64::from(p.wday), None);
getter!(
    get_hours,
    "getHours",
    |p| i64::from(p.hour),
    Some(|n| n / 3_600_000_000_000)
);
getter!(
    get_minutes,
    "getMinutes",
    |p| i64::from(p.minute),
    Some(|n| n / 60_000_000_000)
);
getter!(
    get_seconds,
    "getSeconds",
    |p| i64::from(p.second),
    Some(|n| n / 1_000_000_000)
);
getter!(
    get_milliseconds,
    "getMilliseconds",
    |p| i64::from(p.milli),
    Some(|n| n / 1_000_000)
);

/// Registers `timestamp`, `duration` and the getters.
pub fn register(r: &mut Registry) {
    use crate::cel::types::Type::{Duration, Int, String, Timestamp};
    add(
        r,
        "timestamp",
        "string_to_timestamp",
        false,
        vec![String],
        Timestamp,
        timestamp_imp,
    );
    add(
        r,
        "timestamp",
        "timestamp_to_timestamp",
        false,
        vec![Timestamp],
        Timestamp,
        timestamp_imp,
    );
    add(
        r,
        "timestamp",
        "int64_to_timestamp",
        false,
        vec![Int],
        Timestamp,
        timestamp_imp,
    );
    add(
        r,
        "duration",
        "string_to_duration",
        false,
        vec![String],
        Duration,
        duration_imp,
    );
    add(
        r,
        "duration",
        "duration_to_duration",
        false,
        vec![Duration],
        Duration,
        duration_imp,
    );
    add(
        r,
        "duration",
        "int64_to_duration",
        false,
        vec![Int],
        Duration,
        duration_imp,
    );
    let ts_only: [(
        &'static str,
        &'static str,
        &'static str,
        crate::cel::registry::Imp,
    ); 6] = [
        (
            "getFullYear",
            "timestamp_to_year",
            "timestamp_to_year_with_tz",
            get_full_year,
        ),
        (
            "getMonth",
            "timestamp_to_month",
            "timestamp_to_month_with_tz",
            get_month,
        ),
        (
            "getDayOfYear",
            "timestamp_to_day_of_year",
            "timestamp_to_day_of_year_with_tz",
            get_day_of_year,
        ),
        (
            "getDayOfMonth",
            "timestamp_to_day_of_month_zero_based",
            "timestamp_to_day_of_month_zero_based_with_tz",
            get_day_of_month,
        ),
        (
            "getDate",
            "timestamp_to_day_of_month_one_based",
            "timestamp_to_day_of_month_one_based_with_tz",
            get_date,
        ),
        (
            "getDayOfWeek",
            "timestamp_to_day_of_week",
            "timestamp_to_day_of_week_with_tz",
            get_day_of_week,
        ),
    ];
    for (f, id, id_tz, imp) in ts_only {
        add(r, f, id, true, vec![Timestamp], Int, imp);
        add(r, f, id_tz, true, vec![Timestamp, String], Int, imp);
    }
    let both: [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        crate::cel::registry::Imp,
    ); 4] = [
        (
            "getHours",
            "timestamp_to_hours",
            "timestamp_to_hours_with_tz",
            "duration_to_hours",
            get_hours,
        ),
        (
            "getMinutes",
            "timestamp_to_minutes",
            "timestamp_to_minutes_with_tz",
            "duration_to_minutes",
            get_minutes,
        ),
        (
            "getSeconds",
            "timestamp_to_seconds",
            "timestamp_to_seconds_with_tz",
            "duration_to_seconds",
            get_seconds,
        ),
        (
            "getMilliseconds",
            "timestamp_to_milliseconds",
            "timestamp_to_milliseconds_with_tz",
            "duration_to_milliseconds",
            get_milliseconds,
        ),
    ];
    for (f, id, id_tz, id_d, imp) in both {
        add(r, f, id, true, vec![Timestamp], Int, imp);
        add(r, f, id_tz, true, vec![Timestamp, String], Int, imp);
        add(r, f, id_d, true, vec![Duration], Int, imp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_time_duration_string() {
        assert_eq!(go_duration_string(&Duration::seconds(3600)), "1h0m0s");
        assert_eq!(go_duration_string(&Duration::milliseconds(1500)), "1.5s");
        assert_eq!(go_duration_string(&Duration::microseconds(1500)), "1.5ms");
        assert_eq!(go_duration_string(&Duration::zero()), "0s");
        assert_eq!(go_duration_string(&Duration::seconds(-90)), "-1m30s");
    }

    #[test]
    fn go_duration_strings_parse() {
        assert_eq!(parse_duration("1h30m").ok(), Some(Duration::minutes(90)));
        assert_eq!(
            parse_duration("-1.5s").ok(),
            Some(Duration::milliseconds(-1500))
        );
        assert!(parse_duration("1").is_err());
    }
}
