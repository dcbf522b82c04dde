//! The audit trail (#12): commits say who and when, time order, what a command renders
//! from is committed with it, and `mim audit` proves the history append-only.

use crate::common::TestRepo;

/// The default configuration plus `extra` at the end (committed).
fn with_config(repo: &TestRepo, extra: &str) {
    let config = repo.read("mim.yaml");
    repo.config(&format!("{config}\n{extra}"));
}

#[test]
fn commits_say_who_and_when() {
    let repo = TestRepo::new();
    with_config(&repo, "people:\n  \"Ann Lee\": ann@msp.example\n");
    let id = repo.active_p1("2026-11-24T09:00:00+01:00", "2026-11-24T09:05:00+01:00");
    let run = repo
        .cmd()
        // Whatever the environment says, the author is the actor.
        .env("GIT_AUTHOR_NAME", "Someone Else")
        .env("GIT_AUTHOR_EMAIL", "someone@else.example")
        .args([
            "update",
            &id,
            "--audience",
            "internal",
            "-m",
            "Rolling back.",
            "--by",
            "Ann Lee",
            "--at",
            "2026-11-24T10:00:00+01:00",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let head = repo.git(&["log", "-1", "--format=%an|%ae|%aI|%cn|%ce"]);
    assert_eq!(
        head.trim(),
        "Ann Lee|ann@msp.example|2026-11-24T10:00:00+01:00|Test Runner|runner@msp.example"
    );
    // The committer date is when the command ran, not the event time.
    let dates = repo.git(&["log", "-1", "--format=%aI %cI"]);
    let (author, committer) = dates.trim().split_once(' ').unwrap();
    assert_ne!(author, committer);

    // Without a `people:` entry the e-mail is git's user.email.
    repo.at(
        "2026-11-24T10:10:00+01:00",
        &["note", &id, "carrier called back"],
    )
    .ok();
    let head = repo.git(&["log", "-1", "--format=%an|%ae|%aI"]);
    assert_eq!(
        head.trim(),
        "Sam Patel|runner@msp.example|2026-11-24T10:10:00+01:00"
    );
    // `git log` is the incident log.
    let log = repo.git(&["log", "-3", "--format=%ad %an %s", "--date=iso-strict"]);
    assert!(
        log.contains(&format!(
            "2026-11-24T10:00:00+01:00 Ann Lee {id}: update 1 to internal"
        )),
        "{log}"
    );
}

#[test]
fn a_bad_address_in_people_names_line_and_column() {
    let repo = TestRepo::new();
    with_config(&repo, "people:\n  \"Ann Lee\": not-an-address\n");
    let line = repo.read("mim.yaml").lines().count();
    let run = repo.run(&["list"]).fails(2);
    assert!(
        run.stderr.contains(&format!("mim.yaml:{line}:")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("invalid e-mail address"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn commit_signing_keeps_working() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    // A stand-in for gpg that signs anything, as git calls it (`--status-fd=2 -bsau KEY`).
    let gpg = repo.home.join("fake-gpg");
    std::fs::write(
        &gpg,
        "#!/bin/sh\ncat >/dev/null\n\
         printf '[GNUPG:] BEGIN_SIGNING\\n[GNUPG:] SIG_CREATED D 1 8 00 1 FAKE\\n' >&2\n\
         printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'\n",
    )
    .unwrap();
    std::fs::set_permissions(&gpg, std::fs::Permissions::from_mode(0o755)).unwrap();
    repo.git(&["config", "commit.gpgsign", "true"]);
    repo.git(&["config", "user.signingkey", "FAKE"]);
    repo.git(&["config", "gpg.program", gpg.to_str().unwrap()]);
    repo.at("2026-11-24T09:20:00Z", &["note", &id, "signed"])
        .ok();
    let raw = repo.git(&["cat-file", "-p", "HEAD"]);
    assert!(
        raw.contains("gpgsig -----BEGIN PGP SIGNATURE-----"),
        "{raw}"
    );
    assert!(
        raw.contains("\nauthor Sam Patel <runner@msp.example>"),
        "{raw}"
    );
}

fn update(repo: &TestRepo, at: &str, id: &str, text: &str) {
    repo.at(at, &["update", id, "--audience", "internal", "-m", text])
        .ok();
}

fn resolve_args<'a>(id: &'a str) -> Vec<&'a str> {
    vec![
        "resolve",
        id,
        "-m",
        "Restored.",
        "--closure",
        "config-change",
    ]
}

#[test]
fn a_resolve_cannot_be_dated_before_a_later_update() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    update(&repo, "2026-11-24T10:00:00Z", &id, "First.");
    update(&repo, "2026-11-24T10:30:00Z", &id, "Second.");
    let before = repo.snapshot();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let run = repo.at("2026-11-24T10:15:00Z", &resolve_args(&id)).fails(1);
    assert!(
        run.stderr
            .contains("the update 2 to internal at 2026-11-24T10:30:00Z by Sam Patel"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before, "nothing is written");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    repo.at("2026-11-24T10:40:00Z", &resolve_args(&id)).ok();
}

#[test]
fn ending_changes_are_ordered_against_activity_and_backfills_keep_working() {
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "Payments API outage",
        "high",
        "high",
        &["--client", "acme"],
    );
    // The end-of-night backfill: notes first, then the accept dated before them.
    repo.at("2026-11-24T09:40:00Z", &["note", &id, "pods restarting"])
        .ok();
    repo.at("2026-11-24T09:20:00Z", &["note", &id, "first look"])
        .ok();
    repo.at("2026-11-24T09:05:00Z", &["accept", &id]).ok();
    update(&repo, "2026-11-24T09:50:00Z", &id, "Investigating.");
    repo.at(
        "2026-11-24T09:10:00Z",
        &[
            "note",
            &id,
            "triage",
            "--time",
            "30m",
            "--activity",
            "diagnosis",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:30:00Z",
        &["escalate", &id, "--kind", "vendor", "--to", "Cisco TAC"],
    )
    .ok();
    let run = repo
        .at(
            "2026-11-24T09:45:00Z",
            &["hold", &id, "--reason", "carrier"],
        )
        .fails(1);
    assert!(
        run.stderr.contains("update 1 to internal"),
        "{}",
        run.stderr
    );
    repo.at(
        "2026-11-24T10:00:00Z",
        &[
            "escalate",
            &id,
            "--impact",
            "medium",
            "--urgency",
            "high",
            "--reason",
            "fewer users",
        ],
    )
    .ok();
    let run = repo.at("2026-11-24T09:55:00Z", &resolve_args(&id)).fails(1);
    assert!(
        run.stderr.contains("reprioritisation to P2"),
        "{}",
        run.stderr
    );
    repo.at("2026-11-24T10:10:00Z", &resolve_args(&id)).ok();
    // A plan change while resolved; a close cannot be dated before it.
    repo.at(
        "2026-11-24T10:30:00Z",
        &["plan", &id, "--approach", "Monitor for a day."],
    )
    .ok();
    let run = repo.at("2026-11-24T10:20:00Z", &["close", &id]).fails(1);
    assert!(run.stderr.contains("plan change"), "{}", run.stderr);
    repo.run(&["validate"]).ok();

    // A proposal escalated cannot be rejected before the escalation.
    let other = repo.declare(
        "2026-11-24T11:00:00Z",
        "Printer offline",
        "low",
        "medium",
        &["--force"],
    );
    repo.at(
        "2026-11-24T11:30:00Z",
        &["escalate", &other, "--kind", "sme", "--to", "Print team"],
    )
    .ok();
    let run = repo
        .at(
            "2026-11-24T11:20:00Z",
            &["reject", &other, "--reason", "minor"],
        )
        .fails(1);
    assert!(
        run.stderr.contains("escalation to Print team"),
        "{}",
        run.stderr
    );
}

/// Two clones: one resolves at 10:15, the other sends an update at 10:30; merged.
fn merged_out_of_order(pull_into_original: bool) -> (TestRepo, String) {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    update(&repo, "2026-11-24T10:00:00Z", &id, "First.");
    let other = repo.clone_repo("Other Runner");
    update(&repo, "2026-11-24T10:30:00Z", &id, "Second.");
    other.at("2026-11-24T10:15:00Z", &resolve_args(&id)).ok();
    let (into, from) = if pull_into_original {
        (&repo, &other)
    } else {
        (&other, &repo)
    };
    into.git(&[
        "pull",
        "--quiet",
        "--no-rebase",
        "--no-edit",
        from.root.to_str().unwrap(),
        "main",
    ]);
    if pull_into_original {
        (repo, id)
    } else {
        (other, id)
    }
}

#[test]
fn validate_reports_a_merged_timeline_out_of_order_with_both_entries() {
    for pull_into_original in [true, false] {
        let (repo, id) = merged_out_of_order(pull_into_original);
        let run = repo.run(&["validate"]).fails(1);
        let problems: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.contains("is dated before"))
            .collect();
        assert_eq!(problems.len(), 1, "{}", run.stdout);
        let line = problems[0];
        assert!(
            line.starts_with(&format!("incidents/{id}/timeline.yaml:")),
            "{line}"
        );
        assert!(
            line.contains("resolve at 2026-11-24T10:15:00Z by Sam Patel"),
            "{line}"
        );
        assert!(
            line.contains("update 2 to internal at 2026-11-24T10:30:00Z by Sam Patel"),
            "{line}"
        );
    }
}
