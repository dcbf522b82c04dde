//! A client's services as its status page shows them: each one's state now (from the
//! client's facts about the incidents affecting it), a bar of the last 90 days, its
//! uptime over them, and the scheduled maintenance that touches the client.

use chrono::{NaiveDate, TimeDelta, TimeZone};
use serde::Serialize;

use crate::config::Config;
use crate::facts::Facts;
use crate::time::{self, Timestamp};

/// How many days the history bar of a component covers.
pub const HISTORY_DAYS: i64 = 90;

/// One service of the client.
#[derive(Clone, Debug, Serialize)]
pub struct Component {
    pub name: String,
    /// `Operational`, or the phase of the incident affecting it in the client's words.
    pub state: String,
    /// `ok`, `down` or `restored`: the colour of the state.
    pub tone: &'static str,
    /// Share of the last 90 days it was not affected, `99.9%`.
    pub uptime: String,
    /// The last 90 days, oldest first.
    pub days: Vec<Day>,
}

/// One day of a component's history bar.
#[derive(Clone, Debug, Serialize)]
pub struct Day {
    pub date: String,
    /// `ok` or `down`.
    pub tone: &'static str,
    /// `2026-11-23: down 3h10m (Payments API outage)`, or `2026-11-23: no incident`.
    pub title: String,
}

/// An incident as a component's history sees it: its title, the services it took from
/// the client, and from when to when.
pub struct Outage<'a> {
    pub title: &'a str,
    pub facts: &'a Facts,
}

impl Outage<'_> {
    fn services(&self) -> impl Iterator<Item = &str> {
        self.facts.service.split(", ")
    }

    /// The stretches it was down, each cut at `now`.
    fn windows(&self, now: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        self.facts.down.iter().filter_map(move |d| {
            let from = parse(&d.from)?;
            let until = d.until.as_deref().and_then(parse).unwrap_or(now).min(now);
            (until > from).then_some((from, until))
        })
    }
}

/// The client's components: its configured services and those its incidents name, each
/// with its state at `now` and its last 90 days in the client's zone `tz`.
pub fn components(
    config: &Config,
    key: &str,
    outages: &[Outage],
    now: Timestamp,
    tz: chrono_tz::Tz,
) -> Vec<Component> {
    let mut names: Vec<String> = config
        .clients
        .get(key)
        .map(|c| c.services.clone())
        .unwrap_or_default();
    for o in outages {
        for s in o.services() {
            if !names.iter().any(|n| n == s) {
                names.push(s.to_string());
            }
        }
    }
    let today = now.with_timezone(&tz).date_naive();
    names
        .into_iter()
        .map(|name| {
            let theirs: Vec<&Outage> = outages
                .iter()
                .filter(|o| o.services().any(|s| s == name))
                .collect();
            component(name, &theirs, today, now, tz)
        })
        .collect()
}

fn component(
    name: String,
    outages: &[&Outage],
    today: NaiveDate,
    now: Timestamp,
    tz: chrono_tz::Tz,
) -> Component {
    // The state now: an incident still down on it first, else one being watched.
    let current = outages
        .iter()
        .filter(|o| o.facts.phase != crate::facts::Phase::Resolved)
        .min_by_key(|o| o.facts.restored_at.is_some());
    let (state, tone) = match current {
        Some(o) => (o.facts.words.label.to_string(), o.facts.words.tone),
        None => ("Operational".to_string(), "ok"),
    };
    let mut down_total = 0;
    let days = (0..HISTORY_DAYS)
        .rev()
        .map(|back| {
            let date = today - TimeDelta::days(back);
            let (start, end) = day_bounds(date, tz);
            let mut spans = Vec::new();
            let mut titles = Vec::new();
            for o in outages {
                let theirs: Vec<(Timestamp, Timestamp)> = o
                    .windows(now)
                    .map(|(from, until)| (from.max(start), until.min(end)))
                    .filter(|(from, until)| until > from)
                    .collect();
                if !theirs.is_empty() {
                    spans.extend(theirs);
                    titles.push(o.title);
                }
            }
            // Two outages at once are down once.
            let down = union_secs(spans);
            down_total += down;
            let date_text = date.to_string();
            if titles.is_empty() {
                Day {
                    title: format!("{date_text}: no incident"),
                    date: date_text,
                    tone: "ok",
                }
            } else {
                Day {
                    title: format!(
                        "{date_text}: down {} ({})",
                        crate::units::Duration::from_secs(down).human(),
                        titles.join("; ")
                    ),
                    date: date_text,
                    tone: "down",
                }
            }
        })
        .collect();
    let span = HISTORY_DAYS * 86_400;
    let uptime = 100.0 * (span - down_total.min(span)) as f64 / span as f64;
    Component {
        name,
        state,
        tone,
        uptime: format!("{}%", trim_percent(uptime)),
        days,
    }
}

