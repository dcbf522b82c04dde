//! PIR KPIs from the PIR module's replay of each incident (`crate::pir`): required vs
//! held, held on time, action items, and the client adoption rate for recommendations.

use serde::Serialize;

use crate::config::Config;
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

/// What one incident adds to the PIR KPIs, worked out while its state is at hand, so
/// the report keeps these counts, not the review.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PirFacts {
    /// Restored (resolved at least once) and of a priority that requires a PIR.
    required: bool,
    started: bool,
    /// Started within `pir.start_within` of the resolve.
    on_time: bool,
    reviewed: bool,
    actions: Actions,
    /// Action items presented at the client reviews that count, and of those adopted.
    presented: usize,
    adopted: usize,
}

impl PirFacts {
    /// The facts of the incident of `state`; `scope`: the one client the report is
    /// about, whose reviews alone count towards adoption.
    pub fn of(config: &Config, state: &State, scope: Option<&str>, now: Timestamp) -> PirFacts {
        let ever_resolved = !state.resolutions.is_empty();
        let required = ever_resolved && pir::is_required(config, state);
        let mut f = PirFacts {
            required,
            ..PirFacts::default()
        };
        let Some(p) = &state.pir else {
            return f;
        };
        f.started = true;
        f.on_time = state
            .resolved_at
            .is_some_and(|r| p.started_at <= r + config.pir.start_within.to_chrono());
        f.reviewed = !p.reviews.is_empty();
        let tz = config.tz();
        for a in &p.actions {
            f.actions.total += 1;
            match a.status {
                pir::ActionStatus::Open => {
                    f.actions.open += 1;
                    if now > a.due_instant(tz) {
                        f.actions.overdue += 1;
                    }
                }
                pir::ActionStatus::Done { .. } => f.actions.done += 1,
                pir::ActionStatus::Dropped { .. } => f.actions.dropped += 1,
            }
        }
        for (_, reviews) in pir::client_reviews(state, p)
            .into_iter()
            .filter(|(client, _)| scope.is_none_or(|s| client.as_deref() == Some(s)))
        {
            f.presented += p.actions.len();
            f.adopted += p
                .actions
                .iter()
                .filter(|a| reviews.iter().any(|r| r.adopted.contains(&a.id)))
                .count();
        }
        f
    }
}

/// The PIR KPIs of the incidents whose facts these are.
pub fn kpis<'a>(incidents: impl IntoIterator<Item = &'a PirFacts>) -> PirKpis {
    let mut k = PirKpis::default();
    let (mut held, mut on_time, mut reviewed) = (0, 0, 0);
    let (mut adopted, mut presented) = (0, 0);
    for f in incidents {
        k.required += usize::from(f.required);
        if !f.started {
            continue;
        }
        k.started += 1;
        if f.required {
            held += 1;
            on_time += usize::from(f.on_time);
        }
        reviewed += usize::from(f.reviewed);
        k.actions.add(&f.actions);
        presented += f.presented;
        adopted += f.adopted;
    }
    k.held = Rate::new(held, k.required);
    k.held_on_time = Rate::new(on_time, k.required);
    k.reviewed = Rate::new(reviewed, k.started);
    k.adoption = Rate::new(adopted, presented);
    k
}

impl Actions {
    fn add(&mut self, other: &Actions) {
        self.total += other.total;
        self.open += other.open;
        self.done += other.done;
        self.dropped += other.dropped;
        self.overdue += other.overdue;
    }
}
