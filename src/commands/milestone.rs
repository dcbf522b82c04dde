//! `mim milestone`: when the cause was identified, the impact mitigated, or the
//! permanent fix went in; one of each kind, corrected only with a reason.

use anyhow::bail;
use serde_json::json;

use crate::cli::MilestoneArgs;
use crate::context::Ctx;
use crate::lifecycle::Status;
use crate::model::{Event, MilestoneKind};
use crate::text;
use crate::time;

pub fn run(ctx: &Ctx, args: &MilestoneArgs) -> anyhow::Result<()> {
    let kind = args.kind;
    let clean = |s: &Option<String>| text::one_line_or_none(s.as_deref());
    let incident = ctx.load(args.id.as_deref())?;
    let event = Event::Milestone {
        kind,
        text: clean(&args.message),
        problem: clean(&args.problem),
        reason: clean(&args.reason),
    };
    let entry = ctx.entry(&incident, event)?;
    let id = &incident.id;
    match (ctx.state(&incident).milestone(kind), &args.reason) {
        (Some(m), None) => bail!(
            "{id} has its {kind} milestone already, at {} by {}: to correct it, give --reason",
            time::format(&m.at),
            m.by
        ),
        (None, Some(_)) => bail!(
            "--reason is for correcting a {kind} milestone recorded before, and {id} has none"
        ),
        _ => {}
    }
    // What the incident was at the milestone's time (it may be backfilled with --at).
    let then = ctx.state_now(&incident).status;
    match (then, kind) {
        (Status::Rejected, _) => bail!("{id} was rejected by then: it has no milestones"),
        (Status::Closed, MilestoneKind::Identified | MilestoneKind::Mitigated) => {
            bail!(
                "{id} was closed by then: only the permanent fix (--kind fixed) comes after the close"
            )
        }
        (Status::Resolved, MilestoneKind::Mitigated) => bail!(
            "{id} was resolved by then: `mitigated` is the partial recovery before the restoration; date it earlier with --at"
        ),
        _ => {}
    }
    ctx.record_event(&incident, &entry, kind.phrase())?;
    if ctx.json {
        return ctx.print_json(&json!({"incident": id, "entry": entry}));
    }
    eprintln!(
        "{id}: {} at {}",
        kind.phrase(),
        time::display(&entry.at, ctx.repo.config.tz())
    );
    Ok(())
}
