//! The one error policy: every failure is printed once, here, and mapped to the exit
//! code contract — 0 ok, 1 findings or a refused command, 2 usage or configuration.
//! Commands return errors; none prints its own or picks its own exit code.
//!
//! Commands fail with `anyhow` errors, which carry the context of a failure (the file,
//! the flag). An error that is not a refused command is an [`Error`] somewhere in that
//! chain, and its [`Error::code`] is the exit status, matched exhaustively: a new kind of
//! failure is a new variant, and the compiler asks for its code.

use std::path::PathBuf;

use crate::diag::{Diagnostic, Diagnostics};

/// Every failure whose exit status is not the one of a refused command.
#[derive(Debug)]
pub enum Error {
    /// A mistake in how mim was called (a bad `--at`, `MIM_NOW`, a value out of range).
    Usage(anyhow::Error),
    /// `mim.yaml` cannot be read or is wrong; each problem at its line and column.
    Config(Diagnostics),
    /// No `mim.yaml` in the directory (the one after `-C`) or any parent.
    NotARepository(PathBuf),
    /// git's configuration of the repository is one mim must not commit under (see
    /// [`crate::git::check_index`]): the problem and the commands that fix it.
    GitSettings(String),
    /// Problems in an incident's files; each at its file, line and column.
    Invalid(Diagnostics),
    /// Some incidents could not be read, so output that lists incidents is incomplete:
    /// every problem is printed, then `what`.
    Incomplete {
        problems: Vec<Diagnostic>,
        what: &'static str,
    },
    /// The run printed its findings already (`check`, `validate`, `audit`, …): it fails
    /// without another word.
    Findings,
}

impl Error {
    /// The exit status.
    pub fn code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::Config(_)
            | Error::NotARepository(_)
            | Error::GitSettings(_) => 2,
            Error::Invalid(_) | Error::Incomplete { .. } | Error::Findings => 1,
        }
    }

    /// A usage error with `message`.
    pub fn usage(message: impl std::fmt::Display) -> Error {
        Error::Usage(anyhow::anyhow!("{message}"))
    }

    /// After output that lists incidents: fine when every incident was read, else
    /// [`Error::Incomplete`] with the `problems`, saying `what` was left out.
    pub fn check_complete(problems: Vec<Diagnostic>, what: &'static str) -> anyhow::Result<()> {
        if problems.is_empty() {
            return Ok(());
        }
        Err(Error::Incomplete { problems, what }.into())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(err) => write!(f, "{err:#}"),
            Error::Config(diags) | Error::Invalid(diags) => diags.fmt(f),
            Error::NotARepository(dir) => write!(
                f,
                "not in a mim repository: no {} in {} or any parent directory\n\
                 hint: start one with `mim init`, or point at one with `mim -C DIR`",
                crate::config::FILE_NAME,
                dir.display()
            ),
            Error::GitSettings(message) => f.write_str(message),
            Error::Incomplete { what, .. } => f.write_str(what),
            Error::Findings => f.write_str("findings"),
        }
    }
}

impl std::error::Error for Error {}

/// Print an error once, as `error: …` (every diagnostic on its own line), and return
/// the exit status: the [`Error::code`] of the [`Error`] in its chain, else 1 (a
/// refused command, or an operation that failed).
pub fn report(err: &anyhow::Error) -> u8 {
    let found = err.downcast_ref::<Error>();
    let each = |problems: &[Diagnostic]| {
        for d in problems {
            eprintln!("error: {}", crate::text::for_terminal(&d.to_string()));
        }
    };
    match found {
        Some(Error::Findings) => {}
        Some(Error::Config(diags) | Error::Invalid(diags)) => each(&diags.0),
        Some(Error::Incomplete { problems, what }) => {
            each(problems);
            eprintln!("error: {what}");
        }
        Some(Error::Usage(_) | Error::NotARepository(_) | Error::GitSettings(_)) | None => {
            eprintln!("error: {}", crate::text::for_terminal(&format!("{err:#}")));
        }
    }
    found.map_or(1, Error::code)
}

#[cfg(test)]
mod tests {
    use anyhow::Context as _;

    use super::*;

    #[test]
    fn the_code_is_the_errors_in_the_chain_else_one() {
        let usage: anyhow::Error = Error::usage("--watch needs an interval").into();
        let usage = Err::<(), _>(usage).context("in sync").unwrap_err();
        assert_eq!(report(&usage), 2);
        let missing = Error::NotARepository(PathBuf::from("/nowhere")).into();
        assert_eq!(report(&missing), 2);
        assert_eq!(report(&Error::GitSettings("split".into()).into()), 2);
        assert_eq!(report(&Error::Config(Diagnostics(Vec::new())).into()), 2);
        assert_eq!(report(&Error::Invalid(Diagnostics(Vec::new())).into()), 1);
        assert_eq!(report(&Error::Findings.into()), 1);
        assert_eq!(report(&anyhow::anyhow!("cannot resolve: it is closed")), 1);
    }
}
