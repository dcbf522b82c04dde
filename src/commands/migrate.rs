//! `mim migrate`: a flat repository (`incidents/<ID>/`) moved to the monthly layout
//! (`incidents/YYYY/MM/<ID>/`) in one commit, with `layout: monthly` in `mim.yaml` and
//! the union merges of `.gitattributes` matching both layouts. The files move unchanged,
//! so `git log --follow` finds their history and `mim audit` sees moves, not rewrites.
//! mim reads both layouts, so a repository works the same before, during and after.

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::config::{self, Config};
use crate::context::Ctx;
use crate::git;
use crate::repo::{self, Layout};
use crate::store::Change;
use crate::txn::journal::Policy;

const GITATTRIBUTES: &str = ".gitattributes";

pub fn run(ctx: &Ctx, dry_run: bool) -> anyhow::Result<()> {
    let root = &ctx.repo.root;
    let moves = flat_incidents(ctx)?;
    let config_text = crate::safe_fs::read_to_string(root, &root.join(config::FILE_NAME))?;
    let new_config = repo::with_layout(&config_text, Layout::Monthly);
    // What is written must still be a valid configuration.
    Config::parse(Path::new(config::FILE_NAME), &new_config)
        .map_err(crate::error::Error::Config)?;
    let attributes = crate::safe_fs::read_optional(root, &root.join(GITATTRIBUTES))?;
    let new_attributes = attributes.as_deref().map(repo::both_layouts);
    let mut change = Change::new();
    let mut files = 0;
    if new_config != config_text {
        change.put(root.join(config::FILE_NAME), new_config);
        files += 1;
    }
    if let (Some(old), Some(new)) = (&attributes, new_attributes)
        && *old != new
    {
        change.put(root.join(GITATTRIBUTES), new);
        files += 1;
    }
    if moves.is_empty() && files == 0 {
        println!("Nothing to migrate: every incident is in incidents/YYYY/MM/<ID>/ already");
        return Ok(());
    }
    if dry_run {
        for (from, to) in &moves {
            println!("{} → {}", from.display(), to.display());
        }
        println!("{}", summary(moves.len()));
        return Ok(());
    }
    refuse_uncommitted(ctx, &moves)?;
    let commit = ctx.commit(git::Message {
        subject: format!(
            "migrate: {} to incidents/YYYY/MM/<ID>/",
            crate::text::plural(moves.len(), "incident")
        ),
        trailers: vec![("Event", "migrate".into()), ("Actor", ctx.actor()?)],
        author: None,
    });
    let session = ctx.session()?;
    let mut tx = session.transaction(Policy::RollBack, &commit);
    tx.write(&change)?;
    tx.move_dirs(moves.clone())?;
    tx.finish()?;
    println!(
        "{}; new incidents go there too (layout: monthly in mim.yaml)",
        summary(moves.len())
    );
    Ok(())
}

fn summary(n: usize) -> String {
    format!(
        "Moved {} to incidents/YYYY/MM/<ID>/",
        crate::text::plural(n, "incident")
    )
}

/// Every incident in the flat layout, with where it goes (relative to the root).
fn flat_incidents(ctx: &Ctx) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    let listing = ctx.repo.listing()?;
    if let Some(id) = listing.twice.first() {
        bail!(
            "incident {id} has a directory in both layouts: remove the copy you do not want (`mim validate` names it), then migrate"
        );
    }
    Ok(listing
        .ids
        .iter()
        .filter_map(|id| {
            let from = repo::incident_path(Layout::Flat, id);
            crate::safe_fs::is_dir(&ctx.repo.root, &ctx.repo.root.join(&from))
                .then(|| (from, repo::incident_path(Layout::Monthly, id)))
        })
        .collect())
}

/// The migration commits exactly the moves and `mim.yaml`: a change not committed yet
/// under `incidents/`, in `mim.yaml` or `.gitattributes` would be swept into it.
fn refuse_uncommitted(ctx: &Ctx, moves: &[(PathBuf, PathBuf)]) -> anyhow::Result<()> {
    if !ctx.commits() || !git::in_work_tree(&ctx.repo.root) {
        return Ok(());
    }
    let mut dirty = Vec::new();
    for path in [
        Path::new(repo::INCIDENTS_DIR),
        Path::new(config::FILE_NAME),
        Path::new(GITATTRIBUTES),
    ] {
        dirty.extend(git::uncommitted(&ctx.repo.root, path)?);
    }
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = dirty
        .iter()
        .take(10)
        .map(|p| p.display().to_string())
        .collect();
    let more = match dirty.len().saturating_sub(10) {
        0 => String::new(),
        n => format!("\n  … and {n} more"),
    };
    bail!(
        "cannot migrate {} incidents: these files have changes that are not committed:\n  {}{more}\n\
         commit them (or undo them) first, then migrate; nothing was changed",
        moves.len(),
        shown.join("\n  ")
    )
}
