//! The scan: read the inputs a batch of pieces at a time (documents, or
//! the items of a List document, see [`crate::stream`]), parse and judge
//! each batch in parallel over the one compiled set, and fold the results
//! into the tally in input order.
//!
//! What is held at any time is one batch and the tally, whatever the size
//! of a dump: a List's items are counted aside (in a tally of their own,
//! small under [`Detail::Counts`]) until the end of the document shows it
//! is a List; when it is not, or a piece did not parse alone, the document
//! is read again from its byte range and judged whole, as it always was.

use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use verno::report::ReportOptions;
use verno::Host;

use crate::documents::{parse_chunk, parse_piece, rest_is_list, Found, Origin};
use crate::input::{sources, Chunk, Chunks, Input, Source};
use crate::judge::{judge, namespace_labels, Detail, Judged, NamespaceLabels};
use crate::policies::ScanPolicies;
use crate::stream::{Close, Piece, SplitError, Splitter};
use crate::tally::Tally;
use crate::ScanError;

/// How to scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Worker threads; 0 lets rayon choose (one per core).
    pub threads: usize,
    /// What the output needs of each result.
    pub detail: Detail,
    /// Report format, `--audit-warn`, timestamp.
    pub report: ReportOptions,
    /// Bytes of text read before a batch is judged: what bounds the memory
    /// a scan holds besides the tally.
    pub batch_bytes: usize,
    /// The largest document held whole (and the largest item of a List);
    /// a larger one is rejected unread.
    pub max_document_bytes: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: 0,
            detail: Detail::Counts,
            report: ReportOptions::default(),
            batch_bytes: 1 << 20,
            max_document_bytes: crate::input::DEFAULT_MAX_DOCUMENT_BYTES,
        }
    }
}

/// A copy of stdin (or of a pipe) in a temporary file, removed when
/// dropped: a document may have to be read twice (the namespace pass, a
/// document whose cut into items went wrong), and a pipe reads once.
struct Spill {
    path: PathBuf,
}

