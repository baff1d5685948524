//! `verifyImages` rules: the verify stage between mutate and validate
//! (`pkg/engine/image_verify.go`, `handlers/mutation/mutate_image.go`,
//! `internal/imageverifier.go`) and the image checks of the validate stage
//! (`handlers/validation/validate_image.go`).
//!
//! The engine picks the images, walks the attestor sets with their counts,
//! matches identities (`matchSignatures` of `cpol/cosign`), evaluates
//! attestation conditions and writes Kyverno's messages. Fetching
//! signatures and checking their cryptography is the host's
//! [`ImageVerifier`]; without one, every verification is an `error` result.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::compile::verify_images::{image_verifications, ImageVerification};
use crate::compile::{CompiledRule, KyvernoPolicy, RuleBody};
use crate::eval::context::{
    add_report_properties, exception_skip, new_context, raw_report_properties, report_properties,
    rule_prelude,
};
use crate::host::{Host, ImageVerifier};
use crate::matching::exception::PolicyException;
use crate::matching::MatchContext;
use crate::model::policy::PolicyKind;
use crate::model::resource::{Operation, Request, ResourceMeta};
use crate::model::response::{PolicyResponse, RuleResponse, RuleStatus, RuleType};
use crate::variables::{substitute_all, Context};

/// The annotation the verify stage records outcomes in.
pub const ANNOTATION: &str = "kyverno.io/verify-images";
/// The per-policy, per-rule form of [`ANNOTATION`] that `required` reads.
pub const SCOPED_ANNOTATION: &str = "kyverno.io/verify-images-scoped";

mod attestations;
mod attestors;
mod digest;
mod metadata;
mod selection;

use metadata::{status_word, Metadata};
use selection::{matches_any, matching_images, resource_images, Image};

/// Everything one rule's verification needs.
struct RuleRun<'a, 'h> {
    policy: &'a KyvernoPolicy,
    rule: &'a CompiledRule,
    verifier: Option<&'h dyn ImageVerifier>,
    ivm: &'a mut Metadata,
    ctx: &'a mut Context<'h>,
    /// The resource as this rule sees it (`request.object`).
    object: &'a Value,
    /// `request.oldObject`, for the "already verified" shortcut.
    old_object: Option<&'a Value>,
    /// Every entry of the rule (`validate` checks them all).
    entries: &'a [ImageVerification],
}

impl RuleRun<'_, '_> {
    fn response(&self, status: RuleStatus, message: impl Into<String>) -> RuleResponse {
        RuleResponse::new(&self.rule.name, RuleType::ImageVerify, status, message)
    }

    fn record(&mut self, image: &str, status: &'static str) {
        self.ivm.data.insert(image.to_string(), status);
        let key = format!(
            "{}/{}",
            self.policy.info.namespace.as_deref().unwrap_or_default(),
            self.policy.info.name
        );
        self.ivm
            .scoped
            .entry(key)
            .or_default()
            .entry(self.rule.name.clone())
            .or_default()
            .insert(image.to_string(), status);
    }

    /// The rule's identity regexps compiled at load.
    fn static_regexes(&self) -> &BTreeMap<String, regex::Regex> {
        static NONE: BTreeMap<String, regex::Regex> = BTreeMap::new();
        match &self.rule.body {
            RuleBody::VerifyImages(body) => &body.static_regexes,
            _ => &NONE,
        }
    }

    /// Kyverno's shortcut on updates: an image whose field the request
    /// does not change (`HasChanged`: present in both objects and equal) is
    /// not verified again when the old object's scoped annotation says this
    /// rule passed or skipped it.
    fn previously_verified(&self, img: &Image) -> bool {
        let Some(old) = self.old_object else {
            return false;
        };
        let now = self.object.pointer(&img.pointer).filter(|v| !v.is_null());
        let before = old.pointer(&img.pointer).filter(|v| !v.is_null());
        if now.is_none() || now != before {
            return false;
        }
        matches!(
            metadata::scoped_status(old, &self.policy.info, &self.rule.name, &img.reference),
            Some("pass" | "skip")
        )
    }

