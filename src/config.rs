//! The organisation's procedure as data: the `mim.yaml` model, its loading and validation.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::Context;
use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Deserializer};

use crate::calendar::{BusinessHours, Calendar};
use crate::diag::{Diagnostic, Diagnostics, locate};
use crate::units::{Duration, Percent};

/// The file name searched for, like git searches for `.git`.
pub const FILE_NAME: &str = "mim.yaml";

/// The name of the around-the-clock calendar, always defined.
pub const ALWAYS: &str = "24x7";

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub organization: Organization,
    pub impact: Vec<String>,
    pub urgency: Vec<String>,
    pub priority_matrix: BTreeMap<String, BTreeMap<String, String>>,
    pub priorities: BTreeMap<String, PriorityTargets>,
    #[serde(default = "default_at_risk")]
    pub at_risk: Percent,
    #[serde(default)]
    pub calendars: BTreeMap<String, CalendarDef>,
    #[serde(default)]
    pub clients: BTreeMap<String, Client>,
    #[serde(default)]
    pub audiences: Audiences,
    #[serde(default)]
    pub escalation: EscalationPolicy,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub closure_codes: BTreeMap<String, String>,
    #[serde(default)]
    pub pir: PirPolicy,
    #[serde(default)]
    pub mail: Mail,
    #[serde(default)]
    pub git: GitPolicy,
    #[serde(default)]
    pub reports: ReportsPolicy,
}

fn default_at_risk() -> Percent {
    Percent::from_fraction(0.75)
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub name: String,
    pub email: Address,
    #[serde(default = "utc")]
    pub timezone: TimeZone,
}

fn utc() -> TimeZone {
    TimeZone(chrono_tz::UTC)
}

/// The service targets of one priority.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityTargets {
    pub major: bool,
    pub respond: Duration,
    pub restore: Duration,
    #[serde(default)]
    pub update_internal: Option<Duration>,
    #[serde(default)]
    pub update_client: Option<Duration>,
    pub calendar: String,
    #[serde(default)]
    pub pir: PirRequirement,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum PirRequirement {
    Required,
    #[default]
    Optional,
    None,
}

/// A business-hours calendar as written: local hours on some weekdays, minus holidays.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDef {
    pub timezone: TimeZone,
    pub days: Vec<Day>,
    pub hours: Hours,
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub name: String,
    #[serde(default)]
    pub calendar: Option<String>,
    #[serde(default)]
    pub contacts: Contacts,
}

/// A client's people, per audience.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    #[serde(default)]
    pub client: Vec<Address>,
    #[serde(default)]
    pub management: Vec<Address>,
    #[serde(default)]
    pub end_users: Vec<Address>,
}

/// Internal recipients of status updates.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audiences {
    #[serde(default)]
    pub internal: Recipients,
    #[serde(default)]
    pub management: Recipients,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    #[serde(default)]
    pub to: Vec<Address>,
    #[serde(default)]
    pub cc: Vec<Address>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationPolicy {
    /// Who must have been told by the time a share of the restore target is used.
    #[serde(default)]
    pub hierarchic: Vec<HierarchicLevel>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HierarchicLevel {
    pub at: Threshold,
    pub notify: String,
}

/// When an escalation is due: a share of the restore target or a fixed time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    Share(Percent),
    After(Duration),
}

