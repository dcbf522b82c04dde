//! What the SLA engine reads from other features, in one place so they plug in here:
//! the response plan's update cadence and the PIR's start and action items.

use crate::config::Config;
use crate::model::{Event, Incident, plan};
use crate::pir::{self, ActionStatus};
use crate::sla::Duration;
use crate::time::Timestamp;

/// The audiences with an update cadence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Internal,
    Client,
}

impl Audience {
    /// The `audience` value of an `update` event that counts for this cadence
    /// (`all` counts for every audience).
    pub fn counts(self, audience: &str) -> bool {
        audience == "all"
            || match self {
                Audience::Internal => audience == "internal",
                Audience::Client => audience == "client",
            }
    }
}

/// The longest gap allowed before the first and between updates to `audience`, while
/// `priority` is in force: the response plan's cadence if it sets one (`mim plan
/// --internal-every/--client-every`), else the priority's.
///
/// The plan holds only its current cadence, so a planned cadence applies to the whole
/// incident, not only from the moment it was planned.
pub fn cadence(
    config: &Config,
    incident: &Incident,
    priority: &str,
    audience: Audience,
) -> Option<Duration> {
    let audience = match audience {
        Audience::Internal => plan::Audience::Internal,
        Audience::Client => plan::Audience::Client,
    };
    plan::cadence(incident.plan.as_ref(), audience, config.targets(priority)).map(|(d, _)| d)
}

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

/// The PIR facts of an incident at `now`, read from its timeline through the PIR
/// module: when it was started, and each action item with its due instant (the end of
/// its due day in the organisation's time zone) and when it was done or dropped.
pub fn pir_facts(config: &Config, incident: &Incident, now: Timestamp) -> PirFacts {
    let entry_of = |matches: &dyn Fn(&Event) -> bool| {
        incident
            .entries
            .iter()
            .position(|e| e.at <= now && matches(&e.event))
    };
    let started = pir::started_at(incident)
        .filter(|at| *at <= now)
        .and_then(|at| Some((at, entry_of(&|e| matches!(e, Event::PirStart { .. }))?)));
    let actions = pir::actions(incident)
        .into_iter()
        .filter(|a| a.added_at <= now)
        .filter_map(|a| {
            let entry = entry_of(&|e| matches!(e, Event::PirAction { id, .. } if *id == a.id))?;
            let done = match &a.status {
                ActionStatus::Open => None,
                ActionStatus::Done { at, .. } | ActionStatus::Dropped { at, .. } => {
                    Some(*at).filter(|at| *at <= now)
                }
            };
            Some(ActionFacts {
                due: a.due_instant(config.tz()),
                id: a.id,
                created: a.added_at,
                done,
                entry,
            })
        })
        .collect();
    PirFacts { started, actions }
}
