//! `mim update`: record a status update (`updates/<timestamp>-<audience>.md`, one
//! `update` event per audience) and render one e-mail per audience into `outbox/`.
//! Updates recorded in the same second get a sequence in their names
//! (`<timestamp>.2-<audience>.md`), so concurrent updates never collide.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context as _, bail};

use crate::cli::{AudienceArg, UpdateArgs};
use crate::comms::outbox::OUTBOX_DIR;
use crate::comms::update_file::{self, UPDATES_DIR, UpdateFront};
use crate::comms::{self, Audience, Composed, Draft, Kind, MessageContext, Target};
use crate::context::Ctx;
use crate::editor;
use crate::model::{Entry, Event, Incident};
use crate::render::view::UpdateView;
use crate::state::State;
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
    let incident = ctx.load(args.id.as_deref())?;
    let monitoring = check_active(ctx, &incident)?;
    let state = ctx.state(&incident);
    let targets = pick_targets(ctx, &incident, &state, args, monitoring)?;
    check_client_message(args, &targets)?;
    let said = read_said(ctx, args, input)?;
    warn_leaks(ctx, &incident, &state, &targets, &said);
    let by = ctx.actor()?;
    let numbers: Vec<(&Target, u32)> = targets
        .iter()
        .map(|t| (t, state.next_update_number_for(t.audience, t.own_client())))
        .collect();

    let mut change = Change::new();
    let (mut entries, files_written) =
        update_entries(ctx, &incident, &state, &numbers, &said, &by, monitoring)?;
    promise_next(ctx, &incident, &numbers, &said, &mut entries);
    for (entry, (path, text)) in entries.iter().zip(files_written) {
        change.put(&path, text);
        change.event(&incident.dir, entry);
    }
    let mut recorded = incident.clone();
    recorded.entries.extend(entries.iter().cloned());
    let drafts = drafts(ctx, &recorded, &numbers, &said, &by, monitoring);
    let composed = ctx.compose(&incident, &state, &drafts)?;
    let files = put_outbox(&mut change, &incident, &composed);
    let subject = if monitoring {
        format!("monitoring {}", summary(&numbers))
    } else {
        summary(&numbers)
    };
    ctx.record(&incident.id, "update", &subject, &change)?;
    report(ctx, &incident, &numbers, &files, args.send)?;
    if args.send {
        crate::delivery::deliver(ctx, &incident, &files, false)?;
    }
    Ok(())
}

/// Who the update goes to, by `--audience` and `--client`: refused when nobody would
/// read it, when an external audience has no client, or when one has no recipients.
fn pick_targets(
    ctx: &Ctx,
    incident: &Incident,
    state: &State,
    args: &UpdateArgs,
    monitoring: bool,
) -> anyhow::Result<Vec<Target>> {
    let config = &ctx.repo.config;
    let only = check_client(incident, state, args)?;
    let one = |audience| comms::targets(state, &[audience], only, monitoring);
    let targets = match args.audience {
        AudienceArg::All => comms::all_update_targets(config, incident, state, only)?,
        AudienceArg::Internal => one(Audience::Internal),
        AudienceArg::Management => one(Audience::Management),
        AudienceArg::Client => one(Audience::Client),
        AudienceArg::ClientManagement => one(Audience::ClientManagement),
    };
    if targets.is_empty() {
        bail!(
            "{} has no reader for --audience {}: give --client or another --audience",
            incident.id,
            clap::ValueEnum::to_possible_value(&args.audience)
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        );
    }
    for target in &targets {
        check_target(ctx, incident, state, target)?;
    }
    Ok(targets)
}

/// One reader of the update has a client when its audience is external, and recipients.
fn check_target(
    ctx: &Ctx,
    incident: &Incident,
    state: &State,
    target: &Target,
) -> anyhow::Result<()> {
    let audience = target.audience;
    if audience.is_external() && target.client.is_none() {
        bail!(
            "the {audience} audience needs a client, and this incident has none; \
             use --audience internal or management"
        );
    }
    let client = target.client.as_deref();
    if comms::recipients_for(&ctx.repo.config, incident, state, audience, client)?.is_empty() {
        bail!(
            "no recipients for the {} audience: {}",
            target.label(),
            comms::where_to_set(audience)
        );
    }
    Ok(())
}

