//! Every figure a reader reads is that reader's truth: a two-client outage whose impact
//! began before the report, the clients affected at different times in different zones
//! and calendars, one restored early on a workaround, a reopen and monitoring updates.
//! Every e-mail is parsed; every time, duration, priority and phase it states is checked
//! against `mim facts --json` for that reader at that message's time, and the status
//! pages and feeds against the same facts at the time they are built.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::TestRepo;
use crate::common::mail::{outbox, parse};

pub(crate) const ID: &str = "2026-11-23-hosted-erp-outage";

/// The organisation in London; ACME in Paris on 24x7 with a 30m client cadence for P1;
/// Globex on New York business hours (07:00–19:00), which P2's `business` calendar
/// becomes for it.
pub(crate) fn config(repo: &TestRepo) {
    let text = repo
        .read("mim.yaml")
        .replace(
            "timezone: UTC                       # how times",
            "timezone: Europe/London             # how times",
        )
        .replace(
            "update_client: 2h, calendar: 24x7, pir: optional}",
            "update_client: 2h, calendar: business, pir: optional}",
        )
        .replace("  acme-hours:\n", "  ny-hours:\n")
        .replace(
            "    calendar: acme-hours              # replaces `business` for this client's incidents\n",
            "    timezone: Europe/Paris\n    priorities:\n      P1: {update_client: 30m}\n",
        )
        .replace(
            "      end_users: [all-staff@acme.example]\n",
            "      end_users: [all-staff@acme.example]\n  \
             globex:\n    name: Globex\n    calendar: ny-hours\n    contacts:\n      \
             client: [ops@globex.example]\n      management: [cto@globex.example]\n      \
             end_users: [staff@globex.example]\n",
        );
    assert!(
        text.contains("ny-hours:") && text.contains("Europe/Paris"),
        "{text}"
    );
    repo.config(&text);
}

