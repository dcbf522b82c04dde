//! `mim intake`: one alert payload (a file or standard input) proposes an incident, or
//! becomes notes on the open incident its alert or group belongs to; `mim intake serve`
//! takes the same payloads over HTTP ([`crate::intake::serve`]). Each payload is one
//! transaction and one commit, with the payload kept under the incident's `alerts/`.

use std::io::Read;
use std::path::Path;

use anyhow::Context as _;
use rayon::prelude::*;

use crate::cli::IntakeArgs;
use crate::config::Config;
use crate::context::Ctx;
use crate::error::Error;
use crate::intake::payload::{self, Format, Payload};
use crate::intake::{self, Action, Outcome, Proposal};
use crate::lifecycle::Status;
use crate::model::{Entry, Event, Incident, Names, Record, timeline};
use crate::store::{self, Change};
use crate::time;

/// The directory in an incident that keeps the payloads as received.
pub const ALERTS_DIR: &str = "alerts";

/// Read the payload before the repository lock is taken: the file, or standard input,
/// at most `intake.max_payload` bytes.
pub fn read_input(ctx: &Ctx, args: &IntakeArgs) -> anyhow::Result<String> {
    let limit = ctx.repo.config.intake.max_payload;
    let (mut reader, name): (Box<dyn Read>, String) = match args.file.as_deref() {
        None => (Box::new(std::io::stdin()), "standard input".into()),
        Some(p) if p == Path::new("-") => (Box::new(std::io::stdin()), "standard input".into()),
        Some(p) => (
            Box::new(std::fs::File::open(p).with_context(|| format!("reading {}", p.display()))?),
            p.display().to_string(),
        ),
    };
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(limit.bytes() + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {name}"))?;
    if bytes.len() as u64 > limit.bytes() {
        anyhow::bail!(
            "the payload in {name} is larger than intake.max_payload ({limit}): refused, nothing recorded"
        );
    }
    String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!("the payload in {name} is not UTF-8 text: refused, nothing recorded")
    })
}

pub fn run(ctx: &Ctx, args: &IntakeArgs, input: Option<String>) -> anyhow::Result<()> {
    let text = input.context("internal error: the payload was not read")?;
    let outcome = ingest(ctx, text.as_bytes(), args.format)?;
    report(ctx, &outcome)
}

/// Print what was done; a refusal fails the command (nothing was written).
fn report(ctx: &Ctx, outcome: &Outcome) -> anyhow::Result<()> {
    if ctx.json {
        ctx.print_json(outcome)?;
        if outcome.action == Action::Refused {
            return Err(Error::Findings.into());
        }
        return Ok(());
    }
    match outcome.action {
        Action::Refused => anyhow::bail!("{}: nothing recorded", outcome.message),
        Action::Ignored => eprintln!("{}", outcome.message),
        Action::Proposed | Action::Noted => {
            eprintln!("{}", outcome.message);
            if let Some(id) = &outcome.incident {
                println!("{id}");
            }
        }
    }
    Ok(())
}

/// Take in one payload under the repository lock (held by the caller): note it on the
/// open incident it belongs to, or propose one by the rules, or refuse it. A refusal is
/// an [`Outcome`]; an error is a failure to write.
pub fn ingest(ctx: &Ctx, bytes: &[u8], format: Option<Format>) -> anyhow::Result<Outcome> {
    let limit = ctx.repo.config.intake.max_payload;
    if bytes.len() as u64 > limit.bytes() {
        return Ok(Outcome::malformed(format!(
            "the payload is larger than intake.max_payload ({limit})"
        )));
    }
    let payload = match payload::parse(bytes, format) {
        Ok(p) => p,
        Err(why) => return Ok(Outcome::malformed(why)),
    };
    let text = String::from_utf8_lossy(bytes);
    if let Some(incident) = open_incident(ctx, &payload)? {
        return note(ctx, &incident, &payload, &text);
    }
    if intake::lead(&payload).is_none() {
        let status = payload.alerts[0].status.as_str().to_string();
        return Ok(Outcome {
            action: Action::Ignored,
            incident: None,
            rule: None,
            alerts: 0,
            message: format!(
                "a {status} {} alert that no open incident has: nothing to note, and only a firing alert proposes an incident",
                payload.source
            ),
            malformed: false,
        });
    }
    match intake::propose(&ctx.repo.config, &payload, ctx.now) {
        Ok(p) => propose(ctx, p, &payload, &text),
        Err(why) => Ok(Outcome::refused(why)),
    }
}

