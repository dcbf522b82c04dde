//! One outage, many clients: each affected client's SLA clocks from when it was
//! affected, in its own calendar, with its own targets, until it was restored.

use serde_json::Value;

use crate::common::TestRepo;

/// Friday 27 November 2026, 17:00 in London (UTC in winter).
pub(crate) const FRIDAY_17: &str = "2026-11-27T17:00:00Z";

/// The default configuration with `acme` on a 24x7 calendar and `globex` on none of its
/// own (so the `business` calendar: Mon–Fri 08:00–18:00 Europe/London).
pub(crate) fn two_clients() -> TestRepo {
    let repo = TestRepo::new();
    let config = repo
        .read("mim.yaml")
        .replace(
            "    calendar: acme-hours              # replaces `business` for this client's incidents\n",
            "    calendar: 24x7\n",
        )
        .replace(
            "      end_users: [all-staff@acme.example]\n",
            "      end_users: [all-staff@acme.example]\n  \
             globex:\n    name: Globex\n    contacts:\n      client: [ops@globex.example]\n      \
             management: [cto@globex.example]\n      end_users: [staff@globex.example]\n",
        );
    assert!(config.contains("globex:") && config.contains("calendar: 24x7"));
    repo.config(&config);
    repo
}

/// A P3 (medium impact, medium urgency: restore 10h, calendar `business`) for both.
pub(crate) fn shared_p3(repo: &TestRepo) -> String {
    let id = repo.declare(
        FRIDAY_17,
        "Shared mail relay down",
        "medium",
        "medium",
        &["--client", "acme", "--client", "globex"],
    );
    repo.at(
        "2026-11-27T17:10:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    )
    .ok();
    id
}

/// A status update to `audience` at `at`.
fn update_to(repo: &TestRepo, id: &str, at: &str, audience: &str, text: &str) {
    repo.at(at, &["update", id, "--audience", audience, "-m", text])
        .ok();
}

/// Resolve the shared incident at `at`.
pub(crate) fn resolve(repo: &TestRepo, id: &str, at: &str) {
    repo.at(
        at,
        &[
            "resolve",
            id,
            "--closure",
            "config-change",
            "-m",
            "Relay configuration corrected.",
        ],
    )
    .ok();
}

pub(crate) fn clocks<'a>(report: &'a Value, id: &str, rule: &str) -> Vec<&'a Value> {
    report["clocks"][id]
        .as_array()
        .unwrap_or_else(|| panic!("no clocks for {id}: {report:#}"))
        .iter()
        .filter(|c| c["rule"] == rule)
        .collect()
}

pub(crate) fn client_clock<'a>(report: &'a Value, id: &str, rule: &str, client: &str) -> &'a Value {
    clocks(report, id, rule)
        .into_iter()
        .find(|c| c["client"] == client)
        .unwrap_or_else(|| panic!("no {rule} clock for {client}: {report:#}"))
}

#[test]
fn each_client_has_its_own_restore_clock_in_its_own_calendar() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    let report = repo
        .now("2026-11-27T18:30:00Z", &["check", "--format", "json"])
        .json();
    let restore = clocks(&report, &id, "restore");
    assert_eq!(restore.len(), 2, "one restore clock per client: {report:#}");
    let acme = client_clock(&report, &id, "restore", "acme");
    let globex = client_clock(&report, &id, "restore", "globex");
    assert_eq!(acme["due"], "2026-11-28T03:00:00Z", "acme: 24x7, 10h");
    assert_eq!(
        globex["due"], "2026-11-30T17:00:00Z",
        "globex: business hours"
    );
    assert_eq!(acme["target_s"], 36_000);
    // Each client's respond and client-update clocks too; the provider's own once.
    assert_eq!(clocks(&report, &id, "respond").len(), 2);
    assert_eq!(clocks(&report, &id, "update-client").len(), 2);
    let internal = clocks(&report, &id, "update-internal");
    assert_eq!(internal.len(), 1);
    assert!(internal[0].get("client").is_none());
}

