//! Compile: typed policies → an immutable [`PolicySet`] whose patterns,
//! wildcards, selectors and autogen rules are computed once.

pub mod autogen;
pub mod foreach;
pub mod verify_images;

use std::sync::Arc;

use serde_json::Value;

use self::foreach::ForeachEntry;
use crate::compile::autogen::{Autogen, AUTOGEN_ANNOTATION};
use crate::error::{LoadError, Location};
use crate::load::{self, LoadedPolicy};
use crate::matching::CompiledMatch;
use crate::model::policy::{FailureActionOverride, PolicyKind, Rule};
use crate::model::response::PolicyInfo;
use crate::pattern::walk::PatternNode;

/// A pattern, compiled now unless it holds `{{ }}` variables (then it is
/// substituted and compiled per resource).
#[derive(Debug, Clone)]
pub enum PatternSource {
    Static(PatternNode),
    Dynamic(Value),
}

/// What a validate rule does, in Kyverno's dispatch precedence.
#[derive(Debug, Clone)]
pub enum ValidateBody {
    Pattern(PatternSource),
    AnyPattern(Vec<PatternSource>),
    /// `anyPattern` that is not a list.
    AnyPatternInvalid(String),
    Deny(Value),
    Foreach(Vec<ForeachEntry>),
    /// `validate.cel`, compiled.
    Cel(Box<crate::validate_cel::CelRule>),
    /// `validate.podSecurity`, compiled.
    PodSecurity(Box<crate::pod_security::PodSecurity>),
    Unsupported(&'static str),
    /// A validate block with none of the known bodies.
    Empty,
}

#[derive(Debug, Clone)]
pub enum RuleBody {
    Validate(ValidateBody),
    Mutate(Value),
    Generate(Value),
    VerifyImages(verify_images::VerifyImagesBody),
    None,
}

/// One rule, ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub name: String,
    pub rule: Rule,
    pub match_block: CompiledMatch,
    pub exclude_block: Option<CompiledMatch>,
    pub body: RuleBody,
    /// Whether evaluating the rule reads the variables context (context
    /// entries, preconditions, deny, `{{ }}` in patterns or messages).
    pub needs_context: bool,
    /// Whether the rule mentions `images` (the context entry is computed
    /// only for such rules).
    pub needs_images: bool,
}

/// One compiled policy, by family. Each family brings its own compile,
/// match and evaluate code (one module per stage); the pipeline
/// (`eval::pipeline`) dispatches on this enum and nothing else does, so a
/// new family is a new variant plus its modules.
#[derive(Debug, Clone)]
pub enum CompiledPolicy {
    /// `kyverno.io/v1` `ClusterPolicy` and `Policy`.
    Kyverno(KyvernoPolicy),
    /// `policies.kyverno.io` `ValidatingPolicy` and
    /// `NamespacedValidatingPolicy` (or one autogen copy of one): judged at
    /// the validate stage, after every `kyverno.io` policy.
    Validating(Box<crate::vpol::CompiledVpol>),
}

impl CompiledRule {
    /// Whether the rule selects the request: its `match` matches and its
    /// `exclude` (if any) does not.
    pub fn selects(&self, mctx: &crate::matching::MatchContext<'_>) -> bool {
        self.match_block.matches(mctx)
            && !self
                .exclude_block
                .as_ref()
                .is_some_and(|e| e.excludes(mctx))
    }
}

impl CompiledPolicy {
    /// What responses and reports say about the policy.
    pub fn info(&self) -> &Arc<PolicyInfo> {
        match self {
            CompiledPolicy::Kyverno(p) => &p.info,
            CompiledPolicy::Validating(p) => &p.info,
        }
    }

    /// Whether the policy has rules for `stage` (the pipeline asks a
    /// request of the caller's hook only for such policies).
    pub fn has_stage(&self, stage: crate::model::Stage) -> bool {
        use crate::model::Stage;
        match self {
            CompiledPolicy::Kyverno(p) => match stage {
                Stage::Mutate => p.has_mutate(),
                Stage::VerifyImages => p.has_verify_images(),
                Stage::Validate => p.has_validate(),
                Stage::Generate => p.has_generate(),
            },
            CompiledPolicy::Validating(_) => stage == Stage::Validate,
        }
    }

