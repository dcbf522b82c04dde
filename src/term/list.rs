//! The text of `mim list`: one line per incident, and the row its `--json` lists.

use serde::Serialize;

use crate::lifecycle::Status;
use crate::model::Names;
use crate::text::{for_terminal, pad};

/// One incident in `mim list`.
#[derive(Serialize)]
pub struct Row {
    pub id: String,
    pub status: Status,
    pub priority: String,
    pub title: String,
    /// One service or client as a string, several as a list.
    pub service: Names,
    pub client: Option<Names>,
    pub reported: String,
    pub manager: Option<String>,
}

/// The rows as a table: ID, status, priority and title.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let id_width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2);
    out.push_str(&format!(
        "{}  {:<9}  {:<3}  TITLE\n",
        pad("ID", id_width),
        "STATUS",
        "PRI"
    ));
    for r in rows {
        // Titles and priorities come from the files: neutralised for the terminal.
        let line = format!(
            "{}  {:<9}  {}  {}",
            pad(&r.id, id_width),
            r.status.as_str(),
            pad(&r.priority, 3),
            r.title
        );
        out.push_str(&for_terminal(&line));
        out.push('\n');
    }
    out
}
