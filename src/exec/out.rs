//! The one writer of stdout. Data and plans go through here, so a closed pipe
//! (`lanctl ls | head -1`, `lanctl --dry-run doctor | true`) ends lanctl quietly with exit
//! 0, as ripgrep does, instead of a panic: the reader has all it wanted.

use std::io::{ErrorKind, Write};

/// Writes `text` to stdout as is.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // Stdout is gone for another reason (a full disk behind a redirect): say so once.
        let _ = writeln!(std::io::stderr(), "lanctl: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// Writes `text` and a newline.
pub fn line(text: impl AsRef<str>) {
    print(&format!("{}\n", text.as_ref()));
}

/// Writes data as pretty JSON.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) {
    line(serde_json::to_string_pretty(value).expect("lanctl's own types serialize"));
}

/// A message for the user on stderr; a closed stderr is not worth failing for.
pub fn note(text: impl AsRef<str>) {
    let _ = writeln!(std::io::stderr(), "lanctl: {}", text.as_ref());
}

/// An error as one JSON line on stderr (`--json`), so a script reads it whole.
pub fn error_json(value: &serde_json::Value) {
    let _ = writeln!(std::io::stderr(), "{value}");
}

/// A `--verbose` line on stderr, `+ ` first as the runner echoes each command it runs: for
/// what lanctl does itself (the DHCP check's packets).
pub fn trace(text: impl AsRef<str>) {
    let _ = writeln!(std::io::stderr(), "+ {}", text.as_ref());
}
