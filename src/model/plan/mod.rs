//! `plan.md`: the incident response plan (03e.01). Front matter holds the bridge, the
//! update cadence per audience, the workstreams and the stakeholders; the Markdown body's
//! "Restoration approach" section is the approach. People edit the file by hand too, so
//! mim amends it line by line ([`edit`]) and never re-serialises what a person wrote.

pub mod edit;

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use crate::diag::{Diagnostic, Diagnostics};
use crate::units::Duration;

pub use crate::model::Audience;
pub use edit::{Amendment, amend, new_file};

/// The response plan as read from `plan.md`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    /// The restoration approach (the body's "Restoration approach" section).
    pub approach: Option<String>,
    /// Where the responders meet: a conference URL or a phone number.
    pub bridge: Option<String>,
    /// The update cadence agreed in the plan; `None` means the priority's target.
    pub cadence: Cadence,
    pub workstreams: Vec<Workstream>,
    /// People or addresses who follow the incident besides the configured audiences.
    pub stakeholders: Vec<String>,
}

/// How often each audience gets a status update, when the plan says so.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<Duration>,
}

/// A line of work in the restoration, with the person who owns it and, when a
/// technology vendor or third party does the work, who that is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workstream {
    pub name: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default)]
    pub status: WorkstreamStatus,
    /// Why it is blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum WorkstreamStatus {
    #[default]
    Open,
    Blocked,
    Done,
}

impl WorkstreamStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkstreamStatus::Open => "open",
            WorkstreamStatus::Blocked => "blocked",
            WorkstreamStatus::Done => "done",
        }
    }

    /// Still to be finished (open or blocked).
    pub fn is_open(self) -> bool {
        self != WorkstreamStatus::Done
    }
}

/// Where a cadence comes from, for people reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CadenceSource {
    Plan,
    Priority,
}

impl Plan {
    pub fn workstream(&self, name: &str) -> Option<&Workstream> {
        self.workstreams.iter().find(|w| w.name == name)
    }
}

/// The front matter as written; unknown keys are errors.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Front {
    #[serde(default)]
    bridge: Option<String>,
    #[serde(default, deserialize_with = "null_is_default")]
    cadence: Cadence,
    #[serde(default, deserialize_with = "null_is_default")]
    workstreams: Vec<Workstream>,
    #[serde(default, deserialize_with = "null_is_default")]
    stakeholders: Vec<String>,
}

/// `workstreams:` with nothing under it is an empty list, not an error.
fn null_is_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Parse `plan.md`; `file` is how the file is named in diagnostics. Every problem is
/// reported with its line and column in the whole file.
pub fn parse(file: &Path, text: &str) -> Result<Plan, Diagnostics> {
    let one = |d: Diagnostic| Diagnostics(vec![d]);
    if let Some(line) = crate::diag::conflict_marker(text) {
        return Err(one(Diagnostic::new(
            file,
            "unresolved git merge conflict: both sides changed the plan; keep the right lines, remove the markers, then `git add` and commit",
        )
        .at(line, 1)
        .with_source(text)));
    }
    let doc = edit::Doc::new(text);
    let (front_text, first_line) = doc.front_matter().map_err(|(line, message)| {
        one(Diagnostic::new(file, message).at(line, 1).with_source(text))
    })?;
    let front: Front = match serde_yaml::from_str::<Option<Front>>(&front_text) {
        Ok(front) => front.unwrap_or_default(),
        Err(e) => {
            let mut d = Diagnostic::from_yaml(file, &front_text, &e);
            if d.line > 0 {
                d.line += first_line - 1;
                d = d.with_source(text);
            }
            return Err(one(d));
        }
    };
    let plan = Plan {
        approach: edit::approach(&doc),
        bridge: front
            .bridge
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty()),
        cadence: front.cadence,
        workstreams: front.workstreams,
        stakeholders: front.stakeholders,
    };
    let problems = problems(file, text, &doc, &plan);
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(Diagnostics(problems))
    }
}

/// What the YAML types cannot say: names are unique, nothing required is blank, a
/// cadence is longer than zero.
fn problems(file: &Path, text: &str, doc: &edit::Doc, plan: &Plan) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let items = doc.item_lines("workstreams");
    let at_item = |i: usize, message: String| {
        let line = items
            .as_ref()
            .filter(|lines| lines.len() == plan.workstreams.len())
            .map(|lines| lines[i])
            .or_else(|| doc.key_line("workstreams"))
            .unwrap_or(0);
        Diagnostic::new(file, message)
            .at(line, if line > 0 { 1 } else { 0 })
            .with_source(text)
    };
    for (i, w) in plan.workstreams.iter().enumerate() {
        if w.name.trim().is_empty() || w.owner.trim().is_empty() {
            out.push(at_item(
                i,
                "a workstream needs a name and an owner: {name: NAME, owner: WHO}".into(),
            ));
        }
        if plan.workstreams[..i].iter().any(|o| o.name == w.name) {
            out.push(at_item(
                i,
                format!(
                    "workstream `{}` is listed twice: names must be unique so `--workstream-done NAME` knows which one",
                    w.name.escape_debug()
                ),
            ));
        }
    }
    for (key, d) in [
        ("internal", plan.cadence.internal),
        ("client", plan.cadence.client),
    ] {
        if d == Some(Duration::ZERO) {
            let line = doc.key_line("cadence").unwrap_or(0);
            out.push(
                Diagnostic::new(file, format!("cadence.{key} must be longer than zero"))
                    .at(line, 1)
                    .with_source(text),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
