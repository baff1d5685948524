//! Control exclusions (`exclude` of a podSecurity rule, `podSecurity` of a
//! PolicyException): Kyverno re-evaluates the control on a reduced pod and
//! removes the field errors that it reproduces (`exemptExclusions`).

use serde_json::Value;

use super::pod::Pod;
use super::{evaluate_checks, Failure, FieldError, Version};

/// Control names and the check IDs they cover (`PSS_control_name_to_ids`).
pub const CONTROL_NAMES: [(&str, &[&str]); 15] = [
    (
        "Capabilities",
        &["capabilities_baseline", "capabilities_restricted"],
    ),
    (
        "Seccomp",
        &["seccompProfile_baseline", "seccompProfile_restricted"],
    ),
    ("Privileged Containers", &["privileged"]),
    ("Host Ports", &["hostPorts"]),
    ("/proc Mount Type", &["procMount"]),
    ("HostProcess", &["windowsHostProcess"]),
    ("SELinux", &["seLinuxOptions"]),
    ("Host Namespaces", &["hostNamespaces"]),
    ("HostPath Volumes", &["hostPathVolumes"]),
    ("Sysctls", &["sysctls"]),
    ("AppArmor", &["appArmorProfile"]),
    ("Privilege Escalation", &["allowPrivilegeEscalation"]),
    ("Running as Non-root", &["runAsNonRoot"]),
    ("Running as Non-root user", &["runAsUser"]),
    ("Volume Types", &["restrictedVolumes"]),
];

/// The CRD's control-name enum, in its order.
pub const CONTROL_NAME_ENUM: [&str; 15] = [
    "HostProcess",
    "Host Namespaces",
    "Privileged Containers",
    "Capabilities",
    "HostPath Volumes",
    "Host Ports",
    "AppArmor",
    "SELinux",
    "/proc Mount Type",
    "Seccomp",
    "Sysctls",
    "Volume Types",
    "Privilege Escalation",
    "Running as Non-root",
    "Running as Non-root user",
];

/// Restricted-level controls a `baseline` rule may not exclude
/// (`PSS_restricted_control_names`).
const RESTRICTED_CONTROLS: [&str; 6] = [
    "Volume Types",
    "Privilege Escalation",
    "Running as Non-root",
    "Running as Non-root user",
    "Seccomp",
    "Capabilities",
];

/// `Rule.ValidatePSaControlNames`: Kyverno's policy-validation errors for
/// a rule's exclusions, as `(field, text)` where `field` is where the value
/// is written and `text` is Kyverno's message (whose path omits
/// `validate`, as Kyverno's does).
pub fn rule_field_errors(ps: &Value, rule_path: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let level = ps.get("level").and_then(Value::as_str).unwrap_or("");
    let Some(items) = ps.get("exclude").and_then(Value::as_array) else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let kyverno = format!("{rule_path}.podSecurity.exclude[{i}]");
        let real = format!("{rule_path}.validate.podSecurity.exclude[{i}]");
        let control = item
            .get("controlName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let images = item
            .get("images")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let restricted_field = item
            .get("restrictedField")
            .and_then(Value::as_str)
            .unwrap_or("");
        let values = item
            .get("values")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let mut push = |child: &str, text: String| {
            out.push((
                format!("{real}.{child}"),
                format!("{kyverno}.{child}: {text}"),
            ));
        };
        let quoted = super::field::go_quote(control);
        if CONTAINER_LEVEL.contains(&control) && images == 0 {
            push(
                "controlName",
                format!("Invalid value: {quoted}: exclude.images must be specified for the container level control"),
            );
        } else if POD_LEVEL.contains(&control) && images != 0 {
            push(
                "controlName",
                format!("Invalid value: {quoted}: exclude.images must not be specified for the pod level control"),
            );
        }
        if !restricted_field.is_empty() && values == 0 {
            push("values", "Forbidden: values is required".into());
        }
        if restricted_field.is_empty() && values != 0 {
            push(
                "restrictedField",
                "Forbidden: restrictedField is required".into(),
            );
        }
        if level == "baseline"
            && control != "Seccomp"
            && control != "Capabilities"
            && RESTRICTED_CONTROLS.contains(&control)
        {
            push(
                "controlName",
                format!("Invalid value: {quoted}: Invalid control name defined at the given level"),
            );
        }
    }
    out
}

/// Controls that must name `images` (`PSS_container_level_control`).
const CONTAINER_LEVEL: [&str; 5] = [
    "Capabilities",
    "Privileged Containers",
    "Host Ports",
    "/proc Mount Type",
    "Privilege Escalation",
];

/// Controls that must not name `images` (`PSS_pod_level_control`).
const POD_LEVEL: [&str; 4] = [
    "Host Namespaces",
    "HostPath Volumes",
    "Sysctls",
    "Volume Types",
];

/// One `PodSecurityStandard` exclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclude {
    pub control_name: String,
    pub images: Vec<String>,
    pub restricted_field: String,
    pub values: Vec<String>,
}

