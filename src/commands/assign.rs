//! `mim assign`: someone holds a role in the incident from now on (a name under
//! `roles` in mim.yaml: communications lead, technical lead, scribe, …).

use anyhow::bail;
use serde_json::json;

use crate::cli::AssignArgs;
use crate::config::INCIDENT_MANAGER;
use crate::context::Ctx;
use crate::lifecycle::Status;
use crate::model::Event;
use crate::text;

pub fn run(ctx: &Ctx, args: &AssignArgs) -> anyhow::Result<()> {
    let role = args.role.as_str();
    let to = text::required("--to", &args.to)?;
    let incident = ctx.load(args.id.as_deref())?;
    let id = &incident.id;
    // What the incident was at the assignment's time (it may be backfilled with --at).
    let then = ctx.state_now(&incident);
    match then.status {
        Status::Rejected | Status::Closed => {
            bail!(
                "{id} was {} by then: roles are for incidents being worked on",
                then.status
            )
        }
        Status::Proposed if role == INCIDENT_MANAGER => bail!(
            "{id} is not accepted yet: the incident manager accepts it (`mim accept {id} --manager {to}`)"
        ),
        _ => {}
    }
    if then.holder(role) == Some(to.as_str()) {
        bail!("{to} holds the {role} role of {id} already");
    }
    let entry = ctx.entry(
        &incident,
        Event::Assign {
            role: role.to_string(),
            to: to.clone(),
        },
    )?;
    ctx.record_event(&incident, &entry, &format!("{role}: {to}"))?;
    if ctx.json {
        return ctx.print_json(&json!({"incident": id, "entry": entry}));
    }
    eprintln!("{id}: {role} is {to}");
    Ok(())
}
