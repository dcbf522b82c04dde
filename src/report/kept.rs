//! What the report keeps of one incident: its row and the inputs of the KPIs, made while
//! the incident and its state are at hand and owning neither, so a report of any number
//! of incidents holds one small record each, not the incidents.

use std::collections::BTreeMap;

use super::pir::PirFacts;
use super::recurrence::Groups;
use super::{ClientClocks, Filter, IncidentRow, SLA_RULES, regulatory, sla};
use crate::config::Config;
use crate::lifecycle::Status;
use crate::model::{EscalationKind, Incident};
use crate::sla::durations;
use crate::sla::figures;
use crate::sla::{Clock, ClockState, Rule};
use crate::state::{self, State};
use crate::time::Timestamp;
use crate::units::Duration;

/// One incident of the repository as the report keeps it (see [`Kept::of`]).
#[derive(Clone, Debug)]
pub struct Kept {
    pub(super) id: String,
    /// When it was reported, as its state has it: where a recurrence is measured to.
    pub(super) reported: Timestamp,
    /// The names it recurs and is recurred by; none for a rejected proposal, which does
    /// neither.
    pub(super) groups: Option<Groups>,
    /// When it was resolved, each time (none for a rejected proposal).
    pub(super) resolutions: Vec<Timestamp>,
    /// Its row and KPI inputs, when the filter selects it.
    pub(super) selected: Option<Box<Selected>>,
}

/// The row of an incident the filter selects, and what it adds to the KPIs.
#[derive(Clone, Debug)]
pub(super) struct Selected {
    pub row: IncidentRow,
    pub inputs: Inputs,
}

/// What one selected incident adds to the KPIs that its row does not carry.
#[derive(Clone, Debug)]
pub(super) struct Inputs {
    /// Linked as a duplicate of another: counted apart, left out of every KPI.
    pub duplicate: bool,
    /// Accepted at some point.
    pub accepted: bool,
    /// Resolved at least once.
    pub ever_resolved: bool,
    /// Its hold periods.
    pub hold_periods: usize,
    /// The kind of each escalation.
    pub escalations: Vec<EscalationKind>,
    /// Each time entry: its activity (`unspecified` without one) and its time.
    pub time_entries: Vec<(String, i64)>,
    pub pir: PirFacts,
}

impl Kept {
    /// What the report keeps of `incident` as it stood at `now`: none when the filter
    /// does not select it and no other incident can recur it (it was never resolved).
    /// The incident and its state can be dropped once this is made.
    pub fn of(
        config: &Config,
        incident: &Incident,
        filter: &Filter,
        now: Timestamp,
    ) -> Option<Kept> {
        // One reported after `now` does not exist yet.
        let state = state::derive(config, incident, now);
        let scope = filter.client.as_deref();
        let selected = (state.exists() && filter.matches(incident, &state)).then(|| {
            Box::new(Selected {
                row: row(config, incident, &state, now, scope),
                inputs: Inputs::of(config, &state, scope, now),
            })
        });
        let recurrable = state.status != Status::Rejected;
        let resolutions: Vec<Timestamp> = match recurrable {
            true => state.resolutions.iter().map(|r| r.at).collect(),
            false => Vec::new(),
        };
        if selected.is_none() && resolutions.is_empty() {
            return None;
        }
        Some(Kept {
            id: incident.id.clone(),
            reported: state.reported,
            groups: recurrable.then(|| Groups::of(&state)),
            resolutions,
            selected,
        })
    }
}

impl Inputs {
    fn of(config: &Config, state: &State, scope: Option<&str>, now: Timestamp) -> Inputs {
        Inputs {
            duplicate: state.duplicate_of().is_some(),
            accepted: state.accepted_at.is_some(),
            ever_resolved: !state.resolutions.is_empty(),
            hold_periods: state.holds.len(),
            escalations: state.escalations.iter().map(|(_, e)| e.kind).collect(),
            time_entries: state
                .time_entries
                .iter()
                .map(|t| {
                    let activity = t.activity.as_deref().unwrap_or("unspecified");
                    (activity.to_string(), t.time.secs())
                })
                .collect(),
            pir: PirFacts::of(config, state, scope, now),
        }
    }
}

