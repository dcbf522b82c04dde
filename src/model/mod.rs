//! The domain nouns: an incident's record, its timeline of events, and the incident itself.

pub mod escalation;
pub mod order;
pub mod pir;
pub mod plan;
pub mod record;
pub mod timeline;

use std::path::PathBuf;

pub use record::Record;
pub use timeline::{Entry, EscalationKind, Event, Verification};

use crate::lifecycle::{self, State};

/// File names inside an incident directory.
pub const RECORD_FILE: &str = "incident.yaml";
pub const TIMELINE_FILE: &str = "timeline.yaml";
pub const PLAN_FILE: &str = "plan.md";

/// One incident as loaded from its directory.
#[derive(Clone, Debug)]
pub struct Incident {
    /// `YYYY-MM-DD-<slug>`, the directory name.
    pub id: String,
    /// The directory, `<repo>/incidents/<id>`.
    pub dir: PathBuf,
    pub record: Record,
    /// In file order (the order they were appended); see [`Incident::in_time_order`].
    pub entries: Vec<Entry>,
    /// The response plan (`plan.md`), once there is one.
    pub plan: Option<plan::Plan>,
}

impl Incident {
    /// The current state, derived from the record and the timeline.
    pub fn state(&self) -> State {
        lifecycle::replay(&self.record, &self.entries)
    }

    /// Timeline entries sorted by time (entries at the same instant keep file order).
    pub fn in_time_order(&self) -> Vec<&Entry> {
        lifecycle::time_order(&self.entries)
            .into_iter()
            .map(|i| &self.entries[i])
            .collect()
    }

    pub fn record_path(&self) -> PathBuf {
        self.dir.join(RECORD_FILE)
    }

    pub fn timeline_path(&self) -> PathBuf {
        self.dir.join(TIMELINE_FILE)
    }

    pub fn plan_path(&self) -> PathBuf {
        self.dir.join(PLAN_FILE)
    }
}
