//! Where a field is written: maps a field path such as
//! `spec.rules[0].validate.foreach` back to the line and column of its key
//! in the YAML (or JSON) text.
//!
//! Looking a path up re-reads the text, so it costs nothing unless an error
//! needs a position: loading keeps only the document's first line, and the
//! values it builds carry no positions.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters as yaml-rust2 counts them).
    pub column: usize,
}

impl Position {
    fn of(mark: Marker) -> Self {
        Position {
            line: mark.line().max(1),
            // yaml-rust2 columns are 0-based.
            column: mark.col() + 1,
        }
    }
}

/// Where `field` is written in the document whose content starts on
/// `doc_line` (the line [`crate::yaml::Document::line`] reports).
///
/// The answer is the key of the field, or for a list item its first key;
/// when the path goes deeper than the text (a default, a value built by an
/// alias), the deepest part of the path that is written. `None` when the
/// document is not found or the text does not parse.
///
/// ```
/// let text = "apiVersion: v1\nspec:\n  rules:\n  - name: r\n    validate:\n      foreach: 1\n";
/// let p = verno::unstable::yaml::position::locate(text, 1, "spec.rules[0].validate.foreach").unwrap();
/// assert_eq!((p.line, p.column), (6, 7));
/// ```
pub fn locate(text: &str, doc_line: usize, field: &str) -> Option<Position> {
    // yaml-rust2 may panic on crafted input; a lookup for an error message
    // must never abort the host.
    std::panic::catch_unwind(|| locate_in_text(text, doc_line, field))
        .ok()
        .flatten()
}

fn locate_in_text(text: &str, doc_line: usize, field: &str) -> Option<Position> {
    let mut parser = Parser::new_from_str(text);
    let mut walk: Option<Walk> = None;
    loop {
        let (event, mark) = parser.next_token().ok()?;
        match event {
            Event::StreamEnd => return None,
            Event::DocumentStart => walk = Some(Walk::new(field)),
            Event::DocumentEnd => {
                if let Some(w) = walk.take() {
                    if w.start == Some(doc_line) {
                        return w.best;
                    }
                    if w.start.is_some_and(|s| s > doc_line) {
                        return None;
                    }
                }
            }
            other => {
                if let Some(w) = walk.as_mut() {
                    if let Some(found) = w.step(other, mark) {
                        if w.start == Some(doc_line) {
                            return Some(found);
                        }
                        // Not this document: stop looking inside it.
                        w.done = true;
                    }
                }
            }
        }
    }
}

/// One collection being walked, with the path of its own node.
enum Frame {
    Seq { path: String, next: usize },
    Map { path: String, key: KeyState },
}

enum KeyState {
    /// The next node is a key.
    Expecting,
    /// The key was read; the next node is its value at this path.
    Value(String),
    /// A key that is itself a collection: its nodes are skipped.
    Complex(usize),
}

/// The walk over one document.
struct Walk<'f> {
    target: &'f str,
    frames: Vec<Frame>,
    /// Line of the document's first node (the key line for a block map).
    start: Option<usize>,
    best: Option<Position>,
    /// A list item map on the target's path whose position is its first
    /// key (`Some(true)`: the item is the target).
    item_map: Option<bool>,
    done: bool,
}

impl<'f> Walk<'f> {
    fn new(target: &'f str) -> Self {
        Walk {
            target,
            frames: Vec::new(),
            start: None,
            best: None,
            item_map: None,
            done: false,
        }
    }

    /// Whether `path` is the target or one of its ancestors.
    fn relation(&self, path: &str) -> Relation {
        if path == self.target {
            Relation::Exact
        } else if path.is_empty()
            || self
                .target
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        {
            Relation::Ancestor
        } else {
            Relation::Other
        }
    }

