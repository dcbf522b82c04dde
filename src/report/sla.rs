//! SLA compliance from the SLA engine's clocks (never re-computed here): met of met +
//! breached, per rule, priority, client and month.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Config;
use crate::sla::{ClockState, Rule};

use super::{IncidentRow, Rate, Report, svg};

/// The SLA clocks the report counts, in this order.
pub const SLA_RULES: [Rule; 4] = [
    Rule::Respond,
    Rule::Restore,
    Rule::UpdateInternal,
    Rule::UpdateClient,
];

/// Whether a rule's clocks are the provider's own (the internal update cadence): counted
/// once per incident, for the provider, never under a client, and left out of a report
/// about one client.
pub fn is_provider_internal(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::UpdateInternal | Rule::Escalation | Rule::PirStart | Rule::PirAction
    )
}

/// SLA compliance from the engine's clocks (the ones `mim check` reports), by rule.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Sla {
    pub overall: BTreeMap<String, Compliance>,
    /// rule → priority → compliance
    pub by_priority: BTreeMap<String, BTreeMap<String, Compliance>>,
    /// rule → client → compliance: each client's contract clocks (the provider's own,
    /// such as the internal update cadence, under no client)
    pub by_client: BTreeMap<String, BTreeMap<String, Compliance>>,
    /// By the month the incidents were reported in (organisation's time zone).
    pub per_month: Vec<MonthCompliance>,
}

/// Clocks of one rule: met, breached (stopped late, or still counting past due), and
/// still open within target (running, at risk, paused), which count in neither.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Compliance {
    pub met: usize,
    pub breached: usize,
    pub open: usize,
    /// Met of met + breached.
    pub rate: Rate,
}

impl Compliance {
    fn add(&mut self, state: ClockState) {
        match state {
            ClockState::Met => self.met += 1,
            ClockState::Breached => self.breached += 1,
            ClockState::Running | ClockState::Paused | ClockState::AtRisk => self.open += 1,
        }
        self.rate = Rate::new(self.met, self.met + self.breached);
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MonthCompliance {
    /// `2026-11`
    pub month: String,
    pub rule: String,
    pub compliance: Compliance,
}

/// Tally the clocks of the report's incidents: an incident of several clients adds
/// each client's respond, restore and client-update clocks (under that client), and
/// the provider's own once (under no client: see [`is_provider_internal`]).
pub fn compliance(config: &Config, list: &[IncidentRow]) -> Sla {
    let tz = config.tz();
    let mut sla = Sla::default();
    let mut months: BTreeMap<(String, usize), Compliance> = BTreeMap::new();
    for r in list {
        let month = r.reported.with_timezone(&tz).format("%Y-%m").to_string();
        for (clients, states) in r.clock_sets() {
            for (k, &rule) in SLA_RULES.iter().enumerate() {
                let internal = is_provider_internal(rule);
                let rule = rule.to_string();
                let Some(&state) = states.get(&rule) else {
                    continue;
                };
                sla.overall.entry(rule.clone()).or_default().add(state);
                let by = |map: &mut BTreeMap<String, BTreeMap<String, Compliance>>, key: &str| {
                    map.entry(rule.clone())
                        .or_default()
                        .entry(key.to_string())
                        .or_default()
                        .add(state);
                };
                by(&mut sla.by_priority, &r.priority);
                for client in clients.iter().filter(|_| !internal) {
                    by(&mut sla.by_client, client);
                }
                months.entry((month.clone(), k)).or_default().add(state);
            }
        }
    }
    sla.per_month = months
        .into_iter()
        .map(|((month, k), compliance)| MonthCompliance {
            month,
            rule: SLA_RULES[k].to_string(),
            compliance,
        })
        .collect();
    sla
}

/// SLA compliance per month, one series per rule, for the chart: months with no
/// finished clock of a rule have no point.
pub(crate) fn monthly_series(report: &Report) -> Vec<svg::Series> {
    SLA_RULES
        .iter()
        .map(|rule| svg::Series {
            name: rule.to_string(),
            points: report
                .sla
                .per_month
                .iter()
                .filter(|m| m.rule == rule.as_str())
                .filter_map(|m| {
                    let c = &m.compliance;
                    let pct = c.rate.percent?;
                    Some((
                        m.month.clone(),
                        pct,
                        format!(
                            "{} {}: {}/{} met ({pct:.1}%)",
                            m.month,
                            m.rule,
                            c.met,
                            c.met + c.breached
                        ),
                    ))
                })
                .collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect()
}
