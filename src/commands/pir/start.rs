//! `mim pir start`: the post incident review of a resolved incident begins: its
//! `pir.md` skeleton (kept when one exists) and the report rendered from it.

use anyhow::bail;

use crate::context::Ctx;
use crate::lifecycle::Status;
use crate::model::pir::PirReason;
use crate::model::{Event, Incident};
use crate::pir::report::{self, Format};
use crate::pir::{self, document};
use crate::state::State;
use crate::store::Change;
use crate::text;
use crate::time;

pub fn run(
    ctx: &Ctx,
    id: Option<&str>,
    reason: PirReason,
    facilitator: Option<&str>,
) -> anyhow::Result<()> {
    let facilitator = match facilitator {
        Some(f) => text::name("--facilitator", f)?,
        None => ctx.actor()?,
    };
    let incident = ctx.load(id)?;
    let state = ctx.state(&incident);
    refuse_start(ctx, &incident, &state)?;
    let entry = ctx.entry(
        &incident,
        Event::PirStart {
            reason,
            facilitator: facilitator.clone(),
        },
    )?;
    let after = incident.with_entry(&entry);
    let pir_path = incident.dir.join(document::FILE);
    let existing = pir::read_optional(&incident, &pir_path)?;
    let pir_md = match &existing {
        Some(text) => text.clone(),
        None => document::skeleton(&incident.id, &incident.record.title, pir::problem(&state)),
    };
    let mut change = Change::new();
    change.event(&incident.dir, &entry);
    if existing.is_none() {
        change.put(&pir_path, pir_md.clone());
    }
    let rendered = report::for_repo(&ctx.repo, &after, &ctx.state(&after), &pir_md, Format::Md)?;
    change.put(incident.dir.join(Format::Md.file_name()), rendered);
    ctx.record(
        &incident.id,
        entry.event.name(),
        &format!("post incident review started ({reason})"),
        &change,
    )?;
    if !ctx.json {
        let rel = ctx.repo.relative(&incident.dir);
        eprintln!(
            "{}: post incident review started; write its sections in {}, track recommendations with `mim pir action add`",
            incident.id,
            rel.join(document::FILE).display()
        );
        if existing.is_some() {
            eprintln!("note: {} existed and was kept as it is", document::FILE);
        }
    }
    Ok(())
}

/// A PIR starts once, on a resolved incident, not before its resolution.
fn refuse_start(ctx: &Ctx, incident: &Incident, state: &State) -> anyhow::Result<()> {
    if state.status != Status::Resolved {
        let hint = match state.status {
            Status::Closed => "closed is final".to_string(),
            Status::Rejected => "a rejected proposal has no review".to_string(),
            _ => "restore service first and record it with `mim resolve`".to_string(),
        };
        bail!(
            "cannot start the post incident review of {}: it is {} (a PIR starts once the incident is resolved); {hint}",
            incident.id,
            state.status
        );
    }
    if let Some(p) = &state.pir {
        bail!(
            "the post incident review of {} was started already, at {} by {}; see its pir.md and `mim pir report`",
            incident.id,
            time::format(&p.started_at),
            p.started_by
        );
    }
    if let Some(resolved) = state.resolved_at
        && ctx.now < resolved
    {
        bail!(
            "pir start cannot happen at {}: {} was resolved later, at {}",
            time::format(&ctx.now),
            incident.id,
            time::format(&resolved)
        );
    }
    Ok(())
}
