//! Regular expressions for `matches` and the regex extension, compiled
//! once per pattern (a small cache: policies use a handful of patterns).

use crate::cel::EvalError;
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;

/// Patterns kept per thread; beyond this the cache is cleared (bounded memory).
const CACHE_LIMIT: usize = 256;

/// The largest compiled program a pattern may produce (hostile patterns
/// like `(a{1000}){1000}` fail instead of exhausting memory).
const SIZE_LIMIT: usize = 1 << 20;

thread_local! {
    static CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// The compiled pattern (RE2 syntax), with cel-go's error text on failure.
pub fn compile(pattern: &str) -> Result<Regex, EvalError> {
    if let Some(re) = CACHE.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| {
            EvalError::new(format!(
                "error parsing regexp: {}",
                first_line(&e.to_string())
            ))
        })?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(pattern.to_string(), re.clone());
    });
    Ok(re)
}

fn first_line(s: &str) -> String {
    s.lines()
        .last()
        .unwrap_or(s)
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

use super::add;
use super::core::no_such_overload;
use crate::cel::registry::{Call, Registry};
use crate::cel::types::Type;
use crate::cel::value::Val;
use std::rc::Rc;

type R<'a> = Result<Val<'a>, EvalError>;

/// cel-go's replacement string: `\N` inserts group N, `\\` a backslash.
fn expand(
    target: &str,
    caps: &regex::Captures<'_>,
    groups: usize,
    repl: &str,
) -> Result<String, EvalError> {
    let mut out = String::new();
    let mut chars = repl.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            return Err(EvalError::new(format!(
                "invalid replacement string: '{repl}' \\ not allowed at end"
            )));
        };
        if next == '\\' {
            out.push('\\');
            continue;
        }
        let Some(n) = next.to_digit(10) else {
            return Err(EvalError::new(format!(
                "invalid replacement string: '{repl}' \\ must be followed by a digit or \\"
            )));
        };
        let n = n as usize;
        if n > groups {
            return Err(EvalError::new(format!(
                "replacement string references group {n} but regex has only {groups} group(s)"
            )));
        }
        if let Some(m) = caps.get(n) {
            out.push_str(target.get(m.range()).unwrap_or(""));
        }
    }
    Ok(out)
}

fn replace<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let (s, re, repl, n) = match a {
        [Val::String(s), Val::String(re), Val::String(r)] => (s, re, r, -1),
        [Val::String(s), Val::String(re), Val::String(r), Val::Int(n)] => (s, re, r, *n),
        _ => return Err(no_such_overload("regex.replace", a)),
    };
    let target = s.as_str();
    if n == 0 {
        return Ok(Val::String(s.clone()));
    }
    let re = compile(re.as_str())?;
    let groups = re.captures_len().saturating_sub(1);
    let mut out = String::new();
    let mut last = 0;
    for (count, caps) in re.captures_iter(target).enumerate() {
        if n > 0 && count as i64 >= n {
            break;
        }
        let Some(m) = caps.get(0) else { continue };
        out.push_str(target.get(last..m.start()).unwrap_or(""));
        out.push_str(&expand(target, &caps, groups, repl.as_str())?);
        last = m.end();
        c.budget.charge_size(out.len())?;
    }
    out.push_str(target.get(last..).unwrap_or(""));
    Ok(Val::string(out))
}

fn one_group(re: &Regex, pattern: &str) -> Result<usize, EvalError> {
    let groups = re.captures_len().saturating_sub(1);
    if groups > 1 {
        return Err(EvalError::new(format!(
            "regular expression has more than one capturing group: {}",
            super::format::go_quote(pattern)
        )));
    }
    Ok(groups)
}

fn extract<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [Val::String(s), Val::String(p)] = a else {
        return Err(no_such_overload("regex.extract", a));
    };
    let re = compile(p.as_str())?;
    let groups = one_group(&re, p.as_str())?;
    let Some(caps) = re.captures(s.as_str()) else {
        return Ok(Val::Optional(None));
    };
    let text = if groups == 1 {
        match caps.get(1).map(|m| m.as_str()) {
            Some(t) if !t.is_empty() => t,
            _ => return Ok(Val::Optional(None)),
        }
    } else {
        caps.get(0).map_or("", |m| m.as_str())
    };
    Ok(Val::Optional(Some(Rc::new(Val::string(text)))))
}

fn extract_all<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> R<'a> {
    let [Val::String(s), Val::String(p)] = a else {
        return Err(no_such_overload("regex.extractAll", a));
    };
    let re = compile(p.as_str())?;
    let groups = one_group(&re, p.as_str())?;
    let mut out = Vec::new();
    for caps in re.captures_iter(s.as_str()) {
        c.budget.charge(1)?;
        let text = if groups == 1 {
            caps.get(1).map(|m| m.as_str())
        } else {
            caps.get(0).map(|m| m.as_str())
        };
        match text {
            Some(t) if groups != 1 || !t.is_empty() => out.push(Val::string(t)),
            _ => {}
        }
    }
    Ok(Val::list(out))
}

/// Registers the regex extension (v1).
pub fn register(r: &mut Registry) {
    use crate::cel::types::Type::{Int, String};
    add(
        r,
        "regex.replace",
        "regex_replace_string_string_string",
        false,
        vec![String, String, String],
        String,
        replace,
    );
    add(
        r,
        "regex.replace",
        "regex_replace_string_string_string_int",
        false,
        vec![String, String, String, Int],
        String,
        replace,
    );
    add(
        r,
        "regex.extract",
        "regex_extract_string_string",
        false,
        vec![String, String],
        Type::optional(String),
        extract,
    );
    add(
        r,
        "regex.extractAll",
        "regex_extractAll_string_string",
        false,
        vec![String, String],
        Type::list(String),
        extract_all,
    );
}
