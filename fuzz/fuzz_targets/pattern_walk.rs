//! A validate pattern and a resource, both arbitrary JSON: the policy that
//! holds the pattern (as `pattern`, inside `anyPattern`, and as a
//! `patchStrategicMerge` with the same anchors) loads or fails with a
//! `LoadError`, and evaluating it on the resource returns verdicts, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use verno::{NoHost, PolicySet, Request};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The pattern, a NUL, then the resource.
    let Some((p, r)) = text.split_once('\0') else {
        return;
    };
    let (Ok(pattern), Ok(mut resource)) = (serde_json::from_str::<Value>(p), serde_json::from_str::<Value>(r))
    else {
        return;
    };
    // The engine only evaluates Kubernetes objects; keep the fuzzed body but
    // make it one, so the walk itself is what gets exercised.
    if let Value::Object(m) = &mut resource {
        m.insert("kind".into(), json!("Pod"));
        m.insert("apiVersion".into(), json!("v1"));
        if !m.get("metadata").is_some_and(Value::is_object) {
            m.insert("metadata".into(), json!({"name": "fuzz", "namespace": "default"}));
        }
    } else {
        resource = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fuzz"}, "spec": resource});
    }
    let rule = |name: &str, body: Value| {
        let mut r = json!({"name": name, "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}});
        if let (Value::Object(r), Value::Object(b)) = (&mut r, body) {
            r.extend(b);
        }
        r
    };
    let policy = json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {"name": "fuzz"},
        "spec": {"rules": [
            rule("mutate", json!({"mutate": {"patchStrategicMerge": pattern.clone()}})),
            rule("pattern", json!({"validate": {"message": "m", "pattern": pattern.clone()}})),
            rule("any", json!({"validate": {"message": "m", "anyPattern": [pattern, {"kind": "Pod"}]}})),
        ]}
    });
    if let Ok(set) = PolicySet::from_yaml(&policy.to_string()) {
        let _ = set.evaluate(&Request::create(&resource), &NoHost);
    }
});
