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

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::sla::{Calendar, Duration};

pub type Instant = DateTime<Utc>;

/// Never: the end of an open segment or pause.
pub const NEVER: Instant = DateTime::<Utc>::MAX_UTC;

/// Priorities in force over time, with their calendars, and the periods the clock stops.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// `(from, priority, calendar)` sorted by `from`; each lasts until the next one.
    segments: Vec<(Instant, String, Option<Calendar>)>,
    pauses: Vec<(Instant, Instant)>,
}

impl Schedule {
    /// `changes` are `(at, new priority)` in time order, after `start` with `first` in force.
    pub fn new(
        config: &Config,
        client: Option<&str>,
        start: Instant,
        first: &str,
        changes: &[(Instant, String)],
        pauses: Vec<(Instant, Instant)>,
    ) -> Schedule {
        let calendar = |p: &str| config.calendar_for(p, client);
        let mut segments = vec![(start, first.to_string(), calendar(first))];
        for (at, priority) in changes {
            segments.push(((*at).max(start), priority.clone(), calendar(priority)));
        }
        Schedule { segments, pauses }
    }

    /// Around the clock from `start`, whatever the priority (PIR deadlines).
    pub fn always(start: Instant) -> Schedule {
        Schedule {
            segments: vec![(start, String::new(), Some(Calendar::Always))],
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

    /// The priority in force at `at` (the first one before the first segment).
    pub fn priority_at(&self, at: Instant) -> &str {
        self.segments
            .iter()
            .rev()
            .find(|(from, ..)| *from <= at)
            .unwrap_or(&self.segments[0])
            .1
            .as_str()
    }

    /// The segments from `start` on, clipped: `(from, until, priority, calendar)`.
    fn from(&self, start: Instant) -> impl Iterator<Item = (Instant, Instant, &str, &Calendar)> {
        let n = self.segments.len();
        (0..n).filter_map(move |i| {
            let (from, priority, calendar) = &self.segments[i];
            let until = self.segments.get(i + 1).map_or(NEVER, |s| s.0);
            let from = (*from).max(start);
            (until > from)
                .then_some(())
                .and(calendar.as_ref())
                .map(|c| (from, until, priority.as_str(), c))
        })
    }

    /// When a clock started at `start` reaches `target(priority)`; `None` if it never
    /// does (an open pause, or no target in force from some point on).
    pub fn due(
        &self,
        start: Instant,
        target: impl Fn(&str) -> Option<Duration>,
    ) -> Option<Instant> {
        let mut done = 0i64;
        for (from, until, priority, calendar) in self.from(start) {
            let Some(target) = target(priority) else {
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
    /// out, only while `counts(priority)` (the priority has a target for this clock).
    pub fn elapsed(&self, start: Instant, end: Instant, counts: impl Fn(&str) -> bool) -> Duration {
        let mut total = 0i64;
        for (from, until, priority, calendar) in self.from(start) {
            if from >= end {
                break;
            }
            if counts(priority) {
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

    fn restore(c: &Config) -> impl Fn(&str) -> Option<Duration> + '_ {
        |p| c.targets(p).map(|t| t.restore)
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
        let cadence = |p: &str| c.targets(p).and_then(|t| t.update_internal);
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
