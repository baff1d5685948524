//! Regex functions. Patterns are Go RE2 syntax; the Rust `regex` crate is
//! also RE2-like (linear time) but makes `\d`, `\w`, `\s` and `\b` Unicode
//! aware and reads `[`, `&&`, `--`, `~~` inside classes as set operations,
//! so patterns are translated to keep Go's meaning first.

use super::super::ast::{FunctionCall, Node};
use super::super::functions::{check_string_len, Args, R};
use super::super::interpreter::Interp;
use super::super::value::Val;
use super::super::JmespathError;
use super::regex_cache::compile_shared;
use super::{arg_type_err, iface_to_string, kerr};
use regex::{Regex, RegexBuilder};
use serde_json::Value;
use std::sync::Arc;

/// Compiled-program size cap: Kubernetes policy regexes are tiny, and this
/// keeps hostile `{1000}{1000}` patterns from exhausting memory.
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Go regex syntax -> equivalent Rust regex syntax.
pub(crate) fn translate_go_regex(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let mut chars = p.chars().peekable();
    let mut in_class = false;
    // Position inside the current class, to keep a leading `]` literal.
    let mut class_len = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let piece: String = match (n, in_class) {
                    ('d', false) => "[0-9]".into(),
                    ('d', true) => "0-9".into(),
                    ('D', false) => "[^0-9]".into(),
                    ('D', true) => "[:^digit:]".into(),
                    ('w', false) => "[0-9A-Za-z_]".into(),
                    ('w', true) => "0-9A-Za-z_".into(),
                    ('W', false) => "[^0-9A-Za-z_]".into(),
                    ('W', true) => "[:^word:]".into(),
                    ('s', false) => r"[\t\n\f\r ]".into(),
                    ('s', true) => r"\t\n\f\r ".into(),
                    ('S', false) => r"[^\t\n\f\r ]".into(),
                    ('S', true) => "[:^space:]".into(),
                    ('b', false) => r"(?-u:\b)".into(),
                    ('B', false) => r"(?-u:\B)".into(),
                    ('Q', _) => {
                        // \Q...\E quotes literally.
                        let mut lit = String::new();
                        while let Some(q) = chars.next() {
                            if q == '\\' && chars.peek() == Some(&'E') {
                                chars.next();
                                break;
                            }
                            lit.push(q);
                        }
                        if in_class {
                            lit.chars()
                                .map(|ch| format!("\\x{{{:x}}}", ch as u32))
                                .collect()
                        } else {
                            regex::escape(&lit)
                        }
                    }
                    (other, _) => format!("\\{other}"),
                };
                out.push_str(&piece);
                if in_class {
                    class_len += 1;
                }
            }
            '[' if !in_class => {
                in_class = true;
                class_len = 0;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            '[' => {
                if chars.peek() == Some(&':') {
                    // POSIX class `[:alpha:]`: copy through `:]`.
                    out.push('[');
                    let mut prev = '[';
                    for q in chars.by_ref() {
                        out.push(q);
                        if prev == ':' && q == ']' {
                            break;
                        }
                        prev = q;
                    }
                } else {
                    out.push_str("\\[");
                }
                class_len += 1;
            }
            '{' if !in_class => {
                let rest: String = chars.clone().collect();
                let literal = match rest.find('}') {
                    Some(e) => !is_go_repeat(&rest[..e]),
                    None => true,
                };
                out.push_str(if literal { "\\{" } else { "{" });
            }
            ']' if in_class && class_len > 0 => {
                in_class = false;
                out.push(']');
            }
            ']' if in_class => {
                out.push_str("\\]");
                class_len += 1;
            }
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
                class_len += 1;
            }
            '-' if in_class && chars.peek() == Some(&'-') => {
                out.push_str("\\-");
                class_len += 1;
            }
            other => {
                out.push(other);
                if in_class {
                    class_len += 1;
                }
            }
        }
    }
    out
}

