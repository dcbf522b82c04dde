//! The settled incidents' stores in `.git/mim/`: what a command found of each incident
//! that cannot change any more — closed or rejected, every clock stopped (see
//! [`since`]) — kept by its tree so that a look over a repository of 50,000 incidents
//! reads the few still moving, not every closed one. `status` and `list` keep each
//! one's list row in `settled/` ([`rows`]); `check` keeps its outcome in `check-cache/`.
//!
//! An entry is used only when all of this holds, else the incident is read again:
//! - its file was written for the same key ([`fingerprint::key`]: this mim, the store's
//!   format, `mim.yaml` and the templates);
//! - HEAD's tree of the incident's directory, where its layout puts it, is the one it
//!   was found with, and HEAD has no other directory of that ID;
//! - the work tree holds exactly HEAD's files there: nothing changed, staged, deleted or
//!   untracked (one `git diff` and one `git ls-files`, which in a sparse work tree look
//!   at the cone only), and, where the store is asked to look, no link or special file
//!   (which git does not see);
//! - "now" is not before the last time the incident records.
//!
//! One file per month directory (`YYYY-MM`) and one for flat incidents (`flat`), each
//! with the month's tree as HEAD held it when written: a month whose tree is unchanged
//! has every incident's tree unchanged, and a change rewrites its month's file only.
//! HEAD's trees are read a level at a time: `incidents/` (flat incidents and years), the
//! years (their months), and the months whose tree is not their file's (their
//! incidents): three `git ls-tree` of HEAD's commit, and one more when the incidents
//! found settled are in months not listed yet, however many incidents there are.
//!
//! A file is text: a line `mim-settled FORMAT KEY`, a line with the month's tree, then
//! one line per incident: `ID TAB TREE TAB SINCE TAB VALUE` (the value as one line of
//! JSON). Outside git, before the first commit, or when git cannot say, there is no
//! store. A file that is missing, unreadable, corrupt, of another format or another key
//! is ignored without a word and written again.

pub mod rows;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::fingerprint::{self, Binary};
use crate::lifecycle::Status;
use crate::model::Incident;
use crate::repo::{self, Repo};
use crate::state::State;
use crate::time::Timestamp;

/// The version of the files' layout, part of every store's own format.
const LAYOUT: u32 = 2;

/// The file of flat incidents (`incidents/<ID>`); a month's is `YYYY-MM`.
const FLAT: &str = "flat";

/// The executable the key was computed with, to skip hashing it again.
const BINARY: &str = "binary.json";

/// A larger file is not read.
const MAX_BYTES: u64 = 64 * crate::limits::MIB;

/// Up to this many incidents found settled are checked again by name after the run
/// (beyond it, the whole `incidents/` is).
const NAMED_PATHS: usize = 256;

/// A store as one run sees it: what its files held for this key, and what git says of
/// HEAD and the work tree.
pub struct Index {
    root: PathBuf,
    dir: PathBuf,
    /// The store's format, in its files' header with the layout's.
    format: String,
    key: String,
    binary: Binary,
    /// The binary's file must be written again.
    binary_stale: bool,
    /// HEAD's commit, which the work tree was compared with.
    head: String,
    /// The flat incidents' file, and each month's, by name (`flat`, `YYYY-MM`).
    groups: HashMap<String, Group>,
    /// Incidents whose files in the work tree are not HEAD's, or hold a link or a
    /// special file.
    touched: HashSet<String>,
}

/// One file of the index, and what HEAD holds of its directory.
#[derive(Default)]
struct Group {
    /// HEAD's tree of the month (empty for the flat incidents).
    tree: String,
    /// HEAD's tree of each of its incidents, when they were listed: always for the
    /// flat ones, and for a month whose tree is not its file's.
    listed: Option<HashMap<String, String>>,
    /// What the file held, if it was written for this key: by ID.
    entries: HashMap<String, Entry>,
    /// The file must be written again.
    dirty: bool,
}

/// One settled incident as kept: its tree, the instant from which it holds, and the
/// store's value (one line of JSON).
struct Entry {
    tree: String,
    since: Timestamp,
    value: String,
}

