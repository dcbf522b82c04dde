//! Real incidents (#14): the impact start and its detection, milestones, monitoring
//! updates after the restore, roles and shift handover, linked incidents — replayed
//! with fixed times the way public postmortems tell them.

use mail_parser::MessageParser;
use serde_json::Value;

use crate::common::TestRepo;

const IMPACT: &str = "2026-11-24T13:42:00Z";
const DETECTED: &str = "2026-11-24T13:45:00Z";
const DECLARED: &str = "2026-11-24T13:46:00Z";
const ACCEPTED: &str = "2026-11-24T13:50:00Z";
const RESOLVED: &str = "2026-11-24T14:09:00Z";

/// The outage of the scenario: a P1 for ACME whose impact began at 13:42, detected
/// at 13:45, declared at 13:46 and accepted by Alice at 13:50.
fn outage(repo: &TestRepo) -> String {
    let id = repo.declare(
        DECLARED,
        "Checkout fails for every shopper",
        "high",
        "high",
        &[
            "--client",
            "acme",
            "--impact-started",
            IMPACT,
            "--detected",
            DETECTED,
        ],
    );
    repo.at(ACCEPTED, &["accept", &id, "--manager", "Alice Moreau"])
        .ok();
    id
}

fn show(repo: &TestRepo, id: &str) -> Value {
    repo.run(&["--json", "show", id]).ok().json()
}

fn clock<'a>(view: &'a Value, rule: &str) -> &'a Value {
    view["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} clock: {view:#}"))
}

fn resolve_workaround(repo: &TestRepo, id: &str, at: &str) {
    repo.at(
        at,
        &[
            "resolve",
            id,
            "-m",
            "Traffic moved to the standby payment gateway.",
            "--closure",
            "workaround",
            "--workaround",
            "--problem",
            "PRB-1",
        ],
    )
    .ok();
}

/// Start the PIR and render its report; returns the report's text.
fn pir_report(repo: &TestRepo, id: &str, at: &str) -> String {
    repo.at(at, &["pir", "start", id, "--reason", "required"])
        .ok();
    repo.at(at, &["pir", "report", id]).ok();
    repo.read(&format!("incidents/{id}/pir-report.md"))
}

/// The text part of the one e-mail whose file name ends with `suffix`.
fn email_text(repo: &TestRepo, id: &str, suffix: &str) -> String {
    let dir = repo.path(&format!("incidents/{id}/outbox"));
    let path = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no e-mail *{suffix}"));
    let raw = std::fs::read(path).unwrap();
    let message = MessageParser::default().parse(&raw).unwrap();
    message.body_text(0).unwrap().into_owned()
}

/// Run `args` expecting exit 1 with `expected` in stderr, and nothing written or committed.
#[track_caller]
fn refused(repo: &TestRepo, at: &str, args: &[&str], expected: &str) {
    refused_with(1, repo, at, args, expected);
}

/// [`refused`] as a usage error (exit 2).
fn misused(repo: &TestRepo, at: &str, args: &[&str], expected: &str) {
    refused_with(2, repo, at, args, expected);
}

fn refused_with(code: i32, repo: &TestRepo, at: &str, args: &[&str], expected: &str) {
    let files = repo.snapshot();
    let log = repo.log();
    let run = repo.at(at, args).fails(code);
    assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    assert_eq!(repo.snapshot(), files, "{args:?} changed files");
    assert_eq!(repo.log(), log, "{args:?} committed");
}

