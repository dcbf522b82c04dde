//! A built-in sample incident, and the contexts every template is rendered with for it,
//! so `mim validate` and `mim check` can try the repository's overrides before a real
//! incident needs them. Fixed times and the default configuration: the same contexts
//! on every machine.
//!
//! Each template gets two contexts: a full one, where every optional value is set and
//! every list has items (a client, a plan, escalations, an update with an ETA, a
//! restoration by workaround, a PIR with actions and reviews), and a sparse one, where
//! they are none or empty, so both sides of most `{% if %}`s are rendered.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::comms::{Audience, Kind, MessageContext};
use crate::config::{Config, DEFAULT_CONFIG};
use crate::model::{Incident, Names, Record, plan};
use crate::pir::{report, rfo};
use crate::render::view::UpdateView;
use crate::time::Timestamp;

const ID: &str = "2026-11-24-payments-api-outage";

const RECORD: &str = "\
title: Payments API outage
service: Payments API
client: acme
ci: pay-gw-01
category: application
impact: medium
urgency: high
priority: P2
reporter: Sam Patel
reported: 2026-11-24T09:00:00Z
tickets: [ACME-4411]
description: Card payments fail with HTTP 503 for every merchant.
";

const TIMELINE: &str = r#"
- {at: 2026-11-24T09:05:00Z, by: Alice Moreau, event: accept, from: proposed, manager: Alice Moreau}
- {at: 2026-11-24T09:08:00Z, by: Alice Moreau, event: reprioritise, impact: high, urgency: high, priority: P1, from: P2, reason: "Every merchant is affected"}
- {at: 2026-11-24T09:12:00Z, by: Alice Moreau, event: plan, change: created}
- {at: 2026-11-24T09:20:00Z, by: Ravi Kumar, event: escalate, kind: vendor, to: Gateway vendor, reason: "Certificate rejected by the gateway", ref: CASE-7781}
- {at: 2026-11-24T09:25:00Z, by: Alice Moreau, event: escalate, kind: management, to: Dana Reyes, level: service-delivery-manager, reason: "Every merchant is affected"}
- {at: 2026-11-24T09:30:00Z, by: Alice Moreau, event: update, audience: internal, number: 1, file: updates/20261124T093000Z-internal.md}
- {at: 2026-11-24T09:30:00Z, by: Alice Moreau, event: update, audience: management, number: 1, file: updates/20261124T093000Z-management.md}
- {at: 2026-11-24T09:30:00Z, by: Alice Moreau, event: update, audience: client, number: 1, file: updates/20261124T093000Z-client.md}
- {at: 2026-11-24T09:45:00Z, by: Alice Moreau, event: hold, from: accepted, reason: "Waiting for the carrier"}
- {at: 2026-11-24T10:00:00Z, by: Alice Moreau, event: resume, from: on-hold}
- {at: 2026-11-24T10:30:00Z, by: Ravi Kumar, event: note, text: "Standby gateway tested"}
- {at: 2026-11-24T11:00:00Z, by: Alice Moreau, event: resolve, from: accepted, summary: "Traffic moved to the standby gateway.", closure: workaround, workaround: true, problem: PRB-1042, verification: verified-by-client, client_message: "Payments work again through our standby systems."}
- {at: 2026-11-25T09:00:00Z, by: Dana Reyes, event: pir-start, reason: required, facilitator: Dana Reyes}
- {at: 2026-11-25T09:30:00Z, by: Dana Reyes, event: pir-action, id: A1-k7q, text: "Monitor certificate expiry", owner: Ravi Kumar, due: 2026-12-01, kind: technical}
- {at: 2026-11-25T09:35:00Z, by: Dana Reyes, event: pir-action, id: A2-m3x, text: "Rehearse the gateway failover", owner: Alice Moreau, due: 2026-12-08, kind: process}
- {at: 2026-11-25T09:40:00Z, by: Dana Reyes, event: pir-action, id: A3-p9r, text: "Second certificate authority", owner: Ravi Kumar, due: 2026-12-08, kind: technical}
- {at: 2026-11-26T14:30:00Z, by: Dana Reyes, event: pir-review, session: internal, held_at: 2026-11-26T14:00:00Z, attendees: [Dana Reyes, Alice Moreau], feedback: "The expiry alert was missing."}
- {at: 2026-11-27T16:30:00Z, by: Dana Reyes, event: pir-review, session: client, held_at: 2026-11-27T16:10:00Z, attendees: [Dana Reyes, ACME IT], feedback: "ACME asked for the monitoring.", adopted: [A1-k7q]}
- {at: 2026-11-28T10:00:00Z, by: Ravi Kumar, event: pir-action-done, id: A1-k7q, note: "Alert at 30 days"}
- {at: 2026-11-28T10:05:00Z, by: Dana Reyes, event: pir-action-drop, id: A3-p9r, reason: "Covered by A1-k7q"}
- {at: 2026-12-01T09:00:00Z, by: Dana Reyes, event: close, from: resolved, override: "A2-m3x is planned for the next change window"}
"#;

