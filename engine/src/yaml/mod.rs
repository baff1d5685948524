//! YAML loading and printing with Kyverno's semantics.
//!
//! Kyverno turns YAML into JSON with `sigs.k8s.io/yaml`, which decodes with
//! go-yaml **v2** and therefore resolves plain scalars by YAML 1.1 rules
//! (`yes`, `on` and `y` are booleans, `0644` is octal, `1_000` is an integer).
//! No Rust YAML crate resolves scalars that way, so this module drives
//! yaml-rust2's event parser and builds `serde_json::Value`s itself, porting
//! go-yaml v2's `resolve.go` and `decode.go` and the key conversion of
//! `sigs.k8s.io/yaml.YAMLToJSON`.
//!
//! [`to_yaml_string`] goes the other way and ports the parts of go-yaml v2's
//! encoder and libyaml emitter that `sigs.k8s.io/yaml.JSONToYAML` uses, so
//! output (quoting, line folding at 80 columns, key order) reads like
//! Kyverno's.
//!
//! The input is untrusted: nesting depth and alias expansion are bounded, and
//! any panic inside yaml-rust2 is caught and reported as a [`YamlError`].

pub mod position;

use crate::go::strconv;
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// Deepest nesting of collections accepted; keeps every later recursive walk
/// over the value (serde, JMESPath, pattern matching) far from the stack limit.
const MAX_DEPTH: usize = 512;
/// Upper bound, per call, on nodes copied by aliases (and kept for anchors):
/// defuses "billion laughs" documents whose size is exponential in their
/// text. Nodes written out in the text are not counted; they cost memory in
/// proportion to the input.
/// (Unit tests use a smaller budget so that exceeding it stays fast.)
const MAX_COPIED_NODES: usize = if cfg!(test) { 50_000 } else { 1_000_000 };
/// Upper bound on scalar bytes copied the same way, so that a few aliases of
/// one huge string cannot exhaust memory while staying under the node limit.
const MAX_COPIED_BYTES: usize = 64 * 1024 * 1024;

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// One YAML document of a multi-document stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document converted to JSON.
    pub value: Value,
    /// 1-based line where the document's content starts
    pub line: usize,
}

/// A YAML syntax or conversion error, with a 1-based line and column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    /// 1-based line of the offending token.
    pub line: usize,
    /// 1-based column of the offending token.
    pub column: usize,
    /// What went wrong.
    pub message: String,
}

impl YamlError {
    fn at(mark: Marker, message: impl Into<String>) -> Self {
        YamlError {
            line: mark.line().max(1),
            // yaml-rust2 columns are 0-based.
            column: mark.col() + 1,
            message: message.into(),
        }
    }
}

impl From<ScanError> for YamlError {
    fn from(e: ScanError) -> Self {
        let message = match e.info() {
            // yaml-rust2 counts flow nesting in a u8.
            "recursion limit exceeded" => "flow collections nested deeper than 255 levels",
            info => info,
        };
        YamlError::at(*e.marker(), message)
    }
}

/// Parses every document of `text`.
///
/// Documents that are empty, hold only comments, or whose whole content is
/// `null`/`~` are dropped, as Kyverno's document splitter does. Scalars are
/// resolved with YAML 1.1 rules (see the module documentation), non-string
/// map keys are converted to strings like `sigs.k8s.io/yaml` does, aliases
/// are expanded and `<<` merge keys applied.
///
/// ```rust
/// let docs = verno::unstable::yaml::parse_documents("a: yes\n---\n# nothing\n---\nb: 0644\n").unwrap();
/// assert_eq!(docs.len(), 2);
/// assert_eq!(docs[0].value, serde_json::json!({"a": true}));
/// assert_eq!(docs[1].value, serde_json::json!({"b": 420}));
/// assert_eq!(docs[1].line, 5);
/// ```
pub fn parse_documents(text: &str) -> Result<Vec<Document>, YamlError> {
    let docs = load(text, usize::MAX)?;
    Ok(docs.into_iter().filter(|d| !d.value.is_null()).collect())
}

/// Parses exactly one value: the first document of `text`, or `Value::Null`
/// when there is none.
///
/// Like go-yaml's `Unmarshal`, later documents are not read, so errors in
/// them go unnoticed.
///
/// ```rust
/// let v = verno::unstable::yaml::parse_value("on: 1\nmode: '0644'\nperm: 0644\n").unwrap();
/// assert_eq!(v, serde_json::json!({"true": 1, "mode": "0644", "perm": 420}));
/// assert!(verno::unstable::yaml::parse_value("a: [1, 2").is_err());
/// // parse_documents is the multi-document counterpart:
/// assert_eq!(verno::unstable::yaml::parse_documents("# only a comment\n").unwrap(), vec![]);
/// ```
pub fn parse_value(text: &str) -> Result<Value, YamlError> {
    let mut docs = load(text, 1)?;
    Ok(docs.pop().map(|d| d.value).unwrap_or(Value::Null))
}

/// Runs the loader, turning a panic inside yaml-rust2 into an error at the
/// last position seen, because a crafted document must never abort the host.
fn load(text: &str, max_docs: usize) -> Result<Vec<Document>, YamlError> {
    let last = Cell::new((1usize, 1usize));
    let result = panic::catch_unwind(AssertUnwindSafe(|| Loader::new(text, &last).run(max_docs)));
    match result {
        Ok(r) => r,
        Err(_) => {
            let (line, column) = last.get();
            Err(YamlError {
                line,
                column,
                message: "internal YAML parser failure".to_string(),
            })
        }
    }
}

// ---------------------------------------------------------------------------
// Loading: events → JSON values.

/// A collection under construction.
struct Frame {
    kind: FrameKind,
    anchor: usize,
    nodes: usize,
    bytes: usize,
}

enum FrameKind {
    Seq(Vec<Value>),
    Map {
        obj: Map<String, Value>,
        /// The key waiting for its value; `None` while a key is expected.
        key: Option<Slot>,
    },
}

enum Slot {
    Key(String),
    Merge,
}

/// How a finished node converts when it is used as a map key.
enum KeyForm {
    /// Convert from the JSON value.
    Value,
    /// A plain `<<`: the YAML 1.1 merge key.
    Merge,
    /// `.inf`/`.nan` spellings: the value keeps the original text, but a key
    /// is spelled the way Go formats the float.
    NonFinite(f64),
}

/// A finished node on its way into its parent.
struct Node {
    value: Value,
    nodes: usize,
    bytes: usize,
    key: KeyForm,
    mark: Marker,
}

struct Anchored {
    value: Value,
    nodes: usize,
    bytes: usize,
}

struct Loader<'c> {
    text: &'c str,
    /// Built on the first block scalar: see [`BlockTail`].
    tail: Option<BlockTail<'c>>,
    frames: Vec<Frame>,
    anchors: std::collections::HashMap<usize, Anchored>,
    docs: Vec<Document>,
    root: Option<Value>,
    doc_line: Option<usize>,
    copied_nodes: usize,
    copied_bytes: usize,
    last: &'c Cell<(usize, usize)>,
}

impl<'c> Loader<'c> {
    fn new(text: &'c str, last: &'c Cell<(usize, usize)>) -> Self {
        Loader {
            text,
            tail: None,
            frames: Vec::new(),
            anchors: std::collections::HashMap::new(),
            docs: Vec::new(),
            root: None,
            doc_line: None,
            copied_nodes: 0,
            copied_bytes: 0,
            last,
        }
    }

    /// Drives the parser iteratively: yaml-rust2's own `load` recurses once
    /// per nesting level, which deep input would turn into a stack overflow.
    fn run(mut self, max_docs: usize) -> Result<Vec<Document>, YamlError> {
        let mut parser = Parser::new_from_str(self.text);
        loop {
            let (event, mark) = parser.next_token()?;
            self.last.set((mark.line().max(1), mark.col() + 1));
            match event {
                Event::StreamEnd => break,
                Event::StreamStart | Event::Nothing => {}
                Event::DocumentStart => {
                    self.frames.clear();
                    self.anchors.clear();
                    self.root = None;
                    self.doc_line = None;
                }
                Event::DocumentEnd => {
                    let value = self.root.take().unwrap_or(Value::Null);
                    let line = self.doc_line.unwrap_or(mark.line().max(1));
                    self.docs.push(Document { value, line });
                    if self.docs.len() >= max_docs {
                        break;
                    }
                }
                Event::Scalar(mut text, style, anchor, tag) => {
                    self.note_start(mark);
                    if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded) {
                        let source = self.text;
                        let tail = self.tail.get_or_insert_with(|| BlockTail::new(source));
                        if let Some(fixed) = tail.fix(&text, mark) {
                            text = fixed;
                        }
                    }
                    let node = scalar_node(text, style, tag.as_ref(), mark)?;
                    self.finish(node, anchor)?;
                }
                Event::Alias(id) => {
                    self.note_start(mark);
                    let node = self.alias_node(id, mark)?;
                    self.finish(node, 0)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(FrameKind::Seq(Vec::new()), anchor, mark)?;
                }
                Event::MappingStart(anchor, _) => {
                    let kind = FrameKind::Map {
                        obj: Map::new(),
                        key: None,
                    };
                    self.open(kind, anchor, mark)?;
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(mark)?,
            }
        }
        Ok(self.docs)
    }

