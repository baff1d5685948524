//! Tokenizer, modelled on go-jmespath's `lexer.go` so that the same inputs are
//! accepted and rejected (Kyverno's fork did not change the lexer except for
//! raw strings, whose rules the fork and upstream share).

use super::JmespathError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Star,
    Dot,
    Filter,
    Flatten,
    Lparen,
    Rparen,
    Lbracket,
    Rbracket,
    Lbrace,
    Rbrace,
    Or,
    Pipe,
    Number(i64),
    UnquotedIdentifier(String),
    QuotedIdentifier(String),
    Comma,
    Colon,
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
    Ne,
    /// Raw text between backticks, with `` \` `` already unescaped; parsed as
    /// JSON by the parser (so the error is reported at the literal).
    JsonLiteral(String),
    StringLiteral(String),
    Current,
    Expref,
    And,
    Not,
    Eof,
}

impl Tok {
    /// The names go-jmespath prints in its syntax errors.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Tok::Star => "tStar",
            Tok::Dot => "tDot",
            Tok::Filter => "tFilter",
            Tok::Flatten => "tFlatten",
            Tok::Lparen => "tLparen",
            Tok::Rparen => "tRparen",
            Tok::Lbracket => "tLbracket",
            Tok::Rbracket => "tRbracket",
            Tok::Lbrace => "tLbrace",
            Tok::Rbrace => "tRbrace",
            Tok::Or => "tOr",
            Tok::Pipe => "tPipe",
            Tok::Number(_) => "tNumber",
            Tok::UnquotedIdentifier(_) => "tUnquotedIdentifier",
            Tok::QuotedIdentifier(_) => "tQuotedIdentifier",
            Tok::Comma => "tComma",
            Tok::Colon => "tColon",
            Tok::Lt => "tLT",
            Tok::Lte => "tLTE",
            Tok::Gt => "tGT",
            Tok::Gte => "tGTE",
            Tok::Eq => "tEQ",
            Tok::Ne => "tNE",
            Tok::JsonLiteral(_) => "tJSONLiteral",
            Tok::StringLiteral(_) => "tStringLiteral",
            Tok::Current => "tCurrent",
            Tok::Expref => "tExpref",
            Tok::And => "tAnd",
            Tok::Not => "tNot",
            Tok::Eof => "tEOF",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    /// Byte offset in the expression.
    pub pos: usize,
}

fn syntax(message: impl Into<String>, offset: usize) -> JmespathError {
    JmespathError::Syntax {
        message: message.into(),
        offset,
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub(crate) fn tokenize(expr: &str) -> Result<Vec<Token>, JmespathError> {
    let mut tokens = Vec::new();
    let mut it = expr.char_indices().peekable();
    while let Some((pos, c)) = it.next() {
        let simple = match c {
            '.' => Some(Tok::Dot),
            '*' => Some(Tok::Star),
            ',' => Some(Tok::Comma),
            ':' => Some(Tok::Colon),
            '{' => Some(Tok::Lbrace),
            '}' => Some(Tok::Rbrace),
            ']' => Some(Tok::Rbracket),
            '(' => Some(Tok::Lparen),
            ')' => Some(Tok::Rparen),
            '@' => Some(Tok::Current),
            _ => None,
        };
        if let Some(tok) = simple {
            tokens.push(Token { tok, pos });
            continue;
        }
        let tok = match c {
            c if is_ident_start(c) => {
                let mut end = pos + c.len_utf8();
                while let Some(&(i, n)) = it.peek() {
                    if !is_ident_char(n) {
                        break;
                    }
                    end = i + n.len_utf8();
                    it.next();
                }
                Tok::UnquotedIdentifier(expr[pos..end].to_string())
            }
            '-' | '0'..='9' => {
                let mut end = pos + 1;
                while let Some(&(i, n)) = it.peek() {
                    if !n.is_ascii_digit() {
                        break;
                    }
                    end = i + 1;
                    it.next();
                }
                let text = &expr[pos..end];
                let n: i64 = text
                    .parse()
                    .map_err(|_| syntax(format!("invalid number: {text}"), pos))?;
                Tok::Number(n)
            }
            '[' => match it.peek() {
                Some(&(_, '?')) => {
                    it.next();
                    Tok::Filter
                }
                Some(&(_, ']')) => {
                    it.next();
                    Tok::Flatten
                }
                _ => Tok::Lbracket,
            },
            '"' => {
                let raw = consume_until(expr, &mut it, '"')?;
                let decoded: String = serde_json::from_str(&format!("\"{raw}\""))
                    .map_err(|e| syntax(format!("invalid quoted identifier: {e}"), pos))?;
                Tok::QuotedIdentifier(decoded)
            }
            '\'' => {
                // Only `\'` is an escape; every other backslash is kept as is
                // (`'\\'` is two characters), as in go-jmespath.
                let mut out = String::new();
                let mut closed = false;
                while let Some((_, ch)) = it.next() {
                    match ch {
                        '\\' if matches!(it.peek(), Some(&(_, '\''))) => {
                            it.next();
                            out.push('\'');
                        }
                        '\'' => {
                            closed = true;
                            break;
                        }
                        other => out.push(other),
                    }
                }
                if !closed {
                    return Err(syntax("Unclosed delimiter: '", expr.len()));
                }
                Tok::StringLiteral(out)
            }
            '`' => {
                let raw = consume_until(expr, &mut it, '`')?;
                Tok::JsonLiteral(raw.replace("\\`", "`"))
            }
            '|' => two(&mut it, '|', Tok::Or, Tok::Pipe),
            '<' => two(&mut it, '=', Tok::Lte, Tok::Lt),
            '>' => two(&mut it, '=', Tok::Gte, Tok::Gt),
            '!' => two(&mut it, '=', Tok::Ne, Tok::Not),
            '&' => two(&mut it, '&', Tok::And, Tok::Expref),
            '=' => {
                if matches!(it.peek(), Some(&(_, '='))) {
                    it.next();
                    Tok::Eq
                } else {
                    return Err(syntax("Unknown char: '='", pos));
                }
            }
            ' ' | '\t' | '\n' | '\r' => continue,
            other => {
                return Err(syntax(format!("Unknown char: {other:?}"), pos));
            }
        };
        tokens.push(Token { tok, pos });
    }
    tokens.push(Token {
        tok: Tok::Eof,
        pos: expr.len(),
    });
    Ok(tokens)
}

fn two(
    it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    second: char,
    matched: Tok,
    single: Tok,
) -> Tok {
    if matches!(it.peek(), Some(&(_, c)) if c == second) {
        it.next();
        matched
    } else {
        single
    }
}

/// Text up to the closing delimiter; a backslash protects the next character
/// (which stays in the text: the caller decodes escapes).
fn consume_until<'e>(
    expr: &'e str,
    it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    end: char,
) -> Result<&'e str, JmespathError> {
    let start = match it.peek() {
        Some(&(i, _)) => i,
        None => return Err(syntax(format!("Unclosed delimiter: {end}"), expr.len())),
    };
    while let Some((i, c)) = it.next() {
        if c == end {
            return Ok(&expr[start..i]);
        }
        if c == '\\' && it.peek().is_some() {
            it.next();
        }
    }
    Err(syntax(format!("Unclosed delimiter: {end}"), expr.len()))
}