#[test]
fn a_client_restored_early_stops_its_own_clock_only() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    repo.at(
        "2026-11-27T19:00:00Z",
        &["affect", &id, "--client", "acme", "--restored"],
    )
    .ok();
    resolve(&repo, &id, "2026-11-30T09:00:00Z");
    let report = repo
        .now("2026-11-30T10:00:00Z", &["check", "--format", "json"])
        .json();
    let acme = client_clock(&report, &id, "restore", "acme");
    let globex = client_clock(&report, &id, "restore", "globex");
    // acme: 17:00–19:00 around the clock; globex: Friday 17:00–18:00, Monday 08:00–09:00.
    assert_eq!(acme["elapsed_s"], 7_200, "{acme:#}");
    assert_eq!(acme["stopped"], "2026-11-27T19:00:00Z");
    assert_eq!(acme["state"], "met");
    assert_eq!(globex["elapsed_s"], 7_200, "{globex:#}");
    assert_eq!(globex["stopped"], "2026-11-30T09:00:00Z");
}

#[test]
fn a_client_affected_later_has_clocks_from_then_and_findings_name_it() {
    let repo = two_clients();
    let id = repo.declare(
        FRIDAY_17,
        "Shared mail relay down",
        "high",
        "high",
        &["--client", "acme"],
    );
    repo.at(
        "2026-11-27T17:05:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    )
    .ok();
    repo.at(
        "2026-11-27T18:00:00Z",
        &[
            "affect",
            &id,
            "--client",
            "globex",
            "--reason",
            "Their MX uses the relay",
        ],
    )
    .ok();
    // P1: client updates every hour, for each client from when it was affected.
    let report = repo
        .now("2026-11-27T18:30:00Z", &["check", "--format", "json"])
        .json();
    let acme = client_clock(&report, &id, "update-client", "acme");
    let globex = client_clock(&report, &id, "update-client", "globex");
    assert_eq!(acme["due"], "2026-11-27T18:00:00Z");
    assert_eq!(globex["started"], "2026-11-27T18:00:00Z");
    assert_eq!(globex["due"], "2026-11-27T19:00:00Z");
    let breach: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "update-client")
        .collect();
    assert_eq!(breach.len(), 1, "{report:#}");
    assert_eq!(breach[0]["client"], "acme");
    assert!(breach[0]["message"].as_str().unwrap().contains("ACME Corp"));
    // The text, GitHub and JUnit formats name the client too.
    let text = repo.now("2026-11-27T18:30:00Z", &["check"]).fails(1);
    assert!(text.out().contains("for ACME Corp"), "{}", text.out());
    let github = repo
        .now("2026-11-27T18:30:00Z", &["check", "--format", "github"])
        .fails(1);
    assert!(github.out().contains("client acme"), "{}", github.out());
    let junit = repo
        .now("2026-11-27T18:30:00Z", &["check", "--format", "junit"])
        .fails(1);
    assert!(junit.out().contains("update-client (client acme)"));
    assert!(junit.out().contains("update-client (client globex)"));
    // `--client globex` shows globex's clocks and the provider's, not acme's.
    let theirs = repo
        .now(
            "2026-11-27T18:30:00Z",
            &["check", "--format", "json", "--client", "globex"],
        )
        .json();
    assert!(
        theirs["clocks"][&id]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["client"] != "acme")
    );
}

#[test]
fn the_highest_client_impact_sets_the_priority() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    repo.at(
        "2026-11-27T17:30:00Z",
        &["affect", &id, "--client", "globex", "--impact", "high"],
    )
    .ok();
    let shown = repo.now("2026-11-27T17:31:00Z", &["show", &id]).ok();
    assert!(shown.out().contains("P2"), "{}", shown.out());
    assert!(shown.out().contains("Globex (high)"), "{}", shown.out());
    assert!(
        shown.out().contains("ACME Corp (medium)"),
        "{}",
        shown.out()
    );
    // Taken off: recorded, not erased, and the clocks are gone.
    repo.at(
        "2026-11-27T17:40:00Z",
        &["affect", &id, "--client", "globex", "--remove"],
    )
    .fails(2);
    repo.at(
        "2026-11-27T17:40:00Z",
        &[
            "affect",
            &id,
            "--client",
            "globex",
            "--remove",
            "--reason",
            "Wrong relay",
        ],
    )
    .ok();
    assert!(
        repo.read(&format!("incidents/{id}/timeline.yaml"))
            .contains("remove: true")
    );
    let report = repo
        .now("2026-11-27T17:45:00Z", &["check", "--format", "json"])
        .json();
    assert_eq!(clocks(&report, &id, "restore").len(), 1);
    assert!(clocks(&report, &id, "restore")[0].get("client").is_none());
}

