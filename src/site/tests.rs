use crate::render::brand::Brand;
use chrono::DateTime;

use super::*;

fn ts(text: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn config() -> Config {
    Config::parse(
        std::path::Path::new("mim.yaml"),
        crate::config::DEFAULT_CONFIG,
    )
    .unwrap()
}

fn incident(yaml_timeline: &str) -> Incident {
    let record: crate::model::Record = serde_yaml::from_str(
        "title: Payments down\nservice: Payments\nclient: acme\nimpact: high\nurgency: high\n\
         priority: P1\nreporter: Priya Shah\nreported: 2026-11-01T09:00:00Z\n",
    )
    .unwrap();
    Incident {
        id: "2026-11-01-payments-down".into(),
        dir: "incidents/2026-11-01-payments-down".into(),
        record,
        entries: serde_yaml::from_str(yaml_timeline).unwrap(),
        plan: None,
        texts: Default::default(),
    }
}

const RESOLVED: &str = "- {at: 2026-11-01T09:10:00Z, by: A, event: accept, from: proposed, manager: A}\n\
- {at: 2026-11-01T11:00:00Z, by: A, event: resolve, from: accepted, summary: done, closure: no-fault-found}\n";

#[test]
fn sections_follow_the_state_at_now() {
    let config = config();
    let proposed = incident("[]");
    let at = |i: &Incident, now: &str, days| {
        section(&crate::state::derive(&config, i, ts(now)), ts(now), days)
    };
    assert_eq!(at(&proposed, "2026-11-02T00:00:00Z", 90), None);
    assert_eq!(
        at(&proposed, "2026-10-01T00:00:00Z", 90),
        None,
        "not reported yet"
    );
    let resolved = incident(RESOLVED);
    assert_eq!(
        at(&resolved, "2026-11-01T10:00:00Z", 90),
        Some(Section::Active)
    );
    assert_eq!(
        at(&resolved, "2026-11-05T00:00:00Z", 90),
        Some(Section::Recent)
    );
    assert_eq!(
        at(&resolved, "2026-12-01T00:00:00Z", 90),
        Some(Section::History)
    );
    assert_eq!(
        at(&resolved, "2026-12-01T00:00:00Z", 20),
        None,
        "outside the window"
    );
}

#[test]
fn the_feed_escapes_text_and_drops_what_xml_cannot_carry() {
    let config = config();
    let mut i = incident(RESOLVED);
    i.record.title = "A & B <c> \u{1}".into();
    let now = ts("2026-11-02T00:00:00Z");
    let state = crate::state::derive(&config, &i, now);
    let inputs = [Input {
        incident: &i,
        state: &state,
        client_updates: vec![],
    }];
    let site = build(
        &config,
        Brand::plain(&config),
        &inputs,
        &Options {
            days: 90,
            client: None,
        },
        now,
    );
    let feed = atom::feed(&site, &site.clients[0], Some("https://status.example/"));
    assert!(
        feed.contains("<title>Restored — monitoring: A &amp; B &lt;c&gt; </title>"),
        "{feed}"
    );
    assert!(
        feed.contains(
            "href=\"https://status.example/acme/incidents/2026-11-01-payments-down.html\""
        ),
        "{feed}"
    );
}

#[test]
fn each_client_of_several_sees_the_updates_that_reached_it_only() {
    let config = Config::parse(
        std::path::Path::new("mim.yaml"),
        &crate::config::DEFAULT_CONFIG
            .replace("\naudiences:", "  globex:\n    name: Globex\n\naudiences:"),
    )
    .unwrap();
    let mut i = incident(
        "- {at: 2026-11-01T09:10:00Z, by: A, event: accept, from: proposed, manager: A}\n\
         - {at: 2026-11-01T09:20:00Z, by: A, event: update, audience: client, number: 1, file: updates/a.md, client: acme}\n\
         - {at: 2026-11-01T09:21:00Z, by: A, event: update, audience: client, number: 1, file: updates/g.md, client: globex}\n\
         - {at: 2026-11-01T09:30:00Z, by: A, event: affect, client: acme, restored: true}\n",
    );
    i.record.client = crate::model::Names::new(["acme".to_string(), "globex".to_string()]);
    let now = ts("2026-11-01T10:00:00Z");
    let state = crate::state::derive(&config, &i, now);
    let update = |entry, body: &str| ClientUpdate {
        entry,
        at: ts("2026-11-01T09:20:00Z"),
        number: 1,
        status_line: Some(body.to_string()),
        eta: None,
        body: body.to_string(),
    };
    let inputs = [Input {
        incident: &i,
        state: &state,
        client_updates: vec![update(1, "For ACME"), update(2, "For Globex")],
    }];
    let options = Options {
        days: 90,
        client: None,
    };
    let site = build(&config, Brand::plain(&config), &inputs, &options, now);
    assert_eq!(
        site.overview[0].client.as_deref(),
        Some("ACME Corp, Globex")
    );
    let page = |key: &str| site.clients.iter().find(|p| p.key == key).unwrap();
    let acme = page("acme");
    // acme's service is back: restored on its page, while globex's is still down.
    assert_eq!(acme.recent.len(), 1);
    assert_eq!(acme.recent[0].status, "Restored — monitoring");
    assert_eq!(acme.recent[0].updates.len(), 1);
    // Its last status line was written before its service came back: no longer shown.
    assert_eq!(acme.recent[0].status_line, None);
    let globex = page("globex");
    assert_eq!(globex.active.len(), 1);
    assert_eq!(globex.active[0].status, "Investigating");
    let bodies: Vec<&str> = globex.active[0]
        .updates
        .iter()
        .map(|u| u.body_html.as_str())
        .collect();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains("For Globex"), "{bodies:?}");
}
