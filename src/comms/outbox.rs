//! `outbox/`: every e-mail as rendered (`<stem>.eml`), and `sent.log`, the append-only
//! record of what became of them: handed to sendmail, about to be (`sending`), refused by
//! sendmail (`failed`), or withdrawn (never to be sent). A message not in `sent.log` is
//! unsent; one whose `sending` line has no outcome after it is uncertain: mim was
//! interrupted while sendmail had it, so it may or may not have gone out, and it is never
//! sent again without `mim send --resend-uncertain`. `sent.log` merges with git's union
//! driver, so two clones never conflict. The [`ledger`] puts the messages in the order
//! they were recorded and says where each stands; [`threads`] gives new messages their
//! thread.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context as _;
use mail_parser::MessageParser;

use super::{Audience, Kind, Stem, Threads, compact, parse_stem};
use crate::diag::Diagnostic;
use crate::model::Incident;
use crate::state::State;
use crate::time::{self, Timestamp};

pub const OUTBOX_DIR: &str = "outbox";
pub const SENT_LOG: &str = "sent.log";

/// The first lines of every `sent.log`.
pub const SENT_HEADER: &str = "# Messages handed to mail.sendmail, written by mim: one per line, append only.\n\
# <file> <time sent> <by>; a message in outbox/ that is not listed here is unsent.\n\
# <file> sending|failed|withdrawn <time> <by>: about to be handed to sendmail, refused by it, never to be sent.\n";

/// The `.eml` file names in an incident's `outbox/`, in name (= time) order.
pub fn messages(incident_dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = incident_dir.join(OUTBOX_DIR);
    // Without following symbolic links; a symlinked message is listed, and refused
    // when it is read.
    let entries = crate::safe_fs::list_dir(incident_dir, &dir)
        .with_context(|| format!("reading {}", dir.display()))?;
    Ok(entries
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.ends_with(".eml") && !name.starts_with('.'))
        .collect())
}

/// The text of `sent.log` (empty when there is none yet).
pub fn read_log(incident_dir: &Path) -> anyhow::Result<String> {
    let path = incident_dir.join(OUTBOX_DIR).join(SENT_LOG);
    match crate::safe_fs::read_optional(incident_dir, &path) {
        Ok(text) => Ok(text.unwrap_or_default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The file names `sent.log` lists as sent.
pub fn sent(log: &str) -> BTreeSet<String> {
    log_entries(log)
        .filter(|words| {
            words
                .get(1)
                .is_none_or(|w| ![WITHDRAWN, SENDING, FAILED].contains(w))
        })
        .filter_map(|words| words.first().map(|w| w.to_string()))
        .collect()
}

/// The file names `sent.log` lists as withdrawn: never to be sent.
pub fn withdrawn(log: &str) -> BTreeSet<String> {
    with_word(log, WITHDRAWN).map(|(file, _)| file).collect()
}

/// The messages `sent.log` lists as uncertain, with the time of the attempt nobody
/// recorded the outcome of: more `sending` lines than `failed` ones, and never sent
/// (nor withdrawn). Counted, not matched line by line, so that the lines of two clones
/// merged in any order still say the same.
pub fn uncertain(log: &str) -> BTreeMap<String, Option<Timestamp>> {
    let mut attempts: BTreeMap<String, (usize, Option<Timestamp>)> = BTreeMap::new();
    for (file, at) in with_word(log, SENDING) {
        let seen = attempts.entry(file).or_default();
        seen.0 += 1;
        seen.1 = at.or(seen.1);
    }
    for (file, _) in with_word(log, FAILED) {
        if let Some(seen) = attempts.get_mut(&file) {
            seen.0 = seen.0.saturating_sub(1);
        }
    }
    let settled: BTreeSet<String> = sent(log).union(&withdrawn(log)).cloned().collect();
    attempts
        .into_iter()
        .filter(|(file, (open, _))| *open > 0 && !settled.contains(file))
        .map(|(file, (_, at))| (file, at))
        .collect()
}

/// `(file, time)` of the lines whose second word is `word`.
fn with_word<'a>(
    log: &'a str,
    word: &'a str,
) -> impl Iterator<Item = (String, Option<Timestamp>)> + 'a {
    log_entries(log)
        .filter(move |words| words.get(1) == Some(&word))
        .filter_map(|words| {
            let at = words
                .get(2)
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
            words.first().map(|w| (w.to_string(), at))
        })
}

/// The word after the file name that marks a message withdrawn. An older mim reads such
/// a line (and the two below) as "sent", so it never sends such a message either.
const WITHDRAWN: &str = "withdrawn";

/// The word that records the intent: mim is about to hand the message to sendmail. Written
/// (and synced to disk) before sendmail starts, so a send interrupted at any point
/// leaves the message at least uncertain, never unsent.
const SENDING: &str = "sending";

/// The word that records sendmail's refusal (it did not run, or exited non-zero): the
/// message did not go, and may be sent again.
const FAILED: &str = "failed";

fn log_entries(log: &str) -> impl Iterator<Item = Vec<&str>> {
    log.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect())
}

