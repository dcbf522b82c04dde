//! `outbox/`: every e-mail as rendered (`<stem>.eml`), and `sent.log`, the append-only
//! record of which of them were handed to sendmail. A message not in `sent.log` is
//! unsent. `sent.log` merges with git's union driver, so two clones never conflict.

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

use crate::diag::Diagnostic;
use crate::model::{Audience, Event, Incident};
use crate::time::{self, Timestamp};

pub const OUTBOX_DIR: &str = "outbox";
pub const SENT_LOG: &str = "sent.log";

/// The first lines of every `sent.log`.
pub const SENT_HEADER: &str = "# Messages handed to mail.sendmail, written by mim: one per line, append only.\n\
# <file> <time sent> <by>; a message in outbox/ that is not listed here is unsent.\n";

/// The `.eml` file names in an incident's `outbox/`, in name (= time) order.
pub fn messages(incident_dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = incident_dir.join(OUTBOX_DIR);
    let read = match std::fs::read_dir(&dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut names = Vec::new();
    for entry in read {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// The text of `sent.log` (empty when there is none yet).
pub fn read_log(incident_dir: &Path) -> anyhow::Result<String> {
    let path = incident_dir.join(OUTBOX_DIR).join(SENT_LOG);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The file names `sent.log` lists as sent.
pub fn sent(log: &str) -> BTreeSet<String> {
    log.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect()
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

/// The Message-ID (without angle brackets) of the incident's first message, if any:
/// every later message answers it so that all mail about one incident threads together.
/// The first message is named after the timeline's first update or restoral notice, so
/// it is looked up directly; only when it is not there is `outbox/` listed.
pub fn thread_root(incident: &Incident) -> anyhow::Result<Option<String>> {
    let outbox = incident.dir.join(OUTBOX_DIR);
    let first = match first_recorded(incident).filter(|name| outbox.join(name).is_file()) {
        Some(name) => Some(name),
        None => messages(&incident.dir)?
            .into_iter()
            .min_by_key(|name| super::thread_order(name)),
    };
    let Some(first) = first else {
        return Ok(None);
    };
    let path = outbox.join(first);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(message_id(&bytes))
}

/// The name of the first message the timeline records, in [`super::thread_order`]:
/// the earliest update (or restoral notice, to whichever audience ranks first).
fn first_recorded(incident: &Incident) -> Option<String> {
    let mut names = Vec::new();
    for e in &incident.entries {
        match &e.event {
            Event::Update {
                number, audience, ..
            } => {
                // An old `all` update: its messages' names are not known here.
                let audience = Audience::parse(audience)?;
                names.push(super::stem(&e.at, super::Kind::Update(*number), audience));
            }
            Event::Resolve { .. } => names.extend(
                Audience::ALL
                    .iter()
                    .map(|&a| super::stem(&e.at, super::Kind::Restoral, a)),
            ),
            _ => {}
        }
    }
    let first = names.into_iter().min_by_key(|s| super::thread_order(s))?;
    Some(format!("{first}.eml"))
}

/// The `Message-ID` header of a message, without angle brackets.
pub fn message_id(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("Message-ID").then(|| {
                value
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
        .filter(|id| !id.is_empty())
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
            Event::Resolve { .. } => Some((super::compact(&e.at), "resolved".into(), "*")),
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
            None => "not a message mim wrote: outbox/ holds <time>-u<N>-<audience>.eml and <time>-resolved-<audience>.eml".to_string(),
            Some((at, tag, audience)) => {
                if recorded(at, tag, audience) {
                    if deep {
                        out.extend(super::eml::problems(
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