impl Threshold {
    /// The working time after which this threshold is crossed, for a restore target.
    pub fn of(self, restore: Duration) -> Duration {
        match self {
            Threshold::Share(p) => restore.scaled(p),
            Threshold::After(d) => d,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::Share(p) => p.fmt(f),
            Threshold::After(d) => d.fmt(f),
        }
    }
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim_end().ends_with('%') {
            text.parse()
                .map(Threshold::Share)
                .map_err(serde::de::Error::custom)
        } else {
            text.parse()
                .map(Threshold::After)
                .map_err(|_| serde::de::Error::custom(format!("invalid threshold `{text}`: expected a share of the restore target like 50% or a duration like 2h")))
        }
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PirPolicy {
    #[serde(default = "two_days")]
    pub start_within: Duration,
    #[serde(default = "fourteen_days")]
    pub action_due: Duration,
}

fn two_days() -> Duration {
    Duration::from_secs(2 * 86_400)
}

fn fourteen_days() -> Duration {
    Duration::from_secs(14 * 86_400)
}

impl Default for PirPolicy {
    fn default() -> Self {
        PirPolicy {
            start_within: two_days(),
            action_due: fourteen_days(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mail {
    #[serde(default = "default_sendmail")]
    pub sendmail: String,
}

fn default_sendmail() -> String {
    "sendmail -t -i".to_string()
}

impl Default for Mail {
    fn default() -> Self {
        Mail {
            sendmail: default_sendmail(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitPolicy {
    #[serde(default = "yes")]
    pub commit: bool,
}

fn yes() -> bool {
    true
}

impl Default for GitPolicy {
    fn default() -> Self {
        GitPolicy { commit: true }
    }
}

/// Settings of `mim report`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportsPolicy {
    /// An incident on the same service (and configuration item, when both name one)
    /// reported within this time after another was resolved counts as a recurrence.
    #[serde(default = "thirty_days")]
    pub recurrence_window: Duration,
}

fn thirty_days() -> Duration {
    Duration::from_secs(30 * 86_400)
}

impl Default for ReportsPolicy {
    fn default() -> Self {
        ReportsPolicy {
            recurrence_window: thirty_days(),
        }
    }
}

/// An IANA time zone name such as `Europe/London`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<chrono_tz::Tz>().map(TimeZone).map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown time zone `{text}`: use an IANA name such as UTC, Europe/London or America/New_York"
            ))
        })
    }
}

/// A weekday written `mon` … `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub Weekday);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let day = match text.to_ascii_lowercase().as_str() {
            "mon" => Weekday::Mon,
            "tue" => Weekday::Tue,
            "wed" => Weekday::Wed,
            "thu" => Weekday::Thu,
            "fri" => Weekday::Fri,
            "sat" => Weekday::Sat,
            "sun" => Weekday::Sun,
            _ => {
                return Err(serde::de::Error::custom(format!(
                    "unknown day `{text}`: use mon, tue, wed, thu, fri, sat or sun"
                )));
            }
        };
        Ok(Day(day))
    }
}

/// Opening hours written `08:00-18:00`; `24:00` closes at the midnight ending the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub open: NaiveTime,
    /// `None` for `24:00`.
    pub close: Option<NaiveTime>,
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let err = || {
            serde::de::Error::custom(format!(
                "invalid hours `{text}`: expected opening and closing time like \"08:00-18:00\""
            ))
        };
        let (open, close) = text.split_once('-').ok_or_else(err)?;
        let open = NaiveTime::parse_from_str(open.trim(), "%H:%M").map_err(|_| err())?;
        let close = match close.trim() {
            "24:00" => None,
            other => Some(NaiveTime::parse_from_str(other, "%H:%M").map_err(|_| err())?),
        };
        if close.is_some_and(|close| open >= close) {
            return Err(serde::de::Error::custom(format!(
                "invalid hours `{text}`: the opening time must come before the closing time"
            )));
        }
        Ok(Hours { open, close })
    }
}

/// An e-mail address, `name@domain.example` or `Display Name <name@domain.example>`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Address(pub String);

