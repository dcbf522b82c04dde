//! Concurrency and crashes: the repository lock, the transaction journal and recovery.
//! Commands run at the same time, or are killed at every step of a mutation (with
//! `MIM_FAULT`, or together with git from a git hook); afterwards the next mim leaves a
//! clean tree and a HEAD that holds all or nothing of the interrupted command.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Run, TestRepo};

const DECLARED: &str = "2026-11-24T09:00:00Z";
const ACCEPTED: &str = "2026-11-24T09:05:00Z";

fn output(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("run mim");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run with `MIM_FAULT=point`: the process must have been killed there.
#[track_caller]
fn killed_at(repo: &TestRepo, point: &str, args: &[&str]) {
    let run = output(repo.cmd().env("MIM_FAULT", point).args(args));
    assert_eq!(
        run.code, -1,
        "expected mim to be killed at {point}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

fn status(repo: &TestRepo) -> String {
    repo.git(&["status", "--porcelain", "--untracked-files=all"])
}

/// A fresh clone of HEAD: `mim validate` passes there, and its timeline of `id`.
fn clone_validates(repo: &TestRepo, id: &str) -> String {
    let clone = repo.clone_repo("Checker");
    clone.run(&["validate"]).ok();
    clone.read(&format!("incidents/{id}/timeline.yaml"))
}

fn files_at_head(repo: &TestRepo) -> Vec<String> {
    repo.git(&["ls-tree", "-r", "--name-only", "HEAD"])
        .lines()
        .map(String::from)
        .collect()
}

/// The files an update to every audience of an ACME P1 writes, relative to the root.
fn update_files(repo: &TestRepo, id: &str) -> Vec<String> {
    files_at_head(repo)
        .into_iter()
        .filter(|f| f.starts_with(&format!("incidents/{id}/updates/")) || f.contains("/outbox/"))
        .collect()
}

#[test]
fn concurrent_notes_all_land_each_in_its_own_commit() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let before = repo.log().len();
    let threads: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|who| {
            let mut cmds: Vec<Command> = (1..=50)
                .map(|n| {
                    let mut cmd = repo.cmd();
                    cmd.args(["--at", "2026-11-24T10:00:00Z", "note", &id])
                        .arg(format!("note {who}{n}"));
                    cmd
                })
                .collect();
            std::thread::spawn(move || cmds.iter_mut().map(output).collect::<Vec<Run>>())
        })
        .collect();
    let runs: Vec<Run> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    for run in &runs {
        assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    }
    let log = repo.log();
    assert_eq!(log.len(), before + 100);
    // Each commit adds exactly its own note, and its message says which.
    let shas = repo.git(&["log", "--format=%H", &format!("-{}", 100)]);
    let mut seen = Vec::new();
    for sha in shas.lines() {
        let subject = repo.git(&["log", "-1", "--format=%s", sha]);
        let diff = repo.git(&["show", "--format=", "-U0", sha]);
        let added: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .collect();
        assert_eq!(added.len(), 1, "{sha}: {diff}");
        let text = subject
            .trim()
            .strip_prefix(&format!("{}: note: ", crate::common::subject_ref(&id)))
            .unwrap_or_else(|| panic!("{subject}"));
        assert!(
            added[0].contains(&format!("text: \"{text}\"")),
            "{subject}: {}",
            added[0]
        );
        seen.push(text.to_string());
    }
    seen.sort();
    let mut expected: Vec<String> = ["a", "b"]
        .iter()
        .flat_map(|w| (1..=50).map(move |n| format!("note {w}{n}")))
        .collect();
    expected.sort();
    assert_eq!(seen, expected);
    let timeline = clone_validates(&repo, &id);
    assert_eq!(timeline.matches("event: note").count(), 100);
    assert_eq!(status(&repo), "");
}

/// Every step of a nine-file mutation (four update files, four e-mails, the timeline):
/// after the kill, the next command recovers; HEAD holds all or nothing.
#[test]
fn a_mutation_killed_at_any_step_is_recovered_by_the_next_mim() {
    let points = [
        "after-journal",
        "mid-write:1",
        "after-write:1",
        "mid-write:4",
        "after-write:4",
        "mid-write:7",
        "after-write:7",
        "mid-write:9",
        "after-write:9",
        "after-add",
        "after-update-ref",
        "after-commit",
    ];
    for point in points {
        let repo = TestRepo::new();
        let id = repo.active_p1(DECLARED, ACCEPTED);
        let head = repo.git(&["rev-parse", "HEAD"]);
        killed_at(
            &repo,
            point,
            &[
                "--at",
                "2026-11-24T09:30:00Z",
                "update",
                &id,
                "--audience",
                "all",
                "-m",
                "Failing over to DC2.",
            ],
        );
        let run = repo
            .at("2026-11-24T09:40:00Z", &["note", &id, "after the crash"])
            .ok();
        assert!(
            run.stderr
                .contains("mim: recovered the interrupted `mim --at 2026-11-24T09:30:00Z update"),
            "{point}: {}",
            run.stderr
        );
        assert_eq!(status(&repo), "", "{point}: the tree is clean");
        assert!(!repo.path(".git/mim-journal").exists(), "{point}");
        let committed = point == "after-commit" || point == "after-update-ref";
        let written = update_files(&repo, &id);
        let timeline = clone_validates(&repo, &id);
        if committed {
            assert_eq!(written.len(), 8, "{point}: {written:?}");
            assert_eq!(timeline.matches("event: update").count(), 4, "{point}");
            assert!(
                run.stderr.contains("finished it"),
                "{point}: {}",
                run.stderr
            );
        } else {
            assert!(written.is_empty(), "{point}: {written:?}");
            assert!(!timeline.contains("event: update"), "{point}");
            assert!(
                run.stderr.contains("rolled it back"),
                "{point}: {}",
                run.stderr
            );
            assert_eq!(
                repo.git(&["rev-parse", "HEAD~1"]),
                head,
                "{point}: only the note was committed"
            );
        }
        assert!(timeline.contains("after the crash"), "{point}");
        // The next update works and numbers itself as if nothing happened.
        repo.at(
            "2026-11-24T09:50:00Z",
            &["update", &id, "-m", "Still failing over."],
        )
        .ok();
        let expected = if committed {
            "u2-internal"
        } else {
            "u1-internal"
        };
        assert!(
            update_files(&repo, &id)
                .iter()
                .any(|f| f.contains(expected)),
            "{point}"
        );
        assert_eq!(status(&repo), "", "{point}");
    }
}

#[test]
fn a_killed_declare_leaves_no_directory_behind() {
    let repo = TestRepo::new();
    for point in ["after-journal", "after-write:1", "after-add"] {
        killed_at(
            &repo,
            point,
            &[
                "--at",
                DECLARED,
                "declare",
                "--title",
                "Mail down",
                "--service",
                "Mail",
                "--impact",
                "high",
                "--urgency",
                "high",
            ],
        );
        repo.run(&["list"]).ok();
        // `list` reads only; the next mutating command recovers.
        let id = repo.declare(DECLARED, "Payments down", "high", "high", &[]);
        assert!(
            !repo.path("incidents/2026-11-24-mail-down").exists(),
            "{point}"
        );
        assert_eq!(status(&repo), "", "{point}");
        repo.at(ACCEPTED, &["reject", &id, "--reason", "duplicate"])
            .ok();
    }
}

#[test]
fn read_only_commands_warn_about_an_interrupted_transaction() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    killed_at(
        &repo,
        "after-write:1",
        &["--at", "2026-11-24T09:30:00Z", "note", &id, "lost"],
    );
    let run = repo.run(&["show", &id]).ok();
    assert!(
        run.stderr.contains("interrupted mim command"),
        "{}",
        run.stderr
    );
    repo.at("2026-11-24T09:31:00Z", &["note", &id, "kept"]).ok();
    let run = repo.run(&["show", &id]).ok();
    assert!(!run.stderr.contains("interrupted"), "{}", run.stderr);
    assert!(
        run.stdout.contains("kept") && !run.stdout.contains("lost"),
        "{}",
        run.stdout
    );
}

