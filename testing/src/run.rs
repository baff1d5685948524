//! Running one `kyverno-test.yaml` file the way `kyverno test` does
//! (`cmd/cli/kubectl-kyverno/commands/test`): load what it names, run the
//! engine per resource and operation, and judge each result entry.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;
use verno::model::resource::{Request, ResourceMeta};
use verno::model::response::PolicyResponse;
use verno::PolicySet;

use crate::compare;
use crate::error::TestError;
use crate::files::Files;
use crate::fixtures;
use crate::input::InputError;
use crate::system::SystemHost;
use crate::testfile::{TestFile, TestResult, Values};
use crate::tree;

/// How to judge.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    /// Ours: an `Excluded` row passes only an entry that expects `skip`; a
    /// listed resource name that matches nothing is `Not found`; `kind`
    /// picks among same-named resources (see `candidates`).
    pub strict: bool,
    /// Where `time_now` and `random` read the clock and randomness from,
    /// and `verifyImages` rules their verifier (`Host::image_verifier`).
    pub clock: &'a dyn verno::Host,
}

impl Default for RunOptions<'static> {
    fn default() -> Self {
        RunOptions {
            strict: false,
            clock: &SystemHost,
        }
    }
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("strict", &self.strict)
            .finish_non_exhaustive()
    }
}

/// One row of the results table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub policy: String,
    pub rule: String,
    pub resource: String,
    pub result: &'static str,
    pub reason: String,
    pub message: String,
    pub ok: bool,
}

/// A policy that Kyverno's policy validation refuses: `kyverno test` sets
/// it aside and judges the others, so its entries find no response.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedPolicy {
    /// `metadata.name`, as result entries name it.
    pub policy: String,
    /// The policy file it was read from.
    pub file: PathBuf,
    /// Why it was refused: a [`verno::LoadError::Rejected`] naming the file,
    /// line, column and field.
    pub error: verno::LoadError,
}

