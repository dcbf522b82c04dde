//! Commits set aside: a commit of this clone that could not stand on the remote's
//! history (a status change after another that reached the remote first, or a change
//! to a file the remote changed too) is never dropped and never reaches the shared
//! branch. It is kept under `refs/mim/conflicts/<incident>/<commit>` by a small commit
//! whose parent it is, whose message says who recorded what, why it could not stand,
//! and the command that would record it again; that ref is pushed with the branch, so
//! the whole team sees it. Once someone has decided (recorded it again, or not),
//! `mim sync --settle` adds `refs/mim/settled/<incident>/<commit>` beside it, with who
//! settled it and why; `mim check` reports each one not settled as an error.

use std::path::Path;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::model::{Entry, Event};
use crate::time::{self, Timestamp};

use super::gitx::{self, CommitInfo};

pub const CONFLICTS: &str = "refs/mim/conflicts/";
pub const SETTLED: &str = "refs/mim/settled/";

/// A commit set aside, as its ref records it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetAside {
    pub incident: String,
    /// The commit set aside.
    pub commit: String,
    #[serde(rename = "ref")]
    pub reference: String,
    /// What it recorded: its commit subject.
    pub subject: String,
    /// Who recorded it (the actor), and when it happened (the author date).
    pub by: String,
    #[serde(with = "time::rfc3339::option")]
    pub at: Option<Timestamp>,
    /// Why it could not stand.
    pub reason: String,
    /// The command that records it again, when there is one.
    pub reapply: Option<String>,
    /// Who settled it and how, once settled.
    pub settled: Option<String>,
}

impl SetAside {
    /// The short name `mim sync --settle` takes.
    pub fn short(&self) -> &str {
        crate::audit::short(&self.commit)
    }

    /// One paragraph: what, by whom, why, and what to do.
    pub fn describe(&self, tz: chrono_tz::Tz) -> String {
        let when = self
            .at
            .map(|t| time::display(&t, tz))
            .unwrap_or_else(|| "an unknown time".into());
        let mut out = format!(
            "`{}` by {} at {when} was set aside (commit {}, kept on {}): {}.",
            self.subject,
            self.by,
            self.short(),
            self.reference,
            self.reason
        );
        match &self.settled {
            Some(how) => out.push_str(&format!(" Settled: {how}.")),
            None => {
                match &self.reapply {
                    Some(cmd) => out.push_str(&format!(" To record it again: `{cmd}`;")),
                    None => out.push_str(&format!(
                        " To record it again, redo it with mim (`git show {}` shows it);",
                        self.short()
                    )),
                }
                out.push_str(&format!(
                    " then, or if it should not stand, `mim sync --settle {}`",
                    self.short()
                ));
            }
        }
        out
    }
}

/// Keep `commit` (of `incident`) under its conflict ref, saying `reason`; the ref is
/// made once (a second set-aside of the same commit keeps the first).
pub(super) fn set_aside(
    root: &Path,
    info: &CommitInfo,
    incident: &str,
    reason: &str,
    reapply: Option<&str>,
) -> anyhow::Result<String> {
    let name = format!("{CONFLICTS}{incident}/{}", info.commit);
    if gitx::commit_of(root, &name).is_some() {
        return Ok(name);
    }
    let tree = gitx::tree_of(root, &info.commit)?;
    let mut message = format!(
        "{}\n\n{}\n\nSet-aside: {}\nIncident: {incident}\nActor: {}\n",
        crate::text::clip(
            &format!(
                "{}: set aside: {}",
                crate::model::short_ref(incident),
                info.subject
            ),
            crate::git::SUBJECT_MAX
        ),
        crate::text::clip(reason, 600),
        info.commit,
        crate::text::clip(&info.actor(), 200),
    );
    if let Some(cmd) = reapply {
        message.push_str(&format!("Reapply: {}\n", crate::text::clip(cmd, 1000)));
    }
    let wrapper = gitx::commit_tree(root, &tree, &[&info.commit], &message, None)?;
    gitx::update_ref(root, &name, &wrapper, None, "mim: set aside")?;
    Ok(name)
}

