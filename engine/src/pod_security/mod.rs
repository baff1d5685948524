//! `validate.podSecurity`: the Pod Security Standards as Kyverno applies
//! them (`pkg/pss/evaluate.go`, `handlers/validation/validate_pss.go`),
//! on top of its fork of Kubernetes' pod-security-admission checks.
//!
//! Layout: `field` (field errors and their text), `pod` (the pod a rule
//! judges), `baseline` and `restricted` (the checks), `exclude` (control
//! exclusions), this module (the rule spec, check selection by level and
//! version, and the rule result).

mod baseline;
mod exclude;
mod field;
mod pod;
mod properties;
mod restricted;
mod typed;

use serde_json::Value;

pub use exclude::{parse_list as parse_excludes, rule_field_errors, Exclude, CONTROL_NAME_ENUM};

/// The CRD's `level` enum.
pub const LEVELS: [&str; 3] = ["privileged", "baseline", "restricted"];
/// The CRD's `version` enum.
pub const VERSIONS: [&str; 15] = [
    "v1.19", "v1.20", "v1.21", "v1.22", "v1.23", "v1.24", "v1.25", "v1.26", "v1.27", "v1.28",
    "v1.29", "v1.30", "v1.31", "v1.32", "latest",
];

/// The first value outside the CRD's enums in a `podSecurity` block
/// written at `path`: `(field, value, allowed values)`.
pub fn schema_violation(
    ps: &Value,
    path: &str,
) -> Option<(String, String, &'static [&'static str])> {
    for (key, allowed) in [("level", &LEVELS[..]), ("version", &VERSIONS[..])] {
        if let Some(v) = ps.get(key).filter(|v| !v.is_null()) {
            let s = v.as_str().unwrap_or_default();
            if !allowed.contains(&s) {
                return Some((format!("{path}.{key}"), s.to_string(), allowed));
            }
        }
    }
    for (i, e) in ps
        .get("exclude")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let s = e
            .get("controlName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !CONTROL_NAME_ENUM.contains(&s) {
            return Some((
                format!("{path}.exclude[{i}].controlName"),
                s.to_string(),
                &CONTROL_NAME_ENUM[..],
            ));
        }
    }
    None
}
pub use field::FieldError;
pub use pod::Pod;
pub use properties::report_properties;

/// A compiled `validate.podSecurity` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSecurity {
    /// `level` as written (printed in the failure message).
    pub level: String,
    /// `version` as written (printed in the failure message).
    pub version: String,
    pub exclude: Vec<Exclude>,
}

impl PodSecurity {
    /// Read a `podSecurity` block; `Err((field, message))` names the
    /// offending field relative to the block.
    pub fn from_value(v: &Value) -> Result<PodSecurity, (String, String)> {
        let text = |key: &str| -> Result<String, (String, String)> {
            match v.get(key) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err((key.to_string(), "must be a string".to_string())),
            }
        };
        if !v.is_object() && !v.is_null() {
            return Err((String::new(), "must be an object".into()));
        }
        let level = text("level")?;
        let version = text("version")?;
        let exclude = exclude::parse_list(v.get("exclude"), "exclude")?;
        Ok(PodSecurity {
            level,
            version,
            exclude,
        })
    }
}

/// A pod-security-admission version: `None` is `latest`, else `1.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(pub Option<u64>);

impl Version {
    /// `pss.ParseVersion`: empty or `latest` is the latest version, else
    /// `v1.<minor>`.
    pub fn parse(s: &str) -> Result<Version, String> {
        if s.is_empty() || s == "latest" {
            return Ok(Version(None));
        }
        let bad = || "must be \"latest\" or \"v1.x\"".to_string();
        let minor = s.strip_prefix("v1.").ok_or_else(bad)?;
        let canonical = minor == "0" || (!minor.starts_with('0') && !minor.is_empty());
        if !canonical || !minor.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // Go's Atoi fails past int64; such a version is an error too.
        minor.parse::<i64>().map_err(|_| bad())?;
        Ok(Version(Some(minor.parse::<u64>().map_err(|_| bad())?)))
    }

    /// The implementation of a check to run: the newest whose minimum
    /// version is not newer than this one, else the oldest (Kyverno starts
    /// from the first implementation whatever its minimum).
    fn select(self, minimums: &[u64]) -> u64 {
        let Some((&first, rest)) = minimums.split_first() else {
            return 0;
        };
        let mut selected = first;
        for &m in rest {
            let reached = self.0.is_none_or(|v| v >= m);
            if reached && selected < m {
                selected = m;
            }
        }
        selected
    }
}

/// One failed check (`PSSCheckResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub reason: String,
    pub detail: String,
    /// `None` for checks that report no field errors.
    pub errs: Option<Vec<FieldError>>,
}

impl CheckResult {
    fn new(reason: String, detail: String, errs: Vec<FieldError>) -> Self {
        CheckResult {
            reason,
            detail,
            errs: Some(errs),
        }
    }
}

