//! The core of `mim check`: every incident validated and evaluated at "now", in one
//! parallel pass, into one [`Report`] of findings and clocks — validation problems, SLA
//! findings, mail waiting or uncertain in `outbox/`, commits a sync set aside — which
//! [`crate::ci`] writes in the shape a CI system reads.

use std::collections::BTreeMap;
use std::path::Path;

use crate::ci::{About, Finding, Report};
use crate::comms::Kind;
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::diag::{Diagnostic, locate};
use crate::fingerprint::slashes;
use crate::lifecycle::Status;
use crate::model::{Incident, RECORD_FILE, TIMELINE_FILE};
use crate::repo::Repo;
use crate::sla::{self, Anchor, Level, Rule};
use crate::state::State;
use crate::time::Timestamp;
use crate::units::Duration;
use crate::validate::{self, Depth};

mod cache;

use cache::{Cache, Settled};

/// What [`build`] made: the report, and how many incidents came from the cache
/// (`None` when it was not used).
pub struct Built {
    pub report: Report,
    pub from_cache: Option<usize>,
}

/// Validate and evaluate every incident (of `client`, if given) at `now`, in one
/// parallel pass that keeps only each incident's findings and clocks. With `cache`, an
/// incident whose outcome cannot change any more is taken from the [`cache`] while its
/// files are the ones it was found with, and such outcomes found now are kept there.
///
/// SLA findings are reported for incidents that are not final: a closed or rejected
/// incident's clocks are in the report, but its findings are history (see `mim report`)
/// — except a regulatory report still owed, which the close does not end. Without
/// `clocks`, the report leaves the clocks out (the text, GitHub and GitLab formats do
/// not show them): memory then holds each incident's name, not its clocks.
pub fn build(
    repo: &Repo,
    now: Timestamp,
    client: Option<&str>,
    strict: bool,
    cache: bool,
    keep_clocks: bool,
) -> anyhow::Result<Built> {
    let cache = cache.then(|| Cache::open(repo)).flatten();
    let checked = gather(repo, now, cache.as_ref(), keep_clocks)?;
    let mut findings: Vec<Finding> = checked.problems.iter().map(validation).collect();
    let mut clocks = BTreeMap::new();
    let mut about = BTreeMap::new();
    let mut count = 0;
    let mut from_cache = 0;
    let mut settled = Vec::new();
    for outcome in checked.incidents {
        let cached = matches!(outcome.value, Some(Got::Cached(..)));
        let (problems, seen) = match outcome.value {
            None => (outcome.problems.iter().map(validation).collect(), None),
            Some(Got::Fresh(seen, found)) => {
                settled.extend(found);
                (
                    outcome.problems.iter().map(validation).collect(),
                    Some(seen),
                )
            }
            Some(Got::Cached(problems, seen)) => (problems, Some(seen)),
        };
        let evaluated = match seen.map(|s| s.select(client)) {
            // Of another client than `--client`: left out, its problems too.
            Some(None) => continue,
            Some(Some(evaluated)) => evaluated,
            None => None,
        };
        count += 1;
        from_cache += usize::from(cached);
        findings.extend(problems);
        if let Some(e) = evaluated {
            about.insert(outcome.id.clone(), e.about);
            if keep_clocks {
                clocks.insert(outcome.id, e.clocks);
            }
            findings.extend(e.findings);
        }
    }
    let from_cache = cache.map(|c| {
        c.save(settled);
        from_cache
    });
    // Commits a sync set aside, until someone settles them (`mim sync --settle`).
    findings.extend(
        crate::sync::conflicts::findings(&repo.root, repo.config.tz())
            .into_iter()
            .filter(|f| {
                client.is_none() || f.incident.as_ref().is_some_and(|i| about.contains_key(i))
            }),
    );
    findings.sort_by(|a, b| a.incident.cmp(&b.incident));
    let report = Report {
        now,
        incidents: count,
        findings,
        clocks,
        strict,
        about,
        tz: Some(repo.config.tz()),
    };
    Ok(Built { report, from_cache })
}

/// Every incident's outcome, from `cache` where it holds. Each incident's clocks go as
/// soon as its own thread is done with them unless `keep_clocks`: memory then holds
/// names and findings, not 50,000 incidents' clocks.
fn gather(
    repo: &Repo,
    now: Timestamp,
    cache: Option<&Cache>,
    keep_clocks: bool,
) -> anyhow::Result<validate::Checked<Got>> {
    let trim = |mut seen: Seen| {
        if !keep_clocks && let Some(e) = seen.evaluated.as_mut() {
            e.clocks = Vec::new();
        }
        seen
    };
    validate::each_known(
        repo,
        Depth::Files,
        |id| {
            let entry = cache?.get(id, now)?;
            Some(Got::Cached(entry.problems(), trim(entry.seen())))
        },
        |incident, problems| {
            let (seen, since) = seen(repo, incident, now);
            let problems: Vec<Finding> = problems.iter().map(validation).collect();
            let settled = since.map(|since| Settled::new(&incident.id, since, &problems, &seen));
            Got::Fresh(trim(seen), settled)
        },
    )
}

