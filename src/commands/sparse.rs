//! `mim sparse --months N | --off`: a work tree of `mim.yaml`, the directories beside
//! `incidents/` and the incidents of the last N months, as a git sparse-checkout cone
//! with git's sparse index; mim reads every other incident from git (docs/scale.md).

use std::path::PathBuf;

use chrono::{Datelike, Months};

use crate::cli::SparseArgs;
use crate::context::Ctx;
use crate::error::Error;
use crate::repo::{INCIDENTS_DIR, Layout};

pub fn run(ctx: &Ctx, args: &SparseArgs) -> anyhow::Result<()> {
    let root = &ctx.repo.root;
    if !crate::git::in_work_tree(root) {
        return Err(Error::Usage(anyhow::anyhow!(
            "a sparse work tree is git's: {} is not in a git work tree",
            root.display()
        ))
        .into());
    }
    // The cone is git's, named from the top of the work tree: mim.yaml must be there.
    if !crate::git::run(root, &["rev-parse", "--show-prefix"])?
        .trim()
        .is_empty()
    {
        return Err(Error::Usage(anyhow::anyhow!(
            "a sparse work tree is of the whole git work tree, and this mim repository is in a directory of one: run mim sparse in a repository whose mim.yaml is at the top"
        ))
        .into());
    }
    if args.off {
        crate::git::run(root, &["sparse-checkout", "disable"])?;
        println!("The work tree holds every incident again");
        return Ok(());
    }
    if ctx.repo.config.layout != Layout::Monthly {
        return Err(Error::Usage(anyhow::anyhow!(
            "a sparse work tree keeps whole months of incidents, so it needs the monthly layout: run `mim migrate` first"
        ))
        .into());
    }
    let months = recent_months(ctx, args.months);
    let mut dirs = beside_incidents(root)?;
    dirs.extend(months.iter().map(|m| {
        PathBuf::from(INCIDENTS_DIR)
            .join(format!("{:04}", m.0))
            .join(format!("{:02}", m.1))
    }));
    let mut set: Vec<String> = vec![
        "sparse-checkout".into(),
        "set".into(),
        "--cone".into(),
        "--sparse-index".into(),
        "--".into(),
    ];
    set.extend(dirs.iter().map(|d| d.to_string_lossy().into_owned()));
    let set: Vec<&str> = set.iter().map(String::as_str).collect();
    // git leaves a file whose index entry lacks its stat data (as a plumbing commit
    // writes it) in the work tree, taking it for changed: refresh them first.
    let _ = crate::git::run(root, &["update-index", "-q", "--refresh"]);
    crate::git::run(root, &set)?;
    let (first, last) = (months[months.len() - 1], months[0]);
    println!(
        "The work tree holds mim.yaml, {} and the incidents of {:04}-{:02} to {:04}-{:02}; mim reads the others from git (`mim sparse --off` brings them back)",
        dirs.iter()
            .filter(|d| !d.starts_with(INCIDENTS_DIR))
            .map(|d| format!("{}/", d.display()))
            .collect::<Vec<_>>()
            .join(", "),
        first.0,
        first.1,
        last.0,
        last.1
    );
    Ok(())
}

/// The last `n` months (this one first), as (year, month), in the organisation's zone.
fn recent_months(ctx: &Ctx, n: u32) -> Vec<(i32, u32)> {
    let today = ctx.now.with_timezone(&ctx.repo.config.tz()).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    (0..n.max(1))
        .filter_map(|back| first.checked_sub_months(Months::new(back)))
        .map(|d| (d.year(), d.month()))
        .collect()
}

/// The directories at the top of HEAD's tree other than `incidents/`: templates,
/// schemas, branding — what every command may read.
fn beside_incidents(root: &std::path::Path) -> anyhow::Result<Vec<PathBuf>> {
    let listed = crate::git::run(root, &["ls-tree", "-d", "--name-only", "-z", "HEAD"])?;
    Ok(listed
        .split('\0')
        .filter(|name| !name.is_empty() && *name != INCIDENTS_DIR)
        .map(PathBuf::from)
        .collect())
}
