//! `timeline.yaml`: the append-only log of what happened, one event per line so that
//! git's union merge joins two clones' additions without conflict.

use serde::{Deserialize, Serialize};

use crate::lifecycle::{Status, Transition};
use crate::model::pir::{ActionKind, PirReason, ReviewSession};
use crate::model::plan::PlanSet;
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// The first lines of every timeline file.
pub const HEADER: &str = "# Timeline of this incident, written by mim: one event per line, append only.\n\
# Status, manager and milestones are derived from it; `mim show` presents them.\n";

/// One timeline event: when, who, and what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Entry {
    #[schemars(with = "crate::time::Timestamp")]
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    #[serde(flatten)]
    pub event: Event,
}

/// Everything that can happen to an incident after it is declared. Status changes carry
/// `from`, the status their author saw, so two clones changing the status at once are
/// detected when the merged timeline is replayed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "event", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Event {
    Accept {
        from: Status,
        manager: String,
    },
    /// A proposal turned down; for a duplicate, `duplicate_of` names the incident it
    /// duplicates (and `reason` may be empty).
    Reject {
        from: Status,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duplicate_of: Option<String>,
    },
    Hold {
        from: Status,
        reason: String,
    },
    Resume {
        from: Status,
    },
    Reopen {
        from: Status,
        reason: String,
    },
    Resolve {
        from: Status,
        summary: String,
        closure: String,
        #[serde(default, skip_serializing_if = "is_false")]
        workaround: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        problem: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verification: Option<Verification>,
        /// What the client's people are told (`--client-message`); without it, their
        /// restoral notices use the templates' standard wording, never `summary`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_message: Option<String>,
    },
    Close {
        from: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        csat: Option<u8>,
        /// Set when management closed it without the PIR conditions met: the reason.
        #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
        forced: Option<String>,
    },
    /// A free note, optionally with time spent on an activity.
    Note {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time: Option<Duration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        activity: Option<String>,
    },
    /// The response plan changed; `change` says how. A change of the update cadence
    /// also records the new cadence as data, from which it is in force; `set` records
    /// what else the change set in the plan's front matter (absent in events written by
    /// an older mim), so the front matter can be derived from the timeline.
    Plan {
        change: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        internal_every: Option<Duration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_every: Option<Duration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<PlanSet>,
    },
    Escalate {
        kind: EscalationKind,
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<String>,
    },
    /// Impact and urgency changed; the new priority's targets apply from now on.
    Reprioritise {
        impact: String,
        urgency: String,
        priority: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The priority its author saw before the change, so the line reads old → new.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// The client whose impact raised it (`mim affect --impact`): the other clients
        /// keep their own impact; absent for a change of the incident's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
    },
    /// A status update was recorded (its text is in `file`, under `updates/`);
    /// `monitoring` when its author saw the incident resolved (a monitoring update).
    Update {
        audience: String,
        number: u32,
        file: String,
        #[serde(default, skip_serializing_if = "is_false")]
        monitoring: bool,
        /// The one client it went to, on an incident affecting several (each client's
        /// updates are numbered on their own); absent when it went to every client.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
        /// When the message promised the next one ("next update by"): a clock its reader
        /// holds us to. Absent in timelines written before promises were recorded.
        #[schemars(with = "Option<crate::time::Timestamp>")]
        #[serde(
            default,
            with = "time::rfc3339::option",
            skip_serializing_if = "Option::is_none"
        )]
        next_by: Option<Timestamp>,
        /// The promise was the author's (`--next`), not the cadence's.
        #[serde(default, skip_serializing_if = "is_false")]
        next_given: bool,
    },
    /// A client, service or configuration item affected since, restored early, or taken
    /// off (`mim affect`). A change of the incident's priority it causes (the highest
    /// impact decides) is recorded as a reprioritisation beside it.
    Affect {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ci: Option<String>,
        /// The client's own impact (a level of `impact` in mim.yaml).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        impact: Option<String>,
        /// The client's service came back before the incident was resolved.
        #[serde(default, skip_serializing_if = "is_false")]
        restored: bool,
        /// Its service came back on a temporary workaround (with `restored`).
        #[serde(default, skip_serializing_if = "is_false")]
        workaround: bool,
        /// What that client's people are told of its restoration (with `restored`);
        /// without it their notices use the templates' standard wording.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_message: Option<String>,
        /// Taken off: it was not affected after all.
        #[serde(default, skip_serializing_if = "is_false")]
        remove: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A milestone of the response: the cause identified, the impact mitigated, the
    /// permanent fix in. One per kind; a later one corrects an earlier one (`reason`).
    Milestone {
        kind: MilestoneKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// The problem ticket the milestone belongs to (typically the permanent fix).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        problem: Option<String>,
        /// Why it corrects the milestone of this kind recorded earlier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Someone now holds a role (a name under `roles` in mim.yaml).
    Assign {
        role: String,
        to: String,
    },
    /// The incident manager handed the incident over to `to`, with the state of play.
    Handover {
        to: String,
        note: String,
    },
    /// A link to another incident, recorded on both (the other gets the reverse
    /// relation); `remove` takes it away again.
    Link {
        relation: Relation,
        other: String,
        #[serde(default, skip_serializing_if = "is_false")]
        remove: bool,
    },
    // The post incident review (see src/pir/): its data lives here, its prose in pir.md.
    /// A post incident review was started.
    PirStart {
        reason: PirReason,
        facilitator: String,
    },
    /// A PIR action item was added; `id` is stable across clones (see `pir::ids`).
    PirAction {
        id: String,
        text: String,
        owner: String,
        /// The day it is due, in the organisation's time zone.
        #[schemars(with = "chrono::NaiveDate")]
        #[serde(with = "time::date")]
        due: chrono::NaiveDate,
        kind: ActionKind,
        /// The clients it is committed to (`mim pir action add --client`): it is in their
        /// incident reports. Empty: ours alone.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        clients: Vec<String>,
    },
    PirActionDone {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    PirActionDrop {
        id: String,
        reason: String,
    },
    /// An alert from monitoring, taken in by `mim intake`: the one that proposed the
    /// incident, and each later one of the same alert or group (firing again, resolved,
    /// acknowledged …) as a note. A resolved alert never resolves the incident. `key` is
    /// the alert's own identity (Alertmanager's fingerprint, PagerDuty's incident, the
    /// generic `key`), `group` the group it came in (Alertmanager's `groupKey`); the
    /// payload as received is kept in `payload` (a file under `alerts/`).
    Alert {
        source: String,
        status: String,
        key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        title: String,
        /// When the alert says it started (its impact start).
        #[schemars(with = "Option<crate::time::Timestamp>")]
        #[serde(
            default,
            with = "time::rfc3339::option",
            skip_serializing_if = "Option::is_none"
        )]
        started: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<String>,
    },
    /// The incident was classified under a regulatory regime (a key under `regulations`
    /// in mim.yaml): in scope (`significant`, `major`: that regime's clocks start) or
    /// not (`not`), with the reason, which is part of the record. The flags the reports
    /// ask for, where known: cross-border impact, recurring, suspected malicious act.
    Classify {
        regime: String,
        outcome: Classification,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cross_border: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recurring: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        malicious: Option<bool>,
    },
    /// A regulatory report was submitted to the authority: `stage` of `regime`, with
    /// the authority's (or the submission's) reference.
    Notify {
        regime: String,
        stage: String,
        #[serde(rename = "ref")]
        reference: String,
    },
    /// A review session was held and its feedback recorded; `adopted` lists the
    /// action items the client adopted (client sessions only).
    PirReview {
        session: ReviewSession,
        #[schemars(with = "crate::time::Timestamp")]
        #[serde(with = "time::rfc3339")]
        held_at: Timestamp,
        attendees: Vec<String>,
        feedback: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        adopted: Vec<String>,
        /// The one client a client session was held with, on an incident affecting
        /// several; absent: with the client (or every client together).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// How an incident is classified under a regulatory regime: in scope under the regime's
/// own word (NIS2 says *significant*, DORA *major*), or not.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Classification {
    Significant,
    Major,
    Not,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Significant => "significant",
            Classification::Major => "major",
            Classification::Not => "not",
        }
    }

    /// In scope: the regime's clocks run.
    pub fn in_scope(self) -> bool {
        self != Classification::Not
    }
}

