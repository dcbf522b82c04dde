//! The organisation's procedure as data: the `mim.yaml` model, its loading and validation.

pub mod intake;
pub mod regulation;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Deserializer};

use crate::address::Mailbox;
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
    pub closure_codes: BTreeMap<String, ClosureCode>,
    #[serde(default)]
    pub pir: PirPolicy,
    #[serde(default)]
    pub mail: Mail,
    #[serde(default)]
    pub git: GitPolicy,
    #[serde(default)]
    pub reports: ReportsPolicy,
    /// People's e-mail addresses by name, for the author of their commits.
    #[serde(default)]
    pub people: BTreeMap<String, Mailbox>,
    #[serde(default)]
    pub audit: AuditPolicy,
    /// The roles people hold in an incident (`mim assign --role`).
    #[serde(default = "default_roles")]
    pub roles: Vec<String>,
    #[serde(default)]
    pub sla: SlaPolicy,
    /// How `mim intake` turns alerts into proposals (see docs/intake-and-regulation.md).
    #[serde(default)]
    pub intake: intake::IntakePolicy,
    /// Regulatory regimes and their notification deadlines (NIS2, DORA, …).
    #[serde(default)]
    pub regulations: BTreeMap<String, regulation::Regime>,
    #[serde(default)]
    pub templates: TemplatePolicy,
    /// Scheduled maintenance the status pages announce while it is upcoming or under way.
    #[serde(default)]
    pub maintenance: Vec<Maintenance>,
    /// Where new incidents' directories go: `flat` (`incidents/<ID>/`) or `monthly`
    /// (`incidents/YYYY/MM/<ID>/`, for large repositories; `mim migrate` moves a flat
    /// one). Incidents are read from either place whatever it says.
    #[serde(default)]
    pub layout: Layout,
}

/// How incident directories are laid out under `incidents/` (`layout` in `mim.yaml`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `incidents/<ID>/`.
    #[default]
    Flat,
    /// `incidents/YYYY/MM/<ID>/`, by the date in the ID: every directory stays small, so
    /// the trees a commit rewrites do too.
    Monthly,
}

/// A window of scheduled maintenance, for the status pages.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    pub title: String,
    #[schemars(with = "crate::time::Timestamp")]
    #[serde(with = "crate::time::rfc3339")]
    pub from: crate::time::Timestamp,
    #[schemars(with = "crate::time::Timestamp")]
    #[serde(with = "crate::time::rfc3339")]
    pub until: crate::time::Timestamp,
    /// The services it touches (the status pages' components).
    #[serde(default)]
    pub services: Vec<String>,
    /// The clients whose pages show it (keys under `clients`); none: every client's.
    #[serde(default)]
    pub clients: Vec<String>,
    /// What the clients' people should know.
    #[serde(default)]
    pub note: Option<String>,
}

/// The budget of every template render (docs/templates.md): a repository's template
/// cannot hang or exhaust `mim check`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatePolicy {
    /// minijinja's fuel: about one unit per instruction and per 64 bytes of data a
    /// template makes; a render that uses it up fails.
    #[serde(default = "default_fuel")]
    #[schemars(range(min = 1, max = crate::limits::TEMPLATE_FUEL_MAX))]
    pub fuel: u64,
    /// The most one render may write, like 1MiB or 512KiB.
    #[serde(default = "default_max_output")]
    pub max_output: crate::limits::Size,
}

fn default_fuel() -> u64 {
    crate::limits::TEMPLATE_FUEL
}

fn default_max_output() -> crate::limits::Size {
    crate::limits::Size(crate::limits::TEMPLATE_OUTPUT)
}

impl Default for TemplatePolicy {
    fn default() -> Self {
        TemplatePolicy {
            fuel: default_fuel(),
            max_output: default_max_output(),
        }
    }
}

impl TemplatePolicy {
    pub fn budget(&self) -> crate::limits::Budget {
        crate::limits::Budget {
            fuel: self.fuel,
            max_output: self.max_output.bytes(),
        }
    }
}

/// The role `mim accept` and `mim handover` give.
pub const INCIDENT_MANAGER: &str = "incident-manager";

fn default_roles() -> Vec<String> {
    [
        INCIDENT_MANAGER,
        "communications-lead",
        "technical-lead",
        "scribe",
    ]
    .map(String::from)
    .to_vec()
}

