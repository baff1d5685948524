//! The mutate flow: rules in order on the running patched resource, each
//! seeing earlier results in `request.object` (`pkg/engine/mutation.go`,
//! `handlers/mutation/mutate_resource.go`, `common.go`, `mutate/mutation.go`).
//! The patch primitives live in [`crate::patch`].

use std::collections::BTreeMap;

use serde_json::Value;

use crate::compile::{CompiledRule, KyvernoPolicy, RuleBody};
use crate::conditions;
use crate::eval::context::{
    exception_skip, load_context, new_context, raw_report_properties, report_properties,
    rule_prelude,
};
use crate::host::Host;
use crate::matching::exception::PolicyException;
use crate::matching::MatchContext;
use crate::model::policy::PolicyKind;
use crate::model::resource::{Request, ResourceMeta};
use crate::model::response::{PolicyResponse, RuleResponse, RuleStatus, RuleType};
use crate::patch;
use crate::patch::chain::Chain;
use crate::variables::{substitute_all, Context};

/// One mutation step's outcome (`mutate.Response`).
struct Step {
    status: RuleStatus,
    patched: Value,
    message: String,
}

impl Step {
    fn error(message: impl Into<String>) -> Step {
        Step {
            status: RuleStatus::Error,
            patched: Value::Null,
            message: message.into(),
        }
    }
}

/// The rules a mutate pass sees (`ComputeRules(policy, "")`): the originals
/// and every autogen variant; matching picks the right ones per kind.
fn mutate_rules(policy: &KyvernoPolicy) -> impl Iterator<Item = &CompiledRule> {
    let generated = !policy.pod_controller_rules.is_empty() || !policy.cronjob_rules.is_empty();
    policy
        .rules
        .iter()
        .filter(move |r| !(generated && r.name.starts_with("autogen-")))
        .chain(policy.pod_controller_rules.iter())
        .chain(policy.cronjob_rules.iter())
}

/// `buildSuccessMessage`.
fn success_message(r: &Value) -> String {
    let m = ResourceMeta::of(r);
    if m.namespace.is_empty() {
        format!("mutated {}/{}", m.kind, m.name)
    } else {
        format!("mutated {}/{} in namespace {}", m.kind, m.name, m.namespace)
    }
}

/// Apply one policy's mutate rules to `request`'s resource. Returns the
/// responses and the resource after them (the input when nothing changed).
pub(crate) fn mutate_policy(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    request: &Request<'_>,
    host: &dyn Host,
) -> (PolicyResponse, Option<Value>) {
    let mut out = PolicyResponse {
        policy: policy.info.clone(),
        rules: Vec::new(),
        enforced: Vec::new(),
    };
    let Some(original) = request.resource() else {
        return (out, None);
    };
    if !policy
        .rules
        .iter()
        .any(|r| matches!(r.body, RuleBody::Mutate(_)))
    {
        return (out, None);
    }
    let meta = ResourceMeta::of(original);
    if policy.kind == PolicyKind::Policy && policy.info.namespace.as_deref() != Some(meta.namespace)
    {
        return (out, None);
    }
    // Every rule is first matched against the original resource, which only
    // a matching rule can change: a policy none of whose rules can match its
    // kind leaves it as it is.
    let (group, version, kind) = crate::matching::request_kind(request, &meta);
    if !policy.may_match_kind(group, version, kind, request.subresource) {
        return (out, None);
    }
    let mut current: Option<Value> = None;
    // Built at the first matching rule: most policies match nothing, and
    // the context document copies the resource.
    let mut lazy_ctx = None;
    for rule in mutate_rules(policy) {
        let RuleBody::Mutate(block) = &rule.body else {
            continue;
        };
        let resource = current.as_ref().unwrap_or(original);
        let req = Request {
            object: Some(resource),
            ..*request
        };
        let mctx = MatchContext::new(&req, resource);
        if !rule.selects(&mctx) {
            continue;
        }
        let ctx = lazy_ctx.get_or_insert_with(|| new_context(request, host));
        if rule.needs_images {
            crate::eval::context::load_images(ctx, resource);
        }
        ctx.checkpoint();
        let step = mutate_rule(policy, exceptions, rule, block, resource, &req, ctx);
        ctx.restore();
        let Some((step, properties)) = step else {
            continue;
        };
        let message = if step.status == RuleStatus::Pass {
            success_message(&step.patched)
        } else {
            step.message
        };
        let mut response = RuleResponse::new(&rule.name, RuleType::Mutation, step.status, message);
        response.properties = properties;
        out.rules.push(response);
        out.enforced.push(false);
        if step.status == RuleStatus::Pass {
            // Later rules read the patched resource as request.object.
            ctx.add_variable("request.object", step.patched.clone());
            current = Some(step.patched);
        }
    }
    (out, current)
}

