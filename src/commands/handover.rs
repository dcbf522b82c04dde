//! `mim handover`: the incident manager hands the incident over to the next one (a new
//! shift), with a note of the state of play, so the handoff is explicit and on record.

use anyhow::bail;
use serde_json::json;

use crate::cli::HandoverArgs;
use crate::context::Ctx;
use crate::lifecycle::Status;
use crate::model::Event;
use crate::text;

pub fn run(ctx: &Ctx, args: &HandoverArgs) -> anyhow::Result<()> {
    let to = text::required("--to", &args.to)?;
    let note = text::multi_line(&args.message);
    if note.trim().is_empty() {
        bail!("-m is empty: say where things stand for the next incident manager");
    }
    let incident = ctx.load(args.id.as_deref())?;
    let id = &incident.id;
    // What the incident was at the handover's time (it may be backfilled with --at).
    let then = ctx.state_now(&incident);
    match then.status {
        Status::Proposed => bail!(
            "{id} is not accepted yet, so there is no incident manager to hand over from: `mim accept {id} --manager {to}`"
        ),
        Status::Rejected | Status::Closed => {
            bail!(
                "{id} was {} by then: there is nothing to hand over",
                then.status
            )
        }
        _ => {}
    }
    if then.manager.as_deref() == Some(to.as_str()) {
        bail!("{to} is the incident manager of {id} already");
    }
    let entry = ctx.entry(
        &incident,
        Event::Handover {
            to: to.clone(),
            note,
        },
    )?;
    ctx.record_event(
        &incident,
        &entry,
        &format!("handed over to incident manager {to}"),
    )?;
    if ctx.json {
        return ctx.print_json(&json!({"incident": id, "entry": entry, "manager": to}));
    }
    // The previous manager's name comes from the timeline.
    let line = format!(
        "{id}: incident manager {} → {to}",
        then.manager.as_deref().unwrap_or("none")
    );
    eprintln!("{}", crate::text::for_terminal(&line));
    Ok(())
}
