//! Instants as mim writes them (RFC 3339 with offset) and as users type them (`--at`).

use anyhow::{Context, bail};
use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    SecondsFormat, TimeZone, Utc,
};

/// Every instant in mim's files: RFC 3339 with an offset.
pub type Timestamp = DateTime<FixedOffset>;

/// The first year mim accepts in a time or a date.
pub const FIRST_YEAR: i32 = 1970;
/// The last year mim accepts: later "times" are typing mistakes or hostile input, and
/// bounding them keeps every computation on them (calendars, clocks) small.
pub const LAST_YEAR: i32 = 2199;

/// Refuse a time outside [`FIRST_YEAR`]..=[`LAST_YEAR`], naming the value as written.
pub fn check_range(t: Timestamp, written: &str) -> anyhow::Result<Timestamp> {
    check_year(t.naive_utc().date().year(), written)?;
    Ok(t)
}

/// Refuse a date outside [`FIRST_YEAR`]..=[`LAST_YEAR`], naming the value as written.
pub fn check_date(d: NaiveDate, written: &str) -> anyhow::Result<NaiveDate> {
    check_year(d.year(), written)?;
    Ok(d)
}

fn check_year(year: i32, written: &str) -> anyhow::Result<()> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        bail!(
            "`{}` is out of range: mim accepts times and dates from {FIRST_YEAR} to {LAST_YEAR}",
            written.trim().escape_debug()
        );
    }
    Ok(())
}

/// The form written to files: seconds precision, `Z` for UTC.
pub fn format(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Show an instant in a time zone for people: `2026-11-24 09:00 GMT`.
pub fn display(t: &Timestamp, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// Parse a time typed by a user: RFC 3339 (`2026-11-24T09:00:00Z`), or a local
/// `2026-11-24 09:00` / `2026-11-24T09:00` in the organisation's time zone.
/// Impossible dates and times in a daylight-saving gap are refused.
pub fn parse(text: &str, tz: chrono_tz::Tz) -> anyhow::Result<Timestamp> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return check_range(t, text);
    }
    let local = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok());
    let Some(local) = local else {
        bail!(
            "invalid time `{}`: expected RFC 3339 like 2026-11-24T09:00:00Z, or a local time like \"2026-11-24 09:00\" ({})",
            text.escape_debug(),
            tz.name()
        );
    };
    check_date(local.date(), text)?;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.fixed_offset()),
        LocalResult::Ambiguous(a, b) => bail!(
            "time `{text}` happens twice in {} (clocks go back): write it with an offset, {} or {}",
            tz.name(),
            format(&a.fixed_offset()),
            format(&b.fixed_offset())
        ),
        LocalResult::None => bail!(
            "time `{text}` does not exist in {} (clocks go forward then)",
            tz.name()
        ),
    }
}

/// Parse a time ahead of `now`, as people promise one: a time (see [`parse`]), a clock
/// time `HH:MM` (its next occurrence in `tz`: today, or tomorrow once it has passed), or a
/// duration from `now` (`45m`, `1h30m`).
pub fn parse_ahead(text: &str, tz: chrono_tz::Tz, now: Timestamp) -> anyhow::Result<Timestamp> {
    match read_ahead(text, tz)? {
        Ahead::Clock(clock) => {
            let today = now.with_timezone(&tz).date_naive();
            for day in [today, today + chrono::Days::new(1)] {
                let t = parse(&format!("{} {}", day, clock.format("%H:%M")), tz)?;
                if t > now {
                    return Ok(t);
                }
            }
            // A clock time tomorrow is always after now.
            bail!("time `{}` is not ahead", text.trim().escape_debug())
        }
        Ahead::In(d) => Ok(now + d.to_chrono()),
        Ahead::At(t) => Ok(t),
    }
}

/// Whether `text` is written as [`parse_ahead`] reads it (the command line's check).
pub fn check_ahead(text: &str, tz: chrono_tz::Tz) -> anyhow::Result<()> {
    read_ahead(text, tz).map(drop)
}

/// A time ahead as written, before it is placed after "now".
enum Ahead {
    Clock(NaiveTime),
    In(crate::units::Duration),
    At(Timestamp),
}

fn read_ahead(text: &str, tz: chrono_tz::Tz) -> anyhow::Result<Ahead> {
    let trimmed = text.trim();
    if let Ok(clock) = NaiveTime::parse_from_str(trimmed, "%H:%M") {
        return Ok(Ahead::Clock(clock));
    }
    if let Ok(d) = trimmed.parse::<crate::units::Duration>() {
        return Ok(Ahead::In(d));
    }
    parse(text, tz).map(Ahead::At).map_err(|err| {
        // A time that reads as one but is impossible says so; anything else lists the forms.
        if !err.to_string().starts_with("invalid time") {
            return err;
        }
        anyhow::anyhow!(
            "invalid time `{}`: expected a clock time like 14:00 (today, or tomorrow once passed, in {}), a duration from now like 45m, RFC 3339 like 2026-11-24T09:00:00Z, or a local time like \"2026-11-24 09:00\"",
            trimmed.escape_debug(),
            tz.name()
        )
    })
}

