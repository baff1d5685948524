//! Pattern anchors: `(key)`, `=(key)`, `X(key)`, `^(key)`, `<(key)`, `+(key)`
//! (`pkg/engine/anchor`).

/// The kind of anchor wrapped around a pattern key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorKind {
    /// `(key)`: the rest of the map applies only if this matches.
    Condition,
    /// `<(key)`: the whole pattern applies only if this matches.
    Global,
    /// `X(key)`: the key must not be present.
    Negation,
    /// `+(key)`: add if not present (mutate only).
    AddIfNotPresent,
    /// `=(key)`: if present, must match.
    Equality,
    /// `^(key)`: some list element must match.
    Existence,
}

/// A parsed anchor key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor<'a> {
    /// The kind.
    pub kind: AnchorKind,
    /// The key.
    pub key: &'a str,
}

/// `anchor.Parse`: the trimmed key must match `^([+<=X^])?\((.+)\)$`.
///
/// ```
/// use verno::unstable::pattern::anchor::{parse, AnchorKind};
/// let a = parse("=(securityContext)").unwrap();
/// assert_eq!((a.kind, a.key), (AnchorKind::Equality, "securityContext"));
/// assert!(parse("plain").is_none());
/// assert!(parse("()").is_none());
/// ```
pub fn parse(raw: &str) -> Option<Anchor<'_>> {
    let s = raw.trim();
    let (kind, rest) = match s.chars().next()? {
        '+' => (AnchorKind::AddIfNotPresent, &s[1..]),
        '<' => (AnchorKind::Global, &s[1..]),
        '=' => (AnchorKind::Equality, &s[1..]),
        'X' => (AnchorKind::Negation, &s[1..]),
        '^' => (AnchorKind::Existence, &s[1..]),
        _ => (AnchorKind::Condition, s),
    };
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    if inner.is_empty() {
        // `X()` style keys: the optional modifier might instead be part of
        // a literal key such as `X(` ... but Go's regex needs `.+` inside.
        return None;
    }
    // `.+` does not match newlines in Go's RE2 without (?s).
    if inner.contains('\n') {
        return None;
    }
    Some(Anchor { kind, key: inner })
}

impl AnchorKind {
    /// Anchors evaluated in phase A of `validateMap`.
    pub fn is_phase_a(self) -> bool {
        matches!(
            self,
            AnchorKind::Condition
                | AnchorKind::Existence
                | AnchorKind::Equality
                | AnchorKind::Negation
        )
    }

    /// The modifier prefix as written.
    pub fn prefix(self) -> &'static str {
        match self {
            AnchorKind::Condition => "",
            AnchorKind::Global => "<",
            AnchorKind::Negation => "X",
            AnchorKind::AddIfNotPresent => "+",
            AnchorKind::Equality => "=",
            AnchorKind::Existence => "^",
        }
    }
}

/// Strip anchors from every segment of a `/`-separated path.
pub fn remove_anchors_from_path(path: &str) -> String {
    path.split('/')
        .map(|seg| parse(seg).map_or(seg, |a| a.key))
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_grammar() {
        assert_eq!(parse("(name)").map(|a| a.kind), Some(AnchorKind::Condition));
        assert_eq!(parse(" <(x) ").map(|a| a.kind), Some(AnchorKind::Global));
        assert_eq!(
            parse("X(hostPath)").map(|a| a.kind),
            Some(AnchorKind::Negation)
        );
        assert_eq!(
            parse("^(containers)").map(|a| a.kind),
            Some(AnchorKind::Existence)
        );
        assert_eq!(
            parse("+(label)").map(|a| a.kind),
            Some(AnchorKind::AddIfNotPresent)
        );
        // `(a)` inside: the key is everything between the outer parens.
        assert_eq!(parse("((a))").map(|a| a.key), Some("(a)"));
        assert!(parse("Y(a)").is_none());
        assert!(parse("(a").is_none());
    }
}