impl SkippedPolicy {
    /// Kyverno's own reason, without the position (the row message).
    pub fn reason(&self) -> String {
        match &self.error {
            verno::LoadError::Rejected { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// The verdict of one test document.
#[derive(Debug, Default)]
pub struct TestReport {
    /// The test file.
    pub path: PathBuf,
    pub rows: Vec<Row>,
    /// A reason the whole test could not run (load error, unsupported feature).
    pub error: Option<TestError>,
    /// Policies refused by policy validation and left unjudged, in load
    /// order.
    pub skipped: Vec<SkippedPolicy>,
}

impl TestReport {
    /// Rows that passed.
    pub fn passed(&self) -> usize {
        self.rows.iter().filter(|r| r.ok).count()
    }
    /// Rows that failed, the document itself when it could not run, and
    /// each policy skipped: a suite not fully judged must not pass.
    pub fn failed(&self) -> usize {
        self.rows.iter().filter(|r| !r.ok).count()
            + usize::from(self.error.is_some())
            + self.skipped.len()
    }
}

/// Find every test file below `dir` (hidden folders included), sorted.
/// Symlinks are followed, but each real directory is searched once and
/// nothing outside `dir` is entered: a symlink to `.` or `/` neither loops
/// nor wanders the filesystem. A `dir` that cannot be read is an error.
pub fn discover(dir: &Path, file_name: &str) -> Result<Vec<PathBuf>, InputError> {
    let keep = |name: &str| name == file_name;
    let mut out = tree::files(
        dir,
        &tree::Walk {
            skip_hidden: false,
            keep: &keep,
            outside: tree::Outside::Skip,
        },
        None,
    )?;
    out.sort();
    Ok(out)
}

struct LoadedResource {
    value: Value,
    display: String,
    /// A JSON payload's key (its path as written, cleaned like Go's
    /// `path.Clean`); `None` for a Kubernetes resource.
    payload: Option<String>,
}

/// Go's `path.Clean` (slash-separated, lexical).
fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// The test's JSON payloads: each file's first document, a top-level object.
fn load_payloads(
    files: &dyn Files,
    t: &TestFile,
    base: &Path,
) -> Result<Vec<LoadedResource>, TestError> {
    let mut out = Vec::new();
    for p in &t.json_payloads {
        let path = fixtures::resolve(base, p);
        let docs = fixtures::read_documents(files, &path)?;
        let Some((doc, _)) = docs.into_iter().next() else {
            return Err(TestError::Payload {
                path,
                detail: "no document".into(),
            });
        };
        if !doc.is_object() {
            return Err(TestError::Payload {
                path,
                detail: "a JSON payload must be an object".into(),
            });
        }
        let key = clean_path(p);
        out.push(LoadedResource {
            value: doc,
            display: key.clone(),
            payload: Some(key),
        });
    }
    Ok(out)
}

/// The JSON-mode ValidatingPolicies on one payload; empty responses are dropped.
fn evaluate_payload(
    set: &PolicySet,
    values: &Values,
    payload: &Value,
    clock: &dyn verno::Host,
) -> Vec<Response> {
    let host = ValuesHost {
        values,
        clock,
        params: &crate::params::ParamObjects::default(),
    };
    let shared = Rc::new(payload.clone());
    set.evaluate_json_payload(payload, &host)
        .into_iter()
        .map(|policy| Response {
            policy,
            resource: Rc::clone(&shared),
        })
        .collect()
}

/// Run every test document of one file, reading it and every policy,
/// resource, values or expected file it names through `files` (paths
/// relative to the test file's folder).
pub fn run_file(files: &dyn Files, path: &Path, opts: &RunOptions<'_>) -> Vec<TestReport> {
    run_file_selected(files, path, opts, &|entry| Some(entry.clone()))
}

/// [`run_file`] judging only the result entries `select` keeps, as it
/// rewrites them (`kyverno test --test-case-selector`). The test still runs
/// as written; a test document whose entries are all left out is skipped
/// (no report), as Kyverno skips it.
pub fn run_file_selected(
    files: &dyn Files,
    path: &Path,
    opts: &RunOptions<'_>,
    select: &dyn Fn(&TestResult) -> Option<TestResult>,
) -> Vec<TestReport> {
    let base = path.parent().unwrap_or(Path::new("."));
    let failed = |error: TestError| {
        vec![TestReport {
            path: path.into(),
            rows: vec![],
            error: Some(error),
            skipped: vec![],
        }]
    };
    let text = match files.read(path) {
        Ok(t) => t,
        Err(e) => return failed(TestError::ReadTest(e)),
    };
    let docs = match verno::unstable::load::documents(&text) {
        Ok(d) => d,
        Err(error) => {
            return failed(TestError::TestYaml {
                path: path.into(),
                error,
            })
        }
    };
    if docs.is_empty() {
        // An empty file is a test that checks nothing: it must not pass.
        return failed(TestError::NoTestDocument { path: path.into() });
    }
    docs.iter()
        .filter_map(|(doc, _)| {
            let mut report = TestReport {
                path: path.into(),
                ..Default::default()
            };
            match TestFile::parse(doc) {
                Ok(t) => {
                    let judged: Vec<TestResult> = t.results.iter().filter_map(select).collect();
                    if judged.is_empty() && !t.results.is_empty() {
                        return None;
                    }
                    if let Err(e) = run_test(files, &t, &judged, base, opts, &mut report) {
                        report.error = Some(e);
                    }
                }
                Err(detail) => {
                    report.error = Some(TestError::Decode {
                        path: path.into(),
                        detail,
                    })
                }
            }
            Some(report)
        })
        .collect()
}

fn load_values(files: &dyn Files, t: &TestFile, base: &Path) -> Result<Values, TestError> {
    if let Some(inline) = &t.values {
        return Values::parse(inline).map_err(|detail| TestError::Values { path: None, detail });
    }
    match &t.variables {
        Some(f) => {
            let path = fixtures::resolve(base, f);
            let docs = fixtures::read_documents(files, &path)?;
            match docs.first() {
                Some((d, _)) => Values::parse(d).map_err(|detail| TestError::Values {
                    path: Some(path),
                    detail,
                }),
                None => Ok(Values::default()),
            }
        }
        None => Ok(Values::default()),
    }
}

/// The policies of a test, and those policy validation refused.
struct Policies {
    set: PolicySet,
    skipped: Vec<SkippedPolicy>,
}

/// Load each policy file as `kyverno test` does: refused policies are set
/// aside, any other problem stops the test. Errors name the file, line and
/// column.
fn load_policies(files: &dyn Files, t: &TestFile, base: &Path) -> Result<Policies, TestError> {
    let mut out = Policies {
        set: PolicySet::default(),
        skipped: Vec::new(),
    };
    for p in &t.policies {
        let path = fixtures::resolve(base, p);
        for file in files.yaml_files(&path)? {
            let text = files.read(&file)?;
            let shown = file.display().to_string();
            check_policy_kinds(&text, &file)?;
            let loaded = verno::unstable::load::load_text(&text)
                .map_err(|e| TestError::PolicyLoad(e.with_file(&shown)))?;
            let compiled = PolicySet::compile(loaded.policies)
                .map_err(|e| TestError::Compile(e.with_file(&shown)))?;
            out.set.extend(compiled);
            out.set
                .add_vpols(&loaded.vpols)
                .map_err(|e| TestError::Compile(e.with_file(&shown).locate_in(&text)))?;
            out.skipped
                .extend(loaded.rejected.into_iter().map(|error| SkippedPolicy {
                    policy: error.location().policy.clone().unwrap_or_default(),
                    file: file.clone(),
                    error: error.with_file(&shown),
                }));
        }
    }
    Ok(out)
}

/// Only Kyverno policies belong in a test's policy files: a document of any
/// other kind (PolicyException included) is refused before loading.
fn check_policy_kinds(text: &str, file: &Path) -> Result<(), TestError> {
    let docs = verno::unstable::load::documents(text).map_err(|error| InputError::Yaml {
        path: file.to_path_buf(),
        error,
    })?;
    for (doc, _) in docs {
        // CEL exceptions in policy files are read but not used by `test`.
        let cel = verno::unstable::vpol::load::is_family_document(&doc)
            || verno::unstable::vpol::load::is_cel_exception(&doc);
        if !cel && !verno::unstable::load::is_kyverno_policy(&doc) {
            let field = |name: &str| {
                doc.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            return Err(TestError::PolicyKind {
                api_version: field("apiVersion"),
                kind: field("kind"),
                path: file.to_path_buf(),
            });
        }
    }
    Ok(())
}

fn load_resources(
    files: &dyn Files,
    t: &TestFile,
    base: &Path,
) -> Result<Vec<LoadedResource>, TestError> {
    let mut out: Vec<LoadedResource> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, r) in t.resources.iter().enumerate() {
        let path = fixtures::resolve(base, r);
        let docs = match fixtures::read_resources(files, &path) {
            Ok(d) => d,
            // A later file that is missing is passed over; one that is
            // hostile or not a resource never is.
            Err(InputError::Io { .. } | InputError::NotInMap { .. }) if i > 0 => continue,
            Err(e) => return Err(TestError::Resources(e)),
        };
        for (doc, _) in docs {
            let v = fixtures::normalize_resource(doc);
            let m = ResourceMeta::of(&v);
            let key = (
                m.group.to_string(),
                m.kind.to_string(),
                m.namespace.to_string(),
                m.name.to_string(),
            );
            if !seen.insert(key) {
                continue;
            }
            let display = format!("{}/{}/{}/{}", m.api_version, m.kind, m.namespace, m.name);
            out.push(LoadedResource {
                value: v,
                display,
                payload: None,
            });
        }
    }
    Ok(out)
}

/// The objects parameter lookups see, as Kyverno's fake client holds them:
/// the `paramResources`, then the test's resources.
fn load_params(
    files: &dyn Files,
    t: &TestFile,
    base: &Path,
    resources: &[LoadedResource],
) -> Result<crate::params::ParamObjects, TestError> {
    let mut out = Vec::new();
    for p in &t.param_resources {
        let path = fixtures::resolve(base, p);
        out.extend(crate::params::load(files, &path).map_err(TestError::Resources)?);
    }
    let declared = out.len();
    out.extend(resources.iter().map(|r| r.value.clone()));
    Ok(crate::params::ParamObjects {
        objects: out,
        declared,
    })
}

/// Reads a `cli.kyverno.io/v1alpha1 Context` file: `spec.resources` and
/// `spec.images` (lists of objects) for the CEL libraries.
fn load_context(files: &dyn Files, path: &Path, values: &mut Values) -> Result<(), TestError> {
    let bad = |detail: &str| TestError::Context {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    };
    let docs = fixtures::read_documents(files, path)?;
    let Some((doc, _)) = docs.into_iter().next() else {
        return Err(bad("no document"));
    };
    if doc.get("kind").and_then(Value::as_str) != Some("Context") {
        return Err(bad("kind must be Context"));
    }
    let spec = doc.get("spec").cloned().unwrap_or(Value::Null);
    for (field, out) in [
        ("resources", &mut values.context_resources),
        ("images", &mut values.context_images),
    ] {
        match spec.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    if !item.is_object() {
                        return Err(bad(&format!("spec.{field} items must be maps")));
                    }
                    out.push(item.clone());
                }
            }
            Some(_) => return Err(bad(&format!("spec.{field} must be a list"))),
        }
    }
    Ok(())
}

/// The context resources served as `api_version`/`resource` (plural).
fn context_matches(r: &Value, api_version: &str, resource: &str, namespace: &str) -> bool {
    let m = ResourceMeta::of(r);
    m.api_version == api_version
        && m.namespace == namespace
        && verno::unstable::vpol::KindMap::default().resource(m.group, m.version, m.kind)
            == resource
}

/// Serves a values file's rule values to the engine, as `kyverno test` does.
struct ValuesHost<'a> {
    values: &'a Values,
    clock: &'a dyn verno::Host,
    /// What Kyverno's fake client holds for parameter lookups: the
    /// `paramResources`, then the test's resources.
    params: &'a crate::params::ParamObjects,
}

