//! The one derivation of an incident's state: a pure function of (configuration,
//! incident, now). It is the only code that walks an incident's timeline; the SLA
//! engine, the PIR, the KPI report, `show`, `status`, `list` and the e-mails all read
//! the [`State`] it produces, so they cannot tell different people different things.
//!
//! Events dated after "now" do not exist for it: the same incident derived at an earlier
//! instant is the incident as it stood then. An incident reported after "now" does not
//! exist yet at all ([`State::exists`]).

pub mod order;
mod pir;

use serde::Serialize;

use crate::config::{Config, INCIDENT_MANAGER, PriorityTargets, SlaStart};
use crate::lifecycle::{Status, Transition};
use crate::model::escalation::{Escalation, PriorityStep};
use crate::model::pir::{self as pir_model, Pir};
use crate::model::plan::{CadenceSource, PlanRecord};
use crate::model::{
    Audience, Classification, Entry, Event, Incident, MilestoneKind, Relation, Verification,
};
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// A moment in the timeline: when, and the entry's index in file order.
pub type Mark = (Timestamp, usize);

/// A period on hold; `until` is `None` while still on hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HoldPeriod {
    #[serde(with = "time::rfc3339")]
    pub from: Timestamp,
    #[serde(with = "time::rfc3339::option")]
    pub until: Option<Timestamp>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PriorityChange {
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub from: String,
    pub to: String,
}

/// One stretch of the incident's life in one status; `until` is `None` for the current one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Period {
    pub status: Status,
    #[serde(with = "time::rfc3339")]
    pub from: Timestamp,
    #[serde(with = "time::rfc3339::option")]
    pub until: Option<Timestamp>,
    /// The timeline entry (file order) of the status change that began it; `None` for
    /// the first, which the report began.
    #[serde(skip)]
    pub entry: Option<usize>,
}

/// Something in the timeline that cannot have happened as recorded, typically two
/// clones changing the status at once; `entry` is the index in the timeline file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflict {
    pub entry: usize,
    pub message: String,
}

/// A change of the response plan's update cadence for one audience.
#[derive(Clone, Debug, PartialEq)]
pub struct CadenceChange {
    pub at: Timestamp,
    pub audience: Audience,
    pub every: Duration,
}

/// A recorded status update to one audience.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateMark {
    pub at: Timestamp,
    pub entry: usize,
    /// As recorded: `internal`, `management`, `client`, … (`all` in old timelines).
    pub audience: String,
    pub number: u32,
    pub file: String,
    /// Sent while the incident was resolved: no cadence applies to it.
    pub monitoring: bool,
    /// The one client it went to (several affected); `None`: every client.
    pub client: Option<String>,
    /// When it promised the next message to its reader, if it did (see [`Promise`]).
    pub next_by: Option<Timestamp>,
    /// The promise was the author's (`--next`), not the cadence's.
    pub next_given: bool,
}

/// A resolution: the restoration as `mim resolve` recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    pub at: Timestamp,
    pub entry: usize,
    pub by: String,
    pub summary: String,
    pub closure: String,
    pub workaround: bool,
    pub problem: Option<String>,
    pub verification: Option<Verification>,
    /// What the client's people were told, when it was not the standard wording.
    pub client_message: Option<String>,
    /// When a reopen undid this resolution; its unsent restoral notices are withdrawn.
    pub reopened_at: Option<Timestamp>,
}

/// A client the incident affects (or affected, before it was taken off).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AffectedClient {
    /// The key under `clients` in mim.yaml.
    pub client: String,
    /// Its own impact: declared clients have the declared impact.
    pub impact: String,
    /// From when it was affected: the clocks' start for a declared client.
    #[serde(with = "time::rfc3339")]
    pub since: Timestamp,
    /// The services it lost, when recorded per client.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Its own priority now: its own impact and the incident's urgency, through the
    /// priority matrix.
    pub priority: String,
    /// Its own impact over time, as `mim affect --impact` gave it; empty: it follows the
    /// incident's own impact (as declared, and as `mim escalate --impact` changes it).
    #[serde(skip)]
    pub own_impacts: Vec<(Timestamp, String)>,
    /// Its priority over time, from when it was affected: see [`AffectedClient::priority`].
    #[serde(skip)]
    pub priorities: Vec<(Timestamp, String)>,
    /// Stretches its service was back before the incident's resolve: `(restored,
    /// affected again)`, the last one open while it stays restored.
    #[serde(skip)]
    pub restored_periods: Vec<(Timestamp, Option<Timestamp>)>,
    /// When it was taken off (`mim affect --remove`): not affected after all.
    #[serde(
        with = "time::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub removed: Option<Timestamp>,
    /// The timeline entry that added it (`None`: declared).
    #[serde(skip)]
    pub entry: Option<usize>,
}

impl AffectedClient {
    /// When its service came back, while it stays back.
    pub fn restored(&self) -> Option<Timestamp> {
        match self.restored_periods.last() {
            Some((at, None)) => Some(*at),
            _ => None,
        }
    }
}

/// One client's service back before the incident's resolve: its restoral notice.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientRestoral {
    pub client: String,
    pub at: Timestamp,
    pub entry: usize,
    /// Back on a temporary workaround.
    pub workaround: bool,
    /// What its people are told, when it is not the standard wording.
    pub client_message: Option<String>,
    /// When the client was affected again; its unsent restoral notices are withdrawn.
    pub undone_at: Option<Timestamp>,
}

