//! The text of `mim audit`: the findings incident by incident, the seals, and the
//! one-line summary.

use crate::audit::{self, Audit, Finding, Kind, Level};
use crate::seal;
use crate::text::plural;

/// The findings, incident by incident, errors first; backfilled entries (information:
/// written later than they happened, as mim allows) counted per incident with the span of
/// their times unless `verbose`.
pub fn text(result: &Audit, verbose: bool, tz: chrono_tz::Tz) -> String {
    let mut out = String::new();
    let mut incidents: Vec<_> = result
        .incidents
        .iter()
        .filter(|i| !i.findings.is_empty())
        .collect();
    incidents.sort_by_key(|i| i.append_only);
    for incident in incidents {
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
        let (errors, info): (Vec<&Finding>, Vec<&Finding>) = incident
            .findings
            .iter()
            .partition(|f| f.level == Level::Error);
        for f in errors {
            out.push_str(&finding(f));
        }
        let (backfilled, other): (Vec<&Finding>, Vec<&Finding>) =
            info.into_iter().partition(|f| f.kind == Kind::Backfilled);
        for f in other {
            out.push_str(&finding(f));
        }
        if verbose {
            for f in &backfilled {
                out.push_str(&finding(f));
            }
        } else if let Some(span) = span(&backfilled, tz) {
            out.push_str(&format!(
                "  info: {} backfilled (written later than they happened, {span}); `mim audit --verbose` lists them\n",
                match backfilled.len() {
                    1 => "1 entry".to_string(),
                    n => format!("{n} entries"),
                }
            ));
        }
    }
    out
}