#[test]
fn affect_refuses_what_makes_no_sense() {
    let repo = two_clients();
    let id = repo.declare(
        FRIDAY_17,
        "Relay",
        "medium",
        "medium",
        &["--client", "acme"],
    );
    let only = repo
        .at(
            "2026-11-27T17:30:00Z",
            &["affect", &id, "--client", "acme", "--restored"],
        )
        .fails(1);
    assert!(only.stderr.contains("mim resolve"), "{}", only.stderr);
    let unknown = repo
        .at(
            "2026-11-27T17:30:00Z",
            &["affect", &id, "--client", "initech"],
        )
        .fails(2);
    assert!(
        unknown.stderr.contains(
            "invalid value 'initech' for '--client <CLIENT>'\n  [possible values: acme, globex]"
        ),
        "{}",
        unknown.stderr
    );
    let again = repo
        .at("2026-11-27T17:30:00Z", &["affect", &id, "--client", "acme"])
        .fails(1);
    assert!(again.stderr.contains("affected already"));
}

#[test]
fn a_client_overrides_its_targets_in_its_contract() {
    let repo = two_clients();
    let config = repo.read("mim.yaml").replace(
        "  globex:\n    name: Globex\n",
        "  globex:\n    name: Globex\n    priorities:\n      P3: {restore: 4h}\n",
    );
    repo.config(&config);
    let id = shared_p3(&repo);
    let report = repo
        .now("2026-11-27T18:30:00Z", &["check", "--format", "json"])
        .json();
    let globex = client_clock(&report, &id, "restore", "globex");
    assert_eq!(globex["target_s"], 14_400);
    // 1h on Friday, 3h on Monday from 08:00.
    assert_eq!(globex["due"], "2026-11-30T11:00:00Z");
}

// --- Per-client communications --------------------------------------------------------

use crate::common::mail::{addresses, outbox, parse, readable, references};

/// Every address in a message's headers.
fn every_address(msg: &mail_parser::Message<'_>) -> Vec<String> {
    let mut out = addresses(msg.to());
    out.extend(addresses(msg.cc()));
    out.extend(addresses(msg.bcc()));
    out
}

/// What a reader or a mail client can see of a message: headers and decoded parts.
fn everything(raw: &[u8]) -> String {
    let msg = parse(raw);
    let headers = String::from_utf8_lossy(raw)
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_string();
    format!("{headers}\n{}", readable(&msg)).to_lowercase()
}

fn message_id(raw: &[u8]) -> String {
    parse(raw).message_id().unwrap_or_default().to_string()
}

#[test]
fn each_client_gets_its_own_message_that_never_names_the_other() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    update_to(
        &repo,
        &id,
        "2026-11-27T17:30:00Z",
        "client",
        "The shared mail relay is down; we are restarting it.",
    );
    let mails = outbox(&repo, &id);
    let names: Vec<&str> = mails.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "20261127T173000Z-u1-client+acme.eml",
            "20261127T173000Z-u1-client+globex.eml"
        ]
    );
    let acme = &mails["20261127T173000Z-u1-client+acme.eml"];
    let globex = &mails["20261127T173000Z-u1-client+globex.eml"];
    assert_eq!(every_address(&parse(acme)), ["it-ops@acme.example"]);
    assert_eq!(every_address(&parse(globex)), ["ops@globex.example"]);
    let acme_text = everything(acme);
    let globex_text = everything(globex);
    assert!(acme_text.contains("acme corp"), "{acme_text}");
    assert!(globex_text.contains("globex"), "{globex_text}");
    for word in ["globex", "ops@globex.example", "cto@globex.example"] {
        assert!(
            !acme_text.contains(word),
            "acme's message names {word}:\n{acme_text}"
        );
    }
    for word in ["acme", "it-ops@acme.example", "cio@acme.example"] {
        assert!(
            !globex_text.contains(word),
            "globex's message names {word}:\n{globex_text}"
        );
    }
    // Each in its client's time zone: acme's calendar is 24x7 (no zone of its own, so
    // the organisation's), globex's the business calendar's.
    let update = repo.read(&format!(
        "incidents/{id}/updates/20261127T173000Z-client+acme.md"
    ));
    assert!(update.contains("client: acme\n"), "{update}");
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert_eq!(timeline.matches("event: update").count(), 2, "{timeline}");
}

