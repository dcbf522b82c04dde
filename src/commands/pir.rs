//! `mim pir start|action add|action done|action drop|review|report`: the post incident
//! review (MSP-03g). The rules and the report are in `crate::pir`; this loads, checks,
//! writes and commits.

use std::path::Path;

use anyhow::{Context, bail};
use chrono::NaiveDate;

use crate::cli::{PirActionAddArgs, PirActionCommand, PirCommand, PirReviewArgs};
use crate::context::Ctx;
use crate::lifecycle::Status;
use crate::model::pir::{PirReason, ReviewSession};
use crate::model::{Event, Incident};
use crate::pir::report::{self, Format};
use crate::pir::{self, Pir, document, ids, rfo};
use crate::render::Templates;
use crate::state::State;
use crate::store::Change;
use crate::text;
use crate::time::{self, Timestamp};
use crate::units::Duration;

pub fn run(ctx: &Ctx, cmd: &PirCommand) -> anyhow::Result<()> {
    match cmd {
        PirCommand::Start {
            id,
            reason,
            facilitator,
        } => start(ctx, id.as_deref(), *reason, facilitator.as_deref()),
        PirCommand::Action(PirActionCommand::Add(args)) => add(ctx, args),
        PirCommand::Action(PirActionCommand::Done { args, note }) => {
            let (id, action) = ctx.split_id("pir action done", args, "ACTION")?;
            done(ctx, id, action, note.as_deref())
        }
        PirCommand::Action(PirActionCommand::Drop { args, reason }) => {
            let (id, action) = ctx.split_id("pir action drop", args, "ACTION")?;
            drop_action(ctx, id, action, reason)
        }
        PirCommand::Review(args) => review(ctx, args),
        PirCommand::Report { id, format, client } => {
            report_cmd(ctx, id.as_deref(), *format, client.as_deref())
        }
    }
}

