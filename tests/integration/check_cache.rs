//! `mim check`'s cache of closed and rejected incidents: a check that uses it says,
//! byte for byte and in every format, what `check --no-cache` says, after every kind of
//! change (an incident's files committed or not, untracked and ignored files, mim.yaml,
//! a template, another mim, another "now", `--client`); it is used (`--verbose` says how
//! much came from it); an open incident is evaluated on every run.

use std::path::{Path, PathBuf};

use crate::common::{Run, TestRepo, mim_bin};

const CACHE: &str = ".git/mim/check-cache";

/// The cache's file of flat incidents (the tests' repositories are flat).
const FLAT: &str = ".git/mim/check-cache/flat";

/// "Now" for most checks: after everything the incidents record.
const NOW: &str = "2026-12-10T09:00:00Z";

/// The three incidents of [`repository`].
pub(crate) struct Ids {
    pub closed: String,
    pub rejected: String,
    pub open: String,
}

/// A committed repository with a closed incident (for ACME), a rejected one (for
/// Globex) and an open one (for ACME), each with its mail in `outbox/`.
pub(crate) fn repository() -> (TestRepo, Ids) {
    let repo = TestRepo::new();
    let globex = "  globex:\n    name: Globex Retail\n    contacts:\n      client: [ops@globex.example]\n\naudiences:";
    repo.config(&repo.read("mim.yaml").replacen("\naudiences:", globex, 1));
    let closed = repo.declare(
        "2026-11-24T09:00:00Z",
        "Printer queue stuck",
        "medium",
        "medium",
        &["--client", "acme", "--force"],
    );
    repo.at(
        "2026-11-24T09:10:00Z",
        &["accept", &closed, "--manager", "Alice Moreau"],
    )
    .ok();
    repo.at(
        "2026-11-24T11:00:00Z",
        &[
            "resolve",
            &closed,
            "-m",
            "Restored.",
            "--closure",
            "permanent-fix",
        ],
    )
    .ok();
    repo.at("2026-11-25T09:00:00Z", &["close", &closed]).ok();
    let rejected = repo.declare(
        "2026-11-26T09:00:00Z",
        "Slow wiki",
        "low",
        "low",
        &["--client", "globex", "--force"],
    );
    repo.at(
        "2026-11-26T09:20:00Z",
        &["reject", &rejected, "--reason", "not major"],
    )
    .ok();
    let open = repo.active_p1("2026-12-01T09:00:00Z", "2026-12-01T09:10:00Z");
    (
        repo,
        Ids {
            closed,
            rejected,
            open,
        },
    )
}

