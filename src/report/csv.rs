//! The report as CSV for spreadsheets: one row per figure, in long form
//! (`section,table,row,column,value,unit`), so a pivot table can shape it at will.

use super::Report;
use super::tables::{Cell, sections};

pub const HEADER: &str = "section,table,row,column,value,unit";

pub fn render(report: &Report) -> String {
    let mut out = format!("{HEADER}\r\n");
    for section in sections(report) {
        for table in &section.tables {
            for row in &table.rows {
                let label = row.first().map(Cell::display).unwrap_or_default();
                for (column, cell) in table.columns.iter().zip(row).skip(1) {
                    for (suffix, value, unit) in values(cell) {
                        let column = format!("{column}{suffix}");
                        let fields = [section.id, &table.title, &label, &column, &value, unit];
                        let fields: Vec<String> = fields.iter().map(|f| field(f)).collect();
                        out.push_str(&fields.join(","));
                        out.push_str("\r\n");
                    }
                }
            }
        }
    }
    out
}

/// A cell's raw values: durations in seconds, rates as count, total and percent.
fn values(cell: &Cell) -> Vec<(&'static str, String, &'static str)> {
    match cell {
        Cell::Text(s) => vec![("", s.clone(), "text")],
        Cell::Count(n) => vec![("", n.to_string(), "count")],
        Cell::Secs(s) => vec![("", s.map(|s| s.to_string()).unwrap_or_default(), "seconds")],
        Cell::Number(x) => vec![("", x.map(|x| x.to_string()).unwrap_or_default(), "number")],
        Cell::Rate(r) => vec![
            (" (count)", r.count.to_string(), "count"),
            (" (total)", r.total.to_string(), "count"),
            (
                " (percent)",
                r.percent.map(|p| format!("{p:.1}")).unwrap_or_default(),
                "percent",
            ),
        ],
    }
}

/// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` in text is prefixed with `'` so a
/// spreadsheet does not run it as a formula.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
