//! Shared by the CLI integration tests: scratch directories and running the
//! built binary with a deadline, so that a hang fails the test instead of
//! stalling the suite.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A scratch directory, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("verno-cli-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Write `text` to `rel`, creating parent folders.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run of `verno` produced.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run `verno ARGS` in `cwd`; fails the test if it takes over 30 seconds.
pub fn verno(cwd: &Path, args: &[&str]) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verno"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("verno {args:?} did not finish within 30 seconds");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A mutate policy adding a label to every Pod.
pub const MUTATE_POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: add-label}
spec:
  rules:
  - name: add
    match: {any: [{resources: {kinds: [Pod, ConfigMap]}}]}
    mutate:
      patchStrategicMerge: {metadata: {labels: {added: "yes"}}}
"#;

/// A validate policy requiring a `team` label on Pods.
pub const VALIDATE_POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label team is required"
      pattern: {metadata: {labels: {team: "?*"}}}
"#;

/// A Pod with the `team` label.
pub const GOOD_POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: good, namespace: default, labels: {team: a}}
spec: {containers: [{name: c, image: busybox}]}
"#;

/// A test file for [`VALIDATE_POLICY`] on [`GOOD_POD`], naming the policy
/// and resource files as given.
pub fn test_file(policy: &str, resource: &str) -> String {
    format!(
        r#"apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {{name: t}}
policies: ["{policy}"]
resources: ["{resource}"]
results:
- policy: require-team
  rule: check-team
  resources: [good]
  kind: Pod
  result: pass
"#
    )
}