/// Time logged with `mim note --time`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeEntry {
    pub at: Timestamp,
    pub time: Duration,
    pub activity: Option<String>,
}

/// A milestone in force: the one of its kind recorded last (a correction wins).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Milestone {
    pub kind: MilestoneKind,
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Why it corrected an earlier one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Its index in the timeline file.
    #[serde(skip)]
    pub entry: usize,
}

/// Someone holding a role from `from` until `until` (`None`: still holds it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoleSpell {
    pub role: String,
    pub holder: String,
    #[serde(with = "time::rfc3339")]
    pub from: Timestamp,
    #[serde(with = "time::rfc3339::option")]
    pub until: Option<Timestamp>,
    /// Who gave it (the accept, the assignment or the handover).
    pub by: String,
}

/// A handover of the incident-manager role, with the state of play.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Handover {
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    /// The incident manager before it.
    pub from: Option<String>,
    pub to: String,
    pub note: String,
    /// Its index in the timeline file.
    #[serde(skip)]
    pub entry: usize,
}

/// A free note (`mim note`), as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub at: Timestamp,
    pub by: String,
    pub text: String,
    /// Its index in the timeline file.
    pub entry: usize,
}

/// A link to another incident in force (not removed since).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    pub relation: Relation,
    pub other: String,
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
}

/// An alert taken in by `mim intake`, as its event recorded it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertMark {
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    #[serde(skip)]
    pub entry: usize,
    pub source: String,
    pub status: String,
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub title: String,
}

/// A report submitted to a regulator (`mim notify`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Submission {
    pub stage: String,
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    pub reference: String,
    #[serde(skip)]
    pub entry: usize,
}

/// The incident under one regulatory regime: its classification in force and the
/// reports submitted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Regulatory {
    /// The key under `regulations` in mim.yaml.
    pub regime: String,
    /// The classification recorded last; `None` when only submissions are recorded.
    pub outcome: Option<Classification>,
    /// Since when it is in scope: the first classification in scope after the last one
    /// out of it (a repeated classification does not restart the clocks).
    #[serde(with = "time::rfc3339::option")]
    pub classified_at: Option<Timestamp>,
    /// The timeline entry of that classification.
    #[serde(skip)]
    pub classified_entry: Option<usize>,
    /// When a classification out of scope (`not`) ended an earlier one in scope.
    #[serde(
        with = "time::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub declassified_at: Option<Timestamp>,
    /// When it was first classified, in scope or not (the classification clock's stop).
    #[serde(with = "time::rfc3339::option")]
    pub decided_at: Option<Timestamp>,
    #[serde(skip)]
    pub decided_entry: Option<usize>,
    /// Who classified it last, and why.
    pub by: String,
    pub reason: String,
    /// The flags the reports ask for, as last given.
    pub cross_border: Option<bool>,
    pub recurring: Option<bool>,
    pub malicious: Option<bool>,
    /// Every submission, in time order.
    pub submissions: Vec<Submission>,
}

impl Regulatory {
    /// In scope now: its clocks run.
    pub fn in_scope(&self) -> bool {
        self.outcome.is_some_and(Classification::in_scope)
    }

    /// The first submission of `stage`, which stops its clock.
    pub fn submitted(&self, stage: &str) -> Option<&Submission> {
        self.submissions.iter().find(|s| s.stage == stage)
    }
}

/// What the timeline adds up to at one instant. Nothing here is stored.
#[derive(Clone, Debug, Serialize)]
pub struct State {
    pub status: Status,
    pub impact: String,
    pub urgency: String,
    pub priority: String,
    pub manager: Option<String>,
    #[serde(with = "time::rfc3339::option")]
    pub accepted_at: Option<Timestamp>,
    #[serde(with = "time::rfc3339::option")]
    pub rejected_at: Option<Timestamp>,
    #[serde(with = "time::rfc3339::option")]
    pub resolved_at: Option<Timestamp>,
    #[serde(with = "time::rfc3339::option")]
    pub closed_at: Option<Timestamp>,
    pub holds: Vec<HoldPeriod>,
    pub reopens: u32,
    pub priority_changes: Vec<PriorityChange>,
    /// When the impact began: `impact_started` in incident.yaml, else the report.
    #[serde(with = "time::rfc3339")]
    pub impact_started: Timestamp,
    /// When the impact was detected: `detected` in incident.yaml, else the report.
    #[serde(with = "time::rfc3339")]
    pub detected: Timestamp,
    /// When every SLA clock starts: the report, unless `sla.start` says otherwise.
    #[serde(with = "time::rfc3339")]
    pub clocks_start: Timestamp,
    /// One per kind at most, in kind order.
    pub milestones: Vec<Milestone>,
    /// Who held each role when, in time order.
    pub roles: Vec<RoleSpell>,
    pub handovers: Vec<Handover>,
    /// The links in force, both ways (each incident records its own side).
    pub links: Vec<Link>,
    /// The clients affected, declared first, then as `mim affect` added them (taken-off
    /// ones stay, with `removed`): see [`State::affected`].
    pub clients: Vec<AffectedClient>,
    /// Each early restoration of one client (`mim affect --restored`), in time order.
    #[serde(skip)]
    pub client_restorals: Vec<ClientRestoral>,
    /// The services and configuration items affected, in force.
    pub services: Vec<String>,
    pub cis: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// Entries in the wrong time order (see [`order`]): a merge of two clones, a hand edit.
    #[serde(skip)]
    pub order_problems: Vec<order::Problem>,
    /// The alerts taken in (`mim intake`), in time order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertMark>,
    /// Each regulatory regime the incident was classified under (or submitted to), in
    /// the order first recorded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regulatory: Vec<Regulatory>,

