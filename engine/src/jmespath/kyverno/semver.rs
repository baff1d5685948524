//! `semver_compare`: a port of blang/semver v4 (`Parse`, `ParseRange`),
//! including its wildcard expansion quirks (`1.x.x` only widens the patch).

use super::super::ast::FunctionCall;
use super::super::functions::{Args, R};
use super::super::interpreter::Interp;
use super::super::value::Val;
use super::super::JmespathError;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pre {
    Num(u64),
    Str(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
}

const ALPHANUM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

fn contains_only(s: &str, set: &str) -> bool {
    s.chars().all(|c| set.contains(c))
}

fn numeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn leading_zero(s: &str) -> bool {
    s.len() > 1 && s.starts_with('0')
}

fn parse_uint(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        if s.is_empty() {
            format!("strconv.ParseUint: parsing {s:?}: invalid syntax")
        } else {
            format!("strconv.ParseUint: parsing {s:?}: value out of range")
        }
    })
}

fn number_part(s: &str, what: &str) -> Result<u64, String> {
    if !numeric(s) {
        return Err(format!("Invalid character(s) found in {what} number {s:?}"));
    }
    if leading_zero(s) {
        let cap = {
            let mut c = what.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        };
        return Err(format!(
            "{cap} number must not contain leading zeroes {s:?}"
        ));
    }
    parse_uint(s)
}

pub(crate) fn parse_version(s: &str) -> Result<Version, String> {
    if s.is_empty() {
        return Err("Version string empty".into());
    }
    let parts: Vec<&str> = s.splitn(3, '.').collect();
    let [major, minor, rest] = parts.as_slice() else {
        return Err("No Major.Minor.Patch elements found".into());
    };
    let major = number_part(major, "major")?;
    let minor = number_part(minor, "minor")?;
    let mut patch_str = *rest;
    let mut build: Vec<&str> = Vec::new();
    if let Some(i) = patch_str.find('+') {
        build = patch_str[i + 1..].split('.').collect();
        patch_str = &patch_str[..i];
    }
    let mut pre_parts: Vec<&str> = Vec::new();
    if let Some(i) = patch_str.find('-') {
        pre_parts = patch_str[i + 1..].split('.').collect();
        patch_str = &patch_str[..i];
    }
    let patch = number_part(patch_str, "patch")?;
    let mut pre = Vec::new();
    for p in pre_parts {
        if p.is_empty() {
            return Err("Prerelease is empty".into());
        }
        if numeric(p) {
            if leading_zero(p) {
                return Err(format!(
                    "Numeric PreRelease version must not contain leading zeroes {p:?}"
                ));
            }
            pre.push(Pre::Num(parse_uint(p)?));
        } else if contains_only(p, ALPHANUM) {
            pre.push(Pre::Str(p.to_string()));
        } else {
            return Err(format!("Invalid character(s) found in prerelease {p:?}"));
        }
    }
    for b in build {
        if b.is_empty() {
            return Err("Build meta data is empty".into());
        }
        if !contains_only(b, ALPHANUM) {
            return Err(format!(
                "Invalid character(s) found in build meta data {b:?}"
            ));
        }
    }
    Ok(Version {
        major,
        minor,
        patch,
        pre,
    })
}

impl Version {
    /// The major, minor and patch numbers (the CEL `semver` library's getters).
    pub(crate) fn core(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }
}