/// How SLA clocks are counted.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// The instant every SLA clock starts from.
    #[serde(default)]
    pub start: SlaStart,
}

/// The instant SLA clocks start: the report (the contract), or the impact start or its
/// detection as recorded with `mim declare --impact-started/--detected`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum SlaStart {
    #[default]
    Reported,
    ImpactStarted,
    Detected,
}

fn default_at_risk() -> Percent {
    Percent::from_fraction(0.75)
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub name: String,
    pub email: Mailbox,
    #[serde(default = "utc")]
    pub timezone: TimeZone,
    /// A logo (PNG, JPEG, GIF or SVG file of the repository, at most 256 KiB), embedded in
    /// the e-mails, status pages and reports.
    #[serde(default)]
    pub logo: Option<String>,
    /// The brand colour of their header, `#rrggbb`.
    #[serde(default)]
    pub colour: Option<String>,
    /// How clients reach the service desk, in every e-mail's and page's footer.
    #[serde(default)]
    pub support_contact: Option<String>,
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
    #[serde(default, deserialize_with = "crate::time::date::deserialize_list")]
    pub holidays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub name: String,
    #[serde(default)]
    pub calendar: Option<String>,
    /// The zone the client's people read times in, when its calendar does not give one.
    #[serde(default)]
    pub timezone: Option<TimeZone>,
    #[serde(default)]
    pub contacts: Contacts,
    /// The client's contract where it differs from the priority targets: per priority,
    /// its own respond, restore or client-update targets.
    #[serde(default)]
    pub priorities: BTreeMap<String, ClientTargets>,
    /// The services it takes from us: its status page's components (besides those its
    /// incidents name).
    #[serde(default)]
    pub services: Vec<String>,
}

/// A client's own targets for one priority; what is not given is the priority's.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientTargets {
    #[serde(default)]
    pub respond: Option<Duration>,
    #[serde(default)]
    pub restore: Option<Duration>,
    #[serde(default)]
    pub update_client: Option<Duration>,
}

/// A client's people, per audience.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    #[serde(default)]
    pub client: Vec<Mailbox>,
    #[serde(default)]
    pub management: Vec<Mailbox>,
    #[serde(default)]
    pub end_users: Vec<Mailbox>,
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
    pub to: Vec<Mailbox>,
    #[serde(default)]
    pub cc: Vec<Mailbox>,
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
    /// `mim check` warns about a message in `outbox/` left unsent longer than this.
    #[serde(default = "fifteen_minutes")]
    pub unsent_warning: Duration,
}

fn default_sendmail() -> String {
    "sendmail -t -i".to_string()
}

fn fifteen_minutes() -> Duration {
    Duration::from_secs(15 * 60)
}

