//! The filters templates may use: `datetime` and `duration`.

use chrono::DateTime;
use chrono_tz::Tz;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};

use crate::units::Duration;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("datetime", datetime);
    env.add_filter("duration", duration);
}

/// `{{ t | datetime("Europe/London") }}`: an RFC 3339 time as `2026-11-24 09:00 GMT`
/// in the given IANA time zone (UTC when none is given).
pub(super) fn datetime(value: &str, zone: Option<&str>) -> Result<String, Error> {
    let time = DateTime::parse_from_rfc3339(value).map_err(|err| {
        invalid(format!(
            "datetime: `{value}` is not an RFC 3339 time like 2026-11-24T09:00:00Z ({err})"
        ))
    })?;
    let zone = zone.unwrap_or("UTC");
    let tz: Tz = zone.parse().map_err(|_| {
        invalid(format!(
            "datetime: unknown time zone `{zone}`; expected an IANA name like Europe/London"
        ))
    })?;
    Ok(time
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string())
}

/// `{{ secs | duration }}`: seconds (or a duration such as `90m`) as `1h30m`.
pub(super) fn duration(value: &Value) -> Result<String, Error> {
    let parsed = match (value.as_i64(), value.as_str()) {
        (Some(secs), _) => Some(Duration::from_secs(secs)),
        (None, Some(text)) => text.parse::<Duration>().ok(),
        (None, None) => None,
    };
    parsed.map(|d| d.to_string()).ok_or_else(|| {
        invalid(format!(
            "duration: expected whole seconds or a duration like 1h30m, got `{value}`"
        ))
    })
}

fn invalid(detail: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, detail)
}
