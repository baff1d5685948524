//! Strategic merges applied one after another to the same document, as a
//! mutate `foreach` does once per element: the same results as calling
//! [`super::strategic_merge`] each time, without redoing the whole document
//! for each patch.
//!
//! kyaml walks every node of the resource on every merge, and that walk
//! rewrites some of them (duplicate list keys dropped, elements without keys
//! folded in oddly). A document the walk leaves as it is, called *settled*
//! here, comes out of a merge unchanged wherever the patch does not reach.
//! So once a full merge has produced a settled document, a patch of the
//! plain kind (maps, scalars and lists whose merge-key tuples are complete and
//! distinct; no `$patch`, no `apiVersion`/`kind`; a `null` deletes) is applied in
//! place along its own paths, which keeps the document settled. Anything
//! else goes through the full merge again.

use serde_json::Value;

use super::merge_keys::{self, Schema};
use super::size::{json_len, MAX_DOCUMENT_BYTES};
use super::strategic::{preprocess, strategic_merge};
use super::{merge, scalar_text, too_deep, MutateError, MAX_DEPTH};

/// A document under repeated strategic merges.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    /// The document is settled (see the module documentation).
    settled: bool,
    /// An upper bound on the document's JSON length.
    size: usize,
    /// Merges applied in place, for the tests.
    #[cfg(test)]
    in_place: usize,
}

impl Chain {
    /// `*doc = strategic_merge(doc, patch)?`.
    pub(crate) fn merge(&mut self, doc: &mut Value, patch: &Value) -> Result<(), MutateError> {
        if self.settled && !too_deep(patch, MAX_DEPTH) {
            let patch = preprocess(patch, doc)?;
            let grown = self.size.saturating_add(json_len(&patch));
            if grown <= MAX_DOCUMENT_BYTES && plain(Some(doc), &patch, None) {
                apply(doc, &patch, None);
                self.size = grown;
                #[cfg(test)]
                {
                    self.in_place += 1;
                }
                return Ok(());
            }
            return self.full(doc, |d| merge::merge(d, &patch));
        }
        self.full(doc, |d| strategic_merge(d, patch))
    }

    fn full(
        &mut self,
        doc: &mut Value,
        merge: impl FnOnce(&Value) -> Result<Value, MutateError>,
    ) -> Result<(), MutateError> {
        let out = merge(doc)?;
        self.settled = settled(&out, None, 0);
        self.size = json_len(&out);
        *doc = out;
        Ok(())
    }
}

/// The schema kyaml's walk uses at a node: the inherited one, else the one
/// named by the resource's, else the patch's `apiVersion` and `kind`.
fn schema_at(inherited: Option<Schema>, r: Option<&Value>, p: Option<&Value>) -> Option<Schema> {
    let meta = |v: Option<&Value>| {
        let m = v?.as_object()?;
        let text = |k: &str| {
            m.get(k)
                .filter(|x| !nil_or_empty(x))
                .map(scalar_text)
                .filter(|t| !t.is_empty())
        };
        merge_keys::schema_for(&text("apiVersion")?, &text("kind")?)
    };
    inherited.or_else(|| meta(r)).or_else(|| meta(p))
}

fn nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// An element's merge-key texts when complete: every key present with a
/// non-empty scalar text, or for a list of scalars (`keys` empty) the
/// element's own non-null text.
fn tuple(elem: &Value, keys: &[&str]) -> Option<Vec<String>> {
    if keys.is_empty() {
        return match elem {
            Value::Null | Value::Object(_) | Value::Array(_) => None,
            scalar => Some(vec![scalar_text(scalar)]),
        };
    }
    let m = elem.as_object()?;
    keys.iter()
        .map(|k| {
            m.get(*k)
                .filter(|v| !nil_or_empty(v))
                .map(scalar_text)
                .filter(|t| !t.is_empty())
        })
        .collect()
}

/// Complete and distinct tuples for every element, in order.
fn tuples(list: &[Value], keys: &[&str]) -> Option<Vec<Vec<String>>> {
    let mut seen = std::collections::HashSet::new();
    list.iter()
        .map(|e| tuple(e, keys).filter(|t| seen.insert(t.clone())))
        .collect()
}

