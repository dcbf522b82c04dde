//! The PIR's metrics, wall-clock: time to detect, accept, identify, mitigate, fix and
//! restore, the outage, time on hold, restore excluding hold, status updates per
//! audience against the cadence, escalations. (The SLA engine measures the contractual
//! clocks in the priority's calendar; these are what happened.) The durations are
//! [`crate::sla::durations`], the same figures `show` and `report` give.

use serde::Serialize;

use crate::config::Config;
use crate::model::{Audience, Incident};
use crate::sla::engine::Evaluation;
use crate::sla::{Clock, ClockState, Rule, figures};
use crate::state::{State, UpdateMark};
use crate::time::Timestamp;
use crate::units::Duration;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Impact started → detected.
    pub time_to_detect: Option<Duration>,
    /// Reported → first accepted.
    pub time_to_accept: Option<Duration>,
    /// Impact started → cause identified, mitigated, permanent fix in.
    pub time_to_identify: Option<Duration>,
    pub time_to_mitigate: Option<Duration>,
    pub time_to_fix: Option<Duration>,
    /// Impact started → resolved, wall clock, hold included.
    pub outage: Option<Duration>,
    /// Reported → resolved.
    pub time_to_restore: Option<Duration>,
    pub time_on_hold: Duration,
    /// The SLA restore figure: reported → resolved in the priority's calendar, less time
    /// on hold and time resolved before a reopen (the restore clock `check` reports).
    pub restore_excluding_hold: Option<Duration>,
    pub updates: Vec<AudienceUpdates>,
    pub escalations: usize,
    pub reopens: u32,
}

/// The status updates one reader received (an audience, for one client where the
/// audience is a client's), whether they came at its cadence, and the promises of a
/// next update made to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AudienceUpdates {
    pub audience: String,
    /// The client whose people the audience is (its key); none for the provider's own.
    pub client: Option<String>,
    pub count: usize,
    /// The cadence in force for this reader at the end: the internal one, or the client's
    /// contract's (see `state::cadence`); none for audiences without a cadence.
    pub cadence: Option<Duration>,
    /// Whether the SLA engine's update clock for this reader was never breached;
    /// `None` when there is no cadence to hold.
    pub cadence_held: Option<bool>,
    /// The longest gap from the start of its clock (a client: from when it was
    /// affected) to the first update, between updates, and from the last update to its
    /// restoration, in its calendar, time resolved (before a reopen) left out.
    pub longest_gap: Duration,
    /// The "next update by" promises made to it that a promise clock holds (see
    /// `Rule::Promise`), how many were kept, and how many were broken.
    pub promises: usize,
    pub promises_kept: usize,
    pub promises_broken: usize,
}

/// The metrics of `incident` in `state` (derived at the report's "now", which ends a
/// hold or restore clock still running). Whether each audience's cadence was held, and
/// the restore time less hold, are the SLA engine's figures for the same state, so the
/// PIR says what `check`, `show` and `report` say.
pub fn metrics(config: &Config, incident: &Incident, state: &State) -> Metrics {
    let reported = state.reported;
    let end = state.resolved_at.unwrap_or(state.now);
    let time_on_hold = state.time_on_hold(end);
    let time_to_restore = state.resolved_at.map(|r| Duration::from(r - reported));
    let evaluation = crate::sla::evaluate_state(config, incident, state);
    // The incident's own restore clock, whichever clients it affects.
    let own = crate::sla::engine::incident_clocks(config, incident, state);
    let durations = crate::sla::durations::with_restore(state, own.clock(Rule::Restore));
    let updates = readers(state)
        .into_iter()
        .map(|(audience, client)| {
            audience_updates(config, state, &evaluation, audience, client, end)
        })
        // A reader nothing was sent to, nothing promised, and no cadence owed: no row.
        .filter(|u| u.count > 0 || u.cadence.is_some() || u.promises > 0)
        .collect();
    Metrics {
        time_to_detect: durations.time_to_detect,
        time_to_accept: durations.time_to_accept,
        time_to_identify: durations.time_to_identify,
        time_to_mitigate: durations.time_to_mitigate,
        time_to_fix: durations.time_to_fix,
        outage: durations.outage,
        time_on_hold,
        restore_excluding_hold: durations.time_to_restore,
        time_to_restore,
        updates,
        escalations: state.escalations.len(),
        reopens: state.reopens,
    }
}

/// The readers the communications table may have a row for: the provider's internal
/// audience and management (when written to), then for each affected client its IT
/// contacts and (when written to) its management and end users; then any other audience
/// updates were recorded for.
fn readers(state: &State) -> Vec<(String, Option<String>)> {
    let written = |audience: &str| state.updates.iter().any(|u| u.audience == audience);
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    out.push(("internal".into(), None));
    if written("management") {
        out.push(("management".into(), None));
    }
    for c in state.affected() {
        let key = Some(c.client.clone());
        out.push(("client".into(), key.clone()));
        let theirs = |a: Audience| {
            state
                .updates_for(a, Some(&c.client))
                .any(|u| u.audience == a.as_str())
        };
        if theirs(Audience::ClientManagement) {
            out.push(("client-management".into(), key.clone()));
        }
        if theirs(Audience::EndUsers) {
            out.push(("end-users".into(), key));
        }
    }
    let mut others: Vec<String> = state
        .updates
        .iter()
        .map(|u| u.audience.clone())
        .filter(|a| !out.iter().any(|(o, _)| o == a))
        .collect();
    others.sort();
    others.dedup();
    out.extend(others.into_iter().map(|a| (a, None)));
    out
}

