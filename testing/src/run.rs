//! `verno test`: run Kyverno's `kyverno-test.yaml` suites offline, the way
//! `kyverno test` does (`cmd/cli/kubectl-kyverno/commands/test`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use verno::resource::{Operation, Request, ResourceKind, ResourceMeta};
use verno::response::{PolicyResponse, RuleStatus};
use verno::PolicySet;

use crate::compare;
use crate::fixtures;
use crate::input::InputError;
use crate::testfile::{TestFile, TestResult, Values};
use crate::tree;

/// How to run and print.
#[derive(Debug, Clone)]
pub struct TestOptions {
    pub file_name: String,
    /// Ours: an `Excluded` row passes only an entry that expects `skip`; a
    /// listed resource name that matches nothing is `Not found`; `kind`
    /// picks among same-named resources (see `candidates`).
    pub strict: bool,
    pub detailed_results: bool,
    pub fail_only: bool,
    /// Ours: let test files name files outside the directory given to
    /// `verno test` (by `..`, an absolute path or a symlink).
    pub allow_outside_paths: bool,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            file_name: "kyverno-test.yaml".into(),
            strict: false,
            detailed_results: false,
            fail_only: false,
            allow_outside_paths: false,
        }
    }
}

/// One row of the results table.
#[derive(Debug, Clone)]
pub struct Row {
    pub policy: String,
    pub rule: String,
    pub resource: String,
    pub result: &'static str,
    pub reason: String,
    pub message: String,
    pub ok: bool,
}

/// The verdict of one test document.
#[derive(Debug, Clone, Default)]
pub struct TestReport {
    pub path: PathBuf,
    pub rows: Vec<Row>,
    /// A reason the whole test could not run (load error, unsupported feature).
    pub error: Option<String>,
}

impl TestReport {
    pub fn passed(&self) -> usize {
        self.rows.iter().filter(|r| r.ok).count()
    }
    pub fn failed(&self) -> usize {
        self.rows.iter().filter(|r| !r.ok).count() + usize::from(self.error.is_some())
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
    )?;
    out.sort();
    Ok(out)
}

struct LoadedResource {
    value: Value,
    display: String,
}

/// Run every test document of one file. Unless `opts.allow_outside_paths`,
/// every file it reads (the test file, and every policy, resource, values or
/// expected file it names) must lie below `root`, the directory `verno test`
/// was given.
pub fn run_file(path: &Path, root: &Path, opts: &TestOptions) -> Vec<TestReport> {
    let _scope = if opts.allow_outside_paths {
        None
    } else {
        match tree::Scope::enter(root) {
            Ok(scope) => Some(scope),
            Err(e) => {
                return vec![TestReport {
                    path: path.into(),
                    rows: vec![],
                    error: Some(format!("Test errors: {e}")),
                }]
            }
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let docs = match fixtures::read_text(path)
        .and_then(|t| verno::load::documents(&t).map_err(|e| e.to_string()))
    {
        Ok(d) => d,
        Err(e) => {
            return vec![TestReport {
                path: path.into(),
                rows: vec![],
                error: Some(format!("Test errors: {e}")),
            }]
        }
    };
    if docs.is_empty() {
        // An empty file is a test that checks nothing: it must not pass.
        return vec![TestReport {
            path: path.into(),
            rows: vec![],
            error: Some("Test errors: the file holds no Test document".into()),
        }];
    }
    docs.iter()
        .map(|(doc, _)| {
            let mut report = TestReport {
                path: path.into(),
                ..Default::default()
            };
            match TestFile::parse(doc) {
                Ok(t) => match run_test(&t, base, opts) {
                    Ok(rows) => report.rows = rows,
                    Err(e) => report.error = Some(e),
                },
                Err(e) => report.error = Some(format!("Test errors: {e}")),
            }
            report
        })
        .collect()
}

fn load_values(t: &TestFile, base: &Path) -> Result<Values, String> {
    if let Some(inline) = &t.values {
        return Values::parse(inline);
    }
    match &t.variables {
        Some(f) => {
            let path = fixtures::resolve(base, f);
            let docs = fixtures::read_documents(&path)?;
            match docs.first() {
                Some((d, _)) => Values::parse(d),
                None => Ok(Values::default()),
            }
        }
        None => Ok(Values::default()),
    }
}

fn load_policies(t: &TestFile, base: &Path) -> Result<PolicySet, String> {
    let mut loaded = Vec::new();
    for p in &t.policies {
        let path = fixtures::resolve(base, p);
        for (doc, file) in fixtures::read_documents(&path)? {
            if !verno::load::is_kyverno_policy(&doc) {
                let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
                let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
                return Err(format!(
                    "unsupported: policy kind {api}/{kind} ({})",
                    file.display()
                ));
            }
            loaded.push(
                verno::load::policy_from_value(doc, None)
                    .map_err(|e| format!("{}: {e}", file.display()))?,
            );
        }
    }
    PolicySet::compile(loaded).map_err(|e| e.to_string())
}

fn load_resources(t: &TestFile, base: &Path) -> Result<Vec<LoadedResource>, String> {
    let mut out: Vec<LoadedResource> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, r) in t.resources.iter().enumerate() {
        let path = fixtures::resolve(base, r);
        let docs = match fixtures::read_resources(&path) {
            Ok(d) => d,
            // A later file that is missing is passed over; one that is
            // hostile or not a resource never is.
            Err(InputError::Io { .. }) if i > 0 => continue,
            Err(e) => return Err(format!("failed to load resources: {e}")),
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
            out.push(LoadedResource { value: v, display });
        }
    }
    Ok(out)
}

/// Serves a values file's rule values to the engine, as `kyverno test` does.
struct ValuesHost<'a> {
    values: &'a Values,
}

