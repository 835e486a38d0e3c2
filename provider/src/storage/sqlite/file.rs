//! The database file itself: created private to its owner, and watched for being deleted or
//! replaced while the provider runs.
//!
//! SQLite keeps writing to a file that was deleted (its open descriptors still work), so
//! without a check every later write would be acknowledged and then lost, and a restart would
//! make a fresh database, with a new pairwise salt and so new pairwise subjects.

use super::super::StorageError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The database file, by path and by the identity it had when opened.
pub(super) struct DatabaseFile {
    path: PathBuf,
    identity: Option<(u64, u64)>,
    reported: AtomicBool,
}

impl DatabaseFile {
    /// Creates the file if it does not exist, readable and writable by its owner alone (it
    /// holds token hashes, sessions and the pairwise salt; SQLite gives its `-wal` and `-shm`
    /// files the same mode). A new database is worth a warning: pointed at the wrong path, or
    /// after its folder was deleted, the provider starts afresh.
    pub(super) fn create_or_open(path: &Path) -> Result<Self, StorageError> {
        match crate::security::create_private_file(path) {
            Ok(_) => tracing::warn!(path = %path.display(), "created a new, empty database"),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StorageError(format!("{}: {e}", path.display()))),
        }
        Ok(Self { path: path.to_path_buf(), identity: identity(path), reported: AtomicBool::new(false) })
    }

    /// Where the file is.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the path still names the file that was opened: not deleted (with its folder or
    /// alone), nor replaced. Reported at ERROR the first time it is not.
    pub(super) fn check(&self) -> Result<(), StorageError> {
        if identity(&self.path) == self.identity {
            return Ok(());
        }
        if !self.reported.swap(true, Ordering::Relaxed) {
            tracing::error!(
                path = %self.path.display(),
                "the database file was deleted or replaced while running: writes are refused until it is restored and the provider restarted"
            );
        }
        Err(StorageError("the database file was deleted or replaced".into()))
    }
}

/// The file's device and inode, where the platform has them; `None` if it is gone.
fn identity(path: &Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        Some((0, metadata.len()))
    }
}
