//! The PIR's metrics, wall-clock: time to accept, to restore, on hold, restore excluding
//! hold, status updates per audience against the cadence, escalations. (The SLA engine
//! measures the contractual clocks in the priority's calendar; these are what happened.)

use serde::Serialize;

use crate::config::Config;
use crate::model::{Event, Incident};
use crate::sla::Duration;
use crate::time::Timestamp;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Reported → first accepted.
    pub time_to_accept: Option<Duration>,
    /// Reported → resolved.
    pub time_to_restore: Option<Duration>,
    pub time_on_hold: Duration,
    /// Time to restore less time on hold.
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
    /// The priority's cadence for this audience, if it has one.
    pub cadence: Option<Duration>,
    /// `None` when there is no cadence to hold.
    pub cadence_held: Option<bool>,
    /// The longest gap from the declaration to the first update, between updates, and
    /// from the last update to the restoration.
    pub longest_gap: Duration,
}

/// The metrics of `incident`; `now` ends a hold or restore clock still running.
pub fn metrics(config: &Config, incident: &Incident, now: Timestamp) -> Metrics {
    let state = incident.state();
    let reported = incident.record.reported;
    let end = state.resolved_at.unwrap_or(now);
    let time_on_hold = state
        .holds
        .iter()
        .map(|h| {
            Duration::from(h.until.unwrap_or(end).min(end) - h.from)
                .secs()
                .max(0)
        })
        .sum::<i64>();
    let time_on_hold = Duration::from_secs(time_on_hold);
    let time_to_restore = state.resolved_at.map(|r| Duration::from(r - reported));
    let targets = config.targets(&state.priority);
    let cadence_of = |audience: &str| match audience {
        "internal" => targets.and_then(|t| t.update_internal),
        "client" => targets.and_then(|t| t.update_client),
        _ => None,
    };
    let mut audiences: Vec<String> = Vec::new();
    if cadence_of("internal").is_some() {
        audiences.push("internal".into());
    }
    if cadence_of("client").is_some() && incident.record.client.is_some() {
        audiences.push("client".into());
    }
    let mut others: Vec<String> = Vec::new();
    for e in &incident.entries {
        if let Event::Update { audience, .. } = &e.event
            && !audiences.contains(audience)
            && !others.contains(audience)
        {
            others.push(audience.clone());
        }
    }
    others.sort();
    audiences.extend(others);
    let updates = audiences
        .into_iter()
        .map(|audience| {
            let mut times: Vec<Timestamp> = incident
                .entries
                .iter()
                .filter_map(|e| match &e.event {
                    Event::Update { audience: a, .. } if *a == audience => Some(e.at),
                    _ => None,
                })
                .collect();
            times.sort();
            let cadence = cadence_of(&audience);
            let gaps = update_gaps(reported, end, &times);
            AudienceUpdates {
                count: times.len(),
                cadence,
                cadence_held: cadence.map(|every| gaps.longest <= every),
                longest_gap: gaps.longest,
                audience,
            }
        })
        .collect();
    Metrics {
        time_to_accept: state.accepted_at.map(|a| Duration::from(a - reported)),
        time_on_hold,
        restore_excluding_hold: time_to_restore
            .map(|r| Duration::from_secs(r.secs() - time_on_hold.secs())),
        time_to_restore,
        updates,
        escalations: incident
            .entries
            .iter()
            .filter(|e| matches!(e.event, Event::Escalate { .. }))
            .count(),
        reopens: state.reopens,
    }
}

/// The gaps a PIR looks at for one audience's status updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateGaps {
    pub longest: Duration,
}

/// A simple, wall-clock cadence measure for the PIR (not the SLA engine's clock): the
/// longest of the gaps from `start` to the first update, between updates, and from the
/// last update to `end`. Updates after `end` are ignored; `times` must be sorted.
pub fn update_gaps(start: Timestamp, end: Timestamp, times: &[Timestamp]) -> UpdateGaps {
    let mut last = start;
    let mut longest = Duration::ZERO;
    for t in times.iter().filter(|t| **t <= end) {
        longest = longest.max(Duration::from(*t - last));
        last = (*t).max(last);
    }
    longest = longest.max(Duration::from(end - last));
    UpdateGaps { longest }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-11-24T{s}:00Z")).unwrap()
    }

    #[test]
    fn the_longest_gap_counts_the_start_and_the_end() {
        let gaps = update_gaps(
            t("09:00"),
            t("11:00"),
            &[t("09:20"), t("09:50"), t("10:20")],
        );
        assert_eq!(gaps.longest, Duration::from_mins(40));
        let gaps = update_gaps(t("09:00"), t("09:30"), &[]);
        assert_eq!(gaps.longest, Duration::from_mins(30));
        let gaps = update_gaps(t("09:00"), t("10:00"), &[t("09:45"), t("12:00")]);
        assert_eq!(gaps.longest, Duration::from_mins(45));
    }
}
