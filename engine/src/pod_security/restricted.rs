//! The restricted-level checks of pod-security-admission (Kyverno's fork,
//! `policy/check_*.go`), with field errors.

use std::collections::BTreeSet;

use serde_json::Value;

use super::baseline::valid_seccomp;
use super::field::{BadValue, FieldError};
use super::pod::{container_sc, name, obj, str_of, strings, Pod};
use super::{
    containers_phrase, join_quote, pluralize, security_context_setters, CheckResult, Violations,
};

/// `allowPrivilegeEscalation`: v1.8, and v1.25 which exempts Windows pods.
pub fn allow_privilege_escalation(pod: &Pod, v1_25: bool) -> Option<CheckResult> {
    if v1_25 && pod.is_windows() {
        return None;
    }
    let mut bad = Violations::default();
    for (path, c) in pod.containers() {
        let field = format!("{path}.securityContext.allowPrivilegeEscalation");
        match container_sc(c) {
            None => bad.add(name(c), vec![FieldError::required(field)]),
            Some(sc) => match obj(sc, "allowPrivilegeEscalation") {
                None => bad.add(
                    name(c),
                    vec![FieldError::forbidden(field, BadValue::Str("nil".into()))],
                ),
                Some(v) if v.as_bool() == Some(true) => bad.add(
                    name(c),
                    vec![FieldError::forbidden(field, BadValue::Bool(true))],
                ),
                Some(_) => {}
            },
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "allowPrivilegeEscalation != false".into(),
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad.data)
        ),
        bad.errs,
    ))
}

/// `capabilities_restricted`: v1.22, and v1.25 which exempts Windows pods.
pub fn capabilities_restricted(pod: &Pod, v1_25: bool) -> Option<CheckResult> {
    if v1_25 && pod.is_windows() {
        return None;
    }
    let mut forbidden_caps = BTreeSet::new();
    let mut missing_drop = Violations::default();
    let mut adding = Violations::default();
    for (path, c) in pod.containers() {
        let drop_field = format!("{path}.securityContext.capabilities.drop");
        let Some(caps) = container_sc(c).and_then(|sc| obj(sc, "capabilities")) else {
            missing_drop.add(name(c), vec![FieldError::required(drop_field)]);
            continue;
        };
        let drop = strings(caps.get("drop"));
        let drop_len = caps
            .get("drop")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if !drop.iter().any(|d| d == "ALL") {
            let err = if drop_len > 0 {
                let set: BTreeSet<String> = drop.into_iter().collect();
                FieldError::forbidden(drop_field, BadValue::List(set.into_iter().collect()))
            } else {
                FieldError::required(drop_field)
            };
            missing_drop.add(name(c), vec![err]);
        }
        let added: BTreeSet<String> = strings(caps.get("add"))
            .into_iter()
            .filter(|a| a != "NET_BIND_SERVICE")
            .collect();
        if !added.is_empty() {
            forbidden_caps.extend(added.iter().cloned());
            adding.add(
                name(c),
                vec![FieldError::forbidden(
                    format!("{path}.securityContext.capabilities.add"),
                    BadValue::List(added.into_iter().collect()),
                )],
            );
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop.data)
        ));
    }
    if !adding.is_empty() {
        let caps: Vec<String> = forbidden_caps.into_iter().collect();
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding.data),
            join_quote(&caps)
        ));
    }
    if details.is_empty() {
        return None;
    }
    let mut errs = missing_drop.errs;
    errs.extend(adding.errs);
    Some(CheckResult::new(
        "unrestricted capabilities".into(),
        details.join("; "),
        errs,
    ))
}

/// The volume sources the restricted level allows.
const ALLOWED_VOLUMES: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The restricted volume sources, in the order the check tests them.
const RESTRICTED_VOLUMES: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

/// `restrictedVolumes` (v1.0).
pub fn restricted_volumes(pod: &Pod) -> Option<CheckResult> {
    let mut bad = Violations::default();
    let mut types = BTreeSet::new();
    let volumes = pod.spec.get("volumes").and_then(Value::as_array);
    for (i, vol) in volumes.into_iter().flatten().enumerate() {
        if ALLOWED_VOLUMES.iter().any(|k| obj(vol, k).is_some()) {
            continue;
        }
        let t = RESTRICTED_VOLUMES
            .iter()
            .find(|k| obj(vol, k).is_some())
            .copied()
            .unwrap_or("unknown");
        types.insert(t);
        bad.add(
            name(vol),
            vec![FieldError::forbidden(
                format!("spec.volumes[{i}].{t}"),
                BadValue::Str(String::new()),
            )],
        );
    }
    if bad.is_empty() {
        return None;
    }
    let types: Vec<String> = types.into_iter().map(str::to_string).collect();
    Some(CheckResult::new(
        "restricted volume types".into(),
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad.data),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
        bad.errs,
    ))
}

