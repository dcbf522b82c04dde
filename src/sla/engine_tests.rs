use std::path::{Path, PathBuf};

use super::*;
use crate::config::DEFAULT_CONFIG;
use crate::model::{Entry, Record};
use crate::sla::inputs::ActionFacts;

fn config() -> Config {
    Config::parse(Path::new("mim.yaml"), DEFAULT_CONFIG).unwrap()
}

fn ts(text: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

/// Clocks and findings at `now`, from the incident's state then.
fn evaluate(config: &Config, incident: &Incident, now: Timestamp) -> Evaluation {
    evaluate_state(config, incident, &state::derive(config, incident, now))
}

fn clocks(config: &Config, incident: &Incident, now: Timestamp) -> Vec<Clock> {
    evaluate(config, incident, now).clocks
}

fn findings(config: &Config, incident: &Incident, now: Timestamp) -> Vec<Finding> {
    evaluate(config, incident, now).findings
}

/// The incident's state at `now`.
fn at(c: &Config, i: &Incident, now: &str) -> State {
    state::derive(c, i, ts(now))
}

/// An incident of `priority` reported at `reported`, with timeline lines in the file format.
fn incident(priority: &str, client: Option<&str>, reported: &str, timeline: &[&str]) -> Incident {
    let entries: Vec<Entry> = if timeline.is_empty() {
        Vec::new()
    } else {
        serde_yaml::from_str(&timeline.join("\n")).unwrap()
    };
    Incident {
        id: "2026-11-24-payments-api-outage".into(),
        dir: PathBuf::from("incidents/2026-11-24-payments-api-outage"),
        record: Record {
            title: "Payments API outage".into(),
            service: "Payments API".into(),
            client: client.map(String::from).into(),
            ci: Default::default(),
            category: None,
            impact: "high".into(),
            urgency: "high".into(),
            priority: priority.into(),
            reporter: "Noor".into(),
            reported: ts(reported),
            impact_started: None,
            detected: None,
            tickets: vec![],
            description: None,
        },
        entries,
        plan: None,
        texts: Default::default(),
    }
}

fn accept(at: &str) -> String {
    format!("- {{at: {at}, by: X, event: accept, from: proposed, manager: Alice}}")
}

fn update(at: &str, audience: &str, n: u32) -> String {
    format!(
        "- {{at: {at}, by: X, event: update, audience: {audience}, number: {n}, file: \"updates/u{n}.md\"}}"
    )
}

fn hold(at: &str) -> String {
    format!("- {{at: {at}, by: X, event: hold, from: accepted, reason: vendor}}")
}

fn resume(at: &str) -> String {
    format!("- {{at: {at}, by: X, event: resume, from: on-hold}}")
}

fn resolve(at: &str) -> String {
    format!(
        "- {{at: {at}, by: X, event: resolve, from: accepted, summary: fixed, closure: permanent-fix}}"
    )
}

fn escalate(at: &str, level: Option<&str>) -> String {
    let level = level.map(|l| format!(", level: {l}")).unwrap_or_default();
    format!("- {{at: {at}, by: X, event: escalate, kind: management, to: Dana{level}}}")
}

fn lines(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn clock(clocks: &[Clock], rule: Rule) -> &Clock {
    clocks
        .iter()
        .find(|c| c.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} clock in {clocks:#?}"))
}

fn of_rule(findings: &[Finding], rule: Rule) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn a_late_acceptance_breaches_respond_by_the_delay() {
    let tl = [accept("2026-11-24T09:25:00Z")];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T09:40:00Z"));
    let f = of_rule(&e.findings, Rule::Respond);
    assert_eq!(f.len(), 1, "{:#?}", e.findings);
    assert_eq!(f[0].level, Level::Breach);
    assert_eq!(f[0].overdue_by, Some(600));
    assert_eq!(f[0].due, Some(ts("2026-11-24T09:15:00Z")));
    assert_eq!(f[0].actual, Some(ts("2026-11-24T09:25:00Z")));
    assert_eq!(f[0].anchor, Anchor::Entry(0));
    assert!(
        f[0].message.contains("accepted 10m late"),
        "{}",
        f[0].message
    );
    let c = clock(&e.clocks, Rule::Respond);
    assert_eq!(c.state, ClockState::Breached);
    assert_eq!((c.target.secs(), c.elapsed.secs()), (900, 1500));
}

#[test]
fn an_acceptance_in_time_meets_respond() {
    let tl = [accept("2026-11-24T09:15:00Z")];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T09:20:00Z"));
    assert!(of_rule(&e.findings, Rule::Respond).is_empty());
    assert_eq!(clock(&e.clocks, Rule::Respond).state, ClockState::Met);
}

#[test]
fn a_running_clock_past_the_at_risk_share_warns_then_breaches() {
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &[]);
    let c = config();
    let e = evaluate(&c, &i, ts("2026-11-24T09:12:00Z"));
    let f = of_rule(&e.findings, Rule::Respond);
    assert_eq!(f[0].level, Level::AtRisk);
    assert_eq!(f[0].overdue_by, None);
    assert_eq!(clock(&e.clocks, Rule::Respond).state, ClockState::AtRisk);
    let e = evaluate(&c, &i, ts("2026-11-24T09:10:00Z"));
    assert!(of_rule(&e.findings, Rule::Respond).is_empty());
    assert_eq!(clock(&e.clocks, Rule::Respond).state, ClockState::Running);
    let e = evaluate(&c, &i, ts("2026-11-24T09:20:00Z"));
    let f = of_rule(&e.findings, Rule::Respond);
    assert_eq!((f[0].level, f[0].overdue_by), (Level::Breach, Some(300)));
    assert_eq!(f[0].actual, None);
    assert_eq!(f[0].anchor, Anchor::Record("reported"));
}

#[test]
fn a_gap_between_internal_updates_longer_than_the_cadence_is_a_breach() {
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        update("2026-11-24T09:30:00Z", "internal", 1),
        update("2026-11-24T10:45:00Z", "internal", 2),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T10:50:00Z"));
    let f = of_rule(&e.findings, Rule::UpdateInternal);
    assert_eq!(f.len(), 1, "{:#?}", e.findings);
    assert_eq!(f[0].due, Some(ts("2026-11-24T10:00:00Z")));
    assert_eq!(f[0].actual, Some(ts("2026-11-24T10:45:00Z")));
    assert_eq!(f[0].overdue_by, Some(45 * 60));
    assert_eq!(f[0].anchor, Anchor::Entry(2));
    let c = clock(&e.clocks, Rule::UpdateInternal);
    assert_eq!(c.state, ClockState::Breached);
    assert_eq!(c.due, Some(ts("2026-11-24T11:15:00Z")));
    assert!(c.is_open());
    // No client update at all for 1h50m against a 1h cadence.
    let f = of_rule(&e.findings, Rule::UpdateClient);
    assert_eq!(f[0].overdue_by, Some(50 * 60));
    assert!(
        f[0].message
            .contains("no client update yet (reported 2026-11-24 09:00 UTC)"),
        "{}",
        f[0].message
    );
}

#[test]
fn updates_in_time_meet_the_cadence_and_all_counts_for_both() {
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        update("2026-11-24T09:30:00Z", "all", 1),
        update("2026-11-24T10:00:00Z", "internal", 2),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T10:05:00Z"));
    assert!(of_rule(&e.findings, Rule::UpdateInternal).is_empty());
    assert!(of_rule(&e.findings, Rule::UpdateClient).is_empty());
    assert_eq!(
        clock(&e.clocks, Rule::UpdateClient).due,
        Some(ts("2026-11-24T10:30:00Z"))
    );
}

#[test]
fn time_on_hold_does_not_count_for_restore() {
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        hold("2026-11-24T10:00:00Z"),
        resume("2026-11-24T12:00:00Z"),
        resolve("2026-11-24T14:30:00Z"),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T15:00:00Z"));
    assert!(
        of_rule(&e.findings, Rule::Restore).is_empty(),
        "{:#?}",
        e.findings
    );
    let c = clock(&e.clocks, Rule::Restore);
    assert_eq!(c.state, ClockState::Met);
    assert_eq!(c.elapsed.secs(), 3 * 3600 + 1800);
    assert_eq!(c.due, Some(ts("2026-11-24T15:00:00Z")));

    // The same without the hold breaches by 1h30m.
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        resolve("2026-11-24T14:30:00Z"),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let f = findings(&config(), &i, ts("2026-11-24T15:00:00Z"));
    let f = of_rule(&f, Rule::Restore);
    assert_eq!(f[0].overdue_by, Some(5400));
}

#[test]
fn a_clock_on_hold_is_paused() {
    let tl = [accept("2026-11-24T09:10:00Z"), hold("2026-11-24T10:00:00Z")];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T20:00:00Z"));
    let c = clock(&e.clocks, Rule::Restore);
    assert_eq!((c.state, c.due), (ClockState::Paused, None));
    assert_eq!(c.elapsed.secs(), 3600);
}

#[test]
fn business_hours_carry_over_the_weekend_and_holidays() {
    // Friday 17:00 in London (GMT in November); 10h of business hours: 1h on Friday, 9h on Monday.
    let i = incident("P3", None, "2026-11-20T17:00:00Z", &[]);
    let c = clock(
        &clocks(&config(), &i, ts("2026-11-20T17:30:00Z")),
        Rule::Restore,
    )
    .clone();
    assert_eq!(c.due, Some(ts("2026-11-23T17:00:00Z")));
    let holiday = DEFAULT_CONFIG.replacen("    holidays: []\n", "    holidays: [2026-11-23]\n", 1);
    let config = Config::parse(Path::new("mim.yaml"), &holiday).unwrap();
    let c = clock(
        &clocks(&config, &i, ts("2026-11-20T17:30:00Z")),
        Rule::Restore,
    )
    .clone();
    assert_eq!(c.due, Some(ts("2026-11-24T17:00:00Z")));
}

#[test]
fn a_client_calendar_across_the_change_to_winter_time() {
    // ACME's hours are 07:00-19:00 America/New_York. Reported Friday 2026-10-30 18:00 EDT:
    // 1h on Friday, then 9h from 07:00 EST on Monday 2026-11-02 (after the change on the 1st).
    let i = incident("P3", Some("acme"), "2026-10-30T18:00:00-04:00", &[]);
    let c = clock(
        &clocks(&config(), &i, ts("2026-10-30T20:00:00-04:00")),
        Rule::Restore,
    )
    .clone();
    assert_eq!(c.due, Some(ts("2026-11-02T21:00:00Z")));
}

#[test]
fn a_management_escalation_before_half_the_restore_target_meets_the_first_level() {
    let c = config();
    let tl = [accept("2026-11-24T09:10:00Z")];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let f = findings(&c, &i, ts("2026-11-24T11:30:00Z"));
    let f = of_rule(&f, Rule::Escalation);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].name.as_deref(), Some("service-delivery-manager"));
    assert_eq!(f[0].due, Some(ts("2026-11-24T11:00:00Z")));
    assert_eq!(f[0].level, Level::Breach);

    let tl = [
        accept("2026-11-24T09:10:00Z"),
        escalate("2026-11-24T10:30:00Z", None),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&c, &i, ts("2026-11-24T11:30:00Z"));
    assert!(
        of_rule(&e.findings, Rule::Escalation).is_empty(),
        "{:#?}",
        e.findings
    );
    let levels: Vec<_> = e
        .clocks
        .iter()
        .filter(|c| c.rule == Rule::Escalation)
        .map(|c| (c.name.clone().unwrap(), c.state))
        .collect();
    assert_eq!(
        levels,
        [
            ("service-delivery-manager".to_string(), ClockState::Met),
            ("vp-services".to_string(), ClockState::Running),
        ]
    );
}