    /// The instant this state is of.
    #[serde(skip)]
    pub now: Timestamp,
    #[serde(skip)]
    pub reported: Timestamp,
    /// File-order indices of the entries that count (at or before `now`), in time order.
    #[serde(skip)]
    pub entries: Vec<usize>,
    /// Status by status, from the report to `now`.
    #[serde(skip)]
    pub periods: Vec<Period>,
    /// Resolved, then reopened: `(resolve, reopen)`. No clock runs in between.
    #[serde(skip)]
    pub resolved_periods: Vec<(Timestamp, Timestamp)>,
    #[serde(skip)]
    pub accepted: Option<Mark>,
    #[serde(skip)]
    pub rejected: Option<Mark>,
    /// The resolution in force: the last resolve, unless a reopen followed it.
    #[serde(skip)]
    pub resolution: Option<Resolution>,
    /// Every resolve, reopened or not, in time order.
    #[serde(skip)]
    pub resolutions: Vec<Resolution>,
    #[serde(skip)]
    pub closed: Option<Mark>,
    #[serde(skip)]
    pub csat: Option<u8>,
    /// The priority as declared and every change since.
    #[serde(skip)]
    pub priorities: Vec<PriorityStep>,
    /// The plan's cadence over time, per audience.
    #[serde(skip)]
    pub cadence_changes: Vec<CadenceChange>,
    /// The plan's front matter as its plan events set it (see [`PlanRecord::known`]).
    #[serde(skip)]
    pub plan: PlanRecord,
    #[serde(skip)]
    pub updates: Vec<UpdateMark>,
    #[serde(skip)]
    pub escalations: Vec<(usize, Escalation)>,
    #[serde(skip)]
    pub pir: Option<Pir>,
    #[serde(skip)]
    pub pir_problems: Vec<pir_model::Problem>,
    #[serde(skip)]
    pub time_entries: Vec<TimeEntry>,
    /// The free notes, in time order.
    #[serde(skip)]
    pub notes: Vec<Note>,
}

/// The incident's state at `now`.
pub fn derive(config: &Config, incident: &Incident, now: Timestamp) -> State {
    let entries: Vec<usize> = crate::model::timeline::time_order(&incident.entries)
        .into_iter()
        .filter(|&i| incident.entries[i].at <= now)
        .collect();
    let mut s = initial(config, incident, now);
    let mut out_of_status = Vec::new();
    for &i in &entries {
        let entry = &incident.entries[i];
        if let Some(change) = s.periods.last().and_then(|p| p.entry)
            && order::out_of_status(&entry.event, s.status)
        {
            out_of_status.push((change, i));
        }
        apply(&mut s, i, entry);
    }
    s.order_problems = order::problems(&incident.entries, &entries, out_of_status);
    client_priorities(&mut s, config);
    let ordered: Vec<(usize, &Entry)> =
        entries.iter().map(|&i| (i, &incident.entries[i])).collect();
    let (pir, problems) = pir::replay(&ordered);
    s.pir = pir;
    s.pir_problems = problems;
    s.entries = entries;
    s
}

/// A client `incident.yaml` names: affected from the report, at the incident's impact.
fn declared(record: &crate::model::Record, client: &str) -> AffectedClient {
    AffectedClient {
        client: client.to_string(),
        impact: record.impact.clone(),
        since: record.reported,
        services: Vec::new(),
        priority: record.priority.clone(),
        own_impacts: Vec::new(),
        priorities: Vec::new(),
        restored_periods: Vec::new(),
        removed: None,
        entry: None,
    }
}

