//! `mim check`: validate every incident and report SLA findings (the front door of
//! [`crate::check`]), in the format a CI system reads ([`crate::ci`]); exit 1 on an
//! error-level finding (and on warnings under `--strict`).

use anyhow::Context as _;

use crate::check;
use crate::ci::{self, Report};
use crate::cli::{CheckArgs, CheckFormat};
use crate::context::Ctx;
use crate::error::Error;
use crate::text::plural;

pub fn run(ctx: &Ctx, args: &CheckArgs) -> anyhow::Result<()> {
    let format = args.format.unwrap_or(if ctx.json {
        CheckFormat::Json
    } else {
        CheckFormat::Text
    });
    // Only JSON and JUnit show every incident's clocks.
    let clocks = matches!(format, CheckFormat::Json | CheckFormat::Junit);
    let built = check::build(
        &ctx.repo,
        ctx.now,
        args.client.as_deref(),
        args.strict,
        !args.no_cache,
        clocks,
    )?;
    let report = built.report;
    if args.verbose
        && let Some(n) = built.from_cache
    {
        eprintln!(
            "{} of {} from the cache (mim check --no-cache reads them all)",
            n,
            plural(report.incidents, "incident")
        );
    }
    let out = match format {
        CheckFormat::Text if args.verbose => {
            crate::text::for_terminal(&ci::text(&report)).into_owned()
        }
        CheckFormat::Text => crate::text::for_terminal(&ci::summary_text(&report)).into_owned(),
        // Every incident's clocks: written as it is serialized, never held whole.
        CheckFormat::Json => return finish(&report, ci::write_json(&report, std::io::stdout())),
        CheckFormat::Github => ci::github(&report),
        CheckFormat::Junit => ci::junit(&report),
        CheckFormat::Gitlab => ci::gitlab(&report),
    };
    print!("{out}");
    finish(&report, Ok(()))
}

/// The summary on standard error, and the exit status.
fn finish(report: &Report, written: std::io::Result<()>) -> anyhow::Result<()> {
    written.context("writing the check report")?;
    eprintln!("{}", report.summary());
    if report.fails() {
        Err(Error::Findings.into())
    } else {
        Ok(())
    }
}
