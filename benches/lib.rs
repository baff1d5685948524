//! Shared setup for the benchmarks: the corpus policies that pass
//! conformance, compiled once, and the resources of their suites.

use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod three_forms;

/// `../shared/corpus/kyverno-policies`.
pub fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/kyverno-policies")
}

/// The compiled policies and resources of every suite listed in the
/// conformance ratchet.
pub struct Workload {
    /// Every policy of the listed suites (both families), in suite order.
    pub set: verno::PolicySet,
    /// The resources of the listed suites, in suite order.
    pub resources: Vec<Value>,
    /// The same resources as JSON bytes: the parse floor's input.
    pub json: Vec<Vec<u8>>,
    /// How many policies of `set` are written in each form, in
    /// [`three_forms::Form::ALL`] order.
    pub forms: [usize; 3],
}

/// One kyverno-test suite as the benchmarks use it: its policy texts and
/// its resources (normalised as the test runner normalises them).
pub struct Suite {
    /// The policy files' texts, in the order the test lists them.
    pub policies: Vec<String>,
    /// The resources, in the order the test lists them.
    pub resources: Vec<Value>,
}

/// Reads the suite of `test` (a `kyverno-test.yaml`). `None` when the test
/// file cannot be read or parsed; unreadable policy or resource files are
/// left out (the ratchet judges those, not the benchmarks).
pub fn read_suite(test: &Path) -> Option<Suite> {
    let text = std::fs::read_to_string(test).ok()?;
    let (doc, _) = verno::unstable::load::documents(&text)
        .ok()?
        .into_iter()
        .next()?;
    let base = test.parent().unwrap_or(Path::new("."));
    let listed = |key: &str| -> Vec<String> {
        doc.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let policies = listed("policies")
        .iter()
        .filter_map(|p| std::fs::read_to_string(base.join(p)).ok())
        .collect();
    let files = verno_test::DiskFiles::unconfined();
    let mut resources = Vec::new();
    for r in listed("resources") {
        if let Ok(docs) = verno_test::fixtures::read_documents(&files, &base.join(r)) {
            resources.extend(
                docs.into_iter()
                    .map(|(d, _)| verno_test::fixtures::normalize_resource(d)),
            );
        }
    }
    Some(Suite {
        policies,
        resources,
    })
}

/// Every suite of `conformance/passing.txt`: their policies (ClusterPolicies
/// with patterns or `validate.cel`, and ValidatingPolicies) compiled into one
/// set, and their resources.
pub fn workload() -> Workload {
    let root = corpus_root();
    let list = include_str!("../conformance/passing.txt");
    let mut set = verno::PolicySet::default();
    let mut forms = [0; 3];
    let mut resources = Vec::new();
    for suite in list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let Some(s) = read_suite(&root.join(suite).join(".kyverno-test/kyverno-test.yaml")) else {
            continue;
        };
        for text in &s.policies {
            if let Ok(p) = verno::PolicySet::from_yaml(text) {
                set.extend(p);
                count_forms(text, &mut forms);
            }
        }
        resources.extend(s.resources);
    }
    let json = resources
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap_or_default())
        .collect();
    Workload {
        set,
        resources,
        json,
        forms,
    }
}

/// Adds the policies of `text` to the per-form counts.
fn count_forms(text: &str, counts: &mut [usize; 3]) {
    let docs = verno::unstable::load::documents(text).unwrap_or_default();
    for (doc, _) in docs {
        if let Some(form) = three_forms::Form::of(&doc) {
            if let Some(n) = three_forms::Form::ALL
                .iter()
                .position(|f| *f == form)
                .and_then(|i| counts.get_mut(i))
            {
                *n += 1;
            }
        }
    }
}
