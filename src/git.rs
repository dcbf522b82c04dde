//! The git audit trail: committing exactly an incident's paths, with trailers.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

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
    let out = git(dir)
        .args(["config", "user.name"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}

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

/// A commit message: `<subject>`, a blank line, then `Key: value` trailers.
pub struct Message {
    pub subject: String,
    pub trailers: Vec<(&'static str, String)>,
}

impl Message {
    pub fn render(&self) -> String {
        let mut text = one_line(&self.subject, 100);
        text.push_str("\n\n");
        for (key, value) in &self.trailers {
            text.push_str(&format!("{key}: {}\n", one_line(value, 200)));
        }
        text
    }
}

/// Collapse user text to one line of at most `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .split(|c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
        .filter(|s| !s.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        flat
    }
}

/// Commit exactly `paths` (relative to `root`): they are added, then committed with
/// `--only`, so whatever else was staged stays staged and out of this commit.
pub fn commit_paths(root: &Path, paths: &[PathBuf], message: &Message) -> anyhow::Result<()> {
    let mut add = git(root);
    add.args(["add", "--all", "--"]).args(paths);
    run(add, "git add")?;
    crate::txn::fault("after-add");
    let mut commit = git(root);
    commit
        .args(["commit", "--quiet", "--only", "--no-edit", "-m"])
        .arg(message.render())
        .arg("--")
        .args(paths);
    run(commit, "git commit")
}

/// Take `paths` out of the index again after a failed commit, so nothing stays half-staged.
pub fn unstage(root: &Path, paths: &[PathBuf]) {
    let mut reset = git(root);
    reset
        .args(["reset", "--quiet", "--"])
        .args(paths)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _ = reset.status();
}

fn run(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("running {what} (is git installed?)"))?;
    if out.status.success() {
        return Ok(());
    }
    let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_string();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if detail.is_empty() {
        detail = stdout.trim().to_string();
    }
    bail!("{what} failed: {detail}")
}
