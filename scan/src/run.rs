//! The scan: read the inputs a batch of documents at a time, parse and
//! judge each batch in parallel over the one compiled set, and fold the
//! results into the tally in input order.

use std::io::{BufRead, BufReader, Cursor, Read};

use rayon::prelude::*;
use verno::report::ReportOptions;
use verno::Host;

use crate::documents::{parse_chunk, Found};
use crate::input::{sources, Chunk, Chunks, Input, Source};
use crate::judge::{judge, namespace_labels, Detail, Judged, NamespaceLabels};
use crate::policies::ScanPolicies;
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
    /// Bytes of document text read before a batch is judged: what bounds
    /// the memory a scan holds besides the tally.
    pub batch_bytes: usize,
    /// The largest document read; a larger one is rejected unread.
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

/// The reader of a source: a file, stdin, or stdin read earlier.
fn open<'a>(source: &Source, stdin: Option<&'a [u8]>) -> Result<Box<dyn BufRead + 'a>, ScanError> {
    match source {
        Source::File(p) => {
            let f = std::fs::File::open(p).map_err(|e| ScanError::io(p, e))?;
            Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
        }
        Source::Text { text, .. } => Ok(Box::new(Cursor::new(text.as_bytes().to_vec()))),
        Source::Stdin => match stdin {
            Some(bytes) => Ok(Box::new(Cursor::new(bytes))),
            None => Ok(Box::new(BufReader::new(std::io::stdin()))),
        },
    }
}

/// Read every Namespace object of the inputs: its labels feed
/// `namespaceSelector`, and it may come after the objects in it. Only
/// documents that mention `Namespace` are parsed.
fn read_namespaces(
    srcs: &[Source],
    stdin: Option<&[u8]>,
    pool: &rayon::ThreadPool,
    max_document_bytes: usize,
) -> Result<NamespaceLabels, ScanError> {
    let mut out = NamespaceLabels::new();
    for source in srcs {
        let name = source.name();
        let chunks: Vec<Chunk> = Chunks::with_limit(open(source, stdin)?, max_document_bytes)
            .filter(|c| c.as_ref().map_or(true, |c| c.text.contains("Namespace")))
            .collect::<Result<_, _>>()
            .map_err(|e| ScanError::Read {
                file: name.clone(),
                source: e,
            })?;
        let found: Vec<Vec<Found>> = pool.install(|| {
            chunks
                .par_iter()
                .map(|c| parse_chunk(&name, c, 1).0)
                .collect()
        });
        for f in found.into_iter().flatten() {
            if let Found::Resource(v, _) = f {
                if let Some((ns, labels)) = namespace_labels(&v) {
                    out.insert(ns, labels);
                }
            }
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
    read_namespaces(&sources(inputs)?, None, &pool, opts.max_document_bytes)
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
    let srcs = sources(inputs)?;
    let read_pass = known.is_none() && policies.uses_namespace_selector;
    // Stdin can be read once: keep it when the namespaces need a first pass.
    let stdin = if read_pass && srcs.contains(&Source::Stdin) {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| ScanError::Read {
                file: "-".into(),
                source: e,
            })?;
        Some(buf)
    } else {
        None
    };
    let read = if read_pass {
        read_namespaces(&srcs, stdin.as_deref(), &pool, opts.max_document_bytes)?
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
    let ctx = Ctx {
        policies,
        namespaces,
        host,
        opts,
    };
    for source in &srcs {
        let name = source.name();
        let mut document = 0;
        let mut batch = Vec::new();
        let mut bytes = 0;
        let mut chunks =
            Chunks::with_limit(open(source, stdin.as_deref())?, opts.max_document_bytes);
        loop {
            let next = chunks.next().transpose().map_err(|e| ScanError::Read {
                file: name.clone(),
                source: e,
            })?;
            let end = next.is_none();
            if let Some(c) = next {
                bytes += c.text.len();
                batch.push(c);
            }
            if (end || bytes >= opts.batch_bytes) && !batch.is_empty() {
                let judged = pool.install(|| ctx.judge_batch(&name, &batch));
                for (found, count) in judged {
                    for mut item in found {
                        match &mut item {
                            Item::Judged(j) => j.origin.document += document,
                            Item::Rejected(o, _) => o.document += document,
                        }
                        match item {
                            Item::Judged(j) => tally.add(j),
                            Item::Rejected(o, why) => tally.rejected.push((o, why)),
                        }
                    }
                    document += count;
                }
                batch.clear();
                bytes = 0;
                progress(tally.resources);
            }
            if end {
                break;
            }
        }
        tally.documents += document;
    }
    Ok(tally)
}

enum Item {
    Judged(Judged),
    Rejected(crate::documents::Origin, String),
}

struct Ctx<'a> {
    policies: &'a ScanPolicies,
    namespaces: &'a NamespaceLabels,
    host: &'a dyn Host,
    opts: &'a ScanOptions,
}

impl Ctx<'_> {
    /// Parse and judge a batch; each chunk's items with its document count,
    /// in input order.
    fn judge_batch(&self, file: &str, batch: &[Chunk]) -> Vec<(Vec<Item>, usize)> {
        batch
            .par_iter()
            .map(|chunk| {
                let (found, count) = parse_chunk(file, chunk, 1);
                let items = found
                    .into_par_iter()
                    .map(|f| match f {
                        Found::Resource(v, origin) => Item::Judged(judge(
                            &self.policies.set,
                            &v,
                            origin,
                            self.namespaces,
                            self.host,
                            self.opts.detail,
                            &self.opts.report,
                        )),
                        Found::Rejected(o, why) => Item::Rejected(o, why),
                    })
                    .collect();
                (items, count)
            })
            .collect()
    }
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