    /// How many rules the policy declares (autogen rules not counted), as
    /// `kyverno apply` announces them: a ValidatingPolicy counts once, its
    /// autogen copies not at all.
    pub fn rule_count(&self) -> usize {
        match self {
            CompiledPolicy::Kyverno(p) => p.rules.len(),
            CompiledPolicy::Validating(p) => usize::from(p.autogen.is_none()),
        }
    }

    /// The `kyverno.io` form, when the policy is of that family.
    pub fn as_kyverno(&self) -> Option<&KyvernoPolicy> {
        match self {
            CompiledPolicy::Kyverno(p) => Some(p),
            CompiledPolicy::Validating(_) => None,
        }
    }

    /// The ValidatingPolicy form, when the policy is of that family.
    pub fn as_validating(&self) -> Option<&crate::vpol::CompiledVpol> {
        match self {
            CompiledPolicy::Kyverno(_) => None,
            CompiledPolicy::Validating(p) => Some(p),
        }
    }

    /// The ValidatingPolicy form, mutable (bindings attach after compiling).
    fn as_validating_mut(&mut self) -> Option<&mut crate::vpol::CompiledVpol> {
        match self {
            CompiledPolicy::Validating(p) => Some(p),
            _ => None,
        }
    }
}

/// A compiled `kyverno.io` ClusterPolicy or Policy, ready to evaluate.
#[derive(Debug, Clone)]
pub struct KyvernoPolicy {
    /// The info.
    pub info: Arc<PolicyInfo>,
    /// The kind.
    pub kind: PolicyKind,
    /// The rules.
    pub rules: Vec<CompiledRule>,
    /// The autogen controllers.
    pub autogen_controllers: std::collections::BTreeSet<String>,
    /// The pod controller rules.
    pub pod_controller_rules: Vec<CompiledRule>,
    /// The cronjob rules.
    pub cronjob_rules: Vec<CompiledRule>,
    /// The validation failure action.
    pub validation_failure_action: Option<String>,
    /// The overrides.
    pub overrides: Vec<FailureActionOverride>,
    /// The apply one.
    pub apply_one: bool,
    /// The failure policy ignore.
    pub failure_policy_ignore: bool,
}

/// A compiled, immutable set of policies: compile once, evaluate any number
/// of resources, from any number of threads.
///
/// ```
/// let yaml = r#"
/// apiVersion: kyverno.io/v1
/// kind: ClusterPolicy
/// metadata: {name: require-labels}
/// spec:
///   rules:
///   - name: check-for-labels
///     match: {any: [{resources: {kinds: [Pod]}}]}
///     validate:
///       message: "label app is required"
///       pattern: {metadata: {labels: {app: "?*"}}}
/// "#;
/// let set = verno::PolicySet::from_yaml(yaml).unwrap();
/// let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": "default"}});
/// let eval = set.evaluate(&verno::Request::create(&pod), &verno::NoHost);
/// let r = &eval.policies[0].rules[0];
/// assert_eq!(r.status, verno::RuleStatus::Fail);
/// assert_eq!(r.message, "validation error: label app is required. rule check-for-labels failed at path /metadata/labels/");
/// ```
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Every family's policies, in load order (ValidatingPolicies with
    /// their autogen copies after them).
    policies: Vec<CompiledPolicy>,
    /// PolicyExceptions applied to every `kyverno.io` policy's rules.
    exceptions: Vec<crate::matching::exception::PolicyException>,
    /// ValidatingAdmissionPolicyBindings, kept to attach them to policies
    /// loaded later (a binding may come in another file than its policy).
    vap_bindings: Vec<std::sync::Arc<crate::vpol::vap::VapBinding>>,
}

fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<PolicySet>();
}

fn compile_pattern(v: &Value, loc: impl Fn() -> Location) -> Result<PatternSource, LoadError> {
    if contains_variables(v) {
        return Ok(PatternSource::Dynamic(v.clone()));
    }
    PatternNode::compile(v)
        .map(PatternSource::Static)
        .map_err(|e| LoadError::Invalid {
            location: Box::new(loc()),
            message: e.to_string(),
        })
}

/// Whether any string or key of `v` holds `{{`.
pub fn contains_variables(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{"),
        Value::Array(a) => a.iter().any(contains_variables),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.contains("{{") || contains_variables(v)),
        _ => false,
    }
}

