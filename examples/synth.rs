//! A realistic incident repository of any size, written by mim's own commands, for
//! benchmarks and for trying mim on years of history:
//!
//!     cargo run --release --example synth -- --incidents 10000 --out /tmp/msp [--seed 7]
//!
//! The repository gets a configuration with clients, business calendars (with holidays)
//! and hierarchic escalation levels, then N incidents reported over several years, in
//! every lifecycle state: rejected proposals, open proposals, accepted incidents (some on
//! hold), resolved ones (some reopened), and closed ones, many after a post incident
//! review with action items and review sessions. Each accepted incident has a response
//! plan, status updates with their e-mails, escalations and notes with time logged.
//!
//! Every change is a real mim command (`mim::commands::run`, in-process, with `--at`
//! and `--no-commit`), so the files are exactly what mim writes. Each incident's
//! commands run in a small scratch repository of its own (the same `mim.yaml`, no other
//! incident), one per rayon thread and reused, so an incident costs the same in the
//! 50,000th as in the first; its files are then read out and streamed into one
//! `git fast-import`, which writes them, as one commit of the whole repository, straight
//! into the object store; last, git checks the work tree out (`--no-checkout`: not).
//! `--slow` runs every command in the one repository instead and commits with
//! `git add` + `git commit` (the way it was first written, which slows down as the
//! repository fills up: an end-to-end cross-check, as it gives the same commit).
//! The same seed gives the same files and, with the fixed commit date, the same commit.
//! `--long K` adds one active incident with K status updates (growth inside one incident).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use clap::{Parser, ValueEnum};
use rayon::prelude::*;

#[derive(Parser)]
#[command(about = "Write a realistic mim repository of N incidents through mim's own commands")]
struct Args {
    /// How many incidents
    #[arg(long)]
    incidents: usize,
    /// The directory to create (it must not exist yet, or be empty)
    #[arg(long)]
    out: PathBuf,
    /// The seed: the same seed gives the same repository
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Over how many years the incidents were reported
    #[arg(long, default_value_t = 4)]
    years: u32,
    /// "Now" for the repository: every event is at or before it
    #[arg(long, default_value = "2026-11-30T12:00:00Z")]
    now: String,
    /// Where incidents live: `incidents/<ID>/` (flat) or `incidents/YYYY/MM/<ID>/`
    /// (monthly); written to mim.yaml's `layout`
    #[arg(long, value_enum, default_value_t = Layout::Monthly)]
    layout: Layout,
    /// Also write one accepted incident with this many status updates to internal
    #[arg(long)]
    long: Option<usize>,
    /// Every command in the one repository, committed with `git add` and `git commit`:
    /// the first way of writing it, slower as the repository fills up (the same commit)
    #[arg(long)]
    slow: bool,
    /// Leave the work tree empty: only the commit (and HEAD) are written; check it out
    /// with `git reset --hard`, or a sparse-checkout cone first
    #[arg(long, conflicts_with = "slow")]
    no_checkout: bool,
    /// Where the scratch repositories go (default: /dev/shm where there is one, for a
    /// file system in memory, else the temporary directory); removed at the end
    #[arg(long, conflicts_with = "slow")]
    scratch: Option<PathBuf>,
    /// Show what mim prints for each command (quiet by default)
    #[arg(long)]
    verbose: bool,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Layout {
    Flat,
    Monthly,
}

/// The commit's author, committer and message, the same on both paths.
const AUTHOR: &str = "mim synth <synth@msp.example>";
const MESSAGE: &str = "Synthetic incident history (examples/synth.rs)";

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(&args.now)?.with_timezone(&Utc);
    let out = absolute(&args.out)?;
    if out.exists() && std::fs::read_dir(&out)?.next().is_some() {
        anyhow::bail!("{} exists and is not empty", out.display());
    }
    // A throwaway repository need not survive a power cut: no fsync for every file.
    mim::sync_writes(false);
    let quiet = (!args.verbose).then(Quiet::start);
    let started = Instant::now();
    let layout = match args.layout {
        Layout::Flat => "flat",
        Layout::Monthly => "monthly",
    };
    let init = <mim::cli::Cli as Parser>::try_parse_from(
        ["mim", "--no-commit", "init", "--layout", layout]
            .iter()
            .copied()
            .chain(out.to_str()),
    )?;
    mim::run(init, Some(&stamp(now)))?;
    std::fs::write(
        out.join("mim.yaml"),
        config(
            now.year() - args.years as i32 - 1,
            now.year() + 1,
            args.layout,
        ),
    )?;
    let plans = plan(args.incidents, args.seed, args.years, now);
    let say = |text: &str| progress(quiet.as_ref(), text);
    if args.slow {
        slow(&out, &plans, &args, now, started, &say)?;
    } else {
        fast(&out, &plans, &args, now, started, &say)?;
    }
    drop(quiet);
    eprintln!(
        "{}: {} incidents{} in {:.1?}",
        out.display(),
        plans.len(),
        args.long
            .map(|k| format!(" and one with {k} updates"))
            .unwrap_or_default(),
        started.elapsed()
    );
    Ok(())
}

