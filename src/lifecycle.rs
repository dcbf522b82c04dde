//! The incident lifecycle: statuses, which transition is legal when, and the replay
//! of a timeline into the incident's current state.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Entry, Event, Record};
use crate::time::{self, Timestamp};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Proposed,
    Accepted,
    Rejected,
    OnHold,
    Resolved,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::OnHold => "on-hold",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Being worked on: the SLA clocks and update cadence run (or pause, on hold).
    pub fn is_active(self) -> bool {
        matches!(self, Status::Proposed | Status::Accepted | Status::OnHold)
    }

    /// The status-changing commands that are legal now, for messages.
    pub fn next_commands(self) -> &'static [&'static str] {
        match self {
            Status::Proposed => &["mim accept", "mim reject"],
            Status::Accepted => &["mim hold", "mim resolve"],
            Status::OnHold => &["mim resume"],
            Status::Resolved => &["mim reopen", "mim close"],
            Status::Rejected | Status::Closed => &[],
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status change, named after the command that makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Accept,
    Reject,
    Hold,
    Resume,
    Reopen,
    Resolve,
    Close,
}

impl Transition {
    pub fn command(self) -> &'static str {
        match self {
            Transition::Accept => "accept",
            Transition::Reject => "reject",
            Transition::Hold => "hold",
            Transition::Resume => "resume",
            Transition::Reopen => "reopen",
            Transition::Resolve => "resolve",
            Transition::Close => "close",
        }
    }

    pub fn from(self) -> Status {
        match self {
            Transition::Accept | Transition::Reject => Status::Proposed,
            Transition::Hold | Transition::Resolve => Status::Accepted,
            Transition::Resume => Status::OnHold,
            Transition::Reopen | Transition::Close => Status::Resolved,
        }
    }

    pub fn to(self) -> Status {
        match self {
            Transition::Accept | Transition::Resume | Transition::Reopen => Status::Accepted,
            Transition::Reject => Status::Rejected,
            Transition::Hold => Status::OnHold,
            Transition::Resolve => Status::Resolved,
            Transition::Close => Status::Closed,
        }
    }
}

/// Refuse a transition that is not legal from `status`, saying what is allowed instead.
pub fn check(transition: Transition, id: &str, status: Status) -> anyhow::Result<()> {
    if transition.from() == status {
        return Ok(());
    }
    let hint = if transition == Transition::Resolve && status == Status::OnHold {
        "; resume it first with `mim resume`".to_string()
    } else {
        match status.next_commands() {
            [] => format!("; {status} is final"),
            cmds => format!(
                "; allowed now: {}",
                cmds.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    };
    let from = transition.from();
    let article = if from.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    anyhow::bail!(
        "cannot {} {id}: it is {status} (only {article} {from} incident can be {}){hint}",
        transition.command(),
        past_tense(transition)
    )
}

fn past_tense(t: Transition) -> &'static str {
    match t {
        Transition::Accept => "accepted",
        Transition::Reject => "rejected",
        Transition::Hold => "put on hold",
        Transition::Resume => "resumed",
        Transition::Reopen => "reopened",
        Transition::Resolve => "resolved",
        Transition::Close => "closed",
    }
}

/// A period on hold; `until` is `None` while still on hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HoldPeriod {
    #[serde(with = "time::rfc3339")]
    pub from: Timestamp,
    #[serde(with = "time::rfc3339::option")]
    pub until: Option<Timestamp>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PriorityChange {
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub from: String,
    pub to: String,
}

/// Something in the timeline that cannot have happened as recorded, typically two
/// clones changing the status at once; `entry` is the index in the timeline file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflict {
    pub entry: usize,
    pub message: String,
}

/// What the timeline adds up to. Nothing here is stored: it is derived on every load.
#[derive(Clone, Debug, Serialize)]
pub struct State {
    pub status: Status,
    pub impact: String,
    pub urgency: String,
    pub priority: String,
    pub manager: Option<String>,
    #[serde(with = "time::rfc3339::option")]
    pub accepted_at: Option<Timestamp>,
    #[serde(with = "time::rfc3339::option")]
    pub rejected_at: Option<Timestamp>,
    #[serde(with = "time::rfc3339::option")]
    pub resolved_at: Option<Timestamp>,
    #[serde(with = "time::rfc3339::option")]
    pub closed_at: Option<Timestamp>,
    pub holds: Vec<HoldPeriod>,
    pub reopens: u32,
    pub priority_changes: Vec<PriorityChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

/// Indices of `entries` in time order; entries at the same instant keep file order.
pub fn time_order(entries: &[Entry]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].at);
    order
}

