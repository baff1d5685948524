//! How mutation time grows with the resource: a strategic-merge patch on a
//! Pod with n containers, and the corpus policy `other/replace-image-registry`
//! (a mutate `foreach` over every container) on the same Pods, for n = 100,
//! 1,000 and 10,000. Linear work shows as a flat time per element.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use serde_json::{json, Value};
use verno::{NoHost, PolicySet, Request};
use verno_benches::corpus_root;

const SIZES: [usize; 3] = [100, 1_000, 10_000];

/// A Pod with `n` containers named `c0`, `c1`, ...
fn pod(n: usize) -> Value {
    let containers: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("c{i}"), "image": format!("docker.io/library/app{i}:1.0")}))
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big", "namespace": "default"},
           "spec": {"containers": containers}})
}

/// A patch that touches every container (its image) and adds one.
fn patch(n: usize) -> Value {
    let mut containers: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("c{i}"), "image": format!("registry.corp/app{i}:2.0")}))
        .collect();
    containers.push(json!({"name": "sidecar", "image": "proxy:1"}));
    json!({"spec": {"containers": containers}})
}

fn foreach_policy() -> PolicySet {
    let path = corpus_root().join("other/replace-image-registry/replace-image-registry.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    PolicySet::from_yaml(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("mutate_scaling");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    let set = foreach_policy();
    for n in SIZES {
        let resource = pod(n);
        let p = patch(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("strategic_merge", n), &n, |b, _| {
            b.iter(|| black_box(verno::unstable::patch::strategic_merge(&resource, &p)))
        });
        g.bench_with_input(
            BenchmarkId::new("foreach_replace_image_registry", n),
            &n,
            |b, _| b.iter(|| black_box(set.mutate(&Request::create(&resource), &NoHost))),
        );
    }
    g.finish();
}

/// Time per element at each size, printed once (the summary the README quotes).
fn per_element() {
    let set = foreach_policy();
    for n in SIZES {
        let resource = pod(n);
        let p = patch(n);
        let t = Instant::now();
        black_box(verno::unstable::patch::strategic_merge(&resource, &p).ok());
        let merge = t.elapsed();
        let t = Instant::now();
        black_box(set.mutate(&Request::create(&resource), &NoHost));
        let foreach = t.elapsed();
        println!(
            "mutate_scaling n={n}: strategic_merge {merge:?} ({:?}/element), foreach {foreach:?} ({:?}/element)",
            merge / n as u32,
            foreach / n as u32,
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    per_element();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
