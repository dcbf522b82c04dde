//! The post incident review and closeout: `mim pir ...` and `mim close`.

use crate::common::TestRepo;

const ID: &str = "2026-11-24-payments-api-outage";

/// The incident: declared 09:00Z, accepted 09:10Z, on hold 10:00–10:30Z,
/// resolved 11:45Z (a P1 for ACME, so a PIR is required).
fn resolved_p1(repo: &TestRepo) -> String {
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    assert_eq!(id, ID);
    repo.at(
        "2026-11-24T10:00:00Z",
        &["hold", &id, "--reason", "waiting on the carrier"],
    )
    .ok();
    repo.at("2026-11-24T10:30:00Z", &["resume", &id]).ok();
    repo.at(
        "2026-11-24T11:45:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "The carrier replaced the failed line card.",
            "--closure",
            "hardware-replaced",
            "--problem",
            "PRB-42",
        ],
    )
    .ok();
    id
}

fn started(repo: &TestRepo) -> String {
    let id = resolved_p1(repo);
    repo.at(
        "2026-11-25T09:00:00Z",
        &[
            "pir",
            "start",
            &id,
            "--reason",
            "required",
            "--facilitator",
            "Dana Whit",
        ],
    )
    .ok();
    id
}

fn add_action(repo: &TestRepo, at: &str, id: &str, text: &str, owner: &str) -> String {
    repo.at(at, &["pir", "action", "add", id, text, "--owner", owner])
        .ok()
        .out()
        .to_string()
}

fn pir_md(id: &str) -> String {
    format!("incidents/{id}/pir.md")
}

fn report_md(id: &str) -> String {
    format!("incidents/{id}/pir-report.md")
}

