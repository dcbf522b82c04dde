//! `mim accept`: a proposed major incident is accepted, with its incident manager.

use crate::context::Ctx;
use crate::lifecycle::Transition;
use crate::model::Event;
use crate::text;

pub fn run(ctx: &Ctx, id: Option<&str>, manager: Option<&str>) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    let manager = match manager {
        Some(m) => text::name("--manager", m)?,
        None => ctx.actor()?,
    };
    ctx.transition(
        incident,
        Transition::Accept,
        |from| Event::Accept {
            from,
            manager: manager.clone(),
        },
        &format!("accepted as major, managed by {manager}"),
    )
}
