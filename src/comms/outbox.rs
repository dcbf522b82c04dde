//! `outbox/`: every e-mail as rendered (`<stem>.eml`), and `sent.log`, the append-only
//! record of which of them were handed to sendmail or withdrawn (never to be sent). A
//! message not in `sent.log` is unsent. `sent.log` merges with git's union driver, so two
//! clones never conflict. The [`ledger`] puts the messages in the order they were
//! recorded and says where each stands; [`threads`] gives new messages their thread.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

use super::{Audience, Kind, Threads, compact, parse_stem};
use crate::diag::Diagnostic;
use crate::model::{Event, Incident};
use crate::state::State;
use crate::time::{self, Timestamp};

pub const OUTBOX_DIR: &str = "outbox";
pub const SENT_LOG: &str = "sent.log";

/// The first lines of every `sent.log`.
pub const SENT_HEADER: &str = "# Messages handed to mail.sendmail, written by mim: one per line, append only.\n\
# <file> <time sent> <by>; a message in outbox/ that is not listed here is unsent.\n";

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
        .filter(|words| words.get(1) != Some(&WITHDRAWN))
        .filter_map(|words| words.first().map(|w| w.to_string()))
        .collect()
}

/// The file names `sent.log` lists as withdrawn: never to be sent.
pub fn withdrawn(log: &str) -> BTreeSet<String> {
    log_entries(log)
        .filter(|words| words.get(1) == Some(&WITHDRAWN))
        .filter_map(|words| words.first().map(|w| w.to_string()))
        .collect()
}

/// The word after the file name that marks a message withdrawn. An older mim reads such
/// a line as "sent", so it never sends a withdrawn message either.
const WITHDRAWN: &str = "withdrawn";

fn log_entries(log: &str) -> impl Iterator<Item = Vec<&str>> {
    log.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect())
}

/// The line of `sent.log` that withdraws `file`: `<file> withdrawn <time> <by>`.
pub fn withdrawn_line(file: &str, at: &Timestamp, by: &str) -> String {
    format!(
        "{file} {WITHDRAWN} {} {}\n",
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
}

impl Message {
    /// Waiting to be sent.
    pub fn is_unsent(&self) -> bool {
        !self.sent && !self.withdrawn
    }
}

/// The messages named `names`, in the order they were recorded: by the timeline entry
/// that wrote them, then by name; files no entry wrote come last.
pub fn ledger(names: &[String], log: &str, state: &State) -> Vec<Message> {
    let sent = sent(log);
    let withdrawn = withdrawn(log);
    // Each update by (when, number, audience, client): one look-up per message.
    let updates: HashMap<(String, u32, Audience, Option<&str>), usize> = state
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
        .collect();
    let mut out: Vec<Message> = names
        .iter()
        .map(|file| {
            let parsed = parse_stem(file);
            let (entry, undone) = match &parsed {
                Some(p) => match p.kind {
                    Kind::Update(n) => (
                        updates
                            .get(&(compact(&p.at), n, p.audience, p.client.as_deref()))
                            .copied(),
                        false,
                    ),
                    // One client's early restoral notice is undone if it was affected
                    // again before the notice went; a resolve's (to every client, or
                    // to each still affected) by a reopen.
                    Kind::Restoral => p
                        .client
                        .as_ref()
                        .and_then(|key| {
                            state
                                .client_restorals
                                .iter()
                                .find(|r| &r.client == key && compact(&r.at) == compact(&p.at))
                                .map(|r| (Some(r.entry), r.undone_at.is_some()))
                        })
                        .or_else(|| {
                            state
                                .resolutions
                                .iter()
                                .find(|r| compact(&r.at) == compact(&p.at))
                                .map(|r| (Some(r.entry), r.reopened_at.is_some()))
                        })
                        .unwrap_or((None, false)),
                },
                None => (None, false),
            };
            let is_sent = sent.contains(file);
            Message {
                file: file.clone(),
                at: parsed.as_ref().map(|p| p.at),
                kind: parsed.as_ref().map(|p| p.kind),
                audience: parsed.as_ref().map(|p| p.audience),
                client: parsed.and_then(|p| p.client),
                entry,
                sent: is_sent,
                withdrawn: withdrawn.contains(file) || (undone && !is_sent),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.entry.unwrap_or(usize::MAX), &a.file).cmp(&(b.entry.unwrap_or(usize::MAX), &b.file))
    });
    out
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
        let head = read_header_section(&path)?;
        let Some(id) = message_id(&head) else {
            continue;
        };
        let audience = header(&head, "X-Mim-Audience")
            .and_then(|a| Audience::parse(&a))
            .or(m.audience);
        let Some(audience) = audience else { continue };
        let about = header(&head, "X-Mim-Client").or(client.map(String::from));
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

/// The `Message-ID` header of a message, without angle brackets.
pub fn message_id(raw: &[u8]) -> Option<String> {
    header(raw, "Message-ID")
        .map(|v| v.trim_start_matches('<').trim_end_matches('>').to_string())
        .filter(|id| !id.is_empty())
}

/// The value of a one-line header mim writes (`Message-ID`, `X-Mim-Audience`), from the
/// header section only.
fn header(raw: &[u8], wanted: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case(wanted)
                .then(|| value.trim().to_string())
        })
}

