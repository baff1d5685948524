//! Where resources come from: files, directories walked in sorted order,
//! and stdin, cut into documents as they are read so that a dump is never
//! held whole (a single `kind: List` document is, being one value).

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
}

impl Source {
    /// The name documents from this source are reported under.
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
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
            Input::Path(p) => {
                let meta = std::fs::metadata(p).map_err(|e| ScanError::io(p, e))?;
                if meta.is_dir() {
                    let mut files = Vec::new();
                    walk(p, &mut files)?;
                    files.sort();
                    out.extend(files.into_iter().map(Source::File));
                } else {
                    out.push(Source::File(p.clone()));
                }
            }
        }
    }
    Ok(out)
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
}

/// Cuts a reader into documents at `---` lines, one line at a time. A `---`
/// at the start of a line always starts a document (block scalars are
/// indented and quoted scalars may not hold a document marker), so cutting
/// there never splits a document, and a syntax error stays in its own.
pub struct Chunks<R> {
    reader: R,
    line: usize,
    pending: Option<String>,
    done: bool,
}

impl<R: BufRead> Chunks<R> {
    /// Read documents from `reader`.
    pub fn new(reader: R) -> Self {
        Chunks {
            reader,
            line: 0,
            pending: None,
            done: false,
        }
    }
}

fn is_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

impl<R: BufRead> Iterator for Chunks<R> {
    type Item = std::io::Result<Chunk>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let (mut text, start) = match self.pending.take() {
            Some(marker) => (marker, self.line),
            None => (String::new(), self.line + 1),
        };
        loop {
            let mut buf = String::new();
            match self.reader.read_line(&mut buf) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(0) => {
                    self.done = true;
                    return Some(Ok(Chunk { text, line: start }));
                }
                Ok(_) => {
                    self.line += 1;
                    if is_marker(&buf) && !text.trim().is_empty() {
                        self.pending = Some(buf);
                        return Some(Ok(Chunk { text, line: start }));
                    }
                    text.push_str(&buf);
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
    fn a_leading_marker_does_not_make_an_empty_document() {
        let c = chunks("---\na: 1\n");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].line, 1);
    }

    #[test]
    fn a_marker_prefix_inside_a_word_is_not_a_marker() {
        assert!(!is_marker("----\n"));
        assert!(!is_marker("---a\n"));
        assert!(is_marker("---\n"));
        assert!(is_marker("--- !tag\n"));
    }
}
