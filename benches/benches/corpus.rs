//! Evaluate the compiled conformance policies against the corpus resources,
//! side by side with the floor: `serde_json::from_slice` of the same
//! resources. Prints the ratio evaluation ÷ parse.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use verno::{NoHost, Request};
use verno_benches::workload;

fn parse_all(json: &[Vec<u8>]) -> usize {
    json.iter()
        .filter_map(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
        .count()
}

fn evaluate_all(w: &verno_benches::Workload) -> usize {
    w.resources
        .iter()
        .map(|r| {
            w.set
                .evaluate(&Request::create(r), &NoHost)
                .policies
                .iter()
                .map(|p| p.rules.len())
                .sum::<usize>()
        })
        .sum()
}

/// The mutate phase alone: every policy with mutate rules, on every resource
/// (most resources match none; those that do are patched and diffed).
fn mutate_all(w: &verno_benches::Workload) -> usize {
    w.resources
        .iter()
        .map(|r| {
            let m = w.set.mutate(&Request::create(r), &NoHost);
            usize::from(m.patched.is_some())
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let w = workload();
    let mut g = c.benchmark_group("corpus");
    // A pass over the whole corpus takes seconds: ten samples suffice.
    g.sample_size(10);
    g.bench_function("parse_floor_serde_json", |b| {
        b.iter(|| black_box(parse_all(black_box(&w.json))))
    });
    g.bench_function("evaluate_policy_set", |b| {
        b.iter(|| black_box(evaluate_all(black_box(&w))))
    });
    g.bench_function("mutate_policy_set", |b| {
        b.iter(|| black_box(mutate_all(black_box(&w))))
    });
    g.finish();
}

/// Median of repeated timings, for the printed ratio.
fn median_time(mut f: impl FnMut(), rounds: usize) -> Duration {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// How many passes to time: 51 when a pass is short, fewer (odd, at
/// least 3) when it is long, so that each median takes about a minute.
fn rounds_for(mut f: impl FnMut()) -> usize {
    let t = Instant::now();
    f();
    let one = t.elapsed().as_secs_f64().max(1e-9);
    let n = ((60.0 / one) as usize).clamp(3, 51);
    n | 1
}

fn ratio() {
    let w = workload();
    let parse = median_time(
        || {
            black_box(parse_all(&w.json));
        },
        51,
    );
    let rounds = rounds_for(|| {
        black_box(evaluate_all(&w));
    });
    let eval = median_time(
        || {
            black_box(evaluate_all(&w));
        },
        rounds,
    );
    let mutate = median_time(
        || {
            black_box(mutate_all(&w));
        },
        rounds,
    );
    let floor = parse.as_secs_f64().max(1e-12);
    println!(
        "corpus: {} policies ({} pattern, {} validate.cel, {} ValidatingPolicy; {} with mutate rules) \
         x {} resources ({} patched): parse floor {:?}; \
         evaluate {:?}, ratio evaluate/parse = {:.2}, {:.2} µs per (policy, resource) pair; \
         mutate {:?}, ratio mutate/parse = {:.2}; medians of {} passes",
        w.forms.iter().sum::<usize>(),
        w.forms[0],
        w.forms[1],
        w.forms[2],
        w.set.policies().iter().filter(|p| p.has_stage(verno::Stage::Mutate)).count(),
        w.resources.len(),
        mutate_all(&w),
        parse,
        eval,
        eval.as_secs_f64() / floor,
        eval.as_secs_f64() * 1e6 / (w.forms.iter().sum::<usize>() * w.resources.len()).max(1) as f64,
        mutate,
        mutate.as_secs_f64() / floor,
        rounds,
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    ratio();
    Criterion::default().configure_from_args().final_summary();
}
