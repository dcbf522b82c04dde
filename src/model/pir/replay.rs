//! The PIR as its timeline events add up: when it was started, its action items and
//! where they stand, its review sessions, and what cannot be right in those events.
//! Called only by [`crate::state::derive`], with the entries that count.

use chrono::{NaiveDate, TimeZone};
use serde::Serialize;

use crate::model::pir::{ActionKind, PirReason, ReviewSession, ids};
use crate::model::{Entry, Event};
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

/// Everything the PIR events add up to, including their problems.
struct Replay {
    start: Option<(Timestamp, String, PirReason, String, usize)>,
    actions: Vec<Action>,
    reviews: Vec<Review>,
    problems: Vec<Problem>,
}

/// The PIR from the timeline entries that count, in time order with their file-order
/// index; called by [`crate::state::derive`] only.
pub(crate) fn replay(entries: &[(usize, &Entry)]) -> (Option<Pir>, Vec<Problem>) {
    let mut r = Replay {
        start: None,
        actions: Vec::new(),
        reviews: Vec::new(),
        problems: Vec::new(),
    };
    let first_resolve = entries
        .iter()
        .find(|(_, e)| matches!(e.event, Event::Resolve { .. }))
        .map(|(_, e)| e.at);
    for &(i, e) in entries {
        let mut problem = |message: String| r.problems.push(Problem { entry: i, message });
        let is_pir = e.event.name().starts_with("pir-");
        if is_pir && !matches!(e.event, Event::PirStart { .. }) && r.start.is_none() {
            problem(format!(
                "{} at {} comes before the PIR was started (no earlier pir-start)",
                e.event.name(),
                time::format(&e.at)
            ));
        }
        match &e.event {
            Event::PirStart {
                reason,
                facilitator,
            } => {
                if let Some((at, by, ..)) = &r.start {
                    problem(format!(
                        "the PIR was started twice: by {by} at {} and by {} at {}, probably on two clones; delete one of the lines",
                        time::format(at),
                        e.by,
                        time::format(&e.at)
                    ));
                    continue;
                }
                if first_resolve.is_none_or(|resolved| e.at < resolved) {
                    problem(format!(
                        "pir-start at {} comes before the incident was resolved",
                        time::format(&e.at)
                    ));
                }
                r.start = Some((e.at, e.by.clone(), *reason, facilitator.clone(), i));
            }
            Event::PirAction {
                id,
                text,
                owner,
                due,
                kind,
                clients,
            } => {
                if r.actions.iter().any(|a| &a.id == id) {
                    problem(format!(
                        "action ID {id} is used twice; give one of them another ID (A<n>-<3 characters>)"
                    ));
                    continue;
                }
                if !ids::is_well_formed(id) {
                    problem(format!(
                        "action ID `{}` is not of the form A<n>-<3 characters>, like A2-k7q",
                        id.escape_debug()
                    ));
                }
                r.actions.push(Action {
                    id: id.clone(),
                    text: text.clone(),
                    owner: owner.clone(),
                    due: *due,
                    kind: *kind,
                    clients: clients.clone(),
                    added_at: e.at,
                    added_by: e.by.clone(),
                    status: ActionStatus::Open,
                    entry: i,
                });
            }
            Event::PirActionDone { id, .. } | Event::PirActionDrop { id, .. } => {
                let Some(action) = r.actions.iter_mut().find(|a| &a.id == id) else {
                    problem(format!(
                        "{} names action {id}, which was not added before {}",
                        e.event.name(),
                        time::format(&e.at)
                    ));
                    continue;
                };
                let new = match &e.event {
                    Event::PirActionDone { note, .. } => ActionStatus::Done {
                        at: e.at,
                        by: e.by.clone(),
                        note: note.clone(),
                    },
                    Event::PirActionDrop { reason, .. } => ActionStatus::Dropped {
                        at: e.at,
                        by: e.by.clone(),
                        reason: reason.clone(),
                    },
                    _ => unreachable!("matched above"),
                };
                if action.status == ActionStatus::Open {
                    action.status = new;
                } else if action.status.as_str() != new.as_str() {
                    problem(format!(
                        "action {id} is both done and dropped, probably on two clones; delete the line that does not stand"
                    ));
                }
            }
            Event::PirReview {
                session,
                held_at,
                attendees,
                feedback,
                adopted,
                client,
            } => {
                for a in adopted {
                    if !r.actions.iter().any(|x| &x.id == a) {
                        problem(format!(
                            "the {session} review adopted action {a}, which was not added before"
                        ));
                    }
                }
                if *held_at > e.at {
                    problem(format!(
                        "the {session} review was recorded at {} as held later, at {}",
                        time::format(&e.at),
                        time::format(held_at)
                    ));
                }
                r.reviews.push(Review {
                    session: *session,
                    held_at: *held_at,
                    attendees: attendees.clone(),
                    feedback: feedback.clone(),
                    adopted: adopted.clone(),
                    recorded_by: e.by.clone(),
                    client: client.clone(),
                });
            }
            _ => {}
        }
    }
    r.reviews.sort_by_key(|rv| rv.held_at);
    let pir = r.start.map(
        |(started_at, started_by, reason, facilitator, start_entry)| Pir {
            started_at,
            started_by,
            reason,
            facilitator,
            actions: r.actions,
            reviews: r.reviews,
            start_entry,
        },
    );
    (pir, r.problems)
}
