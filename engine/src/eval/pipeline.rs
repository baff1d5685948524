//! The admission pipeline: the one place that knows Kyverno's order. Every
//! policy's mutate rules run in turn, each on the resource the previous ones
//! produced; then every policy's validate rules judge the mutated resource;
//! then the generate rules see it too (`ApplyPoliciesOnResource` in
//! Kyverno's CLI, the webhook's mutate-then-validate).
//!
//! Callers pick the stages ([`Stages`]) and, where each policy gets a
//! request of its own (`kyverno test` values files: operation, variables,
//! edited objects), pass a [`RequestHook`]. The policy families are
//! dispatched here and nowhere else: the ValidatingPolicies judge at the
//! validate stage after every `kyverno.io` policy, before generate, as
//! Kyverno's CLI processor orders them.

use std::borrow::Cow;
use std::convert::Infallible;

use serde_json::{Map, Value};

use crate::compile::{CompiledPolicy, PolicySet};
use crate::host::Host;
use crate::model::resource::{Operation, Request};
use crate::model::response::PolicyResponse;
pub use crate::model::Stage;
use crate::variables::Context;
use crate::vpol::VpolMode;

/// Which stages a run includes; they always run in admission order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stages {
    /// Run the mutate rules.
    pub mutate: bool,
    /// Run the validate rules.
    pub validate: bool,
    /// Run the generate rules.
    pub generate: bool,
}

impl Stages {
    /// Mutate, validate and generate: `kyverno apply`/`kyverno test`.
    pub const ALL: Stages = Stages {
        mutate: true,
        validate: true,
        generate: true,
    };
    /// Mutate, then validate: the admission webhook.
    pub const ADMISSION: Stages = Stages {
        mutate: true,
        validate: true,
        generate: false,
    };
    /// Validate only, on the resource as given (background scans).
    pub const VALIDATE: Stages = Stages {
        mutate: false,
        validate: true,
        generate: false,
    };
    /// Mutate only.
    pub const MUTATE: Stages = Stages {
        mutate: true,
        validate: false,
        generate: false,
    };
    /// Generate only, on the resource as given.
    pub const GENERATE: Stages = Stages {
        mutate: false,
        validate: false,
        generate: true,
    };
}

/// What one policy's request changes from the caller's request (all `None`:
/// nothing, the policy sees the shared request).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyRequest {
    /// The policy's own operation. When set, the objects follow it as
    /// Kyverno's CLI builds them (`makePolicyContext`): the running resource
    /// is the object (none on DELETE), and UPDATE/DELETE carry
    /// `old_object`, or the running resource when that is `None`.
    pub operation: Option<Operation>,
    /// The old object of an UPDATE or DELETE under `operation`.
    pub old_object: Option<Value>,
    /// Extra context variables for this policy (dotted keys).
    pub variables: Option<Map<String, Value>>,
}

impl PolicyRequest {
    fn is_plain(&self) -> bool {
        self.operation.is_none() && self.old_object.is_none() && self.variables.is_none()
    }
}

/// Gives each policy its own request, and hears each response with the
/// resource it judged. `kyverno test` needs it because values files set the
/// operation and variables per policy and may edit the objects.
pub trait RequestHook {
    /// What [`RequestHook::prepare`] may fail with.
    type Error;

    /// Called before `policy` runs `stage` (only for policies with rules of
    /// that stage) with the running resource, which the hook may replace
    /// (the replacement stays for later policies, as Kyverno's values edits
    /// do). Returns what the policy's request changes.
    fn prepare(
        &mut self,
        policy: &CompiledPolicy,
        stage: Stage,
        running: &mut Cow<'_, Value>,
    ) -> Result<PolicyRequest, Self::Error>;

    /// Called after `policy` ran `stage` with its response, the running
    /// resource after it, and whether a mutation of this policy replaced
    /// that resource.
    fn responded(
        &mut self,
        _stage: Stage,
        _response: &PolicyResponse,
        _resource: &Value,
        _patched: bool,
    ) {
    }
}

/// The hook of callers with one request for every policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct SharedRequest;