/// Every incident's commands in the one repository, in parallel, committed at the end.
fn slow(
    out: &Path,
    plans: &[Plan],
    args: &Args,
    now: DateTime<Utc>,
    started: Instant,
    say: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<()> {
    let mim = Mim {
        root: out.to_path_buf(),
        now: stamp(now),
    };
    // While the incidents are written the repository is not yet git's: the commands
    // (all `--no-commit`) then start no git process at all. It is put back to commit.
    let git_dir = out.join(".git");
    let held = out.join(".git-synth");
    std::fs::rename(&git_dir, &held)?;
    let done = AtomicUsize::new(0);
    plans.par_iter().try_for_each(|p| {
        run(&mim, p, now)?;
        count(&done, plans.len(), started, say);
        anyhow::Ok(())
    })?;
    if let Some(k) = args.long {
        long_incident(&mim, k, now)?;
    }
    say("committing");
    for leftover in [".mim.lock", ".mim-journal"] {
        let _ = std::fs::remove_file(out.join(leftover));
    }
    std::fs::rename(&held, &git_dir)?;
    commit(out, now)
}

fn count(done: &AtomicUsize, total: usize, started: Instant, say: &(dyn Fn(&str) + Sync)) {
    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
    if n.is_multiple_of(1000) || n == total {
        say(&format!("{n}/{total} incidents, {:.0?}", started.elapsed()));
    }
}

/// Each incident's commands in a scratch repository of its own; its files streamed into
/// one `git fast-import` as they come, then one commit of them all and the work tree.
fn fast(
    out: &Path,
    plans: &[Plan],
    args: &Args,
    now: DateTime<Utc>,
    started: Instant,
    say: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<()> {
    for leftover in [".mim.lock", ".mim-journal"] {
        let _ = std::fs::remove_file(out.join(leftover));
    }
    // What `mim init` wrote, and mim.yaml: the start of every scratch repository, and
    // the files of the commit beside `incidents/*/`.
    let base = files_under(out, out, &|p| p.file_name().is_some_and(|n| n == ".git"))?;
    let scratch = Scratches {
        dir: scratch_dir(args.scratch.as_deref())?,
        base: &base,
        now: stamp(now),
        free: Mutex::new(Vec::new()),
        made: AtomicUsize::new(0),
    };
    let head = git_out(out, &["symbolic-ref", "HEAD"])?;
    let mut import = Command::new("git")
        .args(["fast-import", "--quiet", "--done"])
        .current_dir(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting git fast-import")?;
    let stdin = import.stdin.take().expect("piped");
    // A bounded queue: the commands wait for git, rather than memory filling up.
    let (tx, rx) = sync_channel::<Vec<Incident>>(256);
    let written = std::thread::scope(|s| {
        let writer = s.spawn(|| stream(stdin, rx, &base, &head, now));
        let done = AtomicUsize::new(0);
        let ran = plans.par_iter().try_for_each(|p| {
            let files = scratch.with(|mim| run(mim, p, now))?;
            tx.send(files)?;
            count(&done, plans.len(), started, say);
            anyhow::Ok(())
        });
        let ran = ran.and_then(|()| match args.long {
            Some(k) => {
                let files = scratch.with(|mim| long_incident(mim, k, now))?;
                Ok(tx.send(files)?)
            }
            None => Ok(()),
        });
        drop(tx);
        let wrote = writer.join().expect("the writer does not panic");
        ran.and(wrote)
    });
    let _ = std::fs::remove_dir_all(&scratch.dir);
    if let Err(e) = written {
        let _ = import.kill();
        let _ = import.wait();
        return Err(e);
    }
    let output = import.wait_with_output()?;
    anyhow::ensure!(
        output.status.success(),
        "git fast-import failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    if !args.no_checkout {
        say(&format!("checking out, {:.0?}", started.elapsed()));
        // Parallel checkout, as many workers as cores.
        git(
            out,
            &["-c", "checkout.workers=0", "reset", "--quiet", "--hard"],
        )?;
    }
    Ok(())
}

/// A new directory for the scratch repositories. Their files are written, renamed and
/// deleted again and again: in memory that costs a fraction of what a disk's file
/// system spends allocating inodes (ext4 spent half the time finding one).
fn scratch_dir(under: Option<&Path>) -> anyhow::Result<PathBuf> {
    let shm = Path::new("/dev/shm");
    let under = match under {
        Some(dir) => dir.to_path_buf(),
        None if shm.is_dir() => shm.to_path_buf(),
        None => std::env::temp_dir(),
    };
    let dir = absolute(&under)?.join(format!("mim-synth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// One incident's files: their directory (`incidents/…/ID`, from the root), and each
/// file with its path in it.
struct Incident {
    dir: String,
    files: Vec<File>,
}

/// One file of the commit: its path from the root ('/'-separated), mode and bytes.
struct File {
    path: String,
    mode: &'static str,
    data: Vec<u8>,
}

/// Every file under `dir` but what `skip` names, by path, relative to `root`.
fn files_under(root: &Path, dir: &Path, skip: &dyn Fn(&Path) -> bool) -> anyhow::Result<Vec<File>> {
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skip(e.path()));
    for entry in walk {
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let relative = path.strip_prefix(root)?;
        let parts: Vec<&str> = relative
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_str()
                    .context("a file name that is not UTF-8")
            })
            .collect::<anyhow::Result<_>>()?;
        #[cfg(unix)]
        let executable = {
            use std::os::unix::fs::PermissionsExt;
            entry.metadata()?.permissions().mode() & 0o111 != 0
        };
        #[cfg(not(unix))]
        let executable = false;
        files.push(File {
            path: parts.join("/"),
            mode: if executable { "100755" } else { "100644" },
            data: std::fs::read(path)?,
        });
    }
    Ok(files)
}

/// The scratch repositories: as many as commands run at once, each reused.
struct Scratches<'a> {
    dir: PathBuf,
    base: &'a [File],
    now: String,
    free: Mutex<Vec<Mim>>,
    made: AtomicUsize,
}

impl Scratches<'_> {
    /// `write` run in a scratch repository with no incident; the incidents it leaves,
    /// which are then taken away.
    fn with(
        &self,
        write: impl FnOnce(&Mim) -> anyhow::Result<()>,
    ) -> anyhow::Result<Vec<Incident>> {
        let taken = self.free.lock().expect("not poisoned").pop();
        let mim = match taken {
            Some(mim) => mim,
            None => self.make()?,
        };
        write(&mim)?;
        let incidents = mim.root.join("incidents");
        // The files in the incidents' directories, not those of `incidents/` itself.
        let files = files_under(&mim.root, &incidents, &|_| false)?;
        let files = files
            .into_iter()
            .filter(|f| f.path.matches('/').count() > 1);
        let mut found: Vec<Incident> = Vec::new();
        for mut file in files.collect::<Vec<_>>() {
            let (dir, name) = file.path.rsplit_once('/').expect("in incidents/");
            if name == "incident.yaml" {
                found.push(Incident {
                    dir: dir.to_string(),
                    files: Vec::new(),
                });
            }
            // Sorted by name, a directory's files come right after its own.
            let Some(incident) = found
                .iter_mut()
                .rev()
                .find(|i| file.path.starts_with(&format!("{}/", i.dir)))
            else {
                anyhow::bail!("{} is in no incident's directory", file.path);
            };
            file.path = file.path[incident.dir.len() + 1..].to_string();
            incident.files.push(file);
        }
        for entry in std::fs::read_dir(&incidents)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            }
        }
        self.free.lock().expect("not poisoned").push(mim);
        Ok(found)
    }

    fn make(&self) -> anyhow::Result<Mim> {
        let root = self
            .dir
            .join(self.made.fetch_add(1, Ordering::Relaxed).to_string());
        for file in self.base {
            let path = root.join(&file.path);
            std::fs::create_dir_all(path.parent().expect("a file in a directory"))?;
            std::fs::write(&path, &file.data)?;
        }
        std::fs::create_dir_all(root.join("incidents"))?;
        Ok(Mim {
            root,
            now: self.now.clone(),
        })
    }
}

