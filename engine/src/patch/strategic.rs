//! Kyverno's `patchStrategicMerge`: the anchor preprocessing of the patch
//! against the resource (`mutate/patch/strategicPreprocessing.go`), then the
//! kyaml merge ([`super::merge`]).
//!
//! The preprocessing is reproduced with its quirks, because they decide what
//! Kyverno's patched resources look like:
//! - one working copy of an anchored list element is preprocessed against
//!   every resource element in turn, so `+()` decisions made for the first
//!   element carry over to the next ones;
//! - an anchored element that matches a resource element is re-added under
//!   that element's `name`, even when the pattern element had another name;
//! - empty maps left in the patch are removed with the anchors (an
//!   `emptyDir: {}` in a patch is dropped);
//! - anchored list elements are deleted by their original index, which shifts
//!   after the first deletion.

use serde_json::{Map, Value};

use super::{merge, scalar_text, too_deep, MutateError, MAX_DEPTH};
use crate::pattern::anchor::{self, AnchorKind};
use crate::pattern::walk::{Outcome, PatternNode};

/// Kyverno's `patchStrategicMerge`.
///
/// Preprocesses `patch` (already `{{ }}`-substituted) against `resource`:
/// `+(key)` adds only absent keys, `(key)` / `<(key)` conditions are checked
/// with `MatchPattern` semantics (a failed map-level condition, or a global
/// condition no list element meets, turns the patch into `{}`), anchored list
/// elements are applied to each resource element they match (by `name`), and
/// anchor-only entries are removed. The result is merged like kustomize's
/// `patchstrategicmerge` filter: maps recursively, `null` deletes,
/// `$patch: delete|replace|merge` honoured, lists merged by key where the
/// built-in Kubernetes schema says `patchStrategy: merge` (new elements
/// first, in patch order), every other list replaced.
///
/// When nothing applies the result equals the input, except that kyaml also
/// tidies key-merged lists it walks (duplicate keys and empty elements are
/// dropped), as Kyverno does.
///
/// ```
/// use serde_json::json;
/// let pod = json!({
///     "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
///     "spec": {"containers": [{"name": "app", "image": "nginx", "args": ["a", "b"]}]}
/// });
/// let patch = json!({"spec": {"containers": [
///     {"(name)": "app", "imagePullPolicy": "Always", "args": ["c"]},
///     {"name": "sidecar", "image": "busybox"}
/// ]}});
/// let out = verno::unstable::patch::strategic_merge(&pod, &patch).unwrap();
/// assert_eq!(out["spec"]["containers"], json!([
///     {"name": "sidecar", "image": "busybox"},
///     {"name": "app", "image": "nginx", "imagePullPolicy": "Always", "args": ["c"]}
/// ]));
/// // A failed condition at map level leaves the resource as it was.
/// let skip = json!({"metadata": {"labels": {"(app)": "web"}}, "spec": {"hostNetwork": false}});
/// assert_eq!(verno::unstable::patch::strategic_merge(&pod, &skip).unwrap(), pod);
/// ```
pub fn strategic_merge(resource: &Value, patch: &Value) -> Result<Value, MutateError> {
    if too_deep(resource, MAX_DEPTH) || too_deep(patch, MAX_DEPTH) {
        return Err(MutateError::TooDeep);
    }
    let patch = preprocess(patch, resource)?;
    merge::merge(resource, &patch)
}

/// Why preprocessing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PreError {
    /// `ConditionError`: a `(key)` condition failed.
    Condition(String),
    /// `GlobalConditionError`: a `<(key)` condition failed.
    Global(String),
    /// Anything else: the rule errors.
    Other(String),
    /// Go panics here (slice bounds out of range).
    Panic(String),
}

impl std::fmt::Display for PreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreError::Condition(e) => write!(f, "condition failed: {e}"),
            PreError::Global(e) => write!(f, "global condition failed: {e}"),
            PreError::Other(e) | PreError::Panic(e) => f.write_str(e),
        }
    }
}

