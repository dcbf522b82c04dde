//! `outbox/`: every e-mail as rendered (`<stem>.eml`), and `sent.log`, the append-only
//! record of which of them were handed to sendmail. A message not in `sent.log` is
//! unsent. `sent.log` merges with git's union driver, so two clones never conflict.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

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
pub fn thread_root(incident_dir: &Path) -> anyhow::Result<Option<String>> {
    let first = messages(incident_dir)?
        .into_iter()
        .min_by_key(|name| super::thread_order(name));
    let Some(first) = first else {
        return Ok(None);
    };
    let path = incident_dir.join(OUTBOX_DIR).join(first);
    let bytes = crate::safe_fs::read(incident_dir, &path)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(message_id(&bytes))
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