impl verno::Host for ValuesHost<'_> {
    /// `kyverno test` without `clusterResources` or mocks loads no
    /// `configMap`/`apiCall`/... entry; values stand in for them.
    fn resolves_context_entries(&self) -> bool {
        !self.values.api_call_mocks.is_empty() || !self.values.global_context.is_empty()
    }
    /// Only mocked `apiCall` entries and, when the test declares global
    /// context entries, `globalReference` entries load; everything else
    /// stays unloaded, as without mocks.
    fn context_entry(
        &self,
        request: &verno::host::ContextRequest<'_>,
    ) -> Result<Option<Value>, verno::host::HostError> {
        let failed = verno::host::HostError::Failed;
        if let Some(v) = self
            .values
            .api_call_mocks
            .api_call_entry(request.name, request.entry, self)
            .map_err(failed)?
        {
            return Ok(Some(v));
        }
        if self.values.global_context.is_empty() {
            return Ok(None);
        }
        self.values
            .global_context
            .reference_entry(request.entry, self)
            .map_err(failed)
    }
    fn global_context_entry(
        &self,
        name: &str,
        projection: &str,
    ) -> Result<Option<Value>, verno::host::HostError> {
        self.values
            .global_context
            .cel_get(name, projection)
            .map_err(verno::host::HostError::Failed)
    }
    fn http_request(
        &self,
        request: &verno::host::HttpRequest<'_>,
    ) -> Result<Value, verno::host::HostError> {
        match self
            .values
            .api_call_mocks
            .lookup(request.method, request.url)
        {
            Some(mock) => Ok(mock.http_response()),
            None => Err(verno::host::HostError::Unavailable("HTTP")),
        }
    }
    fn rule_values(&self, policy: &str, rule: &str) -> Option<serde_json::Map<String, Value>> {
        self.values.rule_values(policy, rule)
    }
    fn get_resource(
        &self,
        r: &verno::host::ResourceRef<'_>,
    ) -> Result<Option<Value>, verno::host::HostError> {
        Ok(self
            .values
            .clone_sources
            .iter()
            .find(|s| {
                let m = ResourceMeta::of(s);
                m.kind == r.kind
                    && m.name == r.name
                    && m.namespace == r.namespace
                    && (r.api_version.is_empty() || m.api_version == r.api_version)
            })
            .cloned())
    }
    fn list_resources(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        _selector: Option<&Value>,
    ) -> Result<Vec<Value>, verno::host::HostError> {
        Ok(self
            .values
            .clone_sources
            .iter()
            .filter(|s| {
                let m = ResourceMeta::of(s);
                m.kind == kind
                    && m.namespace == namespace
                    && (api_version.is_empty() || m.api_version == api_version)
            })
            .cloned()
            .collect())
    }
    fn param_kind_namespaced(
        &self,
        _api_version: &str,
        kind: &str,
    ) -> Result<bool, verno::host::HostError> {
        Ok(crate::params::namespaced(kind))
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
        Ok(crate::params::select(
            &self.params.objects,
            api_version,
            kind,
            namespace,
        ))
    }
    fn cel_get_resource(
        &self,
        api_version: &str,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, verno::host::HostError> {
        Ok(self
            .values
            .context_resources
            .iter()
            .find(|r| {
                context_matches(r, api_version, resource, namespace)
                    && ResourceMeta::of(r).name == name
            })
            .cloned())
    }
    fn cel_list_resources(
        &self,
        api_version: &str,
        resource: &str,
        namespace: &str,
        labels: Option<&[(String, String)]>,
    ) -> Result<Value, verno::host::HostError> {
        let items: Vec<Value> = self
            .values
            .context_resources
            .iter()
            .filter(|r| context_matches(r, api_version, resource, namespace))
            .filter(|r| {
                let m = ResourceMeta::of(r);
                labels
                    .unwrap_or_default()
                    .iter()
                    .all(|(k, v)| m.label(k) == Some(v.as_str()))
            })
            .cloned()
            .collect();
        Ok(serde_json::json!({
            "apiVersion": api_version,
            "kind": "List",
            "metadata": {},
            "items": items,
        }))
    }
    fn image_metadata(&self, image: &str) -> Result<Value, verno::host::HostError> {
        self.values
            .context_images
            .iter()
            .find(|i| i.get("image").and_then(Value::as_str) == Some(image))
            .cloned()
            .ok_or_else(|| {
                verno::host::HostError::Failed(format!("image {image} is not in the context file"))
            })
    }
    fn now(&self) -> Result<verno::host::Timestamp, verno::host::HostError> {
        self.clock.now()
    }
    fn random_u64(&self) -> Result<u64, verno::host::HostError> {
        self.clock.random_u64()
    }
    fn image_verifier(&self) -> Option<&dyn verno::ImageVerifier> {
        self.clock.image_verifier()
    }
}

