//! Each regulatory regime's stages as clocks (see [`crate::regulation`]): pure functions of (configuration, state). A stage is
//! due at the earliest of its terms whose start is known (`4h after classification`,
//! `24h after awareness`), counted around the clock (calendar months in the authority's
//! zone), and stops at its first submission.

use chrono::{Months, TimeZone as _};
use serde::Serialize;

use crate::config::Config;
use crate::config::regulation::{Anchor, Awareness, Regime, Stage, Within};
use crate::sla::{Anchor as Place, Clock, ClockState, Finding, Level, Rule};
use crate::state::{Regulatory, State};
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// One regime as it stands for one incident.
#[derive(Clone, Debug, Serialize)]
pub struct RegimeStatus {
    pub regime: String,
    pub name: String,
    /// Whether its `applies_to` covers the incident.
    pub applies: bool,
    /// When the incident became known to us under it: detection or declaration.
    #[serde(with = "time::rfc3339")]
    pub awareness: Timestamp,
    /// The incident's record under it (classification, submissions), if any.
    pub record: Option<Regulatory>,
    pub stages: Vec<StageStatus>,
    /// The classification clock, where the regime sets `classify_within`.
    #[serde(skip)]
    pub classification: Option<Clock>,
}

/// One stage of a regime for one incident.
#[derive(Clone, Debug, Serialize)]
pub struct StageStatus {
    pub stage: String,
    pub title: String,
    /// The rule as written in mim.yaml: `24h after awareness`.
    pub rule: String,
    /// When it is due, once a start is known.
    #[serde(with = "time::rfc3339::option")]
    pub due: Option<Timestamp>,
    /// What it waits for before its clock can start (classification, an earlier stage).
    pub waits_for: Option<String>,
    /// Its first submission: when, by whom, the reference.
    #[serde(with = "time::rfc3339::option")]
    pub submitted_at: Option<Timestamp>,
    pub reference: Option<String>,
    /// `running`, `at-risk`, `met`, `breached`; none before it starts (or when the
    /// incident is not in scope and it was not submitted).
    pub state: Option<ClockState>,
    #[serde(skip)]
    pub clock: Option<Clock>,
    /// The timeline entry its finding points at.
    #[serde(skip)]
    pub anchor: Option<usize>,
}

/// Whether `regime` applies to the incident of `state`: of one of its clients, or on
/// one of its services (no `applies_to`: every incident).
pub fn applies(regime: &Regime, state: &State) -> bool {
    let scope = &regime.applies_to;
    if scope.clients.is_empty() && scope.services.is_empty() {
        return true;
    }
    state.affected().any(|c| scope.clients.contains(&c.client))
        || state.services.iter().any(|s| {
            scope
                .services
                .iter()
                .any(|w| w.eq_ignore_ascii_case(s.trim()))
        })
}

/// The regimes that apply to the incident or that it was classified under, in
/// mim.yaml's order.
pub fn statuses(config: &Config, state: &State) -> Vec<RegimeStatus> {
    config
        .regulations
        .keys()
        .filter_map(|key| status_of(config, state, key))
        .collect()
}

/// Regime `key` as it stands for the incident, when it applies to it or the incident
/// was classified under it.
pub fn status_of(config: &Config, state: &State, key: &str) -> Option<RegimeStatus> {
    let (key, regime) = config.regulations.get_key_value(key)?;
    let record = state.regime(key);
    let applies = applies(regime, state);
    (applies || record.is_some()).then(|| status(config, key, regime, state, record, applies))
}

fn status(
    config: &Config,
    key: &str,
    regime: &Regime,
    state: &State,
    record: Option<&Regulatory>,
    applies: bool,
) -> RegimeStatus {
    let awareness = match regime.awareness {
        Awareness::Detected => state.detected,
        Awareness::Reported => state.reported,
    };
    let at_risk = regime.at_risk.unwrap_or(config.at_risk);
    let stages = regime
        .stages
        .iter()
        .map(|stage| {
            stage_status(
                config, key, regime, stage, state, record, awareness, at_risk,
            )
        })
        .collect();
    let classification = regime.classify_within.filter(|_| applies).map(|within| {
        let due = awareness + within.to_chrono();
        let stop = record.and_then(|r| r.decided_at);
        clock(
            Rule::RegulatoryClassification,
            key.to_string(),
            awareness,
            due,
            stop,
            state.now,
            at_risk,
        )
    });
    RegimeStatus {
        regime: key.to_string(),
        name: regime.name.clone(),
        applies,
        awareness,
        record: record.cloned(),
        stages,
        classification,
    }
}

