//! Kyverno's CEL resource matcher (`pkg/cel/matching/matcher.go`): namespace
//! selector, object selector, exclude rules, resource rules (with the
//! `generateName` extension of `resourceNames`). No equivalent matching:
//! the request's group/version/resource must appear in a rule.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{MatchResources, ResourceRule};
use crate::matching::selector_matches;
use crate::model::policy::LabelSelector;

/// What the matcher reads of an admission request.
#[derive(Debug, Clone, Copy)]
pub struct Attributes<'a> {
    /// API group of the request's resource.
    pub group: &'a str,
    /// API version of the request's resource.
    pub version: &'a str,
    /// The plural resource (`pods`).
    pub resource: &'a str,
    /// Subresource, empty for the main resource.
    pub subresource: &'a str,
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT`.
    pub operation: &'a str,
    /// The object's name (empty while `generateName` is used).
    pub name: &'a str,
    /// The object's namespace (empty for cluster-scoped objects).
    pub namespace: &'a str,
    /// The object (`{}` when absent: Kyverno builds empty objects, not nil).
    pub object: &'a Value,
    /// The old object (`{}` on CREATE).
    pub old_object: &'a Value,
    /// The labels of the request's namespace, when known.
    pub namespace_labels: Option<&'a BTreeMap<String, String>>,
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

fn selector_empty(s: Option<&LabelSelector>) -> bool {
    s.is_none_or(|s| s.match_labels.is_empty() && s.match_expressions.is_empty())
}

fn namespace_selector(m: &MatchResources, a: &Attributes<'_>) -> Result<bool, String> {
    if a.namespace.is_empty() && a.resource != "namespaces" {
        return Ok(true);
    }
    let Some(sel) = m
        .namespace_selector
        .as_ref()
        .filter(|_| !selector_empty(m.namespace_selector.as_ref()))
    else {
        return Ok(true);
    };
    if a.resource == "namespaces" && matches!(a.operation, "CREATE" | "UPDATE") {
        return selector_matches(sel, &labels_of(a.object));
    }
    let synthetic;
    let labels: BTreeMap<&str, &str> = match a.namespace_labels {
        Some(l) => l.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        None => {
            synthetic = [(
                "kubernetes.io/metadata.name".to_string(),
                a.namespace.to_string(),
            )];
            synthetic
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect()
        }
    };
    selector_matches(sel, &labels)
}

fn object_selector(m: &MatchResources, a: &Attributes<'_>) -> Result<bool, String> {
    let Some(sel) = m.object_selector.as_ref() else {
        return Ok(true);
    };
    if selector_empty(Some(sel)) {
        return Ok(true);
    }
    // An absent (null) object never matches, as Kubernetes' `matchObject(nil)`.
    let matches = |o: &Value| {
        if o.is_null() {
            Ok(false)
        } else {
            selector_matches(sel, &labels_of(o))
        }
    };
    Ok(matches(a.object)? || matches(a.old_object)?)
}

fn any_or(list: &[String], actual: &str) -> bool {
    list.iter().any(|x| x == "*" || x == actual)
}

/// k8s `rules.Matcher`: scope, operation, group, version, resource/subresource.
fn rule_matches(r: &ResourceRule, a: &Attributes<'_>) -> bool {
    let scope = match r.scope.as_deref() {
        None | Some("*") => true,
        Some("Namespaced") => a.resource != "namespaces" && !a.namespace.is_empty(),
        Some("Cluster") => a.resource == "namespaces" || a.namespace.is_empty(),
        Some(_) => false,
    };
    let resource = r.resources.iter().any(|res| {
        let (res, sub) = res.split_once('/').unwrap_or((res, ""));
        (res == "*" || res == a.resource) && (sub == "*" || sub == a.subresource)
    });
    scope
        && any_or(&r.operations, a.operation)
        && any_or(&r.api_groups, a.group)
        && any_or(&r.api_versions, a.version)
        && resource
}

fn rules_match(rules: &[ResourceRule], a: &Attributes<'_>) -> bool {
    rules.iter().any(|r| {
        if !rule_matches(r, a) {
            return false;
        }
        if r.resource_names.is_empty() {
            return true;
        }
        if a.name.is_empty() {
            // Kyverno's extension: objects named by generateName.
            let gen = a
                .object
                .pointer("/metadata/generateName")
                .and_then(Value::as_str)
                .unwrap_or("");
            return r.resource_names.iter().any(|n| gen.starts_with(n.as_str()));
        }
        r.resource_names.iter().any(|n| n == a.name)
    })
}

/// Whether `m` selects the request. Selector errors surface only when the
/// resource rules matched, as in Kyverno.
pub fn matches(m: &MatchResources, a: &Attributes<'_>) -> Result<bool, String> {
    // The resource rules first: they are cheap and turn most policies away,
    // and the answer does not depend on the order (any `false` wins over a
    // selector error; between errors the namespace selector's comes first).
    if rules_match(&m.exclude_resource_rules, a) {
        return Ok(false);
    }
    if !m.resource_rules.is_empty() && !rules_match(&m.resource_rules, a) {
        return Ok(false);
    }
    let ns = namespace_selector(m, a);
    if matches!(ns, Ok(false)) {
        return Ok(false);
    }
    let obj = object_selector(m, a);
    if matches!(obj, Ok(false)) {
        return Ok(false);
    }
    ns?;
    obj?;
    Ok(true)
}

/// `hasSelector` of Kyverno's CLI: whether a non-matching policy's empty
/// response is kept (shown as `Excluded`) rather than dropped (`Not found`).
pub fn keeps_empty_response(m: Option<&MatchResources>) -> bool {
    let Some(m) = m else {
        return false;
    };
    !selector_empty(m.namespace_selector.as_ref())
        || !selector_empty(m.object_selector.as_ref())
        || !m.exclude_resource_rules.is_empty()
        || m.resource_rules.len() != 1
        || m.resource_rules
            .iter()
            .any(|r| !r.resource_names.is_empty())
}