/// An incident found settled in this run, to keep.
pub struct Found {
    id: String,
    since: Timestamp,
    value: String,
}

impl Found {
    /// Incident `id`, settled from `since` (see [`since`]), with the store's `value`.
    pub fn new(id: &str, since: Timestamp, value: &impl serde::Serialize) -> Option<Found> {
        Some(Found {
            id: id.to_string(),
            since,
            value: serde_json::to_string(value).ok()?,
        })
    }
}

/// The instant from which `incident` (in `state`, derived at `state.now`, with its
/// `clocks` evaluated then) can change no more, if it cannot: it is closed or rejected,
/// no clock is counting (none stopped later, no regulatory report owed, no PIR action
/// item open), and every time it records is at or before "now", so a later "now"
/// counts the same events. An open incident, or a final one with a clock still
/// counting, is read on every run.
pub fn since(
    incident: &Incident,
    state: &State,
    clocks: &[crate::sla::Clock],
) -> Option<Timestamp> {
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
    (since <= state.now).then_some(since)
}

impl Index {
    /// Store `name` (of `format`) for `repo` as git's HEAD and the work tree stand;
    /// `None` outside git, before the first commit or when git cannot say. With
    /// `links`, an incident holding a link or a special file is never taken from it
    /// (a caller that finds them itself passes `false`).
    pub fn open(repo: &Repo, name: &str, format: u32, links: bool) -> Option<Index> {
        let (git_dir, prefix, head) = crate::git::head::located(&repo.root)?;
        // In a sparse work tree, what mim reads outside the cone is the commit its
        // reader started with: HEAD since moved (a pull), the trees would not be its.
        if let Some(archive) = crate::safe_fs::archive()
            && archive.root() == repo.root
            && archive.head() != head
        {
            return None;
        }
        let dir = fingerprint::file(&git_dir, &prefix, name);
        let incidents = repo::INCIDENTS_DIR;
        let (differing, linked, top) = std::thread::scope(|s| {
            let differing =
                s.spawn(|| crate::git::head::differing(&repo.root, &head, &[incidents]));
            let linked = s.spawn(|| match links {
                true => crate::validate::symlinks(repo),
                false => Vec::new(),
            });
            let top = crate::git::head::subtrees(&repo.root, &head, &[incidents]);
            (differing.join().ok().flatten(), linked.join().ok(), top)
        });
        let (differing, linked, top) = (differing?, linked?, top?);
        let known: Option<Binary> =
            read(&dir.join(BINARY)).and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let binary = fingerprint::binary(known.as_ref())?;
        let key = fingerprint::key(repo, format, &binary)?;
        let mut touched = repo::ids_in(differing.iter().map(Path::new));
        touched.extend(repo::ids_in(linked.iter().map(|d| d.file.as_path())));
        let mut index = Index {
            root: repo.root.clone(),
            dir,
            format: format!("{LAYOUT}.{format}"),
            key,
            binary_stale: known.as_ref() != Some(&binary),
            binary,
            head,
            groups: HashMap::new(),
            touched,
        };
        // Flat incidents straight from `incidents/`, the years' months from one more
        // listing, and the incidents of each changed month from a third.
        let mut flat = HashMap::new();
        let mut years = Vec::new();
        for (path, tree) in top {
            let name = path.rsplit('/').next().unwrap_or_default();
            if repo::is_year(name) {
                years.push(path);
            } else if repo::is_id(name) {
                flat.insert(name.to_string(), tree);
            }
        }
        let mut group = index.read_group(FLAT, String::new());
        group.listed = Some(flat);
        index.groups.insert(FLAT.to_string(), group);
        let years: Vec<&str> = years.iter().map(String::as_str).collect();
        let mut changed = Vec::new();
        for (path, tree) in crate::git::head::subtrees(&index.root, &index.head, &years)? {
            let Some(name) = month_name(&path) else {
                continue;
            };
            let group = index.read_group(&name, tree);
            if group.dirty {
                changed.push(name.clone());
            }
            index.groups.insert(name, group);
        }
        index.list(changed)?;
        Some(index)
    }

