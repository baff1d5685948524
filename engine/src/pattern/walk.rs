//! `validate.pattern`: the compiled pattern tree and Kyverno's walk over a
//! resource (`pkg/engine/validate/validate.go`, `pkg/engine/anchor/handlers.go`).
//!
//! The walk reproduces Kyverno's evaluation order exactly, because the order
//! decides which failure path is reported and whether a rule fails or skips.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::go::fmt as gofmt;
use crate::go::wildcard;
use crate::pattern::anchor::{self, AnchorKind};
use crate::pattern::operators::ScalarPattern;

/// Nesting bound for hostile patterns (a policy is not expected to nest deeper).
pub const MAX_PATTERN_DEPTH: usize = 256;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub enum PatternNode {
    /// Map.
    Map(MapNode),
    /// Array.
    Array(ArrayNode),
    /// Scalar.
    Scalar {
        /// The pattern.
        pattern: ScalarPattern,
        /// The raw.
        raw: Value,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    /// The resource key to look up (anchor stripped).
    key: String,
    anchor: Option<AnchorKind>,
    node: PatternNode,
    /// `*` as a plain value: "present and non-null", checked by the default handler.
    is_star: bool,
}

/// A compiled map pattern: its anchored and plain keys.
#[derive(Debug, Clone)]
pub struct MapNode {
    /// Phase A: condition, existence, equality and negation anchors, byte-sorted.
    anchors: Vec<Entry>,
    /// Phase B: everything else, in Kyverno's order.
    others: Vec<Entry>,
    /// Keys tracked by the anchor map (`CheckAnchorInResource`).
    tracked: Vec<(String, String)>,
    /// The raw map, kept only when `ExpandInMetadata` can change it.
    expandable: Option<Arc<Map<String, Value>>>,
}

/// A compiled list pattern.
#[derive(Debug, Clone)]
pub enum ArrayNode {
    /// Empty.
    Empty,
    /// Each map.
    EachMap(Box<PatternNode>),
    /// Each scalar.
    EachScalar {
        /// The pattern.
        pattern: ScalarPattern,
        /// The raw.
        raw: Value,
    },
    /// Positional.
    Positional(Vec<PatternNode>),
}

/// A pattern that could not be compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("pattern nests deeper than {MAX_PATTERN_DEPTH} levels at {path}")]
pub struct PatternTooDeep {
    /// The path.
    pub path: String,
}

impl PatternNode {
    /// Compile a pattern value.
    ///
    /// ```
    /// use verno::unstable::pattern::walk::{PatternNode, Outcome};
    /// let p = PatternNode::compile(&serde_json::json!({"metadata": {"labels": {"app": "?*"}}})).unwrap();
    /// let pod = serde_json::json!({"metadata": {"labels": {}}});
    /// assert_eq!(p.validate(&pod), Outcome::Fail { path: "/metadata/labels/app/".into(), message: "resource value '<nil>' does not match '?*' at path /metadata/labels/app/".into() });
    /// ```
    pub fn compile(v: &Value) -> Result<PatternNode, PatternTooDeep> {
        compile_node(v, 0, "/")
    }
}

fn compile_node(v: &Value, depth: usize, path: &str) -> Result<PatternNode, PatternTooDeep> {
    if depth > MAX_PATTERN_DEPTH {
        return Err(PatternTooDeep {
            path: path.to_string(),
        });
    }
    Ok(match v {
        Value::Object(m) => PatternNode::Map(compile_map(m, depth, path)?),
        Value::Array(a) => PatternNode::Array(match a.first() {
            None => ArrayNode::Empty,
            Some(first @ Value::Object(_)) => {
                ArrayNode::EachMap(Box::new(compile_node(first, depth + 1, path)?))
            }
            Some(Value::Array(_)) => ArrayNode::Positional(
                a.iter()
                    .enumerate()
                    .map(|(i, e)| compile_node(e, depth + 1, &format!("{path}{i}/")))
                    .collect::<Result<_, _>>()?,
            ),
            Some(first) => ArrayNode::EachScalar {
                pattern: ScalarPattern::compile(first),
                raw: first.clone(),
            },
        }),
        other => PatternNode::Scalar {
            pattern: ScalarPattern::compile(other),
            raw: other.clone(),
        },
    })
}

fn has_nested_anchors(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.keys()
                .any(|k| anchor::parse(k).is_some_and(|a| a.kind != AnchorKind::AddIfNotPresent))
                || m.values().any(has_nested_anchors)
        }
        Value::Array(a) => a.iter().any(has_nested_anchors),
        _ => false,
    }
}

