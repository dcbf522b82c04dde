//! What the SLA engine produces: clocks (one per rule and subject) and findings
//! (a breach or a risk someone must act on), with their stable names.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::{self, Timestamp};
use crate::units::Duration;

/// The SLA rules, named as in `mim check --format json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Reported → accepted (or rejected).
    Respond,
    /// Reported → resolved, less time on hold, in the priority's calendar.
    Restore,
    /// The longest gap allowed before the first and between internal status updates.
    UpdateInternal,
    /// The same for the client's audience.
    UpdateClient,
    /// A message promised its reader the next one by a time ("next update by"), where no
    /// cadence clock holds us to it: to management, a client's management, a client
    /// whose service is back, or a time the author gave with `--next`.
    Promise,
    /// A hierarchic escalation level reached without management told.
    Escalation,
    /// A required PIR not started within `pir.start_within` of the resolve.
    PirStart,
    /// A PIR action item open past its due date.
    PirAction,
    /// A file that does not load or does not agree with mim.yaml (from `validate`).
    Validation,
    /// A message in `outbox/` left unsent longer than `mail.unsent_warning`.
    UnsentMail,
    /// A message whose send was interrupted while sendmail had it: it may or may not
    /// have gone out (see `mim send --resend-uncertain`).
    UncertainMail,
    /// A commit set aside by a sync (it could not stand on the remote's history), not
    /// settled yet (see `crate::sync::conflicts`).
    Conflict,
    /// A report a regulatory regime requires (`regulations` in mim.yaml), from the
    /// classification (or awareness, or the previous report) to its submission
    /// (`mim notify`); the clock's name is `<regime>/<stage>`. Reported whatever the
    /// incident's status: the law's deadlines outlive a close.
    RegulatoryNotification,
    /// An incident a regime applies to, not classified under it within the regime's
    /// `classify_within` of awareness (`mim classify`); the clock's name is the regime.
    RegulatoryClassification,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Respond => "respond",
            Rule::Restore => "restore",
            Rule::UpdateInternal => "update-internal",
            Rule::UpdateClient => "update-client",
            Rule::Promise => "promise",
            Rule::Escalation => "escalation",
            Rule::PirStart => "pir-start",
            Rule::PirAction => "pir-action",
            Rule::Validation => "validation",
            Rule::UnsentMail => "unsent-mail",
            Rule::UncertainMail => "uncertain-mail",
            Rule::Conflict => "conflict",
            Rule::RegulatoryNotification => "regulatory-notification",
            Rule::RegulatoryClassification => "regulatory-classification",
        }
    }
}

impl Rule {
    /// A clock of a regulatory regime (see [`crate::regulation`]).
    pub fn is_regulatory(self) -> bool {
        matches!(
            self,
            Rule::RegulatoryNotification | Rule::RegulatoryClassification
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a clock stands at "now".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockState {
    /// Counting, below the `at_risk` share of its target.
    Running,
    /// Stopped for now (on hold); not breached.
    Paused,
    /// Counting, past the `at_risk` share of its target, not yet due.
    AtRisk,
    /// Stopped within its target.
    Met,
    /// Past its due time, stopped late or still counting.
    Breached,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Paused => "paused",
            ClockState::AtRisk => "at-risk",
            ClockState::Met => "met",
            ClockState::Breached => "breached",
        }
    }
}

impl fmt::Display for ClockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One SLA clock of one incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clock {
    pub rule: Rule,
    /// Which one, where a rule has several clocks: the escalation level's `notify`
    /// name, the action item's ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The affected client whose clock it is, on an incident affecting several (each
    /// has its own respond, restore and client-update clocks); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The target in force at the end of the clock (stop or now), in working time.
    #[serde(rename = "target_s", serialize_with = "secs")]
    pub target: Duration,
    /// Working time counted so far (to the stop, or to now), pauses left out.
    #[serde(rename = "elapsed_s", serialize_with = "secs")]
    pub elapsed: Duration,
    /// When this clock started; for update clocks, the start of the current gap.
    #[serde(with = "time::rfc3339")]
    pub started: Timestamp,
    /// When the target is (or was) reached; `None` while paused with no end in sight.
    #[serde(with = "time::rfc3339::option")]
    pub due: Option<Timestamp>,
    /// When the clock stopped (accepted, resolved, escalated, PIR started, action done).
    #[serde(with = "time::rfc3339::option")]
    pub stopped: Option<Timestamp>,
    pub state: ClockState,
}

impl Clock {
    /// Still counting (running, at risk, paused, or breached and not yet stopped).
    pub fn is_open(&self) -> bool {
        self.stopped.is_none()
    }
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.secs())
}

/// How serious a finding is: `breach` and `error` fail `mim check`; `at-risk` warns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// A validation problem: a file that does not load or does not fit mim.yaml.
    Error,
    /// An SLA target missed.
    Breach,
    /// A running clock past the `at_risk` share of its target.
    AtRisk,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Breach => "breach",
            Level::AtRisk => "at-risk",
        }
    }

    /// `breach` and `error` fail the check; `at-risk` only under `--strict`.
    pub fn is_error(self) -> bool {
        self != Level::AtRisk
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding is about in the incident's files, so CI can annotate the right line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// A key of `incident.yaml` (e.g. `reported`).
    Record(&'static str),
    /// An entry of `timeline.yaml`, by its index in file order.
    Entry(usize),
}

/// A breach or a risk found by the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub incident: String,
    pub rule: Rule,
    /// The clock's name, where a rule has several (see [`Clock::name`]).
    pub name: Option<String>,
    /// The client whose clock it is (see [`Clock::client`]).
    pub client: Option<String>,
    pub level: Level,
    pub message: String,
    pub anchor: Anchor,
    pub due: Option<Timestamp>,
    /// When the late thing happened; `None` when it still has not.
    pub actual: Option<Timestamp>,
    /// Seconds (wall-clock) from `due` to `actual`, or to now when it still has not happened.
    pub overdue_by: Option<i64>,
}
