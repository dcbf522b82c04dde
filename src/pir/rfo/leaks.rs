//! The guard of the client's incident report: the terms it must not show (the other
//! clients, our people, vendors and their cases, the bridge, tickets, internal notes),
//! looked for in every text the report's context carries.

use crate::config::Config;
use crate::model::pir::ActionKind;
use crate::model::{EscalationKind, Incident};
use crate::state::State;

use super::Rfo;

/// What the client must not read, each with why: the other clients (names, keys, the
/// services only they lost), our people's names, vendors and their case references, the
/// bridge, problem tickets and other tickets, internal notes and reasons.
fn internal_terms(
    config: &Config,
    incident: &Incident,
    state: &State,
    key: &str,
) -> Vec<(String, &'static str)> {
    let mut terms = Terms::default();
    terms.other_clients(config, incident, state, key);
    for name in our_people(incident, state) {
        if name != config.organization.name {
            terms.add(name, "one of our people");
        }
    }
    terms.vendors_and_bridge(incident);
    terms.escalations(state);
    terms.tickets(incident, state);
    terms.internal_prose(state);
    terms.0
}

/// The terms found so far, each once, with why, in the order found.
#[derive(Default)]
struct Terms(Vec<(String, &'static str)>);

impl Terms {
    /// Add `term` (trimmed) for `why`, unless shorter than 3 characters or already there.
    fn add(&mut self, term: &str, why: &'static str) {
        let term = term.trim();
        if term.chars().count() >= 3 && !self.0.iter().any(|(t, _)| t == term) {
            self.0.push((term.to_string(), why));
        }
    }

    /// The clients other than `key`: their names, keys and the services only they lost.
    fn other_clients(&mut self, config: &Config, incident: &Incident, state: &State, key: &str) {
        // A client `incident.yaml` names lost the incident's own services too.
        let declared = incident.record.client.iter().any(|c| c == key);
        let own: Vec<&str> = state
            .clients
            .iter()
            .filter(|c| c.client == key)
            .flat_map(|c| c.services.iter().map(String::as_str))
            .chain(incident.record.service.iter().filter(|_| declared))
            .collect();
        for other in state.clients.iter().filter(|c| c.client != key) {
            self.add(&config.client_name(&other.client), "another client");
            self.add(&other.client, "another client");
            for s in other.services.iter().filter(|s| !own.contains(&s.as_str())) {
                self.add(s, "another client's service");
            }
        }
    }

    /// The plan's workstream vendors and its bridge.
    fn vendors_and_bridge(&mut self, incident: &Incident) {
        let Some(plan) = &incident.plan else {
            return;
        };
        for v in plan.workstreams.iter().filter_map(|w| w.vendor.as_deref()) {
            self.add(v, "a vendor of ours");
        }
        if let Some(b) = &plan.bridge {
            self.add(b, "the bridge");
        }
    }

    /// Whom we escalated to (but the client's own IT), the vendors' case references and
    /// the reasons given.
    fn escalations(&mut self, state: &State) {
        for (_, e) in &state.escalations {
            if e.kind != EscalationKind::ClientIt {
                self.add(&e.to, "whom we escalated to");
            }
            if let Some(r) = &e.reference {
                self.add(r, "a vendor case reference");
            }
            if let Some(r) = &e.reason {
                self.add(r, "an internal reason");
            }
        }
    }

    /// The record's tickets, then the problem tickets of resolutions and milestones.
    fn tickets(&mut self, incident: &Incident, state: &State) {
        for t in &incident.record.tickets {
            self.add(t, "a ticket reference");
        }
        for r in &state.resolutions {
            if let Some(p) = &r.problem {
                self.add(p, "a problem ticket");
            }
        }
        for m in &state.milestones {
            if let Some(p) = &m.problem {
                self.add(p, "a problem ticket");
            }
        }
    }

    /// The notes and handover notes, in the order they were recorded.
    fn internal_prose(&mut self, state: &State) {
        let mut prose: Vec<(usize, &str, &'static str)> = state
            .notes
            .iter()
            .map(|n| (n.entry, n.text.as_str(), "an internal note"))
            .chain(
                state
                    .handovers
                    .iter()
                    .map(|h| (h.entry, h.note.as_str(), "a handover note")),
            )
            .collect();
        prose.sort_by_key(|(entry, ..)| *entry);
        for (_, text, why) in prose {
            self.add(text, why);
        }
    }
}

/// Our people, as named anywhere in the incident: the reporter, everyone who wrote an
/// entry, held a role or took a handover, the PIR's facilitator, starter and owners of
/// our actions, the workstreams' owners. With repeats; in that order.
fn our_people<'a>(incident: &'a Incident, state: &'a State) -> Vec<&'a str> {
    let mut people: Vec<&str> = vec![incident.record.reporter.as_str()];
    people.extend(incident.entries.iter().map(|e| e.by.as_str()));
    people.extend(state.roles.iter().map(|r| r.holder.as_str()));
    people.extend(state.handovers.iter().map(|h| h.to.as_str()));
    if let Some(p) = &state.pir {
        people.extend([p.facilitator.as_str(), p.started_by.as_str()]);
        people.extend(
            p.actions
                .iter()
                .filter(|a| a.kind != ActionKind::Client)
                .map(|a| a.owner.as_str()),
        );
    }
    if let Some(plan) = &incident.plan {
        people.extend(plan.workstreams.iter().map(|w| w.owner.as_str()));
    }
    people
}

/// What of the report's text names what the client must not read: `shown (why) in
/// field`. Each term matches as a whole word (or words); other clients' names and keys
/// in any case, the rest as written.
pub fn leaks(
    config: &Config,
    incident: &Incident,
    state: &State,
    key: &str,
    rfo: &Rfo,
) -> Vec<String> {
    let terms = internal_terms(config, incident, state, key);
    let value = serde_json::to_value(rfo).expect("the report context serializes");
    let mut found = Vec::new();
    walk(&value, String::new(), &mut |path, text| {
        for (term, why) in &terms {
            let hit = contains_word(text, term, why.starts_with("another client"));
            if hit
                && !found
                    .iter()
                    .any(|f: &String| f.starts_with(&format!("`{term}`")))
            {
                found.push(format!("`{term}` ({why}) in {path}"));
            }
        }
    });
    found
}

/// What of `text`, typed for client `key`'s people, names what they must not read:
/// `` `term` (why) `` for each, as [`leaks`] finds it in the client's report.
pub fn in_client_text(
    config: &Config,
    incident: &Incident,
    state: &State,
    key: &str,
    text: &str,
) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    // Our people's names, whom we escalated to and our own notes are normal words in a
    // message to a client ("Ann Smith, your incident manager, will call"; "Will"): the
    // client's own report guards those; a message warns on what is never theirs.
    let kept = |why: &str| {
        !matches!(
            why,
            "one of our people"
                | "whom we escalated to"
                | "an internal note"
                | "a handover note"
                | "an internal reason"
        )
    };
    for (term, why) in internal_terms(config, incident, state, key)
        .into_iter()
        .filter(|(_, why)| kept(why))
    {
        let any_case = why.starts_with("another client");
        let seen = found.iter().any(|f| {
            f.to_lowercase()
                .starts_with(&format!("`{}`", term.to_lowercase()))
        });
        if !seen && contains_word(text, &term, any_case) {
            found.push(format!("`{term}` ({why})"));
        }
    }
    found
}

/// A warning for each term of `text`, to be read by client `key`'s people, that they must
/// not read (another client, vendors and their cases, the bridge, tickets):
/// the text is still written, since the incident manager may mean it.
pub fn warn(config: &Config, incident: &Incident, state: &State, key: &str, text: &str) {
    let found = in_client_text(config, incident, state, key, text);
    if !found.is_empty() {
        eprintln!(
            "warning: the text for {}'s people names {}: check they are meant to read it",
            config.client_name(key),
            found.join(", ")
        );
    }
}
/// Every string in `value`, with its path (`timeline[2].text`).
fn walk(value: &serde_json::Value, path: String, f: &mut dyn FnMut(&str, &str)) {
    match value {
        serde_json::Value::String(s) => f(&path, s),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), f);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, p, f);
            }
        }
        _ => {}
    }
}

/// Whether `text` has `word` as a whole word (not inside a longer one), in any case
/// when `any_case`.
fn contains_word(text: &str, word: &str, any_case: bool) -> bool {
    let (text, word) = if any_case {
        (text.to_lowercase(), word.to_lowercase())
    } else {
        (text.to_string(), word.to_string())
    };
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    text.match_indices(&word).any(|(i, _)| {
        !is_word(text[..i].chars().next_back()) && !is_word(text[i + word.len()..].chars().next())
    })
}
