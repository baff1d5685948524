//! `validate.podSecurity`: each pod-security-admission check at each level
//! and at the versions where Kyverno's selection changes it, with a failing
//! and a passing Pod and Kyverno's exact message; then exclusions,
//! PolicyExceptions, controllers and bad input.

use serde_json::{json, Value};
use verno::{NoHost, Operation, PolicySet, Request, RuleStatus};

/// A JSON merge patch where `null` deletes the key.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else {
                    merge(b.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// A Pod that passes every restricted check, with `container` merged into
/// its only container, `spec` into its spec and `meta` into its metadata.
fn pod(container: Value, spec: Value, meta: Value) -> Value {
    let mut c = json!({
        "name": "c",
        "image": "nginx",
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "runAsNonRoot": true,
            "seccompProfile": {"type": "RuntimeDefault"},
            "capabilities": {"drop": ["ALL"]}
        }
    });
    merge(&mut c, &container);
    let mut p = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [c]}
    });
    merge(&mut p["spec"], &spec);
    merge(&mut p["metadata"], &meta);
    p
}

fn sc(v: Value) -> Value {
    json!({ "securityContext": v })
}

fn none() -> Value {
    json!({})
}

fn policy(level: &str, version: &str, extra: &str) -> String {
    format!(
        r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {{name: pss}}
spec:
  rules:
  - name: r
    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
    validate:
      podSecurity:
        level: {level}
        version: {version}
{extra}
"#
    )
}

/// The rule's status and message for one resource.
fn judge(policy_yaml: &str, resource: &Value) -> Option<(RuleStatus, String)> {
    let set = PolicySet::from_yaml(policy_yaml).expect("policy loads");
    let eval = set.evaluate(&Request::create(resource), &NoHost);
    eval.policies[0]
        .rules
        .first()
        .map(|r| (r.status, r.message.clone()))
}

struct Row {
    check: &'static str,
    level: &'static str,
    version: &'static str,
    bad: Value,
    good: Value,
    /// The checks part of the failure message.
    expected: &'static str,
}

fn row(
    check: &'static str,
    level: &'static str,
    version: &'static str,
    bad: Value,
    good: Value,
    expected: &'static str,
) -> Row {
    Row {
        check,
        level,
        version,
        bad,
        good,
        expected,
    }
}

fn windows() -> Value {
    json!({"os": {"name": "windows"}})
}

fn sysctl(name: &str) -> Value {
    json!({"securityContext": {"sysctls": [{"name": name, "value": "1"}]}})
}

