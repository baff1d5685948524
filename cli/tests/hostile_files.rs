//! Reading input is bounded and `verno test` stays inside the tree it was
//! given: devices, FIFOs, oversized files, symlink loops and paths leading
//! out of the tree are errors (or are not followed), never hangs.

mod support;

use support::{test_file, verno, Scratch, GOOD_POD, VALIDATE_POLICY};

#[cfg(unix)]
#[test]
fn apply_refuses_a_character_device_as_resource() {
    let s = Scratch::new("dev-zero");
    s.write("policy.yaml", VALIDATE_POLICY);
    let o = verno(s.path(), &["apply", "policy.yaml", "-r", "/dev/zero"]);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr
            .contains("/dev/zero: is a character device, not a regular file"),
        "{}",
        o.stderr
    );
}

#[cfg(unix)]
#[test]
fn apply_refuses_a_character_device_as_policy() {
    let s = Scratch::new("dev-zero-policy");
    s.write("pod.yaml", GOOD_POD);
    let o = verno(s.path(), &["apply", "/dev/zero", "-r", "pod.yaml"]);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr.contains("/dev/zero: is a character device"),
        "{}",
        o.stderr
    );
}

#[cfg(unix)]
#[test]
fn apply_refuses_a_fifo_without_waiting_for_a_writer() {
    let s = Scratch::new("fifo");
    s.write("policy.yaml", VALIDATE_POLICY);
    let made = std::process::Command::new("mkfifo")
        .arg(s.path().join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    let o = verno(s.path(), &["apply", "policy.yaml", "-r", "pipe.yaml"]);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr
            .contains("pipe.yaml: is a FIFO, not a regular file"),
        "{}",
        o.stderr
    );
}

#[test]
fn apply_refuses_a_file_larger_than_the_input_limit() {
    let s = Scratch::new("too-large");
    s.write("policy.yaml", VALIDATE_POLICY);
    let padding = format!("# {}\n", "x".repeat(4096));
    s.write("pod.yaml", &format!("{padding}{GOOD_POD}"));
    let o = verno(
        s.path(),
        &[
            "apply",
            "policy.yaml",
            "-r",
            "pod.yaml",
            "--max-input-bytes",
            "1024",
        ],
    );
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr
            .contains("pod.yaml: larger than the input limit of 1024 bytes"),
        "{}",
        o.stderr
    );
    // The same file within the default limit is fine.
    let ok = verno(s.path(), &["apply", "policy.yaml", "-r", "pod.yaml"]);
    assert_eq!(ok.code, Some(0), "{}{}", ok.stdout, ok.stderr);
}

#[test]
fn the_input_limit_is_documented_in_help() {
    let s = Scratch::new("help");
    for cmd in ["apply", "test"] {
        let o = verno(s.path(), &[cmd, "--help"]);
        assert!(o.stdout.contains("--max-input-bytes"), "{}", o.stdout);
        assert!(o.stdout.contains("67108864"), "{}", o.stdout);
    }
    let o = verno(s.path(), &["test", "--help"]);
    assert!(o.stdout.contains("--allow-outside-paths"), "{}", o.stdout);
}

