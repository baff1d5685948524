//! Cutting a source into pieces small enough to judge a batch at a time,
//! without ever holding a `kind: List` document whole.
//!
//! Documents are cut at `---` lines exactly as [`crate::input::Chunks`]
//! cuts them. A document is then handed on whole, as today, unless it is
//! one of the two shapes a cluster dump takes:
//! - YAML with a top-level `items:` line followed by a block sequence
//!   (what `kubectl get -o yaml` prints): each item's lines are handed on
//!   as soon as the next item starts, and the other top-level lines are
//!   kept to check, at the end, that the document is a List;
//! - JSON (the document starts with `{` or `[`): each top-level value is
//!   handed on alone (JSON Lines), and the elements of a top-level object's
//!   `"items"` array one by one, the object kept with `"items": []` for
//!   the same check.
//!
//! Cutting by lines and brackets rather than by the parser keeps each piece
//! parsed by the same loaders as a whole document (verno's YAML loader and
//! its Kyverno semantics, serde_json), and the pieces parse in parallel.
//! The cut is a guess about the document: whenever it turns out wrong (a
//! piece that does not parse, an alias to another item, a document that is
//! not a List, a piece over the size limit), the reader of the pieces reads
//! the document again from its byte range and judges it whole, so the
//! verdicts are those of the whole document in every case.

use std::io::{BufRead, Read};

use crate::input::Chunk;

/// Bytes of a line looked at before its end is read: enough to see a
/// document marker, an indentation and a `- `, and the unit in which a long
/// line (compact JSON) is read.
const PIECE: usize = 1 << 16;

/// Something found in a source, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// A document handed on whole.
    Whole(Chunk),
    /// One item (`- ...` lines) of a streamed YAML document.
    YamlItem {
        /// The item's lines.
        text: String,
        /// 1-based line of the item's first line.
        line: usize,
        /// Index of the item in `items`.
        index: usize,
    },
    /// One value of a streamed JSON document: an element of `"items"`, or
    /// a top-level value without one.
    Json {
        /// The value's text.
        text: String,
        /// 1-based line where the value starts.
        line: usize,
        /// 1-based index of the top-level value in the document's text.
        document: usize,
        /// Index in `"items"`; `None` for a top-level value.
        index: Option<usize>,
    },
    /// The end of a streamed document.
    Close(Close),
}

impl Piece {
    /// Bytes of text the piece holds, which batches are measured by.
    pub fn len(&self) -> usize {
        match self {
            Piece::Whole(c) => c.text.len(),
            Piece::YamlItem { text, .. } | Piece::Json { text, .. } => text.len(),
            Piece::Close(c) => c.rests.iter().map(String::len).sum(),
        }
    }

