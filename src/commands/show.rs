//! `mim show`: the record, the derived state and the whole timeline of one incident.

use serde_json::{Value, json};

use crate::commands::Ctx;
use crate::model::{Entry, Event, Incident};
use crate::time;

pub fn run(ctx: &Ctx, id: Option<&str>) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    let plan = incident.plan.clone();
    let clocks = crate::sla::clocks(&ctx.repo.config, &incident, ctx.now);
    if ctx.json {
        let mut view = json_view(&incident);
        super::plan::show_json(ctx, &incident, plan.as_ref(), &mut view);
        view["clocks"] = serde_json::to_value(&clocks)?;
        return ctx.print_json(&view);
    }
    // The record and the timeline are repository text: a terminal gets it neutralised.
    print!(
        "{}",
        crate::text::for_terminal(&text_view(ctx, &incident, plan.as_ref()))
    );
    print!(
        "{}",
        super::overview::clocks_text(&clocks, ctx.now, ctx.repo.config.tz())
    );
    Ok(())
}

/// The timeline as shown: the declaration (from the record) first, then events in time order.
pub fn timeline(incident: &Incident) -> Vec<Value> {
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
        incident
            .in_time_order()
            .into_iter()
            .map(|e| serde_json::to_value(e).expect("entries serialize")),
    );
    items
}

pub fn json_view(incident: &Incident) -> Value {
    json!({
        "id": incident.id,
        "record": incident.record,
        "state": incident.state(),
        "timeline": timeline(incident),
        "pir": crate::pir::pir(incident),
    })
}

fn text_view(ctx: &Ctx, incident: &Incident, plan: Option<&crate::model::plan::Plan>) -> String {
    let tz = ctx.repo.config.tz();
    let r = &incident.record;
    let s = incident.state();
    let t = |ts: &time::Timestamp| time::display(ts, tz);
    let major = ctx
        .repo
        .config
        .targets(&s.priority)
        .is_some_and(|t| t.major);
    let mut out = format!("{}\n{}\n\n", incident.id, r.title);
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
    field("service", r.service.clone());
    if let Some(client) = &r.client {
        field("client", ctx.repo.config.client_name(client));
    }
    if let Some(ci) = &r.ci {
        field("ci", ci.clone());
    }
    if let Some(category) = &r.category {
        field("category", category.clone());
    }
    field("reported", format!("{} by {}", t(&r.reported), r.reporter));
    if let (Some(at), Some(manager)) = (&s.accepted_at, &s.manager) {
        field(
            "accepted",
            format!("{} by incident manager {manager}", t(at)),
        );
    }
    if let Some(at) = &s.resolved_at {
        field("resolved", t(at));
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
    if let Some(p) = crate::pir::pir(incident) {
        let open = p.actions.iter().filter(|a| a.is_open()).count();
        field(
            "pir",
            format!(
                "started {} ({}), facilitator {}; {} action(s), {open} open; {} review(s)",
                t(&p.started_at),
                p.reason,
                p.facilitator,
                p.actions.len(),
                p.reviews.len()
            ),
        );
    }
    if let Some(d) = &r.description {
        out.push_str(&format!("\n{}\n", indent(d)));
    }
    out.push_str(&super::plan::show_text(ctx, incident, plan));
    out.push_str("\nTimeline\n");
    out.push_str(&format!(
        "  {}  {:<12} {} ({}) by {}\n",
        t(&r.reported),
        "declare",
        r.title,
        r.priority,
        r.reporter
    ));
    for e in incident.in_time_order() {
        out.push_str(&format!(
            "  {}  {:<12} {}\n",
            t(&e.at),
            e.event.name(),
            describe(e)
        ));
    }
    for c in &s.conflicts {
        out.push_str(&format!("\nconflict: {}\n", c.message));
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line about an event, for people.
pub fn describe(e: &Entry) -> String {
    let by = &e.by;
    match &e.event {
        Event::Accept { manager, .. } => format!("accepted by {by}; incident manager {manager}"),
        Event::Reject { reason, .. } => format!("rejected by {by}: {reason}"),
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
        Event::Plan { change } => format!("plan ({by}): {change}"),
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
            audience, number, ..
        } => format!("update {number} to {audience} by {by}"),
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
        } => format!("PIR action {id} ({kind}) added by {by}: {text} [owner {owner}, due {due}]"),
        Event::PirActionDone { id, note } => match note {
            Some(n) => format!("PIR action {id} done ({by}): {n}"),
            None => format!("PIR action {id} done ({by})"),
        },
        Event::PirActionDrop { id, reason } => format!("PIR action {id} dropped by {by}: {reason}"),
        Event::PirReview {
            session,
            held_at,
            attendees,
            adopted,
            ..
        } => {
            let mut s = format!(
                "{session} PIR review held {} with {} (recorded by {by})",
                time::format(held_at),
                attendees.join(", ")
            );
            if !adopted.is_empty() {
                s.push_str(&format!("; client adopted {}", adopted.join(", ")));
            }
            s
        }
    }
}
