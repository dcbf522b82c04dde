//! `mim send`: hand an incident's unsent e-mails to `mail.sendmail`, once each.
//!
//! Order of operations: the messages are recorded (and committed) before anything is
//! sent; each one that sendmail accepts is written to `outbox/sent.log` at once, and the
//! log is committed at the end. A failure stops the run and leaves the rest unsent.
//! Sending happens now: `sent.log` and its commit carry the real time (`MIM_NOW` or
//! the clock), never `--at`. See [`Ctx::deliver`].
//! Withdrawn messages (restoral notices a reopen made untrue) are never sent, and a
//! closed incident's messages only with `--force`.

use anyhow::bail;

use crate::cli::SendArgs;
use crate::commands::Ctx;
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::error::UsageError;
use crate::lifecycle::Status;
use crate::text::plural;

pub fn run(ctx: &Ctx, args: &SendArgs) -> anyhow::Result<()> {
    if ctx.backdated {
        return Err(UsageError(anyhow::anyhow!(
            "mim send sends now, so --at does not apply: sent.log records when each message \
             is really sent; date the update itself with `mim update --at`"
        ))
        .into());
    }
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state(&incident);
    let ledger = outbox::read_ledger(&incident.dir, &state)?;
    let unsent: Vec<String> = ledger
        .iter()
        .filter(|m| m.is_unsent())
        .map(|m| m.file.clone())
        .collect();
    if args.dry_run {
        if ctx.json {
            return ctx.print_json(&serde_json::json!({ "unsent": unsent }));
        }
        for name in &unsent {
            println!("{OUTBOX_DIR}/{}", crate::text::for_terminal(name));
        }
        eprintln!("{}: {} unsent", incident.id, unsent.len());
        return Ok(());
    }
    if unsent.is_empty() {
        eprintln!(
            "{}: nothing to send; every message in {OUTBOX_DIR}/ was sent or withdrawn",
            incident.id
        );
        return Ok(());
    }
    if state.status == Status::Closed && !args.force {
        bail!(
            "{} is closed: its {} in {OUTBOX_DIR}/ may no longer be true; read them, then send them \
             anyway with `mim send {} --force`",
            incident.id,
            plural(unsent.len(), "unsent message"),
            incident.id
        );
    }
    ctx.deliver(&incident, &unsent)
}
