//! `mim send`: hand an incident's unsent e-mails to `mail.sendmail`, once each.
//!
//! Order of operations: the messages are recorded (and committed) before anything is
//! sent; each one that sendmail accepts is written to `outbox/sent.log` at once, and the
//! log is committed at the end. A failure stops the run and leaves the rest unsent.
//! The log is written in one transaction that a killed mim's successor completes rather
//! than rolls back: a message handed to sendmail has been sent, and must not be sent again.

use anyhow::Context as _;

use crate::cli::SendArgs;
use crate::commands::Ctx;
use crate::comms::outbox::{self, OUTBOX_DIR, SENT_LOG};
use crate::model::Incident;
use crate::safe_fs;
use crate::store::Change;
use crate::txn::journal::Policy;

pub fn run(ctx: &Ctx, args: &SendArgs) -> anyhow::Result<()> {
    let incident = ctx.load(args.id.as_deref())?;
    let all = outbox::messages(&incident.dir)?;
    let log = outbox::read_log(&incident.dir)?;
    let sent = outbox::sent(&log);
    let unsent: Vec<String> = all.into_iter().filter(|m| !sent.contains(m)).collect();
    if args.dry_run {
        if ctx.json {
            return ctx.print_json(&serde_json::json!({ "unsent": unsent }));
        }
        for name in &unsent {
            println!("{OUTBOX_DIR}/{name}");
        }
        eprintln!("{}: {} unsent", incident.id, unsent.len());
        return Ok(());
    }
    if unsent.is_empty() {
        eprintln!(
            "{}: nothing to send; every message in {OUTBOX_DIR}/ was sent",
            incident.id
        );
        return Ok(());
    }
    deliver(ctx, &incident, &unsent)
}

/// Send those of `files` (names in `outbox/`) that `sent.log` does not list yet.
pub fn deliver(ctx: &Ctx, incident: &Incident, files: &[String]) -> anyhow::Result<()> {
    let command = &ctx.repo.config.mail.sendmail;
    let log_path = incident.dir.join(OUTBOX_DIR).join(SENT_LOG);
    let mut log = outbox::read_log(&incident.dir)?;
    let already = outbox::sent(&log);
    let todo: Vec<&String> = files.iter().filter(|f| !already.contains(*f)).collect();
    let by = ctx.actor()?;
    let mut sent = Vec::new();
    let mut failure = None;
    let message = ctx.message(&incident.id, "send", "sent 0 messages")?;
    let mut tx = ctx
        .session()?
        .transaction(Policy::Complete, &ctx.commit(message));
    // Every message is read (never through a symbolic link) before the first is sent,
    // so a message that cannot be read stops the run before anything goes out.
    let mut messages = Vec::new();
    for file in &todo {
        let path = incident.dir.join(OUTBOX_DIR).join(file);
        let shown = ctx.repo.relative(&path).to_path_buf();
        let bytes = safe_fs::read(&ctx.repo.root, &path)
            .with_context(|| format!("reading {}; nothing was sent", shown.display()))?;
        messages.push((*file, bytes));
    }
    for (file, bytes) in &messages {
        match outbox::sendmail(command, bytes) {
            Ok(()) => {
                // Marked at once, so a later failure cannot lead to sending it twice.
                log = outbox::append(&log, &[outbox::log_line(file, &ctx.now, &by)]);
                sent.push((*file).clone());
                tx.set_subject(format!(
                    "{}: sent {}",
                    incident.id,
                    plural(sent.len(), "message")
                ));
                let mut change = Change::new();
                change.put(&log_path, log.as_bytes().to_vec());
                tx.write(&change)?;
                eprintln!("sent {OUTBOX_DIR}/{file}");
            }
            Err(e) => {
                failure = Some(e.context(format!("sending {OUTBOX_DIR}/{file}")));
                break;
            }
        }
    }
    if let Err(e) = tx.finish() {
        eprintln!("warning: {} is written but not committed: {e:#}", SENT_LOG);
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
                ctx.repo.relative(&incident.dir).display(),
                incident.id
            )))
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
