//! git's index, brought in line with a commit the way `git commit` does it: under git's
//! own `index.lock`, taken before the new index is written and held until the branch has
//! moved. Another git that wants the index meanwhile finds the lock (and waits, or stops
//! with git's "index.lock: File exists"); once the lock is gone, the index holds the
//! commit's files. So a `git commit` of the user's never starts from an index older than
//! the HEAD it commits on, which would undo the files mim just committed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::{git, output};

/// git's `index.lock`, held by this process; released (removed) when dropped without
/// [`IndexLock::commit`].
pub struct IndexLock {
    index: PathBuf,
    lock: PathBuf,
    /// The new index, written next to the lock before it replaces the lock's content.
    temp: PathBuf,
    /// Whether the lock holds a new index (else the index stays as it is).
    replace: bool,
    done: bool,
}

impl IndexLock {
    /// Take git's index lock of the work tree at `root`, waiting up to `wait` for a git
    /// that holds it.
    pub fn acquire(root: &Path, git_dir: &Path, wait: Duration) -> anyhow::Result<IndexLock> {
        let index = index_path(root)?;
        let lock = PathBuf::from(format!("{}.lock", index.display()));
        let temp = git_dir.join(format!("mim-index-next-{}", std::process::id()));
        let start = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(_) => {
                    return Ok(IndexLock {
                        index,
                        lock,
                        temp,
                        replace: false,
                        done: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if start.elapsed() >= wait {
                        bail!(
                            "{} exists, so another git is using this repository's index (your own git, or an editor's): \
                             let it finish and run the command again; if no git is running, it was left by a git that \
                             crashed: remove it and run the command again",
                            lock.display()
                        );
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("creating {}", lock.display()));
                }
            }
        }
    }

    /// Write into the lock the index as it is now with `info` applied (the input of
    /// `git update-index -z --index-info`): what becomes git's index on
    /// [`IndexLock::commit`]. The rest of what the user staged stays staged.
    pub fn write(&mut self, root: &Path, info: &[u8]) -> anyhow::Result<()> {
        let copied = match std::fs::copy(&self.index, &self.temp) {
            // The copy keeps the index's time, by which git tells which of its entries
            // may have changed in the second it was written ("racy git").
            Ok(_) => {
                let at = std::fs::metadata(&self.index)
                    .and_then(|m| m.modified())
                    .and_then(|at| {
                        std::fs::OpenOptions::new()
                            .write(true)
                            .open(&self.temp)?
                            .set_modified(at)?;
                        Ok(at)
                    })
                    .with_context(|| format!("copying {}", self.index.display()))?;
                Some(at)
            }
            // No index yet (a repository nothing was ever staged in): git makes one.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(e).with_context(|| format!("copying {}", self.index.display()));
            }
        };
        let mut cmd = git(root);
        cmd.env("GIT_INDEX_FILE", &self.temp)
            .args(["update-index", "-z", "--index-info"]);
        super::commit::run_with_input(cmd, info, "git update-index")?;
        let rewritten = match copied {
            None => true,
            Some(at) => std::fs::metadata(&self.temp)
                .and_then(|m| m.modified())
                .map_or(true, |now| now != at),
        };
        if !rewritten {
            // Nothing to change: the index stays as it is (and the lock, new and empty,
            // is what a killed mim leaves for the next one to recognise).
            let _ = std::fs::remove_file(&self.temp);
            self.replace = false;
            return Ok(());
        }
        std::fs::rename(&self.temp, &self.lock)
            .with_context(|| format!("writing {}", self.lock.display()))?;
        self.replace = true;
        Ok(())
    }

    /// The written index becomes git's index, and the lock is released.
    pub fn commit(mut self) -> anyhow::Result<()> {
        self.done = true;
        if !self.replace {
            return std::fs::remove_file(&self.lock)
                .with_context(|| format!("removing {}", self.lock.display()));
        }
        std::fs::rename(&self.lock, &self.index)
            .with_context(|| format!("replacing {}", self.index.display()))
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
            let _ = std::fs::remove_file(&self.lock);
        }
    }
}

/// Where git's index of the work tree at `root` is (`GIT_INDEX_FILE` if it is set).
fn index_path(root: &Path) -> anyhow::Result<PathBuf> {
    let mut cmd = git(root);
    cmd.args(["rev-parse", "--git-path", "index"]);
    let out = output(cmd, "git rev-parse")?;
    let path = PathBuf::from(out.trim_end_matches('\n'));
    Ok(if path.is_absolute() {
        path
    } else {
        root.join(path)
    })
}