/// The responses of one (resource, run).
struct Run {
    resource: usize,
    /// `None`: the default run.
    operation: Option<String>,
    responses: Vec<Response>,
}

/// A `cli.kyverno.io/v1alpha1` `UserInfo` file: `roles`, `clusterRoles`,
/// `userInfo {username, uid, groups, extra}`.
fn load_user_info(files: &dyn Files, path: &Path) -> Result<verno::UserInfo, TestError> {
    let docs = fixtures::read_documents(files, path)?;
    let Some((doc, _)) = docs.into_iter().next() else {
        return Err(TestError::NoUserInfo { path: path.into() });
    };
    crate::testfile::parse_user_info(&doc).map_err(|detail| TestError::UserInfo {
        path: path.into(),
        detail,
    })
}

/// One engine response of a run, with the resource it reports on (the
/// patched resource for mutate responses), as `kyverno test` keeps them.
/// Consecutive responses about the same resource share one copy.
struct Response {
    policy: PolicyResponse,
    resource: Rc<Value>,
}

/// `makePolicyContext` for each policy of one run: the values give each
/// policy its operation and variables, and may edit the objects.
struct ValuesRequests<'a> {
    values: &'a Values,
    /// The resource's name, for values lookups and errors.
    name: String,
    /// The operation of the run (a result entry's `operation`), over the
    /// values' `request.operation`.
    forced_op: Option<&'a str>,
    /// The loaded resource. Kyverno merges values into the very map it
    /// loaded, so `request.object` edits outlive the run until a mutation
    /// replaces the running resource with a patched copy.
    stored: &'a mut Value,
    aliased: bool,
    responses: Vec<Response>,
}