impl Default for Mail {
    fn default() -> Self {
        Mail {
            sendmail: default_sendmail(),
            unsent_warning: fifteen_minutes(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitPolicy {
    #[serde(default = "yes")]
    pub commit: bool,
    /// How long a command waits for another mim to finish with the repository.
    #[serde(default = "thirty_seconds")]
    pub lock_timeout: Duration,
    /// The git remote the team shares the repository through [default: `origin`, when
    /// this clone has one].
    #[serde(default)]
    pub remote: Option<String>,
    /// `auto`: every command fetches before and pushes after; `manual`: only `mim sync`
    /// does; `off`: never [default: `auto` when the remote exists].
    #[serde(default)]
    pub sync: Option<SyncMode>,
    /// The longest mim waits for the remote (a fetch, a push) before going on offline.
    #[serde(default = "five_seconds")]
    pub sync_timeout: Duration,
}

fn five_seconds() -> Duration {
    Duration::from_secs(5)
}

/// How a clone shares its commits through the remote (`git.sync`, or `git config
/// mim.sync` for one clone); see docs/team.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Every command fetches first and pushes after.
    Auto,
    /// Only `mim sync` fetches and pushes.
    Manual,
    /// Never.
    Off,
}

impl SyncMode {
    /// `auto`, `manual` or `off`, as `git config mim.sync` holds it.
    pub fn parse(text: &str) -> Option<SyncMode> {
        match text.trim() {
            "auto" => Some(SyncMode::Auto),
            "manual" => Some(SyncMode::Manual),
            "off" => Some(SyncMode::Off),
            _ => None,
        }
    }
}

/// Whether `name` can be a git remote's name (not a URL, not an option).
fn is_remote_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn yes() -> bool {
    true
}

fn thirty_seconds() -> Duration {
    Duration::from_secs(30)
}

impl Default for GitPolicy {
    fn default() -> Self {
        GitPolicy {
            commit: true,
            lock_timeout: thirty_seconds(),
            remote: None,
            sync: None,
            sync_timeout: five_seconds(),
        }
    }
}

impl GitPolicy {
    pub fn lock_wait(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.lock_timeout.secs().max(0) as u64)
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

/// Settings of `mim audit`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPolicy {
    /// An entry dated more than this before its commit is reported as backfilled.
    #[serde(default = "one_hour")]
    pub backfill_margin: Duration,
}

fn one_hour() -> Duration {
    Duration::from_secs(3600)
}

impl Default for AuditPolicy {
    fn default() -> Self {
        AuditPolicy {
            backfill_margin: one_hour(),
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

impl Config {
    /// Parse and validate configuration text; `path` is only used in diagnostics.
    pub fn parse(path: &Path, text: &str) -> Result<Config, Diagnostics> {
        crate::yaml_guard::diagnose(path, text).map_err(|d| Diagnostics(vec![d]))?;
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
        self.scale_problems(&mut problem);
        self.matrix_problems(&mut problem);
        self.priority_problems(&mut problem);
        self.client_problems(&mut problem);
        self.calendar_problems(&mut problem);
        self.recipient_problems(&mut problem);
        self.role_problems(&mut problem);
        self.branding_problems(&mut problem);
        self.code_and_git_problems(&mut problem);
        self.limit_problems(&mut problem);
        out.extend(regulation::problems(self));
        out.extend(intake::problems(self));
        out
    }

    /// The impact and urgency scales: not empty, no level twice.
    fn scale_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
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
    }

    /// The priority matrix: a priority for every impact and urgency, and only for those, each with targets.
    fn matrix_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
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
    }

    /// Each priority's targets: a defined calendar, respond and restore above zero.
    fn priority_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
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
    }

    /// Each client: its key, its calendar, its own targets.
    fn client_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
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
            for (priority, own) in &client.priorities {
                if !self.priorities.contains_key(priority) {
                    problem(
                        &["clients", key, "priorities", priority],
                        format!(
                            "client {key} has targets for priority {priority}, which is not under `priorities`"
                        ),
                    );
                }
                if [own.respond, own.restore]
                    .iter()
                    .flatten()
                    .any(|d| d.secs() <= 0)
                {
                    problem(
                        &["clients", key, "priorities", priority],
                        format!(
                            "client {key}'s respond and restore targets for {priority} must be above zero"
                        ),
                    );
                }
            }
        }
    }

    /// The calendars (the built-in one not redefined, working days in each), the at-risk
    /// share and the recurrence window.
    fn calendar_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
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
    }

