//! `mim pir review`: an internal or client review session was held: who attended, what
//! it concluded, which actions the client adopted.

use anyhow::{Context, bail};

use crate::cli::PirReviewArgs;
use crate::context::Ctx;
use crate::model::pir::ReviewSession;
use crate::model::{Entry, Event, Incident};
use crate::pir::{self, Action, document, ids};
use crate::store::Change;
use crate::text;
use crate::time::{self, Timestamp};

pub fn run(ctx: &Ctx, args: &PirReviewArgs) -> anyhow::Result<()> {
    let (id, session) = ctx.split_id("pir review", &args.args, "SESSION")?;
    let session = session_kind(session)?;
    let tz = ctx.repo.config.tz();
    let held_at = time::parse(&args.held_at, tz).context("in --held-at")?;
    let attendees = attendees(&args.attendees)?;
    let feedback = text::multi_line(&args.feedback);
    if feedback.trim().is_empty() {
        bail!("--feedback is empty: say what the review concluded");
    }
    refuse_client_options(args, session)?;
    if held_at > ctx.now {
        bail!(
            "--held-at {} is after now ({}): record a review once it has been held",
            time::format(&held_at),
            time::format(&ctx.now)
        );
    }
    let incident = ctx.load(id)?;
    let pir = pir::open(&ctx.state(&incident), &incident.id, "record a review of")?;
    pir::after_start(&pir, ctx.now, "pir review")?;
    if let Some(resolved) = ctx.state(&incident).resolved_at
        && held_at < resolved
    {
        bail!(
            "--held-at {} is before {} was resolved ({}): a PIR review follows the restoration",
            time::format(&held_at),
            incident.id,
            time::format(&resolved)
        );
    }
    let client = args.client.as_deref().map(str::trim);
    if let Some(key) = client {
        pir::affected_client(&ctx.state(&incident), &incident.id, key)?;
    }
    let adopted = adopted(&pir.actions, &args.adopted)?;
    let entry = ctx.entry(
        &incident,
        Event::PirReview {
            session,
            held_at,
            attendees,
            feedback,
            adopted,
            client: client.map(str::to_string),
        },
    )?;
    record_review(ctx, &incident, &entry, session, client, held_at)
}

/// Commit the review's `entry` (with `pir.md` when it has changes no commit holds) and
/// say so.
fn record_review(
    ctx: &Ctx,
    incident: &Incident,
    entry: &Entry,
    session: ReviewSession,
    client: Option<&str>,
    held_at: Timestamp,
) -> anyhow::Result<()> {
    let mut change = Change::new();
    change.event(&incident.dir, entry);
    if let Some(pir_md) = ctx.changed_file(&incident.dir.join(document::FILE))? {
        change.put(incident.dir.join(document::FILE), pir_md);
    }
    ctx.record(
        &incident.id,
        entry.event.name(),
        &format!(
            "{session} PIR review{} held {}",
            client.map(|c| format!(" ({c})")).unwrap_or_default(),
            time::display(&held_at, ctx.repo.config.tz())
        ),
        &change,
    )?;
    if !ctx.json {
        eprintln!(
            "{}: {session} review recorded; `mim pir report` puts its feedback in the report",
            incident.id
        );
    }
    Ok(())
}

/// The SESSION argument: `internal` or `client`, any case; else a usage error.
fn session_kind(session: &str) -> anyhow::Result<ReviewSession> {
    match session.trim().to_ascii_lowercase().as_str() {
        "internal" => Ok(ReviewSession::Internal),
        "client" => Ok(ReviewSession::Client),
        other => Err(crate::error::Error::usage(format!(
            "unknown review session `{}`: use `internal` (03g.02) or `client` (03g.03)",
            other.escape_debug()
        ))
        .into()),
    }
}

/// `--attendees`: the comma-separated names, blanks left out; at least one.
fn attendees(list: &str) -> anyhow::Result<Vec<String>> {
    let attendees: Vec<String> = list
        .split(',')
        .filter(|a| !text::one_line(a).is_empty())
        .map(|a| text::name("--attendees", a))
        .collect::<anyhow::Result<_>>()?;
    if attendees.is_empty() {
        bail!("--attendees is empty: name who attended, comma-separated");
    }
    Ok(attendees)
}

/// `--adopted` and `--client` belong to a client review only.
fn refuse_client_options(args: &PirReviewArgs, session: ReviewSession) -> anyhow::Result<()> {
    if !args.adopted.is_empty() && session != ReviewSession::Client {
        bail!("--adopted records what the client adopted: it belongs to a client review");
    }
    if args.client.is_some() && session != ReviewSession::Client {
        bail!("--client names the client the session was held with: it belongs to a client review");
    }
    Ok(())
}

/// `--adopted`: each typed action ID resolved among the PIR's `actions`, once each, in
/// the order given.
fn adopted(actions: &[Action], typed: &[String]) -> anyhow::Result<Vec<String>> {
    let known = pir::action_ids(actions);
    let mut adopted: Vec<String> = Vec::new();
    for typed in typed.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        let id = ids::find(&known, typed).map_err(|e| anyhow::anyhow!("in --adopted: {e}"))?;
        if !adopted.iter().any(|a| a == id) {
            adopted.push(id.to_string());
        }
    }
    Ok(adopted)
}