impl verno::RequestHook for ValuesRequests<'_> {
    type Error = TestError;

    fn prepare(
        &mut self,
        policy: &verno::CompiledPolicy,
        _stage: verno::Stage,
        running: &mut Cow<'_, Value>,
    ) -> Result<verno::PolicyRequest, TestError> {
        let vals = self.values.for_resource(&policy.info().name, &self.name);
        let (request, edited) =
            crate::values::policy_request(policy, vals, self.forced_op, running).map_err(
                |error| TestError::ApplyValues {
                    resource: self.name.clone(),
                    error,
                },
            )?;
        if edited && self.aliased {
            *self.stored = running.as_ref().clone();
        }
        Ok(request)
    }

    fn responded(
        &mut self,
        stage: verno::Stage,
        response: &PolicyResponse,
        resource: &Value,
        patched: bool,
    ) {
        if patched {
            self.aliased = false;
        }
        // Kyverno keeps generate responses only when they hold rules.
        if stage == verno::Stage::Generate && response.rules.is_empty() {
            return;
        }
        let resource = match self.responses.last() {
            Some(last) if *last.resource == *resource => Rc::clone(&last.resource),
            _ => Rc::new(resource.clone()),
        };
        self.responses.push(Response {
            policy: response.clone(),
            resource,
        });
    }
}

/// `ApplyPoliciesOnResource`: the engine's admission pipeline (mutate,
/// validate, generate) with each policy's request from the values.
fn evaluate(
    set: &PolicySet,
    values: &Values,
    user_info: Option<&verno::UserInfo>,
    stored: &mut Value,
    forced_op: Option<&str>,
    clock: &dyn verno::Host,
    params: &crate::params::ParamObjects,
) -> Result<Vec<Response>, TestError> {
    let meta = ResourceMeta::of(stored);
    let name = meta.name.to_string();
    let ns_labels = values.namespace_labels(meta.namespace);
    let (kind, subresource) = values
        .resource_kind(meta.group, meta.version, meta.kind)
        .map_err(|detail| TestError::Subresource {
            resource: name.clone(),
            detail,
        })?;
    if has_admission_policies(set) {
        verno::unstable::vpol::KindMap::default()
            .rest_mapping(&kind.group, &kind.version, &kind.kind)
            .map_err(|error| TestError::UnmappedKind {
                resource: name.clone(),
                error,
            })?;
    }
    let host = ValuesHost {
        values,
        clock,
        params,
    };
    let initial = stored.clone();
    let mut request = Request::create(&initial);
    request.namespace_labels = ns_labels;
    request.user_info = user_info;
    request.kind = Some(&kind);
    request.subresource = &subresource;
    let ns_object = values.namespace_object(meta.namespace);
    request.namespace_object = ns_object.as_ref();
    let mut hook = ValuesRequests {
        values,
        name,
        forced_op,
        stored,
        aliased: true,
        responses: Vec::new(),
    };
    set.run(&request, verno::Stages::ALL, &mut hook, &host)?;
    Ok(hook.responses)
}

