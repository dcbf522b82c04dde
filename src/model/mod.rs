//! The domain nouns: an incident's record, its timeline of events, and the incident itself.

pub mod audience;
pub mod escalation;
pub mod names;
pub mod pir;
pub mod plan;
pub mod record;
pub mod timeline;
pub mod timeline_read;

use std::path::PathBuf;

pub use audience::Audience;
pub use names::Names;
pub use record::Record;
pub use timeline::{
    Classification, Entry, EscalationKind, Event, MilestoneKind, Relation, Verification,
};

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
    /// The text of the files as loaded, so a problem can be shown at its line without
    /// reading the file again.
    pub texts: Texts,
}

/// The text of an incident's files as loaded (empty for a file that is absent).
#[derive(Clone, Debug, Default)]
pub struct Texts {
    pub record: String,
    pub timeline: String,
    /// `plan.md`, front matter and body.
    pub plan: String,
}

impl Incident {
    /// The incident as it will be once `entry` is appended.
    pub fn with_entry(&self, entry: &Entry) -> Incident {
        let mut after = self.clone();
        after.entries.push(entry.clone());
        after
    }

    pub fn plan_path(&self) -> PathBuf {
        self.dir.join(PLAN_FILE)
    }
}