fn table() -> Vec<Row> {
    vec![
        // allowPrivilegeEscalation: v1.8 judges Windows pods, v1.25 exempts them.
        row("allowPrivilegeEscalation", "restricted", "latest",
            pod(sc(json!({"allowPrivilegeEscalation": true})), none(), none()),
            pod(none(), none(), none()),
            "(Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: true])"),
        row("allowPrivilegeEscalation unset", "restricted", "latest",
            pod(sc(json!({"allowPrivilegeEscalation": null})), none(), none()),
            pod(sc(json!({"allowPrivilegeEscalation": false})), none(), none()),
            "(Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: nil])"),
        row("allowPrivilegeEscalation windows", "restricted", "v1.24",
            pod(sc(json!({"allowPrivilegeEscalation": null})), windows(), none()),
            pod(none(), windows(), none()),
            "(Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: nil])"),
        row("allowPrivilegeEscalation windows exempt", "restricted", "v1.25",
            pod(json!({"securityContext": {"allowPrivilegeEscalation": true, "privileged": true}}), windows(), none()),
            pod(sc(json!({"allowPrivilegeEscalation": true})), windows(), none()),
            "(Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"),
        // appArmorProfile
        row("appArmorProfile field", "baseline", "latest",
            pod(sc(json!({"appArmorProfile": {"type": "Unconfined"}})), none(), none()),
            pod(sc(json!({"appArmorProfile": {"type": "RuntimeDefault"}})), none(), none()),
            "(Forbidden reason: forbidden AppArmor profile, field error list: [spec.containers[0].securityContext.appArmorProfile.type is forbidden, forbidden values found: Unconfined])"),
        row("appArmorProfile annotation", "restricted", "latest",
            pod(none(), none(), json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}})),
            pod(none(), none(), json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "runtime/default"}})),
            "(Forbidden reason: forbidden AppArmor profile, field error list: [spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c] is forbidden, forbidden values found: unconfined])"),
        // capabilities_baseline, alone at baseline and with the restricted check above it.
        row("capabilities_baseline", "baseline", "latest",
            pod(sc(json!({"capabilities": {"add": ["SYS_TIME", "NET_ADMIN"]}})), none(), none()),
            pod(sc(json!({"capabilities": {"add": ["CHOWN"]}})), none(), none()),
            "(Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN SYS_TIME]])"),
        row("capabilities_baseline and restricted", "restricted", "latest",
            pod(sc(json!({"capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN"]}})), none(), none()),
            pod(sc(json!({"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}})), none(), none()),
            "(Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN]])(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN]])"),
        // capabilities_restricted: v1.22 (applied from v1.19 on), v1.25 exempts Windows.
        row("capabilities_restricted drop", "restricted", "latest",
            pod(sc(json!({"capabilities": {"drop": ["NET_RAW"]}})), none(), none()),
            pod(none(), none(), none()),
            "(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop is forbidden, forbidden values found: [NET_RAW]])"),
        row("capabilities_restricted add", "restricted", "latest",
            pod(sc(json!({"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "CHOWN"]}})), none(), none()),
            pod(sc(json!({"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}})), none(), none()),
            "(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [CHOWN]])"),
        row("capabilities_restricted before v1.22", "restricted", "v1.19",
            pod(sc(json!({"capabilities": null})), none(), none()),
            pod(none(), none(), none()),
            "(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value])"),
        row("capabilities_restricted windows", "restricted", "v1.24",
            pod(sc(json!({"capabilities": null})), windows(), none()),
            pod(none(), windows(), none()),
            "(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value])"),
        row("capabilities_restricted windows exempt", "restricted", "v1.25",
            pod(json!({"securityContext": {"capabilities": null, "privileged": true}}), windows(), none()),
            pod(sc(json!({"capabilities": null})), windows(), none()),
            "(Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"),
        // hostNamespaces
        row("hostNamespaces", "baseline", "latest",
            pod(none(), json!({"hostNetwork": true, "hostPID": true}), none()),
            pod(none(), json!({"hostNetwork": false}), none()),
            "(Forbidden reason: host namespaces, field error list: [spec.hostNetwork is forbidden, forbidden values found: true, spec.hostPID is forbidden, forbidden values found: true])"),
        // hostPathVolumes, and restrictedVolumes on the same volume.
        row("hostPathVolumes", "baseline", "latest",
            pod(none(), json!({"volumes": [{"name": "h", "hostPath": {"path": "/etc"}}]}), none()),
            pod(none(), json!({"volumes": [{"name": "e", "emptyDir": {}}]}), none()),
            "(Forbidden reason: hostPath volumes, field error list: [spec.volumes[0].hostPath is forbidden, forbidden values found: /etc])"),
        row("hostPathVolumes restricted", "restricted", "latest",
            pod(none(), json!({"volumes": [{"name": "h", "hostPath": {"path": "/etc"}}]}), none()),
            pod(none(), json!({"volumes": [{"name": "e", "emptyDir": {}}]}), none()),
            "(Forbidden reason: hostPath volumes, field error list: [spec.volumes[0].hostPath is forbidden, forbidden values found: /etc])(Forbidden reason: restricted volume types, field error list: [spec.volumes[0].hostPath: Forbidden])"),
        // hostPorts
        row("hostPorts", "baseline", "latest",
            pod(json!({"ports": [{"containerPort": 80, "hostPort": 8080}]}), none(), none()),
            pod(json!({"ports": [{"containerPort": 80, "hostPort": 0}]}), none(), none()),
            "(Forbidden reason: hostPort, field error list: [spec.containers[0].ports[0].hostPort is forbidden, forbidden values found: 8080])"),
        // hostProbesAndHostLifecycle: v1.34, which Kyverno applies at every version.
        row("hostProbesAndHostLifecycle", "baseline", "latest",
            pod(json!({"livenessProbe": {"httpGet": {"host": "evil.example", "port": 80}}}), none(), none()),
            pod(json!({"livenessProbe": {"httpGet": {"port": 80}}}), none(), none()),
            "(Forbidden reason: probe or lifecycle host, field error list: [])"),
        row("hostProbesAndHostLifecycle before v1.34", "restricted", "v1.19",
            pod(json!({"lifecycle": {"preStop": {"tcpSocket": {"host": "10.0.0.1", "port": 80}}}}), none(), none()),
            pod(json!({"lifecycle": {"preStop": {"tcpSocket": {"port": 80}}}}), none(), none()),
            "(Forbidden reason: probe or lifecycle host, field error list: [])"),
        // privileged, at every level (Kyverno runs all checks for `privileged`).
        row("privileged", "baseline", "latest",
            pod(sc(json!({"privileged": true})), none(), none()),
            pod(sc(json!({"privileged": false})), none(), none()),
            "(Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"),
        row("privileged level privileged", "privileged", "latest",
            pod(sc(json!({"privileged": true})), none(), none()),
            pod(none(), none(), none()),
            "(Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"),
        // procMount
        row("procMount", "baseline", "latest",
            pod(sc(json!({"procMount": "Unmasked"})), none(), none()),
            pod(sc(json!({"procMount": "Default"})), none(), none()),
            "(Forbidden reason: procMount, field error list: [spec.containers[0].securityContext.procMount is forbidden, forbidden values found: Unmasked])"),
        // restrictedVolumes
        row("restrictedVolumes", "restricted", "latest",
            pod(none(), json!({"volumes": [{"name": "n", "nfs": {"server": "s", "path": "/"}}]}), none()),
            pod(none(), json!({"volumes": [{"name": "s", "secret": {"secretName": "x"}}]}), none()),
            "(Forbidden reason: restricted volume types, field error list: [spec.volumes[0].nfs: Forbidden])"),
        row("restrictedVolumes unknown source", "restricted", "latest",
            pod(none(), json!({"volumes": [{"name": "x"}]}), none()),
            pod(none(), json!({"volumes": [{"name": "x", "image": {"reference": "busybox"}}]}), none()),
            "(Forbidden reason: restricted volume types, field error list: [spec.volumes[0].unknown: Forbidden])"),
        // runAsNonRoot
        row("runAsNonRoot false", "restricted", "latest",
            pod(sc(json!({"runAsNonRoot": false})), none(), none()),
            pod(none(), none(), none()),
            "(Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[0].securityContext.runAsNonRoot is forbidden, forbidden values found: false])"),
        row("runAsNonRoot unset", "restricted", "latest",
            pod(sc(json!({"runAsNonRoot": null})), none(), none()),
            pod(sc(json!({"runAsNonRoot": null})), json!({"securityContext": {"runAsNonRoot": true}}), none()),
            "(Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[0].securityContext.runAsNonRoot: Required value])"),
        // runAsUser: v1.23, which Kyverno applies from v1.19 on.
        row("runAsUser", "restricted", "latest",
            pod(sc(json!({"runAsUser": 0})), none(), none()),
            pod(sc(json!({"runAsUser": 1000})), none(), none()),
            "(Forbidden reason: runAsUser=0, field error list: [spec.containers[0].securityContext.runAsUser is forbidden, forbidden values found: 0])"),
        row("runAsUser before v1.23", "restricted", "v1.19",
            pod(none(), json!({"securityContext": {"runAsUser": 0}}), none()),
            pod(none(), json!({"securityContext": {"runAsUser": 1}}), none()),
            "(Forbidden reason: runAsUser=0, field error list: [spec.securityContext.runAsUser is forbidden, forbidden values found: 0])"),
        // seLinuxOptions: v1.31 allows container_engine_t.
        row("seLinuxOptions v1.30", "baseline", "v1.30",
            pod(sc(json!({"seLinuxOptions": {"type": "container_engine_t"}})), none(), none()),
            pod(sc(json!({"seLinuxOptions": {"type": "container_t"}})), none(), none()),
            "(Forbidden reason: seLinuxOptions, field error list: [spec.containers[0].securityContext.seLinuxOptions.type is forbidden, forbidden values found: container_engine_t])"),
        row("seLinuxOptions v1.31", "baseline", "v1.31",
            pod(sc(json!({"seLinuxOptions": {"user": "root"}})), none(), none()),
            pod(sc(json!({"seLinuxOptions": {"type": "container_engine_t"}})), none(), none()),
            "(Forbidden reason: seLinuxOptions, field error list: [spec.containers[0].securityContext.seLinuxOptions.user is forbidden, forbidden values found: root])"),
        // seccompProfile_baseline, alone and doubled by the restricted check.
        row("seccompProfile_baseline", "baseline", "v1.19",
            pod(sc(json!({"seccompProfile": {"type": "Unconfined"}})), none(), none()),
            pod(sc(json!({"seccompProfile": null})), none(), none()),
            "(Forbidden reason: seccompProfile, field error list: [spec.containers[0].securityContext.seccompProfile.type is forbidden, forbidden values found: Unconfined])"),
        row("seccompProfile_baseline restricted", "restricted", "latest",
            pod(none(), json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}), none()),
            pod(none(), json!({"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p"}}}), none()),
            "(Forbidden reason: seccompProfile, field error list: [spec.securityContext.seccompProfile.type is forbidden, forbidden values found: Unconfined])(Forbidden reason: seccompProfile, field error list: [spec.securityContext.seccompProfile.type is forbidden, forbidden values found: Unconfined])"),
        // seccompProfile_restricted: v1.19, v1.25 exempts Windows.
        row("seccompProfile_restricted", "restricted", "latest",
            pod(sc(json!({"seccompProfile": null})), none(), none()),
            pod(sc(json!({"seccompProfile": null})), json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}), none()),
            "(Forbidden reason: seccompProfile, field error list: [spec.containers[0].securityContext.seccompProfile.type: Required value])"),
        row("seccompProfile_restricted windows", "restricted", "v1.24",
            pod(sc(json!({"seccompProfile": null})), windows(), none()),
            pod(none(), windows(), none()),
            "(Forbidden reason: seccompProfile, field error list: [spec.containers[0].securityContext.seccompProfile.type: Required value])"),
        row("seccompProfile_restricted windows exempt", "restricted", "v1.25",
            pod(json!({"securityContext": {"seccompProfile": null, "privileged": true}}), windows(), none()),
            pod(sc(json!({"seccompProfile": null})), windows(), none()),
            "(Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"),
        // sysctls: the allowed set grows at v1.27, v1.29 and v1.32.
        row("sysctls", "baseline", "latest",
            pod(none(), sysctl("kernel.msgmax"), none()),
            pod(none(), sysctl("net.ipv4.tcp_syncookies"), none()),
            "(Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: kernel.msgmax])"),
        row("sysctls v1.26", "baseline", "v1.26",
            pod(none(), sysctl("net.ipv4.ip_local_reserved_ports"), none()),
            pod(none(), sysctl("net.ipv4.ip_unprivileged_port_start"), none()),
            "(Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: net.ipv4.ip_local_reserved_ports])"),
        row("sysctls v1.27", "baseline", "v1.27",
            pod(none(), sysctl("net.ipv4.tcp_keepalive_time"), none()),
            pod(none(), sysctl("net.ipv4.ip_local_reserved_ports"), none()),
            "(Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: net.ipv4.tcp_keepalive_time])"),
        row("sysctls v1.29", "baseline", "v1.29",
            pod(none(), sysctl("net.ipv4.tcp_rmem"), none()),
            pod(none(), sysctl("net.ipv4.tcp_keepalive_time"), none()),
            "(Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: net.ipv4.tcp_rmem])"),
        row("sysctls v1.32", "baseline", "v1.32",
            pod(none(), sysctl("net.ipv4.tcp_mem"), none()),
            pod(none(), sysctl("net.ipv4.tcp_rmem"), none()),
            "(Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: net.ipv4.tcp_mem])"),
        // windowsHostProcess
        row("windowsHostProcess", "baseline", "latest",
            pod(sc(json!({"windowsOptions": {"hostProcess": true}})), none(), none()),
            pod(sc(json!({"windowsOptions": {"hostProcess": false}})), none(), none()),
            "(Forbidden reason: hostProcess, field error list: [spec.containers[0].securityContext.windowsOptions.hostProcess is forbidden, forbidden values found: true])"),
    ]
}

#[test]
fn every_check_fails_and_passes_with_kyvernos_message_per_level_and_version() {
    let mut wrong = Vec::new();
    for r in table() {
        let p = policy(r.level, r.version, "");
        let want_fail = format!(
            "Validation rule 'r' failed. It violates PodSecurity \"{}:{}\": {}",
            r.level, r.version, r.expected
        );
        let bad = judge(&p, &r.bad);
        if bad != Some((RuleStatus::Fail, want_fail.clone())) {
            wrong.push(format!("{} bad: got {bad:?}\n want {want_fail}", r.check));
        }
        let good = judge(&p, &r.good);
        let want_pass = Some((RuleStatus::Pass, "Validation rule 'r' passed.".to_string()));
        if good != want_pass {
            wrong.push(format!("{} good: got {good:?}", r.check));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn baseline_level_ignores_restricted_checks() {
    let bare = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    let got = judge(&policy("baseline", "latest", ""), &bare);
    assert_eq!(
        got,
        Some((RuleStatus::Pass, "Validation rule 'r' passed.".into()))
    );
}

#[test]
fn several_failures_in_one_check_are_listed_in_one_group() {
    let mut p = pod(none(), none(), none());
    p["spec"]["containers"] = json!([
        {"name": "a", "image": "nginx", "securityContext": {"privileged": true}},
        {"name": "b", "image": "nginx"}
    ]);
    p["spec"]["initContainers"] =
        json!([{"name": "i", "image": "busybox", "securityContext": {"privileged": true}}]);
    let got = judge(&policy("baseline", "latest", ""), &p);
    assert_eq!(got, Some((RuleStatus::Fail,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:latest\": (Forbidden reason: privileged, field error list: [spec.initContainers[0].securityContext.privileged is forbidden, forbidden values found: true, spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])".into())));
}

#[test]
fn empty_version_prints_empty_and_means_latest() {
    let p = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: pss}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      podSecurity: {level: restricted}
"#;
    let got = judge(p, &pod(sc(json!({"capabilities": null})), none(), none()));
    assert_eq!(got, Some((RuleStatus::Fail,
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:\": (Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value])".into())));
}

fn two_containers() -> Value {
    let mut p = pod(none(), none(), none());
    p["spec"]["containers"] = json!([
        {"name": "web", "image": "ghcr.io/kyverno/test-nginx:1", "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}}},
        {"name": "cache", "image": "docker.io/redis:7", "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}}}
    ]);
    p
}

#[test]
fn exclude_by_images_removes_only_the_matching_containers_errors() {
    let extra = "        exclude:\n        - controlName: Capabilities\n          images: [ghcr.io/kyverno/test-nginx*]";
    let got = judge(&policy("restricted", "latest", extra), &two_containers());
    assert_eq!(got, Some((RuleStatus::Fail,
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": (Forbidden reason: unrestricted capabilities, field error list: [spec.containers[1].securityContext.capabilities.drop: Required value])".into())));
    let extra = "        exclude:\n        - controlName: Capabilities\n          images: [ghcr.io/kyverno/test-nginx*, '*redis*']";
    let got = judge(&policy("restricted", "latest", extra), &two_containers());
    assert_eq!(
        got,
        Some((RuleStatus::Pass, "Validation rule 'r' passed.".into()))
    );
}

#[test]
fn exclude_by_restricted_field_needs_every_bad_value_covered() {
    let extra = "        exclude:\n        - controlName: Sysctls\n          restrictedField: spec.securityContext.sysctls[*].name\n          values: [kernel.msg*]";
    let p = policy("baseline", "latest", extra);
    let got = judge(&p, &pod(none(), sysctl("kernel.msgmax"), none()));
    assert_eq!(
        got,
        Some((RuleStatus::Pass, "Validation rule 'r' passed.".into()))
    );
    let got = judge(&p, &pod(none(), sysctl("kernel.shmmax"), none()));
    assert_eq!(got, Some((RuleStatus::Fail,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:latest\": (Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: kernel.shmmax])".into())));
}

fn with_exception(policy_yaml: &str, exception_spec: &str) -> String {
    format!(
        "{policy_yaml}---\napiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {{name: ex, namespace: default}}\nspec:\n  exceptions: [{{policyName: pss, ruleNames: [r]}}]\n  match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n{exception_spec}"
    )
}

#[test]
fn exception_controls_covering_every_failure_skip_with_a_space_before_the_keys() {
    let p = with_exception(
        &policy("restricted", "latest", ""),
        "  podSecurity:\n  - controlName: Capabilities\n    images: ['*']\n",
    );
    let got = judge(&p, &two_containers());
    assert_eq!(
        got,
        Some((
            RuleStatus::Skip,
            "rule is skipped due to policy exceptions default/ex".into()
        ))
    );
}

#[test]
fn exception_controls_not_covering_every_failure_leave_a_failure() {
    let p = with_exception(
        &policy("restricted", "latest", ""),
        "  podSecurity:\n  - controlName: Capabilities\n    images: ['*nginx*']\n",
    );
    let got = judge(&p, &two_containers());
    assert_eq!(got, Some((RuleStatus::Fail,
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": (Forbidden reason: unrestricted capabilities, field error list: [spec.containers[1].securityContext.capabilities.drop: Required value])".into())));
}

#[test]
fn exception_without_controls_skips_the_rule_with_the_singular_message() {
    let p = with_exception(&policy("restricted", "latest", ""), "");
    let got = judge(&p, &two_containers());
    assert_eq!(
        got,
        Some((
            RuleStatus::Skip,
            "rule is skipped due to policy exception default/ex".into()
        ))
    );
}

const CONTROLLER_POLICY: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: pss}
spec:
  rules:
  - name: restricted
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      podSecurity: {level: restricted, version: latest}
"#;

#[test]
fn controllers_are_judged_by_their_pod_template_through_autogen() {
    let template = pod(sc(json!({"capabilities": null})), none(), none());
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default"},
        "spec": {"template": {"metadata": {}, "spec": template["spec"]}}});
    let set = PolicySet::from_yaml(CONTROLLER_POLICY).unwrap();
    let eval = set.evaluate(&Request::create(&deploy), &NoHost);
    let r = &eval.policies[0].rules[0];
    assert_eq!(r.name, "autogen-restricted");
    assert_eq!(r.message, "Validation rule 'autogen-restricted' failed. It violates PodSecurity \"restricted:latest\": (Forbidden reason: unrestricted capabilities, field error list: [spec.template.spec.containers[0].securityContext.capabilities.drop: Required value])");
    let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "c", "namespace": "default"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": template["spec"]}}}}});
    let eval = set.evaluate(&Request::create(&cron), &NoHost);
    let r = &eval.policies[0].rules[0];
    assert_eq!(r.name, "autogen-cronjob-restricted");
    assert_eq!(r.message, "Validation rule 'autogen-cronjob-restricted' failed. It violates PodSecurity \"restricted:latest\": (Forbidden reason: unrestricted capabilities, field error list: [spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.drop: Required value])");
}

#[test]
fn a_kind_without_a_pod_is_an_error() {
    let p = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: pss}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Service]}}]}
    validate:
      podSecurity: {level: baseline, version: latest}