/// Go's wording for the common syntax errors.
fn go_regex_message(rust: &str) -> &str {
    match rust {
        "unclosed character class" => "missing closing ]",
        "unclosed group" => "missing closing )",
        "unopened group" => "unexpected )",
        "repetition operator missing expression" => "missing argument to repetition operator",
        "invalid character class range, the start must be <= the end" => {
            "invalid character class range"
        }
        "invalid escape sequence found in character class" | "unrecognized escape sequence" => {
            "invalid escape sequence"
        }
        other => other,
    }
}

/// Whether `body` (the text between `{` and `}`) makes a Go repetition:
/// `n`, `n,` or `n,m`. Anything else is literal text in Go.
fn is_go_repeat(body: &str) -> bool {
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body, None),
    };
    !lo.is_empty()
        && lo.bytes().all(|b| b.is_ascii_digit())
        && hi.is_none_or(|h| h.bytes().all(|b| b.is_ascii_digit()))
}

/// Go rejects a repetition applied to a repetition (`a**`, `a++`, `a{2}*`);
/// Rust accepts some of them. A `?` right after an operator makes it lazy
/// and is allowed. Returns the offending operator pair.
fn nested_repetition(p: &str) -> Option<String> {
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut class_len = 0;
    let mut prev_repeat: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if in_class {
            match c {
                '\\' => i += 1,
                ']' if class_len > 0 => in_class = false,
                _ => {}
            }
            class_len += 1;
            i += 1;
            continue;
        }
        let start = i;
        let is_repeat = match c {
            '\\' => {
                i += 2;
                prev_repeat = None;
                continue;
            }
            '[' => {
                in_class = true;
                class_len = 0;
                if chars.get(i + 1) == Some(&'^') {
                    i += 1;
                }
                false
            }
            '*' | '+' | '?' => true,
            '{' => {
                let close = chars[i..].iter().position(|&x| x == '}');
                let body: Option<String> = close.map(|e| chars[i + 1..i + e].iter().collect());
                match (close, body) {
                    (Some(e), Some(b)) if is_go_repeat(&b) => {
                        i += e;
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if is_repeat {
            if let Some(p0) = prev_repeat {
                return Some(chars[p0..=i].iter().collect());
            }
            prev_repeat = Some(start);
            if chars.get(i + 1) == Some(&'?') {
                i += 1;
            }
        } else {
            prev_repeat = None;
        }
        i += 1;
    }
    None
}

/// Why a pattern did not compile.
#[derive(Debug)]
pub(crate) enum CompileError {
    /// The compiled program would pass the size limit; Go's-style message.
    TooBig(String),
    /// Any other error, in Go's wording.
    Invalid(String),
}

impl CompileError {
    pub(crate) fn into_message(self) -> String {
        match self {
            CompileError::TooBig(m) | CompileError::Invalid(m) => m,
        }
    }
}

/// Compiles a Go pattern whose program may take up to `size_limit` bytes;
/// the error text mimics Go's `error parsing regexp: <what>`.
pub(crate) fn compile_go_regex_limited(
    pattern: &str,
    size_limit: usize,
) -> Result<Regex, CompileError> {
    if let Some(op) = nested_repetition(pattern) {
        return Err(CompileError::Invalid(format!(
            "error parsing regexp: invalid nested repetition operator: `{op}`"
        )));
    }
    RegexBuilder::new(&translate_go_regex(pattern))
        .octal(true)
        .size_limit(size_limit)
        .build()
        .map_err(|e| match e {
            regex::Error::Syntax(msg) => {
                let what = msg
                    .lines()
                    .rev()
                    .find_map(|l| l.trim().strip_prefix("error: "))
                    .unwrap_or("invalid regular expression");
                CompileError::Invalid(format!(
                    "error parsing regexp: {}: `{pattern}`",
                    go_regex_message(what)
                ))
            }
            regex::Error::CompiledTooBig(limit) => CompileError::TooBig(format!(
                "error parsing regexp: expression too large (over {limit} bytes): `{pattern}`"
            )),
            other => CompileError::Invalid(format!("error parsing regexp: {other}")),
        })
}

/// Steps charged for compiling a pattern that is not a literal. Compiling
/// is the one regex cost not linear in the input: a six-character pattern
/// like `.{1000}` takes milliseconds, and data-driven patterns in a
/// projection would otherwise compile once per element for free. This
/// allows 200 distinct dynamic patterns per evaluation.
const REGEX_COMPILE_STEPS: u64 = 50_000;

/// A compiled regex borrowed from the call site (literal patterns) or
/// shared from a cache (computed patterns).
enum CompiledRegex<'c> {
    Literal(&'c Regex),
    Dynamic(Arc<Regex>),
}

impl std::ops::Deref for CompiledRegex<'_> {
    type Target = Regex;
    fn deref(&self) -> &Regex {
        match self {
            CompiledRegex::Literal(re) => re,
            CompiledRegex::Dynamic(re) => re,
        }
    }
}

/// The call's regex: looked up once per call site when the pattern is a
/// string literal, otherwise once per evaluation and pattern (charged to
/// the evaluation budget whether or not the thread's cache already holds
/// it, so that what an evaluation may do never depends on what ran
/// before). Either way the compiled form comes from the thread's pattern
/// cache (`regex_cache`), which spans expressions. `wrap` turns a compile
/// error into the error the calling function reports.
fn regex_for<'c>(
    it: &Interp<'_, '_>,
    call: &'c FunctionCall,
    pattern: &str,
    wrap: impl Fn(String) -> JmespathError,
) -> Result<CompiledRegex<'c>, JmespathError> {
    if let Some(Node::Literal(Value::String(lit))) = call.args.first() {
        if lit == pattern {
            let cached = call.regex_cache.get_or_init(|| compile_shared(lit).ok());
            if let Some(re) = cached {
                return Ok(CompiledRegex::Literal(re));
            }
        }
    }
    if let Some(re) = it.cached_regex(pattern) {
        return Ok(CompiledRegex::Dynamic(re));
    }
    it.charge(REGEX_COMPILE_STEPS)?;
    let re = compile_shared(pattern).map_err(wrap)?;
    it.remember_regex(pattern, re.clone());
    Ok(CompiledRegex::Dynamic(re))
}