/// `--client-message` only where the update goes both to the provider's people and to
/// the client's, and never with `-m -` when both would read standard input.
fn check_client_message(args: &UpdateArgs, targets: &[Target]) -> anyhow::Result<()> {
    let audiences: Vec<Audience> = targets.iter().map(|t| t.audience).collect();
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
    Ok(())
}

/// What the update says, checked: the same for every reader but its body.
struct Said {
    body: String,
    /// The client's people's own text (`--client-message`).
    client_body: Option<String>,
    status_line: Option<String>,
    eta: Option<Timestamp>,
    /// `--next` as written, for the update file.
    next: Option<String>,
    /// `--next` as a time: the next update promised.
    next_given: Option<Timestamp>,
}

impl Said {
    /// The text `audience` reads: the client's own when `--client-message` gives one.
    fn body_for(&self, audience: Audience) -> String {
        match &self.client_body {
            Some(text) if audience.is_external() => text.clone(),
            _ => self.body.clone(),
        }
    }
}

/// `--eta`, `--status-line`, `--next` and the texts, checked in that order: no time
/// in the past, no empty text, no time written without its zone.
fn read_said(ctx: &Ctx, args: &UpdateArgs, input: Option<String>) -> anyhow::Result<Said> {
    let eta = read_eta(ctx, args)?;
    let status_line = text::one_line_or_none(args.status_line.as_deref());
    let next_given = read_next(ctx, args)?;
    let next = text::one_line_or_none(args.next.as_deref());
    let body = match input {
        Some(text) => text,
        None => read_body(args)?,
    };
    let body = text::multi_line(&body);
    if body.trim().is_empty() {
        bail!("the update is empty: nothing was written");
    }
    let client_body = read_client_body(args)?;
    let mut typed: Vec<&str> = vec![&body];
    typed.extend(client_body.as_deref());
    typed.extend(status_line.as_deref());
    crate::facts::times::check("the update", &typed)?;
    Ok(Said {
        body,
        client_body,
        status_line,
        eta,
        next,
        next_given,
    })
}

/// `--eta`: when service is expected back, never before the update.
fn read_eta(ctx: &Ctx, args: &UpdateArgs) -> anyhow::Result<Option<Timestamp>> {
    let eta = args
        .eta
        .as_deref()
        .map(|t| time::parse_ahead(t, ctx.repo.config.tz(), ctx.now).context("in --eta"))
        .transpose()?;
    if let Some(eta) = eta.filter(|eta| *eta < ctx.now) {
        anyhow::bail!(
            "--eta {} is in the past (the update is at {}): give when service is now expected back",
            time::format(&eta),
            time::format(&ctx.now)
        );
    }
    Ok(eta)
}

/// `--next` as a time: when the next update will come, after this one.
fn read_next(ctx: &Ctx, args: &UpdateArgs) -> anyhow::Result<Option<Timestamp>> {
    args.next
        .as_deref()
        .map(|t| {
            let at = time::parse_ahead(t, ctx.repo.config.tz(), ctx.now).context("in --next")?;
            if at <= ctx.now {
                bail!(
                    "--next {} is not after the update ({}): give when the next update will come",
                    time::format(&at),
                    time::format(&ctx.now)
                );
            }
            Ok(at)
        })
        .transpose()
}

/// `--client-message`'s text, if given; never empty.
fn read_client_body(args: &UpdateArgs) -> anyhow::Result<Option<String>> {
    let Some(value) = &args.client_message else {
        return Ok(None);
    };
    let text = text::multi_line(&editor::flag_text(value.as_deref(), "--client-message")?);
    if text.trim().is_empty() {
        bail!("--client-message is empty: nothing was written");
    }
    Ok(Some(text))
}

/// Each client's people read the same text: one warning per client about what it
/// may leak.
fn warn_leaks(ctx: &Ctx, incident: &Incident, state: &State, targets: &[Target], said: &Said) {
    let mut warned: Vec<&str> = Vec::new();
    for target in targets.iter().filter(|t| t.audience.is_external()) {
        if let Some(key) = target.client.as_deref().filter(|k| !warned.contains(k)) {
            warned.push(key);
            let body = said.body_for(target.audience);
            crate::pir::rfo::leaks::warn(&ctx.repo.config, incident, state, key, &body);
        }
    }
}

/// An update file to write: its path and its text.
type UpdateFile = (PathBuf, String);

