//! Loading: events → JSON values.

use super::resolve::*;
use super::*;

/// Runs the loader, turning a panic inside yaml-rust2 into an error at the
/// last position seen, because a crafted document must never abort the host.
pub(super) fn load(text: &str, max_docs: usize) -> Result<Vec<Document>, YamlError> {
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

/// A collection under construction.
pub(super) struct Frame {
    kind: FrameKind,
    anchor: usize,
    nodes: usize,
    bytes: usize,
}

pub(super) enum FrameKind {
    Seq(Vec<Value>),
    Map {
        obj: Map<String, Value>,
        /// The key waiting for its value; `None` while a key is expected.
        key: Option<Slot>,
    },
}

pub(super) enum Slot {
    Key(String),
    Merge,
}

/// How a finished node converts when it is used as a map key.
pub(super) enum KeyForm {
    /// Convert from the JSON value.
    Value,
    /// A plain `<<`: the YAML 1.1 merge key.
    Merge,
    /// `.inf`/`.nan` spellings: the value keeps the original text, but a key
    /// is spelled the way Go formats the float.
    NonFinite(f64),
}

/// A finished node on its way into its parent.
pub(super) struct Node {
    value: Value,
    nodes: usize,
    bytes: usize,
    key: KeyForm,
    mark: Marker,
}

pub(super) struct Anchored {
    value: Value,
    nodes: usize,
    bytes: usize,
}

pub(super) struct Loader<'c> {
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
pub(super) struct BlockTail<'t> {
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

pub(super) fn is_blank_line(line: &str) -> bool {
    line.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// Reads what follows `|`/`>`: `+`/`-` and an indentation digit in either
/// order, then nothing but an optional comment.
pub(super) fn chomping(after_indicator: &str) -> Option<Chomp> {
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
pub(super) fn header_chomping(header: &str) -> Option<Chomp> {
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
pub(super) fn key_string(value: &Value, mark: Marker) -> Result<String, YamlError> {
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
pub(super) fn merge_into(
    obj: &mut Map<String, Value>,
    value: Value,
    mark: Marker,
) -> Result<(), YamlError> {
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

/// Builds the node for one scalar event, following go-yaml v2's
/// `decoder.scalar` into an `interface{}`.
pub(super) fn scalar_node(
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
