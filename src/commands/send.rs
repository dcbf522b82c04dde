//! `mim send`: hand an incident's unsent e-mails to `mail.sendmail`, at most once each
//! (the front door of [`crate::delivery`], which `update --send`, `resolve --send` and
//! `affect --send` use too).
//!
//! Order of operations: the messages are recorded (and committed) before anything is
//! sent. Then, for each one, `outbox/sent.log` gets a `sending` line, synced to disk,
//! before sendmail starts, and the outcome (sent, or `failed`) once it has answered; the
//! log is committed at the end (see [`delivery::deliver`]). A message whose send was interrupted
//! (mim killed while sendmail had it, sendmail killed) is *uncertain*: it may or may not
//! have gone out, so it is listed, never sent again by itself, and sent again only with
//! `--resend-uncertain`. A failure stops the run and leaves the rest unsent.
//! Sending happens now: `sent.log` and its commit carry the real time (`MIM_NOW` or
//! the clock), never `--at`.
//! Withdrawn messages (restoral notices a reopen made untrue) are never sent, and a
//! closed incident's messages only with `--force`.

use anyhow::bail;

use crate::cli::SendArgs;
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::context::Ctx;
use crate::delivery;
use crate::error::Error;
use crate::lifecycle::Status;
use crate::text::plural;

pub fn run(ctx: &Ctx, args: &SendArgs) -> anyhow::Result<()> {
    if ctx.backdated {
        return Err(Error::Usage(anyhow::anyhow!(
            "mim send sends now, so --at does not apply: sent.log records when each message \
             is really sent; date the update itself with `mim update --at`"
        ))
        .into());
    }
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state(&incident);
    let ledger = outbox::read_ledger(&incident.dir, &state)?;
    let uncertain: Vec<&outbox::Message> = ledger.iter().filter(|m| m.uncertain).collect();
    let unsent: Vec<String> = ledger
        .iter()
        .filter(|m| m.is_unsent() || (args.resend_uncertain && m.uncertain))
        .map(|m| m.file.clone())
        .collect();
    if args.dry_run {
        if ctx.json {
            return ctx.print_json(&serde_json::json!({
                "unsent": unsent,
                "uncertain": uncertain.iter().map(|m| &m.file).collect::<Vec<_>>(),
            }));
        }
        for name in &unsent {
            println!("{OUTBOX_DIR}/{}", crate::text::for_terminal(name));
        }
        eprintln!("{}: {} unsent", incident.id, unsent.len());
        if !args.resend_uncertain {
            delivery::list_uncertain(ctx, &incident.id, &uncertain);
        }
        return Ok(());
    }
    if unsent.is_empty() {
        eprintln!(
            "{}: nothing to send; every message in {OUTBOX_DIR}/ was sent or withdrawn{}",
            incident.id,
            if uncertain.is_empty() {
                ""
            } else {
                ", or is uncertain"
            }
        );
        delivery::list_uncertain(ctx, &incident.id, &uncertain);
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
    if !args.resend_uncertain {
        delivery::list_uncertain(ctx, &incident.id, &uncertain);
    }
    delivery::deliver(ctx, &incident, &unsent, args.resend_uncertain)
}
