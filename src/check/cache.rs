//! `mim check`'s cache: the outcome of each incident that cannot change any more
//! (closed or rejected, every clock stopped, nothing reported but its clocks; see
//! [`super::settled_since`]), kept in git's own directory (`.git/mim/check-cache`) so
//! that a check after one change reads one incident, not every closed one.
//!
//! An outcome is used only when all of this holds, else the incident is read again:
//! - the file was written for the same key: this mim (its version and the SHA-256 of
//!   its executable, so a rebuild with other code is another mim), the same `mim.yaml`
//!   and the same files under `templates/`, byte for byte;
//! - HEAD's tree of the incident's directory is the one it was found with (one `git
//!   ls-tree` for all of them);
//! - the work tree holds exactly HEAD's files there: nothing changed, staged, deleted
//!   or untracked (ignored files too), by one `git diff` and one `git ls-files`;
//! - "now" is not before the last time the incident records (`--at` in the past reads
//!   it again).
//!
//! Outside git, before the first commit, or when git cannot say, there is no cache. A
//! file that is missing, unreadable, corrupt, of another format or another key is
//! ignored without a word and written again; it only ever holds incidents HEAD has.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ci::{About, Finding};
use crate::fingerprint::{self, Binary, slashes};
use crate::repo::{self, Repo};
use crate::sla::{Clock, ClockState, Level, Rule};
use crate::time::Timestamp;
use crate::units::Duration;

use super::{Evaluated, Seen};

/// The version of the file's layout; a file of another is ignored.
const FORMAT: u32 = 1;

/// The cache file's name in `.git/mim/` (see [`fingerprint::file`]).
const FILE: &str = "check-cache";

/// A larger file is not read (it would hold some 300,000 incidents).
const MAX_BYTES: u64 = 512 * crate::limits::MIB;

/// Up to this many incidents found settled are checked again by name after the run
/// (beyond it, the whole `incidents/` is).
const NAMED_PATHS: usize = 256;

/// The cache of one run: what the file held for this key, and what git says of HEAD
/// and the work tree.
pub struct Cache {
    root: PathBuf,
    /// `incidents/`, from the root.
    incidents: String,
    file: PathBuf,
    key: String,
    binary: Binary,
    /// HEAD's commit, which the work tree was compared with.
    head: String,
    /// HEAD's tree of each incident directory, by ID: (path from the root, tree).
    trees: HashMap<String, (String, String)>,
    /// Incidents whose files in the work tree are not HEAD's.
    touched: HashSet<String>,
    /// What the file held, if it was written for this key.
    entries: HashMap<String, Entry>,
    /// The file must be written again (missing, unreadable, of another key).
    stale: bool,
}

/// One incident's outcome as kept: the tree it was found with, the instant from which
/// it holds, its files' problems, whom it affects, its clocks and how it is named.
#[derive(Serialize, Deserialize)]
pub struct Entry {
    tree: String,
    since: Timestamp,
    problems: Vec<FindingRecord>,
    clients: Vec<String>,
    clocks: Vec<ClockRecord>,
    about: AboutRecord,
}

/// An outcome found settled in this run, to keep.
pub struct Settled {
    id: String,
    entry: Entry,
}

impl Settled {
    /// The outcome of incident `id`, settled since `since`: its `problems` (validation)
    /// and what it `seen` (no finding but its problems: see [`super::seen`]).
    pub fn new(id: &str, since: Timestamp, problems: &[Finding], seen: &Seen) -> Settled {
        let evaluated = seen.evaluated.as_ref();
        Settled {
            id: id.to_string(),
            entry: Entry {
                tree: String::new(),
                since,
                problems: problems.iter().map(FindingRecord::from).collect(),
                clients: seen.clients.clone(),
                clocks: evaluated
                    .map(|e| e.clocks.iter().map(ClockRecord::from).collect())
                    .unwrap_or_default(),
                about: AboutRecord::from(evaluated.map(|e| &e.about)),
            },
        }
    }
}

impl Entry {
    /// Its files' problems, as findings.
    pub fn problems(&self) -> Vec<Finding> {
        self.problems.iter().map(Finding::from).collect()
    }

