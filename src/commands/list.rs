//! `mim list`: one line per incident.

use rayon::prelude::*;
use serde::Serialize;

use crate::commands::Ctx;
use crate::diag::Diagnostics;
use crate::lifecycle::Status;
use crate::store;
use crate::time;

#[derive(Serialize)]
struct Row {
    id: String,
    status: Status,
    priority: String,
    title: String,
    service: String,
    client: Option<String>,
    reported: String,
    manager: Option<String>,
}

pub fn run(ctx: &Ctx, status: Option<Status>) -> anyhow::Result<()> {
    // Each incident is loaded, reduced to its row and dropped, in parallel.
    let loaded: Vec<Result<Option<Row>, Diagnostics>> = ctx
        .repo
        .incident_ids()?
        .par_iter()
        .map(|id| {
            let incident = store::load(&ctx.repo, id)?;
            let state = ctx.state_now(&incident);
            if !state.exists() || status.is_some_and(|s| s != state.status) {
                return Ok(None);
            }
            Ok(Some(Row {
                id: incident.id,
                status: state.status,
                priority: state.priority,
                title: incident.record.title,
                service: incident.record.service,
                client: incident.record.client,
                reported: time::format(&incident.record.reported),
                manager: state.manager,
            }))
        })
        .collect();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for row in loaded {
        match row {
            Ok(row) => rows.extend(row),
            Err(Diagnostics(d)) => problems.extend(d),
        }
    }
    if ctx.json {
        ctx.print_json(&rows)?;
    } else if rows.is_empty() {
        let which = status
            .map(|s| format!(" with status {s}"))
            .unwrap_or_default();
        eprintln!("no incidents{which}");
    } else {
        print_table(&rows);
    }
    // An incident that cannot be read is reported, never left out quietly.
    if problems.is_empty() {
        return Ok(());
    }
    Err(crate::error::Incomplete {
        problems,
        what: "some incidents could not be read and are not listed",
    }
    .into())
}

fn print_table(rows: &[Row]) {
    let id_width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2);
    println!("{:<id_width$}  {:<9}  {:<3}  TITLE", "ID", "STATUS", "PRI");
    for r in rows {
        println!(
            "{:<id_width$}  {:<9}  {:<3}  {}",
            r.id,
            r.status.as_str(),
            r.priority,
            r.title
        );
    }
}
