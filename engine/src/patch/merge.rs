//! kustomize kyaml's `merge2.Merge(patch, resource, ListIncreaseDirection:
//! Prepend)`, as Kyverno runs it through `patchstrategicmerge.Filter`
//! (`kyaml/yaml/merge2`, `kyaml/yaml/walk`, `kyaml/yaml/fns.go`).
//!
//! kyaml works on shared, mutable yaml nodes: a merged element is the
//! resource's node updated in place, list rebuilding replaces elements by
//! pointer, and a `$patch` directive is removed from the patch node once read.
//! The result of its list handling depends on that sharing (and on some
//! surprising steps, such as an element without a merge key emptying the list
//! being rebuilt), so this module keeps the same model: an arena of nodes
//! addressed by index, and functions that follow kyaml's steps one by one.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::merge_keys::{self, Schema};
use super::size::{scalar_len, MAX_DOCUMENT_BYTES};
use super::{scalar_text, MutateError, MAX_DEPTH};

type Id = usize;

/// A yaml node as kyaml sees it after parsing Kyverno's JSON.
#[derive(Debug, Clone)]
enum Node {
    Map(Vec<(String, Id)>),
    Seq(Vec<Id>),
    /// A string, number or boolean from the JSON documents.
    Scalar(Value),
    /// A scalar kyaml creates from a merge key's text (`NewScalarRNode`): read
    /// back by YAML rules, so `"80"` becomes the number 80.
    Plain(String),
    /// A tagged null; `keep` marks kyaml's persistent null (`ShouldKeep`), the
    /// only null a field may be set to.
    Null {
        keep: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Map,
    Seq,
    Scalar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Unknown,
    Replace,
    Delete,
    Merge,
}

enum Fail {
    Msg(String),
    TooDeep,
    TooLarge,
}

type R<T> = Result<T, Fail>;

/// Merge an already preprocessed patch into `resource` like
/// `patchstrategicmerge.Filter` + `filtersutil.ApplyToJSON`.
pub(crate) fn merge(resource: &Value, patch: &Value) -> Result<Value, MutateError> {
    merge_in(&mut Arena::default(), resource, patch)
}

fn merge_in(a: &mut Arena, resource: &Value, patch: &Value) -> Result<Value, MutateError> {
    let run = |a: &mut Arena| -> R<Value> {
        let dest = a.load(resource, 0)?;
        let origin = a.load(patch, 0)?;
        let Some(out) = a.walk(Some(dest), Some(origin), None, 0)? else {
            return Err(Fail::Msg("filter cannot create or delete objects".into()));
        };
        // setRNode decodes the result into a map[string]interface{}.
        match a.node(out) {
            Node::Map(_) => {
                let mut budget = MAX_DOCUMENT_BYTES;
                a.to_value(out, 0, &mut budget)
            }
            Node::Seq(_) => Err(Fail::Msg(
                "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]interface {}".into(),
            )),
            _ => Ok(Value::Object(Map::new())),
        }
    };
    run(a).map_err(|f| match f {
        Fail::Msg(m) => MutateError::Merge(m),
        Fail::TooDeep => MutateError::TooDeep,
        Fail::TooLarge => MutateError::MergeTooLarge {
            limit: MAX_DOCUMENT_BYTES,
        },
    })
}

/// Hash indexes of the two lists of a merge: merge-key texts → first element.
struct ListIndexes {
    dest: HashMap<Vec<String>, Id>,
    origin: HashMap<Vec<String>, Id>,
}

/// The nodes, and what the fast list merge needs to know about changes to them.
///
/// kyaml finds list elements by scanning the list, which makes a merge of two
/// n-element lists O(n²). verno looks elements up in hash indexes instead
/// while that is provably the same: the indexes hold as long as no element of
/// the lists being merged changes a merge-key field, is replaced, or leaves the
/// list. Every such change bumps `epoch`, and a merge that sees it move goes
/// back to kyaml's scans for the rest of that list.
#[derive(Default)]
struct Arena {
    nodes: Vec<Node>,
    /// Bumped by every change that could invalidate an index (see `Arena`).
    epoch: u64,
    /// Merge-key names of the list merges in progress.
    watched: Vec<String>,
    /// The lists (resource and patch side) of the list merges in progress.
    active: Vec<Id>,
    /// Scan steps of the slow paths; the tests read it to catch a return to
    /// quadratic work.
    #[cfg(test)]
    scans: usize,
    /// Tests turn the hash indexes off to compare with kyaml's scans.
    #[cfg(test)]
    scans_only: bool,
}

const NULL: Node = Node::Null { keep: false };

impl Arena {
    fn add(&mut self, n: Node) -> Id {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    fn node(&self, id: Id) -> &Node {
        self.nodes.get(id).unwrap_or(&NULL)
    }

    fn set(&mut self, id: Id, n: Node) {
        if let Some(slot) = self.nodes.get_mut(id) {
            *slot = n;
        }
    }

    /// Replace a list's elements, noting the change for merges in progress.
    fn set_items(&mut self, list: Id, items: Vec<Id>) {
        if self.active.contains(&list) {
            self.epoch += 1;
        }
        if let Some(Node::Seq(slot)) = self.nodes.get_mut(list) {
            *slot = items;
        }
    }

    fn watched(&self, key: &str) -> bool {
        self.watched.iter().any(|k| k == key)
    }

    fn load(&mut self, v: &Value, depth: usize) -> R<Id> {
        if depth > MAX_DEPTH {
            return Err(Fail::TooDeep);
        }
        let n = match v {
            Value::Null => NULL,
            Value::Object(m) => {
                let mut entries = Vec::with_capacity(m.len());
                for (k, c) in m {
                    entries.push((k.clone(), self.load(c, depth + 1)?));
                }
                Node::Map(entries)
            }
            Value::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                for c in a {
                    items.push(self.load(c, depth + 1)?);
                }
                Node::Seq(items)
            }
            scalar => Node::Scalar(scalar.clone()),
        };
        Ok(self.add(n))
    }

