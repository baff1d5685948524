//! CEL's own conformance suite (google/cel-spec `tests/simple/testdata`),
//! run through verno's evaluator. Cases needing protobuf messages or enums,
//! `check_only` cases and unknowns are skipped. Failures must be listed in
//! `conformance/cel-spec-failing.txt` (one `file/section/name  # reason` a
//! line); an unlisted failure fails this test, a listed case that passes is
//! reported so the list can shrink. `CEL_SPEC_WRITE=1` rewrites the list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use verno::cel::{Activation, Env, EnvKind, MapVal, NumberMode, Program, Type, Val};

mod textproto {
    //! Minimal textproto reader: enough for cel-spec `simple/testdata/*.textproto`.
    //! Produces a generic tree; no schema.

    #[derive(Debug, Clone)]
    pub enum Tp {
        /// bare token: number, identifier, enum
        Scalar(String),
        /// quoted string (adjacent literals concatenated), raw bytes
        Str(Vec<u8>),
        Msg(Vec<(String, Tp)>),
        List(Vec<Tp>),
    }

    impl Tp {
        pub fn msg(&self) -> Option<&[(String, Tp)]> {
            match self {
                Tp::Msg(m) => Some(m),
                _ => None,
            }
        }
        pub fn get(&self, name: &str) -> Option<&Tp> {
            self.msg()?.iter().find(|(k, _)| k == name).map(|(_, v)| v)
        }
        pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Tp> + 'a {
            self.msg()
                .unwrap_or(&[])
                .iter()
                .filter(move |(k, _)| k == name)
                .map(|(_, v)| v)
        }
        pub fn str(&self) -> Option<String> {
            match self {
                Tp::Str(b) => Some(String::from_utf8_lossy(b).into_owned()),
                Tp::Scalar(s) => Some(s.clone()),
                _ => None,
            }
        }
    }

    struct P<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl<'a> P<'a> {
        fn ws(&mut self) {
            while self.i < self.s.len() {
                let c = self.s[self.i];
                if c == b'#' {
                    while self.i < self.s.len() && self.s[self.i] != b'\n' {
                        self.i += 1;
                    }
                } else if c.is_ascii_whitespace() || c == b',' || c == b';' {
                    self.i += 1;
                } else {
                    break;
                }
            }
        }
        fn peek(&mut self) -> Option<u8> {
            self.ws();
            self.s.get(self.i).copied()
        }
        fn ident(&mut self) -> Result<String, String> {
            self.ws();
            let st = self.i;
            while self.i < self.s.len() {
                let c = self.s[self.i];
                if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-' || c == b'+' {
                    self.i += 1;
                } else {
                    break;
                }
            }
            // extension / Any type URL field names: [foo.bar]
            if st == self.i && self.s.get(self.i) == Some(&b'[') {
                while self.i < self.s.len() && self.s[self.i] != b']' {
                    self.i += 1;
                }
                self.i += 1;
            }
            if st == self.i {
                return Err(format!("expected ident at {}", st));
            }
            Ok(String::from_utf8_lossy(&self.s[st..self.i]).into_owned())
        }
        fn string(&mut self) -> Result<Vec<u8>, String> {
            let mut out = Vec::new();
            while let Some(q) = self.peek() {
                if q != b'"' && q != b'\'' {
                    break;
                }
                self.i += 1;
                loop {
                    let c = *self.s.get(self.i).ok_or("eof in string")?;
                    self.i += 1;
                    if c == q {
                        break;
                    }
                    if c != b'\\' {
                        out.push(c);
                        continue;
                    }
                    let e = self.s[self.i];
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'a' => out.push(7),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'v' => out.push(11),
                        b'0'..=b'7' => {
                            let mut v = (e - b'0') as u32;
                            for _ in 0..2 {
                                match self.s.get(self.i) {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        b'x' | b'X' => {
                            let mut v = 0u32;
                            for _ in 0..2 {
                                match self.s.get(self.i) {
                                    Some(d) if d.is_ascii_hexdigit() => {
                                        v = v * 16 + (*d as char).to_digit(16).unwrap();
                                        self.i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        b'u' | b'U' => {
                            let n = if e == b'u' { 4 } else { 8 };
                            let h = std::str::from_utf8(&self.s[self.i..self.i + n]).unwrap();
                            self.i += n;
                            let ch = char::from_u32(u32::from_str_radix(h, 16).unwrap())
                                .unwrap_or('\u{fffd}');
                            let mut b = [0; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
            }
            Ok(out)
        }
        fn value(&mut self) -> Result<Tp, String> {
            match self.peek() {
                Some(b'{') | Some(b'<') => self.message(),
                Some(b'"') | Some(b'\'') => Ok(Tp::Str(self.string()?)),
                Some(b'[') => {
                    self.i += 1;
                    let mut v = Vec::new();
                    while self.peek() != Some(b']') {
                        v.push(self.value()?);
                    }
                    self.i += 1;
                    Ok(Tp::List(v))
                }
                _ => Ok(Tp::Scalar(self.ident()?)),
            }
        }
        fn message(&mut self) -> Result<Tp, String> {
            let open = self.peek().unwrap();
            let close = if open == b'{' { b'}' } else { b'>' };
            self.i += 1;
            let fields = self.fields(Some(close))?;
            Ok(Tp::Msg(fields))
        }
        fn fields(&mut self, close: Option<u8>) -> Result<Vec<(String, Tp)>, String> {
            let mut out = Vec::new();
            loop {
                match self.peek() {
                    None if close.is_none() => return Ok(out),
                    None => return Err("eof".into()),
                    Some(c) if Some(c) == close => {
                        self.i += 1;
                        return Ok(out);
                    }
                    _ => {}
                }
                let name = self.ident()?;
                if self.peek() == Some(b':') {
                    self.i += 1;
                }
                let v = self.value()?;
                if let Tp::List(items) = v {
                    for it in items {
                        out.push((name.clone(), it));
                    }
                } else {
                    out.push((name, v));
                }
            }
        }
    }

    pub fn parse(src: &str) -> Result<Tp, String> {
        let mut p = P {
            s: src.as_bytes(),
            i: 0,
        };
        Ok(Tp::Msg(p.fields(None)?))
    }
}

use textproto::Tp;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/cel-spec")
}

const PROTO_MARKERS: &[&str] = &[
    "TestAllTypes",
    "google.protobuf.Any",
    "google.protobuf.Struct",
    "google.protobuf.Value",
    "google.protobuf.ListValue",
    "google.protobuf.Int",
    "google.protobuf.UInt",
    "google.protobuf.Bool",
    "google.protobuf.String",
    "google.protobuf.Bytes",
    "google.protobuf.Double",
    "google.protobuf.Float",
    "google.protobuf.NullValue",
    "google.protobuf.FieldMask",
    "google.protobuf.Empty",
    "NestedTestAllTypes",
    "GlobalEnum",
    "TestRequired",
    "proto2_ext",
    "proto3",
    "cel.expr.conformance",
];

enum Outcome {
    Pass,
    Fail(String),
    Skip,
}

fn to_val(v: &Tp) -> Result<Val<'static>, String> {
    let m = v.msg().ok_or("value not a message")?;
    let (k, x) = m.first().ok_or("empty value")?;
    let sc = || x.str().unwrap_or_default();
    Ok(match k.as_str() {
        "int64_value" => Val::Int(sc().parse().map_err(|_| sc())?),
        "uint64_value" => Val::Uint(sc().parse().map_err(|_| sc())?),
        "double_value" => {
            let s = sc();
            Val::Double(match s.as_str() {
                "inf" | "infinity" => f64::INFINITY,
                "-inf" | "-infinity" => f64::NEG_INFINITY,
                "nan" => f64::NAN,
                _ => s.parse().map_err(|_| s.clone())?,
            })
        }
        "string_value" => Val::string(sc()),
        "bytes_value" => match x {
            Tp::Str(b) => Val::Bytes(Rc::from(b.as_slice())),
            _ => return Err("bytes".into()),
        },
        "bool_value" => Val::Bool(sc() == "true"),
        "null_value" => Val::Null,
        "list_value" => {
            let mut out = vec![];
            for e in x.all("values") {
                out.push(to_val(e)?);
            }
            Val::list(out)
        }
        "map_value" => {
            let mut out = MapVal::new();
            for e in x.all("entries") {
                let key = to_val(e.get("key").ok_or("key")?)?;
                let val = to_val(e.get("value").ok_or("value")?)?;
                out.insert(key, val).map_err(|_| "map key".to_string())?;
            }
            Val::Map(Rc::new(out))
        }
        "type_value" => Val::string(format!("type:{}", sc())),
        other => return Err(format!("unsupported expected value kind {other}")),
    })
}

/// Exact equality: same types, NaN equals NaN, the sign of zero counts.
fn strict_eq(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Double(x), Val::Double(y)) => {
            (x.is_nan() && y.is_nan()) || (x == y && x.is_sign_negative() == y.is_sign_negative())
        }
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Uint(x), Val::Uint(y)) => x == y,
        (Val::String(x), Val::String(y)) => x == y,
        (Val::Bytes(x), Val::Bytes(y)) => x == y,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Null, Val::Null) => true,
        (x, y) if x.list_len().is_some() && y.list_len().is_some() => {
            let (Some(p), Some(q)) = (
                x.list_items(NumberMode::Exact),
                y.list_items(NumberMode::Exact),
            ) else {
                return false;
            };
            p.len() == q.len() && p.iter().zip(q.iter()).all(|(p, q)| strict_eq(p, q))
        }
        (x, y) if x.is_map() && y.is_map() => {
            let (Some(p), Some(q)) = (
                x.map_entries(NumberMode::Exact),
                y.map_entries(NumberMode::Exact),
            ) else {
                return false;
            };
            p.len() == q.len()
                && p.iter().all(|(k, v)| {
                    q.iter()
                        .any(|(k2, v2)| strict_eq(k, k2) && strict_eq(v, v2))
                })
        }
        _ => false,
    }
}

fn show(v: &Val) -> String {
    match v {
        Val::Type(t) => format!("type:{}", t.runtime_name()),
        other => match verno::cel::to_json(other) {
            Ok(j) => format!("{} {j}", other.type_name()),
            Err(_) => format!("{other:?}"),
        },
    }
}

fn run_case(env: &Env, t: &Tp) -> Outcome {
    let Some(expr) = t.get("expr").and_then(|e| e.str()) else {
        return Outcome::Skip;
    };
    if t.get("check_only")
        .is_some_and(|c| c.str().as_deref() == Some("true"))
        || t.get("unknown").is_some()
        || t.get("any_unknowns").is_some()
    {
        return Outcome::Skip;
    }
    let container = t.get("container").and_then(|c| c.str());
    if PROTO_MARKERS.iter().any(|m| {
        expr.contains(m)
            || container.as_deref().is_some_and(|c| {
                c.starts_with("cel.expr") || c.starts_with("google.protobuf") || c.contains(m)
            })
    }) {
        return Outcome::Skip;
    }
    if container.is_some() {
        return Outcome::Fail(
            "containers are not supported (Kyverno's environments have none)".into(),
        );
    }
    if t.get("disable_macros")
        .is_some_and(|c| c.str().as_deref() == Some("true"))
    {
        return Outcome::Fail(
            "disabling macros is not supported (Kyverno's environments have them)".into(),
        );
    }
    enum Exp {
        Val(Val<'static>),
        Err(String),
    }
    let exp = if let Some(v) = t.get("value") {
        match to_val(v) {
            Ok(v) => Exp::Val(v),
            Err(e) if e.contains("object_value") || e.contains("enum_value") => {
                return Outcome::Skip
            }
            Err(e) => return Outcome::Fail(format!("runner: {e}")),
        }
    } else if let Some(tr) = t.get("typed_result") {
        match tr.get("result").map(to_val) {
            Some(Ok(v)) => Exp::Val(v),
            Some(Err(e)) if e.contains("object_value") || e.contains("enum_value") => {
                return Outcome::Skip
            }
            _ => return Outcome::Fail("runner: typed_result".into()),
        }
    } else if let Some(e) = t.get("eval_error").or_else(|| t.get("any_eval_errors")) {
        let want = e
            .get("errors")
            .and_then(|x| x.get("message"))
            .and_then(|m| m.str())
            .unwrap_or_default();
        Exp::Err(want)
    } else {
        Exp::Val(Val::Bool(true))
    };
    let mut binds: Vec<(String, Val<'static>)> = vec![];
    for b in t.all("bindings") {
        let key = b.get("key").and_then(|k| k.str()).unwrap_or_default();
        let Some(v) = b.get("value").and_then(|v| v.get("value")) else {
            return Outcome::Fail("runner: binding".into());
        };
        match to_val(v) {
            Ok(v) => binds.push((key, v)),
            Err(e) if e.contains("object_value") || e.contains("enum_value") => {
                return Outcome::Skip
            }
            Err(e) => return Outcome::Fail(format!("runner: {e}")),
        }
    }
    let program = match Program::compile(env, &expr) {
        Ok(p) => p,
        Err(e) => {
            return match exp {
                Exp::Err(_) => Outcome::Pass,
                Exp::Val(_) => Outcome::Fail(format!(
                    "compile: {}",
                    e.message.lines().next().unwrap_or("")
                )),
            }
        }
    };
    let mut act = Activation::new(NumberMode::Exact);
    for (k, v) in binds {
        act.bind(&k, v);
    }
    let got = program.eval(&act, &verno::NoHost);
    match (exp, got) {
        (Exp::Err(_), Err(_)) => Outcome::Pass,
        (Exp::Err(want), Ok(v)) => {
            Outcome::Fail(format!("expected error {want:?}, got {}", show(&v)))
        }
        (Exp::Val(e), Ok(v)) => {
            let same = match (&e, &v) {
                (Val::String(s), Val::Type(t)) => {
                    s.as_str() == format!("type:{}", t.runtime_name())
                }
                _ => strict_eq(&e, &v),
            };
            if same {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("expected {}, got {}", show(&e), show(&v)))
            }
        }
        (Exp::Val(e), Err(err)) => {
            Outcome::Fail(format!("expected {}, got error {}", show(&e), err.message))
        }
    }
}

#[test]
fn cel_spec_conformance_matches_the_ratchet() {
    let dir = corpus();
    assert!(
        dir.is_dir(),
        "the cel-spec corpus is expected at {}",
        dir.display()
    );
    let env = Env::new(EnvKind::Playground);
    let _ = Type::Dyn;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "textproto"))
        .collect();
    files.sort();
    let (mut pass, mut skip) = (0, 0);
    let mut failing: BTreeMap<String, String> = BTreeMap::new();
    for f in files {
        let file = f.file_stem().unwrap().to_string_lossy().to_string();
        let tree = textproto::parse(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for sec in tree.all("section") {
            let sname = sec.get("name").and_then(|s| s.str()).unwrap_or_default();
            for t in sec.all("test") {
                let tname = t.get("name").and_then(|s| s.str()).unwrap_or_default();
                match run_case(&env, t) {
                    Outcome::Pass => pass += 1,
                    Outcome::Skip => skip += 1,
                    Outcome::Fail(why) => {
                        let why: String = why.replace('\n', " ").chars().take(160).collect();
                        failing.insert(format!("{file}/{sname}/{tname}"), why);
                    }
                }
            }
        }
    }
    println!(
        "cel-spec: {pass} passed, {} failed, {skip} skipped",
        failing.len()
    );
    let list_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/cel-spec-failing.txt");
    if std::env::var("CEL_SPEC_WRITE").is_ok() {
        let old = std::fs::read_to_string(&list_path).unwrap_or_default();
        let reasons: BTreeMap<&str, &str> =
            old.lines().filter_map(|l| l.split_once("  # ")).collect();
        let mut out = String::from("# cel-spec cases verno fails (engine/tests/cel_spec.rs): `file/section/name  # reason`.\n# The list only shrinks.\n");
        for (k, why) in &failing {
            let why = reasons.get(k.as_str()).copied().unwrap_or(why.as_str());
            out.push_str(&format!("{k}  # {why}\n"));
        }
        std::fs::write(&list_path, out).unwrap();
    }
    let listed: BTreeSet<String> = std::fs::read_to_string(&list_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split("  #").next().unwrap_or(l).trim().to_string())
        .collect();
    let now_passing: Vec<&String> = listed
        .iter()
        .filter(|k| !failing.contains_key(*k))
        .collect();
    if !now_passing.is_empty() {
        println!("listed in cel-spec-failing.txt but passing now (remove them):");
        for k in now_passing {
            println!("  {k}");
        }
    }
    let unlisted: Vec<String> = failing
        .iter()
        .filter(|(k, _)| !listed.contains(*k))
        .map(|(k, why)| format!("{k}  # {why}"))
        .collect();
    assert!(
        unlisted.is_empty(),
        "{} unlisted cel-spec failures:\n{}",
        unlisted.len(),
        unlisted.join("\n")
    );
}