    /// Records where the document's content starts: the first node event.
    fn note_start(&mut self, mark: Marker) {
        if self.doc_line.is_none() {
            self.doc_line = Some(mark.line().max(1));
        } else if self.frames.len() == 1 && self.frames.first().is_some_and(|f| f.nodes == 1) {
            // yaml-rust2 marks a block mapping after its first key; the key's
            // own line is where the content really starts.
            let line = mark.line().max(1);
            if let Some(l) = self.doc_line.as_mut() {
                *l = (*l).min(line);
            }
        }
    }

    /// Charges a copy of an anchored value against the expansion budget.
    fn count_copy(&mut self, nodes: usize, bytes: usize, mark: Marker) -> Result<(), YamlError> {
        self.copied_nodes = self.copied_nodes.saturating_add(nodes);
        self.copied_bytes = self.copied_bytes.saturating_add(bytes);
        if self.copied_nodes > MAX_COPIED_NODES {
            return Err(YamlError::at(
                mark,
                format!("aliases expand to more than {MAX_COPIED_NODES} nodes"),
            ));
        }
        if self.copied_bytes > MAX_COPIED_BYTES {
            return Err(YamlError::at(
                mark,
                format!("aliases expand to more than {MAX_COPIED_BYTES} bytes"),
            ));
        }
        Ok(())
    }

    fn open(&mut self, kind: FrameKind, anchor: usize, mark: Marker) -> Result<(), YamlError> {
        self.note_start(mark);
        if self.expecting_key() {
            // go-yaml v2: "invalid map key"; JSON keys must be strings anyway.
            return Err(YamlError::at(mark, "non-scalar map key"));
        }
        if self.frames.len() >= MAX_DEPTH {
            return Err(YamlError::at(
                mark,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.frames.push(Frame {
            kind,
            anchor,
            nodes: 1,
            bytes: 0,
        });
        Ok(())
    }

    fn expecting_key(&self) -> bool {
        matches!(
            self.frames.last(),
            Some(Frame {
                kind: FrameKind::Map { key: None, .. },
                ..
            })
        )
    }

    fn close(&mut self, mark: Marker) -> Result<(), YamlError> {
        let Some(frame) = self.frames.pop() else {
            return Err(YamlError::at(mark, "unbalanced collection end"));
        };
        let value = match frame.kind {
            FrameKind::Seq(items) => Value::Array(items),
            FrameKind::Map { obj, key: None } => Value::Object(obj),
            FrameKind::Map { key: Some(_), .. } => {
                return Err(YamlError::at(mark, "mapping key without a value"));
            }
        };
        let node = Node {
            value,
            nodes: frame.nodes,
            bytes: frame.bytes,
            key: KeyForm::Value,
            mark,
        };
        self.finish(node, frame.anchor)
    }

    fn alias_node(&mut self, id: usize, mark: Marker) -> Result<Node, YamlError> {
        let Some(anchored) = self.anchors.get(&id) else {
            // yaml-rust2 knows the name but the value is not complete: either
            // it encloses this alias, or it belongs to an earlier document
            // (anchors are scoped to one document, as in go-yaml).
            let message = if self.frames.iter().any(|f| f.anchor == id) {
                "anchor value contains itself"
            } else {
                "unknown anchor referenced (anchors do not cross documents)"
            };
            return Err(YamlError::at(mark, message));
        };
        let (nodes, bytes) = (anchored.nodes, anchored.bytes);
        self.count_copy(nodes, bytes, mark)?;
        let value = self
            .anchors
            .get(&id)
            .map(|a| a.value.clone())
            .unwrap_or(Value::Null);
        Ok(Node {
            value,
            nodes,
            bytes,
            key: KeyForm::Value,
            mark,
        })
    }

    /// Registers the node's anchor, then hands the node to its parent.
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            // The copy kept for later aliases costs as much as an expansion.
            self.count_copy(node.nodes, node.bytes, node.mark)?;
            self.anchors.insert(
                anchor,
                Anchored {
                    value: node.value.clone(),
                    nodes: node.nodes,
                    bytes: node.bytes,
                },
            );
        }
        let Some(frame) = self.frames.last_mut() else {
            self.root = Some(node.value);
            return Ok(());
        };
        frame.nodes = frame.nodes.saturating_add(node.nodes);
        frame.bytes = frame.bytes.saturating_add(node.bytes);
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(node.value),
            FrameKind::Map { obj, key } => match key.take() {
                None => {
                    let slot = match node.key {
                        KeyForm::Merge => Slot::Merge,
                        KeyForm::NonFinite(f) => Slot::Key(format_float32_g(f)),
                        KeyForm::Value => Slot::Key(key_string(&node.value, node.mark)?),
                    };
                    *key = Some(slot);
                }
                Some(Slot::Key(k)) => {
                    obj.insert(k, node.value);
                }
                Some(Slot::Merge) => merge_into(obj, node.value, node.mark)?,
            },
        }
        Ok(())
    }
}

/// Corrects block scalars (`|`, `>`) that run to the end of the input.
///
/// yaml-rust2 treats the end of input as a final line break, so `k: |\n  a`
/// (no trailing newline) reads as `"a\n"` and an empty `k: |\n` as `"\n"`.
/// libyaml, and so Kyverno, only counts line breaks that are really there:
/// `"a"` and `""`. Files without a final newline are common, so for a block
/// scalar that reaches the end of the input the trailing line breaks are
/// recounted from the text with libyaml's chomping rules.
struct BlockTail<'t> {
    lines: Vec<&'t str>,
    /// For each line, the least indentation of the non-blank lines from it
    /// to the end (`usize::MAX` when all are blank), so checking whether a
    /// scalar reaches the end of the input costs O(1).
    min_indent_from: Vec<usize>,
}

impl<'t> BlockTail<'t> {
    fn new(text: &'t str) -> Self {
        let lines: Vec<&str> = text.split('\n').collect();
        let mut min_indent_from = vec![usize::MAX; lines.len() + 1];
        for (i, line) in lines.iter().enumerate().rev() {
            let next = min_indent_from.get(i + 1).copied().unwrap_or(usize::MAX);
            let own = if is_blank_line(line) {
                usize::MAX
            } else {
                line.bytes().take_while(|&b| b == b' ').count()
            };
            if let Some(slot) = min_indent_from.get_mut(i) {
                *slot = next.min(own);
            }
        }
        BlockTail {
            lines,
            min_indent_from,
        }
    }

    /// The libyaml value for a block scalar that reaches the end of the
    /// input, or `None` when yaml-rust2's value stands.
    fn fix(&self, value: &str, mark: Marker) -> Option<String> {
        let line = mark.line().checked_sub(1)?;
        let col = mark.col();
        let body = value.trim_end_matches('\n');
        if body.is_empty() {
            // No content line: yaml-rust2 then marks the indicator itself.
            let header = self.lines.get(line)?;
            if !matches!(header.chars().nth(col), Some('|' | '>')) {
                return None;
            }
            if self.min_indent_from.get(line + 1).copied() != Some(usize::MAX) {
                return None;
            }
            let rest: String = header.chars().skip(col + 1).collect();
            let breaks = self.lines.len().saturating_sub(line + 2);
            return Some(match chomping(&rest)? {
                Chomp::Keep => "\n".repeat(breaks),
                Chomp::Clip | Chomp::Strip => String::new(),
            });
        }
        // Content starts at `mark`, so its column is the block's indentation.
        if col == 0 || self.min_indent_from.get(line).copied()? < col {
            return None; // a less indented line ends the scalar first
        }
        let is_content = |i: &usize| {
            self.lines
                .get(*i)
                .is_some_and(|l| l.trim_end_matches('\r').chars().count() > col)
        };
        let last_content = (line..self.lines.len()).rev().find(is_content)?;
        let breaks = self.lines.len() - 1 - last_content;
        let header = self
            .lines
            .get(..line)?
            .iter()
            .rev()
            .find(|l| !is_blank_line(l))?;
        let keep = match header_chomping(header)? {
            Chomp::Strip => 0,
            Chomp::Clip => breaks.min(1),
            Chomp::Keep => breaks,
        };
        Some(format!("{body}{}", "\n".repeat(keep)))
    }
}

fn is_blank_line(line: &str) -> bool {
    line.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// Reads what follows `|`/`>`: `+`/`-` and an indentation digit in either
/// order, then nothing but an optional comment.
fn chomping(after_indicator: &str) -> Option<Chomp> {
    let mut chars = after_indicator.chars().peekable();
    let mut chomp = Chomp::Clip;
    for _ in 0..2 {
        match chars.peek() {
            Some('+') => chomp = Chomp::Keep,
            Some('-') => chomp = Chomp::Strip,
            Some('1'..='9') => {}
            _ => break,
        }
        chars.next();
    }
    let rest: String = chars.collect();
    let rest = rest.trim_end_matches('\r');
    let comment_only = matches!(rest.trim_start().chars().next(), None | Some('#'));
    (rest.is_empty() || (rest.starts_with([' ', '\t']) && comment_only)).then_some(chomp)
}

/// Finds the block indicator on a header line such as `key: !tag |+2 # c`:
/// the last valid `|`/`>` outside quotes and before any comment.
fn header_chomping(header: &str) -> Option<Chomp> {
    let mut quote: Option<char> = None;
    let mut prev_blank = true;
    let mut token_start = true;
    let mut found = None;
    for (i, c) in header.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                // A quote opens a quoted scalar only where a token starts;
                // inside a plain scalar (`a"b: |`) it is an ordinary character.
                '\'' | '"' if token_start => quote = Some(c),
                '#' if prev_blank => break,
                '|' | '>' => {
                    if let Some(chomp) = header.get(i + 1..).and_then(chomping) {
                        found = Some(chomp);
                    }
                }
                _ => {}
            },
        }
        prev_blank = c == ' ' || c == '\t';
        token_start = prev_blank || matches!(c, '[' | '{' | ',');
    }
    found
}