impl Address {
    pub fn parse(text: &str) -> Result<Address, String> {
        let err = || {
            format!(
                "invalid e-mail address `{}`: expected name@domain.example or \"Name <name@domain.example>\"",
                text.escape_debug()
            )
        };
        if text.chars().any(|c| c.is_control()) {
            return Err(err());
        }
        let addr = match (text.find('<'), text.ends_with('>')) {
            (Some(i), true) => {
                let name = text[..i].trim();
                if name.contains(['<', '>', '"']) {
                    return Err(err());
                }
                &text[i + 1..text.len() - 1]
            }
            (None, false) => text.trim(),
            _ => return Err(err()),
        };
        let (local, domain) = addr.split_once('@').ok_or_else(err)?;
        let local_ok = !local.is_empty()
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let domain_ok = !domain.is_empty()
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if local_ok && domain_ok {
            Ok(Address(text.trim().to_string()))
        } else {
            Err(err())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Address::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A configuration that could not be loaded; `mim` exits 2 for it.
#[derive(Debug)]
pub struct ConfigError(pub Diagnostics);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Read and validate `mim.yaml`; every problem is reported with its line and column.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Config::parse(path, &text).map_err(|d| ConfigError(d).into())
    }

    /// Parse and validate configuration text; `path` is only used in diagnostics.
    pub fn parse(path: &Path, text: &str) -> Result<Config, Diagnostics> {
        let config: Config = serde_yaml::from_str(text)
            .map_err(|e| Diagnostics(vec![Diagnostic::from_yaml(path, text, &e)]))?;
        let problems = config.problems();
        if problems.is_empty() {
            return Ok(config);
        }
        Err(Diagnostics(
            problems
                .into_iter()
                .map(|(keys, message)| {
                    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                    let (line, column) = locate(text, &keys);
                    Diagnostic::new(path, message)
                        .at(line, column)
                        .with_source(text)
                })
                .collect(),
        ))
    }

    /// Cross-references that serde cannot check, each with the key path it is about.
    fn problems(&self) -> Vec<(Vec<String>, String)> {
        let mut out = Vec::new();
        let mut problem = |keys: &[&str], message: String| {
            out.push((keys.iter().map(|k| k.to_string()).collect(), message));
        };
        for (scale, levels) in [("impact", &self.impact), ("urgency", &self.urgency)] {
            if levels.is_empty() {
                problem(&[scale], format!("`{scale}` needs at least one level"));
            }
            for (i, level) in levels.iter().enumerate() {
                if levels[..i].contains(level) {
                    problem(&[scale], format!("{scale} level `{level}` is listed twice"));
                }
            }
        }
        for impact in &self.impact {
            let Some(row) = self.priority_matrix.get(impact) else {
                problem(
                    &["priority_matrix"],
                    format!("priority_matrix has no row for impact `{impact}`"),
                );
                continue;
            };
            for urgency in &self.urgency {
                if !row.contains_key(urgency) {
                    problem(
                        &["priority_matrix", impact],
                        format!("priority_matrix.{impact} has no priority for urgency `{urgency}`"),
                    );
                }
            }
        }
        for (impact, row) in &self.priority_matrix {
            if !self.impact.contains(impact) {
                problem(
                    &["priority_matrix", impact],
                    format!(
                        "priority_matrix names impact `{impact}`, which is not in `impact` ({})",
                        self.impact.join(", ")
                    ),
                );
            }
            for (urgency, priority) in row {
                if !self.urgency.contains(urgency) {
                    problem(
                        &["priority_matrix", impact, urgency],
                        format!(
                            "priority_matrix names urgency `{urgency}`, which is not in `urgency` ({})",
                            self.urgency.join(", ")
                        ),
                    );
                }
                if !self.priorities.contains_key(priority) {
                    problem(
                        &["priority_matrix", impact, urgency],
                        format!(
                            "priority `{priority}` has no targets under `priorities` (defined: {})",
                            self.priorities
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
        for (name, targets) in &self.priorities {
            if !self.is_calendar(&targets.calendar) {
                problem(
                    &["priorities", name, "calendar"],
                    format!(
                        "priority {name} uses calendar `{}`, which is not defined: {}",
                        targets.calendar,
                        self.calendar_choices()
                    ),
                );
            }
            if targets.restore.secs() <= 0 || targets.respond.secs() <= 0 {
                problem(
                    &["priorities", name],
                    format!("priority {name} needs respond and restore targets above zero"),
                );
            }
        }
        for (key, client) in &self.clients {
            if let Some(calendar) = &client.calendar
                && !self.is_calendar(calendar)
            {
                problem(
                    &["clients", key, "calendar"],
                    format!(
                        "client {key} uses calendar `{calendar}`, which is not defined: {}",
                        self.calendar_choices()
                    ),
                );
            }
            if !is_key(key) {
                problem(
                    &["clients", key],
                    format!("client key `{key}` must be lower-case letters, digits and dashes"),
                );
            }
        }
        for (name, def) in &self.calendars {
            if name == ALWAYS {
                problem(
                    &["calendars", name],
                    format!("`{ALWAYS}` is built in and cannot be redefined"),
                );
            }
            if def.days.is_empty() {
                problem(
                    &["calendars", name, "days"],
                    format!("calendar {name} has no working days"),
                );
            }
        }
        if !(self.at_risk.fraction() > 0.0 && self.at_risk.fraction() <= 1.0) {
            problem(
                &["at_risk"],
                format!(
                    "at_risk must be above 0% and at most 100%, not {}",
                    self.at_risk
                ),
            );
        }
        if self.reports.recurrence_window.secs() <= 0 {
            problem(
                &["reports", "recurrence_window"],
                "reports.recurrence_window must be above zero".to_string(),
            );
        }
        for code in self.closure_codes.keys() {
            if !is_key(code) {
                problem(
                    &["closure_codes", code],
                    format!("closure code `{code}` must be lower-case letters, digits and dashes"),
                );
            }
        }
        out
    }

    fn is_calendar(&self, name: &str) -> bool {
        name == ALWAYS || self.calendars.contains_key(name)
    }

    fn calendar_choices(&self) -> String {
        let mut names = vec![ALWAYS.to_string()];
        names.extend(self.calendars.keys().cloned());
        format!("use one of {}", names.join(", "))
    }

    /// The priority for an impact and urgency, from the matrix.
    pub fn priority_for(&self, impact: &str, urgency: &str) -> Option<&str> {
        self.priority_matrix
            .get(impact)?
            .get(urgency)
            .map(String::as_str)
    }

    pub fn targets(&self, priority: &str) -> Option<&PriorityTargets> {
        self.priorities.get(priority)
    }

    /// The calendar name that applies to a priority for an incident of `client`:
    /// a client's own calendar replaces `business`.
    pub fn calendar_name<'a>(&'a self, priority: &str, client: Option<&str>) -> Option<&'a str> {
        let name = self.targets(priority)?.calendar.as_str();
        if name == "business"
            && let Some(own) = client
                .and_then(|c| self.clients.get(c))
                .and_then(|c| c.calendar.as_deref())
        {
            return Some(own);
        }
        Some(name)
    }

    /// The calendar an SLA clock counts in, by name (`24x7` or a defined calendar).
    pub fn calendar(&self, name: &str) -> Option<Calendar> {
        if name == ALWAYS {
            return Some(Calendar::Always);
        }
        let def = self.calendars.get(name)?;
        let days: Vec<Weekday> = def.days.iter().map(|d| d.0).collect();
        let hours = match def.hours.close {
            Some(close) => {
                BusinessHours::new(def.timezone.0, &days, def.hours.open, close, &def.holidays)
            }
            None => BusinessHours::new_until_midnight(
                def.timezone.0,
                &days,
                def.hours.open,
                &def.holidays,
            ),
        };
        hours.ok().map(Calendar::Business)
    }

    /// The calendar for a priority of an incident of `client` (see [`Config::calendar_name`]).
    pub fn calendar_for(&self, priority: &str, client: Option<&str>) -> Option<Calendar> {
        self.calendar(self.calendar_name(priority, client)?)
    }

    /// A client's display name (`clients.<key>.name`), or the key when it is not configured.
    pub fn client_name(&self, key: &str) -> String {
        self.clients
            .get(key)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| key.to_string())
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.organization.timezone.0
    }
}

/// Keys that become part of file names or command arguments.
pub fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The configuration `mim init` writes: DESIGN.md's appendix, commented.
pub const DEFAULT_CONFIG: &str = include_str!("default-mim.yaml");

// JSON Schemas of the values that mim.yaml writes as strings (`mim schema`).

/// A string value for editors: a pattern, a description and examples.
fn string_schema(pattern: Option<&str>, description: &str, examples: &[&str]) -> schemars::Schema {
    let mut schema = schemars::json_schema!({
        "type": "string",
        "description": description,
        "examples": examples,
    });
    if let Some(pattern) = pattern {
        schema.insert("pattern".into(), pattern.into());
    }
    schema
}

impl schemars::JsonSchema for TimeZone {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TimeZone".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        string_schema(
            Some("^[A-Za-z0-9_+/-]+$"),
            "An IANA time zone name",
            &["UTC", "Europe/London", "America/New_York"],
        )
    }
}

impl schemars::JsonSchema for Day {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Day".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "description": "A weekday"
        })
    }
}

