//! At 3 a.m.: the rough edges a tired incident manager hits (issue #27).

use crate::common::TestRepo;

#[test]
fn an_incident_is_found_by_part_of_its_slug_and_a_typo_gets_suggestions() {
    let repo = TestRepo::new();
    let citrix = repo.declare(
        "2026-11-24T09:00:00Z",
        "Citrix gateway down",
        "high",
        "high",
        &[],
    );
    let payroll = repo.declare(
        "2026-11-24T10:00:00Z",
        "Payroll export failing",
        "medium",
        "medium",
        &[],
    );
    // A part of the slug, not only its start, names an incident.
    let shown = repo.now("2026-11-24T11:00:00Z", &["show", "citrix"]).ok();
    assert!(shown.stdout.starts_with(&citrix), "{}", shown.stdout);
    let shown = repo.now("2026-11-24T11:00:00Z", &["show", "export"]).ok();
    assert!(shown.stdout.starts_with(&payroll), "{}", shown.stdout);
    // A typo: the closest IDs, and how many incidents are open.
    let miss = repo
        .now("2026-11-24T11:00:00Z", &["show", "citrx"])
        .fails(1);
    insta::assert_snapshot!(miss.stderr, @"error: no incident `citrx`; did you mean 2026-11-24-citrix-gateway-down? (2 incidents are open: `mim list --status open`)");
    let miss = repo
        .now("2026-11-24T11:00:00Z", &["show", "nothing-like-it"])
        .fails(1);
    assert!(
        miss.stderr
            .contains("no incident `nothing-like-it` (2 incidents are open"),
        "{}",
        miss.stderr
    );
}