pub(crate) fn regex_match<'a>(it: &Interp<'_, '_>, call: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let pattern = a.str(0)?;
    let src =
        iface_to_string(a.val(1)?).ok_or_else(|| arg_type_err(a.name, 2, "String or Real"))?;
    let re = regex_for(it, call, pattern, JmespathError::Runtime)?;
    Ok(Val::Bool(re.is_match(&src)))
}

fn replace_common<'a>(
    it: &Interp<'_, '_>,
    call: &'a FunctionCall,
    a: Args<'a>,
    literal: bool,
) -> R<'a> {
    let pattern = a.str(0)?;
    let src =
        iface_to_string(a.val(1)?).ok_or_else(|| arg_type_err(a.name, 2, "String or Real"))?;
    let repl =
        iface_to_string(a.val(2)?).ok_or_else(|| arg_type_err(a.name, 3, "String or Real"))?;
    let re = regex_for(it, call, pattern, |e| kerr(a.name, e))?;
    // Each match can expand to copies of the whole source (`$0$0...`), so
    // the result length is only known while replacing. This is
    // `Regex::replace_all` spelled out, to stop as soon as the result would
    // pass the cap and to charge the matches (an empty pattern matches at
    // every position of a long string).
    let dollars = if literal {
        0
    } else {
        repl.matches('$').count()
    };
    let mut out = String::with_capacity(src.len());
    let mut last = 0;
    // Matches not yet charged (charged in batches).
    let mut pending = 0u64;
    for caps in re.captures_iter(&src) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(src.get(last..m.start()).unwrap_or(""));
        // No expansion is longer than the template with every `$`
        // replaced by the whole match.
        let bound = repl.len().saturating_add(dollars.saturating_mul(m.len()));
        check_string_len(a.name, out.len().saturating_add(bound))?;
        if literal {
            out.push_str(&repl);
        } else {
            caps.expand(&repl, &mut out);
        }
        last = m.end();
        pending += 1;
        if pending == 1024 {
            it.charge(pending)?;
            pending = 0;
        }
    }
    out.push_str(src.get(last..).unwrap_or(""));
    check_string_len(a.name, out.len())?;
    Ok(Val::string(out))
}

