//! Fails when a suite listed in `conformance/passing.txt` stops passing, and
//! prints how many of all upstream suites pass.

use verno_conformance::{all_suites, corpus_root, listed, suite_passes};

#[test]
fn listed_suites_still_pass_and_count_all() {
    let root = corpus_root();
    assert!(
        root.is_dir(),
        "the corpus is expected at {} (../shared beside the repo)",
        root.display()
    );
    let list = listed(include_str!("../passing.txt"));
    let broken: Vec<&String> = list.iter().filter(|s| !suite_passes(&root, s)).collect();

    let all = all_suites(&root);
    let passing: Vec<&String> = all.iter().filter(|s| suite_passes(&root, s)).collect();
    println!(
        "conformance: {} of {} suites pass under --strict",
        passing.len(),
        all.len()
    );
    let unlisted: Vec<&&String> = passing.iter().filter(|s| !list.contains(s)).collect();
    if !unlisted.is_empty() {
        println!("passing but not yet listed (add them to conformance/passing.txt):");
        for s in &unlisted {
            println!("  {s}");
        }
    }
    assert!(
        broken.is_empty(),
        "listed suites that no longer pass: {broken:#?}"
    );
}
