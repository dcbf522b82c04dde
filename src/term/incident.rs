//! What people read about one incident: the text and `--json` of `mim show` (the record,
//! the state, the timeline, the clients) and of `mim plan`; the plan section,
//! escalations and priority history, the SLA clocks (named the same in `mim status`).

use serde_json::{Value, json};

use crate::config::{Config, INCIDENT_MANAGER};
use crate::model::escalation::kind_name;
use crate::model::plan::{Audience, CadenceSource, Plan, WorkstreamStatus};
use crate::model::{Incident, Record, timeline};
use crate::sla::Clock;
use crate::sla::durations::Durations;
use crate::sla::figures::ClientFigures;
use crate::state::State;
use crate::text::pad;
use crate::time::{self, Timestamp};

/// The plan for machines: what plan.md says, plus the cadence in force per audience.
pub fn plan_json(config: &Config, state: &State, plan: Option<&Plan>) -> Value {
    let cadence = |audience| {
        state
            .cadence_at(config, audience, state.now)
            .map(|(d, source)| json!({"every": d, "from": source}))
            .unwrap_or(Value::Null)
    };
    let effective = json!({
        "internal": cadence(Audience::Internal),
        "client": cadence(Audience::Client),
    });
    match plan {
        Some(p) => {
            let mut v = serde_json::to_value(p).expect("plans serialize");
            v["cadence_in_force"] = effective;
            v
        }
        None => Value::Null,
    }
}

/// The plan for people, as `mim plan` prints it and `mim show` includes it.
pub fn plan_text(config: &Config, state: &State, plan: &Plan) -> String {
    let mut out = String::from("Response plan\n");
    let mut field = |name: &str, value: &str| out.push_str(&format!("  {name:<12} {value}\n"));
    if let Some(b) = &plan.bridge {
        field("bridge", b);
    }
    let cadence = cadences(config, state);
    if !cadence.is_empty() {
        field("updates", &cadence.join(", "));
    }
    if !plan.stakeholders.is_empty() {
        let who: Vec<String> = plan
            .stakeholders
            .iter()
            .map(|s| match s.mailbox() {
                Some(_) => format!("{} ({})", s.who, s.kind),
                None => format!("{} (no address: sent nothing)", s.who),
            })
            .collect();
        field("stakeholders", &who.join(", "));
    }
    out.push_str(&workstreams_text(plan));
    if let Some(a) = &plan.approach {
        out.push_str("  approach\n");
        for l in a.lines() {
            out.push_str(format!("    {l}").trim_end());
            out.push('\n');
        }
    }
    out
}

/// The update cadence in force per audience, and where it comes from (plan or priority).
fn cadences(config: &Config, state: &State) -> Vec<String> {
    let priority = &state.priority;
    [
        (Audience::Internal, "internal"),
        (Audience::Client, "client"),
    ]
    .into_iter()
    .filter_map(|(a, name)| {
        state
            .cadence_at(config, a, state.now)
            .map(|(d, source)| match source {
                CadenceSource::Plan => format!("{name} every {d} (plan)"),
                CadenceSource::Priority => format!("{name} every {d} ({priority} target)"),
            })
    })
    .collect()
}