#[test]
fn the_report_has_the_metrics_and_the_timeline_in_order() {
    let repo = TestRepo::new();
    let id = started(&repo);
    let a1 = add_action(
        &repo,
        "2026-11-25T10:00:00Z",
        &id,
        "Add the carrier's escalation contacts to the runbook",
        "Bob Lee",
    );
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
            "Dana Whit, Alice Moreau, Bob Lee",
            "--feedback",
            "Holding for the carrier was right; asking for its NOC earlier would have saved 20 minutes.",
        ],
    )
    .ok();
    // The commit says when it was held in the organisation's zone, not as a raw timestamp.
    let subject = &repo.log()[0];
    assert!(
        subject.ends_with("internal PIR review held 2026-11-26 14:00 UTC"),
        "{subject}"
    );
    repo.at(
        "2026-11-27T11:00:00Z",
        &[
            "pir",
            "review",
            &id,
            "client",
            "--held-at",
            "2026-11-27 10:00",
            "--attendees",
            "Dana Whit, ACME CIO",
            "--feedback",
            "ACME asks to be told about carrier holds within 15 minutes.",
            "--adopted",
            "A1",
        ],
    )
    .ok();
    let out = repo
        .at("2026-11-27T12:00:00Z", &["pir", "report", &id])
        .ok();
    assert_eq!(out.out(), report_md(&id));
    let report = repo.read(&report_md(&id));
    for line in [
        "| Time to accept | 10m |",
        "| Time to restore | 2h45m |",
        "| Time on hold | 30m |",
        "| Restore time excluding hold | 2h15m |",
    ] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
    let order = [
        "**2026-11-24 09:00 UTC** declared",
        "**2026-11-24 09:10 UTC** accepted",
        "**2026-11-24 10:00 UTC** on hold",
        "**2026-11-24 10:30 UTC** resumed",
        "**2026-11-24 11:45 UTC** resolved",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|l| {
            report
                .find(l)
                .unwrap_or_else(|| panic!("{l} missing:\n{report}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{report}");
    assert!(report.contains(&format!("**{a1}** (process)")), "{report}");
    assert!(report.contains("The client adopted"), "{report}");
    insta::assert_snapshot!("pir_report_md", report.replace(&a1, "[A1]"));
    assert_eq!(
        repo.log()[0],
        format!(
            "{}: PIR report rendered (pir-report.md)",
            crate::common::subject_ref(&id)
        )
    );

    repo.at(
        "2026-11-27T12:00:00Z",
        &["pir", "report", &id, "--format", "html"],
    )
    .ok();
    let html = repo.read(&format!("incidents/{id}/pir-report.html"));
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("<td>Time to restore</td>\n<td>2h45m</td>"),
        "{html}"
    );
    // Styled like the KPI report: the same style sheet, print rules included.
    let style = |page: &str| {
        let start = page.find("<style>").expect("a style sheet");
        page[start..start + page[start..].find("</style>").unwrap()].to_string()
    };
    let kpi = repo
        .now("2026-11-27T12:00:00Z", &["report", "--format", "html"])
        .ok()
        .stdout;
    assert_eq!(style(&html), style(&kpi));
    assert!(style(&html).contains("@media print"));
}

#[test]
fn what_people_write_in_pir_md_survives_report_and_action_add() {
    let repo = TestRepo::new();
    let id = started(&repo);
    let paragraph = "The carrier's NOC was only called at 10:00, **50 minutes** after\n\
                     the first alarm: our runbook had no contact for it. <b>not html</b>";
    let text = repo.read(&pir_md(&id)).replace(
        "## Contributing process deficiencies\n",
        &format!("## Contributing process deficiencies\n\n{paragraph}\n"),
    );
    repo.write(&pir_md(&id), &text);
    repo.at("2026-11-25T10:00:00Z", &["pir", "report", &id])
        .ok();
    add_action(
        &repo,
        "2026-11-25T10:05:00Z",
        &id,
        "Runbook: carrier NOC contacts",
        "Bob Lee",
    );
    repo.at("2026-11-25T10:10:00Z", &["pir", "report", &id])
        .ok();
    repo.at(
        "2026-11-25T10:10:00Z",
        &["pir", "report", &id, "--format", "html"],
    )
    .ok();
    assert_eq!(repo.read(&pir_md(&id)), text);
    let report = repo.read(&report_md(&id));
    assert!(
        report.contains(&format!(
            "## Contributing process deficiencies\n\n{paragraph}\n"
        )),
        "{report}"
    );
    let html = repo.read(&format!("incidents/{id}/pir-report.html"));
    assert!(html.contains("&lt;b&gt;not html&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<b>not html"), "{html}");
}

#[test]
fn close_is_refused_while_an_action_is_open_and_allowed_once_done_or_dropped() {
    let repo = TestRepo::new();
    let id = started(&repo);
    let a1 = add_action(
        &repo,
        "2026-11-25T10:00:00Z",
        &id,
        "Runbook: carrier NOC contacts",
        "Bob Lee",
    );
    let a2 = add_action(
        &repo,
        "2026-11-25T10:05:00Z",
        &id,
        "Alert on line card errors",
        "Kim Ng",
    );
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
            "Agreed the actions.",
        ],
    )
    .ok();
    repo.at(
        "2026-11-27T09:00:00Z",
        &["pir", "action", "done", &id, "A1"],
    )
    .ok();
    let before = repo.snapshot();
    let refused = repo
        .at("2026-11-27T10:00:00Z", &["close", &id, "--csat", "4"])
        .fails(1);
    assert_eq!(repo.snapshot(), before, "a refused close changes nothing");
    assert!(
        refused.stderr.contains(&format!("action {a2} is open")),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains(&a1), "{}", refused.stderr);
    insta::assert_snapshot!(
        "close_refused_open_action",
        refused.stderr.replace(&a2, "[A2]")
    );

    repo.at(
        "2026-11-27T09:30:00Z",
        &[
            "pir",
            "action",
            "drop",
            &id,
            &a2,
            "--reason",
            "covered by PRB-42",
        ],
    )
    .ok();
    repo.at("2026-11-27T10:00:00Z", &["close", &id, "--csat", "4"])
        .ok();
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(show["state"]["status"], "closed");
    let statuses: Vec<&str> = show["pir"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["done", "dropped"]);
    assert_eq!(
        repo.log()[0],
        format!("{}: closed", crate::common::subject_ref(&id))
    );
    assert!(
        repo.read(&report_md(&id))
            .contains(&format!("{id} (closed)"))
    );
    repo.run(&["validate"]).ok();
}

#[test]
fn close_without_the_required_pir_is_refused_unless_overridden() {
    let repo = TestRepo::new();
    let id = resolved_p1(&repo);
    let before = repo.snapshot();
    let refused = repo.at("2026-11-25T10:00:00Z", &["close", &id]).fails(1);
    assert!(
        refused
            .stderr
            .contains("no post incident review was started, and P1 requires one"),
        "{}",
        refused.stderr
    );
    assert_eq!(repo.snapshot(), before);
    repo.at(
        "2026-11-25T10:00:00Z",
        &[
            "close",
            &id,
            "--force",
            "--reason",
            "VP waived it: duplicate of last week's PIR",
        ],
    )
    .ok();
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert!(
        timeline.contains("override: \"VP waived it: duplicate of last week's PIR\""),
        "{timeline}"
    );
    repo.run(&["close", &id, "--force"]).fails(2);
}

