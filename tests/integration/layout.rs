//! The monthly layout (`incidents/YYYY/MM/<ID>/`, #25): `mim init --layout monthly`,
//! `mim migrate` from the flat layout in one commit that git and `mim audit` see as
//! moves, reading both layouts while a repository is between them, and a migration
//! killed at any step undone by the next mim.

use std::process::Command;

use crate::common::{Run, TestRepo, git_in};

const DECLARED: &str = "2026-11-24T09:00:00Z";
const ACCEPTED: &str = "2026-11-24T09:05:00Z";
const LATER: &str = "2026-11-24T10:00:00Z";

/// How an older mim wrote `.gitattributes`: patterns of the flat layout only.
const OLD_ATTRIBUTES: &str = "# mim: timelines are append-only\n\
incidents/*/timeline.yaml merge=union\n\
incidents/*/outbox/sent.log merge=union\n";

fn status(repo: &TestRepo) -> String {
    repo.git(&["status", "--porcelain", "--untracked-files=all"])
}

/// A flat repository with history: an active P1 with an update sent and a note, a
/// proposal of another month, and `.gitattributes` as an older mim wrote it.
fn flat_repository() -> (TestRepo, String, String) {
    let repo = TestRepo::new();
    repo.write(".gitattributes", OLD_ATTRIBUTES);
    repo.git(&["commit", "--quiet", "-am", "attributes of an older mim"]);
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:10:00Z",
        &["update", &id, "-m", "Card payments fail; we are on it."],
    )
    .ok();
    repo.at("2026-11-24T09:20:00Z", &["note", &id, "DNS looks fine"])
        .ok();
    let old = repo.declare(
        "2026-10-02T08:00:00Z",
        "Printer queue stuck",
        "low",
        "low",
        &[],
    );
    assert!(repo.path(&format!("incidents/{id}/timeline.yaml")).exists());
    (repo, id, old)
}

fn monthly(id: &str) -> String {
    format!("incidents/{}/{}/{id}", &id[..4], &id[5..7])
}

/// What the read commands print about the repository, for "says nothing different".
fn readings(repo: &TestRepo, id: &str) -> Vec<String> {
    [
        vec!["list"],
        vec!["show", id],
        vec!["status"],
        vec!["check", "--format", "json"],
        vec!["report", "--format", "json"],
        vec!["facts", id, "--json"],
    ]
    .iter()
    .map(|args| {
        let run = repo.at(LATER, args);
        // Where the files are is the one thing that differs.
        format!("{}\n{}", run.stdout, run.stderr)
            .replace("incidents/2026/11/", "incidents/")
            .replace("incidents/2026/10/", "incidents/")
    })
    .collect()
}

#[test]
fn migrate_moves_every_incident_in_one_commit_that_history_follows() {
    let (repo, id, old) = flat_repository();
    let before = readings(&repo, &id);
    let commits = repo.log().len();

    let run = repo.at(LATER, &["migrate"]).ok();
    assert!(run.out().contains("Moved 2 incidents"), "{}", run.out());

    // One commit, all of it, and a clean tree.
    assert_eq!(repo.log().len(), commits + 1);
    assert_eq!(
        repo.log()[0],
        "migrate: 2 incidents to incidents/YYYY/MM/<ID>/"
    );
    assert_eq!(status(&repo), "");
    for one in [&id, &old] {
        assert!(!repo.path(&format!("incidents/{one}")).exists());
        assert!(
            repo.path(&format!("{}/timeline.yaml", monthly(one)))
                .exists()
        );
    }
    assert!(repo.read("mim.yaml").contains("\nlayout: monthly"));
    let attributes = repo.read(".gitattributes");
    assert!(attributes.contains("incidents/**/timeline.yaml merge=union"));
    assert!(!attributes.contains("incidents/*/"));
    // git sees renames, not rewrites; every file kept its content.
    let stat = repo.git(&["show", "--stat=200", "--format=", "-M", "HEAD"]);
    assert!(
        stat.contains(&format!("incidents/{{ => 2026/11}}/{id}/timeline.yaml")),
        "{stat}"
    );
    let moved = repo.git(&[
        "diff",
        "-M100%",
        "--name-status",
        "HEAD~1",
        "HEAD",
        "--",
        "incidents",
    ]);
    assert!(
        moved.lines().all(|l| l.starts_with("R100")),
        "every incident file moved unchanged:\n{moved}"
    );
    // `git log --follow` finds the history from before the move.
    let timeline = format!("{}/timeline.yaml", monthly(&id));
    let followed = repo.git(&["log", "--follow", "--format=%s", "--", &timeline]);
    let followed: Vec<&str> = followed.lines().collect();
    assert_eq!(followed.len(), 5, "{followed:?}");
    assert_eq!(
        followed[4],
        "11-24 payments-api-outage: declared P1 Payments API outage"
    );
    // The audit sees moves, not a rewritten timeline.
    repo.run(&["audit"]).ok();
    repo.run(&["audit", &id]).ok();
    repo.run(&["validate"]).ok();
    // The read commands say nothing different.
    for (after, before) in readings(&repo, &id).iter().zip(&before) {
        assert!(
            after == before,
            "differs after the migration:\n{after}\n---\n{before}"
        );
    }
    // New events and new incidents go to the monthly layout.
    repo.at(LATER, &["note", &id, "after the move"]).ok();
    assert!(repo.read(&timeline).contains("after the move"));
    let new = repo.declare(LATER, "Mail delayed", "low", "low", &[]);
    assert!(
        repo.path(&format!("{}/incident.yaml", monthly(&new)))
            .exists()
    );
    assert_eq!(status(&repo), "");
    repo.run(&["audit"]).ok();
    // Nothing left to do.
    let again = repo.at(LATER, &["migrate"]).ok();
    assert!(
        again.out().contains("Nothing to migrate"),
        "{}",
        again.out()
    );
}

