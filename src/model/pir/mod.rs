//! The words of the post incident review as they appear in timeline events: why a PIR
//! was started, what kind of action an item is, and which review session was held.

pub mod ids;
mod review;

use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(test)]
pub use review::end_of_day;
pub use review::{Action, ActionStatus, Pir, Problem, Review};

/// Why a post incident review was started (the procedure's entry conditions).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum PirReason {
    /// The priority's policy requires one (`pir: required` in mim.yaml).
    Required,
    /// The client asked for one.
    ClientRequest,
    /// The service delivery manager or the VP services decided one is appropriate.
    Management,
}

impl PirReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PirReason::Required => "required",
            PirReason::ClientRequest => "client-request",
            PirReason::Management => "management",
        }
    }

    /// The reason in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            PirReason::Required => "required by the priority's policy",
            PirReason::ClientRequest => "requested by the client",
            PirReason::Management => "decided by service delivery management",
        }
    }
}

/// What an action item changes.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// A change to how we work: procedure, runbook, staffing, communication.
    #[default]
    Process,
    /// A technical change: configuration, monitoring, capacity, hardware.
    Technical,
    /// Something the client does or decides.
    Client,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Process => "process",
            ActionKind::Technical => "technical",
            ActionKind::Client => "client",
        }
    }
}

/// The two review sessions of the procedure: 03g.02 internal and 03g.03 client.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewSession {
    Internal,
    Client,
}

impl ReviewSession {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewSession::Internal => "internal",
            ReviewSession::Client => "client",
        }
    }
}

impl fmt::Display for PirReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ReviewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