/// The list case of [`apply`] for a short patch list, in place: a few
/// removals and one insertion at the front instead of rebuilding the list.
fn apply_few(
    ra: &mut Vec<Value>,
    pa: &[Value],
    found: &[Option<usize>],
    keys: &[&str],
    elems: Option<Schema>,
) {
    if keys.len() > 1 {
        let mut new = Vec::new();
        for (pe, at) in pa.iter().zip(found) {
            match at.and_then(|i| ra.get_mut(i)) {
                Some(re) => apply(re, pe, elems),
                None => new.push(new_node(pe, elems)),
            }
        }
        ra.splice(0..0, new);
        return;
    }
    let mut taken: Vec<Option<Value>> = vec![None; pa.len()];
    let mut positions: Vec<(usize, usize)> = found
        .iter()
        .enumerate()
        .filter_map(|(j, at)| Some(((*at)?, j)))
        .collect();
    // Highest position first, so that each removal leaves the others in place.
    positions.sort_unstable_by(|a, b| b.cmp(a));
    for (i, j) in positions {
        if i < ra.len() {
            if let Some(slot) = taken.get_mut(j) {
                *slot = Some(ra.remove(i));
            }
        }
    }
    let front: Vec<Value> = pa
        .iter()
        .zip(taken)
        .map(|(pe, re)| match re {
            Some(mut re) => {
                if !keys.is_empty() {
                    apply(&mut re, pe, elems);
                }
                re
            }
            None => new_node(pe, elems),
        })
        .collect();
    ra.splice(0..0, front);
}

/// For each patch element, the position of the resource element with the
/// same tuple: a scan without allocation for the few elements a foreach
/// patch has, an index for longer patch lists.
fn find(ra: &[Value], pa: &[Value], ptuples: &[Vec<String>], keys: &[&str]) -> Vec<Option<usize>> {
    if pa.len() > 8 {
        let index: std::collections::HashMap<Vec<String>, usize> = ra
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((tuple(e, keys)?, i)))
            .collect();
        return ptuples.iter().map(|t| index.get(t).copied()).collect();
    }
    // The tuple is in the list at most once, so the search may run from both
    // ends: a foreach patching element after element, in either order, finds
    // its element next to one end (kyaml moves each merged one to the front).
    ptuples
        .iter()
        .map(|t| {
            let n = ra.len();
            (0..n.div_ceil(2)).find_map(|i| {
                let back = n - 1 - i;
                if ra.get(back).is_some_and(|e| has_tuple(e, keys, t)) {
                    Some(back)
                } else {
                    ra.get(i).filter(|e| has_tuple(e, keys, t)).map(|_| i)
                }
            })
        })
        .collect()
}

/// `tuple(elem, keys) == Some(t)`, comparing string texts in place.
fn has_tuple(elem: &Value, keys: &[&str], t: &[String]) -> bool {
    let text_is = |v: &Value, want: &str| match v {
        Value::String(s) => s == want,
        Value::Null | Value::Object(_) | Value::Array(_) => false,
        other => scalar_text(other) == want,
    };
    if keys.is_empty() {
        return t.first().is_some_and(|want| text_is(elem, want));
    }
    let Some(m) = elem.as_object() else {
        return false;
    };
    keys.len() == t.len()
        && keys.iter().zip(t).all(|(k, want)| {
            m.get(*k)
                .is_some_and(|v| !want.is_empty() && text_is(v, want))
        })
}

/// Whether kyaml's walk with no patch leaves `v` as it is: every list it
/// merges by key has complete, distinct tuples, and its elements are settled.
fn settled(v: &Value, inherited: Option<Schema>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let schema = schema_at(inherited, Some(v), None);
    match v {
        Value::Object(m) => m
            .iter()
            .all(|(k, c)| settled(c, schema.and_then(|s| s.field(k)), depth + 1)),
        Value::Array(a) => match schema.and_then(Schema::merge_keys) {
            None => true,
            Some(keys) => {
                let elems = schema.and_then(Schema::elements);
                tuples(a, keys).is_some() && a.iter().all(|e| settled(e, elems, depth + 1))
            }
        },
        _ => true,
    }
}

/// Whether merging `p` into `r` (absent or null: a new field) is the plain
/// case [`apply`] reproduces.
fn plain(r: Option<&Value>, p: &Value, inherited: Option<Schema>) -> bool {
    let r = r.filter(|v| !v.is_null());
    let schema = schema_at(inherited, r, Some(p));
    match p {
        // A patch `null` deletes the field, whatever it held.
        Value::Null => true,
        Value::Object(pm) => {
            if ["$patch", "apiVersion", "kind"]
                .iter()
                .any(|k| pm.contains_key(*k))
            {
                return false;
            }
            let rm = match r {
                None => None,
                Some(Value::Object(rm)) => Some(rm),
                Some(_) => return false,
            };
            pm.iter().all(|(k, pc)| {
                plain(
                    rm.and_then(|m| m.get(k)),
                    pc,
                    schema.and_then(|s| s.field(k)),
                )
            })
        }
        Value::Array(pa) => {
            let Some(keys) = schema.and_then(Schema::merge_keys) else {
                return matches!(r, None | Some(Value::Array(_)));
            };
            let elems = schema.and_then(Schema::elements);
            let Some(ptuples) = tuples(pa, keys) else {
                return false;
            };
            match r {
                None => pa.iter().all(|pe| plain(None, pe, elems)),
                // A settled list's tuples are complete and distinct.
                Some(Value::Array(ra)) => {
                    let found = find(ra, pa, &ptuples, keys);
                    pa.iter()
                        .zip(found)
                        .all(|(pe, at)| plain(at.and_then(|i| ra.get(i)), pe, elems))
                }
                Some(_) => false,
            }
        }
        _ => matches!(
            r,
            None | Some(Value::Bool(_) | Value::Number(_) | Value::String(_))
        ),
    }
}

