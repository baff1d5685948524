//! `-o sarif`: SARIF 2.1.0 as GitHub code scanning takes it. Rules are the
//! policy rules (`policy/rule`); results are the fails (`error`), errors
//! (`error`) and warns (`warning`), each at the file and line of the
//! resource's document (or list item). Passes and skips are not problems
//! and are not listed.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use verno::RuleStatus;

use crate::tally::Tally;

/// The SARIF schema GitHub documents.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A file name as a SARIF URI: forward slashes, relative paths kept
/// relative (GitHub resolves them against the repository root), `./`
/// dropped; stdin has no file and is named `stdin`.
fn uri(file: &str) -> String {
    if file == "-" {
        return "stdin".into();
    }
    let s = file.replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s).to_string();
    // Characters a URI cannot hold as they are.
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The SARIF log.
pub fn sarif(tally: &Tally, tool_version: &str) -> Value {
    // Every rule with a result, in name order, for stable rule indexes.
    let mut rules: BTreeMap<String, usize> = BTreeMap::new();
    for f in &tally.findings {
        rules.insert(format!("{}/{}", f.policy, f.rule), 0);
    }
    for (i, v) in rules.values_mut().enumerate() {
        *v = i;
    }
    let rule_defs: Vec<Value> = rules
        .keys()
        .map(|id| {
            json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": format!("Kyverno policy rule {id}")},
                "defaultConfiguration": {"level": "error"},
            })
        })
        .collect();
    let mut results = Vec::new();
    for f in &tally.findings {
        let level = match f.status {
            RuleStatus::Fail | RuleStatus::Error => "error",
            RuleStatus::Warn => "warning",
            RuleStatus::Pass | RuleStatus::Skip => continue,
        };
        let id = format!("{}/{}", f.policy, f.rule);
        let text = if f.message.is_empty() {
            format!("{}: {} {}", f.resource, id, f.status.as_str())
        } else {
            format!("{}: {}", f.resource, f.message)
        };
        results.push(json!({
            "ruleId": id,
            "ruleIndex": rules.get(&id).copied().unwrap_or(0),
            "level": level,
            "message": {"text": text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(&f.origin.file)},
                    "region": {"startLine": f.origin.line.max(1)},
                },
            }],
            "properties": {"result": f.status.as_str(), "resource": f.resource},
        }));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "verno",
                "informationUri": "https://github.com/verno-dev/verno",
                "version": tool_version,
                "rules": rule_defs,
            }},
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_relative_uris() {
        assert_eq!(uri("./dump/pods.yaml"), "dump/pods.yaml");
        assert_eq!(uri("a b.yaml"), "a%20b.yaml");
        assert_eq!(uri("-"), "stdin");
    }
}
