//! Where `verno apply -o PATH` writes mutated resources.
//!
//! Like `kyverno apply`, a PATH ending in `.yaml`/`.yml` is one file holding
//! every mutated resource; any other PATH is a directory. Kyverno names the
//! files there `<name>-mutated.yaml` straight from the resource, so a name
//! such as `../x` writes outside the directory and two resources of the same
//! name share (and append to) one file. verno instead names each file from
//! kind, namespace and name, escaped so that the name is always a single
//! plain file name and different resources always get different files, and
//! a rerun replaces the files instead of appending to them.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use verno::model::resource::ResourceMeta;

/// The longest file name common filesystems accept, in bytes.
pub const MAX_FILE_NAME: usize = 255;

const SUFFIX: &str = "-mutated.yaml";

/// Why mutated resources could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The resource's identity gives a file name too long to create.
    #[error(
        "cannot write the mutated resource {resource}: its file name would be {len} bytes, more than the {MAX_FILE_NAME} a file name may hold"
    )]
    NameTooLong { resource: String, len: usize },
    /// Where the file should go is a directory.
    #[error("{}: is a directory, cannot write the mutated resource {resource} there", path.display())]
    IsADirectory { path: PathBuf, resource: String },
    /// The operating system refused.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where mutated resources go.
#[derive(Debug, Clone)]
pub enum Sink {
    /// Printed with the results.
    Stdout,
    /// `-o FILE.yaml`: all of them in one file, emptied at the start.
    File(PathBuf),
    /// `-o DIR`: one file per resource; `names[i]` is resource `i`'s.
    Dir { dir: PathBuf, names: Vec<String> },
}

/// Does Kyverno take this `-o` path for a file (`checkMutateLogPath`)?
fn names_a_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

/// Decide every output file before anything is written, so that a resource
/// whose file cannot be named fails the command with nothing half-written;
/// then create the directory, or empty the file.
pub fn plan(output: Option<&Path>, resources: &[Value]) -> Result<Sink, OutputError> {
    let Some(path) = output else {
        return Ok(Sink::Stdout);
    };
    if names_a_file(path) {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::File::create(path).map_err(io(path))?;
        return Ok(Sink::File(path.to_path_buf()));
    }
    let names = file_names(resources)?;
    std::fs::create_dir_all(path).map_err(io(path))?;
    Ok(Sink::Dir {
        dir: path.to_path_buf(),
        names,
    })
}

/// One file name per resource, in order: `<kind>_<namespace>_<name>` with
/// [`escape`]d parts, then `-mutated.yaml`. A resource whose escaped name is
/// already taken (the same identity twice, or names differing only in case,
/// which case-insensitive filesystems would merge) gets `_2`, `_3`, ...
/// before the suffix; `_` never occurs inside an escaped part, so no two
/// resources can end up with the same name.
pub fn file_names(resources: &[Value]) -> Result<Vec<String>, OutputError> {
    let mut taken = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(resources.len());
    for r in resources {
        let m = ResourceMeta::of(r);
        let stem = format!(
            "{}_{}_{}",
            escape(m.kind),
            escape(m.namespace),
            escape(m.name)
        );
        let mut name = format!("{stem}{SUFFIX}");
        let mut n = 1;
        while !taken.insert(name.to_lowercase()) {
            n += 1;
            name = format!("{stem}_{n}{SUFFIX}");
        }
        if name.len() > MAX_FILE_NAME {
            return Err(OutputError::NameTooLong {
                resource: describe(&m),
                len: name.len(),
            });
        }
        out.push(name);
    }
    Ok(out)
}

/// `namespace/kind/name` as `verno apply` prints it, quoted and escaped so
/// that control characters in a hostile name cannot garble the message.
fn describe(m: &ResourceMeta<'_>) -> String {
    format!("{:?}", format!("{}/{}/{}", m.namespace, m.kind, m.name))
}

/// Keep ASCII letters, digits and `-` (and `.` except first), which covers
/// every valid Kubernetes kind, namespace and name; every other byte becomes
/// `%XX`. The result holds no `/`, NUL, `_`, control character, nor a
/// leading dot, and distinct inputs give distinct outputs.
pub fn escape(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for (i, b) in part.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b == b'-' || (b == b'.' && i > 0);
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Sink {
    /// Write what the mutate policies made of resource `index` (called once
    /// per resource with all of it): appended to the single file, or
    /// replacing the resource's own file in the directory.
    pub fn write(&self, index: usize, resource: &Value, text: &str) -> Result<(), OutputError> {
        match self {
            Sink::Stdout => Ok(()),
            Sink::File(path) => {
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(io(path))?;
                f.write_all(text.as_bytes()).map_err(io(path))
            }
            Sink::Dir { dir, names } => {
                let Some(name) = names.get(index) else {
                    return Ok(());
                };
                let path = dir.join(name);
                replace_file(&path, text, resource)
            }
        }
    }
}

/// Remove what is at `path` and create it anew: never opening an existing
/// entry means a planted symlink is replaced, not followed out of the
/// directory, and a rerun does not append to the last run's file.
fn replace_file(path: &Path, text: &str, resource: &Value) -> Result<(), OutputError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(OutputError::IsADirectory {
                path: path.to_path_buf(),
                resource: describe(&ResourceMeta::of(resource)),
            })
        }
        Ok(_) => std::fs::remove_file(path).map_err(io(path))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(path)(e)),
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io(path))?;
    f.write_all(text.as_bytes()).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_kubernetes_names_and_encodes_the_rest() {
        assert_eq!(escape("nginx-1.2"), "nginx-1.2");
        assert_eq!(escape("../x"), "%2E.%2Fx");
        assert_eq!(escape("/etc/passwd"), "%2Fetc%2Fpasswd");
        assert_eq!(escape("a\0b\nc"), "a%00b%0Ac");
        assert_eq!(escape("a_b%"), "a%5Fb%25");
        assert_eq!(escape(""), "");
    }
}
