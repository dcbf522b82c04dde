//! `mim declare`: propose a major incident.

use anyhow::{Context as _, bail};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::DeclareArgs;
use crate::context::Ctx;
use crate::model::{Names, Record};
use crate::store;
use crate::text;
use crate::time;

/// Declare the incident: its record and an empty timeline, one commit; its ID printed.
pub fn run(ctx: &Ctx, args: &DeclareArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let record = declared_record(ctx, args)?;
    let priority = record.priority.clone();
    let date = ctx.now.with_timezone(&config.tz()).date_naive();
    let id = ctx.repo.new_id(date, &record.title);
    let dir = ctx.repo.incident_dir(&id);
    let change = ctx.new_incident(&dir, &record, "")?;
    let major = config.targets(&priority).is_some_and(|t| t.major);
    let summary = format!("declared {priority} {}", record.title);
    let similar = active_like(ctx, &record);
    ctx.record(&id, "declare", &summary, &change)?;
    if !major && !args.force {
        warn_not_major(ctx, &priority);
    }
    warn_similar(&id, &similar);
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "id": id,
            "priority": priority,
            "major": major,
            "active_like_this": similar,
        }));
    }
    println!("{id}");
    Ok(())
}

/// The record the flags declare, checked: a title and services, the impact's times,
/// and a priority for the impact and urgency in mim.yaml's matrix.
fn declared_record(ctx: &Ctx, args: &DeclareArgs) -> anyhow::Result<Record> {
    let title = text::required("--title", &args.title)?;
    let service = args
        .service
        .iter()
        .map(|s| text::required("--service", s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Impact, urgency, clients and category are values of mim.yaml's (`values::Choice`).
    let (impact, urgency) = (args.impact.clone(), args.urgency.clone());
    let (impact_started, detected) = impact_times(ctx, args)?;
    let Some(priority) = ctx.repo.config.priority_for(&impact, &urgency) else {
        bail!("mim.yaml's priority_matrix has no priority for impact {impact}, urgency {urgency}");
    };
    Ok(Record {
        title,
        service: Names::new(service),
        client: Names::new(args.client.iter().cloned()),
        ci: Names::new(
            args.ci
                .iter()
                .map(|c| text::one_line(c))
                .filter(|s| !s.is_empty()),
        ),
        category: args.category.clone(),
        impact,
        urgency,
        priority: priority.to_string(),
        reporter: ctx.actor()?,
        reported: ctx.now,
        impact_started,
        detected,
        tickets: args
            .tickets
            .iter()
            .map(|t| text::one_line(t))
            .filter(|t| !t.is_empty())
            .collect(),
        description: args
            .message
            .as_deref()
            .map(text::multi_line)
            .filter(|s| !s.is_empty()),
    })
}

/// The warning for a priority that is not a major incident's.
fn warn_not_major(ctx: &Ctx, priority: &str) {
    let majors: Vec<&str> = ctx
        .repo
        .config
        .priorities
        .iter()
        .filter(|(_, t)| t.major)
        .map(|(p, _)| p.as_str())
        .collect();
    eprintln!(
        "warning: {priority} does not meet the major-incident criteria (major priorities: {}); \
         declared anyway as a proposal for the incident manager. Use --force to silence this.",
        majors.join(", ")
    );
}

/// An active incident like the one being declared.
#[derive(Debug, Serialize)]
struct Similar {
    id: String,
    title: String,
    status: String,
    priority: String,
    /// `service`, or `client and configuration item`.
    same: &'static str,
}

/// How far back `declare` looks for an active incident on the same service: a major
/// incident open for longer is not the outage being declared now, and the look costs
/// the recent incidents, not the repository's years of history.
const SIMILAR_WITHIN_DAYS: i64 = 30;

/// The active incidents (not duplicates) reported in the last [`SIMILAR_WITHIN_DAYS`] on
/// the same service as `record`, or of the same client and configuration item: which
/// ones is told by the directory names (an ID starts with its date), then only their
/// records are read, and the state of those that match. Anything that cannot be read is
/// passed over: this only warns.
fn active_like(ctx: &Ctx, record: &Record) -> Vec<Similar> {
    let tz = ctx.repo.config.tz();
    let since = (record.reported - chrono::TimeDelta::days(SIMILAR_WITHIN_DAYS))
        .with_timezone(&tz)
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    // IDs start with their date: the months before are not even listed.
    let Ok(ids) = ctx.repo.incident_ids_from(&since) else {
        return Vec::new();
    };
    ids.par_iter()
        .filter_map(|id| {
            // The record first; the rest only of a match, without reading it again.
            let (other, text) = store::load_record(&ctx.repo, id).ok()?;
            let same = same_outage(record, &other)?;
            let incident = store::load_rest(&ctx.repo, id, Ok((other, text))).ok()?;
            let other = &incident.record;
            let state = ctx.state_now(&incident);
            let active =
                state.exists() && state.status.is_active() && state.duplicate_of().is_none();
            active.then(|| Similar {
                id: id.clone(),
                title: other.title.clone(),
                status: state.status.to_string(),
                priority: state.priority.clone(),
                same,
            })
        })
        .collect()
}

/// Why `other` may report the same outage as `new`: the same service, or the same
/// client and configuration item (compared without case or extra spaces).
fn same_outage(new: &Record, other: &Record) -> Option<&'static str> {
    let norm = |s: &str| text::one_line(s).to_lowercase();
    let shared = |a: &Names, b: &Names| a.iter().any(|x| b.iter().any(|y| norm(x) == norm(y)));
    if shared(&new.service, &other.service) {
        return Some("service");
    }
    (shared(&new.client, &other.client) && shared(&new.ci, &other.ci))
        .then_some("client and configuration item")
}

/// Warnings for the active incidents like this one, and how to mark a duplicate.
fn warn_similar(id: &str, similar: &[Similar]) {
    for s in similar {
        // The other incident's priority and title come from its files.
        let line = format!(
            "warning: {} is active on the same {} ({}, {}: {})",
            s.id, s.same, s.status, s.priority, s.title
        );
        eprintln!("{}", text::for_terminal(&line));
    }
    if let Some(first) = similar.first() {
        eprintln!(
            "hint: if {id} reports the same outage, `mim reject {id} --duplicate-of {}` (or `mim link {id} --duplicate-of {}` once accepted)",
            first.id, first.id
        );
    }
}

/// `--impact-started` and `--detected`: each at or before the report (now), and the
/// detection not before the impact started.
fn impact_times(
    ctx: &Ctx,
    args: &DeclareArgs,
) -> anyhow::Result<(Option<time::Timestamp>, Option<time::Timestamp>)> {
    let tz = ctx.repo.config.tz();
    let parse = |flag: &str, text: &Option<String>| -> anyhow::Result<Option<time::Timestamp>> {
        let Some(text) = text else { return Ok(None) };
        let at = time::parse(text, tz).with_context(|| format!("in {flag}"))?;
        if at > ctx.now {
            bail!(
                "{flag} {} is after the report ({}): the impact cannot start or be detected after the incident is declared",
                time::format(&at),
                time::format(&ctx.now)
            );
        }
        Ok(Some(at))
    };
    let started = parse("--impact-started", &args.impact_started)?;
    let detected = parse("--detected", &args.detected)?;
    if let (Some(s), Some(d)) = (started, detected)
        && d < s
    {
        bail!(
            "--detected {} is before --impact-started {}: an impact is detected once it has started",
            time::format(&d),
            time::format(&s)
        );
    }
    Ok((started, detected))
}
