//! Kubernetes' `semver` CEL library (`K8S:pkg/cel/library/semverlib.go`,
//! version 1 with `normalize`) over verno's blang/semver port.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{Opaque, Val};
use super::super::EvalError;
use super::support::{bool_arg, fail, global, member, opaque, opaque_arg, str_arg};
use crate::jmespath::kyverno::semver::{compare, parse_version, Version};
use std::cmp::Ordering;

/// The cel-go type name.
pub const TYPE: &str = "kubernetes.Semver";

/// A `kubernetes.Semver` value.
#[derive(Debug, Clone)]
pub struct SemverVal(pub(crate) Version);

impl Opaque for SemverVal {
    fn type_name(&self) -> &'static str {
        TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<SemverVal>()
            .is_some_and(|o| compare(&o.0, &self.0) == Ordering::Equal)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// k8s `normalizeAndParse`: drop a `v`, strip leading zeros, pad to three parts.
fn normalize_and_parse(s: &str) -> Result<Version, String> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let mut parts: Vec<String> = s.splitn(3, '.').map(str::to_string).collect();
    for p in parts.iter_mut() {
        if p.len() > 1 {
            let trimmed = p.trim_start_matches('0');
            *p = if trimmed.is_empty() || !trimmed.starts_with(|c: char| c.is_ascii_digit()) {
                format!("0{trimmed}")
            } else {
                trimmed.to_string()
            };
        }
    }
    if parts.len() < 3 {
        if parts.last().is_some_and(|l| l.contains(['+', '-'])) {
            return Err("short version cannot contain PreRelease/Build meta data".into());
        }
        while parts.len() < 3 {
            parts.push("0".into());
        }
    }
    parse_version(&parts.join("."))
}

fn parse(s: &str, normalize: bool) -> Result<Version, String> {
    if normalize {
        normalize_and_parse(s)
    } else {
        parse_version(s)
    }
}

fn v<'b>(args: &'b [Val<'_>], i: usize) -> Result<&'b Version, EvalError> {
    opaque_arg::<SemverVal>(args, i).map(|s| &s.0)
}

fn to_semver<'a>(args: &[Val<'a>], normalize: bool) -> Result<Val<'a>, EvalError> {
    parse(str_arg(args, 0)?, normalize)
        .map(|v| opaque(SemverVal(v)))
        .map_err(fail)
}

fn string_to_semver<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    to_semver(args, false)
}

fn string_bool_to_semver<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    to_semver(args, bool_arg(args, 1)?)
}

fn is_semver<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(parse(str_arg(args, 0)?, false).is_ok()))
}

fn is_semver_normalize<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(
        parse(str_arg(args, 0)?, bool_arg(args, 1)?).is_ok(),
    ))
}

fn cmp(args: &[Val<'_>]) -> Result<Ordering, EvalError> {
    Ok(compare(v(args, 0)?, v(args, 1)?))
}

fn is_greater_than<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(cmp(args)? == Ordering::Greater))
}

fn is_less_than<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(cmp(args)? == Ordering::Less))
}

fn compare_to<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Int(cmp(args)? as i64))
}

/// Go's `types.Int(v.Major)`: a uint64 reinterpreted as int64.
fn part<'a>(args: &[Val<'a>], pick: fn((u64, u64, u64)) -> u64) -> Result<Val<'a>, EvalError> {
    Ok(Val::Int(pick(v(args, 0)?.core()) as i64))
}

fn major<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    part(args, |c| c.0)
}

fn minor<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    part(args, |c| c.1)
}

fn patch<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    part(args, |c| c.2)
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    let sv = || Type::Opaque(TYPE);
    reg.add_type(TYPE);
    global(
        reg,
        "semver",
        "string_to_semver",
        vec![Type::String],
        sv(),
        string_to_semver,
    );
    global(
        reg,
        "semver",
        "string_bool_to_semver",
        vec![Type::String, Type::Bool],
        sv(),
        string_bool_to_semver,
    );
    global(
        reg,
        "isSemver",
        "is_semver_string",
        vec![Type::String],
        Type::Bool,
        is_semver,
    );
    global(
        reg,
        "isSemver",
        "is_semver_string_bool",
        vec![Type::String, Type::Bool],
        Type::Bool,
        is_semver_normalize,
    );
    member(
        reg,
        "isGreaterThan",
        "semver_is_greater_than",
        vec![sv(), sv()],
        Type::Bool,
        is_greater_than,
    );
    member(
        reg,
        "isLessThan",
        "semver_is_less_than",
        vec![sv(), sv()],
        Type::Bool,
        is_less_than,
    );
    member(
        reg,
        "compareTo",
        "semver_compare_to",
        vec![sv(), sv()],
        Type::Int,
        compare_to,
    );
    member(reg, "major", "semver_major", vec![sv()], Type::Int, major);
    member(reg, "minor", "semver_minor", vec![sv()], Type::Int, minor);
    member(reg, "patch", "semver_patch", vec![sv()], Type::Int, patch);
}

#[cfg(test)]
#[allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn normalize_pads_and_strips_like_kubernetes() {
        let n = |s: &str| normalize_and_parse(s).map(|v| v.core());
        assert_eq!(n("v1.2"), Ok((1, 2, 0)));
        assert_eq!(n("01.02.003"), Ok((1, 2, 3)));
        assert_eq!(n("1"), Ok((1, 0, 0)));
        assert_eq!(
            n("1.2-beta"),
            Err("short version cannot contain PreRelease/Build meta data".into())
        );
        assert!(parse("v1.2.3", false).is_err());
    }
}
