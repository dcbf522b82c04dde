//! `updates/<timestamp>-<audience>.md`: one status update as recorded — YAML front
//! matter (who, when, which number, the optional status line, ETA and next update)
//! and the Markdown body as written.

use serde::{Deserialize, Serialize};

use crate::time::{self, Timestamp};

/// The directory inside an incident that holds status updates.
pub const UPDATES_DIR: &str = "updates";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateFront {
    pub incident: String,
    pub number: u32,
    pub audience: String,
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_line: Option<String>,
    #[serde(
        default,
        with = "time::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub eta: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The file's text: front matter, then the body.
pub fn to_text(front: &UpdateFront, body: &str) -> String {
    let yaml = serde_yaml::to_string(front).expect("update front matter serializes");
    format!("---\n{yaml}---\n{}\n", body.trim_end())
}

/// `(front matter, body)` when `text` starts with a `---` line and has a closing one.
pub fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front() -> UpdateFront {
        UpdateFront {
            incident: "2026-11-24-payments-api-outage".into(),
            number: 3,
            audience: "client".into(),
            at: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:30:00Z").unwrap(),
            by: "Alice Moreau".into(),
            status_line: Some("Degraded: failover: in progress".into()),
            eta: None,
            next: Some("10:30 UTC".into()),
        }
    }

    #[test]
    fn round_trips_and_keeps_the_body_as_written() {
        let body = "We failed over.\n\n---\n\n{{ 7*7 }} <b>x</b>";
        let text = to_text(&front(), body);
        assert!(text.starts_with("---\nincident: 2026-11-24-payments-api-outage\nnumber: 3\n"));
        let (yaml, rest) = split_front_matter(&text).unwrap();
        let back: UpdateFront = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(back, front());
        assert_eq!(rest, format!("{body}\n"));
    }

    #[test]
    fn text_without_front_matter_has_none() {
        assert_eq!(split_front_matter("# Plan\n"), None);
        assert_eq!(split_front_matter("---\nunterminated: yes\n"), None);
    }
}
