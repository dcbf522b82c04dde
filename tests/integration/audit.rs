//! The audit trail (#12): commits say who and when, time order, what a command renders
//! from is committed with it, and `mim audit` proves the history append-only.

use crate::common::TestRepo;

/// An RFC 3339 time as git's `%at` shows it.
fn unix(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time)
        .unwrap()
        .timestamp()
        .to_string()
}

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
            "2026-11-24T10:00:00+01:00 Ann Lee {}: update 1 to internal",
            crate::common::subject_ref(&id)
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

fn resolve_args(id: &str) -> Vec<&str> {
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

/// A resolved P1 with its PIR started (pir.md written and committed by mim).
fn pir_started(repo: &TestRepo) -> String {
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    repo.at("2026-11-24T11:45:00Z", &resolve_args(&id)).ok();
    repo.at(
        "2026-11-25T09:00:00Z",
        &["pir", "start", &id, "--reason", "required"],
    )
    .ok();
    id
}

/// Write `paragraph` under the Root cause heading of pir.md, as a person would.
fn write_root_cause(repo: &TestRepo, id: &str, paragraph: &str) {
    let path = format!("incidents/{id}/pir.md");
    let text = repo.read(&path).replace(
        "## Root cause\n",
        &format!("## Root cause\n\n{paragraph}\n"),
    );
    assert!(text.contains(paragraph), "no Root cause heading in pir.md");
    repo.write(&path, &text);
}

#[test]
fn pir_report_commits_the_pir_md_it_renders_from() {
    let repo = TestRepo::new();
    let id = pir_started(&repo);
    let paragraph = "The line card failed; its spare had been lent to another site.";
    write_root_cause(&repo, &id, paragraph);
    repo.at("2026-11-25T10:00:00Z", &["pir", "report", &id])
        .ok();
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let committed = repo.git(&["show", &format!("HEAD:incidents/{id}/pir.md")]);
    assert!(committed.contains(paragraph), "{committed}");
    let report = repo.git(&["show", &format!("HEAD:incidents/{id}/pir-report.md")]);
    assert!(report.contains(paragraph), "{report}");
    // A fresh clone has the review text.
    let clone = repo.clone_repo("Kim Ng");
    assert!(
        clone
            .read(&format!("incidents/{id}/pir.md"))
            .contains(paragraph)
    );
    // A change the report does not show (a comment) is committed all the same.
    let path = format!("incidents/{id}/pir.md");
    repo.write(
        &path,
        &format!("{}<!-- draft: ask the carrier -->\n", repo.read(&path)),
    );
    let run = repo
        .at("2026-11-25T10:00:00Z", &["pir", "report", &id])
        .ok();
    assert!(run.stderr.contains("up to date"), "{}", run.stderr);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert!(
        repo.git(&["show", &format!("HEAD:{path}")])
            .contains("draft: ask the carrier")
    );
}

#[test]
fn pir_review_commits_pir_md_when_it_changed() {
    let repo = TestRepo::new();
    let id = pir_started(&repo);
    write_root_cause(&repo, &id, "Written during the review.");
    repo.at(
        "2026-11-26T15:00:00Z",
        &[
            "pir",
            "review",
            &id,
            "internal",
            "--held-at",
            "2026-11-26T14:00:00Z",
            "--attendees",
            "Dana Whit, Bob Lee",
            "--feedback",
            "Agreed.",
        ],
    )
    .ok();
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let files = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(files.contains(&format!("incidents/{id}/pir.md")), "{files}");
}

#[test]
fn close_commits_pir_md_and_refuses_other_uncommitted_changes() {
    let repo = TestRepo::new();
    let id = pir_started(&repo);
    repo.at(
        "2026-11-26T15:00:00Z",
        &[
            "pir",
            "review",
            &id,
            "internal",
            "--held-at",
            "2026-11-26T14:00:00Z",
            "--attendees",
            "Dana Whit",
            "--feedback",
            "Agreed.",
        ],
    )
    .ok();
    let paragraph = "Written after the review, committed by close.";
    write_root_cause(&repo, &id, paragraph);
    // Hand edits mim did not make: an edited timeline and a stray file.
    let timeline = format!("incidents/{id}/timeline.yaml");
    let original = repo.read(&timeline);
    repo.write(
        &timeline,
        &original.replace("Restored.", "Restored at last."),
    );
    repo.write(&format!("incidents/{id}/scratch.txt"), "notes\n");
    let before = repo.snapshot();
    let run = repo
        .at("2026-11-27T10:00:00Z", &["close", &id, "--csat", "4"])
        .fails(1);
    assert!(run.stderr.contains(&timeline), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("incidents/{id}/scratch.txt")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("pir.md"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before, "nothing is written");
    // --force is not a way around it.
    repo.at(
        "2026-11-27T10:00:00Z",
        &["close", &id, "--force", "--reason", "VP says so"],
    )
    .fails(1);
    assert_eq!(repo.snapshot(), before);
    // Committing them is (or undoing them).
    repo.write(&timeline, &original);
    repo.git(&["add", &format!("incidents/{id}/scratch.txt")]);
    repo.git(&["commit", "--quiet", "-m", "scratch notes"]);
    repo.at("2026-11-27T10:00:00Z", &["close", &id, "--csat", "4"])
        .ok();
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let committed = repo.git(&["show", &format!("HEAD:incidents/{id}/pir.md")]);
    assert!(committed.contains(paragraph), "{committed}");
}

#[test]
fn sent_log_records_when_messages_were_sent_and_send_refuses_at() {
    let repo = TestRepo::new();
    let config = repo
        .read("mim.yaml")
        .replace("sendmail: \"sendmail -t -i\"", "sendmail: \"cat\"");
    assert!(config.contains("sendmail: \"cat\""));
    repo.config(&config);
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    let log = format!("incidents/{id}/outbox/sent.log");
    // Backfilled and sent now: the update is dated --at, the sending is not.
    repo.now(
        "2026-11-24T12:00:00Z",
        &[
            "--at",
            "2026-11-24T09:30:00Z",
            "update",
            &id,
            "--audience",
            "internal",
            "-m",
            "First.",
            "--send",
        ],
    )
    .ok();
    let sent = repo.read(&log);
    let lines: Vec<&str> = sent.lines().filter(|l| !l.starts_with('#')).collect();
    // The intent, then the outcome.
    assert_eq!(lines.len(), 2, "{sent}");
    assert!(
        lines[0].contains(" sending 2026-11-24T12:00:00Z Sam Patel"),
        "{sent}"
    );
    assert!(
        lines[1].ends_with("-u1-internal.eml 2026-11-24T12:00:00Z Sam Patel"),
        "{sent}"
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%at"]).trim(),
        unix("2026-11-24T12:00:00Z"),
        "the send commit is dated when it was sent"
    );

    // `send` happens now: --at is refused, nothing is written.
    update(&repo, "2026-11-24T12:10:00Z", &id, "Second.");
    let before = repo.snapshot();
    let run = repo
        .now(
            "2026-11-24T12:30:00Z",
            &["--at", "2026-11-24T12:15:00Z", "send", &id],
        )
        .fails(2);
    assert!(run.stderr.contains("--at"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
    repo.now("2026-11-24T12:30:00Z", &["send", &id]).ok();
    assert!(
        repo.read(&log).contains(" 2026-11-24T12:30:00Z Sam Patel"),
        "{}",
        repo.read(&log)
    );
}

/// The 1-based line of `timeline.yaml` (at HEAD) that contains `needle`.
fn line_of(repo: &TestRepo, id: &str, needle: &str) -> usize {
    repo.read(&format!("incidents/{id}/timeline.yaml"))
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}"))
        + 1
}

fn head(repo: &TestRepo) -> String {
    repo.git(&["rev-parse", "HEAD"]).trim().to_string()
}

#[test]
fn audit_names_the_commits_files_and_lines_that_rewrote_the_timeline() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at("2026-11-24T09:20:00Z", &["note", &id, "carrier called"])
        .ok();
    update(&repo, "2026-11-24T09:30:00Z", &id, "First.");
    repo.at("2026-11-24T09:40:00Z", &["note", &id, "card swapped"])
        .ok();
    repo.run(&["audit"]).ok();
    let timeline = format!("incidents/{id}/timeline.yaml");

    // One commit changes the time of the update ("we told them at 09:15")...
    let changed_line = line_of(&repo, &id, "event: update");
    let text = repo.read(&timeline);
    repo.write(
        &timeline,
        &text.replace("2026-11-24T09:30:00Z, by", "2026-11-24T09:15:00Z, by"),
    );
    repo.git(&["commit", "--quiet", "-am", "fix the update time"]);
    let rewrite = head(&repo);
    // ...another deletes a note.
    let removed_line = line_of(&repo, &id, "carrier called");
    let text = repo.read(&timeline);
    let kept: String = text
        .lines()
        .filter(|l| !l.contains("carrier called"))
        .map(|l| format!("{l}\n"))
        .collect();
    repo.write(&timeline, &kept);
    repo.git(&["commit", "--quiet", "-am", "tidy"]);
    let delete = head(&repo);

    let run = repo.run(&["audit"]).fails(1);
    let out = &run.stdout;
    assert!(out.contains(&format!("{id}: NOT append-only")), "{out}");
    assert!(
        out.contains(&format!("{timeline}:{changed_line}: error: changed:")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{timeline}:{removed_line}: error: removed:")),
        "{out}"
    );
    assert!(
        out.contains(&format!("in commit {}", &rewrite[..12])),
        "{out}"
    );
    assert!(
        out.contains(&format!("in commit {}", &delete[..12])),
        "{out}"
    );
    assert!(out.contains("was: - {at: 2026-11-24T09:30:00Z"), "{out}");
    assert!(out.contains("now: - {at: 2026-11-24T09:15:00Z"), "{out}");
    assert!(run.stderr.contains("NOT append-only"), "{}", run.stderr);

    let json = repo.run(&["audit", "--format", "json"]).fails(1).json();
    assert_eq!(json["append_only"], false);
    let findings = json["incidents"][0]["findings"].as_array().unwrap();
    let rewritten: Vec<(&str, &str, u64, &str)> = findings
        .iter()
        .filter(|f| f["kind"] == "changed" || f["kind"] == "removed")
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["commit"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["file"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rewritten,
        [
            (
                "changed",
                rewrite.as_str(),
                changed_line as u64,
                timeline.as_str()
            ),
            (
                "removed",
                delete.as_str(),
                removed_line as u64,
                timeline.as_str()
            ),
        ]
    );
    // Both commits are hand edits of the timeline as well.
    let hand: Vec<&str> = findings
        .iter()
        .filter(|f| f["kind"] == "hand-edit")
        .map(|f| f["commit"].as_str().unwrap())
        .collect();
    assert_eq!(hand, [rewrite.as_str(), delete.as_str()]);
    let changed = findings.iter().find(|f| f["kind"] == "changed").unwrap();
    assert_eq!(changed["entry"]["event"], "update");
    assert_eq!(changed["level"], "error");

    // Only what came after the rewrite: clean again.
    repo.at("2026-11-24T09:50:00Z", &["note", &id, "monitoring"])
        .ok();
    repo.run(&["audit", "--since", &delete]).ok();
    repo.run(&["audit", "--since", "no-such-rev"]).fails(2);
}

#[test]
fn audit_passes_a_history_made_by_mim_including_a_merge_of_two_clones() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    let other = repo.clone_repo("Other Runner");
    repo.at(
        "2026-11-24T09:20:00Z",
        &["note", &id, "network: logs clean"],
    )
    .ok();
    update(&repo, "2026-11-24T09:30:00Z", &id, "First.");
    other
        .at(
            "2026-11-24T09:25:00Z",
            &["note", &id, "app: pods restarting"],
        )
        .ok();
    other
        .at(
            "2026-11-24T09:35:00Z",
            &["escalate", &id, "--kind", "vendor", "--to", "Cisco TAC"],
        )
        .ok();
    repo.git(&[
        "pull",
        "--quiet",
        "--no-rebase",
        "--no-edit",
        other.root.to_str().unwrap(),
        "main",
    ]);
    assert_eq!(
        repo.git(&["rev-list", "--merges", "--count", "HEAD"])
            .trim(),
        "1"
    );
    repo.at("2026-11-24T10:00:00Z", &resolve_args(&id)).ok();
    repo.at(
        "2026-11-25T09:00:00Z",
        &["pir", "start", &id, "--reason", "required"],
    )
    .ok();
    write_root_cause(&repo, &id, "The line card failed.");
    repo.at("2026-11-25T10:00:00Z", &["pir", "report", &id])
        .ok();
    // Someone edits the review text by hand and commits it: normal, listed.
    write_root_cause(&repo, &id, "Its spare had been lent out.");
    repo.git(&["commit", "--quiet", "-am", "pir: more root cause"]);

    let run = repo.run(&["audit"]).ok();
    assert!(run.stdout.contains("info: hand-edit"), "{}", run.stdout);
    assert!(run.stderr.contains("append-only"), "{}", run.stderr);
    let json = repo.run(&["audit", "--json"]).ok().json();
    assert_eq!(json["append_only"], true);
    let incident = &json["incidents"][0];
    assert_eq!(incident["id"], id.as_str());
    assert_eq!(incident["append_only"], true);
    // Every event was recorded with --at long before the test ran: backfilled, as
    // information. Apart from those, the hand edit of pir.md.
    let findings = incident["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["level"] == "info"),
        "{incident:#}"
    );
    let others: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["kind"] != "backfilled")
        .collect();
    assert_eq!(others.len(), 1, "{incident:#}");
    assert_eq!(others[0]["kind"], "hand-edit");
    assert_eq!(others[0]["file"], format!("incidents/{id}/pir.md"));
    // The same for the other clone after it pulls (a fast-forward) and for one incident.
    other.git(&[
        "pull",
        "--quiet",
        "--no-rebase",
        "--no-edit",
        repo.root.to_str().unwrap(),
        "main",
    ]);
    other.run(&["audit", &id]).ok();
    other.run(&["audit", "no-such-incident"]).fails(2);
}

#[test]
fn audit_reports_backfills_as_information_and_wrong_actors_as_errors() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    // Recorded at 15:00 for 10:00 (backfilled), and at 15:00 for 14:30 (within 1h).
    for at in ["2026-11-24T10:00:00Z", "2026-11-24T14:30:00Z"] {
        let out = repo
            .cmd()
            .env("GIT_COMMITTER_DATE", "2026-11-24T15:00:00Z")
            .args(["--at", at, "note", &id, "from the notebook"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json = repo.run(&["audit", "--json"]).ok().json();
    let findings = json["incidents"][0]["findings"].as_array().unwrap();
    let backfilled: Vec<&str> = findings
        .iter()
        .filter(|f| f["kind"] == "backfilled")
        .map(|f| f["entry"]["at"].as_str().unwrap())
        .collect();
    assert!(
        backfilled.contains(&"2026-11-24T10:00:00Z"),
        "{findings:#?}"
    );
    assert!(
        !backfilled.contains(&"2026-11-24T14:30:00Z"),
        "{findings:#?}"
    );
    assert!(findings.iter().all(|f| f["level"] == "info"));
    // A wider margin in mim.yaml: not backfilled any more.
    with_config(&repo, "audit:\n  backfill_margin: 12h\n");
    let json = repo.run(&["audit", "--json"]).ok().json();
    assert!(
        !json["incidents"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["entry"]["at"] == "2026-11-24T10:00:00Z"),
        "{json:#}"
    );

    // A line added with mim's trailers but someone else's name.
    let timeline = format!("incidents/{id}/timeline.yaml");
    let text = repo.read(&timeline);
    repo.write(
        &timeline,
        &format!("{text}- {{at: 2026-11-24T14:40:00Z, by: \"Alice Moreau\", event: note, text: \"all good\"}}\n"),
    );
    repo.git(&[
        "commit",
        "--quiet",
        "-am",
        &format!("{id}: note\n\nIncident: {id}\nEvent: note\nActor: Sam Patel\n"),
    ]);
    let run = repo.run(&["audit"]).fails(1);
    assert!(
        run.stdout.contains(
            "error: actor-mismatch: note by Alice Moreau was committed with `Actor: Sam Patel`"
        ),
        "{}",
        run.stdout
    );
}

// ---- seals: tamper evidence that survives a rewrite (#22) ----------------------------

/// Run git with extra environment (an editor for `rebase -i`, filter-branch's quiet).
fn git_with(repo: &TestRepo, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(&repo.root).args(args);
    crate::common::isolate(&mut cmd, &repo.home);
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The commit whose subject contains `needle`.
fn commit_with(repo: &TestRepo, needle: &str) -> String {
    repo.git(&["log", "--format=%H %s"])
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no commit with {needle}"))
        .split(' ')
        .next()
        .unwrap()
        .to_string()
}

fn seal_refs(repo: &TestRepo) -> Vec<String> {
    repo.git(&["for-each-ref", "--format=%(refname)", "refs/mim/seals/"])
        .lines()
        .map(String::from)
        .collect()
}

/// An incident with notes, an escalation and an update, audited and sealed at HEAD.
/// Returns the incident and the sealed commit.
fn sealed_repo() -> (TestRepo, String, String) {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at("2026-11-24T09:20:00Z", &["note", &id, "carrier called"])
        .ok();
    repo.at(
        "2026-11-24T09:25:00Z",
        &["escalate", &id, "--kind", "vendor", "--to", "Cisco TAC"],
    )
    .ok();
    update(&repo, "2026-11-24T09:30:00Z", &id, "First.");
    repo.at("2026-11-24T09:40:00Z", &["note", &id, "card swapped"])
        .ok();
    let run = repo.run(&["audit", "--seal"]).ok();
    let head = head(&repo);
    assert!(
        run.stderr
            .contains(&format!("sealed main at {} (not signed)", &head[..12])),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("git push origin 'refs/mim/*:refs/mim/*'"),
        "{}",
        run.stderr
    );
    assert_eq!(seal_refs(&repo).len(), 1);
    (repo, id, head)
}

/// `mim audit` after a rewrite: exit 1, the rewrite reported naming the sealed commit.
#[track_caller]
fn assert_rewrite_reported(repo: &TestRepo, sealed: &str) -> String {
    let run = repo.run(&["audit"]).fails(1);
    assert!(
        run.stdout.contains("main: REWRITTEN after it was sealed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "error: rewritten: the sealed commit {} is no longer in the history of HEAD",
            &sealed[..12]
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("NOT append-only; history of main REWRITTEN after seal")
            && run
                .stderr
                .contains(&format!("(sealed commit {})", &sealed[..12])),
        "{}",
        run.stderr
    );
    let json = repo.run(&["audit", "--json"]).fails(1).json();
    assert_eq!(json["append_only"], false);
    assert_eq!(json["seals"]["rewritten"][0]["sealed"], sealed);
    assert!(
        json["seals"]["rewrite"]["missing_commits"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // Nothing is sealed over a rewrite.
    let again = repo.run(&["audit", "--seal"]).fails(1);
    assert!(again.stderr.contains("nothing sealed"), "{}", again.stderr);
    assert_eq!(seal_refs(repo).len(), 1);
    run.stdout
}

#[test]
fn a_seal_holds_after_normal_appends_and_merges() {
    let (repo, id, first) = sealed_repo();
    let other = repo.clone_repo("Other Runner");
    repo.at("2026-11-24T09:50:00Z", &["note", &id, "monitoring"])
        .ok();
    other
        .at("2026-11-24T09:55:00Z", &["note", &id, "from the NOC"])
        .ok();
    repo.git(&[
        "pull",
        "--quiet",
        "--no-rebase",
        "--no-edit",
        other.root.to_str().unwrap(),
        "main",
    ]);
    let run = repo.run(&["audit"]).ok();
    assert!(
        run.stderr.contains(&format!(
            "append-only; 1 seal of main holds (latest {})",
            &first[..12]
        )),
        "{}",
        run.stderr
    );
    // Seal the new head; sealing it again makes nothing new.
    repo.run(&["audit", "--seal"]).ok();
    let run = repo.run(&["audit", "--seal"]).ok();
    assert!(run.stderr.contains("is sealed already"), "{}", run.stderr);
    assert_eq!(seal_refs(&repo).len(), 2);
    let json = repo.run(&["audit", "--json"]).ok().json();
    assert_eq!(json["seals"]["checked"], 2);
    assert_eq!(json["seals"]["held"], 2);
    assert_eq!(json["seals"]["latest"]["sealed"], head(&repo).as_str());
    assert_eq!(json["seals"]["rewritten"], serde_json::json!([]));
    // A seal names its commit, tree and branch; its tree is the sealed commit's.
    let seal = &seal_refs(&repo)[0];
    let raw = repo.git(&["cat-file", "-p", seal]);
    let sealed_commit = raw
        .lines()
        .find_map(|l| l.strip_prefix("Sealed: "))
        .unwrap();
    assert!(
        raw.contains(&format!("\nparent {sealed_commit}\n")),
        "{raw}"
    );
    assert!(raw.contains("\nBranch: main\n"), "{raw}");
    assert!(raw.contains("\nActor: Sam Patel\n"), "{raw}");
    assert_eq!(
        repo.git(&["rev-parse", &format!("{seal}^{{tree}}")]),
        repo.git(&["rev-parse", &format!("{sealed_commit}^{{tree}}")])
    );
}

#[test]
fn a_rebase_that_amends_an_entry_after_the_seal_is_reported() {
    let (repo, id, sealed) = sealed_repo();
    let timeline = format!("incidents/{id}/timeline.yaml");
    let target = commit_with(&repo, "update 1 to internal");
    let editor = format!(
        "sed -i -e 's/^pick {}/edit {}/'",
        &target[..7],
        &target[..7]
    );
    git_with(
        &repo,
        &[("GIT_SEQUENCE_EDITOR", &editor), ("GIT_EDITOR", "true")],
        &["rebase", "--quiet", "-i", &format!("{target}^")],
    );
    let text = repo.read(&timeline);
    repo.write(
        &timeline,
        &text.replace("2026-11-24T09:30:00Z, by", "2026-11-24T09:15:00Z, by"),
    );
    repo.git(&["commit", "--quiet", "--amend", "-a", "--no-edit"]);
    git_with(&repo, &[("GIT_EDITOR", "true")], &["rebase", "--continue"]);
    assert!(repo.read(&timeline).contains("2026-11-24T09:15:00Z, by"));
    assert_rewrite_reported(&repo, &sealed);
}

#[test]
fn a_dropped_commit_after_the_seal_is_reported() {
    let (repo, id, sealed) = sealed_repo();
    let dropped = commit_with(&repo, "note");
    // The last note ("card swapped") is dropped, then work goes on as usual.
    assert_eq!(dropped, sealed);
    repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    repo.at("2026-11-24T09:45:00Z", &["note", &id, "still down"])
        .ok();
    let out = assert_rewrite_reported(&repo, &sealed);
    assert!(out.contains("card swapped"), "{out}");
    assert!(
        out.contains("1 line of the sealed timelines and sent logs is gone"),
        "{out}"
    );

    // And a commit dropped from the middle of the history.
    let (repo, _, sealed) = sealed_repo();
    let middle = commit_with(&repo, "vendor engaged");
    git_with(
        &repo,
        &[("GIT_EDITOR", "true")],
        &[
            "rebase",
            "--quiet",
            "--onto",
            &format!("{middle}^"),
            &middle,
        ],
    );
    let out = assert_rewrite_reported(&repo, &sealed);
    assert!(out.contains(&middle[..12]), "{out}");
}

#[test]
fn filter_branch_deleting_an_escalation_after_the_seal_is_reported() {
    let (repo, id, sealed) = sealed_repo();
    let timeline = format!("incidents/{id}/timeline.yaml");
    let filter = format!("if [ -f {timeline} ]; then sed -i '/event: escalate/d' {timeline}; fi");
    git_with(
        &repo,
        &[("FILTER_BRANCH_SQUELCH_WARNING", "1")],
        &["filter-branch", "-f", "--tree-filter", &filter, "main"],
    );
    assert!(!repo.read(&timeline).contains("event: escalate"));
    // The rewritten history on its own is consistent: only the seal tells.
    let out = assert_rewrite_reported(&repo, &sealed);
    let gone: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(&format!("      {timeline}:")))
        .collect();
    assert_eq!(gone.len(), 1, "{out}");
    assert!(
        gone[0].contains("event: escalate, kind: vendor, to: \"Cisco TAC\""),
        "{out}"
    );
}

#[test]
fn filter_branch_moving_an_entry_ten_minutes_after_the_seal_is_reported() {
    for refs in ["main", "--all"] {
        let (repo, id, sealed) = sealed_repo();
        let timeline = format!("incidents/{id}/timeline.yaml");
        let filter = format!(
            "if [ -f {timeline} ]; then sed -i 's/2026-11-24T09:30:00Z, by/2026-11-24T09:40:00Z, by/' {timeline}; fi"
        );
        git_with(
            &repo,
            &[("FILTER_BRANCH_SQUELCH_WARNING", "1")],
            &["filter-branch", "-f", "--tree-filter", &filter, "--", refs],
        );
        if refs == "main" {
            let out = assert_rewrite_reported(&repo, &sealed);
            assert!(
                out.contains("- {at: 2026-11-24T09:30:00Z, by: \"Sam Patel\", event: update"),
                "{out}"
            );
        } else {
            // Rewriting the seal along with the history: the seal no longer matches.
            let run = repo.run(&["audit"]).fails(1);
            assert!(
                run.stdout
                    .contains("error: invalid seal: was rewritten: it says it sealed"),
                "{}",
                run.stdout
            );
            assert!(run.stdout.contains(&sealed[..12]), "{}", run.stdout);
            assert!(
                run.stderr.contains("1 seal tampered with"),
                "{}",
                run.stderr
            );
        }
    }
}

#[test]
fn seals_belong_to_their_branch_and_a_clone_behind_is_not_rewritten() {
    let (repo, id, sealed) = sealed_repo();
    let other = repo.clone_repo("Other Runner");
    let origin = repo.root.to_str().unwrap();
    other.git(&["fetch", "--quiet", origin, "refs/mim/*:refs/mim/*"]);
    other.run(&["audit"]).ok();
    // The original goes on and seals again; the clone fetches without merging.
    repo.at("2026-11-24T09:50:00Z", &["note", &id, "monitoring"])
        .ok();
    repo.run(&["audit", "--seal"]).ok();
    other.git(&["fetch", "--quiet", "origin"]);
    other.git(&["fetch", "--quiet", origin, "refs/mim/*:refs/mim/*"]);
    let run = other.run(&["audit"]).ok();
    assert!(
        run.stdout.contains("info: behind: the sealed commit")
            && run.stdout.contains("is on origin/main, not yet in HEAD"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("1 seal on origin/main not pulled yet"),
        "{}",
        run.stderr
    );
    other.git(&["pull", "--quiet", "--no-rebase", "--no-edit"]);
    let run = other.run(&["audit"]).ok();
    assert!(
        run.stderr.contains("2 seals of main hold"),
        "{}",
        run.stderr
    );

    // A branch started before the seal has no seals of its own.
    repo.git(&["checkout", "--quiet", "-b", "side", &format!("{sealed}~2")]);
    let run = repo.run(&["audit"]).ok();
    assert!(!run.stderr.contains("seal"), "{}", run.stderr);
    // Audited as main, it lacks main's sealed history.
    repo.run(&["audit", "--branch", "main"]).fails(1);
    // A detached HEAD cannot be sealed without naming its branch.
    repo.git(&["checkout", "--quiet", "--detach", "main"]);
    let run = repo.run(&["audit", "--seal"]).fails(2);
    assert!(run.stderr.contains("give --branch NAME"), "{}", run.stderr);
    repo.run(&["audit", "--seal", "--branch", "main"]).ok();
    repo.run(&["audit", "--seal", "--branch", "bad name"])
        .fails(2);
    repo.run(&["--at", "2026-11-24T10:00:00Z", "audit", "--seal"])
        .fails(2);

    // Something that is not a seal under refs/mim/seals/ is reported.
    repo.git(&["update-ref", "refs/mim/seals/forged", "main"]);
    let run = repo.run(&["audit", "--branch", "main"]).fails(1);
    assert!(
        run.stdout
            .contains("refs/mim/seals/forged: error: invalid seal: is not a seal"),
        "{}",
        run.stdout
    );
}

#[cfg(unix)]
#[test]
fn a_seal_is_signed_where_git_signs_commits() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at("2026-11-24T09:20:00Z", &["note", &id, "first"])
        .ok();
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
    let run = repo.run(&["audit", "--seal"]).ok();
    assert!(run.stderr.contains("(signed)"), "{}", run.stderr);
    let seal = &seal_refs(&repo)[0];
    let raw = repo.git(&["cat-file", "-p", seal]);
    assert!(
        raw.contains("gpgsig -----BEGIN PGP SIGNATURE-----"),
        "{raw}"
    );
    let json = repo.run(&["audit", "--seal", "--json"]).ok().json();
    assert_eq!(json["sealed"]["signed"], true);
    assert_eq!(json["sealed"]["new"], false);
}