const SPARSE_TIMELINE: &str = r#"
- {at: 2026-11-24T09:05:00Z, by: Alice Moreau, event: accept, from: proposed, manager: Alice Moreau}
- {at: 2026-11-24T11:00:00Z, by: Alice Moreau, event: resolve, from: accepted, summary: "The gateway was restarted.", closure: permanent-fix}
- {at: 2026-11-25T09:00:00Z, by: Dana Reyes, event: pir-start, reason: management, facilitator: Dana Reyes}
"#;

const PLAN: &str = "\
---
bridge: https://meet.msp.example/payments
workstreams:
  - {name: failover, owner: Ravi Kumar, status: done}
  - {name: certificate, owner: Alice Moreau, vendor: Gateway vendor, status: open}
---

## Restoration approach

Move traffic to the standby gateway, then renew the certificate.
";

const PIR_MD: &str = "\
# Post incident review

## What happened

The gateway's certificate expired.
";

/// When the sample's messages and report are rendered.
const UPDATE_AT: &str = "2026-11-24T09:30:00Z";
/// The sparse sample's update shows the incident as declared, before it was accepted.
const DECLARED_AT: &str = "2026-11-24T09:00:00Z";
const RESOLVED_AT: &str = "2026-11-24T11:00:00Z";
const REPORT_AT: &str = "2026-12-01T12:00:00Z";

/// The sample contexts template `name` is rendered with, the full one first; none for
/// a name mim does not render.
pub fn contexts(name: &str) -> Option<Vec<serde_json::Value>> {
    let config = Config::parse(Path::new("mim.yaml"), DEFAULT_CONFIG)
        .expect("the default configuration parses");
    if name == report::TEMPLATE_MD || name == report::TEMPLATE_HTML {
        return Some(vec![
            json(&pir_report(&config, &full())),
            json(&pir_report(&config, &sparse(true))),
        ]);
    }
    if name == rfo::TEMPLATE_MD || name == rfo::TEMPLATE_HTML {
        return Some(vec![
            json(&client_report(&config, &full())),
            json(&client_report(&config, &sparse(true))),
        ]);
    }
    if crate::config::regulation::is_draft_template(name) {
        return Some(vec![
            json(&crate::regulation::draft::sample(&full(), name, true)),
            json(&crate::regulation::draft::sample(
                &sparse(true),
                name,
                false,
            )),
        ]);
    }
    let all = Audience::ALL;
    // End users only ever get the restoral notice.
    for audience in all.into_iter().filter(|a| *a != Audience::EndUsers) {
        if Kind::Update(1).template(audience) == name {
            let sparse = sparse(audience.is_external());
            return Some(vec![
                json(&update(&config, &full(), audience, true)),
                json(&update(&config, &sparse, audience, false)),
            ]);
        }
    }
    for audience in all {
        if Kind::Restoral.template(audience) == name {
            let sparse = sparse(audience.is_external());
            return Some(vec![
                json(&restoral(&config, &full(), audience, true)),
                json(&restoral(&config, &sparse, audience, false)),
            ]);
        }
    }
    None
}