/// The workstreams of a plan, open ones first, with their counts; empty when none.
fn workstreams_text(plan: &Plan) -> String {
    let mut out = String::new();
    let mut streams: Vec<_> = plan.workstreams.iter().collect();
    streams.sort_by_key(|w| w.status == WorkstreamStatus::Done);
    if !streams.is_empty() {
        let count =
            |status: WorkstreamStatus| streams.iter().filter(|w| w.status == status).count();
        let blocked = count(WorkstreamStatus::Blocked);
        let blocked = if blocked > 0 {
            format!(", {blocked} blocked")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  workstreams  {} open{blocked}, {} done\n",
            count(WorkstreamStatus::Open),
            count(WorkstreamStatus::Done)
        ));
        let width = streams
            .iter()
            .map(|w| w.name.chars().count())
            .max()
            .unwrap_or(0)
            // Bounded: a hand-written name may be longer than `text::NAME_MAX`, and a
            // format width must stay far below what `format!` accepts.
            .min(60);
        for w in streams {
            let mut line = format!(
                "    {:<8} {}  {}",
                w.status.as_str(),
                pad(&w.name, width),
                w.owner
            );
            if let Some(v) = &w.vendor {
                line.push_str(&format!(" (vendor {v})"));
            }
            if let Some(r) = &w.reason {
                line.push_str(&format!(": {r}"));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// The sections `mim show` adds: plan, escalations, priority history (text).
pub fn show_text(config: &Config, state: &State, plan: Option<&Plan>) -> String {
    let tz = config.tz();
    let mut out = String::new();
    if let Some(p) = plan {
        out.push('\n');
        out.push_str(&plan_text(config, state, p));
    }
    let escalations = state.escalation_list();
    if !escalations.is_empty() {
        out.push_str("\nEscalations\n");
        for e in &escalations {
            let mut line = format!(
                "  {}  {:<11} {}",
                time::display(&e.at, tz),
                kind_name(e.kind),
                e.to
            );
            if let Some(l) = &e.level {
                line.push_str(&format!(" (level {l})"));
            }
            if let Some(r) = &e.reference {
                line.push_str(&format!(" [ref {r}]"));
            }
            line.push_str(&format!(" by {}", e.by));
            if let Some(r) = &e.reason {
                line.push_str(&format!(": {r}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    let history = &state.priorities;
    if history.len() > 1 {
        out.push_str("\nPriority\n");
        for s in history {
            let what = match &s.from {
                None => format!("{} declared", s.priority),
                Some(from) => format!("{from} → {}", s.priority),
            };
            let mut line = format!(
                "  {}  {what} (impact {}, urgency {}) by {}",
                time::display(&s.at, tz),
                s.impact,
                s.urgency,
                s.by
            );
            if let Some(r) = &s.reason {
                line.push_str(&format!(": {r}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The keys `mim show --json` adds: `plan`, `escalations`, `priority_history`.
pub fn show_json(config: &Config, state: &State, plan: Option<&Plan>, view: &mut Value) {
    view["plan"] = plan_json(config, state, plan);
    view["escalations"] = json!(state.escalation_list());
    view["priority_history"] = json!(state.priorities);
}

/// The `Roles` and `Links` sections of `mim show`: who held each role when, and the
/// incidents this one is linked to, both ways.
pub fn roles_and_links_text(config: &Config, state: &State) -> String {
    let tz = config.tz();
    let mut out = String::new();
    if !state.roles.is_empty() {
        out.push_str("\nRoles\n");
        let role_w = state.roles.iter().map(|r| r.role.chars().count()).max();
        let name_w = state.roles.iter().map(|r| r.holder.chars().count()).max();
        let (role_w, name_w) = (role_w.unwrap_or(0), name_w.unwrap_or(0));
        for r in &state.roles {
            // A role held to the end ends with the incident's close.
            let until = r
                .until
                .or(state.closed_at)
                .as_ref()
                .map(|u| time::display(u, tz))
                .unwrap_or_else(|| "now".into());
            out.push_str(&format!(
                "  {}  {}  {} – {until}\n",
                pad(&r.role, role_w),
                pad(&r.holder, name_w),
                time::display(&r.from, tz)
            ));
        }
    }
    if !state.links.is_empty() {
        out.push_str("\nLinks\n");
        for l in &state.links {
            out.push_str(&format!(
                "  {} {} (since {}, by {})\n",
                l.relation.phrase(),
                l.other,
                time::display(&l.at, tz),
                l.by
            ));
        }
    }
    out
}

/// The `Durations` section of `mim show`: what has been measured so far.
pub fn durations_text(d: &Durations) -> String {
    let rows = [
        ("to detect", d.time_to_detect, "impact started → detected"),
        ("to accept", d.time_to_accept, "reported → accepted"),
        (
            "to identify",
            d.time_to_identify,
            "impact started → cause identified",
        ),
        (
            "to mitigate",
            d.time_to_mitigate,
            "impact started → mitigated",
        ),
        ("to fix", d.time_to_fix, "impact started → permanent fix"),
        (
            "to restore",
            d.time_to_restore,
            "the SLA figure: the incident's restore clock, hold excluded",
        ),
        (
            "outage",
            d.outage,
            "impact started → resolved, wall clock, hold included",
        ),
    ];
    let mut out = String::new();
    for (name, value, what) in rows {
        if let Some(v) = value {
            out.push_str(&format!("  {name:<12} {:<8} {what}\n", v.to_string()));
        }
    }
    if out.is_empty() {
        return out;
    }
    format!("\nDurations\n{out}")
}

/// The `SLA clocks` section of `mim show`: one line per clock.
pub fn clocks_text(clocks: &[Clock], now: Timestamp, tz: chrono_tz::Tz) -> String {
    if clocks.is_empty() {
        return String::new();
    }
    let names: Vec<String> = clocks.iter().map(clock_name).collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    let mut out = format!("\nSLA clocks (at {})\n", time::display(&now, tz));
    for (c, name) in clocks.iter().zip(&names) {
        let due = match (c.due, c.stopped) {
            // An action item is due on a day: that day, not the midnight that ends it.
            (Some(due), _) if c.rule == crate::sla::Rule::PirAction => format!(
                "due {}",
                (due - chrono::TimeDelta::seconds(1))
                    .with_timezone(&tz)
                    .date_naive()
            ),
            (Some(due), _) => format!("due {}", time::display(&due, tz)),
            (None, None) => "paused, not due".to_string(),
            (None, Some(_)) => "no target".to_string(),
        };
        let stopped = c
            .stopped
            .map(|s| format!(", stopped {}", time::display(&s, tz)))
            .unwrap_or_default();
        // An action item's clock is only the span to its day: its state and day say it.
        let counted = if c.rule == crate::sla::Rule::PirAction {
            String::new()
        } else {
            format!("{} of {}, ", c.elapsed.human(), c.target.human())
        };
        out.push_str(&format!(
            "  {}  {:<8}  {counted}{due}{stopped}\n",
            pad(name, width),
            c.state.as_str(),
        ));
    }
    out
}

/// `respond`, `escalation (vp-services)`, `restore (acme)`: a clock as people call it.
pub fn clock_name(c: &Clock) -> String {
    match (&c.name, &c.client) {
        (Some(name), Some(client)) => format!("{} ({name}, {client})", c.rule),
        (Some(name), None) | (None, Some(name)) => format!("{} ({name})", c.rule),
        (None, None) => c.rule.to_string(),
    }
}

/// The `Clients` section: each affected client's own window and restore clock.
pub fn clients_text(config: &Config, clients: &[ClientFigures]) -> String {
    let show = |t: &time::Timestamp| time::display(t, config.tz());
    let names: Vec<String> = clients
        .iter()
        .map(|c| config.client_name(&c.client))
        .collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let mut out = String::from("\nClients\n");
    for (c, name) in clients.iter().zip(&names) {
        let restored = match (c.restored_at, c.since_affected_s) {
            (Some(at), Some(secs)) => format!(
                "restored {} after {}",
                show(&at),
                crate::units::Duration::from_secs(secs).human()
            ),
            _ => "not restored yet".to_string(),
        };
        let clock = c
            .restore
            .as_ref()
            .map(|r| format!("; restore clock {}", r.human()))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {name:<width$}  affected {}, {restored}{clock}\n",
            show(&c.affected_at)
        ));
    }
    crate::text::for_terminal(&out).into_owned()
}

/// `mim show --json`'s timeline: the declaration (from the record) first, then events in time order.
fn timeline(incident: &Incident, state: &State) -> Vec<Value> {
    let r = &incident.record;
    let mut items = vec![json!({
        "at": time::format(&r.reported),
        "by": r.reporter,
        "event": "declare",
        "title": r.title,
        "priority": r.priority,
        "impact": r.impact,
        "urgency": r.urgency,
    })];
    items.extend(
        state
            .entries
            .iter()
            .map(|&i| serde_json::to_value(&incident.entries[i]).expect("entries serialize")),
    );
    items
}

/// `mim show --json` before the computed parts: the record, the state, the timeline and
/// the PIR.
pub fn show_json_view(incident: &Incident, state: &State) -> Value {
    json!({
        "id": incident.id,
        "record": incident.record,
        "state": state,
        "timeline": timeline(incident, state),
        "pir": state.pir,
    })
}

/// `mim show` for people: the incident's fields, its description, the plan sections,
/// roles and links, the timeline and any conflicts.
pub fn show_text_view(
    config: &Config,
    incident: &Incident,
    state: &State,
    plan: Option<&crate::model::plan::Plan>,
) -> String {
    let r = &incident.record;
    let mut out = format!("{}\n{}\n\n", incident.id, r.title);
    out.push_str(&identity_fields(config, incident, state));
    out.push_str(&progress_fields(config, incident, state));
    if let Some(d) = &r.description {
        out.push_str(&format!("\n{}\n", indent(d)));
    }
    out.push_str(&show_text(config, state, plan));
    out.push_str(&roles_and_links_text(config, state));
    out.push_str(&timeline_text(config, incident, state));
    out
}

/// The fields that say what the incident is: status, priority, services, clients,
/// CIs, category, report and impact.
fn identity_fields(config: &Config, incident: &Incident, state: &State) -> String {
    let (r, s, t) = parts(config, incident, state);
    let major = config.targets(&s.priority).is_some_and(|t| t.major);
    let mut out = String::new();
    let mut field = |name: &str, value: String| out.push_str(&format!("  {name:<10} {value}\n"));
    field("status", s.status.to_string());
    field(
        "priority",
        format!(
            "{}{} (impact {}, urgency {})",
            s.priority,
            if major { ", major" } else { "" },
            s.impact,
            s.urgency
        ),
    );
    field("service", s.services.join(", "));
    if let Some(client) = s.sole_client() {
        field("client", config.client_name(client));
    } else if s.per_client() {
        field("clients", affected_clients(config, s));
    }
    if !s.cis.is_empty() {
        field("ci", s.cis.join(", "));
    }
    if let Some(category) = &r.category {
        field("category", category.clone());
    }
    field("reported", format!("{} by {}", t(&r.reported), r.reporter));
    if r.impact_started.is_some() || r.detected.is_some() {
        field(
            "impact",
            format!(
                "started {}, detected {}",
                t(&s.impact_started),
                t(&s.detected)
            ),
        );
    }
    out
}

/// The fields that say how it went: acceptance, manager, resolution, milestones,
/// closure, tickets, holds and the PIR.
fn progress_fields(config: &Config, incident: &Incident, state: &State) -> String {
    let (r, s, t) = parts(config, incident, state);
    let mut out = String::new();
    let mut field = |name: &str, value: String| out.push_str(&format!("  {name:<10} {value}\n"));
    let managers: Vec<_> = s
        .roles
        .iter()
        .filter(|r| r.role == INCIDENT_MANAGER)
        .collect();
    if let (Some(at), Some(first)) = (&s.accepted_at, managers.first()) {
        field(
            "accepted",
            format!("{} by incident manager {}", t(at), first.holder),
        );
    }
    if let Some(now) = managers.last().filter(|_| managers.len() > 1) {
        field("manager", format!("{} since {}", now.holder, t(&now.from)));
    }
    if let Some(at) = &s.resolved_at {
        field("resolved", t(at));
    }
    for m in &s.milestones {
        let mut value = format!("{} by {}", t(&m.at), m.by);
        if let Some(p) = &m.problem {
            value.push_str(&format!(" [problem {p}]"));
        }
        if let Some(text) = &m.text {
            value.push_str(&format!(": {text}"));
        }
        field(m.kind.as_str(), value);
    }
    if let Some(at) = &s.closed_at {
        field("closed", t(at));
    }
    if !r.tickets.is_empty() {
        field("tickets", r.tickets.join(", "));
    }
    for h in &s.holds {
        let until = h.until.as_ref().map(t).unwrap_or_else(|| "now".into());
        field("on hold", format!("{} – {until}: {}", t(&h.from), h.reason));
    }
    if let Some(p) = &s.pir {
        let open = p.actions.iter().filter(|a| a.is_open()).count();
        field(
            "pir",
            format!(
                "started {} ({}), facilitator {}; {}, {open} open; {}",
                t(&p.started_at),
                p.reason,
                p.facilitator,
                crate::text::plural(p.actions.len(), "action"),
                crate::text::plural(p.reviews.len(), "review")
            ),
        );
    }
    out
}

/// The timeline for people, from the declaration on, and the conflicts found in it.
fn timeline_text(config: &Config, incident: &Incident, state: &State) -> String {
    let (r, s, t) = parts(config, incident, state);
    let mut out = String::new();
    out.push_str("\nTimeline\n");
    out.push_str(&format!(
        "  {}  {:<12} {} ({}) by {}\n",
        t(&r.reported),
        "declare",
        r.title,
        r.priority,
        r.reporter
    ));
    for e in state.entries.iter().map(|&i| &incident.entries[i]) {
        out.push_str(&format!(
            "  {}  {:<12} {}\n",
            t(&e.at),
            e.event.name(),
            timeline::describe(e, &|k| config.client_name(k), config.tz())
        ));
    }
    for c in &s.conflicts {
        out.push_str(&format!("\nconflict: {}\n", c.message));
    }
    out
}

/// What each part of the page reads: the record, the state, and how a time is shown
/// (in the organisation's zone).
fn parts<'a>(
    config: &Config,
    incident: &'a Incident,
    state: &'a State,
) -> (
    &'a Record,
    &'a State,
    impl Fn(&time::Timestamp) -> String + Copy,
) {
    let tz = config.tz();
    (&incident.record, state, move |ts: &time::Timestamp| {
        time::display(ts, tz)
    })
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Acme Corp (high), Globex (medium, from 19:00, restored 21:00)`: each affected client
/// with its own impact, when it joined after the report and when it was restored.
fn affected_clients(config: &Config, s: &State) -> String {
    let show = |t: &crate::time::Timestamp| crate::time::display(t, config.tz());
    s.affected()
        .map(|c| {
            let mut facts = vec![c.impact.clone()];
            if c.since > s.reported {
                facts.push(format!("from {}", show(&c.since)));
            }
            if let Some(at) = c.restored() {
                facts.push(format!("restored {}", show(&at)));
            }
            format!("{} ({})", config.client_name(&c.client), facts.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
