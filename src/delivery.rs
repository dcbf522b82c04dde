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

/// The commit subject of a send, with what was sent: `sent 4 messages (update 2)`,
/// `sent 1 message (restoral notice); 1 uncertain`, `sent 0 messages; 1 failed`.
fn summary(id: &str, sent: &[String], uncertain: usize, failed: usize) -> String {
    let mut text = format!(
        "{}: sent {}",
        crate::model::short_ref(id),
        plural(sent.len(), "message")
    );
    let mut what: Vec<String> = Vec::new();
    for stem in sent.iter().filter_map(|f| crate::comms::parse_stem(f)) {
        let kind = match stem.kind {
            crate::comms::Kind::Update(n) => format!("update {n}"),
            crate::comms::Kind::Restoral => "restoral notice".to_string(),
        };
        if !what.contains(&kind) {
            what.push(kind);
        }
    }
    if !what.is_empty() {
        text.push_str(&format!(" ({})", what.join(", ")));
    }
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
    let log = outbox::read_log(&incident.dir)?;
    let state = crate::state::latest(&ctx.repo.config, incident, ctx.now);
    let (todo, held) = waiting(outbox::ledger(files, &log, &state), resend_uncertain);
    list_uncertain(ctx, &incident.id, &held.iter().collect::<Vec<_>>());
    if todo.is_empty() {
        return Ok(());
    }
    let by = ctx.actor()?;
    let messages = read_messages(ctx, incident, &todo)?;
    let message = ctx.message_at(&incident.id, "send", "sent 0 messages", ctx.clock)?;
    let mut tx = ctx
        .session()?
        .transaction(txn::journal::Policy::Complete, &ctx.commit(message));
    let sender = Sender {
        ctx,
        id: &incident.id,
        by: &by,
        log_path: &log_path,
        command,
    };
    let mut progress = Progress {
        log,
        sent: Vec::new(),
        uncertain: 0,
    };
    let mut failure = None;
    for (file, bytes) in &messages {
        if let Err(e) = sender.send(&mut tx, &mut progress, file, bytes) {
            failure = Some(e);
            break;
        }
    }
    if let Err(e) = tx.finish() {
        eprintln!("warning: {SENT_LOG} is written but not committed: {e:#}");
    }
    let Some(e) = failure else {
        eprintln!(
            "{}: {} sent",
            incident.id,
            plural(progress.sent.len(), "message")
        );
        return Ok(());
    };
    Err(stopped(ctx, incident, todo.len(), &progress, e))
}

/// The messages of a ledger still to send, by file name, and the uncertain ones held
/// back (without `resend_uncertain`); sent ones are left out, withdrawn ones too, each
/// said on standard error.
fn waiting(
    ledger: Vec<outbox::Message>,
    resend_uncertain: bool,
) -> (Vec<String>, Vec<outbox::Message>) {
    let mut todo = Vec::new();
    let mut held = Vec::new();
    for m in ledger {
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
    (todo, held)
}

/// Every message of `todo` read (never through a symbolic link) before the first is
/// sent, so a message that cannot be read stops the run before anything goes out.
fn read_messages<'t>(
    ctx: &Ctx,
    incident: &Incident,
    todo: &'t [String],
) -> anyhow::Result<Vec<(&'t String, Vec<u8>)>> {
    let mut messages = Vec::new();
    for file in todo {
        let path = incident.dir.join(OUTBOX_DIR).join(file);
        let shown = ctx.repo.relative(&path).to_path_buf();
        let bytes = crate::safe_fs::read(&ctx.repo.root, &path)
            .with_context(|| format!("reading {}; nothing was sent", shown.display()))?;
        messages.push((file, bytes));
    }
    Ok(messages)
}

/// What stays the same through one send: the incident, who sends, where `sent.log` is
/// and the `mail.sendmail` command.
struct Sender<'a> {
    ctx: &'a Ctx,
    id: &'a str,
    by: &'a str,
    log_path: &'a Path,
    command: &'a str,
}

