//! Property tests of the parsers, for a bounded number of cases each: durations,
//! times, timeline lines, the plan's front matter and `mim.yaml`. None panics on any
//! input, what they accept is within bounds, and what mim writes reads back the same.

use std::path::Path;

use crate::model::plan::{self, Amendment, Plan};
use crate::model::{Entry, Event};
use crate::units::Duration;
use crate::{config, store, text, time, yaml_guard};
use proptest::prelude::*;

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Strings with the characters that break files: controls, non-characters, line
/// separators, quotes, YAML indicators, and any other character.
fn hostile_text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\0',
        '\t',
        '\n',
        '\r',
        '\u{1b}',
        '\u{7f}',
        '\u{85}',
        '\u{9b}',
        '\u{a0}',
        '\u{2028}',
        '\u{2029}',
        '\u{202e}',
        '\u{feff}',
        '\u{fffe}',
        '\u{ffff}',
        '\u{fdd0}',
        '\u{1fffe}',
        '\u{10ffff}',
        '"',
        '\'',
        '\\',
        ':',
        '#',
        '{',
        '}',
        '[',
        ']',
        ',',
        '-',
        '&',
        '*',
        '!',
        '|',
        '>',
        '%',
        '@',
        '`',
        ' ',
    ]);
    let ch = prop_oneof![3 => special, 1 => any::<char>(), 2 => proptest::char::range('a', 'z')];
    prop::collection::vec(ch, 0..40).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn durations_parse_within_bounds_and_print_back(s in "[0-9dhms ]{0,14}|\\PC{0,12}") {
        if let Ok(d) = s.parse::<Duration>() {
            prop_assert!(d.secs() >= 0 && d <= Duration::MAX, "{s:?} -> {d}");
            prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        }
    }

    #[test]
    fn spans_round_trip(d in 0i64..=3650, h in 0i64..24, m in 0i64..60, sec in 0i64..60) {
        let secs = ((d * 24 + h) * 60 + m) * 60 + sec;
        let duration = Duration::from_secs(secs);
        let back = duration.to_string().parse::<Duration>();
        if duration <= Duration::MAX {
            prop_assert_eq!(back, Ok(duration));
        } else {
            prop_assert!(back.is_err());
        }
    }

    #[test]
    fn times_parse_within_bounds(s in "[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?)?|\\PC{0,30}") {
        for tz in [chrono_tz::UTC, chrono_tz::Europe::London] {
            if let Ok(t) = time::parse_date_or_time(&s, tz) {
                let year = chrono::Datelike::year(&t.naive_utc());
                prop_assert!((time::FIRST_YEAR - 1..=time::LAST_YEAR + 1).contains(&year), "{s:?}");
                let written = time::format(&t);
                prop_assert_eq!(time::parse(&written, chrono_tz::UTC).ok(), Some(t));
            }
        }
    }

    /// Whatever text an event carries, its timeline line reads back as the same event:
    /// no text can make the timeline unreadable.
    #[test]
    fn timeline_lines_read_back_whatever_the_text(
        note in hostile_text(),
        by in hostile_text(),
        activity in proptest::option::of(hostile_text()),
        mins in 1i64..600,
    ) {
        let entry = Entry {
            at: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:10:00Z").unwrap(),
            by,
            event: Event::Note { text: note, time: Some(Duration::from_mins(mins)), activity },
        };
        let line = crate::model::timeline::to_line(&entry);
        prop_assert_eq!(line.matches('\n').count(), 1, "{}", line);
        let text = format!("{}{line}", crate::model::timeline::HEADER);
        let back: Option<Vec<Entry>> = store::parse_yaml(Path::new("timeline.yaml"), &text)
            .map_err(|d| TestCaseError::fail(d.to_string()))?;
        prop_assert_eq!(back, Some(vec![entry]));
    }

    /// Any front matter: a plan or a positioned diagnostic, never a panic.
    #[test]
    fn plan_front_matter_never_panics(front in hostile_text(), body in hostile_text()) {
        let text = format!("---\n{front}\n---\n\n{body}\n");
        if let Err(d) = plan::parse(Path::new("plan.md"), &text) {
            prop_assert!(!d.0.is_empty());
        }
    }

    /// Names that pass the edge checks are written into plan.md so that they read back.
    #[test]
    fn plan_amendments_read_back(name in hostile_text(), owner in hostile_text(), vendor in proptest::option::of(hostile_text())) {
        let (Ok(name), Ok(owner)) = (text::name("--workstream", &name), text::name("--workstream", &owner)) else {
            return Ok(());
        };
        let vendor = vendor.and_then(|v| text::name("--workstream", &v).ok());
        let start = plan::new_file("2026-11-24-x");
        let amendment = Amendment::Workstream { name, owner, vendor };
        let (after, expected, _) = plan::amend(&start, &Plan::default(), &[amendment])
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let reread = plan::parse(Path::new("plan.md"), &after)
            .map_err(|d| TestCaseError::fail(format!("{d}\n{after}")))?;
        prop_assert_eq!(reread, expected);
    }

    /// mim.yaml with any part replaced: a configuration or a positioned diagnostic.
    #[test]
    fn configurations_never_panic(at in 0usize..config::DEFAULT_CONFIG.len(), cut in 0usize..40, insert in hostile_text()) {
        let base = config::DEFAULT_CONFIG;
        let start = (0..=at).rev().find(|i| base.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + cut..=base.len()).find(|i| base.is_char_boundary(*i)).unwrap_or(base.len());
        let text = format!("{}{insert}{}", &base[..start], &base[end..]);
        if let Err(d) = config::Config::parse(Path::new("mim.yaml"), &text) {
            prop_assert!(!d.0.is_empty());
        }
    }

    /// The bounds scan is linear and total: any text passes or is refused with a position.
    #[test]
    fn the_yaml_guard_is_total(s in "[\\[\\]{}\\-:#'\" \\n|>a]{0,300}") {
        if let Err(r) = yaml_guard::check(&s) {
            prop_assert!(r.line >= 1 && r.column >= 1);
        }
    }
}
