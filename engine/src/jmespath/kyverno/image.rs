//! `image_normalize`: Kyverno's `GetImageInfo` with the default
//! configuration (default registry `docker.io`, registry mutation on), and
//! the grammar of distribution/reference v0.6.0.

use super::super::ast::FunctionCall;
use super::super::functions::{Args, R};
use super::super::interpreter::Interp;
use super::super::value::Val;
use super::kerr;
use regex::Regex;
use std::sync::OnceLock;

const DEFAULT_REGISTRY: &str = "docker.io";

fn reference_regex() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        let domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let domain_name = format!(r"{domain_component}(?:\.{domain_component})*");
        let host = format!(r"(?:{domain_name}|\[(?:[a-fA-F0-9:]+)\])");
        let domain = format!("{host}(?::[0-9]+)?");
        let path_component = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
        let tag = "[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
        let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
        let pattern = format!(
            "^((?:({domain})/)?({path_component}(?:/{path_component})*))(?::({tag}))?(?:@({digest}))?$"
        );
        Regex::new(&pattern).ok()
    })
    .as_ref()
}

/// Go's `reference.Parse` result parts: (domain, path, tag, digest).
pub(crate) fn parse_reference(s: &str) -> Result<(String, String, String, String), String> {
    let re = reference_regex().ok_or("invalid reference format")?;
    let caps = match re.captures(s) {
        Some(c) => c,
        None => {
            if s.is_empty() {
                return Err("repository name must have at least one component".into());
            }
            if re.is_match(&s.to_lowercase()) {
                return Err("repository name must be lowercase".into());
            }
            return Err("invalid reference format".into());
        }
    };
    let get = |i: usize| {
        caps.get(i)
            .map(|m| m.as_str().to_string())
            .unwrap_or_default()
    };
    if get(1).len() > 255 {
        return Err("repository name must not be more than 255 characters".into());
    }
    let digest = get(5);
    if !digest.is_empty() {
        let (alg, hex) = digest.split_once(':').unwrap_or(("", ""));
        let want = match alg {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => return Err("unsupported digest algorithm".into()),
        };
        if hex.len() != want {
            return Err("invalid checksum digest length".into());
        }
        if !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err("invalid checksum digest format".into());
        }
    }
    Ok((get(2), get(3), get(4), digest))
}

/// Kyverno's `addDefaultRegistry`.
fn add_default_registry(name: &str) -> String {
    match name.find('/') {
        Some(i) => {
            let first = &name[..i];
            if !first.contains(['.', ':']) && first != "localhost" && first.to_lowercase() == first
            {
                format!("{DEFAULT_REGISTRY}/{name}")
            } else {
                name.to_string()
            }
        }
        None => format!("{DEFAULT_REGISTRY}/{name}"),
    }
}

pub(crate) fn normalize(image: &str) -> Result<String, String> {
    let full = add_default_registry(image);
    let (registry, path, tag, digest) = parse_reference(&full).map_err(|e| {
        format!(
            "bad image: {full}, defaultRegistry: {DEFAULT_REGISTRY}, enableDefaultRegistryMutation: true: {e}"
        )
    })?;
    let tag = if tag.is_empty() && digest.is_empty() {
        "latest".to_string()
    } else {
        tag
    };
    let base = if registry.is_empty() {
        path
    } else {
        format!("{registry}/{path}")
    };
    Ok(if digest.is_empty() {
        format!("{base}:{tag}")
    } else {
        format!("{base}@{digest}")
    })
}

pub(crate) fn image_normalize<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    normalize(a.str(0)?)
        .map(Val::string)
        .map_err(|e| kerr(a.name, e))
}
