//! The embedding API: JSON values in, JSON values out.
//!
//! This is the one surface the Python, Node and WebAssembly bindings wrap, so
//! the three hosts answer identically and a binding only converts values and
//! errors. Rust callers who want typed responses use [`PolicySet`] directly;
//! hosts that speak JSON (or something that maps onto it) use [`Engine`].
//!
//! ```
//! use serde_json::json;
//! let engine = verno::api::Engine::from_yaml(include_str!("../../examples/disallow-privileged.yaml")).unwrap();
//! let pod = verno::api::parse_resource(include_str!("../../examples/nginx-privileged.yaml")).unwrap();
//! let out = engine.validate(&pod, &Default::default(), &verno::NoHost).unwrap();
//! assert_eq!(out["allowed"], false);
//! assert_eq!(out["results"][0]["result"], "fail");
//! assert_eq!(out["results"][0]["path"], "/spec/containers/0/securityContext/allowPrivilegeEscalation/");
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::compile::CompiledPolicy;
use crate::compile::PolicySet;
use crate::error::{LoadError, Location};
use crate::eval::pipeline::{Evaluation, SharedRequest, Stages};
use crate::host::{
    Host, ImageVerifyError, ImageVerifyErrorKind, ImageVerifyRequest, VerifiedImage,
};
use crate::model::resource::{Operation, Request, ResourceKind, UserInfo};
use crate::model::response::{PolicyResponse, RuleType};
use crate::report::{merged_reports, resource_report, ReportFormat, ReportInput, ReportOptions};

/// Why a call failed. Policies that load but fail at evaluation are not
/// errors: they are `error` results, as in Kyverno.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The policy set could not be loaded or compiled.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A resource, request option or AdmissionReview the host passed is not
    /// usable (`what` names the argument).
    #[error("invalid {what}: {message}")]
    Input {
        /// The what.
        what: String,
        /// The message.
        message: String,
    },
}

impl ApiError {
    fn input(what: &str, message: impl Into<String>) -> Self {
        ApiError::Input {
            what: what.to_string(),
            message: message.into(),
        }
    }

    /// A stable name for the error's class, for bindings that map errors to
    /// their own exception types: `yaml`, `invalid`, `unsupported`, `input`.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Load(LoadError::Yaml { .. }) => "yaml",
            // A rejected policy is invalid to a binding's caller too.
            ApiError::Load(LoadError::Invalid { .. } | LoadError::Rejected { .. }) => "invalid",
            ApiError::Load(LoadError::Unsupported { .. }) => "unsupported",
            ApiError::Input { .. } => "input",
        }
    }

    /// Where a load error is (policy, rule, field, line, column).
    pub fn location(&self) -> Option<&Location> {
        match self {
            ApiError::Load(e) => Some(e.location()),
            ApiError::Input { .. } => None,
        }
    }

    /// The message without the location prefix.
    pub fn detail(&self) -> String {
        match self {
            ApiError::Load(
                LoadError::Yaml { message, .. }
                | LoadError::Invalid { message, .. }
                | LoadError::Rejected { message, .. },
            ) => message.clone(),
            ApiError::Load(LoadError::Unsupported { feature, .. }) => {
                format!("unsupported: {feature}")
            }
            ApiError::Input { message, .. } => message.clone(),
        }
    }

    /// Every field as JSON (`kind`, `message`, `detail`, `policy`, `rule`,
    /// `field`, `file`, `line`, `column`, `expressionColumn`, `argument`),
    /// absent ones `null`:
    /// what a binding attaches to its exception.
    pub fn to_value(&self) -> Value {
        let loc = self.location();
        let s = |f: fn(&Location) -> &Option<String>| loc.and_then(|l| f(l).clone());
        let n = |f: fn(&Location) -> Option<usize>| loc.and_then(f);
        json!({
            "kind": self.kind(),
            "message": self.to_string(),
            "detail": self.detail(),
            "policy": s(|l| &l.policy),
            "rule": s(|l| &l.rule),
            "field": s(|l| &l.field),
            "file": s(|l| &l.file),
            "line": n(|l| l.line),
            "column": n(|l| l.column),
            "expressionColumn": n(|l| l.expression_column),
            "argument": match self { ApiError::Input { what, .. } => Some(what.clone()), _ => None },
        })
    }
}