    /// No mailbox both one of the provider's recipients and a client's contact.
    fn recipient_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
        for (keys, list, mailbox) in self.provider_recipients() {
            if let Some((client, contacts)) = self.client_contact(mailbox) {
                let mut at = vec!["audiences", list];
                at.extend(keys);
                problem(
                    &at,
                    format!(
                        "{} is one of the provider's own recipients (audiences.{list}) and a contact of client {client} (contacts.{contacts}): a message never goes to both; use separate addresses",
                        mailbox.address
                    ),
                );
            }
        }
    }

    /// The roles: keys, none twice, the incident manager among them.
    fn role_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
        for (i, role) in self.roles.iter().enumerate() {
            if !is_key(role) {
                problem(
                    &["roles"],
                    format!("role `{role}` must be lower-case letters, digits and dashes"),
                );
            }
            if self.roles[..i].contains(role) {
                problem(&["roles"], format!("role `{role}` is listed twice"));
            }
        }
        if !self.roles.iter().any(|r| r == INCIDENT_MANAGER) {
            problem(
                &["roles"],
                format!(
                    "roles must include `{INCIDENT_MANAGER}`: `mim accept` and `mim handover` give it"
                ),
            );
        }
    }

    /// Closure codes' keys, the git remote's name and the sync timeout.
    fn code_and_git_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
        for code in self.closure_codes.keys() {
            if !is_key(code) {
                problem(
                    &["closure_codes", code],
                    format!("closure code `{code}` must be lower-case letters, digits and dashes"),
                );
            }
        }
        if let Some(remote) = &self.git.remote
            && !is_remote_name(remote)
        {
            problem(
                &["git", "remote"],
                format!(
                    "git.remote `{}` is not a remote's name (`git remote` lists them; a URL goes into `git remote add NAME URL`)",
                    remote.escape_debug()
                ),
            );
        }
        if self.git.sync_timeout.secs() < 1 {
            problem(
                &["git", "sync_timeout"],
                "git.sync_timeout must be at least 1s (to stop syncing, set git.sync: off)".into(),
            );
        }
    }

    /// Names within the name limit; the template budget within its bounds.
    fn limit_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
        use crate::limits::{Size, TEMPLATE_FUEL_MAX, TEMPLATE_OUTPUT_MAX, name_problem};
        for (keys, name) in self.names() {
            let what = format!("`{}`", keys.join("."));
            if let Some(message) = name_problem(&what, name.chars().count()) {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                problem(&keys, message);
            }
        }
        if !(1..=TEMPLATE_FUEL_MAX).contains(&self.templates.fuel) {
            problem(
                &["templates", "fuel"],
                format!(
                    "templates.fuel must be between 1 and {TEMPLATE_FUEL_MAX}, not {}",
                    self.templates.fuel
                ),
            );
        }
        let max_output = self.templates.max_output.bytes();
        if !(1024..=TEMPLATE_OUTPUT_MAX).contains(&max_output) {
            problem(
                &["templates", "max_output"],
                format!(
                    "templates.max_output must be between 1KiB and {} (what mim reads of a file), not {}",
                    Size(TEMPLATE_OUTPUT_MAX),
                    self.templates.max_output
                ),
            );
        }
    }

    /// Every name-like value of the configuration (levels, priorities, calendars,
    /// clients and their names, roles, categories, codes, escalation levels, people),
    /// with the keys that lead to it, for the name limit.
    fn names(&self) -> Vec<(Vec<String>, &str)> {
        let key = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let mut out: Vec<(Vec<String>, &str)> = vec![(
            key(&["organization", "name"]),
            self.organization.name.as_str(),
        )];
        for (list, values) in [
            ("impact", &self.impact),
            ("urgency", &self.urgency),
            ("categories", &self.categories),
            ("roles", &self.roles),
        ] {
            out.extend(values.iter().map(|v| (key(&[list]), v.as_str())));
        }
        for (list, names) in [
            ("priorities", self.priorities.keys().collect::<Vec<_>>()),
            ("calendars", self.calendars.keys().collect()),
            ("clients", self.clients.keys().collect()),
            ("closure_codes", self.closure_codes.keys().collect()),
            ("people", self.people.keys().collect()),
        ] {
            out.extend(names.into_iter().map(|n| (key(&[list, n]), n.as_str())));
        }
        for (k, client) in &self.clients {
            out.push((key(&["clients", k, "name"]), client.name.as_str()));
        }
        for level in &self.escalation.hierarchic {
            out.push((key(&["escalation", "hierarchic"]), level.notify.as_str()));
        }
        out
    }

    /// Every address of `audiences`, with its key path below the list and the list's name.
    fn provider_recipients(&self) -> Vec<(Vec<&'static str>, &'static str, &Mailbox)> {
        let a = &self.audiences;
        let mut out = Vec::new();
        for (list, r) in [("internal", &a.internal), ("management", &a.management)] {
            for (key, mailboxes) in [("to", &r.to), ("cc", &r.cc)] {
                out.extend(mailboxes.iter().map(|m| (vec![key], list, m)));
            }
        }
        out
    }

    /// The client and the contact list that name `mailbox`, if any.
    fn client_contact(&self, mailbox: &Mailbox) -> Option<(&str, &'static str)> {
        self.clients.iter().find_map(|(key, c)| {
            let c = &c.contacts;
            [
                ("client", &c.client),
                ("management", &c.management),
                ("end_users", &c.end_users),
            ]
            .into_iter()
            .find(|(_, list)| list.iter().any(|m| m.same_address(mailbox)))
            .map(|(list, _)| (key.as_str(), list))
        })
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

    /// The targets of `priority` under `client`'s contract: the priority's, with what
    /// `clients.<client>.priorities` overrides.
    pub fn client_targets(
        &self,
        priority: &str,
        client: Option<&str>,
    ) -> Option<std::borrow::Cow<'_, PriorityTargets>> {
        let targets = self.targets(priority)?;
        let Some(own) = client
            .and_then(|c| self.clients.get(c))
            .and_then(|c| c.priorities.get(priority))
        else {
            return Some(std::borrow::Cow::Borrowed(targets));
        };
        let mut merged = targets.clone();
        merged.respond = own.respond.unwrap_or(merged.respond);
        merged.restore = own.restore.unwrap_or(merged.restore);
        merged.update_client = own.update_client.or(merged.update_client);
        Some(std::borrow::Cow::Owned(merged))
    }

    /// The time zone `client`'s people read times in: its calendar's, else its own
    /// `timezone`, else the organisation's.
    pub fn client_tz(&self, client: &str) -> chrono_tz::Tz {
        let c = self.clients.get(client);
        c.and_then(|c| c.calendar.as_deref())
            .and_then(|name| self.calendars.get(name))
            .map(|cal| cal.timezone.0)
            .or_else(|| c.and_then(|c| c.timezone.as_ref()).map(|t| t.0))
            .unwrap_or_else(|| self.tz())
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

    /// The clients' keys, for a message that names them, or how to add one when there
    /// are none.
    pub fn client_list(&self) -> String {
        if self.clients.is_empty() {
            "none (add one under `clients`)".into()
        } else {
            self.clients
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        }
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

    /// The e-mail address `people:` gives for `name`.
    pub fn email_of(&self, name: &str) -> Option<&str> {
        self.people.get(name).map(|m| m.address.as_str())
    }
}

/// A closure code of `closure_codes`: what it means (`Root cause removed`), written as
/// text, or as `{text: …, kind: workaround | fix | other}` to say what kind it is.
#[derive(Debug, Clone, PartialEq, schemars::JsonSchema)]
#[schemars(untagged)]
pub enum ClosureCode {
    Text(String),
    Full {
        text: String,
        #[schemars(default)]
        kind: Option<ClosureKind>,
    },
}

/// What a closure says of the root cause: `mim resolve` holds its flags to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ClosureKind {
    /// Service restored, the root cause still open: implies `--workaround` (and so a
    /// problem ticket).
    Workaround,
    /// The root cause removed: a workaround closure is refused.
    Fix,
    /// Neither (no fault found, …): either is allowed.
    Other,
}

