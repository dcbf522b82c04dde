//! What the SLA engine reads from other features, in one place so they plug in here:
//! the response plan's update cadence and the PIR's start and action items.

use crate::config::Config;
use crate::model::Incident;
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
/// `priority` is in force: the response plan's cadence if it sets one, else the priority's.
///
/// Hook for the plan: `plan.md`'s front matter (`--internal-every`, `--client-every`) is
/// not read yet, so this is the priority's cadence from mim.yaml.
pub fn cadence(
    config: &Config,
    _incident: &Incident,
    priority: &str,
    audience: Audience,
) -> Option<Duration> {
    let targets = config.targets(priority)?;
    match audience {
        Audience::Internal => targets.update_internal,
        Audience::Client => targets.update_client,
    }
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

/// The PIR facts of an incident, read from its timeline.
///
/// Hook for the PIR: the timeline has no PIR events yet, so this finds none, and a
/// required PIR counts as not started. When `pir start` and `pir action add|done`
/// events exist, match them here; nothing else in the engine changes.
pub fn pir_facts(_incident: &Incident) -> PirFacts {
    PirFacts::default()
}
