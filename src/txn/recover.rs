//! Finishing or undoing the transaction of a mim that was killed.
//!
//! Runs when a [`Session`] starts, with the repository lock held: a journal found then
//! belongs to a process that is gone (a live one would hold the lock), and so do git's
//! lock files made while its transaction ran. If HEAD holds the transaction, it is
//! finished (the index brought in line); if not, it is rolled back, file by file, where
//! the file still has what the transaction wrote — or, for a transaction whose effects
//! already happened ([`Policy::Complete`]), written and committed. Either way the
//! temporary files it may have left are removed, and one line says what was done.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use crate::git;
use crate::safe_fs;
use crate::store;

use super::journal::{self, Journal, Policy};
use super::{Session, git_state};

/// How long after a journal is written git may still create its lock files.
const CLAIM_WINDOW: i64 = 120;

struct File {
    abs: PathBuf,
    rel: PathBuf,
    before: Option<Vec<u8>>,
    after: Vec<u8>,
}

pub(super) fn recover(s: &Session) -> anyhow::Result<()> {
    if let Some(dir) = s.journal.parent() {
        journal::remove_temps(dir);
    }
    if let Some(g) = &s.git {
        remove_commit_temps(&g.git_dir);
    }
    let Some(j) = journal::read(&s.journal)? else {
        return Ok(());
    };
    remove_claimed_git_locks(s, &j);
    let mut files = Vec::new();
    for f in &j.files {
        if f.path.is_absolute()
            || f.path
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            anyhow::bail!(
                "{} names `{}`, which is not a path inside the repository: remove the journal and check `git status`",
                s.journal.display(),
                f.path.display()
            );
        }
        files.push(File {
            abs: s.root.join(&f.path),
            rel: f.path.clone(),
            before: f.before.as_ref().map(|c| c.to_bytes()).transpose()?,
            after: f.after.to_bytes()?,
        });
    }
    // Moved directories are reset in the index by their top directories (one short
    // command for thousands of moves).
    let rels: Vec<PathBuf> = files
        .iter()
        .map(|f| f.rel.clone())
        .chain(journal::moved_tops(&j.moves))
        .collect();
    let committed = j.commit.is_some()
        && s.git.is_some()
        && git_state::head(&s.root) != j.head
        && files
            .iter()
            .all(|f| git_state::at_head(&s.root, &f.rel).as_deref() == Some(f.after.as_slice()))
        // A commit holds all of its moves or none: the last one tells (one git, not one
        // a move).
        && j.moves
            .last()
            .is_none_or(|m| git_state::tree_at_head(&s.root, &m.to));
    let outcome = if committed {
        // git may have been killed after moving the branch, before writing the index.
        git_state::unstage(&s.root, &rels);
        "it had been committed; finished it".to_string()
    } else if j.policy == Policy::Complete {
        complete(s, &j, &files, &rels)
    } else {
        roll_back(s, &j, &files, &rels)
    };
    remove_temp_files(s, &files);
    journal::clear(&s.journal)?;
    eprintln!(
        "mim: recovered the interrupted `{}` (pid {}): {outcome}",
        j.command, j.pid
    );
    Ok(())
}

/// git's lock files made while the dead transaction ran: no mim runs git now (this one
/// holds the lock and has not started git), so they are stale.
fn remove_claimed_git_locks(s: &Session, j: &Journal) {
    let Some(g) = &s.git else { return };
    let mut removed = Vec::new();
    for lock in git_state::present_locks(g) {
        let Some(made) = modified_secs(&lock) else {
            continue;
        };
        let from = j.started.unwrap_or(j.written).min(j.written);
        if made + 2 < from || made > j.written + CLAIM_WINDOW {
            continue;
        }
        if std::fs::remove_file(&lock).is_ok() {
            let shown = lock.strip_prefix(&s.root).unwrap_or(&lock);
            removed.push(shown.display().to_string());
        }
    }
    if !removed.is_empty() {
        eprintln!(
            "mim: removed git's lock files left by the git of the interrupted mim (pid {}): {}",
            j.pid,
            removed.join(", ")
        );
    }
}

