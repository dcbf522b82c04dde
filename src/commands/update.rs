//! `mim update`: record a status update (`updates/<timestamp>-<audience>.md`, one
//! `update` event per audience) and render one e-mail per audience into `outbox/`.

use std::io::{IsTerminal, Read};

use anyhow::{Context as _, bail};

use crate::cli::{AudienceArg, UpdateArgs};
use crate::commands::Ctx;
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::comms::update_file::{self, UPDATES_DIR, UpdateFront};
use crate::comms::{self, Audience, Draft, Kind, MessageContext};
use crate::editor;
use crate::model::{Event, Incident};
use crate::render::Templates;
use crate::store::Change;
use crate::text;
use crate::time;
use crate::view::UpdateView;

/// The update's text from standard input or the editor, read before the repository
/// lock is taken (`None` when it is given with `-m TEXT`). Before the editor opens, the
/// incident is checked to take updates, so nobody writes one in vain.
pub fn read_input(ctx: &Ctx, args: &UpdateArgs) -> anyhow::Result<Option<String>> {
    match args.message.as_deref() {
        Some("-") => read_body(args).map(Some),
        Some(_) => Ok(None),
        None => {
            let incident = ctx.load(args.id.as_deref())?;
            check_active(ctx, &incident)?;
            read_body(args).map(Some)
        }
    }
}

/// Whether the incident takes an update at its time (`--at` may backfill one), and
/// whether it is a monitoring update: while resolved (until closed), updates are.
fn check_active(ctx: &Ctx, incident: &Incident) -> anyhow::Result<bool> {
    let state = ctx.state_now(incident);
    let monitoring = state.status == crate::lifecycle::Status::Resolved;
    if !state.status.is_active() && !monitoring {
        bail!(
            "{} is {}: status updates are for incidents being worked on or monitored after the restoration",
            incident.id,
            state.status
        );
    }
    Ok(monitoring)
}

