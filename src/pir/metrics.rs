//! The PIR's metrics, wall-clock: time to detect, accept, identify, mitigate, fix and
//! restore, the outage, time on hold, restore excluding hold, status updates per
//! audience against the cadence, escalations. (The SLA engine measures the contractual
//! clocks in the priority's calendar; these are what happened.) The durations are
//! [`crate::sla::durations`], the same figures `show` and `report` give.

use serde::Serialize;

use crate::config::Config;
use crate::model::{Audience, Incident};
use crate::sla::{ClockState, Rule};
use crate::state::State;
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

/// The status updates one audience received, and whether they came at the cadence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AudienceUpdates {
    pub audience: String,
    pub count: usize,
    /// The cadence in force for this audience at the end (see `state::cadence`).
    pub cadence: Option<Duration>,
    /// Whether the SLA engine's update clock for this audience was never breached;
    /// `None` when there is no cadence to hold.
    pub cadence_held: Option<bool>,
    /// The longest gap from the declaration to the first update, between updates, and
    /// from the last update to the restoration, in the priority's calendar, time
    /// resolved (before a reopen) left out.
    pub longest_gap: Duration,
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
    // Of several clients' restore clocks, the longest.
    let restore = evaluation
        .clocks
        .iter()
        .filter(|c| c.rule == Rule::Restore)
        .reduce(|a, b| if b.elapsed > a.elapsed { b } else { a });
    let durations = crate::sla::durations::with_restore(state, restore);
    let cadence_of = |audience: Audience| state.cadence_at(config, audience, end).map(|(d, _)| d);
    let mut audiences: Vec<String> = Vec::new();
    if cadence_of(Audience::Internal).is_some() {
        audiences.push("internal".into());
    }
    if cadence_of(Audience::Client).is_some() && !incident.record.client.is_empty() {
        audiences.push("client".into());
    }
    let mut others: Vec<String> = Vec::new();
    for u in &state.updates {
        if !audiences.contains(&u.audience) && !others.contains(&u.audience) {
            others.push(u.audience.clone());
        }
    }
    others.sort();
    audiences.extend(others);
    // Time while resolved (before a reopen) is no gap; time on hold is.
    let schedule = crate::sla::engine::schedule(config, state).with_pauses(
        state
            .resolved_periods
            .iter()
            .map(|(a, b)| (a.to_utc(), b.to_utc()))
            .collect(),
    );
    let gap =
        |from: Timestamp, to: Timestamp| schedule.elapsed(from.to_utc(), to.to_utc(), |_| true);
    let updates = audiences
        .into_iter()
        .map(|audience| {
            let times: Vec<Timestamp> = state
                .updates
                .iter()
                .filter(|u| u.audience == audience)
                .map(|u| u.at)
                .collect();
            let cadence_rule = match Audience::parse(&audience) {
                Some(Audience::Internal) => Some(Rule::UpdateInternal),
                Some(Audience::Client) => Some(Rule::UpdateClient),
                _ => None,
            };
            // Several clients each have an update clock: held when none was breached.
            let clocks: Vec<&crate::sla::Clock> = evaluation
                .clocks
                .iter()
                .filter(|c| Some(c.rule) == cadence_rule)
                .collect();
            AudienceUpdates {
                count: times.len(),
                cadence: Audience::parse(&audience)
                    .filter(|a| {
                        cadence_rule.is_some() && matches!(a, Audience::Internal | Audience::Client)
                    })
                    .and_then(cadence_of),
                cadence_held: (!clocks.is_empty())
                    .then(|| clocks.iter().all(|c| c.state != ClockState::Breached)),
                longest_gap: longest_gap(reported, end, &times, &gap),
                audience,
            }
        })
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