/// What a killed plumbing commit leaves in the git directory: its message file and the
/// temporary index built for a `pre-commit` hook.
fn remove_commit_temps(git_dir: &Path) {
    let _ = std::fs::remove_file(git_dir.join("MIM_COMMIT_MSG"));
    let Ok(read) = std::fs::read_dir(git_dir) else {
        return;
    };
    for entry in read.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("mim-index-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn modified_secs(path: &Path) -> Option<i64> {
    let modified = std::fs::symlink_metadata(path).ok()?.modified().ok()?;
    let since = modified
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(since.as_secs()).ok()
}

/// Put back every file that still has what the transaction wrote, and every directory
/// it moved.
fn roll_back(s: &Session, j: &Journal, files: &[File], rels: &[PathBuf]) -> String {
    super::undo_moves(&s.root, &j.moves);
    let mut kept = Vec::new();
    for f in files.iter().rev() {
        let now = match safe_fs::read(&s.root, &f.abs) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(_) => {
                kept.push(f.rel.display().to_string());
                continue;
            }
        };
        if now == f.before {
            continue;
        }
        if now.as_deref() != Some(f.after.as_slice()) {
            // Changed again after the crash (by hand): not ours to undo.
            kept.push(f.rel.display().to_string());
            continue;
        }
        let restored = match &f.before {
            Some(bytes) => store::write_atomic(&f.abs, bytes).is_ok(),
            None => std::fs::remove_file(&f.abs).is_ok(),
        };
        if !restored {
            kept.push(f.rel.display().to_string());
        }
    }
    for dir in j.dirs.iter().rev() {
        let _ = std::fs::remove_dir(s.root.join(dir));
    }
    if j.commit.is_some() && s.git.is_some() {
        git_state::unstage(&s.root, rels);
    }
    if kept.is_empty() {
        "rolled it back; nothing of it is recorded".to_string()
    } else {
        format!(
            "rolled it back, except {} (changed since; check them with `git diff`)",
            kept.join(", ")
        )
    }
}

/// Write and commit what the transaction recorded: it has happened already.
fn complete(s: &Session, j: &Journal, files: &[File], rels: &[PathBuf]) -> String {
    for dir in &j.dirs {
        let _ = std::fs::create_dir(s.root.join(dir));
    }
    if !j.moves.is_empty() {
        // No transaction that moves directories completes: what it did is undone.
        return roll_back(s, j, files, rels);
    }
    for f in files {
        if safe_fs::check_writable(&s.root, &f.abs).is_err()
            || store::write_atomic(&f.abs, &f.after).is_err()
        {
            return format!("could not write {}; check `git status`", f.rel.display());
        }
    }
    let Some(message) = j.commit.as_ref().filter(|_| s.git.is_some()) else {
        return "completed it (its files are written)".to_string();
    };
    let message = message.to_git();
    let git_dir = s
        .git
        .as_ref()
        .map(|g| g.git_dir.clone())
        .unwrap_or_default();
    match s
        .wait_for_git()
        .and_then(|()| git::commit_paths(&s.root, &git_dir, rels, &message, s.timeout, None))
    {
        Ok(()) => format!("completed it and committed it as \"{}\"", message.subject),
        Err(e) => {
            format!("completed its files, but could not commit them: {e:#}")
        }
    }
}

/// Temporary files of atomic writes in the directories the transaction wrote to.
fn remove_temp_files(s: &Session, files: &[File]) {
    let mut dirs: Vec<&Path> = files.iter().filter_map(|f| f.abs.parent()).collect();
    dirs.dedup();
    for dir in dirs {
        let Ok(names) = safe_fs::list_dir(&s.root, dir) else {
            continue;
        };
        for (name, kind) in names {
            if kind == safe_fs::Kind::File
                && name.starts_with(store::TEMP_PREFIX)
                && name.ends_with(store::TEMP_SUFFIX)
            {
                let _ = std::fs::remove_file(dir.join(&name));
            }
        }
    }
}
