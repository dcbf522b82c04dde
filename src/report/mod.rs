//! KPI reports: pure functions from (configuration, incidents, filter, now) to a
//! [`Report`], and its renderings (Markdown, self-contained HTML with SVG charts, CSV;
//! JSON is the report serialized).

pub mod csv;
pub mod html;
pub mod markdown;
pub mod pir;
pub mod regulatory;
pub mod sla;
pub mod stats;
mod svg;
pub mod tables;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, TimeDelta};
use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::lifecycle::Status;
use crate::model::{EscalationKind, Incident};
use crate::sla::durations::{self, Durations};
use crate::sla::figures;
use crate::sla::{Clock, ClockState, Rule};
use crate::state::{self, State};
use crate::time::{self, Timestamp};
use crate::units::Duration;

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

#[derive(Clone, Debug, Serialize)]
pub struct Recurrence {
    pub window: String,
    pub rate: Rate,
    /// `(incident, the earlier incident it recurs)`.
    pub recurrences: Vec<(String, String)>,
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
    build_with_progress(config, all, filter, now, &|_| {})
}

/// [`build`], calling `tick(selected)` once per selected incident evaluated (from any
/// thread), where `selected` is how many the filter selected.
pub fn build_with_progress(
    config: &Config,
    all: &[Incident],
    filter: &Filter,
    now: Timestamp,
    tick: &(dyn Fn(usize) + Sync),
) -> Report {
    // Each incident as it stood at `now`; one reported after `now` does not exist yet.
    let states: Vec<State> = all
        .par_iter()
        .map(|i| state::derive(config, i, now))
        .collect();
    let chosen: Vec<(&Incident, &State)> = all
        .iter()
        .zip(&states)
        .filter(|(i, s)| s.exists() && filter.matches(i, s))
        .collect();
    // Duplicates are not incidents of their own: counted apart, left out of every KPI.
    let (duplicates, chosen): (Vec<_>, Vec<_>) = chosen
        .into_iter()
        .partition(|(_, s)| s.duplicate_of().is_some());
    let selected = chosen.len();
    let window = config.reports.recurrence_window;
    let list = rows(config, all, &states, filter, now, &|| tick(selected));
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
        duplicates: duplicates.len(),
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
        pir: pir::kpis(config, &chosen, filter.client.as_deref(), now),
        hold: hold(&list, &chosen, now),
        reopen: reopen(&chosen),
        recurrence: recurrence(window, &list),
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

/// The report's row of each incident the filter selects, in parallel; `tick` once each.
fn rows(
    config: &Config,
    all: &[Incident],
    states: &[State],
    filter: &Filter,
    now: Timestamp,
    tick: &(dyn Fn() + Sync),
) -> Vec<IncidentRow> {
    let window = config.reports.recurrence_window;
    let resolutions = Resolutions::index(states);
    all.par_iter()
        .zip(states)
        .enumerate()
        .filter(|(_, (i, s))| s.exists() && filter.matches(i, s))
        .map(|(k, (i, s))| {
            let recurs = (s.status != Status::Rejected)
                .then(|| resolutions.recurs(k, s, window))
                .flatten()
                .map(|other| all[other].id.clone());
            let row = row(config, i, s, now, recurs, filter.client.as_deref());
            tick();
            row
        })
        .collect()
}

/// Incidents that recur within `window` of another's resolution, and their rate.
fn recurrence(window: crate::units::Duration, list: &[IncidentRow]) -> Recurrence {
    Recurrence {
        window: window.to_string(),
        rate: Rate::new(
            list.iter().filter(|r| r.recurs.is_some()).count(),
            list.iter().filter(|r| r.status != Status::Rejected).count(),
        ),
        recurrences: list
            .iter()
            .filter_map(|r| Some((r.id.clone(), r.recurs.clone()?)))
            .collect(),
    }
}

/// Hold periods of an incident as `(from, until)`, an open one ending at `now`.
fn hold_periods(state: &State, now: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> {
    state
        .holds
        .iter()
        .map(move |h| (h.from, h.until.unwrap_or(now).max(h.from)))
}

fn secs(d: TimeDelta) -> i64 {
    d.num_seconds()
}

/// One incident as the report sees it. `scope`: the one client the report is about
/// (`--client`): the row is then that client's figures (its clocks, its outage), and
/// the provider's own clocks are not among them.
fn row(
    config: &Config,
    incident: &Incident,
    state: &State,
    now: Timestamp,
    recurs: Option<String>,
    scope: Option<&str>,
) -> IncidentRow {
    let r = &incident.record;
    let evaluation = crate::sla::evaluate_state(config, incident, state);
    let clocks = &evaluation.clocks;
    let clients: Vec<String> = state
        .affected()
        .map(|c| c.client.clone())
        .filter(|c| scope.is_none_or(|s| s == c))
        .collect();
    let several = state.per_client();
    let own = own_clocks(clocks, scope, several);
    let per_client = if several && scope.is_none() {
        client_clocks(state, &evaluation)
    } else {
        Vec::new()
    };
    let (figures, durations) = row_figures(config, incident, state, &evaluation, &own, scope);
    let closure = state.resolution.as_ref().map(|r| r.closure.clone());
    let logged = state.time_entries.iter().map(|t| t.time.secs()).sum();
    IncidentRow {
        id: incident.id.clone(),
        title: r.title.clone(),
        reported: r.reported,
        client: match clients.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        clients,
        service: r.service.joined(),
        services: state.services.clone(),
        ci: r.ci.first().map(str::to_string),
        category: r.category.clone(),
        // A report for one of several clients gives its own priority (its own impact).
        priority: scope
            .and_then(|k| state.affected_client(k))
            .filter(|_| several)
            .map_or_else(|| state.priority.clone(), |c| c.priority.clone()),
        status: state.status,
        response_secs: figures.response,
        restore_secs: figures.restore,
        restore_target_secs: figures.restore_target,
        restore_so_far_secs: figures.restore_so_far,
        hold_secs: state.held_between(Some(r.reported), now).secs(),
        reopens: state.reopens,
        closure,
        csat: state.csat,
        escalations: state.escalations.len(),
        time_logged_secs: logged,
        recurs,
        sla: sla_states(&own),
        per_client,
        durations,
        regulatory: regulatory::stage_clocks(clocks),
    }
}

/// The clocks of a row itself: the incident's; with several clients, the provider's own
/// (each client's are in `per_client`); with `--client`, that client's.
fn own_clocks<'c>(clocks: &'c [Clock], scope: Option<&str>, several: bool) -> Vec<&'c Clock> {
    match (scope, several) {
        (Some(key), true) => clocks
            .iter()
            .filter(|c| c.client.as_deref() == Some(key))
            .collect(),
        (Some(_), false) => clocks
            .iter()
            .filter(|c| !sla::is_provider_internal(c.rule))
            .collect(),
        (None, true) => clocks.iter().filter(|c| c.client.is_none()).collect(),
        (None, false) => clocks.iter().collect(),
    }
}

