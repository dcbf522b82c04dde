//! A team on one incident (#23): clones of one bare repository (the remote, in a temp
//! directory) with `git.sync: auto`, the default when a clone has `origin`. Every
//! command fetches first and pushes after; offline is normal; a status change that lost
//! the race is set aside on a conflict ref; mail waits until the commit is shared; a
//! kill at any step of a sync is recovered. Assertions are on counts, refs and exit
//! codes; every wait has a deadline.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Run, TestRepo, git_in};

const DECLARED: &str = "2026-11-24T09:00:00Z";
const ACCEPTED: &str = "2026-11-24T09:05:00Z";

/// A bare remote and the clones of the people working from it.
struct Team {
    _tmp: tempfile::TempDir,
    remote: PathBuf,
    /// The first one made the repository (`mim init`) and pushed it.
    clones: Vec<(TestRepo, &'static str)>,
}

impl Team {
    /// A remote with a new mim repository, and a clone for each of `people`.
    fn new(people: &[&'static str]) -> Team {
        let tmp = tempfile::tempdir().unwrap();
        let remote = tmp.path().join("remote.git");
        let first = TestRepo::new();
        git_in(
            tmp.path(),
            &first.home,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "remote.git",
            ],
        );
        first.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
        first.git(&["push", "--quiet", "--set-upstream", "origin", "main"]);
        first.git(&["config", "user.name", people[0]]);
        let mut clones = vec![(first, people[0])];
        for who in &people[1..] {
            clones.push((TestRepo::clone_of(&remote, who), *who));
        }
        Team {
            _tmp: tmp,
            remote,
            clones,
        }
    }

    fn clone(&self, i: usize) -> &TestRepo {
        &self.clones[i].0
    }

    /// Run mim in clone `i` as its person.
    fn run(&self, i: usize, args: &[&str]) -> Run {
        let (repo, who) = &self.clones[i];
        output(repo.cmd().env("MIM_USER", who).args(args))
    }

    fn at(&self, i: usize, time: &str, args: &[&str]) -> Run {
        let mut all = vec!["--at", time];
        all.extend_from_slice(args);
        self.run(i, &all)
    }

    /// git in the bare remote.
    fn remote_git(&self, args: &[&str]) -> String {
        let mut all = vec!["--git-dir", self.remote.to_str().unwrap()];
        all.extend_from_slice(args);
        git_in(self._tmp.path(), &self.clone(0).home, &all)
    }

    fn remote_head(&self) -> String {
        self.remote_git(&["rev-parse", "main"]).trim().to_string()
    }

    /// The remote's file at `path` on main.
    fn remote_file(&self, path: &str) -> String {
        self.remote_git(&["show", &format!("main:{path}")])
    }

    /// Take the remote away (as if the server were down), and back.
    fn offline(&self) {
        std::fs::rename(&self.remote, self.remote.with_extension("away")).unwrap();
    }

    fn online(&self) {
        std::fs::rename(self.remote.with_extension("away"), &self.remote).unwrap();
    }

