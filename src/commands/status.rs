//! The status changes that need nothing but a reason: accept, reject, hold, resume, and
//! reopen, which also withdraws the restoral notices nobody sent.

use crate::comms::outbox::{self, OUTBOX_DIR, SENT_LOG};
use crate::context::Ctx;
use crate::lifecycle::{self, Transition};
use crate::links;
use crate::model::{Event, Incident, Relation};
use crate::store::Change;
use crate::text::{self, plural};

pub fn accept(ctx: &Ctx, id: Option<&str>, manager: Option<&str>) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    let manager = match manager {
        Some(m) => text::name("--manager", m)?,
        None => ctx.actor()?,
    };
    change(
        ctx,
        incident,
        Transition::Accept,
        |from| Event::Accept {
            from,
            manager: manager.clone(),
        },
        &format!("accepted as a major incident, managed by {manager}"),
    )
}

pub fn reject(
    ctx: &Ctx,
    id: Option<&str>,
    reason: Option<&str>,
    duplicate_of: Option<&str>,
) -> anyhow::Result<()> {
    let reason = match reason {
        Some(r) => text::required("--reason", r)?,
        None => String::new(),
    };
    let incident = ctx.load(id)?;
    let Some(other) = duplicate_of else {
        return change(
            ctx,
            incident,
            Transition::Reject,
            |from| Event::Reject {
                from,
                reason: reason.clone(),
                duplicate_of: None,
            },
            &format!("rejected: {reason}"),
        );
    };
    let other = ctx.load(Some(other))?;
    let state = ctx.state(&incident);
    lifecycle::check(Transition::Reject, &incident.id, state.status)?;
    let no_parents = |_: &str| None;
    links::check(
        &incident.id,
        &state,
        &other.id,
        &ctx.state(&other),
        Relation::DuplicateOf,
        false,
        &no_parents,
    )?;
    let entry = ctx.entry(
        &incident,
        Event::Reject {
            from: state.status,
            reason: reason.clone(),
            duplicate_of: Some(other.id.clone()),
        },
    )?;
    let back = ctx.entry(
        &other,
        links::reverse(Relation::DuplicateOf, &incident.id, false),
    )?;
    let mut recorded = Change::new();
    recorded
        .event(&incident.dir, &entry)
        .event(&other.dir, &back);
    ctx.record_incidents(
        &[&incident.id, &other.id],
        entry.event.name(),
        &format!("rejected as a duplicate of {}", other.id),
        &recorded,
        ctx.now,
    )?;
    if !ctx.json {
        eprintln!(
            "{}: {} → rejected, a duplicate of {}",
            incident.id, state.status, other.id
        );
    }
    Ok(())
}

pub fn hold(ctx: &Ctx, id: Option<&str>, reason: &str) -> anyhow::Result<()> {
    let reason = text::required("--reason", reason)?;
    let incident = ctx.load(id)?;
    change(
        ctx,
        incident,
        Transition::Hold,
        |from| Event::Hold {
            from,
            reason: reason.clone(),
        },
        &format!("on hold: {reason}"),
    )
}

pub fn resume(ctx: &Ctx, id: Option<&str>) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    change(
        ctx,
        incident,
        Transition::Resume,
        |from| Event::Resume { from },
        "resumed",
    )
}

/// Reopen, and withdraw the restoral notices nobody sent: service is not restored, so
/// they must never go out (they stay in `outbox/` as the record, marked in `sent.log`).
pub fn reopen(ctx: &Ctx, id: Option<&str>, reason: &str) -> anyhow::Result<()> {
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

/// Check the transition is legal now, then record it.
fn change(
    ctx: &Ctx,
    incident: Incident,
    transition: Transition,
    event: impl Fn(lifecycle::Status) -> Event,
    summary: &str,
) -> anyhow::Result<()> {
    let state = ctx.state(&incident);
    lifecycle::check(transition, &incident.id, state.status)?;
    let entry = ctx.entry(&incident, event(state.status))?;
    ctx.record_event(&incident, &entry, summary)?;
    if ctx.json {
        // The new state, as `mim show --json` derives it.
        let after = ctx.state(&incident.with_entry(&entry));
        ctx.print_json(&serde_json::json!({
            "id": incident.id,
            "from": state.status,
            "status": after.status,
            "priority": after.priority,
            "manager": after.manager,
            "at": crate::time::format(&entry.at),
            "by": entry.by,
        }))?;
    } else {
        eprintln!("{}: {} → {}", incident.id, state.status, transition.to());
    }
    Ok(())
}