#[test]
fn counts_read_as_words_and_paths_without_dot_dot() {
    let repo = TestRepo::new();
    repo.declare("2026-11-24T09:00:00Z", "VPN down", "high", "high", &[]);
    let run = repo
        .now(
            "2026-11-24T11:00:00Z",
            &["-C", "incidents", "report", "-o", "../kpi.html"],
        )
        .ok();
    insta::assert_snapshot!(run.stderr, @"report of 1 incident written to kpi.html");
    let run = repo
        .now(
            "2026-11-24T11:00:00Z",
            &["-C", "incidents", "site", "-o", "../site"],
        )
        .ok();
    assert!(
        run.stderr
            .starts_with("wrote 3 files to site: the overview and 1 client page with their feeds"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_eta_or_a_next_update_is_a_clock_time_today_or_tomorrow() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "update",
            &id,
            "-m",
            "Failing over.",
            "--eta",
            "14:00",
            "--next",
            "10:15",
        ],
    )
    .ok();
    let front = repo.read(&format!(
        "incidents/{id}/updates/20261124T093000Z-internal.md"
    ));
    assert!(front.contains("eta: 2026-11-24T14:00:00Z"), "{front}");
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert!(
        timeline.contains("next_by: \"2026-11-24T10:15:00Z\""),
        "{timeline}"
    );
    // A clock time already passed is tomorrow's.
    repo.at(
        "2026-11-24T22:00:00Z",
        &["update", &id, "-m", "Overnight work.", "--eta", "06:00"],
    )
    .ok();
    let front = repo.read(&format!(
        "incidents/{id}/updates/20261124T220000Z-internal.md"
    ));
    assert!(front.contains("eta: 2026-11-25T06:00:00Z"), "{front}");
    let bad = repo
        .at(
            "2026-11-24T22:30:00Z",
            &["update", &id, "-m", "x", "--next", "soon"],
        )
        .fails(2);
    assert!(
        bad.stderr.contains("a clock time like 14:00"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_kpi_report_counts_an_incident_of_two_clients_once_and_plots_the_open_ones() {
    let repo = TestRepo::new();
    crate::readers::config(&repo);
    crate::readers::replay(&repo);
    let report = repo
        .now(
            "2026-11-23T15:00:00Z",
            &["report", "--since", "2026-11-01", "--format", "json"],
        )
        .ok()
        .json();
    assert_eq!(
        report["times"]["response"]["P1"]["count"], 1,
        "{:#}",
        report["times"]
    );
    assert_eq!(report["times"]["restore"]["P1"]["count"], 1);
    // An incident not restored yet is on the restore chart, with its clock so far.
    let open = repo.declare("2026-11-23T13:00:00Z", "VPN down", "high", "high", &[]);
    repo.at("2026-11-23T13:05:00Z", &["accept", &open]).ok();
    let html = repo
        .now(
            "2026-11-23T15:00:00Z",
            &["report", "--since", "2026-11-01", "--format", "html"],
        )
        .ok()
        .stdout;
    assert!(
        html.contains("VPN down (P1): not restored yet, 2h so far of 4h (50%)"),
        "{html}"
    );
    // A header sits over its cells, and a duration is written one way.
    assert!(html.contains("<th class=\"text\">"), "{html}");
    let padded = html
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == b'h' && w[1] == b'0' && w[2].is_ascii_digit());
    assert!(!padded, "a duration with a zero-padded minute");
}

#[test]
fn audit_counts_backfilled_entries_per_incident_and_puts_errors_first() {
    let repo = TestRepo::new();
    // Every entry written with --at days before the commit is backfilled.
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    for (at, text) in [
        ("2026-11-24T09:10:00Z", "first"),
        ("2026-11-24T09:20:00Z", "second"),
        ("2026-11-24T09:30:00Z", "third"),
    ] {
        repo.at(at, &["note", &id, text]).ok();
    }
    let run = repo.run(&["audit"]).ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[1].starts_with("  info: 4 entries backfilled (written later than they happened, dated 2026-11-24 09:05 UTC to 2026-11-24 09:30 UTC)"),
        "{}",
        run.stdout
    );
    let verbose = repo.run(&["audit", "--verbose"]).ok();
    assert_eq!(
        verbose.stdout.matches(": backfilled:").count(),
        4,
        "{}",
        verbose.stdout
    );
    // A line changed after it was committed is an error, listed before the information.
    let path = format!("incidents/{id}/timeline.yaml");
    let text = repo.read(&path).replace("text: second", "text: altered");
    repo.write(&path, &text);
    repo.git(&["commit", "-qam", "edit"]);
    let run = repo.run(&["audit"]).fails(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].ends_with("NOT append-only (6 commits)"),
        "{}",
        run.stdout
    );
    assert!(lines[1].contains(": error: hand-edit:"), "{}", run.stdout);
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("  info: 4 entries backfilled"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_man_pages_synopsis_says_what_each_option_takes() {
    let repo = TestRepo::new();
    let page = repo.run(&["man"]).ok().stdout;
    let synopsis = page
        .lines()
        .skip_while(|l| *l != ".SH SYNOPSIS")
        .nth(1)
        .unwrap()
        .replace("\\-", "-");
    assert!(
        synopsis.contains("[-C DIR] [--at TIME] [--by NAME] [--no-commit] [--json]")
            && synopsis.ends_with("COMMAND"),
        "{synopsis}"
    );
    repo.run(&["man", "-o", "man"]).ok();
    let update = repo.read("man/mim-update.1").replace("\\-", "-");
    assert!(update.contains("[--eta TIME] [--next TIME]"), "{update}");
    assert!(!update.contains("[-C ]"), "{update}");
}

#[test]
fn a_pir_action_due_on_a_day_shows_that_day_and_the_templates_list_lines_up() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T11:00:00Z",
        &["resolve", &id, "--closure", "config-change", "-m", "Fixed."],
    )
    .ok();
    repo.at(
        "2026-11-25T09:00:00Z",
        &[
            "pir",
            "start",
            &id,
            "--reason",
            "required",
            "--facilitator",
            "Dana Reyes",
        ],
    )
    .ok();
    repo.at(
        "2026-11-25T10:00:00Z",
        &[
            "pir",
            "action",
            "add",
            &id,
            "Alert on expiry",
            "--owner",
            "Ravi",
            "--due",
            "2026-12-08",
        ],
    )
    .ok();
    let show = repo.now("2026-11-26T09:00:00Z", &["show", &id]).ok().stdout;
    let line = show
        .lines()
        .find(|l| l.trim_start().starts_with("pir-action ("))
        .unwrap();
    assert!(line.ends_with("running   due 2026-12-08"), "{line}");
    let list = repo.run(&["templates", "list"]).ok().stdout;
    let columns: Vec<usize> = list.lines().map(|l| l.find("built-in").unwrap()).collect();
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{list}");
}

