//! `{{ }}` variable substitution over any JSON value
//! (`pkg/engine/variables/vars.go`), and the JSON context document the
//! expressions query (`pkg/engine/context`).

pub mod values;

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::host::Host;
use crate::jmespath::{self, Dialect, Runtime};

fn variables_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})")
            .unwrap_or_else(|_| unreachable!("static regex"))
    })
}

fn variable_init_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^\{\{(\{[^{}]*\}|[^{}])*\}\}").unwrap_or_else(|_| unreachable!("static regex"))
    })
}

/// The JSON document `{{ }}` expressions are evaluated against, with
/// Kyverno's checkpoint/restore around each rule.
pub struct Context<'h> {
    doc: Value,
    /// Undo log of top-level entries replaced since each checkpoint, so a
    /// checkpoint costs nothing and a restore undoes only what changed.
    undo: Vec<(String, Option<Value>)>,
    /// Undo-log length and poisoned entries at each checkpoint.
    checkpoints: Vec<(usize, Vec<(String, String)>)>,
    host: &'h dyn Host,
    /// DELETE requests read `request.oldObject` where they say `request.object`.
    pub delete: bool,
    /// Whether the `images` entry has been computed (it is, lazily, once).
    pub images_loaded: bool,
    /// Context entries whose loading failed: the error surfaces only when a
    /// query mentions them (Kyverno loads entries lazily).
    poisoned: Vec<(String, String)>,
}

impl<'h> Context<'h> {
    /// A context over the request document `doc`, reading entries from `host`.
    pub fn new(doc: Value, host: &'h dyn Host) -> Self {
        Context {
            doc,
            undo: Vec::new(),
            checkpoints: Vec::new(),
            host,
            delete: false,
            images_loaded: false,
            poisoned: Vec::new(),
        }
    }

    /// The JSON context document.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The host the context reads entries from.
    pub fn host(&self) -> &'h dyn Host {
        self.host
    }

    /// Remember the current document; `restore` returns to it.
    pub fn checkpoint(&mut self) {
        self.checkpoints
            .push((self.undo.len(), self.poisoned.clone()));
    }

    /// Back to the last checkpoint, which is removed.
    pub fn restore(&mut self) {
        let (mark, poisoned) = self.checkpoints.pop().unwrap_or_default();
        self.rewind(mark);
        self.poisoned = poisoned;
    }

    /// Back to the last checkpoint, which stays (Kyverno's `Reset`, used
    /// between foreach elements).
    pub fn reset(&mut self) {
        let Some((mark, poisoned)) = self.checkpoints.last() else {
            return;
        };
        let (mark, poisoned) = (*mark, poisoned.clone());
        self.rewind(mark);
        self.poisoned = poisoned;
    }

    fn rewind(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let Some((key, old)) = self.undo.pop() else {
                break;
            };
            if let Value::Object(m) = &mut self.doc {
                match old {
                    Some(v) => m.insert(key, v),
                    None => m.remove(&key),
                };
            }
        }
    }

    /// Remember a top-level entry before it changes (only under a checkpoint).
    fn record(&mut self, key: &str) {
        if self.checkpoints.is_empty() {
            return;
        }
        let old = self.doc.get(key).cloned();
        self.undo.push((key.to_string(), old));
    }

    /// Set a top-level entry (a context entry, `element`, ...).
    pub fn set(&mut self, name: &str, value: Value) {
        self.record(name);
        if let Value::Object(m) = &mut self.doc {
            m.insert(name.to_string(), value);
        }
        self.poisoned.retain(|(n, _)| n != name);
    }

    /// Make later reads of variable `name` fail with `error` (an entry that could not load).
    pub fn poison(&mut self, name: &str, error: String) {
        self.poisoned.push((name.to_string(), error));
    }

    /// `AddVariable`: a dotted key (CSV-quoted segments) deep-merged in.
    pub fn add_variable(&mut self, key: &str, value: Value) {
        let segments = crate::variables::values::split_dotted(key);
        if let Some(first) = segments.first() {
            self.record(first);
        }
        let mut cur = &mut self.doc;
        for (i, seg) in segments.iter().enumerate() {
            let Value::Object(m) = cur else { return };
            if i + 1 == segments.len() {
                m.insert(seg.clone(), value);
                return;
            }
            let entry = m
                .entry(seg.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            cur = entry;
        }
    }

    /// `AddVariable` as values files use it: like [`Context::add_variable`],
    /// but a map value merges into the map already there (`mergeMaps`).
    pub fn merge_variable(&mut self, key: &str, value: Value) {
        if let Some(first) = crate::variables::values::split_dotted(key).first() {
            self.record(first);
        }
        crate::variables::values::merge_variable(&mut self.doc, key, value);
    }

    /// `context.Query`: evaluate a JMESPath expression on the document.
    pub fn query(&self, expr: &str) -> Result<Value, String> {
        let expr = expr.trim();
        if expr.is_empty() {
            return Err("invalid query (nil)".into());
        }
        for (name, err) in &self.poisoned {
            if mentions(expr, name) {
                return Err(err.clone());
            }
        }
        let compiled = compile_cached(expr)?;
        let rt = Runtime {
            dialect: Dialect::Kyverno,
            host: self.host,
        };
        compiled
            .search(&self.doc, &rt)
            .map_err(|e| format!("JMESPath query failed: {e}"))
    }
}

