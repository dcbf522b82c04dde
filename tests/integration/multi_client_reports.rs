//! One outage, many clients, afterwards: the KPI report counts the incident once and
//! each client's clocks, `--client` sees one client's; the PIR lists every client with
//! its restoration and records reviews held with one client; the site shows them all.

use serde_json::{Value, json};

use crate::common::TestRepo;
use crate::multi_client::{FRIDAY_17, client_clock, resolve, shared_p3, two_clients};

/// Monday 30 November, after the resolve (10:00Z) and the PIR's start.
const MONDAY_NOON: &str = "2026-11-30T12:00:00Z";

/// The shared P3 of acme (24x7) and globex (business hours): acme restored on Friday at
/// 19:00, the incident resolved on Monday at 10:00. Restore clocks: acme 17:00–19:00 =
/// 2h; globex Friday 17:00–18:00 and Monday 08:00–10:00 = 3h.
fn restored_for_both(repo: &TestRepo) -> String {
    let id = shared_p3(repo);
    repo.at(
        "2026-11-27T19:00:00Z",
        &["affect", &id, "--client", "acme", "--restored"],
    )
    .ok();
    resolve(repo, &id, "2026-11-30T10:00:00Z");
    id
}

fn report(repo: &TestRepo, extra: &[&str]) -> Value {
    let mut args = vec!["report", "--format", "json"];
    args.extend_from_slice(extra);
    repo.now(MONDAY_NOON, &args).json()
}

fn compliance(r: &Value, rule: &str) -> (u64, u64, u64) {
    let c = &r["sla"]["overall"][rule];
    (
        c["met"].as_u64().unwrap(),
        c["breached"].as_u64().unwrap(),
        c["open"].as_u64().unwrap(),
    )
}

fn clock_total(r: &Value, rule: &str) -> u64 {
    let (met, breached, open) = compliance(r, rule);
    met + breached + open
}

#[test]
fn report_for_one_client_counts_the_incident_with_that_clients_clocks() {
    let repo = two_clients();
    let id = restored_for_both(&repo);
    let check = repo.now(MONDAY_NOON, &["check", "--format", "json"]).json();
    let globex_restore = client_clock(&check, &id, "restore", "globex")["elapsed_s"].clone();
    let acme_restore = client_clock(&check, &id, "restore", "acme")["elapsed_s"].clone();
    assert_eq!(
        (&globex_restore, &acme_restore),
        (&json!(10_800), &json!(7_200))
    );

    let r = report(&repo, &["--client", "globex"]);
    assert_eq!(r["incidents"], 1, "{r:#}");
    let row = &r["list"][0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["client"], "globex");
    assert_eq!(
        row["clients"],
        json!(["globex"]),
        "no other client: {row:#}"
    );
    assert_eq!(
        row["restore_secs"], globex_restore,
        "globex's clock: {row:#}"
    );
    assert_eq!(row["restore_target_secs"], 36_000);
    assert_eq!(r["times"]["restore"]["P3"]["count"], 1);
    assert_eq!(r["times"]["restore"]["P3"]["max_secs"], globex_restore);
    // One restore clock, globex's, and only globex in the breakdowns.
    assert_eq!(compliance(&r, "restore"), (1, 0, 0), "{:#}", r["sla"]);
    assert_eq!(clock_total(&r, "respond"), 1);
    assert_eq!(r["counts"]["client"], json!({"globex": 1}));
    assert!(r["sla"]["by_client"]["restore"].get("acme").is_none());
    let md = repo
        .now(MONDAY_NOON, &["report", "--client", "globex"])
        .ok();
    assert!(!md.out().contains("ACME"), "{}", md.out());
    assert!(md.out().contains("| Globex |"), "{}", md.out());

    // And acme's report sees acme's clock.
    let r = report(&repo, &["--client", "acme"]);
    assert_eq!(r["incidents"], 1);
    assert_eq!(r["list"][0]["restore_secs"], acme_restore);
}

