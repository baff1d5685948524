//! From a document's text to the Kubernetes objects in it: parse (JSON
//! texts by serde_json, the rest by verno's YAML loader), unfold `List`s
//! (nested too), and refuse what is not a Kubernetes object, saying where.

use serde_json::Value;

use crate::input::Chunk;

/// Where an object was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (`-` for stdin).
    pub file: String,
    /// 1-based index of the document in the file.
    pub document: usize,
    /// The path of the object inside a `List` document (`items[3]`,
    /// `items[0].items[2]`), empty for a document that is the object.
    pub item: String,
    /// 1-based line where the object starts (the document's line when the
    /// item's own line is not known).
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: document {}", self.file, self.document)?;
        if !self.item.is_empty() {
            write!(f, " {}", self.item)?;
        }
        write!(f, " (line {})", self.line)
    }
}

/// One thing found in the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A Kubernetes object, normalized as `kyverno apply` reads resources.
    Resource(Value, Origin),
    /// A document or item that cannot be judged, and why.
    Rejected(Origin, String),
}

/// Everything in one document text, and how many documents it held.
/// `first_document` is the 1-based index the text's first document gets (a
/// JSON text may hold several).
pub fn parse_chunk(file: &str, chunk: &Chunk, first_document: usize) -> (Vec<Found>, usize) {
    if let Some(problem) = &chunk.problem {
        let origin = Origin {
            file: file.to_string(),
            document: first_document,
            item: String::new(),
            line: chunk.line,
        };
        return (vec![Found::Rejected(origin, problem.clone())], 1);
    }
    let docs = match parse(&chunk.text) {
        Ok(docs) => docs,
        Err((line, message)) => {
            let origin = Origin {
                file: file.to_string(),
                document: first_document,
                item: String::new(),
                line: chunk.line + line.saturating_sub(1),
            };
            return (vec![Found::Rejected(origin, message)], 1);
        }
    };
    let count = docs.len();
    let mut out = Vec::new();
    for (i, (value, rel_line)) in docs.into_iter().enumerate() {
        let line = chunk.line + rel_line.saturating_sub(1);
        let origin = Origin {
            file: file.to_string(),
            document: first_document + i,
            item: String::new(),
            line,
        };
        unfold(value, origin, &chunk.text, rel_line, &mut out);
    }
    (out, count)
}

/// The objects of one streamed piece (a YAML `- ` item, a JSON element or
/// top-level value), `None` when it does not parse on its own, which
/// means its document must be judged whole. `document` is the piece's
/// 1-based document index in its text.
pub fn parse_piece(
    file: &str,
    text: &str,
    line: usize,
    document: usize,
    index: Option<usize>,
    json: bool,
) -> Option<Vec<Found>> {
    let value = if json {
        serde_json::from_str(text).ok()?
    } else {
        // The item's lines are a one-element sequence.
        let mut docs = verno::unstable::yaml::parse_documents(text).ok()?;
        match (docs.pop(), docs.is_empty()) {
            (Some(doc), true) => match doc.value {
                Value::Array(mut items) if items.len() == 1 => items.pop()?,
                _ => return None,
            },
            _ => return None,
        }
    };
    let origin = Origin {
        file: file.to_string(),
        document,
        item: index.map(|i| format!("items[{i}]")).unwrap_or_default(),
        line,
    };
    let mut out = Vec::new();
    // Lines of a List's items are read from YAML text only, as for a
    // whole document: a JSON value's items point at the value.
    unfold(value, origin, "", 1, &mut out);
    Some(out)
}

/// Whether the rest of a streamed document (the document without its
/// items) makes it a List, so that its items were cut right: for YAML,
/// one mapping whose `kind` ends in `List` and that has no other `items`;
/// for JSON, an object that is a List with its `"items": []`.
pub fn rest_is_list(text: &str, json: bool) -> bool {
    if json {
        return matches!(
            serde_json::from_str::<Value>(text),
            Ok(Value::Object(m)) if is_list(&m)
        );
    }
    match verno::unstable::yaml::parse_documents(text).as_deref() {
        Ok([doc]) => match &doc.value {
            Value::Object(m) => {
                let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
                kind.ends_with("List") && !m.contains_key("items")
            }
            _ => false,
        },
        _ => false,
    }
}

/// The documents of a text with their 1-based lines (relative to the text),
/// or the line and message of the syntax error.
fn parse(text: &str) -> Result<Vec<(Value, usize)>, (usize, String)> {
    let body = text
        .trim_start()
        .strip_prefix("---")
        .map(str::trim_start)
        .unwrap_or(text.trim_start());
    if body.starts_with('{') || body.starts_with('[') {
        if let Ok(docs) = parse_json(text) {
            return Ok(docs);
        }
    }
    match verno::unstable::yaml::parse_documents(text) {
        Ok(docs) => Ok(docs.into_iter().map(|d| (d.value, d.line)).collect()),
        Err(e) => Err((e.line, format!("failed to parse: {e}"))),
    }
}

