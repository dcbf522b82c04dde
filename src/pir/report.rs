//! The PIR report: a view of the incident, its PIR and the people's prose, rendered by
//! the `pir-report.md` template (overridable). The computed parts come from the data
//! every time; the prose is `pir.md` verbatim (less its guidance comments).

use anyhow::Context as _;
use serde::Serialize;

use crate::config::Config;
use crate::model::{Incident, timeline};
use crate::pir::metrics::{self, Metrics};
use crate::pir::{ActionStatus, Pir, document};
use crate::render::{Templates, markdown};
use crate::state::State;
use crate::text;
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// The markdown template (built in, overridable in the repository's `templates/`).
pub const TEMPLATE_MD: &str = "pir-report.md";
/// An optional repository template for the HTML report; without it the markdown report
/// is converted to HTML.
pub const TEMPLATE_HTML: &str = "pir-report.html";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Md,
    Html,
}

impl Format {
    /// The report's file name in the incident directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Md => "pir-report.md",
            Format::Html => "pir-report.html",
        }
    }
}

/// Everything the report template sees. Times are shown in the organisation's time
/// zone (`when` strings); `at` keeps RFC 3339 for templates that format their own.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub organization: String,
    pub timezone: String,
    pub generated_at: String,
    pub incident: IncidentView,
    pub pir: PirView,
    pub timeline: Vec<TimelineItem>,
    pub metrics: MetricsView,
    /// `pir.md` after its title, without guidance comments.
    pub prose: String,
    pub actions: Vec<ActionView>,
    pub action_counts: Counts,
    pub reviews: Vec<ReviewView>,
    /// Recommendations (action items) the client adopted, when a client review was held.
    pub adoption: Option<Adoption>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub title: String,
    pub service: String,
    /// The client's name from mim.yaml (or its key).
    pub client: Option<String>,
    pub ci: Option<String>,
    pub category: Option<String>,
    pub status: String,
    pub priority: String,
    pub declared_priority: String,
    pub impact: String,
    pub urgency: String,
    pub reporter: String,
    pub manager: Option<String>,
    pub tickets: Vec<String>,
    pub reported: String,
    pub resolved: Option<String>,
    pub closed: Option<String>,
    /// How service was restored (the resolve message).
    pub restoration: Option<String>,
    pub closure: Option<String>,
    pub closure_text: Option<String>,
    pub workaround: bool,
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PirView {
    pub reason: String,
    pub reason_text: String,
    pub facilitator: String,
    pub started_at: String,
    pub started_by: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimelineItem {
    pub at: String,
    pub when: String,
    pub event: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MetricsView {
    pub time_to_accept: String,
    pub time_to_restore: String,
    pub time_on_hold: String,
    pub restore_excluding_hold: String,
    pub escalations: usize,
    pub reopens: u32,
    pub updates: Vec<UpdatesView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct UpdatesView {
    pub audience: String,
    pub count: usize,
    pub cadence: String,
    pub longest_gap: String,
    /// `yes`, `no`, or `n/a` without a cadence.
    pub held: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionView {
    pub id: String,
    pub text: String,
    pub owner: String,
    pub due: String,
    pub kind: String,
    pub status: String,
    /// `on 2026-12-01 09:00 UTC by Bob: note` for done and dropped items.
    pub closed: Option<String>,
    pub adopted: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Counts {
    pub open: usize,
    pub done: usize,
    pub dropped: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReviewView {
    pub session: String,
    pub held_at: String,
    pub attendees: String,
    pub feedback: String,
    pub adopted: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Adoption {
    pub adopted: usize,
    pub of: usize,
}

/// Build the report's view. `describe` gives one line per timeline entry (`mim show`'s).
pub fn build(
    config: &Config,
    incident: &Incident,
    state: &State,
    pir: &Pir,
    pir_md: &str,
) -> Report {
    let tz = config.tz();
    let show = |t: &Timestamp| time::display(t, tz);
    let r = &incident.record;
    let now = state.now;
    let last_resolve = state
        .resolutions
        .last()
        .map(|r| (&r.summary, &r.closure, r.workaround, &r.problem));
    let incident_view = IncidentView {
        id: incident.id.clone(),
        title: r.title.clone(),
        service: r.service.clone(),
        client: r.client.as_deref().map(|c| config.client_name(c)),
        ci: r.ci.clone(),
        category: r.category.clone(),
        status: state.status.to_string(),
        priority: state.priority.clone(),
        declared_priority: r.priority.clone(),
        impact: state.impact.clone(),
        urgency: state.urgency.clone(),
        reporter: r.reporter.clone(),
        manager: state.manager.clone(),
        tickets: r.tickets.clone(),
        reported: show(&r.reported),
        resolved: state.resolved_at.as_ref().map(show),
        closed: state.closed_at.as_ref().map(show),
        restoration: last_resolve.map(|(s, ..)| s.clone()),
        closure: last_resolve.map(|(_, c, ..)| c.clone()),
        closure_text: last_resolve.and_then(|(_, c, ..)| config.closure_codes.get(c).cloned()),
        workaround: last_resolve.is_some_and(|(_, _, w, _)| w),
        problem: last_resolve.and_then(|(.., p)| p.clone()),
    };
    let mut timeline = vec![TimelineItem {
        at: time::format(&r.reported),
        when: show(&r.reported),
        event: "declare".into(),
        text: text::one_line(&format!(
            "declared by {}: {} ({}, impact {}, urgency {})",
            r.reporter, r.title, r.priority, r.impact, r.urgency
        )),
    }];
    timeline.extend(
        state
            .entries
            .iter()
            .map(|&i| &incident.entries[i])
            .filter(|e| !super::is_pir_event(e))
            .map(|e| TimelineItem {
                at: time::format(&e.at),
                when: show(&e.at),
                event: e.event.name().to_string(),
                text: text::one_line(&timeline::describe(e)),
            }),
    );
    let adopted: Vec<&String> = pir.reviews.iter().flat_map(|rv| &rv.adopted).collect();
    let actions: Vec<ActionView> = pir
        .actions
        .iter()
        .map(|a| ActionView {
            id: a.id.clone(),
            text: a.text.clone(),
            owner: a.owner.clone(),
            due: a.due.to_string(),
            kind: a.kind.to_string(),
            status: a.status.as_str().to_string(),
            closed: match &a.status {
                ActionStatus::Open => None,
                ActionStatus::Done { at, by, note } => Some(match note {
                    Some(n) => format!("on {} by {by}: {n}", show(at)),
                    None => format!("on {} by {by}", show(at)),
                }),
                ActionStatus::Dropped { at, by, reason } => {
                    Some(format!("on {} by {by}: {reason}", show(at)))
                }
            },
            adopted: adopted.contains(&&a.id),
        })
        .collect();
    let count = |s: &str| actions.iter().filter(|a| a.status == s).count();
    let action_counts = Counts {
        open: count("open"),
        done: count("done"),
        dropped: count("dropped"),
    };
    let has_client_review = pir
        .reviews
        .iter()
        .any(|rv| rv.session == crate::model::pir::ReviewSession::Client);
    let adoption = has_client_review.then(|| Adoption {
        adopted: actions.iter().filter(|a| a.adopted).count(),
        of: actions.len(),
    });
    Report {
        organization: config.organization.name.clone(),
        timezone: tz.name().to_string(),
        generated_at: show(&now),
        incident: incident_view,
        pir: PirView {
            reason: pir.reason.to_string(),
            reason_text: pir.reason.describe().to_string(),
            facilitator: pir.facilitator.clone(),
            started_at: show(&pir.started_at),
            started_by: pir.started_by.clone(),
        },
        timeline,
        metrics: metrics_view(&metrics::metrics(config, incident, state)),
        prose: document::prose(pir_md),
        actions,
        action_counts,
        reviews: pir
            .reviews
            .iter()
            .map(|rv| ReviewView {
                session: rv.session.to_string(),
                held_at: show(&rv.held_at),
                attendees: rv.attendees.join(", "),
                feedback: rv.feedback.clone(),
                adopted: rv.adopted.clone(),
            })
            .collect(),
        adoption,
    }
}

fn metrics_view(m: &Metrics) -> MetricsView {
    let d = |d: Option<Duration>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    MetricsView {
        time_to_accept: d(m.time_to_accept),
        time_to_restore: d(m.time_to_restore),
        time_on_hold: m.time_on_hold.to_string(),
        restore_excluding_hold: d(m.restore_excluding_hold),
        escalations: m.escalations,
        reopens: m.reopens,
        updates: m
            .updates
            .iter()
            .map(|u| UpdatesView {
                audience: table_cell(&u.audience),
                count: u.count,
                cadence: u
                    .cadence
                    .map(|c| format!("every {c}"))
                    .unwrap_or_else(|| "none set".into()),
                longest_gap: u.longest_gap.to_string(),
                held: match u.cadence_held {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "n/a".into(),
                },
            })
            .collect(),
    }
}

/// Text that cannot break a Markdown table row.
fn table_cell(s: &str) -> String {
    text::one_line(s).replace('|', "\\|")
}

/// The report of `incident` in `state` (its PIR started) in `format`.
pub fn for_incident(
    config: &Config,
    templates: &Templates,
    incident: &Incident,
    state: &State,
    pir_md: &str,
    format: Format,
) -> anyhow::Result<String> {
    let pir = state
        .pir
        .as_ref()
        .with_context(|| format!("{} has no post incident review", incident.id))?;
    render(
        templates,
        &build(config, incident, state, pir, pir_md),
        format,
    )
}

/// Render the report in `format`. HTML uses the repository's `pir-report.html` when
/// there is one (autoescaped), else the Markdown report converted (user HTML escaped).
pub fn render(templates: &Templates, report: &Report, format: Format) -> anyhow::Result<String> {
    match format {
        Format::Md => templates.render(TEMPLATE_MD, report),
        Format::Html => {
            if templates.source(TEMPLATE_HTML)?.is_some() {
                return templates.render(TEMPLATE_HTML, report);
            }
            let md = templates.render(TEMPLATE_MD, report)?;
            Ok(markdown::html_document(
                &format!("Post incident review: {}", report.incident.title),
                &markdown::to_html(&md),
            ))
        }
    }
}