    /// `imageVerifier.Verify` for one entry over the matched images: the
    /// responses and the digest patches.
    fn verify(
        &mut self,
        entry: &ImageVerification,
        images: &[Image],
        out: &mut Vec<RuleResponse>,
        patches: &mut Vec<(String, String)>,
    ) {
        for img in images {
            if self.previously_verified(img) {
                // Kyverno records it as passed and gives no response.
                self.record(&img.reference, "pass");
                continue;
            }
            let mut image = img.reference.clone();
            let (mut resp, digest) = match self.verify_image(entry, img) {
                Some((r, d)) => (Some(r), d),
                None => (None, String::new()),
            };
            if entry.mutate_digest && img.digest.is_empty() {
                let digest = if digest.is_empty() {
                    self.resolve_digest(entry, &image)
                } else {
                    Ok(digest)
                };
                match digest {
                    Err(f) => out.push(self.response(
                        RuleStatus::Error,
                        format!("failed to update digest: {}", f.message),
                    )),
                    Ok(digest) => {
                        if resp.is_none() {
                            resp = Some(self.response(RuleStatus::Pass, "mutated image digest"));
                        }
                        patches.push((img.pointer.clone(), format!("{image}@{digest}")));
                        image = format!("{}@{digest}", img.base);
                    }
                }
            }
            if let Some(r) = resp {
                if !entry.attestors.is_empty() || !entry.attestations.is_empty() {
                    self.record(&image, status_word(r.status));
                }
                out.push(r);
            }
        }
    }
}

/// The images a rule checks (`ExtractMatchingImages` before the reference
/// match): with `imageExtractors`, those the rule's extractors find (and the
/// `images` value they make), else the built-in ones.
fn rule_images(
    rule: &CompiledRule,
    resource: &Value,
) -> Result<(Vec<Image>, Option<Value>), String> {
    match &rule.rule.image_extractors {
        Some(configs) => {
            let custom = crate::eval::images::extract_images(resource, Some(configs))
                .map_err(|e| format!("failed to extract images: {e}"))?;
            let images = custom
                .as_ref()
                .map(selection::images_of)
                .unwrap_or_default();
            Ok((images, Some(custom.unwrap_or_else(|| json!({})))))
        }
        None => Ok((resource_images(resource)?, None)),
    }
}

/// The rules a verify pass sees (`ComputeRules(policy, "")`): originals
/// and every autogen variant.
fn verify_rules(policy: &KyvernoPolicy) -> impl Iterator<Item = &CompiledRule> {
    let generated = !policy.pod_controller_rules.is_empty() || !policy.cronjob_rules.is_empty();
    policy
        .rules
        .iter()
        .filter(move |r| !(generated && r.name.starts_with("autogen-")))
        .chain(policy.pod_controller_rules.iter())
        .chain(policy.cronjob_rules.iter())
}

/// `failureAction` of a verifyImages rule: any entry's `Enforce` wins, then
/// the first set, then the policy's.
pub(crate) fn verify_rule_enforced(
    policy: &KyvernoPolicy,
    rule: &CompiledRule,
    raw: &Value,
    ns: &str,
    request: &Request<'_>,
) -> bool {
    let actions: Vec<&str> = raw
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("failureAction").and_then(Value::as_str))
        .collect();
    if actions.contains(&"Enforce") {
        return true;
    }
    match actions.first() {
        Some(a) => *a == "Enforce",
        None => crate::eval::enforce::rule_enforced(policy, rule, ns, request),
    }
}

