//! `verno apply`: apply policies to resources and print like `kyverno apply`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use verno::model::resource::{Request, ResourceMeta};
use verno::model::response::{PolicyResponse, RuleStatus, RuleType};
use verno::report::{merged_reports, scored_status, ReportFormat, ReportInput, ReportOptions};
use verno::PolicySet;

use crate::errtext::shorten_expressions;
use crate::fixtures;
use crate::input;
use crate::output;
use verno_test::values::ApplyValues;

#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub policies: Vec<PathBuf>,
    /// PolicyException files (`--exception`).
    pub exceptions: Vec<PathBuf>,
    /// JSON payload files (`--json`).
    pub json: Vec<PathBuf>,
    /// Where mutated resources go (`-o DIR` or `-o FILE.yaml`, see
    /// [`output::plan`]); stdout when `None`.
    pub output: Option<PathBuf>,
    pub resources: Vec<PathBuf>,
    pub policy_report: bool,
    pub audit_warn: bool,
    pub openreports: bool,
    pub output_json: bool,
    /// Seconds since the epoch for report timestamps (the CLI's clock).
    pub now: i64,
    /// Parameter objects of `validate.cel` rules (`--parameter-resource`).
    pub param_resources: Vec<PathBuf>,
    /// Fixtures answering `verifyImages` rules (`--image-data`).
    pub image_data: Option<PathBuf>,
    /// `--registry`: verify `verifyImages` rules against the real registries.
    pub registry: bool,
    /// `--table`: the results as Kyverno's table instead of the violations
    /// (and without the counts line, as Kyverno prints it).
    pub table: bool,
    /// `--detailed-results`: the table gets the rule messages.
    pub detailed_results: bool,
    /// `--userinfo`/`-u`: a `UserInfo` file (roles, clusterRoles, userInfo)
    /// giving every admission request its user.
    pub user_info: Option<PathBuf>,
    /// `-f/--values-file`: a `cli.kyverno.io/v1alpha1` `Values` file.
    pub values_file: Option<PathBuf>,
    /// `-s/--set`: the raw arguments (`key=value,...`), `Some` when the flag
    /// was given.
    pub set: Option<Vec<String>>,
    /// `--continue-on-fail`: a resource the values cannot be applied to is
    /// passed over instead of stopping the run.
    pub continue_on_fail: bool,
}

/// The system's clock and randomness, and the `--parameter-resource`
/// objects (then the resources, as Kyverno's fake client holds them) for
/// `validate.cel` parameters.
struct ApplyHost<'a> {
    params: &'a verno_test::params::ParamObjects,
    /// `--image-data` fixtures or, with `--registry`, the real registries;
    /// without either no verifier (and no network).
    image_verifier: Option<&'a dyn verno::ImageVerifier>,
    /// The values file's rule values.
    values: &'a ApplyValues,
}

impl verno::Host for ApplyHost<'_> {
    fn rule_values(&self, policy: &str, rule: &str) -> Option<serde_json::Map<String, Value>> {
        self.values.values.rule_values(policy, rule)
    }
    fn image_verifier(&self) -> Option<&dyn verno::ImageVerifier> {
        self.image_verifier
    }
    /// `kyverno apply` offline loads no `configMap`/`apiCall`/... entry.
    fn resolves_context_entries(&self) -> bool {
        false
    }
    fn now(&self) -> Result<verno::host::Timestamp, verno::host::HostError> {
        crate::system::now()
    }
    fn random_u64(&self) -> Result<u64, verno::host::HostError> {
        crate::system::random_u64()
    }
    fn param_kind_namespaced(
        &self,
        _api_version: &str,
        kind: &str,
    ) -> Result<bool, verno::host::HostError> {
        Ok(verno_test::params::namespaced(kind))
    }
    fn parameter_resources(&self) -> Result<Vec<Value>, verno::host::HostError> {
        Ok(self.params.declared().to_vec())
    }
    fn param_resources(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
    ) -> Result<Vec<Value>, verno::host::HostError> {
        Ok(verno_test::params::select(
            &self.params.objects,
            api_version,
            kind,
            namespace,
        ))
    }
}

/// Counts printed at the end (`processor.ResultCounts`).
pub type Counts = verno::report::ResultCounts;

