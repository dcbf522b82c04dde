//! One clone's connection to its remote: fetch, push, the rewrite check, and the
//! fetch-replay-push loop of sharing (see the module above).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::time::Timestamp;

use super::{Settings, Unshared, checkout, gitx, integrate, net, record};

/// The remote answered, or why it did not.
enum Fetched {
    /// The remote branch (`None`: the remote has no such branch yet).
    Remote(Option<String>),
    Offline(String),
}

/// What a push did.
enum Pushed {
    Done,
    /// Someone pushed first (or held the ref): fetch, replay, push again.
    Again,
    /// The remote refused it (a hook, a protected branch): why.
    Refused(String),
    Offline(String),
}

/// How sharing this clone's commits went.
#[derive(Debug)]
pub enum Sharing {
    /// No sharing in this clone (no remote, `git.sync` not `auto`).
    Off,
    Shared,
    NotShared(String),
    /// The command's own commits could not stand on the remote's newer history and
    /// were dropped: run it again (why).
    Redo(String),
}

/// One clone's connection to its remote, for one locked run.
pub struct Engine {
    root: PathBuf,
    pub settings: Settings,
}

impl Engine {
    pub fn new(root: &Path, settings: Settings) -> Engine {
        Engine {
            root: root.to_path_buf(),
            settings,
        }
    }

    pub(super) fn record(&self) -> record::Record {
        record::read(&self.settings.git_dir, &self.settings.name())
    }

    /// Finish a branch move a killed mim began (under the lock).
    pub fn recover(&self) -> anyhow::Result<()> {
        checkout::recover(&self.root, &self.settings.git_dir)
    }

    /// Fetch the branch and `refs/mim/*`, for at most `limit`.
    fn fetch(&self, limit: Duration) -> anyhow::Result<Fetched> {
        let s = &self.settings;
        let branch = format!("+refs/heads/{}:{}", s.upstream, s.tracking());
        let mim = format!("+refs/mim/*:{}*", s.staging());
        let args = |refspecs: &[&str]| -> Vec<String> {
            let mut a: Vec<String> = [
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--no-recurse-submodules",
                "--no-auto-gc",
                &s.remote,
            ]
            .iter()
            .map(|x| x.to_string())
            .collect();
            a.extend(refspecs.iter().map(|x| x.to_string()));
            a
        };
        let start = Instant::now();
        let talk = net::talk(&self.root, s, &args(&[&branch, &mim]), limit, None)?;
        if talk.timed_out {
            return Ok(Fetched::Offline(format!(
                "{} did not answer within {}s (git.sync_timeout)",
                s.remote,
                limit.as_secs().max(1)
            )));
        }
        let remote = if talk.ok {
            gitx::commit_of(&self.root, &s.tracking())
        } else if talk.stderr.contains("couldn't find remote ref") {
            // The remote has no such branch yet: the first push makes it.
            let left = limit.saturating_sub(start.elapsed());
            let again = net::talk(&self.root, s, &args(&[&mim]), left, None)?;
            if !again.ok {
                return Ok(Fetched::Offline(again.said()));
            }
            let _ = gitx::git(&self.root)
                .args(["update-ref", "-d", &s.tracking()])
                .output();
            None
        } else {
            return Ok(Fetched::Offline(format!(
                "{} cannot be reached: {}",
                s.remote,
                talk.said()
            )));
        };
        self.adopt_refs();
        Ok(Fetched::Remote(remote))
    }

    /// Take the remote's `refs/mim/*` that this clone lacks. One that exists here with
    /// another object is kept as it is here (a seal is never replaced), and said.
    fn adopt_refs(&self) {
        let staging = self.settings.staging();
        let Some((ours, theirs)) = self.mim_refs() else {
            return;
        };
        let mut input = String::new();
        for (name, id) in &theirs {
            let local = format!("refs/mim/{}", &name[staging.len()..]);
            match ours.iter().find(|(n, _)| *n == local) {
                None => input.push_str(&format!("create {local} {id}\n")),
                Some((_, mine)) if mine != id => eprintln!(
                    "warning: {local} is {} here and {} on {}: kept this clone's",
                    crate::audit::short(mine),
                    crate::audit::short(id),
                    self.settings.remote
                ),
                Some(_) => {}
            }
        }
        if !input.is_empty() {
            let mut cmd = gitx::git(&self.root);
            cmd.args(["update-ref", "--stdin"]);
            let _ = gitx::with_input(cmd, input.as_bytes());
        }
    }

    /// This clone's `refs/mim/*`, and the remote's as last fetched (one git run).
    #[allow(clippy::type_complexity)]
    fn mim_refs(&self) -> Option<(Vec<(String, String)>, Vec<(String, String)>)> {
        let staging = self.settings.staging();
        let all = gitx::refs(&self.root, &["refs/mim/", &staging]).ok()?;
        Some(
            all.into_iter()
                .partition(|(n, _)| n.starts_with("refs/mim/")),
        )
    }