/// Where fast-import puts an incident's files together, at the top of the tree.
const STAGING: &str = ".synth-incident";

/// The fast-import stream: one commit, every file inline, as the incidents come.
fn stream(
    stdin: std::process::ChildStdin,
    rx: Receiver<Vec<Incident>>,
    base: &[File],
    head: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, stdin);
    let who = format!("{AUTHOR} {} +0000", now.timestamp());
    // `git commit -m` ends the message with a newline.
    let message = format!("{MESSAGE}\n");
    write!(
        w,
        "commit {head}\nauthor {who}\ncommitter {who}\ndata {}\n{message}",
        message.len()
    )?;
    let put = |w: &mut std::io::BufWriter<_>, path: &str, f: &File| -> std::io::Result<()> {
        write!(w, "M {} inline {path}\ndata {}\n", f.mode, f.data.len())?;
        w.write_all(&f.data)?;
        w.write_all(b"\n")
    };
    for f in base {
        put(&mut w, &f.path, f)?;
    }
    // fast-import finds a path's directory entry by a linear search: every file put
    // straight into a flat `incidents/` of 50,000 directories would cost a search of
    // them all (hours). Each incident is put together under a path of its own, then
    // moved into place: one search an incident.
    for incidents in rx {
        for incident in &incidents {
            for f in &incident.files {
                put(&mut w, &format!("{STAGING}/{}", f.path), f)?;
            }
            writeln!(w, "R {STAGING} {}", incident.dir)?;
        }
    }
    w.write_all(b"\ndone\n")?;
    w.flush()?;
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("git").args(args).current_dir(dir).status()?;
    anyhow::ensure!(status.success(), "git {} failed", args.join(" "));
    Ok(())
}

fn git_out(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git").args(args).current_dir(dir).output()?;
    anyhow::ensure!(
        out.status.success(),
        "git {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

// ---------------------------------------------------------------------------------
// Running mim

thread_local! {
    static CLI: std::cell::RefCell<clap::Command> = std::cell::RefCell::new({
        let mut cli = <mim::cli::Cli as clap::CommandFactory>::command();
        cli.build();
        cli
    });
}

/// mim, run in-process on one repository at a fixed "now".
struct Mim {
    root: PathBuf,
    now: String,
}

impl Mim {
    /// `mim -C ROOT --no-commit --by BY --at AT ARGS…`
    fn run(&self, by: &str, at: String, args: &[&str]) -> anyhow::Result<()> {
        let mut argv: Vec<String> = ["mim", "-C"].map(String::from).to_vec();
        argv.push(self.root.display().to_string());
        argv.extend(["--no-commit", "--by", by, "--at", &at].map(String::from));
        argv.extend(args.iter().map(|a| a.to_string()));
        // clap builds its description of mim's commands (hundreds of arguments) for
        // every parse, a fifth of the time of a small command: built once a thread here.
        let matches = CLI.with(|cli| cli.borrow_mut().try_get_matches_from_mut(&argv))?;
        let cli = <mim::cli::Cli as clap::FromArgMatches>::from_arg_matches(&matches)?;
        mim::run(cli, Some(&self.now))
            .map_err(|e| e.context(format!("running mim {}", argv[8..].join(" "))))
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    })
}

/// One commit of everything, dated "now", so the same seed gives the same commit; then
/// the objects packed.
fn commit(root: &Path, now: DateTime<Utc>) -> anyhow::Result<()> {
    let date = now.to_rfc3339();
    for args in [
        &["add", "-A"][..],
        &[
            "-c",
            "user.name=mim synth",
            "-c",
            "user.email=synth@msp.example",
            "-c",
            "commit.gpgsign=false",
            // The explicit gc below, not one started in the background by the commit.
            "-c",
            "gc.auto=0",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            MESSAGE,
        ][..],
    ] {
        let status = Command::new("git")
            .args(args)
            .current_dir(root)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .status()?;
        anyhow::ensure!(status.success(), "git {} failed", args.join(" "));
    }
    // Packed, as a repository that has lived for years is: otherwise the first commits
    // made in it start git's automatic gc of every loose object, in the background of
    // whatever is being measured.
    let status = Command::new("git")
        .args(["gc", "--quiet"])
        .current_dir(root)
        .status()?;
    anyhow::ensure!(status.success(), "git gc failed");
    Ok(())
}

/// What mim prints for each command goes to /dev/null while the generator runs; its
/// own progress goes to the real standard error.
struct Quiet {
    #[cfg(unix)]
    saved: [i32; 2],
}

impl Quiet {
    #[cfg(unix)]
    fn start() -> Quiet {
        use std::os::fd::AsRawFd;
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("/dev/null");
        // SAFETY: dup and dup2 on the process's own standard descriptors.
        unsafe {
            let saved = [libc::dup(1), libc::dup(2)];
            libc::dup2(null.as_raw_fd(), 1);
            libc::dup2(null.as_raw_fd(), 2);
            Quiet { saved }
        }
    }

    #[cfg(not(unix))]
    fn start() -> Quiet {
        Quiet {}
    }

    fn say(&self, text: &str) {
        #[cfg(unix)]
        {
            let line = format!("{text}\n");
            // SAFETY: writing a buffer to a descriptor this process owns.
            unsafe { libc::write(self.saved[1], line.as_ptr().cast(), line.len()) };
        }
        #[cfg(not(unix))]
        eprintln!("{text}");
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: putting back the descriptors saved in `start`.
        unsafe {
            libc::dup2(self.saved[0], 1);
            libc::dup2(self.saved[1], 2);
        }
    }
}

fn progress(quiet: Option<&Quiet>, text: &str) {
    match quiet {
        Some(q) => q.say(text),
        None => eprintln!("{text}"),
    }
}

// ---------------------------------------------------------------------------------
// What to generate

/// SplitMix64: small, fast and the same everywhere, so a seed means one repository.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `lo..hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo).max(1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick_ref(items)
    }

    fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// How an incident's life ends (as of "now").
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fate {
    Rejected,
    Proposed,
    Accepted,
    OnHold,
    Resolved,
    Closed,
}

