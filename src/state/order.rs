//! The time order of a timeline: when a new entry may be dated ([`refusal`]), and what
//! in an existing timeline breaks that order (the state's `order_problems`, found by the
//! fold in [`super::derive`] with the help of this module).
//!
//! The rule: nothing happens before the incident was reported; a status change is not
//! dated before the last status change; and a status change that ends activity (reject,
//! hold, resolve, close) is not dated before an update, escalation, plan change,
//! reprioritisation, milestone (identified, mitigated) or status change already recorded,
//! because those happened while the incident was active. Notes, time entries, PIR
//! events, role assignments, handovers, links and the `fixed` milestone (a permanent fix
//! may come after a resolve by workaround) may be backfilled anywhere after the report,
//! and `accept` may be dated before notes.

use std::collections::BTreeSet;

use crate::lifecycle::Status;
use crate::model::{Entry, Event, MilestoneKind};
use crate::time::{self, Timestamp};

/// How an event takes part in the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Reject, hold, resolve, close: the incident stops being worked on.
    Ending,
    /// Accept, resume, reopen.
    Starting,
    /// Updates, escalations, plan changes, reprioritisations, milestones other than
    /// `fixed`: work on an active incident.
    Activity,
    /// Notes, time entries, PIR events, roles, handovers, links, the `fixed` milestone,
    /// alerts taken in, regulatory classifications and submissions: dated freely after
    /// the report.
    Free,
}

fn kind(event: &Event) -> Kind {
    match event {
        Event::Reject { .. } | Event::Hold { .. } | Event::Resolve { .. } | Event::Close { .. } => {
            Kind::Ending
        }
        Event::Accept { .. } | Event::Resume { .. } | Event::Reopen { .. } => Kind::Starting,
        Event::Milestone {
            kind: MilestoneKind::Fixed,
            ..
        } => Kind::Free,
        Event::Update { .. }
        | Event::Affect { .. }
        | Event::Escalate { .. }
        | Event::Plan { .. }
        | Event::Reprioritise { .. }
        | Event::Milestone { .. } => Kind::Activity,
        Event::Note { .. }
        | Event::Assign { .. }
        | Event::Handover { .. }
        | Event::Link { .. }
        | Event::PirStart { .. }
        | Event::PirAction { .. }
        | Event::PirActionDone { .. }
        | Event::PirActionDrop { .. }
        | Event::PirReview { .. }
        | Event::Alert { .. }
        | Event::Classify { .. }
        | Event::Notify { .. } => Kind::Free,
    }
}

fn is_status_change(kind: Kind) -> bool {
    matches!(kind, Kind::Ending | Kind::Starting)
}

/// Whether `new` may not be dated before `existing`.
fn bound_by(new: Kind, existing: Kind) -> bool {
    (is_status_change(new) && is_status_change(existing))
        || (new == Kind::Ending && existing == Kind::Activity)
}

/// The refusal for appending `new` to `entries` of incident `id` reported at `reported`,
/// naming the later event it would be dated before; `None` when it may be recorded.
pub fn refusal(id: &str, reported: Timestamp, entries: &[Entry], new: &Entry) -> Option<String> {
    let name = new.event.name();
    let at = time::format(&new.at);
    if new.at < reported {
        return Some(format!(
            "{name} cannot happen at {at}: {id} was reported at {}",
            time::format(&reported)
        ));
    }
    let new_kind = kind(&new.event);
    let later: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.at > new.at && bound_by(new_kind, kind(&e.event)))
        .collect();
    let last = later.iter().max_by_key(|e| e.at)?;
    let when = time::format(&last.at);
    let more = match later.len() - 1 {
        0 => String::new(),
        1 => " (and 1 other event after it)".to_string(),
        n => format!(" (and {n} other events after it)"),
    };
    Some(if is_status_change(kind(&last.event)) {
        format!(
            "{name} cannot happen at {at}: the status of {id} last changed later, at {when} ({} by {}){more}; date it at or after that",
            last.event.brief(),
            last.by
        )
    } else {
        format!(
            "{name} cannot happen at {at}: the {} at {when} by {} is recorded already{more}, and it happened while {id} was active; a {name} cannot be dated before it: use --at {when} or later",
            last.event.brief(),
            last.by
        )
    })
}

/// Two entries of a timeline in the wrong order: `entry` (a status change that ends
/// activity) is dated before `later`, an activity that happened while it was active.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Index in file order of the status change.
    pub entry: usize,
    /// Index in file order of the activity dated after it.
    pub later: usize,
    pub message: String,
}