/// `preProcessStrategicMergePatch` + the handling in `strategicMergePatch`:
/// condition failures give the empty patch, other failures an error.
pub(crate) fn preprocess(patch: &Value, resource: &Value) -> Result<Value, MutateError> {
    let mut pattern = patch.clone();
    match preprocess_pattern(&mut pattern, resource) {
        Ok(()) => Ok(pattern),
        Err(PreError::Condition(_) | PreError::Global(_)) => Ok(Value::Object(Map::new())),
        Err(PreError::Other(e)) => Err(MutateError::Preprocess(e)),
        Err(PreError::Panic(e)) => Err(MutateError::KyvernoPanic(e)),
    }
}

/// `PreProcessPattern`: resolve anchors against the resource, then delete the
/// condition entries.
pub(crate) fn preprocess_pattern(pattern: &mut Value, resource: &Value) -> Result<(), PreError> {
    recurse(pattern, Some(resource), 0)?;
    delete_condition_elements(pattern)
}

fn check_depth(depth: usize) -> Result<(), PreError> {
    if depth > MAX_DEPTH {
        Err(PreError::Other(format!(
            "input nests deeper than {MAX_DEPTH} levels"
        )))
    } else {
        Ok(())
    }
}

/// `preProcessRecursive`. `resource` is `None` where Go has a nil node (the
/// field is absent), which differs from a present `null`.
fn recurse(pattern: &mut Value, resource: Option<&Value>, depth: usize) -> Result<(), PreError> {
    check_depth(depth)?;
    match pattern {
        Value::Object(map) => walk_map(map, resource, depth),
        Value::Array(list) => walk_list(list, resource, depth),
        _ => Ok(()),
    }
}

/// The key an anchor is looked up by in Go (`Anchor.String()`): the parsed
/// form, which differs from the raw key when that had surrounding spaces.
fn canonical(kind: AnchorKind, key: &str) -> String {
    format!("{}({key})", kind.prefix())
}

fn anchored_keys(
    map: &Map<String, Value>,
    pred: impl Fn(AnchorKind) -> bool,
) -> Vec<(AnchorKind, String)> {
    map.keys()
        .filter_map(|k| {
            anchor::parse(k)
                .filter(|a| pred(a.kind))
                .map(|a| (a.kind, a.key.to_string()))
        })
        .collect()
}

fn is_condition(kind: AnchorKind) -> bool {
    matches!(kind, AnchorKind::Condition | AnchorKind::Global)
}

/// `hasAnchor`: the anchors preprocessing acts on.
fn is_mutation_anchor(kind: AnchorKind) -> bool {
    is_condition(kind) || kind == AnchorKind::AddIfNotPresent
}

fn resource_field<'r>(resource: Option<&'r Value>, key: &str) -> Option<&'r Value> {
    resource.and_then(Value::as_object).and_then(|m| m.get(key))
}

fn walk_map(
    map: &mut Map<String, Value>,
    resource: Option<&Value>,
    depth: usize,
) -> Result<(), PreError> {
    handle_add_if_not_present(map, resource);
    validate_conditions(map, resource)?;
    let keys: Vec<String> = map
        .keys()
        .filter(|k| anchor::parse(k).is_none_or(|a| !is_mutation_anchor(a.kind)))
        .cloned()
        .collect();
    for key in keys {
        let res = resource_field(resource, &key);
        if let Some(child) = map.get_mut(&key) {
            recurse(child, res, depth + 1)?;
        }
    }
    Ok(())
}