fn compile_map(
    m: &Map<String, Value>,
    depth: usize,
    path: &str,
) -> Result<MapNode, PatternTooDeep> {
    let mut anchors = Vec::new();
    let mut front = Vec::new();
    let mut back = Vec::new();
    let mut tracked = Vec::new();
    // serde_json maps iterate in byte order, which is Go's sort.Strings order.
    for (raw_key, value) in m {
        let parsed = anchor::parse(raw_key);
        let kind = parsed.as_ref().map(|a| a.kind);
        let key = parsed
            .as_ref()
            .map_or(raw_key.as_str(), |a| a.key)
            .to_string();
        if matches!(
            kind,
            Some(AnchorKind::Condition | AnchorKind::Existence | AnchorKind::Negation)
        ) {
            tracked.push((raw_key.clone(), key.clone()));
        }
        let child_path = format!("{path}{key}/");
        let entry = Entry {
            node: compile_node(value, depth + 1, &child_path)?,
            is_star: value.as_str() == Some("*"),
            anchor: kind,
            key: match kind {
                // The default handler looks the raw key up (e.g. `+(k)` in validate).
                None | Some(AnchorKind::AddIfNotPresent) => raw_key.clone(),
                _ => key,
            },
        };
        match kind {
            Some(k) if k.is_phase_a() => anchors.push(entry),
            Some(AnchorKind::Global) => front.push(entry),
            _ if has_nested_anchors(value) => front.push(entry),
            _ => back.push(entry),
        }
    }
    // PushFront reverses the sorted order of the front group.
    front.reverse();
    front.extend(back);
    let expandable = metadata_expansion_can_change(m).then(|| Arc::new(m.clone()));
    Ok(MapNode {
        anchors,
        others: front,
        tracked,
        expandable,
    })
}

/// `getPatternValue`: a key equal to `tag`, or an anchor around it.
fn pattern_value<'a>(tag: &str, m: &'a Map<String, Value>) -> Option<(&'a String, &'a Value)> {
    m.iter()
        .find(|(k, _)| k.as_str() == tag || anchor::parse(k).is_some_and(|a| a.key == tag))
}

/// Whether `ExpandInMetadata` could rewrite this map: some `labels` or
/// `annotations` pattern under `metadata` has wildcard keys or non-string values.
fn metadata_expansion_can_change(m: &Map<String, Value>) -> bool {
    let Some((_, Value::Object(meta))) = pattern_value("metadata", m) else {
        return false;
    };
    ["labels", "annotations"]
        .iter()
        .any(|tag| match pattern_value(tag, meta) {
            Some((_, Value::Object(inner))) => inner
                .iter()
                .any(|(k, v)| wildcard::contains_wildcard(k) || !v.is_string()),
            _ => false,
        })
}

/// `wildcards.ExpandInMetadata`, applied to a copy.
fn expand_in_metadata(
    pattern: &Map<String, Value>,
    resource: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = pattern.clone();
    let Some((meta_key, Value::Object(pmeta))) = pattern_value("metadata", pattern) else {
        return out;
    };
    let Some(rmeta) = resource.get("metadata").filter(|v| !v.is_null()) else {
        return out;
    };
    let mut new_meta = pmeta.clone();
    for tag in ["labels", "annotations"] {
        let Some((pkey, Value::Object(pdata))) = pattern_value(tag, pmeta) else {
            continue;
        };
        let Some(rdata) = rmeta
            .as_object()
            .and_then(|r| pattern_value(tag, r))
            .and_then(|(_, v)| v.as_object())
        else {
            continue;
        };
        let rstrings: Vec<&String> = rdata
            .iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, _)| k)
            .collect();
        let mut result = Map::new();
        for (k, v) in pdata.iter().filter(|(_, v)| v.is_string()) {
            if wildcard::contains_wildcard(k) {
                let (prefix, inner) = match anchor::parse(k) {
                    Some(a) => (a.kind.prefix(), a.key),
                    None => ("", k.as_str()),
                };
                let matched = rstrings
                    .iter()
                    .find(|rk| wildcard::matches(inner, rk))
                    .map_or(inner, |rk| rk.as_str());
                let new_key = if prefix.is_empty() && anchor::parse(k).is_none() {
                    matched.to_string()
                } else {
                    format!("{prefix}({matched})")
                };
                result.insert(new_key, v.clone());
            } else {
                result.insert(k.clone(), v.clone());
            }
        }
        new_meta.insert(pkey.clone(), Value::Object(result));
    }
    out.insert(meta_key.clone(), Value::Object(new_meta));
    out
}

