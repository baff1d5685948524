//! Shared setup for the benchmarks: the corpus policies that pass
//! conformance, compiled once, and the resources of their suites.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `../shared/corpus/kyverno-policies`.
pub fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/kyverno-policies")
}

/// The compiled policies and resources of every suite listed in the
/// conformance ratchet.
pub struct Workload {
    pub set: verno::PolicySet,
    pub resources: Vec<Value>,
    /// The same resources as JSON bytes: the parse floor's input.
    pub json: Vec<Vec<u8>>,
}

pub fn workload() -> Workload {
    let root = corpus_root();
    let list = include_str!("../conformance/passing.txt");
    let mut policies = Vec::new();
    let mut resources = Vec::new();
    for suite in list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let test = root.join(suite).join(".kyverno-test/kyverno-test.yaml");
        let Ok(text) = std::fs::read_to_string(&test) else {
            continue;
        };
        let Ok(docs) = verno::unstable::load::documents(&text) else {
            continue;
        };
        let Some((doc, _)) = docs.into_iter().next() else {
            continue;
        };
        let base = test.parent().unwrap_or(Path::new("."));
        for p in doc
            .get("policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let Ok(t) = std::fs::read_to_string(base.join(p)) else {
                continue;
            };
            if let Ok(ps) = verno::unstable::load::load_policies(&t) {
                policies.extend(ps);
            }
        }
        for r in doc
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let files = verno_test::DiskFiles::unconfined();
            if let Ok(docs) = verno_test::fixtures::read_documents(&files, &base.join(r)) {
                resources.extend(
                    docs.into_iter()
                        .map(|(d, _)| verno_test::fixtures::normalize_resource(d)),
                );
            }
        }
    }
    let set = verno::PolicySet::compile(policies).unwrap_or_default();
    let json = resources
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap_or_default())
        .collect();
    Workload {
        set,
        resources,
        json,
    }
}
