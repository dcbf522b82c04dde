//! `mim resume`: an incident on hold is worked on again.

use crate::context::Ctx;
use crate::lifecycle::Transition;
use crate::model::Event;

pub fn run(ctx: &Ctx, id: Option<&str>) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    ctx.transition(
        incident,
        Transition::Resume,
        |from| Event::Resume { from },
        "resumed",
    )
}