    /// Local `refs/mim/*` the remote does not have (as last fetched).
    fn unshared_refs(&self) -> bool {
        let staging = self.settings.staging();
        let Some((ours, theirs)) = self.mim_refs() else {
            return false;
        };
        ours.iter().any(|(name, _)| {
            let remote = format!("{staging}{}", &name["refs/mim/".len()..]);
            !theirs.iter().any(|(n, _)| *n == remote)
        })
    }

    /// Push the branch and `refs/mim/*`, for at most `limit`.
    fn push(&self, head: &str, limit: Duration) -> anyhow::Result<Pushed> {
        let s = &self.settings;
        let args: Vec<String> = [
            "push",
            "--porcelain",
            &s.remote,
            &format!("refs/heads/{}:refs/heads/{}", s.branch, s.upstream),
            "refs/mim/*:refs/mim/*",
        ]
        .iter()
        .map(|x| x.to_string())
        .collect();
        let talk = net::talk(&self.root, s, &args, limit, Some("sync-during-push"))?;
        if talk.timed_out {
            return Ok(Pushed::Offline(format!(
                "{} did not answer within {}s (git.sync_timeout)",
                s.remote,
                limit.as_secs().max(1)
            )));
        }
        crate::fault::fault("sync-after-push");
        let target = format!("refs/heads/{}", s.upstream);
        let mut branch = None;
        for line in talk.stdout.lines() {
            let mut f = line.split('\t');
            let (Some(flag), Some(refs), summary) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Some((_, to)) = refs.split_once(':') else {
                continue;
            };
            if to == target {
                branch = Some((flag.to_string(), summary.unwrap_or_default().to_string()));
            } else if flag == "!" {
                eprintln!(
                    "warning: {to} was not pushed to {}: {}",
                    s.remote,
                    summary.unwrap_or_default()
                );
            }
        }
        match branch {
            Some((flag, _)) if flag != "!" => {
                let mut cmd = gitx::git(&self.root);
                cmd.args(["update-ref", "-m", "mim: pushed", &s.tracking(), head]);
                let _ = gitx::output(cmd, "git update-ref");
                self.mirror_pushed_refs();
                Ok(Pushed::Done)
            }
            Some((_, summary)) => {
                let retry = [
                    "fetch first",
                    "non-fast-forward",
                    "stale info",
                    "failed to lock",
                    "failed to update ref",
                    "cannot lock ref",
                    "incorrect old value",
                ];
                if retry.iter().any(|r| summary.contains(r)) {
                    Ok(Pushed::Again)
                } else {
                    Ok(Pushed::Refused(format!(
                        "{} refused the push: {}",
                        s.remote,
                        summary.trim_matches(|c| c == '[' || c == ']')
                    )))
                }
            }
            None if talk.ok => Ok(Pushed::Done),
            None => Ok(Pushed::Offline(format!(
                "{} cannot be reached: {}",
                s.remote,
                talk.said()
            ))),
        }
    }

    /// After a push, the remote has this clone's `refs/mim/*`: note it, so they are not
    /// pushed again.
    fn mirror_pushed_refs(&self) {
        let staging = self.settings.staging();
        let Some((ours, theirs)) = self.mim_refs() else {
            return;
        };
        let mut input = String::new();
        for (name, id) in ours {
            let remote = format!("{staging}{}", &name["refs/mim/".len()..]);
            if !theirs.iter().any(|(n, _)| *n == remote) {
                input.push_str(&format!("update {remote} {id}\n"));
            }
        }
        if !input.is_empty() {
            let mut cmd = gitx::git(&self.root);
            cmd.args(["update-ref", "--stdin"]);
            let _ = gitx::with_input(cmd, input.as_bytes());
        }
    }

    /// The remote no longer contains the branch as this clone last saw it: the message
    /// that says so, with both commits.
    pub(super) fn rewritten(&self, remote: Option<&str>) -> Option<String> {
        let seen = self.record().tip?;
        if remote == Some(seen.as_str()) {
            return None;
        }
        gitx::commit_of(&self.root, &seen)?;
        match remote {
            Some(now) if gitx::is_ancestor(&self.root, &seen, now) => None,
            Some(now) => Some(format!(
                "{} was rewritten (a force-push): it no longer contains {seen}, the last commit this clone shared, \
                 and is now {now}. mim does not sync over a rewritten history; see `mim sync` and docs/team.md",
                self.settings.name()
            )),
            None => Some(format!(
                "{} is gone from {}: it held {seen}, the last commit this clone shared. mim does not sync \
                 over a deleted branch; see docs/team.md",
                self.settings.upstream, self.settings.remote
            )),
        }
    }

    /// Note that the remote answered and what its branch is.
    pub(super) fn saw(&self, remote: Option<&str>, seen: bool, now: Timestamp) {
        let mut r = self.record();
        if let Some(tip) = remote {
            r.tip = Some(tip.to_string());
            if seen {
                r.seen = Some(tip.to_string());
            }
        }
        r.contact = Some(now);
        let _ = record::write(&self.settings.git_dir, &r);
    }

