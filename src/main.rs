use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = lanctl::cli::Cli::parse();
    match lanctl::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lanctl: {e}");
            ExitCode::from(e.exit as u8)
        }
    }
}
