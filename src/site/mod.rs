//! `mim site`: static status pages, one per client with its Atom feed, and an overview.
//! Pure: built from each incident's [`State`] and its client updates, at one "now".
//!
//! What reaches a client's page is decided here, once: only the incidents affecting
//! that client, only updates written for the `client` audience that reached it (their
//! status line, ETA and body), no names of people and no other client's name. Proposed
//! and rejected incidents never appear anywhere.

pub mod atom;
pub mod components;
pub mod html;

use chrono::TimeDelta;
use serde::Serialize;

use crate::config::Config;
use crate::facts::{Facts, Reader};
use crate::lifecycle::Status;
use crate::model::{Audience, Incident};
use crate::state::State;
use crate::time::{self, Timestamp};

/// How long a restored incident stays under "Recently resolved".
pub const RECENT_DAYS: i64 = 7;

/// One status update written for the client, as recorded in `updates/*.md`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientUpdate {
    /// Its timeline entry (file order), to tell which clients it reached.
    pub entry: usize,
    pub at: Timestamp,
    pub number: u32,
    pub status_line: Option<String>,
    pub eta: Option<Timestamp>,
    /// The Markdown body as written.
    pub body: String,
}

/// An incident, its state at "now", and its client updates in time order.
pub struct Input<'a> {
    pub incident: &'a Incident,
    pub state: &'a State,
    pub client_updates: Vec<ClientUpdate>,
}

/// What to build.
#[derive(Clone, Debug)]
pub struct Options {
    /// Incidents reported in the last `days` days are in the history.
    pub days: u32,
    /// Only this client's page (and the overview).
    pub client: Option<String>,
}

/// Where an incident goes on a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    Active,
    Recent,
    History,
}

/// An incident as a client's page and feed show it: nothing but that client's facts
/// ([`Facts`] of its `client` reader), in the client's words.
#[derive(Clone, Debug, Serialize)]
pub struct PageIncident {
    pub id: String,
    pub title: String,
    /// Its own page, relative to the client's: `incidents/<id>.html`.
    pub page: String,
    /// The client's own services.
    pub service: String,
    /// The phase in the client's words (`Fix in progress`, `Restored — monitoring`), from
    /// the one wording table, and the sentence that says it.
    pub status: &'static str,
    pub status_text: &'static str,
    /// `down`, `restored` or `resolved`: the badge's colour.
    pub tone: &'static str,
    pub section: Section,
    /// When the client was affected.
    pub began: String,
    pub restored: Option<String>,
    /// What the client was told of its restoration (`--client-message`), once restored.
    pub restoral: Option<String>,
    /// The status line of the latest client update that has one, unless the client's
    /// service came back after it.
    pub status_line: Option<String>,
    /// The ETA of the latest client update, while it is ahead and the service down.
    pub eta: Option<String>,
    /// Newest first.
    pub updates: Vec<UpdateView>,
    /// RFC 3339: the latest change the client can see (for the feed).
    #[serde(skip)]
    pub updated: Timestamp,
}

#[derive(Clone, Debug, Serialize)]
pub struct UpdateView {
    pub number: u32,
    /// Shown in the page's time zone.
    pub at: String,
    pub at_rfc3339: String,
    pub status_line: Option<String>,
    pub eta: Option<String>,
    /// The body rendered from Markdown, user HTML escaped.
    pub body_html: String,
}

/// One client's page and feed.
#[derive(Clone, Debug, Serialize)]
pub struct ClientPage {
    pub key: String,
    pub name: String,
    /// The IANA time zone the page shows times in (the client's calendar's).
    pub tz: String,
    /// Its services, each with its state and its last 90 days.
    pub components: Vec<components::Component>,
    /// Scheduled maintenance that concerns it, upcoming or under way.
    pub maintenance: Vec<components::MaintenanceView>,
    pub active: Vec<PageIncident>,
    pub recent: Vec<PageIncident>,
    pub history: Vec<PageIncident>,
}

impl ClientPage {
    /// Every incident of the page, active first, then the newest.
    pub fn incidents(&self) -> impl Iterator<Item = &PageIncident> {
        self.active.iter().chain(&self.recent).chain(&self.history)
    }
}

/// A line of the internal overview.
#[derive(Clone, Debug, Serialize)]
pub struct OverviewRow {
    pub id: String,
    pub title: String,
    /// Every affected client's name, comma-separated.
    pub client: Option<String>,
    /// The first affected client's page (`acme/index.html`), when it has one.
    pub page: Option<String>,
    pub priority: String,
    pub status: String,
    pub section: Section,
    pub reported: String,
    pub restored: Option<String>,
    pub status_line: Option<String>,
}

