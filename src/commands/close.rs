//! `mim close`: a resolved incident is closed once its post incident review is finished
//! (where one is required or was started); `--force --reason` is a recorded override.
//! Messages left unsent are listed: once closed, `mim send` needs `--force`.

use std::path::PathBuf;

use anyhow::bail;

use crate::cli::CloseArgs;
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::context::Ctx;
use crate::git;
use crate::lifecycle::{self, Transition};
use crate::model::{Entry, Event, Incident};
use crate::pir::report::{self, Format};
use crate::pir::{self, document};
use crate::render::Templates;
use crate::state::State;
use crate::store::Change;
use crate::text::{self, plural};

pub fn run(ctx: &Ctx, args: &CloseArgs) -> anyhow::Result<()> {
    let reason = match (&args.force, &args.reason) {
        (true, Some(r)) => Some(text::required("--reason", r)?),
        _ => None,
    };
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state(&incident);
    lifecycle::check(Transition::Close, &incident.id, state.status)?;
    refuse_uncommitted(ctx, &incident)?;
    let gaps = pir::close_gaps(&ctx.repo.config, &incident, &state);
    let forced = override_reason(&incident, &gaps, reason)?;
    let entry = ctx.entry(
        &incident,
        Event::Close {
            from: state.status,
            csat: args.csat,
            forced: forced.clone(),
        },
    )?;
    let mut change = Change::new();
    change.event(&incident.dir, &entry);
    if state.pir.is_some() {
        final_reports(ctx, &incident, &entry, &mut change)?;
    }
    let summary = match &forced {
        Some(reason) => format!("closed by management override: {reason}"),
        None => "closed".to_string(),
    };
    ctx.record(&incident.id, entry.event.name(), &summary, &change)?;
    if !ctx.json {
        report_closed(&incident, &state, forced.is_some(), &gaps);
    }
    warn_unsent(&incident, &state)
}

/// The override recorded with the close: `--reason` when the review has `gaps`; none,
/// with a note, when it is finished; an error naming the gaps when there is no reason.
fn override_reason(
    incident: &Incident,
    gaps: &[String],
    reason: Option<String>,
) -> anyhow::Result<Option<String>> {
    Ok(match (gaps.is_empty(), reason) {
        (true, Some(_)) => {
            eprintln!(
                "note: nothing to override: the post incident review of {} is finished; closing normally",
                incident.id
            );
            None
        }
        (true, None) => None,
        (false, Some(reason)) => Some(reason),
        (false, None) => bail!(
            "cannot close {}: the post incident review is not finished:\n{}\n\
             finish these first, or close it as a management decision with `mim close {} --force --reason TEXT`",
            incident.id,
            gaps.iter()
                .map(|g| format!("  - {g}"))
                .collect::<Vec<_>>()
                .join("\n"),
            incident.id
        ),
    })
}

/// The final PIR report (Markdown, and HTML where one was rendered) as of the closing
/// `entry`, into `change`, with `pir.md` when no commit holds it yet; warns of its empty
/// sections.
fn final_reports(
    ctx: &Ctx,
    incident: &Incident,
    entry: &Entry,
    change: &mut Change,
) -> anyhow::Result<()> {
    let after = incident.with_entry(entry);
    let after_state = ctx.state(&after);
    let pir_md = document::read(&incident.dir, ctx.repo.relative(&incident.dir))?;
    let templates = Templates::for_repo(&ctx.repo);
    for format in [Format::Md, Format::Html] {
        let path = incident.dir.join(format.file_name());
        if format == Format::Md || crate::safe_fs::exists(&ctx.repo.root, &path) {
            let report = report::for_incident(
                &ctx.repo.config,
                &templates,
                &after,
                &after_state,
                &pir_md,
                format,
            )?;
            change.put(path, report);
        }
    }
    // pir.md is read once, above; what was rendered from it is what gets committed.
    if ctx.is_uncommitted(&incident.dir.join(document::FILE))? {
        change.put(incident.dir.join(document::FILE), pir_md.clone());
    }
    let unwritten = document::unwritten(&pir_md);
    if !unwritten.is_empty() {
        eprintln!(
            "warning: {} has nothing under: {}",
            document::FILE,
            unwritten.join(", ")
        );
    }
    Ok(())
}

/// On stderr: the close, and the review's `gaps` still outstanding when it was `forced`.
fn report_closed(incident: &Incident, state: &State, forced: bool, gaps: &[String]) {
    if forced {
        eprintln!("warning: closed by management override; still outstanding:");
        for g in gaps {
            eprintln!("  - {}", crate::text::for_terminal(&g.to_string()));
        }
    }
    eprintln!("{}: {} → closed", incident.id, state.status);
}

/// Say which messages were never sent: after closing, `mim send` needs `--force`.
fn warn_unsent(incident: &Incident, state: &State) -> anyhow::Result<()> {
    let unsent: Vec<String> = outbox::read_ledger(&incident.dir, state)?
        .into_iter()
        .filter(|m| m.is_unsent())
        .map(|m| m.file)
        .collect();
    if unsent.is_empty() {
        return Ok(());
    }
    eprintln!(
        "warning: {} in {OUTBOX_DIR}/ {} never sent:",
        plural(unsent.len(), "message"),
        if unsent.len() == 1 { "was" } else { "were" }
    );
    for file in &unsent {
        eprintln!("  {OUTBOX_DIR}/{}", crate::text::for_terminal(file));
    }
    eprintln!(
        "  the incident is closed: send them only if they are still true, with `mim send {} --force`",
        incident.id
    );
    Ok(())
}

/// Refuse to close while a file of the incident other than `pir.md` (which close
/// commits) has changes no commit holds: the closing commit and the final report must
/// not rest on them, and close must not sweep them in.
fn refuse_uncommitted(ctx: &Ctx, incident: &Incident) -> anyhow::Result<()> {
    if !ctx.commits() || !git::in_work_tree(&ctx.repo.root) {
        return Ok(());
    }
    let pir_md = ctx
        .repo
        .relative(&incident.dir.join(document::FILE))
        .to_path_buf();
    let dirty: Vec<PathBuf> = git::uncommitted(&ctx.repo.root, ctx.repo.relative(&incident.dir))?
        .into_iter()
        .filter(|p| *p != pir_md)
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    bail!(
        "cannot close {}: these files of the incident have changes that are not committed:\n{}\n\
         commit them (or undo them) first, then close; `--force` does not change this",
        incident.id,
        dirty
            .iter()
            .map(|p| format!("  - {}", p.display()))
            .collect::<Vec<_>>()
            .join("\n")
    )
}