/// `handleAddIfNotPresentAnchor`: `+(key)` is dropped when the resource has
/// `key` (even with a `null` value) and unwrapped otherwise. Returns how many
/// such anchors there were.
fn handle_add_if_not_present(map: &mut Map<String, Value>, resource: Option<&Value>) -> usize {
    let anchors = anchored_keys(map, |k| k == AnchorKind::AddIfNotPresent);
    for (kind, key) in &anchors {
        let raw = canonical(*kind, key);
        if resource_field(resource, key).is_some() {
            map.remove(&raw);
        } else if let Some(v) = map.remove(&raw) {
            map.insert(key.clone(), v);
        }
    }
    anchors.len()
}

/// `validateConditions`: global anchors first, then conditional ones.
fn validate_conditions(
    map: &mut Map<String, Value>,
    resource: Option<&Value>,
) -> Result<(), PreError> {
    validate_conditions_of(map, resource, AnchorKind::Global).map_err(PreError::Global)?;
    validate_conditions_of(map, resource, AnchorKind::Condition).map_err(PreError::Condition)
}

fn validate_conditions_of(
    map: &mut Map<String, Value>,
    resource: Option<&Value>,
    kind: AnchorKind,
) -> Result<(), String> {
    for (kind, key) in anchored_keys(map, |k| k == kind) {
        let Some(res_value) = resource_field(resource, &key) else {
            return Err(format!("could not found \"{key}\" key in the resource"));
        };
        // Go dereferences a nil field here when the raw key had spaces around
        // the anchor; skipping it is the closest non-crashing behaviour.
        let Some(pattern_value) = map.get_mut(&canonical(kind, &key)) else {
            continue;
        };
        // A condition whose value holds `+()` anchors is not checked at all.
        if let Value::Object(inner) = pattern_value {
            if handle_add_if_not_present(inner, Some(res_value)) > 0 {
                continue;
            }
        }
        check_condition(pattern_value, res_value)?;
    }
    Ok(())
}

/// `checkCondition`: Kyverno's validate `MatchPattern`, after Go's conversion
/// of yaml nodes, which turns every scalar (on both sides) into its text.
fn check_condition(pattern: &Value, resource: &Value) -> Result<(), String> {
    let as_go = |v: &Value| match v {
        Value::Object(_) | Value::Array(_) => v.clone(),
        _ => Value::String(scalar_text(v)),
    };
    let node = PatternNode::compile(&as_go(pattern)).map_err(|e| e.to_string())?;
    match node.validate(&as_go(resource)) {
        Outcome::Pass => Ok(()),
        Outcome::Skip { message } | Outcome::Fail { message, .. } | Outcome::Error { message } => {
            Err(message)
        }
    }
}

fn walk_list(
    list: &mut Vec<Value>,
    resource: Option<&Value>,
    depth: usize,
) -> Result<(), PreError> {
    match list.first() {
        Some(Value::Object(_)) => process_list_of_maps(list, resource, depth),
        _ => Ok(()),
    }
}

/// Go's message for `RNode.Elements()` on a node that is not a list.
fn not_a_list(v: &Value) -> String {
    let kind = match v {
        Value::Object(_) => "MappingNode",
        _ => "ScalarNode",
    };
    format!(
        "wrong node kind: expected SequenceNode but got {kind}: node contents:\n{}\n",
        merge::flow(v)
    )
}