#[test]
fn without_commits_an_interrupted_command_is_rolled_back_too() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let before = repo.snapshot();
    killed_at(
        &repo,
        "after-write:3",
        &[
            "--no-commit",
            "--at",
            "2026-11-24T09:30:00Z",
            "update",
            &id,
            "--audience",
            "all",
            "-m",
            "x",
        ],
    );
    assert_ne!(repo.snapshot(), before);
    // Reading commands see the half-done state, and say why.
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stderr.contains("interrupted mim command"),
        "{}",
        run.stderr
    );
    repo.run(&["templates", "export", "update-internal.md", "--no-commit"])
        .ok();
    std::fs::remove_file(repo.path("templates/update-internal.md")).unwrap();
    assert_eq!(repo.snapshot(), before);
}

/// git's `reference-transaction` hook runs with the branch and index locks held: this
/// one kills git and the mim that ran it, as a crash or a `kill -9` of both would.
#[cfg(target_os = "linux")]
#[test]
fn a_mim_killed_together_with_git_leaves_locks_that_the_next_mim_removes() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let hook = repo.path(".git/hooks/reference-transaction");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(
        &hook,
        "#!/bin/sh\n[ \"$1\" = prepared ] || exit 0\n\
         git_pid=$PPID\nmim_pid=$(cut -d' ' -f4 /proc/$git_pid/stat)\n\
         kill -9 \"$mim_pid\" \"$git_pid\"\n",
    )
    .unwrap();
    make_executable(&hook);
    let run = repo.at("2026-11-24T09:30:00Z", &["note", &id, "lost with git"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    // The commit moves the branch with `update-ref`: the branch's lock is left.
    let branch = repo.git(&["symbolic-ref", "HEAD"]);
    let lock = format!(".git/{}.lock", branch.trim());
    assert!(repo.path(&lock).exists(), "{lock}");
    std::fs::remove_file(&hook).unwrap();
    let run = repo.at("2026-11-24T09:31:00Z", &["note", &id, "kept"]).ok();
    assert!(
        run.stderr.contains("mim: removed git's lock files"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&lock), "{}", run.stderr);
    assert!(run.stderr.contains("rolled it back"), "{}", run.stderr);
    assert!(!repo.path(&lock).exists());
    assert_eq!(status(&repo), "");
    let timeline = clone_validates(&repo, &id);
    assert!(timeline.contains("kept") && !timeline.contains("lost with git"));
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_git_lock_that_no_mim_claims_is_reported_not_removed() {
    let repo = TestRepo::new();
    repo.config(&mim::DEFAULT_CONFIG.replace("lock_timeout: 30s", "lock_timeout: 0s"));
    let id = repo.active_p1(DECLARED, ACCEPTED);
    std::fs::write(repo.path(".git/index.lock"), "").unwrap();
    let before = repo.snapshot();
    let run = repo
        .at("2026-11-24T09:30:00Z", &["note", &id, "blocked"])
        .fails(1);
    assert!(
        run.stderr.contains(".git/index.lock exists"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("your own git"), "{}", run.stderr);
    assert!(repo.path(".git/index.lock").exists(), "left alone");
    assert_eq!(repo.snapshot(), before);
    std::fs::remove_file(repo.path(".git/index.lock")).unwrap();
    repo.at("2026-11-24T09:31:00Z", &["note", &id, "now"]).ok();
}

/// A `mail.sendmail` that waits: `mim send` holds the repository lock meanwhile.
fn slow_sendmail(repo: &TestRepo) -> (PathBuf, PathBuf, PathBuf) {
    let started = repo.home.join("sendmail-started");
    let release = repo.home.join("sendmail-release");
    let script = repo.home.join("slow-sendmail");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat > /dev/null\ntouch '{s}'\nn=0; while [ ! -e '{r}' ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done\nrm -f '{r}'\n",
            s = started.display(),
            r = release.display()
        ),
    )
    .unwrap();
    make_executable(&script);
    (script, started, release)
}

fn spawn(repo: &TestRepo, args: &[&str]) -> Child {
    repo.cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mim")
}

/// Wait for `path` to appear (a minute at most: a test never waits for ever).
#[track_caller]
fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} did not appear within a minute",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_mim_waits_for_the_first_then_names_it_when_it_waited_too_long() {
    let repo = TestRepo::new();
    let (script, started, release) = slow_sendmail(&repo);
    let config = mim::DEFAULT_CONFIG
        .replace("sendmail -t -i", script.to_str().unwrap())
        .replace("lock_timeout: 30s", "lock_timeout: 0s");
    repo.config(&config);
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at("2026-11-24T09:30:00Z", &["update", &id, "-m", "x"])
        .ok();
    // `send` sends now (MIM_NOW): it takes no --at.
    let sender = spawn(&repo, &["send", &id]);
    wait_for(&started);
    let before = repo.snapshot();
    let run = repo
        .at("2026-11-24T09:32:00Z", &["note", &id, "too soon"])
        .fails(1);
    assert!(
        run.stderr
            .contains("another mim is changing this repository"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("pid {}", sender.id())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("`mim send {id}`")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("since 20"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("remove") && !run.stderr.contains("delete"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
    std::fs::write(&release, "").unwrap();
    let out = sender.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With a wait long enough, the second one proceeds once the first is done, on the
    // state the first left.
    repo.config(&config.replace("lock_timeout: 0s", "lock_timeout: 1m"));
    std::fs::remove_file(&started).unwrap();
    let sender = spawn(
        &repo,
        &[
            "--at",
            "2026-11-24T09:33:00Z",
            "update",
            &id,
            "-m",
            "y",
            "--send",
        ],
    );
    wait_for(&started);
    let waiter = spawn(
        &repo,
        &[
            "--at",
            "2026-11-24T09:34:00Z",
            "note",
            &id,
            "after the send",
        ],
    );
    std::fs::write(&release, "").unwrap();
    for child in [sender, waiter] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let log = repo.log();
    assert!(log[0].ends_with("note: after the send"), "{log:?}");
    assert!(log[1].ends_with("sent 1 message (update 2)"), "{log:?}");
    assert!(log[2].ends_with("update 2 to internal"), "{log:?}");
    assert_eq!(status(&repo), "");
}

/// E-mails handed to sendmail are sent: a `send` killed between two messages is
/// completed (its `sent.log` committed), never rolled back into sending twice.
#[cfg(unix)]
#[test]
fn a_killed_send_is_completed_not_rolled_back() {
    let repo = TestRepo::new();
    let count = repo.home.join("count");
    let delivered = repo.home.join("delivered");
    let script = repo.home.join("dying-sendmail");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nn=$(cat '{c}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{c}'\n\
             if [ $n -eq 2 ]; then kill -9 $PPID; sleep 5; fi\n\
             grep '^Subject:' >> '{d}'\n",
            c = count.display(),
            d = delivered.display()
        ),
    )
    .unwrap();
    make_executable(&script);
    repo.config(&mim::DEFAULT_CONFIG.replace("sendmail -t -i", script.to_str().unwrap()));
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "x"],
    )
    .ok();
    let run = repo.run(&["send", &id]);
    assert_eq!(run.code, -1, "{}", run.stderr);
    let run = repo.at("2026-11-24T09:32:00Z", &["note", &id, "next"]).ok();
    assert!(
        run.stderr.contains("completed it and committed it"),
        "{}",
        run.stderr
    );
    assert_eq!(status(&repo), "");
    assert!(
        repo.log()[1].contains(": sent 1 message (update 1)")
            && repo.log()[1].ends_with("; 1 uncertain"),
        "{:?}",
        repo.log()
    );
    // The second message was handed to a sendmail that died with mim: uncertain, not
    // unsent, so it is never sent again by itself.
    let unsent = repo.run(&["send", &id, "--dry-run", "--json"]).ok().json();
    assert_eq!(unsent["unsent"].as_array().unwrap().len(), 2, "{unsent}");
    assert_eq!(unsent["uncertain"].as_array().unwrap().len(), 1, "{unsent}");
    let sent_log = repo.read(&format!("incidents/{id}/outbox/sent.log"));
    let words: Vec<&str> = sent_log
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(' ').nth(1).unwrap())
        .map(|w| if w.starts_with("20") { "sent" } else { w })
        .collect();
    assert_eq!(words, ["sending", "sent", "sending"], "{sent_log}");
}