/// A failed check with its ID (`capabilities_restricted`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub id: &'static str,
    pub result: CheckResult,
}

/// `Violations`: what failed (for the detail text) and its field errors.
#[derive(Debug, Default)]
struct Violations {
    data: Vec<String>,
    errs: Vec<FieldError>,
}

impl Violations {
    fn add(&mut self, data: impl Into<String>, errs: Vec<FieldError>) {
        self.data.push(data.into());
        self.errs.extend(errs);
    }
    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    fn len(&self) -> usize {
        self.data.len()
    }
}

fn join_quote(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    format!("\"{}\"", items.join("\", \""))
}

fn pluralize(singular: &str, plural: &str, count: usize) -> String {
    if count == 1 { singular } else { plural }.to_string()
}

/// The pod and the containers whose security context `is_bad` judges
/// forbidden: `pod` and `containers "a", "b"`, each with a forbidden
/// `<path>.securityContext.<field>` error showing `value`.
fn security_context_setters(
    pod: &Pod,
    field: &str,
    value: field::BadValue,
    is_bad: impl Fn(Option<&Value>) -> bool,
) -> Violations {
    let mut setters = Violations::default();
    if is_bad(pod.security_context()) {
        setters.add(
            "pod",
            vec![FieldError::forbidden(
                format!("spec.securityContext.{field}"),
                value.clone(),
            )],
        );
    }
    let mut bad_containers = Vec::new();
    let mut errs = Vec::new();
    for (path, c) in pod.containers() {
        if is_bad(pod::container_sc(c)) {
            bad_containers.push(pod::name(c));
            errs.push(FieldError::forbidden(
                format!("{path}.securityContext.{field}"),
                value.clone(),
            ));
        }
    }
    if !bad_containers.is_empty() {
        setters.add(containers_phrase(&bad_containers), errs);
    }
    setters
}

/// `container "a"` / `containers "a", "b"`: how every check names the
/// containers it blames (and how Kyverno's report finds them again).
fn containers_phrase(names: &[String]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// The checks, in the order pod-security-admission registers them (its
/// source files in name order), with their level and the minimum versions
/// of their implementations.
const CHECKS: [(&str, bool, &[u64]); 18] = [
    ("allowPrivilegeEscalation", false, &[8, 25]),
    ("appArmorProfile", true, &[0]),
    ("capabilities_baseline", true, &[0]),
    ("capabilities_restricted", false, &[22, 25]),
    ("hostNamespaces", true, &[0]),
    ("hostPathVolumes", true, &[0]),
    ("hostPorts", true, &[0]),
    ("hostProbesAndHostLifecycle", true, &[34]),
    ("privileged", true, &[0]),
    ("procMount", true, &[0]),
    ("restrictedVolumes", false, &[0]),
    ("runAsNonRoot", false, &[0]),
    ("runAsUser", false, &[23]),
    ("seLinuxOptions", true, &[0, 31]),
    ("seccompProfile_baseline", true, &[0, 19]),
    ("seccompProfile_restricted", false, &[19, 25]),
    ("sysctls", true, &[0, 27, 29, 32]),
    ("windowsHostProcess", true, &[0]),
];

fn run_check(id: &str, impl_min: u64, pod: &Pod) -> Option<CheckResult> {
    match id {
        "allowPrivilegeEscalation" => restricted::allow_privilege_escalation(pod, impl_min >= 25),
        "appArmorProfile" => baseline::app_armor_profile(pod),
        "capabilities_baseline" => baseline::capabilities_baseline(pod),
        "capabilities_restricted" => restricted::capabilities_restricted(pod, impl_min >= 25),
        "hostNamespaces" => baseline::host_namespaces(pod),
        "hostPathVolumes" => baseline::host_path_volumes(pod),
        "hostPorts" => baseline::host_ports(pod),
        "hostProbesAndHostLifecycle" => baseline::host_probes_and_lifecycle(pod),
        "privileged" => baseline::privileged(pod),
        "procMount" => baseline::proc_mount(pod),
        "restrictedVolumes" => restricted::restricted_volumes(pod),
        "runAsNonRoot" => restricted::run_as_non_root(pod),
        "runAsUser" => restricted::run_as_user(pod),
        "seLinuxOptions" => baseline::se_linux_options(pod, impl_min >= 31),
        "seccompProfile_baseline" => baseline::seccomp_profile_baseline(pod),
        "seccompProfile_restricted" => restricted::seccomp_profile_restricted(pod, impl_min >= 25),
        "sysctls" => baseline::sysctls(pod, impl_min),
        "windowsHostProcess" => baseline::windows_host_process(pod),
        _ => None,
    }
}

/// `evaluatePSS`: the failed checks of a level and version. `baseline`
/// runs the baseline checks; every other level runs them all.
pub fn evaluate_checks(level: &str, version: Version, pod: &Pod) -> Vec<Failure> {
    CHECKS
        .iter()
        .filter(|(_, is_baseline, _)| level != "baseline" || *is_baseline)
        .filter_map(|(id, _, mins)| {
            run_check(id, version.select(mins), pod).map(|result| Failure { id, result })
        })
        .collect()
}

/// `EvaluatePod`: the failed checks left after the rule's exclusions.
pub fn evaluate_pod(
    level: &str,
    version: Version,
    excludes: &[Exclude],
    pod: &Pod,
) -> Vec<Failure> {
    let failures = evaluate_checks(level, version, pod);
    exclude::apply(level, version, excludes, failures, pod)
}

/// `FormatChecksPrint`.
pub fn format_checks(failures: &[Failure]) -> String {
    let mut out = String::new();
    for f in failures {
        out.push_str(&format!(
            "(Forbidden reason: {}, field error list: [",
            f.result.reason
        ));
        let texts: Vec<String> = f
            .result
            .errs
            .iter()
            .flatten()
            .map(FieldError::kyverno_text)
            .collect();
        out.push_str(&texts.join(", "));
        out.push_str("])");
    }
    out
}

/// `convertChecks`: field paths of a controller's pod template point into
/// the controller, and (for every kind) `metadata` becomes
/// `spec.template.metadata`, by blind string replacement.
fn convert_paths(failures: &mut [Failure], kind: &str) {
    let spec = if pod::TEMPLATE_KINDS.contains(&kind) {
        Some("spec.template.spec")
    } else if kind == "CronJob" {
        Some("spec.jobTemplate.spec.template.spec")
    } else {
        None
    };
    for e in failures
        .iter_mut()
        .filter_map(|f| f.result.errs.as_mut())
        .flatten()
    {
        if let Some(s) = spec {
            e.field = e.field.replace("spec", s);
        }
        e.field = e.field.replace("metadata", "spec.template.metadata");
    }
}

/// A matched PolicyException as the podSecurity handler sees it.
pub struct MatchedException<'a> {
    /// `namespace/name`.
    pub key: &'a str,
    /// Its `podSecurity` controls.
    pub controls: &'a [Exclude],
}

