//! The one path of a command: parsed arguments → the context (the repository, "now"
//! read once, who acts) → under the repository lock for a command that changes
//! something, synced with the team's remote → the command (see [`crate::commands`]) →
//! its commit shared, or the command run again on newer history.

use crate::cli::Cli;
use crate::commands;
use crate::context::Ctx;
use crate::txn;

/// Run one parsed command line; `env_now` is `MIM_NOW`.
pub fn run(cli: Cli, env_now: Option<&str>) -> anyhow::Result<()> {
    if let Some(done) = commands::without_repository(&cli.global, env_now, &cli.command) {
        return done;
    }
    let mut ctx = Ctx::new(&cli.global, env_now)?;
    let prepared = commands::prepare(&ctx, &cli.command)?;
    if !commands::mutates(&cli.command) {
        txn::warn_if_interrupted(&ctx.repo.root);
        return commands::dispatch(&ctx, &cli.command, prepared);
    }
    ctx.lock()?;
    ctx.sync_in()?;
    loop {
        let result = commands::dispatch(&ctx, &cli.command, prepared.clone());
        match ctx.sync_out(result) {
            crate::sync::Next::Done(result) => return result,
            // Someone else's commit reached the remote first and this one cannot stand
            // on it: the command runs again on the newer history.
            crate::sync::Next::Again => ctx.sync_in()?,
        }
    }
}