/// One incident's outcome in [`build`]: found now (with what the cache is to keep of
/// it, once it is settled), or taken from the cache (its files' problems, and what it
/// saw).
enum Got {
    Fresh(Seen, Option<Settled>),
    Cached(Vec<Finding>, Seen),
}

/// One incident that loaded, evaluated at "now" for every client: whom it affects, and
/// once it exists at "now", its clocks, placed findings and how it is named.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The clients it affects (`--client` picks incidents by them).
    pub clients: Vec<String>,
    pub evaluated: Option<Evaluated>,
}

/// An incident's clocks, its findings placed in its files, and how the text names it.
#[derive(Clone, Debug)]
pub struct Evaluated {
    pub clocks: Vec<sla::Clock>,
    pub findings: Vec<Finding>,
    pub about: About,
}

impl Seen {
    /// What `check` reports of it for `client` (every client: `None`): left out (the
    /// outer `None`) when it does not affect `client`, else that client's clocks and
    /// findings and the provider's own, not another client's.
    fn select(self, client: Option<&str>) -> Option<Option<Evaluated>> {
        let Some(client) = client else {
            return Some(self.evaluated);
        };
        if !self.clients.iter().any(|c| c == client) {
            return None;
        }
        let theirs = |c: &Option<String>| c.as_deref().is_none_or(|c| c == client);
        Some(self.evaluated.map(|mut e| {
            e.clocks.retain(|c| theirs(&c.client));
            e.findings.retain(|f| theirs(&f.client));
            e
        }))
    }
}

/// One incident evaluated at `now`, with the instant from which its outcome cannot
/// change any more, when it cannot (see [`crate::settled::since`]).
fn seen(repo: &Repo, incident: &Incident, now: Timestamp) -> (Seen, Option<Timestamp>) {
    let state = crate::state::derive(&repo.config, incident, now);
    let clients = state.affected().map(|c| c.client.clone()).collect();
    if !state.exists() {
        let seen = Seen {
            clients,
            evaluated: None,
        };
        return (seen, None);
    }
    let e = sla::evaluate_state(&repo.config, incident, &state);
    let since = crate::settled::since(incident, &state, &e.clocks);
    let findings = placed_findings(repo, incident, &state, now, e.findings);
    // Only an outcome that reports nothing but its clocks (and its files' problems).
    let since = since.filter(|_| findings.is_empty());
    let evaluated = Evaluated {
        clocks: e.clocks,
        findings,
        about: about(repo, incident, &state),
    };
    let seen = Seen {
        clients,
        evaluated: Some(evaluated),
    };
    (seen, since)
}

/// The SLA `findings` of an incident placed in its files, with its mail waiting or
/// uncertain — or, once it is closed or rejected, only a regulatory report still owed.
fn placed_findings(
    repo: &Repo,
    incident: &Incident,
    state: &State,
    now: Timestamp,
    findings: Vec<sla::Finding>,
) -> Vec<Finding> {
    let fin = matches!(state.status, Status::Closed | Status::Rejected);
    if fin {
        // The law's deadlines outlive the incident: a report still owed is reported.
        let owed = findings
            .into_iter()
            .filter(|f| f.rule == Rule::RegulatoryNotification)
            .collect();
        place(repo, incident, owed)
    } else {
        let mut placed = place(repo, incident, findings);
        placed.extend(mail_findings(repo, incident, state, now));
        placed
    }
}

/// How the text output names an incident: priority, status, clients and title.
fn about(repo: &Repo, incident: &Incident, state: &State) -> About {
    About {
        priority: state.priority.clone(),
        status: state.status.to_string(),
        active: state.status.is_active(),
        clients: state
            .affected()
            .map(|c| repo.config.client_name(&c.client))
            .collect::<Vec<_>>()
            .join(", "),
        title: incident.record.title.clone(),
    }
}

/// A validation problem as a finding.
fn validation(d: &Diagnostic) -> Finding {
    Finding {
        incident: incident_of(&d.file),
        rule: Rule::Validation,
        level: Level::Error,
        message: d.message.clone(),
        file: slashes(&d.file),
        line: (d.line > 0).then_some(d.line),
        due: None,
        actual: None,
        overdue_by_s: None,
        name: None,
        client: None,
        excerpt: d.excerpt.clone(),
    }
}

