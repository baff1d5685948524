//! A cluster dump is one `kind: List` document; the scan must hold a batch
//! of it at a time, never the whole. The heap is measured by a counting
//! allocator (deterministic, unlike timings or RSS), and the tests run one
//! at a time so that each peak is its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use verno_scan::input::Input;
use verno_scan::policies::ScanPolicies;
use verno_scan::{scan, Detail, ScanOptions};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only
// the byte counts are recorded.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = CURRENT.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const PODS: usize = 200_000;
/// The most the scan may hold above what was allocated before it started.
/// The inputs are 34 MB (YAML) and 97 MB (JSON): held whole, the text
/// alone would pass the bound, and the parsed values are several times the
/// text. Streamed, the peaks measured 6.7 MB (YAML) and 3.8 MB (JSON) with
/// two threads and 1 MiB batches.
const BOUND: usize = 12 << 20;

const POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: team}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      message: team\n      pattern: {metadata: {labels: {team: \"?*\"}}}\n";

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Write `PODS` small Pods, every third without a team label, through
/// `write_pod`, between `head` and `tail`.
fn dump(
    name: &str,
    head: &str,
    tail: &str,
    write_pod: impl Fn(&mut dyn Write, usize, &str) -> std::io::Result<()>,
) -> (TempFile, u64) {
    let path = std::env::temp_dir().join(format!(
        "verno-streaming-memory-{}-{name}",
        std::process::id()
    ));
    let file = TempFile(path.clone());
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    w.write_all(head.as_bytes()).unwrap();
    for i in 0..PODS {
        let team = if i % 3 == 0 { "" } else { "x" };
        write_pod(&mut w, i, team).unwrap();
    }
    w.write_all(tail.as_bytes()).unwrap();
    w.flush().unwrap();
    drop(w);
    let size = std::fs::metadata(&path).unwrap().len();
    (file, size)
}

/// Scan the dump with two threads; the peak heap the scan added.
fn peak_of_scan(path: &std::path::Path) -> usize {
    let mut policies = ScanPolicies::default();
    policies.add_text("p.yaml", POLICY).unwrap();
    let opts = ScanOptions {
        threads: 2,
        detail: Detail::Counts,
        ..ScanOptions::default()
    };
    let inputs = [Input::Path(path.to_path_buf())];
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let tally = scan(&policies, &inputs, &opts, &verno::NoHost, &|_| {}).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    eprintln!("{}: peak heap {peak} bytes", path.display());
    assert_eq!(tally.documents, 1);
    assert_eq!(tally.resources, PODS);
    assert_eq!(tally.totals.fail, PODS.div_ceil(3));
    assert_eq!(tally.totals.pass, PODS - PODS.div_ceil(3));
    assert!(tally.rejected.is_empty(), "{:?}", tally.rejected.first());
    peak
}

#[test]
fn a_kubectl_list_dump_is_streamed_item_by_item() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // The layout `kubectl get pods -A -o yaml` prints: keys sorted, so
    // `items` comes before `kind: List`.
    let (file, size) = dump(
        "list.yaml",
        "apiVersion: v1\nitems:\n",
        "kind: List\nmetadata:\n  resourceVersion: \"\"\n",
        |w, i, team| {
            write!(
                w,
                "- apiVersion: v1\n  kind: Pod\n  metadata:\n    labels:\n      team: \"{team}\"\n    name: pod-{i}\n    namespace: ns-{}\n  spec:\n    containers:\n    - image: nginx:1.{}\n      name: c\n",
                i % 50,
                i % 10
            )
        },
    );
    assert!(size > 30_000_000, "{size}");
    let peak = peak_of_scan(&file.0);
    assert!(
        peak < BOUND,
        "a {size}-byte List peaked at {peak} bytes of heap"
    );
}

#[test]
fn a_kubectl_json_list_dump_is_streamed_item_by_item() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // `kubectl get pods -A -o json`: four-space indents.
    let (file, size) = dump(
        "list.json",
        "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n",
        "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
        |w, i, team| {
            let sep = if i == 0 { "" } else { ",\n" };
            write!(
                w,
                "{sep}        {{\n            \"apiVersion\": \"v1\",\n            \"kind\": \"Pod\",\n            \"metadata\": {{\n                \"labels\": {{\"team\": \"{team}\"}},\n                \"name\": \"pod-{i}\",\n                \"namespace\": \"ns-{}\"\n            }},\n            \"spec\": {{\"containers\": [{{\"image\": \"nginx:1.{}\", \"name\": \"c\"}}]}}\n        }}",
                i % 50,
                i % 10
            )
        },
    );
    assert!(size > 30_000_000, "{size}");
    let peak = peak_of_scan(&file.0);
    assert!(
        peak < BOUND,
        "a {size}-byte JSON List peaked at {peak} bytes of heap"
    );
}
