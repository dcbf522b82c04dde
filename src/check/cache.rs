//! `mim check`'s cache (`.git/mim/check-cache/`, a store of [`crate::settled`]): the
//! outcome of each incident that cannot change any more (closed or rejected, every
//! clock stopped, nothing reported but its clocks and its own files' problems; see
//! [`crate::settled::since`]), so that a check after one change reads one incident, not
//! every closed one. When an outcome is used, and when not, is the store's to say:
//! this mim, `mim.yaml` and the templates; HEAD's tree of the incident; its files in
//! the work tree; "now" not before its last time.

use serde::{Deserialize, Serialize};

use crate::ci::{About, Finding};
use crate::repo::Repo;
use crate::settled::{Found, Index};
use crate::sla::{Clock, ClockState, Level, Rule};
use crate::time::Timestamp;
use crate::units::Duration;

use super::{Evaluated, Seen};

/// The store's name in `.git/mim/`.
const NAME: &str = "check-cache";

/// The version of its values; one of another is ignored.
const FORMAT: u32 = 2;

/// The cache of one run.
pub struct Cache {
    index: Index,
}

/// One incident's outcome as kept: its files' problems, whom it affects, its clocks
/// and how it is named.
#[derive(Serialize, Deserialize)]
pub struct Entry {
    problems: Vec<FindingRecord>,
    clients: Vec<String>,
    clocks: Vec<ClockRecord>,
    about: AboutRecord,
}

/// An outcome found settled in this run, to keep.
pub struct Settled(Option<Found>);

impl Settled {
    /// The outcome of incident `id`, settled since `since`: its `problems` (validation)
    /// and what it `seen` (no finding but its problems: see [`super::seen`]).
    pub fn new(id: &str, since: Timestamp, problems: &[Finding], seen: &Seen) -> Settled {
        let evaluated = seen.evaluated.as_ref();
        let entry = Entry {
            problems: problems.iter().map(FindingRecord::from).collect(),
            clients: seen.clients.clone(),
            clocks: evaluated
                .map(|e| e.clocks.iter().map(ClockRecord::from).collect())
                .unwrap_or_default(),
            about: AboutRecord::from(evaluated.map(|e| &e.about)),
        };
        Settled(Found::new(id, since, &entry))
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

impl Cache {
    /// The cache of `repo`, if git can say (see [`Index::open`]). Incidents holding a
    /// link or a special file are `validate`'s to find, and are never looked up.
    pub fn open(repo: &Repo) -> Option<Cache> {
        Index::open(repo, NAME, FORMAT, false).map(|index| Cache { index })
    }

    /// The outcome of incident `id` at `now`, when it is kept and still holds.
    pub fn get(&self, id: &str, now: Timestamp) -> Option<Entry> {
        self.index.value(id, now)
    }

    /// Keep the outcomes found settled in this run.
    pub fn save(self, settled: Vec<Settled>) {
        self.index
            .save(settled.into_iter().filter_map(|s| s.0).collect());
    }
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