#[test]
fn a_named_level_covers_only_that_level() {
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        escalate("2026-11-24T10:30:00Z", Some("vp-services")),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let f = findings(&config(), &i, ts("2026-11-24T11:30:00Z"));
    let f = of_rule(&f, Rule::Escalation);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].name.as_deref(), Some("service-delivery-manager"));
    // A late escalation is a breach with the time it came.
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        escalate("2026-11-24T11:20:00Z", None),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let f = findings(&config(), &i, ts("2026-11-24T11:30:00Z"));
    let f = of_rule(&f, Rule::Escalation);
    assert_eq!(f[0].actual, Some(ts("2026-11-24T11:20:00Z")));
    assert_eq!(f[0].overdue_by, Some(1200));
}

#[test]
fn an_upgrade_applies_the_new_targets_from_the_change() {
    // P2 (restore 8h) for 5h, then P1 (4h): due at the change.
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        "- {at: 2026-11-24T14:00:00Z, by: X, event: reprioritise, impact: high, urgency: high, priority: P1}".to_string(),
    ];
    let i = incident("P2", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T14:30:00Z"));
    let c = clock(&e.clocks, Rule::Restore);
    assert_eq!(c.due, Some(ts("2026-11-24T14:00:00Z")));
    assert_eq!(c.target.secs(), 4 * 3600);
    assert_eq!(c.state, ClockState::Breached);
}

