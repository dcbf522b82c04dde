//! The git side of seals (`mim audit --seal`, see `crate::seal`): seal commits under
//! `refs/mim/seals/`, and the questions the audit asks about them. Every command here
//! reads the objects as stored, never `git replace` substitutes.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context as _;

/// Where seals are kept: one ref per seal, named by the seal commit's own hash, so two
/// clones' seals never share a name and fetching or pushing them never conflicts.
pub const SEALS: &str = "refs/mim/seals/";

fn git(dir: &Path) -> Command {
    let mut cmd = super::git(dir);
    cmd.env("GIT_NO_REPLACE_OBJECTS", "1");
    cmd
}

/// A ref under `refs/mim/seals/` as git has it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SealRef {
    pub name: String,
    pub object: String,
    /// `commit` for a seal; anything else is not one.
    pub kind: String,
    pub parents: Vec<String>,
    pub tree: String,
    pub author: String,
    /// `git`'s strict ISO 8601 author date.
    pub date: String,
    pub message: String,
}

/// Every ref under `refs/mim/seals/`, in ref-name order.
pub fn list(dir: &Path) -> anyhow::Result<Vec<SealRef>> {
    let mut cmd = git(dir);
    cmd.args([
        "for-each-ref",
        "--format=%(refname)%00%(objectname)%00%(objecttype)%00%(parent)%00%(tree)%00%(authorname)%00%(authordate:iso-strict)%00%(contents)%00",
        SEALS,
    ]);
    Ok(parse_list(&super::output(cmd, "git for-each-ref")?))
}

/// Parse [`list`]'s output: eight NUL-terminated fields per ref, each record ended by a
/// newline.
pub fn parse_list(text: &str) -> Vec<SealRef> {
    let fields: Vec<&str> = text.split('\0').collect();
    fields
        .chunks_exact(8)
        .map(|f| SealRef {
            name: f[0].trim_start_matches('\n').to_string(),
            object: f[1].to_string(),
            kind: f[2].to_string(),
            parents: f[3].split_whitespace().map(String::from).collect(),
            tree: f[4].to_string(),
            author: f[5].to_string(),
            date: f[6].to_string(),
            message: f[7].to_string(),
        })
        .collect()
}

/// The branch HEAD is on (`main`), if it is on one.
pub fn current_branch(dir: &Path) -> Option<String> {
    let out = git(dir)
        .args(["symbolic-ref", "--quiet", "--short", "HEAD"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}

/// Which of `commits` are not in the history of `head` (neither it nor its ancestors),
/// in one walk.
pub fn not_in_history(
    dir: &Path,
    commits: &[String],
    head: &str,
) -> anyhow::Result<HashSet<String>> {
    if commits.is_empty() {
        return Ok(HashSet::new());
    }
    let mut cmd = git(dir);
    cmd.args(["rev-list", "--stdin"])
        .arg(format!("^{head}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .context("running git rev-list (is git installed?)")?;
    let mut input = String::new();
    for c in commits {
        input.push_str(c);
        input.push('\n');
    }
    let mut stdin = child
        .stdin
        .take()
        .context("git rev-list's standard input")?;
    // Written from another thread: git may print before it has read everything.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .context("running git rev-list (is git installed?)")?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(super::failed(
            "git rev-list (mim audit needs the whole history: is this a shallow clone?)",
            &out,
        ));
    }
    let reachable: HashSet<&str> = std::str::from_utf8(&out.stdout)
        .unwrap_or_default()
        .lines()
        .collect();
    Ok(commits
        .iter()
        .filter(|c| reachable.contains(c.as_str()))
        .cloned()
        .collect())
}

/// Those of `commits` that no other of them has in its history (on one line of history,
/// the newest); `git merge-base --independent`.
pub fn newest(dir: &Path, commits: &[String]) -> anyhow::Result<Vec<String>> {
    if commits.len() < 2 {
        return Ok(commits.to_vec());
    }
    let mut cmd = git(dir);
    cmd.args(["merge-base", "--independent"]).args(commits);
    Ok(super::output(cmd, "git merge-base")?
        .lines()
        .map(String::from)
        .collect())
}

/// A commit in one line: hash, subject, author, author date.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitLine {
    pub hash: String,
    pub subject: String,
    pub author: String,
    pub date: String,
}

/// The commits of `sealed`'s history that are not in `head`'s, oldest first.
pub fn missing_commits(dir: &Path, sealed: &str, head: &str) -> anyhow::Result<Vec<CommitLine>> {
    let mut cmd = git(dir);
    cmd.args([
        "log",
        "--topo-order",
        "--reverse",
        "--no-show-signature",
        "--format=%H%x00%s%x00%an%x00%aI%x00",
        sealed,
    ])
    .arg(format!("^{head}"))
    .arg("--");
    let text = super::output(cmd, "git log")?;
    Ok(text
        .split('\0')
        .collect::<Vec<_>>()
        .chunks_exact(4)
        .map(|f| CommitLine {
            hash: f[0].trim_start_matches('\n').to_string(),
            subject: f[1].to_string(),
            author: f[2].to_string(),
            date: f[3].to_string(),
        })
        .collect())
}