pub(crate) fn regex_replace_all<'a>(
    it: &Interp<'_, '_>,
    call: &'a FunctionCall,
    a: Args<'a>,
) -> R<'a> {
    replace_common(it, call, a, false)
}

pub(crate) fn regex_replace_all_literal<'a>(
    it: &Interp<'_, '_>,
    call: &'a FunctionCall,
    a: Args<'a>,
) -> R<'a> {
    replace_common(it, call, a, true)
}

// ---------------------------------------------------------------------------
// random(): a string matching a pattern (goregen with default arguments,
// which parses with Go's syntax flags 0: no Perl classes like `\d`).

const MAX_UNBOUNDED_REPEAT: u32 = 4096;
const MAX_RANDOM_LEN: usize = 1 << 20;

#[derive(Debug)]
enum Gen {
    Lit(char),
    /// Inclusive ranges; `negated` picks outside them.
    Class(Vec<(char, char)>, bool),
    AnyNotNl,
    Concat(Vec<Gen>),
    Alt(Vec<Gen>),
    Repeat(Box<Gen>, u32, u32),
    Empty,
}

struct GenParser<'p> {
    chars: std::iter::Peekable<std::str::Chars<'p>>,
    depth: u32,
}

fn gen_err(msg: &str) -> String {
    format!("error parsing regexp: {msg}")
}

