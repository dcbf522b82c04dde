//! `mim pir report`: the PIR report, or with `--client` that client's incident report,
//! rendered from `pir.md` and the timeline, and committed with the text it came from.

use anyhow::bail;

use crate::context::Ctx;
use crate::model::Incident;
use crate::pir::report::{self, Format};
use crate::pir::{self, document, rfo};
use crate::render::Templates;
use crate::store::Change;

/// `mim pir report`: the PIR report, or with `--client` that client's incident report.
pub fn run(
    ctx: &Ctx,
    id: Option<&str>,
    format: Format,
    client: Option<&str>,
) -> anyhow::Result<()> {
    let incident = ctx.load(id)?;
    if ctx.state(&incident).pir.is_none() {
        bail!(
            "{} has no post incident review to report on; start one with `mim pir start {} --reason ...`",
            incident.id,
            incident.id
        );
    }
    let pir_md = document::read(&incident.dir, ctx.repo.relative(&incident.dir))?;
    let (rendered, file, what) = match client.map(str::trim) {
        Some(key) => (
            render_rfo(ctx, &incident, &pir_md, format, key)?,
            rfo::file_name(key, format),
            format!("incident report for {key}"),
        ),
        None => (
            report::for_repo(&ctx.repo, &incident, &ctx.state(&incident), &pir_md, format)?,
            format.file_name().to_string(),
            "PIR report".to_string(),
        ),
    };
    let path = incident.dir.join(&file);
    let shown = ctx.repo.relative(&path).to_path_buf();
    let up_to_date = pir::read_optional(&incident, &path)?.as_deref() == Some(rendered.as_str());
    // pir.md is read once, above; what was rendered from it is what gets committed.
    let changed = ctx.is_uncommitted(&incident.dir.join(document::FILE))?;
    if up_to_date {
        eprintln!("{} is up to date", shown.display());
    }
    if !up_to_date || changed {
        let mut change = Change::new();
        let summary = if up_to_date {
            format!("PIR text committed ({})", document::FILE)
        } else {
            change.put(&path, rendered);
            format!("{what} rendered ({file})")
        };
        // What the report is rendered from is committed with it.
        if changed {
            change.put(incident.dir.join(document::FILE), pir_md);
        }
        ctx.record(&incident.id, "pir-report", &summary, &change)?;
    }
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "file": shown.display().to_string(),
            "changed": !up_to_date,
        }));
    }
    println!("{}", shown.display());
    Ok(())
}

/// Client `key`'s incident report of `incident` in `format`.
fn render_rfo(
    ctx: &Ctx,
    incident: &Incident,
    pir_md: &str,
    format: Format,
    key: &str,
) -> anyhow::Result<String> {
    let state = ctx.state(incident);
    pir::affected_client(&state, &incident.id, key)?;
    let templates = Templates::for_repo(&ctx.repo);
    rfo::for_client(
        &ctx.repo.config,
        &templates,
        &ctx.repo.root,
        incident,
        &state,
        pir_md,
        &ctx.repo.relative(&incident.dir).join(document::FILE),
        key,
        format,
    )
}
