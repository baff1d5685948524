//! YAML loading and printing with Kyverno's semantics.
//!
//! Kyverno turns YAML into JSON with `sigs.k8s.io/yaml`, which decodes with
//! go-yaml **v2** and therefore resolves plain scalars by YAML 1.1 rules
//! (`yes`, `on` and `y` are booleans, `0644` is octal, `1_000` is an integer).
//! No Rust YAML crate resolves scalars that way, so this module drives
//! yaml-rust2's event parser and builds `serde_json::Value`s itself, porting
//! go-yaml v2's `resolve.go` and `decode.go` and the key conversion of
//! `sigs.k8s.io/yaml.YAMLToJSON`.
//!
//! [`to_yaml_string`] goes the other way and ports the parts of go-yaml v2's
//! encoder and libyaml emitter that `sigs.k8s.io/yaml.JSONToYAML` uses, so
//! output (quoting, line folding at 80 columns, key order) reads like
//! Kyverno's.
//!
//! The input is untrusted: nesting depth and alias expansion are bounded, and
//! any panic inside yaml-rust2 is caught and reported as a [`YamlError`].
//!
//! One submodule per job: `load` (yaml-rust2 events → JSON values, anchors,
//! merge keys, block scalars), `resolve` (YAML 1.1 plain-scalar resolution
//! and tags as go-yaml v2 decides them), `emit` (the encoder and emitter),
//! [`position`] (line and column lookups in YAML text).

mod emit;
mod load;
pub mod position;
mod resolve;

pub use emit::{to_yaml_string, to_yaml_string_unfolded};
use load::load;

use crate::go::strconv;
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// Deepest nesting of collections accepted; keeps every later recursive walk
/// over the value (serde, JMESPath, pattern matching) far from the stack limit.
const MAX_DEPTH: usize = 512;
/// Upper bound, per call, on nodes copied by aliases (and kept for anchors):
/// defuses "billion laughs" documents whose size is exponential in their
/// text. Nodes written out in the text are not counted; they cost memory in
/// proportion to the input.
/// (Unit tests use a smaller budget so that exceeding it stays fast.)
const MAX_COPIED_NODES: usize = if cfg!(test) { 50_000 } else { 1_000_000 };
/// Upper bound on scalar bytes copied the same way, so that a few aliases of
/// one huge string cannot exhaust memory while staying under the node limit.
const MAX_COPIED_BYTES: usize = 64 * 1024 * 1024;

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// One YAML document of a multi-document stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document converted to JSON.
    pub value: Value,
    /// 1-based line where the document's content starts
    pub line: usize,
}

/// A YAML syntax or conversion error, with a 1-based line and column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    /// 1-based line of the offending token.
    pub line: usize,
    /// 1-based column of the offending token.
    pub column: usize,
    /// What went wrong.
    pub message: String,
}

impl YamlError {
    fn at(mark: Marker, message: impl Into<String>) -> Self {
        YamlError {
            line: mark.line().max(1),
            // yaml-rust2 columns are 0-based.
            column: mark.col() + 1,
            message: message.into(),
        }
    }
}

impl From<ScanError> for YamlError {
    fn from(e: ScanError) -> Self {
        let message = match e.info() {
            // yaml-rust2 counts flow nesting in a u8.
            "recursion limit exceeded" => "flow collections nested deeper than 255 levels",
            info => info,
        };
        YamlError::at(*e.marker(), message)
    }
}

/// Parses every document of `text`.
///
/// Documents that are empty, hold only comments, or whose whole content is
/// `null`/`~` are dropped, as Kyverno's document splitter does. Scalars are
/// resolved with YAML 1.1 rules (see the module documentation), non-string
/// map keys are converted to strings like `sigs.k8s.io/yaml` does, aliases
/// are expanded and `<<` merge keys applied.
///
/// ```rust
/// let docs = verno::unstable::yaml::parse_documents("a: yes\n---\n# nothing\n---\nb: 0644\n").unwrap();
/// assert_eq!(docs.len(), 2);
/// assert_eq!(docs[0].value, serde_json::json!({"a": true}));
/// assert_eq!(docs[1].value, serde_json::json!({"b": 420}));
/// assert_eq!(docs[1].line, 5);
/// ```
pub fn parse_documents(text: &str) -> Result<Vec<Document>, YamlError> {
    let docs = load(text, usize::MAX)?;
    Ok(docs.into_iter().filter(|d| !d.value.is_null()).collect())
}