/// An incident's directory from the root, wherever the layout puts it.
pub(crate) fn dir_of(repo: &TestRepo, id: &str) -> String {
    let found = walkdir::WalkDir::new(repo.path("incidents"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_dir() && e.file_name() == id)
        .unwrap_or_else(|| panic!("no directory of {id}"));
    found
        .path()
        .strip_prefix(&repo.root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// `mim check` with `args` at `now`, run by `bin` (in the tests' environment).
fn check_with(repo: &TestRepo, bin: &Path, now: &str, args: &[&str]) -> Run {
    let template = repo.cmd();
    let mut cmd = std::process::Command::new(bin);
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd.current_dir(&repo.root)
        .env("MIM_NOW", now)
        .arg("check")
        .args(args);
    // A copy of the binary just written may still be open in a child another test's
    // thread forked meanwhile (until that child execs): try again.
    for _ in 0..100 {
        match cmd.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            out => return Run::from_output(out.expect("run mim")),
        }
    }
    panic!("{} stays busy", bin.display());
}

/// How many incidents `check --verbose` took from the cache, with `bin` at `now`.
fn from_cache(repo: &TestRepo, bin: &Path, now: &str, args: &[&str]) -> usize {
    let mut all = vec!["--verbose"];
    all.extend_from_slice(args);
    let run = check_with(repo, bin, now, &all);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("from the cache"))
        .unwrap_or_else(|| panic!("no cache line:\n{}", run.stderr));
    line.split(' ').next().unwrap().parse().unwrap()
}

/// `check` (with `args`) through the cache says what `--no-cache` says, as text (both
/// kinds) and JSON: the same standard output, standard error and exit code. The cached
/// runs go first and twice, so the second reads what the first kept.
#[track_caller]
fn same(repo: &TestRepo, bin: &Path, now: &str, args: &[&str]) {
    same_in(
        repo,
        bin,
        now,
        args,
        &[&[], &["--verbose"], &["--format", "json"]],
    );
}

/// [`same`] in every format of `check`.
#[track_caller]
fn same_in_every_format(repo: &TestRepo, bin: &Path, now: &str, args: &[&str]) {
    let formats: [&[&str]; 6] = [
        &[],
        &["--verbose"],
        &["--format", "json"],
        &["--format", "github"],
        &["--format", "junit"],
        &["--format", "gitlab"],
    ];
    same_in(repo, bin, now, args, &formats);
}

#[track_caller]
fn same_in(repo: &TestRepo, bin: &Path, now: &str, args: &[&str], formats: &[&[&str]]) {
    for format in formats {
        let mut all: Vec<&str> = format.to_vec();
        all.extend_from_slice(args);
        let cached = check_with(repo, bin, now, &all);
        let again = check_with(repo, bin, now, &all);
        all.push("--no-cache");
        let fresh = check_with(repo, bin, now, &all);
        for (what, run) in [("first", &cached), ("second", &again)] {
            // `--verbose` adds the cache's line on standard error; all else is the same.
            let stderr: String = run
                .stderr
                .lines()
                .filter(|l| !l.contains("from the cache"))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(
                (run.code, run.stdout.as_str(), stderr.as_str()),
                (fresh.code, fresh.stdout.as_str(), fresh.stderr.as_str()),
                "{what} cached `check {}` at {now}",
                all.join(" ")
            );
        }
    }
}

fn bin() -> PathBuf {
    mim_bin()
}

pub(crate) fn commit_all(repo: &TestRepo, message: &str) {
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "--quiet", "-m", message]);
}

#[test]
fn the_closed_and_rejected_incidents_come_from_the_cache_and_say_the_same() {
    let (repo, _) = repository();
    // The first check finds them; the next takes both from the cache, not the open one.
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 0);
    assert!(repo.path(FLAT).is_file());
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    same_in_every_format(&repo, &bin(), NOW, &[]);
    // A later "now": a settled outcome holds; the open incident's clocks moved on.
    let later = "2027-03-01T00:00:00Z";
    assert_eq!(from_cache(&repo, &bin(), later, &[]), 2);
    same_in_every_format(&repo, &bin(), later, &[]);
    // `--client` picks from the kept outcomes as from fresh ones.
    same(&repo, &bin(), NOW, &["--client", "acme"]);
    same(&repo, &bin(), NOW, &["--client", "globex"]);
    same(&repo, &bin(), NOW, &["--strict"]);
}

#[test]
fn an_edit_to_a_closed_incident_is_read_again_committed_or_not() {
    let (repo, ids) = repository();
    same(&repo, &bin(), NOW, &[]);
    // The resolve half an hour earlier: its restore clock stops then.
    let timeline = format!("{}/timeline.yaml", dir_of(&repo, &ids.closed));
    let text = repo.read(&timeline);
    let edited = text.replace("at: 2026-11-24T11:00:00Z", "at: 2026-11-24T10:30:00Z");
    assert_ne!(edited, text);
    repo.write(&timeline, &edited);
    // Not committed: the work tree is not HEAD's, so it is read again.
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 1);
    let run = check_with(&repo, &bin(), NOW, &["--format", "json"]);
    let clocks = run.json()["clocks"][&ids.closed].to_string();
    assert!(clocks.contains("2026-11-24T10:30:00Z"), "{clocks}");
    same(&repo, &bin(), NOW, &[]);
    // Staged only: the same.
    repo.git(&["add", "-A"]);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 1);
    same(&repo, &bin(), NOW, &[]);
    // Committed: HEAD's tree of it is new; read once, then kept.
    repo.git(&["commit", "--quiet", "-m", "hand edit"]);
    same(&repo, &bin(), NOW, &[]);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    // An edit that breaks a file: a validation problem, from the cache too.
    let timeline = format!("{}/timeline.yaml", dir_of(&repo, &ids.rejected));
    let before = check_with(&repo, &bin(), NOW, &["--verbose"]);
    assert!(!before.stdout.contains(&ids.rejected), "{}", before.stdout);
    repo.write(
        &timeline,
        &format!("{}- at: not a time\n", repo.read(&timeline)),
    );
    same(&repo, &bin(), NOW, &[]);
    commit_all(&repo, "broken");
    same(&repo, &bin(), NOW, &[]);
    let run = check_with(&repo, &bin(), NOW, &["--verbose"]);
    assert!(run.stdout.contains(&ids.rejected), "{}", run.stdout);
    // Undone by hand, uncommitted: HEAD still has the broken file; the work tree is read.
    repo.git(&["checkout", "HEAD~1", "--", &timeline]);
    same(&repo, &bin(), NOW, &[]);
    let run = check_with(&repo, &bin(), NOW, &["--verbose"]);
    assert!(!run.stdout.contains(&ids.rejected), "{}", run.stdout);
}