/// How a walk error is classified (Kyverno checks error types, then substrings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrKind {
    Conditional,
    Global,
    Negation,
    /// A `PatternError` carrying aggregated skips.
    SkipAggregate,
    Plain,
}

#[derive(Debug, Clone)]
struct WalkError {
    kind: ErrKind,
    message: String,
}

const COND_MSG: &str = "conditional anchor mismatch";
const GLOBAL_MSG: &str = "global anchor mismatch";
const NEG_MSG: &str = "negation anchor matched in resource";

impl WalkError {
    fn plain(message: String) -> Self {
        WalkError {
            kind: ErrKind::Plain,
            message,
        }
    }
    fn anchor(kind: ErrKind, prefix: &str, msg: &str) -> Self {
        WalkError {
            kind,
            message: format!("{prefix}: {msg}"),
        }
    }
    fn is_skip(&self) -> bool {
        match self.kind {
            ErrKind::Conditional | ErrKind::Global => true,
            ErrKind::Negation => false,
            _ => self.message.contains(COND_MSG) || self.message.contains(GLOBAL_MSG),
        }
    }
    fn is_fail(&self) -> bool {
        match self.kind {
            ErrKind::Negation => true,
            ErrKind::Conditional | ErrKind::Global => false,
            _ => self.message.contains(NEG_MSG),
        }
    }
    /// A skip that is not an aggregated `PatternError` (a bare anchor error).
    fn is_direct(&self) -> bool {
        self.kind != ErrKind::SkipAggregate
    }
}

type WalkResult = Result<(), (String, WalkError)>;

fn combine(errs: &[WalkError]) -> String {
    errs.iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

struct Walker {
    /// `AnchorMap`: conditional/existence/negation keys and whether any
    /// visited resource map had them.
    anchor_map: HashMap<String, bool>,
    depth: usize,
}

/// The outcome of matching a resource against a pattern (`MatchPattern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Pass.
    Pass,
    /// A conditional or global anchor did not match: the rule does not apply.
    Skip {
        /// The message.
        message: String,
    },
    /// The resource violates the pattern at `path`.
    Fail {
        /// The path.
        path: String,
        /// The message.
        message: String,
    },
    /// The pattern could not be applied (Kyverno's "empty path" errors).
    Error {
        /// The message.
        message: String,
    },
}

impl PatternNode {
    /// `MatchPattern(resource, pattern)`.
    pub fn validate(&self, resource: &Value) -> Outcome {
        let mut w = Walker {
            anchor_map: HashMap::new(),
            depth: 0,
        };
        match w.element(resource, self, "/") {
            Ok(()) => Outcome::Pass,
            Err((path, err)) => {
                if err.is_skip() {
                    Outcome::Skip {
                        message: err.message,
                    }
                } else if err.is_fail() {
                    Outcome::Fail {
                        path,
                        message: err.message,
                    }
                } else if w.keys_are_missing() || path.is_empty() {
                    Outcome::Error {
                        message: err.message,
                    }
                } else {
                    Outcome::Fail {
                        path,
                        message: err.message,
                    }
                }
            }
        }
    }
}

impl Walker {
    fn keys_are_missing(&self) -> bool {
        self.anchor_map.iter().any(|(k, found)| {
            !found && !anchor::parse(k).is_some_and(|a| a.kind == AnchorKind::Negation)
        })
    }

    fn element(&mut self, resource: &Value, pattern: &PatternNode, path: &str) -> WalkResult {
        self.depth += 1;
        let r = if self.depth > MAX_PATTERN_DEPTH * 2 {
            Err((
                String::new(),
                WalkError::plain("pattern nesting too deep".into()),
            ))
        } else {
            self.element_inner(resource, pattern, path)
        };
        self.depth -= 1;
        r
    }