#[allow(clippy::too_many_arguments)]
fn stage_status(
    config: &Config,
    key: &str,
    regime: &Regime,
    stage: &Stage,
    state: &State,
    record: Option<&Regulatory>,
    awareness: Timestamp,
    at_risk: crate::units::Percent,
) -> StageStatus {
    let submitted = record.and_then(|r| r.submitted(&stage.name));
    let in_scope = record.is_some_and(Regulatory::in_scope);
    let tz = regime.authority.timezone.0;
    let (best, waits) = earliest_due(stage, record, awareness, tz);
    // Only an incident in scope owes the report; one submitted anyway keeps its record.
    let counts = in_scope || submitted.is_some();
    // Before classification nothing is owed: a term after awareness alone does not
    // start the clock of an incident nobody has classified yet.
    let started =
        counts && record.is_some_and(|r| r.classified_at.is_some() || submitted.is_some());
    let (due, clock) = match best {
        Some((start, due)) if started => {
            let c = clock(
                Rule::RegulatoryNotification,
                format!("{key}/{}", stage.name),
                start,
                due,
                submitted.map(|s| s.at),
                state.now,
                at_risk,
            );
            (Some(due), Some(c))
        }
        Some((_, due)) => (Some(due), None),
        None => (None, None),
    };
    let waits_for = if !in_scope && submitted.is_none() {
        Some(format!(
            "classification as {} (mim classify --{})",
            regime.classification.as_str(),
            regime.classification.as_str()
        ))
    } else if best.is_none() {
        Some(waits.join(" or "))
    } else {
        None
    };
    let _ = config;
    StageStatus {
        stage: stage.name.clone(),
        title: stage.title().to_string(),
        rule: stage.due.to_string(),
        due: due.filter(|_| clock.is_some()),
        waits_for,
        submitted_at: submitted.map(|s| s.at),
        reference: submitted.map(|s| s.reference.clone()),
        state: clock.as_ref().map(|c| c.state),
        anchor: submitted
            .filter(|_| {
                clock
                    .as_ref()
                    .is_some_and(|c| c.state == ClockState::Breached)
            })
            .map(|s| s.entry)
            .or(record.and_then(|r| r.classified_entry)),
        clock,
    }
}

/// The earliest due of a stage's terms whose start is known, with that start; and what
/// each term whose start is not known yet waits for.
fn earliest_due(
    stage: &Stage,
    record: Option<&Regulatory>,
    awareness: Timestamp,
    tz: chrono_tz::Tz,
) -> (Option<(Timestamp, Timestamp)>, Vec<String>) {
    let mut waits = Vec::new();
    let mut best: Option<(Timestamp, Timestamp)> = None;
    for term in &stage.due.0 {
        let start = match &term.after {
            Anchor::Awareness => Some(awareness),
            Anchor::Classification => record.and_then(|r| r.classified_at),
            Anchor::Stage(s) => record.and_then(|r| r.submitted(s)).map(|s| s.at),
        };
        let Some(start) = start else {
            waits.push(match &term.after {
                Anchor::Stage(s) => format!("the {s} submission"),
                other => other.to_string(),
            });
            continue;
        };
        let due = add(start, term.within, tz);
        if best.is_none_or(|(_, d)| due < d) {
            best = Some((start, due));
        }
    }
    (best, waits)
}

/// `start` plus `within`: a duration, or calendar months in `tz`.
pub fn add(start: Timestamp, within: Within, tz: chrono_tz::Tz) -> Timestamp {
    match within {
        Within::Time(d) => start + d.to_chrono(),
        Within::Months(n) => {
            let local = start.with_timezone(&tz).naive_local();
            let later = local.checked_add_months(Months::new(n)).unwrap_or(local);
            tz.from_local_datetime(&later)
                .earliest()
                .map(|t| t.to_utc().fixed_offset())
                // In a daylight-saving gap: the same instant an hour on.
                .unwrap_or_else(|| start + (later - local))
        }
    }
}

/// A regulatory clock: around the clock from `start` to `due`, stopped at `stop`.
fn clock(
    rule: Rule,
    name: String,
    start: Timestamp,
    due: Timestamp,
    stop: Option<Timestamp>,
    now: Timestamp,
    at_risk: crate::units::Percent,
) -> Clock {
    let target = Duration::from(due - start);
    let end = stop.unwrap_or(now);
    let elapsed = Duration::from(end - start).max(Duration::ZERO);
    let state = match stop {
        Some(s) if s > due => ClockState::Breached,
        Some(_) => ClockState::Met,
        None if now > due => ClockState::Breached,
        None if target.secs() > 0 && elapsed >= target.scaled(at_risk) => ClockState::AtRisk,
        None => ClockState::Running,
    };
    Clock {
        rule,
        name: Some(name),
        client: None,
        target,
        elapsed,
        started: start,
        due: Some(due),
        stopped: stop,
        state,
    }
}