impl schemars::JsonSchema for Hours {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Hours".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        string_schema(
            Some("^ *([01][0-9]|2[0-3]):[0-5][0-9] *- *(([01][0-9]|2[0-3]):[0-5][0-9]|24:00) *$"),
            "Opening hours, opening and closing time (24:00 for midnight)",
            &["08:00-18:00"],
        )
    }
}

impl schemars::JsonSchema for Address {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Address".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        string_schema(
            Some("@"),
            "An e-mail address, optionally with a display name",
            &["noc@msp.example", "Northwind NOC <noc@msp.example>"],
        )
    }
}

impl schemars::JsonSchema for Threshold {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Threshold".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let share = generator.subschema_for::<Percent>();
        let after = generator.subschema_for::<Duration>();
        schemars::json_schema!({
            "description": "A share of the restore target (50%) or a duration (2h)",
            "anyOf": [share, after]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("mim.yaml"), text).map_err(|d| d.to_string())
    }

    #[test]
    fn the_default_configuration_is_valid() {
        let c = parse(DEFAULT_CONFIG).unwrap();
        assert_eq!(c.priority_for("high", "high"), Some("P1"));
        assert_eq!(c.priority_for("low", "low"), Some("P5"));
        assert_eq!(c.targets("P1").unwrap().restore.secs(), 4 * 3600);
        assert!(c.targets("P2").unwrap().major);
        assert!(!c.targets("P3").unwrap().major);
        assert_eq!(c.at_risk.fraction(), 0.75);
        assert_eq!(c.calendar_name("P3", None), Some("business"));
        assert_eq!(c.calendar_name("P3", Some("acme")), Some("acme-hours"));
        assert_eq!(c.calendar_name("P1", Some("acme")), Some("24x7"));
        assert_eq!(c.pir.start_within.secs(), 2 * 86_400);
        assert!(c.git.commit);
        assert_eq!(c.reports.recurrence_window.secs(), 30 * 86_400);
        assert!(
            matches!(c.calendar_for("P3", Some("acme")), Some(Calendar::Business(b)) if b.tz() == chrono_tz::America::New_York)
        );
        assert_eq!(c.calendar_for("P1", None), Some(Calendar::Always));
        let all_day = DEFAULT_CONFIG.replace("\"07:00-19:00\"", "\"00:00-24:00\"");
        assert!(parse(&all_day).unwrap().calendar("acme-hours").is_some());
    }

