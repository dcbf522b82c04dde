//! The domain nouns: an incident's record, its timeline of events, and the incident itself.

pub mod audience;
pub mod escalation;
pub mod names;
pub mod pir;
pub mod plan;
pub mod record;
pub mod timeline;
pub mod timeline_read;

use std::path::PathBuf;

pub use audience::Audience;
pub use names::Names;
pub use record::Record;
pub use timeline::{
    Classification, Entry, EscalationKind, Event, MilestoneKind, Relation, Verification,
};

/// File names inside an incident directory.
pub const RECORD_FILE: &str = "incident.yaml";
pub const TIMELINE_FILE: &str = "timeline.yaml";
pub const PLAN_FILE: &str = "plan.md";

/// How a commit subject names incident `id`: `11-24 payments-api-outage`, the month and
/// day and the slug; a slug longer than [`SHORT_SLUG`] characters keeps its first and
/// last words (`11-24 payments-api…eu-customers`), where two incidents of one day most
/// often differ. `git log --oneline` then reads as the incident log; the full ID is in
/// the `Incident:` trailer. An ID of another shape is kept whole.
pub fn short_ref(id: &str) -> String {
    let date = id.get(..10).filter(|d| {
        d.len() == 10
            && d.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            })
    });
    let (Some(date), Some(slug)) = (date, id.get(11..)) else {
        return id.to_string();
    };
    format!("{} {}", &date[5..], short_slug(slug))
}

/// The longest slug [`short_ref`] keeps whole.
pub const SHORT_SLUG: usize = 24;

/// `slug`, or its first words (up to 12 characters) and last words (up to 15) around `…`.
fn short_slug(slug: &str) -> String {
    let words: Vec<&str> = slug.split('-').collect();
    if slug.chars().count() <= SHORT_SLUG || words.len() < 2 {
        return slug.to_string();
    }
    let fits = |taken: &[&str], max: usize| taken.join("-").chars().count() <= max;
    let mut head = 1;
    while head < words.len() && fits(&words[..=head], 12) {
        head += 1;
    }
    let mut tail = words.len() - 1;
    while tail > head && fits(&words[tail - 1..], 15) {
        tail -= 1;
    }
    if tail <= head {
        return slug.to_string();
    }
    format!("{}…{}", words[..head].join("-"), words[tail..].join("-"))
}

/// One incident as loaded from its directory.
#[derive(Clone, Debug)]
pub struct Incident {
    /// `YYYY-MM-DD-<slug>`, the directory name.
    pub id: String,
    /// The directory, `<repo>/incidents/<id>` or `<repo>/incidents/YYYY/MM/<id>`.
    pub dir: PathBuf,
    pub record: Record,
    /// In file order (the order they were appended); see [`Incident::in_time_order`].
    pub entries: Vec<Entry>,
    /// The response plan (`plan.md`), once there is one.
    pub plan: Option<plan::Plan>,
    /// The text of the files as loaded, so a problem can be shown at its line without
    /// reading the file again.
    pub texts: Texts,
}

/// The text of an incident's files as loaded (empty for a file that is absent).
#[derive(Clone, Debug, Default)]
pub struct Texts {
    pub record: String,
    pub timeline: String,
    /// `plan.md`, front matter and body.
    pub plan: String,
}

impl Incident {
    /// The directory as people see it, from `incidents/` on (without the root).
    pub fn shown_dir(&self) -> PathBuf {
        let parts: Vec<_> = self.dir.components().collect();
        let start = parts
            .iter()
            .rposition(|c| c.as_os_str() == crate::repo::INCIDENTS_DIR)
            .unwrap_or(0);
        parts[start..].iter().collect()
    }

    /// The incident as it will be once `entry` is appended.
    pub fn with_entry(&self, entry: &Entry) -> Incident {
        let mut after = self.clone();
        after.entries.push(entry.clone());
        after
    }

    pub fn plan_path(&self) -> PathBuf {
        self.dir.join(PLAN_FILE)
    }
}

#[cfg(test)]
mod short_ref_tests {
    use super::short_ref;

    #[test]
    fn a_commit_names_an_incident_by_its_day_and_the_ends_of_its_slug() {
        assert_eq!(
            short_ref("2026-11-24-payments-api-outage"),
            "11-24 payments-api-outage"
        );
        assert_eq!(
            short_ref("2026-11-23-hosted-erp-outage-after-controller-firmware-update"),
            "11-23 hosted-erp…firmware-update"
        );
        // Two incidents of one day that differ only at the end stay apart.
        assert_ne!(
            short_ref("2026-11-24-payments-api-gateway-outage-for-eu-customers"),
            short_ref("2026-11-24-payments-api-gateway-outage-for-us-customers")
        );
        // One long word is kept whole rather than cut inside.
        assert_eq!(
            short_ref("2026-11-23-averyveryverylongsingleslugword"),
            "11-23 averyveryverylongsingleslugword"
        );
        assert_eq!(short_ref("not-an-id"), "not-an-id");
    }
}
