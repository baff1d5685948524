//! Any UTF-8 text as a policy file: loading and compiling must return a
//! policy set or a `LoadError`, never panic; a set that loads is then
//! evaluated against a Pod.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;
use verno::{NoHost, PolicySet, Request};

fn pod() -> &'static Value {
    static POD: OnceLock<Value> = OnceLock::new();
    POD.get_or_init(|| {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"containers": [{
                "name": "nginx",
                "image": "nginx:1.25",
                "securityContext": {"privileged": true, "allowPrivilegeEscalation": true}
            }]}
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(set) = PolicySet::from_yaml(text) {
        let _ = set.evaluate(&Request::create(pod()), &NoHost);
    }
});
