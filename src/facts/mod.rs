//! What one reader is told: from the one derived [`State`], the typed facts of one
//! incident for one reader. A reader is an audience, for one client where the audience
//! is a client's. Every e-mail template, the status pages and their feeds read these
//! facts; none of them computes a time, a duration or a status of its own, so two
//! readers may be told different things (each its own service, priority and restore
//! clock) but never a figure that contradicts the state.
//!
//! Durations carry what they measure in their names (`since_impact`, `since_reported`,
//! `since_affected`, `restore.used`), and each runs to the reader's restoration, or to
//! "now" while the reader's service is still down. `docs/templates.md` documents every
//! field.

pub mod phase;
pub mod times;

use serde::Serialize;

pub use phase::{Phase, Words};

use crate::config::Config;
use crate::lifecycle::Status;
use crate::model::{Audience, Incident, MilestoneKind};
use crate::sla::engine::Evaluation;
use crate::sla::{ClockState, Rule};
use crate::state::{AffectedClient, State};
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// Who reads: an audience, and for the client's people, which client's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    pub audience: Audience,
    /// The client whose people read it (the client's audiences), or the one client an
    /// internal reader's message is about; `None`: the incident as a whole.
    pub client: Option<String>,
}

impl Reader {
    pub fn new(audience: Audience, client: Option<&str>) -> Reader {
        Reader {
            audience,
            client: client.map(str::to_string),
        }
    }

    /// `client-management+acme`, or the audience alone.
    pub fn label(&self) -> String {
        match (&self.client, self.audience.is_external()) {
            (Some(key), true) => format!("{}+{key}", self.audience),
            _ => self.audience.to_string(),
        }
    }
}

/// One reader's facts about one incident at one instant (`now`). Times are RFC 3339;
/// durations are written as mim writes them (`3h57m`).
#[derive(Clone, Debug, Serialize)]
pub struct Facts {
    pub audience: Audience,
    /// The client's key, for the client's people (or the one client of the incident).
    pub client: Option<String>,
    /// The client's name as `mim.yaml` gives it.
    pub client_name: Option<String>,
    /// The IANA zone this reader reads times in.
    pub tz: String,
    /// When these facts are of.
    pub now: String,
    /// The services as this reader knows them: a client's own.
    pub service: String,
    /// Impact, urgency and priority as this reader's contract sees them (a client of
    /// several: its own impact through the matrix). `priority` is none for the client's
    /// IT contacts and end users, who are told in plain words.
    pub impact: String,
    pub urgency: String,
    pub priority: Option<String>,
    pub phase: Phase,
    /// The phase in this reader's words: the one wording table.
    pub words: Words,
    /// The status as this reader is told it: our status name for the provider's people,
    /// the phase's label for the client's.
    pub status: String,
    /// When the impact began (the report, when not recorded).
    pub impact_started: String,
    /// When the incident was reported.
    pub reported: String,
    /// When this reader was affected: a client added later, from then; else the impact start.
    pub affected_at: String,
    /// When this reader's service came back, while it stays back.
    pub restored_at: Option<String>,
    /// The stretches this reader's service was down, from when it was affected: a restore
    /// and a reopen (or being affected again) split them; the last open while still down.
    pub down: Vec<DownSpan>,
    /// Restored on a workaround (the reader's restoration).
    pub workaround: bool,
    /// What the client's people are told of the restoration (`--client-message`), when given.
    pub client_message: Option<String>,
    /// The incident's resolve in force, and its closing.
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    /// From the impact start, the report, and when this reader was affected, to this
    /// reader's restoration (or `now` while still down).
    pub since_impact: String,
    pub since_reported: String,
    pub since_affected: String,
    /// The restore clock of this reader's contract (the incident's, for the provider's
    /// people), as `mim check` counts it.
    pub restore: Option<RestoreFacts>,
    /// The longest gap between messages this reader's contract allows, if any.
    pub cadence: Option<String>,
    /// When the next message to this reader is due: the promise of the last message it
    /// was sent (or, before the first, the cadence's). None once its service is back and
    /// nothing more was promised.
    pub next_update_by: Option<String>,
    /// The estimated restoration given to this reader, while it is still ahead.
    pub eta: Option<String>,
    /// The response plan's workstreams still open (names only).
    pub open_workstreams: Vec<String>,
    /// Each client's own figures, for the provider's people of an incident of several.
    pub clients: Vec<ClientFigures>,
    /// The organisation's zone: the one a time typed in an update is meant in.
    #[serde(skip)]
    pub author_tz: chrono_tz::Tz,
    /// The priority of this reader's contract, whoever reads (see `priority`).
    #[serde(skip)]
    pub contract_priority: String,
    /// `now`, as a time.
    #[serde(skip)]
    pub at: Timestamp,
}

