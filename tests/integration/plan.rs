//! The response plan, escalations and reprioritisation (issue #3).

use std::os::unix::fs::PermissionsExt;

use crate::common::TestRepo;

fn plan_path(id: &str) -> String {
    format!("incidents/{id}/plan.md")
}

/// A P2 (impact high, urgency medium) for ACME, accepted.
fn active_p2(repo: &TestRepo) -> String {
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "Payments API outage",
        "high",
        "medium",
        &["--client", "acme"],
    );
    repo.at(
        "2026-11-24T09:10:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    )
    .ok();
    id
}

#[test]
fn a_plan_is_readable_and_amendments_keep_what_people_added() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    repo.at(
        "2026-11-24T09:15:00Z",
        &[
            "plan",
            &id,
            "--workstream",
            "network:Dana Lee",
            "--workstream",
            "carrier:Sam Patel:Carrier X",
            "--bridge",
            "https://meet.example/acme-p1",
            "--approach",
            "Fail over to DC2 while the carrier replaces the line card.",
        ],
    )
    .ok();
    let first = repo.read(&plan_path(&id));
    insta::assert_snapshot!("plan_created", first);

    // A person adds a line between the two workstreams and a section to the body.
    let edited = first
        .replace(
            "  - {name: carrier",
            "  # Dana hands network over to Lee Chan at 14:00\n  - {name: carrier",
        )
        .replace(
            "Fail over to DC2 while the carrier replaces the line card.\n",
            "Fail over to DC2 while the carrier replaces the line card.\n\n## Contacts\n\nCarrier NOC: +44 20 7946 0001\n",
        );
    assert_ne!(edited, first);
    repo.write(&plan_path(&id), &edited);
    repo.git(&["commit", "--quiet", "-am", "hand edit"]);

    repo.at(
        "2026-11-24T09:40:00Z",
        &["plan", &id, "--workstream", "dns:Kim Ng"],
    )
    .ok();
    let second = repo.read(&plan_path(&id));
    assert_eq!(
        second,
        edited.replace(
            "vendor: \"Carrier X\", status: open}\n",
            "vendor: \"Carrier X\", status: open}\n  - {name: dns, owner: \"Kim Ng\", status: open}\n"
        )
    );
    let lines: Vec<&str> = second.lines().collect();
    let at = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap();
    assert!(at("name: network") < at("# Dana hands") && at("# Dana hands") < at("name: carrier"));
    assert!(at("name: carrier") < at("name: dns"));
    assert!(second.contains("## Contacts\n\nCarrier NOC"));

    assert_eq!(
        repo.log()[0],
        format!(
            "{}: plan: workstream dns added (owner Kim Ng)",
            crate::common::subject_ref(&id)
        )
    );
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    let plan = &show["plan"];
    let names: Vec<&str> = plan["workstreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["network", "carrier", "dns"]);
    assert_eq!(plan["workstreams"][1]["vendor"], "Carrier X");
    assert_eq!(plan["bridge"], "https://meet.example/acme-p1");
    assert_eq!(plan["cadence_in_force"]["internal"]["every"], "30m");
    assert_eq!(plan["cadence_in_force"]["internal"]["from"], "priority");
    let plans: Vec<&str> = show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "plan")
        .map(|e| e["change"].as_str().unwrap())
        .collect();
    assert_eq!(plans.len(), 2);
    assert!(
        plans[0].starts_with("created: approach set: Fail over"),
        "{}",
        plans[0]
    );
    assert_eq!(plans[1], "workstream dns added (owner Kim Ng)");
}

