//! The arithmetic every SLA clock shares: which priority (and so which target and
//! calendar) is in force when, and when a clock started at some instant reaches its target.
//!
//! # Reprioritisation
//! The incident's life is cut into segments at each reprioritisation. A clock counts
//! working time in each segment in *that segment's* calendar, pauses left out, and is
//! due at the first instant at which the time counted reaches the target *in force at
//! that instant*. So the new priority's targets apply from the change onwards:
//! - a breach that happened before the change stands;
//! - after an upgrade whose (shorter) target is already used up, the clock is due at the
//!   moment of the change;
//! - after a downgrade the clock keeps its count and gets the longer target.
//!
//! A priority without a target for a clock (a P4 has no update cadence) stops that clock
//! for as long as it is in force.
//!
//! The response plan's cadence changes cut segments too: each segment carries the plan's
//! cadence in force, so the update clocks follow [`crate::state::cadence`] over time.

use chrono::{DateTime, Utc};

use crate::calendar::Calendar;
use crate::config::Config;
use crate::units::Duration;

pub type Instant = DateTime<Utc>;

/// Never: the end of an open segment or pause.
pub const NEVER: Instant = DateTime::<Utc>::MAX_UTC;

/// What is in force during one segment: the priority (and so its targets and calendar)
/// and the response plan's own update cadence per audience.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub from: Instant,
    pub priority: String,
    pub calendar: Option<Calendar>,
    pub plan_internal: Option<Duration>,
    pub plan_client: Option<Duration>,
}

/// Priorities in force over time, with their calendars, and the periods the clock stops.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Sorted by `from`; each lasts until the next one.
    segments: Vec<Segment>,
    pauses: Vec<(Instant, Instant)>,
}

/// A change that cuts the schedule: a new priority, or a new plan cadence.
#[derive(Clone, Debug)]
pub enum Cut {
    Priority(String),
    PlanInternal(Duration),
    PlanClient(Duration),
}

impl Schedule {
    /// `changes` are `(at, new priority)` in time order, after `start` with `first` in force.
    #[cfg(test)]
    pub fn new(
        config: &Config,
        client: Option<&str>,
        start: Instant,
        first: &str,
        changes: &[(Instant, String)],
        pauses: Vec<(Instant, Instant)>,
    ) -> Schedule {
        let cuts: Vec<(Instant, Cut)> = changes
            .iter()
            .map(|(at, p)| (*at, Cut::Priority(p.clone())))
            .collect();
        Schedule::with_cuts(config, client, start, first, &cuts, pauses)
    }

    /// `cuts` in time order, after `start` with priority `first` in force and no plan cadence.
    pub fn with_cuts(
        config: &Config,
        client: Option<&str>,
        start: Instant,
        first: &str,
        cuts: &[(Instant, Cut)],
        pauses: Vec<(Instant, Instant)>,
    ) -> Schedule {
        let calendar = |p: &str| config.calendar_for(p, client);
        let mut segments = vec![Segment {
            from: start,
            priority: first.to_string(),
            calendar: calendar(first),
            plan_internal: None,
            plan_client: None,
        }];
        for (at, cut) in cuts {
            let mut next = segments.last().expect("one segment at least").clone();
            next.from = (*at).max(start);
            match cut {
                Cut::Priority(p) => {
                    next.calendar = calendar(p);
                    next.priority = p.clone();
                }
                Cut::PlanInternal(d) => next.plan_internal = Some(*d),
                Cut::PlanClient(d) => next.plan_client = Some(*d),
            }
            match segments.last_mut() {
                Some(last) if last.from == next.from => *last = next,
                _ => segments.push(next),
            }
        }
        Schedule { segments, pauses }
    }

    /// Around the clock from `start`, whatever the priority (PIR deadlines).
    pub fn always(start: Instant) -> Schedule {
        Schedule {
            segments: vec![Segment {
                from: start,
                priority: String::new(),
                calendar: Some(Calendar::Always),
                plan_internal: None,
                plan_client: None,
            }],
            pauses: Vec::new(),
        }
    }

    /// The same segments with other pauses.
    pub fn with_pauses(&self, pauses: Vec<(Instant, Instant)>) -> Schedule {
        Schedule {
            segments: self.segments.clone(),
            pauses,
        }
    }

    /// What is in force at `at` (the first segment before the first segment starts).
    pub fn segment_at(&self, at: Instant) -> &Segment {
        self.segments
            .iter()
            .rev()
            .find(|s| s.from <= at)
            .unwrap_or(&self.segments[0])
    }

    /// The priority in force at `at` (the first one before the first segment).
    pub fn priority_at(&self, at: Instant) -> &str {
        self.segment_at(at).priority.as_str()
    }

    /// The segments from `start` on, clipped: `(from, until, segment, calendar)`.
    fn from(
        &self,
        start: Instant,
    ) -> impl Iterator<Item = (Instant, Instant, &Segment, &Calendar)> {
        let n = self.segments.len();
        (0..n).filter_map(move |i| {
            let segment = &self.segments[i];
            let until = self.segments.get(i + 1).map_or(NEVER, |s| s.from);
            let from = segment.from.max(start);
            (until > from)
                .then_some(())
                .and(segment.calendar.as_ref())
                .map(|c| (from, until, segment, c))
        })
    }