/// Gives each policy its request from the values (`makePolicyContext`),
/// and keeps each mutate policy's response with the resource it produced,
/// for `printOutput`.
struct ApplyRequests<'a> {
    values: &'a ApplyValues,
    /// The resource's name, for the (policy, resource) values.
    name: &'a str,
    after: Vec<Value>,
}

impl verno::RequestHook for ApplyRequests<'_> {
    type Error = verno::unstable::values::ReadBackError;

    fn prepare(
        &mut self,
        policy: &verno::CompiledPolicy,
        _stage: verno::Stage,
        running: &mut std::borrow::Cow<'_, Value>,
    ) -> Result<verno::PolicyRequest, Self::Error> {
        // Without values every policy shares the plain CREATE request.
        if self.values.is_empty() {
            return Ok(verno::PolicyRequest::default());
        }
        let vals = self.values.variables(&policy.info().name, self.name);
        let (request, _) = verno_test::values::policy_request(policy, vals, None, running)?;
        Ok(request)
    }

    fn responded(
        &mut self,
        stage: verno::Stage,
        _response: &PolicyResponse,
        resource: &Value,
        _patched: bool,
    ) {
        if stage == verno::Stage::Mutate {
            self.after.push(resource.clone());
        }
    }
}

/// `printOutput`: the mutated resource after each mutate policy, on stdout,
/// or with `-o` added to `file_text` (what the resource's file will hold)
/// while stdout only says how the mutation went.
///
/// Kyverno announces "Mutation has been applied successfully." even when a
/// rule failed or ended in error; verno says the mutation failed instead
/// (the rule messages follow in the result lines).
fn print_mutated(
    out: &mut dyn Write,
    sink: &output::Sink,
    file_text: &mut String,
    policy: &PolicyResponse,
    res_path: &str,
    resource: &serde_json::Value,
) -> Result<(), String> {
    let yaml = verno::unstable::yaml::to_yaml_string(resource);
    let name = &policy.policy.name;
    let outcome = if policy
        .rules
        .iter()
        .any(|r| matches!(r.status, RuleStatus::Fail | RuleStatus::Error))
    {
        "Mutation failed."
    } else {
        "Mutation has been applied successfully."
    };
    match sink {
        output::Sink::Stdout => write!(
            out,
            "\npolicy {name} applied to {res_path}:\n{yaml}\n---\n\n\nMutation:\n{outcome}"
        )
        .map_err(|e| e.to_string()),
        output::Sink::File(_) | output::Sink::Dir { .. } => {
            file_text.push_str(&yaml);
            file_text.push_str("\n---\n\n");
            write!(out, "\n\nMutation:\n{outcome}").map_err(|e| e.to_string())
        }
    }
}

/// The result lines of one policy response (`kyverno apply`'s default
/// output): skipped and errored mutate rules, then the failed rules. Errored
/// validate rules, which Kyverno does not print at all, get a block of their
/// own in the shape of the failed one, so an `error` is never silent.
fn print_response(
    out: &mut dyn Write,
    opts: &ApplyOptions,
    res_path: &str,
    resp: &PolicyResponse,
) -> std::io::Result<()> {
    let name = &resp.policy.name;
    for r in resp
        .rules
        .iter()
        .filter(|r| r.rule_type == RuleType::Mutation)
    {
        match r.status {
            RuleStatus::Skip => {
                writeln!(out, "\nskipped mutate policy {name} -> resource {res_path}")?
            }
            // Go's Println puts a space on each side of "\nerror: ".
            RuleStatus::Error => writeln!(
                out,
                "\nerror while applying mutate policy {name} -> resource {res_path} \nerror:  {}",
                shorten_expressions(&r.message)
            )?,
            _ => {}
        }
    }
    let failed: Vec<_> = resp
        .rules
        .iter()
        .filter(|r| r.status == RuleStatus::Fail)
        .collect();
    if !failed.is_empty() {
        // CEL kinds have no validationFailureAction, which Kyverno reads as
        // Audit: under --audit-warn their failures always print as warnings.
        let audit = !resp.policy.enforce || resp.policy.cel_kind.is_some();
        let suffix = if opts.audit_warn && audit {
            "failed as audit warning:"
        } else {
            "failed:"
        };
        writeln!(out, "policy {name} -> resource {res_path} {suffix}")?;
        for (i, r) in failed.iter().enumerate() {
            let msg = if r.message.is_empty() {
                "validation failed"
            } else {
                &r.message
            };
            writeln!(out, "{} - {} {}", i + 1, r.name, msg)?;
        }
    }
    let errored: Vec<_> = resp
        .rules
        .iter()
        .filter(|r| r.status == RuleStatus::Error && r.rule_type != RuleType::Mutation)
        .collect();
    if !errored.is_empty() {
        writeln!(out, "policy {name} -> resource {res_path} error:")?;
        for (i, r) in errored.iter().enumerate() {
            writeln!(
                out,
                "{} - {} {}",
                i + 1,
                r.name,
                shorten_expressions(&r.message)
            )?;
        }
    }
    Ok(())
}

