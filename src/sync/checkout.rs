//! Moving this clone's branch to another commit (the remote's, or the remote's with
//! this clone's own commits replayed on it), with the work tree and git's index.
//!
//! Only the files that differ between the two commits are touched, and only when none
//! of them has uncommitted changes (or is an untracked file in the way): the user's
//! work is never overwritten, and a refusal names the files. The move is journaled
//! (`mim-sync-move` in the git directory) before the branch moves; the branch moves
//! first (`update-ref` from the old commit only), then each file is written
//! atomically, then the index is brought in line for those paths. A mim killed on the
//! way leaves the journal, and the next mim finishes the move.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::gitx::{self, git, output};

const JOURNAL: &str = "mim-sync-move";

/// A file the move would overwrite that has changes of the user's.
#[derive(Debug)]
pub struct Dirty(pub Vec<String>);

impl std::fmt::Display for Dirty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<&str> = self.0.iter().take(5).map(String::as_str).collect();
        let more = self.0.len().saturating_sub(shown.len());
        write!(
            f,
            "{}{} {} uncommitted changes (or is in the way) and the remote changed it too: commit or stash \
             your changes (`git stash`), then run `mim sync`",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            },
            if self.0.len() == 1 { "has" } else { "have" }
        )
    }
}

impl std::error::Error for Dirty {}

/// One path that differs between the two commits.
#[derive(Clone, Debug, PartialEq)]
struct Change {
    path: String,
    /// The mode in the new commit; `None` when the path is gone there.
    mode: Option<String>,
}

/// Move HEAD's branch from `from` to `to`, with the files and the index.
pub fn move_to(root: &Path, git_dir: &Path, from: &str, to: &str, why: &str) -> anyhow::Result<()> {
    if from == to {
        return Ok(());
    }
    let changes = changes(root, from, to)?;
    if let Some(c) = changes
        .iter()
        .find(|c| matches!(c.mode.as_deref(), Some("120000" | "160000")))
    {
        bail!(
            "the remote's history has {} as a symbolic link or a submodule: mim never writes those; \
             bring this clone up to date by hand (`git pull`)",
            c.path
        );
    }
    let dirty = dirty(root, &changes)?;
    if !dirty.is_empty() {
        return Err(Dirty(dirty).into());
    }
    let journal = git_dir.join(JOURNAL);
    let mut text = format!("from {from}\nto {to}\n");
    for c in &changes {
        text.push_str(&format!("path {}\n", c.path));
    }
    crate::store::write_atomic(&journal, text.as_bytes())?;
    // git's index lock is held from before the branch moves until the index has the new
    // files, as a mim commit does (see `crate::git::IndexLock`): a `git commit` of the
    // user's never starts from the old index on the new branch.
    let index = crate::git::IndexLock::acquire(root, git_dir, INDEX_WAIT)?;
    gitx::update_ref(root, "HEAD", to, Some(from), why)?;
    crate::fault::fault("sync-mid-move");
    write_files(root, to, &changes, index)?;
    let _ = std::fs::remove_file(&journal);
    Ok(())
}

/// How long a move waits for a git that holds the index.
const INDEX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Finish a move a killed mim left half done; a line says so.
pub fn recover(root: &Path, git_dir: &Path) -> anyhow::Result<()> {
    let journal = git_dir.join(JOURNAL);
    let Ok(text) = std::fs::read_to_string(&journal) else {
        return Ok(());
    };
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
    };
    let (Some(from), Some(to)) = (field("from "), field("to ")) else {
        let _ = std::fs::remove_file(&journal);
        return Ok(());
    };
    let head = gitx::commit_of(root, "HEAD");
    if head.as_deref() == Some(to.as_str()) {
        let wanted: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("path "))
            .map(String::from)
            .collect();
        let changes: Vec<Change> = changes(root, &from, &to)?
            .into_iter()
            .filter(|c| wanted.contains(&c.path))
            .collect();
        // Whatever is neither the old nor the new content was changed since: kept.
        let theirs = user_changed(root, &from, &to, &changes)?;
        let todo: Vec<Change> = changes
            .into_iter()
            .filter(|c| !theirs.contains(&c.path))
            .collect();
        remove_stale_index_lock(root, &journal);
        let index = crate::git::IndexLock::acquire(root, git_dir, INDEX_WAIT)?;
        write_files(root, &to, &todo, index)?;
        if !theirs.is_empty() {
            eprintln!(
                "mim: kept {} as it is (changed since an interrupted sync); `git diff` shows how it differs",
                theirs.join(", ")
            );
        }
        eprintln!(
            "mim: finished bringing this clone up to date ({} → {}), which an interrupted mim had begun",
            crate::audit::short(&from),
            crate::audit::short(&to)
        );
    }
    // HEAD still `from`: nothing had changed yet. Anything else: moved since, by hand.
    remove_stale_index_lock(root, &journal);
    let _ = std::fs::remove_file(&journal);
    Ok(())
}

