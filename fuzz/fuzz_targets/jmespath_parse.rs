//! Any UTF-8 text as a JMESPath expression: compiling, printing the AST
//! and searching a small document in both dialects must return (a value or
//! an error) without panicking, overflowing the stack or running away.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;
use verno::host::{Host, HostError, Timestamp};
use verno::unstable::jmespath::{compile, Dialect, Runtime};

/// A fixed clock and a fixed "random" source, so that `time_now`,
/// `time_since` and `random` run their real code and stay deterministic.
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

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        json!({
            "a": {"b": {"c": [1, 2, {"d": "e"}]}},
            "s": "Hello World",
            "n": 42,
            "f": -1.5,
            "t": "2021-01-02T15:04:05Z",
            "q": "250Mi",
            "arr": ["x", "y", "z"],
            "obj": {"k1": "v1", "k2": 2},
            "spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.25"},
                {"name": "side", "image": "ghcr.io/x/side@sha256:abcd"}
            ]}
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = compile(text) else {
        return;
    };
    let _ = expr.ast_string();
    for dialect in [Dialect::Kyverno, Dialect::Standard] {
        let rt = Runtime {
            dialect,
            host: &FuzzHost,
        };
        let _ = expr.search(document(), &rt);
    }
});