/// One incident to write: what is known before its first command runs.
struct Plan {
    index: usize,
    id: String,
    title: String,
    reported: DateTime<Utc>,
    client: Option<&'static Client>,
    service: &'static Service,
    ci: Option<String>,
    impact: &'static str,
    urgency: &'static str,
    fate: Fate,
    seed: u64,
}

/// Every incident's plan, in ID order; IDs are unique because titles are made unique
/// per day here, before anything runs in parallel.
fn plan(n: usize, seed: u64, years: u32, now: DateTime<Utc>) -> Vec<Plan> {
    let span = i64::from(years) * 365 * 86_400;
    let live = live_per_million(n, years);
    let mut taken = HashSet::new();
    let mut plans = Vec::with_capacity(n);
    for index in 0..n {
        let mut rng = Rng::new(seed, index as u64);
        // A few incidents are still open; most are history.
        let mut fate = match rng.range(0, 1000) {
            0..=9 => Fate::Proposed,
            10..=29 => Fate::Accepted,
            30..=39 => Fate::OnHold,
            40..=99 => Fate::Resolved,
            100..=159 => Fate::Rejected,
            _ => Fate::Closed,
        };
        let open = matches!(
            fate,
            Fate::Proposed | Fate::Accepted | Fate::OnHold | Fate::Resolved
        );
        if open && live < 1_000_000 && rng.range(0, 1_000_000) >= live {
            fate = Fate::Closed;
        }
        let ago = match fate {
            // Long enough ago for every step below to lie before "now".
            Fate::Proposed | Fate::Accepted | Fate::OnHold => rng.range(20 * 3600, 3 * 86_400),
            Fate::Resolved => rng.range(2 * 86_400, 12 * 86_400),
            Fate::Rejected | Fate::Closed => rng.range(40 * 86_400, span),
        };
        // On the minute, in working hours more often than not.
        let mut reported = now - Duration::seconds(ago);
        reported -= Duration::seconds(reported.timestamp().rem_euclid(60));
        let client = (!rng.chance(10)).then(|| rng.pick_ref(CLIENTS));
        let service = rng.pick_ref(SERVICES);
        let ci = rng
            .chance(70)
            .then(|| format!("{}-{:02}", rng.pick(service.cis), rng.range(1, 6)));
        let (impact, urgency) = match rng.range(0, 10) {
            0..=3 => ("high", "high"),
            4..=5 => ("high", "medium"),
            6..=7 => ("medium", "high"),
            8 => ("medium", "medium"),
            _ => ("low", "high"),
        };
        let symptom = rng.pick(service.symptoms);
        let date = reported
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive();
        let short = format!("{} {symptom}", service.name);
        let mut title = match rng.range(0, 3) {
            0 => short.clone(),
            1 => format!("{short} at {}", rng.pick(SITES)),
            _ => format!("{short} for {}", rng.pick(TEAMS)),
        };
        if slug(&title).len() > 48 {
            title = short;
        }
        let mut id = format!("{date}-{}", slug(&title));
        let mut extra = 2;
        while !taken.insert(id.clone()) {
            title = format!("{} {symptom} again {extra}", service.name);
            id = format!("{date}-{}", slug(&title));
            extra += 1;
        }
        plans.push(Plan {
            index,
            id,
            title,
            reported,
            client,
            service,
            ci,
            impact,
            urgency,
            fate,
            seed: rng.next(),
        });
    }
    plans.sort_by(|a, b| a.id.cmp(&b.id));
    plans
}

/// Of the incidents drawn open or resolved (a tenth of them), how many per million stay
/// so: a tenth of N is realistic for a small repository but not for a large one, where
/// it would put thousands into the last twelve days (the open and the recently
/// resolved are reported then) and make the current month the largest directory by far.
/// Kept are the larger of a tenth of N up to 40, and twelve days' worth of the
/// repository's own daily rate; the rest are closed.
fn live_per_million(n: usize, years: u32) -> i64 {
    let tenth = (n / 10).max(1) as i64;
    let days = i64::from(years.max(1)) * 365;
    let wanted = tenth.min(40).max(n as i64 * 12 / days);
    (wanted * 1_000_000 / tenth).min(1_000_000)
}

/// mim's slug for the plain titles made here (ASCII letters, digits, spaces, dashes),
/// up to the 48 characters below which mim keeps the whole slug.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

// ---------------------------------------------------------------------------------
// One incident's life, command by command

/// The commands of one incident, run in order at increasing times.
struct Life<'a> {
    mim: &'a Mim,
    plan: &'a Plan,
    rng: Rng,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    manager: &'static str,
    engineer: &'static str,
}

