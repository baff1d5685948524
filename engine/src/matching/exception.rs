//! PolicyExceptions (`kyverno.io/v2`, `v2beta1`): a resource they match is
//! exempt from the named policy rules, whose result becomes a skip
//! (`pkg/engine/utils/exceptions.go`, `api/kyverno/v2/policy_exception_types.go`).

use serde::Deserialize;
use serde_json::Value;

use crate::error::{LoadError, Location};
use crate::go::wildcard;
use crate::matching::CompiledMatch;
use crate::model::policy::MatchResources;

/// One `spec.exceptions[]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExceptionEntry {
    #[serde(default)]
    policy_name: String,
    #[serde(default)]
    rule_names: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    #[serde(default, rename = "match")]
    match_resources: MatchResources,
    #[serde(default)]
    conditions: Option<Value>,
    #[serde(default)]
    exceptions: Vec<ExceptionEntry>,
    #[serde(default)]
    pod_security: Option<Value>,
}

/// A compiled PolicyException.
///
/// ```
/// let set = verno::PolicySet::from_yaml(r#"
/// apiVersion: kyverno.io/v1
/// kind: ClusterPolicy
/// metadata: {name: require-labels}
/// spec:
///   rules:
///   - name: check
///     match: {any: [{resources: {kinds: [Pod]}}]}
///     validate: {message: "label app required", pattern: {metadata: {labels: {app: "?*"}}}}
/// ---
/// apiVersion: kyverno.io/v2
/// kind: PolicyException
/// metadata: {name: allow-tools, namespace: tools}
/// spec:
///   exceptions: [{policyName: require-labels, ruleNames: [check]}]
///   match: {any: [{resources: {kinds: [Pod], namespaces: [tools]}}]}
/// "#).unwrap();
/// let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "tools"}});
/// let eval = set.evaluate(&verno::Request::create(&pod), &verno::NoHost);
/// let r = &eval.policies[0].rules[0];
/// assert_eq!(r.status, verno::RuleStatus::Skip);
/// assert_eq!(r.message, "rule is skipped due to policy exceptionstools/allow-tools");
/// ```
#[derive(Debug, Clone)]
pub struct PolicyException {
    /// `namespace/name`, or `name` without a namespace (the key Kyverno prints).
    pub key: String,
    entries: Vec<ExceptionEntry>,
    match_block: CompiledMatch,
    /// `any`/`all` conditions over the rule's context.
    pub conditions: Option<Value>,
    /// `spec.podSecurity`: the controls it exempts podSecurity rules from
    /// (empty: it exempts the whole rule).
    pub pod_security: Vec<crate::pod_security::Exclude>,
}

/// Is this document a PolicyException Kyverno's engine applies?
pub fn is_policy_exception(doc: &Value) -> bool {
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    doc.get("kind").and_then(Value::as_str) == Some("PolicyException")
        && matches!(
            api,
            "kyverno.io/v2" | "kyverno.io/v2beta1" | "kyverno.io/v2alpha1"
        )
}

impl PolicyException {
    /// Compile one PolicyException document.
    pub fn from_value(doc: &Value, line: Option<usize>) -> Result<PolicyException, LoadError> {
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let ns = doc
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let spec: Spec = serde_json::from_value(doc.get("spec").cloned().unwrap_or(Value::Null))
            .map_err(|e| LoadError::Invalid {
                location: Box::new(Location {
                    line,
                    policy: Some(name.clone()),
                    field: Some("spec".into()),
                    ..Default::default()
                }),
                message: format!("PolicyException: {e}"),
            })?;
        if let Some(i) = spec
            .exceptions
            .iter()
            .position(|e| e.policy_name.is_empty())
        {
            return Err(LoadError::Invalid {
                location: Box::new(Location {
                    line,
                    policy: Some(name.clone()),
                    field: Some(format!("spec.exceptions[{i}].policyName")),
                    ..Default::default()
                }),
                message: "An exception requires a policy name".into(),
            });
        }
        let pod_security =
            crate::pod_security::parse_excludes(spec.pod_security.as_ref(), "spec.podSecurity")
                .map_err(|(field, message)| LoadError::Invalid {
                    location: Box::new(Location {
                        line,
                        policy: Some(name.clone()),
                        field: Some(field),
                        ..Default::default()
                    }),
                    message,
                })?;
        Ok(PolicyException {
            pod_security,
            key: if ns.is_empty() {
                name
            } else {
                format!("{ns}/{name}")
            },
            match_block: CompiledMatch::compile(&spec.match_resources),
            conditions: spec.conditions.filter(|c| !c.is_null()),
            entries: spec.exceptions,
        })
    }

    /// `Contains`: does it name this policy (key as `ns/name` for namespaced
    /// policies) and this rule (wildcards allowed in rule names)?
    pub fn names(&self, policy_key: &str, rule: &str) -> bool {
        self.entries.iter().any(|e| {
            e.policy_name == policy_key && e.rule_names.iter().any(|r| wildcard::matches(r, rule))
        })
    }

    /// Does its `match` select the resource?
    pub fn matches(&self, ctx: &crate::matching::MatchContext<'_>) -> bool {
        self.match_block.matches_exception(ctx)
    }
}