/// The incident a path under `incidents/` belongs to, in either layout; for a directory
/// that is not an incident, its name under `incidents/`.
fn incident_of(path: &Path) -> Option<String> {
    let path = format!("{}/", slashes(path));
    if let Some((id, _)) = crate::repo::incident_of_path(&path) {
        return Some(id.to_string());
    }
    let rest = path
        .strip_prefix(crate::repo::INCIDENTS_DIR)?
        .strip_prefix('/')?;
    rest.split('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Put the engine's findings on the lines of the incident's files they are about.
fn place(repo: &Repo, incident: &Incident, findings: Vec<sla::Finding>) -> Vec<Finding> {
    if findings.is_empty() {
        return Vec::new();
    }
    let dir = repo.relative(&incident.dir).to_path_buf();
    let record = &incident.texts.record;
    let timeline = &incident.texts.timeline;
    findings
        .into_iter()
        .map(|f| {
            let (file, line) = match f.anchor {
                Anchor::Record(key) => (RECORD_FILE, locate(record, &[key]).0),
                Anchor::Entry(i) => (TIMELINE_FILE, crate::diag::item_line(timeline, i)),
            };
            Finding {
                incident: Some(f.incident),
                rule: f.rule,
                level: f.level,
                message: f.message,
                file: slashes(&dir.join(file)),
                line: (line > 0).then_some(line),
                due: f.due,
                actual: f.actual,
                overdue_by_s: f.overdue_by,
                name: f.name,
                client: f.client,
                excerpt: None,
            }
        })
        .collect()
}

/// Messages in `outbox/` that need someone: unsent ones and uncertain ones.
fn mail_findings(repo: &Repo, incident: &Incident, state: &State, now: Timestamp) -> Vec<Finding> {
    let Ok(ledger) = outbox::read_ledger(&incident.dir, state) else {
        return Vec::new();
    };
    let mut out = uncertain_mail(repo, incident, &ledger);
    out.extend(unsent_mail(repo, incident, ledger, now));
    out
}

/// Messages whose send was interrupted while sendmail had them: they may or may not have
/// gone out, and mim does not send them again until someone decides.
fn uncertain_mail(repo: &Repo, incident: &Incident, ledger: &[outbox::Message]) -> Vec<Finding> {
    let dir = repo.relative(&incident.dir).join(OUTBOX_DIR);
    ledger
        .iter()
        .filter(|m| m.uncertain)
        .map(|m| Finding {
            incident: Some(incident.id.clone()),
            rule: Rule::UncertainMail,
            level: Level::AtRisk,
            message: format!(
                "{}: mim was interrupted while sendmail had it{}, so it may or may not have gone out; \
                 check the mail server's log, and if it did not arrive send it again with `mim send {} --resend-uncertain`",
                what(m),
                m.attempted
                    .map(|at| format!(" ({})", crate::time::display(&at, repo.config.tz())))
                    .unwrap_or_default(),
                incident.id
            ),
            file: slashes(&dir.join(&m.file)),
            line: None,
            due: None,
            actual: m.attempted,
            overdue_by_s: None,
            name: None,
            client: None,
            excerpt: None,
        })
        .collect()
}

/// Messages in `outbox/` left unsent longer than `mail.unsent_warning` at `now`: someone
/// forgot `--send` or `mim send`, or sendmail failed. Withdrawn ones are not waiting.
fn unsent_mail(
    repo: &Repo,
    incident: &Incident,
    ledger: Vec<outbox::Message>,
    now: Timestamp,
) -> Vec<Finding> {
    let allowed = repo.config.mail.unsent_warning;
    let dir = repo.relative(&incident.dir).join(OUTBOX_DIR);
    ledger
        .into_iter()
        .filter(|m| m.is_unsent())
        .filter_map(|m| {
            let at = m.at?;
            let due = at + chrono::TimeDelta::seconds(allowed.secs());
            (now > due).then(|| Finding {
                incident: Some(incident.id.clone()),
                rule: Rule::UnsentMail,
                level: Level::AtRisk,
                message: format!(
                    "{}, dated {}, has waited {} unsent (mail.unsent_warning is {allowed}): send it with `mim send {}`",
                    what(&m),
                    crate::time::display(&at, repo.config.tz()),
                    Duration::from(now - at).human(),
                    incident.id
                ),
                file: slashes(&dir.join(&m.file)),
                line: None,
                due: Some(due),
                actual: None,
                overdue_by_s: None,
                name: None,
                client: None,
                excerpt: None,
            })
        })
        .collect()
}

/// `update 3 to client`, `the restoral notice to end-users`.
fn what(m: &outbox::Message) -> String {
    match (m.kind, m.audience) {
        (Some(Kind::Update(n)), Some(a)) => format!("update {n} to {a}"),
        (Some(Kind::Restoral), Some(a)) => format!("the restoral notice to {a}"),
        _ => m.file.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_incident() {
        assert_eq!(
            incident_of(Path::new("incidents/2026-11-24-x/timeline.yaml")).as_deref(),
            Some("2026-11-24-x")
        );
        assert_eq!(
            incident_of(Path::new("incidents/Stray Copy")).as_deref(),
            Some("Stray Copy")
        );
        assert_eq!(
            incident_of(Path::new("incidents/2026/11/2026-11-24-x/plan.md")).as_deref(),
            Some("2026-11-24-x")
        );
        assert_eq!(incident_of(Path::new("mim.yaml")), None);
    }
}
