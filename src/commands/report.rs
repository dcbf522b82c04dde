//! `mim report`: KPIs over the incidents reported in a window, as Markdown, HTML, JSON or CSV.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::NaiveDate;

use crate::cli::{ReportArgs, ReportFormat};
use crate::context::Ctx;
use crate::diag::Diagnostics;
use crate::error::Error;
use crate::repo::Repo;
use crate::report::{self, Filter};
use crate::store;
use crate::time::{self, Timestamp};

pub fn run(ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<()> {
    let filter = filter(ctx, args).map_err(Error::Usage)?;
    let format = format(ctx, args);
    let progress = Progress::new(&ctx.repo)?;
    let (kept, problems) = keep_all(ctx, &filter, &progress)?;
    progress.finish();
    let report = report::assemble(&ctx.repo.config, kept, &filter, ctx.now);
    for p in &problems {
        eprintln!(
            "warning: {} (left out of the report)",
            crate::text::for_terminal(&p.to_string())
        );
    }
    if matches!(format, ReportFormat::Json) && args.output.is_none() {
        // Written as it is serialized, not held whole: at scale the JSON is the largest
        // thing the report makes. Its escaping is `for_terminal`'s already.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        crate::text::write_json_for_terminal(&report, &mut out)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
            .context("writing the report")?;
        return Ok(());
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
    /// The incidents to read (counted only for a terminal).
    total: usize,
    started: Instant,
    last: Mutex<Option<Instant>>,
    done: AtomicUsize,
    shown: AtomicBool,
}

impl Progress {
    const DELAY: Duration = Duration::from_millis(250);
    const EVERY: Duration = Duration::from_millis(100);

    fn new(repo: &Repo) -> anyhow::Result<Progress> {
        let terminal = std::io::stderr().is_terminal();
        Ok(Progress {
            terminal,
            total: if terminal {
                repo.incident_ids()?.len()
            } else {
                0
            },
            started: Instant::now(),
            last: Mutex::new(None),
            done: AtomicUsize::new(0),
            shown: AtomicBool::new(false),
        })
    }

    fn add(&self, n: usize) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if !self.terminal || self.started.elapsed() < Self::DELAY {
            return;
        }
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if last.is_none_or(|t| t.elapsed() >= Self::EVERY) || done == self.total {
            eprint!("\rreading incidents: {done}/{}   ", self.total);
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

/// Read every incident and keep what the report needs of it, dropping the incident
/// (a counter on a terminal when it takes a while); the ones that do not load come back
/// as diagnostics.
fn keep_all(
    ctx: &Ctx,
    filter: &Filter,
    progress: &Progress,
) -> anyhow::Result<(Vec<report::Kept>, Vec<crate::diag::Diagnostic>)> {
    let config = &ctx.repo.config;
    let loaded = store::each(&ctx.repo, |loaded| {
        let kept = loaded.map(|i| report::Kept::of(config, &i, filter, ctx.now));
        progress.add(1);
        kept
    })?;
    let mut kept = Vec::new();
    let mut problems = Vec::new();
    for l in loaded {
        match l {
            Ok(k) => kept.extend(k),
            Err(Diagnostics(d)) => problems.extend(d),
        }
    }
    Ok((kept, problems))
}