impl Life<'_> {
    /// Move on by `lo..hi` minutes, never past "now" (less a minute for what follows).
    fn later(&mut self, lo: i64, hi: i64) {
        let step = Duration::minutes(self.rng.range(lo, hi));
        self.at = (self.at + step)
            .min(self.now - Duration::minutes(1))
            .max(self.at);
    }

    fn mim(&self, by: &str, args: &[&str]) -> anyhow::Result<()> {
        self.mim.run(by, stamp(self.at), args)
    }

    fn update(&mut self, audience: &str) -> anyhow::Result<()> {
        let s = self.plan.service;
        let body = format!(
            "{} {}. {}\n\n{}",
            s.name,
            self.rng.pick(s.symptoms),
            self.rng.pick(PROGRESS),
            self.rng.pick(IMPACTS)
        );
        let status = format!(
            "{}: {}",
            self.rng.pick(STATUS_WORDS),
            self.rng.pick(PROGRESS_SHORT)
        );
        let eta = stamp(self.at + Duration::minutes(self.rng.range(60, 300)));
        let id = self.plan.id.clone();
        let mut args = vec![
            "update",
            &id,
            "--audience",
            audience,
            "-m",
            &body,
            "--status-line",
            &status,
        ];
        if self.rng.chance(50) {
            args.extend(["--eta", &eta]);
        }
        let manager = self.manager;
        self.mim(manager, &args)
    }
}

fn run(mim: &Mim, p: &Plan, now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut rng = Rng::new(p.seed, 1);
    let manager = rng.pick(MANAGERS);
    let engineer = rng.pick(ENGINEERS);
    let mut life = Life {
        mim,
        plan: p,
        rng,
        at: p.reported,
        now,
        manager,
        engineer,
    };
    declare(&mut life)?;
    match p.fate {
        Fate::Proposed => return Ok(()),
        Fate::Rejected => {
            life.later(5, 30);
            let reason = life_reason(&mut life.rng);
            return life.mim(manager, &["reject", &p.id, "--reason", reason]);
        }
        _ => {}
    }
    respond(&mut life)?;
    if matches!(p.fate, Fate::Accepted | Fate::OnHold) {
        return Ok(());
    }
    restore(&mut life)?;
    if p.fate == Fate::Resolved {
        return Ok(());
    }
    let required = p.impact == "high" && p.urgency == "high";
    if required || life.rng.chance(15) {
        pir(&mut life, required)?;
    }
    life.later(600, 4000);
    let csat = format!("{}", life.rng.range(2, 6));
    if life.rng.chance(70) && p.client.is_some() {
        life.mim(manager, &["close", &p.id, "--csat", &csat])
    } else {
        life.mim(manager, &["close", &p.id])
    }
}

/// `mim declare`, with a description, a ticket, and the client and CI when known.
fn declare(life: &mut Life) -> anyhow::Result<()> {
    let p = life.plan;
    let description = format!(
        "{} {} reported by {}; {}",
        p.service.name,
        life.rng.pick(p.service.symptoms),
        life.rng.pick(REPORTERS),
        life.rng.pick(IMPACTS).to_lowercase()
    );
    let ticket = format!(
        "{}-{}",
        p.client.map_or("INT", |c| c.ticket),
        40_000 + p.index
    );
    let mut declare = vec![
        "declare",
        "--title",
        &p.title,
        "--service",
        p.service.name,
        "--impact",
        p.impact,
        "--urgency",
        p.urgency,
        "--category",
        p.service.category,
        "--ticket",
        &ticket,
        "-m",
        &description,
        "--force",
    ];
    if let Some(c) = p.client {
        declare.extend(["--client", c.key]);
    }
    if let Some(ci) = &p.ci {
        declare.extend(["--ci", ci]);
    }
    let reporter = life.rng.pick(ENGINEERS);
    life.mim(reporter, &declare)
}

/// Accept, plan, then rounds of updates, escalations, notes and holds; an incident
/// that ends on hold stops there.
fn respond(life: &mut Life) -> anyhow::Result<()> {
    let p = life.plan;
    let (id, manager, engineer) = (p.id.as_str(), life.manager, life.engineer);
    life.later(3, 20);
    life.mim(manager, &["accept", id])?;
    life.later(5, 20);
    let vendor = life.rng.pick(VENDORS);
    let ws1 = format!("diagnosis:{engineer}");
    let ws2 = format!("vendor:{}:{vendor}", life.rng.pick(ENGINEERS));
    let approach = format!(
        "{} Then {}.",
        life.rng.pick(APPROACHES),
        life.rng.pick(PROGRESS_SHORT)
    );
    life.mim(
        manager,
        &[
            "plan",
            id,
            "--approach",
            &approach,
            "--workstream",
            &ws1,
            "--workstream",
            &ws2,
            "--bridge",
            "https://meet.msp.example/bridge",
        ],
    )?;
    let has_client = p.client.is_some();
    let rounds = life.rng.range(2, 6);
    let mut held = false;
    for round in 0..rounds {
        life.later(15, 50);
        let audience = if round % 2 == 0 && has_client {
            "all"
        } else {
            "internal"
        };
        life.update(audience)?;
        if round == 0 && life.rng.chance(60) {
            life.later(2, 10);
            let reference = format!("CASE-{}", 100_000 + p.index);
            life.mim(
                engineer,
                &[
                    "escalate",
                    id,
                    "--kind",
                    "vendor",
                    "--to",
                    vendor,
                    "--ref",
                    &reference,
                    "--reason",
                    "Fault in the vendor's platform suspected",
                ],
            )?;
        }
        if round == 1 && life.rng.chance(30) {
            life.later(2, 10);
            life.mim(
                manager,
                &[
                    "escalate",
                    id,
                    "--kind",
                    "management",
                    "--to",
                    "Dana Reyes",
                    "--reason",
                    "Restore target at risk",
                ],
            )?;
        }
        if round == 1 && life.rng.chance(20) {
            life.later(2, 10);
            let site = format!("Field engineer at {}", life.rng.pick(SITES));
            life.mim(
                engineer,
                &["escalate", id, "--kind", "onsite", "--to", &site],
            )?;
        }
        if life.rng.chance(50) {
            life.later(2, 20);
            let minutes = format!("{}m", life.rng.range(2, 12) * 15);
            let note = life.rng.pick(PROGRESS);
            let activity = life.rng.pick(ACTIVITIES);
            life.mim(
                engineer,
                &["note", id, note, "--time", &minutes, "--activity", activity],
            )?;
        }
        let stays_on_hold = p.fate == Fate::OnHold && round + 1 == rounds;
        if stays_on_hold || (!held && life.rng.chance(12)) {
            held = true;
            life.later(2, 10);
            let reason = life.rng.pick(HOLD_REASONS);
            life.mim(manager, &["hold", id, "--reason", reason])?;
            if stays_on_hold {
                return Ok(());
            }
            life.later(20, 120);
            life.mim(manager, &["resume", id])?;
        }
    }
    Ok(())
}

