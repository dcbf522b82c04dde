//! Sparse work trees (#25): `mim sparse --months N` keeps the work tree to recent
//! months; every command reads the incidents outside it from git and says nothing
//! different; a change to one of them brings that incident, and only it, back.

use crate::common::TestRepo;

const NOW: &str = "2026-11-24T12:00:00Z";

fn monthly(id: &str) -> String {
    format!("incidents/{}/{}/{id}", &id[..4], &id[5..7])
}

/// git reads the index mim wrote (a sparse index here): status, ls-files, reset --hard
/// and fsck all succeed and leave a clean tree (#28).
#[track_caller]
fn git_reads_the_index(repo: &TestRepo) {
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert!(!repo.git(&["ls-files"]).is_empty());
    repo.git(&["reset", "--hard", "--quiet"]);
    repo.git(&["fsck", "--no-progress"]);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

/// What the read commands print, whole.
fn readings(repo: &TestRepo, ids: &[&str]) -> Vec<String> {
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["status"],
        vec!["validate"],
        vec!["check", "--format", "json"],
        vec!["report", "--format", "json"],
        vec!["audit"],
    ];
    for id in ids {
        commands.push(vec!["show", id]);
        commands.push(vec!["facts", id, "--json"]);
        commands.push(vec!["audit", id]);
    }
    commands
        .iter()
        .map(|args| {
            let run = repo.at(NOW, args);
            format!(
                "$ mim {}\n{}\n{}\n{}",
                args.join(" "),
                run.code,
                run.stdout,
                run.stderr
            )
        })
        .collect()
}

/// A monthly repository: an incident of June with an update in its outbox, one of
/// October, and an active one of this month.
fn repository() -> (TestRepo, Vec<String>) {
    let repo = TestRepo::empty();
    repo.run(&["init", "--layout", "monthly"]).ok();
    let june = repo.declare(
        "2026-06-10T09:00:00Z",
        "Mail relay down",
        "high",
        "high",
        &[],
    );
    repo.at(
        "2026-06-10T09:05:00Z",
        &["accept", &june, "--manager", "Alice Moreau"],
    )
    .ok();
    repo.at(
        "2026-06-10T09:10:00Z",
        &["update", &june, "-m", "Mail is queued; we are on it."],
    )
    .ok();
    let october = repo.declare(
        "2026-10-02T08:00:00Z",
        "Printer queue stuck",
        "low",
        "low",
        &[],
    );
    let now = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    (repo, vec![june, october, now])
}

#[test]
fn a_sparse_work_tree_reads_the_other_incidents_from_git_and_says_nothing_different() {
    let (repo, ids) = repository();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let before = readings(&repo, &ids);

    let run = repo.at(NOW, &["sparse", "--months", "2"]).ok();
    assert!(run.out().contains("2026-10 to 2026-11"), "{}", run.out());
    assert!(
        !repo.path(&monthly(ids[0])).exists(),
        "June is out of the work tree"
    );
    assert!(repo.path(&monthly(ids[1])).exists());
    assert!(repo.path("templates/README.md").exists());
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    // git's sparse index: the index folds the months outside the cone.
    let index = repo.git(&["ls-files", "--sparse"]);
    assert!(index.lines().any(|l| l == "incidents/2026/06/"), "{index}");

    for (after, before) in readings(&repo, &ids).iter().zip(&before) {
        assert!(
            after == before,
            "differs in the sparse work tree:\n{after}\n---\n{before}"
        );
    }
}

#[test]
fn a_change_to_an_incident_outside_the_cone_brings_back_that_incident_only() {
    let (repo, ids) = repository();
    // Another incident of June, which must stay out.
    let other = repo.declare("2026-06-20T09:00:00Z", "VPN flapping", "low", "low", &[]);
    repo.at(NOW, &["sparse", "--months", "1"]).ok();
    assert!(!repo.path(&monthly(&ids[0])).exists());

    repo.at(NOW, &["note", &ids[0], "found in the archive"])
        .ok();
    let timeline = format!("{}/timeline.yaml", monthly(&ids[0]));
    assert!(repo.read(&timeline).contains("found in the archive"));
    assert!(
        repo.git(&["show", &format!("HEAD:{timeline}")])
            .contains("found in the archive")
    );
    assert!(
        !repo.path(&monthly(&other)).exists(),
        "only that incident came back"
    );
    assert!(!repo.path(&monthly(&ids[1])).exists());
    git_reads_the_index(&repo);
    // Inside the cone, as always.
    repo.at(NOW, &["note", &ids[2], "inside the cone"]).ok();
    git_reads_the_index(&repo);
    repo.at(
        NOW,
        &[
            "update",
            &ids[0],
            "-m",
            "Still queued; next update at noon.",
        ],
    )
    .ok();
    git_reads_the_index(&repo);
    // A new incident dated in a month outside the cone is written there.
    let late = repo.declare(
        "2026-07-01T09:00:00Z",
        "Backfilled report",
        "low",
        "low",
        &[],
    );
    assert!(
        repo.path(&format!("{}/incident.yaml", monthly(&late)))
            .exists()
    );
    git_reads_the_index(&repo);
    repo.at(NOW, &["validate"]).ok();
    repo.at(NOW, &["audit"]).ok();
    repo.git(&["fsck", "--no-progress"]);

    repo.at(NOW, &["sparse", "--off"]).ok();
    assert!(repo.path(&monthly(&other)).exists());
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_flat_repository_is_told_to_migrate_first() {
    let repo = TestRepo::new();
    let files = repo.snapshot();
    let refused = repo.at(NOW, &["sparse", "--months", "3"]).fails(2);
    assert!(refused.stderr.contains("mim migrate"), "{}", refused.stderr);
    assert_eq!(repo.snapshot(), files);
}

#[test]
fn a_mim_repository_below_the_top_of_its_git_work_tree_is_refused() {
    let repo = TestRepo::empty();
    repo.run(&["init", "ops", "--layout", "monthly"]).ok();
    let files = repo.snapshot();
    let inside = crate::common::Run::from_output(
        repo.cmd()
            .current_dir(repo.path("ops"))
            .args(["--at", NOW, "sparse", "--months", "3"])
            .output()
            .unwrap(),
    )
    .fails(2);
    assert!(inside.stderr.contains("at the top"), "{}", inside.stderr);
    assert_eq!(repo.snapshot(), files);
}