/// A send so far: `sent.log` as written, the messages sent and how many are uncertain.
struct Progress {
    log: String,
    sent: Vec<String>,
    uncertain: usize,
}

impl Sender<'_> {
    /// Send `file` (its `bytes`): the intent in `sent.log`, sendmail, then the outcome.
    /// An error stops the send: the message failed or is uncertain (counted in `p`).
    fn send(
        &self,
        tx: &mut txn::Transaction<'_>,
        p: &mut Progress,
        file: &str,
        bytes: &[u8],
    ) -> Result<(), anyhow::Error> {
        let clock = &self.ctx.clock;
        // The intent first: from here on, the message is never unsent again.
        p.log = outbox::append(&p.log, &[outbox::sending_line(file, clock, self.by)]);
        tx.set_subject(summary(self.id, &p.sent, 1, 0));
        if let Err(e) = write_log(tx, self.log_path, &p.log) {
            p.uncertain += 1;
            return Err(e.context(format!(
                "recording that {OUTBOX_DIR}/{file} is about to be sent; it was not handed to sendmail"
            )));
        }
        fault("before-sendmail");
        match outbox::sendmail(self.command, bytes) {
            Handed::Sent => self.record_sent(tx, p, file),
            Handed::Refused(e) => {
                p.log = outbox::append(&p.log, &[outbox::failed_line(file, clock, self.by)]);
                tx.set_subject(summary(self.id, &p.sent, 0, 1));
                if write_log(tx, self.log_path, &p.log).is_err() {
                    p.uncertain += 1;
                }
                Err(e.context(format!("sending {OUTBOX_DIR}/{file}")))
            }
            Handed::Unknown(e) => {
                p.uncertain += 1;
                Err(e.context(format!(
                    "sending {OUTBOX_DIR}/{file}: it may or may not have gone out, so {SENT_LOG} marks it uncertain \
                     and mim does not send it again by itself"
                )))
            }
        }
    }

    /// Sendmail took `file`: its sent line in `sent.log`; an error leaves it uncertain.
    fn record_sent(
        &self,
        tx: &mut txn::Transaction<'_>,
        p: &mut Progress,
        file: &str,
    ) -> Result<(), anyhow::Error> {
        fault("after-sendmail");
        p.sent.push(file.to_string());
        p.log = outbox::append(&p.log, &[outbox::log_line(file, &self.ctx.clock, self.by)]);
        tx.set_subject(summary(self.id, &p.sent, 0, 0));
        if let Err(e) = write_log(tx, self.log_path, &p.log) {
            p.uncertain += 1;
            return Err(e.context(format!(
                "{OUTBOX_DIR}/{file} was sent, but recording it failed, so {SENT_LOG} shows it as uncertain"
            )));
        }
        eprintln!("sent {OUTBOX_DIR}/{}", crate::text::for_terminal(file));
        Ok(())
    }
}

/// The error of a send that stopped at `e`: how many of `todo` messages were sent, are
/// uncertain and still unsent, and what to do next.
fn stopped(
    ctx: &Ctx,
    incident: &Incident,
    todo: usize,
    progress: &Progress,
    e: anyhow::Error,
) -> anyhow::Error {
    let (sent, uncertain) = (progress.sent.len(), progress.uncertain);
    let left = todo - sent - uncertain;
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
    e.context(format!(
        "{} sent, {}{} still unsent in {}; {next}",
        sent,
        if uncertain > 0 {
            format!("{uncertain} uncertain, ")
        } else {
            String::new()
        },
        left,
        dir.display(),
    ))
}

/// Write `sent.log` as `log` in the send's transaction (journaled, then written).
fn write_log(tx: &mut txn::Transaction<'_>, path: &Path, log: &str) -> anyhow::Result<()> {
    let mut change = Change::new();
    change.put(path.to_path_buf(), log.as_bytes().to_vec());
    tx.write(&change)
}
