//! Kyverno decodes the resource into Go's typed `corev1.Pod` (or
//! `appsv1.Deployment`, `batchv1.CronJob`) before any check, so a field of
//! the wrong JSON type is an error, not a silent pass. This checks the
//! fields the checks read, in the order Go decodes them (sorted keys), and
//! words the first mismatch as `encoding/json` does.

use serde_json::Value;

/// The Go type of a field.
enum T {
    Bool,
    Int(&'static str),
    /// A string (`string`, `v1.ProcMountType`, …).
    Str(&'static str),
    /// A struct: its Go type (`v1.PodSpec`), its name in errors (`PodSpec`)
    /// and the fields checked.
    Struct(&'static str, &'static str, Vec<(&'static str, T)>),
    /// A slice: its Go type and its element type.
    Slice(&'static str, Box<T>),
    /// `map[string]string`.
    StringMap,
}

fn s(name: &'static str, go: &'static str, fields: Vec<(&'static str, T)>) -> T {
    T::Struct(go, name, fields)
}

fn slice(go: &'static str, elem: T) -> T {
    T::Slice(go, Box::new(elem))
}

fn typed_profile(go: &'static str, name: &'static str, type_go: &'static str) -> T {
    s(name, go, vec![("type", T::Str(type_go))])
}

fn se_linux() -> T {
    s(
        "SELinuxOptions",
        "v1.SELinuxOptions",
        vec![
            ("level", T::Str("string")),
            ("role", T::Str("string")),
            ("type", T::Str("string")),
            ("user", T::Str("string")),
        ],
    )
}

fn windows_options() -> T {
    s(
        "WindowsSecurityContextOptions",
        "v1.WindowsSecurityContextOptions",
        vec![("hostProcess", T::Bool)],
    )
}

fn container_security_context() -> T {
    s(
        "SecurityContext",
        "v1.SecurityContext",
        vec![
            ("allowPrivilegeEscalation", T::Bool),
            (
                "appArmorProfile",
                typed_profile(
                    "v1.AppArmorProfile",
                    "AppArmorProfile",
                    "v1.AppArmorProfileType",
                ),
            ),
            (
                "capabilities",
                s(
                    "Capabilities",
                    "v1.Capabilities",
                    vec![
                        ("add", slice("[]v1.Capability", T::Str("v1.Capability"))),
                        ("drop", slice("[]v1.Capability", T::Str("v1.Capability"))),
                    ],
                ),
            ),
            ("privileged", T::Bool),
            ("procMount", T::Str("v1.ProcMountType")),
            ("runAsNonRoot", T::Bool),
            ("runAsUser", T::Int("int64")),
            ("seLinuxOptions", se_linux()),
            (
                "seccompProfile",
                typed_profile(
                    "v1.SeccompProfile",
                    "SeccompProfile",
                    "v1.SeccompProfileType",
                ),
            ),
            ("windowsOptions", windows_options()),
        ],
    )
}

fn container(go: &'static str, name: &'static str) -> T {
    s(
        name,
        go,
        vec![
            ("image", T::Str("string")),
            ("name", T::Str("string")),
            (
                "ports",
                slice(
                    "[]v1.ContainerPort",
                    s(
                        "ContainerPort",
                        "v1.ContainerPort",
                        vec![("hostPort", T::Int("int32"))],
                    ),
                ),
            ),
            ("securityContext", container_security_context()),
        ],
    )
}

fn pod_spec() -> T {
    s(
        "PodSpec",
        "v1.PodSpec",
        vec![
            (
                "containers",
                slice("[]v1.Container", container("v1.Container", "Container")),
            ),
            (
                "ephemeralContainers",
                slice(
                    "[]v1.EphemeralContainer",
                    container("v1.EphemeralContainer", "EphemeralContainer"),
                ),
            ),
            ("hostIPC", T::Bool),
            ("hostNetwork", T::Bool),
            ("hostPID", T::Bool),
            (
                "initContainers",
                slice("[]v1.Container", container("v1.Container", "Container")),
            ),
            (
                "os",
                s("PodOS", "v1.PodOS", vec![("name", T::Str("v1.OSName"))]),
            ),
            (
                "securityContext",
                s(
                    "PodSecurityContext",
                    "v1.PodSecurityContext",
                    vec![
                        (
                            "appArmorProfile",
                            typed_profile(
                                "v1.AppArmorProfile",
                                "AppArmorProfile",
                                "v1.AppArmorProfileType",
                            ),
                        ),
                        ("runAsNonRoot", T::Bool),
                        ("runAsUser", T::Int("int64")),
                        ("seLinuxOptions", se_linux()),
                        (
                            "seccompProfile",
                            typed_profile(
                                "v1.SeccompProfile",
                                "SeccompProfile",
                                "v1.SeccompProfileType",
                            ),
                        ),
                        (
                            "sysctls",
                            slice(
                                "[]v1.Sysctl",
                                s(
                                    "Sysctl",
                                    "v1.Sysctl",
                                    vec![("name", T::Str("string")), ("value", T::Str("string"))],
                                ),
                            ),
                        ),
                        ("windowsOptions", windows_options()),
                    ],
                ),
            ),
            (
                "volumes",
                slice(
                    "[]v1.Volume",
                    s(
                        "Volume",
                        "v1.Volume",
                        vec![
                            (
                                "hostPath",
                                s(
                                    "HostPathVolumeSource",
                                    "v1.HostPathVolumeSource",
                                    vec![("path", T::Str("string"))],
                                ),
                            ),
                            ("name", T::Str("string")),
                        ],
                    ),
                ),
            ),
        ],
    )
}

fn object_meta() -> T {
    s(
        "ObjectMeta",
        "v1.ObjectMeta",
        vec![("annotations", T::StringMap)],
    )
}

fn template() -> T {
    s(
        "PodTemplateSpec",
        "v1.PodTemplateSpec",
        vec![("metadata", object_meta()), ("spec", pod_spec())],
    )
}

/// The typed shape Kyverno decodes a resource of `kind` into.
fn root(kind: &str) -> Option<T> {
    if super::pod::TEMPLATE_KINDS.contains(&kind) {
        Some(s(
            "Deployment",
            "v1.Deployment",
            vec![(
                "spec",
                s(
                    "DeploymentSpec",
                    "v1.DeploymentSpec",
                    vec![("template", template())],
                ),
            )],
        ))
    } else if kind == "CronJob" {
        let job_spec = s("JobSpec", "v1.JobSpec", vec![("template", template())]);
        let job_template = s(
            "JobTemplateSpec",
            "v1.JobTemplateSpec",
            vec![("metadata", object_meta()), ("spec", job_spec)],
        );
        Some(s(
            "CronJob",
            "v1.CronJob",
            vec![(
                "spec",
                s(
                    "CronJobSpec",
                    "v1.CronJobSpec",
                    vec![("jobTemplate", job_template)],
                ),
            )],
        ))
    } else if kind == "Pod" {
        Some(s(
            "Pod",
            "v1.Pod",
            vec![("metadata", object_meta()), ("spec", pod_spec())],
        ))
    } else {
        None
    }
}

/// `UnmarshalTypeError.Value`: the JSON kind (numbers that do not fit an
/// integer also show the number).
fn json_kind(v: &Value, want_int: bool) -> String {
    match v {
        Value::Bool(_) => "bool".into(),
        Value::Number(n) if want_int => format!("number {n}"),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Array(_) => "array".into(),
        _ => "object".into(),
    }
}

/// Where the decoder is: the struct whose field it decodes and the JSON
/// path from the root.
struct At<'a> {
    owner: &'a str,
    path: &'a str,
}

fn mismatch(v: &Value, at: &At<'_>, go: &str, want_int: bool) -> String {
    let value = json_kind(v, want_int);
    if at.owner.is_empty() {
        return format!("json: cannot unmarshal {value} into Go value of type {go}");
    }
    format!(
        "json: cannot unmarshal {value} into Go struct field {}.{} of type {go}",
        at.owner, at.path
    )
}

fn check(t: &T, v: &Value, at: &At<'_>) -> Option<String> {
    if v.is_null() {
        return None;
    }
    match t {
        T::Bool => (!v.is_boolean()).then(|| mismatch(v, at, "bool", false)),
        T::Int(go) => {
            // The CLI holds YAML numbers as float64, which Go re-encodes
            // without a fraction when they are whole.
            let whole = v.as_i64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            });
            let fits = match *go {
                "int32" => whole.is_some_and(|i| i32::try_from(i).is_ok()),
                _ => whole.is_some(),
            };
            (!fits).then(|| mismatch(v, at, go, v.is_number()))
        }
        T::Str(go) => (!v.is_string()).then(|| mismatch(v, at, go, false)),
        T::StringMap => {
            let Some(m) = v.as_object() else {
                return Some(mismatch(v, at, "map[string]string", false));
            };
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            keys.into_iter().find_map(|k| {
                (!m[k].is_string() && !m[k].is_null()).then(|| mismatch(&m[k], at, "string", false))
            })
        }
        T::Slice(go, elem) => {
            let Some(items) = v.as_array() else {
                return Some(mismatch(v, at, go, false));
            };
            items.iter().find_map(|item| check(elem, item, at))
        }
        T::Struct(go, name, fields) => {
            let Some(m) = v.as_object() else {
                return Some(mismatch(v, at, go, false));
            };
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for k in keys {
                let Some((_, ft)) = fields.iter().find(|(f, _)| f == k) else {
                    continue;
                };
                let path = if at.path.is_empty() {
                    k.to_string()
                } else {
                    format!("{}.{k}", at.path)
                };
                let inner = At {
                    owner: name,
                    path: &path,
                };
                if let Some(e) = check(ft, &m[k.as_str()], &inner) {
                    return Some(e);
                }
            }
            None
        }
    }
}

/// The decoding error Kyverno would hit for this resource, if any.
pub fn type_error(resource: &Value) -> Option<String> {
    let kind = resource.get("kind").and_then(Value::as_str).unwrap_or("");
    let t = root(kind)?;
    check(
        &t,
        resource,
        &At {
            owner: "",
            path: "",
        },
    )
}