impl Exclude {
    fn check_ids(&self) -> &'static [&'static str] {
        CONTROL_NAMES
            .iter()
            .find(|(n, _)| *n == self.control_name)
            .map_or(&[], |(_, ids)| ids)
    }
}

fn string_list(v: Option<&Value>, field: &str) -> Result<Vec<String>, (String, String)> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| (format!("{field}[{i}]"), "must be a string".to_string()))
            })
            .collect(),
        Some(_) => Err((field.to_string(), "must be a list of strings".into())),
    }
}

/// Read a list of exclusions written at `field`, with the CRD's
/// control-name enum.
/// `Err((field, message))` names the offending field.
pub fn parse_list(v: Option<&Value>, field: &str) -> Result<Vec<Exclude>, (String, String)> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err((field.to_string(), "must be a list".into())),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |k: &str| format!("{field}[{i}].{k}");
        if !item.is_object() {
            return Err((format!("{field}[{i}]"), "must be an object".into()));
        }
        let control_name = item
            .get("controlName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !CONTROL_NAMES.iter().any(|(n, _)| *n == control_name) {
            let names: Vec<String> = CONTROL_NAME_ENUM
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect();
            return Err((
                at("controlName"),
                format!(
                    "Unsupported value: \"{control_name}\": supported values: {}",
                    names.join(", ")
                ),
            ));
        }
        let images = string_list(item.get("images"), &at("images"))?;
        let restricted_field = match item.get("restrictedField") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err((at("restrictedField"), "must be a string".into())),
        };
        let values = string_list(item.get("values"), &at("values"))?;
        out.push(Exclude {
            control_name,
            images,
            restricted_field,
            values,
        });
    }
    Ok(out)
}

/// A field path with every run of digits replaced by `*` (Go's
/// `regexp("\d+").ReplaceAllString`).
fn star_indexes(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut in_digits = false;
    for c in field.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('*');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

/// `parseField`: the starred field and, when the field is in a container
/// list, the list and the container's index.
fn parse_field(field: &str) -> (String, Option<(String, usize)>) {
    let first_index = field
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse::<usize>().ok());
    let second_word = field
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|s| !s.is_empty())
        .nth(1)
        .unwrap_or("");
    let is_container = matches!(
        second_word,
        "containers" | "initContainers" | "ephemeralContainers"
    );
    let container = match (is_container, first_index) {
        (true, Some(i)) => Some((second_word.to_string(), i)),
        _ => None,
    };
    (star_indexes(field), container)
}

/// The comparable identity of a field error: the starred field and, for a
/// container field under a container-level exclusion, the container name.
fn identity(e: &FieldError, container_level: bool, pod: &Pod) -> (String, Option<String>) {
    if !container_level {
        return (star_indexes(&e.field), None);
    }
    let (field, container) = parse_field(&e.field);
    let name = container.map(|(list, i)| pod.container_name(&list, i));
    (field, name)
}

/// `ApplyPodSecurityExclusion`: apply each exclusion in turn.
pub fn apply(
    level: &str,
    version: Version,
    excludes: &[Exclude],
    mut failures: Vec<Failure>,
    pod: &Pod,
) -> Vec<Failure> {
    for ex in excludes {
        let container_level = !ex.images.is_empty();
        let reduced = if container_level {
            pod.matching_containers(&ex.images)
        } else {
            pod.with_fake_container()
        };
        let excluded = evaluate_checks(level, version, &reduced);
        exempt(&mut failures, &excluded, ex, pod, &reduced, container_level);
    }
    failures
}

/// `exemptExclusions` for one exclusion.
fn exempt(
    failures: &mut Vec<Failure>,
    excluded: &[Failure],
    ex: &Exclude,
    pod: &Pod,
    reduced: &Pod,
    container_level: bool,
) {
    for id in ex.check_ids() {
        for exf in excluded.iter().filter(|f| f.id == *id) {
            for exerr in exf.result.errs.iter().flatten() {
                let (ex_field, ex_container) = identity(exerr, container_level, reduced);
                if !(ex.restricted_field.is_empty() || ex_field == ex.restricted_field) {
                    continue;
                }
                let covered = ex.values.is_empty()
                    || exerr
                        .bad_value
                        .as_strings()
                        .iter()
                        .all(|b| ex.values.iter().any(|p| crate::go::wildcard::matches(p, b)));
                if !covered {
                    continue;
                }
                let Some(pos) = failures.iter().position(|f| f.id == *id) else {
                    continue;
                };
                let Some(errs) = failures.get_mut(pos).and_then(|f| f.result.errs.as_mut()) else {
                    continue;
                };
                let hit = errs.iter().position(|e| {
                    let (field, container) = identity(e, container_level, pod);
                    // A container field also needs the same container name
                    // (Go compares with an empty name when the excluded
                    // error is not in a container).
                    field == ex_field
                        && container.is_none_or(|a| a == ex_container.as_deref().unwrap_or(""))
                });
                if let Some(idx) = hit {
                    // Go removes by moving the last error into the hole.
                    errs.swap_remove(idx);
                }
                if errs.is_empty() {
                    failures.remove(pos);
                }
            }
        }
    }
}
