//! Command-line values that only the repository can check: the closed sets of
//! `mim.yaml` a flag takes a value from (clients, impact and urgency levels, closure
//! codes, …) and times typed in the organisation's time zone. Each is a clap value
//! parser, so a wrong value is a usage error (exit 2) naming the flag — and for a set,
//! listing the valid values — before any work starts; completion offers the same sets.
//!
//! `main` parses the command line twice: first as it is, which finds `-C`; then, once
//! [`read_config`] has read that repository's `mim.yaml` (and nothing else: no incident
//! is loaded), against it. Outside a repository, or with a `mim.yaml` that cannot be
//! read, there is no second parse: the command reports the missing repository or every
//! problem of `mim.yaml` itself, so a usage error never hides a configuration error.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::OnceLock;

use clap::builder::{StyledStr, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap_complete::engine::{CompletionCandidate, ValueCandidates};

use crate::config::Config;
use crate::repo::Repo;
use crate::text::for_terminal;

/// The configuration values are checked against, once [`read_config`] found it.
static CONFIG: OnceLock<Config> = OnceLock::new();

/// Read the `mim.yaml` of the repository mim runs in (`dir`: `-C`), to check the values
/// of the next parse against it. `false` (nothing to check against) outside a
/// repository or when `mim.yaml` cannot be read.
pub fn read_config(dir: Option<&Path>) -> bool {
    let Ok(cwd) = std::env::current_dir() else {
        return false;
    };
    let start = match dir {
        Some(dir) => cwd.join(dir),
        None => cwd,
    };
    match Repo::discover(&start) {
        Ok(repo) => CONFIG.set(repo.config).is_ok(),
        Err(_) => false,
    }
}

/// A closed set of `mim.yaml` that a flag takes its value from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// The keys under `clients`.
    Client,
    /// `impact`.
    Impact,
    /// `urgency`.
    Urgency,
    /// `categories`; any category when there are none.
    Category,
    /// The keys under `closure_codes`.
    ClosureCode,
    /// The keys under `priorities`.
    Priority,
    /// `roles`.
    Role,
    /// The `notify` names of `escalation.hierarchic`.
    Level,
    /// The keys under `regulations`.
    Regime,
    /// The stages of every regime under `regulations`, for completion only: which
    /// stages `--stage` takes depends on `--regime`, which `mim notify` checks.
    Stage,
}

impl Choice {
    /// The values with what each means; `None` when any value goes.
    fn entries(self, config: &Config) -> Option<Vec<(String, Option<String>)>> {
        let bare = |values: &[String]| values.iter().map(|v| (v.clone(), None)).collect();
        Some(match self {
            Choice::Client => config
                .clients
                .iter()
                .map(|(key, client)| (key.clone(), Some(client.name.clone())))
                .collect(),
            Choice::Impact => bare(&config.impact),
            Choice::Urgency => bare(&config.urgency),
            Choice::Category if config.categories.is_empty() => return None,
            Choice::Category => bare(&config.categories),
            Choice::ClosureCode => config
                .closure_codes
                .iter()
                .map(|(code, what)| (code.clone(), Some(what.text().to_string())))
                .collect(),
            Choice::Priority => config
                .priorities
                .keys()
                .map(|p| (p.clone(), None))
                .collect(),
            Choice::Role => bare(&config.roles),
            Choice::Level => config
                .escalation
                .hierarchic
                .iter()
                .map(|l| (l.notify.clone(), Some(format!("at {}", l.at))))
                .collect(),
            Choice::Regime => config
                .regulations
                .keys()
                .map(|r| (r.clone(), None))
                .collect(),
            Choice::Stage => {
                let mut stages: Vec<(String, Option<String>)> = Vec::new();
                for (regime, def) in &config.regulations {
                    for stage in &def.stages {
                        match stages.iter_mut().find(|(name, _)| *name == stage.name) {
                            Some((_, Some(regimes))) => regimes.push_str(&format!(", {regime}")),
                            _ => stages.push((stage.name.clone(), Some(regime.clone()))),
                        }
                    }
                }
                stages
            }
        })
    }

