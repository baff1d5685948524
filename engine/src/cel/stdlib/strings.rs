//! cel-go's strings extension, version 2 (what Kyverno enables: no `reverse`),
//! indices in code points as cel-go counts runes.

use super::add;
use super::core::no_such_overload;
use crate::cel::registry::{Call, Registry};
use crate::cel::types::Type;
use crate::cel::value::{NumberMode, Val};
use crate::cel::EvalError;

type R<'a> = Result<Val<'a>, EvalError>;

fn range_err(i: i64) -> EvalError {
    EvalError::new(format!("index out of range: {i}"))
}

fn char_at<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [Val::String(s), Val::Int(i)] = a else {
        return Err(no_such_overload("charAt", a));
    };
    let chars: Vec<char> = s.as_str().chars().collect();
    let idx = usize::try_from(*i)
        .ok()
        .filter(|&n| n <= chars.len())
        .ok_or_else(|| range_err(*i))?;
    Ok(Val::string(
        chars.get(idx).map(|c| c.to_string()).unwrap_or_default(),
    ))
}

fn find_from(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| hay.get(i..i + needle.len()) == Some(needle))
}

fn index_of<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (s, sub, off) = match a {
        [Val::String(s), Val::String(t)] => (s, t, 0),
        [Val::String(s), Val::String(t), Val::Int(o)] => (s, t, *o),
        _ => return Err(no_such_overload("indexOf", a)),
    };
    if off < 0 {
        return Err(range_err(off));
    }
    let hay: Vec<char> = s.as_str().chars().collect();
    let needle: Vec<char> = sub.as_str().chars().collect();
    let off_u = usize::try_from(off).unwrap_or(usize::MAX);
    if needle.is_empty() {
        return Ok(Val::Int(if off_u > hay.len() {
            hay.len() as i64
        } else {
            off
        }));
    }
    if off_u >= hay.len() {
        return Ok(Val::Int(-1));
    }
    Ok(Val::Int(
        find_from(&hay, &needle, off_u).map_or(-1, |i| i as i64),
    ))
}

fn last_index_of<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (s, sub, off) = match a {
        [Val::String(s), Val::String(t)] => (s, t, None),
        [Val::String(s), Val::String(t), Val::Int(o)] => (s, t, Some(*o)),
        _ => return Err(no_such_overload("lastIndexOf", a)),
    };
    let hay: Vec<char> = s.as_str().chars().collect();
    let needle: Vec<char> = sub.as_str().chars().collect();
    let off = match off {
        None => {
            if needle.is_empty() {
                return Ok(Val::Int(hay.len() as i64));
            }
            if hay.len() < needle.len() {
                return Ok(Val::Int(-1));
            }
            hay.len() as i64 - 1
        }
        Some(o) => o,
    };
    if off < 0 {
        return Err(range_err(off));
    }
    let off_u = usize::try_from(off).unwrap_or(usize::MAX);
    if needle.is_empty() {
        return Ok(Val::Int(if off_u > hay.len() {
            hay.len() as i64
        } else {
            off
        }));
    }
    if off_u >= hay.len() || needle.len() > hay.len() {
        return Ok(Val::Int(-1));
    }
    let start = off_u.min(hay.len() - needle.len());
    Ok(Val::Int(
        (0..=start)
            .rev()
            .find(|&i| hay.get(i..i + needle.len()) == Some(needle.as_slice()))
            .map_or(-1, |i| i as i64),
    ))
}

fn lower<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::String(s)] => Ok(Val::string(s.as_str().to_ascii_lowercase())),
        _ => Err(no_such_overload("lowerAscii", a)),
    }
}

fn upper<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::String(s)] => Ok(Val::string(s.as_str().to_ascii_uppercase())),
        _ => Err(no_such_overload("upperAscii", a)),
    }
}

fn replace<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (s, old, new, n) = match a {
        [Val::String(s), Val::String(o), Val::String(n)] => (s, o, n, -1),
        [Val::String(s), Val::String(o), Val::String(n), Val::Int(k)] => (s, o, n, *k),
        _ => return Err(no_such_overload("replace", a)),
    };
    let (s, old, new) = (s.as_str(), old.as_str(), new.as_str());
    // Bound the result before building it.
    let count = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old).count()
    };
    let count = if n < 0 {
        count
    } else {
        count.min(usize::try_from(n).unwrap_or(usize::MAX))
    };
    let size = s.len() + count.saturating_mul(new.len());
    c.budget.charge_size(size)?;
    let out = if n < 0 {
        s.replace(old, new)
    } else {
        s.replacen(old, new, usize::try_from(n).unwrap_or(usize::MAX))
    };
    Ok(Val::string(out))
}

fn split<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (s, sep, n) = match a {
        [Val::String(s), Val::String(p)] => (s, p, -1),
        [Val::String(s), Val::String(p), Val::Int(n)] => (s, p, *n),
        _ => return Err(no_such_overload("split", a)),
    };
    let (s, sep) = (s.as_str(), sep.as_str());
    if n == 0 {
        return Ok(Val::list(vec![]));
    }
    let parts: Vec<String> = if sep.is_empty() {
        let chars: Vec<String> = s.chars().map(String::from).collect();
        match usize::try_from(n) {
            Ok(k) if k < chars.len() => {
                let mut head: Vec<String> =
                    chars.iter().take(k.saturating_sub(1)).cloned().collect();
                head.push(s.chars().skip(k.saturating_sub(1)).collect());
                head
            }
            _ => chars,
        }
    } else if n < 0 {
        s.split(sep).map(String::from).collect()
    } else {
        s.splitn(usize::try_from(n).unwrap_or(usize::MAX), sep)
            .map(String::from)
            .collect()
    };
    c.budget.charge_size(parts.len())?;
    Ok(Val::list(parts.into_iter().map(Val::string).collect()))
}

