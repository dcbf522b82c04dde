//! The settled index (`.git/mim/settled`): the incidents that cannot show anything new
//! to `mim status` or `mim list` — closed or rejected, every clock stopped, read without
//! a problem — each with its `list` row, so that a look over a repository of 50,000
//! incidents reads the few still moving, not every closed one. `status` and `list`
//! both fill it with what they find settled.
//!
//! An entry is used only when all of this holds, else the incident is read again:
//! - the file was written for the same key ([`fingerprint::key`]: this mim, `mim.yaml`
//!   and the templates);
//! - HEAD's tree of the incident's directory, at the path mim reads it from, is the one
//!   it was found with;
//! - the work tree holds exactly HEAD's files there: nothing changed, staged, deleted or
//!   untracked (one `git diff` and one `git ls-files`, which in a sparse work tree look
//!   at the cone only), and no link or special file (which git does not see);
//! - "now" is not before the last time the incident records.
//!
//! HEAD's trees are read a level at a time: `incidents/` (flat incidents and years),
//! the years (their months), and only the months whose tree is not the one the file
//! holds (their incidents): three `git ls-tree` at most, each of a few trees, however
//! many incidents the repository has. A month whose tree is unchanged has every
//! incident's tree unchanged.
//!
//! Outside git, before the first commit, or when git cannot say, there is no index. A
//! file that is missing, unreadable, corrupt, of another format or another key is
//! ignored without a word and written again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fingerprint::{self, Binary, slashes};
use crate::lifecycle::Status;
use crate::model::{Incident, Names};
use crate::repo::{self, Repo};
use crate::state::State;
use crate::term::list::Row;
use crate::time::{self, Timestamp};

/// The version of the file's layout; a file of another is ignored.
const FORMAT: u32 = 1;

/// The file's name in `.git/mim/`.
const FILE: &str = "settled";

/// A larger file is not read (it would hold well over a million incidents).
const MAX_BYTES: u64 = 512 * crate::limits::MIB;

/// Up to this many incidents found settled are checked again by name after the run
/// (beyond it, the whole `incidents/` is).
const NAMED_PATHS: usize = 256;

/// The index of one run: what the file held for this key, and what git says of HEAD
/// and the work tree.
pub struct Index {
    root: PathBuf,
    file: PathBuf,
    key: String,
    binary: Binary,
    /// HEAD's commit, which the work tree was compared with.
    head: String,
    /// HEAD's tree of each month directory (`incidents/YYYY/MM`).
    months: HashMap<String, String>,
    /// HEAD's tree of each incident directory known, by ID: (path, tree). An ID found
    /// twice is left out.
    trees: HashMap<String, (String, String)>,
    /// Months whose incidents' trees were listed (changed since the file was written).
    listed: HashSet<String>,
    /// Incidents whose files in the work tree are not HEAD's, or hold a link or a
    /// special file.
    touched: HashSet<String>,
    /// What the file held, if it was written for this key.
    entries: HashMap<String, Entry>,
    /// The file must be written again (missing, unreadable, of another key).
    stale: bool,
}

/// One settled incident as kept: where it was and its tree, the instant from which it
/// holds, and its row.
#[derive(Serialize, Deserialize)]
struct Entry {
    path: String,
    tree: String,
    since: Timestamp,
    row: RowRecord,
}

/// The file as written.
#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    /// The executable the key was computed with, to skip hashing it again.
    binary: Binary,
    key: String,
    /// HEAD's tree of each month when the file was written: every entry under one of
    /// them has the tree that month holds.
    months: HashMap<String, String>,
    entries: HashMap<String, Entry>,
}

/// An incident found settled in this run, to keep.
pub struct Found {
    id: String,
    since: Timestamp,
    row: RowRecord,
}

/// When `incident` (in `state`, derived at `state.now`) can show nothing new to
/// `status` or `list` at any later "now": closed or rejected, every clock stopped
/// (`clocks` evaluated at `state.now`), and every time it records at or before "now".
/// Then its row is kept, to be listed without reading it.
pub fn found(
    incident: &Incident,
    state: &State,
    clocks: &[crate::sla::Clock],
    row: &Row,
) -> Option<Found> {
    if !matches!(state.status, Status::Closed | Status::Rejected)
        || clocks.iter().any(crate::sla::Clock::is_open)
    {
        return None;
    }
    let r = &incident.record;
    let since = [Some(r.reported), r.impact_started, r.detected]
        .into_iter()
        .flatten()
        .chain(incident.entries.iter().map(|e| e.at))
        .max()?;
    (since <= state.now).then(|| Found {
        id: incident.id.clone(),
        since,
        row: RowRecord::from(row),
    })
}