/// The updates one reader received, at its cadence or not, and the promises made to it.
fn audience_updates(
    config: &Config,
    state: &State,
    evaluation: &Evaluation,
    audience: String,
    client: Option<String>,
    end: Timestamp,
) -> AudienceUpdates {
    let parsed = Audience::parse(&audience);
    let key = client.as_deref();
    let affected = key.and_then(|k| state.affected_client(k));
    let received: Vec<&UpdateMark> = match parsed {
        Some(a) => state.updates_for(a, key).collect(),
        None => state
            .updates
            .iter()
            .filter(|u| u.audience == audience)
            .collect(),
    };
    let cadence_rule = match parsed {
        Some(Audience::Internal) => Some(Rule::UpdateInternal),
        Some(Audience::Client) => Some(Rule::UpdateClient),
        _ => None,
    };
    // This reader's cadence clock: the provider's own, or the client's contract's.
    let clock = cadence_rule.and_then(|rule| match key {
        Some(k) => figures::client_clock(state, evaluation, rule, k),
        None => evaluation
            .clocks
            .iter()
            .find(|c| c.rule == rule && c.client.is_none()),
    });
    let cadence = reader_cadence(config, state, parsed, affected, end);
    // From when its clock starts (a client: from when it was affected) to its
    // restoration; time resolved before a reopen is no gap, time on hold is.
    let start = affected.map_or(state.clocks_start, |c| c.since.max(state.clocks_start));
    let stop = affected
        .and_then(|c| figures::restored_at(state, c))
        .unwrap_or(end)
        .min(end)
        .max(start);
    let schedule = crate::sla::engine::schedule_for(config, state, key).with_pauses(
        state
            .resolved_periods
            .iter()
            .map(|(a, b)| (a.to_utc(), b.to_utc()))
            .collect(),
    );
    let gap =
        |from: Timestamp, to: Timestamp| schedule.elapsed(from.to_utc(), to.to_utc(), |_| true);
    let times: Vec<Timestamp> = received.iter().map(|u| u.at).collect();
    let promises = promises_to(evaluation, parsed, &received);
    AudienceUpdates {
        count: times.len(),
        cadence,
        cadence_held: clock.map(|c| c.state != ClockState::Breached),
        longest_gap: longest_gap(start, stop, &times, &gap),
        promises: promises.len(),
        promises_kept: promises
            .iter()
            .filter(|c| c.state == ClockState::Met)
            .count(),
        promises_broken: promises
            .iter()
            .filter(|c| c.state == ClockState::Breached)
            .count(),
        audience,
        client,
    }
}

/// The cadence a reader is held to at `end`: internal's, or an affected client's by its
/// priority then; none for the other audiences.
fn reader_cadence(
    config: &Config,
    state: &State,
    parsed: Option<Audience>,
    affected: Option<&crate::state::AffectedClient>,
    end: Timestamp,
) -> Option<crate::units::Duration> {
    match (parsed, affected) {
        (Some(Audience::Internal), _) => state
            .cadence_at(config, Audience::Internal, end)
            .map(|(d, _)| d),
        (Some(Audience::Client), Some(c)) => {
            let steps = state.priority_steps(Some(&c.client));
            let priority = steps
                .iter()
                .rfind(|(at, _)| *at <= end)
                .map_or(state.priority.as_str(), |(_, p)| p);
            let targets = config.client_targets(priority, Some(&c.client));
            crate::state::cadence(
                state.planned_cadence(Audience::Client, end),
                Audience::Client,
                targets.as_deref(),
            )
            .map(|(d, _)| d)
        }
        _ => None,
    }
}

/// The promise clocks the updates `received` started for their reader.
fn promises_to<'e>(
    evaluation: &'e Evaluation,
    parsed: Option<Audience>,
    received: &[&UpdateMark],
) -> Vec<&'e Clock> {
    evaluation
        .clocks
        .iter()
        .filter(|c| c.rule == Rule::Promise)
        .filter(|c| {
            received.iter().any(|u| {
                c.started == u.at
                    && parsed.is_some_and(|a| {
                        c.name.as_deref()
                            == Some(crate::facts::Reader::new(a, u.client.as_deref()).label())
                                .as_deref()
                    })
            })
        })
        .collect()
}

/// The longest of the gaps from `start` to the first update, between updates, and from
/// the last update to `end`, each measured by `gap`. Updates after `end` are ignored;
/// `times` must be sorted.
fn longest_gap(
    start: Timestamp,
    end: Timestamp,
    times: &[Timestamp],
    gap: &dyn Fn(Timestamp, Timestamp) -> Duration,
) -> Duration {
    let mut last = start;
    let mut longest = Duration::ZERO;
    for t in times.iter().filter(|t| **t <= end) {
        longest = longest.max(gap(last, *t));
        last = (*t).max(last);
    }
    longest.max(gap(last, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-11-24T{s}:00Z")).unwrap()
    }

    #[test]
    fn the_longest_gap_counts_the_start_and_the_end() {
        let wall = |a: Timestamp, b: Timestamp| Duration::from(b - a);
        let longest = longest_gap(
            t("09:00"),
            t("11:00"),
            &[t("09:20"), t("09:50"), t("10:20")],
            &wall,
        );
        assert_eq!(longest, Duration::from_mins(40));
        assert_eq!(
            longest_gap(t("09:00"), t("09:30"), &[], &wall),
            Duration::from_mins(30)
        );
        let longest = longest_gap(t("09:00"), t("10:00"), &[t("09:45"), t("12:00")], &wall);
        assert_eq!(longest, Duration::from_mins(45));
    }
}
