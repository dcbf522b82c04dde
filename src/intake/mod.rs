//! Where incidents come from: alert payloads (see [`payload`]) turned into proposals by
//! the rules of mim.yaml (see [`crate::config::intake`]), or into notes on the open incident the alert
//! (or its group) already belongs to. The decisions here are pure; `mim intake` (a file
//! or standard input) and `mim intake serve` (HTTP, see [`serve`]) load, lock and write.

pub mod payload;
pub mod serve;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Config;
use crate::config::intake as rules;
use crate::state::State;
use crate::time::Timestamp;
use payload::{Alert, Payload, Status};

/// What intake did with one payload: printed by `mim intake`, the body of the HTTP answer.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub action: Action,
    /// The incident proposed or noted on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// The rule that mapped the alert (proposed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// How many alerts of the payload were recorded.
    pub alerts: usize,
    pub message: String,
    /// The payload itself was bad (not JSON, not a known format, too large), as opposed
    /// to a good payload no rule maps.
    #[serde(skip)]
    pub malformed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A new incident was proposed.
    Proposed,
    /// The alerts were added to an open incident as notes.
    Noted,
    /// Nothing to do: a resolved (or acknowledged …) alert no open incident has.
    Ignored,
    /// Not taken in: no rule matches, or the payload is bad. Nothing was written.
    Refused,
}

impl Outcome {
    pub fn refused(message: impl Into<String>) -> Outcome {
        Outcome {
            action: Action::Refused,
            incident: None,
            rule: None,
            alerts: 0,
            message: message.into(),
            malformed: false,
        }
    }

    /// A refusal of a bad payload.
    pub fn malformed(message: impl Into<String>) -> Outcome {
        Outcome {
            malformed: true,
            ..Outcome::refused(message)
        }
    }
}

/// What a rule made of an alert: the fields of the proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub rule: String,
    pub title: String,
    pub service: String,
    pub client: Option<String>,
    pub ci: Option<String>,
    pub category: Option<String>,
    pub impact: String,
    pub urgency: String,
    pub description: Option<String>,
    /// The earliest start of the firing alerts (not after `now`): the impact start.
    pub impact_started: Option<Timestamp>,
}

/// The alert whose labels the rules read: the first firing one.
pub fn lead(payload: &Payload) -> Option<&Alert> {
    payload.alerts.iter().find(|a| a.status == Status::Firing)
}

/// The proposal the first matching rule makes of `payload`'s first firing alert, or
/// why none does (every rule, and what it wanted).
pub fn propose(config: &Config, payload: &Payload, now: Timestamp) -> Result<Proposal, String> {
    let Some(alert) = lead(payload) else {
        return Err("the payload has no firing alert".into());
    };
    let rules = &config.intake.rules;
    if rules.is_empty() {
        return Err(format!(
            "mim.yaml has no intake rules, so no alert can be mapped ({}): add rules under `intake.rules` \
             (docs/intake-and-regulation.md)",
            labels(alert)
        ));
    }
    let mut misses = Vec::new();
    for rule in rules {
        match apply(rule, payload, alert) {
            Ok(mut p) => {
                p.impact_started = payload
                    .alerts
                    .iter()
                    .filter(|a| a.status == Status::Firing)
                    .filter_map(|a| a.started)
                    .filter(|t| *t <= now)
                    .min();
                return Ok(p);
            }
            Err(why) => misses.push(format!("rule `{}` {why}", rule.name)),
        }
    }
    Err(format!(
        "no intake rule matches this {} alert ({}): {}; add a rule to `intake.rules` in mim.yaml \
         (a last rule with `match: {{}}` proposes every other alert with its defaults)",
        payload.source,
        labels(alert),
        misses.join("; ")
    ))
}

