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
