//! The durations people ask for after an incident, computed once from the derived state
//! and the SLA engine's restore clock: `mim show --json`, the PIR metrics and the KPI
//! report all read [`Durations`].
//!
//! Two of them measure restoration differently, on purpose: `restore` is the SLA figure
//! (from the instant the clocks start — the report, unless `sla.start` says otherwise —
//! to the resolve, less time on hold, in the priority's calendar), while `outage` is what
//! the users lived through (impact started → resolved, wall clock, hold included).

use serde::{Serialize, Serializer};

use crate::model::MilestoneKind;
use crate::sla::Clock;
use crate::state::State;
use crate::time::Timestamp;
use crate::units::Duration;

/// Each `None` until what it measures has happened; serialized as whole seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Durations {
    /// Impact started → detected.
    #[serde(serialize_with = "secs")]
    pub time_to_detect: Option<Duration>,
    /// Reported → first accepted, wall clock.
    #[serde(serialize_with = "secs")]
    pub time_to_accept: Option<Duration>,
    /// Impact started → cause identified.
    #[serde(serialize_with = "secs")]
    pub time_to_identify: Option<Duration>,
    /// Impact started → impact mitigated.
    #[serde(serialize_with = "secs")]
    pub time_to_mitigate: Option<Duration>,
    /// Impact started → permanent fix in.
    #[serde(serialize_with = "secs")]
    pub time_to_fix: Option<Duration>,
    /// The SLA restore figure: the restore clock once stopped by the resolve.
    #[serde(serialize_with = "secs")]
    pub time_to_restore: Option<Duration>,
    /// Impact started → resolved, wall clock, hold included.
    #[serde(serialize_with = "secs")]
    pub outage: Option<Duration>,
}

fn secs<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_i64(d.secs()),
        None => s.serialize_none(),
    }
}

/// The durations of `state`, given its restore clock (`Rule::Restore`, as the engine
/// evaluated it for the same state).
pub fn with_restore(state: &State, restore: Option<&Clock>) -> Durations {
    let since = |from: Timestamp, to: Timestamp| Duration::from(to - from);
    let milestone = |kind| {
        state
            .milestone(kind)
            .map(|m| since(state.impact_started, m.at))
    };
    let resolved = state.resolution.as_ref().map(|r| r.at);
    Durations {
        time_to_detect: Some(since(state.impact_started, state.detected)),
        time_to_accept: state.accepted_at.map(|a| since(state.reported, a)),
        time_to_identify: milestone(MilestoneKind::Identified),
        time_to_mitigate: milestone(MilestoneKind::Mitigated),
        time_to_fix: milestone(MilestoneKind::Fixed),
        time_to_restore: resolved
            .and(restore)
            .filter(|c| c.stopped.is_some())
            .map(|c| c.elapsed),
        outage: resolved.map(|r| since(state.impact_started, r)),
    }
}