/// The open incident (not closed, not rejected) that has one of the payload's alerts or
/// its group, among those reported within `intake.dedup_within`; a duplicate stands for
/// the incident it duplicates. The latest reported wins.
fn open_incident(ctx: &Ctx, payload: &Payload) -> anyhow::Result<Option<Incident>> {
    let ids = ctx.repo.incident_ids()?;
    let tz = ctx.repo.config.tz();
    let since = (ctx.now - ctx.repo.config.intake.dedup_within.to_chrono())
        .with_timezone(&tz)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let recent = ids.partition_point(|id| id.as_str() < since.as_str());
    let found: Vec<(String, Option<String>)> = ids[recent..]
        .par_iter()
        .filter_map(|id| {
            let incident = store::load(&ctx.repo, id).ok()?;
            let state = ctx.state(&incident);
            if !intake::belongs(&state, payload) {
                return None;
            }
            match state.status {
                Status::Closed => None,
                Status::Rejected => state
                    .duplicate_of()
                    .map(|other| (id.clone(), Some(other.to_string()))),
                _ => Some((id.clone(), None)),
            }
        })
        .collect();
    for (id, duplicate_of) in found.into_iter().rev() {
        let target = duplicate_of.unwrap_or(id);
        let Ok(target) = ctx.resolve(Some(&target)) else {
            continue;
        };
        let Ok(incident) = store::load(&ctx.repo, &target) else {
            continue;
        };
        let status = ctx.state(&incident).status;
        if !matches!(status, Status::Closed | Status::Rejected) {
            return Ok(Some(incident));
        }
    }
    Ok(None)
}

/// The alert events of a payload, kept in `file` (relative to the incident).
fn events(payload: &Payload, file: &str) -> Vec<Event> {
    intake::distinct(payload)
        .into_iter()
        .map(|a| Event::Alert {
            source: payload.source.clone(),
            status: a.status.as_str().to_string(),
            key: a.key.clone(),
            group: payload.group.clone(),
            title: a.title.clone(),
            started: a.started,
            payload: Some(file.to_string()),
        })
        .collect()
}

/// Where the payload is kept: `alerts/<time>-<source>.json` (with `-2`, `-3` … when the
/// name is taken).
fn payload_file(ctx: &Ctx, dir: &Path, source: &str) -> anyhow::Result<String> {
    let stamp = ctx.now.to_utc().format("%Y%m%dT%H%M%SZ").to_string();
    let alerts = dir.join(ALERTS_DIR);
    let name = |seq: u32| match seq {
        1 => format!("{stamp}-{source}.json"),
        n => format!("{stamp}-{source}-{n}.json"),
    };
    let seq = crate::store::free_seq(
        &ctx.repo.root,
        &alerts,
        &std::collections::HashSet::new(),
        name,
    )?;
    Ok(format!("{ALERTS_DIR}/{}", name(seq)))
}

fn note(ctx: &Ctx, incident: &Incident, payload: &Payload, text: &str) -> anyhow::Result<Outcome> {
    let file = payload_file(ctx, &incident.dir, &payload.source)?;
    let mut change = Change::new();
    change.put(incident.dir.join(&file), text.as_bytes().to_vec());
    let events = events(payload, &file);
    let n = events.len();
    let mut seen = incident.clone();
    for event in events {
        let entry = ctx.entry(&seen, event)?;
        change.event(&incident.dir, &entry);
        seen.entries.push(entry);
    }
    let statuses = status_words(payload);
    let summary = format!(
        "{n} {} alert{} noted ({statuses})",
        payload.source,
        if n == 1 { "" } else { "s" }
    );
    ctx.record(&incident.id, "alert", &summary, &change)?;
    let state = ctx.state(&seen);
    let mut message = format!("{}: {summary}", incident.id);
    if state.status == Status::Resolved && intake::lead(payload).is_some() {
        message.push_str(&format!(
            "; {} is resolved and the alert fires again: if service is down, `mim reopen {}`",
            incident.id, incident.id
        ));
    }
    Ok(Outcome {
        action: Action::Noted,
        incident: Some(incident.id.clone()),
        rule: None,
        alerts: n,
        message,
        malformed: false,
    })
}

