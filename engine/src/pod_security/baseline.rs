//! The baseline-level checks of pod-security-admission (Kyverno's fork,
//! `policy/check_*.go`), with field errors.

use std::collections::BTreeSet;

use serde_json::Value;

use super::field::{go_quote, BadValue, FieldError};
use super::pod::{container_sc, is_true, name, obj, str_of, strings, Pod};
use super::{
    containers_phrase, join_quote, pluralize, security_context_setters, CheckResult, Violations,
};

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The pod and containers whose `securityContext.<field>.type` is not
/// allowed (the AppArmor and seccomp profile checks), and the bad types.
fn profile_type_violations(
    pod: &Pod,
    field: &str,
    allowed: impl Fn(&str) -> bool,
) -> (Violations, BTreeSet<String>) {
    let mut bad_setters = Violations::default();
    let mut bad_values = BTreeSet::new();
    if let Some(p) = pod.security_context().and_then(|sc| obj(sc, field)) {
        let t = str_of(p, "type");
        if !allowed(t) {
            bad_setters.add(
                "pod",
                vec![FieldError::forbidden(
                    format!("spec.securityContext.{field}.type"),
                    BadValue::Str(t.into()),
                )],
            );
            bad_values.insert(t.to_string());
        }
    }
    let mut bad_containers = Vec::new();
    let mut errs = Vec::new();
    for (path, c) in pod.containers() {
        if let Some(p) = container_sc(c).and_then(|sc| obj(sc, field)) {
            let t = str_of(p, "type");
            if !allowed(t) {
                bad_containers.push(name(c));
                errs.push(FieldError::forbidden(
                    format!("{path}.securityContext.{field}.type"),
                    BadValue::Str(t.into()),
                ));
                bad_values.insert(t.to_string());
            }
        }
    }
    if !bad_containers.is_empty() {
        bad_setters.add(containers_phrase(&bad_containers), errs);
    }
    (bad_setters, bad_values)
}

/// `appArmorProfile` (v1.0).
pub fn app_armor_profile(pod: &Pod) -> Option<CheckResult> {
    let allowed_type = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let (mut bad_setters, bad_values) =
        profile_type_violations(pod, "appArmorProfile", allowed_type);
    let mut annotations = Vec::new();
    let mut annotation_errs = Vec::new();
    for (k, v) in pod.annotations() {
        let allowed = v.is_empty() || v == "runtime/default" || v.starts_with("localhost/");
        if k.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed {
            annotations.push(format!("{k}={}", go_quote(v)));
            annotation_errs.push(FieldError::forbidden(
                format!("metadata.annotations[{k}]"),
                BadValue::Str(v.into()),
            ));
        }
    }
    let mut bad_value_list: Vec<String> = bad_values.into_iter().collect();
    if !annotations.is_empty() {
        annotations.sort();
        let n = annotations.len();
        bad_value_list.extend(annotations);
        bad_setters.add(pluralize("annotation", "annotations", n), annotation_errs);
    }
    if bad_setters.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            bad_value_list.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            bad_setters.data.join(" and "),
            join_quote(&bad_value_list)
        ),
        bad_setters.errs,
    ))
}

const CAPABILITIES_ALLOWED: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// `capabilities_baseline` (v1.0).
pub fn capabilities_baseline(pod: &Pod) -> Option<CheckResult> {
    let mut bad = Violations::default();
    let mut non_default = BTreeSet::new();
    for (path, c) in pod.containers() {
        let Some(caps) = container_sc(c).and_then(|sc| obj(sc, "capabilities")) else {
            continue;
        };
        let forbidden: BTreeSet<String> = strings(caps.get("add"))
            .into_iter()
            .filter(|c| !CAPABILITIES_ALLOWED.contains(&c.as_str()))
            .collect();
        if !forbidden.is_empty() {
            non_default.extend(forbidden.iter().cloned());
            bad.add(
                name(c),
                vec![FieldError::forbidden(
                    format!("{path}.securityContext.capabilities.add"),
                    BadValue::List(forbidden.into_iter().collect()),
                )],
            );
        }
    }
    if bad.is_empty() {
        return None;
    }
    let non_default: Vec<String> = non_default.into_iter().collect();
    Some(CheckResult::new(
        "non-default capabilities".into(),
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad.data),
            join_quote(&non_default)
        ),
        bad.errs,
    ))
}

/// `hostNamespaces` (v1.0).
pub fn host_namespaces(pod: &Pod) -> Option<CheckResult> {
    let mut v = Violations::default();
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        if is_true(&pod.spec, key) {
            v.add(
                format!("{key}=true"),
                vec![FieldError::forbidden(
                    format!("spec.{key}"),
                    BadValue::Bool(true),
                )],
            );
        }
    }
    if v.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "host namespaces".into(),
        v.data.join(", "),
        v.errs,
    ))
}