    /// The node as JSON, stopping with [`Fail::TooLarge`] once the text would
    /// pass `budget` bytes: a node kyaml shares is emitted at each place it
    /// appears, so the output is not bounded by the input.
    fn to_value(&self, id: Id, depth: usize, budget: &mut usize) -> R<Value> {
        // Sharing never makes a node its own ancestor, but the bound keeps
        // a mistake from turning into a stack overflow.
        if depth > MAX_DEPTH {
            return Err(Fail::TooDeep);
        }
        let (value, own) = match self.node(id) {
            Node::Map(entries) => {
                let own = 2
                    + entries.len().saturating_sub(1)
                    + entries.iter().map(|(k, _)| k.len() + 3).sum::<usize>();
                spend(budget, own)?;
                let mut m = Map::new();
                for (k, c) in entries {
                    m.insert(k.clone(), self.to_value(*c, depth + 1, budget)?);
                }
                (Value::Object(m), 0)
            }
            Node::Seq(items) => {
                spend(budget, 2 + items.len().saturating_sub(1))?;
                let items = items
                    .iter()
                    .map(|c| self.to_value(*c, depth + 1, budget))
                    .collect::<R<Vec<_>>>()?;
                (Value::Array(items), 0)
            }
            Node::Scalar(v) => (v.clone(), scalar_len(v)),
            Node::Plain(s) => {
                let v = resolve_plain(s);
                let len = scalar_len(&v);
                (v, len)
            }
            Node::Null { .. } => (Value::Null, 4),
        };
        spend(budget, own)?;
        Ok(value)
    }

    // ---- node predicates (kyaml's IsMissingOrNull & co) ----

    fn is_null(&self, id: Id) -> bool {
        matches!(self.node(id), Node::Null { .. })
    }

    fn missing_or_null(&self, id: Option<Id>) -> bool {
        id.is_none_or(|i| self.is_null(i))
    }

    fn is_empty_map(&self, id: Option<Id>) -> bool {
        self.missing_or_null(id)
            || id.is_some_and(|i| matches!(self.node(i), Node::Map(e) if e.is_empty()))
    }

    fn nil_or_empty(&self, id: Id) -> bool {
        match self.node(id) {
            Node::Null { .. } => true,
            Node::Map(e) => e.is_empty(),
            Node::Seq(e) => e.is_empty(),
            _ => false,
        }
    }

    fn kind(&self, id: Id) -> Kind {
        match self.node(id) {
            Node::Map(_) => Kind::Map,
            Node::Seq(_) => Kind::Seq,
            _ => Kind::Scalar,
        }
    }

    /// The yaml node's `Value`: the scalar text, empty for collections.
    fn text(&self, id: Id) -> String {
        match self.node(id) {
            Node::Scalar(v) => scalar_text(v),
            Node::Plain(s) => s.clone(),
            Node::Null { .. } => "null".to_string(),
            Node::Map(_) | Node::Seq(_) => String::new(),
        }
    }

    fn content(&self, id: Id) -> Vec<Id> {
        match self.node(id) {
            Node::Seq(items) => items.clone(),
            _ => Vec::new(),
        }
    }

    fn field(&self, id: Option<Id>, key: &str) -> Option<Id> {
        match self.node(id?) {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v),
            _ => None,
        }
    }

    fn field_names(&self, id: Option<Id>) -> Vec<String> {
        match id.map(|i| self.node(i)) {
            Some(Node::Map(entries)) => entries.iter().map(|(k, _)| k.clone()).collect(),
            _ => Vec::new(),
        }
    }

    fn to_json(&self, id: Id) -> Value {
        let mut budget = MAX_DOCUMENT_BYTES;
        self.to_value(id, 0, &mut budget).unwrap_or(Value::Null)
    }

    /// Whether the node's text (see [`Arena::text`]) is `want`, without
    /// building the text for strings.
    fn text_is(&self, id: Id, want: &str) -> bool {
        match self.node(id) {
            Node::Scalar(Value::String(s)) | Node::Plain(s) => s == want,
            Node::Scalar(v) => scalar_text(v) == want,
            Node::Null { .. } => want == "null",
            Node::Map(_) | Node::Seq(_) => want.is_empty(),
        }
    }

    /// `ErrorIfInvalid`: null passes, another kind is an error.
    fn require(&self, id: Id, want: Kind) -> R<()> {
        if self.is_null(id) || self.kind(id) == want {
            return Ok(());
        }
        Err(Fail::Msg(format!(
            "wrong node kind: expected {} but got {}: node contents:\n{}\n",
            kind_name(want),
            kind_name(self.kind(id)),
            flow(&self.to_json(id))
        )))
    }

    // ---- the walk (kyaml/yaml/walk) ----

    /// `Walker.Walk` over the sources `[dest, origin]`.
    fn walk(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: Option<Schema>,
        depth: usize,
    ) -> R<Option<Id>> {
        if depth > MAX_DEPTH {
            return Err(Fail::TooDeep);
        }
        let schema = schema.or_else(|| {
            self.schema_from_meta(dest)
                .or_else(|| self.schema_from_meta(origin))
        });
        let kind = [dest, origin]
            .into_iter()
            .flatten()
            .find(|i| !self.is_null(*i))
            .map(|i| self.kind(i));
        match kind {
            Some(k) => {
                for s in [dest, origin].into_iter().flatten() {
                    self.require(s, k)?;
                }
                match k {
                    Kind::Map => self.walk_map(dest, origin, schema, depth),
                    Kind::Seq => match schema.and_then(Schema::merge_keys) {
                        Some(keys) => self.walk_associative(dest, origin, schema, keys, depth),
                        None => Ok(if origin.is_some() { origin } else { dest }),
                    },
                    Kind::Scalar => Ok(if origin.is_some() { origin } else { dest }),
                }
            }
            // Only nulls or nothing: walked as a map.
            None => self.walk_map(dest, origin, schema, depth),
        }
    }

