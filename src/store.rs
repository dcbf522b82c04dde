//! Files ⇄ model: loading incidents with positioned diagnostics, atomic writes, and the
//! change a command makes ([`Change`]), which [`crate::txn`] applies as one transaction.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use serde::de::DeserializeOwned;

use crate::diag::{self, Diagnostic, Diagnostics, conflict_marker};
use crate::git;
use crate::model::plan::{self, Plan};
use crate::model::{
    Entry, Incident, PLAN_FILE, RECORD_FILE, Record, TIMELINE_FILE, Texts, timeline, timeline_read,
};
use crate::repo::Repo;

/// Parse a YAML file's text; problems come back with the file's line and column.
pub fn parse_yaml<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, Diagnostic> {
    crate::yaml_guard::diagnose(file, text)?;
    if let Some(line) = conflict_marker(text) {
        return Err(Diagnostic::new(
            file,
            "unresolved git merge conflict: both sides changed this file; keep the right lines, remove the markers, then `git add` and commit",
        )
        .at(line, 1)
        .with_source(text));
    }
    serde_yaml::from_str(text).map_err(|e| Diagnostic::from_yaml(file, text, &e))
}

/// Load one incident: its record, its timeline and its response plan. Every problem
/// in those files is reported, each with its file, line and column. Nothing is read
/// through a symbolic link.
pub fn load(repo: &Repo, id: &str) -> Result<Incident, Diagnostics> {
    load_incident(repo, id, true)
}

/// [`load`] without reading `plan.md` (the plan is `None`): for `mim plan --rebuild`,
/// which writes it again from the timeline, whatever state it is in.
pub fn load_without_plan(repo: &Repo, id: &str) -> Result<Incident, Diagnostics> {
    load_incident(repo, id, false)
}

fn load_incident(repo: &Repo, id: &str, with_plan: bool) -> Result<Incident, Diagnostics> {
    let dir = repo.incident_dir(id);
    if let Err(e) = crate::safe_fs::list_dir(&repo.root, &dir) {
        return Err(Diagnostics(vec![Diagnostic::new(
            repo.relative(&dir),
            format!("cannot read the incident: {e}"),
        )]));
    }
    let record = record_in(repo, &dir);
    load_rest_with(repo, id, dir, record, with_plan)
}

/// An incident's record alone, with its text: what a look over many incidents reads
/// first; [`load_rest`] completes the incident without reading it again.
pub fn load_record(repo: &Repo, id: &str) -> Result<(Record, String), Diagnostic> {
    record_in(repo, &repo.incident_dir(id))
}

/// The record of the incident in `dir` (found once by the caller: finding it costs a
/// look at the disk, in either layout).
fn record_in(repo: &Repo, dir: &Path) -> Result<(Record, String), Diagnostic> {
    let shown = repo.relative(dir).join(RECORD_FILE);
    let text = diag::read_text(&repo.root, &dir.join(RECORD_FILE), &shown)?;
    let record = parse_yaml::<Record>(&shown, &text)?;
    Ok((record, text))
}

/// The incident whose record [`load_record`] gave: its timeline and plan are read, the
/// record is not read again.
pub fn load_rest(
    repo: &Repo,
    id: &str,
    record: Result<(Record, String), Diagnostic>,
) -> Result<Incident, Diagnostics> {
    load_rest_with(repo, id, repo.incident_dir(id), record, true)
}

fn load_rest_with(
    repo: &Repo,
    id: &str,
    dir: PathBuf,
    record: Result<(Record, String), Diagnostic>,
    with_plan: bool,
) -> Result<Incident, Diagnostics> {
    let rel = |name: &str| repo.relative(&dir).join(name);
    let mut problems = Vec::new();
    let mut texts = Texts::default();
    let record = record
        .map(|(record, text)| {
            texts.record = text;
            record
        })
        .map_err(|d| problems.push(d))
        .ok();
    let entries = read_timeline(
        &repo.root,
        &dir.join(TIMELINE_FILE),
        &rel(TIMELINE_FILE),
        &mut texts,
    )
    .map_err(|d| problems.push(d))
    .ok();
    let plan = if with_plan {
        read_plan(
            &repo.root,
            &dir.join(PLAN_FILE),
            &rel(PLAN_FILE),
            &mut texts,
        )
        .map_err(|Diagnostics(d)| problems.extend(d))
        .ok()
    } else {
        Some(None)
    };
    match (record, entries, plan) {
        (Some(record), Some(entries), Some(plan)) => Ok(Incident {
            id: id.to_string(),
            dir,
            record,
            entries,
            plan,
            texts,
        }),
        _ => Err(Diagnostics(problems)),
    }
}

