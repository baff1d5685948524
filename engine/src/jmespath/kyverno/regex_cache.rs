//! Compiled Go patterns shared across expressions, by pattern text.
//!
//! A `foreach` substitutes each element into the expression text before it
//! is compiled (`regex_replace_all('...', '{{element.image}}', ...)`), so
//! every element yields a new expression and the per-call-site cache in the
//! syntax tree starts empty each time. The pattern itself is usually the
//! same literal, so keying on the pattern text alone compiles it once.
//!
//! The cache is per thread (no locking, like the expression cache in
//! `variables.rs`) and bounded three ways so hostile input cannot grow it:
//! a count bound (two generations of [`GENERATION_CAPACITY`]: a hit in the
//! older one moves the entry to the younger, so hot patterns survive
//! turnover), a pattern length bound, and a compiled-size bound (patterns
//! whose program needs more than [`CACHED_SIZE_LIMIT`] bytes are compiled
//! for the call but not kept). Caching never changes a result: the same
//! pattern always compiles to the same regex, and failures are not cached.

use super::regexp::{compile_go_regex_limited, CompileError, REGEX_SIZE_LIMIT};
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Entries per generation; at most twice this many are held per thread.
pub(crate) const GENERATION_CAPACITY: usize = 128;

/// Longer patterns are compiled for the call but not kept: policy patterns
/// are short, and the key's size should not be input-controlled.
pub(crate) const MAX_CACHED_PATTERN_LEN: usize = 1024;

/// Compiled-program size under which a regex is kept. Policy patterns need
/// a few KiB; a pattern over this still compiles (up to the full
/// [`REGEX_SIZE_LIMIT`]) but is not held by the cache.
const CACHED_SIZE_LIMIT: usize = 1 << 16;

/// Two generations: new entries go to `young`; when it is full it becomes
/// `old` and the previous `old` is dropped.
#[derive(Default)]
struct Generations {
    young: HashMap<String, Arc<Regex>>,
    old: HashMap<String, Arc<Regex>>,
}

impl Generations {
    fn get(&mut self, pattern: &str) -> Option<Arc<Regex>> {
        if let Some(re) = self.young.get(pattern) {
            return Some(re.clone());
        }
        let re = self.old.remove(pattern)?;
        self.insert(pattern.to_string(), re.clone());
        Some(re)
    }

    fn insert(&mut self, pattern: String, re: Arc<Regex>) {
        if self.young.len() >= GENERATION_CAPACITY {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(pattern, re);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

thread_local! {
    static CACHE: RefCell<Generations> = RefCell::new(Generations::default());
}

/// A Go pattern compiled (up to [`REGEX_SIZE_LIMIT`]), answered from this
/// thread's cache when it was compiled before. Errors are Go's wording.
pub(crate) fn compile_shared(pattern: &str) -> Result<Arc<Regex>, String> {
    let full = || {
        compile_go_regex_limited(pattern, REGEX_SIZE_LIMIT)
            .map(Arc::new)
            .map_err(CompileError::into_message)
    };
    if pattern.len() > MAX_CACHED_PATTERN_LEN {
        return full();
    }
    // `try_` borrows: the cache is never borrowed across a call that could
    // re-enter it, and if it were, losing the cache beats a panic.
    if let Some(re) = CACHE.with(|c| c.try_borrow_mut().ok()?.get(pattern)) {
        return Ok(re);
    }
    let re = match compile_go_regex_limited(pattern, CACHED_SIZE_LIMIT) {
        Ok(re) => Arc::new(re),
        // Too big to keep: compile under the full limit, for this call only.
        Err(CompileError::TooBig(_)) => return full(),
        Err(e) => return Err(e.into_message()),
    };
    CACHE.with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            c.insert(pattern.to_string(), re.clone());
        }
    });
    Ok(re)
}

