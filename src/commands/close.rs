//! `mim close`: a resolved incident is closed once its post incident review is finished
//! (where one is required or was started); `--force --reason` is a recorded override.

use anyhow::bail;

use crate::cli::CloseArgs;
use crate::commands::{Ctx, pir as pir_cmd};
use crate::lifecycle::{self, Transition};
use crate::model::Event;
use crate::pir::report::Format;
use crate::pir::{self, document};
use crate::store::Change;
use crate::text;

pub fn run(ctx: &Ctx, args: &CloseArgs) -> anyhow::Result<()> {
    let reason = match (&args.force, &args.reason) {
        (true, Some(r)) => Some(text::required("--reason", r)?),
        _ => None,
    };
    let incident = ctx.load(args.id.as_deref())?;
    let state = incident.state();
    lifecycle::check(Transition::Close, &incident.id, state.status)?;
    let gaps = pir::close_gaps(&ctx.repo.config, &incident);
    let forced = match (gaps.is_empty(), reason) {
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
    };
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
    if pir::pir(&incident).is_some() {
        let after = pir_cmd::with_entry(&incident, &entry);
        let pir_md = pir_cmd::read_pir_md(ctx, &incident)?;
        for format in [Format::Md, Format::Html] {
            let path = incident.dir.join(format.file_name());
            if format == Format::Md || crate::safe_fs::exists(&ctx.repo.root, &path) {
                change.put(path, pir_cmd::render(ctx, &after, &pir_md, format)?);
            }
        }
        let unwritten = document::unwritten(&pir_md);
        if !unwritten.is_empty() {
            eprintln!(
                "warning: {} has nothing under: {}",
                document::FILE,
                unwritten.join(", ")
            );
        }
    }
    let summary = match &forced {
        Some(reason) => format!("closed by management override: {reason}"),
        None => "closed".to_string(),
    };
    ctx.record(&incident.id, entry.event.name(), &summary, &change)?;
    if !ctx.json {
        if forced.is_some() {
            eprintln!("warning: closed by management override; still outstanding:");
            for g in &gaps {
                eprintln!("  - {g}");
            }
        }
        eprintln!("{}: {} → closed", incident.id, state.status);
    }
    Ok(())
}
