//! The local git questions and answers sync needs: commits, trees, refs and objects,
//! each one git process, never through `git replace` substitutes.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

pub(super) fn git(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(root)
        .stdin(Stdio::null())
        .env("LC_ALL", "C")
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        // Paths are paths, never patterns.
        .env("GIT_LITERAL_PATHSPECS", "1");
    cmd
}

/// Run `cmd`; its standard output, or an error with what git said.
pub(super) fn output(mut cmd: Command, what: &str) -> anyhow::Result<String> {
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {what} (is git installed?)"))?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let mut said = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if said.is_empty() {
        said = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    bail!("{what} failed: {said}")
}

/// Run `cmd` with `input` on its standard input; its standard output and whether it
/// succeeded (with what it said on standard error).
pub(super) fn with_input(
    mut cmd: Command,
    input: &[u8],
) -> anyhow::Result<(bool, Vec<u8>, String)> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().context("running git (is git installed?)")?;
    let mut stdin = child.stdin.take().context("git's standard input")?;
    let input = input.to_vec();
    // Written from a thread, so a git that answers while reading cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().context("waiting for git")?;
    let _ = writer.join();
    Ok((
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    ))
}

/// The commit `rev` names, if any.
pub(super) fn commit_of(root: &Path, rev: &str) -> Option<String> {
    crate::git::commit_of(root, rev)
}

/// Whether `a` is `b` or one of its ancestors.
pub(super) fn is_ancestor(root: &Path, a: &str, b: &str) -> bool {
    git(root)
        .args(["merge-base", "--is-ancestor", a, b])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The commits of `tip` that `not` lacks (all of `tip`'s with `None`), oldest first,
/// each with its parents.
pub(super) fn commits_between(
    root: &Path,
    not: Option<&str>,
    tip: &str,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let mut cmd = git(root);
    cmd.args(["rev-list", "--reverse", "--topo-order", "--parents", tip]);
    if let Some(not) = not {
        cmd.arg("--not").arg(not);
    }
    let out = output(cmd, "git rev-list")?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let mut ids = l.split_whitespace().map(String::from);
            let commit = ids.next()?;
            Some((commit, ids.collect()))
        })
        .collect())
}

/// The tree of `commit`.
pub(super) fn tree_of(root: &Path, commit: &str) -> anyhow::Result<String> {
    let mut cmd = git(root);
    cmd.args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{commit}^{{tree}}"));
    Ok(output(cmd, "git rev-parse")?.trim().to_string())
}

/// One commit as `git log` shows it, with its trailers.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub commit: String,
    pub author: String,
    pub email: String,
    /// git's raw author date: `<seconds> <offset>`.
    pub raw_date: String,
    pub date: Option<crate::time::Timestamp>,
    /// `Name <email>` of whoever committed it.
    pub committer: String,
    pub subject: String,
    /// The whole message, as committed.
    pub message: String,
}

