//! The PIR report: a view of the incident, its PIR and the people's prose, rendered by
//! the `pir-report.md` template (overridable). The computed parts come from the data
//! every time; the prose is `pir.md` verbatim (less its guidance comments).

use anyhow::Context as _;
use serde::Serialize;

use crate::config::Config;
use crate::model::{Incident, timeline};
use crate::pir::metrics::{self, Metrics};
use crate::pir::{ActionStatus, Pir, document};
use crate::render::view::Common;
use crate::render::{Templates, markdown};
use crate::sla::figures;
use crate::state::{State, UpdateMark};
use crate::text;
use crate::time;
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

/// Everything the report template sees: what every template sees (the incident, its
/// resolution, …, with `tz` the organisation's time zone and `now` when the report is
/// rendered) and the review's own parts. Times are RFC 3339, shown with `datetime`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub common: Common,
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
    /// On an incident affecting several clients, each one: its impact and restoration
    /// (empty otherwise: `incident.client` says it all).
    pub clients: Vec<ClientView>,
}

/// One of several affected clients: its own impact and priority, when it was affected
/// and restored, and its contract's restore clock (its calendar, less time on hold), as
/// `mim check --client` reports it.
#[derive(Clone, Debug, Serialize)]
pub struct ClientView {
    pub key: String,
    pub name: String,
    pub impact: String,
    /// Its own priority (its impact through the matrix).
    pub priority: String,
    /// When `mim affect` added it, or the report for a client declared with the
    /// incident, RFC 3339 (kept for older templates: `affected_at` says when its impact
    /// began).
    pub since: String,
    /// When its impact began (the incident's impact start for a client declared with
    /// it), RFC 3339.
    pub affected_at: String,
    /// When its service came back: restored on its own, or the incident's resolve.
    pub restored: Option<String>,
    /// Restored on its own, before the incident's resolve.
    pub restored_early: bool,
    /// From `affected_at` to `restored`, wall clock (`—` before).
    pub outage: String,
    /// Its restore clock once stopped, like `metrics.restore_excluding_hold`; `—` before.
    pub restore_time: String,
    /// Its restore target, e.g. `4h` (`—` without one).
    pub restore_target: String,
    /// Its restore clock: `running`, `paused`, `at-risk`, `met` or `breached`.
    pub restore_state: String,
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
    pub event: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MetricsView {
    pub time_to_detect: String,
    pub time_to_accept: String,
    pub time_to_identify: String,
    pub time_to_mitigate: String,
    pub time_to_fix: String,
    pub outage: String,
    pub time_to_restore: String,
    pub time_on_hold: String,
    pub restore_excluding_hold: String,
    pub escalations: usize,
    pub reopens: u32,
    pub updates: Vec<UpdatesView>,
}

/// One reader's row of the communications table: an audience, for one client where the
/// audience is a client's, each with its own cadence.
#[derive(Clone, Debug, Serialize)]
pub struct UpdatesView {
    pub audience: String,
    /// The client whose people the audience is, by name; the organisation's name for the
    /// provider's own audiences.
    pub of: String,
    /// The client's key; none for the provider's own audiences.
    pub client: Option<String>,
    pub count: usize,
    /// `every 30m`, or `none set`.
    pub cadence: String,
    pub longest_gap: String,
    /// `yes`, `no`, or `n/a` without a cadence.
    pub held: String,
    /// The "next update by" promises made to this reader that a promise clock holds:
    /// `2 of 3 kept`, or `none` when nothing was promised beyond the cadence.
    pub promises: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionView {
    pub id: String,
    pub text: String,
    pub owner: String,
    pub due: String,
    pub kind: String,
    pub status: String,
    /// When and by whom a done or dropped item was closed; none while it is open.
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    /// The note given when it was done, or the reason it was dropped.
    pub note: Option<String>,
    pub adopted: bool,
    /// On an incident of several clients: the clients who adopted it, by name.
    pub adopted_by: Vec<String>,
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
    /// The one client a client session was held with, by name.
    pub client: Option<String>,
    pub held_at: String,
    pub attendees: String,
    pub feedback: String,
    pub adopted: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Adoption {
    /// Action items adopted, of those presented, counted per client that held a client
    /// review (an incident of one client: its action items).
    pub adopted: usize,
    pub of: usize,
    /// On an incident of several clients: each client that held a client review.
    pub clients: Vec<ClientAdoption>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClientAdoption {
    pub name: String,
    pub adopted: usize,
    pub of: usize,
}

/// Whether two timeline entries (by index) are updates of one command: the same moment
/// and author, monitoring or not alike.
fn same_update(incident: &Incident, state: &State, a: usize, b: usize) -> bool {
    let (ea, eb) = (&incident.entries[a], &incident.entries[b]);
    match (state.update_of(a), state.update_of(b)) {
        (Some(ua), Some(ub)) => ua.monitoring == ub.monitoring && ea.at == eb.at && ea.by == eb.by,
        _ => false,
    }
}

/// `update to internal 2, management 2, client 2 (ACME Corp) by Alice Moreau`.
fn updates_line(config: &Config, state: &State, group: &[usize], by: &str) -> String {
    let marks: Vec<&UpdateMark> = group.iter().filter_map(|&i| state.update_of(i)).collect();
    let parts: Vec<String> = marks
        .iter()
        .map(|u| match &u.client {
            Some(key) => format!("{} {} ({})", u.audience, u.number, config.client_name(key)),
            None => format!("{} {}", u.audience, u.number),
        })
        .collect();
    format!(
        "{}update to {} by {by}",
        if marks.iter().any(|u| u.monitoring) {
            "monitoring "
        } else {
            ""
        },
        parts.join(", "),
    )
}

/// Build the report's view. `describe` gives one line per timeline entry (`mim show`'s).
pub fn build(
    config: &Config,
    incident: &Incident,
    state: &State,
    pir: &Pir,
    pir_md: &str,
) -> Report {
    let now = state.now;
    let common = Common::new(config, incident, state, config.tz().name().to_string(), now);
    let timeline = timeline_items(config, incident, state);
    let actions = action_views(config, state, pir);
    let client_reviews = super::client_reviews(state, pir);
    let name = |key: &Option<String>| key.as_deref().map(|k| config.client_name(k));
    let count = |s: &str| actions.iter().filter(|a| a.status == s).count();
    let action_counts = Counts {
        open: count("open"),
        done: count("done"),
        dropped: count("dropped"),
    };
    let per_client: Vec<ClientAdoption> = client_reviews
        .iter()
        .map(|(c, rvs)| ClientAdoption {
            name: name(c).unwrap_or_default(),
            adopted: pir
                .actions
                .iter()
                .filter(|a| rvs.iter().any(|rv| rv.adopted.contains(&a.id)))
                .count(),
            of: pir.actions.len(),
        })
        .collect();
    let adoption = (!client_reviews.is_empty()).then(|| Adoption {
        adopted: per_client.iter().map(|c| c.adopted).sum(),
        of: per_client.iter().map(|c| c.of).sum(),
        clients: if state.per_client() {
            per_client
        } else {
            Vec::new()
        },
    });
    Report {
        common,
        pir: PirView {
            reason: pir.reason.to_string(),
            reason_text: pir.reason.describe().to_string(),
            facilitator: pir.facilitator.clone(),
            started_at: time::format(&pir.started_at),
            started_by: pir.started_by.clone(),
        },
        timeline,
        metrics: metrics_view(config, &metrics::metrics(config, incident, state)),
        prose: document::prose(pir_md),
        actions,
        action_counts,
        reviews: pir
            .reviews
            .iter()
            .map(|rv| ReviewView {
                session: rv.session.to_string(),
                client: rv.client.as_deref().map(|k| config.client_name(k)),
                held_at: time::format(&rv.held_at),
                attendees: rv.attendees.join(", "),
                feedback: rv.feedback.clone(),
                adopted: rv.adopted.clone(),
            })
            .collect(),
        adoption,
        clients: clients(config, incident, state),
    }
}

/// The report's timeline: the declaration, then one line per entry (`mim show`'s), the
/// updates one command sent to several audiences at one moment on one line; PIR events
/// left out.
fn timeline_items(config: &Config, incident: &Incident, state: &State) -> Vec<TimelineItem> {
    let r = &incident.record;
    let mut timeline = vec![TimelineItem {
        at: time::format(&r.reported),
        event: "declare".into(),
        text: text::one_line(&format!(
            "declared by {}: {} ({}, impact {}, urgency {})",
            r.reporter, r.title, r.priority, r.impact, r.urgency
        )),
    }];
    let entries: Vec<usize> = state
        .entries
        .iter()
        .copied()
        .filter(|&i| !super::is_pir_event(&incident.entries[i]))
        .collect();
    // The updates one command sent to several audiences at one moment: one line.
    for group in entries.chunk_by(|&a, &b| same_update(incident, state, a, b)) {
        let first = &incident.entries[group[0]];
        let text = match group {
            [_] => timeline::describe(first, &|k| config.client_name(k), config.tz()),
            many => updates_line(config, state, many, &first.by),
        };
        timeline.push(TimelineItem {
            at: time::format(&first.at),
            event: first.event.name().to_string(),
            text: text::one_line(&text),
        });
    }
    timeline
}

/// The action items as the report shows them, with who adopted each.
fn action_views(config: &Config, state: &State, pir: &Pir) -> Vec<ActionView> {
    let adopted: Vec<&String> = pir.reviews.iter().flat_map(|rv| &rv.adopted).collect();
    let client_reviews = super::client_reviews(state, pir);
    let name = |key: &Option<String>| key.as_deref().map(|k| config.client_name(k));
    let adopters = |id: &str| -> Vec<String> {
        client_reviews
            .iter()
            .filter(|(_, rvs)| rvs.iter().any(|rv| rv.adopted.iter().any(|a| a == id)))
            .filter_map(|(c, _)| name(c))
            .collect()
    };
    pir.actions
        .iter()
        .map(|a| {
            let (closed_at, closed_by, note) = match &a.status {
                ActionStatus::Open => (None, None, None),
                ActionStatus::Done { at, by, note } => (Some(at), Some(by), note.clone()),
                ActionStatus::Dropped { at, by, reason } => {
                    (Some(at), Some(by), Some(reason.clone()))
                }
            };
            ActionView {
                id: a.id.clone(),
                text: a.text.clone(),
                owner: a.owner.clone(),
                due: a.due.to_string(),
                kind: a.kind.to_string(),
                status: a.status.as_str().to_string(),
                closed_at: closed_at.map(time::format),
                closed_by: closed_by.cloned(),
                note,
                adopted: adopted.contains(&&a.id),
                adopted_by: if state.per_client() {
                    adopters(&a.id)
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// Each of several affected clients with its restoration (none for one client).
fn clients(config: &Config, incident: &Incident, state: &State) -> Vec<ClientView> {
    if !state.per_client() {
        return Vec::new();
    }
    let evaluation = crate::sla::evaluate_state(config, incident, state);
    let dash = || "—".to_string();
    state
        .affected()
        .map(|c| {
            let f = figures::of_client(state, &evaluation, c);
            let restore = f.restore.as_ref();
            ClientView {
                key: c.client.clone(),
                name: config.client_name(&c.client),
                impact: f.impact.clone(),
                priority: f.priority.clone(),
                since: time::format(&c.since),
                affected_at: time::format(&f.affected_at),
                restored: f.restored_at.as_ref().map(time::format),
                restored_early: f.restored_early,
                outage: f
                    .since_affected_s
                    .map_or_else(dash, |s| Duration::from_secs(s).to_string()),
                restore_time: restore
                    .filter(|r| r.stopped.is_some())
                    .map_or_else(dash, |r| Duration::from_secs(r.used_s).to_string()),
                restore_target: restore
                    .map_or_else(dash, |r| Duration::from_secs(r.target_s).to_string()),
                restore_state: restore.map_or_else(dash, |r| r.state.to_string()),
            }
        })
        .collect()
}

fn metrics_view(config: &Config, m: &Metrics) -> MetricsView {
    let d = |d: Option<Duration>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    MetricsView {
        time_to_detect: d(m.time_to_detect),
        time_to_accept: d(m.time_to_accept),
        time_to_identify: d(m.time_to_identify),
        time_to_mitigate: d(m.time_to_mitigate),
        time_to_fix: d(m.time_to_fix),
        outage: d(m.outage),
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
                of: table_cell(&match &u.client {
                    Some(key) => config.client_name(key),
                    None => config.organization.name.clone(),
                }),
                client: u.client.clone(),
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
                promises: match u.promises {
                    0 => "none".into(),
                    n => format!("{} of {n} kept", u.promises_kept),
                },
            })
            .collect(),
    }
}

/// Text that cannot break a Markdown table row.
fn table_cell(s: &str) -> String {
    text::one_line(s).replace('|', "\\|")
}

/// The report of `incident` (with its PIR started) in `format`, with the repository's
/// templates.
pub fn for_repo(
    repo: &crate::repo::Repo,
    incident: &Incident,
    state: &State,
    pir_md: &str,
    format: Format,
) -> anyhow::Result<String> {
    let templates = Templates::for_repo(repo);
    for_incident(&repo.config, &templates, incident, state, pir_md, format)
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
            Ok(markdown::report_document(
                &format!("Post incident review: {}", report.common.incident.title),
                &markdown::to_html(&md),
                &templates.brand,
            ))
        }
    }
}