/// git's `index.lock` left by the killed move: made just after its journal (no mim runs
/// git now: this one holds the repository lock and has not started git).
fn remove_stale_index_lock(root: &Path, journal: &Path) {
    let Ok(out) = git(root)
        .args(["rev-parse", "--git-path", "index.lock"])
        .output()
    else {
        return;
    };
    let lock = root.join(String::from_utf8_lossy(&out.stdout).trim());
    let made = |p: &Path| std::fs::symlink_metadata(p).and_then(|m| m.modified()).ok();
    let (Some(journal_at), Some(lock_at)) = (made(journal), made(&lock)) else {
        return;
    };
    let window = std::time::Duration::from_secs(120);
    let after = lock_at
        .duration_since(journal_at)
        .map(|d| d <= window)
        .unwrap_or_else(|e| e.duration() <= std::time::Duration::from_secs(2));
    if after && std::fs::remove_file(&lock).is_ok() {
        eprintln!("mim: removed git's index.lock left by an interrupted sync");
    }
}

/// The paths that differ between `from` and `to`, with their mode in `to`.
fn changes(root: &Path, from: &str, to: &str) -> anyhow::Result<Vec<Change>> {
    let mut cmd = git(root);
    cmd.args(["diff-tree", "-r", "-z", "--no-renames", "--raw", from, to]);
    let out = output(cmd, "git diff-tree")?;
    let mut fields = out.split('\0');
    let mut changes = Vec::new();
    while let Some(meta) = fields.next() {
        let meta = meta.trim_start_matches('\n');
        if meta.is_empty() {
            continue;
        }
        let Some(path) = fields.next() else { break };
        // `:<old mode> <new mode> <old id> <new id> <status>`
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let mode = parts.get(1).copied().unwrap_or("000000");
        changes.push(Change {
            path: path.to_string(),
            mode: (mode != "000000").then(|| mode.to_string()),
        });
    }
    Ok(changes)
}

/// Those of `changes` that have uncommitted changes, or an untracked or ignored file
/// where the new commit puts one.
fn dirty(root: &Path, changes: &[Change]) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for chunk in changes.chunks(500) {
        let mut cmd = git(root);
        cmd.args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignored=matching",
            "--no-renames",
            "--",
        ]);
        cmd.args(chunk.iter().map(|c| c.path.as_str()));
        let out = output(cmd, "git status")?;
        found.extend(
            out.split('\0')
                .filter_map(|r| r.get(3..))
                .filter(|p| !p.is_empty())
                .map(String::from),
        );
    }
    Ok(found)
}

/// Of `changes`, the paths whose file is neither as in `from` nor as in `to`.
fn user_changed(
    root: &Path,
    from: &str,
    to: &str,
    changes: &[Change],
) -> anyhow::Result<Vec<String>> {
    let mut specs = Vec::new();
    for c in changes {
        specs.push(format!("{from}:{}", c.path));
        specs.push(format!("{to}:{}", c.path));
    }
    let blobs = gitx::blobs(root, &specs)?;
    let mut out = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let now = match crate::safe_fs::read(root, &root.join(&c.path)) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(_) => {
                out.push(c.path.clone());
                continue;
            }
        };
        if now != blobs[2 * i] && now != blobs[2 * i + 1] {
            out.push(c.path.clone());
        }
    }
    Ok(out)
}

