//! SLA clocks, `mim check` in every format, `mim status`, and clocks in `mim show`.

use serde_json::Value;

use crate::common::{Run, TestRepo};

/// Append timeline lines by hand (for entries no command would write).
fn append(repo: &TestRepo, id: &str, lines: &[&str]) {
    let rel = format!("incidents/{id}/timeline.yaml");
    let mut text = repo.read(&rel);
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    repo.write(&rel, &text);
}

/// A status update to one audience at `at`, with `mim update`.
fn update(repo: &TestRepo, id: &str, at: &str, audience: &str) {
    repo.at(
        at,
        &["update", id, "--audience", audience, "-m", "Working on it."],
    )
    .ok();
}

fn check_json(repo: &TestRepo, now: &str, args: &[&str]) -> (Run, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = repo.now(now, &all);
    let json = run.json();
    (run, json)
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn clock<'a>(report: &'a Value, id: &str, rule: &str) -> &'a Value {
    report["clocks"][id]
        .as_array()
        .unwrap_or_else(|| panic!("no clocks for {id}: {report:#}"))
        .iter()
        .find(|c| c["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} clock: {report:#}"))
}

/// The incident of "Done when" 1: P1 declared 09:00Z, accepted 09:25Z, internal updates
/// at 09:30Z and 10:45Z.
fn late_p1(repo: &TestRepo) -> String {
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:25:00Z");
    update(repo, &id, "2026-11-24T09:30:00Z", "internal");
    update(repo, &id, "2026-11-24T09:55:00Z", "client");
    update(repo, &id, "2026-11-24T10:45:00Z", "internal");
    id
}

#[test]
fn a_late_acceptance_and_a_late_update_are_breaches() {
    let repo = TestRepo::new();
    let id = late_p1(&repo);
    let before = repo.snapshot();
    let (run, report) = check_json(&repo, "2026-11-24T10:50:00Z", &[]);
    let run = run.fails(1);
    assert_eq!(report["now"], "2026-11-24T10:50:00Z");
    assert_eq!(report["incidents"], 1);
    let respond = findings(&report, "respond");
    assert_eq!(respond.len(), 1, "{report:#}");
    assert_eq!(respond[0]["level"], "breach");
    assert_eq!(respond[0]["overdue_by_s"], 600);
    assert_eq!(respond[0]["incident"], id.as_str());
    assert_eq!(respond[0]["due"], "2026-11-24T09:15:00Z");
    assert_eq!(respond[0]["actual"], "2026-11-24T09:25:00Z");
    assert_eq!(
        respond[0]["file"],
        format!("incidents/{id}/timeline.yaml").as_str()
    );
    let line = respond[0]["line"].as_u64().unwrap() as usize;
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert!(
        timeline
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("event: accept"),
        "line {line} of\n{timeline}"
    );
    let updates = findings(&report, "update-internal");
    assert_eq!(updates.len(), 1, "{report:#}");
    assert_eq!(updates[0]["level"], "breach");
    assert_eq!(updates[0]["due"], "2026-11-24T10:00:00Z");
    assert_eq!(updates[0]["actual"], "2026-11-24T10:45:00Z");
    assert_eq!(updates[0]["overdue_by_s"], 2700);
    // The client update at 09:55 was in time; the next one (10:55) is at risk.
    assert!(
        findings(&report, "update-client")
            .iter()
            .all(|f| f["level"] == "at-risk"),
        "{report:#}"
    );
    let respond = clock(&report, &id, "respond");
    assert_eq!(respond["target_s"], 900);
    assert_eq!(respond["elapsed_s"], 1500);
    assert_eq!(respond["state"], "breached");
    assert_eq!(clock(&report, &id, "restore")["state"], "running");
    assert!(run.stderr.contains("2 breaches"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before, "check changed files");
}

#[test]
fn time_on_hold_is_left_out_of_restore() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    repo.at(
        "2026-11-24T10:00:00Z",
        &["hold", &id, "--reason", "waiting on the carrier"],
    )
    .ok();
    repo.at("2026-11-24T12:00:00Z", &["resume", &id]).ok();
    repo.at(
        "2026-11-24T14:30:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Card replaced",
            "--closure",
            "hardware-replaced",
        ],
    )
    .ok();
    let (_, report) = check_json(&repo, "2026-11-24T15:00:00Z", &[]);
    assert!(findings(&report, "restore").is_empty(), "{report:#}");
    let restore = clock(&report, &id, "restore");
    assert_eq!(restore["state"], "met");
    assert_eq!(restore["elapsed_s"], 3 * 3600 + 1800);
    assert_eq!(restore["due"], "2026-11-24T15:00:00Z");
}