/// `processListOfMaps`.
fn process_list_of_maps(
    list: &mut Vec<Value>,
    resource: Option<&Value>,
    depth: usize,
) -> Result<(), PreError> {
    let resource_elements: &[Value] = match resource {
        None | Some(Value::Null) => &[],
        Some(Value::Array(a)) => a,
        Some(other) => return Err(PreError::Other(not_a_list(other))),
    };
    let originals: Vec<Value> = list.clone();
    for element in &originals {
        if !has_anchors(element, is_mutation_anchor, 0)? {
            continue;
        }
        let has_global = has_anchors(element, |k| k == AnchorKind::Global, 0)?;
        let mut any_global_passed = false;
        let mut last_global_error = None;
        let mut copy = element.clone();
        for res in resource_elements {
            match recurse(&mut copy, Some(res), depth + 1) {
                Ok(()) => {}
                Err(PreError::Condition(_)) => continue,
                Err(e @ PreError::Global(_)) => {
                    last_global_error = Some(e);
                    continue;
                }
                Err(e) => return Err(e),
            }
            if has_global {
                any_global_passed = true;
            } else {
                add_named_copy(list, &copy, res)?;
            }
        }
        if resource.is_none() {
            match recurse(&mut copy, None, depth + 1) {
                Ok(()) => {}
                Err(PreError::Condition(_)) => continue,
                Err(e) => return Err(e),
            }
            if has_global {
                any_global_passed = true;
            }
        }
        if !any_global_passed {
            if let Some(e) = last_global_error {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// `handlePatternName`: append an anchor-free copy of the element carrying
/// the resource element's `name`, so that kyaml merges it into that element.
fn add_named_copy(list: &mut Vec<Value>, element: &Value, res: &Value) -> Result<(), PreError> {
    let Some(name) = res.as_object().and_then(|m| m.get("name")) else {
        return Ok(());
    };
    if is_nil_or_empty(name) {
        return Ok(());
    }
    let mut copy = element.clone();
    if delete_anchors(&mut copy, true, 0)? {
        return Ok(());
    }
    match &mut copy {
        Value::Object(m) => {
            m.insert("name".to_string(), name.clone());
        }
        other => {
            return Err(PreError::Other(format!(
                "failed to update name in pattern: wrong node kind: expected MappingNode but got {}: node contents:\n{}\n",
                if other.is_array() { "SequenceNode" } else { "ScalarNode" },
                merge::flow(other)
            )))
        }
    }
    list.push(copy);
    Ok(())
}

/// kyaml's `IsNilOrEmpty`: null, `{}` or `[]`.
fn is_nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// `hasAnchors`. A scalar counts when its text is a `()` or `<()` anchor,
/// whatever `pred` asks for (as in Go).
fn has_anchors(
    v: &Value,
    pred: impl Fn(AnchorKind) -> bool + Copy,
    depth: usize,
) -> Result<bool, PreError> {
    check_depth(depth)?;
    Ok(match v {
        Value::Object(m) => {
            for (k, child) in m {
                if anchor::parse(k).is_some_and(|a| pred(a.kind)) {
                    return Ok(true);
                }
                if !is_nil_or_empty(child) && has_anchors(child, pred, depth + 1)? {
                    return Ok(true);
                }
            }
            false
        }
        Value::Array(a) => {
            for e in a {
                if has_anchors(e, pred, depth + 1)? {
                    return Ok(true);
                }
            }
            false
        }
        Value::String(s) => anchor::parse(s).is_some_and(|a| is_condition(a.kind)),
        _ => false,
    })
}

/// `deleteConditionElements`: drop condition entries (and what becomes empty)
/// from the top-level patch.
fn delete_condition_elements(pattern: &mut Value) -> Result<(), PreError> {
    let map = match pattern {
        Value::Object(m) => m,
        Value::Null => return Ok(()),
        other => {
            return Err(PreError::Other(format!(
                "wrong node kind: expected MappingNode but got {}: node contents:\n{}\n",
                if other.is_array() {
                    "SequenceNode"
                } else {
                    "ScalarNode"
                },
                merge::flow(other)
            )))
        }
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let delete_scalar = anchor::parse(&key).is_some_and(|a| is_condition(a.kind));
        let Some(v) = map.get_mut(&key) else { continue };
        if delete_anchors(v, delete_scalar, 1)? {
            map.remove(&key);
        }
    }
    Ok(())
}

/// `deleteAnchors` (with `traverseMappingNodes` false, the only way Kyverno
/// calls it): strip condition anchors and report whether the node is left
/// with nothing worth patching.
fn delete_anchors(node: &mut Value, delete_scalar: bool, depth: usize) -> Result<bool, PreError> {
    check_depth(depth)?;
    match node {
        Value::Object(m) => delete_anchors_in_map(m, depth),
        Value::Array(a) => delete_anchors_in_list(a, depth),
        _ => Ok(delete_scalar),
    }
}

fn delete_anchors_in_map(map: &mut Map<String, Value>, depth: usize) -> Result<bool, PreError> {
    let anchors = anchored_keys(map, is_condition);
    let mut anchors_exist = false;
    for (kind, key) in &anchors {
        let raw = canonical(*kind, key);
        let Some(v) = map.get_mut(&raw) else { continue };
        if delete_anchors(v, true, depth + 1)? {
            map.remove(&raw);
        } else {
            anchors_exist = true;
        }
    }
    if anchors_exist {
        for (kind, key) in anchored_keys(map, is_condition) {
            if let Some(v) = map.remove(&canonical(kind, &key)) {
                map.insert(key, v);
            }
        }
    }
    // An empty map counts as deletable too: Go starts from "delete" and only
    // a surviving field keeps the map.
    let mut need_to_delete = true;
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let Some(v) = map.get_mut(&key) else { continue };
        if delete_anchors(v, false, depth + 1)? {
            map.remove(&key);
        } else {
            need_to_delete = false;
        }
    }
    Ok(need_to_delete)
}

/// `deleteAnchorsInList`. Go removes `Content[i]` with `i` the element's
/// original position, so after one removal the following ones hit the wrong
/// element, and past the end Go panics.
fn delete_anchors_in_list(list: &mut Vec<Value>, depth: usize) -> Result<bool, PreError> {
    let was_empty = list.is_empty();
    // Each entry keeps its original index, to find it after removals.
    let mut items: Vec<(usize, Value)> = std::mem::take(list).into_iter().enumerate().collect();
    let mut detached: Vec<(usize, Value)> = Vec::new();
    let total = items.len();
    let mut result = Ok(());
    for i in 0..total {
        let delete = {
            // `items` stays ordered by original index: a binary search finds
            // the element where a scan per element would make this quadratic.
            let element = match items.binary_search_by_key(&i, |(o, _)| *o) {
                Ok(at) => match items.get_mut(at) {
                    Some((_, v)) => v,
                    None => continue,
                },
                Err(_) => match detached.iter_mut().find(|(o, _)| *o == i) {
                    Some((_, v)) => v,
                    None => continue,
                },
            };
            if has_anchors(element, is_mutation_anchor, depth + 1)? {
                true
            } else {
                delete_anchors(element, false, depth + 1)?
            }
        };
        if delete {
            if i < items.len() {
                let removed = items.remove(i);
                detached.push(removed);
            } else {
                result = Err(PreError::Panic(format!(
                    "runtime error: slice bounds out of range [{}:{}]",
                    i + 1,
                    items.len()
                )));
                break;
            }
        }
    }
    *list = items.into_iter().map(|(_, v)| v).collect();
    result?;
    Ok(list.is_empty() && !was_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pre(pattern: Value, resource: Value) -> Result<Value, PreError> {
        let mut p = pattern;
        preprocess_pattern(&mut p, &resource).map(|()| p)
    }

    #[test]
    fn add_if_not_present_is_unwrapped_or_dropped() {
        let out = pre(
            json!({"metadata": {"labels": {"+(a)": "1", "+(b)": "2"}}}),
            json!({"metadata": {"labels": {"a": "x"}}}),
        );
        assert_eq!(out, Ok(json!({"metadata": {"labels": {"b": "2"}}})));
    }

    #[test]
    fn add_if_not_present_treats_null_as_present() {
        let out = pre(
            json!({"spec": {"+(x)": 1, "y": 2}}),
            json!({"spec": {"x": null}}),
        );
        assert_eq!(out, Ok(json!({"spec": {"y": 2}})));
    }

    #[test]
    fn failed_condition_is_a_condition_error() {
        let out = pre(
            json!({"metadata": {"labels": {"(key1)": "value1"}}}),
            json!({"metadata": {"name": "x"}}),
        );
        assert_eq!(
            out.map_err(|e| e.to_string()),
            Err("condition failed: could not found \"key1\" key in the resource".to_string())
        );
    }

    #[test]
    fn scalars_compare_as_text() {
        // `true` (bool) in the patch matches "true" (string) in the resource.
        let out = pre(
            json!({"metadata": {"labels": {"(a)": true}, "x": 1}}),
            json!({"metadata": {"labels": {"a": "true"}}}),
        );
        assert_eq!(out, Ok(json!({"metadata": {"x": 1}})));
    }

    #[test]
    fn condition_with_add_anchor_inside_is_not_checked() {
        let out = pre(
            json!({"spec": {"(securityContext)": {"+(runAsNonRoot)": true}, "x": 1}}),
            json!({"spec": {"securityContext": {"privileged": false}}}),
        );
        assert_eq!(
            out,
            Ok(json!({"spec": {"securityContext": {"runAsNonRoot": true}, "x": 1}}))
        );
    }

    #[test]
    fn empty_map_in_patch_is_dropped() {
        let out = pre(
            json!({"spec": {"volumes": [{"name": "cache", "emptyDir": {}}]}}),
            json!({"spec": {}}),
        );
        assert_eq!(out, Ok(json!({"spec": {"volumes": [{"name": "cache"}]}})));
    }

    #[test]
    fn named_element_with_add_anchor_applies_to_every_element() {
        let out = pre(
            json!({"spec": {"containers": [{"name": "x", "securityContext": {"+(privileged)": false}}]}}),
            json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {"privileged": true}}]}}),
        );
        // The working copy lost its `+()` at the first element, so `b` gets it too.
        assert_eq!(
            out,
            Ok(json!({"spec": {"containers": [
                {"name": "a", "securityContext": {"privileged": false}},
                {"name": "b", "securityContext": {"privileged": false}}
            ]}}))
        );
    }

    #[test]
    fn second_anchored_element_deletes_the_wrong_entry() {
        // Go deletes by original index after a shift: the second anchored
        // element survives and the first named copy is lost.
        let out = pre(
            json!({"spec": {"containers": [
                {"(name)": "a", "image": "x"},
                {"(name)": "b", "image": "y"}
            ]}}),
            json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}),
        );
        assert_eq!(
            out,
            Ok(json!({"spec": {"containers": [
                {"(name)": "b", "image": "y"},
                {"name": "b", "image": "y"}
            ]}}))
        );
    }

    #[test]
    fn two_unmatched_anchored_elements_panic_in_go() {
        let out = pre(
            json!({"spec": {"containers": [{"(name)": "a", "image": "x"}, {"(name)": "b", "image": "y"}]}}),
            json!({"spec": {"containers": [{"name": "c"}]}}),
        );
        assert!(matches!(out, Err(PreError::Panic(_))), "{out:?}");
    }

    #[test]
    fn list_resource_that_is_a_map_is_an_error() {
        let out = pre(
            json!({"spec": {"containers": [{"(name)": "a"}]}}),
            json!({"spec": {"containers": {"a": 1}}}),
        );
        assert!(
            matches!(out, Err(PreError::Other(ref m)) if m.starts_with("wrong node kind: expected SequenceNode but got MappingNode")),
            "{out:?}"
        );
    }

    #[test]
    fn global_condition_in_missing_list_drops_patch() {
        let out = pre(
            json!({"metadata": {"annotations": {"+(a)": "true"}}, "spec": {"volumes": [{"<(emptyDir)": {}}]}}),
            json!({"spec": {"containers": [{"name": "nginx"}]}}),
        );
        assert_eq!(
            out.map_err(|e| e.to_string()),
            Err(
                "global condition failed: could not found \"emptyDir\" key in the resource"
                    .to_string()
            )
        );
    }
}