/// Each affected client's window and clocks, for a row of an incident of several.
fn client_clocks(state: &State, evaluation: &crate::sla::engine::Evaluation) -> Vec<ClientClocks> {
    state
        .affected()
        .map(|c| {
            let theirs: Vec<&Clock> = evaluation
                .clocks
                .iter()
                .filter(|k| k.client.as_ref() == Some(&c.client))
                .collect();
            let (figures, _) = Figures::of(&theirs);
            let window = figures::of_client(state, evaluation, c);
            ClientClocks {
                client: c.client.clone(),
                affected_at: window.affected_at,
                restored_at: window.restored_at,
                since_affected_secs: window.since_affected_s,
                response_secs: figures.response,
                restore_secs: figures.restore,
                restore_target_secs: figures.restore_target,
                sla: sla_states(&theirs),
            }
        })
        .collect()
}

/// A row's response and restore figures and durations: the client's own (its clocks,
/// its outage from when it was affected) for `--client`, else the incident's own.
fn row_figures(
    config: &Config,
    incident: &Incident,
    state: &State,
    evaluation: &crate::sla::engine::Evaluation,
    own: &[&Clock],
    scope: Option<&str>,
) -> (Figures, durations::Durations) {
    match scope.and_then(|k| state.affected_client(k)) {
        Some(c) => {
            let (figures, restore) = Figures::of(own);
            let mut d = durations::with_restore(state, restore);
            d.time_to_restore = figures.restore.map(Duration::from_secs);
            d.outage = figures::of_client(state, evaluation, c)
                .since_affected_s
                .map(Duration::from_secs);
            (figures, d)
        }
        None => {
            let incident_clocks = crate::sla::engine::incident_clocks(config, incident, state);
            let theirs: Vec<&Clock> = incident_clocks.clocks.iter().collect();
            let (figures, restore) = Figures::of(&theirs);
            (figures, durations::with_restore(state, restore))
        }
    }
}