#[test]
fn workstreams_finish_and_block_and_the_plan_prints() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    repo.at(
        "2026-11-24T09:15:00Z",
        &[
            "plan",
            &id,
            "--workstream",
            "network:Dana Lee",
            "--workstream",
            "carrier:Sam Patel:Carrier X",
            "--client-every",
            "30m",
            "--stakeholder",
            "cfo@acme.example:client-management",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T10:00:00Z",
        &[
            "plan",
            &id,
            "--workstream-done",
            "network",
            "--workstream-blocked",
            "carrier",
            "--reason",
            "waiting on the RMA part",
        ],
    )
    .ok();
    let out = repo.run(&["plan", &id]).ok();
    insta::assert_snapshot!("plan_printed", out.stdout);
    let json = repo.run(&["plan", &id, "--json"]).ok().json();
    assert_eq!(json["workstreams"][0]["status"], "done");
    assert_eq!(json["workstreams"][1]["status"], "blocked");
    assert_eq!(json["workstreams"][1]["reason"], "waiting on the RMA part");
    assert_eq!(json["cadence_in_force"]["client"]["every"], "30m");
    assert_eq!(json["cadence_in_force"]["client"]["from"], "plan");

    // Saying it again changes nothing and records nothing.
    let before = repo.snapshot();
    let log = repo.log();
    let run = repo
        .at(
            "2026-11-24T10:05:00Z",
            &["plan", &id, "--workstream-done", "network"],
        )
        .ok();
    assert!(run.stderr.contains("nothing changed"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
    assert_eq!(repo.log(), log);

    // An unknown workstream is refused, naming the known ones.
    let run = repo
        .at(
            "2026-11-24T10:05:00Z",
            &["plan", &id, "--workstream-done", "dns"],
        )
        .fails(1);
    assert_eq!(
        run.stderr.trim(),
        "error: there is no workstream `dns`: the plan's workstreams are network, carrier"
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn every_escalation_kind_is_recorded_and_shown() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let kinds = [
        ("sme", "Priya (storage SME)"),
        ("vendor", "Carrier X NOC"),
        ("third-party", "Building facilities"),
        ("onsite", "Field engineer Tom"),
        ("parts", "Spares depot"),
        ("client-it", "ACME desktop team"),
        ("management", "Jane Doe"),
    ];
    for (i, (kind, to)) in kinds.iter().enumerate() {
        let at = format!("2026-11-24T09:{}:00Z", 20 + i);
        repo.at(
            &at,
            &[
                "escalate", &id, "--kind", kind, "--to", to, "--reason", "needed", "--ref",
                "CASE-7",
            ],
        )
        .ok();
    }
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    let escalations = show["escalations"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = escalations
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["to"].as_str().unwrap(),
                e["direction"].as_str().unwrap(),
            )
        })
        .collect();
    let want: Vec<(&str, &str, &str)> = kinds
        .iter()
        .map(|(k, t)| {
            let d = if *k == "management" {
                "hierarchic"
            } else {
                "functional"
            };
            (*k, *t, d)
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(escalations[0]["at"], "2026-11-24T09:20:00Z");
    assert_eq!(escalations[0]["by"], "Sam Patel");
    assert_eq!(escalations[0]["ref"], "CASE-7");
    assert_eq!(escalations[6]["level"], "service-delivery-manager");

    // The next management escalation goes to the next level; a named level must exist.
    let run = repo
        .at(
            "2026-11-24T11:00:00Z",
            &["escalate", &id, "--kind", "management", "--to", "Raj Singh"],
        )
        .ok();
    assert!(run.stderr.contains("level vp-services"), "{}", run.stderr);

    let before = repo.snapshot();
    let log = repo.log();
    let run = repo
        .at(
            "2026-11-24T11:05:00Z",
            &["escalate", &id, "--kind", "astrology", "--to", "the stars"],
        )
        .fails(2);
    assert!(
        run.stderr.contains(
            "[possible values: sme, vendor, third-party, onsite, parts, client-it, management]"
        ),
        "{}",
        run.stderr
    );
    let run = repo
        .at(
            "2026-11-24T11:05:00Z",
            &[
                "escalate",
                &id,
                "--kind",
                "management",
                "--to",
                "x",
                "--level",
                "ceo",
            ],
        )
        .fails(2);
    insta::assert_snapshot!("unknown_level", run.stderr);
    repo.at(
        "2026-11-24T11:05:00Z",
        &[
            "escalate",
            &id,
            "--kind",
            "vendor",
            "--to",
            "x",
            "--level",
            "vp-services",
        ],
    )
    .fails(1);
    repo.at("2026-11-24T11:05:00Z", &["escalate", &id, "--to", "x"])
        .fails(2);
    assert_eq!(repo.snapshot(), before);
    assert_eq!(repo.log(), log);
}

#[test]
fn reprioritising_recomputes_the_priority_and_the_timeline_shows_both() {
    let repo = TestRepo::new();
    let id = active_p2(&repo);
    let before = repo.snapshot();
    // A reason is required; unknown levels are refused with the valid ones.
    let run = repo
        .at(
            "2026-11-24T09:30:00Z",
            &["escalate", &id, "--impact", "high", "--urgency", "high"],
        )
        .fails(1);
    assert!(run.stderr.contains("--reason"), "{}", run.stderr);
    let run = repo
        .at(
            "2026-11-24T09:30:00Z",
            &["escalate", &id, "--urgency", "extreme", "--reason", "x"],
        )
        .fails(2);
    assert!(
        run.stderr.contains(
            "invalid value 'extreme' for '--urgency <LEVEL>'\n  [possible values: high, medium, low]"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);

    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "escalate",
            &id,
            "--impact",
            "high",
            "--urgency",
            "high",
            "--reason",
            "every ACME site is down now",
        ],
    )
    .ok();
    assert!(
        repo.read(&format!("incidents/{id}/timeline.yaml")).contains(
            "event: reprioritise, from: \"P2\", impact: high, priority: \"P1\", reason: \"every ACME site is down now\", urgency: high}"
        )
    );
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(show["state"]["priority"], "P1");
    assert_eq!(show["state"]["urgency"], "high");
    let history: Vec<(String, String)> = show["priority_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["from"].to_string(), s["priority"].to_string()))
        .collect();
    assert_eq!(
        history,
        [("null", "\"P2\""), ("\"P2\"", "\"P1\"")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let text = repo.run(&["show", &id]).ok().stdout;
    assert!(
        text.contains(
            "P2 → P1 (impact high, urgency high) by Sam Patel: every ACME site is down now"
        ),
        "{text}"
    );
    assert!(
        text.contains("reprioritise reprioritised P2 → P1"),
        "{text}"
    );
    assert_eq!(
        repo.log()[0],
        format!(
            "{}: P2 → P1 (urgency medium → high)",
            crate::common::subject_ref(&id)
        )
    );
}

#[test]
fn the_editor_writes_the_approach_and_an_empty_one_aborts() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let script = |name: &str, body: &str| {
        let path = repo.home.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    };
    let write = script(
        "write-approach",
        "printf 'Fail over to DC2.\\n# not kept\\n' > \"$1\"",
    );
    let run = |editor: &str| {
        let out = repo
            .cmd()
            .env("EDITOR", editor)
            .args(["--at", "2026-11-24T09:20:00Z", "plan", &id, "-e"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run(&write).0, 0);
    let plan = repo.read(&plan_path(&id));
    assert!(
        plan.ends_with("## Restoration approach\n\nFail over to DC2.\n"),
        "{plan}"
    );

    // The editor starts from the current approach.
    let append = script("append", "printf 'Then replace the card.\\n' >> \"$1\"");
    assert_eq!(run(&append).0, 0);
    let plan = repo.read(&plan_path(&id));
    assert!(
        plan.ends_with("## Restoration approach\n\nFail over to DC2.\n\nThen replace the card.\n"),
        "{plan}"
    );

    let before = repo.snapshot();
    let log = repo.log();
    let empty = script("empty", "printf '# nothing but comments\\n\\n' > \"$1\"");
    let (code, stderr) = run(&empty);
    assert_eq!(code, 1);
    assert_eq!(
        stderr.trim(),
        "error: aborting: the approach is empty; nothing written"
    );
    let (code, stderr) = run("false");
    assert_eq!(code, 1);
    assert!(stderr.contains("the editor `false` failed"), "{stderr}");
    assert_eq!(repo.snapshot(), before);
    assert_eq!(repo.log(), log);
}

#[test]
fn a_malformed_plan_is_reported_with_its_position() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    repo.write(
        &plan_path(&id),
        "---\nbridge: https://meet.example/x\nworkstreams:\n  - {name: network, owner: Dana, colour: red}\n---\n",
    );
    let before = repo.snapshot();
    let printed = repo.run(&["plan", &id]).fails(1);
    insta::assert_snapshot!("malformed_plan", printed.stderr);
    let shown = repo.run(&["show", &id]).fails(1);
    assert_eq!(shown.stderr, printed.stderr);
    let amended = repo
        .at(
            "2026-11-24T09:20:00Z",
            &["plan", &id, "--bridge", "tel:123"],
        )
        .fails(1);
    assert_eq!(amended.stderr, printed.stderr);
    let validated = repo.run(&["validate"]).fails(1);
    assert!(
        validated
            .stdout
            .contains(&format!("incidents/{id}/plan.md:4:")),
        "{}",
        validated.stdout
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn statuses_decide_what_can_be_planned_and_escalated() {
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "Printer queue stuck",
        "low",
        "low",
        &["--force"],
    );
    repo.at(
        "2026-11-24T09:05:00Z",
        &["reject", &id, "--reason", "not major"],
    )
    .ok();
    let before = repo.snapshot();
    let run = repo
        .at("2026-11-24T09:10:00Z", &["plan", &id, "--bridge", "tel:1"])
        .fails(1);
    assert!(run.stderr.contains("it is rejected"), "{}", run.stderr);
    repo.at(
        "2026-11-24T09:10:00Z",
        &["escalate", &id, "--kind", "sme", "--to", "x"],
    )
    .fails(1);
    assert_eq!(repo.snapshot(), before);

    // Resolved: the plan and functional escalations go on; the priority is settled.
    let id = repo.active_p1("2026-11-24T10:00:00Z", "2026-11-24T10:05:00Z");
    repo.at(
        "2026-11-24T10:10:00Z",
        &["plan", &id, "--workstream", "network:Dana"],
    )
    .ok();
    repo.at(
        "2026-11-24T11:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "card replaced",
            "--closure",
            "hardware-replaced",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T11:10:00Z",
        &["plan", &id, "--workstream-done", "network"],
    )
    .ok();
    repo.at(
        "2026-11-24T11:15:00Z",
        &["escalate", &id, "--kind", "client-it", "--to", "ACME IT"],
    )
    .ok();
    let run = repo
        .at(
            "2026-11-24T11:20:00Z",
            &["escalate", &id, "--urgency", "low", "--reason", "x"],
        )
        .fails(1);
    assert!(run.stderr.contains("mim reopen"), "{}", run.stderr);
    // Nothing can happen before the incident was reported.
    repo.at("2026-11-24T08:00:00Z", &["plan", &id, "--bridge", "tel:1"])
        .fails(1);
}

#[test]
fn show_presents_plan_escalations_and_priority_history() {
    let repo = TestRepo::new();
    let id = active_p2(&repo);
    repo.at(
        "2026-11-24T09:15:00Z",
        &[
            "plan",
            &id,
            "--workstream",
            "network:Dana Lee",
            "--workstream",
            "carrier:Sam Patel:Carrier X",
            "--bridge",
            "https://meet.example/acme-p1",
            "--approach",
            "Fail over to DC2.",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:20:00Z",
        &[
            "escalate",
            &id,
            "--kind",
            "vendor",
            "--to",
            "Carrier X NOC",
            "--ref",
            "CX-4411",
            "--reason",
            "line card fault",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "escalate",
            &id,
            "--urgency",
            "high",
            "--kind",
            "management",
            "--to",
            "Jane Doe",
            "--reason",
            "all sites down",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T10:30:00Z",
        &["plan", &id, "--workstream-done", "network"],
    )
    .ok();
    let out = repo.now("2026-11-24T10:45:00Z", &["show", &id]).ok();
    insta::assert_snapshot!("show_with_plan", out.stdout);
}
