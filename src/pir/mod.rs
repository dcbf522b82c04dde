//! The post incident review (MSP-03g): whether one is required, what `close` still
//! needs, its metrics and its report. Its data (start, action items, reviews) is in the
//! append-only timeline and derived with the rest of the state ([`crate::model::pir`]);
//! the people's prose is in `pir.md` (see [`document`]).

pub mod document;
pub mod metrics;
pub mod report;
pub mod rfo;

use crate::config::{Config, PirRequirement};
pub use crate::model::pir::{Action, ActionStatus, Pir, Review, ids};
use crate::model::pir::{PirReason, ReviewSession};
use crate::model::{Entry, Incident};
use crate::state::State;

/// Whether the incident's priority requires a PIR (`pir: required` in mim.yaml).
pub fn is_required(config: &Config, state: &State) -> bool {
    config
        .targets(&state.priority)
        .is_some_and(|t| t.pir == PirRequirement::Required)
}

/// What must still happen before the incident may be closed; empty when nothing.
/// With a PIR (required, or started anyway): started, a review held (a client review
/// when the client asked for the PIR), and every action item done or dropped.
pub fn close_gaps(config: &Config, incident: &Incident, state: &State) -> Vec<String> {
    let id = &incident.id;
    let Some(pir) = &state.pir else {
        if is_required(config, state) {
            return vec![format!(
                "no post incident review was started, and {} requires one: `mim pir start {id} --reason required`",
                state.priority
            )];
        }
        return Vec::new();
    };
    let mut gaps = Vec::new();
    if pir.reviews.is_empty() {
        gaps.push(format!(
            "no PIR review has been held: record it with `mim pir review {id} internal|client --held-at TIME --attendees NAMES --feedback TEXT`"
        ));
    }
    if pir.reason == PirReason::ClientRequest
        && !pir
            .reviews
            .iter()
            .any(|r| r.session == ReviewSession::Client)
    {
        gaps.push(format!(
            "the client asked for this PIR, but no client review has been held: `mim pir review {id} client ...`"
        ));
    }
    for a in pir.actions.iter().filter(|a| a.is_open()) {
        gaps.push(format!(
            "action {} is open: {} (owner {}, due {}): `mim pir action done {id} {}` or `mim pir action drop {id} {} --reason TEXT`",
            a.id, a.text, a.owner, a.due, a.id, a.id
        ));
    }
    gaps
}

/// The clients a client review was held with, each with its reviews, in the order
/// they were affected: a review names its client (`--client`), or was held with the
/// incident's clients together (`None` for an incident of no client).
pub fn client_reviews<'p>(state: &State, pir: &'p Pir) -> Vec<(Option<String>, Vec<&'p Review>)> {
    let affected: Vec<Option<String>> = state.affected().map(|c| Some(c.client.clone())).collect();
    let everyone = if affected.is_empty() {
        vec![None]
    } else {
        affected
    };
    let mut out: Vec<(Option<String>, Vec<&Review>)> = Vec::new();
    for review in pir
        .reviews
        .iter()
        .filter(|r| r.session == ReviewSession::Client)
    {
        let with = match &review.client {
            Some(c) => vec![Some(c.clone())],
            None => everyone.clone(),
        };
        for client in with {
            match out.iter_mut().find(|(c, _)| *c == client) {
                Some((_, reviews)) => reviews.push(review),
                None => out.push((client, vec![review])),
            }
        }
    }
    let rank = |c: &Option<String>| everyone.iter().position(|e| e == c).unwrap_or(usize::MAX);
    out.sort_by_key(|(c, _)| rank(c));
    out
}

/// The action IDs of a PIR, for [`ids::find`].
pub fn action_ids(actions: &[Action]) -> Vec<&str> {
    actions.iter().map(|a| a.id.as_str()).collect()
}

/// Whether an entry is one of the PIR's own events (left out of the incident timeline
/// in the report).
pub fn is_pir_event(entry: &Entry) -> bool {
    entry.event.name().starts_with("pir-")
}

/// Refuse a client the incident never affected: a review is held with its clients, an
/// action committed to them, a report written for one.
pub fn affected_client(state: &State, id: &str, key: &str) -> anyhow::Result<()> {
    if state.ever_affected(key) {
        return Ok(());
    }
    let clients: Vec<&str> = state.clients.iter().map(|c| c.client.as_str()).collect();
    anyhow::bail!(
        "--client {}: {id} never affected that client; its clients are {}",
        key.escape_debug(),
        if clients.is_empty() {
            "none".to_string()
        } else {
            clients.join(", ")
        }
    )
}

/// The PIR of an incident that is not closed yet, for commands that add to it (`what`:
/// `add an action to`).
pub fn open(state: &State, id: &str, what: &str) -> anyhow::Result<Pir> {
    let Some(pir) = state.pir.clone() else {
        anyhow::bail!(
            "cannot {what} the post incident review of {id}: none was started; start it with `mim pir start {id} --reason required|client-request|management`"
        );
    };
    if state.status == crate::lifecycle::Status::Closed {
        anyhow::bail!("cannot {what} the post incident review of {id}: the incident is closed");
    }
    Ok(pir)
}

/// Refuse `what` (`pir review`) at `now` before the PIR was started.
pub fn after_start(pir: &Pir, now: crate::time::Timestamp, what: &str) -> anyhow::Result<()> {
    if now < pir.started_at {
        anyhow::bail!(
            "{what} cannot happen at {}: the PIR was started later, at {}",
            crate::time::format(&now),
            crate::time::format(&pir.started_at)
        );
    }
    Ok(())
}

/// The problem ticket given at the last resolve, if any.
pub fn problem(state: &State) -> Option<&str> {
    state.resolutions.last().and_then(|r| r.problem.as_deref())
}

/// A file of the incident, never through a symbolic link; `None` when it is missing.
pub fn read_optional(
    incident: &Incident,
    path: &std::path::Path,
) -> anyhow::Result<Option<String>> {
    use anyhow::Context as _;
    crate::safe_fs::read_optional(&incident.dir, path).with_context(|| {
        let name = path.strip_prefix(&incident.dir).unwrap_or(path);
        let shown = incident.shown_dir().join(name);
        format!("reading {}", shown.display())
    })
}

#[cfg(test)]
mod tests;
