//! Printing: a port of go-yaml v2's encoder and libyaml emitter, restricted to
//! the events a JSON value produces.

use super::resolve::*;
use super::*;

/// Serialises a JSON value as YAML the way Go's `sigs.k8s.io/yaml` prints it.
///
/// This follows go-yaml v2's encoder and emitter: block style with 2-space
/// indentation, sequences inside maps not indented (`key:\n- a`), `{}`/`[]`
/// for empty collections, map keys in go-yaml's natural order (digit runs
/// compare numerically), strings plain when they would read back as the same
/// string, double-quoted when a plain spelling would resolve to something
/// else (`"yes"`, `"1"`, `""`, `"2001-01-01"`), single-quoted when they contain
/// indicators (`'a: b'`, `'- x'`), `|` literal blocks for multi-line text, and
/// long lines folded at 80 columns. Numbers print as `serde_json` prints
/// them. The output always ends with a newline and parses back, through
/// [`parse_value`], to the same value.
///
/// ```rust
/// let v = serde_json::json!({"a": ["x", "yes"], "b": {}, "c": "l1\nl2"});
/// assert_eq!(verno::unstable::yaml::to_yaml_string(&v), "a:\n- x\n- \"yes\"\nb: {}\nc: |-\n  l1\n  l2\n");
/// ```
pub fn to_yaml_string(value: &Value) -> String {
    emit(value, BEST_WIDTH)
}

/// Like [`to_yaml_string`], but never folds long lines, as yaml.v3's encoder
/// does where Kyverno prints admission denials (`GetBlockedMessages`).
pub fn to_yaml_string_unfolded(value: &Value) -> String {
    emit(value, usize::MAX)
}

