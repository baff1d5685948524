//! Top-down operator precedence parser, a transcription of go-jmespath's
//! `parser.go` (same binding powers and the same AST shapes), with depth
//! limits so untrusted input cannot overflow the stack.

use super::ast::{Comparator, FunctionCall, Node};
use super::functions::lookup_function;
use super::lexer::{tokenize, Tok, Token};
use super::JmespathError;
use std::sync::OnceLock;

/// Maximum depth of the AST (and of parser recursion). Chains like
/// `a.b.c...` grow the AST without recursing in the parser, so both are
/// bounded; evaluation recursion then follows the AST depth. go-jmespath has
/// no limit (Go stacks grow), but the deepest expression in the Kyverno
/// policy corpus has 10 levels, and 128 keeps parsing and evaluation within
/// about 100 KiB of stack in release builds (see
/// `engine/tests/jmespath_hostile.rs`, which runs them on a 256 KiB stack).
pub(crate) const MAX_DEPTH: u32 = 128;

fn binding_power(t: &Tok) -> u32 {
    match t {
        Tok::Pipe => 1,
        Tok::Or => 2,
        Tok::And => 3,
        Tok::Eq | Tok::Lt | Tok::Lte | Tok::Gt | Tok::Gte | Tok::Ne => 5,
        Tok::Flatten => 9,
        Tok::Star => 20,
        Tok::Filter => 21,
        Tok::Dot => 40,
        Tok::Not => 45,
        Tok::Lbrace => 50,
        Tok::Lbracket => 55,
        Tok::Lparen => 60,
        _ => 0,
    }
}

/// A node with its depth, so that depth checks are O(1) while building.
type Parsed = (Node, u32);

pub(crate) fn parse(expr: &str) -> Result<Node, JmespathError> {
    let tokens = tokenize(expr)?;
    let mut p = Parser {
        tokens,
        index: 0,
        nesting: 0,
    };
    let (node, _) = p.parse_expression(0)?;
    if p.current() != &Tok::Eof {
        return Err(p.error(format_args!(
            "Unexpected token at the end of the expression: {}",
            p.current().name()
        )));
    }
    Ok(node)
}

struct Parser {
    tokens: Vec<Token>,
    index: usize,
    nesting: u32,
}

#[cold]
#[inline(never)]
fn syntax_at(offset: usize, message: std::fmt::Arguments<'_>) -> JmespathError {
    JmespathError::Syntax {
        message: message.to_string(),
        offset,
    }
}

/// A backtick literal. serde_json's own recursion limit (128) bounds its
/// nesting.
#[inline(never)]
fn json_literal(text: &str, pos: usize) -> Result<Parsed, JmespathError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| JmespathError::Syntax {
            message: format!("invalid JSON literal: {e}"),
            offset: pos,
        })?;
    Ok((Node::Literal(value), 1))
}

fn bx(n: Node) -> Box<Node> {
    Box::new(n)
}

impl Parser {
    fn token(&self, n: usize) -> &Token {
        // The token list always ends with Eof and the parser never moves
        // past it, so clamping keeps lookahead total.
        let last = self.tokens.len().saturating_sub(1);
        let i = (self.index + n).min(last);
        // The lexer always ends the list with an end-of-input token, so
        // `last` is an index of it.
        #[allow(clippy::indexing_slicing)]
        &self.tokens[i]
    }

    fn current(&self) -> &Tok {
        &self.token(0).tok
    }

    fn lookahead(&self, n: usize) -> &Tok {
        &self.token(n).tok
    }

    fn advance(&mut self) {
        if self.index + 1 < self.tokens.len() {
            self.index += 1;
        }
    }

    /// Out of line and taking `fmt::Arguments`, so that callers on the
    /// recursive path do not reserve stack for building messages.
    #[cold]
    #[inline(never)]
    fn error(&self, message: std::fmt::Arguments<'_>) -> JmespathError {
        JmespathError::Syntax {
            message: message.to_string(),
            offset: self.token(0).pos,
        }
    }

    fn eat(&mut self, t: Tok) -> Result<(), JmespathError> {
        if self.current() == &t {
            self.advance();
            Ok(())
        } else {
            Err(self.error(format_args!(
                "Expected {}, received: {}",
                t.name(),
                self.current().name()
            )))
        }
    }

    fn depth_checked(&self, node: Node, depth: u32) -> Result<Parsed, JmespathError> {
        if depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        Ok((node, depth))
    }