    /// Where the set is written in `mim.yaml`.
    fn key(self) -> &'static str {
        match self {
            Choice::Client => "clients",
            Choice::Impact => "impact",
            Choice::Urgency => "urgency",
            Choice::Category => "categories",
            Choice::ClosureCode => "closure_codes",
            Choice::Priority => "priorities",
            Choice::Role => "roles",
            Choice::Level => "escalation.hierarchic",
            Choice::Regime => "regulations",
            Choice::Stage => "the stages under `regulations`",
        }
    }

    /// Why `value` is refused, for the tip under the list of valid values.
    fn tip(self, empty: bool) -> String {
        let key = match self {
            Choice::Stage => self.key().to_string(),
            _ => format!("`{}`", self.key()),
        };
        match (self, empty) {
            (Choice::Level, true) => {
                format!("mim.yaml has no levels under {key}: leave out --level")
            }
            (Choice::Regime, true) => format!(
                "mim.yaml defines no regimes: add them under {key} (`mim init` writes NIS2 and DORA as commented examples)"
            ),
            (_, true) => format!("mim.yaml has none under {key}"),
            (_, false) => format!("the valid values come from {key} in mim.yaml"),
        }
    }
}

impl TypedValueParser for Choice {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        one_of(cmd, arg, value, |text| {
            CONFIG.get().and_then(|config| self.refusal(config, text))
        })
    }
}

impl Choice {
    /// Why `config` refuses `value`: the valid values and a tip; `None` when it takes it.
    fn refusal(self, config: &Config, value: &str) -> Option<(Vec<String>, String)> {
        let valid = self.entries(config)?;
        if valid.iter().any(|(v, _)| v == value) {
            return None;
        }
        let tip = self.tip(valid.is_empty());
        Some((valid.into_iter().map(|(v, _)| v).collect(), tip))
    }
}

/// `value` as a name (see [`crate::limits::name`]) that `refusal` takes: it gives the
/// valid values and a tip for a name it refuses, and nothing for one it takes.
fn one_of(
    cmd: &clap::Command,
    arg: Option<&clap::Arg>,
    value: &OsStr,
    refusal: impl FnOnce(&str) -> Option<(Vec<String>, String)>,
) -> Result<String, clap::Error> {
    let text = crate::limits::name().parse_ref(cmd, arg, value)?;
    match refusal(&text) {
        None => Ok(text),
        Some((valid, tip)) => Err(refuse(cmd, arg, &text, valid, tip)),
    }
}

/// clap's error for a value outside its set, as for a `ValueEnum`: `invalid value 'X'
/// for '--flag <NAME>'`, the valid values, and a `tip`.
fn refuse(
    cmd: &clap::Command,
    arg: Option<&clap::Arg>,
    value: &str,
    valid: Vec<String>,
    tip: String,
) -> clap::Error {
    let mut err = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
    let arg = arg.map_or_else(|| "the value".to_string(), ToString::to_string);
    err.insert(ContextKind::InvalidArg, ContextValue::String(arg));
    let value = for_terminal(value).into_owned();
    err.insert(ContextKind::InvalidValue, ContextValue::String(value));
    let valid = valid.iter().map(|v| for_terminal(v).into_owned()).collect();
    err.insert(ContextKind::ValidValue, ContextValue::Strings(valid));
    let tip = vec![StyledStr::from(tip)];
    err.insert(ContextKind::Suggested, ContextValue::StyledStrs(tip));
    err
}

/// The name of a built-in template (`mim templates export NAME`).
#[derive(Clone, Copy, Debug)]
pub struct BuiltinTemplate;

impl TypedValueParser for BuiltinTemplate {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        one_of(cmd, arg, value, |text| {
            if crate::render::builtin_names().any(|n| n == text) {
                return None;
            }
            let valid = crate::render::builtin_names().map(str::to_string).collect();
            let tip = "`mim templates list` shows them, and the repository's overrides";
            Some((valid, tip.to_string()))
        })
    }
}