    fn element_inner(&mut self, resource: &Value, pattern: &PatternNode, path: &str) -> WalkResult {
        match pattern {
            PatternNode::Map(m) => {
                let Value::Object(rmap) = resource else {
                    return Err((
                        path.to_string(),
                        WalkError::plain(format!(
                            "pattern and resource have different structures. Path: {path}. Expected map[string]interface {{}}, found {}",
                            gofmt::type_name(resource)
                        )),
                    ));
                };
                for (raw, key) in &m.tracked {
                    let found = self.anchor_map.entry(raw.clone()).or_insert(false);
                    if !*found && rmap.contains_key(key) {
                        *found = true;
                    }
                }
                match &m.expandable {
                    Some(raw) => {
                        let expanded = expand_in_metadata(raw, rmap);
                        match compile_map(&expanded, 0, path) {
                            Ok(node) => self.map(rmap, &node, path),
                            Err(e) => Err((String::new(), WalkError::plain(e.to_string()))),
                        }
                    }
                    None => self.map(rmap, m, path),
                }
            }
            PatternNode::Array(a) => {
                let Value::Array(rarr) = resource else {
                    return Err((
                        path.to_string(),
                        WalkError::plain(format!(
                            "validation rule failed at path {path}, resource does not satisfy the expected overlay pattern"
                        )),
                    ));
                };
                self.array(rarr, a, path)
            }
            PatternNode::Scalar { pattern, raw } => scalar(resource, pattern, raw, path),
        }
    }

    fn map(&mut self, resource: &Map<String, Value>, node: &MapNode, path: &str) -> WalkResult {
        let mut skips: Vec<WalkError> = Vec::new();
        let mut applied = 0usize;
        for e in &node.anchors {
            match self.handle(resource, e, path) {
                Ok(()) => applied += 1,
                Err((p, err)) => {
                    if err.is_skip() {
                        skips.push(err);
                        continue;
                    }
                    if !skips.iter().any(WalkError::is_direct) {
                        return Err((p, err));
                    }
                }
            }
        }
        if !skips.is_empty() && (applied == 0 || skips.iter().any(WalkError::is_direct)) {
            return Err((
                path.to_string(),
                WalkError {
                    kind: ErrKind::SkipAggregate,
                    message: combine(&skips),
                },
            ));
        }
        for e in &node.others {
            self.handle(resource, e, path)?;
        }
        Ok(())
    }

    /// The anchor handlers (`CreateElementHandler(...).Handle`).
    fn handle(&mut self, resource: &Map<String, Value>, e: &Entry, path: &str) -> WalkResult {
        let current = format!("{path}{}/", e.key);
        match e.anchor {
            Some(AnchorKind::Negation) => {
                if resource.contains_key(&e.key) {
                    let err = WalkError::anchor(ErrKind::Negation, NEG_MSG, &format!("{current} is not allowed"));
                    return Err((current, err));
                }
                Ok(())
            }
            Some(AnchorKind::Equality) => match resource.get(&e.key) {
                Some(v) => self.element(v, &e.node, &current),
                None => Ok(()),
            },
            Some(AnchorKind::Condition) => match resource.get(&e.key) {
                Some(v) => self.element(v, &e.node, &current).map_err(|(p, err)| {
                    (p, WalkError::anchor(ErrKind::Conditional, COND_MSG, &err.message))
                }),
                None => Err((
                    current,
                    WalkError::anchor(ErrKind::Conditional, COND_MSG, "conditional anchor key doesn't exist in the resource"),
                )),
            },
            Some(AnchorKind::Global) => match resource.get(&e.key) {
                Some(v) => self.element(v, &e.node, &current).map_err(|(p, err)| {
                    (p, WalkError::anchor(ErrKind::Global, GLOBAL_MSG, &err.message))
                }),
                None => Ok(()),
            },
            Some(AnchorKind::Existence) => match resource.get(&e.key) {
                None => Ok(()),
                Some(Value::Array(items)) => {
                    let PatternNode::Array(arr) = &e.node else {
                        return Err((
                            current,
                            WalkError::plain(format!(
                                "invalid pattern type {}: Pattern has to be of list to compare against resource",
                                node_type_name(&e.node)
                            )),
                        ));
                    };
                    let patterns: Vec<&PatternNode> = match arr {
                        ArrayNode::Empty => vec![],
                        ArrayNode::EachMap(m) => vec![m.as_ref()],
                        ArrayNode::EachScalar { .. } | ArrayNode::Positional(_) => {
                            return Err((
                                current,
                                WalkError::plain(
                                    "invalid pattern type []interface {}: Pattern has to be of type map to compare against items in resource".into(),
                                ),
                            ))
                        }
                    };
                    for p in patterns {
                        let found = items
                            .iter()
                            .enumerate()
                            .any(|(i, item)| self.element(item, p, &format!("{current}{i}/")).is_ok());
                        if !found {
                            return Err((
                                current.clone(),
                                WalkError::plain(format!("existence anchor validation failed at path {current}")),
                            ));
                        }
                    }
                    Ok(())
                }
                Some(other) => Err((
                    current,
                    WalkError::plain(format!(
                        "invalid resource type {}: Existence ^ () anchor can be used only on list/array type resource",
                        gofmt::type_name(other)
                    )),
                )),
            },
            // Default handler: plain keys, and `+(k)` taken literally.
            None | Some(AnchorKind::AddIfNotPresent) => {
                let value = resource.get(&e.key);
                if e.is_star {
                    return match value {
                        Some(v) if !v.is_null() => Ok(()),
                        _ => Err((path.to_string(), WalkError::plain(format!("{path}/{} not found", e.key)))),
                    };
                }
                self.element(value.unwrap_or(&Value::Null), &e.node, &current)
            }
        }
    }

