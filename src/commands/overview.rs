//! `mim status`: one line per active incident — ID, priority, status, age, what is due
//! next and when, and the worst finding — coloured on a terminal.

use std::io::IsTerminal;

use rayon::prelude::*;
use serde_json::{Value, json};

use crate::commands::Ctx;
use crate::diag::Diagnostics;
use crate::present;
use crate::sla::{self, Clock, Finding, Level};
use crate::store;
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// What one line of `mim status` says about one incident.
#[derive(Clone, Debug)]
pub struct Line {
    pub id: String,
    pub priority: String,
    pub status: String,
    /// Wall-clock time since it was reported.
    pub age: Duration,
    /// The open clock due soonest.
    pub next: Option<Clock>,
    /// The most serious findings' level and rules.
    pub worst: Option<(Level, Vec<String>)>,
}

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    // Each incident is loaded, reduced to its line and dropped, in parallel.
    let loaded: Vec<Result<Option<Line>, Diagnostics>> = ctx
        .repo
        .incident_ids()?
        .par_iter()
        .map(|id| {
            let incident = store::load(&ctx.repo, id)?;
            let state = ctx.state_now(&incident);
            if !state.exists() || !state.status.is_active() {
                return Ok(None);
            }
            let e = sla::evaluate_state(config, &incident, &state);
            Ok(Some(Line {
                id: incident.id.clone(),
                priority: state.priority.clone(),
                status: state.status.to_string(),
                age: Duration::from(ctx.now - incident.record.reported),
                next: next_due(&e.clocks),
                worst: worst(&e.findings),
            }))
        })
        .collect();
    let mut lines = Vec::new();
    let mut broken = Vec::new();
    for line in loaded {
        match line {
            Ok(line) => lines.extend(line),
            Err(Diagnostics(d)) => broken.extend(d),
        }
    }
    if ctx.json {
        let items: Vec<Value> = lines.iter().map(|l| to_json(l, ctx.now)).collect();
        ctx.print_json(&items)?;
    } else {
        let colour = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        print!("{}", render(&lines, ctx.now, config.tz(), colour));
        if lines.is_empty() {
            eprintln!("no active incidents");
        }
    }
    // An incident that cannot be read may be the one on fire: never leave it out quietly.
    if broken.is_empty() {
        return Ok(());
    }
    Err(crate::error::Incomplete {
        problems: broken,
        what: "some incidents could not be read and are not listed above",
    }
    .into())
}

/// The open clock with the earliest due time.
pub fn next_due(clocks: &[Clock]) -> Option<Clock> {
    clocks
        .iter()
        .filter(|c| c.is_open() && c.due.is_some())
        .min_by_key(|c| c.due)
        .cloned()
}

/// The most serious level among the findings, with the rules that have it.
pub fn worst(findings: &[Finding]) -> Option<(Level, Vec<String>)> {
    let level = findings.iter().map(|f| f.level).min()?;
    let mut rules: Vec<String> = findings
        .iter()
        .filter(|f| f.level == level)
        .map(|f| f.rule.to_string())
        .collect();
    rules.dedup();
    Some((level, rules))
}

fn minutes(d: Duration) -> Duration {
    Duration::from_secs(d.secs().div_euclid(60) * 60)
}

fn to_json(l: &Line, now: Timestamp) -> Value {
    json!({
        "id": l.id,
        "priority": l.priority,
        "status": l.status,
        "age_s": l.age.secs(),
        "next": l.next.as_ref().map(|c| json!({
            "rule": c.rule,
            "name": c.name,
            "due": c.due.as_ref().map(time::format),
            "in_s": c.due.map(|d| (d - now).num_seconds()),
            "state": c.state,
        })),
        "worst": l.worst.as_ref().map(|(level, rules)| json!({"level": level, "rules": rules})),
    })
}

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The table, columns aligned; ANSI colours when `colour`.
pub fn render(lines: &[Line], now: Timestamp, tz: chrono_tz::Tz, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let rows: Vec<[String; 6]> = lines
        .iter()
        .map(|l| {
            let next = match &l.next {
                Some(c) => {
                    let due = c.due.expect("next_due keeps clocks with a due time");
                    if due < now {
                        format!(
                            "{} overdue by {}",
                            present::clock_name(c),
                            minutes(Duration::from(now - due))
                        )
                    } else {
                        format!(
                            "{} due {} (in {})",
                            present::clock_name(c),
                            time::display(&due, tz),
                            minutes(Duration::from(due - now))
                        )
                    }
                }
                None => "nothing due".to_string(),
            };
            let worst = match &l.worst {
                Some((level, rules)) => format!("{level}: {}", rules.join(", ")),
                None => "ok".to_string(),
            };
            [
                l.id.clone(),
                l.priority.clone(),
                l.status.clone(),
                minutes(l.age).to_string(),
                next,
                worst,
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (row, l) in rows.iter().zip(lines) {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let padded = if i == 5 {
                    cell.clone()
                } else {
                    format!("{cell:<w$}", w = widths[i])
                };
                match i {
                    0 => paint(BOLD, &padded),
                    4 if l.next.as_ref().and_then(|c| c.due).is_some_and(|d| d < now) => {
                        paint(RED, &padded)
                    }
                    5 => match l.worst.as_ref().map(|w| w.0) {
                        Some(Level::AtRisk) => paint(YELLOW, &padded),
                        Some(_) => paint(RED, &padded),
                        None => paint(GREEN, &padded),
                    },
                    _ => padded,
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::{ClockState, Rule};

    fn ts(text: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn line(worst: Option<(Level, Vec<String>)>, due: &str) -> Line {
        Line {
            id: "2026-11-24-payments".into(),
            priority: "P1".into(),
            status: "accepted".into(),
            age: Duration::from_secs(6600),
            next: Some(Clock {
                rule: Rule::UpdateClient,
                name: None,
                target: Duration::from_secs(3600),
                elapsed: Duration::from_secs(600),
                started: ts("2026-11-24T10:00:00Z"),
                due: Some(ts(due)),
                stopped: None,
                state: ClockState::Running,
            }),
            worst,
        }
    }

    #[test]
    fn plain_and_coloured_lines() {
        let now = ts("2026-11-24T10:50:00Z");
        let lines = [line(
            Some((Level::Breach, vec!["respond".into()])),
            "2026-11-24T11:15:00Z",
        )];
        let plain = render(&lines, now, chrono_tz::UTC, false);
        assert_eq!(
            plain,
            "2026-11-24-payments  P1  accepted  1h50m  update-client due 2026-11-24 11:15 UTC (in 25m)  breach: respond\n"
        );
        assert!(!plain.contains('\x1b'));
        let coloured = render(&lines, now, chrono_tz::UTC, true);
        assert!(
            coloured.contains(&format!("{RED}breach: respond{RESET}")),
            "{coloured:?}"
        );
        let overdue = [line(None, "2026-11-24T10:30:00Z")];
        let text = render(&overdue, now, chrono_tz::UTC, true);
        assert!(text.contains("update-client overdue by 20m"), "{text}");
        assert!(text.contains(&format!("{GREEN}ok{RESET}")), "{text:?}");
    }
}