/// One mutate rule: its step and the properties its response carries.
fn mutate_rule(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    block: &Value,
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'_>,
) -> Option<(Step, BTreeMap<String, String>)> {
    if let Err((status, message)) = rule_prelude(
        policy,
        rule,
        &rule.rule.context,
        true,
        rule.rule.preconditions.as_ref(),
        ctx,
    ) {
        let step = Step {
            status,
            patched: Value::Null,
            message,
        };
        return Some((step, raw_report_properties(rule)));
    }
    let mut properties = report_properties(rule, ctx);
    if let Some(skip) = exception_skip(
        exceptions,
        policy,
        rule,
        request,
        resource,
        ctx,
        RuleType::Mutation,
    ) {
        // The `exceptions` property reports add wins over a reportProperty.
        properties.extend(skip.properties);
        let step = Step {
            status: RuleStatus::Skip,
            patched: Value::Null,
            message: skip.message,
        };
        return Some((step, properties));
    }
    mutate_handler(policy, rule, block, resource, ctx).map(|step| (step, properties))
}

/// The mutate handler proper, once the prelude and exceptions let the rule
/// through.
fn mutate_handler(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    block: &Value,
    resource: &Value,
    ctx: &mut Context<'_>,
) -> Option<Step> {
    // mutate.targets (mutate existing) has no result at admission.
    if block
        .get("targets")
        .and_then(Value::as_array)
        .is_some_and(|t| !t.is_empty())
    {
        return None;
    }
    if let Some(Value::Array(entries)) = block.get("foreach") {
        return Some(mutate_foreach(policy, rule, entries, 0, resource, ctx));
    }
    // Kyverno substitutes variables in the whole rule before patching.
    let substituted = match substitute_all(block, ctx) {
        Ok(v) => v,
        Err(e) => return Some(Step::error(format!("variable substitution failed: {e}"))),
    };
    Some(apply_patches(&substituted, resource))
}

/// `NewPatcher` + `Patch`: patchStrategicMerge wins over patchesJson6902.
fn apply_patches(block: &Value, resource: &Value) -> Step {
    let psm = block.get("patchStrategicMerge").filter(|p| !p.is_null());
    let json6902 = block
        .get("patchesJson6902")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let patched = match (psm, json6902) {
        (Some(p), _) => patch::strategic_merge(resource, p),
        (None, Some(ops)) => patch::apply_json6902(resource, ops),
        (None, None) => return Step::error("empty mutate rule"),
    };
    match patched {
        Err(e) => Step::error(format!("failed to patch resource: {e}")),
        Ok(p) if &p == resource => Step {
            status: RuleStatus::Skip,
            patched: p,
            message: "no patches applied".into(),
        },
        Ok(p) => Step {
            status: RuleStatus::Pass,
            patched: p,
            message: "resource patched".into(),
        },
    }
}

/// `mutateForEach`.
fn mutate_foreach(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    entries: &[Value],
    nesting: usize,
    resource: &Value,
    ctx: &mut Context<'_>,
) -> Step {
    let mut applied = 0usize;
    let mut current = resource.clone();
    for fe in entries {
        let list = fe.get("list").and_then(Value::as_str).unwrap_or("");
        let elements = match ctx.query(list) {
            Ok(Value::Array(a)) => a,
            Ok(other) => vec![other],
            Err(e) => {
                return Step::error(format!("failed to evaluate list {list}: {e}: {e}"));
            }
        };
        let step = mutate_elements(policy, rule, fe, &elements, nesting, &current, ctx);
        if step.status == RuleStatus::Error {
            return Step::error(format!("failed to mutate elements: {}", step.message));
        }
        if step.status != RuleStatus::Skip {
            applied += 1;
            if step.status == RuleStatus::Pass {
                current = step.patched;
            }
            ctx.add_variable("request.object", current.clone());
        }
    }
    Step {
        status: if applied == 0 {
            RuleStatus::Skip
        } else {
            RuleStatus::Pass
        },
        patched: current,
        message: format!("{applied} elements processed"),
    }
}

