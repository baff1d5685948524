//! The PolicyReport properties of a failing podSecurity result
//! (`addPodSecurityProperties` in Kyverno's `pkg/utils/report/results.go`,
//! with the images `addImages` in `validate_pss.go` attaches to checks).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use super::exclude::CONTROL_NAMES;
use super::Failure;

/// One entry of `controlsJSON`: Kyverno marshals a Go struct, so the keys
/// are its field names in declaration order, and `Images` is `null` when
/// the check's detail names no container.
#[derive(Serialize)]
struct Control<'a> {
    #[serde(rename = "ID")]
    id: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Images")]
    images: Option<Vec<String>>,
}

/// `PSSControlIDToName`: the control a check ID belongs to; empty for IDs
/// Kyverno's table does not know (`hostProbesAndHostLifecycle`).
pub fn control_name(id: &str) -> &'static str {
    CONTROL_NAMES
        .iter()
        .find(|(_, ids)| ids.contains(&id))
        .map_or("", |(name, _)| name)
}

// `regexContainerNames` in validate_pss.go.
fn container_names_regex() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"container(?:s)?\s*(.*?)\s*must").ok())
        .as_ref()
}

/// `addImages`: the container names the first `container(s) … must` phrase
/// of a check's detail lists, each mapped to its image by `image_of`
/// (which falls back to the name, as `getImageReference` does).
fn images(detail: &str, image_of: &dyn Fn(&str) -> String) -> Option<Vec<String>> {
    let caps = container_names_regex()?.captures(detail)?;
    let listed = caps.get(1).map_or("", |m| m.as_str());
    let names = listed.replace(['"', ' '], "");
    Some(names.split(',').map(image_of).collect())
}

/// Go's `json.Marshal` escapes these inside strings; serde_json does not.
fn go_json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The `standard`, `version`, `controls` and `controlsJSON` properties of
/// a failing podSecurity result; empty when nothing failed. `level` and
/// `version` are the rule's, as written.
pub fn report_properties(
    level: &str,
    version: &str,
    failures: &[Failure],
    image_of: &dyn Fn(&str) -> String,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if failures.is_empty() {
        return out;
    }
    let controls: Vec<Control<'_>> = failures
        .iter()
        .map(|f| Control {
            id: f.id,
            name: control_name(f.id),
            images: images(&f.result.detail, image_of),
        })
        .collect();
    let ids: Vec<&str> = failures.iter().map(|f| f.id).collect();
    // Serializing plain strings and options cannot fail; an empty list is
    // still better than a panic should it ever.
    let json = serde_json::to_string(&controls).unwrap_or_else(|_| "[]".to_string());
    out.insert("standard".to_string(), level.to_string());
    out.insert("version".to_string(), version.to_string());
    out.insert("controls".to_string(), ids.join(","));
    out.insert("controlsJSON".to_string(), go_json_escape(&json));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_names_come_from_the_first_must_phrase() {
        let of = |n: &str| format!("img-{n}");
        assert_eq!(
            images(
                "pod or containers \"nginx\", \"busybox\" must set securityContext.runAsNonRoot=true",
                &of
            ),
            Some(vec!["img-nginx".to_string(), "img-busybox".to_string()])
        );
        assert_eq!(images("hostNetwork=true", &of), None);
    }

    #[test]
    fn go_escapes_html_characters() {
        assert_eq!(go_json_escape("\"a<b>&\""), "\"a\\u003cb\\u003e\\u0026\"");
    }
}