/// The workstream done, the resolution, and now and then a reopening and another.
fn restore(life: &mut Life) -> anyhow::Result<()> {
    let (id, manager, engineer) = (life.plan.id.as_str(), life.manager, life.engineer);
    life.later(10, 40);
    life.mim(engineer, &["plan", id, "--workstream-done", "diagnosis"])?;
    resolve(life)?;
    if life.rng.chance(6) {
        life.later(60, 600);
        life.mim(
            manager,
            &[
                "reopen",
                id,
                "--reason",
                "The fault came back after the fix",
            ],
        )?;
        life.later(10, 30);
        life.update("internal")?;
        life.later(30, 120);
        resolve(life)?;
    }
    Ok(())
}

fn life_reason(rng: &mut Rng) -> &'static str {
    rng.pick(&[
        "Affects one user with a working alternative; handled as a standard incident",
        "A duplicate of an incident already in progress",
        "Planned maintenance, announced to the client last week",
        "Not an outage: the service works as designed",
    ])
}

fn resolve(life: &mut Life) -> anyhow::Result<()> {
    let id = life.plan.id.clone();
    let (closure, workaround) = life.rng.pick(&[
        ("permanent-fix", false),
        ("config-change", false),
        ("vendor-fix", false),
        ("hardware-replaced", false),
        ("workaround", true),
        ("no-fault-found", false),
    ]);
    let problem = format!("PRB-{}", 1000 + life.plan.index);
    let message = format!("{}; service is back for all users.", life.rng.pick(FIXES));
    let mut args = vec!["resolve", &id, "--closure", closure, "-m", &message];
    if workaround {
        args.extend(["--workaround", "--problem", &problem]);
    }
    if life.plan.client.is_some() {
        args.push(if life.rng.chance(70) {
            "--verified-by-client"
        } else {
            "--verification-attempted"
        });
    }
    life.later(20, 200);
    let manager = life.manager;
    life.mim(manager, &args)
}

fn pir(life: &mut Life, required: bool) -> anyhow::Result<()> {
    let id = life.plan.id.clone();
    let facilitator = "Dana Reyes";
    life.later(300, 2000);
    let reason = if required { "required" } else { "management" };
    life.mim(
        facilitator,
        &[
            "pir",
            "start",
            &id,
            "--reason",
            reason,
            "--facilitator",
            facilitator,
        ],
    )?;
    write_pir_prose(
        &incident_dir(&life.mim.root, &id).join("pir.md"),
        &mut life.rng,
    )?;
    let actions = life.rng.range(1, 4);
    for _ in 0..actions {
        life.later(5, 60);
        let text = life.rng.pick(ACTIONS);
        let owner = life.rng.pick(ENGINEERS);
        let kind = life.rng.pick(&["process", "technical", "client"]);
        life.mim(
            facilitator,
            &[
                "pir", "action", "add", &id, text, "--owner", owner, "--kind", kind, "--due", "14d",
            ],
        )?;
    }
    life.later(600, 2000);
    let held = stamp(life.at - Duration::minutes(30));
    life.mim(
        facilitator,
        &[
            "pir",
            "review",
            &id,
            "internal",
            "--held-at",
            &held,
            "--attendees",
            "Dana Reyes, Alice Moreau, Raj Singh",
            "--feedback",
            "Agreed the causes and the actions.",
        ],
    )?;
    if life.plan.client.is_some() && life.rng.chance(60) {
        life.later(600, 3000);
        let held = stamp(life.at - Duration::minutes(45));
        life.mim(
            facilitator,
            &[
                "pir",
                "review",
                &id,
                "client",
                "--held-at",
                &held,
                "--attendees",
                "Dana Reyes, the client's IT manager",
                "--feedback",
                "The client accepted the actions.",
                "--adopted",
                "A1",
            ],
        )?;
    }
    for n in 1..=actions {
        life.later(600, 5000);
        let action = format!("A{n}");
        if n == actions && life.rng.chance(20) {
            life.mim(
                facilitator,
                &[
                    "pir",
                    "action",
                    "drop",
                    &id,
                    &action,
                    "--reason",
                    "Superseded by the platform migration",
                ],
            )?;
        } else {
            let owner = life.rng.pick(ENGINEERS);
            life.mim(
                owner,
                &[
                    "pir",
                    "action",
                    "done",
                    &id,
                    &action,
                    "--note",
                    "Done and checked",
                ],
            )?;
        }
    }
    Ok(())
}

/// Where an incident's files are, in either layout.
fn incident_dir(root: &Path, id: &str) -> PathBuf {
    let flat = root.join("incidents").join(id);
    if flat.exists() {
        return flat;
    }
    root.join("incidents")
        .join(&id[..4])
        .join(&id[5..7])
        .join(id)
}

/// What people write under each heading of `pir.md`, as they would by hand.
fn write_pir_prose(path: &Path, rng: &mut Rng) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut out = String::with_capacity(text.len() + 1024);
    let mut under_heading = false;
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("## ") {
            under_heading = true;
        } else if under_heading && line.starts_with("<!--") && line.ends_with("-->") {
            out.push('\n');
            out.push_str(rng.pick(PIR_PROSE));
            out.push('\n');
            under_heading = false;
        }
    }
    std::fs::write(path, out)?;
    Ok(())
}