#[test]
fn the_outage_counts_from_the_impact_start_and_the_restore_clock_from_the_report() {
    let repo = TestRepo::new();
    let id = outage(&repo);
    repo.at(
        RESOLVED,
        &[
            "resolve",
            &id,
            "-m",
            "Gateway restarted.",
            "--closure",
            "config-change",
        ],
    )
    .ok();
    let view = show(&repo, &id);
    assert_eq!(view["record"]["impact_started"], IMPACT);
    assert_eq!(view["record"]["detected"], DETECTED);
    assert_eq!(view["state"]["impact_started"], IMPACT);
    let d = &view["durations"];
    assert_eq!(d["outage"], 27 * 60, "{d:#}");
    assert_eq!(d["time_to_detect"], 3 * 60, "{d:#}");
    assert_eq!(d["time_to_accept"], 4 * 60, "{d:#}");
    // The restore clock (P1, 24x7) counts from the report at 13:46: 23 minutes.
    let restore = clock(&view, "restore");
    assert_eq!(restore["started"], DECLARED);
    assert_eq!(restore["elapsed_s"], 23 * 60);
    assert_eq!(d["time_to_restore"], 23 * 60, "{d:#}");
    assert!(d["time_to_fix"].is_null(), "{d:#}");
    let text = repo.run(&["show", &id]).ok().stdout;
    assert!(
        text.contains("impact     started 2026-11-24 13:42 UTC, detected 2026-11-24 13:45 UTC"),
        "{text}"
    );
    assert!(text.contains("outage       27m"), "{text}");

    let report = pir_report(&repo, &id, "2026-11-24T15:00:00Z");
    for line in [
        "| Outage (impact start to restoration, wall clock) | 27m |",
        "| Time to detect (impact start to detection) | 3m |",
        "| Restore time excluding hold | 23m |",
        "started 2026-11-24 13:42 UTC, detected 2026-11-24 13:45 UTC; outage 27m",
    ] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
}

#[test]
fn sla_start_can_move_the_clocks_to_the_impact_start() {
    let repo = TestRepo::new();
    repo.config(&format!(
        "{}\nsla:\n  start: impact-started\n",
        mim::DEFAULT_CONFIG
    ));
    let id = outage(&repo);
    repo.at(
        RESOLVED,
        &[
            "resolve",
            &id,
            "-m",
            "Gateway restarted.",
            "--closure",
            "config-change",
        ],
    )
    .ok();
    let view = show(&repo, &id);
    assert_eq!(view["state"]["clocks_start"], IMPACT);
    let restore = clock(&view, "restore");
    assert_eq!(restore["started"], IMPACT);
    assert_eq!(restore["elapsed_s"], 27 * 60);
    assert_eq!(clock(&view, "respond")["elapsed_s"], 8 * 60);
    assert_eq!(view["durations"]["time_to_restore"], 27 * 60);
    // Detection as the start: 13:45.
    repo.config(&format!(
        "{}\nsla:\n  start: detected\n",
        mim::DEFAULT_CONFIG
    ));
    assert_eq!(clock(&show(&repo, &id), "restore")["started"], DETECTED);
}

#[test]
fn milestones_and_a_monitoring_update_after_a_workaround() {
    let repo = TestRepo::new();
    let id = outage(&repo);
    repo.at(
        "2026-11-24T14:07:00Z",
        &[
            "milestone",
            &id,
            "--kind",
            "mitigated",
            "-m",
            "Half the traffic on the standby gateway",
        ],
    )
    .ok();
    resolve_workaround(&repo, &id, RESOLVED);
    // Resolved, not closed: the update is accepted as a monitoring update.
    let out = repo
        .at(
            "2026-11-24T14:20:00Z",
            &[
                "update",
                &id,
                "--audience",
                "all",
                "-m",
                "Payments have stayed healthy on the standby gateway for ten minutes.",
            ],
        )
        .ok();
    assert!(out.stdout.contains("u1-internal.eml"), "{}", out.stdout);
    // A monitoring update states the phase the reader is in (restored on a workaround),
    // and never that the service is affected or when its restoration is due.
    for suffix in ["u1-internal.eml", "u1-management.eml", "u1-client.eml"] {
        let text = email_text(&repo, &id, suffix);
        assert!(
            text.contains("Restored on a workaround:"),
            "{suffix}:\n{text}"
        );
        assert!(!text.contains("is affected"), "{suffix}:\n{text}");
        assert!(!text.contains("Restore due"), "{suffix}:\n{text}");
    }
    repo.at(
        "2026-11-24T14:52:00Z",
        &[
            "milestone",
            &id,
            "--kind",
            "fixed",
            "--problem",
            "PRB-1",
            "-m",
            "Gateway certificate renewed",
        ],
    )
    .ok();
    let view = show(&repo, &id);
    let d = &view["durations"];
    assert_eq!(d["time_to_mitigate"], 25 * 60, "{d:#}");
    assert_eq!(d["time_to_fix"], 70 * 60, "{d:#}");
    assert_eq!(d["outage"], 27 * 60, "{d:#}");
    assert!(d["time_to_identify"].is_null(), "{d:#}");
    let milestones = view["state"]["milestones"].as_array().unwrap();
    assert_eq!(milestones.len(), 2, "{milestones:#?}");
    assert_eq!(milestones[1]["kind"], "fixed");
    assert_eq!(milestones[1]["problem"], "PRB-1");
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert!(
        timeline.contains("event: update, audience: internal, file: \"updates/20261124T142000Z-internal.md\", monitoring: true, number: 1}"),
        "{timeline}"
    );
    // Nothing is wrong with a monitoring update or a fix after the resolve.
    repo.run(&["validate"]).ok();
    let report = pir_report(&repo, &id, "2026-11-24T15:00:00Z");
    for line in [
        "| Time to mitigate (from the impact start) | 25m |",
        "| Time to fix permanently (from the impact start) | 1h10m |",
        // The updates one command sent at one moment: one line.
        "monitoring update to internal 1, management 1, client 1, client-management 1 by Sam Patel",
        "permanent fix in (Sam Patel) [problem PRB-1]: Gateway certificate renewed",
    ] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
}

