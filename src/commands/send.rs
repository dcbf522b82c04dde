//! `mim send`: hand an incident's unsent e-mails to `mail.sendmail`, once each.
//!
//! Order of operations: the messages are recorded (and committed) before anything is
//! sent; each one that sendmail accepts is written to `outbox/sent.log` at once, and the
//! log is committed at the end. A failure stops the run and leaves the rest unsent.
//! Sending happens now: `sent.log` and its commit carry the real time (`MIM_NOW` or
//! the clock), never `--at`. See [`Ctx::deliver`].

use crate::cli::SendArgs;
use crate::commands::Ctx;
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::error::UsageError;

pub fn run(ctx: &Ctx, args: &SendArgs) -> anyhow::Result<()> {
    if ctx.backdated {
        return Err(UsageError(anyhow::anyhow!(
            "mim send sends now, so --at does not apply: sent.log records when each message \
             is really sent; date the update itself with `mim update --at`"
        ))
        .into());
    }
    let incident = ctx.load(args.id.as_deref())?;
    let all = outbox::messages(&incident.dir)?;
    let log = outbox::read_log(&incident.dir)?;
    let sent = outbox::sent(&log);
    let unsent: Vec<String> = all.into_iter().filter(|m| !sent.contains(m)).collect();
    if args.dry_run {
        if ctx.json {
            return ctx.print_json(&serde_json::json!({ "unsent": unsent }));
        }
        for name in &unsent {
            println!("{OUTBOX_DIR}/{name}");
        }
        eprintln!("{}: {} unsent", incident.id, unsent.len());
        return Ok(());
    }
    if unsent.is_empty() {
        eprintln!(
            "{}: nothing to send; every message in {OUTBOX_DIR}/ was sent",
            incident.id
        );
        return Ok(());
    }
    ctx.deliver(&incident, &unsent)
}
