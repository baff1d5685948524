//! The validate stage of the ValidatingPolicy family: one compiled policy
//! (`vpol`) on the request the pipeline gives it, and which responses
//! Kyverno's CLI keeps (`policy_processor.go`, the validating-policy step).

use std::cell::RefCell;

use serde_json::Value;

use crate::host::Host;
use crate::model::resource::Request;
use crate::model::response::PolicyResponse;
use crate::vpol::{CompiledVpol, KindMap, VpolMode, VpolRequest};

/// The request's kind → resource mapping, looked up once per request for
/// every ValidatingPolicy it meets (the policies share the request; a
/// mutation may change its kind, so the answer is kept with its kind).
#[derive(Debug, Default)]
pub struct ResourceMemo {
    last: RefCell<Option<(String, String, String, String)>>,
}

impl ResourceMemo {
    /// The plural resource of (group, version, kind), from the built-in
    /// table.
    fn resource(&self, group: &str, version: &str, kind: &str) -> String {
        let mut last = self.last.borrow_mut();
        match last.as_ref() {
            Some((g, v, k, r)) if g == group && v == version && k == kind => r.clone(),
            _ => {
                let r = KindMap::default().resource(group, version, kind);
                *last = Some((group.into(), version.into(), kind.into(), r.clone()));
                r
            }
        }
    }
}

/// The object's own (group, version, kind), as [`ResourceMeta`] reads
/// them, without the other fields it reads.
///
/// [`ResourceMeta`]: crate::model::resource::ResourceMeta
fn own_kind(object: Option<&Value>) -> (&str, &str, &str) {
    let s = |key: &str| {
        object
            .and_then(|o| o.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let api_version = s("apiVersion");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    (group, version, s("kind"))
}

/// The response of `policy` to `request`, when Kyverno keeps one: a policy
/// that matched, or a Kubernetes-mode policy that did not match and whose
/// constraints have no selector (`hasSelector`), which tests show as
/// `Excluded`. JSON-mode policies judge the resource as a JSON document.
pub fn validating_policy(
    policy: &CompiledVpol,
    request: &Request<'_>,
    memo: &ResourceMemo,
    host: &dyn Host,
) -> Option<PolicyResponse> {
    let (group, version, kind) = match request.kind {
        Some(k) => (k.group.as_str(), k.version.as_str(), k.kind.as_str()),
        None => own_kind(request.object.or(request.old_object)),
    };
    let resource = memo.resource(group, version, kind);
    let vreq = VpolRequest {
        namespace_object: request.namespace_object,
        resource: Some(&resource),
        ..VpolRequest::from_request(request)
    };
    let response = crate::vpol::evaluate(policy, &vreq, host)?;
    let keep_empty = policy.mode == VpolMode::Kubernetes && policy.keeps_empty_response();
    (!response.rules.is_empty() || keep_empty).then_some(response)
}

/// The JSON-mode policies' responses to a JSON payload (not a Kubernetes
/// request: Kubernetes-mode policies skip it); empty responses are
/// dropped, as Kyverno's CLI drops them.
pub fn json_payload<'p>(
    policies: impl Iterator<Item = &'p CompiledVpol>,
    payload: &Value,
    host: &dyn Host,
) -> Vec<PolicyResponse> {
    let vreq = VpolRequest {
        json_payload: true,
        ..VpolRequest::from_request(&Request::create(payload))
    };
    policies
        .filter_map(|p| crate::vpol::evaluate(p, &vreq, host))
        .filter(|r| !r.rules.is_empty())
        .collect()
}