#[cfg(unix)]
#[test]
fn test_follows_symlinks_to_the_tree_and_to_root_without_looping() {
    let s = Scratch::new("loops");
    s.write("suite/policy.yaml", VALIDATE_POLICY);
    s.write("suite/pod.yaml", GOOD_POD);
    s.write(
        "suite/.kyverno-test/kyverno-test.yaml",
        &test_file("../policy.yaml", "../pod.yaml"),
    );
    std::os::unix::fs::symlink(".", s.path().join("suite/self")).unwrap();
    std::os::unix::fs::symlink("..", s.path().join("suite/.kyverno-test/up")).unwrap();
    std::os::unix::fs::symlink("/", s.path().join("suite/root")).unwrap();
    let o = verno(s.path(), &["test", "suite"]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    // Found once, not once per way of reaching it.
    assert_eq!(o.stdout.matches("Loading test").count(), 1, "{}", o.stdout);
    assert!(
        o.stdout.contains("1 tests passed and 0 tests failed"),
        "{}",
        o.stdout
    );
}

#[cfg(unix)]
#[test]
fn resource_directory_with_a_symlink_loop_is_read_once() {
    let s = Scratch::new("dir-loop");
    s.write("policy.yaml", VALIDATE_POLICY);
    s.write("pods/pod.yaml", GOOD_POD);
    std::os::unix::fs::symlink(".", s.path().join("pods/again")).unwrap();
    std::os::unix::fs::symlink("..", s.path().join("pods/parent")).unwrap();
    let o = verno(s.path(), &["apply", "policy.yaml", "-r", "pods"]);
    assert_eq!(o.code, Some(1), "{}{}", o.stdout, o.stderr);
    // `parent` leads out of `pods`: named, not followed.
    assert!(
        o.stderr.contains("pods/parent: leads outside pods"),
        "{}",
        o.stderr
    );
    std::fs::remove_file(s.path().join("pods/parent")).unwrap();
    let o = verno(s.path(), &["apply", "policy.yaml", "-r", "pods"]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("to 1 resource(s)"), "{}", o.stdout);
}

#[test]
fn test_refuses_resource_paths_outside_its_tree() {
    let s = Scratch::new("outside");
    s.write("suite/policy.yaml", VALIDATE_POLICY);
    s.write(
        "suite/kyverno-test.yaml",
        &test_file("policy.yaml", "../../../../../../../../../../etc/passwd"),
    );
    let o = verno(s.path(), &["test", "suite"]);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stdout.contains("etc/passwd: outside the test tree"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("root:"), "{}", o.stdout);
}

#[test]
fn test_refuses_an_absolute_policy_path_outside_its_tree() {
    let s = Scratch::new("outside-abs");
    let elsewhere = s.write("elsewhere/policy.yaml", VALIDATE_POLICY);
    s.write("suite/pod.yaml", GOOD_POD);
    s.write(
        "suite/kyverno-test.yaml",
        &test_file(elsewhere.to_str().unwrap(), "pod.yaml"),
    );
    let o = verno(s.path(), &["test", "suite"]);
    assert_eq!(o.code, Some(1));
    assert!(o.stdout.contains("outside the test tree"), "{}", o.stdout);
}

#[cfg(unix)]
#[test]
fn test_refuses_a_symlink_in_its_tree_leading_outside() {
    let s = Scratch::new("outside-link");
    let elsewhere = s.write("elsewhere/pod.yaml", GOOD_POD);
    s.write("suite/policy.yaml", VALIDATE_POLICY);
    std::os::unix::fs::symlink(&elsewhere, s.path().join("suite/pod.yaml")).unwrap();
    s.write(
        "suite/kyverno-test.yaml",
        &test_file("policy.yaml", "pod.yaml"),
    );
    let o = verno(s.path(), &["test", "suite"]);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stdout.contains("pod.yaml: outside the test tree"),
        "{}",
        o.stdout
    );
}

#[test]
fn test_reads_outside_its_tree_only_when_allowed() {
    let s = Scratch::new("outside-allowed");
    s.write("shared/policy.yaml", VALIDATE_POLICY);
    s.write("suite/pod.yaml", GOOD_POD);
    s.write(
        "suite/kyverno-test.yaml",
        &test_file("../shared/policy.yaml", "pod.yaml"),
    );
    let refused = verno(s.path(), &["test", "suite"]);
    assert_eq!(refused.code, Some(1));
    let o = verno(s.path(), &["test", "suite", "--allow-outside-paths"]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("1 tests passed and 0 tests failed"),
        "{}",
        o.stdout
    );
}

#[test]
fn test_reads_the_suite_folder_above_kyverno_test() {
    let s = Scratch::new("upstream-layout");
    s.write("suites/one/policy.yaml", VALIDATE_POLICY);
    s.write("suites/one/pod.yaml", GOOD_POD);
    s.write(
        "suites/one/.kyverno-test/kyverno-test.yaml",
        &test_file("../policy.yaml", "../pod.yaml"),
    );
    for dir in ["suites", "suites/one"] {
        let o = verno(s.path(), &["test", dir]);
        assert_eq!(o.code, Some(0), "{dir}: {}{}", o.stdout, o.stderr);
    }
}

#[cfg(unix)]
#[test]
fn test_refuses_a_device_named_as_policy() {
    let s = Scratch::new("test-dev");
    s.write("suite/pod.yaml", GOOD_POD);
    s.write(
        "suite/kyverno-test.yaml",
        &test_file("/dev/zero", "pod.yaml"),
    );
    let o = verno(s.path(), &["test", "suite", "--allow-outside-paths"]);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stdout.contains("/dev/zero: is a character device"),
        "{}",
        o.stdout
    );
}

#[test]
fn test_of_a_missing_directory_is_an_error() {
    let s = Scratch::new("missing");
    let o = verno(s.path(), &["test", "no-such-dir"]);
    assert_eq!(o.code, Some(1), "{}", o.stdout);
    assert!(o.stderr.contains("no-such-dir"), "{}", o.stderr);
}

#[cfg(unix)]
#[test]
fn jp_input_from_an_endless_device_is_cut_at_the_limit() {
    let s = Scratch::new("jp-dev-zero");
    let o = verno(s.path(), &["jp", "query", "-i", "/dev/zero", "a"]);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stderr.contains(
            "failed to read file /dev/zero: larger than the input limit of 67108864 bytes"
        ),
        "{}",
        o.stderr
    );
}