    #[test]
    fn a_misspelt_key_names_line_and_column() {
        let text = DEFAULT_CONFIG.replace("\nurgency:", "\nurgencyy:");
        let err = parse(&text).unwrap_err();
        assert!(err.starts_with("mim.yaml:"), "{err}");
        assert!(err.contains("unknown field `urgencyy`"), "{err}");
        let line = DEFAULT_CONFIG
            .lines()
            .position(|l| l.starts_with("urgency:"))
            .unwrap()
            + 1;
        assert!(err.starts_with(&format!("mim.yaml:{line}:1:")), "{err}");
    }

    #[test]
    fn a_bad_duration_names_line_and_column() {
        let text = DEFAULT_CONFIG.replace("respond: 15m", "respond: 15x");
        let err = parse(&text).unwrap_err();
        let line = DEFAULT_CONFIG
            .lines()
            .position(|l| l.contains("respond: 15m"))
            .unwrap()
            + 1;
        assert!(err.starts_with(&format!("mim.yaml:{line}:")), "{err}");
        assert!(err.contains("invalid duration `15x`"), "{err}");
    }

    #[test]
    fn cross_references_are_checked_with_positions() {
        let text = DEFAULT_CONFIG.replace("high:   {high: P1,", "high:   {high: P9,");
        let err = parse(&text).unwrap_err();
        assert!(err.contains("priority `P9` has no targets"), "{err}");
        let line = text.lines().position(|l| l.contains("P9")).unwrap() + 1;
        assert!(err.starts_with(&format!("mim.yaml:{line}:")), "{err}");

        let text = DEFAULT_CONFIG.replace("calendar: acme-hours", "calendar: moon-hours");
        let err = parse(&text).unwrap_err();
        assert!(
            err.contains("calendar `moon-hours`, which is not defined"),
            "{err}"
        );
    }