    /// Whether the piece holds no text.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The end of a streamed document: what is needed to confirm the cut or to
/// read the document again.
#[derive(Debug, Clone, PartialEq)]
pub struct Close {
    /// The document without its items: YAML, one text without the
    /// `items:` line and its sequence; JSON, each streamed object with
    /// `"items": []`.
    pub rests: Vec<String>,
    /// Whether the document is JSON.
    pub json: bool,
    /// Documents the text held (JSON Lines hold several).
    pub documents: usize,
    /// Set when the cut already went wrong while reading.
    pub broken: bool,
    /// Byte offset of the document's first byte in the source.
    pub start: u64,
    /// Byte offset just past its last byte.
    pub end: u64,
    /// 1-based line where it starts.
    pub line: usize,
}

/// Where a document being read is.
enum Mode {
    /// Nothing telling yet (a marker, blank lines, comments).
    Start,
    /// YAML lines seen, none of them `items:`.
    Header,
    /// Kept whole (plain YAML, or a streamed shape that did not show up).
    Whole,
    /// YAML: `items:` seen, waiting for its first `- ` line; `held` is
    /// the document before the `items:` line.
    ItemsLine { held: Vec<u8> },
    /// YAML: inside the items at `indent`.
    Items {
        indent: usize,
        rest: Vec<u8>,
        item: Vec<u8>,
        line: usize,
        index: usize,
    },
    /// YAML: past the items.
    Tail { rest: Vec<u8> },
    /// JSON, at any depth.
    Json(Box<Json>),
    /// The cut went wrong: the rest of the document is only counted.
    Broken,
}

/// The JSON bracket walker: tracks strings and depth, and where the
/// top-level `"items"` array's elements begin and end.
#[derive(Default)]
struct Json {
    depth: usize,
    in_string: bool,
    escape: bool,
    /// The top-level value being read, or its rest when it streams items.
    value: Vec<u8>,
    value_line: usize,
    /// Top-level values finished so far.
    documents: usize,
    /// The last string seen at depth 1 and whether a `:` followed it.
    key: Vec<u8>,
    in_key: bool,
    key_spoiled: bool,
    after_colon: bool,
    /// A `,` between elements was just seen.
    after_comma: bool,
    /// Inside the top-level object's `"items"` array.
    in_items: bool,
    streamed: bool,
    element: Vec<u8>,
    element_line: usize,
    index: usize,
    rests: Vec<String>,
}

/// Reads a source as [`Piece`]s.
pub struct Splitter<R> {
    reader: R,
    max_bytes: usize,
    /// Lines begun so far.
    line: usize,
    /// Bytes consumed so far.
    offset: u64,
    /// The document being read.
    mode: Mode,
    /// Its text while it is kept whole (or not yet known).
    text: Vec<u8>,
    oversized: bool,
    has_content: bool,
    start: u64,
    start_line: usize,
}

fn is_marker(line: &[u8]) -> bool {
    line.strip_prefix(b"---")
        .is_some_and(|rest| rest.first().is_none_or(u8::is_ascii_whitespace))
}

/// Leading spaces, and whether the line holds nothing else but a comment.
fn indent_of(line: &[u8]) -> (usize, bool) {
    let indent = line.iter().take_while(|b| **b == b' ').count();
    let rest = line.get(indent..).unwrap_or_default();
    let blank = rest
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .is_none_or(|b| *b == b'#');
    (indent, blank)
}

/// `items:` at the left margin with nothing after it but a comment.
fn is_items_line(line: &[u8]) -> bool {
    line.strip_prefix(b"items:").is_some_and(|rest| {
        match rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            None => true,
            // `items:#x` would be a key's text, `items: #x` a comment.
            Some(i) => i > 0 && rest.get(i) == Some(&b'#'),
        }
    })
}

/// `-` then a space or the end of the line, after `indent` spaces.
fn is_dash_at(line: &[u8], indent: usize) -> bool {
    line.get(indent..)
        .and_then(|r| r.strip_prefix(b"-"))
        .is_some_and(|r| r.first().is_none_or(u8::is_ascii_whitespace))
}

fn utf8(bytes: Vec<u8>) -> Option<String> {
    String::from_utf8(bytes).ok()
}

impl<R: BufRead> Splitter<R> {
    /// Read `reader`, documents of at most `max_bytes` held whole.
    pub fn new(reader: R, max_bytes: usize) -> Self {
        Splitter {
            reader,
            max_bytes,
            line: 0,
            offset: 0,
            mode: Mode::Start,
            text: Vec::new(),
            oversized: false,
            has_content: false,
            start: 0,
            start_line: 1,
        }
    }

    /// Read everything, handing each piece to `emit` in input order.
    pub fn run<E>(
        mut self,
        emit: &mut dyn FnMut(Piece) -> Result<(), E>,
    ) -> Result<(), SplitError<E>> {
        let mut first_of_line = true;
        loop {
            let avail = self.reader.fill_buf().map_err(SplitError::Read)?;
            if avail.is_empty() {
                self.finish(emit).map_err(SplitError::Emit)?;
                return Ok(());
            }
            let slice = avail.get(..avail.len().min(PIECE)).unwrap_or_default();
            let len = match slice.iter().position(|b| *b == b'\n') {
                Some(i) => i + 1,
                None => slice.len(),
            };
            let mut piece = slice.get(..len).unwrap_or_default().to_vec();
            self.reader.consume(len);
            // A marker cut by the end of the buffer: read on to be sure.
            if first_of_line && !piece.ends_with(b"\n") && piece.len() < 4 {
                (&mut self.reader)
                    .take(PIECE as u64)
                    .read_until(b'\n', &mut piece)
                    .map_err(SplitError::Read)?;
            }
            let ends_line = piece.ends_with(b"\n");
            self.line_piece(&piece, first_of_line, emit)
                .map_err(SplitError::Emit)?;
            first_of_line = ends_line;
        }
    }

