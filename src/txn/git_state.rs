//! What a transaction needs to know about git: where the git directory is, what HEAD
//! is, what a file is at HEAD, and which of git's own lock files are in the way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .env("LC_ALL", "C");
    cmd
}

/// The git directory of the work tree at `root` and the common directory (they differ
/// in a linked worktree); `None` outside a git work tree.
#[derive(Clone, Debug)]
pub struct GitDirs {
    pub git_dir: PathBuf,
    pub common_dir: PathBuf,
}

pub fn dirs(root: &Path) -> Option<GitDirs> {
    // No `.git` above and no GIT_DIR: not in a work tree, without starting git.
    if std::env::var_os("GIT_DIR").is_none() && super::find_git_dir(root).is_none() {
        return None;
    }
    let out = git(root)
        .args([
            "rev-parse",
            "--is-inside-work-tree",
            "--absolute-git-dir",
            "--git-common-dir",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    if lines.next()? != "true" {
        return None;
    }
    let git_dir = PathBuf::from(lines.next()?);
    let common = PathBuf::from(lines.next()?);
    let common_dir = if common.is_absolute() {
        common
    } else {
        root.join(common)
    };
    Some(GitDirs {
        git_dir,
        common_dir,
    })
}

/// The commit HEAD points at; `None` on an unborn branch.
pub fn head(root: &Path) -> Option<String> {
    crate::git::commit_of(root, "HEAD")
}

/// The content of `path` (relative to `root`) in the commit HEAD points at.
pub fn at_head(root: &Path, path: &Path) -> Option<Vec<u8>> {
    let spec = format!("HEAD:./{}", path.to_string_lossy().replace('\\', "/"));
    let out = git(root).args(["cat-file", "blob", &spec]).output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// Whether `path` (relative to `root`) is a directory in the commit HEAD points at.
pub fn tree_at_head(root: &Path, path: &Path) -> bool {
    let spec = format!("HEAD:./{}", path.to_string_lossy().replace('\\', "/"));
    git(root)
        .args(["cat-file", "-t", &spec])
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.starts_with(b"tree"))
}

/// Put the index entries of `paths` back to HEAD (or out of the index on an unborn
/// branch), so nothing a failed or interrupted commit staged stays staged.
pub fn unstage(root: &Path, paths: &[PathBuf]) {
    if paths.is_empty() {
        return;
    }
    let mut cmd = git(root);
    if head(root).is_some() {
        cmd.args(["reset", "--quiet", "--"]);
    } else {
        cmd.args(["rm", "--cached", "--quiet", "--ignore-unmatch", "-r", "--"]);
    }
    let _ = cmd.args(paths).stdout(Stdio::null()).status();
}

/// git's lock files that a commit in this work tree takes: the index, HEAD, the branch
/// HEAD names, and the temporary index of `git commit --only`.
pub fn lock_files(dirs: &GitDirs) -> Vec<PathBuf> {
    let mut out = vec![
        dirs.git_dir.join("index.lock"),
        dirs.git_dir.join("HEAD.lock"),
    ];
    if let Ok(head) = std::fs::read_to_string(dirs.git_dir.join("HEAD"))
        && let Some(name) = head.trim().strip_prefix("ref: ")
        && name.starts_with("refs/")
        && !name.contains("..")
    {
        out.push(dirs.common_dir.join(format!("{name}.lock")));
    }
    if let Ok(read) = std::fs::read_dir(&dirs.git_dir) {
        for entry in read.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("next-index-") && name.ends_with(".lock") {
                out.push(entry.path());
            }
        }
    }
    out
}

/// The lock files of [`lock_files`] that exist now.
pub fn present_locks(dirs: &GitDirs) -> Vec<PathBuf> {
    lock_files(dirs)
        .into_iter()
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .collect()
}