/// A `mail.sendmail` that takes a moment (so that kills land while it has the message),
/// then keeps what it was given as a new file `mail.*` of the returned directory, moved
/// into place whole; `running.<pid>` exists while it runs.
#[cfg(unix)]
fn keeping_sendmail(repo: &TestRepo) -> PathBuf {
    let dir = repo.home.join("mailer");
    std::fs::create_dir_all(&dir).unwrap();
    let script = repo.home.join("keeping-sendmail");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nd='{d}'\ntouch \"$d/running.$$\"\nt=$(mktemp \"$d/part.XXXXXX\")\n\
             cat > \"$t\"\nsleep 0.02\nmv \"$t\" \"$(mktemp \"$d/mail.XXXXXX\")\"\nrm -f \"$d/running.$$\"\n",
            d = dir.display()
        ),
    )
    .unwrap();
    make_executable(&script);
    repo.config(&mim::DEFAULT_CONFIG.replace("sendmail -t -i", script.to_str().unwrap()));
    dir
}

/// Wait until no sendmail of [`keeping_sendmail`] runs (one a killed mim started goes on
/// alone); a minute at most.
#[track_caller]
fn wait_idle(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let busy = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("running."));
        if !busy {
            return;
        }
        assert!(Instant::now() < deadline, "a sendmail ran for a minute");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How many times each Message-ID was delivered by [`keeping_sendmail`].