/// Whether the activity `event`, applied while the status was `status` since the status
/// change `change`, cannot have happened then: a pair for [`problems`]. Called by the
/// fold for each entry that is not a status change, in time order.
pub(super) fn out_of_status(event: &Event, status: Status) -> bool {
    kind(event) == Kind::Activity && !allowed(event, status)
}

/// The order problems of an existing timeline (a merge of two clones, a hand edit, an
/// older mim): `found` (activities the fold applied while the status did not allow them,
/// as `(status change, activity)`), and each ending status change recorded after an
/// activity dated later than it. `counted`: the entries the state counts.
pub(super) fn problems(
    entries: &[Entry],
    counted: &[usize],
    found: Vec<(usize, usize)>,
) -> Vec<Problem> {
    let mut pairs: BTreeSet<(usize, usize)> = found.into_iter().collect();
    let mut counted: Vec<usize> = counted.to_vec();
    counted.sort_unstable();
    // In the order they were recorded (file order).
    for (n, &i) in counted.iter().enumerate() {
        if kind(&entries[i].event) != Kind::Ending {
            continue;
        }
        for &j in &counted[..n] {
            if kind(&entries[j].event) == Kind::Activity && entries[j].at > entries[i].at {
                pairs.insert((i, j));
            }
        }
    }
    pairs
        .into_iter()
        .map(|(entry, later)| Problem {
            entry,
            later,
            message: problem_message(&entries[entry], &entries[later]),
        })
        .collect()
}

/// Whether an activity can be recorded on an incident in `status`: a monitoring update
/// also while resolved, not after the close; an update its author saw active only while
/// active (one dated after a resolve was recorded on a clone that did not know).
fn allowed(event: &Event, status: Status) -> bool {
    match event {
        Event::Update {
            monitoring: true, ..
        } => status.is_active() || status == Status::Resolved,
        Event::Update { .. }
        | Event::Reprioritise { .. }
        | Event::Milestone {
            kind: MilestoneKind::Mitigated,
            ..
        } => status.is_active(),
        _ => !matches!(status, Status::Rejected | Status::Closed),
    }
}