#[test]
fn the_totals_count_one_incident_and_a_clock_per_client() {
    let repo = two_clients();
    let id = restored_for_both(&repo);
    let r = report(&repo, &[]);
    assert_eq!(r["incidents"], 1, "{r:#}");
    assert_eq!(r["counts"]["priority"]["P3"], 1);
    assert_eq!(r["counts"]["status"]["resolved"], 1);
    assert_eq!(r["counts"]["closure_code"], json!({"config-change": 1}));
    assert_eq!(r["per_week"].as_array().unwrap().len(), 1);
    assert_eq!(r["per_week"][0]["count"], 1);
    // A breakdown by client counts it under each client it affected.
    assert_eq!(r["counts"]["client"], json!({"acme": 1, "globex": 1}));
    // Compliance: each client's respond and restore clock; the provider's updates once.
    assert_eq!(compliance(&r, "restore"), (2, 0, 0), "{:#}", r["sla"]);
    assert_eq!(clock_total(&r, "respond"), 2);
    assert_eq!(clock_total(&r, "update-client"), 2);
    assert_eq!(clock_total(&r, "update-internal"), 1);
    let by_client = &r["sla"]["by_client"]["restore"];
    assert_eq!(by_client["acme"]["met"], 1, "{by_client:#}");
    assert_eq!(by_client["globex"]["met"], 1);
    assert_eq!(r["sla"]["by_priority"]["restore"]["P3"]["met"], 2);
    // Restore times: one per clock.
    let restore = &r["times"]["restore"]["P3"];
    assert_eq!(
        (&restore["count"], &restore["max_secs"]),
        (&json!(2), &json!(10_800))
    );
    // The row names both clients and carries each one's figures; its own restore figure
    // is the longest of theirs.
    let row = &r["list"][0];
    assert_eq!(row["clients"], json!(["acme", "globex"]));
    assert_eq!(row["client"], Value::Null);
    assert_eq!(row["restore_secs"], 10_800);
    let per_client = row["per_client"].as_array().expect("per_client");
    let restore_of = |key: &str| {
        per_client
            .iter()
            .find(|c| c["client"] == key)
            .map(|c| c["restore_secs"].clone())
    };
    assert_eq!(restore_of("acme"), Some(json!(7_200)));
    assert_eq!(restore_of("globex"), Some(json!(10_800)));
    let md = repo.now(MONDAY_NOON, &["report"]).ok();
    assert!(md.out().contains("| ACME Corp, Globex |"), "{}", md.out());
    assert!(md.out().contains(&id), "{}", md.out());
}