fn deliveries(dir: &Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if !entry.file_name().to_string_lossy().starts_with("mail.") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        if let Some(id) = text.lines().find_map(|l| l.strip_prefix("Message-ID: ")) {
            *out.entry(id.trim().to_string()).or_default() += 1;
        }
    }
    out
}

/// The file in `outbox/` a Message-ID was made for (`<stem>.<incident>@<domain>`).
fn file_of(message_id: &str, id: &str) -> String {
    let stem = message_id
        .trim_start_matches('<')
        .split(&format!(".{id}@"))
        .next()
        .unwrap();
    format!("{stem}.eml")
}

/// The uncertain messages of `id` as `send --dry-run`, `status` and `check` list them:
/// the three lists must agree.
fn uncertain_everywhere(repo: &TestRepo, id: &str) -> BTreeSet<String> {
    let send = repo.run(&["send", id, "--dry-run", "--json"]).ok().json();
    let from_send: BTreeSet<String> = send["uncertain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    let status = repo.run(&["--json", "status"]).ok().json();
    let from_status: BTreeSet<String> = status["uncertain"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["id"] == id)
        .flat_map(|u| u["files"].as_array().unwrap().clone())
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    let check = repo.run(&["check", "--format", "json"]).json();
    let from_check: BTreeSet<String> = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "uncertain-mail")
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            file.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    assert_eq!(from_send, from_status, "send and status list the same");
    assert_eq!(from_send, from_check, "send and check list the same");
    from_send
}