/// The whole site.
#[derive(Clone, Debug, Serialize)]
pub struct Site {
    pub org: String,
    /// The organisation's colour, logo and support contact.
    pub brand: crate::render::brand::Brand,
    pub generated: String,
    /// `generated` as RFC 3339, for the feeds.
    #[serde(skip)]
    pub generated_at: Timestamp,
    pub tz: String,
    pub days: u32,
    pub overview: Vec<OverviewRow>,
    pub clients: Vec<ClientPage>,
}

/// Where `state` goes at `now`, if anywhere.
pub fn section(state: &State, now: Timestamp, days: u32) -> Option<Section> {
    section_of(state, restored(state), now, days)
}

/// Where `state` goes on a page that sees it restored at `restored` (or not yet).
fn section_of(
    state: &State,
    restored: Option<Timestamp>,
    now: Timestamp,
    days: u32,
) -> Option<Section> {
    if !state.exists() {
        return None;
    }
    match (state.status, restored) {
        (Status::Proposed | Status::Rejected, _) => None,
        (_, None) => Some(Section::Active),
        (_, Some(at)) if now - at <= TimeDelta::days(RECENT_DAYS) => Some(Section::Recent),
        _ if now - state.reported <= TimeDelta::days(i64::from(days)) => Some(Section::History),
        _ => None,
    }
}

/// Build the site at `now` from every incident.
pub fn build(
    config: &Config,
    brand: crate::render::brand::Brand,
    inputs: &[Input],
    options: &Options,
    now: Timestamp,
) -> Site {
    let org_tz = config.tz();
    let mut overview: Vec<(Timestamp, OverviewRow)> = Vec::new();
    for input in inputs {
        let Some(section) = section(input.state, now, options.days) else {
            continue;
        };
        let clients: Vec<&str> = input.state.affected().map(|c| c.client.as_str()).collect();
        let names: Vec<String> = clients.iter().map(|c| config.client_name(c)).collect();
        overview.push((
            input.state.reported,
            OverviewRow {
                id: input.incident.id.clone(),
                title: input.incident.record.title.clone(),
                client: (!names.is_empty()).then(|| names.join(", ")),
                page: clients
                    .iter()
                    .find(|c| config.clients.contains_key(**c))
                    .map(|c| format!("{c}/incidents/{}.html", input.incident.id)),
                priority: input.state.priority.clone(),
                status: input.state.status.to_string(),
                section,
                reported: time::display(&input.state.reported, org_tz),
                restored: restored(input.state).map(|t| time::display(&t, org_tz)),
                status_line: latest_status_line(&input.client_updates),
            },
        ));
    }
    sort_newest_first(&mut overview);
    let clients = config
        .clients
        .keys()
        .filter(|key| options.client.as_ref().is_none_or(|c| c == *key))
        .map(|key| client_page(config, key, inputs, options, now))
        .collect();
    Site {
        org: config.organization.name.clone(),
        brand,
        generated: time::display(&now, org_tz),
        generated_at: now,
        tz: org_tz.name().to_string(),
        days: options.days,
        overview: overview.into_iter().map(|(_, r)| r).collect(),
        clients,
    }
}

fn client_page(
    config: &Config,
    key: &str,
    inputs: &[Input],
    options: &Options,
    now: Timestamp,
) -> ClientPage {
    let tz_name = crate::facts::display_zone(config, Some(key), Audience::Client);
    let tz: chrono_tz::Tz = tz_name.parse().unwrap_or(chrono_tz::UTC);
    // Each incident of the client that exists and was worked on, with its facts.
    let seen: Vec<(&Input, Facts, Vec<&ClientUpdate>)> = inputs
        .iter()
        .filter(|i| i.state.affected_client(key).is_some() && i.state.exists())
        .filter(|i| !matches!(i.state.status, Status::Proposed | Status::Rejected))
        .filter(|i| on_page(i.state, now, options.days))
        .map(|i| {
            let (facts, updates) = client_facts(config, i, key);
            (i, facts, updates)
        })
        .collect();
    let outages: Vec<components::Outage> = seen
        .iter()
        .map(|(i, facts, _)| components::Outage {
            title: &i.incident.record.title,
            facts,
        })
        .collect();
    let mut page = ClientPage {
        key: key.to_string(),
        name: config.client_name(key),
        tz: tz_name,
        components: components::components(config, key, &outages, now, tz),
        maintenance: components::maintenance(config, key, now, tz),
        active: Vec::new(),
        recent: Vec::new(),
        history: Vec::new(),
    };
    let mut rows: Vec<(Timestamp, PageIncident)> = seen
        .iter()
        .filter_map(|(i, facts, updates)| {
            let restored = facts.restored_at.as_deref().and_then(parse);
            let section = section_of(i.state, restored, now, options.days)?;
            Some((
                i.state.reported,
                page_incident(config, i, facts, updates, section, tz),
            ))
        })
        .collect();
    sort_newest_first(&mut rows);
    for (_, row) in rows {
        match row.section {
            Section::Active => page.active.push(row),
            Section::Recent => page.recent.push(row),
            Section::History => page.history.push(row),
        }
    }
    page
}

