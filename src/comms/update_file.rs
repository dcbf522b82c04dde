//! `updates/<timestamp>-<audience>.md`: one status update as recorded — YAML front
//! matter (who, when, which number, the optional status line, ETA and next update)
//! and the Markdown body as written.

use serde::{Deserialize, Serialize};

use crate::time::{self, Timestamp};

/// The directory inside an incident that holds status updates.
pub const UPDATES_DIR: &str = "updates";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFront {
    pub incident: String,
    pub number: u32,
    pub audience: String,
    #[schemars(with = "crate::time::Timestamp")]
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_line: Option<String>,
    #[schemars(with = "Option<crate::time::Timestamp>")]
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

/// What `mim validate` finds wrong with an incident's status updates: an `update` event
/// whose file is missing, unreadable, or disagrees with it. `shown_dir` is the incident
/// directory as shown in messages (relative to the repository).
pub fn problems(
    incident: &crate::model::Incident,
    shown_dir: &std::path::Path,
) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::Diagnostic;
    use crate::model::Event;
    let mut out = Vec::new();
    for entry in &incident.entries {
        let Event::Update {
            audience,
            number,
            file,
            ..
        } = &entry.event
        else {
            continue;
        };
        let shown = shown_dir.join(file);
        let plain = file.strip_prefix("updates/").is_some_and(|name| {
            !name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.')
        });
        if !plain {
            out.push(Diagnostic::new(
                &shown_dir.join(crate::model::TIMELINE_FILE),
                format!("update {number} names `{file}`, which is not a file under updates/"),
            ));
            continue;
        }
        let text = match crate::safe_fs::read_to_string(&incident.dir, &incident.dir.join(file)) {
            Ok(text) => text,
            Err(e) => {
                out.push(Diagnostic::new(
                    &shown,
                    format!("update {number} to {audience} is in the timeline, but its file cannot be read: {e}"),
                ));
                continue;
            }
        };
        if let Err(d) = crate::yaml_guard::diagnose(&shown, &text) {
            out.push(d);
            continue;
        }
        let Some((front, _)) = split_front_matter(&text) else {
            out.push(
                Diagnostic::new(&shown, "no front matter: an update starts with a `---` line, its YAML keys, and another `---` line")
                    .at(1, 1),
            );
            continue;
        };
        match serde_yaml::from_str::<UpdateFront>(front) {
            Err(e) => {
                // The front matter starts on line 2 of the file.
                let mut d = Diagnostic::from_yaml(&shown, front, &e);
                d.excerpt = None;
                if d.line > 0 {
                    d.line += 1;
                }
                out.push(d.with_source(&text));
            }
            Ok(f) if f.number != *number || f.audience != *audience => {
                out.push(Diagnostic::new(
                    &shown,
                    format!(
                        "says update {} to {}, but the timeline records update {number} to {audience}",
                        f.number, f.audience
                    ),
                ));
            }
            Ok(_) => {}
        }
    }
    out
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
