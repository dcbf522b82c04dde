//! The PIR's part of the derivation: its timeline events folded, in time order, into
//! the [`Pir`] (started, its action items and where they stand, its review sessions)
//! and what cannot be right in those events. Called only by [`super::derive`].

use crate::model::pir::{Action, ActionStatus, Pir, PirReason, Problem, Review, ids};
use crate::model::{Entry, Event};
use crate::time::{self, Timestamp};

/// Everything the PIR events add up to, including their problems.
#[derive(Default)]
struct Replay {
    start: Option<(Timestamp, String, PirReason, String, usize)>,
    actions: Vec<Action>,
    reviews: Vec<Review>,
    problems: Vec<Problem>,
}

/// The PIR from the timeline entries that count, in time order with their file-order
/// index; called by [`super::derive`] only.
pub(super) fn replay(entries: &[(usize, &Entry)]) -> (Option<Pir>, Vec<Problem>) {
    let mut r = Replay::default();
    let first_resolve = entries
        .iter()
        .find(|(_, e)| matches!(e.event, Event::Resolve { .. }))
        .map(|(_, e)| e.at);
    for &(i, e) in entries {
        r.event(i, e, first_resolve);
    }
    r.finish()
}

impl Replay {
    /// Record a problem with the entry at file-order index `entry`.
    fn problem(&mut self, entry: usize, message: String) {
        self.problems.push(Problem { entry, message });
    }

    /// Fold in entry `e` (file-order index `i`); `first_resolve` is when the incident
    /// was first resolved, if it was.
    fn event(&mut self, i: usize, e: &Entry, first_resolve: Option<Timestamp>) {
        let is_pir = e.event.name().starts_with("pir-");
        if is_pir && !matches!(e.event, Event::PirStart { .. }) && self.start.is_none() {
            self.problem(
                i,
                format!(
                    "{} at {} comes before the PIR was started (no earlier pir-start)",
                    e.event.name(),
                    time::format(&e.at)
                ),
            );
        }
        match &e.event {
            Event::PirStart {
                reason,
                facilitator,
            } => self.start(i, e, *reason, facilitator, first_resolve),
            Event::PirAction { .. } => self.add_action(i, e),
            Event::PirActionDone { id, .. } | Event::PirActionDrop { id, .. } => {
                self.close_action(i, e, id)
            }
            Event::PirReview { .. } => self.review(i, e),
            _ => {}
        }
    }

    /// A `pir-start`: the PIR starts, unless it already had (two clones started it).
    fn start(
        &mut self,
        i: usize,
        e: &Entry,
        reason: PirReason,
        facilitator: &str,
        first_resolve: Option<Timestamp>,
    ) {
        if let Some((at, by, ..)) = &self.start {
            let message = format!(
                "the PIR was started twice: by {by} at {} and by {} at {}, probably on two clones; delete one of the lines",
                time::format(at),
                e.by,
                time::format(&e.at)
            );
            self.problem(i, message);
            return;
        }
        if first_resolve.is_none_or(|resolved| e.at < resolved) {
            self.problem(
                i,
                format!(
                    "pir-start at {} comes before the incident was resolved",
                    time::format(&e.at)
                ),
            );
        }
        self.start = Some((e.at, e.by.clone(), reason, facilitator.to_string(), i));
    }

    /// A `pir-action`: a new open action item, unless its ID is taken.
    fn add_action(&mut self, i: usize, e: &Entry) {
        let Event::PirAction {
            id,
            text,
            owner,
            due,
            kind,
            clients,
        } = &e.event
        else {
            return;
        };
        if self.actions.iter().any(|a| &a.id == id) {
            self.problem(
                i,
                format!(
                    "action ID {id} is used twice; give one of them another ID (A<n>-<3 characters>)"
                ),
            );
            return;
        }
        if !ids::is_well_formed(id) {
            self.problem(
                i,
                format!(
                    "action ID `{}` is not of the form A<n>-<3 characters>, like A2-k7q",
                    id.escape_debug()
                ),
            );
        }
        self.actions.push(Action {
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

    /// A `pir-action-done` or `pir-action-drop` of action `id`: it is closed, if it was
    /// added and not closed the other way.
    fn close_action(&mut self, i: usize, e: &Entry, id: &str) {
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
            _ => return,
        };
        let Some(action) = self.actions.iter_mut().find(|a| a.id == id) else {
            let message = format!(
                "{} names action {id}, which was not added before {}",
                e.event.name(),
                time::format(&e.at)
            );
            self.problem(i, message);
            return;
        };
        if action.status == ActionStatus::Open {
            action.status = new;
        } else if action.status.as_str() != new.as_str() {
            self.problem(
                i,
                format!(
                    "action {id} is both done and dropped, probably on two clones; delete the line that does not stand"
                ),
            );
        }
    }

    /// A `pir-review`: a review session, with what is wrong in what it adopted and when
    /// it says it was held.
    fn review(&mut self, i: usize, e: &Entry) {
        let Event::PirReview {
            session,
            held_at,
            attendees,
            feedback,
            adopted,
            client,
        } = &e.event
        else {
            return;
        };
        for a in adopted {
            if !self.actions.iter().any(|x| &x.id == a) {
                self.problem(
                    i,
                    format!("the {session} review adopted action {a}, which was not added before"),
                );
            }
        }
        if *held_at > e.at {
            self.problem(
                i,
                format!(
                    "the {session} review was recorded at {} as held later, at {}",
                    time::format(&e.at),
                    time::format(held_at)
                ),
            );
        }
        self.reviews.push(Review {
            session: *session,
            held_at: *held_at,
            attendees: attendees.clone(),
            feedback: feedback.clone(),
            adopted: adopted.clone(),
            recorded_by: e.by.clone(),
            client: client.clone(),
        });
    }

    /// The PIR, if it was started (reviews in the order they were held), and the problems.
    fn finish(mut self) -> (Option<Pir>, Vec<Problem>) {
        self.reviews.sort_by_key(|rv| rv.held_at);
        let pir = self.start.map(
            |(started_at, started_by, reason, facilitator, start_entry)| Pir {
                started_at,
                started_by,
                reason,
                facilitator,
                actions: self.actions,
                reviews: self.reviews,
                start_entry,
            },
        );
        (pir, self.problems)
    }
}
