//! KPI reports: pure functions from (configuration, incidents, filter, now) to a
//! [`Report`], and its renderings (Markdown, self-contained HTML with SVG charts, CSV;
//! JSON is the report serialized). Each incident is reduced to what the report keeps of
//! it ([`Kept`]) as it is read; the report is assembled from those records.

pub mod csv;
pub mod html;
mod kept;
pub mod markdown;
pub mod pir;
mod recurrence;
pub mod regulatory;
pub mod sla;
pub mod stats;
mod svg;
pub mod tables;

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use serde::Serialize;

use crate::config::Config;
use crate::lifecycle::Status;
use crate::model::{EscalationKind, Incident};
use crate::sla::ClockState;
use crate::sla::durations::Durations;
use crate::state::State;
use crate::time::{self, Timestamp};
use crate::units::Duration;

pub use kept::Kept;
pub use recurrence::Recurrence;
use recurrence::Resolutions;
pub use sla::{Compliance, SLA_RULES, Sla};
pub use stats::{Rate, Summary};

/// Which incidents a report covers: reported in `[since, until)`, of a client, of a priority.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub since: Option<Timestamp>,
    /// Exclusive.
    pub until: Option<Timestamp>,
    pub client: Option<String>,
    /// The incident's current priority (after any reprioritisation).
    pub priority: Option<String>,
}

impl Filter {
    pub fn matches(&self, incident: &Incident, state: &State) -> bool {
        let reported = incident.record.reported;
        self.since.is_none_or(|s| reported >= s)
            && self.until.is_none_or(|u| reported < u)
            && self
                .client
                .as_ref()
                .is_none_or(|c| state.affected_client(c).is_some())
            && self.priority.as_ref().is_none_or(|p| &state.priority == p)
    }
}

/// Our own sentences (the report's notes) in a rendering: the text between backticks
/// through `code`, the rest through `plain`.
fn prose(s: &str, plain: impl Fn(&str) -> String, code: impl Fn(&str) -> String) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { code(part) } else { plain(part) })
        .collect()
}

/// Shown for groups without a value (no client, no category).
pub const NONE: &str = "(none)";

/// The KPIs of the incidents a filter selects; serialized as is for `--format json`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub organization: String,
    #[serde(with = "time::rfc3339")]
    pub generated: Timestamp,
    pub filter: FilterView,
    /// The time zone weeks and months are counted in.
    pub timezone: String,
    /// The incidents the report counts: rejected proposals are not incidents (they are
    /// counted in `proposals` and `counts.status`, and listed), and duplicates are not
    /// among them either.
    pub incidents: usize,
    /// Incidents linked as a duplicate of another (`mim reject --duplicate-of`, `mim
    /// link --duplicate-of`): counted here, and nowhere else in the report.
    pub duplicates: usize,
    /// The name of each client key in `mim.yaml`, for readers (`acme` → `ACME Corp`).
    pub client_names: BTreeMap<String, String>,
    pub counts: Counts,
    pub proposals: Proposals,
    pub times: Times,
    pub sla: Sla,
    pub escalations: Escalations,
    pub pir: pir::PirKpis,
    pub hold: Hold,
    pub reopen: Rate,
    pub recurrence: Recurrence,
    pub satisfaction: Satisfaction,
    pub time_logged: TimeLogged,
    pub client_retention: &'static str,
    pub per_week: Vec<WeekCount>,
    /// Reports to regulators owed by these incidents, and whether they went in on time
    /// (absent when no incident is under a regime).
    #[serde(skip_serializing_if = "regulatory::RegulatoryKpis::is_empty")]
    pub regulatory: regulatory::RegulatoryKpis,
    pub list: Vec<IncidentRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FilterView {
    #[serde(with = "time::rfc3339::option")]
    pub since: Option<Timestamp>,
    #[serde(with = "time::rfc3339::option")]
    pub until: Option<Timestamp>,
    pub client: Option<String>,
    pub priority: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub status: BTreeMap<String, usize>,
    pub priority: BTreeMap<String, usize>,
    pub category: BTreeMap<String, usize>,
    pub client: BTreeMap<String, usize>,
    pub service: BTreeMap<String, usize>,
    /// The closure code of each resolved or closed incident's last resolution.
    pub closure_code: BTreeMap<String, usize>,
}

