//! One outage, many clients, afterwards: the KPI report counts the incident once and
//! each client's clocks, `--client` sees one client's; the PIR lists every client with
//! its restoration and records reviews held with one client; the site shows them all.

use serde_json::{Value, json};

use crate::common::TestRepo;
use crate::multi_client::{FRIDAY_17, client_clock, clocks, resolve, shared_p3, two_clients};

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
    // Restore times: one per incident, its own clock (each client's are in the compliance).
    let restore = &r["times"]["restore"]["P3"];
    assert_eq!(
        (&restore["count"], &restore["max_secs"]),
        (&json!(1), &json!(10_800))
    );
    // The row names both clients and carries each one's figures; its own restore figure
    // is the incident's own clock (here, in P3's business calendar, globex's too).
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
        "| ACME Corp | medium | P3 | 2026-11-27 17:00 UTC | 2026-11-27 19:00 UTC | 2h of 10h, met | 2h |",
        "| Globex | medium | P3 | 2026-11-27 17:00 UTC | 2026-11-30 10:00 UTC | 3h of 10h, met | 2d17h |",
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
            review_args(&id, "internal", &["--client", "acme"]),
            "client review",
        ),
    ] {
        let run = repo.at(MONDAY_NOON, &args).fails(1);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert_eq!(repo.snapshot(), before, "{args:?} changed files");
    }
    // A client mim.yaml does not know is a usage error.
    let run = repo
        .at(
            MONDAY_NOON,
            &review_args(&id, "client", &["--client", "umbrella"]),
        )
        .fails(2);
    assert!(
        run.stderr
            .contains("[possible values: acme, globex, initech]"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
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

/// Globex's contract: its people read times in New York, and at P1 it is owed a client
/// update every 30 minutes (the priority's own cadence is an hour).
pub(crate) fn with_globex_contract(repo: &TestRepo) {
    let config = repo.read("mim.yaml").replace(
        "  globex:\n    name: Globex\n",
        "  globex:\n    name: Globex\n    timezone: America/New_York\n    \
         priorities:\n      P1: {update_client: 30m}\n",
    );
    assert!(config.contains("update_client: 30m"));
    repo.config(&config);
}

/// Friday evening, every clock around the clock (P1): acme's payments fail from 16:30,
/// reported at 17:00; globex is found affected at 18:00; acme is restored at 19:00 and
/// the incident resolved at 20:00. Updates: to everyone at 17:20 (acme only, then) and
/// 18:10, to the client at 18:50.
///
/// The incident's own restore clock: 17:00–20:00 = 3h of P1's 4h; its outage 16:30–20:00
/// = 3h30m. acme's restore clock 17:00–19:00 = 2h (affected since 16:30: 2h30m); globex's
/// 18:00–20:00 = 2h (affected 2h).
pub(crate) fn staggered(repo: &TestRepo) -> String {
    with_globex_contract(repo);
    let id = repo.declare(
        FRIDAY_17,
        "Card payments failing",
        "high",
        "high",
        &[
            "--client",
            "acme",
            "--impact-started",
            "2026-11-27T16:30:00Z",
        ],
    );
    repo.at(
        "2026-11-27T17:05:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    )
    .ok();
    let update = |at: &str, audience: &str, text: &str| {
        repo.at(at, &["update", &id, "--audience", audience, "-m", text])
            .ok();
    };
    update(
        "2026-11-27T17:20:00Z",
        "all",
        "Card payments fail. We are investigating.",
    );
    repo.at(
        "2026-11-27T18:00:00Z",
        &[
            "affect",
            &id,
            "--client",
            "globex",
            "--reason",
            "Same gateway",
        ],
    )
    .ok();
    update(
        "2026-11-27T18:10:00Z",
        "all",
        "The payment gateway rejects requests. We are moving traffic to the standby.",
    );
    update(
        "2026-11-27T18:50:00Z",
        "client",
        "The standby gateway is being brought up.",
    );
    repo.at(
        "2026-11-27T19:00:00Z",
        &["affect", &id, "--client", "acme", "--restored"],
    )
    .ok();
    repo.at(
        "2026-11-27T20:00:00Z",
        &[
            "resolve",
            &id,
            "--closure",
            "config-change",
            "-m",
            "Traffic moved to the standby gateway.",
        ],
    )
    .ok();
    id
}

/// Saturday morning: every clock stopped.
const SATURDAY: &str = "2026-11-28T09:00:00Z";

fn client_of<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list:#}"))
        .iter()
        .find(|c| c["client"] == key)
        .unwrap_or_else(|| panic!("no {key} in {list:#}"))
}

#[test]
fn show_gives_the_incidents_own_restore_and_each_clients() {
    let repo = two_clients();
    let id = staggered(&repo);
    let check = repo.now(SATURDAY, &["check", "--format", "json"]).json();
    let acme = client_clock(&check, &id, "restore", "acme");
    let globex = client_clock(&check, &id, "restore", "globex");
    assert_eq!(
        (&acme["elapsed_s"], &globex["elapsed_s"]),
        (&json!(7_200), &json!(7_200))
    );

    let text = repo.now(SATURDAY, &["show", &id]).ok().stdout;
    let restore_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("to restore"))
        .unwrap_or_else(|| panic!("no restore line:\n{text}"));
    assert!(
        restore_line.contains(" 3h ") && restore_line.contains("incident"),
        "the incident's own clock (17:00–20:00), not a client's: {restore_line}\n{text}"
    );
    for line in [
        "ACME Corp  affected 2026-11-27 16:30 UTC, restored 2026-11-27 19:00 UTC after 2h30m; restore clock 2h of 4h, met",
        "Globex     affected 2026-11-27 18:00 UTC, restored 2026-11-27 20:00 UTC after 2h; restore clock 2h of 4h, met",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }

    let json = repo.now(SATURDAY, &["show", &id, "--json"]).json();
    assert_eq!(
        json["durations"]["time_to_restore"], 10_800,
        "{:#}",
        json["durations"]
    );
    assert_eq!(json["durations"]["outage"], 12_600);
    assert_eq!(
        json["restore"],
        json!({
            "used_s": 10_800,
            "target_s": 14_400,
            "state": "met",
            "started": "2026-11-27T17:00:00Z",
            "due": "2026-11-27T21:00:00Z",
            "stopped": "2026-11-27T20:00:00Z",
        })
    );
    let clients = &json["clients"];
    let acme_figures = client_of(clients, "acme");
    assert_eq!(acme_figures["affected_at"], "2026-11-27T16:30:00Z");
    assert_eq!(acme_figures["restored_at"], "2026-11-27T19:00:00Z");
    assert_eq!(acme_figures["restored_early"], true);
    assert_eq!(acme_figures["since_affected_s"], 9_000);
    assert_eq!(acme_figures["restore"]["used_s"], acme["elapsed_s"]);
    assert_eq!(acme_figures["restore"]["target_s"], acme["target_s"]);
    assert_eq!(acme_figures["restore"]["state"], acme["state"]);
    let globex_figures = client_of(clients, "globex");
    assert_eq!(globex_figures["affected_at"], "2026-11-27T18:00:00Z");
    assert_eq!(globex_figures["restored_at"], "2026-11-27T20:00:00Z");
    assert_eq!(globex_figures["restored_early"], false);
    assert_eq!(globex_figures["since_affected_s"], 7_200);
    assert_eq!(globex_figures["restore"]["used_s"], globex["elapsed_s"]);
    // `check` still reports each client's clock, and no restore clock of the incident's.
    assert!(
        clocks(&check, &id, "restore")
            .iter()
            .all(|c| c.get("client").is_some())
    );
}

#[test]
fn the_report_row_gives_the_incidents_own_restore_and_each_clients() {
    let repo = two_clients();
    let id = staggered(&repo);
    let r = repo.now(SATURDAY, &["report", "--format", "json"]).json();
    let row = &r["list"][0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["restore_secs"], 10_800, "the incident's own: {row:#}");
    assert_eq!(row["restore_target_secs"], 14_400);
    assert_eq!(row["durations"]["time_to_restore"], 10_800);
    assert_eq!(row["durations"]["outage"], 12_600);
    let acme = client_of(&row["per_client"], "acme");
    assert_eq!(acme["restore_secs"], 7_200);
    assert_eq!(acme["affected_at"], "2026-11-27T16:30:00Z");
    assert_eq!(acme["restored_at"], "2026-11-27T19:00:00Z");
    assert_eq!(acme["since_affected_secs"], 9_000);
    let globex = client_of(&row["per_client"], "globex");
    assert_eq!(globex["restore_secs"], 7_200);
    assert_eq!(globex["since_affected_secs"], 7_200);
    // The per-client figures are in the Markdown and CSV too.
    let md = repo.now(SATURDAY, &["report"]).ok().stdout;
    assert!(
        md.contains(&format!(
            "| {id} (ACME Corp) | 2026-11-27 16:30 UTC | 2026-11-27 19:00 UTC | 2h30m | 5m | 2h | 4h |"
        )),
        "{md}"
    );
    let csv = repo
        .now(SATURDAY, &["report", "--format", "csv"])
        .ok()
        .stdout;
    assert!(
        csv.contains(&format!(
            "incidents,Incidents by client,{id} (ACME Corp),Restore,7200,seconds"
        )),
        "{csv}"
    );
}

#[test]
fn a_report_for_one_client_has_its_figures_and_never_the_providers_own_clocks() {
    let repo = two_clients();
    staggered(&repo);
    for (key, outage, restore) in [("acme", 9_000, 7_200), ("globex", 7_200, 7_200)] {
        let r = repo
            .now(SATURDAY, &["report", "--format", "json", "--client", key])
            .json();
        let row = &r["list"][0];
        assert_eq!(row["restore_secs"], restore, "{key}: {row:#}");
        assert_eq!(
            row["durations"]["outage"], outage,
            "{key}'s own outage, from when it was affected: {row:#}"
        );
        assert_eq!(r["times"]["outage"]["P1"]["max_secs"], outage, "{key}");
        // The internal update cadence is ours, not the client's: not in its report.
        assert!(
            row["sla"].get("update-internal").is_none(),
            "{key}: {row:#}"
        );
        assert!(
            r["sla"]["overall"].get("update-internal").is_none(),
            "{key}: {:#}",
            r["sla"]
        );
    }
    // The whole report counts the internal cadence once, for the provider: under no client.
    let r = repo.now(SATURDAY, &["report", "--format", "json"]).json();
    assert_eq!(
        r["sla"]["overall"]["update-internal"]["breached"], 1,
        "{:#}",
        r["sla"]
    );
    assert!(
        r["sla"]["by_client"].get("update-internal").is_none(),
        "{:#}",
        r["sla"]
    );
}

#[test]
fn the_pir_gives_the_incidents_restore_and_each_client_its_row_and_cadence() {
    let repo = two_clients();
    let id = staggered(&repo);
    repo.at(
        "2026-11-28T08:00:00Z",
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
    let out = repo.at(SATURDAY, &["pir", "report", &id]).ok().stdout;
    let report = repo.read(out.trim());
    for line in [
        "| Time to restore | 3h |",
        "| Restore time excluding hold | 3h |",
        "| ACME Corp | high | P1 | 2026-11-27 16:30 UTC | 2026-11-27 19:00 UTC | 2h of 4h, met | 2h30m |",
        "| Globex | high | P1 | 2026-11-27 18:00 UTC | 2026-11-27 20:00 UTC | 2h of 4h, met | 2h |",
        "| internal | Example MSP | 2 | every 30m |",
        "| client | ACME Corp | 3 | every 1h |",
        "| client | Globex | 2 | every 30m |",
        "| client-management | ACME Corp | 2 | none set |",
        "| client-management | Globex | 1 | none set |",
    ] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
    // Each client's cadence held or not by its own clock: acme's was, globex's not.
    assert!(
        report.contains("| client | ACME Corp | 3 | every 1h | 50m | yes |"),
        "{report}"
    );
    assert!(
        report.contains("| client | Globex | 2 | every 30m | 1h10m | no |"),
        "{report}"
    );
}