    /// An accepted P1 declared in clone 0 (shared by its commands).
    fn incident(&self, title: &str) -> String {
        let id = self
            .at(
                0,
                DECLARED,
                &[
                    "declare",
                    "--title",
                    title,
                    "--service",
                    "Payments API",
                    "--impact",
                    "high",
                    "--urgency",
                    "high",
                    "--client",
                    "acme",
                ],
            )
            .ok()
            .out()
            .to_string();
        self.at(0, ACCEPTED, &["accept", &id, "--manager", "Alice Moreau"])
            .ok();
        id
    }
}

fn output(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("run mim");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn clean(repo: &TestRepo) -> String {
    repo.git(&["status", "--porcelain", "--untracked-files=all"])
}

/// How often `token` is in `text` as a whole word (`p0c1` is not in `p0c10`).
fn tokens(text: &str, token: &str) -> usize {
    text.match_indices(token)
        .filter(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + token.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        })
        .count()
}

fn timeline(id: &str) -> String {
    format!("incidents/{id}/timeline.yaml")
}

/// The subjects of the remote's commits, oldest first.
fn remote_subjects(team: &Team) -> Vec<String> {
    team.remote_git(&["log", "--reverse", "--format=%s", "main"])
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn what_one_clone_records_reaches_the_others_and_sync_names_who_did_what() {
    let team = Team::new(&["Alice Moreau", "Bob Smith", "Carol Diaz"]);
    let id = team.incident("Payments API outage");
    // Bob's clone was made before the incident: his first command brings it in.
    team.at(1, "2026-11-24T09:10:00Z", &["note", &id, "DBA paged"])
        .ok();
    team.at(
        2,
        "2026-11-24T09:11:00Z",
        &["note", &id, "Failover started"],
    )
    .ok();
    // The number of an update is taken after the fetch: Bob's is 1, Carol's 2.
    team.at(
        1,
        "2026-11-24T09:15:00Z",
        &["update", &id, "-m", "Investigating."],
    )
    .ok();
    let run = team
        .at(
            2,
            "2026-11-24T09:16:00Z",
            &["update", &id, "-m", "Failing over."],
        )
        .ok();
    assert!(run.stderr.contains("update 2"), "{}", run.stderr);
    assert_eq!(
        remote_subjects(&team)[3..],
        [
            format!("{}: note: DBA paged", crate::common::subject_ref(&id)),
            format!(
                "{}: note: Failover started",
                crate::common::subject_ref(&id)
            ),
            format!("{}: update 1 to internal", crate::common::subject_ref(&id)),
            format!("{}: update 2 to internal", crate::common::subject_ref(&id)),
        ]
    );
    let sync = team.run(0, &["sync"]).ok();
    let arrived: Vec<&str> = sync
        .stdout
        .lines()
        .filter(|l| l.starts_with("arrived"))
        .collect();
    assert_eq!(arrived.len(), 4, "{}", sync.stdout);
    assert!(arrived[0].contains("Bob Smith") && arrived[0].contains("note: DBA paged"));
    assert!(arrived[3].contains("Carol Diaz") && arrived[3].contains("update 2 to internal"));
    assert!(
        sync.stderr
            .contains("synced with origin/main: 4 events arrived, 0 left")
    );
    // A second sync has nothing new to say.
    let again = team.run(0, &["sync"]).ok();
    assert!(!again.stdout.contains("arrived"), "{}", again.stdout);
    let json = team.run(0, &["--json", "sync"]).ok().json();
    assert_eq!(json["remote"], "origin/main");
    assert_eq!(json["unshared"]["commits"], 0);
    for i in 0..3 {
        team.run(i, &["sync"]).ok();
        assert_eq!(
            team.clone(i).git(&["rev-parse", "HEAD"]).trim(),
            team.remote_head()
        );
        assert_eq!(clean(team.clone(i)), "");
        team.run(i, &["audit"]).ok();
        team.run(i, &["validate"]).ok();
    }
}

#[test]
fn three_clones_thirty_commands_each_at_once_every_event_once_on_the_remote() {
    let team = Team::new(&["Alice Moreau", "Bob Smith", "Carol Diaz"]);
    let ids = [
        team.incident("Payments API outage"),
        team.incident("Mail relay down"),
    ];
    let before = remote_subjects(&team).len();
    let kinds = ["identified", "mitigated", "fixed"];
    let mut expected_markers = Vec::new();
    let mut updates = 0;
    let threads: Vec<_> = (0..3)
        .map(|p| {
            let (repo, who) = &team.clones[p];
            let mut cmds = Vec::new();
            for n in 0..30usize {
                let id = &ids[(n / 2) % 2];
                let marker = format!("p{p}c{n}");
                let minute = n * 3 + p;
                let at = format!("2026-11-24T{:02}:{:02}:00Z", 10 + minute / 60, minute % 60);
                let mut cmd = repo.cmd();
                cmd.env("MIM_USER", who).args(["--at", &at]);
                match n {
                    10 | 21 => {
                        cmd.args(["milestone", id, "--kind", kinds[p], "-m", &marker]);
                    }
                    _ => match n % 4 {
                        0 => {
                            cmd.args(["note", id, &marker]);
                        }
                        1 => {
                            cmd.args(["update", id, "-m", &marker]);
                            updates += 1;
                        }
                        2 => {
                            cmd.args(["escalate", id, "--kind", "sme", "--to", &marker]);
                        }
                        _ => {
                            cmd.args(["update", id, "--audience", "client", "-m", &marker]);
                            updates += 1;
                        }
                    },
                }
                expected_markers.push(marker);
                cmds.push(cmd);
            }
            std::thread::spawn(move || cmds.iter_mut().map(output).collect::<Vec<Run>>())
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut runs = Vec::new();
    for t in threads {
        while !t.is_finished() {
            assert!(
                Instant::now() < deadline,
                "the three processes took too long"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        runs.extend(t.join().unwrap());
    }
    for run in &runs {
        assert_eq!(
            run.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
    }
    let redone = runs
        .iter()
        .filter(|r| r.stderr.contains("recording it again on top"))
        .count();
    let unshared = runs
        .iter()
        .filter(|r| r.stderr.contains("not shared yet"))
        .count();
    let why: std::collections::BTreeSet<&str> = runs
        .iter()
        .flat_map(|r| r.stderr.lines())
        .filter(|l| l.starts_with("not shared yet"))
        .collect();
    eprintln!(
        "90 commands: {redone} recorded again on a newer remote, {unshared} left unshared {why:?}"
    );
    // Whatever a command could not share, the next sync does.
    for i in 0..3 {
        team.run(i, &["sync"]).ok();
    }
    // Each event exactly once, each in its own commit.
    let subjects = remote_subjects(&team);
    assert_eq!(subjects.len(), before + 90, "{subjects:#?}");
    let patch = team.remote_git(&[
        "log",
        "--format=tformat:COMMIT",
        "-p",
        "main~90..main",
        "--",
        "incidents/*/timeline.yaml",
    ]);
    for commit in patch.split("COMMIT\n").filter(|c| !c.trim().is_empty()) {
        let added = commit.lines().filter(|l| l.starts_with("+- {")).count();
        assert_eq!(added, 1, "a commit with {added} events:\n{commit}");
    }
    let mut everything = String::new();
    for id in &ids {
        everything.push_str(&team.remote_file(&timeline(id)));
        let updates = team.remote_git(&[
            "ls-tree",
            "--name-only",
            "main",
            &format!("incidents/{id}/updates/"),
        ]);
        for file in updates.lines() {
            everything.push_str(&team.remote_file(file));
        }
    }
    for marker in &expected_markers {
        let count = tokens(&everything, marker);
        assert_eq!(count, 1, "{marker} is on the remote {count} times");
    }
    // No number used twice for one reader.
    let mut numbered = 0;
    for id in &ids {
        let mut seen = std::collections::BTreeSet::new();
        for line in team.remote_file(&timeline(id)).lines() {
            if !line.contains("event: update") {
                continue;
            }
            let field = |key: &str| {
                line.split(", ")
                    .find_map(|f| f.strip_prefix(&format!("{key}: ")))
                    .unwrap_or_default()
                    .trim_end_matches('}')
                    .to_string()
            };
            assert!(
                seen.insert((field("audience"), field("number"))),
                "update {} to {} twice in {id}:\n{}",
                field("number"),
                field("audience"),
                team.remote_git(&["log", "--format=%h %an %cn %s", "main"])
            );
        }
        numbered += seen.len();
    }
    assert_eq!(numbered, updates);
    let a = team.clone(0);
    assert_eq!(a.git(&["rev-parse", "HEAD"]).trim(), team.remote_head());
    team.run(0, &["audit"]).ok();
    team.run(0, &["validate"]).ok();
    for i in 0..3 {
        assert_eq!(clean(team.clone(i)), "", "clone {i}");
    }
}

#[test]
fn offline_commands_succeed_say_so_and_one_sync_shares_them() {
    let team = Team::new(&["Alice Moreau", "Bob Smith", "Carol Diaz"]);
    let id = team.incident("Payments API outage");
    team.run(1, &["sync"]).ok();
    team.run(2, &["sync"]).ok();
    let shared = team.remote_head();
    team.offline();
    for n in 0..10 {
        let at = format!("2026-11-24T10:{n:02}:00Z");
        let args: Vec<String> = match n % 3 {
            0 => vec!["note".into(), id.clone(), format!("offline note {n}")],
            1 => vec![
                "update".into(),
                id.clone(),
                "-m".into(),
                format!("offline {n}"),
            ],
            _ => vec![
                "escalate".into(),
                id.clone(),
                "--kind".into(),
                "vendor".into(),
                "--to".into(),
                format!("Vendor {n}"),
            ],
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = team.at(1, &at, &args).ok();
        let said: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("not shared yet"))
            .collect();
        assert_eq!(said.len(), 1, "{}", run.stderr);
        assert!(said[0].contains("origin cannot be reached"), "{}", said[0]);
    }
    let status = team.run(1, &["status"]).ok();
    assert!(
        status
            .stdout
            .contains("not shared: 10 commits not on origin/main yet, the oldest since"),
        "{}",
        status.stdout
    );
    let json = team.run(1, &["--json", "status"]).ok().json();
    assert_eq!(json["sharing"]["commits"], 10);
    assert!(json["sharing"]["since"].is_string());
    let show = team.run(1, &["show", &id]).ok();
    assert!(
        show.stdout.contains("10 commits not on origin/main yet"),
        "{}",
        show.stdout
    );
    // `mim sync` offline: exit 1, and it says why.
    let run = team.run(1, &["sync"]).fails(1);
    assert!(
        run.stderr.contains("not shared: origin cannot be reached"),
        "{}",
        run.stderr
    );
    team.online();
    assert_eq!(team.remote_head(), shared);
}

#[test]
fn back_online_one_sync_shares_ten_offline_commits_and_the_clones_converge() {
    let team = Team::new(&["Alice Moreau", "Bob Smith", "Carol Diaz"]);
    let id = team.incident("Payments API outage");
    team.run(1, &["sync"]).ok();
    team.offline();
    for n in 0..10 {
        let run = team
            .at(
                1,
                &format!("2026-11-24T10:{n:02}:00Z"),
                &["note", &id, &format!("offline {n}")],
            )
            .ok();
        assert!(run.stderr.contains("not shared yet"), "{}", run.stderr);
    }
    let status = team.run(1, &["status"]).ok();
    assert!(
        status
            .stdout
            .contains("not shared: 10 commits not on origin/main yet"),
        "{}",
        status.stdout
    );
    // Meanwhile Carol's clone was online and shared a note of hers.
    team.online();
    team.at(2, "2026-11-24T10:30:00Z", &["note", &id, "Carol online"])
        .ok();
    let run = team.run(1, &["sync"]).ok();
    let left = run.stdout.lines().filter(|l| l.starts_with("left")).count();
    assert_eq!(left, 10, "{}", run.stdout);
    assert!(run.stdout.contains("Carol Diaz"), "{}", run.stdout);
    team.run(1, &["status"]).ok();
    for i in [0, 2] {
        team.run(i, &["sync"]).ok();
    }
    let head = team.remote_head();
    for i in 0..3 {
        assert_eq!(
            team.clone(i).git(&["rev-parse", "HEAD"]).trim(),
            head,
            "clone {i}"
        );
        assert_eq!(clean(team.clone(i)), "");
    }
    let timeline = team.remote_file(&timeline(&id));
    for n in 0..10 {
        assert_eq!(timeline.matches(&format!("offline {n}\"")).count(), 1);
    }
    team.run(0, &["audit"]).ok();
    let status = team.run(1, &["status"]).ok();
    assert!(!status.stdout.contains("not shared"), "{}", status.stdout);
}

/// Alice holds in her clone and Bob resolves in his, both offline; then `first`
/// syncs first, and the other after.
fn hold_and_resolve_offline(first: usize) -> (Team, String, Run) {
    let team = Team::new(&["Alice Moreau", "Bob Smith"]);
    let id = team.incident("Payments API outage");
    team.run(1, &["sync"]).ok();
    team.offline();
    team.at(
        0,
        "2026-11-24T10:00:00Z",
        &["hold", &id, "--reason", "Waiting on ACME's DBA"],
    )
    .ok();
    team.at(
        1,
        "2026-11-24T10:05:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Restored by failover",
            "--closure",
            "config-change",
        ],
    )
    .ok();
    team.online();
    team.run(first, &["sync"]).ok();
    let second = team.run(1 - first, &["sync"]).ok();
    (team, id, second)
}

#[test]
fn a_hold_and_a_resolve_made_offline_the_first_to_reach_the_remote_stands() {
    for first in [0, 1] {
        let (team, id, second) = hold_and_resolve_offline(first);
        let (winner, loser, loser_name, reapply) = if first == 0 {
            (
                "on hold: Waiting on ACME's DBA",
                "resolved",
                "Bob Smith",
                format!(
                    "mim resolve {id} -m 'Restored by failover' --closure config-change --by 'Bob Smith'"
                ),
            )
        } else {
            (
                "resolved",
                "on hold",
                "Alice Moreau",
                format!("mim hold {id} --reason 'Waiting on ACME'\\''s DBA' --by 'Alice Moreau'"),
            )
        };
        let loser_clone = 1 - first;
        let subjects = remote_subjects(&team);
        assert!(subjects.last().unwrap().contains(winner), "{subjects:#?}");
        assert!(!subjects.iter().any(|s| s.contains(loser)), "{subjects:#?}");
        // Kept on a conflict ref, pushed: the commit with its timeline entry.
        let refs = team.remote_git(&["for-each-ref", "--format=%(refname)", "refs/mim/conflicts/"]);
        let refs: Vec<&str> = refs.lines().collect();
        assert_eq!(refs.len(), 1, "{refs:?}");
        assert!(refs[0].starts_with(&format!("refs/mim/conflicts/{id}/")));
        let kept = team.remote_git(&["show", &format!("{}^:{}", refs[0], timeline(&id))]);
        let event = if first == 0 {
            "event: resolve"
        } else {
            "event: hold"
        };
        assert!(kept.contains(event), "{kept}");
        // Named by sync, status, show and check, with the author and the command.
        let named = |text: &str| {
            text.contains(loser_name) && text.contains(&reapply) && text.contains("set aside")
        };
        assert!(named(&second.stderr), "{}", second.stderr);
        assert!(named(&second.stdout), "{}", second.stdout);
        for i in [0, 1] {
            team.run(i, &["sync"]).ok();
            let status = team.run(i, &["status"]).ok();
            assert!(named(&status.stdout), "clone {i}:\n{}", status.stdout);
            let show = team.run(i, &["show", &id]).ok();
            assert!(named(&show.stdout), "clone {i}:\n{}", show.stdout);
            let check = team.run(i, &["check"]).fails(1);
            assert!(
                check.stdout.contains("conflict:") && named(&check.stdout),
                "clone {i}:\n{}",
                check.stdout
            );
            team.run(i, &["audit"]).ok();
            assert_eq!(clean(team.clone(i)), "");
        }
        let json = team.run(loser_clone, &["--json", "check"]).fails(1).json();
        let conflicts: Vec<&serde_json::Value> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "conflict")
            .collect();
        assert_eq!(conflicts.len(), 1, "{json:#}");
        assert_eq!(conflicts[0]["level"], "error");
        // Settled: check no longer reports it, everywhere, and the commit stays kept.
        let short = &refs[0].rsplit('/').next().unwrap()[..12];
        let run = team
            .run(
                loser_clone,
                &["sync", "--settle", short, "-m", "The resolve stands"],
            )
            .ok();
        assert!(
            run.stderr.contains(&format!("settled {short}")),
            "{}",
            run.stderr
        );
        team.run(first, &["sync"]).ok();
        for i in [0, 1] {
            let check = team.run(i, &["--json", "check"]).json();
            assert!(
                !check["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["rule"] == "conflict"),
                "clone {i}: {check:#}"
            );
        }
        assert_eq!(
            team.remote_git(&["for-each-ref", "--format=%(refname)", "refs/mim/settled/"])
                .lines()
                .count(),
            1
        );
    }
}

#[test]
fn mail_waits_until_the_commit_is_shared() {
    let team = Team::new(&["Alice Moreau", "Bob Smith"]);
    let id = team.incident("Payments API outage");
    // sendmail records what the remote's branch held when each message went out.
    let log = team.clone(1).root.join("../sent-when.txt");
    let script = team.clone(1).root.join("../fake-sendmail");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat >/dev/null\ngit --git-dir '{}' log --format=%s -1 main >> '{}'\n",
            team.remote.display(),
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let b = team.clone(1);
    let config = b.read("mim.yaml").replace(
        "sendmail: \"sendmail -t -i\"",
        &format!("sendmail: \"{}\"", script.display()),
    );
    b.write("mim.yaml", &config);
    b.git(&[
        "commit",
        "--quiet",
        "-am",
        "mail through the test's sendmail",
    ]);
    team.run(1, &["sync"]).ok();
    team.at(
        1,
        "2026-11-24T10:00:00Z",
        &["update", &id, "-m", "Failing over.", "--send"],
    )
    .ok();
    let sent = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        sent.lines().next().unwrap(),
        format!("{}: update 1 to internal", crate::common::subject_ref(&id))
    );
    // Offline: nothing is sent, the message waits in outbox/, and it says why.
    team.offline();
    let run = team
        .at(
            1,
            "2026-11-24T10:30:00Z",
            &["update", &id, "-m", "Still failing over.", "--send"],
        )
        .fails(1);
    assert!(
        run.stderr
            .contains("nothing was sent: the commit is not shared with the team yet"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("mim send {id}")),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    let run = team.run(1, &["send", &id]).fails(1);
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    team.online();
    team.run(1, &["send", &id]).ok();
    let sent = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        sent.lines().nth(1).unwrap(),
        format!("{}: update 2 to internal", crate::common::subject_ref(&id))
    );
    team.run(1, &["sync"]).ok();
    assert_eq!(clean(b), "");
}

#[test]
fn a_force_push_that_rewrote_shared_history_is_refused_naming_both_commits() {
    let team = Team::new(&["Alice Moreau", "Bob Smith"]);
    let id = team.incident("Payments API outage");
    team.at(1, "2026-11-24T10:00:00Z", &["note", &id, "Bob was here"])
        .ok();
    let shared = team.remote_head();
    // Someone rewrites main on the remote without Bob's note.
    let rogue = TestRepo::clone_of(&team.remote, "Rogue");
    rogue.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    rogue.git(&["commit", "--quiet", "--allow-empty", "-m", "rewritten"]);
    rogue.git(&["push", "--quiet", "--force", "origin", "main"]);
    let rewritten = team.remote_head();
    let run = team
        .at(
            1,
            "2026-11-24T10:05:00Z",
            &["note", &id, "after the rewrite"],
        )
        .ok();
    assert!(run.stderr.contains("was rewritten"), "{}", run.stderr);
    let run = team.run(1, &["sync"]).fails(1);
    assert!(
        run.stderr.contains(&shared) && run.stderr.contains(&rewritten),
        "{}",
        run.stderr
    );
    assert_eq!(team.remote_head(), rewritten, "nothing was pushed over it");
}

#[test]
fn uncommitted_work_in_the_way_is_never_overwritten() {
    let team = Team::new(&["Alice Moreau", "Bob Smith"]);
    let id = team.incident("Payments API outage");
    team.run(1, &["sync"]).ok();
    team.at(
        0,
        "2026-11-24T10:00:00Z",
        &["plan", &id, "--approach", "Fail over to DC2."],
    )
    .ok();
    let b = team.clone(1);
    let plan = format!("incidents/{id}/plan.md");
    b.write(&plan, "Bob's own notes, not committed\n");
    let run = team
        .at(1, "2026-11-24T10:05:00Z", &["note", &id, "Bob's note"])
        .ok();
    assert!(
        run.stderr.contains("not shared yet") && run.stderr.contains(&plan),
        "{}",
        run.stderr
    );
    assert_eq!(b.read(&plan), "Bob's own notes, not committed\n");
    let run = team.run(1, &["sync"]).fails(1);
    assert!(run.stderr.contains("uncommitted changes"), "{}", run.stderr);
    // Once the file is out of the way, the next sync shares the note.
    std::fs::remove_file(b.path(&plan)).unwrap();
    team.run(1, &["sync"]).ok();
    assert!(team.remote_file(&timeline(&id)).contains("Bob's note"));
}

#[test]
fn a_remote_slower_than_the_timeout_is_offline() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    // An ssh that never answers.
    let ssh = repo.root.join("../never-answers");
    std::fs::write(&ssh, "#!/bin/sh\nsleep 60\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    repo.git(&[
        "remote",
        "add",
        "origin",
        "ssh://git.example.invalid/team.git",
    ]);
    repo.git(&["config", "core.sshCommand", ssh.to_str().unwrap()]);
    let config = repo.read("mim.yaml").replace(
        "  lock_timeout: 30s",
        "  lock_timeout: 30s\n  sync_timeout: 1s",
    );
    repo.config(&config);
    let run = repo.at("2026-11-24T10:00:00Z", &["note", &id, "slow"]).ok();
    assert!(
        run.stderr.contains("origin did not answer within 1s"),
        "{}",
        run.stderr
    );
    assert_eq!(
        repo.log()[0],
        format!("{}: note: slow", crate::common::subject_ref(&id)),
    );
}

/// Bob has two notes the remote lacks, and the remote has one of Alice's he lacks: his
/// next sync replays his notes on hers.
fn diverged() -> (Team, String) {
    let team = Team::new(&["Alice Moreau", "Bob Smith"]);
    let id = team.incident("Payments API outage");
    team.run(1, &["sync"]).ok();
    team.offline();
    team.at(1, "2026-11-24T10:00:00Z", &["note", &id, "Bob one"])
        .ok();
    team.at(1, "2026-11-24T10:01:00Z", &["note", &id, "Bob two"])
        .ok();
    team.online();
    team.at(0, "2026-11-24T10:02:00Z", &["note", &id, "Alice one"])
        .ok();
    (team, id)
}

#[test]
fn a_sync_killed_at_any_step_is_finished_by_the_next_mim_nothing_lost_nothing_twice() {
    for point in [
        "sync-after-fetch",
        "sync-mid-move",
        "sync-after-merge",
        "sync-during-push",
        "sync-after-push",
    ] {
        for command in [&["sync"][..], &["note", "", "Bob three"][..]] {
            let (team, id) = diverged();
            let args: Vec<&str> = command
                .iter()
                .map(|a| if a.is_empty() { id.as_str() } else { a })
                .collect();
            let b = team.clone(1);
            let run = output(
                b.cmd()
                    .env("MIM_USER", "Bob Smith")
                    .env("MIM_FAULT", point)
                    .args(["--at", "2026-11-24T10:03:00Z"])
                    .args(&args),
            );
            assert_eq!(run.code, -1, "{point}: not killed\n{}", run.stderr);
            // The next mim finishes the job (a push still running from the killed one
            // may be done or not: either way nothing is lost or doubled).
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let run = team.run(1, &["sync"]);
                if run.code == 0 {
                    break;
                }
                assert!(Instant::now() < deadline, "{point}: {}", run.stderr);
                std::thread::sleep(Duration::from_millis(100));
            }
            let timeline = team.remote_file(&timeline(&id));
            for note in ["Bob one", "Bob two", "Alice one"] {
                assert_eq!(
                    timeline.matches(&format!("{note}\"")).count(),
                    1,
                    "{point} {args:?}: {note}\n{timeline}"
                );
            }
            let three = timeline.matches("Bob three\"").count();
            assert!(three <= 1, "{point}: Bob three {three} times");
            assert_eq!(b.git(&["rev-parse", "HEAD"]).trim(), team.remote_head());
            assert_eq!(clean(b), "", "{point} {args:?}");
            assert!(!b.root.join(".git/mim-sync-move").exists());
            team.run(1, &["audit"]).ok();
            team.run(0, &["sync"]).ok();
            team.run(0, &["audit"]).ok();
        }
    }
}

#[test]
fn sync_watch_prints_another_clones_events_as_they_arrive() {
    let team = Team::new(&["Alice Moreau", "Bob Smith"]);
    let id = team.incident("Payments API outage");
    let (a, who) = &team.clones[0];
    let mut watch = a
        .cmd()
        .env("MIM_USER", who)
        .args(["sync", "--watch", "1s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = watch.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    team.at(1, "2026-11-24T10:00:00Z", &["note", &id, "Bob's first"])
        .ok();
    let wait_for = |what: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.contains(what) => return line,
                Ok(_) => {}
                Err(_) => panic!("`mim sync --watch` did not print {what}"),
            }
        }
    };
    let line = wait_for("note: Bob's first");
    assert!(
        line.starts_with("arrived") && line.contains("Bob Smith"),
        "{line}"
    );
    team.at(1, "2026-11-24T10:01:00Z", &["note", &id, "Bob's second"])
        .ok();
    wait_for("note: Bob's second");
    let _ = watch.kill();
    let _ = watch.wait();
}

/// Sharing needs a remote: without one, commands never try, and `mim sync` says so.
#[test]
fn without_a_remote_nothing_is_tried_and_sync_says_how_to_add_one() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let run = repo.at("2026-11-24T10:00:00Z", &["note", &id, "solo"]).ok();
    assert!(!run.stderr.contains("shared"), "{}", run.stderr);
    let run = repo.run(&["sync"]).fails(2);
    assert!(
        run.stderr.contains("git remote add origin URL"),
        "{}",
        run.stderr
    );
    let status = repo.run(&["status"]).ok();
    assert!(!status.stdout.contains("not shared"), "{}", status.stdout);
}

