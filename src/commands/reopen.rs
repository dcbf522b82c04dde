//! `mim reopen`: a resolved incident is not restored after all; the restoral notices
//! nobody sent are withdrawn.

use crate::comms::outbox::{self, OUTBOX_DIR, SENT_LOG};
use crate::context::Ctx;
use crate::lifecycle::{self, Transition};
use crate::model::Event;
use crate::store::Change;
use crate::text::{self, plural};

/// Reopen, and withdraw the restoral notices nobody sent: service is not restored, so
/// they must never go out (they stay in `outbox/` as the record, marked in `sent.log`).
pub fn run(ctx: &Ctx, id: Option<&str>, reason: &str) -> anyhow::Result<()> {
    let reason = text::required("--reason", reason)?;
    let incident = ctx.load(id)?;
    let state = ctx.state(&incident);
    lifecycle::check(Transition::Reopen, &incident.id, state.status)?;
    let entry = ctx.entry(
        &incident,
        Event::Reopen {
            from: state.status,
            reason: reason.clone(),
        },
    )?;
    let reopened = incident.with_entry(&entry);
    let ledger = outbox::read_ledger(&incident.dir, &ctx.state(&reopened))?;
    let log = outbox::read_log(&incident.dir)?;
    let marked = outbox::withdrawn(&log);
    let by = ctx.actor()?;
    let lines: Vec<String> = ledger
        .iter()
        .filter(|m| m.withdrawn && !marked.contains(&m.file))
        .map(|m| outbox::withdrawn_line(&m.file, &entry.at, &by))
        .collect();
    let mut change = Change::new();
    change.event(&incident.dir, &entry);
    let mut summary = format!("reopened: {reason}");
    if !lines.is_empty() {
        change.put(
            incident.dir.join(OUTBOX_DIR).join(SENT_LOG),
            outbox::append(&log, &lines),
        );
        summary.push_str(&format!(
            "; {} withdrawn",
            plural(lines.len(), "unsent restoral notice")
        ));
    }
    ctx.record(&incident.id, entry.event.name(), &summary, &change)?;
    if !ctx.json {
        for line in &lines {
            let file = line.split_whitespace().next().unwrap_or_default();
            eprintln!(
                "withdrawn {OUTBOX_DIR}/{}: never to be sent",
                crate::text::for_terminal(file)
            );
        }
        eprintln!(
            "{}: {} → {}",
            incident.id,
            state.status,
            Transition::Reopen.to()
        );
    }
    Ok(())
}