/// One `update` event per reader and the update file it names, with its text
/// (`next_by` still unset: see [`promise_next`]).
fn update_entries(
    ctx: &Ctx,
    incident: &Incident,
    state: &State,
    numbers: &[(&Target, u32)],
    said: &Said,
    by: &str,
    monitoring: bool,
) -> anyhow::Result<(Vec<Entry>, Vec<UpdateFile>)> {
    let mut entries = Vec::new();
    let mut files_written = Vec::new();
    let updates_dir = incident.dir.join(UPDATES_DIR);
    let mut taken = std::collections::HashSet::new();
    for &(target, number) in numbers {
        let audience = target.audience;
        // `<time>-<audience>.md`, or `<time>.2-<audience>.md` for the second update to
        // that audience recorded in the same second (chosen under the repository lock).
        let name = |seq| {
            format!(
                "{}-{}.md",
                comms::compact_seq(&ctx.now, seq),
                target.label()
            )
        };
        let seq = crate::store::free_seq(&ctx.repo.root, &updates_dir, &taken, name)?;
        taken.insert(name(seq));
        let file = format!("{UPDATES_DIR}/{}", name(seq));
        let path = incident.dir.join(&file);
        let front = front(ctx, incident, target, number, said, by);
        files_written.push((path, update_file::to_text(&front, &said.body_for(audience))));
        // To a client whose service is back, it is a monitoring update.
        let restored = restored(state, target);
        let entry = ctx.entry(
            incident,
            Event::Update {
                audience: audience.to_string(),
                number,
                file,
                monitoring: monitoring || restored,
                client: target.own_client().map(str::to_string),
                next_by: None,
                next_given: false,
            },
        )?;
        entries.push(entry);
    }
    Ok((entries, files_written))
}

/// The front matter of the update file to `target`.
fn front(
    ctx: &Ctx,
    incident: &Incident,
    target: &Target,
    number: u32,
    said: &Said,
    by: &str,
) -> UpdateFront {
    UpdateFront {
        incident: incident.id.clone(),
        number,
        audience: target.audience.to_string(),
        client: target.own_client().map(str::to_string),
        at: ctx.now,
        by: by.to_string(),
        status_line: said.status_line.clone(),
        eta: said.eta,
        next: said.next.clone(),
    }
}

/// Whether `target` is a client whose service is back.
fn restored(state: &State, target: &Target) -> bool {
    target
        .own_client()
        .and_then(|key| state.affected_client(key))
        .is_some_and(|c| c.restored().is_some())
}

/// Each message promises its reader the next one: by `--next`, else by that reader's
/// cadence once this update is recorded (the same derivation as `check` and
/// `status`). The promise is recorded with the update, and the e-mail states it.
fn promise_next(
    ctx: &Ctx,
    incident: &Incident,
    numbers: &[(&Target, u32)],
    said: &Said,
    entries: &mut [Entry],
) {
    let config = &ctx.repo.config;
    let mut recorded = incident.clone();
    recorded.entries.extend(entries.iter().cloned());
    let cadence_state = crate::state::derive(config, &recorded, ctx.now);
    let mut warned = Vec::new();
    for (entry, &(target, _)) in entries.iter_mut().zip(numbers) {
        let by_cadence = crate::sla::engine::promise_due(
            config,
            &recorded,
            &cadence_state,
            target.audience,
            target.own_client(),
        );
        // A time given with --next past the update clock's due: the clock, not the
        // promise, is what `check` holds us to first.
        if let (Some(given), Some(due)) = (said.next_given, by_cadence)
            && given > due
            && matches!(target.audience, Audience::Internal | Audience::Client)
            && !warned.contains(&target.audience)
        {
            warned.push(target.audience);
            let tz = config.tz();
            eprintln!(
                "warning: --next {} is after the {} update due by the cadence, {}: `mim check` counts a breach from then; give --next {} or sooner, or change the cadence with `mim plan`",
                crate::time::display(&given, tz),
                target.audience,
                crate::time::display(&due, tz),
                crate::time::display(&due, tz),
            );
        }
        let due = said.next_given.or(by_cadence);
        if let Event::Update {
            next_by,
            next_given: given,
            ..
        } = &mut entry.event
        {
            *next_by = due;
            *given = said.next_given.is_some();
        }
    }
}

