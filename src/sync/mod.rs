//! Sharing the repository through a git remote: the remote is the team.
//!
//! With `git.sync: auto` (the default when the clone has the remote), every mutating
//! command, under the repository lock, first fetches the branch and brings the clone
//! up to date ([`integrate`]), so what it computes (an update's number, whether a
//! status change is allowed) includes everything the remote has; after its commit it
//! pushes. A push refused because someone pushed first is fetched, replayed and pushed
//! again, a bounded number of times, within `git.sync_timeout`. Offline (the remote
//! unreachable, or slower than the timeout) is normal: the command succeeds here and
//! says in one line that it is not shared yet; the next one shares it. Mail waits until
//! the commit is shared. `refs/mim/*` (seals, commits set aside) travel with the
//! branch. A remote that no longer contains what this clone last saw of it was
//! rewritten (a force-push): nothing is synced until a person sorts it out.
//!
//! Crash safety: fetching only moves remote-tracking refs; a replay makes objects and
//! conflict refs before the branch moves, and the branch moves through a journal
//! ([`checkout`]); the branch moves before a push, so what is pushed is always in the
//! branch and never replayed twice. `MIM_FAULT` points: `sync-after-fetch`,
//! `sync-mid-move`, `sync-after-merge`, `sync-during-push`, `sync-after-push`.

mod checkout;
pub mod conflicts;
mod gitx;
mod integrate;
mod judge;
mod net;
pub mod record;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::{GitPolicy, SyncMode as Mode};
use crate::repo::Repo;
use crate::time::Timestamp;

pub use record::Unshared;

/// Where and how this clone shares.
#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    /// The remote's name (`origin`).
    pub remote: String,
    /// This clone's branch.
    pub branch: String,
    /// The remote's branch it shares with.
    pub upstream: String,
    pub timeout: Duration,
    /// ssh is ours to configure (batch mode): the user set no ssh command.
    default_ssh: bool,
    pub git_dir: PathBuf,
}

impl Settings {
    /// `origin/main`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.remote, self.upstream)
    }

    /// `refs/remotes/origin/main`.
    fn tracking(&self) -> String {
        format!("refs/remotes/{}/{}", self.remote, self.upstream)
    }

    /// Where the remote's `refs/mim/*` are fetched to, before they are adopted.
    fn staging(&self) -> String {
        format!("refs/mim-remote/{}/", self.remote)
    }
}

/// Whether and how this clone shares.
#[derive(Clone, Debug)]
pub enum Setup {
    /// No remote, or sharing turned off.
    Off,
    On(Settings),
    /// Sharing is asked for but cannot happen: why.
    Broken(String),
}