impl Spill {
    /// Copy `reader` to a new file in the temporary directory.
    fn new(reader: &mut dyn Read) -> std::io::Result<Spill> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir();
        let mut attempt = 0;
        let (path, file) = loop {
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = dir.join(format!("verno-scan-{}-{n}.spill", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(f) => break (path, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        // From here on the guard removes the file whatever happens.
        let spill = Spill { path };
        let mut out = std::io::BufWriter::new(file);
        std::io::copy(reader, &mut out)?;
        std::io::Write::flush(&mut out)?;
        Ok(spill)
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A source ready to be read, and read again.
enum Readable {
    File(PathBuf),
    Text(Arc<str>),
}

/// One source as the scan reads it: its name and where its bytes are.
struct Opened {
    name: String,
    readable: Readable,
    _spill: Option<Spill>,
}

impl Opened {
    fn new(source: &Source) -> Result<Opened, ScanError> {
        let name = source.name();
        let read_err = |e| ScanError::Read {
            file: name.clone(),
            source: e,
        };
        let (readable, spill) = match source {
            Source::Text { text, .. } => (Readable::Text(text.clone()), None),
            Source::Stdin => {
                let spill = Spill::new(&mut std::io::stdin().lock()).map_err(read_err)?;
                (Readable::File(spill.path.clone()), Some(spill))
            }
            Source::File(p) if crate::input::is_pipe(p) => {
                let mut f = std::fs::File::open(p).map_err(|e| ScanError::io(p, e))?;
                let spill = Spill::new(&mut f).map_err(read_err)?;
                (Readable::File(spill.path.clone()), Some(spill))
            }
            Source::File(p) => (Readable::File(p.clone()), None),
        };
        Ok(Opened {
            name,
            readable,
            _spill: spill,
        })
    }

    /// The bytes from `start` to `end` (all of them for `None`).
    fn open(&self, range: Option<(u64, u64)>) -> Result<Box<dyn BufRead + '_>, ScanError> {
        match &self.readable {
            Readable::File(p) => {
                let mut f = std::fs::File::open(p).map_err(|e| self.io(p, e))?;
                let Some((start, end)) = range else {
                    return Ok(Box::new(BufReader::with_capacity(1 << 16, f)));
                };
                f.seek(SeekFrom::Start(start)).map_err(|e| self.io(p, e))?;
                Ok(Box::new(BufReader::new(f.take(end.saturating_sub(start)))))
            }
            Readable::Text(text) => {
                let bytes = text.as_bytes();
                let slice = match range {
                    None => Some(bytes),
                    Some((start, end)) => usize::try_from(start)
                        .ok()
                        .zip(usize::try_from(end).ok())
                        .and_then(|(s, e)| bytes.get(s..e)),
                };
                Ok(Box::new(Cursor::new(slice.unwrap_or_default())))
            }
        }
    }

    fn io(&self, _path: &Path, e: std::io::Error) -> ScanError {
        // Named as the user named it: `-` for stdin, not its spill file.
        ScanError::Read {
            file: self.name.clone(),
            source: e,
        }
    }
}

/// What the scan or the namespace pass keeps of the things found, in
/// input order.
trait Fold<T>: Default {
    /// Keep one; `documents` is the number of documents before its own.
    fn take(&mut self, t: T, documents: usize);
    /// Keep everything `later` kept, after what is kept here.
    fn merge(&mut self, later: Self);
    /// Resources judged so far (for the progress report).
    fn resources(&self) -> usize;
}

/// A found thing once judged.
enum Item {
    Judged(Judged),
    Rejected(Origin, String),
}

impl Fold<Item> for Tally {
    fn take(&mut self, item: Item, documents: usize) {
        match item {
            Item::Judged(mut j) => {
                j.origin.document += documents;
                self.add(j);
            }
            Item::Rejected(mut o, why) => {
                o.document += documents;
                self.rejected.push((o, why));
            }
        }
    }
    fn merge(&mut self, later: Self) {
        Tally::merge(self, later);
    }
    fn resources(&self) -> usize {
        self.resources
    }
}

/// The namespace pass keeps Namespace objects' labels, in input order.
#[derive(Default)]
struct Namespaces(Vec<(String, std::collections::BTreeMap<String, String>)>);

impl Fold<Option<(String, std::collections::BTreeMap<String, String>)>> for Namespaces {
    fn take(
        &mut self,
        t: Option<(String, std::collections::BTreeMap<String, String>)>,
        _documents: usize,
    ) {
        self.0.extend(t);
    }
    fn merge(&mut self, later: Self) {
        self.0.extend(later.0);
    }
    fn resources(&self) -> usize {
        0
    }
}

/// What a piece became once parsed and its objects mapped.
enum Mapped<T> {
    /// A document judged whole, and how many documents its text held.
    Whole(Vec<T>, usize),
    /// A piece of a streamed document; `None` when it did not parse alone.
    Part(Option<Vec<T>>),
    /// The end of a streamed document.
    Close(Close),
}

/// Reads one source piece by piece and folds what it finds.
struct Driver<'a, T, F> {
    opened: &'a Opened,
    pool: &'a rayon::ThreadPool,
    opts: &'a ScanOptions,
    /// Maps a found thing; `skip` says a whole document cannot matter.
    map: &'a (dyn Fn(Found) -> T + Sync),
    skip: &'a (dyn Fn(&Chunk) -> bool + Sync),
    fold: &'a mut F,
    progress: &'a (dyn Fn(usize) + Sync),
    batch: Vec<Piece>,
    bytes: usize,
    /// Documents folded so far.
    documents: usize,
    /// A streamed document's things, kept aside, and whether every piece
    /// of it parsed.
    pending: Option<(F, bool)>,
}

impl<T: Send, F: Fold<T>> Driver<'_, T, F> {
    fn push(&mut self, piece: Piece) -> Result<(), ScanError> {
        self.bytes += piece.len();
        self.batch.push(piece);
        if self.bytes >= self.opts.batch_bytes {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ScanError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.bytes = 0;
        let name = self.opened.name.as_str();
        let (map, skip) = (self.map, self.skip);
        let mapped: Vec<Mapped<T>> = self.pool.install(|| {
            batch
                .into_par_iter()
                .map(|piece| map_piece(name, piece, map, skip))
                .collect()
        });
        for m in mapped {
            self.fold_one(m)?;
        }
        let pending = self.pending.as_ref().map_or(0, |(p, _)| p.resources());
        (self.progress)(self.fold.resources() + pending);
        Ok(())
    }

    fn fold_one(&mut self, m: Mapped<T>) -> Result<(), ScanError> {
        match m {
            Mapped::Whole(items, count) => {
                for t in items {
                    self.fold.take(t, self.documents);
                }
                self.documents += count;
            }
            Mapped::Part(found) => {
                let (aside, ok) = self.pending.get_or_insert_with(|| (F::default(), true));
                match found {
                    Some(items) => {
                        for t in items {
                            aside.take(t, self.documents);
                        }
                    }
                    None => *ok = false,
                }
            }
            Mapped::Close(close) => {
                let (aside, ok) = self.pending.take().unwrap_or_else(|| (F::default(), true));
                let ok =
                    ok && !close.broken && close.rests.iter().all(|r| rest_is_list(r, close.json));
                if ok {
                    self.fold.merge(aside);
                    self.documents += close.documents;
                } else {
                    drop(aside);
                    self.whole_again(&close)?;
                }
            }
        }
        Ok(())
    }

    /// Read a document again and judge it whole.
    fn whole_again(&mut self, close: &Close) -> Result<(), ScanError> {
        let reader = self.opened.open(Some((close.start, close.end)))?;
        let name = self.opened.name.clone();
        let chunks: Vec<Chunk> = Chunks::with_limit(reader, self.opts.max_document_bytes)
            .map(|c| {
                c.map(|mut c| {
                    c.line += close.line - 1;
                    c
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|e| ScanError::Read {
                file: name.clone(),
                source: e,
            })?;
        let (map, skip) = (self.map, self.skip);
        for chunk in chunks {
            let m = self
                .pool
                .install(|| map_piece(&name, Piece::Whole(chunk), map, skip));
            self.fold_one(m)?;
        }
        Ok(())
    }
}

/// Parse a piece and map what it holds (in parallel over its objects).
fn map_piece<T: Send>(
    file: &str,
    piece: Piece,
    map: &(dyn Fn(Found) -> T + Sync),
    skip: &(dyn Fn(&Chunk) -> bool + Sync),
) -> Mapped<T> {
    let all = |found: Vec<Found>| found.into_par_iter().map(map).collect::<Vec<T>>();
    match piece {
        Piece::Whole(chunk) => {
            if skip(&chunk) {
                return Mapped::Whole(Vec::new(), 0);
            }
            let (found, count) = parse_chunk(file, &chunk, 1);
            Mapped::Whole(all(found), count)
        }
        Piece::YamlItem { text, line, index } => {
            Mapped::Part(parse_piece(file, &text, line, 1, Some(index), false).map(all))
        }
        Piece::Json {
            text,
            line,
            document,
            index,
        } => Mapped::Part(parse_piece(file, &text, line, document, index, true).map(all)),
        Piece::Close(c) => Mapped::Close(c),
    }
}

/// Read one source through `map` into `fold`; returns the documents read.
#[allow(clippy::too_many_arguments)]
fn read_source<T: Send, F: Fold<T>>(
    opened: &Opened,
    pool: &rayon::ThreadPool,
    opts: &ScanOptions,
    map: &(dyn Fn(Found) -> T + Sync),
    skip: &(dyn Fn(&Chunk) -> bool + Sync),
    fold: &mut F,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<usize, ScanError> {
    let reader = opened.open(None)?;
    let mut driver = Driver {
        opened,
        pool,
        opts,
        map,
        skip,
        fold,
        progress,
        batch: Vec::new(),
        bytes: 0,
        documents: 0,
        pending: None,
    };
    let run = Splitter::new(reader, opts.max_document_bytes).run(&mut |p| driver.push(p));
    match run {
        Ok(()) => {}
        Err(SplitError::Emit(e)) => return Err(e),
        Err(SplitError::Read(e)) => {
            return Err(ScanError::Read {
                file: opened.name.clone(),
                source: e,
            })
        }
    }
    driver.flush()?;
    Ok(driver.documents)
}

/// Read every Namespace object of the inputs: its labels feed
/// `namespaceSelector`, and it may come after the objects in it. Whole
/// documents that do not mention `Namespace` are not parsed.
fn read_namespaces(
    opened: &[Opened],
    pool: &rayon::ThreadPool,
    opts: &ScanOptions,
) -> Result<NamespaceLabels, ScanError> {
    let mut out = NamespaceLabels::new();
    let map = |f: Found| match f {
        Found::Resource(v, _) => namespace_labels(&v),
        Found::Rejected(..) => None,
    };
    let skip = |c: &Chunk| !c.text.contains("Namespace");
    for source in opened {
        let mut found = Namespaces::default();
        read_source(source, pool, opts, &map, &skip, &mut found, &|_| {})?;
        for (ns, labels) in found.0 {
            out.insert(ns, labels);
        }
    }
    Ok(out)
}

/// Scan the inputs. `progress` hears the number of resources judged so far
/// after each batch.
pub fn scan(
    policies: &ScanPolicies,
    inputs: &[Input],
    opts: &ScanOptions,
    host: &dyn Host,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Tally, ScanError> {
    scan_with_namespaces(policies, inputs, None, opts, host, progress)
}

/// The labels of every Namespace object of the inputs, by name (a later
/// object of the same name wins, as in a scan).
pub fn namespaces(inputs: &[Input], opts: &ScanOptions) -> Result<NamespaceLabels, ScanError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| ScanError::Threads(e.to_string()))?;
    let opened = sources(inputs)?
        .iter()
        .map(Opened::new)
        .collect::<Result<Vec<_>, _>>()?;
    read_namespaces(&opened, &pool, opts)
}

/// [`scan`], with the namespaces' labels given rather than read from the
/// inputs: a scan of one partition of a larger dump judges
/// `namespaceSelector` by the Namespace objects of the whole dump (gathered
/// with [`namespaces`]). `None` reads them from the inputs, as [`scan`] does.
pub fn scan_with_namespaces(
    policies: &ScanPolicies,
    inputs: &[Input],
    known: Option<&NamespaceLabels>,
    opts: &ScanOptions,
    host: &dyn Host,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Tally, ScanError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| ScanError::Threads(e.to_string()))?;
    let opened = sources(inputs)?
        .iter()
        .map(Opened::new)
        .collect::<Result<Vec<_>, _>>()?;
    let read = if known.is_none() && policies.uses_namespace_selector {
        read_namespaces(&opened, &pool, opts)?
    } else {
        NamespaceLabels::new()
    };
    let namespaces = known.unwrap_or(&read);
    let mut tally = Tally::default();
    for p in policies.set.policies() {
        tally.compliance.entry(p.info().key.clone()).or_default();
    }
    for p in policies.set.vpols() {
        tally.compliance.entry(p.info.key.clone()).or_default();
    }
    let map = |f: Found| match f {
        Found::Resource(v, origin) => Item::Judged(judge(
            &policies.set,
            &v,
            origin,
            namespaces,
            host,
            opts.detail,
            &opts.report,
        )),
        Found::Rejected(o, why) => Item::Rejected(o, why),
    };
    for source in &opened {
        let documents = read_source(source, &pool, opts, &map, &|_| false, &mut tally, progress)?;
        tally.documents += documents;
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::reports::{reports, to_yaml};

    const POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: team}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      message: team\n      pattern: {metadata: {labels: {team: \"?*\"}}}\n";

    fn dump(n: usize) -> String {
        (0..n)
            .map(|i| {
                let labels = if i % 3 == 0 { "{}" } else { "{team: x}" };
                format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns{}, labels: {labels}}}\n---\n", i % 7)
            })
            .collect()
    }

    fn run(threads: usize, batch_bytes: usize) -> String {
        let mut policies = ScanPolicies::default();
        policies.add_text("p.yaml", POLICY).unwrap();
        let opts = ScanOptions {
            threads,
            batch_bytes,
            detail: Detail::Results,
            ..ScanOptions::default()
        };
        let inputs = [Input::Text {
            name: "d.yaml".into(),
            text: dump(500).into(),
        }];
        let t = scan(&policies, &inputs, &opts, &verno::NoHost, &|_| {}).unwrap();
        assert_eq!((t.documents, t.resources), (500, 500));
        to_yaml(&reports(&t, verno::report::ReportFormat::WgPolicy))
    }

    fn scan_text(text: &str, batch_bytes: usize) -> Tally {
        let mut policies = ScanPolicies::default();
        policies.add_text("p.yaml", POLICY).unwrap();
        let opts = ScanOptions {
            threads: 2,
            batch_bytes,
            detail: Detail::Results,
            ..ScanOptions::default()
        };
        let inputs = [Input::Text {
            name: "d.yaml".into(),
            text: text.into(),
        }];
        scan(&policies, &inputs, &opts, &verno::NoHost, &|_| {}).unwrap()
    }

    fn pods_as_yaml_list(n: usize) -> String {
        let mut s = String::from("apiVersion: v1\nitems:\n");
        for doc in dump(n).split("---\n").filter(|d| !d.is_empty()) {
            for (i, line) in doc.lines().enumerate() {
                s.push_str(if i == 0 { "- " } else { "  " });
                s.push_str(line);
                s.push('\n');
            }
        }
        s + "kind: List\nmetadata: {resourceVersion: \"\"}\n"
    }

    fn pods_as_json_list(n: usize) -> String {
        let items: Vec<serde_json::Value> = dump(n)
            .split("---\n")
            .filter(|d| !d.is_empty())
            .map(|d| verno::unstable::yaml::parse_value(d).unwrap())
            .collect();
        serde_json::to_string_pretty(
            &serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List"}),
        )
        .unwrap()
    }

    #[test]
    fn a_streamed_list_reports_what_its_items_as_documents_report() {
        let reference = to_yaml(&reports(
            &scan_text(&dump(300), 1 << 20),
            verno::report::ReportFormat::WgPolicy,
        ));
        for text in [pods_as_yaml_list(300), pods_as_json_list(300)] {
            for batch in [1, 500, 1 << 20] {
                let t = scan_text(&text, batch);
                assert_eq!((t.documents, t.resources, t.rejected.len()), (1, 300, 0));
                assert_eq!(
                    to_yaml(&reports(&t, verno::report::ReportFormat::WgPolicy)),
                    reference
                );
            }
        }
    }

    #[test]
    fn items_of_a_streamed_list_keep_their_index_and_line() {
        let t = scan_text(&format!("a: [1,\n---\n{}", pods_as_yaml_list(3)), 1);
        let found: Vec<(usize, String, usize)> = t
            .findings
            .iter()
            .map(|f| (f.origin.document, f.origin.item.clone(), f.origin.line))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, "items[0]".into(), 5),
                (2, "items[1]".into(), 8),
                (2, "items[2]".into(), 11)
            ]
        );
        let json = pods_as_json_list(2);
        let starts: Vec<usize> = json
            .lines()
            .enumerate()
            .filter(|(_, l)| *l == "    {")
            .map(|(i, _)| i + 1)
            .collect();
        let t = scan_text(&json, 1);
        let lines: Vec<usize> = t.findings.iter().map(|f| f.origin.line).collect();
        assert_eq!(lines, starts);
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn a_document_with_items_that_is_not_a_list_is_judged_whole() {
        let t = scan_text(
            "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {team: x}}\n",
            1,
        );
        assert_eq!((t.documents, t.resources, t.totals.pass), (1, 1, 1));
        assert_eq!(t.findings[0].resource, "Pod/a/p");
    }

    #[test]
    fn a_list_whose_item_aliases_another_is_judged_whole() {
        let t = scan_text(
            "apiVersion: v1\nitems:\n- &p\n  apiVersion: v1\n  kind: Pod\n  metadata: {name: a, namespace: x}\n- *p\nkind: List\n",
            1,
        );
        assert_eq!((t.documents, t.resources, t.totals.fail), (1, 2, 2));
        assert!(t.rejected.is_empty());
    }

    #[test]
    fn a_list_with_an_item_that_does_not_parse_is_rejected_whole() {
        let text = pods_as_yaml_list(5).replace("name: p3,", "name: [p3,");
        let t = scan_text(&text, 1);
        assert_eq!((t.documents, t.resources), (1, 0));
        assert!(
            matches!(&t.rejected[..], [(o, why)] if o.document == 1 && o.item.is_empty() && why.starts_with("failed to parse")),
            "{:?}",
            t.rejected
        );
    }

    #[test]
    fn a_spill_holds_what_was_read_and_is_removed_when_dropped() {
        let spill = Spill::new(&mut "a: 1\n".as_bytes()).unwrap();
        let path = spill.path.clone();
        assert!(path.starts_with(std::env::temp_dir()));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a: 1\n");
        drop(spill);
        assert!(!path.exists());
    }

    #[test]
    fn reports_do_not_depend_on_threads_or_batch_size() {
        let reference = run(1, 1 << 20);
        assert_eq!(run(2, 1 << 20), reference);
        assert_eq!(run(2, 100), reference);
        assert_eq!(run(3, 1), reference);
    }

    const SELECTING: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: prod-team}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod], namespaceSelector: {matchLabels: {env: prod}}}}]}\n    validate:\n      message: team\n      pattern: {metadata: {labels: {team: \"?*\"}}}\n";

    #[test]
    fn a_partition_judges_namespace_selectors_by_the_namespaces_given() {
        let mut policies = ScanPolicies::default();
        policies.add_text("p.yaml", SELECTING).unwrap();
        let namespaces =
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {env: prod}}\n";
        let pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n";
        let text = |name: &str, text: &str| Input::Text {
            name: name.into(),
            text: text.into(),
        };
        let opts = ScanOptions::default();
        let whole = [text("ns.yaml", namespaces), text("pods.yaml", pods)];
        let part = [text("pods.yaml", pods)];
        let one = scan(&policies, &whole, &opts, &verno::NoHost, &|_| {}).unwrap();
        assert_eq!(one.totals.fail, 1);
        // Alone, the partition does not know namespace a is prod.
        let alone = scan(&policies, &part, &opts, &verno::NoHost, &|_| {}).unwrap();
        assert_eq!(alone.totals.fail, 0);
        let known = super::namespaces(&whole, &opts).unwrap();
        assert_eq!(
            known
                .get("a")
                .and_then(|l| l.get("env"))
                .map(String::as_str),
            Some("prod")
        );
        let given = scan_with_namespaces(
            &policies,
            &part,
            Some(&known),
            &opts,
            &verno::NoHost,
            &|_| {},
        )
        .unwrap();
        assert_eq!(given.totals, one.totals);
        assert_eq!(given.reports, one.reports);
    }

    #[test]
    fn progress_hears_the_running_count_after_each_batch() {
        let mut policies = ScanPolicies::default();
        policies.add_text("p.yaml", POLICY).unwrap();
        let opts = ScanOptions {
            batch_bytes: 1000,
            ..ScanOptions::default()
        };
        let inputs = [Input::Text {
            name: "d.yaml".into(),
            text: dump(100).into(),
        }];
        let seen = std::sync::Mutex::new(Vec::new());
        scan(&policies, &inputs, &opts, &verno::NoHost, &|n| {
            seen.lock().unwrap().push(n)
        })
        .unwrap();
        let seen = seen.into_inner().unwrap();
        assert!(seen.len() > 1, "{seen:?}");
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(seen.last(), Some(&100));
    }
}