/// The line of `sent.log` that withdraws `file`: `<file> withdrawn <time> <by>`.
pub fn withdrawn_line(file: &str, at: &Timestamp, by: &str) -> String {
    worded_line(file, WITHDRAWN, at, by)
}

/// The line of `sent.log` written before `file` is handed to sendmail.
pub fn sending_line(file: &str, at: &Timestamp, by: &str) -> String {
    worded_line(file, SENDING, at, by)
}

/// The line of `sent.log` that records sendmail's refusal of `file`.
pub fn failed_line(file: &str, at: &Timestamp, by: &str) -> String {
    worded_line(file, FAILED, at, by)
}

fn worded_line(file: &str, word: &str, at: &Timestamp, by: &str) -> String {
    format!(
        "{file} {word} {} {}\n",
        time::format(at),
        crate::text::one_line(by)
    )
}

/// One message in `outbox/`, and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub file: String,
    /// The time it is dated, from its name.
    pub at: Option<Timestamp>,
    pub kind: Option<Kind>,
    pub audience: Option<Audience>,
    /// The one client it is for, one of several (`…-client+acme.eml`).
    pub client: Option<String>,
    /// The timeline entry (an update or a resolve, by index in file order) that wrote it.
    pub entry: Option<usize>,
    pub sent: bool,
    /// Never to be sent: withdrawn in `sent.log`, or a restoral notice that a reopen made
    /// untrue before it was sent.
    pub withdrawn: bool,
    /// Handed to sendmail by a mim that was interrupted before it recorded what became
    /// of it: it may or may not have gone out. Sent again only when someone asks.
    pub uncertain: bool,
    /// When that interrupted attempt began.
    pub attempted: Option<Timestamp>,
}

impl Message {
    /// Waiting to be sent.
    pub fn is_unsent(&self) -> bool {
        !self.sent && !self.withdrawn && !self.uncertain
    }
}

/// The messages named `names`, in the order they were recorded: by the timeline entry
/// that wrote them, then by name; files no entry wrote come last.
pub fn ledger(names: &[String], log: &str, state: &State) -> Vec<Message> {
    let marks = LogMarks::read(log);
    let updates = update_entries(state);
    let mut out: Vec<Message> = names
        .iter()
        .map(|file| {
            let parsed = parse_stem(file);
            let (entry, undone) = match &parsed {
                Some(stem) => writer(stem, &updates, state),
                None => (None, false),
            };
            marks.message(file, parsed, entry, undone)
        })
        .collect();
    out.sort_by(|a, b| {
        (a.entry.unwrap_or(usize::MAX), &a.file).cmp(&(b.entry.unwrap_or(usize::MAX), &b.file))
    });
    out
}

/// What `sent.log` says of the messages: sent, withdrawn, or handed to sendmail by an
/// interrupted mim (with when that attempt began).
struct LogMarks {
    sent: BTreeSet<String>,
    withdrawn: BTreeSet<String>,
    uncertain: BTreeMap<String, Option<Timestamp>>,
}

impl LogMarks {
    /// The marks of `log`, the text of `sent.log`.
    fn read(log: &str) -> Self {
        LogMarks {
            sent: sent(log),
            withdrawn: withdrawn(log),
            uncertain: uncertain(log),
        }
    }