/// One accepted P1 with `k` status updates to internal, 20 minutes apart, ending now.
fn long_incident(mim: &Mim, k: usize, now: DateTime<Utc>) -> anyhow::Result<()> {
    let start = now - Duration::minutes(20 * k as i64 + 60);
    let at = |t: DateTime<Utc>| stamp(t);
    let title = "Core banking platform degraded for weeks";
    mim.run(
        "Raj Singh",
        at(start),
        &[
            "declare",
            "--title",
            title,
            "--service",
            "Core banking",
            "--impact",
            "high",
            "--urgency",
            "high",
            "--client",
            "acme",
        ],
    )?;
    let date = start.with_timezone(&chrono_tz::Europe::London).date_naive();
    let id = format!("{date}-{}", slug(title));
    mim.run(
        "Alice Moreau",
        at(start + Duration::minutes(5)),
        &["accept", &id],
    )?;
    for n in 0..k {
        let t = start + Duration::minutes(30 + 20 * n as i64);
        let body = format!(
            "Update {}: still degraded; the vendor is working on it.",
            n + 1
        );
        mim.run("Alice Moreau", at(t), &["update", &id, "-m", &body])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The organisation

struct Client {
    key: &'static str,
    name: &'static str,
    domain: &'static str,
    ticket: &'static str,
    calendar: Option<&'static str>,
}

struct Service {
    name: &'static str,
    category: &'static str,
    cis: &'static [&'static str],
    symptoms: &'static [&'static str],
}

const CLIENTS: &[Client] = &[
    Client {
        key: "acme",
        name: "ACME Corp",
        domain: "acme.example",
        ticket: "ACME",
        calendar: Some("new-york"),
    },
    Client {
        key: "globex",
        name: "Globex Retail",
        domain: "globex.example",
        ticket: "GLX",
        calendar: None,
    },
    Client {
        key: "initech",
        name: "Initech",
        domain: "initech.example",
        ticket: "INI",
        calendar: Some("new-york"),
    },
    Client {
        key: "umbrella",
        name: "Umbrella Health",
        domain: "umbrella.example",
        ticket: "UMB",
        calendar: Some("berlin"),
    },
    Client {
        key: "hooli",
        name: "Hooli",
        domain: "hooli.example",
        ticket: "HOO",
        calendar: Some("singapore"),
    },
    Client {
        key: "stark",
        name: "Stark Logistics",
        domain: "stark.example",
        ticket: "STK",
        calendar: None,
    },
    Client {
        key: "wayne",
        name: "Wayne Foundation",
        domain: "wayne.example",
        ticket: "WAY",
        calendar: Some("berlin"),
    },
    Client {
        key: "soylent",
        name: "Soylent Foods",
        domain: "soylent.example",
        ticket: "SOY",
        calendar: None,
    },
];

const SERVICES: &[Service] = &[
    Service {
        name: "Payments API",
        category: "application",
        cis: &["pay-api", "pay-gw"],
        symptoms: &["outage", "errors", "slow", "timeouts"],
    },
    Service {
        name: "Site network",
        category: "network",
        cis: &["core-sw", "edge-fw"],
        symptoms: &["down", "packet loss", "flapping"],
    },
    Service {
        name: "E-mail",
        category: "cloud",
        cis: &["mx", "exchange"],
        symptoms: &["delayed", "bouncing", "down"],
    },
    Service {
        name: "VPN",
        category: "network",
        cis: &["vpn-gw"],
        symptoms: &["drops", "login failures", "slow"],
    },
    Service {
        name: "ERP",
        category: "application",
        cis: &["erp-app", "erp-db"],
        symptoms: &["unavailable", "slow", "batch jobs failing"],
    },
    Service {
        name: "Website",
        category: "application",
        cis: &["web", "cdn"],
        symptoms: &["down", "errors", "slow"],
    },
    Service {
        name: "Telephony",
        category: "network",
        cis: &["sbc", "pbx"],
        symptoms: &["no dial tone", "dropped calls"],
    },
    Service {
        name: "File shares",
        category: "storage",
        cis: &["nas", "dfs"],
        symptoms: &["unreachable", "read only", "slow"],
    },
    Service {
        name: "Backups",
        category: "storage",
        cis: &["backup-srv"],
        symptoms: &["failing", "missed window"],
    },
    Service {
        name: "Directory",
        category: "security",
        cis: &["dc"],
        symptoms: &["login failures", "replication broken"],
    },
    Service {
        name: "CRM",
        category: "application",
        cis: &["crm"],
        symptoms: &["unavailable", "sync failing"],
    },
    Service {
        name: "Point of sale",
        category: "application",
        cis: &["pos-srv", "pos-db"],
        symptoms: &["offline", "card payments failing"],
    },
    Service {
        name: "Data warehouse",
        category: "database",
        cis: &["dwh"],
        symptoms: &["loads failing", "queries slow"],
    },
    Service {
        name: "Virtual desktops",
        category: "server",
        cis: &["vdi"],
        symptoms: &["black screens", "login slow"],
    },
    Service {
        name: "Storage array",
        category: "storage",
        cis: &["san"],
        symptoms: &["latency", "degraded"],
    },
    Service {
        name: "Container platform",
        category: "cloud",
        cis: &["k8s"],
        symptoms: &["pods failing", "api down"],
    },
    Service {
        name: "Wi-Fi",
        category: "network",
        cis: &["wlc"],
        symptoms: &["down", "slow", "auth failures"],
    },
    Service {
        name: "Printing",
        category: "end-user",
        cis: &["print-srv"],
        symptoms: &["offline", "queues stuck"],
    },
];

