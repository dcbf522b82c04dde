//! The `mim` binary: parse the command line, run it, print the error once, exit.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// The command line as `command` reads it; on a usage error, clap's message and exit
/// code, less `--by <NAME>` in its usage line when `--by` was not typed: clap lists it
/// there because `MIM_USER` set it, which reads as if `--by` were required.
fn parse(command: &clap::Command) -> clap::ArgMatches {
    let err = match command.clone().try_get_matches() {
        Ok(matches) => return matches,
        Err(err) => err,
    };
    let typed_by =
        std::env::args_os().any(|a| a == "--by" || a.to_string_lossy().starts_with("--by="));
    if !err.use_stderr() || typed_by || std::env::var_os("MIM_USER").is_none() {
        err.exit();
    }
    let text = err.render().to_string();
    let text: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("Usage: ") {
                l.replace(" --by <NAME>", "")
            } else {
                l.to_string()
            }
        })
        .collect();
    eprintln!("{}", text.join("\n"));
    std::process::exit(err.exit_code());
}

fn main() -> ExitCode {
    restore_sigpipe();
    // `COMPLETE=bash mim …` (set by the scripts of `mim completions`): print the
    // completions of the command line and exit; otherwise do nothing.
    clap_complete::CompleteEnv::with_factory(mim::cli::Cli::command)
        .bin("mim")
        .complete();
    let command = mim::cli::Cli::command();
    let mut matches = parse(&command);
    // Free text is checked once, here at the edge, naming the flag it came in.
    if let Err(err) = mim::cli::check_text(&command, &matches) {
        return ExitCode::from(mim::report(&mim::Error::Usage(err).into()));
    }
    // Values from mim.yaml (clients, impact levels, closure codes, …) and times in its
    // zone are checked against the repository's: read it, then parse again.
    let dir = matches.get_one::<std::path::PathBuf>("dir");
    if mim::read_config(dir.map(|d| d.as_path())) {
        matches = parse(&command);
    }
    let cli = mim::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let env_now = match std::env::var("MIM_NOW") {
        Ok(now) => Some(now),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            let err = anyhow::anyhow!(
                "MIM_NOW is not UTF-8 text: set it to an RFC 3339 time such as 2026-11-24T10:00:00Z, or unset it"
            );
            return ExitCode::from(mim::report(&mim::Error::Usage(err).into()));
        }
    };
    match mim::run(cli, env_now.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(mim::report(&err)),
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