/// Write the files of `to` for `changes` (atomically; removing the gone ones) and bring
/// git's index (whose lock is `index`) in line for those paths.
fn write_files(
    root: &Path,
    to: &str,
    changes: &[Change],
    mut index: crate::git::IndexLock,
) -> anyhow::Result<()> {
    if changes.is_empty() {
        return index.commit();
    }
    let present: Vec<&Change> = changes.iter().filter(|c| c.mode.is_some()).collect();
    let filtered = filtered_paths(root, &present)?;
    let specs: Vec<String> = present.iter().map(|c| format!("{to}:{}", c.path)).collect();
    let blobs = gitx::blobs(root, &specs)?;
    for (c, blob) in present.iter().zip(blobs) {
        let path = root.join(&c.path);
        let bytes = if filtered.contains(&c.path) {
            smudged(root, to, &c.path)?
        } else {
            blob.with_context(|| format!("{} is not a file in {to}", c.path))?
        };
        make_dirs(root, &path)?;
        crate::safe_fs::check_writable(root, &path)
            .with_context(|| format!("cannot write {}", c.path))?;
        crate::store::write_atomic(&path, &bytes)?;
        if c.mode.as_deref() == Some("100755") {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
        }
    }
    for c in changes.iter().filter(|c| c.mode.is_none()) {
        let path = root.join(&c.path);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {
                std::fs::remove_file(&path).with_context(|| format!("removing {}", c.path))?
            }
            _ => {}
        }
        remove_empty_dirs(root, &path);
    }
    // The index takes each path as the new commit has it, or drops it when it is gone.
    let mut cmd = git(root);
    cmd.args(["ls-tree", "-z", "--full-tree", to, "--"]);
    cmd.args(changes.iter().map(|c| c.path.as_str()));
    let listed = output(cmd, "git ls-tree")?;
    let mut info = Vec::new();
    let mut kept = Vec::new();
    for record in listed.split('\0').filter(|r| !r.is_empty()) {
        // `<mode> blob <id>\t<path>` → `<mode> <id>\t<path>`
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split(' ').collect();
        if fields.len() == 3 {
            info.extend_from_slice(format!("{} {}\t{path}\0", fields[0], fields[2]).as_bytes());
            kept.push(path.to_string());
        }
    }
    let zero = "0".repeat(to.len());
    for c in changes.iter().filter(|c| !kept.contains(&c.path)) {
        info.extend_from_slice(format!("0 {zero}\t{}\0", c.path).as_bytes());
    }
    index
        .write(root, &info)
        .and_then(|()| index.commit())
        .context(
            "the files are up to date, but git's index is not: `git reset -q` brings it in line",
        )
}

/// The paths git converts on checkout (a `filter`, `eol` or `text` attribute, or
/// `core.autocrlf`): those are written through `git cat-file --filters`.
fn filtered_paths(root: &Path, present: &[&Change]) -> anyhow::Result<Vec<String>> {
    if present.is_empty() {
        return Ok(Vec::new());
    }
    let autocrlf = git(root)
        .args(["config", "core.autocrlf"])
        .output()
        .map(|o| {
            let v = String::from_utf8_lossy(&o.stdout).trim().to_lowercase();
            v == "true" || v == "input"
        })
        .unwrap_or(false);
    if autocrlf {
        return Ok(present.iter().map(|c| c.path.clone()).collect());
    }
    let mut cmd = git(root);
    cmd.args(["check-attr", "-z", "--stdin", "filter", "eol", "text"]);
    let mut input = Vec::new();
    for c in present {
        input.extend_from_slice(c.path.as_bytes());
        input.push(0);
    }
    let (ok, out, said) = gitx::with_input(cmd, &input)?;
    if !ok {
        bail!("git check-attr failed: {said}");
    }
    let text = String::from_utf8_lossy(&out);
    let fields: Vec<&str> = text.split('\0').collect();
    let mut paths = Vec::new();
    for f in fields.chunks_exact(3) {
        if f[2] != "unspecified" && f[2] != "unset" && !paths.iter().any(|p: &String| p == f[0]) {
            paths.push(f[0].to_string());
        }
    }
    Ok(paths)
}

fn smudged(root: &Path, to: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    let out = git(root)
        .args(["cat-file", "--filters"])
        .arg(format!("{to}:{path}"))
        .output()
        .context("running git cat-file")?;
    if !out.status.success() {
        bail!(
            "git cat-file --filters {path} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// Create the directories between `root` and `path`'s parent, never through a link.
fn make_dirs(root: &Path, path: &Path) -> anyhow::Result<()> {
    let parent = path.parent().context("a file has a parent directory")?;
    let rel = parent.strip_prefix(root).unwrap_or(parent);
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match crate::safe_fs::kind(root, &at)? {
            crate::safe_fs::Kind::Dir => {}
            crate::safe_fs::Kind::Missing => {
                std::fs::create_dir(&at).with_context(|| format!("creating {}", at.display()))?
            }
            _ => bail!(
                "`{}` is in the way (not a directory); mim never writes through links",
                at.strip_prefix(root).unwrap_or(&at).display()
            ),
        }
    }
    Ok(())
}

/// Remove the directories above a removed file that are left empty (git keeps none).
fn remove_empty_dirs(root: &Path, path: &Path) {
    let mut dir: Option<PathBuf> = path.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(&d).is_err() {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
}
