//! Any UTF-8 text as a CEL expression: parsing, type-checking (in the
//! playground and the ValidatingPolicy environments) and evaluating against
//! a fixed Pod must return (a value or an error) without panicking,
//! overflowing the stack or running past the evaluation budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;
use verno::cel::{Activation, Env, EnvKind, NumberMode, Program};
use verno::host::{Host, HostError, Timestamp};

/// A fixed clock and a fixed "random" source, so that `time.now()` and
/// `random()` run their real code and stay deterministic.
struct FuzzHost;

impl Host for FuzzHost {
    fn now(&self) -> Result<Timestamp, HostError> {
        Ok(Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        })
    }

    fn random_u64(&self) -> Result<u64, HostError> {
        Ok(0x9E37_79B9_7F4A_7C15)
    }
}

struct Fixture {
    pod: Value,
    request: Value,
    namespace: Value,
    params: Value,
    playground: Env,
    validating: Env,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "nginx",
                "namespace": "default",
                "labels": {"app": "web", "tier": "frontend"},
                "annotations": {"a.b/c": "d"},
                "creationTimestamp": "2021-01-02T15:04:05Z"
            },
            "spec": {
                "hostNetwork": false,
                "replicas": 3,
                "containers": [
                    {"name": "nginx", "image": "nginx:1.25",
                     "resources": {"limits": {"memory": "250Mi", "cpu": "500m"}},
                     "securityContext": {"privileged": false, "capabilities": {"add": ["NET_ADMIN"]}},
                     "ports": [{"containerPort": 80, "hostPort": 8080}]},
                    {"name": "side", "image": "ghcr.io/x/side@sha256:abcd", "env": [{"name": "X", "value": "1"}]}
                ],
                "volumes": [{"name": "v", "hostPath": {"path": "/tmp"}}]
            }
        });
        let request = json!({
            "operation": "CREATE",
            "name": "nginx",
            "namespace": "default",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": pod.clone()
        });
        Fixture {
            pod,
            request,
            namespace: json!({"metadata": {"name": "default", "labels": {"env": "prod"}}}),
            params: json!({"max": 2, "allowed": ["a", "b"]}),
            playground: Env::new(EnvKind::Playground),
            validating: Env::new(EnvKind::ValidatingPolicy),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixture();
    let _ = Program::compile(&f.validating, text);
    let Ok(program) = Program::compile(&f.playground, text) else {
        return;
    };
    let _ = verno::cel::check::expect_output(program.output_type(), &[verno::cel::Type::Bool]);
    for numbers in [NumberMode::Doubles, NumberMode::Exact] {
        let mut activation = Activation::new(numbers);
        activation.bind_json("object", &f.pod);
        activation.bind_json("oldObject", &Value::Null);
        activation.bind_json("request", &f.request);
        activation.bind_json("namespaceObject", &f.namespace);
        activation.bind_json("params", &f.params);
        if let Ok(v) = program.eval(&activation, &FuzzHost) {
            let _ = verno::cel::to_json(&v);
        }
    }
});