    fn array(&mut self, resource: &[Value], node: &ArrayNode, path: &str) -> WalkResult {
        match node {
            ArrayNode::Empty => Err((
                path.to_string(),
                WalkError::plain("pattern Array empty".into()),
            )),
            ArrayNode::EachMap(p) => {
                self.elements(resource.iter().map(|item| (item, p.as_ref())), path)
            }
            ArrayNode::EachScalar { pattern, raw } => {
                scalar_over_array(resource, pattern, raw, path)
            }
            ArrayNode::Positional(ps) => {
                if resource.len() < ps.len() {
                    return Err((
                        String::new(),
                        WalkError::plain(format!(
                            "validate Array failed, array length mismatch, resource Array len is {} and pattern Array len is {}",
                            resource.len(),
                            ps.len()
                        )),
                    ));
                }
                self.elements(resource.iter().zip(ps), path)
            }
        }
    }

    /// Match element i against its pattern: skips are collected, the first
    /// other error wins, and all-skipped is an aggregated skip.
    fn elements<'v>(
        &mut self,
        pairs: impl Iterator<Item = (&'v Value, &'v PatternNode)>,
        path: &str,
    ) -> WalkResult {
        let mut applied = 0usize;
        let mut skips = Vec::new();
        for (i, (item, p)) in pairs.enumerate() {
            match self.element(item, p, &format!("{path}{i}/")) {
                Ok(()) => applied += 1,
                Err((_, err)) if err.is_skip() => skips.push(err),
                Err(e) => return Err(e),
            }
        }
        if applied == 0 && !skips.is_empty() {
            return Err((
                path.to_string(),
                WalkError {
                    kind: ErrKind::SkipAggregate,
                    message: combine(&skips),
                },
            ));
        }
        Ok(())
    }
}

fn node_type_name(n: &PatternNode) -> &'static str {
    match n {
        PatternNode::Map(_) => "map[string]interface {}",
        PatternNode::Array(_) => "[]interface {}",
        PatternNode::Scalar { raw, .. } => gofmt::type_name(raw),
    }
}

fn mismatch(resource: &Value, raw: &Value, path: &str) -> (String, WalkError) {
    (
        path.to_string(),
        WalkError::plain(format!(
            "resource value '{}' does not match '{}' at path {path}",
            gofmt::format_v(resource),
            gofmt::format_v(raw)
        )),
    )
}

fn scalar_over_array(
    resource: &[Value],
    pattern: &ScalarPattern,
    raw: &Value,
    path: &str,
) -> WalkResult {
    if resource.iter().all(|r| pattern.matches(r)) {
        Ok(())
    } else {
        Err(mismatch(&Value::Array(resource.to_vec()), raw, path))
    }
}