"#;
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "default"}});
    assert_eq!(
        judge(p, &svc),
        Some((
            RuleStatus::Error,
            "Error while getting new resource: could not find correct resource type".into()
        ))
    );
}

#[test]
fn delete_requests_get_no_result() {
    let set = PolicySet::from_yaml(&policy("baseline", "latest", "")).unwrap();
    let bad = pod(sc(json!({"privileged": true})), none(), none());
    let mut req = Request::create(&bad);
    req.operation = Operation::Delete;
    let eval = set.evaluate(&req, &NoHost);
    assert!(eval.policies[0].rules.is_empty());
}

#[test]
fn unknown_control_name_is_a_load_error_naming_policy_rule_and_field() {
    let extra = "        exclude:\n        - controlName: Bogus\n          images: ['*']";
    let err = PolicySet::from_yaml(&policy("restricted", "latest", extra)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("policy pss"), "{text}");
    assert!(text.contains("rule r"), "{text}");
    assert!(
        text.contains("spec.rules[0].validate.podSecurity.exclude[0].controlName"),
        "{text}"
    );
    assert!(text.contains("Unsupported value: \"Bogus\""), "{text}");
}

#[test]
fn container_level_control_without_images_is_rejected_with_kyvernos_message() {
    let extra = "        exclude:\n        - controlName: Capabilities";
    let err = PolicySet::from_yaml(&policy("restricted", "latest", extra)).unwrap_err();
    assert!(err.to_string().contains("spec.rules[0].podSecurity.exclude[0].controlName: Invalid value: \"Capabilities\": exclude.images must be specified for the container level control"), "{err}");
}

