//! The journal of the transaction in progress: `mim-journal` in the git directory.
//!
//! Written (atomically: temp file, sync, rename) before the first file of a mutation is
//! touched, rewritten when the transaction grows, removed when it is committed. It holds
//! everything a later mim needs to finish or undo the transaction: each path's previous
//! content (or its absence) and its new content, the directories it creates, the commit
//! message, and HEAD before.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Temporary files of the journal itself start with this.
pub const TEMP_PREFIX: &str = ".mim-journal-";

/// What a later mim does with a transaction interrupted before its commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Put every file back as it was: nothing of the command is left (the usual case).
    RollBack,
    /// Write and commit the new content: what it records has happened already (e-mails
    /// handed to sendmail are in `sent.log`, and must not be sent twice).
    Complete,
}

/// File content: text when it is UTF-8 (readable when someone looks), else hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Content {
    Text(String),
    Hex(String),
}

impl Content {
    pub fn from_bytes(bytes: &[u8]) -> Content {
        match std::str::from_utf8(bytes) {
            Ok(text) => Content::Text(text.to_string()),
            Err(_) => Content::Hex(bytes.iter().map(|b| format!("{b:02x}")).collect()),
        }
    }

    pub fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        match self {
            Content::Text(t) => Ok(t.as_bytes().to_vec()),
            Content::Hex(h) => (0..h.len())
                .step_by(2)
                .map(|i| {
                    h.get(i..i + 2)
                        .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                        .context("the journal's hex content is damaged")
                })
                .collect(),
        }
    }
}

/// One file of the transaction, relative to the repository root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: PathBuf,
    /// `None`: the file did not exist.
    pub before: Option<Content>,
    pub after: Content,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub pid: u32,
    /// The command line, for the recovery message.
    pub command: String,
    /// When the journal was last written (the machine's clock), in seconds since 1970,
    /// just before the transaction's files and its git: git lock files made soon after
    /// were made by its git.
    pub written: i64,
    /// When it was first written: git's `index.lock`, which a transaction holds from
    /// then on, was made just before. (Absent in the journal of an older mim.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<i64>,
    pub policy: Policy,
    /// The commit message; `None` when the command does not commit.
    pub commit: Option<Message>,
    /// HEAD before the transaction; `None` on an unborn branch or outside git.
    pub head: Option<String>,
    /// Directories the transaction creates, parents first, relative to the root.
    pub dirs: Vec<PathBuf>,
    pub files: Vec<FileEntry>,
    /// Directories it moves, in order (`mim migrate`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<Move>,
}

/// A directory a transaction moves, relative to the root: the files git tracks under
/// `from` are committed under `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub from: PathBuf,
    pub to: PathBuf,
}

/// The pathspecs that cover every path of `moves` (their first components, such as
/// `incidents`), so resetting the index of thousands of moved directories is one
/// short command.
pub fn moved_tops(moves: &[Move]) -> Vec<PathBuf> {
    let mut tops: Vec<PathBuf> = moves
        .iter()
        .flat_map(|m| [&m.from, &m.to])
        .filter_map(|p| p.components().next())
        .map(|c| PathBuf::from(c.as_os_str()))
        .collect();
    tops.sort();
    tops.dedup();
    tops
}

/// A commit message as the journal keeps it: subject and `Key: value` trailers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub subject: String,
    pub trailers: Vec<(String, String)>,
    /// The commit's author (the actor, the event time), so a completed commit keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Author>,
}

/// A commit author as the journal keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// RFC 3339.
    pub date: String,
}

impl Message {
    pub fn from_git(m: &crate::git::Message) -> Message {
        Message {
            subject: m.subject.clone(),
            trailers: m
                .trailers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            author: m.author.as_ref().map(|a| Author {
                name: a.name.clone(),
                email: a.email.clone(),
                date: crate::time::format(&a.date),
            }),
        }
    }

    pub fn to_git(&self) -> crate::git::Message {
        crate::git::Message {
            subject: self.subject.clone(),
            trailers: self
                .trailers
                .iter()
                .map(|(k, v)| (trailer_key(k), v.clone()))
                .collect(),
            author: self.author.as_ref().and_then(|a| {
                Some(crate::git::Authorship {
                    name: a.name.clone(),
                    email: a.email.clone(),
                    date: chrono::DateTime::parse_from_rfc3339(&a.date).ok()?,
                })
            }),
        }
    }
}

/// The trailer keys mim writes are static; another one (from a newer mim) is kept too.
fn trailer_key(key: &str) -> &'static str {
    match key {
        "Incident" => "Incident",
        "Event" => "Event",
        "Actor" => "Actor",
        other => Box::leak(other.to_string().into_boxed_str()),
    }
}

/// Write the journal atomically to `path`.
pub fn write(path: &Path, journal: &Journal) -> anyhow::Result<()> {
    let dir = path.parent().context("the journal has a directory")?;
    let text = serde_json::to_vec_pretty(journal).context("encoding the journal")?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("creating the journal in {}", dir.display()))?;
    tmp.write_all(&text)
        .and_then(|()| match crate::store::syncing() {
            true => tmp.as_file().sync_all(),
            false => Ok(()),
        })
        .with_context(|| format!("writing the journal in {}", dir.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing the journal {}", path.display()))?;
    sync_dir(dir);
    Ok(())
}

/// The journal at `path`, if there is one.
pub fn read(path: &Path) -> anyhow::Result<Option<Journal>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    serde_json::from_slice(&bytes).map(Some).with_context(|| {
        format!(
            "{} is damaged, so mim cannot tell how to finish the interrupted command: \
             check `git status`, put the files right, then remove it",
            path.display()
        )
    })
}

/// Remove the journal: the transaction is over.
pub fn clear(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
    }
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Remove temporary journal files left by a process killed while writing one.
pub fn remove_temps(dir: &Path) {
    if let Ok(read) = std::fs::read_dir(dir) {
        for entry in read.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Make a rename or removal in `dir` durable (best effort; not every platform can).
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if crate::store::syncing()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_round_trips_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mim-journal");
        assert_eq!(read(&path).unwrap(), None);
        let journal = Journal {
            version: 1,
            pid: 7,
            command: "mim note x".into(),
            written: 1_700_000_000,
            started: Some(1_699_999_999),
            policy: Policy::RollBack,
            commit: Some(Message {
                subject: "x: note".into(),
                trailers: vec![("Event".into(), "note".into())],
                author: Some(Author {
                    name: "Ann Lee".into(),
                    email: None,
                    date: "2026-11-24T09:00:00Z".into(),
                }),
            }),
            head: None,
            dirs: vec!["incidents/x/updates".into()],
            moves: Vec::new(),
            files: vec![FileEntry {
                path: "incidents/x/timeline.yaml".into(),
                before: None,
                after: Content::from_bytes(b"\xff\x00a"),
            }],
        };
        write(&path, &journal).unwrap();
        let back = read(&path).unwrap().unwrap();
        assert_eq!(back, journal);
        assert_eq!(back.files[0].after.to_bytes().unwrap(), b"\xff\x00a");
        assert_eq!(
            back.commit.unwrap().to_git().trailers,
            vec![("Event", "note".to_string())]
        );
        clear(&path).unwrap();
        assert_eq!(read(&path).unwrap(), None);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(leftovers.is_empty());
    }
}
