//! Every mutation is one transaction under the repository lock.
//!
//! A [`Session`] holds the lock (see [`crate::lock`]) for a whole mutating command: from
//! before its first read to the end of its commit. It first recovers whatever a killed
//! mim left behind. A [`Transaction`] then records in the journal what it will write
//! (each file's previous and new content, the commit message, HEAD), takes git's own
//! `index.lock` (so the user's git cannot commit in between), writes the files
//! atomically, commits exactly those paths, and clears the journal. A mim that finds a
//! journal finishes the transaction if HEAD has it, and otherwise rolls it back (or,
//! for what has already happened in the world, such as e-mails sent, completes it). So
//! after any crash, once the next mim has run, the working tree is clean and HEAD holds
//! either nothing of the interrupted command or all of it.
//!
//! `MIM_FAULT` makes the process kill itself at a named point, for the tests that prove
//! this: `after-journal`, `mid-write:N` (the N-th file's temporary file written, not yet
//! renamed), `after-write:N`, `after-move:N` (the N-th directory of `mim migrate`
//! moved), `after-add` (files hashed, nothing committed),
//! `after-update-ref` (HEAD moved, the new index written under git's `index.lock` but
//! not yet in place; both in `git::commit_paths`), `after-commit`, and in `mim send`
//! `before-sendmail` (its intent recorded) and `after-sendmail` (sendmail has answered,
//! the outcome not yet recorded).

mod git_state;
pub mod journal;
mod recover;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use crate::git;
use crate::lock::{self, RepoLock};
use crate::safe_fs::{self, Kind};
use crate::store::{self, Change, Commit};
use journal::{Content, FileEntry, Journal, Move, Policy};

pub use git_state::GitDirs;

pub use crate::fault::fault;

