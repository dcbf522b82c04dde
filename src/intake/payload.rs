//! The alert payloads `mim intake` reads, each turned into the same [`Payload`]:
//! - Alertmanager's webhook (version 4; Grafana's alerting sends the same shape, with
//!   version 1): a group of alerts with `groupKey`, each with `status`, `labels`,
//!   `annotations`, `startsAt` and `fingerprint`;
//! - PagerDuty's webhook v3: one `event` with `event_type` (`incident.triggered`,
//!   `incident.resolved`, `incident.acknowledged`, …) and the incident in `event.data`;
//! - mim's generic JSON (documented in docs/intake-and-regulation.md), for anything else
//!   (Zabbix, Opsgenie, a script): `key`, `title`, `status`, `started_at`, `labels`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::time::Timestamp;

/// Which payload format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Alertmanager,
    Pagerduty,
    Generic,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Alertmanager => "alertmanager",
            Format::Pagerduty => "pagerduty",
            Format::Generic => "generic",
        }
    }
}

/// What an alert says of its problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Firing,
    Resolved,
    /// Anything else the source reports about it (PagerDuty: `acknowledged`, …).
    Other(String),
}

impl Status {
    pub fn as_str(&self) -> &str {
        match self {
            Status::Firing => "firing",
            Status::Resolved => "resolved",
            Status::Other(s) => s,
        }
    }
}

/// One alert, whatever its format.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub status: Status,
    /// Its own identity: the same alert again has the same key.
    pub key: String,
    pub title: String,
    /// When the source says it started.
    pub started: Option<Timestamp>,
    /// Labels and fields the rules match and fill placeholders from.
    pub fields: BTreeMap<String, String>,
    pub description: Option<String>,
}

/// One payload: a source, the group its alerts came in, the alerts.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    pub format: Format,
    /// `alertmanager`, `pagerduty`, or a generic payload's `source`.
    pub source: String,
    /// Alerts of one group belong to one incident (Alertmanager's `groupKey`,
    /// PagerDuty's `incident_key`, the generic `group`).
    pub group: Option<String>,
    pub alerts: Vec<Alert>,
}

/// The longest title kept from an alert.
const TITLE_MAX: usize = 200;
/// The longest label value kept (rules and placeholders read them).
const VALUE_MAX: usize = 500;

/// Parse `bytes` as `format`, or (None) whichever format it has the shape of.
pub fn parse(bytes: &[u8], format: Option<Format>) -> Result<Payload, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the payload is not valid JSON: {e}"))?;
    let Value::Object(map) = &value else {
        return Err("the payload is not a JSON object".into());
    };
    let format = match format {
        Some(f) => f,
        None if map.contains_key("alerts") => Format::Alertmanager,
        None if map
            .get("event")
            .is_some_and(|e| e.get("event_type").is_some()) =>
        {
            Format::Pagerduty
        }
        None if map.contains_key("key") && map.contains_key("title") => Format::Generic,
        None => {
            return Err(
                "the payload is none of the formats mim reads: Alertmanager's webhook (with `alerts`), \
                 PagerDuty's webhook v3 (with `event.event_type`) or mim's generic JSON (with `key` and `title`)"
                    .into(),
            );
        }
    };
    let payload = match format {
        Format::Alertmanager => alertmanager(value),
        Format::Pagerduty => pagerduty(value),
        Format::Generic => generic(value),
    }
    .map_err(|e| format!("not a valid {} payload: {e}", format.as_str()))?;
    if payload.alerts.is_empty() {
        return Err(format!("the {} payload has no alerts", format.as_str()));
    }
    Ok(payload)
}

fn clip(text: &str, max: usize) -> String {
    let line = crate::text::one_line(text);
    match line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// An RFC 3339 time as the sources write it; Go's zero time (`0001-01-01T00:00:00Z`,
/// "not set") and times outside mim's range are none.
fn time_of(text: Option<&str>) -> Result<Option<Timestamp>, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let t = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("`{}` is not an RFC 3339 time", text.escape_debug()))?;
    if crate::time::check_range(t, text).is_err() {
        return Ok(None);
    }
    Ok(Some(
        t - chrono::TimeDelta::nanoseconds(i64::from(t.timestamp_subsec_nanos())),
    ))
}

