//! Regulatory regimes (NIS2, DORA) as clocks: `mim classify`, `mim notify`, their
//! findings in `check` (every format), `status`, `show`, the KPI report, and the drafts.

use serde_json::Value;

use crate::common::{Run, TestRepo};

/// The NIS2 and DORA examples of `mim init`'s configuration, uncommented, with the
/// reporting entity filled in (so the drafts leave out only what a record never holds).
pub(crate) fn regimes() -> String {
    let config = mim::DEFAULT_CONFIG;
    let start = config
        .find("# regulations:")
        .expect("the commented example");
    let example: String = config[start..]
        .lines()
        .map(|l| {
            l.strip_prefix("# ")
                .unwrap_or(l.strip_prefix('#').unwrap_or(l))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let example = example.replace(
        "    # entity: {name: Example MSP, id: \"registration or LEI\", contact: \"name, e-mail, phone\"}",
        "    entity: {name: Example MSP GmbH, id: \"DE-NIS2-4711\", contact: \"Ana Security, security@msp.example, +49 30 1234\"}",
    );
    let example = example.replace(
        "    applies_to: {clients: [acme]}     # the financial clients whose major ICT incidents are reported",
        "    applies_to: {clients: [acme]}\n    entity: {name: Example MSP GmbH, id: \"529900T8BM49AURSDO55\", contact: \"Ana Security, security@msp.example\"}",
    );
    format!("{config}\n{example}")
}

fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.config(&regimes());
    repo
}

fn check(repo: &TestRepo, now: &str, format: &str) -> Run {
    repo.now(now, &["check", "--format", format])
}

fn finding<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "regulatory-notification" && f["name"] == name)
}

fn clock<'a>(report: &'a Value, id: &str, name: &str) -> &'a Value {
    report["clocks"][id]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no clock {name}: {report:#}"))
}

/// Detected at 09:00, declared at 09:20, classified significant under NIS2 at 10:00.
fn nis2_incident(repo: &TestRepo) -> String {
    let id = repo.declare(
        "2026-11-24T09:20:00Z",
        "Payments API outage",
        "high",
        "high",
        &["--detected", "2026-11-24T09:00:00Z"],
    );
    repo.at(
        "2026-11-24T10:00:00Z",
        &[
            "classify",
            &id,
            "--regime",
            "nis2",
            "--significant",
            "--reason",
            "Card payments down for every merchant",
        ],
    )
    .ok();
    id
}

#[test]
fn the_nis2_early_warning_is_at_risk_at_0859_and_breached_at_0901() {
    let repo = repo();
    let id = nis2_incident(&repo);
    let report = check(&repo, "2026-11-25T08:59:00Z", "json").json();
    let f = finding(&report, "nis2/early-warning").expect("an early-warning finding");
    assert_eq!(f["level"], "at-risk");
    assert_eq!(f["due"], "2026-11-25T09:00:00Z");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("NIS2 Early warning (24h after awareness): not submitted yet"),
        "{f}"
    );
    let report = check(&repo, "2026-11-25T09:01:00Z", "json").json();
    let f = finding(&report, "nis2/early-warning").expect("an early-warning finding");
    assert_eq!(f["level"], "breach");
    assert_eq!(f["overdue_by_s"], 60);
    // In every format, under its own rule name.
    for format in ["text", "github", "junit", "gitlab"] {
        let run = check(&repo, "2026-11-25T09:01:00Z", format).fails(1);
        assert!(
            run.stdout.contains("regulatory-notification"),
            "{format}: {}",
            run.stdout
        );
    }
    // Submitted (late) the early warning; the notification is due 72h after detection.
    repo.at(
        "2026-11-25T09:30:00Z",
        &[
            "notify",
            &id,
            "--regime",
            "nis2",
            "--stage",
            "early-warning",
            "--ref",
            "CSIRT-2026-0042",
        ],
    )
    .ok();
    let report = check(&repo, "2026-11-25T09:31:00Z", "json").json();
    let notification = clock(&report, &id, "nis2/notification");
    assert_eq!(notification["due"], "2026-11-27T09:00:00Z");
    assert_eq!(notification["state"], "running");
    let early = clock(&report, &id, "nis2/early-warning");
    assert_eq!(early["state"], "breached");
    assert_eq!(early["stopped"], "2026-11-25T09:30:00Z");
    let late = finding(&report, "nis2/early-warning").unwrap();
    assert!(
        late["message"]
            .as_str()
            .unwrap()
            .contains("submitted 30m late"),
        "{late}"
    );
    // The final report: a month after the notification's submission.
    repo.at(
        "2026-11-26T15:00:00Z",
        &[
            "notify",
            &id,
            "--regime",
            "nis2",
            "--stage",
            "notification",
            "--ref",
            "CSIRT-2026-0042-2",
        ],
    )
    .ok();
    let report = check(&repo, "2026-11-26T15:01:00Z", "json").json();
    assert_eq!(
        clock(&report, &id, "nis2/final-report")["due"],
        "2026-12-26T15:00:00Z"
    );
}