#[test]
fn restricted_control_under_a_baseline_rule_is_rejected() {
    let extra = "        exclude:\n        - controlName: Volume Types";
    let err = PolicySet::from_yaml(&policy("baseline", "latest", extra)).unwrap_err();
    assert!(err.to_string().contains("spec.rules[0].podSecurity.exclude[0].controlName: Invalid value: \"Volume Types\": Invalid control name defined at the given level"), "{err}");
}

#[test]
fn a_field_of_the_wrong_type_is_an_error_not_a_pass() {
    let p = policy("baseline", "latest", "");
    let bad = pod(sc(json!({"privileged": "true"})), none(), none());
    assert_eq!(judge(&p, &bad), Some((RuleStatus::Error,
        "Error while getting new resource: json: cannot unmarshal string into Go struct field SecurityContext.spec.containers.securityContext.privileged of type bool".into())));
    let bad = pod(json!({"ports": [{"hostPort": 1.5}]}), none(), none());
    assert_eq!(judge(&p, &bad), Some((RuleStatus::Error,
        "Error while getting new resource: json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.hostPort of type int32".into())));
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default"},
        "spec": {"template": {"spec": {"hostNetwork": "yes", "containers": [{"name": "c", "image": "nginx"}]}}}});
    let set = PolicySet::from_yaml(&p).unwrap();
    let eval = set.evaluate(&Request::create(&deploy), &NoHost);
    let r = &eval.policies[0].rules[0];
    assert_eq!((r.status, r.message.as_str()), (RuleStatus::Error,
        "Error while getting new resource: json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.hostNetwork of type bool"));
}

