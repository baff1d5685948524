//! The `kyverno-test.yaml` (`cli.kyverno.io/v1alpha1` `Test`) and `Values`
//! documents, decoded strictly with case-insensitive field names as Go's
//! `encoding/json` does.

use serde_json::{Map, Value};

/// Rename keys of `obj` to their canonical spelling (case-insensitive
/// match); unknown keys are an error, as Kyverno decodes strictly.
fn canonical(
    obj: &Map<String, Value>,
    known: &[&str],
    what: &str,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (k, v) in obj {
        match known.iter().find(|c| c.eq_ignore_ascii_case(k)) {
            Some(c) => {
                out.insert((*c).to_string(), v.clone());
            }
            None => return Err(format!("{what}: unknown field \"{k}\"")),
        }
    }
    Ok(out)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => vec![],
    }
}

fn opt_string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

/// One expected result.
#[derive(Debug, Clone, Default)]
pub struct TestResult {
    pub policy: String,
    pub rule: String,
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
    pub fn parse(doc: &Value) -> Result<TestFile, String> {
        let obj = doc.as_object().ok_or("a test document must be a map")?;
        let t = canonical(obj, TEST_FIELDS, "Test")?;
        let api = t.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = t.get("kind").and_then(Value::as_str).unwrap_or("");
        if api.is_empty() || kind.is_empty() || t.contains_key("name") {
            return Err("test uses a deprecated schema (apiVersion and kind are required, top-level name is gone)".into());
        }
        let mut unsupported = Vec::new();
        for (field, feature) in [
            ("targetResources", "targetResources"),
            ("paramResources", "paramResources"),
            ("clusterResources", "clusterResources"),
            ("context", "CEL context file"),
            ("jsonPayloads", "jsonPayloads"),
            ("jsonPayload", "jsonPayloads"),
            ("httpPayloads", "httpPayloads"),
            ("envoyPayloads", "envoyPayloads"),
            ("apiCallResponses", "apiCallResponses"),
            ("globalContextEntries", "globalContextEntries"),
        ] {
            if t.get(field).is_some_and(|v| !v.is_null()) {
                unsupported.push(feature);
            }
        }
        let mut results = Vec::new();
        for r in t
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = canonical(
                r.as_object().ok_or("a result entry must be a map")?,
                RESULT_FIELDS,
                "Test.results",
            )?;
            let mut generated = strings(r.get("generatedResources"));
            if let Some(g) = opt_string(r.get("generatedResource")) {
                generated.insert(0, g);
            }
            results.push(TestResult {
                policy: opt_string(r.get("policy")).unwrap_or_default(),
                rule: opt_string(r.get("rule")).unwrap_or_default(),
                resources: strings(r.get("resources")),
                result: opt_string(r.get("result")).unwrap_or_default(),
                operation: opt_string(r.get("operation")),
                patched_resources: opt_string(r.get("patchedResources")),
                generated_resources: generated,
                clone_source_resource: opt_string(r.get("cloneSourceResource")),
                fail_on_missing_resources: r
                    .get("failOnMissingResources")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            });
        }
        let mut policies = strings(t.get("policies"));
        dedup(&mut policies);
        let mut resources = strings(t.get("resources"));
        dedup(&mut resources);
        Ok(TestFile {
            name: t
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            policies,
            resources,
            variables: opt_string(t.get("variables")),
            values: t.get("values").cloned().filter(|v| !v.is_null()),
            userinfo: opt_string(t.get("userinfo")),
            results,
            exceptions: strings(t.get("exceptions")),
            unsupported,
        })
    }
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
fn go_string(obj: &Map<String, Value>, field: &str, what: &str) -> Result<String, String> {
    match obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field))
        .map(|(_, v)| v)
    {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "{what}.{field}: cannot unmarshal {other} into a string"
        )),
    }
}

fn api_resource(v: Option<&Value>, what: &str) -> Result<ApiResource, String> {
    let obj = match v {
        None | Some(Value::Null) => return Ok(ApiResource::default()),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(format!("{what}: must be a map")),
    };
    Ok(ApiResource {
        name: go_string(obj, "name", what)?,
        group: go_string(obj, "group", what)?,
        version: go_string(obj, "version", what)?,
        kind: go_string(obj, "kind", what)?,
    })
}

fn subresources(v: Option<&Value>) -> Result<Vec<Subresource>, String> {
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err("Values.subresources: must be a list".into()),
    };
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let what = format!("Values.subresources[{i}]");
            let obj = e
                .as_object()
                .ok_or_else(|| format!("{what}: must be a map"))?;
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

fn label_map(v: Option<&Value>) -> std::collections::BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Values {
    pub fn parse(doc: &Value) -> Result<Values, String> {
        let obj = doc.as_object().ok_or("a values document must be a map")?;
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
        let mut out = Values {
            global: v
                .get("globalValues")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            subresources: subresources(v.get("subresources"))?,
            ..Default::default()
        };
        for p in v
            .get("policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            for r in p
                .get("resources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let rn = r
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let vals = r
                    .get("values")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                out.resource_values.push((name.clone(), rn, vals));
            }
            for r in p
                .get("rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let rn = r
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let mut vals = r
                    .get("values")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                // foreachValues: Kyverno's CLI always uses element 0.
                if let Some(fe) = r.get("foreachValues").and_then(Value::as_object) {
                    for (k, list) in fe {
                        if let Some(first) = list.as_array().and_then(|a| a.first()) {
                            vals.insert(k.clone(), first.clone());
                        }
                    }
                }
                out.rule_values.push((name.clone(), rn, vals));
            }
        }
        for ns in v
            .get("namespaceSelector")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = ns
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            out.namespace_labels
                .push((name, label_map(ns.get("labels"))));
        }
        // Full Namespace objects win over namespaceSelector entries.
        for ns in v
            .get("namespaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = ns
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let labels = label_map(ns.pointer("/metadata/labels"));
            out.namespace_labels.retain(|(n, _)| *n != name);
            out.namespace_labels.push((name, labels));
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
    ) -> Result<(verno::ResourceKind, String), String> {
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
                return Err(format!(
                    "Values.subresources[{i}].subresource.name: {:?} has no \"/\" (want parent/subresource, e.g. pods/exec)",
                    sub.name
                ));
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
