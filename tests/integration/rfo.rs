//! The client's incident report (RFO): `mim pir report ID --client C` gives client C its
//! own figures, the cause and fix in its words, what it was told, and what was committed
//! to it; and nothing of the other clients or of our internals.

use serde_json::Value;

use crate::common::TestRepo;
use crate::multi_client::{FRIDAY_17, client_clock, two_clients};
use crate::multi_client_reports::with_globex_contract;

const SATURDAY: &str = "2026-11-28T09:00:00Z";

/// What no client's report may contain: our people, the vendor, its case, the bridge,
/// the problem ticket, the internal note and the reasons written for colleagues.
const INTERNAL: &[&str] = &[
    "Sam Patel",
    "Alice Moreau",
    "Ravi Kumar",
    "Tom Okafor",
    "Dana Reyes",
    "Gateway Vendor Ltd",
    "CASE-7781",
    "https://meet.msp.example/payments",
    "PRB-1042",
    "pay-gw-01 certificate chain broken after the 16:25 rotation",
    "Certificate rejected by the gateway",
    "Traffic moved to gw-02 by hand",
    "Rehearse the gateway failover",
];

/// A P1 for acme (affected from 16:30, reported 17:00) that reaches globex's webshop at
/// 18:00; acme restored at 19:00, the incident resolved at 20:00 on a workaround; the
/// PIR started with an action for both clients, one for globex alone and one of ours;
/// a review held with acme. Restore clocks: acme 17:00–19:00 = 2h, globex 18:00–20:00
/// = 2h, both of P1's 4h.
fn outage(repo: &TestRepo) -> String {
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
    let run = |at: &str, args: &[&str]| {
        repo.at(at, args).ok();
    };
    run(
        "2026-11-27T17:05:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    );
    run(
        "2026-11-27T17:06:00Z",
        &[
            "assign",
            &id,
            "--role",
            "technical-lead",
            "--to",
            "Ravi Kumar",
        ],
    );
    run(
        "2026-11-27T17:08:00Z",
        &[
            "plan",
            &id,
            "--bridge",
            "https://meet.msp.example/payments",
            "--workstream",
            "failover:Tom Okafor:Gateway Vendor Ltd",
        ],
    );
    run(
        "2026-11-27T17:10:00Z",
        &[
            "--by",
            "Tom Okafor",
            "escalate",
            &id,
            "--kind",
            "vendor",
            "--to",
            "Gateway Vendor Ltd",
            "--ref",
            "CASE-7781",
            "--reason",
            "Certificate rejected by the gateway",
        ],
    );
    run(
        "2026-11-27T17:12:00Z",
        &[
            "escalate",
            &id,
            "--kind",
            "management",
            "--to",
            "Dana Reyes",
        ],
    );
    run(
        "2026-11-27T17:15:00Z",
        &[
            "--by",
            "Tom Okafor",
            "note",
            &id,
            "pay-gw-01 certificate chain broken after the 16:25 rotation",
        ],
    );
    let update = |at: &str, audience: &str, text: &str| {
        run(at, &["update", &id, "--audience", audience, "-m", text]);
    };
    update(
        "2026-11-27T17:20:00Z",
        "all",
        "Card payments fail. We are investigating.",
    );
    run(
        "2026-11-27T18:00:00Z",
        &[
            "affect",
            &id,
            "--client",
            "globex",
            "--service",
            "Globex Webshop",
            "--reason",
            "Same gateway",
        ],
    );
    update(
        "2026-11-27T18:10:00Z",
        "all",
        "The payment gateway rejects requests. We are moving traffic to our standby systems.",
    );
    run(
        "2026-11-27T18:20:00Z",
        &[
            "milestone",
            &id,
            "--kind",
            "identified",
            "-m",
            "expired intermediate on pay-gw-01",
        ],
    );
    update(
        "2026-11-27T18:50:00Z",
        "client",
        "The standby systems are being brought up.",
    );
    run(
        "2026-11-27T19:00:00Z",
        &[
            "affect",
            &id,
            "--client",
            "acme",
            "--restored",
            "--client-message",
            "Card payments work again through our standby systems.",
        ],
    );
    run(
        "2026-11-27T20:00:00Z",
        &[
            "resolve",
            &id,
            "--closure",
            "workaround",
            "--workaround",
            "--problem",
            "PRB-1042",
            "-m",
            "Traffic moved to gw-02 by hand",
            "--client-message",
            "Payments work again through our standby systems.",
        ],
    );
    run(
        "2026-11-28T08:00:00Z",
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
    let action = |text: &str, owner: &str, extra: &[&str]| {
        let mut args = vec!["pir", "action", "add", &id, text, "--owner", owner];
        args.extend_from_slice(extra);
        repo.at("2026-11-28T08:10:00Z", &args).ok();
    };
    action(
        "Monitor the expiry of every certificate of the payment gateway",
        "Ravi Kumar",
        &[
            "--kind",
            "technical",
            "--client",
            "acme",
            "--client",
            "globex",
        ],
    );
    action("Rehearse the gateway failover", "Alice Moreau", &[]);
    action(
        "Update the webshop's pinned certificate list",
        "Globex IT",
        &["--kind", "client", "--client", "globex"],
    );
    run(
        "2026-11-28T08:40:00Z",
        &[
            "pir",
            "review",
            &id,
            "client",
            "--client",
            "acme",
            "--held-at",
            "2026-11-28T08:30:00Z",
            "--attendees",
            "Dana Reyes, ACME CIO",
            "--feedback",
            "ACME accepted the monitoring.",
        ],
    );
    id
}

/// `pir.md` with its client summary written.
fn write_client_summary(repo: &TestRepo, id: &str) {
    let path = format!("incidents/{id}/pir.md");
    let text = repo
        .read(&path)
        .replace(
            "### Cause\n",
            "### Cause\n\nA security certificate of the payment gateway expired, so card payments were refused.\n",
        )
        .replace(
            "### Fix\n",
            "### Fix\n\nWe moved payments to our standby systems, then renewed the certificate.\n",
        );
    repo.write(&path, &text);
}

fn rfo(repo: &TestRepo, id: &str, client: &str) -> String {
    let out = repo
        .at(SATURDAY, &["pir", "report", id, "--client", client])
        .ok()
        .stdout;
    assert_eq!(out.trim(), format!("incidents/{id}/rfo-{client}.md"));
    repo.read(out.trim())
}

/// `2h`, `2h30m`, as the report writes a duration of whole minutes.
fn human(secs: i64) -> String {
    let (h, m) = (secs / 3600, secs % 3600 / 60);
    match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m:02}m"),
    }
}