impl verno::Host for ValuesHost<'_> {
    /// `kyverno test` without `clusterResources` or mocks loads no
    /// `configMap`/`apiCall`/... entry; values stand in for them.
    fn resolves_context_entries(&self) -> bool {
        false
    }
    fn rule_values(&self, policy: &str, rule: &str) -> Option<serde_json::Map<String, Value>> {
        let mut out = serde_json::Map::new();
        for (p, r, vals) in &self.values.rule_values {
            let named = r == rule
                || format!("autogen-{r}") == rule
                || format!("autogen-cronjob-{r}") == rule;
            if p == policy && named {
                out.extend(vals.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        (!out.is_empty()).then_some(out)
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
    fn now(&self) -> Result<verno::host::Timestamp, verno::host::HostError> {
        crate::system::now()
    }
    fn random_u64(&self) -> Result<u64, verno::host::HostError> {
        crate::system::random_u64()
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
fn load_user_info(path: &Path) -> Result<verno::UserInfo, String> {
    let docs = fixtures::read_documents(path)?;
    let Some((doc, _)) = docs.into_iter().next() else {
        return Err(format!("{}: no UserInfo document", path.display()));
    };
    crate::testfile::parse_user_info(&doc).map_err(|e| format!("{}: {e}", path.display()))
}

/// One engine response of a run, with the resource it reports on (the
/// patched resource for mutate responses), as `kyverno test` keeps them.
struct Response {
    policy: PolicyResponse,
    resource: Value,
}

/// The request one policy sees: `object` is the running resource (absent on
/// DELETE), `old` the old object of an UPDATE or DELETE.
struct RequestParts<'a> {
    vals: &'a serde_json::Map<String, Value>,
    op: Operation,
    ns_labels: Option<&'a BTreeMap<String, String>>,
    user_info: Option<&'a verno::UserInfo>,
    /// The top-level kind and subresource (values `subresources`).
    kind: &'a ResourceKind,
    subresource: &'a str,
}

fn request<'a>(object: &'a Value, old: &'a Value, parts: &RequestParts<'a>) -> Request<'a> {
    let mut req = Request::create(object);
    req.operation = parts.op;
    req.variables = Some(parts.vals);
    req.namespace_labels = parts.ns_labels;
    req.user_info = parts.user_info;
    req.kind = Some(parts.kind);
    req.subresource = parts.subresource;
    match parts.op {
        Operation::Update => req.old_object = Some(old),
        Operation::Delete => {
            req.object = None;
            req.old_object = Some(old);
        }
        _ => {}
    }
    req
}

/// The running resource of one evaluation run, as `ApplyPoliciesOnResource`
/// threads it through the policies.
struct Running<'a> {
    current: Value,
    /// The loaded resource. Kyverno merges values into the very map it
    /// loaded, so `request.object` edits outlive the run until a mutation
    /// replaces the running resource with a patched copy.
    stored: &'a mut Value,
    aliased: bool,
    /// The resource's name, for errors.
    name: String,
}

impl Running<'_> {
    /// `makePolicyContext`: merge the values into the context and read the
    /// objects back. Returns the edited old object of an UPDATE (Kyverno
    /// deep-copies it, so it does not persist).
    fn apply_values(
        &mut self,
        vals: &serde_json::Map<String, Value>,
        op: Operation,
    ) -> Result<Option<Value>, String> {
        if !verno::values::edits_objects(vals) {
            return Ok(None);
        }
        let rb = verno::values::read_back(&self.current, op, vals)
            .map_err(|e| format!("failed to apply policies on resource {} ({e})", self.name))?;
        let (edited, old) = match op {
            Operation::Delete => (rb.old_object.unwrap_or_default(), None),
            Operation::Update => (rb.object, rb.old_object),
            _ => (rb.object, None),
        };
        if self.aliased {
            *self.stored = edited.clone();
        }
        self.current = edited;
        Ok(old)
    }

    fn patched(&mut self, v: Value) {
        self.current = v;
        self.aliased = false;
    }
}

