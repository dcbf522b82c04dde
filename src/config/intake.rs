//! `intake:` in mim.yaml (read by [`crate::intake`]): how an alert becomes a proposal. Rules are tried in order and
//! the first whose `match` fits the alert's labels wins; its fields, with `{label}`
//! placeholders filled from the alert, make the proposal. An alert no rule matches is
//! refused, naming each rule and what it wanted; a rule with `match: {}` matches every
//! alert, so one placed last proposes the rest with its defaults.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

use super::{Config, is_key};
use crate::limits::Size;
use crate::units::Duration;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakePolicy {
    /// The largest payload taken in (a file, standard input or an HTTP body): `1MiB`,
    /// `256KiB`, or bytes.
    #[serde(default = "one_mebibyte")]
    pub max_payload: Size,
    /// How far back (by the date an incident was reported) an alert is looked for on
    /// open incidents before it proposes a new one.
    #[serde(default = "thirty_days")]
    pub dedup_within: Duration,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

fn one_mebibyte() -> Size {
    Size(1 << 20)
}

/// The largest `max_payload` allowed.
pub const MAX_PAYLOAD_MAX: u64 = 64 << 20;

fn thirty_days() -> Duration {
    Duration::from_secs(30 * 86_400)
}

impl Default for IntakePolicy {
    fn default() -> Self {
        IntakePolicy {
            max_payload: one_mebibyte(),
            dedup_within: thirty_days(),
            rules: Vec::new(),
        }
    }
}

/// One mapping from alerts to a proposal.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Its name, given in every answer and refusal.
    pub name: String,
    /// Only alerts from this source: `alertmanager`, `pagerduty`, or a generic payload's
    /// `source`.
    #[serde(default)]
    pub source: Option<String>,
    /// Label (or field) → the value it must have: a string (`*` matches any run of
    /// characters) or a list of such (any of them). `{}` matches every alert.
    #[serde(rename = "match")]
    pub matches: BTreeMap<String, Pattern>,
    /// The title [default: the alert's own]; `{label}` is replaced by the alert's value.
    #[serde(default)]
    pub title: Option<String>,
    pub service: String,
    #[serde(default)]
    pub client: Option<String>,
    #[serde(default)]
    pub ci: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    pub impact: String,
    pub urgency: String,
}

/// What a label must be: one or more glob patterns (`*` for any run of characters).
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern(pub Vec<String>);

impl Pattern {
    pub fn matches(&self, value: &str) -> bool {
        self.0.iter().any(|p| glob(p, value))
    }
}

/// `=critical`, or ` in (critical, page)`: written after the label's name.
impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "={one}"),
            all => write!(f, " in ({})", all.join(", ")),
        }
    }
}

/// `*` matches any run of characters (none included); everything else itself.
fn glob(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !value.starts_with(first) || value.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &value[first.len()..value.len() - last.len()];
    if !value.ends_with(last) {
        return false;
    }
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Pattern;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value (`*` for any characters) or a list of values")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Pattern, E> {
                Ok(Pattern(vec![v.to_string()]))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Pattern, E> {
                Ok(Pattern(vec![v.to_string()]))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Pattern, E> {
                Ok(Pattern(vec![v.to_string()]))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Pattern, E> {
                Ok(Pattern(vec![v.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Pattern, A::Error> {
                let mut all = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    all.push(v);
                }
                if all.is_empty() {
                    return Err(serde::de::Error::custom("an empty list matches nothing"));
                }
                Ok(Pattern(all))
            }
        }
        d.deserialize_any(Visit)
    }
}

impl schemars::JsonSchema for Pattern {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LabelPattern".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A value the label must have (`*` matches any characters), or a list of them",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
        })
    }
}

/// The `{label}` placeholders of a rule's text, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// `text` with each `{label}` replaced from `fields`; `Err` names the first label the
/// alert lacks.
pub fn fill(text: &str, fields: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = text.to_string();
    for name in placeholders(text) {
        let value = fields.get(name).ok_or_else(|| name.to_string())?;
        out = out.replacen(&format!("{{{name}}}"), value, 1);
    }
    Ok(out)
}

/// Cross-references serde cannot check, each with the key path it is about.
pub fn problems(config: &Config) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let rules = &config.intake.rules;
    let at = || vec!["intake".to_string(), "rules".to_string()];
    for (i, rule) in rules.iter().enumerate() {
        let name = &rule.name;
        if !is_key(name) {
            out.push((
                at(),
                format!(
                    "intake rule `{name}` must be named with lower-case letters, digits and dashes"
                ),
            ));
        }
        if rules[..i].iter().any(|r| &r.name == name) {
            out.push((at(), format!("intake rule `{name}` is listed twice")));
        }
        for (what, value, levels) in [
            ("impact", &rule.impact, &config.impact),
            ("urgency", &rule.urgency, &config.urgency),
        ] {
            if !levels.contains(value) {
                out.push((
                    at(),
                    format!(
                        "intake rule {name}: {what} `{value}` is not a level of `{what}` ({})",
                        levels.join(", ")
                    ),
                ));
            }
        }
        if let Some(client) = rule.client.as_ref().filter(|c| placeholders(c).is_empty())
            && !config.clients.contains_key(client)
        {
            out.push((
                at(),
                format!("intake rule {name}: client `{client}` is not under `clients`"),
            ));
        }
        if let Some(category) = rule
            .category
            .as_ref()
            .filter(|c| placeholders(c).is_empty())
            && !config.categories.is_empty()
            && !config.categories.contains(category)
        {
            out.push((
                at(),
                format!(
                    "intake rule {name}: category `{category}` is not one of `categories` ({})",
                    config.categories.join(", ")
                ),
            ));
        }
        if rule.service.trim().is_empty() {
            out.push((at(), format!("intake rule {name} needs a service")));
        }
    }
    let max = config.intake.max_payload;
    if max.bytes() == 0 || max.bytes() > MAX_PAYLOAD_MAX {
        out.push((
            vec!["intake".into(), "max_payload".into()],
            format!(
                "intake.max_payload must be above zero and at most {}, not {max}",
                Size(MAX_PAYLOAD_MAX)
            ),
        ));
    }
    if config.intake.dedup_within.secs() <= 0 {
        out.push((
            vec!["intake".into(), "dedup_within".into()],
            "intake.dedup_within must be above zero".into(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("payments-*", "payments-api"));
        assert!(glob("*-api", "payments-api"));
        assert!(glob("p*y*api", "payments-api"));
        assert!(glob("*", ""));
        assert!(!glob("payments-*", "billing-api"));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn placeholders_are_filled_or_named() {
        let fields: BTreeMap<String, String> =
            [("alertname".to_string(), "Down".to_string())].into();
        assert_eq!(fill("{alertname} on x", &fields).unwrap(), "Down on x");
        assert_eq!(fill("{instance}", &fields).unwrap_err(), "instance");
        assert_eq!(placeholders("a {b} {c"), vec!["b"]);
    }
}
