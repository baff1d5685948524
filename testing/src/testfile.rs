//! The `kyverno-test.yaml` (`cli.kyverno.io/v1alpha1` `Test`) and `Values`
//! documents, decoded strictly with case-insensitive field names as Go's
//! `encoding/json` does.

use serde_json::{Map, Value};

/// Why a `Test`, `Values` or `UserInfo` document does not decode. `at` is
/// the field, spelled as in the file (`Test.results[2].result`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A field Kyverno's strict decoding does not know.
    #[error("{at}: unknown field \"{field}\"")]
    UnknownField { at: String, field: String },
    /// A field of the wrong type (`got` as Go's `encoding/json` names it).
    #[error("{at}: expected {expected}, got {got}")]
    WrongType {
        at: String,
        expected: &'static str,
        got: &'static str,
    },
    /// A field that must be a map or a list and is not.
    #[error("{at}: must be {what}")]
    MustBe { at: String, what: &'static str },
    /// A Go string field holding another type.
    #[error("{at}: cannot unmarshal {value} into a string")]
    NotAString { at: String, value: String },
    /// A field the userinfo decoder rejects.
    #[error("{at}: {detail}")]
    Invalid { at: String, detail: String },
    /// A `Test` without `apiVersion`/`kind`, or with a top-level `name`.
    #[error(
        "test uses a deprecated schema (apiVersion and kind are required, top-level name is gone)"
    )]
    DeprecatedSchema,
    /// A `Test` without result entries.
    #[error("Test.results: no results to check (a test without results cannot pass)")]
    NoResults,
    /// A values `subresources` name without `/`.
    #[error("{at}: {name:?} has no \"/\" (want parent/subresource, e.g. pods/exec)")]
    SubresourceName { at: String, name: String },
}

/// Rename keys of `obj` to their canonical spelling (case-insensitive
/// match); unknown keys are an error, as Kyverno decodes strictly.
fn canonical(
    obj: &Map<String, Value>,
    known: &[&str],
    what: &str,
) -> Result<Map<String, Value>, DecodeError> {
    let mut out = Map::new();
    for (k, v) in obj {
        match known.iter().find(|c| c.eq_ignore_ascii_case(k)) {
            Some(c) => {
                out.insert((*c).to_string(), v.clone());
            }
            None => {
                return Err(DecodeError::UnknownField {
                    at: what.to_string(),
                    field: k.clone(),
                })
            }
        }
    }
    Ok(out)
}

/// How Go's `encoding/json` would name the type of `v` in its error.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn wrong_type(at: &str, expected: &'static str, got: &Value) -> DecodeError {
    DecodeError::WrongType {
        at: at.to_string(),
        expected,
        got: type_name(got),
    }
}

/// A decoded map with canonical keys and where it is (`Test.results[2]`).
type Located = (String, Map<String, Value>);

/// Typed reads of a decoded map. Kyverno decodes strictly into Go structs,
/// so a field of the wrong type is an error, never an empty default; `null`
/// is an absent field, as in Go.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    /// Where the map is (`Test.results[2]`), for error messages.
    at: &'a str,
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    fn string(&self, key: &str) -> Result<Option<String>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(wrong_type(&self.path(key), "a string", other)),
        }
    }

    fn boolean(&self, key: &str) -> Result<bool, DecodeError> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(wrong_type(&self.path(key), "a boolean", other)),
        }
    }

    fn list(&self, key: &str) -> Result<&'a [Value], DecodeError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(wrong_type(&self.path(key), "a list", other)),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, DecodeError> {
        if let Some(v) = self.get(key).filter(|v| !v.is_array()) {
            return Err(wrong_type(&self.path(key), "a list of strings", v));
        }
        self.list(key)?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(wrong_type(
                    &format!("{}[{i}]", self.path(key)),
                    "a string",
                    other,
                )),
            })
            .collect()
    }

    fn map(&self, key: &str) -> Result<Option<&'a Map<String, Value>>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(wrong_type(&self.path(key), "a map", other)),
        }
    }

    /// Each item of the list `key` as a map with canonical field names.
    fn maps(&self, key: &str, known: &[&str]) -> Result<Vec<Located>, DecodeError> {
        self.list(key)?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let at = format!("{}[{i}]", self.path(key));
                match v {
                    Value::Object(m) => {
                        let m = canonical(m, known, &at)?;
                        Ok((at, m))
                    }
                    other => Err(wrong_type(&at, "a map", other)),
                }
            })
            .collect()
    }
}