fn problem_message(change: &Entry, later: &Entry) -> String {
    format!(
        "{} at {} by {} is dated before the {} at {} by {}, which happened while the incident was active \
         (recorded on two clones, or a time edited by hand): decide when the {} really happened, \
         correct that line of timeline.yaml, and commit",
        change.event.name(),
        time::format(&change.at),
        change.by,
        later.event.brief(),
        time::format(&later.at),
        later.by,
        change.event.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EscalationKind;
    use crate::model::MilestoneKind::{Fixed, Mitigated};

    /// The order problems of `entries`, as the state derives them (every entry counts).
    fn problems(entries: &[Entry]) -> Vec<Problem> {
        let config = crate::config::Config::parse(
            std::path::Path::new("mim.yaml"),
            crate::config::DEFAULT_CONFIG,
        )
        .unwrap();
        let mut incident = crate::model::Incident {
            id: "2026-11-24-x".into(),
            dir: "incidents/2026-11-24-x".into(),
            record: serde_yaml::from_str(
                "title: X\nservice: S\nimpact: high\nurgency: high\npriority: P1\n\
                 reporter: Sam\nreported: 2026-11-24T09:00:00Z\n",
            )
            .unwrap(),
            entries: Vec::new(),
            plan: None,
            texts: Default::default(),
        };
        incident.entries = entries.to_vec();
        let max = Timestamp::MAX_UTC.fixed_offset();
        crate::state::derive(&config, &incident, max).order_problems
    }

    fn at(hhmm: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-11-24T{hhmm}:00Z")).unwrap()
    }

    fn entry(hhmm: &str, event: Event) -> Entry {
        Entry {
            at: at(hhmm),
            by: "Sam".into(),
            event,
        }
    }

    fn update(hhmm: &str, number: u32) -> Entry {
        entry(
            hhmm,
            Event::Update {
                audience: "internal".into(),
                number,
                file: format!("updates/{number}.md"),
                monitoring: false,
                client: None,
                next_by: None,
                next_given: false,
            },
        )
    }

    fn accept(hhmm: &str) -> Entry {
        entry(
            hhmm,
            Event::Accept {
                from: Status::Proposed,
                manager: "Alice".into(),
            },
        )
    }

    fn resolve(hhmm: &str) -> Entry {
        entry(
            hhmm,
            Event::Resolve {
                from: Status::Accepted,
                summary: "fixed".into(),
                closure: "config-change".into(),
                workaround: false,
                problem: None,
                verification: None,
                client_message: None,
            },
        )
    }

    fn note(hhmm: &str) -> Entry {
        entry(
            hhmm,
            Event::Note {
                text: "n".into(),
                time: None,
                activity: None,
            },
        )
    }

    fn milestone(hhmm: &str, kind: MilestoneKind) -> Entry {
        entry(
            hhmm,
            Event::Milestone {
                kind,
                text: None,
                problem: None,
                reason: None,
            },
        )
    }

    fn escalate(hhmm: &str) -> Entry {
        entry(
            hhmm,
            Event::Escalate {
                kind: EscalationKind::Vendor,
                to: "Cisco TAC".into(),
                reason: None,
                reference: None,
                level: None,
            },
        )
    }

    #[test]
    fn an_ending_change_is_not_dated_before_later_activity() {
        let entries = [accept("09:05"), update("10:00", 1), update("10:30", 2)];
        let text = refusal("x", at("09:00"), &entries, &resolve("10:15")).unwrap();
        assert!(
            text.contains("the update 2 to internal at 2026-11-24T10:30:00Z by Sam"),
            "{text}"
        );
        assert!(text.contains("--at 2026-11-24T10:30:00Z"), "{text}");
        assert_eq!(refusal("x", at("09:00"), &entries, &resolve("10:30")), None);
    }

    #[test]
    fn notes_and_accepts_may_be_backfilled() {
        let entries = [note("09:30"), note("09:40"), update("09:50", 1)];
        assert_eq!(refusal("x", at("09:00"), &entries, &accept("09:05")), None);
        assert_eq!(refusal("x", at("09:00"), &entries, &note("09:10")), None);
        assert_eq!(
            refusal("x", at("09:00"), &entries, &escalate("09:20")),
            None
        );
        let early = refusal("x", at("09:00"), &entries, &note("08:59")).unwrap();
        assert!(early.contains("was reported at"), "{early}");
    }

    #[test]
    fn a_resolve_is_not_dated_before_a_mitigation_but_may_be_before_the_fix() {
        let entries = [accept("09:05"), milestone("10:00", Mitigated)];
        let text = refusal("x", at("09:00"), &entries, &resolve("09:50")).unwrap();
        assert!(text.contains("the mitigated milestone at"), "{text}");
        let entries = [accept("09:05"), milestone("10:00", Fixed)];
        assert_eq!(refusal("x", at("09:00"), &entries, &resolve("09:50")), None);
    }

    #[test]
    fn a_status_change_is_not_dated_before_the_last_one() {
        let entries = [accept("09:30"), note("09:40")];
        let text = refusal("x", at("09:00"), &entries, &resolve("09:20")).unwrap();
        assert!(text.contains("last changed later"), "{text}");
    }

    #[test]
    fn merged_timelines_out_of_order_are_problems_once() {
        // Recorded in this order: the resolve after an update dated later.
        let entries = [accept("09:05"), update("10:30", 1), resolve("10:15")];
        let found = problems(&entries);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].entry, found[0].later), (2, 1));
        assert!(found[0].message.contains("resolve at 2026-11-24T10:15:00Z"));
        assert!(
            found[0]
                .message
                .contains("update 1 to internal at 2026-11-24T10:30:00Z")
        );
        // The other merge direction: a mitigation when it was resolved already.
        let entries = [
            accept("09:05"),
            resolve("10:15"),
            milestone("10:30", Mitigated),
        ];
        let found = problems(&entries);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].entry, found[0].later), (1, 2));
        // An update its author saw active, dated after the resolve (two clones).
        let entries = [accept("09:05"), resolve("10:15"), update("10:30", 1)];
        assert_eq!(problems(&entries).len(), 1);
        // A monitoring update while resolved, and a permanent fix after it, are fine.
        let mut monitoring = update("10:30", 1);
        if let Event::Update { monitoring: m, .. } = &mut monitoring.event {
            *m = true;
        }
        let entries = [
            accept("09:05"),
            resolve("10:15"),
            monitoring,
            milestone("11:00", Fixed),
        ];
        assert!(problems(&entries).is_empty());
        // An escalation on a resolved incident is fine when recorded after it.
        let entries = [accept("09:05"), resolve("10:15"), escalate("10:30")];
        assert!(problems(&entries).is_empty());
        let entries = [accept("09:05"), escalate("10:30"), resolve("10:15")];
        assert_eq!(problems(&entries).len(), 1);
        // Backfilled notes are never a problem.
        let entries = [
            accept("09:05"),
            resolve("10:15"),
            note("09:00"),
            note("11:00"),
        ];
        assert!(problems(&entries).is_empty());
    }
}
