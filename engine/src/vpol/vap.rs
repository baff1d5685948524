//! Kubernetes ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding
//! (`admissionregistration.k8s.io/v1`) as Kyverno's CLI evaluates them
//! offline (`pkg/admissionpolicy/validate.go`): always a CREATE with no old
//! object; without bindings the policy's `matchConstraints` select, with
//! bindings only each binding's `matchResources` does (the policy's own
//! constraints are not checked without a cluster) and the last matching
//! binding's result wins. The expressions are compiled and judged by the
//! Kubernetes validator of [`crate::validate_cel`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::compile::{CompiledVpol, VpolMode};
use super::evaluate::VpolRequest;
use super::kinds::KindMap;
use super::matcher::{self, Attributes};
use super::model::{MatchResources, ParamRef, VapBindingDoc, VapDoc};
use crate::host::Host;
use crate::model::resource::{ResourceMeta, UserInfo};
use crate::model::response::{PolicyInfo, PolicyResponse, RuleResponse, RuleStatus, RuleType};
use crate::validate_cel::model::{AuditAnnotation, CelSpec, MatchCondition, Validation, Variable};
use crate::validate_cel::request::{admission_request, namespace_with_labels, AdmissionRequest};
use crate::validate_cel::{validate, CelRule, Decision, Inputs};

/// The report source of ValidatingAdmissionPolicy results.
pub const REPORT_SOURCE: &str = "ValidatingAdmissionPolicy";

/// The kind, as `cel_kind` of the policy's [`PolicyInfo`].
pub const KIND: &str = "ValidatingAdmissionPolicy";

/// The user Kyverno's CLI puts in the request when the test names none
/// (`ResolveUser`): each empty field becomes the background-scan user.
const BACKGROUND_USER: &str = "system:kyverno:background-scan";

/// A ValidatingAdmissionPolicyBinding, as the evaluation reads it.
#[derive(Debug, Clone)]
pub struct VapBinding {
    /// The binding's name (the `binding` property of report results).
    pub name: String,
    /// `policyName`: the policy it binds.
    pub policy_name: String,
    /// `matchResources`: `None` matches every request.
    pub match_resources: Option<MatchResources>,
    /// `paramRef`: which parameter resources the policy sees.
    pub param_ref: Option<ParamRef>,
    /// `validationActions` (`Deny`, `Warn`, `Audit`): the CLI's results do
    /// not depend on them; a failure blocks admission only under `Deny`.
    pub validation_actions: Vec<String>,
}

impl VapBinding {
    /// The binding of a decoded document.
    pub fn from_doc(doc: &VapBindingDoc) -> VapBinding {
        VapBinding {
            name: doc.metadata.name.clone(),
            policy_name: doc.spec.policy_name.clone(),
            match_resources: doc.spec.match_resources.clone(),
            param_ref: doc.spec.param_ref.clone(),
            validation_actions: doc.spec.validation_actions.clone(),
        }
    }

    fn denies(&self) -> bool {
        self.validation_actions.iter().any(|a| a == "Deny")
    }
}

/// The ValidatingAdmissionPolicy part of a [`CompiledVpol`].
#[derive(Debug, Clone)]
pub struct CompiledVap {
    /// The expressions, compiled by Kubernetes' composited compiler
    /// (errors are kept and reported when evaluated).
    pub rule: CelRule,
    /// `matchConstraints`: used only when no binding names the policy.
    pub match_constraints: Option<MatchResources>,
    /// `failurePolicy: Ignore`: match-condition errors mean no match.
    pub failure_policy_ignore: bool,
    /// The bindings naming the policy, in load order.
    pub bindings: Vec<Arc<VapBinding>>,
}