/// Converts a resolved key to the string `sigs.k8s.io/yaml` would use.
fn key_string(value: &Value, mark: Marker) -> Result<String, YamlError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i.to_string())
            } else if let Some(f) = n.as_f64().filter(|_| !n.is_u64()) {
                Ok(format_float32_g(f))
            } else {
                // go-yaml yields uint64 here, which sigs.k8s.io/yaml rejects.
                Err(YamlError::at(
                    mark,
                    format!("unsupported map key of type uint64: {n}"),
                ))
            }
        }
        // sigs.k8s.io/yaml rejects a nil key rather than inventing a name.
        Value::Null => Err(YamlError::at(mark, "unsupported map key: null")),
        Value::Array(_) | Value::Object(_) => Err(YamlError::at(mark, "non-scalar map key")),
    }
}

/// Applies a `<<` merge the way go-yaml v2 does: the merged maps are written
/// into the mapping at the point where `<<` appears, so keys written after it
/// win and keys written before it are overridden; within a list of maps the
/// earlier maps take precedence.
fn merge_into(obj: &mut Map<String, Value>, value: Value, mark: Marker) -> Result<(), YamlError> {
    let want_map = || {
        YamlError::at(
            mark,
            "map merge requires map or sequence of maps as the value",
        )
    };
    match value {
        Value::Object(m) => {
            obj.extend(m);
            Ok(())
        }
        Value::Array(items) => {
            if !items.iter().all(Value::is_object) {
                return Err(want_map());
            }
            for item in items.into_iter().rev() {
                if let Value::Object(m) = item {
                    obj.extend(m);
                }
            }
            Ok(())
        }
        _ => Err(want_map()),
    }
}

// ---------------------------------------------------------------------------
// Scalar resolution: a port of go-yaml v2 resolve.go and decoder.scalar.

/// What go-yaml v2's `resolve` decides a scalar is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A timestamp; decoded into `interface{}` it stays the original string.
    Timestamp,
    Str,
}

impl Resolved {
    fn short_tag(self) -> &'static str {
        match self {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) | Resolved::Uint(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Timestamp => "!!timestamp",
            Resolved::Str => "!!str",
        }
    }
}

/// The tags go-yaml knows how to resolve, plus `!!binary`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum KnownTag {
    Str,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
    Binary,
}

impl KnownTag {
    fn from_full(tag: &str) -> Option<KnownTag> {
        Some(match tag.strip_prefix(TAG_PREFIX)? {
            "str" => KnownTag::Str,
            "bool" => KnownTag::Bool,
            "int" => KnownTag::Int,
            "float" => KnownTag::Float,
            "null" => KnownTag::Null,
            "timestamp" => KnownTag::Timestamp,
            "binary" => KnownTag::Binary,
            _ => return None,
        })
    }

    fn short(self) -> &'static str {
        match self {
            KnownTag::Str => "!!str",
            KnownTag::Bool => "!!bool",
            KnownTag::Int => "!!int",
            KnownTag::Float => "!!float",
            KnownTag::Null => "!!null",
            KnownTag::Timestamp => "!!timestamp",
            KnownTag::Binary => "!!binary",
        }
    }
}

/// Builds the node for one scalar event, following go-yaml v2's
/// `decoder.scalar` into an `interface{}`.
fn scalar_node(
    text: String,
    style: TScalarStyle,
    tag: Option<&Tag>,
    mark: Marker,
) -> Result<Node, YamlError> {
    let full_tag = tag
        .map(|t| format!("{}{}", t.handle, t.suffix))
        .unwrap_or_default();
    // libyaml's "plain implicit": untagged plain scalars and the bare `!` tag.
    let implicit = (full_tag.is_empty() && style == TScalarStyle::Plain) || full_tag == "!";
    let is_merge = text == "<<" && (implicit || full_tag.strip_prefix(TAG_PREFIX) == Some("merge"));
    let bytes = text.len();
    let leaf = |value: Value, key: KeyForm| Node {
        value,
        nodes: 1,
        bytes,
        key,
        mark,
    };
    if is_merge {
        return Ok(leaf(Value::String(text), KeyForm::Merge));
    }
    if full_tag.is_empty() && !implicit {
        return Ok(leaf(Value::String(text), KeyForm::Value));
    }
    let known = if full_tag.is_empty() {
        None
    } else {
        match KnownTag::from_full(&full_tag) {
            Some(k) => Some(k),
            // Tags go-yaml cannot resolve leave the text as it is.
            None => return Ok(leaf(Value::String(text), KeyForm::Value)),
        }
    };
    let resolved = match known {
        None => resolve(&text, true),
        Some(KnownTag::Str) => Resolved::Str,
        Some(KnownTag::Binary) => {
            let decoded = decode_base64(&text).ok_or_else(|| {
                YamlError::at(mark, "!!binary value contains invalid base64 data")
            })?;
            return Ok(leaf(Value::String(decoded), KeyForm::Value));
        }
        Some(tag) => {
            let r = resolve(&text, tag == KnownTag::Timestamp);
            match (tag, r) {
                (KnownTag::Bool, Resolved::Bool(_))
                | (KnownTag::Int, Resolved::Int(_) | Resolved::Uint(_))
                | (KnownTag::Float, Resolved::Float(_))
                | (KnownTag::Null, Resolved::Null)
                | (KnownTag::Timestamp, Resolved::Timestamp) => r,
                // Only a Go `int` converts; a uint64 does not.
                (KnownTag::Float, Resolved::Int(i)) => Resolved::Float(i as f64),
                _ => {
                    return Err(YamlError::at(
                        mark,
                        format!(
                            "cannot decode {} `{}` as a {}",
                            r.short_tag(),
                            text,
                            tag.short()
                        ),
                    ));
                }
            }
        }
    };
    Ok(match resolved {
        Resolved::Null => leaf(Value::Null, KeyForm::Value),
        Resolved::Bool(b) => leaf(Value::Bool(b), KeyForm::Value),
        Resolved::Int(i) => leaf(Value::Number(i.into()), KeyForm::Value),
        Resolved::Uint(u) => leaf(Value::Number(u.into()), KeyForm::Value),
        Resolved::Float(f) => match Number::from_f64(f) {
            Some(n) => leaf(Value::Number(n), KeyForm::Value),
            // JSON cannot hold inf/nan; keep the text instead of failing.
            None => leaf(Value::String(text), KeyForm::NonFinite(f)),
        },
        Resolved::Timestamp | Resolved::Str => leaf(Value::String(text), KeyForm::Value),
    })
}

/// go-yaml v2 `resolve` for an untagged plain scalar (or one tagged with a
/// resolvable tag). `timestamps` mirrors its "only unquoted or !!timestamp"
/// rule.
fn resolve(s: &str, timestamps: bool) -> Resolved {
    // resolveTable: the first byte hints at what the scalar might be.
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return Resolved::Str,
    };
    if let Some(r) = resolve_map(s) {
        return r;
    }
    match hint {
        b'.' => {
            if let Some(f) = strconv::parse_float(s) {
                return Resolved::Float(f);
            }
        }
        b'D' | b'S' => {
            if timestamps && is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = strconv::parse_int(&plain, 0) {
                return Resolved::Int(i);
            }
            if let Some(u) = strconv::parse_uint(&plain, 0) {
                return Resolved::Uint(u);
            }
            if is_yaml_style_float(&plain) {
                if let Some(f) = strconv::parse_float(&plain) {
                    return Resolved::Float(f);
                }
            }
            // go-yaml's explicit 0b/-0b branches are subsumed by
            // strconv.ParseInt's own prefix handling (Go >= 1.13).
        }
        _ => {}
    }
    Resolved::Str
}

