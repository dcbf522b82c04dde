//! `mim hold`: the incident waits on the client or a third party; the SLA clock pauses.

use crate::context::Ctx;
use crate::lifecycle::Transition;
use crate::model::Event;
use crate::text;

pub fn run(ctx: &Ctx, id: Option<&str>, reason: &str) -> anyhow::Result<()> {
    let reason = text::required("--reason", reason)?;
    let incident = ctx.load(id)?;
    ctx.transition(
        incident,
        Transition::Hold,
        |from| Event::Hold {
            from,
            reason: reason.clone(),
        },
        &format!("on hold: {reason}"),
    )
}