    /// What `check` saw of it (it existed, and reported nothing but its clocks).
    pub fn seen(&self) -> Seen {
        Seen {
            clients: self.clients.clone(),
            evaluated: Some(Evaluated {
                clocks: self.clocks.iter().map(Clock::from).collect(),
                findings: Vec::new(),
                about: About::from(&self.about),
            }),
        }
    }
}

/// The file as written.
#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    /// The executable the key was computed with, to skip hashing it again.
    binary: Binary,
    key: String,
    entries: HashMap<String, Entry>,
}

impl Cache {
    /// The cache of the repository, or `None` when it cannot be used: not in a git work
    /// tree, no commit yet, git failing, the running executable unreadable.
    pub fn open(repo: &Repo) -> Option<Cache> {
        let (git_dir, prefix, head) = crate::git::head::located(&repo.root)?;
        let file = fingerprint::file(&git_dir, &prefix, FILE);
        let incidents = crate::repo::INCIDENTS_DIR.to_string();
        let (trees, differing, stored) = std::thread::scope(|s| {
            let trees = s.spawn(|| crate::git::head::trees(&repo.root, &incidents));
            let differing =
                s.spawn(|| crate::git::head::differing(&repo.root, &head, &[incidents.as_str()]));
            let stored = read(&file);
            (
                trees.join().ok().flatten(),
                differing.join().ok().flatten(),
                stored,
            )
        });
        let (trees, differing) = (trees?, differing?);
        let binary = fingerprint::binary(stored.as_ref().map(|s| &s.binary))?;
        let key = fingerprint::key(repo, FORMAT, &binary)?;
        let (entries, stale) = match stored {
            Some(s) if s.key == key => (s.entries, s.binary != binary),
            _ => (HashMap::new(), true),
        };
        Some(Cache {
            root: repo.root.clone(),
            incidents,
            file,
            key,
            binary,
            head,
            trees: by_id(trees),
            touched: ids_in(&differing),
            entries,
            stale,
        })
    }

    /// The kept outcome of incident `id` at `now`, if it may be used.
    pub fn get(&self, repo: &Repo, id: &str, now: Timestamp) -> Option<&Entry> {
        let (path, tree) = self.trees.get(id)?;
        let entry = self.entries.get(id)?;
        let usable = entry.tree == *tree
            && entry.since <= now
            && !self.touched.contains(id)
            // HEAD's directory of that name is the one mim reads.
            && *path == slashes(repo.relative(&repo.incident_dir(id)));
        usable.then_some(entry)
    }