impl GenParser<'_> {
    fn alt(&mut self) -> Result<Gen, String> {
        let mut alts = vec![self.concat()?];
        while self.chars.peek() == Some(&'|') {
            self.chars.next();
            alts.push(self.concat()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Gen::Empty)
        } else {
            Gen::Alt(alts)
        })
    }

    fn concat(&mut self) -> Result<Gen, String> {
        let mut items = Vec::new();
        while let Some(&c) = self.chars.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let atom = self.quantifiers(atom)?;
            items.push(atom);
        }
        Ok(Gen::Concat(items))
    }

    fn quantifiers(&mut self, mut atom: Gen) -> Result<Gen, String> {
        loop {
            let (lo, hi) = match self.chars.peek() {
                Some('*') => (0, MAX_UNBOUNDED_REPEAT),
                Some('+') => (1, MAX_UNBOUNDED_REPEAT),
                Some('?') => (0, 1),
                Some('{') => {
                    let mut look = self.chars.clone();
                    look.next();
                    let mut text = String::new();
                    let mut closed = false;
                    for c in look.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        text.push(c);
                    }
                    let parsed = if closed { parse_braces(&text) } else { None };
                    match parsed {
                        Some((lo, hi)) => {
                            if lo > 1000 || hi > 1000 && hi != MAX_UNBOUNDED_REPEAT {
                                return Err(gen_err(&format!(
                                    "invalid repeat count: `{{{text}}}`"
                                )));
                            }
                            self.chars = look;
                            atom = Gen::Repeat(Box::new(atom), lo, hi);
                            continue;
                        }
                        // Not a repetition: `{` is a literal.
                        None => return Ok(atom),
                    }
                }
                _ => return Ok(atom),
            };
            self.chars.next();
            if matches!(atom, Gen::Repeat(..)) {
                return Err(gen_err("invalid nested repetition operator"));
            }
            atom = Gen::Repeat(Box::new(atom), lo, hi);
        }
    }

    fn atom(&mut self) -> Result<Gen, String> {
        let c = self
            .chars
            .next()
            .ok_or_else(|| gen_err("missing argument"))?;
        match c {
            '(' => {
                self.depth += 1;
                if self.depth > 100 {
                    return Err(gen_err("expression nests too deeply"));
                }
                if self.chars.peek() == Some(&'?') {
                    return Err(gen_err("missing argument to repetition operator: `?`"));
                }
                let inner = self.alt()?;
                if self.chars.next() != Some(')') {
                    return Err(gen_err("missing closing ): `(`"));
                }
                self.depth -= 1;
                Ok(inner)
            }
            '*' | '+' | '?' => Err(gen_err(&format!(
                "missing argument to repetition operator: `{c}`"
            ))),
            '.' => Ok(Gen::AnyNotNl),
            '^' | '$' => Ok(Gen::Empty),
            '[' => self.class(),
            '\\' => {
                let n = self
                    .chars
                    .next()
                    .ok_or_else(|| gen_err("trailing backslash at end of expression"))?;
                match n {
                    'n' => Ok(Gen::Lit('\n')),
                    't' => Ok(Gen::Lit('\t')),
                    'r' => Ok(Gen::Lit('\r')),
                    'f' => Ok(Gen::Lit('\x0c')),
                    'v' => Ok(Gen::Lit('\x0b')),
                    'a' => Ok(Gen::Lit('\x07')),
                    c if c.is_ascii_punctuation() => Ok(Gen::Lit(c)),
                    other => Err(gen_err(&format!("invalid escape sequence: `\\{other}`"))),
                }
            }
            other => Ok(Gen::Lit(other)),
        }
    }

    fn class(&mut self) -> Result<Gen, String> {
        let mut negated = false;
        if self.chars.peek() == Some(&'^') {
            self.chars.next();
            negated = true;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self
                .chars
                .next()
                .ok_or_else(|| gen_err("missing closing ]"))?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '[' && self.chars.peek() == Some(&':') {
                let mut name = String::new();
                self.chars.next();
                for q in self.chars.by_ref() {
                    if q == ':' {
                        break;
                    }
                    name.push(q);
                }
                if self.chars.next() != Some(']') {
                    return Err(gen_err("missing closing ]"));
                }
                ranges.extend(
                    posix_class(&name).ok_or_else(|| gen_err("invalid character class range"))?,
                );
                continue;
            } else if c == '\\' {
                let n = self
                    .chars
                    .next()
                    .ok_or_else(|| gen_err("missing closing ]"))?;
                match n {
                    'n' => '\n',
                    't' => '\t',
                    c if c.is_ascii_punctuation() => c,
                    other => return Err(gen_err(&format!("invalid escape sequence: `\\{other}`"))),
                }
            } else {
                c
            };
            let mut look = self.chars.clone();
            if look.next() == Some('-') && look.peek().is_some_and(|&n| n != ']') {
                self.chars.next();
                let hi = self.chars.next().unwrap_or(lo);
                if hi < lo {
                    return Err(gen_err(&format!(
                        "invalid character class range: `{lo}-{hi}`"
                    )));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Gen::Class(ranges, negated))
    }
}

fn parse_braces(text: &str) -> Option<(u32, u32)> {
    let (lo, hi) = match text.split_once(',') {
        None => {
            let n = text.parse().ok()?;
            (n, n)
        }
        Some((lo, "")) => (lo.parse().ok()?, MAX_UNBOUNDED_REPEAT),
        Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
    };
    if hi < lo {
        return None;
    }
    Some((lo, hi))
}

fn posix_class(name: &str) -> Option<Vec<(char, char)>> {
    Some(match name {
        "alpha" => vec![('A', 'Z'), ('a', 'z')],
        "digit" => vec![('0', '9')],
        "alnum" => vec![('0', '9'), ('A', 'Z'), ('a', 'z')],
        "lower" => vec![('a', 'z')],
        "upper" => vec![('A', 'Z')],
        "space" => vec![('\t', '\r'), (' ', ' ')],
        "xdigit" => vec![('0', '9'), ('A', 'F'), ('a', 'f')],
        "word" => vec![('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')],
        "punct" => vec![('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        "print" => vec![(' ', '~')],
        "graph" => vec![('!', '~')],
        "blank" => vec![('\t', '\t'), (' ', ' ')],
        "cntrl" => vec![('\0', '\x1f'), ('\x7f', '\x7f')],
        "ascii" => vec![('\0', '\x7f')],
        _ => return None,
    })
}

/// splitmix64, seeded once per call from the host.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// Upper bound on generator steps: nested repeats of something empty,
/// like `((a{0}){1000}){1000}`, produce no text but still loop.
const MAX_RANDOM_STEPS: u32 = 1 << 22;

fn generate(g: &Gen, rng: &mut Rng, out: &mut String, steps: &mut u32) -> Result<(), String> {
    if out.len() > MAX_RANDOM_LEN {
        return Err("random: generated string is too long".into());
    }
    *steps += 1;
    if *steps > MAX_RANDOM_STEPS {
        return Err("random: pattern needs too many steps to generate".into());
    }
    match g {
        Gen::Lit(c) => out.push(*c),
        Gen::Empty => {}
        Gen::AnyNotNl => {
            // Printable ASCII: what a caller can reasonably use.
            out.push(char::from(b' ' + rng.below(95) as u8));
        }
        Gen::Class(ranges, negated) => {
            if *negated {
                let candidates: Vec<char> = (' '..='~')
                    .filter(|c| !ranges.iter().any(|(lo, hi)| lo <= c && c <= hi))
                    .collect();
                if let Some(c) = candidates.get(rng.below(candidates.len() as u64) as usize) {
                    out.push(*c);
                }
            } else {
                let total: u64 = ranges
                    .iter()
                    .map(|(lo, hi)| u64::from(*hi as u32 - *lo as u32) + 1)
                    .sum();
                let mut pick = rng.below(total);
                for (lo, hi) in ranges {
                    let size = u64::from(*hi as u32 - *lo as u32) + 1;
                    if pick < size {
                        if let Some(c) = char::from_u32(*lo as u32 + pick as u32) {
                            out.push(c);
                        }
                        break;
                    }
                    pick -= size;
                }
            }
        }
        Gen::Concat(items) => {
            for i in items {
                generate(i, rng, out, steps)?;
            }
        }
        Gen::Alt(alts) => {
            if let Some(a) = alts.get(rng.below(alts.len() as u64) as usize) {
                generate(a, rng, out, steps)?;
            }
        }
        Gen::Repeat(inner, lo, hi) => {
            let n = lo + rng.below(u64::from(hi - lo) + 1) as u32;
            for _ in 0..n {
                generate(inner, rng, out, steps)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn random<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let pattern = a.str(0)?;
    if pattern.is_empty() {
        return Err(JmespathError::Runtime("no pattern provided".into()));
    }
    let seed = it
        .rt
        .host
        .random_u64()
        .map_err(|e| JmespathError::Runtime(e.to_string()))?;
    random_string(pattern, seed)
        .map(Val::string)
        .map_err(JmespathError::Runtime)
}

/// A string matching `pattern` (goregen's defaults), drawn from `seed`.
/// Shared with CEL's `random(pattern)`.
pub(crate) fn random_string(pattern: &str, seed: u64) -> Result<String, String> {
    let mut parser = GenParser {
        chars: pattern.chars().peekable(),
        depth: 0,
    };
    let gen = parser.alt()?;
    if parser.chars.peek().is_some() {
        return Err(gen_err(&format!("unexpected ): `{pattern}`")));
    }
    let mut rng = Rng(seed);
    let mut out = String::new();
    generate(&gen, &mut rng, &mut out, &mut 0)?;
    Ok(out)
}
