//! `mim list`: one line per incident.

use crate::cli::ListStatus;
use crate::context::Ctx;
use crate::diag::Diagnostics;
use crate::lifecycle::Status;
use crate::settled::rows;
use crate::sla;
use crate::store;
use crate::term;

pub fn run(ctx: &Ctx, statuses: &[ListStatus]) -> anyhow::Result<()> {
    let wanted = |status| statuses.is_empty() || statuses.iter().any(|s| s.matches(status));
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut settled = Vec::new();
    // A settled incident whose files are as they were is listed from the index; every
    // other is loaded and derived on its own thread and dropped: only its row is kept.
    let index = rows::open(&ctx.repo);
    let seen = store::each_known(
        &ctx.repo,
        |id| Some(Ok((Some(rows::row(index.as_ref()?, id, ctx.now)?), None))),
        |loaded| {
            let incident = loaded?;
            let state = ctx.state_now(&incident);
            if !state.exists() {
                return Ok((None, None));
            }
            let row = rows::row_of(&incident, &state);
            let found = if matches!(state.status, Status::Closed | Status::Rejected) {
                let clocks = sla::evaluate_state(&ctx.repo.config, &incident, &state).clocks;
                // What status reads of it must read too: list does not show its mail.
                let ledger = crate::comms::outbox::read_ledger(&incident.dir, &state).is_ok();
                rows::found(&incident, &state, &clocks, &row, ledger)
            } else {
                None
            };
            Ok((Some(row), found))
        },
    )?;
    for seen in seen {
        match seen {
            Ok((row, found)) => {
                rows.extend(row.filter(|r| wanted(r.status)));
                settled.extend(found);
            }
            Err(Diagnostics(d)) => problems.extend(d),
        }
    }
    if let Some(index) = index {
        index.save(settled);
    }
    if ctx.json {
        ctx.print_json(&rows)?;
    } else if rows.is_empty() {
        let which = if statuses.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = statuses
                .iter()
                .map(|s| {
                    clap::ValueEnum::to_possible_value(s)
                        .map(|v| v.get_name().to_string())
                        .unwrap_or_default()
                })
                .collect();
            format!(" with status {}", names.join(" or "))
        };
        eprintln!("no incidents{which}");
    } else {
        print!("{}", term::list::table(&rows));
    }
    // An incident that cannot be read is reported, never left out quietly.
    crate::error::Error::check_complete(
        problems,
        "some incidents could not be read and are not listed",
    )
}