#[test]
fn all_writes_the_provider_once_and_each_client_and_its_management_apart() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    update_to(
        &repo,
        &id,
        "2026-11-27T17:30:00Z",
        "all",
        "Restarting the relay.",
    );
    let names: Vec<String> = outbox(&repo, &id).into_keys().collect();
    assert_eq!(
        names,
        [
            "20261127T173000Z-u1-client+acme.eml",
            "20261127T173000Z-u1-client+globex.eml",
            "20261127T173000Z-u1-client-management+acme.eml",
            "20261127T173000Z-u1-client-management+globex.eml",
            "20261127T173000Z-u1-internal.eml",
            "20261127T173000Z-u1-management.eml",
        ]
    );
    let mails = outbox(&repo, &id);
    let cm = &mails["20261127T173000Z-u1-client-management+globex.eml"];
    assert_eq!(every_address(&parse(cm)), ["cto@globex.example"]);
    assert!(!everything(cm).contains("acme"));
    // The provider's own people see both clients.
    let internal = everything(&mails["20261127T173000Z-u1-internal.eml"]);
    assert!(
        internal.contains("acme corp") && internal.contains("globex"),
        "{internal}"
    );
}

#[test]
fn one_client_can_be_written_to_alone_with_its_own_numbering_and_thread() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    let update = |at: &str, extra: &[&str]| {
        let mut args = vec!["update", &id[..], "--audience", "client", "-m", "News."];
        args.extend_from_slice(extra);
        repo.at(at, &args).ok()
    };
    update("2026-11-27T17:30:00Z", &[]);
    update("2026-11-27T18:00:00Z", &["--client", "globex"]);
    update("2026-11-27T18:30:00Z", &[]);
    let mails = outbox(&repo, &id);
    let names: Vec<&str> = mails.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "20261127T173000Z-u1-client+acme.eml",
            "20261127T173000Z-u1-client+globex.eml",
            "20261127T180000Z-u2-client+globex.eml",
            "20261127T183000Z-u2-client+acme.eml",
            "20261127T183000Z-u3-client+globex.eml",
        ]
    );
    let acme2 = parse(&mails["20261127T183000Z-u2-client+acme.eml"]);
    assert!(acme2.subject().unwrap().ends_with("Update 2"));
    // acme's second message answers acme's first, and nothing of globex's.
    assert_eq!(
        references(&acme2),
        [message_id(&mails["20261127T173000Z-u1-client+acme.eml"])]
    );
    let globex3 = parse(&mails["20261127T183000Z-u3-client+globex.eml"]);
    assert_eq!(
        references(&globex3),
        [
            message_id(&mails["20261127T173000Z-u1-client+globex.eml"]),
            message_id(&mails["20261127T180000Z-u2-client+globex.eml"]),
        ]
    );
    // A client the incident does not affect is refused, and nothing is written.
    // A client of mim.yaml's that the incident does not affect (one mim.yaml does not
    // know is a usage error: tests/integration/arguments.rs).
    let config = repo.read("mim.yaml").replace(
        "  globex:\n    name: Globex\n",
        "  initech:\n    name: Initech\n  globex:\n    name: Globex\n",
    );
    repo.config(&config);
    let before = repo.snapshot();
    let run = repo
        .at(
            "2026-11-27T19:00:00Z",
            &[
                "update",
                &id,
                "--audience",
                "client",
                "--client",
                "initech",
                "-m",
                "x",
            ],
        )
        .fails(1);
    assert!(
        run.stderr
            .contains("does not affect client `initech`: it affects acme, globex"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
    // Each client's update clock counts its own messages.
    // (At 18:15: acme's last was at 17:30, globex's at 18:00.)
    let report = repo
        .now("2026-11-27T18:15:00Z", &["check", "--format", "json"])
        .json();
    let acme = client_clock(&report, &id, "update-client", "acme");
    let globex = client_clock(&report, &id, "update-client", "globex");
    assert_eq!(acme["started"], "2026-11-27T17:30:00Z", "{acme:#}");
    assert_eq!(globex["started"], "2026-11-27T18:00:00Z", "{globex:#}");
}

#[test]
fn a_client_restored_early_is_told_then_and_the_others_at_the_resolve() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    repo.at(
        "2026-11-27T19:00:00Z",
        &["affect", &id, "--client", "acme", "--restored"],
    )
    .ok();
    let after_affect: Vec<String> = outbox(&repo, &id).into_keys().collect();
    assert_eq!(
        after_affect,
        [
            "20261127T190000Z-resolved-client+acme.eml",
            "20261127T190000Z-resolved-client-management+acme.eml",
            "20261127T190000Z-resolved-end-users+acme.eml",
        ]
    );
    let mails = outbox(&repo, &id);
    let notice = &mails["20261127T190000Z-resolved-client+acme.eml"];
    assert_eq!(every_address(&parse(notice)), ["it-ops@acme.example"]);
    assert!(!everything(notice).contains("globex"));
    assert!(parse(notice).subject().unwrap().ends_with("— Restored"));
    // An update to the client audience goes to the client still down only...
    update_to(&repo, &id, "2026-11-27T19:30:00Z", "client", "Still on it.");
    let mails = outbox(&repo, &id);
    let globex = readable(&parse(&mails["20261127T193000Z-u1-client+globex.eml"]));
    assert!(globex.contains("is affected"), "{globex}");
    assert!(!mails.contains_key("20261127T193000Z-u1-client+acme.eml"));
    // ...while --audience all keeps the restored one informed too, as a monitoring
    // update that says so and never that its service is affected.
    update_to(&repo, &id, "2026-11-27T19:45:00Z", "all", "Still on it.");
    let mails = outbox(&repo, &id);
    let acme = readable(&parse(&mails["20261127T194500Z-u1-client+acme.eml"]));
    assert!(acme.contains("Restored — monitoring:"), "{acme}");
    assert!(acme.contains("was restored at"), "{acme}");
    assert!(!acme.contains("is affected"), "{acme}");
    assert!(
        !acme.contains("globex") && !acme.contains("Globex"),
        "{acme}"
    );
    resolve(&repo, &id, "2026-11-30T09:00:00Z");
    let resolved: Vec<String> = outbox(&repo, &id)
        .into_keys()
        .filter(|n| n.starts_with("20261130T090000Z"))
        .collect();
    assert_eq!(
        resolved,
        [
            "20261130T090000Z-resolved-client+globex.eml",
            "20261130T090000Z-resolved-client-management+globex.eml",
            "20261130T090000Z-resolved-end-users+globex.eml",
            "20261130T090000Z-resolved-internal.eml",
            "20261130T090000Z-resolved-management.eml",
        ]
    );
    // Every message is one the timeline records: validate finds nothing wrong.
    repo.run(&["validate", "--deep"]).ok();
}