/// The part of a validate block shared by rules and foreach entries, in
/// Kyverno's precedence: deny, pattern, anyPattern, foreach.
pub(crate) fn compile_validate_body(
    deny: Option<&Value>,
    pattern: Option<&Value>,
    any_pattern: Option<&Value>,
    foreach_list: Option<&Value>,
    loc: &dyn Fn(&str) -> Location,
    field: &str,
) -> Result<ValidateBody, LoadError> {
    let deny = deny.filter(|d| !d.is_null());
    let pattern = pattern.filter(|d| !d.is_null());
    let any_pattern = any_pattern.filter(|d| !d.is_null());
    let foreach_list = foreach_list.filter(|d| !d.is_null());
    Ok(if let Some(d) = deny {
        ValidateBody::Deny(d.clone())
    } else if let Some(p) = pattern {
        ValidateBody::Pattern(compile_pattern(p, || loc(&format!("{field}.pattern")))?)
    } else if let Some(ap) = any_pattern {
        match ap {
            Value::Array(items) => ValidateBody::AnyPattern(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, p)| compile_pattern(p, || loc(&format!("{field}.anyPattern[{i}]"))))
                    .collect::<Result<_, _>>()?,
            ),
            other => ValidateBody::AnyPatternInvalid(format!(
                "json: cannot unmarshal {} into Go value of type []interface {{}}",
                go_json_type(other)
            )),
        }
    } else if let Some(f) = foreach_list {
        ValidateBody::Foreach(foreach::compile_entries(
            f,
            loc,
            &format!("{field}.foreach"),
        )?)
    } else {
        ValidateBody::Empty
    })
}

/// Compile one rule. `path` is where the rule is written
/// (`spec.rules[0]`), the prefix of every field an error names; empty for
/// autogen rules, which are not written anywhere.
fn compile_rule(
    policy: &str,
    rule: Rule,
    line: Option<usize>,
    path: &str,
    vap_generated: bool,
) -> Result<CompiledRule, LoadError> {
    let loc = |field: &str| Location {
        line,
        policy: Some(policy.to_string()),
        rule: Some(rule.name.clone()),
        field: Some(if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        }),
        ..Default::default()
    };
    crate::variables::check_rule_expressions(&rule, &loc)?;
    let body = if let Some(v) = &rule.validate {
        let vb = if v.manifests.is_some() {
            ValidateBody::Unsupported("validate.manifests")
        } else if let Some(ps) = &v.pod_security {
            let ps = crate::pod_security::PodSecurity::from_value(ps).map_err(|(f, message)| {
                LoadError::Invalid {
                    location: Box::new(loc(&if f.is_empty() {
                        "validate.podSecurity".to_string()
                    } else {
                        format!("validate.podSecurity.{f}")
                    })),
                    message,
                }
            })?;
            ValidateBody::PodSecurity(Box::new(ps))
        } else if let Some(cel) = &v.cel {
            if vap_generated {
                // Kyverno leaves the rule to the generated
                // ValidatingAdmissionPolicy: no response at all.
                ValidateBody::Empty
            } else {
                ValidateBody::Cel(Box::new(crate::validate_cel::CelRule::compile(
                    cel,
                    rule.cel_preconditions.as_ref(),
                    v.message.as_deref().unwrap_or(""),
                    &loc,
                    "validate",
                )?))
            }
        } else {
            compile_validate_body(
                v.deny.as_ref(),
                v.pattern.as_ref(),
                v.any_pattern.as_ref(),
                v.foreach.as_ref(),
                &loc,
                "validate",
            )?
        };
        RuleBody::Validate(vb)
    } else if let Some(m) = &rule.mutate {
        RuleBody::Mutate(m.clone())
    } else if let Some(g) = &rule.generate {
        RuleBody::Generate(g.clone())
    } else if let Some(vi) = &rule.verify_images {
        RuleBody::VerifyImages(verify_images::VerifyImagesBody::new(vi))
    } else {
        RuleBody::None
    };
    let needs_context = !rule.context.is_empty()
        || rule.preconditions.is_some()
        || rule.validate.as_ref().is_some_and(|v| {
            v.deny.is_some()
                || v.foreach.is_some()
                || v.message.as_deref().is_some_and(|m| m.contains("{{"))
                || v.pattern.as_ref().is_some_and(contains_variables)
                || v.any_pattern.as_ref().is_some_and(contains_variables)
        });
    let needs_images = serde_json::to_string(&rule).is_ok_and(|t| t.contains("images"));
    Ok(CompiledRule {
        needs_context,
        needs_images,
        name: rule.name.clone(),
        match_block: CompiledMatch::compile(&rule.match_resources),
        exclude_block: rule.exclude.as_ref().map(CompiledMatch::compile),
        rule,
        body,
    })
}

fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        _ => "null",
    }
}

/// `GetValidationFailureAction`: the first rule with an explicit action, else
/// the spec's.
fn policy_wide_enforce(rules: &[CompiledRule], spec_action: Option<&str>) -> bool {
    let first = rules.iter().find_map(|r| {
        r.rule
            .validate
            .as_ref()
            .and_then(|v| v.failure_action.as_deref())
    });
    matches!(first.or(spec_action), Some("Enforce" | "enforce"))
}

impl KyvernoPolicy {
    /// Compile one loaded policy; errors name the policy, rule and field.
    pub fn compile(loaded: LoadedPolicy) -> Result<KyvernoPolicy, LoadError> {
        let source = loaded.source.clone();
        Self::compile_loaded(loaded).map_err(|e| match &source {
            Some(text) => e.locate_in(text),
            None => e,
        })
    }

    fn compile_loaded(loaded: LoadedPolicy) -> Result<KyvernoPolicy, LoadError> {
        let LoadedPolicy {
            policy,
            rules,
            line,
            ..
        } = loaded;
        let name = policy.metadata.name.clone();
        let vap_generated = policy
            .status
            .as_ref()
            .and_then(|s| s.pointer("/validatingadmissionpolicy/generated"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let ns = match policy.kind {
            PolicyKind::Policy => Some(
                policy
                    .metadata
                    .namespace
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "default".into()),
            ),
            PolicyKind::ClusterPolicy => None,
        };
        let key = match &ns {
            Some(ns) => format!("{ns}/{name}"),
            None => name.clone(),
        };
        let autogen = Autogen::compute(
            &policy.spec.rules,
            policy
                .metadata
                .annotations
                .get(AUTOGEN_ANNOTATION)
                .map(String::as_str),
        );
        let typed = |raw: &[Value]| -> Result<Vec<CompiledRule>, LoadError> {
            raw.iter()
                .map(|r| {
                    let rule: Rule =
                        serde_json::from_value(r.clone()).map_err(|e| LoadError::Invalid {
                            location: Box::new(Location {
                                line,
                                policy: Some(name.clone()),
                                ..Default::default()
                            }),
                            message: format!("autogen rule: {e}"),
                        })?;
                    compile_rule(&name, rule, line, "", vap_generated)
                })
                .collect()
        };
        // The written rules first: their errors name the rule the user wrote.
        let compiled_rules = rules
            .into_iter()
            .enumerate()
            .map(|(i, r)| compile_rule(&name, r, line, &format!("spec.rules[{i}]"), vap_generated))
            .collect::<Result<Vec<_>, _>>()?;
        let pod_controller_rules = typed(&autogen.pod_controller_rules)?;
        let cronjob_rules = typed(&autogen.cronjob_rules)?;
        Ok(KyvernoPolicy {
            info: Arc::new(PolicyInfo {
                key,
                name,
                namespace: ns,
                annotations: policy.metadata.annotations.clone(),
                background: policy.spec.background.unwrap_or(true),
                admission: policy.spec.admission.unwrap_or(true),
                enforce: policy_wide_enforce(
                    &compiled_rules,
                    policy.spec.validation_failure_action.as_deref(),
                ),
                failure_policy_ignore: policy.spec.failure_policy.as_deref() == Some("Ignore"),
                cel_kind: None,
            }),
            kind: policy.kind,
            rules: compiled_rules,
            autogen_controllers: autogen.controllers,
            pod_controller_rules,
            cronjob_rules,
            validation_failure_action: policy.spec.validation_failure_action.clone(),
            overrides: policy.spec.validation_failure_action_overrides.clone(),
            apply_one: policy.spec.apply_rules.as_deref() == Some("One"),
            failure_policy_ignore: policy.spec.failure_policy.as_deref() == Some("Ignore"),
        })
    }

    /// `ComputeRules(policy, kind)`: the originals, then the autogen variant
    /// for this resource kind.
    pub fn rules_for_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a CompiledRule> + 'a {
        let extra: &[CompiledRule] = if !self.autogen_controllers.contains(kind) {
            &[]
        } else if kind == "CronJob" {
            &self.cronjob_rules
        } else {
            &self.pod_controller_rules
        };
        let originals = self
            .rules
            .iter()
            .filter(move |r| extra.is_empty() || !r.name.starts_with("autogen-"));
        originals.chain(extra.iter())
    }