#[test]
fn the_dora_initial_notification_is_due_4h_after_classification_capped_at_24h_after_awareness() {
    let repo = repo();
    let declare = |title: &str| {
        repo.declare(
            "2026-11-24T09:10:00Z",
            title,
            "high",
            "high",
            &["--client", "acme", "--detected", "2026-11-24T09:00:00Z"],
        )
    };
    let classify = |id: &str, at: &str| {
        repo.at(
            at,
            &[
                "classify",
                id,
                "--regime",
                "dora",
                "--major",
                "--reason",
                "Critical payment service down",
            ],
        )
        .ok();
    };
    let early = declare("Payments API outage");
    classify(&early, "2026-11-24T10:00:00Z");
    let late = declare("Card clearing outage");
    classify(&late, "2026-11-25T07:00:00Z");
    let report = check(&repo, "2026-11-25T07:00:00Z", "json").json();
    assert_eq!(
        clock(&report, &early, "dora/initial-notification")["due"],
        "2026-11-24T14:00:00Z"
    );
    // 4h after a classification at 07:00 would be 11:00; 24h after awareness is 09:00.
    assert_eq!(
        clock(&report, &late, "dora/initial-notification")["due"],
        "2026-11-25T09:00:00Z"
    );
    // Submitted on time: the intermediate report is due 72h after it.
    repo.at(
        "2026-11-24T13:00:00Z",
        &[
            "notify",
            &early,
            "--regime",
            "dora",
            "--stage",
            "initial-notification",
            "--ref",
            "ACPR-77",
        ],
    )
    .ok();
    let report = check(&repo, "2026-11-24T13:30:00Z", "json").json();
    assert_eq!(
        clock(&report, &early, "dora/initial-notification")["state"],
        "met"
    );
    assert_eq!(
        clock(&report, &early, "dora/intermediate-report")["due"],
        "2026-11-27T13:00:00Z"
    );
}

#[test]
fn classify_and_notify_say_what_is_wrong() {
    let repo = repo();
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "Payments API outage",
        "high",
        "high",
        &[],
    );
    let before = repo.snapshot();
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &[
                "classify", &id, "--regime", "nis2", "--major", "--reason", "x",
            ],
        )
        .fails(1);
    assert!(
        run.stderr
            .contains("nis2 classifies incidents as significant, not major"),
        "{}",
        run.stderr
    );
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &[
                "classify", &id, "--regime", "gdpr", "--not", "--reason", "x",
            ],
        )
        .fails(2);
    assert!(
        run.stderr.contains(
            "invalid value 'gdpr' for '--regime <REGIME>'\n  [possible values: dora, nis2]"
        ),
        "{}",
        run.stderr
    );
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &[
                "notify",
                &id,
                "--regime",
                "nis2",
                "--stage",
                "early-warning",
                "--ref",
                "X",
            ],
        )
        .fails(1);
    assert!(
        run.stderr.contains("is not classified under nis2"),
        "{}",
        run.stderr
    );
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &[
                "notify",
                &id,
                "--regime",
                "nis2",
                "--stage",
                "late-warning",
                "--ref",
                "X",
            ],
        )
        .fails(2);
    assert!(
        run.stderr
            .contains("its stages are early-warning, notification, final-report"),
        "{}",
        run.stderr
    );
    repo.run(&["classify", &id, "--regime", "nis2", "--reason", "x"])
        .fails(2);
    assert_eq!(repo.snapshot(), before, "nothing changed");
    // Not reportable is part of the record, and starts no clock.
    repo.at(
        "2026-11-24T10:00:00Z",
        &[
            "classify",
            &id,
            "--regime",
            "nis2",
            "--not",
            "--reason",
            "Internal tooling only; no service to clients affected",
        ],
    )
    .ok();
    let report = check(&repo, "2026-11-26T10:00:00Z", "json").json();
    assert!(
        report["clocks"][&id]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["rule"] != "regulatory-notification")
    );
    let show = repo.run(&["show", &id]).ok().stdout;
    assert!(
        show.contains("not reportable (by Sam Patel): Internal tooling only"),
        "{show}"
    );
    assert!(
        show.contains("not reportable under nis2 (Sam Patel): Internal tooling only"),
        "{show}"
    );
}

