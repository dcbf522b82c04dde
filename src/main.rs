//! The `mim` binary: parse the command line, run it, print the error once, exit.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    restore_sigpipe();
    // `COMPLETE=bash mim …` (set by the scripts of `mim completions`): print the
    // completions of the command line and exit; otherwise do nothing.
    clap_complete::CompleteEnv::with_factory(mim::cli::Cli::command)
        .bin("mim")
        .complete();
    let cli = mim::cli::Cli::parse();
    let env_now = std::env::var("MIM_NOW").ok();
    match mim::commands::run(cli, env_now.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(mim::error::report(&err)),
    }
}

/// Rust ignores SIGPIPE, so printing to a closed pipe (`mim show | head`) would panic;
/// with the default action the process ends quietly, as Unix filters do.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