impl RequestHook for SharedRequest {
    type Error = Infallible;

    fn prepare(
        &mut self,
        _policy: &CompiledPolicy,
        _stage: Stage,
        _running: &mut Cow<'_, Value>,
    ) -> Result<PolicyRequest, Infallible> {
        Ok(PolicyRequest::default())
    }
}

/// The result of evaluating a request against a policy set.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Validate responses in the validate stage's order: one entry per
    /// `kyverno.io` policy, in load order (kept even when empty, as
    /// Kyverno's engine responses are), then the ValidatingPolicies'
    /// (Kubernetes-mode, then JSON-mode) that Kyverno's CLI keeps.
    pub policies: Vec<PolicyResponse>,
    /// Mutate responses, one per policy with mutate rules, in the order
    /// they ran.
    pub mutations: Vec<PolicyResponse>,
    /// `verifyImages` responses, one per policy with such rules (run with
    /// mutate and validate both selected, between the two).
    pub verifications: Vec<PolicyResponse>,
    /// Generate responses, one per policy with generate rules (each lists
    /// the resources its rules create).
    pub generations: Vec<PolicyResponse>,
    /// The resource after every mutation, when some rule changed it.
    pub patched: Option<Value>,
}

impl Evaluation {
    /// Whether the request is admitted: no enforced failure and no error of a
    /// `failurePolicy: Fail` policy.
    pub fn allowed(&self) -> bool {
        !self
            .policies
            .iter()
            .chain(self.mutations.iter())
            .chain(self.verifications.iter())
            .any(PolicyResponse::blocks)
    }

    /// The RFC 6902 patch from `original` to the mutated resource (empty
    /// when nothing changed): what the AdmissionReview response carries.
    pub fn patch(&self, original: &Value) -> Vec<Value> {
        match &self.patched {
            Some(p) => crate::patch::diff(original, p),
            None => Vec::new(),
        }
    }
}

/// The result of the mutate stage alone.
#[derive(Debug, Clone, Default)]
pub struct Mutation {
    /// One response per policy with mutate rules, in policy order.
    pub policies: Vec<PolicyResponse>,
    /// The resource after every mutation, when some rule changed it.
    pub patched: Option<Value>,
}

impl Mutation {
    /// The RFC 6902 patch from `original` to the mutated resource (empty
    /// when nothing changed).
    pub fn patch(&self, original: &Value) -> Vec<Value> {
        match &self.patched {
            Some(p) => crate::patch::diff(original, p),
            None => Vec::new(),
        }
    }
}

/// The request `policy` sees at `stage`: the caller's, with the running
/// resource in place of the object and the hook's changes applied.
fn policy_request<'a>(
    base: &Request<'a>,
    running: &'a Value,
    changed: bool,
    stage: Stage,
    own: &'a PolicyRequest,
) -> Request<'a> {
    let mut req = *base;
    if let Some(op) = own.operation {
        req.operation = op;
        req.object = (op != Operation::Delete).then_some(running);
        req.old_object = match op {
            Operation::Update | Operation::Delete => {
                Some(own.old_object.as_ref().unwrap_or(running))
            }
            Operation::Create | Operation::Connect => None,
        };
    } else if changed {
        // Generate keeps a DELETE's missing object missing; the other
        // stages judge the mutated resource as the object.
        req.object = match stage {
            Stage::Generate => base.object.map(|_| running),
            Stage::Mutate | Stage::VerifyImages | Stage::Validate => Some(running),
        };
    }
    if let Some(v) = &own.variables {
        req.variables = Some(v);
    }
    req
}

impl PolicySet {
    /// Evaluate a request as Kyverno's admission does: every policy's
    /// mutate rules in order, then every validate rule on the mutated
    /// resource.
    pub fn evaluate(&self, request: &Request<'_>, host: &dyn Host) -> Evaluation {
        let Ok(eval) = self.run(request, Stages::ADMISSION, &mut SharedRequest, host);
        eval
    }

    /// Only the validate rules of every policy, on the request as given.
    pub fn validate(&self, request: &Request<'_>, host: &dyn Host) -> Vec<PolicyResponse> {
        let Ok(eval) = self.run(request, Stages::VALIDATE, &mut SharedRequest, host);
        eval.policies
    }