/// go-yaml v2 `resolveMap`.
fn resolve_map(s: &str) -> Option<Resolved> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// go-yaml v2's `yamlStyleFloat`:
/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let digits_from = |i: usize| b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if b.get(i) == Some(&b'.') {
        let n = digits_from(i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    } else {
        let n = digits_from(i);
        if n == 0 {
            return false;
        }
        i += n;
        if b.get(i) == Some(&b'.') {
            i += 1 + digits_from(i + 1);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits_from(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// go-yaml v2 `parseTimestamp`: Go's `time.Parse` with the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // Quick check: all date formats start with YYYY-.
    if b.iter().take_while(|c| c.is_ascii_digit()).count() != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    let mut cur = Cursor { b, i: 5 };
    let year: u32 = b
        .iter()
        .take(4)
        .fold(0, |acc, c| acc * 10 + u32::from(c - b'0'));
    let Some(month) = cur.num().filter(|m| (1..=12).contains(m)) else {
        return false;
    };
    if !cur.lit(b'-') {
        return false;
    }
    let Some(day) = cur.num() else {
        return false;
    };
    if day < 1 || day > days_in(month, year) {
        return false;
    }
    if cur.at_end() {
        return true;
    }
    let zoned = match cur.peek() {
        Some(b'T' | b't') => true,
        Some(b' ') => false,
        _ => return false,
    };
    cur.i += 1;
    let time_ok = cur.num().is_some_and(|h| h < 24)
        && cur.lit(b':')
        && cur.num().is_some_and(|m| m < 60)
        && cur.lit(b':')
        && cur.num().is_some_and(|s| s < 60);
    if !time_ok {
        return false;
    }
    if matches!(cur.peek(), Some(b'.' | b','))
        && cur.b.get(cur.i + 1).is_some_and(u8::is_ascii_digit)
    {
        cur.i += 1;
        while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            cur.i += 1;
        }
    }
    if zoned {
        match cur.peek() {
            Some(b'Z') => cur.i += 1,
            Some(b'+' | b'-') => {
                let two = |c: &Cursor, at: usize| -> Option<u32> {
                    let hi = char::from(*c.b.get(at)?).to_digit(10)?;
                    let lo = char::from(*c.b.get(at + 1)?).to_digit(10)?;
                    Some(hi * 10 + lo)
                };
                let hh = two(&cur, cur.i + 1);
                let colon = cur.b.get(cur.i + 3) == Some(&b':');
                let mm = two(&cur, cur.i + 4);
                match (hh, colon, mm) {
                    (Some(h), true, Some(m)) if h <= 24 && m <= 60 => cur.i += 6,
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
    cur.at_end()
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
    fn lit(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// Go's `getnum(value, false)`: one or two digits.
    fn num(&mut self) -> Option<u32> {
        let d0 = char::from(self.peek()?).to_digit(10)?;
        self.i += 1;
        match self.peek().and_then(|c| char::from(c).to_digit(10)) {
            Some(d1) => {
                self.i += 1;
                Some(d0 * 10 + d1)
            }
            None => Some(d0),
        }
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    // Signed on purpose: the workspace targets Rust 1.80, which lacks the
    // `is_multiple_of` that clippy suggests for unsigned `%` tests.
    let y = i64::from(year);
    match month {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `base64.StdEncoding.DecodeString`, which skips `\r` and `\n`, then
/// the string conversion `encoding/json` performs (each invalid UTF-8 byte
/// becomes U+FFFD).
fn decode_base64(s: &str) -> Option<String> {
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    if !clean.chunks_exact(4).remainder().is_empty() {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let chunks = clean.len() / 4;
    for (n, chunk) in clean.chunks_exact(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && n + 1 != chunks) {
            return None;
        }
        let mut acc = 0u32;
        for &c in chunk.iter().take(4 - pad) {
            acc = (acc << 6) | val(c)?;
        }
        acc <<= 6 * pad as u32;
        let bytes = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        out.extend(bytes.iter().take(3 - pad));
    }
    Some(go_string_from_bytes(&out))
}

fn go_string_from_bytes(mut bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                s.push_str(valid);
                return s;
            }
            Err(e) => {
                let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
                let rest = bytes.get(e.valid_up_to()..).unwrap_or_default();
                if rest.is_empty() {
                    return s;
                }
                s.push_str(std::str::from_utf8(good).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len()).max(1);
                for _ in 0..bad.min(rest.len()) {
                    s.push('\u{FFFD}');
                }
                bytes = rest.get(bad..).unwrap_or_default();
            }
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` with go-yaml's spellings of
/// the special values: the conversion `sigs.k8s.io/yaml` applies to float
/// map keys.
fn format_float32_g(f: f64) -> String {
    let f32v = f as f32;
    if f32v.is_nan() {
        return ".nan".to_string();
    }
    if f32v.is_infinite() {
        return if f32v > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    strconv::format_float_g(f, 32)
}

// ---------------------------------------------------------------------------
// Printing: a port of go-yaml v2's encoder and libyaml emitter, restricted to
// the events a JSON value produces.

/// Serialises a JSON value as YAML the way Go's `sigs.k8s.io/yaml` prints it.
///
/// This follows go-yaml v2's encoder and emitter: block style with 2-space
/// indentation, sequences inside maps not indented (`key:\n- a`), `{}`/`[]`
/// for empty collections, map keys in go-yaml's natural order (digit runs
/// compare numerically), strings plain when they would read back as the same
/// string, double-quoted when a plain spelling would resolve to something
/// else (`"yes"`, `"1"`, `""`, `"2001-01-01"`), single-quoted when they contain
/// indicators (`'a: b'`, `'- x'`), `|` literal blocks for multi-line text, and
/// long lines folded at 80 columns. Numbers print as `serde_json` prints
/// them. The output always ends with a newline and parses back, through
/// [`parse_value`], to the same value.
///
/// ```rust
/// let v = serde_json::json!({"a": ["x", "yes"], "b": {}, "c": "l1\nl2"});
/// assert_eq!(verno::unstable::yaml::to_yaml_string(&v), "a:\n- x\n- \"yes\"\nb: {}\nc: |-\n  l1\n  l2\n");
/// ```
pub fn to_yaml_string(value: &Value) -> String {
    emit(value, BEST_WIDTH)
}

/// Like [`to_yaml_string`], but never folds long lines, as yaml.v3's encoder
/// does where Kyverno prints admission denials (`GetBlockedMessages`).
pub fn to_yaml_string_unfolded(value: &Value) -> String {
    emit(value, usize::MAX)
}

fn emit(value: &Value, width: usize) -> String {
    let events = events_of(value);
    let mut emitter = Emitter::new(&events);
    emitter.best_width = width;
    emitter.run();
    emitter.finish()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

#[derive(Debug)]
enum Ev {
    SeqStart,
    SeqEnd,
    MapStart,
    MapEnd,
    Scalar(String, ScalarStyle),
}

/// Flattens the value into emitter events without recursion, so a deeply
/// nested value cannot overflow the stack.
fn events_of(value: &Value) -> Vec<Ev> {
    enum Work<'a> {
        Value(&'a Value),
        Key(&'a str),
        End(bool),
    }
    let mut events = Vec::new();
    let mut stack = vec![Work::Value(value)];
    while let Some(work) = stack.pop() {
        match work {
            Work::End(is_map) => events.push(if is_map { Ev::MapEnd } else { Ev::SeqEnd }),
            Work::Key(k) => events.push(string_event(k)),
            Work::Value(v) => match v {
                Value::Null => events.push(Ev::Scalar("null".into(), ScalarStyle::Plain)),
                Value::Bool(b) => events.push(Ev::Scalar(b.to_string(), ScalarStyle::Plain)),
                Value::Number(n) => events.push(Ev::Scalar(n.to_string(), ScalarStyle::Plain)),
                Value::String(s) => events.push(string_event(s)),
                Value::Array(items) => {
                    events.push(Ev::SeqStart);
                    stack.push(Work::End(false));
                    stack.extend(items.iter().rev().map(Work::Value));
                }
                Value::Object(obj) => {
                    events.push(Ev::MapStart);
                    stack.push(Work::End(true));
                    // Decode each key once rather than on every comparison.
                    let entries: Vec<(Vec<char>, &String, &Value)> = obj
                        .iter()
                        .map(|(k, v)| (k.chars().collect(), k, v))
                        .collect();
                    let order = sorted_order(&entries, |a, b| go_key_less(&a.0, &b.0));
                    for (_, k, v) in order.iter().rev().filter_map(|&i| entries.get(i)) {
                        stack.push(Work::Value(v));
                        stack.push(Work::Key(k));
                    }
                }
            },
        }
    }
    events
}

/// go-yaml v2 `encoder.stringv`: the style requested for a string.
fn string_event(s: &str) -> Ev {
    let style = if s.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        // go-yaml writes these raw as line breaks, as YAML 1.1 allows, but
        // yaml-rust2 reads them as ordinary characters (YAML 1.2), so the
        // text would not read back intact. Escapes read back everywhere.
        ScalarStyle::DoubleQuoted
    } else if s.contains('\n') {
        ScalarStyle::Literal
    } else if resolve(s, true) == Resolved::Str && !is_base60_float(s) && s != "<<" {
        // go-yaml would print a `<<` key plain, which then reads back as a
        // merge key; quoting it keeps the value intact.
        ScalarStyle::Plain
    } else {
        ScalarStyle::DoubleQuoted
    };
    Ev::Scalar(s.to_string(), style)
}

/// go-yaml v2 `isBase60Float`:
/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) || !s.contains(':') {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => i += 2,
            (Some(b'0'..=b'9'), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml v2 `keyList.Less` for string keys: letters sort by code point,
/// non-letters before letters, and digit runs compare as numbers.
fn go_key_less(ar: &[char], br: &[char]) -> bool {
    let is_letter = |c: char| c.is_alphabetic();
    let is_digit = |c: char| c.is_ascii_digit() || (u32::from(c) > 0xFF && c.is_numeric());
    let digit_val = |c: char| i64::from(u32::from(c)).wrapping_sub(i64::from(u32::from('0')));
    for (i, (&ac, &bc)) in ar.iter().zip(br.iter()).enumerate() {
        if ac == bc {
            continue;
        }
        let al = is_letter(ac);
        let bl = is_letter(bc);
        if al && bl {
            return ac < bc;
        }
        if al || bl {
            return bl;
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ac == '0' || bc == '0' {
            for &c in ar.get(..i).unwrap_or_default().iter().rev() {
                if !is_digit(c) {
                    break;
                }
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        for &c in ar
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&c| is_digit(c))
        {
            an = an.wrapping_mul(10).wrapping_add(digit_val(c));
            ai += 1;
        }
        let mut bi = i;
        for &c in br
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&c| is_digit(c))
        {
            bn = bn.wrapping_mul(10).wrapping_add(digit_val(c));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ac < bc;
    }
    ar.len() < br.len()
}

/// A stable merge sort driven by a "less" predicate, returning the sorted
/// order as indices. `slice::sort_by` may panic when the comparison is not a
/// total order, and go-yaml's natural key order is not guaranteed to be one.
fn sorted_order<T>(items: &[T], less: impl Fn(&T, &T) -> bool) -> Vec<usize> {
    let n = items.len();
    let mut src: Vec<usize> = (0..n).collect();
    let mut dst = src.clone();
    let is_less = |a: usize, b: usize| match (items.get(a), items.get(b)) {
        (Some(x), Some(y)) => less(x, y),
        _ => false,
    };
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            for slot in dst.iter_mut().take(end).skip(start) {
                let take_right = match (src.get(i), src.get(j)) {
                    (Some(&l), Some(&r)) if i < mid && j < end => is_less(r, l),
                    _ => i >= mid,
                };
                let picked = if take_right { src.get(j) } else { src.get(i) };
                if let Some(&p) = picked {
                    *slot = p;
                }
                if take_right {
                    j += 1;
                } else {
                    i += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    src
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    DocumentContent,
    DocumentEnd,
    FlowSequenceFirstItem,
    FlowSequenceItem,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingSimpleValue,
    FlowMappingValue,
    BlockSequenceFirstItem,
    BlockSequenceItem,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingSimpleValue,
    BlockMappingValue,
    End,
}

/// `yaml_emitter_analyze_scalar`'s verdict for the current scalar.
#[derive(Debug, Default, Clone, Copy)]
struct ScalarAnalysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// The libyaml emitter state, as in go-yaml v2's `emitterc.go`.
struct Emitter<'e> {
    events: &'e [Ev],
    head: usize,
    out: Vec<u8>,
    state: State,
    states: Vec<State>,
    indent: isize,
    indents: Vec<isize>,
    flow_level: usize,
    column: usize,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
    analysis: ScalarAnalysis,
    style: ScalarStyle,
    best_width: usize,
}

const BEST_INDENT: isize = 2;
const BEST_WIDTH: usize = 80;

impl<'e> Emitter<'e> {
    fn new(events: &'e [Ev]) -> Self {
        Emitter {
            events,
            head: 0,
            out: Vec::new(),
            // Stream start and an implicit first document print nothing.
            state: State::DocumentContent,
            states: Vec::new(),
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            column: 0,
            whitespace: true,
            indention: true,
            mapping_context: false,
            simple_key_context: false,
            analysis: ScalarAnalysis::default(),
            style: ScalarStyle::Plain,
            best_width: BEST_WIDTH,
        }
    }

    fn run(&mut self) {
        while let Some(ev) = self.events.get(self.head) {
            if let Ev::Scalar(value, _) = ev {
                self.analysis = analyze_scalar(value.as_bytes());
            }
            self.step(ev);
            self.head += 1;
        }
        if self.state == State::DocumentEnd {
            // Implicit document end: just terminate the last line.
            self.write_indent();
            self.state = State::End;
        }
    }

    fn finish(self) -> String {
        match String::from_utf8(self.out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    fn step(&mut self, ev: &Ev) {
        match self.state {
            State::DocumentContent => {
                self.states.push(State::DocumentEnd);
                self.emit_node(ev, false, false);
            }
            State::FlowSequenceFirstItem => self.flow_sequence_item(ev, true),
            State::FlowSequenceItem => self.flow_sequence_item(ev, false),
            State::FlowMappingFirstKey => self.flow_mapping_key(ev, true),
            State::FlowMappingKey => self.flow_mapping_key(ev, false),
            State::FlowMappingSimpleValue => self.flow_mapping_value(ev, true),
            State::FlowMappingValue => self.flow_mapping_value(ev, false),
            State::BlockSequenceFirstItem => self.block_sequence_item(ev, true),
            State::BlockSequenceItem => self.block_sequence_item(ev, false),
            State::BlockMappingFirstKey => self.block_mapping_key(ev, true),
            State::BlockMappingKey => self.block_mapping_key(ev, false),
            State::BlockMappingSimpleValue => self.block_mapping_value(ev, true),
            State::BlockMappingValue => self.block_mapping_value(ev, false),
            // A JSON value is exactly one node; nothing else can follow.
            State::DocumentEnd | State::End => {}
        }
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::End);
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn flow_sequence_item(&mut self, ev: &Ev, first: bool) {
        if first {
            self.write_indicator(b"[", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
        }
        if matches!(ev, Ev::SeqEnd) {
            self.flow_level = self.flow_level.saturating_sub(1);
            self.pop_indent();
            self.write_indicator(b"]", false, false, false);
            self.pop_state();
            return;
        }
        if !first {
            self.write_indicator(b",", false, false, false);
        }
        if self.column > self.best_width {
            self.write_indent();
        }
        self.states.push(State::FlowSequenceItem);
        self.emit_node(ev, false, false);
    }

    fn flow_mapping_key(&mut self, ev: &Ev, first: bool) {
        if first {
            self.write_indicator(b"{", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
        }
        if matches!(ev, Ev::MapEnd) {
            self.flow_level = self.flow_level.saturating_sub(1);
            self.pop_indent();
            self.write_indicator(b"}", false, false, false);
            self.pop_state();
            return;
        }
        if !first {
            self.write_indicator(b",", false, false, false);
        }
        if self.column > self.best_width {
            self.write_indent();
        }
        if self.check_simple_key() {
            self.states.push(State::FlowMappingSimpleValue);
            self.emit_node(ev, true, true);
        } else {
            self.write_indicator(b"?", true, false, false);
            self.states.push(State::FlowMappingValue);
            self.emit_node(ev, true, false);
        }
    }

    fn flow_mapping_value(&mut self, ev: &Ev, simple: bool) {
        if simple {
            self.write_indicator(b":", false, false, false);
        } else {
            if self.column > self.best_width {
                self.write_indent();
            }
            self.write_indicator(b":", true, false, false);
        }
        self.states.push(State::FlowMappingKey);
        self.emit_node(ev, true, false);
    }

    fn block_sequence_item(&mut self, ev: &Ev, first: bool) {
        if first {
            // Inside a mapping the dashes line up with the key: `key:\n- a`.
            let indentless = self.mapping_context && !self.indention;
            self.increase_indent(false, indentless);
        }
        if matches!(ev, Ev::SeqEnd) {
            self.pop_indent();
            self.pop_state();
            return;
        }
        self.write_indent();
        self.write_indicator(b"-", true, false, true);
        self.states.push(State::BlockSequenceItem);
        self.emit_node(ev, false, false);
    }

    fn block_mapping_key(&mut self, ev: &Ev, first: bool) {
        if first {
            self.increase_indent(false, false);
        }
        if matches!(ev, Ev::MapEnd) {
            self.pop_indent();
            self.pop_state();
            return;
        }
        self.write_indent();
        if self.check_simple_key() {
            self.states.push(State::BlockMappingSimpleValue);
            self.emit_node(ev, true, true);
        } else {
            self.write_indicator(b"?", true, false, true);
            self.states.push(State::BlockMappingValue);
            self.emit_node(ev, true, false);
        }
    }

    fn block_mapping_value(&mut self, ev: &Ev, simple: bool) {
        if simple {
            self.write_indicator(b":", false, false, false);
        } else {
            self.write_indent();
            self.write_indicator(b":", true, false, true);
        }
        self.states.push(State::BlockMappingKey);
        self.emit_node(ev, true, false);
    }

    fn emit_node(&mut self, ev: &Ev, mapping: bool, simple_key: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match ev {
            Ev::Scalar(value, style) => self.emit_scalar(value.as_bytes(), *style),
            Ev::SeqStart => {
                self.state = if self.flow_level > 0 || self.next_is(|e| matches!(e, Ev::SeqEnd)) {
                    State::FlowSequenceFirstItem
                } else {
                    State::BlockSequenceFirstItem
                };
            }
            Ev::MapStart => {
                self.state = if self.flow_level > 0 || self.next_is(|e| matches!(e, Ev::MapEnd)) {
                    State::FlowMappingFirstKey
                } else {
                    State::BlockMappingFirstKey
                };
            }
            // Ends are consumed by the item states; reaching here means an
            // unbalanced stream, which events_of never produces.
            Ev::SeqEnd | Ev::MapEnd => self.pop_state(),
        }
    }

    fn next_is(&self, pred: impl Fn(&Ev) -> bool) -> bool {
        self.events.get(self.head + 1).is_some_and(pred)
    }

    fn check_simple_key(&self) -> bool {
        match self.events.get(self.head) {
            Some(Ev::Scalar(value, _)) => !self.analysis.multiline && value.len() <= 128,
            Some(Ev::SeqStart) => self.next_is(|e| matches!(e, Ev::SeqEnd)),
            Some(Ev::MapStart) => self.next_is(|e| matches!(e, Ev::MapEnd)),
            _ => false,
        }
    }

    fn emit_scalar(&mut self, value: &[u8], requested: ScalarStyle) {
        self.select_scalar_style(value, requested);
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match self.style {
            ScalarStyle::Plain => self.write_plain(value, allow_breaks),
            ScalarStyle::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            ScalarStyle::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            ScalarStyle::Literal => self.write_literal(value),
        }
        self.pop_indent();
        self.pop_state();
    }

    fn select_scalar_style(&mut self, value: &[u8], requested: ScalarStyle) {
        let a = self.analysis;
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = ScalarStyle::SingleQuoted;
            }
            if value.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = ScalarStyle::SingleQuoted;
            }
        }
        if style == ScalarStyle::SingleQuoted && !a.single_quoted_allowed {
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = ScalarStyle::DoubleQuoted;
        }
        self.style = style;
    }

    // -- low-level writers ---------------------------------------------------

    fn put(&mut self, c: u8) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push(b'\n');
        self.column = 0;
    }

    /// Copies one UTF-8 character; the column counts characters.
    fn write(&mut self, s: &[u8], i: &mut usize) {
        let w = width(at(s, *i)).max(1);
        if let Some(ch) = s.get(*i..*i + w) {
            self.out.extend_from_slice(ch);
        }
        self.column += 1;
        *i += w;
    }

    fn write_all(&mut self, s: &[u8]) {
        let mut i = 0;
        while i < s.len() {
            self.write(s, &mut i);
        }
    }

    fn write_break(&mut self, s: &[u8], i: &mut usize) {
        if at(s, *i) == b'\n' {
            self.put_break();
            *i += 1;
        } else {
            self.write(s, i);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(b' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &[u8],
        need_ws: bool,
        is_ws: bool,
        is_indention: bool,
    ) {
        if need_ws && !self.whitespace {
            self.put(b' ');
        }
        self.write_all(indicator);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn write_plain(&mut self, value: &[u8], allow_breaks: bool) {
        if !self.whitespace {
            self.put(b' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && !is_space(value, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && at(value, i) == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &[u8], allow_breaks: bool) {
        self.write_indicator(b"'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < value.len()
                    && !is_space(value, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && at(value, i) == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if at(value, i) == b'\'' {
                    self.put(b'\'');
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator(b"'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &[u8], allow_breaks: bool) {
        self.write_indicator(b"\"", true, false, false);
        // libyaml's is_bom looks at the start of the value, not at `i`.
        let starts_with_bom = value.starts_with(&[0xEF, 0xBB, 0xBF]);
        let mut spaces = false;
        let mut i = 0;
        while i < value.len() {
            let c = at(value, i);
            if !is_printable(value, i)
                || starts_with_bom
                || is_break(value, i)
                || c == b'"'
                || c == b'\\'
            {
                let w = width(c).max(1);
                let mut v: u32 = match w {
                    1 => u32::from(c & 0x7F),
                    2 => u32::from(c & 0x1F),
                    3 => u32::from(c & 0x0F),
                    _ => u32::from(c & 0x07),
                };
                for k in 1..w {
                    v = (v << 6) + u32::from(at(value, i + k) & 0x3F);
                }
                i += w;
                self.put(b'\\');
                let short = match v {
                    0x00 => Some(b'0'),
                    0x07 => Some(b'a'),
                    0x08 => Some(b'b'),
                    0x09 => Some(b't'),
                    0x0A => Some(b'n'),
                    0x0B => Some(b'v'),
                    0x0C => Some(b'f'),
                    0x0D => Some(b'r'),
                    0x1B => Some(b'e'),
                    0x22 => Some(b'"'),
                    0x5C => Some(b'\\'),
                    0x85 => Some(b'N'),
                    0xA0 => Some(b'_'),
                    0x2028 => Some(b'L'),
                    0x2029 => Some(b'P'),
                    _ => None,
                };
                match short {
                    Some(e) => self.put(e),
                    None => {
                        let (letter, digits) = if v <= 0xFF {
                            (b'x', 2)
                        } else if v <= 0xFFFF {
                            (b'u', 4)
                        } else {
                            (b'U', 8)
                        };
                        self.put(letter);
                        for k in (0..digits).rev() {
                            let digit = ((v >> (4 * k)) & 0x0F) as u8;
                            self.put(if digit < 10 {
                                b'0' + digit
                            } else {
                                b'A' + digit - 10
                            });
                        }
                    }
                }
                spaces = false;
            } else if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < value.len()
                {
                    self.write_indent();
                    if is_space(value, i + 1) {
                        self.put(b'\\');
                    }
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else {
                self.write(value, &mut i);
                spaces = false;
            }
        }
        self.write_indicator(b"\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_scalar_hints(&mut self, value: &[u8]) {
        if is_space(value, 0) || is_break(value, 0) {
            let hint = [b'0' + BEST_INDENT as u8];
            self.write_indicator(&hint, false, false, false);
        }
        let chomp = match last_char_start(value, value.len()) {
            None => Some(b'-'),
            Some(last) if !is_break(value, last) => Some(b'-'),
            Some(0) => Some(b'+'),
            Some(last) => match last_char_start(value, last) {
                Some(prev) if is_break(value, prev) => Some(b'+'),
                _ => None,
            },
        };
        if let Some(c) = chomp {
            self.write_indicator(&[c], false, false, false);
        }
    }

    fn write_literal(&mut self, value: &[u8]) {
        self.write_indicator(b"|", true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < value.len() {
            if is_break(value, i) {
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// Start index of the UTF-8 character that ends just before `end`.
fn last_char_start(s: &[u8], end: usize) -> Option<usize> {
    let mut i = end.checked_sub(1)?;
    while at(s, i) & 0xC0 == 0x80 {
        i = i.checked_sub(1)?;
    }
    Some(i)
}

/// The byte at `i`, or NUL past the end (libyaml relies on a terminator).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

fn width(b: u8) -> usize {
    if b & 0x80 == 0x00 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        0
    }
}

fn is_space(s: &[u8], i: usize) -> bool {
    at(s, i) == b' '
}

fn is_blank(s: &[u8], i: usize) -> bool {
    matches!(at(s, i), b' ' | b'\t')
}

fn is_break(s: &[u8], i: usize) -> bool {
    match at(s, i) {
        b'\r' | b'\n' => true,
        0xC2 => at(s, i + 1) == 0x85,
        0xE2 => at(s, i + 1) == 0x80 && matches!(at(s, i + 2), 0xA8 | 0xA9),
        _ => false,
    }
}

fn is_blankz(s: &[u8], i: usize) -> bool {
    is_blank(s, i) || is_break(s, i) || at(s, i) == 0
}

/// libyaml's `is_printable`; note it rejects tabs and every 4-byte
/// character, which therefore end up escaped in double quotes.
fn is_printable(s: &[u8], i: usize) -> bool {
    let b0 = at(s, i);
    let b1 = at(s, i + 1);
    let b2 = at(s, i + 2);
    b0 == 0x0A
        || (0x20..=0x7E).contains(&b0)
        || (b0 == 0xC2 && b1 >= 0xA0)
        || (b0 > 0xC2 && b0 < 0xED)
        || (b0 == 0xED && b1 < 0xA0)
        || b0 == 0xEE
        || (b0 == 0xEF
            && !(b1 == 0xBB && b2 == 0xBF)
            && !(b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)))
}

/// `yaml_emitter_analyze_scalar`.
fn analyze_scalar(value: &[u8]) -> ScalarAnalysis {
    if value.is_empty() {
        return ScalarAnalysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;

    if value.starts_with(b"---") || value.starts_with(b"...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < value.len() {
        let w = width(at(value, i)).max(1);
        let followed_by_whitespace = i + w >= value.len() || is_blank(value, i + w);
        let c = at(value, i);
        if i == 0 {
            match c {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>'
                | b'\'' | b'"' | b'%' | b'@' | b'`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                b'?' | b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                b',' | b'?' | b'[' | b']' | b'{' | b'}' => flow_indicators = true,
                b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(value, i) {
            special_characters = true;
        }
        if is_space(value, i) {
            if i == 0 {
                leading_space = true;
            }
            if i + w == value.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(value, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == value.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(value, i);
        i += w;
    }

    let mut a = ScalarAnalysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(text: &str) -> Value {
        match parse_value(text) {
            Ok(v) => v,
            Err(e) => panic!("parse_value({text:?}) failed: {e}"),
        }
    }

    fn scalar(text: &str) -> Value {
        v(&format!("k: {text}\n"))["k"].clone()
    }

    fn err(text: &str) -> YamlError {
        match parse_documents(text) {
            Ok(d) => panic!("expected an error for {text:?}, got {d:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn bool_spellings() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(scalar(t), json!(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert_eq!(scalar(f), json!(false), "{f}");
        }
        for s in ["yEs", "TRue", "oN", "nO", "ya", "t", "f"] {
            assert_eq!(scalar(s), json!(s), "{s}");
        }
    }

    #[test]
    fn null_forms() {
        for n in ["~", "null", "Null", "NULL", ""] {
            assert_eq!(scalar(n), Value::Null, "{n:?}");
        }
        assert_eq!(scalar("nULL"), json!("nULL"));
        assert_eq!(scalar("'null'"), json!("null"));
    }

    #[test]
    fn integers() {
        assert_eq!(scalar("0644"), json!(420));
        assert_eq!(scalar("1_000"), json!(1000));
        assert_eq!(scalar("0x1F"), json!(31));
        assert_eq!(scalar("0X1f"), json!(31));
        assert_eq!(scalar("0b1010"), json!(10));
        assert_eq!(scalar("-0b1010"), json!(-10));
        assert_eq!(scalar("0o17"), json!(15));
        assert_eq!(scalar("+12"), json!(12));
        assert_eq!(scalar("-0"), json!(0));
        assert_eq!(scalar("0"), json!(0));
        assert_eq!(scalar("-9223372036854775808"), json!(i64::MIN));
        assert_eq!(scalar("9223372036854775807"), json!(i64::MAX));
        assert_eq!(scalar("18446744073709551615"), json!(u64::MAX));
        // Too big for u64: a float, as go-yaml falls through to ParseFloat.
        assert_eq!(
            scalar("18446744073709551616"),
            json!(18446744073709551616.0)
        );
        assert_eq!(scalar("0x1FFFFFFFFFFFFFFFF"), json!("0x1FFFFFFFFFFFFFFFF"));
        // Not valid octal, but matches the float pattern.
        assert_eq!(scalar("09"), json!(9.0));
        assert_eq!(scalar("0x"), json!("0x"));
        assert_eq!(scalar("190:20:30"), json!("190:20:30"));
        assert_eq!(scalar("1-2"), json!("1-2"));
        assert_eq!(resolve("+", true), Resolved::Str);
        assert_eq!(resolve("-", true), Resolved::Str);
        assert_eq!(scalar("+1_"), json!(1));
    }

    #[test]
    fn floats() {
        assert_eq!(scalar("1e3"), json!(1000.0));
        assert_eq!(scalar("1.5"), json!(1.5));
        assert_eq!(scalar("-1.5e3"), json!(-1500.0));
        assert_eq!(scalar(".5"), json!(0.5));
        assert_eq!(scalar("-.5"), json!(-0.5));
        assert_eq!(scalar("1."), json!(1.0));
        assert_eq!(scalar("1.0"), json!(1.0));
        assert_eq!(scalar("1_0.5"), json!(10.5));
        assert_eq!(scalar("1e400"), json!("1e400"));
        assert_eq!(scalar("1e"), json!("1e"));
        assert_eq!(scalar(".e3"), json!(".e3"));
        for s in [".inf", "-.inf", "+.inf", ".NaN", ".nan", ".INF"] {
            assert_eq!(scalar(s), json!(s), "{s}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_stay_strings() {
        assert_eq!(scalar("\"yes\""), json!("yes"));
        assert_eq!(scalar("'0644'"), json!("0644"));
        assert_eq!(scalar("'1e3'"), json!("1e3"));
        assert_eq!(v("k: |\n  yes\n"), json!({"k": "yes\n"}));
        assert_eq!(v("k: >-\n  a\n  b\n"), json!({"k": "a b"}));
        assert_eq!(v("k: |+\n  a\n\n"), json!({"k": "a\n\n"}));
        assert_eq!(scalar("2001-12-14"), json!("2001-12-14"));
        assert_eq!(scalar("hello world"), json!("hello world"));
    }

    #[test]
    fn explicit_tags() {
        assert_eq!(scalar("!!str 123"), json!("123"));
        assert_eq!(scalar("!!str yes"), json!("yes"));
        assert_eq!(scalar("!!int \"0x10\""), json!(16));
        assert_eq!(scalar("!!float 1"), json!(1.0));
        assert_eq!(scalar("!!bool 'on'"), json!(true));
        assert_eq!(scalar("!!null ''"), Value::Null);
        assert_eq!(
            scalar("!!timestamp 2001-12-14t21:59:43.10Z"),
            json!("2001-12-14t21:59:43.10Z")
        );
        assert_eq!(scalar("!<tag:yaml.org,2002:int> '7'"), json!(7));
        assert_eq!(scalar("!!binary aGVsbG8="), json!("hello"));
        // Tags go-yaml cannot resolve leave the text alone.
        assert_eq!(scalar("!custom 12"), json!("12"));
        assert_eq!(scalar("! 12"), json!("12"));
        let e = err("k: !!int 1.5\n");
        assert_eq!(e.message, "cannot decode !!float `1.5` as a !!int");
        assert_eq!((e.line, e.column), (1, 10));
        assert!(err("k: !!bool maybe\n").message.contains("as a !!bool"));
        assert!(err("k: !!null 0\n").message.contains("as a !!null"));
        assert!(err("k: !!timestamp soon\n")
            .message
            .contains("as a !!timestamp"));
        assert!(err("k: !!binary '%%%'\n").message.contains("base64"));
    }

    #[test]
    fn map_keys_become_strings() {
        assert_eq!(v("on: 1\n"), json!({"true": 1}));
        assert_eq!(v("yes: a\nno: b\n"), json!({"true": "a", "false": "b"}));
        assert_eq!(v("0644: x\n"), json!({"420": "x"}));
        assert_eq!(
            v("1.5: a\n1e6: b\n1.0: c\n"),
            json!({"1.5": "a", "1e+06": "b", "1": "c"})
        );
        assert_eq!(v("0.1: x\n"), json!({"0.1": "x"}));
        assert_eq!(v(".inf: a\n+.inf: b\n"), json!({".inf": "b"}));
        assert_eq!(v("'on': 1\n"), json!({"on": 1}));
        assert!(err("~: 1\n").message.contains("null"));
        assert!(err("18446744073709551615: 1\n").message.contains("uint64"));
        assert_eq!(err("? [a]\n: b\n").message, "non-scalar map key");
        assert_eq!(err("{a: 1}: b\n").message, "non-scalar map key");
        assert_eq!(err("x: &l [1]\n*l : 2\n").message, "non-scalar map key");
    }

    #[test]
    fn float_key_format_matches_go() {
        let cases = [
            (0.0, "0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (100000.0, "100000"),
            (1_000_000.0, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (std::f64::consts::PI, "3.1415927"),
            (1e300, ".inf"),
        ];
        for (f, s) in cases {
            assert_eq!(format_float32_g(f), s, "{f}");
        }
    }

    #[test]
    fn duplicate_keys_last_wins() {
        assert_eq!(v("a: 1\na: 2\n"), json!({"a": 2}));
        assert_eq!(v("true: 1\n'true': 2\n"), json!({"true": 2}));
    }

    #[test]
    fn anchors_aliases_and_merges() {
        let doc = "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\nlist: &l [1, 2]\ncopy: *l\ny: *l\n";
        assert_eq!(
            v(doc),
            // `y` is a YAML 1.1 boolean, even as a key.
            json!({"base": {"a": 1, "b": 2}, "x": {"a": 1, "b": 3}, "list": [1, 2], "copy": [1, 2], "true": [1, 2]})
        );
        let multi = "a: &a {k: a, a: 1}\nb: &b {k: b, b: 1}\nc:\n  <<: [*a, *b]\n  c: 1\n";
        assert_eq!(v(multi)["c"], json!({"k": "a", "a": 1, "b": 1, "c": 1}));
        // go-yaml v2 applies the merge in place: a key before `<<` is overridden.
        assert_eq!(
            v("a: &a {k: 1}\nb:\n  k: 2\n  <<: *a\n")["b"],
            json!({"k": 1})
        );
        assert_eq!(v("b:\n  <<: {k: 1}\n")["b"], json!({"k": 1}));
        // A quoted `<<` is an ordinary key.
        assert_eq!(v("'<<': 1\n"), json!({"<<": 1}));
        assert_eq!(v("k: <<\n"), json!({"k": "<<"}));
        assert!(err("a: &a 1\nb:\n  <<: *a\n").message.contains("map merge"));
        assert!(err("b:\n  <<: [1]\n").message.contains("map merge"));
        // Anchored scalars resolve before they are copied.
        assert_eq!(v("a: &n 0644\nb: *n\n"), json!({"a": 420, "b": 420}));
        assert_eq!(v("a: &k yes\n*k : 1\n"), json!({"a": true, "true": 1}));
    }

    #[test]
    fn self_referencing_anchor_is_an_error() {
        assert!(err("a: &a [1, *a]\n").message.contains("contains itself"));
        assert!(err("a: &a {b: [*a]}\n").message.contains("contains itself"));
        assert!(err("a: &x 1\n---\nb: *x\n")
            .message
            .starts_with("unknown anchor"));
        assert!(err("a: *nope\n").line == 1);
        // A name may be reused; aliases see the latest definition.
        assert_eq!(
            v("a: &x 1\nb: &x 2\nc: *x\n"),
            json!({"a": 1, "b": 2, "c": 2})
        );
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            doc.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = err(&doc);
        assert!(e.message.starts_with("aliases expand to more than"), "{e}");
        assert!(e.line >= 5, "{e}");
    }

    #[test]
    fn large_documents_are_not_mistaken_for_bombs() {
        // Only copies made by aliases count against the expansion budget.
        let text = format!("[{}]", vec!["1"; MAX_COPIED_NODES + 10].join(","));
        assert_eq!(
            parse_value(&text).map(|v| v.as_array().map(Vec::len)),
            Ok(Some(MAX_COPIED_NODES + 10))
        );
        let shared = format!("a: &a [{}]\nb: *a\nc: *a\n", vec!["x"; 1000].join(","));
        assert!(parse_value(&shared).is_ok());
    }

    #[test]
    fn long_string_bomb_is_bounded() {
        let big = "x".repeat(1 << 20);
        let refs = vec!["*s"; 100].join(", ");
        let doc = format!("s: &s {big}\nl: [{refs}]\n");
        assert!(err(&doc).message.ends_with("bytes"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let flow = "[".repeat(100_000);
        assert_eq!(
            err(&flow).message,
            "flow collections nested deeper than 255 levels"
        );
        assert!(err(&"{a: ".repeat(100_000))
            .message
            .contains("nested deeper"));
        let dashes = "- ".repeat(100_000);
        assert_eq!(err(&dashes).message, "nesting deeper than 512 levels");
        let block: String = (0..2000)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        let e = err(&block);
        assert_eq!(e.message, "nesting deeper than 512 levels");
        let block_maps: String = (0..600).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert_eq!(err(&block_maps).message, "nesting deeper than 512 levels");
        // Moderate nesting is fine.
        let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse_value(&ok).is_ok());
    }

    #[test]
    fn documents_are_split_and_filtered() {
        let text = "# leading comment\na: 1\n---\n# only a comment\n---\n\n---\n~\n---\nnull\n---\n- x\n...\n---\nb: 2\n";
        let docs = parse_documents(text).map_err(|e| e.to_string());
        let docs = docs.as_deref().unwrap_or_default();
        let values: Vec<&Value> = docs.iter().map(|d| &d.value).collect();
        assert_eq!(values, [&json!({"a": 1}), &json!(["x"]), &json!({"b": 2})]);
        let lines: Vec<usize> = docs.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 12, 15]);
        assert_eq!(parse_documents("").map(|d| d.len()), Ok(0));
        assert_eq!(parse_documents("# nothing\n\n").map(|d| d.len()), Ok(0));
        assert_eq!(parse_documents("---\n---\n").map(|d| d.len()), Ok(0));
    }

    #[test]
    fn document_line_numbers() {
        let docs = parse_documents(
            "---\n\n\n  a: 1\n  b: 2\n--- # c\n# c2\nfoo\n---\n\n[1]\n---\nx: |\n  y\n",
        );
        let lines: Vec<usize> = docs
            .map(|d| d.iter().map(|d| d.line).collect())
            .unwrap_or_default();
        assert_eq!(lines, [4, 8, 11, 13]);
    }

    #[test]
    fn parse_value_reads_the_first_document_only() {
        assert_eq!(parse_value("a: 1\n---\nb: [\n"), Ok(json!({"a": 1})));
        assert_eq!(parse_value(""), Ok(Value::Null));
        assert_eq!(parse_value("# c\n"), Ok(Value::Null));
        assert_eq!(parse_value("'x'"), Ok(json!("x")));
    }

    #[test]
    fn syntax_errors_carry_positions() {
        let e = err("a: [1, 2\n");
        assert_eq!(e.line, 2);
        assert_eq!(e.column, 1);
        let e = err("a:\n\tb: 1\n");
        assert_eq!((e.line, e.column), (2, 2));
        assert!(e.message.contains("tab"), "{e}");
        let e = err("a: 1\n b: 2\n");
        assert_eq!(e.line, 2);
        assert_eq!(
            e.to_string(),
            format!("line 2, column {}: {}", e.column, e.message)
        );
        assert!(err("a: *nope\n").line == 1);
    }

    #[test]
    fn to_yaml_layout() {
        let value = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "x", "labels": {}},
            "spec": {"containers": [{"name": "c", "ports": [80, 443], "args": []}, [1, [2]]]}
        });
        let expected = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {}\n  name: x\nspec:\n  containers:\n  - args: []\n    name: c\n    ports:\n    - 80\n    - 443\n  - - 1\n    - - 2\n";
        assert_eq!(to_yaml_string(&value), expected);
        assert_eq!(to_yaml_string(&json!(null)), "null\n");
        assert_eq!(to_yaml_string(&json!({})), "{}\n");
        assert_eq!(to_yaml_string(&json!([])), "[]\n");
        assert_eq!(to_yaml_string(&json!("yes")), "\"yes\"\n");
        assert_eq!(to_yaml_string(&json!(1.5)), "1.5\n");
        assert_eq!(to_yaml_string(&json!(-3)), "-3\n");
        assert_eq!(to_yaml_string(&json!([true, null])), "- true\n- null\n");
    }

    #[test]
    fn to_yaml_quoting() {
        let cases = [
            ("plain", "plain"),
            ("yes", "\"yes\""),
            ("1", "\"1\""),
            ("", "\"\""),
            ("0644", "\"0644\""),
            ("1e3", "\"1e3\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            (".inf", "\".inf\""),
            ("2001-12-14", "\"2001-12-14\""),
            ("2001-12-14T21:59:43Z", "\"2001-12-14T21:59:43Z\""),
            ("190:20:30", "\"190:20:30\""),
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("#x", "'#x'"),
            ("a #b", "'a #b'"),
            ("a#b", "a#b"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("tab\there", "\"tab\\there\""),
            ("{x}", "'{x}'"),
            ("x,y", "x,y"),
            ("http://a/b", "http://a/b"),
            ("@x", "'@x'"),
            ("\u{1F600}", "\"\\U0001F600\""),
            ("é", "é"),
            ("\u{7}", "\"\\a\""),
        ];
        for (s, want) in cases {
            assert_eq!(to_yaml_string(&json!(s)), format!("{want}\n"), "{s:?}");
        }
        assert_eq!(
            to_yaml_string(&json!({"k": "multi\nline"})),
            "k: |-\n  multi\n  line\n"
        );
        assert_eq!(to_yaml_string(&json!({"k": "a\n"})), "k: |\n  a\n");
        assert_eq!(to_yaml_string(&json!({"k": "a\n\n"})), "k: |+\n  a\n\n");
        assert_eq!(
            to_yaml_string(&json!({"k": " a\nb"})),
            "k: |2-\n   a\n  b\n"
        );
        assert_eq!(to_yaml_string(&json!({"k": "a \nb"})), "k: \"a \\nb\"\n");
        assert_eq!(
            to_yaml_string(&json!({"yes": 1, "a b": 2})),
            "a b: 2\n\"yes\": 1\n"
        );
    }

    #[test]
    fn to_yaml_folds_long_lines() {
        let words = vec!["word"; 30].join(" ");
        let out = to_yaml_string(&json!({ "k": words }));
        assert!(out.lines().count() > 1, "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= 90), "{out}");
        assert_eq!(v(&out), json!({ "k": words }));
    }

    #[test]
    fn go_key_order() {
        let value = json!({"a10": 1, "a9": 2, "b": 3, "A": 4, "_x": 5, "a-b": 6, "ab": 7});
        let out = to_yaml_string(&value);
        let keys: Vec<&str> = out.lines().filter_map(|l| l.split(':').next()).collect();
        // Non-letters sort before letters, digit runs numerically.
        assert_eq!(keys, ["_x", "A", "a-b", "a9", "a10", "ab", "b"]);
        let ks = ["b", "a2", "c", "a1", "a2", "d", "e"];
        let order = sorted_order(&ks, |x, y| x.as_bytes()[0] < y.as_bytes()[0]);
        assert_eq!(order, [1, 3, 4, 0, 2, 5, 6], "stable");
        // An inconsistent comparison must not panic.
        let _ = sorted_order(&ks, |_, _| true);
    }

    #[test]
    fn to_yaml_round_trips() {
        let long_key = "k".repeat(200);
        let values = [
            json!({"s": ["yes", "no", "on", "1", "", "a: b", "- x", "multi\nline", "~", "null", "0x1F", "1_000"]}),
            json!({"nested": {"list": [[1, 2], {"a": [true, false, null]}], "empty": {}, "e2": []}}),
            json!([
                "trailing\n",
                "\n",
                "\nlead",
                "  two spaces",
                "x\n\n\ny",
                "tab\t",
                "back\\slash",
                "quote\"d"
            ]),
            json!({"  spaced key": 1, "key: colon": 2, "multi\nline key": 3, long_key: 4, "<<": 5}),
            json!({"nums": [0, -1, 1.5, 1e-7, 12345678901234567u64, 18446744073709551615u64, -9223372036854775808i64]}),
            json!({"unicode": "héllo wörld \u{1F600} \u{2028} \u{85} \u{A0} \u{FEFF}x"}),
            json!("\u{FEFF}bom first"),
            json!({"long": "a ".repeat(100), "longq": format!("- {}", "b  ".repeat(60)), "longd": format!("\t{}", " c  d".repeat(40))}),
            json!({"dates": ["2001-12-14", "2001-12-14 21:59:43.10", "1.2.3", "1:2", "+1", ".5", "0o7"]}),
            json!([{"a": 1, "b": {"c": [{"d": "e"}]}}]),
        ];
        for value in values {
            let text = to_yaml_string(&value);
            match parse_value(&text) {
                Ok(back) => assert_eq!(back, value, "round trip of:\n{text}"),
                Err(e) => panic!("reparse failed: {e}\n{text}"),
            }
        }
    }

    #[test]
    fn base60_and_timestamp_shapes() {
        assert!(is_base60_float("1:20"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("1:2a"));
        assert!(is_timestamp("2001-12-14"));
        assert!(is_timestamp("2001-2-9 1:2:3"));
        assert!(is_timestamp("2001-12-14T21:59:43.10-05:00"));
        assert!(!is_timestamp("2001-02-30"));
        assert!(!is_timestamp("2001-12-14T21:59:43"));
        assert!(!is_timestamp("2001-13-01"));
        assert_eq!(decode_base64("/w=="), Some("\u{FFFD}".to_string()));
        assert_eq!(decode_base64("aGk\n="), Some("hi".to_string()));
        assert_eq!(decode_base64("aGk"), None);
    }
}