/// `runAsNonRoot` (v1.0).
pub fn run_as_non_root(pod: &Pod) -> Option<CheckResult> {
    let mut bad_setters = Violations::default();
    let mut pod_non_root = false;
    if let Some(v) = pod
        .security_context()
        .and_then(|sc| obj(sc, "runAsNonRoot"))
    {
        if v.as_bool() == Some(true) {
            pod_non_root = true;
        } else {
            bad_setters.add(
                "pod",
                vec![FieldError::forbidden(
                    "spec.securityContext.runAsNonRoot".into(),
                    BadValue::Bool(false),
                )],
            );
        }
    }
    let mut explicit = Vec::new();
    let mut explicit_errs = Vec::new();
    let mut implicit = Violations::default();
    for (path, c) in pod.containers() {
        let field = format!("{path}.securityContext.runAsNonRoot");
        match container_sc(c).and_then(|sc| obj(sc, "runAsNonRoot")) {
            Some(v) if v.as_bool() != Some(true) => {
                explicit.push(name(c));
                explicit_errs.push(FieldError::forbidden(field, BadValue::Bool(false)));
            }
            Some(_) => {}
            None if !pod_non_root => implicit.add(name(c), vec![FieldError::required(field)]),
            None => {}
        }
    }
    if !explicit.is_empty() {
        bad_setters.add(containers_phrase(&explicit), explicit_errs);
    }
    let mut details = Vec::new();
    let mut errs = Vec::new();
    if !bad_setters.is_empty() {
        details.push(format!(
            "{} must not set securityContext.runAsNonRoot=false",
            bad_setters.data.join(" and ")
        ));
        errs.extend(bad_setters.errs);
    }
    if !implicit.is_empty() {
        details.push(format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit.data)
        ));
        errs.extend(implicit.errs);
    }
    if details.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "runAsNonRoot != true".into(),
        details.join("\n"),
        errs,
    ))
}

/// Is `runAsUser` set to 0 in this security context?
fn runs_as_root(sc: Option<&Value>) -> bool {
    sc.and_then(|sc| obj(sc, "runAsUser"))
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
        == Some(0)
}

/// `runAsUser` (v1.23; Kyverno applies it at every version).
pub fn run_as_user(pod: &Pod) -> Option<CheckResult> {
    let bad_setters = security_context_setters(pod, "runAsUser", BadValue::Int(0), runs_as_root);
    if bad_setters.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "runAsUser=0".into(),
        format!(
            "{} must not set runAsUser=0",
            bad_setters.data.join(" and ")
        ),
        bad_setters.errs,
    ))
}

/// `seccompProfile_restricted`: v1.19, and v1.25 which exempts Windows
/// pods.
pub fn seccomp_profile_restricted(pod: &Pod, v1_25: bool) -> Option<CheckResult> {
    if v1_25 && pod.is_windows() {
        return None;
    }
    let mut bad_setters = Violations::default();
    let mut bad_values = BTreeSet::new();
    let mut pod_set = false;
    if let Some(p) = pod
        .security_context()
        .and_then(|sc| obj(sc, "seccompProfile"))
    {
        let t = str_of(p, "type");
        if valid_seccomp(t) {
            pod_set = true;
        } else {
            bad_setters.add(
                "pod",
                vec![FieldError::forbidden(
                    "spec.securityContext.seccompProfile.type".into(),
                    BadValue::Str(t.into()),
                )],
            );
            bad_values.insert(t.to_string());
        }
    }
    let mut explicit = Vec::new();
    let mut explicit_errs = Vec::new();
    let mut implicit = Violations::default();
    for (path, c) in pod.containers() {
        let field = format!("{path}.securityContext.seccompProfile.type");
        match container_sc(c).and_then(|sc| obj(sc, "seccompProfile")) {
            Some(p) => {
                let t = str_of(p, "type");
                if !valid_seccomp(t) {
                    explicit.push(name(c));
                    explicit_errs.push(FieldError::forbidden(field, BadValue::Str(t.into())));
                    bad_values.insert(t.to_string());
                }
            }
            None if !pod_set => implicit.add(name(c), vec![FieldError::required(field)]),
            None => {}
        }
    }
    if !explicit.is_empty() {
        bad_setters.add(containers_phrase(&explicit), explicit_errs);
    }
    if !bad_setters.is_empty() {
        let values: Vec<String> = bad_values.into_iter().collect();
        return Some(CheckResult::new(
            "seccompProfile".into(),
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                bad_setters.data.join(" and "),
                join_quote(&values)
            ),
            bad_setters.errs,
        ));
    }
    if implicit.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "seccompProfile".into(),
        format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&implicit.data)
        ),
        implicit.errs,
    ))
}