#[test]
fn events_after_now_do_not_count() {
    let tl = [accept("2026-11-24T09:25:00Z")];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T09:05:00Z"));
    let c = clock(&e.clocks, Rule::Respond);
    assert_eq!((c.state, c.stopped), (ClockState::Running, None));
}

#[test]
fn a_required_pir_not_started_within_the_deadline() {
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        resolve("2026-11-24T11:00:00Z"),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let c = config();
    let e = evaluate_with(
        &c,
        &i,
        &at(&c, &i, "2026-11-26T12:00:00Z"),
        &PirFacts::default(),
    );
    let f = of_rule(&e.findings, Rule::PirStart);
    assert_eq!(f[0].due, Some(ts("2026-11-26T11:00:00Z")));
    assert_eq!(f[0].overdue_by, Some(3600));
    assert_eq!(f[0].anchor, Anchor::Entry(1));

    let pir = PirFacts {
        started: Some((ts("2026-11-25T09:00:00Z"), 2)),
        actions: vec![ActionFacts {
            id: "A1".into(),
            created: ts("2026-11-25T10:00:00Z"),
            due: ts("2026-11-26T10:00:00Z"),
            done: None,
            entry: 3,
        }],
    };
    let e = evaluate_with(&c, &i, &at(&c, &i, "2026-11-26T12:00:00Z"), &pir);
    assert!(of_rule(&e.findings, Rule::PirStart).is_empty());
    let f = of_rule(&e.findings, Rule::PirAction);
    assert_eq!(f[0].name.as_deref(), Some("A1"));
    assert_eq!(
        (f[0].overdue_by, f[0].anchor.clone()),
        (Some(7200), Anchor::Entry(3))
    );

    // A P2 does not require a PIR.
    let i = incident("P2", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate_with(
        &c,
        &i,
        &at(&c, &i, "2026-12-26T12:00:00Z"),
        &PirFacts::default(),
    );
    assert!(e.clocks.iter().all(|c| c.rule != Rule::PirStart));
}

#[test]
fn a_rejected_proposal_has_only_a_respond_clock() {
    let tl =
        ["- {at: 2026-11-24T09:05:00Z, by: X, event: reject, from: proposed, reason: not major}"];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &tl);
    let e = evaluate(&config(), &i, ts("2026-11-25T09:00:00Z"));
    assert!(e.findings.is_empty(), "{:#?}", e.findings);
    let rules: Vec<Rule> = e.clocks.iter().map(|c| c.rule).collect();
    assert_eq!(rules, [Rule::Respond]);
}