/// Whether the set holds ValidatingAdmissionPolicies, whose step in
/// Kyverno's processor maps every resource's kind without guessing.
fn has_admission_policies(set: &PolicySet) -> bool {
    set.vpols().iter().any(|p| p.vap.is_some())
}

fn run_test(
    files: &dyn Files,
    t: &TestFile,
    judged: &[TestResult],
    base: &Path,
    opts: &RunOptions<'_>,
    report: &mut TestReport,
) -> Result<(), TestError> {
    if let Some(feature) = t.unsupported.first() {
        return Err(TestError::Unsupported { feature });
    }
    let mut values = load_values(files, t, base)?;
    values.api_call_mocks = t.api_call_responses.clone();
    values.global_context =
        crate::global_context::GlobalContext::resolve(&t.global_context_entries, files, base)
            .map_err(|detail| TestError::GlobalContext { detail })?;
    for r in &t.results {
        if let Some(f) = &r.clone_source_resource {
            let docs = fixtures::read_documents(files, &fixtures::resolve(base, f))?;
            values
                .clone_sources
                .extend(docs.into_iter().map(|(d, _)| d).filter(Value::is_object));
        }
    }
    if let Some(c) = &t.context {
        load_context(files, &fixtures::resolve(base, c), &mut values)?;
    }
    let Policies { mut set, skipped } = load_policies(files, t, base)?;
    report.skipped = skipped;
    let legacy_before = set.exceptions().len();
    for e in &t.exceptions {
        let path = fixtures::resolve(base, e);
        let text = files.read(&path)?;
        set.add_exceptions_yaml(&text)
            .map_err(|error| TestError::Policy { path, error })?;
    }
    // CEL exceptions do not count: only `kyverno.io` ones are refused.
    if set.exceptions().len() > legacy_before && set.vpols().iter().any(|p| p.vap.is_some()) {
        return Err(TestError::VapWithExceptions);
    }
    let user_info = match &t.userinfo {
        Some(f) => Some(load_user_info(files, &fixtures::resolve(base, f))?),
        None => None,
    };
    let resources = load_resources(files, t, base)?;
    let params = load_params(files, t, base, &resources)?;
    let mut resources = resources;
    resources.extend(load_payloads(files, t, base)?);

    let mut ops: Vec<Option<String>> = vec![None];
    for r in &t.results {
        if let Some(op) = &r.operation {
            if !ops.contains(&Some(op.clone())) {
                ops.push(Some(op.clone()));
            }
        }
    }
    // Kyverno runs the explicit operations in sorted order (`sets.List`),
    // which matters because values edits persist from run to run.
    ops[1..].sort();
    let mut runs = Vec::new();
    let first_payload = resources.iter().position(|r| r.payload.is_some());
    for (i, res) in resources.iter().enumerate() {
        if res.payload.is_some() {
            if has_admission_policies(&set) {
                // A payload has no kind: the VAP step's RESTMapping of the
                // empty kind fails the whole test.
                let nth = first_payload.map_or(0, |f| i.saturating_sub(f));
                let payload = t.json_payloads.get(nth).cloned().unwrap_or_default();
                let error = verno::unstable::vpol::UnmappedKind {
                    group: String::new(),
                    version: String::new(),
                    kind: String::new(),
                };
                return Err(TestError::UnmappedPayload { payload, error });
            }
            for op in &ops {
                runs.push(Run {
                    resource: i,
                    operation: op.clone(),
                    responses: evaluate_payload(&set, &values, &res.value, opts.clock),
                });
            }
            continue;
        }
        let mut working = res.value.clone();
        for op in &ops {
            runs.push(Run {
                resource: i,
                operation: op.clone(),
                responses: evaluate(
                    &set,
                    &values,
                    user_info.as_ref(),
                    &mut working,
                    op.as_deref(),
                    opts.clock,
                    &params,
                )?,
            });
        }
    }

    let mut rows = Vec::new();
    for entry in judged {
        rows.extend(rows_for_entry(
            files,
            entry,
            base,
            &resources,
            &runs,
            &report.skipped,
            opts,
        ));
    }
    if rows.is_empty() {
        // Kyverno prints an empty table and succeeds; nothing was judged.
        return Err(TestError::NothingChecked);
    }
    report.rows = rows;
    Ok(())
}

