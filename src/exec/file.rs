//! Reading a file the user named (a fleet file, an env file): only a regular file is
//! read, so a FIFO nobody writes or a terminal never blocks a run before its first line.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The file's bytes, or the line that says why it is not read: the OS's words, or what
/// the path is instead of a regular file. It is opened without blocking (a FIFO's open
/// waits for a writer otherwise) and its type is read from the opened file, so what is
/// checked is what is read.
pub fn read_regular(path: &Path) -> Result<Vec<u8>, String> {
    let mut file: File =
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| e.to_string())?;
    let kind = file.metadata().map_err(|e| e.to_string())?.file_type();
    let what = if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("a directory")
    } else if kind.is_fifo() {
        Some("a FIFO")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        Some("not a file")
    };
    if let Some(what) = what {
        return Err(format!("it is {what}, not a regular file"));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, "x").unwrap();
        assert_eq!(read_regular(&p), Ok(b"x".to_vec()));
        assert_eq!(read_regular(dir.path()), Err("it is a directory, not a regular file".into()));
        assert_eq!(read_regular(Path::new("/dev/null")), Err("it is a character device, not a regular file".into()));
        assert_eq!(read_regular(&dir.path().join("none")), Err("No such file or directory (os error 2)".into()));
    }
}