/// kyaml's merge of `p` into `r` for the plain case ([`plain`]): maps merge
/// field by field, scalars and other lists are replaced, and a keyed list
/// becomes the patch's elements in patch order (merged into the resource's
/// where the key matches) followed by the resource's other elements. With
/// several keys the resource's elements all move behind the new ones (the
/// fold removes and re-appends each); in a list of scalars a matching
/// element keeps the resource's value.
fn apply(r: &mut Value, p: &Value, inherited: Option<Schema>) {
    let schema = schema_at(inherited, Some(&*r).filter(|v| !v.is_null()), Some(p));
    match (&mut *r, p) {
        (Value::Object(rm), Value::Object(pm)) => {
            for (k, pc) in pm {
                let child = schema.and_then(|s| s.field(k));
                if pc.is_null() {
                    rm.remove(k);
                    continue;
                }
                match rm.get_mut(k).filter(|c| !c.is_null()) {
                    Some(rc) => apply(rc, pc, child),
                    None => {
                        rm.insert(k.clone(), new_node(pc, child));
                    }
                }
            }
        }
        (Value::Array(ra), Value::Array(pa)) => {
            let Some(keys) = schema.and_then(Schema::merge_keys) else {
                *r = p.clone();
                return;
            };
            let elems = schema.and_then(Schema::elements);
            let found = match tuples(pa, keys) {
                Some(ptuples) => find(ra, pa, &ptuples, keys),
                None => vec![None; pa.len()],
            };
            if pa.len() <= 8 {
                apply_few(ra, pa, &found, keys, elems);
                return;
            }
            let mut slots: Vec<Option<Value>> = std::mem::take(ra).into_iter().map(Some).collect();
            let mut front = Vec::with_capacity(pa.len() + slots.len());
            let mut merged: Vec<Option<Value>> = vec![None; slots.len()];
            for (pe, at) in pa.iter().zip(found) {
                match at.and_then(|i| Some((i, slots.get_mut(i)?.take()?))) {
                    Some((i, mut re)) => {
                        if !keys.is_empty() {
                            apply(&mut re, pe, elems);
                        }
                        if keys.len() > 1 {
                            if let Some(slot) = merged.get_mut(i) {
                                *slot = Some(re);
                            }
                        } else {
                            front.push(re);
                        }
                    }
                    None => front.push(new_node(pe, elems)),
                }
            }
            let rest = slots
                .into_iter()
                .zip(merged)
                .filter_map(|(untouched, merged)| untouched.or(merged));
            front.extend(rest);
            *ra = front;
        }
        _ => *r = new_node(p, schema),
    }
}

