//! `mim report`: KPIs over the incidents reported in a window, as Markdown, HTML, JSON or CSV.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::NaiveDate;
use rayon::prelude::*;

use crate::cli::{ReportArgs, ReportFormat};
use crate::context::Ctx;
use crate::diag::Diagnostics;
use crate::error::Error;
use crate::model::Incident;
use crate::repo::Repo;
use crate::report::{self, Filter};
use crate::store;
use crate::time::{self, Timestamp};

pub fn run(ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<()> {
    let filter = filter(ctx, args).map_err(Error::Usage)?;
    let format = format(ctx, args);
    let progress = Progress::new();
    let (incidents, problems) = load_all(&ctx.repo, &progress)?;
    progress.phase();
    let report = report::build_with_progress(
        &ctx.repo.config,
        &incidents,
        &filter,
        ctx.now,
        &|selected| progress.add(1, selected, "computing KPIs"),
    );
    progress.finish();
    for p in &problems {
        eprintln!(
            "warning: {} (left out of the report)",
            crate::text::for_terminal(&p.to_string())
        );
    }
    let text = match format {
        ReportFormat::Md => report::markdown::render(&report),
        ReportFormat::Html => report::html::render(
            &report,
            &crate::render::brand::Brand::load(&ctx.repo.config, &ctx.repo.root)?,
        ),
        ReportFormat::Csv => report::csv::render(&report),
        ReportFormat::Json => format!("{}\n", crate::text::json_for_terminal(&report)?),
    };
    match &args.output {
        Some(path) => {
            let path = ctx.cwd.join(path);
            store::write_atomic(&path, text.as_bytes())?;
            eprintln!(
                "report of {} written to {}",
                crate::text::plural(report.incidents, "incident"),
                crate::text::shown_path(&path)
            );
        }
        None => {
            // Titles and names from the repository: a terminal shows them, never obeys them.
            let text = crate::text::for_terminal(&text);
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("writing the report")?;
        }
    }
    Ok(())
}

/// The filter from the flags, refused when the window is empty.
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
            time::check_date(date, text)?;
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

/// A counter on standard error, `\rreading incidents: 120/5000`, shown only on a
/// terminal and only once the work has taken more than a moment.
struct Progress {
    terminal: bool,
    started: Instant,
    last: Mutex<Option<Instant>>,
    done: AtomicUsize,
    shown: AtomicBool,
}

impl Progress {
    const DELAY: Duration = Duration::from_millis(250);
    const EVERY: Duration = Duration::from_millis(100);

    fn new() -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last: Mutex::new(None),
            done: AtomicUsize::new(0),
            shown: AtomicBool::new(false),
        }
    }

    /// Start counting a new phase.
    fn phase(&self) {
        self.done.store(0, Ordering::Relaxed);
    }

    fn add(&self, n: usize, total: usize, what: &str) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if !self.terminal || self.started.elapsed() < Self::DELAY {
            return;
        }
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if last.is_none_or(|t| t.elapsed() >= Self::EVERY) || done == total {
            eprint!("\r{what}: {done}/{total}   ");
            *last = Some(Instant::now());
            self.shown.store(true, Ordering::Relaxed);
        }
    }

    fn finish(&self) {
        if self.shown.load(Ordering::Relaxed) {
            eprint!("\r{:60}\r", "");
        }
    }
}

/// Load every incident (a counter on a terminal when it takes a while); the ones that
/// do not load come back as diagnostics.
fn load_all(
    repo: &Repo,
    progress: &Progress,
) -> anyhow::Result<(Vec<Incident>, Vec<crate::diag::Diagnostic>)> {
    let ids = repo.incident_ids()?;
    let loaded: Vec<Result<Incident, Diagnostics>> = ids
        .par_iter()
        .map(|id| {
            // The report places nothing on a line: the files' texts are not kept.
            let l = store::load(repo, id).map(|mut i| {
                i.texts = Default::default();
                i
            });
            progress.add(1, ids.len(), "reading incidents");
            l
        })
        .collect();
    let mut incidents = Vec::with_capacity(ids.len());
    let mut problems = Vec::new();
    for l in loaded {
        match l {
            Ok(i) => incidents.push(i),
            Err(Diagnostics(d)) => problems.extend(d),
        }
    }
    Ok((incidents, problems))
}