impl ClosureCode {
    pub fn text(&self) -> &str {
        match self {
            ClosureCode::Text(t) | ClosureCode::Full { text: t, .. } => t,
        }
    }
}

impl<'de> Deserialize<'de> for ClosureCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = ClosureCode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("what the code means, or {text: …, kind: workaround | fix | other}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ClosureCode, E> {
                Ok(ClosureCode::Text(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ClosureCode, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Full {
                    text: String,
                    #[serde(default)]
                    kind: Option<ClosureKind>,
                }
                let full = Full::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(ClosureCode::Full {
                    text: full.text,
                    kind: full.kind,
                })
            }
        }
        d.deserialize_any(Visit)
    }
}

impl Config {
    /// What kind of closure `code` is: as `closure_codes` says, else by the built-in
    /// codes' names (`workaround`; `permanent-fix`, `vendor-fix`, `config-change`,
    /// `hardware-replaced`, `capacity-added` are fixes), else [`ClosureKind::Other`].
    pub fn closure_kind(&self, code: &str) -> ClosureKind {
        if let Some(ClosureCode::Full {
            kind: Some(kind), ..
        }) = self.closure_codes.get(code)
        {
            return *kind;
        }
        match code {
            "workaround" => ClosureKind::Workaround,
            "permanent-fix" | "vendor-fix" | "config-change" | "hardware-replaced"
            | "capacity-added" => ClosureKind::Fix,
            _ => ClosureKind::Other,
        }
    }
}

impl Config {
    /// The colour, the logo's name and the maintenance windows, as the pages use them.
    fn branding_problems(&self, problem: &mut dyn FnMut(&[&str], String)) {
        let org = &self.organization;
        if let Some(colour) = &org.colour
            && !is_colour(colour)
        {
            problem(
                &["organization", "colour"],
                format!(
                    "colour `{}` is not #rrggbb, like #0b5cad",
                    colour.escape_debug()
                ),
            );
        }
        if let Some(logo) = &org.logo
            && logo_type(logo).is_none()
        {
            problem(
                &["organization", "logo"],
                format!(
                    "logo `{}`: give a .png, .jpg, .gif or .svg file of the repository",
                    logo.escape_debug()
                ),
            );
        }
        for (i, m) in self.maintenance.iter().enumerate() {
            let index = i.to_string();
            if m.until <= m.from {
                problem(
                    &["maintenance", &index, "until"],
                    "`until` must be after `from`".to_string(),
                );
            }
            for client in m.clients.iter().filter(|c| !self.clients.contains_key(*c)) {
                problem(
                    &["maintenance", &index, "clients"],
                    format!("no client `{client}` under `clients`"),
                );
            }
        }
    }
}

