//! Finding problems: every file of every incident checked against the configuration,
//! the lifecycle and each other, every problem reported (not just the first). `mim
//! validate` prints them; `mim check` reports them as findings.
//!
//! Incidents stream through: each is loaded, checked and handed to the caller's
//! function on one of rayon's threads, then dropped, so memory grows with what the
//! caller keeps (findings, clocks), not with the repository. The default depth reads
//! what the checks need — record, timeline, plan, the front matter of each status
//! update, the names in `outbox/` and its `sent.log`; [`Depth::Deep`] also reads every
//! update's body and parses every rendered e-mail.

use std::path::Path;

use rayon::prelude::*;

use crate::diag::{Diagnostic, Diagnostics, locate};
use crate::model::timeline::Reference;
use crate::model::{Incident, RECORD_FILE, TIMELINE_FILE};
use crate::repo::{self, Repo};
use crate::state::{self, State};
use crate::store;
use crate::time::Timestamp;

/// How much of each incident validation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// What `check` needs: the files the state and the SLA clocks come from, the front
    /// matter of status updates, and the outbox by its names and `sent.log`.
    Files,
    /// Also every status update's body and every rendered e-mail (`validate --deep`).
    Deep,
}

/// What [`each`] found: how many incident directories, the problems that belong to no
/// one incident, and every incident's outcome in ID order.
pub struct Checked<T> {
    pub count: usize,
    /// Stray directories under `incidents/`, broken template overrides.
    pub problems: Vec<Diagnostic>,
    pub incidents: Vec<Outcome<T>>,
}

/// One incident's problems, and what the caller made of it if it loaded.
pub struct Outcome<T> {
    pub id: String,
    pub problems: Vec<Diagnostic>,
    pub value: Option<T>,
}

impl<T> Checked<T> {
    /// Every problem, the repository's first, then each incident's in ID order.
    pub fn all_problems(&self) -> impl Iterator<Item = &Diagnostic> {
        self.problems
            .iter()
            .chain(self.incidents.iter().flat_map(|o| &o.problems))
    }
}

/// Load and check every incident in parallel, each once, calling `keep` on each that
/// loads (after its checks, on the same thread) and dropping the incident afterwards.
pub fn each<T: Send>(
    repo: &Repo,
    depth: Depth,
    keep: impl Fn(&Incident, &[Diagnostic]) -> T + Sync,
) -> anyhow::Result<Checked<T>> {
    each_known(repo, depth, |_| None, keep)
}

/// [`each`], except for the incidents whose outcome `known` gives by their ID (`mim
/// check`'s cache): those are neither loaded nor checked here, and their outcome has
/// `known`'s value and no problems of its own. The repository's own problems are found
/// as always, and an incident holding a symbolic link or a special file is read anyway.
pub fn each_known<T: Send>(
    repo: &Repo,
    depth: Depth,
    known: impl Fn(&str) -> Option<T> + Sync,
    keep: impl Fn(&Incident, &[Diagnostic]) -> T + Sync,
) -> anyhow::Result<Checked<T>> {
    let links = symlinks(repo);
    if links
        .iter()
        .any(|d| d.file == Path::new(repo::INCIDENTS_DIR))
    {
        // Nothing under a symlinked incidents/ is read.
        return Ok(Checked {
            count: 0,
            problems: links,
            incidents: Vec::new(),
        });
    }
    // An incident holding a link or a special file is always read: git does not see a
    // FIFO or a device, so no cache can vouch for one.
    let linked = repo::ids_in(links.iter().map(|d| d.file.as_path()));
    let listing = repo.listing()?;
    let mut problems = links;
    problems.extend(listing_problems(repo, &listing));
    problems.extend(crate::overrides::overrides(repo));
    let incidents = listing
        .ids
        .into_par_iter()
        .map(|id| match known(&id).filter(|_| !linked.contains(&id)) {
            Some(value) => Outcome {
                id,
                problems: Vec::new(),
                value: Some(value),
            },
            None => load_and_check(repo, id, depth, &problems, &keep),
        })
        .collect::<Vec<_>>();
    Ok(Checked {
        count: incidents.len(),
        problems,
        incidents,
    })
}

