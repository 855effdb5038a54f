//! Commands as data and the one place they run: a `Cmd` (program, argv, secret
//! environment, deadline) typed as a read (`Query`) or a change (`Change`), its bash
//! rendering (`quote`), the host it is for (`transport`: local, or wrapped in ssh), the
//! `Runner` that prints under `--dry-run` and otherwise runs, `Plan`s of dependent steps,
//! the one stdout writer (`out`), aligned tables, and the `Error` every layer returns.
//!
//! Architecture invariant: this layer knows no docker, no `ip`, no LAN and no command of
//! lanctl's; it runs whatever `Cmd` it is handed, and it is the only layer that starts
//! processes.

pub mod at_once;
pub mod clock;
pub mod cmd;
pub mod error;
pub mod file;
pub mod interrupt;
pub mod json;
pub mod out;
pub mod plan;
pub mod quote;
pub mod runner;
pub mod table;
pub mod transport;
