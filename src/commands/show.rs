//! `mim show`: the record, the derived state and the whole timeline of one incident.

use serde_json::{Value, json};

use crate::config::INCIDENT_MANAGER;
use crate::context::Ctx;
use crate::model::{Incident, timeline};
use crate::present;
use crate::sla::figures::{self, ClientFigures, RestoreFigure};
use crate::sla::{Rule, durations};
use crate::state::State;
use crate::time;

pub fn run(ctx: &Ctx, id: Option<&str>) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    let plan = incident.plan.clone();
    let state = ctx.state_now(&incident);
    if !state.exists() {
        anyhow::bail!(
            "{} was reported at {}, after now ({}): it did not exist yet",
            incident.id,
            time::format(&incident.record.reported),
            time::format(&ctx.now)
        );
    }
    let config = &ctx.repo.config;
    let evaluation = crate::sla::evaluate_state(config, &incident, &state);
    // The incident's own restore clock: with several clients, not any one client's.
    let own = crate::sla::engine::incident_clocks(config, &incident, &state);
    let restore = own.clock(Rule::Restore);
    let durations = durations::with_restore(&state, restore);
    let clients = figures::clients(&state, &evaluation);
    let clocks = evaluation.clocks;
    let regulatory = crate::regulation::statuses(config, &state);
    if ctx.json {
        let mut view = json_view(&incident, &state);
        present::show_json(config, &state, plan.as_ref(), &mut view);
        view["clocks"] = serde_json::to_value(&clocks)?;
        view["durations"] = serde_json::to_value(&durations)?;
        view["restore"] = serde_json::to_value(restore.map(RestoreFigure::of))?;
        view["clients"] = serde_json::to_value(&clients)?;
        view["sharing"] = serde_json::to_value(crate::sync::overview(&ctx.repo))?;
        view["regulatory"] = serde_json::to_value(&regulatory)?;
        return ctx.print_json(&view);
    }
    // The record and the timeline are repository text: a terminal gets it neutralised.
    print!(
        "{}",
        crate::text::for_terminal(&text_view(ctx, &incident, &state, plan.as_ref()))
    );
    // The regulatory clocks have their own section, with their stages; clock names
    // carry names from mim.yaml and the timeline.
    let sla: Vec<_> = clocks
        .iter()
        .filter(|c| !c.rule.is_regulatory())
        .cloned()
        .collect();
    print!(
        "{}",
        crate::text::for_terminal(&present::clocks_text(&sla, ctx.now, ctx.repo.config.tz()))
    );
    print!(
        "{}",
        crate::text::for_terminal(&crate::regulation::show_text(
            config,
            &incident.id,
            &regulatory
        ))
    );
    print!("{}", present::durations_text(&durations));
    if state.per_client() {
        print!("{}", clients_text(ctx, &clients));
    }
    if let Some(sharing) = crate::sync::overview(&ctx.repo) {
        let text = sharing.text(ctx.repo.config.tz(), Some(&incident.id));
        if !text.is_empty() {
            print!("\n{}", crate::text::for_terminal(&text));
        }
    }
    Ok(())
}

/// The `Clients` section: each affected client's own window and restore clock.
fn clients_text(ctx: &Ctx, clients: &[ClientFigures]) -> String {
    let config = &ctx.repo.config;
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

/// The timeline as shown: the declaration (from the record) first, then events in time order.
pub fn timeline(incident: &Incident, state: &State) -> Vec<Value> {
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

pub fn json_view(incident: &Incident, state: &State) -> Value {
    json!({
        "id": incident.id,
        "record": incident.record,
        "state": state,
        "timeline": timeline(incident, state),
        "pir": state.pir,
    })
}

fn text_view(
    ctx: &Ctx,
    incident: &Incident,
    state: &State,
    plan: Option<&crate::model::plan::Plan>,
) -> String {
    let tz = ctx.repo.config.tz();
    let r = &incident.record;
    let s = state;
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
    field("service", s.services.join(", "));
    if let Some(client) = s.sole_client() {
        field("client", ctx.repo.config.client_name(client));
    } else if s.per_client() {
        field("clients", affected_clients(ctx, s));
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
    if let Some(d) = &r.description {
        out.push_str(&format!("\n{}\n", indent(d)));
    }
    out.push_str(&present::show_text(&ctx.repo.config, state, plan));
    out.push_str(&present::roles_and_links_text(&ctx.repo.config, state));
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
            timeline::describe(e, &|k| ctx.repo.config.client_name(k), ctx.repo.config.tz())
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

/// `Acme Corp (high), Globex (medium, from 19:00, restored 21:00)`: each affected client
/// with its own impact, when it joined after the report and when it was restored.
fn affected_clients(ctx: &Ctx, s: &State) -> String {
    let config = &ctx.repo.config;
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