    /// `GetSchema` when no schema was inherited: the node's own
    /// `apiVersion`/`kind`, if the built-in schema knows that type.
    fn schema_from_meta(&self, id: Option<Id>) -> Option<Schema> {
        let meta = |key: &str| {
            self.field(id, key)
                .filter(|v| !self.nil_or_empty(*v))
                .map(|v| self.text(v))
                .filter(|t| !t.is_empty())
        };
        merge_keys::schema_for(&meta("apiVersion")?, &meta("kind")?)
    }

    fn walk_map(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: Option<Schema>,
        depth: usize,
    ) -> R<Option<Id>> {
        let Some(d) = self.visit_map(dest, origin)? else {
            return Ok(None);
        };
        let mut names = self.field_names(Some(d));
        names.extend(self.field_names(origin));
        names.sort();
        names.dedup();
        for key in names {
            let child_schema = schema.and_then(|s| s.field(&key));
            let fd = self.field(Some(d), &key);
            let fo = self.field(origin, &key);
            let val = self.walk(fd, fo, child_schema, depth + 1)?;
            self.set_field(d, &key, val)?;
        }
        Ok(Some(d))
    }

    /// `Merger.VisitMap`.
    fn visit_map(&mut self, dest: Option<Id>, origin: Option<Id>) -> R<Option<Id>> {
        if self.missing_or_null(dest) {
            if self.directive(origin).unwrap_or(Directive::Unknown) == Directive::Delete {
                return Ok(None);
            }
            // A null the resource already had survives a patch that does not mention it.
            if origin.is_none() && dest.is_some() {
                return Ok(Some(self.add(Node::Null { keep: true })));
            }
            return Ok(origin);
        }
        if origin.is_some_and(|o| self.is_null(o)) {
            return Ok(None);
        }
        Ok(match self.directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            _ => dest,
        })
    }

    /// `Merger.VisitList` for an associative list.
    fn visit_associative_list(&mut self, dest: Option<Id>, origin: Option<Id>) -> R<Option<Id>> {
        if self.missing_or_null(dest) {
            return Ok(origin);
        }
        if origin.is_some_and(|o| self.is_null(o)) {
            return Ok(None);
        }
        Ok(match self.directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            _ => dest,
        })
    }

    /// `determineSmpDirective`: read `$patch` and remove it from the patch.
    fn directive(&mut self, patch: Option<Id>) -> R<Directive> {
        let Some(p) = patch else {
            return Ok(Directive::Merge);
        };
        match self.node(p) {
            Node::Map(_) => {
                let Some(v) = self.field(Some(p), "$patch") else {
                    return Ok(Directive::Merge);
                };
                let d = parse_directive(&self.text(v))?;
                self.clear(p, "$patch")?;
                Ok(d)
            }
            Node::Seq(_) => {
                let Ok(Some(elem)) = self.element_matcher(p, &["$patch".to_string()], &[], true)
                else {
                    return Ok(Directive::Merge);
                };
                // A `$patch` entry with other fields belongs to an element, not to the list.
                if self.field_names(Some(elem)).len() > 1 {
                    return Ok(Directive::Merge);
                }
                let Some(v) = self.field(Some(elem), "$patch") else {
                    return Ok(Directive::Merge);
                };
                let text = self.text(v);
                let d = parse_directive(&text)?;
                self.element_setter(p, None, &["$patch".to_string()], &[text])?;
                Ok(d)
            }
            _ => Err(Fail::Msg(format!(
                "no implemented strategic merge patch strategy for '{}' ('{}')",
                self.short_tag(p),
                flow(&self.to_json(p))
            ))),
        }
    }

    fn short_tag(&self, id: Id) -> &'static str {
        match self.node(id) {
            Node::Null { .. } => "!!null",
            Node::Scalar(Value::Bool(_)) => "!!bool",
            Node::Scalar(Value::Number(n)) if n.is_f64() => "!!float",
            Node::Scalar(Value::Number(_)) => "!!int",
            _ => "!!str",
        }
    }

    /// `FieldSetter{Name}`: a missing value or a plain null clears the field.
    fn set_field(&mut self, map: Id, key: &str, val: Option<Id>) -> R<()> {
        let val = match val {
            Some(v) if !matches!(self.node(v), Node::Null { keep: false }) => v,
            _ => return self.clear(map, key),
        };
        if self.is_null(map) {
            return Ok(());
        }
        self.require(map, Kind::Map)?;
        match self.field(Some(map), key) {
            // kyaml copies the new node into the existing field's node.
            Some(existing) if existing != val => {
                let n = self.node(val).clone();
                // A replaced map may be a list element, a replaced list may be
                // one being merged, a merge-key field's text is what indexes hold.
                if matches!(self.node(existing), Node::Map(_))
                    || self.active.contains(&existing)
                    || (self.watched(key)
                        && (self.kind(existing) != self.kind(val)
                            || self.is_null(existing) != self.is_null(val)
                            || self.text(existing) != self.text(val)))
                {
                    self.epoch += 1;
                }
                self.set(existing, n);
            }
            Some(_) => {}
            None => {
                if self.watched(key) {
                    self.epoch += 1;
                }
                if let Some(Node::Map(entries)) = self.nodes.get_mut(map) {
                    entries.push((key.to_string(), val));
                }
            }
        }
        Ok(())
    }

    /// `FieldClearer`.
    fn clear(&mut self, map: Id, key: &str) -> R<()> {
        self.require(map, Kind::Map)?;
        let watched = self.watched(key);
        if let Some(Node::Map(entries)) = self.nodes.get_mut(map) {
            if let Some(i) = entries.iter().position(|(k, _)| k == key) {
                entries.remove(i);
                if watched {
                    self.epoch += 1;
                }
            }
        }
        Ok(())
    }

    // ---- associative lists (walk/associative_sequence.go) ----

    fn walk_associative(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: Option<Schema>,
        keys: &[&str],
        depth: usize,
    ) -> R<Option<Id>> {
        let Some(d) = self.visit_associative_list(dest, origin)? else {
            return Ok(None);
        };
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let values = self.element_values(d, origin, &keys);
        let elem_schema = schema.and_then(Schema::elements);
        if !values.is_empty() || !keys.is_empty() {
            self.set_associative_elements(values, &keys, d, origin, elem_schema, depth)
        } else {
            let values = self.element_primitive_values(d, origin);
            self.set_associative_elements(values, &[String::new()], d, origin, elem_schema, depth)
        }
    }

    /// Sources in the order kyaml reads them in prepend mode: patch first.
    fn prepend_order(d: Id, origin: Option<Id>) -> impl Iterator<Item = Id> {
        origin.into_iter().chain(std::iter::once(d))
    }

    /// `elementValues`: each element's merge-key values, deduplicated.
    fn element_values(&self, d: Id, origin: Option<Id>, keys: &[String]) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        let mut seen: HashSet<Vec<String>> = HashSet::new();
        for src in Self::prepend_order(d, origin) {
            for elem in self.content(src) {
                let tuple: Vec<String> = keys
                    .iter()
                    .map(|k| match self.field(Some(elem), k) {
                        Some(v) if !self.nil_or_empty(v) => self.text(v),
                        _ => String::new(),
                    })
                    .collect();
                if tuple.is_empty() || seen.contains(&tuple) {
                    continue;
                }
                seen.insert(tuple.clone());
                out.push(tuple);
            }
        }
        out
    }

    /// `elementPrimitiveValues`: a list of scalars merges by value.
    fn element_primitive_values(&self, d: Id, origin: Option<Id>) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        let mut seen: HashSet<Vec<String>> = HashSet::new();
        for src in Self::prepend_order(d, origin) {
            for item in self.content(src) {
                let t = vec![self.text(item)];
                if seen.insert(t.clone()) {
                    out.push(t);
                }
            }
        }
        out
    }

    /// The merge-key texts by which the fast paths index an element: every
    /// key's field present with a non-empty text (a scalar's own text for a
    /// list of scalars, `keys == [""]`). `None` for any other element.
    fn full_tuple(&self, elem: Id, keys: &[String]) -> Option<Vec<String>> {
        if keys.first().is_some_and(String::is_empty) {
            return matches!(self.node(elem), Node::Scalar(_) | Node::Plain(_))
                .then(|| vec![self.text(elem)]);
        }
        if self.kind(elem) != Kind::Map || keys.is_empty() {
            return None;
        }
        keys.iter()
            .map(|k| {
                self.field(Some(elem), k)
                    .filter(|v| !self.nil_or_empty(*v))
                    .map(|v| self.text(v))
                    .filter(|t| !t.is_empty())
            })
            .collect()
    }

    /// Hash indexes of both lists (tuple → first element with it), when every
    /// element of both has a full tuple (see [`Arena::full_tuple`]). Then
    /// kyaml's key validation keeps every key and value, its value merging
    /// changes nothing, and its element lookups are these indexes.
    fn list_indexes(&self, dest: Id, origin: Option<Id>, keys: &[String]) -> Option<ListIndexes> {
        #[cfg(test)]
        if self.scans_only {
            return None;
        }
        let index = |list: Option<Id>| -> Option<HashMap<Vec<String>, Id>> {
            let mut map = HashMap::new();
            for elem in list.map(|l| self.content(l)).unwrap_or_default() {
                map.entry(self.full_tuple(elem, keys)?).or_insert(elem);
            }
            Some(map)
        };
        Some(ListIndexes {
            dest: index(Some(dest))?,
            origin: index(origin)?,
        })
    }

    /// `setAssociativeSequenceElements` in prepend mode.
    fn set_associative_elements(
        &mut self,
        mut values_list: Vec<Vec<String>>,
        keys: &[String],
        dest: Id,
        origin: Option<Id>,
        elem_schema: Option<Schema>,
        depth: usize,
    ) -> R<Option<Id>> {
        let items = self.add(Node::Seq(Vec::new()));
        // `mergeValues` only ever fills in empty values: without one it is a no-op.
        if keys.len() > 1 && values_list.iter().flatten().any(String::is_empty) {
            merge_values(&mut values_list);
        }
        // `validateKeys`' choice of keys depends on the whole list only.
        let valid_names = valid_key_names(&values_list, keys);
        let mut fast = self.list_indexes(dest, origin, keys);
        let start = self.epoch;
        self.active.push(dest);
        self.active.extend(origin);
        self.watched.extend(keys.iter().cloned());
        let mut valid_keys: Vec<String> = Vec::new();
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            if self.epoch != start {
                fast = None;
            }
            let (sd, so, valid_values) = if let Some(ix) = &fast {
                valid_keys = keys.to_vec();
                let sd = ix.dest.get(values).copied();
                (sd, ix.origin.get(values).copied(), values.clone())
            } else {
                self.count_scan(values_list.len());
                let (vk, vv) = validate_keys(&valid_names, values, keys);
                // The keys of the last element are the ones the final fold uses.
                valid_keys = vk;
                // `elementValueList`: find this element in each source by the keys it has.
                let (k, v) = validate_keys(
                    &valid_key_names(std::slice::from_ref(&vv), &valid_keys),
                    &vv,
                    &valid_keys,
                );
                let sd = self.element_list(Some(dest), &k, &v);
                (sd, self.element_list(origin, &k, &v), vv)
            };
            let val = self.walk(sd, so, elem_schema, depth + 1)?;
            let mut exit = false;
            for (i, key) in valid_keys.iter().enumerate() {
                if self.is_empty_map(val) {
                    self.element_setter(dest, None, &valid_keys, &valid_values)?;
                    exit = true;
                } else if let Some(v) = val {
                    let value = valid_values.get(i).cloned().unwrap_or_default();
                    if self.field(Some(v), key).is_none() && !value.is_empty() {
                        if key.is_empty() {
                            // A list of scalars: kyaml rewrites the scalar with its
                            // own text, keeping its style, which changes nothing.
                            self.require(v, Kind::Scalar)?;
                        } else {
                            let plain = self.add(Node::Plain(value));
                            self.set_field(v, key, Some(plain))?;
                        }
                    }
                }
            }
            if exit {
                continue;
            }
            // The rebuilt list holds one element per earlier tuple, none of
            // them this one: kyaml's setter would scan it and append.
            if let Some(v) = val.filter(|v| {
                fast.is_some()
                    && self.epoch == start
                    && self.full_tuple(*v, keys).as_ref() == Some(values)
            }) {
                if let Some(Node::Seq(list)) = self.nodes.get_mut(items) {
                    list.push(v);
                }
                continue;
            }
            fast = None;
            self.element_setter(items, val, &valid_keys, &valid_values)?;
        }
        self.active
            .truncate(self.active.len() - 1 - usize::from(origin.is_some()));
        self.watched.truncate(self.watched.len() - keys.len());
        if values_list.is_empty() {
            return Ok(if self.is_null(dest) { None } else { Some(dest) });
        }
        self.append_list_node(items, dest, &valid_keys)?;
        Ok(Some(items))
    }

    /// `appendListNode(dst, src, keys)`: fold the resource's elements into the
    /// rebuilt list. An element lacking a key is appended, and then (with no
    /// values to match on) every other element is dropped.
    fn append_list_node(&mut self, dst: Id, src: Id, keys: &[String]) -> R<()> {
        let Some(first) = keys.first() else {
            // Go indexes keys[0] here and would panic; no caller gets here.
            return Err(Fail::Msg(
                "runtime error: index out of range [0] with length 0".into(),
            ));
        };
        if self.fold_indexed(dst, src, keys) {
            return Ok(());
        }
        for elem in self.content(src) {
            self.count_scan(self.content(dst).len());
            if first.is_empty() {
                let text = self.text(elem);
                self.element_setter(dst, Some(elem), &[String::new()], &[text])?;
                continue;
            }
            let mut v: Vec<String> = Vec::new();
            for key in keys {
                match self.field_matcher(elem, key, None)? {
                    None => self.append(dst, elem)?,
                    Some(n) => v.push(self.text(n)),
                }
            }
            if keys.len() > 1 {
                self.element_setter(dst, None, keys, &v)?;
            }
            self.element_setter(dst, Some(elem), keys, &v)?;
        }
        Ok(())
    }

    /// [`Arena::append_list_node`] with a hash index instead of one setter
    /// scan per element, when that gives the same list: every `src` element
    /// has all keys with non-empty texts (so each setter call matches exactly
    /// by text), and for a list of scalars every element on both sides is a
    /// scalar (the setter's scalar matcher fails on anything else). The first
    /// setter call drops the null and empty-map elements of `dst`; after that,
    /// with one key an element replaces the elements it matches or is
    /// appended, with more keys it removes them and is appended. Returns
    /// whether it applied.
    fn fold_indexed(&mut self, dst: Id, src: Id, keys: &[String]) -> bool {
        #[cfg(test)]
        if self.scans_only {
            return false;
        }
        let scalars = keys.first().is_some_and(String::is_empty);
        let keys: &[String] = if scalars {
            keys.get(..1).unwrap_or_default()
        } else {
            keys
        };
        let tuple = |a: &Arena, elem: Id| -> Option<Vec<String>> {
            if scalars {
                return a.full_tuple(elem, keys).or_else(|| {
                    // A scalar whose text is empty still matches exactly.
                    matches!(a.node(elem), Node::Scalar(_) | Node::Plain(_))
                        .then(|| vec![a.text(elem)])
                });
            }
            if a.kind(elem) != Kind::Map {
                return None;
            }
            keys.iter()
                .map(|k| a.field(Some(elem), k).map(|v| a.text(v)))
                .collect()
        };
        let mut sources = Vec::new();
        for elem in self.content(src) {
            match tuple(self, elem) {
                Some(t) if t.iter().all(|v| !v.is_empty()) || scalars => sources.push((elem, t)),
                _ => return false,
            }
        }
        if sources.is_empty() {
            return true;
        }
        let mut content: Vec<Option<Id>> = Vec::new();
        let mut index: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
        for elem in self.content(dst) {
            if self.is_empty_map(Some(elem)) {
                continue;
            }
            match tuple(self, elem) {
                Some(t) => index.entry(t).or_default().push(content.len()),
                None if scalars => return false,
                None => {}
            }
            content.push(Some(elem));
        }
        for (elem, t) in sources {
            let slots = index.entry(t).or_default();
            if keys.len() > 1 {
                for p in slots.drain(..) {
                    if let Some(slot) = content.get_mut(p) {
                        *slot = None;
                    }
                }
            }
            if slots.is_empty() {
                slots.push(content.len());
                content.push(Some(elem));
            } else {
                for p in slots.iter() {
                    if let Some(slot) = content.get_mut(*p) {
                        *slot = Some(elem);
                    }
                }
            }
        }
        self.set_items(dst, content.into_iter().flatten().collect());
        true
    }

    #[cfg(test)]
    fn count_scan(&mut self, n: usize) {
        self.scans += n;
    }

    #[cfg(not(test))]
    fn count_scan(&mut self, _: usize) {}

    fn append(&mut self, list: Id, elem: Id) -> R<()> {
        self.require(list, Kind::Seq)?;
        if self.active.contains(&list) {
            self.epoch += 1;
        }
        if let Some(Node::Seq(items)) = self.nodes.get_mut(list) {
            items.push(elem);
        }
        Ok(())
    }

    /// `RNode.ElementList`: the first map element whose key fields have
    /// exactly these texts.
    fn element_list(&self, list: Option<Id>, keys: &[String], values: &[String]) -> Option<Id> {
        let l = list?;
        if self.kind(l) != Kind::Seq {
            return None;
        }
        self.element_matcher(l, keys, values, false).ok().flatten()
    }

    /// `ElementMatcher`.
    fn element_matcher(
        &self,
        list: Id,
        keys: &[String],
        values: &[String],
        match_any: bool,
    ) -> R<Option<Id>> {
        let keys: Vec<String> = if keys.is_empty() {
            vec![String::new()]
        } else {
            keys.to_vec()
        };
        let values: Vec<String> = if values.is_empty() {
            vec![String::new()]
        } else {
            values.to_vec()
        };
        self.require(list, Kind::Seq)?;
        let first_value = values.first().cloned().unwrap_or_default();
        if keys.first().is_none_or(|k| k.is_empty()) {
            return Ok(self
                .content(list)
                .into_iter()
                .find(|c| self.text_is(*c, &first_value)));
        }
        for elem in self.content(list) {
            if !self.is_null(elem) && self.kind(elem) != Kind::Map {
                continue;
            }
            if !match_any && keys.len() != values.len() {
                return Err(Fail::Msg(
                    "length of keys must equal length of values when MatchAnyValue is false".into(),
                ));
            }
            let mut matches = true;
            for (i, k) in keys.iter().enumerate() {
                let want = if match_any {
                    None
                } else {
                    Some(values.get(i).map_or("", String::as_str))
                };
                if self.field_matcher(elem, k, want)?.is_none() {
                    matches = false;
                    break;
                }
            }
            if matches {
                return Ok(Some(elem));
            }
        }
        Ok(None)
    }

    /// `FieldMatcher{Name, Value}` on a map: the field's node when present and,
    /// if `value` is given, when its text equals it.
    fn field_matcher(&self, rn: Id, name: &str, value: Option<&str>) -> R<Option<Id>> {
        if self.is_null(rn) {
            return Ok(None);
        }
        self.require(rn, Kind::Map)?;
        Ok(self
            .field(Some(rn), name)
            .filter(|f| value.is_none_or(|want| self.text_is(*f, want))))
    }

    /// `FieldMatcher{Name: "", StringValue}` on a scalar.
    fn scalar_matcher(&self, rn: Id, value: &str) -> R<Option<Id>> {
        if self.is_null(rn) {
            return Ok(None);
        }
        self.require(rn, Kind::Scalar)?;
        Ok(Some(rn).filter(|r| self.text_is(*r, value)))
    }

    /// `ElementSetter`: replace (or, with no element, delete) the elements
    /// matching `keys`/`values`, appending the element when none matched.
    /// Null and empty-map elements are dropped on the way.
    fn element_setter(
        &mut self,
        list: Id,
        element: Option<Id>,
        keys: &[String],
        values: &[String],
    ) -> R<Option<Id>> {
        let keys: Vec<String> = if keys.is_empty() {
            vec![String::new()]
        } else {
            keys.to_vec()
        };
        self.require(list, Kind::Seq)?;
        let mapping_setter = keys.first().is_some_and(|k| !k.is_empty())
            && values.first().is_some_and(|v| !v.is_empty());
        let mut new_content = Vec::new();
        let mut found_any = false;
        for elem in self.content(list) {
            if self.is_empty_map(Some(elem)) {
                continue;
            }
            if self.kind(elem) != Kind::Map && mapping_setter {
                new_content.push(elem);
                continue;
            }
            let mut found = true;
            let mut val = None;
            for (j, key) in keys.iter().enumerate() {
                if let Some(value) = values.get(j) {
                    // An empty value matches any element that has the field.
                    let want = Some(value.as_str()).filter(|v| !v.is_empty());
                    val = if key.is_empty() {
                        self.scalar_matcher(elem, want.unwrap_or_default())?
                    } else {
                        self.field_matcher(elem, key, want)?
                    };
                }
                if val.is_none() {
                    found = false;
                    break;
                }
            }
            if !found {
                if !values.is_empty() {
                    new_content.push(elem);
                }
                continue;
            }
            found_any = true;
            if let Some(e) = element {
                new_content.push(e);
            }
        }
        self.set_items(list, new_content);
        let Some(e) = element.filter(|e| !self.is_null(*e)) else {
            return Ok(None);
        };
        if !found_any {
            self.append(list, e)?;
        }
        Ok(Some(e))
    }
}

