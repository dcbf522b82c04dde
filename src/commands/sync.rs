//! `mim sync`: fetch, bring the clone up to date, push, under the repository lock; print
//! one line per event that arrived from the others and per event of mine that left,
//! and every commit set aside and not settled. `--watch` keeps doing it, taking the
//! lock only while it syncs; `--settle` records that a commit set aside was decided.
//! The engine is [`crate::sync`].

use std::collections::BTreeSet;

use anyhow::anyhow;

use crate::cli::SyncArgs;
use crate::context::Ctx;
use crate::error::Error;
use crate::repo::Repo;
use crate::sync::{self, Report, Settings, Setup};
use crate::txn;

pub fn run(ctx: &Ctx, args: &SyncArgs) -> anyhow::Result<()> {
    let settings = match sync::setup(&ctx.repo.root, &ctx.repo.config.git) {
        Setup::On(s) => s,
        Setup::Off => {
            return Err(Error::Usage(anyhow!(
                "nothing to sync with: this clone has no remote `{}`, or sharing is off (git.sync in mim.yaml, \
                 `git config mim.sync` in this clone). Add the team's remote with `git remote add {} URL`",
                ctx.repo.config.git.remote.as_deref().unwrap_or("origin"),
                ctx.repo.config.git.remote.as_deref().unwrap_or("origin"),
            ))
            .into());
        }
        Setup::Broken(why) => return Err(Error::Usage(anyhow!(why)).into()),
    };
    if let Some(which) = &args.settle {
        let actor = ctx.actor()?;
        let session = lock(&ctx.repo)?;
        let settled =
            sync::conflicts::settle(&ctx.repo.root, which, &actor, args.message.as_deref())?;
        eprintln!(
            "settled {} ({}, set aside from {})",
            settled.short(),
            settled.subject,
            settled.by
        );
        drop(session);
    }
    match args.watch {
        Some(every) => watch(ctx, &settings, every),
        None => {
            let session = lock(&ctx.repo)?;
            let report = sync::sync_once(&ctx.repo, &settings, ctx.clock)?;
            drop(session);
            if ctx.json {
                ctx.print_json(&report)?;
            } else {
                print(&ctx.repo, &report, &mut Said::default());
            }
            match report.not_shared {
                None => Ok(()),
                Some(_) => Err(Error::Findings.into()),
            }
        }
    }
}

fn lock(repo: &Repo) -> anyhow::Result<txn::Session> {
    txn::Session::begin(&repo.root, repo.config.git.lock_wait())
}

/// Sync every `every`, printing what is new each time; the lock is held only while
/// syncing, so the commands of this clone run in between.
fn watch(ctx: &Ctx, settings: &Settings, every: crate::units::Duration) -> anyhow::Result<()> {
    if every.secs() < 1 {
        return Err(Error::Usage(anyhow!("--watch needs an interval of 1s or more")).into());
    }
    eprintln!("watching {} every {every} (Ctrl-C stops)", settings.name());
    let mut said = Said::default();
    let mut repo = Repo::discover(&ctx.repo.root)?;
    loop {
        let session = lock(&repo)?;
        // The real time of each round (MIM_NOW, when set, stands for it in tests).
        let now = match std::env::var_os("MIM_NOW") {
            Some(_) => ctx.clock,
            None => chrono::Utc::now().fixed_offset(),
        };
        let report = sync::sync_once(&repo, settings, now);
        drop(session);
        match report {
            Ok(report) if ctx.json => println!("{}", serde_json::to_string(&report)?),
            Ok(report) => print(&repo, &report, &mut said),
            Err(e) => eprintln!("error: {e:#}"),
        }
        std::thread::sleep(std::time::Duration::from_secs(every.secs() as u64));
        // mim.yaml may have arrived changed.
        if let Ok(newer) = Repo::discover(&ctx.repo.root) {
            repo = newer;
        }
    }
}

/// What was printed already, so `--watch` says each thing once.
#[derive(Default)]
struct Said {
    conflicts: BTreeSet<String>,
    offline: Option<String>,
    first: bool,
}

fn print(repo: &Repo, report: &Report, said: &mut Said) {
    let tz = repo.config.tz();
    let mut out = String::new();
    for e in &report.arrived {
        out.push_str(&format!("arrived  {}\n", e.line(tz)));
    }
    for e in &report.left {
        out.push_str(&format!("left     {}\n", e.line(tz)));
    }
    for c in &report.set_aside_open {
        if said.conflicts.insert(c.commit.clone()) {
            out.push_str(&format!("conflict {}: {}\n", c.incident, c.describe(tz)));
        }
    }
    print!("{}", crate::text::for_terminal(&out));
    for text in &report.set_aside {
        eprintln!("set aside: {text}");
    }
    match &report.not_shared {
        Some(why) => {
            if said.offline.as_deref() != Some(why.as_str()) {
                let u = &report.unshared;
                let waiting = if u.commits > 0 {
                    format!(
                        "; {} not on {} yet{}",
                        crate::text::plural(u.commits, "commit"),
                        u.remote,
                        u.since
                            .map(|s| format!(", the oldest since {}", crate::time::display(&s, tz)))
                            .unwrap_or_default()
                    )
                } else {
                    String::new()
                };
                eprintln!("not shared: {why}{waiting}");
                said.offline = Some(why.clone());
            }
        }
        None => {
            if said.offline.take().is_some() || !said.first {
                eprintln!(
                    "synced with {}: {} arrived, {} left",
                    report.remote,
                    crate::text::plural(report.arrived.len(), "event"),
                    report.left.len()
                );
            }
            said.first = true;
        }
    }
}