/// Replay the timeline in time order from the record's declared values.
pub fn replay(record: &Record, entries: &[Entry]) -> State {
    let mut s = State {
        status: Status::Proposed,
        impact: record.impact.clone(),
        urgency: record.urgency.clone(),
        priority: record.priority.clone(),
        manager: None,
        accepted_at: None,
        rejected_at: None,
        resolved_at: None,
        closed_at: None,
        holds: Vec::new(),
        reopens: 0,
        priority_changes: Vec::new(),
        conflicts: Vec::new(),
    };
    for i in time_order(entries) {
        let entry = &entries[i];
        if entry.at < record.reported {
            s.conflicts.push(Conflict {
                entry: i,
                message: format!(
                    "{} at {} is before the incident was reported ({})",
                    entry.event.name(),
                    time::format(&entry.at),
                    time::format(&record.reported)
                ),
            });
        }
        if let Some((transition, from)) = entry.event.transition() {
            if from != s.status || transition.from() != s.status {
                s.conflicts.push(Conflict {
                    entry: i,
                    message: format!(
                        "{} at {} by {} was recorded on a {from} incident, but by then it was {}: \
                         the status was changed twice, probably on two clones. Decide which change \
                         stands, delete the other line from timeline.yaml, and commit",
                        transition.command(),
                        time::format(&entry.at),
                        entry.by,
                        s.status
                    ),
                });
            }
            apply_transition(&mut s, transition, entry);
        }
        if let Event::Reprioritise {
            impact,
            urgency,
            priority,
            ..
        } = &entry.event
        {
            s.priority_changes.push(PriorityChange {
                at: entry.at,
                from: s.priority.clone(),
                to: priority.clone(),
            });
            s.impact = impact.clone();
            s.urgency = urgency.clone();
            s.priority = priority.clone();
        }
    }
    s
}

fn apply_transition(s: &mut State, transition: Transition, entry: &Entry) {
    let at = entry.at;
    match (&entry.event, transition) {
        (Event::Accept { manager, .. }, _) => {
            s.manager = Some(manager.clone());
            s.accepted_at.get_or_insert(at);
        }
        (Event::Reject { .. }, _) => s.rejected_at = Some(at),
        (Event::Hold { reason, .. }, _) => s.holds.push(HoldPeriod {
            from: at,
            until: None,
            reason: reason.clone(),
        }),
        (_, Transition::Resume) => {
            if let Some(open) = s.holds.iter_mut().rev().find(|h| h.until.is_none()) {
                open.until = Some(at);
            }
        }
        (_, Transition::Reopen) => {
            s.reopens += 1;
            s.resolved_at = None;
        }
        (_, Transition::Resolve) => s.resolved_at = Some(at),
        (_, Transition::Close) => s.closed_at = Some(at),
        _ => {}
    }
    s.status = transition.to();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_design() {
        use Status::*;
        use Transition::*;
        for (t, from, to) in [
            (Accept, Proposed, Accepted),
            (Reject, Proposed, Rejected),
            (Hold, Accepted, OnHold),
            (Resume, OnHold, Accepted),
            (Resolve, Accepted, Resolved),
            (Reopen, Resolved, Accepted),
            (Close, Resolved, Closed),
        ] {
            assert_eq!((t.from(), t.to()), (from, to), "{t:?}");
            assert!(check(t, "x", from).is_ok());
        }
    }

    #[test]
    fn an_illegal_transition_says_what_is_allowed() {
        let msg = check(Transition::Reject, "2026-11-02-payments", Status::Accepted)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("cannot reject 2026-11-02-payments: it is accepted"),
            "{msg}"
        );
        assert!(msg.contains("`mim hold`, `mim resolve`"), "{msg}");
        let msg = check(Transition::Resolve, "x", Status::OnHold)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("resume it first"), "{msg}");
        let msg = check(Transition::Accept, "x", Status::Closed)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("closed is final"), "{msg}");
    }
}
