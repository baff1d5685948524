//! A deterministic mini-fuzz of the mutation primitives: random pairs of JSON
//! documents, biased towards what strategic merge treats specially (anchors,
//! `$patch`, merge-keyed lists such as containers, `null` deletions), must
//! give a result or an error, never a panic, and never touch the input.
//! `fuzz/` has the coverage-guided version (`cargo fuzz run strategic_merge`).

use serde_json::{json, Map, Value};
use verno::unstable::patch::{apply_json6902, diff, strategic_merge};

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const KEYS: &[&str] = &[
    "spec",
    "containers",
    "initContainers",
    "name",
    "image",
    "env",
    "value",
    "ports",
    "containerPort",
    "protocol",
    "volumes",
    "volumeMounts",
    "mountPath",
    "metadata",
    "labels",
    "(name)",
    "+(image)",
    "<(securityContext)",
    "=(x)",
    "X(y)",
    "^(z)",
    "$patch",
    "$setElementOrder/containers",
    "$retainKeys",
    "$deleteFromPrimitiveList/args",
    "args",
    "securityContext",
    "privileged",
    "a",
    "b",
];

const SCALARS: &[&str] = &[
    "", "*", "nginx", "?*", "!null", "replace", "delete", "merge", "a | b", ">1", "{{x}}", "~1",
];

fn value(rng: &mut Rng, depth: usize) -> Value {
    let pick = if depth > 5 {
        rng.below(4)
    } else {
        rng.below(8)
    };
    match pick {
        0 => Value::Null,
        1 => json!(rng.below(3) == 0),
        2 => json!(rng.below(100) as i64 - 10),
        3 => json!(SCALARS[rng.below(SCALARS.len())]),
        4 | 5 => {
            let mut m = Map::new();
            for _ in 0..rng.below(4) {
                m.insert(
                    KEYS[rng.below(KEYS.len())].to_string(),
                    value(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
        _ => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
    }
}

fn pod_like(rng: &mut Rng) -> Value {
    let mut v = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
    if let Value::Object(m) = &mut v {
        m.insert("spec".into(), value(rng, 1));
    }
    v
}

#[test]
fn strategic_merge_and_json6902_never_panic_on_random_pairs() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut results = [0usize; 2];
    for i in 0..20_000 {
        let resource = if i % 2 == 0 {
            pod_like(&mut rng)
        } else {
            value(&mut rng, 0)
        };
        let patch = value(&mut rng, 0);
        let before = resource.clone();
        match strategic_merge(&resource, &patch) {
            Ok(merged) => {
                results[0] += 1;
                let _ = diff(&resource, &merged);
            }
            Err(_) => results[1] += 1,
        }
        let op = ["add", "remove", "replace", "move", "copy", "test"][rng.below(6)];
        let path = [
            "/spec",
            "/spec/containers/0",
            "/metadata/labels/a~1b",
            "/-",
            "",
            "/x/-",
        ][rng.below(6)];
        let ops = json!([{"op": op, "path": path, "from": "/metadata", "value": patch}]);
        let _ = apply_json6902(&resource, &ops.to_string());
        assert_eq!(resource, before, "the input must never be modified");
    }
    // Both outcomes occur: the generator reaches merges and rejections.
    assert!(results[0] > 1000 && results[1] > 0, "{results:?}");
}