/// What `mim validate` finds wrong with an incident's `outbox/`, from its names and its
/// record (`sent.log`) alone: a message whose name is not an update or a restoral
/// notice the timeline records, and a `sent.log` line naming a message that is not
/// there. With `deep`, every message is also read and parsed ([`super::eml`]).
pub fn problems(incident: &Incident, shown_dir: &Path, deep: bool) -> Vec<Diagnostic> {
    let shown = shown_dir.join(OUTBOX_DIR);
    let names = match messages(&incident.dir) {
        Ok(names) => names,
        Err(e) => return vec![Diagnostic::new(&shown, format!("cannot read: {e:#}"))],
    };
    // (time, tag, audience) of every message the timeline says was written; `*` for
    // any audience: a restoral notice goes to several, an old `all` update too.
    let written: HashSet<(String, String, &str)> = incident
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Update {
                number, audience, ..
            } => Some((
                super::compact(&e.at),
                format!("u{number}"),
                if audience == "all" {
                    "*"
                } else {
                    audience.as_str()
                },
            )),
            Event::Resolve { .. }
            | Event::Affect {
                restored: true,
                client: Some(_),
                ..
            } => Some((super::compact(&e.at), "resolved".into(), "*")),
            _ => None,
        })
        .collect();
    let recorded = |at: &str, tag: &str, audience: &str| {
        [audience, "*"]
            .iter()
            .any(|a| written.contains(&(at.to_string(), tag.to_string(), *a)))
    };
    let mut out = Vec::new();
    for name in &names {
        let message = match parse_name(name) {
            None => "not a message mim wrote: outbox/ holds <time>-u<N>-<audience>.eml and <time>-resolved-<audience>.eml (with +<client> for one of several clients)".to_string(),
            Some((at, tag, audience)) => {
                if recorded(at, tag, audience) {
                    if deep {
                        out.extend(super::eml::problems(
                            &incident.dir,
                            &incident.dir.join(OUTBOX_DIR).join(name),
                            &shown.join(name),
                            &incident.id,
                            audience,
                        ));
                    }
                    continue;
                }
                match tag {
                    "resolved" => format!(
                        "a restoral notice of {at}, but the timeline records no resolution at that time"
                    ),
                    _ => format!(
                        "update {} to {audience} at {at}, which the timeline does not record",
                        &tag[1..]
                    ),
                }
            }
        };
        out.push(Diagnostic::new(&shown.join(name), message));
    }
    match read_log(&incident.dir) {
        Ok(log) => out.extend(log_problems(&log, &names, &shown.join(SENT_LOG))),
        Err(e) => out.push(Diagnostic::new(
            &shown.join(SENT_LOG),
            format!("cannot read: {e:#}"),
        )),
    }
    out
}

/// `(time, tag, audience)` of a message name mim writes: `20261124T093000Z-u3-client.eml`
/// or `20261124T104500Z-resolved-end-users.eml`.
fn parse_name(name: &str) -> Option<(&str, &str, &str)> {
    let stem = name.strip_suffix(".eml")?;
    let (at, rest) = (stem.get(..16)?, stem.get(16..)?.strip_prefix('-')?);
    let (tag, audience) = rest.split_once('-')?;
    // One of several clients' own message: `…-client+acme.eml`.
    let audience = match audience.split_once('+') {
        Some((audience, key)) if crate::config::is_key(key) => audience,
        Some(_) => return None,
        None => audience,
    };
    let time_shape = at.char_indices().all(|(i, c)| match i {
        8 => c == 'T',
        15 => c == 'Z',
        _ => c.is_ascii_digit(),
    });
    let tag_shape = tag == "resolved"
        || tag
            .strip_prefix('u')
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    let audience_shape = Audience::parse(audience).is_some() || audience == "all";
    (time_shape && tag_shape && audience_shape).then_some((at, tag, audience))
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

/// Pipe one message to `command` (`mail.sendmail`, split at spaces, no shell); an
/// error carries the command's stderr.
pub fn sendmail(command: &str, message: &[u8]) -> anyhow::Result<()> {
    let mut words = command.split_whitespace();
    let Some(program) = words.next() else {
        bail!("mail.sendmail in mim.yaml is empty: give a command that reads a message on stdin");
    };
    let mut child = Command::new(program)
        .args(words)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running mail.sendmail `{command}`"))?;
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(message))
        .transpose();
    let out = child
        .wait_with_output()
        .with_context(|| format!("running mail.sendmail `{command}`"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if !out.status.success() {
        let status = match out.status.code() {
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".to_string(),
        };
        if stderr.is_empty() {
            bail!("mail.sendmail `{command}` failed ({status})");
        }
        bail!("mail.sendmail `{command}` failed ({status}): {stderr}");
    }
    if let Err(e) = written {
        bail!("mail.sendmail `{command}` did not read the whole message: {e}");
    }
    Ok(())
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
        assert_eq!(message_id(raw).as_deref(), Some("x.1@msp.example"));
        assert_eq!(message_id(b"From: a@b\r\n\r\nMessage-ID: <y@z>\r\n"), None);
    }

    #[test]
    fn a_failing_command_reports_its_stderr() {
        assert!(sendmail("cat", b"x").is_ok());
        let err = sendmail("false", b"x").unwrap_err().to_string();
        assert!(err.contains("exit status 1"), "{err}");
        let err = sendmail("", b"x").unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
    }
}