/// The state as `incident.yaml` has it, before any timeline entry: proposed, at the
/// reported priority, its clients affected from the report.
fn initial(config: &Config, incident: &Incident, now: Timestamp) -> State {
    let record = &incident.record;
    let impact_started = record.impact_started.unwrap_or(record.reported);
    let detected = record.detected.unwrap_or(record.reported);
    State {
        status: Status::Proposed,
        impact: record.impact.clone(),
        urgency: record.urgency.clone(),
        priority: record.priority.clone(),
        manager: None,
        accepted_at: None,
        rejected_at: None,
        resolved_at: None,
        closed_at: None,
        holds: Vec::new(),
        reopens: 0,
        priority_changes: Vec::new(),
        impact_started,
        detected,
        clocks_start: match config.sla.start {
            SlaStart::Reported => record.reported,
            SlaStart::ImpactStarted => impact_started,
            SlaStart::Detected => detected,
        },
        milestones: Vec::new(),
        roles: Vec::new(),
        handovers: Vec::new(),
        links: Vec::new(),
        clients: record.client.iter().map(|c| declared(record, c)).collect(),
        client_restorals: Vec::new(),
        services: record.service.iter().map(str::to_string).collect(),
        cis: record.ci.iter().map(str::to_string).collect(),
        conflicts: Vec::new(),
        order_problems: Vec::new(),
        alerts: Vec::new(),
        regulatory: Vec::new(),
        now,
        reported: record.reported,
        entries: Vec::new(),
        periods: vec![Period {
            status: Status::Proposed,
            from: record.reported,
            until: None,
            entry: None,
        }],
        resolved_periods: Vec::new(),
        accepted: None,
        rejected: None,
        resolution: None,
        resolutions: Vec::new(),
        closed: None,
        csat: None,
        priorities: vec![PriorityStep {
            at: record.reported,
            by: record.reporter.clone(),
            from: None,
            priority: record.priority.clone(),
            impact: record.impact.clone(),
            urgency: record.urgency.clone(),
            reason: None,
            client: None,
        }],
        cadence_changes: Vec::new(),
        plan: PlanRecord::default(),
        updates: Vec::new(),
        escalations: Vec::new(),
        pir: None,
        pir_problems: Vec::new(),
        time_entries: Vec::new(),
        notes: Vec::new(),
    }
}

/// The state after every recorded event: what a mutating command checks against. It is
/// the state at `now`, or at the latest event when one was backfilled after `--at`.
pub fn latest(config: &Config, incident: &Incident, now: Timestamp) -> State {
    let last = incident.entries.iter().map(|e| e.at).max();
    derive(config, incident, last.map_or(now, |l| l.max(now)))
}

fn apply(s: &mut State, i: usize, entry: &Entry) {
    if entry.at < s.reported {
        s.conflicts.push(Conflict {
            entry: i,
            message: format!(
                "{} at {} is before the incident was reported ({})",
                entry.event.name(),
                time::format(&entry.at),
                time::format(&s.reported)
            ),
        });
    }
    if let Some((transition, from)) = entry.event.transition() {
        if from != s.status || transition.from() != s.status {
            s.conflicts.push(Conflict {
                entry: i,
                message: format!(
                    "{} at {} by {} was recorded on {} incident, but by then it was {}: \
                     the status was changed twice, probably on two clones. Decide which change \
                     stands, delete the other line from timeline.yaml, and commit",
                    transition.command(),
                    time::format(&entry.at),
                    entry.by,
                    crate::diag::article(from.as_str()),
                    s.status
                ),
            });
        }
        transition_to(s, transition, i, entry);
        return;
    }
    let at = entry.at;
    match &entry.event {
        Event::Reprioritise {
            impact,
            urgency,
            priority,
            reason,
            client,
            ..
        } => {
            s.priority_changes.push(PriorityChange {
                at,
                from: s.priority.clone(),
                to: priority.clone(),
            });
            s.priorities.push(PriorityStep {
                at,
                by: entry.by.clone(),
                from: Some(s.priority.clone()),
                priority: priority.clone(),
                impact: impact.clone(),
                urgency: urgency.clone(),
                reason: reason.clone(),
                client: client.clone(),
            });
            s.impact = impact.clone();
            s.urgency = urgency.clone();
            s.priority = priority.clone();
        }
        Event::Plan {
            internal_every,
            client_every,
            set,
            ..
        } => {
            s.plan.events += 1;
            match set {
                Some(set) => set.apply(&mut s.plan.plan),
                None => s.plan.unrecorded += 1,
            }
            s.plan.plan.cadence.internal = internal_every.or(s.plan.plan.cadence.internal);
            s.plan.plan.cadence.client = client_every.or(s.plan.plan.cadence.client);
            for (audience, every) in [
                (Audience::Internal, *internal_every),
                (Audience::Client, *client_every),
            ] {
                if let Some(every) = every {
                    s.cadence_changes.push(CadenceChange {
                        at,
                        audience,
                        every,
                    });
                }
            }
        }
        Event::Update {
            audience,
            number,
            file,
            monitoring,
            client,
            next_by,
            next_given,
        } => s.updates.push(UpdateMark {
            at,
            entry: i,
            audience: audience.clone(),
            number: *number,
            file: file.clone(),
            monitoring: *monitoring,
            client: client.clone(),
            next_by: *next_by,
            next_given: *next_given,
        }),
        Event::Affect { .. } => affect(s, i, entry),
        Event::Escalate {
            kind,
            to,
            reason,
            reference,
            level,
        } => s.escalations.push((
            i,
            Escalation {
                at,
                by: entry.by.clone(),
                kind: *kind,
                direction: if kind.is_hierarchic() {
                    "hierarchic"
                } else {
                    "functional"
                },
                to: to.clone(),
                level: level.clone(),
                reference: reference.clone(),
                reason: reason.clone(),
            },
        )),
        Event::Note {
            text,
            time,
            activity,
        } => {
            s.notes.push(Note {
                at,
                by: entry.by.clone(),
                text: text.clone(),
                entry: i,
            });
            if let Some(time) = time {
                s.time_entries.push(TimeEntry {
                    at,
                    time: *time,
                    activity: activity.clone(),
                });
            }
        }
        Event::Milestone {
            kind,
            text,
            problem,
            reason,
        } => {
            let milestone = Milestone {
                kind: *kind,
                at,
                by: entry.by.clone(),
                text: text.clone(),
                problem: problem.clone(),
                reason: reason.clone(),
                entry: i,
            };
            // The one recorded last stands, whenever it is dated.
            match s.milestones.iter_mut().find(|m| m.kind == *kind) {
                Some(m) if m.entry < i => *m = milestone,
                Some(_) => {}
                None => {
                    s.milestones.push(milestone);
                    s.milestones.sort_by_key(|m| m.kind);
                }
            }
        }
        Event::Assign { role, to } => give_role(s, role, to, entry),
        Event::Handover { to, note } => {
            s.handovers.push(Handover {
                at,
                by: entry.by.clone(),
                from: s.manager.clone(),
                to: to.clone(),
                note: note.clone(),
                entry: i,
            });
            give_role(s, INCIDENT_MANAGER, to, entry);
        }
        Event::Link {
            relation,
            other,
            remove,
        } => link(s, *relation, other, *remove, entry),
        Event::Alert {
            source,
            status,
            key,
            group,
            title,
            ..
        } => s.alerts.push(AlertMark {
            at,
            entry: i,
            source: source.clone(),
            status: status.clone(),
            key: key.clone(),
            group: group.clone(),
            title: title.clone(),
        }),
        Event::Classify { .. } => classify(s, i, entry),
        Event::Notify {
            regime,
            stage,
            reference,
        } => regime_of(s, regime).submissions.push(Submission {
            stage: stage.clone(),
            at,
            by: entry.by.clone(),
            reference: reference.clone(),
            entry: i,
        }),
        _ => {}
    }
}

