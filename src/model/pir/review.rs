//! The post incident review as its timeline events add up (see [`crate::state`], which
//! folds them): when it was started, its action items and where they stand, its review
//! sessions, and what cannot be right in those events.

use chrono::{NaiveDate, TimeZone};
use serde::Serialize;

use super::{ActionKind, PirReason, ReviewSession};
use crate::time::{self, Timestamp};

/// The PIR of an incident, replayed from its timeline.
#[derive(Clone, Debug, Serialize)]
pub struct Pir {
    #[serde(with = "time::rfc3339")]
    pub started_at: Timestamp,
    pub started_by: String,
    pub reason: PirReason,
    pub facilitator: String,
    pub actions: Vec<Action>,
    pub reviews: Vec<Review>,
    /// The timeline entry (file-order index) that started it.
    #[serde(skip)]
    pub start_entry: usize,
}

/// One action item and where it stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Action {
    pub id: String,
    pub text: String,
    pub owner: String,
    pub due: NaiveDate,
    pub kind: ActionKind,
    /// The clients it is committed to (`mim pir action add --client`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    #[serde(with = "time::rfc3339")]
    pub added_at: Timestamp,
    pub added_by: String,
    #[serde(flatten)]
    pub status: ActionStatus,
    /// The timeline entry (file-order index) that added it.
    #[serde(skip)]
    pub entry: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ActionStatus {
    Open,
    Done {
        #[serde(rename = "closed_at", with = "time::rfc3339")]
        at: Timestamp,
        #[serde(rename = "closed_by")]
        by: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Dropped {
        #[serde(rename = "closed_at", with = "time::rfc3339")]
        at: Timestamp,
        #[serde(rename = "closed_by")]
        by: String,
        reason: String,
    },
}

impl ActionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Done { .. } => "done",
            ActionStatus::Dropped { .. } => "dropped",
        }
    }
}

impl Action {
    pub fn is_open(&self) -> bool {
        self.status == ActionStatus::Open
    }

    /// The instant the action becomes overdue: the end of its due day in `tz`.
    pub fn due_instant(&self, tz: chrono_tz::Tz) -> Timestamp {
        end_of_day(self.due, tz)
    }
}

/// The end of `day` in `tz` (the start of the next day), as an instant.
pub fn end_of_day(day: NaiveDate, tz: chrono_tz::Tz) -> Timestamp {
    let next = day
        .succ_opt()
        .unwrap_or(day)
        .and_time(chrono::NaiveTime::MIN);
    let local = tz.from_local_datetime(&next);
    local
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(next + chrono::TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.fixed_offset())
        .unwrap_or_else(|| next.and_utc().fixed_offset())
}

/// One review session (03g.02 internal, 03g.03 client) and its feedback.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Review {
    pub session: ReviewSession,
    #[serde(with = "time::rfc3339")]
    pub held_at: Timestamp,
    pub attendees: Vec<String>,
    pub feedback: String,
    /// Action IDs the client adopted (client sessions).
    pub adopted: Vec<String>,
    pub recorded_by: String,
    /// The one client a client session was held with (`mim pir review … --client`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// Something in the PIR events that cannot be right: `entry` is the index in the
/// timeline file.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub entry: usize,
    pub message: String,
}