#[test]
fn status_shows_the_next_regulatory_deadline_first_and_show_lists_each_regime() {
    let repo = repo();
    let id = nis2_incident(&repo);
    let other = repo.active_p1("2026-11-24T11:00:00Z", "2026-11-24T11:05:00Z");
    let run = repo.now("2026-11-24T12:00:00Z", &["status"]).ok();
    let first = run.stdout.lines().next().unwrap();
    assert!(first.starts_with("Regulatory deadlines"), "{}", run.stdout);
    let second = run.stdout.lines().nth(1).unwrap();
    assert!(
        second.contains(&id)
            && second.contains("NIS2 early-warning due 2026-11-25 09:00 UTC (in 21h)"),
        "{}",
        run.stdout
    );
    let json = repo
        .now("2026-11-24T12:00:00Z", &["--json", "status"])
        .ok()
        .json();
    assert_eq!(json["regulatory"][0]["id"], id.as_str());
    assert_eq!(json["regulatory"][0]["stage"], "early-warning");
    assert_eq!(json["regulatory"][0]["due"], "2026-11-25T09:00:00Z");
    // The DORA regime applies to ACME's incident, which is not classified yet.
    let show = repo
        .now("2026-11-24T12:00:00Z", &["show", &other])
        .ok()
        .stdout;
    assert!(
        show.contains("DORA — DORA (Regulation (EU) 2022/2554, Art. 19)"),
        "{show}"
    );
    assert!(
        show.contains(&format!(
            "not classified yet: mim classify {other} --regime dora --major"
        )),
        "{show}"
    );
    assert!(
        show.contains("initial-notification            waits for classification as major"),
        "{show}"
    );
    let show = repo.now("2026-11-24T12:00:00Z", &["show", &id]).ok().stdout;
    for line in [
        "NIS2 — NIS2 (Directive (EU) 2022/2555, Art. 23)",
        "classified significant 2026-11-24 10:00 UTC by Sam Patel: Card payments down for every merchant",
        "early-warning  running   due 2026-11-25 09:00 UTC (24h after awareness)",
        "notification   running   due 2026-11-27 09:00 UTC (72h after awareness)",
        "final-report             waits for the notification submission (1 month after the notification submission)",
    ] {
        assert!(show.contains(line), "{line} not in\n{show}");
    }
    assert!(!show.contains("dora"), "DORA does not apply to it: {show}");
    let json = repo
        .now("2026-11-24T12:00:00Z", &["--json", "show", &id])
        .ok()
        .json();
    assert_eq!(
        json["regulatory"][0]["stages"][0]["due"],
        "2026-11-25T09:00:00Z"
    );
}

