//! Shell completions and the man pages, both from the clap definitions.

use clap::CommandFactory;

use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    clap_complete::generate(shell, &mut Cli::command(), "mim", &mut std::io::stdout());
    Ok(())
}

/// mim's page, then one page per subcommand (with its options), in one roff stream.
pub fn man() -> anyhow::Result<()> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    render(&cmd, &mut std::io::stdout().lock())
}

fn render(cmd: &clap::Command, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render(sub, out)?;
    }
    Ok(())
}