#[test]
fn an_untracked_or_ignored_file_in_a_closed_incident_is_read_again() {
    let (repo, ids) = repository();
    same(&repo, &bin(), NOW, &[]);
    let stray = format!("{}/outbox/stray.eml", dir_of(&repo, &ids.closed));
    repo.write(&stray, "not a message mim wrote\n");
    let run = check_with(&repo, &bin(), NOW, &["--verbose"]);
    assert!(run.stdout.contains("stray.eml"), "{}", run.stdout);
    same(&repo, &bin(), NOW, &[]);
    // Ignored by git: mim reads it all the same, so the cache does not trust git's view.
    repo.write(".gitignore", "stray.eml\n");
    commit_all(&repo, "ignore");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    same(&repo, &bin(), NOW, &[]);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 1);
    // An empty directory git does not see either.
    std::fs::remove_file(repo.path(&stray)).unwrap();
    same(&repo, &bin(), NOW, &[]);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    let empty = format!("{}/pir.md", dir_of(&repo, &ids.closed));
    std::fs::create_dir(repo.path(&empty)).unwrap();
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 1);
    same(&repo, &bin(), NOW, &[]);
    std::fs::remove_dir(repo.path(&empty)).unwrap();
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    // A FIFO, which git does not list at all, and a symbolic link.
    #[cfg(unix)]
    {
        let fifo = repo.path(&format!("{}/plan.md", dir_of(&repo, &ids.rejected)));
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");
        assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 1);
        same(&repo, &bin(), NOW, &[]);
        std::fs::remove_file(&fifo).unwrap();
        let link = repo.path(&format!("{}/notes.md", dir_of(&repo, &ids.closed)));
        std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
        commit_all(&repo, "a link");
        assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 1);
        same(&repo, &bin(), NOW, &[]);
    }
}

#[test]
fn an_edit_to_mim_yaml_or_a_template_reads_every_incident_again() {
    let (repo, _) = repository();
    same(&repo, &bin(), NOW, &[]);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    // mim.yaml, not committed: the clients' names in the text, the targets in the clocks.
    let config = repo.read("mim.yaml");
    let edited = config
        .replace("name: ACME Corp", "name: ACME Corporation")
        .replace(
            "P3: {major: false, respond: 1h",
            "P3: {major: false, respond: 2h",
        );
    assert_ne!(edited, config, "the default configuration changed");
    repo.write("mim.yaml", &edited);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 0);
    let run = check_with(&repo, &bin(), NOW, &[]);
    assert!(run.stdout.contains("ACME Corporation"), "{}", run.stdout);
    same(&repo, &bin(), NOW, &[]);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    // A template override, added and then changed: the key is another each time.
    repo.write(
        "templates/update-internal.md",
        "{{ incident.title }} — update {{ update.number }}\n",
    );
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 0);
    same(&repo, &bin(), NOW, &[]);
    repo.write(
        "templates/update-internal.md",
        "{{ incident.title }}: update {{ update.number }}\n",
    );
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 0);
    same(&repo, &bin(), NOW, &[]);
}