    /// One piece of a line (the whole line unless it is long).
    fn line_piece<E>(
        &mut self,
        piece: &[u8],
        first: bool,
        emit: &mut dyn FnMut(Piece) -> Result<(), E>,
    ) -> Result<(), E> {
        if first {
            self.line += 1;
            if is_marker(piece) && self.has_content {
                self.finish(emit)?;
                self.start = self.offset;
                self.start_line = self.line;
            }
        }
        self.offset += piece.len() as u64;
        if piece.iter().any(|b| !b.is_ascii_whitespace()) {
            self.has_content = true;
        }
        let mode = std::mem::replace(&mut self.mode, Mode::Broken);
        self.mode = self.step(mode, piece, first, emit)?;
        Ok(())
    }

    /// Keep `piece` in the whole document's text, within the size limit.
    fn keep(&mut self, piece: &[u8]) {
        if self.oversized || self.text.len() + piece.len() > self.max_bytes {
            self.oversized = true;
            self.text = Vec::new();
        } else {
            self.text.extend_from_slice(piece);
        }
    }

    fn step<E>(
        &mut self,
        mode: Mode,
        piece: &[u8],
        first: bool,
        emit: &mut dyn FnMut(Piece) -> Result<(), E>,
    ) -> Result<Mode, E> {
        Ok(match mode {
            Mode::Start | Mode::Header => {
                let started = matches!(mode, Mode::Header);
                self.keep(piece);
                let (_, blank) = indent_of(piece);
                if self.oversized {
                    Mode::Whole
                } else if !first {
                    mode
                } else if blank {
                    // A comment makes the document YAML, as whole parsing
                    // decides (JSON is told by its first character).
                    if piece.trim_ascii_start().starts_with(b"#") {
                        Mode::Header
                    } else {
                        mode
                    }
                } else if is_marker(piece) {
                    // A bare leading marker tells nothing; `--- x` holds content.
                    if !started && piece.trim_ascii_end() == b"---" {
                        mode
                    } else {
                        Mode::Whole
                    }
                } else if !started && matches!(piece.first(), Some(b'{' | b'[')) {
                    self.text = Vec::new();
                    let json = Json {
                        value_line: self.line,
                        ..Json::default()
                    };
                    self.json(Mode::Json(Box::new(json)), piece, emit)?
                } else if is_items_line(piece) {
                    let before = self.text.len().saturating_sub(piece.len());
                    let held = self.text.get(..before).unwrap_or_default().to_vec();
                    Mode::ItemsLine { held }
                } else {
                    Mode::Header
                }
            }
            Mode::Whole => {
                self.keep(piece);
                Mode::Whole
            }
            Mode::ItemsLine { held } => {
                self.keep(piece);
                let (indent, blank) = indent_of(piece);
                if self.oversized {
                    Mode::Whole
                } else if !first || blank {
                    Mode::ItemsLine { held }
                } else if is_dash_at(piece, indent) {
                    // The stream starts: the lines before `items:` are the rest.
                    self.text = Vec::new();
                    Mode::Items {
                        indent,
                        rest: held,
                        item: piece.to_vec(),
                        line: self.line,
                        index: 0,
                    }
                } else {
                    Mode::Whole
                }
            }
            Mode::Items {
                indent,
                mut rest,
                mut item,
                line,
                index,
            } => {
                let (this, blank) = indent_of(piece);
                if !first || blank || this > indent {
                    item.extend_from_slice(piece);
                    if item.len() > self.max_bytes {
                        return Ok(Mode::Broken);
                    }
                    Mode::Items {
                        indent,
                        rest,
                        item,
                        line,
                        index,
                    }
                } else {
                    let Some(text) = utf8(item) else {
                        return Ok(Mode::Broken);
                    };
                    emit(Piece::YamlItem { text, line, index })?;
                    if piece.len() > self.max_bytes {
                        Mode::Broken
                    } else if this == indent && is_dash_at(piece, indent) {
                        Mode::Items {
                            indent,
                            rest,
                            item: piece.to_vec(),
                            line: self.line,
                            index: index + 1,
                        }
                    } else if this == 0 {
                        rest.extend_from_slice(piece);
                        Mode::Tail { rest }
                    } else {
                        Mode::Broken
                    }
                }
            }
            Mode::Tail { mut rest } => {
                rest.extend_from_slice(piece);
                if rest.len() > self.max_bytes {
                    Mode::Broken
                } else {
                    Mode::Tail { rest }
                }
            }
            json @ Mode::Json(_) => self.json(json, piece, emit)?,
            Mode::Broken => Mode::Broken,
        })
    }

