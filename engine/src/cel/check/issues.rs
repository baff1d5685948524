//! Checker errors and their text, as cel-go's `common.Errors` collects them
//! and `ToDisplayString` prints them: `ERROR: <input>:L:C: message`, then the
//! source line and a caret line, errors sorted by position.

use cel::common::ast::SourceInfo;

/// cel-go reports at most this many errors, then a count of the rest.
const MAX_ERRORS: usize = 100;
/// cel-go omits the snippet of longer lines.
const MAX_SNIPPET_LENGTH: usize = 16384;

/// A position as cel-go reports it: 1-based line, 0-based column counted in
/// code points; `None` when the expression has no recorded offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location {
    pub line: usize,
    pub column: usize,
}

/// One reported problem.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub location: Option<Location>,
    pub message: String,
}

/// The errors of one check, with the source they refer to.
#[derive(Debug)]
pub(crate) struct Issues<'s> {
    source: &'s str,
    info: Option<&'s SourceInfo>,
    pub(crate) list: Vec<Issue>,
    count: usize,
}

impl<'s> Issues<'s> {
    pub(crate) fn new(source: &'s str, info: Option<&'s SourceInfo>) -> Self {
        Issues {
            source,
            info,
            list: Vec::new(),
            count: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Reports `message` at the start of expression `id`.
    pub(crate) fn report(&mut self, id: u64, message: String) {
        self.count += 1;
        if self.count > MAX_ERRORS {
            return;
        }
        let location = self
            .info
            .and_then(|i| i.offset_for(id))
            .map(|(start, _)| location_of(self.source, start as usize));
        self.list.push(Issue { location, message });
    }

    /// The first error's position (1-based line and column) and the whole
    /// text.
    pub(crate) fn render(mut self) -> (usize, usize, String) {
        self.list.sort_by_key(|i| {
            i.location
                .map(|l| (l.line as i64, l.column as i64))
                .unwrap_or((-1, -1))
        });
        let mut parts: Vec<String> = self.list.iter().map(|i| display(self.source, i)).collect();
        if self.count > MAX_ERRORS {
            parts.push(format!(
                "{} more errors were truncated",
                self.count - MAX_ERRORS
            ));
        }
        let (line, column) = self
            .list
            .first()
            .and_then(|i| i.location)
            .map(|l| (l.line, l.column + 1))
            .unwrap_or((0, 0));
        (line, column, parts.join("\n"))
    }
}

/// The line and column (in code points, as cel-go counts) of byte `offset`
/// of `source` (the parser records byte offsets).
pub(crate) fn location_of(source: &str, offset: usize) -> Location {
    let mut line = 1;
    let mut column = 0;
    for (_, c) in source.char_indices().take_while(|(i, _)| *i < offset) {
        if c == '\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
    }
    Location { line, column }
}

/// cel-go's `Error.ToDisplayString`.
fn display(source: &str, issue: &Issue) -> String {
    let Some(loc) = issue.location else {
        return format!("ERROR: <input>:-1:0: {}", issue.message);
    };
    let mut out = format!(
        "ERROR: <input>:{}:{}: {}",
        loc.line,
        loc.column + 1,
        issue.message
    );
    if let Some(snippet) = source.split('\n').nth(loc.line - 1) {
        if snippet.len() <= MAX_SNIPPET_LENGTH {
            let snippet = snippet.replace('\t', " ");
            out.push_str("\n | ");
            out.push_str(&snippet);
            out.push_str("\n | ");
            let mut chars = snippet.chars();
            for _ in 0..loc.column {
                match chars.next() {
                    Some(c) if c.len_utf8() > 1 => out.push('\u{ff0e}'),
                    Some(_) => out.push('.'),
                    None => break,
                }
            }
            match chars.next() {
                Some(c) if c.len_utf8() > 1 => out.push('\u{ff3e}'),
                _ => out.push('^'),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_prints_with_the_source_line_and_a_caret_under_its_column() {
        let issue = Issue {
            location: Some(Location { line: 1, column: 7 }),
            message: "undeclared reference to 'foo' (in container '')".into(),
        };
        assert_eq!(
            display("object.foo", &issue),
            "ERROR: <input>:1:8: undeclared reference to 'foo' (in container '')\n | object.foo\n | .......^"
        );
    }

    #[test]
    fn wide_characters_before_the_column_print_as_wide_dots() {
        let issue = Issue {
            location: Some(Location { line: 1, column: 2 }),
            message: "m".into(),
        };
        assert_eq!(
            display("'é' + 1", &issue),
            "ERROR: <input>:1:3: m\n | 'é' + 1\n | .．^"
        );
    }

    #[test]
    fn the_location_counts_lines_and_code_points() {
        // Byte 6 is the `c` after the two-byte `é`.
        assert_eq!(location_of("a\nbé c", 6), Location { line: 2, column: 3 });
    }
}