fn scalar(resource: &Value, pattern: &ScalarPattern, raw: &Value, path: &str) -> WalkResult {
    match resource {
        Value::Array(items) => scalar_over_array(items, pattern, raw, path),
        _ if pattern.matches(resource) => Ok(()),
        _ => Err(mismatch(resource, raw, path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(p: Value, r: Value) -> Outcome {
        PatternNode::compile(&p).unwrap().validate(&r)
    }

    #[test]
    fn failure_path_of_missing_label() {
        let p = json!({"metadata": {"labels": {"app.kubernetes.io/name": "?*"}}});
        assert_eq!(
            run(p.clone(), json!({"metadata": {"name": "x"}})),
            Outcome::Fail {
                path: "/metadata/labels/".into(),
                message: "pattern and resource have different structures. Path: /metadata/labels/. Expected map[string]interface {}, found <nil>".into()
            }
        );
        assert!(matches!(
            run(
                p,
                json!({"metadata": {"labels": {"app.kubernetes.io/name": "x"}}})
            ),
            Outcome::Pass
        ));
    }

    #[test]
    fn plain_star_fails_at_parent_path() {
        let p = json!({"metadata": {"labels": {"app": "*"}}});
        match run(p, json!({"metadata": {"labels": {}}})) {
            Outcome::Fail { path, message } => {
                assert_eq!(path, "/metadata/labels/");
                assert_eq!(message, "/metadata/labels//app not found");
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn equality_anchor_on_containers_reports_element_path() {
        let p =
            json!({"spec": {"containers": [{"=(securityContext)": {"=(privileged)": "false"}}]}});
        let r = json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {"privileged": true}}]}});
        assert_eq!(
            run(p, r),
            Outcome::Fail {
                path: "/spec/containers/1/securityContext/privileged/".into(),
                message: "resource value 'true' does not match 'false' at path /spec/containers/1/securityContext/privileged/".into()
            }
        );
    }

    #[test]
    fn conditional_anchor_mismatch_skips() {
        let p =
            json!({"spec": {"containers": [{"(image)": "*:latest", "imagePullPolicy": "Always"}]}});
        let r =
            json!({"spec": {"containers": [{"image": "nginx:1.0", "imagePullPolicy": "Never"}]}});
        match run(p, r) {
            Outcome::Skip { message } => assert_eq!(
                message,
                "conditional anchor mismatch: resource value 'nginx:1.0' does not match '*:latest' at path /spec/containers/0/image/"
            ),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn negation_anchor_fails_at_key_path() {
        let p = json!({"spec": {"=(volumes)": [{"X(hostPath)": "null"}]}});
        let r = json!({"spec": {"volumes": [{"name": "a", "hostPath": {"path": "/"}}]}});
        assert_eq!(
            run(p, r),
            Outcome::Fail {
                path: "/spec/volumes/0/hostPath/".into(),
                message:
                    "negation anchor matched in resource: /spec/volumes/0/hostPath/ is not allowed"
                        .into()
            }
        );
    }

    #[test]
    fn conditional_key_never_present_turns_failure_into_error() {
        let p = json!({"spec": {"(foo)": "bar", "x": "y"}, "metadata": {"name": "?*"}});
        // The conditional key is absent: skip is returned from spec, which wins.
        assert!(matches!(
            run(p, json!({"spec": {"x": "z"}, "metadata": {}})),
            Outcome::Skip { .. }
        ));
    }

    #[test]
    fn existence_anchor_needs_one_matching_element() {
        let p = json!({"spec": {"^(containers)": [{"image": "nginx*"}]}});
        assert_eq!(
            run(
                p.clone(),
                json!({"spec": {"containers": [{"image": "a"}, {"image": "nginx:1"}]}})
            ),
            Outcome::Pass
        );
        assert_eq!(
            run(p, json!({"spec": {"containers": [{"image": "a"}]}})),
            Outcome::Fail {
                path: "/spec/containers/".into(),
                message: "existence anchor validation failed at path /spec/containers/".into()
            }
        );
    }

    #[test]
    fn metadata_label_wildcard_keys_expand() {
        let p = json!({"metadata": {"labels": {"app.*/name": "?*"}}});
        assert_eq!(
            run(
                p.clone(),
                json!({"metadata": {"labels": {"app.kubernetes.io/name": "x"}}})
            ),
            Outcome::Pass
        );
        assert!(matches!(
            run(p, json!({"metadata": {"labels": {"other": "x"}}})),
            Outcome::Fail { .. }
        ));
    }

    #[test]
    fn hostile_depth_is_an_error() {
        let mut v = json!("x");
        for _ in 0..1000 {
            v = json!({ "a": v });
        }
        assert!(PatternNode::compile(&v).is_err());
    }
}