/// The state of each of [`SLA_RULES`]' clocks among `clocks` (the first of a rule).
fn sla_states(clocks: &[&Clock]) -> BTreeMap<String, ClockState> {
    SLA_RULES
        .iter()
        .filter_map(|&rule| {
            let c = clocks.iter().find(|c| c.rule == rule)?;
            Some((rule.to_string(), c.state))
        })
        .collect()
}

/// Response and restore times are the clocks' working time, once stopped.
#[derive(Clone, Copy, Default)]
struct Figures {
    response: Option<i64>,
    restore: Option<i64>,
    restore_target: Option<i64>,
    /// The restore clock's working time so far, while it runs.
    restore_so_far: Option<i64>,
}

impl Figures {
    /// The figures of one set of clocks, and its restore clock.
    fn of<'c>(clocks: &[&'c Clock]) -> (Figures, Option<&'c Clock>) {
        let clock = |rule: Rule| clocks.iter().find(|c| c.rule == rule).copied();
        let stopped = |c: &Clock| c.stopped.map(|_| c.elapsed.secs());
        let restore = clock(Rule::Restore);
        let figures = Figures {
            response: clock(Rule::Respond).and_then(stopped),
            restore: restore.and_then(stopped),
            restore_target: restore.map(|c| c.target.secs()),
            restore_so_far: restore
                .filter(|c| c.stopped.is_none())
                .map(|c| c.elapsed.secs()),
        };
        (figures, restore)
    }
}

/// Every resolution of the incidents that can be recurred (all but rejected
/// proposals), grouped by client and service, and by client, service and configuration
/// item: an incident is in the groups of each of its clients, services and items. Each
/// group is sorted by time, so the recurrence of one incident is a binary search, not
/// a scan of the others.
struct Resolutions<'a> {
    by_service: HashMap<(Option<&'a str>, &'a str), Vec<Resolved>>,
    /// `None` as the configuration item: the incidents that name none.
    by_ci: HashMap<CiKey<'a>, Vec<Resolved>>,
}

/// When an incident was resolved, and its index in `all`: sorted by time, then by
/// index backwards, so the last of equal times is the first incident (in ID order).
type Resolved = (Timestamp, std::cmp::Reverse<usize>);

/// Client, service and configuration item.
type CiKey<'a> = (Option<&'a str>, &'a str, Option<&'a str>);

/// The names an incident is grouped by: each affected client (or none), each service
/// (or an empty one), each configuration item (or none).
struct GroupNames<'a> {
    clients: Vec<Option<&'a str>>,
    services: Vec<&'a str>,
    cis: Vec<Option<&'a str>>,
}

impl<'a> GroupNames<'a> {
    fn of(state: &'a State) -> GroupNames<'a> {
        let or = |v: Vec<Option<&'a str>>| if v.is_empty() { vec![None] } else { v };
        GroupNames {
            clients: or(state.affected().map(|c| Some(c.client.as_str())).collect()),
            services: match state.services.as_slice() {
                [] => vec![""],
                all => all.iter().map(String::as_str).collect(),
            },
            cis: or(state.cis.iter().map(|c| Some(c.as_str())).collect()),
        }
    }

    /// Each (client, service) pair.
    fn pairs(&self) -> impl Iterator<Item = (Option<&'a str>, &'a str)> + '_ {
        self.clients
            .iter()
            .flat_map(|&c| self.services.iter().map(move |&s| (c, s)))
    }
}

