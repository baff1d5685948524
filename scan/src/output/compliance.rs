//! The compliance view across clusters as JSON (`-o json` with
//! `--cluster`): the data of the compliance table.

use serde_json::{json, Value};

use crate::tally::Tally;

/// `{"clusters": [{"name", "policies": [{"policy", "compliant",
/// "nonCompliant", "percentCompliant"}]}]}`; `percentCompliant` is `null`
/// when no resource had a result of the policy.
pub fn to_value(clusters: &[(String, Tally)]) -> Value {
    let clusters: Vec<Value> = clusters
        .iter()
        .map(|(name, t)| {
            let policies: Vec<Value> = t
                .compliance
                .iter()
                .map(|(policy, c)| {
                    json!({
                        "policy": policy,
                        "compliant": c.compliant,
                        "nonCompliant": c.non_compliant,
                        "percentCompliant": c.percent().map(|p| (p * 10.0).round() / 10.0),
                    })
                })
                .collect();
            json!({"name": name, "resources": t.resources, "policies": policies})
        })
        .collect();
    json!({ "clusters": clusters })
}