/// Compiles a ValidatingAdmissionPolicy into the family's compiled form.
/// Expressions that do not compile are not load errors: Kubernetes
/// reports them when evaluated (`compilation error: …`).
pub fn compile(doc: &VapDoc) -> CompiledVpol {
    let spec = &doc.spec;
    let cel = CelSpec {
        generate: None,
        expressions: spec
            .validations
            .iter()
            .map(|v| Validation {
                expression: v.expression.clone(),
                message: v.message.clone(),
                message_expression: v.message_expression.clone(),
                reason: v.reason.clone(),
            })
            .collect(),
        param_kind: None,
        param_ref: None,
        audit_annotations: spec
            .audit_annotations
            .iter()
            .map(|a| AuditAnnotation {
                key: a.key.clone(),
                value_expression: a.value_expression.clone(),
            })
            .collect(),
        variables: spec
            .variables
            .iter()
            .map(|v| Variable {
                name: v.name.clone(),
                expression: v.expression.clone(),
            })
            .collect(),
    };
    let conditions: Vec<MatchCondition> = spec
        .match_conditions
        .iter()
        .map(|c| MatchCondition {
            name: c.name.clone(),
            expression: c.expression.clone(),
        })
        .collect();
    let rule = CelRule::compile_spec(&cel, &conditions, "", spec.param_kind.is_some(), false);
    let failure_policy_ignore = spec.failure_policy.as_deref() == Some("Ignore");
    let name = doc.metadata.name.clone();
    let info = PolicyInfo {
        key: name.clone(),
        name,
        namespace: None,
        annotations: doc.metadata.annotations.clone(),
        background: true,
        admission: true,
        enforce: true,
        failure_policy_ignore,
        cel_kind: Some(KIND.to_string()),
    };
    CompiledVpol::admission_policy(
        info,
        CompiledVap {
            rule,
            match_constraints: spec.match_constraints.clone(),
            failure_policy_ignore,
            bindings: Vec::new(),
        },
    )
}

/// `ResolveUser`: the request's user, each empty field the background-scan
/// user's.
fn resolved_user(user: Option<&UserInfo>) -> Value {
    let mut out = serde_json::Map::new();
    let username = user.map(|u| u.username.as_str()).unwrap_or("");
    let uid = user.map(|u| u.uid.as_str()).unwrap_or("");
    let groups: Vec<String> = match user {
        Some(u) if !u.groups.is_empty() => u.groups.clone(),
        _ => vec![BACKGROUND_USER.to_string()],
    };
    let or_background = |s: &str| {
        if s.is_empty() {
            BACKGROUND_USER.to_string()
        } else {
            s.to_string()
        }
    };
    out.insert("username".into(), json!(or_background(username)));
    out.insert("uid".into(), json!(or_background(uid)));
    out.insert("groups".into(), json!(groups));
    if let Some(u) = user.filter(|u| !u.extra.is_empty()) {
        out.insert("extra".into(), json!(u.extra));
    }
    Value::Object(out)
}

fn labels_of(v: &Value) -> BTreeMap<&str, &str> {
    v.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
                .collect()
        })
        .unwrap_or_default()
}

/// `matchesSelector`: with a selector, the labels decide (an invalid
/// selector matches nothing); else the name when set, else the namespace.
/// The parameter's kind is not compared.
fn param_matches(param: &Value, r: &ParamRef) -> bool {
    if let Some(sel) = &r.selector {
        return crate::matching::selector_matches(sel, &labels_of(param)).unwrap_or(false);
    }
    let meta = ResourceMeta::of(param);
    if !r.name.is_empty() {
        return meta.name == r.name;
    }
    !r.namespace.is_empty() && meta.namespace == r.namespace
}

/// The `params` of a binding without a cluster: the first matching
/// parameter resource, or, with a selector, every match as one list
/// object (`{items: [...]}`); `None` (null) when nothing matches.
fn select_params(params: &[Value], r: &ParamRef) -> Option<Value> {
    let mut items = Vec::new();
    for p in params.iter().filter(|p| param_matches(p, r)) {
        if r.selector.is_none() {
            return Some(p.clone());
        }
        items.push(p.clone());
    }
    (!items.is_empty()).then(|| json!({ "items": items }))
}

