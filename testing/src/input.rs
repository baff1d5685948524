//! Bounded reading of the files the commands are given: only regular files,
//! never more than a limit, so `/dev/zero`, a FIFO or a huge file is an
//! error instead of a hang or an allocation of gigabytes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::tree;

/// The default largest file `verno` reads (64 MiB); policies, resources and
/// test files are far smaller, so anything larger is a mistake or an attack.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Process-wide because every reader (policies, resources, values, test
/// files, expected resources) must honour the same `--max-input-bytes`, and
/// threading it through each loader would couple them all to the CLI flags.
static MAX_INPUT_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT_BYTES);

/// Set the largest file any reader accepts (`--max-input-bytes`).
pub fn set_max_input_bytes(limit: u64) {
    MAX_INPUT_BYTES.store(limit, Ordering::Relaxed);
}

/// The largest file any reader accepts.
pub fn max_input_bytes() -> u64 {
    MAX_INPUT_BYTES.load(Ordering::Relaxed)
}

/// Why an input file could not be read; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The operating system refused (missing file, permissions, ...).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A device, FIFO, socket or directory where a file was expected.
    #[error("{}: is {what}, not a regular file", path.display())]
    NotRegular { path: PathBuf, what: &'static str },
    /// Larger than [`max_input_bytes`].
    #[error(
        "{}: larger than the input limit of {limit} bytes (raise it with --max-input-bytes)",
        path.display()
    )]
    TooLarge { path: PathBuf, limit: u64 },
    /// Not UTF-8 text.
    #[error("{}: not UTF-8 text", path.display())]
    NotUtf8 { path: PathBuf },
    /// Named by a test file but outside the tree `verno test` was given.
    #[error(
        "{}: outside the test tree {} (verno test reads only files below the directory it was given; --allow-outside-paths lifts this)",
        path.display(),
        tree.display()
    )]
    Outside { path: PathBuf, tree: PathBuf },
    /// Not among the files of an in-memory suite.
    #[error("{}: no such file among the files given", path.display())]
    NotInMap { path: PathBuf },
    /// A path of an in-memory suite that climbs above its top with `..`.
    #[error("{}: climbs above the top of the files given", path.display())]
    AboveMap { path: PathBuf },
    /// Not YAML or JSON.
    #[error("{}: {error}", path.display())]
    Yaml {
        path: PathBuf,
        error: verno::error::LoadError,
    },
    /// A resource document that is not a Kubernetes object. `document` is
    /// 1-based among the file's non-empty documents; `item` is 1-based in a
    /// `kind: List`.
    #[error(
        "{}: document {document} (line {line}){}: {detail}",
        path.display(),
        item.map(|i| format!(", List item {i}")).unwrap_or_default()
    )]
    NotAnObject {
        path: PathBuf,
        document: usize,
        line: usize,
        item: Option<usize>,
        detail: String,
    },
    /// A symlink inside a directory being read that leads out of it.
    #[error("{}: leads outside {} (a symlink?); verno does not follow it", path.display(), dir.display())]
    Escapes { path: PathBuf, dir: PathBuf },
    /// A directory reached again through a chain of nested symlinks deeper
    /// than any real layout needs.
    #[error("{}: directories nested deeper than {limit} levels", path.display())]
    TooDeep { path: PathBuf, limit: usize },
}

impl InputError {
    /// The operating system's error reading `path`.
    pub fn io(path: &Path, source: std::io::Error) -> InputError {
        InputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Read all of `reader` as UTF-8, failing once it yields more than `limit`
/// bytes: for streams (stdin, pipes) whose size is unknown in advance.
pub fn read_stream(reader: impl Read, limit: u64) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than the input limit of {limit} bytes"),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// What a non-regular file is, for the error message.
fn describe(ft: &std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Read a regular file as UTF-8 text, at most [`max_input_bytes`] of it.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    read_bounded(path, None, max_input_bytes())
}

/// Read a regular file as UTF-8 text, at most `limit` bytes of it and, with
/// a `root`, only when it lies within that tree.
pub fn read_bounded(
    path: &Path,
    root: Option<&tree::Root>,
    limit: u64,
) -> Result<String, InputError> {
    if let Some(root) = root {
        root.check(path)?;
    }
    // Looked at before opening: opening a FIFO blocks until a writer appears.
    let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, e))?;
    if !meta.is_file() {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            what: describe(&meta.file_type()),
        });
    }
    let file = std::fs::File::open(path).map_err(|e| InputError::io(path, e))?;
    // Looked at again on the open handle, in case the path was swapped.
    let meta = file.metadata().map_err(|e| InputError::io(path, e))?;
    if !meta.is_file() {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            what: describe(&meta.file_type()),
        });
    }
    let too_large = || InputError::TooLarge {
        path: path.to_path_buf(),
        limit,
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    // The length can lie (procfs reports 0, a file can grow while read), so
    // the read itself is bounded too.
    let capacity = usize::try_from(meta.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| InputError::NotUtf8 {
        path: path.to_path_buf(),
    })
}