impl std::fmt::Display for Classification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verification {
    VerifiedByClient,
    Attempted,
}

/// The moments real postmortems measure from the impact start.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum MilestoneKind {
    /// The cause was identified.
    Identified,
    /// The impact was reduced (partial recovery).
    Mitigated,
    /// The permanent fix went in (may come after the resolve, for a workaround).
    Fixed,
}

impl MilestoneKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::Identified => "identified",
            MilestoneKind::Mitigated => "mitigated",
            MilestoneKind::Fixed => "fixed",
        }
    }

    /// The milestone as a phrase: `cause identified`.
    pub fn phrase(self) -> &'static str {
        match self {
            MilestoneKind::Identified => "cause identified",
            MilestoneKind::Mitigated => "impact mitigated",
            MilestoneKind::Fixed => "permanent fix in",
        }
    }
}

impl std::fmt::Display for MilestoneKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one incident relates to another, as recorded on it; [`Relation::reverse`] is
/// what the other incident records.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// This incident reports the same outage as the other, which stands.
    DuplicateOf,
    /// The other incident is a duplicate of this one.
    DuplicatedBy,
    Related,
    /// The other incident is this one's parent (one outage, several incidents).
    Parent,
    /// The other incident is a child of this one.
    Child,
}

impl Relation {
    pub fn reverse(self) -> Relation {
        match self {
            Relation::DuplicateOf => Relation::DuplicatedBy,
            Relation::DuplicatedBy => Relation::DuplicateOf,
            Relation::Related => Relation::Related,
            Relation::Parent => Relation::Child,
            Relation::Child => Relation::Parent,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::DuplicateOf => "duplicate-of",
            Relation::DuplicatedBy => "duplicated-by",
            Relation::Related => "related",
            Relation::Parent => "parent",
            Relation::Child => "child",
        }
    }