/// One validator run, as Kyverno's `validateResource` reports it: rule
/// name = policy name.
fn validate_resource(
    policy: &CompiledVpol,
    vap: &CompiledVap,
    binding: Option<&VapBinding>,
    params: Option<&Value>,
    inputs: &Inputs<'_>,
    host: &dyn Host,
) -> (RuleResponse, bool) {
    let name = policy.info.name.as_str();
    let respond =
        |status, message: String| RuleResponse::new(name, RuleType::Validation, status, message);
    let decision = validate(&vap.rule, inputs, params, vap.failure_policy_ignore, host);
    let blocks = binding.is_none_or(VapBinding::denies);
    let (mut rule, enforced) = match decision {
        Decision::NotMatched => (
            respond(RuleStatus::Skip, "match conditions aren't met".into()),
            false,
        ),
        Decision::Admit => (respond(RuleStatus::Pass, String::new()), false),
        Decision::Deny(m) => (respond(RuleStatus::Fail, m), blocks),
        Decision::Error(m) => (
            respond(RuleStatus::Error, m),
            blocks && !vap.failure_policy_ignore,
        ),
    };
    if let Some(b) = binding {
        rule.properties.insert("binding".into(), b.name.clone());
    }
    (rule, enforced)
}

/// Evaluates a ValidatingAdmissionPolicy on a request. `None` for a JSON
/// payload or a request without an object; otherwise a response with no
/// rule when nothing matched (shown as `Excluded` by `kyverno test`), or
/// with the one rule of the deciding evaluation.
pub fn evaluate(
    policy: &CompiledVpol,
    vap: &CompiledVap,
    request: &VpolRequest<'_>,
    host: &dyn Host,
) -> Option<PolicyResponse> {
    if request.json_payload || policy.mode != VpolMode::Kubernetes {
        return None;
    }
    let resource = request.object.or(request.old_object)?;
    let meta = ResourceMeta::of(resource);
    let (group, version, kind) = request
        .kind
        .unwrap_or((meta.group, meta.version, meta.kind));
    let default_kinds = KindMap::default();
    let plural = request
        .kinds
        .unwrap_or(&default_kinds)
        .resource(group, version, kind);
    // A Namespace is not in a namespace: the validator sees an empty one.
    let namespace_name = if kind == "Namespace" && version == "v1" && group.is_empty() {
        ""
    } else {
        meta.namespace
    };
    let no_labels = BTreeMap::new();
    let labels = if namespace_name.is_empty() {
        None
    } else {
        request.namespace_labels
    };
    let attrs = Attributes {
        group,
        version,
        resource: &plural,
        subresource: "",
        operation: "CREATE",
        name: meta.name,
        namespace: meta.namespace,
        object: resource,
        old_object: &Value::Null,
        // The namespace is always known (its labels from the values file,
        // else none): no synthetic `kubernetes.io/metadata.name` label.
        namespace_labels: Some(labels.unwrap_or(&no_labels)),
    };
    let request_value = admission_request(&AdmissionRequest {
        kind: (group, version, kind),
        resource: (group, version, &plural),
        name: meta.name,
        namespace: meta.namespace,
        operation: "CREATE",
        user_info: resolved_user(request.user_info),
    });
    let inputs = Inputs {
        object: Some(resource),
        old_object: None,
        request: &request_value,
        namespace: namespace_with_labels(namespace_name, labels),
        // Kyverno's CLI gives a ValidatingAdmissionPolicy no authorizer.
        authorizer: None,
    };
    let mut response = PolicyResponse {
        policy: Arc::clone(&policy.info),
        rules: Vec::new(),
        enforced: Vec::new(),
    };
    let mut decided = None;
    if vap.bindings.is_empty() {
        let everything = MatchResources::default();
        let constraints = vap.match_constraints.as_ref().unwrap_or(&everything);
        // A matcher error leaves the response empty, as in Kyverno.
        if matches!(matcher::matches(constraints, &attrs), Ok(true)) {
            decided = Some(validate_resource(policy, vap, None, None, &inputs, host));
        }
    } else {
        let mut all_params: Option<Vec<Value>> = None;
        for b in &vap.bindings {
            if let Some(m) = &b.match_resources {
                if !matches!(matcher::matches(m, &attrs), Ok(true)) {
                    continue;
                }
            }
            let params = match &b.param_ref {
                None => None,
                Some(r) => {
                    let all = all_params
                        .get_or_insert_with(|| host.parameter_resources().unwrap_or_default());
                    select_params(all, r)
                }
            };
            decided = Some(validate_resource(
                policy,
                vap,
                Some(b),
                params.as_ref(),
                &inputs,
                host,
            ));
        }
    }
    if let Some((rule, enforced)) = decided {
        response.rules.push(rule);
        response.enforced.push(enforced);
    }
    Some(response)
}
