//! What HEAD holds under a directory and where the work tree differs from it, each
//! read with one git command (for `mim check`'s cache: an incident whose files are
//! HEAD's is known by its tree's hash).

use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Where the work tree at `dir` keeps git's own files, once it has a commit: the git
/// directory (absolute), `dir`'s place in the work tree (`git rev-parse --show-prefix`:
/// empty at its top, else `sub/dir/`) and HEAD's commit. `None` outside a work tree or
/// on a branch without a commit yet.
pub fn located(dir: &Path) -> Option<(PathBuf, String, String)> {
    let out = super::git(dir)
        .args([
            "rev-parse",
            "--absolute-git-dir",
            "--show-prefix",
            "--verify",
            "--quiet",
            "HEAD^{commit}",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    let git_dir = PathBuf::from(lines.next()?);
    let prefix = lines.next()?.to_string();
    let head = lines.next()?.to_string();
    Some((git_dir, prefix, head))
}

/// The directories directly inside each of `dirs` (relative to `dir`) in `commit`'s
/// tree, with their trees' hashes, from one `git ls-tree` (not recursive): (path
/// relative to `dir` with `/` separators, hash). `None` when git cannot say.
pub fn subtrees(dir: &Path, commit: &str, dirs: &[&str]) -> Option<Vec<(String, String)>> {
    if dirs.is_empty() {
        return Some(Vec::new());
    }
    let out = super::git(dir)
        .args(["ls-tree", "-d", "-z", commit, "--"])
        .args(dirs.iter().map(|d| format!("{}/", d.trim_end_matches('/'))))
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    text.split('\0')
        .filter(|r| !r.is_empty())
        .filter_map(|record| {
            let (meta, path) = record.split_once('\t')?;
            let mut meta = meta.split(' ');
            let (_mode, kind, hash) = (meta.next()?, meta.next()?, meta.next()?);
            (kind == "tree").then(|| (path.to_string(), hash.to_string()))
        })
        .collect::<Vec<_>>()
        .into()
}

/// Every path under `paths` (relative to `dir`) whose work tree is not what `commit`
/// holds: changed, staged, deleted, or not tracked at all (ignored files and empty
/// directories too, since mim reads them all). Paths are relative to `dir` or to the
/// top of the work tree (callers use their names, not where they start). `None` when
/// git cannot say.
pub fn differing(dir: &Path, commit: &str, paths: &[&str]) -> Option<Vec<String>> {
    // The two walks are independent: run them side by side.
    let changed = super::git(dir)
        .args([
            "--no-optional-locks",
            "--literal-pathspecs",
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--ignore-submodules",
            commit,
            "--",
        ])
        .args(paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let untracked = super::git(dir)
        .args([
            "--literal-pathspecs",
            "ls-files",
            "-z",
            "--others",
            "--directory",
            "--",
        ])
        .args(paths)
        .stderr(Stdio::null())
        .output();
    let changed = changed.wait_with_output().ok()?;
    let untracked = untracked.ok()?;
    if !changed.status.success() || !untracked.status.success() {
        return None;
    }
    let mut out = Vec::new();
    for listed in [changed.stdout, untracked.stdout] {
        let text = String::from_utf8(listed).ok()?;
        out.extend(text.split('\0').filter(|p| !p.is_empty()).map(String::from));
    }
    Some(out)
}