/// Take `n` bytes from the output budget.
fn spend(budget: &mut usize, n: usize) -> R<()> {
    *budget = budget.checked_sub(n).ok_or(Fail::TooLarge)?;
    Ok(())
}

fn parse_directive(v: &str) -> R<Directive> {
    match v {
        "delete" => Ok(Directive::Delete),
        "replace" => Ok(Directive::Replace),
        "merge" => Ok(Directive::Merge),
        _ => Err(Fail::Msg(format!("unknown patch strategy '{v}'"))),
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Map => "MappingNode",
        Kind::Seq => "SequenceNode",
        Kind::Scalar => "ScalarNode",
    }
}

/// `validateKeys`, first half: the keys some element has a value for (all
/// keys when none has any).
fn valid_key_names(values_list: &[Vec<String>], keys: &[String]) -> Vec<String> {
    let valid: Vec<String> = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            values_list
                .iter()
                .any(|t| t.get(*i).is_some_and(|v| !v.is_empty()))
        })
        .map(|(_, k)| k.clone())
        .collect();
    if valid.is_empty() {
        keys.to_vec()
    } else {
        valid
    }
}

/// `validateKeys`, second half: keep the `valid` keys, and the values that
/// are non-empty or belong to a valid key.
fn validate_keys(
    valid: &[String],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let vk = keys.iter().filter(|k| valid.contains(k)).cloned().collect();
    let vv = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).is_some_and(|k| valid.contains(k)))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