    /// A JSON payload (not a Kubernetes request), as `kyverno apply --json`
    /// and test `jsonPayload` files give it: only the JSON-mode
    /// ValidatingPolicies judge it, in load order. A policy that does not
    /// match gives no response.
    pub fn evaluate_json_payload(&self, payload: &Value, host: &dyn Host) -> Vec<PolicyResponse> {
        let policies = self
            .policies()
            .iter()
            .filter_map(CompiledPolicy::as_validating);
        crate::eval::validating::json_payload(policies, payload, host)
    }

    /// The policies of the validate stage in Kyverno's order: the
    /// `kyverno.io` policies, then Kubernetes-mode ValidatingPolicies,
    /// then JSON-mode ones (which judge the resource as a JSON document).
    fn validate_order(&self) -> impl Iterator<Item = &CompiledPolicy> {
        let vpols = |mode: VpolMode| {
            self.policies()
                .iter()
                .filter(move |p| p.as_validating().is_some_and(|v| v.mode == mode))
        };
        self.policies()
            .iter()
            .filter(|p| p.as_kyverno().is_some())
            .chain(vpols(VpolMode::Kubernetes))
            .chain(vpols(VpolMode::Json))
    }

    /// Only the mutate rules: policies in order, each on the resource the
    /// previous ones produced.
    pub fn mutate(&self, request: &Request<'_>, host: &dyn Host) -> Mutation {
        let Ok(eval) = self.run(request, Stages::MUTATE, &mut SharedRequest, host);
        Mutation {
            policies: eval.mutations,
            patched: eval.patched,
        }
    }

    /// The generate rules of every policy with some (each response lists the
    /// resources its rules create).
    pub fn generate(&self, request: &Request<'_>, host: &dyn Host) -> Vec<PolicyResponse> {
        let Ok(eval) = self.run(request, Stages::GENERATE, &mut SharedRequest, host);
        eval.generations
    }