    /// Keep what was found `settled` in this run with what still holds, and write the
    /// file if that changed it. Best effort: a cache that cannot be written is not.
    pub fn save(mut self, settled: Vec<Settled>) {
        let settled = self.still_untouched(settled);
        let before = self.entries.len();
        let trees = &self.trees;
        self.entries
            .retain(|id, e| trees.get(id).is_some_and(|(_, tree)| *tree == e.tree));
        let mut changed = self.stale || self.entries.len() != before;
        for Settled { id, mut entry } in settled {
            let Some((_, tree)) = self.trees.get(&id) else {
                continue;
            };
            entry.tree = tree.clone();
            self.entries.insert(id, entry);
            changed = true;
        }
        if !changed {
            return;
        }
        let stored = Stored {
            format: FORMAT,
            binary: self.binary,
            key: self.key,
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

    /// The `settled` incidents whose files were HEAD's when the cache was opened and
    /// still are now that they have been read: one changed while `check` read it is
    /// not kept, since what was read may not be HEAD's.
    fn still_untouched(&self, settled: Vec<Settled>) -> Vec<Settled> {
        let settled: Vec<Settled> = settled
            .into_iter()
            .filter(|s| self.trees.contains_key(&s.id) && !self.touched.contains(&s.id))
            .collect();
        if settled.is_empty() {
            return settled;
        }
        let paths: Vec<&str> = if settled.len() <= NAMED_PATHS {
            settled
                .iter()
                .map(|s| self.trees[&s.id].0.as_str())
                .collect()
        } else {
            vec![self.incidents.as_str()]
        };
        let Some(differing) = crate::git::head::differing(&self.root, &self.head, &paths) else {
            return Vec::new();
        };
        let touched = ids_in(&differing);
        settled
            .into_iter()
            .filter(|s| !touched.contains(&s.id))
            .collect()
    }
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

/// HEAD's incident directories by ID (the last part of each path, where it is an ID;
/// so `incidents/<ID>` and `incidents/YYYY/MM/<ID>` alike). An ID found twice is
/// left out: which of them mim reads is not for the cache to guess.
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

/// Every incident a path is in or names: each of its parts that is an ID.
fn ids_in(paths: &[String]) -> HashSet<String> {
    paths
        .iter()
        .flat_map(|p| p.split('/'))
        .filter(|part| repo::is_id(part))
        .map(String::from)
        .collect()
}

/// A finding as kept: every field, the excerpt too (which `--format json` leaves out).
#[derive(Serialize, Deserialize)]
struct FindingRecord(
    Option<String>,
    Rule,
    Level,
    String,
    String,
    Option<usize>,
    Option<Timestamp>,
    Option<Timestamp>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl From<&Finding> for FindingRecord {
    fn from(f: &Finding) -> Self {
        let Finding {
            incident,
            rule,
            level,
            message,
            file,
            line,
            due,
            actual,
            overdue_by_s,
            name,
            client,
            excerpt,
        } = f.clone();
        FindingRecord(
            incident,
            rule,
            level,
            message,
            file,
            line,
            due,
            actual,
            overdue_by_s,
            name,
            client,
            excerpt,
        )
    }
}

impl From<&FindingRecord> for Finding {
    fn from(r: &FindingRecord) -> Self {
        let FindingRecord(
            incident,
            rule,
            level,
            message,
            file,
            line,
            due,
            actual,
            overdue_by_s,
            name,
            client,
            excerpt,
        ) = r;
        Finding {
            incident: incident.clone(),
            rule: *rule,
            level: *level,
            message: message.clone(),
            file: file.clone(),
            line: *line,
            due: *due,
            actual: *actual,
            overdue_by_s: *overdue_by_s,
            name: name.clone(),
            client: client.clone(),
            excerpt: excerpt.clone(),
        }
    }
}

/// A clock as kept (durations in seconds).
#[derive(Serialize, Deserialize)]
struct ClockRecord(
    Rule,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Timestamp,
    Option<Timestamp>,
    Option<Timestamp>,
    ClockState,
);

impl From<&Clock> for ClockRecord {
    fn from(c: &Clock) -> Self {
        let Clock {
            rule,
            name,
            client,
            target,
            elapsed,
            started,
            due,
            stopped,
            state,
        } = c.clone();
        ClockRecord(
            rule,
            name,
            client,
            target.secs(),
            elapsed.secs(),
            started,
            due,
            stopped,
            state,
        )
    }
}

impl From<&ClockRecord> for Clock {
    fn from(r: &ClockRecord) -> Self {
        let ClockRecord(rule, name, client, target, elapsed, started, due, stopped, state) = r;
        Clock {
            rule: *rule,
            name: name.clone(),
            client: client.clone(),
            target: Duration::from_secs(*target),
            elapsed: Duration::from_secs(*elapsed),
            started: *started,
            due: *due,
            stopped: *stopped,
            state: *state,
        }
    }
}

/// How the text output names an incident, as kept.
#[derive(Serialize, Deserialize)]
struct AboutRecord(String, String, bool, String, String);

impl From<Option<&About>> for AboutRecord {
    fn from(a: Option<&About>) -> Self {
        let About {
            priority,
            status,
            active,
            clients,
            title,
        } = a.cloned().unwrap_or_default();
        AboutRecord(priority, status, active, clients, title)
    }
}

impl From<&AboutRecord> for About {
    fn from(r: &AboutRecord) -> Self {
        let AboutRecord(priority, status, active, clients, title) = r;
        About {
            priority: priority.clone(),
            status: status.clone(),
            active: *active,
            clients: clients.clone(),
            title: title.clone(),
        }
    }
}