/// A missing plan is no plan yet.
fn read_plan(
    base: &Path,
    path: &Path,
    shown: &Path,
    texts: &mut Texts,
) -> Result<Option<Plan>, Diagnostics> {
    let Some(text) = diag::read_optional(base, path, shown).map_err(|d| Diagnostics(vec![d]))?
    else {
        return Ok(None);
    };
    let plan = plan::parse(shown, &text).map(Some);
    texts.plan = text;
    plan
}

/// A missing timeline is an empty one (nothing happened since the declaration).
fn read_timeline(
    base: &Path,
    path: &Path,
    shown: &Path,
    texts: &mut Texts,
) -> Result<Vec<Entry>, Diagnostic> {
    let Some(text) = diag::read_optional(base, path, shown)? else {
        return Ok(Vec::new());
    };
    let entries = parse_timeline(shown, &text)?;
    texts.timeline = text;
    Ok(entries)
}

/// The entries of a timeline's text (`file` as shown in problems): read directly when it
/// is written the way mim writes it ([`timeline_read`]), else by the YAML parser, which
/// has the last word and the positioned errors. The one reader of timeline text: the
/// loader, the sync judge and the audit use it.
pub fn parse_timeline(file: &Path, text: &str) -> Result<Vec<Entry>, Diagnostic> {
    match timeline_read::entries(text) {
        Some(entries) => Ok(entries),
        None => Ok(parse_yaml::<Option<Vec<Entry>>>(file, text)?.unwrap_or_default()),
    }
}

/// Whether [`write_atomic`] syncs a file to disk before renaming it into place; see
/// [`crate::sync_writes`].
static SYNC: AtomicBool = AtomicBool::new(true);

pub fn set_sync(on: bool) {
    SYNC.store(on, Ordering::Relaxed);
}

/// Whether writes are synced to disk (the files, the journal, their directories).
pub fn syncing() -> bool {
    SYNC.load(Ordering::Relaxed)
}

/// Load every incident in parallel, in ID order; the ones that fail come back as diagnostics.
pub fn load_all(repo: &Repo) -> anyhow::Result<Vec<Result<Incident, Diagnostics>>> {
    each(repo, |loaded| loaded)
}

/// Load every incident in parallel and keep only what `keep` makes of it, in ID order:
/// each incident is dropped once `keep` has seen it, so memory holds the incidents in
/// flight, not the repository.
pub fn each<T: Send>(
    repo: &Repo,
    keep: impl Fn(Result<Incident, Diagnostics>) -> T + Sync,
) -> anyhow::Result<Vec<T>> {
    each_known(repo, |_| None, keep)
}

/// [`each`], but an incident for which `known` has a value is not read: its value is
/// kept as it is.
pub fn each_known<T: Send>(
    repo: &Repo,
    known: impl Fn(&str) -> Option<T> + Sync,
    keep: impl Fn(Result<Incident, Diagnostics>) -> T + Sync,
) -> anyhow::Result<Vec<T>> {
    use rayon::prelude::*;
    let ids = repo.incident_ids()?;
    Ok(ids
        .par_iter()
        .map(|id| known(id).unwrap_or_else(|| keep(load(repo, id))))
        .collect())
}

/// Temporary files of atomic writes are named `.mim-<random>.tmp`, in the directory of
/// the file they replace; recovery removes any left by a killed mim.
pub const TEMP_PREFIX: &str = ".mim-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// Write a file atomically: a temp file in the same directory, synced, then renamed over.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic_with(path, bytes, || {})
}

/// [`write_atomic`], calling `before_rename` once the temp file is written (for fault
/// injection).
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(),
) -> anyhow::Result<()> {
    replace(path, bytes, syncing(), before_rename)
}

/// A cache's file (under `.git/mim/`) written whole or not at all, but not synced: one
/// lost in a crash is found missing or stale and made again.
pub fn write_cache(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    replace(path, bytes, false, || {})
}

fn replace(
    path: &Path,
    bytes: &[u8],
    sync: bool,
    before_rename: impl FnOnce(),
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .context("a file to write has a parent directory")?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    // tempfile creates files readable by the owner only; an incident file should have
    // the permissions of the one it replaces, or the usual ones for a new file.
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        Err(_) => new_file_permissions(),
    };
    tmp.as_file()
        .set_permissions(permissions)
        .with_context(|| format!("setting the permissions of {}", path.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| match sync {
            true => tmp.as_file().sync_all(),
            false => Ok(()),
        })
        .with_context(|| format!("writing {}", path.display()))?;
    before_rename();
    tmp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

#[cfg(unix)]
fn new_file_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o644)
}