    /// When a clock started at `start` reaches `target(segment)`; `None` if it never
    /// does (an open pause, or no target in force from some point on).
    pub fn due(
        &self,
        start: Instant,
        target: impl Fn(&Segment) -> Option<Duration>,
    ) -> Option<Instant> {
        let mut done = 0i64;
        for (from, until, segment, calendar) in self.from(start) {
            let Some(target) = target(segment) else {
                continue;
            };
            if done >= target.secs() {
                return Some(from);
            }
            let left = Duration::from_secs(target.secs() - done);
            let due = calendar.add_working_excluding(from, left, &self.pauses);
            if due == NEVER {
                return None;
            }
            if due <= until {
                return Some(due);
            }
            done += calendar
                .working_between_excluding(from, until, &self.pauses)
                .secs();
        }
        None
    }

    /// Working time counted from `start` to `end`, in each segment's calendar, pauses left
    /// out, only while `counts(segment)` (a target for this clock is in force).
    pub fn elapsed(
        &self,
        start: Instant,
        end: Instant,
        counts: impl Fn(&Segment) -> bool,
    ) -> Duration {
        let mut total = 0i64;
        for (from, until, segment, calendar) in self.from(start) {
            if from >= end {
                break;
            }
            if counts(segment) {
                total += calendar
                    .working_between_excluding(from, until.min(end), &self.pauses)
                    .secs();
            }
        }
        Duration::from_secs(total)
    }

    /// Whether `at` falls inside a pause.
    pub fn paused_at(&self, at: Instant) -> bool {
        self.pauses
            .iter()
            .any(|(from, until)| *from <= at && at < *until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_CONFIG;
    use std::path::Path;

    fn config() -> Config {
        Config::parse(Path::new("mim.yaml"), DEFAULT_CONFIG).unwrap()
    }

    fn t(text: &str) -> Instant {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn restore(c: &Config) -> impl Fn(&Segment) -> Option<Duration> + '_ {
        |s| c.targets(&s.priority).map(|t| t.restore)
    }

    #[test]
    fn one_priority_around_the_clock() {
        let c = config();
        let s = Schedule::new(&c, None, t("2026-11-24T09:00:00Z"), "P1", &[], vec![]);
        assert_eq!(
            s.due(t("2026-11-24T09:00:00Z"), restore(&c)),
            Some(t("2026-11-24T13:00:00Z"))
        );
    }

    #[test]
    fn pauses_push_the_due_time_back() {
        let c = config();
        let hold = (t("2026-11-24T10:00:00Z"), t("2026-11-24T12:00:00Z"));
        let s = Schedule::new(&c, None, t("2026-11-24T09:00:00Z"), "P1", &[], vec![hold]);
        assert_eq!(
            s.due(t("2026-11-24T09:00:00Z"), restore(&c)),
            Some(t("2026-11-24T15:00:00Z"))
        );
        let open = (t("2026-11-24T10:00:00Z"), NEVER);
        let s = s.with_pauses(vec![open]);
        assert_eq!(s.due(t("2026-11-24T09:00:00Z"), restore(&c)), None);
        assert!(s.paused_at(t("2026-11-24T11:00:00Z")));
    }

    #[test]
    fn an_upgrade_applies_the_shorter_target_from_the_change() {
        let c = config();
        let start = t("2026-11-24T09:00:00Z");
        // P2 (8h) for 1h, then P1 (4h): 3h left.
        let s = Schedule::new(
            &c,
            None,
            start,
            "P2",
            &[(t("2026-11-24T10:00:00Z"), "P1".into())],
            vec![],
        );
        assert_eq!(s.due(start, restore(&c)), Some(t("2026-11-24T13:00:00Z")));
        // P2 for 5h, then P1: the 4h target is already used up at the change.
        let s = Schedule::new(
            &c,
            None,
            start,
            "P2",
            &[(t("2026-11-24T14:00:00Z"), "P1".into())],
            vec![],
        );
        assert_eq!(s.due(start, restore(&c)), Some(t("2026-11-24T14:00:00Z")));
        assert_eq!(s.priority_at(t("2026-11-24T13:59:59Z")), "P2");
        assert_eq!(s.priority_at(t("2026-11-24T14:00:00Z")), "P1");
        assert_eq!(
            s.elapsed(start, t("2026-11-24T15:00:00Z"), |_| true),
            Duration::from_secs(6 * 3600)
        );
    }

    #[test]
    fn a_downgrade_keeps_the_count_and_a_breach_before_it_stands() {
        let c = config();
        let start = t("2026-11-24T09:00:00Z");
        // P1 (4h) for 5h: breached at 13:00, before the downgrade at 14:00.
        let s = Schedule::new(
            &c,
            None,
            start,
            "P1",
            &[(t("2026-11-24T14:00:00Z"), "P2".into())],
            vec![],
        );
        assert_eq!(s.due(start, restore(&c)), Some(t("2026-11-24T13:00:00Z")));
        // P1 for 1h, then P2 (8h): 7h left from 10:00.
        let s = Schedule::new(
            &c,
            None,
            start,
            "P1",
            &[(t("2026-11-24T10:00:00Z"), "P2".into())],
            vec![],
        );
        assert_eq!(s.due(start, restore(&c)), Some(t("2026-11-24T17:00:00Z")));
    }

    #[test]
    fn a_priority_without_a_target_stops_the_clock() {
        let c = config();
        let start = t("2026-11-23T09:00:00Z"); // a Monday, in London business hours
        let cadence = |s: &Segment| c.targets(&s.priority).and_then(|t| t.update_internal);
        // P4 has no cadence: from 09:00 to 10:00 nothing counts; then P1's 30m.
        let s = Schedule::new(
            &c,
            None,
            start,
            "P4",
            &[(t("2026-11-23T10:00:00Z"), "P1".into())],
            vec![],
        );
        assert_eq!(s.due(start, cadence), Some(t("2026-11-23T10:30:00Z")));
        let s = Schedule::new(&c, None, start, "P4", &[], vec![]);
        assert_eq!(s.due(start, cadence), None);
    }
}