/// The incident's record under `regime`, made on first mention.
fn regime_of<'s>(s: &'s mut State, regime: &str) -> &'s mut Regulatory {
    let at = match s.regulatory.iter().position(|r| r.regime == regime) {
        Some(at) => at,
        None => {
            s.regulatory.push(Regulatory {
                regime: regime.to_string(),
                outcome: None,
                classified_at: None,
                classified_entry: None,
                declassified_at: None,
                decided_at: None,
                decided_entry: None,
                by: String::new(),
                reason: String::new(),
                cross_border: None,
                recurring: None,
                malicious: None,
                submissions: Vec::new(),
            });
            s.regulatory.len() - 1
        }
    };
    &mut s.regulatory[at]
}

/// A classification under a regime: in scope starts its clocks (once: a repeated one
/// keeps them), out of scope stops them; the flags given replace the earlier ones.
fn classify(s: &mut State, i: usize, entry: &Entry) {
    let Event::Classify {
        regime,
        outcome,
        reason,
        cross_border,
        recurring,
        malicious,
    } = &entry.event
    else {
        return;
    };
    let r = regime_of(s, regime);
    let was = r.in_scope();
    if outcome.in_scope() && !was {
        r.classified_at = Some(entry.at);
        r.classified_entry = Some(i);
        r.declassified_at = None;
    } else if !outcome.in_scope() && was {
        r.declassified_at = Some(entry.at);
    }
    if r.decided_at.is_none() {
        r.decided_at = Some(entry.at);
        r.decided_entry = Some(i);
    }
    r.outcome = Some(*outcome);
    r.by = entry.by.clone();
    r.reason = reason.clone();
    r.cross_border = cross_border.or(r.cross_border);
    r.recurring = recurring.or(r.recurring);
    r.malicious = malicious.or(r.malicious);
}

/// What `mim affect` recorded: a client or service added (or affected again after it was
/// restored), restored early, or taken off.
fn affect(s: &mut State, i: usize, entry: &Entry) {
    let Event::Affect {
        client,
        service,
        ci,
        impact,
        restored,
        workaround,
        client_message,
        remove,
        ..
    } = &entry.event
    else {
        return;
    };
    let at = entry.at;
    let edit = |list: &mut Vec<String>, name: &Option<String>, attach: bool| {
        if let Some(name) = name.as_ref().filter(|_| attach) {
            if *remove {
                list.retain(|n| n != name);
            } else if !list.contains(name) {
                list.push(name.clone());
            }
        }
    };
    // A service named with a client is that client's; the incident's too, unless removed.
    edit(&mut s.services, service, client.is_none() || !*remove);
    edit(&mut s.cis, ci, client.is_none() || !*remove);
    let Some(key) = client else { return };
    let current = s
        .clients
        .iter_mut()
        .rfind(|c| &c.client == key && c.removed.is_none());
    match current {
        Some(c) if *remove => c.removed = Some(at),
        Some(c) if *restored => {
            if c.restored().is_none() {
                c.restored_periods.push((at, None));
                s.client_restorals.push(ClientRestoral {
                    client: key.clone(),
                    at,
                    entry: i,
                    workaround: *workaround,
                    client_message: client_message.clone(),
                    undone_at: None,
                });
            }
        }
        Some(c) => {
            if let Some(open) = c.restored_periods.last_mut().filter(|p| p.1.is_none()) {
                open.1 = Some(at);
                if let Some(r) = s
                    .client_restorals
                    .iter_mut()
                    .rfind(|r| &r.client == key && r.undone_at.is_none())
                {
                    r.undone_at = Some(at);
                }
            }
            if let Some(impact) = impact {
                c.impact = impact.clone();
                c.own_impacts.push((at, impact.clone()));
            }
            edit(&mut c.services, service, true);
        }
        None if *remove || *restored => {}
        None => s.clients.push(AffectedClient {
            client: key.clone(),
            impact: impact.clone().unwrap_or_else(|| s.impact.clone()),
            since: at,
            services: service.iter().cloned().collect(),
            priority: s.priority.clone(),
            own_impacts: impact.iter().map(|i| (at, i.clone())).collect(),
            priorities: Vec::new(),
            restored_periods: Vec::new(),
            removed: None,
            entry: Some(i),
        }),
    }
}