    /// The file of group `name`, whose directory has `tree` in HEAD. Its entries are
    /// kept when it was written for this key; it is dirty unless it was written for
    /// this tree too.
    fn read_group(&self, name: &str, tree: String) -> Group {
        let mut group = Group {
            tree,
            dirty: true,
            ..Group::default()
        };
        let Some(bytes) = read(&self.dir.join(name)) else {
            return group;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return group;
        };
        let mut lines = text.split('\n');
        let header = format!("mim-settled {} {}", self.format, self.key);
        if lines.next() != Some(header.as_str()) {
            return group;
        }
        let Some(written_for) = lines.next() else {
            return group;
        };
        let mut entries = HashMap::new();
        for line in lines.filter(|l| !l.is_empty()) {
            let mut fields = line.splitn(4, '\t');
            let (Some(id), Some(tree), Some(since), Some(row)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return group;
            };
            let Ok(since) = chrono::DateTime::parse_from_rfc3339(since) else {
                return group;
            };
            let entry = Entry {
                tree: tree.to_string(),
                since,
                value: row.to_string(),
            };
            entries.insert(id.to_string(), entry);
        }
        group.entries = entries;
        group.dirty = written_for != group.tree;
        group
    }

    /// List the incidents' trees of the months named (one `git ls-tree`).
    fn list(&mut self, months: Vec<String>) -> Option<()> {
        if months.is_empty() {
            return Some(());
        }
        let paths: Vec<String> = months.iter().map(|m| month_path(m)).collect();
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let trees = crate::git::head::subtrees(&self.root, &self.head, &paths)?;
        for name in &months {
            if let Some(group) = self.groups.get_mut(name) {
                group.listed = Some(HashMap::new());
            }
        }
        for (path, tree) in trees {
            let id = path.rsplit('/').next().unwrap_or_default();
            if let (true, Some(name)) = (
                repo::is_id(id),
                path.rsplit_once('/').and_then(|(m, _)| month_name(m)),
            ) && let Some(listed) = self.groups.get_mut(&name).and_then(|g| g.listed.as_mut())
            {
                listed.insert(id.to_string(), tree);
            }
        }
        Some(())
    }

    /// The kept entry of incident `id` when it is settled at `now` and its files are
    /// the ones it was found with.
    fn entry(&self, id: &str, now: Timestamp) -> Option<&Entry> {
        if self.touched.contains(id) {
            return None;
        }
        let flat = &self.groups[FLAT];
        let in_flat = flat.listed.as_ref().and_then(|l| l.get(id));
        let month = self.groups.get(id.get(..7)?);
        let entry = match (month.and_then(|g| g.entries.get(id)), in_flat) {
            // Where the monthly layout puts it, and nowhere else in HEAD.
            (Some(entry), None) => {
                let month = month?;
                let head = match &month.listed {
                    Some(listed) => listed.get(id)?,
                    None => &entry.tree,
                };
                (*head == entry.tree).then_some(entry)?
            }
            // Flat, and not in its month's directory too (when HEAD has that month, its
            // incidents must have been listed to tell).
            (None, Some(head)) => {
                let entry = flat.entries.get(id)?;
                let twice = match month {
                    None => false,
                    Some(g) => g.listed.as_ref().is_none_or(|l| l.contains_key(id)),
                };
                (!twice && *head == entry.tree).then_some(entry)?
            }
            _ => return None,
        };
        (entry.since <= now).then_some(entry)
    }

    /// Whether incident `id` is settled at `now` with the files it was found with.
    pub fn is_settled(&self, id: &str, now: Timestamp) -> bool {
        self.entry(id, now).is_some()
    }

    /// The value kept of incident `id` when it [`is_settled`](Self::is_settled), if
    /// it reads as a `T`.
    pub fn value<T: serde::de::DeserializeOwned>(&self, id: &str, now: Timestamp) -> Option<T> {
        serde_json::from_str(&self.entry(id, now)?.value).ok()
    }

