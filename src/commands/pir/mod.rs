//! `mim pir start|action add|action done|action drop|review|report`: the post incident
//! review (MSP-03g), one file per subcommand; the rules and the reports are in
//! [`crate::pir`]. This file is the group's table.

mod action;
mod report;
mod review;
mod start;

use crate::cli::{PirActionCommand, PirCommand};
use crate::context::Ctx;

pub fn run(ctx: &Ctx, cmd: &PirCommand) -> anyhow::Result<()> {
    match cmd {
        PirCommand::Start {
            id,
            reason,
            facilitator,
        } => start::run(ctx, id.as_deref(), *reason, facilitator.as_deref()),
        PirCommand::Action(PirActionCommand::Add(args)) => action::add(ctx, args),
        PirCommand::Action(PirActionCommand::Done { args, note }) => {
            let (id, action) = ctx.split_id("pir action done", args, "ACTION")?;
            action::done(ctx, id, action, note.as_deref())
        }
        PirCommand::Action(PirActionCommand::Drop { args, reason }) => {
            let (id, action) = ctx.split_id("pir action drop", args, "ACTION")?;
            action::drop(ctx, id, action, reason)
        }
        PirCommand::Review(args) => review::run(ctx, args),
        PirCommand::Report { id, format, client } => {
            report::run(ctx, id.as_deref(), *format, client.as_deref())
        }
    }
}
