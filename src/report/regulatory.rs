//! The regulatory KPIs: per regime, the reports owed by the incidents of the report and
//! whether they went in on time, from the same clocks `mim check` reports.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{IncidentRow, Rate};
use crate::sla::{Clock, ClockState, Rule};

/// One regulatory clock of one incident, as the report keeps it.
#[derive(Clone, Debug, Serialize)]
pub struct StageClock {
    pub regime: String,
    pub stage: String,
    pub state: ClockState,
    /// Submitted (the clock stopped).
    pub submitted: bool,
}

/// The regulatory clocks among `clocks`.
pub fn stage_clocks(clocks: &[Clock]) -> Vec<StageClock> {
    clocks
        .iter()
        .filter(|c| c.rule == Rule::RegulatoryNotification)
        .filter_map(|c| {
            let (regime, stage) = c.name.as_deref()?.split_once('/')?;
            Some(StageClock {
                regime: regime.to_string(),
                stage: stage.to_string(),
                state: c.state,
                submitted: c.stopped.is_some(),
            })
        })
        .collect()
}

/// Per regime (its key in mim.yaml): see [`RegimeKpis`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct RegulatoryKpis {
    pub regimes: BTreeMap<String, RegimeKpis>,
}

impl RegulatoryKpis {
    pub fn is_empty(&self) -> bool {
        self.regimes.is_empty()
    }
}

/// The reports one regime required of the incidents in the report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RegimeKpis {
    /// Incidents with at least one report owed or made under it.
    pub incidents: usize,
    /// Reports submitted by their deadline.
    pub on_time: usize,
    /// Reports submitted after it.
    pub late: usize,
    /// Reports past their deadline and still not submitted.
    pub overdue: usize,
    /// Reports owed, not yet due.
    pub pending: usize,
    /// On time, of the reports submitted or past due: the KPI.
    pub on_time_rate: Rate,
    /// The same per stage.
    pub stages: BTreeMap<String, StageKpis>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct StageKpis {
    pub on_time: usize,
    pub late: usize,
    pub overdue: usize,
    pub pending: usize,
    pub on_time_rate: Rate,
}

/// The regulatory KPIs of the report's incidents.
pub fn kpis(list: &[IncidentRow]) -> RegulatoryKpis {
    let mut out = RegulatoryKpis::default();
    for row in list {
        let mut seen: Vec<&str> = Vec::new();
        for c in &row.regulatory {
            let r = out.regimes.entry(c.regime.clone()).or_default();
            if !seen.contains(&c.regime.as_str()) {
                r.incidents += 1;
                seen.push(&c.regime);
            }
            let s = r.stages.entry(c.stage.clone()).or_default();
            match (c.state, c.submitted) {
                (ClockState::Met, _) => {
                    r.on_time += 1;
                    s.on_time += 1;
                }
                (ClockState::Breached, true) => {
                    r.late += 1;
                    s.late += 1;
                }
                (ClockState::Breached, false) => {
                    r.overdue += 1;
                    s.overdue += 1;
                }
                _ => {
                    r.pending += 1;
                    s.pending += 1;
                }
            }
        }
    }
    for r in out.regimes.values_mut() {
        r.on_time_rate = Rate::new(r.on_time, r.on_time + r.late + r.overdue);
        for s in r.stages.values_mut() {
            s.on_time_rate = Rate::new(s.on_time, s.on_time + s.late + s.overdue);
        }
    }
    out
}