    /// Walk JSON bytes, handing on items and finished top-level values.
    fn json<E>(
        &mut self,
        mode: Mode,
        piece: &[u8],
        emit: &mut dyn FnMut(Piece) -> Result<(), E>,
    ) -> Result<Mode, E> {
        let mut j = match mode {
            Mode::Json(j) => j,
            other => return Ok(other),
        };
        // A piece ends a line at most, so every byte is on this line.
        let line = self.line;
        for &b in piece {
            let in_element = j.in_items && j.depth >= 2;
            if j.in_string {
                if in_element {
                    j.element.push(b);
                } else {
                    j.value.push(b);
                }
                if j.escape {
                    j.escape = false;
                } else if b == b'\\' {
                    j.escape = true;
                    // An escaped key is never the plain `items`.
                    j.key_spoiled |= j.in_key;
                } else if b == b'"' {
                    j.in_string = false;
                    j.in_key = false;
                } else if j.in_key {
                    j.key.push(b);
                }
                continue;
            }
            if b.is_ascii_whitespace() {
                // Kept inside values (line numbers of parse errors stay
                // right), dropped between them.
                if in_element {
                    if !j.element.is_empty() {
                        j.element.push(b);
                    }
                } else if j.depth > 0 {
                    j.value.push(b);
                }
                continue;
            }
            if in_element && j.depth == 2 && matches!(b, b',' | b']') {
                if j.element.is_empty() {
                    // `[,a]`, `[a,,b]`, `[a,]`: not JSON; only `[]` is.
                    if b == b',' || j.after_comma {
                        return Ok(Mode::Broken);
                    }
                } else if !Self::element_done(&mut j, emit)? {
                    return Ok(Mode::Broken);
                }
                if b == b']' {
                    j.in_items = false;
                    j.depth = 1;
                    j.value.push(b);
                }
                j.after_comma = b == b',';
                continue;
            }
            if j.depth == 0 {
                if !matches!(b, b'{' | b'[') {
                    return Ok(Mode::Broken);
                }
                j.value_line = line;
            }
            if in_element {
                if j.element.is_empty() {
                    j.element_line = line;
                    j.after_comma = false;
                }
                j.element.push(b);
            } else {
                j.value.push(b);
            }
            match b {
                b'"' => {
                    j.in_string = true;
                    if j.depth == 1 && !j.after_colon {
                        j.in_key = true;
                        j.key_spoiled = false;
                        j.key.clear();
                    }
                }
                b':' if j.depth == 1 => j.after_colon = true,
                b',' if j.depth == 1 => {
                    j.after_colon = false;
                    j.key.clear();
                }
                b'{' | b'[' => {
                    let opens_items = b == b'['
                        && j.depth == 1
                        && j.after_colon
                        && !j.key_spoiled
                        && j.key == b"items"
                        && j.value.first() == Some(&b'{');
                    j.depth += 1;
                    if opens_items {
                        j.in_items = true;
                        j.streamed = true;
                        j.after_comma = false;
                        j.index = 0;
                    }
                }
                b'}' | b']' => {
                    j.depth = j.depth.saturating_sub(1);
                    if j.depth == 0 && !Self::value_done(&mut j, emit)? {
                        return Ok(Mode::Broken);
                    }
                }
                _ => {}
            }
            if j.value.len() > self.max_bytes || j.element.len() > self.max_bytes {
                return Ok(Mode::Broken);
            }
        }
        Ok(Mode::Json(j))
    }

    fn element_done<E>(
        j: &mut Json,
        emit: &mut dyn FnMut(Piece) -> Result<(), E>,
    ) -> Result<bool, E> {
        let Some(text) = utf8(std::mem::take(&mut j.element)) else {
            return Ok(false);
        };
        emit(Piece::Json {
            text,
            line: j.element_line,
            document: j.documents + 1,
            index: Some(j.index),
        })?;
        j.index += 1;
        Ok(true)
    }

    fn value_done<E>(
        j: &mut Json,
        emit: &mut dyn FnMut(Piece) -> Result<(), E>,
    ) -> Result<bool, E> {
        j.documents += 1;
        let Some(text) = utf8(std::mem::take(&mut j.value)) else {
            return Ok(false);
        };
        if j.streamed {
            j.rests.push(text);
        } else {
            emit(Piece::Json {
                text,
                line: j.value_line,
                document: j.documents,
                index: None,
            })?;
        }
        j.streamed = false;
        j.after_colon = false;
        j.key.clear();
        Ok(true)
    }