/// The verify stage of one policy (`VerifyAndPatchImages`): responses and
/// the resource with digests and the verification annotations, when
/// either changed it.
pub(crate) fn verify_policy(
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
    let meta = ResourceMeta::of(original);
    if policy.kind == PolicyKind::Policy && policy.info.namespace.as_deref() != Some(meta.namespace)
    {
        return (out, None);
    }
    let mut current: Option<Value> = None;
    let mut ivm = Metadata::default();
    let mut lazy_ctx: Option<Context<'_>> = None;
    for rule in verify_rules(policy) {
        let RuleBody::VerifyImages(raw) = &rule.body else {
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
        let entries = image_verifications(raw);
        let (images, custom) = match rule_images(rule, resource) {
            Ok(i) => i,
            Err(e) => {
                out.rules.push(RuleResponse::new(
                    &rule.name,
                    RuleType::ImageVerify,
                    RuleStatus::Error,
                    format!("failed to instantiate handler: {e}"),
                ));
                out.enforced.push(false);
                continue;
            }
        };
        let matched = matching_images(&images, &entries);
        if matched.is_empty() {
            continue;
        }
        let ctx = lazy_ctx.get_or_insert_with(|| new_context(request, host));
        crate::eval::context::load_images(ctx, resource);
        if let Some(custom) = custom {
            // `GenerateCustomImageInfo` replaces the `images` variable when
            // the handler is made, before the rule's checkpoint.
            ctx.set("images", custom);
        }
        ctx.checkpoint();
        let (responses, patched) = verify_rule(
            policy, exceptions, rule, raw, &matched, resource, &req, ctx, &mut ivm,
        );
        ctx.restore();
        let enforced = verify_rule_enforced(policy, rule, raw, meta.namespace, request);
        for r in responses {
            out.enforced.push(r.status == RuleStatus::Fail && enforced);
            out.rules.push(r);
        }
        if let Some(p) = patched {
            ctx.add_variable("request.object", p.clone());
            current = Some(p);
        }
        if policy.apply_one
            && out
                .rules
                .iter()
                .any(|r| matches!(r.status, RuleStatus::Pass | RuleStatus::Fail))
        {
            break;
        }
    }
    if !ivm.is_empty() {
        let mut annotated = current.take().unwrap_or_else(|| original.clone());
        ivm.annotate(&mut annotated);
        current = Some(annotated);
    }
    (out, current)
}

/// One rule (`mutateImageHandler.Process` after the engine's prelude).
#[allow(clippy::too_many_arguments)]
fn verify_rule<'h>(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    raw: &Value,
    images: &[Image],
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'h>,
    ivm: &mut Metadata,
) -> (Vec<RuleResponse>, Option<Value>) {
    let one = |status, message: String| {
        vec![RuleResponse::new(
            &rule.name,
            RuleType::ImageVerify,
            status,
            message,
        )]
    };
    if let Err((status, message)) = rule_prelude(
        policy,
        rule,
        &rule.rule.context,
        true,
        rule.rule.preconditions.as_ref(),
        ctx,
    ) {
        let mut responses = one(status, message);
        for r in &mut responses {
            add_report_properties(r, raw_report_properties(rule));
        }
        return (responses, None);
    }
    let properties = report_properties(rule, ctx);
    let (mut responses, patched) = verify_rule_handler(
        policy, exceptions, rule, raw, images, resource, request, ctx, ivm,
    );
    for r in &mut responses {
        add_report_properties(r, properties.clone());
    }
    (responses, patched)
}

/// The handler proper, once the prelude let the rule through.
#[allow(clippy::too_many_arguments)]
fn verify_rule_handler<'h>(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    raw: &Value,
    images: &[Image],
    resource: &Value,
    request: &Request<'_>,
    ctx: &mut Context<'h>,
    ivm: &mut Metadata,
) -> (Vec<RuleResponse>, Option<Value>) {
    let one = |status, message: String| {
        vec![RuleResponse::new(
            &rule.name,
            RuleType::ImageVerify,
            status,
            message,
        )]
    };
    // Kyverno reports this skip as a mutation.
    if let Some(r) = exception_skip(
        exceptions,
        policy,
        rule,
        request,
        resource,
        ctx,
        RuleType::Mutation,
    ) {
        return (vec![r], None);
    }
    // Attestation conditions are substituted later, per statement, and
    // `validate.deny` conditions after the attestations are in the context.
    let mut stripped = raw.clone();
    for e in stripped.as_array_mut().into_iter().flatten() {
        if let Some(deny) = e
            .get_mut("validate")
            .and_then(|v| v.get_mut("deny"))
            .and_then(Value::as_object_mut)
        {
            deny.remove("conditions");
        }
        for a in e
            .get_mut("attestations")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(m) = a.as_object_mut() {
                m.remove("conditions");
            }
        }
    }
    let substituted = match substitute_all(&stripped, ctx) {
        Ok(v) => v,
        Err(e) => {
            return (
                one(
                    RuleStatus::Error,
                    format!("failed to substitute variables: {e}"),
                ),
                None,
            )
        }
    };
    let mut entries = image_verifications(&substituted);
    for (e, original) in entries.iter_mut().zip(image_verifications(raw)) {
        for (a, o) in e.attestations.iter_mut().zip(original.attestations) {
            a.conditions = o.conditions;
        }
        if let (Some(v), Some(o)) = (e.validate.as_mut(), original.validate) {
            v.deny = o.deny;
        }
    }
    let host = ctx.host();
    let mut run = RuleRun {
        policy,
        rule,
        verifier: host.image_verifier(),
        ivm,
        ctx,
        object: resource,
        old_object: request.old_object,
        entries: &entries,
    };
    let mut responses = Vec::new();
    let mut patches = Vec::new();
    for e in &entries {
        run.verify(e, images, &mut responses, &mut patches);
    }
    if patches.is_empty() {
        return (responses, None);
    }
    let mut patched = resource.clone();
    for (pointer, value) in patches {
        if let Some(slot) = patched.pointer_mut(&pointer) {
            *slot = Value::String(value);
        }
    }
    (responses, Some(patched))
}