/// One expected result.
#[derive(Debug, Clone, Default)]
pub struct TestResult {
    pub policy: String,
    pub rule: String,
    /// The resource kind the entry is about: decoration for Kyverno, a
    /// tie-breaker between same-named resources under `--strict`.
    pub kind: String,
    pub resources: Vec<String>,
    pub result: String,
    pub operation: Option<String>,
    pub patched_resources: Option<String>,
    pub generated_resources: Vec<String>,
    pub clone_source_resource: Option<String>,
    pub fail_on_missing_resources: bool,
}

/// A `Test` document.
#[derive(Debug, Clone, Default)]
pub struct TestFile {
    pub name: String,
    pub policies: Vec<String>,
    pub resources: Vec<String>,
    pub variables: Option<String>,
    pub values: Option<Value>,
    pub userinfo: Option<String>,
    pub results: Vec<TestResult>,
    pub exceptions: Vec<String>,
    /// `paramResources`: the parameter objects of `validate.cel` rules.
    pub param_resources: Vec<String>,
    /// `context`: a `cli.kyverno.io/v1alpha1 Context` file (resources and
    /// images the CEL libraries read).
    pub context: Option<String>,
    /// `jsonPayloads` (with the deprecated `jsonPayload` folded in first).
    pub json_payloads: Vec<String>,
    /// `apiCallResponses`: mocked answers for `apiCall` entries and CEL `http`.
    pub api_call_responses: crate::mocks::ApiCallMocks,
    /// `globalContextEntries`: data for `globalReference` and `globalContext.Get`.
    pub global_context_entries: Vec<crate::global_context::GlobalContextSpec>,
    /// Fields verno reads but does not support yet (named in errors).
    pub unsupported: Vec<&'static str>,
}

const TEST_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "policies",
    "resources",
    "variables",
    "values",
    "userinfo",
    "results",
    "exceptions",
    "targetResources",
    "paramResources",
    "clusterResources",
    "context",
    "jsonPayloads",
    "jsonPayload",
    "httpPayloads",
    "envoyPayloads",
    "apiCallResponses",
    "globalContextEntries",
];

const RESULT_FIELDS: &[&str] = &[
    "policy",
    "rule",
    "resources",
    "resourceSpecs",
    "kind",
    "result",
    "operation",
    "patchedResources",
    "generatedResource",
    "generatedResources",
    "cloneSourceResource",
    "failOnMissingResources",
    "isValidatingAdmissionPolicy",
    "isValidatingPolicy",
    "isMutatingPolicy",
    "isMutatingAdmissionPolicy",
    "isGeneratingPolicy",
    "isImageValidatingPolicy",
    "isDeletingPolicy",
    "isNamespacedPolicy",
];

impl TestFile {
    /// Decode one `Test` document. Unknown fields, fields of the wrong type
    /// and a document without results are errors: a test that cannot be
    /// judged must not count as a pass.
    pub fn parse(doc: &Value) -> Result<TestFile, DecodeError> {
        let obj = match doc {
            Value::Object(m) => m,
            other => return Err(wrong_type("Test", "a map", other)),
        };
        let t = canonical(obj, TEST_FIELDS, "Test")?;
        let t = Fields {
            map: &t,
            at: "Test",
        };
        let api = t.string("apiVersion")?.unwrap_or_default();
        let kind = t.string("kind")?.unwrap_or_default();
        if api.is_empty() || kind.is_empty() || t.get("name").is_some() {
            return Err(DecodeError::DeprecatedSchema);
        }
        let mut unsupported = Vec::new();
        for (field, feature) in [
            ("targetResources", "targetResources"),
            ("clusterResources", "clusterResources"),
            ("httpPayloads", "httpPayloads"),
            ("envoyPayloads", "envoyPayloads"),
        ] {
            if t.get(field).is_some() {
                unsupported.push(feature);
            }
        }
        let name = match t.map("metadata")? {
            Some(m) => Fields {
                map: m,
                at: "Test.metadata",
            }
            .string("name")?
            .unwrap_or_default(),
            None => String::new(),
        };
        let mut results = Vec::new();
        for (at, r) in t.maps("results", RESULT_FIELDS)? {
            results.push(TestResult::parse(&Fields { map: &r, at: &at })?);
        }
        if results.is_empty() {
            return Err(DecodeError::NoResults);
        }
        let mut policies = t.strings("policies")?;
        dedup(&mut policies);
        let mut resources = t.strings("resources")?;
        dedup(&mut resources);
        let values = match t.get("values") {
            None => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(other) => return Err(wrong_type("Test.values", "a map", other)),
        };
        Ok(TestFile {
            name,
            policies,
            resources,
            variables: t.string("variables")?,
            values,
            userinfo: t.string("userinfo")?,
            results,
            exceptions: t.strings("exceptions")?,
            param_resources: t.strings("paramResources")?,
            context: t.string("context")?,
            json_payloads: {
                let mut all: Vec<String> = t.string("jsonPayload")?.into_iter().collect();
                all.extend(t.strings("jsonPayloads")?);
                dedup(&mut all);
                all
            },
            api_call_responses: crate::mocks::ApiCallMocks::parse(
                t.list("apiCallResponses")?,
                "Test.apiCallResponses",
            )?,
            global_context_entries: crate::global_context::parse(
                t.list("globalContextEntries")?,
                "Test.globalContextEntries",
            )?,
            unsupported,
        })
    }
}

