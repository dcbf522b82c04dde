//! Working-time calendars — around the clock (`24x7`) or business hours in a time zone
//! with holidays — and the arithmetic SLA clocks do on them: the working time between
//! two instants, the instant at which an amount of work is done, with on-hold pauses left out.
//!
//! # Business hours and daylight saving
//! Every open local date (a listed weekday that is not a holiday) has one working
//! window, from its opening to its closing wall-clock time. A wall-clock time is turned
//! into an instant as *the first instant at which the local clock shows that time or
//! later*, which settles both daylight-saving cases without panicking:
//! - a time that occurs twice (clocks go back) counts at its **first** occurrence, so
//!   the repeated hour inside a window is worked once per real hour (a window that
//!   spans the change is an hour longer);
//! - a time that does not exist (clocks go forward) counts from **the moment the clocks
//!   jump**: opening at 01:30 on a day when 01:00 jumps to 02:00 opens at 02:00.
//!   A window that spans the change is an hour shorter.
//!
//! Windows never overlap and are visited day by day; closed days cost nothing.
//! Whole weeks are not skipped: chrono-tz does not expose its transitions, and equal
//! offsets at both ends of a week do not prove there was no change in between.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
    Weekday,
};
use chrono_tz::{GapInfo, Tz};

use crate::units::Duration;

/// When an SLA clock runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Calendar {
    /// `24x7`: every second counts.
    Always,
    /// Only the working windows of a business-hours calendar count.
    Business(BusinessHours),
}

/// Local opening hours on some weekdays, in one time zone, minus holidays (local dates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessHours {
    tz: Tz,
    /// Indexed by `Weekday::num_days_from_monday`.
    days: [bool; 7],
    open: NaiveTime,
    close: Close,
    holidays: BTreeSet<NaiveDate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Close {
    At(NaiveTime),
    /// The midnight that ends the day (`24:00`), which `NaiveTime` cannot hold.
    Midnight,
}

impl BusinessHours {
    /// Hours `open`–`close` on `days` in `tz`; `open` must be before `close` and at
    /// least one day must be open. Repeated days and holidays are harmless.
    pub fn new(
        tz: Tz,
        days: &[Weekday],
        open: NaiveTime,
        close: NaiveTime,
        holidays: &[NaiveDate],
    ) -> Result<Self, String> {
        if open >= close {
            return Err(format!(
                "invalid business hours {}-{}: the opening time must be before the closing time, like 08:00-18:00",
                open.format("%H:%M"),
                close.format("%H:%M"),
            ));
        }
        Self::build(tz, days, open, Close::At(close), holidays)
    }

    /// Hours from `open` until the midnight that ends each open day (`08:00-24:00`);
    /// with `open` at 00:00 every second of an open day counts.
    pub fn new_until_midnight(
        tz: Tz,
        days: &[Weekday],
        open: NaiveTime,
        holidays: &[NaiveDate],
    ) -> Result<Self, String> {
        Self::build(tz, days, open, Close::Midnight, holidays)
    }

    fn build(
        tz: Tz,
        days: &[Weekday],
        open: NaiveTime,
        close: Close,
        holidays: &[NaiveDate],
    ) -> Result<Self, String> {
        if days.is_empty() {
            return Err(
                "a business-hours calendar needs at least one open day, like [mon, tue, wed, thu, fri]"
                    .to_string(),
            );
        }
        let mut open_days = [false; 7];
        for day in days {
            open_days[day.num_days_from_monday() as usize] = true;
        }
        Ok(BusinessHours {
            tz,
            days: open_days,
            open,
            close,
            holidays: holidays.iter().copied().collect(),
        })
    }

    #[cfg(test)]
    pub fn tz(&self) -> Tz {
        self.tz
    }

    fn is_open_on(&self, date: NaiveDate) -> bool {
        self.days[date.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&date)
    }

