//! PIR KPIs from the PIR module's replay of each incident (`crate::pir`): required vs
//! held, held on time, action items, and the client adoption rate for recommendations.

use serde::Serialize;

use crate::config::Config;
use crate::model::Incident;
use crate::pir;
use crate::state::State;
use crate::time::Timestamp;

use super::Rate;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PirKpis {
    /// Restored incidents (resolved at least once) whose priority requires a PIR.
    pub required: usize,
    /// Of those, with a PIR started.
    pub held: Rate,
    /// Of those, with the PIR started within `pir.start_within` of the resolve.
    pub held_on_time: Rate,
    /// PIRs started, required or not.
    pub started: usize,
    /// PIRs with at least one review session recorded, of those started.
    pub reviewed: Rate,
    pub actions: Actions,
    /// Action items the client adopted at a client review, of the action items of the
    /// PIRs that had a client review.
    pub adoption: Rate,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Actions {
    pub total: usize,
    pub open: usize,
    pub done: usize,
    pub dropped: usize,
    /// Open past the end of their due day (organisation's time zone).
    pub overdue: usize,
}

/// The PIR KPIs of `incidents`; `scope`: the one client the report is about, whose
/// reviews alone count towards adoption.
pub fn kpis(
    config: &Config,
    incidents: &[(&Incident, &State)],
    scope: Option<&str>,
    now: Timestamp,
) -> PirKpis {
    let tz = config.tz();
    let mut k = PirKpis::default();
    let (mut held, mut on_time, mut reviewed) = (0, 0, 0);
    let (mut adopted, mut presented) = (0, 0);
    for (_, state) in incidents {
        let ever_resolved = !state.resolutions.is_empty();
        let required = ever_resolved && pir::is_required(config, state);
        let review = &state.pir;
        if required {
            k.required += 1;
        }
        let Some(p) = review else {
            continue;
        };
        k.started += 1;
        if required {
            held += 1;
            let resolved = state.resolved_at;
            if resolved.is_some_and(|r| p.started_at <= r + config.pir.start_within.to_chrono()) {
                on_time += 1;
            }
        }
        reviewed += usize::from(!p.reviews.is_empty());
        for a in &p.actions {
            k.actions.total += 1;
            match a.status {
                pir::ActionStatus::Open => {
                    k.actions.open += 1;
                    if now > a.due_instant(tz) {
                        k.actions.overdue += 1;
                    }
                }
                pir::ActionStatus::Done { .. } => k.actions.done += 1,
                pir::ActionStatus::Dropped { .. } => k.actions.dropped += 1,
            }
        }
        for (_, reviews) in pir::client_reviews(state, p)
            .into_iter()
            .filter(|(client, _)| scope.is_none_or(|s| client.as_deref() == Some(s)))
        {
            presented += p.actions.len();
            adopted += p
                .actions
                .iter()
                .filter(|a| reviews.iter().any(|r| r.adopted.contains(&a.id)))
                .count();
        }
    }
    k.held = Rate::new(held, k.required);
    k.held_on_time = Rate::new(on_time, k.required);
    k.reviewed = Rate::new(reviewed, k.started);
    k.adoption = Rate::new(adopted, presented);
    k
}
