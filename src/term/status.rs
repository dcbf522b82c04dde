//! The text and `--json` of `mim status`, the morning view: the regulatory deadlines,
//! one coloured line per active incident, then the resolved incidents that still need
//! something and the incidents with unsent or uncertain mail.

use serde_json::{Value, json};

use super::{BOLD, GREEN, RED, Table, YELLOW, incident};
use crate::sla::{Clock, Level, Rule};
use crate::time::{self, Timestamp};
use crate::units::Duration;

/// Everything `mim status` shows, gathered from every incident.
#[derive(Debug, Default)]
pub struct Morning {
    /// The regulatory deadlines still open: `(incident, clock)`, soonest first.
    pub regulatory: Vec<(String, Clock)>,
    /// One line per active incident.
    pub lines: Vec<Line>,
    pub follow_ups: Vec<FollowUp>,
    pub unsent: Vec<Unsent>,
}

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

/// The `--json` document of `mim status`.
pub fn json(morning: &Morning, sharing: &impl serde::Serialize, now: Timestamp) -> Value {
    let Morning {
        regulatory,
        lines,
        follow_ups,
        unsent,
    } = morning;
    json!({
        "regulatory": regulatory.iter().map(|(id, c)| regulatory_json(id, c, now)).collect::<Vec<_>>(),
        "active": lines.iter().map(|l| to_json(l, now)).collect::<Vec<_>>(),
        "follow_up": follow_ups.iter().map(|f| follow_up_json(f, now)).collect::<Vec<_>>(),
        "unsent": unsent.iter().filter(|u| !u.files.is_empty()).map(|u| json!({"id": u.id, "files": u.files})).collect::<Vec<_>>(),
        "uncertain": unsent.iter().filter(|u| !u.uncertain.is_empty()).map(|u| json!({"id": u.id, "files": u.uncertain})).collect::<Vec<_>>(),
        "sharing": sharing,
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
    // Each incident with mail of one kind, and its messages.
    let with = |mail: fn(&Unsent) -> &[String]| -> Vec<(&str, &[String])> {
        unsent
            .iter()
            .filter(|u| !mail(u).is_empty())
            .map(|u| (u.id.as_str(), mail(u)))
            .collect()
    };
    mail_section(
        &mut out,
        "Unsent mail in outbox/ (mim send ID):",
        &with(|u| &u.files),
        false,
    );
    mail_section(
        &mut out,
        "Uncertain mail: a send was interrupted while sendmail had it, so it may or may not have gone out\n\
         (check the mail server's log; if it did not arrive: mim send ID --resend-uncertain):",
        &with(|u| &u.uncertain),
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

/// The table, columns aligned and escaped for the terminal; coloured when `colour`.
pub fn render(lines: &[Line], now: Timestamp, tz: chrono_tz::Tz, colour: bool) -> String {
    let mut table = Table::default();
    for l in lines {
        let overdue = l.next.as_ref().and_then(|c| c.due).is_some_and(|d| d < now);
        let next = match &l.next {
            Some(c) => {
                let due = c.due.expect("next_due keeps clocks with a due time");
                if due < now {
                    format!(
                        "{} overdue by {}",
                        incident::clock_name(c),
                        minutes(Duration::from(now - due))
                    )
                } else {
                    format!(
                        "{} due {} (in {})",
                        incident::clock_name(c),
                        time::display(&due, tz),
                        minutes(Duration::from(due - now))
                    )
                }
            }
            None => "nothing due".to_string(),
        };
        let (worst, style) = match &l.worst {
            Some((level, rules)) => (
                format!("{level}: {}", rules.join(", ")),
                if *level == Level::AtRisk { YELLOW } else { RED },
            ),
            None => ("ok".to_string(), GREEN),
        };
        table.row([
            (l.id.clone(), Some(BOLD)),
            (l.priority.clone(), None),
            (l.status.clone(), None),
            (
                l.manager.clone().unwrap_or_else(|| "no manager".into()),
                None,
            ),
            (minutes(l.age).to_string(), None),
            (next, overdue.then_some(RED)),
            (worst, Some(style)),
        ]);
    }
    table.render(colour)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::ClockState;

    const RESET: &str = "\x1b[0m";

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