/// `alertname=Down, severity=warning` (the first dozen).
fn labels(alert: &Alert) -> String {
    let shown: Vec<String> = alert
        .fields
        .iter()
        .take(12)
        .map(|(k, v)| format!("{k}={}", crate::text::clip(v, 60)))
        .collect();
    if shown.is_empty() {
        "no labels".into()
    } else if alert.fields.len() > 12 {
        format!("{}, …", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// The proposal `rule` makes of `alert`, or what it wanted that the alert lacks.
fn apply(rule: &rules::Rule, payload: &Payload, alert: &Alert) -> Result<Proposal, String> {
    if let Some(source) = &rule.source
        && source != &payload.source
    {
        return Err(format!("takes alerts from {source} only"));
    }
    for (label, pattern) in &rule.matches {
        match alert.fields.get(label) {
            None => return Err(format!("wants {label}{pattern} (the alert has no {label})")),
            Some(v) if !pattern.matches(v) => {
                return Err(format!("wants {label}{pattern} (it is {v})"));
            }
            Some(_) => {}
        }
    }
    let fields = &alert.fields;
    let fill = |what: &str, text: &str| -> Result<String, String> {
        rules::fill(text, fields)
            .map(|t| crate::text::one_line(&t))
            .map_err(|missing| {
                format!("matches, but its {what} needs {{{missing}}}, which the alert lacks")
            })
    };
    let optional = |what: &str, text: &Option<String>| -> Result<Option<String>, String> {
        text.as_deref()
            .map(|t| fill(what, t))
            .transpose()
            .map(|t| t.filter(|t| !t.is_empty()))
    };
    let title = match &rule.title {
        Some(t) => fill("title", t)?,
        None => alert.title.clone(),
    };
    let service = fill("service", &rule.service)?;
    if service.is_empty() || title.is_empty() {
        return Err("matches, but its title or service comes out empty".into());
    }
    Ok(Proposal {
        rule: rule.name.clone(),
        title,
        service,
        client: optional("client", &rule.client)?,
        ci: optional("ci", &rule.ci)?,
        category: optional("category", &rule.category)?,
        impact: rule.impact.clone(),
        urgency: rule.urgency.clone(),
        description: alert.description.clone(),
        impact_started: None,
    })
}

/// Whether the incident of `state` holds one of `payload`'s alerts, or its group.
pub fn belongs(state: &State, payload: &Payload) -> bool {
    payload
        .alerts
        .iter()
        .any(|a| state.has_alert(&a.key, payload.group.as_deref()))
}

/// The alerts of a payload by their keys, each once (a payload may repeat one).
pub fn distinct(payload: &Payload) -> Vec<&Alert> {
    let mut seen = BTreeMap::new();
    for a in &payload.alerts {
        seen.entry((a.key.as_str(), a.status.as_str())).or_insert(a);
    }
    let mut out: Vec<&Alert> = seen.into_values().collect();
    out.sort_by_key(|a| payload.alerts.iter().position(|b| std::ptr::eq(*a, b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(rules: &str) -> Config {
        let text = format!(
            "{}\nintake:\n  rules:\n{rules}",
            crate::config::DEFAULT_CONFIG
        );
        Config::parse(Path::new("mim.yaml"), &text).unwrap_or_else(|d| panic!("{d}"))
    }

    fn am(labels: &str) -> Payload {
        let body = format!(
            r#"{{"version":"4","groupKey":"g","alerts":[{{"status":"firing","labels":{labels},
            "annotations":{{"summary":"Payments down"}},"startsAt":"2026-11-24T08:50:00Z","fingerprint":"f1"}}]}}"#
        );
        payload::parse(body.as_bytes(), None).unwrap()
    }

    fn now() -> Timestamp {
        chrono::DateTime::parse_from_rfc3339("2026-11-24T09:00:00Z").unwrap()
    }

    #[test]
    fn the_first_matching_rule_maps_the_alert() {
        let c = config(
            "    - {name: payments, match: {service: payments, severity: [critical, page]}, title: \"{alertname} on {instance}\", service: Payments API, client: acme, ci: \"{instance}\", impact: high, urgency: high}\n    - {name: rest, match: {}, service: \"{service}\", impact: low, urgency: low}\n",
        );
        let p = propose(
            &c,
            &am(r#"{"alertname":"Down","service":"payments","severity":"critical","instance":"pay-gw-01"}"#),
            now(),
        )
        .unwrap();
        assert_eq!(p.rule, "payments");
        assert_eq!(p.title, "Down on pay-gw-01");
        assert_eq!(p.client.as_deref(), Some("acme"));
        assert_eq!(p.ci.as_deref(), Some("pay-gw-01"));
        assert_eq!(
            crate::time::format(&p.impact_started.unwrap()),
            "2026-11-24T08:50:00Z"
        );
        let p = propose(
            &c,
            &am(r#"{"alertname":"Down","service":"mail","severity":"warning"}"#),
            now(),
        )
        .unwrap();
        assert_eq!(
            (p.rule.as_str(), p.title.as_str(), p.service.as_str()),
            ("rest", "Payments down", "mail")
        );
    }

    #[test]
    fn an_unmapped_alert_is_refused_naming_each_rule() {
        let c = config(
            "    - {name: payments, match: {severity: critical}, service: Payments API, impact: high, urgency: high}\n    - {name: db, match: {team: dba}, service: DB, impact: high, urgency: high}\n",
        );
        let e = propose(
            &c,
            &am(r#"{"alertname":"Down","severity":"warning"}"#),
            now(),
        )
        .unwrap_err();
        assert!(
            e.contains("rule `payments` wants severity=critical (it is warning)"),
            "{e}"
        );
        assert!(
            e.contains("rule `db` wants team=dba (the alert has no team)"),
            "{e}"
        );
        assert!(e.contains("alertname=Down"), "{e}");
    }

    #[test]
    fn rules_are_checked_against_the_configuration() {
        let text = format!(
            "{}\nintake:\n  rules:\n    - {{name: x, match: {{}}, service: S, client: nope, impact: huge, urgency: high}}\n",
            crate::config::DEFAULT_CONFIG
        );
        let err = Config::parse(Path::new("mim.yaml"), &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("impact `huge` is not a level"), "{err}");
        assert!(
            err.contains("client `nope` is not under `clients`"),
            "{err}"
        );
    }
}