    /// The message `file` (named as `parsed` says), written by timeline entry `entry`,
    /// and `undone` when a later entry made it untrue before it was sent.
    fn message(
        &self,
        file: &str,
        parsed: Option<Stem>,
        entry: Option<usize>,
        undone: bool,
    ) -> Message {
        let is_sent = self.sent.contains(file);
        let withdrawn = self.withdrawn.contains(file) || (undone && !is_sent);
        let attempt = self.uncertain.get(file).filter(|_| !withdrawn);
        Message {
            file: file.to_string(),
            at: parsed.as_ref().map(|p| p.at),
            kind: parsed.as_ref().map(|p| p.kind),
            audience: parsed.as_ref().map(|p| p.audience),
            client: parsed.and_then(|p| p.client),
            entry,
            sent: is_sent,
            withdrawn,
            uncertain: attempt.is_some(),
            attempted: attempt.copied().flatten(),
        }
    }
}

/// An update as its messages' names give it: (when, number, audience, client).
type UpdateKey<'a> = (String, u32, Audience, Option<&'a str>);

/// The timeline entry of each update, by [`UpdateKey`]: one look-up per message.
fn update_entries(state: &State) -> HashMap<UpdateKey<'_>, usize> {
    state
        .updates
        .iter()
        .flat_map(|u| {
            let audiences: Vec<Audience> = Audience::ALL
                .into_iter()
                .filter(|a| a.counts(&u.audience))
                .collect();
            audiences
                .into_iter()
                .map(move |a| ((compact(&u.at), u.number, a, u.client.as_deref()), u.entry))
        })
        .collect()
}

/// The timeline entry that wrote the message named as `stem` says, and whether a later
/// entry undid it (a restoral notice made untrue by a reopen or a new impact).
fn writer(
    stem: &Stem,
    updates: &HashMap<UpdateKey<'_>, usize>,
    state: &State,
) -> (Option<usize>, bool) {
    match stem.kind {
        Kind::Update(n) => (
            updates
                .get(&(compact(&stem.at), n, stem.audience, stem.client.as_deref()))
                .copied(),
            false,
        ),
        Kind::Restoral => restoral_writer(stem, state),
    }
}

/// The entry that wrote a restoral notice, and whether it was undone. One client's early
/// restoral notice is undone if it was affected again before the notice went; a
/// resolve's (to every client, or to each still affected) by a reopen. The notice with
/// sequence N of a second is the N-th restoration recorded in that second (resolve,
/// reopen, resolve).
fn restoral_writer(stem: &Stem, state: &State) -> (Option<usize>, bool) {
    let at = compact(&stem.at);
    stem.client
        .as_ref()
        .and_then(|key| {
            nth_or_first(
                state
                    .client_restorals
                    .iter()
                    .filter(|r| &r.client == key && compact(&r.at) == at),
                stem.seq,
            )
            .map(|r| (Some(r.entry), r.undone_at.is_some()))
        })
        .or_else(|| {
            nth_or_first(
                state.resolutions.iter().filter(|r| compact(&r.at) == at),
                stem.seq,
            )
            .map(|r| (Some(r.entry), r.reopened_at.is_some()))
        })
        .unwrap_or((None, false))
}

/// The `seq`-th item (1-based), or the first when there are fewer.
fn nth_or_first<T>(mut items: impl Iterator<Item = T>, seq: u32) -> Option<T> {
    let first = items.next()?;
    let rest = usize::try_from(seq.saturating_sub(2)).unwrap_or(usize::MAX);
    Some(if seq <= 1 {
        first
    } else {
        items.nth(rest).unwrap_or(first)
    })
}

/// The messages in an incident's `outbox/` and where each stands (see [`ledger`]).
pub fn read_ledger(incident_dir: &Path, state: &State) -> anyhow::Result<Vec<Message>> {
    let names = messages(incident_dir)?;
    let log = read_log(incident_dir)?;
    Ok(ledger(&names, &log, state))
}