    /// The working window of a local date as instants; `None` when the date is closed.
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_open_on(date) {
            return None;
        }
        let open = self.resolve(date.and_time(self.open))?;
        let close = match self.close {
            Close::At(time) => self.resolve(date.and_time(time))?,
            Close::Midnight => self.resolve(date.succ_opt()?.and_time(NaiveTime::MIN))?,
        };
        Some((open, close))
    }

    /// The first instant at which the local clock shows `local` or later (see the module doc).
    fn resolve(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(at) => Some(at.to_utc()),
            LocalResult::Ambiguous(first, second) => Some(first.min(second).to_utc()),
            LocalResult::None => GapInfo::new(&local, &self.tz)
                .and_then(|gap| gap.end)
                .map(|at| at.to_utc()),
        }
    }

    /// The local dates whose windows can meet `[start, end]`. A local time is never a
    /// whole day away from UTC, so a day's margin on each side of the UTC dates is enough.
    fn days_around(start: DateTime<Utc>, end: DateTime<Utc>) -> impl Iterator<Item = NaiveDate> {
        let first = start.date_naive();
        let first = first.pred_opt().unwrap_or(first);
        let last = end.date_naive();
        let last = last.succ_opt().unwrap_or(last);
        first.iter_days().take_while(move |day| *day <= last)
    }

    fn working_between(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Duration {
        let mut total = TimeDelta::zero();
        for day in Self::days_around(start, end) {
            if let Some((open, close)) = self.window(day) {
                let (from, to) = (open.max(start), close.min(end));
                if to > from {
                    total += to - from;
                }
            }
        }
        Duration::from(total)
    }

    fn add_working(&self, start: DateTime<Utc>, work: Duration) -> DateTime<Utc> {
        let mut remaining = work.to_chrono();
        for day in Self::days_around(start, DateTime::<Utc>::MAX_UTC) {
            let Some((open, close)) = self.window(day) else {
                continue;
            };
            let from = open.max(start);
            if close <= from {
                continue;
            }
            let available = close - from;
            if remaining <= available {
                return from + remaining;
            }
            remaining -= available;
        }
        DateTime::<Utc>::MAX_UTC
    }
}