impl Index {
    /// The index for `repo` as git's HEAD and the work tree stand; `None` outside git,
    /// before the first commit or when git cannot say.
    pub fn open(repo: &Repo) -> Option<Index> {
        let (git_dir, prefix, head) = crate::git::head::located(&repo.root)?;
        let file = fingerprint::file(&git_dir, &prefix, FILE);
        let incidents = repo::INCIDENTS_DIR;
        let (stored, differing, linked, top) = std::thread::scope(|s| {
            let differing =
                s.spawn(|| crate::git::head::differing(&repo.root, &head, &[incidents]));
            let linked = s.spawn(|| crate::validate::symlinks(repo));
            let top = s.spawn(|| crate::git::head::subtrees(&repo.root, &[incidents]));
            let stored = read(&file);
            (
                stored,
                differing.join().ok().flatten(),
                linked.join().ok(),
                top.join().ok().flatten(),
            )
        });
        let (differing, linked, top) = (differing?, linked?, top?);
        let binary = fingerprint::binary(stored.as_ref().map(|s| &s.binary))?;
        let key = fingerprint::key(repo, FORMAT, &binary)?;
        let (entries, old_months, stale) = match stored {
            Some(s) if s.key == key => (s.entries, s.months, s.binary != binary),
            _ => (HashMap::new(), HashMap::new(), true),
        };
        let mut index = Index {
            root: repo.root.clone(),
            file,
            key,
            binary,
            head,
            months: HashMap::new(),
            trees: HashMap::new(),
            listed: HashSet::new(),
            touched: ids_in(differing.iter().map(String::as_str)),
            entries,
            stale,
        };
        index.touched.extend(ids_in(
            linked.iter().map(|d| d.file.to_str().unwrap_or_default()),
        ));
        // Flat incidents straight from `incidents/`, the years' months from one more
        // listing, and the incidents of each changed month from a third.
        let mut found = Vec::new();
        let mut years = Vec::new();
        for (path, tree) in top {
            let name = path.rsplit('/').next().unwrap_or_default();
            if repo::is_year(name) {
                years.push(path);
            } else if repo::is_id(name) {
                found.push((path, tree));
            }
        }
        let years: Vec<&str> = years.iter().map(String::as_str).collect();
        for (path, tree) in crate::git::head::subtrees(&index.root, &years)? {
            if repo::is_month(path.rsplit('/').next().unwrap_or_default()) {
                index.months.insert(path, tree);
            }
        }
        let changed: Vec<String> = index
            .months
            .iter()
            .filter(|(path, tree)| old_months.get(*path) != Some(*tree))
            .map(|(path, _)| path.clone())
            .collect();
        found.extend(index.list_months(changed)?);
        // An unchanged month: each entry's tree is still HEAD's.
        for entry in index.entries.values() {
            if let Some((month, _)) = entry.path.rsplit_once('/')
                && !index.listed.contains(month)
                && index.months.contains_key(month)
            {
                found.push((entry.path.clone(), entry.tree.clone()));
            }
        }
        index.trees = by_id(found);
        Some(index)
    }

    /// The incidents' trees in `months`, which are marked listed.
    fn list_months(&mut self, months: Vec<String>) -> Option<Vec<(String, String)>> {
        let paths: Vec<&str> = months.iter().map(String::as_str).collect();
        let trees = crate::git::head::subtrees(&self.root, &paths)?;
        self.listed.extend(months);
        Some(
            trees
                .into_iter()
                .filter(|(path, _)| repo::is_id(path.rsplit('/').next().unwrap_or_default()))
                .collect(),
        )
    }

    /// The row of incident `id` when it is settled at `now` and its files are the ones
    /// it was found with.
    pub fn row(&self, id: &str, now: Timestamp) -> Option<Row> {
        let (path, tree) = self.trees.get(id)?;
        let entry = self.entries.get(id)?;
        let usable = entry.tree == *tree
            && entry.path == *path
            && entry.since <= now
            && !self.touched.contains(id)
            && is_home(path, id);
        usable.then(|| entry.row.to_row(id))
    }