thread_local! {
    /// Compiled expressions by text: policies repeat the same `{{ }}`
    /// expressions for every resource, so each is parsed once per thread.
    static EXPRESSIONS: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<jmespath::Expression>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Bounds the cache so hostile inputs with endless distinct expressions
/// cannot grow it without limit.
const EXPRESSION_CACHE_MAX: usize = 8192;

fn compile_cached(expr: &str) -> Result<std::rc::Rc<jmespath::Expression>, String> {
    if let Some(e) = EXPRESSIONS.with(|c| c.borrow().get(expr).cloned()) {
        return Ok(e);
    }
    let compiled = std::rc::Rc::new(
        jmespath::compile(expr).map_err(|e| format!("incorrect query {expr}: {e}"))?,
    );
    EXPRESSIONS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= EXPRESSION_CACHE_MAX {
            c.clear();
        }
        c.insert(expr.to_string(), compiled.clone());
    });
    Ok(compiled)
}

/// Does the query mention a context entry name? Kyverno's deferred loader
/// asks `(?:\A|\z|\s|[^.0-9A-Za-z])NAME\b` with Go's ASCII `\b`; this is
/// that match without building a regex per query (it runs for every query
/// while an entry is unloaded).
fn mentions(expr: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let Some(last) = name.chars().next_back() else {
        return false;
    };
    expr.match_indices(name).any(|(i, _)| {
        let before = expr.get(..i).and_then(|b| b.chars().next_back());
        let after = expr.get(i + name.len()..).and_then(|a| a.chars().next());
        let start_ok = before.is_none_or(|c| !(c == '.' || c.is_ascii_alphanumeric()));
        start_ok && word(Some(last)) != word(after)
    })
}

/// Render a value the way Kyverno embeds a non-string result in a string:
/// Go JSON (sorted keys, HTML escaping), integral floats without `.0`.
pub fn stringify(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => {
            let mut out = String::new();
            write_json(other, &mut out)?;
            Ok(out)
        }
    }
}

/// A JSON number as Go's `encoding/json` prints a float64.
pub fn go_number(n: &serde_json::Number) -> Result<String, String> {
    if let Some(i) = n.as_i64() {
        return Ok(i.to_string());
    }
    if let Some(u) = n.as_u64() {
        return Ok(u.to_string());
    }
    let f = n.as_f64().unwrap_or(0.0);
    if !f.is_finite() {
        return Err(format!("failed to marshal float64: {f}"));
    }
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        if f.fract() == 0.0 && abs < 1e21 {
            return Ok(format!("{}", f as i128));
        }
        return Ok(format!("{f}"));
    }
    // Exponent form like Go: 1e+21, 1e-07 -> 1e-7.
    let s = format!("{f:e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    Ok(format!("{m}e{}{}", if e < 0 { '-' } else { '+' }, e.abs()))
}

