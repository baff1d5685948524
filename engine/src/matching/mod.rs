//! `match` / `exclude`: which resources a rule applies to
//! (`pkg/engine/utils/match.go`, `pkg/utils/match/*`).

pub mod exception;

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

use crate::go::wildcard;
use crate::model::policy::{
    LabelSelector, MatchResources, ResourceDescription, ResourceFilter, Subject,
};
use crate::model::resource::{Request, ResourceMeta, UserInfo};

/// A parsed kind selector: `Pod`, `v1/Pod`, `apps/v1/Deployment`, `Pod/exec`, `*/scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSelector {
    /// The group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind.
    pub kind: String,
    /// The subresource.
    pub subresource: String,
}

fn version_regex() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(v\d+((alpha|beta)\d+)?|\*)$").unwrap_or_else(|_| unreachable!())
    })
}

impl KindSelector {
    /// `ParseKindSelector` (`pkg/utils/kube/kind.go`).
    ///
    /// ```
    /// use verno::unstable::matching::KindSelector;
    /// let k = KindSelector::parse("apps/v1/Deployment");
    /// assert_eq!((k.group.as_str(), k.version.as_str(), k.kind.as_str()), ("apps", "v1", "Deployment"));
    /// assert_eq!(KindSelector::parse("Pod.status").subresource, "status");
    /// ```
    pub fn parse(input: &str) -> KindSelector {
        let mut parts: Vec<&str> = input.split('/').collect();
        if let Some(last) = parts.pop() {
            parts.extend(last.split('.'));
        }
        let ks = |g: &str, v: &str, k: &str, s: &str| KindSelector {
            group: g.to_string(),
            version: v.to_string(),
            kind: k.to_string(),
            subresource: s.to_string(),
        };
        let vre = version_regex();
        match parts.as_slice() {
            [k] => ks("*", "*", k, ""),
            [a, b] => {
                if *a == "*" && *b == "*" {
                    ks("*", "*", "*", "*")
                } else if *a == "*" && b.to_lowercase() == *b {
                    ks("*", "*", a, b)
                } else if vre.is_match(a) {
                    ks("*", a, b, "")
                } else {
                    ks("*", "*", a, b)
                }
            }
            [a, b, c] => {
                if vre.is_match(a) {
                    ks("*", a, b, c)
                } else {
                    ks(a, b, c, "")
                }
            }
            [a, b, c, d] => ks(a, b, c, d),
            _ => ks("", "", "", ""),
        }
    }

    /// `CheckKind` for one selector (ephemeral containers allowed, as in match).
    pub fn matches(&self, group: &str, version: &str, kind: &str, subresource: &str) -> bool {
        if wildcard::matches(&self.group, group)
            && wildcard::matches(&self.version, version)
            && wildcard::matches(&self.kind, kind)
        {
            if wildcard::matches(&self.subresource, subresource) {
                return true;
            }
            return group.is_empty()
                && version == "v1"
                && kind == "Pod"
                && subresource == "ephemeralcontainers";
        }
        false
    }
}

/// One wildcard pattern, sorted once when the block is compiled: the usual
/// `*` and plain names then need no wildcard scan per resource. Matches as
/// [`wildcard::matches`] does.
#[derive(Debug, Clone)]
enum Glob {
    Any,
    Exact(String),
    Pattern(String),
}

impl Glob {
    fn new(pattern: &str) -> Glob {
        if pattern == "*" {
            Glob::Any
        } else if wildcard::contains_wildcard(pattern) {
            Glob::Pattern(pattern.to_string())
        } else {
            Glob::Exact(pattern.to_string())
        }
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(s) => s == text,
            Glob::Pattern(p) => wildcard::matches(p, text),
        }
    }
}

/// A [`KindSelector`] with its parts compiled to [`Glob`]s.
#[derive(Debug, Clone)]
struct KindMatcher {
    group: Glob,
    version: Glob,
    kind: Glob,
    subresource: Glob,
}

impl KindMatcher {
    fn new(k: &KindSelector) -> KindMatcher {
        KindMatcher {
            group: Glob::new(&k.group),
            version: Glob::new(&k.version),
            kind: Glob::new(&k.kind),
            subresource: Glob::new(&k.subresource),
        }
    }

    /// [`KindSelector::matches`].
    fn matches(&self, group: &str, version: &str, kind: &str, subresource: &str) -> bool {
        if self.kind.matches(kind) && self.group.matches(group) && self.version.matches(version) {
            if self.subresource.matches(subresource) {
                return true;
            }
            return group.is_empty()
                && version == "v1"
                && kind == "Pod"
                && subresource == "ephemeralcontainers";
        }
        false
    }
}

