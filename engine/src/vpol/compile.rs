//! Compiling a ValidatingPolicy: every expression once, in Kyverno's order
//! (matchConditions, variables with their output types, validations and
//! their messageExpressions, auditAnnotations), plus its autogen copies.

use std::sync::Arc;

use super::model::{MatchResources, ValidatingPolicyDoc, VpolSpec};
use crate::cel::check::{declare_policy_variable, expect_output};
use crate::cel::{Env, EnvKind, Program, Type};
use crate::error::{LoadError, Location};
use crate::model::response::PolicyInfo;

/// `evaluation.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VpolMode {
    /// Admission requests on Kubernetes resources (the default).
    Kubernetes,
    /// Any JSON document, bound as `object` only.
    Json,
}

/// One compiled validation.
#[derive(Debug, Clone)]
pub struct CompiledValidation {
    /// The `expression` (bool).
    pub expression: Program,
    /// The static `message`.
    pub message: String,
    /// The `messageExpression` (string), when set.
    pub message_expression: Option<Program>,
}

/// A CEL PolicyException compiled into the policy it names.
#[derive(Debug, Clone)]
pub struct CompiledException {
    /// `namespace/name`, or `name`.
    pub key: String,
    /// The exception's `matchConditions`, all of which must hold.
    pub match_conditions: Vec<Program>,
    /// `images`: image references the exception allows (`exceptions.allowedImages`).
    pub images: Vec<String>,
    /// `allowedValues` (`exceptions.allowedValues`).
    pub allowed_values: Vec<String>,
    /// `reportResult`: `skip` (default) or `pass`.
    pub report_result: Option<String>,
    /// `polex.kyverno.io/priority`.
    pub priority: Option<String>,
}

/// The stateful libraries' variables (`resource.Get(...)`, ...), in the
/// order [`ReadRoots::libs`] follows.
pub const LIBRARIES: [&str; 6] = ["resource", "http", "globalContext", "image", "json", "yaml"];

/// The activation roots a policy's expressions (its exceptions' included)
/// may read, worked out once when it is compiled: evaluation binds only
/// these, as building the others per policy and resource cost more than
/// most checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadRoots {
    /// `oldObject`.
    pub old_object: bool,
    /// `request`.
    pub request: bool,
    /// `namespaceObject`.
    pub namespace_object: bool,
    /// `exceptions` (`allowedImages`, `allowedValues`).
    pub exceptions: bool,
    /// Each of [`LIBRARIES`], same index.
    pub libs: [bool; LIBRARIES.len()],
}

impl ReadRoots {
    /// The roots some program of `programs` may read.
    fn of<'p>(programs: impl Iterator<Item = &'p Program>) -> ReadRoots {
        let mut r = ReadRoots::default();
        for p in programs {
            r.old_object |= p.reads("oldObject");
            r.request |= p.reads("request");
            r.namespace_object |= p.reads("namespaceObject");
            r.exceptions |= p.reads("exceptions");
            for (read, name) in r.libs.iter_mut().zip(LIBRARIES) {
                *read |= p.reads(name);
            }
        }
        r
    }
}

/// One ValidatingPolicy (or one of its autogen copies), ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledVpol {
    /// Name, kind and annotations, as reports show them.
    pub info: Arc<PolicyInfo>,
    /// `ValidatingPolicy` or `NamespacedValidatingPolicy`.
    pub kind: String,
    /// `Some("defaults")`/`Some("cronjobs")` for an autogen copy.
    pub autogen: Option<&'static str>,
    /// `evaluation.mode`: Kubernetes resources or JSON payloads.
    pub mode: VpolMode,
    /// `matchConstraints`; `None` never matches in the CLI.
    pub match_constraints: Option<MatchResources>,
    /// `failurePolicy: Ignore`: matchCondition errors skip instead of erroring.
    pub failure_policy_ignore: bool,
    /// `matchConditions`, in order.
    pub match_conditions: Vec<Program>,
    /// `variables`, in order (each sees only the earlier ones).
    pub variables: Vec<(String, Program)>,
    /// `validations`, in order.
    pub validations: Vec<CompiledValidation>,
    /// `auditAnnotations`: key and `valueExpression`.
    pub audit_annotations: Vec<(String, Program)>,
    /// The CEL PolicyExceptions that name this policy.
    pub exceptions: Vec<CompiledException>,
    /// The namespace the `resource` and `http` libraries are confined to
    /// (a policy with a namespace), `None` for cluster-wide libraries.
    pub libs_namespace: Option<String>,
    /// A Kubernetes ValidatingAdmissionPolicy (then the fields above that
    /// hold expressions are empty): its validator and bindings.
    pub vap: Option<Box<super::vap::CompiledVap>>,
    /// What the expressions above may read (kept up to date as exceptions
    /// are added).
    pub reads: ReadRoots,
    /// The environment after the variables were declared: exceptions'
    /// matchConditions are compiled in it when they are added (`None` for
    /// a ValidatingAdmissionPolicy, which takes no CEL exception).
    env: Option<Env>,
}

