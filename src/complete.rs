//! Dynamic shell completion (clap_complete's `COMPLETE=<shell> mim` mechanism): incident
//! IDs, active ones first, and values from the repository's `mim.yaml`. Completion runs
//! at every TAB, so it reads what it needs and never fails: outside a repository, or
//! with a broken file, it offers nothing.

use clap_complete::engine::CompletionCandidate;

use crate::config::Config;
use crate::repo::Repo;
use crate::store;

/// The repository around the current directory, if any.
fn repo() -> Option<Repo> {
    let cwd = std::env::current_dir().ok()?;
    Repo::discover(&cwd).ok()
}

/// "Now" for ordering: `MIM_NOW` when set, else the clock.
fn now(config: &Config) -> Option<crate::time::Timestamp> {
    crate::time::now(None, std::env::var("MIM_NOW").ok().as_deref(), config.tz()).ok()
}

/// Every incident's ID: active ones (proposed, accepted, on hold) first, newest first
/// within each group; the help text is the status and title.
pub fn incident_ids() -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else {
        return Vec::new();
    };
    let Some(now) = now(&repo.config) else {
        return Vec::new();
    };
    let Ok(all) = store::load_all(&repo) else {
        return Vec::new();
    };
    let mut rows: Vec<(bool, String, String)> = all
        .into_iter()
        .filter_map(Result::ok)
        .map(|incident| {
            let state = crate::state::derive(&repo.config, &incident, now);
            let help = format!(
                "{} {}: {}",
                state.priority, state.status, incident.record.title
            );
            (state.status.is_active(), incident.id, help)
        })
        .collect();
    // Active first, then by ID descending (IDs start with the date reported).
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    rows.into_iter()
        .enumerate()
        .map(|(i, (_, id, help))| {
            CompletionCandidate::new(id)
                .help(Some(help.into()))
                .display_order(Some(i))
        })
        .collect()
}

/// Candidates from the `mim.yaml` of the repository around the current directory (see
/// [`crate::values::Choice`]): the value and what it means.
pub fn from_config(
    values: impl Fn(&Config) -> Vec<(String, Option<String>)>,
) -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else {
        return Vec::new();
    };
    values(&repo.config)
        .into_iter()
        .map(|(value, help)| CompletionCandidate::new(value).help(help.map(Into::into)))
        .collect()
}