/// The threads new messages join: the messages of `ledger` that are not withdrawn, with
/// their Message-ID, audience and client as their headers give them (a message without
/// `X-Mim-Client` is about `client`, the incident's). Only what a new message can cite
/// is read: of each audience's (and each client's) thread, the first message and the
/// latest ones, so an incident with a thousand updates reads forty messages, not all.
pub fn threads(
    incident_dir: &Path,
    ledger: &[Message],
    client: Option<&str>,
) -> anyhow::Result<Threads> {
    // Messages by thread as their names say, by their place in the ledger (the order
    // they were recorded).
    type Key<'a> = (Option<Audience>, Option<&'a str>);
    let mut by_thread: Vec<(Key, Vec<usize>)> = Vec::new();
    for (i, m) in ledger.iter().enumerate().filter(|(_, m)| !m.withdrawn) {
        let key = (m.audience, m.client.as_deref());
        match by_thread.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(i),
            None => by_thread.push((key, vec![i])),
        }
    }
    let keep = super::MAX_REFERENCES;
    let mut wanted: Vec<usize> = Vec::new();
    for (_, list) in &by_thread {
        if list.len() <= keep {
            wanted.extend(list);
        } else {
            wanted.push(list[0]);
            wanted.extend(&list[list.len() - (keep - 1)..]);
        }
    }
    wanted.sort_unstable();
    let wanted = wanted.into_iter().map(|i| &ledger[i]);
    let mut threads = Threads::default();
    for m in wanted {
        let path = incident_dir.join(OUTBOX_DIR).join(&m.file);
        let raw = read_header_section(&path)?;
        let Some((id, audience, about)) = thread_headers(&raw) else {
            continue;
        };
        let Some(audience) = audience.or(m.audience) else {
            continue;
        };
        let about = about.or(client.map(String::from));
        threads.push(audience, about, id);
    }
    Ok(threads)
}