#[test]
fn the_kpi_report_counts_notifications_on_time_and_a_closed_incident_still_owes_its_report() {
    let repo = repo();
    let on_time = nis2_incident(&repo);
    repo.at(
        "2026-11-24T12:00:00Z",
        &[
            "notify",
            &on_time,
            "--regime",
            "nis2",
            "--stage",
            "early-warning",
            "--ref",
            "A-1",
        ],
    )
    .ok();
    let late = nis2_incident(&repo);
    repo.at(
        "2026-11-25T12:00:00Z",
        &[
            "notify",
            &late,
            "--regime",
            "nis2",
            "--stage",
            "early-warning",
            "--ref",
            "A-2",
        ],
    )
    .ok();
    let report = repo
        .now("2026-11-28T12:00:00Z", &["report", "--format", "json"])
        .ok()
        .json();
    let nis2 = &report["regulatory"]["regimes"]["nis2"];
    assert_eq!(nis2["incidents"], 2);
    assert_eq!(nis2["stages"]["early-warning"]["on_time"], 1);
    assert_eq!(nis2["stages"]["early-warning"]["late"], 1);
    // Neither sent its notification (due 2026-11-27 09:00).
    assert_eq!(nis2["stages"]["notification"]["overdue"], 2);
    assert_eq!(nis2["on_time"], 1);
    assert_eq!(nis2["on_time_rate"]["total"], 4);
    let md = repo.now("2026-11-28T12:00:00Z", &["report"]).ok().stdout;
    assert!(md.contains("## Regulatory notifications"), "{md}");
    assert!(
        md.contains("| NIS2 | early-warning | 1 | 1 | 0 | 0 | 1/2 (50.0%) |"),
        "{md}"
    );
    // A report without regimes in it has no such section (and no such key).
    let plain = TestRepo::new();
    let report = plain
        .now("2026-11-28T12:00:00Z", &["report", "--format", "json"])
        .ok()
        .json();
    assert!(report.get("regulatory").is_none());
    // Closing (or rejecting) the incident does not end what the law requires.
    repo.at(
        "2026-11-24T10:05:00Z",
        &["reject", &on_time, "--reason", "Not a major incident"],
    )
    .ok();
    let check = repo
        .now("2026-11-28T12:00:00Z", &["check", "--format", "json"])
        .json();
    let owed = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["incident"] == on_time.as_str() && f["name"] == "nis2/notification");
    assert_eq!(
        owed.expect("the rejected incident's notification is owed")["level"],
        "breach"
    );
    assert!(
        check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["incident"] != on_time.as_str() || f["rule"] == "regulatory-notification"),
        "only the regulatory findings of a rejected incident: {check:#}"
    );
}

/// The fields each built-in draft leaves to a person when the record holds all it can:
/// what an incident record never holds.
const NEVER_HELD: &[(&str, &str, &[&str])] = &[
    ("nis2", "early-warning", &[]),
    ("nis2", "notification", &["Indicators of compromise"]),
    ("nis2", "final-report", &[]),
    (
        "dora",
        "initial-notification",
        &[
            "LEI of the financial entity affected",
            "Member States impacted by the incident",
            "Activation of the business continuity plan",
        ],
    ),
    (
        "dora",
        "intermediate-report",
        &[
            "LEI of the financial entity affected",
            "Number of clients affected",
            "Number of financial counterparts affected",
            "Amount of transactions affected",
            "Reputational impact",
            "Data losses",
            "Threats and techniques used by the threat actor",
            "Impact on the financial interest of clients",
            "Indicators of compromise",
        ],
    ),
    (
        "dora",
        "final-report",
        &[
            "LEI of the financial entity affected",
            "Classification of the root causes",
            "Amount of gross direct and indirect costs and losses",
            "Amount of financial recoveries",
            "Information relevant for resolution authorities",
        ],
    ),
];

