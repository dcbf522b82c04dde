//! `mim escalate`: functional escalations (04c.03–04c.08), hierarchic escalations
//! (management, at a level of `escalation.hierarchic`), and reprioritisation.

use anyhow::bail;

use crate::cli::EscalateArgs;
use crate::context::Ctx;
use crate::model::Event;
use crate::model::escalation::{self, kind_name, kind_title};
use crate::store::Change;
use crate::text;

pub fn run(ctx: &Ctx, args: &EscalateArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let to = args
        .to
        .as_deref()
        .map(|t| text::name("--to", t))
        .transpose()?;
    let reason = clean(args.reason.as_deref());
    let reference = clean(args.reference.as_deref());
    let reprioritising = args.impact.is_some() || args.urgency.is_some();
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
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state(&incident);
    let mut events = Vec::new();
    let mut said = Vec::new();
    if reprioritising {
        escalation::check_reprioritise(&incident.id, state.status)?;
        let (impact, urgency, priority) = escalation::reprioritise(
            config,
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
        said.push(format!(
            "{} → {priority} ({})",
            state.priority,
            moved.join(", ")
        ));
        events.push(Event::Reprioritise {
            impact,
            urgency,
            priority,
            reason: reason.clone(),
            from: Some(state.priority.clone()),
            client: None,
        });
    }
    if let (Some(kind), Some(to)) = (args.kind, to) {
        escalation::check_open("escalate", &incident.id, state.status)?;
        let level = if kind.is_hierarchic() {
            let done = state.escalation_list();
            match escalation::choose_level(
                &config.escalation.hierarchic,
                args.level.as_deref(),
                &done,
            )? {
                Some((level, true)) => {
                    eprintln!(
                        "level {level}: the lowest level of `escalation.hierarchic` not yet notified (choose another with --level)"
                    );
                    Some(level)
                }
                Some((level, false)) => Some(level),
                None => None,
            }
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

fn clean(text: Option<&str>) -> Option<String> {
    text.map(text::one_line).filter(|t| !t.is_empty())
}