    /// Keep the incidents found settled in this run (those whose files are still HEAD's
    /// after it), forget those HEAD no longer has as they were, and write the files that
    /// changed.
    pub fn save(mut self, found: Vec<Found>) {
        let found = self.still_untouched(found);
        // Months not listed at the start, whose incidents' trees are needed now: where
        // a found incident is in HEAD, and that it is nowhere else.
        let unlisted: HashSet<String> = found
            .iter()
            .filter_map(|f| f.id.get(..7))
            .filter(|m| self.groups.get(*m).is_some_and(|g| g.listed.is_none()))
            .map(String::from)
            .collect();
        if self.list(unlisted.into_iter().collect()).is_none() {
            return;
        }
        for group in self.groups.values_mut() {
            let Some(listed) = &group.listed else {
                continue;
            };
            let before = group.entries.len();
            group
                .entries
                .retain(|id, e| listed.get(id).is_some_and(|tree| *tree == e.tree));
            group.dirty |= group.entries.len() != before;
        }
        for Found { id, since, value } in found {
            let listed = |name: &str| {
                self.groups
                    .get(name)
                    .and_then(|g| g.listed.as_ref())
                    .and_then(|l| l.get(&id))
                    .cloned()
            };
            // Kept only where HEAD has it once: a copy in both layouts is read from
            // where the configured layout says, which the store does not know.
            let (name, tree) = match (listed(FLAT), id.get(..7).and_then(listed)) {
                (Some(tree), None) => (FLAT.to_string(), tree),
                (None, Some(tree)) => (id[..7].to_string(), tree),
                _ => continue,
            };
            if let Some(group) = self.groups.get_mut(&name) {
                group.entries.insert(id, Entry { tree, since, value });
                group.dirty = true;
            }
        }
        // A file where the directory goes is a cache of an older layout: replaced.
        if std::fs::symlink_metadata(&self.dir).is_ok_and(|m| !m.is_dir()) {
            let _ = std::fs::remove_file(&self.dir);
        }
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        if self.binary_stale
            && let Ok(bytes) = serde_json::to_vec(&self.binary)
        {
            let _ = crate::store::write_cache(&self.dir.join(BINARY), &bytes);
        }
        for (name, group) in &self.groups {
            if group.dirty {
                let _ = crate::store::write_cache(&self.dir.join(name), &self.text(group));
            }
        }
    }

    /// A group's file.
    fn text(&self, group: &Group) -> Vec<u8> {
        let mut ids: Vec<&String> = group.entries.keys().collect();
        ids.sort();
        let mut out = format!("mim-settled {} {}\n{}\n", self.format, self.key, group.tree);
        for id in ids {
            let e = &group.entries[id];
            out.push_str(&format!(
                "{id}\t{}\t{}\t{}\n",
                e.tree,
                e.since.to_rfc3339(),
                e.value
            ));
        }
        out.into_bytes()
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
                .flat_map(|f| {
                    [repo::Layout::Flat, repo::Layout::Monthly]
                        .map(|l| fingerprint::slashes(&repo::incident_path(l, &f.id)))
                })
                .collect()
        } else {
            vec![repo::INCIDENTS_DIR.to_string()]
        };
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let Some(differing) = crate::git::head::differing(&self.root, &self.head, &paths) else {
            return Vec::new();
        };
        let touched = repo::ids_in(differing.iter().map(Path::new));
        found
            .into_iter()
            .filter(|f| !touched.contains(&f.id))
            .collect()
    }
}

/// The group of month directory `incidents/YYYY/MM`: `YYYY-MM`.
fn month_name(path: &str) -> Option<String> {
    let mut parts = path.rsplit('/');
    let (month, year) = (parts.next()?, parts.next()?);
    (repo::is_month(month) && repo::is_year(year)).then(|| format!("{year}-{month}"))
}

/// The month directory of group `YYYY-MM`.
fn month_path(name: &str) -> String {
    format!("{}/{}/{}", repo::INCIDENTS_DIR, &name[..4], &name[5..])
}

/// A file of the index, if it can be read.
fn read(file: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return None;
    }
    std::fs::read(file).ok()
}
