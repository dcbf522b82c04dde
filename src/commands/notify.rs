//! `mim notify`: record a report submitted to a regulator (`--ref`), which stops that
//! stage's clock; or draft the stage's report from the record (`--draft`) for a person
//! to check and submit, listing what the record lacks.

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::cli::NotifyArgs;
use crate::config::regulation::{Regime, Stage};
use crate::context::Ctx;
use crate::model::{Entry, Event, Incident};
use crate::regulation;
use crate::sla::regulatory::RegimeStatus;
use crate::sla::{Clock, ClockState};
use crate::state::{Regulatory, State};
use crate::text;
use crate::time;

/// Record a submission (`--ref`) or print the stage's draft report (`--draft`).
pub fn run(ctx: &Ctx, args: &NotifyArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let regime = regulation::regime(config, &args.regime)?;
    let stage = find_stage(regime, args)?;
    let incident = ctx.load(args.id.as_deref())?;
    if args.draft {
        return draft(ctx, args, &incident, stage);
    }
    let reference = text::one_line(args.reference.as_deref().unwrap_or_default());
    if reference.is_empty() {
        bail!("--ref is empty: give the authority's reference of the submission");
    }
    let before = ctx.state(&incident);
    let record = classified(&incident.id, &before, regime, args)?;
    warn_resubmission(ctx, regime, stage, record, args);
    let event = Event::Notify {
        regime: args.regime.clone(),
        stage: stage.name.clone(),
        reference: reference.clone(),
    };
    let entry = ctx.entry(&incident, event)?;
    let summary = format!("{} {} submitted [ref {reference}]", args.regime, stage.name);
    ctx.record_event(&incident, &entry, &summary)?;
    let after = ctx.state_now(&incident.with_entry(&entry));
    let status = regulation::status_of(config, &after, &args.regime);
    if ctx.json {
        return ctx.print_json(&json!({"incident": incident.id, "entry": entry, "regime": status}));
    }
    report(ctx, &incident.id, &summary, &entry, stage, status.as_ref());
    Ok(())
}

/// The regime's stage `--stage` names (a usage error naming its stages otherwise).
fn find_stage<'r>(regime: &'r Regime, args: &NotifyArgs) -> anyhow::Result<&'r Stage> {
    let Some(stage) = regime.stages.iter().find(|s| s.name == args.stage) else {
        let stages: Vec<&str> = regime.stages.iter().map(|s| s.name.as_str()).collect();
        return Err(crate::error::Error::usage(format!(
            "{} has no stage `{}`: its stages are {}",
            args.regime,
            args.stage.escape_debug(),
            stages.join(", ")
        ))
        .into());
    };
    Ok(stage)
}

/// `--draft`: the stage's report drafted from the record (and the PIR), printed, with
/// a note of the fields the record lacks.
fn draft(ctx: &Ctx, args: &NotifyArgs, incident: &Incident, stage: &Stage) -> anyhow::Result<()> {
    let state = ctx.state_now(incident);
    let templates = crate::render::Templates::for_repo(&ctx.repo);
    let pir_path = incident.dir.join(crate::pir::document::FILE);
    let pir = crate::safe_fs::read_optional(&incident.dir, &pir_path)
        .with_context(|| format!("reading {}", ctx.repo.relative(&pir_path).display()))?;
    let draft = regulation::draft::build(
        &ctx.repo.config,
        incident,
        &state,
        &args.regime,
        stage,
        pir.as_deref(),
    );
    let text = regulation::draft::render(&templates, stage, &draft)?;
    if ctx.json {
        return ctx.print_json(&json!({"draft": draft, "text": text}));
    }
    print!("{}", crate::text::for_terminal(&text));
    if !draft.missing.is_empty() {
        eprintln!(
            "{}: the record lacks {} field(s) of the {} {}: they are listed at the end of the draft",
            incident.id,
            draft.missing.len(),
            args.regime.to_uppercase(),
            stage.title()
        );
    }
    Ok(())
}

/// The incident's record under the regime, which must classify it as reportable.
fn classified<'s>(
    id: &str,
    state: &'s State,
    regime: &Regime,
    args: &NotifyArgs,
) -> anyhow::Result<&'s Regulatory> {
    let word = regime.classification.as_str();
    match state.regime(&args.regime) {
        Some(r) if r.in_scope() => Ok(r),
        Some(r) if r.outcome.is_some() => bail!(
            "{id} is classified as not reportable under {} ({}): classify it again with --{word} before recording a submission",
            args.regime,
            r.reason
        ),
        _ => bail!(
            "{id} is not classified under {}: `mim classify {id} --regime {} --{word} --reason TEXT` first, which starts its clocks",
            args.regime,
            args.regime
        ),
    }
}

/// Warnings for a stage submitted already, and for earlier stages not submitted.
fn warn_resubmission(
    ctx: &Ctx,
    regime: &Regime,
    stage: &Stage,
    record: &Regulatory,
    args: &NotifyArgs,
) {
    if let Some(earlier) = record.submitted(&stage.name) {
        eprintln!(
            "warning: the {} was recorded as submitted already at {} [ref {}]; this records a resubmission (its clock stays as the first)",
            stage.title(),
            time::display(&earlier.at, ctx.repo.config.tz()),
            earlier.reference
        );
    }
    for earlier in regime.stages.iter().take_while(|s| s.name != stage.name) {
        if record.submitted(&earlier.name).is_none() {
            eprintln!(
                "warning: the earlier stage {} of {} is not recorded as submitted",
                earlier.name, args.regime
            );
        }
    }
}

/// The submission as recorded: on time or how late, and the stages due next.
fn report(
    ctx: &Ctx,
    id: &str,
    summary: &str,
    entry: &Entry,
    stage: &Stage,
    status: Option<&RegimeStatus>,
) {
    let tz = ctx.repo.config.tz();
    let due = |c: &Clock| {
        c.due
            .as_ref()
            .map(|d| time::display(d, tz))
            .unwrap_or_default()
    };
    let this = status
        .iter()
        .flat_map(|r| &r.stages)
        .find(|s| s.stage == stage.name);
    match this.and_then(|s| s.clock.as_ref()) {
        Some(c) if c.state == ClockState::Breached => eprintln!(
            "{id}: {summary}, {} late (due {})",
            crate::units::Duration::from(entry.at - c.due.unwrap_or(entry.at)).human(),
            due(c)
        ),
        Some(c) => eprintln!("{id}: {summary}, on time (due {})", due(c)),
        None => eprintln!("{id}: {summary}"),
    }
    for s in status.iter().flat_map(|r| &r.stages) {
        if s.submitted_at.is_none()
            && let Some(due) = &s.due
        {
            eprintln!(
                "  next: {} due {} ({})",
                s.stage,
                time::display(due, tz),
                s.rule
            );
        }
    }
}