    /// The document ends: hand on what is left of it.
    fn finish<E>(&mut self, emit: &mut dyn FnMut(Piece) -> Result<(), E>) -> Result<(), E> {
        let mode = std::mem::replace(&mut self.mode, Mode::Start);
        let text = std::mem::take(&mut self.text);
        let oversized = std::mem::replace(&mut self.oversized, false);
        self.has_content = false;
        let (start, end, line) = (self.start, self.offset, self.start_line);
        let close = |rests: Vec<String>, json: bool, documents: usize, broken: bool| {
            Piece::Close(Close {
                rests,
                json,
                documents,
                broken,
                start,
                end,
                line,
            })
        };
        let piece = match mode {
            Mode::Start | Mode::Header | Mode::Whole | Mode::ItemsLine { .. } => {
                Piece::Whole(whole_chunk(text, line, oversized, self.max_bytes))
            }
            Mode::Items {
                rest,
                item,
                line: item_line,
                index,
                ..
            } => match (utf8(item), utf8(rest)) {
                (Some(text), Some(rest)) => {
                    emit(Piece::YamlItem {
                        text,
                        line: item_line,
                        index,
                    })?;
                    close(vec![rest], false, 1, false)
                }
                _ => close(Vec::new(), false, 1, true),
            },
            Mode::Tail { rest } => match utf8(rest) {
                Some(rest) => close(vec![rest], false, 1, false),
                None => close(Vec::new(), false, 1, true),
            },
            Mode::Json(j) => {
                let unfinished = j.depth > 0 || j.in_string;
                close(j.rests, true, j.documents, unfinished)
            }
            Mode::Broken => close(Vec::new(), false, 1, true),
        };
        self.start = self.offset;
        self.start_line = self.line + 1;
        emit(piece)
    }
}