/// One incident loaded and checked, `keep` called on it if it loads; `shared` are the
/// repository's problems (a symlink is reported once, there).
fn load_and_check<T>(
    repo: &Repo,
    id: String,
    depth: Depth,
    shared: &[Diagnostic],
    keep: &impl Fn(&Incident, &[Diagnostic]) -> T,
) -> Outcome<T> {
    match store::load(repo, &id) {
        Ok(incident) => {
            let problems = incident_problems(repo, &incident, depth);
            let value = Some(keep(&incident, &problems));
            Outcome {
                id,
                problems,
                value,
            }
        }
        Err(Diagnostics(d)) => Outcome {
            problems: missing_record(repo, &id)
                .into_iter()
                .chain(d)
                // A symlink reported for the whole repository is reported once.
                .filter(|p| !shared.iter().any(|l| l.file == p.file))
                .collect(),
            id,
            value: None,
        },
    }
}

/// Every symbolic link (and FIFO, socket, device) under `incidents/` and `templates/`,
/// and those directories themselves: mim never follows or opens them, and says so.
/// Nothing about a link's target is read or shown.
pub fn symlinks(repo: &Repo) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for top in [repo::INCIDENTS_DIR, repo::TEMPLATES_DIR] {
        let walk = walkdir::WalkDir::new(repo.root.join(top))
            .follow_links(false)
            .follow_root_links(false)
            .sort_by_file_name();
        for entry in walk.into_iter().flatten() {
            let kind = entry.file_type();
            let message = if kind.is_symlink() {
                "is a symbolic link: mim never follows symbolic links under incidents/ or templates/ \
                 and does not read its target; replace it with the file or directory itself"
            } else if !kind.is_file() && !kind.is_dir() {
                "is not a regular file (a FIFO, socket or device): mim does not read it; remove it"
            } else {
                continue;
            };
            out.push(Diagnostic::new(repo.relative(entry.path()), message));
        }
    }
    out
}

/// Directories under `incidents/` that are not incidents (a typo, a stray copy), and
/// incidents with a directory in both layouts.
fn listing_problems(repo: &Repo, listing: &repo::Listing) -> Vec<Diagnostic> {
    let strays = listing.strays.iter().map(|dir| {
        Diagnostic::new(
            dir,
            "not an incident directory: names are YYYY-MM-DD-slug in [a-z0-9-], in incidents/ or in incidents/YYYY/MM/ of their date; mim ignores it",
        )
    });
    let twice = listing.twice.iter().map(|id| {
        let read = repo.relative(&repo.incident_dir(id)).to_path_buf();
        let other = [repo::Layout::Flat, repo::Layout::Monthly]
            .map(|layout| repo::incident_path(layout, id))
            .into_iter()
            .find(|p| *p != read)
            .unwrap_or_default();
        Diagnostic::new(
            &other,
            format!(
                "a second directory of incident {id}: mim reads {} and ignores this one; remove the copy you do not want",
                read.display()
            ),
        )
    });
    strays.chain(twice).collect()
}

/// An incident directory without its record (looked for only when it did not load).
fn missing_record(repo: &Repo, id: &str) -> Option<Diagnostic> {
    let dir = repo.incident_dir(id);
    (!crate::safe_fs::exists(&repo.root, &dir.join(RECORD_FILE))).then(|| {
        Diagnostic::new(
            &repo.relative(&dir).join(RECORD_FILE),
            "missing: every incident directory needs its incident.yaml",
        )
    })
}