/// The header section of a message (up to the first empty line): what [`threads`]
/// needs, without reading the body.
fn read_header_section(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::BufRead;
    // Never through a symbolic link, never a FIFO: as every read of an incident's files.
    let file = crate::safe_fs::open_regular(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let mut out = Vec::new();
    loop {
        let start = out.len();
        let n = reader
            .read_until(b'\n', &mut out)
            .with_context(|| format!("reading {}", path.display()))?;
        let line = &out[start..];
        if n == 0 || line.iter().all(|b| b.is_ascii_whitespace()) || out.len() > 1 << 20 {
            break;
        }
    }
    Ok(out)
}

/// One line of `sent.log`.
pub fn log_line(file: &str, at: &Timestamp, by: &str) -> String {
    format!(
        "{file} {} {}\n",
        time::format(at),
        crate::text::one_line(by)
    )
}

/// `log` with `lines` appended (and the header first when it is new).
pub fn append(log: &str, lines: &[String]) -> String {
    let mut text = if log.is_empty() {
        SENT_HEADER.to_string()
    } else {
        log.to_string()
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    for line in lines {
        text.push_str(line);
    }
    text
}

/// What a message's headers say of its thread: its Message-ID (without angle
/// brackets), and the audience and client mim wrote it to (`X-Mim-Audience`,
/// `X-Mim-Client`), from the header section only.
fn thread_headers(raw: &[u8]) -> Option<(String, Option<Audience>, Option<String>)> {
    let head = MessageParser::default().parse_headers(raw)?;
    let header = |name: &str| head.header_raw(name.to_string()).map(str::trim);
    let id = head.message_id().filter(|id| !id.is_empty())?;
    Some((
        id.to_string(),
        header("X-Mim-Audience").and_then(Audience::parse),
        header("X-Mim-Client").map(String::from),
    ))
}

/// What `mim validate` finds wrong with an incident's `outbox/`, from its names and its
/// record (`sent.log`) alone: a message whose name is not an update or a restoral
/// notice the timeline records (its place in the [`ledger`]), and a `sent.log` line
/// naming a message that is not there. With `deep`, every message is also read and
/// parsed ([`super::eml`]). `state`: the incident with every recorded event.
pub fn problems(
    incident: &Incident,
    state: &State,
    shown_dir: &Path,
    deep: bool,
) -> Vec<Diagnostic> {
    let shown = shown_dir.join(OUTBOX_DIR);
    let names = match messages(&incident.dir) {
        Ok(names) => names,
        Err(e) => return vec![Diagnostic::new(&shown, format!("cannot read: {e:#}"))],
    };
    let log = match read_log(&incident.dir) {
        Ok(log) => Ok(log),
        Err(e) => Err(Diagnostic::new(
            &shown.join(SENT_LOG),
            format!("cannot read: {e:#}"),
        )),
    };
    let ledger = ledger(&names, log.as_deref().unwrap_or_default(), state);
    let mut out = Vec::new();
    for message in names
        .iter()
        .filter_map(|n| ledger.iter().find(|m| &m.file == n))
    {
        let name = &message.file;
        let problem = match (parse_stem(name), message.entry) {
            (None, _) => "not a message mim wrote: outbox/ holds <time>-u<N>-<audience>.eml and <time>-resolved-<audience>.eml (with +<client> for one of several clients)".to_string(),
            (Some(stem), Some(_)) => {
                if deep {
                    out.extend(super::eml::problems(
                        &incident.dir,
                        &incident.dir.join(OUTBOX_DIR).join(name),
                        &shown.join(name),
                        &incident.id,
                        stem.audience,
                    ));
                }
                continue;
            }
            (Some(stem), None) => {
                let at = compact(&stem.at);
                match stem.kind {
                    Kind::Restoral => format!(
                        "a restoral notice of {at}, but the timeline records no resolution at that time"
                    ),
                    Kind::Update(n) => format!(
                        "update {n} to {} at {at}, which the timeline does not record",
                        stem.audience
                    ),
                }
            }
        };
        out.push(Diagnostic::new(&shown.join(name), problem));
    }
    match log {
        Ok(log) => out.extend(log_problems(&log, &names, &shown.join(SENT_LOG))),
        Err(d) => out.push(d),
    }
    out
}

/// `sent.log` lines naming a message that is not in `outbox/`.
fn log_problems(log: &str, names: &[String], shown: &Path) -> Vec<Diagnostic> {
    let names: HashSet<&str> = names.iter().map(String::as_str).collect();
    log.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|(i, l)| {
            let file = l.split_whitespace().next()?;
            (!names.contains(file)).then(|| {
                Diagnostic::new(
                    shown,
                    format!(
                        "lists `{file}` as sent, but outbox/ has no such message: restore it from git"
                    ),
                )
                .at(i + 1, 1)
                .with_source(log)
            })
        })
        .collect()
}

/// What became of a message handed to sendmail.
#[derive(Debug)]
pub enum Handed {
    /// sendmail read all of it and exited 0: it is sent.
    Sent,
    /// sendmail did not start, or exited non-zero: it did not take the message, which
    /// can be sent again.
    Refused(anyhow::Error),
    /// sendmail was killed by a signal, or exited 0 without reading all of it: the
    /// message (or a part of it) may have gone out.
    Unknown(anyhow::Error),
}

/// Pipe one message to `command` (`mail.sendmail`, split at spaces, no shell); an
/// error carries the command's stderr.
pub fn sendmail(command: &str, message: &[u8]) -> Handed {
    let mut words = command.split_whitespace();
    let Some(program) = words.next() else {
        return Handed::Refused(anyhow::anyhow!(
            "mail.sendmail in mim.yaml is empty: give a command that reads a message on stdin"
        ));
    };
    let spawned = Command::new(program)
        .args(words)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running mail.sendmail `{command}`"));
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return Handed::Refused(e),
    };
    // Written from a thread, so a sendmail that writes much before reading cannot
    // deadlock us.
    let stdin = child.stdin.take();
    let input = message.to_vec();
    let writer = std::thread::spawn(move || {
        ignore_sigpipe_here();
        stdin.map(|mut s| s.write_all(&input)).transpose()
    });
    let out = match child.wait_with_output() {
        Ok(out) => out,
        Err(e) => {
            return Handed::Unknown(
                anyhow::Error::new(e).context(format!("waiting for mail.sendmail `{command}`")),
            );
        }
    };
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("the writer stopped")));
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    let said = if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    };
    match out.status.code() {
        Some(0) => match written {
            Ok(_) => Handed::Sent,
            Err(e) => Handed::Unknown(anyhow::anyhow!(
                "mail.sendmail `{command}` exited 0 without reading the whole message ({e}){said}"
            )),
        },
        Some(code) => Handed::Refused(anyhow::anyhow!(
            "mail.sendmail `{command}` failed (exit status {code}){said}"
        )),
        None => Handed::Unknown(anyhow::anyhow!(
            "mail.sendmail `{command}` was killed by a signal{said}"
        )),
    }
}