#[test]
fn another_mim_does_not_use_what_this_one_kept() {
    let (repo, _) = repository();
    same(&repo, &bin(), NOW, &[]);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    // Another build: the same program with other bytes (an upgrade, a rebuild with other
    // code). Bytes after the end of an executable are not run.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("mim");
    let mut bytes = std::fs::read(bin()).unwrap();
    bytes.extend_from_slice(b"\nanother build\n");
    std::fs::write(&other, bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(from_cache(&repo, &other, NOW, &[]), 0);
    same(&repo, &other, NOW, &[]);
    assert_eq!(from_cache(&repo, &other, NOW, &[]), 2);
    // And back: the file now holds the other build's key.
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 0);
    // A file of another version or format of mim is ignored the same way.
    let text = std::fs::read_to_string(repo.path(FLAT)).unwrap();
    assert!(text.starts_with("mim-settled 2.2 "), "{text}");
    std::fs::write(
        repo.path(FLAT),
        text.replace("mim-settled 2.2 ", "mim-settled 2.99 "),
    )
    .unwrap();
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 0);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
}

#[test]
fn an_open_incident_is_evaluated_on_every_run() {
    let (repo, ids) = repository();
    let at = |now: &str| {
        let run = check_with(&repo, &bin(), now, &["--format", "json"]);
        run.json()["clocks"][&ids.open].clone()
    };
    let first = at("2026-12-01T10:00:00Z");
    let later = at("2026-12-01T12:00:00Z");
    assert_ne!(first, later, "the open incident's clocks move with now");
    same(&repo, &bin(), "2026-12-01T13:00:00Z", &[]);
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    // "Now" before the close: the closed incident was open then, and is read again.
    same(&repo, &bin(), "2026-11-24T10:00:00Z", &[]);
    assert_eq!(from_cache(&repo, &bin(), "2026-11-24T10:00:00Z", &[]), 0);
    same(&repo, &bin(), "2026-11-26T09:10:00Z", &[]);
    assert_eq!(from_cache(&repo, &bin(), "2026-11-26T09:10:00Z", &[]), 1);
}

#[test]
fn no_cache_neither_reads_nor_writes_it_and_a_broken_one_is_ignored() {
    let (repo, _) = repository();
    let run = check_with(&repo, &bin(), NOW, &["--no-cache", "--verbose"]);
    assert!(!run.stderr.contains("from the cache"), "{}", run.stderr);
    assert!(!repo.path(CACHE).exists());
    same(&repo, &bin(), NOW, &[]);
    let kept = std::fs::read(repo.path(FLAT)).unwrap();
    // Corrupt, truncated, empty, a directory: ignored without a word, then written again.
    let header = String::from_utf8_lossy(&kept)
        .lines()
        .next()
        .unwrap()
        .to_string();
    let torn = format!("{header}\n\nan-id\tbroken");
    for broken in [
        torn.as_bytes(),
        &kept[..kept.len() / 2],
        b"",
        b"\xff\xfe garbage",
    ] {
        std::fs::write(repo.path(FLAT), broken).unwrap();
        same(&repo, &bin(), NOW, &[]);
        assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    }
    std::fs::remove_file(repo.path(FLAT)).unwrap();
    std::fs::create_dir(repo.path(FLAT)).unwrap();
    let run = check_with(&repo, &bin(), NOW, &["--verbose"]);
    assert!(
        run.stderr.contains("0 of 3 incidents from the cache"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir(repo.path(FLAT)).unwrap();
    // A file where the cache's directory goes: ignored, and replaced.
    std::fs::remove_dir_all(repo.path(CACHE)).unwrap();
    std::fs::write(repo.path(CACHE), &kept).unwrap();
    let run = check_with(&repo, &bin(), NOW, &["--verbose"]);
    assert!(
        run.stderr.contains("0 of 3 incidents from the cache"),
        "{}",
        run.stderr
    );
    assert_eq!(from_cache(&repo, &bin(), NOW, &[]), 2);
    // `--no-cache` leaves the file as it is.
    std::fs::write(repo.path(FLAT), &kept).unwrap();
    repo.write(
        "mim.yaml",
        &repo
            .read("mim.yaml")
            .replace("name: ACME Corp", "name: ACME Co"),
    );
    check_with(&repo, &bin(), NOW, &["--no-cache"]);
    assert_eq!(std::fs::read(repo.path(FLAT)).unwrap(), kept);
}

#[test]
fn without_a_commit_there_is_no_cache() {
    let repo = TestRepo::new();
    // The branch as before its first commit, the files still there.
    repo.git(&["update-ref", "-d", "refs/heads/main"]);
    let run = check_with(&repo, &bin(), NOW, &["--verbose"]);
    assert!(!run.stderr.contains("from the cache"), "{}", run.stderr);
    assert!(!repo.path(CACHE).exists());
}
