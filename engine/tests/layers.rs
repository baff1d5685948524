//! The engine's layout is its flow: each layer of `engine/src` imports only
//! the layers before it (no import cycle between modules), as the crate
//! docs and the README draw it.

use std::path::Path;

/// In order; a module may use its own layer and those before it.
const LAYERS: &[&str] = &[
    "model",
    "host",
    "go",
    "yaml",
    "error",
    "jmespath",
    "variables",
    "pattern",
    "conditions",
    "patch",
    "cel",
    "pod_security",
    "matching",
    "validate_cel",
    "vpol",
    "load",
    "compile",
    "eval",
    "report",
    "api",
];

/// Stages inside `eval`, in order: each uses only those before it.
const EVAL: &[&str] = &[
    "images",
    "context",
    "enforce",
    "pod_security",
    "validate",
    "mutate",
    "generate",
    "validating",
    "pipeline",
];

fn layer_of(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// `crate::a::b` paths in code (comments skipped).
fn crate_paths(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let mut parts = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("")
                .split("::");
            let first = parts.next().unwrap_or("").to_string();
            let second = parts.next().map(str::to_string);
            out.push((first, second));
        }
    }
    out
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn each_engine_layer_imports_only_the_layers_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    for f in &all {
        let rel = f.strip_prefix(&src).unwrap();
        let own = layer_of(rel);
        if own == "lib" {
            continue;
        }
        let Some(own_i) = LAYERS.iter().position(|l| *l == own) else {
            wrong.push(format!("{}: not in a known layer", rel.display()));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (dep, sub) in crate_paths(&text) {
            match LAYERS.iter().position(|l| *l == dep) {
                Some(i) if i > own_i => {
                    wrong.push(format!("{} ({own}) uses crate::{dep}", rel.display()))
                }
                None => wrong.push(format!("{} uses unknown crate::{dep}", rel.display())),
                _ => {}
            }
            // Inside eval, the stages form a chain too.
            if own == "eval" && dep == "eval" {
                let me = rel.file_stem().unwrap().to_string_lossy().to_string();
                let (Some(a), Some(b)) = (
                    EVAL.iter().position(|s| *s == me),
                    sub.as_deref()
                        .and_then(|s| EVAL.iter().position(|x| *x == s)),
                ) else {
                    continue;
                };
                if b > a {
                    wrong.push(format!("{} uses crate::eval::{}", rel.display(), EVAL[b]));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn engine_forbids_unsafe_and_denies_panicking_constructs_outside_tests() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    assert!(lib.contains("#![forbid(unsafe_code)]"));
    let deny = lib
        .split("not(test),")
        .nth(1)
        .and_then(|rest| rest.split(")]").next())
        .unwrap_or("");
    for lint in [
        "clippy::unwrap_used",
        "clippy::expect_used",
        "clippy::panic",
        "clippy::indexing_slicing",
    ] {
        assert!(deny.contains(lint), "{lint} is not denied in lib.rs");
    }
}

/// The no-panic lints hold in every module: a local, commented `#[allow]`
/// may excuse one provably-in-range index, but no module exempts itself
/// wholesale with an inner `#![allow]`.
#[test]
fn no_module_is_exempt_from_the_no_panic_lints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut exempt = Vec::new();
    for f in &all {
        let text = std::fs::read_to_string(f).unwrap();
        for lint in ["indexing_slicing", "unwrap_used", "expect_used", "panic"] {
            if text.contains(&format!("#![allow(clippy::{lint}")) {
                exempt.push(format!(
                    "{}: {lint}",
                    f.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(exempt.is_empty(), "module-wide exemptions: {exempt:#?}");
}
