//! `mim audit [ID] [--format text|json] [--since REV]`: prove from the git history that
//! every timeline was only appended to (the walk and the rules are in `crate::audit`).

use std::path::PathBuf;

use crate::audit::{self, Audit, Finding, Kind, Level};
use crate::cli::{AuditArgs, AuditFormat};
use crate::commands::Ctx;
use crate::error::Exit;
use crate::error::UsageError;
use crate::git;
use crate::repo::{self, INCIDENTS_DIR};
use crate::text::plural;

pub fn run(ctx: &Ctx, args: &AuditArgs) -> anyhow::Result<()> {
    let root = &ctx.repo.root;
    if !git::in_work_tree(root) {
        return Err(usage(format!(
            "mim audit reads the git history, and {} is not in a git repository",
            root.display()
        )));
    }
    let path = match &args.id {
        // An incident removed from the tree can still be audited by its full ID.
        Some(id) => match ctx.resolve(Some(id)) {
            Ok(id) => PathBuf::from(INCIDENTS_DIR).join(id),
            Err(_) if repo::is_id(id) => PathBuf::from(INCIDENTS_DIR).join(id),
            Err(e) => return Err(UsageError(e).into()),
        },
        None => PathBuf::from(INCIDENTS_DIR),
    };
    let since = match &args.since {
        Some(rev) => Some(git::commit_of(root, rev).ok_or_else(|| {
            usage(format!(
                "--since {}: no such commit in this repository",
                rev.escape_debug()
            ))
        })?),
        None => None,
    };
    let result = match git::commit_of(root, "HEAD") {
        Some(_) => {
            let commits = audit::walk(root, &path, since.as_deref())?;
            audit::analyse(&commits, ctx.repo.config.audit.backfill_margin.to_chrono())
        }
        // Nothing committed yet: nothing was rewritten.
        None => Audit {
            append_only: true,
            ..Audit::default()
        },
    };
    let format = args.format.unwrap_or(if ctx.json {
        AuditFormat::Json
    } else {
        AuditFormat::Text
    });
    match format {
        AuditFormat::Json => ctx.print_json(&serde_json::json!({
            "append_only": result.append_only,
            "since": since,
            "commits": result.commits,
            "incidents": result.incidents,
        }))?,
        // Timeline lines and commit subjects are anyone's text: escaped for the terminal.
        AuditFormat::Text => print!("{}", crate::text::for_terminal(&text(&result))),
    }
    eprintln!("{}", crate::text::for_terminal(&summary(&result)));
    if result.append_only {
        Ok(())
    } else {
        Err(Exit(1).into())
    }
}

fn usage(message: String) -> anyhow::Error {
    UsageError(anyhow::anyhow!(message)).into()
}

/// The findings, per incident that has any.
fn text(result: &Audit) -> String {
    let mut out = String::new();
    for incident in result.incidents.iter().filter(|i| !i.findings.is_empty()) {
        let verdict = if incident.append_only {
            "append-only"
        } else {
            "NOT append-only"
        };
        out.push_str(&format!(
            "{}: {verdict} ({})\n",
            incident.id,
            plural(incident.commits, "commit")
        ));
        for f in &incident.findings {
            out.push_str(&finding(f));
        }
    }
    out
}

fn finding(f: &Finding) -> String {
    let place = match f.line {
        Some(line) => format!("{}:{line}", f.file),
        None => f.file.clone(),
    };
    let level = match f.level {
        Level::Error => "error",
        Level::Info => "info",
    };
    let kind = match f.kind {
        Kind::Changed => "changed",
        Kind::Removed => "removed",
        Kind::HandEdit => "hand-edit",
        Kind::ActorMismatch => "actor-mismatch",
        Kind::Backfilled => "backfilled",
    };
    let mut out = format!(
        "  {place}: {level}: {kind}: {}\n      in commit {} by {} ({}, committed {} by {}): {}\n",
        f.message,
        audit::short(&f.commit),
        f.author,
        crate::time::format(&f.author_date),
        crate::time::format(&f.commit_date),
        f.committer,
        f.subject
    );
    match (&f.before, &f.after) {
        (Some(before), Some(after)) => {
            out.push_str(&format!("      was: {before}\n      now: {after}\n"));
        }
        (Some(before), None) => out.push_str(&format!("      was: {before}\n")),
        (None, Some(after)) => out.push_str(&format!("      line: {after}\n")),
        (None, None) => {}
    }
    out
}

/// `3 incidents, 14 commits: append-only; 2 backfilled entries, 1 hand edit (information)`.
fn summary(result: &Audit) -> String {
    let count = |level: Level, kind: Kind| {
        result
            .incidents
            .iter()
            .flat_map(|i| &i.findings)
            .filter(|f| f.level == level && f.kind == kind)
            .count()
    };
    let mut errors = Vec::new();
    let mut infos = Vec::new();
    let rewritten = count(Level::Error, Kind::Changed) + count(Level::Error, Kind::Removed);
    for (error, n, one, many) in [
        (
            true,
            rewritten,
            "entry changed or removed",
            "entries changed or removed",
        ),
        (
            true,
            count(Level::Error, Kind::HandEdit),
            "timeline, record or sent.log edited outside mim",
            "timelines, records or sent.logs edited outside mim",
        ),
        (
            true,
            count(Level::Error, Kind::ActorMismatch),
            "entry not by its commit's actor",
            "entries not by their commit's actor",
        ),
        (
            false,
            count(Level::Info, Kind::Backfilled),
            "backfilled entry",
            "backfilled entries",
        ),
        (
            false,
            count(Level::Info, Kind::HandEdit),
            "hand edit",
            "hand edits",
        ),
    ] {
        let list = if error { &mut errors } else { &mut infos };
        match n {
            0 => {}
            1 => list.push(format!("1 {one}")),
            n => list.push(format!("{n} {many}")),
        }
    }
    let mut line = format!(
        "{}, {}: ",
        plural(result.incidents.len(), "incident"),
        plural(result.commits, "commit")
    );
    if result.append_only {
        line.push_str("append-only");
    } else {
        let bad = result.incidents.iter().filter(|i| !i.append_only).count();
        line.push_str(&format!(
            "NOT append-only in {}: {}",
            plural(bad, "incident"),
            errors.join(", ")
        ));
    }
    if !infos.is_empty() {
        line.push_str(&format!("; {} (information)", infos.join(", ")));
    }
    line
}