/// What a loaded incident gets wrong against the configuration and the lifecycle.
pub fn incident_problems(repo: &Repo, incident: &Incident, depth: Depth) -> Vec<Diagnostic> {
    let config = &repo.config;
    // Every recorded event counts for validation, whenever it is dated.
    let state = state::derive(config, incident, Timestamp::MAX_UTC.fixed_offset());
    let mut out = record_value_problems(repo, incident);
    out.extend(record_time_problems(repo, incident));
    let entries = entry_problems(repo, incident, &state);
    out.extend(timeline_problems(repo, incident, &state));
    out.extend(entries.values);
    let shown = repo.relative(&incident.dir);
    out.extend(crate::comms::update_file::problems(
        incident,
        &state,
        shown,
        depth == Depth::Deep,
    ));
    out.extend(crate::comms::outbox::problems(
        incident,
        &state,
        shown,
        depth == Depth::Deep,
    ));
    out.extend(entries.levels);
    out.extend(stakeholder_problems(repo, incident, &state));
    out.extend(pir_problems(repo, incident, &state, depth == Depth::Deep));
    out.extend(entries.clients);
    out.extend(plan_record_problems(repo, incident, &state));
    out.extend(duplicate_number_problems(repo, incident, &state));
    out
}

/// The record's impact, urgency, priority, clients and category that `mim.yaml` does not
/// know.
fn record_value_problems(repo: &Repo, incident: &Incident) -> Vec<Diagnostic> {
    let config = &repo.config;
    let mut out = Vec::new();
    let mut at_key =
        |key: &str, message: String| out.push(at_record_key(repo, incident, key, message));
    let r = &incident.record;
    if !config.impact.contains(&r.impact) {
        at_key(
            "impact",
            format!(
                "impact `{}` is not in mim.yaml ({})",
                r.impact,
                config.impact.join(", ")
            ),
        );
    }
    if !config.urgency.contains(&r.urgency) {
        at_key(
            "urgency",
            format!(
                "urgency `{}` is not in mim.yaml ({})",
                r.urgency,
                config.urgency.join(", ")
            ),
        );
    }
    if config.targets(&r.priority).is_none() {
        at_key(
            "priority",
            format!("priority `{}` has no targets in mim.yaml", r.priority),
        );
    }
    if let Some(client) = r.client.iter().find(|c| !config.clients.contains_key(*c)) {
        at_key(
            "client",
            format!("client `{client}` is not under `clients` in mim.yaml"),
        );
    }
    if let Some(category) = &r.category
        && !config.categories.is_empty()
        && !config.categories.contains(category)
    {
        at_key(
            "category",
            format!(
                "category `{category}` is not in mim.yaml ({})",
                config.categories.join(", ")
            ),
        );
    }
    out
}

/// The record's times out of order: impact start or detection after the report, or
/// detection before the impact started.
fn record_time_problems(repo: &Repo, incident: &Incident) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut at_key =
        |key: &str, message: String| out.push(at_record_key(repo, incident, key, message));
    let r = &incident.record;
    for (key, at) in [
        ("impact_started", r.impact_started),
        ("detected", r.detected),
    ] {
        if let Some(at) = at.filter(|at| *at > r.reported) {
            at_key(
                key,
                format!(
                    "{key} {} is after the report ({}): it can only be earlier",
                    crate::time::format(&at),
                    crate::time::format(&r.reported)
                ),
            );
        }
    }
    if let (Some(started), Some(detected)) = (r.impact_started, r.detected)
        && detected < started
    {
        at_key(
            "detected",
            "detected is before impact_started: an impact is detected once it has started"
                .to_string(),
        );
    }
    out
}

/// A `plan.md` whose front matter disagrees with the plan its timeline records (a merge
/// that kept one side's plan.md, a hand edit): what differs, and how to put it right.
/// Nothing is said when the timeline does not record all of the plan (older timelines).
fn plan_record_problems(repo: &Repo, incident: &Incident, state: &State) -> Vec<Diagnostic> {
    let Some(found) = state.plan.disagreement(incident.plan.as_ref()) else {
        return Vec::new();
    };
    let id = &incident.id;
    let what = match incident.plan {
        Some(_) => "the front matter disagrees with the plan the timeline records",
        None => "missing, but the timeline records a plan",
    };
    vec![Diagnostic::new(
        repo.relative(&incident.plan_path()),
        format!(
            "{what}: {}. If a merge lost it, `mim plan {id} --rebuild` writes the front matter \
             again from the timeline; if it was edited by hand, record the change with `mim plan {id}` \
             (--workstream, --stakeholder, --bridge, --internal-every, --client-every)",
            found.join("; ")
        ),
    )]
}

