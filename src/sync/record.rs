//! What this clone knows of the remote, kept in `mim-sync` in the git directory: the
//! remote branch as last seen (fetched or pushed), when the remote last answered, and
//! where the last `mim sync` left off (what arrived since is reported by the next).
//! A remote that no longer contains the branch as last seen was rewritten.

use std::path::{Path, PathBuf};

use crate::time::Timestamp;

use super::gitx;

pub const FILE_NAME: &str = "mim-sync";

/// The record of one remote branch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// `origin/main`.
    pub remote: String,
    /// The remote branch as last seen: every commit in it was shared.
    pub tip: Option<String>,
    /// The remote branch when the last `mim sync` reported what arrived.
    pub seen: Option<String>,
    /// When the remote last answered.
    pub contact: Option<Timestamp>,
}

fn path(git_dir: &Path) -> PathBuf {
    git_dir.join(FILE_NAME)
}

/// The record of `remote` (`origin/main`); an empty one when there is none, or it is
/// of another remote.
pub fn read(git_dir: &Path, remote: &str) -> Record {
    let text = std::fs::read_to_string(path(git_dir)).unwrap_or_default();
    let mut r = Record::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let id = || {
            (!value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| value.to_string())
        };
        match key.trim() {
            "remote" => r.remote = value.to_string(),
            "tip" => r.tip = id(),
            "seen" => r.seen = id(),
            "contact" => r.contact = chrono::DateTime::parse_from_rfc3339(value).ok(),
            _ => {}
        }
    }
    if r.remote != remote {
        return Record {
            remote: remote.to_string(),
            ..Record::default()
        };
    }
    r
}

/// Write the record (atomically: a killed mim leaves the old one or the new one).
pub fn write(git_dir: &Path, r: &Record) -> anyhow::Result<()> {
    let mut text = format!(
        "# what mim knows of the remote (see docs/team.md); mim rewrites this file\nremote: {}\n",
        r.remote
    );
    if let Some(tip) = &r.tip {
        text.push_str(&format!("tip: {tip}\n"));
    }
    if let Some(seen) = &r.seen {
        text.push_str(&format!("seen: {seen}\n"));
    }
    if let Some(at) = &r.contact {
        text.push_str(&format!("contact: {}\n", crate::time::format(at)));
    }
    crate::store::write_atomic(&path(git_dir), text.as_bytes())
}

/// This clone's commits that the remote does not have: how many, and the oldest's
/// commit time.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Unshared {
    /// `origin/main`.
    pub remote: String,
    pub commits: usize,
    #[serde(with = "crate::time::rfc3339::option")]
    pub since: Option<Timestamp>,
    /// When the remote last answered.
    #[serde(with = "crate::time::rfc3339::option")]
    pub contact: Option<Timestamp>,
}

/// What of HEAD is not on `tracking` (the remote-tracking branch; all of HEAD when the
/// remote has no such branch yet).
pub fn unshared(root: &Path, tracking: &str, remote: &str, contact: Option<Timestamp>) -> Unshared {
    let mut out = Unshared {
        remote: remote.to_string(),
        contact,
        ..Unshared::default()
    };
    let Some(head) = gitx::commit_of(root, "HEAD") else {
        return out;
    };
    let mut cmd = gitx::git(root);
    cmd.args(["log", "--format=%cI", &head]);
    if let Some(t) = gitx::commit_of(root, tracking) {
        cmd.arg("--not").arg(t);
    }
    let Ok(text) = gitx::output(cmd, "git log") else {
        return out;
    };
    let times: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    out.commits = times.len();
    out.since = times
        .last()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_another_remotes_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let r = Record {
            remote: "origin/main".into(),
            tip: Some("a".repeat(40)),
            seen: None,
            contact: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:00:00Z").ok(),
        };
        write(dir.path(), &r).unwrap();
        assert_eq!(read(dir.path(), "origin/main"), r);
        assert_eq!(read(dir.path(), "team/main").tip, None);
    }
}
