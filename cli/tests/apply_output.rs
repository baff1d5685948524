//! `verno apply -o`: where mutated resources are written, whatever the
//! resources are called.

mod support;

use std::path::Path;

use support::{verno, Scratch, MUTATE_POLICY};

fn pod(name: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {}, namespace: {}}}\nspec: {{containers: [{{name: c, image: busybox}}]}}\n---\n",
        serde_json::to_string(name).unwrap(),
        serde_json::to_string(namespace).unwrap()
    )
}

/// Every entry below `dir`, recursively, relative to it.
fn entries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn output_directory_holds_every_file_whatever_the_resource_names() {
    let s = Scratch::new("out-hostile");
    s.write("policy.yaml", MUTATE_POLICY);
    let hostile = [
        "../escaped",
        "../../escaped-too",
        "/tmp/verno-absolute-escape",
        "a/b/c",
        "nul\0byte",
        "new\nline",
        "..",
        ".",
        ".hidden",
    ];
    let text: String = hostile.iter().map(|n| pod(n, "default")).collect();
    s.write("resources.yaml", &text);
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "resources.yaml",
            "-o",
            "out/deep",
        ],
    );
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    // Nothing but the policy, the resources and the output folder beside it.
    assert_eq!(
        entries(s.path())
            .into_iter()
            .filter(|e| !e.starts_with("out/deep/"))
            .collect::<Vec<_>>(),
        ["out", "out/deep", "policy.yaml", "resources.yaml"]
    );
    assert!(!Path::new("/tmp/verno-absolute-escape").exists());
    assert!(!Path::new("/tmp/verno-absolute-escape-mutated.yaml").exists());
    // One plain (not hidden) file per resource, directly in the folder.
    let files = entries(&s.path().join("out/deep"));
    assert_eq!(files.len(), hostile.len(), "{files:?}");
    for f in &files {
        assert!(!f.contains('/') && !f.starts_with('.'), "{f:?}");
        assert!(f.ends_with("-mutated.yaml"), "{f:?}");
    }
}

#[test]
fn output_file_names_are_distinct_for_distinct_resources() {
    let s = Scratch::new("out-distinct");
    s.write("policy.yaml", MUTATE_POLICY);
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same, namespace: a}\ndata: {k: v}\n---\n";
    let text = [
        pod("same", "a"),
        pod("same", "b"),
        cm.to_string(),
        pod("same", "a"),
        // `_` joins the parts, so it must not be confusable inside one.
        pod("x_y", "a"),
        pod("y", "a_x"),
    ]
    .concat();
    s.write("resources.yaml", &text);
    let o = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "resources.yaml", "-o", "out"],
    );
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    let files = entries(&s.path().join("out"));
    assert_eq!(files.len(), 6, "{files:?}");
    assert!(
        files.contains(&"Pod_a_same-mutated.yaml".to_string()),
        "{files:?}"
    );
    assert!(files.contains(&"ConfigMap_a_same-mutated.yaml".to_string()));
    assert!(files.contains(&"Pod_b_same-mutated.yaml".to_string()));
    // Each file holds exactly one resource.
    for f in &files {
        let text = std::fs::read_to_string(s.path().join("out").join(f)).unwrap();
        assert_eq!(text.matches("kind:").count(), 1, "{f}: {text}");
        assert!(text.ends_with("\n---\n\n"), "{f}: {text:?}");
    }
}

#[test]
fn rerunning_apply_replaces_output_files_instead_of_appending() {
    let s = Scratch::new("out-rerun");
    s.write("policy.yaml", MUTATE_POLICY);
    s.write("resources.yaml", &pod("web", "default"));
    let args = ["apply", "policy.yaml", "-r", "resources.yaml", "-o", "out"];
    let first = verno(s.path(), &args);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let file = s.path().join("out/Pod_default_web-mutated.yaml");
    let once = std::fs::read_to_string(&file).unwrap();
    assert_eq!(verno(s.path(), &args).code, Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), once);
}

#[test]
fn each_mutate_policy_adds_its_result_to_the_resources_file() {
    let s = Scratch::new("out-two-policies");
    s.write("policy.yaml", MUTATE_POLICY);
    s.write(
        "second.yaml",
        &MUTATE_POLICY
            .replace("add-label", "add-other")
            .replace("added", "other"),
    );
    s.write("resources.yaml", &pod("web", "default"));
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "second.yaml",
            "-r",
            "resources.yaml",
            "-o",
            "out",
        ],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(
        o.stdout
            .matches("Mutation has been applied successfully.")
            .count(),
        2
    );
    let text = std::fs::read_to_string(s.path().join("out/Pod_default_web-mutated.yaml")).unwrap();
    assert_eq!(text.matches("kind: Pod").count(), 2, "{text}");
}

#[test]
fn an_unwritable_output_name_fails_naming_the_resource_before_writing_anything() {
    let s = Scratch::new("out-too-long");
    s.write("policy.yaml", MUTATE_POLICY);
    let long = "n".repeat(300);
    let text = [pod("fine", "default"), pod(&long, "default")].concat();
    s.write("resources.yaml", &text);
    let o = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "resources.yaml", "-o", "out"],
    );
    assert_eq!(o.code, Some(1), "{}", o.stdout);
    assert!(
        o.stderr.contains(&format!("default/Pod/{long}")),
        "{}",
        o.stderr
    );
    assert!(!s.path().join("out").exists(), "{:?}", entries(s.path()));
    assert!(!o.stdout.contains("Mutation"), "{}", o.stdout);
}

#[cfg(unix)]
#[test]
fn a_symlink_planted_in_the_output_directory_is_replaced_not_followed() {
    let s = Scratch::new("out-planted");
    s.write("policy.yaml", MUTATE_POLICY);
    s.write("resources.yaml", &pod("web", "default"));
    let victim = s.write("victim.txt", "precious\n");
    std::fs::create_dir_all(s.path().join("out")).unwrap();
    std::os::unix::fs::symlink(&victim, s.path().join("out/Pod_default_web-mutated.yaml")).unwrap();
    let o = verno(
        s.path(),
        &["apply", "policy.yaml", "-r", "resources.yaml", "-o", "out"],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let written = s.path().join("out/Pod_default_web-mutated.yaml");
    assert!(!written.is_symlink());
    assert!(std::fs::read_to_string(written)
        .unwrap()
        .contains("added: \"yes\""));
}

#[test]
fn an_output_path_ending_in_yaml_is_one_file_emptied_on_each_run() {
    let s = Scratch::new("out-file");
    s.write("policy.yaml", MUTATE_POLICY);
    s.write(
        "resources.yaml",
        &[pod("a", "default"), pod("b", "default")].concat(),
    );
    let args = [
        "apply",
        "policy.yaml",
        "-r",
        "resources.yaml",
        "-o",
        "dir/all.yaml",
    ];
    assert_eq!(verno(s.path(), &args).code, Some(0));
    assert_eq!(verno(s.path(), &args).code, Some(0));
    let text = std::fs::read_to_string(s.path().join("dir/all.yaml")).unwrap();
    assert_eq!(text.matches("kind: Pod").count(), 2, "{text}");
}