#[test]
fn a_client_affected_again_before_its_notice_went_has_it_withdrawn() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    repo.at(
        "2026-11-27T19:00:00Z",
        &["affect", &id, "--client", "acme", "--restored"],
    )
    .ok();
    repo.at(
        "2026-11-27T19:20:00Z",
        &[
            "affect",
            &id,
            "--client",
            "acme",
            "--reason",
            "relay failed again",
        ],
    )
    .ok();
    let run = repo.run(&["send", &id, "--dry-run"]).ok();
    assert!(
        !run.stdout.contains("resolved-client+acme"),
        "a withdrawn notice is not sent: {}",
        run.stdout
    );
}

#[test]
fn validate_finds_a_message_for_a_client_the_incident_never_affected() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    repo.at(
        "2026-11-27T17:30:00Z",
        &[
            "update",
            &id,
            "--audience",
            "client",
            "--client",
            "globex",
            "-m",
            "News.",
        ],
    )
    .ok();
    repo.run(&["validate"]).ok();
    // By hand: the timeline says the update went to a client that was never affected,
    // and the update file says it was every client's.
    let timeline = format!("incidents/{id}/timeline.yaml");
    let edited = repo
        .read(&timeline)
        .replace("client: globex", "client: initech");
    repo.write(&timeline, &edited);
    let update = format!("incidents/{id}/updates/20261127T173000Z-client+globex.md");
    let edited = repo.read(&update).replace("client: globex\n", "");
    repo.write(&update, &edited);
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout.contains(
            "update 1 to client is for client `initech`, which this incident never affected"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "says it is every client's update, but the timeline records client `initech`'s own"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_reopen_withdraws_every_client_s_unsent_restoral_notice() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    resolve(&repo, &id, "2026-11-27T19:00:00Z");
    repo.at(
        "2026-11-27T19:30:00Z",
        &["reopen", &id, "--reason", "relay down again"],
    )
    .ok();
    let run = repo.run(&["send", &id, "--dry-run"]).ok();
    assert!(!run.stdout.contains("resolved"), "{}", run.stdout);
}