impl TestResult {
    fn parse(r: &Fields<'_>) -> Result<TestResult, DecodeError> {
        // Read only to check their type: Kyverno decodes them, verno's
        // matching does not need them (`kind` only under --strict).
        for flag in RESULT_FIELDS.iter().filter(|f| f.starts_with("is")) {
            r.boolean(flag)?;
        }
        r.maps(
            "resourceSpecs",
            &[
                "group",
                "version",
                "kind",
                "namespace",
                "subresource",
                "name",
            ],
        )?;
        let mut generated = r.strings("generatedResources")?;
        if let Some(g) = r.string("generatedResource")? {
            generated.insert(0, g);
        }
        Ok(TestResult {
            policy: r.string("policy")?.unwrap_or_default(),
            rule: r.string("rule")?.unwrap_or_default(),
            kind: r.string("kind")?.unwrap_or_default(),
            resources: r.strings("resources")?,
            result: r.string("result")?.unwrap_or_default(),
            operation: r.string("operation")?,
            patched_resources: r.string("patchedResources")?,
            generated_resources: generated,
            clone_source_resource: r.string("cloneSourceResource")?,
            fail_on_missing_resources: r.boolean("failOnMissingResources")?,
        })
    }
}

/// Decode a `cli.kyverno.io/v1alpha1` `UserInfo` document (`roles`,
/// `clusterRoles`, `userInfo {username, uid, groups, extra}`), strictly.
pub fn parse_user_info(doc: &Value) -> Result<verno::UserInfo, DecodeError> {
    let obj = match doc {
        Value::Object(m) => m,
        other => return Err(wrong_type("UserInfo", "a map", other)),
    };
    let u = canonical(
        obj,
        &[
            "apiVersion",
            "kind",
            "metadata",
            "roles",
            "clusterRoles",
            "userInfo",
        ],
        "UserInfo",
    )?;
    let u = Fields {
        map: &u,
        at: "UserInfo",
    };
    u.string("apiVersion")?;
    u.string("kind")?;
    u.map("metadata")?;
    let mut info: verno::UserInfo = match u.map("userInfo")? {
        Some(m) => {
            serde_json::from_value(Value::Object(m.clone())).map_err(|e| DecodeError::Invalid {
                at: "UserInfo.userInfo".into(),
                detail: e.to_string(),
            })?
        }
        None => verno::UserInfo::default(),
    };
    info.roles = u.strings("roles")?;
    info.cluster_roles = u.strings("clusterRoles")?;
    Ok(info)
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

/// The parts of a `Values` document verno uses.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub global: Map<String, Value>,
    /// (policy, resource) → values.
    pub resource_values: Vec<(String, String, Map<String, Value>)>,
    /// (policy, rule) → values.
    pub rule_values: Vec<(String, String, Map<String, Value>)>,
    /// namespace name → labels.
    pub namespace_labels: Vec<(String, std::collections::BTreeMap<String, String>)>,
    /// Resources of the results' `cloneSourceResource` files: the cluster
    /// generate `clone`/`cloneList` rules read from.
    pub clone_sources: Vec<Value>,
    /// `subresources`: which object kinds stand for a subresource of which
    /// parent kind, in file order.
    pub subresources: Vec<Subresource>,
    /// The full Namespace objects of `namespaces` (CEL `namespaceObject`).
    pub namespace_objects: Vec<Value>,
    /// The `context` file's `spec.resources` (CEL `resource.Get/List`).
    pub context_resources: Vec<Value>,
    /// The `context` file's `spec.images` (CEL `image.GetMetadata`).
    pub context_images: Vec<Value>,
    /// The test's `apiCallResponses`.
    pub api_call_mocks: crate::mocks::ApiCallMocks,
    /// The test's resolved `globalContextEntries`.
    pub global_context: crate::global_context::GlobalContext,
}