/// `100`, `99.95`, `87.5`: at most two decimals, none when whole.
/// How long `spans` cover together, each moment counted once.
fn union_secs(mut spans: Vec<(Timestamp, Timestamp)>) -> i64 {
    spans.sort();
    let mut total = 0;
    let mut reach: Option<Timestamp> = None;
    for (from, until) in spans {
        let from = reach.map_or(from, |r| from.max(r));
        if until > from {
            total += (until - from).num_seconds();
        }
        reach = Some(reach.map_or(until, |r| r.max(until)));
    }
    total
}

fn trim_percent(p: f64) -> String {
    let text = format!("{:.2}", (p * 100.0).floor() / 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The instants a day starts and ends in `tz`.
fn day_bounds(date: NaiveDate, tz: chrono_tz::Tz) -> (Timestamp, Timestamp) {
    let at = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.fixed_offset())
            .unwrap_or_else(|| d.and_time(chrono::NaiveTime::MIN).and_utc().fixed_offset())
    };
    (at(date), at(date + TimeDelta::days(1)))
}

fn parse(t: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(t).ok()
}

/// Scheduled maintenance as a client's page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct MaintenanceView {
    pub title: String,
    pub from: String,
    pub until: String,
    pub services: Vec<String>,
    pub note: Option<String>,
    /// Under way now (else upcoming).
    pub under_way: bool,
}

/// The maintenance windows of `mim.yaml` that concern client `key` and have not ended.
pub fn maintenance(
    config: &Config,
    key: &str,
    now: Timestamp,
    tz: chrono_tz::Tz,
) -> Vec<MaintenanceView> {
    let mut out: Vec<(Timestamp, MaintenanceView)> = config
        .maintenance
        .iter()
        .filter(|m| m.clients.is_empty() || m.clients.iter().any(|c| c == key))
        .filter(|m| m.until > now)
        .map(|m| {
            (
                m.from,
                MaintenanceView {
                    title: m.title.clone(),
                    from: time::display(&m.from, tz),
                    until: time::display(&m.until, tz),
                    services: m.services.clone(),
                    note: m.note.clone(),
                    under_way: m.from <= now,
                },
            )
        })
        .collect();
    out.sort_by_key(|(from, _)| *from);
    out.into_iter().map(|(_, m)| m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_outages_at_once_are_down_once() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        let spans = vec![
            (t("2026-11-23T06:00:00Z"), t("2026-11-23T09:00:00Z")),
            (t("2026-11-23T08:00:00Z"), t("2026-11-23T10:00:00Z")),
            (t("2026-11-23T12:00:00Z"), t("2026-11-23T13:00:00Z")),
            (t("2026-11-23T06:30:00Z"), t("2026-11-23T07:00:00Z")),
        ];
        assert_eq!(union_secs(spans), 5 * 3600);
    }

    #[test]
    fn uptime_reads_as_people_write_it() {
        assert_eq!(trim_percent(100.0), "100");
        assert_eq!(trim_percent(99.9537), "99.95");
        assert_eq!(trim_percent(87.5), "87.5");
    }
}