#[test]
fn monitoring_updates_do_not_run_the_cadence() {
    let repo = TestRepo::new();
    let id = outage(&repo);
    resolve_workaround(&repo, &id, RESOLVED);
    repo.at(
        "2026-11-24T14:20:00Z",
        &["update", &id, "-m", "Still stable."],
    )
    .ok();
    // 1h40m after the monitoring update: far past the P1 internal cadence of 30m.
    let json = repo
        .now("2026-11-24T16:00:00Z", &["check", "--format", "json"])
        .json();
    let findings = json["findings"].as_array().unwrap();
    assert!(
        !findings
            .iter()
            .any(|f| f["rule"].as_str().unwrap().starts_with("update")),
        "{findings:#?}"
    );
    let clocks = json["clocks"][&id].as_array().unwrap();
    let internal = clocks
        .iter()
        .find(|c| c["rule"] == "update-internal")
        .unwrap();
    assert_eq!(internal["stopped"], RESOLVED, "{internal:#}");
    assert_eq!(internal["state"], "met", "{internal:#}");
}

#[test]
fn a_milestone_is_corrected_only_with_a_reason() {
    let repo = TestRepo::new();
    let id = outage(&repo);
    let identify = |at: &str, extra: &[&str]| {
        let mut args = vec!["milestone", id.as_str(), "--kind", "identified"];
        args.extend_from_slice(extra);
        repo.at(at, &args)
    };
    identify("2026-11-24T14:00:00Z", &["-m", "Expired certificate"]).ok();
    let mut args = vec!["milestone", id.as_str(), "--kind", "identified"];
    refused(
        &repo,
        "2026-11-24T14:05:00Z",
        &args,
        "has its identified milestone already, at 2026-11-24T14:00:00Z by Sam Patel: to correct it, give --reason",
    );
    // The correction may be dated earlier: the one recorded last stands.
    args.extend(["--reason", "The logs show it was known at 13:55"]);
    repo.at("2026-11-24T13:55:00Z", &args).ok();
    let view = show(&repo, &id);
    assert_eq!(view["durations"]["time_to_identify"], 13 * 60);
    assert_eq!(
        view["state"]["milestones"][0]["reason"],
        "The logs show it was known at 13:55"
    );
    refused(
        &repo,
        "2026-11-24T14:06:00Z",
        &["milestone", &id, "--kind", "mitigated", "--reason", "first"],
        "--reason is for correcting a mitigated milestone recorded before",
    );
}