    /// Handles one node event; returns the position once the target is found.
    fn step(&mut self, event: Event, mark: Marker) -> Option<Position> {
        let line = mark.line().max(1);
        self.start = Some(self.start.map_or(line, |s| s.min(line)));
        if self.done {
            return None;
        }
        let opens = matches!(event, Event::SequenceStart(..) | Event::MappingStart(..));
        let closes = matches!(event, Event::SequenceEnd | Event::MappingEnd);
        // Inside a complex key: only count nesting.
        if let Some(Frame::Map {
            key: KeyState::Complex(depth),
            ..
        }) = self.frames.last_mut()
        {
            if opens {
                *depth += 1;
            } else if closes {
                *depth -= 1;
                if *depth == 0 {
                    if let Some(Frame::Map { key, .. }) = self.frames.last_mut() {
                        *key = KeyState::Value(String::from("\u{0}"));
                    }
                }
            }
            return None;
        }
        if closes {
            if self.item_map.take() == Some(true) {
                return self.best;
            }
            self.frames.pop();
            self.value_done();
            return None;
        }
        // A key of a map.
        if let Some(Frame::Map { path, key }) = self.frames.last_mut() {
            if matches!(key, KeyState::Expecting) {
                let Event::Scalar(text, ..) = &event else {
                    *key = if opens {
                        KeyState::Complex(1)
                    } else {
                        KeyState::Value(String::from("\u{0}"))
                    };
                    return None;
                };
                let child = if path.is_empty() {
                    text.clone()
                } else {
                    format!("{path}.{text}")
                };
                *key = KeyState::Value(child.clone());
                let here = Position::of(mark);
                match self.item_map.take() {
                    Some(true) => return Some(here),
                    Some(false) => self.best = Some(here),
                    None => {}
                }
                return match self.relation(&child) {
                    Relation::Exact => Some(here),
                    Relation::Ancestor => {
                        self.best = Some(here);
                        None
                    }
                    Relation::Other => None,
                };
            }
        }
        // A value: a list item, a map value or the root.
        let path = match self.frames.last_mut() {
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                let rel = self.relation(&p);
                if !matches!(rel, Relation::Other) {
                    let here = Position::of(mark);
                    let exact = matches!(rel, Relation::Exact);
                    if matches!(event, Event::MappingStart(..)) {
                        // yaml-rust2 marks a block map after its first key:
                        // the key itself is the better place.
                        self.best = Some(here);
                        self.item_map = Some(exact);
                    } else if exact {
                        return Some(here);
                    } else {
                        self.best = Some(here);
                    }
                }
                p
            }
            Some(Frame::Map {
                key: KeyState::Value(p),
                ..
            }) => p.clone(),
            _ => String::new(),
        };
        match event {
            Event::SequenceStart(..) => self.frames.push(Frame::Seq { path, next: 0 }),
            Event::MappingStart(..) => self.frames.push(Frame::Map {
                path,
                key: KeyState::Expecting,
            }),
            _ => self.value_done(),
        }
        None
    }

    /// A map value is complete: the map expects its next key.
    fn value_done(&mut self) {
        if let Some(Frame::Map { key, .. }) = self.frames.last_mut() {
            *key = KeyState::Expecting;
        }
    }
}

enum Relation {
    Exact,
    Ancestor,
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: a
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      pattern: {x: 1}
  - name: b
    validate:
      foreach:
      - list: items
        deny: {}
";

    fn at(text: &str, doc: usize, field: &str) -> Option<(usize, usize)> {
        locate(text, doc, field).map(|p| (p.line, p.column))
    }

    #[test]
    fn keys_of_block_and_flow_maps() {
        assert_eq!(
            at(POLICY, 1, "spec.rules[1].validate.foreach"),
            Some((13, 7))
        );
        assert_eq!(
            at(POLICY, 1, "spec.rules[0].match.any[0].resources.kinds"),
            Some((8, 32))
        );
        assert_eq!(at(POLICY, 1, "metadata.name"), Some((4, 3)));
    }

    #[test]
    fn list_items_point_at_their_first_key() {
        assert_eq!(at(POLICY, 1, "spec.rules[1]"), Some((11, 5)));
        assert_eq!(
            at(POLICY, 1, "spec.rules[1].validate.foreach[0]"),
            Some((14, 9))
        );
    }

    #[test]
    fn a_path_deeper_than_the_text_gives_its_deepest_written_part() {
        assert_eq!(
            at(POLICY, 1, "spec.rules[1].validate.foreach[0].list.x"),
            Some((14, 9))
        );
        assert_eq!(at(POLICY, 1, "spec.rules[1].exclude"), Some((11, 5)));
    }

    #[test]
    fn the_document_is_chosen_by_its_first_line() {
        let text = format!("a: 1\n---\n{POLICY}");
        assert_eq!(at(&text, 3, "metadata.name"), Some((6, 3)));
        assert_eq!(at(&text, 1, "metadata.name"), None);
    }

    #[test]
    fn complex_keys_and_broken_text_do_not_confuse_it() {
        assert_eq!(at("? [a, b]\n: 1\nc: {d: 2}\n", 1, "c.d"), Some((3, 5)));
        assert_eq!(at("a: [1, 2\n", 1, "b"), None);
    }
}
