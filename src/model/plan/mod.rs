//! `plan.md`: the incident response plan (03e.01). Front matter holds the bridge, the
//! update cadence per audience, the workstreams and the stakeholders; the Markdown body's
//! "Restoration approach" section is the approach. People edit the file by hand too, so
//! mim amends it line by line ([`edit`]) and never re-serialises what a person wrote.

pub mod edit;
pub mod record;

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use crate::address::{Mailbox, parse_address};
use crate::diag::{Diagnostic, Diagnostics, Step, locate_path};
use crate::units::Duration;

pub use crate::model::Audience;
pub use edit::{Amendment, amend, new_file};
pub use record::{PlanRecord, PlanSet};

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
    /// People who follow the incident besides the configured audiences.
    pub stakeholders: Vec<Stakeholder>,
}

/// Someone who follows the incident besides the configured audiences, and receives the
/// messages of one audience: `internal`, `management` (the default) or
/// `client-management`. Written in `plan.md` as `{address: ADDR, kind: KIND}`, or as the
/// text `--stakeholder` takes (`ADDR[:KIND]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stakeholder {
    /// An address (`Name <user@example.com>` or `user@example.com`) as written; in plans
    /// written before stakeholders received mail, possibly just a name.
    pub who: String,
    pub kind: Audience,
}

impl schemars::JsonSchema for Stakeholder {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Stakeholder".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Someone who follows the incident: `ADDR[:internal|management|client-management]`, or {address, kind}",
            "anyOf": [
                {"type": "string", "examples": ["cfo@acme.example:client-management"]},
                {
                    "type": "object",
                    "properties": {
                        "address": {"type": "string"},
                        "kind": {"enum": ["internal", "management", "client-management"]}
                    },
                    "required": ["address"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// The audiences a stakeholder may follow.
pub const STAKEHOLDER_KINDS: [Audience; 3] = [
    Audience::Internal,
    Audience::Management,
    Audience::ClientManagement,
];

impl Stakeholder {
    /// `ADDR[:internal|management|client-management]`, as `--stakeholder` takes it; the
    /// address must be one the mailer can use.
    pub fn parse(text: &str) -> Result<Stakeholder, String> {
        let text = text.trim();
        let (who, kind) = match text.rsplit_once(':') {
            Some((who, kind)) if is_kind_word(kind.trim()) => {
                let kind = kind.trim();
                let kind = STAKEHOLDER_KINDS
                    .into_iter()
                    .find(|k| k.as_str() == kind)
                    .ok_or_else(|| {
                        format!(
                            "unknown stakeholder kind `{}`: give internal, management or client-management after the address",
                            kind.escape_debug()
                        )
                    })?;
                (who.trim(), kind)
            }
            _ => (text, Audience::Management),
        };
        parse_address(who)?;
        Ok(Stakeholder {
            who: who.to_string(),
            kind,
        })
    }

    /// Where they receive mail; none for a bare name (from an older plan).
    pub fn mailbox(&self) -> Option<Mailbox> {
        parse_address(&self.who).ok()
    }
}

/// `client-management`, not the tail of an address or a display name.
fn is_kind_word(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl<'de> Deserialize<'de> for Stakeholder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Written {
            address: String,
            #[serde(default)]
            kind: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            Map(Written),
        }
        let form = Form::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "a stakeholder is `{address: ADDR, kind: internal|management|client-management}` or `ADDR[:KIND]`",
            )
        })?;
        match form {
            // A name without an address, as older plans have: listed, sent nothing.
            Form::Text(text) if !text.contains('@') => Ok(Stakeholder {
                who: text.trim().to_string(),
                kind: Audience::Management,
            }),
            Form::Text(text) => Stakeholder::parse(&text).map_err(serde::de::Error::custom),
            Form::Map(w) => {
                let text = match &w.kind {
                    Some(kind) => format!("{}:{kind}", w.address),
                    None => w.address.clone(),
                };
                Stakeholder::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    }
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
    stakeholders: Vec<Stakeholder>,
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
    crate::yaml_guard::diagnose(file, text).map_err(one)?;
    if let Some(line) = crate::diag::conflict_marker(text) {
        let id = file
            .parent()
            .and_then(Path::file_name)
            .map_or("ID".into(), |n| n.to_string_lossy());
        return Err(one(Diagnostic::new(
            file,
            format!(
                "unresolved git merge conflict: both sides changed the plan; `mim plan {id} --rebuild` writes \
                 the front matter again from the timeline (or keep the right lines and remove the markers), \
                 then `git add` and commit"
            ),
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
    let problems = problems(file, text, &plan);
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(Diagnostics(problems))
    }
}

/// What the YAML types cannot say: names are unique, nothing required is blank, a
/// cadence is longer than zero.
fn problems(file: &Path, text: &str, plan: &Plan) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at_item = |i: usize, message: String| {
        let line = item_line(text, "workstreams", i)
            .or_else(|| key_line(text, "workstreams"))
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
        let max = crate::text::NAME_MAX;
        for (what, value) in [
            ("name", Some(&w.name)),
            ("owner", Some(&w.owner)),
            ("vendor", w.vendor.as_ref()),
        ] {
            let len = value.map_or(0, |v| v.chars().count());
            if len > max {
                out.push(at_item(
                    i,
                    format!("a workstream {what} is {len} characters long: at most {max}"),
                ));
            }
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
            let line = key_line(text, "cadence").unwrap_or(0);
            out.push(
                Diagnostic::new(file, format!("cadence.{key} must be longer than zero"))
                    .at(line, 1)
                    .with_source(text),
            );
        }
    }
    out
}

/// Where `path` is written in the front matter of `plan_md`, as a line and column of the
/// whole file: [`crate::diag::locate_path`] on the front matter.
fn front_position(plan_md: &str, path: &[Step]) -> (usize, usize) {
    match edit::Doc::new(plan_md).front_matter() {
        Ok((front, first_line)) => match locate_path(&front, path) {
            (0, _) => (0, 0),
            (line, column) => (line + first_line - 1, column),
        },
        Err(_) => (0, 0),
    }
}

/// The 1-based line in `plan_md` of a top-level key of the front matter.
fn key_line(plan_md: &str, key: &str) -> Option<usize> {
    let (line, _) = front_position(plan_md, &[Step::Key(key)]);
    (line > 0).then_some(line)
}

/// The 1-based line in `plan_md` where item `index` (from 0) of the front matter's
/// sequence `key` (`workstreams`, `stakeholders`) starts, if it is written there.
pub fn item_line(plan_md: &str, key: &str, index: usize) -> Option<usize> {
    let item = front_position(plan_md, &[Step::Key(key), Step::Item(index)]);
    let key = front_position(plan_md, &[Step::Key(key)]);
    (item.0 > 0 && item != key).then_some(item.0)
}

#[cfg(test)]
mod tests;
