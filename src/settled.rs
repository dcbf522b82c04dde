//! The settled index (`.git/mim/settled/`): the incidents that cannot show anything new
//! to `mim status` or `mim list` — closed or rejected, every clock stopped, read without
//! a problem — each with its `list` row, so that a look over a repository of 50,000
//! incidents reads the few still moving, not every closed one. `status` and `list`
//! both fill it with what they find settled.
//!
//! An entry is used only when all of this holds, else the incident is read again:
//! - its file was written for the same key ([`fingerprint::key`]: this mim, `mim.yaml`
//!   and the templates);
//! - HEAD's tree of the incident's directory, where its layout puts it, is the one it
//!   was found with, and HEAD has no other directory of that ID;
//! - the work tree holds exactly HEAD's files there: nothing changed, staged, deleted or
//!   untracked (one `git diff` and one `git ls-files`, which in a sparse work tree look
//!   at the cone only), and no link or special file (which git does not see);
//! - "now" is not before the last time the incident records.
//!
//! One file per month directory (`YYYY-MM`) and one for flat incidents (`flat`), each
//! with the month's tree as HEAD held it when written: a month whose tree is unchanged
//! has every incident's tree unchanged, and a change rewrites its month's file only.
//! HEAD's trees are read a level at a time: `incidents/` (flat incidents and years), the
//! years (their months), and the months whose tree is not their file's (their
//! incidents): three `git ls-tree` at most, however many incidents there are.
//!
//! A file is text: a line `mim-settled FORMAT KEY`, a line with the month's tree, then
//! one line per incident: `ID TAB TREE TAB SINCE TAB ROW` (the row as JSON). Outside
//! git, before the first commit, or when git cannot say, there is no index. A file that
//! is missing, unreadable, corrupt, of another format or another key is ignored without
//! a word and written again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fingerprint::{self, Binary};
use crate::lifecycle::Status;
use crate::model::{Incident, Names};
use crate::repo::{self, Repo};
use crate::state::State;
use crate::term::list::Row;
use crate::time::{self, Timestamp};

/// The version of the files' layout; a file of another is ignored.
const FORMAT: u32 = 2;

/// The index's directory in `.git/mim/`.
const DIR: &str = "settled";

/// The file of flat incidents (`incidents/<ID>`); a month's is `YYYY-MM`.
const FLAT: &str = "flat";

/// The executable the key was computed with, to skip hashing it again.
const BINARY: &str = "binary.json";

/// A larger file is not read.
const MAX_BYTES: u64 = 64 * crate::limits::MIB;

/// Up to this many incidents found settled are checked again by name after the run
/// (beyond it, the whole `incidents/` is).
const NAMED_PATHS: usize = 256;

/// The index of one run: what its files held for this key, and what git says of HEAD
/// and the work tree.
pub struct Index {
    root: PathBuf,
    dir: PathBuf,
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

/// One settled incident as kept: its tree, the instant from which it holds, and its
/// row as JSON.
struct Entry {
    tree: String,
    since: Timestamp,
    row: String,
}

/// An incident found settled in this run, to keep.
pub struct Found {
    id: String,
    since: Timestamp,
    row: String,
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
    let row = serde_json::to_string(&RowRecord::from(row)).ok()?;
    (since <= state.now).then(|| Found {
        id: incident.id.clone(),
        since,
        row,
    })
}

impl Index {
    /// The index for `repo` as git's HEAD and the work tree stand; `None` outside git,
    /// before the first commit or when git cannot say.
    pub fn open(repo: &Repo) -> Option<Index> {
        let (git_dir, prefix, head) = crate::git::head::located(&repo.root)?;
        let dir = fingerprint::file(&git_dir, &prefix, DIR);
        let incidents = repo::INCIDENTS_DIR;
        let (differing, linked, top) = std::thread::scope(|s| {
            let differing =
                s.spawn(|| crate::git::head::differing(&repo.root, &head, &[incidents]));
            let linked = s.spawn(|| crate::validate::symlinks(repo));
            let top = crate::git::head::subtrees(&repo.root, &[incidents]);
            (differing.join().ok().flatten(), linked.join().ok(), top)
        });
        let (differing, linked, top) = (differing?, linked?, top?);
        let known: Option<Binary> =
            read(&dir.join(BINARY)).and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let binary = fingerprint::binary(known.as_ref())?;
        let key = fingerprint::key(repo, FORMAT, &binary)?;
        let mut touched = ids_in(differing.iter().map(String::as_str));
        touched.extend(ids_in(
            linked.iter().map(|d| d.file.to_str().unwrap_or_default()),
        ));
        let mut index = Index {
            root: repo.root.clone(),
            dir,
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
        for (path, tree) in crate::git::head::subtrees(&index.root, &years)? {
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
        let header = format!("mim-settled {FORMAT} {}", self.key);
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
                row: row.to_string(),
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
        let trees = crate::git::head::subtrees(&self.root, &paths)?;
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

    /// Whether incident `id` is settled at `now` with the files it was found with:
    /// then it has nothing to show.
    pub fn is_settled(&self, id: &str, now: Timestamp) -> bool {
        self.entry(id, now).is_some()
    }

    /// The row of incident `id` when it [`is_settled`](Self::is_settled).
    pub fn row(&self, id: &str, now: Timestamp) -> Option<Row> {
        let entry = self.entry(id, now)?;
        let record: RowRecord = serde_json::from_str(&entry.row).ok()?;
        Some(record.to_row(id))
    }

    /// Keep the incidents found settled in this run (those whose files are still HEAD's
    /// after it), forget those HEAD no longer has as they were, and write the files that
    /// changed.
    pub fn save(mut self, found: Vec<Found>) {
        let found = self.still_untouched(found);
        // Months not listed at the start, whose incidents' trees are needed now.
        let unlisted: HashSet<String> = found
            .iter()
            .filter(|f| {
                !self.groups[FLAT]
                    .listed
                    .as_ref()
                    .is_some_and(|l| l.contains_key(&f.id))
            })
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
        for Found { id, since, row } in found {
            let flat = self.groups[FLAT]
                .listed
                .as_ref()
                .and_then(|l| l.get(&id))
                .cloned();
            let (name, tree) = match flat {
                Some(tree) => (FLAT.to_string(), tree),
                None => {
                    let Some(name) = id.get(..7) else { continue };
                    let Some(tree) = self
                        .groups
                        .get(name)
                        .and_then(|g| g.listed.as_ref())
                        .and_then(|l| l.get(&id))
                        .cloned()
                    else {
                        continue;
                    };
                    (name.to_string(), tree)
                }
            };
            if let Some(group) = self.groups.get_mut(&name) {
                group.entries.insert(id, Entry { tree, since, row });
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
        let mut out = format!("mim-settled {FORMAT} {}\n{}\n", self.key, group.tree);
        for id in ids {
            let e = &group.entries[id];
            out.push_str(&format!(
                "{id}\t{}\t{}\t{}\n",
                e.tree,
                e.since.to_rfc3339(),
                e.row
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
        let touched = ids_in(differing.iter().map(String::as_str));
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
