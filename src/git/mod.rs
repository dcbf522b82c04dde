//! The git audit trail: committing exactly an incident's paths, with trailers.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::time::Timestamp;

mod commit;
pub mod head;
mod index;
pub mod seal;
mod settings;

pub use commit::commit_paths;
pub use index::IndexLock;
pub use settings::check_index;

fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).stdin(Stdio::null());
    // Messages must be parseable by us whatever the user's locale.
    cmd.env("LC_ALL", "C");
    cmd
}

/// Whether `dir` is inside a git work tree.
pub fn in_work_tree(dir: &Path) -> bool {
    git(dir)
        .args(["rev-parse", "--is-inside-work-tree"])
        .stderr(Stdio::null())
        .output()
        .map(|o| o.status.success() && o.stdout.starts_with(b"true"))
        .unwrap_or(false)
}

/// git's `user.name`, for the default actor.
pub fn user_name(dir: &Path) -> Option<String> {
    config_value(dir, "user.name")
}

/// git's `user.email`, for the author's e-mail when `people:` does not name one.
pub fn user_email(dir: &Path) -> Option<String> {
    config_value(dir, "user.email")
}

/// A value of git's configuration, when it is set and not empty.
fn config_value(dir: &Path, key: &str) -> Option<String> {
    let out = git(dir)
        .args(["config", key])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let value = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !value.is_empty()).then_some(value)
}

/// `git init` a new repository for mim. git's index settings stay git's defaults and the
/// user's: `index.skipHash` would halve the index write of a large repository, but git
/// cannot read back an index written with it and a split index together, and a user who
/// turns the split index on damages the index with git alone (see `settings`).
pub fn init(dir: &Path) -> anyhow::Result<()> {
    let out = git(dir)
        .args(["init", "--quiet"])
        .output()
        .context("running git init (is git installed?)")?;
    if !out.status.success() {
        bail!(
            "git init failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// A commit message: `<subject>`, a blank line, then `Key: value` trailers; and, for
/// an event, who its author is and when it happened.
pub struct Message {
    pub subject: String,
    pub trailers: Vec<(&'static str, String)>,
    /// `None`: git's own author (the committer's identity, now).
    pub author: Option<Authorship>,
}

/// The author of a commit: the actor, and the event time as the author date. The
/// committer stays whoever runs git, at the real time, so a backfilled event shows as
/// an author date before the commit date.
#[derive(Clone, Debug)]
pub struct Authorship {
    pub name: String,
    /// `None`: whatever git would use (`GIT_AUTHOR_EMAIL`, `user.email`, …).
    pub email: Option<String>,
    pub date: Timestamp,
}

impl Authorship {
    /// `GIT_AUTHOR_*` for the `git commit` process.
    fn env(&self) -> Vec<(&'static str, String)> {
        let offset = self.date.offset().local_minus_utc();
        let sign = if offset < 0 { '-' } else { '+' };
        let offset = offset.abs() / 60;
        // git's internal date format, unambiguous whatever the locale or git version.
        let date = format!(
            "@{} {sign}{:02}{:02}",
            self.date.timestamp(),
            offset / 60,
            offset % 60
        );
        let mut env = vec![
            ("GIT_AUTHOR_NAME", crate::text::clip(&self.name, 200)),
            ("GIT_AUTHOR_DATE", date),
        ];
        if let Some(email) = &self.email {
            env.push(("GIT_AUTHOR_EMAIL", crate::text::clip(email, 200)));
        }
        env
    }
}

/// The longest subject `git log --oneline` shows whole (git's own convention).
pub const SUBJECT_MAX: usize = 72;

impl Message {
    /// The subject within [`SUBJECT_MAX`] characters (the whole of it, when cut, as the
    /// body's first paragraph), then the trailers.
    pub fn render(&self) -> String {
        let mut text = crate::text::clip(&self.subject, SUBJECT_MAX);
        let whole = crate::text::clip(&self.subject, 1000);
        if whole != text {
            text.push_str("\n\n");
            text.push_str(&whole);
        }
        text.push_str("\n\n");
        for (key, value) in &self.trailers {
            text.push_str(&format!("{key}: {}\n", crate::text::clip(value, 200)));
        }
        text
    }
}

/// The files under `path` (relative to `dir`) that differ from the last commit or are
/// untracked and not ignored, relative to `dir`, in git's order.
pub fn uncommitted(dir: &Path, path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut status = git(dir);
    status
        .args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--",
        ])
        .arg(path);
    let listed = output(status, "git status")?;
    let mut prefix = git(dir);
    prefix.args(["rev-parse", "--show-prefix"]);
    let prefix = output(prefix, "git rev-parse")?;
    let prefix = prefix.trim_end_matches('\n');
    Ok(listed
        .split('\0')
        .filter_map(|record| record.get(3..))
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(p.strip_prefix(prefix).unwrap_or(p)))
        .collect())
}

/// Whether git signs commits here (`commit.gpgSign`).
pub fn signs_commits(root: &Path) -> bool {
    git(root)
        .args(["config", "--bool", "commit.gpgsign"])
        .stderr(Stdio::null())
        .output()
        .map(|o| o.status.success() && o.stdout.starts_with(b"true"))
        .unwrap_or(false)
}

/// The files git tracks under `dirs` (relative to `root`, the top of the work tree), as
/// the index has them, relative to `root`.
pub fn tracked(root: &Path, dirs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    // One listing of the top directories (thousands of pathspecs would not fit on a
    // command line), kept to what is under `dirs`.
    let mut tops: Vec<&std::ffi::OsStr> = dirs
        .iter()
        .filter_map(|d| d.components().next())
        .map(|c| c.as_os_str())
        .collect();
    tops.sort();
    tops.dedup();
    let wanted: std::collections::HashSet<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let mut cmd = git(root);
    cmd.args(["ls-files", "-z", "--full-name", "--"])
        .args(&tops);
    let out = output(cmd, "git ls-files")?;
    Ok(out
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.ancestors().skip(1).any(|a| wanted.contains(a)))
        .collect())
}

/// `git log ARGS -- PATHS` in `dir`: its output (paths unquoted).
pub fn log(dir: &Path, args: &[&str], paths: &[PathBuf]) -> anyhow::Result<String> {
    let mut log = git(dir);
    // The history as stored: a `git replace` substitute is not what was committed.
    log.env("GIT_NO_REPLACE_OBJECTS", "1")
        .args(["-c", "core.quotepath=off", "log"])
        .args(args)
        .arg("--")
        .args(paths);
    output(log, "git log")
}

/// The full hash of the commit `rev` names, if it names one.
pub fn commit_of(dir: &Path, rev: &str) -> Option<String> {
    if rev.starts_with('-') {
        return None;
    }
    let out = git(dir)
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{rev}^{{commit}}"))
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let hash = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !hash.is_empty()).then_some(hash)
}

/// `git ARGS` in `dir`: its standard output, or an error with what git said.
pub fn run(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let mut cmd = git(dir);
    cmd.args(args);
    let what = format!("git {}", args.first().copied().unwrap_or_default());
    output(cmd, &what)
}

/// Run a git command; its standard output, or an error with what git said.
fn output(mut cmd: Command, what: &str) -> anyhow::Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("running {what} (is git installed?)"))?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    Err(failed(what, &out))
}

/// The error of a git command that failed: what git said (on standard error, else on
/// standard output).
fn failed(what: &str, out: &std::process::Output) -> anyhow::Error {
    let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if detail.is_empty() {
        detail = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    anyhow::anyhow!("{what} failed: {detail}")
}
