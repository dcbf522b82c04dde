//! `mim update`: record a status update (`updates/<timestamp>-<audience>.md`, one
//! `update` event per audience) and render one e-mail per audience into `outbox/`.

use std::io::{IsTerminal, Read};

use anyhow::{Context as _, bail};

use crate::cli::{AudienceArg, UpdateArgs};
use crate::commands::Ctx;
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::comms::update_file::{self, UPDATES_DIR, UpdateFront};
use crate::comms::{self, Audience, Draft, Kind, MessageContext};
use crate::model::{Event, Incident};
use crate::render::Templates;
use crate::store::Change;
use crate::text;
use crate::time;
use crate::view::UpdateView;

pub fn run(ctx: &Ctx, args: &UpdateArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state(&incident);
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
    let body = text::multi_line(&read_body(args)?);
    if body.trim().is_empty() {
        bail!("the update is empty: nothing was written");
    }
    let by = ctx.actor()?;
    let number = comms::next_update_number(&incident);

    let mut change = Change::new();
    let mut entries = Vec::new();
    for &audience in &audiences {
        let file = format!("{UPDATES_DIR}/{}-{audience}.md", comms::compact(&ctx.now));
        let path = incident.dir.join(&file);
        if path.exists() {
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
        entries.push(entry);
    }
    // The e-mails say what the incident is once this update is recorded, at its time:
    // the same derivation (and so the same "next update by") as `check` and `status`.
    let mut recorded = incident.clone();
    recorded.entries.extend(entries);
    let now_state = crate::state::derive(config, &recorded, ctx.now);
    let mut drafts = Vec::new();
    for &audience in &audiences {
        let next_at = crate::sla::engine::next_update_due(config, &recorded, &now_state, audience);
        let update = UpdateView {
            number,
            at: time::format(&ctx.now),
            by: by.clone(),
            body: body.clone(),
            status_line: status_line.clone(),
            eta: eta.as_ref().map(time::format),
            next: next.clone(),
            next_at: next_at.as_ref().map(time::format),
        };
        let mut context = MessageContext::new(config, &recorded, &now_state, audience, ctx.now);
        context.update = Some(update);
        drafts.push(Draft {
            kind: Kind::Update(number),
            audience,
            at: ctx.now,
            context,
        });
    }
    let templates = Templates::new(Some(ctx.repo.templates_dir()));
    let root = outbox::thread_root(&incident)?;
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
        ctx.deliver(&incident, &files)?;
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

/// The body: `-m TEXT`, `-m -` (standard input), or the editor.
fn read_body(args: &UpdateArgs) -> anyhow::Result<String> {
    match args.message.as_deref() {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the update from standard input")?;
            Ok(text)
        }
        Some(text) => Ok(text.to_string()),
        None if args.edit || std::io::stdin().is_terminal() => crate::editor::edit_raw(""),
        None => bail!(
            "no update text: give it with -m TEXT, -m - (standard input) or --edit ($VISUAL/$EDITOR)"
        ),
    }
}