/// Each client's priority over time: its own impact where `mim affect --impact` gave one,
/// else the incident's own (as declared and as `mim escalate --impact` changed it, not as
/// another client's impact raised it), with the incident's urgency, through the priority
/// matrix (the incident's priority where the matrix has none).
fn client_priorities(s: &mut State, config: &Config) {
    let steps = s.priorities.clone();
    for c in &mut s.clients {
        let mut changes: Vec<Timestamp> = steps.iter().map(|p| p.at).collect();
        changes.extend(c.own_impacts.iter().map(|(at, _)| *at));
        changes.retain(|at| *at > c.since);
        changes.push(c.since);
        changes.sort();
        changes.dedup();
        let mut out: Vec<(Timestamp, String)> = Vec::new();
        let mut impact = c.impact.clone();
        for at in changes {
            let upto = steps.iter().rev().filter(|p| p.at <= at);
            let urgency = upto.clone().next().unwrap_or(&steps[0]);
            // The incident's own impact: its changes that no other client's impact made.
            let own = upto
                .clone()
                .find(|p| p.client.as_ref().is_none_or(|k| *k == c.client))
                .unwrap_or(&steps[0]);
            impact = c
                .own_impacts
                .iter()
                .rfind(|(when, _)| *when <= at)
                .map_or_else(|| own.impact.clone(), |(_, i)| i.clone());
            let priority = config
                .priority_for(&impact, &urgency.urgency)
                .unwrap_or(&urgency.priority)
                .to_string();
            if out.last().is_none_or(|(_, p)| *p != priority) {
                out.push((at, priority));
            }
        }
        c.impact = impact;
        if let Some((_, p)) = out.last() {
            c.priority = p.clone();
        }
        c.priorities = out;
    }
}

/// `to` holds `role` from `entry` on; the incident manager is [`State::manager`] too.
fn give_role(s: &mut State, role: &str, to: &str, entry: &Entry) {
    if let Some(open) = s
        .roles
        .iter_mut()
        .rfind(|r| r.role == role && r.until.is_none())
    {
        open.until = Some(entry.at);
    }
    s.roles.push(RoleSpell {
        role: role.to_string(),
        holder: to.to_string(),
        from: entry.at,
        until: None,
        by: entry.by.clone(),
    });
    if role == INCIDENT_MANAGER {
        s.manager = Some(to.to_string());
    }
}

fn link(s: &mut State, relation: Relation, other: &str, remove: bool, entry: &Entry) {
    let same = |l: &Link| l.relation == relation && l.other == other;
    if remove {
        s.links.retain(|l| !same(l));
    } else if !s.links.iter().any(same) {
        s.links.push(Link {
            relation,
            other: other.to_string(),
            at: entry.at,
            by: entry.by.clone(),
        });
    }
}

fn transition_to(s: &mut State, transition: Transition, i: usize, entry: &Entry) {
    let at = entry.at;
    match &entry.event {
        Event::Accept { manager, .. } => {
            give_role(s, INCIDENT_MANAGER, manager, entry);
            s.accepted_at.get_or_insert(at);
            s.accepted.get_or_insert((at, i));
        }
        Event::Reject { duplicate_of, .. } => {
            s.rejected_at = Some(at);
            s.rejected = Some((at, i));
            if let Some(other) = duplicate_of {
                link(s, Relation::DuplicateOf, other, false, entry);
            }
        }
        // A second hold while on hold (two clones) is a conflict, not a second period.
        Event::Hold { reason, .. } if s.holds.last().is_none_or(|h| h.until.is_some()) => {
            s.holds.push(HoldPeriod {
                from: at,
                until: None,
                reason: reason.clone(),
            });
        }
        Event::Resume { .. } => {
            if let Some(open) = s.holds.iter_mut().rev().find(|h| h.until.is_none()) {
                open.until = Some(at);
            }
        }
        Event::Reopen { .. } => {
            s.reopens += 1;
            if let Some(r) = s.resolution.take() {
                s.resolved_periods.push((r.at, at));
                if let Some(undone) = s.resolutions.iter_mut().rfind(|u| u.entry == r.entry) {
                    undone.reopened_at = Some(at);
                }
            }
            s.resolved_at = None;
        }
        Event::Resolve { .. } => resolve(s, i, entry),
        Event::Close { csat, .. } => {
            s.closed_at = Some(at);
            s.closed = Some((at, i));
            s.csat = *csat;
        }
        _ => {}
    }
    let to = transition.to();
    if let Some(current) = s.periods.last_mut() {
        current.until = Some(at);
    }
    s.periods.push(Period {
        status: to,
        from: at,
        until: None,
        entry: Some(i),
    });
    s.status = to;
}

