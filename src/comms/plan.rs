//! What status updates show of the response plan (`plan.md`, loaded with the
//! incident): the bridge and the workstreams.

use serde::{Deserialize, Serialize};

use crate::model::Incident;
use crate::model::plan::Plan;

/// The parts of the response plan that status updates show.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct PlanSummary {
    /// The bridge (conference call) URL or dial-in.
    #[serde(default)]
    pub bridge: Option<String>,
    #[serde(default)]
    pub workstreams: Vec<Workstream>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Workstream {
    pub name: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

impl From<&Plan> for PlanSummary {
    fn from(plan: &Plan) -> Self {
        PlanSummary {
            bridge: plan.bridge.clone(),
            workstreams: plan
                .workstreams
                .iter()
                .map(|w| Workstream {
                    name: w.name.clone(),
                    owner: Some(w.owner.clone()),
                    vendor: w.vendor.clone(),
                    status: Some(w.status.as_str().to_string()),
                })
                .collect(),
        }
    }
}

/// The bridge and workstreams of an incident's response plan; empty without a plan.
pub fn plan_summary(incident: &Incident) -> PlanSummary {
    incident
        .plan
        .as_ref()
        .map(PlanSummary::from)
        .unwrap_or_default()
}