#[test]
fn status_never_says_nothing_is_active_when_an_incident_cannot_be_read() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    let path = format!("incidents/{id}/incident.yaml");
    let text = repo.read(&path).replace("impact: high", "impact: [high");
    repo.write(&path, &text);
    let run = repo.now("2026-11-24T10:00:00Z", &["status"]).fails(1);
    assert!(
        !run.stderr.contains("no active incidents"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&path), "{}", run.stderr);
}

#[test]
fn update_with_send_says_it_is_sending() {
    let repo = TestRepo::new();
    crate::common::mail::recording_sendmail(&repo);
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    let run = repo
        .at(
            "2026-11-24T09:30:00Z",
            &["update", &id, "-m", "Failing over.", "--send"],
        )
        .ok();
    assert!(
        run.stderr.contains("recorded; sending 1 message"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("mim send"), "{}", run.stderr);
}

/// The organisation's look and a client's services, scheduled maintenance included.
fn branded(repo: &TestRepo) {
    std::fs::create_dir_all(repo.path("branding")).unwrap();
    repo.write(
        "branding/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    let text = repo
        .read("mim.yaml")
        .replace(
            "  timezone: UTC                       # how times are shown in emails and reports\n",
            "  timezone: UTC                       # how times are shown in emails and reports\n  \
             logo: branding/logo.svg\n  colour: \"#0b5cad\"\n  \
             support_contact: \"Service desk +44 20 7946 0000\"\n",
        )
        .replace(
            "    calendar: acme-hours              # replaces `business` for this client's incidents\n",
            "    calendar: acme-hours              # replaces `business` for this client's incidents\n    \
             services: [Payments API, Web shop]\n",
        )
        + "\nmaintenance:\n  - {title: Database upgrade, from: 2026-11-28T22:00:00Z, until: 2026-11-29T02:00:00Z, services: [Web shop], clients: [acme]}\n";
    repo.config(&text);
}

#[test]
fn what_clients_see_carries_the_brand_and_the_status_page_its_services() {
    let repo = TestRepo::new();
    branded(&repo);
    repo.run(&["validate"]).ok();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "Failing over."],
    )
    .ok();
    // The e-mail: the logo inline, the colour, the support contact and the reference.
    let mails = crate::common::mail::outbox(&repo, &id);
    let msg = crate::common::mail::parse(&mails["20261124T093000Z-u1-client.eml"]);
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("src=\"data:image/svg+xml;base64,"), "{html}");
    assert!(html.contains("background:#0b5cad"), "{html}");
    assert!(
        html.contains("Service desk +44 20 7946 0000 · Reference: 2026-11-24-payments-api-outage"),
        "{html}"
    );
    // The status page: each service with its state and 90 days, the maintenance, the
    // incident's own page, how to subscribe.
    repo.now("2026-11-24T10:00:00Z", &["site", "-o", "site"])
        .ok();
    let page = repo.read("site/acme/index.html");
    let doc = scraper::Html::parse_document(&page);
    let sel = |css: &str| scraper::Selector::parse(css).unwrap();
    let components: Vec<String> = doc
        .select(&sel(".components li"))
        .map(|li| li.text().collect::<String>())
        .collect();
    assert_eq!(components.len(), 2, "{components:?}");
    assert!(
        components[0].starts_with("Payments APIInvestigating"),
        "{components:?}"
    );
    assert!(
        components[1].starts_with("Web shopOperational"),
        "{components:?}"
    );
    for bar in doc.select(&sel(".bar")) {
        assert_eq!(bar.select(&sel("span")).count(), 90);
    }
    let down: Vec<_> = doc.select(&sel(".bar span.down")).collect();
    assert_eq!(down.len(), 1, "today, for the payments API");
    assert!(
        down[0]
            .value()
            .attr("title")
            .unwrap()
            .starts_with("2026-11-24: down "),
        "{:?}",
        down[0].value().attr("title")
    );
    let maintenance = doc.select(&sel("article.maintenance")).next().unwrap();
    let text: String = maintenance.text().collect();
    assert!(
        text.contains("Database upgrade") && text.contains("Scheduled"),
        "{text}"
    );
    assert!(
        doc.select(&sel("a")).any(
            |a| a.value().attr("href") == Some("incidents/2026-11-24-payments-api-outage.html")
        ),
        "{page}"
    );
    assert!(page.contains("class=\"subscribe\""), "{page}");
    let incident = repo.read("site/acme/incidents/2026-11-24-payments-api-outage.html");
    assert!(incident.contains("Failing over."), "{incident}");
    assert!(
        incident.contains("Service desk +44 20 7946 0000"),
        "{incident}"
    );
    // The KPI report and the PIR report carry the brand too.
    let kpi = repo
        .now("2026-11-24T10:00:00Z", &["report", "--format", "html"])
        .ok()
        .stdout;
    assert!(
        kpi.contains("class=\"brand\"") && kpi.contains("data:image/svg+xml"),
        "{kpi}"
    );
    assert!(kpi.contains("generated 2026-11-24 10:00 UTC"), "{kpi}");
}

