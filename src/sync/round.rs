//! One round of `mim sync` and what it reports, and the summary `status` and `show`
//! give of sharing.

use std::time::Instant;

use serde::Serialize;

use crate::repo::Repo;
use crate::time::Timestamp;

use super::engine::{CONTENDED, Progress};
use super::{Engine, Mode, Settings, Setup, Sharing, Unshared, conflicts, gitx, setup};

/// A summary of sharing for `mim status` and `mim show`: commits not shared (and since
/// when), and commits set aside not settled. `None` without a remote.
#[derive(Clone, Debug, Serialize)]
pub struct Overview {
    pub mode: &'static str,
    #[serde(flatten)]
    pub unshared: Unshared,
    pub set_aside: Vec<conflicts::SetAside>,
}

/// What `status` and `show` say of sharing.
pub fn overview(repo: &Repo) -> Option<Overview> {
    let settings = match setup(&repo.root, &repo.config.git) {
        Setup::On(s) => s,
        _ => return None,
    };
    let mode = match settings.mode {
        Mode::Auto => "auto",
        Mode::Manual => "manual",
        Mode::Off => "off",
    };
    let engine = Engine::new(&repo.root, settings);
    Some(Overview {
        mode,
        unshared: engine.unshared(),
        set_aside: conflicts::open(&repo.root),
    })
}

impl Overview {
    /// `3 commits not shared with origin/main (the oldest since …)`, and each commit set
    /// aside; empty when all is shared.
    pub fn text(&self, tz: chrono_tz::Tz, incident: Option<&str>) -> String {
        let mut out = String::new();
        let u = &self.unshared;
        if u.commits > 0 {
            out.push_str(&format!(
                "not shared: {} not on {} yet",
                crate::text::plural(u.commits, "commit"),
                u.remote
            ));
            if let Some(since) = &u.since {
                out.push_str(&format!(
                    ", the oldest since {}",
                    crate::time::display(since, tz)
                ));
            }
            match &u.contact {
                Some(at) => out.push_str(&format!(
                    "; {} last answered at {}",
                    u.remote.split('/').next().unwrap_or_default(),
                    crate::time::display(at, tz)
                )),
                None => out.push_str("; the remote has not answered yet"),
            }
            out.push_str(if self.mode == "auto" {
                " (the next mim command or `mim sync` shares them)\n"
            } else {
                " (`mim sync` shares them)\n"
            });
        }
        for c in self
            .set_aside
            .iter()
            .filter(|c| incident.is_none_or(|id| c.incident == id))
        {
            out.push_str(&format!("conflict: {}: {}\n", c.incident, c.describe(tz)));
        }
        out
    }
}

/// `mim sync`: bring the clone up to date and share it, once. Under the lock.
pub fn sync_once(repo: &Repo, settings: &Settings, now: Timestamp) -> anyhow::Result<Report> {
    let engine = Engine::new(&repo.root, settings.clone());
    engine.recover()?;
    let before = gitx::commit_of(&repo.root, "HEAD");
    let seen = engine.record().seen;
    let deadline = Instant::now() + settings.timeout * CONTENDED;
    let mut report = Report {
        remote: settings.name(),
        ..Report::default()
    };
    let mut progress = Progress::default();
    let mut fetched = false;
    match engine.update(&repo.config, &[], settings.timeout, now)? {
        Ok((_, integration)) => {
            fetched = true;
            progress.set_aside = integration.set_aside;
            match engine.share(&repo.config, None, deadline, now, &mut progress)? {
                Sharing::NotShared(why) | Sharing::Redo(why) => report.not_shared = Some(why),
                Sharing::Shared | Sharing::Off => {}
            }
        }
        Err(why) => report.not_shared = Some(why),
    }
    report.set_aside = progress.set_aside;
    if let Some((from, to)) = &progress.pushed {
        let mut revs = vec![to.clone()];
        revs.extend(from.iter().map(|f| format!("^{f}")));
        let revs: Vec<&str> = revs.iter().map(String::as_str).collect();
        report.left = gitx::log(&repo.root, &revs, true)?
            .iter()
            .map(Event::from)
            .collect();
    }
    // What came from the others: on the remote now, not seen at the last sync (the
    // first time: not in this clone), committed by someone else.
    let tracking = gitx::commit_of(&repo.root, &settings.tracking());
    if let Some(tip) = &tracking
        && fetched
    {
        let mut revs = vec![tip.clone()];
        revs.extend(seen.or(before).map(|s| format!("^{s}")));
        let revs: Vec<&str> = revs.iter().map(String::as_str).collect();
        let me = gitx::committer(&repo.root);
        report.arrived = gitx::log(&repo.root, &revs, true)?
            .iter()
            .filter(|c| me.as_deref() != Some(c.committer.as_str()))
            .filter(|c| !report.left.iter().any(|l| l.commit == c.commit))
            .map(Event::from)
            .collect();
        engine.saw(Some(tip), true, now);
    }
    report.unshared = engine.unshared();
    report.set_aside_open = conflicts::open(&repo.root);
    Ok(report)
}

/// One event that arrived or left: one commit.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    pub commit: String,
    #[serde(with = "crate::time::rfc3339::option")]
    pub at: Option<Timestamp>,
    pub by: String,
    pub incident: Option<String>,
    pub event: Option<String>,
    pub subject: String,
}

impl From<&gitx::CommitInfo> for Event {
    fn from(c: &gitx::CommitInfo) -> Event {
        Event {
            commit: c.commit.clone(),
            at: c.date,
            by: c.actor(),
            incident: c.incidents().into_iter().next(),
            event: c.trailer("Event"),
            subject: c.subject.clone(),
        }
    }
}

impl Event {
    /// `2026-11-24 10:05 UTC  Bob Smith  <subject>`.
    pub fn line(&self, tz: chrono_tz::Tz) -> String {
        let when = self
            .at
            .map(|t| crate::time::display(&t, tz))
            .unwrap_or_default();
        crate::text::clip(&format!("{when}  {}  {}", self.by, self.subject), 300)
    }
}

/// What one `mim sync` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// `origin/main`.
    pub remote: String,
    /// Events from others since the last sync.
    pub arrived: Vec<Event>,
    /// This clone's events the remote has now.
    pub left: Vec<Event>,
    /// Commits set aside by this sync, one paragraph each.
    pub set_aside: Vec<String>,
    /// Every commit set aside and not settled.
    pub set_aside_open: Vec<conflicts::SetAside>,
    /// Why nothing (or not everything) was shared.
    pub not_shared: Option<String>,
    pub unshared: Unshared,
}
