//! The client's incident report (a "reason for outage", RFO): what one affected client
//! may read about the incident, rendered by the `rfo.md` template (overridable).
//!
//! [`Rfo`] holds nothing internal by construction: the client's own service, impact
//! window (in its time zone), restore clock and figures; the cause and the fix from
//! `pir.md`'s client summary; a timeline of what that client was told (its updates and
//! restoral notices) and of milestones it may know; the action items committed to it.
//! No other client, none of our people's names, no vendor case, bridge, problem ticket
//! or internal note is in it, so no template can show them. The free text it carries
//! (the summary, the messages, the action items) is written by people: [`leaks`] refuses
//! a report in which any of it names what the client must not read.

pub(crate) mod leaks;

pub use leaks::leaks;

use anyhow::Context as _;
use serde::Serialize;

use crate::config::Config;
use crate::facts::{Facts, Reader};
use crate::model::pir::ActionKind;
use crate::model::{Audience, Incident, MilestoneKind};
use crate::pir::document::{self, ClientSummary};
use crate::pir::{ActionStatus, Pir};
use crate::render::view::OrgView;
use crate::render::{Templates, markdown};
use crate::sla::figures;
use crate::state::{State, UpdateMark};
use crate::text;
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// The markdown template (built in, overridable in the repository's `templates/`).
pub const TEMPLATE_MD: &str = "rfo.md";
/// An optional repository template for the HTML report; without it the markdown report
/// is converted to HTML.
pub const TEMPLATE_HTML: &str = "rfo.html";

/// The report's file name in the incident directory: `rfo-acme.md`.
pub fn file_name(client: &str, format: super::report::Format) -> String {
    match format {
        super::report::Format::Md => format!("rfo-{client}.md"),
        super::report::Format::Html => format!("rfo-{client}.html"),
    }
}

/// Everything the client's incident report template sees. Times are RFC 3339, shown
/// with `datetime` in `tz`, the client's time zone.
#[derive(Clone, Debug, Serialize)]
pub struct Rfo {
    pub org: OrgView,
    /// The IANA time zone the client reads times in.
    pub tz: String,
    /// When the report is rendered.
    pub now: String,
    /// The client's name, as `mim.yaml` gives it.
    pub client: String,
    /// The incident's reference (its ID) and title, as the client's messages gave them.
    pub reference: String,
    pub title: String,
    /// The services the client lost.
    pub service: String,
    /// The client's impact level.
    pub impact: String,
    /// When the client's impact began, when the incident was reported to us, and when
    /// the client's service came back (none while it is not).
    pub affected_at: String,
    pub reported_at: String,
    pub restored_at: Option<String>,
    /// Restored on a temporary workaround.
    pub workaround: bool,
    /// From `affected_at` to `restored_at`, wall clock (`2h30m`); none before.
    pub since_affected: Option<String>,
    /// The restore clock of the client's contract, as `mim check --client` counts it.
    pub restore: Option<RestoreView>,
    /// The cause and the fix in the client's words (Markdown): `pir.md`'s client summary.
    pub cause: String,
    pub fix: String,
    /// What the client was told and the milestones it may know, in time order.
    pub timeline: Vec<Moment>,
    /// The action items committed to the client, or that it adopted at a review.
    pub actions: Vec<ActionView>,
    /// When the incident was reviewed with the client (`mim pir review … client`).
    pub reviewed_at: Vec<String>,
}

/// A restore clock as the client reads it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RestoreView {
    /// Working time counted against the target (its calendar, less time on hold), e.g.
    /// `2h`; and the same in seconds.
    pub used: String,
    pub used_s: i64,
    /// The target of its contract, e.g. `4h`.
    pub target: String,
    pub target_s: i64,
    /// `met`, `breached`, `running`, `at-risk` or `paused`.
    pub state: String,
    pub met: bool,
    pub breached: bool,
}

/// One moment of the client's timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Moment {
    pub at: String,
    /// `affected`, `reported`, `identified`, `mitigated`, `fixed`, `update`, `restored`,
    /// `affected-again`.
    pub kind: String,
    /// What happened, in the client's words: the milestone, or what it was told.
    pub text: String,
}