#[test]
fn a_resolved_incident_stops_its_update_clocks() {
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        update("2026-11-24T09:20:00Z", "all", 1),
        resolve("2026-11-24T09:40:00Z"),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-25T09:00:00Z"));
    assert!(
        e.findings.iter().all(|f| f.rule == Rule::PirStart),
        "{:#?}",
        e.findings
    );
    let c = clock(&e.clocks, Rule::UpdateInternal);
    assert_eq!(c.state, ClockState::Met);
}

#[test]
fn clocks_serialize_in_the_documented_shape() {
    let tl = [accept("2026-11-24T09:25:00Z")];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let c = clocks(&config(), &i, ts("2026-11-24T09:40:00Z"));
    let v = serde_json::to_value(clock(&c, Rule::Respond)).unwrap();
    assert_eq!(v["rule"], "respond");
    assert_eq!(v["target_s"], 900);
    assert_eq!(v["elapsed_s"], 1500);
    assert_eq!(v["due"], "2026-11-24T09:15:00Z");
    assert_eq!(v["state"], "breached");
}

#[test]
fn time_resolved_before_a_reopen_does_not_count() {
    let tl = [
        accept("2026-11-24T09:10:00Z"),
        resolve("2026-11-24T10:00:00Z"),
        "- {at: 2026-11-24T20:00:00Z, by: X, event: reopen, from: resolved, reason: back}"
            .to_string(),
    ];
    let i = incident("P1", None, "2026-11-24T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-11-24T21:00:00Z"));
    let c = clock(&e.clocks, Rule::Restore);
    assert_eq!(c.elapsed.secs(), 2 * 3600);
    assert_eq!(c.due, Some(ts("2026-11-24T23:00:00Z")));
    assert_eq!(c.state, ClockState::Running);
}

#[test]
fn an_open_hold_in_business_hours_is_paused_not_due() {
    let tl = [
        "- {at: 2026-11-23T09:30:00Z, by: X, event: accept, from: proposed, manager: A}"
            .to_string(),
        "- {at: 2026-11-23T10:00:00Z, by: X, event: hold, from: accepted, reason: client}"
            .to_string(),
    ];
    let i = incident("P3", None, "2026-11-23T09:00:00Z", &lines(&tl));
    let e = evaluate(&config(), &i, ts("2026-12-30T10:00:00Z"));
    let c = clock(&e.clocks, Rule::Restore);
    assert_eq!(
        (c.state, c.due, c.elapsed.secs()),
        (ClockState::Paused, None, 3600)
    );
}
