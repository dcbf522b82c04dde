//! `mim show`: the record, the derived state and the whole timeline of one incident (its
//! text is [`crate::term::incident`]).

use crate::context::Ctx;
use crate::sla::figures::{self, RestoreFigure};
use crate::sla::{Rule, durations};
use crate::term;
use crate::time;

pub fn run(ctx: &Ctx, id: Option<&str>) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    let plan = incident.plan.clone();
    let state = ctx.state_now(&incident);
    if !state.exists() {
        anyhow::bail!(
            "{} was reported at {}, after now ({}): it did not exist yet",
            incident.id,
            time::format(&incident.record.reported),
            time::format(&ctx.now)
        );
    }
    let config = &ctx.repo.config;
    let evaluation = crate::sla::evaluate_state(config, &incident, &state);
    // The incident's own restore clock: with several clients, not any one client's.
    let own = crate::sla::engine::incident_clocks(config, &incident, &state);
    let restore = own.clock(Rule::Restore);
    let durations = durations::with_restore(&state, restore);
    let clients = figures::clients(&state, &evaluation);
    let clocks = evaluation.clocks;
    let regulatory = crate::regulation::statuses(config, &state);
    if ctx.json {
        let mut view = term::incident::show_json_view(&incident, &state);
        term::incident::show_json(config, &state, plan.as_ref(), &mut view);
        view["clocks"] = serde_json::to_value(&clocks)?;
        view["durations"] = serde_json::to_value(&durations)?;
        view["restore"] = serde_json::to_value(restore.map(RestoreFigure::of))?;
        view["clients"] = serde_json::to_value(&clients)?;
        view["sharing"] = serde_json::to_value(crate::sync::overview(&ctx.repo))?;
        view["regulatory"] = serde_json::to_value(&regulatory)?;
        return ctx.print_json(&view);
    }
    // The record and the timeline are repository text: a terminal gets it neutralised.
    print!(
        "{}",
        crate::text::for_terminal(&term::incident::show_text_view(
            config,
            &incident,
            &state,
            plan.as_ref()
        ))
    );
    // The regulatory clocks have their own section, with their stages; clock names
    // carry names from mim.yaml and the timeline.
    let sla: Vec<_> = clocks
        .iter()
        .filter(|c| !c.rule.is_regulatory())
        .cloned()
        .collect();
    print!(
        "{}",
        crate::text::for_terminal(&term::incident::clocks_text(
            &sla,
            ctx.now,
            ctx.repo.config.tz()
        ))
    );
    print!(
        "{}",
        crate::text::for_terminal(&crate::regulation::show_text(
            config,
            &incident.id,
            &regulatory
        ))
    );
    print!(
        "{}",
        term::incident::durations_text(&measured(&incident, &durations))
    );
    if state.per_client() {
        print!("{}", term::incident::clients_text(config, &clients));
    }
    if let Some(sharing) = crate::sync::overview(&ctx.repo) {
        let text = sharing.text(ctx.repo.config.tz(), Some(&incident.id));
        if !text.is_empty() {
            print!("\n{}", crate::text::for_terminal(&text));
        }
    }
    Ok(())
}

/// The durations the text shows: without --impact-started or --detected, time to detect
/// is the report's stand-in for both (0m), not a measure, so it is left out (the JSON
/// keeps the figure).
fn measured(
    incident: &crate::model::Incident,
    durations: &crate::sla::durations::Durations,
) -> crate::sla::durations::Durations {
    let mut shown = durations.clone();
    if incident.record.impact_started.is_none() && incident.record.detected.is_none() {
        shown.time_to_detect = None;
    }
    shown
}