/// Two updates to one reader (an audience; for one client, where the update went to one)
/// with the same number: two clones recorded it at once, and the reader got two messages
/// numbered alike. Reported at the later one, naming both and their authors.
fn duplicate_number_problems(repo: &Repo, incident: &Incident, state: &State) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (first, later) in state.same_numbers() {
        let (first, update) = (&state.updates[first], &state.updates[later]);
        let reader = match &update.client {
            Some(client) => format!("{} ({client})", update.audience),
            None => update.audience.clone(),
        };
        let (this, other) = (
            &incident.entries[update.entry],
            &incident.entries[first.entry],
        );
        let n = update.number;
        out.push(at_entry(
            repo,
            incident,
            update.entry,
            format!(
                "update {n} to {reader} by {} at {} has the same number as update {n} to {reader} by {} at {} \
                 (line {}): two clones recorded it at once, so {reader} gets two messages numbered {n}; the next \
                 update continues after the highest number: say in it which message stands",
                this.by,
                crate::time::format(&this.at),
                other.by,
                crate::time::format(&other.at),
                crate::diag::item_line(&incident.texts.timeline, first.entry)
            ),
        ));
    }
    out
}

/// Plan stakeholders on the wrong side of the line between the provider and the client
/// (a client's contact following the provider's management messages): `mim update`
/// would refuse to send, so say it before then, at the stakeholder's line.
fn stakeholder_problems(repo: &Repo, incident: &Incident, state: &State) -> Vec<Diagnostic> {
    let Some(plan) = &incident.plan else {
        return Vec::new();
    };
    let clients: Vec<&str> = state.affected().map(|c| c.client.as_str()).collect();
    let path = incident.plan_path();
    let text = &incident.texts.plan;
    plan.stakeholders
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let err = crate::comms::check_stakeholder(&repo.config, &clients, s).err()?;
            let line = crate::model::plan::item_line(text, "stakeholders", i).unwrap_or(0);
            Some(
                Diagnostic::new(repo.relative(&path), format!("{err:#}"))
                    .at(line, if line > 0 { 1 } else { 0 })
                    .with_source(text),
            )
        })
        .collect()
}

fn timeline_problems(repo: &Repo, incident: &Incident, state: &State) -> Vec<Diagnostic> {
    let at_entry = |index: usize, message: String| at_entry(repo, incident, index, message);
    let mut out: Vec<Diagnostic> = state
        .conflicts
        .iter()
        .map(|c| at_entry(c.entry, c.message.clone()))
        .collect();
    out.extend(
        state
            .order_problems
            .iter()
            .map(|p| at_entry(p.entry, p.message.clone())),
    );
    out
}

/// What each timeline entry gets wrong in itself, in file order: a name past the limit,
/// and what it names that mim.yaml or the incident lacks ([`Reference`]); escalation
/// levels and clients apart, reported where [`incident_problems`] puts them.
#[derive(Default)]
struct EntryProblems {
    values: Vec<Diagnostic>,
    levels: Vec<Diagnostic>,
    clients: Vec<Diagnostic>,
}