#[test]
fn a_client_s_message_shows_none_of_what_another_client_lost() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    repo.at(
        "2026-11-27T17:20:00Z",
        &[
            "affect",
            &id,
            "--client",
            "globex",
            "--service",
            "Globex SFTP drop",
        ],
    )
    .ok();
    repo.at(
        "2026-11-27T17:25:00Z",
        &[
            "escalate",
            &id,
            "--kind",
            "client-it",
            "--to",
            "Globex IT",
            "--reason",
            "their firewall",
        ],
    )
    .ok();
    update_to(
        &repo,
        &id,
        "2026-11-27T17:30:00Z",
        "all",
        "Restarting the relay.",
    );
    let mails = outbox(&repo, &id);
    for (name, raw) in &mails {
        if name.contains("+acme") {
            let text = everything(raw);
            assert!(
                !text.contains("sftp"),
                "{name} names globex's service:\n{text}"
            );
            assert!(!text.contains("your it team"), "{name}:\n{text}");
        }
    }
    let globex = everything(&mails["20261127T173000Z-u1-client+globex.eml"]);
    assert!(globex.contains("globex sftp drop"), "{globex}");
}

#[test]
fn a_client_left_alone_keeps_its_own_numbering() {
    let repo = two_clients();
    let id = shared_p3(&repo);
    let update = |at: &str, extra: &[&str]| {
        let mut args = vec!["update", &id[..], "--audience", "client", "-m", "News."];
        args.extend_from_slice(extra);
        repo.at(at, &args).ok()
    };
    update("2026-11-27T17:30:00Z", &["--client", "globex"]);
    update("2026-11-27T17:40:00Z", &["--client", "globex"]);
    update("2026-11-27T17:50:00Z", &[]);
    repo.at(
        "2026-11-27T18:00:00Z",
        &[
            "affect",
            &id,
            "--client",
            "globex",
            "--remove",
            "--reason",
            "not on the relay",
        ],
    )
    .ok();
    update("2026-11-27T18:10:00Z", &[]);
    let names: Vec<String> = outbox(&repo, &id).into_keys().collect();
    assert!(
        names.contains(&"20261127T181000Z-u2-client+acme.eml".to_string()),
        "{names:?}"
    );
}

#[test]
fn each_client_reads_times_in_its_own_time_zone() {
    let repo = two_clients();
    let config = repo.read("mim.yaml").replace(
        "  globex:\n    name: Globex\n",
        "  globex:\n    name: Globex\n    timezone: Asia/Tokyo\n",
    );
    assert!(config.contains("Asia/Tokyo"));
    repo.config(&config);
    let id = shared_p3(&repo);
    update_to(
        &repo,
        &id,
        "2026-11-27T17:30:00Z",
        "client",
        "Restarting the relay.",
    );
    let mails = outbox(&repo, &id);
    let globex = readable(&parse(&mails["20261127T173000Z-u1-client+globex.eml"]));
    let acme = readable(&parse(&mails["20261127T173000Z-u1-client+acme.eml"]));
    // 17:00 UTC is 02:00 the next day in Tokyo; acme (24x7, no zone of its own) reads
    // the organisation's.
    assert!(globex.contains("JST"), "{globex}");
    assert!(!acme.contains("JST"), "{acme}");
}