/// `printSkippedAndInvalidPolicies`: the policies policy validation refused,
/// each with its name and Kyverno's reason (here also where it is).
fn print_skipped(out: &mut dyn Write, skipped: &[verno::LoadError]) -> Result<(), String> {
    if skipped.is_empty() {
        return Ok(());
    }
    let divider = "-".repeat(70);
    let mut text = format!("{divider}\nPolicies Skipped:\n");
    for (i, e) in skipped.iter().enumerate() {
        let name = e.location().policy.as_deref().unwrap_or("");
        text.push_str(&format!("{}. {name}: {e}\n", i + 1));
    }
    text.push_str(&divider);
    writeln!(out, "{text}").map_err(|e| e.to_string())
}

/// `printTable`: a row per rule response, in the order the violations
/// would print. The rule name is left out for CEL kinds (Kyverno fills it
/// only for Kyverno policies); a failure of an unscored policy, or of an
/// Audit policy under `--audit-warn`, shows as `Warn`.
fn table_rows(printed: &[(String, PolicyResponse)], audit_warn: bool) -> Vec<verno_test::Row> {
    let mut rows = Vec::new();
    for (res_path, resp) in printed {
        let policy = match &resp.policy.namespace {
            Some(ns) if !ns.is_empty() => format!("{ns}/{}", resp.policy.name),
            _ => resp.policy.name.clone(),
        };
        // `ns/Kind/name`, or `Kind/name` for cluster-scoped resources and
        // `/` for JSON payloads (no kind, no name).
        let resource = match res_path.as_str() {
            "JSON payload" => "/".to_string(),
            p => p.strip_prefix('/').unwrap_or(p).to_string(),
        };
        for r in &resp.rules {
            let status = scored_status(&resp.policy, r.status, audit_warn);
            rows.push(verno_test::Row {
                policy: policy.clone(),
                rule: match resp.policy.cel_kind {
                    Some(_) => String::new(),
                    None => r.name.clone(),
                },
                resource: resource.clone(),
                result: match status {
                    RuleStatus::Pass => "Pass",
                    RuleStatus::Fail => "Fail",
                    RuleStatus::Warn => "Warn",
                    RuleStatus::Error => "Error",
                    RuleStatus::Skip => "Skip",
                },
                reason: String::new(),
                message: r.message.clone(),
                ok: !matches!(status, RuleStatus::Fail | RuleStatus::Error),
            });
        }
    }
    rows
}

/// The first document of a `cli.kyverno.io/v1alpha1` `UserInfo` file, as
/// `kyverno test` reads its `userinfo` file; errors name the file.
fn load_user_info(path: &Path) -> Result<verno::UserInfo, String> {
    let docs = fixtures::read_documents(&verno_test::DiskFiles::unconfined(), path)
        .map_err(|e| e.to_string())?;
    let Some((doc, _)) = docs.into_iter().next() else {
        return Err(format!("{}: no UserInfo document", path.display()));
    };
    verno_test::testfile::parse_user_info(&doc).map_err(|e| format!("{}: {e}", path.display()))
}

/// Standard input (`-`), up to the input size limit.
fn read_stdin() -> Result<String, String> {
    input::read_stream(std::io::stdin().lock(), input::max_input_bytes())
        .map_err(|e| format!("stdin: {e}"))
}

/// The text of every policy file: `-` is standard input, and a directory
/// gives each `.yaml`/`.yml` file below it (hidden entries skipped), in
/// path order as Kyverno's walk visits them.
fn policy_texts(paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p == Path::new("-") {
            out.push((p.clone(), read_stdin()?));
            continue;
        }
        let files = verno_test::DiskFiles::unconfined();
        for f in verno_test::Files::yaml_files(&files, p).map_err(|e| e.to_string())? {
            let text = input::read_text(&f).map_err(|e| e.to_string())?;
            out.push((f, text));
        }
    }
    Ok(out)
}

