//! `incident.yaml`: what was reported, as declared. It changes only when a person edits it;
//! everything that happens afterwards is in the timeline.

use serde::{Deserialize, Serialize};

use crate::model::names::{self, Names};
use crate::time::{self, Timestamp};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub title: String,
    /// The service affected, or a list of the services affected.
    #[serde(deserialize_with = "names::non_empty")]
    pub service: Names,
    /// The client (a key under `clients` in mim.yaml), or a list of the clients affected
    /// when a shared platform fails for several; `mim affect` adds more later.
    #[serde(default, skip_serializing_if = "Names::is_empty")]
    pub client: Names,
    /// The configuration item affected, or a list of them, when known.
    #[serde(default, skip_serializing_if = "Names::is_empty")]
    pub ci: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Impact, urgency and priority as declared; reprioritisations are timeline events.
    pub impact: String,
    pub urgency: String,
    /// Kept as declared, so a later change of the matrix does not rewrite history.
    pub priority: String,
    pub reporter: String,
    /// When the incident was reported: every SLA clock starts here (unless `sla.start`
    /// in mim.yaml says otherwise).
    #[schemars(with = "crate::time::Timestamp")]
    #[serde(with = "time::rfc3339")]
    pub reported: Timestamp,
    /// When the impact began, if before the report (`declare --impact-started`).
    #[schemars(with = "Option<crate::time::Timestamp>")]
    #[serde(
        default,
        with = "time::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub impact_started: Option<Timestamp>,
    /// When the impact was detected (an alert, a call), if before the report.
    #[schemars(with = "Option<crate::time::Timestamp>")]
    #[serde(
        default,
        with = "time::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub detected: Option<Timestamp>,
    /// External ticket references (the client's or the service desk's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tickets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