/// Every commit set aside, settled or not, oldest first.
pub fn list(root: &Path) -> anyhow::Result<Vec<SetAside>> {
    let settled: Vec<(String, String)> = gitx::refs(root, &[SETTLED])?;
    let mut out = Vec::new();
    for (name, _) in gitx::refs(root, &[CONFLICTS])? {
        let Some(rest) = name.strip_prefix(CONFLICTS) else {
            continue;
        };
        let Some((incident, commit)) = rest.rsplit_once('/') else {
            continue;
        };
        let Ok(wrapper) = gitx::info(root, &name) else {
            continue;
        };
        let Ok(original) = gitx::info(root, commit) else {
            continue;
        };
        let settled_ref = format!("{SETTLED}{incident}/{commit}");
        let settled = settled
            .iter()
            .find(|(n, _)| *n == settled_ref)
            .and_then(|(n, _)| gitx::info(root, n).ok())
            .map(|s| {
                let why = s
                    .message
                    .lines()
                    .skip(2)
                    .take_while(|l| !l.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let when = s.date.map(|d| time::format(&d)).unwrap_or_default();
                if why.is_empty() {
                    format!("by {} at {when}", s.actor())
                } else {
                    format!("by {} at {when}: {why}", s.actor())
                }
            });
        let reason = wrapper
            .message
            .lines()
            .skip(2)
            .take_while(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        out.push(SetAside {
            incident: incident.to_string(),
            commit: commit.to_string(),
            reference: name.clone(),
            subject: original.subject.clone(),
            by: original.actor(),
            at: original.date,
            reason,
            reapply: wrapper.trailer("Reapply"),
            settled,
        });
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.commit.cmp(&b.commit)));
    Ok(out)
}

/// Those not settled yet.
pub fn open(root: &Path) -> Vec<SetAside> {
    list(root)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.settled.is_none())
        .collect()
}

/// Settle the set-aside `which` (a commit's hash or its unique start): who decided,
/// and `note`. The settled one.
pub fn settle(
    root: &Path,
    which: &str,
    actor: &str,
    note: Option<&str>,
) -> anyhow::Result<SetAside> {
    let all = list(root)?;
    let which = which.trim();
    let found: Vec<&SetAside> = all
        .iter()
        .filter(|c| which.len() >= 4 && c.commit.starts_with(&which.to_lowercase()))
        .collect();
    let c = match found.as_slice() {
        [one] => *one,
        [] => {
            let open: Vec<&str> = all
                .iter()
                .filter(|c| c.settled.is_none())
                .map(|c| c.short())
                .collect();
            bail!(
                "no commit set aside is `{}` (at least 4 characters of its hash); set aside and not settled: {}",
                which.escape_debug(),
                if open.is_empty() {
                    "none".to_string()
                } else {
                    open.join(", ")
                }
            )
        }
        _ => bail!("`{which}` names several commits set aside: give more of the hash"),
    };
    if c.settled.is_some() {
        bail!(
            "{} is settled already ({})",
            c.short(),
            c.settled.as_deref().unwrap_or_default()
        );
    }
    let wrapper = gitx::commit_of(root, &c.reference).context("the conflict ref went away")?;
    let tree = gitx::tree_of(root, &wrapper)?;
    let mut message = format!(
        "{}\n\n",
        crate::text::clip(
            &format!(
                "{}: settled: {}",
                crate::model::short_ref(&c.incident),
                c.subject
            ),
            crate::git::SUBJECT_MAX
        )
    );
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        message.push_str(&crate::text::clip(note, 600));
        message.push_str("\n\n");
    }
    message.push_str(&format!(
        "Settles: {}\nIncident: {}\nActor: {}\n",
        c.commit,
        c.incident,
        crate::text::clip(actor, 200)
    ));
    let settled = gitx::commit_tree(root, &tree, &[&wrapper], &message, None)?;
    let name = format!("{SETTLED}{}/{}", c.incident, c.commit);
    gitx::update_ref(root, &name, &settled, None, "mim: settled")?;
    let mut out = c.clone();
    out.settled = Some(format!("by {actor}"));
    Ok(out)
}