/// Run `apply`; returns the counts (exit code 1 when fail or error > 0).
/// Kyverno's ValidatingAdmissionPolicy step maps each resource's kind with
/// the RESTMapper, without guessing: a kind outside its built-in table, or
/// a JSON payload (no kind at all), stops `kyverno apply` with
/// `failed to apply policies on resource <name> (failed to map gvk to gvr …)`.
fn check_admission_policy_kinds(
    set: &verno::PolicySet,
    resources: &[serde_json::Value],
    payloads: &[serde_json::Value],
) -> Result<(), String> {
    if !set.vpols().iter().any(|p| p.vap.is_some()) {
        return Ok(());
    }
    let kinds = verno::unstable::vpol::KindMap::default();
    for (doc, payload) in resources
        .iter()
        .map(|r| (r, false))
        .chain(payloads.iter().map(|p| (p, true)))
    {
        let meta = ResourceMeta::of(doc);
        // A payload goes through the processor as an empty resource.
        let (group, version, kind) = match payload {
            true => ("", "", ""),
            false => (meta.group, meta.version, meta.kind),
        };
        if let Err(e) = kinds.rest_mapping(group, version, kind) {
            return Err(format!(
                "failed to apply policies on resource {} ({e})",
                meta.name
            ));
        }
    }
    Ok(())
}

