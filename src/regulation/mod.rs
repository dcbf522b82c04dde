//! Regulatory regimes (NIS2, DORA, …) as data: `regulations:` in mim.yaml defines each
//! regime's stages and deadlines; `mim classify` brings an incident in scope (or records
//! that it is not), `mim notify` records each submission, and the stages run as clocks
//! that `check`, `status`, `show` and the KPI report read. `mim notify --draft` renders a
//! stage's report from the record for a person to check and submit ([`draft`]).

pub mod draft;

pub use crate::config::regulation::Regime;
pub use crate::sla::regulatory::{RegimeStatus, applies, status_of, statuses};

use crate::config::Config;
use crate::time;

/// The `Regulatory` section of `mim show`: each regime that applies to the incident or
/// that it was classified under, its classification, and each stage: due, waiting for
/// what, or submitted.
pub fn show_text(config: &Config, id: &str, statuses: &[RegimeStatus]) -> String {
    if statuses.is_empty() {
        return String::new();
    }
    let tz = config.tz();
    let t = |ts: &time::Timestamp| time::display(ts, tz);
    let mut out = String::from("\nRegulatory\n");
    for r in statuses {
        let word = config
            .regulations
            .get(&r.regime)
            .map_or("significant", |g| g.classification.as_str());
        let head = match &r.record {
            Some(rec) if rec.in_scope() => format!(
                "classified {} {} by {}: {}",
                rec.outcome.map(|o| o.as_str()).unwrap_or_default(),
                rec.classified_at.as_ref().map(t).unwrap_or_default(),
                rec.by,
                rec.reason
            ),
            Some(rec) if rec.outcome.is_some() => {
                format!("not reportable (by {}): {}", rec.by, rec.reason)
            }
            _ => format!(
                "not classified yet: mim classify {id} --regime {} --{word} (or --not) --reason TEXT",
                r.regime
            ),
        };
        out.push_str(&format!(
            "  {} — {}\n    {head}\n",
            r.regime.to_uppercase(),
            r.name
        ));
        let width = r
            .stages
            .iter()
            .map(|s| s.stage.len())
            .max()
            .unwrap_or(0)
            .min(40);
        for s in &r.stages {
            let what = match (&s.submitted_at, &s.due, &s.waits_for) {
                (Some(at), _, _) => format!(
                    "{:<9} submitted {} [ref {}]{}",
                    s.state.map_or("", |st| st.as_str()),
                    t(at),
                    s.reference.as_deref().unwrap_or_default(),
                    s.due
                        .as_ref()
                        .map(|d| format!(", due {}", t(d)))
                        .unwrap_or_default()
                ),
                (None, Some(due), _) => format!(
                    "{:<9} due {} ({})",
                    s.state.map_or("", |st| st.as_str()),
                    t(due),
                    s.rule
                ),
                (None, None, Some(w)) => format!("{:<9} waits for {w} ({})", "", s.rule),
                (None, None, None) => format!("{:<9} {}", "", s.rule),
            };
            out.push_str(&format!("    {:<width$}  {}\n", s.stage, what.trim_end()));
        }
    }
    out
}

/// The regime `key` of mim.yaml (`--regime`, which the command line checks is one).
pub fn regime<'c>(config: &'c Config, key: &str) -> anyhow::Result<&'c Regime> {
    config.regulations.get(key).ok_or_else(|| {
        anyhow::anyhow!(
            "mim.yaml has no regime `{}` under `regulations`",
            key.escape_debug()
        )
    })
}