#[test]
fn business_hours_move_the_restore_due_time() {
    // A P3 (10h, business: Europe/London 08:00-18:00 Mon-Fri) reported Friday 17:00 local.
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-11-20T17:00:00Z",
        "Printer queue stuck",
        "high",
        "low",
        &[],
    );
    let (_, report) = check_json(&repo, "2026-11-20T17:30:00Z", &[]);
    assert_eq!(
        clock(&report, &id, "restore")["due"],
        "2026-11-23T17:00:00Z"
    );
    // A holiday on that Monday moves it to Tuesday.
    let config = repo.read("mim.yaml").replacen(
        "    holidays: []\n",
        "    holidays: [2026-11-23, 2026-12-25]\n",
        1,
    );
    repo.config(&config);
    let (_, report) = check_json(&repo, "2026-11-20T17:30:00Z", &[]);
    assert_eq!(
        clock(&report, &id, "restore")["due"],
        "2026-11-24T17:00:00Z"
    );
}

#[test]
fn a_client_calendar_across_the_end_of_daylight_saving() {
    // ACME: America/New_York 07:00-19:00. Reported Friday 2026-10-30 18:00 EDT (22:00Z):
    // 1h that day, 9h from 07:00 EST on Monday 2026-11-02 (clocks went back on the 1st).
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-10-30T22:00:00Z",
        "Warehouse scanners offline",
        "high",
        "low",
        &["--client", "acme"],
    );
    let (_, report) = check_json(&repo, "2026-10-30T22:30:00Z", &[]);
    assert_eq!(
        clock(&report, &id, "restore")["due"],
        "2026-11-02T21:00:00Z"
    );
}

#[test]
fn a_missing_management_escalation_is_found_and_a_timely_one_clears_it() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let (_, report) = check_json(&repo, "2026-11-24T11:30:00Z", &[]);
    let esc = findings(&report, "escalation");
    assert_eq!(esc.len(), 1, "{report:#}");
    assert_eq!(esc[0]["level"], "breach");
    assert_eq!(esc[0]["due"], "2026-11-24T11:00:00Z");
    assert!(
        esc[0]["message"]
            .as_str()
            .unwrap()
            .contains("service-delivery-manager"),
        "{}",
        esc[0]["message"]
    );

    repo.at(
        "2026-11-24T10:30:00Z",
        &[
            "escalate",
            &id,
            "--kind",
            "management",
            "--to",
            "Dana Reyes",
        ],
    )
    .ok();
    let (_, report) = check_json(&repo, "2026-11-24T11:30:00Z", &[]);
    assert!(findings(&report, "escalation").is_empty(), "{report:#}");
}

#[test]
fn github_lines_follow_the_workflow_command_grammar() {
    let repo = TestRepo::new();
    let id = late_p1(&repo);
    let run = repo
        .now("2026-11-24T10:50:00Z", &["check", "--format", "github"])
        .fails(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() >= 2, "{}", run.stdout);
    for line in &lines {
        assert!(workflow_command(line), "not a workflow command: {line}");
    }
    assert!(
        lines.iter().any(|l| l
            .starts_with(&format!("::error file=incidents/{id}/timeline.yaml,line="))
            && l.contains("title=mim breach respond::")),
        "{}",
        run.stdout
    );
    // The escalation is at risk at 10:50 (75% of 2h passed): a warning, not an error.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning ") && l.contains("escalation")),
        "{}",
        run.stdout
    );
}