/// `mergeValues`: key tuples that agree where both have a value (and share
/// one) are unified, so a port without `protocol` meets the one with `TCP`.
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let Some(v1) = list.get(i).cloned() else {
            continue;
        };
        for j in 0..list.len() {
            let Some(v2) = list.get(j).cloned() else {
                continue;
            };
            if let Some(merged) = match_values(&v1, &v2) {
                if let Some(slot) = list.get_mut(i) {
                    *slot = merged.clone();
                }
                if let Some(slot) = list.get_mut(j) {
                    *slot = merged;
                }
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// How yaml.v3 reads back an untagged plain scalar.
fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::from(i);
        }
        if let Ok(u) = s.parse::<u64>() {
            return Value::from(u);
        }
    }
    let looks_float = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.');
    if looks_float {
        if let Some(n) = s.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(s.to_string())
}

/// A one-line rendering of a node, close to how yaml.v3 prints the flow-style
/// nodes it parsed from JSON (used in kyaml's error texts).
pub(crate) fn flow(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, c)| format!("{}: {}", Value::String(k.clone()), flow(c)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(resource: Value, patch: Value) -> Value {
        merge(&resource, &patch).unwrap_or_else(|e| panic!("{e}"))
    }

    fn pod(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    }

    fn counting(
        resource: &Value,
        patch: &Value,
        scans_only: bool,
    ) -> (Result<Value, MutateError>, usize) {
        let mut a = Arena {
            scans_only,
            ..Arena::default()
        };
        let out = merge_in(&mut a, resource, patch);
        (out, a.scans)
    }

    #[test]
    fn keyed_list_merge_scans_no_list_per_element() {
        // kyaml scans the list once per element; verno's indexes must not, or
        // 20,000 containers take seconds again.
        let n = 20_000;
        let containers: Vec<Value> = (0..n)
            .map(|i| json!({"name": format!("c{i}"), "image": "a", "ports": [{"containerPort": i % 7 + 1}]}))
            .collect();
        let mut patch: Vec<Value> = (0..n)
            .map(|i| json!({"name": format!("c{i}"), "image": "b", "ports": [{"containerPort": 9, "protocol": "UDP"}]}))
            .collect();
        patch.push(json!({"name": "new", "image": "c"}));
        let (out, scans) = counting(
            &pod(json!({"containers": containers})),
            &json!({"spec": {"containers": patch}, "metadata": {"finalizers": (0..n).map(|i| format!("f{i}")).collect::<Vec<_>>()}}),
            false,
        );
        let out = out.unwrap_or_else(|e| panic!("{e}"));
        // Only the two-element port lists (a port without protocol is not
        // indexed) are scanned: linear in n, where kyaml's scans are n².
        assert!(scans <= 10 * n, "{scans}");
        let list = out["spec"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(list.len(), n + 1);
        assert_eq!(
            list[0],
            json!({"name": "c0", "image": "b", "ports": [{"containerPort": 9, "protocol": "UDP"}, {"containerPort": 1}]})
        );
        assert_eq!(list[n], json!({"name": "new", "image": "c"}));
        assert_eq!(
            out["metadata"]["finalizers"].as_array().map(Vec::len),
            Some(n)
        );
        // The same merge through kyaml's scans counts them.
        let small: Vec<Value> = (0..50).map(|i| json!({"name": format!("c{i}")})).collect();
        let (_, scans) = counting(
            &pod(json!({"containers": small.clone()})),
            &json!({"spec": {"containers": small}}),
            true,
        );
        assert!(scans >= 50 * 50, "{scans}");
    }

    /// A small deterministic generator of list-heavy pods and patches, with
    /// the cases kyaml treats oddly: duplicate and missing keys, nulls, empty
    /// elements, ports with and without protocol, `$patch` directives.
    struct Gen(u64);

    impl Gen {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }

        fn port(&mut self) -> Value {
            match self.below(6) {
                0 => Value::Null,
                1 => json!({}),
                2 => json!({"containerPort": 80 + self.below(3)}),
                3 => {
                    let protocol = ["TCP", "UDP"][self.below(2)];
                    json!({"containerPort": 80 + self.below(3), "protocol": protocol, "name": "p"})
                }
                4 => json!({"protocol": "TCP"}),
                _ => json!({"containerPort": format!("{}", 80 + self.below(3)), "protocol": "TCP"}),
            }
        }

        fn container(&mut self) -> Value {
            let mut m = Map::new();
            match self.below(10) {
                0 => return Value::Null,
                1 => return json!({}),
                2 => {}
                3 => {
                    m.insert("name".into(), json!(""));
                }
                4 => {
                    let directive = ["delete", "replace", "merge"][self.below(3)];
                    m.insert("$patch".into(), json!(directive));
                    m.insert("name".into(), json!(format!("c{}", self.below(4))));
                }
                _ => {
                    m.insert("name".into(), json!(format!("c{}", self.below(4))));
                }
            }
            if self.below(2) == 0 {
                let image = [json!("x"), json!("y"), Value::Null][self.below(3)].clone();
                m.insert("image".into(), image);
            }
            if self.below(2) == 0 {
                let ports = (0..self.below(4)).map(|_| self.port()).collect::<Vec<_>>();
                m.insert("ports".into(), Value::Array(ports));
            }
            Value::Object(m)
        }

        fn list(&mut self, max: usize) -> Value {
            let len = self.below(max);
            Value::Array((0..len).map(|_| self.container()).collect())
        }

        fn finalizers(&mut self) -> Value {
            let len = self.below(5);
            Value::Array(
                (0..len)
                    .map(|_| match self.below(5) {
                        0 => Value::Null,
                        1 => json!({"a": 1}),
                        2 => json!(80),
                        _ => json!(["a", "b", "80", ""][self.below(4)].to_string()),
                    })
                    .collect(),
            )
        }
    }

    #[test]
    fn indexed_merge_equals_kyaml_scans_on_odd_lists() {
        let mut g = Gen(7);
        let mut fast_paths = 0;
        for round in 0..4000 {
            let resource = json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"finalizers": g.finalizers()},
                "spec": {"containers": g.list(if round % 2 == 0 { 5 } else { 9 })}});
            let mut spec = Map::new();
            if g.below(4) > 0 {
                spec.insert("containers".into(), g.list(5));
            }
            let patch = json!({"metadata": {"finalizers": g.finalizers()}, "spec": spec});
            let (slow, scans) = counting(&resource, &patch, true);
            let (fast, fast_scans) = counting(&resource, &patch, false);
            fast_paths += usize::from(fast_scans < scans);
            assert_eq!(
                fast, slow,
                "round {round}:\nresource {resource}\npatch {patch}"
            );
        }
        // The generator must reach the indexed paths, not only the fallbacks.
        assert!(fast_paths > 400, "{fast_paths}");
    }

    #[test]
    fn new_list_elements_come_first_in_patch_order() {
        let out = m(
            pod(json!({"containers": [{"name": "a"}, {"name": "b", "image": "x"}]})),
            json!({"spec": {"containers": [{"name": "c"}, {"name": "b", "image": "y"}]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "c"}, {"name": "b", "image": "y"}, {"name": "a"}])
        );
    }

    #[test]
    fn ports_merge_on_container_port_and_protocol() {
        // A patch port without protocol meets the resource's TCP port; kyaml
        // then walks only the resource element, so the patch's fields are lost.
        let out = m(
            pod(
                json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}]}]}),
            ),
            json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "web"}]}]}}),
        );
        assert_eq!(
            out["spec"]["containers"][0]["ports"],
            json!([{"containerPort": 80, "protocol": "TCP", "name": "http"}])
        );
        // A new port is added in front.
        let out = m(
            pod(json!({"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]})),
            json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 443}]}]}}),
        );
        assert_eq!(
            out["spec"]["containers"][0]["ports"],
            json!([{"containerPort": 443}, {"containerPort": 80}])
        );
    }

    #[test]
    fn finalizers_merge_by_value() {
        let out = m(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"finalizers": ["c", "a"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["c", "a", "b"]));
    }

    #[test]
    fn resource_nulls_survive_and_patch_nulls_delete() {
        let out = m(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"creationTimestamp": null, "labels": {"a": "1", "b": "2"}}}),
            json!({"metadata": {"labels": {"a": null}}}),
        );
        assert_eq!(
            out["metadata"],
            json!({"creationTimestamp": null, "labels": {"b": "2"}})
        );
    }

    #[test]
    fn kind_mismatch_is_an_error() {
        let err = merge(
            &json!({"spec": {"x": "abc"}}),
            &json!({"spec": {"x": {"a": 1}}}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to patch resource: wrong node kind: expected ScalarNode but got MappingNode: node contents:\n{\"a\": 1}\n"
        );
    }

    #[test]
    fn unknown_directive_is_an_error() {
        let err = merge(
            &json!({"spec": {"x": {}}}),
            &json!({"spec": {"x": {"$patch": "nope"}}}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to patch resource: unknown patch strategy 'nope'"
        );
    }

    #[test]
    fn deleting_the_root_is_an_error() {
        let err = merge(&json!({"a": 1}), &json!({"$patch": "delete"})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to patch resource: filter cannot create or delete objects"
        );
    }

    #[test]
    fn list_delete_and_replace_directives() {
        let base = pod(json!({"containers": [{"name": "a"}, {"name": "b"}]}));
        let out = m(
            base.clone(),
            json!({"spec": {"containers": [{"$patch": "replace"}, {"name": "z"}]}}),
        );
        assert_eq!(out["spec"]["containers"], json!([{"name": "z"}]));
        let out = m(
            base.clone(),
            json!({"spec": {"containers": [{"$patch": "delete"}]}}),
        );
        assert!(out["spec"].get("containers").is_none(), "{out}");
        let out = m(
            base,
            json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
        );
        assert_eq!(out["spec"]["containers"], json!([{"name": "b"}]));
    }

    #[test]
    fn nested_kind_switches_schema() {
        // Under an unknown kind a nested object with a known apiVersion/kind
        // gets that kind's schema.
        let out = m(
            json!({"apiVersion": "x.io/v1", "kind": "W", "spec": {"pod": {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a"}]}}}}),
            json!({"spec": {"pod": {"spec": {"containers": [{"name": "b"}]}}}}),
        );
        assert_eq!(
            out["spec"]["pod"]["spec"]["containers"],
            json!([{"name": "b"}, {"name": "a"}])
        );
    }

    #[test]
    fn plain_scalars_resolve_like_yaml() {
        assert_eq!(resolve_plain("80"), json!(80));
        assert_eq!(resolve_plain("TCP"), json!("TCP"));
        assert_eq!(resolve_plain("1.5"), json!(1.5));
        assert_eq!(resolve_plain("10.0.0.1"), json!("10.0.0.1"));
        assert_eq!(resolve_plain("true"), json!(true));
    }
}