#[test]
fn a_dry_run_changes_nothing_and_uncommitted_changes_are_refused() {
    let (repo, id, _) = flat_repository();
    let files = repo.snapshot();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let dry = repo.at(LATER, &["migrate", "--dry-run"]).ok();
    assert!(
        dry.out()
            .contains(&format!("incidents/{id} → {}", monthly(&id))),
        "{}",
        dry.out()
    );
    assert_eq!(repo.snapshot(), files);

    let plan = format!("incidents/{id}/notes.md");
    repo.write(&plan, "my notes\n");
    let files = repo.snapshot();
    let refused = repo.at(LATER, &["migrate"]).fails(1);
    assert!(
        refused.stderr.contains(&plan) && refused.stderr.contains("nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(repo.snapshot(), files);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
}

#[test]
fn a_monthly_repository_puts_each_incident_under_its_month() {
    let repo = TestRepo::empty();
    repo.run(&["init", "--layout", "monthly"]).ok();
    assert!(repo.read("mim.yaml").contains("\nlayout: monthly"));
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let dir = monthly(&id);
    assert!(repo.path(&format!("{dir}/timeline.yaml")).exists());
    assert!(!repo.path(&format!("incidents/{id}")).exists());
    // A prefix, a part of the slug, and the directory one is in all find it.
    repo.at(LATER, &["show", "2026-11-24"]).ok();
    repo.at(LATER, &["note", "payments", "from the slug"]).ok();
    let inside = Run::from_output(
        repo.cmd()
            .current_dir(repo.path(&dir))
            .args(["--at", LATER, "show"])
            .output()
            .unwrap(),
    )
    .ok();
    assert!(
        inside.out().contains("Payments API outage"),
        "{}",
        inside.out()
    );
    repo.run(&["validate"]).ok();
    repo.run(&["audit"]).ok();
    assert_eq!(status(&repo), "");
}

#[test]
fn both_layouts_are_read_while_a_repository_is_between_them() {
    let (repo, id, old) = flat_repository();
    // One incident moved by hand, as a half-done migration leaves it.
    let to = monthly(&old);
    std::fs::create_dir_all(repo.path(&to).parent().unwrap()).unwrap();
    std::fs::rename(repo.path(&format!("incidents/{old}")), repo.path(&to)).unwrap();
    let list = repo.at(LATER, &["list"]).ok();
    assert!(
        list.out().contains(&id) && list.out().contains(&old),
        "{}",
        list.out()
    );
    repo.at(LATER, &["show", &old]).ok();
    repo.run(&["validate"]).ok();

    // A copy in both layouts, and directories that are not incidents, are named.
    let copy = monthly(&id);
    std::fs::create_dir_all(repo.path(&copy)).unwrap();
    for name in ["incident.yaml", "timeline.yaml"] {
        std::fs::copy(
            repo.path(&format!("incidents/{id}/{name}")),
            repo.path(&format!("{copy}/{name}")),
        )
        .unwrap();
    }
    std::fs::create_dir_all(repo.path("incidents/2026/13")).unwrap();
    std::fs::create_dir_all(repo.path("incidents/2026/11/2026-10-05-wrong-month")).unwrap();
    let problems = repo.run(&["validate"]).fails(1);
    let text = problems.stdout + &problems.stderr;
    for expected in [
        format!("{copy}: a second directory of incident {id}: mim reads incidents/{id}"),
        "incidents/2026/13: not an incident directory".to_string(),
        "incidents/2026/11/2026-10-05-wrong-month: not an incident directory".to_string(),
    ] {
        assert!(text.contains(&expected), "{expected}\n{text}");
    }
    let refused = repo.at(LATER, &["migrate"]).fails(1);
    assert!(
        refused.stderr.contains("both layouts"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_migration_killed_at_any_step_is_finished_or_undone_by_the_next_mim() {
    for point in [
        "after-journal",
        "after-write:1",
        "after-move:1",
        "after-move:2",
        "after-add",
        "after-update-ref",
        "after-commit",
    ] {
        let (repo, id, _) = flat_repository();
        let files = repo.snapshot();
        let head = repo.git(&["rev-parse", "HEAD"]);
        let killed = Run::from_output(
            repo.cmd()
                .env("MIM_FAULT", point)
                .args(["--at", LATER, "migrate"])
                .output()
                .unwrap(),
        );
        assert_eq!(killed.code, -1, "{point}: {}", killed.stderr);
        // Whatever the step, everything reads meanwhile.
        repo.at(LATER, &["show", &id]).ok();
        // The next mutation finishes or undoes it.
        repo.at(LATER, &["note", &id, "after the crash"]).ok();
        assert_eq!(status(&repo), "", "{point}");
        let committed = point == "after-update-ref" || point == "after-commit";
        let timeline = if committed {
            format!("{}/timeline.yaml", monthly(&id))
        } else {
            format!("incidents/{id}/timeline.yaml")
        };
        assert!(repo.read(&timeline).contains("after the crash"), "{point}");
        if !committed {
            // All of it undone: the files as they were, plus the note.
            let now: Vec<_> = repo
                .snapshot()
                .into_iter()
                .filter(|(path, _)| !path.ends_with("timeline.yaml"))
                .collect();
            let was: Vec<_> = files
                .iter()
                .filter(|(path, _)| !path.ends_with("timeline.yaml"))
                .cloned()
                .collect();
            assert_eq!(now, was, "{point}");
            assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head, "{point}");
            repo.at(LATER, &["migrate"]).ok();
        }
        repo.run(&["audit"]).ok();
        repo.run(&["validate"]).ok();
        repo.git(&["fsck", "--no-progress"]);
        let timeline = format!("{}/timeline.yaml", monthly(&id));
        repo.git(&["ls-files", "--error-unmatch", &timeline]);
        assert_eq!(status(&repo), "", "{point}");
    }
}

#[test]
fn a_note_made_offline_before_the_migration_lands_in_the_new_place() {
    let (a, id, _) = flat_repository();
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("remote.git");
    git_in(
        tmp.path(),
        &a.home,
        &[
            "init",
            "--quiet",
            "--bare",
            "--initial-branch=main",
            "remote.git",
        ],
    );
    a.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    a.git(&["push", "--quiet", "--set-upstream", "origin", "main"]);
    let b = TestRepo::clone_of(&remote, "Bea Lindqvist");
    // B works offline on the flat layout while A migrates and shares it.
    b.git(&["config", "mim.sync", "off"]);
    b.at(LATER, &["note", &id, "offline note"]).ok();
    a.at(LATER, &["migrate"]).ok();
    assert_eq!(
        a.git(&["rev-parse", "HEAD"]),
        git_in(
            tmp.path(),
            &a.home,
            &["--git-dir", remote.to_str().unwrap(), "rev-parse", "main"]
        )
    );
    b.git(&["config", "mim.sync", "manual"]);
    b.run(&["sync"]).ok();
    let timeline = format!("{}/timeline.yaml", monthly(&id));
    assert!(b.read(&timeline).contains("offline note"));
    assert!(!b.path(&format!("incidents/{id}")).exists());
    let shared = Command::new("git")
        .args(["--git-dir", remote.to_str().unwrap(), "show"])
        .arg(format!("main:{timeline}"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&shared.stdout).contains("offline note"));
    b.run(&["validate"]).ok();
    b.run(&["audit"]).ok();
}