/// `git diff --unified=0` from `sealed` to `head` of the files matching `globs`
/// (relative to `dir`): what changed in them since the seal.
pub fn diff(dir: &Path, sealed: &str, head: &str, globs: &[&str]) -> anyhow::Result<String> {
    let mut cmd = git(dir);
    cmd.args([
        "-c",
        "core.quotepath=off",
        "diff",
        "--unified=0",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--no-color",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--relative",
        sealed,
        head,
        "--",
    ]);
    for glob in globs {
        cmd.arg(format!(":(glob){glob}"));
    }
    super::output(cmd, "git diff")
}

/// The remote-tracking branches named `branch` (`refs/remotes/origin/main` for `main`).
pub fn remote_branches(dir: &Path, branch: &str) -> anyhow::Result<Vec<String>> {
    let mut cmd = git(dir);
    cmd.args(["for-each-ref", "--format=%(refname)", "refs/remotes/"]);
    let refs = super::output(cmd, "git for-each-ref")?;
    let suffix = format!("/{branch}");
    Ok(refs
        .lines()
        .filter(|name| {
            // refs/remotes/<remote>/<branch>, the remote's name without a slash.
            name.strip_suffix(&suffix)
                .and_then(|rest| rest.strip_prefix("refs/remotes/"))
                .is_some_and(|remote| !remote.is_empty() && !remote.contains('/'))
        })
        .map(String::from)
        .collect())
}

/// What git says of a commit's signature: `%G?` (`G` good, `B` bad, `U` good but of
/// unknown validity, `X`/`Y` expired, `R` revoked, `E` cannot be checked, `N` none) and
/// the signer (`%GS`).
pub fn signature(dir: &Path, commit: &str) -> (char, String) {
    let out = git(dir)
        .args(["log", "-1", "--format=%G?%x00%GS", commit, "--"])
        .stderr(Stdio::null())
        .output();
    let text = out
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let (code, signer) = text
        .trim_end_matches('\n')
        .split_once('\0')
        .unwrap_or(("E", ""));
    (code.chars().next().unwrap_or('E'), signer.to_string())
}

/// Whether commit `commit` carries a signature (`gpgsig` header), checked or not.
pub fn is_signed(dir: &Path, commit: &str) -> bool {
    let mut cmd = git(dir);
    cmd.args(["cat-file", "commit", commit]);
    super::output(cmd, "git cat-file")
        .map(|raw| {
            raw.split("\n\n")
                .next()
                .unwrap_or_default()
                .lines()
                .any(|l| l.starts_with("gpgsig"))
        })
        .unwrap_or(false)
}

/// The tree of commit `commit`.
pub fn tree_of(dir: &Path, commit: &str) -> anyhow::Result<String> {
    let mut cmd = git(dir);
    cmd.args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{commit}^{{tree}}"));
    Ok(super::output(cmd, "git rev-parse")?.trim().to_string())
}

/// Make a seal of `head`: a commit with `head`'s tree (`tree`) whose parent is `head`, with
/// `message`, signed when `sign`; then the ref `refs/mim/seals/<its hash>`, created only
/// if it does not exist. Returns the seal commit's hash.
pub fn create(
    dir: &Path,
    head: &str,
    tree: &str,
    message: &str,
    author: &super::Authorship,
    sign: bool,
) -> anyhow::Result<String> {
    let mut cmd = git(dir);
    cmd.args(["commit-tree", tree, "-p", head, "-F", "-"])
        .arg(if sign { "-S" } else { "--no-gpg-sign" })
        .envs(author.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .context("running git commit-tree (is git installed?)")?;
    child
        .stdin
        .take()
        .context("git commit-tree's standard input")?
        .write_all(message.as_bytes())
        .context("writing the seal's message to git commit-tree")?;
    let out = child
        .wait_with_output()
        .context("running git commit-tree (is git installed?)")?;
    if !out.status.success() {
        return Err(super::failed("git commit-tree", &out));
    }
    let seal = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut update = git(dir);
    // The empty old value: create the ref, never move an existing one.
    update.args(["update-ref", &format!("{SEALS}{seal}"), &seal, ""]);
    super::output(update, "git update-ref")?;
    Ok(seal)
}

/// The remotes of the repository, `origin` first.
pub fn remotes(dir: &Path) -> Vec<String> {
    let mut cmd = git(dir);
    cmd.arg("remote");
    let mut names: Vec<String> = super::output(cmd, "git remote")
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    names.sort_by_key(|n| n != "origin");
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_is_read_field_by_field() {
        let text = "refs/mim/seals/a\0a\0commit\0p1\0t1\0CI\x002026-12-01T10:00:00+00:00\0mim seal\n\nSealed: p1\n\0\n\
                    refs/mim/seals/b\0b\0tag\0\0\0\0\0\0\n";
        let refs = parse_list(text);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].name, "refs/mim/seals/a");
        assert_eq!(refs[0].parents, ["p1"]);
        assert_eq!(refs[0].message, "mim seal\n\nSealed: p1\n");
        assert_eq!(refs[1].name, "refs/mim/seals/b");
        assert_eq!(refs[1].kind, "tag");
        assert!(refs[1].parents.is_empty());
    }
}