/// How the resource reaches the engine: the admission request around it.
/// Every field is optional; the default is a CREATE with no user info.
///
/// From JSON (camelCase, unknown keys are an error so typos do not pass
/// silently):
///
/// ```
/// let opts = verno::api::RequestOptions::from_value(&serde_json::json!({
///     "operation": "UPDATE",
///     "userInfo": {"username": "alice", "groups": ["dev"]},
///     "namespaceLabels": {"env": "prod"},
/// })).unwrap();
/// assert_eq!(opts.operation, verno::Operation::Update);
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestOptions {
    /// The operation.
    #[serde(default)]
    pub operation: Operation,
    /// The object before the change (UPDATE, DELETE).
    #[serde(default)]
    pub old_object: Option<Value>,
    /// The user info.
    #[serde(default)]
    pub user_info: Option<UserInfo>,
    /// Labels of the resource's namespace (`namespaceSelector`).
    #[serde(default)]
    pub namespace_labels: Option<BTreeMap<String, String>>,
    /// The subresource.
    #[serde(default)]
    pub subresource: String,
    /// The top-level kind of a subresource request (`{"version": "v1",
    /// "kind": "Pod"}` for a `PodExecOptions` object on `pods/exec`), which
    /// `kinds: [Pod/exec]` matches; without it the object's kind is used.
    #[serde(default)]
    pub kind: Option<ResourceKind>,
    /// Extra context variables, dotted keys (`request.operation`), as
    /// `kyverno test` values files give them.
    #[serde(default)]
    pub variables: Option<Map<String, Value>>,
}

impl RequestOptions {
    /// Read options from JSON; `null` means the defaults.
    pub fn from_value(v: &Value) -> Result<RequestOptions, ApiError> {
        if v.is_null() {
            return Ok(RequestOptions::default());
        }
        RequestOptions::deserialize(v).map_err(|e| ApiError::input("options", e.to_string()))
    }

    fn request<'a>(&'a self, resource: &'a Value) -> Request<'a> {
        let object = if self.operation == Operation::Delete && self.old_object.is_none() {
            // A DELETE carries the object as oldObject only.
            None
        } else {
            Some(resource)
        };
        let old_object = match (&self.old_object, self.operation) {
            (Some(o), _) => Some(o),
            (None, Operation::Delete) => Some(resource),
            (None, _) => None,
        };
        Request {
            object,
            old_object,
            operation: self.operation,
            user_info: self.user_info.as_ref(),
            namespace_labels: self.namespace_labels.as_ref(),
            subresource: &self.subresource,
            kind: self.kind.as_ref(),
            variables: self.variables.as_ref(),
            namespace_object: None,
        }
    }
}

/// Options for [`Engine::report`].
///
/// ```
/// let o = verno::api::ReportRequest::from_value(&serde_json::json!({"format": "openreports"})).unwrap();
/// assert!(!o.per_resource);
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportRequest {
    /// `wgpolicy` (`wgpolicyk8s.io/v1alpha2`, the default) or `openreports`.
    #[serde(default)]
    pub format: Option<String>,
    /// Report failures of Audit policies as `warn` (`--audit-warn`).
    #[serde(default)]
    pub audit_warn: bool,
    /// One report per resource, as a cluster writes them, instead of the
    /// merged reports `kyverno apply --policy-report` prints.
    #[serde(default)]
    pub per_resource: bool,
    /// Labels per namespace name, for `namespaceSelector`.
    #[serde(default)]
    pub namespace_labels: Option<BTreeMap<String, BTreeMap<String, String>>>,
}

impl ReportRequest {
    /// Read options from JSON; `null` means the defaults.
    pub fn from_value(v: &Value) -> Result<ReportRequest, ApiError> {
        if v.is_null() {
            return Ok(ReportRequest::default());
        }
        let r = ReportRequest::deserialize(v)
            .map_err(|e| ApiError::input("report options", e.to_string()))?;
        match r.format.as_deref() {
            None | Some("wgpolicy" | "openreports") => Ok(r),
            Some(other) => Err(ApiError::input(
                "report options",
                format!("unknown format {other:?}: expected \"wgpolicy\" or \"openreports\""),
            )),
        }
    }
}

