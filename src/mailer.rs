//! Handing an incident's recorded e-mails to `mail.sendmail`, once each, for `mim send`,
//! `mim update --send` and `mim resolve --send`.
//!
//! Order of operations: the messages are recorded (and committed) before anything is
//! sent; each one that sendmail accepts is written to `outbox/sent.log` at once, and the
//! log is committed at the end. A failure stops the run and leaves the rest unsent.

use anyhow::Context as _;

use crate::comms::outbox::{self, OUTBOX_DIR, SENT_LOG};
use crate::model::Incident;
use crate::repo::Repo;
use crate::store::{self, Change};
use crate::text::plural;
use crate::time::Timestamp;

/// Send those of `files` (names in `outbox/`) that `sent.log` does not list yet.
pub fn deliver(
    repo: &Repo,
    incident: &Incident,
    files: &[String],
    by: &str,
    now: Timestamp,
    commit: &dyn Fn(&Change, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let command = &repo.config.mail.sendmail;
    let log_path = incident.dir.join(OUTBOX_DIR).join(SENT_LOG);
    let mut log = outbox::read_log(&incident.dir)?;
    let already = outbox::sent(&log);
    // A withdrawn message (a restoral notice a reopen made untrue) is never sent.
    let state = crate::state::latest(&repo.config, incident, now);
    let withdrawn: Vec<String> = outbox::ledger(files, &log, &state)
        .into_iter()
        .filter(|m| m.withdrawn)
        .map(|m| m.file)
        .collect();
    for file in &withdrawn {
        eprintln!("not sending {OUTBOX_DIR}/{file}: it was withdrawn");
    }
    let todo: Vec<&String> = files
        .iter()
        .filter(|f| !already.contains(*f) && !withdrawn.contains(f))
        .collect();
    let mut sent = Vec::new();
    let mut failure = None;
    for file in &todo {
        let path = incident.dir.join(OUTBOX_DIR).join(file);
        let result = std::fs::read(&path)
            .with_context(|| format!("reading {}", path.display()))
            .and_then(|bytes| outbox::sendmail(command, &bytes));
        match result {
            Ok(()) => {
                // Marked at once, so a later failure cannot lead to sending it twice.
                log = outbox::append(&log, &[outbox::log_line(file, &now, by)]);
                store::write_atomic(&log_path, log.as_bytes())?;
                eprintln!("sent {OUTBOX_DIR}/{file}");
                sent.push((*file).clone());
            }
            Err(e) => {
                failure = Some(e.context(format!("sending {OUTBOX_DIR}/{file}")));
                break;
            }
        }
    }
    if !sent.is_empty() {
        let mut change = Change::new();
        change.put(&log_path, log.as_bytes().to_vec());
        let summary = format!("sent {}", plural(sent.len(), "message"));
        if let Err(e) = commit(&change, &summary) {
            eprintln!("warning: {} is written but not committed: {e:#}", SENT_LOG);
        }
    }
    match failure {
        None => {
            eprintln!("{}: {} sent", incident.id, plural(sent.len(), "message"));
            Ok(())
        }
        Some(e) => {
            let left = todo.len() - sent.len();
            Err(e.context(format!(
                "{} sent, {} still unsent in {}/{OUTBOX_DIR}/; fix mail.sendmail and run `mim send {}`",
                sent.len(),
                left,
                repo.relative(&incident.dir).display(),
                incident.id
            )))
        }
    }
}
