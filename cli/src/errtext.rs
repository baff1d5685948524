//! Error messages made readable for the terminal.
//!
//! Kyverno's error messages quote the whole JMESPath expression that failed
//! (`failed to resolve <expr> at path <path>: <cause>`). Reports and test
//! tables keep them byte for byte; only the lines `verno apply` prints for a
//! human cut an over-long expression in the middle, so the cause after it
//! stays on screen.

/// Expressions longer than this many characters are cut.
pub const MAX_EXPRESSION_CHARS: usize = 80;

/// The frames in which the engine quotes an expression: the text before it
/// and the text that ends it.
const FRAMES: &[(&str, &str)] = &[
    ("failed to resolve ", " at path "),
    ("failed to evaluate list ", ": "),
];

/// `message` with every quoted expression longer than
/// [`MAX_EXPRESSION_CHARS`] cut to that length (its head and tail around
/// ` … `, whitespace runs folded into one space).
pub fn shorten_expressions(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    loop {
        let next = FRAMES
            .iter()
            .filter_map(|(open, close)| {
                let start = rest.find(open)? + open.len();
                let len = rest[start..].find(close)?;
                Some((start, len))
            })
            .min_by_key(|(start, _)| *start);
        let Some((start, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        out.push_str(&shorten(&rest[start..start + len]));
        rest = &rest[start + len..];
    }
}

/// One expression, cut if it is too long.
fn shorten(expr: &str) -> String {
    if expr.chars().count() <= MAX_EXPRESSION_CHARS {
        return expr.to_string();
    }
    let folded: Vec<char> = expr
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    if folded.len() <= MAX_EXPRESSION_CHARS {
        return folded.into_iter().collect();
    }
    const MARK: &str = " … ";
    let keep = MAX_EXPRESSION_CHARS - MARK.chars().count();
    let tail = keep / 4;
    let head = keep - tail;
    let mut s: String = folded[..head].iter().collect();
    s.push_str(MARK);
    s.extend(&folded[folded.len() - tail..]);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_expression_is_cut_to_a_readable_length_keeping_the_cause() {
        let expr = format!(
            "request.object.metadata.labels.{} | length(@)",
            "x".repeat(200)
        );
        let msg = format!("variable substitution failed: failed to resolve {expr} at path /spec/x: JMESPath query failed: Unknown key \"x\" in path");
        let short = shorten_expressions(&msg);
        let cut = short
            .strip_prefix("variable substitution failed: failed to resolve ")
            .and_then(|s| s.split(" at path ").next())
            .unwrap();
        assert_eq!(cut.chars().count(), MAX_EXPRESSION_CHARS, "{short}");
        assert!(
            cut.starts_with("request.object.metadata.labels.xxx"),
            "{cut}"
        );
        assert!(cut.ends_with("| length(@)"), "{cut}");
        assert!(
            short.ends_with(" at path /spec/x: JMESPath query failed: Unknown key \"x\" in path")
        );
    }

    #[test]
    fn short_expressions_and_other_text_are_unchanged() {
        let msg = "failed to resolve request.object.x at path /a: JMESPath query failed: Unknown key \"x\" in path";
        assert_eq!(shorten_expressions(msg), msg);
        let long_message = "m".repeat(500);
        assert_eq!(shorten_expressions(&long_message), long_message);
    }

    #[test]
    fn multi_line_expression_is_folded_before_it_is_cut() {
        let expr = "request.object.spec\n    | keys(@)\n    | length(@)";
        let msg = format!("failed to evaluate list {expr}: boom");
        assert_eq!(
            shorten_expressions(&msg),
            format!("failed to evaluate list {expr}: boom")
        );
        let long = format!("{}\n  | length(@)", "a.".repeat(60));
        let out = shorten_expressions(&format!("failed to evaluate list {long}: boom"));
        assert!(!out.contains('\n'), "{out}");
        assert!(out.ends_with("| length(@): boom"), "{out}");
    }

    #[test]
    fn every_quoted_expression_is_cut_and_multibyte_text_is_safe() {
        let e1 = "é".repeat(100);
        let e2 = "ü".repeat(100);
        let msg =
            format!("failed to resolve {e1} at path /a: failed to resolve {e2} at path /b: x");
        let out = shorten_expressions(&msg);
        assert_eq!(out.matches(" … ").count(), 2, "{out}");
        assert!(out.ends_with(" at path /b: x"));
    }
}
