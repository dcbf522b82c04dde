//! `mim facts`: what each reader of an incident is told, as the e-mails, status pages and
//! feeds state it (see [`crate::facts`]): for template authors, and for anyone who wants
//! to check a figure a reader was given.

use serde_json::json;

use crate::cli::{FactsArgs, ReaderAudience};
use crate::context::Ctx;
use crate::error::Error;
use crate::facts::{Facts, Reader};
use crate::model::{Audience, Incident};
use crate::state::State;

pub fn run(ctx: &Ctx, args: &FactsArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state_now(&incident);
    if !state.exists() {
        anyhow::bail!(
            "{} was not reported yet at {}",
            incident.id,
            crate::time::format(&ctx.now)
        );
    }
    if let Some(key) = &args.client
        && !state.ever_affected(key)
    {
        let affected: Vec<&str> = state.affected().map(|c| c.client.as_str()).collect();
        return Err(Error::Usage(anyhow::anyhow!(
            "{} does not affect client `{}`; it affects {}",
            incident.id,
            key.escape_debug(),
            if affected.is_empty() {
                "no client".to_string()
            } else {
                affected.join(", ")
            }
        ))
        .into());
    }
    let eval = crate::sla::evaluate_state(config, &incident, &state);
    let mut readers = Vec::new();
    for reader in readers_of(&state, args) {
        let eta = latest_eta(ctx, &incident, &state, &reader)?;
        let facts = Facts::with(config, &incident, &state, &eval, &reader, eta);
        readers.push((reader.label(), facts));
    }
    if ctx.json {
        let list: Vec<serde_json::Value> = readers
            .iter()
            .map(|(label, facts)| {
                let mut v = serde_json::to_value(facts).unwrap_or_default();
                v["reader"] = json!(label);
                v
            })
            .collect();
        return ctx.print_json(&json!({
            "incident": incident.id,
            "now": crate::time::format(&ctx.now),
            "readers": list,
        }));
    }
    let mut out = String::new();
    for (label, facts) in &readers {
        out.push_str(&format!("{label}\n"));
        let value = serde_json::to_value(facts).unwrap_or_default();
        if let Some(map) = value.as_object() {
            for (key, v) in map {
                if v.is_null() || v.as_array().is_some_and(Vec::is_empty) {
                    continue;
                }
                let shown = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push_str(&format!("  {key:<16} {shown}\n"));
            }
        }
        out.push('\n');
    }
    print!("{}", crate::text::for_terminal(out.trim_end()));
    println!();
    Ok(())
}

/// The readers of the incident: the provider's, then each client's people.
fn readers_of(state: &State, args: &FactsArgs) -> Vec<Reader> {
    let wanted = args.audience.map(|a| match a {
        ReaderAudience::Internal => Audience::Internal,
        ReaderAudience::Management => Audience::Management,
        ReaderAudience::Client => Audience::Client,
        ReaderAudience::ClientManagement => Audience::ClientManagement,
        ReaderAudience::EndUsers => Audience::EndUsers,
    });
    let clients: Vec<&str> = match &args.client {
        Some(key) => vec![key.as_str()],
        None => state.affected().map(|c| c.client.as_str()).collect(),
    };
    let mut out = Vec::new();
    for audience in Audience::ALL {
        if wanted.is_some_and(|w| w != audience) {
            continue;
        }
        if audience.is_external() {
            out.extend(clients.iter().map(|key| Reader::new(audience, Some(key))));
        } else if args.client.is_none() {
            out.push(Reader::new(audience, None));
        }
    }
    out
}

/// The estimate of the restoration the reader was last given, from its latest update.
fn latest_eta(
    ctx: &Ctx,
    incident: &Incident,
    state: &State,
    reader: &Reader,
) -> anyhow::Result<Option<crate::time::Timestamp>> {
    let own = reader.client.as_deref().filter(|_| state.per_client());
    let audience = if reader.audience == Audience::EndUsers {
        Audience::Client
    } else {
        reader.audience
    };
    let Some(mark) = state
        .updates_for(audience, own)
        .filter(|u| u.audience == audience.as_str())
        .max_by_key(|u| u.at)
    else {
        return Ok(None);
    };
    let (front, _) = crate::comms::update_file::read(&ctx.repo.root, &incident.dir, mark)?;
    Ok(front.eta)
}