/// The resources one result entry is checked against.
struct Candidates {
    /// Indexes into the loaded resources.
    resources: Vec<usize>,
    /// Names the entry lists that match no loaded resource (strict only).
    missing: Vec<String>,
}

/// `printTestResult`'s resource selection: each `resources` item selects
/// the loaded resources with that name (`ns/name` also checks the
/// namespace); when none is selected, every resource is checked.
///
/// Under `--strict` a name that matches nothing is reported instead of
/// falling back to every resource (a typo would otherwise pass), and the
/// entry's `kind`, which Kyverno ignores, picks among resources sharing a
/// name, so a Namespace's `Excluded` row does not fail an entry about the
/// Pod of the same name.
fn candidates(entry: &TestResult, resources: &[LoadedResource], strict: bool) -> Candidates {
    let mut out = Candidates {
        resources: Vec::new(),
        missing: Vec::new(),
    };
    for name in &entry.resources {
        let (ns, n) = match name.split_once('/') {
            Some((ns, n)) => (Some(ns), n),
            None => (None, name.as_str()),
        };
        let mut named: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                // A payload's key is one part: the whole name matches it.
                if let Some(key) = &r.payload {
                    return key == name;
                }
                let m = ResourceMeta::of(&r.value);
                m.name == n && ns.is_none_or(|ns| m.namespace == ns)
            })
            .map(|(i, _)| i)
            .collect();
        if strict && !entry.kind.is_empty() {
            let of_kind = |i: &usize| ResourceMeta::of(&resources[*i].value).kind == entry.kind;
            if named.iter().any(of_kind) {
                named.retain(of_kind);
            }
        }
        if strict && named.is_empty() {
            out.missing.push(name.clone());
        }
        for i in named {
            if !out.resources.contains(&i) {
                out.resources.push(i);
            }
        }
    }
    if out.resources.is_empty() && out.missing.is_empty() {
        out.resources = (0..resources.len()).collect();
    }
    out
}

