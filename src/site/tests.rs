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
        &inputs,
        &Options {
            days: 90,
            client: None,
        },
        now,
    );
    let feed = atom::feed(&site, &site.clients[0], Some("https://status.example/"));
    assert!(
        feed.contains("<title>Restored: A &amp; B &lt;c&gt; </title>"),
        "{feed}"
    );
    assert!(
        feed.contains("href=\"https://status.example/acme/index.html#2026-11-01-payments-down\""),
        "{feed}"
    );
}