/// The command line of this process, for the lock holder and the journal.
pub fn command_line() -> String {
    let mut words: Vec<String> = std::env::args().collect();
    if let Some(first) = words.first_mut() {
        *first = "mim".to_string();
    }
    crate::text::clip(&words.join(" "), 300)
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Where the lock and the journal live: the git directory, or the repository root
/// (under hidden names) outside git.
fn state_paths(root: &Path, git: Option<&GitDirs>) -> (PathBuf, PathBuf) {
    match git {
        Some(g) => (
            g.git_dir.join(lock::FILE_NAME),
            g.git_dir.join(JOURNAL_NAME),
        ),
        None => (
            root.join(format!(".{}", lock::FILE_NAME)),
            root.join(format!(".{JOURNAL_NAME}")),
        ),
    }
}

/// The journal's file name in the git directory.
pub const JOURNAL_NAME: &str = "mim-journal";

/// The repository lock, held by one mutating command from start to end.
pub struct Session {
    root: PathBuf,
    git: Option<GitDirs>,
    journal: PathBuf,
    timeout: Duration,
    _lock: RepoLock,
}

impl Session {
    /// Take the repository lock (waiting up to `timeout` for another mim), then recover
    /// any transaction a killed mim left behind. Refused first, with nothing written, in
    /// a git repository whose index git could not read back once written (see
    /// [`git::check_index`]).
    pub fn begin(root: &Path, timeout: Duration) -> anyhow::Result<Session> {
        let git = git_state::dirs(root);
        if let Some(g) = &git {
            git::check_index(root, &g.git_dir)?;
        }
        let (lock_path, journal) = state_paths(root, git.as_ref());
        let lock = lock::acquire(&lock_path, timeout, &command_line())?;
        let session = Session {
            root: root.to_path_buf(),
            git,
            journal,
            timeout,
            _lock: lock,
        };
        recover::recover(&session)?;
        Ok(session)
    }

    pub fn in_git(&self) -> bool {
        self.git.is_some()
    }

    /// Write `change` and commit it as one transaction; on any failure every file is as
    /// it was and the error says why.
    pub fn apply(&self, change: &Change, commit: &Commit) -> anyhow::Result<()> {
        let mut tx = self.transaction(Policy::RollBack, commit);
        tx.write(change)?;
        tx.finish()
    }

    /// A transaction that writes nothing until [`Transaction::write`].
    pub fn transaction(&self, policy: Policy, commit: &Commit) -> Transaction<'_> {
        Transaction {
            session: self,
            policy,
            message: (commit.enabled && self.in_git()).then(|| commit.message.clone_message()),
            head: None,
            files: Vec::new(),
            dirs: Vec::new(),
            moves: Vec::new(),
            journaled: false,
            started: None,
            index: None,
            written: 0,
            done: false,
        }
    }

    fn rel<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    /// Wait for git's lock files to go (up to the lock timeout), or explain what to do.
    /// While mim holds its own lock no other mim runs git here, so these belong to
    /// another program: the user's git, an editor's, or a git that crashed.
    fn wait_for_git(&self) -> anyhow::Result<()> {
        let Some(g) = &self.git else { return Ok(()) };
        let start = std::time::Instant::now();
        loop {
            let present = git_state::present_locks(g);
            let Some(first) = present.first() else {
                return Ok(());
            };
            if start.elapsed() >= self.timeout {
                let shown = first.strip_prefix(&self.root).unwrap_or(first);
                anyhow::bail!(
                    "{} exists, so git is busy in this repository: it is not mim's (no mim is running git here now), \
                     so it may be your own git or an editor's. Let it finish and run the command again; \
                     if no git is running, it was left by a git that crashed: remove {} and run the command again. \
                     Nothing was changed",
                    shown.display(),
                    shown.display()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

trait CloneMessage {
    fn clone_message(&self) -> git::Message;
}

impl CloneMessage for git::Message {
    fn clone_message(&self) -> git::Message {
        git::Message {
            subject: self.subject.clone(),
            trailers: self.trailers.clone(),
            author: self.author.clone(),
        }
    }
}

/// One file of a transaction.
struct Staged {
    path: PathBuf,
    before: Option<Vec<u8>>,
    after: Vec<u8>,
}

/// A mutation in progress: journaled, then written, then committed.
pub struct Transaction<'s> {
    session: &'s Session,
    policy: Policy,
    /// `None`: nothing is committed (`--no-commit`, `git.commit: false`, outside git).
    message: Option<git::Message>,
    head: Option<String>,
    files: Vec<Staged>,
    /// Directories this transaction creates, parents first.
    dirs: Vec<PathBuf>,
    /// Directories it moves (relative to the root), in order.
    moves: Vec<Move>,
    journaled: bool,
    /// When the journal was first written (seconds since 1970).
    started: Option<i64>,
    /// git's `index.lock`, held by a transaction that commits and rolls back on failure
    /// from before its first file is written until its commit has moved the branch (see
    /// `git::commit_paths`): so the user's own `git commit -a` meanwhile can neither take
    /// in files mim has written but not committed yet, nor commit an index older than
    /// mim's commit. (`mim send` holds it only while it commits: it waits on sendmail.)
    index: Option<git::IndexLock>,
    /// Files written so far, for `MIM_FAULT=after-write:N`.
    written: usize,
    done: bool,
}

impl Transaction<'_> {
    /// A new commit message (a `send` that has sent more messages).
    pub fn set_subject(&mut self, subject: String) {
        if let Some(m) = &mut self.message {
            m.subject = subject;
        }
    }

    /// Add `change` to the transaction: journal it first, then write its files. Under
    /// [`Policy::RollBack`] a failure puts everything back before returning the error.
    pub fn write(&mut self, change: &Change) -> anyhow::Result<()> {
        let result = self.write_inner(change);
        if result.is_err() && self.policy == Policy::RollBack {
            self.roll_back();
        }
        result
    }

    fn write_inner(&mut self, change: &Change) -> anyhow::Result<()> {
        let root = self.session.root.clone();
        widen_for(&root, change.paths())?;
        let mut new_dirs = Vec::new();
        let mut befores: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
        let staged = &self.files;
        let contents = change.contents(|path| {
            if let Some(s) = staged.iter().find(|s| s.path == path) {
                return Ok(Some(s.after.clone()));
            }
            let shown = path.strip_prefix(&root).unwrap_or(path).to_path_buf();
            plan_dirs(&root, path, &mut new_dirs)
                .and_then(|()| Ok(safe_fs::check_writable(&root, path)?))
                .with_context(|| format!("cannot write {}", shown.display()))?;
            let before = match safe_fs::read(&root, path) {
                Ok(bytes) => Some(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e).with_context(|| format!("reading {}", shown.display())),
            };
            befores.push((path.to_path_buf(), before.clone()));
            Ok(before)
        })?;
        if contents.is_empty() {
            return Ok(());
        }
        // What mim writes, mim can read: a file past its read limit is refused before
        // anything of the change is written.
        for (path, after) in &contents {
            crate::limits::check_write(path, self.session.rel(path), after.len())?;
        }
        if !self.journaled && self.message.is_some() {
            self.session.wait_for_git()?;
            self.head = git_state::head(&self.session.root);
        }
        self.stage(&contents, &befores, new_dirs);
        self.journal_and_make_dirs()?;
        for (path, after) in &contents {
            let n = self.written + 1;
            let shown = self.session.rel(path).to_path_buf();
            // Checked again just before the write: no symlink may have appeared since.
            safe_fs::check_writable(&root, path)
                .with_context(|| format!("cannot write {}", shown.display()))?;
            store::write_atomic_with(path, after, || fault(&format!("mid-write:{n}")))?;
            self.written = n;
            fault(&format!("after-write:{n}"));
        }
        Ok(())
    }

    /// Move directories (`from` → `to`, relative to the root) as part of the
    /// transaction: journaled first, then moved one by one; the commit takes every file
    /// git tracks under each `from` to its `to`. Under [`Policy::RollBack`] a failure
    /// moves everything back before returning the error.
    pub fn move_dirs(&mut self, moves: Vec<(PathBuf, PathBuf)>) -> anyhow::Result<()> {
        let result = self.move_inner(moves);
        if result.is_err() && self.policy == Policy::RollBack {
            self.roll_back();
        }
        result
    }

    fn move_inner(&mut self, moves: Vec<(PathBuf, PathBuf)>) -> anyhow::Result<()> {
        let root = self.session.root.clone();
        let mut new_dirs = Vec::new();
        for (from, to) in &moves {
            if safe_fs::kind(&root, &root.join(from))? != Kind::Dir {
                anyhow::bail!("cannot move {}: it is not a directory", from.display());
            }
            if safe_fs::kind(&root, &root.join(to))? != Kind::Missing {
                anyhow::bail!(
                    "cannot move {} to {}: it exists",
                    from.display(),
                    to.display()
                );
            }
            plan_dirs(&root, &root.join(to), &mut new_dirs)
                .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
        }
        if moves.is_empty() {
            return Ok(());
        }
        if !self.journaled && self.message.is_some() {
            self.session.wait_for_git()?;
            self.head = git_state::head(&self.session.root);
        }
        self.stage(&[], &[], new_dirs);
        let first = self.moves.len();
        self.moves
            .extend(moves.into_iter().map(|(from, to)| Move { from, to }));
        self.journal_and_make_dirs()?;
        for (n, m) in self.moves.iter().enumerate().skip(first) {
            std::fs::rename(root.join(&m.from), root.join(&m.to))
                .with_context(|| format!("moving {} to {}", m.from.display(), m.to.display()))?;
            fault(&format!("after-move:{}", n + 1));
        }
        Ok(())
    }

    /// Write the journal (before anything of the transaction is touched), hold git's
    /// index lock, and create the directories the transaction needs.
    fn journal_and_make_dirs(&mut self) -> anyhow::Result<()> {
        self.started.get_or_insert_with(now_secs);
        journal::write(&self.session.journal, &self.journal())?;
        self.journaled = true;
        self.lock_index()?;
        fault("after-journal");
        for dir in &self.dirs {
            if !dir.exists() {
                std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
        }
        Ok(())
    }

    /// Record the change's files (with what each held before, the first time) and the
    /// folders it creates among the transaction's.
    fn stage(
        &mut self,
        contents: &[(PathBuf, Vec<u8>)],
        befores: &[(PathBuf, Option<Vec<u8>>)],
        new_dirs: Vec<PathBuf>,
    ) {
        for (path, after) in contents {
            match self.files.iter_mut().find(|s| &s.path == path) {
                Some(s) => s.after = after.clone(),
                None => {
                    let before = befores
                        .iter()
                        .find(|(p, _)| p == path)
                        .and_then(|(_, b)| b.clone());
                    self.files.push(Staged {
                        path: path.clone(),
                        before,
                        after: after.clone(),
                    });
                }
            }
        }
        for dir in new_dirs {
            if !self.dirs.contains(&dir) {
                self.dirs.push(dir);
            }
        }
    }

    /// Hold git's index lock for a transaction that commits, once its journal is there.
    fn lock_index(&mut self) -> anyhow::Result<()> {
        // Taken once the journal is there, so a lock a killed mim leaves is claimed by
        // its journal (see `recover`).
        if self.policy == Policy::RollBack
            && self.message.is_some()
            && self.index.is_none()
            && let Some(g) = &self.session.git
        {
            self.index = Some(git::IndexLock::acquire(
                &self.session.root,
                &g.git_dir,
                self.session.timeout,
            )?);
        }
        Ok(())
    }

    fn journal(&self) -> Journal {
        let rel = |p: &Path| self.session.rel(p).to_path_buf();
        Journal {
            version: 1,
            pid: std::process::id(),
            command: command_line(),
            written: now_secs(),
            started: self.started,
            policy: self.policy,
            commit: self.message.as_ref().map(journal::Message::from_git),
            head: self.head.clone(),
            dirs: self.dirs.iter().map(|d| rel(d)).collect(),
            moves: self.moves.clone(),
            files: self
                .files
                .iter()
                .map(|s| FileEntry {
                    path: rel(&s.path),
                    before: s.before.as_deref().map(Content::from_bytes),
                    after: Content::from_bytes(&s.after),
                })
                .collect(),
        }
    }

    /// The paths the commit takes: the files written, and each moved file at its old
    /// path (gone) and its new one.
    fn rel_paths(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut paths: Vec<PathBuf> = self
            .files
            .iter()
            .map(|s| self.session.rel(&s.path).to_path_buf())
            .collect();
        if self.moves.is_empty() {
            return Ok(paths);
        }
        let froms: Vec<PathBuf> = self.moves.iter().map(|m| m.from.clone()).collect();
        // By directory, so thousands of moves of millions of files are one pass.
        let to: std::collections::HashMap<&Path, &Path> = self
            .moves
            .iter()
            .map(|m| (m.from.as_path(), m.to.as_path()))
            .collect();
        for old in git::tracked(&self.session.root, &froms)? {
            let Some((from, dest)) = old
                .ancestors()
                .skip(1)
                .find_map(|a| to.get(a).map(|dest| (a, *dest)))
            else {
                continue;
            };
            let new = dest.join(old.strip_prefix(from).unwrap_or(&old));
            paths.push(old);
            paths.push(new);
        }
        Ok(paths)
    }

    /// Commit the files written (when committing) and end the transaction.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if !self.journaled {
            self.done = true;
            return Ok(());
        }
        if let Some(message) = &self.message {
            let paths = self.rel_paths()?;
            // The journal is rewritten just before git runs, so lock files git leaves
            // if it is killed are recognised as this transaction's. (On an error here,
            // dropping the transaction rolls it back.)
            journal::write(&self.session.journal, &self.journal())?;
            self.done = true;
            let git_dir = self.session.git.as_ref().map(|g| g.git_dir.as_path());
            let committed = match git_dir {
                Some(dir) => git::commit_paths(
                    &self.session.root,
                    dir,
                    &paths,
                    message,
                    self.session.timeout,
                    self.index.take(),
                ),
                None => Ok(()),
            };
            if let Err(e) = committed {
                // The plumbing commit replaces the user's index only once HEAD has
                // moved, so a failed one has nothing to unstage.
                return match self.policy {
                    Policy::RollBack => {
                        self.roll_back();
                        Err(e.context(
                            "nothing was recorded; fix the problem and run the command again, or use --no-commit",
                        ))
                    }
                    Policy::Complete => {
                        journal::clear(&self.session.journal)?;
                        Err(e.context("the files are written but not committed"))
                    }
                };
            }
            fault("after-commit");
        }
        self.done = true;
        journal::clear(&self.session.journal)
    }

    /// Put every file back as it was before this transaction and forget it.
    fn roll_back(&mut self) {
        self.done = true;
        if !self.journaled {
            return;
        }
        undo_moves(&self.session.root, &self.moves);
        for s in self.files.iter().rev() {
            let _ = match &s.before {
                Some(bytes) => store::write_atomic(&s.path, bytes),
                None => std::fs::remove_file(&s.path).map_err(Into::into),
            };
        }
        for dir in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        // If the files could not be put back, the journal stays for the next mim.
        let restored = self.files.iter().all(|s| {
            let now = safe_fs::read(&self.session.root, &s.path).ok();
            now == s.before
        });
        if restored {
            let _ = journal::clear(&self.session.journal);
        }
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        // An error returned between `write` and `finish`: undo, unless what it records
        // has happened already (then the next mim completes it).
        if !self.done && self.policy == Policy::RollBack {
            self.roll_back();
        }
    }
}

/// In a sparse work tree, add to its cone the incident directories of `paths` that are
/// outside it, before anything is written there (see [`archive`]).
fn widen_for<'a>(root: &Path, paths: impl Iterator<Item = &'a Path>) -> anyhow::Result<()> {
    let Some(archive) = safe_fs::archive() else {
        return Ok(());
    };
    let mut dirs: Vec<PathBuf> = paths
        .filter_map(|p| p.strip_prefix(root).ok())
        .filter_map(|rel| {
            let rel = rel.to_string_lossy().replace('\\', "/");
            crate::repo::incident_dir_of_path(&rel).map(PathBuf::from)
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    archive.widen(&dirs)
}

/// Move back every directory of `moves` that was moved (its `to` is there, its `from`
/// is not), last first.
fn undo_moves(root: &Path, moves: &[Move]) {
    for m in moves.iter().rev() {
        let (from, to) = (root.join(&m.from), root.join(&m.to));
        if safe_fs::kind(root, &to).is_ok_and(|k| k == Kind::Dir)
            && safe_fs::kind(root, &from).is_ok_and(|k| k == Kind::Missing)
        {
            let _ = std::fs::rename(&to, &from);
        }
    }
}

/// The directories between `root` and `path`'s parent that do not exist yet (parents
/// first), after checking that none of the existing ones is a symbolic link.
fn plan_dirs(root: &Path, path: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let parent = path
        .parent()
        .context("a file to write has a parent directory")?;
    let rel = parent
        .strip_prefix(root)
        .map_err(|_| anyhow::anyhow!("{} is outside the repository", path.display()))?;
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match safe_fs::kind(root, &at)? {
            Kind::Dir => {}
            Kind::Missing => {
                if !out.contains(&at) {
                    out.push(at.clone());
                }
            }
            Kind::Symlink => anyhow::bail!(
                "`{}` is a symbolic link: mim never writes through symbolic links in a repository",
                at.strip_prefix(root).unwrap_or(&at).display()
            ),
            _ => anyhow::bail!(
                "`{}` is not a directory",
                at.strip_prefix(root).unwrap_or(&at).display()
            ),
        }
    }
    Ok(())
}

/// A warning for commands that do not take the lock: a journal whose mim is gone means
/// a half-done transaction, which the next mutating command will finish or undo.
pub fn warn_if_interrupted(root: &Path) {
    let Some(git_dir) = find_git_dir(root) else {
        return;
    };
    let journal = git_dir.join(JOURNAL_NAME);
    if journal.exists() && lock::is_free(&git_dir.join(lock::FILE_NAME)) {
        eprintln!(
            "warning: an interrupted mim command left a transaction half-done; the next mim command that changes something will finish or undo it"
        );
    }
}

/// The git directory of the work tree holding `root`, found without running git.
fn find_git_dir(root: &Path) -> Option<PathBuf> {
    for dir in root.ancestors() {
        let dot = dir.join(".git");
        match std::fs::symlink_metadata(&dot) {
            Ok(m) if m.is_dir() => return Some(dot),
            Ok(m) if m.is_file() => {
                let text = std::fs::read_to_string(&dot).ok()?;
                let target = text.trim().strip_prefix("gitdir:")?.trim();
                return Some(dir.join(target));
            }
            _ => {}
        }
    }
    None
}
