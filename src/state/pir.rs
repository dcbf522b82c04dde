//! The PIR's part of the derivation: its timeline events folded, in time order, into
//! the [`Pir`] (started, its action items and where they stand, its review sessions)
//! and what cannot be right in those events. Called only by [`super::derive`].

use crate::model::pir::{Action, ActionStatus, Pir, PirReason, Problem, Review, ids};
use crate::model::{Entry, Event};
use crate::time::{self, Timestamp};

/// Everything the PIR events add up to, including their problems.
struct Replay {
    start: Option<(Timestamp, String, PirReason, String, usize)>,
    actions: Vec<Action>,
    reviews: Vec<Review>,
    problems: Vec<Problem>,
}

/// The PIR from the timeline entries that count, in time order with their file-order
/// index; called by [`super::derive`] only.
pub(super) fn replay(entries: &[(usize, &Entry)]) -> (Option<Pir>, Vec<Problem>) {
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