/// `dated 2026-11-24 09:00 UTC to 2026-11-24 11:40 UTC`: the span of the backfilled
/// entries' times.
fn span(backfilled: &[&Finding], tz: chrono_tz::Tz) -> Option<String> {
    let first = backfilled.iter().map(|f| f.author_date).min()?;
    let last = backfilled.iter().map(|f| f.author_date).max()?;
    Some(if first == last {
        format!("dated {}", crate::time::display(&first, tz))
    } else {
        format!(
            "dated {} to {}",
            crate::time::display(&first, tz),
            crate::time::display(&last, tz)
        )
    })
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

/// The seals' problems (rewritten, tampered with, behind), for people; empty when all hold.
pub fn seal_text(report: &seal::Report) -> String {
    let mut out = String::new();
    let branch = report.branch.as_deref().unwrap_or("HEAD");
    if !report.rewritten.is_empty() {
        out.push_str(&format!(
            "{branch}: REWRITTEN after it was sealed ({} of {} broken)\n",
            plural(report.rewritten.len(), "seal"),
            report.checked
        ));
    }
    const LISTED: usize = 20;
    if report.rewritten.len() > LISTED {
        // Newest first: the older ones say nothing more.
        out.push_str(&format!(
            "  (the {LISTED} newest broken seals; `--format json` lists all {})\n",
            report.rewritten.len()
        ));
    }
    for s in report.rewritten.iter().take(LISTED) {
        out.push_str(&format!(
            "  seal {}: error: rewritten: the sealed commit {} is no longer in the history of HEAD\n      sealed {}by {}: {}\n",
            audit::short(&s.seal),
            audit::short(&s.sealed),
            s.at.map(|at| format!("{} ", crate::time::format(&at))).unwrap_or_default(),
            s.by,
            s.reference
        ));
    }
    if let Some(r) = &report.rewrite {
        out.push_str(&rewrite_text(r));
    }
    for i in &report.invalid {
        out.push_str(&format!(
            "  {}: error: invalid seal: {}\n",
            i.reference, i.message
        ));
    }
    for b in &report.behind {
        out.push_str(&format!(
            "  seal {}: info: behind: the sealed commit {} is on {}, not yet in HEAD: pull to check it\n",
            audit::short(&b.seal.seal),
            audit::short(&b.seal.sealed),
            b.remote
        ));
    }
    out
}

/// The commits and lines a rewrite took away from what a seal sealed (`r`).
fn rewrite_text(r: &seal::Rewrite) -> String {
    let mut out = String::new();
    let signer = r
        .signer
        .as_deref()
        .map(|s| format!(" by {s}"))
        .unwrap_or_default();
    out.push_str(&format!(
        "  seal {} (signature: {}{signer}) sealed {} that HEAD's history does not have",
        audit::short(&r.seal),
        r.signature,
        plural(r.missing_commits, "commit"),
    ));
    out.push_str(if r.missing.is_empty() {
        "\n"
    } else {
        ", from the oldest:\n"
    });
    for m in &r.missing {
        out.push_str(&format!(
            "      {} {} {}: {}\n",
            audit::short(&m.commit),
            m.author_date,
            m.author,
            m.subject
        ));
    }
    if r.missing_commits > r.missing.len() {
        out.push_str(&format!(
            "      … and {} more\n",
            r.missing_commits - r.missing.len()
        ));
    }
    out.push_str(&gone_text(r));
    out
}

/// The sealed lines a rewrite changed or removed, the first few of them; empty when none.
fn gone_text(r: &seal::Rewrite) -> String {
    let mut out = String::new();
    if r.gone_lines == 0 {
        return out;
    }
    out.push_str(&format!(
        "  {} of the sealed timelines and sent logs {} gone from HEAD (changed or removed):\n",
        plural(r.gone_lines, "line"),
        if r.gone_lines == 1 { "is" } else { "are" }
    ));
    for g in &r.gone {
        out.push_str(&format!("      {}:{}: {}\n", g.file, g.line, g.text));
    }
    if r.gone_lines > r.gone.len() {
        out.push_str(&format!(
            "      … and {} more\n",
            r.gone_lines - r.gone.len()
        ));
    }
    out
}

/// `3 seals of main hold (latest 1a2b3c4d5e6f)`, or what broke.
fn seal_summary(report: &seal::Report) -> Option<String> {
    let Some(branch) = &report.branch else {
        return (report.other_branches > 0).then(|| {
            "seals not checked: HEAD is not on a branch (give --branch NAME)".to_string()
        });
    };
    if let Some(newest) = report.rewritten.first() {
        return Some(format!(
            "history of {branch} REWRITTEN after seal {} (sealed commit {})",
            audit::short(&newest.seal),
            audit::short(&newest.sealed)
        ));
    }
    if !report.invalid.is_empty() {
        return Some(format!(
            "{} tampered with",
            plural(report.invalid.len(), "seal")
        ));
    }
    if report.checked == 0 {
        return None;
    }
    let mut line = match &report.latest {
        Some(latest) => format!(
            "{} of {branch} {} (latest {})",
            plural(report.held, "seal"),
            if report.held == 1 { "holds" } else { "hold" },
            audit::short(&latest.sealed)
        ),
        None => format!("no seal of {branch} in HEAD yet"),
    };
    if !report.behind.is_empty() {
        line.push_str(&format!(
            ", {} on {} not pulled yet",
            plural(report.behind.len(), "seal"),
            report.behind[0].remote
        ));
    }
    Some(line)
}

/// `3 incidents, 14 commits: append-only; 2 backfilled entries, 1 hand edit (information)`.
pub fn summary(result: &Audit, seals: &seal::Report) -> String {
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
    if result.append_only && seals.holds() {
        line.push_str("append-only");
    } else if result.append_only {
        line.push_str("NOT append-only");
    } else {
        let bad = result.incidents.iter().filter(|i| !i.append_only).count();
        line.push_str(&format!(
            "NOT append-only in {}: {}",
            plural(bad, "incident"),
            errors.join(", ")
        ));
    }
    if let Some(seals) = seal_summary(seals) {
        line.push_str(&format!("; {seals}"));
    }
    if !infos.is_empty() {
        line.push_str(&format!("; {} (information)", infos.join(", ")));
    }
    line
}
