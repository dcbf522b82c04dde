//! What keeps commands from growing with the repository, tested by what they read
//! (never by how long they take): a full ID is one lookup, `check` and `validate` leave
//! rendered e-mails' bodies alone, `validate --deep` reads them.

use crate::common::TestRepo;

const DECLARED: &str = "2026-11-24T09:00:00Z";
const ACCEPTED: &str = "2026-11-24T09:10:00Z";
const UPDATED: &str = "2026-11-24T09:30:00Z";
const NOW: &str = "2026-11-24T09:40:00Z";

#[test]
fn a_full_id_does_not_read_other_incidents() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let longer = repo.declare(
        "2026-11-24T09:20:00Z",
        "Payments API outage",
        "high",
        "high",
        &[],
    );
    assert_eq!(longer, format!("{id}-2"));
    // A sibling that cannot be loaded, and a stray directory, change nothing for `show ID`.
    repo.write(
        &format!("incidents/{longer}/incident.yaml"),
        "title: [unclosed\n",
    );
    std::fs::create_dir_all(repo.path("incidents/Not An Incident")).unwrap();
    let shown = repo.run(&["--json", "show", &id]).ok().json();
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["state"]["status"], "accepted");
    // A prefix of both is still ambiguous.
    let prefix = &id[..id.len() - 3];
    let run = repo.run(&["show", prefix]).fails(1);
    assert!(run.stderr.contains("matches 2 incidents"), "{}", run.stderr);
    // The broken sibling is still reported where every incident is read.
    let run = repo.run(&["list"]).fails(1);
    assert!(run.stderr.contains(&longer), "{}", run.stderr);
}

/// A P1 with one update to every audience: e-mails in outbox/.
fn with_emails() -> (TestRepo, String) {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        UPDATED,
        &["update", &id, "--audience", "all", "-m", "Failing over."],
    )
    .ok();
    repo.run(&["validate", "--deep"]).ok();
    (repo, id)
}

#[test]
fn check_and_validate_do_not_read_email_bodies_but_deep_does() {
    let (repo, id) = with_emails();
    let eml = format!("incidents/{id}/outbox/20261124T093000Z-u1-client.eml");
    let text = repo.read(&eml);
    let cut = text.find("\r\n\r\n").unwrap();
    // Headers kept, the body cut short and not 7-bit.
    repo.write(
        &eml,
        &format!("{}\r\n\r\n--=_mim_x\r\nCaf\u{e9}", &text[..cut]),
    );
    repo.run(&["validate"]).ok();
    let check = repo.now(NOW, &["check", "--format", "json"]).json();
    let validation: Vec<_> = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "validation")
        .collect();
    assert!(validation.is_empty(), "{validation:?}");
    let run = repo.run(&["validate", "--deep"]).fails(1);
    assert!(
        run.stdout.contains(&format!("{eml}:")) && run.stdout.contains("not 7-bit"),
        "{}",
        run.stdout
    );
    // Cut short, but 7-bit: the multipart body does not end.
    repo.write(&eml, &format!("{}\r\n\r\n--=_mim_x\r\n", &text[..cut]));
    let run = repo.run(&["validate", "--deep"]).fails(1);
    assert!(run.stdout.contains("does not end"), "{}", run.stdout);
}

#[test]
fn the_outbox_is_checked_by_its_names_and_sent_log() {
    let (repo, id) = with_emails();
    let outbox = format!("incidents/{id}/outbox");
    // A message the timeline does not record.
    repo.write(&format!("{outbox}/20261124T093000Z-u7-client.eml"), "x");
    repo.write(&format!("{outbox}/notes.eml"), "x");
    // sent.log naming a message that is gone.
    repo.write(
        &format!("{outbox}/sent.log"),
        "# header\n20261124T093000Z-u1-internal.eml 2026-11-24T09:31:00Z Sam Patel\n\
         20261124T093000Z-u2-internal.eml 2026-11-24T09:31:00Z Sam Patel\n",
    );
    let run = repo.run(&["validate"]).fails(1);
    let out = &run.stdout;
    assert!(
        out.contains("20261124T093000Z-u7-client.eml: update 7 to client at 20261124T093000Z, which the timeline does not record"),
        "{out}"
    );
    assert!(out.contains("notes.eml: not a message mim wrote"), "{out}");
    assert!(
        out.contains(&format!("{outbox}/sent.log:3:"))
            && out.contains("lists `20261124T093000Z-u2-internal.eml` as sent"),
        "{out}"
    );
    let check = repo.now(NOW, &["check"]).fails(1);
    assert!(
        check.stdout.contains("not a message mim wrote"),
        "{}",
        check.stdout
    );
}

#[test]
fn only_deep_validation_reads_update_bodies() {
    let (repo, id) = with_emails();
    let file = format!("incidents/{id}/updates/20261124T093000Z-internal.md");
    let text = repo.read(&file);
    repo.write(
        &file,
        &format!("{text}<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> other\n"),
    );
    repo.run(&["validate"]).ok();
    let run = repo.run(&["validate", "--deep"]).fails(1);
    assert!(
        run.stdout.contains(&format!("{file}:")) && run.stdout.contains("merge conflict"),
        "{}",
        run.stdout
    );
    // The front matter is read either way.
    repo.write(&file, &text.replace("number: 1", "number: 2"));
    let run = repo.run(&["validate"]).fails(1);
    assert!(run.stdout.contains("says update 2"), "{}", run.stdout);
}

#[test]
fn an_ambiguous_prefix_names_twenty_matches() {
    let repo = TestRepo::new();
    for minute in 10..32 {
        let at = format!("2026-11-24T09:{minute}:00Z");
        repo.declare(&at, "Email down", "high", "high", &["--no-commit"]);
    }
    let run = repo.run(&["show", "2026-11-24-email"]).fails(1);
    assert!(
        run.stderr
            .contains("matches 22 incidents: 2026-11-24-email-down, ")
            && run.stderr.contains(", … and 2 more; give more of the ID"),
        "{}",
        run.stderr
    );
}

#[test]
fn declare_looks_for_the_same_outage_among_recent_incidents_only() {
    let repo = TestRepo::new();
    let old = repo.declare("2026-09-01T09:00:00Z", "Payments slow", "high", "high", &[]);
    let recent = repo.declare("2026-11-15T09:00:00Z", "Payments down", "high", "high", &[]);
    let run = repo
        .at(
            DECLARED,
            &[
                "declare",
                "--title",
                "Payments API outage",
                "--service",
                "Payments API",
                "--impact",
                "high",
                "--urgency",
                "high",
            ],
        )
        .ok();
    // Both are active on the same service; only the one of the last 30 days is named.
    assert!(run.stderr.contains(&recent), "{}", run.stderr);
    assert!(!run.stderr.contains(&old), "{}", run.stderr);
}
