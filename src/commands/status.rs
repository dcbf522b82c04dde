//! `mim status`, the morning view: one line per active incident — ID, priority, status,
//! incident manager, age, what is due next and when, and the worst finding — coloured on
//! a terminal — after the regulatory deadlines still open, soonest first, of every
//! incident whatever its status (a report owed to an authority comes before anything
//! else); then the resolved incidents that still need something (a PIR to start,
//! overdue action items), the incidents with unsent mail in `outbox/`, and those with
//! uncertain mail (a send interrupted while sendmail had the message).

use std::io::IsTerminal;

use serde_json::{Value, json};

use crate::comms::outbox;
use crate::context::Ctx;
use crate::diag::Diagnostics;
use crate::lifecycle::Status;
use crate::present;
use crate::sla::{self, Clock, ClockState, Finding, Level, Rule};
use crate::store;
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// What one line of `mim status` says about one incident.
#[derive(Clone, Debug)]
pub struct Line {
    pub id: String,
    pub priority: String,
    pub status: String,
    /// The incident manager now (after any handover); none while proposed.
    pub manager: Option<String>,
    /// Wall-clock time since it was reported.
    pub age: Duration,
    /// The open clock due soonest.
    pub next: Option<Clock>,
    /// The most serious findings' level and rules.
    pub worst: Option<(Level, Vec<String>)>,
}

/// A resolved incident that still needs its post incident review worked on.
#[derive(Clone, Debug)]
pub struct FollowUp {
    pub id: String,
    pub priority: String,
    /// The open clock of a required PIR not started yet.
    pub pir_start: Option<Clock>,
    /// Action items open past their due day: `(ID, due day)`.
    pub overdue: Vec<(String, chrono::NaiveDate)>,
}

