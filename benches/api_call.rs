//! The Rust side of the per-call binding benchmark (`benches/bindings.py`):
//! `verno::api::Engine::validate` on the repo's example, timed exactly as
//! each binding's `bench/` script times its own call, so the ratios compare
//! like with like. Prints one JSON line:
//! `{"host": "rust", "validate_object_ns": …, "validate_text_ns": …}`.
//!
//! Usage: `cargo run --release -p verno-benches --bin api-call [N]`

use std::time::Instant;

use verno::api::{parse_resource, Engine, RequestOptions};
use verno::NoHost;

/// Best of three rounds of `n` calls: the round least disturbed by other
/// processes on the machine.
fn per_call_ns(n: u32, mut f: impl FnMut()) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(start.elapsed().as_nanos() as f64 / f64::from(n));
    }
    best
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let engine = Engine::from_yaml(include_str!("../examples/disallow-privileged.yaml"))?;
    let text = include_str!("../examples/nginx-privileged.yaml");
    let object = parse_resource(text)?;
    let opts = RequestOptions::default();
    let expected = engine.validate(&object, &opts, &NoHost)?;
    assert_eq!(expected["allowed"], false);
    for _ in 0..(n / 10).max(100) {
        std::hint::black_box(engine.validate(&object, &opts, &NoHost)?);
    }
    let object_ns = per_call_ns(n, || {
        std::hint::black_box(
            engine
                .validate(std::hint::black_box(&object), &opts, &NoHost)
                .ok(),
        );
    });
    let text_ns = per_call_ns(n, || {
        let r = parse_resource(std::hint::black_box(text))
            .and_then(|o| engine.validate(&o, &opts, &NoHost));
        std::hint::black_box(r.ok());
    });
    println!(
        "{}",
        serde_json::json!({"host": "rust", "validate_object_ns": object_ns.round(), "validate_text_ns": text_ns.round()})
    );
    Ok(())
}
