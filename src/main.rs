//! The `mim` binary: parse the command line, run it, print the error once, exit.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = mim::cli::Cli::parse();
    let env_now = std::env::var("MIM_NOW").ok();
    match mim::commands::run(cli, env_now.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(mim::report_error(&err)),
    }
}
