//! Keeping file access inside a directory tree: `verno test` reads only
//! below the directory it was given (test files name their policies and
//! resources, and `../../etc/passwd` must not be one of them), and directory
//! walks follow symlinks without looping or wandering off.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use crate::input::InputError;

/// Deeper than any real policy repository; a guard against bind-mount
/// loops that canonical paths cannot see.
pub const MAX_DEPTH: usize = 64;

/// A tree every read must stay in: as given (made absolute) and with
/// symlinks resolved, so a path is inside when either spelling contains it.
/// Held by the filesystem a suite is read through ([`crate::files::DiskFiles`]),
/// so every reader a test file can reach (policies, resources, values,
/// expected resources, and fields added later) is confined without each
/// having to remember to ask.
#[derive(Debug, Clone)]
pub struct Root {
    lexical: PathBuf,
    canonical: PathBuf,
}

impl Root {
    /// The tree below `root` (a directory that exists).
    pub fn new(root: &Path) -> Result<Root, InputError> {
        let canonical = root.canonicalize().map_err(|e| InputError::io(root, e))?;
        Ok(Root {
            lexical: lexical_absolute(root),
            canonical,
        })
    }

    /// An error unless `path` lies inside the tree.
    pub fn check(&self, path: &Path) -> Result<(), InputError> {
        if inside(self, path) {
            Ok(())
        } else {
            Err(InputError::Outside {
                path: path.to_path_buf(),
                tree: self.lexical.clone(),
            })
        }
    }
}

/// `path` made absolute against the working directory, with `.` and `..`
/// resolved by name only (no symlinks followed).
fn lexical_absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Is `path` inside the tree `root`? By name for paths that do not exist
/// (the read fails anyway, but `../../x` should say why), and with every
/// symlink resolved for those that do.
fn inside(root: &Root, path: &Path) -> bool {
    match path.canonicalize() {
        Ok(real) => real.starts_with(&root.canonical),
        Err(_) => {
            let named = lexical_absolute(path);
            named.starts_with(&root.lexical) || named.starts_with(&root.canonical)
        }
    }
}

/// What a walk does with an entry whose real location is outside its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outside {
    /// Leave it out (searching for test files).
    Skip,
    /// Fail naming it (reading files a test or command asked for).
    Fail,
}

/// How to walk a directory.
#[derive(Clone, Copy)]
pub struct Walk<'a> {
    /// Skip entries whose name starts with `.`.
    pub skip_hidden: bool,
    /// Which file names to keep.
    pub keep: &'a dyn Fn(&str) -> bool,
    pub outside: Outside,
}

/// Every kept file below `dir`, sorted by path within each directory,
/// following symlinks. Each real directory is visited once (a symlink to
/// `.` or to an ancestor ends there) and nothing outside `root` (or,
/// without one, outside `dir` itself) is entered.
pub fn files(dir: &Path, how: &Walk<'_>, root: Option<&Root>) -> Result<Vec<PathBuf>, InputError> {
    let (bound, tree) = match root {
        Some(root) => {
            root.check(dir)?;
            (root.canonical.clone(), Some(root.lexical.clone()))
        }
        None => (
            dir.canonicalize().map_err(|e| InputError::io(dir, e))?,
            None,
        ),
    };
    let mut state = WalkState {
        bound,
        tree,
        top: dir.to_path_buf(),
        visited: HashSet::new(),
        out: Vec::new(),
    };
    state.walk(dir, how, 0)?;
    Ok(state.out)
}

struct WalkState {
    /// The real directory nothing may lie outside of.
    bound: PathBuf,
    /// The test tree, when the bound is one (for the error message).
    tree: Option<PathBuf>,
    /// The directory the walk started from.
    top: PathBuf,
    visited: HashSet<PathBuf>,
    out: Vec<PathBuf>,
}

impl WalkState {
    fn walk(&mut self, dir: &Path, how: &Walk<'_>, depth: usize) -> Result<(), InputError> {
        if depth > MAX_DEPTH {
            return Err(InputError::TooDeep {
                path: dir.to_path_buf(),
                limit: MAX_DEPTH,
            });
        }
        let real = dir.canonicalize().map_err(|e| InputError::io(dir, e))?;
        if !self.visited.insert(real) {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| InputError::io(dir, e))?
            .map(|e| e.map(|e| e.path()).map_err(|e| InputError::io(dir, e)))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if how.skip_hidden && name.starts_with('.') {
                continue;
            }
            // Follows symlinks; a dangling one is neither file nor directory.
            let Ok(meta) = std::fs::metadata(&entry) else {
                continue;
            };
            if !meta.is_dir() && !(how.keep)(name) {
                continue;
            }
            let within = entry
                .canonicalize()
                .is_ok_and(|real| real.starts_with(&self.bound));
            if !within {
                match how.outside {
                    Outside::Skip => continue,
                    Outside::Fail => {
                        return Err(match &self.tree {
                            Some(tree) => InputError::Outside {
                                path: entry,
                                tree: tree.clone(),
                            },
                            None => InputError::Escapes {
                                path: entry,
                                dir: self.top.clone(),
                            },
                        })
                    }
                }
            }
            if meta.is_dir() {
                self.walk(&entry, how, depth + 1)?;
            } else {
                self.out.push(entry);
            }
        }
        Ok(())
    }
}