/// blang's `Version.Compare`: precedence, build metadata ignored.
pub(crate) fn compare(v: &Version, o: &Version) -> Ordering {
    let base = (v.major, v.minor, v.patch).cmp(&(o.major, o.minor, o.patch));
    if base != Ordering::Equal {
        return base;
    }
    match (v.pre.is_empty(), o.pre.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (a, b) in v.pre.iter().zip(&o.pre) {
        let c = match (a, b) {
            (Pre::Num(_), Pre::Str(_)) => Ordering::Less,
            (Pre::Str(_), Pre::Num(_)) => Ordering::Greater,
            (Pre::Num(x), Pre::Num(y)) => x.cmp(y),
            (Pre::Str(x), Pre::Str(y)) => x.cmp(y),
        };
        if c != Ordering::Equal {
            return c;
        }
    }
    v.pre.len().cmp(&o.pre.len())
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

fn split_and_trim(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut result = Vec::new();
    let mut last = 0usize;
    let mut last_char = 0u8;
    for i in 0..b.len() {
        if b[i] == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            if last + 1 < i {
                result.push(s[last..i].to_string());
            }
            last = i + 1;
        } else if b[i] != b' ' {
            last_char = b[i];
        }
    }
    if last + 1 < b.len() {
        result.push(s[last..].to_string());
    }
    result.into_iter().map(|p| p.replace(' ', "")).collect()
}

fn split_comparator_version(s: &str) -> Result<(String, String), String> {
    match s.char_indices().find(|(_, c)| c.is_ascii_digit()) {
        Some((i, _)) => Ok((s[..i].trim().to_string(), s[i..].to_string())),
        None => Err(format!("Could not get version from string: {s:?}")),
    }
}

fn create_version_from_wildcard(v: &str) -> String {
    let v2 = v.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
    if v2.split('.').count() == 2 {
        format!("{v2}.0")
    } else {
        v2
    }
}

fn increment(v: &str, index: usize) -> String {
    let mut parts: Vec<String> = v.split('.').map(str::to_string).collect();
    match parts.get(index).and_then(|p| p.parse::<i64>().ok()) {
        Some(n) => {
            parts[index] = (n + 1).to_string();
            parts.join(".")
        }
        None => String::new(),
    }
}

fn expand_wildcards(parts: Vec<Vec<String>>) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::new();
    for p in parts {
        let mut new_parts = Vec::new();
        for mut ap in p {
            if ap.contains('x') {
                let (op, v) = split_comparator_version(&ap)?;
                let nparts = v.split('.').count();
                let wildcard_last = v.split('.').next_back() == Some("x");
                let flat = create_version_from_wildcard(&v);
                let (result_op, inc) = match op.as_str() {
                    ">" => (">=", true),
                    ">=" => (">=", false),
                    "<" => ("<", false),
                    "<=" => ("<", true),
                    "" | "=" | "==" => {
                        new_parts.push(format!(">={flat}"));
                        ("<", true)
                    }
                    "!=" | "!" => {
                        new_parts.push(format!("<{flat}"));
                        (">=", true)
                    }
                    _ => ("", false),
                };
                let version = if inc {
                    match (wildcard_last, nparts) {
                        (true, 3) => increment(&flat, 1),
                        (true, 2) => increment(&flat, 0),
                        _ => String::new(),
                    }
                } else {
                    flat
                };
                ap = format!("{result_op}{version}");
            }
            new_parts.push(ap);
        }
        out.push(new_parts);
    }
    Ok(out)
}

/// A parsed range: OR of ANDs of comparisons.
pub(crate) struct Range(Vec<Vec<(Op, Version)>>);

pub(crate) fn parse_range(s: &str) -> Result<Range, String> {
    let parts = split_and_trim(s);
    let mut or_parts: Vec<Vec<String>> = Vec::new();
    let mut last = 0;
    for (i, p) in parts.iter().enumerate() {
        if p == "||" {
            if i == 0 {
                return Err("First element in range is '||'".into());
            }
            or_parts.push(parts[last..i].to_vec());
            last = i + 1;
        }
    }
    if last == parts.len() {
        return Err("Last element in range is '||'".into());
    }
    or_parts.push(parts[last..].to_vec());
    let expanded = expand_wildcards(or_parts)?;
    let mut ors = Vec::new();
    for p in expanded {
        let mut ands = Vec::new();
        for ap in p {
            let (op_str, v_str) = split_comparator_version(&ap)?;
            let op = match op_str.as_str() {
                "==" | "" | "=" => Op::Eq,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                "<" => Op::Lt,
                "<=" => Op::Le,
                "!" | "!=" => Op::Ne,
                _ => {
                    return Err(format!(
                    "Could not parse Range {ap:?}: Could not parse comparator {op_str:?} in {:?}",
                    format!("{op_str}{v_str}")
                ))
                }
            };
            let v = parse_version(&v_str).map_err(|e| {
                format!(
                    "Could not parse Range {ap:?}: Could not parse version {v_str:?} in {:?}: {e}",
                    format!("{op_str}{v_str}")
                )
            })?;
            ands.push((op, v));
        }
        ors.push(ands);
    }
    Ok(Range(ors))
}

impl Range {
    pub(crate) fn matches(&self, v: &Version) -> bool {
        self.0.iter().any(|ands| {
            ands.iter().all(|(op, w)| {
                let c = compare(v, w);
                match op {
                    Op::Eq => c == Ordering::Equal,
                    Op::Ne => c != Ordering::Equal,
                    Op::Gt => c == Ordering::Greater,
                    Op::Ge => c != Ordering::Less,
                    Op::Lt => c == Ordering::Less,
                    Op::Le => c != Ordering::Greater,
                }
            })
        })
    }
}

pub(crate) fn semver_compare<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    // Kyverno ignores the version's parse error: it compares 0.0.0.
    let version = parse_version(a.str(0)?).unwrap_or_default();
    let range = parse_range(a.str(1)?).map_err(JmespathError::Runtime)?;
    Ok(Val::Bool(range.matches(&version)))
}
