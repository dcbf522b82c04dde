//! `mim affect`: the clients and services an incident affects, as they become known —
//! a client added (with its own impact), one client's service back before the others,
//! or one taken off because it was not affected after all (recorded, never erased).
//! When a client's impact is higher than the incident's, the incident is reprioritised
//! in the same commit: the incident's priority follows the highest impact.

use anyhow::bail;
use serde_json::json;

use crate::cli::AffectArgs;
use crate::comms::outbox::OUTBOX_DIR;
use crate::comms::{self, Audience, Composed, Target};
use crate::context::Ctx;
use crate::lifecycle::Status;
use crate::model::{Entry, Event, Incident};
use crate::state::State;
use crate::store::Change;
use crate::text;

/// Record what the flags say is affected (and a raised priority), with the restoral
/// notices of one client's service back.
pub fn run(ctx: &Ctx, args: &AffectArgs) -> anyhow::Result<()> {
    let (service, ci, reason) = check_flags(args)?;
    let incident = ctx.load(args.id.as_deref())?;
    let id = &incident.id;
    let state = ctx.state(&incident);
    check_active(&incident, &state)?;
    let what = check(&state, args, service.as_deref(), ci.as_deref())?;
    let clients: Vec<&str> = args.client.as_deref().into_iter().collect();
    let client_message =
        ctx.client_message(args.client_message.as_ref(), &incident, &state, &clients)?;
    let mut events = vec![Event::Affect {
        client: args.client.clone(),
        service,
        ci,
        impact: args.impact.clone(),
        restored: args.restored,
        workaround: args.workaround,
        client_message,
        remove: args.remove,
        reason: reason.clone(),
    }];
    let mut said = vec![what];
    events.extend(reprioritise(ctx, args, &state, &mut said)?);
    let mut change = Change::new();
    let mut entries = Vec::new();
    for event in events {
        let entry = ctx.entry(&incident, event)?;
        change.event(&incident.dir, &entry);
        entries.push(entry);
    }
    // One client's service back before the others': its people are told now.
    let mut files = Vec::new();
    if let Some(key) = args.client.as_deref().filter(|_| args.restored) {
        for message in restoral_notices(ctx, &incident, &state, &entries, key)? {
            let name = message.file_name();
            change.put(incident.dir.join(OUTBOX_DIR).join(&name), message.bytes);
            files.push(name);
        }
    }
    let names: Vec<&str> = entries.iter().map(|e| e.event.name()).collect();
    let summary = said.join("; ");
    ctx.record(id, &names.join(", "), &summary, &change)?;
    let paths = ctx.outbox_paths(&incident, &files);
    if ctx.json {
        return ctx.print_json(&json!({"incident": id, "entries": entries, "messages": paths}));
    }
    report(ctx, args, &incident, &entries, &paths, &summary);
    if args.send {
        crate::delivery::deliver(ctx, &incident, &files, false)?;
    }
    Ok(())
}

/// `--service`, `--ci` and `--reason` on one line, none empty; refused when nothing
/// is named, or a removal has no reason.
fn check_flags(
    args: &AffectArgs,
) -> anyhow::Result<(Option<String>, Option<String>, Option<String>)> {
    let clean = |s: &Option<String>| text::one_line_or_none(s.as_deref());
    let (service, ci, reason) = (clean(&args.service), clean(&args.ci), clean(&args.reason));
    if args.client.is_none() && service.is_none() && ci.is_none() {
        bail!("say what is affected: --client CLIENT, --service SERVICE or --ci CI");
    }
    if args.remove && reason.is_none() {
        bail!("say why it was not affected after all with --reason TEXT");
    }
    Ok((service, ci, reason))
}

/// Only an active incident's clients and services change.
fn check_active(incident: &Incident, state: &State) -> anyhow::Result<()> {
    if state.status.is_active() {
        return Ok(());
    }
    let hint = if state.status == Status::Resolved {
        "; reopen it with `mim reopen` if service is down again"
    } else {
        ""
    };
    bail!(
        "{} is {}: only a proposed, accepted or on-hold incident's clients and services change{hint}",
        incident.id,
        state.status
    );
}

/// The incident's impact is the highest of its clients': raised, never lowered here.
/// The `reprioritise` event when `--impact` raises it (and the new priority in `said`).
fn reprioritise(
    ctx: &Ctx,
    args: &AffectArgs,
    state: &State,
    said: &mut Vec<String>,
) -> anyhow::Result<Option<Event>> {
    let config = &ctx.repo.config;
    let Some(impact) = args.impact.as_deref().filter(|_| !args.remove) else {
        return Ok(None);
    };
    if severity(config, impact) >= severity(config, &state.impact) {
        return Ok(None);
    }
    let Some(priority) = config.priority_for(impact, &state.urgency) else {
        bail!(
            "mim.yaml's priority_matrix has no priority for impact {impact}, urgency {}",
            state.urgency
        );
    };
    if priority != state.priority {
        said.push(format!("{} → {priority}", state.priority));
    }
    Ok(Some(Event::Reprioritise {
        impact: impact.to_string(),
        urgency: state.urgency.clone(),
        priority: priority.to_string(),
        reason: Some(format!(
            "{} affected with impact {impact}",
            args.client.as_deref().unwrap_or("a service")
        )),
        from: Some(state.priority.clone()),
        client: args.client.clone(),
    }))
}