/// Whether `line` is `::(error|warning) file=F[,line=N],title=T::MESSAGE`, GitHub's
/// workflow command grammar (F without `,` and `:`, T without `:`, a message on one line).
fn workflow_command(line: &str) -> bool {
    let Some(rest) = line
        .strip_prefix("::error file=")
        .or_else(|| line.strip_prefix("::warning file="))
    else {
        return false;
    };
    let Some((props, message)) = rest.split_once("::") else {
        return false;
    };
    let Some((file_line, title)) = props.split_once(",title=") else {
        return false;
    };
    let (file, number) = match file_line.split_once(",line=") {
        Some((f, n)) => (f, Some(n)),
        None => (file_line, None),
    };
    !file.is_empty()
        && !file.contains([',', ':'])
        && number.is_none_or(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && !title.is_empty()
        && !title.contains(':')
        && !message.is_empty()
        && !message.contains(['\r', '\n'])
}

#[test]
fn junit_is_xml_with_a_failure_per_breached_rule() {
    let repo = TestRepo::new();
    let id = late_p1(&repo);
    let run = repo
        .now("2026-11-24T10:50:00Z", &["check", "--format", "junit"])
        .fails(1);
    let report = quick_junit::Report::deserialize_from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JUnit XML ({e}):\n{}", run.stdout));
    assert_eq!(report.test_suites.len(), 1);
    let suite = &report.test_suites[0];
    let failed: Vec<String> = suite
        .test_cases
        .iter()
        .filter(|c| !matches!(c.status, quick_junit::TestCaseStatus::Success { .. }))
        .map(|c| {
            format!(
                "{}/{}",
                c.classname.as_ref().unwrap().as_str(),
                c.name.as_str()
            )
        })
        .collect();
    assert_eq!(
        failed,
        [format!("{id}/respond"), format!("{id}/update-internal")]
    );
    assert!(suite.test_cases.iter().any(|c| c.name.as_str() == "restore"
        && matches!(c.status, quick_junit::TestCaseStatus::Success { .. })));
}

#[test]
fn gitlab_code_quality_report() {
    let repo = TestRepo::new();
    let id = late_p1(&repo);
    let run = repo
        .now("2026-11-24T10:50:00Z", &["check", "--format", "gitlab"])
        .fails(1);
    let issues = run.json();
    let issues = issues.as_array().unwrap();
    assert!(!issues.is_empty());
    for issue in issues {
        assert!(issue["description"].is_string());
        assert!(issue["check_name"].as_str().unwrap().starts_with("mim/"));
        assert_eq!(issue["fingerprint"].as_str().unwrap().len(), 16);
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap())
        );
        assert!(
            issue["location"]["path"]
                .as_str()
                .unwrap()
                .starts_with(&format!("incidents/{id}/"))
        );
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn exit_codes() {
    let repo = TestRepo::new();
    // 0: nothing to find.
    repo.now("2026-11-24T10:00:00Z", &["check"]).ok();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    update(&repo, &id, "2026-11-24T09:20:00Z", "internal");
    update(&repo, &id, "2026-11-24T09:20:00Z", "client");
    // 0: in time, no warning.
    let run = repo.now("2026-11-24T09:30:00Z", &["check"]).ok();
    assert_eq!(run.stdout, "");
    // 0 with a warning (internal update due 09:50, at risk from 09:42:30), 1 with --strict.
    let run = repo.now("2026-11-24T09:45:00Z", &["check"]).ok();
    assert!(run.stdout.contains("at-risk"), "{}", run.stdout);
    repo.now("2026-11-24T09:45:00Z", &["check", "--strict"])
        .fails(1);
    // 1: a breach.
    repo.now("2026-11-24T10:30:00Z", &["check"]).fails(1);
    // 2: usage and configuration errors.
    let run = repo
        .now("2026-11-24T09:30:00Z", &["check", "--client", "globex"])
        .fails(2);
    assert!(
        run.stderr
            .contains("invalid value 'globex' for '--client <CLIENT>'"),
        "{}",
        run.stderr
    );
    repo.now("2026-11-24T09:30:00Z", &["check", "--format", "xml"])
        .fails(2);
    let broken = repo
        .read("mim.yaml")
        .replace("respond: 15m", "respond: 15x");
    repo.write("mim.yaml", &broken);
    let run = repo.now("2026-11-24T09:30:00Z", &["check"]).fails(2);
    assert!(run.stderr.contains("mim.yaml:"), "{}", run.stderr);
}

#[test]
fn every_validation_problem_is_a_finding() {
    let repo = TestRepo::new();
    let a = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z");
    let b = repo.declare("2026-11-24T09:05:00Z", "Mail delayed", "high", "high", &[]);
    let record = repo
        .read(&format!("incidents/{a}/incident.yaml"))
        .replace("impact: high", "impact: colossal");
    repo.write(&format!("incidents/{a}/incident.yaml"), &record);
    append(
        &repo,
        &b,
        &["- {at: nonsense, by: X, event: note, text: hi}"],
    );
    let (run, report) = check_json(&repo, "2026-11-24T09:12:00Z", &[]);
    run.fails(1);
    let problems = findings(&report, "validation");
    let incidents: Vec<&str> = problems
        .iter()
        .map(|f| f["incident"].as_str().unwrap())
        .collect();
    // In ID order: "…-mail-delayed" before "…-payments-api-outage".
    assert_eq!(incidents, [b.as_str(), a.as_str()], "{report:#}");
    assert!(problems.iter().all(|f| f["level"] == "error"));
    assert!(problems.iter().all(|f| f["line"].as_u64().unwrap() > 0));
    assert_eq!(report["incidents"], 2);
}

#[test]
fn client_filter_and_final_incidents() {
    let repo = TestRepo::new();
    let acme = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:30:00Z");
    let other = repo.declare("2026-11-24T09:00:00Z", "Mail delayed", "high", "high", &[]);
    let (_, report) = check_json(&repo, "2026-11-24T09:40:00Z", &["--client", "acme"]);
    assert_eq!(report["incidents"], 1);
    assert!(report["clocks"].get(&other).is_none());
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["incident"] == acme.as_str())
    );
    // A rejected proposal's late response is history, not a finding.
    repo.at(
        "2026-11-24T09:40:00Z",
        &["reject", &other, "--reason", "not a major incident"],
    )
    .ok();
    let (_, report) = check_json(&repo, "2026-11-24T09:45:00Z", &[]);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["incident"] == acme.as_str()),
        "{report:#}"
    );
    assert_eq!(clock(&report, &other, "respond")["state"], "breached");
}