/// The row of one incident. `scope`: the one client the report is about
/// (`--client`): the row is then that client's figures (its clocks, its outage), and
/// the provider's own clocks are not among them.
fn row(
    config: &Config,
    incident: &Incident,
    state: &State,
    now: Timestamp,
    scope: Option<&str>,
) -> IncidentRow {
    let r = &incident.record;
    let evaluation = crate::sla::evaluate_state(config, incident, state);
    let clocks = &evaluation.clocks;
    let clients: Vec<String> = state
        .affected()
        .map(|c| c.client.clone())
        .filter(|c| scope.is_none_or(|s| s == c))
        .collect();
    let several = state.per_client();
    let own = own_clocks(clocks, scope, several);
    let per_client = if several && scope.is_none() {
        client_clocks(state, &evaluation)
    } else {
        Vec::new()
    };
    let (figures, durations) = row_figures(config, incident, state, &evaluation, &own, scope);
    let closure = state.resolution.as_ref().map(|r| r.closure.clone());
    let logged = state.time_entries.iter().map(|t| t.time.secs()).sum();
    IncidentRow {
        id: incident.id.clone(),
        title: r.title.clone(),
        reported: r.reported,
        client: match clients.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        clients,
        service: r.service.joined(),
        services: state.services.clone(),
        ci: r.ci.first().map(str::to_string),
        category: r.category.clone(),
        // A report for one of several clients gives its own priority (its own impact).
        priority: scope
            .and_then(|k| state.affected_client(k))
            .filter(|_| several)
            .map_or_else(|| state.priority.clone(), |c| c.priority.clone()),
        status: state.status,
        response_secs: figures.response,
        restore_secs: figures.restore,
        restore_target_secs: figures.restore_target,
        restore_so_far_secs: figures.restore_so_far,
        hold_secs: state.held_between(Some(r.reported), now).secs(),
        reopens: state.reopens,
        closure,
        csat: state.csat,
        escalations: state.escalations.len(),
        time_logged_secs: logged,
        // From the index across incidents, once every incident is kept.
        recurs: None,
        sla: sla_states(&own),
        per_client,
        durations,
        regulatory: regulatory::stage_clocks(clocks),
    }
}

/// The clocks of a row itself: the incident's; with several clients, the provider's own
/// (each client's are in `per_client`); with `--client`, that client's.
fn own_clocks<'c>(clocks: &'c [Clock], scope: Option<&str>, several: bool) -> Vec<&'c Clock> {
    match (scope, several) {
        (Some(key), true) => clocks
            .iter()
            .filter(|c| c.client.as_deref() == Some(key))
            .collect(),
        (Some(_), false) => clocks
            .iter()
            .filter(|c| !sla::is_provider_internal(c.rule))
            .collect(),
        (None, true) => clocks.iter().filter(|c| c.client.is_none()).collect(),
        (None, false) => clocks.iter().collect(),
    }
}

/// Each affected client's window and clocks, for a row of an incident of several.
fn client_clocks(state: &State, evaluation: &crate::sla::engine::Evaluation) -> Vec<ClientClocks> {
    state
        .affected()
        .map(|c| {
            let theirs: Vec<&Clock> = evaluation
                .clocks
                .iter()
                .filter(|k| k.client.as_ref() == Some(&c.client))
                .collect();
            let (figures, _) = Figures::of(&theirs);
            let window = figures::of_client(state, evaluation, c);
            ClientClocks {
                client: c.client.clone(),
                affected_at: window.affected_at,
                restored_at: window.restored_at,
                since_affected_secs: window.since_affected_s,
                response_secs: figures.response,
                restore_secs: figures.restore,
                restore_target_secs: figures.restore_target,
                sla: sla_states(&theirs),
            }
        })
        .collect()
}

/// A row's response and restore figures and durations: the client's own (its clocks,
/// its outage from when it was affected) for `--client`, else the incident's own.
fn row_figures(
    config: &Config,
    incident: &Incident,
    state: &State,
    evaluation: &crate::sla::engine::Evaluation,
    own: &[&Clock],
    scope: Option<&str>,
) -> (Figures, durations::Durations) {
    match scope.and_then(|k| state.affected_client(k)) {
        Some(c) => {
            let (figures, restore) = Figures::of(own);
            let mut d = durations::with_restore(state, restore);
            d.time_to_restore = figures.restore.map(Duration::from_secs);
            d.outage = figures::of_client(state, evaluation, c)
                .since_affected_s
                .map(Duration::from_secs);
            (figures, d)
        }
        None => {
            let incident_clocks = crate::sla::engine::incident_clocks(config, incident, state);
            let theirs: Vec<&Clock> = incident_clocks.clocks.iter().collect();
            let (figures, restore) = Figures::of(&theirs);
            (figures, durations::with_restore(state, restore))
        }
    }
}