/// The outage, step by step (times UTC = London in November).
pub(crate) fn replay(repo: &TestRepo) {
    let run = |at: &str, args: &[&str]| {
        repo.at(at, args).ok();
    };
    let id = repo.declare(
        "2026-11-23T06:08:00Z",
        "Hosted ERP outage",
        "high",
        "high",
        &[
            "--client",
            "acme",
            "--impact-started",
            "2026-11-23T06:02:00Z",
        ],
    );
    assert_eq!(id, ID);
    run(
        "2026-11-23T06:15:00Z",
        &["accept", ID, "--manager", "Alice Moreau"],
    );
    run(
        "2026-11-23T06:30:00Z",
        &[
            "affect",
            ID,
            "--client",
            "globex",
            "--impact",
            "medium",
            "--service",
            "Globex ERP gateway",
        ],
    );
    let first = repo
        .at(
            "2026-11-23T06:45:00Z",
            &[
                "update",
                ID,
                "--audience",
                "all",
                "-m",
                r#"The ERP is down since {{ time("06:02") }}; we are failing over."#,
                "--eta",
                "2026-11-23T10:00:00Z",
                "--status-line",
                "Down: fix being applied",
            ],
        )
        .ok();
    assert!(!first.stderr.contains("warning"), "{}", first.stderr);
    run(
        "2026-11-23T07:00:00Z",
        &[
            "milestone",
            ID,
            "--kind",
            "identified",
            "-m",
            "Controller firmware",
        ],
    );
    let bare = repo
        .at(
            "2026-11-23T07:12:00Z",
            &[
                "update",
                ID,
                "--audience",
                "all",
                "-m",
                "Cause found at 07:00; rolling back.",
                "--next",
                "08:30",
            ],
        )
        .ok();
    assert!(
        bare.stderr.contains("07:00") && bare.stderr.contains(r#"{{ time("07:00") }}"#),
        "a bare clock time warns: {}",
        bare.stderr
    );
    run(
        "2026-11-23T08:00:00Z",
        &[
            "affect",
            ID,
            "--client",
            "acme",
            "--restored",
            "--workaround",
            "--client-message",
            "Your ERP runs on our standby site while we repair the primary.",
        ],
    );
    run(
        "2026-11-23T08:20:00Z",
        &[
            "update",
            ID,
            "--audience",
            "all",
            "-m",
            "The standby site carries part of the load; the rollback continues.",
            "--next",
            "09:30",
        ],
    );
    for (at, text) in [
        ("2026-11-23T08:45:00Z", "Rollback 50%."),
        ("2026-11-23T09:10:00Z", "Rollback 80%."),
    ] {
        run(at, &["update", ID, "--audience", "internal", "-m", text]);
    }
    let resolve = |at: &str, text: &str| {
        run(
            at,
            &["resolve", ID, "--closure", "permanent-fix", "-m", text],
        )
    };
    resolve("2026-11-23T11:00:00Z", "Firmware rolled back.");
    run(
        "2026-11-23T11:30:00Z",
        &["reopen", ID, "--reason", "The ERP failed again"],
    );
    resolve("2026-11-23T12:30:00Z", "Controller replaced.");
    run(
        "2026-11-23T13:00:00Z",
        &[
            "update",
            ID,
            "--audience",
            "all",
            "-m",
            "Stable for 30 minutes.",
        ],
    );
}

/// Every reader's facts at `now`, by reader label (`client-management+globex`).
pub(crate) fn facts(repo: &TestRepo, now: &str) -> BTreeMap<String, Value> {
    by_reader(&repo.now(now, &["--json", "facts", ID]).ok().json())
}

/// `mim facts --json`'s readers by label.
fn by_reader(out: &Value) -> BTreeMap<String, Value> {
    out["readers"]
        .as_array()
        .expect("readers")
        .iter()
        .map(|r| (r["reader"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

/// A duration in seconds as mim writes durations (`2h30m`).
fn duration(secs: i64) -> String {
    let (d, h, m) = (secs / 86400, secs % 86400 / 3600, secs % 3600 / 60);
    let mut out = String::new();
    if d > 0 {
        out.push_str(&format!("{d}d"));
    }
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 || out.is_empty() {
        out.push_str(&format!("{m}m"));
    }
    out
}

/// Checks every message of an outbox against its reader's facts at its time, asked of
/// `facts_at(now)`; returns how many figures were checked.
fn check_outbox(
    mails: &BTreeMap<String, Vec<u8>>,
    facts_at: impl Fn(&str) -> BTreeMap<String, Value>,
) -> usize {
    let mut cache: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    let mut checked = 0;
    for (name, raw) in mails {
        if !name.ends_with(".eml") {
            continue;
        }
        let msg = parse(raw);
        let header = |h: &str| msg.header(h).and_then(|v| v.as_text()).map(str::to_string);
        let audience = header("X-Mim-Audience").unwrap();
        let label = match header("X-Mim-Client") {
            Some(c) if audience != "internal" && audience != "management" => {
                format!("{audience}+{c}")
            }
            _ => audience.clone(),
        };
        let at = chrono::DateTime::from_timestamp(msg.date().unwrap().to_timestamp(), 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let readers = cache.entry(at.clone()).or_insert_with(|| facts_at(&at));
        let f = readers
            .get(&label)
            .unwrap_or_else(|| panic!("{name}: no facts for {label} at {at}"));
        let text = msg.body_text(0).unwrap().to_string();
        let subject = msg.subject().unwrap();
        assert!(
            !text.contains("{{"),
            "{name}: a template marker reached the reader\n{text}"
        );
        if matches!(audience.as_str(), "client" | "end-users") {
            // Plain words: no priority code, no status names of ours.
            for jargon in ["[P1]", "[P2]", "P1 ", "P2 ", "accepted", "Status:"] {
                assert!(
                    !subject.contains(jargon) && !text.contains(jargon),
                    "{name}: `{jargon}`\n{subject}\n{text}"
                );
            }
        }
        checked += check_message(name, &text, f);
    }
    checked
}

/// An RFC 3339 time as the `datetime` filter shows it in `tz`.
pub(crate) fn shown(rfc3339: &Value, tz: &str) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339.as_str().expect("a time"))
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"));
    let tz: chrono_tz::Tz = tz.parse().unwrap();
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// The text after `label` on the line that has it, up to `end` (or the line's end).
fn after<'a>(text: &'a str, label: &str, end: &str) -> Option<&'a str> {
    let line = text.lines().find(|l| l.contains(label))?;
    let rest = &line[line.find(label)? + label.len()..];
    Some(rest.split(end).next().unwrap_or(rest).trim())
}

/// Every `2026-11-23 07:45 CET` in `text`.
fn datetimes(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for i in 0..b.len().saturating_sub(16) {
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if digits(i..i + 4)
            && b[i + 4] == b'-'
            && b[i + 7] == b'-'
            && b[i + 10] == b' '
            && digits(i + 11..i + 13)
            && b[i + 13] == b':'
            && b[i + 16] == b' '
        {
            let zone: String = text[i + 17..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase())
                .collect();
            out.push(format!("{} {zone}", &text[i..i + 16]));
        }
    }
    out
}

/// Checks one message's text against its reader's facts; returns what it checked.
fn check_message(name: &str, text: &str, f: &Value) -> usize {
    let tz = f["tz"].as_str().unwrap();
    let time = |key: &str| shown(&f[key], tz);
    let mut checked = 0;
    let mut same = |what: &str, seen: Option<&str>, want: String| {
        if let Some(seen) = seen {
            assert_eq!(seen, want, "{name}: {what}\n{text}");
            checked += 1;
        }
    };
    // Every time it states is in the reader's zone.
    let zone_now = shown(&f["now"], tz);
    let zone = zone_now.rsplit(' ').next().unwrap();
    for dt in datetimes(text) {
        assert!(
            dt.ends_with(&format!(" {zone}")),
            "{name}: {dt} is not in {tz}\n{text}"
        );
    }
    let restored = !f["restored_at"].is_null();
    if restored {
        let at = after(text, "was restored at ", "\n").and_then(|s| datetimes(s).first().cloned());
        same("restored at", at.as_deref(), time("restored_at"));
        for banned in ["is affected", "Restore due", "Investigating", "restore due"] {
            assert!(
                !text.contains(banned),
                "{name}: restored, yet says `{banned}`\n{text}"
            );
        }
        let words = &f["words"];
        let phase = [&words["label"], &words["sentence"]].map(|w| w.as_str().unwrap());
        let flat = text.replace('\n', " ");
        assert!(
            phase.iter().any(|w| flat.contains(w)),
            "{name}: no phase\n{text}"
        );
    }
    if text.contains(" after the incident was reported") {
        let figure = text
            .split(" after the incident was reported")
            .next()
            .and_then(|s| s.rsplit(", ").next())
            .unwrap();
        same(
            "since reported",
            Some(figure),
            f["since_reported"].as_str().unwrap().into(),
        );
    }
    // `Restored:* T, D after the impact began` (the client's management: since affected);
    // `(D after the impact began, E after the report)` (the provider's people).
    if let Some(rest) = after(text, "*Restored:* ", "\n") {
        if let Some((d, e)) = rest
            .split_once(" (")
            .and_then(|(_, r)| r.strip_suffix(')'))
            .and_then(|r| r.split_once(" after the impact began, "))
        {
            same(
                "since impact",
                Some(d),
                f["since_impact"].as_str().unwrap().into(),
            );
            same(
                "since report",
                e.strip_suffix(" after the report"),
                f["since_reported"].as_str().unwrap().into(),
            );
        } else if let Some((t, d)) = rest.split_once(", ") {
            same("restored", Some(t), time("restored_at"));
            same(
                "since affected",
                d.strip_suffix(" after the impact began"),
                f["since_affected"].as_str().unwrap().into(),
            );
        }
    }
    same(
        "reported",
        after(text, "*Reported:* ", "\n"),
        time("reported"),
    );
    same(
        "affected since",
        after(text, "*Affected since:* ", "\n"),
        time("affected_at"),
    );
    same(
        "restore due",
        after(text, "*Restore due:* ", "\n").filter(|s| s.starts_with("20")),
        shown(&f["restore"]["due"], tz),
    );
    if let Some(rest) = after(text, "*Restore target:* ", "\n") {
        let r = &f["restore"];
        if let Some((target, used)) = rest.split_once(", of which ") {
            same(
                "restore target",
                Some(target),
                r["target"].as_str().unwrap().into(),
            );
            same(
                "restore used",
                used.split(" is used").next(),
                r["used"].as_str().unwrap().into(),
            );
        } else if let Some((used, target)) = rest.split_once(" used of ") {
            same(
                "restore used",
                Some(used),
                r["used"].as_str().unwrap().into(),
            );
            same(
                "restore target",
                target.split(' ').next(),
                r["target"].as_str().unwrap().into(),
            );
            assert_eq!(
                rest.contains("BREACHED"),
                r["breached"] == true,
                "{name}: {rest}"
            );
        } else if let Some((target, verdict)) = rest.split_once(", ") {
            same(
                "restore target",
                Some(target),
                r["target"].as_str().unwrap().into(),
            );
            let (state, used) = verdict.split_once(" (").unwrap();
            assert_eq!(state == "missed", r["breached"] == true, "{name}: {rest}");
            same(
                "restore used",
                used.strip_suffix(" used)"),
                r["used"].as_str().unwrap().into(),
            );
        }
    }
    let promise = after(text, "send the next update by ", ",").or_else(|| {
        after(text, "By 20", "\n").map(|_| after(text, "By ", "\n").unwrap().trim_end_matches('.'))
    });
    match (promise, f["next_update_by"].as_str()) {
        (Some(seen), Some(_)) => same("next update by", Some(seen), time("next_update_by")),
        (Some(seen), None) => panic!("{name}: promises {seen}, the facts promise nothing\n{text}"),
        (None, Some(due)) if text.contains("Next update") => {
            panic!("{name}: the facts promise {due}, the message does not\n{text}")
        }
        _ => {}
    }
    let eta = after(text, "to be restored by ", "\n")
        .map(|s| s.trim_end_matches('.'))
        .or_else(|| after(text, "Expected restoration:* ", "\n"))
        .or_else(|| after(text, "Estimated restoration:* ", "\n"));
    match (eta, f["eta"].is_null()) {
        (Some(seen), false) => same("eta", Some(seen), time("eta")),
        (Some(seen), true) => panic!("{name}: states an ETA {seen} the facts do not have\n{text}"),
        _ => {}
    }
    if let Some(p) = after(text, "priority ", " incident") {
        same("priority", Some(p), f["priority"].as_str().unwrap().into());
    }
    if let Some(p) = after(text, "*Priority:* ", " ") {
        same("priority", Some(p), f["priority"].as_str().unwrap().into());
    }
    if let Some(status) = after(text, "*Status:* ", "\n") {
        let want = f["status"].as_str().unwrap();
        assert!(
            status.starts_with(want),
            "{name}: status {status}, facts {want}\n{text}"
        );
        checked += 1;
    }
    checked
}

#[test]
fn every_figure_in_every_message_is_its_readers_fact() {
    let repo = TestRepo::new();
    config(&repo);
    replay(&repo);
    let mails = outbox(&repo, ID);
    let checked = check_outbox(&mails, |at| facts(&repo, at));
    for (name, raw) in &mails {
        let msg = parse(raw);
        let header = |h: &str| msg.header(h).and_then(|v| v.as_text()).map(str::to_string);
        let (audience, client) = (header("X-Mim-Audience").unwrap(), header("X-Mim-Client"));
        if audience.starts_with("client") || audience == "end-users" {
            let other = if client.as_deref() == Some("acme") {
                "Globex"
            } else {
                "ACME"
            };
            let all = format!("{}\n{}", msg.subject().unwrap(), msg.body_text(0).unwrap());
            assert!(!all.contains(other), "{name}: names {other}\n{all}");
        }
    }
    assert!(checked > 150, "only {checked} figures checked");

    // The time typed as {{ time("06:02") }} reads in each reader's zone.
    let first = |label: &str| {
        let name = format!("20261123T064500Z-u1-{label}.eml");
        parse(&mails[&name]).body_text(0).unwrap().to_string()
    };
    assert!(first("client+acme").contains("down since 07:02 CET"));
    assert!(first("client+globex").contains("down since 01:02 EST"));
    assert!(first("internal").contains("down since 06:02 GMT"));
    // ACME's management reads its own figures: it was affected from the impact start.
    let facts_0800 = facts(&repo, "2026-11-23T08:00:00Z");
    let acme = &facts_0800["client-management+acme"];
    assert_eq!(acme["phase"], "workaround");
    assert_eq!(acme["since_reported"], "1h52m");
    assert_eq!(acme["since_impact"], "1h58m");
    // Globex reads its own priority (medium impact: P2), service and affected time.
    let globex = &facts_0800["client-management+globex"];
    assert_eq!(globex["priority"], "P2");
    assert_eq!(globex["service"], "Globex ERP gateway");
    assert_eq!(globex["affected_at"], "2026-11-23T06:30:00Z");
    assert_eq!(globex["phase"], "fixing");
    // The restored client's monitoring update says so, in its words.
    let acme_13 = parse(&mails["20261123T130000Z-u4-client+acme.eml"]);
    let text = acme_13.body_text(0).unwrap();
    assert!(text.contains("Restored on a workaround"), "{text}");
    let acme_notice = parse(&mails["20261123T080000Z-resolved-client+acme.eml"]);
    let text = acme_notice.body_text(0).unwrap();
    assert!(text.contains("Your ERP runs on our standby site"), "{text}");
    assert!(!text.contains("checked that it works normally"), "{text}");
    // The client's message replaces the standard wording; only the phase's label stays.
    assert!(text.contains("Restored on a workaround."), "{text}");
    assert!(
        !text.contains("Service has been restored with a temporary workaround"),
        "{text}"
    );
}

#[test]
fn every_broken_promise_to_a_reader_is_a_finding() {
    let repo = TestRepo::new();
    config(&repo);
    replay(&repo);
    let check = repo.now("2026-11-23T15:00:00Z", &["--json", "check"]);
    let report = check.json();
    let promises: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "promise" && f["level"] == "breach")
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["due"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // At 08:20 every reader was promised 09:30; management, each client and each
    // client's management heard nothing until the resolve at 11:00. Internal did.
    for reader in [
        "management",
        "client+acme",
        "client+globex",
        "client-management+acme",
        "client-management+globex",
    ] {
        assert!(
            promises
                .iter()
                .any(|(n, due)| n == reader && due == "2026-11-23T09:30:00Z"),
            "{reader}: {promises:?}"
        );
    }
    assert!(
        !promises.iter().any(|(n, _)| n == "internal"),
        "{promises:?}"
    );
    // What the message promised is what check holds it to: the same recorded fact.
    let mails = outbox(&repo, ID);
    let text = parse(&mails["20261123T082000Z-u3-client-management+globex.eml"])
        .body_text(0)
        .unwrap()
        .to_string();
    assert!(
        text.contains("send the next update by 2026-11-23 04:30 EST"),
        "{text}"
    );
    // While the promise runs, status and check say when it is due.
    let before = repo
        .now("2026-11-23T09:25:00Z", &["--json", "check"])
        .json();
    assert!(
        before["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "promise" && f["level"] == "at-risk"),
        "{before:#}"
    );
}

#[test]
fn status_pages_and_feeds_say_what_each_clients_facts_say() {
    let repo = TestRepo::new();
    config(&repo);
    replay(&repo);
    for now in [
        "2026-11-23T09:00:00Z",
        "2026-11-23T10:30:00Z",
        "2026-11-23T11:45:00Z",
        "2026-11-23T15:00:00Z",
    ] {
        let out = repo.root.join(format!("site-{}", &now[11..13]));
        repo.now(now, &["site", "-o", out.to_str().unwrap()]).ok();
        let facts = facts(&repo, now);
        for key in ["acme", "globex"] {
            let f = &facts[&format!("client+{key}")];
            let tz = f["tz"].as_str().unwrap();
            let page = std::fs::read_to_string(out.join(key).join("index.html")).unwrap();
            let doc = scraper::Html::parse_document(&page);
            let sel = |css: &str| scraper::Selector::parse(css).unwrap();
            let article = doc
                .select(&sel(&format!("article[id='{ID}']")))
                .next()
                .unwrap_or_else(|| panic!("{now} {key}: no article\n{page}"));
            let text = |css: &str| {
                article
                    .select(&sel(css))
                    .next()
                    .map(|e| e.text().collect::<String>())
            };
            let badge = text(".status").unwrap();
            assert_eq!(badge, f["words"]["label"].as_str().unwrap(), "{now} {key}");
            let tone = article
                .select(&sel(".status"))
                .next()
                .unwrap()
                .value()
                .attr("class")
                .unwrap()
                .to_string();
            assert!(
                tone.contains(f["words"]["tone"].as_str().unwrap()),
                "{now} {key}: {tone}"
            );
            let line = article.text().collect::<String>();
            assert!(
                line.contains(&format!("affected since {}", shown(&f["affected_at"], tz))),
                "{now} {key}: {line}"
            );
            match f["restored_at"].as_str() {
                Some(_) => {
                    assert!(
                        line.contains(&format!("restored {}", shown(&f["restored_at"], tz))),
                        "{now} {key}: {line}"
                    );
                    // No stale status line or ETA under a restored badge.
                    assert!(text(".line").is_none(), "{now} {key}: {line}");
                    assert!(
                        !line.contains("Expected restoration"),
                        "{now} {key}: {line}"
                    );
                }
                None => assert!(!line.contains("restored 20"), "{now} {key}: {line}"),
            }
            match f["eta"].as_str() {
                Some(_) => assert!(
                    line.contains(&format!("Expected restoration: {}", shown(&f["eta"], tz))),
                    "{now} {key}: {line}"
                ),
                None => assert!(
                    !line.contains("Expected restoration"),
                    "{now} {key}: {line}"
                ),
            }
            if let Some(message) = f["client_message"].as_str() {
                assert_eq!(text(".restoral").as_deref(), Some(message), "{now} {key}");
            }
            let feed = std::fs::read_to_string(out.join(key).join("feed.xml")).unwrap();
            let feed: atom_syndication::Feed = feed.parse().unwrap();
            let entry = &feed.entries()[0];
            assert!(
                entry
                    .title()
                    .as_str()
                    .starts_with(f["words"]["label"].as_str().unwrap()),
                "{now} {key}: {}",
                entry.title().as_str()
            );
        }
    }
}

/// `pir.md`'s client summary, in the client's words.
fn write_client_summary(repo: &TestRepo) {
    let path = format!("incidents/{ID}/pir.md");
    let text = repo
        .read(&path)
        .replace(
            "<!-- What failed, and why, as the client should understand it. -->",
            "<!-- What failed, and why, as the client should understand it. -->\n\nA firmware update of a storage controller failed.",
        )
        .replace(
            "<!-- What we did to restore the service, and what prevents a recurrence. -->",
            "<!-- What we did to restore the service, and what prevents a recurrence. -->\n\nWe replaced the controller and now stage firmware updates.",
        );
    repo.write(&path, &text);
}

#[test]
fn show_the_reports_the_pir_and_each_clients_report_give_each_readers_figures() {
    let repo = TestRepo::new();
    config(&repo);
    replay(&repo);
    let now = "2026-11-23T15:00:00Z";
    let facts = facts(&repo, now);
    let used = |reader: &str| {
        facts[reader]["restore"]["used"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // show: the incident's own restore clock, and each client's own.
    let show = repo.now(now, &["--json", "show", ID]).ok().json();
    let incident_used = show["restore"]["used_s"].as_i64().unwrap();
    assert_eq!(
        duration(incident_used),
        used("internal"),
        "{:#}",
        show["restore"]
    );
    assert_eq!(duration(incident_used), used("management"));
    for c in show["clients"].as_array().unwrap() {
        let key = c["client"].as_str().unwrap();
        let f = &facts[&format!("client-management+{key}")];
        assert_eq!(
            duration(c["restore"]["used_s"].as_i64().unwrap()),
            used(&format!("client+{key}"))
        );
        assert_eq!(c["affected_at"], f["affected_at"], "{key}");
        assert_eq!(c["restored_at"], f["restored_at"], "{key}");
        assert_eq!(
            duration(c["since_affected_s"].as_i64().unwrap()),
            f["since_affected"].as_str().unwrap()
        );
        assert_eq!(c["priority"], f["priority"], "{key}");
    }
    // The KPI report: the incident's row is the incident's, each client's row its own.
    let report = repo
        .now(
            now,
            &["report", "--since", "2026-11-01", "--format", "json"],
        )
        .ok()
        .json();
    let row = &report["list"][0];
    assert_eq!(row["restore_secs"].as_i64().unwrap(), incident_used);
    for c in row["per_client"].as_array().unwrap() {
        let key = c["client"].as_str().unwrap();
        assert_eq!(
            duration(c["restore_secs"].as_i64().unwrap()),
            used(&format!("client+{key}"))
        );
        assert_eq!(
            c["restored_at"],
            facts[&format!("client+{key}")]["restored_at"]
        );
    }
    // A report for one client: that client's figures, and never the provider's own clocks.
    for key in ["acme", "globex"] {
        let one = repo
            .now(
                now,
                &[
                    "report",
                    "--since",
                    "2026-11-01",
                    "--client",
                    key,
                    "--format",
                    "json",
                ],
            )
            .ok()
            .json();
        let row = &one["list"][0];
        let f = &facts[&format!("client-management+{key}")];
        assert_eq!(
            duration(row["restore_secs"].as_i64().unwrap()),
            used(&format!("client+{key}")),
            "{key}"
        );
        assert_eq!(row["priority"], f["priority"], "{key}");
        assert!(
            row["sla"].get("update-internal").is_none(),
            "{key}: {row:#}"
        );
        assert!(
            one["sla"]["overall"].get("update-internal").is_none(),
            "{key}"
        );
    }
    // The PIR: the incident's restore time excluding hold is the incident's clock.
    repo.at(
        now,
        &[
            "pir",
            "start",
            ID,
            "--reason",
            "required",
            "--facilitator",
            "Dana Reyes",
        ],
    )
    .ok();
    write_client_summary(&repo);
    repo.now(now, &["--at", now, "pir", "report", ID]).ok();
    let pir = repo.read(&format!("incidents/{ID}/pir-report.md"));
    let line = pir
        .lines()
        .find(|l| l.contains("Restore time excluding hold"))
        .unwrap();
    assert!(
        line.contains(&format!("| {} |", duration(incident_used))),
        "{line}"
    );
    for key in ["acme", "globex"] {
        let name = facts[&format!("client+{key}")]["client_name"]
            .as_str()
            .unwrap();
        let row = pir
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")) && l.contains(" of "))
            .unwrap_or_else(|| panic!("{name}\n{pir}"));
        assert!(
            row.contains(&format!("| {} of ", used(&format!("client+{key}")))),
            "{row}"
        );
    }
    // Each client's incident report: its own restore figure, in its own zone.
    for key in ["acme", "globex"] {
        repo.now(now, &["--at", now, "pir", "report", ID, "--client", key])
            .ok();
        let rfo = repo.read(&format!("incidents/{ID}/rfo-{key}.md"));
        let f = &facts[&format!("client-management+{key}")];
        assert!(
            rfo.contains(&used(&format!("client+{key}"))),
            "{key}\n{rfo}"
        );
        assert!(
            rfo.contains(&shown(&f["restored_at"], f["tz"].as_str().unwrap())),
            "{key}\n{rfo}"
        );
        assert!(
            rfo.contains(&shown(&f["affected_at"], f["tz"].as_str().unwrap())),
            "{key}\n{rfo}"
        );
        let other = if key == "acme" { "Globex" } else { "ACME" };
        assert!(!rfo.contains(other), "{key}\n{rfo}");
    }
}

/// The example repository's first command, `MIM_NOW` as the README has it.
const README_NOW: &str = "2026-11-24T09:00:00Z";

fn example() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/acme-msp")
}

fn example_json(now: &str, args: &[&str]) -> Value {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(crate::common::mim_bin());
    crate::common::isolate(&mut cmd, home.path());
    let out = cmd
        .env("MIM_NOW", now)
        .arg("-C")
        .arg(example())
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn the_example_tells_one_story_in_show_the_report_the_pages_and_the_emails() {
    let dir = example().join("incidents");
    let ids: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    let report = example_json(
        README_NOW,
        &["report", "--since", "2026-11-01", "--format", "json"],
    );
    let mut checked = 0;
    for id in &ids {
        let show = example_json(README_NOW, &["show", id]);
        let facts = by_reader(&example_json(README_NOW, &["facts", id]));
        // show and the KPI report give the incident's own restore figure, and each
        // client's, as the provider's facts do.
        if let (Some(used), Some(row)) = (
            show["restore"]["used_s"].as_i64(),
            report["list"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id.as_str()),
        ) {
            // The report counts a restore once it stopped; show counts the running one too.
            if !show["restore"]["stopped"].is_null() {
                assert_eq!(row["restore_secs"].as_i64(), Some(used), "{id}");
            }
            assert_eq!(
                facts["management"]["restore"]["used"].as_str(),
                Some(duration(used).as_str()),
                "{id}"
            );
        }
        for c in show["clients"].as_array().into_iter().flatten() {
            let key = c["client"].as_str().unwrap();
            let f = &facts[&format!("client+{key}")];
            let used = c["restore"]["used_s"].as_i64().map(duration);
            assert_eq!(used.as_deref(), f["restore"]["used"].as_str(), "{id} {key}");
        }
        // Every e-mail it holds states its reader's facts at its time.
        let mails: BTreeMap<String, Vec<u8>> = std::fs::read_dir(dir.join(id).join("outbox"))
            .into_iter()
            .flatten()
            .map(|e| e.unwrap())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        checked += check_outbox(&mails, |at| by_reader(&example_json(at, &["facts", id])));
    }
    assert!(checked > 100, "only {checked} figures checked");
    // The two-client incident: show's restore is the incident's, the KPI chart's too.
    let shared = example_json(
        README_NOW,
        &["show", "2026-11-20-hosted-backup-jobs-failing"],
    );
    assert_eq!(shared["restore"]["used_s"], 5 * 3600);
    // The status pages say what each client's facts say.
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(crate::common::mim_bin());
    crate::common::isolate(&mut cmd, home.path());
    let site = cmd
        .env("MIM_NOW", README_NOW)
        .arg("-C")
        .arg(example())
        .args(["site", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        site.status.success(),
        "{}",
        String::from_utf8_lossy(&site.stderr)
    );
    let mut articles = 0;
    for id in &ids {
        let facts = by_reader(&example_json(README_NOW, &["facts", id]));
        for (label, f) in facts.iter().filter(|(l, _)| l.starts_with("client+")) {
            let key = &label["client+".len()..];
            let page = std::fs::read_to_string(out.path().join(key).join("index.html")).unwrap();
            let doc = scraper::Html::parse_document(&page);
            let sel = |css: &str| scraper::Selector::parse(css).unwrap();
            let Some(article) = doc.select(&sel(&format!("article[id='{id}']"))).next() else {
                continue; // history rows and proposals are not articles
            };
            let badge: String = article
                .select(&sel(".status"))
                .next()
                .unwrap()
                .text()
                .collect();
            assert_eq!(badge, f["words"]["label"].as_str().unwrap(), "{id} {key}");
            let text: String = article.text().collect();
            let tz = f["tz"].as_str().unwrap();
            assert!(
                text.contains(&format!("affected since {}", shown(&f["affected_at"], tz))),
                "{id} {key}: {text}"
            );
            if !f["restored_at"].is_null() {
                assert!(
                    text.contains(&format!("restored {}", shown(&f["restored_at"], tz))),
                    "{id} {key}: {text}"
                );
                assert!(!text.contains("Expected restoration"), "{id} {key}: {text}");
            }
            articles += 1;
        }
    }
    assert!(articles >= 3, "{articles} articles checked");
}

/// Two clients of one medium-impact incident, ACME declared and Globex added later.
fn two_clients(repo: &TestRepo, globex: &[&str]) -> String {
    two_clients_at(repo, "medium", globex)
}

/// Two clients of one incident of `impact` and high urgency, accepted at 06:15: ACME
/// declared at 06:08, Globex affected at 06:30 with `globex`'s flags.
fn two_clients_at(repo: &TestRepo, impact: &str, globex: &[&str]) -> String {
    config(repo);
    let id = repo.declare(
        "2026-11-23T06:08:00Z",
        "Hosted ERP outage",
        impact,
        "high",
        &["--client", "acme"],
    );
    repo.at(
        "2026-11-23T06:15:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    )
    .ok();
    let mut args = vec!["affect", id.as_str(), "--client", "globex"];
    args.extend_from_slice(globex);
    repo.at("2026-11-23T06:30:00Z", &args).ok();
    id
}

#[test]
fn a_clients_own_impact_raises_only_its_own_priority() {
    let repo = TestRepo::new();
    let id = two_clients_at(&repo, "low", &["--impact", "medium"]);
    let at = |now: &str| by_reader(&repo.now(now, &["--json", "facts", &id]).ok().json());
    let before = at("2026-11-23T06:40:00Z");
    // Globex's medium impact raises the incident, and Globex, to P2; ACME stays at the
    // incident's own low impact: P3.
    assert_eq!(before["client-management+globex"]["priority"], "P2");
    assert_eq!(before["client-management+acme"]["priority"], "P3");
    // The incident's own impact raised: ACME, which has none of its own, follows; Globex
    // keeps its own.
    repo.at(
        "2026-11-23T06:50:00Z",
        &[
            "escalate",
            &id,
            "--impact",
            "high",
            "--reason",
            "All ACME users are down",
        ],
    )
    .ok();
    let after = at("2026-11-23T07:00:00Z");
    assert_eq!(after["client-management+acme"]["priority"], "P1");
    assert_eq!(after["client-management+globex"]["priority"], "P2");
}

#[test]
fn after_the_restore_an_update_to_clients_reaches_every_restored_client() {
    let repo = TestRepo::new();
    let id = two_clients(&repo, &[]);
    repo.at(
        "2026-11-23T07:30:00Z",
        &["resolve", &id, "--closure", "permanent-fix", "-m", "Fixed."],
    )
    .ok();
    repo.at(
        "2026-11-23T08:00:00Z",
        &[
            "update",
            &id,
            "--audience",
            "client",
            "-m",
            "Stable for 30 minutes.",
        ],
    )
    .ok();
    let mails = outbox(&repo, &id);
    for client in ["acme", "globex"] {
        let name = mails
            .keys()
            .find(|n| {
                n.starts_with("20261123T080000Z") && n.ends_with(&format!("client+{client}.eml"))
            })
            .unwrap_or_else(|| panic!("no monitoring update to {client}: {:?}", mails.keys()));
        let text = parse(&mails[name]).body_text(0).unwrap().to_string();
        assert!(text.contains("Stable for 30 minutes."), "{text}");
    }
}

#[test]
fn on_hold_a_client_is_not_told_whom_we_wait_for() {
    let repo = TestRepo::new();
    let id = two_clients(&repo, &[]);
    repo.at(
        "2026-11-23T06:40:00Z",
        &[
            "hold",
            &id,
            "--reason",
            "Waiting for ACME to approve the change",
        ],
    )
    .ok();
    repo.at(
        "2026-11-23T06:45:00Z",
        &["update", &id, "--audience", "all", "-m", "Paused."],
    )
    .ok();
    let mails = outbox(&repo, &id);
    let mut seen = 0;
    for (name, raw) in &mails {
        if !name.starts_with("20261123T064500Z") || !name.contains("client") {
            continue;
        }
        let text = parse(raw).body_text(0).unwrap().to_string();
        assert!(!text.contains("third party"), "{name}: {text}");
        seen += 1;
    }
    assert!(seen >= 2, "{:?}", mails.keys());
}

#[test]
fn a_client_bound_text_naming_another_client_is_a_warning() {
    let repo = TestRepo::new();
    let id = two_clients(&repo, &[]);
    let out = repo
        .at(
            "2026-11-23T06:45:00Z",
            &[
                "update",
                &id,
                "--audience",
                "all",
                "-m",
                "Globex is down too; we are failing over.",
            ],
        )
        .ok();
    assert!(
        out.stderr
            .contains("warning: the text for ACME Corp's people names `Globex` (another client)"),
        "{}",
        out.stderr
    );
    // Written all the same: the incident manager may mean it.
    assert!(
        outbox(&repo, &id)
            .keys()
            .any(|n| n.ends_with("client+acme.eml"))
    );
    let clean = repo
        .at(
            "2026-11-23T07:15:00Z",
            &[
                "update",
                &id,
                "--audience",
                "all",
                "-m",
                "Failover 50% done.",
            ],
        )
        .ok();
    assert!(!clean.stderr.contains("warning"), "{}", clean.stderr);
}

#[test]
fn a_planned_client_cadence_looser_than_one_clients_contract_warns_for_that_client() {
    let repo = TestRepo::new();
    let id = two_clients_at(&repo, "high", &[]);
    let run = repo
        .at(
            "2026-11-23T06:40:00Z",
            &["plan", &id, "--client-every", "1h"],
        )
        .ok();
    // ACME's contract gives P1 a 30m client cadence; Globex's the default 1h.
    assert!(
        run.stderr.contains(
            "warning: the plan's client cadence (1h) is longer than ACME Corp's P1 target update_client (30m)"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Globex"), "{}", run.stderr);
    // Once ACME's service is back, no client cadence runs for it: no warning.
    repo.at(
        "2026-11-23T07:00:00Z",
        &["affect", &id, "--client", "acme", "--restored"],
    )
    .ok();
    let run = repo
        .at(
            "2026-11-23T07:10:00Z",
            &["plan", &id, "--client-every", "50m"],
        )
        .ok();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

#[test]
fn a_promise_kept_by_a_restoral_notice_stays_kept_after_a_reopen() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T09:10:00Z",
        &[
            "update",
            &id,
            "--audience",
            "all",
            "-m",
            "Investigating.",
            "--next",
            "10:30",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T10:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Restarted",
            "--closure",
            "permanent-fix",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T11:00:00Z",
        &["reopen", &id, "--reason", "It failed again"],
    )
    .ok();
    repo.at(
        "2026-11-24T11:05:00Z",
        &["update", &id, "--audience", "all", "-m", "Down again."],
    )
    .ok();
    let check = repo
        .now("2026-11-24T11:10:00Z", &["--json", "check"])
        .json();
    let broken: Vec<&serde_json::Value> = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "promise")
        .collect();
    // The restoral notices at 10:00 were each reader's next message: every promise of
    // 10:30 was kept, whatever came after.
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn a_client_update_naming_our_incident_manager_or_a_shared_service_does_not_warn() {
    let repo = TestRepo::new();
    let id = two_clients(&repo, &["--service", "Payments API"]);
    repo.at("2026-11-23T06:35:00Z", &["note", &id, "Failover"])
        .ok();
    let run = repo
        .at(
            "2026-11-23T06:45:00Z",
            &[
                "update",
                &id,
                "--audience",
                "client",
                "--client",
                "acme",
                "-m",
                "Alice Moreau, your incident manager, will call you. Failover of the Payments API is in progress.",
            ],
        )
        .ok();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}