/// `firing`, `2 firing, 1 resolved`.
fn status_words(payload: &Payload) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for a in intake::distinct(payload) {
        match counts.iter_mut().find(|(s, _)| s == a.status.as_str()) {
            Some((_, n)) => *n += 1,
            None => counts.push((a.status.as_str().to_string(), 1)),
        }
    }
    counts
        .iter()
        .map(|(s, n)| {
            if *n == 1 {
                s.clone()
            } else {
                format!("{n} {s}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Declare the incident `p` proposes, with the payload kept under its `alerts/` and
/// one timeline event per alert; refused (not an error) when the rule's fields do not
/// fit mim.yaml.
fn propose(ctx: &Ctx, p: Proposal, payload: &Payload, text: &str) -> anyhow::Result<Outcome> {
    let config = &ctx.repo.config;
    let priority = match proposal_priority(config, &p) {
        Ok(priority) => priority,
        Err(why) => return Ok(Outcome::refused(format!("rule `{}`: {why}", p.rule))),
    };
    let record = proposed_record(ctx, &p, &priority)?;
    let date = ctx.now.with_timezone(&config.tz()).date_naive();
    let id = ctx.repo.new_id(date, &record.title);
    let dir = ctx.repo.incident_dir(&id);
    let file = payload_file(ctx, &dir, &payload.source)?;
    let incident = Incident {
        id: id.clone(),
        dir: dir.clone(),
        record: record.clone(),
        entries: Vec::new(),
        plan: None,
        texts: Default::default(),
    };
    let (lines, alerts) = alert_lines(ctx, &incident, payload, &file)?;
    // Its record, its timeline and the payload as received.
    let mut change = ctx.new_incident(&dir, &record, &lines)?;
    change.put(dir.join(&file), text.as_bytes().to_vec());
    let summary = format!(
        "declared {priority} {} (intake rule {})",
        record.title, p.rule
    );
    ctx.record(&id, "intake", &summary, &change)?;
    let started = p
        .impact_started
        .map(|t| format!(", impact started {}", time::display(&t, config.tz())))
        .unwrap_or_default();
    Ok(Outcome {
        action: Action::Proposed,
        incident: Some(id.clone()),
        rule: Some(p.rule.clone()),
        alerts,
        message: format!(
            "{id}: proposed {priority} {} from {} by rule {}{started}",
            record.title, payload.source, p.rule
        ),
        malformed: false,
    })
}

/// The priority of `p`'s impact and urgency, or why mim.yaml does not take the
/// proposal: an unknown client or category, or no priority in the matrix.
fn proposal_priority(config: &Config, p: &Proposal) -> Result<String, String> {
    if let Some(client) = &p.client
        && !config.clients.contains_key(client)
    {
        return Err(format!(
            "client `{client}` is not under `clients` in mim.yaml ({})",
            config.client_list()
        ));
    }
    if let Some(category) = &p.category
        && !config.categories.is_empty()
        && !config.categories.contains(category)
    {
        return Err(format!(
            "category `{category}` is not one of {}",
            config.categories.join(", ")
        ));
    }
    let Some(priority) = config.priority_for(&p.impact, &p.urgency) else {
        return Err(format!(
            "impact {} and urgency {} have no priority in the matrix",
            p.impact, p.urgency
        ));
    };
    Ok(priority.to_string())
}

/// The proposed incident's record, reported now by the actor.
fn proposed_record(ctx: &Ctx, p: &Proposal, priority: &str) -> anyhow::Result<Record> {
    Ok(Record {
        title: p.title.clone(),
        service: Names::new([p.service.clone()]),
        client: Names::new(p.client.clone()),
        ci: Names::new(p.ci.clone()),
        category: p.category.clone(),
        impact: p.impact.clone(),
        urgency: p.urgency.clone(),
        priority: priority.to_string(),
        reporter: ctx.actor()?,
        reported: ctx.now,
        impact_started: p.impact_started,
        detected: None,
        tickets: Vec::new(),
        description: p.description.clone(),
    })
}

/// The new incident's timeline lines, one event per alert of `payload`, and how many.
fn alert_lines(
    ctx: &Ctx,
    incident: &Incident,
    payload: &Payload,
    file: &str,
) -> anyhow::Result<(String, usize)> {
    let mut lines = String::new();
    let mut seen = incident.clone();
    for event in events(payload, file) {
        let entry: Entry = ctx.entry(&seen, event)?;
        lines.push_str(&timeline::to_line(&entry));
        seen.entries.push(entry);
    }
    Ok((lines, seen.entries.len()))
}

/// `mim intake serve`: see [`crate::intake::serve`].
pub fn serve(
    global: &crate::cli::Global,
    env_now: Option<&str>,
    args: &crate::cli::ServeArgs,
) -> anyhow::Result<()> {
    if global.at.is_some() {
        return Err(crate::error::Error::Usage(anyhow::anyhow!(
            "--at is not for `mim intake serve`: each payload is recorded at the time it arrives"
        ))
        .into());
    }
    // The repository and its configuration are checked once before listening.
    let first = Ctx::new(global, env_now)?;
    let limit = first.repo.config.intake.max_payload;
    drop(first);
    let handler = |bytes: &[u8], format: Option<Format>| -> anyhow::Result<Outcome> {
        let mut ctx = Ctx::new(global, env_now)?;
        ctx.lock()?;
        ingest(&ctx, bytes, format)
    };
    crate::intake::serve::run(&args.listen, limit.bytes(), &handler)
}