/// Concatenated JSON values (one, or JSON Lines), each with its line.
fn parse_json(text: &str) -> Result<Vec<(Value, usize)>, serde_json::Error> {
    let body = match text.trim_start().strip_prefix("---") {
        Some(rest) => rest,
        None => text,
    };
    let skipped = text.len() - body.len();
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(body).into_iter::<Value>();
    let mut start = 0;
    while let Some(v) = stream.next() {
        let v = v?;
        let leading = body
            .get(start..)
            .map(|s| s.len() - s.trim_start().len())
            .unwrap_or(0);
        let line = line_of(text, skipped + start + leading);
        start = stream.byte_offset();
        out.push((v, line));
    }
    Ok(out)
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Push the object, or the objects of a `List` (recursively), or a
/// rejection.
fn unfold(value: Value, origin: Origin, text: &str, rel_line: usize, out: &mut Vec<Found>) {
    match value {
        Value::Object(mut m) if is_list(&m) => {
            let Some(Value::Array(items)) = m.remove("items") else {
                return;
            };
            // Item lines are found only for a document that is the list.
            let lines = if origin.item.is_empty() {
                item_lines(text, rel_line, items.len())
            } else {
                None
            };
            for (i, item) in items.into_iter().enumerate() {
                let line = lines
                    .as_ref()
                    .and_then(|l| l.get(i))
                    .map(|l| origin.line + l - rel_line)
                    .unwrap_or(origin.line);
                let item_origin = Origin {
                    item: if origin.item.is_empty() {
                        format!("items[{i}]")
                    } else {
                        format!("{}.items[{i}]", origin.item)
                    },
                    line,
                    ..origin.clone()
                };
                unfold(item, item_origin, text, rel_line, out);
            }
        }
        value => match check(&value) {
            Ok(()) => out.push(Found::Resource(
                verno_test::fixtures::normalize_resource(value),
                origin,
            )),
            Err(why) => out.push(Found::Rejected(origin, why)),
        },
    }
}

/// `kind: List`, or any `<Kind>List` with `items` (what the API returns).
fn is_list(m: &serde_json::Map<String, Value>) -> bool {
    let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
    kind.ends_with("List") && m.get("items").is_some_and(Value::is_array)
}

/// Why a value is not a Kubernetes object Kyverno could judge.
fn check(v: &Value) -> Result<(), String> {
    let Value::Object(m) = v else {
        return Err(format!(
            "not a Kubernetes object: expected a map, got {}",
            type_name(v)
        ));
    };
    let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() {
        return Err("not a Kubernetes object: no kind".into());
    }
    if !m.get("apiVersion").is_some_and(Value::is_string) {
        return Err(format!("not a Kubernetes object: {kind} has no apiVersion"));
    }
    let name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty() {
        return Err(format!(
            "not a Kubernetes object: {kind} has no metadata.name"
        ));
    }
    Ok(())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// The lines (relative to `text`) of a YAML list document's items, read
/// from the layout `kubectl get -o yaml` writes (`items:` at the left
/// margin, one `- ` per item at the same indent). `None` when the layout is
/// another (the count differs): the items then point at the document.
fn item_lines(text: &str, doc_line: usize, count: usize) -> Option<Vec<usize>> {
    let mut lines = text.lines().enumerate().skip(doc_line.saturating_sub(1));
    let (_, _) = lines.by_ref().find(|(_, l)| l.starts_with("items:"))?;
    let mut indent: Option<usize> = None;
    let mut out = Vec::new();
    for (i, l) in lines {
        let trimmed = l.trim_start_matches(' ');
        let this = l.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if this == 0 && !trimmed.starts_with('-') {
            break;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match indent {
                None => {
                    indent = Some(this);
                    out.push(i + 1);
                }
                Some(n) if n == this => out.push(i + 1),
                _ => {}
            }
        }
    }
    (out.len() == count).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(text: &str) -> Chunk {
        Chunk {
            text: text.into(),
            line: 10,
            problem: None,
        }
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n";

    #[test]
    fn a_list_unfolds_into_its_items_with_their_lines() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: b\n";
        let (found, _) = parse_chunk("f.yaml", &chunk(text), 1);
        let origins: Vec<(String, usize)> = found
            .iter()
            .map(|f| match f {
                Found::Resource(_, o) => (o.item.clone(), o.line),
                Found::Rejected(o, _) => (format!("rejected {}", o.item), o.line),
            })
            .collect();
        assert_eq!(
            origins,
            vec![("items[0]".to_string(), 13), ("items[1]".to_string(), 17)]
        );
    }

    #[test]
    fn nested_lists_unfold_too() {
        let text = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"PodList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}]}]}"#;
        let (found, _) = parse_chunk("f.json", &chunk(text), 1);
        assert!(
            matches!(&found[..], [Found::Resource(_, o)] if o.item == "items[0].items[0]"),
            "{found:?}"
        );
    }

    #[test]
    fn json_lines_are_several_documents() {
        let text = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"}}\n";
        let (found, _) = parse_chunk("f.json", &chunk(text), 4);
        let docs: Vec<(usize, usize)> = found
            .iter()
            .filter_map(|f| match f {
                Found::Resource(_, o) => Some((o.document, o.line)),
                Found::Rejected(..) => None,
            })
            .collect();
        assert_eq!(docs, vec![(4, 10), (5, 11)]);
    }

    #[test]
    fn a_document_that_is_not_an_object_is_rejected_with_its_place() {
        let (found, _) = parse_chunk("f.yaml", &chunk("just a string\n"), 3);
        match &found[..] {
            [Found::Rejected(o, why)] => {
                assert_eq!(o.to_string(), "f.yaml: document 3 (line 10)");
                assert!(why.contains("not a Kubernetes object"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_syntax_error_is_rejected_not_fatal() {
        let (found, _) = parse_chunk("f.yaml", &chunk("a: [1,\n"), 2);
        assert!(
            matches!(&found[..], [Found::Rejected(o, why)] if o.document == 2 && why.starts_with("failed to parse"))
        );
    }

    #[test]
    fn a_namespaced_object_without_namespace_lands_in_default() {
        let (found, _) = parse_chunk("f.yaml", &chunk(POD), 1);
        match &found[..] {
            [Found::Resource(v, _)] => assert_eq!(v["metadata"]["namespace"], "default"),
            other => panic!("{other:?}"),
        }
    }
}