    /// Whether some rule of the policy (autogen rules included) can match a
    /// resource of this (group, version, kind, subresource): when none can,
    /// the policy's response to it is empty whatever the object holds, and
    /// the stages skip the per-rule work.
    pub fn may_match_kind(&self, group: &str, version: &str, kind: &str, sub: &str) -> bool {
        self.all_rules()
            .any(|r| r.match_block.may_match_kind(group, version, kind, sub))
    }

    /// `HasVerifyImages`: some rule verifies images.
    pub fn has_verify_images(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.body, RuleBody::VerifyImages(_)))
    }

    /// `HasMutate`: some rule mutates.
    pub fn has_mutate(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.body, RuleBody::Mutate(_)))
    }

    /// Whether the validate phase runs this policy (validate or image checks).
    pub fn has_validate(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.body, RuleBody::Validate(_) | RuleBody::VerifyImages(_)))
    }

    /// `HasGenerate`: some rule generates.
    pub fn has_generate(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.body, RuleBody::Generate(_)))
    }

    /// Every rule including all autogen rules (mutate/generate view).
    pub fn all_rules(&self) -> impl Iterator<Item = &CompiledRule> {
        self.rules
            .iter()
            .chain(self.pod_controller_rules.iter())
            .chain(self.cronjob_rules.iter())
    }
}

impl PolicySet {
    /// Load and compile every policy in a YAML or JSON text.
    /// PolicyException documents in the text apply to the policies.
    pub fn from_yaml(text: &str) -> Result<PolicySet, LoadError> {
        let mut loaded = load::load_text(text)?;
        if !loaded.rejected.is_empty() {
            return Err(loaded.rejected.swap_remove(0));
        }
        let mut set = PolicySet::compile(loaded.policies)?;
        set.exceptions = loaded.exceptions;
        set.add_vpols(&loaded.vpols)
            .map_err(|e| e.locate_in(text))?;
        for ex in &loaded.cel_exceptions {
            set.add_cel_exception(ex)?;
        }
        Ok(set)
    }

    /// Compile already-loaded policies.
    pub fn compile(loaded: Vec<LoadedPolicy>) -> Result<PolicySet, LoadError> {
        Ok(PolicySet {
            policies: loaded
                .into_iter()
                .map(|p| KyvernoPolicy::compile(p).map(CompiledPolicy::Kyverno))
                .collect::<Result<_, _>>()?,
            exceptions: Vec::new(),
            vap_bindings: Vec::new(),
        })
    }

    /// The compiled policies of every family, in load order.
    pub fn policies(&self) -> &[CompiledPolicy] {
        &self.policies
    }

    /// The PolicyExceptions applied to every policy's rules.
    pub fn exceptions(&self) -> &[crate::matching::exception::PolicyException] {
        &self.exceptions
    }

    /// The ValidatingPolicies and their autogen copies, in load order.
    pub fn vpols(&self) -> Vec<&crate::vpol::CompiledVpol> {
        self.policies
            .iter()
            .filter_map(CompiledPolicy::as_validating)
            .collect()
    }

    /// Append another set's policies and exceptions (policies from several
    /// files, in file order).
    pub fn extend(&mut self, other: PolicySet) {
        let mut theirs = other.policies;
        // A binding may come in another file than its policy: attach each
        // side's bindings to the other side's ValidatingAdmissionPolicies.
        for b in &self.vap_bindings {
            for v in theirs
                .iter_mut()
                .filter_map(CompiledPolicy::as_validating_mut)
            {
                v.add_vap_binding(b);
            }
        }
        for b in &other.vap_bindings {
            for v in self
                .policies
                .iter_mut()
                .filter_map(CompiledPolicy::as_validating_mut)
            {
                v.add_vap_binding(b);
            }
        }
        self.policies.extend(theirs);
        self.exceptions.extend(other.exceptions);
        self.vap_bindings.extend(other.vap_bindings);
        self.order_vpols();
    }

