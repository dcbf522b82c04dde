//! Delivery: handing an incident's unsent messages in `outbox/` to `mail.sendmail`, at
//! most once each, with `outbox/sent.log` recording the intent before sendmail starts and
//! the outcome once it has answered (see [`deliver`]). `mim send` is its front door;
//! `update --send`, `resolve --send` and `affect --send` deliver through here too.

use std::path::Path;

use anyhow::Context as _;

use crate::comms::outbox::{self, Handed, OUTBOX_DIR, SENT_LOG};
use crate::context::Ctx;
use crate::model::Incident;
use crate::store::Change;
use crate::text::plural;
use crate::txn::{self, fault};

/// Say which messages are uncertain and what to do about them (on standard error).
pub fn list_uncertain(ctx: &Ctx, id: &str, uncertain: &[&outbox::Message]) {
    if uncertain.is_empty() {
        return;
    }
    let tz = ctx.repo.config.tz();
    for m in uncertain {
        let when = m
            .attempted
            .map(|at| format!(" at {}", crate::time::display(&at, tz)))
            .unwrap_or_default();
        eprintln!(
            "uncertain: {OUTBOX_DIR}/{}: mim was interrupted while sendmail had it{when}, so it may or may not have gone out",
            crate::text::for_terminal(&m.file)
        );
    }
    eprintln!(
        "{id}: {} not sent again: check the mail server's log (or ask a recipient); if it did not \
         arrive, send it again with `mim send {id} --resend-uncertain`",
        plural(uncertain.len(), "uncertain message")
    );
}

/// The commit subject of a send: `sent 2 messages`, `sent 1 message; 1 uncertain`,
/// `sent 0 messages; 1 failed`.
fn summary(id: &str, sent: usize, uncertain: usize, failed: usize) -> String {
    let mut text = format!("{id}: sent {}", plural(sent, "message"));
    if uncertain > 0 {
        text.push_str(&format!("; {uncertain} uncertain"));
    }
    if failed > 0 {
        text.push_str(&format!("; {failed} failed"));
    }
    text
}

