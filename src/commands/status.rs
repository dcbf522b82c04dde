//! `mim status`, the morning view (its text is [`crate::term::status`]): one line per
//! active incident — ID, priority, status,
//! incident manager, age, what is due next and when, and the worst finding — coloured on
//! a terminal — after the regulatory deadlines still open, soonest first, of every
//! incident whatever its status (a report owed to an authority comes before anything
//! else); then the resolved incidents that still need something (a PIR to start,
//! overdue action items), the incidents with unsent mail in `outbox/`, and those with
//! uncertain mail (a send interrupted while sendmail had the message).

use crate::comms::outbox;
use crate::context::Ctx;
use crate::diag::Diagnostics;
use crate::lifecycle::Status;
use crate::settled::rows;
use crate::sla::{self, Clock, ClockState, Finding, Level, Rule};
use crate::store;
use crate::term;
use crate::term::status::{FollowUp, Line, Morning, Unsent};
use crate::text::for_terminal;
use crate::units::Duration;

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let mut morning = Morning::default();
    let mut broken = Vec::new();
    let mut settled = Vec::new();
    // A settled incident whose files are as they were has nothing to show (see
    // [`crate::settled`]); every other is loaded, derived and evaluated on its own thread
    // and dropped: only its line is kept.
    let index = rows::open(&ctx.repo);
    let known = |id: &str| {
        let index = index.as_ref()?;
        index.is_settled(id, ctx.now).then(Seen::default)
    };
    for seen in store::each_known(&ctx.repo, known, |loaded| look(ctx, loaded))? {
        settled.extend(seen.settled);
        morning.lines.extend(seen.line);
        morning.follow_ups.extend(seen.follow_up);
        morning.unsent.extend(seen.unsent);
        broken.extend(seen.broken);
        morning.regulatory.extend(seen.regulatory);
    }
    if let Some(index) = index {
        index.save(settled);
    }
    // What of this clone the team does not have yet, and commits set aside.
    let sharing = crate::sync::overview(&ctx.repo);
    morning
        .regulatory
        .sort_by(|a, b| a.1.due.cmp(&b.1.due).then_with(|| a.0.cmp(&b.0)));
    if ctx.json {
        ctx.print_json(&term::status::json(&morning, &sharing, ctx.now))?;
    } else {
        let tz = config.tz();
        print!(
            "{}",
            for_terminal(&term::status::render_regulatory(
                &morning.regulatory,
                ctx.now,
                tz
            ))
        );
        // Escaped cell by cell, before the colour.
        print!(
            "{}",
            term::status::render(&morning.lines, ctx.now, tz, term::colour())
        );
        // Not "no active incidents" when one that cannot be read may be active.
        if morning.lines.is_empty() && broken.is_empty() {
            eprintln!("no active incidents");
        }
        print!(
            "{}",
            for_terminal(&term::status::render_rest(
                &morning.follow_ups,
                &morning.unsent,
                ctx.now,
                tz
            ))
        );
        if let Some(sharing) = &sharing {
            print!("{}", for_terminal(&sharing.text(tz, None)));
        }
    }
    // An incident that cannot be read may be the one on fire: never leave it out quietly.
    crate::error::Error::check_complete(
        broken,
        "some incidents could not be read and are not listed above",
    )
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
    /// It is settled: nothing to show now or later.
    settled: Option<crate::settled::Found>,
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
    // Its mail's ledger was read above: a problem there is in `broken`.
    let row = rows::row_of(&incident, &state);
    seen.settled = rows::found(&incident, &state, &e.clocks, &row, seen.broken.is_empty());
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