/// What kyaml makes of a patch node with nothing under it in the resource:
/// the patch merged with itself, which drops its `null` fields (in maps and
/// in the elements of key-merged lists; other lists are taken as they are).
fn new_node(p: &Value, inherited: Option<Schema>) -> Value {
    let schema = schema_at(inherited, None, Some(p));
    match p {
        Value::Object(pm) => Value::Object(
            pm.iter()
                .filter(|(_, c)| !c.is_null())
                .map(|(k, c)| (k.clone(), new_node(c, schema.and_then(|s| s.field(k)))))
                .collect(),
        ),
        Value::Array(pa) if schema.and_then(Schema::merge_keys).is_some() => {
            let elems = schema.and_then(Schema::elements);
            Value::Array(pa.iter().map(|e| new_node(e, elems)).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    /// Random numbers, and how many container names to pick from.
    struct Gen(u64, usize);

    impl Gen {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }

        /// Mostly plain values, sometimes not (null, `$patch`, incomplete keys).
        fn container(&mut self, odd: bool) -> Value {
            let mut m = Map::new();
            let name = format!("c{}", self.below(self.1));
            m.insert("name".into(), json!(name));
            if self.below(2) == 0 {
                m.insert("image".into(), json!(self.pick(&["x", "y", "z"])));
            }
            if self.below(3) == 0 {
                let ports: Vec<Value> = (0..self.below(3))
                    .map(|_| {
                        let port = 80 + self.below(3);
                        let protocol = self.pick(&["TCP", "UDP"]);
                        json!({"containerPort": port, "protocol": protocol})
                    })
                    .collect();
                m.insert("ports".into(), Value::Array(ports));
            }
            if self.below(3) == 0 {
                let env: Vec<Value> = (0..self.below(3))
                    .map(|_| json!({"name": self.pick(&["A", "B"]), "value": self.pick(&["1", "2"])}))
                    .collect();
                m.insert("env".into(), Value::Array(env));
            }
            if self.below(4) == 0 {
                m.insert("args".into(), json!([self.pick(&["-v", "-q"])]));
            }
            if odd {
                match self.below(5) {
                    0 => {
                        m.insert("image".into(), Value::Null);
                    }
                    1 => {
                        m.insert("$patch".into(), json!("replace"));
                    }
                    2 => {
                        m.remove("name");
                    }
                    3 => {
                        m.insert("ports".into(), json!([{"containerPort": 80}]));
                    }
                    _ => {}
                }
            }
            Value::Object(m)
        }

        fn containers(&mut self, max: usize, odd: bool) -> Value {
            let mut names = std::collections::HashSet::new();
            let distinct = self.1 > 5;
            Value::Array(
                (0..self.below(max))
                    .map(|_| {
                        let this_odd = odd && self.below(6) == 0;
                        self.container(this_odd)
                    })
                    // Long lists keep their names distinct, to stay plain.
                    .filter(|c| !distinct || names.insert(c.get("name").cloned()))
                    .collect(),
            )
        }
    }

    #[test]
    fn chained_merges_equal_separate_strategic_merges() {
        let mut g = Gen(11, 5);
        let (mut in_place, mut long_in_place) = (0, 0);
        for round in 0..3000 {
            // Every fourth round has long lists: patches of more than eight
            // elements take the indexed path.
            let long = round % 4 == 0;
            g.1 = if long { 40 } else { 5 };
            let start = json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "labels": {"app": "x"}, "finalizers": ["f1"]},
                "spec": {"containers": g.containers(if long { 30 } else { 5 }, round % 3 == 0)}});
            let mut chained = start.clone();
            let mut separate: Result<Value, MutateError> = Ok(start.clone());
            let mut chain = Chain::default();
            for _ in 0..4 {
                let mut spec = Map::new();
                let len = if long { 16 } else { 4 };
                spec.insert("containers".into(), g.containers(len, true));
                if g.below(4) == 0 {
                    spec.insert("hostNetwork".into(), json!(true));
                }
                let mut meta = Map::new();
                if g.below(3) == 0 {
                    meta.insert(
                        "labels".into(),
                        json!({g.pick(&["app", "tier"]): g.pick(&["y", "z"])}),
                    );
                }
                if g.below(3) == 0 {
                    meta.insert("finalizers".into(), json!([g.pick(&["f1", "f2"])]));
                }
                // Nulls delete: existing fields, absent ones, and inside new maps.
                match g.below(6) {
                    0 => {
                        meta.insert("annotations".into(), json!({"x": null, "y": {"z": null}}));
                    }
                    1 => {
                        meta.insert("labels".into(), json!({"app": null}));
                    }
                    2 => {
                        spec.insert("hostNetwork".into(), Value::Null);
                    }
                    3 => {
                        spec.insert("initContainers".into(), json!([{"name": "i", "image": null, "env": [{"name": "A", "value": null}]}]));
                    }
                    _ => {}
                }
                let patch = json!({"metadata": meta, "spec": spec});
                let Ok(prev) = &separate else { break };
                separate = strategic_merge(prev, &patch);
                let result = chain.merge(&mut chained, &patch);
                match (&separate, result) {
                    (Ok(want), Ok(())) => {
                        assert_eq!(&chained, want, "round {round}\npatch {patch}")
                    }
                    (Err(want), Err(got)) => assert_eq!(&got, want),
                    (want, got) => panic!("round {round}: {want:?} vs {got:?}\npatch {patch}"),
                }
            }
            in_place += chain.in_place;
            long_in_place += usize::from(long && chain.in_place > 0);
        }
        assert!(in_place > 1000, "{in_place}");
        assert!(long_in_place > 100, "{long_in_place}");
    }

    #[test]
    fn foreach_sized_chain_applies_in_place_after_the_first_merge() {
        let n = 2_000;
        let containers: Vec<Value> = (0..n)
            .map(|i| json!({"name": format!("c{i}"), "image": "a"}))
            .collect();
        let mut doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": containers}});
        let mut chain = Chain::default();
        for i in (0..n).rev() {
            let patch = json!({"spec": {"containers": [{"name": format!("c{i}"), "image": "b"}]}});
            chain
                .merge(&mut doc, &patch)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        // One full merge to learn the document is settled, then none.
        assert_eq!(chain.in_place, n - 1);
        assert_eq!(
            doc["spec"]["containers"][0],
            json!({"name": "c0", "image": "b"})
        );
        assert_eq!(doc["spec"]["containers"].as_array().map(Vec::len), Some(n));
    }
}
