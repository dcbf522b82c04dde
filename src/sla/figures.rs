//! The figures people read about one incident's restoration: the incident's own restore
//! clock ([`crate::sla::engine::incident_clocks`]) and, for each client it affects, when
//! that client was affected and restored and its contract's restore clock (the one
//! `mim check --client` reports). `mim show`, the KPI report and the PIR read them here,
//! so an incident-level figure is never one client's, nor a client's the incident's.

use serde::Serialize;

use crate::sla::engine::Evaluation;
use crate::sla::{Clock, ClockState, Rule};
use crate::state::{AffectedClient, State};
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// One restore clock as people read it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RestoreFigure {
    /// Working time the clock counted (its calendar, less time on hold and time resolved
    /// before a reopen), to its stop or to "now": the restore clock used.
    pub used_s: i64,
    /// The target in force at its end.
    pub target_s: i64,
    pub state: ClockState,
    #[serde(with = "time::rfc3339")]
    pub started: Timestamp,
    /// When the target is (or was) reached; none while an open hold stops it.
    #[serde(with = "time::rfc3339::option")]
    pub due: Option<Timestamp>,
    /// When it stopped: the restoration.
    #[serde(with = "time::rfc3339::option")]
    pub stopped: Option<Timestamp>,
}

impl RestoreFigure {
    pub fn of(clock: &Clock) -> RestoreFigure {
        RestoreFigure {
            used_s: clock.elapsed.secs(),
            target_s: clock.target.secs(),
            state: clock.state,
            started: clock.started,
            due: clock.due,
            stopped: clock.stopped,
        }
    }

    /// `2h of 4h, met`.
    pub fn human(&self) -> String {
        format!(
            "{} of {}, {}",
            Duration::from_secs(self.used_s).human(),
            Duration::from_secs(self.target_s).human(),
            self.state
        )
    }
}

/// One affected client's own figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientFigures {
    /// Its key under `clients` in mim.yaml.
    pub client: String,
    /// Its own impact, and its priority through the matrix.
    pub impact: String,
    pub priority: String,
    /// When its impact began: the incident's impact start for a client declared with
    /// the incident, else when `mim affect` added it.
    #[serde(with = "time::rfc3339")]
    pub affected_at: Timestamp,
    /// When its service came back (on its own, or with the incident's resolve), while it
    /// stays back.
    #[serde(with = "time::rfc3339::option")]
    pub restored_at: Option<Timestamp>,
    /// Restored on its own, before the incident was resolved (`mim affect --restored`).
    pub restored_early: bool,
    /// From `affected_at` to `restored_at`, wall clock: what its users lived through.
    /// None until restored.
    pub since_affected_s: Option<i64>,
    /// The respond clock of its contract, as `mim check --client` reports it.
    pub respond: Option<RestoreFigure>,
    /// The restore clock of its contract, as `mim check --client` reports it.
    pub restore: Option<RestoreFigure>,
}

/// When `c`'s impact began: see [`ClientFigures::affected_at`].
pub fn affected_at(state: &State, c: &AffectedClient) -> Timestamp {
    match c.entry {
        Some(_) => c.since,
        None => state.impact_started,
    }
}

/// When `c`'s service came back, while it stays back: on its own, else with the
/// incident's resolve in force.
pub fn restored_at(state: &State, c: &AffectedClient) -> Option<Timestamp> {
    c.restored().or(state.resolution.as_ref().map(|r| r.at))
}

/// The clock of `rule` of `key`'s contract among `eval`'s clocks: its own, on an
/// incident of several clients; the incident's, on an incident of that one client.
pub fn client_clock<'e>(
    state: &State,
    eval: &'e Evaluation,
    rule: Rule,
    key: &str,
) -> Option<&'e Clock> {
    let several = state.per_client();
    eval.clocks.iter().find(|c| {
        c.rule == rule
            && match &c.client {
                Some(k) => k == key,
                None => !several,
            }
    })
}

/// The figures of affected client `c`, from the state's evaluation `eval`.
pub fn of_client(state: &State, eval: &Evaluation, c: &AffectedClient) -> ClientFigures {
    let affected = affected_at(state, c);
    let restored = restored_at(state, c);
    let clock = |rule| client_clock(state, eval, rule, &c.client).map(RestoreFigure::of);
    ClientFigures {
        client: c.client.clone(),
        impact: c.impact.clone(),
        priority: c.priority.clone(),
        affected_at: affected,
        restored_at: restored,
        restored_early: c.restored().is_some(),
        since_affected_s: restored.map(|r| (r - affected).num_seconds().max(0)),
        respond: clock(Rule::Respond),
        restore: clock(Rule::Restore),
    }
}

/// Each affected client's figures, declared first.
pub fn clients(state: &State, eval: &Evaluation) -> Vec<ClientFigures> {
    state
        .affected()
        .map(|c| of_client(state, eval, c))
        .collect()
}
