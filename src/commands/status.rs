//! The status changes that need nothing but a reason: accept, reject, hold, resume, reopen.

use crate::commands::Ctx;
use crate::lifecycle::{self, Transition};
use crate::model::{Event, Incident};
use crate::text;

pub fn accept(ctx: &Ctx, id: Option<&str>, manager: Option<&str>) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    let manager = match manager {
        Some(m) => text::required("--manager", m)?,
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

pub fn reject(ctx: &Ctx, id: Option<&str>, reason: &str) -> anyhow::Result<()> {
    let reason = text::required("--reason", reason)?;
    let incident = ctx.load(id)?;
    change(
        ctx,
        incident,
        Transition::Reject,
        |from| Event::Reject {
            from,
            reason: reason.clone(),
        },
        &format!("rejected: {reason}"),
    )
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

pub fn reopen(ctx: &Ctx, id: Option<&str>, reason: &str) -> anyhow::Result<()> {
    let reason = text::required("--reason", reason)?;
    let incident = ctx.load(id)?;
    change(
        ctx,
        incident,
        Transition::Reopen,
        |from| Event::Reopen {
            from,
            reason: reason.clone(),
        },
        &format!("reopened: {reason}"),
    )
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