/// `mutateElements`: patches chain across elements; PSM lists run in
/// reverse by default (kustomize reverses them), `order` overrides.
fn mutate_elements(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    fe: &Value,
    elements: &[Value],
    nesting: usize,
    resource: &Value,
    ctx: &mut Context<'_>,
) -> Step {
    let psm = fe.get("patchStrategicMerge").filter(|p| !p.is_null());
    let reverse = match fe.get("order").and_then(Value::as_str) {
        Some(o) => o == "Descending",
        None => psm.is_some(),
    };
    let order: Vec<usize> = if reverse {
        (0..elements.len()).rev().collect()
    } else {
        (0..elements.len()).collect()
    };
    ctx.checkpoint();
    let mut patched = resource.clone();
    // Strategic merges chain on `patched` without redoing the whole resource
    // per element (see `patch::chain`).
    let mut chain = Chain::default();
    for index in order {
        let Some(element) = elements.get(index).filter(|e| !e.is_null()) else {
            continue;
        };
        ctx.reset();
        ctx.set("element", element.clone());
        ctx.set(&format!("element{nesting}"), element.clone());
        ctx.set("elementIndex", Value::from(index));
        ctx.set(&format!("elementIndex{nesting}"), Value::from(index));
        let entries: &[Value] = match fe.get("context") {
            Some(Value::Array(a)) => a,
            _ => &[],
        };
        if let Err(e) = load_context(policy, rule, entries, false, ctx) {
            ctx.restore();
            return Step::error(format!(
                "failed to load to mutate.foreach[{index}].context: {e}"
            ));
        }
        if let Some(pre) = fe.get("preconditions").filter(|p| !p.is_null()) {
            match conditions::evaluate(pre, ctx) {
                Err(e) => {
                    ctx.restore();
                    return Step::error(format!(
                        "failed to evaluate mutate.foreach[{index}].preconditions: {e}"
                    ));
                }
                Ok((false, _)) => continue,
                Ok((true, _)) => {}
            }
        }
        let step = match fe.get("foreach") {
            Some(Value::Array(nested)) if !nested.is_empty() => {
                chain = Chain::default();
                mutate_foreach(policy, rule, nested, nesting + 1, &patched, ctx)
            }
            _ => {
                let mut patches = serde_json::Map::new();
                patches.insert(
                    "patchStrategicMerge".into(),
                    psm.cloned().unwrap_or(Value::Null),
                );
                patches.insert(
                    "patchesJson6902".into(),
                    fe.get("patchesJson6902")
                        .cloned()
                        .unwrap_or(Value::String(String::new())),
                );
                match substitute_all(&Value::Object(patches), ctx) {
                    // The element's patch applies to the running result in
                    // place: Pass and Skip alike leave `patched` as the patch
                    // made it, so only an error needs a step.
                    Ok(sub) => match sub.get("patchStrategicMerge").filter(|p| !p.is_null()) {
                        Some(psm) => match chain.merge(&mut patched, psm) {
                            Ok(()) => continue,
                            Err(e) => Step::error(format!("failed to patch resource: {e}")),
                        },
                        None => {
                            chain = Chain::default();
                            apply_patches(&sub, &patched)
                        }
                    },
                    Err(e) => Step::error(format!("variable substitution failed: {e}")),
                }
            }
        };
        match step.status {
            RuleStatus::Fail | RuleStatus::Error => {
                ctx.restore();
                return step;
            }
            RuleStatus::Pass => patched = step.patched,
            _ => {}
        }
    }
    ctx.restore();
    if &patched != resource {
        Step {
            status: RuleStatus::Pass,
            patched,
            message: String::new(),
        }
    } else {
        Step {
            status: RuleStatus::Skip,
            patched,
            message: "no patches applied".into(),
        }
    }
}
