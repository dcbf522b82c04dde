//! `mim classify`: record that an incident falls under a regulatory regime (its clocks
//! start), or that it does not, with the reason — which is itself part of the record.

use anyhow::bail;
use serde_json::json;

use crate::cli::ClassifyArgs;
use crate::context::Ctx;
use crate::model::{Classification, Event};
use crate::regulation::{self, Regime};
use crate::text;
use crate::time;

pub fn run(ctx: &Ctx, args: &ClassifyArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let regime = regulation::regime(config, &args.regime)?;
    let outcome = match (args.significant, args.major) {
        (true, _) => Classification::Significant,
        (_, true) => Classification::Major,
        _ => Classification::Not,
    };
    let word = regime.classification.as_str();
    if outcome.in_scope() && outcome.as_str() != word {
        bail!(
            "{} classifies incidents as {word}, not {outcome}: use --{word} (or --not)",
            args.regime
        );
    }
    let reason = text::one_line(&args.reason);
    if reason.is_empty() {
        bail!("--reason is empty: say which criteria are met, or why they are not");
    }
    let incident = ctx.load(args.id.as_deref())?;
    let id = &incident.id;
    let before = ctx.state(&incident);
    if !regulation::applies(regime, &before) {
        eprintln!(
            "warning: {} applies to {} under mim.yaml's applies_to, which {id} is not; classified as asked",
            args.regime,
            scope(regime)
        );
    }
    let event = Event::Classify {
        regime: args.regime.clone(),
        outcome,
        reason,
        cross_border: args.cross_border.map(|v| v.as_bool()),
        recurring: args.recurring.map(|v| v.as_bool()),
        malicious: args.malicious.map(|v| v.as_bool()),
    };
    let entry = ctx.entry(&incident, event)?;
    let summary = match outcome {
        Classification::Not => format!("not reportable under {}", args.regime),
        _ => format!("classified {outcome} under {}", args.regime),
    };
    ctx.record_event(&incident, &entry, &summary)?;
    let after = ctx.state_now(&incident.with_entry(&entry));
    let status = regulation::status_of(config, &after, &args.regime);
    if ctx.json {
        return ctx.print_json(&json!({"incident": id, "entry": entry, "regime": status}));
    }
    eprintln!("{id}: {summary}");
    let tz = config.tz();
    for s in status.iter().flat_map(|r| &r.stages) {
        match (&s.due, &s.waits_for) {
            (Some(due), _) => eprintln!(
                "  {:<22} due {} ({})",
                s.stage,
                time::display(due, tz),
                s.rule
            ),
            (None, Some(w)) => eprintln!("  {:<22} after {w} ({})", s.stage, s.rule),
            _ => {}
        }
    }
    Ok(())
}

/// `clients acme; services Payments API`.
fn scope(regime: &Regime) -> String {
    let a = &regime.applies_to;
    let mut parts = Vec::new();
    if !a.clients.is_empty() {
        parts.push(format!("clients {}", a.clients.join(", ")));
    }
    if !a.services.is_empty() {
        parts.push(format!("services {}", a.services.join(", ")));
    }
    parts.join("; ")
}
