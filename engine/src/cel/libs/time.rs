//! Kyverno's `time` library: `time.now()` (the host's clock),
//! `time.truncate(ts, dur)` (Go's `Time.Truncate`) and `time.toCron(ts)`.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::Val;
use super::super::EvalError;
use super::support::{fail, global, no_such_overload};
use chrono::{Datelike, TimeZone, Timelike};

/// Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch.
const ZERO_TO_UNIX: i128 = 62_135_596_800;

fn now<'a>(c: &mut Call<'_>, _: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let t = c.host.now().map_err(|e| fail(e.to_string()))?;
    chrono::Utc
        .timestamp_opt(t.seconds, t.nanos)
        .single()
        .map(Val::Timestamp)
        .ok_or_else(|| fail("the host's clock is out of range"))
}

/// `t.Truncate(d)`: down to a multiple of `d` since Go's zero time; a
/// non-positive `d` leaves `t` as it is.
fn truncate<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let (Some(Val::Timestamp(t)), Some(Val::Duration(d))) = (a.first(), a.get(1)) else {
        return Err(no_such_overload());
    };
    let Some(d_nanos) = d.num_nanoseconds().filter(|n| *n > 0) else {
        return Ok(Val::Timestamp(*t));
    };
    let abs = (i128::from(t.timestamp()) + ZERO_TO_UNIX) * 1_000_000_000
        + i128::from(t.timestamp_subsec_nanos());
    let rem = abs.rem_euclid(i128::from(d_nanos));
    let back = i64::try_from(rem).map_err(|_| fail("timestamp out of range"))?;
    t.checked_sub_signed(chrono::TimeDelta::nanoseconds(back))
        .map(Val::Timestamp)
        .ok_or_else(|| fail("timestamp out of range"))
}

/// `"<minute> <hour> <day> <month> <weekday>"` (Sunday is 0).
fn to_cron<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let Some(Val::Timestamp(t)) = a.first() else {
        return Err(no_such_overload());
    };
    Ok(Val::string(format!(
        "{} {} {} {} {}",
        t.minute(),
        t.hour(),
        t.day(),
        t.month(),
        t.weekday().num_days_from_sunday()
    )))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    global(reg, "time.now", "time_now", vec![], Type::Timestamp, now);
    global(
        reg,
        "time.toCron",
        "time_to_cron",
        vec![Type::Timestamp],
        Type::String,
        to_cron,
    );
    global(
        reg,
        "time.truncate",
        "time_truncate",
        vec![Type::Timestamp, Type::Duration],
        Type::Timestamp,
        truncate,
    );
}