/// An action item committed to the client.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionView {
    pub text: String,
    /// The day it is due.
    pub due: String,
    /// `open`, `done`, or `withdrawn` (dropped).
    pub status: String,
    /// When it was done or withdrawn.
    pub closed_at: Option<String>,
    /// Something the client does (`--kind client`), not us.
    pub yours: bool,
}

/// The client's report of `incident` for client `key`, rendered in `format`. Errors
/// when the incident never affected `key`, has no PIR, `pir.md` has no client summary,
/// or the report would show what the client must not read.
#[allow(clippy::too_many_arguments)]
pub fn for_client(
    config: &Config,
    templates: &Templates,
    root: &std::path::Path,
    incident: &Incident,
    state: &State,
    pir_md: &str,
    shown_pir_md: &std::path::Path,
    key: &str,
    format: super::report::Format,
) -> anyhow::Result<String> {
    let pir = state
        .pir
        .as_ref()
        .with_context(|| format!("{} has no post incident review", incident.id))?;
    let summary = document::client_summary(pir_md).map_err(|missing| {
        anyhow::anyhow!(
            "{} has no client summary yet: the client's report takes the cause and the fix from it. \
             Add {} to it, written for the client, like this:\n\n{}",
            shown_pir_md.display(),
            missing.join(" and "),
            document::client_summary_skeleton(false)
        )
    })?;
    let read = |mark: &UpdateMark| -> anyhow::Result<(Option<String>, String)> {
        let (front, body) = crate::comms::update_file::read(root, &incident.dir, mark)?;
        Ok((front.status_line, body))
    };
    let rfo = build(config, incident, state, pir, &summary, key, &read)?;
    let found = leaks(config, incident, state, key, &rfo);
    if !found.is_empty() {
        anyhow::bail!(
            "the incident report for {} would show what it must not read:\n{}\nnothing was written: \
             reword {}'s client summary or the action items committed to it; for text it was \
             already sent, override templates/{TEMPLATE_MD} to leave it out",
            config.client_name(key),
            found
                .iter()
                .map(|l| format!("  - {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            shown_pir_md.display()
        );
    }
    render(templates, &rfo, format)
}

/// Render the report in `format`. HTML uses the repository's `rfo.html` when there is
/// one (autoescaped), else the Markdown report converted (user HTML escaped).
pub fn render(
    templates: &Templates,
    rfo: &Rfo,
    format: super::report::Format,
) -> anyhow::Result<String> {
    match format {
        super::report::Format::Md => templates.render(TEMPLATE_MD, rfo),
        super::report::Format::Html => {
            if templates.source(TEMPLATE_HTML)?.is_some() {
                return templates.render(TEMPLATE_HTML, rfo);
            }
            let md = templates.render(TEMPLATE_MD, rfo)?;
            Ok(markdown::report_document(
                &format!("Incident report: {}", rfo.title),
                &markdown::to_html(&md),
                &templates.brand,
            ))
        }
    }
}

/// The status line and the body of a recorded update, as its file holds them.
pub type ReadUpdate<'a> = dyn Fn(&UpdateMark) -> anyhow::Result<(Option<String>, String)> + 'a;

/// The report's context for client `key` of `incident`; `read` gives the text of each
/// update the client was sent.
pub fn build(
    config: &Config,
    incident: &Incident,
    state: &State,
    pir: &Pir,
    summary: &ClientSummary,
    key: &str,
    read: &ReadUpdate<'_>,
) -> anyhow::Result<Rfo> {
    let Some(c) = state.affected_client(key) else {
        let clients: Vec<&str> = state.affected().map(|c| c.client.as_str()).collect();
        anyhow::bail!(
            "--client {}: {} does not affect that client; its clients are {}",
            key.escape_debug(),
            incident.id,
            if clients.is_empty() {
                "none".to_string()
            } else {
                clients.join(", ")
            }
        );
    };
    let evaluation = crate::sla::evaluate_state(config, incident, state);
    let window = figures::of_client(state, &evaluation, c);
    let reader = Facts::with(
        config,
        incident,
        state,
        &evaluation,
        &Reader::new(Audience::Client, Some(key)),
        None,
    );
    let zone = config.client_tz(key);
    let restore = window.restore.as_ref().map(|r| RestoreView {
        used: Duration::from_secs(r.used_s).human(),
        used_s: r.used_s,
        target: Duration::from_secs(r.target_s).human(),
        target_s: r.target_s,
        state: r.state.to_string(),
        met: r.state == crate::sla::ClockState::Met,
        breached: r.state == crate::sla::ClockState::Breached,
    });
    Ok(Rfo {
        org: OrgView::new(config),
        tz: zone.name().to_string(),
        now: time::format(&state.now),
        client: config.client_name(key),
        reference: incident.id.clone(),
        title: incident.record.title.clone(),
        service: reader.service.clone(),
        impact: window.impact.clone(),
        affected_at: time::format(&window.affected_at),
        reported_at: time::format(&state.reported),
        restored_at: window.restored_at.as_ref().map(time::format),
        workaround: reader.workaround,
        since_affected: window
            .since_affected_s
            .map(|s| Duration::from_secs(s).human()),
        restore,
        cause: summary.cause.clone(),
        fix: summary.fix.clone(),
        timeline: timeline(config, state, key, &reader.service, zone, read)?,
        actions: actions(state, pir, key),
        reviewed_at: super::client_reviews(state, pir)
            .into_iter()
            .filter(|(client, _)| client.as_deref() == Some(key))
            .flat_map(|(_, reviews)| reviews.into_iter().map(|r| time::format(&r.held_at)))
            .collect(),
    })
}

/// The milestones the client's timeline shows, in its words.
const MILESTONE_WORDS: [(MilestoneKind, &str); 3] = [
    (MilestoneKind::Identified, "We identified the cause."),
    (MilestoneKind::Mitigated, "We mitigated the impact."),
    (MilestoneKind::Fixed, "The permanent fix was in place."),
];

/// The client's timeline: its impact, the report (when it was affected from the start),
/// the cause identified, the impact mitigated, the fix in, every message its people were
/// sent (updates and restoral notices), and its service affected again after a
/// restoration; in time order.
fn timeline(
    config: &Config,
    state: &State,
    key: &str,
    service: &str,
    zone: chrono_tz::Tz,
    read: &ReadUpdate<'_>,
) -> anyhow::Result<Vec<Moment>> {
    let Some(c) = state.affected_client(key) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<(Timestamp, u8, Moment)> = Vec::new();
    let mut add = |at: Timestamp, order: u8, kind: &str, text: String| {
        out.push((
            at,
            order,
            Moment {
                at: time::format(&at),
                kind: kind.to_string(),
                text: text::one_line(&text),
            },
        ));
    };
    let declared = c.entry.is_none();
    let affected = figures::affected_at(state, c);
    if declared {
        add(affected, 0, "affected", format!("{service} was affected."));
        add(
            state.reported,
            1,
            "reported",
            "The incident was reported to us.".into(),
        );
    } else {
        add(
            affected,
            0,
            "affected",
            format!("We found that {service} was affected by this incident."),
        );
    }
    for (kind, words) in MILESTONE_WORDS {
        if let Some(m) = state.milestone(kind) {
            add(m.at, 2, kind.as_str(), words.into());
        }
    }
    for Told { at, text, to } in told_messages(config, state, key, zone, read)? {
        add(at, 3, "update", format!("{}: {text}", told_head(&to)));
    }
    for Restoration {
        at,
        undone,
        workaround,
        message,
    } in restorations(state, key)
    {
        let how = if workaround {
            " with a temporary workaround"
        } else {
            ""
        };
        let text = match message {
            Some(m) => format!("{service} was restored{how}: {m}"),
            None => format!("{service} was restored{how}."),
        };
        add(at, 4, "restored", text);
        if let Some(again) = undone {
            add(
                again,
                5,
                "affected-again",
                format!("{service} was affected again."),
            );
        }
    }
    out.sort_by_key(|(at, order, _)| (*at, *order));
    Ok(out.into_iter().map(|(_, _, m)| m).collect())
}

/// The messages the client's people were sent, in time order; an update sent to several
/// of its audiences at once is one.
fn told_messages(
    config: &Config,
    state: &State,
    key: &str,
    zone: chrono_tz::Tz,
    read: &ReadUpdate<'_>,
) -> anyhow::Result<Vec<Told>> {
    let day_zone = config.tz();
    let mut told: Vec<Told> = Vec::new();
    for audience in [
        Audience::Client,
        Audience::ClientManagement,
        Audience::EndUsers,
    ] {
        for mark in state
            .updates_for(audience, Some(key))
            .filter(|u| u.audience == audience.as_str())
        {
            let (status_line, body) = read(mark)?;
            let local = |t: &str| crate::facts::times::expand(t, day_zone, mark.at, zone);
            let mut text = String::new();
            if let Some(line) = &status_line {
                text.push_str(&format!("({}) ", local(line)));
            }
            text.push_str(&local(&first_paragraph(&body)));
            match told.iter_mut().find(|t| t.at == mark.at && t.text == text) {
                Some(t) => t.to.push((audience, mark.number)),
                None => told.push(Told {
                    at: mark.at,
                    text,
                    to: vec![(audience, mark.number)],
                }),
            }
        }
    }
    Ok(told)
}

/// `Update 3 to your IT team and management`, or with each audience's number where they
/// differ.
fn told_head(to: &[(Audience, u32)]) -> String {
    let same_number = to.iter().all(|(_, n)| *n == to[0].1);
    let whom: Vec<String> = to
        .iter()
        .map(|(a, n)| match same_number {
            true => people(*a).to_string(),
            false => format!("{} ({n})", people(*a)),
        })
        .collect();
    match same_number {
        true => format!("Update {} to your {}", to[0].1, whom.join(" and ")),
        false => format!("Update to your {}", whom.join(" and ")),
    }
}

/// One message the client's people were sent, to one or more of its audiences: each
/// with the message's number.
struct Told {
    at: Timestamp,
    text: String,
    to: Vec<(Audience, u32)>,
}

/// The client's people an audience is, in the client's words.
fn people(audience: Audience) -> &'static str {
    match audience {
        Audience::ClientManagement => "management",
        Audience::EndUsers => "users",
        _ => "IT contacts",
    }
}

/// The first paragraph of a message body.
fn first_paragraph(body: &str) -> String {
    body.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A restoration the client was told of.
struct Restoration {
    at: Timestamp,
    /// When its service was affected again (the client's, or a reopen).
    undone: Option<Timestamp>,
    workaround: bool,
    /// What it was told (`--client-message`), when not the standard wording.
    message: Option<String>,
}

/// Each restoration the client was told of: its own (`mim affect --restored`), and each
/// resolve of the incident while its service was not already back; a resolve undone by
/// a reopen is followed by the reopen.
fn restorations(state: &State, key: &str) -> Vec<Restoration> {
    let Some(c) = state.affected_client(key) else {
        return Vec::new();
    };
    let mut out: Vec<Restoration> = state
        .client_restorals
        .iter()
        .filter(|r| r.client == key)
        .map(|r| Restoration {
            at: r.at,
            undone: r.undone_at,
            workaround: r.workaround,
            message: r.client_message.clone(),
        })
        .collect();
    let back_at = |at: Timestamp| {
        c.restored_periods
            .iter()
            .any(|(from, until)| *from <= at && until.is_none_or(|u| u > at))
    };
    for r in state.resolutions.iter().filter(|r| r.at >= c.since) {
        if !back_at(r.at) {
            out.push(Restoration {
                at: r.at,
                undone: r.reopened_at,
                workaround: r.workaround,
                message: r.client_message.clone(),
            });
        }
    }
    out
}

/// The action items committed to client `key` (`--client`) or that it adopted at a
/// review held with it.
fn actions(state: &State, pir: &Pir, key: &str) -> Vec<ActionView> {
    let adopted: Vec<&String> = super::client_reviews(state, pir)
        .into_iter()
        .filter(|(client, _)| client.as_deref() == Some(key))
        .flat_map(|(_, reviews)| reviews.into_iter().flat_map(|r| &r.adopted))
        .collect();
    pir.actions
        .iter()
        .filter(|a| a.clients.iter().any(|c| c == key) || adopted.contains(&&a.id))
        .map(|a| {
            let (status, closed) = match &a.status {
                ActionStatus::Open => ("open", None),
                ActionStatus::Done { at, .. } => ("done", Some(at)),
                ActionStatus::Dropped { at, .. } => ("withdrawn", Some(at)),
            };
            ActionView {
                text: text::one_line(&a.text),
                due: a.due.to_string(),
                status: status.to_string(),
                closed_at: closed.map(time::format),
                yours: a.kind == ActionKind::Client,
            }
        })
        .collect()
}
