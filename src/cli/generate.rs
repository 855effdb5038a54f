//! `lanctl completions SHELL` and `lanctl man [--dir DIR]`: shell completions and man
//! pages rendered from the clap definition itself, so they can never disagree with the
//! parser. Like `input`, this module sits at the top and knows `cli`.
//!
//! Completions are static (flags, subcommands, fixed values such as `--driver`): the
//! dynamic completion of network and tenant names needs clap_complete's unstable engine.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::exec::error::{Error, Result};
use crate::exec::out;

/// The completion script for `shell`, on stdout.
pub fn completions(shell: Shell) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "lanctl", &mut buf);
    out::print(&String::from_utf8_lossy(&buf));
    Ok(())
}

/// The top page on stdout, or every page (`lanctl.1`, `lanctl-up.1`, `lanctl-net-create.1`,
/// ...) written into `dir`.
pub fn man(dir: Option<&Path>) -> Result<()> {
    let Some(dir) = dir else {
        let mut buf = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut buf)
            .map_err(|e| Error::failed(format!("cannot render the man page: {e}")))?;
        out::print(&String::from_utf8_lossy(&buf));
        return Ok(());
    };
    clap_mangen::generate_to(Cli::command(), dir).map_err(|e| {
        Error::failed(format!("cannot write the man pages into {}: {e}; give a writable directory", dir.display()))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_gets_a_page() {
        let dir = tempfile::tempdir().unwrap();
        man(Some(dir.path())).unwrap();
        let mut pages: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        pages.sort();
        for want in ["lanctl.1", "lanctl-up.1", "lanctl-net.1", "lanctl-net-create.1", "lanctl-host-access.1", "lanctl-apply.1"] {
            assert!(pages.iter().any(|p| p == want), "{want} missing from {pages:?}");
        }
        let up = std::fs::read_to_string(dir.path().join("lanctl-up.1")).unwrap();
        assert!(up.contains("outside\\-range"), "the page documents the flags");
    }
}