#[test]
fn a_bad_colour_or_logo_is_a_configuration_error() {
    let repo = TestRepo::new();
    let text = repo.read("mim.yaml").replace(
        "  timezone: UTC                       # how times are shown in emails and reports\n",
        "  timezone: UTC                       # how times are shown in emails and reports\n  \
         logo: logo.exe\n  colour: blue\n",
    );
    repo.write("mim.yaml", &text);
    let run = repo.run(&["validate"]).fails(2);
    assert!(
        run.stderr.contains("colour `blue` is not #rrggbb"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("logo `logo.exe`"), "{}", run.stderr);
}

#[test]
fn a_next_update_promised_past_the_cadence_warns() {
    let repo = crate::common::TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    // P1's internal cadence is 30m: an update at 09:10 is due again by 09:40.
    let late = repo
        .at(
            "2026-11-24T09:10:00Z",
            &["update", &id, "-m", "Rolling back.", "--next", "45m"],
        )
        .ok();
    assert!(
        late.stderr.contains(
            "warning: --next 2026-11-24 09:55 UTC is after the internal update due by the cadence, 2026-11-24 09:40 UTC"
        ),
        "{}",
        late.stderr
    );
    let within = repo
        .at(
            "2026-11-24T09:20:00Z",
            &["update", &id, "-m", "Still rolling back.", "--next", "30m"],
        )
        .ok();
    assert!(!within.stderr.contains("warning"), "{}", within.stderr);
}

#[test]
fn show_gives_time_to_detect_only_when_it_was_measured() {
    let repo = crate::common::TestRepo::new();
    let plain = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    let text = repo.run(&["show", &plain]).ok().stdout;
    assert!(text.contains("to accept"), "{text}");
    assert!(!text.contains("to detect"), "{text}");
    let measured = repo.declare(
        "2026-11-24T10:00:00Z",
        "Mail delayed",
        "high",
        "high",
        &[
            "--detected",
            "2026-11-24T09:50:00Z",
            "--impact-started",
            "2026-11-24T09:40:00Z",
        ],
    );
    let text = repo.run(&["show", &measured]).ok().stdout;
    assert!(text.contains("to detect    10m"), "{text}");
}
