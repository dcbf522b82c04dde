//! `regulations:` in mim.yaml (see [`crate::regulation`]): each regulatory regime as data — its stages and their
//! deadlines, what starts each clock, the incidents it applies to, the authority.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

use super::{Config, TimeZone, is_key};
use crate::units::{Duration, Percent};

/// NIS2 and DORA as `mim init` writes them, commented, into mim.yaml.
pub const EXAMPLE: &str = include_str!("regulation-example.yaml");

/// One regime: NIS2, DORA, or whatever the organisation must report under.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// Its name for people: `NIS2 (Directive (EU) 2022/2555, Art. 23)`.
    pub name: String,
    /// The regime's word for an incident in scope, as `mim classify` takes it:
    /// `significant` (NIS2) or `major` (DORA).
    pub classification: Word,
    /// What "becoming aware" is: the detection (`detected` in incident.yaml, else the
    /// report) or the declaration (the report).
    #[serde(default)]
    pub awareness: Awareness,
    /// The incidents it applies to: of these clients, or on these services. Empty: every
    /// incident.
    #[serde(default)]
    pub applies_to: AppliesTo,
    pub authority: Authority,
    /// Who reports: the entity's name, identifier (LEI) and contact, for the drafts.
    #[serde(default)]
    pub entity: Entity,
    /// If set, an incident it applies to must be classified (in scope or not) within
    /// this time of awareness: `mim check` says so (rule `regulatory-classification`).
    #[serde(default)]
    pub classify_within: Option<Duration>,
    /// The share of a stage's time after which it is at risk; mim.yaml's `at_risk` if not set.
    #[serde(default)]
    pub at_risk: Option<Percent>,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Word {
    Significant,
    Major,
}

impl Word {
    pub fn as_str(self) -> &'static str {
        match self {
            Word::Significant => "significant",
            Word::Major => "major",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Awareness {
    /// The impact's detection (`declare --detected`, else the report).
    #[default]
    Detected,
    /// The declaration (the report).
    Reported,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppliesTo {
    #[serde(default)]
    pub clients: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
}

/// The authority reports go to.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    pub name: String,
    /// How it is reached: a portal, an address.
    #[serde(default)]
    pub contact: Option<String>,
    /// The zone its forms are read in; the drafts give each time in UTC and in it.
    #[serde(default = "utc")]
    pub timezone: TimeZone,
}

fn utc() -> TimeZone {
    TimeZone(chrono_tz::UTC)
}

/// The reporting entity, as the forms ask for it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    #[serde(default)]
    pub name: Option<String>,
    /// Its identifier: the LEI under DORA.
    #[serde(default)]
    pub id: Option<String>,
    /// The contact person for the authority: name, e-mail, telephone.
    #[serde(default)]
    pub contact: Option<String>,
}

/// One report the regime requires, with its deadline.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Its key, as `mim notify --stage` takes it: `early-warning`.
    pub name: String,
    /// Its name for people: `Early warning`.
    #[serde(default)]
    pub title: Option<String>,
    /// When it is due: `24h after awareness`, or a list of which the earliest counts
    /// (`[4h after classification, 24h after awareness]`).
    pub due: Due,
    /// The standard form its draft follows (see docs/intake-and-regulation.md).
    #[serde(default)]
    pub form: Form,
    /// The template its draft is rendered with [default: notify-<form>.md].
    #[serde(default)]
    pub template: Option<String>,
}

impl Stage {
    /// `Early warning`, or the key.
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }

    /// The template the draft is rendered with.
    pub fn template(&self) -> String {
        self.template
            .clone()
            .unwrap_or_else(|| format!("notify-{}.md", self.form.as_str()))
    }
}

/// The standard forms mim drafts: the fields each asks for.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// NIS2 Art. 23(4)(a).
    Nis2EarlyWarning,
    /// NIS2 Art. 23(4)(b).
    Nis2Notification,
    /// NIS2 Art. 23(4)(d).
    Nis2FinalReport,
    /// DORA, Regulation (EU) 2025/302 Annex I: the initial notification's fields.
    DoraInitial,
    /// The intermediate report's fields.
    DoraIntermediate,
    /// The final report's fields.
    DoraFinal,
    /// The incident's facts, for any other regime.
    #[default]
    Generic,
}

impl Form {
    pub const ALL: [Form; 7] = [
        Form::Nis2EarlyWarning,
        Form::Nis2Notification,
        Form::Nis2FinalReport,
        Form::DoraInitial,
        Form::DoraIntermediate,
        Form::DoraFinal,
        Form::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Form::Nis2EarlyWarning => "nis2-early-warning",
            Form::Nis2Notification => "nis2-notification",
            Form::Nis2FinalReport => "nis2-final-report",
            Form::DoraInitial => "dora-initial",
            Form::DoraIntermediate => "dora-intermediate",
            Form::DoraFinal => "dora-final",
            Form::Generic => "generic",
        }
    }
}