    /// ValidatingAdmissionPolicies after every other policy (stable):
    /// Kyverno's CLI reports them last.
    fn order_vpols(&mut self) {
        self.policies
            .sort_by_key(|p| p.as_validating().is_some_and(|v| v.vap.is_some()));
    }

    /// Add already-parsed PolicyExceptions.
    pub fn add_exceptions(
        &mut self,
        exceptions: impl IntoIterator<Item = crate::matching::exception::PolicyException>,
    ) {
        self.exceptions.extend(exceptions);
    }

    /// Add the PolicyExceptions of a YAML or JSON text (`--exception`).
    pub fn add_exceptions_yaml(&mut self, text: &str) -> Result<(), LoadError> {
        for (doc, line) in load::documents(text)? {
            if crate::vpol::load::is_cel_exception(&doc) {
                let ex = crate::vpol::load::cel_exception(&doc, Some(line))?;
                self.add_cel_exception(&ex)?;
                continue;
            }
            if !crate::matching::exception::is_policy_exception(&doc) {
                let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("<none>");
                return Err(LoadError::Unsupported {
                    location: Box::new(Location {
                        line: Some(line),
                        ..Default::default()
                    }),
                    feature: format!("{kind} where a PolicyException was expected"),
                });
            }
            self.exceptions
                .push(crate::matching::exception::PolicyException::from_value(
                    &doc,
                    Some(line),
                )?);
        }
        Ok(())
    }

    /// Compiles a CEL PolicyException into the ValidatingPolicies its
    /// `policyRefs` name.
    pub fn add_cel_exception(&mut self, ex: &crate::vpol::CelException) -> Result<(), LoadError> {
        for p in &mut self.policies {
            if let CompiledPolicy::Validating(v) = p {
                v.add_exception(ex)?;
            }
        }
        Ok(())
    }

    /// Compiles documents of the ValidatingPolicy family into the set:
    /// ValidatingPolicies (with their autogen copies),
    /// ValidatingAdmissionPolicies, and their bindings (attached to the
    /// policy they name, whichever is added first).
    pub fn add_vpols(&mut self, docs: &[crate::vpol::model::VpolDoc]) -> Result<(), LoadError> {
        use crate::vpol::model::VpolDoc;
        for d in docs {
            match d {
                VpolDoc::Kyverno(d) => self.policies.extend(
                    crate::vpol::CompiledVpol::compile_all(d)?
                        .into_iter()
                        .map(|v| CompiledPolicy::Validating(Box::new(v))),
                ),
                VpolDoc::Vap(d) => {
                    let mut p = crate::vpol::vap::compile(d);
                    for b in &self.vap_bindings {
                        p.add_vap_binding(b);
                    }
                    self.policies.push(CompiledPolicy::Validating(Box::new(p)));
                }
                VpolDoc::VapBinding(d) => {
                    let b = std::sync::Arc::new(crate::vpol::vap::VapBinding::from_doc(d));
                    for v in self
                        .policies
                        .iter_mut()
                        .filter_map(CompiledPolicy::as_validating_mut)
                    {
                        v.add_vap_binding(&b);
                    }
                    self.vap_bindings.push(b);
                }
            }
        }
        self.order_vpols();
        Ok(())
    }

    /// Compile policies given as JSON values (e.g. from a binding).
    /// PolicyException objects among them apply to the policies.
    pub fn from_values(values: Vec<Value>) -> Result<PolicySet, LoadError> {
        let mut loaded = Vec::new();
        let mut exceptions = Vec::new();
        let mut vpols = Vec::new();
        let mut cel_exceptions = Vec::new();
        for v in values {
            if crate::matching::exception::is_policy_exception(&v) {
                exceptions.push(crate::matching::exception::PolicyException::from_value(
                    &v, None,
                )?);
            } else if crate::vpol::load::is_cel_exception(&v) {
                cel_exceptions.push(crate::vpol::load::cel_exception(&v, None)?);
            } else if crate::vpol::load::is_family_document(&v) {
                vpols.push(crate::vpol::load::family_document(&v, None)?);
            } else {
                loaded.push(load::policy_from_value(v, None)?);
            }
        }
        let mut set = PolicySet::compile(loaded)?;
        set.exceptions = exceptions;
        set.add_vpols(&vpols)?;
        for ex in &cel_exceptions {
            set.add_cel_exception(ex)?;
        }
        Ok(set)
    }
}
