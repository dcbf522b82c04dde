//! `mim report`: KPIs over the incidents reported in a window, as Markdown, HTML, JSON or CSV.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::NaiveDate;
use rayon::prelude::*;

use crate::cli::{ReportArgs, ReportFormat};
use crate::commands::Ctx;
use crate::commands::validate::Exit;
use crate::diag::Diagnostics;
use crate::model::Incident;
use crate::repo::Repo;
use crate::report::{self, Filter};
use crate::store;
use crate::time::{self, Timestamp};

pub fn run(ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<()> {
    let filter = match filter(ctx, args) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Err(Exit(2).into());
        }
    };
    let format = format(ctx, args);
    let (incidents, problems) = load_with_progress(&ctx.repo)?;
    for p in &problems {
        eprintln!("warning: {p} (left out of the report)");
    }
    let report = report::build(&ctx.repo.config, &incidents, &filter, ctx.now);
    let text = match format {
        ReportFormat::Md => report::markdown::render(&report),
        ReportFormat::Html => report::html::render(&report),
        ReportFormat::Csv => report::csv::render(&report),
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
    };
    match &args.output {
        Some(path) => {
            let path = ctx.cwd.join(path);
            store::write_atomic(&path, text.as_bytes())?;
            eprintln!(
                "report of {} incident(s) written to {}",
                report.incidents,
                path.display()
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("writing the report")?;
        }
    }
    Ok(())
}

/// The filter from the flags, refused when it names an unknown client or priority or an
/// empty window.
fn filter(ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<Filter> {
    let config = &ctx.repo.config;
    let tz = config.tz();
    let since = args
        .since
        .as_deref()
        .map(|s| time::parse_date_or_time(s, tz).context("in --since"))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| until(s, tz).context("in --until"))
        .transpose()?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        anyhow::bail!(
            "--since {} is not before --until {}: the window is empty",
            time::format(&s),
            time::format(&u)
        );
    }
    if let Some(p) = &args.priority
        && config.targets(p).is_none()
    {
        anyhow::bail!(
            "unknown priority `{p}` in --priority: use one of {}",
            config
                .priorities
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(c) = &args.client
        && !config.clients.contains_key(c)
    {
        let known: Vec<String> = config.clients.keys().cloned().collect();
        anyhow::bail!(
            "unknown client `{c}` in --client: {}",
            if known.is_empty() {
                "mim.yaml defines no clients".to_string()
            } else {
                format!("use one of {}", known.join(", "))
            }
        );
    }
    Ok(Filter {
        since,
        until,
        client: args.client.clone(),
        priority: args.priority.clone(),
    })
}

/// `--until`: a time is exclusive; a date includes that whole day (until the next midnight).
fn until(text: &str, tz: chrono_tz::Tz) -> anyhow::Result<Timestamp> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(date) => {
            let next = date
                .succ_opt()
                .context("the date is out of range")?
                .to_string();
            time::parse_date_or_time(&next, tz)
        }
        Err(_) => time::parse(text, tz),
    }
}

/// `--format`, else `--json`, else the output file's extension, else Markdown.
fn format(ctx: &Ctx, args: &ReportArgs) -> ReportFormat {
    if let Some(f) = args.format {
        return f;
    }
    if ctx.json {
        return ReportFormat::Json;
    }
    let ext = args
        .output
        .as_deref()
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => ReportFormat::Html,
        Some("json") => ReportFormat::Json,
        Some("csv") => ReportFormat::Csv,
        _ => ReportFormat::Md,
    }
}

/// Load every incident; on a terminal, a counter on standard error once it takes more
/// than a moment.
fn load_with_progress(
    repo: &Repo,
) -> anyhow::Result<(Vec<Incident>, Vec<crate::diag::Diagnostic>)> {
    let ids = repo.incident_ids()?;
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut incidents = Vec::with_capacity(ids.len());
    let mut problems = Vec::new();
    let mut shown = false;
    for (done, chunk) in ids.chunks(128).enumerate() {
        let loaded: Vec<Result<Incident, Diagnostics>> =
            chunk.par_iter().map(|id| store::load(repo, id)).collect();
        for l in loaded {
            match l {
                Ok(i) => incidents.push(i),
                Err(Diagnostics(d)) => problems.extend(d),
            }
        }
        if terminal && started.elapsed() > Duration::from_millis(250) {
            let n = ((done + 1) * 128).min(ids.len());
            eprint!("\rreading incidents: {n}/{}", ids.len());
            shown = true;
        }
    }
    if shown {
        eprint!("\r{:40}\r", "");
    }
    Ok((incidents, problems))
}