/// Entries this thread's cache holds (for tests of the bound).
#[cfg(test)]
fn cached_len() -> usize {
    CACHE.with(|c| c.borrow().len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::NoHost;
    use crate::jmespath::{ast::Node, compile, Dialect, Expression, Runtime};
    use serde_json::{json, Value};

    fn search(e: &Expression, data: &Value) -> Result<Value, crate::jmespath::JmespathError> {
        let rt = Runtime {
            dialect: Dialect::Kyverno,
            host: &NoHost,
        };
        e.search(data, &rt)
    }

    /// The regex a top-level call compiled for its literal pattern.
    fn call_site_regex(e: &Expression) -> Option<Arc<Regex>> {
        match &e.ast {
            Node::Function(call) => call.regex_cache.get()?.clone(),
            _ => None,
        }
    }

    #[test]
    fn expressions_differing_only_in_substituted_values_share_one_compiled_pattern() {
        // What a foreach produces: one expression per element, same pattern.
        let a = compile("regex_replace_all('^(docker.io/)?(.*)$', 'docker.io/a:1', 'r/$2')")
            .expect("valid");
        let b = compile("regex_replace_all('^(docker.io/)?(.*)$', 'docker.io/b:1', 'r/$2')")
            .expect("valid");
        assert_eq!(search(&a, &json!({})), Ok(json!("r/a:1")));
        assert_eq!(search(&b, &json!({})), Ok(json!("r/b:1")));
        let (ra, rb) = (call_site_regex(&a), call_site_regex(&b));
        assert!(ra.is_some());
        assert!(matches!((ra, rb), (Some(x), Some(y)) if Arc::ptr_eq(&x, &y)));
    }

    #[test]
    fn the_compile_budget_for_computed_patterns_does_not_depend_on_earlier_evaluations() {
        // 300 distinct computed patterns pass the per-evaluation compile
        // allowance (200); a warm cache must not let a second run through.
        let e =
            compile("[*].regex_match(join('', ['^p', to_string(@), '$']), 'p1')").expect("valid");
        let data = Value::Array((0..300).map(|i| json!(i)).collect());
        for _ in 0..2 {
            let err = search(&e, &data).expect_err("over the step limit");
            assert!(err.to_string().contains("exceeded its limit"), "{err}");
        }
    }

    #[test]
    fn many_distinct_patterns_do_not_grow_the_cache_past_its_bound() {
        for i in 0..GENERATION_CAPACITY * 10 {
            let re = compile_shared(&format!("^app{i}-[0-9]+$")).expect("valid pattern");
            assert!(re.is_match(&format!("app{i}-42")));
            assert!(cached_len() <= 2 * GENERATION_CAPACITY);
        }
        assert_eq!(cached_len(), 2 * GENERATION_CAPACITY);
    }

    #[test]
    fn a_repeated_pattern_is_compiled_once_and_shared() {
        let a = compile_shared("^(localhost/)?(.*)$").expect("valid pattern");
        let b = compile_shared("^(localhost/)?(.*)$").expect("valid pattern");
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn a_hot_pattern_survives_turnover_of_other_patterns() {
        let hot = compile_shared("^hot$").expect("valid pattern");
        for i in 0..GENERATION_CAPACITY * 4 {
            compile_shared(&format!("^cold{i}$")).expect("valid pattern");
            // Used between others, as a policy's literal pattern would be.
            let again = compile_shared("^hot$").expect("valid pattern");
            assert!(Arc::ptr_eq(&hot, &again));
        }
    }

    #[test]
    fn overlong_patterns_are_compiled_but_not_kept() {
        let before = cached_len();
        let long = "a".repeat(MAX_CACHED_PATTERN_LEN + 1);
        let a = compile_shared(&long).expect("valid pattern");
        let b = compile_shared(&long).expect("valid pattern");
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(cached_len(), before);
    }

    #[test]
    fn patterns_with_large_programs_are_compiled_but_not_kept() {
        // Short text, but a program far over the cached-size bound.
        let big = "[a-z]{1000}";
        let a = compile_shared(big).expect("fits the full limit");
        let b = compile_shared(big).expect("fits the full limit");
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(a.is_match(&"q".repeat(1000)));
    }

    #[test]
    fn errors_keep_go_wording_and_are_not_cached() {
        let before = cached_len();
        for _ in 0..2 {
            let e = compile_shared("a(b").expect_err("unbalanced");
            assert_eq!(e, "error parsing regexp: missing closing ): `a(b`");
        }
        let e = compile_shared("(?:[a-z]{1000}){1000}").expect_err("too large");
        assert!(e.starts_with("error parsing regexp:"), "{e}");
        assert_eq!(cached_len(), before);
    }
}