const SITES: &[&str] = &[
    "Leeds",
    "London",
    "Manchester",
    "Berlin",
    "Boston",
    "Dublin",
    "Lyon",
    "the warehouse",
    "head office",
];
const TEAMS: &[&str] = &[
    "finance",
    "sales",
    "the call centre",
    "remote staff",
    "store managers",
    "support",
];
const MANAGERS: &[&str] = &["Alice Moreau", "Dana Reyes", "Marco Rossi", "Hannah Lee"];
const ENGINEERS: &[&str] = &[
    "Raj Singh",
    "Tom Okafor",
    "Priya Shah",
    "Lena Fischer",
    "Omar Haddad",
    "Chen Wei",
    "Sam Patel",
];
const REPORTERS: &[&str] = &[
    "the service desk",
    "monitoring",
    "the client's IT team",
    "a store manager",
];
const VENDORS: &[&str] = &[
    "Cisco TAC",
    "Microsoft Support",
    "AWS Support",
    "Dell ProSupport",
    "the carrier",
    "Fortinet TAC",
];
const ACTIVITIES: &[&str] = &["diagnosis", "repair", "coordination", "communication"];
const STATUS_WORDS: &[&str] = &["Down", "Degraded", "Recovering", "Monitoring"];
const PROGRESS_SHORT: &[&str] = &[
    "failover in progress",
    "rolling back the change",
    "vendor engaged",
    "fix being tested",
    "monitoring the recovery",
];
const PROGRESS: &[&str] = &[
    "We have isolated the fault to one component and are failing over to the standby.",
    "The change made this morning is being rolled back.",
    "The vendor has confirmed a known defect and is preparing a patch.",
    "A fix is being tested on one site before it is rolled out everywhere.",
    "Traffic is moving to the secondary data centre.",
    "Logs point at an expired certificate; a new one is being issued.",
];
const IMPACTS: &[&str] = &[
    "All users at the affected sites are unable to work.",
    "About a third of requests fail; retries mostly succeed.",
    "Staff can work offline, but orders are queuing.",
    "Customers see errors at checkout.",
];
const APPROACHES: &[&str] = &[
    "Fail over to the standby and find the cause on the primary afterwards.",
    "Roll back the last change, then confirm with the client.",
    "Work with the vendor on the defect; restart the service as a workaround meanwhile.",
];
const FIXES: &[&str] = &[
    "The failed component was replaced",
    "The change was rolled back",
    "The vendor's patch was applied",
    "The certificate was renewed",
    "The service was restarted on the standby",
];
const HOLD_REASONS: &[&str] = &[
    "Waiting for the client to approve the emergency change",
    "Waiting for the vendor's engineer to arrive on site",
    "Waiting for replacement parts",
];
const ACTIONS: &[&str] = &[
    "Add monitoring for the failed component",
    "Put the spare parts register under change control",
    "Review the change approval for weekend work",
    "Document the failover runbook",
    "Agree an escalation contact with the vendor",
];
const PIR_PROSE: &[&str] = &[
    "A component failed without warning; its redundant partner had been removed earlier and never replaced.",
    "The standby was not ready, so moving to it took longer than it should have.",
    "Escalations to the vendor went out quickly and the client was updated on time.",
    "A change that is not reviewed at the weekend is a risk to every client.",
    "Keep the runbooks with the service, and rehearse the failover twice a year.",
];

/// `mim.yaml`: the organisation, its clients and calendars (holidays from `from` to `to`).
fn config(from: i32, to: i32, layout: Layout) -> String {
    let holidays = |days: &[(u32, u32)]| -> String {
        let mut out = Vec::new();
        for year in from..=to {
            for &(m, d) in days {
                let date = Utc
                    .with_ymd_and_hms(year, m, d, 0, 0, 0)
                    .unwrap()
                    .date_naive();
                out.push(date.to_string());
            }
        }
        out.join(", ")
    };
    let mut clients = String::new();
    for c in CLIENTS {
        clients.push_str(&format!(
            "  {}:\n    name: {}\n{}    contacts:\n      client: [IT Operations <it-ops@{d}>]\n      management: [cio@{d}]\n      end_users: [all-staff@{d}]\n",
            c.key,
            c.name,
            c.calendar.map(|k| format!("    calendar: {k}\n")).unwrap_or_default(),
            d = c.domain
        ));
    }
    let layout = match layout {
        Layout::Flat => "",
        Layout::Monthly => "layout: monthly\n\n",
    };
    format!(
        r#"# A synthetic managed service provider, written by examples/synth.rs.

{layout}organization:
  name: Northwind Managed Services
  email: Northwind Incident Desk <incidents@northwind.example>
  timezone: Europe/London

impact: [high, medium, low]
urgency: [high, medium, low]
priority_matrix:
  high:   {{high: P1, medium: P2, low: P3}}
  medium: {{high: P2, medium: P3, low: P4}}
  low:    {{high: P3, medium: P4, low: P5}}

priorities:
  P1: {{major: true,  respond: 15m, restore: 4h,  update_internal: 30m, update_client: 1h, calendar: 24x7, pir: required}}
  P2: {{major: true,  respond: 30m, restore: 8h,  update_internal: 1h,  update_client: 2h, calendar: 24x7, pir: optional}}
  P3: {{major: false, respond: 1h,  restore: 10h, update_internal: 4h,  update_client: 8h, calendar: business, pir: optional}}
  P4: {{major: false, respond: 4h,  restore: 30h, calendar: business, pir: optional}}
  P5: {{major: false, respond: 8h,  restore: 50h, calendar: business, pir: optional}}

at_risk: 75%

calendars:
  business:
    timezone: Europe/London
    days: [mon, tue, wed, thu, fri]
    hours: "08:00-18:00"
    holidays: [{uk}]
  new-york:
    timezone: America/New_York
    days: [mon, tue, wed, thu, fri]
    hours: "07:00-19:00"
    holidays: [{us}]
  berlin:
    timezone: Europe/Berlin
    days: [mon, tue, wed, thu, fri]
    hours: "08:00-17:00"
    holidays: [{de}]
  singapore:
    timezone: Asia/Singapore
    days: [mon, tue, wed, thu, fri, sat]
    hours: "09:00-18:00"
    holidays: [{sg}]

clients:
{clients}
audiences:
  internal: {{to: [noc@northwind.example], cc: [service-desk@northwind.example]}}
  management: {{to: [service-delivery@northwind.example]}}

escalation:
  hierarchic:
    - {{at: 50%, notify: service-delivery-manager}}
    - {{at: 100%, notify: vp-services}}

categories: [network, server, storage, application, database, security, cloud, end-user]
closure_codes:
  workaround: Service restored by a workaround; root cause still open
  permanent-fix: Root cause removed
  vendor-fix: Fixed by the vendor
  config-change: Configuration corrected
  hardware-replaced: Failed hardware replaced
  no-fault-found: Service recovered; no fault found

pir:
  start_within: 2d
  action_due: 14d

git:
  commit: true
"#,
        uk = holidays(&[(1, 1), (12, 25), (12, 26)]),
        us = holidays(&[(1, 1), (7, 4), (12, 25)]),
        de = holidays(&[(1, 1), (10, 3), (12, 25), (12, 26)]),
        sg = holidays(&[(1, 1), (8, 9), (12, 25)]),
    )
}