/// Work out how the clone at `root` shares, from `mim.yaml`'s `git:` and git's own
/// configuration.
pub fn setup(root: &Path, policy: &GitPolicy) -> Setup {
    let mut cmd = gitx::git(root);
    cmd.args([
        "rev-parse",
        "--absolute-git-dir",
        "--symbolic-full-name",
        "HEAD",
    ]);
    let Ok(out) = gitx::output(cmd, "git rev-parse") else {
        return Setup::Off;
    };
    let mut lines = out.lines();
    let git_dir = PathBuf::from(lines.next().unwrap_or_default());
    let head = lines.next().unwrap_or_default().to_string();
    let mut cmd = gitx::git(root);
    cmd.args(["config", "-z", "--list"]);
    let listed = gitx::output(cmd, "git config").unwrap_or_default();
    let config: Vec<(&str, &str)> = listed
        .split('\0')
        .filter_map(|kv| kv.split_once('\n'))
        .collect();
    let get = |key: &str| {
        config
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    };
    let remote = policy.remote.clone().unwrap_or_else(|| "origin".into());
    let exists = get(&format!("remote.{remote}.url")).is_some();
    let own = get("mim.sync").and_then(Mode::parse);
    let mode = match (own, policy.sync) {
        (Some(m), _) | (None, Some(m)) => m,
        (None, None) if exists => Mode::Auto,
        (None, None) => Mode::Off,
    };
    if mode == Mode::Off {
        return Setup::Off;
    }
    if !exists {
        if policy.remote.is_none() && policy.sync.is_none() && own.is_none() {
            return Setup::Off;
        }
        return Setup::Broken(format!(
            "this clone has no remote `{remote}` (git.remote in mim.yaml): add it with `git remote add {remote} URL`"
        ));
    }
    let Some(branch) = head.strip_prefix("refs/heads/") else {
        return Setup::Broken("HEAD is on no branch (detached): mim shares a branch".into());
    };
    let upstream = match (
        get(&format!("branch.{branch}.remote")),
        get(&format!("branch.{branch}.merge")),
    ) {
        (Some(r), Some(m)) if r == remote => m.strip_prefix("refs/heads/").unwrap_or(branch),
        _ => branch,
    };
    let default_ssh = std::env::var_os("GIT_SSH_COMMAND").is_none()
        && std::env::var_os("GIT_SSH").is_none()
        && get("core.sshcommand").is_none();
    Setup::On(Settings {
        mode,
        remote,
        branch: branch.to_string(),
        upstream: upstream.to_string(),
        timeout: Duration::from_secs(policy.sync_timeout.secs().max(1) as u64),
        default_ssh,
        git_dir,
    })
}

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

    fn record(&self) -> record::Record {
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
    fn rewritten(&self, remote: Option<&str>) -> Option<String> {
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
    fn saw(&self, remote: Option<&str>, seen: bool, now: Timestamp) {
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
    fn update(
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
    fn share(
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
struct Progress {
    /// Commits set aside, one paragraph each.
    set_aside: Vec<String>,
    /// The push that shared: from the remote branch it found to this clone's head.
    pushed: Option<(Option<String>, String)>,
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
const REDOS: u32 = 20;

/// How many pushes a command tries while other clones keep pushing first, within
/// [`CONTENDED`] times `git.sync_timeout` (each wait for the remote is bounded by the
/// timeout itself: this is the remote answering, and others being quicker).
const PUSHES: u32 = 40;
const CONTENDED: u32 = 3;

/// What a mutating command's run does with the remote: the calls `Ctx` makes before
/// the command, before sending mail, and after it.
#[derive(Default)]
pub struct Hook {
    run: std::sync::Mutex<Run>,
}

#[derive(Default)]
struct Run {
    engine: Option<Engine>,
    /// Why this run does not share: offline, a rewritten remote, a refusal.
    blocked: Option<String>,
    /// HEAD when the command began, after the clone was brought up to date.
    start: Option<String>,
    /// The command's commits were dropped and it must run again: why.
    redo: Option<String>,
    redos: u32,
    /// Mail went out in this run: its commits are never recorded again.
    irreversible: bool,
    /// "not shared" said already.
    said: bool,
    /// `git.sync: auto` asked for, but impossible: mail waits too.
    broken: bool,
}

/// What follows a command's run.
pub enum Next {
    Done(anyhow::Result<()>),
    /// The command must run again on the newer history.
    Again,
}

/// The error a command returns when its commits were dropped to be recorded again.
#[derive(Debug)]
pub struct Redo(pub String);

impl std::fmt::Display for Redo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the remote moved on while this was recorded ({}); recording it again on top",
            self.0
        )
    }
}

impl std::error::Error for Redo {}

impl Hook {
    fn state(&self) -> std::sync::MutexGuard<'_, Run> {
        self.run.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Before a mutating command (the lock held): fetch and bring the clone up to date.
    /// Whether the branch moved (the configuration may have changed).
    pub fn before(&self, repo: &Repo, now: Timestamp) -> bool {
        let mut run = self.state();
        if run.engine.is_none() && !run.broken {
            match setup(&repo.root, &repo.config.git) {
                Setup::On(s) if s.mode == Mode::Auto => {
                    run.engine = Some(Engine::new(&repo.root, s));
                }
                Setup::Broken(why) => {
                    run.broken = true;
                    run.blocked = Some(why);
                    return false;
                }
                _ => return false,
            }
        }
        let Some(engine) = &run.engine else {
            return false;
        };
        if let Err(e) = engine.recover() {
            eprintln!("warning: {e:#}");
        }
        let before = gitx::commit_of(&repo.root, "HEAD");
        let outcome = engine.update(&repo.config, &[], engine.settings.timeout, now);
        let (blocked, set_aside) = match outcome {
            Ok(Ok((_, i))) => (None, i.set_aside),
            Ok(Err(why)) => (Some(why), Vec::new()),
            Err(e) => (Some(format!("{e:#}")), Vec::new()),
        };
        for text in set_aside {
            eprintln!("set aside: {text}");
        }
        let head = gitx::commit_of(&repo.root, "HEAD");
        run.blocked = blocked;
        run.start = head.clone();
        head != before
    }

    /// Before mail goes out: share the commit first (with `git.sync: auto`). An error
    /// says why nothing was sent; [`Redo`] when the command must run again.
    pub fn before_mail(&self, repo: &Repo, id: &str, now: Timestamp) -> anyhow::Result<()> {
        match self.share(repo, now) {
            Sharing::Off => Ok(()),
            Sharing::Shared => {
                self.state().irreversible = true;
                Ok(())
            }
            Sharing::Redo(why) => Err(Redo(why).into()),
            Sharing::NotShared(why) => {
                self.state().said = true;
                anyhow::bail!(
                    "nothing was sent: the commit is not shared with the team yet ({why}). \
                     The messages stay in outbox/; `mim send {id}` sends them once it is \
                     (`mim sync` shares it)"
                )
            }
        }
    }

    fn share(&self, repo: &Repo, now: Timestamp) -> Sharing {
        let mut run = self.state();
        if let Some(why) = &run.redo {
            return Sharing::Redo(why.clone());
        }
        let Some(engine) = &run.engine else {
            return match (&run.blocked, run.broken) {
                (Some(why), true) => Sharing::NotShared(why.clone()),
                _ => Sharing::Off,
            };
        };
        if let Some(why) = &run.blocked {
            return Sharing::NotShared(why.clone());
        }
        let this_run = (!run.irreversible && run.redos < REDOS)
            .then(|| run.start.clone())
            .flatten();
        let deadline = Instant::now() + engine.settings.timeout * CONTENDED;
        let mut progress = Progress::default();
        let result = engine.share(
            &repo.config,
            this_run.as_deref(),
            deadline,
            now,
            &mut progress,
        );
        for text in progress.set_aside {
            eprintln!("set aside: {text}");
        }
        match result {
            Ok(Sharing::Redo(why)) => {
                run.redo = Some(why.clone());
                Sharing::Redo(why)
            }
            Ok(Sharing::NotShared(why)) => {
                run.blocked = Some(why.clone());
                Sharing::NotShared(why)
            }
            Ok(other) => other,
            Err(e) => {
                let why = format!("{e:#}");
                run.blocked = Some(why.clone());
                Sharing::NotShared(why)
            }
        }
    }

    /// After the command: share its commits. [`Next::Again`] when they could not stand
    /// on the remote's newer history and the command must run again on top of it.
    pub fn after(&self, repo: &Repo, result: anyhow::Result<()>, now: Timestamp) -> Next {
        let sharing = self.share(repo, now);
        let mut run = self.state();
        match sharing {
            Sharing::Redo(why) if run.redos < REDOS => {
                run.redos += 1;
                run.redo = None;
                eprintln!("{}", Redo(why));
                return Next::Again;
            }
            Sharing::Redo(why) => {
                run.redo = None;
                run.blocked = Some(format!("recorded {REDOS} times, each time {why}"));
                drop(run);
                self.say(repo);
            }
            Sharing::NotShared(_) => {
                drop(run);
                self.say(repo);
            }
            Sharing::Off | Sharing::Shared => {}
        }
        let result = match result {
            Err(e) if e.downcast_ref::<Redo>().is_some() => Ok(()),
            other => other,
        };
        Next::Done(result)
    }

    /// The one line that says this clone's commits are not shared, and why.
    fn say(&self, repo: &Repo) {
        let mut run = self.state();
        if run.said {
            return;
        }
        run.said = true;
        let why = run.blocked.clone().unwrap_or_default();
        let waiting = run
            .engine
            .as_ref()
            .map(|e| e.unshared())
            .filter(|u| u.commits > 0)
            .map(|u| {
                format!(
                    "{} wait{}",
                    crate::text::plural(u.commits, "commit"),
                    if u.commits == 1 { "s" } else { "" }
                )
            });
        eprintln!(
            "not shared yet{}: {why}; the next mim command or `mim sync` shares it",
            waiting.map(|w| format!(" ({w})")).unwrap_or_default()
        );
        let _ = repo;
    }
}

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
        crate::git::one_line(&format!("{when}  {}  {}", self.by, self.subject), 300)
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
