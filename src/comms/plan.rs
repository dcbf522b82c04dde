//! What status updates need from the response plan (`plan.md`): the bridge and the
//! workstreams. Read through this one function so the plan module can replace it.

use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// The plan's file name inside an incident directory.
pub const PLAN_FILE: &str = "plan.md";

/// The parts of the response plan that status updates show.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct PlanSummary {
    /// The bridge (conference call) URL or dial-in.
    #[serde(default)]
    pub bridge: Option<String>,
    #[serde(default)]
    pub workstreams: Vec<Workstream>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Workstream {
    pub name: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// The bridge and workstreams from `plan.md`'s YAML front matter; `None` when the
/// incident has no plan yet. Other front matter keys are the plan module's business.
pub fn plan_summary(incident_dir: &Path) -> anyhow::Result<Option<PlanSummary>> {
    let path = incident_dir.join(PLAN_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    parse(&text)
        .map_err(|d| anyhow::anyhow!("{}: {d}", path.display()))
        .map(Some)
}

/// The summary from a plan's text: front matter between `---` lines, or none at all.
pub fn parse(text: &str) -> Result<PlanSummary, String> {
    let Some((front, _body)) = super::update_file::split_front_matter(text) else {
        return Ok(PlanSummary::default());
    };
    #[derive(Deserialize)]
    struct Front {
        #[serde(default)]
        bridge: Option<String>,
        #[serde(default)]
        workstreams: Vec<Workstream>,
    }
    let front: Option<Front> = serde_yaml::from_str(front).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("line {}, column {}: ", l.line() + 1, l.column()))
            .unwrap_or_default();
        format!("{at}{e}")
    })?;
    Ok(front
        .map(|f| PlanSummary {
            bridge: f.bridge,
            workstreams: f.workstreams,
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bridge_and_workstreams_and_ignores_other_keys() {
        let text = "---\nbridge: https://meet.example/inc\ninternal_every: 30m\nworkstreams:\n  - {name: Network, owner: Ravi, vendor: Carrier, status: active}\n  - {name: Comms, owner: Alice}\n---\nRestore via failover.\n";
        let plan = parse(text).unwrap();
        assert_eq!(plan.bridge.as_deref(), Some("https://meet.example/inc"));
        assert_eq!(plan.workstreams.len(), 2);
        assert_eq!(plan.workstreams[0].vendor.as_deref(), Some("Carrier"));
        assert_eq!(plan.workstreams[1].status, None);
    }

    #[test]
    fn no_front_matter_is_an_empty_summary_and_bad_yaml_is_an_error() {
        assert_eq!(parse("Just words\n").unwrap(), PlanSummary::default());
        let err = parse("---\nworkstreams: [\n---\n").unwrap_err();
        assert!(err.contains("line"), "{err}");
    }
}
