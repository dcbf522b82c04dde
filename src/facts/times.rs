//! Clock times in text people type. A time written `06:02` in an update is read by people
//! in several zones as their own; written `{{ time("06:02") }}` it is shown to each reader
//! in that reader's zone. Nothing else in typed text is ever interpreted.

use chrono::{NaiveDate, NaiveTime, TimeZone};

use crate::time::Timestamp;

const OPEN: &str = "{{ time(\"";
const CLOSE: &str = "\") }}";

/// The clock times (`06:02`, `6:02pm`, `06:02 CET`) written as plain text in `text`,
/// outside `{{ time("…") }}`: each will be read as the reader's own zone.
pub fn bare_times(text: &str) -> Vec<String> {
    let plain = strip_marked(text);
    let bytes = plain.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' && i >= 1 {
            let start = if i >= 2 && bytes[i - 2].is_ascii_digit() {
                i - 2
            } else {
                i - 1
            };
            // Not part of a timestamp (`2026-11-23T06:02`) or an offset (`+01:00`).
            let before_ok = start == 0
                || !(bytes[start - 1].is_ascii_alphanumeric()
                    || matches!(bytes[start - 1], b'+' | b'-' | b':' | b'.'));
            let h = &plain[start..i];
            let m = plain.get(i + 1..i + 3).unwrap_or("");
            let after = bytes.get(i + 3).copied();
            let after_ok = after.is_none_or(|c| !c.is_ascii_digit() && c != b':');
            let hour_ok = h.chars().all(|c| c.is_ascii_digit())
                && !h.is_empty()
                && h.parse::<u32>().is_ok_and(|h| h < 24);
            let min_ok = m.len() == 2
                && m.chars().all(|c| c.is_ascii_digit())
                && m.parse::<u32>().is_ok_and(|m| m < 60);
            if before_ok && after_ok && hour_ok && min_ok {
                out.push(plain[start..i + 3].to_string());
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Each `{{ time("…") }}` in `text`: where it stands, and what is between the quotes.
fn markers(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find(OPEN).map(|i| from + i) {
        let inner = start + OPEN.len();
        let Some(end) = text[inner..].find(CLOSE).map(|i| inner + i) else {
            break;
        };
        out.push((start..end + CLOSE.len(), &text[inner..end]));
        from = end + CLOSE.len();
    }
    out
}

/// `text` with each marker replaced by what `with` makes of it (`None`: left as written).
fn replace_markers(text: &str, with: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (range, inner) in markers(text) {
        out.push_str(&text[last..range.start]);
        match with(inner) {
            Some(replacement) => out.push_str(&replacement),
            None => out.push_str(&text[range.clone()]),
        }
        last = range.end;
    }
    out.push_str(&text[last..]);
    out
}

/// `text` with every `{{ time("…") }}` replaced by that time as `zone` shows it. A time
/// of day is on `day` in the author's zone `author`; a date and time (`2026-11-23 06:02`)
/// or an RFC 3339 time is taken as written. A marker whose time cannot be read is left
/// as written: [`problems`] names it before anything is recorded.
pub fn expand(text: &str, author: chrono_tz::Tz, day: NaiveDate, zone: chrono_tz::Tz) -> String {
    replace_markers(text, |inner| {
        resolve(inner, author, day).map(|at| show(&at, day, author, zone))
    })
}

/// The `{{ time("…") }}` markers in `text` whose time cannot be read.
pub fn problems(text: &str) -> Vec<String> {
    markers(text)
        .into_iter()
        .filter(|(_, inner)| resolve(inner, chrono_tz::UTC, NaiveDate::MIN).is_none())
        .map(|(_, inner)| inner.to_string())
        .collect()
}

fn strip_marked(text: &str) -> String {
    replace_markers(text, |_| Some(" ".to_string()))
}

fn resolve(inner: &str, author: chrono_tz::Tz, day: NaiveDate) -> Option<Timestamp> {
    let inner = inner.trim();
    if let Ok(t) = NaiveTime::parse_from_str(inner, "%H:%M") {
        return author
            .from_local_datetime(&day.and_time(t))
            .earliest()
            .map(|t| t.fixed_offset());
    }
    crate::time::parse(inner, author).ok()
}

/// `06:02 CET` when it falls on the message's day in the reader's zone, else with its date.
fn show(at: &Timestamp, day: NaiveDate, author: chrono_tz::Tz, zone: chrono_tz::Tz) -> String {
    let local = at.with_timezone(&zone);
    let same_day = author
        .from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default())
        .earliest()
        .is_some_and(|noon| noon.with_timezone(&zone).date_naive() == local.date_naive());
    if same_day {
        local.format("%H:%M %Z").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M %Z").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_clock_times_are_found_and_marked_ones_are_not() {
        assert_eq!(
            bare_times("since 06:02, back by 9:30 CET; ref 2026-11-23T06:02 and 123:45"),
            vec!["06:02", "9:30"]
        );
        assert!(bare_times(r#"since {{ time("06:02") }}"#).is_empty());
        assert!(bare_times("ratio 1:2, at 25:00 or 12:60, v1.2:30").is_empty());
    }

    #[test]
    fn a_marked_time_is_shown_in_each_readers_zone() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let text = r#"down since {{ time("06:02") }}."#;
        let london: chrono_tz::Tz = "Europe/London".parse().unwrap();
        let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let tokyo: chrono_tz::Tz = "Asia/Tokyo".parse().unwrap();
        assert_eq!(expand(text, london, day, london), "down since 06:02 GMT.");
        assert_eq!(expand(text, london, day, ny), "down since 01:02 EST.");
        assert_eq!(expand(text, london, day, tokyo), "down since 15:02 JST.");
        let late = r#"{{ time("23:30") }}"#;
        assert_eq!(expand(late, london, day, tokyo), "2026-11-24 08:30 JST");
        assert_eq!(
            expand(r#"{{ time("soon") }}"#, london, day, ny),
            r#"{{ time("soon") }}"#
        );
        assert_eq!(
            problems(r#"a {{ time("soon") }} b {{ time("06:02") }}"#),
            vec!["soon"]
        );
    }
}