/// One stretch of a reader's service down: `until` none while it still is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DownSpan {
    pub from: String,
    pub until: Option<String>,
}

/// A restore clock as `mim check` has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RestoreFacts {
    /// The target, e.g. `4h`.
    pub target: String,
    /// Working time counted against it (its calendar, less time on hold).
    pub used: String,
    /// Working time left; `0m` once missed.
    pub remaining: String,
    /// Share of the target used, in whole percent (may pass 100).
    pub percent: u32,
    /// When it is (or was) due; none while an open hold stops it.
    pub due: Option<String>,
    /// `running`, `paused`, `at-risk`, `met` or `breached`.
    pub state: ClockState,
    pub met: bool,
    pub breached: bool,
    /// When it stopped (the reader's restoration).
    pub stopped: Option<String>,
    /// `24x7` or the calendar's name.
    pub calendar: String,
}

/// One client's figures in the provider's facts about an incident of several clients.
#[derive(Clone, Debug, Serialize)]
pub struct ClientFigures {
    pub client: String,
    pub name: String,
    pub priority: String,
    pub impact: String,
    pub affected_at: String,
    pub restored_at: Option<String>,
    pub restore: Option<RestoreFacts>,
}

impl Facts {
    /// The facts of `incident` in `state` (at `state.now`) for `reader`; `eta` is the
    /// latest estimate given to it (shown only while ahead and the service still down).
    pub fn new(
        config: &Config,
        incident: &Incident,
        state: &State,
        reader: &Reader,
        eta: Option<Timestamp>,
    ) -> Facts {
        let eval = crate::sla::evaluate_state(config, incident, state);
        Facts::with(config, incident, state, &eval, reader, eta)
    }

    /// [`Facts::new`] with the SLA evaluation of `state` already made.
    pub fn with(
        config: &Config,
        incident: &Incident,
        state: &State,
        eval: &Evaluation,
        reader: &Reader,
        eta: Option<Timestamp>,
    ) -> Facts {
        let external = reader.audience.is_external();
        let key = reader.client.as_deref().or(state.sole_client());
        // The reader's own client, when its clocks and figures are its own.
        let own = key.and_then(|k| state.affected_client(k).filter(|_| state.per_client()));
        let own_key = own.map(|c| c.client.as_str());
        let now = state.now;
        let restored = restored_at(state, own);
        let (workaround, client_message) = restoration_words(state, own, restored.is_some());
        let phase = phase_of(state, restored.is_some(), workaround);
        let words = phase.words(external);
        let affected_at = own
            .filter(|c| c.entry.is_some())
            .map_or(state.impact_started, |c| c.since);
        let end = restored.unwrap_or(now);
        let since = |from: Timestamp| Duration::from(end - from).max(Duration::ZERO).to_string();
        let (impact, priority) = own.map_or_else(
            || (state.impact.clone(), state.priority.clone()),
            |c| (c.impact.clone(), c.priority.clone()),
        );
        let tz = display_zone(config, key, reader.audience);
        let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
        Facts {
            audience: reader.audience,
            client: key.map(str::to_string),
            client_name: key.map(|k| config.client_name(k)),
            tz,
            now: time::format(&now),
            service: services_of(state, own),
            impact,
            urgency: state.urgency.clone(),
            priority: (!matches!(reader.audience, Audience::Client | Audience::EndUsers))
                .then(|| priority.clone()),
            contract_priority: priority,
            phase,
            status: if external {
                words.label.to_string()
            } else {
                state.status.to_string()
            },
            words,
            impact_started: time::format(&state.impact_started),
            reported: time::format(&state.reported),
            affected_at: time::format(&affected_at),
            restored_at: restored.as_ref().map(time::format),
            down: down_spans(state, own, affected_at),
            workaround,
            // Times typed in it, shown in this reader's zone (as of the restoration).
            client_message: client_message
                .filter(|_| external)
                .map(|m| times::expand(&m, config.tz(), restored.unwrap_or(now), zone)),
            resolved_at: state.resolved_at.as_ref().map(time::format),
            closed_at: state.closed_at.as_ref().map(time::format),
            since_impact: since(state.impact_started),
            since_reported: since(state.reported),
            since_affected: since(affected_at),
            restore: restore_clock(config, incident, state, eval, own_key),
            cadence: cadence_of(config, state, reader, own).map(|d| d.to_string()),
            next_update_by: next_update_by(state, eval, reader, own, restored.is_some())
                .as_ref()
                .map(time::format),
            eta: None,
            open_workstreams: open_workstreams(incident, external),
            clients: client_figures(config, incident, state, eval, external),
            author_tz: config.tz(),
            at: now,
        }
        .with_eta(eta)
    }