impl<'a> Resolutions<'a> {
    fn index(states: &'a [State]) -> Resolutions<'a> {
        let mut index = Resolutions {
            by_service: HashMap::new(),
            by_ci: HashMap::new(),
        };
        for (k, state) in states.iter().enumerate() {
            if state.status == Status::Rejected || state.resolutions.is_empty() {
                continue;
            }
            let names = GroupNames::of(state);
            for res in &state.resolutions {
                let item = (res.at, std::cmp::Reverse(k));
                for (client, service) in names.pairs() {
                    index
                        .by_service
                        .entry((client, service))
                        .or_default()
                        .push(item);
                    for &ci in &names.cis {
                        index
                            .by_ci
                            .entry((client, service, ci))
                            .or_default()
                            .push(item);
                    }
                }
            }
        }
        for list in index
            .by_service
            .values_mut()
            .chain(index.by_ci.values_mut())
        {
            list.sort_unstable();
        }
        index
    }

    /// The earlier incident the incident of `state` (index `k` in `all`) recurs: a
    /// client, a service and, when both name one, a configuration item in common,
    /// resolved at most `window` before this one was reported. The latest such
    /// resolution wins; of two at the same time, the first incident. (Rejected proposals
    /// neither recur nor are recurred: the caller asks only for others.)
    fn recurs(&self, k: usize, state: &State, window: crate::units::Duration) -> Option<usize> {
        let names = GroupNames::of(state);
        let mut groups: Vec<Option<&Vec<Resolved>>> = Vec::new();
        for (client, service) in names.pairs() {
            if state.cis.is_empty() {
                groups.push(self.by_service.get(&(client, service)));
                continue;
            }
            for &ci in &names.cis {
                groups.push(self.by_ci.get(&(client, service, ci)));
                groups.push(self.by_ci.get(&(client, service, None)));
            }
        }
        let (at, std::cmp::Reverse(other)) = groups
            .into_iter()
            .flatten()
            .filter_map(|list| latest_before(list, state.reported, k))
            .max()?;
        (secs(state.reported - at) <= window.secs()).then_some(other)
    }
}

/// The last resolution in `list` at or before `until` of an incident other than `k`.
fn latest_before(list: &[Resolved], until: Timestamp, k: usize) -> Option<Resolved> {
    let end = list.partition_point(|(at, _)| *at <= until);
    list[..end]
        .iter()
        .rev()
        .find(|(_, other)| other.0 != k)
        .copied()
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

fn proposals(chosen: &[(&Incident, &State)]) -> Proposals {
    let accepted = chosen
        .iter()
        .filter(|(_, s)| s.accepted_at.is_some())
        .count();
    let rejected = chosen
        .iter()
        .filter(|(_, s)| s.status == Status::Rejected)
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

fn escalations(chosen: &[(&Incident, &State)]) -> Escalations {
    let mut e = Escalations::default();
    let mut escalated = 0;
    let mut hierarchic = 0;
    // Of the incidents: rejected proposals are not incidents.
    let chosen: Vec<_> = chosen
        .iter()
        .filter(|(_, s)| s.status != Status::Rejected)
        .collect();
    for (_, state) in &chosen {
        let kinds: Vec<EscalationKind> = state.escalations.iter().map(|(_, e)| e.kind).collect();
        for kind in &kinds {
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

fn hold(list: &[IncidentRow], chosen: &[(&Incident, &State)], now: Timestamp) -> Hold {
    let periods = chosen
        .iter()
        .map(|(_, s)| hold_periods(s, now).count())
        .sum();
    let secs: std::collections::HashMap<&str, i64> =
        list.iter().map(|r| (r.id.as_str(), r.hold_secs)).collect();
    let held: Vec<i64> = chosen
        .iter()
        .filter(|(_, s)| !s.holds.is_empty())
        .filter_map(|(i, _)| secs.get(i.id.as_str()).copied())
        .collect();
    let incidents = chosen
        .iter()
        .filter(|(_, s)| s.status != Status::Rejected)
        .count();
    Hold {
        periods,
        incidents_on_hold: Rate::new(held.len(), incidents),
        total_secs: held.iter().sum(),
        per_incident: Summary::of(&held),
    }
}

/// Incidents reopened at least once, of incidents ever resolved.
fn reopen(chosen: &[(&Incident, &State)]) -> Rate {
    let resolved = chosen
        .iter()
        .filter(|(_, s)| !s.resolutions.is_empty())
        .count();
    let reopened = chosen.iter().filter(|(_, s)| s.reopens > 0).count();
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

fn time_logged(chosen: &[(&Incident, &State)]) -> TimeLogged {
    let mut t = TimeLogged::default();
    let mut category_incidents: BTreeMap<String, usize> = BTreeMap::new();
    for (incident, state) in chosen {
        let category = incident.record.category.as_deref().unwrap_or(NONE);
        *category_incidents.entry(category.to_string()).or_default() += 1;
        let mut activities_seen: Vec<String> = Vec::new();
        let mut logged_here = false;
        for entry in &state.time_entries {
            let time = &entry.time;
            let activity = entry
                .activity
                .clone()
                .unwrap_or_else(|| "unspecified".into());
            let g = t.by_activity.entry(activity.clone()).or_default();
            g.entries += 1;
            g.total_secs += time.secs();
            if !activities_seen.contains(&activity) {
                g.incidents += 1;
                activities_seen.push(activity);
            }
            let c = t.by_category.entry(category.to_string()).or_default();
            c.entries += 1;
            c.total_secs += time.secs();
            if !logged_here {
                c.incidents += 1;
                logged_here = true;
            }
            t.total_secs += time.secs();
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
