//! `outbox/`: every e-mail as rendered (`<stem>.eml`), and `sent.log`, the append-only
//! record of which of them were handed to sendmail or withdrawn (never to be sent). A
//! message not in `sent.log` is unsent. `sent.log` merges with git's union driver, so two
//! clones never conflict. The [`ledger`] puts the messages in the order they were
//! recorded and says where each stands; [`threads`] gives new messages their thread.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

use super::{Audience, Kind, Threads, compact, parse_stem};
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
    let mut out: Vec<Message> = names
        .iter()
        .map(|file| {
            let parsed = parse_stem(file);
            let (entry, undone) = match parsed {
                Some((at, Kind::Update(n), audience)) => (
                    state
                        .updates_to(audience)
                        .find(|u| u.number == n && compact(&u.at) == compact(&at))
                        .map(|u| u.entry),
                    false,
                ),
                Some((at, Kind::Restoral, _)) => state
                    .resolutions
                    .iter()
                    .find(|r| compact(&r.at) == compact(&at))
                    .map_or((None, false), |r| (Some(r.entry), r.reopened_at.is_some())),
                None => (None, false),
            };
            let is_sent = sent.contains(file);
            Message {
                file: file.clone(),
                at: parsed.map(|(at, _, _)| at),
                kind: parsed.map(|(_, kind, _)| kind),
                audience: parsed.map(|(_, _, a)| a),
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

/// The threads new messages join: every message of `ledger` that is not withdrawn, with
/// its Message-ID, audience and client as its headers give them (a message without
/// `X-Mim-Client` is about `client`, the incident's).
pub fn threads(
    incident_dir: &Path,
    ledger: &[Message],
    client: Option<&str>,
) -> anyhow::Result<Threads> {
    let mut threads = Threads::default();
    for m in ledger.iter().filter(|m| !m.withdrawn) {
        let path = incident_dir.join(OUTBOX_DIR).join(&m.file);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let Some(id) = message_id(&bytes) else {
            continue;
        };
        let audience = header(&bytes, "X-Mim-Audience")
            .and_then(|a| Audience::parse(&a))
            .or(m.audience);
        let Some(audience) = audience else { continue };
        let about = header(&bytes, "X-Mim-Client").or(client.map(String::from));
        threads.push(audience, about, id);
    }
    Ok(threads)
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