    /// What of this clone is not on the remote (as last seen).
    pub fn unshared(&self) -> Unshared {
        record::unshared(
            &self.root,
            &self.settings.tracking(),
            &self.settings.name(),
            self.record().contact,
        )
    }

    /// Bring the clone up to date with the remote: fetch, check, integrate. `this_run`:
    /// the running command's commits (recorded again rather than set aside). The
    /// remote's branch, or why not.
    pub(super) fn update(
        &self,
        config: &crate::config::Config,
        this_run: &[String],
        limit: Duration,
        now: Timestamp,
    ) -> anyhow::Result<Result<(Option<String>, integrate::Integration), String>> {
        let remote = match self.fetch(limit)? {
            Fetched::Remote(r) => r,
            Fetched::Offline(why) => return Ok(Err(why)),
        };
        crate::fault::fault("sync-after-fetch");
        if let Some(why) = self.rewritten(remote.as_deref()) {
            return Ok(Err(why));
        }
        let Some(head) = gitx::commit_of(&self.root, "HEAD") else {
            return Ok(Err("this clone has no commit yet".into()));
        };
        let result = match &remote {
            None => integrate::Integration {
                head,
                ..Default::default()
            },
            Some(r) => {
                let job = integrate::Job {
                    root: &self.root,
                    git_dir: &self.settings.git_dir,
                    config,
                    remote_name: &self.settings.name(),
                    head: &head,
                    remote: r,
                    this_run,
                };
                match integrate::integrate(&job) {
                    Ok(i) => i,
                    Err(e) => return Ok(Err(format!("{e:#}"))),
                }
            }
        };
        crate::fault::fault("sync-after-merge");
        self.saw(remote.as_deref(), false, now);
        Ok(Ok((remote, result)))
    }

    /// Push what the remote lacks, fetching and replaying when someone pushed first, until
    /// `deadline`. `this_run`: the commits of the running command, which are recorded
    /// again (not set aside) when they cannot stand; `None` once that is not possible.
    pub(super) fn share(
        &self,
        config: &crate::config::Config,
        this_run: Option<&str>,
        deadline: Instant,
        now: Timestamp,
        progress: &mut Progress,
    ) -> anyhow::Result<Sharing> {
        let tracking = self.settings.tracking();
        for attempt in 0.. {
            let head = gitx::commit_of(&self.root, "HEAD").unwrap_or_default();
            let remote = gitx::commit_of(&self.root, &tracking);
            let behind = remote
                .as_deref()
                .is_none_or(|r| !gitx::is_ancestor(&self.root, &head, r));
            if head.is_empty() || (!behind && !self.unshared_refs()) {
                return Ok(Sharing::Shared);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if attempt > 0 && (left.is_zero() || attempt >= PUSHES) {
                return Ok(Sharing::NotShared(format!(
                    "{} kept moving: other clones pushed first {attempt} times in a row",
                    self.settings.remote
                )));
            }
            let limit = left
                .max(Duration::from_millis(500))
                .min(self.settings.timeout);
            match self.push(&head, limit)? {
                Pushed::Done => {
                    self.saw(Some(&head), false, now);
                    progress.pushed = Some((remote, head));
                    return Ok(Sharing::Shared);
                }
                Pushed::Refused(why) | Pushed::Offline(why) => return Ok(Sharing::NotShared(why)),
                Pushed::Again => {}
            }
            jitter(attempt);
            let mine = match this_run {
                Some(start) => gitx::commits_between(&self.root, Some(start), &head)?
                    .into_iter()
                    .map(|(c, _)| c)
                    .collect(),
                None => Vec::new(),
            };
            let limit = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(500))
                .min(self.settings.timeout);
            match self.update(config, &mine, limit, now)? {
                Err(why) => return Ok(Sharing::NotShared(why)),
                Ok((_, i)) => {
                    progress.set_aside.extend(i.set_aside);
                    if let Some(why) = i.redo {
                        return Ok(Sharing::Redo(why));
                    }
                }
            }
        }
        unreachable!("the loop returns")
    }
}

/// What sharing did on the way.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Commits set aside, one paragraph each.
    pub set_aside: Vec<String>,
    /// The push that shared: from the remote branch it found to this clone's head.
    pub pushed: Option<(Option<String>, String)>,
}

/// A short random pause before trying again, so clones that collided do not collide
/// again in step.
fn jitter(attempt: u32) {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(attempt);
    let ms = 5 + h.finish() % (20 + 15 * u64::from(attempt.min(10)));
    std::thread::sleep(Duration::from_millis(ms));
}

/// How many times a command is recorded again on a newer remote before it gives up
/// sharing for now.
pub(super) const REDOS: u32 = 20;

/// How many pushes a command tries while other clones keep pushing first, within
/// [`CONTENDED`] times `git.sync_timeout` (each wait for the remote is bounded by the
/// timeout itself: this is the remote answering, and others being quicker).
pub(super) const PUSHES: u32 = 40;
pub(super) const CONTENDED: u32 = 3;