/// Go's `%q` for the expression in `Invalid value: "<expr>"`.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A compile error of `policy` at `field` (`spec.validations[0].expression`),
/// with Kyverno's `Invalid value: "<expr>": <detail>` text.
fn invalid(policy: &str, field: String, expression: &str, detail: &str) -> LoadError {
    LoadError::Invalid {
        location: Box::new(Location {
            policy: Some(policy.to_string()),
            field: Some(field),
            ..Default::default()
        }),
        message: format!("Invalid value: {}: {detail}", go_quote(expression)),
    }
}

fn compile_typed(
    env: &Env,
    policy: &str,
    field: String,
    expression: &str,
    expected: &[Type],
) -> Result<Program, LoadError> {
    let program = Program::compile(env, expression)
        .map_err(|e| invalid(policy, field.clone(), expression, &e.message))?;
    if !expected.is_empty() {
        expect_output(program.output_type(), expected)
            .map_err(|m| invalid(policy, field, expression, &m))?;
    }
    Ok(program)
}

impl CompiledVpol {
    /// Compiles a policy and its autogen copies (the policy first).
    pub fn compile_all(doc: &ValidatingPolicyDoc) -> Result<Vec<CompiledVpol>, LoadError> {
        let mut out = vec![Self::compile(doc, &doc.spec, None)?];
        let copies = super::autogen::autogen(&doc.spec).map_err(|message| LoadError::Invalid {
            location: Box::new(Location {
                policy: Some(doc.metadata.name.clone()),
                field: Some("spec".into()),
                ..Default::default()
            }),
            message,
        })?;
        for (config, spec) in copies {
            out.push(Self::compile(doc, &spec, Some(config))?);
        }
        Ok(out)
    }

    fn compile(
        doc: &ValidatingPolicyDoc,
        spec: &VpolSpec,
        autogen: Option<&'static str>,
    ) -> Result<CompiledVpol, LoadError> {
        let name = doc.metadata.name.as_str();
        let mode = match spec.evaluation.as_ref().and_then(|e| e.mode.as_deref()) {
            Some("JSON") => VpolMode::Json,
            _ => VpolMode::Kubernetes,
        };
        // A policy with a namespace (`GetNamespace()`) gets the namespaced
        // `resource` library, confined to that namespace.
        let libs_namespace =
            (!doc.metadata.namespace.is_empty()).then(|| doc.metadata.namespace.clone());
        let mut env = match libs_namespace {
            Some(_) => Env::new_namespaced(EnvKind::ValidatingPolicy),
            None => Env::new(EnvKind::ValidatingPolicy),
        };
        let mut match_conditions = Vec::new();
        for (i, c) in spec.match_conditions.iter().enumerate() {
            match_conditions.push(compile_typed(
                &env,
                name,
                format!("spec.matchConditions[{i}].expression"),
                &c.expression,
                &[Type::Bool],
            )?);
        }
        let mut variables = Vec::new();
        for (i, v) in spec.variables.iter().enumerate() {
            let p = compile_typed(
                &env,
                name,
                format!("spec.variables[{i}].expression"),
                &v.expression,
                &[],
            )?;
            declare_policy_variable(&mut env, &v.name, p.output_type().clone());
            variables.push((v.name.clone(), p));
        }
        let mut validations = Vec::new();
        for (i, v) in spec.validations.iter().enumerate() {
            let expression = compile_typed(
                &env,
                name,
                format!("spec.validations[{i}].expression"),
                &v.expression,
                &[Type::Bool],
            )?;
            let message_expression = if v.message_expression.is_empty() {
                None
            } else {
                Some(compile_typed(
                    &env,
                    name,
                    format!("spec.validations[{i}].messageExpression"),
                    &v.message_expression,
                    &[Type::String],
                )?)
            };
            validations.push(CompiledValidation {
                expression,
                message: v.message.clone(),
                message_expression,
            });
        }
        let mut audit_annotations = Vec::new();
        if mode == VpolMode::Kubernetes {
            for (i, a) in spec.audit_annotations.iter().enumerate() {
                let p = compile_typed(
                    &env,
                    name,
                    format!("spec.auditAnnotations[{i}].valueExpression"),
                    &a.value_expression,
                    &[Type::String, Type::Null],
                )?;
                audit_annotations.push((a.key.clone(), p));
            }
        }
        let namespaced = doc.kind == "NamespacedValidatingPolicy";
        let namespace = (namespaced && !doc.metadata.namespace.is_empty())
            .then(|| doc.metadata.namespace.clone());
        let actions = &spec.validation_actions;
        let failure_policy_ignore = spec.failure_policy.as_deref() == Some("Ignore");
        let info = PolicyInfo {
            key: match &namespace {
                Some(ns) => format!("{ns}/{name}"),
                None => name.to_string(),
            },
            name: name.to_string(),
            namespace,
            annotations: doc.metadata.annotations.clone(),
            background: enabled(spec.evaluation.as_ref().and_then(|e| e.background.as_ref())),
            admission: enabled(spec.evaluation.as_ref().and_then(|e| e.admission.as_ref())),
            enforce: actions.is_empty() || actions.iter().any(|a| a == "Deny"),
            failure_policy_ignore,
            cel_kind: Some(doc.kind.clone()),
        };
        let mut policy = CompiledVpol {
            info: Arc::new(info),
            kind: doc.kind.clone(),
            autogen,
            mode,
            match_constraints: spec.match_constraints.clone(),
            failure_policy_ignore,
            match_conditions,
            variables,
            validations,
            audit_annotations,
            exceptions: Vec::new(),
            libs_namespace,
            vap: None,
            reads: ReadRoots::default(),
            env: Some(env),
        };
        policy.reads = ReadRoots::of(policy.programs());
        Ok(policy)
    }