/// The media type of a logo file, by its extension.
pub fn logo_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// `#rrggbb`.
pub fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
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

impl schemars::JsonSchema for Mailbox {
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
    fn roles_and_the_sla_start_are_configurable_and_checked() {
        let c = parse(DEFAULT_CONFIG).unwrap();
        assert_eq!(c.roles[0], INCIDENT_MANAGER);
        assert!(c.roles.iter().any(|r| r == "scribe"));
        assert_eq!(c.sla.start, SlaStart::Reported);
        let text = format!("{DEFAULT_CONFIG}\nsla: {{start: impact-started}}\n");
        assert_eq!(parse(&text).unwrap().sla.start, SlaStart::ImpactStarted);
        let text = format!("{DEFAULT_CONFIG}\nsla: {{start: declared}}\n");
        let err = parse(&text).unwrap_err();
        assert!(err.contains("unknown variant `declared`"), "{err}");
        let line = text.lines().count();
        assert!(err.starts_with(&format!("mim.yaml:{line}:")), "{err}");
        let text = format!("{DEFAULT_CONFIG}\nsla: {{begin: detected}}\n");
        assert!(parse(&text).unwrap_err().contains("unknown field `begin`"));
        let text = DEFAULT_CONFIG.replace(
            "roles: [incident-manager, communications-lead,",
            "roles: [Comms Lead, communications-lead,",
        );
        let err = parse(&text).unwrap_err();
        assert!(err.contains("role `Comms Lead` must be"), "{err}");
        assert!(
            err.contains("roles must include `incident-manager`"),
            "{err}"
        );
    }

    #[test]
    fn an_address_on_both_sides_of_the_line_is_refused() {
        let text = DEFAULT_CONFIG.replace(
            "management: {to: [service-delivery@msp.example]}",
            "management: {to: [service-delivery@msp.example, CIO@acme.example]}",
        );
        let err = parse(&text).unwrap_err();
        assert!(
            err.contains("CIO@acme.example is one of the provider's own recipients (audiences.management) and a contact of client acme (contacts.management)"),
            "{err}"
        );
        let line = text.lines().position(|l| l.contains("CIO@")).unwrap() + 1;
        assert!(err.starts_with(&format!("mim.yaml:{line}:")), "{err}");
    }

    #[test]
    fn addresses_are_checked_by_the_mailer_s_parser_where_they_are_written() {
        let text = DEFAULT_CONFIG.replace(
            "client: [it-ops@acme.example]",
            "client: [\"Müller, Jörg <jm@client.example>\"]",
        );
        let err = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l.contains("Müller")).unwrap() + 1;
        assert!(err.starts_with(&format!("mim.yaml:{line}:")), "{err}");
        assert!(err.contains("must be in double quotes"), "{err}");
        let text = DEFAULT_CONFIG.replace(
            "client: [it-ops@acme.example]",
            "client: ['\"Müller, Jörg\" <jm@client.example>']",
        );
        let c = parse(&text).unwrap();
        let client = &c.clients["acme"].contacts.client[0];
        assert_eq!(client.name.as_deref(), Some("Müller, Jörg"));
    }

    #[test]
    fn people_and_audit_settings() {
        let text = format!(
            "{DEFAULT_CONFIG}\npeople: {{\"Ann Lee\": ann@msp.example}}\naudit: {{backfill_margin: 2h}}\n"
        );
        let config = Config::parse(Path::new("mim.yaml"), &text).unwrap();
        assert_eq!(config.email_of("Ann Lee"), Some("ann@msp.example"));
        assert_eq!(config.email_of("Bob"), None);
        assert_eq!(config.audit.backfill_margin.secs(), 7200);
        let text = format!("{DEFAULT_CONFIG}\naudit: {{backfill: 2h}}\n");
        assert!(parse(&text).unwrap_err().contains("unknown field"));
    }
}