/// What was recorded, the restoral notices written, and a hint once every affected
/// client is restored.
fn report(
    ctx: &Ctx,
    args: &AffectArgs,
    incident: &Incident,
    entries: &[Entry],
    paths: &[String],
    summary: &str,
) {
    let id = &incident.id;
    for p in paths {
        println!("{p}");
    }
    eprintln!("{id}: {summary}");
    if !paths.is_empty() && !args.send {
        eprintln!(
            "{id}: {} restoral notice{} to {key} in outbox/ (send with `mim send {id}`)",
            paths.len(),
            if paths.len() == 1 { "" } else { "s" },
            key = args.client.as_deref().unwrap_or_default()
        );
    }
    if args.restored {
        let after = ctx.state(&incident.with_entry(&entries[0]));
        if after.affected().all(|c| c.restored().is_some()) {
            eprintln!(
                "hint: every affected client is restored: `mim resolve {id}` records the restoration"
            );
        }
    }
}

/// The restoral notices to the people of `key`, one of several clients, whose service
/// is back before the others': one per audience of the client's people that has
/// recipients, in its own thread, naming no other client.
fn restoral_notices(
    ctx: &Ctx,
    incident: &Incident,
    state: &State,
    entries: &[Entry],
    key: &str,
) -> anyhow::Result<Vec<Composed>> {
    let targets = Audience::ALL
        .into_iter()
        .filter(|a| a.is_external())
        .map(|audience| Target {
            audience,
            client: Some(key.to_string()),
            own: true,
        })
        .collect();
    let (drafts, nobody) = comms::restoral_drafts(&ctx.repo.config, incident, entries, targets)?;
    for target in nobody {
        eprintln!(
            "note: no restoral notice to {} of {key}: nobody is configured ({})",
            target.audience,
            comms::where_to_set(target.audience)
        );
    }
    ctx.compose(incident, state, &drafts)
}

/// What the command does, once it is known to make sense for the incident as it is.
fn check(
    state: &State,
    args: &AffectArgs,
    service: Option<&str>,
    ci: Option<&str>,
) -> anyhow::Result<String> {
    let mut parts = Vec::new();
    if let Some(client) = &args.client {
        let current = state.affected_client(client);
        match (current, args.restored, args.remove) {
            (None, true, _) | (None, _, true) => {
                bail!("{client} is not among the clients this incident affects")
            }
            (Some(c), true, _) if c.restored().is_some() => {
                bail!("{client} is restored already")
            }
            (Some(_), true, _) if !state.per_client() => bail!(
                "{client} is the only client affected: its restoration is the incident's, `mim resolve`"
            ),
            (Some(_), true, _) => parts.push(format!("{client} restored")),
            (Some(_), _, true) => parts.push(format!("{client} taken off")),
            (Some(c), false, false) => {
                let again = c.restored().is_some();
                let new_impact = args.impact.as_deref().filter(|i| *i != c.impact);
                let new_service = service.filter(|s| !c.services.iter().any(|x| x == s));
                if !again && new_impact.is_none() && new_service.is_none() && ci.is_none() {
                    bail!("{client} is affected already, with impact {}", c.impact);
                }
                parts.push(match (again, new_impact) {
                    (true, _) => format!("{client} affected again"),
                    (false, Some(i)) => format!("{client} impact {} → {i}", c.impact),
                    (false, None) => client.to_string(),
                });
            }
            (None, false, false) => parts.push(format!("{client} affected")),
        }
    }
    if let Some(service) = service {
        let known = state.services.iter().any(|s| s == service);
        match (args.remove, known) {
            (true, false) if args.client.is_none() => {
                bail!("{service} is not among the services this incident affects")
            }
            (true, true) if args.client.is_none() && state.services.len() == 1 => {
                bail!("{service} is the only service affected: an incident affects one at least")
            }
            (true, _) if args.client.is_none() => parts.push(format!("{service} taken off")),
            (false, false) => parts.push(format!("service {service}")),
            _ => {}
        }
    }
    if let Some(ci) = ci {
        let known = state.cis.iter().any(|c| c == ci);
        match (args.remove, known) {
            (true, false) if args.client.is_none() => {
                bail!("{ci} is not among the configuration items this incident affects")
            }
            (true, true) if args.client.is_none() => parts.push(format!("{ci} taken off")),
            (false, false) => parts.push(format!("ci {ci}")),
            _ => {}
        }
    }
    if parts.is_empty() {
        bail!("nothing to change: the incident records that already");
    }
    Ok(parts.join(", "))
}

/// How severe an impact level is: its place in `impact` (most severe first).
fn severity(config: &crate::config::Config, impact: &str) -> usize {
    config
        .impact
        .iter()
        .position(|i| i == impact)
        .unwrap_or(usize::MAX)
}
