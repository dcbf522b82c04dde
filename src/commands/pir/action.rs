//! `mim pir action add|done|drop`: the review's action items — added with an owner and
//! a due day (committed to clients, maybe), then done or dropped.

use anyhow::{Context, bail};

use crate::cli::PirActionAddArgs;
use crate::context::Ctx;
use crate::model::Event;
use crate::pir::{self, ids};
use crate::text;
use crate::time;

pub fn add(ctx: &Ctx, args: &PirActionAddArgs) -> anyhow::Result<()> {
    let (id, text) = ctx.split_id("pir action add", &args.args, "TEXT")?;
    let text = text::required("the action's TEXT", text)?;
    let owner = text::name("--owner", &args.owner)?;
    let tz = ctx.repo.config.tz();
    let today = ctx.now.with_timezone(&tz).date_naive();
    let due = match &args.due {
        Some(due) => time::parse_due(due, ctx.now, tz).context("in --due")?,
        None => (ctx.now + ctx.repo.config.pir.action_due.to_chrono())
            .with_timezone(&tz)
            .date_naive(),
    };
    if due < today {
        bail!(
            "--due {due} is in the past (today is {today} in {})",
            tz.name()
        );
    }
    let incident = ctx.load(id)?;
    let pir = pir::open(&ctx.state(&incident), &incident.id, "add an action to")?;
    pir::after_start(&pir, ctx.now, "pir action add")?;
    let mut clients: Vec<String> = Vec::new();
    for key in args.clients.iter().map(|c| c.trim()) {
        pir::affected_client(&ctx.state(&incident), &incident.id, key)?;
        if !clients.iter().any(|c| c == key) {
            clients.push(key.to_string());
        }
    }
    let by = ctx.actor()?;
    let action_id = ids::new_id(
        pir.actions.iter().map(|a| a.id.as_str()),
        &ctx.now,
        &by,
        &owner,
        &text,
    );
    let entry = ctx.entry(
        &incident,
        Event::PirAction {
            id: action_id.clone(),
            text: text.clone(),
            owner: owner.clone(),
            due,
            kind: args.kind,
            clients: clients.clone(),
        },
    )?;
    let committed = if clients.is_empty() {
        String::new()
    } else {
        format!(", committed to {}", clients.join(", "))
    };
    ctx.record_event(
        &incident,
        &entry,
        &format!("PIR action {action_id} for {owner}{committed}: {text}"),
    )?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({ "id": action_id, "due": due.to_string() }))
    } else {
        println!("{action_id}");
        Ok(())
    }
}

pub fn done(ctx: &Ctx, id: Option<&str>, action: &str, note: Option<&str>) -> anyhow::Result<()> {
    let note = note.map(text::multi_line).filter(|n| !n.is_empty());
    finish_action(ctx, id, action, "done", |id| Event::PirActionDone {
        id,
        note: note.clone(),
    })
}

pub fn drop(ctx: &Ctx, id: Option<&str>, action: &str, reason: &str) -> anyhow::Result<()> {
    let reason = text::required("--reason", reason)?;
    finish_action(ctx, id, action, "dropped", |id| Event::PirActionDrop {
        id,
        reason: reason.clone(),
    })
}

/// Mark an open action done or dropped. Allowed after a (forced) close too: the work
/// an action stands for may finish after the incident is closed.
fn finish_action(
    ctx: &Ctx,
    id: Option<&str>,
    typed: &str,
    what: &str,
    event: impl Fn(String) -> Event,
) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    let Some(pir) = ctx.state(&incident).pir else {
        bail!(
            "{} has no post incident review, so no action items; start one with `mim pir start {} --reason ...`",
            incident.id,
            incident.id
        );
    };
    let action_id = ids::find(&pir::action_ids(&pir.actions), typed)
        .map_err(|e| anyhow::anyhow!("{}: {e}", incident.id))?
        .to_string();
    let action = pir
        .actions
        .iter()
        .find(|a| a.id == action_id)
        .expect("found above");
    if !action.is_open() {
        bail!(
            "action {action_id} of {} is {} already; nothing to do",
            incident.id,
            action.status.as_str()
        );
    }
    if ctx.now < action.added_at {
        bail!(
            "action {action_id} cannot be {what} at {}: it was added later, at {}",
            time::format(&ctx.now),
            time::format(&action.added_at)
        );
    }
    let entry = ctx.entry(&incident, event(action_id.clone()))?;
    ctx.record_event(
        &incident,
        &entry,
        &format!("PIR action {action_id} {what}: {}", action.text),
    )?;
    if !ctx.json {
        eprintln!("{}: action {action_id} open → {what}", incident.id);
    }
    Ok(())
}