#[test]
fn actions_added_on_two_clones_merge_without_conflict_and_with_distinct_ids() {
    let repo = TestRepo::new();
    let id = started(&repo);
    let a1 = add_action(&repo, "2026-11-25T10:00:00Z", &id, "Runbook", "Bob Lee");
    let other = repo.clone_repo("Kim Ng");
    let clone_dir = other.root.to_str().unwrap();

    let here = add_action(
        &repo,
        "2026-11-25T11:00:00Z",
        &id,
        "Alerting on line cards",
        "Ann",
    );
    let there = repo
        .at(
            "2026-11-25T11:02:00Z",
            &[
                "-C",
                clone_dir,
                "--by",
                "Kim Ng",
                "pir",
                "action",
                "add",
                &id,
                "Carrier SLA review",
                "--owner",
                "Kim Ng",
                "--kind",
                "client",
            ],
        )
        .ok()
        .out()
        .to_string();
    assert!(
        here.starts_with("A2-") && there.starts_with("A2-"),
        "{here} {there}"
    );
    assert_ne!(here, there);

    repo.git(&["fetch", "--quiet", clone_dir, "main"]);
    repo.git(&["merge", "--no-edit", "--quiet", "FETCH_HEAD"]);
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    let mut ids: Vec<&str> = show["pir"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![a1.as_str(), here.as_str(), there.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    repo.run(&["validate"]).ok();

    let ambiguous = repo
        .at(
            "2026-11-26T09:00:00Z",
            &["pir", "action", "done", &id, "A2"],
        )
        .fails(1);
    assert!(
        ambiguous.stderr.contains("type the full ID"),
        "{}",
        ambiguous.stderr
    );
    assert!(ambiguous.stderr.contains(&here) && ambiguous.stderr.contains(&there));
    repo.at(
        "2026-11-26T09:00:00Z",
        &["pir", "action", "done", &id, &there],
    )
    .ok();
    let next = add_action(&repo, "2026-11-26T10:00:00Z", &id, "Next one", "Bob Lee");
    assert!(next.starts_with("A3-"), "{next}");
}

#[test]
fn pir_start_before_resolve_is_refused_and_writes_nothing() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let before = repo.snapshot();
    let log = repo.log();
    let refused = repo
        .at(
            "2026-11-24T10:00:00Z",
            &["pir", "start", &id, "--reason", "required"],
        )
        .fails(1);
    assert_eq!(repo.snapshot(), before);
    assert_eq!(repo.log(), log);
    insta::assert_snapshot!("pir_start_before_resolve", refused.stderr);
}

#[test]
fn bad_pir_input_is_refused_and_changes_nothing() {
    let repo = TestRepo::new();
    let id = started(&repo);
    add_action(&repo, "2026-11-25T10:00:00Z", &id, "Runbook", "Bob Lee");
    let before = repo.snapshot();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["pir", "start", &id, "--reason", "required"],
            "started already",
        ),
        (vec!["pir", "action", "done", &id, "A9"], "no action `A9`"),
        (
            vec!["pir", "action", "add", &id, "  ", "--owner", "Bob"],
            "must not be empty",
        ),
        (
            vec![
                "pir",
                "action",
                "add",
                &id,
                "x",
                "--owner",
                "Bob",
                "--due",
                "2026-11-01",
            ],
            "is in the past",
        ),
        (
            vec![
                "pir",
                "review",
                &id,
                "internal",
                "--held-at",
                "2026-11-25T10:00:00Z",
                "--attendees",
                "a",
                "--feedback",
                "f",
                "--adopted",
                "A1",
            ],
            "belongs to a client review",
        ),
        (
            vec![
                "pir",
                "review",
                &id,
                "client",
                "--held-at",
                "2026-11-30T10:00:00Z",
                "--attendees",
                "a",
                "--feedback",
                "f",
            ],
            "is after now",
        ),
        (
            vec![
                "pir",
                "review",
                &id,
                "client",
                "--held-at",
                "2026-11-25T10:00:00Z",
                "--attendees",
                " , ",
                "--feedback",
                "f",
            ],
            "--attendees is empty",
        ),
        (
            vec!["pir", "action", "done", &id, "A1"],
            "it was added later",
        ),
    ];
    for (args, expected) in cases {
        let at = if expected == "it was added later" {
            "2026-11-25T09:30:00Z"
        } else {
            "2026-11-25T12:00:00Z"
        };
        let run = repo.at(at, &args).fails(1);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert_eq!(repo.snapshot(), before, "{args:?} changed files");
    }
    // Usage errors: a --due that is not a date, a session that is neither.
    let usage = [
        (
            vec![
                "pir", "action", "add", &id, "x", "--owner", "Bob", "--due", "soon",
            ],
            "invalid value 'soon' for '--due <DATE>'",
        ),
        (
            vec![
                "pir",
                "review",
                &id,
                "board",
                "--held-at",
                "2026-11-25T10:00:00Z",
                "--attendees",
                "a",
                "--feedback",
                "f",
            ],
            "unknown review session",
        ),
    ];
    for (args, expected) in usage {
        let run = repo.at("2026-11-25T12:00:00Z", &args).fails(2);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert_eq!(repo.snapshot(), before, "{args:?} changed files");
    }
    repo.run(&["close", &id, "--csat", "6"]).fails(2);
}