/// The parts of a `metav1.APIResource` the subresource mapping reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiResource {
    /// `pods`, or `pods/exec` for a subresource.
    pub name: String,
    pub group: String,
    pub version: String,
    pub kind: String,
}

/// One `subresources` entry: objects of the `subresource` kind are requests
/// on the `parent_resource` kind's subresource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subresource {
    pub subresource: ApiResource,
    pub parent_resource: ApiResource,
}

/// A string field of a Go-decoded object (case-insensitive names); absent
/// or null is empty, another type is an error naming `what`.
fn go_string(obj: &Map<String, Value>, field: &str, what: &str) -> Result<String, DecodeError> {
    match obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field))
        .map(|(_, v)| v)
    {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(DecodeError::NotAString {
            at: format!("{what}.{field}"),
            value: other.to_string(),
        }),
    }
}

fn api_resource(v: Option<&Value>, what: &str) -> Result<ApiResource, DecodeError> {
    let obj = match v {
        None | Some(Value::Null) => return Ok(ApiResource::default()),
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(DecodeError::MustBe {
                at: what.to_string(),
                what: "a map",
            })
        }
    };
    Ok(ApiResource {
        name: go_string(obj, "name", what)?,
        group: go_string(obj, "group", what)?,
        version: go_string(obj, "version", what)?,
        kind: go_string(obj, "kind", what)?,
    })
}

fn subresources(v: Option<&Value>) -> Result<Vec<Subresource>, DecodeError> {
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(DecodeError::MustBe {
                at: "Values.subresources".into(),
                what: "a list",
            })
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let what = format!("Values.subresources[{i}]");
            let obj = e.as_object().ok_or_else(|| DecodeError::MustBe {
                at: what.clone(),
                what: "a map",
            })?;
            let obj = canonical(obj, &["subresource", "parentResource"], &what)?;
            Ok(Subresource {
                subresource: api_resource(obj.get("subresource"), &format!("{what}.subresource"))?,
                parent_resource: api_resource(
                    obj.get("parentResource"),
                    &format!("{what}.parentResource"),
                )?,
            })
        })
        .collect()
}

/// A `map[string]string` of labels.
fn label_map(
    labels: Option<&Map<String, Value>>,
    at: &str,
) -> Result<std::collections::BTreeMap<String, String>, DecodeError> {
    labels
        .into_iter()
        .flatten()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            other => Err(wrong_type(&format!("{at}.{k}"), "a string", other)),
        })
        .collect()
}

