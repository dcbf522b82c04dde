//! Clock times in text people type. A time written `06:02` in an update is read by people
//! in several zones as their own; written `{{ time("06:02") }}` it is shown to each reader
//! in that reader's zone. Nothing else in typed text is ever interpreted.

use chrono::{NaiveTime, TimeZone};

use crate::time::Timestamp;

const OPEN: &str = "{{ time(\"";
const CLOSE: &str = "\") }}";

/// The clock times (`06:02`, `6:02pm`, `06:02 CET`) written as plain text in `text`,
/// outside `{{ time("…") }}`: each will be read as the reader's own zone.
pub fn bare_times(text: &str) -> Vec<String> {
    let plain = strip_marked(text);
    let b = plain.as_bytes();
    let digit = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // `H:MM` or `HH:MM`: every byte looked at is an ASCII digit, so the slice below
        // is on character boundaries whatever text surrounds it.
        if b[i] != b':' || !digit(i.wrapping_sub(1)) || !digit(i + 1) || !digit(i + 2) {
            i += 1;
            continue;
        }
        let start = if i >= 2 && digit(i - 2) { i - 2 } else { i - 1 };
        // Not part of a timestamp (`2026-11-23T06:02`) or an offset (`+01:00`).
        let before_ok = start == 0
            || !(b[start - 1].is_ascii_alphanumeric()
                || b[start - 1] >= 0x80
                || matches!(b[start - 1], b'+' | b'-' | b':' | b'.'));
        let after_ok = b
            .get(i + 3)
            .is_none_or(|c| !c.is_ascii_digit() && *c != b':');
        let hour_ok = plain[start..i].parse::<u32>().is_ok_and(|h| h < 24);
        let min_ok = plain[i + 1..i + 3].parse::<u32>().is_ok_and(|m| m < 60);
        if before_ok && after_ok && hour_ok && min_ok {
            out.push(plain[start..i + 3].to_string());
            i += 3;
        } else {
            i += 1;
        }
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
/// of day is the occurrence in the author's zone `author` nearest the message's time
/// `at` (so `23:50` written at 00:20 is the night before); a date and time
/// (`2026-11-23 06:02`) or an RFC 3339 time is taken as written. A marker whose time
/// cannot be read is left as written: [`problems`] names it before anything is recorded.
pub fn expand(text: &str, author: chrono_tz::Tz, at: Timestamp, zone: chrono_tz::Tz) -> String {
    replace_markers(text, |inner| {
        resolve(inner, author, at).map(|t| show(&t, &at, zone))
    })
}

/// Times typed in `texts` (the text of an update, a status line, a client message) that
/// `what` names: `Err` with the reason for a `{{ time("…") }}` that is no time, else the
/// warning to give about bare clock times, which readers elsewhere read as their own.
pub fn vet(what: &str, texts: &[&str]) -> Result<Option<String>, String> {
    for text in texts {
        if let Some(bad) = problems(text).first() {
            return Err(format!(
                "{{{{ time(\"{}\") }}}} in {what} is not a time: write a clock time like \
                 {{{{ time(\"06:02\") }}}} or a full time like {{{{ time(\"2026-11-23T06:02:00Z\") }}}}",
                bad.escape_debug()
            ));
        }
    }
    let bare: Vec<String> = texts.iter().flat_map(|t| bare_times(t)).collect();
    Ok(bare.first().map(|first| {
        format!(
            "{what} says {} without saying in which time zone: readers in other zones will \
             read it as their own. Write {{{{ time(\"{first}\") }}}} to show it in each reader's zone, \
             or a full time with its offset",
            bare.join(", ")
        )
    }))
}

/// The `{{ time("…") }}` markers in `text` whose time cannot be read.
pub fn problems(text: &str) -> Vec<String> {
    let any = chrono::DateTime::UNIX_EPOCH.fixed_offset();
    markers(text)
        .into_iter()
        .filter(|(_, inner)| resolve(inner, chrono_tz::UTC, any).is_none())
        .map(|(_, inner)| inner.to_string())
        .collect()
}

fn strip_marked(text: &str) -> String {
    replace_markers(text, |_| Some(" ".to_string()))
}

fn resolve(inner: &str, author: chrono_tz::Tz, at: Timestamp) -> Option<Timestamp> {
    let inner = inner.trim();
    let Ok(clock) = NaiveTime::parse_from_str(inner, "%H:%M") else {
        return crate::time::parse(inner, author).ok();
    };
    let day = at.with_timezone(&author).date_naive();
    [day.pred_opt(), Some(day), day.succ_opt()]
        .into_iter()
        .flatten()
        .filter_map(|d| local(author, d.and_time(clock)))
        .min_by_key(|t| (*t - at).num_seconds().abs())
}

/// A local time in `zone`: the earlier of two in the hour clocks go back, and the time
/// after the gap when clocks go forward past it.
fn local(zone: chrono_tz::Tz, t: chrono::NaiveDateTime) -> Option<Timestamp> {
    zone.from_local_datetime(&t)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(t + chrono::TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.fixed_offset())
}

/// `06:02 CET` when it falls on the message's day in the reader's zone, else with its date.
fn show(t: &Timestamp, message: &Timestamp, zone: chrono_tz::Tz) -> String {
    let local = t.with_timezone(&zone);
    if local.date_naive() == message.with_timezone(&zone).date_naive() {
        local.format("%H:%M %Z").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M %Z").to_string()
    }
}

/// Times typed in the update: a `{{ time("…") }}` that cannot be read is refused; a bare
/// clock time is a warning, since readers in other zones will read it as their own.
pub fn check(what: &str, texts: &[&str]) -> anyhow::Result<()> {
    match vet(what, texts) {
        Err(reason) => Err(crate::error::Error::Usage(anyhow::anyhow!(reason)).into()),
        Ok(Some(warning)) => {
            eprintln!("warning: {warning}");
            Ok(())
        }
        Ok(None) => Ok(()),
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
        // Any text around it: no byte boundary is ever cut.
        assert!(bare_times("Status — Café: down, Résumé: ok, ü:").is_empty());
        assert_eq!(bare_times("Café: 12:30, ü12:31"), vec!["12:30"]);
    }

    #[test]
    fn a_marked_time_is_shown_in_each_readers_zone() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T07:00:00Z").unwrap();
        let text = r#"down since {{ time("06:02") }}."#;
        let london: chrono_tz::Tz = "Europe/London".parse().unwrap();
        let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let tokyo: chrono_tz::Tz = "Asia/Tokyo".parse().unwrap();
        assert_eq!(expand(text, london, at, london), "down since 06:02 GMT.");
        assert_eq!(expand(text, london, at, ny), "down since 01:02 EST.");
        assert_eq!(expand(text, london, at, tokyo), "down since 15:02 JST.");
        assert_eq!(
            expand(r#"{{ time("soon") }}"#, london, at, ny),
            r#"{{ time("soon") }}"#
        );
        assert_eq!(
            problems(r#"a {{ time("soon") }} b {{ time("06:02") }}"#),
            vec!["soon"]
        );
        // A time of day is the occurrence nearest the message: at 00:20, 23:50 was last night.
        let night = chrono::DateTime::parse_from_rfc3339("2026-11-24T00:20:00Z").unwrap();
        let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(
            expand(r#"{{ time("23:50") }}"#, london, night, paris),
            "00:50 CET"
        );
        assert_eq!(
            expand(r#"{{ time("23:50") }}"#, london, night, london),
            "2026-11-23 23:50 GMT"
        );
        // A time in the hour clocks skip is the time after it.
        let spring = chrono::DateTime::parse_from_rfc3339("2026-03-29T03:00:00Z").unwrap();
        assert_eq!(
            expand(r#"{{ time("01:30") }}"#, london, spring, london),
            "02:30 BST"
        );
    }
}