fn rows_for_entry(
    files: &dyn Files,
    entry: &TestResult,
    base: &Path,
    resources: &[LoadedResource],
    runs: &[Run],
    skipped: &[SkippedPolicy],
    opts: &RunOptions<'_>,
) -> Vec<Row> {
    let Candidates {
        resources: candidates,
        missing,
    } = candidates(entry, resources, opts.strict);
    let mut rows: Vec<Row> = missing
        .into_iter()
        .map(|name| Row {
            policy: entry.policy.clone(),
            rule: entry.rule.clone(),
            resource: name,
            result: "Fail",
            reason: "Not found".into(),
            message: "no loaded resource has this name (strict)".into(),
            ok: false,
        })
        .collect();
    let policy_name = entry.policy.rsplit('/').next().unwrap_or(&entry.policy);
    let autogen = format!("autogen-{}", entry.rule);
    let autogen_cron = format!("autogen-cronjob-{}", entry.rule);
    for ci in candidates {
        let Some(run) = runs
            .iter()
            .find(|r| r.resource == ci && r.operation == entry.operation)
        else {
            continue;
        };
        let display = &resources[ci].display;
        let mut found = false;
        // Kyverno keeps the rows of one resource together: a response adds
        // an `Excluded` row only while the resource has no row yet (so the
        // mutate response of a mutate+validate policy excludes the validate
        // rule, but not the other way round).
        let first_row = rows.len();
        let mut resource_skipped = false;
        // Ruleless kinds (ValidatingPolicy…): one `Excluded` row per
        // resource, only when no response of the policy gave a row.
        let mut cel_empty = false;
        let mut kyverno_found = false;
        for response in run
            .responses
            .iter()
            .filter(|p| p.policy.policy.name == policy_name)
        {
            let resp = &response.policy;
            found = true;
            let ruleless = resp.policy.cel_kind.is_some();
            kyverno_found |= !ruleless;
            let before = rows.len();
            let skipped_before = resource_skipped;
            for rr in resp.rules.iter().filter(|rr| {
                ruleless
                    || entry.rule.is_empty()
                    || rr.name == entry.rule
                    || rr.name == autogen
                    || rr.name == autogen_cron
            }) {
                if !entry.generated_resources.is_empty() && !rr.generated.is_empty() {
                    // One row per generated resource; any expected file may match.
                    for g in &rr.generated {
                        let name = ResourceMeta::of(g).name;
                        let mut result = Err(compare::Mismatch::NotInManifest(name.to_string()));
                        for file in &entry.generated_resources {
                            result = compare::patched(files, base, file, g);
                            if result.is_ok() {
                                break;
                            }
                        }
                        let status_ok = rr.status.as_str() == entry.result;
                        let (ok, reason) = match &result {
                            Ok(()) if status_ok => (true, "Ok".to_string()),
                            Ok(()) => (
                                false,
                                format!("Want {}, got {}", entry.result, rr.status.as_str()),
                            ),
                            Err(e) => (false, e.reason().to_string()),
                        };
                        rows.push(Row {
                            policy: entry.policy.clone(),
                            rule: rr.name.clone(),
                            resource: format!("/{name}"),
                            result: if ok { "Pass" } else { "Fail" },
                            reason,
                            message: result.err().map(|e| e.to_string()).unwrap_or_default(),
                            ok,
                        });
                    }
                    continue;
                }
                if let Some(file) = &entry.patched_resources {
                    match compare::patched(files, base, file, &response.resource) {
                        Ok(()) => {}
                        Err(compare::Mismatch::NotInManifest(_))
                            if !entry.fail_on_missing_resources =>
                        {
                            resource_skipped = true;
                            continue;
                        }
                        Err(e) => {
                            rows.push(Row {
                                policy: entry.policy.clone(),
                                rule: rr.name.clone(),
                                resource: display.clone(),
                                result: "Fail",
                                reason: e.reason().into(),
                                message: e.to_string(),
                                ok: false,
                            });
                            continue;
                        }
                    }
                }
                let status = verno::report::scored_status(&resp.policy, rr.status, false);
                let ok = status.as_str() == entry.result;
                rows.push(Row {
                    policy: entry.policy.clone(),
                    rule: rr.name.clone(),
                    resource: display.clone(),
                    result: if ok { "Pass" } else { "Fail" },
                    reason: if ok {
                        "Ok".into()
                    } else {
                        format!("Want {}, got {}", entry.result, status.as_str())
                    },
                    message: row_message(rr),
                    ok,
                });
            }
            if ruleless {
                cel_empty |= rows.len() == before && resource_skipped == skipped_before;
                continue;
            }
            // Under --strict the resource is judged on all the policy's
            // responses together: it is excluded only when none has the rule.
            if !opts.strict && rows.len() == first_row && !resource_skipped {
                rows.push(excluded_row(entry, display, false));
            }
        }
        if cel_empty && rows.len() == first_row {
            rows.push(excluded_row(entry, display, opts.strict));
        } else if opts.strict && kyverno_found && rows.len() == first_row && !resource_skipped {
            rows.push(excluded_row(entry, display, true));
        }
        if !found {
            if let Some(s) = skipped.iter().find(|s| s.policy == policy_name) {
                rows.push(invalid_policy_row(entry, display, s, opts.strict));
                continue;
            }
            rows.push(Row {
                policy: entry.policy.clone(),
                rule: entry.rule.clone(),
                resource: display.clone(),
                result: "Fail",
                reason: "Not found".into(),
                message: String::new(),
                ok: false,
            });
        }
    }
    rows
}

/// The message a row shows: a `message` property (CEL auditAnnotation)
/// replaces the rule's message, else a `<status>Message` one does.
fn row_message(rr: &verno::RuleResponse) -> String {
    let by_status = format!("{}Message", rr.status.as_str());
    rr.properties
        .get("message")
        .or_else(|| rr.properties.get(&by_status))
        .cloned()
        .unwrap_or_else(|| rr.message.clone())
}

/// The row of an entry whose rule produced no response for a resource: a
/// pass, except under `--strict` for entries that do not expect `skip`.
fn excluded_row(entry: &TestResult, display: &str, strict: bool) -> Row {
    let ok = !strict || entry.result == "skip";
    Row {
        policy: entry.policy.clone(),
        rule: entry.rule.clone(),
        resource: display.to_string(),
        result: if ok { "Pass" } else { "Fail" },
        reason: if ok {
            "Excluded".into()
        } else {
            format!("Excluded (strict: want {})", entry.result)
        },
        message: String::new(),
        ok,
    }
}

/// The row of an entry whose policy was refused (`printTestResult`): Kyverno
/// shows `Skip` / `Invalid Policy` with the refusal as message and does not
/// count it as a failure; under `--strict` it fails, since nothing was
/// judged.
fn invalid_policy_row(
    entry: &TestResult,
    display: &str,
    skipped: &SkippedPolicy,
    strict: bool,
) -> Row {
    Row {
        policy: entry.policy.clone(),
        rule: entry.rule.clone(),
        resource: display.to_string(),
        result: if strict { "Fail" } else { "Skip" },
        reason: "Invalid Policy".into(),
        message: skipped.reason(),
        ok: !strict,
    }
}
