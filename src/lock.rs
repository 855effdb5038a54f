//! The host-wide advisory lock held while lanctl chooses addresses and starts the
//! containers that take them, so two lanctl processes never pick the same address.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Held until dropped; the kernel releases it if the process dies.
pub struct Lock {
    _file: File,
}

/// `$LANCTL_LOCK_DIR`, else /run/lock (tmpfs, cleared at boot), else the temp dir.
fn dir() -> PathBuf {
    if let Some(d) = std::env::var_os("LANCTL_LOCK_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let run = PathBuf::from("/run/lock");
    if run.is_dir() {
        run
    } else {
        std::env::temp_dir()
    }
}

impl Lock {
    pub fn acquire() -> Result<Lock> {
        let path = dir().join("lanctl.lock");
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| {
            Error::failed(format!("cannot open the lock file {}: {e}", path.display()))
                .hint("run as root, or set LANCTL_LOCK_DIR to a writable directory")
        })?;
        file.lock().map_err(|e| Error::failed(format!("cannot lock {}: {e}", path.display())).hint("retry"))?;
        Ok(Lock { _file: file })
    }
}