#[cfg(not(unix))]
fn new_file_permissions() -> std::fs::Permissions {
    let probe = std::env::temp_dir();
    let mut p = std::fs::metadata(probe)
        .map(|m| m.permissions())
        .expect("temp dir");
    p.set_readonly(false);
    p
}

/// What a command changes in the repository, applied by [`apply`] as one unit.
#[derive(Default, Debug)]
pub struct Change {
    ops: Vec<Op>,
}

#[derive(Debug)]
enum Op {
    Put(PathBuf, Vec<u8>),
    /// Append to a file, creating it with `header` first when it does not exist.
    Append(PathBuf, &'static str, Vec<u8>),
}

impl Op {
    fn path(&self) -> &Path {
        match self {
            Op::Put(p, _) | Op::Append(p, _, _) => p,
        }
    }
}

impl Change {
    pub fn new() -> Self {
        Change::default()
    }

    /// Every path the change writes.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.ops.iter().map(Op::path)
    }

    /// Replace (or create) a file with these contents.
    pub fn put(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.ops.push(Op::Put(path.into(), bytes.into()));
        self
    }

    /// Append an event to an incident's timeline.
    pub fn event(&mut self, incident_dir: &Path, entry: &Entry) -> &mut Self {
        self.ops.push(Op::Append(
            incident_dir.join(TIMELINE_FILE),
            timeline::HEADER,
            timeline::to_line(entry).into_bytes(),
        ));
        self
    }
}

/// How a change is recorded in git.
pub struct Commit {
    /// Whether to commit at all (`--no-commit`, `git.commit: false`).
    pub enabled: bool,
    pub message: git::Message,
}

impl Change {
    /// The final content of every path the change touches, in the order first touched:
    /// `current` gives a path's content before the change (`None`: no such file).
    pub fn contents(
        &self,
        mut current: impl FnMut(&Path) -> anyhow::Result<Option<Vec<u8>>>,
    ) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
        let mut out: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        for op in &self.ops {
            let path = op.path();
            let i = match out.iter().position(|(p, _)| p == path) {
                Some(i) => i,
                None => {
                    let before = current(path)?;
                    let start = match (op, before) {
                        (_, Some(bytes)) => bytes,
                        (Op::Append(_, header, _), None) => header.as_bytes().to_vec(),
                        (Op::Put(..), None) => Vec::new(),
                    };
                    out.push((path.to_path_buf(), start));
                    out.len() - 1
                }
            };
            let text = &mut out[i].1;
            match op {
                Op::Put(_, bytes) => *text = bytes.clone(),
                Op::Append(_, _, line) => {
                    if !text.is_empty() && !text.ends_with(b"\n") {
                        text.push(b'\n');
                    }
                    text.extend_from_slice(line);
                }
            }
        }
        Ok(out)
    }
}

/// The first sequence number (1, 2, …) whose file name, `name(seq)`, is neither in `dir`
/// (as anything: a symbolic link counts) nor in `taken`.
pub fn free_seq(
    root: &std::path::Path,
    dir: &std::path::Path,
    taken: &std::collections::HashSet<String>,
    mut name: impl FnMut(u32) -> String,
) -> anyhow::Result<u32> {
    for seq in 1..=u32::MAX {
        let candidate = name(seq);
        if taken.contains(&candidate) {
            continue;
        }
        let path = dir.join(&candidate);
        let kind = crate::safe_fs::kind(root, &path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if kind == crate::safe_fs::Kind::Missing {
            return Ok(seq);
        }
    }
    anyhow::bail!("no free file name in {}", dir.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_markers_are_found() {
        assert_eq!(
            conflict_marker("a: 1\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> x\n"),
            Some(2)
        );
        assert_eq!(conflict_marker("a: '======='\n"), None);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_writes_keep_usual_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("incident.yaml");
        write_atomic(&path, b"a: 1\n").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        write_atomic(&path, b"a: 2\n").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o664
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a: 2\n");
    }

    #[test]
    fn a_comment_only_timeline_is_empty() {
        let entries: Option<Vec<Entry>> = parse_yaml(Path::new("t"), timeline::HEADER).unwrap();
        assert!(entries.unwrap_or_default().is_empty());
    }
}