/// `--stakeholder ADDR[:KIND]`: an address the mailer can use, and one of the audiences
/// a stakeholder may follow.
pub fn stakeholder(text: &str) -> Result<String, String> {
    let name = crate::text::name("--stakeholder", text).map_err(|e| e.to_string())?;
    crate::model::plan::Stakeholder::parse(&name)?;
    Ok(text.to_string())
}

/// Completion offers the set of the repository around the current directory.
impl ValueCandidates for Choice {
    fn candidates(&self) -> Vec<CompletionCandidate> {
        crate::complete::from_config(|config| self.entries(config).unwrap_or_default())
    }
}

/// How a time is written on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Time {
    /// A time: RFC 3339, or a local time in the organisation's zone ([`crate::time::parse`]).
    At,
    /// A date (its midnight) or a time ([`crate::time::parse_date_or_time`]).
    Date,
    /// A time ahead, as people promise one: a clock time, a duration from now or a time
    /// ([`crate::time::parse_ahead`]).
    Ahead,
    /// A day: a date, or a duration from now ([`crate::time::parse_due`]).
    Due,
}

impl TypedValueParser for Time {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let text = crate::limits::line().parse_ref(cmd, arg, value)?;
        let Some(config) = CONFIG.get() else {
            return Ok(text);
        };
        let tz = config.tz();
        let form = *self;
        // A plain function's error is clap's `invalid value 'X' for '--flag <TIME>': why`.
        let check = move |text: &str| -> Result<String, String> {
            let checked = match form {
                Time::At => crate::time::parse(text, tz).map(drop),
                Time::Date => crate::time::parse_date_or_time(text, tz).map(drop),
                Time::Ahead => crate::time::check_ahead(text, tz),
                Time::Due => crate::time::check_due(text),
            };
            checked
                .map(|()| text.to_string())
                .map_err(|e| for_terminal(&format!("{e:#}")).into_owned())
        };
        check.parse_ref(cmd, arg, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(edit: impl Fn(&str) -> String) -> Config {
        let text = edit(crate::config::DEFAULT_CONFIG);
        Config::parse(Path::new("mim.yaml"), &text).unwrap()
    }

    #[test]
    fn a_value_of_the_set_passes_and_another_is_refused_with_the_set() {
        let c = config(str::to_string);
        assert_eq!(Choice::Impact.refusal(&c, "high"), None);
        let (valid, tip) = Choice::Impact.refusal(&c, "huge").unwrap();
        assert_eq!(valid, ["high", "medium", "low"]);
        assert_eq!(tip, "the valid values come from `impact` in mim.yaml");
        assert_eq!(Choice::Client.refusal(&c, "acme"), None);
        assert_eq!(Choice::Level.refusal(&c, "vp-services"), None);
        assert_eq!(Choice::ClosureCode.refusal(&c, "workaround"), None);
    }

    #[test]
    fn without_categories_any_category_goes_and_an_empty_set_says_so() {
        let c = config(|t| {
            t.replace(
                "categories: [network, server, storage, application, database, security, cloud, end-user]",
                "categories: []",
            )
        });
        assert!(c.categories.is_empty());
        assert_eq!(Choice::Category.refusal(&c, "anything"), None);
        let (valid, tip) = Choice::Regime.refusal(&c, "nis2").unwrap();
        assert!(valid.is_empty());
        assert!(tip.starts_with("mim.yaml defines no regimes"), "{tip}");
        let c = config(|t| {
            let start = t.find("  hierarchic:").unwrap();
            let end = t[start..].find("\n\n").unwrap() + start;
            format!("{}  hierarchic: []{}", &t[..start], &t[end..])
        });
        let (valid, tip) = Choice::Level.refusal(&c, "ceo").unwrap();
        assert!(valid.is_empty());
        assert_eq!(
            tip,
            "mim.yaml has no levels under `escalation.hierarchic`: leave out --level"
        );
    }
}
