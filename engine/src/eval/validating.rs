//! The validate stage of the ValidatingPolicy family: one compiled policy
//! (`vpol`) on the request the pipeline gives it, and which responses
//! Kyverno's CLI keeps (`policy_processor.go`, the validating-policy step).

use serde_json::Value;

use crate::host::Host;
use crate::model::resource::Request;
use crate::model::response::PolicyResponse;
use crate::vpol::{CompiledVpol, VpolMode, VpolRequest};

/// The response of `policy` to `request`, when Kyverno keeps one: a policy
/// that matched, or a Kubernetes-mode policy that did not match and whose
/// constraints have no selector (`hasSelector`), which tests show as
/// `Excluded`. JSON-mode policies judge the resource as a JSON document.
pub fn validating_policy(
    policy: &CompiledVpol,
    request: &Request<'_>,
    host: &dyn Host,
) -> Option<PolicyResponse> {
    let vreq = VpolRequest {
        namespace_object: request.namespace_object,
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