#[test]
fn each_client_reads_its_own_report_and_nothing_of_the_other_or_of_ours() {
    let repo = two_clients();
    let id = outage(&repo);
    write_client_summary(&repo, &id);
    for (key, name, other, other_service) in [
        ("acme", "ACME Corp", "Globex", "Globex Webshop"),
        ("globex", "Globex", "ACME", "Payments API"),
    ] {
        let report = rfo(&repo, &id, key);
        assert!(report.contains(&format!("- **For:** {name}")), "{report}");
        for leak in INTERNAL.iter().chain([&other, &other_service]) {
            assert!(
                !report.contains(leak),
                "{key}'s report shows `{leak}`:\n{report}"
            );
        }
        assert!(
            !report.to_lowercase().contains(&other.to_lowercase()),
            "{report}"
        );
        // Its own restore figure: what `check --client` reports for its restore clock.
        let check = repo
            .now(SATURDAY, &["check", "--format", "json", "--client", key])
            .json();
        let clock = client_clock(&check, &id, "restore", key);
        let (used, target) = (
            clock["elapsed_s"].as_i64().unwrap(),
            clock["target_s"].as_i64().unwrap(),
        );
        assert_eq!(clock["state"], "met");
        let figure = format!(
            "**Restore time:** {} of the {} restore target in your contract, met.",
            human(used),
            human(target)
        );
        assert!(report.contains(&figure), "{figure} missing:\n{report}");
        // The cause and the fix in the client's words.
        assert!(report.contains("A security certificate of the payment gateway expired"));
        assert!(report.contains("We moved payments to our standby systems"));
        // The action committed to both, never ours alone.
        assert!(report.contains("Monitor the expiry of every certificate of the payment gateway"));
    }
    let acme = repo.read(&format!("incidents/{id}/rfo-acme.md"));
    let globex = repo.read(&format!("incidents/{id}/rfo-globex.md"));
    // Each its own service and window, in its own time zone.
    assert!(
        acme.contains("- **Service:** Payments API (high impact)"),
        "{acme}"
    );
    assert!(
        acme.contains("Payments API was affected from 2026-11-27 16:30 UTC until 2026-11-27 19:00 UTC, when it was restored: 2h30m in all."),
        "{acme}"
    );
    assert!(
        globex.contains("- **Service:** Globex Webshop (high impact)"),
        "{globex}"
    );
    assert!(
        globex.contains("Globex Webshop was affected from 2026-11-27 13:00 EST until 2026-11-27 15:00 EST, when it was restored with a temporary workaround: 2h in all."),
        "{globex}"
    );
    // What each was told: acme its own restoral notice, globex the resolve's.
    assert!(
        acme.contains("Card payments work again through our standby systems."),
        "{acme}"
    );
    assert!(
        globex.contains("Payments work again through our standby systems."),
        "{globex}"
    );
    assert!(!globex.contains("Card payments work again"), "{globex}");
    // acme's first update went before globex was affected: globex was not told it.
    assert!(
        acme.contains("Card payments fail. We are investigating."),
        "{acme}"
    );
    assert!(!globex.contains("We are investigating."), "{globex}");
    // The client's own action item is globex's alone; the review was acme's.
    assert!(
        globex.contains("Update the webshop's pinned certificate list (yours to do"),
        "{globex}"
    );
    assert!(!acme.contains("pinned certificate"), "{acme}");
    assert!(
        acme.contains("We reviewed this incident with you on 2026-11-28."),
        "{acme}"
    );
    assert!(!globex.contains("We reviewed this incident"), "{globex}");
    insta::assert_snapshot!("rfo_acme_md", acme);
}