/// Record the update; `input` is its text when [`read_input`] read it.
pub fn run(ctx: &Ctx, args: &UpdateArgs, input: Option<String>) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let incident = ctx.load(args.id.as_deref())?;
    let monitoring = check_active(ctx, &incident)?;
    let state = ctx.state(&incident);
    let audiences = match args.audience {
        AudienceArg::Internal => vec![Audience::Internal],
        AudienceArg::Management => vec![Audience::Management],
        AudienceArg::Client => vec![Audience::Client],
        AudienceArg::ClientManagement => vec![Audience::ClientManagement],
        AudienceArg::All => comms::all_update_audiences(config, &incident)?,
    };
    for &audience in &audiences {
        if comms::recipients(config, &incident, audience)?.is_empty() {
            bail!(
                "no recipients for the {audience} audience: {}",
                comms::where_to_set(audience)
            );
        }
    }
    let split =
        audiences.iter().any(|a| a.is_external()) && audiences.iter().any(|a| !a.is_external());
    if args.client_message.is_some() && !split {
        bail!(
            "--client-message gives the client's people a text of their own in an update that also goes to the provider's: \
             use it with --audience all; with --audience {}, -m is what they read",
            audiences
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if args.message.as_deref() == Some("-")
        && args
            .client_message
            .as_ref()
            .is_some_and(|c| c.as_deref() == Some("-"))
    {
        bail!(
            "-m - and --client-message - cannot both read standard input: give one of them as TEXT"
        );
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
    let client_body = match &args.client_message {
        None => None,
        Some(value) => {
            let text = text::multi_line(&editor::flag_text(value.as_deref(), "--client-message")?);
            if text.trim().is_empty() {
                bail!("--client-message is empty: nothing was written");
            }
            Some(text)
        }
    };
    let body_for = |audience: Audience| match &client_body {
        Some(text) if audience.is_external() => text.clone(),
        _ => body.clone(),
    };
    let by = ctx.actor()?;
    let numbers: Vec<(Audience, u32)> = audiences
        .iter()
        .map(|&a| (a, state.next_update_number(a)))
        .collect();

    let mut change = Change::new();
    let mut entries = Vec::new();
    for &(audience, number) in &numbers {
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
        change.put(&path, update_file::to_text(&front, &body_for(audience)));
        let entry = ctx.entry(
            &incident,
            Event::Update {
                audience: audience.to_string(),
                number,
                file,
                monitoring,
                client: None,
            },
        )?;
        change.event(&incident.dir, &entry);
        entries.push(entry);
    }
    // The e-mails say what the incident is once this update is recorded, at its time:
    // the same derivation (and so the same "next update by") as `check` and `status`.
    let mut recorded = incident.clone();
    recorded.entries.extend(entries);
    let now_state = crate::state::derive(config, &recorded, ctx.now);
    let mut drafts = Vec::new();
    for &(audience, number) in &numbers {
        let next_at = crate::sla::engine::next_update_due(config, &recorded, &now_state, audience);
        let update = UpdateView {
            number,
            at: time::format(&ctx.now),
            by: by.clone(),
            body: body_for(audience),
            status_line: status_line.clone(),
            eta: eta.as_ref().map(time::format),
            next: next.clone(),
            next_at: next_at.as_ref().map(time::format),
            monitoring,
        };
        let context = MessageContext::new(config, &recorded, &now_state, audience, ctx.now)
            .with_update(update);
        drafts.push(Draft {
            kind: Kind::Update(number),
            audience,
            at: ctx.now,
            context,
        });
    }
    let templates = Templates::new(Some(ctx.repo.templates_dir()));
    let ledger = outbox::read_ledger(&incident.dir, &state)?;
    let threads = outbox::threads(&incident.dir, &ledger, incident.record.client.first())?;
    let composed = comms::compose(config, &templates, &incident, &drafts, &threads)?;
    let mut files = Vec::new();
    for message in &composed {
        let name = message.file_name();
        change.put(
            incident.dir.join(OUTBOX_DIR).join(&name),
            message.bytes.clone(),
        );
        files.push(name);
    }
    let subject = if monitoring {
        format!("monitoring {}", summary(&numbers))
    } else {
        summary(&numbers)
    };
    ctx.record(&incident.id, "update", &subject, &change)?;
    report(ctx, &incident, &numbers, &files)?;
    if args.send {
        ctx.deliver(&incident, &files)?;
    }
    Ok(())
}

/// `update 2 to internal, management, client` when every audience has the same
/// number, else `update internal 3, management 1, client 2` (short enough for a commit
/// subject).
fn summary(numbers: &[(Audience, u32)]) -> String {
    let first = numbers.first().map_or(0, |(_, n)| *n);
    if numbers.iter().all(|(_, n)| *n == first) {
        let names: Vec<String> = numbers.iter().map(|(a, _)| a.to_string()).collect();
        return format!("update {first} to {}", names.join(", "));
    }
    let parts: Vec<String> = numbers.iter().map(|(a, n)| format!("{a} {n}")).collect();
    format!("update {}", parts.join(", "))
}

fn report(
    ctx: &Ctx,
    incident: &Incident,
    numbers: &[(Audience, u32)],
    files: &[String],
) -> anyhow::Result<()> {
    let rel = ctx.repo.relative(&incident.dir).join(OUTBOX_DIR);
    let paths: Vec<String> = files
        .iter()
        .map(|f| rel.join(f).display().to_string())
        .collect();
    if ctx.json {
        let numbers: serde_json::Map<String, serde_json::Value> = numbers
            .iter()
            .map(|(a, n)| (a.to_string(), (*n).into()))
            .collect();
        return ctx.print_json(&serde_json::json!({
            "incident": incident.id, "numbers": numbers, "messages": paths,
        }));
    }
    for p in &paths {
        println!("{p}");
    }
    eprintln!(
        "{}: {} recorded; {} in outbox/ (send with --send or `mim send {}`)",
        incident.id,
        summary(numbers),
        if files.len() == 1 {
            "1 message".to_string()
        } else {
            format!("{} messages", files.len())
        },
        incident.id
    );
    Ok(())
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
        None if args.edit || std::io::stdin().is_terminal() => {
            let text = crate::editor::edit_raw("")?;
            text::check("the update written in the editor", &text)?;
            Ok(text)
        }
        None => bail!(
            "no update text: give it with -m TEXT, -m - (standard input) or --edit ($VISUAL/$EDITOR)"
        ),
    }
}