/// Send those of `files` (names in the incident's `outbox/`) that are waiting, through
/// `mail.sendmail`, at most once each: sent and withdrawn ones never, uncertain ones only
/// with `resend_uncertain`.
///
/// Before a message is handed to sendmail, `sent.log` records the intent (a `sending`
/// line, journaled and synced to disk); once sendmail has answered, the outcome (the
/// message's sent line, or `failed`). The log is written in one transaction that a
/// killed mim's successor completes rather than rolls back. So wherever mim is killed, a
/// message is unsent (never handed over), sent, failed, or uncertain (handed over, the
/// outcome not recorded), and nothing sends an uncertain one again by itself. Sending
/// happens now: `sent.log` and its commit carry the real time (`clock`), never `--at`.
/// `mim update --send` and `mim resolve --send` send through here too.
pub fn deliver(
    ctx: &Ctx,
    incident: &Incident,
    files: &[String],
    resend_uncertain: bool,
) -> anyhow::Result<()> {
    // Mail waits until the team has the commit (`git.sync: auto`).
    ctx.before_mail(&incident.id)?;
    let command = &ctx.repo.config.mail.sendmail;
    let log_path = incident.dir.join(OUTBOX_DIR).join(SENT_LOG);
    let mut log = outbox::read_log(&incident.dir)?;
    let state = crate::state::latest(&ctx.repo.config, incident, ctx.now);
    let mut todo = Vec::new();
    let mut held = Vec::new();
    for m in outbox::ledger(files, &log, &state) {
        if m.sent {
            continue;
        }
        if m.withdrawn {
            // A withdrawn message (a restoral notice a reopen made untrue) is never sent.
            eprintln!(
                "not sending {OUTBOX_DIR}/{}: it was withdrawn",
                crate::text::for_terminal(&m.file)
            );
        } else if m.uncertain && !resend_uncertain {
            held.push(m);
        } else {
            todo.push(m.file);
        }
    }
    list_uncertain(ctx, &incident.id, &held.iter().collect::<Vec<_>>());
    if todo.is_empty() {
        return Ok(());
    }
    let by = ctx.actor()?;
    // Every message is read (never through a symbolic link) before the first is sent,
    // so a message that cannot be read stops the run before anything goes out.
    let mut messages = Vec::new();
    for file in &todo {
        let path = incident.dir.join(OUTBOX_DIR).join(file);
        let shown = ctx.repo.relative(&path).to_path_buf();
        let bytes = crate::safe_fs::read(&ctx.repo.root, &path)
            .with_context(|| format!("reading {}; nothing was sent", shown.display()))?;
        messages.push((file, bytes));
    }
    let message = ctx.message_at(&incident.id, "send", "sent 0 messages", ctx.clock)?;
    let mut tx = ctx
        .session()?
        .transaction(txn::journal::Policy::Complete, &ctx.commit(message));
    let mut sent = Vec::new();
    let mut uncertain = 0;
    let mut failure = None;
    for (file, bytes) in &messages {
        // The intent first: from here on, the message is never unsent again.
        log = outbox::append(&log, &[outbox::sending_line(file, &ctx.clock, &by)]);
        tx.set_subject(summary(&incident.id, sent.len(), 1, 0));
        if let Err(e) = write_log(&mut tx, &log_path, &log) {
            uncertain += 1;
            failure = Some(e.context(format!(
                "recording that {OUTBOX_DIR}/{file} is about to be sent; it was not handed to sendmail"
            )));
            break;
        }
        fault("before-sendmail");
        match outbox::sendmail(command, bytes) {
            Handed::Sent => {
                fault("after-sendmail");
                sent.push((*file).clone());
                log = outbox::append(&log, &[outbox::log_line(file, &ctx.clock, &by)]);
                tx.set_subject(summary(&incident.id, sent.len(), 0, 0));
                if let Err(e) = write_log(&mut tx, &log_path, &log) {
                    uncertain += 1;
                    failure = Some(e.context(format!(
                        "{OUTBOX_DIR}/{file} was sent, but recording it failed, so {SENT_LOG} shows it as uncertain"
                    )));
                    break;
                }
                eprintln!("sent {OUTBOX_DIR}/{}", crate::text::for_terminal(file));
            }
            Handed::Refused(e) => {
                log = outbox::append(&log, &[outbox::failed_line(file, &ctx.clock, &by)]);
                tx.set_subject(summary(&incident.id, sent.len(), 0, 1));
                if write_log(&mut tx, &log_path, &log).is_err() {
                    uncertain += 1;
                }
                failure = Some(e.context(format!("sending {OUTBOX_DIR}/{file}")));
                break;
            }
            Handed::Unknown(e) => {
                uncertain += 1;
                failure = Some(e.context(format!(
                    "sending {OUTBOX_DIR}/{file}: it may or may not have gone out, so {SENT_LOG} marks it uncertain \
                     and mim does not send it again by itself"
                )));
                break;
            }
        }
    }
    if let Err(e) = tx.finish() {
        eprintln!("warning: {SENT_LOG} is written but not committed: {e:#}");
    }
    let Some(e) = failure else {
        eprintln!("{}: {} sent", incident.id, plural(sent.len(), "message"));
        return Ok(());
    };
    let left = todo.len() - sent.len() - uncertain;
    let dir = ctx.repo.relative(&incident.dir).join(OUTBOX_DIR);
    let next = if uncertain > 0 {
        format!(
            "check the mail server's log for the uncertain one, then run `mim send {id}` \
             (with --resend-uncertain if it did not arrive)",
            id = incident.id
        )
    } else {
        format!("fix mail.sendmail and run `mim send {}`", incident.id)
    };
    Err(e.context(format!(
        "{} sent, {}{} still unsent in {}; {next}",
        sent.len(),
        if uncertain > 0 {
            format!("{uncertain} uncertain, ")
        } else {
            String::new()
        },
        left,
        dir.display(),
    )))
}

/// Write `sent.log` as `log` in the send's transaction (journaled, then written).
fn write_log(tx: &mut txn::Transaction<'_>, path: &Path, log: &str) -> anyhow::Result<()> {
    let mut change = Change::new();
    change.put(path.to_path_buf(), log.as_bytes().to_vec());
    tx.write(&change)
}
