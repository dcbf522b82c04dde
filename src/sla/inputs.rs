//! What the SLA engine reads from the PIR, in the shape its clocks need, taken from the
//! incident's derived [`State`].

use crate::config::Config;
use crate::model::pir::ActionStatus;
use crate::state::State;
use crate::time::Timestamp;

/// What the PIR records, as far as SLA clocks care.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PirFacts {
    /// When the PIR was started, and the timeline entry (file-order index) that says so.
    pub started: Option<(Timestamp, usize)>,
    pub actions: Vec<ActionFacts>,
}

/// One PIR action item.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionFacts {
    /// Its ID (as `mim pir action done` takes it).
    pub id: String,
    pub created: Timestamp,
    pub due: Timestamp,
    pub done: Option<Timestamp>,
    /// The timeline entry (file-order index) that added it.
    pub entry: usize,
}

/// The PIR facts of a state: when the PIR was started, and each action item with its
/// due instant (the end of its due day in the organisation's time zone) and when it was
/// done or dropped.
pub fn pir_facts(config: &Config, state: &State) -> PirFacts {
    let Some(pir) = &state.pir else {
        return PirFacts::default();
    };
    let actions = pir
        .actions
        .iter()
        .map(|a| ActionFacts {
            due: a.due_instant(config.tz()),
            id: a.id.clone(),
            created: a.added_at,
            done: match &a.status {
                ActionStatus::Open => None,
                ActionStatus::Done { at, .. } | ActionStatus::Dropped { at, .. } => Some(*at),
            },
            entry: a.entry,
        })
        .collect();
    PirFacts {
        started: Some((pir.started_at, pir.start_entry)),
        actions,
    }
}