/// The state of each of [`SLA_RULES`]' clocks among `clocks` (the first of a rule).
fn sla_states(clocks: &[&Clock]) -> BTreeMap<String, ClockState> {
    SLA_RULES
        .iter()
        .filter_map(|&rule| {
            let c = clocks.iter().find(|c| c.rule == rule)?;
            Some((rule.to_string(), c.state))
        })
        .collect()
}

/// Response and restore times are the clocks' working time, once stopped.
#[derive(Clone, Copy, Default)]
struct Figures {
    response: Option<i64>,
    restore: Option<i64>,
    restore_target: Option<i64>,
    /// The restore clock's working time so far, while it runs.
    restore_so_far: Option<i64>,
}

impl Figures {
    /// The figures of one set of clocks, and its restore clock.
    fn of<'c>(clocks: &[&'c Clock]) -> (Figures, Option<&'c Clock>) {
        let clock = |rule: Rule| clocks.iter().find(|c| c.rule == rule).copied();
        let stopped = |c: &Clock| c.stopped.map(|_| c.elapsed.secs());
        let restore = clock(Rule::Restore);
        let figures = Figures {
            response: clock(Rule::Respond).and_then(stopped),
            restore: restore.and_then(stopped),
            restore_target: restore.map(|c| c.target.secs()),
            restore_so_far: restore
                .filter(|c| c.stopped.is_none())
                .map(|c| c.elapsed.secs()),
        };
        (figures, restore)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::config::DEFAULT_CONFIG;
    use crate::model::{Entry, Event, Record};

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    /// A restored incident with `notes` notes of a kilobyte each and a description of
    /// `description` bytes.
    fn incident(notes: usize, description: usize) -> Incident {
        let entry = |at: &str, event| Entry {
            at: t(at),
            by: "Sam".into(),
            event,
        };
        let mut entries = vec![entry(
            "2026-11-01T09:05:00Z",
            Event::Accept {
                from: Status::Proposed,
                manager: "Alice".into(),
            },
        )];
        entries.extend((0..notes).map(|_| {
            entry(
                "2026-11-01T09:30:00Z",
                Event::Note {
                    text: "x".repeat(1000),
                    time: None,
                    activity: None,
                },
            )
        }));
        entries.push(entry(
            "2026-11-01T11:00:00Z",
            crate::report::tests::resolve(),
        ));
        Incident {
            id: "2026-11-01-payments".into(),
            dir: PathBuf::from("2026-11-01-payments"),
            record: Record {
                title: "Payments down".into(),
                service: "Payments API".into(),
                client: "acme".into(),
                ci: "gw".into(),
                category: None,
                impact: "high".into(),
                urgency: "high".into(),
                priority: "P1".into(),
                reporter: "Sam".into(),
                reported: t("2026-11-01T09:00:00Z"),
                impact_started: None,
                detected: None,
                tickets: vec![],
                description: Some("d".repeat(description)),
            },
            entries,
            plan: None,
            texts: Default::default(),
        }
    }

    /// Everything a kept record holds, written out: it grows with whatever it owns.
    fn written(incident: &Incident, filter: &Filter) -> String {
        let config = Config::parse(Path::new("mim.yaml"), DEFAULT_CONFIG).unwrap();
        let kept = Kept::of(&config, incident, filter, t("2026-12-01T00:00:00Z"));
        format!("{:?}", kept.expect("a selected incident is kept"))
    }

    #[test]
    fn what_the_report_keeps_of_an_incident_does_not_grow_with_its_timeline_or_its_text() {
        for filter in [
            Filter::default(),
            Filter {
                client: Some("acme".into()),
                ..Filter::default()
            },
        ] {
            let small = written(&incident(1, 10), &filter);
            let large = written(&incident(1000, 100_000), &filter);
            assert_eq!(small.len(), large.len(), "{small}");
            assert!(small.len() < 4000, "{small}");
        }
    }
}
