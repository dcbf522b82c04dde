//! `mim update`: record a status update (`updates/<timestamp>-<audience>.md`, one
//! `update` event per audience) and render one e-mail per audience into `outbox/`.

use std::io::{IsTerminal, Read};

use anyhow::{Context as _, bail};
use chrono::Utc;

use crate::cli::{AudienceArg, UpdateArgs};
use crate::commands::{Ctx, send};
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::comms::update_file::{self, UPDATES_DIR, UpdateFront};
use crate::comms::{self, Audience, Draft, Kind, MessageContext, UpdateView};
use crate::config::Config;
use crate::model::{Event, Incident};
use crate::render::Templates;
use crate::store::Change;
use crate::text;
use crate::time::{self, Timestamp};

/// The update's text from standard input or the editor, read before the repository
/// lock is taken (`None` when it is given with `-m TEXT`). Before the editor opens, the
/// incident is checked to take updates, so nobody writes one in vain.
pub fn read_input(ctx: &Ctx, args: &UpdateArgs) -> anyhow::Result<Option<String>> {
    match args.message.as_deref() {
        Some("-") => read_body(args).map(Some),
        Some(_) => Ok(None),
        None => {
            let incident = ctx.load(args.id.as_deref())?;
            check_active(&incident)?;
            read_body(args).map(Some)
        }
    }
}

fn check_active(incident: &Incident) -> anyhow::Result<()> {
    let state = incident.state();
    if !state.status.is_active() {
        bail!(
            "{} is {}: status updates are for active incidents{}",
            incident.id,
            state.status,
            if state.status == crate::lifecycle::Status::Resolved {
                "; the restoral notice went out with `mim resolve` (use `mim reopen` if service failed again)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// Record the update; `input` is its text when [`read_input`] read it.
pub fn run(ctx: &Ctx, args: &UpdateArgs, input: Option<String>) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let incident = ctx.load(args.id.as_deref())?;
    let state = incident.state();
    check_active(&incident)?;
    let audiences = match args.audience {
        AudienceArg::Internal => vec![Audience::Internal],
        AudienceArg::Management => vec![Audience::Management],
        AudienceArg::Client => vec![Audience::Client],
        AudienceArg::All => comms::all_update_audiences(incident.record.client.is_some()),
    };
    for audience in &audiences {
        comms::recipients(config, incident.record.client.as_deref(), *audience)?;
    }
    let eta = args
        .eta
        .as_deref()
        .map(|t| time::parse(t, config.tz()).context("in --eta"))
        .transpose()?;
    if let Some(eta) = eta.filter(|eta| *eta < ctx.now) {
        anyhow::bail!(
            "--eta {} is in the past (the update is at {}): give when service is now expected back",
            time::format(&eta),
            time::format(&ctx.now)
        );
    }
    let status_line = args
        .status_line
        .as_deref()
        .map(text::one_line)
        .filter(|s| !s.is_empty());
    let next = args
        .next
        .as_deref()
        .map(text::one_line)
        .filter(|s| !s.is_empty());
    let body = match input {
        Some(text) => text,
        None => read_body(args)?,
    };
    let body = text::multi_line(&body);
    if body.trim().is_empty() {
        bail!("the update is empty: nothing was written");
    }
    let by = ctx.actor()?;
    let number = comms::next_update_number(&incident);
    let plan = comms::plan_summary(&incident);
    let escalations = comms::escalations(&incident);
    let restore = comms::restore_clock(config, &incident, &state, ctx.now);
    let view = comms::IncidentView::new(config, &incident, &state);

    let mut change = Change::new();
    let mut drafts = Vec::new();
    for &audience in &audiences {
        let file = format!("{UPDATES_DIR}/{}-{audience}.md", comms::compact(&ctx.now));
        let path = incident.dir.join(&file);
        let shown = ctx.repo.relative(&path).to_path_buf();
        let kind = crate::safe_fs::kind(&ctx.repo.root, &path)
            .with_context(|| format!("cannot write {}", shown.display()))?;
        if kind != crate::safe_fs::Kind::Missing {
            bail!(
                "{} exists: an update to {audience} was already recorded at {}; give another --at",
                ctx.repo.relative(&path).display(),
                time::format(&ctx.now)
            );
        }
        let front = UpdateFront {
            incident: incident.id.clone(),
            number,
            audience: audience.to_string(),
            at: ctx.now,
            by: by.clone(),
            status_line: status_line.clone(),
            eta,
            next: next.clone(),
        };
        change.put(&path, update_file::to_text(&front, &body));
        let entry = ctx.entry(
            &incident,
            Event::Update {
                audience: audience.to_string(),
                number,
                file,
            },
        )?;
        change.event(&incident.dir, &entry);
        let update = UpdateView {
            number,
            at: time::format(&ctx.now),
            by: by.clone(),
            body: body.clone(),
            status_line: status_line.clone(),
            eta: eta.as_ref().map(time::format),
            next: next.clone(),
            next_at: next_due(config, &incident, &state.priority, audience, ctx.now),
        };
        drafts.push(Draft {
            kind: Kind::Update(number),
            audience,
            at: ctx.now,
            context: MessageContext {
                org: comms::OrgView::new(config),
                incident: view.clone(),
                audience: audience.to_string(),
                tz: comms::display_zone(config, incident.record.client.as_deref(), audience),
                update: Some(update),
                resolution: None,
                plan: plan.clone(),
                escalations: escalations.clone(),
                restore: restore.clone(),
            },
        });
    }
    let templates = Templates::new(Some(ctx.repo.templates_dir()));
    let root = outbox::thread_root(&incident.dir)?;
    let composed = comms::compose(config, &templates, &incident, &drafts, root)?;
    let mut files = Vec::new();
    for message in &composed {
        let name = message.file_name();
        change.put(
            incident.dir.join(OUTBOX_DIR).join(&name),
            message.bytes.clone(),
        );
        files.push(name);
    }
    let names: Vec<String> = audiences.iter().map(|a| a.to_string()).collect();
    ctx.record(
        &incident.id,
        "update",
        &format!("update {number} to {}", names.join(", ")),
        &change,
    )?;
    report(ctx, &incident, number, &files)?;
    if args.send {
        send::deliver(ctx, &incident, &files)?;
    }
    Ok(())
}

fn report(ctx: &Ctx, incident: &Incident, number: u32, files: &[String]) -> anyhow::Result<()> {
    let rel = ctx.repo.relative(&incident.dir).join(OUTBOX_DIR);
    let paths: Vec<String> = files
        .iter()
        .map(|f| rel.join(f).display().to_string())
        .collect();
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "incident": incident.id, "number": number, "messages": paths,
        }));
    }
    for p in &paths {
        println!("{p}");
    }
    eprintln!(
        "{}: update {number} recorded; {} in outbox/ (send with --send or `mim send {}`)",
        incident.id,
        if files.len() == 1 {
            "1 message".to_string()
        } else {
            format!("{} messages", files.len())
        },
        incident.id
    );
    Ok(())
}