#[test]
fn whole_float_numbers_decode_as_integers() {
    // The CLI reads YAML numbers as float64; Go re-encodes 8080.0 as 8080.
    let bad = pod(json!({"ports": [{"hostPort": 8080.0}]}), none(), none());
    assert_eq!(judge(&policy("baseline", "latest", ""), &bad), Some((RuleStatus::Fail,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:latest\": (Forbidden reason: hostPort, field error list: [spec.containers[0].ports[0].hostPort is forbidden, forbidden values found: 8080])".into())));
}

/// The report result (`verno::report::result_entry`) of the only rule.
fn report_result(policy_yaml: &str, resource: &Value) -> Value {
    let set = PolicySet::from_yaml(policy_yaml).expect("policy loads");
    let eval = set.evaluate(&Request::create(resource), &NoHost);
    let pr = &eval.policies[0];
    verno::report::result_entry(pr, &pr.rules[0], resource, &Default::default())
}

#[test]
fn failing_pod_security_result_carries_standard_version_and_controls_properties() {
    let mut p = two_containers();
    p["spec"]["hostNetwork"] = json!(true);
    let got = report_result(&policy("restricted", "v1.29", ""), &p);
    assert_eq!(
        got["properties"],
        json!({
            "controls": "capabilities_restricted,hostNamespaces",
            "controlsJSON": "[{\"ID\":\"capabilities_restricted\",\"Name\":\"Capabilities\",\"Images\":[\"ghcr.io/kyverno/test-nginx:1\",\"docker.io/redis:7\"]},{\"ID\":\"hostNamespaces\",\"Name\":\"Host Namespaces\",\"Images\":null}]",
            "process": "background scan",
            "standard": "restricted",
            "version": "v1.29"
        })
    );
}

