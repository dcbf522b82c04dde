//! The filters templates may use: `datetime` and `duration`.

use chrono::DateTime;
use chrono::format::{Item, StrftimeItems};
use chrono_tz::Tz;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, State};

use crate::units::Duration;

/// How `datetime` shows a time unless told otherwise: `2026-11-24 09:00 GMT`.
pub const DEFAULT_FORMAT: &str = "%Y-%m-%d %H:%M %Z";

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("datetime", datetime_filter);
    env.add_filter("duration", duration);
}

/// `{{ t | datetime }}`: an RFC 3339 time shown in the template's time zone (the
/// context's `tz`, else UTC) as `2026-11-24 09:00 GMT`.
///
/// One positional argument is a strftime format when it contains `%`
/// (`datetime("%d %b %H:%M")`), else a time zone (`datetime("Europe/London")`,
/// `datetime(tz)`, as templates wrote it before `tz` became the default). Keyword
/// arguments say it explicitly: `datetime(format="%H:%M", tz="America/New_York")`.
fn datetime_filter(
    state: &State,
    value: &Value,
    spec: Option<&str>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let mut zone: Option<String> = kwargs.get::<Option<&str>>("tz")?.map(String::from);
    let mut format: Option<&str> = kwargs.get("format")?;
    kwargs.assert_all_used()?;
    match spec {
        Some(s) if s.contains('%') && format.is_none() => format = Some(s),
        Some(s) if !s.contains('%') && zone.is_none() => zone = Some(s.to_string()),
        Some(s) => {
            return Err(invalid(format!(
                "datetime: `{s}` repeats the format or time zone given as a keyword; give it once"
            )));
        }
        None => {}
    }
    let zone = zone.or_else(|| {
        state
            .lookup("tz")
            .and_then(|tz| tz.as_str().map(String::from))
    });
    if value.is_undefined() {
        return Err(Error::from(ErrorKind::UndefinedError));
    }
    if value.is_none() {
        return Err(invalid(
            "datetime: there is no time here (the value is none); test it first with `{% if … %}`"
                .to_string(),
        ));
    }
    let Some(text) = value.as_str() else {
        return Err(invalid(format!(
            "datetime: `{value}` is not an RFC 3339 time like 2026-11-24T09:00:00Z"
        )));
    };
    format_time(text, zone.as_deref(), format.unwrap_or(DEFAULT_FORMAT))
}

/// An RFC 3339 time as `2026-11-24 09:00 GMT` in the given IANA time zone (UTC when none
/// is given): the filter without a context, for unit tests.
#[cfg(test)]
pub(super) fn datetime(value: &str, zone: Option<&str>) -> Result<String, Error> {
    format_time(value, zone, DEFAULT_FORMAT)
}

/// An RFC 3339 time in `zone` (UTC when none), formatted with strftime `format`.
pub(super) fn format_time(value: &str, zone: Option<&str>, format: &str) -> Result<String, Error> {
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
    // chrono panics when it displays a format with an unknown specifier: refuse it here.
    if StrftimeItems::new(format).any(|item| item == Item::Error) {
        return Err(invalid(format!(
            "datetime: `{format}` is not a strftime format; write one like \"%Y-%m-%d %H:%M %Z\""
        )));
    }
    Ok(time.with_timezone(&tz).format(format).to_string())
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