/// A document kept whole, as [`crate::input::Chunks`] makes it.
fn whole_chunk(text: Vec<u8>, line: usize, oversized: bool, max_bytes: usize) -> Chunk {
    if oversized {
        return Chunk {
            text: String::new(),
            line,
            problem: Some(format!("the document is larger than {max_bytes} bytes")),
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

/// Why splitting stopped.
#[derive(Debug)]
pub enum SplitError<E> {
    /// Reading the source failed.
    Read(std::io::Error),
    /// The receiver of the pieces failed.
    Emit(E),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Chunks;

    fn pieces(text: &str, max: usize) -> Vec<Piece> {
        let mut out = Vec::new();
        let r: Result<(), SplitError<()>> = Splitter::new(text.as_bytes(), max).run(&mut |p| {
            out.push(p);
            Ok(())
        });
        assert!(r.is_ok());
        out
    }

    const LIST: &str = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

    #[test]
    fn a_yaml_list_is_cut_into_its_items_with_their_lines() {
        let p = pieces(&format!("a: 1\n---\n{LIST}"), 1 << 20);
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(matches!(&p[0], Piece::Whole(c) if c.text == "a: 1\n" && c.line == 1));
        assert_eq!(
            p[1],
            Piece::YamlItem {
                text: "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n\n".into(),
                line: 5,
                index: 0
            }
        );
        assert!(matches!(
            &p[2],
            Piece::YamlItem {
                line: 10,
                index: 1,
                ..
            }
        ));
        match &p[3] {
            Piece::Close(c) => {
                assert_eq!(
                    c.rests,
                    vec!["---\napiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"]
                );
                assert_eq!((c.start, c.line, c.documents, c.broken), (5, 2, 1, false));
                assert_eq!(c.end as usize, 5 + LIST.len() + 4);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn indented_items_and_a_kind_before_them_are_cut_too() {
        let text = "kind: PodList\nitems:\n  - a: 1\n    b: 2\n  - c: 3\n";
        let p = pieces(text, 1 << 20);
        assert!(
            matches!(&p[0], Piece::YamlItem { text, line: 3, .. } if text == "  - a: 1\n    b: 2\n")
        );
        assert!(matches!(&p[1], Piece::YamlItem { text, line: 5, .. } if text == "  - c: 3\n"));
        assert!(matches!(&p[2], Piece::Close(c) if c.rests == vec!["kind: PodList\n".to_string()]));
    }

    #[test]
    fn a_pretty_json_list_is_cut_into_its_elements_with_their_lines() {
        let text = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"kind\": \"Pod\", \"x\": \"[,]\\\"\"\n        },\n        {\"kind\": \"Pod\"}\n    ],\n    \"kind\": \"List\"\n}\n";
        let p = pieces(text, 1 << 20);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(
            matches!(&p[0], Piece::Json { text, line: 4, document: 1, index: Some(0) } if text == "{\n            \"kind\": \"Pod\", \"x\": \"[,]\\\"\"\n        }"),
            "{p:?}"
        );
        assert!(matches!(
            &p[1],
            Piece::Json {
                line: 7,
                index: Some(1),
                ..
            }
        ));
        match &p[2] {
            Piece::Close(c) => {
                let rest: serde_json::Value = serde_json::from_str(&c.rests[0]).unwrap();
                assert_eq!(
                    rest,
                    serde_json::json!({"apiVersion": "v1", "items": [], "kind": "List"})
                );
                assert!(c.json && !c.broken);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_lines_are_handed_on_one_value_at_a_time() {
        let p = pieces("{\"a\": 1}\n\n{\"b\": [1]}\n", 1 << 20);
        assert!(matches!(
            &p[0],
            Piece::Json {
                line: 1,
                document: 1,
                index: None,
                ..
            }
        ));
        assert!(
            matches!(&p[1], Piece::Json { text, line: 3, document: 2, index: None } if text == "{\"b\": [1]}")
        );
        assert!(matches!(&p[2], Piece::Close(c) if c.documents == 2 && c.rests.is_empty()));
    }

    #[test]
    fn an_escaped_or_nested_items_key_is_not_streamed() {
        for text in [
            "{\"it\\u0065ms\": [1, 2], \"kind\": \"List\"}",
            "{\"spec\": {\"items\": [1]}}",
        ] {
            let p = pieces(text, 1 << 20);
            assert!(
                matches!(&p[..], [Piece::Json { index: None, .. }, Piece::Close(_)]),
                "{p:?}"
            );
        }
    }

    #[test]
    fn a_cut_that_goes_wrong_is_marked_broken() {
        for text in [
            "{\"items\": [1,,2], \"kind\": \"List\"}",
            "{\"items\": [1, 2]",
            "{\"a\": 1} x",
            "items:\n  - a\n b: 1\n",
        ] {
            let p = pieces(text, 1 << 20);
            assert!(
                matches!(p.last(), Some(Piece::Close(c)) if c.broken),
                "{text:?}: {p:?}"
            );
        }
    }

    #[test]
    fn an_item_over_the_size_limit_breaks_the_cut() {
        let text = format!("items:\n- a: 1\n- b: {}\nkind: List\n", "x".repeat(100));
        let p = pieces(&text, 64);
        assert!(
            matches!(p.last(), Some(Piece::Close(c)) if c.broken),
            "{p:?}"
        );
    }

    /// Documents that are not Lists come out as `Chunks` makes them.
    #[test]
    fn other_documents_are_cut_as_before() {
        let texts = [
            "",
            "---\n",
            "---\n---\na: 1\n",
            "a: 1\n---\nb: 2\n--- # x\nc: |\n  ---\n",
            "items: [1]\nkind: List\n---\nitems:\nkind: List\n",
            "items:\n  a: 1\n---\nx: y\n",
            "# c\n{\"a\": 1}\n",
            "--- {a: 1}\n",
            "a: 1\n{b: 2}\n",
        ];
        for text in texts {
            let whole: Vec<Chunk> = Chunks::new(text.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap();
            let got: Vec<Chunk> = pieces(text, 1 << 20)
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Whole(c) => Some(c),
                    _ => None,
                })
                .collect();
            assert_eq!(got, whole, "{text:?}");
        }
        let big = format!("a: {}\n---\nb: 1\n", "x".repeat(100));
        let whole: Vec<Chunk> = Chunks::with_limit(big.as_bytes(), 64)
            .collect::<Result<_, _>>()
            .unwrap();
        let got: Vec<Piece> = pieces(&big, 64);
        assert_eq!(got, whole.into_iter().map(Piece::Whole).collect::<Vec<_>>());
    }

    #[test]
    fn a_long_line_is_read_in_pieces() {
        let text = format!(
            "{{\"items\": [\"{}\"], \"kind\": \"List\"}}",
            "x".repeat(3 * PIECE)
        );
        let p = pieces(&text, 1 << 22);
        assert!(matches!(&p[0], Piece::Json { text, .. } if text.len() == 3 * PIECE + 2));
        assert!(matches!(&p[1], Piece::Close(c) if !c.broken));
    }
}