/// Parse a day as people set a deadline: a date (`2026-12-08`) or a span from `now`
/// (`7d`), as the day in `tz` it falls on.
pub fn parse_due(text: &str, now: Timestamp, tz: chrono_tz::Tz) -> anyhow::Result<NaiveDate> {
    Ok(match read_due(text)? {
        Due::Date(date) => date,
        Due::In(span) => (now + span.to_chrono()).with_timezone(&tz).date_naive(),
    })
}

/// Whether `text` is written as [`parse_due`] reads it (the command line's check).
pub fn check_due(text: &str) -> anyhow::Result<()> {
    read_due(text).map(drop)
}

enum Due {
    Date(NaiveDate),
    In(crate::units::Duration),
}

fn read_due(text: &str) -> anyhow::Result<Due> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return check_date(date, text).map(Due::Date);
    }
    let looks_like_span =
        text.starts_with(|c: char| c.is_ascii_digit()) && text.ends_with(['d', 'h', 'm', 's']);
    if looks_like_span {
        // Bounded where it is parsed, so `now + span` cannot overflow.
        return Ok(Due::In(text.parse::<crate::units::Duration>()?));
    }
    bail!(
        "invalid date `{}`: expected a date like 2026-12-08 or a time from now like 7d",
        text.escape_debug()
    )
}

/// Parse a date (`2026-12-08`) or a time; a date means the start of that day in `tz`.
pub fn parse_date_or_time(text: &str, tz: chrono_tz::Tz) -> anyhow::Result<Timestamp> {
    if let Ok(date) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        check_date(date, text)?;
        let local = date.and_time(NaiveTime::MIN);
        return tz
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.fixed_offset())
            .with_context(|| format!("date `{text}` has no midnight in {}", tz.name()));
    }
    parse(text, tz)
}

/// "Now" for this run: `--at`, else `MIM_NOW`, else the clock; read once, at the top.
pub fn now(
    at: Option<&str>,
    env_now: Option<&str>,
    tz: chrono_tz::Tz,
) -> anyhow::Result<Timestamp> {
    if let Some(at) = at {
        return parse(at, tz).context("in --at");
    }
    if let Some(env) = env_now.filter(|s| !s.trim().is_empty()) {
        return parse(env, tz).context("in MIM_NOW");
    }
    Ok(Utc::now()
        .fixed_offset()
        .with_timezone(&FixedOffset::east_opt(0).expect("zero offset")))
}

/// serde helpers writing the file form of a timestamp.
pub mod rfc3339 {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&super::format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        let t = chrono::DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid timestamp `{text}` ({e}): expected RFC 3339 like 2026-11-24T09:00:00Z"
            ))
        })?;
        super::check_range(t, &text).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use super::Timestamp;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] Timestamp);
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// serde helpers for a date (`2026-12-08`) within mim's range of years.
pub mod date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        d.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    /// A list of dates (holidays), each within range.
    pub fn deserialize_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<NaiveDate>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| parse(t).map_err(serde::de::Error::custom))
            .collect()
    }

    fn parse(text: &str) -> anyhow::Result<NaiveDate> {
        let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|e| {
            anyhow::anyhow!(
                "invalid date `{}` ({e}): expected a date like 2026-12-08",
                text.escape_debug()
            )
        })?;
        super::check_date(date, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_times_are_refused_naming_the_value() {
        let utc = chrono_tz::UTC;
        for bad in [
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2200-01-01 00:00",
            "1969-12-31T23:59:59+00:00",
        ] {
            let err = parse(bad, utc).unwrap_err().to_string();
            assert!(err.contains(&format!("`{bad}` is out of range")), "{err}");
        }
        assert!(parse_date_or_time("9999-01-01", utc).is_err());
        assert!(parse("2199-12-31T23:59:59Z", utc).is_ok());
        assert!(parse("1970-01-01T00:00:00Z", utc).is_ok());
    }

    #[test]
    fn parses_rfc3339_and_local_times() {
        let london = chrono_tz::Europe::London;
        assert_eq!(
            format(&parse("2026-11-24T09:00:00Z", london).unwrap()),
            "2026-11-24T09:00:00Z"
        );
        assert_eq!(
            format(&parse("2026-07-01 09:00", london).unwrap()),
            "2026-07-01T09:00:00+01:00"
        );
        assert!(parse("2026-02-30T09:00:00Z", london).is_err());
        assert!(parse("2026-11-24T25:00:00Z", london).is_err());
        let gap = parse("2026-03-29 01:30", london).unwrap_err().to_string();
        assert!(gap.contains("does not exist"), "{gap}");
        let twice = parse("2026-10-25 01:30", london).unwrap_err().to_string();
        assert!(twice.contains("happens twice"), "{twice}");
    }

    #[test]
    fn now_prefers_at_then_env() {
        let utc = chrono_tz::UTC;
        let t = now(
            Some("2026-01-01T00:00:00Z"),
            Some("2027-01-01T00:00:00Z"),
            utc,
        )
        .unwrap();
        assert_eq!(format(&t), "2026-01-01T00:00:00Z");
        let t = now(None, Some("2027-01-01T00:00:00Z"), utc).unwrap();
        assert_eq!(format(&t), "2027-01-01T00:00:00Z");
        assert!(now(None, Some("yesterday"), utc).is_err());
    }
}