pub fn run(opts: &ApplyOptions, out: &mut dyn Write) -> Result<Counts, String> {
    let mut set = PolicySet::default();
    // Policies Kyverno's policy validation refuses: skipped, one error each.
    let mut skipped = Vec::new();
    let stdin = Path::new("-");
    if opts.policies.iter().any(|p| p == stdin) && opts.resources.iter().any(|r| r == stdin) {
        return Err("a stdin pipe can be used for either policies or resources, not both".into());
    }
    let values = ApplyValues::load(
        &verno_test::DiskFiles::unconfined(),
        opts.values_file.as_deref(),
        opts.set.as_deref(),
    )
    .map_err(|e| {
        if let Some(warning) = e.deprecation_warning() {
            let _ = write!(out, "{warning}");
        }
        e.to_string()
    })?;
    for (p, text) in policy_texts(&opts.policies)? {
        let file = p.display().to_string();
        let loaded =
            verno::unstable::load::load_text(&text).map_err(|e| e.with_file(&file).to_string())?;
        if loaded.policies.is_empty()
            && loaded.rejected.is_empty()
            && loaded.exceptions.is_empty()
            && loaded.vpols.is_empty()
        {
            return Err(format!("{file}: no policy found in the file"));
        }
        let compiled =
            PolicySet::compile(loaded.policies).map_err(|e| e.with_file(&file).to_string())?;
        set.extend(compiled);
        set.add_vpols(&loaded.vpols)
            .map_err(|e| e.with_file(&file).locate_in(&text).to_string())?;
        set.add_exceptions(loaded.exceptions);
        skipped.extend(loaded.rejected.into_iter().map(|e| e.with_file(&file)));
    }
    if set.policies().is_empty() && skipped.is_empty() {
        return Err("no policy found in the policy files".into());
    }
    for e in &opts.exceptions {
        let text = input::read_text(e).map_err(|e| e.to_string())?;
        set.add_exceptions_yaml(&text)
            .map_err(|err| format!("{}: {err}", e.display()))?;
    }
    let user_info = opts.user_info.as_deref().map(load_user_info).transpose()?;
    let mut resources = Vec::new();
    for r in &opts.resources {
        let docs = if r == stdin {
            let text = read_stdin()?;
            let files = verno_test::MemFiles::new([("stdin", text)]).map_err(|e| e.to_string())?;
            fixtures::read_resources(&files, Path::new("stdin"))
        } else {
            fixtures::read_resources(&verno_test::DiskFiles::unconfined(), r)
        };
        for (doc, _) in docs.map_err(|e| e.to_string())? {
            resources.push(fixtures::normalize_resource(doc));
        }
    }
    let mut params = Vec::new();
    for p in &opts.param_resources {
        params.extend(
            verno_test::params::load(&verno_test::DiskFiles::unconfined(), p)
                .map_err(|e| e.to_string())?,
        );
    }
    let declared = params.len();
    params.extend(resources.iter().cloned());
    let params = verno_test::params::ParamObjects {
        objects: params,
        declared,
    };
    let images = opts
        .image_data
        .as_deref()
        .map(|p| verno_test::image_data::ImageData::load(&verno_test::DiskFiles::unconfined(), p))
        .transpose()?;
    if images.is_some() && opts.registry {
        return Err("--image-data and --registry cannot be used together".to_string());
    }
    let registry = match opts.registry {
        true => Some(
            verno_registry::RegistryVerifier::new(verno_registry::DEFAULT_TIMEOUT)
                .map_err(|e| format!("cannot start the registry client: {e}"))?,
        ),
        false => None,
    };
    let host = ApplyHost {
        params: &params,
        values: &values,
        image_verifier: match (&images, &registry) {
            (Some(i), _) => Some(i as &dyn verno::ImageVerifier),
            (None, Some(r)) => Some(r as &dyn verno::ImageVerifier),
            (None, None) => None,
        },
    };
    let sink = output::plan(opts.output.as_deref(), &resources).map_err(|e| e.to_string())?;
    let mut payloads = Vec::new();
    for p in &opts.json {
        let text = input::read_text(p).map_err(|e| e.to_string())?;
        for (doc, _) in verno::unstable::load::documents(&text)
            .map_err(|e| e.with_file(&p.display().to_string()).to_string())?
        {
            if !doc.is_object() {
                return Err(format!(
                    "failed to load JSON payload ({}: not an object)",
                    p.display()
                ));
            }
            payloads.push(doc);
        }
    }
    let rule_count: usize = set.policies().iter().map(|p| p.rule_count()).sum();
    // Kyverno announces the run only when it prints violations or a table.
    if !opts.policy_report {
        writeln!(
            out,
            "\nApplying {} policy rule(s) to {} resource(s)...",
            rule_count,
            resources.len() + payloads.len()
        )
        .map_err(|e| e.to_string())?;
    }
    check_admission_policy_kinds(&set, &resources, &payloads)?;
    let mut counts = Counts::default();
    print_skipped(out, &skipped)?;
    counts.error += skipped.len();
    let mut evals = Vec::new();
    // Every response in Kyverno's order (per resource: mutate policies, then
    // validate policies), printed once all mutated resources are out.
    let mut printed: Vec<(String, PolicyResponse)> = Vec::new();
    for (index, res) in resources.iter().enumerate() {
        let meta = ResourceMeta::of(res);
        let res_path = format!("{}/{}/{}", meta.namespace, meta.kind, meta.name);
        // Kyverno's error for a resource the values cannot be applied to;
        // `--continue-on-fail` passes over it.
        let failed = |detail: String| {
            format!(
                "failed to apply policies on resource {} ({detail})",
                meta.name
            )
        };
        let (kind, subresource) =
            match values
                .values
                .resource_kind(meta.group, meta.version, meta.kind)
            {
                Ok(k) => k,
                Err(_) if opts.continue_on_fail => continue,
                Err(e) => return Err(failed(e.to_string())),
            };
        let ns_object = values.values.namespace_object(meta.namespace);
        let mut request = Request::create(res);
        request.user_info = user_info.as_ref();
        request.namespace_labels = values.values.namespace_labels(meta.namespace);
        request.kind = Some(&kind);
        request.subresource = &subresource;
        request.namespace_object = ns_object.as_ref();
        // Mutate policies in order, each printed with the resource it produced.
        let mut mutated = ApplyRequests {
            values: &values,
            name: meta.name,
            after: Vec::new(),
        };
        let eval = match set.run(&request, verno::Stages::ADMISSION, &mut mutated, &host) {
            Ok(eval) => eval,
            Err(_) if opts.continue_on_fail => continue,
            Err(e) => return Err(failed(e.to_string())),
        };
        let mut file_text = String::new();
        for (resp, after) in eval.mutations.iter().zip(&mutated.after) {
            for r in &resp.rules {
                counts.add(r.status);
            }
            print_mutated(out, &sink, &mut file_text, resp, &res_path, after)?;
            printed.push((res_path.clone(), resp.clone()));
        }
        if !file_text.is_empty() {
            sink.write(index, res, &file_text)
                .map_err(|e| e.to_string())?;
        }
        for pr in eval.verifications.iter().chain(&eval.policies) {
            // ValidatingAdmissionPolicies are counted apart
            // (`addValidatingAdmissionResponse`): raw statuses, skips left out.
            // ValidatingPolicies are counted with their raw statuses
            // (`AddValidatingPolicyResponse`: no `scored`, no audit-warn).
            let vap = pr.policy.cel_kind.as_deref() == Some(verno::unstable::vpol::vap::KIND);
            for r in &pr.rules {
                if pr.policy.cel_kind.is_none() {
                    counts.add(scored_status(&pr.policy, r.status, opts.audit_warn));
                } else if !(vap && r.status == RuleStatus::Skip) {
                    counts.add(r.status);
                }
            }
            printed.push((res_path.clone(), pr.clone()));
        }
        evals.push((res, eval));
    }
    for payload in &payloads {
        for resp in set.evaluate_json_payload(payload, &host) {
            for r in &resp.rules {
                counts.add(r.status);
            }
            printed.push(("JSON payload".to_string(), resp));
        }
    }
    if opts.table && !opts.policy_report {
        let rows = table_rows(&printed, opts.audit_warn);
        if !rows.is_empty() {
            crate::testcmd::print_table(
                out,
                &rows.iter().collect::<Vec<_>>(),
                opts.detailed_results,
            )
            .map_err(|e| e.to_string())?;
        }
        return Ok(counts);
    }
    if !opts.policy_report {
        for (res_path, resp) in &printed {
            print_response(out, opts, res_path, resp).map_err(|e| e.to_string())?;
        }
    }
    if opts.policy_report {
        // Kyverno's CLI reports every rule response of the run: mutate,
        // then verifyImages, then validate (`ComputePolicyReports`).
        let responses: Vec<(&Value, Vec<PolicyResponse>)> = evals
            .iter()
            .map(|(r, e)| {
                let all = e
                    .mutations
                    .iter()
                    .chain(&e.verifications)
                    .chain(&e.policies)
                    .cloned()
                    .collect();
                (*r, all)
            })
            .collect();
        let inputs: Vec<ReportInput<'_>> = responses
            .iter()
            .map(|(r, e)| ReportInput {
                resource: r,
                responses: e,
            })
            .collect();
        let ropts = ReportOptions {
            format: if opts.openreports {
                ReportFormat::OpenReports
            } else {
                ReportFormat::WgPolicy
            },
            audit_warn: opts.audit_warn,
            timestamp: Some(verno::host::Timestamp {
                seconds: opts.now,
                nanos: 0,
            }),
        };
        for (i, rep) in merged_reports(&inputs, &ropts).iter().enumerate() {
            if i > 0 {
                writeln!(out, "---").map_err(|e| e.to_string())?;
            }
            let text = if opts.output_json {
                serde_json::to_string(rep).unwrap_or_default()
            } else {
                verno::unstable::yaml::to_yaml_string(rep)
            };
            writeln!(out, "{text}").map_err(|e| e.to_string())?;
        }
        // `printReports` ends the output: no counts line.
        return Ok(counts);
    }
    writeln!(
        out,
        "\npass: {}, fail: {}, warn: {}, error: {}, skip: {} ",
        counts.pass, counts.fail, counts.warn, counts.error, counts.skip
    )
    .map_err(|e| e.to_string())?;
    Ok(counts)
}

/// Kyverno's `exit`: 1 on any failure or error; otherwise `warn_exit_code`
/// when there are warnings (and it is not 0), or, with `warn_no_pass`, when
/// nothing passed. Both warning exits say why on `out`, as Kyverno does.
/// The code is taken modulo 256, as `os.Exit` gives it to the system.
pub fn exit_code(
    counts: &Counts,
    warn_exit_code: i32,
    warn_no_pass: bool,
    out: &mut dyn Write,
) -> std::process::ExitCode {
    let code = std::process::ExitCode::from((warn_exit_code & 0xff) as u8);
    if counts.fail > 0 || counts.error > 0 {
        std::process::ExitCode::from(1)
    } else if counts.warn > 0 && warn_exit_code != 0 {
        let _ = write!(out, "exit as warnExitCode is {warn_exit_code}");
        code
    } else if counts.pass == 0 && warn_no_pass {
        let _ = writeln!(out, "exit as no objects satisfied policy");
        code
    } else {
        std::process::ExitCode::SUCCESS
    }
}