#[test]
fn pod_security_controls_json_names_the_container_when_its_image_is_unknown() {
    // A check whose detail names a container without an image falls back
    // to the container's name (`getImageReference`).
    let mut p = pod(sc(json!({"runAsNonRoot": null})), none(), none());
    p["spec"]["containers"][0]["image"] = json!("");
    let got = report_result(&policy("restricted", "latest", ""), &p);
    assert_eq!(
        got["properties"]["controlsJSON"],
        json!("[{\"ID\":\"runAsNonRoot\",\"Name\":\"Running as Non-root\",\"Images\":[\"c\"]}]")
    );
}

#[test]
fn passing_pod_security_result_has_no_control_properties() {
    let got = report_result(
        &policy("restricted", "latest", ""),
        &pod(none(), none(), none()),
    );
    assert_eq!(got["properties"], json!({"process": "background scan"}));
}

#[test]
fn pod_security_skipped_by_exceptions_lists_their_names_in_the_exceptions_property() {
    let p = with_exception(
        &policy("restricted", "latest", ""),
        "  podSecurity:\n  - controlName: Capabilities\n    images: ['*']\n",
    );
    let got = report_result(&p, &two_containers());
    assert_eq!(got["result"], json!("skip"));
    assert_eq!(
        got["properties"],
        json!({"exceptions": "ex", "process": "background scan"})
    );
    let p = with_exception(&policy("restricted", "latest", ""), "");
    let got = report_result(&p, &two_containers());
    assert_eq!(
        got["properties"],
        json!({"exceptions": "ex", "process": "background scan"})
    );
}