/// A stage's deadline: the earliest of its terms whose start is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Due(pub Vec<Term>);

/// `24h after awareness`.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub within: Within,
    pub after: Anchor,
}

/// A time allowed: a duration, or calendar months (`1mo`, counted in the authority's zone).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Within {
    /// A duration, and its hours as written when the law counts in hours (`72h` stays
    /// `72h`, not `3d`).
    Time(Duration),
    Months(u32),
}

/// What starts a stage's clock.
#[derive(Debug, Clone, PartialEq)]
pub enum Anchor {
    /// Becoming aware of the incident (see [`Awareness`]).
    Awareness,
    /// The classification in scope (`mim classify`).
    Classification,
    /// The submission of an earlier stage (`mim notify`).
    Stage(String),
}

impl fmt::Display for Within {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The law counts in hours: 72h, not 3d.
            Within::Time(d) if d.secs() % 3600 == 0 => write!(f, "{}h", d.secs() / 3600),
            Within::Time(d) => d.fmt(f),
            Within::Months(1) => f.write_str("1 month"),
            Within::Months(n) => write!(f, "{n} months"),
        }
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anchor::Awareness => f.write_str("awareness"),
            Anchor::Classification => f.write_str("classification"),
            Anchor::Stage(s) => write!(f, "the {s} submission"),
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} after {}", self.within, self.after)
    }
}

impl fmt::Display for Due {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let terms: Vec<String> = self.0.iter().map(Term::to_string).collect();
        match terms.as_slice() {
            [one] => f.write_str(one),
            _ => write!(f, "{}, whichever comes first", terms.join(" or ")),
        }
    }
}

impl std::str::FromStr for Term {
    type Err = String;

    fn from_str(text: &str) -> Result<Term, String> {
        let err = || {
            format!(
                "invalid deadline `{text}`: expected `<time> after <start>`, like `24h after awareness`, \
                 `4h after classification` or `1mo after notification` (a stage's name)"
            )
        };
        let (within, after) = text.trim().split_once(" after ").ok_or_else(err)?;
        let within = within.trim();
        let within = match within.strip_suffix("mo") {
            Some(n) => Within::Months(n.parse().map_err(|_| err())?),
            None => Within::Time(within.parse().map_err(|_| err())?),
        };
        let after = match after.trim() {
            "awareness" => Anchor::Awareness,
            "classification" => Anchor::Classification,
            stage if is_key(stage) => Anchor::Stage(stage.to_string()),
            _ => return Err(err()),
        };
        Ok(Term { within, after })
    }
}

impl<'de> Deserialize<'de> for Due {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Due;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a deadline like `24h after awareness`, or a list of them")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Due, E> {
                v.parse().map(|t| Due(vec![t])).map_err(E::custom)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Due, A::Error> {
                let mut terms = Vec::new();
                while let Some(text) = seq.next_element::<String>()? {
                    terms.push(text.parse().map_err(serde::de::Error::custom)?);
                }
                if terms.is_empty() {
                    return Err(serde::de::Error::custom(
                        "a deadline list needs at least one deadline",
                    ));
                }
                Ok(Due(terms))
            }
        }
        d.deserialize_any(Visit)
    }
}

impl schemars::JsonSchema for Due {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Deadline".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one = schemars::json_schema!({
            "type": "string",
            "pattern": "^ *[0-9dhms]+(mo)? after [a-z0-9-]+ *$",
            "examples": ["24h after awareness", "4h after classification", "1mo after notification"]
        });
        schemars::json_schema!({
            "description": "When a stage is due: `<time> after awareness | classification | <an earlier stage>`, or a list of which the earliest counts",
            "anyOf": [one.clone(), {"type": "array", "items": one, "minItems": 1}]
        })
    }
}

/// Whether `name` is a draft template's name: `notify-<name>.md`.
pub fn is_draft_template(name: &str) -> bool {
    name.strip_prefix("notify-")
        .and_then(|n| n.strip_suffix(".md"))
        .is_some_and(is_key)
}

/// The form a template name is for (`notify-dora-initial.md`), if a built-in one.
pub fn form_of_template(name: &str) -> Option<Form> {
    Form::ALL
        .into_iter()
        .find(|f| name == format!("notify-{}.md", f.as_str()))
}

/// Cross-references serde cannot check, each with the key path it is about.
pub fn problems(config: &Config) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    for (key, regime) in &config.regulations {
        check_regime(config, key, regime, &mut out);
    }
    out
}