fn substring<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let chars: Vec<char>;
    let (start, end) = match a {
        [Val::String(s), Val::Int(i)] => {
            chars = s.as_str().chars().collect();
            (*i, chars.len() as i64)
        }
        [Val::String(s), Val::Int(i), Val::Int(j)] => {
            chars = s.as_str().chars().collect();
            if i > j {
                return Err(EvalError::new(format!(
                    "invalid substring range. start: {i}, end: {j}"
                )));
            }
            (*i, *j)
        }
        _ => return Err(no_such_overload("substring", a)),
    };
    let len = chars.len() as i64;
    if start < 0 || start > len {
        return Err(range_err(start));
    }
    if end < 0 || end > len {
        return Err(range_err(end));
    }
    let out: String = chars
        .get(usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0))
        .unwrap_or(&[])
        .iter()
        .collect();
    Ok(Val::string(out))
}

fn trim<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    match a {
        [Val::String(s)] => Ok(Val::string(s.as_str().trim().to_string())),
        _ => Err(no_such_overload("trim", a)),
    }
}

fn join<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (list, sep) = match a {
        [l] => (l, ""),
        [l, Val::String(s)] => (l, s.as_str()),
        _ => return Err(no_such_overload("join", a)),
    };
    let items = list
        .list_items(NumberMode::Exact)
        .ok_or_else(|| no_such_overload("join", a))?;
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        match item {
            Val::String(s) => out.push_str(s.as_str()),
            other => {
                return Err(EvalError::new(format!(
                    "join: invalid input: {}",
                    super::core::debug_string(other)
                )))
            }
        }
    }
    c.budget.charge_size(out.len())?;
    Ok(Val::string(out))
}

/// cel-go's `strings.quote`.
fn quote<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [Val::String(s)] = a else {
        return Err(no_such_overload("strings.quote", a));
    };
    let mut out = String::from("\"");
    for c in s.as_str().chars() {
        match c {
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(Val::string(out))
}

fn format<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [Val::String(f), list] = a else {
        return Err(no_such_overload("format", a));
    };
    let args = list
        .list_items(c.numbers)
        .ok_or_else(|| no_such_overload("format", a))?;
    let out = super::strformat::format(f.as_str(), &args)?;
    c.budget.charge_size(out.len())?;
    Ok(Val::string(out))
}

/// Registers the strings extension (v2).
pub fn register(r: &mut Registry) {
    use crate::cel::types::Type::{Int, String};
    let ls = || Type::list(String);
    add(
        r,
        "charAt",
        "string_char_at_int",
        true,
        vec![String, Int],
        String,
        char_at,
    );
    add(
        r,
        "indexOf",
        "string_index_of_string",
        true,
        vec![String, String],
        Int,
        index_of,
    );
    add(
        r,
        "indexOf",
        "string_index_of_string_int",
        true,
        vec![String, String, Int],
        Int,
        index_of,
    );
    add(
        r,
        "lastIndexOf",
        "string_last_index_of_string",
        true,
        vec![String, String],
        Int,
        last_index_of,
    );
    add(
        r,
        "lastIndexOf",
        "string_last_index_of_string_int",
        true,
        vec![String, String, Int],
        Int,
        last_index_of,
    );
    add(
        r,
        "lowerAscii",
        "string_lower_ascii",
        true,
        vec![String],
        String,
        lower,
    );
    add(
        r,
        "upperAscii",
        "string_upper_ascii",
        true,
        vec![String],
        String,
        upper,
    );
    add(
        r,
        "replace",
        "string_replace_string_string",
        true,
        vec![String, String, String],
        String,
        replace,
    );
    add(
        r,
        "replace",
        "string_replace_string_string_int",
        true,
        vec![String, String, String, Int],
        String,
        replace,
    );
    add(
        r,
        "split",
        "string_split_string",
        true,
        vec![String, String],
        ls(),
        split,
    );
    add(
        r,
        "split",
        "string_split_string_int",
        true,
        vec![String, String, Int],
        ls(),
        split,
    );
    add(
        r,
        "substring",
        "string_substring_int",
        true,
        vec![String, Int],
        String,
        substring,
    );
    add(
        r,
        "substring",
        "string_substring_int_int",
        true,
        vec![String, Int, Int],
        String,
        substring,
    );
    add(r, "trim", "string_trim", true, vec![String], String, trim);
    add(r, "join", "list_join", true, vec![ls()], String, join);
    add(
        r,
        "join",
        "list_join_string",
        true,
        vec![ls(), String],
        String,
        join,
    );
    add(
        r,
        "strings.quote",
        "strings_quote",
        false,
        vec![String],
        String,
        quote,
    );
    add(
        r,
        "format",
        "string_format",
        true,
        vec![String, Type::list(Type::Dyn)],
        String,
        format,
    );
}