/// The messages `sent.log` lists as sent (its lines whose second word is a time).
fn sent_files(repo: &TestRepo, id: &str) -> BTreeSet<String> {
    repo.read(&format!("incidents/{id}/outbox/sent.log"))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut words = l.split(' ');
            let file = words.next()?;
            words
                .next()
                .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
                .map(|_| file.to_string())
        })
        .collect()
}

/// `mim send` killed from outside (SIGKILL) at random moments — while it records, while
/// sendmail has a message, between sendmail's answer and the record of it — and at its
/// two fault points, over 100 trials (with an update to four audiences every third): no
/// message is ever delivered twice. A message whose send was interrupted is uncertain: `send`,
/// `status` and `check` list it, and nothing sends it again by itself. Everything else is
/// sent exactly once in the end.
#[cfg(unix)]
#[test]
fn a_send_killed_at_random_points_never_delivers_a_message_twice() {
    use std::os::unix::process::ExitStatusExt;
    let repo = TestRepo::new();
    let dir = keeping_sendmail(&repo);
    let id = repo.active_p1(DECLARED, ACCEPTED);
    // A fixed seed: the same "random" moments on every run.
    let mut seed: u64 = 22;
    let mut random = move |below: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % below
    };
    let (mut killed, mut faulted, mut updates) = (0, 0, 0);
    for trial in 0..100 {
        // A new update to four audiences every third trial: a killed send leaves the
        // rest for the next one. A trial that kills at a fault point has its own, so
        // there is always a message to reach the point with.
        if trial % 3 == 0 || trial % 10 == 5 {
            let at = format!("2026-11-24T{:02}:{:02}:00Z", 10 + trial / 60, trial % 60);
            // (Recovers the send killed in the trial before, first.)
            repo.at(
                &at,
                &[
                    "update",
                    &id,
                    "--audience",
                    "all",
                    "-m",
                    &format!("Trial {trial}."),
                ],
            )
            .ok();
            updates += 1;
        }
        let mut cmd = repo.cmd();
        cmd.args(["send", &id])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if trial % 10 == 5 {
            let point = ["before-sendmail", "after-sendmail"][(trial / 10) % 2];
            let status = cmd.env("MIM_FAULT", point).status().unwrap();
            assert_eq!(status.signal(), Some(9), "killed at {point}");
            faulted += 1;
        } else {
            let mut child = cmd.spawn().unwrap();
            std::thread::sleep(Duration::from_millis(random(160)));
            let _ = child.kill();
            if child.wait().unwrap().signal() == Some(9) {
                killed += 1;
            }
        }
        wait_idle(&dir);
    }
    // The last word: a send that runs to its end.
    repo.run(&["send", &id]).ok();
    wait_idle(&dir);
    std::thread::sleep(Duration::from_millis(200));
    wait_idle(&dir);

    let delivered = deliveries(&dir);
    let twice: Vec<(&String, &usize)> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "delivered more than once: {twice:?} ({killed} kills, {faulted} faults)"
    );
    let uncertain = uncertain_everywhere(&repo, &id);
    let sent = sent_files(&repo, &id);
    let messages: BTreeSet<String> = crate::common::mail::outbox(&repo, &id)
        .into_keys()
        .collect();
    assert_eq!(messages.len(), 4 * updates);
    // Every message is sent or uncertain; sent ones were delivered (once).
    let settled: BTreeSet<String> = sent.union(&uncertain).cloned().collect();
    assert_eq!(settled, messages, "nothing is left unsent");
    assert!(sent.is_disjoint(&uncertain));
    let delivered_files: BTreeSet<String> = delivered.keys().map(|m| file_of(m, &id)).collect();
    assert!(
        sent.is_subset(&delivered_files),
        "recorded as sent but never delivered: {:?}",
        sent.difference(&delivered_files).collect::<Vec<_>>()
    );
    // The trials did interrupt sends, inside sendmail's window too.
    assert!(killed >= 25, "only {killed} of 90 sends were killed");
    assert!(uncertain.len() >= 5, "{uncertain:?}");
    assert!(
        uncertain.iter().any(|f| delivered_files.contains(f)),
        "some uncertain message did go out: {uncertain:?}"
    );
    eprintln!(
        "{killed} kills and {faulted} faults: {} messages delivered once, {} uncertain ({} of them delivered), none twice",
        delivered.len(),
        uncertain.len(),
        uncertain.intersection(&delivered_files).count()
    );
    assert_eq!(status(&repo), "");
    repo.run(&["validate"]).ok();
}