fn strings(map: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    map.iter()
        .filter_map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((clip(k, 100), clip(&v, VALUE_MAX)))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmPayload {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    group_key: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    receiver: Option<String>,
    #[serde(default)]
    common_labels: BTreeMap<String, Value>,
    #[serde(default)]
    common_annotations: BTreeMap<String, Value>,
    #[serde(default)]
    truncated_alerts: u64,
    alerts: Vec<AmAlert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmAlert {
    status: String,
    #[serde(default)]
    labels: BTreeMap<String, Value>,
    #[serde(default)]
    annotations: BTreeMap<String, Value>,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
}

fn alertmanager(value: Value) -> Result<Payload, String> {
    let p: AmPayload = serde_json::from_value(value).map_err(|e| e.to_string())?;
    if let Some(v) = &p.version
        && v != "4"
        && v != "1"
    {
        return Err(format!(
            "version `{}`: mim reads Alertmanager's version 4 (and Grafana's version 1)",
            v.escape_debug()
        ));
    }
    let mut alerts = Vec::with_capacity(p.alerts.len());
    for a in &p.alerts {
        alerts.push(am_alert(&p, a)?);
    }
    if p.truncated_alerts > 0
        && let Some(first) = alerts.first_mut()
    {
        first.description = Some(format!(
            "{}({} more alerts of the group were left out by the sender)",
            first
                .description
                .as_ref()
                .map(|d| format!("{d} "))
                .unwrap_or_default(),
            p.truncated_alerts
        ));
    }
    let _ = p.status;
    Ok(Payload {
        format: Format::Alertmanager,
        source: "alertmanager".into(),
        group: p.group_key.map(|g| clip(&g, 300)).filter(|g| !g.is_empty()),
        alerts,
    })
}

/// One alert of an Alertmanager payload `p`: its fields (the group's annotations and
/// labels, then its own), its identity (the fingerprint, else its labels) and title.
fn am_alert(p: &AmPayload, a: &AmAlert) -> Result<Alert, String> {
    let status = match a.status.as_str() {
        "firing" => Status::Firing,
        "resolved" => Status::Resolved,
        other => {
            return Err(format!(
                "alert status `{}`: expected firing or resolved",
                other.escape_debug()
            ));
        }
    };
    let mut fields = strings(&p.common_annotations);
    fields.extend(strings(&a.annotations));
    fields.extend(strings(&p.common_labels));
    fields.extend(strings(&a.labels));
    if let Some(r) = &p.receiver {
        fields.insert("receiver".into(), clip(r, VALUE_MAX));
    }
    let labels = strings(&a.labels);
    // Without a fingerprint (an old Alertmanager), the labels are the identity.
    let key = match a
        .fingerprint
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        Some(f) => clip(f, 200),
        None => format!(
            "labels:{}",
            labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    let title = fields
        .get("summary")
        .or(fields.get("alertname"))
        .cloned()
        .unwrap_or_else(|| "alert".to_string());
    let description = fields.get("description").cloned();
    Ok(Alert {
        status,
        key: clip(&key, 300),
        title: clip(&title, TITLE_MAX),
        started: time_of(a.starts_at.as_deref())?,
        fields,
        description,
    })
}

#[derive(Deserialize)]
struct PdPayload {
    event: PdEvent,
}

#[derive(Deserialize)]
struct PdEvent {
    event_type: String,
    #[serde(default)]
    resource_type: Option<String>,
    #[serde(default)]
    occurred_at: Option<String>,
    data: PdIncident,
}

#[derive(Deserialize)]
struct PdIncident {
    id: String,
    #[serde(default)]
    number: Option<u64>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    incident_key: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    service: Option<PdReference>,
    #[serde(default)]
    priority: Option<PdReference>,
}

#[derive(Deserialize)]
struct PdReference {
    #[serde(default)]
    summary: Option<String>,
}

fn pagerduty(value: Value) -> Result<Payload, String> {
    let p: PdPayload = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let e = p.event;
    if e.resource_type.as_deref().is_some_and(|r| r != "incident") {
        return Err(format!(
            "event `{}` is about a {}: mim takes in incident events",
            e.event_type.escape_debug(),
            e.resource_type.unwrap_or_default().escape_debug()
        ));
    }
    let status = match e.event_type.as_str() {
        "incident.triggered" => Status::Firing,
        "incident.resolved" => Status::Resolved,
        other => match other.strip_prefix("incident.") {
            Some(rest) if !rest.is_empty() && crate::config::is_key(&rest.replace('_', "-")) => {
                Status::Other(rest.replace('_', "-"))
            }
            _ => {
                return Err(format!(
                    "event type `{}`: expected incident.triggered, incident.resolved or another incident.* event",
                    other.escape_debug()
                ));
            }
        },
    };
    let d = e.data;
    let mut fields = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            fields.insert(k.to_string(), clip(&v, VALUE_MAX));
        }
    };
    put("id", Some(d.id.clone()));
    put("number", d.number.map(|n| n.to_string()));
    put("title", d.title.clone());
    put("status", d.status.clone());
    put("urgency", d.urgency.clone());
    put("incident_key", d.incident_key.clone());
    put("html_url", d.html_url.clone());
    put("service", d.service.and_then(|s| s.summary));
    put("priority", d.priority.and_then(|p| p.summary));
    put("event_type", Some(e.event_type.clone()));
    let started = time_of(d.created_at.as_deref())?.or(time_of(e.occurred_at.as_deref())?);
    let title = d
        .title
        .clone()
        .unwrap_or_else(|| format!("PagerDuty incident {}", d.id));
    Ok(Payload {
        format: Format::Pagerduty,
        source: "pagerduty".into(),
        group: d
            .incident_key
            .map(|k| clip(&k, 300))
            .filter(|k| !k.is_empty()),
        alerts: vec![Alert {
            status,
            key: clip(&d.id, 300),
            title: clip(&title, TITLE_MAX),
            started,
            fields,
            description: None,
        }],
    })
}

/// mim's generic alert: one alert per payload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenericAlert {
    /// Who sent it: `zabbix`, `opsgenie`, a script's name [default: generic].
    #[serde(default)]
    source: Option<String>,
    key: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    status: Option<String>,
    title: String,
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, Value>,
    #[serde(default)]
    description: Option<String>,
}