const EMPTY_VALUES: &str =
    "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty";

/// Label selector evaluation (`metav1.LabelSelectorAsSelector` + Kyverno's
/// wildcard replacement in `matchLabels`).
pub fn selector_matches(
    selector: &LabelSelector,
    labels: &BTreeMap<&str, &str>,
) -> Result<bool, String> {
    for (k, v) in &selector.match_labels {
        let (k, v) = if wildcard::contains_wildcard(k) || wildcard::contains_wildcard(v) {
            expand_selector_wildcards(k, v, labels)
        } else {
            (k.clone(), v.clone())
        };
        if labels.get(k.as_str()) != Some(&v.as_str()) {
            return Ok(false);
        }
    }
    for req in &selector.match_expressions {
        let actual = labels.get(req.key.as_str());
        let ok = match req.operator.as_str() {
            "In" => {
                if req.values.is_empty() {
                    return Err(EMPTY_VALUES.to_string());
                }
                actual.is_some_and(|a| req.values.iter().any(|v| v == a))
            }
            "NotIn" => {
                if req.values.is_empty() {
                    return Err(EMPTY_VALUES.to_string());
                }
                actual.is_none_or(|a| !req.values.iter().any(|v| v == a))
            }
            "Exists" => actual.is_some(),
            "DoesNotExist" => actual.is_none(),
            other => {
                return Err(format!(
                    "\"{other}\" is not a valid label selector operator"
                ))
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn expand_selector_wildcards(k: &str, v: &str, labels: &BTreeMap<&str, &str>) -> (String, String) {
    for (k1, v1) in labels {
        if wildcard::matches(k, k1) && wildcard::matches(v, v1) {
            return (k1.to_string(), v1.to_string());
        }
    }
    (k.replace(['*', '?'], "0"), v.replace(['*', '?'], "0"))
}

/// A compiled resource filter (`ResourceDescription` + user info).
#[derive(Debug, Clone)]
struct Filter {
    desc: ResourceDescription,
    kinds: Vec<KindMatcher>,
    /// `desc.name` (when not empty), `desc.names` and `desc.namespaces`,
    /// compiled.
    name: Option<Glob>,
    names: Vec<Glob>,
    namespaces: Vec<Glob>,
    subjects: Vec<Subject>,
    roles: Vec<String>,
    cluster_roles: Vec<String>,
}

impl Filter {
    fn new(
        desc: Option<&ResourceDescription>,
        subjects: &[Subject],
        roles: &[String],
        cluster_roles: &[String],
    ) -> Self {
        let desc = desc.cloned().unwrap_or_default();
        Filter {
            kinds: desc
                .kinds
                .iter()
                .map(|k| KindMatcher::new(&KindSelector::parse(k)))
                .collect(),
            name: desc
                .name
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(Glob::new),
            names: desc.names.iter().map(|n| Glob::new(n)).collect(),
            namespaces: desc.namespaces.iter().map(|n| Glob::new(n)).collect(),
            desc,
            subjects: subjects.to_vec(),
            roles: roles.to_vec(),
            cluster_roles: cluster_roles.to_vec(),
        }
    }

    fn from_filter(f: &ResourceFilter) -> Self {
        Filter::new(
            f.resources.as_ref(),
            &f.subjects,
            &f.roles,
            &f.cluster_roles,
        )
    }

    fn desc_is_empty(&self) -> bool {
        let d = &self.desc;
        d.kinds.is_empty()
            && d.name.as_deref().unwrap_or("").is_empty()
            && d.names.is_empty()
            && d.namespaces.is_empty()
            && d.annotations.is_empty()
            && d.selector.is_none()
            && d.namespace_selector.is_none()
            && d.operations.is_empty()
    }

    fn user_is_empty(&self) -> bool {
        self.subjects.is_empty() && self.roles.is_empty() && self.cluster_roles.is_empty()
    }

    /// `doesResourceMatchConditionBlock`: true when every given attribute matches.
    fn block_matches(&self, ctx: &MatchContext<'_>, use_user_info: bool) -> bool {
        self.block_matches_as(ctx, use_user_info, false)
    }

    /// `exception` selects `checkResourceFilter` of PolicyExceptions: no
    /// operations check, and a namespaceSelector never rejects a Namespace.
    fn block_matches_as(
        &self,
        ctx: &MatchContext<'_>,
        use_user_info: bool,
        exception: bool,
    ) -> bool {
        let d = &self.desc;
        if !exception
            && !d.operations.is_empty()
            && !d
                .operations
                .iter()
                .any(|o| o == ctx.request.operation.as_str())
        {
            return false;
        }
        let m = &ctx.meta;
        let (group, version, kind) = ctx.kind();
        if !self.kinds.is_empty()
            && !self
                .kinds
                .iter()
                .any(|k| k.matches(group, version, kind, ctx.request.subresource))
        {
            return false;
        }
        let name = if m.name.is_empty() {
            m.generate_name
        } else {
            m.name
        };
        if let Some(n) = &self.name {
            if !n.matches(name) {
                return false;
            }
        }
        if !self.names.is_empty() && !self.names.iter().any(|n| n.matches(name)) {
            return false;
        }
        if !self.namespaces.is_empty() {
            let ns = if m.kind == "Namespace" {
                m.name
            } else {
                m.namespace
            };
            if !self.namespaces.iter().any(|n| n.matches(ns)) {
                return false;
            }
        }
        if !d.annotations.is_empty() {
            let actual = m.annotations;
            let all = d.annotations.iter().all(|(k, v)| {
                actual.is_some_and(|a| {
                    a.iter().any(|(ak, av)| {
                        wildcard::matches(k, ak)
                            && av.as_str().is_some_and(|av| wildcard::matches(v, av))
                    })
                })
            });
            if !all {
                return false;
            }
        }
        if let Some(sel) = &d.selector {
            if !selector_matches(sel, ctx.labels()).unwrap_or(false) {
                return false;
            }
        }
        if let Some(sel) = &d.namespace_selector {
            if m.kind == "Namespace" && !exception {
                return false;
            }
            if !m.kind.is_empty() && m.kind != "Namespace" {
                let empty = BTreeMap::new();
                let ns_labels: BTreeMap<&str, &str> = ctx
                    .request
                    .namespace_labels
                    .unwrap_or(&empty)
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                if !selector_matches(sel, &ns_labels).unwrap_or(false) {
                    return false;
                }
            }
        }
        if use_user_info {
            let empty = UserInfo::default();
            let ui = ctx.request.user_info.unwrap_or(&empty);
            if !self.roles.is_empty() && !ui.roles.iter().any(|r| self.roles.contains(r)) {
                return false;
            }
            if !self.cluster_roles.is_empty()
                && !ui
                    .cluster_roles
                    .iter()
                    .any(|r| self.cluster_roles.contains(r))
            {
                return false;
            }
            if !self.subjects.is_empty() && !subjects_match(&self.subjects, ui) {
                return false;
            }
        }
        true
    }

    fn matches_for_match(&self, ctx: &MatchContext<'_>) -> bool {
        // Without user info Kyverno drops the user criteria of match filters.
        let use_user = ctx.request.user_info.is_some();
        if self.desc_is_empty() && (!use_user || self.user_is_empty()) {
            return false; // "match cannot be empty"
        }
        self.block_matches(ctx, use_user)
    }

    fn matches_for_exclude(&self, ctx: &MatchContext<'_>) -> bool {
        if self.desc_is_empty() && self.user_is_empty() {
            return false;
        }
        self.block_matches(ctx, true)
    }
}

fn subjects_match(subjects: &[Subject], ui: &UserInfo) -> bool {
    const SA_PREFIX: &str = "system:serviceaccount:";
    subjects.iter().any(|s| match s.kind.as_str() {
        "ServiceAccount" => {
            let full = format!(
                "{SA_PREFIX}{}:{}",
                s.namespace.as_deref().unwrap_or(""),
                s.name
            );
            wildcard::matches(&full, &ui.username)
        }
        "User" => wildcard::matches(&s.name, &ui.username),
        "Group" => ui.groups.iter().any(|g| wildcard::matches(&s.name, g)),
        _ => false,
    })
}

/// The (group, version, kind) `kinds:` selectors compare for `request` on
/// the resource described by `meta`: the request's top-level kind when
/// given, else the object's (what [`MatchContext::kind`] answers, without
/// building the context).
pub fn request_kind<'a>(
    request: &Request<'a>,
    meta: &ResourceMeta<'a>,
) -> (&'a str, &'a str, &'a str) {
    match request.kind {
        Some(k) => (&k.group, &k.version, &k.kind),
        None => (meta.group, meta.version, meta.kind),
    }
}

/// Per-request facts the filters read, computed once per (rule set, resource).
pub struct MatchContext<'a> {
    /// The request.
    pub request: &'a Request<'a>,
    /// The meta.
    pub meta: ResourceMeta<'a>,
    /// The object's string labels, gathered on first use: most blocks have
    /// no label selector.
    labels: std::cell::OnceCell<BTreeMap<&'a str, &'a str>>,
}

impl<'a> MatchContext<'a> {
    /// The (group, version, kind) `kinds:` selectors compare: the request's
    /// top-level kind when given (`CheckKind` on `ResourceKind()`), else the
    /// object's. Names, namespaces and labels always come from the object.
    pub fn kind(&self) -> (&'a str, &'a str, &'a str) {
        request_kind(self.request, &self.meta)
    }

    /// What match blocks read about `request` and its `resource`.
    pub fn new(request: &'a Request<'a>, resource: &'a Value) -> Self {
        MatchContext {
            request,
            meta: ResourceMeta::of(resource),
            labels: std::cell::OnceCell::new(),
        }
    }

    fn labels(&self) -> &BTreeMap<&'a str, &'a str> {
        self.labels.get_or_init(|| {
            self.meta
                .labels
                .map(|l| {
                    l.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

#[derive(Debug, Clone, Default)]
enum Mode {
    Any(Vec<Filter>),
    All(Vec<Filter>),
    #[default]
    Inline,
}

/// A compiled `match` or `exclude` block.
#[derive(Debug, Clone, Default)]
pub struct CompiledMatch {
    mode: Mode,
    inline: Option<Filter>,
}

impl CompiledMatch {
    /// Compile a `match`/`exclude` block once.
    pub fn compile(m: &MatchResources) -> Self {
        let mode = match (&m.any, &m.all) {
            (Some(any), _) if !any.is_empty() => {
                Mode::Any(any.iter().map(Filter::from_filter).collect())
            }
            (_, Some(all)) if !all.is_empty() => {
                Mode::All(all.iter().map(Filter::from_filter).collect())
            }
            _ => Mode::Inline,
        };
        let inline = matches!(mode, Mode::Inline).then(|| {
            Filter::new(
                m.resources.as_ref(),
                &m.subjects,
                &m.roles,
                &m.cluster_roles,
            )
        });
        CompiledMatch { mode, inline }
    }

    fn is_empty(&self) -> bool {
        match &self.mode {
            Mode::Any(_) | Mode::All(_) => false,
            Mode::Inline => self
                .inline
                .as_ref()
                .is_none_or(|f| f.desc_is_empty() && f.user_is_empty()),
        }
    }

    /// Does the `match` block select the resource?
    pub fn matches(&self, ctx: &MatchContext<'_>) -> bool {
        match &self.mode {
            Mode::Any(fs) => fs.iter().any(|f| f.matches_for_match(ctx)),
            Mode::All(fs) => fs.iter().all(|f| f.matches_for_match(ctx)),
            Mode::Inline => self
                .inline
                .as_ref()
                .is_some_and(|f| f.matches_for_match(ctx)),
        }
    }

    /// Does the `exclude` block exclude the resource?
    pub fn excludes(&self, ctx: &MatchContext<'_>) -> bool {
        if self.is_empty() {
            return false;
        }
        match &self.mode {
            Mode::Any(fs) => fs.iter().any(|f| f.matches_for_exclude(ctx)),
            Mode::All(fs) => fs.iter().all(|f| f.matches_for_exclude(ctx)),
            Mode::Inline => self
                .inline
                .as_ref()
                .is_some_and(|f| f.matches_for_exclude(ctx)),
        }
    }

    /// Whether the block can select some resource of this (group, version,
    /// kind, subresource) at all: a necessary condition of
    /// [`CompiledMatch::matches`], which needs every filter it relies on to
    /// name the kind (or name none). Cheap, and independent of the object.
    pub fn may_match_kind(&self, group: &str, version: &str, kind: &str, sub: &str) -> bool {
        let kind_ok = |f: &Filter| {
            f.kinds.is_empty() || f.kinds.iter().any(|k| k.matches(group, version, kind, sub))
        };
        match &self.mode {
            Mode::Any(fs) => fs.iter().any(kind_ok),
            Mode::All(fs) => fs.iter().all(kind_ok),
            Mode::Inline => self.inline.as_ref().is_some_and(kind_ok),
        }
    }

    /// Does a PolicyException's `match` select the resource
    /// (`checkMatchesResources`: `any`/`all` only, empty filters never match,
    /// user criteria checked against the request's user, or an empty one)?
    pub fn matches_exception(&self, ctx: &MatchContext<'_>) -> bool {
        let check = |f: &Filter| {
            !(f.desc_is_empty() && f.user_is_empty()) && f.block_matches_as(ctx, true, true)
        };
        match &self.mode {
            Mode::Any(fs) => fs.iter().any(check),
            Mode::All(fs) => fs.iter().all(check),
            Mode::Inline => false,
        }
    }

    /// Every kind named in the block (for autogen decisions).
    pub fn kind_lists(m: &MatchResources) -> Vec<&Vec<String>> {
        let mut out = Vec::new();
        for f in m.any.iter().flatten().chain(m.all.iter().flatten()) {
            if let Some(r) = &f.resources {
                out.push(&r.kinds);
            }
        }
        if let Some(r) = &m.resources {
            out.push(&r.kinds);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile(v: Value) -> CompiledMatch {
        CompiledMatch::compile(&serde_json::from_value(v).unwrap())
    }

    #[test]
    fn kind_selector_forms() {
        let p = |s| {
            let k = KindSelector::parse(s);
            (k.group, k.version, k.kind, k.subresource)
        };
        let t = |a: &str, b: &str, c: &str, d: &str| (a.into(), b.into(), c.into(), d.into());
        assert_eq!(p("Pod"), t("*", "*", "Pod", ""));
        assert_eq!(p("*/*"), t("*", "*", "*", "*"));
        assert_eq!(p("*/scale"), t("*", "*", "*", "scale"));
        assert_eq!(p("v1/Pod"), t("*", "v1", "Pod", ""));
        assert_eq!(p("Pod/exec"), t("*", "*", "Pod", "exec"));
        assert_eq!(p("v1/Pod/exec"), t("*", "v1", "Pod", "exec"));
        assert_eq!(p("apps/v1/Deployment"), t("apps", "v1", "Deployment", ""));
        assert_eq!(p("Pod.status"), t("*", "*", "Pod", "status"));
    }

    #[test]
    fn plain_kind_does_not_match_subresource_except_ephemeral_containers() {
        let pod = KindSelector::parse("Pod");
        assert!(!pod.matches("", "v1", "Pod", "exec"));
        assert!(pod.matches("", "v1", "Pod", "ephemeralcontainers"));
    }

    #[test]
    fn exclude_overrides_match_and_user_criteria_without_user_info() {
        let pod = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"kube-system"}});
        let req = Request::create(&pod);
        let ctx = MatchContext::new(&req, &pod);
        let m = compile(json!({"any":[{"resources":{"kinds":["Pod"]}}]}));
        assert!(m.matches(&ctx));
        let ex = compile(json!({"any":[{"resources":{"namespaces":["kube-*"]}}]}));
        assert!(ex.excludes(&ctx));
        // Subjects in exclude are kept without user info and compared with
        // an empty username: a named user never matches...
        let ex = compile(json!({"any":[{"subjects":[{"kind":"User","name":"admin"}]}]}));
        assert!(!ex.excludes(&ctx));
        // ...but Kyverno's wildcard `*` matches the empty username.
        let ex = compile(json!({"any":[{"subjects":[{"kind":"User","name":"*"}]}]}));
        assert!(ex.excludes(&ctx));
        // A match filter with only subjects becomes empty and never matches.
        let m = compile(json!({"any":[{"subjects":[{"kind":"User","name":"*"}]}]}));
        assert!(!m.matches(&ctx));
    }

    #[test]
    fn selector_with_wildcards_and_expressions() {
        let labels: BTreeMap<&str, &str> =
            [("app", "web"), ("tier", "front")].into_iter().collect();
        let sel: LabelSelector =
            serde_json::from_value(json!({"matchLabels": {"ap*": "w*"}})).unwrap();
        assert!(selector_matches(&sel, &labels).unwrap());
        let sel: LabelSelector = serde_json::from_value(
            json!({"matchExpressions": [{"key":"tier","operator":"NotIn","values":["back"]}]}),
        )
        .unwrap();
        assert!(selector_matches(&sel, &labels).unwrap());
        let sel: LabelSelector =
            serde_json::from_value(json!({"matchExpressions": [{"key":"x","operator":"Exists"}]}))
                .unwrap();
        assert!(!selector_matches(&sel, &labels).unwrap());
    }
}