#[test]
fn the_report_needs_the_client_summary_and_an_affected_client() {
    let repo = two_clients();
    let id = outage(&repo);
    let before = repo.snapshot();
    let run = repo
        .at(SATURDAY, &["pir", "report", &id, "--client", "acme"])
        .fails(1);
    assert!(
        run.stderr
            .contains(&format!("incidents/{id}/pir.md has no client summary")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("### Cause"), "{}", run.stderr);
    assert!(run.stderr.contains("### Fix"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before, "nothing written");
    write_client_summary(&repo, &id);
    // A client of mim.yaml's that the incident never affected (one mim.yaml does not
    // know is a usage error: tests/integration/arguments.rs).
    let config = repo.read("mim.yaml").replace(
        "  globex:\n    name: Globex\n",
        "  initech:\n    name: Initech\n  globex:\n    name: Globex\n",
    );
    repo.config(&config);
    let run = repo
        .at(SATURDAY, &["pir", "report", &id, "--client", "initech"])
        .fails(1);
    assert!(run.stderr.contains("never affected"), "{}", run.stderr);
    let run = repo
        .at(
            SATURDAY,
            &[
                "pir", "action", "add", &id, "Do it", "--owner", "Bob", "--client", "initech",
            ],
        )
        .fails(1);
    assert!(run.stderr.contains("never affected"), "{}", run.stderr);
    // The HTML report too.
    let out = repo
        .at(
            SATURDAY,
            &[
                "pir", "report", &id, "--client", "globex", "--format", "html",
            ],
        )
        .ok()
        .stdout;
    assert_eq!(out.trim(), format!("incidents/{id}/rfo-globex.html"));
    let html = repo.read(out.trim());
    assert!(
        html.contains("<h1>Incident report: Card payments failing</h1>"),
        "{html}"
    );
    assert!(!html.contains("ACME"), "{html}");
    // Committed, and the second run has nothing to do.
    assert!(repo.log_whole()[0].contains("incident report for globex rendered (rfo-globex.html)"));
    let again = repo
        .at(
            SATURDAY,
            &[
                "pir", "report", &id, "--client", "globex", "--format", "html",
            ],
        )
        .ok();
    assert!(again.stderr.contains("is up to date"), "{}", again.stderr);
}

#[test]
fn a_summary_that_names_what_the_client_must_not_read_is_refused() {
    let repo = two_clients();
    let id = outage(&repo);
    write_client_summary(&repo, &id);
    let path = format!("incidents/{id}/pir.md");
    let text = repo.read(&path).replace(
        "then renewed the certificate.",
        "then Tom Okafor renewed the certificate (case CASE-7781), as for Globex.",
    );
    repo.write(&path, &text);
    let before = repo.snapshot();
    let run = repo
        .at(SATURDAY, &["pir", "report", &id, "--client", "acme"])
        .fails(1);
    for what in [
        "`Tom Okafor` (one of our people) in fix",
        "`CASE-7781` (a vendor case reference) in fix",
        "`Globex` (another client) in fix",
    ] {
        assert!(run.stderr.contains(what), "{what}: {}", run.stderr);
    }
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn an_action_committed_to_a_client_is_recorded_and_validated() {
    let repo = two_clients();
    let id = outage(&repo);
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert!(
        timeline.contains(r#"clients: ["acme", "globex"]"#),
        "{timeline}"
    );
    let shown: Value = repo.now(SATURDAY, &["show", &id, "--json"]).json();
    let actions = shown["pir"]["actions"].as_array().unwrap();
    assert_eq!(actions[0]["clients"], serde_json::json!(["acme", "globex"]));
    assert!(actions[1].get("clients").is_none());
    repo.now(SATURDAY, &["validate"]).ok();
    // One written by hand for a client the incident never affected.
    let path = format!("incidents/{id}/timeline.yaml");
    let line = r#"- {at: 2026-11-28T08:50:00Z, by: "Sam Patel", event: pir-action, clients: ["initech"], due: "2026-12-12", id: "A9-zzz", kind: process, owner: "Bob", text: "Call them"}"#;
    repo.write(&path, &format!("{timeline}{line}\n"));
    let run = repo.now(SATURDAY, &["validate"]).fails(1);
    assert!(
        run.stdout.contains(
            "PIR action A9-zzz is for client `initech`, which this incident never affected"
        ),
        "{}{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn the_rfo_template_is_listed_and_can_be_overridden() {
    let repo = two_clients();
    let id = outage(&repo);
    write_client_summary(&repo, &id);
    let list = repo.run(&["templates", "list"]).ok().stdout;
    assert!(list.contains("rfo.md"), "{list}");
    repo.write(
        "templates/rfo.md",
        "{{ client }}: {{ restore.used }} of {{ restore.target }}\n",
    );
    repo.now(SATURDAY, &["validate"]).ok();
    let report = rfo(&repo, &id, "acme");
    assert_eq!(report, "ACME Corp: 2h of 4h\n");
    // An override may show only what the report is given.
    repo.write("templates/rfo.md", "{{ incident.manager }}\n");
    let run = repo.now(SATURDAY, &["validate"]).fails(1);
    assert!(
        run.stdout.contains("templates/rfo.md"),
        "{}{}",
        run.stdout,
        run.stderr
    );
}
