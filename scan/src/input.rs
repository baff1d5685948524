//! Where resources come from: files, directories walked in sorted order,
//! and stdin, cut into documents as they are read (see [`crate::stream`]
//! for how a `kind: List` document is cut further, into its items).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::ScanError;

/// One input the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, or a directory walked recursively.
    Path(PathBuf),
    /// `-`: standard input.
    Stdin,
    /// Text already in memory (a binding's caller), under a name results
    /// point at.
    Text {
        /// The name.
        name: String,
        /// The documents.
        text: std::sync::Arc<str>,
    },
}

impl Input {
    /// `-` is stdin, anything else a path.
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// A file to read, or stdin, with the name results point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file; `name` is its path as found.
    File(PathBuf),
    /// Standard input, named `-`.
    Stdin,
    /// Text in memory.
    Text {
        /// The name.
        name: String,
        /// The documents.
        text: std::sync::Arc<str>,
    },
}

impl Source {
    /// The name documents from this source are reported under.
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
            Source::Text { name, .. } => name.clone(),
        }
    }
}

/// Is this a file a directory walk reads? Dumps are YAML or JSON.
fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
}

/// The files of every input, in order: a directory contributes its
/// `.yaml`/`.yml`/`.json` files, recursively, sorted by path (hidden
/// entries skipped), so that the scan reads them in the same order on every
/// machine. A file named explicitly is read whatever its extension.
pub fn sources(inputs: &[Input]) -> Result<Vec<Source>, ScanError> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => out.push(Source::Stdin),
            Input::Text { name, text } => out.push(Source::Text {
                name: name.clone(),
                text: text.clone(),
            }),
            Input::Path(p) => {
                let meta = std::fs::metadata(p).map_err(|e| ScanError::io(p, e))?;
                if meta.is_dir() {
                    let mut files = Vec::new();
                    walk(p, &mut files)?;
                    files.sort();
                    out.extend(files.into_iter().map(Source::File));
                } else if meta.is_file() || is_fifo(&meta) {
                    out.push(Source::File(p.clone()));
                } else {
                    // A device such as /dev/zero would never end.
                    return Err(ScanError::NotAFile {
                        file: p.display().to_string(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Whether `path` is a pipe (read once, like stdin).
pub fn is_pipe(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| is_fifo(&m))
}

/// Pipes stream like stdin (`<(kubectl get ...)`), so they are read too.
#[cfg(unix)]
fn is_fifo(meta: &std::fs::Metadata) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type())
}

#[cfg(not(unix))]
fn is_fifo(_meta: &std::fs::Metadata) -> bool {
    false
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ScanError> {
    for entry in std::fs::read_dir(dir).map_err(|e| ScanError::io(dir, e))? {
        let entry = entry.map_err(|e| ScanError::io(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Not following symlinked directories keeps a cycle from looping.
        let kind = entry.file_type().map_err(|e| ScanError::io(&path, e))?;
        if kind.is_dir() {
            walk(&path, files)?;
        } else if is_manifest(&path) {
            files.push(path);
        }
    }
    Ok(())
}

/// One YAML document's text (or a JSON text) and the 1-based line of the
/// file it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The text, `---` line included.
    pub text: String,
    /// 1-based line of the file where the text starts.
    pub line: usize,
    /// Why the text cannot be parsed at all (too large, not UTF-8); the
    /// text is then empty.
    pub problem: Option<String>,
}

/// The largest document read by default: a `kubectl get -A -o json` dump
/// is one document, so this is large, but a bound all the same.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 1 << 30;

/// Cuts a reader into documents at `---` lines, one line at a time. A `---`
/// at the start of a line always starts a document (block scalars are
/// indented and quoted scalars may not hold a document marker), so cutting
/// there never splits a document, and a syntax error stays in its own.
/// A document over the size limit is skipped to the next marker, its bytes
/// never held.
pub struct Chunks<R> {
    reader: R,
    line: usize,
    pending: Option<Vec<u8>>,
    done: bool,
    max_bytes: usize,
}

impl<R: BufRead> Chunks<R> {
    /// Read documents from `reader`.
    pub fn new(reader: R) -> Self {
        Chunks::with_limit(reader, DEFAULT_MAX_DOCUMENT_BYTES)
    }

    /// Read documents of at most `max_bytes` from `reader`.
    pub fn with_limit(reader: R, max_bytes: usize) -> Self {
        Chunks {
            reader,
            line: 0,
            pending: None,
            done: false,
            max_bytes,
        }
    }

    /// Append one line to `buf`, keeping at most `room` bytes of it (the
    /// rest is consumed and dropped). Returns the bytes consumed.
    fn read_line(&mut self, buf: &mut Vec<u8>, room: usize) -> std::io::Result<usize> {
        let mut consumed = 0;
        let mut kept = 0;
        loop {
            let avail = self.reader.fill_buf()?;
            if avail.is_empty() {
                return Ok(consumed);
            }
            let (len, end) = match avail.iter().position(|b| *b == b'\n') {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            let keep = len.min(room.saturating_sub(kept));
            buf.extend_from_slice(avail.get(..keep).unwrap_or_default());
            kept += keep;
            self.reader.consume(len);
            consumed += len;
            if end {
                return Ok(consumed);
            }
        }
    }

    fn finish(&self, text: Vec<u8>, line: usize, oversized: bool) -> Chunk {
        if oversized {
            return Chunk {
                text: String::new(),
                line,
                problem: Some(format!(
                    "the document is larger than {} bytes",
                    self.max_bytes
                )),
            };
        }
        match String::from_utf8(text) {
            Ok(text) => Chunk {
                text,
                line,
                problem: None,
            },
            Err(e) => Chunk {
                text: String::new(),
                line,
                problem: Some(format!("not UTF-8: {}", e.utf8_error())),
            },
        }
    }
}

fn is_marker(line: &[u8]) -> bool {
    line.strip_prefix(b"---")
        .is_some_and(|rest| rest.first().is_none_or(u8::is_ascii_whitespace))
}

impl<R: BufRead> Iterator for Chunks<R> {
    type Item = std::io::Result<Chunk>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let (mut text, start) = match self.pending.take() {
            Some(marker) => (marker, self.line),
            None => (Vec::new(), self.line + 1),
        };
        let mut oversized = false;
        loop {
            let mut buf = Vec::new();
            // One byte over the limit is kept to tell a full line from a cut one.
            let room = (self.max_bytes + 1).saturating_sub(text.len()).max(4);
            match self.read_line(&mut buf, room) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(0) => {
                    self.done = true;
                    return Some(Ok(self.finish(text, start, oversized)));
                }
                Ok(n) => {
                    self.line += 1;
                    let has_content = oversized || text.iter().any(|b| !b.is_ascii_whitespace());
                    if is_marker(&buf) && has_content {
                        self.pending = Some(buf);
                        return Some(Ok(self.finish(text, start, oversized)));
                    }
                    if oversized || text.len() + n > self.max_bytes {
                        oversized = true;
                        text = Vec::new();
                    } else {
                        text.extend_from_slice(&buf);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<Chunk> {
        Chunks::new(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap_or_default()
    }

    #[test]
    fn documents_are_cut_at_marker_lines_with_their_start_lines() {
        let c = chunks("a: 1\n---\nb: 2\n--- # x\nc: |\n  ---\n");
        assert_eq!(c.len(), 3);
        assert_eq!((c[0].line, c[1].line, c[2].line), (1, 2, 4));
        assert!(c[2].text.contains("  ---"));
    }

    #[test]
    fn an_oversized_document_is_skipped_to_the_next_marker_and_said_so() {
        let text = format!(
            "a: 1\n---\nb: {}\n{}\n---\nc: 3\n",
            "x".repeat(100),
            "y".repeat(5000)
        );
        let c: Vec<Chunk> = Chunks::with_limit(text.as_bytes(), 64)
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        assert_eq!(c.len(), 3);
        assert_eq!(
            c[1].problem.as_deref(),
            Some("the document is larger than 64 bytes")
        );
        assert_eq!((c[1].line, c[2].line), (2, 5));
        assert_eq!(c[2].text, "---\nc: 3\n");
    }

    #[test]
    fn a_document_that_is_not_utf8_is_a_problem_not_an_error() {
        let bytes: &[u8] = b"a: 1\n---\nb: \xff\n";
        let c: Vec<Chunk> = Chunks::new(bytes)
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        assert_eq!(c.len(), 2);
        assert!(c[1]
            .problem
            .as_deref()
            .is_some_and(|p| p.starts_with("not UTF-8")));
    }

    #[test]
    fn a_leading_marker_does_not_make_an_empty_document() {
        let c = chunks("---\na: 1\n");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].line, 1);
    }

    #[test]
    fn a_marker_prefix_inside_a_word_is_not_a_marker() {
        assert!(!is_marker(b"----\n"));
        assert!(!is_marker(b"---a\n"));
        assert!(is_marker(b"---\n"));
        assert!(is_marker(b"---"));
        assert!(is_marker(b"--- !tag\n"));
    }
}