impl Calendar {
    /// Working time from `start` to `end`; zero if `end <= start`.
    pub fn working_between(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Duration {
        if end <= start {
            return Duration::ZERO;
        }
        match self {
            Calendar::Always => Duration::from(end - start),
            Calendar::Business(hours) => hours.working_between(start, end),
        }
    }

    /// The instant at which `work` of working time has been done, counting from `start`;
    /// a start outside business hours counts from the next opening.
    ///
    /// No work (zero or less) is done at `start` itself, even when `start` is outside
    /// business hours: a clock with nothing left is due now, and
    /// `working_between(start, add_working(start, w)) == w` holds for every `w >= 0`.
    /// An answer beyond chrono's range saturates to `DateTime::<Utc>::MAX_UTC`.
    pub fn add_working(&self, start: DateTime<Utc>, work: Duration) -> DateTime<Utc> {
        if work <= Duration::ZERO {
            return start;
        }
        match self {
            Calendar::Always => start
                .checked_add_signed(work.to_chrono())
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            Calendar::Business(hours) => hours.add_working(start, work),
        }
    }

    /// Like [`Calendar::working_between`], without the time inside `pauses` (on-hold
    /// periods `(from, until)`; they may overlap, and an open one ends at
    /// `DateTime::<Utc>::MAX_UTC`). Time paused twice is left out once.
    pub fn working_between_excluding(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Duration {
        let mut total = 0;
        let mut cursor = start;
        for (from, until) in merged(pauses) {
            if from >= end {
                break;
            }
            total += self.working_between(cursor, from).secs();
            cursor = cursor.max(until);
        }
        total += self.working_between(cursor, end).secs();
        Duration::from_secs(total)
    }

    /// Like [`Calendar::add_working`], with the clock stopped inside `pauses` (see
    /// [`Calendar::working_between_excluding`]). No work is done at `start`, even inside
    /// a pause; a pause that never ends gives `DateTime::<Utc>::MAX_UTC` (never due).
    pub fn add_working_excluding(
        &self,
        start: DateTime<Utc>,
        work: Duration,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> DateTime<Utc> {
        if work <= Duration::ZERO {
            return start;
        }
        let mut remaining = work;
        let mut cursor = start;
        for (from, until) in merged(pauses) {
            if until <= cursor {
                continue;
            }
            if from > cursor {
                let due = self.add_working(cursor, remaining);
                if due <= from {
                    return due;
                }
                let done = self.working_between(cursor, from);
                remaining = Duration::from_secs(remaining.secs() - done.secs());
            }
            cursor = until;
        }
        self.add_working(cursor, remaining)
    }
}

/// The non-empty pauses, sorted and with overlapping or touching ones joined.
fn merged(pauses: &[(DateTime<Utc>, DateTime<Utc>)]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut sorted: Vec<_> = pauses
        .iter()
        .copied()
        .filter(|(from, until)| from < until)
        .collect();
    sorted.sort();
    let mut joined: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(sorted.len());
    for (from, until) in sorted {
        match joined.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(until),
            _ => joined.push((from, until)),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::London;

    const WEEKDAYS: [Weekday; 5] = [Mon, Tue, Wed, Thu, Fri];
    const ALL_DAYS: [Weekday; 7] = [Mon, Tue, Wed, Thu, Fri, Sat, Sun];

    fn hm(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M").unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// A local wall-clock time that exists exactly once in `tz`.
    fn local(tz: Tz, text: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        tz.from_local_datetime(&naive).single().unwrap().to_utc()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        local(Tz::UTC, text)
    }

    fn hours(h: i64) -> Duration {
        Duration::from_secs(h * 3600)
    }

    fn business(tz: Tz, days: &[Weekday], from: &str, to: &str, holidays: &[&str]) -> Calendar {
        let holidays: Vec<NaiveDate> = holidays.iter().map(|d| date(d)).collect();
        Calendar::Business(BusinessHours::new(tz, days, hm(from), hm(to), &holidays).unwrap())
    }

    fn london_office(holidays: &[&str]) -> Calendar {
        business(London, &WEEKDAYS, "08:00", "18:00", holidays)
    }

    #[test]
    fn p3_reported_friday_evening_is_due_monday() {
        // Friday 2026-11-20 17:00 GMT: 1h until 18:00, weekend closed,
        // Monday 08:00 + the other 9h = Monday 2026-11-23 17:00.
        let reported = local(London, "2026-11-20 17:00");
        let due = london_office(&[]).add_working(reported, hours(10));
        assert_eq!(due, local(London, "2026-11-23 17:00"));
        assert_eq!(london_office(&[]).working_between(reported, due), hours(10));
    }

    #[test]
    fn a_holiday_moves_the_due_time_to_the_next_open_day() {
        // As above with Monday a holiday: 1h Friday + 9h Tuesday 08:00-17:00.
        let reported = local(London, "2026-11-20 17:00");
        let calendar = london_office(&["2026-11-23"]);
        let due = calendar.add_working(reported, hours(10));
        assert_eq!(due, local(London, "2026-11-24 17:00"));
    }

    #[test]
    fn new_york_across_the_autumn_change() {
        // Friday 2026-10-30 16:00 EDT (UTC-4) = 20:00Z: 1h until 17:00; DST ends on
        // Sunday 2026-11-01; Monday 2026-11-02 09:00-17:00 EST (UTC-5): 8h, so
        // 10 - 1 - 8 = 1h is left for Tuesday: 09:00 EST + 1h = 10:00 EST = 15:00Z.
        let calendar = business(New_York, &WEEKDAYS, "09:00", "17:00", &[]);
        let reported = local(New_York, "2026-10-30 16:00");
        assert_eq!(reported, utc("2026-10-30 20:00"));
        let due = calendar.add_working(reported, hours(10));
        assert_eq!(due, utc("2026-11-03 15:00"));
        assert_eq!(calendar.working_between(reported, due), hours(10));
    }

    #[test]
    fn nearly_round_the_clock_over_the_autumn_change() {
        // Europe/London, every day 00:00-23:59. Sunday 2026-10-25 has 25 hours:
        // 00:00 BST = Sat 23:00Z until 23:59 GMT = Sun 23:59Z is 24h59m.
        let calendar = business(London, &ALL_DAYS, "00:00", "23:59", &[]);
        let saturday = local(London, "2026-10-24 00:00");
        let monday = local(London, "2026-10-26 00:00");
        // Saturday 23h59m + Sunday 24h59m = 48h58m.
        assert_eq!(
            calendar.working_between(saturday, monday),
            Duration::from_secs((48 * 60 + 58) * 60)
        );
        // From Saturday 12:00 BST (11:00Z), 24h: Saturday gives 11h59m, 12h01m remain;
        // Sunday opens 00:00 BST = Sat 23:00Z; 23:00Z + 12h01m = Sun 11:01Z = 11:01 GMT.
        let due = calendar.add_working(local(London, "2026-10-24 12:00"), hours(24));
        assert_eq!(due, utc("2026-10-25 11:01"));
    }

    #[test]
    fn working_between_across_the_spring_change() {
        // Sunday 2026-03-29 has 23 hours in London (01:00 GMT jumps to 02:00 BST).
        let calendar = business(London, &ALL_DAYS, "00:00", "23:59", &[]);
        let saturday = local(London, "2026-03-28 00:00");
        let monday = local(London, "2026-03-30 00:00");
        // Saturday 23h59m; Sunday 00:00 GMT (00:00Z) to 23:59 BST (22:59Z) = 22h59m;
        // together 46h58m.
        assert_eq!(
            calendar.working_between(saturday, monday),
            Duration::from_secs((46 * 60 + 58) * 60)
        );
        // Office hours 08:00-18:00 lie after the change: Friday 10h + Monday 10h.
        let friday = local(London, "2026-03-27 00:00");
        let tuesday = local(London, "2026-03-31 00:00");
        assert_eq!(
            london_office(&[]).working_between(friday, tuesday),
            hours(20)
        );
        // Until midnight every day, it is the plain 47h between the two midnights.
        let whole_days = Calendar::Business(
            BusinessHours::new_until_midnight(London, &ALL_DAYS, hm("00:00"), &[]).unwrap(),
        );
        assert_eq!(whole_days.working_between(saturday, monday), hours(47));
        assert_eq!(
            Calendar::Always.working_between(saturday, monday),
            hours(47)
        );
    }

    #[test]
    fn opening_in_a_gap_or_an_overlap_resolves_to_the_first_instant() {
        let calendar = business(London, &ALL_DAYS, "01:30", "03:00", &[]);
        // 2026-03-29: 01:30 does not exist; opening is the jump at 01:00Z (02:00 BST),
        // closing 03:00 BST = 02:00Z: 1h.
        let day = (utc("2026-03-29 00:00"), utc("2026-03-30 00:00"));
        assert_eq!(calendar.working_between(day.0, day.1), hours(1));
        assert_eq!(
            calendar.add_working(day.0, Duration::from_mins(1)),
            utc("2026-03-29 01:01")
        );
        // 2026-10-25: 01:30 happens twice; the first is 01:30 BST = 00:30Z, and
        // closing is 03:00 GMT = 03:00Z: 2h30m.
        let day = (utc("2026-10-25 00:00"), utc("2026-10-26 00:00"));
        assert_eq!(
            calendar.working_between(day.0, day.1),
            Duration::from_mins(150)
        );
        // A normal day: 1h30m.
        let day = (utc("2026-10-27 00:00"), utc("2026-10-28 00:00"));
        assert_eq!(
            calendar.working_between(day.0, day.1),
            Duration::from_mins(90)
        );
    }

    /// A small deterministic generator, so the property loop needs no new dependency.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    fn calendars_under_test() -> Vec<Calendar> {
        vec![
            Calendar::Always,
            london_office(&["2026-12-25", "2026-12-28", "2027-01-01"]),
            business(New_York, &WEEKDAYS, "09:00", "17:00", &["2026-11-26"]),
            // Opening and closing inside the London gap and overlap.
            business(London, &ALL_DAYS, "01:30", "02:30", &[]),
            business(
                chrono_tz::Australia::Lord_Howe,
                &[Sat, Sun],
                "01:45",
                "02:15",
                &[],
            ),
            Calendar::Business(
                BusinessHours::new_until_midnight(New_York, &[Sun, Mon], hm("00:00"), &[]).unwrap(),
            ),
        ]
    }

    #[test]
    fn add_working_and_working_between_are_inverse() {
        let mut random = Lcg(42);
        let base = utc("2026-01-01 00:00");
        for calendar in calendars_under_test() {
            for _ in 0..400 {
                // Any second in 2026-2027, any work up to 300h (to the second).
                let start = base + TimeDelta::seconds(random.below(2 * 365 * 86_400) as i64);
                let work = Duration::from_secs(random.below(300 * 3600) as i64);
                let due = calendar.add_working(start, work);
                assert!(due >= start);
                assert_eq!(
                    calendar.working_between(start, due),
                    work,
                    "{calendar:?} from {start} for {work}"
                );
                // The other way round: the work in [start, end] is done no later than end.
                let end = start + TimeDelta::seconds(random.below(30 * 86_400) as i64);
                let worked = calendar.working_between(start, end);
                let done = calendar.add_working(start, worked);
                assert!(done <= end, "{calendar:?} from {start} to {end}");
                assert_eq!(calendar.working_between(start, done), worked);
            }
        }
    }

    #[test]
    fn working_time_adds_up_over_long_spans() {
        // 2027 has no holidays in this list; 2027-01-01 is a Friday, so 365 days are
        // 52 weeks + 1 Friday = 261 weekdays of 10h = 2610h.
        let calendar = london_office(&["2026-12-25", "2026-12-28"]);
        let year = (
            local(London, "2027-01-01 00:00"),
            local(London, "2028-01-01 00:00"),
        );
        assert_eq!(calendar.working_between(year.0, year.1), hours(2610));
        // Splitting a two-year span anywhere changes nothing.
        let (start, end) = (utc("2026-01-01 00:00"), utc("2028-01-01 00:00"));
        let whole = calendar.working_between(start, end);
        let mut random = Lcg(7);
        for _ in 0..50 {
            let cut = start + TimeDelta::seconds(random.below(2 * 365 * 86_400) as i64);
            let parts = calendar.working_between(start, cut).secs()
                + calendar.working_between(cut, end).secs();
            assert_eq!(parts, whole.secs());
        }
    }

    #[test]
    fn a_pause_in_a_24x7_window_moves_the_due_time() {
        // 4h from 10:00 with a 2h pause 11:00-13:00: due 14:00 + 2h = 16:00.
        let start = utc("2026-06-01 10:00");
        let pause = [(utc("2026-06-01 11:00"), utc("2026-06-01 13:00"))];
        let due = Calendar::Always.add_working_excluding(start, hours(4), &pause);
        assert_eq!(due, utc("2026-06-01 16:00"));
        assert_eq!(
            Calendar::Always.working_between_excluding(start, due, &pause),
            hours(4)
        );
    }

    #[test]
    fn a_pause_outside_business_hours_changes_nothing() {
        // Friday 17:00 + 10h is Monday 17:00 with or without a pause on Saturday,
        // or one from Friday 18:00 until Monday 08:00.
        let calendar = london_office(&[]);
        let reported = local(London, "2026-11-20 17:00");
        let due = local(London, "2026-11-23 17:00");
        for pause in [
            (
                local(London, "2026-11-21 09:00"),
                local(London, "2026-11-21 15:00"),
            ),
            (
                local(London, "2026-11-20 18:00"),
                local(London, "2026-11-23 08:00"),
            ),
        ] {
            assert_eq!(
                calendar.add_working_excluding(reported, hours(10), &[pause]),
                due
            );
            assert_eq!(
                calendar.working_between_excluding(reported, due, &[pause]),
                hours(10)
            );
        }
        // A pause on Monday 09:00-11:00 does cost two working hours:
        // 1h Friday + 8h Monday (08-09, 11-18) + 1h Tuesday 08-09 = due Tuesday 09:00.
        let pause = (
            local(London, "2026-11-23 09:00"),
            local(London, "2026-11-23 11:00"),
        );
        assert_eq!(
            calendar.add_working_excluding(reported, hours(10), &[pause]),
            local(London, "2026-11-24 09:00")
        );
    }

    #[test]
    fn overlapping_pauses_count_once() {
        // Pauses 11:00-13:00 and 12:00-14:00 (and one inside them) stop the clock
        // 11:00-14:00: 1h before + 3h after 14:00 = due 17:00.
        let start = utc("2026-06-01 10:00");
        let pauses = [
            (utc("2026-06-01 12:00"), utc("2026-06-01 14:00")),
            (utc("2026-06-01 11:00"), utc("2026-06-01 13:00")),
            (utc("2026-06-01 12:30"), utc("2026-06-01 12:45")),
        ];
        let due = Calendar::Always.add_working_excluding(start, hours(4), &pauses);
        assert_eq!(due, utc("2026-06-01 17:00"));
        // 7h elapsed - 3h paused = 4h.
        assert_eq!(
            Calendar::Always.working_between_excluding(start, due, &pauses),
            hours(4)
        );
    }

    #[test]
    fn an_open_pause_stops_the_clock_for_good() {
        let start = utc("2026-06-01 10:00");
        let on_hold = [(utc("2026-06-01 12:00"), DateTime::<Utc>::MAX_UTC)];
        for calendar in [Calendar::Always, london_office(&[])] {
            assert_eq!(
                calendar.add_working_excluding(start, hours(4), &on_hold),
                DateTime::<Utc>::MAX_UTC
            );
            // Monday 2026-06-01 10:00-12:00 is working time in both calendars.
            assert_eq!(
                calendar.working_between_excluding(start, utc("2026-06-03 10:00"), &on_hold),
                hours(2)
            );
        }
        // Work finished before the pause begins is unaffected by it.
        assert_eq!(
            Calendar::Always.add_working_excluding(start, hours(2), &on_hold),
            utc("2026-06-01 12:00")
        );
    }

    #[test]
    fn always_is_plain_elapsed_time() {
        let (a, b) = (utc("2026-03-28 22:00"), utc("2026-03-29 04:30"));
        assert_eq!(
            Calendar::Always.working_between(a, b),
            Duration::from_mins(390)
        );
        assert_eq!(Calendar::Always.add_working(a, Duration::from_mins(390)), b);
        assert_eq!(Calendar::Always.add_working(a, Duration::ZERO), a);
        assert_eq!(
            Calendar::Always.add_working(DateTime::<Utc>::MAX_UTC, hours(1)),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn end_before_start_is_no_time() {
        let (a, b) = (utc("2026-11-23 12:00"), utc("2026-11-23 09:00"));
        assert_eq!(Calendar::Always.working_between(a, b), Duration::ZERO);
        assert_eq!(london_office(&[]).working_between(a, b), Duration::ZERO);
        assert_eq!(london_office(&[]).working_between(a, a), Duration::ZERO);
        assert_eq!(
            Calendar::Always.working_between_excluding(a, b, &[]),
            Duration::ZERO
        );
    }

    #[test]
    fn no_work_is_due_at_the_start_even_when_closed() {
        // Saturday: closed, but nothing left to do means due now.
        let saturday = local(London, "2026-11-21 12:00");
        let calendar = london_office(&[]);
        assert_eq!(calendar.add_working(saturday, Duration::ZERO), saturday);
        assert_eq!(
            calendar.add_working_excluding(saturday, Duration::ZERO, &[]),
            saturday
        );
        // One second of work waits for Monday's opening.
        assert_eq!(
            calendar.add_working(saturday, Duration::from_secs(1)),
            local(London, "2026-11-23 08:00") + TimeDelta::seconds(1)
        );
    }

    #[test]
    fn refuses_hours_that_do_not_open_before_they_close() {
        let err = BusinessHours::new(London, &WEEKDAYS, hm("18:00"), hm("08:00"), &[]).unwrap_err();
        assert!(err.contains("18:00-08:00"), "{err}");
        assert!(BusinessHours::new(London, &WEEKDAYS, hm("08:00"), hm("08:00"), &[]).is_err());
        let err = BusinessHours::new(London, &[], hm("08:00"), hm("18:00"), &[]).unwrap_err();
        assert!(err.contains("at least one open day"), "{err}");
        assert!(BusinessHours::new_until_midnight(London, &[], hm("08:00"), &[]).is_err());
    }
}