/// `ApplyPoliciesOnResource`: mutate policies in order (chaining the patched
/// resource), then validate policies on the result.
fn evaluate(
    set: &PolicySet,
    values: &Values,
    user_info: Option<&verno::UserInfo>,
    stored: &mut Value,
    forced_op: Option<&str>,
) -> Result<Vec<Response>, String> {
    let meta = ResourceMeta::of(stored);
    let name = meta.name.to_string();
    let ns_labels = values.namespace_labels(meta.namespace);
    let (kind, subresource) = values.resource_kind(meta.group, meta.version, meta.kind)?;
    let host = ValuesHost { values };
    let per_policy = |policy: &str| {
        let vals = values.for_resource(policy, &name);
        let op = forced_op
            .map(str::to_string)
            .or_else(|| {
                vals.get("request.operation")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "CREATE".into());
        (vals, Operation::parse_lenient(&op))
    };
    let mut out = Vec::new();
    let mut run = Running {
        current: stored.clone(),
        stored,
        aliased: true,
        name: name.clone(),
    };
    for (i, p) in set.policies.iter().enumerate() {
        if !p.has_mutate() {
            continue;
        }
        let (vals, op) = per_policy(&p.info.name);
        let old = run.apply_values(&vals, op)?;
        let parts = RequestParts {
            vals: &vals,
            op,
            ns_labels,
            user_info,
            kind: &kind,
            subresource: &subresource,
        };
        let (resp, patched) = set.mutate_policy(
            i,
            &request(&run.current, old.as_ref().unwrap_or(&run.current), &parts),
            &host,
        );
        if let Some(v) = patched {
            run.patched(v);
        }
        out.push(Response {
            policy: resp,
            resource: run.current.clone(),
        });
    }
    for (i, p) in set.policies.iter().enumerate() {
        if !p.has_validate() {
            continue;
        }
        let (vals, op) = per_policy(&p.info.name);
        let old = run.apply_values(&vals, op)?;
        let parts = RequestParts {
            vals: &vals,
            op,
            ns_labels,
            user_info,
            kind: &kind,
            subresource: &subresource,
        };
        out.push(Response {
            policy: set.evaluate_policy(
                i,
                &request(&run.current, old.as_ref().unwrap_or(&run.current), &parts),
                &host,
            ),
            resource: run.current.clone(),
        });
    }
    for (i, p) in set.policies.iter().enumerate() {
        if !p.has_generate() {
            continue;
        }
        let (vals, op) = per_policy(&p.info.name);
        let old = run.apply_values(&vals, op)?;
        let parts = RequestParts {
            vals: &vals,
            op,
            ns_labels,
            user_info,
            kind: &kind,
            subresource: &subresource,
        };
        let resp = set.generate_policy(
            i,
            &request(&run.current, old.as_ref().unwrap_or(&run.current), &parts),
            &host,
        );
        // Kyverno keeps generate responses only when they hold rules.
        if !resp.rules.is_empty() {
            out.push(Response {
                policy: resp,
                resource: run.current.clone(),
            });
        }
    }
    Ok(out)
}

fn run_test(t: &TestFile, base: &Path, opts: &TestOptions) -> Result<Vec<Row>, String> {
    if let Some(f) = t.unsupported.first() {
        return Err(format!("unsupported: {f}"));
    }
    let mut values = load_values(t, base)?;
    for r in &t.results {
        if let Some(f) = &r.clone_source_resource {
            let docs = fixtures::read_documents(&fixtures::resolve(base, f))?;
            values
                .clone_sources
                .extend(docs.into_iter().map(|(d, _)| d).filter(Value::is_object));
        }
    }
    let mut set = load_policies(t, base)?;
    for e in &t.exceptions {
        let path = fixtures::resolve(base, e);
        let text = fixtures::read_text(&path)?;
        set.add_exceptions_yaml(&text)
            .map_err(|err| format!("{}: {err}", path.display()))?;
    }
    let user_info = match &t.userinfo {
        Some(f) => Some(load_user_info(&fixtures::resolve(base, f))?),
        None => None,
    };
    let resources = load_resources(t, base)?;

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
    for (i, res) in resources.iter().enumerate() {
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
                )?,
            });
        }
    }

    let mut rows = Vec::new();
    for entry in &t.results {
        rows.extend(rows_for_entry(entry, base, &resources, &runs, opts)?);
    }
    if rows.is_empty() {
        // Kyverno prints an empty table and succeeds; nothing was judged.
        return Err("nothing was checked: no result entry produced a row".into());
    }
    Ok(rows)
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
    entry: &TestResult,
    base: &Path,
    resources: &[LoadedResource],
    runs: &[Run],
    opts: &TestOptions,
) -> Result<Vec<Row>, String> {
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
        for response in run
            .responses
            .iter()
            .filter(|p| p.policy.policy.name == policy_name)
        {
            let resp = &response.policy;
            found = true;
            let mut dropped = false;
            let scored = resp
                .policy
                .annotations
                .get("policies.kyverno.io/scored")
                .map(String::as_str)
                != Some("false");
            let mut any = false;
            for rr in resp.rules.iter().filter(|rr| {
                entry.rule.is_empty()
                    || rr.name == entry.rule
                    || rr.name == autogen
                    || rr.name == autogen_cron
            }) {
                if !entry.generated_resources.is_empty() && !rr.generated.is_empty() {
                    // One row per generated resource; any expected file may match.
                    any = true;
                    for g in &rr.generated {
                        let name = ResourceMeta::of(g).name;
                        let mut result = Err(compare::Mismatch::NotInManifest(name.to_string()));
                        for file in &entry.generated_resources {
                            result = compare::patched(base, file, g);
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
                    match compare::patched(base, file, &response.resource) {
                        Ok(()) => {}
                        Err(compare::Mismatch::NotInManifest(_))
                            if !entry.fail_on_missing_resources =>
                        {
                            dropped = true;
                            continue;
                        }
                        Err(e) => {
                            any = true;
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
                any = true;
                let mut status = rr.status;
                if status == RuleStatus::Fail && !scored {
                    status = RuleStatus::Warn;
                }
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
                    message: rr.message.clone(),
                    ok,
                });
            }
            if !any && !dropped {
                let ok = !opts.strict || entry.result == "skip";
                rows.push(Row {
                    policy: entry.policy.clone(),
                    rule: entry.rule.clone(),
                    resource: display.clone(),
                    result: if ok { "Pass" } else { "Fail" },
                    reason: if ok {
                        "Excluded".into()
                    } else {
                        format!("Excluded (strict: want {})", entry.result)
                    },
                    message: String::new(),
                    ok,
                });
            }
        }
        if !found {
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
    Ok(rows)
}

fn print_table(out: &mut dyn Write, rows: &[&Row], detailed: bool) -> std::io::Result<()> {
    let mut header = vec!["ID", "POLICY", "RULE", "RESOURCE", "RESULT", "REASON"];
    if detailed {
        header.push("MESSAGE");
    }
    let data: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = vec![
                (i + 1).to_string(),
                r.policy.clone(),
                r.rule.clone(),
                r.resource.clone(),
                r.result.to_string(),
                r.reason.clone(),
            ];
            if detailed {
                v.push(r.message.clone());
            }
            v
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &data {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!(" {}{} ", c, " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        format!("│{}│", parts.join("│"))
    };
    let sep: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
    writeln!(out, "│{}│", sep.join("│"))?;
    writeln!(
        out,
        "{}",
        line(&header.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    )?;
    writeln!(out, "│{}│", sep.join("│"))?;
    for row in &data {
        writeln!(out, "{}", line(row))?;
    }
    writeln!(out, "│{}│", sep.join("│"))?;
    Ok(())
}

/// Why `verno test` could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A directory given could not be searched.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Writing the results failed.
    #[error(transparent)]
    Output(#[from] std::io::Error),
}

/// Run every test below each directory, print like `kyverno test`, and
/// return (passed, failed) row counts.
pub fn run(
    dirs: &[PathBuf],
    opts: &TestOptions,
    out: &mut dyn Write,
) -> Result<(usize, usize), RunError> {
    let (mut passed, mut failed) = (0, 0);
    let mut failed_rows: Vec<Row> = Vec::new();
    for dir in dirs {
        // A test file given by itself is confined to its own directory.
        let (files, root) = if dir.is_file() {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            (vec![dir.clone()], parent)
        } else {
            (discover(dir, &opts.file_name)?, dir.as_path())
        };
        for f in files {
            for report in run_file(&f, root, opts) {
                let shown = f.strip_prefix(dir).unwrap_or(&f);
                writeln!(out, "Loading test  ( {} ) ...", shown.display())?;
                writeln!(out, "  Loading values/variables ...")?;
                writeln!(out, "  Loading policies ...")?;
                writeln!(out, "  Loading resources ...")?;
                writeln!(out, "  Loading exceptions ...")?;
                if let Some(e) = &report.error {
                    writeln!(out, "  Error: {e}")?;
                }
                writeln!(out, "  Checking results ...")?;
                for r in &report.rows {
                    if let Some(m) = r.message.strip_prefix("unsupported: ") {
                        writeln!(out, "  unsupported: {m}")?;
                    }
                }
                let rows: Vec<&Row> = report
                    .rows
                    .iter()
                    .filter(|r| !opts.fail_only || !r.ok)
                    .collect();
                if !rows.is_empty() && !opts.fail_only {
                    writeln!(out)?;
                    print_table(out, &rows, opts.detailed_results)?;
                    writeln!(out)?;
                }
                passed += report.passed();
                failed += report.failed();
                failed_rows.extend(report.rows.iter().filter(|r| !r.ok).cloned());
            }
        }
    }
    if opts.fail_only {
        writeln!(
            out,
            "Test Summary: {} out of {} tests failed",
            failed,
            passed + failed
        )?;
        if !failed_rows.is_empty() {
            writeln!(out)?;
            print_table(
                out,
                &failed_rows.iter().collect::<Vec<_>>(),
                opts.detailed_results,
            )?;
        }
    } else {
        writeln!(
            out,
            "Test Summary: {passed} tests passed and {failed} tests failed"
        )?;
    }
    let _ = BTreeMap::<(), ()>::new();
    Ok((passed, failed))
}
