//! `verno scan` at cluster scale: a synthetic dump of N resources (the
//! corpus resources renamed and spread over 50 namespaces, with their
//! Namespace objects), scanned with every corpus policy verno loads that
//! runs in the background, with 1 and 2 threads; side by side with parsing
//! the same dump (reading, cutting into documents, YAML to JSON), the
//! floor a scan cannot go under.
//!
//! Usage: `cargo run --release -p verno-benches --bin scan-bench [N] [list]`
//! (N defaults to 100,000; `list` writes the dump as one `kind: List`
//! document, as `kubectl get -A -o yaml` prints it, instead of one
//! document per resource). Prints one line per measurement.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;
use verno_scan::documents::{parse_chunk, parse_piece, Found};
use verno_scan::input::Input;
use verno_scan::policies::ScanPolicies;
use verno_scan::stream::{Piece, Splitter};
use verno_scan::{Detail, ScanOptions};

const NAMESPACES: usize = 50;

/// Every policy file of the corpus (the `.yaml` files of its suites,
/// hidden test folders left out) that verno loads: one file at a time, so
/// that one refused file does not hide the others.
fn corpus_policies(root: &Path) -> (ScanPolicies, usize) {
    let mut files = Vec::new();
    collect(root, &mut files);
    files.sort();
    let mut set = ScanPolicies::default();
    let mut loaded = 0;
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut one = ScanPolicies::default();
        if one.add_text(&f.display().to_string(), &text).is_ok() {
            loaded += 1;
            let _ = set.add_text(&f.display().to_string(), &text);
        }
    }
    (set, loaded)
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// Write the dump: resource `i` is corpus resource `i % n` renamed
/// `<name>-<i>`, moved to namespace `ns-<i % 50>` when namespaced.
fn write_dump(
    path: &Path,
    resources: &[Value],
    count: usize,
    list: bool,
) -> std::io::Result<usize> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    // A List's items are the same documents, indented under `- `.
    let put = |f: &mut dyn Write, text: &str| -> std::io::Result<()> {
        if !list {
            return writeln!(f, "{text}\n---");
        }
        for (i, line) in text.trim_end().lines().enumerate() {
            let lead = if i == 0 {
                "- "
            } else if line.is_empty() {
                ""
            } else {
                "  "
            };
            writeln!(f, "{lead}{line}")?;
        }
        Ok(())
    };
    if list {
        writeln!(f, "apiVersion: v1\nitems:")?;
    }
    for n in 0..NAMESPACES {
        put(
            &mut f,
            &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{n}\n  labels:\n    kubernetes.io/metadata.name: ns-{n}"),
        )?;
    }
    let mut bytes = 0;
    for i in 0..count {
        let Some(base) = resources.get(i % resources.len()) else {
            break;
        };
        let mut r = base.clone();
        if let Some(meta) = r.get_mut("metadata").and_then(Value::as_object_mut) {
            let name = meta.get("name").and_then(Value::as_str).unwrap_or("r");
            let name = format!("{name}-{i}");
            meta.insert("name".into(), Value::String(name));
            if meta.contains_key("namespace") {
                meta.insert(
                    "namespace".into(),
                    Value::String(format!("ns-{}", i % NAMESPACES)),
                );
            }
        }
        let text = verno::unstable::yaml::to_yaml_string(&r);
        bytes += text.len();
        put(&mut f, &text)?;
    }
    if list {
        writeln!(f, "kind: List\nmetadata:\n  resourceVersion: \"\"")?;
    }
    f.flush()?;
    Ok(bytes)
}

/// The floor: read the dump, cut it into documents (and a List into its
/// items, as the scan does), parse each.
fn parse_only(path: &Path) -> usize {
    let Ok(file) = std::fs::File::open(path) else {
        return 0;
    };
    let mut n = 0;
    let count = |found: Vec<Found>| {
        found
            .iter()
            .filter(|f| matches!(f, Found::Resource(..)))
            .count()
    };
    let _ = Splitter::new(std::io::BufReader::new(file), 1 << 30).run(&mut |piece| {
        n += match piece {
            Piece::Whole(c) => count(parse_chunk("dump", &c, 1).0),
            Piece::YamlItem { text, line, index } => {
                parse_piece("dump", &text, line, 1, Some(index), false).map_or(0, count)
            }
            Piece::Json {
                text,
                line,
                document,
                index,
            } => parse_piece("dump", &text, line, document, index, true).map_or(0, count),
            Piece::Close(_) => 0,
        };
        Ok::<(), ()>(())
    });
    n
}

/// CPU seconds this process has used (user + system, from
/// `/proc/self/stat`, Linux's 100 ticks a second): on a shared machine the
/// wall clock measures the other processes too.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line.
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let list = std::env::args().nth(2).is_some_and(|a| a == "list");
    let root = verno_benches::corpus_root();
    let (policies, files) = corpus_policies(&root);
    let rules: usize = policies
        .set
        .policies()
        .iter()
        .map(|p| p.rule_count())
        .sum::<usize>()
        + policies.set.vpols().len();
    println!(
        "policies: {} kyverno.io + {} ValidatingPolicies from {files} corpus files ({rules} rules), {} left out of the background scan",
        policies.set.policies().len(),
        policies.set.vpols().len(),
        policies.excluded.len()
    );
    let resources: Vec<Value> = verno_benches::workload()
        .resources
        .into_iter()
        .filter(|r| r.pointer("/metadata/name").is_some_and(Value::is_string))
        .collect();
    let dir = std::env::temp_dir().join(format!("verno-scan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let dump = dir.join("dump.yaml");
    let bytes = write_dump(&dump, &resources, count, list)?;
    println!(
        "dump: {count} resources ({} distinct corpus resources) + {NAMESPACES} namespaces, {:.1} MB of YAML{}",
        resources.len(),
        bytes as f64 / 1e6,
        if list { ", one kind: List document" } else { "" }
    );

    let start = Instant::now();
    let cpu = cpu_seconds();
    let parsed = parse_only(&dump);
    let parse_s = start.elapsed().as_secs_f64();
    let parse_cpu = cpu_seconds() - cpu;
    println!(
        "parse only (1 thread): {parsed} objects in {parse_s:.2} s ({parse_cpu:.2} CPU s), {:.0} resources/s, {:.0} per CPU second",
        parsed as f64 / parse_s,
        parsed as f64 / parse_cpu
    );
    for threads in [1, 2] {
        let opts = ScanOptions {
            threads,
            detail: Detail::Counts,
            ..ScanOptions::default()
        };
        let start = Instant::now();
        let cpu = cpu_seconds();
        let tally = verno_scan::scan(
            &policies,
            &[Input::Path(dump.clone())],
            &opts,
            &verno::NoHost,
            &|_| {},
        )?;
        let s = start.elapsed().as_secs_f64();
        let used = cpu_seconds() - cpu;
        println!(
            "scan, {threads} thread(s): {} resources in {s:.2} s ({used:.2} CPU s), {:.0} resources/s, {:.0} per CPU second, {:.1}x parsing (CPU {:.1}x); pass {} fail {} warn {} error {} skip {}; {} reports",
            tally.resources,
            tally.resources as f64 / s,
            tally.resources as f64 / used,
            s / parse_s,
            used / parse_cpu,
            tally.totals.pass,
            tally.totals.fail,
            tally.totals.warn,
            tally.totals.error,
            tally.totals.skip,
            tally.reports.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
