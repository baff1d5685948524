//! String functions. Go's `strings` package semantics are kept where they
//! differ from Rust's: per-code-point *simple* case mapping, `Split` with an
//! empty separator, `Replace` with an empty `old`.

use super::super::ast::FunctionCall;
use super::super::functions::{check_string_len, number, Args, ELEMENT_STEPS, R};
use super::super::interpreter::Interp;
use super::super::value::Val;
use super::{arg_type_err, iface_to_string, kerr};

pub(crate) fn compare<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let r = match a.str(0)?.as_bytes().cmp(a.str(1)?.as_bytes()) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    };
    Ok(number(it, r))
}

/// One code point's simple lowercase (Go `unicode.ToLower`). Only U+0130
/// has a multi-character full lowercase; its simple mapping is `i`.
pub(crate) fn simple_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        (Some(l), Some(_)) if c == '\u{130}' => l,
        _ => c,
    }
}

/// One code point's simple uppercase (Go `unicode.ToUpper`): characters
/// whose full uppercase has several code points (`ß` -> `SS`) keep
/// themselves.
pub(crate) fn simple_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn fold_eq(a: char, b: char) -> bool {
    a == b
        || simple_lower(a) == simple_lower(b)
        || simple_upper(a) == simple_upper(b)
        || simple_lower(simple_upper(a)) == simple_lower(simple_upper(b))
}

pub(crate) fn equal_fold<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let (x, y) = (a.str(0)?, a.str(1)?);
    let mut xi = x.chars();
    let mut yi = y.chars();
    let eq = loop {
        match (xi.next(), yi.next()) {
            (None, None) => break true,
            (Some(p), Some(q)) if fold_eq(p, q) => continue,
            _ => break false,
        }
    };
    Ok(Val::Bool(eq))
}

/// Length of `go_replace(s, old, new, n)`, computed without building it
/// (saturating), so that callers can refuse oversized results first.
pub(crate) fn go_replace_len(s: &str, old: &str, new: &str, n: i64) -> usize {
    if n == 0 || (old == new && !old.is_empty()) {
        return s.len();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let count = if old.is_empty() {
        s.chars().count().saturating_add(1).min(limit)
    } else {
        s.match_indices(old).take(limit).count()
    };
    s.len()
        .saturating_sub(count.saturating_mul(old.len()))
        .saturating_add(count.saturating_mul(new.len()))
}

/// Go `strings.Replace(s, old, new, n)`; `n < 0` replaces all.
pub(crate) fn go_replace(s: &str, old: &str, new: &str, n: i64) -> String {
    if n == 0 || (old == new && !old.is_empty()) {
        return s.to_string();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut out = String::with_capacity(s.len());
    if old.is_empty() {
        // Insert `new` before every code point and at the end.
        let mut done = 0;
        for c in s.chars() {
            if done < limit {
                out.push_str(new);
                done += 1;
            }
            out.push(c);
        }
        if done < limit {
            out.push_str(new);
        }
        return out;
    }
    let mut rest = s;
    let mut done = 0;
    while done < limit {
        match rest.find(old) {
            Some(i) => {
                out.push_str(&rest[..i]);
                out.push_str(new);
                rest = &rest[i + old.len()..];
                done += 1;
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Go's float64 -> int conversion as Kyverno uses it for counts: truncate
/// toward zero, saturating (Go's out-of-range result is unspecified).
pub(crate) fn go_int(f: f64) -> i64 {
    if f.is_nan() {
        0
    } else {
        f.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64
    }
}

pub(crate) fn replace<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let (s, old, new, n) = (a.str(0)?, a.str(1)?, a.str(2)?, go_int(a.num(3)?));
    check_string_len(a.name, go_replace_len(s, old, new, n))?;
    Ok(Val::string(go_replace(s, old, new, n)))
}

pub(crate) fn replace_all<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let (s, old, new) = (a.str(0)?, a.str(1)?, a.str(2)?);
    check_string_len(a.name, go_replace_len(s, old, new, -1))?;
    Ok(Val::string(go_replace(s, old, new, -1)))
}

pub(crate) fn to_upper<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::string(a.str(0)?.chars().map(simple_upper).collect()))
}

pub(crate) fn to_lower<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::string(a.str(0)?.chars().map(simple_lower).collect()))
}

pub(crate) fn trim<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let cutset: Vec<char> = a.str(1)?.chars().collect();
    Ok(Val::str(a.str(0)?.trim_matches(|c| cutset.contains(&c))))
}

pub(crate) fn trim_prefix<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let s = a.str(0)?;
    Ok(Val::str(s.strip_prefix(a.str(1)?).unwrap_or(s)))
}

/// Go `strings.Split`.
pub(crate) fn go_split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        return s.chars().map(|c| c.to_string()).collect();
    }
    s.split(sep).map(str::to_string).collect()
}

pub(crate) fn split<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let (s, sep) = (a.str(0)?, a.str(1)?);
    // One element per code point with an empty separator: each costs an
    // allocation, so charge them before building.
    let count = if sep.is_empty() {
        s.chars().count()
    } else {
        s.matches(sep).count() + 1
    };
    it.charge(ELEMENT_STEPS.saturating_mul(count as u64))?;
    let parts = go_split(s, sep);
    Ok(Val::list(parts.into_iter().map(Val::string).collect()))
}

pub(crate) fn pattern_match<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let pattern = a.str(0)?;
    let s = iface_to_string(a.val(1)?).ok_or_else(|| arg_type_err(a.name, 2, "String or Real"))?;
    // Glob matching with `*` backtracks: up to pattern x text comparisons.
    if pattern.contains(['*', '?']) {
        it.charge((pattern.len() as u64).saturating_mul(s.len() as u64) / 64)?;
    }
    Ok(Val::Bool(crate::go::wildcard::matches(pattern, &s)))
}

pub(crate) fn to_boolean<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let s = a.str(0)?;
    match s.chars().map(simple_lower).collect::<String>().as_str() {
        "true" => Ok(Val::Bool(true)),
        "false" => Ok(Val::Bool(false)),
        _ => Err(kerr(
            a.name,
            format!("lowercase argument must be 'true' or 'false' (provided: '{s}')"),
        )),
    }
}

/// Go `path.Clean` (what `filepath.Join` of one element does on Linux),
/// except that `""` stays `""`.
pub(crate) fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return String::new();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), Some(&last) if last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

pub(crate) fn path_canonicalize<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::string(clean_path(a.str(0)?)))
}

pub(crate) fn truncate<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let s = a.str(0)?;
    let n = a.num(1)?;
    let n = if n < 0.0 {
        0
    } else {
        go_int(n).max(0) as usize
    };
    match s.char_indices().nth(n) {
        Some((i, _)) => Ok(Val::str(&s[..i])),
        None => Ok(Val::str(s)),
    }
}
