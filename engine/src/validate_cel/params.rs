//! `CollectParams` (Kyverno's `pkg/admissionpolicy/utils.go`): the
//! parameter objects a `validate.cel` rule with `paramKind` and `paramRef`
//! is evaluated against, read through the host.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{ParamKind, ParamRef};
use crate::host::Host;
use crate::model::resource::ResourceMeta;

/// The parameters for a request in `namespace` (empty for cluster-scoped
/// objects), or Kyverno's error text.
pub fn collect(
    kind: &ParamKind,
    param_ref: &ParamRef,
    namespace: &str,
    host: &dyn Host,
) -> Result<Vec<Value>, String> {
    if kind.api_version.matches('/').count() > 1 {
        return Err("can't parse the parameter resource group version".into());
    }
    let namespaced = host
        .param_kind_namespaced(&kind.api_version, &kind.kind)
        .map_err(|e| format!("failed to check if resource is namespaced or not ({e})"))?;
    let params_namespace = if namespaced {
        if !param_ref.namespace.is_empty() {
            param_ref.namespace.as_str()
        } else if namespace.is_empty() {
            return Err("can't use namespaced paramRef to match cluster-scoped resources".into());
        } else {
            namespace
        }
    } else if !param_ref.namespace.is_empty() {
        return Err(
            "paramRef.namespace must not be provided for a cluster-scoped `paramKind`".into(),
        );
    } else {
        ""
    };
    let candidates = || {
        host.param_resources(&kind.api_version, &kind.kind, params_namespace)
            .map_err(|e| e.to_string())
    };
    let mut params = Vec::new();
    if !param_ref.name.is_empty() {
        return match candidates()?
            .into_iter()
            .find(|p| ResourceMeta::of(p).name == param_ref.name)
        {
            Some(p) => Ok(vec![p]),
            None => Err(not_found(kind, &param_ref.name)),
        };
    } else if let Some(selector) = &param_ref.selector {
        for p in candidates()? {
            let meta = ResourceMeta::of(&p);
            let labels: BTreeMap<&str, &str> = meta
                .labels
                .map(|l| {
                    l.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
                        .collect()
                })
                .unwrap_or_default();
            if crate::matching::selector_matches(selector, &labels)? {
                params.push(p);
            }
        }
    }
    if params.is_empty() && param_ref.parameter_not_found_action.as_deref() == Some("Deny") {
        return Err("no params found".into());
    }
    Ok(params)
}

/// The API server's not-found error: `configmaps "name" not found`, the
/// resource guessed from the kind as client-go guesses it.
fn not_found(kind: &ParamKind, name: &str) -> String {
    let group = match kind.api_version.rsplit_once('/') {
        Some((g, _)) => g,
        None => "",
    };
    let resource = guess_resource(&kind.kind);
    if group.is_empty() {
        format!("{resource} \"{name}\" not found")
    } else {
        format!("{resource}.{group} \"{name}\" not found")
    }
}

/// `meta.UnsafeGuessKindToResource`: lower-case, then `s` → `ses`, `y` →
/// `ies`, else `+s`.
fn guess_resource(kind: &str) -> String {
    let lower = kind.to_lowercase();
    if lower.is_empty() {
        return lower;
    }
    if lower.ends_with('s') {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}