fn volumes(pod: &Pod) -> &[Value] {
    pod.spec
        .get("volumes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// `hostPathVolumes` (v1.0).
pub fn host_path_volumes(pod: &Pod) -> Option<CheckResult> {
    let mut v = Violations::default();
    for (i, vol) in volumes(pod).iter().enumerate() {
        if let Some(hp) = obj(vol, "hostPath") {
            v.add(
                name(vol),
                vec![FieldError::forbidden(
                    format!("spec.volumes[{i}].hostPath"),
                    BadValue::Str(str_of(hp, "path").into()),
                )],
            );
        }
    }
    if v.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "hostPath volumes".into(),
        format!(
            "{} {}",
            pluralize("volume", "volumes", v.len()),
            join_quote(&v.data)
        ),
        v.errs,
    ))
}

/// An integer field as Go's int32 decoding reads it (0 when absent).
fn int_of(v: &Value, key: &str) -> i64 {
    v.get(key)
        .and_then(|x| x.as_i64().or_else(|| x.as_f64().map(|f| f as i64)))
        .unwrap_or(0)
}

/// `hostPorts` (v1.0).
pub fn host_ports(pod: &Pod) -> Option<CheckResult> {
    let mut bad = Violations::default();
    let mut ports = BTreeSet::new();
    for (path, c) in pod.containers() {
        let mut errs = Vec::new();
        if let Some(list) = c.get("ports").and_then(Value::as_array) {
            for (i, p) in list.iter().enumerate() {
                let hp = int_of(p, "hostPort");
                if hp != 0 {
                    ports.insert(hp.to_string());
                    errs.push(FieldError::forbidden(
                        format!("{path}.ports[{i}].hostPort"),
                        BadValue::Int(hp),
                    ));
                }
            }
        }
        if !errs.is_empty() {
            bad.add(name(c), errs);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let ports: Vec<String> = ports.into_iter().collect();
    Some(CheckResult::new(
        "hostPort".into(),
        format!(
            "{} {} {} {}",
            containers_phrase(&bad.data),
            pluralize("uses", "use", bad.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        bad.errs,
    ))
}

/// The non-empty `host`s of a probe or lifecycle handler.
fn handler_hosts(h: Option<&Value>) -> Vec<String> {
    let Some(h) = h.filter(|h| !h.is_null()) else {
        return Vec::new();
    };
    ["httpGet", "tcpSocket"]
        .iter()
        .filter_map(|k| obj(h, k))
        .map(|x| str_of(x, "host").to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `hostProbesAndHostLifecycle` (v1.34; Kyverno applies it at every
/// version). It reports no field errors.
pub fn host_probes_and_lifecycle(pod: &Pod) -> Option<CheckResult> {
    let mut bad_containers = BTreeSet::new();
    let mut forbidden = BTreeSet::new();
    for (_, c) in pod.containers() {
        let lifecycle = obj(c, "lifecycle");
        let handlers = [
            c.get("livenessProbe"),
            c.get("readinessProbe"),
            c.get("startupProbe"),
            lifecycle.and_then(|l| l.get("postStart")),
            lifecycle.and_then(|l| l.get("preStop")),
        ];
        for h in handlers {
            let hosts = handler_hosts(h);
            if !hosts.is_empty() {
                bad_containers.insert(name(c));
                forbidden.extend(hosts);
            }
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let containers: Vec<String> = bad_containers.into_iter().collect();
    let hosts: Vec<String> = forbidden.into_iter().collect();
    Some(CheckResult {
        reason: "probe or lifecycle host".into(),
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&containers),
            pluralize("uses", "use", containers.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
        errs: None,
    })
}

/// `privileged` (v1.0).
pub fn privileged(pod: &Pod) -> Option<CheckResult> {
    let mut bad = Violations::default();
    for (path, c) in pod.containers() {
        if container_sc(c).is_some_and(|sc| is_true(sc, "privileged")) {
            bad.add(
                name(c),
                vec![FieldError::forbidden(
                    format!("{path}.securityContext.privileged"),
                    BadValue::Bool(true),
                )],
            );
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "privileged".into(),
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad.data)
        ),
        bad.errs,
    ))
}

/// `procMount` (v1.0).
pub fn proc_mount(pod: &Pod) -> Option<CheckResult> {
    let mut bad = Violations::default();
    let mut types = BTreeSet::new();
    for (path, c) in pod.containers() {
        let Some(pm) = container_sc(c).and_then(|sc| obj(sc, "procMount")) else {
            continue;
        };
        let pm = pm.as_str().unwrap_or("");
        if pm != "Default" {
            bad.add(
                name(c),
                vec![FieldError::forbidden(
                    format!("{path}.securityContext.procMount"),
                    BadValue::Str(pm.into()),
                )],
            );
            types.insert(pm.to_string());
        }
    }
    if bad.is_empty() {
        return None;
    }
    let types: Vec<String> = types.into_iter().collect();
    Some(CheckResult::new(
        "procMount".into(),
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad.data),
            join_quote(&types)
        ),
        bad.errs,
    ))
}

/// `seLinuxOptions`: v1.0, and v1.31 which also allows
/// `container_engine_t`.
pub fn se_linux_options(pod: &Pod, v1_31: bool) -> Option<CheckResult> {
    let allowed = |t: &str| {
        matches!(
            t,
            "" | "container_t" | "container_init_t" | "container_kvm_t"
        ) || (v1_31 && t == "container_engine_t")
    };
    let mut bad_types = BTreeSet::new();
    let (mut set_user, mut set_role) = (false, false);
    // Checks one seLinuxOptions block, pushing its field errors under `base`.
    let mut check = |opts: &Value, base: &str, errs: &mut Vec<FieldError>| -> bool {
        let mut valid = true;
        let t = str_of(opts, "type");
        if !allowed(t) {
            valid = false;
            bad_types.insert(t.to_string());
            errs.push(FieldError::forbidden(
                format!("{base}.seLinuxOptions.type"),
                BadValue::Str(t.into()),
            ));
        }
        for (key, flag) in [("user", &mut set_user), ("role", &mut set_role)] {
            let v = str_of(opts, key);
            if !v.is_empty() {
                valid = false;
                *flag = true;
                errs.push(FieldError::forbidden(
                    format!("{base}.seLinuxOptions.{key}"),
                    BadValue::Str(v.into()),
                ));
            }
        }
        valid
    };
    let mut bad_setters = Violations::default();
    if let Some(o) = pod
        .security_context()
        .and_then(|sc| obj(sc, "seLinuxOptions"))
    {
        let mut errs = Vec::new();
        if !check(o, "spec.securityContext", &mut errs) {
            bad_setters.add("pod", errs);
        }
    }
    let mut bad_containers = Vec::new();
    let mut container_errs = Vec::new();
    for (path, c) in pod.containers() {
        if let Some(o) = container_sc(c).and_then(|sc| obj(sc, "seLinuxOptions")) {
            if !check(o, &format!("{path}.securityContext"), &mut container_errs) {
                bad_containers.push(name(c));
            }
        }
    }
    if !bad_containers.is_empty() {
        bad_setters.add(containers_phrase(&bad_containers), container_errs);
    }
    if bad_setters.is_empty() {
        return None;
    }
    let mut bad_data = Vec::new();
    if !bad_types.is_empty() {
        let types: Vec<String> = bad_types.into_iter().collect();
        bad_data.push(format!(
            "{} {}",
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ));
    }
    if set_user {
        bad_data.push("user may not be set".to_string());
    }
    if set_role {
        bad_data.push("role may not be set".to_string());
    }
    Some(CheckResult::new(
        "seLinuxOptions".into(),
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            bad_setters.data.join(" and "),
            bad_data.join("; ")
        ),
        bad_setters.errs,
    ))
}

/// `RuntimeDefault` or `Localhost`.
pub fn valid_seccomp(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

/// `seccompProfile_baseline` (v1.19; the v1.0 annotation form is never
/// selected for the versions a policy may name).
pub fn seccomp_profile_baseline(pod: &Pod) -> Option<CheckResult> {
    let (bad_setters, bad_values) = profile_type_violations(pod, "seccompProfile", valid_seccomp);
    if bad_setters.is_empty() {
        return None;
    }
    let values: Vec<String> = bad_values.into_iter().collect();
    Some(CheckResult::new(
        "seccompProfile".into(),
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            bad_setters.data.join(" and "),
            join_quote(&values)
        ),
        bad_setters.errs,
    ))
}

const SYSCTLS_V1_0: [&str; 5] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_V1_27: [&str; 1] = ["net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_V1_29: [&str; 4] = [
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_V1_32: [&str; 2] = ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];

/// `sysctls`: the allowed set grows at v1.27, v1.29 and v1.32 (`minor` is
/// the selected implementation's minimum version).
pub fn sysctls(pod: &Pod, minor: u64) -> Option<CheckResult> {
    let allowed = |n: &str| {
        SYSCTLS_V1_0.contains(&n)
            || (minor >= 27 && SYSCTLS_V1_27.contains(&n))
            || (minor >= 29 && SYSCTLS_V1_29.contains(&n))
            || (minor >= 32 && SYSCTLS_V1_32.contains(&n))
    };
    let mut v = Violations::default();
    if let Some(list) = pod
        .security_context()
        .and_then(|sc| sc.get("sysctls"))
        .and_then(Value::as_array)
    {
        for (i, s) in list.iter().enumerate() {
            let n = str_of(s, "name");
            if !allowed(n) {
                v.add(
                    n,
                    vec![FieldError::forbidden(
                        format!("spec.securityContext.sysctls[{i}].name"),
                        BadValue::Str(n.into()),
                    )],
                );
            }
        }
    }
    if v.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "forbidden sysctls".into(),
        v.data.join(", "),
        v.errs,
    ))
}

/// `windowsHostProcess` (v1.0).
pub fn windows_host_process(pod: &Pod) -> Option<CheckResult> {
    let host_process = |sc: Option<&Value>| {
        sc.and_then(|sc| obj(sc, "windowsOptions"))
            .is_some_and(|w| is_true(w, "hostProcess"))
    };
    let setters = security_context_setters(
        pod,
        "windowsOptions.hostProcess",
        BadValue::Bool(true),
        host_process,
    );
    if setters.is_empty() {
        return None;
    }
    Some(CheckResult::new(
        "hostProcess".into(),
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.data.join(" and ")
        ),
        setters.errs,
    ))
}
