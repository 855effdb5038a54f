use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Read as OsStrings: `std::env::args` panics on an argument that is not UTF-8.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match lanctl::cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return lanctl::cli::usage_error(e, &args),
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