impl Values {
    /// Decode a `Values` document (or an inline `values` spec), strictly:
    /// unknown fields and fields of the wrong type are errors.
    pub fn parse(doc: &Value) -> Result<Values, DecodeError> {
        let obj = match doc {
            Value::Object(m) => m,
            other => return Err(wrong_type("Values", "a map", other)),
        };
        let v = canonical(
            obj,
            &[
                "apiVersion",
                "kind",
                "metadata",
                "globalValues",
                "policies",
                "namespaceSelector",
                "namespaces",
                "subresources",
            ],
            "Values",
        )?;
        let v = Fields {
            map: &v,
            at: "Values",
        };
        v.string("apiVersion")?;
        v.string("kind")?;
        v.map("metadata")?;
        v.maps("subresources", &["subresource", "parentResource"])?;
        let mut out = Values {
            global: v.map("globalValues")?.cloned().unwrap_or_default(),
            subresources: subresources(v.get("subresources"))?,
            ..Default::default()
        };
        for (at, p) in v.maps("policies", &["name", "resources", "rules"])? {
            let p = Fields { map: &p, at: &at };
            let name = p.string("name")?.unwrap_or_default();
            for (at, r) in p.maps("resources", &["name", "values"])? {
                let r = Fields { map: &r, at: &at };
                out.resource_values.push((
                    name.clone(),
                    r.string("name")?.unwrap_or_default(),
                    r.map("values")?.cloned().unwrap_or_default(),
                ));
            }
            for (at, r) in p.maps("rules", &["name", "values", "foreachValues"])? {
                let r = Fields { map: &r, at: &at };
                let mut vals = r.map("values")?.cloned().unwrap_or_default();
                // foreachValues: Kyverno's CLI always uses element 0.
                for (k, list) in r.map("foreachValues")?.into_iter().flatten() {
                    match list {
                        Value::Array(items) => {
                            if let Some(first) = items.first() {
                                vals.insert(k.clone(), first.clone());
                            }
                        }
                        Value::Null => {}
                        other => {
                            return Err(wrong_type(
                                &format!("{at}.foreachValues.{k}"),
                                "a list",
                                other,
                            ))
                        }
                    }
                }
                out.rule_values
                    .push((name.clone(), r.string("name")?.unwrap_or_default(), vals));
            }
        }
        for (at, ns) in v.maps("namespaceSelector", &["name", "labels"])? {
            let ns = Fields { map: &ns, at: &at };
            let labels = label_map(ns.map("labels")?, &ns.path("labels"))?;
            out.namespace_labels
                .push((ns.string("name")?.unwrap_or_default(), labels));
        }
        // Full Namespace objects win over namespaceSelector entries.
        for (i, ns) in v.list("namespaces")?.iter().enumerate() {
            let at = format!("Values.namespaces[{i}]");
            let Value::Object(ns) = ns else {
                return Err(wrong_type(&at, "a map", ns));
            };
            let meta_at = format!("{at}.metadata");
            let meta = Fields { map: ns, at: &at }.map("metadata")?;
            let (name, labels) = match meta {
                Some(m) => {
                    let m = Fields {
                        map: m,
                        at: &meta_at,
                    };
                    (
                        m.string("name")?.unwrap_or_default(),
                        label_map(m.map("labels")?, &m.path("labels"))?,
                    )
                }
                None => (String::new(), Default::default()),
            };
            out.namespace_labels.retain(|(n, _)| *n != name);
            out.namespace_labels.push((name, labels));
            out.namespace_objects.push(Value::Object(ns.clone()));
        }
        Ok(out)
    }

    /// `ComputeVariables`: global values overlaid with the (policy, resource) ones.
    pub fn for_resource(&self, policy: &str, resource: &str) -> Map<String, Value> {
        let mut out = self.global.clone();
        for (p, r, vals) in &self.resource_values {
            if p == policy && r == resource {
                for (k, v) in vals {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }

    /// The top-level kind and subresource a resource stands for
    /// (`ApplyPoliciesOnResource` without `--cluster`): each entry whose
    /// subresource kind equals the running kind swaps in its parent kind and
    /// the part after `/` of its name. Entries are applied in order and the
    /// comparison uses the kind swapped in so far, as Kyverno's loop does.
    pub fn resource_kind(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Result<(verno::ResourceKind, String), DecodeError> {
        let mut gvk = verno::ResourceKind {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        };
        let mut subresource = String::new();
        for (i, s) in self.subresources.iter().enumerate() {
            let sub = &s.subresource;
            if (sub.group.as_str(), sub.version.as_str(), sub.kind.as_str())
                != (gvk.group.as_str(), gvk.version.as_str(), gvk.kind.as_str())
            {
                continue;
            }
            // Kyverno indexes the second part blindly (and panics without one).
            let Some(part) = sub.name.split('/').nth(1) else {
                return Err(DecodeError::SubresourceName {
                    at: format!("Values.subresources[{i}].subresource.name"),
                    name: sub.name.clone(),
                });
            };
            subresource = part.to_string();
            let p = &s.parent_resource;
            gvk = verno::ResourceKind {
                group: p.group.clone(),
                version: p.version.clone(),
                kind: p.kind.clone(),
            };
        }
        Ok((gvk, subresource))
    }

    /// The Namespace named `ns`, as Kyverno's CLI resolves it: a
    /// `namespaces` object, else one built from a `namespaceSelector`
    /// entry (name and labels).
    pub fn namespace_object(&self, ns: &str) -> Option<Value> {
        if let Some(n) = self
            .namespace_objects
            .iter()
            .find(|n| n.pointer("/metadata/name").and_then(Value::as_str) == Some(ns))
        {
            return Some(n.clone());
        }
        self.namespace_labels
            .iter()
            .find(|(n, _)| n == ns)
            .map(|(name, labels)| {
                serde_json::json!({
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": name, "labels": labels},
                })
            })
    }

    pub fn namespace_labels(
        &self,
        ns: &str,
    ) -> Option<&std::collections::BTreeMap<String, String>> {
        self.namespace_labels
            .iter()
            .rev()
            .find(|(n, _)| n == ns)
            .map(|(_, l)| l)
    }
}