fn check_regime(config: &Config, key: &str, regime: &Regime, out: &mut Vec<(Vec<String>, String)>) {
    let at = |more: &[&str]| -> Vec<String> {
        let mut keys = vec!["regulations".to_string(), key.to_string()];
        keys.extend(more.iter().map(|k| k.to_string()));
        keys
    };
    if !is_key(key) {
        out.push((
            at(&[]),
            format!("regime key `{key}` must be lower-case letters, digits and dashes"),
        ));
    }
    if regime.stages.is_empty() {
        out.push((at(&["stages"]), format!("regime {key} has no stages")));
    }
    for client in &regime.applies_to.clients {
        if !config.clients.contains_key(client) {
            out.push((
                at(&["applies_to", "clients"]),
                format!("regime {key} applies to client `{client}`, which is not under `clients`"),
            ));
        }
    }
    if let Some(p) = regime.at_risk
        && !(p.fraction() > 0.0 && p.fraction() <= 1.0)
    {
        out.push((
            at(&["at_risk"]),
            format!("regulations.{key}.at_risk must be above 0% and at most 100%, not {p}"),
        ));
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, stage) in regime.stages.iter().enumerate() {
        let twice = seen.insert(&stage.name, i).is_some();
        for problem in stage_problems(key, regime, i, twice) {
            out.push((at(&["stages"]), problem));
        }
    }
}

/// What is wrong with stage `i` of regime `key`: its name (listed `twice`), its
/// deadlines (after a stage listed before it, above zero) and its template's name.
fn stage_problems(key: &str, regime: &Regime, i: usize, twice: bool) -> Vec<String> {
    let stage = &regime.stages[i];
    let mut out = Vec::new();
    if !is_key(&stage.name) {
        out.push(format!(
            "stage `{}` of regime {key} must be lower-case letters, digits and dashes",
            stage.name
        ));
    }
    if twice {
        out.push(format!("regime {key} lists stage `{}` twice", stage.name));
    }
    for term in &stage.due.0 {
        if let Anchor::Stage(other) = &term.after
            && !regime.stages[..i].iter().any(|s| &s.name == other)
        {
            out.push(format!(
                "stage {} of regime {key} is due after `{other}`, which is not a stage listed before it \
                 (the starts are awareness, classification, or an earlier stage)",
                stage.name
            ));
        }
        let zero = match term.within {
            Within::Time(d) => d.secs() <= 0,
            Within::Months(n) => n == 0,
        };
        if zero {
            out.push(format!(
                "stage {} of regime {key} needs a deadline above zero",
                stage.name
            ));
        }
    }
    if let Some(t) = &stage.template
        && !is_draft_template(t)
    {
        out.push(format!(
            "stage {} of regime {key}: template `{t}` must be a plain file name like notify-<name>.md \
             (in the repository's templates/)",
            stage.name
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn with_example() -> Config {
        let text = format!("{}\n{EXAMPLE}", crate::config::DEFAULT_CONFIG);
        Config::parse(Path::new("mim.yaml"), &text).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn the_example_is_what_init_writes_commented_and_parses() {
        for line in EXAMPLE.lines() {
            let commented = if line.trim().is_empty() {
                "#".to_string()
            } else {
                format!("# {line}")
            };
            assert!(
                crate::config::DEFAULT_CONFIG.contains(&commented),
                "not in default-mim.yaml: {commented}"
            );
        }
        let c = with_example();
        let dora = &c.regulations["dora"];
        assert_eq!(dora.classification, Word::Major);
        assert_eq!(
            dora.stages[0].due.to_string(),
            "4h after classification or 24h after awareness, whichever comes first"
        );
        assert_eq!(
            c.regulations["nis2"].stages[2].due.0[0],
            Term {
                within: Within::Months(1),
                after: Anchor::Stage("notification".into())
            }
        );
    }

    #[test]
    fn deadlines_are_checked_where_they_are_written() {
        let bad = EXAMPLE.replace("due: 24h after awareness", "due: 24h since awareness");
        let text = format!("{}\n{bad}", crate::config::DEFAULT_CONFIG);
        let err = Config::parse(Path::new("mim.yaml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("invalid deadline `24h since awareness`"),
            "{err}"
        );
        let line = text.lines().position(|l| l.contains("24h since")).unwrap() + 1;
        assert!(err.starts_with(&format!("mim.yaml:{line}:")), "{err}");
        let bad = EXAMPLE.replace("72h after initial-notification", "72h after final-report");
        let text = format!("{}\n{bad}", crate::config::DEFAULT_CONFIG);
        let err = Config::parse(Path::new("mim.yaml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("due after `final-report`, which is not a stage listed before it"),
            "{err}"
        );
        let bad = EXAMPLE.replace("clients: [acme]}", "clients: [globex]}");
        let text = format!("{}\n{bad}", crate::config::DEFAULT_CONFIG);
        let err = Config::parse(Path::new("mim.yaml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("client `globex`, which is not under `clients`"),
            "{err}"
        );
    }
}