/// The two fault points of a send, one after the other: killed after sendmail answered,
/// the message went out once and is uncertain; killed before sendmail started, it did
/// not go out and is uncertain too (mim cannot tell the two apart). Every command says
/// so, `check` in every format; only `--resend-uncertain` sends them again.
#[cfg(unix)]
#[test]
fn an_interrupted_send_leaves_its_message_uncertain_and_every_command_says_so() {
    let repo = TestRepo::new();
    let dir = keeping_sendmail(&repo);
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "x"],
    )
    .ok();
    killed_at(&repo, "after-sendmail", &["send", &id]);
    wait_idle(&dir);
    assert_eq!(deliveries(&dir).len(), 1);
    let first = file_of(deliveries(&dir).keys().next().unwrap(), &id);
    // The next send finishes the record, sends the three others, and not that one.
    let run = repo.run(&["send", &id]).ok();
    assert!(
        run.stderr
            .contains("mim: recovered the interrupted `mim send"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("uncertain: outbox/{first}: mim was interrupted")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("`mim send {id} --resend-uncertain`")),
        "{}",
        run.stderr
    );
    wait_idle(&dir);
    let delivered = deliveries(&dir);
    assert_eq!(delivered.len(), 4);
    assert!(delivered.values().all(|n| *n == 1), "{delivered:?}");
    assert_eq!(
        uncertain_everywhere(&repo, &id),
        BTreeSet::from([first.clone()])
    );
    let log = repo.log();
    assert!(log[1].ends_with("sent 0 messages; 1 uncertain"), "{log:?}");
    let status_text = repo.run(&["status"]).ok().stdout;
    assert!(status_text.contains("Uncertain mail"), "{status_text}");
    assert!(
        status_text.contains(&format!("{id}  outbox/{first}")),
        "{status_text}"
    );
    for format in ["text", "json", "github", "junit", "gitlab"] {
        // Text names each message with --verbose (by default, one line per incident).
        let run = repo.run(&["check", "--verbose", "--format", format]);
        assert!(
            run.stdout.contains("uncertain-mail") && run.stdout.contains(&first),
            "{format}: {}",
            run.stdout
        );
    }
    let github = repo.run(&["check", "--format", "github"]).stdout;
    assert!(
        github.lines().any(|l| l.starts_with("::warning")
            && l.contains("uncertain-mail")
            && l.contains(&first)),
        "{github}"
    );
    // A plain send leaves it alone; asked, it sends it again.
    repo.run(&["send", &id]).ok();
    wait_idle(&dir);
    assert_eq!(deliveries(&dir).values().sum::<usize>(), 4);
    let run = repo.run(&["send", &id, "--resend-uncertain"]).ok();
    assert!(run.stderr.contains("1 message sent"), "{}", run.stderr);
    wait_idle(&dir);
    assert_eq!(deliveries(&dir).values().sum::<usize>(), 5);
    assert!(uncertain_everywhere(&repo, &id).is_empty());

    // Killed once the intent is recorded, before sendmail starts: nothing went out, but
    // mim cannot know that, so the message is uncertain too.
    repo.at("2026-11-24T09:40:00Z", &["update", &id, "-m", "y"])
        .ok();
    killed_at(&repo, "before-sendmail", &["send", &id]);
    wait_idle(&dir);
    assert_eq!(deliveries(&dir).values().sum::<usize>(), 5);
    let uncertain = uncertain_everywhere(&repo, &id);
    assert_eq!(uncertain.len(), 1, "{uncertain:?}");
    assert!(uncertain.iter().all(|f| f.contains("-u2-internal")));
    // The next mutating command completes the record; nothing is sent.
    let run = repo.run(&["send", &id]).ok();
    assert!(run.stderr.contains("nothing to send"), "{}", run.stderr);
    assert!(run.stderr.contains("-u2-internal.eml"), "{}", run.stderr);
    assert_eq!(deliveries(&dir).values().sum::<usize>(), 5);
    assert_eq!(status(&repo), "");
    repo.run(&["validate"]).ok();
}