fn start(
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
    let entry = ctx.entry(
        &incident,
        Event::PirStart {
            reason,
            facilitator: facilitator.clone(),
        },
    )?;
    let after = incident.with_entry(&entry);
    let pir_path = incident.dir.join(document::FILE);
    let existing = read_optional(&incident, &pir_path)?;
    let pir_md = match &existing {
        Some(text) => text.clone(),
        None => document::skeleton(&incident.id, &incident.record.title, problem(&state)),
    };
    let mut change = Change::new();
    change.event(&incident.dir, &entry);
    if existing.is_none() {
        change.put(&pir_path, pir_md.clone());
    }
    let rendered = render(ctx, &after, &pir_md, Format::Md)?;
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

fn add(ctx: &Ctx, args: &PirActionAddArgs) -> anyhow::Result<()> {
    let (id, text) = ctx.split_id("pir action add", &args.args, "TEXT")?;
    let text = text::required("the action's TEXT", text)?;
    let owner = text::name("--owner", &args.owner)?;
    let tz = ctx.repo.config.tz();
    let today = ctx.now.with_timezone(&tz).date_naive();
    let due = match &args.due {
        Some(due) => parse_due(due, ctx.now, tz)?,
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
    let pir = open_pir(ctx, &incident, "add an action to")?;
    after_start(ctx, &pir, "pir action add")?;
    let mut clients: Vec<String> = Vec::new();
    for key in args.clients.iter().map(|c| c.trim()) {
        affected_client(&ctx.state(&incident), &incident.id, key)?;
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

fn done(ctx: &Ctx, id: Option<&str>, action: &str, note: Option<&str>) -> anyhow::Result<()> {
    let note = note.map(text::multi_line).filter(|n| !n.is_empty());
    finish_action(ctx, id, action, "done", |id| Event::PirActionDone {
        id,
        note: note.clone(),
    })
}

fn drop_action(ctx: &Ctx, id: Option<&str>, action: &str, reason: &str) -> anyhow::Result<()> {
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

fn review(ctx: &Ctx, args: &PirReviewArgs) -> anyhow::Result<()> {
    let (id, session) = ctx.split_id("pir review", &args.args, "SESSION")?;
    let session = match session.trim().to_ascii_lowercase().as_str() {
        "internal" => ReviewSession::Internal,
        "client" => ReviewSession::Client,
        other => bail!(
            "unknown review session `{}`: use `internal` (03g.02) or `client` (03g.03)",
            other.escape_debug()
        ),
    };
    let tz = ctx.repo.config.tz();
    let held_at = time::parse(&args.held_at, tz).context("in --held-at")?;
    let attendees: Vec<String> = args
        .attendees
        .split(',')
        .filter(|a| !text::one_line(a).is_empty())
        .map(|a| text::name("--attendees", a))
        .collect::<anyhow::Result<_>>()?;
    if attendees.is_empty() {
        bail!("--attendees is empty: name who attended, comma-separated");
    }
    let feedback = text::multi_line(&args.feedback);
    if feedback.trim().is_empty() {
        bail!("--feedback is empty: say what the review concluded");
    }
    if !args.adopted.is_empty() && session != ReviewSession::Client {
        bail!("--adopted records what the client adopted: it belongs to a client review");
    }
    if args.client.is_some() && session != ReviewSession::Client {
        bail!("--client names the client the session was held with: it belongs to a client review");
    }
    if held_at > ctx.now {
        bail!(
            "--held-at {} is after now ({}): record a review once it has been held",
            time::format(&held_at),
            time::format(&ctx.now)
        );
    }
    let incident = ctx.load(id)?;
    let pir = open_pir(ctx, &incident, "record a review of")?;
    after_start(ctx, &pir, "pir review")?;
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
        affected_client(&ctx.state(&incident), &incident.id, key)?;
    }
    let known = pir::action_ids(&pir.actions);
    let mut adopted: Vec<String> = Vec::new();
    for typed in args
        .adopted
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
    {
        let id = ids::find(&known, typed).map_err(|e| anyhow::anyhow!("in --adopted: {e}"))?;
        if !adopted.iter().any(|a| a == id) {
            adopted.push(id.to_string());
        }
    }
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
    let mut change = Change::new();
    change.event(&incident.dir, &entry);
    if let Some(pir_md) = ctx.changed_file(&incident.dir.join(document::FILE))? {
        change.put(incident.dir.join(document::FILE), pir_md);
    }
    ctx.record(
        &incident.id,
        entry.event.name(),
        &format!(
            "{session} PIR review{} held {}",
            client.map(|c| format!(" ({c})")).unwrap_or_default(),
            time::format(&held_at)
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

/// Refuse a client the incident never affected: a review is held with its clients.
fn affected_client(state: &State, id: &str, key: &str) -> anyhow::Result<()> {
    if state.ever_affected(key) {
        return Ok(());
    }
    let clients: Vec<&str> = state.clients.iter().map(|c| c.client.as_str()).collect();
    bail!(
        "--client {}: {id} never affected that client; its clients are {}",
        key.escape_debug(),
        if clients.is_empty() {
            "none".to_string()
        } else {
            clients.join(", ")
        }
    )
}

/// `mim pir report`: the PIR report, or with `--client` that client's incident report.
fn report_cmd(
    ctx: &Ctx,
    id: Option<&str>,
    format: Format,
    client: Option<&str>,
) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    if ctx.state(&incident).pir.is_none() {
        bail!(
            "{} has no post incident review to report on; start one with `mim pir start {} --reason ...`",
            incident.id,
            incident.id
        );
    }
    let pir_md = read_pir_md(ctx, &incident)?;
    let (rendered, file, what) = match client.map(str::trim) {
        Some(key) => (
            render_rfo(ctx, &incident, &pir_md, format, key)?,
            rfo::file_name(key, format),
            format!("incident report for {key}"),
        ),
        None => (
            render(ctx, &incident, &pir_md, format)?,
            format.file_name().to_string(),
            "PIR report".to_string(),
        ),
    };
    let path = incident.dir.join(&file);
    let shown = ctx.repo.relative(&path).to_path_buf();
    let up_to_date = read_optional(&incident, &path)?.as_deref() == Some(rendered.as_str());
    // pir.md is read once, above; what was rendered from it is what gets committed.
    let changed = ctx.is_uncommitted(&incident.dir.join(document::FILE))?;
    if up_to_date {
        eprintln!("{} is up to date", shown.display());
    }
    if !up_to_date || changed {
        let mut change = Change::new();
        let summary = if up_to_date {
            format!("PIR text committed ({})", document::FILE)
        } else {
            change.put(&path, rendered);
            format!("{what} rendered ({file})")
        };
        // What the report is rendered from is committed with it.
        if changed {
            change.put(incident.dir.join(document::FILE), pir_md);
        }
        ctx.record(&incident.id, "pir-report", &summary, &change)?;
    }
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "file": shown.display().to_string(),
            "changed": !up_to_date,
        }));
    }
    println!("{}", shown.display());
    Ok(())
}

/// Client `key`'s incident report of `incident` in `format`.
fn render_rfo(
    ctx: &Ctx,
    incident: &Incident,
    pir_md: &str,
    format: Format,
    key: &str,
) -> anyhow::Result<String> {
    let state = ctx.state(incident);
    affected_client(&state, &incident.id, key)?;
    let templates = Templates::for_repo(&ctx.repo);
    rfo::for_client(
        &ctx.repo.config,
        &templates,
        &ctx.repo.root,
        incident,
        &state,
        pir_md,
        &ctx.repo.relative(&incident.dir).join(document::FILE),
        key,
        format,
    )
}

/// The report of `incident` (with its PIR started) in `format`.
fn render(ctx: &Ctx, incident: &Incident, pir_md: &str, format: Format) -> anyhow::Result<String> {
    let templates = Templates::for_repo(&ctx.repo);
    let state = ctx.state(incident);
    report::for_incident(
        &ctx.repo.config,
        &templates,
        incident,
        &state,
        pir_md,
        format,
    )
}

/// `pir.md` of an incident whose PIR is started.
fn read_pir_md(ctx: &Ctx, incident: &Incident) -> anyhow::Result<String> {
    document::read(&incident.dir, ctx.repo.relative(&incident.dir))
}

/// A file of the incident, never through a symbolic link; `None` when it is missing.
fn read_optional(incident: &Incident, path: &Path) -> anyhow::Result<Option<String>> {
    crate::safe_fs::read_optional(&incident.dir, path).with_context(|| {
        let name = path.strip_prefix(&incident.dir).unwrap_or(path);
        let shown = Path::new(crate::repo::INCIDENTS_DIR)
            .join(&incident.id)
            .join(name);
        format!("reading {}", shown.display())
    })
}

/// The PIR of an incident that is not closed yet, for commands that add to it.
fn open_pir(ctx: &Ctx, incident: &Incident, what: &str) -> anyhow::Result<Pir> {
    let state = ctx.state(incident);
    let Some(pir) = state.pir else {
        bail!(
            "cannot {what} the post incident review of {}: none was started; start it with `mim pir start {} --reason required|client-request|management`",
            incident.id,
            incident.id
        );
    };
    if state.status == Status::Closed {
        bail!(
            "cannot {what} the post incident review of {}: the incident is closed",
            incident.id
        );
    }
    Ok(pir)
}

fn after_start(ctx: &Ctx, pir: &Pir, what: &str) -> anyhow::Result<()> {
    if ctx.now < pir.started_at {
        bail!(
            "{what} cannot happen at {}: the PIR was started later, at {}",
            time::format(&ctx.now),
            time::format(&pir.started_at)
        );
    }
    Ok(())
}

/// The problem ticket given at the last resolve, if any.
fn problem(state: &State) -> Option<&str> {
    state.resolutions.last().and_then(|r| r.problem.as_deref())
}

/// `--due`: a date (`2026-12-08`) or a span from now (`7d`), as the day it falls on.
fn parse_due(text: &str, now: Timestamp, tz: chrono_tz::Tz) -> anyhow::Result<NaiveDate> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return time::check_date(date, text).context("in --due");
    }
    let looks_like_span =
        text.starts_with(|c: char| c.is_ascii_digit()) && text.ends_with(['d', 'h', 'm', 's']);
    if looks_like_span {
        // Bounded where it is parsed, so `now + span` cannot overflow.
        let span = text.parse::<Duration>().context("in --due")?;
        return Ok((now + span.to_chrono()).with_timezone(&tz).date_naive());
    }
    bail!(
        "invalid --due `{}`: expected a date like 2026-12-08 or a time from now like 7d",
        text.escape_debug()
    )
}