    /// The relation as a phrase before the other incident's ID: `a duplicate of`.
    pub fn phrase(self) -> &'static str {
        match self {
            Relation::DuplicateOf => "a duplicate of",
            Relation::DuplicatedBy => "duplicated by",
            Relation::Related => "related to",
            Relation::Parent => "a child of",
            Relation::Child => "the parent of",
        }
    }
}

impl std::fmt::Display for Relation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The escalation paths of the procedure: six functional kinds and the hierarchic one.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum EscalationKind {
    /// A subject matter expert.
    Sme,
    /// The technology vendor.
    Vendor,
    /// A third party (carrier, supplier).
    ThirdParty,
    /// Onsite dispatch.
    Onsite,
    /// Repair or replacement parts.
    Parts,
    /// Handoff to the client's internal IT.
    ClientIt,
    /// Hierarchic: management is told.
    Management,
}

impl EscalationKind {
    pub fn is_hierarchic(self) -> bool {
        self == EscalationKind::Management
    }
}

impl Event {
    /// The name written in the `event` key.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Accept { .. } => "accept",
            Event::Reject { .. } => "reject",
            Event::Hold { .. } => "hold",
            Event::Resume { .. } => "resume",
            Event::Reopen { .. } => "reopen",
            Event::Resolve { .. } => "resolve",
            Event::Close { .. } => "close",
            Event::Note { .. } => "note",
            Event::Plan { .. } => "plan",
            Event::Escalate { .. } => "escalate",
            Event::Reprioritise { .. } => "reprioritise",
            Event::Update { .. } => "update",
            Event::Affect { .. } => "affect",
            Event::Milestone { .. } => "milestone",
            Event::Assign { .. } => "assign",
            Event::Handover { .. } => "handover",
            Event::Link { .. } => "link",
            Event::PirStart { .. } => "pir-start",
            Event::PirAction { .. } => "pir-action",
            Event::PirActionDone { .. } => "pir-action-done",
            Event::PirActionDrop { .. } => "pir-action-drop",
            Event::PirReview { .. } => "pir-review",
            Event::Alert { .. } => "alert",
            Event::Classify { .. } => "classify",
            Event::Notify { .. } => "notify",
        }
    }

    /// The status change this event makes, with the status its author saw.
    pub fn transition(&self) -> Option<(Transition, Status)> {
        Some(match self {
            Event::Accept { from, .. } => (Transition::Accept, *from),
            Event::Reject { from, .. } => (Transition::Reject, *from),
            Event::Hold { from, .. } => (Transition::Hold, *from),
            Event::Resume { from } => (Transition::Resume, *from),
            Event::Reopen { from, .. } => (Transition::Reopen, *from),
            Event::Resolve { from, .. } => (Transition::Resolve, *from),
            Event::Close { from, .. } => (Transition::Close, *from),
            _ => return None,
        })
    }

    /// The event as a short phrase for messages: `update 2 to client`, `escalation to
    /// Cisco TAC`, `plan change (…)`; the event's name for the others.
    pub fn brief(&self) -> String {
        match self {
            Event::Update {
                number, audience, ..
            } => format!("update {number} to {audience}"),
            Event::Escalate { to, .. } => format!("escalation to {to}"),
            Event::Plan { change, .. } => format!("plan change ({change})"),
            Event::Reprioritise { priority, .. } => format!("reprioritisation to {priority}"),
            Event::Milestone { kind, .. } => format!("{kind} milestone"),
            Event::PirAction { id, .. } => format!("PIR action {id}"),
            Event::PirReview { .. } => "the review".to_string(),
            other => other.name().to_string(),
        }
    }

    /// The names of people it records (a manager, whom it escalated to or gave a role,
    /// the facilitator, an action's owner, a review's attendees), with their key, for
    /// the limit on names.
    pub fn names(&self) -> Vec<(&'static str, &str)> {
        match self {
            Event::Accept { manager, .. } => vec![("manager", manager.as_str())],
            Event::Escalate { to, .. } | Event::Assign { to, .. } | Event::Handover { to, .. } => {
                vec![("to", to.as_str())]
            }
            Event::PirStart { facilitator, .. } => vec![("facilitator", facilitator.as_str())],
            Event::PirAction { owner, .. } => vec![("owner", owner.as_str())],
            Event::PirReview { attendees, .. } => attendees
                .iter()
                .map(|a| ("attendees", a.as_str()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// What it names that must exist elsewhere (see [`Reference`]).
    pub fn references(&self) -> Vec<Reference<'_>> {
        match self {
            Event::Reprioritise { priority, .. } => vec![Reference::Priority(priority)],
            Event::Assign { role, .. } => vec![Reference::Role(role)],
            Event::Link { other, .. }
            | Event::Reject {
                duplicate_of: Some(other),
                ..
            } => vec![Reference::Incident(other)],
            Event::Resolve { closure, .. } => vec![Reference::Closure(closure)],
            Event::Escalate {
                level: Some(level), ..
            } => vec![Reference::EscalationLevel(level)],
            Event::Update {
                client: Some(c), ..
            }
            | Event::PirReview {
                client: Some(c), ..
            } => vec![Reference::Client(c)],
            Event::PirAction { clients, .. } => {
                clients.iter().map(|c| Reference::Client(c)).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// Something an event names that must exist elsewhere: a priority (with targets), a
/// role, a closure code or a hierarchic escalation level of mim.yaml, another incident
/// (by its ID), or a client the incident affects. `mim validate` checks each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    Priority(&'a str),
    Role(&'a str),
    Closure(&'a str),
    EscalationLevel(&'a str),
    Incident(&'a str),
    Client(&'a str),
}

/// Indices of `entries` in time order; entries at the same instant keep file order.
pub fn time_order(entries: &[Entry]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].at);
    order
}

/// One line of `timeline.yaml`: a YAML flow mapping, `at`, `by`, `event` first.
pub fn to_line(entry: &Entry) -> String {
    let value = serde_json::to_value(entry).expect("timeline entries serialize");
    let serde_json::Value::Object(map) = value else {
        unreachable!("an entry is a mapping")
    };
    let mut parts = Vec::with_capacity(map.len());
    for key in ["at", "by", "event"] {
        if let Some(v) = map.get(key) {
            parts.push(format!("{key}: {}", scalar(key, v)));
        }
    }
    for (key, v) in &map {
        if !["at", "by", "event"].contains(&key.as_str()) {
            parts.push(format!("{key}: {}", scalar(key, v)));
        }
    }
    format!("- {{{}}}\n", parts.join(", "))
}

/// Timestamps and the event name are written plain; every other string double-quoted
/// with JSON escapes (valid YAML), plus escapes for every character YAML would take as
/// a line break or refuses to read raw (DEL, C1 controls, U+FFFE, U+FFFF), so that no
/// text can make the line unreadable.
fn scalar(key: &str, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) if key == "at" || key == "event" || is_plain_word(s) => {
            s.clone()
        }
        other => json(other),
    }
}

/// A value as JSON (which YAML reads alike, and `timeline_read` reads directly), every
/// string escaped as [`scalar`] says: nested data such as a plan event's `set`.
fn json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => quoted(s),
        serde_json::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(json).collect::<Vec<_>>().join(", ")
        ),
        serde_json::Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", quoted(k), json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn quoted(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("strings serialize");
    let mut out = String::with_capacity(quoted.len());
    for c in quoted.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters YAML does not read back raw inside a double-quoted scalar on one line.
/// (Everything outside the BMP is printable to YAML; JSON has escaped C0 already.)
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    ) || c.is_control()
}

/// Words YAML reads back as the same string when written without quotes: `accepted`,
/// `on-hold`, `30m`, `diagnosis` (but not `yes`, `null`, numbers).
fn is_plain_word(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(&s)
        && s.len() <= 40
}

/// The entry in words, one line, naming each client as `client_name` does (`ACME Corp`
/// for `acme`) and showing times in `tz`: what `mim show` and the PIR's timeline print.
pub fn describe(e: &Entry, client_name: &dyn Fn(&str) -> String, tz: chrono_tz::Tz) -> String {
    let by = &e.by;
    match &e.event {
        Event::Accept { manager, .. } => format!("accepted by {by}; incident manager {manager}"),
        Event::Reject {
            reason,
            duplicate_of,
            ..
        } => match (duplicate_of, reason.is_empty()) {
            (Some(other), true) => format!("rejected by {by} as a duplicate of {other}"),
            (Some(other), false) => {
                format!("rejected by {by} as a duplicate of {other}: {reason}")
            }
            (None, _) => format!("rejected by {by}: {reason}"),
        },
        Event::Hold { reason, .. } => format!("on hold ({by}): {reason}"),
        Event::Resume { .. } => format!("resumed by {by}"),
        Event::Reopen { reason, .. } => format!("reopened by {by}: {reason}"),
        Event::Resolve {
            summary,
            closure,
            workaround,
            problem,
            ..
        } => {
            let mut s = format!(
                "resolved by {by} ({closure}{}): {summary}",
                if *workaround && closure != "workaround" {
                    ", workaround"
                } else {
                    ""
                }
            );
            if let Some(p) = problem {
                s.push_str(&format!(" [problem {p}]"));
            }
            s
        }
        Event::Close { csat, forced, .. } => {
            let mut s = format!("closed by {by}");
            if let Some(c) = csat {
                s.push_str(&format!(", CSAT {c}/5"));
            }
            if let Some(f) = forced {
                s.push_str(&format!(" (management override: {f})"));
            }
            s
        }
        Event::Note {
            text,
            time,
            activity,
        } => {
            let first = text.lines().next().unwrap_or_default();
            match time {
                Some(t) => format!(
                    "{by}: {first} [{t} {}]",
                    activity.as_deref().unwrap_or("other")
                ),
                None => format!("{by}: {first}"),
            }
        }
        Event::Plan { change, .. } => format!("plan ({by}): {change}"),
        Event::Affect {
            client,
            service,
            ci,
            impact,
            restored,
            workaround,
            remove,
            reason,
            ..
        } => {
            let what: Vec<String> = [
                client.as_ref().map(|c| client_name(c)),
                service.as_ref().map(|s| format!("service {s}")),
                ci.as_ref().map(|c| format!("ci {c}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            let what = what.join(", ");
            let mut s = match (restored, remove) {
                (true, _) if *workaround => format!("{what} restored by a workaround ({by})"),
                (true, _) => format!("{what} restored ({by})"),
                (_, true) => format!("{what} taken off as not affected ({by})"),
                _ => format!("{what} affected ({by})"),
            };
            if let Some(i) = impact {
                s.push_str(&format!(", impact {i}"));
            }
            if let Some(r) = reason {
                s.push_str(&format!(": {r}"));
            }
            s
        }
        Event::Escalate {
            kind,
            to,
            reason,
            reference,
            level,
        } => {
            let mut s = format!(
                "{} escalation to {to} by {by}",
                crate::model::escalation::kind_name(*kind)
            );
            if let Some(l) = level {
                s.push_str(&format!(" (level {l})"));
            }
            if let Some(r) = reference {
                s.push_str(&format!(" [ref {r}]"));
            }
            if let Some(r) = reason {
                s.push_str(&format!(": {r}"));
            }
            s
        }
        Event::Reprioritise {
            impact,
            urgency,
            priority,
            reason,
            from,
            ..
        } => {
            let from = from
                .as_deref()
                .map(|f| format!("{f} → "))
                .unwrap_or_default();
            let mut s = format!(
                "reprioritised {from}{priority} (impact {impact}, urgency {urgency}) by {by}"
            );
            if let Some(r) = reason {
                s.push_str(&format!(": {r}"));
            }
            s
        }
        Event::Update {
            audience,
            number,
            monitoring,
            client,
            ..
        } => format!(
            "{}update {number} to {audience}{} by {by}",
            if *monitoring { "monitoring " } else { "" },
            client
                .as_ref()
                .map(|c| format!(" for {}", client_name(c)))
                .unwrap_or_default()
        ),
        Event::Milestone {
            kind,
            text,
            problem,
            reason,
        } => {
            let mut s = format!("{} ({by})", kind.phrase());
            if let Some(p) = problem {
                s.push_str(&format!(" [problem {p}]"));
            }
            if let Some(t) = text {
                s.push_str(&format!(": {}", crate::text::one_line(t)));
            }
            if let Some(r) = reason {
                s.push_str(&format!(" (corrects the earlier one: {r})"));
            }
            s
        }
        Event::Assign { role, to } => format!("{role}: {to} (assigned by {by})"),
        Event::Handover { to, note } => format!(
            "incident manager handed over to {to} by {by}: {}",
            crate::text::one_line(note)
        ),
        Event::Link {
            relation,
            other,
            remove,
        } => {
            if *remove {
                format!("no longer {} {other} ({by})", relation.phrase())
            } else {
                format!("{} {other} (linked by {by})", relation.phrase())
            }
        }
        Event::PirStart {
            reason,
            facilitator,
        } => format!(
            "post incident review started by {by} ({}); facilitator {facilitator}",
            reason.describe()
        ),
        Event::PirAction {
            id,
            text,
            owner,
            due,
            kind,
            clients,
        } => {
            let committed = if clients.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = clients.iter().map(|c| client_name(c)).collect();
                format!(", committed to {}", names.join(", "))
            };
            format!(
                "PIR action {id} ({kind}) added by {by}: {text} [owner {owner}, due {due}{committed}]"
            )
        }
        Event::PirActionDone { id, note } => match note {
            Some(n) => format!("PIR action {id} done ({by}): {n}"),
            None => format!("PIR action {id} done ({by})"),
        },
        Event::PirActionDrop { id, reason } => format!("PIR action {id} dropped by {by}: {reason}"),
        Event::Alert {
            source,
            status,
            key,
            title,
            ..
        } => format!(
            "alert {status} ({source}): {} [{key}]",
            crate::text::one_line(title)
        ),
        Event::Classify {
            regime,
            outcome,
            reason,
            cross_border,
            recurring,
            malicious,
        } => {
            let mut s = match outcome {
                Classification::Not => format!("not reportable under {regime} ({by})"),
                _ => format!("classified {outcome} under {regime} by {by}"),
            };
            let flags: Vec<String> = [
                ("cross-border", cross_border),
                ("recurring", recurring),
                ("suspected malicious", malicious),
            ]
            .into_iter()
            .filter_map(|(name, v)| v.map(|v| format!("{name} {}", if v { "yes" } else { "no" })))
            .collect();
            if !flags.is_empty() {
                s.push_str(&format!(" [{}]", flags.join(", ")));
            }
            s.push_str(&format!(": {}", crate::text::one_line(reason)));
            s
        }
        Event::Notify {
            regime,
            stage,
            reference,
        } => format!("{regime} {stage} submitted by {by} [ref {reference}]"),
        Event::PirReview {
            session,
            held_at,
            attendees,
            adopted,
            client,
            ..
        } => {
            let with = client
                .as_ref()
                .map(|c| format!(" ({})", client_name(c)))
                .unwrap_or_default();
            let mut s = format!(
                "{session} PIR review{with} held {} with {} (recorded by {by})",
                time::display(held_at, tz),
                attendees.join(", ")
            );
            if !adopted.is_empty() {
                s.push_str(&format!("; client adopted {}", adopted.join(", ")));
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(event: Event) -> Entry {
        Entry {
            at: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:10:00Z").unwrap(),
            by: "Alice \"Al\" O'Neil".into(),
            event,
        }
    }

    #[test]
    fn a_line_reads_back_as_the_same_entry() {
        let samples = [
            entry(Event::Accept {
                from: Status::Proposed,
                manager: "Bob".into(),
            }),
            entry(Event::Note {
                text: "line one\nline two: {x}, #3 \u{2028} é\r\n- item\t\0\u{7f}\u{85}\u{9b}\u{fffe}\u{ffff}\u{1fffe}".into(),
                time: Some("1h30m".parse().unwrap()),
                activity: Some("diagnosis".into()),
            }),
            entry(Event::Escalate {
                kind: EscalationKind::ThirdParty,
                to: "Carrier NOC".into(),
                reason: None,
                reference: Some("CASE-1".into()),
                level: None,
            }),
        ];
        for e in samples {
            let line = to_line(&e);
            assert_eq!(line.matches('\n').count(), 1, "{line}");
            let back: Vec<Entry> = serde_yaml::from_str(&line).unwrap();
            assert_eq!(back, vec![e]);
        }
    }

    #[test]
    fn a_plan_event_records_what_it_set_on_one_line() {
        use crate::model::plan::record::{StakeholderSet, WorkstreamSet};
        let e = entry(Event::Plan {
            change: "workstream network added".into(),
            internal_every: Some("30m".parse().unwrap()),
            client_every: None,
            set: Some(PlanSet {
                bridge: Some("https://meet.example/p1?x=1, y: {z}\u{2028}".into()),
                workstreams: vec![WorkstreamSet {
                    name: "network".into(),
                    owner: Some("Dana \"D\" Lee".into()),
                    vendor: None,
                    status: Some(crate::model::plan::WorkstreamStatus::Blocked),
                    reason: Some("true".into()),
                }],
                stakeholders: vec![StakeholderSet {
                    address: "cfo@acme.example".into(),
                    kind: "client-management".into(),
                }],
            }),
        });
        let line = to_line(&e);
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        assert!(
            line.contains(r#"set: {"bridge": "https://meet.example/p1?x=1, y: {z}\u2028", "stakeholders": [{"address": "cfo@acme.example", "kind": "client-management"}], "workstreams": [{"name": "network", "owner": "Dana \"D\" Lee", "reason": "true", "status": "blocked"}]}}"#),
            "{line}"
        );
        let back: Vec<Entry> = serde_yaml::from_str(&line).unwrap();
        assert_eq!(back, vec![e.clone()]);
        assert_eq!(crate::model::timeline_read::entries(&line), Some(vec![e]));
        // Without `set`: as an older mim wrote it.
        let old =
            "- {at: 2026-11-24T09:10:00Z, by: x, event: plan, change: \"workstream a added\"}\n";
        let back: Vec<Entry> = serde_yaml::from_str(old).unwrap();
        assert!(matches!(&back[0].event, Event::Plan { set: None, .. }));
        let empty = to_line(&entry(Event::Plan {
            change: "approach set: x".into(),
            internal_every: None,
            client_every: None,
            set: Some(PlanSet::default()),
        }));
        assert!(empty.ends_with(", set: {}}\n"), "{empty}");
    }

    #[test]
    fn the_line_form_is_readable() {
        let line = to_line(&entry(Event::Hold {
            from: Status::Accepted,
            reason: "waiting on carrier".into(),
        }));
        assert_eq!(
            line,
            "- {at: 2026-11-24T09:10:00Z, by: \"Alice \\\"Al\\\" O'Neil\", event: hold, from: accepted, reason: \"waiting on carrier\"}\n"
        );
    }

    #[test]
    fn unknown_keys_and_events_are_refused() {
        let bad = "- {at: 2026-11-24T09:10:00Z, by: x, event: note, text: hi, colour: red}\n";
        assert!(serde_yaml::from_str::<Vec<Entry>>(bad).is_err());
        let bad = "- {at: 2026-11-24T09:10:00Z, by: x, event: party}\n";
        assert!(serde_yaml::from_str::<Vec<Entry>>(bad).is_err());
    }
}