fn entry_problems(repo: &Repo, incident: &Incident, state: &State) -> EntryProblems {
    let config = &repo.config;
    let levels: Vec<&str> = config
        .escalation
        .hierarchic
        .iter()
        .map(|l| l.notify.as_str())
        .collect();
    let mut out = EntryProblems::default();
    for (i, entry) in incident.entries.iter().enumerate() {
        let at_entry = |message: String| at_entry(repo, incident, i, message);
        // Names are bounded where they enter; one written into the file by hand is a
        // problem here, with the same limit.
        let names = entry.event.names();
        for (what, name) in [("by", entry.by.as_str())].into_iter().chain(names) {
            let len = crate::text::one_line(name).chars().count();
            if let Some(message) = crate::limits::name_problem(&format!("`{what}`"), len) {
                out.values.push(at_entry(message));
            }
        }
        for reference in entry.event.references() {
            match reference {
                Reference::Priority(priority) if config.targets(priority).is_none() => {
                    out.values.push(at_entry(format!(
                        "priority `{priority}` has no targets in mim.yaml"
                    )));
                }
                Reference::Role(role) if !config.roles.iter().any(|r| r == role) => {
                    out.values.push(at_entry(format!(
                        "role `{role}` is not under `roles` in mim.yaml ({})",
                        config.roles.join(", ")
                    )));
                }
                Reference::Incident(other) if !repo::is_id(other) => {
                    out.values.push(at_entry(format!(
                        "`{}` is not an incident ID",
                        other.escape_debug()
                    )));
                }
                Reference::Closure(closure)
                    if !config.closure_codes.is_empty()
                        && !config.closure_codes.contains_key(closure) =>
                {
                    out.values.push(at_entry(format!(
                        "closure code `{closure}` is not under `closure_codes` in mim.yaml"
                    )));
                }
                Reference::EscalationLevel(level) if !levels.contains(&level) => {
                    let known = if levels.is_empty() {
                        "none".into()
                    } else {
                        levels.join(", ")
                    };
                    out.levels.push(at_entry(format!(
                        "escalation level `{level}` is not under `escalation.hierarchic` in mim.yaml ({known})"
                    )));
                }
                Reference::Client(client) if !state.ever_affected(client) => {
                    out.clients.push(at_entry(format!(
                        "{} is for client `{client}`, which this incident never affected",
                        entry.event.brief()
                    )));
                }
                _ => {}
            }
        }
    }
    out
}

/// A problem with `key` of an incident's `incident.yaml`, positioned where the key is
/// written (in the text kept when the incident was loaded).
pub fn at_record_key(repo: &Repo, incident: &Incident, key: &str, message: String) -> Diagnostic {
    let text = &incident.texts.record;
    let (line, column) = locate(text, &[key]);
    Diagnostic::new(&repo.relative(&incident.dir).join(RECORD_FILE), message)
        .at(line, column)
        .with_source(text)
}

/// A problem with the `index`-th timeline entry (file order), positioned on its line.
pub fn at_entry(repo: &Repo, incident: &Incident, index: usize, message: String) -> Diagnostic {
    let text = &incident.texts.timeline;
    Diagnostic::new(&repo.relative(&incident.dir).join(TIMELINE_FILE), message)
        .at(crate::diag::item_line(text, index), 1)
        .with_source(text)
}

/// The PIR's problems: its timeline events (with their line) and a missing `pir.md`
/// once the PIR is started; with `deep`, a `pir.md` that `mim pir report` could not
/// read (a link, too large, not UTF-8).
fn pir_problems(repo: &Repo, incident: &Incident, state: &State, deep: bool) -> Vec<Diagnostic> {
    use crate::pir::document;
    let mut out: Vec<Diagnostic> = state
        .pir_problems
        .iter()
        .map(|p| at_entry(repo, incident, p.entry, p.message.clone()))
        .collect();
    let path = incident.dir.join(document::FILE);
    let shown = repo.relative(&path).to_path_buf();
    let kind = crate::safe_fs::kind(&incident.dir, &path).ok();
    let present = kind != Some(crate::safe_fs::Kind::Missing);
    if state.pir.is_some() && !present {
        out.push(Diagnostic::new(
            &shown,
            "missing: the PIR was started, and its prose lives in this file; restore it from git",
        ));
    }
    // Links and FIFOs are reported once, by `symlinks`.
    let readable = matches!(
        kind,
        Some(crate::safe_fs::Kind::File | crate::safe_fs::Kind::Dir)
    );
    if deep
        && readable
        && let Err(e) = crate::safe_fs::read_to_string(&incident.dir, &path)
    {
        out.push(Diagnostic::new(&shown, format!("cannot read: {e}")));
    }
    out
}