#[test]
fn recurrence_treats_each_listed_client_and_service() {
    let repo = two_clients();
    // Both clients, two services, resolved on Friday.
    let first = repo.declare(
        FRIDAY_17,
        "Mail and payments down",
        "medium",
        "medium",
        &[
            "--service",
            "Email",
            "--client",
            "acme",
            "--client",
            "globex",
        ],
    );
    repo.at(
        "2026-11-27T17:05:00Z",
        &["accept", &first, "--manager", "Alice Moreau"],
    )
    .ok();
    repo.at(
        "2026-11-27T18:00:00Z",
        &[
            "resolve",
            &first,
            "--closure",
            "config-change",
            "-m",
            "Fixed.",
        ],
    )
    .ok();
    // globex alone (the second client), the second service: it recurs the first.
    let again = |at: &str, title: &str, service: &str, client: &str| {
        let args = [
            "declare",
            "--title",
            title,
            "--service",
            service,
            "--client",
            client,
            "--impact",
            "medium",
            "--urgency",
            "medium",
        ];
        repo.at(at, &args).ok().out().to_string()
    };
    let second = again("2026-11-28T09:00:00Z", "Mail down again", "Email", "globex");
    let third = again("2026-11-28T10:00:00Z", "DNS down", "DNS", "globex");
    let r = report(&repo, &[]);
    let recurs = |id: &str| {
        r["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["id"] == id)
            .map(|row| row["recurs"].clone())
            .unwrap()
    };
    assert_eq!(recurs(&second), json!(first), "{:#}", r["recurrence"]);
    assert_eq!(recurs(&third), Value::Null);
    assert_eq!(recurs(&first), Value::Null);
}

/// [`restored_for_both`] with a PIR started and one action item.
fn with_pir(repo: &TestRepo) -> String {
    let id = restored_for_both(repo);
    repo.at(
        "2026-11-30T11:00:00Z",
        &[
            "pir",
            "start",
            &id,
            "--reason",
            "management",
            "--facilitator",
            "Dana Whit",
        ],
    )
    .ok();
    repo.at(
        "2026-11-30T11:05:00Z",
        &[
            "pir",
            "action",
            "add",
            &id,
            "Monitor the relay's queue",
            "--owner",
            "Bob Lee",
        ],
    )
    .ok();
    id
}

fn review_args<'a>(id: &'a str, session: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "pir",
        "review",
        id,
        session,
        "--held-at",
        "2026-11-30T11:30:00Z",
        "--attendees",
        "Dana Whit, ACME CIO",
        "--feedback",
        "ACME wants the relay monitored.",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn the_pir_report_lists_each_client_with_its_restoration() {
    let repo = two_clients();
    let id = with_pir(&repo);
    let out = repo
        .at(MONDAY_NOON, &["pir", "report", &id])
        .ok()
        .out()
        .to_string();
    let report = repo.read(&out);
    for line in [
        "| ACME Corp | medium | 2026-11-27 17:00 UTC | 2026-11-27 19:00 UTC | 2h |",
        "| Globex | medium | 2026-11-27 17:00 UTC | 2026-11-30 10:00 UTC | 3h |",
    ] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
}

#[test]
fn a_client_review_is_recorded_for_one_client() {
    let repo = two_clients();
    let config = repo.read("mim.yaml").replace(
        "  globex:\n    name: Globex\n",
        "  initech:\n    name: Initech\n  globex:\n    name: Globex\n",
    );
    repo.config(&config);
    let id = with_pir(&repo);
    let before = repo.snapshot();
    for (args, expected) in [
        (
            review_args(&id, "client", &["--client", "initech"]),
            "never affected",
        ),
        (
            review_args(&id, "client", &["--client", "umbrella"]),
            "never affected",
        ),
        (
            review_args(&id, "internal", &["--client", "acme"]),
            "client review",
        ),
    ] {
        let run = repo.at(MONDAY_NOON, &args).fails(1);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert_eq!(repo.snapshot(), before, "{args:?} changed files");
    }
    repo.at(
        MONDAY_NOON,
        &review_args(&id, "client", &["--client", "acme", "--adopted", "A1"]),
    )
    .ok();
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert!(timeline.contains("client: acme"), "{timeline}");
    let out = repo
        .at("2026-11-30T12:10:00Z", &["pir", "report", &id])
        .ok()
        .out()
        .to_string();
    let report = repo.read(&out);
    assert!(
        report.contains("### Client review with ACME Corp, 2026-11-30 11:30 UTC"),
        "{report}"
    );
    assert!(report.contains("_(adopted by ACME Corp)_"), "{report}");
    assert!(
        report.contains("Client adoption of recommendations: 1 of 1 (ACME Corp 1 of 1)."),
        "{report}"
    );
    // Adoption per client in the KPI report: acme adopted A1, globex held no review.
    let kpi = |extra: &[&str]| {
        let mut args = vec!["report", "--format", "json"];
        args.extend_from_slice(extra);
        repo.now("2026-11-30T12:10:00Z", &args).json()["pir"]["adoption"].clone()
    };
    assert_eq!(kpi(&[])["count"], 1);
    assert_eq!(kpi(&[])["total"], 1);
    assert_eq!(kpi(&["--client", "acme"])["total"], 1);
    assert_eq!(kpi(&["--client", "globex"])["total"], 0);
}

#[test]
fn the_site_shows_every_affected_client_and_each_page_only_its_own() {
    let repo = two_clients();
    let id = restored_for_both(&repo);
    repo.now(MONDAY_NOON, &["site", "-o", "public"]).ok();
    let overview = repo.read("public/index.html");
    assert!(overview.contains("ACME Corp, Globex"), "{overview}");
    for (key, other) in [("acme", "Globex"), ("globex", "ACME")] {
        let page = repo.read(&format!("public/{key}/index.html"));
        assert!(page.contains(&id), "{key}: {page}");
        assert!(!page.contains(other), "{key} names {other}: {page}");
        let feed = repo.read(&format!("public/{key}/feed.xml"));
        assert!(feed.contains(&id), "{key}: {feed}");
        assert!(!feed.contains(other), "{key} feed names {other}: {feed}");
    }
    // Each page shows when its own client was restored.
    let acme = repo.read("public/acme/index.html");
    assert!(acme.contains("2026-11-27 19:00"), "{acme}");
}