/// What became of the proposals: accepted (at some point), rejected, still proposed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Proposals {
    pub accepted: usize,
    pub rejected: usize,
    pub pending: usize,
    /// Accepted among those decided.
    pub acceptance: Rate,
}

/// Response and restore times per priority (the SLA clocks), and the wall-clock
/// durations from the incidents' own times (see [`crate::sla::durations`]), rejected
/// proposals left out of those.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Times {
    pub response: BTreeMap<String, Summary>,
    pub restore: BTreeMap<String, Summary>,
    pub detect: BTreeMap<String, Summary>,
    pub accept: BTreeMap<String, Summary>,
    pub identify: BTreeMap<String, Summary>,
    pub mitigate: BTreeMap<String, Summary>,
    pub fix: BTreeMap<String, Summary>,
    pub outage: BTreeMap<String, Summary>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Escalations {
    pub total: usize,
    pub by_kind: BTreeMap<String, usize>,
    pub incidents_escalated: Rate,
    /// Incidents with at least one hierarchic (management) escalation.
    pub incidents_hierarchic: Rate,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Hold {
    pub periods: usize,
    pub incidents_on_hold: Rate,
    pub total_secs: i64,
    /// Time on hold per incident that was on hold.
    pub per_incident: Summary,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Satisfaction {
    /// Closed incidents with a score, of closed incidents.
    pub response_rate: Rate,
    pub mean: Option<f64>,
    pub scores: BTreeMap<u8, usize>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct TimeLogged {
    pub total_secs: i64,
    pub by_activity: BTreeMap<String, LoggedGroup>,
    /// By incident category: the "average time logged by type" KPI.
    pub by_category: BTreeMap<String, LoggedGroup>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct LoggedGroup {
    pub entries: usize,
    pub total_secs: i64,
    /// Incidents the time was logged on.
    pub incidents: usize,
    /// `total_secs` over the incidents of the group (for activities: every incident in
    /// the report), rounded to the second.
    pub mean_per_incident_secs: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct WeekCount {
    /// ISO week, `2026-W48`, in the organisation's time zone.
    pub week: String,
    pub priority: String,
    pub count: usize,
}

/// One incident as the report sees it.
#[derive(Clone, Debug, Serialize)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    #[serde(with = "time::rfc3339")]
    pub reported: Timestamp,
    /// The client, when the report sees one: the incident's only client, or the one
    /// `--client` names.
    pub client: Option<String>,
    /// Every affected client the report covers (with `--client`, that one only).
    pub clients: Vec<String>,
    pub service: String,
    /// Each service affected, for the counts.
    #[serde(skip)]
    pub services: Vec<String>,
    pub ci: Option<String>,
    pub category: Option<String>,
    pub priority: String,
    pub status: Status,
    /// The incident's own respond and restore clocks once stopped, and the restore
    /// target: with several clients, the incident's (from the report to its resolve, in
    /// the priority's own calendar), not any client's; with `--client C`, C's contract
    /// clocks.
    pub response_secs: Option<i64>,
    pub restore_secs: Option<i64>,
    pub restore_target_secs: Option<i64>,
    /// The restore clock so far, while the incident is not restored (none once it is).
    pub restore_so_far_secs: Option<i64>,
    pub hold_secs: i64,
    pub reopens: u32,
    pub closure: Option<String>,
    pub csat: Option<u8>,
    pub escalations: usize,
    pub time_logged_secs: i64,
    pub recurs: Option<String>,
    /// The state of each of [`SLA_RULES`]' clocks at "now", from the SLA engine. Of an
    /// incident of several clients (without `--client`), the provider's own clocks only:
    /// each client's are in `per_client`. With `--client C`, C's contract clocks only
    /// (never the provider's own, such as the internal update cadence).
    pub sla: BTreeMap<String, ClockState>,
    /// Each affected client's respond, restore and client-update clocks, on an incident
    /// of several clients the report covers (none otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_client: Vec<ClientClocks>,
    pub durations: Durations,
    /// Each regulatory report the incident owes or made, with its clock's state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regulatory: Vec<regulatory::StageClock>,
}

/// One affected client's own figures, on an incident of several.
#[derive(Clone, Debug, Serialize)]
pub struct ClientClocks {
    pub client: String,
    /// When its impact began: see [`figures::ClientFigures::affected_at`].
    #[serde(with = "time::rfc3339")]
    pub affected_at: Timestamp,
    /// When its service came back, on its own or with the incident's resolve.
    #[serde(with = "time::rfc3339::option")]
    pub restored_at: Option<Timestamp>,
    /// From `affected_at` to `restored_at`, wall clock: its own outage.
    pub since_affected_secs: Option<i64>,
    /// Its contract's respond and restore clocks once stopped, and its restore target.
    pub response_secs: Option<i64>,
    pub restore_secs: Option<i64>,
    pub restore_target_secs: Option<i64>,
    pub sla: BTreeMap<String, ClockState>,
}

impl IncidentRow {
    /// Each set of clocks the row counts, with the clients it counts under: the row's
    /// own (under each of its clients, or none), then each client's of several.
    pub(crate) fn clock_sets(&self) -> Vec<(Vec<&str>, &BTreeMap<String, ClockState>)> {
        let own = if self.clients.is_empty() {
            vec![NONE]
        } else {
            self.clients.iter().map(String::as_str).collect()
        };
        let mut sets = vec![(own, &self.sla)];
        sets.extend(
            self.per_client
                .iter()
                .map(|c| (vec![c.client.as_str()], &c.sla)),
        );
        sets
    }
}

/// Build the report of the incidents `filter` selects from `all` (every incident of the
/// repository: an earlier incident outside the window can still be the one that recurs).
#[cfg(test)]
pub fn build(config: &Config, all: &[Incident], filter: &Filter, now: Timestamp) -> Report {
    let kept = all
        .iter()
        .filter_map(|i| Kept::of(config, i, filter, now))
        .collect();
    assemble(config, kept, filter, now)
}

/// A selected incident that is not a duplicate: its row and its KPI inputs.
type Chosen<'a> = (&'a IncidentRow, &'a kept::Inputs);

/// The report of what was kept of every incident of the repository, in ID order, by
/// [`Kept::of`] with the same `filter` and `now`: the indexes across incidents
/// (recurrence) and every table are built from those records alone.
pub fn assemble(config: &Config, kept: Vec<Kept>, filter: &Filter, now: Timestamp) -> Report {
    let window = config.reports.recurrence_window;
    let recurs = recurs(&kept, window);
    let (mut list, inputs): (Vec<IncidentRow>, Vec<kept::Inputs>) = kept
        .into_iter()
        .filter_map(|k| k.selected)
        .map(|s| (s.row, s.inputs))
        .unzip();
    for row in &mut list {
        row.recurs = recurs.get(&row.id).cloned();
    }
    // Duplicates are not incidents of their own: counted apart, left out of every KPI.
    let chosen: Vec<Chosen> = list
        .iter()
        .zip(&inputs)
        .filter(|(_, i)| !i.duplicate)
        .collect();
    let duplicates = inputs.iter().filter(|i| i.duplicate).count();
    Report {
        organization: config.organization.name.clone(),
        generated: now,
        filter: FilterView {
            since: filter.since,
            until: filter.until,
            client: filter.client.clone(),
            priority: filter.priority.clone(),
        },
        timezone: config.tz().name().to_string(),
        incidents: list.iter().filter(|r| r.status != Status::Rejected).count(),
        duplicates,
        client_names: config
            .clients
            .iter()
            .map(|(k, c)| (k.clone(), c.name.clone()))
            .collect(),
        counts: counts(config, &list),
        proposals: proposals(&chosen),
        times: times(config, &list),
        sla: sla::compliance(config, &list),
        escalations: escalations(&chosen),
        pir: pir::kpis(chosen.iter().map(|(_, i)| &i.pir)),
        hold: hold(&chosen),
        reopen: reopen(&chosen),
        recurrence: recurrence::recurrence(window, &list),
        satisfaction: satisfaction(&list),
        time_logged: time_logged(&chosen),
        client_retention: "Client retention cannot be computed from incident data: it needs \
                           contract records (clients at the start and end of the period), \
                           which mim does not hold.",
        per_week: per_week(config, &list),
        regulatory: regulatory::kpis(&list),
        list,
    }
}

/// The earlier incident each selected one recurs (by ID), from the index of every
/// kept incident's resolutions.
fn recurs(kept: &[Kept], window: Duration) -> HashMap<String, String> {
    let index = Resolutions::index(kept.iter().enumerate().filter_map(|(k, x)| {
        Some(recurrence::Resolved {
            k,
            groups: x.groups.as_ref()?,
            at: &x.resolutions,
        })
    }));
    kept.iter()
        .enumerate()
        .filter(|(_, x)| x.selected.is_some())
        .filter_map(|(k, x)| {
            let other = index.recurs(k, x.groups.as_ref()?, x.reported, window)?;
            Some((x.id.clone(), kept[other].id.clone()))
        })
        .collect()
}

fn bump(map: &mut BTreeMap<String, usize>, key: &str) {
    *map.entry(key.to_string()).or_default() += 1;
}

fn counts(config: &Config, list: &[IncidentRow]) -> Counts {
    let mut c = Counts::default();
    for status in [
        Status::Proposed,
        Status::Accepted,
        Status::OnHold,
        Status::Resolved,
        Status::Closed,
        Status::Rejected,
    ] {
        c.status.insert(status.to_string(), 0);
    }
    for p in config.priorities.keys() {
        c.priority.insert(p.clone(), 0);
    }
    for r in list {
        bump(&mut c.status, r.status.as_str());
        // A rejected proposal has its line under status; it is not an incident.
        if r.status == Status::Rejected {
            continue;
        }
        bump(&mut c.priority, &r.priority);
        bump(&mut c.category, r.category.as_deref().unwrap_or(NONE));
        // An incident of several clients or services counts under each of them.
        if r.clients.is_empty() {
            bump(&mut c.client, NONE);
        }
        for client in &r.clients {
            bump(&mut c.client, client);
        }
        match r.services.as_slice() {
            [] | [_] => bump(&mut c.service, &r.service),
            all => all.iter().for_each(|s| bump(&mut c.service, s)),
        }
        if let Some(code) = &r.closure {
            bump(&mut c.closure_code, code);
        }
    }
    c
}

fn proposals(chosen: &[Chosen]) -> Proposals {
    let accepted = chosen.iter().filter(|(_, i)| i.accepted).count();
    let rejected = chosen
        .iter()
        .filter(|(r, _)| r.status == Status::Rejected)
        .count();
    Proposals {
        accepted,
        rejected,
        pending: chosen.len() - accepted - rejected,
        acceptance: Rate::new(accepted, accepted + rejected),
    }
}

fn times(config: &Config, list: &[IncidentRow]) -> Times {
    let mut t = Times::default();
    for p in config.priorities.keys() {
        // One value per incident: its own respond and restore clocks (an incident of
        // several clients too; each client's are in the compliance by client).
        let clocks = |f: fn(&IncidentRow) -> Option<i64>| {
            let values: Vec<i64> = list
                .iter()
                .filter(|r| &r.priority == p)
                .filter_map(f)
                .collect();
            Summary::of(&values)
        };
        t.response.insert(p.clone(), clocks(|r| r.response_secs));
        t.restore.insert(p.clone(), clocks(|r| r.restore_secs));
        let worked = |r: &IncidentRow| r.status != Status::Rejected;
        let of = |f: fn(&Durations) -> Option<Duration>| {
            let values: Vec<i64> = list
                .iter()
                .filter(|r| &r.priority == p && worked(r))
                .filter_map(|r| f(&r.durations).map(Duration::secs))
                .collect();
            Summary::of(&values)
        };
        t.detect.insert(p.clone(), of(|d| d.time_to_detect));
        t.accept.insert(p.clone(), of(|d| d.time_to_accept));
        t.identify.insert(p.clone(), of(|d| d.time_to_identify));
        t.mitigate.insert(p.clone(), of(|d| d.time_to_mitigate));
        t.fix.insert(p.clone(), of(|d| d.time_to_fix));
        t.outage.insert(p.clone(), of(|d| d.outage));
    }
    t
}

fn escalations(chosen: &[Chosen]) -> Escalations {
    let mut e = Escalations::default();
    let mut escalated = 0;
    let mut hierarchic = 0;
    // Of the incidents: rejected proposals are not incidents.
    let chosen: Vec<_> = chosen
        .iter()
        .filter(|(r, _)| r.status != Status::Rejected)
        .collect();
    for (_, inputs) in &chosen {
        let kinds = &inputs.escalations;
        for kind in kinds {
            e.total += 1;
            bump(&mut e.by_kind, &kind_name(*kind));
        }
        escalated += usize::from(!kinds.is_empty());
        hierarchic += usize::from(kinds.iter().any(|k| k.is_hierarchic()));
    }
    e.incidents_escalated = Rate::new(escalated, chosen.len());
    e.incidents_hierarchic = Rate::new(hierarchic, chosen.len());
    e
}

fn kind_name(kind: EscalationKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn hold(chosen: &[Chosen]) -> Hold {
    let periods = chosen.iter().map(|(_, i)| i.hold_periods).sum();
    let held: Vec<i64> = chosen
        .iter()
        .filter(|(_, i)| i.hold_periods > 0)
        .map(|(r, _)| r.hold_secs)
        .collect();
    let incidents = chosen
        .iter()
        .filter(|(r, _)| r.status != Status::Rejected)
        .count();
    Hold {
        periods,
        incidents_on_hold: Rate::new(held.len(), incidents),
        total_secs: held.iter().sum(),
        per_incident: Summary::of(&held),
    }
}

/// Incidents reopened at least once, of incidents ever resolved.
fn reopen(chosen: &[Chosen]) -> Rate {
    let resolved = chosen.iter().filter(|(_, i)| i.ever_resolved).count();
    let reopened = chosen.iter().filter(|(r, _)| r.reopens > 0).count();
    Rate::new(reopened, resolved)
}

fn satisfaction(list: &[IncidentRow]) -> Satisfaction {
    let closed = list.iter().filter(|r| r.status == Status::Closed).count();
    let scores: Vec<u8> = list
        .iter()
        .filter(|r| r.status == Status::Closed)
        .filter_map(|r| r.csat)
        .collect();
    let mut by_score = BTreeMap::new();
    for s in &scores {
        *by_score.entry(*s).or_default() += 1;
    }
    let sum: u64 = scores.iter().map(|&s| u64::from(s)).sum();
    Satisfaction {
        response_rate: Rate::new(scores.len(), closed),
        mean: (!scores.is_empty())
            .then(|| (sum as f64 * 100.0 / scores.len() as f64).round() / 100.0),
        scores: by_score,
    }
}

fn time_logged(chosen: &[Chosen]) -> TimeLogged {
    let mut t = TimeLogged::default();
    let mut category_incidents: BTreeMap<String, usize> = BTreeMap::new();
    for (row, inputs) in chosen {
        let category = row.category.as_deref().unwrap_or(NONE);
        *category_incidents.entry(category.to_string()).or_default() += 1;
        let mut activities_seen: Vec<&str> = Vec::new();
        let mut logged_here = false;
        for (activity, secs) in &inputs.time_entries {
            let g = t.by_activity.entry(activity.clone()).or_default();
            g.entries += 1;
            g.total_secs += secs;
            if !activities_seen.contains(&activity.as_str()) {
                g.incidents += 1;
                activities_seen.push(activity);
            }
            let c = t.by_category.entry(category.to_string()).or_default();
            c.entries += 1;
            c.total_secs += secs;
            if !logged_here {
                c.incidents += 1;
                logged_here = true;
            }
            t.total_secs += secs;
        }
    }
    let all = chosen.len() as i64;
    for g in t.by_activity.values_mut() {
        g.mean_per_incident_secs = mean(g.total_secs, all);
    }
    for (category, g) in &mut t.by_category {
        g.mean_per_incident_secs = mean(g.total_secs, category_incidents[category] as i64);
    }
    t
}

fn mean(total: i64, n: i64) -> i64 {
    if n == 0 {
        0
    } else {
        (total as f64 / n as f64).round() as i64
    }
}

/// Incidents per ISO week and priority; weeks without incidents between the first and
/// the last are listed with no entries (the chart leaves a gap).
fn per_week(config: &Config, list: &[IncidentRow]) -> Vec<WeekCount> {
    let tz = config.tz();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in list.iter().filter(|r| r.status != Status::Rejected) {
        let week = iso_week(&r.reported.with_timezone(&tz).date_naive());
        *counts.entry((week, r.priority.clone())).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((week, priority), count)| WeekCount {
            week,
            priority,
            count,
        })
        .collect()
}

pub fn iso_week(date: &chrono::NaiveDate) -> String {
    let w = date.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

#[cfg(test)]
mod tests;
