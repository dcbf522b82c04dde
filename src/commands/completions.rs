//! `mim completions SHELL`: the shell's completion script, from the clap definitions.

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::Cli;

/// The shell's registration of dynamic completion: at each TAB the shell runs
/// `COMPLETE=<shell> mim -- <words>`, which completes incident IDs and mim.yaml values
/// (see `crate::complete`). The same script as `COMPLETE=<shell> mim` prints.
pub fn run(shell: clap_complete::Shell) -> anyhow::Result<()> {
    use clap_complete::Shell;
    use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
    let exe = std::env::current_exe().context("cannot find mim's own path")?;
    let completer = exe.to_string_lossy();
    let env: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Elvish => &Elvish,
        Shell::PowerShell => &Powershell,
        // A shell without dynamic completion gets the static script.
        _ => {
            clap_complete::generate(shell, &mut Cli::command(), "mim", &mut std::io::stdout());
            return Ok(());
        }
    };
    let mut out = std::io::stdout().lock();
    env.write_registration("COMPLETE", "mim", "mim", &completer, &mut out)?;
    Ok(())
}