/// When the next update to `audience` is due by the priority's cadence, counted in the
/// priority's calendar.
fn next_due(
    config: &Config,
    incident: &Incident,
    priority: &str,
    audience: Audience,
    now: Timestamp,
) -> Option<String> {
    let targets = config.targets(priority)?;
    let cadence = match audience {
        Audience::Client | Audience::EndUsers => targets.update_client?,
        Audience::Internal | Audience::Management => targets.update_internal?,
    };
    let calendar = config.calendar_for(priority, incident.record.client.as_deref())?;
    let due = calendar.add_working(now.with_timezone(&Utc), cadence);
    Some(time::format(&due.fixed_offset()))
}

/// The body: `-m TEXT`, `-m -` (standard input), or the editor.
fn read_body(args: &UpdateArgs) -> anyhow::Result<String> {
    match args.message.as_deref() {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the update from standard input")?;
            text::check("the update read from standard input", &text)?;
            Ok(text)
        }
        Some(text) => Ok(text.to_string()),
        None if args.edit || std::io::stdin().is_terminal() => edit(),
        None => bail!(
            "no update text: give it with -m TEXT, -m - (standard input) or --edit ($VISUAL/$EDITOR)"
        ),
    }
}

/// Open `$VISUAL` (else `$EDITOR`) on an empty Markdown file and return what was saved.
fn edit() -> anyhow::Result<String> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .context("no editor: set $VISUAL or $EDITOR, or give the update with -m TEXT")?;
    let file = tempfile::Builder::new()
        .prefix("mim-update-")
        .suffix(".md")
        .tempfile()
        .context("creating a temporary file for the editor")?;
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or_default();
    let status = std::process::Command::new(program)
        .args(words)
        .arg(file.path())
        .status()
        .with_context(|| format!("running the editor `{editor}`"))?;
    if !status.success() {
        bail!("the editor `{editor}` failed ({status}): nothing was written");
    }
    let text = std::fs::read_to_string(file.path())
        .with_context(|| format!("reading {}", file.path().display()))?;
    text::check("the update written in the editor", &text)?;
    Ok(text)
}