    /// The same facts with `eta`, the latest estimate given to the reader: shown only while
    /// it is ahead and the reader's service is still down.
    pub fn with_eta(mut self, eta: Option<Timestamp>) -> Facts {
        self.eta = eta
            .filter(|eta| self.restored_at.is_none() && *eta > self.at)
            .as_ref()
            .map(time::format);
        self
    }

    /// `text` typed at `now` with each `{{ time("06:02") }}` in it shown in `zone`.
    pub fn localise(&self, text: &str, zone: chrono_tz::Tz) -> String {
        times::expand(text, self.author_tz, self.at, zone)
    }
}

/// Whether the reader's restoration (while `restored`) was on a workaround, and what its
/// people were told of it: its own early restoration's, else the incident's resolve's.
fn restoration_words(
    state: &State,
    own: Option<&AffectedClient>,
    restored: bool,
) -> (bool, Option<String>) {
    let restoral = own.and_then(|c| state.client_restoral(&c.client));
    match (restoral, &state.resolution) {
        (Some(r), _) if restored => (r.workaround, r.client_message.clone()),
        (_, Some(r)) if restored => (r.workaround, r.client_message.clone()),
        _ => (false, None),
    }
}

/// The response plan's workstreams not done yet, by name (for the provider's people).
fn open_workstreams(incident: &Incident, external: bool) -> Vec<String> {
    if external {
        return Vec::new();
    }
    incident
        .plan
        .as_ref()
        .map(|p| {
            p.workstreams
                .iter()
                .filter(|w| w.status.as_str() != "done")
                .map(|w| w.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// When the reader's service came back, while it stays back: one of several clients'
/// own restoration, else the incident's resolve in force.
fn restored_at(state: &State, own: Option<&AffectedClient>) -> Option<Timestamp> {
    own.and_then(AffectedClient::restored)
        .or(state.resolution.as_ref().map(|r| r.at))
}

/// The stretches the reader's service was down from `from`: its own early restorations
/// (one of several clients) and the incident's resolves, each until its reopen, are up.
fn down_spans(state: &State, own: Option<&AffectedClient>, from: Timestamp) -> Vec<DownSpan> {
    let mut up: Vec<(Timestamp, Option<Timestamp>)> = state
        .resolved_periods
        .iter()
        .map(|(resolve, reopen)| (*resolve, Some(*reopen)))
        .chain(state.resolution.as_ref().map(|r| (r.at, None)))
        .chain(
            own.into_iter()
                .flat_map(|c| c.restored_periods.iter().copied()),
        )
        .collect();
    up.sort();
    let mut out = Vec::new();
    let mut cursor = Some(from);
    for (start, end) in up {
        let Some(down_from) = cursor else { break };
        if start > down_from {
            out.push(DownSpan {
                from: time::format(&down_from),
                until: Some(time::format(&start)),
            });
        }
        cursor = end.map(|e| e.max(down_from));
    }
    if let Some(down_from) = cursor.filter(|c| *c < state.now) {
        out.push(DownSpan {
            from: time::format(&down_from),
            until: None,
        });
    }
    out
}

/// The phase the reader is in.
fn phase_of(state: &State, restored: bool, workaround: bool) -> Phase {
    let identified = [
        MilestoneKind::Identified,
        MilestoneKind::Mitigated,
        MilestoneKind::Fixed,
    ]
    .into_iter()
    .filter_map(|k| state.milestone(k))
    .map(|m| m.at)
    .max();
    let reopened = state.resolved_periods.last().map(|(_, reopen)| *reopen);
    match state.status {
        Status::Closed => Phase::Resolved,
        _ if restored && workaround => Phase::Workaround,
        _ if restored => Phase::Monitoring,
        Status::OnHold => Phase::OnHold,
        // A cause found before the reopen was not this failure's.
        _ if identified.is_some_and(|at| reopened.is_none_or(|r| at > r)) => Phase::Fixing,
        _ if reopened.is_some() => Phase::Reopened,
        _ => Phase::Investigating,
    }
}

/// The services a reader knows: one of several clients' own (or the incident's less
/// those only other clients lost), else the incident's.
fn services_of(state: &State, own: Option<&AffectedClient>) -> String {
    let Some(c) = own else {
        return state.services.join(", ");
    };
    if !c.services.is_empty() {
        return c.services.join(", ");
    }
    let others: Vec<&String> = state
        .clients
        .iter()
        .filter(|o| o.client != c.client)
        .flat_map(|o| o.services.iter())
        .collect();
    let mine: Vec<&str> = state
        .services
        .iter()
        .filter(|s| !others.contains(s))
        .map(String::as_str)
        .collect();
    if mine.is_empty() {
        state.services.join(", ")
    } else {
        mine.join(", ")
    }
}

/// The restore clock of `client`'s contract (one of several), or (`None`) the incident's
/// own ([`crate::sla::engine::incident_clocks`]: its resolve, its priority's target).
fn restore_clock(
    config: &Config,
    incident: &Incident,
    state: &State,
    eval: &Evaluation,
    client: Option<&str>,
) -> Option<RestoreFacts> {
    let clock = match client {
        Some(key) => eval
            .clocks
            .iter()
            .find(|c| c.rule == Rule::Restore && c.client.as_deref() == Some(key))?
            .clone(),
        None => crate::sla::engine::incident_clocks(config, incident, state)
            .clocks
            .into_iter()
            .find(|c| c.rule == Rule::Restore)?,
    };
    let clock = &clock;
    let priority = state
        .priority_steps(client)
        .last()
        .map(|(_, p)| p.to_string())
        .unwrap_or_else(|| state.priority.clone());
    let calendar = config
        .calendar_name(&priority, client.or(state.sole_client()))
        .unwrap_or("24x7")
        .to_string();
    Some(restore_facts(clock, calendar))
}

fn restore_facts(clock: &crate::sla::Clock, calendar: String) -> RestoreFacts {
    let (target, used) = (clock.target, clock.elapsed);
    let percent = if target.secs() > 0 {
        u32::try_from(used.secs() * 100 / target.secs()).unwrap_or(u32::MAX)
    } else {
        100
    };
    RestoreFacts {
        target: target.to_string(),
        used: used.to_string(),
        remaining: Duration::from_secs((target.secs() - used.secs()).max(0)).to_string(),
        percent,
        due: clock.due.as_ref().map(time::format),
        state: clock.state,
        met: clock.state == ClockState::Met,
        breached: clock.state == ClockState::Breached,
        stopped: clock.stopped.as_ref().map(time::format),
        calendar,
    }
}

/// Each client's own figures, for the provider's people of an incident of several.
fn client_figures(
    config: &Config,
    incident: &Incident,
    state: &State,
    eval: &Evaluation,
    external: bool,
) -> Vec<ClientFigures> {
    if external || !state.per_client() {
        return Vec::new();
    }
    state
        .affected()
        .map(|c| ClientFigures {
            client: c.client.clone(),
            name: config.client_name(&c.client),
            priority: c.priority.clone(),
            impact: c.impact.clone(),
            affected_at: time::format(&if c.entry.is_some() {
                c.since
            } else {
                state.impact_started
            }),
            restored_at: restored_at(state, Some(c)).as_ref().map(time::format),
            restore: restore_clock(config, incident, state, eval, Some(&c.client)),
        })
        .collect()
}

/// The cadence this reader's contract promises, at `now`.
fn cadence_of(
    config: &Config,
    state: &State,
    reader: &Reader,
    own: Option<&AffectedClient>,
) -> Option<Duration> {
    let audience = reader.audience.cadence_audience()?;
    let (priority, client) = match own {
        Some(c) => (c.priority.as_str(), Some(c.client.as_str())),
        None => (state.priority.as_str(), state.sole_client()),
    };
    let targets = config.client_targets(priority, client);
    crate::state::cadence(
        state.planned_cadence(audience, state.now),
        audience,
        targets.as_deref(),
    )
    .map(|(d, _)| d)
}

/// When the next message to this reader is due: what its last message promised, else
/// (before its first, while its service is down) what its cadence clock says.
fn next_update_by(
    state: &State,
    eval: &Evaluation,
    reader: &Reader,
    own: Option<&AffectedClient>,
    restored: bool,
) -> Option<Timestamp> {
    if state.status == Status::Closed || state.status == Status::Rejected {
        return None;
    }
    let client = own.map(|c| c.client.as_str());
    let last = state
        .updates_for(reader.audience, client)
        .filter(|u| u.audience == reader.audience.as_str())
        .max_by_key(|u| u.at);
    let restoral = restored_at(state, own);
    match last {
        // A restoral notice after the last update answered its promise.
        Some(u) if restoral.is_some_and(|r| r >= u.at) => None,
        Some(u) => u.next_by,
        None if restored => None,
        None => {
            let rule = match reader.audience {
                Audience::Internal => Rule::UpdateInternal,
                Audience::Client => Rule::UpdateClient,
                _ => return None,
            };
            eval.clocks
                .iter()
                .filter(|c| c.rule == rule && c.stopped.is_none())
                .find(|c| c.client.as_deref() == client || client.is_none())
                .and_then(|c| c.due)
        }
    }
}

/// The time zone a reader in `audience` is told times in (messages, status pages): for the client's people, the
/// client's (its calendar's, else `clients.C.timezone`), else the organisation's.
pub fn display_zone(config: &Config, client: Option<&str>, audience: Audience) -> String {
    match client {
        Some(key) if audience.is_external() => config.client_tz(key).name().to_string(),
        _ => config.tz().name().to_string(),
    }
}