#[test]
fn text_report_snapshot() {
    let repo = TestRepo::new();
    late_p1(&repo);
    let run = repo.now("2026-11-24T10:50:00Z", &["check"]).fails(1);
    insta::assert_snapshot!("check_text", format!("{}---\n{}", run.stdout, run.stderr));
    let run = repo
        .now("2026-11-24T10:50:00Z", &["check", "--verbose"])
        .fails(1);
    insta::assert_snapshot!(
        "check_text_verbose",
        format!("{}---\n{}", run.stdout, run.stderr)
    );
}

#[test]
fn status_lists_active_incidents_plainly_in_a_pipe() {
    let repo = TestRepo::new();
    let id = late_p1(&repo);
    let done = repo.declare("2026-11-24T08:00:00Z", "Mail delayed", "high", "high", &[]);
    repo.at(
        "2026-11-24T08:05:00Z",
        &["reject", &done, "--reason", "not major"],
    )
    .ok();
    let run = repo.now("2026-11-24T10:50:00Z", &["status"]).ok();
    assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
    insta::assert_snapshot!("status_plain", run.stdout);
    assert!(!run.stdout.contains(&done));
    let json = repo
        .now("2026-11-24T10:50:00Z", &["status", "--json"])
        .ok()
        .json();
    assert_eq!(json["active"][0]["id"], id.as_str());
    assert_eq!(json["active"][0]["worst"]["level"], "breach");
    assert_eq!(json["active"][0]["next"]["rule"], "update-client");
    assert_eq!(json["active"].as_array().unwrap().len(), 1);
}

