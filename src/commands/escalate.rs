//! `mim escalate`: functional escalations (04c.03–04c.08), hierarchic escalations
//! (management, at a level of `escalation.hierarchic`), and reprioritisation.

use anyhow::bail;

use crate::cli::EscalateArgs;
use crate::context::Ctx;
use crate::model::escalation::{self, kind_name, kind_title};
use crate::model::{Event, Incident};
use crate::state::State;
use crate::store::Change;
use crate::text;

/// Record the reprioritisation and the escalation the flags give, as one commit.
pub fn run(ctx: &Ctx, args: &EscalateArgs) -> anyhow::Result<()> {
    let to = args
        .to
        .as_deref()
        .map(|t| text::name("--to", t))
        .transpose()?;
    let reason = text::one_line_or_none(args.reason.as_deref());
    let reference = text::one_line_or_none(args.reference.as_deref());
    let reprioritising = args.impact.is_some() || args.urgency.is_some();
    check_flags(args, reprioritising, reason.as_deref())?;
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state(&incident);
    let mut events = Vec::new();
    let mut said = Vec::new();
    if reprioritising {
        let (event, what) = reprioritise(ctx, args, &incident, &state, &reason)?;
        events.push(event);
        said.push(what);
    }
    if let (Some(kind), Some(to)) = (args.kind, to) {
        escalation::check_open("escalate", &incident.id, state.status)?;
        let level = if kind.is_hierarchic() {
            hierarchic_level(ctx, args, &state)?
        } else {
            None
        };
        said.push(match &level {
            Some(l) => format!("{}: {to} ({l})", kind_title(kind)),
            None => format!("{}: {to}", kind_title(kind)),
        });
        events.push(Event::Escalate {
            kind,
            to,
            reason: reason.clone(),
            reference,
            level,
        });
    }
    let mut change = Change::new();
    let mut names = Vec::new();
    for event in events {
        names.push(event.name());
        let entry = ctx.entry(&incident, event)?;
        change.event(&incident.dir, &entry);
    }
    let summary = said.join("; ");
    ctx.record(&incident.id, &names.join(", "), &summary, &change)?;
    if !ctx.json {
        eprintln!("{}: {summary}", incident.id);
    }
    Ok(())
}

/// `--level` only for a hierarchic escalation, and `--reason` for a reprioritisation.
fn check_flags(
    args: &EscalateArgs,
    reprioritising: bool,
    reason: Option<&str>,
) -> anyhow::Result<()> {
    if let (Some(kind), Some(_)) = (args.kind, &args.level)
        && !kind.is_hierarchic()
    {
        bail!(
            "--level is for hierarchic escalations (--kind management); {} escalation has no level",
            crate::diag::article(kind_name(kind))
        );
    }
    if reprioritising && reason.is_none() {
        bail!(
            "say why the impact or urgency changes with --reason TEXT (it goes into the timeline)"
        );
    }
    Ok(())
}

/// The `reprioritise` event `--impact` and `--urgency` make, and what it says: the
/// priority's move and the impact and urgency that moved.
fn reprioritise(
    ctx: &Ctx,
    args: &EscalateArgs,
    incident: &Incident,
    state: &State,
    reason: &Option<String>,
) -> anyhow::Result<(Event, String)> {
    escalation::check_reprioritise(&incident.id, state.status)?;
    let (impact, urgency, priority) = escalation::reprioritise(
        &ctx.repo.config,
        (&state.impact, &state.urgency, &state.priority),
        args.impact.as_deref(),
        args.urgency.as_deref(),
    )?;
    let mut moved = Vec::new();
    if impact != state.impact {
        moved.push(format!("impact {} → {impact}", state.impact));
    }
    if urgency != state.urgency {
        moved.push(format!("urgency {} → {urgency}", state.urgency));
    }
    let said = format!("{} → {priority} ({})", state.priority, moved.join(", "));
    let event = Event::Reprioritise {
        impact,
        urgency,
        priority,
        reason: reason.clone(),
        from: Some(state.priority.clone()),
        client: None,
    };
    Ok((event, said))
}

/// A hierarchic escalation's level: `--level`, or the lowest of
/// `escalation.hierarchic` not yet notified (said so on standard error).
fn hierarchic_level(
    ctx: &Ctx,
    args: &EscalateArgs,
    state: &State,
) -> anyhow::Result<Option<String>> {
    let done = state.escalation_list();
    let chosen = escalation::choose_level(
        &ctx.repo.config.escalation.hierarchic,
        args.level.as_deref(),
        &done,
    )?;
    Ok(match chosen {
        Some((level, true)) => {
            eprintln!(
                "level {level}: the lowest level of `escalation.hierarchic` not yet notified (choose another with --level)"
            );
            Some(level)
        }
        Some((level, false)) => Some(level),
        None => None,
    })
}