/// The incident resolved by `entry` (at index `i`): its resolution in force.
fn resolve(s: &mut State, i: usize, entry: &Entry) {
    let Event::Resolve {
        summary,
        closure,
        workaround,
        problem,
        verification,
        client_message,
        ..
    } = &entry.event
    else {
        return;
    };
    let at = entry.at;
    let r = Resolution {
        at,
        entry: i,
        by: entry.by.clone(),
        summary: summary.clone(),
        closure: closure.clone(),
        workaround: *workaround,
        problem: problem.clone(),
        verification: *verification,
        client_message: client_message.clone(),
        reopened_at: None,
    };
    s.resolutions.push(r.clone());
    s.resolution = Some(r);
    s.resolved_at = Some(at);
}

impl State {
    /// The clients affected and not taken off, declared first.
    pub fn affected(&self) -> impl Iterator<Item = &AffectedClient> {
        self.clients.iter().filter(|c| c.removed.is_none())
    }

    /// The affected client `key`, if it is one.
    pub fn affected_client(&self, key: &str) -> Option<&AffectedClient> {
        self.affected().find(|c| c.client == key)
    }

    /// Whether the incident affects several clients: then each client has its own
    /// respond, restore and client-update clocks, messages and numbering. An incident
    /// of one client (or none) is evaluated and written as one, unless that client's
    /// service came back on its own while others were affected (they were taken off
    /// since): its restoration stays its own.
    pub fn per_client(&self) -> bool {
        self.affected().nth(1).is_some() || self.affected().any(|c| !c.restored_periods.is_empty())
    }

    /// The one client, when the incident affects exactly one.
    pub fn sole_client(&self) -> Option<&str> {
        let mut it = self.affected();
        match (it.next(), it.next()) {
            (Some(c), None) => Some(&c.client),
            _ => None,
        }
    }

    /// The early restoration of `key` that stands (its service back before the incident's
    /// resolve, and not affected again since), with how it came back.
    pub fn client_restoral(&self, key: &str) -> Option<&ClientRestoral> {
        self.client_restorals
            .iter()
            .rfind(|r| r.client == key && r.undone_at.is_none())
    }

    /// The priority over time under `client`'s contract (one of several clients: its own
    /// impact, see [`AffectedClient::priority`]), or the incident's: `(from, priority)`.
    pub fn priority_steps(&self, client: Option<&str>) -> Vec<(Timestamp, &str)> {
        match client.and_then(|key| self.affected_client(key)) {
            Some(c) if self.per_client() && !c.priorities.is_empty() => c
                .priorities
                .iter()
                .map(|(at, p)| (*at, p.as_str()))
                .collect(),
            _ => self
                .priorities
                .iter()
                .map(|p| (p.at, p.priority.as_str()))
                .collect(),
        }
    }

    /// Whether `key` was affected at any time (taken off or not).
    pub fn ever_affected(&self, key: &str) -> bool {
        self.clients.iter().any(|c| c.client == key)
    }