/// Parse one resource from YAML or JSON text.
///
/// The text must hold exactly one document (empty and comment-only
/// documents do not count). Several documents are an input error rather
/// than the first one alone: `validate(text)` on a multi-document file
/// would otherwise judge only its first resource and let the rest pass
/// unseen. Callers with several resources parse them one by one (or pass
/// a list to [`Engine::report`]).
pub fn parse_resource(text: &str) -> Result<Value, ApiError> {
    let mut docs = crate::yaml::parse_documents(text)
        .map_err(|e| ApiError::input("resource", e.to_string()))?;
    if docs.len() > 1 {
        let lines: Vec<String> = docs.iter().map(|d| d.line.to_string()).collect();
        return Err(ApiError::input(
            "resource",
            format!(
                "the text holds {} YAML documents (starting on lines {}); pass one resource per call",
                docs.len(),
                lines.join(", ")
            ),
        ));
    }
    let v = docs.pop().map(|d| d.value).unwrap_or(Value::Null);
    check_resource(&v, "resource")?;
    Ok(v)
}

fn check_resource(v: &Value, what: &str) -> Result<(), ApiError> {
    match v {
        Value::Object(m) => {
            if !m.get("kind").is_some_and(Value::is_string) {
                return Err(ApiError::input(
                    what,
                    "a Kubernetes object needs a string `kind`",
                ));
            }
            Ok(())
        }
        other => Err(ApiError::input(
            what,
            format!(
                "expected a Kubernetes object (a map), got {}",
                type_name(other)
            ),
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// The JSON a binding hands its host's image verifier: the
/// [`ImageVerifyRequest`] in camelCase (`image`, `repository`, `attestor`
/// with a `type` of `keys`/`keyless`/`certificates`, `predicateType`,
/// `transparency`).
pub fn image_request_to_value(request: &ImageVerifyRequest) -> Value {
    serde_json::to_value(request).unwrap_or(Value::Null)
}

/// Read what a host's image verifier answered: `{"digest", "signatures"}`
/// (a [`VerifiedImage`]) or `{"error": {"kind", "message"}}`. An answer of
/// any other shape is an `unavailable` error, so a broken verifier gives an
/// `error` result and never a pass.
pub fn image_answer_from_value(answer: &Value) -> Result<VerifiedImage, ImageVerifyError> {
    let unusable = |why: String| ImageVerifyError {
        kind: ImageVerifyErrorKind::Unavailable,
        message: format!("image verifier returned an unusable answer: {why}"),
    };
    let Some(map) = answer.as_object() else {
        return Err(unusable(format!(
            "expected a map with `digest` and `signatures`, got {}",
            type_name(answer)
        )));
    };
    if let Some(err) = map.get("error") {
        return Err(serde_json::from_value::<ImageVerifyError>(err.clone())
            .map_err(|e| unusable(format!("error: {e}")))
            .unwrap_or_else(|e| e));
    }
    if !map.get("digest").is_some_and(Value::is_string) {
        return Err(unusable("`digest` must be a string".to_string()));
    }
    serde_json::from_value(answer.clone()).map_err(|e| unusable(e.to_string()))
}

/// A compiled policy set behind a JSON interface. Immutable, `Send + Sync`:
/// compile once, call from any thread.
#[derive(Debug, Clone)]
pub struct Engine {
    set: PolicySet,
}

impl Engine {
    /// Compile policies (and PolicyExceptions) from YAML or JSON text,
    /// multi-document.
    pub fn from_yaml(text: &str) -> Result<Engine, ApiError> {
        Ok(Engine {
            set: PolicySet::from_yaml(text)?,
        })
    }

    /// Compile policies from objects: one policy, or a list of them (a
    /// `List` with `items` works too).
    pub fn from_value(value: Value) -> Result<Engine, ApiError> {
        let docs = match value {
            Value::Array(a) => a,
            Value::Object(mut m)
                if m.get("kind").and_then(Value::as_str) == Some("List")
                    && m.get("items").is_some_and(Value::is_array) =>
            {
                match m.remove("items") {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                }
            }
            v @ Value::Object(_) => vec![v],
            other => {
                return Err(ApiError::input(
                    "policies",
                    format!(
                        "expected a policy object or a list of them, got {}",
                        type_name(&other)
                    ),
                ))
            }
        };
        for (i, d) in docs.iter().enumerate() {
            if !d.is_object() {
                return Err(ApiError::input(
                    "policies",
                    format!("item {i} is {}, not a policy object", type_name(d)),
                ));
            }
        }
        Ok(Engine {
            set: PolicySet::from_values(docs)?,
        })
    }

    /// Wrap an already compiled set.
    pub fn from_policy_set(set: PolicySet) -> Engine {
        Engine { set }
    }

    /// The compiled policy set.
    pub fn policy_set(&self) -> &PolicySet {
        &self.set
    }

    /// The loaded policies: `[{name, namespace, kind, rules: [{name, type}]}]`
    /// (autogen rules included, as Kyverno evaluates them).
    pub fn policies(&self) -> Value {
        Value::Array(
            self.set
                .policies()
                .iter()
                .filter_map(CompiledPolicy::as_kyverno)
                .map(|p| {
                    let rules: Vec<Value> = p
                        .all_rules()
                        .map(|r| json!({"name": r.name, "type": rule_kind(&r.body)}))
                        .collect();
                    json!({
                        "name": p.info.name,
                        "namespace": p.info.namespace,
                        "kind": if p.info.namespace.is_some() { "Policy" } else { "ClusterPolicy" },
                        "rules": rules,
                    })
                })
                .collect(),
        )
    }

    /// Validate rules only, on the resource as given.
    ///
    /// Returns `{allowed, message, results}`; `message` is the denial text
    /// Kyverno's webhook would send (`null` when allowed).
    pub fn validate(
        &self,
        resource: &Value,
        options: &RequestOptions,
        host: &dyn Host,
    ) -> Result<Value, ApiError> {
        check_resource(resource, "resource")?;
        let eval = Evaluation {
            policies: self.set.validate(&options.request(resource), host),
            ..Evaluation::default()
        };
        Ok(json!({
            "allowed": eval.allowed(),
            "message": crate::report::admission::blocked_message(&eval, resource),
            "results": results([&eval.policies]),
        }))
    }

    /// Mutate rules only. Returns `{resource, patched, patch, results}`:
    /// the resource after every mutation (the input when nothing changed)
    /// and the RFC 6902 patch from the input to it.
    pub fn mutate(
        &self,
        resource: &Value,
        options: &RequestOptions,
        host: &dyn Host,
    ) -> Result<Value, ApiError> {
        check_resource(resource, "resource")?;
        let m = self.set.mutate(&options.request(resource), host);
        let patch = m.patch(resource);
        Ok(json!({
            "resource": m.patched.as_ref().unwrap_or(resource),
            "patched": !patch.is_empty(),
            "patch": patch,
            "results": results([&m.policies]),
        }))
    }

    /// The admission pipeline: mutate, validate the mutated resource, then
    /// generate. Returns `{allowed, message, resource, patched, patch,
    /// results, generated}`.
    pub fn evaluate(
        &self,
        resource: &Value,
        options: &RequestOptions,
        host: &dyn Host,
    ) -> Result<Value, ApiError> {
        check_resource(resource, "resource")?;
        let request = options.request(resource);
        let Ok(eval) = self
            .set
            .run(&request, Stages::ALL, &mut SharedRequest, host);
        let patch = eval.patch(resource);
        let after = eval.patched.as_ref().unwrap_or(resource);
        let generated = &eval.generations;
        let all = results([
            &eval.mutations,
            &eval.verifications,
            &eval.policies,
            generated,
        ]);
        let created: Vec<&Value> = generated
            .iter()
            .flat_map(|p| &p.rules)
            .flat_map(|r| &r.generated)
            .collect();
        Ok(json!({
            "allowed": eval.allowed(),
            "message": crate::report::admission::blocked_message(&eval, resource),
            "resource": after,
            "patched": !patch.is_empty(),
            "patch": patch,
            "results": all,
            "generated": created,
        }))
    }

    /// Answer an `admission.k8s.io/v1` AdmissionReview as Kyverno's webhook
    /// would (mutate, then validate): the review with its `response` set.
    /// `options.namespaceLabels` and `options.variables` apply; the rest of
    /// the request comes from the review.
    pub fn admit(
        &self,
        review: &Value,
        options: &RequestOptions,
        host: &dyn Host,
    ) -> Result<Value, ApiError> {
        let req = review
            .get("request")
            .filter(|r| r.is_object())
            .ok_or_else(|| ApiError::input("admission review", "no `request` object"))?;
        let uid = req.get("uid").and_then(Value::as_str).unwrap_or("");
        let operation = match req.get("operation") {
            None | Some(Value::Null) => Operation::Create,
            Some(v) => Operation::deserialize(v).map_err(|e| {
                ApiError::input("admission review", format!("request.operation: {e}"))
            })?,
        };
        let present = |k: &str| {
            req.get(k)
                .filter(|v| !crate::model::resource::is_empty_object(v))
        };
        let object = present("object");
        let old_object = present("oldObject");
        let resource = object.or(old_object).ok_or_else(|| {
            ApiError::input(
                "admission review",
                "neither request.object nor request.oldObject is set",
            )
        })?;
        check_resource(resource, "admission review object")?;
        let user_info = match req.get("userInfo") {
            None | Some(Value::Null) => None,
            Some(u) => Some(UserInfo::deserialize(u).map_err(|e| {
                ApiError::input("admission review", format!("request.userInfo: {e}"))
            })?),
        };
        let user_info = user_info.or_else(|| options.user_info.clone());
        let subresource = req.get("subResource").and_then(Value::as_str).unwrap_or("");
        let request = Request {
            object,
            old_object,
            operation,
            user_info: user_info.as_ref(),
            namespace_labels: options.namespace_labels.as_ref(),
            subresource,
            kind: options.kind.as_ref(),
            variables: options.variables.as_ref(),
            namespace_object: None,
        };
        let eval = self.set.evaluate(&request, host);
        let response = crate::report::admission::response(uid, &eval, resource);
        let mut out = crate::report::admission::review(response);
        if let (Some(api), Some(o)) = (
            review.get("apiVersion").filter(|v| v.is_string()),
            out.as_object_mut(),
        ) {
            o.insert("apiVersion".into(), api.clone());
        }
        Ok(out)
    }

    /// Policy reports for existing resources (each evaluated as Kyverno's
    /// background scan does: validate rules on the resource as it is).
    pub fn report(
        &self,
        resources: &[Value],
        options: &ReportRequest,
        host: &dyn Host,
    ) -> Result<Vec<Value>, ApiError> {
        for (i, r) in resources.iter().enumerate() {
            check_resource(r, &format!("resource {i}"))?;
        }
        let evals: Vec<Vec<PolicyResponse>> = resources
            .iter()
            .map(|r| {
                let ns = r
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let labels = options.namespace_labels.as_ref().and_then(|m| m.get(ns));
                let request = Request {
                    namespace_labels: labels,
                    ..Request::create(r)
                };
                self.set.validate(&request, host)
            })
            .collect();
        let inputs: Vec<ReportInput<'_>> = resources
            .iter()
            .zip(&evals)
            .map(|(resource, responses)| ReportInput {
                resource,
                responses,
            })
            .collect();
        let opts = ReportOptions {
            format: match options.format.as_deref() {
                Some("openreports") => ReportFormat::OpenReports,
                _ => ReportFormat::WgPolicy,
            },
            audit_warn: options.audit_warn,
            timestamp: host.now().ok(),
        };
        Ok(if options.per_resource {
            inputs
                .iter()
                .filter(|i| i.responses.iter().any(|p| !p.rules.is_empty()))
                .map(|i| resource_report(i, &opts))
                .collect()
        } else {
            merged_reports(&inputs, &opts)
        })
    }
}

fn rule_kind(body: &crate::compile::RuleBody) -> &'static str {
    use crate::compile::RuleBody;
    match body {
        RuleBody::Validate(_) => "validate",
        RuleBody::Mutate(_) => "mutate",
        RuleBody::Generate(_) => "generate",
        RuleBody::VerifyImages(_) => "verifyImages",
        RuleBody::None => "none",
    }
}

fn type_str(t: RuleType) -> &'static str {
    match t {
        RuleType::Validation => "validate",
        RuleType::Mutation => "mutate",
        RuleType::Generation => "generate",
        RuleType::ImageVerify => "verifyImages",
    }
}

/// One row per rule response: `{policy, rule, type, result, message, path,
/// enforced}` (+ `generated`, `synchronize`, `orphanDownstreamOnPolicyDelete`
/// for generate rules). `policy` is `ns/name` for
/// a namespaced Policy.
fn results<const N: usize>(phases: [&[PolicyResponse]; N]) -> Vec<Value> {
    let mut out = Vec::new();
    for p in phases.into_iter().flatten() {
        for (i, r) in p.rules.iter().enumerate() {
            let mut row = json!({
                "policy": p.policy.key,
                "rule": r.name,
                "type": type_str(r.rule_type),
                "result": r.status.as_str(),
                "message": r.message,
                "path": r.path,
                "enforced": p.enforced.get(i).copied().unwrap_or(false),
            });
            if let (RuleType::Generation, Some(row)) = (r.rule_type, row.as_object_mut()) {
                row.insert("generated".into(), json!(r.generated));
                if let Some(o) = r.generate_options {
                    row.insert("synchronize".into(), json!(o.synchronize));
                    row.insert(
                        "orphanDownstreamOnPolicyDelete".into(),
                        json!(o.orphan_downstream_on_policy_delete),
                    );
                }
            }
            out.push(row);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../examples/disallow-privileged.yaml");
    const POD: &str = include_str!("../../examples/nginx-privileged.yaml");

    #[test]
    fn validate_reports_enforce_denial_with_kyverno_text() {
        let e = Engine::from_yaml(POLICY).unwrap();
        let pod = parse_resource(POD).unwrap();
        let out = e
            .validate(&pod, &RequestOptions::default(), &crate::host::NoHost)
            .unwrap();
        assert_eq!(out["allowed"], false);
        let msg = out["message"].as_str().unwrap();
        assert!(
            msg.starts_with(
                "\n\nresource Pod/default/nginx was blocked due to the following policies"
            ),
            "{msg}"
        );
        assert_eq!(out["results"][0]["enforced"], true);
    }

    #[test]
    fn multi_document_resource_text_is_an_input_error_not_its_first_document() {
        let two = format!("{POD}\n---\n{POD}");
        let err = parse_resource(&two).unwrap_err();
        assert_eq!(err.kind(), "input");
        assert!(err.to_string().contains("2 YAML documents"), "{err}");
        // Separators around a single document, and comment-only documents,
        // still make one resource.
        let one = format!("---\n# a comment\n---\n{POD}\n---\n");
        assert_eq!(parse_resource(&one).unwrap(), parse_resource(POD).unwrap());
    }

    #[test]
    fn resource_text_without_a_document_is_an_input_error() {
        for empty in ["", "# nothing\n", "---\n"] {
            let err = parse_resource(empty).unwrap_err();
            assert_eq!(err.kind(), "input", "{empty:?}");
        }
    }

    #[test]
    fn unknown_option_keys_are_an_input_error() {
        let err = RequestOptions::from_value(&json!({"operaton": "CREATE"})).unwrap_err();
        assert_eq!(err.kind(), "input");
        assert!(err.to_string().contains("operaton"), "{err}");
    }

    #[test]
    fn non_object_resource_is_an_input_error_not_a_panic() {
        let e = Engine::from_yaml(POLICY).unwrap();
        for bad in [json!(1), json!("pod"), json!([]), json!({"metadata": {}})] {
            let err = e
                .validate(&bad, &RequestOptions::default(), &crate::host::NoHost)
                .unwrap_err();
            assert_eq!(err.kind(), "input", "{bad}");
        }
        assert_eq!(Engine::from_value(json!(3)).unwrap_err().kind(), "input");
    }

    #[test]
    fn load_error_carries_policy_and_rule() {
        let bad = POLICY.replace("kinds:", "kinds: 5\n        x:");
        let err = Engine::from_yaml(&bad).unwrap_err();
        let v = err.to_value();
        assert_eq!(v["policy"], "disallow-privileged", "{v}");
        assert!(v["message"]
            .as_str()
            .unwrap()
            .contains("disallow-privileged"));
    }

    #[test]
    fn admit_answers_an_admission_review() {
        let e = Engine::from_yaml(POLICY).unwrap();
        let pod = parse_resource(POD).unwrap();
        let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u1", "operation": "CREATE", "object": pod}});
        let out = e
            .admit(&review, &RequestOptions::default(), &crate::host::NoHost)
            .unwrap();
        assert_eq!(out["response"]["uid"], "u1");
        assert_eq!(out["response"]["allowed"], false);
        assert_eq!(out["response"]["status"]["status"], "Failure");
    }

    #[test]
    fn delete_without_old_object_evaluates_the_resource_as_old_object() {
        let e = Engine::from_yaml(POLICY).unwrap();
        let pod = parse_resource(POD).unwrap();
        let opts = RequestOptions::from_value(&json!({"operation": "DELETE"})).unwrap();
        let r = opts.request(&pod);
        assert!(r.object.is_none());
        assert!(r.old_object.is_some());
        assert!(e.validate(&pod, &opts, &crate::host::NoHost).is_ok());
    }

    #[test]
    fn report_merges_results_and_counts() {
        let e = Engine::from_yaml(POLICY).unwrap();
        let pod = parse_resource(POD).unwrap();
        let reps = e
            .report(&[pod], &ReportRequest::default(), &crate::host::NoHost)
            .unwrap();
        assert_eq!(reps.len(), 1);
        assert_eq!(reps[0]["apiVersion"], "wgpolicyk8s.io/v1alpha2");
        assert_eq!(reps[0]["summary"]["fail"], 1);
    }

    #[test]
    fn audit_warn_turns_only_audit_policy_failures_into_warn() {
        let both = format!(
            "{POLICY}\n---\n{}",
            include_str!("../../examples/restrict-image-registries.yaml")
        );
        let e = Engine::from_yaml(&both).unwrap();
        let pod = parse_resource(POD).unwrap();
        let opts = ReportRequest::from_value(&json!({"auditWarn": true})).unwrap();
        let reps = e.report(&[pod], &opts, &crate::host::NoHost).unwrap();
        let results = reps[0]["results"].as_array().unwrap();
        let of = |p: &str| results.iter().find(|r| r["policy"] == p).unwrap()["result"].clone();
        assert_eq!(of("disallow-privileged"), "fail");
        assert_eq!(of("restrict-image-registries"), "warn");
        assert_eq!(reps[0]["summary"]["warn"], 1);
    }

    #[test]
    fn generate_rows_carry_generated_resources_and_controller_options() {
        let policy = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: default-quota}
spec:
  rules:
  - name: quota
    match: {any: [{resources: {kinds: [Namespace]}}]}
    generate:
      apiVersion: v1
      kind: ResourceQuota
      name: default
      namespace: "{{request.object.metadata.name}}"
      synchronize: true
      data: {spec: {hard: {pods: "10"}}}
"#;
        let e = Engine::from_yaml(policy).unwrap();
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}});
        let out = e
            .evaluate(&ns, &RequestOptions::default(), &crate::host::NoHost)
            .unwrap();
        let row = &out["results"][0];
        assert_eq!(row["type"], "generate");
        assert_eq!(row["synchronize"], true);
        assert_eq!(row["orphanDownstreamOnPolicyDelete"], false);
        assert_eq!(out["generated"][0]["metadata"]["namespace"], "team-a");
        assert_eq!(row["generated"], out["generated"]);
    }

    #[test]
    fn image_answer_with_digest_and_signatures_is_verified() {
        let v = json!({"digest": "sha256:ab", "signatures": [{"subjectAlternativeNames": ["a@b"], "issuer": "https://i"}]});
        let got = image_answer_from_value(&v).unwrap();
        assert_eq!(got.digest, "sha256:ab");
        assert_eq!(got.signatures[0].subject_alternative_names, vec!["a@b"]);
    }

    #[test]
    fn image_answer_error_keeps_kind_and_message() {
        let v = json!({"error": {"kind": "noMatch", "message": "no matching signatures"}});
        let e = image_answer_from_value(&v).unwrap_err();
        assert_eq!(e.kind, ImageVerifyErrorKind::NoMatch);
        assert_eq!(e.message, "no matching signatures");
    }

    #[test]
    fn malformed_image_answer_is_unavailable_never_verified() {
        for v in [
            json!(null),
            json!({"signatures": []}),
            json!({"error": "x"}),
            json!({"digest": "sha256:1", "signatures": 3}),
        ] {
            let e = image_answer_from_value(&v).unwrap_err();
            assert_eq!(e.kind, ImageVerifyErrorKind::Unavailable, "{v}");
        }
    }

    #[test]
    fn image_request_value_is_camel_case_with_attestor_type() {
        let r = ImageVerifyRequest {
            image: "docker.io/nginx:latest".into(),
            repository: None,
            attestor: crate::host::AttestorSpec::Keyless { roots: None },
            predicate_type: Some("p".into()),
            transparency: Default::default(),
        };
        let v = image_request_to_value(&r);
        assert_eq!(v["attestor"]["type"], "keyless");
        assert_eq!(v["predicateType"], "p");
        assert_eq!(v["transparency"]["ignoreTlog"], false);
    }
}
