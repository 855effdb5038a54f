use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match lanctl::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return lanctl::cli::usage_error(e),
    };
    let json = cli.json;
    match lanctl::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if json => {
            lanctl::exec::out::error_json(&e.to_json());
            ExitCode::from(e.exit as u8)
        }
        Err(e) => {
            lanctl::exec::out::note(e.to_string());
            ExitCode::from(e.exit as u8)
        }
    }
}
