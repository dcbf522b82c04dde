//! `mim list`: one line per incident.

use crate::cli::ListStatus;
use crate::context::Ctx;
use crate::diag::Diagnostics;
use crate::model::Names;
use crate::store;
use crate::term::{self, list::Row};
use crate::time;

pub fn run(ctx: &Ctx, statuses: &[ListStatus]) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    // Each incident is loaded and derived on its own thread and dropped: only its row
    // is kept.
    let seen = store::each(&ctx.repo, |loaded| {
        let incident = loaded?;
        let state = ctx.state_now(&incident);
        let wanted = statuses.is_empty() || statuses.iter().any(|s| s.matches(state.status));
        if !state.exists() || !wanted {
            return Ok(None);
        }
        let client =
            Some(Names::new(state.affected().map(|c| c.client.clone()))).filter(|n| !n.is_empty());
        Ok(Some(Row {
            id: incident.id,
            status: state.status,
            service: Names::new(state.services.clone()),
            client,
            priority: state.priority,
            title: incident.record.title,
            reported: time::format(&incident.record.reported),
            manager: state.manager,
        }))
    })?;
    for row in seen {
        match row {
            Ok(row) => rows.extend(row),
            Err(Diagnostics(d)) => problems.extend(d),
        }
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
