//! `mim reject`: a proposal is not a major incident, or it is a duplicate of another
//! (then both record the link).

use crate::context::Ctx;
use crate::lifecycle::{self, Transition};
use crate::links;
use crate::model::{Event, Relation};
use crate::store::Change;
use crate::text;

pub fn run(
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
        return ctx.transition(
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