/// Every check ID `pod_security` runs (pod-security-admission's, as
/// Kyverno's fork registers them).
const CHECK_IDS: [&str; 18] = [
    "allowPrivilegeEscalation",
    "appArmorProfile",
    "capabilities_baseline",
    "capabilities_restricted",
    "hostNamespaces",
    "hostPathVolumes",
    "hostPorts",
    "hostProbesAndHostLifecycle",
    "privileged",
    "procMount",
    "restrictedVolumes",
    "runAsNonRoot",
    "runAsUser",
    "seLinuxOptions",
    "seccompProfile_baseline",
    "seccompProfile_restricted",
    "sysctls",
    "windowsHostProcess",
];

#[test]
fn the_table_has_a_failing_and_passing_pod_for_every_check() {
    let rows = table();
    let missing: Vec<&str> = CHECK_IDS
        .iter()
        .copied()
        .filter(|id| !rows.iter().any(|r| r.check.split(' ').next() == Some(*id)))
        .collect();
    assert!(missing.is_empty(), "checks without a row: {missing:?}");
}

#[test]
fn every_baseline_row_also_fails_at_the_restricted_and_privileged_levels() {
    let mut wrong = Vec::new();
    for r in table().into_iter().filter(|r| r.level == "baseline") {
        for level in ["restricted", "privileged"] {
            let got = judge(&policy(level, r.version, ""), &r.bad);
            let ok = matches!(&got, Some((RuleStatus::Fail, m)) if m.contains(r.expected));
            if !ok {
                wrong.push(format!("{} at {level}: {got:?}", r.check));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn restricted_only_rows_pass_at_the_baseline_level() {
    // A restricted row whose bad Pod breaks no baseline check passes a
    // baseline rule: baseline runs only the baseline checks.
    let baseline_ids: Vec<&str> = vec![
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
    ];
    let mut wrong = Vec::new();
    for r in table().into_iter().filter(|r| r.level == "restricted") {
        let id = r.check.split(' ').next().unwrap_or_default();
        if baseline_ids.contains(&id) || r.expected.contains("reason: privileged") {
            continue;
        }
        let got = judge(&policy("baseline", r.version, ""), &r.bad);
        if got != Some((RuleStatus::Pass, "Validation rule 'r' passed.".into())) {
            wrong.push(format!("{}: {got:?}", r.check));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