/// Shell quoting for a command a person copies: single quotes unless plain.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/+@".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The mim command that records `entry` of incident `id` again (now, by whoever runs
/// it), for the events a person decides on; `None` for the others.
pub fn reapply(id: &str, entry: &Entry) -> Option<String> {
    let q = quote;
    let mut cmd = match &entry.event {
        Event::Accept { manager, .. } => format!("mim accept {id} --manager {}", q(manager)),
        Event::Reject {
            reason,
            duplicate_of,
            ..
        } => match duplicate_of {
            Some(other) => format!("mim reject {id} --duplicate-of {}", q(other)),
            None => format!("mim reject {id} --reason {}", q(reason)),
        },
        Event::Hold { reason, .. } => format!("mim hold {id} --reason {}", q(reason)),
        Event::Resume { .. } => format!("mim resume {id}"),
        Event::Reopen { reason, .. } => format!("mim reopen {id} --reason {}", q(reason)),
        Event::Resolve { .. } => resolve_command(id, &entry.event),
        Event::Close { csat, forced, .. } => {
            let mut c = format!("mim close {id}");
            if let Some(n) = csat {
                c.push_str(&format!(" --csat {n}"));
            }
            if let Some(reason) = forced {
                c.push_str(&format!(" --force --reason {}", q(reason)));
            }
            c
        }
        Event::Note {
            text,
            time,
            activity,
        } => {
            let mut c = format!("mim note {id} {}", q(text));
            if let Some(t) = time {
                c.push_str(&format!(" --time {t}"));
            }
            if let Some(a) = activity {
                c.push_str(&format!(" --activity {}", q(a)));
            }
            c
        }
        Event::Milestone { kind, text, .. } => {
            let mut c = format!("mim milestone {id} --kind {kind}");
            if let Some(t) = text {
                c.push_str(&format!(" -m {}", q(t)));
            }
            c
        }
        Event::Escalate { .. } => escalate_command(id, &entry.event),
        _ => return None,
    };
    cmd.push_str(&format!(" --by {}", q(&entry.by)));
    Some(cmd)
}

/// `mim resolve ID -m … --closure …` with the flags `event` (a resolve) was recorded with.
fn resolve_command(id: &str, event: &Event) -> String {
    let Event::Resolve {
        summary,
        closure,
        workaround,
        problem,
        verification,
        client_message,
        ..
    } = event
    else {
        return String::new();
    };
    let q = quote;
    let mut c = format!(
        "mim resolve {id} -m {} --closure {}",
        q(summary),
        q(closure)
    );
    if *workaround {
        c.push_str(" --workaround");
    }
    if let Some(p) = problem {
        c.push_str(&format!(" --problem {}", q(p)));
    }
    match verification {
        Some(crate::model::Verification::VerifiedByClient) => c.push_str(" --verified-by-client"),
        Some(crate::model::Verification::Attempted) => c.push_str(" --verification-attempted"),
        None => {}
    }
    if let Some(m) = client_message {
        c.push_str(&format!(" --client-message {}", q(m)));
    }
    c
}

/// `mim escalate ID --kind … --to …` with the flags `event` (an escalation) was recorded with.
fn escalate_command(id: &str, event: &Event) -> String {
    let Event::Escalate {
        kind,
        to,
        reason,
        reference,
        level,
    } = event
    else {
        return String::new();
    };
    let q = quote;
    let mut c = format!(
        "mim escalate {id} --kind {} --to {}",
        crate::model::escalation::kind_name(*kind),
        q(to)
    );
    if let Some(r) = reason {
        c.push_str(&format!(" --reason {}", q(r)));
    }
    if let Some(r) = reference {
        c.push_str(&format!(" --ref {}", q(r)));
    }
    if let Some(l) = level {
        c.push_str(&format!(" --level {}", q(l)));
    }
    c
}

/// `mim check`'s findings: each commit set aside and not settled, an error on its
/// incident's timeline.
pub fn findings(root: &Path, tz: chrono_tz::Tz) -> Vec<crate::ci::Finding> {
    if !crate::git::in_work_tree(root) {
        return Vec::new();
    }
    open(root)
        .into_iter()
        .map(|c| crate::ci::Finding {
            incident: Some(c.incident.clone()),
            rule: crate::sla::Rule::Conflict,
            level: crate::sla::Level::Error,
            message: c.describe(tz),
            file: crate::repo::found_incident_path(root, &c.incident)
                .join(crate::model::TIMELINE_FILE)
                .to_string_lossy()
                .replace('\\', "/"),
            line: None,
            due: None,
            actual: c.at,
            overdue_by_s: None,
            name: Some(c.short().to_string()),
            client: None,
            excerpt: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(event: Event) -> Entry {
        Entry {
            at: chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap(),
            by: "Bob O'Neil".into(),
            event,
        }
    }

    #[test]
    fn the_command_that_records_it_again_is_quoted_for_a_shell() {
        let hold = entry(Event::Hold {
            from: crate::lifecycle::Status::Accepted,
            reason: "waiting on the client's DBA".into(),
        });
        assert_eq!(
            reapply("2026-11-24-x", &hold).unwrap(),
            "mim hold 2026-11-24-x --reason 'waiting on the client'\\''s DBA' --by 'Bob O'\\''Neil'"
        );
        let resume = entry(Event::Resume {
            from: crate::lifecycle::Status::OnHold,
        });
        assert_eq!(
            reapply("i", &resume).unwrap(),
            "mim resume i --by 'Bob O'\\''Neil'"
        );
    }
}
