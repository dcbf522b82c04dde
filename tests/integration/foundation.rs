//! The foundation: repository, lifecycle commands and the git audit trail.

use crate::common::TestRepo;

#[test]
fn lifecycle_round_trip_shows_state_and_timeline() {
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "Payments API outage",
        "high",
        "high",
        &[],
    );
    assert_eq!(id, "2026-11-24-payments-api-outage");
    repo.at(
        "2026-11-24T09:10:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    )
    .ok();
    repo.at(
        "2026-11-24T10:00:00Z",
        &["hold", &id, "--reason", "waiting on carrier"],
    )
    .ok();
    repo.at("2026-11-24T10:30:00Z", &["resume", &id]).ok();
    repo.at(
        "2026-11-24T10:40:00Z",
        &["note", &id, "carrier replaced the card"],
    )
    .ok();
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(show["state"]["status"], "accepted");
    assert_eq!(show["state"]["priority"], "P1");
    assert_eq!(show["record"]["reporter"], "Sam Patel");
    assert_eq!(show["state"]["manager"], "Alice Moreau");
    let timeline: Vec<(String, String)> = show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_string(),
                e["at"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        timeline,
        [
            ("declare", "2026-11-24T09:00:00Z"),
            ("accept", "2026-11-24T09:10:00Z"),
            ("hold", "2026-11-24T10:00:00Z"),
            ("resume", "2026-11-24T10:30:00Z"),
            ("note", "2026-11-24T10:40:00Z"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

#[test]
fn every_mutation_is_one_commit_with_trailers_and_staged_work_stays_out() {
    let repo = TestRepo::new();
    repo.write("notes/unrelated.txt", "work in progress\n");
    repo.git(&["add", "notes/unrelated.txt"]);
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "DNS resolution failing",
        "high",
        "medium",
        &[],
    );
    repo.at("2026-11-24T09:05:00Z", &["accept", &id]).ok();
    repo.at(
        "2026-11-24T09:20:00Z",
        &["note", &id, "rolled back the zone change"],
    )
    .ok();
    let subjects = repo.log();
    assert_eq!(
        subjects,
        [
            format!(
                "{}: note: rolled back the zone change",
                crate::common::subject_ref(&id)
            ),
            format!(
                "{}: accepted as major, managed by Sam Patel",
                crate::common::subject_ref(&id)
            ),
            format!(
                "{}: declared P2 DNS resolution failing",
                crate::common::subject_ref(&id)
            ),
            "mim: start the incident repository".to_string(),
        ]
    );
    for (n, event) in [(0, "note"), (1, "accept"), (2, "declare")] {
        let body = repo.git(&["log", "-1", "--format=%B", &format!("HEAD~{n}")]);
        assert!(
            body.contains(&format!(
                "\n\nIncident: {id}\nEvent: {event}\nActor: Sam Patel\n"
            )),
            "{body}"
        );
        let files = repo.git(&["show", "--name-only", "--format=", &format!("HEAD~{n}")]);
        assert!(
            files
                .lines()
                .all(|f| f.starts_with(&format!("incidents/{id}/"))),
            "{files}"
        );
    }
    let staged = repo.git(&["diff", "--cached", "--name-only"]);
    assert_eq!(staged.trim(), "notes/unrelated.txt");
}

#[test]
fn an_illegal_transition_is_refused_and_changes_nothing() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let before = repo.snapshot();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let run = repo
        .at(
            "2026-11-24T09:20:00Z",
            &["reject", &id, "--reason", "not major"],
        )
        .fails(1);
    assert!(
        run.stderr
            .contains(&format!("cannot reject {id}: it is accepted")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`mim hold`, `mim resolve`"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    // Resolving while on hold says to resume first.
    repo.at(
        "2026-11-24T09:30:00Z",
        &["hold", &id, "--reason", "waiting on client"],
    )
    .ok();
    let run = repo
        .at(
            "2026-11-24T09:40:00Z",
            &["resolve", &id, "-m", "fixed", "--closure", "config-change"],
        )
        .fails(1);
    assert!(run.stderr.contains("resume it first"), "{}", run.stderr);
}

#[test]
fn times_before_the_report_or_the_last_status_change_are_refused() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let before = repo.snapshot();
    let run = repo
        .at("2026-11-24T08:00:00Z", &["note", &id, "too early"])
        .fails(1);
    assert!(
        run.stderr.contains("was reported at 2026-11-24T09:00:00Z"),
        "{}",
        run.stderr
    );
    let run = repo
        .at("2026-11-24T09:05:00Z", &["hold", &id, "--reason", "x"])
        .fails(1);
    assert!(run.stderr.contains("last changed later"), "{}", run.stderr);
    let run = repo
        .at("2026-02-30T09:00:00Z", &["note", &id, "impossible"])
        .fails(2);
    assert!(run.stderr.contains("invalid time"), "{}", run.stderr);
    // What has not happened yet cannot be recorded.
    let run = repo
        .now(
            "2026-11-24T09:30:00Z",
            &["--at", "2026-11-24T11:00:00Z", "note", &id, "later"],
        )
        .fails(2);
    assert!(
        run.stderr
            .contains("--at 2026-11-24T11:00:00Z is in the future"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn configuration_errors_name_line_and_column() {
    let repo = TestRepo::new();
    let config = repo.read("mim.yaml");
    let typo = config.replacen("\nurgency:", "\nurgencyy:", 1);
    repo.config(&typo);
    let line = typo
        .lines()
        .position(|l| l.starts_with("urgencyy:"))
        .unwrap()
        + 1;
    let run = repo.run(&["list"]).fails(2);
    assert!(
        run.stderr.starts_with(&format!(
            "error: mim.yaml:{line}:1: unknown field `urgencyy`"
        )),
        "{}",
        run.stderr
    );

    let bad = config.replacen("respond: 15m", "respond: 15x", 1);
    repo.config(&bad);
    let line = bad
        .lines()
        .position(|l| l.contains("respond: 15x"))
        .unwrap()
        + 1;
    let run = repo.run(&["validate"]).fails(2);
    assert!(
        run.stderr.contains(&format!("mim.yaml:{line}:")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("invalid duration `15x`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("^"), "shows a caret: {}", run.stderr);
}

#[test]
fn a_broken_incident_file_fails_validate_and_show_with_its_path_and_line() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let other = repo.declare("2026-11-24T11:00:00Z", "VPN down", "medium", "high", &[]);
    let path = format!("incidents/{id}/incident.yaml");
    let text = repo.read(&path).replace("urgency: high", "urgency: [high");
    repo.write(&path, &text);
    let other_path = format!("incidents/{other}/incident.yaml");
    repo.write(
        &other_path,
        &repo.read(&other_path).replace("service:", "servise:"),
    );
    let run = repo.run(&["validate"]).fails(1);
    assert!(run.stdout.contains(&format!("{path}:")), "{}", run.stdout);
    assert!(
        run.stdout
            // Line 3: mim writes the yaml-language-server line first.
            .contains(&format!("{other_path}:3:1: unknown field `servise`")),
        "both problems reported: {}",
        run.stdout
    );
    let run = repo.run(&["show", &id]).fails(1);
    let line = text.lines().position(|l| l.contains("[high")).unwrap() + 1;
    assert!(
        run.stderr.contains(&format!("{path}:{}", line + 1))
            || run.stderr.contains(&format!("{path}:{line}")),
        "{}",
        run.stderr
    );
}

#[test]
fn hostile_titles_and_ids_stay_inside_incidents() {
    let repo = TestRepo::new();
    let long = "x".repeat(500);
    for title in [
        "../../etc/passwd",
        "a\u{1b}[31mred\u{7}b",
        "line one\nline two\r\nBcc: x@evil.example",
        long.as_str(),
        "/",
        "..",
        "$(rm -rf ~)",
    ] {
        let run = repo.at(
            "2026-11-24T09:00:00Z",
            &[
                "declare",
                "--title",
                title,
                "--service",
                "S",
                "--impact",
                "high",
                "--urgency",
                "high",
            ],
        );
        let id = run.ok().out().to_string();
        assert!(id.starts_with("2026-11-24-") && id.len() <= 70, "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{id}"
        );
        assert!(
            repo.path(&format!("incidents/{id}/incident.yaml"))
                .is_file()
        );
        let record = repo.run(&["show", &id, "--json"]).ok().json();
        let stored = record["record"]["title"].as_str().unwrap().to_string();
        assert!(!stored.chars().any(char::is_control), "{stored:?}");
    }
    for bad in ["../../etc/passwd", "..", "/etc", "2026-11-24-../x", "ÿ"] {
        let run = repo.run(&["show", bad]).fails(1);
        assert!(
            run.stderr.contains("is not an incident ID"),
            "{bad}: {}",
            run.stderr
        );
    }
    let outside: Vec<_> = repo
        .snapshot()
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            !p.starts_with("incidents/")
                && !p.starts_with(".mim/schemas/")
                && !["mim.yaml", ".gitattributes", "templates/README.md"].contains(&p.as_str())
        })
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
}

#[test]
fn ids_are_unique_and_resolve_from_prefix_or_directory() {
    let repo = TestRepo::new();
    let a = repo.declare("2026-11-24T09:00:00Z", "Email down", "high", "high", &[]);
    let b = repo.declare("2026-11-24T10:00:00Z", "Email down", "high", "high", &[]);
    assert_eq!(a, "2026-11-24-email-down");
    assert_eq!(b, "2026-11-24-email-down-2");
    let run = repo.run(&["show", "2026-11-24-email"]).fails(1);
    assert!(run.stderr.contains("matches 2 incidents"), "{}", run.stderr);
    repo.at(
        "2026-11-24T10:05:00Z",
        &["accept", "2026-11-24-email-down-2"],
    )
    .ok();
    let mut cmd = repo.cmd();
    cmd.current_dir(repo.path(&format!("incidents/{a}")))
        .args(["--json", "show"]);
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["id"], a.as_str());
    let run = repo.run(&["show", "2026-12"]).fails(1);
    assert!(
        run.stderr.contains("no incident `2026-12`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_minor_priority_warns_and_force_silences_it() {
    let repo = TestRepo::new();
    let run = repo.at(
        "2026-11-24T09:00:00Z",
        &[
            "declare",
            "--title",
            "Printer queue",
            "--service",
            "Print",
            "--impact",
            "low",
            "--urgency",
            "low",
        ],
    );
    let run = run.ok();
    assert!(
        run.stderr
            .contains("P5 does not meet the major-incident criteria"),
        "{}",
        run.stderr
    );
    let run = repo
        .at(
            "2026-11-24T09:00:00Z",
            &[
                "declare",
                "--title",
                "Scanner",
                "--service",
                "Scanning",
                "--impact",
                "low",
                "--urgency",
                "low",
                "--force",
            ],
        )
        .ok();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let run = repo
        .at(
            "2026-11-24T09:00:00Z",
            &[
                "declare",
                "--title",
                "x",
                "--service",
                "y",
                "--impact",
                "huge",
                "--urgency",
                "low",
            ],
        )
        .fails(2);
    assert!(
        run.stderr.contains(
            "invalid value 'huge' for '--impact <LEVEL>'\n  [possible values: high, medium, low]"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn two_clones_add_notes_and_merge_without_conflict() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let other = repo.clone_repo("Other Runner");
    repo.at(
        "2026-11-24T09:30:00Z",
        &["note", &id, "network team: core switch logs clean"],
    )
    .ok();
    other
        .at(
            "2026-11-24T09:31:00Z",
            &["note", &id, "app team: payment pods restarting"],
        )
        .ok();
    other
        .at(
            "2026-11-24T09:40:00Z",
            &["note", &id, "app team: OOM kills"],
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
    repo.run(&["validate"]).ok();
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    let notes: Vec<&str> = show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "note")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "network team: core switch logs clean",
            "app team: payment pods restarting",
            "app team: OOM kills"
        ]
    );
}

#[test]
fn two_clones_changing_the_status_is_a_conflict_for_validate() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let other = repo.clone_repo("Other Runner");
    repo.at(
        "2026-11-24T09:30:00Z",
        &["hold", &id, "--reason", "waiting on carrier"],
    )
    .ok();
    other
        .at(
            "2026-11-24T09:35:00Z",
            &[
                "resolve",
                &id,
                "-m",
                "restarted",
                "--closure",
                "no-fault-found",
            ],
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
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout
            .contains(&format!("incidents/{id}/timeline.yaml:")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the status was changed twice, probably on two clones"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_failed_commit_puts_every_file_back() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let hook = repo.path(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'policy: no commits today' >&2\nexit 1\n",
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&hook).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let before = repo.snapshot();
    let run = repo
        .at("2026-11-24T09:20:00Z", &["note", &id, "blocked by hook"])
        .fails(1);
    assert!(
        run.stderr.contains("policy: no commits today"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("nothing was recorded"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    // --no-commit records without git.
    repo.at(
        "2026-11-24T09:20:00Z",
        &["--no-commit", "note", &id, "recorded anyway"],
    )
    .ok();
    assert!(
        repo.read(&format!("incidents/{id}/timeline.yaml"))
            .contains("recorded anyway")
    );
}

#[test]
fn outside_git_the_files_are_still_written() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let root = tmp.path().join("plain");
    std::fs::create_dir_all(&root).unwrap();
    // A repository without git: write the config by hand, never run `git init`.
    std::fs::write(root.join("mim.yaml"), mim::DEFAULT_CONFIG).unwrap();
    let mut cmd = std::process::Command::new(crate::common::mim_bin());
    crate::common::isolate(&mut cmd, &home);
    let out = cmd
        .current_dir(&root)
        .env("MIM_USER", "Sam")
        .args([
            "--at",
            "2026-11-24T09:00:00Z",
            "declare",
            "--title",
            "Disk full",
            "--service",
            "NAS",
            "--impact",
            "high",
            "--urgency",
            "high",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        root.join("incidents/2026-11-24-disk-full/incident.yaml")
            .is_file()
    );
    assert!(!root.join(".git").exists());
}

#[test]
fn outside_a_repository_commands_say_how_to_start() {
    let repo = TestRepo::empty();
    let run = repo.run(&["list"]).fails(2);
    assert!(
        run.stderr.contains("not in a mim repository"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("mim init"), "{}", run.stderr);
    repo.run(&["init"]).ok();
    let run = repo.run(&["init"]).fails(1);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(repo.read(".gitattributes").contains("merge=union"));
    assert!(repo.read("templates/README.md").contains("override"));
}

#[test]
fn list_filters_by_status_and_prints_json() {
    let repo = TestRepo::new();
    let a = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let b = repo.declare(
        "2026-11-24T10:00:00Z",
        "VPN flapping",
        "medium",
        "high",
        &[],
    );
    let all = repo.run(&["list", "--json"]).ok().json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let proposed = repo
        .run(&["list", "--status", "proposed", "--json"])
        .ok()
        .json();
    assert_eq!(proposed[0]["id"], b.as_str());
    assert_eq!(proposed.as_array().unwrap().len(), 1);
    let text = repo.run(&["list"]).ok();
    assert!(
        text.stdout.contains(&a) && text.stdout.contains("accepted"),
        "{}",
        text.stdout
    );
}

#[test]
fn an_unreadable_incident_is_never_left_out_quietly() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let ok = repo.declare("2026-11-24T09:30:00Z", "VPN down", "medium", "high", &[]);
    let path = format!("incidents/{id}/incident.yaml");
    let text = repo.read(&path).replace(
        "reported: 2026-11-24T09:00:00Z",
        "reported: 2026-11-24T29:00:00Z",
    );
    repo.write(&path, &text);
    let line = text
        .lines()
        .position(|l| l.starts_with("reported:"))
        .unwrap()
        + 1;
    for args in [&["list"][..], &["status"][..], &["list", "--json"][..]] {
        let run = repo.now("2026-11-24T10:00:00Z", args).fails(1);
        assert!(
            run.stderr
                .contains(&format!("error: {path}:{line}:11: invalid timestamp")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("could not be read"), "{}", run.stderr);
        assert!(
            run.stdout.contains(&ok) || args == ["status"],
            "{args:?}: the others are still listed: {}",
            run.stdout
        );
    }
}

#[test]
fn wording_of_refusals() {
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "Payments API outage",
        "high",
        "high",
        &[],
    );
    let run = repo
        .at(
            "2026-11-24T09:05:00Z",
            &["resolve", &id, "-m", "x", "--closure", "no-fault-found"],
        )
        .fails(1);
    assert!(
        run.stderr
            .contains("only an accepted incident can be resolved"),
        "{}",
        run.stderr
    );
    let run = repo.at("2026-11-24T09:05:00Z", &["resume", &id]).fails(1);
    assert!(
        run.stderr
            .contains("only an on-hold incident can be resumed"),
        "{}",
        run.stderr
    );
    let run = repo
        .at(
            "2026-11-24T09:05:00Z",
            &["note", &id, "nothing", "--time", "0m"],
        )
        .fails(1);
    assert!(
        run.stderr.contains("--time must be more than zero"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_commit_subject_fits_git_log_oneline_and_the_body_keeps_it_whole() {
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "Hosted ERP outage after the controller firmware update",
        "high",
        "medium",
        &[],
    );
    assert!(id.len() > 49, "{id}");
    let note =
        "rolled back the zone change on both name servers, then flushed every resolver cache";
    repo.at("2026-11-24T09:20:00Z", &["note", &id, note]).ok();
    let subject = repo.git(&["log", "-1", "--format=%s"]);
    let subject = subject.trim_end();
    assert!(subject.chars().count() <= 72, "{subject}");
    assert!(
        subject.starts_with(&format!(
            "{}: note: rolled back",
            crate::common::subject_ref(&id)
        )) && subject.starts_with("11-24 hosted-erp…"),
        "{subject}"
    );
    assert!(subject.ends_with('…'), "{subject}");
    let body = repo.git(&["log", "-1", "--format=%b"]);
    assert!(body.contains(&format!("note: {note}")), "{body}");
    assert!(body.contains(&format!("Incident: {id}\n")), "{body}");
}