    /// Every expression of the policy and of the exceptions it carries.
    fn programs(&self) -> impl Iterator<Item = &Program> {
        self.match_conditions
            .iter()
            .chain(self.variables.iter().map(|(_, p)| p))
            .chain(
                self.validations
                    .iter()
                    .flat_map(|v| std::iter::once(&v.expression).chain(&v.message_expression)),
            )
            .chain(self.audit_annotations.iter().map(|(_, p)| p))
            .chain(self.exceptions.iter().flat_map(|e| &e.match_conditions))
    }

    /// A ValidatingAdmissionPolicy in the family's form.
    pub(super) fn admission_policy(info: PolicyInfo, vap: super::vap::CompiledVap) -> CompiledVpol {
        CompiledVpol {
            kind: super::vap::KIND.to_string(),
            failure_policy_ignore: vap.failure_policy_ignore,
            match_constraints: vap.match_constraints.clone(),
            info: Arc::new(info),
            autogen: None,
            mode: VpolMode::Kubernetes,
            match_conditions: Vec::new(),
            variables: Vec::new(),
            validations: Vec::new(),
            audit_annotations: Vec::new(),
            exceptions: Vec::new(),
            libs_namespace: None,
            vap: Some(Box::new(vap)),
            reads: ReadRoots::default(),
            env: None,
        }
    }

    /// Attaches a ValidatingAdmissionPolicyBinding when this is the
    /// ValidatingAdmissionPolicy it names (`policyName`).
    pub fn add_vap_binding(&mut self, binding: &Arc<super::vap::VapBinding>) {
        if let Some(vap) = self.vap.as_mut() {
            if binding.policy_name == self.info.name {
                vap.bindings.push(Arc::clone(binding));
            }
        }
    }

    /// Compiles a CEL PolicyException into this policy when its
    /// `policyRefs` name it (name and kind). A condition that does not
    /// compile is an error naming the exception.
    pub fn add_exception(&mut self, ex: &super::model::CelExceptionDoc) -> Result<(), LoadError> {
        let Some(env) = self.env.as_ref() else {
            return Ok(());
        };
        let named = ex
            .spec
            .policy_refs
            .iter()
            .any(|r| r.name == self.info.name && r.kind == self.kind);
        if !named {
            return Ok(());
        }
        let mut match_conditions = Vec::new();
        for (i, c) in ex.spec.match_conditions.iter().enumerate() {
            match_conditions.push(compile_typed(
                env,
                &self.info.name,
                format!("spec.matchConditions[{i}].expression"),
                &c.expression,
                &[Type::Bool],
            )?);
        }
        let key = if ex.metadata.namespace.is_empty() {
            ex.metadata.name.clone()
        } else {
            format!("{}/{}", ex.metadata.namespace, ex.metadata.name)
        };
        self.exceptions.push(CompiledException {
            key,
            match_conditions,
            images: ex.spec.images.clone(),
            allowed_values: ex.spec.allowed_values.clone(),
            report_result: ex.spec.report_result.clone(),
            priority: ex.metadata.labels.get("polex.kyverno.io/priority").cloned(),
        });
        self.reads = ReadRoots::of(self.programs());
        Ok(())
    }

    /// Whether Kyverno's CLI keeps this policy's empty (non-matching)
    /// response (`hasSelector` is false), so that it shows as `Excluded`.
    pub fn keeps_empty_response(&self) -> bool {
        // A ValidatingAdmissionPolicy's empty response is always kept.
        if self.vap.is_some() {
            return true;
        }
        super::matcher::keeps_empty_response(self.match_constraints.as_ref())
    }
}

/// `evaluation.<x>.enabled`, true unless written false.
fn enabled(e: Option<&super::model::Enabled>) -> bool {
    e.and_then(|e| e.enabled).unwrap_or(true)
}
