//! The same checks in three forms (pattern, `validate.cel`,
//! ValidatingPolicy), paired by policy name and evaluated on the same
//! resources in one run. Prints, per check, per family and in total, the
//! time per (policy, resource) pair of each form and the ratios
//! CEL/pattern and vpol/pattern. Policies are compiled before any timing.

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use verno_benches::corpus_root;
use verno_benches::three_forms::{pair, Check, Form, FAMILIES};

/// The paired checks, compiled once for the whole run (criterion's
/// benches and the table share them).
fn checks() -> &'static [Check] {
    static CHECKS: OnceLock<Vec<Check>> = OnceLock::new();
    CHECKS.get_or_init(|| {
        let root = corpus_root();
        let mut all = Vec::new();
        for family in &FAMILIES {
            let (checks, dropped) = pair(&root, family);
            for d in dropped {
                println!(
                    "three_forms: {}/{} left out: {}",
                    d.family, d.name, d.reason
                );
            }
            all.extend(checks);
        }
        all
    })
}

fn bench(c: &mut Criterion) {
    let checks = checks();
    let mut g = c.benchmark_group("three_forms");
    for family in &FAMILIES {
        let mine: Vec<&Check> = checks.iter().filter(|c| c.family == family.name).collect();
        for (i, form) in Form::ALL.iter().enumerate() {
            g.bench_function(format!("{}/{}", family.name, form.name()), |b| {
                b.iter(|| black_box(mine.iter().map(|c| c.evaluate(i)).sum::<usize>()))
            });
        }
    }
    g.finish();
}

/// Median time of one pass of each form over the check's resources. The
/// forms take turns within each round so that load from other processes
/// falls on all three alike.
fn medians(check: &Check, rounds: usize) -> [Duration; 3] {
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for _ in 0..rounds {
        for (i, s) in samples.iter_mut().enumerate() {
            let t = Instant::now();
            black_box(check.evaluate(i));
            s.push(t.elapsed());
        }
    }
    samples.map(|mut s| {
        s.sort();
        s.get(s.len() / 2).copied().unwrap_or_default()
    })
}

fn micros(d: Duration, pairs: usize) -> f64 {
    d.as_secs_f64() * 1e6 / pairs.max(1) as f64
}

fn row(label: &str, pairs: usize, t: [Duration; 3]) {
    let [p, c, v] = t.map(|d| micros(d, pairs));
    println!(
        "| {label} | {pairs} | {p:.2} µs | {c:.2} µs | {v:.2} µs | {:.2}× | {:.2}× |",
        c / p.max(1e-12),
        v / p.max(1e-12)
    );
}

fn table() {
    let checks = checks();
    println!(
        "three_forms: {} checks in all three forms; medians of 101 interleaved rounds",
        checks.len()
    );
    println!("| check | (policy, resource) pairs | pattern | validate.cel | ValidatingPolicy | CEL/pattern | vpol/pattern |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut total = (0, [Duration::ZERO; 3]);
    for family in &FAMILIES {
        let mut sum = (0, [Duration::ZERO; 3]);
        for c in checks.iter().filter(|c| c.family == family.name) {
            let t = medians(c, 101);
            row(&format!("{}/{}", c.family, c.name), c.resources.len(), t);
            sum.0 += c.resources.len();
            for (s, d) in sum.1.iter_mut().zip(t) {
                *s += d;
            }
        }
        row(&format!("**{}**", family.name), sum.0, sum.1);
        total.0 += sum.0;
        for (s, d) in total.1.iter_mut().zip(sum.1) {
            *s += d;
        }
    }
    row("**total**", total.0, total.1);
}

criterion_group!(benches, bench);

fn main() {
    benches();
    table();
    Criterion::default().configure_from_args().final_summary();
}