#[test]
fn a_handover_makes_the_next_person_incident_manager_everywhere() {
    let repo = TestRepo::new();
    let id = outage(&repo);
    repo.at(
        "2026-11-24T14:00:00Z",
        &[
            "--by",
            "Alice Moreau",
            "handover",
            &id,
            "--to",
            "Bob",
            "-m",
            "Failover to the standby gateway is running; the vendor is on the bridge",
        ],
    )
    .ok();
    let view = show(&repo, &id);
    assert_eq!(view["state"]["manager"], "Bob");
    let roles = view["state"]["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 2, "{roles:#?}");
    assert_eq!(roles[0]["holder"], "Alice Moreau");
    assert_eq!(roles[0]["from"], ACCEPTED);
    assert_eq!(roles[0]["until"], "2026-11-24T14:00:00Z");
    assert_eq!(
        (&roles[1]["holder"], &roles[1]["until"]),
        (&"Bob".into(), &Value::Null)
    );
    assert_eq!(view["state"]["handovers"][0]["from"], "Alice Moreau");
    let status = repo
        .now("2026-11-24T14:01:00Z", &["--json", "status"])
        .ok()
        .json();
    assert_eq!(status["active"][0]["manager"], "Bob");
    let plain = repo.now("2026-11-24T14:01:00Z", &["status"]).ok().stdout;
    assert!(plain.contains("  accepted  Bob  "), "{plain}");

    repo.at(
        "2026-11-24T14:05:00Z",
        &["update", &id, "-m", "Failover half done."],
    )
    .ok();
    let internal = email_text(&repo, &id, "u1-internal.eml");
    assert!(internal.contains("Incident manager:* Bob"), "{internal}");
    assert!(!internal.contains("Monitoring update"), "{internal}");

    resolve_workaround(&repo, &id, RESOLVED);
    let report = pir_report(&repo, &id, "2026-11-24T15:00:00Z");
    assert!(
        report.contains(
            "**2026-11-24 14:00 UTC** incident manager handed over to Bob by Alice Moreau: \
             Failover to the standby gateway is running; the vendor is on the bridge"
        ),
        "{report}"
    );
    assert!(report.contains("**Incident manager:** Bob"), "{report}");
}

#[test]
fn roles_are_assigned_from_the_configured_list() {
    let repo = TestRepo::new();
    let id = outage(&repo);
    let json = repo
        .at(
            "2026-11-24T13:55:00Z",
            &[
                "--json",
                "assign",
                &id,
                "--role",
                "communications-lead",
                "--to",
                "Carol Diaz",
            ],
        )
        .ok()
        .json();
    assert_eq!(json["entry"]["event"], "assign");
    assert_eq!(json["entry"]["role"], "communications-lead");
    repo.at(
        "2026-11-24T14:30:00Z",
        &[
            "assign",
            &id,
            "--role",
            "communications-lead",
            "--to",
            "Dan",
        ],
    )
    .ok();
    let text = repo.run(&["show", &id]).ok().stdout;
    for line in [
        "  incident-manager     Alice Moreau  2026-11-24 13:50 UTC – now",
        "  communications-lead  Carol Diaz    2026-11-24 13:55 UTC – 2026-11-24 14:30 UTC",
        "  communications-lead  Dan           2026-11-24 14:30 UTC – now",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
    // The internal e-mails say who holds each role now; the client's never do.
    repo.at(
        "2026-11-24T14:35:00Z",
        &["update", &id, "--audience", "all", "-m", "Working on it."],
    )
    .ok();
    let internal = email_text(&repo, &id, "u1-internal.eml");
    assert!(internal.contains("Communications lead:* Dan"), "{internal}");
    let client = email_text(&repo, &id, "u1-client.eml");
    assert!(!client.contains("Dan"), "{client}");
    misused(
        &repo,
        "2026-11-24T14:40:00Z",
        &["assign", &id, "--role", "dj", "--to", "Eve"],
        "invalid value 'dj' for '--role <ROLE>'\n  [possible values: incident-manager, communications-lead, technical-lead, scribe]",
    );
    refused(
        &repo,
        "2026-11-24T14:40:00Z",
        &[
            "assign",
            &id,
            "--role",
            "communications-lead",
            "--to",
            "Dan",
        ],
        "Dan holds the communications-lead role of",
    );
    // Assigning the incident-manager role is a handover without a note.
    repo.at(
        "2026-11-24T14:45:00Z",
        &["assign", &id, "--role", "incident-manager", "--to", "Bob"],
    )
    .ok();
    assert_eq!(show(&repo, &id)["state"]["manager"], "Bob");
}

#[test]
fn a_second_proposal_for_the_same_outage_is_a_duplicate() {
    let repo = TestRepo::new();
    let first = repo.declare(
        "2026-11-24T09:00:00Z",
        "Payments API outage",
        "high",
        "high",
        &["--client", "acme"],
    );
    let run = repo
        .at(
            "2026-11-24T09:03:00Z",
            &[
                "declare",
                "--title",
                "Card payments failing",
                "--service",
                "Payments API",
                "--impact",
                "high",
                "--urgency",
                "high",
            ],
        )
        .ok();
    let second = run.out().to_string();
    assert!(
        run.stderr.contains(&format!(
            "warning: {first} is active on the same service (proposed, P1: Payments API outage)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("mim reject {second} --duplicate-of {first}")),
        "{}",
        run.stderr
    );
    // No --reason needed for a duplicate.
    repo.at(
        "2026-11-24T09:05:00Z",
        &["reject", &second, "--duplicate-of", &first],
    )
    .ok();
    let dup = show(&repo, &second);
    assert_eq!(dup["state"]["status"], "rejected");
    assert_eq!(dup["state"]["links"][0]["relation"], "duplicate-of");
    assert_eq!(dup["state"]["links"][0]["other"], first.as_str());
    let orig = show(&repo, &first);
    assert_eq!(orig["state"]["links"][0]["relation"], "duplicated-by");
    assert_eq!(orig["state"]["links"][0]["other"], second.as_str());
    let text = repo.run(&["show", &first]).ok().stdout;
    assert!(
        text.contains(&format!("  duplicated by {second}")),
        "{text}"
    );
    // One commit for both incidents, and the audit accepts it.
    assert_eq!(
        repo.log_whole()[0],
        format!(
            "{}: rejected as a duplicate of {first}",
            crate::common::subject_ref(&second)
        )
    );
    let files = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        files.contains(&format!("incidents/{first}/timeline.yaml")),
        "{files}"
    );
    assert!(
        files.contains(&format!("incidents/{second}/timeline.yaml")),
        "{files}"
    );
    repo.run(&["audit"]).ok();

    let report = repo
        .now("2026-11-25T00:00:00Z", &["report", "--json"])
        .ok()
        .json();
    assert_eq!(report["incidents"], 1, "{report:#}");
    assert_eq!(report["duplicates"], 1, "{report:#}");
    assert_eq!(report["proposals"]["rejected"], 0, "{report:#}");
    let md = repo.now("2026-11-25T00:00:00Z", &["report"]).ok().stdout;
    assert!(md.contains("| Duplicates (not counted) | 1 |"), "{md}");
    // A duplicate is not an active incident to warn about.
    let run = repo
        .at(
            "2026-11-24T09:10:00Z",
            &[
                "--json",
                "declare",
                "--title",
                "Payments slow",
                "--service",
                "payments api",
                "--impact",
                "high",
                "--urgency",
                "high",
            ],
        )
        .ok();
    let json = run.json();
    let like: Vec<&str> = json["active_like_this"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(like, [first.as_str()]);
}

#[test]
fn declare_warns_of_the_same_client_and_ci_and_never_refuses() {
    let repo = TestRepo::new();
    let first = repo.declare(
        "2026-11-24T09:00:00Z",
        "Gateway down",
        "high",
        "high",
        &["--client", "acme", "--ci", "pay-gw-01"],
    );
    let args = |service: &'static str, ci: &'static str| {
        vec![
            "declare",
            "--title",
            "Refunds fail",
            "--service",
            service,
            "--impact",
            "high",
            "--urgency",
            "high",
            "--client",
            "acme",
            "--ci",
            ci,
        ]
    };
    let run = repo
        .at("2026-11-24T09:02:00Z", &args("Refunds", "PAY-GW-01"))
        .ok();
    assert!(
        run.stderr.contains(&format!(
            "warning: {first} is active on the same client and configuration item"
        )),
        "{}",
        run.stderr
    );
    let run = repo
        .at("2026-11-24T09:03:00Z", &args("Refunds web", "other-ci"))
        .ok();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    // Once the first is resolved, it is not active any more.
    repo.at("2026-11-24T09:05:00Z", &["accept", &first]).ok();
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "resolve",
            &first,
            "-m",
            "Restarted.",
            "--closure",
            "config-change",
        ],
    )
    .ok();
    let run = repo
        .at("2026-11-24T09:40:00Z", &args("Refunds", "pay-gw-01"))
        .ok();
    assert!(!run.stderr.contains(&first), "{}", run.stderr);
}

#[test]
fn links_both_ways_parents_list_their_open_children_and_links_can_be_removed() {
    let repo = TestRepo::new();
    let parent = outage(&repo);
    let child = repo.declare(
        "2026-11-24T13:48:00Z",
        "ACME shop checkout down",
        "high",
        "medium",
        &["--client", "acme", "--force"],
    );
    let related = repo.declare(
        "2026-11-24T13:49:00Z",
        "Gateway latency",
        "medium",
        "medium",
        &["--force"],
    );
    repo.at("2026-11-24T13:51:00Z", &["accept", &child]).ok();
    let json = repo
        .at(
            "2026-11-24T13:55:00Z",
            &["--json", "link", &child, "--parent", &parent],
        )
        .ok()
        .json();
    assert_eq!(json["entry"]["relation"], "parent");
    assert_eq!(json["other"]["incident"], parent.as_str());
    assert_eq!(json["other"]["entry"]["relation"], "child");
    repo.at(
        "2026-11-24T13:56:00Z",
        &["link", &parent, "--related", &related],
    )
    .ok();
    let text = repo.run(&["show", &parent]).ok().stdout;
    assert!(text.contains(&format!("  the parent of {child}")), "{text}");
    assert!(text.contains(&format!("  related to {related}")), "{text}");
    let text = repo.run(&["show", &related]).ok().stdout;
    assert!(text.contains(&format!("  related to {parent}")), "{text}");

    let run = repo
        .at(
            RESOLVED,
            &[
                "resolve",
                &parent,
                "-m",
                "Gateway restarted.",
                "--closure",
                "config-change",
            ],
        )
        .ok();
    assert!(
        run.stderr.contains(&format!(
            "note: open child incidents, not resolved with it: {child} (accepted)"
        )),
        "{}",
        run.stderr
    );

    repo.at(
        "2026-11-24T14:15:00Z",
        &["link", &parent, "--related", &related, "--remove"],
    )
    .ok();
    assert_eq!(
        show(&repo, &related)["state"]["links"],
        Value::Array(vec![])
    );
    let links = show(&repo, &parent)["state"]["links"].clone();
    assert_eq!(links.as_array().unwrap().len(), 1, "{links:#}");
    refused(
        &repo,
        "2026-11-24T14:16:00Z",
        &["link", &parent, "--related", &related, "--remove"],
        "is not related to",
    );
    repo.run(&["validate"]).ok();
    repo.run(&["audit"]).ok();
}

#[test]
fn bad_links_are_refused_and_nothing_is_written() {
    let repo = TestRepo::new();
    let a = repo.declare("2026-11-24T09:00:00Z", "A down", "high", "high", &[]);
    let b = repo.declare("2026-11-24T09:01:00Z", "B down", "high", "high", &[]);
    let c = repo.declare("2026-11-24T09:02:00Z", "C down", "high", "high", &[]);
    let at = "2026-11-24T09:10:00Z";
    refused(
        &repo,
        at,
        &["link", &a, "--related", &a],
        &format!("cannot link {a} to itself"),
    );
    repo.at(at, &["link", &a, "--parent", &b]).ok();
    repo.at(at, &["link", &b, "--parent", &c]).ok();
    refused(
        &repo,
        at,
        &["link", &c, "--parent", &a],
        &format!(
            "{a} cannot be the parent of {c}: that makes a cycle of parents ({c} → {a} → {b} → {c}, each a child of the next)"
        ),
    );
    refused(
        &repo,
        at,
        &["link", &a, "--parent", &c],
        &format!("{a} has a parent already, {b}"),
    );
    repo.at(at, &["link", &b, "--duplicate-of", &c]).ok();
    refused(
        &repo,
        at,
        &["link", &a, "--duplicate-of", &b],
        &format!("{b} is itself a duplicate of {c}: mark {a} a duplicate of {c}"),
    );
    refused(
        &repo,
        at,
        &["reject", &a, "--duplicate-of", &a],
        &format!("cannot link {a} to itself"),
    );
    refused(
        &repo,
        at,
        &["link", &a, "--related", "2026-12-01-nothing"],
        "no incident `2026-12-01-nothing`",
    );
}

#[test]
fn bad_times_roles_and_handovers_are_refused_and_nothing_is_written() {
    let repo = TestRepo::new();
    fn declare<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "declare",
            "--title",
            "Checkout down",
            "--service",
            "Shop",
            "--impact",
            "high",
            "--urgency",
            "high",
        ];
        args.extend_from_slice(extra);
        args
    }
    refused(
        &repo,
        DECLARED,
        &declare(&["--impact-started", "2026-11-24T13:50:00Z"]),
        "--impact-started 2026-11-24T13:50:00Z is after the report (2026-11-24T13:46:00Z)",
    );
    refused(
        &repo,
        DECLARED,
        &declare(&["--impact-started", DETECTED, "--detected", IMPACT]),
        "--detected 2026-11-24T13:42:00Z is before --impact-started 2026-11-24T13:45:00Z",
    );
    misused(
        &repo,
        DECLARED,
        &declare(&["--detected", "13:45"]),
        "invalid value '13:45' for '--detected <TIME>'",
    );
    let id = outage(&repo);
    refused(
        &repo,
        "2026-11-24T13:44:00Z",
        &["milestone", &id, "--kind", "identified"],
        &format!(
            "milestone cannot happen at 2026-11-24T13:44:00Z: {id} was reported at 2026-11-24T13:46:00Z"
        ),
    );
    refused(
        &repo,
        "2026-11-24T14:00:00Z",
        &["handover", &id, "--to", "Alice Moreau", "-m", "x"],
        "Alice Moreau is the incident manager of",
    );
    refused(
        &repo,
        "2026-11-24T14:00:00Z",
        &["handover", &id, "--to", "Bob", "-m", "  "],
        "-m is empty",
    );
    let proposed = repo.declare(
        "2026-11-24T14:00:00Z",
        "Another",
        "high",
        "high",
        &["--force"],
    );
    refused(
        &repo,
        "2026-11-24T14:01:00Z",
        &["handover", &proposed, "--to", "Bob", "-m", "x"],
        "is not accepted yet, so there is no incident manager to hand over from",
    );
    resolve_workaround(&repo, &id, RESOLVED);
    refused(
        &repo,
        "2026-11-24T14:20:00Z",
        &["milestone", &id, "--kind", "mitigated"],
        "was resolved by then: `mitigated` is the partial recovery before the restoration",
    );
    // Backfilled to before the resolve, it is fine.
    repo.at(
        "2026-11-24T14:05:00Z",
        &["milestone", &id, "--kind", "mitigated"],
    )
    .ok();
}

#[test]
fn validate_flags_hand_edits_of_the_new_fields() {
    let repo = TestRepo::new();
    let id = outage(&repo);
    let record = format!("incidents/{id}/incident.yaml");
    let text = repo.read(&record).replace(
        "impact_started: 2026-11-24T13:42:00Z",
        "impact_started: 2026-11-24T14:42:00Z",
    );
    repo.write(&record, &text);
    let timeline = format!("incidents/{id}/timeline.yaml");
    let mut text = repo.read(&timeline);
    text.push_str("- {at: 2026-11-24T14:00:00Z, by: Sam, event: assign, role: dj, to: Eve}\n");
    text.push_str(
        "- {at: 2026-11-24T14:01:00Z, by: Sam, event: link, relation: related, other: \"../../etc\"}\n",
    );
    repo.write(&timeline, &text);
    let run = repo.run(&["validate"]).fails(1);
    for expected in [
        "impact_started 2026-11-24T14:42:00Z is after the report (2026-11-24T13:46:00Z)",
        "role `dj` is not under `roles` in mim.yaml",
        "`../../etc` is not an incident ID",
    ] {
        assert!(run.stdout.contains(expected), "{expected}:\n{}", run.stdout);
    }
}

#[test]
fn the_new_commands_are_in_the_man_page_and_the_completions() {
    let repo = TestRepo::new();
    let dir = repo.path("man");
    repo.run(&["man", "-o", dir.to_str().unwrap()]).ok();
    let mut man = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        man.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    // Dynamic completion, as the shells ask for it (`COMPLETE=fish mim -- mim …`).
    let complete = |words: &[&str]| -> String {
        let out = repo
            .cmd()
            .env("COMPLETE", "fish")
            .arg("--")
            .arg("mim")
            .args(words)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let commands = complete(&[""]);
    for word in ["milestone", "assign", "handover", "link"] {
        assert!(man.contains(word), "{word} missing from the man pages");
        assert!(
            commands.contains(word),
            "{word} missing from the completions"
        );
    }
    for word in ["impact\\-started", "duplicate\\-of"] {
        assert!(man.contains(word), "{word} missing from the man pages");
    }
    for (command, flag) in [
        ("declare", "--detected"),
        ("declare", "--impact-started"),
        ("milestone", "--kind"),
        ("assign", "--role"),
        ("link", "--parent"),
        ("link", "--related"),
        ("link", "--remove"),
        ("reject", "--duplicate-of"),
    ] {
        let flags = complete(&[command, "--"]);
        assert!(
            flags.contains(flag),
            "{flag} of {command} missing from the completions"
        );
    }
}