#[test]
fn two_offline_clones_numbering_alike_keep_both_and_validate_names_both_authors() {
    let team = Team::new(&["Alice Moreau", "Bob Smith"]);
    let id = team.incident("Payments API outage");
    team.run(1, &["sync"]).ok();
    team.offline();
    team.at(
        0,
        "2026-11-24T10:00:00Z",
        &["update", &id, "-m", "From Alice."],
    )
    .ok();
    team.at(
        1,
        "2026-11-24T10:01:00Z",
        &["update", &id, "-m", "From Bob."],
    )
    .ok();
    team.online();
    team.run(0, &["sync"]).ok();
    team.run(1, &["sync"]).ok();
    team.run(0, &["sync"]).ok();
    // Both were (as far as anyone knows) sent: both stay, neither is set aside.
    let timeline = team.remote_file(&timeline(&id));
    assert_eq!(timeline.matches("event: update").count(), 2, "{timeline}");
    for i in [0, 1] {
        let run = team.run(i, &["validate"]).fails(1);
        assert!(
            run.stdout.contains("update 1 to internal by Bob Smith")
                && run
                    .stdout
                    .contains("same number as update 1 to internal by Alice Moreau"),
            "{}",
            run.stdout
        );
        team.run(i, &["audit"]).ok();
    }
    // The next one continues after the highest number.
    let run = team
        .at(0, "2026-11-24T10:10:00Z", &["update", &id, "-m", "Next."])
        .ok();
    assert!(run.stderr.contains("update 2"), "{}", run.stderr);
}

#[test]
fn with_manual_sync_commands_stay_local_until_mim_sync() {
    let team = Team::new(&["Alice Moreau", "Bob Smith"]);
    let id = team.incident("Payments API outage");
    let b = team.clone(1);
    b.git(&["config", "mim.sync", "manual"]);
    team.run(1, &["sync"]).ok();
    let before = team.remote_head();
    let run = team
        .at(1, "2026-11-24T10:00:00Z", &["note", &id, "Bob, manual"])
        .ok();
    assert!(!run.stderr.contains("shared"), "{}", run.stderr);
    assert_eq!(team.remote_head(), before);
    let status = team.run(1, &["status"]).ok();
    assert!(
        status.stdout.contains("1 commit not on origin/main yet")
            && status.stdout.contains("`mim sync` shares them"),
        "{}",
        status.stdout
    );
    let run = team.run(1, &["sync"]).ok();
    assert_eq!(
        run.stdout.lines().filter(|l| l.starts_with("left")).count(),
        1
    );
    assert_eq!(team.remote_head(), b.git(&["rev-parse", "HEAD"]).trim());
}