/// An incident with messages in `outbox/` waiting to be sent, or uncertain: handed to
/// sendmail by a send that was interrupted before it recorded the outcome.
#[derive(Clone, Debug)]
pub struct Unsent {
    pub id: String,
    pub files: Vec<String>,
    pub uncertain: Vec<String>,
}

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let mut lines = Vec::new();
    let mut follow_ups = Vec::new();
    let mut unsent = Vec::new();
    let mut broken = Vec::new();
    let mut regulatory: Vec<(String, Clock)> = Vec::new();
    // Each incident is loaded, derived and evaluated on its own thread and dropped:
    // only its line is kept.
    for seen in store::each(&ctx.repo, |loaded| look(ctx, loaded))? {
        lines.extend(seen.line);
        follow_ups.extend(seen.follow_up);
        unsent.extend(seen.unsent);
        broken.extend(seen.broken);
        regulatory.extend(seen.regulatory);
    }
    // What of this clone the team does not have yet, and commits set aside.
    let sharing = crate::sync::overview(&ctx.repo);
    regulatory.sort_by(|a, b| a.1.due.cmp(&b.1.due).then_with(|| a.0.cmp(&b.0)));
    if ctx.json {
        let items: Vec<Value> = lines.iter().map(|l| to_json(l, ctx.now)).collect();
        ctx.print_json(&json!({
            "regulatory": regulatory.iter().map(|(id, c)| regulatory_json(id, c, ctx.now)).collect::<Vec<_>>(),
            "active": items,
            "follow_up": follow_ups.iter().map(|f| follow_up_json(f, ctx.now)).collect::<Vec<_>>(),
            "unsent": unsent.iter().filter(|u| !u.files.is_empty()).map(|u| json!({"id": u.id, "files": u.files})).collect::<Vec<_>>(),
            "uncertain": unsent.iter().filter(|u| !u.uncertain.is_empty()).map(|u| json!({"id": u.id, "files": u.uncertain})).collect::<Vec<_>>(),
            "sharing": sharing,
        }))?;
    } else {
        let colour = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        print!(
            "{}",
            crate::text::for_terminal(&render_regulatory(&regulatory, ctx.now, config.tz()))
        );
        print!(
            "{}",
            crate::text::for_terminal(&render(&lines, ctx.now, config.tz(), colour))
        );
        // Not "no active incidents" when one that cannot be read may be active.
        if lines.is_empty() && broken.is_empty() {
            eprintln!("no active incidents");
        }
        print!(
            "{}",
            crate::text::for_terminal(&render_rest(&follow_ups, &unsent, ctx.now, config.tz()))
        );
        if let Some(sharing) = &sharing {
            print!(
                "{}",
                crate::text::for_terminal(&sharing.text(config.tz(), None))
            );
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

/// What `status` keeps of one incident.
#[derive(Default)]
struct Seen {
    line: Option<Line>,
    follow_up: Option<FollowUp>,
    unsent: Option<Unsent>,
    broken: Vec<crate::diag::Diagnostic>,
    /// Its regulatory clocks still open.
    regulatory: Vec<(String, Clock)>,
}

fn look(ctx: &Ctx, loaded: Result<crate::model::Incident, Diagnostics>) -> Seen {
    let mut seen = Seen::default();
    let incident = match loaded {
        Ok(incident) => incident,
        Err(Diagnostics(d)) => {
            seen.broken = d;
            return seen;
        }
    };
    let state = ctx.state_now(&incident);
    if !state.exists() {
        return seen;
    }
    // Mail of a closed or rejected incident is history, not a morning's work.
    let live = !matches!(state.status, Status::Closed | Status::Rejected);
    match outbox::read_ledger(&incident.dir, &state) {
        Ok(ledger) if live => {
            let files: Vec<String> = ledger
                .iter()
                .filter(|m| m.is_unsent())
                .map(|m| m.file.clone())
                .collect();
            let uncertain: Vec<String> = ledger
                .iter()
                .filter(|m| m.uncertain)
                .map(|m| m.file.clone())
                .collect();
            if !files.is_empty() || !uncertain.is_empty() {
                seen.unsent = Some(Unsent {
                    id: incident.id.clone(),
                    files,
                    uncertain,
                });
            }
        }
        Ok(_) => {}
        Err(e) => seen.broken.push(crate::diag::Diagnostic::new(
            &ctx.repo.relative(&incident.dir).join("outbox"),
            format!("{e:#}"),
        )),
    }
    let e = sla::evaluate_state(&ctx.repo.config, &incident, &state);
    seen.regulatory = e
        .clocks
        .iter()
        .filter(|c| c.is_open() && c.due.is_some())
        .filter(|c| {
            c.rule == Rule::RegulatoryNotification
                || (c.rule == Rule::RegulatoryClassification && live)
        })
        .map(|c| (incident.id.clone(), c.clone()))
        .collect();
    if state.status == Status::Resolved {
        seen.follow_up = follow_up(&incident.id, &state, &e.clocks);
        return seen;
    }
    if state.status.is_active() {
        seen.line = Some(Line {
            id: incident.id.clone(),
            priority: state.priority.clone(),
            status: state.status.to_string(),
            manager: state.manager.clone(),
            age: Duration::from(ctx.now - incident.record.reported),
            next: next_due(&e.clocks),
            worst: worst(&e.findings),
        });
    }
    seen
}

/// What a resolved incident still needs, if anything.
fn follow_up(id: &str, state: &crate::state::State, clocks: &[Clock]) -> Option<FollowUp> {
    let pir_start = clocks
        .iter()
        .find(|c| c.rule == Rule::PirStart && c.is_open())
        .cloned();
    let overdue: Vec<(String, chrono::NaiveDate)> = clocks
        .iter()
        .filter(|c| c.rule == Rule::PirAction && c.is_open() && c.state == ClockState::Breached)
        .filter_map(|c| {
            let name = c.name.as_deref()?;
            let action = state.pir.as_ref()?.actions.iter().find(|a| a.id == name)?;
            Some((action.id.clone(), action.due))
        })
        .collect();
    (pir_start.is_some() || !overdue.is_empty()).then(|| FollowUp {
        id: id.to_string(),
        priority: state.priority.clone(),
        pir_start,
        overdue,
    })
}

fn follow_up_json(f: &FollowUp, now: Timestamp) -> Value {
    json!({
        "id": f.id,
        "priority": f.priority,
        "status": "resolved",
        "pir_start": f.pir_start.as_ref().map(|c| json!({
            "due": c.due.as_ref().map(time::format),
            "in_s": c.due.map(|d| (d - now).num_seconds()),
            "state": c.state,
        })),
        "overdue_actions": f.overdue.iter().map(|(id, due)| json!({"id": id, "due": due.to_string()})).collect::<Vec<_>>(),
    })
}

/// The follow-up, unsent-mail and uncertain-mail sections (empty when there is nothing
/// in them).
pub fn render_rest(
    follow_ups: &[FollowUp],
    unsent: &[Unsent],
    now: Timestamp,
    tz: chrono_tz::Tz,
) -> String {
    let mut out = String::new();
    if !follow_ups.is_empty() {
        out.push_str("\nResolved, with the review to do:\n");
        let width = follow_ups.iter().map(|f| f.id.len()).max().unwrap_or(0);
        for f in follow_ups {
            let mut what = Vec::new();
            if let Some(c) = &f.pir_start
                && let Some(due) = c.due
            {
                what.push(if due < now {
                    format!(
                        "PIR start overdue by {}",
                        minutes(Duration::from(now - due))
                    )
                } else {
                    format!(
                        "PIR to start by {} (in {})",
                        time::display(&due, tz),
                        minutes(Duration::from(due - now))
                    )
                });
            }
            for (id, due) in &f.overdue {
                what.push(format!("action {id} overdue (due {due})"));
            }
            out.push_str(&format!(
                "{}  {}  {}\n",
                crate::text::pad(&f.id, width),
                crate::text::pad(&f.priority, 3),
                what.join("; ")
            ));
        }
    }
    let waiting: Vec<(&str, &[String])> = unsent
        .iter()
        .filter(|u| !u.files.is_empty())
        .map(|u| (u.id.as_str(), u.files.as_slice()))
        .collect();
    mail_section(
        &mut out,
        "Unsent mail in outbox/ (mim send ID):",
        &waiting,
        false,
    );
    let uncertain: Vec<(&str, &[String])> = unsent
        .iter()
        .filter(|u| !u.uncertain.is_empty())
        .map(|u| (u.id.as_str(), u.uncertain.as_slice()))
        .collect();
    mail_section(
        &mut out,
        "Uncertain mail: a send was interrupted while sendmail had it, so it may or may not have gone out\n\
         (check the mail server's log; if it did not arrive: mim send ID --resend-uncertain):",
        &uncertain,
        true,
    );
    out
}

/// One section of incidents and their messages: each ID and how many, or (`names`)
/// each message.
fn mail_section(out: &mut String, title: &str, items: &[(&str, &[String])], names: bool) {
    if items.is_empty() {
        return;
    }
    out.push('\n');
    out.push_str(title);
    out.push('\n');
    let width = items.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
    for (id, files) in items {
        let id = crate::text::pad(id, width);
        if names {
            for file in files.iter() {
                out.push_str(&format!(
                    "{id}  outbox/{}\n",
                    crate::text::for_terminal(file)
                ));
            }
            continue;
        }
        out.push_str(&format!(
            "{id}  {}\n",
            crate::text::plural(files.len(), "message")
        ));
    }
}

/// `NIS2 early-warning`, `DORA classification`: a regulatory clock as people call it.
fn regulatory_name(c: &Clock) -> String {
    let name = c.name.as_deref().unwrap_or_default();
    match (c.rule, name.split_once('/')) {
        (_, Some((regime, stage))) => format!("{} {stage}", regime.to_uppercase()),
        (Rule::RegulatoryClassification, None) => format!("{} classification", name.to_uppercase()),
        _ => name.to_uppercase(),
    }
}

fn regulatory_json(id: &str, c: &Clock, now: Timestamp) -> Value {
    let (regime, stage) = match c.name.as_deref().and_then(|n| n.split_once('/')) {
        Some((r, s)) => (r.to_string(), Some(s.to_string())),
        None => (c.name.clone().unwrap_or_default(), None),
    };
    json!({
        "id": id,
        "rule": c.rule,
        "regime": regime,
        "stage": stage,
        "due": c.due.as_ref().map(time::format),
        "in_s": c.due.map(|d| (d - now).num_seconds()),
        "state": c.state,
    })
}

/// The regulatory deadlines still open, soonest first (empty when there are none).
pub fn render_regulatory(items: &[(String, Clock)], now: Timestamp, tz: chrono_tz::Tz) -> String {
    if items.is_empty() {
        return String::new();
    }
    let width = items.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
    let mut out =
        String::from("Regulatory deadlines (mim notify ID --regime R --stage S --ref REF):\n");
    for (id, c) in items {
        let Some(due) = c.due else { continue };
        let when = if due < now {
            format!("overdue by {}", minutes(Duration::from(now - due)))
        } else {
            format!(
                "due {} (in {})",
                time::display(&due, tz),
                minutes(Duration::from(due - now))
            )
        };
        out.push_str(&format!(
            "{id:<width$}  {} {when}  {}\n",
            regulatory_name(c),
            c.state
        ));
    }
    out.push('\n');
    out
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

fn minutes(d: Duration) -> String {
    d.human()
}

fn to_json(l: &Line, now: Timestamp) -> Value {
    json!({
        "id": l.id,
        "priority": l.priority,
        "status": l.status,
        "manager": l.manager,
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
    let rows: Vec<[String; 7]> = lines
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
                l.manager.clone().unwrap_or_else(|| "no manager".into()),
                minutes(l.age).to_string(),
                next,
                worst,
            ]
        })
        .collect();
    let mut widths = [0usize; 7];
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
                let padded = if i == 6 {
                    cell.clone()
                } else {
                    crate::text::pad(cell, widths[i])
                };
                match i {
                    0 => paint(BOLD, &padded),
                    5 if l.next.as_ref().and_then(|c| c.due).is_some_and(|d| d < now) => {
                        paint(RED, &padded)
                    }
                    6 => match l.worst.as_ref().map(|w| w.0) {
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

    fn ts(text: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn line(worst: Option<(Level, Vec<String>)>, due: &str) -> Line {
        Line {
            id: "2026-11-24-payments".into(),
            priority: "P1".into(),
            status: "accepted".into(),
            manager: Some("Bob".into()),
            age: Duration::from_secs(6600),
            next: Some(Clock {
                rule: Rule::UpdateClient,
                name: None,
                client: None,
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
            "2026-11-24-payments  P1  accepted  Bob  1h50m  update-client due 2026-11-24 11:15 UTC (in 25m)  breach: respond\n"
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