    fn parse_expression(&mut self, bp: u32) -> Result<Parsed, JmespathError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(self.too_deep());
        }
        let result = self.parse_expression_inner(bp);
        self.nesting -= 1;
        result
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self) -> JmespathError {
        self.error(format_args!(
            "expression is nested too deeply (more than {MAX_DEPTH} levels)"
        ))
    }

    fn parse_expression_inner(&mut self, bp: u32) -> Result<Parsed, JmespathError> {
        let left_token = self.token(0).clone();
        self.advance();
        let mut left = self.nud(left_token)?;
        // Only operator tokens have a binding power, and they carry no text,
        // so the clone below is cheap.
        while bp < binding_power(self.current()) {
            let current = self.current().clone();
            self.advance();
            left = self.led(current, left)?;
        }
        Ok(left)
    }

    /// Left denotation. Like `Interp::eval`, a thin dispatcher over
    /// non-inlined methods so that each level of parser recursion only pays
    /// for the locals of the construct being parsed.
    fn led(&mut self, tok: Tok, left: Parsed) -> Result<Parsed, JmespathError> {
        match tok {
            Tok::Dot => self.led_dot(left),
            Tok::Pipe | Tok::Or | Tok::And => self.led_binary(tok, left),
            Tok::Lparen => self.led_call(left),
            Tok::Filter => self.parse_filter(left),
            Tok::Flatten => self.led_flatten(left),
            Tok::Eq | Tok::Ne | Tok::Gt | Tok::Gte | Tok::Lt | Tok::Lte => {
                self.led_comparator(tok, left)
            }
            Tok::Lbracket => self.led_bracket(left),
            other => Err(self.error(format_args!("Unexpected token: {}", other.name()))),
        }
    }

    #[inline(never)]
    fn led_dot(&mut self, (left, ld): Parsed) -> Result<Parsed, JmespathError> {
        if self.current() != &Tok::Star {
            let (right, rd) = self.parse_dot_rhs(binding_power(&Tok::Dot))?;
            return self.depth_checked(Node::Subexpression(bx(left), bx(right)), ld.max(rd) + 1);
        }
        self.advance();
        let (right, rd) = self.parse_projection_rhs(binding_power(&Tok::Dot))?;
        self.depth_checked(Node::ValueProjection(bx(left), bx(right)), ld.max(rd) + 1)
    }

    #[inline(never)]
    fn led_binary(&mut self, tok: Tok, (left, ld): Parsed) -> Result<Parsed, JmespathError> {
        let (right, rd) = self.parse_expression(binding_power(&tok))?;
        let node = match tok {
            Tok::Pipe => Node::Pipe(bx(left), bx(right)),
            Tok::Or => Node::Or(bx(left), bx(right)),
            _ => Node::And(bx(left), bx(right)),
        };
        self.depth_checked(node, ld.max(rd) + 1)
    }

    #[inline(never)]
    fn led_call(&mut self, (left, ld): Parsed) -> Result<Parsed, JmespathError> {
        let name = match left {
            Node::Field(name) if !self.last_was_quoted() => name,
            _ => return Err(self.error(format_args!("Invalid function name"))),
        };
        let mut args = Vec::new();
        let mut depth = ld;
        // Like go-jmespath, a comma is optional between arguments and
        // may trail: `f(a,)` and `f(a b)` parse.
        while self.current() != &Tok::Rparen {
            let (arg, ad) = self.parse_expression(0)?;
            depth = depth.max(ad);
            if self.current() == &Tok::Comma {
                self.advance();
            }
            args.push(arg);
        }
        self.eat(Tok::Rparen)?;
        let id = lookup_function(&name);
        let call = FunctionCall {
            name,
            id,
            args,
            regex_cache: OnceLock::new(),
        };
        self.depth_checked(Node::Function(Box::new(call)), depth + 1)
    }

    #[inline(never)]
    fn led_flatten(&mut self, (left, ld): Parsed) -> Result<Parsed, JmespathError> {
        let (right, rd) = self.parse_projection_rhs(binding_power(&Tok::Flatten))?;
        let d = (ld + 1).max(rd) + 1;
        self.depth_checked(Node::Projection(bx(Node::Flatten(bx(left))), bx(right)), d)
    }

    #[inline(never)]
    fn led_comparator(&mut self, tok: Tok, (left, ld): Parsed) -> Result<Parsed, JmespathError> {
        let (right, rd) = self.parse_expression(binding_power(&tok))?;
        let cmp = match tok {
            Tok::Eq => Comparator::Eq,
            Tok::Ne => Comparator::Ne,
            Tok::Gt => Comparator::Gt,
            Tok::Gte => Comparator::Gte,
            Tok::Lt => Comparator::Lt,
            _ => Comparator::Lte,
        };
        self.depth_checked(Node::Comparator(cmp, bx(left), bx(right)), ld.max(rd) + 1)
    }

    #[inline(never)]
    fn led_bracket(&mut self, (left, ld): Parsed) -> Result<Parsed, JmespathError> {
        if matches!(self.current(), Tok::Number(_) | Tok::Colon) {
            let right = self.parse_index_expression()?;
            return self.project_if_slice((left, ld), right);
        }
        self.eat(Tok::Star)?;
        self.eat(Tok::Rbracket)?;
        let (right, rd) = self.parse_projection_rhs(binding_power(&Tok::Star))?;
        self.depth_checked(Node::Projection(bx(left), bx(right)), ld.max(rd) + 1)
    }

    /// go-jmespath rejects `"name"(...)` in `nud`; we see the function call
    /// in `led`, so look back at the token before `(`.
    fn last_was_quoted(&self) -> bool {
        self.index >= 2
            && matches!(
                self.tokens.get(self.index - 2).map(|t| &t.tok),
                Some(Tok::QuotedIdentifier(_))
            )
    }

    /// Null denotation; a dispatcher like [`Parser::led`].
    fn nud(&mut self, token: Token) -> Result<Parsed, JmespathError> {
        match token.tok {
            Tok::JsonLiteral(text) => json_literal(&text, token.pos),
            Tok::StringLiteral(s) => Ok((Node::Literal(serde_json::Value::String(s)), 1)),
            Tok::UnquotedIdentifier(s) => Ok((Node::Field(s), 1)),
            Tok::QuotedIdentifier(s) => {
                if self.current() == &Tok::Lparen {
                    return Err(syntax_at(
                        token.pos,
                        format_args!("Can't have quoted identifier as function Name."),
                    ));
                }
                Ok((Node::Field(s), 1))
            }
            Tok::Star => self.nud_star(),
            Tok::Filter => self.parse_filter((Node::Identity, 1)),
            Tok::Lbrace => self.parse_multi_select_hash(),
            Tok::Flatten => self.nud_flatten(),
            Tok::Lbracket => self.nud_bracket(),
            Tok::Current => Ok((Node::Current, 1)),
            Tok::Expref | Tok::Not => self.nud_prefix(token.tok),
            Tok::Lparen => self.nud_paren(),
            Tok::Eof => Err(syntax_at(token.pos, format_args!("Incomplete expression"))),
            other => Err(syntax_at(
                token.pos,
                format_args!("Invalid token: {}", other.name()),
            )),
        }
    }

    #[inline(never)]
    fn nud_star(&mut self) -> Result<Parsed, JmespathError> {
        let (right, rd) = if self.current() == &Tok::Rbracket {
            (Node::Identity, 1)
        } else {
            self.parse_projection_rhs(binding_power(&Tok::Star))?
        };
        self.depth_checked(Node::ValueProjection(bx(Node::Identity), bx(right)), rd + 1)
    }

    #[inline(never)]
    fn nud_flatten(&mut self) -> Result<Parsed, JmespathError> {
        let (right, rd) = self.parse_projection_rhs(binding_power(&Tok::Flatten))?;
        let left = Node::Flatten(bx(Node::Identity));
        self.depth_checked(Node::Projection(bx(left), bx(right)), rd.max(2) + 1)
    }

    #[inline(never)]
    fn nud_bracket(&mut self) -> Result<Parsed, JmespathError> {
        let current = self.current();
        if matches!(current, Tok::Number(_) | Tok::Colon) {
            let right = self.parse_index_expression()?;
            self.project_if_slice((Node::Identity, 1), right)
        } else if current == &Tok::Star && self.lookahead(1) == &Tok::Rbracket {
            self.advance();
            self.advance();
            let (right, rd) = self.parse_projection_rhs(binding_power(&Tok::Star))?;
            self.depth_checked(Node::Projection(bx(Node::Identity), bx(right)), rd + 1)
        } else {
            self.parse_multi_select_list()
        }
    }

    /// `&expr` and `!expr`.
    #[inline(never)]
    fn nud_prefix(&mut self, tok: Tok) -> Result<Parsed, JmespathError> {
        let (e, d) = self.parse_expression(binding_power(&tok))?;
        let node = if tok == Tok::Expref {
            Node::ExpRef(bx(e))
        } else {
            Node::Not(bx(e))
        };
        self.depth_checked(node, d + 1)
    }

    #[inline(never)]
    fn nud_paren(&mut self) -> Result<Parsed, JmespathError> {
        let e = self.parse_expression(0)?;
        self.eat(Tok::Rparen)?;
        Ok(e)
    }

    fn parse_index_expression(&mut self) -> Result<Node, JmespathError> {
        if self.lookahead(0) == &Tok::Colon || self.lookahead(1) == &Tok::Colon {
            return self.parse_slice_expression();
        }
        let n = match self.current() {
            Tok::Number(n) => *n,
            other => {
                return Err(self.error(format_args!("Expected tNumber, received: {}", other.name())))
            }
        };
        self.advance();
        self.eat(Tok::Rbracket)?;
        Ok(Node::Index(n))
    }

    fn parse_slice_expression(&mut self) -> Result<Node, JmespathError> {
        let mut parts = [None, None, None];
        let mut index = 0;
        while self.current() != &Tok::Rbracket && index < 3 {
            match self.current().clone() {
                Tok::Colon => {
                    index += 1;
                    self.advance();
                }
                Tok::Number(n) => {
                    if let Some(slot) = parts.get_mut(index) {
                        *slot = Some(n);
                    }
                    self.advance();
                }
                other => {
                    return Err(self.error(format_args!(
                        "Expected tColon or tNumber, received: {}",
                        other.name()
                    )))
                }
            }
        }
        self.eat(Tok::Rbracket)?;
        Ok(Node::Slice(parts))
    }

    fn project_if_slice(
        &mut self,
        (left, ld): Parsed,
        right: Node,
    ) -> Result<Parsed, JmespathError> {
        let is_slice = matches!(right, Node::Slice(_));
        let index_expr = Node::IndexExpression(bx(left), bx(right));
        if is_slice {
            let (rhs, rd) = self.parse_projection_rhs(binding_power(&Tok::Star))?;
            return self.depth_checked(
                Node::Projection(bx(index_expr), bx(rhs)),
                (ld + 1).max(rd) + 1,
            );
        }
        self.depth_checked(index_expr, ld + 1)
    }

    fn parse_filter(&mut self, (left, ld): Parsed) -> Result<Parsed, JmespathError> {
        let (cond, cd) = self.parse_expression(0)?;
        self.eat(Tok::Rbracket)?;
        let (right, rd) = if self.current() == &Tok::Flatten {
            (Node::Identity, 1)
        } else {
            self.parse_projection_rhs(binding_power(&Tok::Filter))?
        };
        self.depth_checked(
            Node::FilterProjection {
                lhs: bx(left),
                rhs: bx(right),
                cond: bx(cond),
            },
            ld.max(rd).max(cd) + 1,
        )
    }

    fn parse_dot_rhs(&mut self, bp: u32) -> Result<Parsed, JmespathError> {
        match self.current() {
            Tok::QuotedIdentifier(_) | Tok::UnquotedIdentifier(_) | Tok::Star => {
                self.parse_expression(bp)
            }
            Tok::Lbracket => {
                self.advance();
                self.parse_multi_select_list()
            }
            Tok::Lbrace => {
                self.advance();
                self.parse_multi_select_hash()
            }
            _ => Err(self.error(format_args!("Expected identifier, lbracket, or lbrace"))),
        }
    }

    fn parse_projection_rhs(&mut self, bp: u32) -> Result<Parsed, JmespathError> {
        let current = self.current().clone();
        if binding_power(&current) < 10 {
            Ok((Node::Identity, 1))
        } else if current == Tok::Lbracket || current == Tok::Filter {
            self.parse_expression(bp)
        } else if current == Tok::Dot {
            self.advance();
            self.parse_dot_rhs(bp)
        } else {
            Err(self.error(format_args!("Unexpected token: {}", current.name())))
        }
    }

    fn parse_multi_select_list(&mut self) -> Result<Parsed, JmespathError> {
        let mut items = Vec::new();
        let mut depth = 0;
        loop {
            let (e, d) = self.parse_expression(0)?;
            depth = depth.max(d);
            items.push(e);
            if self.current() == &Tok::Rbracket {
                break;
            }
            self.eat(Tok::Comma)?;
        }
        self.eat(Tok::Rbracket)?;
        self.depth_checked(Node::MultiSelectList(items), depth + 1)
    }

    fn parse_multi_select_hash(&mut self) -> Result<Parsed, JmespathError> {
        let mut pairs = Vec::new();
        let mut depth = 0;
        loop {
            let key = match self.current().clone() {
                Tok::UnquotedIdentifier(k) | Tok::QuotedIdentifier(k) => k,
                _ => {
                    return Err(self.error(format_args!(
                        "Expected tQuotedIdentifier or tUnquotedIdentifier"
                    )))
                }
            };
            self.advance();
            self.eat(Tok::Colon)?;
            let (value, d) = self.parse_expression(0)?;
            depth = depth.max(d);
            pairs.push((key, value));
            // go-jmespath consumes a comma or the closing brace if present
            // and otherwise just starts the next pair: `{a: b c: d}` is two
            // pairs, and anything else that follows a value fails as a
            // missing key (`{a: b, }`, `{a: b 'c'}`).
            match self.current() {
                Tok::Comma => self.advance(),
                Tok::Rbrace => {
                    self.advance();
                    break;
                }
                _ => {}
            }
        }
        self.depth_checked(Node::MultiSelectHash(pairs), depth + 1)
    }
}