/// What the podSecurity handler decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check passed.
    Pass(String),
    /// Checks failed: the message and the failed checks (paths converted
    /// for the resource's kind), which reports list as properties.
    Fail {
        /// Kyverno's message.
        message: String,
        /// The failed checks, in the message's order.
        failures: Vec<Failure>,
    },
    /// PolicyExceptions exempt the request.
    Skip {
        /// Kyverno's message.
        message: String,
        /// The `namespace/name` keys of the exceptions that exempt it.
        exceptions: Vec<String>,
    },
    /// The rule could not be judged.
    Error(String),
}

/// The podSecurity handler (`validatePssHandler.validate`) for a resource
/// that is not being deleted, given the PolicyExceptions that match it.
pub fn validate(
    rule: &str,
    ps: &PodSecurity,
    resource: &Value,
    exceptions: &[MatchedException<'_>],
) -> Outcome {
    // An exception without podSecurity controls exempts the whole rule.
    if let Some(e) = exceptions.iter().find(|e| e.controls.is_empty()) {
        return Outcome::Skip {
            message: format!("rule is skipped due to policy exception {}", e.key),
            exceptions: vec![e.key.to_string()],
        };
    }
    let pod = match Pod::of(resource) {
        Ok(p) => p,
        Err(e) => return Outcome::Error(format!("Error while getting new resource: {e}")),
    };
    if let Some(e) = typed::type_error(resource) {
        return Outcome::Error(format!("Error while getting new resource: {e}"));
    }
    let version = match Version::parse(&ps.version) {
        Ok(v) => v,
        Err(e) => return Outcome::Error(format!("failed to parse pod security api version: {e}")),
    };
    let failures = evaluate_pod(&ps.level, version, &ps.exclude, &pod);
    if failures.is_empty() {
        return Outcome::Pass(format!("Validation rule '{rule}' passed."));
    }
    let controls: Vec<Exclude> = exceptions
        .iter()
        .flat_map(|e| e.controls.iter().cloned())
        .collect();
    let mut failures = exclude::apply(&ps.level, version, &controls, failures, &pod);
    if failures.is_empty() {
        let keys: Vec<String> = exceptions.iter().map(|e| e.key.to_string()).collect();
        return Outcome::Skip {
            message: format!(
                "rule is skipped due to policy exceptions {}",
                keys.join(", ")
            ),
            exceptions: keys,
        };
    }
    let kind = resource.get("kind").and_then(Value::as_str).unwrap_or("");
    convert_paths(&mut failures, kind);
    let message = format!(
        "Validation rule '{rule}' failed. It violates PodSecurity \"{}:{}\": {}",
        ps.level,
        ps.version,
        format_checks(&failures)
    );
    Outcome::Fail { message, failures }
}