/// An incident replayed through the commands a team would run, up to its PIR, under
/// both regimes.
fn replayed(repo: &TestRepo) -> String {
    let id = repo.declare(
        "2026-11-24T09:10:00Z",
        "Payments API outage",
        "high",
        "high",
        &[
            "--client",
            "acme",
            "--ci",
            "pay-gw-01",
            "--category",
            "application",
            "--impact-started",
            "2026-11-24T08:50:00Z",
            "--detected",
            "2026-11-24T09:00:00Z",
            "-m",
            "Card payments fail with HTTP 503 for every merchant.",
        ],
    );
    let at = |time: &str, args: &[&str]| {
        repo.at(time, args).ok();
    };
    at(
        "2026-11-24T09:15:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    );
    at(
        "2026-11-24T09:40:00Z",
        &[
            "classify",
            &id,
            "--regime",
            "nis2",
            "--significant",
            "--reason",
            "Payments of every merchant down",
            "--cross-border",
            "yes",
            "--malicious",
            "no",
            "--recurring",
            "no",
        ],
    );
    at(
        "2026-11-24T09:40:00Z",
        &[
            "classify",
            &id,
            "--regime",
            "dora",
            "--major",
            "--reason",
            "Critical payment service down for all clients",
        ],
    );
    at(
        "2026-11-24T09:45:00Z",
        &[
            "escalate",
            &id,
            "--kind",
            "vendor",
            "--to",
            "Gateway vendor",
            "--ref",
            "CASE-7781",
            "--reason",
            "Certificate rejected",
        ],
    );
    at(
        "2026-11-24T10:10:00Z",
        &[
            "notify",
            &id,
            "--regime",
            "nis2",
            "--stage",
            "early-warning",
            "--ref",
            "CSIRT-1",
        ],
    );
    at(
        "2026-11-24T10:20:00Z",
        &[
            "notify",
            &id,
            "--regime",
            "dora",
            "--stage",
            "initial-notification",
            "--ref",
            "AUTH-2026-0042",
        ],
    );
    at(
        "2026-11-24T10:30:00Z",
        &[
            "milestone",
            &id,
            "--kind",
            "identified",
            "-m",
            "The gateway certificate expired",
        ],
    );
    at(
        "2026-11-24T10:45:00Z",
        &[
            "milestone",
            &id,
            "--kind",
            "mitigated",
            "-m",
            "Traffic moved to the standby gateway",
        ],
    );
    at(
        "2026-11-24T11:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Standby gateway carries all traffic",
            "--closure",
            "workaround",
            "--workaround",
            "--problem",
            "PRB-1042",
        ],
    );
    at(
        "2026-11-25T09:00:00Z",
        &[
            "notify",
            &id,
            "--regime",
            "nis2",
            "--stage",
            "notification",
            "--ref",
            "CSIRT-2",
        ],
    );
    at(
        "2026-11-25T10:00:00Z",
        &[
            "notify",
            &id,
            "--regime",
            "dora",
            "--stage",
            "intermediate-report",
            "--ref",
            "AUTH-2026-0042-I",
        ],
    );
    at(
        "2026-11-26T09:00:00Z",
        &[
            "milestone",
            &id,
            "--kind",
            "fixed",
            "-m",
            "Certificate renewed; expiry monitored",
            "--problem",
            "PRB-1042",
        ],
    );
    at(
        "2026-11-26T10:00:00Z",
        &[
            "pir",
            "start",
            &id,
            "--reason",
            "required",
            "--facilitator",
            "Dana Reyes",
        ],
    );
    let pir = format!("incidents/{id}/pir.md");
    let text = repo.read(&pir).replace(
        "## Root cause\n",
        "## Root cause\n\nThe payment gateway's TLS certificate expired; no alert watched its expiry.\n",
    );
    repo.write(&pir, &text);
    repo.git(&["commit", "--quiet", "-am", "root cause"]);
    id
}