/// The user's own commits while mim commits notes: `git add` + `git commit`, or
/// `git commit -a`, as a person would. None of them may undo mim's work: no user commit
/// removes a line of a timeline. (A user's git that finds mim holding `index.lock`, or
/// HEAD moved under it, fails with git's own message; that is allowed.)
#[test]
fn the_users_own_commits_alongside_mim_never_undo_a_timeline_entry() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.write("notes.txt", "0\n");
    repo.git(&["add", "notes.txt"]);
    repo.git(&["commit", "--quiet", "-m", "user 0"]);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|who| {
            let mut cmds: Vec<Command> = (1..=50)
                .map(|n| {
                    let mut cmd = repo.cmd();
                    cmd.args(["--at", "2026-11-24T10:00:00Z", "note", &id])
                        .arg(format!("note {who}{n}"));
                    cmd
                })
                .collect();
            std::thread::spawn(move || cmds.iter_mut().map(output).collect::<Vec<Run>>())
        })
        .collect();
    let user = {
        let root = repo.root.clone();
        let home = repo.home.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let git = |args: &[&str]| {
                let mut cmd = Command::new("git");
                cmd.current_dir(&root).args(args);
                crate::common::isolate(&mut cmd, &home);
                output(&mut cmd)
            };
            let deadline = Instant::now() + Duration::from_secs(300);
            let (mut made, mut refused) = (0, Vec::new());
            let mut n = 0;
            while (made < 50 || !done.load(std::sync::atomic::Ordering::SeqCst))
                && Instant::now() < deadline
            {
                // A person commits now and then, not in a tight loop.
                std::thread::sleep(Duration::from_millis(100));
                n += 1;
                std::fs::write(root.join("notes.txt"), format!("{n}\n")).unwrap();
                let message = format!("user {n}");
                let run = if n % 2 == 0 {
                    git(&["commit", "-q", "-a", "-m", &message])
                } else {
                    match git(&["add", "notes.txt"]) {
                        r if r.code != 0 => r,
                        _ => git(&["commit", "-q", "-m", &message]),
                    }
                };
                if run.code == 0 {
                    made += 1;
                } else {
                    refused.push(run.stderr);
                }
            }
            (made, refused)
        })
    };
    let runs: Vec<Run> = writers
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (made, refused) = user.join().unwrap();
    for run in &runs {
        assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    }
    assert!(made >= 50, "only {made} user commits");
    for stderr in &refused {
        assert!(
            stderr.contains("index.lock")
                || stderr.contains("cannot lock ref")
                || stderr.contains("nothing to commit")
                || stderr.contains("no changes added"),
            "a user commit failed otherwise: {stderr}"
        );
    }
    // No user commit removes a line of a timeline, whatever it holds.
    let timeline = format!("incidents/{id}/timeline.yaml");
    let users: Vec<String> = repo
        .git(&["log", "--format=%H %s"])
        .lines()
        .filter(|l| {
            l.split_once(' ')
                .is_some_and(|(_, s)| s.starts_with("user "))
        })
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    assert!(users.len() > 50, "{}", users.len());
    let undone: Vec<String> = users
        .iter()
        .filter(|sha| {
            repo.git(&["show", "--format=", "-U0", sha, "--", &timeline])
                .lines()
                .any(|l| l.starts_with('-') && !l.starts_with("---"))
        })
        .cloned()
        .collect();
    eprintln!(
        "{} user commits ({} refused by git) alongside 100 notes; {} undid a timeline entry",
        users.len() - 1,
        refused.len(),
        undone.len()
    );
    assert!(undone.is_empty(), "user commits undoing mim: {undone:?}");
    let text = repo.read(&timeline);
    assert_eq!(text.matches("event: note").count(), 100);
    let head = repo.git(&["show", &format!("HEAD:{timeline}")]);
    assert_eq!(head.matches("event: note").count(), 100);
    repo.run(&["audit"]).ok();
}