    /// The milestone of `kind` in force, if recorded.
    pub fn milestone(&self, kind: MilestoneKind) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.kind == kind)
    }

    /// Who holds `role` now.
    pub fn holder(&self, role: &str) -> Option<&str> {
        self.roles
            .iter()
            .rfind(|r| r.role == role && r.until.is_none())
            .map(|r| r.holder.as_str())
    }

    /// The other incidents linked by `relation`.
    pub fn linked(&self, relation: Relation) -> impl Iterator<Item = &str> {
        self.links
            .iter()
            .filter(move |l| l.relation == relation)
            .map(|l| l.other.as_str())
    }

    /// The incident this one duplicates, if it is a duplicate.
    pub fn duplicate_of(&self) -> Option<&str> {
        self.linked(Relation::DuplicateOf).next()
    }

    /// Whether the incident existed at `now` (it was reported by then).
    pub fn exists(&self) -> bool {
        self.reported <= self.now
    }

    /// The plan's own cadence for `audience` at `at`, if it has set one by then.
    pub fn planned_cadence(&self, audience: Audience, at: Timestamp) -> Option<Duration> {
        self.cadence_changes
            .iter()
            .rfind(|c| c.audience == audience && c.at <= at)
            .map(|c| c.every)
    }

    /// The priority in force at `at`.
    pub fn priority_at(&self, at: Timestamp) -> &str {
        self.priorities
            .iter()
            .rev()
            .find(|p| p.at <= at)
            .unwrap_or(&self.priorities[0])
            .priority
            .as_str()
    }

    /// The cadence in force for `audience` at `at`, and where it comes from: see [`cadence`].
    pub fn cadence_at(
        &self,
        config: &Config,
        audience: Audience,
        at: Timestamp,
    ) -> Option<(Duration, CadenceSource)> {
        let audience = audience.cadence_audience()?;
        cadence(
            self.planned_cadence(audience, at),
            audience,
            config.targets(self.priority_at(at)),
        )
    }

    /// The update the timeline entry `entry` (file order) recorded, if it recorded one.
    pub fn update_of(&self, entry: usize) -> Option<&UpdateMark> {
        self.updates.iter().find(|u| u.entry == entry)
    }

    /// Updates that count for `audience`'s cadence (an `all` update counts for both).
    pub fn updates_to(&self, audience: Audience) -> impl Iterator<Item = &UpdateMark> {
        self.updates
            .iter()
            .filter(move |u| audience.counts(&u.audience))
    }

    /// The number the next update to `audience` takes: each audience's updates are
    /// numbered 1, 2, 3 … in the order they are recorded. Two clones that record an
    /// update to one audience at once both take the same number; after the merge both
    /// stay (they were sent as such) and the next one continues after the highest. An
    /// incident numbered across audiences by an older mim continues after its highest
    /// number to that audience.
    #[cfg(test)]
    pub fn next_update_number(&self, audience: Audience) -> u32 {
        self.updates_to(audience)
            .map(|u| u.number)
            .max()
            .unwrap_or(0)
            + 1
    }

    /// Updates numbered alike for one reader (an audience; for one client, where the
    /// update went to one): `(first, later)`, indices into [`State::updates`]. Two
    /// clones recorded them at once, and the reader got two messages with one number.
    pub fn same_numbers(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (k, update) in self.updates.iter().enumerate() {
            if let Some(first) = self.updates[..k].iter().position(|o| {
                o.number == update.number
                    && o.audience == update.audience
                    && o.client == update.client
            }) {
                out.push((first, k));
            }
        }
        out
    }

    /// The updates to `audience` that reached `client`: its own, and those sent to every
    /// client while it was affected (before the incident affected several). `None`:
    /// every update to `audience`, as [`State::updates_to`].
    pub fn updates_for<'a>(
        &'a self,
        audience: Audience,
        client: Option<&'a str>,
    ) -> impl Iterator<Item = &'a UpdateMark> {
        let since = client.and_then(|key| {
            self.clients
                .iter()
                .find(|c| c.client == key)
                .map(|c| c.since)
        });
        self.updates_to(audience)
            .filter(move |u| match (client, &u.client) {
                (None, _) => true,
                (Some(key), Some(c)) => c == key,
                (Some(_), None) => since.is_some_and(|since| since <= u.at),
            })
    }

    /// The number the next update to `audience` about `client` takes: each client's
    /// messages are numbered on their own, continuing after those it received before
    /// the incident affected several.
    pub fn next_update_number_for(&self, audience: Audience, client: Option<&str>) -> u32 {
        self.updates_for(audience, client)
            .map(|u| u.number)
            .max()
            .unwrap_or(0)
            + 1
    }

    /// Whether the client's people are written to one client at a time: while the
    /// incident affects several, and once it has, for the rest of it (a client taken
    /// off leaves the others' numbering and threads as they were).
    pub fn writes_per_client(&self) -> bool {
        self.per_client()
            || (self.affected().next().is_some()
                && (self.updates.iter().any(|u| u.client.is_some())
                    || !self.client_restorals.is_empty()))
    }

    /// The clients that get messages of their own: while the incident affects several,
    /// each affected client (`restored`: those whose service is back too, who are kept
    /// informed until the incident is resolved; else only those still down). Empty when
    /// the incident is written to as one (one client, or none).
    pub fn clients_to_tell(&self, restored: bool) -> Vec<&str> {
        if !self.writes_per_client() {
            return Vec::new();
        }
        self.affected()
            .filter(|c| restored || c.restored().is_none())
            .map(|c| c.client.as_str())
            .collect()
    }

    /// The incident's record under regulatory regime `key`, if it has one.
    pub fn regime(&self, key: &str) -> Option<&Regulatory> {
        self.regulatory.iter().find(|r| r.regime == key)
    }

    /// Whether an alert with `key`, or of `group`, was taken in on this incident.
    pub fn has_alert(&self, key: &str, group: Option<&str>) -> bool {
        self.alerts.iter().any(|a| {
            a.key == key || group.is_some_and(|g| a.group.as_deref() == Some(g) || a.key == g)
        })
    }

    /// The escalations, in time order.
    pub fn escalation_list(&self) -> Vec<Escalation> {
        self.escalations.iter().map(|(_, e)| e.clone()).collect()
    }

    /// Total time on hold up to `end` (an open hold counts until `end`).
    pub fn time_on_hold(&self, end: Timestamp) -> Duration {
        self.held_between(None, end)
    }

    /// Time on hold from `start` (or the first hold) to `end`, an open hold counting
    /// until `end`: the one count of hold time.
    pub fn held_between(&self, start: Option<Timestamp>, end: Timestamp) -> Duration {
        let secs = self
            .holds
            .iter()
            .map(|h| {
                let from = start.map_or(h.from, |s| h.from.max(s));
                (h.until.unwrap_or(end).min(end) - from)
                    .num_seconds()
                    .max(0)
            })
            .sum();
        Duration::from_secs(secs)
    }
}

/// **The** cadence rule: the longest gap allowed before the first and between updates
/// to a cadence audience (`internal`, `client`). The response plan's cadence, from the
/// moment it was set, when the plan sets one — a reprioritisation changes the priority's
/// targets, not an explicit plan cadence —; else the priority's target at that moment.
pub fn cadence(
    planned: Option<Duration>,
    audience: Audience,
    targets: Option<&PriorityTargets>,
) -> Option<(Duration, CadenceSource)> {
    let target = targets.and_then(|t| match audience {
        Audience::Client => t.update_client,
        _ => t.update_internal,
    });
    planned
        .map(|d| (d, CadenceSource::Plan))
        .or(target.map(|d| (d, CadenceSource::Priority)))
}
