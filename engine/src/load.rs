//! Load: YAML/JSON text → typed policies, with errors that say where.

use serde_json::Value;

use crate::error::{LoadError, Location};
use crate::policy::{Policy, Rule};
use crate::yaml;

/// A policy as read from its document, with the raw JSON Kyverno's
/// JSON-level transformations (autogen) work on.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    pub policy: Policy,
    /// The typed rules, in order (parallel to `policy.spec.rules`).
    pub rules: Vec<Rule>,
    pub raw: Value,
    /// 1-based line of the document in its text.
    pub line: Option<usize>,
}

/// What a document is, by `apiVersion`/`kind`.
pub fn is_kyverno_policy(doc: &Value) -> bool {
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    matches!(kind, "ClusterPolicy" | "Policy") && api.starts_with("kyverno.io/")
}

/// Parse every document of `text` (YAML or JSON) into values with their line.
pub fn documents(text: &str) -> Result<Vec<(Value, usize)>, LoadError> {
    let docs = yaml::parse_documents(text).map_err(|e| LoadError::Yaml {
        location: Box::new(Location {
            line: Some(e.line),
            column: Some(e.column),
            ..Default::default()
        }),
        message: e.message.clone(),
    })?;
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        // `v1/List` documents hold their items.
        if d.value.get("kind").and_then(Value::as_str) == Some("List") {
            for item in d
                .value
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push((item.clone(), d.line));
            }
        } else {
            out.push((d.value, d.line));
        }
    }
    Ok(out)
}

/// Type one policy document.
pub fn policy_from_value(doc: Value, line: Option<usize>) -> Result<LoadedPolicy, LoadError> {
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let loc = |field: Option<String>, rule: Option<String>| {
        Box::new(Location {
            line,
            policy: name.clone(),
            rule,
            field,
            ..Default::default()
        })
    };
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if !matches!(api, "kyverno.io/v1" | "kyverno.io/v2beta1") {
        return Err(LoadError::Unsupported {
            location: loc(Some("apiVersion".into()), None),
            feature: format!("policy apiVersion {api:?}"),
        });
    }
    let policy: Policy =
        serde_path_to_error::deserialize(&doc).map_err(|e| LoadError::Invalid {
            location: loc(Some(e.path().to_string()), None),
            message: e.inner().to_string(),
        })?;
    if policy.metadata.name.is_empty() {
        return Err(LoadError::Invalid {
            location: loc(Some("metadata.name".into()), None),
            message: "a policy needs a name".into(),
        });
    }
    let mut rules = Vec::with_capacity(policy.spec.rules.len());
    for (i, raw) in policy.spec.rules.iter().enumerate() {
        let rule_name = raw.get("name").and_then(Value::as_str).map(str::to_string);
        let rule: Rule = serde_path_to_error::deserialize(raw).map_err(|e| LoadError::Invalid {
            location: loc(
                Some(format!("spec.rules[{i}].{}", e.path())),
                rule_name.clone(),
            ),
            message: e.inner().to_string(),
        })?;
        rules.push(rule);
    }
    Ok(LoadedPolicy {
        policy,
        rules,
        raw: doc,
        line,
    })
}

/// Load every `ClusterPolicy`/`Policy` of a text. Other kinds are an
/// `Unsupported` error naming the kind.
///
/// ```
/// let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec: {rules: []}\n";
/// let ps = verno::load::load_policies(text).unwrap();
/// assert_eq!(ps[0].policy.metadata.name, "p");
/// ```
pub fn load_policies(text: &str) -> Result<Vec<LoadedPolicy>, LoadError> {
    let (policies, exceptions) = load_all(text)?;
    if !exceptions.is_empty() {
        return Err(LoadError::Unsupported {
            location: Box::default(),
            feature:
                "PolicyException documents here (load them with load_all or PolicySet::from_yaml)"
                    .into(),
        });
    }
    Ok(policies)
}

/// Load every Kyverno policy and PolicyException of a text.
pub fn load_all(
    text: &str,
) -> Result<(Vec<LoadedPolicy>, Vec<crate::exception::PolicyException>), LoadError> {
    let mut out = Vec::new();
    let mut exceptions = Vec::new();
    for (doc, line) in documents(text)? {
        if crate::exception::is_policy_exception(&doc) {
            exceptions.push(crate::exception::PolicyException::from_value(
                &doc,
                Some(line),
            )?);
            continue;
        }
        if !is_kyverno_policy(&doc) {
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("<none>");
            let api = doc
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("<none>");
            return Err(LoadError::Unsupported {
                location: Box::new(Location {
                    line: Some(line),
                    policy: doc
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    ..Default::default()
                }),
                feature: format!("policy kind {api}/{kind}"),
            });
        }
        out.push(policy_from_value(doc, Some(line))?);
    }
    Ok((out, exceptions))
}
