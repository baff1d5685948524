//! Kyverno's wildcard matching (`ext/wildcard`, IGLOU-EU/go-wildcard).
//!
//! Full-string, case-sensitive, rune based: `*` matches any sequence
//! (including the empty one), `?` exactly one character. There is no escaping
//! and no character class, so a literal `*` can only be matched by `*` itself.

/// Whether `s` contains a wildcard character.
pub fn contains_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Match `text` against `pattern` the way Kyverno does.
///
/// ```
/// use verno::unstable::go::wildcard::matches;
/// assert!(matches("k8s.gcr.io/*", "k8s.gcr.io/pause:3.9"));
/// assert!(matches("nginx:?.??", "nginx:1.12"));
/// assert!(!matches("", "a"));
/// assert!(matches("*", ""));
/// ```
pub fn matches(pattern: &str, text: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if !contains_wildcard(pattern) {
        return pattern == text;
    }
    // Iterative glob with single-star backtracking: linear in practice and
    // never recursive, so hostile patterns cannot blow the stack.
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || t.get(ti) == Some(&c) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while p.get(pi) == Some(&'*') {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_semantics_match_go_wildcard() {
        assert!(matches("*", "anything"));
        assert!(matches("a*c", "abbbc"));
        assert!(matches("a*c", "ac"));
        assert!(!matches("a*c", "acb"));
        assert!(matches("?", "é"));
        assert!(!matches("?", ""));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
        assert!(matches("*:latest", "nginx:latest"));
        assert!(!matches("*:latest", "nginx:1.0"));
        assert!(matches("**a**", "bab"));
        assert!(!matches("Nginx", "nginx"), "case-sensitive");
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let text = "a".repeat(10_000);
        let pattern = format!("{}b", "*a".repeat(200));
        assert!(!matches(&pattern, &text));
    }
}