#[test]
fn every_built_in_draft_fills_what_the_record_holds_and_lists_the_rest() {
    let repo = repo();
    let id = replayed(&repo);
    for (regime, stage, never) in NEVER_HELD {
        let run = repo
            .now(
                "2026-11-27T09:00:00Z",
                &[
                    "notify", &id, "--regime", regime, "--stage", stage, "--draft",
                ],
            )
            .ok();
        let text = &run.stdout;
        // Every field line: `- **Label:** value`.
        let fields: Vec<(&str, &str)> = text
            .lines()
            .filter_map(|l| l.strip_prefix("- **")?.split_once(":** "))
            .collect();
        assert!(fields.len() >= 8, "{regime} {stage}: {text}");
        let missing: Vec<&str> = fields
            .iter()
            .filter(|(_, v)| *v == "_not in the record_")
            .map(|(l, _)| *l)
            .collect();
        assert_eq!(
            &missing, never,
            "{regime} {stage}: only what a record never holds is missing:\n{text}"
        );
        // And listed at the end, each once.
        let listed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("- [ ] "))
            .collect();
        assert_eq!(&listed, never, "{regime} {stage}");
        if never.is_empty() {
            assert!(!text.contains("Not in the record"), "{text}");
        }
        // Times in UTC and in the authority's zone.
        // (Berlin and Paris are both on CET in November.)
        assert!(
            text.contains("at 2026-11-27 09:00 UTC (2026-11-27 10:00 CET)"),
            "{text}"
        );
        assert!(text.contains("— DRAFT"), "{text}");
        // The JSON gives the same fields.
        let json = repo
            .now(
                "2026-11-27T09:00:00Z",
                &[
                    "--json", "notify", &id, "--regime", regime, "--stage", stage, "--draft",
                ],
            )
            .ok()
            .json();
        let missing_json: Vec<&str> = json["draft"]["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(&missing_json, never);
    }
    // What the record holds is where the forms ask for it.
    let draft = |regime: &str, stage: &str| {
        repo.now(
            "2026-11-27T09:00:00Z",
            &[
                "notify", &id, "--regime", regime, "--stage", stage, "--draft",
            ],
        )
        .ok()
        .stdout
    };
    let early = draft("nis2", "early-warning");
    for line in [
        "- **Could have a cross-border impact:** yes",
        "- **Suspected of being caused by unlawful or malicious acts:** no",
        "- **Clients affected:** ACME Corp",
        "- **Identifier of the entity:** DE-NIS2-4711",
        "- **Recorded as submitted:** 2026-11-24 10:10 UTC (2026-11-24 11:10 CET) [ref CSIRT-1]",
    ] {
        assert!(early.contains(line), "{line} not in\n{early}");
    }
    let final_nis2 = draft("nis2", "final-report");
    for line in [
        "- **Type of threat or root cause:** The payment gateway's TLS certificate expired; no alert watched its expiry.",
        "- **Incident notification reference:** CSIRT-2",
        "- **Duration of the impact:** 2h10m",
        "- **Ongoing mitigation measures:** Certificate renewed; expiry monitored",
    ] {
        assert!(final_nis2.contains(line), "{line} not in\n{final_nis2}");
    }
    let initial = draft("dora", "initial-notification");
    for line in [
        "- **Type of submission:** Initial notification",
        "- **Date and time of classification of the incident:** 2026-11-24 09:40 UTC (2026-11-24 10:40 CET) (as major)",
        "- **Third-party providers involved:** Gateway vendor (vendor, ref CASE-7781)",
        "- **Identification code of the entity submitting the report (LEI):** 529900T8BM49AURSDO55",
    ] {
        assert!(initial.contains(line), "{line} not in\n{initial}");
    }
    let intermediate = draft("dora", "intermediate-report");
    assert!(
        intermediate.contains(
            "- **Incident reference code provided by the competent authority:** AUTH-2026-0042"
        ),
        "{intermediate}"
    );
    assert!(
        intermediate.contains("- **Reporting to other authorities:** NIS2 early-warning"),
        "{intermediate}"
    );
    // Drafting records nothing.
    let log = repo.log();
    draft("dora", "final-report");
    assert_eq!(repo.log(), log);
}

#[test]
fn a_draft_template_is_overridden_like_the_others_and_checked() {
    let repo = repo();
    let id = nis2_incident(&repo);
    repo.write(
        "templates/notify-nis2-early-warning.md",
        "Early warning for {{ incident.id }} to {{ regime.authority }}; missing: {{ missing | length }}\n",
    );
    let run = repo
        .now(
            "2026-11-24T12:00:00Z",
            &[
                "notify",
                &id,
                "--regime",
                "nis2",
                "--stage",
                "early-warning",
                "--draft",
            ],
        )
        .ok();
    // No client and no flags recorded: three fields to complete.
    assert_eq!(
        run.stdout,
        format!("Early warning for {id} to National CSIRT; missing: 3\n")
    );
    repo.write(
        "templates/notify-nis2-early-warning.md",
        "{{ incident.nope }}\n",
    );
    let run = repo.run(&["validate"]).fails(1);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(
        said.contains("templates/notify-nis2-early-warning.md") && said.contains("incident.nope"),
        "{said}"
    );
}
