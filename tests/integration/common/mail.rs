//! E-mails in a test repository: the outbox, parsed with a real MIME parser, and a
//! sendmail stand-in that records what it is given.

use std::collections::BTreeMap;

use mail_parser::{Message, MessageParser};

use super::TestRepo;

pub fn outbox(repo: &TestRepo, id: &str) -> BTreeMap<String, Vec<u8>> {
    let dir = repo.path(&format!("incidents/{id}/outbox"));
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("outbox exists") {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") {
            out.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

pub fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::default().parse(raw).expect("a MIME message")
}

pub fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    list.map(|a| {
        a.iter()
            .filter_map(|m| m.address())
            .map(String::from)
            .collect()
    })
    .unwrap_or_default()
}

/// Replace the sendmail command in mim.yaml (and commit the change).
pub fn use_sendmail(repo: &TestRepo, command: &str) {
    let config = repo
        .read("mim.yaml")
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("sendmail:") {
                format!("  sendmail: \"{command}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    repo.config(&(config + "\n"));
}

/// An executable shell script outside the repository.
pub fn script(repo: &TestRepo, name: &str, body: &str) -> String {
    let path = repo.home.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path.display().to_string()
}

/// A sendmail stand-in that appends each message, then a separator, to `sent.mbox`.
pub fn recording_sendmail(repo: &TestRepo) -> std::path::PathBuf {
    let log = repo.home.join("sent.mbox");
    let cmd = script(
        repo,
        "sendmail-ok",
        &format!("cat >> '{0}'; echo '=====END=====' >> '{0}'", log.display()),
    );
    use_sendmail(repo, &cmd);
    log
}

pub fn delivered(log: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.split("=====END=====\n")
        .filter(|m| !m.trim().is_empty())
        .filter_map(|m| {
            m.lines()
                .find(|l| l.starts_with("Message-ID:"))
                .map(String::from)
        })
        .collect()
}

/// `(display name, address)` of every mailbox in an address header.
pub fn mailboxes(list: Option<&mail_parser::Address<'_>>) -> Vec<(Option<String>, String)> {
    list.map(|a| {
        a.iter()
            .map(|m| {
                (
                    m.name().map(String::from),
                    m.address().unwrap_or_default().to_string(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The Message-IDs a message's `References` header names, oldest first.
pub fn references(msg: &Message<'_>) -> Vec<String> {
    match msg.references().as_text_list() {
        Some(list) => list.iter().map(|r| r.to_string()).collect(),
        None => msg
            .references()
            .as_text()
            .map(String::from)
            .into_iter()
            .collect(),
    }
}

/// The `X-Mim-Audience` header.
pub fn audience(msg: &Message<'_>) -> String {
    msg.header("X-Mim-Audience")
        .and_then(|v| v.as_text())
        .unwrap_or_default()
        .to_string()
}

/// Everything a reader can see: the subject, the text part and the HTML part.
pub fn readable(msg: &Message<'_>) -> String {
    format!(
        "{}\n{}\n{}",
        msg.subject().unwrap_or_default(),
        msg.body_text(0).unwrap_or_default(),
        msg.body_html(0).unwrap_or_default()
    )
}