fn generic(value: Value) -> Result<Payload, String> {
    let g: GenericAlert = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let source = g
        .source
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "generic".into());
    if !crate::config::is_key(&source) || source.len() > 40 {
        return Err(format!(
            "source `{}` must be a short word of lower-case letters, digits and dashes",
            source.escape_debug()
        ));
    }
    let status = match g.status.as_deref().unwrap_or("firing") {
        "firing" => Status::Firing,
        "resolved" => Status::Resolved,
        other => {
            return Err(format!(
                "status `{}`: expected firing or resolved",
                other.escape_debug()
            ));
        }
    };
    if g.key.trim().is_empty() || g.title.trim().is_empty() {
        return Err("`key` and `title` must not be empty".into());
    }
    let mut fields = strings(&g.labels);
    fields.insert("title".into(), clip(&g.title, VALUE_MAX));
    Ok(Payload {
        format: Format::Generic,
        source,
        group: g.group.map(|k| clip(&k, 300)).filter(|k| !k.is_empty()),
        alerts: vec![Alert {
            status,
            key: clip(&g.key, 300),
            title: clip(&g.title, TITLE_MAX),
            started: time_of(g.started_at.as_deref())?,
            fields,
            description: g
                .description
                .map(|d| crate::text::multi_line(&d))
                .filter(|d| !d.is_empty()),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_recognised_and_read() {
        let am = br#"{"version":"4","groupKey":"{}:{alertname=\"Down\"}","status":"firing","receiver":"mim",
            "commonLabels":{"alertname":"Down"},"commonAnnotations":{},
            "alerts":[{"status":"firing","labels":{"alertname":"Down","instance":"a:9100"},
            "annotations":{"summary":"Node a is down"},"startsAt":"2026-11-24T08:52:26.739Z",
            "endsAt":"0001-01-01T00:00:00Z","fingerprint":"c6eadffa33fcdf37"}]}"#;
        let p = parse(am, None).unwrap();
        assert_eq!(p.format, Format::Alertmanager);
        assert_eq!(p.group.as_deref(), Some("{}:{alertname=\"Down\"}"));
        let a = &p.alerts[0];
        assert_eq!(a.title, "Node a is down");
        assert_eq!(a.key, "c6eadffa33fcdf37");
        assert_eq!(a.fields["instance"], "a:9100");
        assert_eq!(
            crate::time::format(&a.started.unwrap()),
            "2026-11-24T08:52:26Z"
        );

        let pd = br#"{"event":{"id":"01","event_type":"incident.acknowledged","resource_type":"incident",
            "occurred_at":"2026-11-24T09:00:00Z","data":{"id":"PT4KHLK","number":1234,"title":"Fire",
            "incident_key":"baf7","service":{"summary":"Mail"},"urgency":"high"}}}"#;
        let p = parse(pd, None).unwrap();
        assert_eq!(p.alerts[0].status, Status::Other("acknowledged".into()));
        assert_eq!(p.alerts[0].fields["service"], "Mail");
        assert_eq!(p.group.as_deref(), Some("baf7"));

        let g = br#"{"source":"zabbix","key":"db-01/disk","title":"Disk full","labels":{"host":"db-01","severity":5}}"#;
        let p = parse(g, None).unwrap();
        assert_eq!(p.source, "zabbix");
        assert_eq!(p.alerts[0].fields["severity"], "5");
    }

    #[test]
    fn bad_payloads_say_why() {
        assert!(parse(b"{", None).unwrap_err().contains("not valid JSON"));
        assert!(
            parse(b"[]", None)
                .unwrap_err()
                .contains("not a JSON object")
        );
        assert!(
            parse(b"{\"x\":1}", None)
                .unwrap_err()
                .contains("none of the formats")
        );
        let e = parse(br#"{"version":"5","alerts":[]}"#, None).unwrap_err();
        assert!(e.contains("version `5`"), "{e}");
        let e = parse(br#"{"version":"4","alerts":[]}"#, None).unwrap_err();
        assert!(e.contains("has no alerts"), "{e}");
        let e = parse(br#"{"key":"k","title":"t","colour":"red"}"#, None).unwrap_err();
        assert!(e.contains("unknown field `colour`"), "{e}");
    }
}