/// The facts of client `key`'s people about `input`, and the updates that reached them.
fn client_facts<'a>(
    config: &Config,
    input: &'a Input,
    key: &str,
) -> (Facts, Vec<&'a ClientUpdate>) {
    let reached: Vec<usize> = input
        .state
        .updates_for(Audience::Client, Some(key))
        .map(|u| u.entry)
        .collect();
    let updates: Vec<&ClientUpdate> = input
        .client_updates
        .iter()
        .filter(|u| reached.contains(&u.entry))
        .collect();
    let eta = updates.last().and_then(|u| u.eta);
    let reader = Reader::new(Audience::Client, Some(key));
    let facts = Facts::new(config, input.incident, input.state, &reader, eta);
    (facts, updates)
}

/// `input` as a client's page shows it: its facts, and the updates that reached it.
fn page_incident(
    config: &Config,
    input: &Input,
    facts: &Facts,
    client_updates: &[&ClientUpdate],
    section: Section,
    tz: chrono_tz::Tz,
) -> PageIncident {
    let state = input.state;
    let record = &input.incident.record;
    let shown = |t: &str| parse(t).map(|t| time::display(&t, tz));
    let updates: Vec<UpdateView> = client_updates
        .iter()
        .rev()
        .map(|u| {
            let body = crate::facts::times::expand(&u.body, config.tz(), u.at, tz);
            UpdateView {
                number: u.number,
                at: time::display(&u.at, tz),
                at_rfc3339: time::format(&u.at),
                status_line: u
                    .status_line
                    .as_deref()
                    .map(|l| crate::facts::times::expand(l, config.tz(), u.at, tz)),
                eta: u.eta.map(|t| time::display(&t, tz)),
                body_html: crate::render::markdown::to_html(&body),
            }
        })
        .collect();
    let restored_at = facts.restored_at.as_deref().and_then(parse);
    let updated = [
        Some(state.reported),
        state.accepted_at,
        client_updates.last().map(|u| u.at),
        restored_at,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(state.reported);
    // A status line written before the service came back no longer says where it stands.
    let status_line = client_updates
        .iter()
        .rev()
        .filter(|u| restored_at.is_none_or(|r| u.at >= r))
        .find_map(|u| {
            u.status_line
                .as_deref()
                .map(|l| crate::facts::times::expand(l, config.tz(), u.at, tz))
        });
    PageIncident {
        id: input.incident.id.clone(),
        title: record.title.clone(),
        page: format!("incidents/{}.html", input.incident.id),
        service: facts.service.clone(),
        status: facts.words.label,
        status_text: facts.words.sentence,
        tone: facts.words.tone,
        section,
        began: shown(&facts.affected_at).unwrap_or_default(),
        restored: facts.restored_at.as_deref().and_then(shown),
        restoral: facts
            .client_message
            .clone()
            .filter(|_| restored_at.is_some()),
        status_line,
        eta: facts.eta.as_deref().and_then(shown),
        updates,
        updated,
    }
}

/// Whether an incident can show on a client's page at `now` (a section or a day of the
/// components' history); its facts are worked out only then. Generous: a client restored
/// before the incident's resolve is judged by the resolve.
fn on_page(state: &State, now: Timestamp, days: u32) -> bool {
    let reach = i64::from(days)
        .max(components::HISTORY_DAYS)
        .max(RECENT_DAYS);
    state
        .resolution
        .as_ref()
        .is_none_or(|r| now - r.at <= TimeDelta::days(reach))
        || now - state.reported <= TimeDelta::days(i64::from(days))
}

fn parse(t: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(t).ok()
}

/// When service was restored, while it is (not after a reopen).
fn restored(state: &State) -> Option<Timestamp> {
    match state.status {
        Status::Resolved | Status::Closed => state.resolution.as_ref().map(|r| r.at),
        _ => None,
    }
}

fn latest_status_line(updates: &[ClientUpdate]) -> Option<String> {
    updates.iter().rev().find_map(|u| u.status_line.clone())
}

fn sort_newest_first<T>(rows: &mut [(Timestamp, T)]) {
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
}

#[cfg(test)]
mod tests;