/// The clocks and findings of every regime for the incident of `state`, in the SLA
/// engine's shape (`mim check`, `status`, `show`, the KPI report).
pub fn evaluate(
    config: &Config,
    incident_id: &str,
    state: &State,
    clocks: &mut Vec<Clock>,
    findings: &mut Vec<Finding>,
) {
    let tz = config.tz();
    for r in statuses(config, state) {
        let Some(regime) = config.regulations.get(&r.regime) else {
            continue;
        };
        let label = r.regime.to_uppercase();
        if let Some(c) = r.classification.clone() {
            if let Some(f) = classification_finding(incident_id, &label, regime, &r, &c, state, tz)
            {
                findings.push(f);
            }
            clocks.push(c);
        }
        for s in &r.stages {
            let Some(c) = &s.clock else { continue };
            if let Some(f) = stage_finding(incident_id, &label, &r.regime, s, c, state, tz) {
                findings.push(f);
            }
            clocks.push(c.clone());
        }
    }
}

fn level(state: ClockState) -> Option<Level> {
    match state {
        ClockState::Breached => Some(Level::Breach),
        ClockState::AtRisk => Some(Level::AtRisk),
        _ => None,
    }
}

fn stage_finding(
    incident_id: &str,
    label: &str,
    regime: &str,
    s: &StageStatus,
    c: &Clock,
    state: &State,
    tz: chrono_tz::Tz,
) -> Option<Finding> {
    let how = format!(
        "mim notify {incident_id} --regime {regime} --stage {} --ref REF",
        s.stage
    );
    let wording = Wording {
        head: format!("{label} {} ({})", s.title, s.rule),
        verb: "submitted",
        ahead: format!(
            "draft it with `mim notify {incident_id} --regime {regime} --stage {} --draft`, record it with `{how}`",
            s.stage
        ),
        overdue: format!("submit it and record it with `{how}`"),
    };
    let anchor = s.anchor.map_or(Place::Record("reported"), Place::Entry);
    finding(
        incident_id,
        Rule::RegulatoryNotification,
        c,
        &wording,
        anchor,
        state,
        tz,
    )
}

fn classification_finding(
    incident_id: &str,
    label: &str,
    regime: &Regime,
    r: &RegimeStatus,
    c: &Clock,
    state: &State,
    tz: chrono_tz::Tz,
) -> Option<Finding> {
    let word = regime.classification.as_str();
    let how = format!(
        "`mim classify {incident_id} --regime {} --{word} (or --not) --reason TEXT`",
        r.regime
    );
    let wording = Wording {
        head: format!(
            "{label} classification (within {} of awareness)",
            regime.classify_within.unwrap_or_default()
        ),
        verb: "classified",
        ahead: how.clone(),
        overdue: how,
    };
    let anchor = r
        .record
        .as_ref()
        .and_then(|rec| rec.decided_entry)
        .map_or(Place::Record("reported"), Place::Entry);
    finding(
        incident_id,
        Rule::RegulatoryClassification,
        c,
        &wording,
        anchor,
        state,
        tz,
    )
}

/// What a regulatory clock's finding says: `head` names the report, `verb` what is
/// (not) done by its due (`submitted`, `classified`); `ahead` and `overdue` what to do
/// while it is at risk and once it is late.
struct Wording {
    head: String,
    verb: &'static str,
    ahead: String,
    overdue: String,
}

impl Wording {
    /// The message of clock `c` at `level`, due at `due`.
    fn message(
        &self,
        level: Level,
        c: &Clock,
        due: Timestamp,
        now: Timestamp,
        tz: chrono_tz::Tz,
    ) -> String {
        let show = |t: &Timestamp| time::display(t, tz);
        let (head, verb) = (&self.head, self.verb);
        match (level, c.stopped) {
            (Level::AtRisk, _) => format!(
                "{head}: not {verb} yet, due {} (in {}): {}",
                show(&due),
                Duration::from(due - now).human(),
                self.ahead
            ),
            (_, Some(at)) => format!(
                "{head}: {verb} {} late, at {}; it was due {}",
                Duration::from(at - due).human(),
                show(&at),
                show(&due)
            ),
            (_, None) => format!(
                "{head}: not {verb}, overdue by {} (due {}): {}",
                Duration::from(now - due).human(),
                show(&due),
                self.overdue
            ),
        }
    }
}

/// The finding of regulatory clock `c`, at risk or breached (none otherwise, or without
/// a due), worded by `wording`.
fn finding(
    incident_id: &str,
    rule: Rule,
    c: &Clock,
    wording: &Wording,
    anchor: Place,
    state: &State,
    tz: chrono_tz::Tz,
) -> Option<Finding> {
    let level = level(c.state)?;
    let due = c.due?;
    let message = wording.message(level, c, due, state.now, tz);
    let end = c.stopped.unwrap_or(state.now);
    Some(Finding {
        incident: incident_id.to_string(),
        rule,
        name: c.name.clone(),
        client: None,
        level,
        message,
        anchor,
        due: c.due,
        actual: c.stopped,
        overdue_by: (level == Level::Breach).then(|| (end - due).num_seconds()),
    })
}