    #[test]
    fn values_are_checked_where_they_are_written() {
        for (from, to, expect) in [
            (
                "timezone: Europe/London",
                "timezone: Europe/Londn",
                "unknown time zone",
            ),
            ("at_risk: 75%", "at_risk: 75", "invalid percentage"),
            ("restore: 4h,", "restore: 4x,", "invalid duration `4x`"),
            (
                "email: incidents@msp.example",
                "email: not-an-address",
                "invalid e-mail address",
            ),
            (
                "hours: \"08:00-18:00\"",
                "hours: \"18:00-08:00\"",
                "opening time must come before",
            ),
            (
                "major: true,  respond: 15m",
                "major: yes,  respond: 15m",
                "invalid type",
            ),
        ] {
            assert!(DEFAULT_CONFIG.contains(from), "{from}");
            let text = DEFAULT_CONFIG.replacen(from, to, 1);
            let err = parse(&text).unwrap_err();
            assert!(err.contains(expect), "{to}: {err}");
            let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
            assert!(err.starts_with(&format!("mim.yaml:{line}:")), "{to}: {err}");
        }
    }

    #[test]
    fn the_recurrence_window_is_configurable_and_checked() {
        let text = format!("{DEFAULT_CONFIG}\nreports: {{recurrence_window: 14d}}\n");
        assert_eq!(
            parse(&text).unwrap().reports.recurrence_window.secs(),
            14 * 86_400
        );
        let text = format!("{DEFAULT_CONFIG}\nreports: {{recurrence_window: 0m}}\n");
        let err = parse(&text).unwrap_err();
        assert!(
            err.contains("recurrence_window must be above zero"),
            "{err}"
        );
        let line = text.lines().count();
        assert!(err.starts_with(&format!("mim.yaml:{line}:")), "{err}");
        let text = format!("{DEFAULT_CONFIG}\nreports: {{recurence_window: 14d}}\n");
        assert!(parse(&text).unwrap_err().contains("unknown field"));
    }

    #[test]
    fn addresses() {
        assert!(Address::parse("noc@msp.example").is_ok());
        assert!(Address::parse("NOC Team <noc@msp.example>").is_ok());
        for bad in [
            "",
            "noc",
            "noc@",
            "@x",
            "a@b..c",
            "a b@c.d",
            "x@y.z\r\nBcc: e@vil",
            "<a@b.c",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad:?}");
        }
    }
}