impl CommitInfo {
    /// The value of the last `key:` trailer.
    pub fn trailer(&self, key: &str) -> Option<String> {
        let lines: Vec<&str> = self.message.lines().collect();
        crate::audit::trailers(&lines)
            .into_iter()
            .rfind(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// Every `Incident:` trailer.
    pub fn incidents(&self) -> Vec<String> {
        let lines: Vec<&str> = self.message.lines().collect();
        crate::audit::trailers(&lines)
            .into_iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("Incident"))
            .map(|(_, v)| v)
            .filter(|v| crate::repo::is_id(v))
            .collect()
    }

    /// A commit mim made: it has the `Event:` trailer.
    pub fn is_mim(&self) -> bool {
        self.trailer("Event").is_some()
    }

    /// Who acted: the `Actor:` trailer, else the author.
    pub fn actor(&self) -> String {
        self.trailer("Actor").unwrap_or_else(|| self.author.clone())
    }
}

/// `git log` of `revs` (with `--not` and ranges as given), oldest first with `reverse`.
pub(super) fn log(root: &Path, revs: &[&str], reverse: bool) -> anyhow::Result<Vec<CommitInfo>> {
    let mut cmd = git(root);
    cmd.args([
        "log",
        "-z",
        "--format=%H%x1f%an%x1f%ae%x1f%ad%x1f%aI%x1f%cn <%ce>%x1f%s%x1f%B",
        "--date=raw",
    ]);
    if reverse {
        cmd.arg("--reverse");
    }
    cmd.args(revs).arg("--");
    let out = output(cmd, "git log")?;
    Ok(out
        .split('\0')
        .filter(|r| !r.trim().is_empty())
        .filter_map(|record| {
            let f: Vec<&str> = record.trim_start_matches('\n').splitn(8, '\x1f').collect();
            if f.len() < 8 {
                return None;
            }
            let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
            Some(CommitInfo {
                commit: f[0].to_string(),
                author: f[1].to_string(),
                email: f[2].to_string(),
                raw_date: f[3].to_string(),
                date: parse(f[4]),
                committer: f[5].to_string(),
                subject: f[6].to_string(),
                message: f[7].to_string(),
            })
        })
        .collect())
}

/// One commit's details.
pub(super) fn info(root: &Path, commit: &str) -> anyhow::Result<CommitInfo> {
    log(root, &["-1", commit], false)?
        .into_iter()
        .next()
        .with_context(|| format!("commit {commit} not found"))
}

/// The contents of `<rev>:<path>` for each spec, as stored (`None` where there is no
/// such file), read by one `git cat-file --batch`.
pub(super) fn blobs(root: &Path, specs: &[String]) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let mut cmd = git(root);
    cmd.args(["cat-file", "--batch"]);
    let mut input = String::new();
    for spec in specs {
        if spec.contains('\n') {
            bail!("a path with a line break cannot be read from git");
        }
        input.push_str(spec);
        input.push('\n');
    }
    let (ok, out, said) = with_input(cmd, input.as_bytes())?;
    if !ok {
        bail!("git cat-file failed: {said}");
    }
    let mut rest = out.as_slice();
    let mut found = Vec::new();
    for _ in specs {
        let nl = rest
            .iter()
            .position(|&b| b == b'\n')
            .context("git cat-file: short answer")?;
        let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
        rest = &rest[nl + 1..];
        let fields: Vec<&str> = header.split(' ').collect();
        if fields.len() == 3 && fields[1] == "blob" {
            let size: usize = fields[2].parse().context("git cat-file: bad size")?;
            if rest.len() < size + 1 {
                bail!("git cat-file: short answer");
            }
            found.push(Some(rest[..size].to_vec()));
            rest = &rest[size + 1..];
        } else if fields.len() == 3 {
            // Not a blob (a tree where a file was expected): skip its bytes.
            let size: usize = fields[2].parse().unwrap_or(0);
            rest = rest.get(size + 1..).unwrap_or_default();
            found.push(None);
        } else {
            found.push(None);
        }
    }
    Ok(found)
}

/// Make a commit of `tree` with `parents` and `message`; `author` as `(name, email,
/// raw date)`, else git's own identity. Signed where `commit.gpgSign` asks for it.
pub(super) fn commit_tree(
    root: &Path,
    tree: &str,
    parents: &[&str],
    message: &str,
    author: Option<(&str, &str, &str)>,
) -> anyhow::Result<String> {
    let mut cmd = git(root);
    if let Some((name, email, date)) = author {
        cmd.env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_AUTHOR_DATE", date);
    }
    cmd.arg("commit-tree");
    if crate::git::signs_commits(root) {
        cmd.arg("-S");
    }
    for p in parents {
        cmd.args(["-p", p]);
    }
    cmd.arg(tree);
    let (ok, out, said) = with_input(cmd, message.as_bytes())?;
    if !ok {
        bail!("git commit-tree failed: {said}");
    }
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// Set `name` to `new` if it is `old` (`None`: only if it does not exist yet).
pub(super) fn update_ref(
    root: &Path,
    name: &str,
    new: &str,
    old: Option<&str>,
    why: &str,
) -> anyhow::Result<()> {
    let mut cmd = git(root);
    cmd.args(["update-ref", "-m", why, name, new]);
    match old {
        Some(old) => cmd.arg(old),
        None => cmd.arg("0".repeat(new.len())),
    };
    output(cmd, "git update-ref").map(drop)
}

/// Every ref under the `prefixes` with the object it names.
pub(super) fn refs(root: &Path, prefixes: &[&str]) -> anyhow::Result<Vec<(String, String)>> {
    let mut cmd = git(root);
    cmd.args(["for-each-ref", "--format=%(refname) %(objectname)"]);
    cmd.args(prefixes);
    Ok(output(cmd, "git for-each-ref")?
        .lines()
        .filter_map(|l| {
            let (name, id) = l.split_once(' ')?;
            Some((name.to_string(), id.to_string()))
        })
        .collect())
}

/// Read all of `reader` into a string (lossily).
pub(super) fn read_all(mut reader: impl Read) -> String {
    let mut bytes = Vec::new();
    let _ = reader.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `Name <email>` of whoever commits in this clone.
pub(super) fn committer(root: &Path) -> Option<String> {
    let mut cmd = git(root);
    cmd.args(["var", "GIT_COMMITTER_IDENT"]);
    let ident = output(cmd, "git var").ok()?;
    let end = ident.rfind('>')?;
    Some(ident[..=end].to_string())
}