fn json(context: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(context).expect("a template context serializes")
}

fn t(text: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(text).expect("a sample time")
}

/// The sample incident with everything: a client, a plan, escalations, updates, a hold,
/// a restoration by workaround, a PIR with actions and reviews, closed.
fn full() -> Incident {
    Incident {
        id: ID.to_string(),
        dir: PathBuf::from("incidents").join(ID),
        record: serde_yaml::from_str(RECORD).expect("the sample record parses"),
        entries: serde_yaml::from_str(TIMELINE).expect("the sample timeline parses"),
        plan: Some(plan::parse(Path::new("plan.md"), PLAN).expect("the sample plan parses")),
        texts: Default::default(),
    }
}

/// The sample incident with nothing optional: no ci, category, tickets or description,
/// no plan or escalations; a client only when `with_client` (messages to the client need
/// one); restored by a permanent fix; a PIR without actions or reviews.
fn sparse(with_client: bool) -> Incident {
    let mut record: Record = serde_yaml::from_str(RECORD).expect("the sample record parses");
    record.client = Names::new(with_client.then(|| "acme".to_string()));
    record.ci = Names::default();
    record.category = None;
    record.tickets = Vec::new();
    record.description = None;
    Incident {
        id: ID.to_string(),
        dir: PathBuf::from("incidents").join(ID),
        record,
        entries: serde_yaml::from_str(SPARSE_TIMELINE).expect("the sparse timeline parses"),
        plan: None,
        texts: Default::default(),
    }
}

fn update(config: &Config, incident: &Incident, audience: Audience, full: bool) -> MessageContext {
    let at = t(UPDATE_AT);
    // The state derivation leaves out what happened after its instant.
    let state = crate::state::derive(config, incident, if full { at } else { t(DECLARED_AT) });
    let update = UpdateView {
        number: 1,
        at: UPDATE_AT.to_string(),
        by: "Alice Moreau".to_string(),
        body: "Card payments fail; we are moving traffic to the standby gateway.".to_string(),
        status_line: full.then(|| "Degraded: failover in progress".to_string()),
        eta: None,
        next: full.then(|| "Within the hour".to_string()),
        next_at: None,
        monitoring: full,
    };
    let eta = full.then(|| t("2026-11-24T11:30:00Z"));
    let mut context =
        MessageContext::new(config, incident, &state, audience, at).with_update(update, eta);
    if full {
        fill_reader(&mut context);
    } else {
        context.restore = None;
        context.reader.restore = None;
        context.reader.next_update_by = None;
    }
    context
}

/// Every optional fact of the reader set, so a template's use of each is rendered once.
fn fill_reader(context: &mut MessageContext) {
    if let Some(u) = &mut context.update {
        u.eta
            .get_or_insert_with(|| "2026-11-24T11:30:00Z".to_string());
        u.next_at
            .get_or_insert_with(|| "2026-11-24T10:00:00Z".to_string());
    }
    let r = &mut context.reader;
    r.next_update_by
        .get_or_insert_with(|| "2026-11-24T10:00:00Z".to_string());
    r.eta
        .get_or_insert_with(|| "2026-11-24T11:30:00Z".to_string());
    r.restored_at.get_or_insert_with(|| RESOLVED_AT.to_string());
    r.client_message
        .get_or_insert_with(|| "Card payments work again.".to_string());
    r.cadence.get_or_insert_with(|| "1h".to_string());
    if r.clients.is_empty() {
        r.clients.push(crate::facts::ClientFigures {
            client: "acme".to_string(),
            name: "ACME Corp".to_string(),
            priority: "P1".to_string(),
            impact: "high".to_string(),
            affected_at: DECLARED_AT.to_string(),
            restored_at: Some(RESOLVED_AT.to_string()),
            restore: r.restore.clone(),
        });
    }
}