pub(super) fn emit(value: &Value, width: usize) -> String {
    let events = events_of(value);
    let mut emitter = Emitter::new(&events);
    emitter.best_width = width;
    emitter.run();
    emitter.finish()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

#[derive(Debug)]
pub(super) enum Ev {
    SeqStart,
    SeqEnd,
    MapStart,
    MapEnd,
    Scalar(String, ScalarStyle),
}

/// Flattens the value into emitter events without recursion, so a deeply
/// nested value cannot overflow the stack.
pub(super) fn events_of(value: &Value) -> Vec<Ev> {
    enum Work<'a> {
        Value(&'a Value),
        Key(&'a str),
        End(bool),
    }
    let mut events = Vec::new();
    let mut stack = vec![Work::Value(value)];
    while let Some(work) = stack.pop() {
        match work {
            Work::End(is_map) => events.push(if is_map { Ev::MapEnd } else { Ev::SeqEnd }),
            Work::Key(k) => events.push(string_event(k)),
            Work::Value(v) => match v {
                Value::Null => events.push(Ev::Scalar("null".into(), ScalarStyle::Plain)),
                Value::Bool(b) => events.push(Ev::Scalar(b.to_string(), ScalarStyle::Plain)),
                Value::Number(n) => events.push(Ev::Scalar(n.to_string(), ScalarStyle::Plain)),
                Value::String(s) => events.push(string_event(s)),
                Value::Array(items) => {
                    events.push(Ev::SeqStart);
                    stack.push(Work::End(false));
                    stack.extend(items.iter().rev().map(Work::Value));
                }
                Value::Object(obj) => {
                    events.push(Ev::MapStart);
                    stack.push(Work::End(true));
                    // Decode each key once rather than on every comparison.
                    let entries: Vec<(Vec<char>, &String, &Value)> = obj
                        .iter()
                        .map(|(k, v)| (k.chars().collect(), k, v))
                        .collect();
                    let order = sorted_order(&entries, |a, b| go_key_less(&a.0, &b.0));
                    for (_, k, v) in order.iter().rev().filter_map(|&i| entries.get(i)) {
                        stack.push(Work::Value(v));
                        stack.push(Work::Key(k));
                    }
                }
            },
        }
    }
    events
}

/// go-yaml v2 `encoder.stringv`: the style requested for a string.
pub(super) fn string_event(s: &str) -> Ev {
    let style = if s.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        // go-yaml writes these raw as line breaks, as YAML 1.1 allows, but
        // yaml-rust2 reads them as ordinary characters (YAML 1.2), so the
        // text would not read back intact. Escapes read back everywhere.
        ScalarStyle::DoubleQuoted
    } else if s.contains('\n') {
        ScalarStyle::Literal
    } else if resolve(s, true) == Resolved::Str && !is_base60_float(s) && s != "<<" {
        // go-yaml would print a `<<` key plain, which then reads back as a
        // merge key; quoting it keeps the value intact.
        ScalarStyle::Plain
    } else {
        ScalarStyle::DoubleQuoted
    };
    Ev::Scalar(s.to_string(), style)
}

/// go-yaml v2 `isBase60Float`:
/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
pub(super) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) || !s.contains(':') {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => i += 2,
            (Some(b'0'..=b'9'), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml v2 `keyList.Less` for string keys: letters sort by code point,
/// non-letters before letters, and digit runs compare as numbers.
pub(super) fn go_key_less(ar: &[char], br: &[char]) -> bool {
    let is_letter = |c: char| c.is_alphabetic();
    let is_digit = |c: char| c.is_ascii_digit() || (u32::from(c) > 0xFF && c.is_numeric());
    let digit_val = |c: char| i64::from(u32::from(c)).wrapping_sub(i64::from(u32::from('0')));
    for (i, (&ac, &bc)) in ar.iter().zip(br.iter()).enumerate() {
        if ac == bc {
            continue;
        }
        let al = is_letter(ac);
        let bl = is_letter(bc);
        if al && bl {
            return ac < bc;
        }
        if al || bl {
            return bl;
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ac == '0' || bc == '0' {
            for &c in ar.get(..i).unwrap_or_default().iter().rev() {
                if !is_digit(c) {
                    break;
                }
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        for &c in ar
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&c| is_digit(c))
        {
            an = an.wrapping_mul(10).wrapping_add(digit_val(c));
            ai += 1;
        }
        let mut bi = i;
        for &c in br
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&c| is_digit(c))
        {
            bn = bn.wrapping_mul(10).wrapping_add(digit_val(c));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ac < bc;
    }
    ar.len() < br.len()
}

/// A stable merge sort driven by a "less" predicate, returning the sorted
/// order as indices. `slice::sort_by` may panic when the comparison is not a
/// total order, and go-yaml's natural key order is not guaranteed to be one.
pub(super) fn sorted_order<T>(items: &[T], less: impl Fn(&T, &T) -> bool) -> Vec<usize> {
    let n = items.len();
    let mut src: Vec<usize> = (0..n).collect();
    let mut dst = src.clone();
    let is_less = |a: usize, b: usize| match (items.get(a), items.get(b)) {
        (Some(x), Some(y)) => less(x, y),
        _ => false,
    };
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            for slot in dst.iter_mut().take(end).skip(start) {
                let take_right = match (src.get(i), src.get(j)) {
                    (Some(&l), Some(&r)) if i < mid && j < end => is_less(r, l),
                    _ => i >= mid,
                };
                let picked = if take_right { src.get(j) } else { src.get(i) };
                if let Some(&p) = picked {
                    *slot = p;
                }
                if take_right {
                    j += 1;
                } else {
                    i += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    src
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum State {
    DocumentContent,
    DocumentEnd,
    FlowSequenceFirstItem,
    FlowSequenceItem,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingSimpleValue,
    FlowMappingValue,
    BlockSequenceFirstItem,
    BlockSequenceItem,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingSimpleValue,
    BlockMappingValue,
    End,
}

/// `yaml_emitter_analyze_scalar`'s verdict for the current scalar.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct ScalarAnalysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// The libyaml emitter state, as in go-yaml v2's `emitterc.go`.
pub(super) struct Emitter<'e> {
    events: &'e [Ev],
    head: usize,
    out: Vec<u8>,
    state: State,
    states: Vec<State>,
    indent: isize,
    indents: Vec<isize>,
    flow_level: usize,
    column: usize,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
    analysis: ScalarAnalysis,
    style: ScalarStyle,
    best_width: usize,
}

pub(super) const BEST_INDENT: isize = 2;
pub(super) const BEST_WIDTH: usize = 80;

impl<'e> Emitter<'e> {
    fn new(events: &'e [Ev]) -> Self {
        Emitter {
            events,
            head: 0,
            out: Vec::new(),
            // Stream start and an implicit first document print nothing.
            state: State::DocumentContent,
            states: Vec::new(),
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            column: 0,
            whitespace: true,
            indention: true,
            mapping_context: false,
            simple_key_context: false,
            analysis: ScalarAnalysis::default(),
            style: ScalarStyle::Plain,
            best_width: BEST_WIDTH,
        }
    }

    fn run(&mut self) {
        while let Some(ev) = self.events.get(self.head) {
            if let Ev::Scalar(value, _) = ev {
                self.analysis = analyze_scalar(value.as_bytes());
            }
            self.step(ev);
            self.head += 1;
        }
        if self.state == State::DocumentEnd {
            // Implicit document end: just terminate the last line.
            self.write_indent();
            self.state = State::End;
        }
    }

    fn finish(self) -> String {
        match String::from_utf8(self.out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    fn step(&mut self, ev: &Ev) {
        match self.state {
            State::DocumentContent => {
                self.states.push(State::DocumentEnd);
                self.emit_node(ev, false, false);
            }
            State::FlowSequenceFirstItem => self.flow_sequence_item(ev, true),
            State::FlowSequenceItem => self.flow_sequence_item(ev, false),
            State::FlowMappingFirstKey => self.flow_mapping_key(ev, true),
            State::FlowMappingKey => self.flow_mapping_key(ev, false),
            State::FlowMappingSimpleValue => self.flow_mapping_value(ev, true),
            State::FlowMappingValue => self.flow_mapping_value(ev, false),
            State::BlockSequenceFirstItem => self.block_sequence_item(ev, true),
            State::BlockSequenceItem => self.block_sequence_item(ev, false),
            State::BlockMappingFirstKey => self.block_mapping_key(ev, true),
            State::BlockMappingKey => self.block_mapping_key(ev, false),
            State::BlockMappingSimpleValue => self.block_mapping_value(ev, true),
            State::BlockMappingValue => self.block_mapping_value(ev, false),
            // A JSON value is exactly one node; nothing else can follow.
            State::DocumentEnd | State::End => {}
        }
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::End);
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn flow_sequence_item(&mut self, ev: &Ev, first: bool) {
        if first {
            self.write_indicator(b"[", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
        }
        if matches!(ev, Ev::SeqEnd) {
            self.flow_level = self.flow_level.saturating_sub(1);
            self.pop_indent();
            self.write_indicator(b"]", false, false, false);
            self.pop_state();
            return;
        }
        if !first {
            self.write_indicator(b",", false, false, false);
        }
        if self.column > self.best_width {
            self.write_indent();
        }
        self.states.push(State::FlowSequenceItem);
        self.emit_node(ev, false, false);
    }

    fn flow_mapping_key(&mut self, ev: &Ev, first: bool) {
        if first {
            self.write_indicator(b"{", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
        }
        if matches!(ev, Ev::MapEnd) {
            self.flow_level = self.flow_level.saturating_sub(1);
            self.pop_indent();
            self.write_indicator(b"}", false, false, false);
            self.pop_state();
            return;
        }
        if !first {
            self.write_indicator(b",", false, false, false);
        }
        if self.column > self.best_width {
            self.write_indent();
        }
        if self.check_simple_key() {
            self.states.push(State::FlowMappingSimpleValue);
            self.emit_node(ev, true, true);
        } else {
            self.write_indicator(b"?", true, false, false);
            self.states.push(State::FlowMappingValue);
            self.emit_node(ev, true, false);
        }
    }

    fn flow_mapping_value(&mut self, ev: &Ev, simple: bool) {
        if simple {
            self.write_indicator(b":", false, false, false);
        } else {
            if self.column > self.best_width {
                self.write_indent();
            }
            self.write_indicator(b":", true, false, false);
        }
        self.states.push(State::FlowMappingKey);
        self.emit_node(ev, true, false);
    }

    fn block_sequence_item(&mut self, ev: &Ev, first: bool) {
        if first {
            // Inside a mapping the dashes line up with the key: `key:\n- a`.
            let indentless = self.mapping_context && !self.indention;
            self.increase_indent(false, indentless);
        }
        if matches!(ev, Ev::SeqEnd) {
            self.pop_indent();
            self.pop_state();
            return;
        }
        self.write_indent();
        self.write_indicator(b"-", true, false, true);
        self.states.push(State::BlockSequenceItem);
        self.emit_node(ev, false, false);
    }

    fn block_mapping_key(&mut self, ev: &Ev, first: bool) {
        if first {
            self.increase_indent(false, false);
        }
        if matches!(ev, Ev::MapEnd) {
            self.pop_indent();
            self.pop_state();
            return;
        }
        self.write_indent();
        if self.check_simple_key() {
            self.states.push(State::BlockMappingSimpleValue);
            self.emit_node(ev, true, true);
        } else {
            self.write_indicator(b"?", true, false, true);
            self.states.push(State::BlockMappingValue);
            self.emit_node(ev, true, false);
        }
    }

    fn block_mapping_value(&mut self, ev: &Ev, simple: bool) {
        if simple {
            self.write_indicator(b":", false, false, false);
        } else {
            self.write_indent();
            self.write_indicator(b":", true, false, true);
        }
        self.states.push(State::BlockMappingKey);
        self.emit_node(ev, true, false);
    }

    fn emit_node(&mut self, ev: &Ev, mapping: bool, simple_key: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match ev {
            Ev::Scalar(value, style) => self.emit_scalar(value.as_bytes(), *style),
            Ev::SeqStart => {
                self.state = if self.flow_level > 0 || self.next_is(|e| matches!(e, Ev::SeqEnd)) {
                    State::FlowSequenceFirstItem
                } else {
                    State::BlockSequenceFirstItem
                };
            }
            Ev::MapStart => {
                self.state = if self.flow_level > 0 || self.next_is(|e| matches!(e, Ev::MapEnd)) {
                    State::FlowMappingFirstKey
                } else {
                    State::BlockMappingFirstKey
                };
            }
            // Ends are consumed by the item states; reaching here means an
            // unbalanced stream, which events_of never produces.
            Ev::SeqEnd | Ev::MapEnd => self.pop_state(),
        }
    }

    fn next_is(&self, pred: impl Fn(&Ev) -> bool) -> bool {
        self.events.get(self.head + 1).is_some_and(pred)
    }

    fn check_simple_key(&self) -> bool {
        match self.events.get(self.head) {
            Some(Ev::Scalar(value, _)) => !self.analysis.multiline && value.len() <= 128,
            Some(Ev::SeqStart) => self.next_is(|e| matches!(e, Ev::SeqEnd)),
            Some(Ev::MapStart) => self.next_is(|e| matches!(e, Ev::MapEnd)),
            _ => false,
        }
    }

    fn emit_scalar(&mut self, value: &[u8], requested: ScalarStyle) {
        self.select_scalar_style(value, requested);
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match self.style {
            ScalarStyle::Plain => self.write_plain(value, allow_breaks),
            ScalarStyle::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            ScalarStyle::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            ScalarStyle::Literal => self.write_literal(value),
        }
        self.pop_indent();
        self.pop_state();
    }

    fn select_scalar_style(&mut self, value: &[u8], requested: ScalarStyle) {
        let a = self.analysis;
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = ScalarStyle::SingleQuoted;
            }
            if value.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = ScalarStyle::SingleQuoted;
            }
        }
        if style == ScalarStyle::SingleQuoted && !a.single_quoted_allowed {
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = ScalarStyle::DoubleQuoted;
        }
        self.style = style;
    }

    // -- low-level writers ---------------------------------------------------

    fn put(&mut self, c: u8) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push(b'\n');
        self.column = 0;
    }

    /// Copies one UTF-8 character; the column counts characters.
    fn write(&mut self, s: &[u8], i: &mut usize) {
        let w = width(at(s, *i)).max(1);
        if let Some(ch) = s.get(*i..*i + w) {
            self.out.extend_from_slice(ch);
        }
        self.column += 1;
        *i += w;
    }

    fn write_all(&mut self, s: &[u8]) {
        let mut i = 0;
        while i < s.len() {
            self.write(s, &mut i);
        }
    }

    fn write_break(&mut self, s: &[u8], i: &mut usize) {
        if at(s, *i) == b'\n' {
            self.put_break();
            *i += 1;
        } else {
            self.write(s, i);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(b' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &[u8],
        need_ws: bool,
        is_ws: bool,
        is_indention: bool,
    ) {
        if need_ws && !self.whitespace {
            self.put(b' ');
        }
        self.write_all(indicator);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn write_plain(&mut self, value: &[u8], allow_breaks: bool) {
        if !self.whitespace {
            self.put(b' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && !is_space(value, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && at(value, i) == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &[u8], allow_breaks: bool) {
        self.write_indicator(b"'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < value.len()
                    && !is_space(value, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && at(value, i) == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if at(value, i) == b'\'' {
                    self.put(b'\'');
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator(b"'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &[u8], allow_breaks: bool) {
        self.write_indicator(b"\"", true, false, false);
        // libyaml's is_bom looks at the start of the value, not at `i`.
        let starts_with_bom = value.starts_with(&[0xEF, 0xBB, 0xBF]);
        let mut spaces = false;
        let mut i = 0;
        while i < value.len() {
            let c = at(value, i);
            if !is_printable(value, i)
                || starts_with_bom
                || is_break(value, i)
                || c == b'"'
                || c == b'\\'
            {
                let w = width(c).max(1);
                let mut v: u32 = match w {
                    1 => u32::from(c & 0x7F),
                    2 => u32::from(c & 0x1F),
                    3 => u32::from(c & 0x0F),
                    _ => u32::from(c & 0x07),
                };
                for k in 1..w {
                    v = (v << 6) + u32::from(at(value, i + k) & 0x3F);
                }
                i += w;
                self.put(b'\\');
                let short = match v {
                    0x00 => Some(b'0'),
                    0x07 => Some(b'a'),
                    0x08 => Some(b'b'),
                    0x09 => Some(b't'),
                    0x0A => Some(b'n'),
                    0x0B => Some(b'v'),
                    0x0C => Some(b'f'),
                    0x0D => Some(b'r'),
                    0x1B => Some(b'e'),
                    0x22 => Some(b'"'),
                    0x5C => Some(b'\\'),
                    0x85 => Some(b'N'),
                    0xA0 => Some(b'_'),
                    0x2028 => Some(b'L'),
                    0x2029 => Some(b'P'),
                    _ => None,
                };
                match short {
                    Some(e) => self.put(e),
                    None => {
                        let (letter, digits) = if v <= 0xFF {
                            (b'x', 2)
                        } else if v <= 0xFFFF {
                            (b'u', 4)
                        } else {
                            (b'U', 8)
                        };
                        self.put(letter);
                        for k in (0..digits).rev() {
                            let digit = ((v >> (4 * k)) & 0x0F) as u8;
                            self.put(if digit < 10 {
                                b'0' + digit
                            } else {
                                b'A' + digit - 10
                            });
                        }
                    }
                }
                spaces = false;
            } else if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < value.len()
                {
                    self.write_indent();
                    if is_space(value, i + 1) {
                        self.put(b'\\');
                    }
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else {
                self.write(value, &mut i);
                spaces = false;
            }
        }
        self.write_indicator(b"\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_scalar_hints(&mut self, value: &[u8]) {
        if is_space(value, 0) || is_break(value, 0) {
            let hint = [b'0' + BEST_INDENT as u8];
            self.write_indicator(&hint, false, false, false);
        }
        let chomp = match last_char_start(value, value.len()) {
            None => Some(b'-'),
            Some(last) if !is_break(value, last) => Some(b'-'),
            Some(0) => Some(b'+'),
            Some(last) => match last_char_start(value, last) {
                Some(prev) if is_break(value, prev) => Some(b'+'),
                _ => None,
            },
        };
        if let Some(c) = chomp {
            self.write_indicator(&[c], false, false, false);
        }
    }

    fn write_literal(&mut self, value: &[u8]) {
        self.write_indicator(b"|", true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < value.len() {
            if is_break(value, i) {
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// Start index of the UTF-8 character that ends just before `end`.
pub(super) fn last_char_start(s: &[u8], end: usize) -> Option<usize> {
    let mut i = end.checked_sub(1)?;
    while at(s, i) & 0xC0 == 0x80 {
        i = i.checked_sub(1)?;
    }
    Some(i)
}

/// The byte at `i`, or NUL past the end (libyaml relies on a terminator).
pub(super) fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

pub(super) fn width(b: u8) -> usize {
    if b & 0x80 == 0x00 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        0
    }
}

pub(super) fn is_space(s: &[u8], i: usize) -> bool {
    at(s, i) == b' '
}

pub(super) fn is_blank(s: &[u8], i: usize) -> bool {
    matches!(at(s, i), b' ' | b'\t')
}

pub(super) fn is_break(s: &[u8], i: usize) -> bool {
    match at(s, i) {
        b'\r' | b'\n' => true,
        0xC2 => at(s, i + 1) == 0x85,
        0xE2 => at(s, i + 1) == 0x80 && matches!(at(s, i + 2), 0xA8 | 0xA9),
        _ => false,
    }
}

pub(super) fn is_blankz(s: &[u8], i: usize) -> bool {
    is_blank(s, i) || is_break(s, i) || at(s, i) == 0
}

/// libyaml's `is_printable`; note it rejects tabs and every 4-byte
/// character, which therefore end up escaped in double quotes.
pub(super) fn is_printable(s: &[u8], i: usize) -> bool {
    let b0 = at(s, i);
    let b1 = at(s, i + 1);
    let b2 = at(s, i + 2);
    b0 == 0x0A
        || (0x20..=0x7E).contains(&b0)
        || (b0 == 0xC2 && b1 >= 0xA0)
        || (b0 > 0xC2 && b0 < 0xED)
        || (b0 == 0xED && b1 < 0xA0)
        || b0 == 0xEE
        || (b0 == 0xEF
            && !(b1 == 0xBB && b2 == 0xBF)
            && !(b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)))
}

/// `yaml_emitter_analyze_scalar`.
pub(super) fn analyze_scalar(value: &[u8]) -> ScalarAnalysis {
    if value.is_empty() {
        return ScalarAnalysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;

    if value.starts_with(b"---") || value.starts_with(b"...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < value.len() {
        let w = width(at(value, i)).max(1);
        let followed_by_whitespace = i + w >= value.len() || is_blank(value, i + w);
        let c = at(value, i);
        if i == 0 {
            match c {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>'
                | b'\'' | b'"' | b'%' | b'@' | b'`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                b'?' | b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                b',' | b'?' | b'[' | b']' | b'{' | b'}' => flow_indicators = true,
                b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(value, i) {
            special_characters = true;
        }
        if is_space(value, i) {
            if i == 0 {
                leading_space = true;
            }
            if i + w == value.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(value, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == value.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(value, i);
        i += w;
    }

    let mut a = ScalarAnalysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}
