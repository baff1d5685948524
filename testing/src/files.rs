//! Where a suite's files come from: the disk (bounded and confined to the
//! tree given to `verno test`) or an in-memory map of path → text, so the
//! bindings and the playground run suites without a filesystem.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::input::{self, InputError};
use crate::tree;

/// The file access the runner needs: read a file's text, and list the YAML
/// files a folder named as a resource or policy path holds.
pub trait Files {
    /// The text of the file at `path`.
    fn read(&self, path: &Path) -> Result<String, InputError>;

    /// `path` itself when it names a file, or every `.yaml`/`.yml` file
    /// below it (hidden entries skipped, sorted by path) when it names a
    /// folder.
    fn yaml_files(&self, path: &Path) -> Result<Vec<PathBuf>, InputError>;
}

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// The operating system's files: regular files only, at most a size limit,
/// and, when confined, only below one tree (symlinks resolved).
#[derive(Debug, Clone)]
pub struct DiskFiles {
    root: Option<tree::Root>,
    limit: u64,
}

impl DiskFiles {
    /// Any file the process can read, up to [`input::max_input_bytes`].
    pub fn unconfined() -> DiskFiles {
        DiskFiles {
            root: None,
            limit: input::max_input_bytes(),
        }
    }

    /// Only files below the directory `root` (by `..`, an absolute path or a
    /// symlink, nothing outside it is read), up to [`input::max_input_bytes`].
    pub fn confined(root: &Path) -> Result<DiskFiles, InputError> {
        Ok(DiskFiles {
            root: Some(tree::Root::new(root)?),
            limit: input::max_input_bytes(),
        })
    }

    /// The same files with another size limit, in bytes.
    pub fn with_limit(mut self, limit: u64) -> DiskFiles {
        self.limit = limit;
        self
    }
}

impl Files for DiskFiles {
    fn read(&self, path: &Path) -> Result<String, InputError> {
        input::read_bounded(path, self.root.as_ref(), self.limit)
    }

    fn yaml_files(&self, path: &Path) -> Result<Vec<PathBuf>, InputError> {
        let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, e))?;
        if !meta.is_dir() {
            return Ok(vec![path.to_path_buf()]);
        }
        let keep = |name: &str| is_yaml(name);
        tree::files(
            path,
            &tree::Walk {
                skip_hidden: true,
                keep: &keep,
                outside: tree::Outside::Fail,
            },
            self.root.as_ref(),
        )
    }
}

/// Files held in memory, by path. Paths are normalised (`.` dropped, `..`
/// resolved, a leading `/` ignored: the map is its own root), and nothing
/// ever touches the disk.
#[derive(Debug, Clone, Default)]
pub struct MemFiles {
    files: BTreeMap<PathBuf, String>,
}

impl MemFiles {
    /// A map of path → text. A path that climbs above the map's top (`../x`)
    /// is an error naming it.
    pub fn new<P: AsRef<Path>>(
        files: impl IntoIterator<Item = (P, String)>,
    ) -> Result<MemFiles, InputError> {
        let mut out = BTreeMap::new();
        for (path, text) in files {
            out.insert(normalise(path.as_ref())?, text);
        }
        Ok(MemFiles { files: out })
    }

    /// Every file's normalised path, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }
}

/// `path` with `.` and `..` resolved by name, relative to the map's top.
fn normalise(path: &Path) -> Result<PathBuf, InputError> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                if !out.pop() {
                    return Err(InputError::AboveMap {
                        path: path.to_path_buf(),
                    });
                }
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Ok(out)
}

impl Files for MemFiles {
    fn read(&self, path: &Path) -> Result<String, InputError> {
        self.files
            .get(&normalise(path)?)
            .cloned()
            .ok_or_else(|| InputError::NotInMap {
                path: path.to_path_buf(),
            })
    }

    fn yaml_files(&self, path: &Path) -> Result<Vec<PathBuf>, InputError> {
        let dir = normalise(path)?;
        if self.files.contains_key(&dir) {
            return Ok(vec![path.to_path_buf()]);
        }
        let below: Vec<PathBuf> = self
            .files
            .keys()
            .filter_map(|p| Some((p, p.strip_prefix(&dir).ok()?)))
            .filter(|(_, rest)| {
                let hidden = rest
                    .components()
                    .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
                !hidden && rest.to_str().is_some_and(is_yaml)
            })
            .map(|(p, _)| p.clone())
            .collect();
        if below.is_empty() && !self.files.keys().any(|p| p.starts_with(&dir)) {
            return Err(InputError::NotInMap {
                path: path.to_path_buf(),
            });
        }
        Ok(below)
    }
}