fn restoral(
    config: &Config,
    incident: &Incident,
    audience: Audience,
    full: bool,
) -> MessageContext {
    let at = t(RESOLVED_AT);
    let state = crate::state::derive(config, incident, at);
    let mut context = MessageContext::new(config, incident, &state, audience, at);
    if full {
        fill_reader(&mut context);
    } else {
        context.restore = None;
        context.reader.restore = None;
    }
    context
}

/// The sample's incident report for its client, acme.
fn client_report(config: &Config, incident: &Incident) -> rfo::Rfo {
    let state = crate::state::derive(config, incident, t(REPORT_AT));
    let pir = state.pir.clone().expect("the sample has a PIR");
    let summary = crate::pir::document::ClientSummary {
        cause: "A security certificate of the payment gateway expired.".to_string(),
        fix: "We moved payments to our standby systems and renewed the certificate.".to_string(),
    };
    let read = |_: &crate::state::UpdateMark| {
        Ok((
            Some("Degraded: failover in progress".to_string()),
            "Card payments fail; we are moving them to our standby systems.".to_string(),
        ))
    };
    rfo::build(config, incident, &state, &pir, &summary, "acme", &read)
        .expect("the sample's client report builds")
}

fn pir_report(config: &Config, incident: &Incident) -> report::Report {
    let state = crate::state::derive(config, incident, t(REPORT_AT));
    let pir = state.pir.clone().expect("the sample has a PIR");
    report::build(config, incident, &state, &pir, PIR_MD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Templates;

    #[test]
    fn every_built_in_template_renders_with_both_samples() {
        let templates = Templates::new(None);
        for name in templates.names() {
            let contexts = contexts(name).unwrap_or_else(|| panic!("{name} has no sample"));
            assert_eq!(contexts.len(), 2, "{name}");
            for context in contexts {
                templates
                    .render(name, &context)
                    .unwrap_or_else(|e| panic!("{name}: {e:#}"));
            }
        }
        assert!(contexts(report::TEMPLATE_HTML).is_some());
        assert!(contexts("update-end-users.md").is_none());
        assert!(contexts("nope.md").is_none());
    }

    #[test]
    fn the_full_sample_sets_every_optional_value() {
        let full = &contexts("pir-report.md").unwrap()[0];
        for path in [
            "/incident/client",
            "/incident/closed_at",
            "/resolution/problem",
            "/resolution/verification",
            "/actions/0/closed_at",
            "/adoption/of",
        ] {
            let value = full.pointer(path).unwrap_or_else(|| panic!("{path}"));
            assert!(!value.is_null(), "{path}");
        }
        assert_eq!(full["incident"]["declared_priority"], "P2");
        assert_eq!(full["incident"]["priority"], "P1");
        let update = &contexts("update-management.md").unwrap()[0];
        for path in [
            "/update/eta",
            "/update/next_at",
            "/restore/due",
            "/plan/bridge",
        ] {
            let value = update.pointer(path).unwrap_or_else(|| panic!("{path}"));
            assert!(!value.is_null(), "{path}");
        }
        assert_eq!(update["incident"]["status"], "accepted");
        assert_eq!(update["escalations"][1]["hierarchic"], true);
        let sparse = &contexts("update-internal.md").unwrap()[1];
        assert!(sparse["incident"]["manager"].is_null());
        assert!(sparse["incident"]["client"].is_null());
        assert!(sparse["restore"].is_null());
        let restoral = &contexts("restoral-client.md").unwrap()[1];
        assert_eq!(restoral["incident"]["client"], "ACME Corp");
        assert_eq!(restoral["resolution"]["closure"], "permanent-fix");
    }
}