/// Parses exactly one value: the first document of `text`, or `Value::Null`
/// when there is none.
///
/// Like go-yaml's `Unmarshal`, later documents are not read, so errors in
/// them go unnoticed.
///
/// ```rust
/// let v = verno::unstable::yaml::parse_value("on: 1\nmode: '0644'\nperm: 0644\n").unwrap();
/// assert_eq!(v, serde_json::json!({"true": 1, "mode": "0644", "perm": 420}));
/// assert!(verno::unstable::yaml::parse_value("a: [1, 2").is_err());
/// // parse_documents is the multi-document counterpart:
/// assert_eq!(verno::unstable::yaml::parse_documents("# only a comment\n").unwrap(), vec![]);
/// ```
pub fn parse_value(text: &str) -> Result<Value, YamlError> {
    let mut docs = load(text, 1)?;
    Ok(docs.pop().map(|d| d.value).unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::emit::*;
    use super::resolve::*;
    use super::*;
    use serde_json::json;

    fn v(text: &str) -> Value {
        match parse_value(text) {
            Ok(v) => v,
            Err(e) => panic!("parse_value({text:?}) failed: {e}"),
        }
    }

    fn scalar(text: &str) -> Value {
        v(&format!("k: {text}\n"))["k"].clone()
    }

    fn err(text: &str) -> YamlError {
        match parse_documents(text) {
            Ok(d) => panic!("expected an error for {text:?}, got {d:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn bool_spellings() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(scalar(t), json!(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert_eq!(scalar(f), json!(false), "{f}");
        }
        for s in ["yEs", "TRue", "oN", "nO", "ya", "t", "f"] {
            assert_eq!(scalar(s), json!(s), "{s}");
        }
    }

    #[test]
    fn null_forms() {
        for n in ["~", "null", "Null", "NULL", ""] {
            assert_eq!(scalar(n), Value::Null, "{n:?}");
        }
        assert_eq!(scalar("nULL"), json!("nULL"));
        assert_eq!(scalar("'null'"), json!("null"));
    }

    #[test]
    fn integers() {
        assert_eq!(scalar("0644"), json!(420));
        assert_eq!(scalar("1_000"), json!(1000));
        assert_eq!(scalar("0x1F"), json!(31));
        assert_eq!(scalar("0X1f"), json!(31));
        assert_eq!(scalar("0b1010"), json!(10));
        assert_eq!(scalar("-0b1010"), json!(-10));
        assert_eq!(scalar("0o17"), json!(15));
        assert_eq!(scalar("+12"), json!(12));
        assert_eq!(scalar("-0"), json!(0));
        assert_eq!(scalar("0"), json!(0));
        assert_eq!(scalar("-9223372036854775808"), json!(i64::MIN));
        assert_eq!(scalar("9223372036854775807"), json!(i64::MAX));
        assert_eq!(scalar("18446744073709551615"), json!(u64::MAX));
        // Too big for u64: a float, as go-yaml falls through to ParseFloat.
        assert_eq!(
            scalar("18446744073709551616"),
            json!(18446744073709551616.0)
        );
        assert_eq!(scalar("0x1FFFFFFFFFFFFFFFF"), json!("0x1FFFFFFFFFFFFFFFF"));
        // Not valid octal, but matches the float pattern.
        assert_eq!(scalar("09"), json!(9.0));
        assert_eq!(scalar("0x"), json!("0x"));
        assert_eq!(scalar("190:20:30"), json!("190:20:30"));
        assert_eq!(scalar("1-2"), json!("1-2"));
        assert_eq!(resolve("+", true), Resolved::Str);
        assert_eq!(resolve("-", true), Resolved::Str);
        assert_eq!(scalar("+1_"), json!(1));
    }

    #[test]
    fn floats() {
        assert_eq!(scalar("1e3"), json!(1000.0));
        assert_eq!(scalar("1.5"), json!(1.5));
        assert_eq!(scalar("-1.5e3"), json!(-1500.0));
        assert_eq!(scalar(".5"), json!(0.5));
        assert_eq!(scalar("-.5"), json!(-0.5));
        assert_eq!(scalar("1."), json!(1.0));
        assert_eq!(scalar("1.0"), json!(1.0));
        assert_eq!(scalar("1_0.5"), json!(10.5));
        assert_eq!(scalar("1e400"), json!("1e400"));
        assert_eq!(scalar("1e"), json!("1e"));
        assert_eq!(scalar(".e3"), json!(".e3"));
        for s in [".inf", "-.inf", "+.inf", ".NaN", ".nan", ".INF"] {
            assert_eq!(scalar(s), json!(s), "{s}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_stay_strings() {
        assert_eq!(scalar("\"yes\""), json!("yes"));
        assert_eq!(scalar("'0644'"), json!("0644"));
        assert_eq!(scalar("'1e3'"), json!("1e3"));
        assert_eq!(v("k: |\n  yes\n"), json!({"k": "yes\n"}));
        assert_eq!(v("k: >-\n  a\n  b\n"), json!({"k": "a b"}));
        assert_eq!(v("k: |+\n  a\n\n"), json!({"k": "a\n\n"}));
        assert_eq!(scalar("2001-12-14"), json!("2001-12-14"));
        assert_eq!(scalar("hello world"), json!("hello world"));
    }

    #[test]
    fn explicit_tags() {
        assert_eq!(scalar("!!str 123"), json!("123"));
        assert_eq!(scalar("!!str yes"), json!("yes"));
        assert_eq!(scalar("!!int \"0x10\""), json!(16));
        assert_eq!(scalar("!!float 1"), json!(1.0));
        assert_eq!(scalar("!!bool 'on'"), json!(true));
        assert_eq!(scalar("!!null ''"), Value::Null);
        assert_eq!(
            scalar("!!timestamp 2001-12-14t21:59:43.10Z"),
            json!("2001-12-14t21:59:43.10Z")
        );
        assert_eq!(scalar("!<tag:yaml.org,2002:int> '7'"), json!(7));
        assert_eq!(scalar("!!binary aGVsbG8="), json!("hello"));
        // Tags go-yaml cannot resolve leave the text alone.
        assert_eq!(scalar("!custom 12"), json!("12"));
        assert_eq!(scalar("! 12"), json!("12"));
        let e = err("k: !!int 1.5\n");
        assert_eq!(e.message, "cannot decode !!float `1.5` as a !!int");
        assert_eq!((e.line, e.column), (1, 10));
        assert!(err("k: !!bool maybe\n").message.contains("as a !!bool"));
        assert!(err("k: !!null 0\n").message.contains("as a !!null"));
        assert!(err("k: !!timestamp soon\n")
            .message
            .contains("as a !!timestamp"));
        assert!(err("k: !!binary '%%%'\n").message.contains("base64"));
    }

    #[test]
    fn map_keys_become_strings() {
        assert_eq!(v("on: 1\n"), json!({"true": 1}));
        assert_eq!(v("yes: a\nno: b\n"), json!({"true": "a", "false": "b"}));
        assert_eq!(v("0644: x\n"), json!({"420": "x"}));
        assert_eq!(
            v("1.5: a\n1e6: b\n1.0: c\n"),
            json!({"1.5": "a", "1e+06": "b", "1": "c"})
        );
        assert_eq!(v("0.1: x\n"), json!({"0.1": "x"}));
        assert_eq!(v(".inf: a\n+.inf: b\n"), json!({".inf": "b"}));
        assert_eq!(v("'on': 1\n"), json!({"on": 1}));
        assert!(err("~: 1\n").message.contains("null"));
        assert!(err("18446744073709551615: 1\n").message.contains("uint64"));
        assert_eq!(err("? [a]\n: b\n").message, "non-scalar map key");
        assert_eq!(err("{a: 1}: b\n").message, "non-scalar map key");
        assert_eq!(err("x: &l [1]\n*l : 2\n").message, "non-scalar map key");
    }

    #[test]
    fn float_key_format_matches_go() {
        let cases = [
            (0.0, "0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (100000.0, "100000"),
            (1_000_000.0, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (std::f64::consts::PI, "3.1415927"),
            (1e300, ".inf"),
        ];
        for (f, s) in cases {
            assert_eq!(format_float32_g(f), s, "{f}");
        }
    }

    #[test]
    fn duplicate_keys_last_wins() {
        assert_eq!(v("a: 1\na: 2\n"), json!({"a": 2}));
        assert_eq!(v("true: 1\n'true': 2\n"), json!({"true": 2}));
    }

    #[test]
    fn anchors_aliases_and_merges() {
        let doc = "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\nlist: &l [1, 2]\ncopy: *l\ny: *l\n";
        assert_eq!(
            v(doc),
            // `y` is a YAML 1.1 boolean, even as a key.
            json!({"base": {"a": 1, "b": 2}, "x": {"a": 1, "b": 3}, "list": [1, 2], "copy": [1, 2], "true": [1, 2]})
        );
        let multi = "a: &a {k: a, a: 1}\nb: &b {k: b, b: 1}\nc:\n  <<: [*a, *b]\n  c: 1\n";
        assert_eq!(v(multi)["c"], json!({"k": "a", "a": 1, "b": 1, "c": 1}));
        // go-yaml v2 applies the merge in place: a key before `<<` is overridden.
        assert_eq!(
            v("a: &a {k: 1}\nb:\n  k: 2\n  <<: *a\n")["b"],
            json!({"k": 1})
        );
        assert_eq!(v("b:\n  <<: {k: 1}\n")["b"], json!({"k": 1}));
        // A quoted `<<` is an ordinary key.
        assert_eq!(v("'<<': 1\n"), json!({"<<": 1}));
        assert_eq!(v("k: <<\n"), json!({"k": "<<"}));
        assert!(err("a: &a 1\nb:\n  <<: *a\n").message.contains("map merge"));
        assert!(err("b:\n  <<: [1]\n").message.contains("map merge"));
        // Anchored scalars resolve before they are copied.
        assert_eq!(v("a: &n 0644\nb: *n\n"), json!({"a": 420, "b": 420}));
        assert_eq!(v("a: &k yes\n*k : 1\n"), json!({"a": true, "true": 1}));
    }

    #[test]
    fn self_referencing_anchor_is_an_error() {
        assert!(err("a: &a [1, *a]\n").message.contains("contains itself"));
        assert!(err("a: &a {b: [*a]}\n").message.contains("contains itself"));
        assert!(err("a: &x 1\n---\nb: *x\n")
            .message
            .starts_with("unknown anchor"));
        assert!(err("a: *nope\n").line == 1);
        // A name may be reused; aliases see the latest definition.
        assert_eq!(
            v("a: &x 1\nb: &x 2\nc: *x\n"),
            json!({"a": 1, "b": 2, "c": 2})
        );
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            doc.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = err(&doc);
        assert!(e.message.starts_with("aliases expand to more than"), "{e}");
        assert!(e.line >= 5, "{e}");
    }

    #[test]
    fn large_documents_are_not_mistaken_for_bombs() {
        // Only copies made by aliases count against the expansion budget.
        let text = format!("[{}]", vec!["1"; MAX_COPIED_NODES + 10].join(","));
        assert_eq!(
            parse_value(&text).map(|v| v.as_array().map(Vec::len)),
            Ok(Some(MAX_COPIED_NODES + 10))
        );
        let shared = format!("a: &a [{}]\nb: *a\nc: *a\n", vec!["x"; 1000].join(","));
        assert!(parse_value(&shared).is_ok());
    }

    #[test]
    fn long_string_bomb_is_bounded() {
        let big = "x".repeat(1 << 20);
        let refs = vec!["*s"; 100].join(", ");
        let doc = format!("s: &s {big}\nl: [{refs}]\n");
        assert!(err(&doc).message.ends_with("bytes"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let flow = "[".repeat(100_000);
        assert_eq!(
            err(&flow).message,
            "flow collections nested deeper than 255 levels"
        );
        assert!(err(&"{a: ".repeat(100_000))
            .message
            .contains("nested deeper"));
        let dashes = "- ".repeat(100_000);
        assert_eq!(err(&dashes).message, "nesting deeper than 512 levels");
        let block: String = (0..2000)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        let e = err(&block);
        assert_eq!(e.message, "nesting deeper than 512 levels");
        let block_maps: String = (0..600).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert_eq!(err(&block_maps).message, "nesting deeper than 512 levels");
        // Moderate nesting is fine.
        let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse_value(&ok).is_ok());
    }

    #[test]
    fn documents_are_split_and_filtered() {
        let text = "# leading comment\na: 1\n---\n# only a comment\n---\n\n---\n~\n---\nnull\n---\n- x\n...\n---\nb: 2\n";
        let docs = parse_documents(text).map_err(|e| e.to_string());
        let docs = docs.as_deref().unwrap_or_default();
        let values: Vec<&Value> = docs.iter().map(|d| &d.value).collect();
        assert_eq!(values, [&json!({"a": 1}), &json!(["x"]), &json!({"b": 2})]);
        let lines: Vec<usize> = docs.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 12, 15]);
        assert_eq!(parse_documents("").map(|d| d.len()), Ok(0));
        assert_eq!(parse_documents("# nothing\n\n").map(|d| d.len()), Ok(0));
        assert_eq!(parse_documents("---\n---\n").map(|d| d.len()), Ok(0));
    }

    #[test]
    fn document_line_numbers() {
        let docs = parse_documents(
            "---\n\n\n  a: 1\n  b: 2\n--- # c\n# c2\nfoo\n---\n\n[1]\n---\nx: |\n  y\n",
        );
        let lines: Vec<usize> = docs
            .map(|d| d.iter().map(|d| d.line).collect())
            .unwrap_or_default();
        assert_eq!(lines, [4, 8, 11, 13]);
    }

    #[test]
    fn parse_value_reads_the_first_document_only() {
        assert_eq!(parse_value("a: 1\n---\nb: [\n"), Ok(json!({"a": 1})));
        assert_eq!(parse_value(""), Ok(Value::Null));
        assert_eq!(parse_value("# c\n"), Ok(Value::Null));
        assert_eq!(parse_value("'x'"), Ok(json!("x")));
    }

    #[test]
    fn syntax_errors_carry_positions() {
        let e = err("a: [1, 2\n");
        assert_eq!(e.line, 2);
        assert_eq!(e.column, 1);
        let e = err("a:\n\tb: 1\n");
        assert_eq!((e.line, e.column), (2, 2));
        assert!(e.message.contains("tab"), "{e}");
        let e = err("a: 1\n b: 2\n");
        assert_eq!(e.line, 2);
        assert_eq!(
            e.to_string(),
            format!("line 2, column {}: {}", e.column, e.message)
        );
        assert!(err("a: *nope\n").line == 1);
    }

    #[test]
    fn to_yaml_layout() {
        let value = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "x", "labels": {}},
            "spec": {"containers": [{"name": "c", "ports": [80, 443], "args": []}, [1, [2]]]}
        });
        let expected = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {}\n  name: x\nspec:\n  containers:\n  - args: []\n    name: c\n    ports:\n    - 80\n    - 443\n  - - 1\n    - - 2\n";
        assert_eq!(to_yaml_string(&value), expected);
        assert_eq!(to_yaml_string(&json!(null)), "null\n");
        assert_eq!(to_yaml_string(&json!({})), "{}\n");
        assert_eq!(to_yaml_string(&json!([])), "[]\n");
        assert_eq!(to_yaml_string(&json!("yes")), "\"yes\"\n");
        assert_eq!(to_yaml_string(&json!(1.5)), "1.5\n");
        assert_eq!(to_yaml_string(&json!(-3)), "-3\n");
        assert_eq!(to_yaml_string(&json!([true, null])), "- true\n- null\n");
    }

    #[test]
    fn to_yaml_quoting() {
        let cases = [
            ("plain", "plain"),
            ("yes", "\"yes\""),
            ("1", "\"1\""),
            ("", "\"\""),
            ("0644", "\"0644\""),
            ("1e3", "\"1e3\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            (".inf", "\".inf\""),
            ("2001-12-14", "\"2001-12-14\""),
            ("2001-12-14T21:59:43Z", "\"2001-12-14T21:59:43Z\""),
            ("190:20:30", "\"190:20:30\""),
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("#x", "'#x'"),
            ("a #b", "'a #b'"),
            ("a#b", "a#b"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("tab\there", "\"tab\\there\""),
            ("{x}", "'{x}'"),
            ("x,y", "x,y"),
            ("http://a/b", "http://a/b"),
            ("@x", "'@x'"),
            ("\u{1F600}", "\"\\U0001F600\""),
            ("é", "é"),
            ("\u{7}", "\"\\a\""),
        ];
        for (s, want) in cases {
            assert_eq!(to_yaml_string(&json!(s)), format!("{want}\n"), "{s:?}");
        }
        assert_eq!(
            to_yaml_string(&json!({"k": "multi\nline"})),
            "k: |-\n  multi\n  line\n"
        );
        assert_eq!(to_yaml_string(&json!({"k": "a\n"})), "k: |\n  a\n");
        assert_eq!(to_yaml_string(&json!({"k": "a\n\n"})), "k: |+\n  a\n\n");
        assert_eq!(
            to_yaml_string(&json!({"k": " a\nb"})),
            "k: |2-\n   a\n  b\n"
        );
        assert_eq!(to_yaml_string(&json!({"k": "a \nb"})), "k: \"a \\nb\"\n");
        assert_eq!(
            to_yaml_string(&json!({"yes": 1, "a b": 2})),
            "a b: 2\n\"yes\": 1\n"
        );
    }

    #[test]
    fn to_yaml_folds_long_lines() {
        let words = vec!["word"; 30].join(" ");
        let out = to_yaml_string(&json!({ "k": words }));
        assert!(out.lines().count() > 1, "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= 90), "{out}");
        assert_eq!(v(&out), json!({ "k": words }));
    }

    #[test]
    fn go_key_order() {
        let value = json!({"a10": 1, "a9": 2, "b": 3, "A": 4, "_x": 5, "a-b": 6, "ab": 7});
        let out = to_yaml_string(&value);
        let keys: Vec<&str> = out.lines().filter_map(|l| l.split(':').next()).collect();
        // Non-letters sort before letters, digit runs numerically.
        assert_eq!(keys, ["_x", "A", "a-b", "a9", "a10", "ab", "b"]);
        let ks = ["b", "a2", "c", "a1", "a2", "d", "e"];
        let order = sorted_order(&ks, |x, y| x.as_bytes()[0] < y.as_bytes()[0]);
        assert_eq!(order, [1, 3, 4, 0, 2, 5, 6], "stable");
        // An inconsistent comparison must not panic.
        let _ = sorted_order(&ks, |_, _| true);
    }

    #[test]
    fn to_yaml_round_trips() {
        let long_key = "k".repeat(200);
        let values = [
            json!({"s": ["yes", "no", "on", "1", "", "a: b", "- x", "multi\nline", "~", "null", "0x1F", "1_000"]}),
            json!({"nested": {"list": [[1, 2], {"a": [true, false, null]}], "empty": {}, "e2": []}}),
            json!([
                "trailing\n",
                "\n",
                "\nlead",
                "  two spaces",
                "x\n\n\ny",
                "tab\t",
                "back\\slash",
                "quote\"d"
            ]),
            json!({"  spaced key": 1, "key: colon": 2, "multi\nline key": 3, long_key: 4, "<<": 5}),
            json!({"nums": [0, -1, 1.5, 1e-7, 12345678901234567u64, 18446744073709551615u64, -9223372036854775808i64]}),
            json!({"unicode": "héllo wörld \u{1F600} \u{2028} \u{85} \u{A0} \u{FEFF}x"}),
            json!("\u{FEFF}bom first"),
            json!({"long": "a ".repeat(100), "longq": format!("- {}", "b  ".repeat(60)), "longd": format!("\t{}", " c  d".repeat(40))}),
            json!({"dates": ["2001-12-14", "2001-12-14 21:59:43.10", "1.2.3", "1:2", "+1", ".5", "0o7"]}),
            json!([{"a": 1, "b": {"c": [{"d": "e"}]}}]),
        ];
        for value in values {
            let text = to_yaml_string(&value);
            match parse_value(&text) {
                Ok(back) => assert_eq!(back, value, "round trip of:\n{text}"),
                Err(e) => panic!("reparse failed: {e}\n{text}"),
            }
        }
    }

    #[test]
    fn base60_and_timestamp_shapes() {
        assert!(is_base60_float("1:20"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("1:2a"));
        assert!(is_timestamp("2001-12-14"));
        assert!(is_timestamp("2001-2-9 1:2:3"));
        assert!(is_timestamp("2001-12-14T21:59:43.10-05:00"));
        assert!(!is_timestamp("2001-02-30"));
        assert!(!is_timestamp("2001-12-14T21:59:43"));
        assert!(!is_timestamp("2001-13-01"));
        assert_eq!(decode_base64("/w=="), Some("\u{FFFD}".to_string()));
        assert_eq!(decode_base64("aGk\n="), Some("hi".to_string()));
        assert_eq!(decode_base64("aGk"), None);
    }
}
