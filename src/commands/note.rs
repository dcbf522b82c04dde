//! `mim note`: free notes and time entries in the timeline.

use crate::cli::NoteArgs;
use crate::context::Ctx;
use crate::model::Event;
use crate::text;

pub fn run(ctx: &Ctx, args: &NoteArgs) -> anyhow::Result<()> {
    let (id, body) = ctx.split_id("note", &args.args, "TEXT")?;
    let body = text::multi_line(body);
    if body.is_empty() {
        anyhow::bail!("the note is empty: nothing recorded");
    }
    if args.time.is_some_and(|t| t.secs() <= 0) {
        anyhow::bail!("--time must be more than zero, like 15m or 1h30m");
    }
    let incident = ctx.load(id)?;
    let activity = text::one_line_or_none(args.activity.as_deref());
    let event = Event::Note {
        text: body.clone(),
        time: args.time,
        activity,
    };
    let entry = ctx.entry(&incident, event)?;
    let summary = match args.time {
        Some(t) => format!("{t} logged: {}", crate::text::clip(&body, 300)),
        None => format!("note: {}", crate::text::clip(&body, 300)),
    };
    ctx.record_event(&incident, &entry, &summary)
}