/// One e-mail draft per reader, from the incident as `recorded` with this update.
fn drafts(
    ctx: &Ctx,
    recorded: &Incident,
    numbers: &[(&Target, u32)],
    said: &Said,
    by: &str,
    monitoring: bool,
) -> Vec<Draft> {
    let config = &ctx.repo.config;
    let now_state = crate::state::derive(config, recorded, ctx.now);
    let mut drafts = Vec::new();
    for &(target, number) in numbers {
        let audience = target.audience;
        let update = UpdateView {
            number,
            at: time::format(&ctx.now),
            by: by.to_string(),
            body: said.body_for(audience),
            status_line: said.status_line.clone(),
            eta: None,
            next: None,
            next_at: None,
            monitoring: monitoring || restored(&now_state, target),
        };
        let context = MessageContext::new_for(
            config,
            recorded,
            &now_state,
            audience,
            ctx.now,
            target.own_client(),
        )
        .with_update(update, said.eta);
        drafts.push(Draft::new(Kind::Update(number), target, ctx.now, context));
    }
    drafts
}

/// The composed e-mails into `outbox/`; their file names.
fn put_outbox(change: &mut Change, incident: &Incident, composed: &[Composed]) -> Vec<String> {
    let mut files = Vec::new();
    for message in composed {
        let name = message.file_name();
        change.put(
            incident.dir.join(OUTBOX_DIR).join(&name),
            message.bytes.clone(),
        );
        files.push(name);
    }
    files
}

/// `update 2 to internal, management, client` when every audience has the same
/// number, else `update internal 3, management 1, client 2` (short enough for a commit
/// subject).
fn summary(numbers: &[(&Target, u32)]) -> String {
    let first = numbers.first().map_or(0, |(_, n)| *n);
    if numbers.iter().all(|(_, n)| *n == first) {
        let names: Vec<String> = numbers.iter().map(|(t, _)| t.label()).collect();
        return format!("update {first} to {}", names.join(", "));
    }
    let parts: Vec<String> = numbers
        .iter()
        .map(|(t, n)| format!("{} {n}", t.label()))
        .collect();
    format!("update {}", parts.join(", "))
}

/// The client `--client` names: one the incident affects (or affected and restored),
/// never one it does not, or one taken off.
fn check_client<'a>(
    incident: &Incident,
    state: &crate::state::State,
    args: &'a UpdateArgs,
) -> anyhow::Result<Option<&'a str>> {
    let Some(key) = args.client.as_deref() else {
        return Ok(None);
    };
    if matches!(
        args.audience,
        AudienceArg::Internal | AudienceArg::Management
    ) {
        bail!(
            "--client picks which client's people are written to: use it with --audience client, client-management or all"
        );
    }
    if let Some(at) = state.affected_client(key).and_then(|c| c.restored()) {
        eprintln!(
            "note: {key}'s service is back (restored {}, its restoral notice written then); this update still goes to {key}",
            crate::time::format(&at)
        );
    }
    if state.affected_client(key).is_none() {
        let affected: Vec<&str> = state.affected().map(|c| c.client.as_str()).collect();
        bail!(
            "{} does not affect client `{key}`{}",
            incident.id,
            if affected.is_empty() {
                " (it affects no client)".to_string()
            } else {
                format!(": it affects {}", affected.join(", "))
            }
        );
    }
    Ok(Some(key))
}

fn report(
    ctx: &Ctx,
    incident: &Incident,
    numbers: &[(&Target, u32)],
    files: &[String],
    sending: bool,
) -> anyhow::Result<()> {
    let paths = ctx.outbox_paths(incident, files);
    if ctx.json {
        let numbers: serde_json::Map<String, serde_json::Value> = numbers
            .iter()
            .map(|(t, n)| (t.label(), (*n).into()))
            .collect();
        return ctx.print_json(&serde_json::json!({
            "incident": incident.id, "numbers": numbers, "messages": paths,
        }));
    }
    for p in &paths {
        println!("{p}");
    }
    let messages = crate::text::plural(files.len(), "message");
    if sending {
        eprintln!(
            "{}: {} recorded; sending {messages}",
            incident.id,
            summary(numbers)
        );
    } else {
        eprintln!(
            "{}: {} recorded; {messages} in outbox/ (send them with `mim send {}`)",
            incident.id,
            summary(numbers),
            incident.id
        );
    }
    Ok(())
}

/// The body: `-m TEXT`, `-m -` (standard input), or the editor.
fn read_body(args: &UpdateArgs) -> anyhow::Result<String> {
    match args.message.as_deref() {
        Some("-") => {
            let what = "the update read from standard input";
            let text = crate::limits::read_text(what, std::io::stdin())?;
            text::check(what, &text)?;
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