/// 4 × 25 updates at the same time, in the same second: every one recorded under a name
/// of its own (a sequence after the time), every command succeeds, `validate` is clean.
#[test]
fn concurrent_updates_in_one_second_all_land_under_names_of_their_own() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let workers: Vec<_> = ["a", "b", "c", "d"]
        .into_iter()
        .map(|who| {
            let mut cmds: Vec<Command> = (1..=25)
                .map(|n| {
                    // No --at: every one at MIM_NOW, the same second.
                    let mut cmd = repo.cmd();
                    cmd.args(["update", &id, "-m"])
                        .arg(format!("Update {who}{n}."));
                    cmd
                })
                .collect();
            std::thread::spawn(move || cmds.iter_mut().map(output).collect::<Vec<Run>>())
        })
        .collect();
    let runs: Vec<Run> = workers
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let failed: Vec<&String> = runs
        .iter()
        .filter(|r| r.code != 0)
        .map(|r| &r.stderr)
        .collect();
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
    let updates = files_at_head(&repo)
        .into_iter()
        .filter(|f| f.contains("/updates/"))
        .collect::<BTreeSet<String>>();
    assert_eq!(updates.len(), 100, "{updates:?}");
    assert!(updates.contains(&format!(
        "incidents/{id}/updates/20300101T000000Z-internal.md"
    )));
    assert!(updates.contains(&format!(
        "incidents/{id}/updates/20300101T000000Z.100-internal.md"
    )));
    let mails: Vec<String> = crate::common::mail::outbox(&repo, &id)
        .into_keys()
        .collect();
    assert_eq!(mails.len(), 100);
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert_eq!(timeline.matches("event: update").count(), 100);
    for who in ["a", "b", "c", "d"] {
        for n in 1..=25 {
            let text = format!("Update {who}{n}.");
            let holding = updates
                .iter()
                .filter(|f| repo.read(f).contains(&text))
                .count();
            assert_eq!(holding, 1, "{text}");
        }
    }
    // Numbered 1 to 100, each once, each in the file its entry names.
    let mut numbers: Vec<u32> = timeline
        .lines()
        .filter(|l| l.contains("event: update"))
        .map(|l| {
            let file = l
                .split("file: \"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert!(updates.contains(&format!("incidents/{id}/{file}")), "{l}");
            let n = l.split("number: ").nth(1).unwrap();
            n.trim_end_matches('}').trim().parse().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=100).collect::<Vec<u32>>());
    repo.run(&["validate", "--deep"]).ok();
    assert_eq!(status(&repo), "");
}

/// A resolve, a reopen and a resolve again in the same second: the second restoral
/// notices get names of their own (`….2-resolved-…`), the first ones stay withdrawn by
/// the reopen, and only the second ones wait to be sent.
#[test]
fn restoral_notices_of_one_second_get_names_of_their_own() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let at = "2026-11-24T10:00:00Z";
    let resolve = [
        "resolve",
        &id,
        "-m",
        "Restarted.",
        "--closure",
        "permanent-fix",
    ];
    repo.at(at, &resolve).ok();
    repo.at(at, &["reopen", &id, "--reason", "Down again."])
        .ok();
    let run = repo.at(at, &resolve).ok();
    assert!(
        run.stdout
            .contains("20261124T100000Z.2-resolved-internal.eml"),
        "{}",
        run.stdout
    );
    let names: Vec<String> = crate::common::mail::outbox(&repo, &id)
        .into_keys()
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    let unsent = repo.run(&["send", &id, "--dry-run", "--json"]).ok().json();
    let unsent: Vec<&str> = unsent["unsent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(unsent.len(), 5, "{unsent:?}");
    assert!(
        unsent
            .iter()
            .all(|f| f.starts_with("20261124T100000Z.2-resolved-")),
        "{unsent:?}"
    );
    repo.run(&["validate", "--deep"]).ok();
    assert_eq!(status(&repo), "");
}