fn write_json(v: &Value, out: &mut String) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_number(n)?),
        Value::String(s) => write_str(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(e, out)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_json(e, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_str(s: &str, out: &mut String) {
    let json = serde_json::to_string(s).unwrap_or_default();
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

/// `substituteVariablesIfAny` for one string. `path` is the JSON path of the
/// leaf, used in error messages.
pub fn substitute_string(s: &str, ctx: &Context<'_>, path: &str) -> Result<Value, String> {
    let mut value = s.to_string();
    let mut rounds = 0;
    loop {
        let matches: Vec<(String, String)> = variables_regex()
            .captures_iter(&value)
            .filter_map(|c| {
                Some((
                    c.get(0)?.as_str().to_string(),
                    c.get(1)?.as_str().to_string(),
                ))
            })
            .collect();
        if matches.is_empty() {
            break;
        }
        rounds += 1;
        if rounds > 64 {
            return Err(format!(
                "failed to resolve variables at path {path}: too many nested substitutions"
            ));
        }
        let original = value.clone();
        let mut last_shallow = false;
        for (full, _) in matches {
            let initial = variable_init_regex().is_match(&full);
            let (prefix, v) = if initial {
                (String::new(), full.clone())
            } else {
                let mut chars = full.chars();
                let p = chars.next().map(String::from).unwrap_or_default();
                (p, chars.as_str().to_string())
            };
            let mut text = v.replace("{{", "").replace("}}", "").trim().to_string();
            let shallow = text.starts_with('-');
            if shallow {
                text = text[1..].trim().to_string();
            }
            last_shallow = shallow;
            if ctx.delete {
                text = text.replace("request.object", "request.oldObject");
            }
            let result = ctx
                .query(&text)
                .map_err(|e| format!("failed to resolve {text} at path {path}: {e}"))?;
            if original == v {
                return Ok(result);
            }
            let mut rendered = stringify(&result)
                .map_err(|e| format!("failed to resolve {text} at path {path}: {e}"))?;
            if shallow && result.is_string() {
                rendered = rendered.replace("{{", "\\{{");
            }
            value = value.replacen(&format!("{prefix}{v}"), &format!("{prefix}{rendered}"), 1);
        }
        if last_shallow {
            break;
        }
    }
    Ok(Value::String(value.replace("\\{{", "{{")))
}

/// `SubstituteAll`: substitute every string leaf and key of `v`.
pub fn substitute_all(v: &Value, ctx: &Context<'_>) -> Result<Value, String> {
    substitute_at(v, ctx, "", 0)
}

fn substitute_at(v: &Value, ctx: &Context<'_>, path: &str, depth: usize) -> Result<Value, String> {
    if depth > 256 {
        return Err(format!(
            "failed to substitute variables at path {path}: nesting too deep"
        ));
    }
    match v {
        Value::String(s) => {
            if !s.contains("{{") && !s.contains("\\{{") {
                return Ok(v.clone());
            }
            let out = substitute_string(s, ctx, path)?;
            // A whole-string variable that returned a structure is walked too.
            match &out {
                Value::Object(_) | Value::Array(_) => substitute_at(&out, ctx, path, depth + 1),
                _ => Ok(out),
            }
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| substitute_at(e, ctx, &format!("{path}/{i}"), depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, e) in m {
                let key_path = format!("{path}/{}", k.replace('/', "\\/"));
                let new_key = if k.contains("{{") {
                    match substitute_string(k, ctx, &key_path)? {
                        Value::String(s) => s,
                        Value::Null => k.clone(),
                        _ => {
                            return Err(format!(
                                "expected string after substituting variables in key \"{k}\""
                            ))
                        }
                    }
                } else {
                    k.clone()
                };
                out.insert(new_key, substitute_at(e, ctx, &key_path, depth + 1)?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// Every `{{ }}` expression of a string, as the substitution would query
/// it. Escaped `\{{` is skipped.
fn queries(s: &str) -> Vec<&str> {
    variables_regex()
        .captures_iter(s)
        .filter_map(|c| c.get(2))
        .map(|m| {
            let q = m
                .as_str()
                .trim_start_matches("{{")
                .trim_end_matches("}}")
                .trim();
            q.strip_prefix('-').map_or(q, str::trim)
        })
        .collect()
}

/// The load-time check Kyverno's policy validation makes
/// (`hasInvalidVariables`, `validateJMESPath` of context entries): every
/// `{{ }}` of a rule and every context `jmesPath` without variables must
/// parse. Errors name the field and the 1-based column in the expression.
pub(crate) fn check_rule_expressions(
    rule: &crate::model::policy::Rule,
    loc: &dyn Fn(&str) -> crate::error::Location,
) -> Result<(), crate::error::LoadError> {
    let fail = |field: &str, expr: &str, e: jmespath::JmespathError| {
        let offset = match &e {
            jmespath::JmespathError::Syntax { offset, .. } => *offset,
            _ => 0,
        };
        let column = expr.get(..offset).map_or(offset, |p| p.chars().count()) + 1;
        let mut location = loc(field);
        location.expression_column = Some(column);
        crate::error::LoadError::Invalid {
            location: Box::new(location),
            message: format!("invalid JMESPath expression {expr:?}: {e}"),
        }
    };
    let sections: [(&str, Option<Value>); 6] = [
        ("context", Some(Value::Array(rule.context.clone()))),
        ("preconditions", rule.preconditions.clone()),
        (
            "validate",
            rule.validate
                .as_ref()
                .and_then(|v| serde_json::to_value(v).ok()),
        ),
        ("mutate", rule.mutate.clone()),
        ("generate", rule.generate.clone()),
        ("verifyImages", rule.verify_images.clone()),
    ];
    for (name, section) in sections {
        let Some(section) = section else { continue };
        let mut stack = vec![(name.to_string(), &section, 0usize)];
        while let Some((field, v, depth)) = stack.pop() {
            if depth > 256 {
                continue;
            }
            let check = |field: &str, s: &str| -> Result<(), crate::error::LoadError> {
                for q in queries(s) {
                    if let Err(e) = jmespath::compile(q) {
                        return Err(fail(field, q, e));
                    }
                }
                Ok(())
            };
            match v {
                Value::String(s) => check(&field, s)?,
                Value::Array(a) => {
                    for (i, e) in a.iter().enumerate() {
                        stack.push((format!("{field}[{i}]"), e, depth + 1));
                    }
                }
                Value::Object(m) => {
                    for (k, e) in m {
                        let child = format!("{field}.{k}");
                        check(&child, k)?;
                        // Attestation conditions are dynamic (Kyverno skips them).
                        if name == "verifyImages" && k == "attestations" {
                            continue;
                        }
                        // Context entries' own jmesPath fields are bare expressions.
                        if k == "jmesPath" && name == "context" {
                            if let Some(q) =
                                e.as_str().filter(|q| !q.is_empty() && !q.contains("{{"))
                            {
                                if let Err(err) = jmespath::compile(q) {
                                    return Err(fail(&child, q, err));
                                }
                            }
                        }
                        stack.push((child, e, depth + 1));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn mentions_matches_kyvernos_deferred_loading_regex() {
        let exprs = [
            "cm.data.x",
            "x.cm",
            "cm",
            " cm",
            "(cm)",
            "cmx.data",
            "a.cm.b",
            "length(cm)",
            "cm_2",
            "cm2.data",
            "'cm'",
            "\"cm\"",
            "to_upper(cm.x)",
            "[cm, other]",
            "é.cm",
            "écm",
            "cm-1",
            "foo||cm",
            "@.cm",
            "cm[0]",
            "  cm  ",
            "",
        ];
        for name in ["cm", "cm2", "c_m", "x"] {
            let re = regex::Regex::new(&format!(
                r"(?:\A|\z|\s|[^.0-9A-Za-z]){}(?-u:\b)",
                regex::escape(name)
            ))
            .unwrap();
            for e in exprs {
                assert_eq!(mentions(e, name), re.is_match(e), "{name:?} in {e:?}");
            }
        }
    }

    use super::*;
    use crate::host::NoHost;
    use serde_json::json;

    fn ctx() -> Context<'static> {
        Context::new(
            json!({"request": {"object": {"metadata": {"name": "nginx", "labels": {"app": "web"}}, "spec": {"replicas": 3.0}}}}),
            &NoHost,
        )
    }

    #[test]
    fn whole_string_variable_keeps_type() {
        let c = ctx();
        assert_eq!(
            substitute_string("{{request.object.spec.replicas}}", &c, "").unwrap(),
            json!(3.0)
        );
        assert_eq!(
            substitute_string("{{ request.object.metadata.labels }}", &c, "").unwrap(),
            json!({"app": "web"})
        );
    }

    #[test]
    fn embedded_variables_are_stringified_go_style() {
        let c = ctx();
        assert_eq!(
            substitute_string(
                "n={{request.object.spec.replicas}} l={{request.object.metadata.labels}}",
                &c,
                ""
            )
            .unwrap(),
            json!("n=3 l={\"app\":\"web\"}")
        );
    }

    #[test]
    fn escaped_variables_are_left_alone_and_unescaped() {
        let c = ctx();
        assert_eq!(
            substitute_string("\\{{ not.evaluated }}", &c, "").unwrap(),
            json!("{{ not.evaluated }}")
        );
    }

    #[test]
    fn unresolved_variable_is_an_error_naming_the_path() {
        let c = ctx();
        let e = substitute_string("{{ request.object.spec.missing }}", &c, "/spec/x").unwrap_err();
        assert!(e.starts_with("failed to resolve request.object.spec.missing at path /spec/x: JMESPath query failed:"), "{e}");
    }

    #[test]
    fn go_number_formatting() {
        let n = |f: f64| go_number(&serde_json::Number::from_f64(f).unwrap()).unwrap();
        assert_eq!(n(5.0), "5");
        assert_eq!(n(1.5), "1.5");
        assert_eq!(n(1e21), "1e+21");
        assert_eq!(n(1e-7), "1e-7");
    }
}
