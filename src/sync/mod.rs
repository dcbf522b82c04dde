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
mod engine;
mod gitx;
mod hook;
mod integrate;
mod judge;
mod net;
pub mod record;
mod round;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{GitPolicy, SyncMode as Mode};

pub use engine::{Engine, Sharing};
pub use hook::{Hook, Next};
pub use record::Unshared;
pub use round::{Report, overview, sync_once};

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