/// The validate stage's image checks (`validateImageHandler`): `verifyDigest`
/// and `required` against the verify stage's annotations. `None`: the rule
/// gives no response here.
pub(crate) fn validate_rule(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    raw: &Value,
    request: &Request<'_>,
    resource: &Value,
    host: &dyn Host,
) -> Option<RuleResponse> {
    let entries = image_verifications(raw);
    if !entries.iter().any(|e| e.verify_digest || e.required) {
        return None;
    }
    if request.operation == Operation::Delete {
        return None;
    }
    let (images, _) = rule_images(rule, resource).ok()?;
    if matching_images(&images, &entries).is_empty() {
        return None;
    }
    // The engine's prelude, as for every validate handler.
    let mut properties = raw_report_properties(rule);
    if !rule.rule.context.is_empty() || rule.rule.preconditions.is_some() || !properties.is_empty()
    {
        let mut ctx = new_context(request, host);
        crate::eval::context::load_images(&mut ctx, resource);
        if let Err((status, message)) = rule_prelude(
            policy,
            rule,
            &rule.rule.context,
            true,
            rule.rule.preconditions.as_ref(),
            &mut ctx,
        ) {
            let mut r = RuleResponse::new(&rule.name, RuleType::Validation, status, message);
            add_report_properties(&mut r, properties);
            return Some(r);
        }
        properties = report_properties(rule, &ctx);
    }
    let mut r = validate_rule_handler(policy, exceptions, rule, raw, request, resource, host)?;
    add_report_properties(&mut r, properties);
    Some(r)
}

/// The validate-stage image checks proper, once the prelude let the rule
/// through.
fn validate_rule_handler(
    policy: &KyvernoPolicy,
    exceptions: &[PolicyException],
    rule: &CompiledRule,
    raw: &Value,
    request: &Request<'_>,
    resource: &Value,
    host: &dyn Host,
) -> Option<RuleResponse> {
    let entries = image_verifications(raw);
    let (images, _) = rule_images(rule, resource).ok()?;
    let resp = |status, message: String| {
        Some(RuleResponse::new(
            &rule.name,
            RuleType::ImageVerify,
            status,
            message,
        ))
    };
    if exceptions
        .iter()
        .any(|e| e.names(&policy.info.key, &rule.name))
    {
        let ctx = new_context(request, host);
        if let Some(r) = exception_skip(
            exceptions,
            policy,
            rule,
            request,
            resource,
            &ctx,
            RuleType::Validation,
        ) {
            return Some(r);
        }
    }
    let key = format!(
        "{}/{}",
        policy.info.namespace.as_deref().unwrap_or_default(),
        policy.info.name
    );
    let scoped: Option<Value> = resource
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(SCOPED_ANNOTATION))
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str(s).ok());
    let mut skipped = Vec::new();
    let mut passed = Vec::new();
    for e in &entries {
        for img in &images {
            let image = img.reference.as_str();
            if !matches_any(&e.image_references, image) {
                continue;
            }
            if e.verify_digest && img.digest.is_empty() {
                return resp(RuleStatus::Fail, format!("missing digest for {image}"));
            }
            if e.required {
                let status = scoped
                    .as_ref()
                    .and_then(|s| s.get("policies"))
                    .and_then(|p| p.get(&key))
                    .and_then(|r| r.get(&rule.name))
                    .and_then(|i| i.get(image))
                    .and_then(Value::as_str)
                    .unwrap_or("fail");
                match status {
                    "pass" => passed.push(image.to_string()),
                    "skip" => skipped.push(image.to_string()),
                    _ => return resp(RuleStatus::Fail, format!("unverified image {image}")),
                }
            }
        }
    }
    if !passed.is_empty() || skipped.is_empty() {
        if skipped.is_empty() {
            return resp(RuleStatus::Pass, "image verified".into());
        }
        return resp(
            RuleStatus::Pass,
            format!("image verified, skipped images: {}", skipped.join(" ")),
        );
    }
    resp(
        RuleStatus::Skip,
        format!("image skipped, skipped images: {}", skipped.join(" ")),
    )
}