    /// Run `stages` in admission order, asking `hook` for each policy's
    /// request. The only error is the hook's.
    pub fn run<H: RequestHook>(
        &self,
        request: &Request<'_>,
        stages: Stages,
        hook: &mut H,
        host: &dyn Host,
    ) -> Result<Evaluation, H::Error> {
        let mut out = Evaluation::default();
        let Some(resource) = request.resource() else {
            // Nothing to judge: each stage answers with empty responses.
            // Only `kyverno.io` policies answer: other families keep no
            // response for a request without a resource.
            let empty = |stage: Stage| -> Vec<PolicyResponse> {
                self.policies()
                    .iter()
                    .filter(|p| p.as_kyverno().is_some())
                    .filter(|p| stage == Stage::Validate || p.has_stage(stage))
                    .map(empty_response)
                    .collect()
            };
            if stages.mutate {
                out.mutations = empty(Stage::Mutate);
            }
            if stages.validate {
                out.policies = empty(Stage::Validate);
            }
            if stages.generate {
                out.generations = empty(Stage::Generate);
            }
            return Ok(out);
        };
        let mut running: Cow<'_, Value> = Cow::Borrowed(resource);
        // Whether `running` differs from the request's own resource.
        let mut changed = false;
        let mut patched = false;
        if stages.mutate {
            for policy in self
                .policies()
                .iter()
                .filter(|p| p.has_stage(Stage::Mutate))
            {
                let own = hook.prepare(policy, Stage::Mutate, &mut running)?;
                changed |= matches!(running, Cow::Owned(_));
                let req = policy_request(request, &running, changed, Stage::Mutate, &own);
                let (resp, after) = match policy {
                    CompiledPolicy::Kyverno(p) => {
                        crate::eval::mutate::mutate_policy(p, self.exceptions(), &req, host)
                    }
                    // `has_stage` keeps other families out of this stage.
                    CompiledPolicy::Validating(_) => continue,
                };
                let replaced = after.is_some();
                if let Some(v) = after {
                    running = Cow::Owned(v);
                    changed = true;
                    patched = true;
                }
                hook.responded(Stage::Mutate, &resp, &running, replaced);
                out.mutations.push(resp);
            }
        }
        if stages.mutate && stages.validate {
            patched |=
                self.verify_images(request, hook, &mut running, &mut changed, &mut out, host)?;
        }
        if stages.validate {
            // One context document per request, shared by every policy that
            // sees the shared request: each rule works under a checkpoint
            // and leaves it as it found it.
            let mut shared: Option<Context<'_>> = None;
            let resources = crate::eval::validating::ResourceMemo::default();
            for policy in self.validate_order() {
                if !policy.has_stage(Stage::Validate) {
                    out.policies.push(empty_response(policy));
                    continue;
                }
                let was_changed = changed;
                let own = hook.prepare(policy, Stage::Validate, &mut running)?;
                changed |= matches!(running, Cow::Owned(_));
                let mut own_ctx = None;
                let vctx = if own.is_plain() && was_changed == changed {
                    &mut shared
                } else {
                    // The request differs from the one `shared` was built
                    // from: this policy gets its own context.
                    shared = None;
                    &mut own_ctx
                };
                let req = policy_request(request, &running, changed, Stage::Validate, &own);
                let resp = match policy {
                    CompiledPolicy::Kyverno(p) => crate::eval::validate::evaluate_policy(
                        p,
                        self.exceptions(),
                        &req,
                        host,
                        vctx,
                    ),
                    CompiledPolicy::Validating(p) => {
                        match crate::eval::validating::validating_policy(p, &req, &resources, host)
                        {
                            Some(resp) => resp,
                            None => continue,
                        }
                    }
                };
                hook.responded(Stage::Validate, &resp, &running, false);
                out.policies.push(resp);
            }
        }
        if stages.generate {
            for policy in self
                .policies()
                .iter()
                .filter(|p| p.has_stage(Stage::Generate))
            {
                let own = hook.prepare(policy, Stage::Generate, &mut running)?;
                changed |= matches!(running, Cow::Owned(_));
                let req = policy_request(request, &running, changed, Stage::Generate, &own);
                let resp = match policy {
                    CompiledPolicy::Kyverno(p) => {
                        crate::eval::generate::generate_policy(p, &req, host)
                    }
                    CompiledPolicy::Validating(_) => continue,
                };
                hook.responded(Stage::Generate, &resp, &running, false);
                out.generations.push(resp);
            }
        }
        if patched {
            out.patched = Some(running.into_owned());
        }
        Ok(out)
    }
}

impl PolicySet {
    /// The verify stage (`VerifyAndPatchImages` per policy, as Kyverno's
    /// CLI runs it after every mutation). Returns whether a policy changed
    /// the running resource.
    fn verify_images<'r, H: RequestHook>(
        &self,
        request: &Request<'r>,
        hook: &mut H,
        running: &mut Cow<'r, Value>,
        changed: &mut bool,
        out: &mut Evaluation,
        host: &dyn Host,
    ) -> Result<bool, H::Error> {
        let mut patched = false;
        for policy in self
            .policies()
            .iter()
            .filter(|p| p.has_stage(Stage::VerifyImages))
        {
            // Only `kyverno.io` policies have verifyImages rules.
            let CompiledPolicy::Kyverno(kp) = policy else {
                continue;
            };
            let own = hook.prepare(policy, Stage::VerifyImages, running)?;
            *changed |= matches!(running, Cow::Owned(_));
            let req = policy_request(request, running, *changed, Stage::VerifyImages, &own);
            let (resp, after) =
                crate::eval::verify_images::verify_policy(kp, self.exceptions(), &req, host);
            let replaced = after.is_some();
            if let Some(v) = after {
                *running = Cow::Owned(v);
                *changed = true;
                patched = true;
            }
            hook.responded(Stage::VerifyImages, &resp, running, replaced);
            out.verifications.push(resp);
        }
        Ok(patched)
    }
}

fn empty_response(policy: &CompiledPolicy) -> PolicyResponse {
    PolicyResponse {
        policy: policy.info().clone(),
        rules: Vec::new(),
        enforced: Vec::new(),
    }
}