/// A sendmail that exits without reading the whole message must not kill mim with
/// SIGPIPE (which `main` restores for printing to a closed pipe): with the signal blocked
/// in the writing thread, the write fails with EPIPE instead, and the signal left pending
/// goes with the thread.
fn ignore_sigpipe_here() {
    #[cfg(unix)]
    // SAFETY: changes only the calling thread's signal mask, with a set built here.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_log_lists_files_and_ignores_comments() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T09:30:00Z").unwrap();
        let log = append("", &[log_line("a.eml", &at, "Alice\nMoreau")]);
        assert!(log.starts_with("# Messages"));
        assert!(log.ends_with("a.eml 2026-11-24T09:30:00Z Alice Moreau\n"));
        let log = append(&log, &[log_line("b.eml", &at, "Bob")]);
        assert_eq!(sent(&log), BTreeSet::from(["a.eml".into(), "b.eml".into()]));
    }

    #[test]
    fn message_id_comes_from_the_header_section_only() {
        let raw =
            b"From: a@b.example\r\nMessage-ID: <x.1@msp.example>\r\n\r\nMessage-ID: <body@x>\r\n";
        let id = |raw: &[u8]| thread_headers(raw).map(|(id, ..)| id);
        assert_eq!(id(raw).as_deref(), Some("x.1@msp.example"));
        assert_eq!(id(b"From: a@b\r\n\r\nMessage-ID: <y@z>\r\n"), None);
    }

    #[test]
    fn a_failing_command_reports_its_stderr() {
        assert!(matches!(sendmail("cat", b"x"), Handed::Sent));
        let Handed::Refused(err) = sendmail("false", b"x") else {
            panic!("false refuses")
        };
        assert!(err.to_string().contains("exit status 1"), "{err}");
        let Handed::Refused(err) = sendmail("", b"x") else {
            panic!("nothing to run")
        };
        assert!(err.to_string().contains("empty"), "{err}");
        let Handed::Refused(err) = sendmail("/nonexistent/sendmail", b"x") else {
            panic!("nothing ran")
        };
        assert!(
            format!("{err:#}").contains("running mail.sendmail"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_sendmail_killed_by_a_signal_leaves_the_outcome_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("dies");
        std::fs::write(&script, "#!/bin/sh\ncat > /dev/null\nkill -9 $$\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let Handed::Unknown(err) = sendmail(script.to_str().unwrap(), b"x") else {
            panic!("killed")
        };
        assert!(err.to_string().contains("killed by a signal"), "{err}");
    }

    #[test]
    fn an_interrupted_attempt_is_uncertain_until_an_outcome_is_recorded() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T09:30:00Z").unwrap();
        let log = append(
            "",
            &[
                sending_line("a.eml", &at, "Ann"),
                log_line("a.eml", &at, "Ann"),
                sending_line("b.eml", &at, "Ann"),
                failed_line("b.eml", &at, "Ann"),
                sending_line("c.eml", &at, "Ann"),
                // A second attempt that failed leaves the first one unknown.
                sending_line("d.eml", &at, "Ann"),
                sending_line("d.eml", &at, "Ann"),
                failed_line("d.eml", &at, "Ann"),
            ],
        );
        assert_eq!(sent(&log), BTreeSet::from(["a.eml".to_string()]));
        let uncertain = uncertain(&log);
        assert_eq!(
            uncertain.keys().collect::<Vec<_>>(),
            ["c.eml", "d.eml"],
            "{log}"
        );
        assert_eq!(uncertain["c.eml"], Some(at));
        // Lines of two clones merged in another order say the same.
        let mut lines: Vec<&str> = log.lines().collect();
        lines.reverse();
        assert_eq!(
            self::uncertain(&lines.join("\n"))
                .keys()
                .collect::<Vec<_>>(),
            ["c.eml", "d.eml"]
        );
    }
}