#[test]
fn show_includes_the_clocks() {
    let repo = TestRepo::new();
    let id = late_p1(&repo);
    let run = repo.now("2026-11-24T10:50:00Z", &["show", &id]).ok();
    let clocks = run
        .stdout
        .split("SLA clocks")
        .nth(1)
        .expect("a clocks section");
    insta::assert_snapshot!("show_clocks", clocks);
    let json = repo
        .now("2026-11-24T10:50:00Z", &["show", &id, "--json"])
        .ok()
        .json();
    let respond = json["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "respond")
        .unwrap()
        .clone();
    assert_eq!(respond["state"], "breached");
    assert_eq!(respond["due"], "2026-11-24T09:15:00Z");
}

#[test]
fn pir_rules_read_the_pir_commands() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z");
    repo.at(
        "2026-11-02T11:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Line card replaced.",
            "--closure",
            "hardware-replaced",
        ],
    )
    .ok();
    // A required PIR not started within 2d of the resolve is a breach ...
    let (_, report) = check_json(&repo, "2026-11-05T09:00:00Z", &[]);
    let late = findings(&report, "pir-start");
    assert_eq!(late.len(), 1, "{report:#}");
    assert_eq!(late[0]["due"], "2026-11-04T11:00:00Z");
    // ... and none once `mim pir start` was recorded in time.
    repo.at(
        "2026-11-03T09:00:00Z",
        &["pir", "start", &id, "--reason", "required"],
    )
    .ok();
    let (_, report) = check_json(&repo, "2026-11-05T09:00:00Z", &[]);
    assert!(findings(&report, "pir-start").is_empty(), "{report:#}");
    // An open action past the end of its due day is a `pir-action` breach.
    let action = repo
        .at(
            "2026-11-03T10:00:00Z",
            &[
                "pir",
                "action",
                "add",
                &id,
                "Add the carrier NOC to the runbook",
                "--owner",
                "Bob Lee",
                "--due",
                "2026-11-10",
            ],
        )
        .ok()
        .out()
        .to_string();
    let (_, report) = check_json(&repo, "2026-11-10T20:00:00Z", &[]);
    let soon = findings(&report, "pir-action");
    assert_eq!(soon.len(), 1, "{report:#}");
    assert_eq!(soon[0]["level"], "at-risk");
    assert!(
        soon[0]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("PIR action {action}: still open")),
        "{report:#}"
    );
    let (run, report) = check_json(&repo, "2026-11-11T01:00:00Z", &[]);
    run.fails(1);
    let overdue = findings(&report, "pir-action");
    assert_eq!(overdue.len(), 1, "{report:#}");
    assert_eq!(overdue[0]["level"], "breach");
    assert_eq!(overdue[0]["due"], "2026-11-11T00:00:00Z");
    repo.at(
        "2026-11-11T02:00:00Z",
        &["pir", "action", "done", &id, &action],
    )
    .ok();
    let (_, report) = check_json(&repo, "2026-11-12T09:00:00Z", &[]);
    let overdue = findings(&report, "pir-action");
    assert_eq!(overdue.len(), 1, "done late is still a breach: {report:#}");
    assert_eq!(overdue[0]["actual"], "2026-11-11T02:00:00Z");
}