    /// Keep the incidents found settled in this run (those whose files are still HEAD's
    /// after it), and forget those HEAD no longer has as they were.
    pub fn save(mut self, found: Vec<Found>) {
        let found = self.still_untouched(found);
        // A month not listed at the start, whose incidents' trees are needed now.
        let months: Vec<String> = found
            .iter()
            .filter(|f| !self.trees.contains_key(&f.id))
            .filter_map(|f| month_of(&f.id))
            .filter(|m| self.months.contains_key(m) && !self.listed.contains(m))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if !months.is_empty() {
            let Some(more) = self.list_months(months) else {
                return;
            };
            for (id, known) in by_id(more) {
                self.trees.entry(id).or_insert(known);
            }
        }
        let before = self.entries.len();
        let trees = &self.trees;
        self.entries.retain(|id, e| {
            trees
                .get(id)
                .is_some_and(|(path, tree)| *tree == e.tree && *path == e.path)
        });
        let mut changed = self.stale || self.entries.len() != before;
        for Found { id, since, row } in found {
            let Some((path, tree)) = self.trees.get(&id) else {
                continue;
            };
            let entry = Entry {
                path: path.clone(),
                tree: tree.clone(),
                since,
                row,
            };
            self.entries.insert(id, entry);
            changed = true;
        }
        // Every entry in a month must have its tree as HEAD's month holds it: the months
        // kept are the ones whose entries were all checked, listed or unchanged.
        changed |= self.listed.iter().any(|m| self.months.contains_key(m));
        if !changed {
            return;
        }
        let stored = Stored {
            format: FORMAT,
            binary: self.binary,
            key: self.key,
            months: self.months,
            entries: self.entries,
        };
        let Ok(bytes) = serde_json::to_vec(&stored) else {
            return;
        };
        if let Some(dir) = self.file.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = crate::store::write_atomic(&self.file, &bytes);
        }
    }

    /// `found` less the incidents whose files changed while they were read.
    fn still_untouched(&self, found: Vec<Found>) -> Vec<Found> {
        let found: Vec<Found> = found
            .into_iter()
            .filter(|f| !self.touched.contains(&f.id))
            .collect();
        if found.is_empty() {
            return found;
        }
        let paths: Vec<String> = if found.len() <= NAMED_PATHS {
            found
                .iter()
                .filter_map(|f| self.trees.get(&f.id).map(|(path, _)| path.clone()))
                .collect()
        } else {
            vec![repo::INCIDENTS_DIR.to_string()]
        };
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let differing = if paths.is_empty() {
            Some(Vec::new())
        } else {
            crate::git::head::differing(&self.root, &self.head, &paths)
        };
        let Some(differing) = differing else {
            return Vec::new();
        };
        let touched = ids_in(differing.iter().map(String::as_str));
        found
            .into_iter()
            .filter(|f| !touched.contains(&f.id))
            .collect()
    }
}

/// Whether `path` is where one of the layouts puts incident `id`: then it is the
/// directory mim reads, as HEAD has no other (an ID twice is not in the index) and the
/// work tree adds none (an untracked one marks the incident touched).
fn is_home(path: &str, id: &str) -> bool {
    [repo::Layout::Flat, repo::Layout::Monthly]
        .into_iter()
        .any(|layout| slashes(&repo::incident_path(layout, id)) == path)
}

/// The month directory an incident's ID files it under (`incidents/YYYY/MM`).
fn month_of(id: &str) -> Option<String> {
    let path = slashes(&repo::incident_path(repo::Layout::Monthly, id));
    path.rsplit_once('/').map(|(month, _)| month.to_string())
}

/// The file, if it can be read and is of this format.
fn read(file: &Path) -> Option<Stored> {
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(file).ok()?;
    let stored: Stored = serde_json::from_slice(&bytes).ok()?;
    (stored.format == FORMAT).then_some(stored)
}

/// Incident directories by ID (the last part of each path). An ID found twice is left
/// out: which of them mim reads is not for the index to guess.
fn by_id(trees: Vec<(String, String)>) -> HashMap<String, (String, String)> {
    let mut out = HashMap::new();
    let mut twice = HashSet::new();
    for (path, tree) in trees {
        let Some(id) = path.rsplit('/').next().filter(|n| repo::is_id(n)) else {
            continue;
        };
        if out.insert(id.to_string(), (path.clone(), tree)).is_some() {
            twice.insert(id.to_string());
        }
    }
    for id in twice {
        out.remove(&id);
    }
    out
}

/// Every incident the paths are in or name: each of their parts that is an ID.
fn ids_in<'a>(paths: impl Iterator<Item = &'a str>) -> HashSet<String> {
    paths
        .flat_map(|p| p.split(['/', '\\']))
        .filter(|part| repo::is_id(part))
        .map(String::from)
        .collect()
}

/// A row as kept (its ID is the entry's).
#[derive(Serialize, Deserialize)]
struct RowRecord {
    status: Status,
    priority: String,
    title: String,
    service: Vec<String>,
    client: Option<Vec<String>>,
    reported: String,
    manager: Option<String>,
}

impl RowRecord {
    fn from(row: &Row) -> RowRecord {
        RowRecord {
            status: row.status,
            priority: row.priority.clone(),
            title: row.title.clone(),
            service: row.service.iter().map(String::from).collect(),
            client: row
                .client
                .as_ref()
                .map(|c| c.iter().map(String::from).collect()),
            reported: row.reported.clone(),
            manager: row.manager.clone(),
        }
    }

    fn to_row(&self, id: &str) -> Row {
        Row {
            id: id.to_string(),
            status: self.status,
            priority: self.priority.clone(),
            title: self.title.clone(),
            service: Names::new(self.service.iter().cloned()),
            client: self.client.as_ref().map(|c| Names::new(c.iter().cloned())),
            reported: self.reported.clone(),
            manager: self.manager.clone(),
        }
    }
}

/// What `status` and `list` make of one incident: a row of the list, with what the
/// index keeps of it when it is settled.
pub fn row_of(incident: &Incident, state: &State) -> Row {
    Row {
        id: incident.id.clone(),
        status: state.status,
        service: Names::new(state.services.clone()),
        client: Some(Names::new(state.affected().map(|c| c.client.clone())))
            .filter(|n| !n.is_empty()),
        priority: state.priority.clone(),
        title: incident.record.title.clone(),
        reported: time::format(&incident.record.reported),
        manager: state.manager.clone(),
    }
}
